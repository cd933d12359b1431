/* SPDX-License-Identifier: MIT */
/*
 * compile.c: turns parsed MOF declarations into repository objects, with
 * the checks WMI makes (DSP0004 rules as WMI applies them): class names,
 * unique declarations, superclasses, qualifier types, scopes, flavors and
 * overrides, property types and defaults, keys, instance values, aliases.
 * WDM data-block rules live in wdm.c.
 *
 * The whole unit is one repository transaction: any error rolls it back.
 * Class and type names may be used before their declaration in the same
 * unit (two-pass resolution); a superclass must come first, as in WMI.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hashmap.h"
#include "base/util.h"
#include "cim/render.h"
#include "mof/compile.h"
#include "mof/parser.h"

/* A sentinel for "looked up, not there" in the lookup caches. */
static char absent_marker;
#define ABSENT ((void *) &absent_marker)

static int map_key(struct strbuf *sb, const char *ns, const char *name)
{
        strbuf_reset(sb);
        strbuf_addstr(sb, ns);
        strbuf_addch(sb, '|');
        strbuf_addstr(sb, name);
        return strbuf_error(sb);
}

static int own_object(struct compiler *c, struct cim_object *obj)
{
        if (OWMI_GROW(c->owned, c->owned_alloc, c->owned_count + 1) < 0)
                return -ENOMEM;
        c->owned[c->owned_count++] = obj;
        return 0;
}

static int own_qdecl(struct compiler *c, struct cim_qualifier_decl *q)
{
        if (OWMI_GROW(c->owned_qdecls, c->owned_qdecl_alloc, c->owned_qdecl_count + 1) < 0)
                return -ENOMEM;
        c->owned_qdecls[c->owned_qdecl_count++] = q;
        return 0;
}

/* The class as the unit sees it: compiled in this unit, else from the
 * repository (cached).  NULL if it does not exist. */
const struct cim_object *compiler_find_class(struct compiler *c, const char *ns, const char *name)
{
        struct cim_object *obj = NULL;
        void *hit;

        if (map_key(&c->key, ns, name) < 0)
                return NULL;
        hit = hashmap_get(&c->classes, c->key.buf);
        if (hit)
                return hit == ABSENT ? NULL : hit;
        if (repo_class_get(c->repo, ns, name, &obj, NULL) < 0)
                obj = NULL;
        if (obj && own_object(c, obj) < 0)
                obj = cim_object_free(obj);
        if (hashmap_put(&c->classes, c->key.buf, obj ? (void *) obj : ABSENT) < 0)
                return obj;
        return obj;
}

/* A name usable as a type: declared anywhere in the unit or stored. */
static bool class_known(struct compiler *c, const char *ns, const char *name)
{
        if (map_key(&c->key, ns, name) < 0)
                return false;
        if (hashmap_get(&c->class_decls, c->key.buf))
                return true;
        return compiler_find_class(c, ns, name) != NULL;
}

static const struct cim_qualifier_decl *find_qualifier_decl(struct compiler *c, const char *ns,
                                                            const char *name)
{
        struct cim_qualifier_decl *q;
        void *hit;

        if (map_key(&c->key, ns, name) < 0)
                return NULL;
        hit = hashmap_get(&c->qualifiers, c->key.buf);
        if (hit)
                return hit == ABSENT ? NULL : hit;
        q = owmi_calloc(1, sizeof(*q));
        if (q && repo_qualifier_get(c->repo, ns, name, q, NULL) < 0) {
                owmi_free(q);
                q = NULL;
        }
        if (q && own_qdecl(c, q) < 0) {
                cim_qualifier_decl_release(q);
                owmi_free(q);
                q = NULL;
        }
        hashmap_put(&c->qualifiers, c->key.buf, q ? (void *) q : ABSENT);
        return q;
}

/* ---- qualifiers -------------------------------------------------------- */

static uint32_t normalize_flavor(uint32_t f)
{
        if (!(f & (CIM_FLAVOR_ENABLE_OVERRIDE | CIM_FLAVOR_DISABLE_OVERRIDE)))
                f |= CIM_FLAVOR_ENABLE_OVERRIDE;
        if (!(f & (CIM_FLAVOR_TO_SUBCLASS | CIM_FLAVOR_RESTRICTED)))
                f |= CIM_FLAVOR_TO_SUBCLASS;
        return f;
}

/* Explicit flavors replace their opposites from the declaration. */
static uint32_t merge_flavor(uint32_t base, uint32_t set)
{
        if (set & CIM_FLAVOR_ENABLE_OVERRIDE)
                base &= ~(uint32_t) CIM_FLAVOR_DISABLE_OVERRIDE;
        if (set & CIM_FLAVOR_DISABLE_OVERRIDE)
                base &= ~(uint32_t) CIM_FLAVOR_ENABLE_OVERRIDE;
        if (set & CIM_FLAVOR_TO_SUBCLASS)
                base &= ~(uint32_t) CIM_FLAVOR_RESTRICTED;
        if (set & CIM_FLAVOR_RESTRICTED)
                base &= ~(uint32_t) CIM_FLAVOR_TO_SUBCLASS;
        if (set & CIM_FLAVOR_TO_INSTANCE)
                base &= ~(uint32_t) CIM_FLAVOR_NOT_TO_INSTANCE;
        if (set & CIM_FLAVOR_NOT_TO_INSTANCE)
                base &= ~(uint32_t) CIM_FLAVOR_TO_INSTANCE;
        return normalize_flavor(base | set);
}

static const char *scope_word(uint32_t scope)
{
        switch (scope) {
        case CIM_SCOPE_CLASS: return "a class";
        case CIM_SCOPE_ASSOCIATION: return "an association";
        case CIM_SCOPE_INDICATION: return "an indication";
        case CIM_SCOPE_PROPERTY: return "a property";
        case CIM_SCOPE_REFERENCE: return "a reference";
        case CIM_SCOPE_METHOD: return "a method";
        case CIM_SCOPE_PARAMETER: return "a parameter";
        default: return "this element";
        }
}

/* The type WMI gives an undeclared qualifier from its value. */
static cim_type infer_type(const struct cim_value *v)
{
        const struct cim_value *s = v;

        if (v->is_array)
                s = v->count ? &v->v.items[0] : NULL;
        if (!s || s->is_null)
                return v->is_array ? CIM_TYPE_STRING : CIM_TYPE_BOOLEAN;
        if (s->type == CIM_TYPE_UINT64)
                return s->v.u64 <= INT32_MAX ? CIM_TYPE_SINT32 : CIM_TYPE_SINT64;
        if (s->type == CIM_TYPE_SINT64)
                return s->v.s64 >= INT32_MIN ? CIM_TYPE_SINT32 : CIM_TYPE_SINT64;
        if (s->type == CIM_TYPE_REFERENCE)
                return CIM_TYPE_STRING;
        return s->type;
}

/* Apply a list of written qualifiers to target (which may already hold
 * inherited ones).  scope is where they stand (class, property...).  Every
 * problem is reported; returns -EINVAL if there was one. */
static int apply_qualifiers(struct compiler *c, const char *ns,
                            const struct mof_qualifier_list *written, uint32_t scope,
                            struct cim_qualifier_list *target, bool check_scope)
{
        int result = 0;

        for (size_t i = 0; i < written->count; i++) {
                const struct mof_qualifier *mq = &written->items[i];
                const struct cim_qualifier_decl *decl = find_qualifier_decl(c, ns, mq->name);
                const struct cim_qualifier *old;
                struct cim_value value;
                struct owmi_error err = { 0 };
                uint32_t flavor;
                const char *name = decl ? decl->name : mq->name;
                int r;

                for (size_t j = 0; j < i; j++) {
                        if (owmi_strcasecmp(written->items[j].name, mq->name) == 0) {
                                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER,
                                                       &mq->pos, "qualifier '%s' given twice",
                                                       mq->name);
                                goto next;
                        }
                }
                if (!decl && c->unit.opts && c->unit.opts->strict) {
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER, &mq->pos,
                                               "qualifier '%s' is not declared", mq->name);
                        continue;
                }
                if (decl && check_scope && !(decl->scope & scope)) {
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER, &mq->pos,
                                               "qualifier '%s' cannot be used on %s", decl->name,
                                               scope_word(scope));
                        continue;
                }
                if (decl) {
                        if (!mq->value.present) {
                                if (decl->type == CIM_TYPE_BOOLEAN && !decl->is_array)
                                        cim_value_set_bool(&value, true);
                                else if (cim_value_copy(&value, &decl->default_value) < 0)
                                        return -ENOMEM;
                        } else {
                                struct cim_value in = mq->value.value;
                                struct cim_value wrapped;

                                /* a single value for an array qualifier: a one-element array */
                                if (decl->is_array && !in.is_array && !in.is_null) {
                                        cim_value_init_array(&wrapped, in.type);
                                        wrapped.v.items = &in;
                                        wrapped.count = 1;
                                        r = cim_value_convert(&wrapped, decl->type, true, &value, &err);
                                } else {
                                        r = cim_value_convert(&in, decl->type, decl->is_array, &value,
                                                              &err);
                                }
                                if (r == -ENOMEM)
                                        return r;
                                if (r < 0) {
                                        result = mof_unit_diag(&c->unit, MOF_ERROR, err.code,
                                                               &mq->value.pos,
                                                               "qualifier '%s': %s", decl->name,
                                                               err.message);
                                        continue;
                                }
                        }
                        flavor = merge_flavor(normalize_flavor(decl->flavor), mq->flavor_set);
                } else {
                        if (!mq->value.present) {
                                cim_value_set_bool(&value, true);
                        } else {
                                r = cim_value_convert(&mq->value.value, infer_type(&mq->value.value),
                                                      mq->value.value.is_array, &value, &err);
                                if (r == -ENOMEM)
                                        return r;
                                if (r < 0) {
                                        result = mof_unit_diag(&c->unit, MOF_ERROR, err.code,
                                                               &mq->value.pos, "qualifier '%s': %s",
                                                               mq->name, err.message);
                                        continue;
                                }
                        }
                        /* Abstract never passes to subclasses (DSP0004 5.6.3) */
                        flavor = merge_flavor(owmi_strcasecmp(mq->name, "Abstract") == 0 ?
                                              CIM_FLAVOR_RESTRICTED : 0, mq->flavor_set);
                }
                old = cim_qualifier_list_find(target, mq->name);
                if (old && old->propagated && (old->flavor & CIM_FLAVOR_DISABLE_OVERRIDE)) {
                        /* neither the value may change nor the flavors that
                         * keep it fixed below (DisableOverride, ToSubclass) */
                        uint32_t merged = merge_flavor(old->flavor, mq->flavor_set);
                        uint32_t kept = CIM_FLAVOR_DISABLE_OVERRIDE |
                                        (old->flavor & CIM_FLAVOR_TO_SUBCLASS);

                        if (!cim_value_equal(&old->value, &value) || (merged & kept) != kept) {
                                cim_value_release(&value);
                                result = mof_unit_diag(&c->unit, MOF_ERROR,
                                                       OWMI_E_OVERRIDE_NOT_ALLOWED, &mq->pos,
                                                       "qualifier '%s' cannot be overridden "
                                                       "(DisableOverride)", name);
                                continue;
                        }
                        flavor = merged;
                }
                if (cim_qualifier_list_set(target, name, &value, flavor) < 0) {
                        cim_value_release(&value);
                        return -ENOMEM;
                }
next:;
        }
        return result;
}

/* ---- classes ----------------------------------------------------------- */

static const char *type_hint(const char *name)
{
        static const struct {
                const char *wrong, *right;
        } hints[] = {
                { "byte", "uint8" }, { "int8", "sint8" }, { "short", "sint16" },
                { "int16", "sint16" }, { "int", "sint32" }, { "int32", "sint32" },
                { "long", "sint32" }, { "int64", "sint64" }, { "float", "real32" },
                { "double", "real64" }, { "bool", "boolean" }, { "char", "char16" },
                { "wchar", "char16" }, { "word", "uint16" }, { "dword", "uint32" },
                { "qword", "uint64" }, { "date", "datetime" },
        };

        for (size_t i = 0; i < ELEMENTSOF(hints); i++)
                if (owmi_strcasecmp(name, hints[i].wrong) == 0)
                        return hints[i].right;
        return NULL;
}

/* Resolve the written type of a property, parameter or method. */
static int resolve_type(struct compiler *c, const char *ns, const struct mof_feature *f,
                        bool is_return, bool is_param, cim_type *ret_type, char **ret_class)
{
        cim_type t;
        const char *hint;

        *ret_class = NULL;
        if (f->is_ref) {
                *ret_type = CIM_TYPE_REFERENCE;
                if (owmi_strcasecmp(f->type_name, "object") == 0)
                        return 0;
                if (!class_known(c, ns, f->type_name)) {
                        /* A parameter's reference class is only a type name
                         * for the method's callers: WMI keeps it as the CIMTYPE
                         * "ref:Class" text and Pegasus does not resolve it, so
                         * schema subsets (CIM_Core.mof) name classes of other
                         * parts.  Properties need the class. */
                        bool lenient = is_param && !(c->unit.opts && c->unit.opts->strict);
                        int r = mof_unit_diag(&c->unit, lenient ? MOF_WARNING : MOF_ERROR,
                                              OWMI_E_INVALID_CLASS, &f->type_pos,
                                              "reference to undefined class '%s'", f->type_name);

                        if (r < 0)
                                return r;
                }
        } else {
                t = cim_type_from_name(f->type_name);
                if (t != _CIM_TYPE_INVALID) {
                        *ret_type = t;
                        return 0;
                }
                if (is_return && owmi_strcasecmp(f->type_name, "void") == 0) {
                        *ret_type = CIM_TYPE_NONE;
                        return 0;
                }
                *ret_type = CIM_TYPE_OBJECT;
                if (owmi_strcasecmp(f->type_name, "object") == 0)
                        return 0;
                if (!class_known(c, ns, f->type_name)) {
                        hint = type_hint(f->type_name);
                        if (hint)
                                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY_TYPE,
                                                     &f->type_pos, "'%s' is not a CIM type "
                                                     "(use %s)", f->type_name, hint);
                        return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY_TYPE,
                                             &f->type_pos, "'%s' is neither a CIM type nor a "
                                             "known class", f->type_name);
                }
        }
        *ret_class = owmi_strdup(f->type_name);
        return *ret_class ? 0 : -ENOMEM;
}

static int check_key(struct compiler *c, const struct mof_feature *f, const struct cim_property *p)
{
        if (!cim_property_is_key(p))
                return 0;
        if (p->is_array || cim_type_is_real(p->type) || p->type == CIM_TYPE_OBJECT)
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_CANNOT_BE_KEY, &f->pos,
                                     "property '%s' of type %s%s cannot be a key", p->name,
                                     cim_type_name(p->type), p->is_array ? " array" : "");
        return 0;
}

/* A property or parameter: type, array, qualifiers, default. */
static int build_property(struct compiler *c, const char *ns, const struct mof_feature *f,
                          struct cim_property *p, bool inherited, uint32_t scope_hint)
{
        cim_type type;
        char *ref_class;
        int r;

        r = resolve_type(c, ns, f, false, scope_hint == CIM_SCOPE_PARAMETER, &type, &ref_class);
        if (r < 0)
                return r;
        if (inherited && (p->type != type || p->is_array != f->is_array)) {
                owmi_free(ref_class);
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_TYPE_MISMATCH, &f->pos,
                                     "'%s' overrides an inherited %s%s with a different type",
                                     f->name, cim_type_name(p->type) ? cim_type_name(p->type) : "",
                                     p->is_array ? " array" : "");
        }
        p->type = type;
        owmi_free(p->ref_class);
        p->ref_class = ref_class;
        p->is_array = f->is_array;
        p->array_size = f->array_size;
        if (!inherited)
                cim_value_init_null(&p->value, type, f->is_array);
        r = apply_qualifiers(c, ns, &f->qualifiers,
                             scope_hint ? scope_hint : type == CIM_TYPE_REFERENCE ?
                             CIM_SCOPE_REFERENCE : CIM_SCOPE_PROPERTY,
                             &p->qualifiers, true);
        if (r == -ENOMEM)
                return r;
        if (f->default_value.present) {
                struct owmi_error err = { 0 };
                struct cim_value v;
                int cr;

                if (f->default_value.embedded ||
                    (f->default_value.value.type == CIM_TYPE_REFERENCE &&
                     !f->default_value.value.is_null && !f->default_value.value.is_array &&
                     f->default_value.value.v.string[0] == '$'))
                        return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_TYPE_MISMATCH,
                                             &f->default_value.pos,
                                             "a class default cannot be an instance or alias");
                cr = cim_value_convert(&f->default_value.value, type, f->is_array, &v, &err);
                if (cr == -ENOMEM)
                        return cr;
                if (cr < 0)
                        return mof_unit_diag(&c->unit, MOF_ERROR, err.code, &f->default_value.pos,
                                             "default of '%s': %s", f->name, err.message);
                /* WMI records a fixed size as a bound it does not enforce on
                 * defaults; say so, as mofcomp does not */
                if (f->array_size && v.is_array && !v.is_null && v.count > f->array_size &&
                    mof_unit_diag(&c->unit, c->unit.opts && c->unit.opts->strict ? MOF_ERROR :
                                  MOF_WARNING, OWMI_E_VALUE_OUT_OF_RANGE, &f->default_value.pos,
                                  "default of '%s' has %u elements, more than its size %u",
                                  f->name, v.count, f->array_size) < 0) {
                        cim_value_release(&v);
                        return -EINVAL;
                }
                cim_value_release(&p->value);
                p->value = v;
        }
        return r;
}

static int build_method(struct compiler *c, const char *ns, const struct mof_feature *f,
                        struct cim_method *m)
{
        int r, result = 0;

        r = resolve_type(c, ns, f, true, false, &m->return_type, &m->return_ref_class);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                result = r;
        if (f->is_array) {
                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_METHOD, &f->pos,
                                       "method '%s' cannot return an array", f->name);
        }
        r = apply_qualifiers(c, ns, &f->qualifiers, CIM_SCOPE_METHOD, &m->qualifiers, true);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                result = r;
        for (size_t i = 0; i < m->param_count; i++)
                cim_property_release(&m->params[i]);
        m->param_count = 0;
        for (size_t i = 0; i < f->param_count; i++) {
                const struct mof_feature *pf = &f->params[i];
                struct cim_property *p;

                if (!pf->name || !pf->type_name)
                        continue; /* broken by a syntax error, already reported */
                if (cim_method_find_param(m, pf->name)) {
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_DUPLICATE_PARAMETER,
                                               &pf->pos, "parameter '%s' given twice", pf->name);
                        continue;
                }
                p = cim_method_add_param(m, pf->name);
                if (!p)
                        return -ENOMEM;
                r = build_property(c, ns, pf, p, false, CIM_SCOPE_PARAMETER);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        result = r;
        }
        return result;
}

static int compile_features(struct compiler *c, const struct mof_decl *d, struct cim_object *cls)
{
        int result = 0, r;

        for (size_t i = 0; i < d->feature_count; i++) {
                const struct mof_feature *f = &d->features[i];

                if (!f->name || !f->type_name)
                        continue; /* broken by a syntax error, already reported */
                for (size_t j = 0; j < i; j++) {
                        if (d->features[j].name && owmi_strcasecmp(d->features[j].name, f->name) == 0) {
                                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY,
                                                       &f->pos, "'%s' is declared twice in class '%s'",
                                                       f->name, d->name);
                                goto next;
                        }
                }
                if (cim_is_system_property(f->name) || (f->name[0] == '_' && f->name[1] == '_' &&
                    !(c->unit.opts && c->unit.opts->allow_system_classes))) {
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_SYSTEM_PROPERTY, &f->pos,
                                               "'%s': names starting with '__' are reserved for "
                                               "system properties", f->name);
                        continue;
                }
                if (f->is_method) {
                        struct cim_method *m = cim_object_find_method(cls, f->name);
                        bool inherited = m != NULL;

                        if (!m && !(m = cim_object_add_method(cls, f->name)))
                                return -ENOMEM;
                        if (inherited) {
                                /* an override keeps the inherited qualifiers */
                                owmi_free(m->name);
                                m->name = owmi_strdup(f->name);
                                if (!m->name)
                                        return -ENOMEM;
                        }
                        m->propagated = false;
                        owmi_free(m->class_origin);
                        m->class_origin = owmi_strdup(cls->class_name);
                        if (!m->class_origin)
                                return -ENOMEM;
                        r = build_method(c, d->namespace, f, m);
                } else {
                        struct cim_property *p = cim_object_find_property(cls, f->name);
                        bool inherited = p != NULL;

                        if (!p && !(p = cim_object_add_property(cls, f->name)))
                                return -ENOMEM;
                        p->propagated = false;
                        owmi_free(p->class_origin);
                        p->class_origin = owmi_strdup(cls->class_name);
                        if (!p->class_origin)
                                return -ENOMEM;
                        r = build_property(c, d->namespace, f, p, inherited, 0);
                        if (r >= 0)
                                r = check_key(c, f, p);
                }
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        result = r;
next:;
        }
        return result;
}

static unsigned repo_flags(unsigned class_flags)
{
        unsigned f = REPO_PUT_CREATE_OR_UPDATE;

        if (class_flags & MOF_CLASS_CREATE_ONLY)
                f |= REPO_PUT_CREATE_ONLY;
        if (class_flags & MOF_CLASS_UPDATE_ONLY)
                f |= REPO_PUT_UPDATE_ONLY;
        if (class_flags & MOF_CLASS_FORCE_UPDATE)
                f |= REPO_PUT_FORCE;
        return f;
}

static int report_repo_error(struct compiler *c, const struct mof_pos *pos, int r,
                             const struct owmi_error *err)
{
        if (r == -ENOMEM)
                return r;
        return mof_unit_diag(&c->unit, MOF_ERROR, err->code ? err->code : OWMI_E_FAILED, pos, "%s",
                             err->message[0] ? err->message : strerror(-r));
}

static int compile_class(struct compiler *c, struct mof_decl *d)
{
        const struct cim_object *parent = NULL;
        struct cim_object *cls;
        struct owmi_error err = { 0 };
        bool allow_system = c->unit.opts && c->unit.opts->allow_system_classes;
        int r, result = 0;
        bool is_assoc, is_indication;
        uint32_t scope;

        if (!d->name)
                return -EINVAL;
        if (!cim_name_is_valid_class(d->name, allow_system))
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PARAMETER, &d->name_pos,
                                     d->name[0] == '_' && d->name[1] == '_' ?
                                     "class name '%s': names starting with '__' are reserved for "
                                     "system classes" :
                                     "class name '%s' must start with a letter, hold only letters, "
                                     "digits and '_', and not end with '_'", d->name);
        if (map_key(&c->key, d->namespace, d->name) < 0)
                return -ENOMEM;
        {
                struct mof_decl *first = hashmap_get(&c->class_decls, c->key.buf);

                /* WMI's mofcomp takes a later declaration as an update of the
                 * class; strict DMTF compiles refuse it */
                if (first && first != d &&
                    mof_unit_diag(&c->unit, c->unit.opts && c->unit.opts->strict ? MOF_ERROR :
                                  MOF_WARNING, OWMI_E_ALREADY_EXISTS, &d->name_pos,
                                  "class '%s' is declared again; this declaration replaces the "
                                  "one at %s:%u:%u", d->name, first->name_pos.file,
                                  first->name_pos.line, first->name_pos.column) < 0)
                        return -EINVAL;
        }
        if (d->superclass) {
                parent = compiler_find_class(c, d->namespace, d->superclass);
                if (!parent)
                        return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_SUPERCLASS,
                                             &d->super_pos, "superclass '%s' of '%s' is not defined "
                                             "in namespace '%s'", d->superclass, d->name,
                                             d->namespace);
                if (owmi_strcasecmp(parent->class_name, d->name) == 0)
                        return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_SUPERCLASS,
                                             &d->super_pos, "class '%s' cannot derive from itself",
                                             d->name);
                if (cim_qualifier_list_flag(&parent->qualifiers, "Terminal"))
                        return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_SUPERCLASS,
                                             &d->super_pos, "superclass '%s' is Terminal",
                                             parent->class_name);
                cls = cim_object_derive(parent, d->name);
        } else {
                cls = cim_object_new_class(d->name, NULL);
        }
        if (!cls)
                return -ENOMEM;
        owmi_free(cls->namespace);
        cls->namespace = owmi_strdup(d->namespace);
        if (!cls->namespace) {
                cim_object_free(cls);
                return -ENOMEM;
        }

        /* the class kind decides which qualifier scopes apply */
        is_assoc = parent && cim_object_is_association(parent);
        is_indication = parent && cim_object_is_indication(parent);
        for (size_t i = 0; i < d->qualifiers.count; i++) {
                const struct mof_qualifier *q = &d->qualifiers.items[i];
                /* a boolean array (`BooleanAQ{true,false}`) holds items, not a flag */
                bool on = !q->value.present || (q->value.value.type == CIM_TYPE_BOOLEAN &&
                                                !q->value.value.is_array &&
                                                !q->value.value.is_null && q->value.value.v.boolean);

                if (owmi_strcasecmp(q->name, "Association") == 0 && on)
                        is_assoc = true;
                if (owmi_strcasecmp(q->name, "Indication") == 0 && on)
                        is_indication = true;
        }
        scope = is_assoc ? CIM_SCOPE_ASSOCIATION | CIM_SCOPE_CLASS :
                is_indication ? CIM_SCOPE_INDICATION | CIM_SCOPE_CLASS : CIM_SCOPE_CLASS;
        r = apply_qualifiers(c, d->namespace, &d->qualifiers, scope, &cls->qualifiers, true);
        if (r == -ENOMEM)
                goto fail;
        if (r < 0)
                result = r;
        r = compile_features(c, d, cls);
        if (r == -ENOMEM)
                goto fail;
        if (r < 0)
                result = r;
        if (cim_object_is_singleton(cls) && cim_object_key_count(cls) > 0)
                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_CANNOT_BE_SINGLETON, &d->name_pos,
                                       "singleton class '%s' cannot have key properties", d->name);
        if (result >= 0 && cim_object_is_association(cls)) {
                size_t refs = 0;

                for (size_t i = 0; i < cls->prop_count; i++)
                        refs += cls->props[i].type == CIM_TYPE_REFERENCE;
                if (refs < 2)
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_ASSOCIATION,
                                               &d->name_pos, "association '%s' needs at least two "
                                               "references", d->name);
        }
        if (cim_object_is_abstract(cls) && cim_qualifier_list_flag(&cls->qualifiers, "Terminal"))
                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_CANNOT_BE_ABSTRACT, &d->name_pos,
                                       "class '%s' cannot be both Abstract and Terminal", d->name);
        if (result >= 0 && !d->syntax_error && cim_qualifier_list_find(&cls->qualifiers, "WMI")) {
                r = wdm_check_class(c, d, cls);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0)
                        result = r;
        }
        /* keep the class even when broken: later declarations resolve
         * against it and report their own problems, not a cascade */
        if (own_object(c, cls) < 0)
                goto fail;
        if (map_key(&c->key, d->namespace, d->name) < 0 ||
            hashmap_put(&c->classes, c->key.buf, cls) < 0)
                return -ENOMEM;
        if (result < 0 || d->syntax_error)
                return result < 0 ? result : -EINVAL;
        r = repo_class_put(c->repo, d->namespace, cls, repo_flags(d->class_flags), &err);
        if (r < 0)
                return report_repo_error(c, &d->name_pos, r, &err);
        c->unit.stats.classes++;
        return 0;
fail:
        cim_object_free(cls);
        return -ENOMEM;
}

/* ---- instances --------------------------------------------------------- */

static int compile_instance(struct compiler *c, struct mof_decl *d, struct cim_object **ret);

/* The value an alias stands for: the instance's path for a reference, the
 * instance itself for an embedded object. */
static int resolve_alias(struct compiler *c, const struct mof_pos *pos, const char *alias,
                         cim_type target, const char *ns, struct cim_value *ret)
{
        struct mof_decl *d = hashmap_get(&c->aliases, alias + 1);
        struct cim_object *inst;
        struct strbuf sb = STRBUF_INIT;
        int r;

        if (!d)
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_NOT_FOUND, pos,
                                     "alias '%s' is not defined", alias);
        r = compile_instance(c, d, &inst);
        if (r < 0)
                return r == -ENOMEM ? r : mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_OBJECT,
                                                        pos, "alias '%s' refers to an instance "
                                                        "that did not compile", alias);
        if (target == CIM_TYPE_OBJECT) {
                struct cim_object *copy = cim_object_clone(inst);

                if (!copy)
                        return -ENOMEM;
                cim_value_init_null(ret, CIM_TYPE_OBJECT, false);
                ret->is_null = false;
                ret->v.object = copy;
                return 0;
        }
        if (owmi_strcasecmp(inst->namespace, ns) != 0) {
                strbuf_addstr(&sb, inst->namespace);
                strbuf_addch(&sb, ':');
        }
        r = cim_object_relpath(inst, &sb);
        if (r < 0 || strbuf_error(&sb) < 0) {
                strbuf_release(&sb);
                return -ENOMEM;
        }
        cim_value_take_string(ret, CIM_TYPE_REFERENCE, strbuf_detach(&sb));
        return 0;
}

static bool is_alias(const struct cim_value *v)
{
        return v->type == CIM_TYPE_REFERENCE && !v->is_null && !v->is_array && v->v.string[0] == '$';
}

/* An embedded `instance of` value, given the type it is assigned to. */
static int embedded_value(struct compiler *c, struct mof_decl *d, cim_type target,
                          struct cim_value *ret)
{
        struct cim_object *inst;
        int r;

        r = compile_instance(c, d, &inst);
        if (r < 0)
                return r;
        if (target == CIM_TYPE_STRING) {
                /* DSP0004 EmbeddedInstance strings hold the MOF text */
                struct strbuf sb = STRBUF_INIT;

                cim_object_format_mof(inst, 0, &sb);
                if (strbuf_error(&sb) < 0) {
                        strbuf_release(&sb);
                        return -ENOMEM;
                }
                cim_value_take_string(ret, CIM_TYPE_STRING, strbuf_detach(&sb));
                return 0;
        }
        cim_value_init_null(ret, CIM_TYPE_OBJECT, false);
        ret->v.object = cim_object_clone(inst);
        if (!ret->v.object)
                return -ENOMEM;
        ret->is_null = false;
        return 0;
}

/* Replace aliases and embedded `instance of` values by what they stand
 * for, given the type of the property they are assigned to.  An array
 * with embedded instances keeps them in the list mv->embedded (see
 * embedded_slot in parser.c). */
static int resolve_value(struct compiler *c, const struct mof_value *mv, const struct cim_property *p,
                         const char *ns, struct cim_value *ret)
{
        const struct mof_decl *list = mv->value.is_array ? mv->embedded : NULL;
        cim_type target = p->type;
        int r;

        if (mv->embedded && !list)
                return embedded_value(c, mv->embedded, target, ret);
        if (is_alias(&mv->value))
                return resolve_alias(c, &mv->pos, mv->value.v.string, target, ns, ret);
        if (mv->value.is_array && !mv->value.is_null) {
                struct cim_value array;

                cim_value_init_array(&array, mv->value.type);
                for (uint32_t i = 0; i < mv->value.count; i++) {
                        struct cim_value item;

                        if (list && i < list->assignment_count && list->assignments[i].value.embedded)
                                r = embedded_value(c, list->assignments[i].value.embedded, target,
                                                   &item);
                        else if (is_alias(&mv->value.v.items[i]))
                                r = resolve_alias(c, &mv->pos, mv->value.v.items[i].v.string, target,
                                                  ns, &item);
                        else
                                r = cim_value_copy(&item, &mv->value.v.items[i]);
                        if (r >= 0 && (r = cim_value_array_append(&array, &item)) < 0)
                                cim_value_release(&item);
                        if (r < 0) {
                                cim_value_release(&array);
                                return r;
                        }
                }
                if (array.count)
                        array.type = array.v.items[0].type;
                *ret = array;
                return 0;
        }
        return cim_value_copy(ret, &mv->value);
}

/* Build (once) and store the instance of a declaration.  *ret is
 * borrowed from the declaration. */
static int compile_instance(struct compiler *c, struct mof_decl *d, struct cim_object **ret)
{
        const struct cim_object *cls;
        struct cim_object *inst;
        const char *ns = d->namespace ? d->namespace : c->unit.namespace;
        int result = 0, r;

        if (d->compiled) {
                *ret = d->compiled;
                return 0;
        }
        if (d->failed || d->syntax_error || !d->name)
                return -EINVAL;
        if (d->compiling) {
                d->failed = true;
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_OBJECT, &d->pos,
                                     "instance of '%s' refers to itself through aliases", d->name);
        }
        cls = compiler_find_class(c, ns, d->name);
        if (!cls) {
                d->failed = true;
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_CLASS, &d->name_pos,
                                     "class '%s' is not defined in namespace '%s'", d->name, ns);
        }
        if (cim_object_is_abstract(cls)) {
                d->failed = true;
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_OPERATION, &d->name_pos,
                                     "class '%s' is abstract and cannot have instances", d->name);
        }
        inst = cim_object_spawn_instance(cls);
        if (!inst)
                return -ENOMEM;
        d->compiling = true;
        /* WMI keeps qualifiers written on an instance and its values */
        r = apply_qualifiers(c, ns, &d->qualifiers, CIM_SCOPE_INSTANCE, &inst->qualifiers, false);
        if (r == -ENOMEM)
                goto fail;
        if (r < 0)
                result = r;
        for (size_t i = 0; i < d->assignment_count; i++) {
                const struct mof_assignment *a = &d->assignments[i];
                struct cim_property *p;
                struct owmi_error err = { 0 };
                struct cim_value v;

                if (!a->name)
                        continue; /* broken by a syntax error, already reported */
                for (size_t j = 0; j < i; j++) {
                        if (d->assignments[j].name &&
                            owmi_strcasecmp(d->assignments[j].name, a->name) == 0) {
                                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY,
                                                       &a->pos, "property '%s' is given twice",
                                                       a->name);
                                goto next_assignment;
                        }
                }
                p = cim_object_find_property(inst, a->name);
                if (!p) {
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_PROPERTY, &a->pos,
                                               "class '%s' has no property '%s'", cls->class_name,
                                               a->name);
                        continue;
                }
                if (p->type == CIM_TYPE_NONE) {
                        /* its declaration failed and was reported there */
                        result = -EINVAL;
                        continue;
                }
                if (!a->value.present) {
                        /* `[Qualifier] Name;`: OMI's parser accepts a property
                         * that only carries qualifiers; DSP0221 wants a value */
                        if (c->unit.opts && c->unit.opts->strict)
                                result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_SYNTAX,
                                                       &a->pos, "property '%s' has qualifiers but "
                                                       "no value (a MOF extension)", a->name);
                        continue;
                }
                r = resolve_value(c, &a->value, p, ns, &v);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0) {
                        result = r;
                        continue;
                }
                r = cim_object_set_value(inst, a->name, &v, &err);
                cim_value_release(&v);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0)
                        result = mof_unit_diag(&c->unit, MOF_ERROR, err.code, &a->value.pos,
                                               "property '%s': %s", a->name, err.message);
                r = apply_qualifiers(c, ns, &a->qualifiers, CIM_SCOPE_PROPERTY, &p->qualifiers, false);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0)
                        result = r;
next_assignment:;
        }
        /* Required properties and MaxLen (research/wmi-semantics.md section 9) */
        for (size_t i = 0; result >= 0 && i < cls->prop_count; i++) {
                const struct cim_property *cp = &cls->props[i];
                const struct cim_property *p = cim_object_find_property(inst, cp->name);
                const struct cim_qualifier *maxlen = cim_qualifier_list_find(&cp->qualifiers, "MaxLen");

                if (!p)
                        continue;
                /* WMI's mofcomp stores such instances; say so, refuse in strict mode */
                enum mof_severity sev = c->unit.opts && c->unit.opts->strict ? MOF_ERROR : MOF_WARNING;
                int q = 0;

                if (cim_qualifier_list_flag(&cp->qualifiers, "Required") && p->value.is_null)
                        q = mof_unit_diag(&c->unit, sev, OWMI_E_ILLEGAL_NULL, &d->name_pos,
                                          "required property '%s' of this '%s' instance has no "
                                          "value", p->name, cls->class_name);
                if (maxlen && !maxlen->value.is_null && cim_type_is_integer(maxlen->value.type) &&
                    p->type == CIM_TYPE_STRING && !p->value.is_null && !p->value.is_array &&
                    owmi_utf8_length(p->value.v.string) > maxlen->value.v.u64)
                        q = mof_unit_diag(&c->unit, sev, OWMI_E_VALUE_OUT_OF_RANGE, &d->name_pos,
                                          "property '%s' is longer than its MaxLen(%llu)", p->name,
                                          (unsigned long long) maxlen->value.v.u64);
                if (q < 0)
                        result = q;
        }
        for (size_t i = 0; result >= 0 && i < inst->prop_count; i++) {
                if (cim_property_is_key(&inst->props[i]) && inst->props[i].value.is_null)
                        result = mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_ILLEGAL_NULL, &d->name_pos,
                                               "key property '%s' of this '%s' instance has no value",
                                               inst->props[i].name, cls->class_name);
        }
        d->compiling = false;
        owmi_free(inst->namespace);
        inst->namespace = owmi_strdup(ns);
        if (!inst->namespace)
                goto fail;
        if (result < 0) {
                d->failed = true;
                cim_object_free(inst);
                return result;
        }
        d->compiled = inst;
        *ret = inst;
        return 0;
fail:
        d->compiling = false;
        cim_object_free(inst);
        return -ENOMEM;
}

static int store_instance(struct compiler *c, struct mof_decl *d)
{
        struct cim_object *inst;
        struct owmi_error err = { 0 };
        int r = compile_instance(c, d, &inst);

        if (r < 0)
                return r;
        if (c->unit.opts->prepare_instance &&
            c->unit.opts->prepare_instance(inst, c->unit.opts->prepare_userdata) != 0) {
                owmi_error_set(&err, OWMI_E_ACCESS_DENIED, "instance refused");
                return report_repo_error(c, &d->pos, -EACCES, &err);
        }
        /* an instance of __NAMESPACE creates the namespace (the repository
         * does it, with its checks on the name) */
        r = repo_instance_put(c->repo, d->namespace, inst, REPO_PUT_CREATE_OR_UPDATE, &err);
        if (r < 0)
                return report_repo_error(c, &d->pos, r, &err);
        if (owmi_strcasecmp(inst->class_name, "__NAMESPACE") == 0)
                c->unit.stats.namespaces++;
        else
                c->unit.stats.instances++;
        return 0;
}

/* ---- qualifier declarations and deletions ------------------------------ */

static int compile_qualifier_decl(struct compiler *c, struct mof_decl *d)
{
        struct cim_qualifier_decl *q;
        struct owmi_error err = { 0 };
        struct cim_value v;
        int r;

        if (!d->name)
                return -EINVAL;
        if (!cim_name_is_valid_identifier(d->name))
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER, &d->name_pos,
                                     "'%s' is not a valid qualifier name", d->name);
        if (map_key(&c->key, d->namespace, d->name) < 0)
                return -ENOMEM;
        q = owmi_calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        *q = d->qdecl;
        q->name = owmi_strdup(d->name);
        cim_value_init_null(&q->default_value, q->type, q->is_array);
        if (!q->name || own_qdecl(c, q) < 0) {
                owmi_free(q->name);
                owmi_free(q);
                return -ENOMEM;
        }
        q->flavor = normalize_flavor(q->flavor);
        r = cim_value_convert(&d->qdecl.default_value, q->type, q->is_array, &v, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return mof_unit_diag(&c->unit, MOF_ERROR, err.code, &d->default_pos,
                                     "default of qualifier '%s': %s", d->name, err.message);
        q->default_value = v;
        if (hashmap_put(&c->qualifiers, c->key.buf, q) < 0)
                return -ENOMEM;
        if (d->syntax_error)
                return -EINVAL;
        r = repo_qualifier_put(c->repo, d->namespace, q, &err);
        if (r < 0)
                return report_repo_error(c, &d->name_pos, r, &err);
        c->unit.stats.qualifiers++;
        return 0;
}

static int compile_delete_class(struct compiler *c, struct mof_decl *d)
{
        struct owmi_error err = { 0 };
        int r;

        if (!repo_class_exists(c->repo, d->namespace, d->name)) {
                if (!d->delete_fail)
                        return 0;
                return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_NOT_FOUND, &d->pos,
                                     "#pragma deleteclass: class '%s' does not exist", d->name);
        }
        r = repo_class_delete(c->repo, d->namespace, d->name, REPO_DELETE_FORCE, &err);
        if (r < 0)
                return report_repo_error(c, &d->pos, r, &err);
        /* forget cached copies: the class and its subclasses are gone */
        hashmap_release(&c->classes);
        return 0;
}

/* ---- the driver -------------------------------------------------------- */

static int check_namespace(struct compiler *c, struct mof_decl *d)
{
        if (repo_namespace_exists(c->repo, d->namespace))
                return 0;
        return mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_INVALID_NAMESPACE, &d->pos,
                             "namespace '%s' does not exist (create it with an instance of "
                             "__NAMESPACE first)", d->namespace);
}

static int index_unit(struct compiler *c)
{
        for (size_t i = 0; i < c->unit.decls.count; i++) {
                struct mof_decl *d = &c->unit.decls.items[i];

                if (d->kind == MOF_DECL_CLASS && d->name && d->superclass) {
                        uintptr_t n;

                        if (map_key(&c->key, d->namespace, d->superclass) < 0)
                                return -ENOMEM;
                        n = (uintptr_t) hashmap_get(&c->pending, c->key.buf);
                        if (hashmap_put(&c->pending, c->key.buf, (void *) (n + 1)) < 0)
                                return -ENOMEM;
                }
                if (d->kind == MOF_DECL_CLASS && d->name) {
                        if (map_key(&c->key, d->namespace, d->name) < 0)
                                return -ENOMEM;
                        if (!hashmap_get(&c->class_decls, c->key.buf) &&
                            hashmap_put(&c->class_decls, c->key.buf, d) < 0)
                                return -ENOMEM;
                }
                if (d->kind == MOF_DECL_INSTANCE && d->alias) {
                        struct mof_decl *first = hashmap_get(&c->aliases, d->alias);

                        if (first) {
                                mof_unit_diag(&c->unit, MOF_ERROR, OWMI_E_ALREADY_EXISTS, &d->pos,
                                              "alias '$%s' is already defined at %s:%u", d->alias,
                                              first->pos.file, first->pos.line);
                                continue;
                        }
                        if (hashmap_put(&c->aliases, d->alias, d) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

/* Drop the compiled copy of a class once no later declaration of the
 * unit derives from it: the repository has it if it is needed again, and
 * the compiler's memory stays bounded by the unfinished part of the tree. */
static void forget_class(struct compiler *c, const char *ns, const char *name)
{
        struct cim_object *cls;

        if (map_key(&c->key, ns, name) < 0)
                return;
        if ((uintptr_t) hashmap_get(&c->pending, c->key.buf) != 0)
                return;
        cls = hashmap_get(&c->classes, c->key.buf);
        if (!cls || (void *) cls == ABSENT)
                return;
        for (size_t i = c->owned_count; i > 0; i--) {
                if (c->owned[i - 1] == cls) {
                        c->owned[i - 1] = c->owned[--c->owned_count];
                        cim_object_free(cls);
                        hashmap_put(&c->classes, c->key.buf, NULL);
                        return;
                }
        }
}

static void class_done(struct compiler *c, const struct mof_decl *d, bool stored)
{
        if (d->superclass && map_key(&c->key, d->namespace, d->superclass) >= 0) {
                uintptr_t n = (uintptr_t) hashmap_get(&c->pending, c->key.buf);

                if (n > 0 && hashmap_put(&c->pending, c->key.buf, (void *) (n - 1)) >= 0 && n == 1)
                        forget_class(c, d->namespace, d->superclass);
        }
        /* a class that failed stays: what refers to it resolves against it */
        if (stored)
                forget_class(c, d->namespace, d->name);
}

static int compile_unit(struct compiler *c)
{
        char *last_ns = NULL;
        int r;

        r = index_unit(c);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->unit.decls.count && !c->unit.stopped; i++) {
                struct mof_decl *d = &c->unit.decls.items[i];

                if (!last_ns || strcmp(last_ns, d->namespace) != 0) {
                        last_ns = d->namespace;
                        if (check_namespace(c, d) < 0)
                                continue;
                }
                switch (d->kind) {
                case MOF_DECL_QUALIFIER:
                        r = compile_qualifier_decl(c, d);
                        break;
                case MOF_DECL_CLASS:
                        r = compile_class(c, d);
                        if (d->name)
                                class_done(c, d, r >= 0);
                        break;
                case MOF_DECL_INSTANCE:
                        r = store_instance(c, d);
                        break;
                case MOF_DECL_DELETE_CLASS:
                        r = compile_delete_class(c, d);
                        break;
                default:
                        r = 0;
                }
                if (r == -ENOMEM)
                        return r;
        }
        return 0;
}

static void compiler_release(struct compiler *c)
{
        for (size_t i = 0; i < c->owned_count; i++)
                cim_object_free(c->owned[i]);
        owmi_free(c->owned);
        for (size_t i = 0; i < c->owned_qdecl_count; i++) {
                cim_qualifier_decl_release(c->owned_qdecls[i]);
                owmi_free(c->owned_qdecls[i]);
        }
        owmi_free(c->owned_qdecls);
        hashmap_release(&c->classes);
        hashmap_release(&c->class_decls);
        hashmap_release(&c->qualifiers);
        hashmap_release(&c->aliases);
        hashmap_release(&c->guids);
        hashmap_release(&c->pending);
        strbuf_release(&c->key);
        mof_unit_release(&c->unit);
}

typedef int (*parse_fn)(struct mof_unit *u, const void *arg);

static int run(struct repo *repo, const struct mof_options *opts, struct mof_diag_list *diags,
               struct mof_stats *ret_stats, parse_fn parse, const void *arg)
{
        struct compiler c = { 0 };
        struct owmi_error err = { 0 };
        bool failed;
        int r;

        r = mof_unit_init(&c.unit, opts, diags);
        if (r == -ENOMEM) {
                mof_unit_release(&c.unit);
                return r;
        }
        if (r < 0) {
                mof_unit_diag(&c.unit, MOF_ERROR, OWMI_E_INVALID_NAMESPACE, NULL,
                              "'%s' is not a namespace name", opts->namespace);
                mof_unit_release(&c.unit);
                return -EINVAL;
        }
        c.repo = repo;
        r = parse(&c.unit, arg);
        if (r < 0 && r != -EINVAL)
                goto out;
        r = repo_transaction_begin(repo, &err);
        if (r < 0) {
                report_repo_error(&c, NULL, r, &err);
                goto out;
        }
        r = compile_unit(&c);
        failed = r < 0 || c.unit.errors > 0;
        if (failed || (opts && opts->check_only)) {
                repo_transaction_rollback(repo);
        } else {
                r = repo_transaction_commit(repo, &err);
                if (r < 0) {
                        report_repo_error(&c, NULL, r, &err);
                        failed = true;
                }
        }
        if (r >= 0)
                r = failed ? -EINVAL : 0;
out:
        if (r >= 0 && c.unit.errors)
                r = -EINVAL;
        if (ret_stats)
                *ret_stats = c.unit.stats;
        compiler_release(&c);
        return r;
}

struct files_arg {
        const char *const *files;
        size_t count;
};

static int parse_files(struct mof_unit *u, const void *arg)
{
        const struct files_arg *a = arg;

        for (size_t i = 0; i < a->count; i++) {
                int r = mof_parse_file(u, a->files[i], NULL);

                if (r == -ENOMEM)
                        return r;
        }
        return 0;
}

int mof_compile_files(struct repo *repo, const char *const *files, size_t count,
                      const struct mof_options *opts, struct mof_diag_list *diags,
                      struct mof_stats *ret_stats)
{
        struct files_arg a = { files, count };

        return run(repo, opts, diags, ret_stats, parse_files, &a);
}

struct buffer_arg {
        const char *name, *data;
        size_t len;
};

static int parse_buffer(struct mof_unit *u, const void *arg)
{
        const struct buffer_arg *a = arg;

        u->stats.files++;
        return mof_parse_text(u, a->name, a->data, a->len);
}

int mof_compile_buffer(struct repo *repo, const char *name, const char *data, size_t len,
                       const struct mof_options *opts, struct mof_diag_list *diags,
                       struct mof_stats *ret_stats)
{
        struct buffer_arg a = { name, data, len };

        return run(repo, opts, diags, ret_stats, parse_buffer, &a);
}

void mof_diag_list_release(struct mof_diag_list *list)
{
        if (!list)
                return;
        for (size_t i = 0; i < list->count; i++) {
                owmi_free(list->items[i].file);
                owmi_free(list->items[i].message);
        }
        owmi_free(list->items);
        memset(list, 0, sizeof(*list));
}

int mof_diag_format(const struct mof_diag *d, struct strbuf *out)
{
        const char *name = owmi_status_name(d->code);

        if (d->file && d->file[0]) {
                strbuf_addstr(out, d->file);
                if (d->line)
                        strbuf_addf(out, ":%u:%u", d->line, d->column);
                strbuf_addstr(out, ": ");
        }
        strbuf_addstr(out, d->severity == MOF_ERROR ? "error: " : "warning: ");
        strbuf_addstr(out, d->message);
        if (d->severity == MOF_ERROR && name)
                strbuf_addf(out, " [%s]", name);
        return strbuf_error(out);
}
