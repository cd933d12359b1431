/* SPDX-License-Identifier: MIT */
/*
 * util.c: locale-independent ASCII case folding for CIM names, the
 * case-insensitive FNV-1a hash the name tables use, and the UTF-8/UTF-16
 * checks and conversions needed to read MOF files (DSP0221 allows UTF-16).
 * Nothing here folds non-ASCII case: CIM names are ASCII in practice.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/util.h"

static inline unsigned char ascii_lower(unsigned char c)
{
        return c >= 'A' && c <= 'Z' ? (unsigned char) (c + ('a' - 'A')) : c;
}

int owmi_strcasecmp(const char *a, const char *b)
{
        return owmi_strncasecmp(a, b, SIZE_MAX);
}

int owmi_strncasecmp(const char *a, const char *b, size_t n)
{
        for (; n > 0; n--, a++, b++) {
                unsigned char ca = (unsigned char) *a, cb = (unsigned char) *b;

                /* names mostly match in case: fold only where bytes differ */
                if (ca == cb) {
                        if (ca == '\0')
                                break;
                        continue;
                }
                ca = ascii_lower(ca);
                cb = ascii_lower(cb);
                if (ca != cb)
                        return ca < cb ? -1 : 1;
        }
        return 0;
}

char *owmi_strdup_lower(const char *s)
{
        char *copy = owmi_strdup(s);

        if (!copy)
                return NULL;
        for (char *p = copy; *p; p++)
                *p = (char) ascii_lower((unsigned char) *p);
        return copy;
}

uint64_t owmi_hash_ci(const char *s)
{
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (; *s; s++) {
                h ^= ascii_lower((unsigned char) *s);
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

size_t owmi_utf8_invalid_at(const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *) s;
        size_t i = 0;

        while (i < len) {
                unsigned char c = p[i];
                unsigned char lo = 0x80, hi = 0xbf;
                size_t n;

                if (c < 0x80) {
                        i++;
                        continue;
                }
                /* the second-byte bounds exclude overlong forms, surrogates
                 * (ED A0..BF) and code points above U+10FFFF (Unicode 3.9) */
                if (c >= 0xc2 && c <= 0xdf) {
                        n = 1;
                } else if (c >= 0xe0 && c <= 0xef) {
                        n = 2;
                        if (c == 0xe0)
                                lo = 0xa0;
                        else if (c == 0xed)
                                hi = 0x9f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 3;
                        if (c == 0xf0)
                                lo = 0x90;
                        else if (c == 0xf4)
                                hi = 0x8f;
                } else {
                        return i + 1;
                }
                for (size_t k = 1; k <= n; k++) {
                        if (i + k >= len || p[i + k] < lo || p[i + k] > hi)
                                return i + 1;
                        lo = 0x80;
                        hi = 0xbf;
                }
                i += n + 1;
        }
        return 0;
}

size_t owmi_utf8_encode(uint32_t cp, char *buf)
{
        unsigned char *b = (unsigned char *) buf;

        if (cp < 0x80) {
                b[0] = (unsigned char) cp;
                return 1;
        }
        if (cp < 0x800) {
                b[0] = (unsigned char) (0xc0 | (cp >> 6));
                b[1] = (unsigned char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp >= 0xd800 && cp <= 0xdfff)
                return 0;
        if (cp < 0x10000) {
                b[0] = (unsigned char) (0xe0 | (cp >> 12));
                b[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
                b[2] = (unsigned char) (0x80 | (cp & 0x3f));
                return 3;
        }
        if (cp <= 0x10ffff) {
                b[0] = (unsigned char) (0xf0 | (cp >> 18));
                b[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3f));
                b[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
                b[3] = (unsigned char) (0x80 | (cp & 0x3f));
                return 4;
        }
        return 0;
}

static uint16_t utf16_unit(const unsigned char *p, bool big_endian)
{
        return big_endian ? (uint16_t) (p[0] << 8 | p[1]) : (uint16_t) (p[1] << 8 | p[0]);
}

int owmi_utf16_to_utf8(const unsigned char *data, size_t len, bool big_endian,
                       char **ret, size_t *ret_len)
{
        size_t units = len / 2, o = 0;
        char *out;

        /* each unit yields at most 3 bytes (a pair: 4 bytes for 2 units);
         * an odd trailing byte yields U+FFFD, 3 bytes */
        if (units > (SIZE_MAX - 4) / 3)
                return -ENOMEM;
        out = owmi_malloc(units * 3 + 4);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < units; i++) {
                uint32_t cp = utf16_unit(data + 2 * i, big_endian);

                if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < units) {
                        uint32_t lo = utf16_unit(data + 2 * (i + 1), big_endian);

                        if (lo >= 0xdc00 && lo <= 0xdfff) {
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                i++;
                        }
                }
                if (cp >= 0xd800 && cp <= 0xdfff)
                        cp = 0xfffd;
                o += owmi_utf8_encode(cp, out + o);
        }
        if (len % 2)
                o += owmi_utf8_encode(0xfffd, out + o);
        out[o] = '\0';
        *ret = out;
        if (ret_len)
                *ret_len = o;
        return 0;
}

size_t owmi_utf8_length(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char) *s & 0xc0) != 0x80; /* count lead bytes only */
        return n;
}

uint64_t owmi_monotonic_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (uint64_t) t.tv_sec * 1000 + (uint64_t) t.tv_nsec / 1000000;
}

void owmi_timespec_after_ms(clockid_t clock, long ms, struct timespec *ret)
{
        clock_gettime(clock, ret);
        ret->tv_sec += ms / 1000;
        ret->tv_nsec += (ms % 1000) * 1000000;
        if (ret->tv_nsec >= 1000000000) {
                ret->tv_sec++;
                ret->tv_nsec -= 1000000000;
        }
}
