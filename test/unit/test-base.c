/* SPDX-License-Identifier: MIT */
/*
 * test-base.c: src/base: the allocation hook and its failure injection,
 * owmi_grow, strbuf, the ASCII/UTF-8/UTF-16 helpers, and the status table
 * with struct owmi_error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "base/util.h"

/* ---- alloc ---- */

static void test_alloc_fail_after(void **state)
{
        void *a, *b, *c;

        (void) state;
        owmi_alloc_fail_after(0);
        /* the 3rd allocation from now and every later one fails */
        owmi_alloc_fail_after(3);
        a = owmi_malloc(8);
        b = owmi_calloc(2, 8);
        c = owmi_strdup("x");
        assert_non_null(a);
        assert_non_null(b);
        assert_null(c);
        assert_null(owmi_malloc(1));
        assert_null(owmi_realloc(a, 64));
        /* 5 attempts were made, failed ones included */
        assert_int_equal(owmi_alloc_fail_after(0), 5);
        c = owmi_strndup("abcdef", 3);
        assert_string_equal(c, "abc");
        assert_int_equal(owmi_alloc_fail_after(0), 1);
        owmi_free(a);
        owmi_free(b);
        owmi_free(c);
        owmi_free(NULL);
}

static void test_alloc_zero_and_overflow(void **state)
{
        void *p;

        (void) state;
        /* size 0 still gives a pointer, so NULL always means ENOMEM */
        p = owmi_malloc(0);
        assert_non_null(p);
        p = owmi_realloc(p, 0);
        assert_non_null(p);
        owmi_free(p);
        p = owmi_calloc(0, 16);
        assert_non_null(p);
        owmi_free(p);
        assert_null(owmi_reallocarray(NULL, SIZE_MAX / 2, 3));
        p = owmi_reallocarray(NULL, 4, 4);
        assert_non_null(p);
        owmi_free(p);
}

static void test_grow(void **state)
{
        int *items = NULL;
        size_t alloc = 0;

        (void) state;
        assert_int_equal(OWMI_GROW(items, alloc, 1), 0);
        assert_true(alloc >= 1);
        items[0] = 1;
        assert_int_equal(OWMI_GROW(items, alloc, 9), 0);
        assert_true(alloc >= 9);
        /* doubling: the next size is at least twice the old one */
        {
                size_t old = alloc;

                assert_int_equal(OWMI_GROW(items, alloc, old + 1), 0);
                assert_true(alloc >= 2 * old);
        }
        assert_int_equal(items[0], 1);
        /* no growth needed: nothing changes */
        {
                int *before = items;
                size_t a = alloc;

                assert_int_equal(OWMI_GROW(items, alloc, 3), 0);
                assert_ptr_equal(before, items);
                assert_int_equal(a, alloc);
        }
        /* overflow of need * elem */
        {
                int *before = items;
                size_t a = alloc;

                assert_int_equal(OWMI_GROW(items, alloc, SIZE_MAX / 2), -ENOMEM);
                assert_ptr_equal(before, items);
                assert_int_equal(a, alloc);
        }
        /* allocation failure leaves the array as it was */
        {
                int *before = items;
                size_t a = alloc;

                owmi_alloc_fail_after(1);
                assert_int_equal(OWMI_GROW(items, alloc, a + 1), -ENOMEM);
                owmi_alloc_fail_after(0);
                assert_ptr_equal(before, items);
                assert_int_equal(a, alloc);
        }
        owmi_free(items);
}

/* ---- strbuf ---- */

static void test_strbuf_basic(void **state)
{
        struct strbuf sb = STRBUF_INIT;
        char *s;

        (void) state;
        assert_string_equal(strbuf_str(&sb), "");
        assert_int_equal(strbuf_addstr(&sb, "abc"), 0);
        assert_int_equal(strbuf_addch(&sb, '-'), 0);
        assert_int_equal(strbuf_add(&sb, "xyz", 2), 0);
        assert_int_equal(strbuf_addf(&sb, "%d/%s", 42, "q"), 0);
        assert_string_equal(strbuf_str(&sb), "abc-xy42/q");
        assert_int_equal(sb.len, 10);
        assert_int_equal(strbuf_addindent(&sb, 2), 0);
        assert_string_equal(strbuf_str(&sb), "abc-xy42/q\t\t");
        strbuf_reset(&sb);
        assert_string_equal(strbuf_str(&sb), "");
        assert_int_equal(sb.len, 0);
        assert_int_equal(strbuf_error(&sb), 0);
        /* a long formatted append takes the grow-and-retry path */
        assert_int_equal(strbuf_addf(&sb, "%0500d", 7), 0);
        assert_int_equal(sb.len, 500);
        assert_int_equal(sb.buf[499], '7');
        assert_int_equal(sb.buf[500], '\0');
        s = strbuf_detach(&sb);
        assert_int_equal(strlen(s), 500);
        assert_null(sb.buf);
        assert_int_equal(sb.len, 0);
        owmi_free(s);
        /* detaching an empty buffer gives "" */
        s = strbuf_detach(&sb);
        assert_string_equal(s, "");
        owmi_free(s);
        strbuf_release(&sb);
        strbuf_release(NULL);
}

static void test_strbuf_escaped(void **state)
{
        struct strbuf sb = STRBUF_INIT;

        (void) state;
        assert_int_equal(strbuf_add_escaped(&sb, "plain"), 0);
        assert_string_equal(strbuf_str(&sb), "plain");
        strbuf_reset(&sb);
        assert_int_equal(strbuf_add_escaped(&sb, "a\"b\\c\nd\te\rf\bg\fh"), 0);
        assert_string_equal(strbuf_str(&sb), "a\\\"b\\\\c\\nd\\te\\rf\\bg\\fh");
        strbuf_reset(&sb);
        assert_int_equal(strbuf_add_escaped(&sb, "\x01z\x1f\x7f"), 0);
        assert_string_equal(strbuf_str(&sb), "\\x0001z\\x001F\\x007F");
        strbuf_reset(&sb);
        /* UTF-8 passes through untouched */
        assert_int_equal(strbuf_add_escaped(&sb, "caf\xc3\xa9 \xe2\x82\xac"), 0);
        assert_string_equal(strbuf_str(&sb), "caf\xc3\xa9 \xe2\x82\xac");
        strbuf_release(&sb);
}

static void test_strbuf_enomem(void **state)
{
        struct strbuf sb = STRBUF_INIT;

        (void) state;
        assert_int_equal(strbuf_addstr(&sb, "keep"), 0);
        owmi_alloc_fail_after(1);
        assert_int_equal(strbuf_addf(&sb, "%0100d", 1), -ENOMEM);
        owmi_alloc_fail_after(0);
        /* the buffer keeps what it had, and later appends do nothing */
        assert_string_equal(strbuf_str(&sb), "keep");
        assert_int_equal(strbuf_addstr(&sb, "x"), -ENOMEM);
        assert_int_equal(strbuf_addch(&sb, 'y'), -ENOMEM);
        assert_int_equal(strbuf_add_escaped(&sb, "z"), -ENOMEM);
        assert_string_equal(strbuf_str(&sb), "keep");
        assert_int_equal(strbuf_error(&sb), -ENOMEM);
        /* detach refuses a damaged string */
        assert_null(strbuf_detach(&sb));
        assert_int_equal(strbuf_error(&sb), 0);
        /* reset clears the failure */
        assert_int_equal(strbuf_addstr(&sb, "ok"), 0);
        owmi_alloc_fail_after(1);
        assert_int_equal(strbuf_grow(&sb, 4096), -ENOMEM);
        owmi_alloc_fail_after(0);
        strbuf_reset(&sb);
        assert_int_equal(strbuf_addstr(&sb, "again"), 0);
        assert_string_equal(strbuf_str(&sb), "again");
        strbuf_release(&sb);
        /* growth beyond SIZE_MAX */
        assert_int_equal(strbuf_grow(&sb, SIZE_MAX), -ENOMEM);
        strbuf_release(&sb);
}

/* Appending many pieces under failure injection: never a crash or leak,
 * and either the whole text or an error. */
static void test_strbuf_alloc_loop(void **state)
{
        (void) state;
        for (unsigned long n = 1;; n++) {
                struct strbuf sb = STRBUF_INIT;
                char *s;

                owmi_alloc_fail_after(n);
                for (int i = 0; i < 100; i++)
                        strbuf_addf(&sb, "%d,", i);
                strbuf_add_escaped(&sb, "\"q\"");
                s = strbuf_detach(&sb);
                owmi_alloc_fail_after(0);
                if (s) {
                        assert_int_equal(strlen(s), 290 + 5);
                        assert_string_equal(s + 290, "\\\"q\\\"");
                        owmi_free(s);
                        assert_true(n > 1);
                        break;
                }
                assert_true(n < 1000);
        }
}

/* ---- util ---- */

static void test_strcase(void **state)
{
        char *s;

        (void) state;
        assert_int_equal(owmi_strcasecmp("Win32_Process", "WIN32_PROCESS"), 0);
        assert_true(owmi_strcasecmp("a", "B") < 0);
        assert_true(owmi_strcasecmp("b", "A") > 0);
        assert_true(owmi_strcasecmp("ab", "a") > 0);
        assert_true(owmi_strcasecmp("", "a") < 0);
        /* letters fold to lower case before comparing: '_' (0x5f) < 'z' */
        assert_true(owmi_strcasecmp("_", "Z") < 0);
        assert_true(strcmp("_", "Z") > 0);
        /* only ASCII folds: bytes >= 0x80 compare as they are */
        assert_true(owmi_strcasecmp("\xc3\x89", "\xc3\xa9") != 0);
        assert_int_equal(owmi_strncasecmp("ABCdef", "abcXYZ", 3), 0);
        assert_true(owmi_strncasecmp("ABCdef", "abcXYZ", 4) < 0);
        assert_int_equal(owmi_strncasecmp("x", "y", 0), 0);
        assert_int_equal(owmi_strncasecmp("ab", "AB", 10), 0);
        assert_true(owmi_streq_ci("Root\\CIMV2", "root\\cimv2"));
        assert_false(owmi_streq_ci(NULL, "a"));
        assert_false(owmi_streq_ci("a", NULL));
        s = owmi_strdup_lower("MiXeD_09\xc3\x89");
        assert_string_equal(s, "mixed_09\xc3\x89");
        owmi_free(s);
        owmi_alloc_fail_after(1);
        assert_null(owmi_strdup_lower("X"));
        owmi_alloc_fail_after(0);
}

static void test_hash_ci(void **state)
{
        (void) state;
        /* FNV-1a 64 reference values */
        assert_true(owmi_hash_ci("") == UINT64_C(0xcbf29ce484222325));
        assert_true(owmi_hash_ci("a") == UINT64_C(0xaf63dc4c8601ec8c));
        assert_true(owmi_hash_ci("A") == UINT64_C(0xaf63dc4c8601ec8c));
        assert_true(owmi_hash_ci("foobar") == UINT64_C(0x85944171f73967e8));
        assert_true(owmi_hash_ci("Win32_LogicalDisk") == owmi_hash_ci("WIN32_logicaldisk"));
        assert_true(owmi_hash_ci("ab") != owmi_hash_ci("ba"));
}

static void test_utf8_validate(void **state)
{
        static const struct {
                const char *s;
                size_t len, bad;
        } cases[] = {
                { "", 0, 0 },
                { "ascii", 5, 0 },
                { "a\0b", 3, 0 },                        /* NUL is valid UTF-8 */
                { "\xc3\xa9", 2, 0 },                    /* U+00E9 */
                { "\xe2\x82\xac", 3, 0 },                /* U+20AC */
                { "\xf0\x9f\x98\x80", 4, 0 },            /* U+1F600 */
                { "\xf4\x8f\xbf\xbf", 4, 0 },            /* U+10FFFF */
                { "\xef\xbf\xbd", 3, 0 },                /* U+FFFD */
                { "ab\x80", 3, 3 },                      /* stray continuation */
                { "\xc0\xaf", 2, 1 },                    /* overlong '/' */
                { "\xc1\xbf", 2, 1 },                    /* overlong */
                { "\xe0\x80\xaf", 3, 1 },                /* overlong 3-byte */
                { "\xf0\x80\x80\xaf", 4, 1 },            /* overlong 4-byte */
                { "x\xed\xa0\x80", 4, 2 },               /* surrogate U+D800 */
                { "\xed\x9f\xbf", 3, 0 },                /* U+D7FF is fine */
                { "\xf4\x90\x80\x80", 4, 1 },            /* above U+10FFFF */
                { "\xf5\x80\x80\x80", 4, 1 },
                { "\xff", 1, 1 },
                { "ok\xe2\x82", 4, 3 },                  /* truncated */
                { "\xc3" "A", 2, 1 },                    /* bad continuation */
                { "\xe2\x82\xac\xe2\x28\xa1", 6, 4 },
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t got = owmi_utf8_invalid_at(cases[i].s, cases[i].len);

                if (got != cases[i].bad)
                        fail_msg("case %zu: expected %zu, got %zu", i, cases[i].bad, got);
        }
}

static void test_utf8_encode(void **state)
{
        char buf[4];

        (void) state;
        assert_int_equal(owmi_utf8_encode('A', buf), 1);
        assert_memory_equal(buf, "A", 1);
        assert_int_equal(owmi_utf8_encode(0, buf), 1);
        assert_int_equal(buf[0], 0);
        assert_int_equal(owmi_utf8_encode(0xe9, buf), 2);
        assert_memory_equal(buf, "\xc3\xa9", 2);
        assert_int_equal(owmi_utf8_encode(0x7ff, buf), 2);
        assert_memory_equal(buf, "\xdf\xbf", 2);
        assert_int_equal(owmi_utf8_encode(0x800, buf), 3);
        assert_memory_equal(buf, "\xe0\xa0\x80", 3);
        assert_int_equal(owmi_utf8_encode(0x20ac, buf), 3);
        assert_memory_equal(buf, "\xe2\x82\xac", 3);
        assert_int_equal(owmi_utf8_encode(0x1f600, buf), 4);
        assert_memory_equal(buf, "\xf0\x9f\x98\x80", 4);
        assert_int_equal(owmi_utf8_encode(0x10ffff, buf), 4);
        assert_memory_equal(buf, "\xf4\x8f\xbf\xbf", 4);
        assert_int_equal(owmi_utf8_encode(0xd800, buf), 0);
        assert_int_equal(owmi_utf8_encode(0xdfff, buf), 0);
        assert_int_equal(owmi_utf8_encode(0x110000, buf), 0);
        /* everything encode writes validates, and nothing else does */
        for (uint32_t cp = 0; cp < 0x110000; cp += 0x7b) {
                size_t n = owmi_utf8_encode(cp, buf);

                if (cp >= 0xd800 && cp <= 0xdfff)
                        assert_int_equal(n, 0);
                else
                        assert_int_equal(owmi_utf8_invalid_at(buf, n), 0);
        }
}

static void test_utf16(void **state)
{
        /* "A", U+00E9, U+20AC, U+1F600 (D83D DE00) */
        static const unsigned char le[] = { 0x41, 0, 0xe9, 0, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde };
        static const unsigned char be[] = { 0, 0x41, 0, 0xe9, 0x20, 0xac, 0xd8, 0x3d, 0xde, 0x00 };
        static const char want[] = "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
        /* lone high, lone low, high at the end, then an odd byte */
        static const unsigned char lone[] = { 0x00, 0xd8, 0x41, 0x00, 0x00, 0xdc, 0x3d, 0xd8, 0x7a };
        static const char lone_want[] =
                "\xef\xbf\xbd" "A" "\xef\xbf\xbd" "\xef\xbf\xbd" "\xef\xbf\xbd";
        char *s;
        size_t len;

        (void) state;
        assert_int_equal(owmi_utf16_to_utf8(le, sizeof(le), false, &s, &len), 0);
        assert_string_equal(s, want);
        assert_int_equal(len, strlen(want));
        owmi_free(s);
        assert_int_equal(owmi_utf16_to_utf8(be, sizeof(be), true, &s, NULL), 0);
        assert_string_equal(s, want);
        owmi_free(s);
        assert_int_equal(owmi_utf16_to_utf8(lone, sizeof(lone), false, &s, &len), 0);
        assert_string_equal(s, lone_want);
        assert_int_equal(len, strlen(lone_want));
        owmi_free(s);
        assert_int_equal(owmi_utf16_to_utf8(le, 0, false, &s, &len), 0);
        assert_string_equal(s, "");
        assert_int_equal(len, 0);
        owmi_free(s);
        /* a BOM is kept as U+FEFF */
        {
                static const unsigned char bom[] = { 0xff, 0xfe, 0x41, 0x00 };

                assert_int_equal(owmi_utf16_to_utf8(bom, sizeof(bom), false, &s, NULL), 0);
                assert_string_equal(s, "\xef\xbb\xbf" "A");
                owmi_free(s);
        }
        s = (char *) 0x1;
        owmi_alloc_fail_after(1);
        assert_int_equal(owmi_utf16_to_utf8(le, sizeof(le), false, &s, &len), -ENOMEM);
        owmi_alloc_fail_after(0);
        assert_ptr_equal(s, (char *) 0x1);
}

/* ---- status and errors ---- */

static void test_status_names(void **state)
{
        (void) state;
        assert_string_equal(owmi_status_name(OWMI_E_NOT_FOUND), "WBEM_E_NOT_FOUND");
        assert_string_equal(owmi_status_name(0x80041002u), "WBEM_E_NOT_FOUND");
        assert_string_equal(owmi_status_name(OWMI_S_NO_ERROR), "WBEM_S_NO_ERROR");
        assert_string_equal(owmi_status_name(OWMI_S_FALSE), "WBEM_S_FALSE");
        assert_string_equal(owmi_status_name(OWMI_E_FAILED), "WBEM_E_FAILED");
        assert_string_equal(owmi_status_name(OWMI_E_INVALID_OBJECT_PATH),
                            "WBEM_E_INVALID_OBJECT_PATH");
        assert_string_equal(owmi_status_name(OWMI_E_DUPLICATE_OBJECTS), "WBEM_E_DUPLICATE_OBJECTS");
        assert_string_equal(owmi_status_name(OWMI_E_INVALID_QUERY), "WBEM_E_INVALID_QUERY");
        assert_null(owmi_status_name(0x8004103Cu));   /* gap in WbemErrorEnum */
        assert_null(owmi_status_name(0x12345678u));
        assert_string_equal(owmi_strerror(OWMI_E_NOT_FOUND), "object not found");
        assert_string_equal(owmi_strerror(OWMI_E_ACCESS_DENIED), "access denied");
        assert_string_equal(owmi_strerror(0x12345678u), "unknown error");
}

/* Every code of the public header has a name that spells it, a lower-case
 * description without a full stop, and the table is sorted (the lookup
 * bisects: a missorted entry would not be found). */
static void test_status_table(void **state)
{
        (void) state;
        for (uint32_t code = 0x80041001u; code <= 0x80041089u; code++) {
                const char *name = owmi_status_name(code);
                const char *desc = owmi_strerror(code);

                if (!name)
                        continue;
                assert_true(strncmp(name, "WBEM_E_", 7) == 0);
                assert_true(desc[0] >= 'a' && desc[0] <= 'z');
                assert_true(desc[strlen(desc) - 1] != '.');
                assert_int_not_equal(owmi_status_to_errno(code), 0);
        }
        {
                /* every enumerator of owmi-status.h is known */
                static const uint32_t all[] = {
                        OWMI_E_FAILED, OWMI_E_NOT_FOUND, OWMI_E_ACCESS_DENIED,
                        OWMI_E_PROVIDER_FAILURE, OWMI_E_TYPE_MISMATCH, OWMI_E_OUT_OF_MEMORY,
                        OWMI_E_INVALID_CONTEXT, OWMI_E_INVALID_PARAMETER, OWMI_E_NOT_AVAILABLE,
                        OWMI_E_CRITICAL_ERROR, OWMI_E_INVALID_STREAM, OWMI_E_NOT_SUPPORTED,
                        OWMI_E_INVALID_SUPERCLASS, OWMI_E_INVALID_NAMESPACE, OWMI_E_INVALID_OBJECT,
                        OWMI_E_INVALID_CLASS, OWMI_E_PROVIDER_NOT_FOUND,
                        OWMI_E_INVALID_PROVIDER_REGISTRATION, OWMI_E_PROVIDER_LOAD_FAILURE,
                        OWMI_E_INITIALIZATION_FAILURE, OWMI_E_TRANSPORT_FAILURE,
                        OWMI_E_INVALID_OPERATION, OWMI_E_INVALID_QUERY, OWMI_E_INVALID_QUERY_TYPE,
                        OWMI_E_ALREADY_EXISTS, OWMI_E_OVERRIDE_NOT_ALLOWED,
                        OWMI_E_PROPAGATED_QUALIFIER, OWMI_E_PROPAGATED_PROPERTY,
                        OWMI_E_UNEXPECTED, OWMI_E_ILLEGAL_OPERATION, OWMI_E_CANNOT_BE_KEY,
                        OWMI_E_INCOMPLETE_CLASS, OWMI_E_INVALID_SYNTAX,
                        OWMI_E_NONDECORATED_OBJECT, OWMI_E_READ_ONLY,
                        OWMI_E_PROVIDER_NOT_CAPABLE, OWMI_E_CLASS_HAS_CHILDREN,
                        OWMI_E_CLASS_HAS_INSTANCES, OWMI_E_QUERY_NOT_IMPLEMENTED,
                        OWMI_E_ILLEGAL_NULL, OWMI_E_INVALID_QUALIFIER_TYPE,
                        OWMI_E_INVALID_PROPERTY_TYPE, OWMI_E_VALUE_OUT_OF_RANGE,
                        OWMI_E_CANNOT_BE_SINGLETON, OWMI_E_INVALID_CIM_TYPE, OWMI_E_INVALID_METHOD,
                        OWMI_E_INVALID_METHOD_PARAMETERS, OWMI_E_SYSTEM_PROPERTY,
                        OWMI_E_INVALID_PROPERTY, OWMI_E_CALL_CANCELLED, OWMI_E_SHUTTING_DOWN,
                        OWMI_E_PROPAGATED_METHOD, OWMI_E_UNSUPPORTED_PARAMETER,
                        OWMI_E_MISSING_PARAMETER_ID, OWMI_E_INVALID_PARAMETER_ID,
                        OWMI_E_NONCONSECUTIVE_PARAMETER_IDS, OWMI_E_PARAMETER_ID_ON_RETVAL,
                        OWMI_E_INVALID_OBJECT_PATH, OWMI_E_OUT_OF_DISK_SPACE,
                        OWMI_E_UNSUPPORTED_PUT_EXTENSION, OWMI_E_SERVER_TOO_BUSY,
                        OWMI_E_INVALID_QUALIFIER, OWMI_E_QUALIFIER_NAME_TOO_WIDE,
                        OWMI_E_AMENDED_OBJECT, OWMI_E_METHOD_NOT_IMPLEMENTED,
                        OWMI_E_METHOD_DISABLED, OWMI_E_UNPARSABLE_QUERY, OWMI_E_NOT_EVENT_CLASS,
                        OWMI_E_PRIVILEGE_NOT_HELD, OWMI_E_INVALID_OPERATOR,
                        OWMI_E_CANNOT_BE_ABSTRACT, OWMI_E_TIMED_OUT, OWMI_E_INVALID_ASSOCIATION,
                        OWMI_E_QUOTA_VIOLATION, OWMI_E_CLASS_NAME_TOO_WIDE,
                        OWMI_E_METHOD_NAME_TOO_WIDE, OWMI_E_PROPERTY_NAME_TOO_WIDE,
                        OWMI_E_ENCRYPTED_CONNECTION_REQUIRED, OWMI_E_INVALID_DUPLICATE_PARAMETER,
                        OWMI_E_DUPLICATE_OBJECTS,
                };

                assert_int_equal(ELEMENTSOF(all), 80);
                for (size_t i = 0; i < ELEMENTSOF(all); i++)
                        if (!owmi_status_name(all[i]))
                                fail_msg("no name for 0x%08X", (unsigned) all[i]);
        }
}

static void test_status_errno(void **state)
{
        (void) state;
        assert_int_equal(owmi_status_to_errno(OWMI_S_NO_ERROR), 0);
        assert_int_equal(owmi_status_to_errno(OWMI_E_NOT_FOUND), -ENOENT);
        assert_int_equal(owmi_status_to_errno(OWMI_E_ALREADY_EXISTS), -EEXIST);
        assert_int_equal(owmi_status_to_errno(OWMI_E_ACCESS_DENIED), -EACCES);
        assert_int_equal(owmi_status_to_errno(OWMI_E_OUT_OF_MEMORY), -ENOMEM);
        assert_int_equal(owmi_status_to_errno(OWMI_E_INVALID_PARAMETER), -EINVAL);
        assert_int_equal(owmi_status_to_errno(OWMI_E_INVALID_SYNTAX), -EINVAL);
        assert_int_equal(owmi_status_to_errno(OWMI_E_INVALID_OBJECT_PATH), -EINVAL);
        assert_int_equal(owmi_status_to_errno(OWMI_E_NOT_SUPPORTED), -EOPNOTSUPP);
        assert_int_equal(owmi_status_to_errno(OWMI_E_TIMED_OUT), -ETIMEDOUT);
        assert_int_equal(owmi_status_to_errno(OWMI_E_FAILED), -EIO);
        assert_int_equal(owmi_status_to_errno(0x8004FFFFu), -EIO);

        assert_int_equal(owmi_status_from_errno(0), OWMI_S_NO_ERROR);
        assert_int_equal(owmi_status_from_errno(-ENOMEM), OWMI_E_OUT_OF_MEMORY);
        assert_int_equal(owmi_status_from_errno(-ENOENT), OWMI_E_NOT_FOUND);
        assert_int_equal(owmi_status_from_errno(-EEXIST), OWMI_E_ALREADY_EXISTS);
        assert_int_equal(owmi_status_from_errno(-EACCES), OWMI_E_ACCESS_DENIED);
        assert_int_equal(owmi_status_from_errno(-EPERM), OWMI_E_INVALID_OPERATION);
        assert_int_equal(owmi_status_from_errno(-ENAMETOOLONG), OWMI_E_INVALID_PARAMETER);
        assert_int_equal(owmi_status_from_errno(-EINVAL), OWMI_E_INVALID_PARAMETER);
        assert_int_equal(owmi_status_from_errno(-EIO), OWMI_E_FAILED);
        assert_int_equal(owmi_status_from_errno(-EXDEV), OWMI_E_FAILED);
        /* a status returned as a negative int passes through */
        assert_int_equal(owmi_status_from_errno((int) OWMI_E_INVALID_CLASS), OWMI_E_INVALID_CLASS);
        /* the errno a status maps to maps back to a status with that errno */
        for (uint32_t code = 0x80041001u; code <= 0x80041089u; code++) {
                int e;

                if (!owmi_status_name(code))
                        continue;
                e = owmi_status_to_errno(code);
                assert_int_equal(owmi_status_to_errno(owmi_status_from_errno(e)), e);
        }
}

static void test_error_set(void **state)
{
        struct owmi_error err;

        (void) state;
        memset(&err, 0x55, sizeof(err));
        assert_int_equal(owmi_error_set(&err, OWMI_E_NOT_FOUND, "class '%s' not found", "Foo"),
                         -ENOENT);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_string_equal(err.message, "class 'Foo' not found");
        assert_string_equal(err.file, "");
        assert_int_equal(err.line, 0);
        assert_int_equal(err.column, 0);
        assert_int_equal(owmi_error_set_at(&err, OWMI_E_INVALID_SYNTAX, "a.mof", 3, 14,
                                           "expected '%c'", ';'),
                         -EINVAL);
        assert_string_equal(err.file, "a.mof");
        assert_int_equal(err.line, 3);
        assert_int_equal(err.column, 14);
        assert_string_equal(err.message, "expected ';'");
        /* NULL err: only the errno */
        assert_int_equal(owmi_error_set(NULL, OWMI_E_OUT_OF_MEMORY, "x"), -ENOMEM);
        assert_int_equal(owmi_error_set_at(NULL, OWMI_E_ALREADY_EXISTS, "f", 1, 1, "x"), -EEXIST);
        owmi_error_clear(&err);
        assert_int_equal(err.code, 0);
        assert_string_equal(err.message, "");
        owmi_error_clear(NULL);
        /* long messages and file names are cut, not overrun */
        {
                char big[2000];

                memset(big, 'm', sizeof(big) - 1);
                big[sizeof(big) - 1] = '\0';
                owmi_error_set_at(&err, OWMI_E_FAILED, big, 1, 1, "%s", big);
                assert_int_equal(strlen(err.message), OWMI_ERROR_MESSAGE_MAX - 1);
                assert_int_equal(strlen(err.file), sizeof(err.file) - 1);
        }
}

static void test_error_format(void **state)
{
        struct owmi_error err;
        char buf[600];

        (void) state;
        owmi_error_set_at(&err, OWMI_E_INVALID_SYNTAX, "x.mof", 12, 5, "expected ';'");
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "x.mof:12:5: expected ';' [WBEM_E_INVALID_SYNTAX]");
        err.column = 0;
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "x.mof:12: expected ';' [WBEM_E_INVALID_SYNTAX]");
        err.line = 0;
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "x.mof: expected ';' [WBEM_E_INVALID_SYNTAX]");
        err.column = 7;
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "x.mof: column 7: expected ';' [WBEM_E_INVALID_SYNTAX]");
        owmi_error_set_at(&err, OWMI_E_INVALID_OBJECT_PATH, NULL, 0, 9, "unterminated string");
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "column 9: unterminated string [WBEM_E_INVALID_OBJECT_PATH]");
        owmi_error_set_at(&err, OWMI_E_INVALID_QUERY, NULL, 2, 4, "bad");
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "2:4: bad [WBEM_E_INVALID_QUERY]");
        owmi_error_set(&err, OWMI_E_NOT_FOUND, "no such class");
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "no such class [WBEM_E_NOT_FOUND]");
        /* no message: the status description stands in */
        owmi_error_set(&err, OWMI_E_ACCESS_DENIED, "%s", "");
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "access denied [WBEM_E_ACCESS_DENIED]");
        owmi_error_set(&err, 0x8004FFF0u, "odd");
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "odd [0x8004FFF0]");
        owmi_error_clear(&err);
        owmi_error_format(&err, buf, sizeof(buf));
        assert_string_equal(buf, "success");
        /* truncation keeps the NUL inside the buffer */
        owmi_error_set_at(&err, OWMI_E_INVALID_SYNTAX, "x.mof", 12, 5, "expected ';'");
        memset(buf, 'Z', sizeof(buf));
        owmi_error_format(&err, buf, 9);
        assert_string_equal(buf, "x.mof:12");
        assert_int_equal(buf[9], 'Z');
        owmi_error_format(&err, buf, 1);
        assert_string_equal(buf, "");
        owmi_error_format(&err, NULL, 0);
        owmi_error_format(NULL, buf, sizeof(buf));
        assert_string_equal(buf, "");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_alloc_fail_after),
                cmocka_unit_test(test_alloc_zero_and_overflow),
                cmocka_unit_test(test_grow),
                cmocka_unit_test(test_strbuf_basic),
                cmocka_unit_test(test_strbuf_escaped),
                cmocka_unit_test(test_strbuf_enomem),
                cmocka_unit_test(test_strbuf_alloc_loop),
                cmocka_unit_test(test_strcase),
                cmocka_unit_test(test_hash_ci),
                cmocka_unit_test(test_utf8_validate),
                cmocka_unit_test(test_utf8_encode),
                cmocka_unit_test(test_utf16),
                cmocka_unit_test(test_status_names),
                cmocka_unit_test(test_status_table),
                cmocka_unit_test(test_status_errno),
                cmocka_unit_test(test_error_set),
                cmocka_unit_test(test_error_format),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
