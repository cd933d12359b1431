/* SPDX-License-Identifier: MIT */
/*
 * cli.h: shared state of the owmi command-line tool's subcommands.
 */
#ifndef OWMI_CLI_CLI_H
#define OWMI_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cimom/privilege.h"
#include "repo/repo.h"

enum cli_format {
        CLI_FORMAT_TABLE,
        CLI_FORMAT_JSON,
        CLI_FORMAT_MOF,
};

struct cli {
        const char *repository;      /* --repository / $OWMI_REPOSITORY / default */
        const char *namespace;       /* -n */
        const char **include_dirs;   /* -I */
        size_t include_dir_count;
        bool tree;                   /* --tree */
        bool quiet;                  /* -q */
        bool shallow;                /* --shallow */
        enum cli_format format;      /* --format */
        owmi_privileges privileges;  /* -P */
        char **args;                 /* operands after the subcommand */
        size_t arg_count;
};

/* Open (and bootstrap) the repository; prints the error.  NULL on failure. */
struct repo *cli_open_repository(const struct cli *cli);
void cli_print_error(const char *what, const struct owmi_error *err);

int cli_mof(struct cli *cli, bool check_only);
int cli_classes(struct cli *cli);
int cli_describe(struct cli *cli);
int cli_namespaces(struct cli *cli);
int cli_namespace(struct cli *cli);
int cli_query(struct cli *cli);
int cli_get(struct cli *cli);
int cli_enum(struct cli *cli);
int cli_call(struct cli *cli);

#endif
