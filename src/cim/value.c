/* SPDX-License-Identifier: MIT */
/*
 * value.c: CIM types and typed values (DSP0004 5.2).  Owns type names,
 * value lifetime, equality and the MOF literal form of a value.  Type
 * conversion with range checks lives in object.c (cim_value_convert),
 * beside the rules for setting properties.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/object.h"
#include "cim/objpath.h"
#include "cim/render.h"
#include "cim/value.h"

static const struct {
        const char *name;
        int wmi_code;
} type_table[_CIM_TYPE_MAX] = {
        [CIM_TYPE_NONE] = { NULL, 0 },
        [CIM_TYPE_BOOLEAN] = { "boolean", 11 },
        [CIM_TYPE_UINT8] = { "uint8", 17 },
        [CIM_TYPE_SINT8] = { "sint8", 16 },
        [CIM_TYPE_UINT16] = { "uint16", 18 },
        [CIM_TYPE_SINT16] = { "sint16", 2 },
        [CIM_TYPE_UINT32] = { "uint32", 19 },
        [CIM_TYPE_SINT32] = { "sint32", 3 },
        [CIM_TYPE_UINT64] = { "uint64", 21 },
        [CIM_TYPE_SINT64] = { "sint64", 20 },
        [CIM_TYPE_REAL32] = { "real32", 4 },
        [CIM_TYPE_REAL64] = { "real64", 5 },
        [CIM_TYPE_CHAR16] = { "char16", 103 },
        [CIM_TYPE_STRING] = { "string", 8 },
        [CIM_TYPE_DATETIME] = { "datetime", 101 },
        [CIM_TYPE_REFERENCE] = { "ref", 102 },
        [CIM_TYPE_OBJECT] = { "object", 13 },
};

const char *cim_type_name(cim_type type)
{
        if (type <= CIM_TYPE_NONE || type >= _CIM_TYPE_MAX)
                return NULL;
        return type_table[type].name;
}

cim_type cim_type_from_name(const char *name)
{
        for (int t = CIM_TYPE_BOOLEAN; t <= CIM_TYPE_DATETIME; t++)
                if (owmi_strcasecmp(name, type_table[t].name) == 0)
                        return (cim_type) t;
        return _CIM_TYPE_INVALID;
}

int cim_type_wmi_code(cim_type type)
{
        if (type < 0 || type >= _CIM_TYPE_MAX)
                return 0;
        return type_table[type].wmi_code;
}

bool cim_type_is_integer(cim_type type)
{
        return type >= CIM_TYPE_UINT8 && type <= CIM_TYPE_SINT64;
}

bool cim_type_is_signed(cim_type type)
{
        return type == CIM_TYPE_SINT8 || type == CIM_TYPE_SINT16 || type == CIM_TYPE_SINT32 ||
               type == CIM_TYPE_SINT64;
}

bool cim_type_is_real(cim_type type)
{
        return type == CIM_TYPE_REAL32 || type == CIM_TYPE_REAL64;
}

void cim_type_range(cim_type type, int64_t *ret_min, uint64_t *ret_max)
{
        int64_t min = 0;
        uint64_t max = 0;

        switch (type) {
        case CIM_TYPE_UINT8: max = UINT8_MAX; break;
        case CIM_TYPE_SINT8: min = INT8_MIN; max = INT8_MAX; break;
        case CIM_TYPE_UINT16: max = UINT16_MAX; break;
        case CIM_TYPE_SINT16: min = INT16_MIN; max = INT16_MAX; break;
        case CIM_TYPE_UINT32: max = UINT32_MAX; break;
        case CIM_TYPE_SINT32: min = INT32_MIN; max = INT32_MAX; break;
        case CIM_TYPE_UINT64: max = UINT64_MAX; break;
        case CIM_TYPE_SINT64: min = INT64_MIN; max = INT64_MAX; break;
        default: break;
        }
        *ret_min = min;
        *ret_max = max;
}

void cim_value_init_null(struct cim_value *v, cim_type type, bool is_array)
{
        memset(v, 0, sizeof(*v));
        v->type = type;
        v->is_array = is_array;
        v->is_null = true;
}

static bool type_owns_string(cim_type type)
{
        return type == CIM_TYPE_STRING || type == CIM_TYPE_REFERENCE;
}

void cim_value_clear(struct cim_value *v)
{
        if (!v)
                return;
        if (!v->is_null) {
                if (v->is_array) {
                        for (uint32_t i = 0; i < v->count; i++)
                                cim_value_clear(&v->v.items[i]);
                        owmi_free(v->v.items);
                } else if (type_owns_string(v->type)) {
                        owmi_free(v->v.string);
                } else if (v->type == CIM_TYPE_OBJECT) {
                        cim_object_free(v->v.object);
                }
        }
        cim_value_init_null(v, v->type, v->is_array);
}

void cim_value_release(struct cim_value *v)
{
        if (!v)
                return;
        cim_value_clear(v);
        cim_value_init_null(v, CIM_TYPE_NONE, false);
}

int cim_value_copy(struct cim_value *dst, const struct cim_value *src)
{
        struct cim_value tmp = *src;

        if (src->is_null) {
                *dst = tmp;
                return 0;
        }
        if (src->is_array) {
                tmp.v.items = NULL;
                tmp.alloc = src->count;
                if (src->count > 0) {
                        tmp.v.items = owmi_calloc(src->count, sizeof(*tmp.v.items));
                        if (!tmp.v.items)
                                return -ENOMEM;
                        for (uint32_t i = 0; i < src->count; i++) {
                                if (cim_value_copy(&tmp.v.items[i], &src->v.items[i]) < 0) {
                                        tmp.count = i;
                                        cim_value_clear(&tmp);
                                        return -ENOMEM;
                                }
                        }
                }
        } else if (type_owns_string(src->type)) {
                tmp.v.string = owmi_strdup(src->v.string);
                if (!tmp.v.string)
                        return -ENOMEM;
        } else if (src->type == CIM_TYPE_OBJECT) {
                tmp.v.object = src->v.object ? cim_object_clone(src->v.object) : NULL;
                if (src->v.object && !tmp.v.object)
                        return -ENOMEM;
        }
        *dst = tmp;
        return 0;
}

void cim_value_move(struct cim_value *dst, struct cim_value *src)
{
        if (dst == src)
                return;
        cim_value_release(dst);
        *dst = *src;
        cim_value_init_null(src, src->type, src->is_array);
}

void cim_value_set_bool(struct cim_value *v, bool b)
{
        cim_value_init_null(v, CIM_TYPE_BOOLEAN, false);
        v->is_null = false;
        v->v.boolean = b;
}

void cim_value_set_uint(struct cim_value *v, cim_type type, uint64_t u)
{
        cim_value_init_null(v, type, false);
        v->is_null = false;
        if (type == CIM_TYPE_CHAR16)
                v->v.char16 = (uint16_t) u;
        else
                v->v.u64 = u;
}

void cim_value_set_sint(struct cim_value *v, cim_type type, int64_t s)
{
        cim_value_init_null(v, type, false);
        v->is_null = false;
        v->v.s64 = s;
}

void cim_value_set_real(struct cim_value *v, cim_type type, double r)
{
        cim_value_init_null(v, type, false);
        v->is_null = false;
        v->v.real = type == CIM_TYPE_REAL32 ? (double) (float) r : r;
}

int cim_value_set_string(struct cim_value *v, cim_type type, const char *s)
{
        char *copy = owmi_strdup(s);

        if (!copy)
                return -ENOMEM;
        cim_value_take_string(v, type, copy);
        return 0;
}

void cim_value_take_string(struct cim_value *v, cim_type type, char *s)
{
        cim_value_init_null(v, type, false);
        v->is_null = false;
        v->v.string = s;
}

void cim_value_init_array(struct cim_value *v, cim_type type)
{
        cim_value_init_null(v, type, true);
        v->is_null = false;
}

int cim_value_array_append(struct cim_value *array, struct cim_value *item)
{
        struct cim_value *items;

        if (array->count == UINT32_MAX)
                return -E2BIG;
        /* grow geometrically: a million appends cost a few dozen reallocs */
        if (array->count >= array->alloc) {
                uint32_t want = array->count < 4 ? 4 :
                                array->count > UINT32_MAX / 2 ? UINT32_MAX : array->count * 2;

                items = owmi_reallocarray(array->v.items, want, sizeof(*items));
                if (!items)
                        return -ENOMEM;
                array->v.items = items;
                array->alloc = want;
        }
        items = array->v.items;
        items[array->count] = *item;
        items[array->count].is_array = false;
        array->count++;
        cim_value_init_null(item, item->type, false);
        return 0;
}

static bool references_equal(const char *a, const char *b)
{
        struct cim_objpath pa = { 0 }, pb = { 0 };
        bool eq;

        if (strcmp(a, b) == 0)
                return true;
        if (cim_objpath_parse(a, strlen(a), &pa, NULL) < 0)
                return false;
        if (cim_objpath_parse(b, strlen(b), &pb, NULL) < 0) {
                cim_objpath_release(&pa);
                return false;
        }
        eq = cim_objpath_equal(&pa, &pb);
        cim_objpath_release(&pa);
        cim_objpath_release(&pb);
        return eq;
}

static bool scalar_equal(const struct cim_value *a, const struct cim_value *b)
{
        if (a->is_null || b->is_null)
                return a->is_null && b->is_null;
        switch (a->type) {
        case CIM_TYPE_BOOLEAN:
                return a->v.boolean == b->v.boolean;
        case CIM_TYPE_UINT8: case CIM_TYPE_UINT16: case CIM_TYPE_UINT32: case CIM_TYPE_UINT64:
        case CIM_TYPE_SINT8: case CIM_TYPE_SINT16: case CIM_TYPE_SINT32: case CIM_TYPE_SINT64:
                return a->v.u64 == b->v.u64;
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64:
                /* bitwise-equal NaNs count as equal so a stored value equals itself */
                return a->v.real == b->v.real ||
                       (isnan(a->v.real) && isnan(b->v.real));
        case CIM_TYPE_CHAR16:
                return a->v.char16 == b->v.char16;
        case CIM_TYPE_STRING:
                return strcmp(a->v.string, b->v.string) == 0;
        case CIM_TYPE_REFERENCE:
                return references_equal(a->v.string, b->v.string);
        case CIM_TYPE_DATETIME:
                return cim_datetime_equal(&a->v.datetime, &b->v.datetime);
        case CIM_TYPE_OBJECT:
                if (!a->v.object || !b->v.object)
                        return a->v.object == b->v.object;
                return cim_object_equal(a->v.object, b->v.object);
        default:
                return true;
        }
}

bool cim_value_equal(const struct cim_value *a, const struct cim_value *b)
{
        if (a->is_null || b->is_null)
                return a->is_null && b->is_null;
        if (a->type != b->type || a->is_array != b->is_array)
                return false;
        if (!a->is_array)
                return scalar_equal(a, b);
        if (a->count != b->count)
                return false;
        for (uint32_t i = 0; i < a->count; i++)
                if (!scalar_equal(&a->v.items[i], &b->v.items[i]))
                        return false;
        return true;
}

/* Reals print with enough digits to read back the same double. */
static int format_real(double r, cim_type type, struct strbuf *out)
{
        char buf[64];

        if (isnan(r) || isinf(r))
                /* MOF has no literal for these; NULL is the honest rendering */
                return strbuf_addstr(out, "NULL");
        snprintf(buf, sizeof(buf), "%.*g", type == CIM_TYPE_REAL32 ? 9 : 17, r);
        /* a real literal must have a dot or exponent to stay a real */
        if (!strpbrk(buf, ".eE"))
                strcat(buf, ".0");
        return strbuf_addstr(out, buf);
}

static int format_scalar(const struct cim_value *v, struct strbuf *out, unsigned indent)
{
        char dt[CIM_DATETIME_LEN + 1];

        if (v->is_null)
                return strbuf_addstr(out, "NULL");
        switch (v->type) {
        case CIM_TYPE_BOOLEAN:
                return strbuf_addstr(out, v->v.boolean ? "TRUE" : "FALSE");
        case CIM_TYPE_UINT8: case CIM_TYPE_UINT16: case CIM_TYPE_UINT32: case CIM_TYPE_UINT64:
                return strbuf_addf(out, "%" PRIu64, v->v.u64);
        case CIM_TYPE_SINT8: case CIM_TYPE_SINT16: case CIM_TYPE_SINT32: case CIM_TYPE_SINT64:
                return strbuf_addf(out, "%" PRId64, v->v.s64);
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64:
                return format_real(v->v.real, v->type, out);
        case CIM_TYPE_CHAR16:
                if (v->v.char16 >= 0x20 && v->v.char16 < 0x7f && v->v.char16 != '\'' &&
                    v->v.char16 != '\\')
                        return strbuf_addf(out, "'%c'", (char) v->v.char16);
                return strbuf_addf(out, "'\\x%04X'", v->v.char16);
        case CIM_TYPE_STRING:
        case CIM_TYPE_REFERENCE:
                strbuf_addch(out, '"');
                strbuf_add_escaped(out, v->v.string);
                return strbuf_addch(out, '"');
        case CIM_TYPE_DATETIME:
                cim_datetime_format(&v->v.datetime, dt);
                return strbuf_addf(out, "\"%s\"", dt);
        case CIM_TYPE_OBJECT:
                if (!v->v.object)
                        return strbuf_addstr(out, "NULL");
                return cim_object_format_mof_value(v->v.object, out, indent);
        default:
                return strbuf_addstr(out, "NULL");
        }
}

int cim_value_format_mof(const struct cim_value *v, struct strbuf *out, unsigned indent)
{
        if (v->is_null || !v->is_array)
                return format_scalar(v, out, indent);
        strbuf_addch(out, '{');
        for (uint32_t i = 0; i < v->count; i++) {
                if (i)
                        strbuf_addstr(out, ", ");
                format_scalar(&v->v.items[i], out, indent);
        }
        strbuf_addch(out, '}');
        return strbuf_error(out);
}
