/* SPDX-License-Identifier: MIT */
/*
 * fuzz-wql.c: libFuzzer target for the WQL parser and evaluator: query
 * text comes straight from clients.  Every input is parsed; a syntax error
 * must point into the text or just past it.  A query that parses is
 * checked against a fixed event class (every property type, embedded
 * TargetInstance / PreviousInstance), its WHERE is evaluated against an
 * instance of it and against the class itself, and the needed properties
 * and projection are computed.  The text is also tried as a LIKE pattern.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/object.h"
#include "wql/wql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cim_object *event_class, *part_class, *instance;

static struct cim_property *add(struct cim_object *cls, const char *name, cim_type type,
                                bool is_array, bool key)
{
        struct cim_property *p = cim_object_add_property(cls, name);
        struct cim_value t;

        if (!p)
                abort();
        p->type = type;
        p->is_array = is_array;
        cim_value_init_null(&p->value, type, is_array);
        p->class_origin = owmi_strdup(cls->class_name);
        if (key) {
                cim_value_set_bool(&t, true);
                if (cim_qualifier_list_set(&p->qualifiers, "Key", &t, CIM_FLAVOR_DEFAULT) < 0)
                        abort();
        }
        return p;
}

static void set(struct cim_object *obj, const char *name, struct cim_value *v)
{
        if (cim_object_set_value(obj, name, v, NULL) < 0)
                abort();
        cim_value_release(v);
}

static void set_string(struct cim_object *obj, const char *name, const char *s)
{
        struct cim_value v;

        if (cim_value_set_string(&v, CIM_TYPE_STRING, s) < 0)
                abort();
        set(obj, name, &v);
}

static void set_object(struct cim_object *obj, const char *name, struct cim_object *child)
{
        struct cim_property *p = cim_object_find_property(obj, name);

        if (!p || !child)
                abort();
        cim_value_release(&p->value);
        p->value.type = CIM_TYPE_OBJECT;
        p->value.is_null = false;
        p->value.v.object = child;
}

static struct cim_object *part(const char *name, uint64_t size)
{
        struct cim_object *p = cim_object_spawn_instance(part_class);
        struct cim_value v;

        if (!p)
                abort();
        set_string(p, "Name", name);
        cim_value_set_uint(&v, CIM_TYPE_UINT64, size);
        set(p, "Size", &v);
        return p;
}

/* Fz : __Event, built once and kept for the whole run. */
static void build_objects(void)
{
        struct cim_object *base;
        struct cim_value v, item;

        if (instance)
                return;
        part_class = cim_object_new_class("Part", NULL);
        add(part_class, "Name", CIM_TYPE_STRING, false, true);
        add(part_class, "Size", CIM_TYPE_UINT32, false, false);
        base = cim_object_new_class("__Event", NULL);
        add(base, "TIME_CREATED", CIM_TYPE_UINT64, false, false);
        event_class = cim_object_derive(base, "Fz");
        cim_object_free(base);
        if (!event_class)
                abort();
        add(event_class, "Name", CIM_TYPE_STRING, false, true);
        add(event_class, "Count", CIM_TYPE_SINT32, false, false);
        add(event_class, "Big", CIM_TYPE_UINT64, false, false);
        add(event_class, "Ratio", CIM_TYPE_REAL64, false, false);
        add(event_class, "Flag", CIM_TYPE_BOOLEAN, false, false);
        add(event_class, "When", CIM_TYPE_DATETIME, false, false);
        add(event_class, "Letter", CIM_TYPE_CHAR16, false, false);
        add(event_class, "Tags", CIM_TYPE_STRING, true, false);
        add(event_class, "Note", CIM_TYPE_STRING, false, false);
        add(event_class, "Owner", CIM_TYPE_REFERENCE, false, false);
        add(event_class, "TargetInstance", CIM_TYPE_OBJECT, false, false)->ref_class =
                owmi_strdup("Part");
        add(event_class, "PreviousInstance", CIM_TYPE_OBJECT, false, false);

        instance = cim_object_spawn_instance(event_class);
        if (!instance)
                abort();
        set_string(instance, "Name", "Widget");
        cim_value_set_sint(&v, CIM_TYPE_SINT64, -5);
        set(instance, "Count", &v);
        cim_value_set_uint(&v, CIM_TYPE_UINT64, UINT64_MAX);
        set(instance, "Big", &v);
        cim_value_set_real(&v, CIM_TYPE_REAL64, 2.5);
        set(instance, "Ratio", &v);
        cim_value_set_bool(&v, true);
        set(instance, "Flag", &v);
        set_string(instance, "When", "20240315103000.000000+060");
        set_string(instance, "Letter", "x");
        cim_value_init_array(&v, CIM_TYPE_STRING);
        if (cim_value_set_string(&item, CIM_TYPE_STRING, "a") < 0 ||
            cim_value_array_append(&v, &item) < 0)
                abort();
        set(instance, "Tags", &v);
        set_string(instance, "Owner", "Part.Name=\"p1\"");
        set_object(instance, "TargetInstance", part("Gear", 7));
        set_object(instance, "PreviousInstance", part("gear", 6));
}

static const struct cim_object *lookup(const char *name, void *userdata)
{
        (void) userdata;
        if (owmi_strcasecmp(name, "Part") == 0)
                return part_class;
        if (owmi_strcasecmp(name, "Fz") == 0 || owmi_strcasecmp(name, "__Event") == 0)
                return event_class;
        return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct owmi_error err = { 0 };
        struct wql_query *q = NULL;
        struct cim_object *projected;
        const char **names = NULL;
        size_t count = 0;
        char *text;
        int r;

        build_objects();

        /* the whole input as a LIKE pattern (up to its first NUL) */
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        (void) wql_like("Win32_Process.Handle=\"1234\" caf\xc3\xa9 [x] 100%", text);
        (void) wql_like(text, "%a%[^b]_%");
        free(text);

        r = wql_parse((const char *) data, size, &q, &err);
        if (r < 0) {
                if (q)
                        abort();
                if (err.code == OWMI_E_OUT_OF_MEMORY)
                        return 0;
                if (err.column == 0 ||
                    (err.column > size + 1 && !(size > WQL_MAX_TEXT &&
                                                err.column == WQL_MAX_TEXT + 1)))
                        abort();
                return 0;
        }
        if (!q || q->kind > WQL_REFERENCES)
                abort();
        (void) wql_classify(q, event_class);
        (void) wql_check(q, event_class, lookup, NULL, &err);
        (void) wql_check(q, event_class, NULL, NULL, &err);
        (void) wql_match(q->where, instance);
        (void) wql_match(q->where, event_class);
        if (wql_needed_properties(q, &names, &count) == 0) {
                for (size_t i = 0; i < count; i++)
                        if (!names[i])
                                abort();
                owmi_free(names);
        }
        projected = wql_project(instance, q);
        if (projected && projected->prop_count > instance->prop_count)
                abort();
        cim_object_free(projected);
        wql_query_free(q);
        return 0;
}
