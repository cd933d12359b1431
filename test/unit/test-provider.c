/* SPDX-License-Identifier: MIT */
/*
 * test-provider.c: the object manager with a real provider plug-in
 * (providers/sample, loaded with dlopen from OWMI_PROVIDER_DIR): every
 * instance operation, queries with the property-list hint, methods
 * (instance and static, in and out parameters), an association served by
 * the provider in both directions, results checked for garbage, the
 * errors of missing or broken providers, and a method's Privileges
 * qualifier enforced (enabled on the connection and held by the user).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/util.h"
#include "cimom/cimom.h"
#include "test-util.h"
#include "test-cimom-util.h"

static struct cimom *cimom;
static struct cimom_ns *ns;

static const char extra[] =
        "[Dynamic, Provider(\"Nowhere\")] class Test_Orphan { [key] string K; };\n"
        "instance of __Win32Provider { Name = \"Bogus\"; Location = \"/etc/hostname\"; };\n"
        "[Dynamic, Provider(\"Bogus\")] class Test_Bogus { [key] string K; };\n";

static int setup(void **state)
{
        if (test_dir_setup(state) < 0)
                return -1;
        return test_open_sample("provider", extra, &cimom, &ns);
}

static int teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        return test_dir_teardown(state);
}

struct names {
        char list[16][64];
        size_t count;
};

static int collect(struct cim_object *obj, void *userdata)
{
        struct names *n = userdata;
        const struct cim_property *p = cim_object_find_property(obj, "Name");

        if (n->count < 16)
                snprintf(n->list[n->count], 64, "%s",
                         p && !p->value.is_null ? p->value.v.string : obj->class_name);
        n->count++;
        cim_object_free(obj);
        return 0;
}

static bool listed(const struct names *n, const char *name)
{
        for (size_t i = 0; i < n->count && i < 16; i++)
                if (owmi_strcasecmp(n->list[i], name) == 0)
                        return true;
        return false;
}

static uint64_t uint_prop(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        if (!p || p->value.is_null)
                fail_msg("%s is missing or NULL", name);
        return p->value.v.u64;
}

static uint64_t checksums_computed(void)
{
        struct cim_object *out = NULL;
        struct owmi_error err = { 0 };
        uint64_t n;

        assert_int_equal(cimom_exec_method(ns, "Sample_Counter", "Stats", NULL, &out, &err), 0);
        n = uint_prop(out, "ChecksumsComputed");
        cim_object_free(out);
        return n;
}

static void test_enumerate_and_get(void **state)
{
        struct names n = { 0 };
        struct owmi_error err = { 0 };
        struct cim_object *obj;

        assert_int_equal(cimom_enum_instances(ns, "Sample_Counter", true, collect, &n, &err), 0);
        assert_int_equal(n.count, 3);
        assert_true(listed(&n, "alpha") && listed(&n, "beta") && listed(&n, "gamma"));
        assert_int_equal(cimom_get_object(ns, "Sample_Counter.Name=\"BETA\"", &obj, &err), 0);
        assert_string_equal(obj->class_name, "Sample_Counter");
        assert_int_equal(uint_prop(obj, "Value"), 20);
        assert_false(cim_object_find_property(obj, "Updated")->value.is_null);
        cim_object_free(obj);
        assert_true(cimom_get_object(ns, "Sample_Counter.Name=\"delta\"", &obj, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

static void test_queries_and_hints(void **state)
{
        struct names n = { 0 };
        struct owmi_error err = { 0 };
        uint64_t before, after;

        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT * FROM Sample_Counter WHERE Value > 15",
                                          collect, &n, &err), 0);
        assert_int_equal(n.count, 2);
        assert_true(listed(&n, "beta") && listed(&n, "gamma"));
        /* keyed: one get, not an enumeration */
        memset(&n, 0, sizeof(n));
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT Value FROM Sample_Counter WHERE "
                                          "Name = 'gamma'", collect, &n, &err), 0);
        assert_int_equal(n.count, 1);

        /* a select list without Checksum spares the provider computing it */
        before = checksums_computed();
        memset(&n, 0, sizeof(n));
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT Name, Value FROM Sample_Counter",
                                          collect, &n, &err), 0);
        assert_int_equal(n.count, 3);
        after = checksums_computed();
        assert_int_equal(after, before);
        memset(&n, 0, sizeof(n));
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT * FROM Sample_Counter", collect, &n,
                                          &err), 0);
        assert_int_equal(checksums_computed(), after + 3);
        /* WHERE on Checksum needs it even when not selected */
        memset(&n, 0, sizeof(n));
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT Name FROM Sample_Counter WHERE "
                                          "Checksum > 0", collect, &n, &err), 0);
        assert_int_equal(n.count, 3);
        assert_int_equal(checksums_computed(), after + 6);
}

static void test_put_and_delete(void **state)
{
        struct cim_object *inst, *got;
        struct owmi_error err = { 0 };
        struct cim_value v;

        assert_int_equal(cimom_spawn_instance(ns, "Sample_Counter", &inst, &err), 0);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "delta"), 0);
        assert_int_equal(cim_object_set_value(inst, "Name", &v, &err), 0);
        cim_value_release(&v);
        cim_value_set_uint(&v, CIM_TYPE_UINT64, 99);
        assert_int_equal(cim_object_set_value(inst, "Value", &v, &err), 0);
        assert_int_equal(cimom_put_instance(ns, inst, CIMOM_CREATE_ONLY, NULL, 0, NULL, &err), 0);
        assert_true(cimom_put_instance(ns, inst, CIMOM_CREATE_ONLY, NULL, 0, NULL, &err) < 0);
        assert_int_equal(err.code, OWMI_E_ALREADY_EXISTS);
        assert_int_equal(cimom_get_object(ns, "Sample_Counter.Name='delta'", &got, &err), 0);
        assert_int_equal(uint_prop(got, "Value"), 99);
        cim_object_free(got);
        /* the provider's own validation reaches the caller */
        cim_value_set_uint(&v, CIM_TYPE_UINT32, 0);
        assert_int_equal(cim_object_set_value(inst, "Step", &v, &err), 0);
        assert_true(cimom_put_instance(ns, inst, 0, NULL, 0, NULL, &err) < 0);
        assert_int_equal(err.code, OWMI_E_VALUE_OUT_OF_RANGE);
        cim_object_free(inst);
        assert_int_equal(cimom_delete_instance(ns, "Sample_Counter.Name='delta'", &err), 0);
        assert_true(cimom_delete_instance(ns, "Sample_Counter.Name='delta'", &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

static void test_methods(void **state)
{
        struct cim_object *in, *out = NULL, *cls;
        struct owmi_error err = { 0 };
        struct cim_value v;

        /* in-parameters as an instance of __PARAMETERS with By */
        cls = cim_object_new_class("__PARAMETERS", NULL);
        assert_non_null(cls);
        cls->genus = CIM_GENUS_INSTANCE;
        {
                struct cim_property *p = cim_object_add_property(cls, "By");

                p->type = CIM_TYPE_UINT32;
                cim_value_set_uint(&p->value, CIM_TYPE_UINT32, 5);
        }
        in = cls;
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='alpha'", "Increment", in, &out,
                                           &err), 0);
        assert_int_equal(uint_prop(out, "Previous"), 10);
        assert_int_equal(uint_prop(out, "ReturnValue"), 15);
        assert_string_equal(out->props[0].name, "ReturnValue");
        cim_object_free(out);
        /* without By: the counter's Step */
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='alpha'", "Increment", NULL, &out,
                                           &err), 0);
        assert_int_equal(uint_prop(out, "ReturnValue"), 16);
        cim_object_free(out);
        /* a parameter the method does not have */
        cim_value_set_uint(&v, CIM_TYPE_UINT32, 1);
        cim_object_find_property(in, "By")->name[0] = 'X';
        assert_true(cimom_exec_method(ns, "Sample_Counter.Name='alpha'", "Increment", in, &out,
                                      &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_METHOD_PARAMETERS);
        cim_object_free(in);
        /* static methods on the class, not on an instance, and back */
        assert_true(cimom_exec_method(ns, "Sample_Counter.Name='alpha'", "ResetAll", NULL, &out,
                                      &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_METHOD_PARAMETERS);
        assert_true(cimom_exec_method(ns, "Sample_Counter", "Increment", NULL, &out, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_METHOD_PARAMETERS);
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter", "ResetAll", NULL, &out, &err), 0);
        assert_int_equal(uint_prop(out, "ReturnValue"), 3);
        cim_object_free(out);
}

static void test_association_provider(void **state)
{
        struct names n = { 0 };
        struct owmi_error err = { 0 };

        assert_int_equal(cimom_exec_query(ns, "WQL", "ASSOCIATORS OF {Sample_Counter.Name='beta'}",
                                          collect, &n, &err), 0);
        assert_int_equal(n.count, 2);
        assert_true(listed(&n, "alpha") && listed(&n, "gamma"));
        memset(&n, 0, sizeof(n));
        assert_int_equal(cimom_exec_query(ns, "WQL", "ASSOCIATORS OF {Sample_Counter.Name='beta'} "
                                          "WHERE ResultRole = Right", collect, &n, &err), 0);
        assert_int_equal(n.count, 1);
        assert_true(listed(&n, "gamma"));
        memset(&n, 0, sizeof(n));
        assert_int_equal(cimom_exec_query(ns, "WQL", "REFERENCES OF {Sample_Counter.Name='alpha'}",
                                          collect, &n, &err), 0);
        assert_int_equal(n.count, 1);
}

static void test_garbage_and_missing(void **state)
{
        struct names n = { 0 };
        struct owmi_error err = { 0 };

        /* wrong class and missing key: dropped, and the request fails */
        assert_true(cimom_enum_instances(ns, "Sample_Broken", true, collect, &n, &err) < 0);
        assert_int_equal(err.code, OWMI_E_PROVIDER_FAILURE);
        assert_int_equal(n.count, 0);
        assert_true(cimom_enum_instances(ns, "Test_Orphan", true, collect, &n, &err) < 0);
        assert_int_equal(err.code, OWMI_E_PROVIDER_NOT_FOUND);
        assert_true(cimom_enum_instances(ns, "Test_Bogus", true, collect, &n, &err) < 0);
        assert_int_equal(err.code, OWMI_E_PROVIDER_LOAD_FAILURE);
        assert_int_equal(n.count, 0);
}

struct received {
        char name[64];
        uint64_t value;
        uint64_t time_created;
        size_t count;
};

static int receive(struct cim_object *event, void *userdata)
{
        struct received *r = userdata;

        assert_string_equal(event->class_name, "Sample_CounterEvent");
        snprintf(r->name, sizeof(r->name), "%s", cim_object_find_property(event, "Name")->value.v.string);
        r->value = uint_prop(event, "Value");
        r->time_created = uint_prop(event, "TIME_CREATED");
        r->count++;
        cim_object_free(event);
        return 0;
}

/* Extrinsic events from the provider reach a subscriber until it leaves. */
static void test_provider_events(void **state)
{
        struct cimom_subscription *sub = NULL;
        struct received got = { 0 };
        struct cim_object *out = NULL;
        struct owmi_error err = { 0 };

        assert_int_equal(cimom_subscribe(ns, "sample_counterevent", receive, &got, &sub, &err), 0);
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='gamma'", "Increment", NULL,
                                           &out, &err), 0);
        cim_object_free(out);
        assert_int_equal(got.count, 1);
        assert_string_equal(got.name, "gamma");
        assert_int_equal(got.value, 1); /* test_methods reset it to 0; Step 1 */
        /* TIME_CREATED: 100-ns ticks since 1601, after 2020 */
        assert_true(got.time_created > 132223104000000000ull);
        sub = cimom_unsubscribe(sub);
        assert_int_equal(cimom_exec_method(ns, "Sample_Counter.Name='gamma'", "Increment", NULL,
                                           &out, &err), 0);
        cim_object_free(out);
        assert_int_equal(got.count, 1);
        /* only event classes, and only those a provider raises */
        assert_true(cimom_subscribe(ns, "Sample_Counter", receive, &got, &sub, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_EVENT_CLASS);
        assert_true(cimom_subscribe(ns, "__InstanceCreationEvent", receive, &got, &sub, &err) < 0);
        assert_int_equal(err.code, OWMI_E_PROVIDER_NOT_FOUND);
}

/* Profile needs SeSystemProfilePrivilege (CAP_PERFMON or CAP_SYS_ADMIN). */
static int call_profile(owmi_privileges enabled, uint64_t capabilities, uid_t uid,
                        struct owmi_error *err)
{
        struct cimom_caller caller;
        struct cimom_ns *h = NULL;
        struct cim_object *out = NULL;
        int r;

        cimom_caller_self(&caller);
        caller.uid = uid;
        caller.privileges = enabled;
        caller.capabilities = capabilities;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &caller, &h, err), 0);
        r = cimom_exec_method(h, "Sample_Counter", "Profile", NULL, &out, err);
        if (r >= 0)
                assert_non_null(cim_object_find_property(out, "ChecksumsComputed"));
        else
                assert_null(out);
        cim_object_free(out);
        cimom_ns_close(h);
        return r;
}

static void test_privileges(void **state)
{
        const owmi_privileges profile = (owmi_privileges) 1 << privilege_lookup("SystemProfile");
        const owmi_privileges shutdown = (owmi_privileges) 1 << privilege_lookup("SeShutdownPrivilege");
        const uint64_t sys_admin = UINT64_C(1) << 21; /* CAP_SYS_ADMIN */
        struct owmi_error err = { 0 };

        assert_int_equal(privilege_lookup("SeSystemProfilePrivilege"), 10);
        assert_int_equal(privilege_lookup("systemprofile"), 10);
        assert_int_equal(privilege_lookup("SeShutdown"), 0);
        assert_string_equal(privilege_name(18), "SeShutdownPrivilege");
        /* enabled and held: runs, for any uid */
        assert_int_equal(call_profile(profile, sys_admin, 65534, &err), 0);
        /* held but not enabled (another one enabled instead) */
        assert_true(call_profile(shutdown, sys_admin, 0, &err) < 0);
        assert_int_equal(err.code, OWMI_E_PRIVILEGE_NOT_HELD);
        assert_non_null(strstr(err.message, "enable"));
        /* enabled but not held: no capability, and uid 0 is no substitute
         * for a privilege that has one */
        assert_true(call_profile(profile, 0, 0, &err) < 0);
        assert_int_equal(err.code, OWMI_E_PRIVILEGE_NOT_HELD);
        assert_non_null(strstr(err.message, "does not hold"));
        /* (a method without the qualifier needs nothing: the other tests
         * call Stats with no privilege enabled) */

        /* in a user namespace of its own a process holds every capability,
         * over nothing of the machine's: they count for nothing */
        if (privilege_initial_user_namespace(0)) {
                pid_t child = fork();
                int status;

                assert_true(child >= 0);
                if (child == 0) {
                        if (unshare(CLONE_NEWUSER) < 0)
                                _exit(77);      /* not allowed here */
                        _exit(!privilege_initial_user_namespace(0) &&
                              privilege_self_capabilities() == 0 ? 0 : 1);
                }
                assert_int_equal(waitpid(child, &status, 0), child);
                assert_true(WIFEXITED(status));
                if (WEXITSTATUS(status) == 77)
                        print_message("no user namespaces here: that part skipped\n");
                else
                        assert_int_equal(WEXITSTATUS(status), 0);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_enumerate_and_get),
                cmocka_unit_test(test_queries_and_hints),
                cmocka_unit_test(test_put_and_delete),
                cmocka_unit_test(test_methods),
                cmocka_unit_test(test_association_provider),
                cmocka_unit_test(test_garbage_and_missing),
                cmocka_unit_test(test_provider_events),
                cmocka_unit_test(test_privileges),
        };

        return cmocka_run_group_tests_name("provider", tests, setup, teardown);
}
