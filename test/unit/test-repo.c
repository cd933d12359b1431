/* SPDX-License-Identifier: MIT */
/*
 * test-repo.c: repo/repo.c against real SQLite files in a temporary
 * directory: default namespaces, namespace create/delete with their
 * __NAMESPACE instances, qualifier declarations, classes under each WMI
 * storage rule (each error code asserted), re-derivation of subclasses on
 * a forced update, class and instance enumeration, keyed lookups by paths
 * in another case and key order, compound keys, singletons, persistence,
 * transactions and rollback, a reader beside a writer holding a long
 * transaction, and allocation failures (run under ASan for leaks).
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cim/object.h"
#include "cim/objpath.h"
#include "cim/qualifier.h"
#include "repo/repo.h"

struct fixture {
        char dir[64];
        char path[128];
        struct repo *repo;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct owmi_error err = { 0 };

        if (!f)
                return -1;
        snprintf(f->dir, sizeof(f->dir), "/tmp/owmi-test-repo-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof(f->path), "%s/repository.db", f->dir);
        if (repo_open(f->path, 0, &f->repo, &err) < 0) {
                fprintf(stderr, "repo_open: %s\n", err.message);
                return -1;
        }
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char p[160];

        repo_close(f->repo);
        snprintf(p, sizeof(p), "%s-wal", f->path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", f->path);
        unlink(p);
        unlink(f->path);
        rmdir(f->dir);
        free(f);
        return 0;
}

/* ---- builders --------------------------------------------------------- */

static void set_flag(struct cim_qualifier_list *list, const char *name, uint32_t flavor)
{
        struct cim_value v;

        cim_value_set_bool(&v, true);
        assert_int_equal(cim_qualifier_list_set(list, name, &v, flavor), 0);
}

static void set_string_qual(struct cim_qualifier_list *list, const char *name, const char *s)
{
        struct cim_value v;

        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, s), 0);
        assert_int_equal(cim_qualifier_list_set(list, name, &v, CIM_FLAVOR_DEFAULT), 0);
}

static struct cim_object *new_class(const struct cim_object *parent, const char *name)
{
        struct cim_object *cls = parent ? cim_object_derive(parent, name) :
                                          cim_object_new_class(name, NULL);

        assert_non_null(cls);
        return cls;
}

static struct cim_property *add_prop(struct cim_object *cls, const char *name, cim_type type,
                                     bool key)
{
        struct cim_property *p = cim_object_add_property(cls, name);

        assert_non_null(p);
        p->type = type;
        cim_value_init_null(&p->value, type, false);
        p->class_origin = owmi_strdup(cls->class_name);
        if (key)
                set_flag(&p->qualifiers, "key", CIM_FLAVOR_DISABLE_OVERRIDE | CIM_FLAVOR_TO_SUBCLASS);
        return p;
}

static void put_class_ok(struct repo *repo, const char *ns, const struct cim_object *cls,
                         unsigned flags)
{
        struct owmi_error err = { 0 };
        int r = repo_class_put(repo, ns, cls, flags, &err);

        if (r < 0)
                fail_msg("repo_class_put %s: %s", cls->class_name, err.message);
}

static uint32_t put_class_code(struct repo *repo, const char *ns, const struct cim_object *cls,
                               unsigned flags)
{
        struct owmi_error err = { 0 };
        int r = repo_class_put(repo, ns, cls, flags, &err);

        assert_true(r < 0);
        assert_true(err.message[0] != '\0');
        return err.code;
}

static struct cim_object *get_class(struct repo *repo, const char *ns, const char *name)
{
        struct cim_object *cls = NULL;
        struct owmi_error err = { 0 };

        if (repo_class_get(repo, ns, name, &cls, &err) < 0)
                fail_msg("repo_class_get %s: %s", name, err.message);
        return cls;
}

static void set_uint(struct cim_object *inst, const char *name, uint64_t u)
{
        struct cim_value v;

        cim_value_set_uint(&v, CIM_TYPE_UINT64, u);
        assert_int_equal(cim_object_set_value(inst, name, &v, NULL), 0);
}

static void set_str(struct cim_object *inst, const char *name, const char *s)
{
        struct cim_value v;

        assert_int_equal(cim_value_set_string(&v, CIM_TYPE_STRING, s), 0);
        assert_int_equal(cim_object_set_value(inst, name, &v, NULL), 0);
        cim_value_release(&v);
}

static void put_instance_ok(struct repo *repo, const char *ns, const struct cim_object *inst,
                            unsigned flags)
{
        struct owmi_error err = { 0 };

        if (repo_instance_put(repo, ns, inst, flags, &err) < 0)
                fail_msg("repo_instance_put %s: %s", inst->class_name, err.message);
}

static uint32_t put_instance_code(struct repo *repo, const char *ns, const struct cim_object *inst,
                                  unsigned flags)
{
        struct owmi_error err = { 0 };

        assert_true(repo_instance_put(repo, ns, inst, flags, &err) < 0);
        return err.code;
}

/* Get an instance by path text; returns the status (0 when found). */
static uint32_t get_instance(struct repo *repo, const char *ns, const char *text,
                             struct cim_object **ret)
{
        struct cim_objpath path = { 0 };
        struct owmi_error err = { 0 };
        struct cim_object *obj = NULL;
        int r;

        if (cim_objpath_parse(text, strlen(text), &path, &err) < 0)
                fail_msg("cannot parse '%s': %s", text, err.message);
        r = repo_instance_get(repo, ns, &path, &obj, &err);
        cim_objpath_release(&path);
        if (r < 0) {
                assert_null(obj);
                return err.code;
        }
        if (ret)
                *ret = obj;
        else
                cim_object_free(obj);
        return 0;
}

static uint32_t delete_instance(struct repo *repo, const char *ns, const char *text)
{
        struct cim_objpath path = { 0 };
        struct owmi_error err = { 0 };
        int r;

        assert_int_equal(cim_objpath_parse(text, strlen(text), &path, &err), 0);
        r = repo_instance_delete(repo, ns, &path, &err);
        cim_objpath_release(&path);
        return r < 0 ? err.code : 0;
}

/* Collect names from enumerations into a ", "-joined string. */
struct names {
        char text[4096];
        size_t count;
};

static void names_add(struct names *n, const char *name)
{
        size_t len = strlen(n->text);

        snprintf(n->text + len, sizeof(n->text) - len, "%s%s", len ? "," : "", name);
        n->count++;
}

static int collect_object(struct cim_object *obj, void *userdata)
{
        names_add(userdata, obj->class_name);
        cim_object_free(obj);
        return 0;
}

static int collect_name(const char *name, void *userdata)
{
        names_add(userdata, name);
        return 0;
}

static int collect_class_name(const char *name, const char *superclass, void *userdata)
{
        names_add(userdata, name);
        return 0;
}

static bool names_has(const struct names *n, const char *name)
{
        char buf[4096 + 2], needle[256];

        snprintf(buf, sizeof(buf), ",%s,", n->text);
        snprintf(needle, sizeof(needle), ",%s,", name);
        return strstr(buf, needle) != NULL;
}

/* Position of name in the list, -1 if absent. */
static int names_pos(const struct names *n, const char *name)
{
        char buf[4096 + 2], needle[256];
        const char *hit;
        int pos = 0;

        snprintf(buf, sizeof(buf), ",%s,", n->text);
        snprintf(needle, sizeof(needle), ",%s,", name);
        hit = strstr(buf, needle);
        if (!hit)
                return -1;
        for (const char *c = buf + 1; c <= hit; c++)
                pos += *c == ',';
        return pos;
}

/* class Base { [key] uint32 Id; string Name; }, class Derived : Base
 * { string Extra; } in ns. */
static void make_base_derived(struct repo *repo, const char *ns)
{
        struct cim_object *base = new_class(NULL, "Base"), *derived;

        add_prop(base, "Id", CIM_TYPE_UINT32, true);
        add_prop(base, "Name", CIM_TYPE_STRING, false);
        put_class_ok(repo, ns, base, REPO_PUT_CREATE_ONLY);
        derived = new_class(base, "Derived");
        add_prop(derived, "Extra", CIM_TYPE_STRING, false);
        put_class_ok(repo, ns, derived, REPO_PUT_CREATE_ONLY);
        cim_object_free(base);
        cim_object_free(derived);
}

static struct cim_object *spawn(struct repo *repo, const char *ns, const char *class_name)
{
        struct cim_object *cls = get_class(repo, ns, class_name);
        struct cim_object *inst = cim_object_spawn_instance(cls);

        assert_non_null(inst);
        cim_object_free(cls);
        return inst;
}

static void put_item(struct repo *repo, const char *ns, const char *class_name, uint64_t id)
{
        struct cim_object *inst = spawn(repo, ns, class_name);

        set_uint(inst, "Id", id);
        put_instance_ok(repo, ns, inst, 0);
        cim_object_free(inst);
}

/* ---- defaults and namespaces ------------------------------------------ */

static void test_defaults(void **state)
{
        struct fixture *f = *state;
        struct names n = { 0 };
        struct owmi_error err = { 0 };
        struct cim_object *cls;
        size_t classes, quals, insts;

        for (size_t i = 0; repo_default_namespaces[i]; i++) {
                assert_true(repo_namespace_exists(f->repo, repo_default_namespaces[i]));
                assert_true(repo_class_exists(f->repo, repo_default_namespaces[i], "__NAMESPACE"));
                assert_true(repo_class_exists(f->repo, repo_default_namespaces[i], "__systemclass"));
        }
        assert_true(repo_namespace_exists(f->repo, "ROOT\\CIMV2"));
        assert_true(repo_namespace_exists(f->repo, "/root/wmi/"));
        assert_false(repo_namespace_exists(f->repo, "root/nothere"));
        assert_false(repo_namespace_exists(f->repo, "root//cimv2"));
        assert_false(repo_namespace_exists(f->repo, ""));

        /* names keep their case: "root/WMI" */
        assert_int_equal(repo_namespace_children(f->repo, "root", collect_name, &n, &err), 0);
        assert_string_equal(n.text, "root/cimv2,root/default,root/subscription,root/WMI");

        /* the __NAMESPACE instances of root's children */
        memset(&n, 0, sizeof(n));
        assert_int_equal(repo_instance_enumerate(f->repo, "root", "__NAMESPACE", false,
                                                 collect_object, &n, &err), 0);
        assert_int_equal(n.count, 4);
        assert_int_equal(get_instance(f->repo, "root", "__NAMESPACE.Name=\"wmi\"", &cls), 0);
        assert_string_equal(cim_object_find_property(cls, "Name")->value.v.string, "WMI");
        assert_string_equal(cls->namespace, "root");
        cim_object_free(cls);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "__NAMESPACE.Name=\"x\"", NULL),
                         OWMI_E_NOT_FOUND);

        cls = get_class(f->repo, "root/cimv2", "__NAMESPACE");
        assert_string_equal(cls->superclass, "__SystemClass");
        assert_string_equal(cls->namespace, "root/cimv2");
        assert_int_equal(cim_object_key_count(cls), 1);
        assert_false(cim_object_is_abstract(cls));
        cim_object_free(cls);
        cls = get_class(f->repo, "root/cimv2", "__SystemClass");
        assert_true(cim_object_is_abstract(cls));
        cim_object_free(cls);

        assert_int_equal(repo_count(f->repo, "root", &classes, &quals, &insts), 0);
        assert_int_equal(classes, 2);
        assert_int_equal(quals, 0);
        assert_int_equal(insts, 4);
        assert_int_equal(repo_count(f->repo, NULL, &classes, NULL, &insts), 0);
        assert_int_equal(classes, 10);
        assert_int_equal(insts, 4);
}

static void test_namespaces(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct names n = { 0 };
        struct cim_object *cls, *inst;
        size_t insts;

        assert_int_equal(repo_namespace_create(f->repo, "root\\Test", &err), 0);
        assert_int_equal(repo_namespace_create(f->repo, "ROOT/test/Sub", &err), 0);
        assert_int_equal(repo_namespace_create(f->repo, "root/test/sub/Leaf", &err), 0);
        assert_true(repo_namespace_create(f->repo, "root/TEST", &err) < 0);
        assert_int_equal(err.code, OWMI_E_ALREADY_EXISTS);
        assert_true(repo_namespace_create(f->repo, "root/none/child", &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_NAMESPACE);
        assert_true(repo_namespace_create(f->repo, "elsewhere", &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_NAMESPACE);
        assert_true(repo_namespace_create(f->repo, "root/bad name", &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_NAMESPACE);

        /* parent spelling, child's own case */
        assert_int_equal(repo_namespace_children(f->repo, "root/test", collect_name, &n, &err), 0);
        assert_string_equal(n.text, "root/Test/Sub");
        assert_int_equal(get_instance(f->repo, "root/test", "__NAMESPACE.Name=\"SUB\"", NULL), 0);
        assert_int_equal(get_instance(f->repo, "root", "__namespace.name=\"test\"", NULL), 0);

        /* content in the subtree goes with it */
        cls = new_class(NULL, "Gone");
        add_prop(cls, "Id", CIM_TYPE_UINT32, true);
        put_class_ok(f->repo, "root/test/sub/leaf", cls, 0);
        put_item(f->repo, "root/test/sub/leaf", "Gone", 1);
        cim_object_free(cls);

        assert_int_equal(repo_namespace_delete(f->repo, "root/test", &err), 0);
        assert_false(repo_namespace_exists(f->repo, "root/test"));
        assert_false(repo_namespace_exists(f->repo, "root/test/sub"));
        assert_false(repo_namespace_exists(f->repo, "root/test/sub/leaf"));
        assert_int_equal(get_instance(f->repo, "root", "__NAMESPACE.Name=\"Test\"", NULL),
                         OWMI_E_NOT_FOUND);
        assert_int_equal(repo_count(f->repo, NULL, NULL, NULL, &insts), 0);
        assert_int_equal(insts, 4);
        assert_true(repo_namespace_delete(f->repo, "root/test", &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_true(repo_namespace_delete(f->repo, "root", &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_OPERATION);
        assert_true(repo_class_get(f->repo, "root/test", "Gone", &cls, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_NAMESPACE);

        /* WMI's way: put and delete a __NAMESPACE instance */
        inst = spawn(f->repo, "root/cimv2", "__NAMESPACE");
        set_str(inst, "Name", "ViaInstance");
        put_instance_ok(f->repo, "root/cimv2", inst, REPO_PUT_CREATE_ONLY);
        assert_true(repo_namespace_exists(f->repo, "root/cimv2/viainstance"));
        assert_true(repo_class_exists(f->repo, "root/cimv2/viainstance", "__NAMESPACE"));
        assert_int_equal(put_instance_code(f->repo, "root/cimv2", inst, REPO_PUT_CREATE_ONLY),
                         OWMI_E_ALREADY_EXISTS);
        cim_object_free(inst);
        assert_int_equal(delete_instance(f->repo, "root/cimv2", "__NAMESPACE.Name='viainstance'"), 0);
        assert_false(repo_namespace_exists(f->repo, "root/cimv2/viainstance"));
        assert_int_equal(delete_instance(f->repo, "root/cimv2", "__NAMESPACE.Name='viainstance'"),
                         OWMI_E_NOT_FOUND);
}

/* ---- qualifier declarations ------------------------------------------- */

static int collect_decl(const struct cim_qualifier_decl *decl, void *userdata)
{
        names_add(userdata, decl->name);
        return 0;
}

static int stop_at_first_decl(const struct cim_qualifier_decl *decl, void *userdata)
{
        (*(int *) userdata)++;
        return 7;
}

static void test_qualifiers(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct cim_qualifier_decl decl = { 0 }, got = { 0 };
        struct names n = { 0 };
        int calls = 0;

        decl.name = "Description";
        decl.type = CIM_TYPE_STRING;
        decl.scope = CIM_SCOPE_ANY;
        decl.flavor = CIM_FLAVOR_DEFAULT | CIM_FLAVOR_TRANSLATABLE;
        cim_value_init_null(&decl.default_value, CIM_TYPE_STRING, false);
        assert_int_equal(repo_qualifier_put(f->repo, "root/cimv2", &decl, &err), 0);
        decl.name = "Key";
        decl.type = CIM_TYPE_BOOLEAN;
        decl.scope = CIM_SCOPE_PROPERTY | CIM_SCOPE_REFERENCE;
        decl.flavor = CIM_FLAVOR_DISABLE_OVERRIDE | CIM_FLAVOR_TO_SUBCLASS;
        cim_value_set_bool(&decl.default_value, false);
        assert_int_equal(repo_qualifier_put(f->repo, "root/cimv2", &decl, &err), 0);

        assert_int_equal(repo_qualifier_get(f->repo, "root\\CIMV2", "KEY", &got, &err), 0);
        assert_true(cim_qualifier_decl_equal(&decl, &got));
        assert_string_equal(got.name, "Key");
        cim_qualifier_decl_release(&got);

        /* update */
        cim_value_set_bool(&decl.default_value, true);
        assert_int_equal(repo_qualifier_put(f->repo, "root/cimv2", &decl, &err), 0);
        assert_int_equal(repo_qualifier_get(f->repo, "root/cimv2", "key", &got, &err), 0);
        assert_true(got.default_value.v.boolean);
        cim_qualifier_decl_release(&got);

        assert_int_equal(repo_qualifier_enumerate(f->repo, "root/cimv2", collect_decl, &n, &err), 0);
        assert_string_equal(n.text, "Description,Key");
        assert_int_equal(repo_qualifier_enumerate(f->repo, "root/cimv2", stop_at_first_decl,
                                                  &calls, &err), 7);
        assert_int_equal(calls, 1);

        /* other namespaces do not see them */
        assert_true(repo_qualifier_get(f->repo, "root/default", "Key", &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_true(repo_qualifier_get(f->repo, "root/nowhere", "Key", &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_NAMESPACE);

        assert_int_equal(repo_qualifier_delete(f->repo, "root/cimv2", "description", &err), 0);
        assert_true(repo_qualifier_get(f->repo, "root/cimv2", "Description", &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_true(repo_qualifier_delete(f->repo, "root/cimv2", "description", &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);

        decl.name = "bad name";
        assert_true(repo_qualifier_put(f->repo, "root/cimv2", &decl, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_PARAMETER);
}

/* ---- classes ---------------------------------------------------------- */

static void test_class_crud(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct cim_object *base = new_class(NULL, "Base"), *got, *orphan, *copy;

        add_prop(base, "Id", CIM_TYPE_UINT32, true);
        set_string_qual(&base->qualifiers, "Description", "a base class");
        put_class_ok(f->repo, "root/cimv2", base, REPO_PUT_CREATE_ONLY);
        assert_true(repo_class_exists(f->repo, "root/cimv2", "BASE"));
        assert_false(repo_class_exists(f->repo, "root/default", "Base"));
        got = get_class(f->repo, "ROOT\\cimv2", "base");
        assert_true(cim_object_equal(base, got));
        assert_string_equal(got->namespace, "root/cimv2");
        cim_object_free(got);

        /* create-only / update-only */
        assert_int_equal(put_class_code(f->repo, "root/cimv2", base, REPO_PUT_CREATE_ONLY),
                         OWMI_E_ALREADY_EXISTS);
        copy = new_class(NULL, "Missing");
        assert_int_equal(put_class_code(f->repo, "root/cimv2", copy, REPO_PUT_UPDATE_ONLY),
                         OWMI_E_NOT_FOUND);
        cim_object_free(copy);
        add_prop(base, "Added", CIM_TYPE_STRING, false);
        put_class_ok(f->repo, "root/cimv2", base, REPO_PUT_UPDATE_ONLY);
        got = get_class(f->repo, "root/cimv2", "Base");
        assert_non_null(cim_object_find_property(got, "Added"));
        cim_object_free(got);

        /* superclass must exist, and not be the class itself */
        orphan = new_class(NULL, "Orphan");
        orphan->superclass = owmi_strdup("NoSuchParent");
        assert_int_equal(put_class_code(f->repo, "root/cimv2", orphan, 0),
                         OWMI_E_INVALID_SUPERCLASS);
        owmi_free(orphan->superclass);
        orphan->superclass = owmi_strdup("orphan");
        assert_int_equal(put_class_code(f->repo, "root/cimv2", orphan, 0),
                         OWMI_E_INVALID_SUPERCLASS);
        cim_object_free(orphan);

        /* bad names, an instance given as a class, a missing namespace */
        copy = new_class(NULL, "9Bad");
        assert_int_equal(put_class_code(f->repo, "root/cimv2", copy, 0), OWMI_E_INVALID_PARAMETER);
        cim_object_free(copy);
        copy = cim_object_spawn_instance(base);
        assert_int_equal(put_class_code(f->repo, "root/cimv2", copy, 0), OWMI_E_INVALID_PARAMETER);
        cim_object_free(copy);
        assert_int_equal(put_class_code(f->repo, "root/none", base, 0), OWMI_E_INVALID_NAMESPACE);

        /* system names are accepted from the repository's callers */
        copy = new_class(NULL, "__MySystemThing");
        put_class_ok(f->repo, "root/cimv2", copy, 0);
        cim_object_free(copy);

        assert_true(repo_class_get(f->repo, "root/cimv2", "Nothing", &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_true(repo_class_delete(f->repo, "root/cimv2", "Nothing", 0, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_true(repo_class_delete(f->repo, "root/cimv2", "__NAMESPACE", 0, &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_OPERATION);
        assert_int_equal(repo_class_delete(f->repo, "root/cimv2", "base", 0, &err), 0);
        assert_false(repo_class_exists(f->repo, "root/cimv2", "Base"));
        cim_object_free(base);
}

static void test_class_rules(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct cim_object *base, *derived, *inst, *changed, *moved;
        size_t insts;

        make_base_derived(f->repo, "root/cimv2");
        base = get_class(f->repo, "root/cimv2", "Base");
        derived = get_class(f->repo, "root/cimv2", "Derived");

        /* recompiling the same class is not an update, even with children */
        put_class_ok(f->repo, "root/cimv2", base, 0);

        /* changing a class with subclasses needs force */
        changed = cim_object_clone(base);
        add_prop(changed, "More", CIM_TYPE_UINT8, false);
        assert_int_equal(put_class_code(f->repo, "root/cimv2", changed, 0),
                         OWMI_E_CLASS_HAS_CHILDREN);
        put_class_ok(f->repo, "root/cimv2", changed, REPO_PUT_FORCE);
        cim_object_free(changed);

        /* with instances (of a subclass), keys are frozen even in force mode */
        inst = spawn(f->repo, "root/cimv2", "Derived");
        set_uint(inst, "Id", 1);
        put_instance_ok(f->repo, "root/cimv2", inst, 0);
        cim_object_free(inst);
        changed = get_class(f->repo, "root/cimv2", "Base");
        add_prop(changed, "Id2", CIM_TYPE_STRING, true);
        assert_int_equal(put_class_code(f->repo, "root/cimv2", changed, REPO_PUT_FORCE),
                         OWMI_E_CLASS_HAS_INSTANCES);
        cim_object_free(changed);
        changed = get_class(f->repo, "root/cimv2", "Base");
        cim_qualifier_list_remove(&changed->props[0].qualifiers, "key");
        assert_int_equal(put_class_code(f->repo, "root/cimv2", changed, REPO_PUT_FORCE),
                         OWMI_E_CLASS_HAS_INSTANCES);
        cim_object_free(changed);
        /* a non-key change is fine */
        changed = get_class(f->repo, "root/cimv2", "Base");
        set_string_qual(&changed->qualifiers, "Description", "changed");
        put_class_ok(f->repo, "root/cimv2", changed, REPO_PUT_FORCE);
        cim_object_free(changed);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Derived.Id=1", NULL), 0);

        /* a class cannot move under its own subclass */
        moved = new_class(derived, "Base");
        assert_int_equal(put_class_code(f->repo, "root/cimv2", moved, REPO_PUT_FORCE),
                         OWMI_E_INVALID_SUPERCLASS);
        cim_object_free(moved);

        /* delete refuses a class whose subtree has instances unless forced */
        assert_true(repo_class_delete(f->repo, "root/cimv2", "Base", 0, &err) < 0);
        assert_int_equal(err.code, OWMI_E_CLASS_HAS_INSTANCES);
        assert_true(repo_class_delete(f->repo, "root/cimv2", "Derived", 0, &err) < 0);
        assert_int_equal(err.code, OWMI_E_CLASS_HAS_INSTANCES);
        assert_true(repo_class_exists(f->repo, "root/cimv2", "Derived"));
        assert_int_equal(repo_class_delete(f->repo, "root/cimv2", "Base", REPO_DELETE_FORCE, &err), 0);
        assert_false(repo_class_exists(f->repo, "root/cimv2", "Base"));
        assert_false(repo_class_exists(f->repo, "root/cimv2", "Derived"));
        assert_int_equal(repo_count(f->repo, "root/cimv2", NULL, NULL, &insts), 0);
        assert_int_equal(insts, 0);

        /* without instances, delete takes the subclasses */
        make_base_derived(f->repo, "root/cimv2");
        assert_int_equal(repo_class_delete(f->repo, "root/cimv2", "Base", 0, &err), 0);
        assert_false(repo_class_exists(f->repo, "root/cimv2", "Derived"));
        cim_object_free(base);
        cim_object_free(derived);
}

/* Base { Id key; A = "base"; Old } -> Mid { B; A = "mid" (override) } ->
 * Leaf { C; [Description] }.  A forced update of Base (add New, drop Old,
 * change a qualifier) must reach Mid and Leaf with their own members kept. */
static void test_rederive(void **state)
{
        struct fixture *f = *state;
        struct cim_object *base = new_class(NULL, "Base"), *mid, *leaf, *got;
        struct cim_property *p;
        struct cim_method *m;

        add_prop(base, "Id", CIM_TYPE_UINT32, true);
        p = add_prop(base, "A", CIM_TYPE_STRING, false);
        assert_int_equal(cim_value_set_string(&p->value, CIM_TYPE_STRING, "base"), 0);
        add_prop(base, "Old", CIM_TYPE_SINT16, false);
        set_string_qual(&base->qualifiers, "Version", "1");
        m = cim_object_add_method(base, "Reset");
        m->return_type = CIM_TYPE_UINT32;
        m->class_origin = owmi_strdup("Base");
        put_class_ok(f->repo, "root/cimv2", base, 0);

        mid = new_class(base, "Mid");
        add_prop(mid, "B", CIM_TYPE_STRING, false);
        p = cim_object_find_property(mid, "A");
        cim_value_release(&p->value);
        assert_int_equal(cim_value_set_string(&p->value, CIM_TYPE_STRING, "mid"), 0);
        p->propagated = false;
        m = cim_object_add_method(mid, "MidOnly");
        m->return_type = CIM_TYPE_BOOLEAN;
        m->class_origin = owmi_strdup("Mid");
        put_class_ok(f->repo, "root/cimv2", mid, 0);

        leaf = new_class(mid, "Leaf");
        add_prop(leaf, "C", CIM_TYPE_REAL64, false);
        set_string_qual(&leaf->qualifiers, "Description", "leaf only");
        put_class_ok(f->repo, "root/cimv2", leaf, 0);

        /* the new Base */
        cim_object_remove_property(base, "Old");
        set_string_qual(&cim_object_find_property(base, "A")->qualifiers, "Units", "bytes");
        add_prop(base, "New", CIM_TYPE_DATETIME, false);
        set_string_qual(&base->qualifiers, "Version", "2");
        assert_int_equal(put_class_code(f->repo, "root/cimv2", base, 0), OWMI_E_CLASS_HAS_CHILDREN);
        put_class_ok(f->repo, "root/cimv2", base, REPO_PUT_FORCE);

        got = get_class(f->repo, "root/cimv2", "Mid");
        assert_null(cim_object_find_property(got, "Old"));
        p = cim_object_find_property(got, "New");
        assert_non_null(p);
        assert_true(p->propagated);
        assert_string_equal(p->class_origin, "Base");
        assert_string_equal(cim_object_find_property(got, "A")->value.v.string, "mid");
        assert_false(cim_object_find_property(got, "A")->propagated);
        /* the override still inherits the qualifiers of the new Base.A */
        assert_string_equal(cim_qualifier_list_string(&cim_object_find_property(got, "A")->qualifiers,
                                                      "Units"), "bytes");
        assert_non_null(cim_object_find_property(got, "B"));
        assert_non_null(cim_object_find_method(got, "Reset"));
        assert_non_null(cim_object_find_method(got, "MidOnly"));
        assert_string_equal(cim_qualifier_list_string(&got->qualifiers, "Version"), "2");
        assert_string_equal(got->derivation[0], "Base");
        cim_object_free(got);

        got = get_class(f->repo, "root/cimv2", "Leaf");
        assert_null(cim_object_find_property(got, "Old"));
        assert_non_null(cim_object_find_property(got, "New"));
        assert_true(cim_object_find_property(got, "B")->propagated);
        assert_false(cim_object_find_property(got, "C")->propagated);
        assert_string_equal(cim_object_find_property(got, "A")->value.v.string, "mid");
        assert_string_equal(cim_qualifier_list_string(&got->qualifiers, "Version"), "2");
        assert_string_equal(cim_qualifier_list_string(&got->qualifiers, "Description"),
                            "leaf only");
        assert_non_null(cim_object_find_method(got, "MidOnly"));
        assert_true(cim_object_find_method(got, "MidOnly")->propagated);
        assert_int_equal(got->derivation_count, 2);
        assert_string_equal(got->derivation[0], "Mid");
        assert_string_equal(got->derivation[1], "Base");
        cim_object_free(got);

        cim_object_free(base);
        cim_object_free(mid);
        cim_object_free(leaf);
}

/* A, A1 : A, A2 : A, A11 : A1, B in root/default. */
static void make_tree(struct repo *repo)
{
        struct cim_object *a = new_class(NULL, "A"), *a1, *a2, *a11, *b;

        add_prop(a, "Id", CIM_TYPE_UINT32, true);
        a1 = new_class(a, "A1");
        a2 = new_class(a, "A2");
        a11 = new_class(a1, "A11");
        b = new_class(NULL, "B");
        add_prop(b, "Id", CIM_TYPE_UINT32, true);
        /* out of order on purpose within what the rules allow */
        put_class_ok(repo, "root/default", b, 0);
        put_class_ok(repo, "root/default", a, 0);
        put_class_ok(repo, "root/default", a2, 0);
        put_class_ok(repo, "root/default", a1, 0);
        put_class_ok(repo, "root/default", a11, 0);
        cim_object_free(a);
        cim_object_free(a1);
        cim_object_free(a2);
        cim_object_free(a11);
        cim_object_free(b);
}

static int stop_cb(struct cim_object *obj, void *userdata)
{
        cim_object_free(obj);
        return 42;
}

static void test_enumerate_classes(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct names n = { 0 };

        make_tree(f->repo);
        assert_int_equal(repo_class_enumerate(f->repo, "root/default", NULL, true, collect_object,
                                              &n, &err), 0);
        assert_int_equal(n.count, 7);
        /* parents before children */
        assert_true(names_pos(&n, "A") < names_pos(&n, "A1"));
        assert_true(names_pos(&n, "A1") < names_pos(&n, "A11"));
        assert_true(names_pos(&n, "__SystemClass") < names_pos(&n, "__NAMESPACE"));

        memset(&n, 0, sizeof(n));
        assert_int_equal(repo_class_enumerate(f->repo, "root/default", NULL, false, collect_object,
                                              &n, &err), 0);
        assert_string_equal(n.text, "__SystemClass,A,B");

        memset(&n, 0, sizeof(n));
        assert_int_equal(repo_class_enumerate(f->repo, "root/default", "a", false, collect_object,
                                              &n, &err), 0);
        assert_string_equal(n.text, "A1,A2");

        memset(&n, 0, sizeof(n));
        assert_int_equal(repo_class_enumerate(f->repo, "root/default", "A", true, collect_object,
                                              &n, &err), 0);
        assert_string_equal(n.text, "A1,A2,A11");

        memset(&n, 0, sizeof(n));
        assert_int_equal(repo_class_enumerate_names(f->repo, "root/default", "A", true,
                                                    collect_class_name, &n, &err), 0);
        assert_string_equal(n.text, "A1,A2,A11");
        memset(&n, 0, sizeof(n));
        assert_int_equal(repo_class_enumerate_names(f->repo, "root/default", NULL, false,
                                                    collect_class_name, &n, &err), 0);
        assert_string_equal(n.text, "__SystemClass,A,B");
        memset(&n, 0, sizeof(n));
        assert_int_equal(repo_class_enumerate_names(f->repo, "root/default", "A11", true,
                                                    collect_class_name, &n, &err), 0);
        assert_int_equal(n.count, 0);

        assert_int_equal(repo_class_enumerate(f->repo, "root/default", NULL, true, stop_cb, NULL,
                                              &err), 42);
        assert_true(repo_class_enumerate(f->repo, "root/default", "Nope", true, collect_object, &n,
                                         &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_CLASS);
        assert_true(repo_class_enumerate(f->repo, "root/nope", NULL, true, collect_object, &n,
                                         &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_NAMESPACE);
}

static int collect_ids(struct cim_object *obj, void *userdata)
{
        char buf[64];
        const struct cim_property *p = cim_object_find_property(obj, "Id");

        assert_string_equal(obj->namespace, "root/default");
        snprintf(buf, sizeof(buf), "%s:%llu", obj->class_name, (unsigned long long) p->value.v.u64);
        names_add(userdata, buf);
        cim_object_free(obj);
        return 0;
}

static void test_enumerate_instances(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct names n = { 0 };

        make_tree(f->repo);
        put_item(f->repo, "root/default", "A", 1);
        put_item(f->repo, "root/default", "A", 2);
        put_item(f->repo, "root/default", "A1", 3);
        put_item(f->repo, "root/default", "A11", 4);
        put_item(f->repo, "root/default", "A2", 5);
        put_item(f->repo, "root/default", "B", 6);

        assert_int_equal(repo_instance_enumerate(f->repo, "root/default", "A", false, collect_ids,
                                                 &n, &err), 0);
        assert_string_equal(n.text, "A:1,A:2");
        memset(&n, 0, sizeof(n));
        assert_int_equal(repo_instance_enumerate(f->repo, "root/default", "a", true, collect_ids,
                                                 &n, &err), 0);
        assert_int_equal(n.count, 5);
        assert_true(names_has(&n, "A11:4") && names_has(&n, "A2:5") && !names_has(&n, "B:6"));
        memset(&n, 0, sizeof(n));
        assert_int_equal(repo_instance_enumerate(f->repo, "root/default", "A1", true, collect_ids,
                                                 &n, &err), 0);
        assert_int_equal(n.count, 2);
        assert_int_equal(repo_instance_enumerate(f->repo, "root/default", "A", true, stop_cb, NULL,
                                                 &err), 42);
        assert_true(repo_instance_enumerate(f->repo, "root/default", "Nope", false, collect_ids, &n,
                                            &err) < 0);
        assert_int_equal(err.code, OWMI_E_INVALID_CLASS);

        /* a superclass path finds the subclass's instance, as in WMI */
        assert_int_equal(get_instance(f->repo, "root/default", "A.Id=4", NULL), 0);
        assert_int_equal(get_instance(f->repo, "root/default", "A1.Id=5", NULL), OWMI_E_NOT_FOUND);
        assert_int_equal(delete_instance(f->repo, "root/default", "A.Id=4"), 0);
        assert_int_equal(get_instance(f->repo, "root/default", "A11.Id=4", NULL), OWMI_E_NOT_FOUND);
}

/* ---- instances and keys ----------------------------------------------- */

static void test_instance_keys(void **state)
{
        struct fixture *f = *state;
        struct cim_object *cls = new_class(NULL, "Disk"), *abs, *single, *inst, *got;
        struct cim_value v;

        /* compound key: Name (string), Unit (uint32) */
        add_prop(cls, "Name", CIM_TYPE_STRING, true);
        add_prop(cls, "Unit", CIM_TYPE_UINT32, true);
        add_prop(cls, "Size", CIM_TYPE_UINT64, false);
        put_class_ok(f->repo, "root/cimv2", cls, 0);

        inst = cim_object_spawn_instance(cls);
        set_str(inst, "Name", "Disk \"A\"\\1");
        set_uint(inst, "Unit", 7);
        set_uint(inst, "Size", 1000);
        put_instance_ok(f->repo, "root/cimv2", inst, REPO_PUT_CREATE_ONLY);

        /* other key order, other case of names and values, another quote */
        assert_int_equal(get_instance(f->repo, "root/cimv2",
                                      "disk.UNIT=7,name=\"disk \\\"a\\\"\\\\1\"", &got), 0);
        assert_string_equal(cim_object_find_property(got, "Name")->value.v.string, "Disk \"A\"\\1");
        assert_int_equal(cim_object_find_property(got, "Size")->value.v.u64, 1000);
        assert_string_equal(got->namespace, "root/cimv2");
        cim_object_free(got);
        assert_int_equal(get_instance(f->repo, "root\\cimv2",
                                      "\\\\.\\root\\cimv2:Disk.Unit=7,Name='Disk \"A\"\\\\1'", NULL), 0);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Disk.Name=\"Disk \\\"A\\\"\\\\1\",Unit=8",
                                      NULL), OWMI_E_NOT_FOUND);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Disk.Name=\"x\"", NULL),
                         OWMI_E_NOT_FOUND);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "NoClass.Name=\"x\"", NULL),
                         OWMI_E_INVALID_CLASS);

        /* create-only sees the same key in another case; update replaces */
        set_str(inst, "Name", "DISK \"a\"\\1");
        assert_int_equal(put_instance_code(f->repo, "root/cimv2", inst, REPO_PUT_CREATE_ONLY),
                         OWMI_E_ALREADY_EXISTS);
        set_uint(inst, "Size", 2000);
        put_instance_ok(f->repo, "root/cimv2", inst, REPO_PUT_UPDATE_ONLY);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Disk.Name='disk \"A\"\\\\1',Unit=7",
                                      &got), 0);
        assert_int_equal(cim_object_find_property(got, "Size")->value.v.u64, 2000);
        cim_object_free(got);
        set_uint(inst, "Unit", 99);
        assert_int_equal(put_instance_code(f->repo, "root/cimv2", inst, REPO_PUT_UPDATE_ONLY),
                         OWMI_E_NOT_FOUND);

        /* NULL key */
        cim_value_init_null(&v, CIM_TYPE_UINT32, false);
        assert_int_equal(cim_object_set_value(inst, "Unit", &v, NULL), 0);
        assert_int_equal(put_instance_code(f->repo, "root/cimv2", inst, 0), OWMI_E_ILLEGAL_NULL);
        cim_object_free(inst);

        /* missing and abstract classes */
        inst = cim_object_spawn_instance(cls);
        owmi_free(inst->class_name);
        inst->class_name = owmi_strdup("NotStored");
        assert_int_equal(put_instance_code(f->repo, "root/cimv2", inst, 0), OWMI_E_INVALID_CLASS);
        cim_object_free(inst);
        abs = new_class(NULL, "AbstractThing");
        set_flag(&abs->qualifiers, "Abstract", CIM_FLAVOR_RESTRICTED);
        add_prop(abs, "Id", CIM_TYPE_UINT32, true);
        put_class_ok(f->repo, "root/cimv2", abs, 0);
        inst = cim_object_spawn_instance(abs);
        set_uint(inst, "Id", 1);
        assert_int_equal(put_instance_code(f->repo, "root/cimv2", inst, 0),
                         OWMI_E_INVALID_OPERATION);
        cim_object_free(inst);
        cim_object_free(abs);

        /* single key written without its name */
        single = new_class(NULL, "Service");
        add_prop(single, "Name", CIM_TYPE_STRING, true);
        put_class_ok(f->repo, "root/cimv2", single, 0);
        inst = cim_object_spawn_instance(single);
        set_str(inst, "Name", "sshd");
        put_instance_ok(f->repo, "root/cimv2", inst, 0);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Service=\"SSHD\"", NULL), 0);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Service.name='sshd'", NULL), 0);
        assert_int_equal(delete_instance(f->repo, "root/cimv2", "Service='sshd'"), 0);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Service.Name='sshd'", NULL),
                         OWMI_E_NOT_FOUND);
        assert_int_equal(delete_instance(f->repo, "root/cimv2", "Service='sshd'"), OWMI_E_NOT_FOUND);
        cim_object_free(inst);
        cim_object_free(single);
        cim_object_free(cls);
}

static void test_singleton(void **state)
{
        struct fixture *f = *state;
        struct cim_object *cls = new_class(NULL, "Config"), *inst, *got;
        struct cim_object *keyless = new_class(NULL, "Keyless");

        set_flag(&cls->qualifiers, "Singleton", CIM_FLAVOR_DEFAULT);
        add_prop(cls, "Level", CIM_TYPE_UINT32, false);
        put_class_ok(f->repo, "root/cimv2", cls, 0);
        inst = cim_object_spawn_instance(cls);
        set_uint(inst, "Level", 3);
        put_instance_ok(f->repo, "root/cimv2", inst, REPO_PUT_CREATE_ONLY);
        assert_int_equal(put_instance_code(f->repo, "root/cimv2", inst, REPO_PUT_CREATE_ONLY),
                         OWMI_E_ALREADY_EXISTS);
        set_uint(inst, "Level", 4);
        put_instance_ok(f->repo, "root/cimv2", inst, 0);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "config=@", &got), 0);
        assert_int_equal(cim_object_find_property(got, "Level")->value.v.u64, 4);
        cim_object_free(got);
        cim_object_free(inst);

        /* no keys and not a singleton: nothing to name an instance by */
        put_class_ok(f->repo, "root/cimv2", keyless, 0);
        inst = cim_object_spawn_instance(keyless);
        assert_int_equal(put_instance_code(f->repo, "root/cimv2", inst, 0), OWMI_E_INVALID_OBJECT);
        cim_object_free(inst);
        cim_object_free(keyless);
        cim_object_free(cls);
}

/* ---- persistence and transactions ------------------------------------- */

static void test_persistence(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct cim_object *cls;

        make_base_derived(f->repo, "root/cimv2");
        put_item(f->repo, "root/cimv2", "Derived", 5);
        assert_int_equal(repo_namespace_create(f->repo, "root/kept", &err), 0);
        f->repo = repo_close(f->repo);
        assert_null(f->repo);

        assert_int_equal(repo_open(f->path, REPO_OPEN_NO_CREATE, &f->repo, &err), 0);
        assert_true(repo_namespace_exists(f->repo, "root/kept"));
        cls = get_class(f->repo, "root/cimv2", "Derived");
        assert_string_equal(cls->superclass, "Base");
        cim_object_free(cls);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Base.Id=5", NULL), 0);
        f->repo = repo_close(f->repo);

        /* read-only handles read and refuse writes */
        assert_int_equal(repo_open(f->path, REPO_OPEN_READONLY, &f->repo, &err), 0);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Derived.Id=5", NULL), 0);
        assert_true(repo_namespace_create(f->repo, "root/no", &err) < 0);
        assert_int_equal(err.code, OWMI_E_ACCESS_DENIED);
        assert_true(repo_transaction_begin(f->repo, &err) < 0);
        f->repo = repo_close(f->repo);

        assert_true(repo_open("/tmp/owmi-no-such-dir/x.db", REPO_OPEN_NO_CREATE, &f->repo,
                              &err) < 0);
        assert_null(f->repo);
        assert_int_equal(repo_open(f->path, 0, &f->repo, &err), 0);
}

static int count_instances(struct repo *repo, const char *ns, const char *class_name)
{
        size_t n = 0;

        if (repo_count(repo, ns, NULL, NULL, &n) < 0)
                return -1;
        (void) class_name;
        return (int) n;
}

static void test_transactions(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct repo *other;
        struct cim_object *bad;

        make_base_derived(f->repo, "root/cimv2");
        assert_int_equal(repo_open(f->path, 0, &other, &err), 0);

        /* rollback leaves nothing */
        assert_int_equal(repo_transaction_begin(f->repo, &err), 0);
        put_item(f->repo, "root/cimv2", "Base", 1);
        assert_int_equal(repo_namespace_create(f->repo, "root/tx", &err), 0);
        assert_int_equal(repo_class_delete(f->repo, "root/cimv2", "Derived", 0, &err), 0);
        assert_int_equal(count_instances(f->repo, "root/cimv2", NULL), 1);
        assert_int_equal(count_instances(other, "root/cimv2", NULL), 0);
        repo_transaction_rollback(f->repo);
        assert_int_equal(count_instances(f->repo, "root/cimv2", NULL), 0);
        assert_false(repo_namespace_exists(f->repo, "root/tx"));
        assert_true(repo_class_exists(f->repo, "root/cimv2", "Derived"));

        /* nested: only the outer commit writes */
        assert_int_equal(repo_transaction_begin(f->repo, &err), 0);
        assert_int_equal(repo_transaction_begin(f->repo, &err), 0);
        put_item(f->repo, "root/cimv2", "Base", 2);
        assert_int_equal(repo_transaction_commit(f->repo, &err), 0);
        assert_int_equal(count_instances(other, "root/cimv2", NULL), 0);
        assert_int_equal(repo_transaction_commit(f->repo, &err), 0);
        assert_int_equal(count_instances(other, "root/cimv2", NULL), 1);
        assert_true(repo_transaction_commit(f->repo, &err) < 0);

        /* an inner rollback undoes the whole transaction; the outer commit says so */
        assert_int_equal(repo_transaction_begin(f->repo, &err), 0);
        put_item(f->repo, "root/cimv2", "Base", 3);
        assert_int_equal(repo_transaction_begin(f->repo, &err), 0);
        put_item(f->repo, "root/cimv2", "Base", 4);
        repo_transaction_rollback(f->repo);
        assert_true(repo_namespace_create(f->repo, "root/late", &err) < 0);
        assert_true(repo_transaction_commit(f->repo, &err) < 0);
        assert_int_equal(count_instances(other, "root/cimv2", NULL), 1);
        assert_false(repo_namespace_exists(other, "root/late"));
        /* and the handle is usable again */
        put_item(f->repo, "root/cimv2", "Base", 5);
        assert_int_equal(count_instances(other, "root/cimv2", NULL), 2);

        /* a failing call inside a transaction does not spoil it */
        assert_int_equal(repo_transaction_begin(f->repo, &err), 0);
        put_item(f->repo, "root/cimv2", "Base", 6);
        bad = new_class(NULL, "Bad");
        bad->superclass = owmi_strdup("Missing");
        assert_int_equal(put_class_code(f->repo, "root/cimv2", bad, 0), OWMI_E_INVALID_SUPERCLASS);
        cim_object_free(bad);
        assert_true(repo_class_delete(f->repo, "root/cimv2", "Base", 0, &err) < 0);
        put_item(f->repo, "root/cimv2", "Derived", 7);
        assert_int_equal(repo_transaction_commit(f->repo, &err), 0);
        assert_int_equal(count_instances(other, "root/cimv2", NULL), 4);
        assert_true(repo_class_exists(other, "root/cimv2", "Base"));

        /* rollback without a transaction is harmless */
        repo_transaction_rollback(f->repo);
        repo_transaction_rollback(NULL);
        repo_close(other);
}

/* ---- concurrency ------------------------------------------------------ */

struct writer_ctx {
        const char *path;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool in_tx;
        int result;
};

/* Long enough that a blocked reader could not go unnoticed even on a busy
 * machine under sanitizers; the bounds below are fractions of it. */
#define WRITER_HOLD_MS 1500

static void *writer_thread(void *arg)
{
        struct writer_ctx *w = arg;
        struct owmi_error err = { 0 };
        struct repo *repo;
        int r;

        r = repo_open(w->path, 0, &repo, &err);
        if (r >= 0)
                r = repo_transaction_begin(repo, &err);
        for (unsigned i = 0; r >= 0 && i < 100; i++) {
                struct cim_object *cls = NULL, *inst;
                struct cim_value v;

                r = repo_class_get(repo, "root/cimv2", "Base", &cls, &err);
                if (r < 0)
                        break;
                inst = cim_object_spawn_instance(cls);
                cim_value_set_uint(&v, CIM_TYPE_UINT32, 1000 + i);
                r = cim_object_set_value(inst, "Id", &v, &err);
                if (r >= 0)
                        r = repo_instance_put(repo, "root/cimv2", inst, 0, &err);
                cim_object_free(inst);
                cim_object_free(cls);
        }
        pthread_mutex_lock(&w->lock);
        w->in_tx = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        /* hold the write transaction open for a while */
        usleep(WRITER_HOLD_MS * 1000);
        if (r >= 0)
                r = repo_transaction_commit(repo, &err);
        repo_close(repo);
        w->result = r;
        return NULL;
}

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int count_cb(struct cim_object *obj, void *userdata)
{
        (*(int *) userdata)++;
        cim_object_free(obj);
        return 0;
}

/* Classes are rebuilt from their stored local parts through a cache; a
 * change made elsewhere (another connection, or undone by a rollback) must
 * never be hidden by it. */
static void test_class_cache(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct cim_object *base, *derived, *cls;
        struct repo *other;
        struct names n = { 0 };

        make_base_derived(f->repo, "root/cimv2");
        /* A caches Derived (and Base through it) */
        cls = get_class(f->repo, "root/cimv2", "Derived");
        assert_int_equal(cls->prop_count, 3);
        cim_object_free(cls);

        /* B adds a property to Base */
        assert_int_equal(repo_open(f->path, 0, &other, &err), 0);
        base = get_class(other, "root/cimv2", "Base");
        add_prop(base, "Added", CIM_TYPE_UINT64, false);
        put_class_ok(other, "root/cimv2", base, REPO_PUT_FORCE);
        cim_object_free(base);
        repo_close(other);

        /* A sees it in a get and in an enumeration */
        cls = get_class(f->repo, "root/cimv2", "Derived");
        assert_non_null(cim_object_find_property(cls, "Added"));
        cim_object_free(cls);
        assert_int_equal(repo_class_enumerate(f->repo, "root/cimv2", "Base", true, collect_object, &n,
                                              &err), 0);
        assert_int_equal(n.count, 1);

        /* a change undone by a rollback leaves no trace in the cache */
        assert_int_equal(repo_transaction_begin(f->repo, &err), 0);
        derived = get_class(f->repo, "root/cimv2", "Derived");
        add_prop(derived, "Temporary", CIM_TYPE_STRING, false);
        put_class_ok(f->repo, "root/cimv2", derived, 0);
        cim_object_free(derived);
        cls = get_class(f->repo, "root/cimv2", "Derived");
        assert_non_null(cim_object_find_property(cls, "Temporary"));
        cim_object_free(cls);
        repo_transaction_rollback(f->repo);
        cls = get_class(f->repo, "root/cimv2", "Derived");
        assert_null(cim_object_find_property(cls, "Temporary"));
        assert_non_null(cim_object_find_property(cls, "Added"));
        cim_object_free(cls);
}

static void test_concurrent_reader(void **state)
{
        struct fixture *f = *state;
        struct writer_ctx w = { .path = f->path, .lock = PTHREAD_MUTEX_INITIALIZER,
                                .cond = PTHREAD_COND_INITIALIZER };
        struct owmi_error err = { 0 };
        struct repo *reader, *writer2;
        pthread_t thread;
        double t0, read_ms, write_ms;
        int seen = 0;

        make_base_derived(f->repo, "root/cimv2");
        put_item(f->repo, "root/cimv2", "Base", 1);
        assert_int_equal(pthread_create(&thread, NULL, writer_thread, &w), 0);
        pthread_mutex_lock(&w.lock);
        while (!w.in_tx)
                pthread_cond_wait(&w.cond, &w.lock);
        pthread_mutex_unlock(&w.lock);

        /* a reader is not blocked and sees the last committed state */
        t0 = now_ms();
        assert_int_equal(repo_open(f->path, REPO_OPEN_READONLY, &reader, &err), 0);
        assert_int_equal(repo_instance_enumerate(reader, "root/cimv2", "Base", true, count_cb,
                                                 &seen, &err), 0);
        assert_int_equal(get_instance(reader, "root/cimv2", "Base.Id=1000", NULL), OWMI_E_NOT_FOUND);
        assert_int_equal(get_instance(f->repo, "root/cimv2", "Base.Id=1", NULL), 0);
        read_ms = now_ms() - t0;
        assert_int_equal(seen, 1);
        assert_true(read_ms < WRITER_HOLD_MS / 2);

        /* a second writer waits for the first instead of failing */
        t0 = now_ms();
        assert_int_equal(repo_open(f->path, 0, &writer2, &err), 0);
        assert_true(now_ms() - t0 < WRITER_HOLD_MS / 2);
        put_item(writer2, "root/cimv2", "Base", 2);
        write_ms = now_ms() - t0;
        repo_close(writer2);
        assert_true(write_ms > WRITER_HOLD_MS / 3);

        pthread_join(thread, NULL);
        assert_int_equal(w.result, 0);
        seen = 0;
        assert_int_equal(repo_instance_enumerate(reader, "root/cimv2", "Base", false, count_cb,
                                                 &seen, &err), 0);
        assert_int_equal(seen, 102);
        repo_close(reader);
        printf("# reader during a write transaction: %.1f ms; second writer waited %.1f ms\n",
               read_ms, write_ms);
}

/* Callbacks may use the repository, even the statement that calls them. */
struct nested_ctx {
        struct repo *repo;
        int outer, inner;
};

static int nested_inner(struct cim_object *obj, void *userdata)
{
        ((struct nested_ctx *) userdata)->inner++;
        cim_object_free(obj);
        return 0;
}

static int nested_outer(struct cim_object *obj, void *userdata)
{
        struct nested_ctx *c = userdata;

        c->outer++;
        cim_object_free(obj);
        return repo_class_enumerate(c->repo, "root/default", NULL, true, nested_inner, c, NULL);
}

static void test_reentrant_callbacks(void **state)
{
        struct fixture *f = *state;
        struct nested_ctx c = { .repo = f->repo };

        make_tree(f->repo);
        assert_int_equal(repo_class_enumerate(f->repo, "root/default", NULL, true, nested_outer, &c,
                                              NULL), 0);
        assert_int_equal(c.outer, 7);
        assert_int_equal(c.inner, 49);
}

/* ---- allocation failures ---------------------------------------------- */

static void test_alloc_failures(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        struct cim_object *cls = new_class(NULL, "Mem"), *sub, *got = NULL, *inst;
        struct names n = { 0 };
        unsigned long i;
        int r;

        add_prop(cls, "Id", CIM_TYPE_UINT32, true);
        set_string_qual(&cls->qualifiers, "Description", "memory");
        sub = new_class(cls, "MemSub");
        add_prop(sub, "More", CIM_TYPE_STRING, false);

#define ALLOC_LOOP(call)                                                       \
        for (i = 1;; i++) {                                                    \
                owmi_alloc_fail_after(i);                                      \
                r = (call);                                                    \
                owmi_alloc_fail_after(0);                                      \
                if (r >= 0)                                                    \
                        break;                                                 \
                assert_int_equal(err.code, OWMI_E_OUT_OF_MEMORY);              \
                assert_true(i < 100000);                                       \
        }

        ALLOC_LOOP(repo_class_put(f->repo, "root/cimv2", cls, 0, &err));
        ALLOC_LOOP(repo_class_put(f->repo, "root/cimv2", sub, 0, &err));
        /* forced update re-derives MemSub */
        add_prop(cls, "Late", CIM_TYPE_BOOLEAN, false);
        ALLOC_LOOP(repo_class_put(f->repo, "root/cimv2", cls, REPO_PUT_FORCE, &err));
        got = get_class(f->repo, "root/cimv2", "MemSub");
        assert_non_null(cim_object_find_property(got, "Late"));
        cim_object_free(got);
        got = NULL;
        ALLOC_LOOP(repo_class_get(f->repo, "root/cimv2", "MemSub", &got, &err));
        assert_true(i > 1);
        cim_object_free(got);

        inst = spawn(f->repo, "root/cimv2", "MemSub");
        set_uint(inst, "Id", 9);
        set_str(inst, "More", "more");
        ALLOC_LOOP(repo_instance_put(f->repo, "root/cimv2", inst, 0, &err));
        cim_object_free(inst);
        {
                struct cim_objpath path = { 0 };

                assert_int_equal(cim_objpath_parse("Mem.Id=9", 8, &path, NULL), 0);
                got = NULL;
                ALLOC_LOOP(repo_instance_get(f->repo, "root/cimv2", &path, &got, &err));
                assert_string_equal(got->class_name, "MemSub");
                cim_object_free(got);
                cim_objpath_release(&path);
        }
        ALLOC_LOOP(repo_namespace_create(f->repo, "root/cimv2/Mem", &err));
        assert_true(repo_namespace_exists(f->repo, "root/cimv2/mem"));
        ALLOC_LOOP(repo_class_enumerate(f->repo, "root/cimv2", NULL, true, collect_object, &n, &err));
        ALLOC_LOOP(repo_namespace_delete(f->repo, "root/cimv2/Mem", &err));
        assert_false(repo_namespace_exists(f->repo, "root/cimv2/mem"));
        ALLOC_LOOP(repo_class_delete(f->repo, "root/cimv2", "Mem", REPO_DELETE_FORCE, &err));
        assert_false(repo_class_exists(f->repo, "root/cimv2", "MemSub"));
#undef ALLOC_LOOP
        cim_object_free(cls);
        cim_object_free(sub);
}

static void test_alloc_failures_open(void **state)
{
        struct fixture *f = *state;
        struct owmi_error err = { 0 };
        char path[160];
        struct repo *repo = NULL;
        unsigned long i;
        int r;

        /* creating a new repository, failing anywhere, then succeeding */
        snprintf(path, sizeof(path), "%s/second.db", f->dir);
        for (i = 1;; i++) {
                owmi_alloc_fail_after(i);
                r = repo_open(path, 0, &repo, &err);
                owmi_alloc_fail_after(0);
                if (r >= 0)
                        break;
                assert_null(repo);
        }
        assert_true(repo_namespace_exists(repo, "root/subscription"));
        assert_true(repo_class_exists(repo, "root/subscription", "__NAMESPACE"));
        repo_close(repo);
        unlink(path);
        snprintf(path, sizeof(path), "%s/second.db-wal", f->dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/second.db-shm", f->dir);
        unlink(path);
}

/* ---- misc ------------------------------------------------------------- */

static void test_default_path(void **state)
{
        char *p;

        setenv("OWMI_REPOSITORY", "/srv/x.db", 1);
        p = repo_default_path();
        assert_string_equal(p, "/srv/x.db");
        owmi_free(p);
        unsetenv("OWMI_REPOSITORY");
        setenv("XDG_DATA_HOME", "/home/u/.data", 1);
        p = repo_default_path();
        if (geteuid() == 0)
                assert_string_equal(p, "/var/lib/openwmi/repository.db");
        else
                assert_string_equal(p, "/home/u/.data/openwmi/repository.db");
        owmi_free(p);
        unsetenv("XDG_DATA_HOME");
}

static void test_integrity(void **state)
{
        struct fixture *f = *state;
        sqlite3 *db;
        sqlite3_stmt *stmt;

        make_tree(f->repo);
        assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(stmt, 0), "wal");
        sqlite3_finalize(stmt);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(stmt, 0), "ok");
        sqlite3_finalize(stmt);
        /* keyed lookups are index probes, not scans */
        assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT blob FROM instances "
                                            "WHERE ns_id = 1 AND key_ci = 'x'", -1, &stmt, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_non_null(strstr((const char *) sqlite3_column_text(stmt, 3), "USING INDEX"));
        sqlite3_finalize(stmt);
        sqlite3_close(db);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
                cmocka_unit_test_setup_teardown(test_namespaces, setup, teardown),
                cmocka_unit_test_setup_teardown(test_qualifiers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_class_crud, setup, teardown),
                cmocka_unit_test_setup_teardown(test_class_rules, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rederive, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enumerate_classes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enumerate_instances, setup, teardown),
                cmocka_unit_test_setup_teardown(test_instance_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(test_singleton, setup, teardown),
                cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
                cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
                cmocka_unit_test_setup_teardown(test_class_cache, setup, teardown),
                cmocka_unit_test_setup_teardown(test_concurrent_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reentrant_callbacks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
                cmocka_unit_test_setup_teardown(test_alloc_failures_open, setup, teardown),
                cmocka_unit_test(test_default_path),
                cmocka_unit_test_setup_teardown(test_integrity, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
