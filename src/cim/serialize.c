/* SPDX-License-Identifier: MIT */
/*
 * serialize.c: the binary storage form of CIM objects and qualifier
 * declarations.  Owns the byte layout and its validation; it does not
 * know where the bytes go (repo/) nor check schema rules (mof/, repo/).
 *
 * Layout (version 1).  All integers are unsigned LEB128 varints unless
 * said otherwise; signed ones are zigzag varints; "str" is a varint byte
 * length then the bytes (no NUL, none inside); "ostr" is a varint of
 * length + 1, 0 meaning NULL.
 *
 *   blob       := u8 version, u8 kind ('O' object, 'Q' qualifier decl), body
 *   object     := u8 genus, str class, ostr superclass,
 *                 varint n, n * str derivation, ostr namespace, ostr server,
 *                 quals, varint n, n * property, varint n, n * method
 *   quals      := varint n, n * (str name, varint flavor, u8 flags, value)
 *                 flags: 1 propagated
 *   property   := str name, u8 type, u8 flags, varint array_size,
 *                 ostr ref_class, ostr class_origin, value, quals
 *                 flags: 1 is_array, 2 propagated
 *   method     := str name, u8 return type, u8 flags, ostr return ref_class,
 *                 ostr class_origin, quals, varint n, n * property (params)
 *                 flags: 1 return_is_array, 2 propagated
 *   decl       := str name, u8 type, u8 flags (1 is_array), varint array_size,
 *                 varint scope, varint flavor, value
 *   value      := u8 type, u8 flags, payload unless NULL
 *                 flags: 1 array, 2 NULL, 4 each array item starts with a
 *                 u8 NULL marker (only written when an item is NULL)
 *   payload    := scalar | varint count, count * ([u8 null] scalar)
 *   scalar     := boolean u8 0/1 | unsigned varint | signed zigzag
 *               | real: 8 bytes IEEE 754 double, little-endian (REAL32 too,
 *                 so the stored double comes back bit for bit)
 *               | char16 varint | string/reference str
 *               | datetime: u8 interval, u8 wildcards, u8 usec_digits,
 *                 u8 month, day, hour, minute, second, varint year,
 *                 varint microsecond, zigzag utc_offset
 *               | object (embedded, nested at most SERIALIZE_MAX_DEPTH)
 *
 * Every count is bounded by the bytes left (each element takes at least
 * one byte), so a damaged length can never make us allocate more than the
 * input's size.  The encoder refuses what the decoder would refuse
 * (out-of-range integers and datetime fields, untyped non-NULL values), so
 * a stored object always reads back.
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "cim/serialize.h"

#define SERIALIZE_KIND_OBJECT 'O'
#define SERIALIZE_KIND_QUALIFIER_DECL 'Q'
/* Embedded objects inside embedded objects...: enough for any schema,
 * small enough that decoding cannot exhaust the stack. */
#define SERIALIZE_MAX_DEPTH 32

#define VALUE_F_ARRAY 0x01u
#define VALUE_F_NULL 0x02u
#define VALUE_F_ITEM_NULLS 0x04u

#define MEMBER_F_ARRAY 0x01u
#define MEMBER_F_PROPAGATED 0x02u

#define QUAL_F_PROPAGATED 0x01u

struct enc {
        struct strbuf *out;
        unsigned depth;
};

struct dec {
        const uint8_t *p;
        const uint8_t *end;
        unsigned depth;
};

/* ---- shared checks ---------------------------------------------------- */

static bool type_is_valid(unsigned type)
{
        return type < _CIM_TYPE_MAX;
}

static bool uint_fits(cim_type type, uint64_t u)
{
        switch (type) {
        case CIM_TYPE_UINT8: return u <= UINT8_MAX;
        case CIM_TYPE_UINT16: return u <= UINT16_MAX;
        case CIM_TYPE_UINT32: return u <= UINT32_MAX;
        default: return true;
        }
}

static bool sint_fits(cim_type type, int64_t s)
{
        switch (type) {
        case CIM_TYPE_SINT8: return s >= INT8_MIN && s <= INT8_MAX;
        case CIM_TYPE_SINT16: return s >= INT16_MIN && s <= INT16_MAX;
        case CIM_TYPE_SINT32: return s >= INT32_MIN && s <= INT32_MAX;
        default: return true;
        }
}

/* Fields must fit their digits in the 25-character text form, or a later
 * cim_datetime_format would write past its buffer. */
static bool datetime_fits(const struct cim_datetime *dt)
{
        return dt->year <= (dt->interval ? 99999999u : 9999u) && dt->month <= 99 &&
               dt->day <= 99 && dt->hour <= 99 && dt->minute <= 99 && dt->second <= 99 &&
               dt->microsecond <= 999999 && dt->usec_digits <= 6 &&
               dt->utc_offset >= -999 && dt->utc_offset <= 999;
}

/* A scalar (or array item) of type that has nothing to store is written
 * as NULL: untyped, or a string/object pointer that is not there. */
static bool scalar_is_empty(const struct cim_value *v, cim_type type)
{
        if (v->is_null || type == CIM_TYPE_NONE)
                return true;
        if (type == CIM_TYPE_STRING || type == CIM_TYPE_REFERENCE)
                return !v->v.string;
        if (type == CIM_TYPE_OBJECT)
                return !v->v.object;
        return false;
}

/* ---- encoder ---------------------------------------------------------- */

static int enc_bytes(struct enc *e, const void *data, size_t len)
{
        return strbuf_add(e->out, data, len);
}

static int enc_u8(struct enc *e, uint8_t b)
{
        return strbuf_add(e->out, &b, 1);
}

static int enc_varint(struct enc *e, uint64_t v)
{
        uint8_t buf[10];
        size_t n = 0;

        while (v >= 0x80) {
                buf[n++] = (uint8_t) (v | 0x80);
                v >>= 7;
        }
        buf[n++] = (uint8_t) v;
        return enc_bytes(e, buf, n);
}

static int enc_zigzag(struct enc *e, int64_t s)
{
        return enc_varint(e, ((uint64_t) s << 1) ^ (uint64_t) -(s < 0));
}

static int enc_str(struct enc *e, const char *s)
{
        size_t len;
        int r;

        if (!s)
                return -EINVAL;
        len = strlen(s);
        r = enc_varint(e, len);
        return r < 0 ? r : enc_bytes(e, s, len);
}

static int enc_ostr(struct enc *e, const char *s)
{
        size_t len;
        int r;

        if (!s)
                return enc_varint(e, 0);
        len = strlen(s);
        r = enc_varint(e, (uint64_t) len + 1);
        return r < 0 ? r : enc_bytes(e, s, len);
}

static int enc_object(struct enc *e, const struct cim_object *obj);

static int enc_scalar(struct enc *e, cim_type type, const struct cim_value *v)
{
        const struct cim_datetime *dt;
        uint8_t buf[8];
        uint64_t bits;
        int r;

        switch (type) {
        case CIM_TYPE_BOOLEAN:
                return enc_u8(e, v->v.boolean ? 1 : 0);
        case CIM_TYPE_UINT8: case CIM_TYPE_UINT16: case CIM_TYPE_UINT32: case CIM_TYPE_UINT64:
                if (!uint_fits(type, v->v.u64))
                        return -ERANGE;
                return enc_varint(e, v->v.u64);
        case CIM_TYPE_SINT8: case CIM_TYPE_SINT16: case CIM_TYPE_SINT32: case CIM_TYPE_SINT64:
                if (!sint_fits(type, v->v.s64))
                        return -ERANGE;
                return enc_zigzag(e, v->v.s64);
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64:
                memcpy(&bits, &v->v.real, sizeof(bits));
                for (unsigned i = 0; i < 8; i++)
                        buf[i] = (uint8_t) (bits >> (8 * i));
                return enc_bytes(e, buf, 8);
        case CIM_TYPE_CHAR16:
                return enc_varint(e, v->v.char16);
        case CIM_TYPE_STRING: case CIM_TYPE_REFERENCE:
                return enc_str(e, v->v.string);
        case CIM_TYPE_DATETIME:
                dt = &v->v.datetime;
                if (!datetime_fits(dt))
                        return -ERANGE;
                buf[0] = dt->interval ? 1 : 0;
                buf[1] = dt->wildcards;
                buf[2] = dt->usec_digits;
                buf[3] = dt->month;
                buf[4] = dt->day;
                buf[5] = dt->hour;
                buf[6] = dt->minute;
                buf[7] = dt->second;
                r = enc_bytes(e, buf, 8);
                if (r >= 0)
                        r = enc_varint(e, dt->year);
                if (r >= 0)
                        r = enc_varint(e, dt->microsecond);
                if (r >= 0)
                        r = enc_zigzag(e, dt->utc_offset);
                return r;
        case CIM_TYPE_OBJECT:
                return enc_object(e, v->v.object);
        default:
                return -EINVAL;
        }
}

static int enc_value(struct enc *e, const struct cim_value *v)
{
        uint8_t flags = 0;
        bool nulls = false;
        int r;

        if (!type_is_valid((unsigned) v->type))
                return -EINVAL;
        if (v->is_array)
                flags |= VALUE_F_ARRAY;
        if (v->is_array ? v->is_null || v->type == CIM_TYPE_NONE : scalar_is_empty(v, v->type))
                flags |= VALUE_F_NULL;
        if (!(flags & VALUE_F_NULL) && v->is_array) {
                for (uint32_t i = 0; i < v->count && !nulls; i++)
                        nulls = scalar_is_empty(&v->v.items[i], v->type);
                if (nulls)
                        flags |= VALUE_F_ITEM_NULLS;
        }
        r = enc_u8(e, (uint8_t) v->type);
        if (r >= 0)
                r = enc_u8(e, flags);
        if (r < 0 || (flags & VALUE_F_NULL))
                return r;
        if (!v->is_array)
                return enc_scalar(e, v->type, v);
        r = enc_varint(e, v->count);
        for (uint32_t i = 0; r >= 0 && i < v->count; i++) {
                const struct cim_value *item = &v->v.items[i];
                bool empty = nulls && scalar_is_empty(item, v->type);

                if (nulls)
                        r = enc_u8(e, empty ? 1 : 0);
                if (r >= 0 && !empty)
                        r = enc_scalar(e, v->type, item);
        }
        return r;
}

static int enc_qualifiers(struct enc *e, const struct cim_qualifier_list *list)
{
        int r = enc_varint(e, list->count);

        for (size_t i = 0; r >= 0 && i < list->count; i++) {
                const struct cim_qualifier *q = &list->items[i];

                r = enc_str(e, q->name);
                if (r >= 0)
                        r = enc_varint(e, q->flavor);
                if (r >= 0)
                        r = enc_u8(e, q->propagated ? QUAL_F_PROPAGATED : 0);
                if (r >= 0)
                        r = enc_value(e, &q->value);
        }
        return r;
}

static int enc_property(struct enc *e, const struct cim_property *p)
{
        uint8_t flags = (p->is_array ? MEMBER_F_ARRAY : 0) | (p->propagated ? MEMBER_F_PROPAGATED : 0);
        int r;

        if (!type_is_valid((unsigned) p->type))
                return -EINVAL;
        r = enc_str(e, p->name);
        if (r >= 0)
                r = enc_u8(e, (uint8_t) p->type);
        if (r >= 0)
                r = enc_u8(e, flags);
        if (r >= 0)
                r = enc_varint(e, p->array_size);
        if (r >= 0)
                r = enc_ostr(e, p->ref_class);
        if (r >= 0)
                r = enc_ostr(e, p->class_origin);
        if (r >= 0)
                r = enc_value(e, &p->value);
        if (r >= 0)
                r = enc_qualifiers(e, &p->qualifiers);
        return r;
}

static int enc_method(struct enc *e, const struct cim_method *m)
{
        uint8_t flags = (m->return_is_array ? MEMBER_F_ARRAY : 0) |
                        (m->propagated ? MEMBER_F_PROPAGATED : 0);
        int r;

        if (!type_is_valid((unsigned) m->return_type))
                return -EINVAL;
        r = enc_str(e, m->name);
        if (r >= 0)
                r = enc_u8(e, (uint8_t) m->return_type);
        if (r >= 0)
                r = enc_u8(e, flags);
        if (r >= 0)
                r = enc_ostr(e, m->return_ref_class);
        if (r >= 0)
                r = enc_ostr(e, m->class_origin);
        if (r >= 0)
                r = enc_qualifiers(e, &m->qualifiers);
        if (r >= 0)
                r = enc_varint(e, m->param_count);
        for (size_t i = 0; r >= 0 && i < m->param_count; i++)
                r = enc_property(e, &m->params[i]);
        return r;
}

static int enc_object(struct enc *e, const struct cim_object *obj)
{
        int r;

        if (obj->genus != CIM_GENUS_CLASS && obj->genus != CIM_GENUS_INSTANCE)
                return -EINVAL;
        /* also what stops a cycle of embedded objects */
        if (e->depth >= SERIALIZE_MAX_DEPTH)
                return -ELOOP;
        e->depth++;
        r = enc_u8(e, (uint8_t) obj->genus);
        if (r >= 0)
                r = enc_str(e, obj->class_name);
        if (r >= 0)
                r = enc_ostr(e, obj->superclass);
        if (r >= 0)
                r = enc_varint(e, obj->derivation_count);
        for (size_t i = 0; r >= 0 && i < obj->derivation_count; i++)
                r = enc_str(e, obj->derivation[i]);
        if (r >= 0)
                r = enc_ostr(e, obj->namespace);
        if (r >= 0)
                r = enc_ostr(e, obj->server);
        if (r >= 0)
                r = enc_qualifiers(e, &obj->qualifiers);
        if (r >= 0)
                r = enc_varint(e, obj->prop_count);
        for (size_t i = 0; r >= 0 && i < obj->prop_count; i++)
                r = enc_property(e, &obj->props[i]);
        if (r >= 0)
                r = enc_varint(e, obj->method_count);
        for (size_t i = 0; r >= 0 && i < obj->method_count; i++)
                r = enc_method(e, &obj->methods[i]);
        e->depth--;
        return r;
}

/* Run one encoding; on failure leave out exactly as it was. */
static int enc_finish(struct strbuf *out, size_t start, bool was_failed, int r)
{
        if (r >= 0 && strbuf_error(out) < 0 && !was_failed)
                r = -ENOMEM;
        if (r < 0) {
                out->failed = was_failed;
                out->len = start;
                if (out->buf)
                        out->buf[start] = '\0';
        }
        return r;
}

int cim_object_encode(const struct cim_object *obj, struct strbuf *out)
{
        struct enc e = { .out = out };
        size_t start = out->len;
        bool was_failed = out->failed;
        int r;

        r = enc_u8(&e, CIM_SERIALIZE_VERSION);
        if (r >= 0)
                r = enc_u8(&e, SERIALIZE_KIND_OBJECT);
        if (r >= 0)
                r = enc_object(&e, obj);
        return enc_finish(out, start, was_failed, r);
}

int cim_qualifier_decl_encode(const struct cim_qualifier_decl *decl, struct strbuf *out)
{
        struct enc e = { .out = out };
        size_t start = out->len;
        bool was_failed = out->failed;
        int r;

        if (!type_is_valid((unsigned) decl->type))
                return -EINVAL;
        r = enc_u8(&e, CIM_SERIALIZE_VERSION);
        if (r >= 0)
                r = enc_u8(&e, SERIALIZE_KIND_QUALIFIER_DECL);
        if (r >= 0)
                r = enc_str(&e, decl->name);
        if (r >= 0)
                r = enc_u8(&e, (uint8_t) decl->type);
        if (r >= 0)
                r = enc_u8(&e, decl->is_array ? MEMBER_F_ARRAY : 0);
        if (r >= 0)
                r = enc_varint(&e, decl->array_size);
        if (r >= 0)
                r = enc_varint(&e, decl->scope);
        if (r >= 0)
                r = enc_varint(&e, decl->flavor);
        if (r >= 0)
                r = enc_value(&e, &decl->default_value);
        return enc_finish(out, start, was_failed, r);
}

/* ---- decoder ---------------------------------------------------------- */

static size_t dec_left(const struct dec *d)
{
        return (size_t) (d->end - d->p);
}

static int dec_u8(struct dec *d, uint8_t *ret)
{
        if (d->p == d->end)
                return -EBADMSG;
        *ret = *d->p++;
        return 0;
}

static int dec_varint(struct dec *d, uint64_t *ret)
{
        uint64_t v = 0;

        /* most lengths and counts fit one byte */
        if (d->p < d->end && *d->p < 0x80) {
                *ret = *d->p++;
                return 0;
        }
        for (unsigned shift = 0; shift < 64; shift += 7) {
                uint8_t b;

                if (d->p == d->end)
                        return -EBADMSG;
                b = *d->p++;
                /* the tenth byte holds bit 63 only */
                if (shift == 63 && b > 1)
                        return -EBADMSG;
                v |= (uint64_t) (b & 0x7f) << shift;
                if (!(b & 0x80)) {
                        *ret = v;
                        return 0;
                }
        }
        return -EBADMSG;
}

static int dec_u32(struct dec *d, uint32_t *ret)
{
        uint64_t v;
        int r = dec_varint(d, &v);

        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -EBADMSG;
        *ret = (uint32_t) v;
        return 0;
}

static int dec_zigzag(struct dec *d, int64_t *ret)
{
        uint64_t v;
        int r = dec_varint(d, &v);

        if (r < 0)
                return r;
        *ret = (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
        return 0;
}

/* A count of elements that take at least one byte each. */
static int dec_count(struct dec *d, size_t *ret)
{
        uint64_t v;
        int r = dec_varint(d, &v);

        if (r < 0)
                return r;
        if (v > dec_left(d))
                return -EBADMSG;
        *ret = (size_t) v;
        return 0;
}

static int dec_strn(struct dec *d, uint64_t len, char **ret)
{
        char *s;

        if (len > dec_left(d) || memchr(d->p, '\0', (size_t) len))
                return -EBADMSG;
        s = owmi_malloc((size_t) len + 1);
        if (!s)
                return -ENOMEM;
        memcpy(s, d->p, (size_t) len);
        s[len] = '\0';
        d->p += len;
        *ret = s;
        return 0;
}

static int dec_str(struct dec *d, char **ret)
{
        uint64_t len;
        int r = dec_varint(d, &len);

        return r < 0 ? r : dec_strn(d, len, ret);
}

static int dec_ostr(struct dec *d, char **ret)
{
        uint64_t len;
        int r = dec_varint(d, &len);

        if (r < 0)
                return r;
        if (len == 0) {
                *ret = NULL;
                return 0;
        }
        return dec_strn(d, len - 1, ret);
}

static int dec_type(struct dec *d, cim_type *ret)
{
        uint8_t t;
        int r = dec_u8(d, &t);

        if (r < 0)
                return r;
        if (!type_is_valid(t))
                return -EBADMSG;
        *ret = (cim_type) t;
        return 0;
}

static int dec_flags(struct dec *d, uint8_t allowed, uint8_t *ret)
{
        int r = dec_u8(d, ret);

        if (r < 0)
                return r;
        return (*ret & ~allowed) ? -EBADMSG : 0;
}

static int dec_object(struct dec *d, struct cim_object **ret);

static int dec_datetime(struct dec *d, struct cim_datetime *ret)
{
        struct cim_datetime dt = { 0 };
        uint64_t year, usec;
        int64_t offset;
        int r;

        if (dec_left(d) < 8)
                return -EBADMSG;
        if (d->p[0] > 1)
                return -EBADMSG;
        dt.interval = d->p[0] == 1;
        dt.wildcards = d->p[1];
        dt.usec_digits = d->p[2];
        dt.month = d->p[3];
        dt.day = d->p[4];
        dt.hour = d->p[5];
        dt.minute = d->p[6];
        dt.second = d->p[7];
        d->p += 8;
        r = dec_varint(d, &year);
        if (r >= 0)
                r = dec_varint(d, &usec);
        if (r >= 0)
                r = dec_zigzag(d, &offset);
        if (r < 0)
                return r;
        if (year > 99999999u || usec > 999999u || offset < -999 || offset > 999)
                return -EBADMSG;
        dt.year = (uint32_t) year;
        dt.microsecond = (uint32_t) usec;
        dt.utc_offset = (int16_t) offset;
        if (!datetime_fits(&dt))
                return -EBADMSG;
        *ret = dt;
        return 0;
}

/* v is a NULL of type on entry; filled and made non-NULL on success, left
 * NULL (owning nothing) on failure. */
static int dec_scalar(struct dec *d, cim_type type, struct cim_value *v)
{
        uint64_t u;
        int64_t s;
        uint8_t b;
        int r;

        switch (type) {
        case CIM_TYPE_BOOLEAN:
                r = dec_u8(d, &b);
                if (r < 0)
                        return r;
                if (b > 1)
                        return -EBADMSG;
                v->v.boolean = b == 1;
                break;
        case CIM_TYPE_UINT8: case CIM_TYPE_UINT16: case CIM_TYPE_UINT32: case CIM_TYPE_UINT64:
                r = dec_varint(d, &u);
                if (r < 0)
                        return r;
                if (!uint_fits(type, u))
                        return -EBADMSG;
                v->v.u64 = u;
                break;
        case CIM_TYPE_SINT8: case CIM_TYPE_SINT16: case CIM_TYPE_SINT32: case CIM_TYPE_SINT64:
                r = dec_zigzag(d, &s);
                if (r < 0)
                        return r;
                if (!sint_fits(type, s))
                        return -EBADMSG;
                v->v.s64 = s;
                break;
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64:
                if (dec_left(d) < 8)
                        return -EBADMSG;
                u = 0;
                for (unsigned i = 0; i < 8; i++)
                        u |= (uint64_t) d->p[i] << (8 * i);
                d->p += 8;
                memcpy(&v->v.real, &u, sizeof(u));
                break;
        case CIM_TYPE_CHAR16:
                r = dec_varint(d, &u);
                if (r < 0)
                        return r;
                if (u > UINT16_MAX)
                        return -EBADMSG;
                v->v.char16 = (uint16_t) u;
                break;
        case CIM_TYPE_STRING: case CIM_TYPE_REFERENCE:
                r = dec_str(d, &v->v.string);
                if (r < 0)
                        return r;
                break;
        case CIM_TYPE_DATETIME:
                r = dec_datetime(d, &v->v.datetime);
                if (r < 0)
                        return r;
                break;
        case CIM_TYPE_OBJECT:
                r = dec_object(d, &v->v.object);
                if (r < 0)
                        return r;
                break;
        default:
                return -EBADMSG;
        }
        v->is_null = false;
        return 0;
}

/* *ret is written on success only. */
static int dec_value(struct dec *d, struct cim_value *ret)
{
        struct cim_value v;
        cim_type type;
        uint8_t flags;
        size_t count;
        int r;

        r = dec_type(d, &type);
        if (r >= 0)
                r = dec_flags(d, VALUE_F_ARRAY | VALUE_F_NULL | VALUE_F_ITEM_NULLS, &flags);
        if (r < 0)
                return r;
        cim_value_init_null(&v, type, flags & VALUE_F_ARRAY);
        if (flags & VALUE_F_NULL) {
                if (flags & VALUE_F_ITEM_NULLS)
                        return -EBADMSG;
                *ret = v;
                return 0;
        }
        if (type == CIM_TYPE_NONE)
                return -EBADMSG;
        if (!(flags & VALUE_F_ARRAY)) {
                if (flags & VALUE_F_ITEM_NULLS)
                        return -EBADMSG;
                r = dec_scalar(d, type, &v);
                if (r < 0)
                        return r;
                *ret = v;
                return 0;
        }
        r = dec_count(d, &count);
        if (r < 0)
                return r;
        if (count > UINT32_MAX)
                return -EBADMSG;
        v.is_null = false;
        if (count > 0) {
                v.v.items = owmi_calloc(count, sizeof(*v.v.items));
                if (!v.v.items)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < count; i++) {
                struct cim_value *item = &v.v.items[i];
                uint8_t marker = 0;

                cim_value_init_null(item, type, false);
                v.count = (uint32_t) i + 1;
                if (flags & VALUE_F_ITEM_NULLS) {
                        r = dec_u8(d, &marker);
                        if (r >= 0 && marker > 1)
                                r = -EBADMSG;
                        if (r < 0)
                                goto fail;
                        if (marker)
                                continue;
                }
                r = dec_scalar(d, type, item);
                if (r < 0)
                        goto fail;
        }
        *ret = v;
        return 0;
fail:
        cim_value_clear(&v);
        return r;
}

/* Decodes into *list, which must be empty; on failure *list holds the
 * qualifiers decoded so far (the caller releases it). */
static int dec_qualifiers(struct dec *d, struct cim_qualifier_list *list)
{
        size_t count;
        int r = dec_count(d, &count);

        if (r < 0)
                return r;
        if (count == 0)
                return 0;
        list->items = owmi_calloc(count, sizeof(*list->items));
        if (!list->items)
                return -ENOMEM;
        list->alloc = count;
        for (size_t i = 0; i < count; i++) {
                struct cim_qualifier q = { 0 };
                uint8_t flags;

                r = dec_str(d, &q.name);
                if (r >= 0)
                        r = dec_u32(d, &q.flavor);
                if (r >= 0)
                        r = dec_flags(d, QUAL_F_PROPAGATED, &flags);
                if (r >= 0)
                        r = dec_value(d, &q.value);
                if (r < 0) {
                        owmi_free(q.name);
                        return r;
                }
                q.propagated = flags & QUAL_F_PROPAGATED;
                list->items[list->count++] = q;
        }
        return 0;
}

/* Decodes into *p, which must be zeroed; the caller releases it on failure. */
static int dec_property(struct dec *d, struct cim_property *p)
{
        uint8_t flags;
        int r;

        cim_value_init_null(&p->value, CIM_TYPE_NONE, false);
        r = dec_str(d, &p->name);
        if (r >= 0)
                r = dec_type(d, &p->type);
        if (r >= 0)
                r = dec_flags(d, MEMBER_F_ARRAY | MEMBER_F_PROPAGATED, &flags);
        if (r >= 0)
                r = dec_u32(d, &p->array_size);
        if (r >= 0)
                r = dec_ostr(d, &p->ref_class);
        if (r >= 0)
                r = dec_ostr(d, &p->class_origin);
        if (r >= 0)
                r = dec_value(d, &p->value);
        if (r >= 0)
                r = dec_qualifiers(d, &p->qualifiers);
        if (r < 0)
                return r;
        p->is_array = flags & MEMBER_F_ARRAY;
        p->propagated = flags & MEMBER_F_PROPAGATED;
        return 0;
}

/* Decodes into *m, which must be zeroed; the caller releases it on failure. */
static int dec_method(struct dec *d, struct cim_method *m)
{
        uint8_t flags;
        size_t count;
        int r;

        r = dec_str(d, &m->name);
        if (r >= 0)
                r = dec_type(d, &m->return_type);
        if (r >= 0)
                r = dec_flags(d, MEMBER_F_ARRAY | MEMBER_F_PROPAGATED, &flags);
        if (r >= 0)
                r = dec_ostr(d, &m->return_ref_class);
        if (r >= 0)
                r = dec_ostr(d, &m->class_origin);
        if (r >= 0)
                r = dec_qualifiers(d, &m->qualifiers);
        if (r >= 0)
                r = dec_count(d, &count);
        if (r < 0)
                return r;
        m->return_is_array = flags & MEMBER_F_ARRAY;
        m->propagated = flags & MEMBER_F_PROPAGATED;
        if (count == 0)
                return 0;
        m->params = owmi_calloc(count, sizeof(*m->params));
        if (!m->params)
                return -ENOMEM;
        m->param_alloc = count;
        for (size_t i = 0; i < count; i++) {
                m->param_count = i + 1;
                r = dec_property(d, &m->params[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int dec_object_body(struct dec *d, struct cim_object *obj)
{
        uint8_t genus;
        size_t count;
        int r;

        r = dec_u8(d, &genus);
        if (r < 0)
                return r;
        if (genus != CIM_GENUS_CLASS && genus != CIM_GENUS_INSTANCE)
                return -EBADMSG;
        obj->genus = genus;
        r = dec_str(d, &obj->class_name);
        if (r >= 0)
                r = dec_ostr(d, &obj->superclass);
        if (r >= 0)
                r = dec_count(d, &count);
        if (r < 0)
                return r;
        if (count > 0) {
                obj->derivation = owmi_calloc(count, sizeof(char *));
                if (!obj->derivation)
                        return -ENOMEM;
                for (size_t i = 0; i < count; i++) {
                        r = dec_str(d, &obj->derivation[i]);
                        if (r < 0)
                                return r;
                        obj->derivation_count++;
                }
        }
        r = dec_ostr(d, &obj->namespace);
        if (r >= 0)
                r = dec_ostr(d, &obj->server);
        if (r >= 0)
                r = dec_qualifiers(d, &obj->qualifiers);
        if (r >= 0)
                r = dec_count(d, &count);
        if (r < 0)
                return r;
        if (count > 0) {
                obj->props = owmi_calloc(count, sizeof(*obj->props));
                if (!obj->props)
                        return -ENOMEM;
                obj->prop_alloc = count;
                for (size_t i = 0; i < count; i++) {
                        obj->prop_count = i + 1;
                        r = dec_property(d, &obj->props[i]);
                        if (r < 0)
                                return r;
                }
        }
        r = dec_count(d, &count);
        if (r < 0)
                return r;
        if (count > 0) {
                obj->methods = owmi_calloc(count, sizeof(*obj->methods));
                if (!obj->methods)
                        return -ENOMEM;
                obj->method_alloc = count;
                for (size_t i = 0; i < count; i++) {
                        obj->method_count = i + 1;
                        r = dec_method(d, &obj->methods[i]);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int dec_object(struct dec *d, struct cim_object **ret)
{
        struct cim_object *obj;
        int r;

        if (d->depth >= SERIALIZE_MAX_DEPTH)
                return -EBADMSG;
        obj = owmi_calloc(1, sizeof(*obj));
        if (!obj)
                return -ENOMEM;
        d->depth++;
        r = dec_object_body(d, obj);
        d->depth--;
        if (r < 0) {
                cim_object_free(obj);
                return r;
        }
        *ret = obj;
        return 0;
}

static int dec_header(struct dec *d, uint8_t kind)
{
        if (dec_left(d) < 2 || d->p[0] != CIM_SERIALIZE_VERSION || d->p[1] != kind)
                return -EBADMSG;
        d->p += 2;
        return 0;
}

int cim_object_decode(const void *data, size_t len, struct cim_object **ret)
{
        struct dec d = { .p = data, .end = data ? (const uint8_t *) data + len : NULL };
        struct cim_object *obj;
        int r;

        if (!data && len)
                return -EINVAL;
        r = dec_header(&d, SERIALIZE_KIND_OBJECT);
        if (r >= 0)
                r = dec_object(&d, &obj);
        if (r < 0)
                return r;
        if (d.p != d.end) {
                cim_object_free(obj);
                return -EBADMSG;
        }
        *ret = obj;
        return 0;
}

int cim_qualifier_decl_decode(const void *data, size_t len, struct cim_qualifier_decl *ret)
{
        struct dec d = { .p = data, .end = data ? (const uint8_t *) data + len : NULL };
        struct cim_qualifier_decl decl = { 0 };
        uint8_t flags;
        int r;

        if (!data && len)
                return -EINVAL;
        cim_value_init_null(&decl.default_value, CIM_TYPE_NONE, false);
        r = dec_header(&d, SERIALIZE_KIND_QUALIFIER_DECL);
        if (r >= 0)
                r = dec_str(&d, &decl.name);
        if (r >= 0)
                r = dec_type(&d, &decl.type);
        if (r >= 0)
                r = dec_flags(&d, MEMBER_F_ARRAY, &flags);
        if (r >= 0)
                r = dec_u32(&d, &decl.array_size);
        if (r >= 0)
                r = dec_u32(&d, &decl.scope);
        if (r >= 0)
                r = dec_u32(&d, &decl.flavor);
        if (r >= 0)
                r = dec_value(&d, &decl.default_value);
        if (r >= 0 && d.p != d.end)
                r = -EBADMSG;
        if (r < 0) {
                cim_qualifier_decl_release(&decl);
                return r;
        }
        decl.is_array = flags & MEMBER_F_ARRAY;
        *ret = decl;
        return 0;
}
