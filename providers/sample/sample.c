/* SPDX-License-Identifier: MIT */
/*
 * sample.c: an OpenWMI provider written only against
 * <openwmi/provider.h>, to show how one is made and to test the object
 * manager with a real plug-in.  It keeps named counters in memory
 * (Sample_Counter: enumerate, get, create, modify, delete, an instance
 * method and two static ones), relates neighbouring counters
 * (Sample_CounterPair, an association), skips its costly Checksum
 * property when the query does not need it, and answers Sample_Broken
 * with garbage on purpose.  Its MOF is sample.mof beside this file.
 */
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openwmi/provider.h>

#define MAX_COUNTERS 256
#define NAME_MAX_LEN 64

struct counter {
        char name[NAME_MAX_LEN];
        uint64_t value;
        uint32_t step;
        int64_t updated_usec;
};

struct sample {
        const struct owmi_host *host;
        pthread_mutex_t lock;
        struct counter counters[MAX_COUNTERS];
        size_t count;
        uint64_t checksums;          /* times Checksum was computed */
        /* subscribers' channels; events_lock is held while raising, so a
         * disable waits for an event in flight */
        pthread_mutex_t events_lock;
        owmi_events *channels[8];
        size_t channel_count;
        owmi_events *instance_channels[8];   /* Sample_Counter's creations, deletions */
        size_t instance_channel_count;
};

static int64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct counter *find(struct sample *s, const char *name)
{
        for (size_t i = 0; i < s->count; i++)
                if (strcasecmp(s->counters[i].name, name) == 0)
                        return &s->counters[i];
        return NULL;
}

/* Deliberately slow, so skipping it shows in a benchmark. */
static uint64_t checksum(const struct counter *c)
{
        uint64_t h = 1469598103934665603ull;

        for (int round = 0; round < 20000; round++)
                for (const char *p = c->name; *p; p++)
                        h = (h ^ (unsigned char) *p ^ c->value) * 1099511628211ull;
        return h;
}

static bool count_checksum(struct sample *s)
{
        pthread_mutex_lock(&s->lock);
        s->checksums++;
        pthread_mutex_unlock(&s->lock);
        return true;
}

/* A copy of the counters, so results are posted without the lock held. */
static size_t snapshot(struct sample *s, struct counter *out)
{
        size_t n;

        pthread_mutex_lock(&s->lock);
        n = s->count;
        memcpy(out, s->counters, n * sizeof(out[0]));
        pthread_mutex_unlock(&s->lock);
        return n;
}

static int sample_init(const struct owmi_host *host, void **ret_state)
{
        static const char *const names[] = { "alpha", "beta", "gamma" };
        struct sample *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->host = host;
        pthread_mutex_init(&s->lock, NULL);
        {
                /* recursive: a subscriber may call a method that raises again */
                pthread_mutexattr_t attr;

                pthread_mutexattr_init(&attr);
                pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
                pthread_mutex_init(&s->events_lock, &attr);
                pthread_mutexattr_destroy(&attr);
        }
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                struct counter *c = &s->counters[s->count++];

                snprintf(c->name, sizeof(c->name), "%s", names[i]);
                c->value = 10 * (i + 1);
                c->step = 1;
                c->updated_usec = now_usec();
        }
        *ret_state = s;
        return 0;
}

static void sample_fini(void *state)
{
        struct sample *s = state;

        pthread_mutex_destroy(&s->lock);
        pthread_mutex_destroy(&s->events_lock);
        free(s);
}

/* Called without the lock: post() may call back into this provider
 * (an association walk asks for the instances a pair points at). */
static int post_counter(struct sample *s, owmi_request *req, const struct counter *c)
{
        const struct owmi_host *h = s->host;
        owmi_instance *inst = h->instance_new(req, "Sample_Counter");

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a Sample_Counter");
        if (h->set_string(inst, "Name", c->name) < 0 || h->set_uint(inst, "Value", c->value) < 0 ||
            h->set_uint(inst, "Step", c->step) < 0 ||
            h->set_datetime(inst, "Updated", c->updated_usec, 0) < 0 ||
            (h->wants_property(req, "Checksum") && count_checksum(s) &&
             h->set_uint(inst, "Checksum", checksum(c)) < 0)) {
                h->instance_free(inst);
                return h->error(req, OWMI_E_FAILED, "cannot fill counter '%s'", c->name);
        }
        return h->post(req, inst);
}

static int post_pair(struct sample *s, owmi_request *req, const struct counter *a,
                     const struct counter *b)
{
        const struct owmi_host *h = s->host;
        owmi_instance *inst = h->instance_new(req, "Sample_CounterPair");
        char left[128], right[128];

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a Sample_CounterPair");
        snprintf(left, sizeof(left), "Sample_Counter.Name=\"%.63s\"", a->name);
        snprintf(right, sizeof(right), "Sample_Counter.Name=\"%.63s\"", b->name);
        if (h->set_reference(inst, "Left", left) < 0 || h->set_reference(inst, "Right", right) < 0) {
                h->instance_free(inst);
                return h->error(req, OWMI_E_FAILED, "cannot fill a pair");
        }
        return h->post(req, inst);
}

static int by_name(const void *a, const void *b)
{
        return strcasecmp(((const struct counter *) a)->name, ((const struct counter *) b)->name);
}

static int sample_enumerate(void *state, owmi_request *req, const char *class_name)
{
        struct sample *s = state;
        const struct owmi_host *h = s->host;
        int r = 0;

        if (strcasecmp(class_name, "Sample_Broken") == 0) {
                /* what a buggy provider might do: the object manager must cope */
                owmi_instance *wrong = h->instance_new(req, "Sample_Counter");
                owmi_instance *keyless = h->instance_new(req, "Sample_Broken");

                if (wrong && h->set_string(wrong, "Name", "wrong-class") == 0)
                        h->post(req, wrong);
                else
                        h->instance_free(wrong);
                h->post(req, keyless);
                return 0;
        }
        if (strcasecmp(class_name, "Sample_Counter") == 0) {
                struct counter copy[MAX_COUNTERS];
                size_t n = snapshot(s, copy);

                for (size_t i = 0; i < n && r == 0; i++)
                        r = post_counter(s, req, &copy[i]);
        } else if (strcasecmp(class_name, "Sample_CounterPair") == 0) {
                struct counter sorted[MAX_COUNTERS];
                size_t n = snapshot(s, sorted);

                qsort(sorted, n, sizeof(sorted[0]), by_name);
                for (size_t i = 0; i + 1 < n && r == 0; i++)
                        r = post_pair(s, req, &sorted[i], &sorted[i + 1]);
        } else {
                r = h->error(req, OWMI_E_INVALID_CLASS, "the sample provider has no class '%s'",
                             class_name);
        }
        /* post() != 0: the caller stopped; that is not our error */
        return r < 0 ? r : 0;
}

static int sample_get(void *state, owmi_request *req, const owmi_instance *keys)
{
        struct sample *s = state;
        const struct owmi_host *h = s->host;
        const char *name;
        struct counter *c, found;
        int r;

        if (strcasecmp(h->class_name(keys), "Sample_Counter") != 0)
                return h->error(req, OWMI_E_NOT_SUPPORTED, "get is only for Sample_Counter");
        if (h->get_string(keys, "Name", &name) < 0)
                return h->error(req, OWMI_E_INVALID_OBJECT_PATH, "Name is required");
        pthread_mutex_lock(&s->lock);
        c = find(s, name);
        if (c)
                found = *c;
        pthread_mutex_unlock(&s->lock);
        r = c ? post_counter(s, req, &found) : h->error(req, OWMI_E_NOT_FOUND, "no counter '%s'",
                                                        name);
        return r < 0 ? r : 0;
}

/* __InstanceCreationEvent or __InstanceDeletionEvent of a counter to every
 * subscriber of Sample_Counter's instance events. */
static void raise_instance(struct sample *s, const char *event_class, const struct counter *c)
{
        const struct owmi_host *h = s->host;

        pthread_mutex_lock(&s->events_lock);
        for (size_t i = 0; i < s->instance_channel_count; i++) {
                owmi_events *ch = s->instance_channels[i];
                owmi_instance *ev = h->event_new(ch, event_class);
                owmi_instance *target = h->event_object_new(ch, "Sample_Counter");

                if (ev && target) {
                        h->set_string(target, "Name", c->name);
                        h->set_uint(target, "Value", c->value);
                        h->set_uint(target, "Step", c->step);
                        h->set_datetime(target, "Updated", c->updated_usec, 0);
                        h->set_object(ev, "TargetInstance", target);
                        h->raise(ch, ev);
                        ev = NULL;
                }
                h->instance_free(ev);
                h->instance_free(target);
        }
        pthread_mutex_unlock(&s->events_lock);
}

static int sample_put(void *state, owmi_request *req, const owmi_instance *inst, unsigned flags)
{
        struct sample *s = state;
        const struct owmi_host *h = s->host;
        const char *name;
        uint64_t value = 0, step = 1;
        struct counter *c, made;
        bool created = false;
        int r = 0;

        if (strcasecmp(h->class_name(inst), "Sample_Counter") != 0)
                return h->error(req, OWMI_E_NOT_SUPPORTED, "put is only for Sample_Counter");
        if (h->get_string(inst, "Name", &name) < 0 || !name[0] || strlen(name) >= NAME_MAX_LEN)
                return h->error(req, OWMI_E_INVALID_PARAMETER, "a Name of 1 to %d characters is "
                                "required", NAME_MAX_LEN - 1);
        h->get_uint(inst, "Value", &value);
        if (h->get_uint(inst, "Step", &step) == 0 && (step == 0 || step > UINT32_MAX))
                return h->error(req, OWMI_E_VALUE_OUT_OF_RANGE, "Step must be 1 to 4294967295");
        pthread_mutex_lock(&s->lock);
        c = find(s, name);
        if (c && (flags & OWMI_PUT_CREATE_ONLY))
                r = h->error(req, OWMI_E_ALREADY_EXISTS, "counter '%s' exists", name);
        else if (!c && (flags & OWMI_PUT_UPDATE_ONLY))
                r = h->error(req, OWMI_E_NOT_FOUND, "no counter '%s'", name);
        else if (!c && s->count == MAX_COUNTERS)
                r = h->error(req, OWMI_E_QUOTA_VIOLATION, "at most %d counters", MAX_COUNTERS);
        if (r == 0) {
                if (!c) {
                        c = &s->counters[s->count++];
                        snprintf(c->name, sizeof(c->name), "%s", name);
                        created = true;
                }
                c->value = value;
                c->step = (uint32_t) step;
                c->updated_usec = now_usec();
                made = *c;
        }
        pthread_mutex_unlock(&s->lock);
        /* raised without the lock: a subscriber may call back */
        if (created)
                raise_instance(s, "__InstanceCreationEvent", &made);
        return r;
}

static int sample_remove(void *state, owmi_request *req, const owmi_instance *keys)
{
        struct sample *s = state;
        const struct owmi_host *h = s->host;
        const char *name;
        struct counter *c, gone;
        int r = 0;

        if (h->get_string(keys, "Name", &name) < 0)
                return h->error(req, OWMI_E_INVALID_OBJECT_PATH, "Name is required");
        pthread_mutex_lock(&s->lock);
        c = find(s, name);
        if (!c) {
                r = h->error(req, OWMI_E_NOT_FOUND, "no counter '%s'", name);
        } else {
                gone = *c;
                *c = s->counters[--s->count];
        }
        pthread_mutex_unlock(&s->lock);
        if (r == 0)
                raise_instance(s, "__InstanceDeletionEvent", &gone);
        return r;
}

/* Sample_CounterEvent to every subscriber: a counter changed. */
static void raise_changed(struct sample *s, const char *name, uint64_t value)
{
        const struct owmi_host *h = s->host;

        pthread_mutex_lock(&s->events_lock);
        for (size_t i = 0; i < s->channel_count; i++) {
                owmi_instance *ev = h->event_new(s->channels[i], "Sample_CounterEvent");

                if (!ev)
                        continue;
                h->set_string(ev, "Name", name);
                h->set_uint(ev, "Value", value);
                h->raise(s->channels[i], ev);
        }
        pthread_mutex_unlock(&s->events_lock);
}

static int sample_enable_events(void *state, owmi_events *events, const char *class_name,
                                int enable)
{
        struct sample *s = state;
        int r = 0;

        owmi_events **list;
        size_t *count;

        if (strcasecmp(class_name, "Sample_CounterEvent") == 0) {
                list = s->channels;
                count = &s->channel_count;
        } else if (strcasecmp(class_name, "Sample_Counter") == 0) {
                list = s->instance_channels;
                count = &s->instance_channel_count;
        } else {
                return -EINVAL;
        }
        pthread_mutex_lock(&s->events_lock);
        if (enable) {
                if (*count == 8)
                        r = -EBUSY;
                else
                        list[(*count)++] = events;
        } else {
                for (size_t i = 0; i < *count; i++)
                        if (list[i] == events)
                                list[i] = list[--(*count)];
        }
        pthread_mutex_unlock(&s->events_lock);
        return r;
}

static int sample_exec_method(void *state, owmi_request *req, const char *class_name,
                              const owmi_instance *target, const char *method,
                              const owmi_instance *in, owmi_instance *out)
{
        struct sample *s = state;
        const struct owmi_host *h = s->host;
        char changed[NAME_MAX_LEN] = "";
        uint64_t changed_value = 0;
        int r = 0;

        (void) class_name;
        pthread_mutex_lock(&s->lock);
        if (strcasecmp(method, "Increment") == 0) {
                const char *name = NULL;
                uint64_t by = 0;
                struct counter *c;

                if (h->get_string(target, "Name", &name) < 0 || !(c = find(s, name))) {
                        r = h->error(req, OWMI_E_NOT_FOUND, "no counter '%s'", name ? name : "");
                } else {
                        if (!in || h->get_uint(in, "By", &by) < 0)
                                by = c->step;
                        h->set_uint(out, "Previous", c->value);
                        c->value += by;
                        c->updated_usec = now_usec();
                        h->set_uint(out, "ReturnValue", c->value);
                        snprintf(changed, sizeof(changed), "%s", c->name);
                        changed_value = c->value;
                }
        } else if (strcasecmp(method, "ResetAll") == 0) {
                for (size_t i = 0; i < s->count; i++)
                        s->counters[i].value = 0;
                h->set_uint(out, "ReturnValue", s->count);
        } else if (strcasecmp(method, "Stats") == 0 || strcasecmp(method, "Profile") == 0) {
                h->set_uint(out, "ChecksumsComputed", s->checksums);
                h->set_uint(out, "ReturnValue", 0);
        } else {
                r = h->error(req, OWMI_E_INVALID_METHOD, "no method '%s'", method);
        }
        pthread_mutex_unlock(&s->lock);
        if (changed[0])
                raise_changed(s, changed, changed_value);
        return r;
}

static const struct owmi_provider sample_provider = {
        .abi = OWMI_PROVIDER_ABI,
        .name = "Sample",
        .init = sample_init,
        .fini = sample_fini,
        .enumerate = sample_enumerate,
        .get = sample_get,
        .put = sample_put,
        .remove = sample_remove,
        .exec_method = sample_exec_method,
        .enable_events = sample_enable_events,
};

__attribute__((visibility("default")))
const struct owmi_provider *owmi_provider_entry(unsigned abi);

const struct owmi_provider *owmi_provider_entry(unsigned abi)
{
        return abi == OWMI_PROVIDER_ABI ? &sample_provider : NULL;
}
