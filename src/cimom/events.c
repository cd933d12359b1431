/* SPDX-License-Identifier: MIT */
/*
 * events.c: ExecNotificationQuery, WMI's temporary event subscriptions.
 *
 * A subscription parses and checks its event query, then takes its events
 * from one of these sources:
 *   - extrinsic event classes (__ExtrinsicEvent's subclasses, such as
 *     Win32_ProcessStartTrace): the class's provider raises them
 *     (cimom_subscribe) and the WHERE filters them.  WITHIN is accepted
 *     and means nothing here;
 *   - intrinsic instance events (__InstanceCreationEvent, Deletion,
 *     Modification, and __InstanceOperationEvent for all three) on the
 *     class named by `TargetInstance ISA 'X'`.  When X and all its
 *     subclasses live in the repository, the object manager's own puts
 *     and deletes raise them as they happen: no polling, nothing missed,
 *     WITHIN accepted and not needed (what another process writes to the
 *     same repository file is not seen: the daemon is its one writer).
 *     Otherwise a poller enumerates X every
 *     WITHIN seconds and compares with what it saw last, keyed by
 *     __RELPATH: a new path is a creation, a vanished one a deletion, the
 *     same path with another value a modification (PreviousInstance is
 *     the old copy).  Subscriptions to the same class at the same interval
 *     by the same user share one poller and one snapshot; each filters
 *     with its own WHERE.  A query without WITHIN is refused with
 *     WBEMESS_E_REGISTRATION_TOO_PRECISE, one without ISA with
 *     WBEMESS_E_REGISTRATION_TOO_BROAD (it would poll everything).
 * GROUP WITHIN n [BY ...] [HAVING NumberOfEvents op k] gathers the events
 * that pass the WHERE: the first of a group (events with equal BY values)
 * opens it, n seconds later it becomes one __AggregateEvent
 * (NumberOfEvents, Representative: the first event), delivered if the
 * HAVING holds.  Groups fall due when the consumer asks for events.
 * Events wait in a bounded queue per subscription.  When a slow consumer
 * lets it fill, the oldest events are dropped and the consumer's next
 * event is an __EventQueueOverflowEvent that says how many (NumberDropped)
 * before the ones that were kept: nothing is lost silently.
 *
 * __TimerEvent comes from the timer instructions (timers.c).
 *
 * Class events (__ClassCreationEvent, Deletion, Modification with
 * PreviousClass, __ClassOperationEvent for all) are raised by the object
 * manager's own class writes, like repository instance events.
 *
 * Not here yet (issue 5): namespace events, permanent subscriptions.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cimom/internal.h"
#include "cimom/security.h"
#include "wql/wql.h"

#define QUEUE_DEFAULT 1000
#define QUEUE_LIMIT 100000
#define WITHIN_MIN 0.01                 /* seconds: finer polling is refused */
#define WITHIN_MAX (24.0 * 3600)

enum {
        KIND_CREATION = 1 << 0,
        KIND_DELETION = 1 << 1,
        KIND_MODIFICATION = 1 << 2,
        /* class events: the object manager's own class writes */
        KIND_CLASS_CREATION = 1 << 3,
        KIND_CLASS_DELETION = 1 << 4,
        KIND_CLASS_MODIFICATION = 1 << 5,
        /* namespace events: the object manager's own namespace writes */
        KIND_NS_CREATION = 1 << 6,
        KIND_NS_DELETION = 1 << 7,
        KIND_NS_MODIFICATION = 1 << 8,
};

static const char *const kind_class[] = {
        [KIND_CREATION] = "__InstanceCreationEvent",
        [KIND_DELETION] = "__InstanceDeletionEvent",
        [KIND_MODIFICATION] = "__InstanceModificationEvent",
        [KIND_CLASS_CREATION] = "__ClassCreationEvent",
        [KIND_CLASS_DELETION] = "__ClassDeletionEvent",
        [KIND_CLASS_MODIFICATION] = "__ClassModificationEvent",
        [KIND_NS_CREATION] = "__NamespaceCreationEvent",
        [KIND_NS_DELETION] = "__NamespaceDeletionEvent",
        [KIND_NS_MODIFICATION] = "__NamespaceModificationEvent",
};

struct poller;

struct cimom_events {
        struct cimom_ns *h;              /* the subscriber's own handle */
        struct wql_query *q;
        unsigned kinds;                  /* intrinsic: what the FROM class takes */
        unsigned polled_kinds;           /* of those, what the poller supplies */
        struct cimom_subscription *pushed; /* the rest, from the class's provider */
        char *target;                    /* intrinsic: the ISA class */
        bool watching;                   /* told by the repository's writes */
        bool timing;                     /* a __TimerEvent subscriber */
        bool poll_only;                  /* options.poll_only */
        struct poller *poller;
        struct cimom_subscription *extrinsic;
        pthread_mutex_t lock;
        pthread_cond_t ready;
        struct cim_object **queue;       /* a ring of max events */
        size_t head, count, max;
        uint64_t dropped;                /* not yet reported */
        bool cancelled;
        struct group *groups;            /* GROUP WITHIN: open groups, oldest first */
        size_t group_count;              /* bounded by max, as the queue */
};

struct group {
        struct group *next;
        char *key;                       /* the BY values, as MOF text */
        uint32_t count;
        struct cim_object *representative;
        struct timespec due;             /* CLOCK_MONOTONIC */
};

/* ---- the queue ------------------------------------------------------------ */

static void queue_push(struct cimom_events *ev, struct cim_object *event)
{
        pthread_mutex_lock(&ev->lock);
        if (ev->count == ev->max) {
                /* full: the oldest goes, and the consumer will hear of it */
                cim_object_free(ev->queue[ev->head]);
                ev->head = (ev->head + 1) % ev->max;
                ev->count--;
                ev->dropped++;
        }
        ev->queue[(ev->head + ev->count) % ev->max] = event;
        ev->count++;
        pthread_cond_signal(&ev->ready);
        pthread_mutex_unlock(&ev->lock);
}

/* 100-ns intervals since 1601-01-01 UTC, WMI's TIME_CREATED */
uint64_t cimom_filetime_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return ((uint64_t) ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t) ts.tv_nsec / 100;
}

static int set_uint64(struct cim_object *obj, const char *name, uint64_t value,
                      struct owmi_error *err)
{
        struct cim_value v;

        cim_value_set_uint(&v, CIM_TYPE_UINT64, value);
        return cim_object_set_value(obj, name, &v, err);
}

/* Hand obj (a copy made here) to an object property of event. */
static int set_object(struct cim_object *event, const char *name, const struct cim_object *obj,
                      struct owmi_error *err)
{
        struct cim_value v;
        int r;

        cim_value_init_null(&v, CIM_TYPE_OBJECT, false);
        v.v.object = cim_object_clone(obj);
        if (!v.v.object)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        v.is_null = false;
        r = cim_object_set_value(event, name, &v, err);
        cim_value_release(&v);
        return r;
}

/* The event that says how many were dropped, or NULL. */
static struct cim_object *overflow_event(struct cimom_events *ev, uint64_t dropped, size_t size)
{
        struct cim_object *event = NULL;

        if (cimom_spawn_instance(ev->h, "__EventQueueOverflowEvent", &event, NULL) < 0)
                return NULL;
        if (set_uint64(event, "TIME_CREATED", cimom_filetime_now(), NULL) < 0 ||
            set_uint64(event, "NumberDropped", dropped, NULL) < 0 ||
            set_uint64(event, "CurrentQueueSize", size, NULL) < 0)
                return cim_object_free(event);
        return event;
}

/* ---- aggregation (GROUP WITHIN) ---------------------------------------------- */

/* The value at a property path of event (through embedded objects), or NULL. */
static const struct cim_value *path_value(const struct cim_object *event, const struct wql_prop *prop)
{
        const struct cim_object *obj = event;
        const struct cim_property *p = NULL;

        for (size_t i = 0; i < prop->count; i++) {
                p = obj ? cim_object_find_property(obj, prop->names[i]) : NULL;
                if (!p)
                        return NULL;
                obj = !p->value.is_null && p->value.type == CIM_TYPE_OBJECT ? p->value.v.object :
                                                                              NULL;
        }
        return p ? &p->value : NULL;
}

/* The BY values of event as one string (NULL on ENOMEM). */
static char *group_key(const struct cimom_events *ev, const struct cim_object *event)
{
        struct strbuf sb = STRBUF_INIT;

        strbuf_addstr(&sb, "");
        for (size_t i = 0; i < ev->q->group_by_count; i++) {
                const struct cim_value *v = path_value(event, &ev->q->group_by[i]);

                if (v && !v->is_null)
                        cim_value_format_mof(v, &sb, 0);
                else
                        strbuf_addstr(&sb, "NULL");
                strbuf_addch(&sb, '\x1f');
        }
        if (strbuf_error(&sb) < 0) {
                strbuf_release(&sb);
                return NULL;
        }
        return strbuf_detach(&sb);
}

static void group_free(struct group *g)
{
        owmi_free(g->key);
        cim_object_free(g->representative);
        owmi_free(g);
}

/* Into its group (opened if new); under ev->lock.  Takes event. */
static void group_add(struct cimom_events *ev, struct cim_object *event)
{
        char *key = group_key(ev, event);
        struct group *g, **tail = &ev->groups;

        if (!key) {
                cim_object_free(event);
                ev->dropped++;
                return;
        }
        for (g = ev->groups; g; tail = &g->next, g = g->next) {
                if (strcmp(g->key, key) == 0) {
                        g->count++;
                        owmi_free(key);
                        cim_object_free(event);
                        return;
                }
        }
        if (ev->group_count == ev->max || !(g = owmi_calloc(1, sizeof(*g)))) {
                /* as many groups as the queue holds events: no more */
                owmi_free(key);
                cim_object_free(event);
                ev->dropped++;
                return;
        }
        g->key = key;
        g->count = 1;
        g->representative = event;
        clock_gettime(CLOCK_MONOTONIC, &g->due);
        g->due.tv_sec += (time_t) ev->q->group_within;
        g->due.tv_nsec += (long) ((ev->q->group_within - (double) (time_t) ev->q->group_within) * 1e9);
        if (g->due.tv_nsec >= 1000000000) {
                g->due.tv_sec++;
                g->due.tv_nsec -= 1000000000;
        }
        *tail = g;
        ev->group_count++;
        pthread_cond_signal(&ev->ready);
}

static bool time_reached(const struct timespec *now, const struct timespec *t)
{
        return now->tv_sec > t->tv_sec || (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

static bool having_holds(const struct wql_query *q, uint32_t n)
{
        uint32_t k = q->having_count;

        if (!q->has_having)
                return true;
        switch (q->having_op) {
        case WQL_OP_EQ: return n == k;
        case WQL_OP_NE: return n != k;
        case WQL_OP_LT: return n < k;
        case WQL_OP_GT: return n > k;
        case WQL_OP_LE: return n <= k;
        case WQL_OP_GE: return n >= k;
        }
        return false;
}

/* The groups that fell due, taken off the list; under ev->lock. */
static struct group *groups_due(struct cimom_events *ev)
{
        struct group *due = NULL, **due_tail = &due, **link = &ev->groups;
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        while (*link) {
                struct group *g = *link;

                if (time_reached(&now, &g->due)) {
                        *link = g->next;
                        g->next = NULL;
                        *due_tail = g;
                        due_tail = &g->next;
                        ev->group_count--;
                } else {
                        link = &g->next;
                }
        }
        return due;
}

/* Each due group as an __AggregateEvent, queued when HAVING holds. */
static void groups_deliver(struct cimom_events *ev, struct group *due)
{
        while (due) {
                struct group *g = due;
                struct cim_object *event = NULL;
                struct cim_value v;

                due = g->next;
                if (having_holds(ev->q, g->count) &&
                    cimom_spawn_instance(ev->h, "__AggregateEvent", &event, NULL) >= 0) {
                        cim_value_set_uint(&v, CIM_TYPE_UINT32, g->count);
                        if (cim_object_set_value(event, "NumberOfEvents", &v, NULL) < 0 ||
                            set_object(event, "Representative", g->representative, NULL) < 0)
                                event = cim_object_free(event);
                        if (event)
                                queue_push(ev, event);
                }
                group_free(g);
        }
}

int cimom_events_next(struct cimom_events *ev, int timeout_ms, struct cim_object **ret,
                      struct owmi_error *err)
{
        struct timespec deadline;
        uint64_t dropped;
        size_t size;
        int r = 0;

        *ret = NULL;
        owmi_timespec_after_ms(CLOCK_MONOTONIC, timeout_ms > 0 ? timeout_ms : 0, &deadline);
        pthread_mutex_lock(&ev->lock);
        for (;;) {
                struct group *due = groups_due(ev);

                if (due) {
                        /* made outside the lock: it reads the repository */
                        pthread_mutex_unlock(&ev->lock);
                        groups_deliver(ev, due);
                        pthread_mutex_lock(&ev->lock);
                }
                if (ev->count || ev->dropped || ev->cancelled || r != 0)
                        break;
                if (ev->groups && (timeout_ms < 0 || !time_reached(&ev->groups->due, &deadline))) {
                        /* wake when the oldest group falls due */
                        pthread_cond_timedwait(&ev->ready, &ev->lock, &ev->groups->due);
                        continue;
                }
                if (timeout_ms == 0)
                        r = ETIMEDOUT;
                else if (timeout_ms < 0)
                        r = pthread_cond_wait(&ev->ready, &ev->lock);
                else
                        r = pthread_cond_timedwait(&ev->ready, &ev->lock, &deadline);
        }
        if (ev->cancelled) {
                pthread_mutex_unlock(&ev->lock);
                return cimom_cancelled(err);
        }
        dropped = ev->dropped;
        size = ev->count;
        if (!dropped && ev->count) {
                *ret = ev->queue[ev->head];
                ev->head = (ev->head + 1) % ev->max;
                ev->count--;
        }
        ev->dropped = 0;
        pthread_mutex_unlock(&ev->lock);
        if (dropped) {
                *ret = overflow_event(ev, dropped, size);
                if (!*ret)
                        return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY,
                                              "%llu events were dropped (queue full)",
                                              (unsigned long long) dropped);
                return 0;
        }
        if (!*ret)
                return owmi_error_set(err, OWMI_E_EVENT_TIMED_OUT, "no event within %d ms",
                                      timeout_ms);
        return 0;
}

void cimom_events_cancel(struct cimom_events *ev)
{
        pthread_mutex_lock(&ev->lock);
        ev->cancelled = true;
        pthread_cond_broadcast(&ev->ready);
        pthread_mutex_unlock(&ev->lock);
}

/* An event for this subscriber: filtered by its WHERE, cut to its select
 * list, queued (or gathered into its group); or freed. */
void cimom_events_offer(struct cimom_events *ev, struct cim_object *event)
{
        if (!wql_match(ev->q->where, event)) {
                cim_object_free(event);
                return;
        }
        if (ev->q->has_group) {
                pthread_mutex_lock(&ev->lock);
                group_add(ev, event);
                pthread_mutex_unlock(&ev->lock);
                return;
        }
        if (!ev->q->select_all)
                wql_project_in_place(event, ev->q);
        queue_push(ev, event);
}

/* ---- extrinsic events -------------------------------------------------------- */

static int extrinsic_sink(struct cim_object *event, void *userdata)
{
        cimom_events_offer(userdata, event);
        return 0;
}

/* ---- intrinsic events by polling --------------------------------------------- */

struct snapshot_entry {
        char *relpath;                   /* canonical: the key */
        struct cim_object *obj;
};

struct snapshot {
        struct snapshot_entry *entries;  /* sorted by relpath */
        size_t count, alloc;
        bool failed;
};

struct poller {
        struct poller *next;
        struct cimom *cimom;
        struct cimom_ns *h;              /* the first subscriber's identity */
        char *class_name;
        uid_t uid;
        uint64_t interval_ms;
        pthread_t thread;
        pthread_cond_t wake;             /* with cimom->pollers_lock */
        bool stop;
        struct cimom_events **subs;      /* guarded by cimom->pollers_lock */
        size_t sub_count, sub_alloc;
        struct snapshot seen;            /* the poller thread's, after the first */
};

static void snapshot_release(struct snapshot *s)
{
        for (size_t i = 0; i < s->count; i++) {
                owmi_free(s->entries[i].relpath);
                cim_object_free(s->entries[i].obj);
        }
        owmi_free(s->entries);
        memset(s, 0, sizeof(*s));
}

static int snapshot_add(struct cim_object *obj, void *userdata)
{
        struct snapshot *s = userdata;
        struct strbuf path;

        strbuf_init(&path);
        if (cim_object_relpath(obj, &path) < 0 || OWMI_GROW(s->entries, s->alloc, s->count + 1) < 0) {
                strbuf_release(&path);
                cim_object_free(obj);
                s->failed = true;
                return 1;
        }
        s->entries[s->count].relpath = strbuf_detach(&path);
        s->entries[s->count].obj = obj;
        s->count++;
        return 0;
}

static int compare_entries(const void *a, const void *b)
{
        return strcmp(((const struct snapshot_entry *) a)->relpath,
                      ((const struct snapshot_entry *) b)->relpath);
}

static int snapshot_take(struct poller *p, struct snapshot *s, struct owmi_error *err)
{
        int r;

        memset(s, 0, sizeof(*s));
        r = cimom_enum_instances(p->h, p->class_name, true, snapshot_add, s, err);
        if (r >= 0 && s->failed)
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        if (r < 0) {
                snapshot_release(s);
                return r;
        }
        if (s->count)
                qsort(s->entries, s->count, sizeof(*s->entries), compare_entries);
        return 0;
}

/* Same instance, other values?  (System properties are not compared.) */
static bool instance_changed(const struct cim_object *a, const struct cim_object *b)
{
        if (a->prop_count != b->prop_count)
                return true;
        for (size_t i = 0; i < a->prop_count; i++) {
                const struct cim_property *pa = &a->props[i];
                const struct cim_property *pb = cim_object_find_property(b, pa->name);

                if (!pb || !cim_value_equal(&pa->value, &pb->value))
                        return true;
        }
        return false;
}

/* The event of one change (an instance's or a class's: kind says), made
 * once by every source and copied per subscriber; NULL, logged, when it
 * cannot be made. */
static struct cim_object *change_event(struct cimom_ns *h, unsigned kind,
                                       const struct cim_object *target,
                                       const struct cim_object *previous, uint64_t when)
{
        const char *what = kind >= KIND_NS_CREATION ? "Namespace" :
                           kind >= KIND_CLASS_CREATION ? "Class" : "Instance";
        struct cim_object *event = NULL;
        char target_name[32], previous_name[32];

        snprintf(target_name, sizeof(target_name), "Target%s", what);
        snprintf(previous_name, sizeof(previous_name), "Previous%s", what);
        if (cimom_spawn_instance(h, kind_class[kind], &event, NULL) < 0 ||
            set_uint64(event, "TIME_CREATED", when, NULL) < 0 ||
            set_object(event, target_name, target, NULL) < 0 ||
            (previous && set_object(event, previous_name, previous, NULL) < 0)) {
                syslog(LOG_ERR, "cannot make a %s of %s: event lost", kind_class[kind],
                       target->class_name);
                return cim_object_free(event);
        }
        return event;
}

static void distribute(struct poller *p, unsigned kind, struct cim_object *event)
{
        pthread_mutex_lock(&p->cimom->pollers_lock);
        for (size_t i = 0; i < p->sub_count; i++) {
                struct cimom_events *ev = p->subs[i];
                struct cim_object *copy;

                if (!(ev->polled_kinds & kind))
                        continue;
                copy = cim_object_clone(event);
                if (copy)
                        cimom_events_offer(ev, copy);
        }
        pthread_mutex_unlock(&p->cimom->pollers_lock);
        cim_object_free(event);
}

static void emit(struct poller *p, unsigned kind, const struct cim_object *target,
                 const struct cim_object *previous, uint64_t when)
{
        struct cim_object *event = change_event(p->h, kind, target, previous, when);

        if (event)
                distribute(p, kind, event);
}

/* Compare now with what was seen, in key order; raise the differences. */
static void diff(struct poller *p, const struct snapshot *then, const struct snapshot *now)
{
        uint64_t when = cimom_filetime_now();
        size_t i = 0, j = 0;

        while (i < then->count || j < now->count) {
                int c = i == then->count ? 1 : j == now->count ? -1 :
                        strcmp(then->entries[i].relpath, now->entries[j].relpath);

                if (c < 0) {
                        emit(p, KIND_DELETION, then->entries[i].obj, NULL, when);
                        i++;
                } else if (c > 0) {
                        emit(p, KIND_CREATION, now->entries[j].obj, NULL, when);
                        j++;
                } else {
                        if (instance_changed(then->entries[i].obj, now->entries[j].obj))
                                emit(p, KIND_MODIFICATION, now->entries[j].obj,
                                     then->entries[i].obj, when);
                        i++;
                        j++;
                }
        }
}

static void *poller_main(void *arg)
{
        struct poller *p = arg;
        struct timespec next;

        clock_gettime(CLOCK_MONOTONIC, &next);
        pthread_mutex_lock(&p->cimom->pollers_lock);
        while (!p->stop) {
                struct snapshot now;
                struct owmi_error err = { 0 };

                next.tv_sec += (time_t) (p->interval_ms / 1000);
                next.tv_nsec += (long) (p->interval_ms % 1000) * 1000000;
                if (next.tv_nsec >= 1000000000) {
                        next.tv_sec++;
                        next.tv_nsec -= 1000000000;
                }
                while (!p->stop &&
                       pthread_cond_timedwait(&p->wake, &p->cimom->pollers_lock, &next) == 0)
                        ;
                if (p->stop)
                        break;
                pthread_mutex_unlock(&p->cimom->pollers_lock);
                if (snapshot_take(p, &now, &err) < 0) {
                        /* keep what was seen: the next poll compares with it */
                        syslog(LOG_WARNING, "polling %s: %s", p->class_name, err.message);
                } else {
                        diff(p, &p->seen, &now);
                        snapshot_release(&p->seen);
                        p->seen = now;
                }
                pthread_mutex_lock(&p->cimom->pollers_lock);
                /* a poll slower than the interval is not made up for */
                {
                        struct timespec t;

                        clock_gettime(CLOCK_MONOTONIC, &t);
                        if (t.tv_sec > next.tv_sec ||
                            (t.tv_sec == next.tv_sec && t.tv_nsec > next.tv_nsec))
                                next = t;
                }
        }
        pthread_mutex_unlock(&p->cimom->pollers_lock);
        return NULL;
}

static struct poller *poller_free(struct poller *p)
{
        if (!p)
                return NULL;
        snapshot_release(&p->seen);
        cimom_ns_close(p->h);
        owmi_free(p->class_name);
        owmi_free(p->subs);
        pthread_cond_destroy(&p->wake);
        owmi_free(p);
        return NULL;
}

/* Join the poller of (class, interval, user), made and started if there is
 * none: its first snapshot is taken now, so what changes after the
 * subscription returns is seen. */
static int poller_join(struct cimom_events *ev, const char *class_name, uint64_t interval_ms,
                       struct owmi_error *err)
{
        struct cimom *cimom = ev->h->cimom;
        struct poller *p;
        pthread_condattr_t attr;
        int r;

        pthread_mutex_lock(&cimom->pollers_lock);
        for (p = cimom->pollers; p; p = p->next)
                if (p->uid == ev->h->caller.uid && p->interval_ms == interval_ms &&
                    owmi_strcasecmp(p->h->ns, ev->h->ns) == 0 &&
                    owmi_strcasecmp(p->class_name, class_name) == 0)
                        break;
        if (p) {
                if (OWMI_GROW(p->subs, p->sub_alloc, p->sub_count + 1) < 0) {
                        pthread_mutex_unlock(&cimom->pollers_lock);
                        return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                }
                p->subs[p->sub_count++] = ev;
                ev->poller = p;
                pthread_mutex_unlock(&cimom->pollers_lock);
                return 0;
        }
        pthread_mutex_unlock(&cimom->pollers_lock);

        p = owmi_calloc(1, sizeof(*p));
        if (!p || !(p->class_name = owmi_strdup(class_name)) ||
            OWMI_GROW(p->subs, p->sub_alloc, 1) < 0) {
                if (p) {
                        owmi_free(p->class_name);
                        owmi_free(p);
                }
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&p->wake, &attr);
        pthread_condattr_destroy(&attr);
        p->cimom = cimom;
        p->uid = ev->h->caller.uid;
        p->interval_ms = interval_ms;
        r = cimom_open_namespace(cimom, ev->h->ns, &ev->h->caller, &p->h, err);
        if (r >= 0)
                r = snapshot_take(p, &p->seen, err);
        if (r < 0) {
                poller_free(p);
                return r;
        }
        p->subs[p->sub_count++] = ev;
        ev->poller = p;
        r = -pthread_create(&p->thread, NULL, poller_main, p);
        if (r < 0) {
                ev->poller = NULL;
                poller_free(p);
                return owmi_error_set(err, OWMI_E_FAILED, "cannot start a poller: %s", strerror(-r));
        }
        pthread_mutex_lock(&cimom->pollers_lock);
        p->next = cimom->pollers;
        cimom->pollers = p;
        pthread_mutex_unlock(&cimom->pollers_lock);
        return 0;
}

static void poller_leave(struct cimom_events *ev)
{
        struct cimom *cimom = ev->h->cimom;
        struct poller *p = ev->poller, **link;
        bool last;

        pthread_mutex_lock(&cimom->pollers_lock);
        for (size_t i = 0; i < p->sub_count; i++) {
                if (p->subs[i] == ev) {
                        p->subs[i] = p->subs[--p->sub_count];
                        break;
                }
        }
        last = p->sub_count == 0;
        if (last) {
                for (link = &cimom->pollers; *link; link = &(*link)->next) {
                        if (*link == p) {
                                *link = p->next;
                                break;
                        }
                }
                p->stop = true;
                pthread_cond_signal(&p->wake);
        }
        pthread_mutex_unlock(&cimom->pollers_lock);
        ev->poller = NULL;
        if (last) {
                pthread_join(p->thread, NULL);
                poller_free(p);
        }
}

/* ---- intrinsic events from the repository's own writes ---------------------- */

bool cimom_events_watching(struct cimom_ns *h)
{
        bool any;

        pthread_mutex_lock(&h->cimom->pollers_lock);
        /* the timers reload when a timer instruction changes */
        any = h->cimom->timers != NULL;
        for (size_t i = 0; i < h->cimom->watcher_count && !any; i++)
                any = owmi_strcasecmp(h->cimom->watchers[i]->h->ns, h->ns) == 0;
        pthread_mutex_unlock(&h->cimom->pollers_lock);
        return any;
}

/* A change the object manager made, to the watchers of its namespace that
 * take this kind (and, for an instance, whose ISA class it is).  Takes
 * event. */
static void tell_watchers(struct cimom_ns *h, unsigned kind, const struct cim_object *instance,
                          struct cim_object *event)
{
        struct cimom *cimom = h->cimom;

        pthread_mutex_lock(&cimom->pollers_lock);
        for (size_t i = 0; i < cimom->watcher_count; i++) {
                struct cimom_events *ev = cimom->watchers[i];
                struct cim_object *copy;

                if (!(ev->kinds & kind) || owmi_strcasecmp(ev->h->ns, h->ns) != 0 ||
                    (instance && (!ev->target || !cim_object_is_a(instance, ev->target))))
                        continue;
                copy = cim_object_clone(event);
                if (copy)
                        cimom_events_offer(ev, copy);
        }
        pthread_mutex_unlock(&cimom->pollers_lock);
        cim_object_free(event);
}

void cimom_events_instance_changed(struct cimom_ns *h, const struct cim_object *before,
                                   const struct cim_object *after)
{
        const struct cim_object *target = after ? after : before;
        struct cim_object *event;
        unsigned kind;

        if (target && cim_object_is_a(target, "__TimerInstruction"))
                cimom_timers_changed(h->cimom);
        if (!target || (before && after && !instance_changed(before, after)))
                return;
        kind = !before ? KIND_CREATION : !after ? KIND_DELETION : KIND_MODIFICATION;
        event = change_event(h, kind, target, after ? before : NULL, cimom_filetime_now());
        if (event)
                tell_watchers(h, kind, target, event);
}

void cimom_events_namespace_changed(struct cimom_ns *h, const char *child, bool created)
{
        struct cim_object *ns = NULL, *event;
        struct cim_value name;
        unsigned kind = created ? KIND_NS_CREATION : KIND_NS_DELETION;

        /* the child as its parent's __NAMESPACE instance, Name its last part */
        if (cimom_spawn_instance(h, "__NAMESPACE", &ns, NULL) < 0)
                return;
        if (cim_value_set_string(&name, CIM_TYPE_STRING, child) == 0) {
                cim_object_set_value(ns, "Name", &name, NULL);
                cim_value_release(&name);
        }
        event = change_event(h, kind, ns, NULL, cimom_filetime_now());
        if (event)
                tell_watchers(h, kind, NULL, event);
        cim_object_free(ns);
}

void cimom_events_class_changed(struct cimom_ns *h, const struct cim_object *before,
                                const struct cim_object *after)
{
        const struct cim_object *target = after ? after : before;
        struct cim_object *event;
        unsigned kind;

        if (!target || (before && after && cim_object_equal(before, after)))
                return;
        kind = !before ? KIND_CLASS_CREATION : !after ? KIND_CLASS_DELETION :
                                               KIND_CLASS_MODIFICATION;
        event = change_event(h, kind, target, after ? before : NULL, cimom_filetime_now());
        if (event)
                tell_watchers(h, kind, NULL, event);
}

/* Class and namespace events: what the object manager's own schema and
 * namespace writes raise. */
static unsigned class_event_kinds(const char *name)
{
        if (!owmi_strcasecmp(name, "__ClassOperationEvent"))
                return KIND_CLASS_CREATION | KIND_CLASS_DELETION | KIND_CLASS_MODIFICATION;
        if (!owmi_strcasecmp(name, "__NamespaceOperationEvent"))
                return KIND_NS_CREATION | KIND_NS_DELETION | KIND_NS_MODIFICATION;
        for (unsigned k = KIND_CLASS_CREATION; k <= KIND_NS_MODIFICATION; k <<= 1)
                if (!owmi_strcasecmp(name, kind_class[k]))
                        return k;
        return 0;
}

static int watch(struct cimom_events *ev, struct owmi_error *err)
{
        struct cimom *cimom = ev->h->cimom;
        int r = 0;

        pthread_mutex_lock(&cimom->pollers_lock);
        if (OWMI_GROW(cimom->watchers, cimom->watcher_alloc, cimom->watcher_count + 1) < 0)
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        else
                cimom->watchers[cimom->watcher_count++] = ev;
        pthread_mutex_unlock(&cimom->pollers_lock);
        ev->watching = r == 0;
        return r;
}

static void unwatch(struct cimom_events *ev)
{
        struct cimom *cimom = ev->h->cimom;

        pthread_mutex_lock(&cimom->pollers_lock);
        for (size_t i = 0; i < cimom->watcher_count; i++) {
                if (cimom->watchers[i] == ev) {
                        cimom->watchers[i] = cimom->watchers[--cimom->watcher_count];
                        break;
                }
        }
        pthread_mutex_unlock(&cimom->pollers_lock);
        ev->watching = false;
}

/* What the providers' __EventProviderRegistration instances say they
 * raise themselves for class_name: a mask of KIND_. */
struct registered {
        const char *class_name;
        unsigned kinds;
};

static unsigned kinds_of_event_class(const char *name)
{
        if (!owmi_strcasecmp(name, "__InstanceOperationEvent"))
                return KIND_CREATION | KIND_DELETION | KIND_MODIFICATION;
        for (unsigned k = KIND_CREATION; k <= KIND_MODIFICATION; k <<= 1)
                if (!owmi_strcasecmp(name, kind_class[k]))
                        return k;
        return 0;
}

static const char *target_class(const struct wql_node *n);

static int add_registered(struct cim_object *reg, void *userdata)
{
        struct registered *r = userdata;
        const struct cim_property *list = cim_object_find_property(reg, "EventQueryList");

        for (uint32_t i = 0; list && !list->value.is_null && list->value.is_array &&
                             i < list->value.count; i++) {
                const struct cim_value *item = &list->value.v.items[i];
                struct wql_query *q = NULL;
                const char *target;

                if (item->is_null || item->type != CIM_TYPE_STRING ||
                    wql_parse(item->v.string, strlen(item->v.string), &q, NULL) < 0)
                        continue;
                target = target_class(q->where);
                if (target && !owmi_strcasecmp(target, r->class_name))
                        r->kinds |= kinds_of_event_class(q->class_name);
                wql_query_free(q);
        }
        cim_object_free(reg);
        return 0;
}

static unsigned registered_kinds(struct cimom_events *ev, const char *class_name)
{
        struct registered r = { class_name, 0 };

        /* a namespace without registrations is no error: nothing is pushed */
        cimom_enum_instances(ev->h, "__EventProviderRegistration", true, add_registered, &r, NULL);
        return r.kinds;
}

/* Does the repository hold every instance of class_name's tree? */
static int repository_only(struct cimom_events *ev, const char *class_name, bool *ret,
                           struct owmi_error *err)
{
        size_t classes = 0, dynamic = 0;
        struct repo *repo;
        int r = cimom_repo_borrow(ev->h->cimom, &repo, err);

        if (r < 0)
                return r;
        r = cimom_class_tree_sources(repo, ev->h->ns, class_name, &classes, &dynamic, err);
        cimom_repo_return(ev->h->cimom, repo);
        *ret = r >= 0 && classes > 0 && dynamic == 0;
        return r;
}

static int pushed_sink(struct cim_object *event, void *userdata)
{
        struct cimom_events *ev = userdata;

        /* the channel carries every instance event of the class */
        if (!(kinds_of_event_class(event->class_name) & ev->kinds & ~ev->polled_kinds)) {
                cim_object_free(event);
                return 0;
        }
        cimom_events_offer(ev, event);
        return 0;
}

/* A class served by a provider: what the provider raises itself comes from
 * it; what it does not, from a poller at the WITHIN interval, which the
 * query then needs. */
static int provider_or_poller(struct cimom_events *ev, const char *target, struct owmi_error *err)
{
        unsigned pushed = ev->poll_only ? 0 : ev->kinds & registered_kinds(ev, target);
        int r = 0;

        ev->polled_kinds = ev->kinds & ~pushed;
        if (ev->polled_kinds && ev->q->within <= 0)
                return owmi_error_set(err, OWMI_E_REGISTRATION_TOO_PRECISE,
                                      "no provider raises %s of '%s': the query needs WITHIN "
                                      "(a polling interval)",
                                      pushed ? "all of these events" : "events", target);
        if (pushed)
                r = cimom_subscribe_instances(ev->h, target, pushed_sink, ev, &ev->pushed, err);
        if (r >= 0 && ev->polled_kinds)
                r = poller_join(ev, target, (uint64_t) (ev->q->within * 1000 + 0.5), err);
        return r;
}

/* ---- subscribing ------------------------------------------------------------- */

/* The class of `TargetInstance ISA 'Class'` at the top of the WHERE's AND
 * chain, or NULL. */
static const char *target_class(const struct wql_node *n)
{
        const char *hit;

        if (!n)
                return NULL;
        if (n->kind == WQL_NODE_AND) {
                hit = target_class(n->left);
                return hit ? hit : target_class(n->right);
        }
        if (n->kind == WQL_NODE_ISA && n->prop.count == 1 &&
            owmi_strcasecmp(n->prop.names[0], "TargetInstance") == 0 &&
            n->constant.type == CIM_TYPE_STRING && !n->constant.is_null)
                return n->constant.v.string;
        return NULL;
}

/* Parse and check the query against its FROM class: 0 and *ret_class. */
static int check_query(struct cimom_events *ev, const char *text, struct cim_object **ret_class,
                       struct owmi_error *err)
{
        struct cimom_class_cache cache = { NULL, ev->h->ns, NULL, 0, 0 };
        struct cim_object *cls = NULL;
        struct repo *repo;
        int r = wql_parse(text, strlen(text), &ev->q, err);

        if (r < 0)
                return r;
        r = cimom_repo_borrow(ev->h->cimom, &repo, err);
        if (r < 0)
                return r;
        cache.repo = repo;
        r = repo_class_get(repo, ev->h->ns, ev->q->class_name, &cls, err);
        if (r < 0 && err && err->code == OWMI_E_NOT_FOUND)
                r = owmi_error_set(err, OWMI_E_INVALID_CLASS, "class '%s' does not exist in '%s'",
                                   ev->q->class_name, ev->h->ns);
        if (r >= 0 && wql_classify(ev->q, cls) != WQL_EVENT)
                r = owmi_error_set(err, OWMI_E_NOT_EVENT_CLASS, "'%s' is not an event class",
                                   ev->q->class_name);
        if (r >= 0)
                r = wql_check(ev->q, cls, cimom_class_cache_lookup, &cache, err);
        cimom_class_cache_release(&cache);
        cimom_repo_return(ev->h->cimom, repo);
        if (r < 0) {
                cim_object_free(cls);
                return r;
        }
        ev->q->kind = WQL_EVENT;
        *ret_class = cls;
        return 0;
}

int cimom_exec_notification_query(struct cimom_ns *h, const char *language, const char *text,
                                  const struct cimom_events_options *opts,
                                  struct cimom_events **ret, struct owmi_error *err)
{
        struct cimom_events *ev;
        struct cim_object *cls = NULL;
        size_t max = opts && opts->queue_max ? opts->queue_max : QUEUE_DEFAULT;
        int r;

        *ret = NULL;
        if (!language || owmi_strcasecmp(language, "WQL") != 0)
                return owmi_error_set(err, OWMI_E_INVALID_QUERY_TYPE,
                                      "query language '%s' is not WQL", language ? language : "");
        if (max > QUEUE_LIMIT)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                      "an event queue holds at most %d events", QUEUE_LIMIT);
        r = cimom_require(h, SEC_ENABLE, err);
        if (r < 0)
                return r;
        ev = owmi_calloc(1, sizeof(*ev));
        if (!ev || !(ev->queue = owmi_calloc(max, sizeof(*ev->queue)))) {
                owmi_free(ev);
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        ev->max = max;
        ev->poll_only = opts && opts->poll_only;
        pthread_mutex_init(&ev->lock, NULL);
        {
                pthread_condattr_t attr;

                pthread_condattr_init(&attr);
                pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
                pthread_cond_init(&ev->ready, &attr);
                pthread_condattr_destroy(&attr);
        }
        /* a handle of its own: the subscription outlives the caller's */
        r = cimom_open_namespace(h->cimom, h->ns, &h->caller, &ev->h, err);
        if (r >= 0)
                r = check_query(ev, text, &cls, err);
        if (r < 0)
                goto fail;
        if (ev->q->within > 0 && (ev->q->within < WITHIN_MIN || ev->q->within > WITHIN_MAX)) {
                r = owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                   "WITHIN must be between %g and %g seconds", WITHIN_MIN,
                                   WITHIN_MAX);
        } else if ((ev->kinds = class_event_kinds(cls->class_name)) != 0) {
                /* the object manager raises them for its own class writes */
                r = watch(ev, err);
        } else if (cim_object_is_a(cls, "__TimerEvent")) {
                r = cimom_timers_join(ev, ev->h, err);
                ev->timing = r >= 0;
        } else if (cim_object_is_a(cls, "__ExtrinsicEvent")) {
                r = cimom_subscribe(ev->h, cls->class_name, extrinsic_sink, ev, &ev->extrinsic, err);
        } else if ((ev->kinds = kinds_of_event_class(cls->class_name)) != 0) {
                const char *target = target_class(ev->q->where);
                bool pushed = false;

                if (!target)
                        r = owmi_error_set(err, OWMI_E_REGISTRATION_TOO_BROAD,
                                           "an instance event query needs WHERE TargetInstance "
                                           "ISA 'Class'");
                else if (!(ev->target = owmi_strdup(target)))
                        r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                else
                        r = repository_only(ev, target, &pushed, err);
                if (r < 0 || !target)
                        ;       /* refused above */
                else if (pushed && !ev->poll_only)
                        r = watch(ev, err);
                else
                        r = provider_or_poller(ev, target, err);
        } else {
                r = owmi_error_set(err, OWMI_E_NOT_SUPPORTED,
                                   "events of class '%s' are not supported yet", cls->class_name);
        }
        cim_object_free(cls);
        if (r < 0)
                goto fail;
        *ret = ev;
        return 0;
fail:
        cimom_events_close(ev);
        return r;
}

struct cimom_events *cimom_events_close(struct cimom_events *ev)
{
        if (!ev)
                return NULL;
        /* no source adds to the queue once this returns */
        if (ev->extrinsic)
                ev->extrinsic = cimom_unsubscribe(ev->extrinsic);
        if (ev->pushed)
                ev->pushed = cimom_unsubscribe(ev->pushed);
        if (ev->poller)
                poller_leave(ev);
        if (ev->watching)
                unwatch(ev);
        if (ev->timing)
                cimom_timers_leave(ev, ev->h->cimom);
        for (size_t i = 0; i < ev->count; i++)
                cim_object_free(ev->queue[(ev->head + i) % ev->max]);
        while (ev->groups) {
                struct group *g = ev->groups;

                ev->groups = g->next;
                group_free(g);
        }
        owmi_free(ev->queue);
        owmi_free(ev->target);
        wql_query_free(ev->q);
        cimom_ns_close(ev->h);
        pthread_cond_destroy(&ev->ready);
        pthread_mutex_destroy(&ev->lock);
        owmi_free(ev);
        return NULL;
}
