/* SPDX-License-Identifier: MIT */
/*
 * repo.h: the persistent CIM repository: namespaces, qualifier
 * declarations, classes and static instances, stored in SQLite (WAL mode).
 *
 * It enforces WMI's storage rules: a class's superclass exists, a class
 * with instances cannot be deleted unless forced, a key cannot change on a
 * class with instances, deleting a class deletes its subclasses and their
 * instances, names are unique case-insensitively.  Keyed lookups use an
 * index on the canonical relative path and never scan.
 *
 * Every change is atomic; repo_transaction_begin/commit group many changes
 * into one all-or-nothing unit (the MOF compiler uses it per compile).
 * Namespaces are written "root/cimv2" (either separator accepted).
 *
 * Errors: functions return 0 or a negative errno and fill err (may be
 * NULL) with the WMI status and a message.
 */
#ifndef OWMI_REPO_REPO_H
#define OWMI_REPO_REPO_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "cim/object.h"
#include "cim/objpath.h"
#include "cim/qualifier.h"

struct repo;

enum repo_open_flags {
        REPO_OPEN_READONLY = 1 << 0,
        REPO_OPEN_NO_CREATE = 1 << 1,   /* fail if the file does not exist */
};

enum repo_put_flags {
        REPO_PUT_CREATE_OR_UPDATE = 0,
        REPO_PUT_CREATE_ONLY = 1 << 0,  /* OWMI_E_ALREADY_EXISTS if present */
        REPO_PUT_UPDATE_ONLY = 1 << 1,  /* OWMI_E_NOT_FOUND if absent */
        REPO_PUT_FORCE = 1 << 2,        /* class: update even with subclasses/instances
                                           (subclasses are re-derived, instances kept) */
};

enum repo_delete_flags {
        REPO_DELETE_FORCE = 1 << 0,     /* class: delete even if it has instances */
};

/* The namespaces a new repository starts with. */
extern const char *const repo_default_namespaces[];

/* The default repository path: $OWMI_REPOSITORY, else
 * $XDG_DATA_HOME/openwmi/repository.db (~/.local/share/...) for users and
 * /var/lib/openwmi/repository.db for root.  Caller frees. */
char *repo_default_path(void);

/* Open (creating the file, schema and default namespaces if needed). */
int repo_open(const char *path, unsigned flags, struct repo **ret, struct owmi_error *err);
/* Closes and frees; accepts NULL; returns NULL. */
struct repo *repo_close(struct repo *repo);

/* Group changes.  Nested begin/commit pairs are counted; only the outer
 * commit writes.  Rollback undoes everything since the outer begin. */
int repo_transaction_begin(struct repo *repo, struct owmi_error *err);
int repo_transaction_commit(struct repo *repo, struct owmi_error *err);
void repo_transaction_rollback(struct repo *repo);

/* Namespaces ("root/cimv2").  Creating one creates its __NAMESPACE
 * instance in the parent; the parent must exist.  Delete removes the
 * namespace, its children and everything in them. */
int repo_namespace_create(struct repo *repo, const char *ns, struct owmi_error *err);
int repo_namespace_delete(struct repo *repo, const char *ns, struct owmi_error *err);
bool repo_namespace_exists(struct repo *repo, const char *ns);
/* Child namespaces (full names), calls cb for each; a non-zero return of
 * cb stops and is returned. */
typedef int (*repo_name_cb)(const char *name, void *userdata);
int repo_namespace_children(struct repo *repo, const char *ns, repo_name_cb cb, void *userdata,
                            struct owmi_error *err);

/* Qualifier declarations. */
int repo_qualifier_put(struct repo *repo, const char *ns, const struct cim_qualifier_decl *decl,
                       struct owmi_error *err);
int repo_qualifier_get(struct repo *repo, const char *ns, const char *name,
                       struct cim_qualifier_decl *ret, struct owmi_error *err);
int repo_qualifier_delete(struct repo *repo, const char *ns, const char *name,
                          struct owmi_error *err);
typedef int (*repo_qualifier_cb)(const struct cim_qualifier_decl *decl, void *userdata);
int repo_qualifier_enumerate(struct repo *repo, const char *ns, repo_qualifier_cb cb,
                             void *userdata, struct owmi_error *err);

/* Classes.  cls must be complete (inherited members included, as
 * cim_object_derive makes them). */
int repo_class_put(struct repo *repo, const char *ns, const struct cim_object *cls,
                   unsigned flags, struct owmi_error *err);
/* *ret is a new object the caller frees; OWMI_E_NOT_FOUND if absent. */
int repo_class_get(struct repo *repo, const char *ns, const char *name,
                   struct cim_object **ret, struct owmi_error *err);
int repo_class_delete(struct repo *repo, const char *ns, const char *name, unsigned flags,
                      struct owmi_error *err);
bool repo_class_exists(struct repo *repo, const char *ns, const char *name);
typedef int (*repo_object_cb)(struct cim_object *obj, void *userdata); /* cb owns obj */
/* superclass NULL: from the roots.  deep: all descendants, else direct
 * children only.  Classes come parents before children. */
int repo_class_enumerate(struct repo *repo, const char *ns, const char *superclass, bool deep,
                         repo_object_cb cb, void *userdata, struct owmi_error *err);
/* Names only (cheaper): name and superclass. */
typedef int (*repo_class_name_cb)(const char *name, const char *superclass, void *userdata);
int repo_class_enumerate_names(struct repo *repo, const char *ns, const char *superclass,
                               bool deep, repo_class_name_cb cb, void *userdata,
                               struct owmi_error *err);

/* The association classes of ns (with Association, own or inherited),
 * parents before children: what ASSOCIATORS OF and REFERENCES OF walk. */
int repo_association_classes(struct repo *repo, const char *ns, repo_name_cb cb, void *userdata,
                             struct owmi_error *err);

/* class_name and every class below it, parents first, with the name of
 * the provider that serves its instances (NULL: the repository holds
 * them).  The callback's second argument is that provider name. */
int repo_class_subtree(struct repo *repo, const char *ns, const char *class_name,
                       repo_class_name_cb cb, void *userdata, struct owmi_error *err);

/* Instances of repository (static) classes.  The class must exist, not be
 * abstract, and the instance's keys must be set. */
int repo_instance_put(struct repo *repo, const char *ns, const struct cim_object *inst,
                      unsigned flags, struct owmi_error *err);
int repo_instance_get(struct repo *repo, const char *ns, const struct cim_objpath *path,
                      struct cim_object **ret, struct owmi_error *err);
int repo_instance_delete(struct repo *repo, const char *ns, const struct cim_objpath *path,
                         struct owmi_error *err);
/* deep: instances of subclasses too. */
int repo_instance_enumerate(struct repo *repo, const char *ns, const char *class_name, bool deep,
                            repo_object_cb cb, void *userdata, struct owmi_error *err);

/* Counts for reports and benchmarks. */
int repo_count(struct repo *repo, const char *ns, size_t *ret_classes, size_t *ret_qualifiers,
               size_t *ret_instances);

#endif
