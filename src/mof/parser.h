/* SPDX-License-Identifier: MIT */
/*
 * parser.h: the recursive-descent MOF parser (DSP0221 annex A grammar
 * with WMI's extensions) and the compile unit it fills.
 */
#ifndef OWMI_MOF_PARSER_H
#define OWMI_MOF_PARSER_H

#include <sys/types.h>

#include "base/hashmap.h"
#include "mof/ast.h"
#include "mof/mof.h"

/* Limits on untrusted MOF input. */
#define MOF_MAX_INCLUDE_DEPTH 32
#define MOF_MAX_NESTING 32          /* embedded instances, nested arrays */
#define MOF_MAX_FILE_SIZE (64u << 20)
#define MOF_MAX_UNIT_SIZE (256u << 20)    /* all files of one compile */
#define MOF_MAX_FILES 20000               /* files of one compile, includes too */
#define MOF_MAX_ARRAY 1000000             /* elements of one array value */

struct mof_unit {
        const struct mof_options *opts;
        struct mof_diag_list *diags;
        struct mof_decl_list decls;
        char **files;               /* interned file names (positions point here) */
        size_t file_count, file_alloc;
        struct hashmap file_names;  /* name -> interned copy */
        char *namespace;            /* current #pragma namespace */
        unsigned class_flags;       /* current #pragma classflags */
        unsigned include_depth;
        struct {
                dev_t dev;
                ino_t ino;
        } stack[MOF_MAX_INCLUDE_DEPTH]; /* files being read, to refuse cycles */
        uint64_t bytes_read;
        size_t max_errors;
        size_t errors;              /* errors reported so far */
        bool stopped;               /* too many errors */
        struct mof_stats stats;
};

int mof_unit_init(struct mof_unit *u, const struct mof_options *opts, struct mof_diag_list *diags);
void mof_unit_release(struct mof_unit *u);
const char *mof_unit_intern_file(struct mof_unit *u, const char *name);
/* Record a diagnostic; returns -EINVAL for errors, 0 for warnings (-ENOMEM). */
int mof_unit_diag(struct mof_unit *u, enum mof_severity sev, uint32_t code,
                  const struct mof_pos *pos, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/* Parse one file's text (already decoded to UTF-8) into u->decls. */
int mof_parse_text(struct mof_unit *u, const char *file, const char *text, size_t len);
/* Read, decode and parse a file (used for #pragma include as well). */
int mof_parse_file(struct mof_unit *u, const char *path, const struct mof_pos *included_from);

/* Namespace text "\\\\.\\root\\wmi", "root\\wmi", "//./root/wmi" to
 * "root/wmi"; relative names are taken under current.  -EINVAL for a
 * malformed name, -ENOMEM. */
int mof_namespace_normalize(const char *text, const char *current, char **ret);

#endif
