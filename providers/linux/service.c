/* SPDX-License-Identifier: MIT */
/*
 * service.c: Win32_Service from systemd's service units.
 *
 * Without a running systemd (no /run/systemd/system, as in containers and
 * on the build machines) the units come from the unit files
 * (/etc/systemd/system overriding /run/systemd/system-less /lib and
 * /usr/lib ones): Name, DisplayName (Description=), PathName (ExecStart=),
 * StartName (User=), StartMode from the enablement symlinks ("Auto" when a
 * .wants directory links it, "Disabled" when masked, "Manual" otherwise).
 * State is "Unknown" and Started NULL: a unit file cannot say whether the
 * service runs, and saying "Running" would be a lie.  StartService and
 * StopService then return 1 (not supported) to callers allowed to manage
 * services (root), 2 (access denied) to the others.  Talking to a running
 * systemd over its D-Bus API (state, start, stop) is not done yet: no
 * machine this project is built and tested on runs systemd, so that path
 * could not be tested.
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

#include "linux.h"

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

static int post_service(owmi_request *req, const char *unit, const char *path)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_Service");
        char name[NAME_MAX + 1], text[16384], value[1024];
        bool masked = unit_masked(path);
        size_t len = strlen(unit) - strlen(".service");

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_Service");
        memcpy(name, unit, len);
        name[len] = '\0';
        h->set_string(inst, "Name", name);
        h->set_string(inst, "Caption", name);
        h->set_string(inst, "SystemName", linux_host_name());
        h->set_string(inst, "CreationClassName", "Win32_Service");
        h->set_string(inst, "SystemCreationClassName", "Win32_ComputerSystem");
        h->set_string(inst, "ServiceType", "Own Process");
        h->set_string(inst, "UnitFile", path);
        h->set_string(inst, "StartMode", masked ? "Disabled" : unit_enabled(unit) ? "Auto" : "Manual");
        h->set_string(inst, "State", "Unknown");
        h->set_string(inst, "Status", "Unknown");
        text[0] = '\0';
        if (!masked && linux_read_file(path, text, sizeof(text)) > 0) {
                if (unit_value(text, "Description", value, sizeof(value))) {
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

static int service_enumerate(owmi_request *req, const char *class_name)
{
        int r = 0;

        (void) class_name;
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
                        r = post_service(req, de->d_name, path);
                }
                if (d)
                        closedir(d);
        }
        return r < 0 ? r : 0;
}

static int service_get(owmi_request *req, const owmi_instance *keys)
{
        const char *name;
        char unit[NAME_MAX + 1], path[PATH_MAX];

        if (linux_host->get_string(keys, "Name", &name) < 0 || strchr(name, '/') ||
            strlen(name) + 9 > sizeof(unit))
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "a service Name is needed");
        snprintf(unit, sizeof(unit), "%s.service", name);
        if (!unit_path(unit, path, sizeof(path)))
                return linux_host->error(req, OWMI_E_NOT_FOUND, "no service '%s'", name);
        return post_service(req, unit, path);
}

/* WMI's Win32_Service method codes */
enum {
        SERVICE_SUCCESS = 0,
        SERVICE_NOT_SUPPORTED = 1,
        SERVICE_ACCESS_DENIED = 2,
};

static int service_exec_method(owmi_request *req, const char *class_name, const owmi_instance *target,
                               const char *method, const owmi_instance *in, owmi_instance *out)
{
        const struct owmi_host *h = linux_host;

        (void) class_name;
        (void) target;
        (void) in;
        if (strcasecmp(method, "StartService") && strcasecmp(method, "StopService") &&
            strcasecmp(method, "PauseService") && strcasecmp(method, "ResumeService"))
                return h->error(req, OWMI_E_INVALID_METHOD, "no method '%s'", method);
        /* managing services is root's, as systemctl would insist */
        if (h->caller_uid(req) != 0)
                return h->set_uint(out, "ReturnValue", SERVICE_ACCESS_DENIED);
        /* pausing has no systemd meaning, and starting or stopping needs the
         * D-Bus path this module does not have yet (see the header) */
        return h->set_uint(out, "ReturnValue", SERVICE_NOT_SUPPORTED);
}

const struct linux_class linux_service_classes[] = {
        { .name = "Win32_Service", .enumerate = service_enumerate, .get = service_get,
          .exec_method = service_exec_method },
        { .name = "Win32_BaseService", .enumerate = NULL },
        { .name = NULL },
};
