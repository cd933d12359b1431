/* SPDX-License-Identifier: MIT */
/*
 * schema.h: the project's own MOF (the files in schema/), built into the binary
 * by tools/embed-schema.py.
 */
#ifndef OWMI_MOF_SCHEMA_H
#define OWMI_MOF_SCHEMA_H

#include <stddef.h>

struct mof_schema_file {
        const char *name;    /* "system.mof" */
        const char *text;
        size_t len;
};

/* Ends with an entry whose name is NULL. */
extern const struct mof_schema_file mof_schema_files[];

#endif
