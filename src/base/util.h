/* SPDX-License-Identifier: MIT */
/*
 * util.h: small helpers used everywhere: case-insensitive ASCII comparison
 * (CIM names are case-insensitive and ASCII in practice), array sizing.
 */
#ifndef OWMI_BASE_UTIL_H
#define OWMI_BASE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))

/* ASCII case-insensitive comparison, locale independent. */
int owmi_strcasecmp(const char *a, const char *b);
int owmi_strncasecmp(const char *a, const char *b, size_t n);
static inline bool owmi_streq_ci(const char *a, const char *b)
{
        return a && b && owmi_strcasecmp(a, b) == 0;
}
/* Lower-case ASCII copy into a new string (NULL on ENOMEM). */
char *owmi_strdup_lower(const char *s);
/* FNV-1a of the lower-cased ASCII string. */
uint64_t owmi_hash_ci(const char *s);

/* Validate UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF; NUL is valid): 0 if valid, else the byte offset + 1 of the
 * first byte of the first invalid or truncated sequence. */
size_t owmi_utf8_invalid_at(const char *s, size_t len);
/* Characters (code points) of a valid UTF-8 string. */
size_t owmi_utf8_length(const char *s);
/* Append the UTF-8 form of code point cp to buf (at least 4 bytes); returns
 * bytes written, 0 for an invalid code point. */
size_t owmi_utf8_encode(uint32_t cp, char *buf);
/* Decode UTF-16 (little or big endian) to a new NUL-terminated UTF-8 string.
 * Lone surrogates and an odd trailing byte become U+FFFD; a BOM is kept
 * (the caller picks the byte order).  ret_len may be NULL.  Returns 0 or
 * -ENOMEM. */
int owmi_utf16_to_utf8(const unsigned char *data, size_t len, bool big_endian,
                       char **ret, size_t *ret_len);

/* Milliseconds on CLOCK_MONOTONIC: for deadlines and timeouts. */
uint64_t owmi_monotonic_ms(void);
/* The time ms milliseconds from now on clock (for pthread_cond_timedwait). */
void owmi_timespec_after_ms(clockid_t clock, long ms, struct timespec *ret);

#endif
