/* SPDX-License-Identifier: MIT */
/*
 * test-linux-perf.c: the performance classes against /proc: one raw
 * processor instance per cpu line of /proc/stat plus _Total, raw counters
 * that only grow and carry WMI's timestamps and frequencies, formatted
 * percentages between 0 and 100 that add up, memory as /proc/meminfo
 * says; per-process counters that name the test's own children as WMI
 * would ("name", "name#1" in pid order), count a busy child's processor
 * time as /proc does, and measure it busy in the formatted class.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
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

static int setup(void **state)
{
        if (test_dir_setup(state) < 0)
                return -1;
        if (test_open_cimv2("perf", &cimom, &ns) < 0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        return test_dir_teardown(state);
}

static uint64_t u(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        if (!p || p->value.is_null)
                fail_msg("%s missing", name);
        return p->value.v.u64;
}

static struct cim_object *get(const char *path)
{
        struct cim_object *obj = NULL;
        struct owmi_error err = { 0 };

        if (cimom_get_object(ns, path, &obj, &err) < 0)
                fail_msg("%s: %s", path, err.message);
        return obj;
}

static int count(struct cim_object *obj, void *userdata)
{
        (*(size_t *) userdata)++;
        cim_object_free(obj);
        return 0;
}

static void test_raw_processor(void **state)
{
        char stat[1 << 16];
        size_t lines = 0, n = 0;
        struct owmi_error err = { 0 };
        struct cim_object *a, *b;
        FILE *f = fopen("/proc/stat", "r");

        assert_non_null(f);
        while (fgets(stat, sizeof(stat), f))
                lines += strncmp(stat, "cpu", 3) == 0;
        fclose(f);
        assert_int_equal(cimom_enum_instances(ns, "Win32_PerfRawData_PerfOS_Processor", true, count,
                                              &n, &err), 0);
        assert_int_equal(n, lines); /* "cpu" is _Total, "cpuN" is N */
        a = get("Win32_PerfRawData_PerfOS_Processor.Name=\"_Total\"");
        usleep(20000);
        b = get("Win32_PerfRawData_PerfOS_Processor.Name=\"_Total\"");
        assert_int_equal(u(a, "Frequency_Sys100NS"), 10000000);
        assert_int_equal(u(a, "Frequency_PerfTime"), 1000000000);
        assert_true(u(b, "Timestamp_PerfTime") > u(a, "Timestamp_PerfTime"));
        assert_true(u(b, "Timestamp_Sys100NS") > u(a, "Timestamp_Sys100NS"));
        assert_true(u(b, "PercentProcessorTime") >= u(a, "PercentProcessorTime"));
        assert_true(u(b, "PercentUserTime") >= u(a, "PercentUserTime"));
        cim_object_free(a);
        cim_object_free(b);
}

static void test_formatted_processor(void **state)
{
        struct cim_object *t = get("Win32_PerfFormattedData_PerfOS_Processor.Name=\"_Total\"");

        assert_true(u(t, "PercentProcessorTime") <= 100);
        assert_int_equal(u(t, "PercentProcessorTime") + u(t, "PercentIdleTime"), 100);
        assert_true(u(t, "PercentUserTime") + u(t, "PercentPrivilegedTime") +
                    u(t, "PercentInterruptTime") <= 102); /* rounding of three parts */
        cim_object_free(t);
}

static void test_memory(void **state)
{
        char text[8192], *p;
        uint64_t avail;
        struct cim_object *m = get("Win32_PerfRawData_PerfOS_Memory=@");
        FILE *f = fopen("/proc/meminfo", "r");
        size_t n;

        assert_non_null(f);
        n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = '\0';
        fclose(f);
        p = strstr(text, "MemAvailable:");
        assert_non_null(p);
        avail = strtoull(p + 13, NULL, 10) * 1024;
        /* memory moves between the two reads: within 5% */
        assert_true(u(m, "AvailableBytes") > avail / 100 * 95);
        assert_true(u(m, "AvailableBytes") < avail / 100 * 105);
        assert_int_equal(u(m, "AvailableKBytes"), u(m, "AvailableBytes") / 1024);
        cim_object_free(m);
}

/* A child named name that sleeps (busy = 0) or spins until killed. */
static pid_t child(const char *name, int busy)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                /* never outlive a failed test */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                prctl(PR_SET_NAME, name);
                for (volatile unsigned long spin = 0;; spin++)
                        if (!busy)
                                pause();
        }
        return pid;
}

static void stop(pid_t pid)
{
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

/* utime + stime of a process from /proc, in clock ticks. */
static uint64_t proc_cpu_ticks(pid_t pid)
{
        char path[64], buf[1024], *s;
        unsigned long long utime, stime;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        f = fopen(path, "r");
        assert_non_null(f);
        assert_non_null(fgets(buf, sizeof(buf), f));
        fclose(f);
        s = strrchr(buf, ')');
        assert_non_null(s);
        assert_int_equal(sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                                &utime, &stime), 2);
        return utime + stime;
}

static struct cim_object *counters_of(const char *class_name, const char *name)
{
        char path[160];

        snprintf(path, sizeof(path), "%s.Name=\"%s\"", class_name, name);
        return get(path);
}

static void test_process_names(void **state)
{
        char name[16], second[24];
        struct cim_object *a, *b;
        struct owmi_error err = { 0 };
        struct cim_object *missing = NULL;
        pid_t first, other;

        snprintf(name, sizeof(name), "owmipp%d", (int) getpid() % 100000);
        first = child(name, 0);
        other = child(name, 0);
        usleep(50000);  /* until both have renamed themselves */
        snprintf(second, sizeof(second), "%s#1", name);
        a = counters_of("Win32_PerfRawData_PerfProc_Process", name);
        b = counters_of("Win32_PerfRawData_PerfProc_Process", second);
        /* the lower pid is the first of the name */
        assert_int_equal(u(a, "IDProcess"), first < other ? first : other);
        assert_int_equal(u(b, "IDProcess"), first < other ? other : first);
        assert_int_equal(u(a, "CreatingProcessID"), getpid());
        assert_true(u(a, "WorkingSet") > 0);
        assert_true(u(a, "VirtualBytesPeak") >= u(a, "VirtualBytes"));
        assert_true(u(a, "ThreadCount") == 1);
        /* ElapsedTime is the start, in Timestamp_Object units: seconds old */
        assert_int_equal(u(a, "Frequency_Object"), 1000000000);
        assert_true(u(a, "Timestamp_Object") > u(a, "ElapsedTime"));
        assert_true((u(a, "Timestamp_Object") - u(a, "ElapsedTime")) / u(a, "Frequency_Object") < 10);
        cim_object_free(a);
        cim_object_free(b);
        stop(first);
        stop(other);
        /* a process calling itself Idle is numbered after the real Idle */
        first = child("Idle", 0);
        usleep(50000);
        a = counters_of("Win32_PerfRawData_PerfProc_Process", "Idle");
        b = counters_of("Win32_PerfRawData_PerfProc_Process", "Idle#1");
        assert_int_equal(u(a, "IDProcess"), 0);
        assert_int_equal(u(b, "IDProcess"), first);
        cim_object_free(a);
        cim_object_free(b);
        stop(first);
        assert_true(cimom_get_object(ns, "Win32_PerfRawData_PerfProc_Process.Name=\"owmi-none#9\"",
                                     &missing, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

/* Keep _Total in slot 0 and Idle in slot 1. */
static int keep(struct cim_object *obj, void *userdata)
{
        struct cim_object **slots = userdata;
        const struct cim_property *name = cim_object_find_property(obj, "Name");
        int slot = strcmp(name->value.v.string, "_Total") == 0 ? 0 : 1;

        cim_object_free(slots[slot]);
        slots[slot] = obj;
        return 0;
}

static void test_process_cpu(void **state)
{
        char name[16];
        struct cim_object *raw, *fmt, *total, *idle, *both[2] = { NULL, NULL };
        struct owmi_error err = { 0 };
        long ticks = sysconf(_SC_CLK_TCK);
        uint64_t before, after, shown;
        pid_t busy;

        snprintf(name, sizeof(name), "owmibusy%d", (int) getpid() % 100000);
        busy = child(name, 1);
        usleep(300000);
        before = proc_cpu_ticks(busy);
        raw = counters_of("Win32_PerfRawData_PerfProc_Process", name);
        after = proc_cpu_ticks(busy);
        /* 100-ns units of what /proc counted between the two reads */
        shown = u(raw, "PercentProcessorTime");
        assert_true(shown >= before * (10000000 / ticks));
        assert_true(shown <= after * (10000000 / ticks));
        assert_int_equal(shown, u(raw, "PercentUserTime") + u(raw, "PercentPrivilegedTime"));
        /* a spinning process: most of one processor over the interval */
        fmt = counters_of("Win32_PerfFormattedData_PerfProc_Process", name);
        assert_true(u(fmt, "PercentProcessorTime") >= 10); /* even on a loaded machine */
        assert_true(u(fmt, "PercentProcessorTime") <= 101);
        assert_int_equal(u(fmt, "IDProcess"), busy);
        assert_true(u(fmt, "ElapsedTime") < 10);
        /* _Total includes Idle: all processors' time, about 100 per
         * processor (both from one query, so over the same interval) */
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT * FROM Win32_PerfFormattedData_PerfProc_Process "
                                          "WHERE Name = '_Total' OR Name = 'Idle'", keep, both, &err), 0);
        assert_non_null(both[0]);
        assert_non_null(both[1]);
        total = both[0];
        idle = both[1];
        assert_int_equal(u(idle, "IDProcess"), 0);
        assert_int_equal(u(idle, "ThreadCount"), sysconf(_SC_NPROCESSORS_ONLN));
        assert_true(u(total, "PercentProcessorTime") >= u(idle, "PercentProcessorTime"));
        assert_true(u(total, "PercentProcessorTime") <=
                    (uint64_t) sysconf(_SC_NPROCESSORS_ONLN) * 110);
        stop(busy);
        cim_object_free(raw);
        cim_object_free(fmt);
        cim_object_free(total);
        cim_object_free(idle);
}

/* io and open files are the owner's to see: another caller without
 * SeDebugPrivilege gets them NULL, and no total of them either. */
static void test_owner_only_counters(void **state)
{
        struct cimom_caller caller;
        struct cimom_ns *h;
        struct owmi_error err = { 0 };
        struct cim_object *mine = NULL, *total = NULL;
        char name[16], path[160];
        pid_t pid;

        (void) state;
        snprintf(name, sizeof(name), "owmiown%d", (int) getpid() % 100000);
        pid = child(name, 0);
        usleep(50000);
        cimom_caller_self(&caller);
        caller.uid = getuid() == 0 ? 65534 : getuid() + 1;
        caller.capabilities = 0;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &caller, &h, &err), 0);
        snprintf(path, sizeof(path), "Win32_PerfRawData_PerfProc_Process.Name=\"%s\"", name);
        assert_int_equal(cimom_get_object(h, path, &mine, &err), 0);
        assert_int_equal(u(mine, "IDProcess"), pid);
        assert_true(cim_object_find_property(mine, "HandleCount")->value.is_null);
        assert_true(cim_object_find_property(mine, "IOReadBytesPersec")->value.is_null);
        assert_int_equal(cimom_get_object(h, "Win32_PerfRawData_PerfProc_Process.Name=\"_Total\"",
                                          &total, &err), 0);
        assert_true(cim_object_find_property(total, "HandleCount")->value.is_null);
        cim_object_free(mine);
        cim_object_free(total);
        cimom_ns_close(h);
        /* the owner sees its own */
        mine = counters_of("Win32_PerfRawData_PerfProc_Process", name);
        assert_false(cim_object_find_property(mine, "HandleCount")->value.is_null);
        cim_object_free(mine);
        stop(pid);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_raw_processor),
                cmocka_unit_test(test_formatted_processor),
                cmocka_unit_test(test_memory),
                cmocka_unit_test(test_process_names),
                cmocka_unit_test(test_process_cpu),
                cmocka_unit_test(test_owner_only_counters),
        };

        return cmocka_run_group_tests_name("linux-perf", tests, setup, teardown);
}
