/* SPDX-License-Identifier: MIT */
/*
 * cli-mof.c: `owmi mof check|compile`: every diagnostic as
 * file:line:col: severity: message [WBEM_E_NAME], then a summary.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "mof/mof.h"

int cli_mof(struct cli *cli, bool check_only)
{
        struct mof_options opts = {
                .namespace = cli->namespace,
                .include_dirs = cli->include_dirs,
                .include_dir_count = cli->include_dir_count,
                .check_only = check_only,
        };
        struct mof_diag_list diags = { 0 };
        struct mof_stats stats = { 0 };
        struct strbuf sb = STRBUF_INIT;
        struct repo *repo;
        int r;

        if (cli->arg_count == 0) {
                fputs("owmi: mof: no file given\n", stderr);
                return 2;
        }
        repo = cli_open_repository(cli);
        if (!repo)
                return 1;
        r = mof_compile_files(repo, (const char *const *) cli->args, cli->arg_count, &opts, &diags,
                              &stats);
        for (size_t i = 0; i < diags.count; i++) {
                strbuf_reset(&sb);
                mof_diag_format(&diags.items[i], &sb);
                fprintf(stderr, "%s\n", strbuf_str(&sb));
        }
        if (r < 0 && r != -EINVAL)
                fprintf(stderr, "owmi: mof: %s\n", strerror(-r));
        if (!cli->quiet) {
                if (r == 0)
                        printf("%s: %zu file(s), %zu qualifier declaration(s), %zu class(es), "
                               "%zu instance(s), %zu namespace(s)%s\n",
                               check_only ? "checked" : "compiled", stats.files, stats.qualifiers,
                               stats.classes, stats.instances, stats.namespaces,
                               check_only ? " (nothing written)" : "");
                else
                        fprintf(stderr, "%zu error(s), %zu warning(s); nothing was written\n",
                                diags.errors, diags.warnings);
        }
        strbuf_release(&sb);
        mof_diag_list_release(&diags);
        repo_close(repo);
        return r == 0 ? 0 : 1;
}
