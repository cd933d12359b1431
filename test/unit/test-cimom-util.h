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

#endif
