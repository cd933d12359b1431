/* SPDX-License-Identifier: MIT */
/*
 * wql.h: WMI Query Language (research/wmi-semantics.md sections 1-5):
 * data queries, schema queries (meta_class), event queries (parsed and
 * checked here, evaluated by the event subsystem), ASSOCIATORS OF and
 * REFERENCES OF.  Parsing gives a query tree; wql_match evaluates a WHERE
 * condition against an object with WMI's rules (case-insensitive strings,
 * constants converted to the property's type, two-valued NULL logic, LIKE
 * with % _ [a-z] [^x], ISA on embedded objects and __this).
 *
 * Errors: OWMI_E_INVALID_QUERY (syntax, with the 1-based column),
 * OWMI_E_QUOTA_VIOLATION (over the limits below), and from wql_check:
 * OWMI_E_INVALID_PROPERTY / OWMI_E_INVALID_QUERY for properties the class
 * does not have or cannot be compared that way, OWMI_E_NOT_EVENT_CLASS.
 */
#ifndef OWMI_WQL_WQL_H
#define OWMI_WQL_WQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "cim/object.h"
#include "cim/objpath.h"
#include "cim/value.h"

#define WQL_MAX_TEXT (16 * 1024)   /* bytes of query text */
#define WQL_MAX_TERMS 1024         /* comparison terms in a WHERE */
#define WQL_MAX_DEPTH 64           /* nesting of parentheses and NOT */

/* WbemErrorEnum codes for GROUP/BY (wmi-semantics.md 4.4) that
 * include/openwmi/owmi-status.h does not name.  owmi_status_name() does not
 * know them; errors carrying them return -EINVAL. */
#define WQL_E_MISSING_GROUP_WITHIN 0x8004105Au     /* GROUP [BY] or HAVING without GROUP WITHIN */
#define WQL_E_MISSING_AGGREGATION_LIST 0x8004105Bu /* BY with no property after it */
#define WQL_E_PROPERTY_NOT_AN_OBJECT 0x8004105Cu   /* A.B where A is not an embedded object */
#define WQL_E_AGGREGATING_BY_OBJECT 0x8004105Du    /* GROUP ... BY an object-valued property */

enum wql_kind {
        WQL_DATA,            /* SELECT ... FROM Class [WHERE ...] */
        WQL_SCHEMA,          /* SELECT * FROM meta_class [WHERE ...] */
        WQL_EVENT,           /* SELECT ... FROM EventClass [WITHIN n] [WHERE] [GROUP ...] */
        WQL_ASSOCIATORS,     /* ASSOCIATORS OF {path} [WHERE ...] */
        WQL_REFERENCES,      /* REFERENCES OF {path} [WHERE ...] */
};

enum wql_op {
        WQL_OP_EQ, WQL_OP_NE, WQL_OP_LT, WQL_OP_GT, WQL_OP_LE, WQL_OP_GE,
};

/* A property reference: Name, or Obj.Name.Sub through embedded objects;
 * "__this" in schema queries. */
struct wql_prop {
        char **names;
        size_t count;
        unsigned column;
};

enum wql_node_kind {
        WQL_NODE_AND,
        WQL_NODE_OR,
        WQL_NODE_NOT,
        WQL_NODE_COMPARE,     /* prop op constant (normalised: the property on the left) */
        WQL_NODE_COMPARE_PROPS, /* prop op prop: event queries only */
        WQL_NODE_IS_NULL,
        WQL_NODE_IS_NOT_NULL,
        WQL_NODE_LIKE,        /* prop LIKE 'pattern' */
        WQL_NODE_ISA,         /* prop ISA 'Class' */
};

struct wql_node {
        enum wql_node_kind kind;
        unsigned column;
        struct wql_node *left, *right;   /* AND, OR; NOT uses left */
        struct wql_prop prop;            /* leaves */
        struct wql_prop prop2;           /* COMPARE_PROPS */
        enum wql_op op;
        struct cim_value constant;       /* COMPARE (as written: STRING, SINT64, UINT64,
                                            REAL64, BOOLEAN), LIKE and ISA (STRING) */
};

struct wql_query {
        enum wql_kind kind;
        bool select_all;                 /* '*' in the select list */
        struct wql_prop *select;         /* named items (may be combined with '*') */
        size_t select_count;
        char *class_name;                /* FROM (meta_class for schema queries) */
        unsigned class_column;
        struct wql_node *where;          /* NULL: no WHERE */
        /* event queries */
        double within;                   /* seconds, 0 = none */
        bool has_group;
        double group_within;
        struct wql_prop *group_by;
        size_t group_by_count;
        bool has_having;
        enum wql_op having_op;
        uint32_t having_count;           /* HAVING NumberOfEvents op count */
        /* ASSOCIATORS OF / REFERENCES OF */
        char *object_path_text;          /* inside the braces */
        struct cim_objpath object_path;
        char *assoc_class, *result_class, *result_role, *role;
        char *required_qualifier, *required_assoc_qualifier;
        bool class_defs_only, keys_only, schema_only;
};

/* Parse text[0..len) (UTF-8, no NUL needed at the end) into *ret, written
 * only on success; free it with wql_query_free.  On error returns a
 * negative errno and sets err (may be NULL): OWMI_E_INVALID_QUERY with an
 * "expected X, found Y" message (WQL_E_MISSING_GROUP_WITHIN /
 * WQL_E_MISSING_AGGREGATION_LIST for GROUP), OWMI_E_QUOTA_VIOLATION over
 * the limits above, OWMI_E_OUT_OF_MEMORY with -ENOMEM.  err->column is the
 * 1-based byte offset of the offending token in the whole text (its length
 * + 1 for "end of query"; WQL_MAX_TEXT + 1 for an over-long text), even
 * when the query spans lines.
 *
 * What parses: see parser.c.  Decisions the WMI documents leave open:
 * keywords other than SELECT FROM WHERE AND OR NOT IS ISA LIKE NULL TRUE
 * FALSE may name properties and classes; "p NOT LIKE" and "NOT p LIKE"
 * both parse (the first as NOT over LIKE); "__this" works only with ISA;
 * a comparison of two properties parses in any SELECT but wql_check keeps
 * it to event queries; integers are UINT64 (SINT64 when negative), 0x hex
 * allowed; the {path} of ASSOCIATORS OF may have spaces just inside the
 * braces; ClassDefsOnly excludes ResultClass and SchemaOnly in both
 * ASSOCIATORS OF and REFERENCES OF. */
int wql_parse(const char *text, size_t len, struct wql_query **ret, struct owmi_error *err);
struct wql_query *wql_query_free(struct wql_query *q);

/* Check a parsed data or event query against the class named in FROM:
 * unknown properties, ordering on booleans, predicates on arrays, event
 * queries on non-event classes.  lookup finds other classes (for ISA
 * operands and TargetInstance ISA) and may be NULL.
 *
 * The kind checked is wql_classify(q, cls).  Errors, with err->column at
 * the property or predicate concerned:
 *   OWMI_E_INVALID_QUERY    a data query selects a property the class lacks
 *                           (event queries ignore unknown select names, as
 *                           the Python client asks for TargetInstance from
 *                           extrinsic classes); a predicate on an array;
 *                           < > <= >= with a boolean (or between objects);
 *                           an embedded object compared to a constant; LIKE
 *                           on what is not a string, reference or datetime;
 *                           ISA on what is not an embedded object; a
 *                           datetime constant with '*'; two properties
 *                           compared outside an event query
 *   OWMI_E_INVALID_PROPERTY WHERE or GROUP BY names a property the class
 *                           lacks (first name of a path only: past an
 *                           embedded object a missing name is just false)
 *   WQL_E_PROPERTY_NOT_AN_OBJECT, WQL_E_AGGREGATING_BY_OBJECT
 *   OWMI_E_INVALID_CLASS    lookup does not know an ISA operand
 *   OWMI_E_NOT_EVENT_CLASS  an event query on a class that is not one
 * Embedded paths are followed into the class an OBJECT property names in
 * ref_class (through lookup); schema queries need no class (cls may be
 * NULL) and ASSOCIATORS OF / REFERENCES OF are not checked here. */
typedef const struct cim_object *(*wql_class_lookup)(const char *name, void *userdata);
int wql_check(const struct wql_query *q, const struct cim_object *cls, wql_class_lookup lookup,
              void *userdata, struct owmi_error *err);

/* Event or data: the parser calls a SELECT an event query when its FROM
 * class is named like a system event class ("__" ... "Event":
 * __InstanceCreationEvent, __ClassDeletionEvent, __NamespaceOperationEvent,
 * __TimerEvent, __ExtrinsicEvent...) or when WITHIN or GROUP appear.  Other
 * extrinsic event classes (Win32_PowerManagementEvent) are known only from
 * the schema: wql_classify returns WQL_EVENT for a WQL_DATA query whose
 * class is an event class, else q->kind.  wql_check applies this itself;
 * the caller may store the result in q->kind. */
enum wql_kind wql_classify(const struct wql_query *q, const struct cim_object *cls);
/* cls is __Event or derives from it, or is a CIM indication class. */
bool wql_is_event_class(const struct cim_object *cls);

/* Evaluate q->where (NULL: true) against obj.  For schema queries obj is a
 * class and __this ISA tests its derivation.  Never fails: a constant that
 * does not convert, a NULL or a missing embedded path make the predicate
 * false. */
bool wql_match(const struct wql_node *where, const struct cim_object *obj);

/* LIKE: WMI's wildcards, case-insensitive, anchored. */
bool wql_like(const char *text, const char *pattern);

/* The property names a provider must fill for this query: the select list
 * plus every property the WHERE and GROUP BY read (top-level names only,
 * each once, system properties and __this left out; keys are not added).
 * NULL (and *ret_count 0) means all properties ('*', and every query that
 * is not a data or event query); an empty list is a non-NULL array.
 * Caller frees the array (owmi_free), not the names (they belong to q).
 * Returns 0 or -ENOMEM. */
int wql_needed_properties(const struct wql_query *q, const char ***ret, size_t *ret_count);

/* A copy of obj with only the listed properties (and all keys), as WMI
 * returns for a select list; __PROPERTY_COUNT follows.  A.B keeps A whole;
 * names obj lacks are ignored; '*' or a query that is not a data or event
 * query copies everything.  NULL on ENOMEM. */
struct cim_object *wql_project(const struct cim_object *obj, const struct wql_query *q);
/* The same on obj itself (no copy): what the object manager does with the
 * objects it hands on. */
void wql_project_in_place(struct cim_object *obj, const struct wql_query *q);

#endif
