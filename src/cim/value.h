/* SPDX-License-Identifier: MIT */
/*
 * value.h: CIM types and typed values (DSP0004 5.2): scalars, arrays, NULL.
 *
 * A value owns what it points to.  Arrays hold their elements as an array of
 * scalar struct cim_value of the same type.  Strings are UTF-8.  References
 * hold the object path text; embedded objects hold a struct cim_object.
 */
#ifndef OWMI_CIM_VALUE_H
#define OWMI_CIM_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "cim/datetime.h"

struct cim_object;

typedef enum cim_type {
        CIM_TYPE_NONE = 0,   /* no type: an untyped NULL, or "not set" */
        CIM_TYPE_BOOLEAN,
        CIM_TYPE_UINT8,
        CIM_TYPE_SINT8,
        CIM_TYPE_UINT16,
        CIM_TYPE_SINT16,
        CIM_TYPE_UINT32,
        CIM_TYPE_SINT32,
        CIM_TYPE_UINT64,
        CIM_TYPE_SINT64,
        CIM_TYPE_REAL32,
        CIM_TYPE_REAL64,
        CIM_TYPE_CHAR16,
        CIM_TYPE_STRING,
        CIM_TYPE_DATETIME,
        CIM_TYPE_REFERENCE,
        CIM_TYPE_OBJECT,     /* embedded object or instance (WMI's CIM_OBJECT) */
        _CIM_TYPE_MAX,
        _CIM_TYPE_INVALID = -1,
} cim_type;

struct cim_value {
        cim_type type;
        bool is_array;
        bool is_null;
        uint32_t count;                  /* arrays: number of items */
        uint32_t alloc;                  /* arrays: items allocated, when known (0: count) */
        union {
                bool boolean;
                uint64_t u64;            /* UINT8..UINT64 */
                int64_t s64;             /* SINT8..SINT64 */
                double real;             /* REAL32, REAL64 */
                uint16_t char16;
                char *string;            /* STRING, REFERENCE (path text) */
                struct cim_datetime datetime;
                struct cim_object *object;
                struct cim_value *items; /* arrays */
        } v;
};

/* "uint32", "string", "datetime", "object"...; NULL for invalid types. */
const char *cim_type_name(cim_type type);
/* Parse a MOF type keyword (case-insensitive); _CIM_TYPE_INVALID if none.
 * "ref"/"object" are not keywords here: references and embedded classes
 * are written with a class name in MOF. */
cim_type cim_type_from_name(const char *name);
/* WMI's CIMTYPE enumeration value (CIM_UINT32 = 19 ...), without the array flag. */
int cim_type_wmi_code(cim_type type);
bool cim_type_is_integer(cim_type type);
bool cim_type_is_signed(cim_type type);
bool cim_type_is_real(cim_type type);
/* Inclusive range of an integer type. */
void cim_type_range(cim_type type, int64_t *ret_min, uint64_t *ret_max);

void cim_value_init_null(struct cim_value *v, cim_type type, bool is_array);
void cim_value_clear(struct cim_value *v);  /* frees contents, leaves typed NULL */
void cim_value_release(struct cim_value *v);/* frees contents, leaves CIM_TYPE_NONE NULL */
int cim_value_copy(struct cim_value *dst, const struct cim_value *src);
/* Move src into dst (dst is released first); src becomes a NULL of its type. */
void cim_value_move(struct cim_value *dst, struct cim_value *src);

/* Constructors of scalars (they never fail except where a string is copied). */
void cim_value_set_bool(struct cim_value *v, bool b);
void cim_value_set_uint(struct cim_value *v, cim_type type, uint64_t u);
void cim_value_set_sint(struct cim_value *v, cim_type type, int64_t s);
void cim_value_set_real(struct cim_value *v, cim_type type, double r);
int cim_value_set_string(struct cim_value *v, cim_type type, const char *s);
/* Takes ownership of s. */
void cim_value_take_string(struct cim_value *v, cim_type type, char *s);
/* Arrays: start an empty array of type, then append moved scalars. */
void cim_value_init_array(struct cim_value *v, cim_type type);
int cim_value_array_append(struct cim_value *array, struct cim_value *item);

/* Deep equality (strings case-sensitive, references by canonical path,
 * reals by value).  NULL equals NULL of any type. */
bool cim_value_equal(const struct cim_value *a, const struct cim_value *b);

/* Append the MOF literal form ("text", 42, TRUE, NULL, {1, 2}, instance
 * of ... for embedded objects at the given indent level). */
int cim_value_format_mof(const struct cim_value *v, struct strbuf *out, unsigned indent);

#endif
