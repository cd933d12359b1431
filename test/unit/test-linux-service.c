/* SPDX-License-Identifier: MIT */
/*
 * test-linux-service.c: Win32_Service from unit files where systemd does
 * not run: every service unit file is a service, with what its file says,
 * State "Unknown" (never a guessed "Running"), and the methods refusing a
 * caller who may not manage services.
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

static struct cimom *cimom;
static struct cimom_ns *ns;
static char unit[256];      /* a service unit file of this machine, or "" */

static int setup(void **state)
{
        char path[4096];
        DIR *d;
        struct dirent *de;

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
        if (stat("/run/systemd/system", &st) == 0)
                skip(); /* systemd runs here: the fallback is not what answers */
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
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unit_file_service),
                cmocka_unit_test(test_methods_refuse),
        };

        return cmocka_run_group_tests_name("linux-service", tests, setup, teardown);
}
