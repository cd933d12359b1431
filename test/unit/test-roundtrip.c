/* SPDX-License-Identifier: MIT */
/*
 * test-roundtrip.c: compile, render back as MOF, compile again: the second
 * repository must hold the same qualifier declarations, classes and
 * instances as the first.  Run on the full DMTF CIM schema 2.49, on the
 * corrected WDM seed MOF, and on pywbem's instance test MOF (literals of
 * every type).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "cim/objpath.h"
#include "cim/render.h"
#include "mof/mof.h"
#include "test-util.h"


static void compile_ok(struct repo *repo, const char *ns, const char *const *files, size_t n,
                       const char *text)
{
        struct mof_options opts = { .namespace = ns };
        struct mof_diag_list diags = { 0 };
        int r;

        if (text)
                r = mof_compile_buffer(repo, "rendered.mof", text, strlen(text), &opts, &diags, NULL);
        else
                r = mof_compile_files(repo, files, n, &opts, &diags, NULL);
        test_print_diags(&diags);
        assert_int_equal(r, 0);
        mof_diag_list_release(&diags);
}

static int render_qualifier(const struct cim_qualifier_decl *decl, void *userdata)
{
        return cim_qualifier_decl_format_mof(decl, userdata);
}

static int render_class(struct cim_object *cls, void *userdata)
{
        int r = 0;

        /* system classes come from the built-in schema on both sides */
        if (cls->class_name[0] != '_')
                r = cim_object_format_mof(cls, 0, userdata);
        cim_object_free(cls);
        return r;
}

static int render_instance(struct cim_object *inst, void *userdata)
{
        int r = 0;

        if (owmi_strcasecmp(inst->class_name, "__NAMESPACE") != 0 &&
            owmi_strcasecmp(inst->class_name, "__CIMOMIdentification") != 0)
                r = cim_object_format_mof(inst, 0, userdata);
        cim_object_free(inst);
        return r;
}

struct compare {
        struct repo *other;
        const char *ns;
        size_t count;
};

static int compare_class(struct cim_object *cls, void *userdata)
{
        struct compare *cmp = userdata;
        struct cim_object *twin = NULL;
        struct owmi_error err = { 0 };

        if (repo_class_get(cmp->other, cmp->ns, cls->class_name, &twin, &err) < 0)
                fail_msg("class %s missing after the round trip: %s", cls->class_name, err.message);
        if (!cim_object_equal(cls, twin)) {
                struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

                cim_object_format_mof(cls, CIM_RENDER_INHERITED, &a);
                cim_object_format_mof(twin, CIM_RENDER_INHERITED, &b);
                fail_msg("class %s differs after the round trip:\n%s\n---\n%s", cls->class_name,
                         strbuf_str(&a), strbuf_str(&b));
        }
        /* the local part the repository can store rebuilds the same class */
        {
                struct cim_object *parent = NULL, *local, *rebuilt;

                if (cls->superclass)
                        assert_int_equal(repo_class_get(cmp->other, cmp->ns, cls->superclass, &parent,
                                                        &err), 0);
                local = cim_object_local_part(cls);
                assert_non_null(local);
                rebuilt = cim_object_rebuild(parent, local);
                assert_non_null(rebuilt);
                if (!cim_object_equal(cls, rebuilt))
                        fail_msg("class %s differs when rebuilt from its local part", cls->class_name);
                cim_object_free(rebuilt);
                cim_object_free(local);
                cim_object_free(parent);
        }
        cmp->count++;
        cim_object_free(twin);
        cim_object_free(cls);
        return 0;
}

static int compare_qualifier(const struct cim_qualifier_decl *decl, void *userdata)
{
        struct compare *cmp = userdata;
        struct cim_qualifier_decl twin = { 0 };

        assert_int_equal(repo_qualifier_get(cmp->other, cmp->ns, decl->name, &twin, NULL), 0);
        if (!cim_qualifier_decl_equal(decl, &twin))
                fail_msg("qualifier %s differs after the round trip", decl->name);
        cim_qualifier_decl_release(&twin);
        cmp->count++;
        return 0;
}

static int compare_instance(struct cim_object *inst, void *userdata)
{
        struct compare *cmp = userdata;
        struct strbuf rel = STRBUF_INIT;
        struct cim_objpath path = { 0 };
        struct cim_object *twin = NULL;
        struct owmi_error err = { 0 };

        assert_int_equal(cim_object_relpath(inst, &rel), 0);
        assert_int_equal(cim_objpath_parse(rel.buf, rel.len, &path, &err), 0);
        if (repo_instance_get(cmp->other, cmp->ns, &path, &twin, &err) < 0)
                fail_msg("instance %s missing after the round trip: %s", rel.buf, err.message);
        if (!cim_object_equal(inst, twin))
                fail_msg("instance %s differs after the round trip", rel.buf);
        cmp->count++;
        cim_objpath_release(&path);
        strbuf_release(&rel);
        cim_object_free(twin);
        cim_object_free(inst);
        return 0;
}

/* Render everything of ns in a, compile it into b, compare both ways. */
static void round_trip(struct repo *a, struct repo *b, const char *ns, size_t want_classes)
{
        struct strbuf text = STRBUF_INIT;
        struct compare cmp = { b, ns, 0 };
        struct compare back = { a, ns, 0 };
        size_t classes_a, classes_b, quals_a, quals_b, insts_a, insts_b;

        assert_int_equal(repo_qualifier_enumerate(a, ns, render_qualifier, &text, NULL), 0);
        assert_int_equal(repo_class_enumerate(a, ns, NULL, true, render_class, &text, NULL), 0);
        assert_int_equal(strbuf_error(&text), 0);
        compile_ok(b, ns, NULL, 0, strbuf_str(&text));
        strbuf_release(&text);

        assert_int_equal(repo_count(a, ns, &classes_a, &quals_a, &insts_a), 0);
        assert_int_equal(repo_count(b, ns, &classes_b, &quals_b, &insts_b), 0);
        assert_int_equal(classes_a, classes_b);
        assert_int_equal(quals_a, quals_b);
        assert_true(classes_a >= want_classes);

        assert_int_equal(repo_class_enumerate(a, ns, NULL, true, compare_class, &cmp, NULL), 0);
        assert_int_equal(cmp.count, classes_a);
        assert_int_equal(repo_class_enumerate(b, ns, NULL, true, compare_class, &back, NULL), 0);
        cmp.count = 0;
        assert_int_equal(repo_qualifier_enumerate(a, ns, compare_qualifier, &cmp, NULL), 0);
        assert_int_equal(cmp.count, quals_a);
}

static void test_dmtf_schema(void **state)
{
        char file[4096];
        const char *files[] = { file };
        struct repo *a = test_open_empty_repo("dmtf-a"), *b = test_open_empty_repo("dmtf-b");

        snprintf(file, sizeof(file), "%s/dmtf-cim-2.49/cim_schema_2.49.0.mof", getenv("OWMI_CORPORA"));
        compile_ok(a, "root/cimv2", files, 1, NULL);
        round_trip(a, b, "root/cimv2", 1631);
        repo_close(a);
        repo_close(b);
}

static void test_wdm_seed(void **state)
{
        char file[4096];
        const char *files[] = { file };
        struct repo *a = test_open_empty_repo("wdm-a"), *b = test_open_empty_repo("wdm-b");

        snprintf(file, sizeof(file), "%s/seed-004-corrected.mof", getenv("OWMI_TEST_DATA"));
        compile_ok(a, "root/WMI", files, 1, NULL);
        round_trip(a, b, "root/WMI", 8);
        repo_close(a);
        repo_close(b);
}

/* Instances with literals of every type: render each instance and
 * compile the text into a second repository that has the same classes. */
static void test_instances(void **state)
{
        char file[4096];
        const char *files[] = { file };
        struct repo *a = test_open_empty_repo("inst-a"), *b = test_open_empty_repo("inst-b");
        struct strbuf text = STRBUF_INIT;
        struct compare cmp = { b, "root/cimv2", 0 };
        size_t classes, quals, insts;

        snprintf(file, sizeof(file), "%s/pywbem-mof-tests/testmofs/test_instance.mof",
                 getenv("OWMI_CORPORA"));
        compile_ok(a, "root/cimv2", files, 1, NULL);
        compile_ok(b, "root/cimv2", files, 1, NULL);
        assert_int_equal(repo_count(a, "root/cimv2", &classes, &quals, &insts), 0);
        assert_true(insts >= 4);
        /* wipe b's instances by rendering a's into a third repository instead */
        repo_close(b);
        b = test_open_empty_repo("inst-c");
        cmp.other = b;
        assert_int_equal(repo_qualifier_enumerate(a, "root/cimv2", render_qualifier, &text, NULL), 0);
        assert_int_equal(repo_class_enumerate(a, "root/cimv2", NULL, true, render_class, &text, NULL), 0);
        assert_int_equal(repo_instance_enumerate(a, "root/cimv2", "EX_AllTypes", true, render_instance,
                                                 &text, NULL), 0);
        compile_ok(b, "root/cimv2", NULL, 0, strbuf_str(&text));
        assert_int_equal(repo_instance_enumerate(a, "root/cimv2", "EX_AllTypes", true, compare_instance,
                                                 &cmp, NULL), 0);
        assert_int_equal(cmp.count, 4);
        strbuf_release(&text);
        repo_close(a);
        repo_close(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_wdm_seed),
                cmocka_unit_test(test_instances),
                cmocka_unit_test(test_dmtf_schema),
        };

        return cmocka_run_group_tests_name("roundtrip", tests, test_dir_setup, test_dir_teardown);
}
