/* SPDX-License-Identifier: MIT */
/*
 * cimom.c: the object manager's handles and its direct operations
 * (GetObject, enumerations, Put/Delete, SpawnInstance, namespaces) on the
 * repository.  Queries are in query.c, associations in assoc.c.
 *
 * Threads: one struct repo is one SQLite connection and serves one thread
 * at a time, so operations borrow a connection from a small pool and give
 * it back when done; a namespace handle holds no connection of its own.
 */
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cimom/internal.h"
#include "cimom/security.h"
#include "mof/mof.h"

#define POOL_MAX 8   /* idle connections kept; more are closed on return */

void cimom_caller_self(struct cimom_caller *ret)
{
        struct passwd pwbuf, *pw = NULL;
        char buf[4096];
        int n;

        memset(ret, 0, sizeof(*ret));
        ret->uid = getuid();
        ret->gid = getgid();
        n = getgroups((int) ELEMENTSOF(ret->groups), ret->groups);
        ret->group_count = n > 0 ? (size_t) n : 0;
        if (getpwuid_r(ret->uid, &pwbuf, buf, sizeof(buf), &pw) == 0 && pw)
                snprintf(ret->user, sizeof(ret->user), "%s", pw->pw_name);
        ret->capabilities = privilege_self_capabilities();
}

int cimom_new(const char *repository_path, struct cimom **ret, struct owmi_error *err)
{
        struct cimom *cimom = owmi_calloc(1, sizeof(*cimom));
        struct repo *repo;
        int r;

        if (!cimom)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        cimom->path = repository_path ? owmi_strdup(repository_path) : repo_default_path();
        if (!cimom->path) {
                owmi_free(cimom);
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        pthread_mutex_init(&cimom->lock, NULL);
        pthread_mutex_init(&cimom->providers_lock, NULL);
        pthread_mutex_init(&cimom->pollers_lock, NULL);
        /* the first connection creates and bootstraps the file */
        r = mof_open_repository(cimom->path, &repo, err);
        if (r < 0) {
                cimom_free(cimom);
                return r;
        }
        cimom_repo_return(cimom, repo);
        *ret = cimom;
        return 0;
}

struct cimom *cimom_free(struct cimom *cimom)
{
        if (!cimom)
                return NULL;
        cimom_providers_unload(cimom);
        for (size_t i = 0; i < cimom->idle_count; i++)
                repo_close(cimom->idle[i]);
        owmi_free(cimom->idle);
        pthread_mutex_destroy(&cimom->lock);
        pthread_mutex_destroy(&cimom->providers_lock);
        /* every subscription was closed before: the lists are empty */
        owmi_free(cimom->watchers);
        pthread_mutex_destroy(&cimom->pollers_lock);
        owmi_free(cimom->path);
        owmi_free(cimom);
        return NULL;
}

int cimom_repo_borrow(struct cimom *cimom, struct repo **ret, struct owmi_error *err)
{
        struct repo *repo = NULL;

        pthread_mutex_lock(&cimom->lock);
        if (cimom->idle_count)
                repo = cimom->idle[--cimom->idle_count];
        pthread_mutex_unlock(&cimom->lock);
        if (!repo) {
                int r = repo_open(cimom->path, REPO_OPEN_NO_CREATE, &repo, err);

                if (r < 0)
                        return r;
        }
        *ret = repo;
        return 0;
}

void cimom_repo_return(struct cimom *cimom, struct repo *repo)
{
        if (!repo)
                return;
        pthread_mutex_lock(&cimom->lock);
        if (cimom->idle_count < POOL_MAX &&
            OWMI_GROW(cimom->idle, cimom->idle_alloc, cimom->idle_count + 1) >= 0) {
                cimom->idle[cimom->idle_count++] = repo;
                repo = NULL;
        }
        pthread_mutex_unlock(&cimom->lock);
        repo_close(repo);
}

/* "root\\cimv2" and "root/cimv2" alike, as the repository spells it. */
static int normalize_namespace(const char *ns, char *buf, size_t size)
{
        size_t n = 0;

        for (const char *c = ns; *c; c++) {
                char ch = *c == '\\' ? '/' : *c;

                if (ch == '/' && (n == 0 || buf[n - 1] == '/'))
                        continue;
                if (n + 1 >= size)
                        return -ENAMETOOLONG;
                buf[n++] = ch;
        }
        while (n && buf[n - 1] == '/')
                n--;
        buf[n] = '\0';
        return n ? 0 : -EINVAL;
}

int cimom_open_namespace(struct cimom *cimom, const char *ns, const struct cimom_caller *caller,
                         struct cimom_ns **ret, struct owmi_error *err)
{
        struct cimom_ns *h;
        struct repo *repo;
        char norm[CIMOM_NS_MAX];
        bool exists;
        int r;

        if (!ns || normalize_namespace(ns, norm, sizeof(norm)) < 0)
                return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE, "'%s' is not a namespace name",
                                      ns ? ns : "");
        r = cimom_repo_borrow(cimom, &repo, err);
        if (r < 0)
                return r;
        exists = repo_namespace_exists(repo, norm);
        cimom_repo_return(cimom, repo);
        if (!exists)
                return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE, "namespace '%s' does not exist",
                                      norm);
        h = owmi_calloc(1, sizeof(*h));
        if (!h)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        h->cimom = cimom;
        snprintf(h->ns, sizeof(h->ns), "%s", norm);
        if (caller)
                h->caller = *caller;
        else
                cimom_caller_self(&h->caller);
        r = cimom_require(h, SEC_ENABLE, err);
        if (r < 0) {
                owmi_free(h);
                return r;
        }
        *ret = h;
        return 0;
}

struct cimom_ns *cimom_ns_close(struct cimom_ns *h)
{
        owmi_free(h);
        return NULL;
}

const char *cimom_ns_name(const struct cimom_ns *h)
{
        return h->ns;
}

/* Parse a path given to an operation: it must be in this namespace (a
 * path without namespace is relative to it) and on this machine. */
int cimom_parse_path(const struct cimom_ns *h, const char *text, struct cim_objpath *ret,
                     struct owmi_error *err)
{
        struct cim_objpath path = { 0 };
        char norm[CIMOM_NS_MAX];
        int r;

        if (!text)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "no object path given");
        r = cim_objpath_parse(text, strlen(text), &path, err);
        if (r < 0)
                return r;
        if (path.namespace && (normalize_namespace(path.namespace, norm, sizeof(norm)) < 0 ||
                               owmi_strcasecmp(norm, h->ns) != 0)) {
                r = owmi_error_set(err, OWMI_E_INVALID_NAMESPACE,
                                   "path '%s' is not in namespace '%s'", text, h->ns);
                cim_objpath_release(&path);
                return r;
        }
        if (!path.class_name) {
                cim_objpath_release(&path);
                return owmi_error_set(err, OWMI_E_INVALID_OBJECT_PATH,
                                      "path '%s' names no class or instance", text);
        }
        *ret = path;
        return 0;
}

int cimom_get_object(struct cimom_ns *h, const char *path_text, struct cim_object **ret,
                     struct owmi_error *err)
{
        struct cim_objpath path;
        struct repo *repo;
        int r;

        r = cimom_require(h, SEC_ENABLE, err);
        if (r < 0)
                return r;
        r = cimom_parse_path(h, path_text, &path, err);
        if (r < 0)
                return r;
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r >= 0) {
                if (path.key_count == 0 && !path.singleton)
                        r = repo_class_get(repo, h->ns, path.class_name, ret, err);
                else
                        r = cimom_instance_get(h, repo, &path, ret, err);
                cimom_repo_return(h->cimom, repo);
        }
        cim_objpath_release(&path);
        return r;
}

/* Stops the repository's (or a provider's) enumeration when the sink
 * asks to, and remembers that it did. */
struct forward {
        cimom_sink sink;
        void *userdata;
        bool cancelled;
};

static int forward_object(struct cim_object *obj, void *userdata)
{
        struct forward *f = userdata;

        if (f->sink(obj, f->userdata) != 0) {
                f->cancelled = true;
                return 1;
        }
        return 0;
}

int cimom_cancelled(struct owmi_error *err)
{
        return owmi_error_set(err, OWMI_E_CALL_CANCELLED, "the operation was cancelled");
}

int cimom_enum_classes(struct cimom_ns *h, const char *superclass, bool deep, cimom_sink sink,
                       void *userdata, struct owmi_error *err)
{
        struct forward f = { sink, userdata, false };
        struct repo *repo;
        int r = cimom_require(h, SEC_ENABLE, err);

        if (r >= 0)
                r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        r = repo_class_enumerate(repo, h->ns, superclass, deep, forward_object, &f, err);
        cimom_repo_return(h->cimom, repo);
        if (f.cancelled)
                return cimom_cancelled(err);
        return r < 0 ? r : 0;
}

int cimom_enum_instances(struct cimom_ns *h, const char *class_name, bool deep, cimom_sink sink,
                         void *userdata, struct owmi_error *err)
{
        struct forward f = { sink, userdata, false };
        struct repo *repo;
        int r = cimom_require(h, SEC_ENABLE, err);

        if (r >= 0)
                r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        r = cimom_instances(h, repo, class_name, deep, NULL, NULL, forward_object, &f, err);
        cimom_repo_return(h->cimom, repo);
        if (f.cancelled)
                return cimom_cancelled(err);
        return r < 0 ? r : 0;
}

/* ---- routing: repository or provider ---------------------------------- */

struct subtree {
        char **names;
        char **providers;            /* NULL entries: static classes */
        size_t count, alloc;
        bool any_dynamic;
};

static int collect_subtree(const char *name, const char *provider, void *userdata)
{
        struct subtree *t = userdata;
        size_t alloc = t->alloc;

        if (OWMI_GROW(t->names, alloc, t->count + 1) < 0 ||
            OWMI_GROW(t->providers, t->alloc, t->count + 1) < 0)
                return -ENOMEM;
        t->names[t->count] = owmi_strdup(name);
        t->providers[t->count] = provider ? owmi_strdup(provider) : NULL;
        t->count++;
        if (!t->names[t->count - 1] || (provider && !t->providers[t->count - 1]))
                return -ENOMEM;
        t->any_dynamic |= provider != NULL;
        return 0;
}

static void subtree_release(struct subtree *t)
{
        for (size_t i = 0; i < t->count; i++) {
                owmi_free(t->names[i]);
                owmi_free(t->providers[i]);
        }
        owmi_free(t->names);
        owmi_free(t->providers);
}

/* A namespace's own descriptor (__thisNAMESPACE) is for those who may
 * read security: to the others an enumeration does not show it. */
struct hide_security {
        repo_object_cb cb;
        void *userdata;
};

static int drop_descriptor(struct cim_object *obj, void *userdata)
{
        struct hide_security *hs = userdata;

        if (owmi_streq_ci(obj->class_name, "__thisNAMESPACE")) {
                cim_object_free(obj);
                return 0;
        }
        return hs->cb(obj, hs->userdata);
}

int cimom_instances(struct cimom_ns *h, struct repo *repo, const char *class_name, bool deep,
                    const struct wql_query *q, const char *query_text, repo_object_cb cb,
                    void *userdata, struct owmi_error *err)
{
        struct subtree t = { 0 };
        struct hide_security hs = { cb, userdata };
        struct forward w;
        uint32_t rights = 0;
        int r;

        if (cimom_rights(h, &rights, NULL) < 0 || !(rights & SEC_READ_SECURITY)) {
                cb = drop_descriptor;
                userdata = &hs;
        }
        w = (struct forward) { cb, userdata, false };

        r = repo_class_subtree(repo, h->ns, class_name, collect_subtree, &t, err);
        if (r == -ENOMEM)
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        if (r >= 0 && t.count == 0)
                r = owmi_error_set(err, OWMI_E_INVALID_CLASS, "class '%s' does not exist in '%s'",
                                   class_name, h->ns);
        if (r >= 0 && !t.any_dynamic) {
                /* all in the repository: one indexed walk */
                r = repo_instance_enumerate(repo, h->ns, class_name, deep, cb, userdata, err);
                subtree_release(&t);
                return r;
        }
        for (size_t i = 0; r >= 0 && i < (deep ? t.count : 1) && !w.cancelled; i++) {
                if (t.providers[i])
                        r = cimom_provider_enumerate(h, repo, t.providers[i], t.names[i], q,
                                                     query_text, forward_object, &w, err);
                else
                        r = repo_instance_enumerate(repo, h->ns, t.names[i], false, forward_object,
                                                    &w, err);
        }
        subtree_release(&t);
        if (w.cancelled)
                return 1;
        return r < 0 ? r : 0;
}

int cimom_instance_get(struct cimom_ns *h, struct repo *repo, const struct cim_objpath *path,
                       struct cim_object **ret, struct owmi_error *err)
{
        struct cim_object *cls = NULL;
        const char *provider;
        int r;

        r = repo_class_get(repo, h->ns, path->class_name, &cls, err);
        if (r < 0)
                return r;
        provider = cimom_class_provider(cls);
        if (cim_object_is_a(cls, "__thisNAMESPACE"))
                r = cimom_require(h, SEC_READ_SECURITY, err);
        if (r < 0)
                ;
        else if (provider)
                r = cimom_provider_get(h, repo, provider, path, ret, err);
        else
                r = repo_instance_get(repo, h->ns, path, ret, err);
        cim_object_free(cls);
        return r;
}

static unsigned repo_put_flags(unsigned flags)
{
        return (flags & CIMOM_CREATE_ONLY ? REPO_PUT_CREATE_ONLY : 0) |
               (flags & CIMOM_UPDATE_ONLY ? REPO_PUT_UPDATE_ONLY : 0) |
               (flags & CIMOM_FORCE ? REPO_PUT_FORCE : 0);
}

/* An update of listed properties: the stored instance with those taken
 * from inst. */
static int merge_properties(struct cimom_ns *h, struct repo *repo, const struct cim_object *inst,
                            const char *const *properties, size_t count,
                            struct cim_object **ret, struct owmi_error *err)
{
        struct strbuf rel = STRBUF_INIT;
        struct cim_objpath path = { 0 };
        struct cim_object *stored = NULL;
        int r;

        r = cim_object_relpath(inst, &rel);
        if (r < 0 || strbuf_error(&rel) < 0) {
                strbuf_release(&rel);
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        r = cim_objpath_parse(rel.buf, rel.len, &path, err);
        if (r >= 0)
                r = cimom_instance_get(h, repo, &path, &stored, err);
        for (size_t i = 0; r >= 0 && i < count; i++) {
                const struct cim_property *p = cim_object_find_property(inst, properties[i]);

                if (!p) {
                        r = owmi_error_set(err, OWMI_E_INVALID_PROPERTY,
                                           "class '%s' has no property '%s'", inst->class_name,
                                           properties[i]);
                        break;
                }
                r = cim_object_set_value(stored, properties[i], &p->value, err);
        }
        cim_objpath_release(&path);
        strbuf_release(&rel);
        if (r < 0) {
                cim_object_free(stored);
                return r;
        }
        *ret = stored;
        return 0;
}

/* The stored instance a written one stands for, or NULL: for events. */
static struct cim_object *stored_instance(struct cimom_ns *h, struct repo *repo,
                                          const struct cim_object *inst)
{
        struct strbuf sb = STRBUF_INIT;
        struct cim_objpath path;
        struct cim_object *found = NULL;

        if (cim_object_relpath(inst, &sb) >= 0 && strbuf_error(&sb) >= 0 &&
            cimom_parse_path(h, sb.buf, &path, NULL) >= 0) {
                if (repo_instance_get(repo, h->ns, &path, &found, NULL) < 0)
                        found = NULL;
                cim_objpath_release(&path);
        }
        strbuf_release(&sb);
        return found;
}

/* Writing instances: Provider Write for a provider's, Partial Write for
 * the repository's, Full Write for either; the namespace's own
 * descriptor (__thisNAMESPACE) only with Edit Security. */
static int require_instance_write(struct cimom_ns *h, const struct cim_object *cls,
                                  const char *provider, struct owmi_error *err)
{
        int r;

        if (cim_object_is_a(cls, "__thisNAMESPACE")) {
                r = cimom_require(h, SEC_EDIT_SECURITY, err);
                if (r >= 0)
                        atomic_fetch_add(&h->cimom->security_generation, 1);
                return r;
        }
        return cimom_require(h, SEC_FULL_WRITE | (provider ? SEC_PROVIDER_WRITE : SEC_PARTIAL_WRITE),
                             err);
}

int cimom_put_instance(struct cimom_ns *h, const struct cim_object *inst, unsigned flags,
                       const char *const *properties, size_t property_count, char **ret_path,
                       struct owmi_error *err)
{
        struct cim_object *merged = NULL, *before = NULL, *after = NULL;
        bool watched = false;
        struct repo *repo;
        int r;

        if (!inst || inst->genus != CIM_GENUS_INSTANCE)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "an instance is required");
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        if (cimom_is_subscription_object(inst) && !properties) {
                /* the creator is who puts it, whatever the client sent */
                merged = cim_object_clone(inst);
                if (!merged || cimom_stamp_creator(&h->caller, merged) < 0)
                        r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        if (properties) {
                r = merge_properties(h, repo, inst, properties, property_count, &merged, err);
                flags |= CIMOM_UPDATE_ONLY;
        }
        if (r >= 0) {
                struct cim_object *cls = NULL;
                const char *provider = NULL;

                r = repo_class_get(repo, h->ns, inst->class_name, &cls, err);
                if (r >= 0)
                        provider = cimom_class_provider(cls);
                if (r >= 0)
                        r = require_instance_write(h, cls, provider, err);
                if (r >= 0 && provider) {
                        r = cimom_provider_put(h, repo, provider, merged ? merged : inst,
                                               flags & (CIMOM_CREATE_ONLY | CIMOM_UPDATE_ONLY), err);
                } else if (r >= 0) {
                        /* subscribers hear of it: what was there, what is now */
                        watched = cimom_events_watching(h);
                        if (watched)
                                before = stored_instance(h, repo, merged ? merged : inst);
                        r = repo_instance_put(repo, h->ns, merged ? merged : inst,
                                              repo_put_flags(flags), err);
                        if (r >= 0 && watched)
                                after = stored_instance(h, repo, merged ? merged : inst);
                }
                cim_object_free(cls);
        }
        cimom_repo_return(h->cimom, repo);
        if (r >= 0 && cimom_is_subscription_object(inst))
                atomic_fetch_add(&h->cimom->subscription_generation, 1);
        if (after)
                cimom_events_instance_changed(h, before, after);
        cim_object_free(before);
        cim_object_free(after);
        if (r >= 0 && ret_path) {
                struct strbuf sb = STRBUF_INIT;

                if (cim_object_relpath(merged ? merged : inst, &sb) < 0 || strbuf_error(&sb) < 0) {
                        strbuf_release(&sb);
                        r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                } else {
                        *ret_path = strbuf_detach(&sb);
                }
        }
        cim_object_free(merged);
        return r < 0 ? r : 0;
}

int cimom_delete_instance(struct cimom_ns *h, const char *path_text, struct owmi_error *err)
{
        struct cim_object *before = NULL;
        struct cim_objpath path;
        struct repo *repo;
        int r = cimom_parse_path(h, path_text, &path, err);

        if (r < 0)
                return r;
        if (path.key_count == 0 && !path.singleton) {
                cim_objpath_release(&path);
                return owmi_error_set(err, OWMI_E_INVALID_OBJECT_PATH,
                                      "'%s' is a class path, not an instance path", path_text);
        }
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r >= 0) {
                struct cim_object *cls = NULL;
                const char *provider = NULL;

                r = repo_class_get(repo, h->ns, path.class_name, &cls, err);
                if (r >= 0)
                        provider = cimom_class_provider(cls);
                if (r >= 0)
                        r = require_instance_write(h, cls, provider, err);
                if (r >= 0 && provider) {
                        r = cimom_provider_delete(h, repo, provider, &path, err);
                } else if (r >= 0) {
                        if (cimom_events_watching(h) &&
                            repo_instance_get(repo, h->ns, &path, &before, NULL) < 0)
                                before = NULL;
                        r = repo_instance_delete(repo, h->ns, &path, err);
                }
                if (r >= 0 && cim_object_is_a(cls, "__IndicationRelated"))
                        atomic_fetch_add(&h->cimom->subscription_generation, 1);
                cim_object_free(cls);
                cimom_repo_return(h->cimom, repo);
                if (r >= 0 && before)
                        cimom_events_instance_changed(h, before, NULL);
                cim_object_free(before);
        }
        cim_objpath_release(&path);
        return r;
}

int cimom_put_class(struct cimom_ns *h, const struct cim_object *cls, unsigned flags,
                    struct owmi_error *err)
{
        struct cim_object *before = NULL, *after = NULL;
        bool watched;
        struct repo *repo;
        int r;

        if (!cls || cls->genus != CIM_GENUS_CLASS)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "a class is required");
        if (!cim_name_is_valid_class(cls->class_name, false))
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                      "'%s' is not a valid class name", cls->class_name);
        r = cimom_require(h, SEC_FULL_WRITE, err);
        if (r < 0)
                return r;
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        /* subscribers to class events hear of it: what was, what is */
        watched = cimom_events_watching(h);
        if (watched && repo_class_get(repo, h->ns, cls->class_name, &before, NULL) < 0)
                before = NULL;
        r = repo_class_put(repo, h->ns, cls, repo_put_flags(flags), err);
        if (r >= 0 && watched && repo_class_get(repo, h->ns, cls->class_name, &after, NULL) < 0)
                after = NULL;
        cimom_repo_return(h->cimom, repo);
        if (after)
                cimom_events_class_changed(h, before, after);
        cim_object_free(before);
        cim_object_free(after);
        return r;
}

int cimom_delete_class(struct cimom_ns *h, const char *name, struct owmi_error *err)
{
        struct cim_object *before = NULL;
        struct repo *repo;
        int r = cimom_require(h, SEC_FULL_WRITE, err);

        if (r >= 0)
                r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        if (cimom_events_watching(h) && repo_class_get(repo, h->ns, name, &before, NULL) < 0)
                before = NULL;
        r = repo_class_delete(repo, h->ns, name, 0, err);
        cimom_repo_return(h->cimom, repo);
        if (r >= 0 && before)
                cimom_events_class_changed(h, before, NULL);
        cim_object_free(before);
        return r;
}

int cimom_spawn_instance(struct cimom_ns *h, const char *class_name, struct cim_object **ret,
                         struct owmi_error *err)
{
        struct cim_object *cls, *inst;
        struct repo *repo;
        int r = cimom_require(h, SEC_ENABLE, err);

        if (r >= 0)
                r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        r = repo_class_get(repo, h->ns, class_name, &cls, err);
        cimom_repo_return(h->cimom, repo);
        if (r < 0)
                return r;
        if (cim_object_is_abstract(cls)) {
                cim_object_free(cls);
                return owmi_error_set(err, OWMI_E_INVALID_OPERATION,
                                      "class '%s' is abstract and cannot have instances", class_name);
        }
        inst = cim_object_spawn_instance(cls);
        cim_object_free(cls);
        if (!inst)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        /* unsaved: no namespace, so __PATH stays NULL until it is stored */
        owmi_free(inst->namespace);
        inst->namespace = NULL;
        *ret = inst;
        return 0;
}

/* A method's Privileges qualifier: every privilege it names must be
 * enabled by the client and held by its user (privilege.h). */
static int check_privileges(struct cimom_ns *h, const char *class_name, const struct cim_method *m,
                            struct owmi_error *err)
{
        const struct cim_qualifier *q = cim_qualifier_list_find(&m->qualifiers, "Privileges");
        owmi_privileges held;
        uint32_t count;

        if (!q || q->value.is_null)
                return 0;
        /* a string or an array of them; anything else fails closed */
        if (q->value.type != CIM_TYPE_STRING)
                return owmi_error_set(err, OWMI_E_PRIVILEGE_NOT_HELD,
                                      "%s.%s has a Privileges qualifier that names no privilege",
                                      class_name, m->name);
        count = q->value.is_array ? q->value.count : 1;
        held = privilege_held(h->caller.uid, h->caller.capabilities);
        for (uint32_t i = 0; i < count; i++) {
                const char *name = q->value.is_array ? q->value.v.items[i].v.string :
                                                       q->value.v.string;
                unsigned number = privilege_lookup(name);
                owmi_privileges bit = number ? (owmi_privileges) 1 << number : 0;

                if (!bit)
                        return owmi_error_set(err, OWMI_E_PRIVILEGE_NOT_HELD,
                                              "%s.%s needs '%s', which is no privilege WMI knows",
                                              class_name, m->name, name ? name : "");
                if (!(h->caller.privileges & bit))
                        return owmi_error_set(err, OWMI_E_PRIVILEGE_NOT_HELD,
                                              "%s.%s needs %s: the client must enable it on its "
                                              "connection", class_name, m->name,
                                              privilege_name(number));
                if (!(held & bit))
                        return owmi_error_set(err, OWMI_E_PRIVILEGE_NOT_HELD,
                                              "%s.%s needs %s, which user '%s' does not hold",
                                              class_name, m->name, privilege_name(number),
                                              h->caller.user[0] ? h->caller.user : "?");
        }
        return 0;
}

int cimom_exec_method(struct cimom_ns *h, const char *path_text, const char *method,
                      const struct cim_object *in, struct cim_object **ret_out,
                      struct owmi_error *err)
{
        struct cim_objpath path;
        struct cim_object *cls = NULL;
        const struct cim_method *m;
        struct repo *repo;
        int r = cimom_parse_path(h, path_text, &path, err);

        if (r < 0)
                return r;
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r >= 0) {
                r = repo_class_get(repo, h->ns, path.class_name, &cls, err);
                cimom_repo_return(h->cimom, repo);
        }
        if (r >= 0) {
                m = cim_object_find_method(cls, method);
                if (!m)
                        r = owmi_error_set(err, OWMI_E_INVALID_METHOD,
                                           "class '%s' has no method '%s'", path.class_name, method);
                else if (owmi_streq_ci(cls->class_name, "__SystemSecurity"))
                        r = cimom_security_method(h, m, in, ret_out, err);
                else if ((r = cimom_require(h, SEC_METHOD_EXECUTE, err)) >= 0 &&
                         (r = check_privileges(h, cls->class_name, m, err)) >= 0)
                        r = cimom_provider_exec_method(h, cls, &path, m, in, ret_out, err);
        }
        cim_object_free(cls);
        cim_objpath_release(&path);
        return r;
}

int cimom_enum_namespaces(struct cimom_ns *h, repo_name_cb cb, void *userdata,
                          struct owmi_error *err)
{
        struct repo *repo;
        int r = cimom_require(h, SEC_ENABLE, err);

        if (r >= 0)
                r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        r = repo_namespace_children(repo, h->ns, cb, userdata, err);
        cimom_repo_return(h->cimom, repo);
        return r;
}

static int child_namespace(const struct cimom_ns *h, const char *name, char *buf, size_t size,
                           struct owmi_error *err)
{
        if (!cim_name_is_valid_identifier(name) || (size_t) snprintf(buf, size, "%s/%s", h->ns,
                                                                     name) >= size)
                return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE,
                                      "'%s' is not a namespace name", name);
        return 0;
}

int cimom_create_namespace(struct cimom_ns *h, const char *name, struct owmi_error *err)
{
        char full[CIMOM_NS_MAX];
        struct repo *repo;
        int r = child_namespace(h, name, full, sizeof(full), err);

        if (r >= 0)
                r = cimom_require(h, SEC_FULL_WRITE, err);
        if (r < 0)
                return r;
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        r = repo_namespace_create(repo, full, err);
        cimom_repo_return(h->cimom, repo);
        if (r >= 0)
                cimom_events_namespace_changed(h, name, true);
        return r;
}

int cimom_delete_namespace(struct cimom_ns *h, const char *name, struct owmi_error *err)
{
        char full[CIMOM_NS_MAX];
        struct repo *repo;
        int r = child_namespace(h, name, full, sizeof(full), err);

        if (r >= 0)
                r = cimom_require(h, SEC_FULL_WRITE, err);
        if (r < 0)
                return r;
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        r = repo_namespace_delete(repo, full, err);
        cimom_repo_return(h->cimom, repo);
        if (r >= 0)
                cimom_events_namespace_changed(h, name, false);
        return r;
}

static int stamp_instance(struct cim_object *inst, void *userdata)
{
        return cimom_stamp_creator(userdata, inst) < 0 ? 1 : 0;
}

uint64_t cimom_subscription_generation(struct cimom *cimom)
{
        return atomic_load(&cimom->subscription_generation);
}

int cimom_compile_mof(struct cimom_ns *h, const char *name, const char *text, size_t len,
                      bool check_only, repo_name_cb diag, void *userdata, char **ret_summary,
                      struct owmi_error *err)
{
        struct mof_options opts = { .namespace = h->ns, .check_only = check_only,
                                    .disable_includes = true, .prepare_instance = stamp_instance,
                                    .prepare_userdata = (void *) &h->caller };
        struct mof_diag_list diags = { 0 };
        struct mof_stats stats = { 0 };
        struct strbuf sb = STRBUF_INIT;
        struct cimom_ns *root = NULL;
        struct repo *repo;
        int r;

        if (ret_summary)
                *ret_summary = NULL;
        r = cimom_require(h, SEC_FULL_WRITE, err);
        if (r >= 0 && !check_only) {
                r = cimom_open_namespace(h->cimom, "root", &h->caller, &root, err);
                if (r >= 0)
                        r = cimom_require(root, SEC_FULL_WRITE, err);
                cimom_ns_close(root);
        }
        if (r < 0)
                return r;
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        r = mof_compile_buffer(repo, name, text, len, &opts, &diags, &stats);
        cimom_repo_return(h->cimom, repo);
        if (r == 0 && !check_only && stats.instances)
                atomic_fetch_add(&h->cimom->subscription_generation, 1);
        for (size_t i = 0; i < diags.count && diag; i++) {
                strbuf_reset(&sb);
                mof_diag_format(&diags.items[i], &sb);
                if (strbuf_error(&sb) == 0 && diag(sb.buf, userdata) != 0)
                        break;
        }
        if (r == 0 && ret_summary) {
                strbuf_reset(&sb);
                strbuf_addf(&sb, "%s: %zu file(s), %zu qualifier declaration(s), %zu class(es), "
                            "%zu instance(s), %zu namespace(s)%s",
                            check_only ? "checked" : "compiled", stats.files, stats.qualifiers,
                            stats.classes, stats.instances, stats.namespaces,
                            check_only ? " (nothing written)" : "");
                *ret_summary = strbuf_error(&sb) == 0 ? strbuf_detach(&sb) : NULL;
        }
        strbuf_release(&sb);
        if (r == -EINVAL)
                r = owmi_error_set(err, diags.count ? diags.items[0].code : OWMI_E_INVALID_SYNTAX,
                                   "%zu error(s), %zu warning(s); nothing was written",
                                   diags.errors, diags.warnings);
        else if (r < 0)
                r = owmi_error_set(err, owmi_status_from_errno(r), "the MOF could not be compiled: %s",
                                   strerror(-r));
        mof_diag_list_release(&diags);
        return r;
}
