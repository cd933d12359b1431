/* SPDX-License-Identifier: MIT */
/*
 * cli.h: shared state of the owmi command-line tool's subcommands.
 */
#ifndef OWMI_CLI_CLI_H
#define OWMI_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <openwmi/owmi.h>

#include "cimom/privilege.h"
#include "repo/repo.h"

enum cli_format {
        CLI_FORMAT_TABLE,
        CLI_FORMAT_JSON,
        CLI_FORMAT_MOF,
        CLI_FORMAT_CSV,
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
        const char *privilege_names[32];
        size_t privilege_count;
        const char *socket;          /* --socket / $OWMI_SOCKET */
        const char *host;            /* --host HOST[:PORT] */
        const char *hosts[64];       /* --host given more than once: each of them */
        size_t host_count;
        const char *user;            /* --user */
        const char *ca;              /* --ca / $OWMI_CA */
        const char *password_file;   /* --password-file */
        bool repository_given;       /* --repository or $OWMI_REPOSITORY: in process */
        unsigned long count;         /* watch --count */
        unsigned long timeout_ms;    /* watch --timeout */
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
int cli_watch(struct cli *cli);
int cli_security(struct cli *cli);

/* A connection for the command: in process on the repository named by
 * --repository or $OWMI_REPOSITORY; the daemon on --socket or
 * $OWMI_SOCKET; otherwise the daemon when it runs, else in process.
 * Prints the error; NULL on failure. */
owmi_connection *cli_connect(const struct cli *cli);
/* One of --host's machines, with a password read already (may be NULL). */
owmi_connection *cli_connect_host(const struct cli *cli, const char *host, const char *password,
                                  struct owmi_error *err);
char *cli_read_password(const struct cli *cli);

#endif
