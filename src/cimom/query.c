/* SPDX-License-Identifier: MIT */
/*
 * query.c: ExecQuery.  Parses WQL, checks it against the class, plans and
 * runs it:
 *   - a data query whose WHERE fixes every key with `=` (at the top level
 *     of an AND) becomes one keyed get, never a scan, when one source (the
 *     repository, or the provider of a class without subclasses) holds
 *     the whole class tree;
 *   - otherwise the instances of the class and its subclasses stream
 *     through the WHERE and the select list;
 *   - a schema query on `__this ISA`, `__CLASS =` or `__SUPERCLASS =` reads
 *     only that part of the class tree;
 *   - ASSOCIATORS OF / REFERENCES OF go to assoc.c.
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cimom/internal.h"
#include "cimom/security.h"
#include "wql/wql.h"

struct query_run {
        const struct wql_query *q;
        const struct cim_object *cls;
        cimom_sink sink;
        void *userdata;
        bool cancelled;
        int error;                   /* -ENOMEM from projection */
};

/* Filter, project, hand over; the repository's callback contract. */
static int deliver(struct cim_object *obj, void *userdata)
{
        struct query_run *run = userdata;
        struct cim_object *out = obj;

        if (!wql_match(run->q->where, obj)) {
                cim_object_free(obj);
                return 0;
        }
        if (run->q->kind == WQL_DATA && !run->q->select_all)
                wql_project_in_place(out, run->q);
        if (run->sink(out, run->userdata) != 0) {
                run->cancelled = true;
                return 1;
        }
        return 0;
}

/* The `Name = constant` of the top-level AND chain, or NULL. */
static const struct wql_node *find_equality(const struct wql_node *n, const char *name)
{
        const struct wql_node *hit;

        if (!n)
                return NULL;
        if (n->kind == WQL_NODE_AND) {
                hit = find_equality(n->left, name);
                return hit ? hit : find_equality(n->right, name);
        }
        if (n->kind == WQL_NODE_COMPARE && n->op == WQL_OP_EQ && n->prop.count == 1 &&
            owmi_strcasecmp(n->prop.names[0], name) == 0)
                return n;
        return NULL;
}

/* A path for a keyed get when the WHERE fixes every key: 1 and *ret, 0 if
 * it does not (or a constant needs the WHERE's looser conversion). */
static int keyed_path(const struct wql_query *q, const struct cim_object *cls,
                      struct cim_objpath *ret)
{
        struct cim_objpath path = { 0 };
        size_t keys = 0;

        for (size_t i = 0; i < cls->prop_count; i++) {
                const struct cim_property *p = &cls->props[i];
                const struct wql_node *eq;
                struct cim_value v;

                if (!cim_property_is_key(p))
                        continue;
                keys++;
                eq = find_equality(q->where, p->name);
                if (!eq || p->is_array) {
                        cim_objpath_release(&path);
                        return 0;
                }
                if (cim_value_convert(&eq->constant, p->type, false, &v, NULL) < 0) {
                        /* the WHERE converts more freely (WMI's rules):
                         * let the scan decide */
                        cim_objpath_release(&path);
                        return 0;
                }
                if (!path.class_name && !(path.class_name = owmi_strdup(cls->class_name))) {
                        cim_value_release(&v);
                        cim_objpath_release(&path);
                        return -ENOMEM;
                }
                if (cim_objpath_add_key(&path, p->name, &v) < 0) {
                        cim_value_release(&v);
                        cim_objpath_release(&path);
                        return -1;
                }
        }
        if (keys == 0)
                return 0;
        *ret = path;
        return 1;
}

/* Can one keyed get answer for the whole class tree?  Only when a single
 * source holds every instance: all classes in the repository, or one
 * dynamic class without subclasses (its provider). */
struct sources {
        size_t classes, dynamic;
};

static int count_sources(const char *name, const char *provider, void *userdata)
{
        struct sources *s = userdata;

        (void) name;
        s->classes++;
        s->dynamic += provider != NULL;
        return 0;
}

int cimom_class_tree_sources(struct repo *repo, const char *ns, const char *class_name,
                             size_t *ret_classes, size_t *ret_dynamic, struct owmi_error *err)
{
        struct sources s = { 0, 0 };
        int r = repo_class_subtree(repo, ns, class_name, count_sources, &s, err);

        if (r < 0)
                return r;
        *ret_classes = s.classes;
        *ret_dynamic = s.dynamic;
        return 0;
}

static bool single_source(struct repo *repo, const char *ns, const char *class_name)
{
        struct sources s = { 0, 0 };

        if (repo_class_subtree(repo, ns, class_name, count_sources, &s, NULL) < 0)
                return false;
        return s.dynamic == 0 || s.classes == 1;
}

const struct cim_object *cimom_class_cache_lookup(const char *name, void *userdata)
{
        struct cimom_class_cache *ctx = userdata;
        struct cim_object *cls = NULL;

        for (size_t i = 0; i < ctx->count; i++)
                if (owmi_strcasecmp(ctx->seen[i]->class_name, name) == 0)
                        return ctx->seen[i];
        if (repo_class_get(ctx->repo, ctx->ns, name, &cls, NULL) < 0)
                return NULL;
        if (OWMI_GROW(ctx->seen, ctx->alloc, ctx->count + 1) < 0) {
                cim_object_free(cls);
                return NULL;
        }
        ctx->seen[ctx->count++] = cls;
        return cls;
}

void cimom_class_cache_release(struct cimom_class_cache *ctx)
{
        for (size_t i = 0; i < ctx->count; i++)
                cim_object_free(ctx->seen[i]);
        owmi_free(ctx->seen);
}

static int exec_data(struct cimom_ns *h, struct repo *repo, const struct wql_query *q,
                     const char *query_text, cimom_sink sink, void *userdata,
                     struct owmi_error *err)
{
        struct cimom_class_cache ctx = { repo, h->ns, NULL, 0, 0 };
        struct query_run run = { q, NULL, sink, userdata, false, 0 };
        struct cim_object *cls = NULL, *found = NULL;
        struct cim_objpath path;
        int r;

        r = repo_class_get(repo, h->ns, q->class_name, &cls, err);
        if (r < 0) {
                if (err && err->code == OWMI_E_NOT_FOUND)
                        owmi_error_set(err, OWMI_E_INVALID_CLASS, "class '%s' does not exist in '%s'",
                                       q->class_name, h->ns);
                return r;
        }
        r = wql_check(q, cls, cimom_class_cache_lookup, &ctx, err);
        if (r < 0)
                goto out;
        run.cls = cls;
        r = single_source(repo, h->ns, cls->class_name) ? keyed_path(q, cls, &path) : 0;
        if (r == -ENOMEM) {
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        } else if (r == 1) {
                struct owmi_error miss = { 0 };

                r = cimom_instance_get(h, repo, &path, &found, &miss);
                cim_objpath_release(&path);
                if (r >= 0 && cim_object_is_a(found, cls->class_name))
                        deliver(found, &run);
                else
                        cim_object_free(found);
                if (r < 0 && miss.code == OWMI_E_PROVIDER_NOT_CAPABLE) {
                        /* a provider without a keyed get: ask for them all */
                        r = cimom_instances(h, repo, cls->class_name, true, q, query_text, deliver,
                                            &run, err);
                } else if (r < 0 && miss.code != OWMI_E_NOT_FOUND) {
                        if (err)
                                *err = miss;
                } else {
                        r = 0;
                }
        } else {
                r = cimom_instances(h, repo, cls->class_name, true, q, query_text, deliver, &run,
                                    err);
        }
        if (run.error)
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        else if (run.cancelled)
                r = cimom_cancelled(err);
out:
        cimom_class_cache_release(&ctx);
        cim_object_free(cls);
        return r < 0 ? r : 0;
}

/* The `Name = 'X'` or `__this ISA 'X'` a schema query starts from. */
static const char *schema_anchor(const struct wql_node *n, const char *name, enum wql_node_kind kind)
{
        const char *hit;

        if (!n)
                return NULL;
        if (n->kind == WQL_NODE_AND) {
                hit = schema_anchor(n->left, name, kind);
                return hit ? hit : schema_anchor(n->right, name, kind);
        }
        if (n->kind == kind && n->prop.count == 1 && owmi_strcasecmp(n->prop.names[0], name) == 0 &&
            (kind != WQL_NODE_COMPARE || n->op == WQL_OP_EQ) &&
            n->constant.type == CIM_TYPE_STRING && !n->constant.is_null)
                return n->constant.v.string;
        return NULL;
}

static int exec_schema(struct cimom_ns *h, struct repo *repo, const struct wql_query *q,
                       cimom_sink sink, void *userdata, struct owmi_error *err)
{
        struct query_run run = { q, NULL, sink, userdata, false, 0 };
        const char *isa = schema_anchor(q->where, "__this", WQL_NODE_ISA);
        const char *exact = schema_anchor(q->where, "__CLASS", WQL_NODE_COMPARE);
        const char *parent = schema_anchor(q->where, "__SUPERCLASS", WQL_NODE_COMPARE);
        struct cim_object *cls;
        int r;

        if (exact || isa) {
                /* the class itself, then (for ISA) everything below it */
                struct owmi_error miss = { 0 };

                r = repo_class_get(repo, h->ns, exact ? exact : isa, &cls, &miss);
                if (r < 0 && miss.code == OWMI_E_NOT_FOUND)
                        return 0; /* no such class: no result, as in WMI */
                if (r < 0) {
                        if (err)
                                *err = miss;
                        return r;
                }
                deliver(cls, &run);
                r = 0;
                if (isa && !exact && !run.cancelled)
                        r = repo_class_enumerate(repo, h->ns, isa, true, deliver, &run, err);
        } else if (parent) {
                struct owmi_error miss = { 0 };

                r = repo_class_enumerate(repo, h->ns, parent, false, deliver, &run, &miss);
                if (r < 0 && miss.code == OWMI_E_INVALID_CLASS)
                        r = 0; /* children of a class that is not there: none */
                else if (r < 0 && err)
                        *err = miss;
        } else {
                r = repo_class_enumerate(repo, h->ns, NULL, true, deliver, &run, err);
        }
        if (run.cancelled)
                return cimom_cancelled(err);
        return r < 0 ? r : 0;
}

int cimom_exec_query(struct cimom_ns *h, const char *language, const char *text, cimom_sink sink,
                     void *userdata, struct owmi_error *err)
{
        struct wql_query *q = NULL;
        struct repo *repo;
        int r;

        if (language && owmi_strcasecmp(language, "WQL") != 0)
                return owmi_error_set(err, OWMI_E_INVALID_QUERY_TYPE,
                                      "query language '%s' is not supported (use WQL)", language);
        if (!text)
                return owmi_error_set(err, OWMI_E_INVALID_QUERY, "no query given");
        r = cimom_require(h, SEC_ENABLE, err);
        if (r < 0)
                return r;
        r = wql_parse(text, strlen(text), &q, err);
        if (r < 0)
                return r;
        if (q->kind == WQL_ASSOCIATORS || q->kind == WQL_REFERENCES) {
                struct cimom_assoc_params p = {
                        .assoc_class = q->assoc_class, .result_class = q->result_class,
                        .role = q->role, .result_role = q->result_role,
                        .required_qualifier = q->required_qualifier,
                        .required_assoc_qualifier = q->required_assoc_qualifier,
                        .class_defs_only = q->class_defs_only, .keys_only = q->keys_only,
                        .schema_only = q->schema_only,
                };

                r = q->kind == WQL_ASSOCIATORS ?
                    cimom_associators(h, q->object_path_text, &p, sink, userdata, err) :
                    cimom_references(h, q->object_path_text, &p, sink, userdata, err);
                wql_query_free(q);
                return r;
        }
        if (q->kind == WQL_EVENT) {
                wql_query_free(q);
                return owmi_error_set(err, OWMI_E_INVALID_QUERY,
                                      "an event query needs a notification query, not ExecQuery");
        }
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r >= 0) {
                r = q->kind == WQL_SCHEMA ? exec_schema(h, repo, q, sink, userdata, err) :
                                            exec_data(h, repo, q, text, sink, userdata, err);
                cimom_repo_return(h->cimom, repo);
        }
        wql_query_free(q);
        return r;
}
