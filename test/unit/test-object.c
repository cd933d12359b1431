/* SPDX-License-Identifier: MIT */
/*
 * test-object.c: the CIM object model without MOF: values (copy, equality,
 * conversion with ranges, MOF literal text), qualifier lists and their
 * propagation, derivation and overrides, spawning instances, WMI's system
 * properties and paths, local parts, class-name rules, and out-of-memory
 * unwinding of the copying functions.
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
#include <unistd.h>

#include <cmocka.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "cim/object.h"
#include "cim/objpath.h"
#include "cim/render.h"

static void set_flag(struct cim_qualifier_list *list, const char *name, uint32_t flavor)
{
        struct cim_value v;

        cim_value_set_bool(&v, true);
        assert_int_equal(cim_qualifier_list_set(list, name, &v, flavor), 0);
}

static void set_string_qualifier(struct cim_qualifier_list *list, const char *name, const char *s,
                                 uint32_t flavor)
{
        struct cim_value v;

        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, s), 0);
        assert_int_equal(cim_qualifier_list_set(list, name, &v, flavor), 0);
}

static struct cim_property *add_prop(struct cim_object *cls, const char *name, cim_type type)
{
        struct cim_property *p = cim_object_add_property(cls, name);

        assert_non_null(p);
        p->type = type;
        cim_value_init_null(&p->value, type, false);
        p->class_origin = strdup(cls->class_name);
        return p;
}

/* class Base { [key] string Name; [key] uint32 Id; string Note = "n"; };
 * with a Restricted and a ToSubclass class qualifier. */
static struct cim_object *make_base(void)
{
        struct cim_object *cls = cim_object_new_class("Base", NULL);

        assert_non_null(cls);
        set_flag(&cls->qualifiers, "Abstract", CIM_FLAVOR_RESTRICTED | CIM_FLAVOR_ENABLE_OVERRIDE);
        set_string_qualifier(&cls->qualifiers, "Description", "base class", CIM_FLAVOR_DEFAULT);
        set_flag(&add_prop(cls, "Name", CIM_TYPE_STRING)->qualifiers, "Key",
                 CIM_FLAVOR_DISABLE_OVERRIDE | CIM_FLAVOR_TO_SUBCLASS);
        set_flag(&add_prop(cls, "Id", CIM_TYPE_UINT32)->qualifiers, "key", CIM_FLAVOR_DEFAULT);
        assert_int_equal(cim_value_set_string(&add_prop(cls, "Note", CIM_TYPE_STRING)->value,
                                              CIM_TYPE_STRING, "n"), 0);
        return cls;
}

static void test_value_basics(void **state)
{
        struct cim_value a, b, arr, item;
        struct strbuf sb = STRBUF_INIT;

        cim_value_set_sint(&a, CIM_TYPE_SINT32, -5);
        cim_value_set_sint(&b, CIM_TYPE_SINT32, -5);
        assert_true(cim_value_equal(&a, &b));
        cim_value_set_uint(&b, CIM_TYPE_UINT32, 5);
        assert_false(cim_value_equal(&a, &b));
        cim_value_init_null(&a, CIM_TYPE_STRING, false);
        cim_value_init_null(&b, CIM_TYPE_UINT8, true);
        assert_true(cim_value_equal(&a, &b)); /* NULL equals NULL */

        cim_value_init_array(&arr, CIM_TYPE_STRING);
        assert_int_equal(cim_value_set_string(&item, CIM_TYPE_STRING, "a\"b"), 0);
        assert_int_equal(cim_value_array_append(&arr, &item), 0);
        assert_int_equal(cim_value_set_string(&item, CIM_TYPE_STRING, "c\\d\n"), 0);
        assert_int_equal(cim_value_array_append(&arr, &item), 0);
        assert_int_equal(cim_value_copy(&a, &arr), 0);
        assert_true(cim_value_equal(&a, &arr));
        assert_int_equal(cim_value_format_mof(&a, &sb, 0), 0);
        assert_string_equal(strbuf_str(&sb), "{\"a\\\"b\", \"c\\\\d\\n\"}");
        cim_value_release(&a);
        cim_value_release(&arr);

        strbuf_reset(&sb);
        cim_value_set_real(&a, CIM_TYPE_REAL64, 2.0);
        cim_value_format_mof(&a, &sb, 0);
        assert_string_equal(strbuf_str(&sb), "2.0"); /* stays a real literal */
        strbuf_reset(&sb);
        cim_value_set_uint(&a, CIM_TYPE_CHAR16, '\'');
        cim_value_format_mof(&a, &sb, 0);
        assert_string_equal(strbuf_str(&sb), "'\\x0027'");
        strbuf_release(&sb);

        assert_string_equal(cim_type_name(CIM_TYPE_SINT64), "sint64");
        assert_int_equal(cim_type_from_name("UINT16"), CIM_TYPE_UINT16);
        assert_int_equal(cim_type_from_name("int32"), _CIM_TYPE_INVALID);
        assert_int_equal(cim_type_wmi_code(CIM_TYPE_UINT32), 19);
        assert_int_equal(cim_type_wmi_code(CIM_TYPE_OBJECT), 13);
}

static void test_value_convert(void **state)
{
        struct cim_value in, out;
        struct owmi_error err = { 0 };

        cim_value_set_uint(&in, CIM_TYPE_UINT64, 255);
        assert_int_equal(cim_value_convert(&in, CIM_TYPE_UINT8, false, &out, &err), 0);
        assert_int_equal(out.type, CIM_TYPE_UINT8);
        assert_int_equal(out.v.u64, 255);
        cim_value_set_uint(&in, CIM_TYPE_UINT64, 256);
        assert_int_equal(cim_value_convert(&in, CIM_TYPE_UINT8, false, &out, &err), -ERANGE);
        assert_int_equal(err.code, OWMI_E_VALUE_OUT_OF_RANGE);
        cim_value_set_sint(&in, CIM_TYPE_SINT64, INT64_MIN);
        assert_int_equal(cim_value_convert(&in, CIM_TYPE_SINT64, false, &out, &err), 0);
        assert_true(out.v.s64 == INT64_MIN);
        assert_int_equal(cim_value_convert(&in, CIM_TYPE_UINT64, false, &out, &err), -ERANGE);
        /* 64-bit integers may travel as strings, as WMI's do */
        assert_int_equal(cim_value_set_string(&in, CIM_TYPE_STRING, "18446744073709551615"), 0);
        assert_int_equal(cim_value_convert(&in, CIM_TYPE_UINT64, false, &out, &err), 0);
        assert_true(out.v.u64 == UINT64_MAX);
        assert_int_equal(cim_value_convert(&in, CIM_TYPE_BOOLEAN, false, &out, &err),
                         owmi_status_to_errno(OWMI_E_TYPE_MISMATCH));
        assert_int_equal(err.code, OWMI_E_TYPE_MISMATCH);
        cim_value_release(&in);
        assert_int_equal(cim_value_set_string(&in, CIM_TYPE_STRING, "20261122103000.000000+060"), 0);
        assert_int_equal(cim_value_convert(&in, CIM_TYPE_DATETIME, false, &out, &err), 0);
        assert_int_equal(out.v.datetime.hour, 10);
        assert_int_equal(out.v.datetime.utc_offset, 60);
        cim_value_release(&in);
        assert_int_equal(cim_value_set_string(&in, CIM_TYPE_STRING, "not a path"), 0);
        assert_true(cim_value_convert(&in, CIM_TYPE_REFERENCE, false, &out, &err) < 0);
        cim_value_release(&in);
        cim_value_set_real(&in, CIM_TYPE_REAL64, 1e300);
        assert_int_equal(cim_value_convert(&in, CIM_TYPE_REAL32, false, &out, &err), -ERANGE);
        cim_value_set_real(&in, CIM_TYPE_REAL64, 1.5);
        assert_true(cim_value_convert(&in, CIM_TYPE_UINT32, false, &out, &err) < 0);
        /* array to scalar and back */
        cim_value_init_array(&in, CIM_TYPE_UINT64);
        assert_true(cim_value_convert(&in, CIM_TYPE_UINT32, false, &out, &err) < 0);
        assert_int_equal(cim_value_convert(&in, CIM_TYPE_UINT32, true, &out, &err), 0);
        assert_true(out.is_array);
        assert_int_equal(out.count, 0);
        cim_value_release(&out);
        cim_value_release(&in);
}

static void test_derive_and_spawn(void **state)
{
        struct cim_object *base = make_base(), *derived, *inst;
        const struct cim_qualifier *q;
        struct cim_value v;
        struct owmi_error err = { 0 };

        assert_true(cim_object_is_abstract(base));
        assert_int_equal(cim_object_key_count(base), 2);
        derived = cim_object_derive(base, "Derived");
        assert_non_null(derived);
        assert_string_equal(derived->superclass, "Base");
        assert_int_equal(derived->derivation_count, 1);
        assert_string_equal(derived->derivation[0], "Base");
        assert_true(cim_object_is_a(derived, "base"));
        assert_false(cim_object_is_abstract(derived)); /* Restricted */
        q = cim_qualifier_list_find(&derived->qualifiers, "DESCRIPTION");
        assert_non_null(q);
        assert_true(q->propagated);
        assert_int_equal(derived->prop_count, 3);
        assert_true(derived->props[0].propagated);
        assert_string_equal(derived->props[0].class_origin, "Base");

        inst = cim_object_spawn_instance(derived);
        assert_non_null(inst);
        assert_int_equal(inst->genus, CIM_GENUS_INSTANCE);
        /* class qualifiers without ToInstance stay with the class; Key stays */
        assert_null(cim_qualifier_list_find(&inst->qualifiers, "Description"));
        assert_true(cim_property_is_key(cim_object_find_property(inst, "name")));
        assert_string_equal(cim_object_find_property(inst, "Note")->value.v.string, "n");
        /* setting values converts and checks */
        cim_value_set_uint(&v, CIM_TYPE_UINT64, 7);
        assert_int_equal(cim_object_set_value(inst, "ID", &v, &err), 0);
        assert_int_equal(cim_object_find_property(inst, "Id")->value.type, CIM_TYPE_UINT32);
        assert_true(cim_object_set_value(inst, "Nope", &v, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_PROPERTY);
        assert_true(cim_object_set_value(inst, "__PATH", &v, &err) < 0);
        assert_int_equal(err.code, OWMI_E_SYSTEM_PROPERTY);
        cim_value_set_uint(&v, CIM_TYPE_UINT64, 1ull << 40);
        assert_true(cim_object_set_value(inst, "Id", &v, &err) < 0);
        assert_int_equal(err.code, OWMI_E_VALUE_OUT_OF_RANGE);

        cim_object_free(inst);
        cim_object_free(derived);
        cim_object_free(base);
}

static void expect_sys_string(const struct cim_object *obj, const char *name, const char *want)
{
        struct cim_value v;

        assert_int_equal(cim_object_system_property(obj, name, &v), 0);
        if (!want) {
                assert_true(v.is_null);
        } else {
                assert_false(v.is_null);
                assert_string_equal(v.v.string, want);
        }
        cim_value_release(&v);
}

static void test_system_properties(void **state)
{
        struct cim_object *base = make_base(), *derived = cim_object_derive(base, "Derived");
        struct cim_object *inst = cim_object_spawn_instance(derived);
        struct cim_value v;
        struct owmi_error err = { 0 };
        char host[256], want[512];

        gethostname(host, sizeof(host));
        expect_sys_string(derived, "__CLASS", "Derived");
        expect_sys_string(derived, "__SUPERCLASS", "Base");
        expect_sys_string(base, "__SUPERCLASS", NULL);
        expect_sys_string(derived, "__DYNASTY", "Base");
        expect_sys_string(base, "__DYNASTY", "Base");
        expect_sys_string(derived, "__RELPATH", "Derived");
        expect_sys_string(derived, "__PATH", NULL); /* not stored yet */
        assert_int_equal(cim_object_system_property(derived, "__GENUS", &v), 0);
        assert_int_equal(v.v.s64, CIM_GENUS_CLASS);
        assert_int_equal(cim_object_system_property(inst, "__GENUS", &v), 0);
        assert_int_equal(v.v.s64, CIM_GENUS_INSTANCE);
        assert_int_equal(cim_object_system_property(inst, "__PROPERTY_COUNT", &v), 0);
        assert_int_equal(v.v.s64, 3);
        assert_int_equal(cim_object_system_property(derived, "__DERIVATION", &v), 0);
        assert_true(v.is_array);
        assert_int_equal(v.count, 1);
        assert_string_equal(v.v.items[0].v.string, "Base");
        cim_value_release(&v);
        assert_int_equal(cim_object_system_property(derived, "__NOPE", &v), -ENOENT);

        /* an instance whose keys are not all set has no path yet */
        inst->namespace = strdup("root/cimv2");
        expect_sys_string(inst, "__RELPATH", NULL);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "C:\\\"x\""), 0);
        assert_int_equal(cim_object_set_value(inst, "Name", &v, &err), 0);
        cim_value_release(&v);
        cim_value_set_uint(&v, CIM_TYPE_UINT32, 42);
        assert_int_equal(cim_object_set_value(inst, "Id", &v, &err), 0);
        /* canonical: keys sorted, strings escaped */
        expect_sys_string(inst, "__RELPATH", "Derived.Id=42,Name=\"C:\\\\\\\"x\\\"\"");
        snprintf(want, sizeof(want), "\\\\%s\\root\\cimv2:Derived.Id=42,Name=\"C:\\\\\\\"x\\\"\"", host);
        expect_sys_string(inst, "__PATH", want);
        expect_sys_string(inst, "__NAMESPACE", "root\\cimv2");
        expect_sys_string(inst, "__SERVER", host);
        assert_true(cim_is_system_property("__path"));
        assert_false(cim_is_system_property("Path"));

        cim_object_free(inst);
        cim_object_free(derived);
        cim_object_free(base);
}

static void test_singleton_path(void **state)
{
        struct cim_object *cls = cim_object_new_class("Single", NULL), *inst;
        struct strbuf sb = STRBUF_INIT;

        set_flag(&cls->qualifiers, "Singleton", CIM_FLAVOR_DEFAULT);
        add_prop(cls, "Value", CIM_TYPE_UINT32);
        inst = cim_object_spawn_instance(cls);
        assert_true(cim_object_is_singleton(cls));
        assert_int_equal(cim_object_relpath(inst, &sb), 0);
        assert_string_equal(strbuf_str(&sb), "Single=@");
        strbuf_release(&sb);
        cim_object_free(inst);
        cim_object_free(cls);
}

static void test_local_part(void **state)
{
        struct cim_object *base = make_base(), *derived = cim_object_derive(base, "Derived");
        struct cim_object *local, *rebuilt;
        struct cim_property *p;

        /* override Note with a new default and a qualifier; add Extra */
        p = cim_object_find_property(derived, "Note");
        p->propagated = false;
        cim_value_release(&p->value);
        assert_int_equal(cim_value_set_string(&p->value, CIM_TYPE_STRING, "d"), 0);
        set_string_qualifier(&p->qualifiers, "Description", "mine", CIM_FLAVOR_DEFAULT);
        add_prop(derived, "Extra", CIM_TYPE_BOOLEAN);
        set_flag(&derived->qualifiers, "Terminal", CIM_FLAVOR_DEFAULT);

        local = cim_object_local_part(derived);
        assert_non_null(local);
        assert_int_equal(local->prop_count, 2);
        assert_int_equal(local->qualifiers.count, 1);
        assert_null(cim_qualifier_list_find(&local->qualifiers, "Description"));
        rebuilt = cim_object_rebuild(base, local);
        assert_non_null(rebuilt);
        assert_true(cim_object_equal(rebuilt, derived));
        cim_object_free(rebuilt);
        cim_object_free(local);
        cim_object_free(derived);
        cim_object_free(base);
}

static void test_names(void **state)
{
        assert_true(cim_name_is_valid_class("MSSerial", false));
        assert_true(cim_name_is_valid_class("Adaptec1542_Speed", false));
        assert_true(cim_name_is_valid_class("a", false));
        assert_false(cim_name_is_valid_class("Adaptec 1542", false));
        assert_false(cim_name_is_valid_class("_Lead", false));
        assert_false(cim_name_is_valid_class("Trail_", false));
        assert_false(cim_name_is_valid_class("1st", false));
        assert_false(cim_name_is_valid_class("", false));
        assert_false(cim_name_is_valid_class("__Event", false));
        assert_true(cim_name_is_valid_class("__Event", true));
        assert_false(cim_name_is_valid_class("__", true));
        assert_true(cim_name_is_valid_identifier("_x1"));
        assert_false(cim_name_is_valid_identifier("x-y"));
}

/* Copies unwind cleanly whichever allocation fails. */
static void test_out_of_memory(void **state)
{
        struct cim_object *base = make_base(), *derived = cim_object_derive(base, "Derived");
        unsigned long n;

        for (n = 1; n < 10000; n++) {
                struct cim_object *copy, *inst, *local, *rebuilt = NULL;

                owmi_alloc_fail_after(n);
                copy = cim_object_clone(derived);
                inst = cim_object_spawn_instance(derived);
                local = cim_object_local_part(derived);
                if (local)
                        rebuilt = cim_object_rebuild(base, local);
                owmi_alloc_fail_after(0);
                if (copy && inst && local && rebuilt) {
                        assert_true(cim_object_equal(copy, derived));
                        assert_true(cim_object_equal(rebuilt, derived));
                }
                cim_object_free(copy);
                cim_object_free(inst);
                cim_object_free(local);
                cim_object_free(rebuilt);
                if (copy && inst && local && rebuilt)
                        break;
        }
        assert_true(n > 20 && n < 10000);
        cim_object_free(derived);
        cim_object_free(base);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_value_basics),
                cmocka_unit_test(test_value_convert),
                cmocka_unit_test(test_derive_and_spawn),
                cmocka_unit_test(test_system_properties),
                cmocka_unit_test(test_singleton_path),
                cmocka_unit_test(test_local_part),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_out_of_memory),
        };

        return cmocka_run_group_tests_name("object", tests, NULL, NULL);
}
