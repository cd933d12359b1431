/* SPDX-License-Identifier: MIT */
/*
 * test-datetime.c: CIM datetime text (DSP0004 5.2.4): timestamps,
 * intervals, asterisks, range errors with their columns, ordering and the
 * Unix time conversions.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/util.h"
#include "cim/datetime.h"

#define USEC INT64_C(1000000)

static int parse(const char *s, struct cim_datetime *dt, unsigned *col)
{
        return cim_datetime_parse(s, strlen(s), dt, col);
}

/* Parse s, check that it formats back to itself. */
static struct cim_datetime parse_ok(const char *s)
{
        struct cim_datetime dt;
        char out[CIM_DATETIME_LEN + 1];
        unsigned col = 0;

        if (parse(s, &dt, &col) < 0)
                fail_msg("'%s' rejected at column %u", s, col);
        cim_datetime_format(&dt, out);
        assert_string_equal(out, s);
        return dt;
}

static void test_timestamp(void **state)
{
        struct cim_datetime dt;

        (void) state;
        dt = parse_ok("20230715123456.789012+060");
        assert_false(dt.interval);
        assert_int_equal(dt.wildcards, 0);
        assert_int_equal(dt.year, 2023);
        assert_int_equal(dt.month, 7);
        assert_int_equal(dt.day, 15);
        assert_int_equal(dt.hour, 12);
        assert_int_equal(dt.minute, 34);
        assert_int_equal(dt.second, 56);
        assert_int_equal(dt.microsecond, 789012);
        assert_int_equal(dt.usec_digits, 6);
        assert_int_equal(dt.utc_offset, 60);

        dt = parse_ok("19991231235959.999999-480");
        assert_int_equal(dt.utc_offset, -480);
        dt = parse_ok("00000101000000.000000+000");
        assert_int_equal(dt.year, 0);
        dt = parse_ok("99991231235959.999999-999");
        assert_int_equal(dt.utc_offset, -999);
        /* leap days */
        parse_ok("20240229000000.000000+000");
        parse_ok("20000229000000.000000+000");
        parse_ok("00000229000000.000000+000");
        /* "-000" reads back as "+000" */
        assert_int_equal(parse("20230101000000.000000-000", &dt, NULL), 0);
        assert_int_equal(dt.utc_offset, 0);
        {
                char out[CIM_DATETIME_LEN + 1];

                cim_datetime_format(&dt, out);
                assert_string_equal(out, "20230101000000.000000+000");
        }
}

static void test_timestamp_wildcards(void **state)
{
        struct cim_datetime dt;

        (void) state;
        dt = parse_ok("********123456.000000+000");
        assert_int_equal(dt.wildcards, CIM_DT_YEAR | CIM_DT_MONTH | CIM_DT_DAY);
        assert_int_equal(dt.hour, 12);
        dt = parse_ok("2023****000000.000000+000");
        assert_int_equal(dt.wildcards, CIM_DT_MONTH | CIM_DT_DAY);
        /* any single field on its own (WMI) */
        dt = parse_ok("****0101000000.000000+000");
        assert_int_equal(dt.wildcards, CIM_DT_YEAR);
        dt = parse_ok("20230101**0000.000000+000");
        assert_int_equal(dt.wildcards, CIM_DT_HOUR);
        dt = parse_ok("2023010100**00.000000+000");
        assert_int_equal(dt.wildcards, CIM_DT_MINUTE);
        dt = parse_ok("202301010000**.000000+000");
        assert_int_equal(dt.wildcards, CIM_DT_SECOND);
        dt = parse_ok("20230101000000.******+000");
        assert_int_equal(dt.wildcards, CIM_DT_MICROSECOND);
        assert_int_equal(dt.usec_digits, 0);
        dt = parse_ok("20230101000000.123***+000");
        assert_int_equal(dt.wildcards, CIM_DT_MICROSECOND);
        assert_int_equal(dt.usec_digits, 3);
        assert_int_equal(dt.microsecond, 123000);
        dt = parse_ok("20230101000000.12345*+000");
        assert_int_equal(dt.usec_digits, 5);
        assert_int_equal(dt.microsecond, 123450);
        dt = parse_ok("20230101000000.000000+***");
        assert_int_equal(dt.wildcards, CIM_DT_UTC);
        dt = parse_ok("**************.******+***");
        assert_int_equal(dt.wildcards, 0xff);
        /* day 29-31 allowed when month or year is unknown */
        parse_ok("****0229000000.000000+000");
        parse_ok("2023**31000000.000000+000");
        /* "-***" has no sign of its own: written "+***" */
        assert_int_equal(parse("20230101000000.000000-***", &dt, NULL), 0);
        {
                char out[CIM_DATETIME_LEN + 1];

                cim_datetime_format(&dt, out);
                assert_string_equal(out, "20230101000000.000000+***");
        }
}

static void test_interval(void **state)
{
        struct cim_datetime dt;
        uint64_t usec;

        (void) state;
        /* the DSP0004 example: 1 day 12 h 0 min 32 s */
        dt = parse_ok("00000001120032.000000:000");
        assert_true(dt.interval);
        assert_int_equal(dt.year, 1);
        assert_int_equal(dt.hour, 12);
        assert_int_equal(dt.minute, 0);
        assert_int_equal(dt.second, 32);
        assert_int_equal(cim_datetime_interval_to_usec(&dt, &usec), 0);
        assert_true(usec == (uint64_t) (86400 + 12 * 3600 + 32) * USEC);
        dt = parse_ok("99999999235959.999999:000");
        assert_int_equal(dt.year, 99999999);
        /* asterisks from the right */
        dt = parse_ok("00000001120032.123***:000");
        assert_int_equal(dt.wildcards, CIM_DT_MICROSECOND);
        assert_int_equal(dt.usec_digits, 3);
        dt = parse_ok("000000011200**.******:000");
        assert_int_equal(dt.wildcards, CIM_DT_SECOND | CIM_DT_MICROSECOND);
        dt = parse_ok("00000001******.******:000");
        assert_int_equal(dt.wildcards, CIM_DT_HOUR | CIM_DT_MINUTE | CIM_DT_SECOND |
                                       CIM_DT_MICROSECOND);
        dt = parse_ok("**************.******:000");
        assert_int_equal(dt.wildcards, CIM_DT_DAY | CIM_DT_HOUR | CIM_DT_MINUTE |
                                       CIM_DT_SECOND | CIM_DT_MICROSECOND);
        /* wildcards: no length */
        assert_int_equal(cim_datetime_interval_to_usec(&dt, &usec), -EINVAL);

        assert_int_equal(cim_datetime_interval_from_usec(0, &dt), 0);
        {
                char out[CIM_DATETIME_LEN + 1];

                cim_datetime_format(&dt, out);
                assert_string_equal(out, "00000000000000.000000:000");
                assert_int_equal(cim_datetime_interval_from_usec(
                                         (uint64_t) 99999999 * 86400 * USEC + 86399 * USEC + 999999,
                                         &dt), 0);
                cim_datetime_format(&dt, out);
                assert_string_equal(out, "99999999235959.999999:000");
                assert_int_equal(cim_datetime_interval_from_usec(
                                         (uint64_t) 100000000 * 86400 * USEC, &dt), -ERANGE);
                assert_int_equal(cim_datetime_interval_from_usec(UINT64_MAX, &dt), -ERANGE);
                assert_int_equal(cim_datetime_interval_from_usec(
                                         (uint64_t) (3 * 86400 + 4 * 3600 + 5 * 60 + 6) * USEC + 7,
                                         &dt), 0);
                cim_datetime_format(&dt, out);
                assert_string_equal(out, "00000003040506.000007:000");
                assert_int_equal(cim_datetime_interval_to_usec(&dt, &usec), 0);
                assert_true(usec == (uint64_t) (3 * 86400 + 4 * 3600 + 5 * 60 + 6) * USEC + 7);
        }
        /* a timestamp is not an interval */
        dt = parse_ok("20230101000000.000000+000");
        assert_int_equal(cim_datetime_interval_to_usec(&dt, &usec), -EINVAL);
}

/* Every error with the column of the first bad character. */
static void test_errors(void **state)
{
        static const struct {
                const char *text;
                unsigned column;
        } cases[] = {
                /* character classes */
                { "2023071512345x.789012+060", 14 },
                { "x0230715123456.789012+060", 1 },
                { "20230715123456,789012+060", 15 },
                { "20230715123456.78901x+060", 21 },
                { "20230715123456.789012*060", 22 },
                { "20230715123456.789012 060", 22 },
                { "20230715123456.789012+06x", 25 },
                { "20230715123456.789012+0*0", 24 },
                /* first bad character wins */
                { "2023x715123456.789012x060", 5 },
                /* partial fields */
                { "199*0715123456.789012+060", 4 },
                { "*9990715123456.789012+060", 2 },
                { "2023*715123456.789012+060", 6 },
                { "202307151234*6.789012+060", 14 },
                /* microseconds: digits after an asterisk */
                { "20230715123456.1*3***+060", 18 },
                { "20230715123456.*00000+060", 17 },
                /* ranges: the field's first column */
                { "20230015123456.000000+000", 5 },
                { "20231315123456.000000+000", 5 },
                { "20230700123456.000000+000", 7 },
                { "20230732123456.000000+000", 7 },
                { "20230431123456.000000+000", 7 },
                { "20230229123456.000000+000", 7 },
                { "19000229123456.000000+000", 7 },
                { "20230715243456.000000+000", 9 },
                { "20230715126056.000000+000", 11 },
                { "20230715123460.000000+000", 13 },
                { "20239915993456.000000+000", 5 },
                { "****0015123456.000000+000", 5 },
                { "2023**32123456.000000+000", 7 },
                /* length: the column after the end */
                { "", 1 },
                { "2023", 5 },
                { "20230715123456.789012+06", 25 },
                { "20230715123456.789012+0600", 26 },
                { "2023071", 8 },
                /* intervals */
                { "00000001240032.000000:000", 9 },
                { "00000001126032.000000:000", 11 },
                { "00000001120060.000000:000", 13 },
                { "00000001120032.000000:001", 25 },
                { "00000001120032.000000:***", 23 },
                { "00000001120032.000000:00", 25 },
                { "0000000*120032.000000:000", 8 },
                { "*******1120032.000000:000", 8 },
                { "00000001**0032.000000:000", 11 },
                { "00000001****32.000000:000", 13 },
                { "000000011200**.123456:000", 16 },
                { "000000011200**.******:00x", 25 },
                { "********120032.000000:000", 9 },
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct cim_datetime dt;
                unsigned col = 0;

                memset(&dt, 0x5a, sizeof(dt));
                if (parse(cases[i].text, &dt, &col) != -EINVAL)
                        fail_msg("'%s' accepted", cases[i].text);
                if (col != cases[i].column)
                        fail_msg("'%s': column %u, expected %u", cases[i].text, col,
                                 cases[i].column);
                /* nothing written on failure */
                assert_int_equal(dt.year, 0x5a5a5a5a);
        }
        /* ret_column may be NULL; len counts, not the NUL */
        {
                struct cim_datetime dt;

                assert_int_equal(cim_datetime_parse("20230101000000.000000+000", 24, &dt, NULL),
                                 -EINVAL);
                assert_int_equal(cim_datetime_parse("20230101000000.000000+000XYZ", 25, &dt, NULL),
                                 0);
                assert_int_equal(cim_datetime_parse("20230101000000\0" "000000+000", 25, &dt, NULL),
                                 -EINVAL);
        }
}

static void test_compare(void **state)
{
        struct cim_datetime a, b, c, i1, i2;

        (void) state;
        a = parse_ok("20230101120000.000000+060");
        b = parse_ok("20230101110000.000000+000");
        c = parse_ok("20230101110000.000001+000");
        /* the same instant at two offsets */
        assert_int_equal(cim_datetime_compare(&a, &b), 0);
        assert_true(cim_datetime_equal(&a, &b));
        assert_int_equal(cim_datetime_compare(&b, &c), -1);
        assert_int_equal(cim_datetime_compare(&c, &a), 1);
        assert_false(cim_datetime_equal(&a, &c));
        i1 = parse_ok("00000001000000.000000:000");
        i2 = parse_ok("00000000235959.999999:000");
        assert_int_equal(cim_datetime_compare(&i1, &i2), 1);
        assert_int_equal(cim_datetime_compare(&i2, &i1), -1);
        assert_true(cim_datetime_equal(&i1, &i1));
        /* intervals before timestamps */
        assert_int_equal(cim_datetime_compare(&i1, &a), -1);
        assert_int_equal(cim_datetime_compare(&a, &i1), 1);
        assert_false(cim_datetime_equal(&a, &i1));
        /* asterisks: equal text only */
        a = parse_ok("2023****120000.000000+000");
        b = parse_ok("2023****120000.000000+000");
        c = parse_ok("2024****120000.000000+000");
        assert_true(cim_datetime_equal(&a, &b));
        assert_false(cim_datetime_equal(&a, &c));
        assert_int_equal(cim_datetime_compare(&a, &c), -1);
        b = parse_ok("20230101120000.000000+000");
        assert_false(cim_datetime_equal(&a, &b));
        a = parse_ok("20230101120000.000***+000");
        assert_false(cim_datetime_equal(&a, &b));
        a = parse_ok("20230101120000.000000+***");
        assert_false(cim_datetime_equal(&a, &b));
        c = parse_ok("20230101120000.000000+***");
        assert_true(cim_datetime_equal(&a, &c));
}

static void test_unix(void **state)
{
        static const struct {
                const char *text;
                int64_t usec;
        } cases[] = {
                { "19700101000000.000000+000", 0 },
                { "19700101000000.000001+000", 1 },
                { "19691231235959.999999+000", -1 },
                { "20000101000000.000000+000", INT64_C(946684800) * USEC },
                { "20000101010000.000000+060", INT64_C(946684800) * USEC },
                { "19991231190000.000000-300", INT64_C(946684800) * USEC },
                { "20380119031408.000000+000", INT64_C(2147483648) * USEC },
                { "16010101000000.000000+000", INT64_C(-11644473600) * USEC },
                { "20240229120000.500000+000", INT64_C(1709208000) * USEC + 500000 },
                { "99991231235959.999999+000", INT64_C(253402300799) * USEC + 999999 },
                { "00000101000000.000000+000", INT64_C(-62167219200) * USEC },
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct cim_datetime dt = parse_ok(cases[i].text), back;
                char out[CIM_DATETIME_LEN + 1];
                int64_t usec;

                assert_int_equal(cim_datetime_to_unix_usec(&dt, &usec), 0);
                if (usec != cases[i].usec)
                        fail_msg("%s: %lld, expected %lld", cases[i].text, (long long) usec,
                                 (long long) cases[i].usec);
                assert_int_equal(cim_datetime_from_unix_usec(usec, dt.utc_offset, &back), 0);
                cim_datetime_format(&back, out);
                assert_string_equal(out, cases[i].text);
        }
}

static void test_unix_errors(void **state)
{
        struct cim_datetime dt;
        int64_t usec;
        char out[CIM_DATETIME_LEN + 1];

        (void) state;
        dt = parse_ok("2023****120000.000000+000");
        assert_int_equal(cim_datetime_to_unix_usec(&dt, &usec), -EINVAL);
        dt = parse_ok("20230101120000.000000+***");
        assert_int_equal(cim_datetime_to_unix_usec(&dt, &usec), -EINVAL);
        dt = parse_ok("00000001000000.000000:000");
        assert_int_equal(cim_datetime_to_unix_usec(&dt, &usec), -EINVAL);
        /* missing microsecond digits only lower the precision */
        dt = parse_ok("19700101000001.5*****+000");
        assert_int_equal(cim_datetime_to_unix_usec(&dt, &usec), 0);
        assert_true(usec == 1500000);
        /* a hand-built value out of range */
        dt = parse_ok("20230101120000.000000+000");
        dt.month = 13;
        assert_int_equal(cim_datetime_to_unix_usec(&dt, &usec), -EINVAL);

        assert_int_equal(cim_datetime_from_unix_usec(0, 1000, &dt), -EINVAL);
        assert_int_equal(cim_datetime_from_unix_usec(0, -1000, &dt), -EINVAL);
        assert_int_equal(cim_datetime_from_unix_usec(INT64_MAX, 0, &dt), -ERANGE);
        assert_int_equal(cim_datetime_from_unix_usec(INT64_MIN, 0, &dt), -ERANGE);
        /* just past 9999 and just before year 0 */
        assert_int_equal(cim_datetime_from_unix_usec(INT64_C(253402300800) * USEC, 0, &dt),
                         -ERANGE);
        assert_int_equal(cim_datetime_from_unix_usec(INT64_C(-62167219201) * USEC, 0, &dt),
                         -ERANGE);
        /* the offset moves the local date across the limit */
        assert_int_equal(cim_datetime_from_unix_usec(INT64_C(253402300799) * USEC, 60, &dt),
                         -ERANGE);
        assert_int_equal(cim_datetime_from_unix_usec(INT64_C(253402300799) * USEC, -60, &dt), 0);
        cim_datetime_format(&dt, out);
        assert_string_equal(out, "99991231225959.000000-060");
        /* negative times floor toward the earlier day */
        assert_int_equal(cim_datetime_from_unix_usec(-1, 0, &dt), 0);
        cim_datetime_format(&dt, out);
        assert_string_equal(out, "19691231235959.999999+000");
        assert_int_equal(cim_datetime_from_unix_usec(-1, 90, &dt), 0);
        cim_datetime_format(&dt, out);
        assert_string_equal(out, "19700101012959.999999+090");
}

/* from_unix then format, parse and to_unix gives the same time, across
 * the whole calendar (every day 1900-2100, every 997th day elsewhere). */
static void test_unix_calendar(void **state)
{
        const int64_t day = INT64_C(86400) * USEC;
        const int64_t first = INT64_C(-62167219200) * USEC, last = INT64_C(253402300799) * USEC;
        struct cim_datetime prev = { 0 };
        unsigned checked = 0;

        (void) state;
        for (int64_t t = first; t <= last; t += day * 997 + 3723 * USEC + 17) {
                struct cim_datetime dt, back;
                char out[CIM_DATETIME_LEN + 1];
                int offsets[] = { 0, -999, 999, 330 };
                int64_t got;

                for (size_t k = 0; k < ELEMENTSOF(offsets); k++) {
                        if (cim_datetime_from_unix_usec(t, offsets[k], &dt) < 0)
                                continue;
                        cim_datetime_format(&dt, out);
                        assert_int_equal(parse(out, &back, NULL), 0);
                        assert_int_equal(cim_datetime_to_unix_usec(&back, &got), 0);
                        assert_true(got == t);
                        checked++;
                }
        }
        for (int64_t t = INT64_C(-2208988800) * USEC; t < INT64_C(4102444800) * USEC; t += day) {
                struct cim_datetime dt;
                int64_t got;

                assert_int_equal(cim_datetime_from_unix_usec(t, 0, &dt), 0);
                assert_int_equal(dt.hour, 0);
                assert_int_equal(cim_datetime_to_unix_usec(&dt, &got), 0);
                assert_true(got == t);
                /* consecutive days are consecutive dates */
                if (prev.year) {
                        if (dt.day == 1)
                                assert_true(dt.month == prev.month % 12 + 1 && prev.day >= 28);
                        else
                                assert_true(dt.month == prev.month && dt.day == prev.day + 1);
                }
                prev = dt;
                checked++;
        }
        assert_true(checked > 70000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_timestamp),
                cmocka_unit_test(test_timestamp_wildcards),
                cmocka_unit_test(test_interval),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_compare),
                cmocka_unit_test(test_unix),
                cmocka_unit_test(test_unix_errors),
                cmocka_unit_test(test_unix_calendar),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
