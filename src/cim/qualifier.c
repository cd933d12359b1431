/* SPDX-License-Identifier: MIT */
/*
 * qualifier.c: qualifier lists, flavors and qualifier type declarations
 * (DSP0004 5.6.1).  Propagation rule: a qualifier reaches subclasses (and
 * members of subclasses) unless it is Restricted.  Whether an override is
 * allowed is checked where classes are built (mof/compile.c), since it
 * needs the declaration of the qualifier.
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/qualifier.h"

void cim_qualifier_list_release(struct cim_qualifier_list *list)
{
        if (!list)
                return;
        for (size_t i = 0; i < list->count; i++) {
                if (!list->items[i].name_in_block)
                        owmi_free(list->items[i].name);
                cim_value_release(&list->items[i].value);
        }
        if (!list->items_in_block)
                owmi_free(list->items);
        memset(list, 0, sizeof(*list));
}

int cim_qualifier_list_copy(struct cim_qualifier_list *dst, const struct cim_qualifier_list *src)
{
        struct cim_qualifier_list tmp = { 0 };

        if (src->count) {
                tmp.items = owmi_calloc(src->count, sizeof(*tmp.items));
                if (!tmp.items)
                        return -ENOMEM;
                tmp.alloc = src->count;
        }
        for (size_t i = 0; i < src->count; i++) {
                struct cim_qualifier *q = &tmp.items[i];

                *q = src->items[i];
                q->name_in_block = false;
                q->name = owmi_strdup(src->items[i].name);
                if (!q->name || cim_value_copy(&q->value, &src->items[i].value) < 0) {
                        if (q->name)
                                owmi_free(q->name);
                        tmp.count = i;
                        cim_qualifier_list_release(&tmp);
                        return -ENOMEM;
                }
                tmp.count = i + 1;
        }
        *dst = tmp;
        return 0;
}

struct cim_qualifier *cim_qualifier_list_find(const struct cim_qualifier_list *list, const char *name)
{
        for (size_t i = 0; i < list->count; i++)
                if (owmi_strcasecmp(list->items[i].name, name) == 0)
                        return &list->items[i];
        return NULL;
}

int cim_qualifier_list_set(struct cim_qualifier_list *list, const char *name,
                           struct cim_value *value, uint32_t flavor)
{
        struct cim_qualifier *q = cim_qualifier_list_find(list, name);

        if (q) {
                cim_value_move(&q->value, value);
                q->flavor = flavor;
                q->propagated = false;
                return 0;
        }
        if (list->items_in_block) {
                /* the block cannot grow: the items move to an array of their own */
                struct cim_qualifier *own = owmi_calloc(list->count + 1, sizeof(*own));

                if (!own)
                        return -ENOMEM;
                memcpy(own, list->items, list->count * sizeof(*own));
                list->items = own;
                list->alloc = list->count + 1;
                list->items_in_block = false;
        }
        if (OWMI_GROW(list->items, list->alloc, list->count + 1) < 0)
                return -ENOMEM;
        q = &list->items[list->count];
        memset(q, 0, sizeof(*q));
        q->name = owmi_strdup(name);
        if (!q->name)
                return -ENOMEM;
        cim_value_init_null(&q->value, CIM_TYPE_NONE, false);
        cim_value_move(&q->value, value);
        q->flavor = flavor;
        list->count++;
        return 0;
}

bool cim_qualifier_list_remove(struct cim_qualifier_list *list, const char *name)
{
        struct cim_qualifier *q = cim_qualifier_list_find(list, name);
        size_t idx;

        if (!q)
                return false;
        idx = (size_t) (q - list->items);
        if (!q->name_in_block)
                owmi_free(q->name);
        cim_value_release(&q->value);
        memmove(q, q + 1, (list->count - idx - 1) * sizeof(*q));
        list->count--;
        return true;
}

int cim_qualifier_list_inherit(struct cim_qualifier_list *dst, const struct cim_qualifier_list *src)
{
        int r = cim_qualifier_list_copy(dst, src);
        size_t kept = 0;

        if (r < 0)
                return r;
        for (size_t i = 0; i < dst->count; i++) {
                struct cim_qualifier *q = &dst->items[i];

                if (q->flavor & CIM_FLAVOR_RESTRICTED) {
                        owmi_free(q->name);     /* a fresh copy: never in a block */
                        cim_value_release(&q->value);
                        continue;
                }
                q->propagated = true;
                dst->items[kept++] = *q;
        }
        dst->count = kept;
        return 0;
}

bool cim_qualifier_list_flag(const struct cim_qualifier_list *list, const char *name)
{
        const struct cim_qualifier *q = cim_qualifier_list_find(list, name);

        return q && !q->value.is_null && !q->value.is_array && q->value.type == CIM_TYPE_BOOLEAN &&
               q->value.v.boolean;
}

const char *cim_qualifier_list_string(const struct cim_qualifier_list *list, const char *name)
{
        const struct cim_qualifier *q = cim_qualifier_list_find(list, name);

        if (!q || q->value.is_null || q->value.is_array || q->value.type != CIM_TYPE_STRING)
                return NULL;
        return q->value.v.string;
}

bool cim_qualifier_list_equal(const struct cim_qualifier_list *a, const struct cim_qualifier_list *b)
{
        if (a->count != b->count)
                return false;
        for (size_t i = 0; i < a->count; i++) {
                const struct cim_qualifier *qa = &a->items[i];
                const struct cim_qualifier *qb = cim_qualifier_list_find(b, qa->name);

                if (!qb || qa->flavor != qb->flavor || qa->propagated != qb->propagated ||
                    !cim_value_equal(&qa->value, &qb->value))
                        return false;
        }
        return true;
}

void cim_qualifier_decl_release(struct cim_qualifier_decl *decl)
{
        if (!decl)
                return;
        owmi_free(decl->name);
        cim_value_release(&decl->default_value);
        memset(decl, 0, sizeof(*decl));
}

int cim_qualifier_decl_copy(struct cim_qualifier_decl *dst, const struct cim_qualifier_decl *src)
{
        struct cim_qualifier_decl tmp = *src;

        tmp.name = owmi_strdup(src->name);
        if (!tmp.name)
                return -ENOMEM;
        if (cim_value_copy(&tmp.default_value, &src->default_value) < 0) {
                owmi_free(tmp.name);
                return -ENOMEM;
        }
        *dst = tmp;
        return 0;
}

bool cim_qualifier_decl_equal(const struct cim_qualifier_decl *a, const struct cim_qualifier_decl *b)
{
        return owmi_strcasecmp(a->name, b->name) == 0 && a->type == b->type &&
               a->is_array == b->is_array && a->array_size == b->array_size &&
               a->scope == b->scope && a->flavor == b->flavor &&
               cim_value_equal(&a->default_value, &b->default_value);
}

static const struct {
        uint32_t bit;
        const char *mof;
} flavor_names[] = {
        { CIM_FLAVOR_ENABLE_OVERRIDE, "EnableOverride" },
        { CIM_FLAVOR_DISABLE_OVERRIDE, "DisableOverride" },
        { CIM_FLAVOR_TO_SUBCLASS, "ToSubclass" },
        { CIM_FLAVOR_RESTRICTED, "Restricted" },
        { CIM_FLAVOR_TRANSLATABLE, "Translatable" },
        { CIM_FLAVOR_AMENDED, "Amended" },
        { CIM_FLAVOR_TO_INSTANCE, "ToInstance" },
        { CIM_FLAVOR_NOT_TO_INSTANCE, "NotToInstance" },
};

int cim_flavor_format_mof(uint32_t flavor, struct strbuf *out)
{
        bool first = true;

        for (size_t i = 0; i < ELEMENTSOF(flavor_names); i++) {
                if (!(flavor & flavor_names[i].bit))
                        continue;
                strbuf_addstr(out, first ? "" : ", ");
                strbuf_addstr(out, flavor_names[i].mof);
                first = false;
        }
        return strbuf_error(out);
}

static const struct {
        uint32_t bit;
        const char *mof;
} scope_names[] = {
        { CIM_SCOPE_CLASS, "class" },
        { CIM_SCOPE_ASSOCIATION, "association" },
        { CIM_SCOPE_INDICATION, "indication" },
        { CIM_SCOPE_PROPERTY, "property" },
        { CIM_SCOPE_REFERENCE, "reference" },
        { CIM_SCOPE_METHOD, "method" },
        { CIM_SCOPE_PARAMETER, "parameter" },
        { CIM_SCOPE_QUALIFIER, "qualifier" },
        { CIM_SCOPE_INSTANCE, "instance" },
};

int cim_scope_format_mof(uint32_t scope, struct strbuf *out)
{
        bool first = true;

        if ((scope & CIM_SCOPE_ANY) == CIM_SCOPE_ANY)
                return strbuf_addstr(out, "any");
        for (size_t i = 0; i < ELEMENTSOF(scope_names); i++) {
                if (!(scope & scope_names[i].bit))
                        continue;
                strbuf_addstr(out, first ? "" : ", ");
                strbuf_addstr(out, scope_names[i].mof);
                first = false;
        }
        return strbuf_error(out);
}
