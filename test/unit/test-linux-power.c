/* SPDX-License-Identifier: MIT */
/*
 * test-linux-power.c: Win32_PowerManagementEvent from logind's
 * PrepareForSleep signal, on a real private dbus-daemon where this test
 * takes logind's name and says what logind says before and after a
 * suspend.  The same signal from anyone else is not believed.
 */
#include <errno.h>
#include <pthread.h>
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

#include "base/util.h"
#include "cimom/cimom.h"
#include "test-util.h"
#include "test-cimom-util.h"
#include "test-bus.h"

static struct cimom *cimom;
static struct cimom_ns *ns;
static struct test_bus bus;

static int setup(void **state)
{
        if (test_dir_setup(state) < 0)
                return -1;
        if (test_bus_start(&bus, test_dir, false) < 0) {
                fprintf(stderr, "cannot start dbus-daemon\n");
                return -1;
        }
        return test_open_cimv2("power", &cimom, &ns);
}

static int teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        test_bus_stop(&bus);
        return test_dir_teardown(state);
}

/* The event types seen, in order. */
struct seen {
        pthread_mutex_t lock;
        uint64_t types[256];
        size_t count;
};

static int see(struct cim_object *ev, void *userdata)
{
        struct seen *s = userdata;
        const struct cim_property *p = cim_object_find_property(ev, "EventType");

        pthread_mutex_lock(&s->lock);
        if (s->count < 256)
                s->types[s->count++] = p && !p->value.is_null ? p->value.v.u64 : 0;
        pthread_mutex_unlock(&s->lock);
        cim_object_free(ev);
        return 0;
}

static size_t seen_count(struct seen *s)
{
        size_t n;

        pthread_mutex_lock(&s->lock);
        n = s->count;
        pthread_mutex_unlock(&s->lock);
        return n;
}

static void emit(sd_bus *from, int sleeping)
{
        assert_true(sd_bus_emit_signal(from, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                                       "PrepareForSleep", "b", sleeping) >= 0);
        assert_true(sd_bus_flush(from) >= 0);
}

/* Say it as logind until an event arrives (the provider's thread joins
 * the bus on its own time, and a signal before its match is not seen):
 * the number of events then. */
static size_t emit_until_seen(sd_bus *from, int sleeping, struct seen *s, size_t before)
{
        for (int i = 0; i < 500 && seen_count(s) == before; i++) {
                emit(from, sleeping);
                usleep(10000);
        }
        usleep(100000);         /* let any in flight arrive */
        return seen_count(s);
}

static void test_suspend_and_resume(void **state)
{
        struct seen s = { .lock = PTHREAD_MUTEX_INITIALIZER };
        struct cimom_subscription *sub = NULL;
        struct owmi_error err = { 0 };
        sd_bus *logind = NULL, *impostor = NULL;
        size_t entering, after_impostor, total;

        (void) state;
        /* logind first: the provider looks for it when someone subscribes */
        assert_true(sd_bus_open_system(&logind) >= 0);
        assert_true(sd_bus_request_name(logind, "org.freedesktop.login1", 0) >= 0);
        assert_int_equal(cimom_subscribe(ns, "Win32_PowerManagementEvent", see, &s, &sub, &err), 0);

        entering = emit_until_seen(logind, 1, &s, 0);
        assert_true(entering > 0);
        for (size_t i = 0; i < entering; i++)
                assert_int_equal(s.types[i], 4);        /* Entering Suspend */

        /* the same signal from someone who is not logind changes nothing */
        assert_true(sd_bus_open_system(&impostor) >= 0);
        for (int i = 0; i < 5; i++)
                emit(impostor, 1);
        usleep(200000);
        after_impostor = seen_count(&s);
        assert_int_equal(after_impostor, entering);

        total = emit_until_seen(logind, 0, &s, after_impostor);
        assert_true(total > after_impostor);
        for (size_t i = after_impostor; i < total; i++)
                assert_int_equal(s.types[i], 7);        /* Resume From Suspend */

        cimom_unsubscribe(sub);
        /* unsubscribed: nothing more arrives */
        emit(logind, 1);
        usleep(100000);
        assert_int_equal(seen_count(&s), total);
        sd_bus_flush_close_unref(impostor);
        sd_bus_flush_close_unref(logind);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_suspend_and_resume),
        };

        return cmocka_run_group_tests_name("linux-power", tests, setup, teardown);
}
