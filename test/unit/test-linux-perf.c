/* SPDX-License-Identifier: MIT */
/*
 * test-linux-perf.c: the performance classes against /proc: one raw
 * processor instance per cpu line of /proc/stat plus _Total, raw counters
 * that only grow and carry WMI's timestamps and frequencies, formatted
 * percentages between 0 and 100 that add up, memory as /proc/meminfo
 * says.
 */
#include <errno.h>
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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_raw_processor),
                cmocka_unit_test(test_formatted_processor),
                cmocka_unit_test(test_memory),
        };

        return cmocka_run_group_tests_name("linux-perf", tests, setup, teardown);
}
