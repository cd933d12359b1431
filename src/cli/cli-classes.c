/* SPDX-License-Identifier: MIT */
/*
 * cli-classes.c: `owmi classes`, `owmi describe`, `owmi namespaces`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/render.h"
#include "cli/cli.h"
#include "client/client.h"

struct class_entry {
        char *name;
        char *superclass;
};

struct class_table {
        struct class_entry *items;
        size_t count, alloc;
};

static int collect(const char *name, const char *superclass, void *userdata)
{
        struct class_table *t = userdata;
        struct class_entry *e;

        if (OWMI_GROW(t->items, t->alloc, t->count + 1) < 0)
                return -ENOMEM;
        e = &t->items[t->count];
        e->name = owmi_strdup(name);
        e->superclass = superclass ? owmi_strdup(superclass) : NULL;
        if (!e->name || (superclass && !e->superclass)) {
                owmi_free(e->name);
                owmi_free(e->superclass);
                return -ENOMEM;
        }
        t->count++;
        return 0;
}

static int by_name(const void *a, const void *b)
{
        return owmi_strcasecmp(((const struct class_entry *) a)->name,
                               ((const struct class_entry *) b)->name);
}

/* Children of parent (NULL: roots), sorted by name, drawn like tree(1). */
static void print_tree(const struct class_table *t, const char *parent, const char *prefix)
{
        size_t last = SIZE_MAX;

        for (size_t i = 0; i < t->count; i++) {
                const char *sup = t->items[i].superclass;

                if ((!parent && !sup) || (parent && sup && owmi_strcasecmp(sup, parent) == 0))
                        last = i;
        }
        for (size_t i = 0; i < t->count && last != SIZE_MAX; i++) {
                const char *sup = t->items[i].superclass;
                char *child_prefix;

                if (!((!parent && !sup) || (parent && sup && owmi_strcasecmp(sup, parent) == 0)))
                        continue;
                if (!parent) {
                        printf("%s\n", t->items[i].name);
                        print_tree(t, t->items[i].name, "");
                        continue;
                }
                printf("%s%s%s\n", prefix, i == last ? "└── " : "├── ", t->items[i].name);
                if (asprintf(&child_prefix, "%s%s", prefix, i == last ? "    " : "│   ") < 0)
                        return;
                print_tree(t, t->items[i].name, child_prefix);
                free(child_prefix);
        }
}

static int collect_class(owmi_object *obj, void *userdata)
{
        const struct cim_object *cls = client_object(obj);
        int r = collect(cls->class_name, cls->superclass, userdata);

        owmi_object_free(obj);
        return r;
}

int cli_classes(struct cli *cli)
{
        const char *ns = cli->namespace ? cli->namespace : "root/cimv2";
        struct class_table t = { 0 };
        struct owmi_error err = { 0 };
        owmi_connection *conn = cli_connect(cli);
        int r;

        if (!conn)
                return 1;
        r = owmi_enum_classes(conn, ns, NULL, true, collect_class, &t, &err) ? -1 : 0;
        if (r < 0) {
                cli_print_error(ns, &err);
        } else {
                qsort(t.items, t.count, sizeof(*t.items), by_name);
                if (cli->tree)
                        print_tree(&t, NULL, "");
                else
                        for (size_t i = 0; i < t.count; i++)
                                printf("%s\n", t.items[i].name);
        }
        for (size_t i = 0; i < t.count; i++) {
                owmi_free(t.items[i].name);
                owmi_free(t.items[i].superclass);
        }
        owmi_free(t.items);
        owmi_disconnect(conn);
        return r < 0 ? 1 : 0;
}

int cli_describe(struct cli *cli)
{
        const char *ns = cli->namespace ? cli->namespace : "root/cimv2";
        struct owmi_error err = { 0 };
        owmi_connection *conn;
        int result = 0;

        if (cli->arg_count == 0) {
                fputs("owmi: describe: which class?\n", stderr);
                return 2;
        }
        conn = cli_connect(cli);
        if (!conn)
                return 1;
        for (size_t i = 0; i < cli->arg_count; i++) {
                owmi_object *cls;
                char *mof;

                if (owmi_get_object(conn, ns, cli->args[i], &cls, &err)) {
                        cli_print_error(cli->args[i], &err);
                        result = 1;
                        continue;
                }
                mof = owmi_object_to_mof(cls);
                fputs(mof ? mof : "", stdout);
                free(mof);
                owmi_object_free(cls);
        }
        owmi_disconnect(conn);
        return result;
}

struct ns_walk {
        owmi_connection *conn;
        struct owmi_error *err;
        char **names;
        size_t count, alloc;
};

static int collect_name(const char *name, void *userdata)
{
        struct ns_walk *w = userdata;

        if (OWMI_GROW(w->names, w->alloc, w->count + 1) < 0)
                return 1;
        w->names[w->count] = owmi_strdup(name);
        return w->names[w->count++] ? 0 : 1;
}

/* ns and everything below it, depth first; a namespace the caller may not
 * open is listed and not entered. */
static void print_namespace(owmi_connection *conn, const char *ns)
{
        struct ns_walk w = { .conn = conn };
        struct owmi_error err = { 0 };

        printf("%s\n", ns);
        if (owmi_enum_namespaces(conn, ns, collect_name, &w, &err) != 0 &&
            err.code != OWMI_E_ACCESS_DENIED)
                cli_print_error(ns, &err);
        for (size_t i = 0; i < w.count; i++) {
                print_namespace(conn, w.names[i]);
                owmi_free(w.names[i]);
        }
        owmi_free(w.names);
}

int cli_namespaces(struct cli *cli)
{
        owmi_connection *conn = cli_connect(cli);

        if (!conn)
                return 1;
        print_namespace(conn, "root");
        owmi_disconnect(conn);
        return 0;
}

/* owmi namespace|ns create|delete|list [NAMESPACE] */
int cli_namespace(struct cli *cli)
{
        struct owmi_error err = { 0 };
        owmi_connection *conn;
        char parent[512], *slash;
        int status;

        if (cli->arg_count >= 1 && strcmp(cli->args[0], "list") == 0 && cli->arg_count <= 2) {
                conn = cli_connect(cli);
                if (!conn)
                        return 1;
                print_namespace(conn, cli->arg_count == 2 ? cli->args[1] : "root");
                owmi_disconnect(conn);
                return 0;
        }
        if (cli->arg_count != 2 || (strcmp(cli->args[0], "create") && strcmp(cli->args[0], "delete"))) {
                fputs("owmi: ns list [NAMESPACE] | ns create|delete NAMESPACE\n", stderr);
                return 2;
        }
        snprintf(parent, sizeof(parent), "%s", cli->args[1]);
        for (char *c = parent; *c; c++)
                if (*c == '\\')
                        *c = '/';
        slash = strrchr(parent, '/');
        if (!slash || !slash[1]) {
                fprintf(stderr, "owmi: '%s' is not below another namespace (root/NAME)\n", cli->args[1]);
                return 2;
        }
        *slash = '\0';
        conn = cli_connect(cli);
        if (!conn)
                return 1;
        if (strcmp(cli->args[0], "create") == 0)
                status = owmi_create_namespace(conn, parent, slash + 1, &err);
        else
                status = owmi_delete_namespace(conn, parent, slash + 1, &err);
        if (status)
                cli_print_error(cli->args[1], &err);
        owmi_disconnect(conn);
        return status ? 1 : 0;
}
