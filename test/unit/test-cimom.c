/* SPDX-License-Identifier: MIT */
/*
 * test-cimom.c: the object manager's operations on repository classes and
 * instances: GetObject (classes, instances, singletons), enumerations,
 * ExecQuery (data queries with and without keyed plans, select lists,
 * schema queries), ASSOCIATORS OF / REFERENCES OF with their WHERE
 * options in both directions, Put/Delete, SpawnInstance, namespaces,
 * cancellation, and use from several threads at once.
 */
#include <errno.h>
#include <pthread.h>
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

static struct cimom *cimom;
static struct cimom_ns *ns;

/* A small model: people, a singleton, and two associations. */
static const char model[] =
        "class Test_Person { [key] string Name; uint32 Age; boolean Admin; datetime Born;\n"
        "  string Tags[]; };\n"
        "class Test_Employee : Test_Person { string Team; };\n"
        "[singleton] class Test_Settings { uint32 Level = 3; };\n"
        "[Association, Description(\"who manages whom\")] class Test_Manages {\n"
        "  [key] Test_Person REF Boss; [key] Test_Person REF Report; };\n"
        "[Association] class Test_Friends { [key] Test_Person REF A; [key] Test_Person REF B; };\n"
        "instance of Test_Person as $ann { Name = \"Ann\"; Age = 41; Admin = TRUE;\n"
        "  Born = \"19850301120000.000000+000\"; Tags = {\"x\", \"y\"}; };\n"
        "instance of Test_Person as $bob { Name = \"Bob\"; Age = 29; Admin = FALSE; };\n"
        "instance of Test_Employee as $cy { Name = \"Cy\"; Age = 35; Team = \"core\"; };\n"
        "instance of Test_Employee as $di { Name = \"Di\"; Team = \"ops\"; };\n"
        "instance of Test_Settings { Level = 7; };\n"
        "instance of Test_Manages { Boss = $ann; Report = $bob; };\n"
        "instance of Test_Manages { Boss = $ann; Report = $cy; };\n"
        "instance of Test_Manages { Boss = $cy; Report = $di; };\n"
        "instance of Test_Friends { A = $bob; B = $cy; };\n"
        /* edge cases of association walks and keyed plans */
        "class Test_Node { [key] string Name; };\n"
        "[Association] class Test_Link { [key] Test_Node REF A; [key] Test_Node REF B; };\n"
        "instance of Test_Node as $na { Name = \"a\"; };\n"
        "instance of Test_Node as $nb { Name = \"b\"; };\n"
        "instance of Test_Link { A = $na; B = $na; };\n"
        "instance of Test_Link { A = $na; B = \"root/other:Test_Node.Name=\\\"b\\\"\"; };\n"
        "instance of Test_Link { A = $nb; B = \"//./root/cimv2\"; };\n"
        "class Test_Num { [key] uint32 Id; };\n"
        "instance of Test_Num { Id = 2; };\n";

struct collected {
        char names[32][64];     /* Name or class name of each result */
        size_t count;
        size_t stop_after;      /* cancel after this many (0: never) */
};

static int collect(struct cim_object *obj, void *userdata)
{
        struct collected *c = userdata;
        const struct cim_property *p = cim_object_find_property(obj, "Name");
        const char *name = obj->genus == CIM_GENUS_CLASS ? obj->class_name :
                           p && !p->value.is_null && p->value.type == CIM_TYPE_STRING ?
                           p->value.v.string : obj->class_name;

        if (c->count < ELEMENTSOF(c->names))
                snprintf(c->names[c->count], sizeof(c->names[0]), "%s", name);
        c->count++;
        cim_object_free(obj);
        return c->stop_after && c->count >= c->stop_after;
}

static bool has(const struct collected *c, const char *name)
{
        for (size_t i = 0; i < c->count && i < ELEMENTSOF(c->names); i++)
                if (owmi_strcasecmp(c->names[i], name) == 0)
                        return true;
        return false;
}

/* Run WQL; the results' names must be exactly want (any order). */
static void query_gives(const char *wql, const char *const *want, size_t n)
{
        struct collected c = { 0 };
        struct owmi_error err = { 0 };

        if (cimom_exec_query(ns, "WQL", wql, collect, &c, &err) < 0)
                fail_msg("%s: 0x%08X %s", wql, err.code, err.message);
        if (c.count != n)
                fail_msg("%s: %zu results, want %zu", wql, c.count, n);
        for (size_t i = 0; i < n; i++)
                if (!has(&c, want[i]))
                        fail_msg("%s: %s missing", wql, want[i]);
}

#define QUERY_GIVES(wql, ...) do { \
        static const char *const want_[] = { __VA_ARGS__ }; \
        query_gives(wql, want_, ELEMENTSOF(want_)); \
} while (0)
#define QUERY_GIVES_NOTHING(wql) query_gives(wql, NULL, 0)

static void query_fails(const char *wql, uint32_t code)
{
        struct collected c = { 0 };
        struct owmi_error err = { 0 };

        assert_true(cimom_exec_query(ns, "WQL", wql, collect, &c, &err) < 0);
        if (err.code != code)
                fail_msg("%s: got 0x%08X (%s), want 0x%08X", wql, err.code, err.message, code);
}

static int setup(void **state)
{
        char path[4096];
        struct owmi_error err = { 0 };
        struct mof_diag_list diags = { 0 };
        struct mof_options opts = { .namespace = "root/cimv2" };
        struct repo *repo;

        if (test_dir_setup(state) < 0)
                return -1;
        snprintf(path, sizeof(path), "%s/cimom.db", test_dir);
        repo = test_open_repo("cimom");
        if (mof_compile_buffer(repo, "model.mof", model, strlen(model), &opts, &diags, NULL) < 0) {
                test_print_diags(&diags);
                return -1;
        }
        mof_diag_list_release(&diags);
        repo_close(repo);
        if (cimom_new(path, &cimom, &err) < 0 ||
            cimom_open_namespace(cimom, "root\\CIMV2", NULL, &ns, &err) < 0) {
                fprintf(stderr, "%s\n", err.message);
                return -1;
        }
        return 0;
}

static int teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        return test_dir_teardown(state);
}

static void test_get_object(void **state)
{
        struct cim_object *obj;
        struct owmi_error err = { 0 };

        assert_int_equal(cimom_get_object(ns, "Test_Person", &obj, &err), 0);
        assert_int_equal(obj->genus, CIM_GENUS_CLASS);
        cim_object_free(obj);
        assert_int_equal(cimom_get_object(ns, "test_person.name='ann'", &obj, &err), 0);
        assert_int_equal(cim_object_find_property(obj, "Age")->value.v.u64, 41);
        cim_object_free(obj);
        /* by a superclass path, as WMI finds it */
        assert_int_equal(cimom_get_object(ns, "Test_Person.Name=\"Cy\"", &obj, &err), 0);
        assert_string_equal(obj->class_name, "Test_Employee");
        cim_object_free(obj);
        assert_int_equal(cimom_get_object(ns, "root/cimv2:Test_Settings=@", &obj, &err), 0);
        assert_int_equal(cim_object_find_property(obj, "Level")->value.v.u64, 7);
        cim_object_free(obj);
        assert_true(cimom_get_object(ns, "Test_Person.Name=\"Nobody\"", &obj, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_true(cimom_get_object(ns, "No_Such_Class", &obj, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_true(cimom_get_object(ns, "Test_Person.Name=", &obj, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_OBJECT_PATH);
        assert_true(cimom_get_object(ns, "root/default:Test_Person", &obj, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_NAMESPACE);
}

static void test_enumerations(void **state)
{
        struct collected c = { 0 };
        struct owmi_error err = { 0 };

        assert_int_equal(cimom_enum_instances(ns, "Test_Person", true, collect, &c, &err), 0);
        assert_int_equal(c.count, 4);
        memset(&c, 0, sizeof(c));
        assert_int_equal(cimom_enum_instances(ns, "Test_Person", false, collect, &c, &err), 0);
        assert_int_equal(c.count, 2);
        memset(&c, 0, sizeof(c));
        assert_int_equal(cimom_enum_classes(ns, "Test_Person", true, collect, &c, &err), 0);
        assert_int_equal(c.count, 1);
        assert_true(has(&c, "Test_Employee"));
        /* a sink that stops cancels the operation */
        memset(&c, 0, sizeof(c));
        c.stop_after = 1;
        assert_true(cimom_enum_instances(ns, "Test_Person", true, collect, &c, &err) < 0);
        assert_int_equal(err.code, OWMI_E_CALL_CANCELLED);
        assert_int_equal(c.count, 1);
}

static void test_data_queries(void **state)
{
        QUERY_GIVES("SELECT * FROM Test_Person", "Ann", "Bob", "Cy", "Di");
        QUERY_GIVES("select * from test_person where name = 'ANN'", "Ann"); /* keyed */
        QUERY_GIVES("SELECT * FROM Test_Person WHERE Name = 'Cy'", "Cy");   /* keyed, subclass */
        QUERY_GIVES("SELECT * FROM Test_Employee WHERE Name = 'Ann'");
        QUERY_GIVES("SELECT * FROM Test_Person WHERE Age > 30", "Ann", "Cy");
        QUERY_GIVES("SELECT * FROM Test_Person WHERE Age >= '35' AND NOT Admin = TRUE", "Cy");
        QUERY_GIVES("SELECT * FROM Test_Person WHERE Age IS NULL", "Di");
        QUERY_GIVES("SELECT * FROM Test_Person WHERE Name LIKE '%[bc]%'", "Bob", "Cy");
        QUERY_GIVES("SELECT * FROM Test_Person WHERE __CLASS = 'Test_Employee'", "Cy", "Di");
        QUERY_GIVES("SELECT * FROM Test_Person WHERE Born < '1990-01-01'", "Ann");
        QUERY_GIVES("SELECT * FROM Test_Employee WHERE Team = 'ops' OR Age < 30", "Di");
        QUERY_GIVES("SELECT * FROM Test_Settings", "Test_Settings");
}

static int check_projection(struct cim_object *obj, void *userdata)
{
        size_t *count = userdata;
        struct cim_value v;

        /* the key always comes along; Age was asked for; the rest is not there */
        assert_non_null(cim_object_find_property(obj, "Name"));
        assert_non_null(cim_object_find_property(obj, "Age"));
        assert_null(cim_object_find_property(obj, "Admin"));
        assert_int_equal(cim_object_system_property(obj, "__PROPERTY_COUNT", &v), 0);
        assert_int_equal(v.v.s64, 2);
        (*count)++;
        cim_object_free(obj);
        return 0;
}

static void test_select_list(void **state)
{
        size_t count = 0;
        struct owmi_error err = { 0 };

        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT Age FROM Test_Person WHERE Age > 1",
                                          check_projection, &count, &err), 0);
        assert_int_equal(count, 3);
        query_fails("SELECT Nope FROM Test_Person", OWMI_E_INVALID_QUERY);
}

static void test_query_errors(void **state)
{
        struct collected c = { 0 };
        struct owmi_error err = { 0 };

        query_fails("SELECT * FROM No_Such_Class", OWMI_E_INVALID_CLASS);
        query_fails("SELECT * FROM", OWMI_E_INVALID_QUERY);
        query_fails("SELECT * FROM Test_Person WHERE Admin > TRUE", OWMI_E_INVALID_QUERY);
        query_fails("SELECT * FROM __InstanceCreationEvent WITHIN 5 WHERE TargetInstance ISA "
                    "'Test_Person'", OWMI_E_INVALID_QUERY);
        assert_true(cimom_exec_query(ns, "CQL", "SELECT * FROM Test_Person", collect, &c, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_QUERY_TYPE);
}

static void test_schema_queries(void **state)
{
        QUERY_GIVES("SELECT * FROM meta_class WHERE __this ISA 'Test_Person'",
                    "Test_Person", "Test_Employee");
        QUERY_GIVES("SELECT * FROM meta_class WHERE __CLASS = 'Test_Manages'", "Test_Manages");
        QUERY_GIVES("SELECT * FROM meta_class WHERE __SUPERCLASS = 'Test_Person'", "Test_Employee");
        QUERY_GIVES("SELECT * FROM meta_class WHERE __CLASS LIKE 'Test[_]F%'", "Test_Friends");
        QUERY_GIVES("SELECT * FROM meta_class WHERE __this ISA 'Nope'");
}

static void test_associators(void **state)
{
        QUERY_GIVES("ASSOCIATORS OF {Test_Person.Name='Ann'}", "Bob", "Cy");
        QUERY_GIVES("ASSOCIATORS OF {Test_Person.Name='Cy'}", "Ann", "Di", "Bob");
        QUERY_GIVES("ASSOCIATORS OF {Test_Person.Name='Cy'} WHERE AssocClass = Test_Manages",
                    "Ann", "Di");
        QUERY_GIVES("ASSOCIATORS OF {Test_Person.Name='Cy'} WHERE Role = Report", "Ann");
        QUERY_GIVES("ASSOCIATORS OF {Test_Person.Name='Cy'} WHERE ResultRole = Report", "Di");
        QUERY_GIVES("ASSOCIATORS OF {Test_Person.Name='Ann'} WHERE ResultClass = Test_Employee", "Cy");
        QUERY_GIVES("ASSOCIATORS OF {Test_Person.Name='Cy'} WHERE RequiredAssocQualifier = Description",
                    "Ann", "Di");
        QUERY_GIVES("ASSOCIATORS OF {Test_Person.Name='Ann'} WHERE ClassDefsOnly",
                    "Test_Person", "Test_Employee");
        QUERY_GIVES("ASSOCIATORS OF {Test_Person.Name='Di'} WHERE KeysOnly", "Cy");
        QUERY_GIVES("ASSOCIATORS OF {Test_Person} WHERE SchemaOnly AssocClass = Test_Friends",
                    "Test_Person");
        query_fails("ASSOCIATORS OF {Test_Person.Name='Ann'} WHERE ClassDefsOnly ResultClass = X",
                    OWMI_E_INVALID_QUERY);
}

static void test_association_edges(void **state)
{
        /* an association linking a to itself: a is its own associator
         * through either end */
        QUERY_GIVES("ASSOCIATORS OF {Test_Node.Name='a'} WHERE ResultRole = A", "a");
        QUERY_GIVES("ASSOCIATORS OF {Test_Node.Name='a'} WHERE ResultRole = B", "a");
        /* a reference into another namespace is not looked up here, and one
         * naming only a namespace relates nothing (and crashes nothing) */
        QUERY_GIVES("ASSOCIATORS OF {Test_Node.Name='b'}");
        QUERY_GIVES("REFERENCES OF {Test_Node.Name='b'}", "Test_Link");
}

/* Keyed plans answer what the WHERE answers: a constant that needs the
 * WHERE's looser conversion (a real for an integer key) still matches. */
static void test_keyed_plan_conversions(void **state)
{
        QUERY_GIVES("SELECT * FROM Test_Num WHERE Id = 2", "Test_Num");
        QUERY_GIVES("SELECT * FROM Test_Num WHERE Id = 2.0", "Test_Num");
        QUERY_GIVES("SELECT * FROM Test_Num WHERE Id = '2'", "Test_Num");
        QUERY_GIVES("SELECT * FROM Test_Num WHERE (Id = 2.0) OR (Id = 2.0)", "Test_Num");
        QUERY_GIVES("SELECT * FROM Test_Num WHERE Id = 3");
}

static void test_references(void **state)
{
        struct collected c = { 0 };
        struct owmi_error err = { 0 };

        assert_int_equal(cimom_exec_query(ns, "WQL", "REFERENCES OF {Test_Person.Name='Cy'}",
                                          collect, &c, &err), 0);
        assert_int_equal(c.count, 3);
        QUERY_GIVES("REFERENCES OF {Test_Person.Name='Cy'} WHERE ResultClass = Test_Friends",
                    "Test_Friends");
        QUERY_GIVES("REFERENCES OF {Test_Person.Name='Cy'} WHERE Role = Boss", "Test_Manages");
        QUERY_GIVES("REFERENCES OF {Test_Person.Name='Ann'} WHERE ClassDefsOnly", "Test_Manages");
        QUERY_GIVES("REFERENCES OF {Test_Person} WHERE SchemaOnly", "Test_Manages", "Test_Friends");
        QUERY_GIVES("REFERENCES OF {Test_Person.Name='Bob'} WHERE RequiredQualifier = Description",
                    "Test_Manages");
        memset(&c, 0, sizeof(c));
        assert_true(cimom_exec_query(ns, "WQL", "REFERENCES OF {Test_Person.Name='Nobody'}",
                                     collect, &c, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

static void test_put_delete_spawn(void **state)
{
        struct cim_object *inst, *got;
        struct owmi_error err = { 0 };
        struct cim_value v;
        char *path = NULL;
        const char *only_age[] = { "Age" };

        assert_int_equal(cimom_spawn_instance(ns, "Test_Employee", &inst, &err), 0);
        assert_true(cim_object_find_property(inst, "Name")->value.is_null);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "Eve"), 0);
        assert_int_equal(cim_object_set_value(inst, "Name", &v, &err), 0);
        cim_value_release(&v);
        cim_value_set_uint(&v, CIM_TYPE_UINT32, 50);
        assert_int_equal(cim_object_set_value(inst, "Age", &v, &err), 0);
        assert_int_equal(cimom_put_instance(ns, inst, CIMOM_CREATE_ONLY, NULL, 0, &path, &err), 0);
        assert_string_equal(path, "Test_Employee.Name=\"Eve\"");
        free(path);
        assert_true(cimom_put_instance(ns, inst, CIMOM_CREATE_ONLY, NULL, 0, NULL, &err) < 0);
        assert_int_equal(err.code, OWMI_E_ALREADY_EXISTS);
        /* update only Age: Team changed locally is not written */
        cim_value_set_uint(&v, CIM_TYPE_UINT32, 51);
        assert_int_equal(cim_object_set_value(inst, "Age", &v, &err), 0);
        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, "lost"), 0);
        assert_int_equal(cim_object_set_value(inst, "Team", &v, &err), 0);
        cim_value_release(&v);
        assert_int_equal(cimom_put_instance(ns, inst, 0, only_age, 1, NULL, &err), 0);
        assert_int_equal(cimom_get_object(ns, "Test_Employee.Name='Eve'", &got, &err), 0);
        assert_int_equal(cim_object_find_property(got, "Age")->value.v.u64, 51);
        assert_true(cim_object_find_property(got, "Team")->value.is_null);
        cim_object_free(got);
        cim_object_free(inst);
        assert_int_equal(cimom_delete_instance(ns, "Test_Person.Name='Eve'", &err), 0);
        assert_true(cimom_get_object(ns, "Test_Employee.Name='Eve'", &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_true(cimom_spawn_instance(ns, "No_Class", &inst, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_true(cimom_exec_method(ns, "Test_Person.Name='Ann'", "Nope", NULL, &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_METHOD);
}

static void test_class_operations(void **state)
{
        struct cim_object *base, *cls, *got, *out = NULL;
        struct owmi_error err = { 0 };
        struct cim_property *p;

        /* a new class derived from a stored one, as a client builds it */
        assert_int_equal(cimom_get_object(ns, "Test_Person", &base, &err), 0);
        cls = cim_object_derive(base, "Test_Contractor");
        p = cim_object_add_property(cls, "Agency");
        p->type = CIM_TYPE_STRING;
        cim_value_init_null(&p->value, CIM_TYPE_STRING, false);
        p->class_origin = strdup("Test_Contractor");
        assert_int_equal(cimom_put_class(ns, cls, CIMOM_CREATE_ONLY, &err), 0);
        assert_true(cimom_put_class(ns, cls, CIMOM_CREATE_ONLY, &err) < 0);
        assert_int_equal(err.code, OWMI_E_ALREADY_EXISTS);
        assert_int_equal(cimom_get_object(ns, "Test_Contractor", &got, &err), 0);
        assert_string_equal(got->superclass, "Test_Person");
        assert_non_null(cim_object_find_property(got, "Name"));
        assert_non_null(cim_object_find_property(got, "Agency"));
        cim_object_free(got);
        /* user classes cannot take system names */
        free(cls->class_name);
        cls->class_name = strdup("__Mine");
        assert_true(cimom_put_class(ns, cls, 0, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_PARAMETER);
        cim_object_free(cls);
        cim_object_free(base);
        assert_int_equal(cimom_delete_class(ns, "Test_Contractor", &err), 0);
        assert_true(cimom_get_object(ns, "Test_Contractor", &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        /* a class with instances needs force to go */
        assert_true(cimom_delete_class(ns, "Test_Settings", &err) < 0);
        assert_int_equal(err.code, OWMI_E_CLASS_HAS_INSTANCES);
        /* a repository class has no code behind its methods */
        {
                static const char mof[] = "class Test_Tool { [key] string K; uint32 Run(); };\n"
                                          "instance of Test_Tool { K = \"t\"; };\n";
                char path[4096];
                struct repo *repo;
                struct mof_options opts = { .namespace = "root/cimv2" };

                snprintf(path, sizeof(path), "%s/cimom.db", test_dir);
                assert_int_equal(repo_open(path, 0, &repo, &err), 0);
                assert_int_equal(mof_compile_buffer(repo, "t.mof", mof, strlen(mof), &opts, NULL,
                                                    NULL), 0);
                repo_close(repo);
        }
        assert_true(cimom_exec_method(ns, "Test_Tool.K='t'", "Run", NULL, &out, &err) < 0);
        assert_int_equal(err.code, OWMI_E_METHOD_NOT_IMPLEMENTED);
}

static int count_name(const char *name, void *userdata)
{
        (void) name;
        (*(size_t *) userdata)++;
        return 0;
}

static void test_namespaces(void **state)
{
        struct owmi_error err = { 0 };
        struct cimom_ns *child;
        size_t before = 0, after = 0;

        assert_int_equal(cimom_enum_namespaces(ns, count_name, &before, &err), 0);
        assert_int_equal(cimom_create_namespace(ns, "Sub", &err), 0);
        assert_int_equal(cimom_enum_namespaces(ns, count_name, &after, &err), 0);
        assert_int_equal(after, before + 1);
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2/sub", NULL, &child, &err), 0);
        cimom_ns_close(child);
        assert_int_equal(cimom_delete_namespace(ns, "Sub", &err), 0);
        assert_true(cimom_open_namespace(cimom, "root/cimv2/sub", NULL, &child, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_NAMESPACE);
        assert_true(cimom_create_namespace(ns, "bad name", &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_NAMESPACE);
}

/* One handle, many threads: every thread sees every answer. */
static void *query_thread(void *arg)
{
        size_t *ok = arg;

        for (int i = 0; i < 50; i++) {
                struct collected c = { 0 };

                if (cimom_exec_query(ns, "WQL", "SELECT * FROM Test_Person WHERE Age > 30", collect,
                                     &c, NULL) == 0 && c.count == 2)
                        (*ok)++;
        }
        return NULL;
}

static void test_threads(void **state)
{
        pthread_t t[4];
        size_t ok[4] = { 0 };

        for (int i = 0; i < 4; i++)
                assert_int_equal(pthread_create(&t[i], NULL, query_thread, &ok[i]), 0);
        for (int i = 0; i < 4; i++) {
                pthread_join(t[i], NULL);
                assert_int_equal(ok[i], 50);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_get_object),
                cmocka_unit_test(test_enumerations),
                cmocka_unit_test(test_data_queries),
                cmocka_unit_test(test_select_list),
                cmocka_unit_test(test_query_errors),
                cmocka_unit_test(test_schema_queries),
                cmocka_unit_test(test_associators),
                cmocka_unit_test(test_references),
                cmocka_unit_test(test_association_edges),
                cmocka_unit_test(test_keyed_plan_conversions),
                cmocka_unit_test(test_put_delete_spawn),
                cmocka_unit_test(test_class_operations),
                cmocka_unit_test(test_namespaces),
                cmocka_unit_test(test_threads),
        };

        return cmocka_run_group_tests_name("cimom", tests, setup, teardown);
}
