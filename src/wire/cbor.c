/* SPDX-License-Identifier: MIT */
/*
 * cbor.c: the protocol's CBOR writer and bounded pull reader over libcbor.
 */
#include <errno.h>
#include <string.h>

#include <cbor.h>

#include "base/alloc.h"
#include "base/util.h"
#include "wire/cbor.h"

#define WCBOR_MAX_SKIP_DEPTH 64

/* ---- writer ----------------------------------------------------------- */

/* Room for any item head: 1 byte plus an 8-byte argument. */
#define HEAD_MAX 9

static void put_head(struct strbuf *out, size_t (*encode)(uint64_t, unsigned char *, size_t),
                     uint64_t v)
{
        unsigned char buf[HEAD_MAX];
        size_t n = encode(v, buf, sizeof(buf));

        strbuf_add(out, buf, n);
}

static size_t encode_uint(uint64_t v, unsigned char *buf, size_t size)
{
        return cbor_encode_uint(v, buf, size);
}

static size_t encode_negint(uint64_t v, unsigned char *buf, size_t size)
{
        return cbor_encode_negint(v, buf, size);
}

static size_t encode_array(uint64_t v, unsigned char *buf, size_t size)
{
        return cbor_encode_array_start((size_t) v, buf, size);
}

static size_t encode_map(uint64_t v, unsigned char *buf, size_t size)
{
        return cbor_encode_map_start((size_t) v, buf, size);
}

static size_t encode_text(uint64_t v, unsigned char *buf, size_t size)
{
        return cbor_encode_string_start((size_t) v, buf, size);
}

static size_t encode_bytes(uint64_t v, unsigned char *buf, size_t size)
{
        return cbor_encode_bytestring_start((size_t) v, buf, size);
}

void wcbor_put_uint(struct strbuf *out, uint64_t v)
{
        put_head(out, encode_uint, v);
}

void wcbor_put_int(struct strbuf *out, int64_t v)
{
        if (v >= 0)
                put_head(out, encode_uint, (uint64_t) v);
        else
                put_head(out, encode_negint, (uint64_t) (-1 - v));
}

void wcbor_put_bool(struct strbuf *out, bool v)
{
        unsigned char b;

        cbor_encode_bool(v, &b, 1);
        strbuf_add(out, &b, 1);
}

void wcbor_put_null(struct strbuf *out)
{
        unsigned char b;

        cbor_encode_null(&b, 1);
        strbuf_add(out, &b, 1);
}

void wcbor_put_double(struct strbuf *out, double v)
{
        unsigned char buf[HEAD_MAX];
        size_t n = cbor_encode_double(v, buf, sizeof(buf));

        strbuf_add(out, buf, n);
}

void wcbor_put_array(struct strbuf *out, size_t count)
{
        put_head(out, encode_array, count);
}

void wcbor_put_map(struct strbuf *out, size_t count)
{
        put_head(out, encode_map, count);
}

void wcbor_put_textn(struct strbuf *out, const char *s, size_t len)
{
        put_head(out, encode_text, len);
        strbuf_add(out, s, len);
}

void wcbor_put_text(struct strbuf *out, const char *s)
{
        if (!s)
                wcbor_put_null(out);
        else
                wcbor_put_textn(out, s, strlen(s));
}

void wcbor_put_bytes(struct strbuf *out, const void *data, size_t len)
{
        put_head(out, encode_bytes, len);
        strbuf_add(out, data, len);
}

/* ---- reader ----------------------------------------------------------- */

/* libcbor reports each item head through one callback per kind; these
 * fill the item.  What the protocol does not use marks the item bad. */
struct decode_ctx {
        struct wcbor_item *item;
        bool bad;
};

#define ITEM(ctx) (((struct decode_ctx *) (ctx))->item)

static void on_uint8(void *ctx, uint8_t v) { ITEM(ctx)->kind = WCBOR_UINT; ITEM(ctx)->u = v; }
static void on_uint16(void *ctx, uint16_t v) { ITEM(ctx)->kind = WCBOR_UINT; ITEM(ctx)->u = v; }
static void on_uint32(void *ctx, uint32_t v) { ITEM(ctx)->kind = WCBOR_UINT; ITEM(ctx)->u = v; }
static void on_uint64(void *ctx, uint64_t v) { ITEM(ctx)->kind = WCBOR_UINT; ITEM(ctx)->u = v; }
static void on_neg8(void *ctx, uint8_t v) { ITEM(ctx)->kind = WCBOR_NEGINT; ITEM(ctx)->u = v; }
static void on_neg16(void *ctx, uint16_t v) { ITEM(ctx)->kind = WCBOR_NEGINT; ITEM(ctx)->u = v; }
static void on_neg32(void *ctx, uint32_t v) { ITEM(ctx)->kind = WCBOR_NEGINT; ITEM(ctx)->u = v; }
static void on_neg64(void *ctx, uint64_t v) { ITEM(ctx)->kind = WCBOR_NEGINT; ITEM(ctx)->u = v; }

static void on_bytes(void *ctx, cbor_data data, uint64_t len)
{
        ITEM(ctx)->kind = WCBOR_BYTES;
        ITEM(ctx)->data = (const char *) data;
        ITEM(ctx)->len = (size_t) len;
}

static void on_text(void *ctx, cbor_data data, uint64_t len)
{
        ITEM(ctx)->kind = WCBOR_TEXT;
        ITEM(ctx)->data = (const char *) data;
        ITEM(ctx)->len = (size_t) len;
}

static void on_array(void *ctx, uint64_t count) { ITEM(ctx)->kind = WCBOR_ARRAY; ITEM(ctx)->u = count; }
static void on_map(void *ctx, uint64_t count) { ITEM(ctx)->kind = WCBOR_MAP; ITEM(ctx)->u = count; }
static void on_float(void *ctx, float v) { ITEM(ctx)->kind = WCBOR_FLOAT; ITEM(ctx)->d = v; }
static void on_double(void *ctx, double v) { ITEM(ctx)->kind = WCBOR_FLOAT; ITEM(ctx)->d = v; }
static void on_null(void *ctx) { ITEM(ctx)->kind = WCBOR_NULL; }
static void on_bool(void *ctx, bool v) { ITEM(ctx)->kind = WCBOR_BOOL; ITEM(ctx)->b = v; }
static void on_unsupported(void *ctx) { ((struct decode_ctx *) ctx)->bad = true; }
static void on_tag(void *ctx, uint64_t v) { ((struct decode_ctx *) ctx)->bad = true; }

static const struct cbor_callbacks callbacks = {
        .uint8 = on_uint8, .uint16 = on_uint16, .uint32 = on_uint32, .uint64 = on_uint64,
        .negint8 = on_neg8, .negint16 = on_neg16, .negint32 = on_neg32, .negint64 = on_neg64,
        .byte_string = on_bytes, .byte_string_start = on_unsupported,
        .string = on_text, .string_start = on_unsupported,
        .array_start = on_array, .indef_array_start = on_unsupported,
        .map_start = on_map, .indef_map_start = on_unsupported,
        .tag = on_tag,
        .float2 = on_float, .float4 = on_float, .float8 = on_double,
        .undefined = on_unsupported, .null = on_null, .boolean = on_bool,
        .indef_break = on_unsupported,
};

void wcbor_reader_init(struct wcbor_reader *r, const void *data, size_t len)
{
        r->p = data;
        r->end = (const uint8_t *) data + len;
        r->depth = 0;
}

int wcbor_next(struct wcbor_reader *r, struct wcbor_item *ret)
{
        struct decode_ctx ctx = { .item = ret, .bad = false };
        struct cbor_decoder_result res;
        size_t left = (size_t) (r->end - r->p);

        if (left == 0)
                return -EBADMSG;
        ret->kind = WCBOR_NONE;
        res = cbor_stream_decode(r->p, left, &callbacks, &ctx);
        if (res.status != CBOR_DECODER_FINISHED || ctx.bad || ret->kind == WCBOR_NONE)
                return -EBADMSG;
        r->p += res.read;
        /* each element takes at least a byte (a map's, two): a count that
         * cannot fit is refused before a caller sizes anything by it */
        if ((ret->kind == WCBOR_ARRAY && ret->u > (uint64_t) (r->end - r->p)) ||
            (ret->kind == WCBOR_MAP && ret->u > (uint64_t) (r->end - r->p) / 2))
                return -EBADMSG;
        return 0;
}

int wcbor_get_uint(struct wcbor_reader *r, uint64_t *ret)
{
        struct wcbor_item it;
        int rr = wcbor_next(r, &it);

        if (rr < 0)
                return rr;
        if (it.kind != WCBOR_UINT)
                return -EBADMSG;
        *ret = it.u;
        return 0;
}

int wcbor_get_int(struct wcbor_reader *r, int64_t *ret)
{
        struct wcbor_item it;
        int rr = wcbor_next(r, &it);

        if (rr < 0)
                return rr;
        if (it.kind == WCBOR_UINT && it.u <= (uint64_t) INT64_MAX)
                *ret = (int64_t) it.u;
        else if (it.kind == WCBOR_NEGINT && it.u <= (uint64_t) INT64_MAX)
                *ret = -1 - (int64_t) it.u;
        else
                return -EBADMSG;
        return 0;
}

int wcbor_get_bool(struct wcbor_reader *r, bool *ret)
{
        struct wcbor_item it;
        int rr = wcbor_next(r, &it);

        if (rr < 0)
                return rr;
        if (it.kind != WCBOR_BOOL)
                return -EBADMSG;
        *ret = it.b;
        return 0;
}

int wcbor_get_array(struct wcbor_reader *r, size_t max, size_t *ret)
{
        struct wcbor_item it;
        int rr = wcbor_next(r, &it);

        if (rr < 0)
                return rr;
        if (it.kind != WCBOR_ARRAY || it.u > max)
                return -EBADMSG;
        *ret = (size_t) it.u;
        return 0;
}

static int text_dup(const struct wcbor_item *it, size_t max, char **ret)
{
        char *s;

        if (it->kind != WCBOR_TEXT || it->len > max || memchr(it->data, '\0', it->len) ||
            owmi_utf8_invalid_at(it->data, it->len) != 0)
                return -EBADMSG;
        s = owmi_malloc(it->len + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, it->data, it->len);
        s[it->len] = '\0';
        *ret = s;
        return 0;
}

int wcbor_get_text(struct wcbor_reader *r, size_t max, char **ret)
{
        struct wcbor_item it;
        int rr = wcbor_next(r, &it);

        return rr < 0 ? rr : text_dup(&it, max, ret);
}

int wcbor_get_text_or_null(struct wcbor_reader *r, size_t max, char **ret)
{
        struct wcbor_item it;
        int rr = wcbor_next(r, &it);

        if (rr < 0)
                return rr;
        if (it.kind == WCBOR_NULL) {
                *ret = NULL;
                return 0;
        }
        return text_dup(&it, max, ret);
}

bool wcbor_take_null(struct wcbor_reader *r)
{
        if (r->p < r->end && *r->p == 0xf6) {
                r->p++;
                return true;
        }
        return false;
}

int wcbor_skip(struct wcbor_reader *r)
{
        struct wcbor_item it;
        uint64_t n;
        int rr = wcbor_next(r, &it);

        if (rr < 0)
                return rr;
        if (it.kind != WCBOR_ARRAY && it.kind != WCBOR_MAP)
                return 0;
        if (r->depth >= WCBOR_MAX_SKIP_DEPTH)
                return -EBADMSG;
        n = it.kind == WCBOR_MAP ? it.u * 2 : it.u;
        r->depth++;
        for (uint64_t i = 0; i < n && rr >= 0; i++)
                rr = wcbor_skip(r);
        r->depth--;
        return rr;
}
