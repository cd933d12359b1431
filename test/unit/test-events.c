/* SPDX-License-Identifier: MIT */
/*
 * test-events.c: ExecNotificationQuery.  Intrinsic events on a repository
 * class (instances the test creates, changes and deletes: raised by the
 * writes themselves) and by polling on a provider's class (the sample
 * provider's counters), filtered by
 * their WHERE; extrinsic events from the sample provider; the errors WMI
 * gives for queries it will not run; a timeout; a queue that overflows
 * and says how much it dropped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cimom/cimom.h"
#include "test-util.h"
#include "test-cimom-util.h"

static struct cimom *cimom;
static struct cimom_ns *ns;

static const char things[] =
        "class Test_Thing { [key] string Name; uint32 Size; };\n"
        "class Test_BigThing : Test_Thing { };\n";

static int setup(void **state)
{
        if (test_dir_setup(state) < 0)
                return -1;
        return test_open_sample("events", things, &cimom, &ns);
}

static int teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        return test_dir_teardown(state);
}

static struct cimom_events *subscribe(const char *query, size_t queue_max)
{
        struct cimom_events_options opts = { .queue_max = queue_max };
        struct cimom_events *ev = NULL;
        struct owmi_error err = { 0 };

        if (cimom_exec_notification_query(ns, "WQL", query, &opts, &ev, &err) < 0)
                fail_msg("%s: %s", query, err.message);
        return ev;
}

static void put_thing(const char *class_name, const char *name, uint32_t size)
{
        struct cim_object *inst = NULL;
        struct owmi_error err = { 0 };
        struct cim_value v;
        char *path = NULL;

        assert_int_equal(cimom_spawn_instance(ns, class_name, &inst, &err), 0);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, name), 0);
        assert_int_equal(cim_object_set_value(inst, "Name", &v, &err), 0);
        cim_value_release(&v);
        cim_value_set_uint(&v, CIM_TYPE_UINT32, size);
        assert_int_equal(cim_object_set_value(inst, "Size", &v, &err), 0);
        if (cimom_put_instance(ns, inst, 0, NULL, 0, &path, &err) < 0)
                fail_msg("put %s: %s", name, err.message);
        owmi_free(path);
        cim_object_free(inst);
}

static void delete_thing(const char *name)
{
        struct owmi_error err = { 0 };
        char path[128];

        snprintf(path, sizeof(path), "Test_Thing.Name=\"%s\"", name);
        if (cimom_delete_instance(ns, path, &err) < 0)
                fail_msg("delete %s: %s", name, err.message);
}

/* The next event (within 3 s), or a failed test. */
static struct cim_object *next(struct cimom_events *ev)
{
        struct cim_object *event = NULL;
        struct owmi_error err = { 0 };

        if (cimom_events_next(ev, 3000, &event, &err) < 0)
                fail_msg("no event: %s", err.message);
        return event;
}

static const struct cim_object *embedded(const struct cim_object *event, const char *name)
{
        const struct cim_property *p = cim_object_find_property(event, name);

        if (!p || p->value.is_null || p->value.type != CIM_TYPE_OBJECT)
                fail_msg("%s has no %s", event->class_name, name);
        return p->value.v.object;
}

static const char *text(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        return p && !p->value.is_null ? p->value.v.string : NULL;
}

static uint64_t number(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        if (!p || p->value.is_null)
                fail_msg("%s has no %s", obj->class_name, name);
        return p->value.v.u64;
}

static void test_repository_class(void **state)
{
        struct cimom_events *all, *created_b;
        struct cim_object *event;
        const struct cim_object *target;

        (void) state;
        all = subscribe("SELECT * FROM __InstanceOperationEvent WITHIN 0.1 "
                        "WHERE TargetInstance ISA 'Test_Thing'", 0);
        created_b = subscribe("SELECT * FROM __InstanceCreationEvent WITHIN 0.1 "
                              "WHERE TargetInstance ISA 'Test_Thing' AND TargetInstance.Name = 'b'", 0);

        put_thing("Test_Thing", "a", 1);
        event = next(all);
        assert_string_equal(event->class_name, "__InstanceCreationEvent");
        target = embedded(event, "TargetInstance");
        assert_string_equal(target->class_name, "Test_Thing");
        assert_string_equal(text(target, "Name"), "a");
        /* TIME_CREATED: 100-ns ticks since 1601, after 2020 */
        assert_true(number(event, "TIME_CREATED") > 132223104000000000ull);
        cim_object_free(event);

        /* a subclass's instance is a Test_Thing too (ISA) */
        put_thing("Test_BigThing", "b", 2);
        event = next(all);
        assert_string_equal(embedded(event, "TargetInstance")->class_name, "Test_BigThing");
        cim_object_free(event);
        event = next(created_b);
        assert_string_equal(text(embedded(event, "TargetInstance"), "Name"), "b");
        cim_object_free(event);

        /* a change: the instance after and before */
        put_thing("Test_Thing", "a", 10);
        event = next(all);
        assert_string_equal(event->class_name, "__InstanceModificationEvent");
        assert_int_equal(number(embedded(event, "TargetInstance"), "Size"), 10);
        assert_int_equal(number(embedded(event, "PreviousInstance"), "Size"), 1);
        cim_object_free(event);

        delete_thing("a");
        event = next(all);
        assert_string_equal(event->class_name, "__InstanceDeletionEvent");
        assert_string_equal(text(embedded(event, "TargetInstance"), "Name"), "a");
        cim_object_free(event);

        /* created_b saw only b: nothing else is waiting */
        {
                struct owmi_error err = { 0 };

                assert_true(cimom_events_next(created_b, 300, &event, &err) < 0);
                assert_int_equal(err.code, OWMI_E_EVENT_TIMED_OUT);
                assert_null(event);
        }
        cimom_events_close(all);
        cimom_events_close(created_b);
        delete_thing("b");
}

/* A class the repository holds needs no polling: its events are raised
 * by the writes themselves, there when the write returns. */
static void test_repository_pushes(void **state)
{
        struct cimom_events *ev = subscribe("SELECT * FROM __InstanceOperationEvent "
                                            "WHERE TargetInstance ISA 'Test_Thing'", 0);
        struct cim_object *event = NULL;
        struct owmi_error err = { 0 };

        (void) state;
        put_thing("Test_Thing", "quick", 1);
        put_thing("Test_Thing", "quick", 2);
        put_thing("Test_Thing", "quick", 2);     /* the same again: no modification */
        delete_thing("quick");
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "__InstanceCreationEvent");
        cim_object_free(event);
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "__InstanceModificationEvent");
        assert_int_equal(number(embedded(event, "PreviousInstance"), "Size"), 1);
        cim_object_free(event);
        /* an instance created and deleted between two polls is still seen */
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "__InstanceDeletionEvent");
        assert_int_equal(number(embedded(event, "TargetInstance"), "Size"), 2);
        cim_object_free(event);
        assert_true(cimom_events_next(ev, 0, &event, &err) < 0);
        assert_int_equal(err.code, OWMI_E_EVENT_TIMED_OUT);
        cimom_events_close(ev);
}

/* A provider's class is polled: Increment changes a counter. */
static void test_provider_class(void **state)
{
        struct cimom_events *ev = subscribe("SELECT * FROM __InstanceModificationEvent WITHIN 0.1 "
                                            "WHERE TargetInstance ISA 'Sample_Counter' AND "
                                            "TargetInstance.Value > PreviousInstance.Value", 0);
        struct cim_object *out = NULL, *event;
        struct owmi_error err = { 0 };
        uint64_t before;

        (void) state;
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='alpha'", "Increment", NULL,
                                           &out, &err), 0);
        before = number(out, "Previous");
        cim_object_free(out);
        event = next(ev);
        assert_string_equal(text(embedded(event, "TargetInstance"), "Name"), "alpha");
        assert_int_equal(number(embedded(event, "PreviousInstance"), "Value"), before);
        assert_true(number(embedded(event, "TargetInstance"), "Value") > before);
        cim_object_free(event);
        cimom_events_close(ev);
}

static void put_counter(const char *name)
{
        struct cim_object *inst = NULL;
        struct owmi_error err = { 0 };
        struct cim_value v;

        assert_int_equal(cimom_spawn_instance(ns, "Sample_Counter", &inst, &err), 0);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, name), 0);
        assert_int_equal(cim_object_set_value(inst, "Name", &v, &err), 0);
        cim_value_release(&v);
        if (cimom_put_instance(ns, inst, 0, NULL, 0, NULL, &err) < 0)
                fail_msg("put counter %s: %s", name, err.message);
        cim_object_free(inst);
}

/* The sample provider raises its counters' creation and deletion itself
 * (its __EventProviderRegistration says so): no WITHIN, there at once.
 * Their changes it does not raise: with WITHIN those are polled, and each
 * event comes once, from one source. */
static void test_provider_pushes(void **state)
{
        struct cimom_events *created = subscribe("SELECT * FROM __InstanceCreationEvent "
                                                 "WHERE TargetInstance ISA 'Sample_Counter'", 0);
        struct cimom_events *all = subscribe("SELECT * FROM __InstanceOperationEvent WITHIN 0.1 "
                                             "WHERE TargetInstance ISA 'Sample_Counter' AND "
                                             "TargetInstance.Name = 'delta'", 0);
        struct cim_object *out = NULL, *event = NULL;
        struct owmi_error err = { 0 };

        (void) state;
        put_counter("delta");
        assert_int_equal(cimom_events_next(created, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "__InstanceCreationEvent");
        assert_string_equal(text(embedded(event, "TargetInstance"), "Name"), "delta");
        cim_object_free(event);
        event = next(all);
        assert_string_equal(event->class_name, "__InstanceCreationEvent");
        cim_object_free(event);
        /* changes are polled: one poll must have seen delta before it changes */
        usleep(300000);
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='delta'", "Increment", NULL,
                                           &out, &err), 0);
        cim_object_free(out);
        event = next(all);
        assert_string_equal(event->class_name, "__InstanceModificationEvent");
        assert_int_equal(number(embedded(event, "TargetInstance"), "Value"), 1);
        cim_object_free(event);
        assert_int_equal(cimom_delete_instance(ns, "Sample_Counter.Name='delta'", &err), 0);
        event = next(all);
        assert_string_equal(event->class_name, "__InstanceDeletionEvent");
        cim_object_free(event);
        /* the poller saw the creation and the deletion too, and said nothing */
        assert_true(cimom_events_next(all, 400, &event, &err) < 0);
        assert_int_equal(err.code, OWMI_E_EVENT_TIMED_OUT);
        assert_true(cimom_events_next(created, 0, &event, &err) < 0);
        cimom_events_close(created);
        cimom_events_close(all);
}

static void test_extrinsic(void **state)
{
        struct cimom_events *ev = subscribe("SELECT * FROM Sample_CounterEvent WHERE Name = 'beta'",
                                            0);
        struct cim_object *out = NULL, *event;
        struct owmi_error err = { 0 };

        (void) state;
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='gamma'", "Increment", NULL,
                                           &out, &err), 0);
        cim_object_free(out);
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='beta'", "Increment", NULL,
                                           &out, &err), 0);
        cim_object_free(out);
        /* raised at once: no waiting, and gamma's was filtered out */
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "Sample_CounterEvent");
        assert_string_equal(text(event, "Name"), "beta");
        cim_object_free(event);
        assert_true(cimom_events_next(ev, 0, &event, &err) < 0);
        assert_int_equal(err.code, OWMI_E_EVENT_TIMED_OUT);
        cimom_events_close(ev);
}

/* GROUP WITHIN: one __AggregateEvent per group of equal BY values, after
 * the interval, when HAVING holds. */
static void test_aggregation(void **state)
{
        struct cimom_events *ev = subscribe("SELECT * FROM Sample_CounterEvent GROUP WITHIN 1 "
                                            "BY Name HAVING NumberOfEvents > 1", 0);
        struct cimom_events *all = subscribe("SELECT * FROM __InstanceCreationEvent "
                                             "WHERE TargetInstance ISA 'Test_Thing' "
                                             "GROUP WITHIN 1", 0);
        struct cim_object *out = NULL, *event;
        struct owmi_error err = { 0 };
        char name[8];

        (void) state;
        for (int i = 0; i < 3; i++) {
                assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='alpha'", "Increment",
                                                   NULL, &out, &err), 0);
                cim_object_free(out);
        }
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='beta'", "Increment", NULL,
                                           &out, &err), 0);
        cim_object_free(out);
        for (int i = 0; i < 4; i++) {
                snprintf(name, sizeof(name), "g%d", i);
                put_thing("Test_Thing", name, 0);
        }
        /* nothing before the interval is over */
        assert_true(cimom_events_next(ev, 0, &event, &err) < 0);
        assert_int_equal(err.code, OWMI_E_EVENT_TIMED_OUT);
        event = next(ev);
        assert_string_equal(event->class_name, "__AggregateEvent");
        assert_int_equal(number(event, "NumberOfEvents"), 3);
        assert_string_equal(text(embedded(event, "Representative"), "Name"), "alpha");
        cim_object_free(event);
        /* beta's group of one fails HAVING */
        assert_true(cimom_events_next(ev, 700, &event, &err) < 0);
        assert_int_equal(err.code, OWMI_E_EVENT_TIMED_OUT);
        event = next(all);
        assert_int_equal(number(event, "NumberOfEvents"), 4);
        assert_string_equal(embedded(event, "Representative")->class_name, "__InstanceCreationEvent");
        cim_object_free(event);
        cimom_events_close(ev);
        cimom_events_close(all);
        for (int i = 0; i < 4; i++) {
                snprintf(name, sizeof(name), "g%d", i);
                delete_thing(name);
        }
}

static void put_interval_timer(const char *id, uint32_t ms)
{
        struct cim_object *inst = NULL;
        struct owmi_error err = { 0 };
        struct cim_value v;

        assert_int_equal(cimom_spawn_instance(ns, "__IntervalTimerInstruction", &inst, &err), 0);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, id), 0);
        assert_int_equal(cim_object_set_value(inst, "TimerId", &v, &err), 0);
        cim_value_release(&v);
        cim_value_set_uint(&v, CIM_TYPE_UINT32, ms);
        assert_int_equal(cim_object_set_value(inst, "IntervalBetweenEvents", &v, &err), 0);
        if (cimom_put_instance(ns, inst, 0, NULL, 0, NULL, &err) < 0)
                fail_msg("put timer %s: %s", id, err.message);
        cim_object_free(inst);
}

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* Timer instructions make __TimerEvent: one made before the subscription
 * and one after, each at its interval, the WHERE picking one; deleting it
 * stops it. */
static void test_timers(void **state)
{
        struct cimom_events *fast, *slow;
        struct cim_object *event = NULL;
        struct owmi_error err = { 0 };
        double start, elapsed;

        (void) state;
        put_interval_timer("fast", 100);
        fast = subscribe("SELECT * FROM __TimerEvent WHERE TimerId = 'fast'", 0);
        slow = subscribe("SELECT * FROM __TimerEvent WHERE TimerId = 'slow'", 0);
        put_interval_timer("slow", 300);        /* made while listening */
        start = now_ms();
        for (int i = 0; i < 4; i++) {
                event = next(fast);
                assert_string_equal(event->class_name, "__TimerEvent");
                assert_string_equal(text(event, "TimerId"), "fast");
                assert_true(number(event, "NumFirings") >= 1);
                cim_object_free(event);
        }
        elapsed = now_ms() - start;
        /* four firings 100 ms apart: not sooner, and not much later */
        assert_true(elapsed >= 250);
        assert_true(elapsed < 2000);
        event = next(slow);
        assert_string_equal(text(event, "TimerId"), "slow");
        cim_object_free(event);
        /* deleted: it fires no more */
        assert_int_equal(cimom_delete_instance(ns, "__IntervalTimerInstruction.TimerId=\"slow\"",
                                               &err), 0);
        while (cimom_events_next(slow, 0, &event, &err) == 0)
                cim_object_free(event);       /* one may have been on its way */
        assert_true(cimom_events_next(slow, 700, &event, &err) < 0);
        assert_int_equal(err.code, OWMI_E_EVENT_TIMED_OUT);
        cimom_events_close(fast);
        cimom_events_close(slow);
        assert_int_equal(cimom_delete_instance(ns, "__IntervalTimerInstruction.TimerId=\"fast\"",
                                               &err), 0);
}

/* An absolute timer fires once, at its time. */
static void test_absolute_timer(void **state)
{
        struct cimom_events *ev = subscribe("SELECT * FROM __TimerEvent WHERE TimerId = 'once'", 0);
        struct cim_object *inst = NULL, *event = NULL;
        struct owmi_error err = { 0 };
        struct timespec real;
        struct cim_value v;
        double start;

        (void) state;
        clock_gettime(CLOCK_REALTIME, &real);
        assert_int_equal(cimom_spawn_instance(ns, "__AbsoluteTimerInstruction", &inst, &err), 0);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "once"), 0);
        assert_int_equal(cim_object_set_value(inst, "TimerId", &v, &err), 0);
        cim_value_release(&v);
        cim_value_init_null(&v, CIM_TYPE_DATETIME, false);
        assert_int_equal(cim_datetime_from_unix_usec((int64_t) real.tv_sec * 1000000 +
                                                     real.tv_nsec / 1000 + 400000, 0,
                                                     &v.v.datetime), 0);
        v.is_null = false;
        assert_int_equal(cim_object_set_value(inst, "EventDateTime", &v, &err), 0);
        start = now_ms();
        assert_int_equal(cimom_put_instance(ns, inst, 0, NULL, 0, NULL, &err), 0);
        cim_object_free(inst);
        event = next(ev);
        assert_true(now_ms() - start >= 300);
        assert_string_equal(text(event, "TimerId"), "once");
        cim_object_free(event);
        assert_true(cimom_events_next(ev, 600, &event, &err) < 0);
        assert_int_equal(err.code, OWMI_E_EVENT_TIMED_OUT);
        cimom_events_close(ev);
        assert_int_equal(cimom_delete_instance(ns, "__AbsoluteTimerInstruction.TimerId=\"once\"",
                                               &err), 0);
}

/* Class events: the object manager's own class writes raise them. */
static void test_class_events(void **state)
{
        struct cimom_events *ev = subscribe("SELECT * FROM __ClassOperationEvent "
                                            "WHERE TargetClass ISA 'Test_Thing'", 0);
        struct cim_object *cls = cim_object_new_class("Test_NewThing", "Test_Thing");
        struct cim_object *other = cim_object_new_class("Test_Unrelated", NULL);
        struct cim_object *event = NULL;
        struct owmi_error err = { 0 };
        struct cim_property *p;

        (void) state;
        assert_int_equal(cimom_put_class(ns, other, 0, &err), 0);      /* not ISA: not seen */
        assert_int_equal(cimom_put_class(ns, cls, 0, &err), 0);
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "__ClassCreationEvent");
        assert_string_equal(embedded(event, "TargetClass")->class_name, "Test_NewThing");
        cim_object_free(event);
        /* a property more: modified, and the class before */
        p = cim_object_add_property(cls, "Colour");
        p->type = CIM_TYPE_STRING;
        cim_value_init_null(&p->value, CIM_TYPE_STRING, false);
        assert_int_equal(cimom_put_class(ns, cls, 0, &err), 0);
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "__ClassModificationEvent");
        assert_non_null(cim_object_find_property(embedded(event, "TargetClass"), "Colour"));
        assert_null(cim_object_find_property(embedded(event, "PreviousClass"), "Colour"));
        cim_object_free(event);
        assert_int_equal(cimom_delete_class(ns, "Test_NewThing", &err), 0);
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "__ClassDeletionEvent");
        cim_object_free(event);
        assert_true(cimom_events_next(ev, 0, &event, &err) < 0);
        assert_int_equal(err.code, OWMI_E_EVENT_TIMED_OUT);
        assert_int_equal(cimom_delete_class(ns, "Test_Unrelated", &err), 0);
        cim_object_free(cls);
        cim_object_free(other);
        cimom_events_close(ev);
}

/* Namespaces made and removed below the subscriber's namespace. */
static void test_namespace_events(void **state)
{
        struct cimom_events *ev = subscribe("SELECT * FROM __NamespaceOperationEvent", 0);
        struct cimom_events *created = subscribe("SELECT * FROM __NamespaceCreationEvent "
                                                 "WHERE TargetNamespace.Name = 'Test_Ns'", 0);
        struct cim_object *event = NULL;
        struct owmi_error err = { 0 };
        const struct cim_property *name;

        (void) state;
        assert_int_equal(cimom_create_namespace(ns, "Test_Ns", &err), 0);
        assert_int_equal(cimom_create_namespace(ns, "Test_Other", &err), 0);
        assert_int_equal(cimom_delete_namespace(ns, "Test_Ns", &err), 0);
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "__NamespaceCreationEvent");
        name = cim_object_find_property(embedded(event, "TargetNamespace"), "Name");
        assert_string_equal(name->value.v.string, "Test_Ns");
        cim_object_free(event);
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        cim_object_free(event);
        assert_int_equal(cimom_events_next(ev, 0, &event, &err), 0);
        assert_string_equal(event->class_name, "__NamespaceDeletionEvent");
        cim_object_free(event);
        /* the WHERE on the embedded namespace: one of the two creations */
        assert_int_equal(cimom_events_next(created, 0, &event, &err), 0);
        cim_object_free(event);
        assert_int_equal(cimom_events_next(created, 0, &event, &err), (int) -ETIMEDOUT);
        assert_int_equal(cimom_delete_namespace(ns, "Test_Other", &err), 0);
        cimom_events_close(created);
        cimom_events_close(ev);
}

static void test_refused(void **state)
{
        static const struct {
                const char *query;
                uint32_t code;
        } cases[] = {
                /* what a provider does not raise itself is polled: WITHIN is needed */
                { "SELECT * FROM __InstanceModificationEvent WHERE TargetInstance ISA 'Sample_Counter'",
                  OWMI_E_REGISTRATION_TOO_PRECISE },
                { "SELECT * FROM __InstanceOperationEvent WHERE TargetInstance ISA 'Sample_Counter'",
                  OWMI_E_REGISTRATION_TOO_PRECISE },
                { "SELECT * FROM __InstanceCreationEvent WITHIN 1", OWMI_E_REGISTRATION_TOO_BROAD },
                { "SELECT * FROM Test_Thing WITHIN 1", OWMI_E_NOT_EVENT_CLASS },
                { "SELECT * FROM __InstanceCreationEvent WITHIN 0.001 "
                  "WHERE TargetInstance ISA 'Test_Thing'", OWMI_E_INVALID_PARAMETER },
                { "SELECT * FROM __InstanceCreationEvent WITHIN 1 "
                  "WHERE TargetInstance ISA 'No_Such_Class'", OWMI_E_INVALID_CLASS },
                { "SELECT * FROM No_Such_Event", OWMI_E_INVALID_CLASS },
                { "SELEC * FROM __InstanceCreationEvent", OWMI_E_INVALID_QUERY },
        };
        struct cimom_events *ev = NULL;

        (void) state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct owmi_error err = { 0 };

                assert_true(cimom_exec_notification_query(ns, "WQL", cases[i].query, NULL, &ev,
                                                          &err) < 0);
                if (err.code != cases[i].code)
                        fail_msg("%s: 0x%08X, not 0x%08X (%s)", cases[i].query, err.code,
                                 cases[i].code, err.message);
                assert_null(ev);
        }
}

/* A consumer that does not keep up loses the oldest events, and is told. */
static void test_overflow(void **state)
{
        struct cimom_events *ev = subscribe("SELECT * FROM __InstanceCreationEvent WITHIN 0.2 "
                                            "WHERE TargetInstance ISA 'Test_Thing'", 2);
        struct cim_object *event;
        char name[8];

        (void) state;
        for (int i = 0; i < 5; i++) {
                snprintf(name, sizeof(name), "o%d", i);
                put_thing("Test_Thing", name, (uint32_t) i);
        }
        /* two polls later all five were seen, however the puts fell */
        usleep(600000);
        event = next(ev);
        assert_string_equal(event->class_name, "__EventQueueOverflowEvent");
        assert_int_equal(number(event, "NumberDropped"), 3);
        cim_object_free(event);
        /* the two kept are the newest, in key order */
        event = next(ev);
        assert_string_equal(text(embedded(event, "TargetInstance"), "Name"), "o3");
        cim_object_free(event);
        event = next(ev);
        assert_string_equal(text(embedded(event, "TargetInstance"), "Name"), "o4");
        cim_object_free(event);
        cimom_events_close(ev);
        for (int i = 0; i < 5; i++) {
                snprintf(name, sizeof(name), "o%d", i);
                delete_thing(name);
        }
}

static void test_cancel(void **state)
{
        struct cimom_events *ev = subscribe("SELECT * FROM Sample_CounterEvent", 0);
        struct cim_object *event = NULL;
        struct owmi_error err = { 0 };

        (void) state;
        cimom_events_cancel(ev);
        assert_true(cimom_events_next(ev, -1, &event, &err) < 0);
        assert_int_equal(err.code, OWMI_E_CALL_CANCELLED);
        cimom_events_close(ev);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_repository_class),
                cmocka_unit_test(test_repository_pushes),
                cmocka_unit_test(test_provider_class),
                cmocka_unit_test(test_provider_pushes),
                cmocka_unit_test(test_extrinsic),
                cmocka_unit_test(test_aggregation),
                cmocka_unit_test(test_timers),
                cmocka_unit_test(test_absolute_timer),
                cmocka_unit_test(test_class_events),
                cmocka_unit_test(test_namespace_events),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_overflow),
                cmocka_unit_test(test_cancel),
        };

        return cmocka_run_group_tests_name("events", tests, setup, teardown);
}
