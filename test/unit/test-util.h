/* SPDX-License-Identifier: MIT */
/*
 * test-util.h: what the MOF and repository tests share: a scratch folder
 * per test binary, a bootstrapped repository in it, and printing the
 * diagnostics of a compile that went wrong.  Include after <cmocka.h>.
 */
#ifndef OWMI_TEST_UTIL_H
#define OWMI_TEST_UTIL_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mof/mof.h"

static char test_dir[] = "/tmp/owmi-test-XXXXXX";

static inline int test_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) st;
        (void) type;
        (void) ftw;
        return remove(path);
}

/* cmocka group setup and teardown: make and remove test_dir. */
static inline int test_dir_setup(void **state)
{
        (void) state;
        return mkdtemp(test_dir) ? 0 : -1;
}

static inline int test_dir_teardown(void **state)
{
        (void) state;
        return nftw(test_dir, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A repository named name in test_dir, with the built-in schema. */
static inline struct repo *test_open_repo(const char *name)
{
        char path[4096];
        struct repo *repo = NULL;
        struct owmi_error err = { 0 };

        snprintf(path, sizeof(path), "%s/%s.db", test_dir, name);
        if (mof_open_repository(path, &repo, &err) < 0)
                fail_msg("cannot open repository %s: %s", path, err.message);
        return repo;
}

/* A repository whose root/cimv2 holds only the system classes, for
 * schemas (DMTF's) that bring their own CIM_ classes. */
static inline struct repo *test_open_empty_repo(const char *name)
{
        struct repo *repo = test_open_repo(name);
        struct owmi_error err = { 0 };

        if (mof_reset_namespace(repo, "root/cimv2", &err) < 0)
                fail_msg("cannot empty root/cimv2: %s", err.message);
        return repo;
}

static inline void test_print_diags(const struct mof_diag_list *diags)
{
        for (size_t i = 0; i < diags->count; i++)
                print_message("%s:%u:%u: %s\n", diags->items[i].file, diags->items[i].line,
                              diags->items[i].column, diags->items[i].message);
}

#endif
