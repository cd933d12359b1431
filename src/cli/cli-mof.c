/* SPDX-License-Identifier: MIT */
/*
 * cli-mof.c: `owmi mof check|compile`: every diagnostic as
 * file:line:col: severity: message [WBEM_E_NAME], then a summary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli/cli.h"
#include "mof/mof.h"
#include "wire/protocol.h"

static int print_diag(const char *line, void *userdata)
{
        fprintf(stderr, "%s\n", line);
        return 0;
}

static char *read_file(const char *path, struct owmi_error *err)
{
        FILE *f = fopen(path, "rbe");
        struct strbuf sb = STRBUF_INIT;
        char buf[65536];
        size_t n;

        if (!f) {
                owmi_error_set(err, OWMI_E_NOT_FOUND, "cannot open %s: %s", path, strerror(errno));
                return NULL;
        }
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len <= WIRE_REQUEST_MAX)
                strbuf_add(&sb, buf, n);
        fclose(f);
        if (sb.len > WIRE_REQUEST_MAX - 4096) {
                strbuf_release(&sb);
                owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                               "%s is larger than the daemon takes in one request; compile it "
                               "in process with --repository", path);
                return NULL;
        }
        if (strbuf_error(&sb) < 0) {
                strbuf_release(&sb);
                owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                return NULL;
        }
        return sb.buf ? strbuf_detach(&sb) : owmi_strdup("");
}

/* Through the daemon: each file is sent as text and compiled there
 * (includes are the daemon's to refuse: it reads no client's files). */
static int mof_through_daemon(struct cli *cli, owmi_connection *conn, bool check_only)
{
        int status = 0;

        for (size_t i = 0; i < cli->arg_count; i++) {
                struct owmi_error err = { 0 };
                char *summary = NULL;
                char *text = read_file(cli->args[i], &err);

                if (!text || owmi_compile_mof(conn, cli->namespace ? cli->namespace : "root/cimv2",
                                              cli->args[i], text, check_only, print_diag, NULL,
                                              &summary, &err)) {
                        cli_print_error(cli->args[i], &err);
                        status = 1;
                } else if (!cli->quiet && summary) {
                        printf("%s: %s\n", cli->args[i], summary);
                }
                free(summary);
                owmi_free(text);
        }
        return status;
}

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
        if (!cli->repository_given) {
                owmi_connection *conn = cli_connect(cli);

                if (!conn)
                        return 1;
                if (!owmi_connection_in_process(conn)) {
                        r = mof_through_daemon(cli, conn, check_only);
                        owmi_disconnect(conn);
                        return r;
                }
                owmi_disconnect(conn);
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
