/* SPDX-License-Identifier: MIT */
/*
 * wdm.c: the rules WMI's WDM provider puts on classes that describe
 * driver data blocks (classes with the WMI qualifier): seed document 004
 * section 5 and research/wdm-datablocks.md, checks V1-V14.  Block classes
 * (Dynamic or Static) carry InstanceName and Active plus data items
 * numbered by WmiDataId; embedded classes carry only data items.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "mof/compile.h"

static const struct mof_pos *feature_pos(const struct mof_decl *d, const char *name)
{
        for (size_t i = 0; i < d->feature_count; i++)
                if (d->features[i].name && owmi_strcasecmp(d->features[i].name, name) == 0)
                        return &d->features[i].pos;
        return &d->name_pos;
}

static const struct mof_pos *qualifier_pos(const struct mof_decl *d, const char *name)
{
        for (size_t i = 0; i < d->qualifiers.count; i++)
                if (owmi_strcasecmp(d->qualifiers.items[i].name, name) == 0)
                        return &d->qualifiers.items[i].pos;
        return &d->name_pos;
}

/* 8-4-4-4-12 hexadecimal digits, braces allowed around it. */
static bool guid_is_valid(const char *g)
{
        static const int groups[] = { 8, 4, 4, 4, 12 };
        size_t len = strlen(g);
        const char *s = g;

        if (len == 38 && g[0] == '{' && g[37] == '}')
                s++;
        else if (len != 36)
                return false;
        for (size_t i = 0; i < 5; i++) {
                for (int j = 0; j < groups[i]; j++, s++)
                        if (!isxdigit((unsigned char) *s))
                                return false;
                if (i < 4 && *s++ != '-')
                        return false;
        }
        return true;
}

static bool qualifier_integer(const struct cim_qualifier_list *list, const char *name, int64_t *ret)
{
        const struct cim_qualifier *q = cim_qualifier_list_find(list, name);

        if (!q || q->value.is_null || q->value.is_array || !cim_type_is_integer(q->value.type))
                return false;
        *ret = cim_type_is_signed(q->value.type) ? q->value.v.s64 : (int64_t) q->value.v.u64;
        return true;
}

static bool is_data_item_type(const struct cim_property *p)
{
        return p->type == CIM_TYPE_BOOLEAN || cim_type_is_integer(p->type) ||
               p->type == CIM_TYPE_STRING || p->type == CIM_TYPE_DATETIME ||
               cim_type_is_real(p->type) || p->type == CIM_TYPE_CHAR16 ||
               (p->type == CIM_TYPE_OBJECT && p->ref_class);
}

static int check_hierarchy(struct compiler *c, const struct mof_decl *d, const struct cim_object *cls)
{
        if (!cim_object_is_abstract(cls))
                return 0;
        for (size_t i = 0; i < cls->derivation_count; i++) {
                const struct cim_object *anc = compiler_find_class(c, d->namespace, cls->derivation[i]);

                if (anc && cim_object_is_abstract(anc)) {
                        if (cim_object_is_a(anc, "WmiEvent"))
                                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_CANNOT_BE_ABSTRACT,
                                                     qualifier_pos(d, "Abstract"),
                                                     "event base class '%s' cannot be abstract: "
                                                     "WmiEvent already is, and a WDM hierarchy has "
                                                     "only one abstract class", cls->class_name);
                        return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_CANNOT_BE_ABSTRACT,
                                             qualifier_pos(d, "Abstract"),
                                             "class '%s' cannot be abstract: its ancestor '%s' "
                                             "already is (one abstract class per WDM hierarchy)",
                                             cls->class_name, anc->class_name);
                }
        }
        return 0;
}

static int check_guid(struct compiler *c, const struct mof_decl *d, const struct cim_object *cls)
{
        const char *guid = cim_qualifier_list_string(&cls->qualifiers, "guid");
        const struct cim_qualifier *q = cim_qualifier_list_find(&cls->qualifiers, "guid");
        char lower[40];
        struct mof_decl *other;

        if (!q || q->propagated)
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER, &d->name_pos,
                                     "WDM class '%s' needs its own guid(\"...\") qualifier",
                                     cls->class_name);
        if (!guid || !guid_is_valid(guid))
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER,
                                     qualifier_pos(d, "guid"), "guid \"%s\" of class '%s' is not a "
                                     "GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hexadecimal)",
                                     guid ? guid : "", cls->class_name);
        {
                const char *s = guid[0] == '{' ? guid + 1 : guid;
                size_t i;

                for (i = 0; i < 36; i++)
                        lower[i] = (char) tolower((unsigned char) s[i]);
                lower[i] = '\0';
        }
        other = hashmap_get(&c->guids, lower);
        /* a class declared again keeps its guid */
        if (other && other != d && owmi_strcasecmp(other->name, d->name) != 0)
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_ALREADY_EXISTS,
                                     qualifier_pos(d, "guid"), "guid %s of class '%s' is also the "
                                     "guid of class '%s' (%s:%u); every block needs its own",
                                     guid, cls->class_name, other->name, other->name_pos.file,
                                     other->name_pos.line);
        return hashmap_put(&c->guids, lower, (void *) d);
}

static int check_required_items(struct compiler *c, const struct mof_decl *d,
                                const struct cim_object *cls, bool block)
{
        const struct cim_property *name = cim_object_find_property(cls, "InstanceName");
        const struct cim_property *active = cim_object_find_property(cls, "Active");
        int result = 0;

        if (!block) {
                if (name)
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY,
                                               feature_pos(d, "InstanceName"), "embedded WDM class "
                                               "'%s' cannot have InstanceName", cls->class_name);
                if (active)
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY,
                                               feature_pos(d, "Active"), "embedded WDM class '%s' "
                                               "cannot have Active", cls->class_name);
                return result;
        }
        if (!name || name->type != CIM_TYPE_STRING || name->is_array || !cim_property_is_key(name))
                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY,
                                       name ? feature_pos(d, "InstanceName") : &d->name_pos,
                                       "WDM block class '%s' needs '[key, read] string "
                                       "InstanceName;'", cls->class_name);
        if (!active || active->type != CIM_TYPE_BOOLEAN || active->is_array)
                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY,
                                       active ? feature_pos(d, "Active") : &d->name_pos,
                                       "WDM block class '%s' needs '[read] boolean Active;'",
                                       cls->class_name);
        return result;
}

/* The fixed size of an array item: name[N], or the MAX(N) qualifier WMI
 * keeps that size in (iscsiprf.mof writes `[MAX(16)] uint8 X[];`). */
static bool has_fixed_size(const struct cim_property *p)
{
        int64_t max;

        return p->array_size || (qualifier_integer(&p->qualifiers, "MAX", &max) && max > 0);
}

/* InstanceName and Active are WMI's own; members inherited from system
 * classes (__Event's TIME_CREATED...) are not part of the driver's block. */
static bool is_required_item(const struct cim_property *p)
{
        return owmi_strcasecmp(p->name, "InstanceName") == 0 || owmi_strcasecmp(p->name, "Active") == 0 ||
               (p->class_origin && p->class_origin[0] == '_' && p->class_origin[1] == '_');
}

/* WmiDataId unique and contiguous from 1; keys; sizes; timestamps; types. */
static int check_data_items(struct compiler *c, const struct mof_decl *d, const struct cim_object *cls)
{
        int64_t *ids = calloc(cls->prop_count ? cls->prop_count : 1, sizeof(*ids));
        size_t n = 0;
        int result = 0;

        if (!ids)
                return -ENOMEM;

        for (size_t i = 0; i < cls->prop_count; i++) {
                const struct cim_property *p = &cls->props[i];
                const struct mof_pos *pos = feature_pos(d, p->name);
                const char *size_is;
                int64_t id;

                if (is_required_item(p))
                        continue;
                if (cim_property_is_key(p))
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_CANNOT_BE_KEY, pos,
                                               "'%s': only InstanceName may be a key in a WDM "
                                               "class", p->name);
                if (!is_data_item_type(p))
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY_TYPE, pos,
                                               "'%s': type %s cannot be a WDM data item", p->name,
                                               cim_type_name(p->type));
                if (!qualifier_integer(&p->qualifiers, "WmiDataId", &id)) {
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER, pos,
                                               "data item '%s' needs a WmiDataId(n) qualifier",
                                               p->name);
                        continue;
                }
                for (size_t j = 0; j < n; j++)
                        if (ids[j] == id)
                                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER,
                                                       pos, "WmiDataId(%lld) of '%s' is used twice",
                                                       (long long) id, p->name);
                ids[n++] = id;
                size_is = cim_qualifier_list_string(&p->qualifiers, "WmiSizeIs");
                if (size_is) {
                        const struct cim_property *count = cim_object_find_property(cls, size_is);
                        int64_t count_id;

                        if (!p->is_array || has_fixed_size(p))
                                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER,
                                                       pos, "WmiSizeIs on '%s', which is not a "
                                                       "variable-length array", p->name);
                        else if (!count || !cim_type_is_integer(count->type) || count->is_array)
                                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER,
                                                       pos, "WmiSizeIs(\"%s\") of '%s' must name an "
                                                       "integer item of the class", size_is, p->name);
                        else if (!qualifier_integer(&count->qualifiers, "WmiDataId", &count_id) ||
                                 count_id >= id)
                                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER,
                                                       pos, "WmiSizeIs(\"%s\") of '%s' must name an "
                                                       "item with a lower WmiDataId", size_is, p->name);
                } else if (p->is_array && !has_fixed_size(p)) {
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER, pos,
                                               "variable-length array '%s' needs WmiSizeIs(\"item\") "
                                               "or a fixed size", p->name);
                }
                if (cim_qualifier_list_flag(&p->qualifiers, "WmiTimeStamp") &&
                    p->type != CIM_TYPE_UINT64 && p->type != CIM_TYPE_SINT64)
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER, pos,
                                               "WmiTimeStamp on '%s', which is not a 64-bit item",
                                               p->name);
        }
        /* the set of ids must be exactly 1..n, in any source order */
        for (size_t want = 1; want <= n; want++) {
                bool found = false;

                for (size_t j = 0; j < n && !found; j++)
                        found = ids[j] == (int64_t) want;
                if (!found) {
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER,
                                               &d->name_pos, "WmiDataId values of class '%s' must "
                                               "run from 1 to %zu without gaps; %zu is missing",
                                               cls->class_name, n, want);
                        break;
                }
        }
        free(ids);
        return result;
}

static int check_methods(struct compiler *c, const struct mof_decl *d, const struct cim_object *cls)
{
        int result = 0;

        for (size_t i = 0; i < cls->method_count; i++) {
                const struct cim_method *m = &cls->methods[i];
                int64_t id, other;

                if (!qualifier_integer(&m->qualifiers, "WmiMethodId", &id)) {
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER,
                                               feature_pos(d, m->name), "WDM method '%s' needs a "
                                               "WmiMethodId(n) qualifier", m->name);
                        continue;
                }
                for (size_t j = 0; j < i; j++)
                        if (qualifier_integer(&cls->methods[j].qualifiers, "WmiMethodId", &other) &&
                            other == id)
                                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER,
                                                       feature_pos(d, m->name), "WmiMethodId(%lld) "
                                                       "of '%s' is also used by '%s'",
                                                       (long long) id, m->name, cls->methods[j].name);
        }
        return result;
}

int wdm_check_class(struct compiler *c, const struct mof_decl *d, const struct cim_object *cls)
{
        bool block = cim_qualifier_list_flag(&cls->qualifiers, "Dynamic") ||
                     cim_qualifier_list_flag(&cls->qualifiers, "Static");
        const char *provider = cim_qualifier_list_string(&cls->qualifiers, "Provider");
        int result = 0, r;

        r = check_hierarchy(c, d, cls);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                result = r;
        if (cim_object_is_abstract(cls))
                return result; /* an abstract base carries no block of its own */
        r = check_guid(c, d, cls);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                result = r;
        if (cim_qualifier_list_find(&cls->qualifiers, "Provider") &&
            !cim_qualifier_list_flag(&cls->qualifiers, "Dynamic"))
                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROVIDER_REGISTRATION,
                                       qualifier_pos(d, "Provider"), "class '%s' names a Provider but "
                                       "is not Dynamic", cls->class_name);
        if (block && cim_qualifier_list_flag(&cls->qualifiers, "Dynamic") && !provider)
                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_PROVIDER_NOT_FOUND, &d->name_pos,
                                       "dynamic WDM class '%s' needs Provider(\"WMIProv\")",
                                       cls->class_name);
        if (provider && owmi_strcasecmp(provider, "WMIProv") != 0)
                mof_unit_diag(&c->unit, MOF_WARNING, OWMI_S_NO_ERROR, qualifier_pos(d, "Provider"),
                              "provider \"%s\" of class '%s' is not the WDM provider \"WMIProv\"",
                              provider, cls->class_name);
        r = check_required_items(c, d, cls, block);
        if (r < 0)
                result = r;
        r = check_data_items(c, d, cls);
        if (r < 0)
                result = r;
        r = check_methods(c, d, cls);
        if (r < 0)
                result = r;
        return result;
}
