/* SPDX-License-Identifier: MIT */
/*
 * ast.h: what the MOF parser hands the compiler: declarations as written,
 * with their positions, before any name is resolved.  Type names stay text
 * (a class name may be defined later in the unit); alias uses stay names.
 */
#ifndef OWMI_MOF_AST_H
#define OWMI_MOF_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cim/qualifier.h"
#include "cim/value.h"

struct mof_pos {
        const char *file;          /* interned in the unit, not owned */
        unsigned line, column;
};

/* A value as written.  Aliases ($x) appear as CIM_TYPE_REFERENCE strings
 * starting with '$' (no object path starts with '$'); embedded `instance
 * of` values are CIM_TYPE_OBJECT holding an instance of a not yet checked
 * class (property values kept by name in the props array). */
struct mof_decl;

struct mof_value {
        struct cim_value value;
        struct mof_decl *embedded;  /* `instance of X {...}` written as a value (owned) */
        struct mof_pos pos;
        bool present;
};

struct mof_qualifier {
        char *name;
        struct mof_value value;     /* absent: boolean TRUE or the declared default */
        uint32_t flavor_set;        /* flavors written after ':' */
        struct mof_pos pos;
};

struct mof_qualifier_list {
        struct mof_qualifier *items;
        size_t count, alloc;
};

/* A property, reference, parameter or method as declared. */
struct mof_feature {
        struct mof_pos pos;
        struct mof_qualifier_list qualifiers;
        char *type_name;            /* "uint32", a class name, "object", "void" */
        struct mof_pos type_pos;
        bool is_ref;                /* ClassName REF name */
        char *name;
        bool is_array;
        uint32_t array_size;        /* name[N] */
        struct mof_value default_value;
        bool is_method;
        struct mof_feature *params; /* methods */
        size_t param_count, param_alloc;
};

enum mof_decl_kind {
        MOF_DECL_QUALIFIER,
        MOF_DECL_CLASS,
        MOF_DECL_INSTANCE,
        MOF_DECL_DELETE_CLASS,
};

struct mof_assignment {
        char *name;
        struct mof_pos pos;
        struct mof_qualifier_list qualifiers;
        struct mof_value value;
};

struct mof_decl {
        enum mof_decl_kind kind;
        struct mof_pos pos;
        char *namespace;            /* namespace in force ("root/cimv2") */
        unsigned class_flags;       /* enum mof_class_flags in force */
        bool syntax_error;          /* declaration had a syntax error: skip semantic checks */
        struct mof_qualifier_list qualifiers;
        char *name;                 /* class name / instance class name / qualifier name */
        struct mof_pos name_pos;
        char *superclass;
        struct mof_pos super_pos;
        /* class */
        struct mof_feature *features;
        size_t feature_count, feature_alloc;
        /* instance */
        char *alias;
        struct mof_assignment *assignments;
        size_t assignment_count, assignment_alloc;
        /* qualifier declaration */
        struct cim_qualifier_decl qdecl;
        struct mof_pos default_pos;
        /* #pragma deleteclass */
        bool delete_fail;
        /* compiler state */
        struct cim_object *compiled; /* instance built from this declaration */
        bool compiling, failed;
};

struct mof_decl_list {
        struct mof_decl *items;
        size_t count, alloc;
};

void mof_qualifier_list_release(struct mof_qualifier_list *list);
void mof_feature_release(struct mof_feature *f);
void mof_decl_release(struct mof_decl *d);
void mof_decl_list_release(struct mof_decl_list *list);

#endif
