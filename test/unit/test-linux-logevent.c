/* SPDX-License-Identifier: MIT */
/*
 * test-linux-logevent.c: Win32_NTLogEvent against the logs themselves: the
 * kernel's records (as /dev/kmsg has them, numbered by their sequence
 * numbers) and syslog text files in a folder the test writes (System and
 * Security logs, Type from the priority or the words of the line).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
        char path[4096];
        FILE *f;

        if (test_dir_setup(state) < 0)
                return -1;
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
        return test_open_cimv2("log", &cimom, &ns);
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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_text_logs),
                cmocka_unit_test(test_kernel_log),
        };

        return cmocka_run_group_tests_name("linux-logevent", tests, setup, teardown);
}
