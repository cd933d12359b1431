/* SPDX-License-Identifier: MIT */
/*
 * test-mof.c: the MOF compiler on small inputs: every literal form,
 * pragmas, aliases, embedded instances, qualifier declarations with
 * scopes and flavors, overrides, WMI's checks, error positions, error
 * recovery, all-or-nothing compiles, and out-of-memory unwinding.
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

#include <cmocka.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cim/objpath.h"
#include "cim/render.h"
#include "mof/lexer.h"
#include "mof/mof.h"
#include "test-util.h"

static unsigned repo_serial;

static struct repo *new_repo(void)
{
        char name[32];

        snprintf(name, sizeof(name), "r%u", repo_serial++);
        return test_open_repo(name);
}

/* Compile text into ns; returns the status, diagnostics in *diags. */
static int compile(struct repo *repo, const char *ns, const char *text, struct mof_diag_list *diags)
{
        struct mof_options opts = { .namespace = ns };

        return mof_compile_buffer(repo, "test.mof", text, strlen(text), &opts, diags, NULL);
}

static void compile_ok(struct repo *repo, const char *text)
{
        struct mof_diag_list diags = { 0 };
        int r = compile(repo, "root/cimv2", text, &diags);

        test_print_diags(&diags);
        assert_int_equal(r, 0);
        assert_int_equal(diags.errors, 0);
        mof_diag_list_release(&diags);
}

/* The text must fail with a first error at line:column with code. */
static void compile_fails_at(const char *text, unsigned line, unsigned column, uint32_t code,
                             const char *word)
{
        struct repo *repo = new_repo();
        struct mof_diag_list diags = { 0 };
        const struct mof_diag *d = NULL;

        assert_int_equal(compile(repo, "root/cimv2", text, &diags), -EINVAL);
        for (size_t i = 0; i < diags.count && !d; i++)
                if (diags.items[i].severity == MOF_ERROR)
                        d = &diags.items[i];
        assert_non_null(d);
        if (d->line != line || (column && d->column != column) || d->code != code ||
            !strstr(d->message, word))
                fail_msg("expected %u:%u %s '%s', got %u:%u %s '%s'", line, column,
                         owmi_status_name(code), word, d->line, d->column,
                         owmi_status_name(d->code), d->message);
        mof_diag_list_release(&diags);
        repo_close(repo);
}

static struct cim_object *get_class(struct repo *repo, const char *name)
{
        struct cim_object *cls = NULL;
        struct owmi_error err = { 0 };

        if (repo_class_get(repo, "root/cimv2", name, &cls, &err) < 0)
                fail_msg("class %s: %s", name, err.message);
        return cls;
}

static struct cim_object *get_instance(struct repo *repo, const char *path_text)
{
        struct cim_objpath path = { 0 };
        struct cim_object *inst = NULL;
        struct owmi_error err = { 0 };

        assert_int_equal(cim_objpath_parse(path_text, strlen(path_text), &path, &err), 0);
        if (repo_instance_get(repo, "root/cimv2", &path, &inst, &err) < 0)
                fail_msg("instance %s: %s", path_text, err.message);
        cim_objpath_release(&path);
        return inst;
}

static const struct cim_value *value_of(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        if (!p)
                fail_msg("no property %s", name);
        return &p->value;
}

static void test_literals(void **state)
{
        struct repo *repo = new_repo();
        struct cim_object *inst;
        const struct cim_value *v;
        char dt[CIM_DATETIME_LEN + 1];

        compile_ok(repo,
                   "class T { [key] uint32 K; uint8 U8; sint8 S8; uint16 U16; sint16 S16;\n"
                   "  uint32 U32; sint32 S32; uint64 U64; sint64 S64; real32 R32; real64 R64;\n"
                   "  char16 C; char16 C2; string S; boolean B; datetime D; datetime I;\n"
                   "  uint32 Hex; sint32 Oct; uint8 Bin; sint8 NegBin; string A[]; real64 Dot; string N; };\n"
                   "instance of T { K = 1; U8 = 0xFF; S8 = -128; U16 = 65535; S16 = -0x8000;\n"
                   "  U32 = 4294967295; S32 = -2147483648; U64 = 18446744073709551615;\n"
                   "  S64 = -9223372036854775808; R32 = 1.5; R64 = -1.25e-3; C = 'x'; C2 = '\\x41';\n"
                   "  S = \"a\\\"b\\\\c\\n\" \"-joined\"; B = TrUe;\n"
                   "  D = \"20261122103000.123456+060\"; I = \"00000001120032.000000:000\";\n"
                   "  Hex = 0x1F; Oct = 017; Bin = 101B; NegBin = -11b; A = {\"x\", \"y\",}; Dot = .5; N = NULL; };\n");
        inst = get_instance(repo, "T.K=1");
        assert_int_equal(value_of(inst, "U8")->v.u64, 255);
        assert_int_equal(value_of(inst, "S8")->v.s64, -128);
        assert_int_equal(value_of(inst, "U16")->v.u64, 65535);
        assert_int_equal(value_of(inst, "S16")->v.s64, -32768);
        assert_int_equal(value_of(inst, "U32")->v.u64, 4294967295u);
        assert_int_equal(value_of(inst, "S32")->v.s64, INT32_MIN);
        assert_true(value_of(inst, "U64")->v.u64 == UINT64_MAX);
        assert_true(value_of(inst, "S64")->v.s64 == INT64_MIN);
        assert_true(value_of(inst, "R32")->v.real == 1.5);
        assert_true(value_of(inst, "R64")->v.real == -1.25e-3);
        assert_int_equal(value_of(inst, "C")->v.char16, 'x');
        assert_int_equal(value_of(inst, "C2")->v.char16, 'A');
        assert_string_equal(value_of(inst, "S")->v.string, "a\"b\\c\n-joined");
        assert_true(value_of(inst, "B")->v.boolean);
        v = value_of(inst, "D");
        assert_int_equal(v->type, CIM_TYPE_DATETIME);
        cim_datetime_format(&v->v.datetime, dt);
        assert_string_equal(dt, "20261122103000.123456+060");
        v = value_of(inst, "I");
        assert_true(v->v.datetime.interval);
        assert_int_equal(value_of(inst, "Hex")->v.u64, 31);
        assert_int_equal(value_of(inst, "Oct")->v.s64, 15);
        assert_int_equal(value_of(inst, "Bin")->v.u64, 5);
        assert_int_equal(value_of(inst, "NegBin")->v.s64, -3);
        v = value_of(inst, "A");
        assert_true(v->is_array);
        assert_int_equal(v->count, 2);
        assert_string_equal(v->v.items[1].v.string, "y");
        assert_true(value_of(inst, "Dot")->v.real == 0.5);
        assert_true(value_of(inst, "N")->is_null);
        cim_object_free(inst);
        repo_close(repo);
}

static void test_range_and_type_errors(void **state)
{
        compile_fails_at("class T { uint8 X = 256; };", 1, 21, OWMI_E_VALUE_OUT_OF_RANGE, "out of range");
        compile_fails_at("class T { sint8 X = -129; };", 1, 21, OWMI_E_VALUE_OUT_OF_RANGE, "out of range");
        compile_fails_at("class T {\n  boolean X = 1; };", 2, 15, OWMI_E_TYPE_MISMATCH, "boolean");
        compile_fails_at("class T { uint32 X = \"a\"; };", 1, 22, OWMI_E_TYPE_MISMATCH, "uint32");
        compile_fails_at("class T { datetime X = \"2026\"; };", 1, 24, OWMI_E_TYPE_MISMATCH, "datetime");
        compile_fails_at("class T { uint32 X[] = 1; };", 1, 24, OWMI_E_TYPE_MISMATCH, "array");
        compile_fails_at("class T { uint64 X = 18446744073709551616; };", 1, 22,
                         OWMI_E_VALUE_OUT_OF_RANGE, "64 bits");

        compile_fails_at("class T { int X; };", 1, 11, OWMI_E_INVALID_PROPERTY_TYPE, "use sint32");
}

static void test_syntax_errors(void **state)
{
        compile_fails_at("class T { uint32 X };", 1, 19, OWMI_E_INVALID_SYNTAX, "missing ';'");
        compile_fails_at("class T\n{\n  uint32 X;\n}", 4, 2, OWMI_E_INVALID_SYNTAX, "missing ';'");
        compile_fails_at("class T { string S = \"abc; };", 1, 22, OWMI_E_INVALID_SYNTAX,
                         "not terminated");
        compile_fails_at("/* never closed\nclass T {};", 1, 1, OWMI_E_INVALID_SYNTAX, "comment");
        compile_fails_at("class T { uint32 X = @; };", 1, 22, OWMI_E_INVALID_SYNTAX, "unexpected character");
        compile_fails_at("#define X 1\nclass T {};", 1, 1, OWMI_E_INVALID_SYNTAX, "cpp -P");
        compile_fails_at("[Description(\"x\" ] class T {};", 1, 18, OWMI_E_INVALID_SYNTAX, "')'");
        compile_fails_at("instance T {};", 1, 10, OWMI_E_INVALID_SYNTAX, "'of'");
        compile_fails_at("Qualifier Q : int = 1, Scope(any);", 1, 15, OWMI_E_INVALID_SYNTAX,
                         "qualifier type");
        compile_fails_at("Qualifier Q : string;", 1, 21, OWMI_E_INVALID_SYNTAX, "Scope");
        compile_fails_at("#pragma include (\"x.mof\"", 1, 25, OWMI_E_INVALID_SYNTAX, "')'");
        compile_fails_at("#pragma include (\"does-not-exist.mof\")", 1, 1, OWMI_E_NOT_FOUND, "not found");
}

/* Recovery: every independent error of a file is reported in one run. */
static void test_error_recovery(void **state)
{
        struct repo *repo = new_repo();
        struct mof_diag_list diags = { 0 };
        static const unsigned lines[] = { 1, 2, 4, 6 };

        assert_int_equal(compile(repo, "root/cimv2",
                                 "class A { uint32 X = ; };\n"    /* 1: bad value */
                                 "class B : Missing { };\n"       /* 2: superclass */
                                 "class C { uint32 Y; };\n"
                                 "class D { string S\n"           /* 4: missing ; */
                                 "  [key] string T; };\n"
                                 "instance of C { Z = 1; };\n",   /* 6: no property Z */
                                 &diags), -EINVAL);
        assert_int_equal(diags.errors, ELEMENTSOF(lines));
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                bool found = false;

                for (size_t j = 0; j < diags.count; j++)
                        found |= diags.items[j].line == lines[i];
                if (!found)
                        fail_msg("no error at line %u", lines[i]);
        }
        /* nothing of the unit was written, not even class C */
        assert_false(repo_class_exists(repo, "root/cimv2", "C"));
        mof_diag_list_release(&diags);
        repo_close(repo);
}

static void test_inheritance_and_overrides(void **state)
{
        struct repo *repo = new_repo();
        struct cim_object *cls;
        const struct cim_property *p;
        const struct cim_qualifier *q;

        compile_ok(repo,
                   "Qualifier Key : boolean = false, Scope(property, reference), Flavor(DisableOverride, ToSubclass);\n"
                   "Qualifier Description : string = null, Scope(any), Flavor(EnableOverride, ToSubclass, Translatable);\n"
                   "Qualifier Abstract : boolean = false, Scope(class, association, indication), Flavor(Restricted);\n"
                   "Qualifier Override : string = null, Scope(property, method, reference), Flavor(Restricted);\n"
                   "Qualifier MaxLen : uint32 = null, Scope(property, method, parameter);\n"
                   "[Abstract, Description(\"base\")] class Base { [Key] string Id; [MaxLen(10)] string Name = \"n\";\n"
                   "  uint32 Run([IN] string Arg, [OUT] uint32 Code[]); };\n"
                   "class Derived : Base { [Override(\"Name\"), Description(\"mine\")] string Name = \"d\"; uint16 Extra; };\n");
        cls = get_class(repo, "Derived");
        assert_string_equal(cls->superclass, "Base");
        assert_int_equal(cls->derivation_count, 1);
        assert_false(cim_object_is_abstract(cls));
        q = cim_qualifier_list_find(&cls->qualifiers, "description");
        assert_non_null(q);
        assert_true(q->propagated);
        assert_true(q->flavor & CIM_FLAVOR_TRANSLATABLE);
        assert_null(cim_qualifier_list_find(&cls->qualifiers, "Abstract"));
        p = cim_object_find_property(cls, "Id");
        assert_true(p->propagated);
        assert_string_equal(p->class_origin, "Base");
        assert_true(cim_property_is_key(p));
        p = cim_object_find_property(cls, "NAME");
        assert_false(p->propagated);
        assert_string_equal(p->class_origin, "Derived");
        assert_string_equal(p->value.v.string, "d");
        /* inherited MaxLen stays, local Description added */
        q = cim_qualifier_list_find(&p->qualifiers, "MaxLen");
        assert_non_null(q);
        assert_true(q->propagated);
        assert_int_equal(q->value.v.u64, 10);
        assert_string_equal(cim_qualifier_list_string(&p->qualifiers, "Description"), "mine");
        assert_non_null(cim_object_find_method(cls, "run"));
        assert_int_equal(cim_object_find_method(cls, "Run")->param_count, 2);
        assert_true(cim_object_find_method(cls, "Run")->params[1].is_array);
        assert_int_equal(cls->prop_count, 3);
        cim_object_free(cls);

        /* DisableOverride: the key cannot be switched off in a subclass */
        {
                struct mof_diag_list diags = { 0 };

                assert_int_equal(compile(repo, "root/cimv2",
                                         "class Bad : Base {\n  [Key(false)] string Id; };", &diags), -EINVAL);
                assert_int_equal(diags.items[0].code, OWMI_E_OVERRIDE_NOT_ALLOWED);
                assert_int_equal(diags.items[0].line, 2);
                mof_diag_list_release(&diags);
                assert_int_equal(compile(repo, "root/cimv2",
                                         "class Bad2 : Base { uint32 Name; };", &diags), -EINVAL);
                assert_int_equal(diags.items[0].code, OWMI_E_TYPE_MISMATCH);
                mof_diag_list_release(&diags);
                /* scope: MaxLen is not a class qualifier */
                assert_int_equal(compile(repo, "root/cimv2", "[MaxLen(3)] class Bad3 {};", &diags), -EINVAL);
                assert_int_equal(diags.items[0].code, OWMI_E_INVALID_QUALIFIER);
                assert_non_null(strstr(diags.items[0].message, "cannot be used on a class"));
                mof_diag_list_release(&diags);
                /* type of a declared qualifier */
                assert_int_equal(compile(repo, "root/cimv2", "class Bad4 { [MaxLen(\"x\")] string S; };",
                                         &diags), -EINVAL);
                assert_int_equal(diags.items[0].code, OWMI_E_TYPE_MISMATCH);
                mof_diag_list_release(&diags);
        }
        repo_close(repo);
}

static void test_class_rules(void **state)
{
        compile_fails_at("class _Bad {};", 1, 7, OWMI_E_INVALID_PARAMETER, "must start with a letter");
        compile_fails_at("class Bad_ {};", 1, 7, OWMI_E_INVALID_PARAMETER, "not end with '_'");
        compile_fails_at("class __Mine {};", 1, 7, OWMI_E_INVALID_PARAMETER, "reserved for system classes");
        compile_fails_at("class 9Bad {};", 1, 7, OWMI_E_INVALID_SYNTAX, "bad decimal number");
        compile_fails_at("class A {};\nclass a {};\nclass B { int X; };", 3, 11,
                         OWMI_E_INVALID_PROPERTY_TYPE, "sint32"); /* redeclaring is a warning */
        compile_fails_at("class A { uint32 X; string x; };", 1, 28, OWMI_E_INVALID_PROPERTY, "declared twice");
        compile_fails_at("class A { [key] real32 X; };", 1, 24, OWMI_E_CANNOT_BE_KEY, "cannot be a key");
        compile_fails_at("class A { [key] string X[]; };", 1, 24, OWMI_E_CANNOT_BE_KEY, "cannot be a key");
        compile_fails_at("class A { uint32 __X; };", 1, 18, OWMI_E_SYSTEM_PROPERTY, "reserved");
        compile_fails_at("class A { Nowhere REF R; };", 1, 11, OWMI_E_INVALID_CLASS, "undefined class");
        compile_fails_at("[abstract] class A {};\ninstance of A {};", 2, 13, OWMI_E_INVALID_OPERATION,
                         "abstract");
        compile_fails_at("class A { [key] string K; };\ninstance of A { };", 2, 13, OWMI_E_ILLEGAL_NULL,
                         "no value");
        compile_fails_at("instance of Nowhere { };", 1, 13, OWMI_E_INVALID_CLASS, "not defined");
        compile_fails_at("#pragma namespace(\"root/nowhere\")\nclass A {};", 2, 1,
                         OWMI_E_INVALID_NAMESPACE, "does not exist");
        compile_fails_at("#pragma deleteclass(\"Nowhere\", FAIL)", 1, 1, OWMI_E_NOT_FOUND, "does not exist");
}

/* Rules an instance, a class or a qualifier must keep. */
static void test_more_rules(void **state)
{
        struct repo *repo = new_repo();
        struct cim_object *inst;
        struct mof_diag_list diags = { 0 };

        compile_fails_at("class T { [key] string K; uint32 V; };\n"
                         "instance of T { K = \"a\"; V = 1;\n V = 2; };", 3, 2,
                         OWMI_E_INVALID_PROPERTY, "given twice");
        compile_fails_at("[Singleton] class S { [key] string K; };", 1, 19,
                         OWMI_E_CANNOT_BE_SINGLETON, "singleton");
        compile_fails_at("class P { [key] string K; };\n[Association] class A { P REF One; };", 2, 21,
                         OWMI_E_INVALID_ASSOCIATION, "two references");
        compile_fails_at("class T { real64 R = -1e999; };", 1, 23, OWMI_E_INVALID_SYNTAX,
                         "out of range");
        compile_fails_at("#pragma namespace(\"root\")\ninstance of __Namespace { Name = \"a/b\"; };",
                         2, 1, OWMI_E_INVALID_NAMESPACE, "invalid namespace name");
        /* DisableOverride cannot be lifted by restating the flavors */
        compile_fails_at("Qualifier Key : boolean = false, Scope(property), Flavor(DisableOverride);\n"
                         "class KA { [Key] string k; };\n"
                         "class KB : KA { [Key : EnableOverride] string k; };", 3, 18,
                         OWMI_E_OVERRIDE_NOT_ALLOWED, "DisableOverride");

        /* qualifiers written on an instance are kept; Required/MaxLen warn */
        assert_int_equal(compile(repo, "root/cimv2",
                                 "class Q { [key] string K; [Required] string R; [MaxLen(2)] string M; };\n"
                                 "[Tag(\"i\")] instance of Q { [Note(\"p\")] K = \"k\"; M = \"long\"; };",
                                 &diags), 0);
        assert_int_equal(diags.warnings, 2);
        mof_diag_list_release(&diags);
        inst = get_instance(repo, "Q.K=\"k\"");
        assert_string_equal(cim_qualifier_list_string(&inst->qualifiers, "Tag"), "i");
        assert_string_equal(cim_qualifier_list_string(&cim_object_find_property(inst, "K")->qualifiers,
                                                      "Note"), "p");
        cim_object_free(inst);

        /* string keys are their text, even text that reads like a path */
        compile_ok(repo, "class SK { [key] string k; string v; };\n"
                         "instance of SK { k = \"A.a=1,b=2\"; v = \"first\"; };\n"
                         "instance of SK { k = \"A.b=2,a=1\"; v = \"second\"; };\n"
                         "class NK { [key] uint32 k; };\ninstance of NK { k = 2; };\n");
        inst = get_instance(repo, "SK.k=\"A.a=1,b=2\"");
        assert_string_equal(value_of(inst, "v")->v.string, "first");
        cim_object_free(inst);
        inst = get_instance(repo, "SK.k=\"A.b=2,a=1\"");
        assert_string_equal(value_of(inst, "v")->v.string, "second");
        cim_object_free(inst);
        /* path keys take the declared type */
        cim_object_free(get_instance(repo, "NK.k=\"2\""));
        cim_object_free(get_instance(repo, "NK=0x2"));
        repo_close(repo);
}

static void test_include_cycles(void **state)
{
        char a[4200], b[4200];
        const char *files[] = { a };
        struct repo *repo = new_repo();
        struct mof_options opts = { .namespace = "root/cimv2" };
        struct mof_diag_list diags = { 0 };
        FILE *f;

        snprintf(a, sizeof(a), "%s/cycle-a.mof", test_dir);
        snprintf(b, sizeof(b), "%s/cycle-b.mof", test_dir);
        f = fopen(a, "w");
        fputs("#pragma include(\"cycle-b.mof\")\nclass CycleA {};\n", f);
        fclose(f);
        f = fopen(b, "w");
        fputs("#pragma include(\"cycle-a.mof\")\nclass CycleB {};\n", f);
        fclose(f);
        assert_int_equal(mof_compile_files(repo, files, 1, &opts, &diags, NULL), -EINVAL);
        assert_int_equal(diags.errors, 1);
        assert_non_null(strstr(diags.items[0].message, "includes itself"));
        assert_string_equal(diags.items[0].file, b);
        assert_int_equal(diags.items[0].line, 1);
        mof_diag_list_release(&diags);
        repo_close(repo);
}

/* What WMI lets through with a warning, strict DMTF mode refuses. */
static void test_strict_mode(void **state)
{
        static const char *const texts[] = {
                "class A {};\nclass A {};",                      /* declared twice */
                "class A { uint8 X[2] = {1, 2, 3}; };",         /* over the fixed size */
                "class A { [Undeclared] uint32 X; };",          /* undeclared qualifier */
        };
        struct repo *repo = new_repo();

        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                struct mof_options lenient = { .namespace = "root/cimv2", .check_only = true };
                struct mof_options strict = { .namespace = "root/cimv2", .check_only = true,
                                              .strict = true };
                struct mof_diag_list diags = { 0 };

                assert_int_equal(mof_compile_buffer(repo, "t.mof", texts[i], strlen(texts[i]),
                                                    &lenient, &diags, NULL), 0);
                assert_int_equal(diags.errors, 0);
                assert_int_equal(diags.warnings, i < 2 ? 1 : 0);
                mof_diag_list_release(&diags);
                assert_int_equal(mof_compile_buffer(repo, "t.mof", texts[i], strlen(texts[i]),
                                                    &strict, &diags, NULL), -EINVAL);
                assert_int_equal(diags.errors, 1);
                mof_diag_list_release(&diags);
        }
        repo_close(repo);
}

static void test_aliases_and_embedded(void **state)
{
        struct repo *repo = new_repo();
        struct cim_object *inst;
        const struct cim_value *v;

        compile_ok(repo,
                   "class Person { [key] string Name; Person Friend; };\n"
                   "[Association] class Knows { [key] Person REF A; [key] Person REF B; };\n"
                   "instance of Knows { A = $bob; B = $alice; };\n"   /* aliases used before */
                   "instance of Person as $alice { Name = \"Alice\"; };\n"
                   "instance of Person as $bob { Name = \"Bob\";\n"
                   "  Friend = instance of Person { Name = \"Carol\"; }; };\n");
        inst = get_instance(repo, "Knows.A=\"Person.Name=\\\"Bob\\\"\",B=\"Person.Name=\\\"Alice\\\"\"");
        v = value_of(inst, "A");
        assert_int_equal(v->type, CIM_TYPE_REFERENCE);
        assert_string_equal(v->v.string, "Person.Name=\"Bob\"");
        cim_object_free(inst);
        inst = get_instance(repo, "Person.Name=\"bob\"");
        v = value_of(inst, "Friend");
        assert_int_equal(v->type, CIM_TYPE_OBJECT);
        assert_non_null(v->v.object);
        assert_string_equal(v->v.object->class_name, "Person");
        assert_string_equal(value_of(v->v.object, "Name")->v.string, "Carol");
        cim_object_free(inst);
        repo_close(repo);
        compile_fails_at("class P { [key] P REF R; };\ninstance of P { R = $nobody; };", 2, 21,
                         OWMI_E_NOT_FOUND, "alias '$nobody'");
        compile_fails_at("class P { [key] string K; };\ninstance of P as $a { K = \"1\"; };\n"
                         "instance of P as $a { K = \"2\"; };", 3, 1, OWMI_E_ALREADY_EXISTS, "already defined");
}

static void test_namespaces_and_pragmas(void **state)
{
        struct repo *repo = new_repo();
        struct mof_diag_list diags = { 0 };
        struct cim_object *cls = NULL;

        compile_ok(repo,
                   "#pragma namespace(\"\\\\\\\\.\\\\root\")\n"
                   "instance of __Namespace { Name = \"Test\"; };\n"
                   "#PRAGMA NAMESPACE(\"Test\")\n"       /* relative to root */
                   "#pragma locale(\"en_US\")\n"
                   "#pragma autorecover\n"
                   "class InTest { };\n"
                   "class Gone { };\n"
                   "#pragma deleteclass(\"Gone\", NOFAIL)\n"
                   "#pragma deleteclass(\"NeverWas\", NOFAIL)\n");
        assert_true(repo_namespace_exists(repo, "root/test"));
        assert_true(repo_class_exists(repo, "root/Test", "InTest"));
        assert_false(repo_class_exists(repo, "root/Test", "Gone"));
        /* system classes are in the new namespace too */
        assert_int_equal(repo_class_get(repo, "root/Test", "__NAMESPACE", &cls, NULL), 0);
        cim_object_free(cls);

        /* classflags: createonly refuses an existing class */
        assert_int_equal(compile(repo, "root/Test",
                                 "#pragma classflags(\"createonly\")\nclass InTest { };", &diags), -EINVAL);
        assert_int_equal(diags.items[0].code, OWMI_E_ALREADY_EXISTS);
        mof_diag_list_release(&diags);
        assert_int_equal(compile(repo, "root/Test",
                                 "#pragma classflags(\"updateonly\")\nclass NotThere { };", &diags), -EINVAL);
        assert_int_equal(diags.items[0].code, OWMI_E_NOT_FOUND);
        mof_diag_list_release(&diags);
        /* unknown pragma: a warning only */
        assert_int_equal(compile(repo, "root/Test", "#pragma frobnicate(\"x\")\nclass W {};", &diags), 0);
        assert_int_equal(diags.warnings, 1);
        mof_diag_list_release(&diags);
        repo_close(repo);
}

static void test_check_only(void **state)
{
        struct repo *repo = new_repo();
        struct mof_options opts = { .namespace = "root/cimv2", .check_only = true };
        struct mof_diag_list diags = { 0 };
        struct mof_stats stats = { 0 };
        const char *text = "class Checked { uint32 X; };";

        assert_int_equal(mof_compile_buffer(repo, "c.mof", text, strlen(text), &opts, &diags, &stats), 0);
        assert_int_equal(stats.classes, 1);
        assert_false(repo_class_exists(repo, "root/cimv2", "Checked"));
        mof_diag_list_release(&diags);
        repo_close(repo);
}

static void test_utf16_source(void **state)
{
        static const char text[] = "class U { string S = \"\xc3\xa9t\xc3\xa9\"; };";
        unsigned char buf[256];
        size_t n = 0, out_len, bad;
        char *out;

        /* UTF-16LE with BOM; é is U+00E9 */
        buf[n++] = 0xff;
        buf[n++] = 0xfe;
        for (size_t i = 0; text[i]; i++) {
                if ((unsigned char) text[i] == 0xc3) {
                        buf[n++] = (unsigned char) (0x40 + (text[i + 1] & 0x3f) + 0x80);
                        buf[n++] = 0;
                        i++;
                        continue;
                }
                buf[n++] = (unsigned char) text[i];
                buf[n++] = 0;
        }
        assert_int_equal(mof_source_decode(buf, n, &out, &out_len, &bad), 0);
        assert_string_equal(out, text);
        owmi_free(out);
        /* a NUL inside UTF-16 text, and half a UTF-16 unit, are refused */
        {
                static const unsigned char nul[] = { 0xff, 0xfe, 'a', 0, 0, 0, 'b', 0 };
                static const unsigned char odd[] = { 0xff, 0xfe, 'a', 0, 'b' };

                assert_int_equal(mof_source_decode(nul, sizeof(nul), &out, &out_len, &bad), -EILSEQ);
                assert_int_equal(mof_source_decode(odd, sizeof(odd), &out, &out_len, &bad), -EILSEQ);
        }
        /* invalid UTF-8 is refused with its offset */
        assert_int_equal(mof_source_decode((const unsigned char *) "ab\xff", 3, &out, &out_len, &bad),
                         -EILSEQ);
        assert_int_equal(bad, 2);
}

/* Every allocation may fail: the compiler unwinds with -ENOMEM and leaves
 * the repository untouched (ASan checks the leaks). */
static void test_out_of_memory(void **state)
{
        static const char text[] =
                "Qualifier Description : string = null, Scope(any);\n"
                "[Description(\"x\")] class M { [key] string K; uint32 A[] = {1, 2}; "
                "  uint32 F([IN] string P); };\n"
                "instance of M as $m { K = \"k\"; A = {3}; };\n";
        struct repo *repo = new_repo();
        unsigned long n;
        int r = -ENOMEM;

        for (n = 1; r == -ENOMEM && n < 100000; n++) {
                struct mof_diag_list diags = { 0 };

                owmi_alloc_fail_after(n);
                r = compile(repo, "root/cimv2", text, &diags);
                owmi_alloc_fail_after(0);
                if (r != 0 && r != -ENOMEM)
                        print_message("allocation %lu failing gave %d: %s\n", n, r,
                                      diags.count ? diags.items[0].message : "(no message)");
                mof_diag_list_release(&diags);
                if (r < 0)
                        assert_false(repo_class_exists(repo, "root/cimv2", "M"));
        }
        assert_int_equal(r, 0);
        assert_true(n > 50);
        assert_true(repo_class_exists(repo, "root/cimv2", "M"));
        repo_close(repo);
}

static void test_render(void **state)
{
        struct repo *repo = new_repo();
        struct cim_object *cls;
        struct strbuf sb = STRBUF_INIT;

        compile_ok(repo,
                   "[Description(\"A \\\"quoted\\\" text\")]\n"
                   "class R { [key] string K; uint8 Bytes[4] = {1, 2}; R REF Self;\n"
                   "  uint32 Go([IN, OUT] string S[]); };\n");
        cls = get_class(repo, "R");
        assert_int_equal(cim_object_format_mof(cls, 0, &sb), 0);
        assert_string_equal(strbuf_str(&sb),
                            "[Description(\"A \\\"quoted\\\" text\")]\n"
                            "class R\n{\n"
                            "\t[key] string K;\n"
                            "\tuint8 Bytes[4] = {1, 2};\n"
                            "\tR REF Self;\n"
                            "\tuint32 Go([IN, OUT] string S[]);\n"
                            "};\n");
        strbuf_release(&sb);
        cim_object_free(cls);
        repo_close(repo);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_literals),
                cmocka_unit_test(test_range_and_type_errors),
                cmocka_unit_test(test_syntax_errors),
                cmocka_unit_test(test_error_recovery),
                cmocka_unit_test(test_inheritance_and_overrides),
                cmocka_unit_test(test_class_rules),
                cmocka_unit_test(test_strict_mode),
                cmocka_unit_test(test_more_rules),
                cmocka_unit_test(test_include_cycles),
                cmocka_unit_test(test_aliases_and_embedded),
                cmocka_unit_test(test_namespaces_and_pragmas),
                cmocka_unit_test(test_check_only),
                cmocka_unit_test(test_utf16_source),
                cmocka_unit_test(test_out_of_memory),
                cmocka_unit_test(test_render),
        };

        return cmocka_run_group_tests_name("mof", tests, test_dir_setup, test_dir_teardown);
}
