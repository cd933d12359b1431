/* SPDX-License-Identifier: MIT */
/*
 * datetime.h: CIM datetime values (DSP0004 5.2.4), in WMI's text forms:
 *   timestamp  yyyymmddHHMMSS.mmmmmmsUUU   (s is + or -, UUU UTC offset minutes)
 *   interval   ddddddddHHMMSS.mmmmmm:000
 * Any whole field of a timestamp may be all asterisks (unspecified), the
 * UTC offset too ("+***", as SWbemDateTime writes it).  The microseconds
 * field may end in asterisks (precision: "123***").  Intervals accept the
 * DSP0004 rule: asterisks run from the right (whole fields, the
 * microseconds digit by digit) and the tail is always ":000".
 * Ranges: month 1-12, day 1 to the month's length (Feb 29 only in leap
 * years, or any year when the year is asterisks), hour 0-23, minute and
 * second 0-59 (no leap second), interval days 0-99999999.
 */
#ifndef OWMI_CIM_DATETIME_H
#define OWMI_CIM_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CIM_DATETIME_LEN 25

enum cim_datetime_field {
        CIM_DT_YEAR = 1 << 0,
        CIM_DT_MONTH = 1 << 1,
        CIM_DT_DAY = 1 << 2,      /* days field of an interval too */
        CIM_DT_HOUR = 1 << 3,
        CIM_DT_MINUTE = 1 << 4,
        CIM_DT_SECOND = 1 << 5,
        CIM_DT_MICROSECOND = 1 << 6, /* wholly or partly '*' */
        CIM_DT_UTC = 1 << 7,
};

struct cim_datetime {
        bool interval;
        uint8_t wildcards;       /* enum cim_datetime_field bits that are '*' */
        uint8_t usec_digits;     /* significant microsecond digits (0-6) */
        uint32_t year;           /* timestamp: 0-9999; interval: days 0-99999999 */
        uint8_t month, day;      /* timestamp only */
        uint8_t hour, minute, second;
        uint32_t microsecond;    /* significant digits, scaled to 6 digits */
        int16_t utc_offset;      /* minutes, timestamp only */
};

/* Parse exactly CIM_DATETIME_LEN characters.  Returns 0, or -EINVAL with
 * *ret_column (if not NULL) the 1-based column of the first bad character:
 * a character of the wrong class, an asterisk or digit that breaks a
 * field's asterisk rule, the first character of a field out of range, or
 * the column after the end for a short text (26 for a long one). */
int cim_datetime_parse(const char *text, size_t len, struct cim_datetime *ret,
                       unsigned *ret_column);
/* Write the 25-character text form and a NUL into out.  The microseconds
 * are written with usec_digits digits only when CIM_DT_MICROSECOND is set;
 * a zero or unspecified offset is written with '+' ("-000" reads back as
 * "+000"). */
void cim_datetime_format(const struct cim_datetime *dt, char out[CIM_DATETIME_LEN + 1]);
/* Ordering of two values of the same kind without wildcards (timestamps are
 * compared in UTC, so the same instant at two offsets is equal); equal text
 * compares equal in every case.  Intervals sort before timestamps, and a
 * value with any asterisk is ordered by its text. */
int cim_datetime_compare(const struct cim_datetime *a, const struct cim_datetime *b);
bool cim_datetime_equal(const struct cim_datetime *a, const struct cim_datetime *b);
/* Conversions for a timestamp without wildcards (asterisks in the
 * microseconds only lower the precision and count as 0).  Unix time is in
 * microseconds; from_unix uses the given UTC offset in minutes.
 * to_unix: -EINVAL for an interval, a wildcard or a field out of range.
 * from_unix: -EINVAL for an offset beyond +-999, -ERANGE if the local date
 * falls outside years 0-9999. */
int cim_datetime_to_unix_usec(const struct cim_datetime *dt, int64_t *ret);
int cim_datetime_from_unix_usec(int64_t usec, int utc_offset, struct cim_datetime *ret);
/* An interval from a count of microseconds; -ERANGE beyond 99999999 days. */
int cim_datetime_interval_from_usec(uint64_t usec, struct cim_datetime *ret);
/* The length of an interval in microseconds; -EINVAL for a timestamp, a
 * wildcard (except in the microseconds) or a field out of range. */
int cim_datetime_interval_to_usec(const struct cim_datetime *dt, uint64_t *ret);

#endif
