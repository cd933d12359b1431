/* SPDX-License-Identifier: MIT */
/*
 * objpath.h: object paths in WMI form (\\server\root\cimv2:Class.Key="v")
 * and DMTF/URL form (//server/root/cimv2:Class.Key="v"), relative paths,
 * compound keys, singletons (Class=@), single unnamed keys (Class="v"),
 * references as key values (quoted nested paths).
 *
 * The canonical form (for __RELPATH, __PATH, equality and hashing) sorts
 * keys case-insensitively by name, always writes Name=value, quotes strings
 * with \\ and \" escaped, writes integers in decimal and booleans as
 * TRUE/FALSE.  Formatting a parsed path and parsing it again yields an
 * equal path.
 *
 * Parsing.  Separators may be '\' or '/' anywhere; "\\server\" needs a
 * namespace after it; a name followed by a separator or ':' starts a
 * namespace, otherwise it is the class of a relative path ("root\cimv2" is
 * a namespace-only path, "root" a class).  No white space is allowed.
 * Strings take "..." or '...'; a backslash escapes \ " and ' and stays a
 * backslash before anything else; the text must be UTF-8 without NUL.
 * Names are ASCII letters, digits and '_' (not starting with a digit); a
 * server also allows '-' and '.'.  Case of names and values is kept.
 *
 * Key value types (a path carries none; the caller converts with the
 * schema): quoted text is CIM_TYPE_STRING, or CIM_TYPE_REFERENCE holding
 * the unescaped nested path text (as given, not canonical) when that text
 * parses as a path with a class and keys, "=@", or a namespace -- so "C:",
 * "abc" and "root\cimv2" stay strings.  A negative integer is SINT64,
 * another integer (decimal or 0x hex) UINT64, a literal with '.' or an
 * exponent REAL64, TRUE/FALSE (any case) BOOLEAN.  Keys are never
 * DATETIME after parsing (a datetime is a quoted string), though
 * cim_objpath_add_key accepts one.
 *
 * Formatting.  A full path always starts with a server ("\\.\" for the
 * local host) so that a namespace-only path reads back as one.  Quoted
 * values that parse as paths (as above), STRING or REFERENCE alike, are
 * written as their canonical path (full if it has a namespace) in the same
 * flavor (WMI or DMTF), so two spellings of one reference give the same
 * text; any other quoted value is written as it is.  A single unnamed
 * key stays "Class=value" (its name is unknown).  Reals use the shortest
 * text that reads back exactly, always with '.' or an exponent.
 */
#ifndef OWMI_CIM_OBJPATH_H
#define OWMI_CIM_OBJPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "cim/value.h"

/* Hard limits on what a path may contain: paths come from clients. */
#define CIM_OBJPATH_MAX_LEN (64 * 1024)
#define CIM_OBJPATH_MAX_KEYS 64
#define CIM_OBJPATH_MAX_DEPTH 8   /* references nested in reference keys */

struct cim_keybinding {
        char *name;               /* NULL for the unnamed single-key form */
        struct cim_value value;   /* STRING, SINT64/UINT64, REAL64, BOOLEAN, REFERENCE, DATETIME */
};

struct cim_objpath {
        char *server;             /* NULL: local ("." and "localhost" become NULL) */
        char *namespace;          /* "root/cimv2" with '/' separators; NULL: relative */
        char *class_name;         /* NULL for a namespace-only path */
        bool singleton;           /* Class=@ */
        struct cim_keybinding *keys;
        size_t key_count;
};

enum cim_objpath_format_flags {
        CIM_OBJPATH_WMI = 0,          /* \\server\ns:Class.K=v (default) */
        CIM_OBJPATH_DMTF = 1 << 0,    /* //server/ns:Class.K=v */
        CIM_OBJPATH_RELATIVE = 1 << 1,/* Class.K=v only */
};

/* Parse text[0..len) into *ret (written only on success; its old contents
 * are not freed).  On error returns -EINVAL and sets err (may be NULL) with
 * OWMI_E_INVALID_OBJECT_PATH and the 1-based column of the first bad
 * character (for limits: of the 65th key name, of the byte after
 * CIM_OBJPATH_MAX_LEN, of the outermost key whose nesting is too deep), or
 * -ENOMEM with OWMI_E_OUT_OF_MEMORY. */
int cim_objpath_parse(const char *text, size_t len, struct cim_objpath *ret,
                      struct owmi_error *err);
/* Append the canonical text (flags: enum cim_objpath_format_flags).  A path
 * without a namespace is written relative.  Returns 0, -ENOMEM, -E2BIG if
 * the text would exceed CIM_OBJPATH_MAX_LEN, or -EINVAL for what could not
 * be parsed back: an empty path, invalid names, duplicate or NULL key
 * values, arrays, NaN, nesting beyond the limit, keys on a singleton.
 * On failure out is left as it was unless it ran out of memory. */
int cim_objpath_format(const struct cim_objpath *path, unsigned flags, struct strbuf *out);
/* Free the contents and zero the struct; accepts NULL. */
void cim_objpath_release(struct cim_objpath *path);
/* Deep copy; dst is written only on success (0 or -ENOMEM). */
int cim_objpath_copy(struct cim_objpath *dst, const struct cim_objpath *src);
/* Case-insensitive on names, namespace and server ('/' equals '\\'); key
 * order does not matter; values by meaning: integers of any width and sign
 * by value, reals by value (never equal to an integer), booleans,
 * strings case-insensitively (as WMI compares key strings), datetimes by
 * their text, and quoted values that are both paths as paths (so a
 * REFERENCE equals a STRING holding the same path).  Equal paths have the
 * same canonical text but for ASCII case -- except that a single unnamed
 * key equals a single key of any name.  Out of memory while comparing
 * nested paths compares their text. */
bool cim_objpath_equal(const struct cim_objpath *a, const struct cim_objpath *b);
/* Add a key: name copied (NULL for the unnamed form, only as the sole key),
 * value moved on success and left to the caller on failure.  Returns 0,
 * -EEXIST for a duplicate name, -E2BIG beyond CIM_OBJPATH_MAX_KEYS,
 * -EINVAL for an invalid name, a NULL, array or object value, or a
 * singleton path, -ENOMEM. */
int cim_objpath_add_key(struct cim_objpath *path, const char *name, struct cim_value *value);
/* The key called name (case-insensitive), or NULL.  A path with a single
 * unnamed key ("Class='v'") returns that key for any name, NULL included. */
const struct cim_keybinding *cim_objpath_find_key(const struct cim_objpath *path, const char *name);

#endif
