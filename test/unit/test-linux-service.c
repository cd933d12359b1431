/* SPDX-License-Identifier: MIT */
/*
 * test-linux-service.c: Win32_Service both ways.  Without systemd (no
 * system bus): every service unit file is a service, with what its file
 * says, State "Unknown" (never a guessed "Running"), the methods refusing
 * a caller who may not manage services and "not supported" to root.
 * With systemd: a real dbus-daemon with the fake systemd of test/helpers
 * on it (no machine these tests run on runs systemd), whose units must
 * show with their state, enablement and main process, and start and stop
 * with WMI's codes.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/util.h"
#include "cimom/cimom.h"
#include "test-util.h"
#include "test-cimom-util.h"
#include "test-bus.h"

static struct cimom *cimom;
static struct cimom_ns *ns;
static char unit[256];      /* a service unit file of this machine, or "" */

static int setup(void **state)
{
        char path[4096];
        DIR *d;
        struct dirent *de;

        /* no system bus: what a machine without systemd looks like */
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/owmi-no-bus", 1);
        if (test_dir_setup(state) < 0)
                return -1;
        if (test_open_cimv2("service", &cimom, &ns) < 0)
                return -1;
        d = opendir("/lib/systemd/system");
        while (d && (de = readdir(d))) {
                size_t len = strlen(de->d_name);
                struct stat st;

                snprintf(path, sizeof(path), "/lib/systemd/system/%s", de->d_name);
                if (len > 8 && !strcmp(de->d_name + len - 8, ".service") && !strchr(de->d_name, '@') &&
                    lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                        snprintf(unit, sizeof(unit), "%.*s", (int) (len - 8), de->d_name);
                        break;
                }
        }
        if (d)
                closedir(d);
        return 0;
}

static int teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        return test_dir_teardown(state);
}

static void test_unit_file_service(void **state)
{
        struct owmi_error err = { 0 };
        struct cim_object *svc;
        char path[512];
        struct stat st;

        if (!unit[0])
                skip();
        (void) st;
        snprintf(path, sizeof(path), "Win32_Service.Name=\"%s\"", unit);
        assert_int_equal(cimom_get_object(ns, path, &svc, &err), 0);
        assert_string_equal(cim_object_find_property(svc, "Name")->value.v.string, unit);
        assert_string_equal(cim_object_find_property(svc, "State")->value.v.string, "Unknown");
        assert_true(cim_object_find_property(svc, "Started")->value.is_null);
        snprintf(path, sizeof(path), "/lib/systemd/system/%s.service", unit);
        assert_string_equal(cim_object_find_property(svc, "UnitFile")->value.v.string, path);
        cim_object_free(svc);
}

static void test_methods_refuse(void **state)
{
        struct cimom_caller nobody;
        struct cimom_ns *h;
        struct owmi_error err = { 0 };
        struct cim_object *out = NULL;
        char path[512];

        if (!unit[0])
                skip();
        cimom_caller_self(&nobody);
        nobody.uid = 65534;
        nobody.gid = 65534;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &nobody, &h, &err), 0);
        snprintf(path, sizeof(path), "Win32_Service.Name=\"%s\"", unit);
        assert_int_equal(cimom_exec_method(h, path, "StopService", NULL, &out, &err), 0);
        assert_int_equal(cim_object_find_property(out, "ReturnValue")->value.v.u64, 2);
        cim_object_free(out);
        cimom_ns_close(h);
        /* root: no systemd to ask, so not supported (never a pretended 0) */
        nobody.uid = 0;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &nobody, &h, &err), 0);
        assert_int_equal(cimom_exec_method(h, path, "StartService", NULL, &out, &err), 0);
        assert_int_equal(cim_object_find_property(out, "ReturnValue")->value.v.u64, 1);
        cim_object_free(out);
        cimom_ns_close(h);
}

/* ---- with systemd (the fake one, on a real private bus) -------------------- */

static struct test_bus bus;

static int systemd_setup(void **state)
{
        strcpy(test_dir, "/tmp/owmi-test-XXXXXX");
        if (test_dir_setup(state) < 0)
                return -1;
        if (test_bus_start(&bus, test_dir, true) < 0) {
                fprintf(stderr, "cannot start dbus-daemon and fake-systemd\n");
                return -1;
        }
        return test_open_cimv2("service-systemd", &cimom, &ns);
}

static int systemd_teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        test_bus_stop(&bus);
        return test_dir_teardown(state);
}

static const char *text(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        return p && !p->value.is_null ? p->value.v.string : NULL;
}

static struct cim_object *service(const char *name)
{
        struct owmi_error err = { 0 };
        struct cim_object *svc = NULL;
        char path[256];

        snprintf(path, sizeof(path), "Win32_Service.Name=\"%s\"", name);
        if (cimom_get_object(ns, path, &svc, &err) < 0)
                fail_msg("%s: %s", path, err.message);
        return svc;
}

static void check_service(const struct cim_object *svc, const char *state, const char *mode,
                          const char *status)
{
        assert_string_equal(text(svc, "State"), state);
        assert_string_equal(text(svc, "StartMode"), mode);
        assert_string_equal(text(svc, "Status"), status);
        assert_int_equal(cim_object_find_property(svc, "Started")->value.v.boolean,
                         strcmp(state, "Running") == 0);
}

struct found {
        char names[32][64];
        size_t count;
};

static int collect(struct cim_object *obj, void *userdata)
{
        struct found *f = userdata;

        if (f->count < 32)
                snprintf(f->names[f->count++], 64, "%s", text(obj, "Name"));
        cim_object_free(obj);
        return 0;
}

static bool has(const struct found *f, const char *name)
{
        for (size_t i = 0; i < f->count; i++)
                if (strcmp(f->names[i], name) == 0)
                        return true;
        return false;
}

static void test_systemd_services(void **state)
{
        struct owmi_error err = { 0 };
        struct found all = { 0 }, running = { 0 };
        struct cim_object *svc;
        char fragment[600];

        (void) state;
        assert_int_equal(cimom_enum_instances(ns, "Win32_Service", true, collect, &all, &err), 0);
        assert_int_equal(all.count, 5);
        assert_true(has(&all, "owmi-fake-running") && has(&all, "owmi-fake-stopped") &&
                    has(&all, "owmi-fake-failed") && has(&all, "owmi-fake-masked") &&
                    has(&all, "owmi-fake-idle"));
        assert_false(has(&all, "owmi-fake"));   /* a socket is no service */
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT Name FROM Win32_Service WHERE "
                                          "State = 'Running'", collect, &running, &err), 0);
        assert_int_equal(running.count, 1);
        assert_string_equal(running.names[0], "owmi-fake-running");

        svc = service("owmi-fake-running");
        check_service(svc, "Running", "Auto", "OK");
        assert_string_equal(text(svc, "DisplayName"), "A running fake service");
        assert_int_equal(cim_object_find_property(svc, "ProcessId")->value.v.u64, 0 + bus.systemd);
        /* from the unit file systemd names */
        assert_string_equal(text(svc, "PathName"), "/usr/bin/sleep infinity");
        assert_string_equal(text(svc, "StartName"), "nobody");
        snprintf(fragment, sizeof(fragment), "%s/units/owmi-fake-running.service", test_dir);
        assert_string_equal(text(svc, "UnitFile"), fragment);
        cim_object_free(svc);
        svc = service("owmi-fake-stopped");
        check_service(svc, "Stopped", "Manual", "OK");
        assert_true(cim_object_find_property(svc, "ProcessId")->value.is_null);
        cim_object_free(svc);
        svc = service("owmi-fake-failed");
        check_service(svc, "Stopped", "Auto", "Error");
        cim_object_free(svc);
        svc = service("owmi-fake-masked");
        check_service(svc, "Stopped", "Disabled", "OK");
        cim_object_free(svc);
        svc = service("owmi-fake-idle");
        check_service(svc, "Stopped", "Manual", "OK");
        cim_object_free(svc);
        assert_true(cimom_get_object(ns, "Win32_Service.Name=\"owmi-fake-none\"", &svc, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

static uint64_t control(uid_t uid, const char *name, const char *method)
{
        struct cimom_caller caller;
        struct cimom_ns *h;
        struct owmi_error err = { 0 };
        struct cim_object *out = NULL;
        char path[256];
        uint64_t rv;

        cimom_caller_self(&caller);
        caller.uid = uid;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &caller, &h, &err), 0);
        snprintf(path, sizeof(path), "Win32_Service.Name=\"%s\"", name);
        if (cimom_exec_method(h, path, method, NULL, &out, &err) < 0)
                fail_msg("%s: %s", method, err.message);
        rv = cim_object_find_property(out, "ReturnValue")->value.v.u64;
        cim_object_free(out);
        cimom_ns_close(h);
        return rv;
}

static void test_systemd_start_stop(void **state)
{
        struct cim_object *svc;

        (void) state;
        /* not root: refused before systemd is asked */
        assert_int_equal(control(65534, "owmi-fake-stopped", "StartService"), 2);
        svc = service("owmi-fake-stopped");
        assert_string_equal(text(svc, "State"), "Stopped");
        cim_object_free(svc);

        assert_int_equal(control(0, "owmi-fake-stopped", "StartService"), 0);
        svc = service("owmi-fake-stopped");
        check_service(svc, "Running", "Manual", "OK");
        assert_int_equal(cim_object_find_property(svc, "ProcessId")->value.v.u64, 0 + bus.systemd);
        cim_object_free(svc);
        assert_int_equal(control(0, "owmi-fake-stopped", "StartService"), 10);  /* already running */
        assert_int_equal(control(0, "owmi-fake-stopped", "StopService"), 0);
        svc = service("owmi-fake-stopped");
        check_service(svc, "Stopped", "Manual", "OK");
        cim_object_free(svc);
        assert_int_equal(control(0, "owmi-fake-stopped", "StopService"), 5);    /* not running */
        assert_int_equal(control(0, "owmi-fake-masked", "StartService"), 14);   /* masked */
        assert_int_equal(control(0, "owmi-fake-running", "PauseService"), 1);   /* no such control */
        /* a failed service starts again */
        assert_int_equal(control(0, "owmi-fake-failed", "StartService"), 0);
        svc = service("owmi-fake-failed");
        check_service(svc, "Running", "Auto", "OK");
        cim_object_free(svc);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unit_file_service),
                cmocka_unit_test(test_methods_refuse),
        };
        const struct CMUnitTest systemd_tests[] = {
                cmocka_unit_test(test_systemd_services),
                cmocka_unit_test(test_systemd_start_stop),
        };
        int failed;

        failed = cmocka_run_group_tests_name("linux-service", tests, setup, teardown);
        failed += cmocka_run_group_tests_name("linux-service-systemd", systemd_tests, systemd_setup,
                                              systemd_teardown);
        return failed;
}
