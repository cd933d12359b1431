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

int cli_classes(struct cli *cli)
{
        const char *ns = cli->namespace ? cli->namespace : "root/cimv2";
        struct class_table t = { 0 };
        struct owmi_error err = { 0 };
        struct repo *repo = cli_open_repository(cli);
        int r;

        if (!repo)
                return 1;
        r = repo_class_enumerate_names(repo, ns, NULL, true, collect, &t, &err);
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
        repo_close(repo);
        return r < 0 ? 1 : 0;
}

int cli_describe(struct cli *cli)
{
        const char *ns = cli->namespace ? cli->namespace : "root/cimv2";
        struct owmi_error err = { 0 };
        struct strbuf sb = STRBUF_INIT;
        struct cim_object *cls;
        struct repo *repo;
        int result = 0;

        if (cli->arg_count == 0) {
                fputs("owmi: describe: which class?\n", stderr);
                return 2;
        }
        repo = cli_open_repository(cli);
        if (!repo)
                return 1;
        for (size_t i = 0; i < cli->arg_count; i++) {
                if (repo_class_get(repo, ns, cli->args[i], &cls, &err) < 0) {
                        cli_print_error(cli->args[i], &err);
                        result = 1;
                        continue;
                }
                strbuf_reset(&sb);
                cim_object_format_mof(cls, 0, &sb);
                fputs(strbuf_str(&sb), stdout);
                cim_object_free(cls);
        }
        strbuf_release(&sb);
        repo_close(repo);
        return result;
}

static int print_namespace(const char *name, void *userdata)
{
        struct repo *repo = userdata;

        printf("%s\n", name);
        return repo_namespace_children(repo, name, print_namespace, repo, NULL);
}

int cli_namespaces(struct cli *cli)
{
        struct repo *repo = cli_open_repository(cli);
        int r;

        if (!repo)
                return 1;
        r = print_namespace("root", repo);
        repo_close(repo);
        return r < 0 ? 1 : 0;
}

/* owmi namespace create|delete NAMESPACE */
int cli_namespace(struct cli *cli)
{
        struct owmi_error err = { 0 };
        struct repo *repo;
        int r;

        if (cli->arg_count != 2 || (strcmp(cli->args[0], "create") && strcmp(cli->args[0], "delete"))) {
                fputs("owmi: namespace create|delete NAMESPACE\n", stderr);
                return 2;
        }
        repo = cli_open_repository(cli);
        if (!repo)
                return 1;
        if (strcmp(cli->args[0], "create") == 0)
                r = repo_namespace_create(repo, cli->args[1], &err);
        else
                r = repo_namespace_delete(repo, cli->args[1], &err);
        if (r < 0)
                cli_print_error(cli->args[1], &err);
        repo_close(repo);
        return r < 0 ? 1 : 0;
}
