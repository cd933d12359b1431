/* SPDX-License-Identifier: MIT */
/*
 * power.c: Win32_PowerManagementEvent from logind.
 *
 * systemd-logind announces a suspend (or hibernation) with the signal
 * org.freedesktop.login1.Manager.PrepareForSleep(true) before the machine
 * sleeps and PrepareForSleep(false) once it is back: WMI's EventType 4
 * (Entering Suspend) and 7 (Resume From Suspend).  While anyone
 * subscribes, a thread listens on the system bus; where there is no bus
 * or no logind (containers, the build machines) it tries again every few
 * seconds, so a logind that starts later is heard, and nothing is ever
 * raised that logind did not say.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "linux.h"

#define POWER_CHANNELS 16
#define POWER_RETRY_MS 5000

/* WMI's EventType values */
enum {
        POWER_ENTERING_SUSPEND = 4,
        POWER_RESUME_SUSPEND = 7,
};

static struct {
        pthread_mutex_t control;      /* start and stop */
        pthread_mutex_t lock;         /* the channels, held while raising */
        owmi_events *channels[POWER_CHANNELS];
        size_t count;
        bool running;
        pthread_t thread;
        int wake_fd;                  /* written to stop the thread */
} power = {
        .control = PTHREAD_MUTEX_INITIALIZER,
        .lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP,
        .wake_fd = -1,
};

static void power_raise(uint16_t event_type)
{
        const struct owmi_host *h = linux_host;

        pthread_mutex_lock(&power.lock);
        for (size_t i = 0; i < power.count; i++) {
                owmi_instance *ev = h->event_new(power.channels[i], "Win32_PowerManagementEvent");

                if (!ev)
                        continue;
                h->set_uint(ev, "EventType", event_type);
                h->raise(power.channels[i], ev);
        }
        pthread_mutex_unlock(&power.lock);
}

static int on_prepare_for_sleep(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        int sleeping = 0;

        (void) userdata;
        (void) error;
        if (sd_bus_message_read(m, "b", &sleeping) >= 0)
                power_raise(sleeping ? POWER_ENTERING_SUSPEND : POWER_RESUME_SUSPEND);
        return 0;
}

/* Listen on bus until it fails (< 0) or the thread is told to stop (0). */
static int power_listen(sd_bus *bus)
{
        int r = sd_bus_match_signal(bus, NULL, "org.freedesktop.login1", "/org/freedesktop/login1",
                                    "org.freedesktop.login1.Manager", "PrepareForSleep",
                                    on_prepare_for_sleep, NULL);

        while (r >= 0) {
                struct pollfd fds[2] = {
                        { .fd = power.wake_fd, .events = POLLIN },
                        { .fd = sd_bus_get_fd(bus) },
                };

                while ((r = sd_bus_process(bus, NULL)) > 0)
                        ;
                if (r < 0)
                        break;
                /* what to wait for is known only once everything is processed */
                fds[1].events = (short) sd_bus_get_events(bus);
                if (poll(fds, 2, -1) < 0 && errno != EINTR)
                        return -errno;
                if (fds[0].revents)
                        return 0;
        }
        return r;
}

static void *power_main(void *arg)
{
        (void) arg;
        for (;;) {
                struct pollfd wake = { .fd = power.wake_fd, .events = POLLIN };
                sd_bus *bus = linux_bus_with("org.freedesktop.login1");
                int r = bus ? power_listen(bus) : -ENOTCONN;

                sd_bus_flush_close_unref(bus);
                if (r == 0)
                        break;
                /* no bus, no logind, or the bus went away: try again later */
                if (poll(&wake, 1, POWER_RETRY_MS) > 0)
                        break;
        }
        return NULL;
}

static int power_start(void)
{
        sigset_t all, old;
        int r;

        power.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (power.wake_fd < 0)
                return -errno;
        /* the thread takes no signal meant for the host process */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = -pthread_create(&power.thread, NULL, power_main, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0) {
                close(power.wake_fd);
                power.wake_fd = -1;
                return r;
        }
        power.running = true;
        return 0;
}

static void power_stop(void)
{
        uint64_t one = 1;

        if (!power.running)
                return;
        if (write(power.wake_fd, &one, sizeof(one)) < 0)
                linux_host->log(OWMI_LOG_WARNING, "cannot stop the power event thread: %s",
                                strerror(errno));
        pthread_join(power.thread, NULL);
        close(power.wake_fd);
        power.wake_fd = -1;
        power.running = false;
}

static int power_enable(owmi_events *events, const char *class_name, int enable)
{
        int r = 0;

        (void) class_name;
        pthread_mutex_lock(&power.control);
        pthread_mutex_lock(&power.lock);
        if (enable) {
                if (power.count == POWER_CHANNELS)
                        r = -EBUSY;
                else
                        power.channels[power.count++] = events;
        } else {
                for (size_t i = 0; i < power.count; i++) {
                        if (power.channels[i] == events) {
                                power.channels[i] = power.channels[--power.count];
                                break;
                        }
                }
        }
        pthread_mutex_unlock(&power.lock);
        if (r == 0 && power.count && !power.running && (r = power_start()) < 0) {
                /* no listener: the subscription fails whole */
                pthread_mutex_lock(&power.lock);
                power.count--;
                pthread_mutex_unlock(&power.lock);
        }
        if (!power.count)
                power_stop();
        pthread_mutex_unlock(&power.control);
        return r;
}

/* The thread stops before the code it runs is unmapped (dlclose). */
__attribute__((destructor)) static void power_unload(void)
{
        pthread_mutex_lock(&power.control);
        power_stop();
        pthread_mutex_unlock(&power.control);
}

const struct linux_class linux_power_classes[] = {
        { .name = "Win32_PowerManagementEvent", .enable_events = power_enable },
        { .name = NULL },
};
