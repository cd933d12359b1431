/* SPDX-License-Identifier: MIT */
/*
 * provider.c: dynamic classes.  Finds a class's provider (its Provider
 * qualifier, registered in the namespace by a __Win32Provider instance),
 * loads it with dlopen once per process, offers it the host table of
 * include/openwmi/provider.h, and checks what it sends back: an instance
 * of a class that was not asked for, or one without its keys, is dropped
 * and logged, and the request fails with WBEM_E_PROVIDER_FAILURE.
 *
 * Also routes the object manager's instance operations: to the provider
 * for dynamic classes, to the repository for the others.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openwmi/provider.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cimom/internal.h"
#include "wql/wql.h"

#ifndef OWMI_DEFAULT_PROVIDER_DIR  /* set by the build from its prefix and libdir */
#define OWMI_DEFAULT_PROVIDER_DIR "/usr/local/lib/openwmi/providers"
#endif

struct loaded_provider {
        char *ns;                          /* registered in this namespace */
        char *name;
        void *dl;
        const struct owmi_provider *ops;
        void *state;
};

struct owmi_request {
        struct cimom_ns *h;
        struct repo *repo;
        const char *class_name;            /* what was asked for (and its subclasses) */
        const struct wql_query *query;     /* hints; may be NULL */
        const char *query_text;
        repo_object_cb deliver;            /* where posted instances go (NULL: nothing may be posted) */
        void *userdata;
        bool exact;                        /* enumerate: instances of class_name itself only */
        bool stopped;                      /* the receiver wants no more */
        size_t garbage;                    /* results dropped as invalid */
        struct owmi_error *err;
        bool error_set;
        struct cim_object *classes[8];     /* classes instance_new looked up */
        struct cim_object *prototypes[8];  /* and an instance of each, spawned once */
        size_t class_count;
        const char **needed;               /* a select list's properties (+ WHERE's) */
        size_t needed_count;
        bool needed_known;
};

static const struct owmi_host host_api;

/* ---- the host table ---------------------------------------------------- */

/* The slot of class name in the request's cache (looked up on first use),
 * or -1. */
static int request_class_slot(owmi_request *req, const char *name)
{
        struct cim_object *cls = NULL;

        for (size_t i = 0; i < req->class_count; i++)
                if (owmi_strcasecmp(req->classes[i]->class_name, name) == 0)
                        return (int) i;
        if (repo_class_get(req->repo, req->h->ns, name, &cls, NULL) < 0)
                return -1;
        if (req->class_count == ELEMENTSOF(req->classes)) {
                /* a small cache: the newest replaces the last */
                req->class_count--;
                cim_object_free(req->classes[req->class_count]);
                req->prototypes[req->class_count] = cim_object_free(req->prototypes[req->class_count]);
        }
        req->classes[req->class_count] = cls;
        req->prototypes[req->class_count] = NULL;
        return (int) req->class_count++;
}

static const struct cim_object *request_class(owmi_request *req, const char *name)
{
        int slot = request_class_slot(req, name);

        return slot >= 0 ? req->classes[slot] : NULL;
}

/* The properties a select list needs, once per request; NULL: all. */
static const char *const *request_needed(owmi_request *req, size_t *ret_count)
{
        if (!req->needed_known) {
                req->needed_known = true;
                if (req->query && req->query->kind == WQL_DATA && !req->query->select_all &&
                    wql_needed_properties(req->query, &req->needed, &req->needed_count) < 0)
                        req->needed = NULL;
        }
        *ret_count = req->needed_count;
        return req->needed;
}

/* Every result of a request is a copy of one prototype per class, spawned
 * on first use: the select list is resolved against the class once, not
 * per result. */
static owmi_instance *host_instance_new(owmi_request *req, const char *class_name)
{
        int slot = request_class_slot(req, class_name);
        const struct cim_object *cls;
        struct cim_object *proto;

        if (slot < 0)
                return NULL;
        cls = req->classes[slot];
        proto = req->prototypes[slot];
        if (!proto) {
                const char *const *needed;
                size_t count;

                if (cim_object_is_abstract(cls))
                        return NULL;
                /* a select list gets partial instances: nothing is built that
                 * the projection would throw away */
                needed = request_needed(req, &count);
                proto = needed ? cim_object_spawn_partial(cls, needed, count) :
                                 cim_object_spawn_instance(cls);
                if (proto) {
                        owmi_free(proto->namespace);
                        proto->namespace = owmi_strdup(req->h->ns);
                        if (!proto->namespace)
                                proto = cim_object_free(proto);
                }
                if (!proto)
                        return NULL;
                req->prototypes[slot] = proto;
        }
        return (owmi_instance *) cim_object_spawn_like(proto);
}

/* Where the property of each name was last found.  A provider fills
 * thousands of instances of one shape with the same names (usually the
 * same string literals), so the slot found for the previous instance is
 * almost always right: one comparison instead of a search of the class's
 * properties.  Per thread, so no lock. */
#define SLOT_HINTS 256

static __thread struct {
        const char *name;
        size_t slot;
} slot_hints[SLOT_HINTS];

static struct cim_property *find_property_fast(struct cim_object *obj, const char *name)
{
        size_t i = (size_t) (((uintptr_t) name * UINT64_C(0x9E3779B97F4A7C15)) >> 56) % SLOT_HINTS;
        size_t hint = slot_hints[i].name == name ? slot_hints[i].slot : SIZE_MAX;
        struct cim_property *p = cim_object_find_property_hinted(obj, name, &hint);

        if (p) {
                slot_hints[i].name = name;
                slot_hints[i].slot = hint;
        }
        return p;
}

static int set_value(owmi_instance *inst, const char *name, struct cim_value *v)
{
        struct cim_object *obj = (struct cim_object *) inst;
        struct owmi_error err = { 0 };
        struct cim_property *p;
        int r;

        if (!inst || !name) {
                cim_value_release(v);
                return -EINVAL;
        }
        p = cim_is_system_property(name) ? NULL : find_property_fast(obj, name);
        if (!p) {
                /* the errors and the partial-instance rule, as for any caller */
                r = cim_object_set_value(obj, name, v, &err);
                cim_value_release(v);
                return r;
        }
        return cim_object_take_value(obj, p, v, &err);
}

static int host_set_string(owmi_instance *inst, const char *name, const char *value)
{
        struct cim_value v;

        if (!value)
                cim_value_init_null(&v, CIM_TYPE_STRING, false);
        else if (cim_value_set_string(&v, CIM_TYPE_STRING, value) < 0)
                return -ENOMEM;
        return set_value(inst, name, &v);
}

static int host_set_uint(owmi_instance *inst, const char *name, uint64_t value)
{
        struct cim_value v;

        cim_value_set_uint(&v, CIM_TYPE_UINT64, value);
        return set_value(inst, name, &v);
}

static int host_set_sint(owmi_instance *inst, const char *name, int64_t value)
{
        struct cim_value v;

        cim_value_set_sint(&v, CIM_TYPE_SINT64, value);
        return set_value(inst, name, &v);
}

static int host_set_real(owmi_instance *inst, const char *name, double value)
{
        struct cim_value v;

        cim_value_set_real(&v, CIM_TYPE_REAL64, value);
        return set_value(inst, name, &v);
}

static int host_set_bool(owmi_instance *inst, const char *name, int value)
{
        struct cim_value v;

        cim_value_set_bool(&v, value != 0);
        return set_value(inst, name, &v);
}

static int host_set_datetime(owmi_instance *inst, const char *name, int64_t unix_usec,
                             int utc_offset)
{
        struct cim_value v;

        cim_value_init_null(&v, CIM_TYPE_DATETIME, false);
        if (cim_datetime_from_unix_usec(unix_usec, utc_offset, &v.v.datetime) < 0)
                return -ERANGE;
        v.is_null = false;
        return set_value(inst, name, &v);
}

static int host_set_interval(owmi_instance *inst, const char *name, uint64_t usec)
{
        struct cim_value v;

        cim_value_init_null(&v, CIM_TYPE_DATETIME, false);
        if (cim_datetime_interval_from_usec(usec, &v.v.datetime) < 0)
                return -ERANGE;
        v.is_null = false;
        return set_value(inst, name, &v);
}

static int host_set_reference(owmi_instance *inst, const char *name, const char *path)
{
        struct cim_value v;

        if (!path)
                cim_value_init_null(&v, CIM_TYPE_REFERENCE, false);
        else if (cim_value_set_string(&v, CIM_TYPE_REFERENCE, path) < 0)
                return -ENOMEM;
        return set_value(inst, name, &v);
}

static int host_set_string_array(owmi_instance *inst, const char *name, const char *const *values,
                                 size_t count)
{
        struct cim_value array, item;

        cim_value_init_array(&array, CIM_TYPE_STRING);
        for (size_t i = 0; i < count; i++) {
                if (cim_value_set_string(&item, CIM_TYPE_STRING, values[i] ? values[i] : "") < 0 ||
                    cim_value_array_append(&array, &item) < 0) {
                        cim_value_release(&item);
                        cim_value_release(&array);
                        return -ENOMEM;
                }
        }
        return set_value(inst, name, &array);
}

static int host_set_uint_array(owmi_instance *inst, const char *name, const uint64_t *values,
                               size_t count)
{
        struct cim_value array, item;

        cim_value_init_array(&array, CIM_TYPE_UINT64);
        for (size_t i = 0; i < count; i++) {
                cim_value_set_uint(&item, CIM_TYPE_UINT64, values[i]);
                if (cim_value_array_append(&array, &item) < 0) {
                        cim_value_release(&array);
                        return -ENOMEM;
                }
        }
        return set_value(inst, name, &array);
}

static int host_set_null(owmi_instance *inst, const char *name)
{
        struct cim_value v;

        cim_value_init_null(&v, CIM_TYPE_NONE, false);
        return set_value(inst, name, &v);
}

static void host_log(enum owmi_log_level level, const char *fmt, ...)
{
        va_list ap;

        /* library code stays quiet; the daemon routes syslog to the journal */
        va_start(ap, fmt);
        vsyslog((int) level, fmt, ap);
        va_end(ap);
}

/* A result: checked, then handed on.  Takes inst in every case. */
static int host_post(owmi_request *req, owmi_instance *pinst)
{
        struct cim_object *inst = (struct cim_object *) pinst;

        if (!inst)
                return req->stopped;
        if (req->stopped) {
                cim_object_free(inst);
                return 1;
        }
        if (!req->deliver) {
                /* put, delete and methods return no instances */
                host_log(OWMI_LOG_ERROR, "provider posted a '%s' where no result is expected",
                         inst->class_name);
                req->garbage++;
                cim_object_free(inst);
                return 1;
        }
        if (inst->genus != CIM_GENUS_INSTANCE ||
            (req->exact ? owmi_strcasecmp(inst->class_name, req->class_name) != 0 :
                          !cim_object_is_a(inst, req->class_name))) {
                host_log(OWMI_LOG_ERROR, "provider sent an instance of '%s' when asked for '%s'",
                         inst->class_name, req->class_name);
                req->garbage++;
                cim_object_free(inst);
                return 0;
        }
        for (size_t i = 0; i < inst->prop_count; i++) {
                if (cim_property_is_key(&inst->props[i]) && inst->props[i].value.is_null) {
                        host_log(OWMI_LOG_ERROR, "provider sent an instance of '%s' without "
                                 "its key '%s'", inst->class_name, inst->props[i].name);
                        req->garbage++;
                        cim_object_free(inst);
                        return 0;
                }
        }
        if (req->deliver(inst, req->userdata) != 0)
                req->stopped = true;
        return req->stopped;
}

static void host_instance_free(owmi_instance *inst)
{
        cim_object_free((struct cim_object *) inst);
}

static const char *host_class_name(const owmi_instance *inst)
{
        return inst ? ((const struct cim_object *) inst)->class_name : NULL;
}

static int get_value(const owmi_instance *inst, const char *name, const struct cim_value **ret)
{
        const struct cim_property *p;

        if (!inst || !name)
                return -EINVAL;
        p = cim_object_find_property((const struct cim_object *) inst, name);
        if (!p || p->value.is_null)
                return -ENOENT;
        if (p->value.is_array)
                return -EINVAL;
        *ret = &p->value;
        return 0;
}

static int host_get_string(const owmi_instance *inst, const char *name, const char **ret)
{
        const struct cim_value *v;
        int r = get_value(inst, name, &v);

        if (r < 0)
                return r;
        if (v->type != CIM_TYPE_STRING && v->type != CIM_TYPE_REFERENCE)
                return -EINVAL;
        *ret = v->v.string;
        return 0;
}

static int host_get_object(const owmi_instance *inst, const char *name, const owmi_instance **ret)
{
        const struct cim_value *v;
        int r = get_value(inst, name, &v);

        if (r < 0)
                return r;
        if (v->type != CIM_TYPE_OBJECT || !v->v.object)
                return -EINVAL;
        *ret = (const owmi_instance *) v->v.object;
        return 0;
}

static int host_get_string_at(const owmi_instance *inst, const char *name, size_t index,
                              const char **ret)
{
        const struct cim_property *p;

        if (!inst || !name)
                return -EINVAL;
        p = cim_object_find_property((const struct cim_object *) inst, name);
        if (!p || p->value.is_null)
                return -ENOENT;
        if (!p->value.is_array || p->value.type != CIM_TYPE_STRING)
                return -EINVAL;
        if (index >= p->value.count || p->value.v.items[index].is_null)
                return index >= p->value.count ? -ENOENT : -EINVAL;
        *ret = p->value.v.items[index].v.string;
        return 0;
}

static int host_get_datetime(const owmi_instance *inst, const char *name, int64_t *ret)
{
        const struct cim_value *v;
        int r = get_value(inst, name, &v);

        if (r < 0)
                return r;
        if (v->type != CIM_TYPE_DATETIME || v->v.datetime.interval)
                return -EINVAL;
        return cim_datetime_to_unix_usec(&v->v.datetime, ret) < 0 ? -EINVAL : 0;
}

static int host_get_uint(const owmi_instance *inst, const char *name, uint64_t *ret)
{
        const struct cim_value *v;
        int r = get_value(inst, name, &v);

        if (r < 0)
                return r;
        if (!cim_type_is_integer(v->type) || (cim_type_is_signed(v->type) && v->v.s64 < 0))
                return -EINVAL;
        *ret = v->v.u64;
        return 0;
}

static int host_get_sint(const owmi_instance *inst, const char *name, int64_t *ret)
{
        const struct cim_value *v;
        int r = get_value(inst, name, &v);

        if (r < 0)
                return r;
        if (!cim_type_is_integer(v->type) || (!cim_type_is_signed(v->type) && v->v.u64 > INT64_MAX))
                return -EINVAL;
        *ret = v->v.s64;
        return 0;
}

static int host_get_bool(const owmi_instance *inst, const char *name, int *ret)
{
        const struct cim_value *v;
        int r = get_value(inst, name, &v);

        if (r < 0)
                return r;
        if (v->type != CIM_TYPE_BOOLEAN)
                return -EINVAL;
        *ret = v->v.boolean;
        return 0;
}

static int host_get_real(const owmi_instance *inst, const char *name, double *ret)
{
        const struct cim_value *v;
        int r = get_value(inst, name, &v);

        if (r < 0)
                return r;
        if (!cim_type_is_real(v->type))
                return -EINVAL;
        *ret = v->v.real;
        return 0;
}

static int host_wants_property(owmi_request *req, const char *name)
{
        const struct wql_query *q = req->query;
        const char **names;
        size_t count;
        int wants = 1;

        if (!q || q->select_all)
                return 1;
        if (wql_needed_properties(q, &names, &count) < 0 || !names)
                return 1;
        wants = 0;
        for (size_t i = 0; i < count && !wants; i++)
                wants = owmi_strcasecmp(names[i], name) == 0;
        owmi_free(names);
        /* keys are always returned, so always needed */
        if (!wants) {
                const struct cim_object *cls = request_class(req, req->class_name);
                const struct cim_property *p = cls ? cim_object_find_property(cls, name) : NULL;

                wants = p && cim_property_is_key(p);
        }
        return wants;
}

static const char *host_query_text(owmi_request *req)
{
        return req->query_text;
}

static uid_t host_caller_uid(owmi_request *req)
{
        return req->h->caller.uid;
}

static gid_t host_caller_gid(owmi_request *req)
{
        return req->h->caller.gid;
}

static int host_caller_in_group(owmi_request *req, gid_t gid)
{
        const struct cimom_caller *c = &req->h->caller;

        if (c->gid == gid)
                return 1;
        for (size_t i = 0; i < c->group_count && i < ELEMENTSOF(c->groups); i++)
                if (c->groups[i] == gid)
                        return 1;
        return 0;
}

static int host_caller_privilege(owmi_request *req, const char *name)
{
        unsigned number = privilege_lookup(name);
        owmi_privileges bit = number ? (owmi_privileges) 1 << number : 0;
        const struct cimom_caller *c = &req->h->caller;

        return bit && (c->privileges & bit) && (privilege_held(c->uid, c->capabilities) & bit);
}

static int host_error(owmi_request *req, uint32_t status, const char *fmt, ...)
{
        char msg[OWMI_ERROR_MESSAGE_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        req->error_set = true;
        return owmi_error_set(req->err, status ? status : OWMI_E_PROVIDER_FAILURE, "%s", msg);
}

/* ---- events ------------------------------------------------------------ */

struct owmi_events {
        struct cimom_ns *h;
        struct loaded_provider *lp;
        char *class_name;
        bool intrinsic;              /* class_name is a data class: the channel takes
                                        __Instance*Event whose TargetInstance is one */
        cimom_sink sink;
        void *userdata;
        pthread_mutex_t lock;        /* the class cache below */
        pthread_mutex_t delivery;    /* one delivery at a time; recursive, so a sink may
                                        make the provider raise again */
        struct cim_object *classes[8];
        size_t class_count;
};

struct cimom_subscription {
        struct owmi_events events;
};

/* A class of the channel's namespace, read once and kept: a provider
 * raising thousands of events a second must not read the repository for
 * each.  Under ev->lock. */
static const struct cim_object *channel_class(owmi_events *ev, const char *class_name)
{
        struct cim_object *cls = NULL;
        struct repo *repo;

        for (size_t i = 0; i < ev->class_count; i++)
                if (owmi_strcasecmp(ev->classes[i]->class_name, class_name) == 0)
                        return ev->classes[i];
        if (cimom_repo_borrow(ev->h->cimom, &repo, NULL) < 0)
                return NULL;
        if (repo_class_get(repo, ev->h->ns, class_name, &cls, NULL) >= 0) {
                if (ev->class_count == ELEMENTSOF(ev->classes)) {
                        /* a small cache: the newest replaces the last */
                        ev->class_count--;
                        cim_object_free(ev->classes[ev->class_count]);
                }
                ev->classes[ev->class_count++] = cls;
        }
        cimom_repo_return(ev->h->cimom, repo);
        return cls;
}

static owmi_instance *host_event_new(owmi_events *ev, const char *class_name)
{
        const struct cim_object *cls;
        struct cim_object *inst = NULL;

        if (!ev || !class_name)
                return NULL;
        pthread_mutex_lock(&ev->lock);
        cls = channel_class(ev, class_name);
        if (cls && cim_object_is_a(cls, "__Event") && !cim_object_is_abstract(cls))
                inst = cim_object_spawn_instance(cls);
        pthread_mutex_unlock(&ev->lock);
        return (owmi_instance *) inst;
}

static int host_set_object(owmi_instance *inst, const char *name, const owmi_instance *value)
{
        struct cim_value v;

        cim_value_init_null(&v, CIM_TYPE_OBJECT, false);
        if (value) {
                v.v.object = cim_object_clone((const struct cim_object *) value);
                if (!v.v.object)
                        return -ENOMEM;
                v.is_null = false;
        }
        return set_value(inst, name, &v);
}

/* 100-ns intervals since 1601-01-01 UTC, WMI's TIME_CREATED */
static uint64_t filetime_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return ((uint64_t) ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t) ts.tv_nsec / 100;
}

/* An instance operation event whose TargetInstance is of class_name. */
static bool intrinsic_event_of(const struct cim_object *event, const char *class_name)
{
        const struct cim_property *target = cim_object_find_property(event, "TargetInstance");

        return cim_object_is_a(event, "__InstanceOperationEvent") && target &&
               !target->value.is_null && target->value.type == CIM_TYPE_OBJECT &&
               target->value.v.object && cim_object_is_a(target->value.v.object, class_name);
}

/* An instance of any class, to embed in an event (TargetInstance). */
static owmi_instance *host_event_object_new(owmi_events *ev, const char *class_name)
{
        const struct cim_object *cls;
        struct cim_object *inst = NULL;

        if (!ev || !class_name)
                return NULL;
        pthread_mutex_lock(&ev->lock);
        cls = channel_class(ev, class_name);
        if (cls && !cim_object_is_abstract(cls)) {
                inst = cim_object_spawn_instance(cls);
                if (inst) {
                        owmi_free(inst->namespace);
                        inst->namespace = owmi_strdup(ev->h->ns);
                }
        }
        pthread_mutex_unlock(&ev->lock);
        return (owmi_instance *) inst;
}

static int host_raise(owmi_events *ev, owmi_instance *pinst)
{
        struct cim_object *event = (struct cim_object *) pinst;
        struct cim_property *created;

        if (!ev || !event)
                return -EINVAL;
        if (event->genus != CIM_GENUS_INSTANCE || !cim_object_is_a(event, "__Event") ||
            (ev->intrinsic ? !intrinsic_event_of(event, ev->class_name) :
                             !cim_object_is_a(event, ev->class_name))) {
                host_log(OWMI_LOG_ERROR, "provider raised a '%s' on a channel for '%s'",
                         event->class_name, ev->class_name);
                cim_object_free(event);
                return -EINVAL;
        }
        created = cim_object_find_property(event, "TIME_CREATED");
        if (created && created->value.is_null)
                cim_value_set_uint(&created->value, CIM_TYPE_UINT64, filetime_now());
        owmi_free(event->namespace);
        event->namespace = NULL; /* events have no path */
        pthread_mutex_lock(&ev->delivery);
        ev->sink(event, ev->userdata);
        pthread_mutex_unlock(&ev->delivery);
        return 0;
}

static const struct owmi_host host_api = {
        .abi = OWMI_PROVIDER_ABI,
        .instance_new = host_instance_new,
        .set_string = host_set_string,
        .set_uint = host_set_uint,
        .set_sint = host_set_sint,
        .set_real = host_set_real,
        .set_bool = host_set_bool,
        .set_datetime = host_set_datetime,
        .set_interval = host_set_interval,
        .set_reference = host_set_reference,
        .set_string_array = host_set_string_array,
        .set_uint_array = host_set_uint_array,
        .set_null = host_set_null,
        .post = host_post,
        .instance_free = host_instance_free,
        .class_name = host_class_name,
        .get_string = host_get_string,
        .get_uint = host_get_uint,
        .get_sint = host_get_sint,
        .get_bool = host_get_bool,
        .get_real = host_get_real,
        .wants_property = host_wants_property,
        .query_text = host_query_text,
        .caller_uid = host_caller_uid,
        .caller_gid = host_caller_gid,
        .caller_privilege = host_caller_privilege,
        .get_object = host_get_object,
        .get_string_at = host_get_string_at,
        .get_datetime = host_get_datetime,
        .caller_in_group = host_caller_in_group,
        .event_object_new = host_event_object_new,
        .error = host_error,
        .log = host_log,
        .event_new = host_event_new,
        .set_object = host_set_object,
        .raise = host_raise,
};

/* ---- finding and loading providers ------------------------------------ */

static int provider_location(struct cimom_ns *h, struct repo *repo, const char *name,
                             char *buf, size_t size, struct owmi_error *err)
{
        struct cim_objpath path = { 0 };
        struct cim_object *reg = NULL;
        struct cim_value key;
        const struct cim_property *loc;
        const char *dir;
        int r;

        path.class_name = (char *) "__Win32Provider";
        if (cim_value_set_string(&key, CIM_TYPE_STRING, name) < 0)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        path.keys = &(struct cim_keybinding) { (char *) "Name", key };
        path.key_count = 1;
        r = repo_instance_get(repo, h->ns, &path, &reg, NULL);
        cim_value_release(&key);
        if (r < 0)
                return owmi_error_set(err, OWMI_E_PROVIDER_NOT_FOUND,
                                      "provider '%s' is not registered in '%s' (no __Win32Provider "
                                      "instance)", name, h->ns);
        loc = cim_object_find_property(reg, "Location");
        if (!loc || loc->value.is_null || loc->value.type != CIM_TYPE_STRING || !loc->value.v.string[0]) {
                cim_object_free(reg);
                return owmi_error_set(err, OWMI_E_INVALID_PROVIDER_REGISTRATION,
                                      "provider '%s' has no Location", name);
        }
        dir = getenv("OWMI_PROVIDER_DIR");
        if (loc->value.v.string[0] != '/' && strchr(loc->value.v.string, '/')) {
                /* a relative Location names a file of the provider directory,
                 * not a way out of it */
                cim_object_free(reg);
                return owmi_error_set(err, OWMI_E_INVALID_PROVIDER_REGISTRATION,
                                      "Location of provider '%s' must be a file name or an "
                                      "absolute path", name);
        }
        if (loc->value.v.string[0] == '/')
                r = snprintf(buf, size, "%s", loc->value.v.string);
        else
                r = snprintf(buf, size, "%s/%s", dir && dir[0] ? dir : OWMI_DEFAULT_PROVIDER_DIR,
                             loc->value.v.string);
        cim_object_free(reg);
        if (r < 0 || (size_t) r >= size)
                return owmi_error_set(err, OWMI_E_INVALID_PROVIDER_REGISTRATION,
                                      "location of provider '%s' is too long", name);
        return 0;
}

static int provider_load(struct cimom_ns *h, struct repo *repo, const char *name,
                         struct loaded_provider **ret, struct owmi_error *err)
{
        struct cimom *cimom = h->cimom;
        struct loaded_provider *lp = NULL;
        owmi_provider_entry_fn entry;
        char location[PATH_MAX];
        int r = 0;

        pthread_mutex_lock(&cimom->providers_lock);
        for (size_t i = 0; i < cimom->provider_count; i++) {
                if (owmi_strcasecmp(cimom->providers[i]->name, name) == 0 &&
                    owmi_strcasecmp(cimom->providers[i]->ns, h->ns) == 0) {
                        *ret = cimom->providers[i];
                        goto out;
                }
        }
        r = provider_location(h, repo, name, location, sizeof(location), err);
        if (r < 0)
                goto out;
        lp = owmi_calloc(1, sizeof(*lp));
        if (!lp || !(lp->ns = owmi_strdup(h->ns)) || !(lp->name = owmi_strdup(name)) ||
            OWMI_GROW(cimom->providers, cimom->provider_alloc, cimom->provider_count + 1) < 0) {
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                goto fail;
        }
        lp->dl = dlopen(location, RTLD_NOW | RTLD_LOCAL);
        if (!lp->dl) {
                r = owmi_error_set(err, OWMI_E_PROVIDER_LOAD_FAILURE, "cannot load provider '%s': %s",
                                   name, dlerror());
                goto fail;
        }
        *(void **) &entry = dlsym(lp->dl, OWMI_PROVIDER_ENTRY);
        lp->ops = entry ? entry(OWMI_PROVIDER_ABI) : NULL;
        if (!lp->ops || lp->ops->abi != OWMI_PROVIDER_ABI) {
                r = owmi_error_set(err, OWMI_E_PROVIDER_LOAD_FAILURE,
                                   "'%s' is not an OpenWMI provider of ABI %d", location,
                                   OWMI_PROVIDER_ABI);
                goto fail;
        }
        if (lp->ops->init && lp->ops->init(&host_api, &lp->state) < 0) {
                r = owmi_error_set(err, OWMI_E_PROVIDER_LOAD_FAILURE,
                                   "provider '%s' failed to start", name);
                goto fail;
        }
        cimom->providers[cimom->provider_count++] = lp;
        *ret = lp;
        goto out;
fail:
        if (lp) {
                if (lp->dl)
                        dlclose(lp->dl);
                owmi_free(lp->ns);
                owmi_free(lp->name);
                owmi_free(lp);
        }
out:
        pthread_mutex_unlock(&cimom->providers_lock);
        return r;
}

void cimom_providers_unload(struct cimom *cimom)
{
        for (size_t i = 0; i < cimom->provider_count; i++) {
                struct loaded_provider *lp = cimom->providers[i];

                if (lp->ops->fini)
                        lp->ops->fini(lp->state);
                dlclose(lp->dl);
                owmi_free(lp->ns);
                owmi_free(lp->name);
                owmi_free(lp);
        }
        owmi_free(cimom->providers);
        cimom->providers = NULL;
        cimom->provider_count = cimom->provider_alloc = 0;
}

/* ---- requests ----------------------------------------------------------- */

static void request_release(owmi_request *req)
{
        for (size_t i = 0; i < req->class_count; i++) {
                cim_object_free(req->classes[i]);
                cim_object_free(req->prototypes[i]);
        }
        owmi_free(req->needed);
}

/* After a provider call: its own error, garbage, or cancellation. */
static int request_finish(owmi_request *req, int r, const char *what)
{
        if (r < 0 && !req->error_set)
                r = owmi_error_set(req->err, OWMI_E_PROVIDER_FAILURE, "provider failed to %s (%s)",
                                   what, strerror(r < -4095 ? EIO : -r));
        if (r >= 0 && req->garbage)
                r = owmi_error_set(req->err, OWMI_E_PROVIDER_FAILURE,
                                   "provider returned %zu invalid instance(s) to %s", req->garbage,
                                   what);
        if (r >= 0 && req->stopped)
                r = cimom_cancelled(req->err);
        request_release(req);
        return r < 0 ? r : 0;
}

static int capable(const struct loaded_provider *lp, const void *fn, const char *what,
                   struct owmi_error *err)
{
        if (fn)
                return 0;
        return owmi_error_set(err, OWMI_E_PROVIDER_NOT_CAPABLE, "provider '%s' cannot %s",
                              lp->name, what);
}

/* Keys of a path as an instance of the path's class, for get and delete. */
static int keys_instance(owmi_request *req, const struct cim_objpath *path,
                         struct cim_object **ret, struct owmi_error *err)
{
        struct cim_object *inst = (struct cim_object *) host_instance_new(req, path->class_name);

        if (!inst)
                return owmi_error_set(err, OWMI_E_INVALID_CLASS, "class '%s' cannot have instances",
                                      path->class_name);
        for (size_t i = 0; i < path->key_count; i++) {
                const char *name = path->keys[i].name;

                if (!name) {
                        /* Class="v": the one key, whatever its name */
                        for (size_t j = 0; j < inst->prop_count && !name; j++)
                                if (cim_property_is_key(&inst->props[j]))
                                        name = inst->props[j].name;
                }
                if (!name || cim_object_set_value(inst, name, &path->keys[i].value, err) < 0) {
                        cim_object_free(inst);
                        return owmi_error_set(err, OWMI_E_INVALID_OBJECT_PATH,
                                              "key '%s' does not fit class '%s'",
                                              name ? name : "", path->class_name);
                }
        }
        *ret = inst;
        return 0;
}

void cimom_set_provider_proxy(struct cimom *cimom, const struct cimom_provider_proxy *proxy,
                              void *userdata)
{
        cimom->proxy = proxy;
        cimom->proxy_data = userdata;
}

static bool proxied(const struct cimom_ns *h, const char *provider)
{
        return h->cimom->proxy && h->cimom->proxy->serves(h->cimom->proxy_data, provider);
}

static int path_text(const struct cim_objpath *path, struct strbuf *out, struct owmi_error *err)
{
        if (cim_objpath_format(path, CIM_OBJPATH_RELATIVE, out) < 0 || strbuf_error(out) < 0)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        return 0;
}

/* A proxied provider's result is checked as a loaded one's: the class
 * asked for (or a subclass) and every key set. */
struct proxy_check {
        struct cimom_ns *h;
        struct repo *repo;
        const char *provider;
        const char *class_name;
        repo_object_cb deliver;
        void *userdata;
        bool bad;
};

static int proxy_deliver(struct cim_object *obj, void *userdata)
{
        struct proxy_check *pc = userdata;
        struct strbuf rel = STRBUF_INIT;
        bool ok = obj->genus == CIM_GENUS_INSTANCE && cim_object_is_a(obj, pc->class_name) &&
                  cim_object_relpath(obj, &rel) >= 0 && strbuf_error(&rel) == 0;

        strbuf_release(&rel);
        if (!ok) {
                host_log(OWMI_LOG_ERROR, "provider '%s' (hosted) answered %s with a '%s' without its keys",
                         pc->provider, pc->class_name, obj->class_name);
                cim_object_free(obj);
                pc->bad = true;
                return 1;
        }
        return pc->deliver(obj, pc->userdata);
}

int cimom_provider_enumerate(struct cimom_ns *h, struct repo *repo, const char *provider,
                             const char *class_name, const struct wql_query *q,
                             const char *query_text, repo_object_cb deliver, void *userdata,
                             struct owmi_error *err)
{
        struct loaded_provider *lp;
        owmi_request req = { .h = h, .repo = repo, .class_name = class_name, .query = q,
                             .query_text = query_text, .deliver = deliver, .userdata = userdata,
                             .exact = true, .err = err };
        int r;

        if (proxied(h, provider)) {
                struct proxy_check pc = { h, repo, provider, class_name, deliver, userdata, false };

                r = h->cimom->proxy->enumerate(h->cimom->proxy_data, &h->caller, h->ns, provider,
                                               class_name, proxy_deliver, &pc, err);
                if (pc.bad)
                        return owmi_error_set(err, OWMI_E_PROVIDER_FAILURE,
                                              "provider returned an instance of another class or without keys");
                return r;
        }
        r = provider_load(h, repo, provider, &lp, err);
        if (r < 0 || (r = capable(lp, lp->ops->enumerate, "enumerate instances", err)) < 0)
                return r;
        return request_finish(&req, lp->ops->enumerate(lp->state, &req, class_name), "enumerate");
}

struct single {
        struct cim_object *obj;
};

static int take_single(struct cim_object *obj, void *userdata)
{
        struct single *s = userdata;

        if (s->obj) {
                cim_object_free(obj); /* the first answer counts */
                return 1;
        }
        s->obj = obj;
        return 0;
}

/* Does the instance have the keys the path asked for? */
static bool same_keys(const struct cim_object *inst, const struct cim_objpath *path)
{
        struct strbuf rel = STRBUF_INIT;
        struct cim_objpath got = { 0 }, want = *path;
        bool same = false;

        if (cim_object_relpath(inst, &rel) >= 0 && strbuf_error(&rel) == 0 &&
            cim_objpath_parse(rel.buf, rel.len, &got, NULL) >= 0) {
                /* compare keys only: the path may name a superclass */
                want.server = want.namespace = NULL;
                want.class_name = got.class_name;
                same = cim_objpath_equal(&got, &want);
                cim_objpath_release(&got);
        }
        strbuf_release(&rel);
        return same;
}

int cimom_provider_get(struct cimom_ns *h, struct repo *repo, const char *provider,
                       const struct cim_objpath *path, struct cim_object **ret,
                       struct owmi_error *err)
{
        struct loaded_provider *lp;
        struct single s = { NULL };
        struct cim_object *keys;
        owmi_request req = { .h = h, .repo = repo, .class_name = path->class_name,
                             .deliver = take_single, .userdata = &s, .err = err };
        int r;

        if (proxied(h, provider)) {
                struct strbuf text = STRBUF_INIT;

                r = path_text(path, &text, err);
                if (r >= 0)
                        r = h->cimom->proxy->get(h->cimom->proxy_data, &h->caller, h->ns, provider,
                                                 text.buf, &s.obj, err);
                strbuf_release(&text);
                if (r >= 0 && !same_keys(s.obj, path))
                        r = owmi_error_set(err, OWMI_E_PROVIDER_FAILURE,
                                           "provider returned an instance with other keys than asked");
                if (r < 0) {
                        cim_object_free(s.obj);
                        return r;
                }
                *ret = s.obj;
                return 0;
        }
        r = provider_load(h, repo, provider, &lp, err);
        if (r < 0 || (r = capable(lp, lp->ops->get, "get instances", err)) < 0)
                return r;
        r = keys_instance(&req, path, &keys, err);
        if (r < 0) {
                request_release(&req);
                return r;
        }
        r = lp->ops->get(lp->state, &req, (owmi_instance *) keys);
        cim_object_free(keys);
        req.stopped = false; /* take_single stops after one: not a cancellation */
        r = request_finish(&req, r, "get an instance");
        if (r >= 0 && !s.obj)
                r = owmi_error_set(err, OWMI_E_NOT_FOUND, "no instance at that path");
        if (r >= 0 && !same_keys(s.obj, path)) {
                host_log(OWMI_LOG_ERROR, "provider '%s' answered a get of '%s' with another "
                         "instance", lp->name, path->class_name);
                r = owmi_error_set(err, OWMI_E_PROVIDER_FAILURE,
                                   "provider returned an instance with other keys than asked");
        }
        if (r < 0) {
                cim_object_free(s.obj);
                return r;
        }
        *ret = s.obj;
        return 0;
}

int cimom_provider_put(struct cimom_ns *h, struct repo *repo, const char *provider,
                       const struct cim_object *inst, unsigned flags, struct owmi_error *err)
{
        struct loaded_provider *lp;
        owmi_request req = { .h = h, .repo = repo, .class_name = inst->class_name, .err = err };
        int r;

        if (proxied(h, provider))
                return h->cimom->proxy->put(h->cimom->proxy_data, &h->caller, h->ns, provider, inst,
                                            flags, err);
        r = provider_load(h, repo, provider, &lp, err);
        if (r < 0 || (r = capable(lp, lp->ops->put, "create or modify instances", err)) < 0)
                return r;
        return request_finish(&req, lp->ops->put(lp->state, &req, (const owmi_instance *) inst,
                                                 flags), "put an instance");
}

int cimom_provider_delete(struct cimom_ns *h, struct repo *repo, const char *provider,
                          const struct cim_objpath *path, struct owmi_error *err)
{
        struct loaded_provider *lp;
        struct cim_object *keys;
        owmi_request req = { .h = h, .repo = repo, .class_name = path->class_name, .err = err };
        int r;

        if (proxied(h, provider)) {
                struct strbuf text = STRBUF_INIT;

                r = path_text(path, &text, err);
                if (r >= 0)
                        r = h->cimom->proxy->remove(h->cimom->proxy_data, &h->caller, h->ns, provider,
                                                    text.buf, err);
                strbuf_release(&text);
                return r;
        }
        r = provider_load(h, repo, provider, &lp, err);
        if (r < 0 || (r = capable(lp, lp->ops->remove, "delete instances", err)) < 0)
                return r;
        r = keys_instance(&req, path, &keys, err);
        if (r < 0) {
                request_release(&req);
                return r;
        }
        r = lp->ops->remove(lp->state, &req, (const owmi_instance *) keys);
        cim_object_free(keys);
        return request_finish(&req, r, "delete an instance");
}

/* An instance of __PARAMETERS shaped like the method's out side:
 * ReturnValue first, then every [out] parameter. */
struct cim_object *cimom_out_parameters(const struct cim_method *m)
{
        struct cim_object *out = cim_object_new_class("__PARAMETERS", NULL);
        struct cim_property *p;

        if (!out)
                return NULL;
        out->genus = CIM_GENUS_INSTANCE;
        if (m->return_type != CIM_TYPE_NONE) {
                p = cim_object_add_property(out, "ReturnValue");
                if (!p)
                        return cim_object_free(out);
                p->type = m->return_type;
                cim_value_init_null(&p->value, m->return_type, false);
        }
        for (size_t i = 0; i < m->param_count; i++) {
                if (!cim_qualifier_list_flag(&m->params[i].qualifiers, "Out"))
                        continue;
                p = cim_object_add_property(out, m->params[i].name);
                if (!p)
                        return cim_object_free(out);
                cim_property_release(p); /* the slot takes a copy of the parameter */
                if (cim_property_copy(p, &m->params[i]) < 0)
                        return cim_object_free(out);
                cim_qualifier_list_release(&p->qualifiers);
        }
        return out;
}

int cimom_provider_exec_method(struct cimom_ns *h, const struct cim_object *cls,
                               const struct cim_objpath *path, const struct cim_method *m,
                               const struct cim_object *in, struct cim_object **ret_out,
                               struct owmi_error *err)
{
        const char *provider = cimom_class_provider(cls);
        struct cim_object *target = NULL, *out;
        struct loaded_provider *lp;
        struct repo *repo;
        owmi_request req = { .h = h, .class_name = cls->class_name, .err = err };
        int r;

        if (!provider)
                return owmi_error_set(err, OWMI_E_METHOD_NOT_IMPLEMENTED,
                                      "method '%s' of class '%s' has no provider to run it",
                                      m->name, cls->class_name);
        /* a static method on an instance path, an instance method on a class path */
        if (path->key_count || path->singleton) {
                if (cim_qualifier_list_flag(&m->qualifiers, "Static"))
                        return owmi_error_set(err, OWMI_E_INVALID_METHOD_PARAMETERS,
                                              "'%s' is a static method: call it on the class",
                                              m->name);
        } else if (!cim_qualifier_list_flag(&m->qualifiers, "Static")) {
                return owmi_error_set(err, OWMI_E_INVALID_METHOD_PARAMETERS,
                                      "'%s' is an instance method: call it on an instance", m->name);
        }
        for (size_t i = 0; in && i < in->prop_count; i++)
                if (!cim_method_find_param(m, in->props[i].name))
                        return owmi_error_set(err, OWMI_E_INVALID_METHOD_PARAMETERS,
                                              "method '%s' has no parameter '%s'", m->name,
                                              in->props[i].name);
        if (proxied(h, provider)) {
                struct strbuf text = STRBUF_INIT;

                r = path_text(path, &text, err);
                if (r >= 0)
                        r = h->cimom->proxy->exec_method(h->cimom->proxy_data, &h->caller, h->ns,
                                                         provider, text.buf, m->name, in, ret_out, err);
                strbuf_release(&text);
                return r;
        }
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        req.repo = repo;
        r = provider_load(h, repo, provider, &lp, err);
        if (r >= 0)
                r = capable(lp, lp->ops->exec_method, "run methods", err);
        if (r >= 0 && (path->key_count || path->singleton)) {
                r = keys_instance(&req, path, &target, err);
        }
        out = r >= 0 ? cimom_out_parameters(m) : NULL;
        if (r >= 0 && !out)
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        if (r >= 0)
                r = request_finish(&req, lp->ops->exec_method(lp->state, &req, cls->class_name,
                                                              (const owmi_instance *) target,
                                                              m->name, (const owmi_instance *) in,
                                                              (owmi_instance *) out), m->name);
        else
                request_release(&req);
        cim_object_free(target);
        cimom_repo_return(h->cimom, repo);
        if (r < 0) {
                cim_object_free(out);
                return r;
        }
        *ret_out = out;
        return 0;
}

const char *cimom_class_provider(const struct cim_object *cls)
{
        if (!cim_qualifier_list_flag(&cls->qualifiers, "Dynamic"))
                return NULL;
        return cim_qualifier_list_string(&cls->qualifiers, "Provider");
}

static int subscribe(struct cimom_ns *h, const char *event_class, bool intrinsic, cimom_sink sink,
                     void *userdata, struct cimom_subscription **ret, struct owmi_error *err);

int cimom_subscribe(struct cimom_ns *h, const char *event_class, cimom_sink sink, void *userdata,
                    struct cimom_subscription **ret, struct owmi_error *err)
{
        return subscribe(h, event_class, false, sink, userdata, ret, err);
}

int cimom_subscribe_instances(struct cimom_ns *h, const char *class_name, cimom_sink sink,
                              void *userdata, struct cimom_subscription **ret,
                              struct owmi_error *err)
{
        return subscribe(h, class_name, true, sink, userdata, ret, err);
}

static int subscribe(struct cimom_ns *h, const char *event_class, bool intrinsic, cimom_sink sink,
                     void *userdata, struct cimom_subscription **ret, struct owmi_error *err)
{
        struct cimom_subscription *sub;
        struct cim_object *cls = NULL;
        struct loaded_provider *lp;
        const char *provider;
        struct repo *repo;
        int r;

        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        r = repo_class_get(repo, h->ns, event_class, &cls, err);
        if (r >= 0 && !intrinsic && !cim_object_is_a(cls, "__Event"))
                r = owmi_error_set(err, OWMI_E_NOT_EVENT_CLASS, "'%s' is not an event class",
                                   event_class);
        provider = r >= 0 ? cimom_class_provider(cls) : NULL;
        if (r >= 0 && !provider)
                r = owmi_error_set(err, OWMI_E_PROVIDER_NOT_FOUND,
                                   "no provider raises '%s' events", event_class);
        if (r >= 0)
                r = provider_load(h, repo, provider, &lp, err);
        cimom_repo_return(h->cimom, repo);
        if (r >= 0)
                r = capable(lp, lp->ops->enable_events, "raise events", err);
        if (r < 0) {
                cim_object_free(cls);
                return r;
        }
        sub = owmi_calloc(1, sizeof(*sub));
        if (!sub || !(sub->events.class_name = owmi_strdup(cls->class_name))) {
                owmi_free(sub);
                cim_object_free(cls);
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        cim_object_free(cls);
        sub->events.h = h;
        sub->events.intrinsic = intrinsic;
        sub->events.lp = lp;
        sub->events.sink = sink;
        sub->events.userdata = userdata;
        pthread_mutex_init(&sub->events.lock, NULL);
        {
                pthread_mutexattr_t attr;

                pthread_mutexattr_init(&attr);
                pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
                pthread_mutex_init(&sub->events.delivery, &attr);
                pthread_mutexattr_destroy(&attr);
        }
        if (lp->ops->enable_events(lp->state, &sub->events, sub->events.class_name, 1) < 0) {
                r = owmi_error_set(err, OWMI_E_PROVIDER_FAILURE,
                                   "provider '%s' refused to raise '%s' events", lp->name,
                                   sub->events.class_name);
                pthread_mutex_destroy(&sub->events.lock);
                pthread_mutex_destroy(&sub->events.delivery);
                owmi_free(sub->events.class_name);
                owmi_free(sub);
                return r;
        }
        *ret = sub;
        return 0;
}

struct cimom_subscription *cimom_unsubscribe(struct cimom_subscription *sub)
{
        if (!sub)
                return NULL;
        /* after this returns the provider raises nothing more on it */
        sub->events.lp->ops->enable_events(sub->events.lp->state, &sub->events,
                                           sub->events.class_name, 0);
        for (size_t i = 0; i < sub->events.class_count; i++)
                cim_object_free(sub->events.classes[i]);
        pthread_mutex_destroy(&sub->events.lock);
        pthread_mutex_destroy(&sub->events.delivery);
        owmi_free(sub->events.class_name);
        owmi_free(sub);
        return NULL;
}
