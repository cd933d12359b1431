/* SPDX-License-Identifier: MIT */
/*
 * mof.h: the MOF compiler (DSP0221 with WMI's extensions) into a
 * repository.
 *
 * A compile is one unit: every file given, with what it includes, is
 * parsed, checked and written in one repository transaction.  Any error
 * rolls the whole unit back, so a file with an error changes nothing.  The
 * compiler reports every error it can find in one run: after a syntax
 * error it skips to the next declaration and goes on.
 *
 * Diagnostics carry file:line:column, a WMI status and a one-line message.
 */
#ifndef OWMI_MOF_MOF_H
#define OWMI_MOF_MOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "repo/repo.h"

enum mof_severity {
        MOF_WARNING,
        MOF_ERROR,
};

struct mof_diag {
        enum mof_severity severity;
        uint32_t code;         /* WMI status (OWMI_E_INVALID_SYNTAX for syntax) */
        char *file;
        unsigned line, column;
        char *message;
};

struct mof_diag_list {
        struct mof_diag *items;
        size_t count, alloc;
        size_t errors, warnings;
};

void mof_diag_list_release(struct mof_diag_list *list);
/* "file:line:col: error: message [WBEM_E_NAME]" */
int mof_diag_format(const struct mof_diag *d, struct strbuf *out);

enum mof_class_flags {
        MOF_CLASS_CREATE_ONLY = 1 << 0,   /* #pragma classflags("createonly") */
        MOF_CLASS_UPDATE_ONLY = 1 << 1,   /* "updateonly" */
        MOF_CLASS_FORCE_UPDATE = 1 << 2,  /* "forceupdate" */
        MOF_CLASS_SAFE_UPDATE = 1 << 3,   /* "safeupdate" (default behaviour) */
};

struct mof_options {
        const char *namespace;            /* starting namespace, default "root/cimv2" */
        const char *const *include_dirs;  /* searched after the including file's folder */
        size_t include_dir_count;
        bool check_only;                  /* compile, then roll back */
        bool allow_system_classes;        /* accept "__" class names (bootstrap only) */
        bool strict;                      /* refuse WMI extensions (undeclared qualifiers...) */
        unsigned class_flags;             /* enum mof_class_flags in force at the start */
        bool disable_includes;            /* #pragma include is an error (untrusted text) */
        unsigned max_errors;              /* stop after this many errors (0 = 100) */
        /* called with each instance before it is stored (may change it);
         * non-zero refuses it */
        int (*prepare_instance)(struct cim_object *inst, void *userdata);
        void *prepare_userdata;
};

struct mof_stats {
        size_t files, classes, qualifiers, instances, namespaces;
};

/* Compile files as one unit.  Returns 0 when everything compiled (and, if
 * not check_only, was committed), -EINVAL when there were errors (see
 * diags), or another negative errno (I/O, repository).  diags may be NULL. */
int mof_compile_files(struct repo *repo, const char *const *files, size_t count,
                      const struct mof_options *opts, struct mof_diag_list *diags,
                      struct mof_stats *ret_stats);
/* The same for text in memory; name is used in diagnostics. */
int mof_compile_buffer(struct repo *repo, const char *name, const char *data, size_t len,
                       const struct mof_options *opts, struct mof_diag_list *diags,
                       struct mof_stats *ret_stats);

/* Make sure a repository holds the project's own schema (the WMI system
 * classes in every namespace, root/default's identification, root/WMI's
 * base classes).  Like WMI's, the namespaces declare no qualifiers: MOF
 * that wants DMTF's checks includes its qualifiers.mof.  Compiles the
 * embedded schema on first use; cheap otherwise. */
int mof_bootstrap(struct repo *repo, struct owmi_error *err);

/* Open the repository at path (NULL: repo_default_path()) and bootstrap it. */
int mof_open_repository(const char *path, struct repo **ret, struct owmi_error *err);

/* Make ns an empty namespace again (its classes, instances and child
 * namespaces go; the system classes come back from its parent): for a
 * schema that brings its own CIM classes, such as DMTF's, in place of the
 * built-in ones. */
int mof_reset_namespace(struct repo *repo, const char *ns, struct owmi_error *err);

#endif
