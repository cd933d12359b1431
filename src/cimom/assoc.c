/* SPDX-License-Identifier: MIT */
/*
 * assoc.c: ASSOCIATORS OF and REFERENCES OF (research/wmi-semantics.md
 * section 5; DSP0004 associations) over the repository.
 *
 * Instance level: every association class whose references can point at
 * the source's class is enumerated; an association instance relates the
 * source when one of those references (the Role, if given) holds the
 * source's path.  REFERENCES returns such association instances; ASSOCIATORS
 * returns the objects their other references (the ResultRole, if given)
 * point at, once per association that links them, as WMI does.
 *
 * Class level (a class path, or SchemaOnly): the same walk over the class
 * definitions, by the declared types of the references.
 *
 * Reference values are compared as object paths: keys in any order and
 * case, with or without this namespace, naming the object's class or a
 * superclass of it.
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cimom/internal.h"
#include "cimom/security.h"

struct assoc_walk {
        struct cimom_ns *h;
        struct repo *repo;
        const struct cimom_assoc_params *p;
        bool references;             /* REFERENCES OF, else ASSOCIATORS OF */
        const struct cim_object *source;
        const struct cim_objpath *source_path;
        cimom_sink sink;
        void *userdata;
        char **seen_classes;         /* ClassDefsOnly: classes already delivered */
        size_t seen_count, seen_alloc;
        const struct cim_object *assoc_class;  /* the class being walked */
        bool cancelled;
        int error;
        struct owmi_error *err;
};

static bool same_namespace(const char *text, const char *ns)
{
        char norm[CIMOM_NS_MAX];
        size_t n = 0;

        for (const char *c = text; *c && n + 1 < sizeof(norm); c++)
                norm[n++] = *c == '\\' ? '/' : *c;
        norm[n] = '\0';
        return owmi_strcasecmp(norm, ns) == 0;
}

/* Does the reference value (a path text) name the source object? */
static bool names_source(const struct assoc_walk *w, const char *ref_text)
{
        struct cim_objpath ref = { 0 }, src = *w->source_path;
        bool same;

        if (cim_objpath_parse(ref_text, strlen(ref_text), &ref, NULL) < 0)
                return false;
        if (!ref.class_name) {
                /* a namespace path names no object */
                cim_objpath_release(&ref);
                return false;
        }
        if (ref.namespace && !same_namespace(ref.namespace, w->h->ns)) {
                cim_objpath_release(&ref);
                return false;
        }
        /* compare keys under the class the reference names, if the source is one */
        if (!cim_object_is_a(w->source, ref.class_name)) {
                cim_objpath_release(&ref);
                return false;
        }
        src.server = src.namespace = NULL;
        src.class_name = ref.class_name;
        owmi_free(ref.server);
        owmi_free(ref.namespace);
        ref.server = ref.namespace = NULL;
        same = cim_objpath_equal(&ref, &src);
        cim_objpath_release(&ref);
        return same;
}

static bool class_seen(struct assoc_walk *w, const char *name)
{
        for (size_t i = 0; i < w->seen_count; i++)
                if (owmi_strcasecmp(w->seen_classes[i], name) == 0)
                        return true;
        if (OWMI_GROW(w->seen_classes, w->seen_alloc, w->seen_count + 1) >= 0 &&
            (w->seen_classes[w->seen_count] = owmi_strdup(name)))
                w->seen_count++;
        return false;
}

/* Only the keys, for KeysOnly. */
static void keep_keys_only(struct cim_object *obj)
{
        for (size_t i = obj->prop_count; i > 0; i--)
                if (!cim_property_is_key(&obj->props[i - 1]))
                        cim_object_remove_property(obj, obj->props[i - 1].name);
}

/* Hand an object (owned) to the sink, or its class for ClassDefsOnly. */
static void emit(struct assoc_walk *w, struct cim_object *obj)
{
        if (w->cancelled || w->error) {
                cim_object_free(obj);
                return;
        }
        if (w->p->class_defs_only && obj->genus == CIM_GENUS_INSTANCE) {
                struct cim_object *cls = NULL;

                if (class_seen(w, obj->class_name) ||
                    repo_class_get(w->repo, w->h->ns, obj->class_name, &cls, NULL) < 0) {
                        cim_object_free(obj);
                        return;
                }
                cim_object_free(obj);
                obj = cls;
        } else if (w->p->keys_only && obj->genus == CIM_GENUS_INSTANCE) {
                keep_keys_only(obj);
        }
        if (w->sink(obj, w->userdata) != 0)
                w->cancelled = true;
}

static bool has_qualifier(const struct cim_object *cls, const char *name)
{
        const struct cim_qualifier *q = cim_qualifier_list_find(&cls->qualifiers, name);

        return q && !(q->value.type == CIM_TYPE_BOOLEAN && !q->value.is_null && !q->value.is_array &&
                      !q->value.v.boolean);
}

/* A reference property of the association through which the source may
 * be reached (by declared type), honouring Role. */
static bool source_role(const struct assoc_walk *w, const struct cim_property *p)
{
        if (p->type != CIM_TYPE_REFERENCE)
                return false;
        if (w->p->role && owmi_strcasecmp(w->p->role, p->name) != 0)
                return false;
        return !p->ref_class || cim_object_is_a(w->source, p->ref_class);
}

/* The endpoint an association instance's reference p points at. */
static void emit_endpoint(struct assoc_walk *w, const struct cim_property *p)
{
        struct cim_objpath path = { 0 };
        struct cim_object *end = NULL, *end_class = NULL;

        if (p->value.is_null || p->value.is_array)
                return;
        if (cim_objpath_parse(p->value.v.string, strlen(p->value.v.string), &path, NULL) < 0)
                return;
        if (!path.class_name || (path.namespace && !same_namespace(path.namespace, w->h->ns))) {
                /* another namespace's object is not looked up in this one */
                cim_objpath_release(&path);
                return;
        }
        owmi_free(path.server);
        owmi_free(path.namespace);
        path.server = path.namespace = NULL;
        if (cimom_instance_get(w->h, w->repo, &path, &end, NULL) < 0) {
                cim_objpath_release(&path);
                return; /* a dangling reference relates nothing */
        }
        cim_objpath_release(&path);
        if ((w->p->result_class && !cim_object_is_a(end, w->p->result_class)) ||
            (w->p->required_qualifier &&
             (repo_class_get(w->repo, w->h->ns, end->class_name, &end_class, NULL) < 0 ||
              !has_qualifier(end_class, w->p->required_qualifier)))) {
                cim_object_free(end_class);
                cim_object_free(end);
                return;
        }
        cim_object_free(end_class);
        emit(w, end);
}

/* One association instance: does it reference the source, and if so
 * deliver it (REFERENCES) or its other ends (ASSOCIATORS). */
/* Does a reference of inst other than except (NULL: any) hold the source
 * through an allowed Role? */
static bool refers_to_source(const struct assoc_walk *w, const struct cim_object *inst,
                             const struct cim_property *except)
{
        for (size_t i = 0; i < inst->prop_count; i++) {
                const struct cim_property *p = &inst->props[i];

                if (p != except && source_role(w, p) && !p->value.is_null && !p->value.is_array &&
                    names_source(w, p->value.v.string))
                        return true;
        }
        return false;
}

static int walk_instance(struct cim_object *inst, void *userdata)
{
        struct assoc_walk *w = userdata;

        if (!refers_to_source(w, inst, NULL)) {
                cim_object_free(inst);
                return 0;
        }
        if (w->references) {
                emit(w, inst);
                return w->cancelled || w->error ? 1 : 0;
        }
        /* every other end: a reference whose partner holds the source (an
         * association may link an object to itself) */
        for (size_t i = 0; i < inst->prop_count && !w->cancelled; i++) {
                const struct cim_property *p = &inst->props[i];

                if (p->type != CIM_TYPE_REFERENCE)
                        continue;
                if (w->p->result_role && owmi_strcasecmp(w->p->result_role, p->name) != 0)
                        continue;
                if (!refers_to_source(w, inst, p))
                        continue;
                emit_endpoint(w, p);
        }
        cim_object_free(inst);
        return w->cancelled || w->error ? 1 : 0;
}

/* Is this association class one the query may walk? */
static bool assoc_class_matches(const struct assoc_walk *w, const struct cim_object *cls)
{
        if (w->p->assoc_class && !cim_object_is_a(cls, w->p->assoc_class))
                return false;
        if (w->references) {
                if (w->p->result_class && !cim_object_is_a(cls, w->p->result_class))
                        return false;
                if (w->p->required_qualifier && !has_qualifier(cls, w->p->required_qualifier))
                        return false;
        } else if (w->p->required_assoc_qualifier &&
                   !has_qualifier(cls, w->p->required_assoc_qualifier)) {
                return false;
        }
        for (size_t i = 0; i < cls->prop_count; i++)
                if (source_role(w, &cls->props[i]))
                        return true;
        return false;
}

/* Class level: the association classes, or the classes at their other
 * ends, that can relate to the source class. */
static void walk_schema(struct assoc_walk *w, struct cim_object *cls)
{
        if (w->references) {
                if (!class_seen(w, cls->class_name)) {
                        if (w->sink(cls, w->userdata) != 0)
                                w->cancelled = true;
                        return;
                }
                cim_object_free(cls);
                return;
        }
        for (size_t i = 0; i < cls->prop_count && !w->cancelled; i++) {
                const struct cim_property *p = &cls->props[i];
                struct cim_object *end = NULL;
                bool other_end_is_source = false;

                /* p is an end when another reference can hold the source */
                for (size_t j = 0; j < cls->prop_count; j++)
                        if (j != i && source_role(w, &cls->props[j]))
                                other_end_is_source = true;
                if (p->type != CIM_TYPE_REFERENCE || !p->ref_class || !other_end_is_source)
                        continue;
                if (w->p->result_role && owmi_strcasecmp(w->p->result_role, p->name) != 0)
                        continue;
                if (repo_class_get(w->repo, w->h->ns, p->ref_class, &end, NULL) < 0)
                        continue;
                if ((w->p->result_class && !cim_object_is_a(end, w->p->result_class)) ||
                    (w->p->required_qualifier && !has_qualifier(end, w->p->required_qualifier)) ||
                    class_seen(w, end->class_name)) {
                        cim_object_free(end);
                        continue;
                }
                if (w->sink(end, w->userdata) != 0)
                        w->cancelled = true;
        }
        cim_object_free(cls);
}

static int visit_assoc_class(const char *name, void *userdata)
{
        struct assoc_walk *w = userdata;
        struct cim_object *cls = NULL;
        int r;

        r = repo_class_get(w->repo, w->h->ns, name, &cls, w->err);
        if (r < 0) {
                w->error = r;
                return 1;
        }
        if (!assoc_class_matches(w, cls)) {
                cim_object_free(cls);
                return 0;
        }
        if (w->source->genus == CIM_GENUS_CLASS) {
                walk_schema(w, cls);
                return w->cancelled ? 1 : 0;
        }
        w->assoc_class = cls;
        /* shallow: every association class is visited on its own */
        r = cimom_instances(w->h, w->repo, name, false, NULL, NULL, walk_instance, w, w->err);
        w->assoc_class = NULL;
        cim_object_free(cls);
        if (r < 0 && !w->cancelled) {
                w->error = r;
                return 1;
        }
        return w->cancelled || w->error ? 1 : 0;
}

static int walk(struct cimom_ns *h, const char *path_text, const struct cimom_assoc_params *p,
                bool references, cimom_sink sink, void *userdata, struct owmi_error *err)
{
        static const struct cimom_assoc_params none;
        struct assoc_walk w = { 0 };
        struct cim_objpath path;
        struct cim_object *source = NULL;
        struct repo *repo;
        int r;

        if (!p)
                p = &none;
        if (p->class_defs_only && (p->schema_only || (!references && p->result_class)))
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, p->schema_only ?
                                      "ClassDefsOnly and SchemaOnly exclude each other" :
                                      "ClassDefsOnly and ResultClass exclude each other");
        r = cimom_parse_path(h, path_text, &path, err);
        if (r < 0)
                return r;
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0) {
                cim_objpath_release(&path);
                return r;
        }
        if (path.key_count == 0 && !path.singleton)
                r = repo_class_get(repo, h->ns, path.class_name, &source, err);
        else if (p->schema_only)
                r = owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                   "SchemaOnly needs a class path, not '%s'", path_text);
        else
                r = cimom_instance_get(h, repo, &path, &source, err);
        if (r >= 0) {
                w = (struct assoc_walk) { .h = h, .repo = repo, .p = p, .references = references,
                                          .source = source, .source_path = &path, .sink = sink,
                                          .userdata = userdata, .err = err };
                r = repo_association_classes(repo, h->ns, visit_assoc_class, &w, err);
                if (w.error)
                        r = w.error;
                else if (w.cancelled)
                        r = cimom_cancelled(err);
                else if (r > 0)
                        r = 0;
        }
        for (size_t i = 0; i < w.seen_count; i++)
                owmi_free(w.seen_classes[i]);
        owmi_free(w.seen_classes);
        cimom_repo_return(h->cimom, repo);
        cim_object_free(source);
        cim_objpath_release(&path);
        return r < 0 ? r : 0;
}

int cimom_associators(struct cimom_ns *h, const char *path, const struct cimom_assoc_params *p,
                      cimom_sink sink, void *userdata, struct owmi_error *err)
{
        int r = cimom_require(h, SEC_ENABLE, err);

        return r < 0 ? r : walk(h, path, p, false, sink, userdata, err);
}

int cimom_references(struct cimom_ns *h, const char *path, const struct cimom_assoc_params *p,
                     cimom_sink sink, void *userdata, struct owmi_error *err)
{
        int r = cimom_require(h, SEC_ENABLE, err);

        return r < 0 ? r : walk(h, path, p, true, sink, userdata, err);
}
