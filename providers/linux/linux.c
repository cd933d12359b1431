/* SPDX-License-Identifier: MIT */
/*
 * linux.c: the Linux provider's entry point and dispatch: finds the module
 * that serves a class and hands it the call.  Also the small helpers the
 * modules share (linux.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "linux.h"

const struct owmi_host *linux_host;

static const struct linux_class *const modules[] = {
#ifdef HAVE_LINUX_PROCESS
        linux_process_classes,
#endif
#ifdef HAVE_LINUX_SYSTEM
        linux_system_classes,
#endif
#ifdef HAVE_LINUX_DISK
        linux_disk_classes,
#endif
#ifdef HAVE_LINUX_ACCOUNT
        linux_account_classes,
#endif
#ifdef HAVE_LINUX_NETWORK
        linux_network_classes,
#endif
#ifdef HAVE_LINUX_SERVICE
        linux_service_classes,
#endif
#ifdef HAVE_LINUX_PERF
        linux_perf_classes,
#endif
#ifdef HAVE_LINUX_PERFPROC
        linux_perfproc_classes,
#endif
#ifdef HAVE_LINUX_LOGEVENT
        linux_logevent_classes,
#endif
#ifdef HAVE_LINUX_POWER
        linux_power_classes,
#endif
        NULL,
};

static const struct linux_class *find_class(const char *name)
{
        for (size_t m = 0; modules[m]; m++)
                for (const struct linux_class *c = modules[m]; c->name; c++)
                        if (strcasecmp(c->name, name) == 0)
                                return c;
        return NULL;
}

static int no_class(owmi_request *req, const char *name)
{
        return linux_host->error(req, OWMI_E_INVALID_CLASS,
                                 "the Linux provider does not serve class '%s'", name);
}

static int linux_init(const struct owmi_host *host, void **ret_state)
{
        linux_host = host;
        *ret_state = NULL;
        return 0;
}

static void linux_fini(void *state)
{
        (void) state;
}

static int linux_enumerate(void *state, owmi_request *req, const char *class_name)
{
        const struct linux_class *c = find_class(class_name);

        (void) state;
        if (!c)
                return no_class(req, class_name);
        if (!c->enumerate)
                return linux_host->error(req, OWMI_E_PROVIDER_NOT_CAPABLE,
                                         "'%s' cannot be enumerated", class_name);
        return c->enumerate(req, class_name);
}

static int linux_get(void *state, owmi_request *req, const owmi_instance *keys)
{
        const char *name = linux_host->class_name(keys);
        const struct linux_class *c = find_class(name);

        (void) state;
        if (!c)
                return no_class(req, name);
        if (!c->get) {
                /* no keyed shortcut: find it among all of them */
                return linux_host->error(req, OWMI_E_PROVIDER_NOT_CAPABLE,
                                         "'%s' has no keyed get", name);
        }
        return c->get(req, keys);
}

static int linux_put(void *state, owmi_request *req, const owmi_instance *inst, unsigned flags)
{
        const char *name = linux_host->class_name(inst);
        const struct linux_class *c = find_class(name);

        (void) state;
        if (!c || !c->put)
                return linux_host->error(req, OWMI_E_PROVIDER_NOT_CAPABLE,
                                         "instances of '%s' cannot be created or changed", name);
        return c->put(req, inst, flags);
}

static int linux_remove(void *state, owmi_request *req, const owmi_instance *keys)
{
        const char *name = linux_host->class_name(keys);
        const struct linux_class *c = find_class(name);

        (void) state;
        if (!c || !c->remove)
                return linux_host->error(req, OWMI_E_PROVIDER_NOT_CAPABLE,
                                         "instances of '%s' cannot be deleted", name);
        return c->remove(req, keys);
}

static int linux_exec_method(void *state, owmi_request *req, const char *class_name,
                             const owmi_instance *target, const char *method,
                             const owmi_instance *in, owmi_instance *out)
{
        const struct linux_class *c = find_class(class_name);

        (void) state;
        if (!c || !c->exec_method)
                return linux_host->error(req, OWMI_E_METHOD_NOT_IMPLEMENTED,
                                         "method '%s' of '%s' is not implemented on Linux", method,
                                         class_name);
        return c->exec_method(req, class_name, target, method, in, out);
}

static int linux_enable_events(void *state, owmi_events *events, const char *class_name, int enable)
{
        const struct linux_class *c = find_class(class_name);

        (void) state;
        if (!c || !c->enable_events)
                return -EOPNOTSUPP;
        return c->enable_events(events, class_name, enable);
}

static const struct owmi_provider linux_provider = {
        .abi = OWMI_PROVIDER_ABI,
        .name = "Linux",
        .init = linux_init,
        .fini = linux_fini,
        .enumerate = linux_enumerate,
        .get = linux_get,
        .put = linux_put,
        .remove = linux_remove,
        .exec_method = linux_exec_method,
        .enable_events = linux_enable_events,
};

__attribute__((visibility("default")))
const struct owmi_provider *owmi_provider_entry(unsigned abi);

const struct owmi_provider *owmi_provider_entry(unsigned abi)
{
        return abi == OWMI_PROVIDER_ABI ? &linux_provider : NULL;
}

long linux_read_file(const char *path, char *buf, size_t size)
{
        size_t len = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        while (len + 1 < size) {
                ssize_t n = read(fd, buf + len, size - len - 1);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t) n;
        }
        close(fd);
        buf[len] = '\0';
        return (long) len;
}

static char host_name[256];

static void read_host_name(void)
{
        if (gethostname(host_name, sizeof(host_name) - 1) < 0 || !host_name[0])
                strcpy(host_name, "localhost");
}

/* Read once: requests run on many threads. */
const char *linux_host_name(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;

        pthread_once(&once, read_host_name);
        return host_name;
}

char *linux_read_alloc(const char *path, size_t max)
{
        size_t size = 16384, len = 0;
        char *buf = malloc(size);
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (!buf || fd < 0) {
                free(buf);
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        for (;;) {
                ssize_t n;

                if (len + 1 == size) {
                        char *bigger = size < max ? realloc(buf, size * 2) : NULL;

                        if (!bigger)
                                break;
                        buf = bigger;
                        size *= 2;
                }
                n = read(fd, buf + len, size - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t) n;
        }
        close(fd);
        buf[len] = '\0';
        return buf;
}

/* Read line by line: on machines with many CPUs and interrupt sources the
 * lines before btime run to hundreds of kilobytes. */
int64_t linux_boot_usec(void)
{
        FILE *f = fopen("/proc/stat", "re");
        char *line = NULL;
        size_t cap = 0;
        int64_t boot = 0;

        if (!f)
                return 0;
        while (getline(&line, &cap, f) > 0) {
                if (strncmp(line, "btime ", 6) == 0) {
                        boot = (int64_t) strtoll(line + 6, NULL, 10) * 1000000;
                        break;
                }
        }
        free(line);
        fclose(f);
        return boot;
}

struct sd_bus *linux_bus_with(const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        int has = 0;

        if (sd_bus_open_system(&bus) < 0)
                return NULL;
        sd_bus_set_method_call_timeout(bus, 5 * 1000000ull);
        if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameHasOwner", &error, &reply, "s",
                               name) < 0 ||
            sd_bus_message_read(reply, "b", &has) < 0 || !has)
                bus = sd_bus_flush_close_unref(bus);
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
        return bus;
}
