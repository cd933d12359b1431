/* SPDX-License-Identifier: MIT */
/*
 * test-mof-seed.c: the MOF fragments of seed document 004 (WMI for WDM
 * drivers), taken from the seed file exactly as printed, must each report
 * their errors at the right lines (research/wdm-datablocks.md section 6,
 * E1-E17) and change nothing; their corrected form must compile and read
 * back exactly.
 */
#include <errno.h>
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
#include "base/util.h"
#include "cim/render.h"
#include "mof/mof.h"
#include "test-util.h"

#define SEED_FILE "004_40c83cc37b2047a0.txt"


/* Lines first..last (last 0 = to the end) of the seed, as a file. */
static char *extract_fixture(const char *name, unsigned first, unsigned last)
{
        const char *seeds = getenv("OWMI_SEEDS");
        char path[4096], *out = NULL, line[4096];
        FILE *in, *f;
        unsigned n = 0;

        assert_non_null(seeds);
        snprintf(path, sizeof(path), "%s/%s", seeds, SEED_FILE);
        in = fopen(path, "r");
        assert_non_null(in);
        assert_true(asprintf(&out, "%s/%s", test_dir, name) > 0);
        f = fopen(out, "w");
        assert_non_null(f);
        while (fgets(line, sizeof(line), in)) {
                n++;
                if (n >= first && (last == 0 || n <= last))
                        fputs(line, f);
        }
        fclose(in);
        fclose(f);
        return out;
}

struct expected {
        unsigned line;
        uint32_t code;
        const char *text;   /* a word the message must contain */
};

static size_t class_count(struct repo *repo, const char *ns)
{
        size_t classes = 0, quals = 0, insts = 0;

        assert_int_equal(repo_count(repo, ns, &classes, &quals, &insts), 0);
        return classes;
}

/* Compile fixture lines [first,last] of the seed; the errors must be
 * exactly the expected ones (line, status, message word), in any order. */
static void check_fixture(const char *name, unsigned first, unsigned last,
                          const struct expected *want, size_t want_count)
{
        char *file = extract_fixture(name, first, last);
        struct repo *repo = test_open_repo(name);
        struct mof_options opts = { .namespace = "root/WMI" };
        struct mof_diag_list diags = { 0 };
        size_t before = class_count(repo, "root/WMI");
        bool *seen = calloc(want_count, sizeof(bool));
        int r;

        r = mof_compile_files(repo, (const char *const *) &file, 1, &opts, &diags, NULL);
        assert_int_equal(r, -EINVAL);
        for (size_t i = 0; i < diags.count; i++) {
                const struct mof_diag *d = &diags.items[i];
                bool matched = false;

                if (d->severity != MOF_ERROR)
                        continue;
                for (size_t j = 0; j < want_count && !matched; j++) {
                        if (!seen[j] && d->line == want[j].line && d->code == want[j].code &&
                            strstr(d->message, want[j].text)) {
                                seen[j] = matched = true;
                                assert_string_equal(d->file, file);
                                assert_true(d->column > 0);
                        }
                }
                if (!matched)
                        fail_msg("%s: unexpected error at line %u: %s", name, d->line, d->message);
        }
        for (size_t j = 0; j < want_count; j++)
                if (!seen[j])
                        fail_msg("%s: no error at line %u containing '%s'", name, want[j].line,
                                 want[j].text);
        /* all or nothing: the failed unit left the repository as it was */
        assert_int_equal(class_count(repo, "root/WMI"), before);
        mof_diag_list_release(&diags);
        repo_close(repo);
        free(seen);
        free(file);
}

#define SYNTAX OWMI_E_INVALID_SYNTAX
#define BADTYPE OWMI_E_INVALID_PROPERTY_TYPE

/* F1 = seed lines 32-43: MSSerial and MSSerial_StandardSerialInformation */
static void test_fragment_1(void **state)
{
        static const struct expected want[] = {
                { 4, SYNTAX, "missing ';' after '}'" },     /* E1 */
                { 8, SYNTAX, "empty qualifier list" },       /* E2 */
                { 12, SYNTAX, "missing ';' after '}'" },    /* E3 */
        };

        check_fixture("f1.mof", 32, 43, want, ELEMENTSOF(want));
}

/* F2 = 47-55: the Adaptec1542 family */
static void test_fragment_2(void **state)
{
        static const struct expected want[] = {
                { 3, SYNTAX, "missing ';' after '}'" },           /* E4 */
                { 4, SYNTAX, "expected '{'" },                     /* E5 */
                { 4, OWMI_E_INVALID_SUPERCLASS, "'Adaptec'" },     /* E5, semantic part */
                { 6, SYNTAX, "missing ';' after '}'" },           /* E6 */
                { 9, SYNTAX, "missing ';' after '}'" },           /* E7 */
        };

        check_fixture("f2.mof", 47, 55, want, ELEMENTSOF(want));
}

/* F3 = 60-117: Vendor_SerialInfo, compiled alone (its embedded class is
 * then undefined, S3) */
static void test_fragment_3(void **state)
{
        static const struct expected want[] = {
                { 7, SYNTAX, "expected ')'" },                    /* E8 */
                { 22, SYNTAX, "property or method name" },        /* E9 */
                { 31, SYNTAX, "missing ';'" },                    /* E10 */
                { 42, BADTYPE, "'byte'" },                        /* E11 */
                { 57, BADTYPE, "Vendor_XmitDescriptor" },         /* S3 */
                { 58, SYNTAX, "missing ';' after '}'" },         /* E12 */
        };

        check_fixture("f3.mof", 60, 117, want, ELEMENTSOF(want));
}

/* F4 = 121-126: Vendor_XmitDescriptor */
static void test_fragment_4(void **state)
{
        static const struct expected want[] = {
                { 3, SYNTAX, "qualifier name" },                  /* E13 */
                { 4, BADTYPE, "'int32'" },                        /* E14 */
                { 5, BADTYPE, "'int32'" },                        /* E14 */
                { 6, SYNTAX, "missing ';' after '}'" },          /* E15 */
        };

        check_fixture("f4.mof", 121, 126, want, ELEMENTSOF(want));
}

/* F5 = 128-end: Vendor_SerialSentEvent, truncated by the document */
static void test_fragment_5(void **state)
{
        static const struct expected want[] = {
                { 4, SYNTAX, "string literal not terminated" },   /* E16 */
                { 13, SYNTAX, "'}' closing the class" },          /* E17 */
        };

        check_fixture("f5.mof", 128, 0, want, ELEMENTSOF(want));
}

static const struct cim_property *prop(const struct cim_object *cls, const char *name)
{
        const struct cim_property *p = cim_object_find_property(cls, name);

        if (!p)
                fail_msg("class %s has no property %s", cls->class_name, name);
        return p;
}

static int64_t qual_int(const struct cim_property *p, const char *name)
{
        const struct cim_qualifier *q = cim_qualifier_list_find(&p->qualifiers, name);

        if (!q)
                fail_msg("%s has no qualifier %s", p->name, name);
        assert_false(q->value.is_null);
        assert_true(cim_type_is_integer(q->value.type));
        return q->value.v.s64;
}

/* The corrected fixtures compile, and what was written reads back. */
static void test_corrected(void **state)
{
        const char *data = getenv("OWMI_TEST_DATA");
        char file[4096];
        const char *files[] = { file };
        struct repo *repo = test_open_repo("corrected");
        struct mof_options opts = { .namespace = "root/WMI" };
        struct mof_diag_list diags = { 0 };
        struct mof_stats stats = { 0 };
        struct owmi_error err = { 0 };
        struct cim_object *cls;
        const struct cim_property *p;
        int r;

        snprintf(file, sizeof(file), "%s/seed-004-corrected.mof", data);
        r = mof_compile_files(repo, files, 1, &opts, &diags, &stats);
        test_print_diags(&diags);
        assert_int_equal(r, 0);
        assert_int_equal(diags.count, 0);
        assert_int_equal(stats.classes, 8);

        assert_int_equal(repo_class_get(repo, "root/wmi", "vendor_serialinfo", &cls, &err), 0);
        assert_string_equal(cls->class_name, "Vendor_SerialInfo");
        assert_null(cls->superclass);
        assert_string_equal(cim_qualifier_list_string(&cls->qualifiers, "guid"),
                            "{8B3A5C12-0F4E-4A1B-9C2D-3E4F5A6B7C81}");
        assert_string_equal(cim_qualifier_list_string(&cls->qualifiers, "Provider"), "WMIProv");
        /* the MOF escape \\ is one backslash in the value */
        assert_string_equal(cim_qualifier_list_string(&cls->qualifiers, "Locale"), "MS\\0x409");
        assert_true(cim_qualifier_list_flag(&cls->qualifiers, "Dynamic"));
        assert_true(cim_qualifier_list_flag(&cls->qualifiers, "WMI"));
        assert_int_equal(cls->prop_count, 8);
        p = prop(cls, "InstanceName");
        assert_int_equal(p->type, CIM_TYPE_STRING);
        assert_true(cim_property_is_key(p));
        assert_int_equal(prop(cls, "Active")->type, CIM_TYPE_BOOLEAN);
        p = prop(cls, "BytesSent");
        assert_int_equal(p->type, CIM_TYPE_UINT64);
        assert_int_equal(qual_int(p, "WmiDataId"), 1);
        assert_int_equal(qual_int(p, "WmiVolatility"), 1000);
        assert_string_equal(cim_qualifier_list_string(&p->qualifiers, "Description"),
                            "Description of property");
        assert_true(cim_qualifier_list_flag(&prop(cls, "BytesReceived")->qualifiers, "write"));
        assert_int_equal(qual_int(prop(cls, "Owner"), "WmiDataId"), 4);
        assert_int_equal(qual_int(prop(cls, "Owner"), "wmivolatility"), 6000);
        p = prop(cls, "Status");
        assert_int_equal(p->type, CIM_TYPE_UINT8);
        assert_true(p->is_array);
        assert_int_equal(p->array_size, 16);
        assert_int_equal(qual_int(p, "WmiDataId"), 3);
        p = prop(cls, "XmitBufferSize");
        assert_int_equal(p->type, CIM_TYPE_OBJECT);
        assert_string_equal(p->ref_class, "Vendor_XmitDescriptor");
        assert_true(p->is_array);
        assert_int_equal(p->array_size, 0);
        assert_string_equal(cim_qualifier_list_string(&p->qualifiers, "WmiSizeIs"),
                            "XmitDescriptionCount");
        assert_int_equal(qual_int(p, "WmiComplexity"), 1);
        cim_object_free(cls);

        assert_int_equal(repo_class_get(repo, "root/WMI", "Vendor_SerialSentEvent", &cls, &err), 0);
        assert_string_equal(cls->superclass, "WMIEvent");
        assert_true(cim_object_is_a(cls, "__ExtrinsicEvent"));
        assert_true(cim_object_is_a(cls, "__Event"));
        cim_object_free(cls);

        assert_int_equal(repo_class_get(repo, "root/WMI", "Adaptec1542_Speed", &cls, &err), 0);
        assert_string_equal(cls->superclass, "Adaptec1542");
        /* Abstract is not inherited */
        assert_false(cim_object_is_abstract(cls));
        cim_object_free(cls);
        assert_int_equal(repo_class_get(repo, "root/WMI", "MSSerial", &cls, &err), 0);
        assert_true(cim_object_is_abstract(cls));
        cim_object_free(cls);

        mof_diag_list_release(&diags);
        repo_close(repo);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fragment_1),
                cmocka_unit_test(test_fragment_2),
                cmocka_unit_test(test_fragment_3),
                cmocka_unit_test(test_fragment_4),
                cmocka_unit_test(test_fragment_5),
                cmocka_unit_test(test_corrected),
        };

        return cmocka_run_group_tests_name("mof-seed", tests, test_dir_setup, test_dir_teardown);
}
