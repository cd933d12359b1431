/* SPDX-License-Identifier: MIT */
/*
 * object.h: CIM classes and instances as one object type, the way WMI's
 * IWbemClassObject is one type: an instance is spawned from its class and
 * carries a copy of the class's properties with their values.
 *
 * A class holds every property and method it has, inherited ones included;
 * inherited members are marked propagated and keep their class_origin.
 * Names compare case-insensitively everywhere.
 *
 * This module owns the model and the WMI system properties (__CLASS,
 * __PATH...).  It does not store objects (repo/) nor parse text (mof/).
 */
#ifndef OWMI_CIM_OBJECT_H
#define OWMI_CIM_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "cim/qualifier.h"
#include "cim/value.h"

enum cim_genus {
        CIM_GENUS_CLASS = 1,      /* WBEM_GENUS_CLASS */
        CIM_GENUS_INSTANCE = 2,   /* WBEM_GENUS_INSTANCE */
};

/* A property of a class or instance, or a parameter of a method. */
struct cim_property {
        char *name;
        cim_type type;
        bool is_array;
        uint32_t array_size;      /* fixed array size, 0 = variable */
        char *ref_class;          /* REFERENCE: class referred to; OBJECT: embedded class (NULL: any) */
        struct cim_value value;   /* class: default value; instance: the value */
        struct cim_qualifier_list qualifiers;
        char *class_origin;       /* class that declared it (NULL for parameters) */
        bool propagated;          /* inherited unchanged from the superclass */
        bool names_in_block;      /* name, ref_class and class_origin live in the
                                     object's string block, not freed on their own */
};

struct cim_method {
        char *name;
        cim_type return_type;
        bool return_is_array;     /* not allowed by DSP0004, kept for completeness */
        char *return_ref_class;
        struct cim_qualifier_list qualifiers;
        struct cim_property *params;
        size_t param_count;
        size_t param_alloc;
        char *class_origin;
        bool propagated;
};

struct cim_object {
        enum cim_genus genus;
        char *class_name;
        char *superclass;         /* NULL for a root class */
        char **derivation;        /* ancestors, nearest first (= __DERIVATION) */
        size_t derivation_count;
        char *namespace;          /* "root/cimv2" (NULL until stored) */
        char *server;             /* NULL = this host */
        struct cim_qualifier_list qualifiers;
        struct cim_property *props;
        size_t prop_count;
        size_t prop_alloc;
        char *string_block;       /* spawned instances: the ancestors' and the
                                     properties' names in one allocation */
        size_t string_block_size;
        bool names_in_block;      /* superclass and derivation live there (not to
                                     be freed one by one; class_name is its own) */
        struct cim_method *methods;
        size_t method_count;
        size_t method_alloc;
        bool partial;             /* an instance holding only a query's properties:
                                     setting another one is ignored, not an error */
};

/* Lifecycle.  _free accepts NULL and returns NULL. */
struct cim_object *cim_object_new_class(const char *name, const char *superclass);
struct cim_object *cim_object_free(struct cim_object *obj);
struct cim_object *cim_object_clone(const struct cim_object *obj);
/* A copy of a spawned instance, made faster than a clone: the names are
 * copied as one block.  For a provider's many results, spawned once as a
 * prototype and copied per result. */
struct cim_object *cim_object_spawn_like(const struct cim_object *prototype);

/* An equal copy of an instance whose names live in one block, as a
 * spawned instance's: a prototype for cim_object_spawn_like. */
struct cim_object *cim_object_compact(const struct cim_object *inst);

/* A new class named name derived from parent: inherits non-restricted
 * qualifiers, every property and method (marked propagated), and the
 * derivation list.  NULL on ENOMEM. */
struct cim_object *cim_object_derive(const struct cim_object *parent, const char *name);
/* A new instance of a class: a copy of its properties with their default
 * values, and the qualifiers with the ToInstance flavor. */
struct cim_object *cim_object_spawn_instance(const struct cim_object *cls);
/* The same with only the listed properties and the keys (WMI's partial
 * instance for a select list); names NULL: all of them. */
struct cim_object *cim_object_spawn_partial(const struct cim_object *cls, const char *const *names,
                                            size_t count);

/* What a class itself declares: its own qualifiers, and the members it
 * declares or overrides with only their own qualifiers.  This is what the
 * repository stores; cim_object_rebuild puts the class back together. */
struct cim_object *cim_object_local_part(const struct cim_object *cls);
/* The full class from its parent (NULL for a root class) and its local
 * part: equal to the class the local part was taken from. */
struct cim_object *cim_object_rebuild(const struct cim_object *parent, const struct cim_object *local);

/* Members.  Lookups are case-insensitive and return NULL when absent. */
struct cim_property *cim_object_find_property(const struct cim_object *obj, const char *name);
/* The same, trying slot *hint first and leaving the slot found there: for
 * callers that set the same properties on many instances of one shape. */
struct cim_property *cim_object_find_property_hinted(const struct cim_object *obj, const char *name,
                                                     size_t *hint);
struct cim_method *cim_object_find_method(const struct cim_object *obj, const char *name);
struct cim_property *cim_method_find_param(const struct cim_method *m, const char *name);
/* Append a zeroed property/method/parameter named name; NULL on ENOMEM. */
struct cim_property *cim_object_add_property(struct cim_object *obj, const char *name);
struct cim_method *cim_object_add_method(struct cim_object *obj, const char *name);
struct cim_property *cim_method_add_param(struct cim_method *m, const char *name);
bool cim_object_remove_property(struct cim_object *obj, const char *name);

void cim_property_release(struct cim_property *p);
int cim_property_copy(struct cim_property *dst, const struct cim_property *src);
void cim_method_release(struct cim_method *m);
int cim_method_copy(struct cim_method *dst, const struct cim_method *src);

/* Schema facts. */
bool cim_object_is_class(const struct cim_object *obj);
bool cim_object_is_abstract(const struct cim_object *obj);
bool cim_object_is_association(const struct cim_object *obj);
bool cim_object_is_indication(const struct cim_object *obj);
bool cim_object_is_singleton(const struct cim_object *obj);
bool cim_property_is_key(const struct cim_property *p);
size_t cim_object_key_count(const struct cim_object *obj);
/* TRUE if obj's class is name or derives from it. */
bool cim_object_is_a(const struct cim_object *obj, const char *name);

/* Set a property value of an instance, converting if the types differ
 * (integer widths, string to datetime/reference).  Fails with
 * OWMI_E_INVALID_PROPERTY, OWMI_E_TYPE_MISMATCH or OWMI_E_VALUE_OUT_OF_RANGE. */
int cim_object_set_value(struct cim_object *obj, const char *name,
                         const struct cim_value *value, struct owmi_error *err);
/* The same for the property p of obj (found already), taking *value: it is
 * moved in when its type is the property's, converted otherwise; *value
 * is released either way. */
int cim_object_take_value(struct cim_object *obj, struct cim_property *p, struct cim_value *value,
                          struct owmi_error *err);

/* Convert a literal to a declared type and check its range: integer
 * widths, real to integer not allowed, string to datetime/char16, NULL
 * stays NULL.  Arrays element by element.  On failure err says why. */
int cim_value_convert(const struct cim_value *in, cim_type type, bool is_array,
                      struct cim_value *ret, struct owmi_error *err);

/* System properties: __CLASS __SUPERCLASS __DYNASTY __DERIVATION __GENUS
 * __NAMESPACE __PATH __RELPATH __SERVER __PROPERTY_COUNT.  ret is a NULL
 * value of the right type where WMI gives NULL.  -ENOENT for other names. */
int cim_object_system_property(const struct cim_object *obj, const char *name,
                               struct cim_value *ret);
extern const char *const cim_system_property_names[];
bool cim_is_system_property(const char *name);

/* Relative path: "Class" for classes, "Class.K1=...,K2=..." for instances
 * (canonical: keys sorted, see objpath.h), "Class=@" for singletons. */
int cim_object_relpath(const struct cim_object *obj, struct strbuf *out);
/* Full path \\SERVER\namespace:relpath; server defaults to the host name. */
int cim_object_path(const struct cim_object *obj, struct strbuf *out);

/* Structural equality: class name, superclass, qualifiers, properties
 * (with values), methods.  Namespace and server are not compared. */
bool cim_object_equal(const struct cim_object *a, const struct cim_object *b);

/* The class-name rule of WMI (seed 004 section 5): a letter first, then
 * letters, digits or underscores, not ending with an underscore.
 * System classes ("__X") are allowed only if allow_system. */
bool cim_name_is_valid_class(const char *name, bool allow_system);
/* Identifier rule for properties, methods, qualifiers, parameters. */
bool cim_name_is_valid_identifier(const char *name);

#endif
