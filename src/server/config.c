/* SPDX-License-Identifier: MIT */
/*
 * config.c: owmid's configuration: documented defaults (docs/owmid.md,
 * owmid.conf), a "key = value" file with # comments, and command-line
 * options that override both.  Logging lives here too.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "server/server.h"

#define DEFAULT_SOCKET "/run/openwmi/owmid.sock"

void server_config_defaults(struct server_config *cfg)
{
        memset(cfg, 0, sizeof(*cfg));
        cfg->socket_path = owmi_strdup(getenv("OWMI_SOCKET") ? getenv("OWMI_SOCKET") : DEFAULT_SOCKET);
        cfg->workers = 0;
        cfg->request_timeout = 300;
        cfg->max_connections = 1024;
        cfg->socket_mode = 0666;
        cfg->tls_certificate = owmi_strdup("/etc/openwmi/owmid.crt");
        cfg->tls_key = owmi_strdup("/etc/openwmi/owmid.key");
        cfg->pam_service = owmi_strdup("owmid");
        cfg->provider_timeout = 60;
}

void server_config_release(struct server_config *cfg)
{
        owmi_free(cfg->socket_path);
        owmi_free(cfg->repository);
        owmi_free(cfg->listen);
        owmi_free(cfg->listen_plain);
        owmi_free(cfg->tls_certificate);
        owmi_free(cfg->tls_key);
        owmi_free(cfg->tls_client_ca);
        owmi_free(cfg->pam_service);
        owmi_free(cfg->isolated_providers);
        memset(cfg, 0, sizeof(*cfg));
}

static int parse_unsigned(const char *value, unsigned base, unsigned max, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(value, &end, (int) base);
        if (errno || end == value || *end || v > max || value[0] == '-')
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int parse_bool(const char *value, bool *ret)
{
        if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1"))
                *ret = true;
        else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

static int set_string(char **slot, const char *value)
{
        char *s = owmi_strdup(value);

        if (!s)
                return -ENOMEM;
        owmi_free(*slot);
        *slot = s;
        return 0;
}

int server_config_set(struct server_config *cfg, const char *key, const char *value,
                      struct owmi_error *err)
{
        int r;

        if (!strcmp(key, "socket"))
                r = set_string(&cfg->socket_path, value);
        else if (!strcmp(key, "repository"))
                r = set_string(&cfg->repository, value);
        else if (!strcmp(key, "workers"))
                r = parse_unsigned(value, 10, 1024, &cfg->workers);
        else if (!strcmp(key, "request_timeout"))
                r = parse_unsigned(value, 10, 86400, &cfg->request_timeout);
        else if (!strcmp(key, "max_connections"))
                r = parse_unsigned(value, 10, 65536, &cfg->max_connections);
        else if (!strcmp(key, "socket_mode"))
                r = parse_unsigned(value, 8, 0777, &cfg->socket_mode);
        else if (!strcmp(key, "listen"))
                r = set_string(&cfg->listen, value);
        else if (!strcmp(key, "listen_plain"))
                r = set_string(&cfg->listen_plain, value);
        else if (!strcmp(key, "plain_passwords"))
                r = parse_bool(value, &cfg->plain_passwords);
        else if (!strcmp(key, "tls_certificate"))
                r = set_string(&cfg->tls_certificate, value);
        else if (!strcmp(key, "tls_key"))
                r = set_string(&cfg->tls_key, value);
        else if (!strcmp(key, "tls_client_ca"))
                r = set_string(&cfg->tls_client_ca, value);
        else if (!strcmp(key, "pam_service"))
                r = set_string(&cfg->pam_service, value);
        else if (!strcmp(key, "isolated_providers"))
                r = set_string(&cfg->isolated_providers, value);
        else if (!strcmp(key, "provider_timeout"))
                r = parse_unsigned(value, 10, 86400, &cfg->provider_timeout);
        else if (!strcmp(key, "provider_memory_limit"))
                r = parse_unsigned(value, 10, 1 << 20, &cfg->provider_memory_limit);
        else
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "unknown setting '%s'", key);
        if (r == -ENOMEM)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        if (r < 0)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "bad value '%s' for %s",
                                      value, key);
        return 0;
}

static char *trim(char *s)
{
        char *end;

        while (isspace((unsigned char) *s))
                s++;
        end = s + strlen(s);
        while (end > s && isspace((unsigned char) end[-1]))
                *--end = '\0';
        return s;
}

int server_config_load(struct server_config *cfg, const char *path, struct owmi_error *err)
{
        char line[4096];
        unsigned lineno = 0;
        FILE *f;

        if (!path)
                return 0;
        f = fopen(path, "re");
        if (!f)
                return owmi_error_set(err, OWMI_E_NOT_FOUND, "cannot open %s: %s", path,
                                      strerror(errno));
        while (fgets(line, sizeof(line), f)) {
                struct owmi_error e;
                char *s, *eq, *key, *value;
                int r;

                lineno++;
                s = trim(line);
                if (!*s || *s == '#')
                        continue;
                eq = strchr(s, '=');
                if (!eq) {
                        fclose(f);
                        return owmi_error_set_at(err, OWMI_E_INVALID_PARAMETER, path, lineno, 1,
                                                 "expected 'key = value'");
                }
                *eq = '\0';
                key = trim(s);
                value = trim(eq + 1);
                r = server_config_set(cfg, key, value, &e);
                if (r < 0) {
                        fclose(f);
                        return owmi_error_set_at(err, e.code, path, lineno,
                                                 (unsigned) (key - line) + 1, "%s", e.message);
                }
        }
        fclose(f);
        return 0;
}

void server_log(int priority, const char *fmt, ...)
{
        static const char *const names[] = { "emerg", "alert", "crit", "error", "warning",
                                             "notice", "info", "debug" };
        char msg[1024];
        va_list ap;

        if (priority >= SERVER_LOG_DEBUG && !getenv("OWMID_DEBUG"))
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        /* the journal reads the priority from the prefix */
        if (getenv("JOURNAL_STREAM"))
                fprintf(stderr, "<%d>%s\n", priority, msg);
        else
                fprintf(stderr, "owmid: %s: %s\n", names[priority & 7], msg);
}
