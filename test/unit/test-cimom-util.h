/* SPDX-License-Identifier: MIT */
/*
 * test-cimom-util.h: an object manager over a fresh repository in test_dir,
 * with root/cimv2 open, as the provider tests start from.  Include after
 * test-util.h.
 */
#ifndef OWMI_TEST_CIMOM_UTIL_H
#define OWMI_TEST_CIMOM_UTIL_H

#include "cimom/cimom.h"
#include "cimom/security.h"
#include "test-util.h"

/* The tests play other users (a caller with another uid): let everyone
 * run methods and write in ns, as an administrator would grant it with
 * `owmi security grant Everyone ...`.  0, or -1 with the reason printed. */
static inline int test_allow_everyone(struct cimom *cimom, const char *ns_name, uint32_t rights)
{
        struct sec_descriptor sd = { 0 };
        struct sec_ace ace = { .type = SEC_ACE_ALLOW, .flags = SEC_ACE_CONTAINER_INHERIT,
                               .mask = rights };
        struct strbuf bytes = STRBUF_INIT;
        struct owmi_error err = { 0 };
        struct cim_object *in = cim_object_new_class("__PARAMETERS", NULL), *out = NULL;
        struct cim_property *p;
        struct cimom_ns *h = NULL;
        int r;

        sec_sid_everyone(&ace.sid);
        r = sec_descriptor_add(&sd, &ace);
        if (r >= 0)
                r = sec_descriptor_build(&sd, &bytes);
        p = in && r >= 0 ? cim_object_add_property(in, "SD") : NULL;
        if (!p)
                r = -1;
        if (r >= 0) {
                in->genus = CIM_GENUS_INSTANCE;
                p->type = CIM_TYPE_UINT8;
                p->is_array = true;
                cim_value_init_array(&p->value, CIM_TYPE_UINT8);
                for (size_t i = 0; r >= 0 && i < bytes.len; i++) {
                        struct cim_value v;

                        cim_value_set_uint(&v, CIM_TYPE_UINT8, (uint8_t) bytes.buf[i]);
                        r = cim_value_array_append(&p->value, &v);
                }
        }
        if (r >= 0)
                r = cimom_open_namespace(cimom, ns_name, NULL, &h, &err);
        if (r >= 0)
                r = cimom_exec_method(h, "__SystemSecurity", "SetSD", in, &out, &err);
        if (r < 0)
                fprintf(stderr, "cannot grant everyone %#x on %s: %s\n", rights, ns_name, err.message);
        cimom_ns_close(h);
        cim_object_free(in);
        cim_object_free(out);
        strbuf_release(&bytes);
        sec_descriptor_release(&sd);
        return r < 0 ? -1 : 0;
}

#define TEST_EVERYONE_WRITES (SEC_ENABLE | SEC_SUBSCRIBE | SEC_METHOD_EXECUTE | SEC_FULL_WRITE | \
                              SEC_PARTIAL_WRITE | SEC_PROVIDER_WRITE)

/* A repository named name (built-in schema and the providers' MOFs), an
 * object manager on it and root/cimv2 open: 0, or -1 with the reason printed. */
static inline int test_open_cimv2(const char *name, struct cimom **cimom, struct cimom_ns **ns)
{
        struct owmi_error err = { 0 };
        char path[4096];

        repo_close(test_open_repo(name));
        snprintf(path, sizeof(path), "%s/%s.db", test_dir, name);
        if (cimom_new(path, cimom, &err) < 0 ||
            cimom_open_namespace(*cimom, "root/cimv2", NULL, ns, &err) < 0) {
                fprintf(stderr, "%s\n", err.message);
                return -1;
        }
        return test_allow_everyone(*cimom, "root", TEST_EVERYONE_WRITES);
}

/* The same with the sample provider's MOF ($OWMI_SAMPLE_MOF) and extra
 * MOF text compiled into root/cimv2 instead of the built-in schema alone. */
static inline int test_open_sample(const char *name, const char *extra, struct cimom **cimom,
                                   struct cimom_ns **ns)
{
        const char *mof = getenv("OWMI_SAMPLE_MOF");
        struct mof_options opts = { .namespace = "root/cimv2" };
        struct mof_diag_list diags = { 0 };
        struct owmi_error err = { 0 };
        char path[4096];
        struct repo *repo;

        if (!mof)
                return -1;
        repo = test_open_repo(name);
        if (mof_compile_files(repo, &mof, 1, &opts, &diags, NULL) < 0 ||
            mof_compile_buffer(repo, "extra.mof", extra, strlen(extra), &opts, &diags, NULL) < 0) {
                test_print_diags(&diags);
                return -1;
        }
        mof_diag_list_release(&diags);
        repo_close(repo);
        snprintf(path, sizeof(path), "%s/%s.db", test_dir, name);
        if (cimom_new(path, cimom, &err) < 0 ||
            cimom_open_namespace(*cimom, "root/cimv2", NULL, ns, &err) < 0) {
                fprintf(stderr, "%s\n", err.message);
                return -1;
        }
        return test_allow_everyone(*cimom, "root", TEST_EVERYONE_WRITES);
}

#endif
