/* SPDX-License-Identifier: MIT */
/*
 * object.c: libowmi's object accessors, over struct cim_object.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/render.h"
#include "client/client.h"

static const struct cim_object *CO(const owmi_object *o)
{
        return (const struct cim_object *) o;
}

/* Public strings are the C library's (free()), not owmi_malloc's. */
static char *public_string(struct strbuf *sb)
{
        char *s = NULL;

        if (strbuf_error(sb) == 0)
                s = strdup(sb->buf ? sb->buf : "");
        strbuf_release(sb);
        return s;
}

void owmi_object_free(owmi_object *obj)
{
        cim_object_free(client_object(obj));
}

owmi_object *owmi_object_clone(const owmi_object *obj)
{
        return (owmi_object *) cim_object_clone(CO(obj));
}

const char *owmi_object_class_name(const owmi_object *obj)
{
        return CO(obj)->class_name;
}

bool owmi_object_is_class(const owmi_object *obj)
{
        return cim_object_is_class(CO(obj));
}

char *owmi_object_relpath(const owmi_object *obj)
{
        struct strbuf sb;

        strbuf_init(&sb);
        if (cim_object_relpath(CO(obj), &sb) < 0) {
                strbuf_release(&sb);
                return NULL;
        }
        return public_string(&sb);
}

char *owmi_object_to_mof(const owmi_object *obj)
{
        struct strbuf sb;

        strbuf_init(&sb);
        if (cim_object_format_mof(CO(obj), 0, &sb) < 0) {
                strbuf_release(&sb);
                return NULL;
        }
        return public_string(&sb);
}

size_t owmi_object_property_count(const owmi_object *obj)
{
        return CO(obj)->prop_count;
}

const char *owmi_object_property_name(const owmi_object *obj, size_t index)
{
        return index < CO(obj)->prop_count ? CO(obj)->props[index].name : NULL;
}

char *owmi_object_get_text(const owmi_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(CO(obj), name);
        struct strbuf sb;

        if (!p || p->value.is_null)
                return NULL;
        strbuf_init(&sb);
        if (!p->value.is_array && (p->value.type == CIM_TYPE_STRING || p->value.type == CIM_TYPE_REFERENCE))
                strbuf_addstr(&sb, p->value.v.string);
        else if (cim_value_format_mof(&p->value, &sb, 0) < 0) {
                strbuf_release(&sb);
                return NULL;
        }
        return public_string(&sb);
}

owmi_object *owmi_object_spawn_instance(const owmi_object *cls)
{
        return (owmi_object *) cim_object_spawn_instance(CO(cls));
}

int client_value_from_text(cim_type type, const char *text, struct cim_value *ret,
                           struct owmi_error *err)
{
        struct cim_value in;
        int r;

        if (type == CIM_TYPE_BOOLEAN) {
                if (owmi_strcasecmp(text, "true") && owmi_strcasecmp(text, "false") &&
                    strcmp(text, "1") && strcmp(text, "0"))
                        return owmi_error_set(err, OWMI_E_TYPE_MISMATCH,
                                              "'%s' is not a boolean (true or false)", text);
                cim_value_set_bool(ret, !owmi_strcasecmp(text, "true") || !strcmp(text, "1"));
                return 0;
        }
        if (cim_type_is_real(type)) {
                char *end;
                double d = strtod(text, &end);

                if (*end || end == text)
                        return owmi_error_set(err, OWMI_E_TYPE_MISMATCH, "'%s' is not a number", text);
                cim_value_set_real(ret, type, d);
                return 0;
        }
        if (cim_value_set_string(&in, CIM_TYPE_STRING, text) < 0)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        r = cim_value_convert(&in, type, false, ret, err);
        cim_value_release(&in);
        return r;
}

int owmi_object_set_text(owmi_object *obj, const char *name, const char *text,
                         struct owmi_error *err)
{
        struct cim_object *o = client_object(obj);
        struct cim_property *p = cim_object_find_property(o, name);
        struct cim_value v;
        int r;

        owmi_error_clear(err);
        if (!p)
                return (int) OWMI_E_NOT_FOUND;
        if (p->is_array) {
                owmi_error_set(err, OWMI_E_TYPE_MISMATCH, "'%s' is an array", name);
                return (int) OWMI_E_TYPE_MISMATCH;
        }
        if (!text) {
                cim_value_init_null(&v, p->type, false);
        } else {
                r = client_value_from_text(p->type, text, &v, err);
                if (r < 0)
                        return (int) (err && err->code ? err->code : owmi_status_from_errno(r));
        }
        r = cim_object_take_value(o, p, &v, err);
        if (r < 0)
                return (int) (err && err->code ? err->code : owmi_status_from_errno(r));
        return 0;
}
