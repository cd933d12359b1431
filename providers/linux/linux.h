/* SPDX-License-Identifier: MIT */
/*
 * linux.h: the Linux provider (libowmi-linux.so), which shows this machine
 * as the Win32_ classes of root/cimv2.  One module per group of classes
 * (process.c, system.c, disk.c, account.c, network.c, service.c...), each
 * exporting a table of the classes it serves; linux.c dispatches the
 * object manager's calls to them.  Built only on <openwmi/provider.h>.
 *
 * Rules every module keeps (research/linux-sources.md):
 *   - a property with no Linux meaning stays NULL, never invented;
 *   - only what the request needs is read (host->wants_property), and a
 *     keyed get reads only what that one object needs;
 *   - no lock is held across host->post() (it may call back into us).
 */
#ifndef OWMI_PROVIDERS_LINUX_H
#define OWMI_PROVIDERS_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include <openwmi/provider.h>

/* The object manager's table, set once in init. */
extern const struct owmi_host *linux_host;

struct linux_class {
        const char *name;     /* NULL ends a module's table */
        int (*enumerate)(owmi_request *req, const char *class_name);
        int (*get)(owmi_request *req, const owmi_instance *keys);
        int (*put)(owmi_request *req, const owmi_instance *inst, unsigned flags);
        int (*remove)(owmi_request *req, const owmi_instance *keys);
        int (*exec_method)(owmi_request *req, const char *class_name, const owmi_instance *target,
                           const char *method, const owmi_instance *in, owmi_instance *out);
        int (*enable_events)(owmi_events *events, const char *class_name, int enable);
};

/* The modules.  A module that is not built yet is left out by the build
 * (see providers/meson.build). */
extern const struct linux_class linux_process_classes[];
extern const struct linux_class linux_system_classes[];
extern const struct linux_class linux_disk_classes[];
extern const struct linux_class linux_account_classes[];
extern const struct linux_class linux_network_classes[];
extern const struct linux_class linux_service_classes[];
extern const struct linux_class linux_perf_classes[];
extern const struct linux_class linux_perfproc_classes[];
extern const struct linux_class linux_logevent_classes[];
extern const struct linux_class linux_power_classes[];

/* Helpers every module uses. */

/* Read a whole small file into buf (NUL-terminated); the length, or a
 * negative errno. */
long linux_read_file(const char *path, char *buf, size_t size);

/* Read a whole file of any size into a NUL-terminated buffer the caller
 * frees; NULL if it cannot be read.  max bounds what a hostile or huge file
 * may cost: past it, what fits is what is returned. */
char *linux_read_alloc(const char *path, size_t max);

/* Does the request need this property?  (Keys are always needed.) */
static inline bool linux_wants(owmi_request *req, const char *name)
{
        return linux_host->wants_property(req, name) != 0;
}

/* The machine's name, as Win32 classes show it in CSName and the like. */
const char *linux_host_name(void);

/* The timestamps and frequencies of WMI's performance classes (perf.c):
 * Timestamp_Sys100NS (real time, 100-ns units since 1601),
 * Timestamp_PerfTime (monotonic ns) and Timestamp_Object (ns since boot,
 * the clock of /proc's process start times). */
void linux_perf_timestamps(owmi_instance *inst);

/* A new connection to the system bus when name (e.g.
 * "org.freedesktop.systemd1") is on it, else NULL: the caller unrefs it.
 * Calls on it time out after a few seconds, so a hung bus service cannot
 * hang a request.  DBUS_SYSTEM_BUS_ADDRESS is honoured. */
struct sd_bus;
struct sd_bus *linux_bus_with(const char *name);

/* Boot time in microseconds since 1970 (from /proc/stat btime). */
int64_t linux_boot_usec(void);

#endif
