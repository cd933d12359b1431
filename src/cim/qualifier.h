/* SPDX-License-Identifier: MIT */
/*
 * qualifier.h: qualifiers, their flavors, and qualifier type declarations
 * with scopes (DSP0004 5.6).  Names compare case-insensitively.
 */
#ifndef OWMI_CIM_QUALIFIER_H
#define OWMI_CIM_QUALIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cim/value.h"

enum cim_flavor {
        CIM_FLAVOR_ENABLE_OVERRIDE = 1 << 0,
        CIM_FLAVOR_DISABLE_OVERRIDE = 1 << 1,
        CIM_FLAVOR_TO_SUBCLASS = 1 << 2,
        CIM_FLAVOR_RESTRICTED = 1 << 3,
        CIM_FLAVOR_TRANSLATABLE = 1 << 4,
        CIM_FLAVOR_AMENDED = 1 << 5,      /* WMI: localised, stored apart */
        CIM_FLAVOR_TO_INSTANCE = 1 << 6,  /* WMI: copied to instances */
        CIM_FLAVOR_NOT_TO_INSTANCE = 1 << 7,
};
/* DSP0004 defaults: EnableOverride, ToSubclass. */
#define CIM_FLAVOR_DEFAULT (CIM_FLAVOR_ENABLE_OVERRIDE | CIM_FLAVOR_TO_SUBCLASS)

enum cim_scope {
        CIM_SCOPE_CLASS = 1 << 0,
        CIM_SCOPE_ASSOCIATION = 1 << 1,
        CIM_SCOPE_INDICATION = 1 << 2,
        CIM_SCOPE_PROPERTY = 1 << 3,
        CIM_SCOPE_REFERENCE = 1 << 4,
        CIM_SCOPE_METHOD = 1 << 5,
        CIM_SCOPE_PARAMETER = 1 << 6,
        CIM_SCOPE_QUALIFIER = 1 << 7,     /* legacy, accepted and ignored */
        CIM_SCOPE_INSTANCE = 1 << 8,      /* legacy WMI scope */
        CIM_SCOPE_ANY = (1 << 9) - 1,
};

struct cim_qualifier {
        char *name;
        struct cim_value value;
        uint32_t flavor;           /* enum cim_flavor */
        bool propagated;           /* inherited from the superclass, not set here */
        bool name_in_block;        /* name lives in a spawned instance's string
                                      block (cim_object), not freed on its own */
};

struct cim_qualifier_list {
        struct cim_qualifier *items;
        size_t count;
        size_t alloc;
        bool items_in_block;       /* items live in a spawned instance's string
                                      block: moved out before the list grows */
};

struct cim_qualifier_decl {
        char *name;
        cim_type type;
        bool is_array;
        uint32_t array_size;       /* fixed size, 0 = variable */
        struct cim_value default_value;
        uint32_t scope;            /* enum cim_scope */
        uint32_t flavor;           /* enum cim_flavor */
};

void cim_qualifier_list_release(struct cim_qualifier_list *list);
int cim_qualifier_list_copy(struct cim_qualifier_list *dst, const struct cim_qualifier_list *src);
/* NULL if absent. */
struct cim_qualifier *cim_qualifier_list_find(const struct cim_qualifier_list *list, const char *name);
/* Add or replace (by name); takes value by move.  The name is copied. */
int cim_qualifier_list_set(struct cim_qualifier_list *list, const char *name,
                           struct cim_value *value, uint32_t flavor);
bool cim_qualifier_list_remove(struct cim_qualifier_list *list, const char *name);
/* The qualifiers a subclass inherits: those not Restricted, marked
 * propagated.  dst must be empty. */
int cim_qualifier_list_inherit(struct cim_qualifier_list *dst, const struct cim_qualifier_list *src);
/* TRUE if the named boolean qualifier is present and TRUE. */
bool cim_qualifier_list_flag(const struct cim_qualifier_list *list, const char *name);
/* The string value of a qualifier, NULL if absent/NULL/not a string. */
const char *cim_qualifier_list_string(const struct cim_qualifier_list *list, const char *name);
bool cim_qualifier_list_equal(const struct cim_qualifier_list *a, const struct cim_qualifier_list *b);

void cim_qualifier_decl_release(struct cim_qualifier_decl *decl);
int cim_qualifier_decl_copy(struct cim_qualifier_decl *dst, const struct cim_qualifier_decl *src);
bool cim_qualifier_decl_equal(const struct cim_qualifier_decl *a, const struct cim_qualifier_decl *b);

/* "EnableOverride ToSubclass ..." in MOF keyword form, for rendering. */
int cim_flavor_format_mof(uint32_t flavor, struct strbuf *out);
int cim_scope_format_mof(uint32_t scope, struct strbuf *out);

#endif
