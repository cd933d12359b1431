/* SPDX-License-Identifier: MIT */
/*
 * fake-systemd.c: a stand-in for systemd's D-Bus API on a private bus, for
 * the tests of the Win32_Service provider on machines where systemd does
 * not run (the build machines).  It serves the part of
 * org.freedesktop.systemd1 the provider uses, with the same names,
 * signatures and errors: Manager.ListUnits, ListUnitFiles, LoadUnit,
 * StartUnit, StopUnit, and the Unit (LoadState, ActiveState,
 * Description, UnitFileState, FragmentPath) and Service (MainPID)
 * properties of unit objects.  Its units live in memory; starting one
 * makes it "active" with this process as its main process.
 *
 * Usage: fake-systemd DIR (unit files are written under DIR); the bus is
 * DBUS_SYSTEM_BUS_ADDRESS.  It runs until killed.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#define UNIT_PREFIX "/org/freedesktop/systemd1/unit"

struct unit {
        const char *name;
        const char *description;
        const char *load;             /* loaded, masked */
        const char *active;
        const char *sub;
        const char *file_state;
        bool listed;                  /* in ListUnits (loaded) */
        char fragment[PATH_MAX];
        uint32_t main_pid;
};

static struct unit units[] = {
        { "owmi-fake-running.service", "A running fake service", "loaded", "active", "running",
          "enabled", true, "", 0 },
        { "owmi-fake-stopped.service", "A stopped fake service", "loaded", "inactive", "dead",
          "disabled", true, "", 0 },
        { "owmi-fake-failed.service", "A failed fake service", "loaded", "failed", "failed",
          "enabled", true, "", 0 },
        { "owmi-fake-masked.service", "", "masked", "inactive", "dead", "masked", true, "", 0 },
        /* installed, not loaded: only ListUnitFiles knows it */
        { "owmi-fake-idle.service", "An idle fake service", "loaded", "inactive", "dead",
          "static", false, "", 0 },
        /* not a service: left out by the provider */
        { "owmi-fake.socket", "A socket", "loaded", "active", "listening", "enabled", true, "", 0 },
};

#define UNIT_COUNT (sizeof(units) / sizeof(units[0]))

static struct unit *find_unit(const char *name)
{
        for (size_t i = 0; i < UNIT_COUNT; i++)
                if (strcmp(units[i].name, name) == 0)
                        return &units[i];
        return NULL;
}

static int unit_path(const struct unit *u, char **ret)
{
        return sd_bus_path_encode(UNIT_PREFIX, u->name, ret);
}

static int list_units(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        sd_bus_message *reply = NULL;
        int r;

        (void) userdata;
        (void) error;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssssssouso)");
        for (size_t i = 0; r >= 0 && i < UNIT_COUNT; i++) {
                char *path = NULL;

                if (!units[i].listed)
                        continue;
                r = unit_path(&units[i], &path);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(ssssssouso)", units[i].name,
                                                  units[i].description, units[i].load,
                                                  units[i].active, units[i].sub, "", path, 0u, "",
                                                  "/");
                free(path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int list_unit_files(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        sd_bus_message *reply = NULL;
        int r;

        (void) userdata;
        (void) error;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && i < UNIT_COUNT; i++)
                r = sd_bus_message_append(reply, "(ss)", units[i].fragment, units[i].file_state);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int load_unit(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct unit *u;
        const char *name;
        char *path = NULL;
        int r;

        (void) userdata;
        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        u = find_unit(name);
        if (!u)
                return sd_bus_error_setf(error, "org.freedesktop.systemd1.NoSuchUnit",
                                         "Unit %s not found.", name);
        u->listed = true;       /* loading it makes ListUnits show it */
        r = unit_path(u, &path);
        if (r >= 0)
                r = sd_bus_reply_method_return(m, "o", path);
        free(path);
        return r;
}

static int control_unit(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        bool start = strcmp(sd_bus_message_get_member(m), "StartUnit") == 0;
        const char *name, *mode;
        struct unit *u;
        int r;

        (void) userdata;
        r = sd_bus_message_read(m, "ss", &name, &mode);
        if (r < 0)
                return r;
        if (strcmp(mode, "replace") != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "unexpected mode %s",
                                         mode);
        u = find_unit(name);
        if (!u)
                return sd_bus_error_setf(error, "org.freedesktop.systemd1.NoSuchUnit",
                                         "Unit %s not found.", name);
        if (strcmp(u->load, "masked") == 0)
                return sd_bus_error_setf(error, "org.freedesktop.systemd1.UnitMasked",
                                         "Unit %s is masked.", name);
        u->listed = true;
        u->active = start ? "active" : "inactive";
        u->sub = start ? "running" : "dead";
        u->main_pid = start ? (uint32_t) getpid() : 0;
        return sd_bus_reply_method_return(m, "o", "/org/freedesktop/systemd1/job/1");
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("ListUnits", "", "a(ssssssouso)", list_units, 0),
        SD_BUS_METHOD("ListUnitFiles", "", "a(ss)", list_unit_files, 0),
        SD_BUS_METHOD("LoadUnit", "s", "o", load_unit, 0),
        SD_BUS_METHOD("StartUnit", "ss", "o", control_unit, 0),
        SD_BUS_METHOD("StopUnit", "ss", "o", control_unit, 0),
        SD_BUS_VTABLE_END,
};

static int unit_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        const struct unit *u = userdata;
        const char *value = "";

        (void) bus;
        (void) path;
        (void) interface;
        (void) error;
        if (!strcmp(property, "LoadState"))
                value = u->load;
        else if (!strcmp(property, "ActiveState"))
                value = u->active;
        else if (!strcmp(property, "SubState"))
                value = u->sub;
        else if (!strcmp(property, "Description"))
                value = u->description;
        else if (!strcmp(property, "UnitFileState"))
                value = u->file_state;
        else if (!strcmp(property, "FragmentPath"))
                value = strcmp(u->load, "masked") ? u->fragment : "";
        else if (!strcmp(property, "Id"))
                value = u->name;
        return sd_bus_message_append(reply, "s", value);
}

static const sd_bus_vtable unit_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", unit_string, 0, 0),
        SD_BUS_PROPERTY("Description", "s", unit_string, 0, 0),
        SD_BUS_PROPERTY("LoadState", "s", unit_string, 0, 0),
        SD_BUS_PROPERTY("ActiveState", "s", unit_string, 0, 0),
        SD_BUS_PROPERTY("SubState", "s", unit_string, 0, 0),
        SD_BUS_PROPERTY("UnitFileState", "s", unit_string, 0, 0),
        SD_BUS_PROPERTY("FragmentPath", "s", unit_string, 0, 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable service_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("MainPID", "u", NULL, offsetof(struct unit, main_pid), 0),
        SD_BUS_VTABLE_END,
};

/* The unit an object path names, for the fallback vtables. */
static int find_unit_object(sd_bus *bus, const char *path, const char *interface, void *userdata,
                            void **ret_found, sd_bus_error *error)
{
        char *name = NULL;
        struct unit *u;

        (void) bus;
        (void) userdata;
        (void) error;
        if (sd_bus_path_decode(path, UNIT_PREFIX, &name) <= 0)
                return 0;
        u = find_unit(name);
        free(name);
        if (!u)
                return 0;
        if (!strcmp(interface, "org.freedesktop.systemd1.Service") &&
            !strstr(u->name, ".service"))
                return 0;
        *ret_found = u;
        return 1;
}

/* Write a unit file for each unit under dir (masked ones link /dev/null). */
static int write_unit_files(const char *dir)
{
        for (size_t i = 0; i < UNIT_COUNT; i++) {
                struct unit *u = &units[i];
                FILE *f;

                snprintf(u->fragment, sizeof(u->fragment), "%s/%s", dir, u->name);
                if (!strcmp(u->load, "masked")) {
                        if (symlink("/dev/null", u->fragment) < 0 && errno != EEXIST)
                                return -errno;
                        continue;
                }
                f = fopen(u->fragment, "w");
                if (!f)
                        return -errno;
                fprintf(f, "[Unit]\nDescription=%s\n\n[Service]\nExecStart=/usr/bin/sleep infinity\n"
                        "User=nobody\n", u->description);
                fclose(f);
        }
        return 0;
}

int main(int argc, char **argv)
{
        sd_bus *bus = NULL;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: fake-systemd DIR\n");
                return 2;
        }
        /* running services run in this process */
        for (size_t i = 0; i < UNIT_COUNT; i++)
                if (!strcmp(units[i].active, "active") && strstr(units[i].name, ".service"))
                        units[i].main_pid = (uint32_t) getpid();
        r = write_unit_files(argv[1]);
        if (r >= 0)
                r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1",
                                             "org.freedesktop.systemd1.Manager", manager_vtable,
                                             NULL);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, NULL, UNIT_PREFIX,
                                               "org.freedesktop.systemd1.Unit", unit_vtable,
                                               find_unit_object, NULL);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, NULL, UNIT_PREFIX,
                                               "org.freedesktop.systemd1.Service", service_vtable,
                                               find_unit_object, NULL);
        /* the name last: once it shows, everything answers */
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0);
        if (r < 0) {
                fprintf(stderr, "fake-systemd: %s\n", strerror(-r));
                return 1;
        }
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "fake-systemd: %s\n", strerror(-r));
                        return 1;
                }
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        return 1;
        }
}
