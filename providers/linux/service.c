/* SPDX-License-Identifier: MIT */
/*
 * service.c: Win32_Service from systemd's service units.
 *
 * Where systemd runs (org.freedesktop.systemd1 on the system bus), it is
 * asked over its D-Bus API (sd-bus): ListUnits for the loaded units and
 * their state, ListUnitFiles for the installed ones not loaded (Stopped),
 * LoadUnit and the Unit/Service properties for one service, MainPID for
 * ProcessId only when asked.  State maps ActiveState: active/reloading
 * "Running", inactive/failed "Stopped", activating "Start Pending",
 * deactivating "Stop Pending"; Status is "Error" for a failed unit, "OK"
 * otherwise.  StartMode maps UnitFileState: enabled (and its -runtime,
 * alias, indirect, generated forms) "Auto", masked "Disabled", the rest
 * "Manual".  PathName and StartName come from the unit file either way.
 *
 * StartService and StopService call StartUnit/StopUnit (mode "replace")
 * and return once systemd queued the job, as WMI returns once the service
 * controller took the request.  Only root may: the daemon's own bus
 * rights must not serve a client that systemctl would refuse (polkit's
 * default for managing units wants an administrator).  WMI's codes: 10
 * already running, 5 not running (stop), 14 masked, 2 refused, 1 pause
 * and resume (systemd has no such control), 8 anything else.
 *
 * Without a running systemd (containers, the build machines) the units
 * come from the unit files (/etc/systemd/system overriding /lib and
 * /usr/lib ones): State is "Unknown" and Started NULL, since a unit file
 * cannot say whether the service runs and "Running" would be a lie; the
 * methods return 1 (not supported) to root and 2 to the others.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "linux.h"

#define SYSTEMD "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

static const char *const unit_dirs[] = {
        "/etc/systemd/system",         /* the administrator's, first: they win */
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
        NULL,
};

/* The value of Key= in a unit file's text (first occurrence), into out. */
static bool unit_value(const char *text, const char *key, char *out, size_t size)
{
        size_t klen = strlen(key);

        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
                        const char *v = line + klen + 1, *end = strchr(v, '\n');
                        size_t n = end ? (size_t) (end - v) : strlen(v);

                        /* ExecStart= may carry prefixes: @, -, +, !, : */
                        while (n && strchr("@-+!:", *v)) {
                                v++;
                                n--;
                        }
                        if (n >= size)
                                n = size - 1;
                        memcpy(out, v, n);
                        out[n] = '\0';
                        return n > 0;
                }
        }
        return false;
}

/* Is the unit enabled (a symlink in some *.wants directory of /etc)? */
static bool unit_enabled(const char *unit)
{
        DIR *d = opendir("/etc/systemd/system");
        struct dirent *de;
        bool enabled = false;

        while (d && !enabled && (de = readdir(d))) {
                char path[PATH_MAX];
                size_t len = strlen(de->d_name);
                struct stat st;

                if (len < 6 || strcmp(de->d_name + len - 6, ".wants") != 0)
                        continue;
                snprintf(path, sizeof(path), "/etc/systemd/system/%s/%s", de->d_name, unit);
                enabled = lstat(path, &st) == 0;
        }
        if (d)
                closedir(d);
        return enabled;
}

/* Masked: the unit file is a link to /dev/null. */
static bool unit_masked(const char *path)
{
        char target[PATH_MAX];
        ssize_t n = readlink(path, target, sizeof(target) - 1);

        if (n <= 0)
                return false;
        target[n] = '\0';
        return strcmp(target, "/dev/null") == 0;
}

/* Where the unit file of name (without .service) is, honouring overrides. */
static bool unit_path(const char *unit, char *path, size_t size)
{
        struct stat st;

        for (size_t i = 0; unit_dirs[i]; i++) {
                snprintf(path, size, "%s/%s", unit_dirs[i], unit);
                if (lstat(path, &st) == 0)
                        return true;
        }
        return false;
}

/* What systemd says of a unit (strings owned by the sd-bus message or
 * copied; see where they are filled). */
struct unit_state {
        const char *description;
        const char *active;           /* ActiveState */
        const char *file_state;       /* UnitFileState, or NULL */
        const char *object_path;      /* the unit's D-Bus object, or NULL */
};

static const char *service_state(const char *active)
{
        if (!strcmp(active, "active") || !strcmp(active, "reloading"))
                return "Running";
        if (!strcmp(active, "activating"))
                return "Start Pending";
        if (!strcmp(active, "deactivating"))
                return "Stop Pending";
        return "Stopped";       /* inactive, failed, maintenance */
}

static const char *service_start_mode(const char *file_state)
{
        if (!file_state)
                return "Manual";
        if (!strncmp(file_state, "enabled", 7) || !strcmp(file_state, "alias") ||
            !strcmp(file_state, "indirect") || !strcmp(file_state, "generated"))
                return "Auto";
        if (!strncmp(file_state, "masked", 6))
                return "Disabled";
        return "Manual";        /* disabled, static, linked, transient... */
}

/* A Service property of a loaded unit: its main process, or 0. */
static uint32_t unit_main_pid(sd_bus *bus, const char *object_path)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t pid = 0;

        if (sd_bus_get_property_trivial(bus, SYSTEMD, object_path, "org.freedesktop.systemd1.Service",
                                        "MainPID", &error, 'u', &pid) < 0)
                pid = 0;
        sd_bus_error_free(&error);
        return pid;
}

/* Post one service: the unit file at path (NULL if systemd knows no file),
 * and what systemd says (rt NULL: systemd does not run). */
static int post_service(owmi_request *req, sd_bus *bus, const char *unit, const char *path,
                        const struct unit_state *rt)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_Service");
        char name[NAME_MAX + 1], text[16384], value[1024];
        bool masked = path && unit_masked(path);
        size_t len = strlen(unit) - strlen(".service");

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_Service");
        if (len > NAME_MAX)
                len = NAME_MAX;
        memcpy(name, unit, len);
        name[len] = '\0';
        h->set_string(inst, "Name", name);
        h->set_string(inst, "Caption", name);
        h->set_string(inst, "SystemName", linux_host_name());
        h->set_string(inst, "CreationClassName", "Win32_Service");
        h->set_string(inst, "SystemCreationClassName", "Win32_ComputerSystem");
        h->set_string(inst, "ServiceType", "Own Process");
        if (path)
                h->set_string(inst, "UnitFile", path);
        if (rt) {
                bool running = !strcmp(service_state(rt->active), "Running");

                h->set_string(inst, "StartMode", service_start_mode(rt->file_state));
                h->set_string(inst, "State", service_state(rt->active));
                h->set_string(inst, "Status", strcmp(rt->active, "failed") ? "OK" : "Error");
                h->set_bool(inst, "Started", running);
                h->set_bool(inst, "AcceptStop", running);
                h->set_bool(inst, "AcceptPause", 0);
                if (rt->description && rt->description[0]) {
                        h->set_string(inst, "DisplayName", rt->description);
                        h->set_string(inst, "Description", rt->description);
                }
                if (running && rt->object_path && linux_wants(req, "ProcessId")) {
                        uint32_t pid = unit_main_pid(bus, rt->object_path);

                        if (pid)
                                h->set_uint(inst, "ProcessId", pid);
                }
        } else {
                h->set_string(inst, "StartMode", masked ? "Disabled" :
                                                 unit_enabled(unit) ? "Auto" : "Manual");
                h->set_string(inst, "State", "Unknown");
                h->set_string(inst, "Status", "Unknown");
        }
        text[0] = '\0';
        if (path && !masked && (linux_wants(req, "PathName") || linux_wants(req, "StartName") ||
                                (!rt && linux_wants(req, "DisplayName"))) &&
            linux_read_file(path, text, sizeof(text)) > 0) {
                if (!rt && unit_value(text, "Description", value, sizeof(value))) {
                        h->set_string(inst, "DisplayName", value);
                        h->set_string(inst, "Description", value);
                }
                if (unit_value(text, "ExecStart", value, sizeof(value)))
                        h->set_string(inst, "PathName", value);
                h->set_string(inst, "StartName",
                              unit_value(text, "User", value, sizeof(value)) ? value : "root");
        }
        return h->post(req, inst);
}

static bool is_service_unit(const char *name)
{
        size_t len = strlen(name);

        /* templates (foo@.service) are not services until instantiated */
        return len > 8 && strcmp(name + len - 8, ".service") == 0 && name[len - 9] != '@';
}

static bool seen_before(const char *unit, size_t dir_index)
{
        struct stat st;
        char path[PATH_MAX];

        for (size_t i = 0; i < dir_index; i++) {
                snprintf(path, sizeof(path), "%s/%s", unit_dirs[i], unit);
                if (lstat(path, &st) == 0)
                        return true;
        }
        return false;
}

/* The unit files, without systemd. */
static int files_enumerate(owmi_request *req)
{
        int r = 0;

        for (size_t i = 0; unit_dirs[i] && r == 0; i++) {
                DIR *d = opendir(unit_dirs[i]);
                struct dirent *de;

                while (d && r == 0 && (de = readdir(d))) {
                        char path[PATH_MAX];
                        struct stat st;

                        if (!is_service_unit(de->d_name) || seen_before(de->d_name, i))
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", unit_dirs[i], de->d_name);
                        /* a link other than a mask is an alias of a unit listed
                         * under its own name */
                        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && !unit_masked(path))
                                continue;
                        r = post_service(req, NULL, de->d_name, path, NULL);
                }
                if (d)
                        closedir(d);
        }
        return r;
}

/* One entry of ListUnitFiles: the file and its enablement. */
struct unit_file {
        char *path;
        const char *name;             /* the base name, inside path */
        char *state;
        bool loaded;                  /* listed by ListUnits too */
};

static int compare_unit_file(const void *a, const void *b)
{
        return strcmp(((const struct unit_file *) a)->name, ((const struct unit_file *) b)->name);
}

static void unit_files_free(struct unit_file *files, size_t count)
{
        for (size_t i = 0; i < count; i++) {
                free(files[i].path);
                free(files[i].state);
        }
        free(files);
}

/* ListUnitFiles, service units only, sorted by name. */
static int list_unit_files(sd_bus *bus, struct unit_file **ret, size_t *ret_count)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        struct unit_file *files = NULL;
        size_t count = 0, alloc = 0;
        const char *path, *state;
        int r;

        r = sd_bus_call_method(bus, SYSTEMD, SYSTEMD_PATH, SYSTEMD_MANAGER, "ListUnitFiles", &error,
                               &reply, "");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &path, &state)) > 0) {
                const char *base = strrchr(path, '/');

                base = base ? base + 1 : path;
                if (!is_service_unit(base))
                        continue;
                if (count == alloc) {
                        size_t more = alloc ? alloc * 2 : 256;
                        struct unit_file *grown = realloc(files, more * sizeof(*grown));

                        if (!grown) {
                                r = -ENOMEM;
                                break;
                        }
                        files = grown;
                        alloc = more;
                }
                files[count].path = strdup(path);
                files[count].state = strdup(state);
                files[count].loaded = false;
                if (!files[count].path || !files[count].state) {
                        free(files[count].path);
                        free(files[count].state);
                        r = -ENOMEM;
                        break;
                }
                files[count].name = strrchr(files[count].path, '/') ?
                                    strrchr(files[count].path, '/') + 1 : files[count].path;
                count++;
        }
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
        if (r < 0) {
                unit_files_free(files, count);
                return r;
        }
        if (count)
                qsort(files, count, sizeof(*files), compare_unit_file);
        *ret = files;
        *ret_count = count;
        return 0;
}

static struct unit_file *find_unit_file(struct unit_file *files, size_t count, const char *name)
{
        struct unit_file key = { .name = name };

        return count ? bsearch(&key, files, count, sizeof(*files), compare_unit_file) : NULL;
}

/* Every service: the loaded units with their state, then the installed
 * ones systemd has not loaded (so they are stopped). */
static int systemd_enumerate(owmi_request *req, sd_bus *bus)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        struct unit_file *files = NULL;
        size_t file_count = 0;
        const char *name, *description, *load, *active, *sub, *following, *object, *job_type, *job;
        uint32_t job_id;
        int r, posted = 0;

        r = list_unit_files(bus, &files, &file_count);
        if (r >= 0)
                r = sd_bus_call_method(bus, SYSTEMD, SYSTEMD_PATH, SYSTEMD_MANAGER, "ListUnits",
                                       &error, &reply, "");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0 && posted == 0 &&
               (r = sd_bus_message_read(reply, "(ssssssouso)", &name, &description, &load, &active,
                                        &sub, &following, &object, &job_id, &job_type, &job)) > 0) {
                struct unit_file *file;
                struct unit_state rt;

                if (!is_service_unit(name) || !strcmp(load, "not-found"))
                        continue;
                file = find_unit_file(files, file_count, name);
                if (file)
                        file->loaded = true;
                rt = (struct unit_state) { description, active, file ? file->state : NULL, object };
                posted = post_service(req, bus, name, file ? file->path : NULL, &rt);
        }
        for (size_t i = 0; r >= 0 && posted == 0 && i < file_count; i++) {
                struct unit_state rt = { NULL, "inactive", files[i].state, NULL };
                struct stat st;

                /* an alias link is listed under the name it points to */
                if (files[i].loaded || (lstat(files[i].path, &st) == 0 && S_ISLNK(st.st_mode) &&
                                        strncmp(files[i].state, "masked", 6) != 0))
                        continue;
                posted = post_service(req, bus, files[i].name, files[i].path, &rt);
        }
        sd_bus_message_unref(reply);
        if (r < 0 && posted == 0)
                posted = linux_host->error(req, OWMI_E_FAILED, "systemd did not list its units: %s",
                                           error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
        unit_files_free(files, file_count);
        return posted;
}

static int service_enumerate(owmi_request *req, const char *class_name)
{
        sd_bus *bus = linux_bus_with(SYSTEMD);
        int r;

        (void) class_name;
        r = bus ? systemd_enumerate(req, bus) : files_enumerate(req);
        sd_bus_flush_close_unref(bus);
        return r < 0 ? r : 0;
}

/* What LoadUnit and the Unit properties say of one unit. */
struct unit_props {
        char *description, *active, *file_state, *load, *fragment, *object_path;
};

static void unit_props_release(struct unit_props *p)
{
        free(p->description);
        free(p->active);
        free(p->file_state);
        free(p->load);
        free(p->fragment);
        free(p->object_path);
        memset(p, 0, sizeof(*p));
}

/* 0, -ENOENT when systemd has no such unit, else < 0 (error says why);
 * p is to be released either way. */
static int unit_load(sd_bus *bus, const char *unit, struct unit_props *p, sd_bus_error *error)
{
        static const char unit_iface[] = "org.freedesktop.systemd1.Unit";
        sd_bus_message *reply = NULL;
        const char *object;
        int r;

        memset(p, 0, sizeof(*p));
        r = sd_bus_call_method(bus, SYSTEMD, SYSTEMD_PATH, SYSTEMD_MANAGER, "LoadUnit", error,
                               &reply, "s", unit);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &object);
        if (r >= 0 && !(p->object_path = strdup(object)))
                r = -ENOMEM;
        /* object lived in reply: p->object_path from here on */
        sd_bus_message_unref(reply);
        if (r < 0)
                return sd_bus_error_has_name(error, "org.freedesktop.systemd1.NoSuchUnit") ? -ENOENT : r;
        if ((r = sd_bus_get_property_string(bus, SYSTEMD, p->object_path, unit_iface, "LoadState", error,
                                            &p->load)) < 0 ||
            (r = sd_bus_get_property_string(bus, SYSTEMD, p->object_path, unit_iface, "ActiveState", error,
                                            &p->active)) < 0)
                return r;
        /* the rest may be missing on old systemds: not an error */
        sd_bus_get_property_string(bus, SYSTEMD, p->object_path, unit_iface, "Description", NULL,
                                   &p->description);
        sd_bus_get_property_string(bus, SYSTEMD, p->object_path, unit_iface, "UnitFileState", NULL,
                                   &p->file_state);
        sd_bus_get_property_string(bus, SYSTEMD, p->object_path, unit_iface, "FragmentPath", NULL,
                                   &p->fragment);
        return strcmp(p->load, "not-found") ? 0 : -ENOENT;
}

/* The unit name of a Win32_Service Name ("ssh" -> "ssh.service"), or false. */
static bool service_unit_name(const char *name, char *unit, size_t size)
{
        if (!name || !name[0] || strchr(name, '/') || strlen(name) + 9 > size)
                return false;
        snprintf(unit, size, "%s.service", name);
        return true;
}

static int service_get(owmi_request *req, const owmi_instance *keys)
{
        const char *name = NULL;
        char unit[NAME_MAX + 1], path[PATH_MAX];
        sd_bus *bus;
        int r;

        if (linux_host->get_string(keys, "Name", &name) < 0 ||
            !service_unit_name(name, unit, sizeof(unit)))
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "a service Name is needed");
        bus = linux_bus_with(SYSTEMD);
        if (bus) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                struct unit_props p;

                r = unit_load(bus, unit, &p, &error);
                if (r >= 0) {
                        struct unit_state rt = { p.description, p.active, p.file_state,
                                                 p.object_path };

                        r = post_service(req, bus, unit, p.fragment && p.fragment[0] ? p.fragment :
                                         NULL, &rt);
                } else if (r == -ENOENT) {
                        r = linux_host->error(req, OWMI_E_NOT_FOUND, "no service '%s'", name);
                } else {
                        r = linux_host->error(req, OWMI_E_FAILED, "systemd: %s",
                                              error.message ? error.message : strerror(-r));
                }
                unit_props_release(&p);
                sd_bus_error_free(&error);
                sd_bus_flush_close_unref(bus);
                return r < 0 ? r : 0;
        }
        if (!unit_path(unit, path, sizeof(path)))
                return linux_host->error(req, OWMI_E_NOT_FOUND, "no service '%s'", name);
        r = post_service(req, NULL, unit, path, NULL);
        return r < 0 ? r : 0;
}

/* WMI's Win32_Service method codes */
enum {
        SERVICE_SUCCESS = 0,
        SERVICE_NOT_SUPPORTED = 1,
        SERVICE_ACCESS_DENIED = 2,
        SERVICE_CANNOT_ACCEPT_CONTROL = 5,
        SERVICE_UNKNOWN_FAILURE = 8,
        SERVICE_ALREADY_RUNNING = 10,
        SERVICE_DISABLED = 14,
};

/* StartUnit or StopUnit, with WMI's code for the outcome. */
static uint32_t systemd_control(sd_bus *bus, const char *unit, bool start)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct unit_props p;
        uint32_t rv;
        int r = unit_load(bus, unit, &p, &error);

        if (r < 0) {
                rv = SERVICE_UNKNOWN_FAILURE;
        } else if (!strncmp(p.load, "masked", 6)) {
                rv = SERVICE_DISABLED;
        } else if (start && !strcmp(service_state(p.active), "Running")) {
                rv = SERVICE_ALREADY_RUNNING;
        } else if (!start && !strcmp(service_state(p.active), "Stopped")) {
                rv = SERVICE_CANNOT_ACCEPT_CONTROL;
        } else {
                sd_bus_message *reply = NULL;

                sd_bus_error_free(&error);
                r = sd_bus_call_method(bus, SYSTEMD, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                       start ? "StartUnit" : "StopUnit", &error, &reply, "ss", unit,
                                       "replace");
                sd_bus_message_unref(reply);
                if (r >= 0)
                        rv = SERVICE_SUCCESS;
                else if (sd_bus_error_has_name(&error, "org.freedesktop.systemd1.UnitMasked"))
                        rv = SERVICE_DISABLED;
                else if (sd_bus_error_has_names(&error, SD_BUS_ERROR_ACCESS_DENIED,
                                                SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
                        rv = SERVICE_ACCESS_DENIED;
                else
                        rv = SERVICE_UNKNOWN_FAILURE;
        }
        if (rv == SERVICE_UNKNOWN_FAILURE && error.message)
                linux_host->log(OWMI_LOG_WARNING, "%s of %s: %s", start ? "start" : "stop", unit,
                                error.message);
        unit_props_release(&p);
        sd_bus_error_free(&error);
        return rv;
}

static int service_exec_method(owmi_request *req, const char *class_name, const owmi_instance *target,
                               const char *method, const owmi_instance *in, owmi_instance *out)
{
        const struct owmi_host *h = linux_host;
        const char *name = NULL;
        char unit[NAME_MAX + 1];
        bool start;
        sd_bus *bus;
        uint32_t rv;

        (void) class_name;
        (void) in;
        if (!strcasecmp(method, "StartService"))
                start = true;
        else if (!strcasecmp(method, "StopService"))
                start = false;
        else if (strcasecmp(method, "PauseService") && strcasecmp(method, "ResumeService"))
                return h->error(req, OWMI_E_INVALID_METHOD, "no method '%s'", method);
        else
                return h->set_uint(out, "ReturnValue", h->caller_uid(req) ? SERVICE_ACCESS_DENIED :
                                                                            SERVICE_NOT_SUPPORTED);
        if (!target || h->get_string(target, "Name", &name) < 0 ||
            !service_unit_name(name, unit, sizeof(unit)))
                return h->error(req, OWMI_E_INVALID_METHOD_PARAMETERS, "%s is called on a service",
                                method);
        /* managing services is root's, as systemctl would insist */
        if (h->caller_uid(req) != 0)
                return h->set_uint(out, "ReturnValue", SERVICE_ACCESS_DENIED);
        bus = linux_bus_with(SYSTEMD);
        rv = bus ? systemd_control(bus, unit, start) : SERVICE_NOT_SUPPORTED;
        sd_bus_flush_close_unref(bus);
        return h->set_uint(out, "ReturnValue", rv);
}

const struct linux_class linux_service_classes[] = {
        { .name = "Win32_Service", .enumerate = service_enumerate, .get = service_get,
          .exec_method = service_exec_method },
        { .name = "Win32_BaseService", .enumerate = NULL },
        { .name = NULL },
};
