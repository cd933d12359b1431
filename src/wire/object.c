/* SPDX-License-Identifier: MIT */
/*
 * object.c: CIM objects <-> CBOR.  The layout (docs/PROTOCOL.md):
 *
 *   object   = [genus, class, superclass / null, [derivation...],
 *               namespace / null, server / null, quals, [property...], [method...]]
 *   quals    = [[name, flavor, propagated, value]...]
 *   property = [name, type, flags, array_size, ref_class / null,
 *               class_origin / null, value, quals]      flags: 1 array, 2 propagated
 *   method   = [name, return_type, flags, return_ref_class / null,
 *               class_origin / null, quals, [property...]]
 *   value    = [type, is_array, null / scalar / [scalar / null...]]
 *   scalar   = bool | integer | float (real32, real64) | uint (char16)
 *            | text (string, reference, datetime in its 25-character form)
 *            | object
 *
 * Types are src/cim/value.h's cim_type numbers.
 *
 * In a list of results (one message), an instance that repeats the
 * members of an earlier one may be sent as its values alone:
 *
 *   shaped   = [shape, [payload...]]    shape: the index of an earlier
 *              instance sent whole in the same message (the first 16 are
 *              numbered 0, 1, ...); one payload per property, each null,
 *              a scalar or an array of the property's type
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "cim/datetime.h"
#include "wire/object.h"

#define MEMBER_ARRAY 0x01u
#define MEMBER_PROPAGATED 0x02u

/* Strings inside one frame: the frame bounds them. */
#define TEXT_MAX ((size_t) 64 << 20)

/* ---- writer ----------------------------------------------------------- */

static int put_object(struct strbuf *out, const struct cim_object *obj, unsigned depth);

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

static int put_scalar(struct strbuf *out, cim_type type, const struct cim_value *v, unsigned depth)
{
        char text[CIM_DATETIME_LEN + 1];

        switch (type) {
        case CIM_TYPE_BOOLEAN:
                wcbor_put_bool(out, v->v.boolean);
                return 0;
        case CIM_TYPE_UINT8: case CIM_TYPE_UINT16: case CIM_TYPE_UINT32: case CIM_TYPE_UINT64:
                wcbor_put_uint(out, v->v.u64);
                return 0;
        case CIM_TYPE_SINT8: case CIM_TYPE_SINT16: case CIM_TYPE_SINT32: case CIM_TYPE_SINT64:
                wcbor_put_int(out, v->v.s64);
                return 0;
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64:
                wcbor_put_double(out, v->v.real);
                return 0;
        case CIM_TYPE_CHAR16:
                wcbor_put_uint(out, v->v.char16);
                return 0;
        case CIM_TYPE_STRING: case CIM_TYPE_REFERENCE:
                wcbor_put_text(out, v->v.string);
                return 0;
        case CIM_TYPE_DATETIME:
                cim_datetime_format(&v->v.datetime, text);
                wcbor_put_textn(out, text, CIM_DATETIME_LEN);
                return 0;
        case CIM_TYPE_OBJECT:
                return put_object(out, v->v.object, depth + 1);
        default:
                return -EINVAL;
        }
}

static int put_payload(struct strbuf *out, const struct cim_value *v, unsigned depth);

static int put_value(struct strbuf *out, const struct cim_value *v, unsigned depth)
{
        if ((unsigned) v->type >= _CIM_TYPE_MAX)
                return -EINVAL;
        wcbor_put_array(out, 3);
        wcbor_put_uint(out, (uint64_t) v->type);
        wcbor_put_bool(out, v->is_array);
        return put_payload(out, v, depth);
}

/* null, a scalar, or the array of scalars and nulls */
static int put_payload(struct strbuf *out, const struct cim_value *v, unsigned depth)
{
        int r = 0;

        if (v->is_array ? v->is_null || v->type == CIM_TYPE_NONE : scalar_is_empty(v, v->type)) {
                wcbor_put_null(out);
                return 0;
        }
        if (!v->is_array)
                return put_scalar(out, v->type, v, depth);
        wcbor_put_array(out, v->count);
        for (uint32_t i = 0; r >= 0 && i < v->count; i++) {
                if (scalar_is_empty(&v->v.items[i], v->type))
                        wcbor_put_null(out);
                else
                        r = put_scalar(out, v->type, &v->v.items[i], depth);
        }
        return r;
}

static int put_qualifiers(struct strbuf *out, const struct cim_qualifier_list *list, unsigned depth)
{
        int r = 0;

        wcbor_put_array(out, list->count);
        for (size_t i = 0; r >= 0 && i < list->count; i++) {
                const struct cim_qualifier *q = &list->items[i];

                wcbor_put_array(out, 4);
                wcbor_put_text(out, q->name);
                wcbor_put_uint(out, q->flavor);
                wcbor_put_bool(out, q->propagated);
                r = put_value(out, &q->value, depth);
        }
        return r;
}

static int put_property(struct strbuf *out, const struct cim_property *p, unsigned depth)
{
        int r;

        if ((unsigned) p->type >= _CIM_TYPE_MAX || !p->name)
                return -EINVAL;
        wcbor_put_array(out, 8);
        wcbor_put_text(out, p->name);
        wcbor_put_uint(out, (uint64_t) p->type);
        wcbor_put_uint(out, (p->is_array ? MEMBER_ARRAY : 0) | (p->propagated ? MEMBER_PROPAGATED : 0));
        wcbor_put_uint(out, p->array_size);
        wcbor_put_text(out, p->ref_class);
        wcbor_put_text(out, p->class_origin);
        r = put_value(out, &p->value, depth);
        if (r >= 0)
                r = put_qualifiers(out, &p->qualifiers, depth);
        return r;
}

static int put_method(struct strbuf *out, const struct cim_method *m, unsigned depth)
{
        int r;

        if ((unsigned) m->return_type >= _CIM_TYPE_MAX || !m->name)
                return -EINVAL;
        wcbor_put_array(out, 7);
        wcbor_put_text(out, m->name);
        wcbor_put_uint(out, (uint64_t) m->return_type);
        wcbor_put_uint(out, (m->return_is_array ? MEMBER_ARRAY : 0) |
                            (m->propagated ? MEMBER_PROPAGATED : 0));
        wcbor_put_text(out, m->return_ref_class);
        wcbor_put_text(out, m->class_origin);
        r = put_qualifiers(out, &m->qualifiers, depth);
        if (r < 0)
                return r;
        wcbor_put_array(out, m->param_count);
        for (size_t i = 0; r >= 0 && i < m->param_count; i++)
                r = put_property(out, &m->params[i], depth);
        return r;
}

static int put_object(struct strbuf *out, const struct cim_object *obj, unsigned depth)
{
        int r;

        if ((obj->genus != CIM_GENUS_CLASS && obj->genus != CIM_GENUS_INSTANCE) || !obj->class_name)
                return -EINVAL;
        /* also what stops a cycle of embedded objects */
        if (depth >= WIRE_MAX_DEPTH)
                return -ELOOP;
        wcbor_put_array(out, 9);
        wcbor_put_uint(out, (uint64_t) obj->genus);
        wcbor_put_text(out, obj->class_name);
        wcbor_put_text(out, obj->superclass);
        wcbor_put_array(out, obj->derivation_count);
        for (size_t i = 0; i < obj->derivation_count; i++)
                wcbor_put_text(out, obj->derivation[i]);
        wcbor_put_text(out, obj->namespace);
        wcbor_put_text(out, obj->server);
        r = put_qualifiers(out, &obj->qualifiers, depth);
        if (r < 0)
                return r;
        wcbor_put_array(out, obj->prop_count);
        for (size_t i = 0; r >= 0 && i < obj->prop_count; i++)
                r = put_property(out, &obj->props[i], depth);
        if (r < 0)
                return r;
        wcbor_put_array(out, obj->method_count);
        for (size_t i = 0; r >= 0 && i < obj->method_count; i++)
                r = put_method(out, &obj->methods[i], depth);
        return r;
}

int wire_put_object(struct strbuf *out, const struct cim_object *obj)
{
        int r = put_object(out, obj, 0);

        if (r >= 0 && strbuf_error(out) < 0)
                r = -ENOMEM;
        return r;
}

/* ---- reader ----------------------------------------------------------- */

static int get_object(struct wcbor_reader *r, unsigned depth, struct cim_object **ret);

static int get_type(struct wcbor_reader *r, cim_type *ret)
{
        uint64_t t;
        int rr = wcbor_get_uint(r, &t);

        if (rr < 0)
                return rr;
        if (t >= _CIM_TYPE_MAX)
                return -EBADMSG;
        *ret = (cim_type) t;
        return 0;
}

static int get_flags(struct wcbor_reader *r, unsigned allowed, unsigned *ret)
{
        uint64_t f;
        int rr = wcbor_get_uint(r, &f);

        if (rr < 0)
                return rr;
        if (f & ~(uint64_t) allowed)
                return -EBADMSG;
        *ret = (unsigned) f;
        return 0;
}

static int get_u32(struct wcbor_reader *r, uint32_t *ret)
{
        uint64_t v;
        int rr = wcbor_get_uint(r, &v);

        if (rr < 0)
                return rr;
        if (v > UINT32_MAX)
                return -EBADMSG;
        *ret = (uint32_t) v;
        return 0;
}

static int expect_array(struct wcbor_reader *r, size_t n)
{
        size_t count;
        int rr = wcbor_get_array(r, n, &count);

        if (rr < 0)
                return rr;
        return count == n ? 0 : -EBADMSG;
}

/* v is a NULL of type on entry; made non-NULL on success, owning nothing
 * on failure. */
static int get_scalar(struct wcbor_reader *r, cim_type type, unsigned depth, struct cim_value *v)
{
        struct wcbor_item it;
        int64_t lo;
        uint64_t hi;
        int rr;

        if (type == CIM_TYPE_OBJECT) {
                rr = get_object(r, depth + 1, &v->v.object);
                if (rr < 0)
                        return rr;
                v->is_null = false;
                return 0;
        }
        if (type == CIM_TYPE_STRING || type == CIM_TYPE_REFERENCE) {
                rr = wcbor_get_text(r, TEXT_MAX, &v->v.string);
                if (rr < 0)
                        return rr;
                v->is_null = false;
                return 0;
        }
        rr = wcbor_next(r, &it);
        if (rr < 0)
                return rr;
        switch (type) {
        case CIM_TYPE_BOOLEAN:
                if (it.kind != WCBOR_BOOL)
                        return -EBADMSG;
                v->v.boolean = it.b;
                break;
        case CIM_TYPE_UINT8: case CIM_TYPE_UINT16: case CIM_TYPE_UINT32: case CIM_TYPE_UINT64:
                cim_type_range(type, &lo, &hi);
                if (it.kind != WCBOR_UINT || it.u > hi)
                        return -EBADMSG;
                v->v.u64 = it.u;
                break;
        case CIM_TYPE_SINT8: case CIM_TYPE_SINT16: case CIM_TYPE_SINT32: case CIM_TYPE_SINT64:
                cim_type_range(type, &lo, &hi);
                if (it.kind == WCBOR_UINT && it.u <= hi)
                        v->v.s64 = (int64_t) it.u;
                else if (it.kind == WCBOR_NEGINT && it.u <= (uint64_t) -(lo + 1))
                        v->v.s64 = -1 - (int64_t) it.u;
                else
                        return -EBADMSG;
                break;
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64:
                if (it.kind != WCBOR_FLOAT)
                        return -EBADMSG;
                v->v.real = it.d;
                break;
        case CIM_TYPE_CHAR16:
                if (it.kind != WCBOR_UINT || it.u > UINT16_MAX)
                        return -EBADMSG;
                v->v.char16 = (uint16_t) it.u;
                break;
        case CIM_TYPE_DATETIME:
                if (it.kind != WCBOR_TEXT ||
                    cim_datetime_parse(it.data, it.len, &v->v.datetime, NULL) < 0)
                        return -EBADMSG;
                break;
        default:
                return -EBADMSG;
        }
        v->is_null = false;
        return 0;
}

static int get_payload(struct wcbor_reader *r, cim_type type, bool is_array, unsigned depth,
                       struct cim_value *ret);

/* *ret is written on success only. */
static int get_value(struct wcbor_reader *r, unsigned depth, struct cim_value *ret)
{
        cim_type type;
        bool is_array;
        int rr;

        rr = expect_array(r, 3);
        if (rr >= 0)
                rr = get_type(r, &type);
        if (rr >= 0)
                rr = wcbor_get_bool(r, &is_array);
        if (rr < 0)
                return rr;
        return get_payload(r, type, is_array, depth, ret);
}

/* A value of a known type; *ret is written on success only. */
static int get_payload(struct wcbor_reader *r, cim_type type, bool is_array, unsigned depth,
                       struct cim_value *ret)
{
        struct cim_value v;
        size_t count;
        int rr;

        cim_value_init_null(&v, type, is_array);
        if (wcbor_take_null(r)) {
                *ret = v;
                return 0;
        }
        if (type == CIM_TYPE_NONE)
                return -EBADMSG;
        if (!is_array) {
                rr = get_scalar(r, type, depth, &v);
                if (rr < 0)
                        return rr;
                *ret = v;
                return 0;
        }
        rr = wcbor_get_array(r, UINT32_MAX, &count);
        if (rr < 0)
                return rr;
        v.is_null = false;
        if (count > 0) {
                v.v.items = owmi_calloc(count, sizeof(*v.v.items));
                if (!v.v.items)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < count; i++) {
                struct cim_value *item = &v.v.items[i];

                cim_value_init_null(item, type, false);
                v.count = (uint32_t) i + 1;
                if (wcbor_take_null(r))
                        continue;
                rr = get_scalar(r, type, depth, item);
                if (rr < 0) {
                        cim_value_clear(&v);
                        return rr;
                }
        }
        *ret = v;
        return 0;
}

/* Into *list, which must be empty; on failure it holds what was read
 * (the caller releases it). */
static int get_qualifiers(struct wcbor_reader *r, unsigned depth, struct cim_qualifier_list *list)
{
        size_t count;
        int rr = wcbor_get_array(r, SIZE_MAX, &count);

        if (rr < 0 || count == 0)
                return rr;
        list->items = owmi_calloc(count, sizeof(*list->items));
        if (!list->items)
                return -ENOMEM;
        list->alloc = count;
        for (size_t i = 0; i < count; i++) {
                struct cim_qualifier q = { 0 };

                rr = expect_array(r, 4);
                if (rr >= 0)
                        rr = wcbor_get_text(r, WIRE_NAME_MAX, &q.name);
                if (rr >= 0)
                        rr = get_u32(r, &q.flavor);
                if (rr >= 0)
                        rr = wcbor_get_bool(r, &q.propagated);
                if (rr >= 0)
                        rr = get_value(r, depth, &q.value);
                if (rr < 0) {
                        owmi_free(q.name);
                        return rr;
                }
                list->items[list->count++] = q;
        }
        return 0;
}

/* Into *p, zeroed; the caller releases it on failure. */
static int get_property(struct wcbor_reader *r, unsigned depth, struct cim_property *p)
{
        unsigned flags = 0;
        int rr;

        cim_value_init_null(&p->value, CIM_TYPE_NONE, false);
        rr = expect_array(r, 8);
        if (rr >= 0)
                rr = wcbor_get_text(r, WIRE_NAME_MAX, &p->name);
        if (rr >= 0)
                rr = get_type(r, &p->type);
        if (rr >= 0)
                rr = get_flags(r, MEMBER_ARRAY | MEMBER_PROPAGATED, &flags);
        if (rr >= 0)
                rr = get_u32(r, &p->array_size);
        if (rr >= 0)
                rr = wcbor_get_text_or_null(r, WIRE_NAME_MAX, &p->ref_class);
        if (rr >= 0)
                rr = wcbor_get_text_or_null(r, WIRE_NAME_MAX, &p->class_origin);
        if (rr >= 0)
                rr = get_value(r, depth, &p->value);
        if (rr >= 0)
                rr = get_qualifiers(r, depth, &p->qualifiers);
        p->is_array = flags & MEMBER_ARRAY;
        p->propagated = flags & MEMBER_PROPAGATED;
        return rr;
}

/* Into *m, zeroed; the caller releases it on failure. */
static int get_method(struct wcbor_reader *r, unsigned depth, struct cim_method *m)
{
        unsigned flags = 0;
        size_t count;
        int rr;

        rr = expect_array(r, 7);
        if (rr >= 0)
                rr = wcbor_get_text(r, WIRE_NAME_MAX, &m->name);
        if (rr >= 0)
                rr = get_type(r, &m->return_type);
        if (rr >= 0)
                rr = get_flags(r, MEMBER_ARRAY | MEMBER_PROPAGATED, &flags);
        if (rr >= 0)
                rr = wcbor_get_text_or_null(r, WIRE_NAME_MAX, &m->return_ref_class);
        if (rr >= 0)
                rr = wcbor_get_text_or_null(r, WIRE_NAME_MAX, &m->class_origin);
        if (rr >= 0)
                rr = get_qualifiers(r, depth, &m->qualifiers);
        if (rr >= 0)
                rr = wcbor_get_array(r, SIZE_MAX, &count);
        if (rr < 0)
                return rr;
        m->return_is_array = flags & MEMBER_ARRAY;
        m->propagated = flags & MEMBER_PROPAGATED;
        if (count == 0)
                return 0;
        m->params = owmi_calloc(count, sizeof(*m->params));
        if (!m->params)
                return -ENOMEM;
        m->param_alloc = count;
        for (size_t i = 0; i < count; i++) {
                m->param_count = i + 1;
                rr = get_property(r, depth, &m->params[i]);
                if (rr < 0)
                        return rr;
        }
        return 0;
}

static int get_object_body(struct wcbor_reader *r, unsigned depth, struct cim_object *obj)
{
        uint64_t genus;
        size_t count;
        int rr;

        rr = expect_array(r, 9);
        if (rr >= 0)
                rr = wcbor_get_uint(r, &genus);
        if (rr < 0)
                return rr;
        if (genus != CIM_GENUS_CLASS && genus != CIM_GENUS_INSTANCE)
                return -EBADMSG;
        obj->genus = (enum cim_genus) genus;
        rr = wcbor_get_text(r, WIRE_NAME_MAX, &obj->class_name);
        if (rr >= 0)
                rr = wcbor_get_text_or_null(r, WIRE_NAME_MAX, &obj->superclass);
        if (rr >= 0)
                rr = wcbor_get_array(r, SIZE_MAX, &count);
        if (rr < 0)
                return rr;
        if (count > 0) {
                obj->derivation = owmi_calloc(count, sizeof(char *));
                if (!obj->derivation)
                        return -ENOMEM;
                for (size_t i = 0; i < count; i++) {
                        rr = wcbor_get_text(r, WIRE_NAME_MAX, &obj->derivation[i]);
                        if (rr < 0)
                                return rr;
                        obj->derivation_count++;
                }
        }
        rr = wcbor_get_text_or_null(r, WIRE_NAME_MAX, &obj->namespace);
        if (rr >= 0)
                rr = wcbor_get_text_or_null(r, WIRE_NAME_MAX, &obj->server);
        if (rr >= 0)
                rr = get_qualifiers(r, depth, &obj->qualifiers);
        if (rr >= 0)
                rr = wcbor_get_array(r, SIZE_MAX, &count);
        if (rr < 0)
                return rr;
        if (count > 0) {
                obj->props = owmi_calloc(count, sizeof(*obj->props));
                if (!obj->props)
                        return -ENOMEM;
                obj->prop_alloc = count;
                for (size_t i = 0; i < count; i++) {
                        obj->prop_count = i + 1;
                        rr = get_property(r, depth, &obj->props[i]);
                        if (rr < 0)
                                return rr;
                }
        }
        rr = wcbor_get_array(r, SIZE_MAX, &count);
        if (rr < 0)
                return rr;
        if (count > 0) {
                obj->methods = owmi_calloc(count, sizeof(*obj->methods));
                if (!obj->methods)
                        return -ENOMEM;
                obj->method_alloc = count;
                for (size_t i = 0; i < count; i++) {
                        obj->method_count = i + 1;
                        rr = get_method(r, depth, &obj->methods[i]);
                        if (rr < 0)
                                return rr;
                }
        }
        return 0;
}

static int get_object(struct wcbor_reader *r, unsigned depth, struct cim_object **ret)
{
        struct cim_object *obj;
        int rr;

        if (depth >= WIRE_MAX_DEPTH)
                return -EBADMSG;
        obj = owmi_calloc(1, sizeof(*obj));
        if (!obj)
                return -ENOMEM;
        rr = get_object_body(r, depth, obj);
        if (rr < 0) {
                cim_object_free(obj);
                return rr;
        }
        *ret = obj;
        return 0;
}

int wire_get_object(struct wcbor_reader *r, struct cim_object **ret)
{
        return get_object(r, 0, ret);
}

/* ---- shapes -------------------------------------------------------------------- */

void wire_shapes_reset(struct wire_shapes *shapes)
{
        for (size_t i = 0; i < shapes->count; i++)
                cim_object_free(shapes->protos[i]);
        shapes->count = 0;
}

static bool text_equal(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

static bool qualifiers_equal(const struct cim_qualifier_list *a, const struct cim_qualifier_list *b)
{
        if (a->count != b->count)
                return false;
        for (size_t i = 0; i < a->count; i++) {
                const struct cim_qualifier *x = &a->items[i], *y = &b->items[i];

                if (strcmp(x->name, y->name) != 0 || x->flavor != y->flavor ||
                    x->propagated != y->propagated || x->value.type != y->value.type ||
                    x->value.is_array != y->value.is_array || !cim_value_equal(&x->value, &y->value))
                        return false;
        }
        return true;
}

/* Does obj repeat proto's members (everything but the values)? */
static bool same_layout(const struct cim_object *proto, const struct cim_object *obj)
{
        if (proto->prop_count != obj->prop_count || strcmp(proto->class_name, obj->class_name) != 0 ||
            !text_equal(proto->superclass, obj->superclass) ||
            !text_equal(proto->namespace, obj->namespace) || !text_equal(proto->server, obj->server) ||
            proto->derivation_count != obj->derivation_count || obj->method_count)
                return false;
        for (size_t i = 0; i < proto->derivation_count; i++)
                if (strcmp(proto->derivation[i], obj->derivation[i]) != 0)
                        return false;
        if (!qualifiers_equal(&proto->qualifiers, &obj->qualifiers))
                return false;
        for (size_t i = 0; i < proto->prop_count; i++) {
                const struct cim_property *a = &proto->props[i], *b = &obj->props[i];

                if (a->type != b->type || a->is_array != b->is_array || a->array_size != b->array_size ||
                    a->propagated != b->propagated || strcmp(a->name, b->name) != 0 ||
                    !text_equal(a->ref_class, b->ref_class) ||
                    !text_equal(a->class_origin, b->class_origin) ||
                    !qualifiers_equal(&a->qualifiers, &b->qualifiers))
                        return false;
        }
        return true;
}

/* Every value is NULL or of its property's type: sent as bare payloads. */
static bool values_fit(const struct cim_object *obj)
{
        for (size_t i = 0; i < obj->prop_count; i++) {
                const struct cim_property *p = &obj->props[i];
                const struct cim_value *v = &p->value;
                bool empty = v->is_array ? v->is_null || v->type == CIM_TYPE_NONE
                                         : scalar_is_empty(v, v->type);

                if (!empty && (v->type != p->type || v->is_array != p->is_array))
                        return false;
        }
        return true;
}

/* The layout of inst, its values NULL: what shaped instances are made from. */
static struct cim_object *make_proto(const struct cim_object *inst)
{
        struct cim_object *proto = cim_object_compact(inst);

        if (!proto)
                return NULL;
        for (size_t i = 0; i < proto->prop_count; i++)
                cim_value_clear(&proto->props[i].value);
        return proto;
}

int wire_put_item(struct strbuf *out, const struct cim_object *obj, struct wire_shapes *shapes)
{
        int r;

        if (obj->genus == CIM_GENUS_INSTANCE && values_fit(obj)) {
                for (size_t s = 0; s < shapes->count; s++) {
                        if (!same_layout(shapes->protos[s], obj))
                                continue;
                        wcbor_put_array(out, 2);
                        wcbor_put_uint(out, s);
                        wcbor_put_array(out, obj->prop_count);
                        r = 0;
                        for (size_t i = 0; r >= 0 && i < obj->prop_count; i++)
                                r = put_payload(out, &obj->props[i].value, 0);
                        return r;
                }
        }
        r = put_object(out, obj, 0);
        if (r >= 0 && obj->genus == CIM_GENUS_INSTANCE && shapes->count < WIRE_MAX_SHAPES) {
                shapes->protos[shapes->count] = make_proto(obj);
                if (!shapes->protos[shapes->count])
                        return -ENOMEM;
                shapes->count++;
        }
        return r;
}

int wire_get_item(struct wcbor_reader *r, struct wire_shapes *shapes, struct cim_object **ret)
{
        struct wcbor_reader peek = *r;
        struct wcbor_item head;
        struct cim_object *obj;
        uint64_t index;
        size_t count;
        int rr;

        if (wcbor_next(&peek, &head) < 0 || head.kind != WCBOR_ARRAY)
                return -EBADMSG;
        if (head.u != 2) {
                rr = get_object(r, 0, &obj);
                if (rr < 0)
                        return rr;
                if (obj->genus == CIM_GENUS_INSTANCE && shapes->count < WIRE_MAX_SHAPES) {
                        shapes->protos[shapes->count] = make_proto(obj);
                        if (!shapes->protos[shapes->count]) {
                                cim_object_free(obj);
                                return -ENOMEM;
                        }
                        shapes->count++;
                }
                *ret = obj;
                return 0;
        }
        *r = peek;
        if (wcbor_get_uint(r, &index) < 0 || index >= shapes->count)
                return -EBADMSG;
        if (wcbor_get_array(r, SIZE_MAX, &count) < 0 || count != shapes->protos[index]->prop_count)
                return -EBADMSG;
        obj = cim_object_spawn_like(shapes->protos[index]);
        if (!obj)
                return -ENOMEM;
        for (size_t i = 0; i < count; i++) {
                struct cim_property *p = &obj->props[i];
                struct cim_value v;

                rr = get_payload(r, p->type, p->is_array, 0, &v);
                if (rr < 0) {
                        cim_object_free(obj);
                        return rr;
                }
                cim_value_release(&p->value);
                p->value = v;
        }
        *ret = obj;
        return 0;
}
