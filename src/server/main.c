/* SPDX-License-Identifier: MIT */
/*
 * main.c: owmid's command line.  Settings come from the defaults, then
 * the configuration file, then the options given here.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/hosting.h"
#include "server/server.h"
#include "server/tls.h"

#define DEFAULT_CONFIG "/etc/openwmi/owmid.conf"

static void usage(FILE *f)
{
        fprintf(f,
                "usage: owmid [options]\n"
                "  -c, --config FILE       configuration file (default " DEFAULT_CONFIG
                " when it exists)\n"
                "  -s, --socket PATH       the local socket (default $OWMI_SOCKET or "
                "/run/openwmi/owmid.sock)\n"
                "  -r, --repository PATH   the repository file\n"
                "  -w, --workers N         worker threads (default 4 per CPU)\n"
                "  -l, --listen ADDR:PORT  also serve remote clients over TLS (e.g. 0.0.0.0:5990)\n"
                "      --listen-plain ADDR:PORT\n"
                "                          without TLS, on a loopback address only\n"
                "      --make-certificate DIR\n"
                "                          write a new key and self-signed certificate\n"
                "                          (DIR/owmid.key, DIR/owmid.crt) for this host and stop\n"
                "  -f, --foreground        stay in the foreground (as under systemd)\n"
                "  -h, --help              this text\n");
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "socket", required_argument, NULL, 's' },
                { "repository", required_argument, NULL, 'r' },
                { "workers", required_argument, NULL, 'w' },
                { "listen", required_argument, NULL, 'l' },
                { "listen-plain", required_argument, NULL, 'L' },
                { "make-certificate", required_argument, NULL, 'M' },
                { "provider-host", required_argument, NULL, 'X' },
                { "foreground", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct server_config cfg;
        struct owmi_error err;
        const char *config_path = NULL, *cert_dir = NULL, *host_provider = NULL, *host_repository = NULL;
        struct { const char *key, *value; } overrides[8];
        size_t n = 0;
        bool foreground = false;
        char buf[768];
        int c, r;

        while ((c = getopt_long(argc, argv, "c:s:r:w:l:fh", options, NULL)) != -1) {
                switch (c) {
                case 'c': config_path = optarg; break;
                case 's': overrides[n].key = "socket"; overrides[n++].value = optarg; break;
                case 'r': overrides[n].key = "repository"; overrides[n++].value = optarg; break;
                case 'w': overrides[n].key = "workers"; overrides[n++].value = optarg; break;
                case 'l': overrides[n].key = "listen"; overrides[n++].value = optarg; break;
                case 'L': overrides[n].key = "listen_plain"; overrides[n++].value = optarg; break;
                case 'M': cert_dir = optarg; break;
                case 'X': host_provider = optarg; break;
                case 'f': foreground = true; break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
                if (n == sizeof(overrides) / sizeof(overrides[0])) {
                        usage(stderr);
                        return 2;
                }
        }
        if (optind < argc) {
                usage(stderr);
                return 2;
        }
        /* a provider host: started by the daemon, serving it on fd 3 */
        if (host_provider) {
                for (size_t i = 0; i < n; i++)
                        if (!strcmp(overrides[i].key, "repository"))
                                host_repository = overrides[i].value;
                return provider_host_run(host_provider, host_repository) < 0 ? 1 : 0;
        }
        if (cert_dir) {
                char host[256] = "localhost", crt[4096], key[4096];

                gethostname(host, sizeof(host) - 1);
                snprintf(crt, sizeof(crt), "%s/owmid.crt", cert_dir);
                snprintf(key, sizeof(key), "%s/owmid.key", cert_dir);
                if (tls_make_self_signed(crt, key, host, &err) < 0) {
                        owmi_error_format(&err, buf, sizeof(buf));
                        fprintf(stderr, "owmid: %s\n", buf);
                        return 1;
                }
                printf("wrote %s and %s for %s; clients trust it with --ca %s\n", key, crt, host, crt);
                return 0;
        }
        if (!config_path && access(DEFAULT_CONFIG, F_OK) == 0)
                config_path = DEFAULT_CONFIG;
        server_config_defaults(&cfg);
        r = server_config_load(&cfg, config_path, &err);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = server_config_set(&cfg, overrides[i].key, overrides[i].value, &err);
        if (r < 0) {
                owmi_error_format(&err, buf, sizeof(buf));
                fprintf(stderr, "owmid: %s\n", buf);
                server_config_release(&cfg);
                return 2;
        }
        cfg.foreground = foreground;
        /* before any thread exists; errors still reach the terminal */
        if (!foreground && daemon(0, 1) < 0) {
                perror("owmid: daemon");
                return 1;
        }
        r = server_run(&cfg, config_path);
        server_config_release(&cfg);
        return r < 0 ? 1 : 0;
}
