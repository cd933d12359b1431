/* SPDX-License-Identifier: MIT */
/*
 * moniker.c: WMI's monikers (research/wmi-semantics.md 8.2):
 *
 *   moniker  := "winmgmts:" ["{" security "}"] ["[" "locale=" id "]"] ["!"] [path]
 *   security := item {"," item}     item: impersonationLevel=X | authenticationLevel=X
 *               | authority=X | "(" [["!"]priv {"," ["!"]priv}] ")" | a bare level
 *   path     := ["//" server ["/" namespace] | namespace] [":" object_path]
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "client/client.h"

static const char *const impersonation[] = { NULL, "anonymous", "identify", "impersonate", "delegate" };
static const char *const authentication[] = { "default", "none", "connect", "call", "pkt",
                                              "pktIntegrity", "pktPrivacy" };

struct scan {
        const char *text;
        const char *p;
        struct owmi_error *err;
};

static int syntax(struct scan *s, const char *what)
{
        return owmi_error_set_at(s->err, OWMI_E_MONIKER_SYNTAX, "", 1,
                                 (unsigned) (s->p - s->text) + 1, "moniker: %s at column %u", what,
                                 (unsigned) (s->p - s->text) + 1);
}

static void skip_spaces(struct scan *s)
{
        while (*s->p == ' ' || *s->p == '\t')
                s->p++;
}

/* The text up to one of stops (not included), trimmed. */
static char *take_until(struct scan *s, const char *stops)
{
        const char *start = s->p, *end;
        char *out;

        while (*s->p && !strchr(stops, *s->p))
                s->p++;
        end = s->p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        out = owmi_malloc((size_t) (end - start) + 1);
        if (out) {
                memcpy(out, start, (size_t) (end - start));
                out[end - start] = '\0';
        }
        return out;
}

static int add(char ***list, size_t *count, char *item)
{
        char **grown = owmi_realloc(*list, (*count + 1) * sizeof(char *));

        if (!grown) {
                owmi_free(item);
                return -ENOMEM;
        }
        *list = grown;
        grown[(*count)++] = item;
        return 0;
}

static int level_of(const char *const *names, size_t n, const char *text)
{
        for (size_t i = 0; i < n; i++)
                if (names[i] && owmi_streq_ci(names[i], text))
                        return (int) i;
        return -1;
}

static int parse_privileges(struct scan *s, struct owmi_moniker *m)
{
        s->p++;         /* ( */
        for (;;) {
                bool disabled = false;
                char *name;
                int r;

                skip_spaces(s);
                if (*s->p == ')') {
                        s->p++;
                        return 0;
                }
                if (*s->p == '!') {
                        disabled = true;
                        s->p++;
                        skip_spaces(s);
                }
                name = take_until(s, ",)");
                if (!name)
                        return owmi_error_set(s->err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                if (!*name) {
                        owmi_free(name);
                        return syntax(s, "a privilege name is missing");
                }
                r = disabled ? add(&m->disabled_privileges, &m->disabled_count, name)
                             : add(&m->privileges, &m->privilege_count, name);
                if (r < 0)
                        return owmi_error_set(s->err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                if (*s->p == ',')
                        s->p++;
                else if (*s->p != ')')
                        return syntax(s, "')' expected after the privileges");
        }
}

static int parse_security(struct scan *s, struct owmi_moniker *m)
{
        s->p++;         /* { */
        for (;;) {
                char *item, *eq;
                int level;

                skip_spaces(s);
                if (*s->p == '(') {
                        int r = parse_privileges(s, m);

                        if (r < 0)
                                return r;
                } else {
                        const char *start = s->p;

                        item = take_until(s, ",}");
                        if (!item)
                                return owmi_error_set(s->err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                        eq = strchr(item, '=');
                        if (eq)
                                *eq++ = '\0';
                        if (!eq && (level = level_of(impersonation, 5, item)) > 0) {
                                m->impersonation_level = level;
                        } else if (eq && owmi_streq_ci(item, "impersonationLevel") &&
                                   (level = level_of(impersonation, 5, eq)) > 0) {
                                m->impersonation_level = level;
                        } else if (eq && owmi_streq_ci(item, "authenticationLevel") &&
                                   (level = level_of(authentication, 7, eq)) >= 0) {
                                m->authentication_level = level;
                        } else if (eq && owmi_streq_ci(item, "authority") && *eq) {
                                owmi_free(m->authority);
                                m->authority = owmi_strdup(eq);
                        } else {
                                owmi_free(item);
                                s->p = start;
                                return syntax(s, "unknown security setting");
                        }
                        owmi_free(item);
                }
                skip_spaces(s);
                if (*s->p == ',') {
                        s->p++;
                        continue;
                }
                if (*s->p == '}') {
                        s->p++;
                        return 0;
                }
                return syntax(s, "'}' expected");
        }
}

static char *normalize_namespace(char *ns)
{
        size_t n = 0;

        for (size_t i = 0; ns[i]; i++) {
                char c = ns[i] == '\\' ? '/' : ns[i];

                if (c == '/' && (n == 0 || ns[n - 1] == '/'))
                        continue;
                ns[n++] = c;
        }
        while (n && ns[n - 1] == '/')
                n--;
        ns[n] = '\0';
        if (!*ns) {
                owmi_free(ns);
                return NULL;
        }
        return ns;
}

int owmi_moniker_parse(const char *text, struct owmi_moniker *ret, struct owmi_error *err)
{
        struct owmi_moniker m = { .authentication_level = -1 };
        struct scan s = { .text = text, .p = text, .err = err };
        int r = 0;

        owmi_error_clear(err);
        if (!text || owmi_strncasecmp(text, "winmgmts:", 9) != 0) {
                s.p = text ? text : "";
                owmi_error_set(err, OWMI_E_MONIKER_SYNTAX, "moniker: it must start with 'winmgmts:'");
                return (int) OWMI_E_MONIKER_SYNTAX;
        }
        s.p += 9;
        if (*s.p == '{')
                r = parse_security(&s, &m);
        if (r >= 0 && *s.p == '[') {
                s.p++;
                if (owmi_strncasecmp(s.p, "locale=", 7) != 0) {
                        r = syntax(&s, "'locale=' expected");
                } else {
                        s.p += 7;
                        m.locale = take_until(&s, "]");
                        if (*s.p != ']')
                                r = syntax(&s, "']' expected");
                        else
                                s.p++;
                }
        }
        if (r >= 0 && *s.p == '!')
                s.p++;
        else if (r >= 0 && s.p > text + 9 && *s.p)
                r = syntax(&s, "'!' expected before the path");
        if (r >= 0 && (s.p[0] == '/' || s.p[0] == '\\') && (s.p[1] == '/' || s.p[1] == '\\')) {
                s.p += 2;
                m.server = take_until(&s, "/\\:");
                if (!m.server || !*m.server)
                        r = syntax(&s, "a server name is missing");
                else if (strcmp(m.server, ".") == 0) {
                        owmi_free(m.server);
                        m.server = NULL;
                }
                if (r >= 0 && (*s.p == '/' || *s.p == '\\'))
                        s.p++;
        }
        if (r >= 0 && *s.p && *s.p != ':') {
                /* a namespace has a separator or is "root"; anything else
                 * without a colon is an object path in the default
                 * namespace ("winmgmts:Win32_LogicalDisk") */
                const char *colon = strchr(s.p, ':');

                if (!colon && !strpbrk(s.p, "/\\") && !owmi_streq_ci(s.p, "root")) {
                        m.object_path = owmi_strdup(s.p);
                        s.p += strlen(s.p);
                } else {
                        m.namespace = normalize_namespace(take_until(&s, ":"));
                }
        }
        if (r >= 0 && *s.p == ':') {
                s.p++;
                if (*s.p)
                        m.object_path = owmi_strdup(s.p);
        }
        if (r >= 0 && m.authority && !m.server)
                r = owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                   "moniker: an authority is for another machine only");
        if (r < 0) {
                owmi_moniker_release(&m);
                return err && err->code ? (int) err->code : (int) OWMI_E_MONIKER_SYNTAX;
        }
        *ret = m;
        return 0;
}

void owmi_moniker_release(struct owmi_moniker *m)
{
        for (size_t i = 0; i < m->privilege_count; i++)
                owmi_free(m->privileges[i]);
        for (size_t i = 0; i < m->disabled_count; i++)
                owmi_free(m->disabled_privileges[i]);
        owmi_free(m->privileges);
        owmi_free(m->disabled_privileges);
        owmi_free(m->server);
        owmi_free(m->namespace);
        owmi_free(m->object_path);
        owmi_free(m->authority);
        owmi_free(m->locale);
        memset(m, 0, sizeof(*m));
}

int owmi_connect_moniker(const char *text, const struct owmi_connect_options *base,
                         owmi_connection **ret, struct owmi_moniker *ret_parsed,
                         struct owmi_error *err)
{
        struct owmi_connect_options o = { 0 };
        struct owmi_moniker m;
        const char **privileges;
        size_t count = 0;
        int status = owmi_moniker_parse(text, &m, err);

        *ret = NULL;
        if (status)
                return status;
        if (base)
                o = *base;
        privileges = owmi_calloc(o.privilege_count + m.privilege_count + 1, sizeof(char *));
        if (!privileges) {
                owmi_moniker_release(&m);
                return (int) OWMI_E_OUT_OF_MEMORY;
        }
        for (size_t i = 0; i < o.privilege_count; i++)
                privileges[count++] = o.privileges[i];
        for (size_t i = 0; i < m.privilege_count; i++)
                privileges[count++] = m.privileges[i];
        o.privileges = privileges;
        o.privilege_count = count;
        if (m.server)
                o.host = m.server;
        status = owmi_connect(&o, ret, err);
        owmi_free(privileges);
        if (ret_parsed && status == 0)
                *ret_parsed = m;
        else
                owmi_moniker_release(&m);
        return status;
}
