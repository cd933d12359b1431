/* SPDX-License-Identifier: MIT */
/*
 * cbor.h: writing and reading CBOR (RFC 8949) for the native protocol, on
 * libcbor's encoders and its allocation-free streaming decoder.
 *
 * The writer appends to a strbuf (a failed append marks the strbuf
 * failed; check strbuf_error once at the end).  The reader pulls one data
 * item head at a time from a buffer it never reads past, allocates
 * nothing, and accepts only what the protocol uses: definite lengths, no
 * tags, no "undefined"; arrays and maps whose count could not fit in the
 * bytes left are refused before anyone allocates for them.
 */
#ifndef OWMI_WIRE_CBOR_H
#define OWMI_WIRE_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/* ---- writer ----------------------------------------------------------- */

void wcbor_put_uint(struct strbuf *out, uint64_t v);
void wcbor_put_int(struct strbuf *out, int64_t v);
void wcbor_put_bool(struct strbuf *out, bool v);
void wcbor_put_null(struct strbuf *out);
void wcbor_put_double(struct strbuf *out, double v);
void wcbor_put_array(struct strbuf *out, size_t count);
void wcbor_put_map(struct strbuf *out, size_t count);
/* UTF-8 text; NULL is written as null. */
void wcbor_put_text(struct strbuf *out, const char *s);
void wcbor_put_textn(struct strbuf *out, const char *s, size_t len);
void wcbor_put_bytes(struct strbuf *out, const void *data, size_t len);

/* ---- reader ----------------------------------------------------------- */

enum wcbor_kind {
        WCBOR_UINT,
        WCBOR_NEGINT,      /* value is -1 - u */
        WCBOR_BYTES,
        WCBOR_TEXT,
        WCBOR_ARRAY,
        WCBOR_MAP,
        WCBOR_BOOL,
        WCBOR_NULL,
        WCBOR_FLOAT,
        WCBOR_NONE,            /* internal: nothing decoded */
};

struct wcbor_item {
        enum wcbor_kind kind;
        uint64_t u;            /* UINT, NEGINT; ARRAY and MAP: the count */
        bool b;
        double d;
        const char *data;      /* BYTES, TEXT: inside the buffer, not NUL-ended */
        size_t len;
};

struct wcbor_reader {
        const uint8_t *p;
        const uint8_t *end;
        unsigned depth;        /* for wcbor_skip */
};

void wcbor_reader_init(struct wcbor_reader *r, const void *data, size_t len);
static inline bool wcbor_reader_done(const struct wcbor_reader *r)
{
        return r->p == r->end;
}

/* The next item head; -EBADMSG on malformed or unsupported input. */
int wcbor_next(struct wcbor_reader *r, struct wcbor_item *ret);
/* The next item must be of the kind asked for (or null where said). */
int wcbor_get_uint(struct wcbor_reader *r, uint64_t *ret);
int wcbor_get_int(struct wcbor_reader *r, int64_t *ret);
int wcbor_get_bool(struct wcbor_reader *r, bool *ret);
/* An array head whose count is at most max. */
int wcbor_get_array(struct wcbor_reader *r, size_t max, size_t *ret);
/* Text (valid UTF-8, no NUL inside, at most max bytes): a new string;
 * with _or_null a null gives *ret = NULL. */
int wcbor_get_text(struct wcbor_reader *r, size_t max, char **ret);
int wcbor_get_text_or_null(struct wcbor_reader *r, size_t max, char **ret);
/* Skip one whole item (nested at most 64 deep). */
int wcbor_skip(struct wcbor_reader *r);
/* TRUE and consumed if the next item is null. */
bool wcbor_take_null(struct wcbor_reader *r);

#endif
