/* SPDX-License-Identifier: MIT */
/*
 * test-linux-network.c: Win32_NetworkAdapter and
 * Win32_NetworkAdapterConfiguration from the Linux provider, compared with
 * what the kernel says (if_nameindex, /sys/class/net, getifaddrs), and the
 * association between them in both directions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/util.h"
#include "cimom/cimom.h"
#include "test-util.h"
#include "test-cimom-util.h"

static struct cimom *cimom;
static struct cimom_ns *ns;

static int setup(void **state)
{
        if (test_dir_setup(state) < 0)
                return -1;
        if (test_open_cimv2("network", &cimom, &ns) < 0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        return test_dir_teardown(state);
}

struct seen {
        char names[64][IF_NAMESIZE + 1];
        unsigned index[64];
        size_t count;
};

static int collect(struct cim_object *obj, void *userdata)
{
        struct seen *s = userdata;
        const struct cim_property *name = cim_object_find_property(obj, "Name");
        const struct cim_property *index = cim_object_find_property(obj, "Index");

        if (s->count < 64) {
                if (name && !name->value.is_null)
                        snprintf(s->names[s->count], sizeof(s->names[0]), "%s", name->value.v.string);
                if (index && !index->value.is_null)
                        s->index[s->count] = (unsigned) index->value.v.u64;
        }
        s->count++;
        cim_object_free(obj);
        return 0;
}

/* Every kernel interface is an adapter with its name and index. */
static void test_adapters(void **state)
{
        struct if_nameindex *names = if_nameindex();
        struct seen s = { 0 };
        struct owmi_error err = { 0 };
        size_t kernel = 0;

        assert_non_null(names);
        assert_int_equal(cimom_enum_instances(ns, "Win32_NetworkAdapter", true, collect, &s, &err), 0);
        for (struct if_nameindex *n = names; n->if_index; n++, kernel++) {
                bool found = false;

                for (size_t i = 0; i < s.count; i++)
                        found |= strcmp(s.names[i], n->if_name) == 0 && s.index[i] == n->if_index;
                if (!found)
                        fail_msg("interface %s (%u) missing", n->if_name, n->if_index);
        }
        assert_int_equal(s.count, kernel);
        if_freenameindex(names);
}

/* The loopback's configuration holds 127.0.0.1, as getifaddrs says. */
static void test_configuration(void **state)
{
        unsigned lo = if_nametoindex("lo");
        struct cim_object *cfg;
        const struct cim_property *addrs;
        struct owmi_error err = { 0 };
        char path[64];
        bool found = false;

        assert_true(lo > 0);
        snprintf(path, sizeof(path), "Win32_NetworkAdapterConfiguration.Index=%u", lo);
        assert_int_equal(cimom_get_object(ns, path, &cfg, &err), 0);
        addrs = cim_object_find_property(cfg, "IPAddress");
        assert_non_null(addrs);
        assert_true(addrs->value.is_array);
        for (uint32_t i = 0; i < addrs->value.count; i++)
                found |= strcmp(addrs->value.v.items[i].v.string, "127.0.0.1") == 0;
        assert_true(found);
        assert_true(cim_object_find_property(cfg, "IPEnabled")->value.v.boolean);
        cim_object_free(cfg);
}

static void test_association(void **state)
{
        unsigned lo = if_nametoindex("lo");
        struct seen s = { 0 };
        struct owmi_error err = { 0 };
        char wql[160];

        snprintf(wql, sizeof(wql), "ASSOCIATORS OF {Win32_NetworkAdapter.DeviceID='%u'} "
                 "WHERE ResultClass = Win32_NetworkAdapterConfiguration", lo);
        assert_int_equal(cimom_exec_query(ns, "WQL", wql, collect, &s, &err), 0);
        assert_int_equal(s.count, 1);
        assert_int_equal(s.index[0], lo);
        memset(&s, 0, sizeof(s));
        snprintf(wql, sizeof(wql), "ASSOCIATORS OF {Win32_NetworkAdapterConfiguration.Index=%u}", lo);
        assert_int_equal(cimom_exec_query(ns, "WQL", wql, collect, &s, &err), 0);
        assert_int_equal(s.count, 1);
        assert_string_equal(s.names[0], "lo");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_adapters),
                cmocka_unit_test(test_configuration),
                cmocka_unit_test(test_association),
        };

        return cmocka_run_group_tests_name("linux-network", tests, setup, teardown);
}
