/* SPDX-License-Identifier: MIT */
/*
 * render.c: MOF text of classes, instances and qualifier declarations
 * (DSP0221 syntax, WMI's GetObjectText layout).  Only what the object
 * itself declares is written (propagated qualifiers and members are left
 * out unless CIM_RENDER_INHERITED), so the text compiles back to the same
 * object on top of the same superclass.
 */
#include <string.h>

#include "cim/render.h"

#define INDENT "\t"   /* WMI's GetObjectText indents with tabs */

/* Flavors are written only where they differ from DSP0004's defaults; the
 * compiler starts from the qualifier declaration, so this is lossless for
 * every qualifier that follows or tightens its declaration. */
static int format_flavor(uint32_t flavor, struct strbuf *out)
{
        uint32_t shown = flavor & ~(uint32_t) CIM_FLAVOR_DEFAULT;

        if (!shown)
                return 0;
        /* flavors after ':' are separated by blanks (DSP0221 qualifier syntax) */
        for (uint32_t bit = 1; bit <= shown; bit <<= 1) {
                struct strbuf one = STRBUF_INIT;

                if (!(shown & bit))
                        continue;
                cim_flavor_format_mof(bit, &one);
                strbuf_addstr(out, bit == (shown & -shown) ? " : " : " ");
                strbuf_addstr(out, strbuf_str(&one));
                strbuf_release(&one);
        }
        return strbuf_error(out);
}

static int format_qualifiers(const struct cim_qualifier_list *list, unsigned flags,
                             struct strbuf *out, const char *after)
{
        bool first = true;

        if (flags & CIM_RENDER_NO_QUALIFIERS)
                return 0;
        for (size_t i = 0; i < list->count; i++) {
                const struct cim_qualifier *q = &list->items[i];

                if (q->propagated && !(flags & CIM_RENDER_INHERITED))
                        continue;
                strbuf_addstr(out, first ? "[" : ", ");
                first = false;
                strbuf_addstr(out, q->name);
                if (q->value.type == CIM_TYPE_BOOLEAN && !q->value.is_array &&
                    !q->value.is_null && q->value.v.boolean) {
                        /* TRUE is the value a bare boolean qualifier stands for */
                } else if (q->value.is_array && !q->value.is_null) {
                        cim_value_format_mof(&q->value, out, 0);
                } else {
                        strbuf_addch(out, '(');
                        cim_value_format_mof(&q->value, out, 0);
                        strbuf_addch(out, ')');
                }
                format_flavor(q->flavor, out);
        }
        if (!first) {
                strbuf_addch(out, ']');
                strbuf_addstr(out, after);
        }
        return strbuf_error(out);
}

static void format_type(cim_type type, const char *ref_class, struct strbuf *out)
{
        if (type == CIM_TYPE_REFERENCE) {
                strbuf_addstr(out, ref_class ? ref_class : "object");
                strbuf_addstr(out, " REF");
        } else if (type == CIM_TYPE_OBJECT) {
                strbuf_addstr(out, ref_class ? ref_class : "object");
        } else if (type == CIM_TYPE_NONE) {
                strbuf_addstr(out, "void");
        } else {
                strbuf_addstr(out, cim_type_name(type));
        }
}

static void format_array_suffix(const struct cim_property *p, struct strbuf *out)
{
        if (!p->is_array)
                return;
        if (p->array_size)
                strbuf_addf(out, "[%u]", p->array_size);
        else
                strbuf_addstr(out, "[]");
}

static void format_property(const struct cim_property *p, unsigned flags, struct strbuf *out)
{
        strbuf_addstr(out, INDENT);
        format_qualifiers(&p->qualifiers, flags, out, " ");
        format_type(p->type, p->ref_class, out);
        strbuf_addch(out, ' ');
        strbuf_addstr(out, p->name);
        format_array_suffix(p, out);
        if (!p->value.is_null) {
                strbuf_addstr(out, " = ");
                cim_value_format_mof(&p->value, out, 1);
        }
        strbuf_addstr(out, ";\n");
}

static void format_method(const struct cim_method *m, unsigned flags, struct strbuf *out)
{
        strbuf_addstr(out, INDENT);
        format_qualifiers(&m->qualifiers, flags, out, " ");
        format_type(m->return_type, m->return_ref_class, out);
        strbuf_addf(out, " %s(", m->name);
        for (size_t i = 0; i < m->param_count; i++) {
                const struct cim_property *p = &m->params[i];

                if (i)
                        strbuf_addstr(out, ", ");
                /* parameter qualifiers are part of the signature: always shown */
                format_qualifiers(&p->qualifiers, flags | CIM_RENDER_INHERITED, out, " ");
                format_type(p->type, p->ref_class, out);
                strbuf_addch(out, ' ');
                strbuf_addstr(out, p->name);
                format_array_suffix(p, out);
                if (!p->value.is_null) {
                        strbuf_addstr(out, " = ");
                        cim_value_format_mof(&p->value, out, 1);
                }
        }
        strbuf_addstr(out, ");\n");
}

static int format_class(const struct cim_object *cls, unsigned flags, struct strbuf *out)
{
        format_qualifiers(&cls->qualifiers, flags, out, "\n");
        strbuf_addf(out, "class %s", cls->class_name);
        if (cls->superclass)
                strbuf_addf(out, " : %s", cls->superclass);
        strbuf_addstr(out, "\n{\n");
        for (size_t i = 0; i < cls->prop_count; i++)
                if (!cls->props[i].propagated || (flags & CIM_RENDER_INHERITED))
                        format_property(&cls->props[i], flags, out);
        for (size_t i = 0; i < cls->method_count; i++)
                if (!cls->methods[i].propagated || (flags & CIM_RENDER_INHERITED))
                        format_method(&cls->methods[i], flags, out);
        strbuf_addstr(out, "};\n");
        return strbuf_error(out);
}

static int format_instance_body(const struct cim_object *inst, unsigned flags, unsigned indent,
                                struct strbuf *out)
{
        strbuf_addf(out, "instance of %s\n", inst->class_name);
        strbuf_addindent(out, indent);
        strbuf_addstr(out, "{\n");
        for (size_t i = 0; i < inst->prop_count; i++) {
                const struct cim_property *p = &inst->props[i];

                if (p->value.is_null)
                        continue;
                strbuf_addindent(out, indent + 1);
                format_qualifiers(&p->qualifiers, flags, out, " ");
                strbuf_addf(out, "%s = ", p->name);
                cim_value_format_mof(&p->value, out, indent + 1);
                strbuf_addstr(out, ";\n");
        }
        strbuf_addindent(out, indent);
        strbuf_addch(out, '}');
        return strbuf_error(out);
}

int cim_object_format_mof(const struct cim_object *obj, unsigned flags, struct strbuf *out)
{
        if (obj->genus == CIM_GENUS_CLASS)
                return format_class(obj, flags, out);
        format_qualifiers(&obj->qualifiers, flags, out, "\n");
        format_instance_body(obj, flags, 0, out);
        return strbuf_addstr(out, ";\n");
}

int cim_object_format_mof_value(const struct cim_object *obj, struct strbuf *out, unsigned indent)
{
        return format_instance_body(obj, 0, indent, out);
}

int cim_qualifier_decl_format_mof(const struct cim_qualifier_decl *decl, struct strbuf *out)
{
        strbuf_addf(out, "Qualifier %s : %s", decl->name, cim_type_name(decl->type));
        if (decl->is_array) {
                if (decl->array_size)
                        strbuf_addf(out, "[%u]", decl->array_size);
                else
                        strbuf_addstr(out, "[]");
        }
        if (!decl->default_value.is_null) {
                strbuf_addstr(out, " = ");
                cim_value_format_mof(&decl->default_value, out, 0);
        }
        strbuf_addstr(out, ",\n    Scope(");
        cim_scope_format_mof(decl->scope, out);
        strbuf_addch(out, ')');
        if (decl->flavor) {
                strbuf_addstr(out, ",\n    Flavor(");
                cim_flavor_format_mof(decl->flavor, out);
                strbuf_addch(out, ')');
        }
        return strbuf_addstr(out, ";\n");
}
