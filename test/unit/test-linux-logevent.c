/* SPDX-License-Identifier: MIT */
/*
 * test-linux-logevent.c: Win32_NTLogEvent against the logs themselves: the
 * kernel's records (as /dev/kmsg has them, numbered by their sequence
 * numbers) and syslog text files in a folder the test writes (System and
 * Security logs, Type from the priority or the words of the line); then a
 * real systemd journal (written by systemd-journal-remote from entries
 * the test makes), which, once there, is the only source.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/util.h"
#include "cimom/cimom.h"
#include "test-util.h"
#include "test-cimom-util.h"

static struct cimom *cimom;
static struct cimom_ns *ns;

/* syslog and auth.log in test_dir, which OWMI_LOG_DIR names. */
static int setup_text_logs(void)
{
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/syslog", test_dir);
        f = fopen(path, "w");
        fputs("Nov 22 00:08:01 vm cron[42]: (root) CMD (run-parts /etc/cron.hourly)\n"
              "Nov 22 00:09:30 vm sshd[77]: error: kex_exchange_identification: closed\n"
              "garbage that is not a syslog line\n"
              "Nov 22 00:10:00 vm app: warning: disk almost full\n", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/auth.log", test_dir);
        f = fopen(path, "w");
        fputs("Nov 22 00:11:00 vm sudo: alice : TTY=pts/0 ; COMMAND=/bin/true\n", f);
        fclose(f);
        setenv("OWMI_LOG_DIR", test_dir, 1);
        return 0;
}

/* The tests read as root with SeSecurityPrivilege enabled and held
 * (CAP_AUDIT_CONTROL), as a WMI client reading the Security log must. */
static int open_as_log_reader(void)
{
        struct cimom_caller caller;
        struct owmi_error err = { 0 };

        cimom_ns_close(ns);
        cimom_caller_self(&caller);
        caller.uid = 0;
        caller.privileges = (owmi_privileges) 1 << privilege_lookup("Security");
        caller.capabilities = UINT64_C(1) << 30;        /* CAP_AUDIT_CONTROL */
        return cimom_open_namespace(cimom, "root/cimv2", &caller, &ns, &err);
}

static int setup(void **state)
{
        if (test_dir_setup(state) < 0 || setup_text_logs() < 0 ||
            test_open_cimv2("log", &cimom, &ns) < 0)
                return -1;
        return open_as_log_reader();
}

static int teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        return test_dir_teardown(state);
}

struct records {
        char source[8][32], type[8][16], message[8][128];
        size_t count;
};

static int collect(struct cim_object *obj, void *userdata)
{
        struct records *r = userdata;

        if (r->count < 8) {
                snprintf(r->source[r->count], 32, "%s",
                         cim_object_find_property(obj, "SourceName")->value.v.string);
                snprintf(r->type[r->count], 16, "%s", cim_object_find_property(obj, "Type")->value.v.string);
                snprintf(r->message[r->count], 128, "%s",
                         cim_object_find_property(obj, "Message")->value.v.string);
        }
        r->count++;
        cim_object_free(obj);
        return 0;
}

static void test_text_logs(void **state)
{
        struct records r = { 0 };
        struct owmi_error err = { 0 };

        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT * FROM Win32_NTLogEvent WHERE "
                                          "Logfile = 'System' AND SourceName <> 'kernel'",
                                          collect, &r, &err), 0);
        assert_int_equal(r.count, 3); /* the garbage line is not a record */
        assert_string_equal(r.source[0], "cron");
        assert_string_equal(r.type[0], "Information");
        assert_string_equal(r.source[1], "sshd");
        assert_string_equal(r.type[1], "Error");
        assert_string_equal(r.type[2], "Warning");
        assert_string_equal(r.message[2], "warning: disk almost full");
        memset(&r, 0, sizeof(r));
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT * FROM Win32_NTLogEvent WHERE "
                                          "Logfile = 'Security'", collect, &r, &err), 0);
        assert_int_equal(r.count, 1);
        assert_string_equal(r.source[0], "sudo");
}

static void test_kernel_log(void **state)
{
        char rec[8192], *msg, *nl;
        struct cim_object *obj;
        struct owmi_error err = { 0 };
        unsigned long seq;
        int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
        ssize_t n;
        char path[64];

        if (fd < 0)
                skip(); /* no kernel log readable here */
        n = read(fd, rec, sizeof(rec) - 1);
        close(fd);
        assert_true(n > 0);
        rec[n] = '\0';
        assert_int_equal(sscanf(rec, "%*u,%lu,", &seq), 1);
        msg = strchr(rec, ';') + 1;
        nl = strchr(msg, '\n');
        if (nl)
                *nl = '\0';
        snprintf(path, sizeof(path), "Win32_NTLogEvent.Logfile=\"System\",RecordNumber=%lu", seq);
        assert_int_equal(cimom_get_object(ns, path, &obj, &err), 0);
        assert_string_equal(cim_object_find_property(obj, "Message")->value.v.string, msg);
        assert_string_equal(cim_object_find_property(obj, "SourceName")->value.v.string, "kernel");
        assert_false(cim_object_find_property(obj, "TimeGenerated")->value.is_null);
        cim_object_free(obj);
}

/* ---- the journal ---------------------------------------------------------- */

#define JOURNAL_REMOTE "/lib/systemd/systemd-journal-remote"

/* Journal export format: the entries systemd-journal-remote turns into a
 * journal file.  Times: 2026-11-21 08:00:00 UTC and on. */
static const char journal_entries[] =
        "__REALTIME_TIMESTAMP=1795248000000000\n__MONOTONIC_TIMESTAMP=1000\n"
        "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=vm\n"
        "MESSAGE=disk on fire\nPRIORITY=3\nSYSLOG_IDENTIFIER=owmi-disk\nSYSLOG_FACILITY=3\n\n"
        "__REALTIME_TIMESTAMP=1795248001000000\n__MONOTONIC_TIMESTAMP=2000\n"
        "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=vm\n"
        "MESSAGE=Failed password for alice\nPRIORITY=4\nSYSLOG_IDENTIFIER=sshd\n"
        "SYSLOG_FACILITY=10\n\n"
        "__REALTIME_TIMESTAMP=1795248002000000\n__MONOTONIC_TIMESTAMP=3000\n"
        "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=vm\n"
        "MESSAGE=job started\nPRIORITY=6\n_COMM=cron\n\n";

static int journal_setup(void **state)
{
        char dir[PATH_MAX], out[PATH_MAX + 32];
        int fds[2], status;
        pid_t pid;

        strcpy(test_dir, "/tmp/owmi-test-XXXXXX");
        if (test_dir_setup(state) < 0)
                return -1;
        /* text logs too: with a journal they must not be read */
        if (setup_text_logs() < 0)
                return -1;
        snprintf(dir, sizeof(dir), "%s/journal", test_dir);
        snprintf(out, sizeof(out), "--output=%s/test.journal", dir);
        if (mkdir(dir, 0755) < 0 || access(JOURNAL_REMOTE, X_OK) < 0 || pipe(fds) < 0) {
                fprintf(stderr, "cannot make a journal: %s missing?\n", JOURNAL_REMOTE);
                return -1;
        }
        pid = fork();
        if (pid == 0) {
                dup2(fds[0], 0);
                close(fds[0]);
                close(fds[1]);
                execl(JOURNAL_REMOTE, JOURNAL_REMOTE, out, "-", (char *) NULL);
                _exit(127);
        }
        close(fds[0]);
        if (write(fds[1], journal_entries, sizeof(journal_entries) - 1) !=
            (ssize_t) sizeof(journal_entries) - 1)
                return -1;
        close(fds[1]);
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "systemd-journal-remote failed\n");
                return -1;
        }
        if (test_open_cimv2("journal", &cimom, &ns) < 0)
                return -1;
        return open_as_log_reader();
}

struct numbered {
        uint64_t number[8];
        char logfile[8][16];
        int64_t usec[8];
        size_t count;
};

static int collect_numbers(struct cim_object *obj, void *userdata)
{
        struct numbered *n = userdata;
        const struct cim_property *t = cim_object_find_property(obj, "TimeGenerated");

        if (n->count < 8) {
                n->number[n->count] = cim_object_find_property(obj, "RecordNumber")->value.v.u64;
                snprintf(n->logfile[n->count], 16, "%s",
                         cim_object_find_property(obj, "Logfile")->value.v.string);
                if (cim_datetime_to_unix_usec(&t->value.v.datetime, &n->usec[n->count]) < 0)
                        n->usec[n->count] = -1;
        }
        n->count++;
        cim_object_free(obj);
        return 0;
}

static void test_journal(void **state)
{
        struct records r = { 0 };
        struct numbered n = { 0 };
        struct owmi_error err = { 0 };
        struct cim_object *obj;
        char path[128];

        (void) state;
        /* only the journal: not the kernel's log, not the text files */
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT * FROM Win32_NTLogEvent WHERE "
                                          "Logfile = 'System'", collect, &r, &err), 0);
        assert_int_equal(r.count, 2);
        assert_string_equal(r.source[0], "owmi-disk");
        assert_string_equal(r.type[0], "Error");
        assert_string_equal(r.message[0], "disk on fire");
        assert_string_equal(r.source[1], "cron");          /* _COMM without an identifier */
        assert_string_equal(r.type[1], "Information");
        memset(&r, 0, sizeof(r));
        /* authpriv is the Security log */
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT * FROM Win32_NTLogEvent WHERE "
                                          "Logfile = 'Security'", collect, &r, &err), 0);
        assert_int_equal(r.count, 1);
        assert_string_equal(r.source[0], "sshd");
        assert_string_equal(r.type[0], "Warning");
        assert_string_equal(r.message[0], "Failed password for alice");
        /* numbers in order, times as written, each record got by its keys */
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT RecordNumber, Logfile, TimeGenerated "
                                          "FROM Win32_NTLogEvent", collect_numbers, &n, &err), 0);
        assert_int_equal(n.count, 3);
        assert_true(n.number[0] < n.number[1] && n.number[1] < n.number[2]);
        assert_int_equal(n.usec[0], INT64_C(1795248000000000));
        assert_int_equal(n.usec[2], INT64_C(1795248002000000));
        snprintf(path, sizeof(path), "Win32_NTLogEvent.Logfile=\"Security\",RecordNumber=%llu",
                 (unsigned long long) n.number[1]);
        assert_int_equal(cimom_get_object(ns, path, &obj, &err), 0);
        assert_string_equal(cim_object_find_property(obj, "SourceName")->value.v.string, "sshd");
        cim_object_free(obj);
        /* the right number in the wrong log is no record */
        snprintf(path, sizeof(path), "Win32_NTLogEvent.Logfile=\"System\",RecordNumber=%llu",
                 (unsigned long long) n.number[1]);
        assert_true(cimom_get_object(ns, path, &obj, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

/* Who reads which log: nothing for a plain user; System for the adm
 * group; Security only with SeSecurityPrivilege. */
static void test_log_access(void **state)
{
        struct cimom_caller caller;
        struct cimom_ns *h;
        struct owmi_error err = { 0 };
        struct records r = { 0 };
        struct cim_object *obj = NULL;
        struct group *adm = getgrnam("adm");

        (void) state;
        cimom_caller_self(&caller);
        caller.uid = 65534;
        caller.gid = 65534;
        caller.group_count = 0;
        caller.capabilities = 0;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &caller, &h, &err), 0);
        assert_int_equal(cimom_enum_instances(h, "Win32_NTLogEvent", true, collect, &r, &err), 0);
        assert_int_equal(r.count, 0);
        cimom_ns_close(h);
        if (!adm) {
                print_message("no adm group here: the rest skipped\n");
                return;
        }
        caller.groups[0] = adm->gr_gid;
        caller.group_count = 1;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &caller, &h, &err), 0);
        memset(&r, 0, sizeof(r));
        assert_int_equal(cimom_exec_query(h, "WQL", "SELECT * FROM Win32_NTLogEvent WHERE "
                                          "Logfile = 'Security'", collect, &r, &err), 0);
        assert_int_equal(r.count, 0);
        memset(&r, 0, sizeof(r));
        assert_int_equal(cimom_exec_query(h, "WQL", "SELECT * FROM Win32_NTLogEvent WHERE "
                                          "Logfile = 'System' AND SourceName = 'cron'", collect, &r,
                                          &err), 0);
        assert_int_equal(r.count, 1);
        assert_true(cimom_get_object(h, "Win32_NTLogEvent.Logfile=\"Security\",RecordNumber=1000000001",
                                     &obj, &err) < 0);
        assert_int_equal(err.code, OWMI_E_ACCESS_DENIED);
        cimom_ns_close(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_text_logs),
                cmocka_unit_test(test_kernel_log),
                cmocka_unit_test(test_log_access),
        };
        const struct CMUnitTest journal_tests[] = {
                cmocka_unit_test(test_journal),
        };
        int failed;

        failed = cmocka_run_group_tests_name("linux-logevent", tests, setup, teardown);
        failed += cmocka_run_group_tests_name("linux-logevent-journal", journal_tests,
                                              journal_setup, teardown);
        return failed;
}
