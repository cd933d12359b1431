/* SPDX-License-Identifier: MIT */
/*
 * main.c: the owmi command-line tool: option parsing and dispatch to the
 * subcommands in cli-*.c.  Exit status: 0 success, 1 the operation failed
 * (bad MOF, unknown class, no connection...), 2 bad usage, 3 `watch`
 * timed out before --count events, 4 a query on several hosts failed on
 * some of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <termios.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli/cli.h"
#include "mof/mof.h"

static void usage(FILE *out)
{
        fputs("usage: owmi [--repository PATH] COMMAND [OPTIONS] [ARGS]\n"
              "\n"
              "commands:\n"
              "  mof check [-n NAMESPACE] [-I DIR]... FILE...    compile, report, change nothing\n"
              "  mof compile [-n NAMESPACE] [-I DIR]... FILE...  compile into the repository\n"
              "  classes [-n NAMESPACE] [--tree]                 list the classes of a namespace\n"
              "  describe [-n NAMESPACE] CLASS                   show a class as MOF\n"
              "  namespaces                                      list every namespace\n"
              "  ns list [NAMESPACE]                             a namespace and all below it\n"
              "  ns create|delete NAMESPACE                      make or remove one (with all in it)\n"
              "  query [-n NAMESPACE] [--format F] WQL           run a WQL query\n"
              "  get [-n NAMESPACE] [--format F] PATH            get a class or an instance\n"
              "  enum [-n NAMESPACE] [--format F] [--shallow] CLASS\n"
              "                                                  the instances of a class\n"
              "  call [-n NAMESPACE] PATH METHOD [Name=Value]...  run a method (a name given twice\n"
              "                                                  makes an array)\n"
              "  watch [-n NAMESPACE] [--count N] [--timeout S] EVENT-QUERY\n"
              "                                                  print events as they come\n"
              "  security get [-n NAMESPACE]                     who may do what in a namespace\n"
              "  security grant|revoke [-n NAMESPACE] TRUSTEE RIGHT[,RIGHT...]\n"
              "                                                  TRUSTEE: user, group:NAME, Everyone;\n"
              "                                                  RIGHT: Enable, MethodExecute, FullWrite,\n"
              "                                                  PartialWrite, ProviderWrite, RemoteEnable,\n"
              "                                                  ReadSecurity, EditSecurity, All\n"
              "\n"
              "options:\n"
              "  -r, --repository PATH   work in this process on this repository file\n"
              "                          (default: $OWMI_REPOSITORY)\n"
              "  -S, --socket PATH       the daemon's socket (default: $OWMI_SOCKET; without\n"
              "                          either, the daemon if it runs, else in process on\n"
              "                          the per-user or system default repository)\n"
              "  -H, --host HOST[:PORT]  another machine's daemon, over TLS (port 5990); given\n"
              "                          more than once, `query` runs on every host at once\n"
              "                          (a Host column; exit 4 when some hosts failed)\n"
              "  -u, --user USER         who to log in as there; the password is asked for\n"
              "                          (or read from --password-file FILE, or $OWMI_PASSWORD)\n"
              "      --ca FILE           trust this certificate for the host (default: $OWMI_CA,\n"
              "                          else the system's)\n"
              "  -c, --count N           watch: stop after N events\n"
              "  -T, --timeout SECONDS   watch: stop after this long (exit 3 if --count\n"
              "                          was not reached)\n"
              "  -n, --namespace NS      namespace (default root/cimv2)\n"
              "  -I, --include DIR       where #pragma include looks after the file's folder\n"
              "  -t, --tree              classes as a tree\n"
              "  -f, --format F          table (default; fitted to the terminal), json (one\n"
              "                          array; watch: one object per line), csv or mof\n"
              "  -s, --shallow           only the class itself, not its subclasses\n"
              "  -P, --privilege NAME    enable a privilege for methods that need one\n"
              "                          (Shutdown or SeShutdownPrivilege; repeatable)\n"
              "  -q, --quiet             no summary line\n"
              "  -h, --help              this text\n"
              "  -V, --version           the version\n", out);
}

void cli_print_error(const char *what, const struct owmi_error *err)
{
        const char *name = owmi_status_name(err->code);

        fprintf(stderr, "owmi: %s: 0x%08X %s: %s\n", what, err->code, name ? name : "",
                err->message[0] ? err->message : owmi_strerror(err->code));
}

/* The password for --user: a file, the environment, or asked on the
 * terminal without echo.  NULL when none can be had. */
char *cli_read_password(const struct cli *cli)
{
        char buf[1024];
        size_t n;

        if (cli->password_file) {
                FILE *f = fopen(cli->password_file, "re");

                if (!f || !fgets(buf, sizeof(buf), f)) {
                        if (f)
                                fclose(f);
                        fprintf(stderr, "owmi: cannot read %s\n", cli->password_file);
                        return NULL;
                }
                fclose(f);
        } else if (getenv("OWMI_PASSWORD")) {
                snprintf(buf, sizeof(buf), "%s", getenv("OWMI_PASSWORD"));
        } else {
                struct termios old, quiet;
                int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
                FILE *f = tty >= 0 ? fdopen(tty, "r+") : NULL;
                bool ok;

                if (!f) {
                        if (tty >= 0)
                                close(tty);
                        fputs("owmi: no terminal to ask for the password on\n", stderr);
                        return NULL;
                }
                fprintf(f, "Password for %s@%s: ", cli->user, cli->host);
                fflush(f);
                tcgetattr(tty, &old);
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t) ECHO;
                tcsetattr(tty, TCSAFLUSH, &quiet);
                ok = fgets(buf, sizeof(buf), f) != NULL;
                tcsetattr(tty, TCSAFLUSH, &old);
                fputc('\n', f);
                fclose(f);
                if (!ok)
                        return NULL;
        }
        n = strlen(buf);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                buf[--n] = '\0';
        {
                char *p = owmi_strdup(buf);

                explicit_bzero(buf, sizeof(buf));
                return p;
        }
}

owmi_connection *cli_connect_host(const struct cli *cli, const char *where, const char *password,
                                  struct owmi_error *err)
{
        struct owmi_connect_options o = {
                .privileges = cli->privilege_names,
                .privilege_count = cli->privilege_count,
                .ca_file = cli->ca,
                .user = cli->user,
                .password = password,
        };
        owmi_connection *conn;
        char host[256], *colon;

        snprintf(host, sizeof(host), "%s", where);
        colon = strrchr(host, ':');
        /* HOST:PORT, [v6]:PORT; a bare IPv6 address has no port */
        if (colon && (host[0] == '[' || strchr(host, ':') == colon)) {
                *colon = '\0';
                o.port = (unsigned) atoi(colon + 1);
        }
        if (host[0] == '[') {
                memmove(host, host + 1, strlen(host));
                host[strcspn(host, "]")] = '\0';
        }
        o.host = host;
        return owmi_connect(&o, &conn, err) == 0 ? conn : NULL;
}

owmi_connection *cli_connect(const struct cli *cli)
{
        struct owmi_connect_options o = {
                .privileges = cli->privilege_names,
                .privilege_count = cli->privilege_count,
        };
        struct owmi_error err = { 0 };
        owmi_connection *conn;
        char *password = NULL;

        if (cli->host) {
                if (cli->user && !(password = cli_read_password(cli)))
                        return NULL;
                conn = cli_connect_host(cli, cli->host, password, &err);
                if (password) {
                        explicit_bzero(password, strlen(password));
                        owmi_free(password);
                }
                if (!conn)
                        cli_print_error("cannot connect", &err);
                return conn;
        }
        /* credentials for this machine: refused as WMI refuses them */
        o.user = cli->user;
        if (cli->repository_given && !cli->socket) {
                o.mode = OWMI_MODE_IN_PROCESS;
                o.repository = cli->repository;
        } else {
                o.socket_path = cli->socket;
                o.mode = cli->socket ? OWMI_MODE_DAEMON : OWMI_MODE_AUTO;
        }
        if (owmi_connect(&o, &conn, &err) != 0) {
                cli_print_error("cannot connect", &err);
                return NULL;
        }
        return conn;
}

struct repo *cli_open_repository(const struct cli *cli)
{
        struct owmi_error err = { 0 };
        struct repo *repo;

        if (mof_open_repository(cli->repository, &repo, &err) < 0) {
                cli_print_error("cannot open the repository", &err);
                return NULL;
        }
        return repo;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "repository", required_argument, NULL, 'r' },
                { "namespace", required_argument, NULL, 'n' },
                { "include", required_argument, NULL, 'I' },
                { "tree", no_argument, NULL, 't' },
                { "format", required_argument, NULL, 'f' },
                { "shallow", no_argument, NULL, 's' },
                { "quiet", no_argument, NULL, 'q' },
                { "privilege", required_argument, NULL, 'P' },
                { "socket", required_argument, NULL, 'S' },
                { "host", required_argument, NULL, 'H' },
                { "user", required_argument, NULL, 'u' },
                { "ca", required_argument, NULL, 'A' },
                { "password-file", required_argument, NULL, 'W' },
                { "count", required_argument, NULL, 'c' },
                { "timeout", required_argument, NULL, 'T' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { NULL, 0, NULL, 0 },
        };
        struct cli cli = { 0 };
        const char *command;
        int c, r;

        cli.repository = getenv("OWMI_REPOSITORY");
        if (cli.repository && !cli.repository[0])
                cli.repository = NULL;
        cli.repository_given = cli.repository != NULL;
        cli.socket = getenv("OWMI_SOCKET");
        if (cli.socket && !cli.socket[0])
                cli.socket = NULL;
        cli.include_dirs = owmi_calloc((size_t) argc, sizeof(char *));
        if (!cli.include_dirs)
                return 1;
        while ((c = getopt_long(argc, argv, "r:n:I:tf:sqP:S:H:u:c:T:hV", options, NULL)) != -1) {
                switch (c) {
                case 'r': cli.repository = optarg; cli.repository_given = true; break;
                case 'S': cli.socket = optarg; break;
                case 'H':
                        if (cli.host_count == sizeof(cli.hosts) / sizeof(cli.hosts[0])) {
                                fputs("owmi: at most 64 hosts\n", stderr);
                                return 2;
                        }
                        cli.hosts[cli.host_count++] = optarg;
                        cli.host = optarg;
                        break;
                case 'u': cli.user = optarg; break;
                case 'A': cli.ca = optarg; break;
                case 'W': cli.password_file = optarg; break;
                case 'c':
                case 'T': {
                        char *end;
                        double v = strtod(optarg, &end);

                        if (*end || end == optarg || v < 0 || v > 1e9) {
                                fprintf(stderr, "owmi: bad number '%s'\n", optarg);
                                return 2;
                        }
                        if (c == 'c')
                                cli.count = (unsigned long) v;
                        else
                                cli.timeout_ms = (unsigned long) (v * 1000);
                        break;
                }
                case 'n': cli.namespace = optarg; break;
                case 'I': cli.include_dirs[cli.include_dir_count++] = optarg; break;
                case 't': cli.tree = true; break;
                case 's': cli.shallow = true; break;
                case 'f':
                        if (strcmp(optarg, "table") == 0)
                                cli.format = CLI_FORMAT_TABLE;
                        else if (strcmp(optarg, "json") == 0)
                                cli.format = CLI_FORMAT_JSON;
                        else if (strcmp(optarg, "mof") == 0)
                                cli.format = CLI_FORMAT_MOF;
                        else if (strcmp(optarg, "csv") == 0)
                                cli.format = CLI_FORMAT_CSV;
                        else {
                                fprintf(stderr, "owmi: unknown format '%s' (table, json, csv, mof)\n", optarg);
                                return 2;
                        }
                        break;
                case 'q': cli.quiet = true; break;
                case 'P': {
                        unsigned number = privilege_lookup(optarg);

                        if (!number) {
                                fprintf(stderr, "owmi: no privilege named '%s'\n", optarg);
                                return 2;
                        }
                        cli.privileges |= (owmi_privileges) 1 << number;
                        if (cli.privilege_count < 32)
                                cli.privilege_names[cli.privilege_count++] = optarg;
                        break;
                }
                case 'h': usage(stdout); return 0;
                case 'V': puts("owmi (OpenWMI) 0.1.0"); return 0;
                default: usage(stderr); return 2;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return 2;
        }
        command = argv[optind++];
        cli.args = argv + optind;
        cli.arg_count = (size_t) (argc - optind);
        if (strcmp(command, "mof") == 0) {
                if (cli.arg_count < 1 || (strcmp(cli.args[0], "check") && strcmp(cli.args[0], "compile"))) {
                        fputs("owmi: mof needs 'check' or 'compile'\n", stderr);
                        return 2;
                }
                bool check = strcmp(cli.args[0], "check") == 0;

                cli.args++;
                cli.arg_count--;
                r = cli_mof(&cli, check);
        } else if (strcmp(command, "classes") == 0) {
                r = cli_classes(&cli);
        } else if (strcmp(command, "describe") == 0) {
                r = cli_describe(&cli);
        } else if (strcmp(command, "namespaces") == 0) {
                r = cli_namespaces(&cli);
        } else if (strcmp(command, "namespace") == 0 || strcmp(command, "ns") == 0) {
                r = cli_namespace(&cli);
        } else if (strcmp(command, "query") == 0) {
                r = cli_query(&cli);
        } else if (strcmp(command, "get") == 0) {
                r = cli_get(&cli);
        } else if (strcmp(command, "enum") == 0) {
                r = cli_enum(&cli);
        } else if (strcmp(command, "call") == 0) {
                r = cli_call(&cli);
        } else if (strcmp(command, "watch") == 0) {
                r = cli_watch(&cli);
        } else if (strcmp(command, "security") == 0) {
                r = cli_security(&cli);
        } else {
                fprintf(stderr, "owmi: unknown command '%s'\n", command);
                usage(stderr);
                r = 2;
        }
        owmi_free(cli.include_dirs);
        return r;
}
