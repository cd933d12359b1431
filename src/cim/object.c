/* SPDX-License-Identifier: MIT */
/*
 * object.c: classes and instances (DSP0004 5.1, WMI's IWbemClassObject):
 * lifetime, derivation (inheritance of qualifiers and members), spawning
 * instances, member lookup, type conversion of values, the WMI system
 * properties and relative/full paths.
 */
#include <errno.h>
#include <pthread.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/object.h"
#include "cim/objpath.h"

const char *const cim_system_property_names[] = {
        "__CLASS", "__SUPERCLASS", "__DYNASTY", "__DERIVATION", "__GENUS",
        "__NAMESPACE", "__PATH", "__RELPATH", "__SERVER", "__PROPERTY_COUNT",
        NULL,
};

bool cim_is_system_property(const char *name)
{
        /* every one starts with two underscores: most names stop here */
        if (!name || name[0] != '_' || name[1] != '_')
                return false;
        for (size_t i = 0; cim_system_property_names[i]; i++)
                if (owmi_strcasecmp(name, cim_system_property_names[i]) == 0)
                        return true;
        return false;
}

struct cim_object *cim_object_new_class(const char *name, const char *superclass)
{
        struct cim_object *obj = owmi_calloc(1, sizeof(*obj));

        if (!obj)
                return NULL;
        obj->genus = CIM_GENUS_CLASS;
        obj->class_name = owmi_strdup(name);
        if (!obj->class_name)
                return cim_object_free(obj);
        if (superclass) {
                obj->superclass = owmi_strdup(superclass);
                if (!obj->superclass)
                        return cim_object_free(obj);
        }
        return obj;
}

void cim_property_release(struct cim_property *p)
{
        if (!p)
                return;
        if (!p->names_in_block) {
                owmi_free(p->name);
                owmi_free(p->ref_class);
                owmi_free(p->class_origin);
        }
        cim_value_release(&p->value);
        cim_qualifier_list_release(&p->qualifiers);
        memset(p, 0, sizeof(*p));
}

static int strdup_opt(char **dst, const char *src)
{
        *dst = NULL;
        if (!src)
                return 0;
        *dst = owmi_strdup(src);
        return *dst ? 0 : -ENOMEM;
}

int cim_property_copy(struct cim_property *dst, const struct cim_property *src)
{
        struct cim_property tmp = *src;

        tmp.name = tmp.ref_class = tmp.class_origin = NULL;
        tmp.names_in_block = false;
        cim_value_init_null(&tmp.value, CIM_TYPE_NONE, false);
        memset(&tmp.qualifiers, 0, sizeof(tmp.qualifiers));
        if (strdup_opt(&tmp.name, src->name) < 0 || strdup_opt(&tmp.ref_class, src->ref_class) < 0 ||
            strdup_opt(&tmp.class_origin, src->class_origin) < 0 ||
            cim_value_copy(&tmp.value, &src->value) < 0 ||
            cim_qualifier_list_copy(&tmp.qualifiers, &src->qualifiers) < 0) {
                cim_property_release(&tmp);
                return -ENOMEM;
        }
        *dst = tmp;
        return 0;
}

void cim_method_release(struct cim_method *m)
{
        if (!m)
                return;
        owmi_free(m->name);
        owmi_free(m->return_ref_class);
        owmi_free(m->class_origin);
        cim_qualifier_list_release(&m->qualifiers);
        for (size_t i = 0; i < m->param_count; i++)
                cim_property_release(&m->params[i]);
        owmi_free(m->params);
        memset(m, 0, sizeof(*m));
}

int cim_method_copy(struct cim_method *dst, const struct cim_method *src)
{
        struct cim_method tmp = *src;

        tmp.name = tmp.return_ref_class = tmp.class_origin = NULL;
        tmp.params = NULL;
        tmp.param_count = tmp.param_alloc = 0;
        memset(&tmp.qualifiers, 0, sizeof(tmp.qualifiers));
        if (strdup_opt(&tmp.name, src->name) < 0 ||
            strdup_opt(&tmp.return_ref_class, src->return_ref_class) < 0 ||
            strdup_opt(&tmp.class_origin, src->class_origin) < 0 ||
            cim_qualifier_list_copy(&tmp.qualifiers, &src->qualifiers) < 0)
                goto fail;
        if (src->param_count) {
                tmp.params = owmi_calloc(src->param_count, sizeof(*tmp.params));
                if (!tmp.params)
                        goto fail;
                tmp.param_alloc = src->param_count;
                for (size_t i = 0; i < src->param_count; i++) {
                        if (cim_property_copy(&tmp.params[i], &src->params[i]) < 0)
                                goto fail;
                        tmp.param_count++;
                }
        }
        *dst = tmp;
        return 0;
fail:
        cim_method_release(&tmp);
        return -ENOMEM;
}

struct cim_object *cim_object_free(struct cim_object *obj)
{
        if (!obj)
                return NULL;
        owmi_free(obj->class_name);
        if (!obj->names_in_block) {
                owmi_free(obj->superclass);
                for (size_t i = 0; i < obj->derivation_count; i++)
                        owmi_free(obj->derivation[i]);
                owmi_free(obj->derivation);
        }
        owmi_free(obj->namespace);
        owmi_free(obj->server);
        cim_qualifier_list_release(&obj->qualifiers);
        for (size_t i = 0; i < obj->prop_count; i++)
                cim_property_release(&obj->props[i]);
        owmi_free(obj->props);
        owmi_free(obj->string_block);
        for (size_t i = 0; i < obj->method_count; i++)
                cim_method_release(&obj->methods[i]);
        owmi_free(obj->methods);
        owmi_free(obj);
        return NULL;
}

static int copy_derivation(struct cim_object *dst, char *const *names, size_t count, const char *first)
{
        size_t total = count + (first ? 1 : 0);

        dst->derivation = NULL;
        dst->derivation_count = 0;
        if (!total)
                return 0;
        dst->derivation = owmi_calloc(total, sizeof(char *));
        if (!dst->derivation)
                return -ENOMEM;
        if (first) {
                dst->derivation[dst->derivation_count] = owmi_strdup(first);
                if (!dst->derivation[dst->derivation_count])
                        return -ENOMEM;
                dst->derivation_count++;
        }
        for (size_t i = 0; i < count; i++) {
                dst->derivation[dst->derivation_count] = owmi_strdup(names[i]);
                if (!dst->derivation[dst->derivation_count])
                        return -ENOMEM;
                dst->derivation_count++;
        }
        return 0;
}

static int copy_members(struct cim_object *dst, const struct cim_object *src)
{
        if (src->prop_count) {
                dst->props = owmi_calloc(src->prop_count, sizeof(*dst->props));
                if (!dst->props)
                        return -ENOMEM;
                dst->prop_alloc = src->prop_count;
                for (size_t i = 0; i < src->prop_count; i++) {
                        if (cim_property_copy(&dst->props[i], &src->props[i]) < 0)
                                return -ENOMEM;
                        dst->prop_count++;
                }
        }
        if (src->method_count) {
                dst->methods = owmi_calloc(src->method_count, sizeof(*dst->methods));
                if (!dst->methods)
                        return -ENOMEM;
                dst->method_alloc = src->method_count;
                for (size_t i = 0; i < src->method_count; i++) {
                        if (cim_method_copy(&dst->methods[i], &src->methods[i]) < 0)
                                return -ENOMEM;
                        dst->method_count++;
                }
        }
        return 0;
}

struct cim_object *cim_object_clone(const struct cim_object *src)
{
        struct cim_object *obj = owmi_calloc(1, sizeof(*obj));

        if (!obj)
                return NULL;
        obj->genus = src->genus;
        obj->partial = src->partial;
        if (strdup_opt(&obj->class_name, src->class_name) < 0 ||
            strdup_opt(&obj->superclass, src->superclass) < 0 ||
            strdup_opt(&obj->namespace, src->namespace) < 0 ||
            strdup_opt(&obj->server, src->server) < 0 ||
            copy_derivation(obj, src->derivation, src->derivation_count, NULL) < 0 ||
            cim_qualifier_list_copy(&obj->qualifiers, &src->qualifiers) < 0 ||
            copy_members(obj, src) < 0)
                return cim_object_free(obj);
        return obj;
}

static bool qualifier_names_in_block(const struct cim_qualifier_list *list)
{
        for (size_t i = 0; i < list->count; i++)
                if (!list->items[i].name_in_block)
                        return false;
        return true;
}

/* A copy of a list whose names are in the block from, with names in the
 * same place of the block to (a copy of from), and its items at *items
 * (advanced past them), also in that block. */
static int copy_qualifiers_rebased(struct cim_qualifier_list *dst,
                                   const struct cim_qualifier_list *src, const char *from, char *to,
                                   struct cim_qualifier **items)
{
        memset(dst, 0, sizeof(*dst));
        if (!src->count)
                return 0;
        dst->items = *items;
        *items += src->count;
        dst->items_in_block = true;
        dst->alloc = src->count;
        for (size_t i = 0; i < src->count; i++) {
                struct cim_qualifier *q = &dst->items[i];

                *q = src->items[i];
                q->name = to + (src->items[i].name - from);
                if (cim_value_copy(&q->value, &src->items[i].value) < 0) {
                        cim_value_init_null(&q->value, CIM_TYPE_NONE, false);
                        dst->count = i + 1;
                        return -ENOMEM;
                }
                dst->count = i + 1;
        }
        return 0;
}

struct cim_object *cim_object_spawn_like(const struct cim_object *proto)
{
        struct cim_object *obj;
        struct cim_qualifier *items;
        size_t strings, qualifier_count;

        if (!proto->names_in_block)
                return cim_object_clone(proto);
        for (size_t i = 0; i < proto->prop_count; i++)
                if (!proto->props[i].names_in_block ||
                    !qualifier_names_in_block(&proto->props[i].qualifiers))
                        return cim_object_clone(proto);
        if (!qualifier_names_in_block(&proto->qualifiers))
                return cim_object_clone(proto);
        obj = owmi_calloc(1, sizeof(*obj));
        if (!obj)
                return NULL;
        obj->genus = proto->genus;
        obj->partial = proto->partial;
        /* the names, then (aligned) the qualifiers' items of the instance
         * and of every property: one allocation for all of them */
        strings = (proto->string_block_size + _Alignof(struct cim_qualifier) - 1) /
                  _Alignof(struct cim_qualifier) * _Alignof(struct cim_qualifier);
        qualifier_count = proto->qualifiers.count;
        for (size_t i = 0; i < proto->prop_count; i++)
                qualifier_count += proto->props[i].qualifiers.count;
        obj->string_block = owmi_malloc(strings + qualifier_count * sizeof(struct cim_qualifier));
        if (!obj->string_block)
                return cim_object_free(obj);
        items = (struct cim_qualifier *) (void *) (obj->string_block + strings);
        obj->string_block_size = proto->string_block_size;
        obj->names_in_block = true;
        memcpy(obj->string_block, proto->string_block, proto->string_block_size);
#define REBASE(s) ((s) ? obj->string_block + ((const char *) (s) - proto->string_block) : NULL)
        if (proto->derivation_count) {
                obj->derivation = (char **) (void *) REBASE((const char *) proto->derivation);
                for (size_t i = 0; i < proto->derivation_count; i++)
                        obj->derivation[i] = REBASE(proto->derivation[i]);
                obj->derivation_count = proto->derivation_count;
        }
        obj->superclass = REBASE(proto->superclass);
        if (strdup_opt(&obj->class_name, proto->class_name) < 0 ||
            strdup_opt(&obj->namespace, proto->namespace) < 0 ||
            strdup_opt(&obj->server, proto->server) < 0 ||
            copy_qualifiers_rebased(&obj->qualifiers, &proto->qualifiers, proto->string_block,
                                    obj->string_block, &items) < 0)
                return cim_object_free(obj);
        obj->props = proto->prop_count ? owmi_calloc(proto->prop_count, sizeof(*obj->props)) : NULL;
        if (proto->prop_count && !obj->props)
                return cim_object_free(obj);
        obj->prop_alloc = proto->prop_count;
        for (size_t i = 0; i < proto->prop_count; i++) {
                const struct cim_property *src = &proto->props[i];
                struct cim_property *p = &obj->props[i];

                p->name = REBASE(src->name);
                p->ref_class = REBASE(src->ref_class);
                p->class_origin = REBASE(src->class_origin);
                p->names_in_block = true;
                p->type = src->type;
                p->is_array = src->is_array;
                p->array_size = src->array_size;
                p->propagated = src->propagated;
                obj->prop_count++;
                if (cim_value_copy(&p->value, &src->value) < 0 ||
                    copy_qualifiers_rebased(&p->qualifiers, &src->qualifiers, proto->string_block,
                                            obj->string_block, &items) < 0)
                        return cim_object_free(obj);
        }
#undef REBASE
        return obj;
}

/* Members inherited by a subclass: everything, marked propagated, with the
 * member qualifiers filtered by the Restricted flavor. */
static int inherit_property(struct cim_property *p)
{
        struct cim_qualifier_list inherited = { 0 };

        if (cim_qualifier_list_inherit(&inherited, &p->qualifiers) < 0)
                return -ENOMEM;
        cim_qualifier_list_release(&p->qualifiers);
        p->qualifiers = inherited;
        p->propagated = true;
        return 0;
}

struct cim_object *cim_object_derive(const struct cim_object *parent, const char *name)
{
        struct cim_object *obj = cim_object_new_class(name, parent->class_name);

        if (!obj)
                return NULL;
        if (strdup_opt(&obj->namespace, parent->namespace) < 0 ||
            copy_derivation(obj, parent->derivation, parent->derivation_count,
                            parent->class_name) < 0 ||
            cim_qualifier_list_inherit(&obj->qualifiers, &parent->qualifiers) < 0 ||
            copy_members(obj, parent) < 0)
                return cim_object_free(obj);
        for (size_t i = 0; i < obj->prop_count; i++)
                if (inherit_property(&obj->props[i]) < 0)
                        return cim_object_free(obj);
        for (size_t i = 0; i < obj->method_count; i++) {
                struct cim_method *m = &obj->methods[i];
                struct cim_qualifier_list inherited = { 0 };

                if (cim_qualifier_list_inherit(&inherited, &m->qualifiers) < 0)
                        return cim_object_free(obj);
                cim_qualifier_list_release(&m->qualifiers);
                m->qualifiers = inherited;
                m->propagated = true;
        }
        return obj;
}

static void drop_propagated_qualifiers(struct cim_qualifier_list *list)
{
        size_t kept = 0;

        for (size_t i = 0; i < list->count; i++) {
                struct cim_qualifier *q = &list->items[i];

                if (q->propagated) {
                        if (!q->name_in_block)
                                owmi_free(q->name);
                        cim_value_release(&q->value);
                        continue;
                }
                list->items[kept++] = *q;
        }
        list->count = kept;
}

struct cim_object *cim_object_local_part(const struct cim_object *cls)
{
        struct cim_object *local = cim_object_new_class(cls->class_name, cls->superclass);
        size_t n = 0;

        if (!local)
                return NULL;
        local->genus = cls->genus;
        if (strdup_opt(&local->namespace, cls->namespace) < 0 ||
            cim_qualifier_list_copy(&local->qualifiers, &cls->qualifiers) < 0)
                return cim_object_free(local);
        drop_propagated_qualifiers(&local->qualifiers);
        for (size_t i = 0; i < cls->prop_count; i++)
                n += !cls->props[i].propagated;
        if (n) {
                local->props = owmi_calloc(n, sizeof(*local->props));
                if (!local->props)
                        return cim_object_free(local);
                local->prop_alloc = n;
        }
        for (size_t i = 0; i < cls->prop_count; i++) {
                if (cls->props[i].propagated)
                        continue;
                if (cim_property_copy(&local->props[local->prop_count], &cls->props[i]) < 0)
                        return cim_object_free(local);
                drop_propagated_qualifiers(&local->props[local->prop_count++].qualifiers);
        }
        for (size_t i = 0; i < cls->method_count; i++) {
                struct cim_method *m;

                if (cls->methods[i].propagated)
                        continue;
                if (OWMI_GROW(local->methods, local->method_alloc, local->method_count + 1) < 0)
                        return cim_object_free(local);
                m = &local->methods[local->method_count];
                if (cim_method_copy(m, &cls->methods[i]) < 0)
                        return cim_object_free(local);
                local->method_count++;
                drop_propagated_qualifiers(&m->qualifiers);
        }
        return local;
}

/* Local qualifiers go over the inherited ones (same name: replaced). */
static int overlay_qualifiers(struct cim_qualifier_list *dst, const struct cim_qualifier_list *local)
{
        for (size_t i = 0; i < local->count; i++) {
                struct cim_value v;

                if (cim_value_copy(&v, &local->items[i].value) < 0)
                        return -ENOMEM;
                if (cim_qualifier_list_set(dst, local->items[i].name, &v, local->items[i].flavor) < 0) {
                        cim_value_release(&v);
                        return -ENOMEM;
                }
        }
        return 0;
}

struct cim_object *cim_object_rebuild(const struct cim_object *parent, const struct cim_object *local)
{
        struct cim_object *cls;

        cls = parent ? cim_object_derive(parent, local->class_name) :
                       cim_object_new_class(local->class_name, NULL);
        if (!cls)
                return NULL;
        owmi_free(cls->namespace);
        if (strdup_opt(&cls->namespace, local->namespace) < 0 ||
            overlay_qualifiers(&cls->qualifiers, &local->qualifiers) < 0)
                return cim_object_free(cls);
        for (size_t i = 0; i < local->prop_count; i++) {
                const struct cim_property *lp = &local->props[i];
                struct cim_property *p = cim_object_find_property(cls, lp->name);
                struct cim_qualifier_list inherited = { 0 };

                if (p) {
                        /* an override keeps what it inherited, under its own */
                        inherited = p->qualifiers;
                        memset(&p->qualifiers, 0, sizeof(p->qualifiers));
                        cim_property_release(p);
                } else if (!(p = cim_object_add_property(cls, lp->name))) {
                        return cim_object_free(cls);
                } else {
                        cim_property_release(p);
                }
                if (cim_property_copy(p, lp) < 0) {
                        cim_qualifier_list_release(&inherited);
                        return cim_object_free(cls); /* the emptied slot frees as NULLs */
                }
                if (overlay_qualifiers(&inherited, &p->qualifiers) < 0) {
                        cim_qualifier_list_release(&inherited);
                        return cim_object_free(cls);
                }
                cim_qualifier_list_release(&p->qualifiers);
                p->qualifiers = inherited;
        }
        for (size_t i = 0; i < local->method_count; i++) {
                const struct cim_method *lm = &local->methods[i];
                struct cim_method *m = cim_object_find_method(cls, lm->name);
                struct cim_qualifier_list inherited = { 0 };

                if (m) {
                        inherited = m->qualifiers;
                        memset(&m->qualifiers, 0, sizeof(m->qualifiers));
                        cim_method_release(m);
                } else if (!(m = cim_object_add_method(cls, lm->name))) {
                        return cim_object_free(cls);
                } else {
                        cim_method_release(m);
                }
                if (cim_method_copy(m, lm) < 0) {
                        cim_qualifier_list_release(&inherited);
                        return cim_object_free(cls);
                }
                if (overlay_qualifiers(&inherited, &m->qualifiers) < 0) {
                        cim_qualifier_list_release(&inherited);
                        return cim_object_free(cls);
                }
                cim_qualifier_list_release(&m->qualifiers);
                m->qualifiers = inherited;
        }
        return cls;
}

/* WMI copies to instances only the qualifiers with the ToInstance flavor
 * (and, on properties, Key, which makes the instance's path). */
/* exact: every qualifier as it is (a copy of an instance); otherwise
 * those an instance of the class gets. */
static int copy_instance_qualifiers(struct cim_qualifier_list *dst, const struct cim_qualifier_list *src,
                                    bool keep_key, bool exact)
{
        for (size_t i = 0; i < src->count; i++) {
                const struct cim_qualifier *q = &src->items[i];
                struct cim_value v;

                if (!exact && !(q->flavor & CIM_FLAVOR_TO_INSTANCE) &&
                    !(keep_key && owmi_strcasecmp(q->name, "Key") == 0))
                        continue;
                if (cim_value_copy(&v, &q->value) < 0 ||
                    cim_qualifier_list_set(dst, q->name, &v, q->flavor) < 0)
                        return -ENOMEM;
                dst->items[dst->count - 1].propagated = exact ? q->propagated : true;
        }
        return 0;
}

static size_t block_size(const char *s)
{
        return s ? strlen(s) + 1 : 0;
}

/* Copy s to *next in a string block and move past it; NULL stays NULL. */
static char *block_copy(char **next, const char *s)
{
        char *at = *next;
        size_t n;

        if (!s)
                return NULL;
        n = strlen(s) + 1;
        memcpy(at, s, n);
        *next += n;
        return at;
}

static size_t qualifier_names_size(const struct cim_qualifier_list *list)
{
        size_t n = 0;

        for (size_t i = 0; i < list->count; i++)
                n += block_size(list->items[i].name);
        return n;
}

/* Move the names of a freshly copied list into the string block. */
static void move_qualifier_names(struct cim_qualifier_list *list, char **next)
{
        for (size_t i = 0; i < list->count; i++) {
                struct cim_qualifier *q = &list->items[i];
                char *in_block = block_copy(next, q->name);

                owmi_free(q->name);
                q->name = in_block;
                q->name_in_block = true;
        }
}

static bool listed(const char *name, const char *const *names, size_t count)
{
        for (size_t i = 0; i < count; i++)
                if (owmi_strcasecmp(names[i], name) == 0)
                        return true;
        return false;
}

/* Built directly, not cloned and trimmed: providers spawn one instance
 * per result, so this is on the hot path of every enumeration. */
static struct cim_object *spawn_block(const struct cim_object *cls, const char *const *names,
                                      size_t count, bool exact);

struct cim_object *cim_object_spawn_instance(const struct cim_object *cls)
{
        return spawn_block(cls, NULL, 0, false);
}

struct cim_object *cim_object_spawn_partial(const struct cim_object *cls, const char *const *names,
                                            size_t count)
{
        return spawn_block(cls, names, count, false);
}

struct cim_object *cim_object_compact(const struct cim_object *inst)
{
        if (inst->genus != CIM_GENUS_INSTANCE || inst->method_count)
                return cim_object_clone(inst);
        return spawn_block(inst, NULL, 0, true);
}

/* An instance of cls (exact: a copy of the instance cls) with every name
 * in one block. */
static struct cim_object *spawn_block(const struct cim_object *cls, const char *const *names,
                                      size_t count, bool exact)
{
        struct cim_object *obj = owmi_calloc(1, sizeof(*obj));
        size_t block = cls->derivation_count * sizeof(char *) + block_size(cls->superclass);
        char *next;

        if (!obj)
                return NULL;
        obj->genus = CIM_GENUS_INSTANCE;
        /* the names of the class, its ancestors and every property (an
         * upper bound of what a partial instance keeps): one allocation,
         * the derivation's pointers first where they are aligned */
        for (size_t i = 0; i < cls->derivation_count; i++)
                block += block_size(cls->derivation[i]);
        for (size_t i = 0; i < cls->prop_count; i++)
                block += block_size(cls->props[i].name) + block_size(cls->props[i].ref_class) +
                         block_size(cls->props[i].class_origin) +
                         qualifier_names_size(&cls->props[i].qualifiers);
        block += qualifier_names_size(&cls->qualifiers);
        obj->string_block = owmi_malloc(block ? block : 1);
        if (!obj->string_block)
                return cim_object_free(obj);
        obj->string_block_size = block ? block : 1;
        obj->names_in_block = true;
        next = obj->string_block;
        if (cls->derivation_count) {
                obj->derivation = (char **) (void *) next;
                next += cls->derivation_count * sizeof(char *);
                for (size_t i = 0; i < cls->derivation_count; i++)
                        obj->derivation[i] = block_copy(&next, cls->derivation[i]);
                obj->derivation_count = cls->derivation_count;
        }
        obj->superclass = block_copy(&next, cls->superclass);
        if (strdup_opt(&obj->class_name, cls->class_name) < 0 ||
            strdup_opt(&obj->namespace, cls->namespace) < 0 ||
            strdup_opt(&obj->server, cls->server) < 0 ||
            copy_instance_qualifiers(&obj->qualifiers, &cls->qualifiers, false, exact) < 0)
                return cim_object_free(obj);
        move_qualifier_names(&obj->qualifiers, &next);
        if (cls->prop_count) {
                obj->props = owmi_calloc(cls->prop_count, sizeof(*obj->props));
                if (!obj->props)
                        return cim_object_free(obj);
                obj->prop_alloc = cls->prop_count;
        }
        for (size_t i = 0; i < cls->prop_count; i++) {
                const struct cim_property *cp = &cls->props[i];
                struct cim_property *p = &obj->props[obj->prop_count];

                if (names && !listed(cp->name, names, count) && !cim_property_is_key(cp))
                        continue;
                /* Key stays on instance properties: it makes the instance's path */
                p->type = cp->type;
                p->is_array = cp->is_array;
                p->array_size = cp->array_size;
                p->propagated = cp->propagated;
                p->names_in_block = true;
                p->name = block_copy(&next, cp->name);
                p->ref_class = block_copy(&next, cp->ref_class);
                p->class_origin = block_copy(&next, cp->class_origin);
                obj->prop_count++;
                if (cim_value_copy(&p->value, &cp->value) < 0 ||
                    copy_instance_qualifiers(&p->qualifiers, &cp->qualifiers, true, exact) < 0)
                        return cim_object_free(obj);
                move_qualifier_names(&p->qualifiers, &next);
        }
        obj->partial = exact ? cls->partial : names != NULL;
        /* Methods belong to the class; an instance reaches them through it. */
        return obj;
}

struct cim_property *cim_object_find_property(const struct cim_object *obj, const char *name)
{
        for (size_t i = 0; i < obj->prop_count; i++)
                if (owmi_strcasecmp(obj->props[i].name, name) == 0)
                        return &obj->props[i];
        return NULL;
}

struct cim_property *cim_object_find_property_hinted(const struct cim_object *obj, const char *name,
                                                     size_t *hint)
{
        struct cim_property *p;

        if (*hint < obj->prop_count && owmi_strcasecmp(obj->props[*hint].name, name) == 0)
                return &obj->props[*hint];
        p = cim_object_find_property(obj, name);
        if (p)
                *hint = (size_t) (p - obj->props);
        return p;
}

struct cim_method *cim_object_find_method(const struct cim_object *obj, const char *name)
{
        for (size_t i = 0; i < obj->method_count; i++)
                if (owmi_strcasecmp(obj->methods[i].name, name) == 0)
                        return &obj->methods[i];
        return NULL;
}

struct cim_property *cim_method_find_param(const struct cim_method *m, const char *name)
{
        for (size_t i = 0; i < m->param_count; i++)
                if (owmi_strcasecmp(m->params[i].name, name) == 0)
                        return &m->params[i];
        return NULL;
}

static struct cim_property *append_property(struct cim_property **items, size_t *count,
                                            size_t *alloc, const char *name)
{
        struct cim_property *p;

        if (owmi_grow((void **) items, alloc, *count + 1, sizeof(**items)) < 0)
                return NULL;
        p = &(*items)[*count];
        memset(p, 0, sizeof(*p));
        p->name = owmi_strdup(name);
        if (!p->name)
                return NULL;
        cim_value_init_null(&p->value, CIM_TYPE_NONE, false);
        (*count)++;
        return p;
}

struct cim_property *cim_object_add_property(struct cim_object *obj, const char *name)
{
        return append_property(&obj->props, &obj->prop_count, &obj->prop_alloc, name);
}

struct cim_property *cim_method_add_param(struct cim_method *m, const char *name)
{
        return append_property(&m->params, &m->param_count, &m->param_alloc, name);
}

struct cim_method *cim_object_add_method(struct cim_object *obj, const char *name)
{
        struct cim_method *m;

        if (OWMI_GROW(obj->methods, obj->method_alloc, obj->method_count + 1) < 0)
                return NULL;
        m = &obj->methods[obj->method_count];
        memset(m, 0, sizeof(*m));
        m->name = owmi_strdup(name);
        if (!m->name)
                return NULL;
        obj->method_count++;
        return m;
}

bool cim_object_remove_property(struct cim_object *obj, const char *name)
{
        struct cim_property *p = cim_object_find_property(obj, name);
        size_t idx;

        if (!p)
                return false;
        idx = (size_t) (p - obj->props);
        cim_property_release(p);
        memmove(p, p + 1, (obj->prop_count - idx - 1) * sizeof(*p));
        obj->prop_count--;
        return true;
}

bool cim_object_is_class(const struct cim_object *obj)
{
        return obj->genus == CIM_GENUS_CLASS;
}

/* Abstract is Restricted in DSP0004: only the class that says it is abstract. */
bool cim_object_is_abstract(const struct cim_object *obj)
{
        const struct cim_qualifier *q = cim_qualifier_list_find(&obj->qualifiers, "Abstract");

        return q && !q->propagated && !q->value.is_null && q->value.type == CIM_TYPE_BOOLEAN &&
               q->value.v.boolean;
}

bool cim_object_is_association(const struct cim_object *obj)
{
        return cim_qualifier_list_flag(&obj->qualifiers, "Association");
}

bool cim_object_is_indication(const struct cim_object *obj)
{
        return cim_qualifier_list_flag(&obj->qualifiers, "Indication");
}

bool cim_object_is_singleton(const struct cim_object *obj)
{
        return cim_qualifier_list_flag(&obj->qualifiers, "Singleton");
}

bool cim_property_is_key(const struct cim_property *p)
{
        return cim_qualifier_list_flag(&p->qualifiers, "Key");
}

size_t cim_object_key_count(const struct cim_object *obj)
{
        size_t n = 0;

        for (size_t i = 0; i < obj->prop_count; i++)
                n += cim_property_is_key(&obj->props[i]);
        return n;
}

bool cim_object_is_a(const struct cim_object *obj, const char *name)
{
        if (owmi_strcasecmp(obj->class_name, name) == 0)
                return true;
        for (size_t i = 0; i < obj->derivation_count; i++)
                if (owmi_strcasecmp(obj->derivation[i], name) == 0)
                        return true;
        return false;
}

static int convert_integer(const struct cim_value *in, cim_type type, struct cim_value *ret,
                           struct owmi_error *err)
{
        int64_t min;
        uint64_t max;
        bool negative;
        uint64_t magnitude;

        cim_type_range(type, &min, &max);
        if (in->type == CIM_TYPE_SINT8 || in->type == CIM_TYPE_SINT16 ||
            in->type == CIM_TYPE_SINT32 || in->type == CIM_TYPE_SINT64) {
                negative = in->v.s64 < 0;
                magnitude = negative ? (uint64_t) 0 - (uint64_t) in->v.s64 : (uint64_t) in->v.s64;
        } else if (cim_type_is_integer(in->type)) {
                negative = false;
                magnitude = in->v.u64;
        } else if (in->type == CIM_TYPE_STRING) {
                /* WMI lets 64-bit integers travel as strings */
                char *end;

                errno = 0;
                if (in->v.string[0] == '-') {
                        long long s = strtoll(in->v.string, &end, 0);

                        if (errno || *end || end == in->v.string)
                                goto mismatch;
                        negative = s < 0;
                        magnitude = negative ? (uint64_t) 0 - (uint64_t) s : (uint64_t) s;
                } else {
                        unsigned long long u = strtoull(in->v.string, &end, 0);

                        if (errno || *end || end == in->v.string)
                                goto mismatch;
                        negative = false;
                        magnitude = u;
                }
        } else {
                goto mismatch;
        }
        if (negative ? magnitude > (uint64_t) 0 - (uint64_t) min : magnitude > max)
                return owmi_error_set(err, OWMI_E_VALUE_OUT_OF_RANGE, "value %s%" PRIu64
                                      " out of range for %s", negative ? "-" : "", magnitude,
                                      cim_type_name(type));
        if (cim_type_is_signed(type))
                cim_value_set_sint(ret, type, negative ? (int64_t) ((uint64_t) 0 - magnitude)
                                                       : (int64_t) magnitude);
        else
                cim_value_set_uint(ret, type, magnitude);
        return 0;
mismatch:
        return owmi_error_set(err, OWMI_E_TYPE_MISMATCH, "%s value where %s is required",
                              cim_type_name(in->type) ? cim_type_name(in->type) : "untyped",
                              cim_type_name(type));
}

static int convert_scalar(const struct cim_value *in, cim_type type, struct cim_value *ret,
                          struct owmi_error *err)
{
        unsigned column;

        if (in->is_null) {
                cim_value_init_null(ret, type, false);
                return 0;
        }
        if (cim_type_is_integer(type))
                return convert_integer(in, type, ret, err);
        switch (type) {
        case CIM_TYPE_BOOLEAN:
                if (in->type != CIM_TYPE_BOOLEAN)
                        break;
                cim_value_set_bool(ret, in->v.boolean);
                return 0;
        case CIM_TYPE_REAL32:
        case CIM_TYPE_REAL64: {
                double r;

                if (cim_type_is_real(in->type))
                        r = in->v.real;
                else if (cim_type_is_signed(in->type))
                        r = (double) in->v.s64;
                else if (cim_type_is_integer(in->type))
                        r = (double) in->v.u64;
                else
                        break;
                /* out of range only if it does not round to a finite float */
                if (type == CIM_TYPE_REAL32 && isfinite(r) && isinf((float) r))
                        return owmi_error_set(err, OWMI_E_VALUE_OUT_OF_RANGE,
                                              "value %g out of range for real32", r);
                cim_value_set_real(ret, type, r);
                return 0;
        }
        case CIM_TYPE_CHAR16:
                if (in->type == CIM_TYPE_CHAR16) {
                        cim_value_set_uint(ret, type, in->v.char16);
                        return 0;
                }
                if (in->type == CIM_TYPE_STRING && strlen(in->v.string) == 1) {
                        cim_value_set_uint(ret, type, (unsigned char) in->v.string[0]);
                        return 0;
                }
                if (cim_type_is_integer(in->type) && !cim_type_is_signed(in->type) &&
                    in->v.u64 <= UINT16_MAX) {
                        cim_value_set_uint(ret, type, in->v.u64);
                        return 0;
                }
                break;
        case CIM_TYPE_STRING:
                if (in->type != CIM_TYPE_STRING && in->type != CIM_TYPE_REFERENCE)
                        break;
                return cim_value_set_string(ret, type, in->v.string);
        case CIM_TYPE_DATETIME:
                if (in->type == CIM_TYPE_DATETIME) {
                        *ret = *in;
                        return 0;
                }
                if (in->type != CIM_TYPE_STRING)
                        break;
                cim_value_init_null(ret, type, false);
                if (cim_datetime_parse(in->v.string, strlen(in->v.string), &ret->v.datetime,
                                       &column) < 0)
                        return owmi_error_set(err, OWMI_E_TYPE_MISMATCH,
                                              "'%s' is not a datetime (column %u)",
                                              in->v.string, column);
                ret->is_null = false;
                return 0;
        case CIM_TYPE_REFERENCE: {
                struct cim_objpath path = { 0 };
                struct owmi_error perr = { 0 };

                if (in->type != CIM_TYPE_STRING && in->type != CIM_TYPE_REFERENCE)
                        break;
                if (cim_objpath_parse(in->v.string, strlen(in->v.string), &path, &perr) < 0)
                        return owmi_error_set(err, OWMI_E_TYPE_MISMATCH,
                                              "'%s' is not an object path: %s", in->v.string,
                                              perr.message);
                cim_objpath_release(&path);
                return cim_value_set_string(ret, type, in->v.string);
        }
        case CIM_TYPE_OBJECT:
                if (in->type != CIM_TYPE_OBJECT)
                        break;
                return cim_value_copy(ret, in) < 0 ? -ENOMEM : 0;
        default:
                break;
        }
        return owmi_error_set(err, OWMI_E_TYPE_MISMATCH, "%s value where %s is required",
                              cim_type_name(in->type) ? cim_type_name(in->type) : "untyped",
                              cim_type_name(type) ? cim_type_name(type) : "untyped");
}

int cim_value_convert(const struct cim_value *in, cim_type type, bool is_array,
                      struct cim_value *ret, struct owmi_error *err)
{
        struct cim_value out;
        int r;

        if (in->is_null) {
                cim_value_init_null(ret, type, is_array);
                return 0;
        }
        if (in->is_array != is_array)
                return owmi_error_set(err, OWMI_E_TYPE_MISMATCH, is_array ?
                                      "scalar value where an array is required" :
                                      "array value where a scalar is required");
        if (!is_array) {
                r = convert_scalar(in, type, &out, err);
                if (r < 0)
                        return r;
                *ret = out;
                return 0;
        }
        cim_value_init_array(&out, type);
        for (uint32_t i = 0; i < in->count; i++) {
                struct cim_value item;

                cim_value_init_null(&item, type, false);
                r = convert_scalar(&in->v.items[i], type, &item, err);
                if (r >= 0)
                        r = cim_value_array_append(&out, &item);
                if (r < 0) {
                        cim_value_release(&item);
                        cim_value_clear(&out);
                        return r;
                }
        }
        *ret = out;
        return 0;
}

int cim_object_take_value(struct cim_object *obj, struct cim_property *p, struct cim_value *value,
                          struct owmi_error *err)
{
        struct cim_value converted;
        int r;

        (void) obj;
        /* moved when nothing needs checking (a reference's path is parsed
         * by the conversion) */
        if (!value->is_null && value->type == p->type && value->is_array == p->is_array &&
            p->type != CIM_TYPE_REFERENCE) {
                cim_value_release(&p->value);
                cim_value_move(&p->value, value);
                return 0;
        }
        r = cim_value_convert(value, p->type, p->is_array, &converted, err);
        cim_value_release(value);
        if (r < 0)
                return r;
        cim_value_release(&p->value);
        p->value = converted;
        return 0;
}

int cim_object_set_value(struct cim_object *obj, const char *name, const struct cim_value *value,
                         struct owmi_error *err)
{
        struct cim_property *p = cim_object_find_property(obj, name);
        struct cim_value converted;
        int r;

        if (cim_is_system_property(name))
                return owmi_error_set(err, OWMI_E_SYSTEM_PROPERTY,
                                      "system property '%s' cannot be set", name);
        if (!p && obj->partial)
                return 0; /* not selected by the query: nobody will read it */
        if (!p)
                return owmi_error_set(err, OWMI_E_INVALID_PROPERTY,
                                      "class '%s' has no property '%s'", obj->class_name, name);
        r = cim_value_convert(value, p->type, p->is_array, &converted, err);
        if (r < 0)
                return r;
        cim_value_release(&p->value);
        p->value = converted;
        return 0;
}

static char host_name_buf[256];

static void read_host_name(void)
{
        if (gethostname(host_name_buf, sizeof(host_name_buf) - 1) < 0 || !host_name_buf[0])
                strcpy(host_name_buf, "localhost");
}

/* Read once per process: __PATH is built on many threads at once. */
static const char *host_name(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;

        pthread_once(&once, read_host_name);
        return host_name_buf;
}

/* An instance's path as a struct cim_objpath (keys borrowed by copy). */
static int object_objpath(const struct cim_object *obj, struct cim_objpath *ret)
{
        struct cim_objpath path = { 0 };

        path.class_name = owmi_strdup(obj->class_name);
        if (!path.class_name)
                return -ENOMEM;
        if (obj->genus == CIM_GENUS_INSTANCE) {
                for (size_t i = 0; i < obj->prop_count; i++) {
                        struct cim_value v;

                        if (!cim_property_is_key(&obj->props[i]))
                                continue;
                        if (cim_value_copy(&v, &obj->props[i].value) < 0 ||
                            cim_objpath_add_key(&path, obj->props[i].name, &v) < 0) {
                                cim_objpath_release(&path);
                                return -ENOMEM;
                        }
                }
                path.singleton = path.key_count == 0;
        }
        *ret = path;
        return 0;
}

int cim_object_relpath(const struct cim_object *obj, struct strbuf *out)
{
        struct cim_objpath path;
        int r = object_objpath(obj, &path);

        if (r < 0)
                return r;
        r = cim_objpath_format(&path, CIM_OBJPATH_RELATIVE, out);
        cim_objpath_release(&path);
        return r;
}

int cim_object_path(const struct cim_object *obj, struct strbuf *out)
{
        strbuf_addf(out, "\\\\%s\\", obj->server ? obj->server : host_name());
        for (const char *c = obj->namespace ? obj->namespace : ""; *c; c++)
                strbuf_addch(out, *c == '/' ? '\\' : *c);
        strbuf_addch(out, ':');
        return cim_object_relpath(obj, out);
}

static int take_strbuf(struct cim_value *ret, struct strbuf *sb, int r)
{
        if (r < 0 || strbuf_error(sb) < 0) {
                strbuf_release(sb);
                return r < 0 ? r : -ENOMEM;
        }
        cim_value_take_string(ret, CIM_TYPE_STRING, strbuf_detach(sb));
        return 0;
}

int cim_object_system_property(const struct cim_object *obj, const char *name,
                               struct cim_value *ret)
{
        struct strbuf sb = STRBUF_INIT;
        bool keys_missing = false;

        if (owmi_strcasecmp(name, "__CLASS") == 0)
                return cim_value_set_string(ret, CIM_TYPE_STRING, obj->class_name);
        if (owmi_strcasecmp(name, "__SUPERCLASS") == 0) {
                if (!obj->superclass) {
                        cim_value_init_null(ret, CIM_TYPE_STRING, false);
                        return 0;
                }
                return cim_value_set_string(ret, CIM_TYPE_STRING, obj->superclass);
        }
        if (owmi_strcasecmp(name, "__DYNASTY") == 0)
                return cim_value_set_string(ret, CIM_TYPE_STRING, obj->derivation_count ?
                                            obj->derivation[obj->derivation_count - 1] :
                                            obj->class_name);
        if (owmi_strcasecmp(name, "__DERIVATION") == 0) {
                struct cim_value array, item;

                cim_value_init_array(&array, CIM_TYPE_STRING);
                for (size_t i = 0; i < obj->derivation_count; i++) {
                        if (cim_value_set_string(&item, CIM_TYPE_STRING, obj->derivation[i]) < 0 ||
                            cim_value_array_append(&array, &item) < 0) {
                                cim_value_release(&item);
                                cim_value_release(&array);
                                return -ENOMEM;
                        }
                }
                *ret = array;
                return 0;
        }
        if (owmi_strcasecmp(name, "__GENUS") == 0) {
                cim_value_set_sint(ret, CIM_TYPE_SINT32, obj->genus);
                return 0;
        }
        if (owmi_strcasecmp(name, "__PROPERTY_COUNT") == 0) {
                cim_value_set_sint(ret, CIM_TYPE_SINT32, (int64_t) obj->prop_count);
                return 0;
        }
        /* Location properties are NULL until the object is stored, and for
         * instances whose keys are not all set yet (as WMI's spawned ones). */
        for (size_t i = 0; obj->genus == CIM_GENUS_INSTANCE && i < obj->prop_count; i++)
                if (cim_property_is_key(&obj->props[i]) && obj->props[i].value.is_null)
                        keys_missing = true;
        if (owmi_strcasecmp(name, "__NAMESPACE") == 0) {
                if (!obj->namespace) {
                        cim_value_init_null(ret, CIM_TYPE_STRING, false);
                        return 0;
                }
                for (const char *c = obj->namespace; *c; c++)
                        strbuf_addch(&sb, *c == '/' ? '\\' : *c);
                return take_strbuf(ret, &sb, 0);
        }
        if (owmi_strcasecmp(name, "__SERVER") == 0) {
                if (!obj->namespace) {
                        cim_value_init_null(ret, CIM_TYPE_STRING, false);
                        return 0;
                }
                return cim_value_set_string(ret, CIM_TYPE_STRING,
                                            obj->server ? obj->server : host_name());
        }
        if (owmi_strcasecmp(name, "__RELPATH") == 0) {
                if (keys_missing) {
                        cim_value_init_null(ret, CIM_TYPE_STRING, false);
                        return 0;
                }
                return take_strbuf(ret, &sb, cim_object_relpath(obj, &sb));
        }
        if (owmi_strcasecmp(name, "__PATH") == 0) {
                if (keys_missing || !obj->namespace) {
                        cim_value_init_null(ret, CIM_TYPE_STRING, false);
                        return 0;
                }
                return take_strbuf(ret, &sb, cim_object_path(obj, &sb));
        }
        return -ENOENT;
}

static bool property_equal(const struct cim_property *a, const struct cim_property *b)
{
        return owmi_strcasecmp(a->name, b->name) == 0 && a->type == b->type &&
               a->is_array == b->is_array && a->array_size == b->array_size &&
               a->propagated == b->propagated &&
               (a->ref_class == b->ref_class ||
                (a->ref_class && b->ref_class && owmi_strcasecmp(a->ref_class, b->ref_class) == 0)) &&
               cim_value_equal(&a->value, &b->value) &&
               cim_qualifier_list_equal(&a->qualifiers, &b->qualifiers);
}

static bool method_equal(const struct cim_method *a, const struct cim_method *b)
{
        if (owmi_strcasecmp(a->name, b->name) != 0 || a->return_type != b->return_type ||
            a->propagated != b->propagated || a->param_count != b->param_count ||
            !cim_qualifier_list_equal(&a->qualifiers, &b->qualifiers))
                return false;
        for (size_t i = 0; i < a->param_count; i++)
                if (!property_equal(&a->params[i], &b->params[i]))
                        return false;
        return true;
}

bool cim_object_equal(const struct cim_object *a, const struct cim_object *b)
{
        if (a->genus != b->genus || owmi_strcasecmp(a->class_name, b->class_name) != 0 ||
            !((!a->superclass && !b->superclass) ||
              (a->superclass && b->superclass && owmi_strcasecmp(a->superclass, b->superclass) == 0)) ||
            a->prop_count != b->prop_count || a->method_count != b->method_count ||
            !cim_qualifier_list_equal(&a->qualifiers, &b->qualifiers))
                return false;
        for (size_t i = 0; i < a->prop_count; i++) {
                const struct cim_property *pb = cim_object_find_property(b, a->props[i].name);

                if (!pb || !property_equal(&a->props[i], pb))
                        return false;
        }
        for (size_t i = 0; i < a->method_count; i++) {
                const struct cim_method *mb = cim_object_find_method(b, a->methods[i].name);

                if (!mb || !method_equal(&a->methods[i], mb))
                        return false;
        }
        return true;
}

static bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum_(char c)
{
        return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

bool cim_name_is_valid_class(const char *name, bool allow_system)
{
        size_t len = strlen(name);

        if (allow_system && len > 2 && name[0] == '_' && name[1] == '_')
                return cim_name_is_valid_class(name + 2, false);
        if (len == 0 || !is_alpha(name[0]) || name[len - 1] == '_')
                return false;
        for (size_t i = 1; i < len; i++)
                if (!is_alnum_(name[i]))
                        return false;
        return true;
}

bool cim_name_is_valid_identifier(const char *name)
{
        if (!name[0] || !(is_alpha(name[0]) || name[0] == '_'))
                return false;
        for (size_t i = 1; name[i]; i++)
                if (!is_alnum_(name[i]) && (unsigned char) name[i] < 0x80)
                        return false;
        return true;
}
