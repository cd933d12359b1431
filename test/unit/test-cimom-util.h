/* SPDX-License-Identifier: MIT */
/*
 * test-cimom-util.h: an object manager over a fresh repository in test_dir,
 * with root/cimv2 open, as the provider tests start from.  Include after
 * test-util.h.
 */
#ifndef OWMI_TEST_CIMOM_UTIL_H
#define OWMI_TEST_CIMOM_UTIL_H

#include "cimom/cimom.h"
#include "test-util.h"

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
        return 0;
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
        return 0;
}

#endif
