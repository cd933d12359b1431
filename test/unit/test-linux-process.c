/* SPDX-License-Identifier: MIT */
/*
 * test-linux-process.c: Win32_Process from the Linux provider, through the
 * object manager on a fresh repository: processes the test starts are
 * found by enumeration, keyed get and WHERE with what the kernel says of
 * them; a select list spares the provider the files it does not need
 * (counted with the kernel's own count of our read calls); Create,
 * Terminate and GetOwner act as the caller, down to a real user made for
 * the test when it runs as root; processes that end during enumerations
 * are left out without errors; and the process connector's start and
 * stop events reach subscribers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/util.h"
#include "cimom/cimom.h"
#include "test-util.h"
#include "test-cimom-util.h"

static struct cimom *cimom;
static struct cimom_ns *ns;

/* What a failing test leaves behind is cleaned up at the end. */
static pid_t children[64];
static char made_user[32];

static void forget_child(pid_t pid)
{
        for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++)
                if (children[i] == pid)
                        children[i] = 0;
}

static void remember_child(pid_t pid)
{
        for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
                if (!children[i]) {
                        children[i] = pid;
                        return;
                }
        }
}

static void stop_child(pid_t pid)
{
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        forget_child(pid);
}

static void remove_user(void)
{
        char cmd[128];

        if (!made_user[0])
                return;
        snprintf(cmd, sizeof(cmd), "userdel %s >/dev/null 2>&1", made_user);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove user %s\n", made_user);
        made_user[0] = '\0';
}

static int setup(void **state)
{
        if (test_dir_setup(state) < 0)
                return -1;
        if (test_open_cimv2("process", &cimom, &ns) < 0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++)
                if (children[i] > 0)
                        stop_child(children[i]);
        remove_user();
        cimom_ns_close(ns);
        cimom_free(cimom);
        return test_dir_teardown(state);
}

/* ---- helpers ------------------------------------------------------------ */

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

/* /proc/<pid>/<file> as text, or false. */
static bool proc_text(pid_t pid, const char *file, char *buf, size_t size)
{
        char path[64];
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        f = fopen(path, "r");
        if (!f)
                return false;
        n = fread(buf, 1, size - 1, f);
        fclose(f);
        buf[n] = '\0';
        return true;
}

/* The state letter of a process, or 0 when it is gone. */
static char proc_state(pid_t pid)
{
        char buf[1024], *close;

        if (!proc_text(pid, "stat", buf, sizeof(buf)) || !(close = strrchr(buf, ')')))
                return 0;
        return close[2];
}

/* Until the process runs program comm (exec is done), up to 5 s. */
static bool wait_comm(pid_t pid, const char *comm)
{
        char buf[64];

        for (double end = now_ms() + 5000; now_ms() < end; sleep_ms(5)) {
                if (proc_text(pid, "comm", buf, sizeof(buf))) {
                        buf[strcspn(buf, "\n")] = '\0';
                        if (strcmp(buf, comm) == 0)
                                return true;
                }
        }
        return false;
}

/* Until the process is gone from /proc (reaped, not a zombie), up to 5 s. */
static bool wait_gone(pid_t pid)
{
        for (double end = now_ms() + 5000; now_ms() < end; sleep_ms(5))
                if (proc_state(pid) == 0)
                        return true;
        return false;
}

/* A child of ours running argv, once its exec is done. */
static pid_t start_child(const char *const *argv, const char *comm)
{
        pid_t pid = fork();

        if (pid == 0) {
                setpgid(0, 0);
                execvp(argv[0], (char *const *) argv);
                _exit(127);
        }
        assert_true(pid > 0);
        remember_child(pid);
        if (!wait_comm(pid, comm))
                fail_msg("process %d did not start %s", (int) pid, comm);
        return pid;
}

/* The kernel's count of read calls this process made (/proc/self/io). */
static uint64_t read_calls(void)
{
        char buf[512], *at;

        assert_true(proc_text(getpid(), "io", buf, sizeof(buf)));
        at = strstr(buf, "syscr:");
        assert_non_null(at);
        return strtoull(at + 6, NULL, 10);
}

static const struct cim_property *prop(const struct cim_object *obj, const char *name)
{
        return cim_object_find_property(obj, name);
}

static bool is_null(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = prop(obj, name);

        return !p || p->value.is_null;
}

static const char *string_prop(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = prop(obj, name);

        if (!p || p->value.is_null)
                fail_msg("%s is missing or NULL", name);
        return p->value.v.string;
}

static uint64_t uint_prop(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = prop(obj, name);

        if (!p || p->value.is_null)
                fail_msg("%s is missing or NULL", name);
        return p->value.v.u64;
}

/* Enumerations and queries: how many, and the one with a given pid. */
struct found {
        uint64_t pid;
        struct cim_object *obj;
        size_t count;
        size_t props_max;             /* the most properties one result had */
};

static int keep_pid(struct cim_object *obj, void *userdata)
{
        struct found *f = userdata;
        const struct cim_property *p = prop(obj, "ProcessId");
        size_t props = 0;

        f->count++;
        for (size_t i = 0; i < obj->prop_count; i++)
                props += !obj->props[i].value.is_null;
        if (props > f->props_max)
                f->props_max = props;
        if (!f->obj && p && !p->value.is_null && p->value.v.u64 == f->pid) {
                f->obj = obj;
                return 0;
        }
        cim_object_free(obj);
        return 0;
}

static void found_release(struct found *f)
{
        cim_object_free(f->obj);
        f->obj = NULL;
}

static int query(struct cimom_ns *h, const char *wql, struct found *f)
{
        struct owmi_error err = { 0 };
        int r = cimom_exec_query(h, "WQL", wql, keep_pid, f, &err);

        if (r < 0)
                print_message("%s: %s\n", wql, err.message);
        return r;
}

/* An instance of __PARAMETERS with string parameters (name, value, ...,
 * NULL) and one optional uint32. */
static struct cim_object *params(const char *uint_name, uint64_t uint_value, ...)
{
        struct cim_object *in = cim_object_new_class("__PARAMETERS", NULL);
        const char *name;
        va_list ap;

        assert_non_null(in);
        in->genus = CIM_GENUS_INSTANCE;
        if (uint_name) {
                struct cim_property *p = cim_object_add_property(in, uint_name);

                p->type = CIM_TYPE_UINT32;
                cim_value_set_uint(&p->value, CIM_TYPE_UINT32, uint_value);
        }
        va_start(ap, uint_value);
        while ((name = va_arg(ap, const char *))) {
                const char *value = va_arg(ap, const char *);
                struct cim_property *p = cim_object_add_property(in, name);

                p->type = CIM_TYPE_STRING;
                assert_int_equal(cim_value_set_string(&p->value, CIM_TYPE_STRING, value), 0);
        }
        va_end(ap);
        return in;
}

/* Create: ReturnValue, and the pid in *ret_pid. */
static uint64_t create(struct cimom_ns *h, const char *cmdline, const char *cwd, pid_t *ret_pid)
{
        struct cim_object *in = cwd ? params(NULL, 0, "CommandLine", cmdline, "CurrentDirectory",
                                             cwd, NULL) :
                                      params(NULL, 0, "CommandLine", cmdline, NULL);
        struct cim_object *out = NULL;
        struct owmi_error err = { 0 };
        uint64_t rv;

        if (cimom_exec_method(h, "Win32_Process", "Create", in, &out, &err) < 0)
                fail_msg("Create: %s", err.message);
        cim_object_free(in);
        rv = uint_prop(out, "ReturnValue");
        *ret_pid = rv == 0 ? (pid_t) uint_prop(out, "ProcessId") : 0;
        if (rv != 0)
                assert_true(is_null(out, "ProcessId"));
        cim_object_free(out);
        return rv;
}

static uint64_t terminate(struct cimom_ns *h, pid_t pid)
{
        struct cim_object *in = params("Reason", 1, NULL), *out = NULL;
        struct owmi_error err = { 0 };
        char path[64];
        uint64_t rv;

        snprintf(path, sizeof(path), "Win32_Process.Handle=\"%d\"", (int) pid);
        if (cimom_exec_method(h, path, "Terminate", in, &out, &err) < 0)
                fail_msg("Terminate: %s", err.message);
        cim_object_free(in);
        rv = uint_prop(out, "ReturnValue");
        cim_object_free(out);
        return rv;
}

/* GetOwner's User (ReturnValue must be 0). */
static void owner(struct cimom_ns *h, pid_t pid, char *user, size_t size)
{
        struct cim_object *out = NULL;
        struct owmi_error err = { 0 };
        char path[64], host[256] = "";

        snprintf(path, sizeof(path), "Win32_Process.Handle=\"%d\"", (int) pid);
        if (cimom_exec_method(h, path, "GetOwner", NULL, &out, &err) < 0)
                fail_msg("GetOwner: %s", err.message);
        assert_int_equal(uint_prop(out, "ReturnValue"), 0);
        gethostname(host, sizeof(host) - 1);
        assert_string_equal(string_prop(out, "Domain"), host);
        snprintf(user, size, "%s", string_prop(out, "User"));
        cim_object_free(out);
}

static void self_user(char *buf, size_t size)
{
        struct passwd *pw = getpwuid(geteuid());

        assert_non_null(pw);
        snprintf(buf, size, "%s", pw->pw_name);
}

/* What the kernel says of a process, to compare with an instance. */
static void check_process(const struct cim_object *obj, pid_t pid, const char *cmdline)
{
        char handle[16], exe[PATH_MAX], user[64];
        ssize_t n;

        snprintf(handle, sizeof(handle), "%d", (int) pid);
        assert_string_equal(obj->class_name, "Win32_Process");
        assert_string_equal(string_prop(obj, "Handle"), handle);
        assert_int_equal(uint_prop(obj, "ProcessId"), pid);
        assert_int_equal(uint_prop(obj, "ParentProcessId"), getpid());
        assert_string_equal(string_prop(obj, "Name"), "sleep");
        assert_string_equal(string_prop(obj, "Caption"), "sleep");
        assert_string_equal(string_prop(obj, "CommandLine"), cmdline);
        snprintf(handle, sizeof(handle), "/proc/%d/exe", (int) pid);
        n = readlink(handle, exe, sizeof(exe) - 1);
        assert_true(n > 0);
        exe[n] = '\0';
        assert_string_equal(string_prop(obj, "ExecutablePath"), exe);
        assert_int_equal(uint_prop(obj, "SessionId"), getsid(pid));
        assert_int_equal(uint_prop(obj, "ThreadCount"), 1);
        /* the kernel folds a task's resident-page count into what /proc
         * shows only every few dozen faults, so a process that has just
         * exec'ed may show 0 there: present, not necessarily > 0 */
        assert_false(is_null(obj, "WorkingSetSize"));
        assert_true(uint_prop(obj, "VirtualSize") > 0);
        assert_true(uint_prop(obj, "VirtualSize") >= uint_prop(obj, "WorkingSetSize"));
        assert_true(uint_prop(obj, "PeakVirtualSize") >= uint_prop(obj, "VirtualSize"));
        assert_true(uint_prop(obj, "HandleCount") >= 1);
        /* Windows' base priority: 8 for nice 0, higher for lower nice values */
        errno = 0;
        if (getpriority(PRIO_PROCESS, (id_t) pid) == 0 && errno == 0)
                assert_int_equal(uint_prop(obj, "Priority"), 8);
        else
                assert_in_range(uint_prop(obj, "Priority"), 1, 31);
        assert_string_equal(string_prop(obj, "CreationClassName"), "Win32_Process");
        assert_false(is_null(obj, "CreationDate"));
        assert_false(is_null(obj, "KernelModeTime"));
        /* ours: io is readable */
        assert_false(is_null(obj, "ReadTransferCount"));
        /* no Linux meaning */
        assert_true(is_null(obj, "QuotaPagedPoolUsage"));
        assert_true(is_null(obj, "TerminationDate"));
        owner(ns, pid, user, sizeof(user));
        {
                char me[64];

                self_user(me, sizeof(me));
                assert_string_equal(user, me);
        }
}

/* A thread that tells its id and waits for its pipe to close. */
static pid_t thread_tid;

static void *thread_main(void *arg)
{
        char c;

        __atomic_store_n(&thread_tid, (pid_t) syscall(SYS_gettid), __ATOMIC_RELEASE);
        while (read(*(int *) arg, &c, 1) > 0)
                ;
        return NULL;
}

static pid_t start_sleep(char *cmdline, size_t size)
{
        char arg[32];
        const char *argv[] = { "sleep", arg, NULL };

        /* recognisable: our pid in the fraction */
        snprintf(arg, sizeof(arg), "30.%d", (int) getpid());
        snprintf(cmdline, size, "sleep %s", arg);
        return start_child(argv, "sleep");
}

/* ---- the tests ---------------------------------------------------------- */

/* A process we started, by enumeration and by keyed get, with what the
 * kernel says of it; gone once it ended; threads and odd keys are not
 * processes. */
static void test_enumerate_and_get(void **state)
{
        struct found f = { 0 };
        struct owmi_error err = { 0 };
        struct cim_object *obj = NULL;
        char cmdline[64], path[64];
        pid_t pid = start_sleep(cmdline, sizeof(cmdline));

        (void) state;
        f.pid = (uint64_t) pid;
        assert_int_equal(cimom_enum_instances(ns, "Win32_Process", true, keep_pid, &f, &err), 0);
        assert_non_null(f.obj);
        assert_true(f.count >= 3);
        check_process(f.obj, pid, cmdline);
        found_release(&f);

        snprintf(path, sizeof(path), "Win32_Process.Handle=\"%d\"", (int) pid);
        assert_int_equal(cimom_get_object(ns, path, &obj, &err), 0);
        check_process(obj, pid, cmdline);
        cim_object_free(obj);

        stop_child(pid);
        assert_true(cimom_get_object(ns, path, &obj, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        /* the key is text: "01" is not process 1 */
        assert_true(cimom_get_object(ns, "Win32_Process.Handle=\"01\"", &obj, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_int_equal(cimom_get_object(ns, "Win32_Process.Handle=\"1\"", &obj, &err), 0);
        cim_object_free(obj);
        /* /proc/<tid> answers for a thread, but a thread is no process */
        {
                pthread_t t;
                int hold[2];
                pid_t tid = 0;

                assert_int_equal(pipe(hold), 0);
                assert_int_equal(pthread_create(&t, NULL, thread_main, &hold[0]), 0);
                for (double end = now_ms() + 5000; !tid && now_ms() < end; sleep_ms(1))
                        tid = __atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE);
                assert_true(tid > 0 && tid != getpid());
                snprintf(path, sizeof(path), "/proc/%d/stat", (int) tid);
                assert_int_equal(access(path, R_OK), 0);
                snprintf(path, sizeof(path), "Win32_Process.Handle=\"%d\"", (int) tid);
                assert_true(cimom_get_object(ns, path, &obj, &err) < 0);
                assert_int_equal(err.code, OWMI_E_NOT_FOUND);
                close(hold[1]);
                pthread_join(t, NULL);
                close(hold[0]);
        }
}

/* A select list returns what was asked (and the key) and the provider
 * reads only what it needs: one read per process (stat) for Name and
 * ProcessId, none at all for Handle alone, several for everything. */
static void test_select_list(void **state)
{
        struct found f = { 0 };
        char cmdline[64];
        pid_t pid = start_sleep(cmdline, sizeof(cmdline));
        uint64_t before, narrow, handles, full;
        size_t count;

        (void) state;
        f.pid = (uint64_t) pid;
        /* once, so the repository's pages are read before counting */
        assert_int_equal(query(ns, "SELECT Name, ProcessId FROM Win32_Process", &f), 0);
        found_release(&f);
        memset(&f, 0, sizeof(f));
        f.pid = (uint64_t) pid;

        before = read_calls();
        assert_int_equal(query(ns, "SELECT Name, ProcessId FROM Win32_Process", &f), 0);
        narrow = read_calls() - before;
        count = f.count;
        assert_non_null(f.obj);
        assert_string_equal(string_prop(f.obj, "Name"), "sleep");
        assert_int_equal(uint_prop(f.obj, "ProcessId"), pid);
        assert_false(is_null(f.obj, "Handle"));
        assert_true(is_null(f.obj, "CommandLine"));
        assert_true(is_null(f.obj, "ExecutablePath"));
        /* Name, ProcessId and Handle: nothing else was filled */
        assert_int_equal(f.props_max, 3);
        found_release(&f);

        /* the tutorial's c.Win32_Process(["Caption", "ProcessID"]): names in
         * any case, answered under the class's own spelling */
        memset(&f, 0, sizeof(f));
        f.pid = (uint64_t) pid;
        assert_int_equal(query(ns, "SELECT Caption, ProcessID FROM Win32_Process", &f), 0);
        assert_non_null(f.obj);
        assert_string_equal(string_prop(f.obj, "Caption"), "sleep");
        assert_int_equal(uint_prop(f.obj, "ProcessId"), pid);
        assert_string_equal(prop(f.obj, "processid")->name, "ProcessId");
        assert_true(is_null(f.obj, "CommandLine"));
        found_release(&f);

        memset(&f, 0, sizeof(f));
        before = read_calls();
        assert_int_equal(query(ns, "SELECT Handle FROM Win32_Process", &f), 0);
        handles = read_calls() - before;

        memset(&f, 0, sizeof(f));
        f.pid = (uint64_t) pid;
        before = read_calls();
        assert_int_equal(query(ns, "SELECT * FROM Win32_Process", &f), 0);
        full = read_calls() - before;
        assert_non_null(f.obj);
        check_process(f.obj, pid, cmdline);
        found_release(&f);
        print_message("read calls for %zu processes: Name+ProcessId %llu, Handle %llu, * %llu\n",
                      count, (unsigned long long) narrow, (unsigned long long) handles,
                      (unsigned long long) full);
        /* a little slack for the repository's own reads */
        assert_true(narrow <= count + 16);
        assert_true(narrow >= count / 2);
        assert_true(handles <= 16);
        /* stat, status, cmdline (and io, for our own) */
        assert_true(full >= 2 * count);
        stop_child(pid);
}

/* WHERE on ProcessId reads that one process; Handle = 'N' is a keyed get;
 * anything with OR still finds every match. */
static void test_where_pid(void **state)
{
        struct found f = { 0 };
        char cmdline[64], wql[256];
        pid_t pid = start_sleep(cmdline, sizeof(cmdline));
        uint64_t before, reads;

        (void) state;
        f.pid = (uint64_t) pid;
        snprintf(wql, sizeof(wql), "SELECT * FROM Win32_Process WHERE ProcessId = %d", (int) pid);
        before = read_calls();
        assert_int_equal(query(ns, wql, &f), 0);
        reads = read_calls() - before;
        assert_int_equal(f.count, 1);
        check_process(f.obj, pid, cmdline);
        found_release(&f);
        print_message("read calls for WHERE ProcessId = N: %llu\n", (unsigned long long) reads);
        assert_true(reads <= 16);

        memset(&f, 0, sizeof(f));
        f.pid = (uint64_t) pid;
        snprintf(wql, sizeof(wql), "SELECT Name FROM Win32_Process WHERE Handle = '%d'", (int) pid);
        assert_int_equal(query(ns, wql, &f), 0);
        assert_int_equal(f.count, 1);
        found_release(&f);

        memset(&f, 0, sizeof(f));
        f.pid = (uint64_t) pid;
        snprintf(wql, sizeof(wql), "SELECT Name FROM Win32_Process WHERE ProcessId = %d OR "
                 "ProcessId = %d", (int) pid, (int) getpid());
        assert_int_equal(query(ns, wql, &f), 0);
        assert_int_equal(f.count, 2);
        found_release(&f);

        memset(&f, 0, sizeof(f));
        f.pid = (uint64_t) pid;
        snprintf(wql, sizeof(wql), "SELECT Name FROM Win32_Process WHERE Name = 'sleep' AND "
                 "(ProcessId = %d)", (int) pid);
        assert_int_equal(query(ns, wql, &f), 0);
        assert_int_equal(f.count, 1);
        found_release(&f);

        /* a parent's children: every one we start */
        memset(&f, 0, sizeof(f));
        f.pid = (uint64_t) pid;
        snprintf(wql, sizeof(wql), "SELECT Handle FROM Win32_Process WHERE ParentProcessId = %d",
                 (int) getpid());
        assert_int_equal(query(ns, wql, &f), 0);
        assert_int_equal(f.count, 1);
        found_release(&f);

        stop_child(pid);
        memset(&f, 0, sizeof(f));
        snprintf(wql, sizeof(wql), "SELECT * FROM Win32_Process WHERE ProcessId = %d", (int) pid);
        assert_int_equal(query(ns, wql, &f), 0);
        assert_int_equal(f.count, 0);
}

/* Arguments with blanks come back quoted, as Windows shows them. */
static void test_command_line_quoting(void **state)
{
        /* not a lone command: dash would exec it and stop being sh */
        const char *argv[] = { "sh", "-c", "sleep 30; :", "an \"arg\"", "", NULL };
        pid_t pid = start_child(argv, "sh");
        char path[64];
        struct cim_object *obj = NULL;
        struct owmi_error err = { 0 };

        (void) state;
        snprintf(path, sizeof(path), "Win32_Process.Handle=\"%d\"", (int) pid);
        assert_int_equal(cimom_get_object(ns, path, &obj, &err), 0);
        /* an empty argument at the end is not seen: cmdline ends in NULs */
        assert_string_equal(string_prop(obj, "CommandLine"),
                            "sh -c \"sleep 30; :\" \"an \\\"arg\\\"\"");
        cim_object_free(obj);
        stop_child(pid);
}

/* Create starts a real process where it was asked, Terminate ends it, and
 * nothing stays behind as a zombie; WMI's codes for bad parameters. */
static void test_create_and_terminate(void **state)
{
        char cwd[PATH_MAX], buf[1024], me[64], user[64];
        ssize_t n;
        pid_t pid;

        (void) state;
        assert_int_equal(create(ns, "sleep 31", test_dir, &pid), 0);
        assert_true(pid > 0);
        remember_child(pid);
        /* "exec " before a simple command: the pid is the program's */
        assert_true(wait_comm(pid, "sleep"));
        snprintf(buf, sizeof(buf), "/proc/%d/cwd", (int) pid);
        n = readlink(buf, cwd, sizeof(cwd) - 1);
        assert_true(n > 0);
        cwd[n] = '\0';
        assert_string_equal(cwd, test_dir);
        assert_true(proc_text(pid, "cmdline", buf, sizeof(buf)));
        assert_string_equal(buf, "sleep");
        assert_string_equal(buf + 6, "31");
        /* the object manager's process is its parent; no console of ours */
        {
                char stat[1024], *close;

                assert_true(proc_text(pid, "stat", stat, sizeof(stat)));
                close = strrchr(stat, ')');
                assert_int_equal(strtol(close + 4, NULL, 10), getpid());
                snprintf(buf, sizeof(buf), "/proc/%d/fd/1", (int) pid);
                n = readlink(buf, cwd, sizeof(cwd) - 1);
                assert_true(n > 0);
                cwd[n] = '\0';
                assert_string_equal(cwd, "/dev/null");
        }
        owner(ns, pid, user, sizeof(user));
        self_user(me, sizeof(me));
        assert_string_equal(user, me);

        assert_int_equal(terminate(ns, pid), 0);
        assert_true(wait_gone(pid));
        forget_child(pid);
        /* a process that ends by itself is reaped too */
        assert_int_equal(create(ns, "true; true", NULL, &pid), 0);
        assert_true(wait_gone(pid));

        assert_int_equal(create(ns, "sleep 1", "/nonexistent/dir", &pid), 9);
        assert_int_equal(create(ns, "sleep 1", "relative/dir", &pid), 21);
        assert_int_equal(create(ns, "", NULL, &pid), 21);
        {
                struct cim_object *out = NULL;
                struct owmi_error err = { 0 };

                assert_int_equal(cimom_exec_method(ns, "Win32_Process", "Create", NULL, &out, &err),
                                 0);
                assert_int_equal(uint_prop(out, "ReturnValue"), 21);
                cim_object_free(out);
                /* an instance method needs a process that exists */
                assert_true(cimom_exec_method(ns, "Win32_Process.Handle=\"999999999\"", "Terminate",
                                              NULL, &out, &err) < 0);
                assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        }
}

/* Create with ProcessStartupInformation: a Win32_ProcessStartup the
 * client spawns and fills, carried as an embedded object.  Returns
 * ReturnValue; the pid in *ret_pid. */
static uint64_t create_with_startup(struct cimom_ns *h, const char *cmdline, const char *const *vars, size_t var_count,
                                    int64_t priority_class, uint32_t flags, pid_t *ret_pid)
{
        struct cim_object *in = params(NULL, 0, "CommandLine", cmdline, NULL), *info = NULL;
        struct cim_object *out = NULL;
        struct owmi_error err = { 0 };
        struct cim_property *p;
        struct cim_value v;
        uint64_t rv;

        assert_int_equal(cimom_spawn_instance(h, "Win32_ProcessStartup", &info, &err), 0);
        cim_value_init_array(&v, CIM_TYPE_STRING);
        for (size_t i = 0; i < var_count; i++) {
                struct cim_value item;

                assert_int_equal(cim_value_set_string(&item, CIM_TYPE_STRING, vars[i]), 0);
                assert_int_equal(cim_value_array_append(&v, &item), 0);
        }
        assert_int_equal(cim_object_set_value(info, "EnvironmentVariables", &v, &err), 0);
        cim_value_release(&v);
        if (priority_class >= 0) {
                cim_value_set_uint(&v, CIM_TYPE_UINT32, (uint64_t) priority_class);
                assert_int_equal(cim_object_set_value(info, "PriorityClass", &v, &err), 0);
        }
        cim_value_set_uint(&v, CIM_TYPE_UINT32, flags);
        assert_int_equal(cim_object_set_value(info, "CreateFlags", &v, &err), 0);
        cim_value_set_uint(&v, CIM_TYPE_UINT16, 0);          /* SW_HIDE: no meaning here */
        assert_int_equal(cim_object_set_value(info, "ShowWindow", &v, &err), 0);
        p = cim_object_add_property(in, "ProcessStartupInformation");
        p->type = CIM_TYPE_OBJECT;
        cim_value_init_null(&p->value, CIM_TYPE_OBJECT, false);
        p->value.is_null = false;
        p->value.v.object = info;
        if (cimom_exec_method(h, "Win32_Process", "Create", in, &out, &err) < 0)
                fail_msg("Create: %s", err.message);
        cim_object_free(in);
        rv = uint_prop(out, "ReturnValue");
        *ret_pid = rv == 0 ? (pid_t) uint_prop(out, "ProcessId") : 0;
        cim_object_free(out);
        return rv;
}

/* The process's environment has the variables asked for (over the
 * login-like ones), and its nice value is the priority class's. */
static void test_create_startup_information(void **state)
{
        const char *const vars[] = { "OWMI_GREETING=hello world", "HOME=/tmp", "EMPTY=" };
        const char *const bad_vars[] = { "=value" };
        char env[8192], stat[1024];
        ssize_t n;
        pid_t pid;
        int fd;

        (void) state;
        assert_int_equal(create_with_startup(ns, "sleep 32", vars, 3, 64 /* idle */,
                                             0x08000000 /* CREATE_NO_WINDOW */, &pid), 0);
        remember_child(pid);
        assert_true(wait_comm(pid, "sleep"));
        snprintf(stat, sizeof(stat), "/proc/%d/environ", (int) pid);
        /* the kernel names the program before it sets up its environment:
         * a moment after comm changes, environ may still read empty */
        for (int tries = 0; tries < 200; tries++) {
                fd = open(stat, O_RDONLY);
                assert_true(fd >= 0);
                n = read(fd, env, sizeof(env) - 1);
                close(fd);
                if (n > 0)
                        break;
                usleep(10000);
        }
        assert_true(n > 0);
        env[n] = '\0';
        {
                bool greeting = false, home = false, empty = false, user = false;

                for (char *v = env; v < env + n; v += strlen(v) + 1) {
                        greeting |= strcmp(v, "OWMI_GREETING=hello world") == 0;
                        home |= strcmp(v, "HOME=/tmp") == 0;
                        empty |= strcmp(v, "EMPTY=") == 0;
                        user |= strncmp(v, "USER=", 5) == 0;
                        /* replaced, not doubled */
                        assert_false(strncmp(v, "HOME=", 5) == 0 && strcmp(v, "HOME=/tmp") != 0);
                }
                assert_true(greeting && home && empty && user);
        }
        /* PriorityClass 64 (idle) is nice 19: field 19 of stat */
        assert_true(proc_text(pid, "stat", stat, sizeof(stat)));
        {
                char *s = strrchr(stat, ')') + 2;
                long field = 0;

                for (int i = 3; i < 19; i++)
                        s = strchr(s, ' ') + 1;
                field = strtol(s, NULL, 10);
                assert_int_equal(field, 19);
        }
        assert_int_equal(terminate(ns, pid), 0);
        assert_true(wait_gone(pid));
        forget_child(pid);
        /* what cannot be honoured is refused, not ignored */
        assert_int_equal(create_with_startup(ns, "true", bad_vars, 1, -1, 0, &pid), 21);
        assert_int_equal(create_with_startup(ns, "true", NULL, 0, 12345, 0, &pid), 21);
        assert_int_equal(create_with_startup(ns, "true", NULL, 0, -1, 0x4 /* CREATE_SUSPENDED */,
                                             &pid), 21);
}

/* What only a process's owner may read (io, the exe link, the open files)
 * is shown to another caller only with SeDebugPrivilege enabled and held;
 * the rest of the process is everyone's to see. */
static void test_owner_only_properties(void **state)
{
        static const char wql[] = "SELECT ProcessId, Name, ExecutablePath, HandleCount, "
                                  "ReadOperationCount FROM Win32_Process WHERE ProcessId = %d";
        const owmi_privileges debug = (owmi_privileges) 1 << privilege_lookup("Debug");
        const uint64_t cap_sys_ptrace = UINT64_C(1) << 19;
        struct cimom_caller caller;
        struct cimom_ns *h;
        struct owmi_error err = { 0 };
        struct found f = { .pid = (uint64_t) getpid() };
        char text[256];

        (void) state;
        snprintf(text, sizeof(text), wql, (int) getpid());
        cimom_caller_self(&caller);
        caller.uid = getuid() == 0 ? 65534 : getuid() + 1;     /* someone else */
        caller.capabilities = 0;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &caller, &h, &err), 0);
        assert_int_equal(query(h, text, &f), 0);
        assert_non_null(f.obj);
        assert_false(is_null(f.obj, "Name"));
        assert_true(is_null(f.obj, "ExecutablePath"));
        assert_true(is_null(f.obj, "HandleCount"));
        assert_true(is_null(f.obj, "ReadOperationCount"));
        found_release(&f);
        cimom_ns_close(h);
        /* with the debug privilege enabled and CAP_SYS_PTRACE held */
        caller.privileges = debug;
        caller.capabilities = cap_sys_ptrace;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &caller, &h, &err), 0);
        f.count = 0;
        assert_int_equal(query(h, text, &f), 0);
        assert_non_null(f.obj);
        assert_false(is_null(f.obj, "ExecutablePath"));
        assert_false(is_null(f.obj, "HandleCount"));
        found_release(&f);
        cimom_ns_close(h);
        /* and the owner sees them without asking */
        f.count = 0;
        assert_int_equal(query(ns, text, &f), 0);
        assert_false(is_null(f.obj, "ExecutablePath"));
        assert_false(is_null(f.obj, "ReadOperationCount"));
        found_release(&f);
}

/* As another user: the process Create makes is that user's, with that
 * user's groups; Terminate of someone else's process is refused by the
 * kernel (ReturnValue 2) and the process lives on; a directory the user
 * may not enter is refused too. */
static void test_identity(void **state)
{
        char name[32], cmd[128], buf[2048], user[64], expect[64];
        struct cimom_caller caller;
        struct cimom_ns *as_user = NULL;
        struct owmi_error err = { 0 };
        struct passwd *pw;
        char cmdline[64];
        pid_t mine, theirs;

        (void) state;
        if (geteuid() != 0) {
                print_message("test_identity needs root (to make a user): skipped\n");
                skip();
        }
        snprintf(name, sizeof(name), "owmit%d", (int) (getpid() % 100000));
        snprintf(cmd, sizeof(cmd), "useradd -M -s /bin/sh %s >/dev/null 2>&1", name);
        if (system(cmd) != 0) {
                print_message("useradd failed: test_identity skipped\n");
                skip();
        }
        snprintf(made_user, sizeof(made_user), "%s", name);
        pw = getpwnam(name);
        assert_non_null(pw);
        memset(&caller, 0, sizeof(caller));
        caller.uid = pw->pw_uid;
        caller.gid = pw->pw_gid;
        caller.groups[0] = pw->pw_gid;
        caller.group_count = 1;
        snprintf(caller.user, sizeof(caller.user), "%s", name);
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &caller, &as_user, &err), 0);

        assert_int_equal(create(as_user, "sleep 32", "/", &theirs), 0);
        remember_child(theirs);
        assert_true(wait_comm(theirs, "sleep"));
        assert_true(proc_text(theirs, "status", buf, sizeof(buf)));
        snprintf(expect, sizeof(expect), "\nUid:\t%u\t%u\t%u\t%u\n", (unsigned) pw->pw_uid,
                 (unsigned) pw->pw_uid, (unsigned) pw->pw_uid, (unsigned) pw->pw_uid);
        assert_non_null(strstr(buf, expect));
        snprintf(expect, sizeof(expect), "\nGid:\t%u\t%u\t%u\t%u\n", (unsigned) pw->pw_gid,
                 (unsigned) pw->pw_gid, (unsigned) pw->pw_gid, (unsigned) pw->pw_gid);
        assert_non_null(strstr(buf, expect));
        /* root's groups are not carried over */
        snprintf(expect, sizeof(expect), "\nGroups:\t%u \n", (unsigned) pw->pw_gid);
        assert_non_null(strstr(buf, expect));
        owner(ns, theirs, user, sizeof(user));
        assert_string_equal(user, name);

        /* root's process: the kernel refuses the user */
        mine = start_sleep(cmdline, sizeof(cmdline));
        assert_int_equal(terminate(as_user, mine), 2);
        sleep_ms(50);
        assert_true(proc_state(mine) != 0 && proc_state(mine) != 'Z');
        /* the user's own: ended */
        assert_int_equal(terminate(as_user, theirs), 0);
        assert_true(wait_gone(theirs));
        forget_child(theirs);
        /* test_dir is root's, mode 0700 */
        assert_int_equal(create(as_user, "sleep 1", test_dir, &theirs), 2);
        /* a higher priority than the user may take: 3, insufficient privilege */
        assert_int_equal(create_with_startup(as_user, "sleep 1", NULL, 0, 128 /* high */, 0,
                                             &theirs), 3);
        /* root may end root's process */
        assert_int_equal(terminate(ns, mine), 0);
        waitpid(mine, NULL, 0);
        forget_child(mine);

        cimom_ns_close(as_user);
        remove_user();
        assert_null(getpwnam(name));
}

/* Processes that come and go while we enumerate are no errors. */
static void test_churn(void **state)
{
        const char *argv[] = { "sh", "-c", "while :; do /bin/true; done", NULL };
        pid_t churn = start_child(argv, "sh");

        (void) state;
        for (int i = 0; i < 30; i++) {
                struct found f = { 0 };

                assert_int_equal(query(ns, i % 2 ? "SELECT * FROM Win32_Process" :
                                       "SELECT Name, CommandLine FROM Win32_Process", &f), 0);
                assert_true(f.count > 2);
        }
        stop_child(churn);
}

/* ---- events ------------------------------------------------------------- */

struct seen {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        pid_t pid;                    /* the process we watch */
        bool started, stopped;
        char start_name[32], stop_name[32];
        uint64_t ppid, session, exit_status;
        size_t sid_len;
        uint64_t sid_last;
        size_t events;                /* all, of any process */
};

/* Runs on the provider's thread: no cmocka assertions here. */
static uint64_t event_uint(const struct cim_object *event, const char *name)
{
        const struct cim_property *p = prop(event, name);

        return p && !p->value.is_null ? p->value.v.u64 : UINT64_MAX;
}

static int see(struct cim_object *event, void *userdata)
{
        struct seen *s = userdata;

        pthread_mutex_lock(&s->lock);
        s->events++;
        if (event_uint(event, "ProcessID") == (uint64_t) s->pid) {
                bool start = strcmp(event->class_name, "Win32_ProcessStartTrace") == 0;
                const struct cim_property *name = prop(event, "ProcessName");

                snprintf(start ? s->start_name : s->stop_name, sizeof(s->start_name), "%s",
                         name && !name->value.is_null ? name->value.v.string : "");
                if (start) {
                        const struct cim_property *sid = prop(event, "Sid");

                        s->started = true;
                        s->ppid = event_uint(event, "ParentProcessID");
                        s->session = event_uint(event, "SessionID");
                        if (sid && !sid->value.is_null && sid->value.count) {
                                s->sid_len = sid->value.count;
                                s->sid_last = sid->value.v.items[s->sid_len - 1].v.u64;
                        }
                } else if (strcmp(event->class_name, "Win32_ProcessStopTrace") == 0) {
                        s->stopped = true;
                        s->exit_status = event_uint(event, "ExitStatus");
                }
                pthread_cond_broadcast(&s->cond);
        }
        pthread_mutex_unlock(&s->lock);
        cim_object_free(event);
        return 0;
}

static bool wait_seen(struct seen *s, bool start, bool stop)
{
        struct timespec deadline;
        bool ok;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 5;
        pthread_mutex_lock(&s->lock);
        while (!((!start || s->started) && (!stop || s->stopped)) &&
               pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == 0)
                ;
        ok = (!start || s->started) && (!stop || s->stopped);
        pthread_mutex_unlock(&s->lock);
        return ok;
}

static void seen_init(struct seen *s)
{
        memset(s, 0, sizeof(*s));
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
}

/* A process we run raises a start (its program) and a stop (its exit
 * code) to each subscriber; the parent class gets both; none after
 * unsubscribing. */
static void test_trace_events(void **state)
{
        struct cimom_subscription *start_sub = NULL, *stop_sub = NULL, *both_sub = NULL;
        struct seen starts, stops, both;
        struct owmi_error err = { 0 };
        size_t before;
        pid_t pid;

        (void) state;
        seen_init(&starts);
        seen_init(&stops);
        seen_init(&both);
        if (cimom_subscribe(ns, "Win32_ProcessStartTrace", see, &starts, &start_sub, &err) < 0) {
                print_message("no process connector here (%s): test_trace_events skipped\n",
                              err.message);
                skip();
        }
        assert_int_equal(cimom_subscribe(ns, "Win32_ProcessStopTrace", see, &stops, &stop_sub,
                                         &err), 0);
        assert_int_equal(cimom_subscribe(ns, "Win32_ProcessTrace", see, &both, &both_sub, &err), 0);

        /* the child execs once everyone knows its pid, then waits for a
         * line to exit 3: so it is still there when the provider reads it */
        {
                int hold[2], line[2];
                char c = 0;

                assert_int_equal(pipe(hold), 0);
                assert_int_equal(pipe(line), 0);
                pid = fork();
                if (pid == 0) {
                        close(hold[1]);
                        close(line[1]);
                        dup2(line[0], 0);
                        if (read(hold[0], &c, 1) != 1)
                                _exit(1);
                        execl("/bin/sh", "sh", "-c", "read line; exit 3", (char *) NULL);
                        _exit(127);
                }
                close(hold[0]);
                close(line[0]);
                remember_child(pid);
                pthread_mutex_lock(&starts.lock);
                starts.pid = pid;
                pthread_mutex_unlock(&starts.lock);
                pthread_mutex_lock(&stops.lock);
                stops.pid = pid;
                pthread_mutex_unlock(&stops.lock);
                pthread_mutex_lock(&both.lock);
                both.pid = pid;
                pthread_mutex_unlock(&both.lock);
                assert_int_equal(write(hold[1], &c, 1), 1);
                close(hold[1]);
                assert_true(wait_seen(&starts, true, false));
                assert_int_equal(write(line[1], "\n", 1), 1);
                close(line[1]);
        }
        waitpid(pid, NULL, 0);
        forget_child(pid);
        assert_true(wait_seen(&stops, false, true));
        assert_true(wait_seen(&both, true, true));
        assert_string_equal(starts.start_name, "sh");
        assert_int_equal(starts.ppid, getpid());
        assert_int_equal(starts.session, getsid(0));
        assert_int_equal(starts.sid_len, 16);
        assert_int_equal(starts.sid_last, (geteuid() >> 24) & 0xff);
        assert_string_equal(stops.stop_name, "sh");
        assert_int_equal(stops.exit_status, 3);
        assert_int_equal(both.exit_status, 3);
        assert_false(starts.stopped);
        assert_false(stops.started);

        start_sub = cimom_unsubscribe(start_sub);
        stop_sub = cimom_unsubscribe(stop_sub);
        both_sub = cimom_unsubscribe(both_sub);
        before = starts.events + stops.events + both.events;
        pid = fork();
        if (pid == 0) {
                execl("/bin/true", "true", (char *) NULL);
                _exit(127);
        }
        waitpid(pid, NULL, 0);
        sleep_ms(100);
        assert_int_equal(starts.events + stops.events + both.events, before);
}

/* Win32_Process's creation and deletion come from the kernel, not from
 * polling: every one of a burst of short-lived processes is announced,
 * with the program it ran and how it ended; a fork that runs no program
 * is announced too. */
static void test_process_instance_events(void **state)
{
        enum { N = 50 };
        struct cimom_events *created = NULL, *deleted = NULL;
        struct owmi_error err = { 0 };
        struct cim_object *event = NULL;
        pid_t pids[N + 1];
        size_t seen_created = 0, seen_deleted = 0, seen_plain = 0;
        bool plain_exit = false;

        char exe[4096], me[64] = "";
        ssize_t n;

        (void) state;
        /* the fork keeps its parent's program: the name of its file, not
         * the 15 characters of comm */
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        assert_true(n > 0);
        exe[n] = '\0';
        snprintf(me, sizeof(me), "%s", strrchr(exe, '/') + 1);
        {
                char query[256];

                snprintf(query, sizeof(query), "SELECT * FROM __InstanceCreationEvent WHERE "
                         "TargetInstance ISA 'Win32_Process' AND TargetInstance.ParentProcessId = %d",
                         (int) getpid());
                if (cimom_exec_notification_query(ns, "WQL", query, NULL, &created, &err) < 0) {
                        print_message("no process connector here (%s): skipped\n", err.message);
                        skip();
                }
                snprintf(query, sizeof(query), "SELECT * FROM __InstanceDeletionEvent WHERE "
                         "TargetInstance ISA 'Win32_Process' AND TargetInstance.ParentProcessId = %d",
                         (int) getpid());
                assert_int_equal(cimom_exec_notification_query(ns, "WQL", query, NULL, &deleted,
                                                               &err), 0);
        }
        /* N that run /bin/true, and one that only forks and exits 3 */
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                assert_true(pids[i] >= 0);
                if (pids[i] == 0) {
                        execl("/bin/true", "true", (char *) NULL);
                        _exit(127);
                }
        }
        pids[N] = fork();
        assert_true(pids[N] >= 0);
        if (pids[N] == 0)
                _exit(3);
        for (int i = 0; i <= N; i++)
                waitpid(pids[i], NULL, 0);
        while (seen_created < N + 1 && cimom_events_next(created, 3000, &event, &err) == 0) {
                const struct cim_object *target = cim_object_find_property(
                        event, "TargetInstance")->value.v.object;
                const struct cim_property *name = cim_object_find_property(target, "Name");

                seen_created++;
                /* "true", or NULL for one gone before it could be read */
                if (!name->value.is_null && strcmp(name->value.v.string, "true") != 0) {
                        assert_string_equal(name->value.v.string, me);
                        seen_plain++;
                }
                cim_object_free(event);
        }
        while (seen_deleted < N + 1 && cimom_events_next(deleted, 3000, &event, &err) == 0) {
                const struct cim_object *target = cim_object_find_property(
                        event, "TargetInstance")->value.v.object;

                seen_deleted++;
                if (uint_prop(target, "ProcessId") == (uint64_t) pids[N])
                        plain_exit = uint_prop(target, "ExitStatus") == 3;
                else
                        assert_int_equal(uint_prop(target, "ExitStatus"), 0);
                cim_object_free(event);
        }
        /* all of them, each once; the fork without exec under its parent's name */
        assert_int_equal(seen_created, N + 1);
        assert_int_equal(seen_deleted, N + 1);
        /* (a child slow to exec under load is announced by our name too) */
        assert_true(seen_plain >= 1);
        assert_true(plain_exit);
        assert_true(cimom_events_next(created, 200, &event, &err) < 0);
        cimom_events_close(created);
        cimom_events_close(deleted);
}

/* When the kernel drops process events (a receive queue too small for a
 * burst, made so here), a scan of /proc tells the subscribers what they
 * missed: every process of the burst is announced.  (Deletions lost the
 * same way are rescanned too, but not checked here: under a sanitizer
 * the test could not yet tell them apart reliably; see the notes.) */
static void test_process_events_after_loss(void **state)
{
        enum { N = 300 };
        struct cimom_events *created = NULL;
        struct owmi_error err = { 0 };
        struct cim_object *event = NULL;
        char query[256];
        pid_t pids[N];
        bool seen[N] = { false };
        size_t count = 0;

        (void) state;
        setenv("OWMI_TRACE_RCVBUF", "4096", 1);
        snprintf(query, sizeof(query), "SELECT * FROM __InstanceCreationEvent WHERE "
                 "TargetInstance ISA 'Win32_Process' AND TargetInstance.ParentProcessId = %d",
                 (int) getpid());
        if (cimom_exec_notification_query(ns, "WQL", query, NULL, &created, &err) < 0) {
                unsetenv("OWMI_TRACE_RCVBUF");
                print_message("no process connector here (%s): skipped\n", err.message);
                skip();
        }
        unsetenv("OWMI_TRACE_RCVBUF");
        usleep(100000);         /* the thread has its picture of /proc */
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                assert_true(pids[i] >= 0);
                if (pids[i] == 0) {
                        execl("/bin/sleep", "sleep", "30", (char *) NULL);
                        _exit(127);
                }
        }
        /* a process after the burst makes the thread read, and see the loss */
        for (int round = 0; round < 50 && count < N; round++) {
                pid_t poke = fork();

                if (poke == 0)
                        _exit(0);
                waitpid(poke, NULL, 0);
                while (cimom_events_next(created, 100, &event, &err) == 0) {
                        uint64_t pid = uint_prop(cim_object_find_property(
                                event, "TargetInstance")->value.v.object, "ProcessId");

                        for (int i = 0; i < N; i++)
                                if ((uint64_t) pids[i] == pid && !seen[i]) {
                                        seen[i] = true;
                                        count++;
                                }
                        cim_object_free(event);
                }
        }
        for (int i = 0; i < N; i++)
                kill(pids[i], SIGKILL);
        for (int i = 0; i < N; i++)
                waitpid(pids[i], NULL, 0);
        cimom_events_close(created);
        assert_int_equal(count, N);
}

/* What Linux does not tell (a process's priority changed) is polled at
 * the WITHIN interval: a modification with the instance before. */
static void test_process_modification(void **state)
{
        static const char *const argv[] = { "sleep", "30", NULL };
        struct cimom_events *modified = NULL;
        struct owmi_error err = { 0 };
        struct cim_object *event = NULL;
        const struct cim_object *now, *before;
        char query[256];
        pid_t pid;
        int r;

        (void) state;
        pid = start_child(argv, "sleep");
        snprintf(query, sizeof(query), "SELECT * FROM __InstanceModificationEvent WITHIN 0.2 WHERE "
                 "TargetInstance ISA 'Win32_Process' AND TargetInstance.ProcessId = %d AND "
                 "TargetInstance.Priority <> PreviousInstance.Priority", (int) pid);
        assert_int_equal(cimom_exec_notification_query(ns, "WQL", query, NULL, &modified, &err), 0);
        usleep(500000);         /* the poller has its first picture */
        assert_int_equal(setpriority(PRIO_PROCESS, (id_t) pid, 10), 0);
        r = cimom_events_next(modified, 5000, &event, &err);
        if (r < 0)
                fail_msg("no modification: %s", err.message);
        now = cim_object_find_property(event, "TargetInstance")->value.v.object;
        before = cim_object_find_property(event, "PreviousInstance")->value.v.object;
        assert_int_equal(uint_prop(now, "ProcessId"), (uint64_t) pid);
        assert_true(uint_prop(now, "Priority") < uint_prop(before, "Priority"));
        cim_object_free(event);
        cimom_events_close(modified);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_enumerate_and_get),
                cmocka_unit_test(test_select_list),
                cmocka_unit_test(test_where_pid),
                cmocka_unit_test(test_command_line_quoting),
                cmocka_unit_test(test_create_and_terminate),
                cmocka_unit_test(test_create_startup_information),
                cmocka_unit_test(test_owner_only_properties),
                cmocka_unit_test(test_identity),
                cmocka_unit_test(test_churn),
                cmocka_unit_test(test_trace_events),
                cmocka_unit_test(test_process_instance_events),
                cmocka_unit_test(test_process_events_after_loss),
                cmocka_unit_test(test_process_modification),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
