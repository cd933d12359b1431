/* SPDX-License-Identifier: MIT */
/*
 * test-objpath.c: object paths: every spelling the parser accepts and its
 * canonical WMI and DMTF text, key value types, errors with their columns,
 * the limits, equality, key access, copying, and failing allocations.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cim/objpath.h"

static int parse(const char *s, struct cim_objpath *p, struct owmi_error *err)
{
        return cim_objpath_parse(s, strlen(s), p, err);
}

static struct cim_objpath parse_ok(const char *s)
{
        struct cim_objpath p;
        struct owmi_error err = { 0 };

        if (parse(s, &p, &err) < 0)
                fail_msg("'%s' rejected: column %u: %s", s, err.column, err.message);
        return p;
}

/* The canonical text of p in the given flavor (caller frees). */
static char *format(const struct cim_objpath *p, unsigned flags)
{
        struct strbuf sb = STRBUF_INIT;
        int r = cim_objpath_format(p, flags, &sb);

        if (r < 0)
                fail_msg("format failed: %d", r);
        return strbuf_detach(&sb);
}

static bool equal_text(const char *a, const char *b)
{
        struct cim_objpath pa = parse_ok(a), pb = parse_ok(b);
        bool eq = cim_objpath_equal(&pa, &pb);

        /* equality is symmetric */
        assert_true(eq == cim_objpath_equal(&pb, &pa));
        cim_objpath_release(&pa);
        cim_objpath_release(&pb);
        return eq;
}

/* format(parse(x)) parses to an equal path, and formats to the same text. */
static void check_round_trip(const struct cim_objpath *p, unsigned flags)
{
        char *first = format(p, flags), *second;
        struct cim_objpath again = parse_ok(first);

        if (!cim_objpath_equal(p, &again))
                fail_msg("'%s' does not read back equal", first);
        second = format(&again, flags);
        assert_string_equal(first, second);
        cim_objpath_release(&again);
        owmi_free(first);
        owmi_free(second);
}

static const struct {
        const char *in, *wmi, *dmtf;
} canon_cases[] = {
        { "\\\\server\\root\\cimv2:Win32_LogicalDisk.DeviceID=\"C:\"",
          "\\\\server\\root\\cimv2:Win32_LogicalDisk.DeviceID=\"C:\"",
          "//server/root/cimv2:Win32_LogicalDisk.DeviceID=\"C:\"" },
        { "//./root/cimv2:Class", "\\\\.\\root\\cimv2:Class", "//./root/cimv2:Class" },
        { "root\\cimv2:Class", "\\\\.\\root\\cimv2:Class", "//./root/cimv2:Class" },
        { "\\\\LOCALHOST/root/cimv2:Class", "\\\\.\\root\\cimv2:Class", "//./root/cimv2:Class" },
        { "/\\srv\\root/cimv2:C=@", "\\\\srv\\root\\cimv2:C=@", "//srv/root/cimv2:C=@" },
        { "\\\\srv-01.example.com\\root:C.k=1", "\\\\srv-01.example.com\\root:C.k=1",
          "//srv-01.example.com/root:C.k=1" },
        { "root:C", "\\\\.\\root:C", "//./root:C" },
        { "Class.K2=\"a\",K1=1", "Class.K1=1,K2=\"a\"", NULL },
        { "c.B=1,a=2", "c.a=2,B=1", NULL },
        { "Class=\"v\"", "Class=\"v\"", NULL },
        { "Class=42", "Class=42", NULL },
        { "Class=@", "Class=@", NULL },
        { "Class", "Class", NULL },
        { "__NAMESPACE.Name=\"sub\"", "__NAMESPACE.Name=\"sub\"", NULL },
        { "C.a=\"x\\\"y\\\\z\"", "C.a=\"x\\\"y\\\\z\"", NULL },
        { "C.a='it\\'s'", "C.a=\"it's\"", NULL },
        { "C.a='say \"hi\"'", "C.a=\"say \\\"hi\\\"\"", NULL },
        { "C.a=\"C:\\Windows\"", "C.a=\"C:\\\\Windows\"", NULL },
        { "C.a=\"\"", "C.a=\"\"", NULL },
        { "C.a=\"caf\xc3\xa9 \xe2\x82\xac\"", "C.a=\"caf\xc3\xa9 \xe2\x82\xac\"", NULL },
        { "C.a=\"tab\there\"", "C.a=\"tab\there\"", NULL },
        { "C.k=0x1F,j=-5,i=1.5,h=TRUE,g=false", "C.g=FALSE,h=TRUE,i=1.5,j=-5,k=31", NULL },
        { "C.k=TrUe", "C.k=TRUE", NULL },
        { "C.k=0X00ff", "C.k=255", NULL },
        { "C.k=-0x10", "C.k=-16", NULL },
        { "C.k=+7", "C.k=7", NULL },
        { "C.k=007", "C.k=7", NULL },
        { "C.k=-0", "C.k=0", NULL },
        { "C.k=18446744073709551615", "C.k=18446744073709551615", NULL },
        { "C.k=0xFFFFFFFFFFFFFFFF", "C.k=18446744073709551615", NULL },
        { "C.k=-9223372036854775808", "C.k=-9223372036854775808", NULL },
        { "C.r=1e3", "C.r=1000.0", NULL },
        { "C.r=2.5E-3", "C.r=0.0025", NULL },
        { "C.r=0.1", "C.r=0.1", NULL },
        { "C.r=1e300", "C.r=1e+300", NULL },
        { "C.r=-0.0", "C.r=-0.0", NULL },
        { "C.k=\"20230101120000.000000+000\"", "C.k=\"20230101120000.000000+000\"", NULL },
        { "\\\\srv\\root\\cimv2", "\\\\srv\\root\\cimv2", "//srv/root/cimv2" },
        { "root/default", "\\\\.\\root\\default", "//./root/default" },
        { "//./root", "\\\\.\\root", "//./root" },
        /* references: canonical nested text, in the outer flavor */
        { "A.r=\"\\\\\\\\.\\\\root\\\\cimv2:B.k=\\\"v\\\"\"",
          "A.r=\"\\\\\\\\.\\\\root\\\\cimv2:B.k=\\\"v\\\"\"",
          "A.r=\"//./root/cimv2:B.k=\\\"v\\\"\"" },
        { "A.r=\"B.y=2,x=1\"", "A.r=\"B.x=1,y=2\"", NULL },
        { "A.r='root/x:B=@'", "A.r=\"\\\\\\\\.\\\\root\\\\x:B=@\"", "A.r=\"//./root/x:B=@\"" },
        { "A.r='B.k=\\'v\\''", "A.r=\"B.k=\\\"v\\\"\"", NULL },
        { "Win32_SubDirectory.GroupComponent=\"Win32_Directory.Name=\\\"c:\\\\\\\\\\\"\","
          "PartComponent=\"Win32_Directory.Name=\\\"c:\\\\\\\\windows\\\"\"",
          "Win32_SubDirectory.GroupComponent=\"Win32_Directory.Name=\\\"c:\\\\\\\\\\\"\","
          "PartComponent=\"Win32_Directory.Name=\\\"c:\\\\\\\\windows\\\"\"", NULL },
};

static void test_canonical(void **state)
{
        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(canon_cases); i++) {
                struct cim_objpath p;
                char *s;

                p = parse_ok(canon_cases[i].in);
                s = format(&p, CIM_OBJPATH_WMI);
                if (strcmp(s, canon_cases[i].wmi) != 0)
                        fail_msg("'%s': got '%s', expected '%s'", canon_cases[i].in, s,
                                 canon_cases[i].wmi);
                owmi_free(s);
                s = format(&p, CIM_OBJPATH_DMTF);
                if (strcmp(s, canon_cases[i].dmtf ? canon_cases[i].dmtf : canon_cases[i].wmi) != 0)
                        fail_msg("'%s': got DMTF '%s'", canon_cases[i].in, s);
                owmi_free(s);
                check_round_trip(&p, CIM_OBJPATH_WMI);
                check_round_trip(&p, CIM_OBJPATH_DMTF);
                cim_objpath_release(&p);
        }
}

static void test_relative_flag(void **state)
{
        struct cim_objpath p = parse_ok("\\\\srv\\root\\cimv2:Win32_Service.Name=\"x\"");
        struct strbuf sb = STRBUF_INIT;
        char *s;

        (void) state;
        s = format(&p, CIM_OBJPATH_RELATIVE);
        assert_string_equal(s, "Win32_Service.Name=\"x\"");
        owmi_free(s);
        s = format(&p, CIM_OBJPATH_RELATIVE | CIM_OBJPATH_DMTF);
        assert_string_equal(s, "Win32_Service.Name=\"x\"");
        owmi_free(s);
        cim_objpath_release(&p);
        /* a nested reference keeps its namespace in a relative path */
        p = parse_ok("root:A.r=\"root:B.k=1\"");
        s = format(&p, CIM_OBJPATH_RELATIVE);
        assert_string_equal(s, "A.r=\"\\\\\\\\.\\\\root:B.k=1\"");
        owmi_free(s);
        cim_objpath_release(&p);
        /* a namespace-only path has no relative form */
        p = parse_ok("\\\\srv\\root");
        strbuf_addstr(&sb, "keep");
        assert_int_equal(cim_objpath_format(&p, CIM_OBJPATH_RELATIVE, &sb), -EINVAL);
        assert_string_equal(strbuf_str(&sb), "keep");
        /* format appends */
        assert_int_equal(cim_objpath_format(&p, 0, &sb), 0);
        assert_string_equal(strbuf_str(&sb), "keep\\\\srv\\root");
        strbuf_release(&sb);
        cim_objpath_release(&p);
}

static void test_fields(void **state)
{
        struct cim_objpath p;

        (void) state;
        p = parse_ok("\\\\Server1\\Root\\CIMV2:Win32_LogicalDisk.DeviceID=\"C:\"");
        assert_string_equal(p.server, "Server1");
        assert_string_equal(p.namespace, "Root/CIMV2");
        assert_string_equal(p.class_name, "Win32_LogicalDisk");
        assert_false(p.singleton);
        assert_int_equal(p.key_count, 1);
        assert_string_equal(p.keys[0].name, "DeviceID");
        assert_int_equal(p.keys[0].value.type, CIM_TYPE_STRING);
        assert_string_equal(p.keys[0].value.v.string, "C:");
        cim_objpath_release(&p);

        p = parse_ok("//./root/cimv2:Class");
        assert_null(p.server);
        assert_string_equal(p.namespace, "root/cimv2");
        assert_int_equal(p.key_count, 0);
        cim_objpath_release(&p);

        p = parse_ok("\\\\localhost\\root:C=@");
        assert_null(p.server);
        assert_true(p.singleton);
        assert_int_equal(p.key_count, 0);
        cim_objpath_release(&p);

        p = parse_ok("\\\\srv\\root\\cimv2");
        assert_string_equal(p.server, "srv");
        assert_string_equal(p.namespace, "root/cimv2");
        assert_null(p.class_name);
        cim_objpath_release(&p);

        p = parse_ok("root/default");
        assert_null(p.server);
        assert_string_equal(p.namespace, "root/default");
        assert_null(p.class_name);
        cim_objpath_release(&p);

        /* one name alone is a class, not a namespace */
        p = parse_ok("root");
        assert_null(p.namespace);
        assert_string_equal(p.class_name, "root");
        cim_objpath_release(&p);

        p = parse_ok("Win32_Service=\"Spooler\"");
        assert_null(p.namespace);
        assert_int_equal(p.key_count, 1);
        assert_null(p.keys[0].name);
        assert_string_equal(p.keys[0].value.v.string, "Spooler");
        cim_objpath_release(&p);
}

static void test_key_types(void **state)
{
        static const struct {
                const char *name;
                cim_type type;
        } want[] = {
                { "a", CIM_TYPE_STRING },
                { "b", CIM_TYPE_UINT64 },
                { "c", CIM_TYPE_SINT64 },
                { "d", CIM_TYPE_REAL64 },
                { "e", CIM_TYPE_BOOLEAN },
                { "f", CIM_TYPE_REFERENCE },   /* instance path */
                { "g", CIM_TYPE_STRING },      /* "C:" */
                { "h", CIM_TYPE_STRING },      /* namespace only */
                { "i", CIM_TYPE_STRING },      /* a bare name */
                { "j", CIM_TYPE_REFERENCE },   /* singleton */
                { "k", CIM_TYPE_REFERENCE },   /* namespace-qualified class */
                { "l", CIM_TYPE_REFERENCE },   /* unnamed key */
                { "m", CIM_TYPE_STRING },      /* not a path */
                { "n", CIM_TYPE_UINT64 },      /* hex */
                { "o", CIM_TYPE_REAL64 },      /* exponent only */
                { "p", CIM_TYPE_STRING },      /* a datetime stays a string */
        };
        struct cim_objpath p = parse_ok(
                "C.a=\"s\",b=1,c=-1,d=1.5,e=TRUE,f=\"X.k=1\",g=\"C:\",h=\"root\\\\cimv2\","
                "i=\"abc\",j='X=@',k=\"r:X\",l='X=\"v\"',m=\"a b.c=1\",n=0x10,o=2e2,"
                "p=\"20230101120000.000000+000\"");
        const struct cim_keybinding *k;

        (void) state;
        assert_int_equal(p.key_count, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                k = cim_objpath_find_key(&p, want[i].name);
                assert_non_null(k);
                if (k->value.type != want[i].type)
                        fail_msg("key %s: type %d, expected %d", want[i].name, k->value.type,
                                 want[i].type);
                assert_false(k->value.is_null);
                assert_false(k->value.is_array);
        }
        assert_true(cim_objpath_find_key(&p, "b")->value.v.u64 == 1);
        assert_true(cim_objpath_find_key(&p, "c")->value.v.s64 == -1);
        assert_true(cim_objpath_find_key(&p, "d")->value.v.real == 1.5);
        assert_true(cim_objpath_find_key(&p, "e")->value.v.boolean);
        assert_true(cim_objpath_find_key(&p, "n")->value.v.u64 == 16);
        assert_true(cim_objpath_find_key(&p, "o")->value.v.real == 200.0);
        /* a reference holds the nested text as given, unescaped */
        assert_string_equal(cim_objpath_find_key(&p, "l")->value.v.string, "X=\"v\"");
        assert_string_equal(cim_objpath_find_key(&p, "h")->value.v.string, "root\\cimv2");
        /* lookups are case-insensitive */
        assert_ptr_equal(cim_objpath_find_key(&p, "A"), cim_objpath_find_key(&p, "a"));
        assert_null(cim_objpath_find_key(&p, "zz"));
        assert_null(cim_objpath_find_key(&p, NULL));
        cim_objpath_release(&p);

        /* extremes */
        p = parse_ok("C.a=-9223372036854775808,b=18446744073709551615,c=-1.7976931348623157e308");
        assert_true(cim_objpath_find_key(&p, "a")->value.v.s64 == INT64_MIN);
        assert_true(cim_objpath_find_key(&p, "b")->value.v.u64 == UINT64_MAX);
        assert_true(cim_objpath_find_key(&p, "c")->value.v.real == -1.7976931348623157e308);
        check_round_trip(&p, 0);
        cim_objpath_release(&p);

        /* an integer too long for 64 bits is fine as a real */
        p = parse_ok("C.r=123456789012345678901234567890.5");
        assert_int_equal(p.keys[0].value.type, CIM_TYPE_REAL64);
        check_round_trip(&p, 0);
        cim_objpath_release(&p);
}

static void test_errors(void **state)
{
        static const struct {
                const char *text;
                unsigned column;
                const char *message;
        } cases[] = {
                { "9C", 1, "expected class name, found '9'" },
                { " C", 1, "expected class name, found '\\x20'" },
                { "C k", 2, "expected '.', '=' or end of path after class name" },
                { "C.", 3, "expected key name, found end of path" },
                { "C.9k=1", 3, "expected key name" },
                { "C.k", 4, "expected '=' after key 'k', found end of path" },
                { "C.k:1", 4, "expected '=' after key 'k', found ':'" },
                { "C.k=", 5, "expected key value, found end of path" },
                { "C.k=abc", 5, "expected key value, found 'a'" },
                { "C.k=TRUEX", 5, "expected key value" },
                { "C.k=@", 5, "expected key value, found '@'" },
                { "C.k=1,", 7, "expected key name" },
                { "C.k=1;", 6, "expected ',' or end of path, found ';'" },
                { "C.k=1 ", 6, "expected ',' or end of path" },
                { "C.k='a''b'", 8, "expected ',' or end of path, found \"'\"" },
                { "C.k=\"abc", 5, "unterminated string" },
                { "C.k='abc\"", 5, "unterminated string" },
                { "C.k=\"abc\\\"", 5, "unterminated string" },
                { "C.k=1,K=2", 7, "duplicate key 'K'" },
                { "C.k=0x", 7, "expected hexadecimal digit, found end of path" },
                { "C.k=0xg", 7, "expected hexadecimal digit, found 'g'" },
                { "C.k=-", 6, "expected digit, found end of path" },
                { "C.k=--1", 6, "expected digit, found '-'" },
                { "C.k=1.", 7, "expected digit after '.'" },
                { "C.k=1.e5", 7, "expected digit after '.'" },
                { "C.k=1e", 7, "expected exponent digit" },
                { "C.k=1e+", 8, "expected exponent digit" },
                { "C.k=18446744073709551616", 5, "integer out of range" },
                { "C.k=0x10000000000000000", 5, "integer out of range" },
                { "C.k=-9223372036854775809", 5, "integer out of range" },
                { "C.k=1e400", 5, "real number out of range" },
                { "C=@x", 4, "expected end of path, found 'x'" },
                { "C=1,k=2", 4, "expected end of path, found ','" },
                { "C=", 3, "expected key value" },
                { "C.k=1=2", 6, "expected ',' or end of path" },
                { "\\\\", 3, "expected server name, found end of path" },
                { "\\\\:x", 3, "expected server name, found ':'" },
                { "\\\\srv", 6, "expected '\\' after server name, found end of path" },
                { "\\\\srv:root", 6, "expected '\\' after server name, found ':'" },
                { "\\\\srv\\", 7, "expected namespace name, found end of path" },
                { "\\\\srv\\root:", 12, "expected class name, found end of path" },
                { "\\\\srv\\root\\", 12, "expected namespace name" },
                { "\\\\srv\\root\\cimv2 :C", 17, "expected ':' after namespace, found '\\x20'" },
                { "root\\\\cimv2:C", 6, "expected namespace name, found '\\'" },
                { "root:C:D", 7, "expected '.', '=' or end of path after class name, found ':'" },
                { "\\root\\cimv2:C", 1, "expected class name, found '\\'" },
                { ":C", 1, "expected class name, found ':'" },
                { "C.k=\"\xff\"", 6, "invalid UTF-8 in string" },
                { "C.k=\"ab\xc3\"", 8, "invalid UTF-8 in string" },
                { "C.k=\"\xed\xa0\x80\"", 6, "invalid UTF-8 in string" },
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct cim_objpath p;
                struct owmi_error err = { 0 };
                int r;

                memset(&p, 0x5a, sizeof(p));
                r = parse(cases[i].text, &p, &err);
                if (r != -EINVAL)
                        fail_msg("'%s': returned %d", cases[i].text, r);
                assert_int_equal(err.code, OWMI_E_INVALID_OBJECT_PATH);
                if (err.column != cases[i].column)
                        fail_msg("'%s': column %u, expected %u (%s)", cases[i].text, err.column,
                                 cases[i].column, err.message);
                if (!strstr(err.message, cases[i].message))
                        fail_msg("'%s': message '%s', expected '%s'", cases[i].text, err.message,
                                 cases[i].message);
                /* nothing written on failure */
                assert_ptr_equal(p.class_name, (char *) (uintptr_t) 0x5a5a5a5a5a5a5a5aULL);
                /* err may be NULL */
                assert_int_equal(parse(cases[i].text, &p, NULL), -EINVAL);
        }
        {
                struct cim_objpath p;
                struct owmi_error err = { 0 };

                assert_int_equal(cim_objpath_parse("", 0, &p, &err), -EINVAL);
                assert_int_equal(err.column, 1);
                assert_string_equal(err.message, "empty object path");
                /* a NUL inside a string, and text after len ignored */
                assert_int_equal(cim_objpath_parse("C.k=\"a\0b\"", 9, &p, &err), -EINVAL);
                assert_int_equal(err.column, 7);
                assert_string_equal(err.message, "NUL character in string");
                assert_int_equal(cim_objpath_parse("C.k=1garbage", 5, &p, &err), 0);
                assert_true(p.keys[0].value.v.u64 == 1);
                cim_objpath_release(&p);
        }
}

/* n levels of references: A.r="A.r=\"...Z.k=1...\"" */
static char *nest(unsigned n)
{
        struct strbuf sb = STRBUF_INIT;
        char *s = owmi_strdup("Z.k=1");

        for (unsigned i = 0; i < n; i++) {
                strbuf_addstr(&sb, "A.r=\"");
                for (const char *c = s; *c; c++) {
                        if (*c == '"' || *c == '\\')
                                strbuf_addch(&sb, '\\');
                        strbuf_addch(&sb, *c);
                }
                strbuf_addch(&sb, '"');
                owmi_free(s);
                s = strbuf_detach(&sb);
        }
        return s;
}

static void test_limits(void **state)
{
        struct cim_objpath p;
        struct owmi_error err = { 0 };
        struct strbuf sb = STRBUF_INIT;
        char *s;

        (void) state;
        /* length: exactly the limit is fine, one more is not */
        strbuf_addstr(&sb, "C.k=\"");
        while (sb.len < CIM_OBJPATH_MAX_LEN - 1)
                strbuf_addch(&sb, 'a');
        strbuf_addch(&sb, '"');
        assert_int_equal(sb.len, CIM_OBJPATH_MAX_LEN);
        assert_int_equal(cim_objpath_parse(sb.buf, sb.len, &p, &err), 0);
        check_round_trip(&p, 0);
        cim_objpath_release(&p);
        strbuf_addch(&sb, 'x');
        assert_int_equal(cim_objpath_parse(sb.buf, sb.len, &p, &err), -EINVAL);
        assert_int_equal(err.column, CIM_OBJPATH_MAX_LEN + 1);
        assert_string_equal(err.message, "object path longer than 65536 bytes");
        strbuf_reset(&sb);

        /* canonical text longer than the limit is refused, not written */
        strbuf_addstr(&sb, "C.k='");
        while (sb.len < CIM_OBJPATH_MAX_LEN - 1)
                strbuf_addch(&sb, '"');
        strbuf_addch(&sb, '\'');
        assert_int_equal(cim_objpath_parse(sb.buf, sb.len, &p, &err), 0);
        strbuf_reset(&sb);
        strbuf_addstr(&sb, "keep");
        assert_int_equal(cim_objpath_format(&p, 0, &sb), -E2BIG);
        assert_string_equal(strbuf_str(&sb), "keep");
        cim_objpath_release(&p);
        strbuf_reset(&sb);

        /* keys: 64 are fine, the 65th is reported at its name */
        strbuf_addstr(&sb, "C.");
        for (int i = 0; i < CIM_OBJPATH_MAX_KEYS; i++)
                strbuf_addf(&sb, "%sk%02d=%d", i ? "," : "", i, i);
        assert_int_equal(cim_objpath_parse(sb.buf, sb.len, &p, &err), 0);
        assert_int_equal(p.key_count, CIM_OBJPATH_MAX_KEYS);
        check_round_trip(&p, 0);
        {
                struct cim_value v;

                cim_value_set_uint(&v, CIM_TYPE_UINT32, 1);
                assert_int_equal(cim_objpath_add_key(&p, "extra", &v), -E2BIG);
                assert_int_equal(v.type, CIM_TYPE_UINT32);
                cim_value_release(&v);
        }
        cim_objpath_release(&p);
        {
                size_t at = sb.len + 2;

                strbuf_addstr(&sb, ",k64=64");
                assert_int_equal(cim_objpath_parse(sb.buf, sb.len, &p, &err), -EINVAL);
                assert_int_equal(err.column, at);
                assert_string_equal(err.message, "more than 64 keys");
        }
        strbuf_release(&sb);

        /* nesting: 8 references deep is fine, 9 is reported at the
         * outermost key value */
        s = nest(CIM_OBJPATH_MAX_DEPTH);
        p = parse_ok(s);
        assert_int_equal(p.keys[0].value.type, CIM_TYPE_REFERENCE);
        check_round_trip(&p, 0);
        check_round_trip(&p, CIM_OBJPATH_DMTF);
        cim_objpath_release(&p);
        owmi_free(s);
        s = nest(CIM_OBJPATH_MAX_DEPTH + 1);
        assert_int_equal(parse(s, &p, &err), -EINVAL);
        assert_int_equal(err.code, OWMI_E_INVALID_OBJECT_PATH);
        assert_int_equal(err.column, 5);
        assert_string_equal(err.message, "references nested more than 8 deep");
        owmi_free(s);
        /* plain strings may nest quotes without limit */
        {
                char deep[64];

                snprintf(deep, sizeof(deep), "C.k=\"%s\"", "\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"");
                p = parse_ok(deep);
                assert_int_equal(p.keys[0].value.type, CIM_TYPE_STRING);
                cim_objpath_release(&p);
        }
}

static void test_equal(void **state)
{
        (void) state;
        /* case, separators, local server spellings */
        assert_true(equal_text("\\\\.\\ROOT\\CIMV2:win32_logicaldisk.deviceid=\"c:\"",
                               "root/cimv2:Win32_LogicalDisk.DeviceID=\"C:\""));
        assert_true(equal_text("\\\\localhost\\root:C.k=1", "root:C.k=1"));
        assert_true(equal_text("\\\\SRV\\root:C.k=1", "//srv/root:C.k=1"));
        assert_false(equal_text("\\\\other\\root:C.k=1", "root:C.k=1"));
        assert_false(equal_text("root:C.k=1", "C.k=1"));
        assert_false(equal_text("root/a:C", "root/b:C"));
        assert_false(equal_text("root/a:C", "root/ab:C"));
        assert_false(equal_text("root\\cimv2", "root\\cimv2:C"));
        assert_false(equal_text("C", "D"));
        /* key order */
        assert_true(equal_text("C.a=1,b=\"x\"", "C.B=\"X\",A=1"));
        assert_false(equal_text("C.a=1,b=\"x\"", "C.a=1"));
        assert_false(equal_text("C.a=1,b=\"x\"", "C.a=1,c=\"x\""));
        /* values by meaning */
        assert_true(equal_text("C.k=1", "C.k=0x1"));
        /* an integer is never a real: their canonical texts differ */
        assert_false(equal_text("C.k=1", "C.k=1.0"));
        assert_true(equal_text("C.k=-0", "C.k=0"));
        assert_true(equal_text("C.k=-5", "C.k=-0x5"));
        assert_false(equal_text("C.k=1", "C.k=2"));
        assert_false(equal_text("C.k=-1", "C.k=1"));
        assert_false(equal_text("C.k=-1", "C.k=18446744073709551615"));
        assert_false(equal_text("C.k=1", "C.k=\"1\""));
        assert_false(equal_text("C.k=1", "C.k=TRUE"));
        assert_true(equal_text("C.k=true", "C.k=TRUE"));
        assert_false(equal_text("C.k=true", "C.k=false"));
        assert_true(equal_text("C.k=1.5", "C.k=15e-1"));
        assert_true(equal_text("C.k='abc'", "C.k=\"ABC\""));
        assert_false(equal_text("C.k='abc'", "C.k=\"abd\""));
        /* unnamed and named single keys */
        assert_true(equal_text("C=\"v\"", "C.Name=\"v\""));
        assert_true(equal_text("C.Name=\"v\"", "C=\"v\""));
        assert_false(equal_text("C=\"v\"", "C.Name=\"w\""));
        assert_false(equal_text("C=\"v\"", "C.a=\"v\",b=1"));
        /* singletons */
        assert_true(equal_text("C=@", "c=@"));
        assert_false(equal_text("C=@", "C"));
        /* references compare as paths */
        assert_true(equal_text("A.r=\"\\\\\\\\.\\\\root\\\\cimv2:B.k=\\\"v\\\"\"",
                               "A.r='//localhost/ROOT/cimv2:b.K=\"V\"'"));
        assert_true(equal_text("A.r=\"B.y=2,x=1\"", "A.r='B.x=1,y=2'"));
        assert_true(equal_text("A.r=\"B.x=0x10\"", "A.r='B.x=16'"));
        assert_false(equal_text("A.r=\"B.x=1\"", "A.r='B.x=2'"));
        assert_false(equal_text("A.r=\"root:B.x=1\"", "A.r='B.x=1'"));
        /* but strings that merely look alike do not */
        assert_false(equal_text("C.k=\"root/a\"", "C.k=\"root\\\\a\""));
}

static void test_equal_values(void **state)
{
        struct cim_objpath a = { 0 }, b = { 0 };
        struct cim_value v;
        struct cim_datetime dt;

        (void) state;
        /* built by hand with typed values, as object.c does */
        a.class_name = owmi_strdup("C");
        b.class_name = owmi_strdup("c");
        cim_value_set_uint(&v, CIM_TYPE_UINT8, 7);
        assert_int_equal(cim_objpath_add_key(&a, "n", &v), 0);
        cim_value_set_sint(&v, CIM_TYPE_SINT64, 7);
        assert_int_equal(cim_objpath_add_key(&b, "N", &v), 0);
        assert_true(cim_objpath_equal(&a, &b));
        cim_value_set_uint(&v, CIM_TYPE_CHAR16, 'A');
        assert_int_equal(cim_objpath_add_key(&a, "ch", &v), 0);
        cim_value_set_uint(&v, CIM_TYPE_UINT64, 65);
        assert_int_equal(cim_objpath_add_key(&b, "ch", &v), 0);
        assert_true(cim_objpath_equal(&a, &b));
        cim_value_set_real(&v, CIM_TYPE_REAL32, 0.5);
        assert_int_equal(cim_objpath_add_key(&a, "r", &v), 0);
        cim_value_set_real(&v, CIM_TYPE_REAL64, 0.5);
        assert_int_equal(cim_objpath_add_key(&b, "r", &v), 0);
        assert_true(cim_objpath_equal(&a, &b));
        /* a datetime equals its text */
        assert_int_equal(cim_datetime_parse("20230101120000.000000+060", 25, &dt, NULL), 0);
        cim_value_init_null(&v, CIM_TYPE_DATETIME, false);
        v.is_null = false;
        v.v.datetime = dt;
        assert_int_equal(cim_objpath_add_key(&a, "t", &v), 0);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "20230101120000.000000+060"), 0);
        assert_int_equal(cim_objpath_add_key(&b, "t", &v), 0);
        assert_true(cim_objpath_equal(&a, &b));
        /* a REFERENCE equals a STRING holding the same path */
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_REFERENCE,
                                              "\\\\.\\root\\cimv2:X.b=2,a=1"), 0);
        assert_int_equal(cim_objpath_add_key(&a, "ref", &v), 0);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "root/cimv2:x.A=1,B=2"), 0);
        assert_int_equal(cim_objpath_add_key(&b, "ref", &v), 0);
        assert_true(cim_objpath_equal(&a, &b));
        assert_true(cim_objpath_equal(&b, &a));
        /* a reference is written canonically; a string key is its own text,
         * even when it reads like a path (two such strings are two keys) */
        {
                char *sa = format(&a, 0), *sb = format(&b, 0);

                assert_string_equal(sa, "C.ch=65,n=7,r=0.5,ref=\"\\\\\\\\.\\\\root\\\\cimv2:X.a=1,b=2\","
                                        "t=\"20230101120000.000000+060\"");
                assert_non_null(strstr(sb, "ref=\"root/cimv2:x.A=1,B=2\""));
                owmi_free(sa);
                owmi_free(sb);
        }
        check_round_trip(&a, 0);
        check_round_trip(&a, CIM_OBJPATH_DMTF);
        /* b's string key reads back as a reference (text carries no types;
         * the repository converts keys to the class's types) */
        cim_value_set_bool(&v, true);
        assert_int_equal(cim_objpath_add_key(&a, "z", &v), 0);
        assert_false(cim_objpath_equal(&a, &b));
        cim_objpath_release(&a);
        cim_objpath_release(&b);
}

static void test_add_find_copy(void **state)
{
        struct cim_objpath p = { 0 }, c;
        struct cim_value v;
        const struct cim_keybinding *k;
        char *s;

        (void) state;
        p.class_name = owmi_strdup("Win32_Service");
        p.namespace = owmi_strdup("root\\cimv2");
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "Spooler"), 0);
        assert_int_equal(cim_objpath_add_key(&p, "Name", &v), 0);
        /* moved: the caller's value is now a NULL */
        assert_true(v.is_null);
        s = format(&p, 0);
        assert_string_equal(s, "\\\\.\\root\\cimv2:Win32_Service.Name=\"Spooler\"");
        owmi_free(s);
        /* failures leave the value with the caller */
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "x"), 0);
        assert_int_equal(cim_objpath_add_key(&p, "NAME", &v), -EEXIST);
        assert_int_equal(cim_objpath_add_key(&p, NULL, &v), -EINVAL);
        assert_int_equal(cim_objpath_add_key(&p, "9bad", &v), -EINVAL);
        assert_int_equal(cim_objpath_add_key(&p, "", &v), -EINVAL);
        assert_int_equal(cim_objpath_add_key(&p, "a b", &v), -EINVAL);
        assert_string_equal(v.v.string, "x");
        cim_value_release(&v);
        cim_value_init_null(&v, CIM_TYPE_STRING, false);
        assert_int_equal(cim_objpath_add_key(&p, "n", &v), -EINVAL);
        cim_value_init_array(&v, CIM_TYPE_UINT32);
        assert_int_equal(cim_objpath_add_key(&p, "n", &v), -EINVAL);
        cim_value_release(&v);

        k = cim_objpath_find_key(&p, "name");
        assert_non_null(k);
        assert_string_equal(k->name, "Name");
        assert_null(cim_objpath_find_key(&p, "other"));

        /* deep copy */
        assert_int_equal(cim_objpath_copy(&c, &p), 0);
        assert_true(cim_objpath_equal(&c, &p));
        assert_ptr_not_equal(c.keys, p.keys);
        assert_ptr_not_equal(c.keys[0].value.v.string, p.keys[0].value.v.string);
        p.keys[0].value.v.string[0] = 'X';
        assert_false(cim_objpath_equal(&c, &p));
        assert_string_equal(c.keys[0].value.v.string, "Spooler");
        cim_objpath_release(&c);
        cim_objpath_release(&p);
        cim_objpath_release(&p);
        cim_objpath_release(NULL);

        /* the unnamed form: only as the sole key */
        p.class_name = owmi_strdup("C");
        cim_value_set_uint(&v, CIM_TYPE_UINT32, 5);
        assert_int_equal(cim_objpath_add_key(&p, NULL, &v), 0);
        cim_value_set_uint(&v, CIM_TYPE_UINT32, 6);
        assert_int_equal(cim_objpath_add_key(&p, "k", &v), -EINVAL);
        assert_ptr_equal(cim_objpath_find_key(&p, "anything"), &p.keys[0]);
        assert_ptr_equal(cim_objpath_find_key(&p, NULL), &p.keys[0]);
        s = format(&p, 0);
        assert_string_equal(s, "C=5");
        owmi_free(s);
        cim_objpath_release(&p);

        /* singletons take no keys */
        p = parse_ok("C=@");
        cim_value_set_uint(&v, CIM_TYPE_UINT32, 6);
        assert_int_equal(cim_objpath_add_key(&p, "k", &v), -EINVAL);
        assert_int_equal(cim_objpath_copy(&c, &p), 0);
        assert_true(c.singleton);
        assert_true(cim_objpath_equal(&c, &p));
        cim_objpath_release(&c);
        cim_objpath_release(&p);
}

static void test_format_errors(void **state)
{
        struct cim_objpath p = { 0 };
        struct strbuf sb = STRBUF_INIT;
        struct cim_value v;

        (void) state;
        strbuf_addstr(&sb, "keep");
        /* nothing to write */
        assert_int_equal(cim_objpath_format(&p, 0, &sb), -EINVAL);
        /* invalid names */
        p.class_name = owmi_strdup("Bad Name");
        assert_int_equal(cim_objpath_format(&p, 0, &sb), -EINVAL);
        owmi_free(p.class_name);
        p.class_name = owmi_strdup("C");
        p.namespace = owmi_strdup("root//x");
        assert_int_equal(cim_objpath_format(&p, 0, &sb), -EINVAL);
        owmi_free(p.namespace);
        p.namespace = owmi_strdup("root/x");
        p.server = owmi_strdup("a:b");
        assert_int_equal(cim_objpath_format(&p, 0, &sb), -EINVAL);
        owmi_free(p.server);
        p.server = NULL;
        /* NaN and infinity have no text that reads back */
        cim_value_set_real(&v, CIM_TYPE_REAL64, NAN);
        assert_int_equal(cim_objpath_add_key(&p, "r", &v), 0);
        assert_int_equal(cim_objpath_format(&p, 0, &sb), -EINVAL);
        p.keys[0].value.v.real = INFINITY;
        assert_int_equal(cim_objpath_format(&p, 0, &sb), -EINVAL);
        p.keys[0].value.v.real = 2.0;
        /* a string that is not UTF-8 */
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "\xff"), 0);
        assert_int_equal(cim_objpath_add_key(&p, "s", &v), 0);
        assert_int_equal(cim_objpath_format(&p, 0, &sb), -EINVAL);
        assert_string_equal(strbuf_str(&sb), "keep");
        owmi_free(p.keys[1].value.v.string);
        p.keys[1].value.v.string = owmi_strdup("ok");
        assert_int_equal(cim_objpath_format(&p, 0, &sb), 0);
        assert_string_equal(strbuf_str(&sb), "keep\\\\.\\root\\x:C.r=2.0,s=\"ok\"");
        strbuf_release(&sb);
        cim_objpath_release(&p);
}

/* ---- failing allocations ---- */

static const char oom_text[] =
        "\\\\srv\\root\\cimv2:Assoc.Left=\"\\\\\\\\HOST\\\\root:B.x=1,y='q'\","
        "Right='A.r=\"Z.k=\\\\\"v\\\\\"\"',n=-5,r=2.5,t=TRUE,s=\"plain\",e=''";

static void test_oom_parse(void **state)
{
        struct cim_objpath ref = parse_ok(oom_text);
        char *want = format(&ref, 0);
        unsigned long n;

        (void) state;
        for (n = 1;; n++) {
                struct cim_objpath p;
                struct owmi_error err = { 0 };
                int r;

                owmi_alloc_fail_after(n);
                r = parse(oom_text, &p, &err);
                owmi_alloc_fail_after(0);
                if (r == 0) {
                        char *got = format(&p, 0);

                        assert_true(cim_objpath_equal(&p, &ref));
                        assert_string_equal(got, want);
                        owmi_free(got);
                        cim_objpath_release(&p);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
                assert_int_equal(err.code, OWMI_E_OUT_OF_MEMORY);
                assert_true(n < 10000);
        }
        assert_true(n > 10);
        owmi_free(want);
        cim_objpath_release(&ref);
}

static void test_oom_format_copy(void **state)
{
        struct cim_objpath ref = parse_ok(oom_text);
        char *want = format(&ref, CIM_OBJPATH_DMTF);
        unsigned long n;

        (void) state;
        for (n = 1;; n++) {
                struct strbuf sb = STRBUF_INIT;
                int r;

                owmi_alloc_fail_after(n);
                r = cim_objpath_format(&ref, CIM_OBJPATH_DMTF, &sb);
                owmi_alloc_fail_after(0);
                if (r == 0) {
                        assert_string_equal(strbuf_str(&sb), want);
                        strbuf_release(&sb);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
                strbuf_release(&sb);
                assert_true(n < 10000);
        }
        assert_true(n > 3);
        for (n = 1;; n++) {
                struct cim_objpath c;
                int r;

                memset(&c, 0x5a, sizeof(c));
                owmi_alloc_fail_after(n);
                r = cim_objpath_copy(&c, &ref);
                owmi_alloc_fail_after(0);
                if (r == 0) {
                        assert_true(cim_objpath_equal(&c, &ref));
                        cim_objpath_release(&c);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
                assert_ptr_equal(c.class_name, (char *) (uintptr_t) 0x5a5a5a5a5a5a5a5aULL);
                assert_true(n < 10000);
        }
        assert_true(n > 5);
        /* equality with nested references allocates: never crashes, and
         * the same path always equals itself */
        for (n = 1; n < 200; n++) {
                owmi_alloc_fail_after(n);
                assert_true(cim_objpath_equal(&ref, &ref));
                owmi_alloc_fail_after(0);
        }
        owmi_free(want);
        cim_objpath_release(&ref);
}

static void test_oom_add_key(void **state)
{
        unsigned long n;

        (void) state;
        for (n = 1;; n++) {
                struct cim_objpath p = { 0 };
                struct cim_value v;
                int r;

                p.class_name = owmi_strdup("C");
                assert_non_null(p.class_name);
                cim_value_set_uint(&v, CIM_TYPE_UINT32, 1);
                owmi_alloc_fail_after(n);
                r = cim_objpath_add_key(&p, "a", &v);
                if (r == 0)
                        r = cim_value_set_string(&v, CIM_TYPE_STRING, "s");
                if (r == 0)
                        r = cim_objpath_add_key(&p, "b", &v);
                owmi_alloc_fail_after(0);
                cim_value_release(&v);
                if (r == 0) {
                        assert_int_equal(p.key_count, 2);
                        cim_objpath_release(&p);
                        break;
                }
                assert_int_equal(r, -ENOMEM);
                cim_objpath_release(&p);
                assert_true(n < 100);
        }
        assert_true(n > 3);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_canonical),
                cmocka_unit_test(test_relative_flag),
                cmocka_unit_test(test_fields),
                cmocka_unit_test(test_key_types),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_equal),
                cmocka_unit_test(test_equal_values),
                cmocka_unit_test(test_add_find_copy),
                cmocka_unit_test(test_format_errors),
                cmocka_unit_test(test_oom_parse),
                cmocka_unit_test(test_oom_format_copy),
                cmocka_unit_test(test_oom_add_key),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
