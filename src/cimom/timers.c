/* SPDX-License-Identifier: MIT */
/*
 * timers.c: __TimerEvent, from the timer instructions of the repository.
 *
 * An instance of __IntervalTimerInstruction (TimerId, IntervalBetweenEvents
 * in milliseconds) fires every interval; one of __AbsoluteTimerInstruction
 * (TimerId, EventDateTime) fires once at that time, or at once if the time
 * has passed and SkipIfPassed is not set.  While anyone subscribes to
 * __TimerEvent, one thread per object manager keeps the timers of the
 * subscribers' namespaces and raises a __TimerEvent (TimerId, NumFirings,
 * TIME_CREATED) to each subscriber of that namespace; the subscription's
 * WHERE (TimerId = 'x') picks its timers.  A timer instruction created,
 * changed or deleted through the object manager takes effect at once.
 * NumFirings counts the firings an event stands for: more than 1 when the
 * machine was too busy (or asleep) to raise each on time.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cimom/internal.h"

struct timer {
        char *ns;
        char *id;
        uint64_t interval_ms;            /* 0: an absolute timer */
        struct timespec next;            /* CLOCK_MONOTONIC */
        bool done;                       /* an absolute timer that fired */
};

struct timer_sub {
        struct cimom_events *ev;
        struct cimom_ns *h;
};

struct timer_service {
        struct cimom *cimom;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        bool stop, reload;
        struct timer_sub *subs;
        size_t sub_count, sub_alloc;
        struct timer *timers;            /* the thread's own */
        size_t timer_count, timer_alloc;
};

static void timespec_add_ms(struct timespec *t, int64_t ms)
{
        t->tv_sec += (time_t) (ms / 1000);
        t->tv_nsec += (long) (ms % 1000) * 1000000;
        while (t->tv_nsec >= 1000000000) {
                t->tv_sec++;
                t->tv_nsec -= 1000000000;
        }
        while (t->tv_nsec < 0) {
                t->tv_sec--;
                t->tv_nsec += 1000000000;
        }
}

static bool reached(const struct timespec *now, const struct timespec *t)
{
        return now->tv_sec > t->tv_sec || (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

static int64_t ms_between(const struct timespec *from, const struct timespec *to)
{
        return (int64_t) (to->tv_sec - from->tv_sec) * 1000 + (to->tv_nsec - from->tv_nsec) / 1000000;
}

static void timers_clear(struct timer_service *s)
{
        for (size_t i = 0; i < s->timer_count; i++) {
                owmi_free(s->timers[i].ns);
                owmi_free(s->timers[i].id);
        }
        s->timer_count = 0;
}

struct load {
        struct timer_service *s;
        const char *ns;
        struct timer *old;               /* the timers before: intervals keep their phase */
        size_t old_count;
};

static const struct timer *old_timer(const struct load *l, const char *id)
{
        for (size_t i = 0; i < l->old_count; i++)
                if (!owmi_strcasecmp(l->old[i].ns, l->ns) && !owmi_strcasecmp(l->old[i].id, id))
                        return &l->old[i];
        return NULL;
}

static int load_instruction(struct cim_object *obj, void *userdata)
{
        struct load *l = userdata;
        struct timer_service *s = l->s;
        const struct cim_property *id = cim_object_find_property(obj, "TimerId");
        const struct cim_property *interval = cim_object_find_property(obj, "IntervalBetweenEvents");
        const struct cim_property *at = cim_object_find_property(obj, "EventDateTime");
        const struct cim_property *skip = cim_object_find_property(obj, "SkipIfPassed");
        struct timespec now;
        struct timer t = { 0 };
        const struct timer *before;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!id || id->value.is_null || OWMI_GROW(s->timers, s->timer_alloc, s->timer_count + 1) < 0)
                goto out;
        before = old_timer(l, id->value.v.string);
        if (interval && !interval->value.is_null && interval->value.v.u64 > 0) {
                t.interval_ms = interval->value.v.u64;
                if (before && before->interval_ms == t.interval_ms) {
                        t.next = before->next;
                } else {
                        t.next = now;
                        timespec_add_ms(&t.next, (int64_t) t.interval_ms);
                }
        } else if (at && !at->value.is_null && !at->value.v.datetime.interval) {
                struct timespec real;
                int64_t usec;

                if (cim_datetime_to_unix_usec(&at->value.v.datetime, &usec) < 0)
                        goto out;
                clock_gettime(CLOCK_REALTIME, &real);
                t.next = now;
                timespec_add_ms(&t.next, usec / 1000 - ((int64_t) real.tv_sec * 1000 +
                                                        real.tv_nsec / 1000000));
                t.done = (before && before->done) ||
                         (!reached(&t.next, &now) ? false :
                          skip && !skip->value.is_null && skip->value.v.boolean);
        } else {
                goto out;               /* no interval, no time: never fires */
        }
        t.ns = owmi_strdup(l->ns);
        t.id = owmi_strdup(id->value.v.string);
        if (t.ns && t.id) {
                s->timers[s->timer_count++] = t;
        } else {
                owmi_free(t.ns);
                owmi_free(t.id);
        }
out:
        cim_object_free(obj);
        return 0;
}

/* Read the timer instructions of every namespace someone listens in. */
static void timers_load(struct timer_service *s)
{
        struct timer *old = s->timers;
        size_t old_count = s->timer_count;

        s->timers = NULL;
        s->timer_count = s->timer_alloc = 0;
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->sub_count; i++) {
                struct cimom_ns *h = s->subs[i].h;
                bool seen = false;
                struct load l = { s, h->ns, old, old_count };

                for (size_t j = 0; j < i && !seen; j++)
                        seen = !owmi_strcasecmp(s->subs[j].h->ns, h->ns);
                if (seen)
                        continue;
                /* the service lock keeps h alive; reading takes no lock of ours */
                cimom_enum_instances(h, "__TimerInstruction", true, load_instruction, &l, NULL);
        }
        pthread_mutex_unlock(&s->lock);
        for (size_t i = 0; i < old_count; i++) {
                owmi_free(old[i].ns);
                owmi_free(old[i].id);
        }
        owmi_free(old);
}

/* Raise a __TimerEvent of t to every subscriber in its namespace. */
static void fire(struct timer_service *s, const struct timer *t, uint32_t firings)
{
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->sub_count; i++) {
                struct cim_object *event = NULL;
                struct cim_value v;

                if (owmi_strcasecmp(s->subs[i].h->ns, t->ns) != 0 ||
                    cimom_spawn_instance(s->subs[i].h, "__TimerEvent", &event, NULL) < 0)
                        continue;
                if (cim_value_set_string(&v, CIM_TYPE_STRING, t->id) < 0 ||
                    cim_object_set_value(event, "TimerId", &v, NULL) < 0) {
                        cim_value_release(&v);
                        cim_object_free(event);
                        continue;
                }
                cim_value_release(&v);
                cim_value_set_uint(&v, CIM_TYPE_UINT32, firings);
                cim_object_set_value(event, "NumFirings", &v, NULL);
                cim_value_set_uint(&v, CIM_TYPE_UINT64, cimom_filetime_now());
                cim_object_set_value(event, "TIME_CREATED", &v, NULL);
                cimom_events_offer(s->subs[i].ev, event);
        }
        pthread_mutex_unlock(&s->lock);
}

static void *timers_main(void *arg)
{
        struct timer_service *s = arg;

        pthread_mutex_lock(&s->lock);
        while (!s->stop) {
                struct timespec now, wake;

                if (s->reload) {
                        s->reload = false;
                        pthread_mutex_unlock(&s->lock);
                        timers_load(s);
                        pthread_mutex_lock(&s->lock);
                        continue;
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                for (size_t i = 0; i < s->timer_count; i++) {
                        struct timer *t = &s->timers[i];
                        uint32_t firings = 1;

                        if (t->done || !reached(&now, &t->next))
                                continue;
                        if (t->interval_ms) {
                                int64_t late = ms_between(&t->next, &now);

                                /* firings the machine could not raise on time */
                                firings += (uint32_t) (late / (int64_t) t->interval_ms);
                                timespec_add_ms(&t->next, (int64_t) t->interval_ms * firings);
                        } else {
                                t->done = true;
                        }
                        pthread_mutex_unlock(&s->lock);
                        fire(s, t, firings);
                        pthread_mutex_lock(&s->lock);
                }
                if (s->stop || s->reload)
                        continue;
                /* sleep until the next firing, or a change */
                wake = now;
                wake.tv_sec += 3600;
                for (size_t i = 0; i < s->timer_count; i++) {
                        if (!s->timers[i].done && !reached(&s->timers[i].next, &wake))
                                wake = s->timers[i].next;
                }
                pthread_cond_timedwait(&s->wake, &s->lock, &wake);
        }
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

int cimom_timers_join(struct cimom_events *ev, struct cimom_ns *h, struct owmi_error *err)
{
        struct cimom *cimom = h->cimom;
        struct timer_service *s;
        int r = 0;

        pthread_mutex_lock(&cimom->pollers_lock);
        s = cimom->timers;
        if (!s) {
                pthread_condattr_t attr;

                s = owmi_calloc(1, sizeof(*s));
                if (!s) {
                        pthread_mutex_unlock(&cimom->pollers_lock);
                        return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                }
                s->cimom = cimom;
                pthread_mutex_init(&s->lock, NULL);
                pthread_condattr_init(&attr);
                pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
                pthread_cond_init(&s->wake, &attr);
                pthread_condattr_destroy(&attr);
                s->reload = true;
                r = -pthread_create(&s->thread, NULL, timers_main, s);
                if (r < 0) {
                        pthread_cond_destroy(&s->wake);
                        pthread_mutex_destroy(&s->lock);
                        owmi_free(s);
                        pthread_mutex_unlock(&cimom->pollers_lock);
                        return owmi_error_set(err, OWMI_E_FAILED, "cannot start the timers: %s",
                                              strerror(-r));
                }
                cimom->timers = s;
        }
        pthread_mutex_lock(&s->lock);
        if (OWMI_GROW(s->subs, s->sub_alloc, s->sub_count + 1) < 0) {
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        } else {
                s->subs[s->sub_count].ev = ev;
                s->subs[s->sub_count].h = h;
                s->sub_count++;
                /* its namespace's timers may not be loaded yet */
                s->reload = true;
                pthread_cond_signal(&s->wake);
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&cimom->pollers_lock);
        return r;
}

void cimom_timers_leave(struct cimom_events *ev, struct cimom *cimom)
{
        struct timer_service *s;
        bool last;

        pthread_mutex_lock(&cimom->pollers_lock);
        s = cimom->timers;
        if (!s) {
                pthread_mutex_unlock(&cimom->pollers_lock);
                return;
        }
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->sub_count; i++) {
                if (s->subs[i].ev == ev) {
                        s->subs[i] = s->subs[--s->sub_count];
                        break;
                }
        }
        last = s->sub_count == 0;
        if (last) {
                s->stop = true;
                pthread_cond_signal(&s->wake);
                cimom->timers = NULL;
        }
        pthread_mutex_unlock(&s->lock);
        pthread_mutex_unlock(&cimom->pollers_lock);
        if (last) {
                pthread_join(s->thread, NULL);
                timers_clear(s);
                owmi_free(s->timers);
                owmi_free(s->subs);
                pthread_cond_destroy(&s->wake);
                pthread_mutex_destroy(&s->lock);
                owmi_free(s);
        }
}

void cimom_timers_changed(struct cimom *cimom)
{
        pthread_mutex_lock(&cimom->pollers_lock);
        if (cimom->timers) {
                pthread_mutex_lock(&cimom->timers->lock);
                cimom->timers->reload = true;
                pthread_cond_signal(&cimom->timers->wake);
                pthread_mutex_unlock(&cimom->timers->lock);
        }
        pthread_mutex_unlock(&cimom->pollers_lock);
}
