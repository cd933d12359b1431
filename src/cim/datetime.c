/* SPDX-License-Identifier: MIT */
/*
 * datetime.c: CIM datetime values (DSP0004 5.2.4) in their 25-character
 * text form: parsing with the column of the first bad character, the
 * canonical text, ordering, and conversion to and from Unix time.
 *
 * Asterisk rules.  Timestamps follow WMI, which is laxer than DSP0004: any
 * whole field may be asterisks on its own (SWbemDateTime writes "+***" for
 * an unspecified UTC offset), and the microseconds may end in asterisks to
 * give their precision.  Intervals follow DSP0004: asterisks run from the
 * right, whole fields except the microseconds, and the ":000" tail is fixed.
 *
 * It does not know the Gregorian calendar before year 0 or after 9999,
 * leap seconds (second 60 is rejected), or time zones other than a fixed
 * offset in minutes.
 */
#include <errno.h>
#include <string.h>

#include "base/util.h"
#include "cim/datetime.h"

#define USEC_PER_SEC INT64_C(1000000)
#define USEC_PER_DAY (INT64_C(86400) * USEC_PER_SEC)

/* Columns (0-based offsets) of the fields in the text form. */
enum {
        POS_YEAR = 0,    /* timestamp: 4 digits; interval: the 8-digit days */
        POS_MONTH = 4,
        POS_DAY = 6,
        POS_HOUR = 8,
        POS_MINUTE = 10,
        POS_SECOND = 12,
        POS_DOT = 14,
        POS_USEC = 15,
        POS_SIGN = 21,   /* '+' / '-' for timestamps, ':' for intervals */
        POS_UTC = 22,
};

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_leap(uint32_t year)
{
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Days in month; year_known false allows Feb 29. */
static unsigned days_in_month(uint32_t year, bool year_known, unsigned month)
{
        static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        if (month == 2 && (!year_known || is_leap(year)))
                return 29;
        return days[month - 1];
}

static uint32_t field_value(const char *s, size_t width)
{
        uint32_t v = 0;

        for (size_t i = 0; i < width; i++)
                v = v * 10 + (uint32_t) (s[i] - '0');
        return v;
}

/* Keep the leftmost bad column. */
static void bad_at(unsigned *first, size_t pos)
{
        if (*first == 0 || pos + 1 < *first)
                *first = (unsigned) pos + 1;
}

/* A whole field of digits or of asterisks.  Returns 1 if it is asterisks,
 * 0 if digits, -1 (with *first set) if it mixes them or holds anything
 * else. */
static int scan_field(const char *text, size_t pos, size_t width, unsigned *first)
{
        bool star = text[pos] == '*';

        for (size_t i = pos; i < pos + width; i++) {
                if (star ? text[i] != '*' : !is_digit(text[i])) {
                        bad_at(first, i);
                        return -1;
                }
        }
        return star;
}

/* Microseconds: digits, then asterisks to the end.  Returns the number of
 * digits, or -1 with *first set. */
static int scan_usec(const char *text, unsigned *first)
{
        int digits = 0;

        while (digits < 6 && is_digit(text[POS_USEC + digits]))
                digits++;
        for (int i = digits; i < 6; i++) {
                if (text[POS_USEC + i] != '*') {
                        bad_at(first, POS_USEC + (size_t) i);
                        return -1;
                }
        }
        return digits;
}

static uint32_t scale_usec(const char *text, int digits)
{
        uint32_t v = field_value(text + POS_USEC, (size_t) digits);

        for (int i = digits; i < 6; i++)
                v *= 10;
        return v;
}

/* timestamp := yyyy mm dd HH MM SS "." uuuuuu ("+" | "-") UUU */
static void parse_timestamp(const char *text, struct cim_datetime *dt, unsigned *first)
{
        static const struct {
                size_t pos, width;
                enum cim_datetime_field bit;
        } fields[] = {
                { POS_YEAR, 4, CIM_DT_YEAR },
                { POS_MONTH, 2, CIM_DT_MONTH },
                { POS_DAY, 2, CIM_DT_DAY },
                { POS_HOUR, 2, CIM_DT_HOUR },
                { POS_MINUTE, 2, CIM_DT_MINUTE },
                { POS_SECOND, 2, CIM_DT_SECOND },
        };
        uint32_t v[ELEMENTSOF(fields)];
        bool ok[ELEMENTSOF(fields)];
        int digits, r;

        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                v[i] = 0;
                r = scan_field(text, fields[i].pos, fields[i].width, first);
                ok[i] = r == 0;
                if (r == 1)
                        dt->wildcards |= fields[i].bit;
                else if (r == 0)
                        v[i] = field_value(text + fields[i].pos, fields[i].width);
        }
        dt->year = v[0];
        dt->month = (uint8_t) v[1];
        dt->day = (uint8_t) v[2];
        dt->hour = (uint8_t) v[3];
        dt->minute = (uint8_t) v[4];
        dt->second = (uint8_t) v[5];

        /* a range error points at the field's first character */
        if (ok[1] && (dt->month < 1 || dt->month > 12))
                bad_at(first, POS_MONTH);
        if (ok[2]) {
                unsigned max = 31;

                if (ok[1] && dt->month >= 1 && dt->month <= 12)
                        max = days_in_month(dt->year, ok[0], dt->month);
                if (dt->day < 1 || dt->day > max)
                        bad_at(first, POS_DAY);
        }
        if (ok[3] && dt->hour > 23)
                bad_at(first, POS_HOUR);
        if (ok[4] && dt->minute > 59)
                bad_at(first, POS_MINUTE);
        if (ok[5] && dt->second > 59)
                bad_at(first, POS_SECOND);

        digits = scan_usec(text, first);
        if (digits >= 0) {
                dt->usec_digits = (uint8_t) digits;
                dt->microsecond = scale_usec(text, digits);
                if (digits < 6)
                        dt->wildcards |= CIM_DT_MICROSECOND;
        }

        r = scan_field(text, POS_UTC, 3, first);
        if (r == 1)
                dt->wildcards |= CIM_DT_UTC;
        else if (r == 0)
                dt->utc_offset = (int16_t) ((text[POS_SIGN] == '-' ? -1 : 1) *
                                            (int) field_value(text + POS_UTC, 3));
}

/* interval := dddddddd HH MM SS "." uuuuuu ":000", asterisks from the right */
static void parse_interval(const char *text, struct cim_datetime *dt, unsigned *first)
{
        static const struct {
                size_t pos, width;
                enum cim_datetime_field bit;
                uint32_t max;
        } fields[] = {
                { POS_YEAR, 8, CIM_DT_DAY, 99999999 },
                { POS_HOUR, 2, CIM_DT_HOUR, 23 },
                { POS_MINUTE, 2, CIM_DT_MINUTE, 59 },
                { POS_SECOND, 2, CIM_DT_SECOND, 59 },
        };
        uint32_t v[4] = { 0 };
        bool star_seen = false;
        int digits;

        for (size_t i = 0; i < 4; i++) {
                int r = scan_field(text, fields[i].pos, fields[i].width, first);

                if (r == 1) {
                        dt->wildcards |= fields[i].bit;
                        star_seen = true;
                } else if (r == 0) {
                        if (star_seen)
                                bad_at(first, fields[i].pos);
                        v[i] = field_value(text + fields[i].pos, fields[i].width);
                        if (v[i] > fields[i].max)
                                bad_at(first, fields[i].pos);
                }
        }
        dt->year = v[0];
        dt->hour = (uint8_t) v[1];
        dt->minute = (uint8_t) v[2];
        dt->second = (uint8_t) v[3];

        digits = scan_usec(text, first);
        if (digits >= 0) {
                if (star_seen && digits > 0)
                        bad_at(first, POS_USEC);
                dt->usec_digits = (uint8_t) digits;
                dt->microsecond = scale_usec(text, digits);
                if (digits < 6)
                        dt->wildcards |= CIM_DT_MICROSECOND;
        }
        for (size_t i = POS_UTC; i < CIM_DATETIME_LEN; i++)
                if (text[i] != '0')
                        bad_at(first, i);
}

int cim_datetime_parse(const char *text, size_t len, struct cim_datetime *ret,
                       unsigned *ret_column)
{
        struct cim_datetime dt = { 0 };
        char buf[CIM_DATETIME_LEN];
        unsigned first = 0;

        /* work on a full-length copy so that a short input reports its
         * first bad character before the missing tail */
        memset(buf, '\0', sizeof(buf));
        if (len > 0)
                memcpy(buf, text, len < CIM_DATETIME_LEN ? len : CIM_DATETIME_LEN);

        if (buf[POS_DOT] != '.')
                bad_at(&first, POS_DOT);
        if (buf[POS_SIGN] == ':') {
                dt.interval = true;
                parse_interval(buf, &dt, &first);
        } else {
                if (buf[POS_SIGN] != '+' && buf[POS_SIGN] != '-')
                        bad_at(&first, POS_SIGN);
                parse_timestamp(buf, &dt, &first);
        }
        if (len != CIM_DATETIME_LEN)
                bad_at(&first, len < CIM_DATETIME_LEN ? len : CIM_DATETIME_LEN);

        if (first) {
                if (ret_column)
                        *ret_column = first;
                return -EINVAL;
        }
        *ret = dt;
        return 0;
}

/* Write the low width digits of v, or width asterisks. */
static void put_field(char *out, size_t pos, size_t width, uint32_t v, bool star)
{
        for (size_t i = width; i > 0; i--) {
                out[pos + i - 1] = star ? '*' : (char) ('0' + v % 10);
                v /= 10;
        }
}

void cim_datetime_format(const struct cim_datetime *dt, char out[CIM_DATETIME_LEN + 1])
{
        uint8_t w = dt->wildcards;
        unsigned digits = 6;
        uint32_t usec = dt->microsecond % 1000000;

        if (dt->interval) {
                put_field(out, POS_YEAR, 8, dt->year, w & CIM_DT_DAY);
        } else {
                put_field(out, POS_YEAR, 4, dt->year, w & CIM_DT_YEAR);
                put_field(out, POS_MONTH, 2, dt->month, w & CIM_DT_MONTH);
                put_field(out, POS_DAY, 2, dt->day, w & CIM_DT_DAY);
        }
        put_field(out, POS_HOUR, 2, dt->hour, w & CIM_DT_HOUR);
        put_field(out, POS_MINUTE, 2, dt->minute, w & CIM_DT_MINUTE);
        put_field(out, POS_SECOND, 2, dt->second, w & CIM_DT_SECOND);
        out[POS_DOT] = '.';

        if (w & CIM_DT_MICROSECOND)
                digits = dt->usec_digits < 6 ? dt->usec_digits : 6;
        for (unsigned i = digits; i < 6; i++)
                usec /= 10;
        put_field(out, POS_USEC, digits, usec, false);
        put_field(out, POS_USEC + digits, 6 - digits, 0, true);

        if (dt->interval) {
                memcpy(out + POS_SIGN, ":000", 4);
        } else {
                int off = dt->utc_offset;

                /* an unspecified offset has no sign of its own: write '+' */
                out[POS_SIGN] = off < 0 && !(w & CIM_DT_UTC) ? '-' : '+';
                put_field(out, POS_UTC, 3, (uint32_t) (off < 0 ? -off : off), w & CIM_DT_UTC);
        }
        out[CIM_DATETIME_LEN] = '\0';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (y >= 0). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        int64_t era, yoe, doy, doe;

        /* count years from March so that Feb 29 is the last day of a year */
        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d)
{
        int64_t era, doe, yoe, doy, mp, y;
        unsigned m;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        y = yoe + era * 400;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *ret_d = (unsigned) (doy - (153 * mp + 2) / 5 + 1);
        m = (unsigned) (mp < 10 ? mp + 3 : mp - 9);
        *ret_m = m;
        *ret_y = y + (m <= 2);
}

static bool timestamp_valid(const struct cim_datetime *dt)
{
        return !dt->interval && dt->year <= 9999 && dt->month >= 1 && dt->month <= 12 &&
               dt->day >= 1 && dt->day <= days_in_month(dt->year, true, dt->month) &&
               dt->hour < 24 && dt->minute < 60 && dt->second < 60 &&
               dt->microsecond < 1000000 && dt->utc_offset >= -999 && dt->utc_offset <= 999;
}

int cim_datetime_to_unix_usec(const struct cim_datetime *dt, int64_t *ret)
{
        int64_t secs;

        /* missing microsecond digits only lower the precision: count them as 0 */
        if ((dt->wildcards & ~CIM_DT_MICROSECOND) || !timestamp_valid(dt))
                return -EINVAL;
        secs = days_from_civil(dt->year, dt->month, dt->day) * 86400 +
               dt->hour * 3600 + dt->minute * 60 + dt->second - dt->utc_offset * 60;
        *ret = secs * USEC_PER_SEC + dt->microsecond;
        return 0;
}

int cim_datetime_from_unix_usec(int64_t usec, int utc_offset, struct cim_datetime *ret)
{
        /* year 0 to 9999 lies well inside +-4e17 us; refusing more up front
         * keeps the arithmetic below from overflowing */
        const int64_t limit = INT64_C(400000000000000000);
        struct cim_datetime dt = { 0 };
        int64_t days, rem, year;
        unsigned month, day;

        if (utc_offset < -999 || utc_offset > 999)
                return -EINVAL;
        if (usec < -limit || usec > limit)
                return -ERANGE;
        usec += utc_offset * 60 * USEC_PER_SEC;
        days = usec / USEC_PER_DAY;
        rem = usec % USEC_PER_DAY;
        if (rem < 0) {
                rem += USEC_PER_DAY;
                days--;
        }
        civil_from_days(days, &year, &month, &day);
        if (year < 0 || year > 9999)
                return -ERANGE;

        dt.year = (uint32_t) year;
        dt.month = (uint8_t) month;
        dt.day = (uint8_t) day;
        dt.hour = (uint8_t) (rem / (3600 * USEC_PER_SEC));
        dt.minute = (uint8_t) (rem / (60 * USEC_PER_SEC) % 60);
        dt.second = (uint8_t) (rem / USEC_PER_SEC % 60);
        dt.microsecond = (uint32_t) (rem % USEC_PER_SEC);
        dt.usec_digits = 6;
        dt.utc_offset = (int16_t) utc_offset;
        *ret = dt;
        return 0;
}

int cim_datetime_interval_from_usec(uint64_t usec, struct cim_datetime *ret)
{
        struct cim_datetime dt = { 0 };
        uint64_t days = usec / (uint64_t) USEC_PER_DAY, rem = usec % (uint64_t) USEC_PER_DAY;

        if (days > 99999999)
                return -ERANGE;
        dt.interval = true;
        dt.year = (uint32_t) days;
        dt.hour = (uint8_t) (rem / (3600 * (uint64_t) USEC_PER_SEC));
        dt.minute = (uint8_t) (rem / (60 * (uint64_t) USEC_PER_SEC) % 60);
        dt.second = (uint8_t) (rem / (uint64_t) USEC_PER_SEC % 60);
        dt.microsecond = (uint32_t) (rem % (uint64_t) USEC_PER_SEC);
        dt.usec_digits = 6;
        *ret = dt;
        return 0;
}

int cim_datetime_interval_to_usec(const struct cim_datetime *dt, uint64_t *ret)
{
        if (!dt->interval || (dt->wildcards & ~CIM_DT_MICROSECOND) || dt->year > 99999999 ||
            dt->hour > 23 || dt->minute > 59 || dt->second > 59 || dt->microsecond > 999999)
                return -EINVAL;
        *ret = (uint64_t) dt->year * (uint64_t) USEC_PER_DAY +
               ((uint64_t) dt->hour * 3600 + dt->minute * 60 + dt->second) * USEC_PER_SEC +
               dt->microsecond;
        return 0;
}

static int cmp_text(const struct cim_datetime *a, const struct cim_datetime *b)
{
        char ta[CIM_DATETIME_LEN + 1], tb[CIM_DATETIME_LEN + 1];
        int r;

        cim_datetime_format(a, ta);
        cim_datetime_format(b, tb);
        r = strcmp(ta, tb);
        return (r > 0) - (r < 0);
}

int cim_datetime_compare(const struct cim_datetime *a, const struct cim_datetime *b)
{
        if (a->interval != b->interval)
                return a->interval ? -1 : 1;
        if (a->wildcards || b->wildcards) {
                /* asterisks match only the same characters: order by text */
                return cmp_text(a, b);
        } else if (a->interval) {
                uint64_t ua, ub;

                if (cim_datetime_interval_to_usec(a, &ua) == 0 &&
                    cim_datetime_interval_to_usec(b, &ub) == 0)
                        return (ua > ub) - (ua < ub);
        } else {
                int64_t sa, sb;

                if (cim_datetime_to_unix_usec(a, &sa) == 0 &&
                    cim_datetime_to_unix_usec(b, &sb) == 0)
                        return (sa > sb) - (sa < sb);
        }
        /* out-of-range fields (a hand-built value): fall back to the text */
        return cmp_text(a, b);
}

bool cim_datetime_equal(const struct cim_datetime *a, const struct cim_datetime *b)
{
        return cim_datetime_compare(a, b) == 0;
}
