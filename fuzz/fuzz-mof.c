/* SPDX-License-Identifier: MIT */
/*
 * fuzz-mof.c: libFuzzer target for the MOF compiler, which reads files
 * from anyone who can run `owmi mof compile` or ship a driver MOF.  Each
 * input is compiled as one unit in check mode against a repository made
 * once per process (so every semantic check runs too, and nothing is
 * kept).  What compiles must also render back to MOF that compiles (the
 * rendered classes are compiled in check mode, in dependency order).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "mof/lexer.h"
#include "cim/render.h"
#include "mof/mof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct repo *repo;
static char dir[] = "/tmp/owmi-fuzz-mof-XXXXXX";
static char path[64];

static void remove_repo(void)
{
        char file[96];

        repo = repo_close(repo);
        unlink(path);
        snprintf(file, sizeof(file), "%s-wal", path);
        unlink(file);
        snprintf(file, sizeof(file), "%s-shm", path);
        unlink(file);
        rmdir(dir);
}

static void open_repo(void)
{
        struct owmi_error err = { 0 };

        if (!mkdtemp(dir))
                abort();
        snprintf(path, sizeof(path), "%s/r.db", dir);
        if (mof_open_repository(path, &repo, &err) < 0) {
                fprintf(stderr, "fuzz-mof: %s\n", err.message);
                abort();
        }
        atexit(remove_repo);
}

struct rendered {
        struct strbuf text;
};

static int render_class(struct cim_object *cls, void *userdata)
{
        struct rendered *out = userdata;

        if (cls->class_name[0] != '_')
                cim_object_format_mof(cls, 0, &out->text);
        cim_object_free(cls);
        return 0;
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
        if (r == 0) {
                /* what compiled renders back to MOF that compiles again:
                 * compile for real in a transaction we roll back */
                struct rendered out = { STRBUF_INIT };
                struct mof_options again = { .namespace = "root/cimv2", .check_only = true,
                                             .disable_includes = true };

                opts.check_only = false;
                if (repo_transaction_begin(repo, NULL) < 0)
                        abort();
                r = mof_compile_buffer(repo, "fuzz.mof", text, text_len, &opts, &diags, NULL);
                mof_diag_list_release(&diags);
                if (r == 0 && repo_class_enumerate(repo, "root/cimv2", NULL, true, render_class, &out,
                                                   NULL) < 0)
                        abort();
                repo_transaction_rollback(repo);
                if (r == 0 && strbuf_error(&out.text) == 0) {
                        if (mof_compile_buffer(repo, "rendered.mof", strbuf_str(&out.text),
                                               out.text.len, &again, &diags, NULL) < 0) {
                                fprintf(stderr, "rendered MOF does not compile: %s\n%s\n",
                                        diags.count ? diags.items[0].message : "?",
                                        strbuf_str(&out.text));
                                abort();
                        }
                        mof_diag_list_release(&diags);
                }
                strbuf_release(&out.text);
        }
        owmi_free(text);
        return 0;
}
