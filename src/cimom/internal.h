/* SPDX-License-Identifier: MIT */
/*
 * internal.h: what the object manager's modules (cimom.c, query.c,
 * assoc.c, provider.c) share.  Not used outside src/cimom/.
 */
#ifndef OWMI_CIMOM_INTERNAL_H
#define OWMI_CIMOM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cimom/cimom.h"

#define CIMOM_NS_MAX 256

struct loaded_provider;
struct poller;
struct timer_service;
struct wql_query;

struct cimom {
        char *path;                  /* repository file */
        pthread_mutex_t lock;        /* guards the pool */
        struct repo **idle;          /* connections not in use */
        size_t idle_count, idle_alloc;
        pthread_mutex_t providers_lock;
        struct loaded_provider **providers;  /* loaded once, kept until cimom_free */
        size_t provider_count, provider_alloc;
        pthread_mutex_t pollers_lock;        /* the event pollers and watchers (events.c) */
        struct poller *pollers;
        struct cimom_events **watchers;      /* subscriptions the repository tells */
        size_t watcher_count, watcher_alloc;
        struct timer_service *timers;        /* while anyone listens (timers.c) */
        atomic_uint_fast64_t security_generation; /* bumped when a descriptor changes */
        const struct cimom_provider_proxy *proxy;  /* providers hosted elsewhere */
        atomic_uint_fast64_t subscription_generation; /* filters, consumers, bindings changed */
        void *proxy_data;
};

struct cimom_ns {
        struct cimom *cimom;
        char ns[CIMOM_NS_MAX];       /* "root/cimv2", as the repository spells it */
        struct cimom_caller caller;
        /* the caller's rights here: generation << 32 | rights (0: not yet) */
        atomic_uint_fast64_t rights_cache;
};

/* Namespace security (access.c).  cimom_require fails with
 * WBEM_E_ACCESS_DENIED unless the caller holds one of any_of (and, from
 * another machine, RemoteEnable). */
int cimom_rights(struct cimom_ns *h, uint32_t *ret, struct owmi_error *err);
int cimom_require(struct cimom_ns *h, uint32_t any_of, struct owmi_error *err);
struct cim_method;
int cimom_security_method(struct cimom_ns *h, const struct cim_method *m,
                          const struct cim_object *in, struct cim_object **ret_out,
                          struct owmi_error *err);
/* Permanent subscriptions (access.c): an instance of __EventFilter,
 * __EventConsumer or __FilterToConsumerBinding gets its creator's SID in
 * CreatorSID, as WMI sets it (whatever the client sent); and any change to
 * them is counted. */
int cimom_stamp_creator(const struct cimom_caller *caller, struct cim_object *inst);
bool cimom_is_subscription_object(const struct cim_object *obj);

/* An instance of __PARAMETERS shaped like the method's out side (provider.c). */
struct cim_object *cimom_out_parameters(const struct cim_method *m);

int cimom_repo_borrow(struct cimom *cimom, struct repo **ret, struct owmi_error *err);
void cimom_repo_return(struct cimom *cimom, struct repo *repo);

/* A path in this namespace with a class name; see cimom.c. */
int cimom_parse_path(const struct cimom_ns *h, const char *text, struct cim_objpath *ret,
                     struct owmi_error *err);
/* Sets OWMI_E_CALL_CANCELLED and returns its errno. */
int cimom_cancelled(struct owmi_error *err);

/* The provider serving a class's instances (Dynamic + Provider), or NULL. */
const char *cimom_class_provider(const struct cim_object *cls);

/* Instance operations through the named provider (provider.c). */
int cimom_provider_enumerate(struct cimom_ns *h, struct repo *repo, const char *provider,
                             const char *class_name, const struct wql_query *q,
                             const char *query_text, repo_object_cb deliver, void *userdata,
                             struct owmi_error *err);
int cimom_provider_get(struct cimom_ns *h, struct repo *repo, const char *provider,
                       const struct cim_objpath *path, struct cim_object **ret,
                       struct owmi_error *err);
int cimom_provider_put(struct cimom_ns *h, struct repo *repo, const char *provider,
                       const struct cim_object *inst, unsigned flags, struct owmi_error *err);
int cimom_provider_delete(struct cimom_ns *h, struct repo *repo, const char *provider,
                          const struct cim_objpath *path, struct owmi_error *err);
void cimom_providers_unload(struct cimom *cimom);

/* Instances of class_name (deep: with its subclasses) wherever they live:
 * the repository for static classes, providers for dynamic ones.  q and
 * query_text are hints for providers (may be NULL). */
int cimom_instances(struct cimom_ns *h, struct repo *repo, const char *class_name, bool deep,
                    const struct wql_query *q, const char *query_text, repo_object_cb cb,
                    void *userdata, struct owmi_error *err);
/* GetObject of an instance path, routed the same way. */
int cimom_instance_get(struct cimom_ns *h, struct repo *repo, const struct cim_objpath *path,
                       struct cim_object **ret, struct owmi_error *err);

/* How many classes the tree of class_name has, and how many of them are
 * dynamic (served by a provider). */
int cimom_class_tree_sources(struct repo *repo, const char *ns, const char *class_name,
                             size_t *ret_classes, size_t *ret_dynamic, struct owmi_error *err);

/* The repository changed an instance (events.c): before is NULL for a
 * creation, after NULL for a deletion.  Subscriptions to the instance's
 * class hear of it at once.  Cheap when nobody listens. */
bool cimom_events_watching(struct cimom_ns *h);
void cimom_events_instance_changed(struct cimom_ns *h, const struct cim_object *before,
                                   const struct cim_object *after);
/* The same for a class the object manager wrote or deleted. */
void cimom_events_class_changed(struct cimom_ns *h, const struct cim_object *before,
                                const struct cim_object *after);
/* And for a namespace made or removed below h (child: its last part). */
void cimom_events_namespace_changed(struct cimom_ns *h, const char *child, bool created);

/* An event for a subscription: its WHERE decides (events.c).  Takes event. */
void cimom_events_offer(struct cimom_events *ev, struct cim_object *event);
/* 100-ns intervals since 1601-01-01 UTC, WMI's TIME_CREATED */
uint64_t cimom_filetime_now(void);

/* __TimerEvent subscribers (timers.c): join with the subscription's own
 * handle; leave before closing it.  changed: a __TimerInstruction was
 * written. */
int cimom_timers_join(struct cimom_events *ev, struct cimom_ns *h, struct owmi_error *err);
void cimom_timers_leave(struct cimom_events *ev, struct cimom *cimom);
void cimom_timers_changed(struct cimom *cimom);

/* wql_check's view of other classes (ISA operands): each fetched from the
 * repository once, kept until released. */
struct cimom_class_cache {
        struct repo *repo;
        const char *ns;
        struct cim_object **seen;
        size_t count, alloc;
};
const struct cim_object *cimom_class_cache_lookup(const char *name, void *userdata);
void cimom_class_cache_release(struct cimom_class_cache *cache);

/* Run a method through the class's provider. */
int cimom_provider_exec_method(struct cimom_ns *h, const struct cim_object *cls,
                               const struct cim_objpath *path, const struct cim_method *m,
                               const struct cim_object *in, struct cim_object **ret_out,
                               struct owmi_error *err);

#endif
