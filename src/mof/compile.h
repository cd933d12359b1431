/* SPDX-License-Identifier: MIT */
/*
 * compile.h: the compiler state shared by compile.c and the WDM checks in
 * wdm.c.  Not used outside src/mof/.
 */
#ifndef OWMI_MOF_COMPILE_H
#define OWMI_MOF_COMPILE_H

#include "base/hashmap.h"
#include "base/strbuf.h"
#include "cim/object.h"
#include "mof/parser.h"
#include "repo/repo.h"

struct compiler {
        struct mof_unit unit;
        struct repo *repo;
        struct hashmap classes;      /* "ns|name" -> compiled or fetched class (or absent marker) */
        struct hashmap class_decls;  /* "ns|name" -> first class declaration in the unit */
        struct hashmap qualifiers;   /* "ns|name" -> qualifier declaration (or absent marker) */
        struct hashmap aliases;      /* alias -> instance declaration */
        struct hashmap guids;        /* WDM guid -> class declaration */
        struct hashmap pending;      /* "ns|name" -> subclasses still to compile (as a count) */
        struct cim_object **owned;   /* every class the maps point to */
        size_t owned_count, owned_alloc;
        struct cim_qualifier_decl **owned_qdecls;
        size_t owned_qdecl_count, owned_qdecl_alloc;
        struct strbuf key;           /* scratch for map keys */
};

/* The class named name in ns as the unit sees it; NULL if unknown. */
const struct cim_object *compiler_find_class(struct compiler *c, const char *ns, const char *name);

/* WDM data-block rules for a class carrying the WMI qualifier (seed 004,
 * research/wdm-datablocks.md V1-V14).  Reports problems; -EINVAL if any. */
int wdm_check_class(struct compiler *c, const struct mof_decl *d, const struct cim_object *cls);

#endif
