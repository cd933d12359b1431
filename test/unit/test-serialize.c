/* SPDX-License-Identifier: MIT */
/*
 * test-serialize.c: cim/serialize.c.  Round trips of objects using every
 * value kind (arrays, NULLs, NULL array items, datetimes with every field,
 * embedded objects, methods with parameters), the encoder's refusals, the
 * depth limit, and robustness: every truncation and many single-byte
 * corruptions and random mutations of valid encodings must give an error
 * or a valid object, never a crash (run it under ASan/UBSan), and failed
 * allocations must unwind without leaks.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cim/object.h"
#include "cim/qualifier.h"
#include "cim/serialize.h"
#include "cim/value.h"

/* ---- builders --------------------------------------------------------- */

static void set_qual_bool(struct cim_qualifier_list *list, const char *name, uint32_t flavor)
{
        struct cim_value v;

        cim_value_set_bool(&v, true);
        assert_int_equal(cim_qualifier_list_set(list, name, &v, flavor), 0);
}

static void set_qual_string(struct cim_qualifier_list *list, const char *name, const char *s,
                            uint32_t flavor)
{
        struct cim_value v;

        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, s), 0);
        assert_int_equal(cim_qualifier_list_set(list, name, &v, flavor), 0);
}

static struct cim_property *add_prop(struct cim_object *obj, const char *name, cim_type type,
                                     bool is_array)
{
        struct cim_property *p = cim_object_add_property(obj, name);

        assert_non_null(p);
        p->type = type;
        p->is_array = is_array;
        cim_value_init_null(&p->value, type, is_array);
        p->class_origin = owmi_strdup(obj->class_name);
        assert_non_null(p->class_origin);
        return p;
}

static struct cim_datetime make_timestamp(void)
{
        struct cim_datetime dt = {
                .interval = false, .wildcards = 0, .usec_digits = 6, .year = 2024, .month = 2,
                .day = 29, .hour = 23, .minute = 59, .second = 58, .microsecond = 123456,
                .utc_offset = -330,
        };

        return dt;
}

static struct cim_datetime make_interval(void)
{
        struct cim_datetime dt = {
                .interval = true, .wildcards = CIM_DT_MICROSECOND, .usec_digits = 3,
                .year = 99999999, .hour = 1, .minute = 2, .second = 3, .microsecond = 456000,
        };

        return dt;
}

static void set_datetime(struct cim_value *v, struct cim_datetime dt)
{
        cim_value_init_null(v, CIM_TYPE_DATETIME, false);
        v->is_null = false;
        v->v.datetime = dt;
}

static void append(struct cim_value *array, struct cim_value *item)
{
        assert_int_equal(cim_value_array_append(array, item), 0);
}

/* A value of type with a non-trivial content (index i varies it). */
static void make_scalar(struct cim_value *v, cim_type type, int i)
{
        char buf[64];

        switch (type) {
        case CIM_TYPE_BOOLEAN:
                cim_value_set_bool(v, i % 2);
                break;
        case CIM_TYPE_UINT8:
                cim_value_set_uint(v, type, i ? UINT8_MAX : 0);
                break;
        case CIM_TYPE_UINT16:
                cim_value_set_uint(v, type, UINT16_MAX - (unsigned) i);
                break;
        case CIM_TYPE_UINT32:
                cim_value_set_uint(v, type, UINT32_MAX - (unsigned) i);
                break;
        case CIM_TYPE_UINT64:
                cim_value_set_uint(v, type, UINT64_MAX - (unsigned) i);
                break;
        case CIM_TYPE_SINT8:
                cim_value_set_sint(v, type, i ? INT8_MIN : INT8_MAX);
                break;
        case CIM_TYPE_SINT16:
                cim_value_set_sint(v, type, i ? INT16_MIN : -1);
                break;
        case CIM_TYPE_SINT32:
                cim_value_set_sint(v, type, i ? INT32_MIN : INT32_MAX);
                break;
        case CIM_TYPE_SINT64:
                cim_value_set_sint(v, type, i ? INT64_MIN : INT64_MAX);
                break;
        case CIM_TYPE_REAL32:
                cim_value_set_real(v, type, i ? -0.0 : 3.25);
                break;
        case CIM_TYPE_REAL64:
                cim_value_set_real(v, type, i == 0 ? 0.1 : i == 1 ? -INFINITY : 1e-300);
                break;
        case CIM_TYPE_CHAR16:
                cim_value_set_uint(v, type, i ? 0xFFFF : 'x');
                break;
        case CIM_TYPE_STRING:
                if (i)
                        snprintf(buf, sizeof(buf), "caf\xc3\xa9 %d \"q\"\\", i);
                else
                        buf[0] = '\0';
                assert_int_equal(cim_value_set_string(v, type, buf), 0);
                break;
        case CIM_TYPE_DATETIME:
                set_datetime(v, i % 2 ? make_interval() : make_timestamp());
                break;
        case CIM_TYPE_REFERENCE:
                snprintf(buf, sizeof(buf), "\\\\host\\root\\cimv2:Thing.Id=%d", i);
                assert_int_equal(cim_value_set_string(v, type, buf), 0);
                break;
        default:
                fail();
        }
}

/* The embedded instance used by OBJECT values. */
static struct cim_object *make_embedded(int depth)
{
        struct cim_object *cls = cim_object_new_class("Emb", NULL);
        struct cim_object *inst;
        struct cim_property *p;

        assert_non_null(cls);
        p = add_prop(cls, "Label", CIM_TYPE_STRING, false);
        assert_int_equal(cim_value_set_string(&p->value, CIM_TYPE_STRING, "inner"), 0);
        set_qual_bool(&p->qualifiers, "Key", CIM_FLAVOR_DEFAULT | CIM_FLAVOR_TO_INSTANCE);
        add_prop(cls, "Child", CIM_TYPE_OBJECT, false);
        inst = cim_object_spawn_instance(cls);
        assert_non_null(inst);
        cim_object_free(cls);
        if (depth > 0) {
                p = cim_object_find_property(inst, "Child");
                p->value.is_null = false;
                p->value.v.object = make_embedded(depth - 1);
        }
        return inst;
}

/* A class with every property type as scalar, array, NULL and default,
 * qualifiers of every flavor, and methods with parameters. */
static struct cim_object *make_rich_class(void)
{
        struct cim_object *base = cim_object_new_class("Rich_Base", NULL);
        struct cim_object *cls;
        struct cim_property *p;
        struct cim_method *m;
        struct cim_value v, item;
        char name[64];

        assert_non_null(base);
        set_qual_string(&base->qualifiers, "Description", "base class", CIM_FLAVOR_DEFAULT |
                        CIM_FLAVOR_TRANSLATABLE | CIM_FLAVOR_AMENDED);
        set_qual_bool(&base->qualifiers, "Abstract", CIM_FLAVOR_RESTRICTED);
        p = add_prop(base, "Id", CIM_TYPE_UINT32, false);
        set_qual_bool(&p->qualifiers, "Key", CIM_FLAVOR_DISABLE_OVERRIDE | CIM_FLAVOR_TO_SUBCLASS);
        cls = cim_object_derive(base, "Rich_Class");
        assert_non_null(cls);
        cim_object_free(base);

        cls->namespace = owmi_strdup("root/cimv2");
        cls->server = owmi_strdup("SERVER1");
        set_qual_string(&cls->qualifiers, "UUID", "{1234}", CIM_FLAVOR_DEFAULT |
                        CIM_FLAVOR_NOT_TO_INSTANCE);
        set_qual_bool(&cls->qualifiers, "Dynamic", CIM_FLAVOR_TO_INSTANCE);
        /* an array qualifier and a NULL one */
        cim_value_init_array(&v, CIM_TYPE_STRING);
        for (int i = 0; i < 3; i++) {
                make_scalar(&item, CIM_TYPE_STRING, i);
                append(&v, &item);
        }
        assert_int_equal(cim_qualifier_list_set(&cls->qualifiers, "Values", &v, 0), 0);
        cim_value_init_null(&v, CIM_TYPE_SINT32, false);
        assert_int_equal(cim_qualifier_list_set(&cls->qualifiers, "MaxValue", &v, 0xffffffffu), 0);

        for (cim_type t = CIM_TYPE_BOOLEAN; t < CIM_TYPE_OBJECT; t++) {
                snprintf(name, sizeof(name), "S_%s", cim_type_name(t));
                p = add_prop(cls, name, t, false);
                make_scalar(&p->value, t, 1);
                if (t == CIM_TYPE_REFERENCE)
                        p->ref_class = owmi_strdup("Thing");
                set_qual_string(&p->qualifiers, "Units", name, CIM_FLAVOR_DEFAULT);

                snprintf(name, sizeof(name), "A_%s", cim_type_name(t));
                p = add_prop(cls, name, t, true);
                p->array_size = (uint32_t) t;
                cim_value_init_array(&p->value, t);
                for (int i = 0; i < 3; i++) {
                        make_scalar(&item, t, i);
                        append(&p->value, &item);
                }
                /* a NULL item in the middle */
                cim_value_init_null(&item, t, false);
                append(&p->value, &item);
                make_scalar(&item, t, 2);
                append(&p->value, &item);

                snprintf(name, sizeof(name), "N_%s", cim_type_name(t));
                p = add_prop(cls, name, t, t % 2);
                p->propagated = true;

                snprintf(name, sizeof(name), "E_%s", cim_type_name(t));
                p = add_prop(cls, name, t, true);
                cim_value_init_array(&p->value, t); /* empty, not NULL */
        }
        p = add_prop(cls, "Obj", CIM_TYPE_OBJECT, false);
        p->ref_class = owmi_strdup("Emb");
        p->value.is_null = false;
        p->value.v.object = make_embedded(3);
        p = add_prop(cls, "Objs", CIM_TYPE_OBJECT, true);
        cim_value_init_array(&p->value, CIM_TYPE_OBJECT);
        for (int i = 0; i < 2; i++) {
                cim_value_init_null(&item, CIM_TYPE_OBJECT, false);
                item.is_null = false;
                item.v.object = make_embedded(i);
                append(&p->value, &item);
        }
        cim_value_init_null(&item, CIM_TYPE_OBJECT, false);
        append(&p->value, &item);
        add_prop(cls, "NullObj", CIM_TYPE_OBJECT, false);

        m = cim_object_add_method(cls, "Start");
        assert_non_null(m);
        m->return_type = CIM_TYPE_UINT32;
        m->class_origin = owmi_strdup("Rich_Class");
        set_qual_bool(&m->qualifiers, "Implemented", CIM_FLAVOR_DEFAULT);
        set_qual_bool(&m->qualifiers, "Static", CIM_FLAVOR_RESTRICTED);
        p = cim_method_add_param(m, "Timeout");
        assert_non_null(p);
        p->type = CIM_TYPE_DATETIME;
        cim_value_init_null(&p->value, CIM_TYPE_DATETIME, false);
        set_qual_bool(&p->qualifiers, "In", CIM_FLAVOR_DEFAULT);
        p = cim_method_add_param(m, "Target");
        p->type = CIM_TYPE_REFERENCE;
        p->ref_class = owmi_strdup("Thing");
        cim_value_init_null(&p->value, CIM_TYPE_REFERENCE, false);
        p = cim_method_add_param(m, "Names");
        p->type = CIM_TYPE_STRING;
        p->is_array = true;
        p->array_size = 4;
        cim_value_init_null(&p->value, CIM_TYPE_STRING, true);
        set_qual_bool(&p->qualifiers, "Out", CIM_FLAVOR_DEFAULT);

        m = cim_object_add_method(cls, "Stop");
        m->return_type = CIM_TYPE_OBJECT;
        m->return_is_array = true;
        m->return_ref_class = owmi_strdup("Emb");
        m->propagated = true;
        m->class_origin = owmi_strdup("Rich_Base");

        m = cim_object_add_method(cls, "Void");
        m->return_type = CIM_TYPE_NONE;
        return cls;
}

static struct cim_object *make_rich_instance(void)
{
        struct cim_object *cls = make_rich_class();
        struct cim_object *inst;
        struct cim_value v;

        cls->qualifiers.items[0].flavor |= CIM_FLAVOR_TO_INSTANCE;
        inst = cim_object_spawn_instance(cls);
        assert_non_null(inst);
        cim_object_free(cls);
        cim_value_set_uint(&v, CIM_TYPE_UINT32, 42);
        assert_int_equal(cim_object_set_value(inst, "Id", &v, NULL), 0);
        return inst;
}

/* ---- helpers ---------------------------------------------------------- */

static void encode_ok(const struct cim_object *obj, struct strbuf *out)
{
        strbuf_reset(out);
        assert_int_equal(cim_object_encode(obj, out), 0);
        assert_true(out->len > 2);
}

/* Decoding then encoding again gives the same bytes: every field the
 * format holds came back. */
static struct cim_object *roundtrip(const struct cim_object *obj)
{
        struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        struct cim_object *back = NULL;

        encode_ok(obj, &a);
        assert_int_equal(cim_object_decode(a.buf, a.len, &back), 0);
        assert_non_null(back);
        encode_ok(back, &b);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.buf, b.buf, a.len);
        assert_true(cim_object_equal(obj, back));
        strbuf_release(&a);
        strbuf_release(&b);
        return back;
}

static void assert_str_eq_opt(const char *a, const char *b)
{
        if (!a || !b)
                assert_ptr_equal(a, b);
        else
                assert_string_equal(a, b);
}

/* What cim_object_equal does not look at. */
static void assert_extra_fields_equal(const struct cim_object *a, const struct cim_object *b)
{
        assert_str_eq_opt(a->namespace, b->namespace);
        assert_str_eq_opt(a->server, b->server);
        assert_int_equal(a->derivation_count, b->derivation_count);
        for (size_t i = 0; i < a->derivation_count; i++)
                assert_string_equal(a->derivation[i], b->derivation[i]);
        for (size_t i = 0; i < a->prop_count; i++) {
                assert_string_equal(a->props[i].name, b->props[i].name);
                assert_str_eq_opt(a->props[i].class_origin, b->props[i].class_origin);
                assert_str_eq_opt(a->props[i].ref_class, b->props[i].ref_class);
        }
        for (size_t i = 0; i < a->method_count; i++) {
                const struct cim_method *ma = &a->methods[i], *mb = &b->methods[i];

                assert_string_equal(ma->name, mb->name);
                assert_int_equal(ma->return_is_array, mb->return_is_array);
                assert_str_eq_opt(ma->return_ref_class, mb->return_ref_class);
                assert_str_eq_opt(ma->class_origin, mb->class_origin);
                for (size_t j = 0; j < ma->param_count; j++) {
                        assert_string_equal(ma->params[j].name, mb->params[j].name);
                        assert_int_equal(ma->params[j].array_size, mb->params[j].array_size);
                        assert_str_eq_opt(ma->params[j].ref_class, mb->params[j].ref_class);
                }
        }
}

/* ---- round trips ------------------------------------------------------ */

static void test_roundtrip_class(void **state)
{
        struct cim_object *cls = make_rich_class();
        struct cim_object *back = roundtrip(cls);
        const struct cim_property *p;

        assert_extra_fields_equal(cls, back);
        assert_int_equal(back->genus, CIM_GENUS_CLASS);
        assert_string_equal(back->class_name, "Rich_Class");
        assert_string_equal(back->superclass, "Rich_Base");
        /* a few values checked by hand too */
        p = cim_object_find_property(back, "S_sint64");
        assert_non_null(p);
        assert_true(p->value.v.s64 == INT64_MIN);
        p = cim_object_find_property(back, "S_uint64");
        assert_true(p->value.v.u64 == UINT64_MAX - 1);
        p = cim_object_find_property(back, "S_real32");
        assert_true(signbit(p->value.v.real) && p->value.v.real == 0.0);
        p = cim_object_find_property(back, "A_datetime");
        assert_int_equal(p->value.count, 5);
        assert_true(p->value.v.items[3].is_null);
        assert_true(p->value.v.items[1].v.datetime.interval);
        assert_int_equal(p->value.v.items[1].v.datetime.year, 99999999);
        assert_int_equal(p->value.v.items[0].v.datetime.utc_offset, -330);
        p = cim_object_find_property(back, "E_string");
        assert_false(p->value.is_null);
        assert_int_equal(p->value.count, 0);
        p = cim_object_find_property(back, "N_string");
        assert_true(p->value.is_null);
        assert_true(p->propagated);
        p = cim_object_find_property(back, "Obj");
        assert_non_null(p->value.v.object);
        assert_string_equal(p->value.v.object->class_name, "Emb");
        assert_int_equal(back->method_count, 3);
        assert_int_equal(back->methods[0].param_count, 3);
        assert_true(cim_qualifier_list_find(&back->qualifiers, "Description")->propagated);
        assert_int_equal(cim_qualifier_list_find(&back->qualifiers, "MaxValue")->flavor,
                         0xffffffffu);
        cim_object_free(back);
        cim_object_free(cls);
}

static void test_roundtrip_instance(void **state)
{
        struct cim_object *inst = make_rich_instance();
        struct cim_object *back = roundtrip(inst);

        assert_extra_fields_equal(inst, back);
        assert_int_equal(back->genus, CIM_GENUS_INSTANCE);
        assert_int_equal(cim_object_find_property(back, "Id")->value.v.u64, 42);
        cim_object_free(back);
        cim_object_free(inst);
}

static void test_roundtrip_minimal(void **state)
{
        struct cim_object *cls = cim_object_new_class("A", NULL);
        struct cim_object *back = roundtrip(cls);

        assert_null(back->superclass);
        assert_null(back->namespace);
        assert_int_equal(back->prop_count, 0);
        assert_null(back->props);
        cim_object_free(back);
        cim_object_free(cls);
}

static void test_nan_bits(void **state)
{
        struct cim_object *cls = cim_object_new_class("A", NULL);
        struct cim_property *p = add_prop(cls, "R", CIM_TYPE_REAL64, false);
        struct cim_object *back;
        uint64_t bits = UINT64_C(0x7ff8dead0000beef), got;

        p->value.is_null = false;
        memcpy(&p->value.v.real, &bits, sizeof(bits));
        back = roundtrip(cls);
        memcpy(&got, &cim_object_find_property(back, "R")->value.v.real, sizeof(got));
        assert_true(got == bits);
        cim_object_free(back);
        cim_object_free(cls);
}

static void test_qualifier_decl(void **state)
{
        struct cim_qualifier_decl decl = { 0 }, back = { 0 }, again = { 0 };
        struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        struct cim_value item;

        decl.name = owmi_strdup("ValueMap");
        decl.type = CIM_TYPE_STRING;
        decl.is_array = true;
        decl.array_size = 7;
        decl.scope = CIM_SCOPE_PROPERTY | CIM_SCOPE_METHOD | CIM_SCOPE_PARAMETER;
        decl.flavor = CIM_FLAVOR_DEFAULT | CIM_FLAVOR_TRANSLATABLE;
        cim_value_init_array(&decl.default_value, CIM_TYPE_STRING);
        make_scalar(&item, CIM_TYPE_STRING, 1);
        append(&decl.default_value, &item);
        assert_int_equal(cim_qualifier_decl_encode(&decl, &a), 0);
        assert_int_equal(cim_qualifier_decl_decode(a.buf, a.len, &back), 0);
        assert_true(cim_qualifier_decl_equal(&decl, &back));
        assert_int_equal(cim_qualifier_decl_encode(&back, &b), 0);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.buf, b.buf, a.len);

        /* truncations and the wrong kind fail */
        for (size_t n = 0; n < a.len; n++)
                assert_int_equal(cim_qualifier_decl_decode(a.buf, n, &again), -EBADMSG);
        assert_int_equal(cim_object_decode(a.buf, a.len, &(struct cim_object *) { NULL }),
                         -EBADMSG);
        /* a scalar decl with a NULL default */
        cim_qualifier_decl_release(&back);
        cim_value_release(&decl.default_value);
        decl.is_array = false;
        decl.type = CIM_TYPE_BOOLEAN;
        cim_value_init_null(&decl.default_value, CIM_TYPE_BOOLEAN, false);
        strbuf_reset(&a);
        assert_int_equal(cim_qualifier_decl_encode(&decl, &a), 0);
        assert_int_equal(cim_qualifier_decl_decode(a.buf, a.len, &back), 0);
        assert_true(cim_qualifier_decl_equal(&decl, &back));
        assert_true(back.default_value.is_null);
        cim_qualifier_decl_release(&back);
        cim_qualifier_decl_release(&decl);
        strbuf_release(&a);
        strbuf_release(&b);
}

static void test_append_to_existing(void **state)
{
        struct cim_object *cls = cim_object_new_class("A", NULL);
        struct strbuf sb = STRBUF_INIT;
        struct cim_object *back;

        strbuf_addstr(&sb, "prefix");
        assert_int_equal(cim_object_encode(cls, &sb), 0);
        assert_memory_equal(sb.buf, "prefix", 6);
        assert_int_equal(cim_object_decode(sb.buf + 6, sb.len - 6, &back), 0);
        cim_object_free(back);
        cim_object_free(cls);
        strbuf_release(&sb);
}

/* ---- encoder refusals ------------------------------------------------- */

static void assert_encode_fails(const struct cim_object *obj, int expected)
{
        struct strbuf sb = STRBUF_INIT;

        strbuf_addstr(&sb, "keep");
        assert_int_equal(cim_object_encode(obj, &sb), expected);
        /* the buffer is left as it was */
        assert_int_equal(sb.len, 4);
        assert_string_equal(sb.buf, "keep");
        assert_int_equal(strbuf_error(&sb), 0);
        strbuf_release(&sb);
}

static void test_encode_refusals(void **state)
{
        struct cim_object *cls = cim_object_new_class("A", NULL);
        struct cim_property *p = add_prop(cls, "U8", CIM_TYPE_UINT8, false);
        struct cim_object *self;

        p->value.is_null = false;
        p->value.v.u64 = 256;
        assert_encode_fails(cls, -ERANGE);
        p->value.v.u64 = 255;
        p->type = p->value.type = CIM_TYPE_SINT8;
        p->value.v.s64 = -129;
        assert_encode_fails(cls, -ERANGE);
        p->value.v.s64 = -128;
        p->type = p->value.type = CIM_TYPE_DATETIME;
        p->value.v.datetime = make_timestamp();
        p->value.v.datetime.year = 10000;
        assert_encode_fails(cls, -ERANGE);
        p->value.v.datetime = make_timestamp();
        p->value.v.datetime.utc_offset = 1000;
        assert_encode_fails(cls, -ERANGE);
        p->value.v.datetime = make_timestamp();
        p->type = (cim_type) 99;
        assert_encode_fails(cls, -EINVAL);
        p->type = CIM_TYPE_DATETIME;
        owmi_free(p->name);
        p->name = NULL;
        assert_encode_fails(cls, -EINVAL);
        p->name = owmi_strdup("P");
        cls->genus = (enum cim_genus) 7;
        assert_encode_fails(cls, -EINVAL);
        cls->genus = CIM_GENUS_CLASS;

        /* an object that embeds itself is cut by the depth limit */
        self = cim_object_new_class("Self", NULL);
        p = add_prop(self, "Me", CIM_TYPE_OBJECT, false);
        p->value.is_null = false;
        p->value.v.object = self;
        assert_encode_fails(self, -ELOOP);
        p->value.is_null = true;
        p->value.v.object = NULL;
        cim_object_free(self);
        cim_object_free(cls);
}

/* Values with nothing to store come back as NULL, not as a crash. */
static void test_encode_empty_values(void **state)
{
        struct cim_object *cls = cim_object_new_class("A", NULL);
        struct cim_property *p = add_prop(cls, "S", CIM_TYPE_STRING, false);
        struct cim_object *back;
        struct strbuf sb = STRBUF_INIT;

        p->value.is_null = false;       /* string pointer NULL */
        p = add_prop(cls, "N", CIM_TYPE_NONE, false);
        p->value.is_null = false;
        encode_ok(cls, &sb);
        assert_int_equal(cim_object_decode(sb.buf, sb.len, &back), 0);
        assert_true(cim_object_find_property(back, "S")->value.is_null);
        assert_true(cim_object_find_property(back, "N")->value.is_null);
        cim_object_free(back);
        cim_object_free(cls);
        strbuf_release(&sb);
}

/* ---- depth ------------------------------------------------------------ */

static struct cim_object *make_chain(unsigned n)
{
        struct cim_object *top = NULL;

        for (unsigned i = 0; i < n; i++) {
                struct cim_object *o = cim_object_new_class("Link", NULL);
                struct cim_property *p = add_prop(o, "Next", CIM_TYPE_OBJECT, false);

                if (top) {
                        p->value.is_null = false;
                        p->value.v.object = top;
                }
                top = o;
        }
        return top;
}

static void test_depth_limit(void **state)
{
        struct cim_object *ok = make_chain(32), *deep = make_chain(33), *back;
        struct strbuf sb = STRBUF_INIT;

        encode_ok(ok, &sb);
        assert_int_equal(cim_object_decode(sb.buf, sb.len, &back), 0);
        assert_true(cim_object_equal(ok, back));
        cim_object_free(back);
        assert_encode_fails(deep, -ELOOP);
        cim_object_free(ok);
        cim_object_free(deep);
        strbuf_release(&sb);
}

/* Hand-made encoding nested far beyond the limit: refused without using
 * the stack for each level. */
static void test_decode_deep_input(void **state)
{
        const unsigned levels = 100000;
        static const uint8_t open[] = {
                2, 1, 'L', 0, 0, 0, 0,         /* genus, "L", no super/derivation/ns/server */
                0,                              /* no qualifiers */
                1,                              /* one property */
                1, 'p', CIM_TYPE_OBJECT, 0, 0, 0, 0, /* name, type, flags, size, ref, origin */
                CIM_TYPE_OBJECT, 0,             /* value: object, not NULL */
        };
        struct strbuf sb = STRBUF_INIT;
        struct cim_object *obj = NULL;

        strbuf_addch(&sb, CIM_SERIALIZE_VERSION);
        strbuf_addch(&sb, 'O');
        for (unsigned i = 0; i < levels; i++)
                strbuf_add(&sb, open, sizeof(open));
        assert_int_equal(strbuf_error(&sb), 0);
        assert_int_equal(cim_object_decode(sb.buf, sb.len, &obj), -EBADMSG);
        assert_null(obj);
        strbuf_release(&sb);
}

/* ---- robustness ------------------------------------------------------- */

/* Whatever decodes must be a usable object. */
static void exercise(const void *data, size_t len)
{
        struct cim_object *obj = NULL, *clone;
        struct strbuf sb = STRBUF_INIT;
        int r = cim_object_decode(data, len, &obj);

        if (r < 0) {
                assert_true(r == -EBADMSG);
                assert_null(obj);
                return;
        }
        /* touch everything; not asserted, as damage may duplicate a name */
        (void) cim_object_equal(obj, obj);
        clone = cim_object_clone(obj);
        assert_non_null(clone);
        cim_object_free(clone);
        /* what the decoder accepts, the encoder accepts */
        assert_int_equal(cim_object_encode(obj, &sb), 0);
        strbuf_release(&sb);
        cim_object_free(obj);
}

static void test_truncations(void **state)
{
        struct cim_object *objs[2] = { make_rich_class(), make_rich_instance() };
        struct strbuf sb = STRBUF_INIT;

        for (size_t k = 0; k < 2; k++) {
                encode_ok(objs[k], &sb);
                for (size_t n = 0; n < sb.len; n++) {
                        /* a copy of exactly n bytes so ASan sees any over-read */
                        uint8_t *copy = malloc(n ? n : 1);
                        struct cim_object *obj = NULL;

                        memcpy(copy, sb.buf, n);
                        assert_int_equal(cim_object_decode(copy, n, &obj), -EBADMSG);
                        assert_null(obj);
                        free(copy);
                }
                /* and one byte too many */
                strbuf_addch(&sb, 0);
                assert_int_equal(cim_object_decode(sb.buf, sb.len, &(struct cim_object *) { NULL }),
                                 -EBADMSG);
                cim_object_free(objs[k]);
        }
        strbuf_release(&sb);
}

static void test_single_byte_corruptions(void **state)
{
        static const uint8_t patterns[] = { 0x00, 0x01, 0x02, 0x7f, 0x80, 0xff };
        struct cim_object *obj = make_rich_instance();
        struct strbuf sb = STRBUF_INIT;
        uint8_t *copy;

        encode_ok(obj, &sb);
        copy = malloc(sb.len);
        for (size_t i = 0; i < sb.len; i++) {
                for (size_t k = 0; k < ELEMENTSOF(patterns) * 2; k++) {
                        memcpy(copy, sb.buf, sb.len);
                        if (k < ELEMENTSOF(patterns))
                                copy[i] = patterns[k];
                        else
                                copy[i] ^= (uint8_t) (1u << (k % 8));
                        exercise(copy, sb.len);
                }
        }
        free(copy);
        strbuf_release(&sb);
        cim_object_free(obj);
}

static void test_random_mutations(void **state)
{
        struct cim_object *obj = make_rich_class();
        struct strbuf sb = STRBUF_INIT;
        unsigned seed = 12345;
        uint8_t *copy;

        encode_ok(obj, &sb);
        copy = malloc(sb.len);
        for (unsigned iter = 0; iter < 20000; iter++) {
                size_t len = sb.len;
                unsigned edits = 1 + (unsigned) rand_r(&seed) % 8;

                memcpy(copy, sb.buf, sb.len);
                for (unsigned e = 0; e < edits; e++)
                        copy[(size_t) rand_r(&seed) % sb.len] = (uint8_t) rand_r(&seed);
                if (rand_r(&seed) % 4 == 0)
                        len = (size_t) rand_r(&seed) % sb.len;
                exercise(copy, len);
        }
        /* plain random bytes behind a valid header */
        for (unsigned iter = 0; iter < 20000; iter++) {
                size_t len = 2 + (size_t) rand_r(&seed) % 64;

                copy[0] = CIM_SERIALIZE_VERSION;
                copy[1] = 'O';
                for (size_t i = 2; i < len && i < sb.len; i++)
                        copy[i] = (uint8_t) rand_r(&seed);
                exercise(copy, len < sb.len ? len : sb.len);
        }
        free(copy);
        strbuf_release(&sb);
        cim_object_free(obj);
}

static void test_header_checks(void **state)
{
        struct cim_object *obj = cim_object_new_class("A", NULL), *back = NULL;
        struct strbuf sb = STRBUF_INIT;

        encode_ok(obj, &sb);
        assert_int_equal(sb.buf[0], CIM_SERIALIZE_VERSION);
        sb.buf[0] = CIM_SERIALIZE_VERSION + 1;
        assert_int_equal(cim_object_decode(sb.buf, sb.len, &back), -EBADMSG);
        sb.buf[0] = CIM_SERIALIZE_VERSION;
        sb.buf[1] = 'Q';
        assert_int_equal(cim_object_decode(sb.buf, sb.len, &back), -EBADMSG);
        assert_int_equal(cim_object_decode(NULL, 0, &back), -EBADMSG);
        assert_null(back);
        cim_object_free(obj);
        strbuf_release(&sb);
}

/* ---- allocation failures ---------------------------------------------- */

static void test_alloc_failures(void **state)
{
        struct cim_object *obj = make_rich_instance(), *back = NULL;
        struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
        unsigned long n;
        int r;

        encode_ok(obj, &sb);
        for (n = 1;; n++) {
                owmi_alloc_fail_after(n);
                r = cim_object_decode(sb.buf, sb.len, &back);
                owmi_alloc_fail_after(0);
                if (r == 0)
                        break;
                assert_int_equal(r, -ENOMEM);
                assert_null(back);
        }
        assert_true(n > 10);
        assert_true(cim_object_equal(obj, back));
        cim_object_free(back);

        for (n = 1;; n++) {
                strbuf_release(&out);
                owmi_alloc_fail_after(n);
                r = cim_object_encode(obj, &out);
                owmi_alloc_fail_after(0);
                if (r == 0)
                        break;
                assert_int_equal(r, -ENOMEM);
                assert_int_equal(out.len, 0);
        }
        assert_int_equal(out.len, sb.len);
        assert_memory_equal(out.buf, sb.buf, sb.len);
        strbuf_release(&out);
        strbuf_release(&sb);
        cim_object_free(obj);
}

/* ---- speed (informational) -------------------------------------------- */

static void test_decode_speed(void **state)
{
        struct cim_object *cls = make_rich_class(), *back;
        struct strbuf sb = STRBUF_INIT;
        struct timespec t0, t1;
        const unsigned rounds = 2000;
        double us;

        encode_ok(cls, &sb);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (unsigned i = 0; i < rounds; i++) {
                assert_int_equal(cim_object_decode(sb.buf, sb.len, &back), 0);
                cim_object_free(back);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        us = ((double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec)) / 1e3;
        printf("# decode of a %zu-byte class with %zu properties: %.1f us\n", sb.len,
               cls->prop_count, us / rounds);
        cim_object_free(cls);
        strbuf_release(&sb);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip_class),
                cmocka_unit_test(test_roundtrip_instance),
                cmocka_unit_test(test_roundtrip_minimal),
                cmocka_unit_test(test_nan_bits),
                cmocka_unit_test(test_qualifier_decl),
                cmocka_unit_test(test_append_to_existing),
                cmocka_unit_test(test_encode_refusals),
                cmocka_unit_test(test_encode_empty_values),
                cmocka_unit_test(test_depth_limit),
                cmocka_unit_test(test_decode_deep_input),
                cmocka_unit_test(test_header_checks),
                cmocka_unit_test(test_truncations),
                cmocka_unit_test(test_single_byte_corruptions),
                cmocka_unit_test(test_random_mutations),
                cmocka_unit_test(test_alloc_failures),
                cmocka_unit_test(test_decode_speed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
