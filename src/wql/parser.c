/* SPDX-License-Identifier: MIT */
/*
 * parser.c: WQL text to struct wql_query (research/wmi-semantics.md
 * sections 1-5): data queries, schema queries on meta_class, event queries
 * with WITHIN / GROUP WITHIN / BY / HAVING, and ASSOCIATORS OF /
 * REFERENCES OF with their keyword lists.  Recursive descent, one function
 * per production; the first error ends the parse, with its 1-based column
 * and an "expected X, found Y" message.
 *
 * It owns the syntax and the limits (WQL_MAX_TEXT, WQL_MAX_TERMS,
 * WQL_MAX_DEPTH -> OWMI_E_QUOTA_VIOLATION).  What needs the schema
 * (unknown properties, types, event classes) is wql_check's, in eval.c.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "wql/lexer.h"
#include "wql/wql.h"

struct parser {
        struct wql_lexer lx;
        struct wql_token tok;     /* the current token */
        struct wql_query *q;
        struct owmi_error *err;
        unsigned terms;           /* predicates so far */
        unsigned depth;           /* open parentheses and NOTs */
        bool schema;              /* FROM meta_class */
        bool event;               /* event class name, WITHIN or GROUP seen */
};

static void advance(struct parser *p)
{
        wql_lexer_next(&p->lx, &p->tok);
}

static int oom(struct parser *p)
{
        owmi_error_set_at(p->err, OWMI_E_OUT_OF_MEMORY, NULL, 0, p->tok.column,
                          "out of memory while parsing the query");
        return -ENOMEM;
}

static int error_at(struct parser *p, uint32_t code, unsigned column, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int error_at(struct parser *p, uint32_t code, unsigned column, const char *fmt, ...)
{
        char msg[OWMI_ERROR_MESSAGE_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        owmi_error_set_at(p->err, code, NULL, 0, column, "%s", msg);
        return wql_status_errno(code);
}

/* "expected X, found Y" at the current token with the given code; a
 * token the lexer could not read says what it expected instead. */
static int error_expected_code(struct parser *p, uint32_t code, const char *what)
{
        char found[96];

        if (p->tok.kind == WQL_TOK_ERROR) {
                if (p->lx.out_of_memory)
                        return oom(p);
                what = p->tok.expected;
                code = OWMI_E_INVALID_QUERY;
        }
        return error_at(p, code, p->tok.column, "expected %s, found %s", what,
                        wql_token_describe(&p->lx, &p->tok, found, sizeof(found)));
}

static int error_expected(struct parser *p, const char *what)
{
        return error_expected_code(p, OWMI_E_INVALID_QUERY, what);
}

static bool is_keyword(const struct parser *p, enum wql_keyword kw)
{
        return p->tok.kind == WQL_TOK_IDENT && p->tok.keyword == kw;
}

static bool accept_keyword(struct parser *p, enum wql_keyword kw)
{
        if (!is_keyword(p, kw))
                return false;
        advance(p);
        return true;
}

/* A word that may name a property or class here. */
static bool is_name(const struct parser *p)
{
        return p->tok.kind == WQL_TOK_IDENT && !wql_keyword_is_reserved(p->tok.keyword);
}

static bool token_spells(const struct parser *p, const char *word)
{
        return p->tok.kind == WQL_TOK_IDENT && strlen(word) == p->tok.len &&
               owmi_strncasecmp(p->lx.src + p->tok.start, word, p->tok.len) == 0;
}

static bool is_rel_op(const struct parser *p)
{
        switch (p->tok.kind) {
        case WQL_TOK_EQ:
        case WQL_TOK_NE:
        case WQL_TOK_LT:
        case WQL_TOK_GT:
        case WQL_TOK_LE:
        case WQL_TOK_GE:
                return true;
        default:
                return false;
        }
}

static enum wql_op rel_op(const struct parser *p)
{
        switch (p->tok.kind) {
        case WQL_TOK_NE:
                return WQL_OP_NE;
        case WQL_TOK_LT:
                return WQL_OP_LT;
        case WQL_TOK_GT:
                return WQL_OP_GT;
        case WQL_TOK_LE:
                return WQL_OP_LE;
        case WQL_TOK_GE:
                return WQL_OP_GE;
        default:
                return WQL_OP_EQ;
        }
}

/* "5 < x" is "x > 5". */
static enum wql_op mirror(enum wql_op op)
{
        switch (op) {
        case WQL_OP_LT:
                return WQL_OP_GT;
        case WQL_OP_GT:
                return WQL_OP_LT;
        case WQL_OP_LE:
                return WQL_OP_GE;
        case WQL_OP_GE:
                return WQL_OP_LE;
        default:
                return op;
        }
}

static bool is_constant(const struct parser *p)
{
        return p->tok.kind == WQL_TOK_STRING || p->tok.kind == WQL_TOK_INTEGER ||
               p->tok.kind == WQL_TOK_REAL || is_keyword(p, WQL_KW_TRUE) ||
               is_keyword(p, WQL_KW_FALSE);
}

/* name: the current IDENT copied; the caller has checked is_name. */
static int take_name(struct parser *p, char **ret)
{
        char *s = owmi_strndup(p->lx.src + p->tok.start, p->tok.len);

        if (!s)
                return oom(p);
        *ret = s;
        advance(p);
        return 0;
}

static void prop_release(struct wql_prop *prop)
{
        for (size_t i = 0; i < prop->count; i++)
                owmi_free(prop->names[i]);
        owmi_free(prop->names);
        memset(prop, 0, sizeof(*prop));
}

/* Recursion follows left operands only: AND/OR chains lean right. */
static struct wql_node *node_free(struct wql_node *n)
{
        while (n) {
                struct wql_node *right = n->right;

                node_free(n->left);
                prop_release(&n->prop);
                prop_release(&n->prop2);
                cim_value_release(&n->constant);
                owmi_free(n);
                n = right;
        }
        return NULL;
}

struct wql_query *wql_query_free(struct wql_query *q)
{
        if (!q)
                return NULL;
        for (size_t i = 0; i < q->select_count; i++)
                prop_release(&q->select[i]);
        owmi_free(q->select);
        owmi_free(q->class_name);
        node_free(q->where);
        for (size_t i = 0; i < q->group_by_count; i++)
                prop_release(&q->group_by[i]);
        owmi_free(q->group_by);
        owmi_free(q->object_path_text);
        cim_objpath_release(&q->object_path);
        owmi_free(q->assoc_class);
        owmi_free(q->result_class);
        owmi_free(q->result_role);
        owmi_free(q->role);
        owmi_free(q->required_qualifier);
        owmi_free(q->required_assoc_qualifier);
        owmi_free(q);
        return NULL;
}

static bool is_this(const struct wql_prop *prop)
{
        return prop->count == 1 && owmi_strcasecmp(prop->names[0], "__this") == 0;
}

/* prop := name {"." name}
 * In a schema query only a system property or __this, without dots. */
static int parse_prop(struct parser *p, struct wql_prop *ret)
{
        struct wql_prop prop = { .column = p->tok.column };
        size_t alloc = 0;
        int r;

        for (;;) {
                if (!is_name(p)) {
                        r = error_expected(p, "a property name");
                        goto fail;
                }
                if (OWMI_GROW(prop.names, alloc, prop.count + 1) < 0) {
                        r = oom(p);
                        goto fail;
                }
                r = take_name(p, &prop.names[prop.count]);
                if (r < 0)
                        goto fail;
                prop.count++;
                if (p->tok.kind != WQL_TOK_DOT)
                        break;
                if (p->schema || is_this(&prop)) {
                        r = error_expected(p, p->schema ? "an operator, IS, LIKE or ISA" :
                                                          "ISA after __this");
                        goto fail;
                }
                advance(p);
        }
        if (p->schema && !is_this(&prop) && !cim_is_system_property(prop.names[0])) {
                r = error_at(p, OWMI_E_INVALID_QUERY, prop.column,
                             "expected a system property or __this in a schema query, "
                             "found '%s'", prop.names[0]);
                goto fail;
        }
        *ret = prop;
        return 0;
fail:
        prop_release(&prop);
        return r;
}

/* constant := string | integer | real | TRUE | FALSE */
static int parse_constant(struct parser *p, struct cim_value *ret)
{
        switch (p->tok.kind) {
        case WQL_TOK_STRING:
                if (cim_value_set_string(ret, CIM_TYPE_STRING, p->lx.buf.buf) < 0)
                        return oom(p);
                break;
        case WQL_TOK_INTEGER:
                if (p->tok.negative)
                        cim_value_set_sint(ret, CIM_TYPE_SINT64,
                                           (int64_t) ((uint64_t) 0 - p->tok.magnitude));
                else
                        cim_value_set_uint(ret, CIM_TYPE_UINT64, p->tok.magnitude);
                break;
        case WQL_TOK_REAL:
                cim_value_set_real(ret, CIM_TYPE_REAL64, p->tok.real);
                break;
        default:
                if (!is_keyword(p, WQL_KW_TRUE) && !is_keyword(p, WQL_KW_FALSE))
                        return error_expected(p, "a constant");
                cim_value_set_bool(ret, is_keyword(p, WQL_KW_TRUE));
                break;
        }
        advance(p);
        return 0;
}

static struct wql_node *node_new(enum wql_node_kind kind, unsigned column)
{
        struct wql_node *n = owmi_calloc(1, sizeof(*n));

        if (!n)
                return NULL;
        n->kind = kind;
        n->column = column;
        cim_value_init_null(&n->constant, CIM_TYPE_NONE, false);
        return n;
}

/* The operand of LIKE or ISA: a string. */
static int parse_string_operand(struct parser *p, struct wql_node *n, const char *what)
{
        if (p->tok.kind != WQL_TOK_STRING)
                return error_expected(p, what);
        return parse_constant(p, &n->constant);
}

/* "p NOT LIKE 'x'" is NOT (p LIKE 'x'): n becomes the NOT, over a new
 * node that takes n's property and pattern. */
static int wrap_in_not(struct parser *p, struct wql_node *n, unsigned column)
{
        struct wql_node *like = node_new(WQL_NODE_LIKE, n->column);

        if (!like)
                return oom(p);
        like->prop = n->prop;
        like->constant = n->constant;
        memset(&n->prop, 0, sizeof(n->prop));
        cim_value_init_null(&n->constant, CIM_TYPE_NONE, false);
        n->kind = WQL_NODE_NOT;
        n->column = column;
        n->left = like;
        return 0;
}

/* The rest of a predicate that starts with a property:
 *   prop rel_op (constant | prop) | prop IS [NOT] NULL
 *   | prop [NOT] LIKE string | prop ISA string */
static int parse_predicate_tail(struct parser *p, struct wql_node *n)
{
        bool negate = false;
        unsigned column;
        int r;

        if (is_this(&n->prop) && !is_keyword(p, WQL_KW_ISA))
                return error_expected(p, "ISA after __this");
        if (accept_keyword(p, WQL_KW_IS)) {
                n->kind = accept_keyword(p, WQL_KW_NOT) ? WQL_NODE_IS_NOT_NULL : WQL_NODE_IS_NULL;
                if (!accept_keyword(p, WQL_KW_NULL))
                        return error_expected(p, n->kind == WQL_NODE_IS_NULL ?
                                              "NOT or NULL after IS" : "NULL after IS NOT");
                return 0;
        }
        if (is_keyword(p, WQL_KW_ISA)) {
                advance(p);
                n->kind = WQL_NODE_ISA;
                return parse_string_operand(p, n, "a quoted class name after ISA");
        }
        column = p->tok.column;
        if (is_keyword(p, WQL_KW_NOT)) {
                advance(p);
                if (!is_keyword(p, WQL_KW_LIKE))
                        return error_expected(p, "LIKE after NOT");
                negate = true;
        }
        if (accept_keyword(p, WQL_KW_LIKE)) {
                n->kind = WQL_NODE_LIKE;
                r = parse_string_operand(p, n, "a quoted pattern after LIKE");
                if (r < 0 || !negate)
                        return r;
                return wrap_in_not(p, n, column);
        }
        if (!is_rel_op(p))
                return error_expected(p, "an operator, IS, LIKE or ISA");
        n->op = rel_op(p);
        advance(p);
        if (is_constant(p)) {
                n->kind = WQL_NODE_COMPARE;
                return parse_constant(p, &n->constant);
        }
        if (is_name(p) && !p->schema) {
                /* TargetInstance.X <> PreviousInstance.X: wql_check keeps it
                 * to event queries (an extrinsic event class looks like any
                 * other class here) */
                n->kind = WQL_NODE_COMPARE_PROPS;
                column = p->tok.column;
                r = parse_prop(p, &n->prop2);
                if (r < 0)
                        return r;
                if (is_this(&n->prop2))
                        return error_at(p, OWMI_E_INVALID_QUERY, column,
                                        "expected a constant or a property name, found '__this'");
                return 0;
        }
        return error_expected(p, p->schema ? "a constant" : "a constant or a property name");
}

/* predicate := prop predicate_tail | constant rel_op prop */
static int parse_predicate(struct parser *p, struct wql_node **ret)
{
        struct wql_node *n;
        int r;

        if (!is_name(p) && !is_constant(p))
                return error_expected(p, p->schema ? "a system property, __this, NOT or '('" :
                                                     "a property name, a constant, NOT or '('");
        if (++p->terms > WQL_MAX_TERMS)
                return error_at(p, OWMI_E_QUOTA_VIOLATION, p->tok.column,
                                "expected at most %u comparisons, found more",
                                (unsigned) WQL_MAX_TERMS);
        n = node_new(WQL_NODE_COMPARE, p->tok.column);
        if (!n)
                return oom(p);
        if (is_constant(p)) {
                /* constant op prop: the property goes to the left */
                r = parse_constant(p, &n->constant);
                if (r >= 0 && !is_rel_op(p))
                        r = error_expected(p, "a comparison operator");
                if (r >= 0) {
                        n->op = mirror(rel_op(p));
                        advance(p);
                        if (!is_name(p))
                                r = error_expected(p, p->schema ? "a system property" :
                                                                  "a property name");
                }
                if (r >= 0)
                        r = parse_prop(p, &n->prop);
                if (r >= 0 && is_this(&n->prop))
                        r = error_at(p, OWMI_E_INVALID_QUERY, n->prop.column,
                                     "expected a property name, found '__this'");
        } else {
                r = parse_prop(p, &n->prop);
                if (r >= 0)
                        r = parse_predicate_tail(p, n);
        }
        if (r < 0) {
                node_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

static int parse_condition(struct parser *p, struct wql_node **ret);

static int enter(struct parser *p)
{
        if (p->depth >= WQL_MAX_DEPTH)
                return error_at(p, OWMI_E_QUOTA_VIOLATION, p->tok.column,
                                "expected at most %u nested parentheses and NOTs, found more",
                                (unsigned) WQL_MAX_DEPTH);
        p->depth++;
        advance(p);
        return 0;
}

/* factor := NOT factor | "(" condition ")" | predicate */
static int parse_factor(struct parser *p, struct wql_node **ret)
{
        struct wql_node *n, *inner = NULL;
        unsigned column = p->tok.column;
        int r;

        if (is_keyword(p, WQL_KW_NOT)) {
                r = enter(p);
                if (r < 0)
                        return r;
                r = parse_factor(p, &inner);
                p->depth--;
                if (r < 0)
                        return r;
                n = node_new(WQL_NODE_NOT, column);
                if (!n) {
                        node_free(inner);
                        return oom(p);
                }
                n->left = inner;
                *ret = n;
                return 0;
        }
        if (p->tok.kind == WQL_TOK_LPAREN) {
                r = enter(p);
                if (r < 0)
                        return r;
                r = parse_condition(p, &inner);
                p->depth--;
                if (r < 0)
                        return r;
                if (p->tok.kind != WQL_TOK_RPAREN) {
                        node_free(inner);
                        return error_expected(p, "AND, OR or ')'");
                }
                advance(p);
                *ret = inner;
                return 0;
        }
        return parse_predicate(p, ret);
}

/* operand {kw operand}, built leaning right: a AND b AND c is
 * AND(a, AND(b, c)), so evaluation and freeing loop along ->right and
 * recurse only as deep as the parentheses and NOTs (WQL_MAX_DEPTH). */
static int parse_chain(struct parser *p, struct wql_node **ret, enum wql_keyword kw,
                       enum wql_node_kind kind,
                       int (*operand)(struct parser *p, struct wql_node **ret))
{
        struct wql_node *root = NULL, **slot = &root, *right, *n;
        int r;

        r = operand(p, &root);
        if (r < 0)
                return r;
        while (is_keyword(p, kw)) {
                unsigned column = p->tok.column;

                advance(p);
                r = operand(p, &right);
                if (r < 0) {
                        node_free(root);
                        return r;
                }
                n = node_new(kind, column);
                if (!n) {
                        node_free(root);
                        node_free(right);
                        return oom(p);
                }
                n->left = *slot;
                n->right = right;
                *slot = n;
                slot = &n->right;
        }
        *ret = root;
        return 0;
}

/* term := factor {AND factor} */
static int parse_term(struct parser *p, struct wql_node **ret)
{
        return parse_chain(p, ret, WQL_KW_AND, WQL_NODE_AND, parse_factor);
}

/* condition := term {OR term}   (OR binds looser than AND) */
static int parse_condition(struct parser *p, struct wql_node **ret)
{
        return parse_chain(p, ret, WQL_KW_OR, WQL_NODE_OR, parse_term);
}

/* select_list := select_item {"," select_item}
 * select_item := "*" | prop */
static int parse_select_list(struct parser *p)
{
        struct wql_query *q = p->q;
        size_t alloc = 0;
        int r;

        for (;;) {
                if (p->tok.kind == WQL_TOK_STAR) {
                        q->select_all = true;
                        advance(p);
                } else if (is_name(p)) {
                        if (OWMI_GROW(q->select, alloc, q->select_count + 1) < 0)
                                return oom(p);
                        r = parse_prop(p, &q->select[q->select_count]);
                        if (r < 0)
                                return r;
                        q->select_count++;
                } else {
                        return error_expected(p, "'*' or a property name");
                }
                if (p->tok.kind != WQL_TOK_COMMA)
                        return 0;
                advance(p);
        }
}

/* The system event classes by name: "__" ... "Event" (see wql.h). */
static bool is_event_class_name(const char *name)
{
        size_t n = strlen(name);

        return n >= 7 && name[0] == '_' && name[1] == '_' &&
               owmi_strcasecmp(name + n - 5, "Event") == 0;
}

/* A positive number of seconds (WITHIN, GROUP WITHIN). */
static int parse_seconds(struct parser *p, double *ret, bool whole, const char *what)
{
        double d;

        if (p->tok.kind == WQL_TOK_INTEGER && !p->tok.negative &&
            (!whole || p->tok.magnitude <= UINT32_MAX))
                d = (double) p->tok.magnitude;
        else if (p->tok.kind == WQL_TOK_REAL && !whole)
                d = p->tok.real;
        else
                return error_expected(p, what);
        if (!(d > 0) || !isfinite(d))
                return error_expected(p, what);
        *ret = d;
        advance(p);
        return 0;
}

/* An unsigned 32-bit HAVING operand. */
static int parse_count(struct parser *p, uint32_t *ret)
{
        if (p->tok.kind != WQL_TOK_INTEGER || (p->tok.negative && p->tok.magnitude) ||
            p->tok.magnitude > UINT32_MAX)
                return error_expected(p, "a number of events from 0 to 4294967295");
        *ret = (uint32_t) p->tok.magnitude;
        advance(p);
        return 0;
}

/* having := NumberOfEvents rel_op count | count rel_op NumberOfEvents */
static int parse_having(struct parser *p)
{
        struct wql_query *q = p->q;
        int r;

        if (token_spells(p, "NumberOfEvents")) {
                advance(p);
                if (!is_rel_op(p))
                        return error_expected(p, "a comparison operator");
                q->having_op = rel_op(p);
                advance(p);
                return parse_count(p, &q->having_count);
        }
        if (p->tok.kind != WQL_TOK_INTEGER)
                return error_expected(p, "NumberOfEvents");
        r = parse_count(p, &q->having_count);
        if (r < 0)
                return r;
        if (!is_rel_op(p))
                return error_expected(p, "a comparison operator");
        q->having_op = mirror(rel_op(p));
        advance(p);
        if (!token_spells(p, "NumberOfEvents"))
                return error_expected(p, "NumberOfEvents");
        advance(p);
        return 0;
}

/* group := GROUP WITHIN seconds [BY prop {"," prop}] [HAVING having] */
static int parse_group(struct parser *p)
{
        struct wql_query *q = p->q;
        size_t alloc = 0;
        int r;

        advance(p);
        if (!accept_keyword(p, WQL_KW_WITHIN))
                return error_expected_code(p, WQL_E_MISSING_GROUP_WITHIN, "WITHIN after GROUP");
        r = parse_seconds(p, &q->group_within, true,
                          "a grouping interval in whole seconds from 1 to 4294967295");
        if (r < 0)
                return r;
        q->has_group = true;
        if (accept_keyword(p, WQL_KW_BY)) {
                if (!is_name(p) || is_keyword(p, WQL_KW_HAVING))
                        return error_expected_code(p, WQL_E_MISSING_AGGREGATION_LIST,
                                                   "a property name after BY");
                for (;;) {
                        if (OWMI_GROW(q->group_by, alloc, q->group_by_count + 1) < 0)
                                return oom(p);
                        r = parse_prop(p, &q->group_by[q->group_by_count]);
                        if (r < 0)
                                return r;
                        q->group_by_count++;
                        if (p->tok.kind != WQL_TOK_COMMA)
                                break;
                        advance(p);
                }
        }
        if (accept_keyword(p, WQL_KW_HAVING)) {
                q->has_having = true;
                return parse_having(p);
        }
        return 0;
}

/* select_query := SELECT select_list FROM class [WITHIN seconds]
 *                 [WHERE condition] [group]
 * class "meta_class" makes a schema query (only '*', no WITHIN or GROUP). */
static int parse_select(struct parser *p)
{
        struct wql_query *q = p->q;
        int r;

        advance(p);
        r = parse_select_list(p);
        if (r < 0)
                return r;
        if (!accept_keyword(p, WQL_KW_FROM))
                return error_expected(p, "',' or FROM");
        if (!is_name(p))
                return error_expected(p, "a class name");
        q->class_column = p->tok.column;
        r = take_name(p, &q->class_name);
        if (r < 0)
                return r;
        p->schema = owmi_strcasecmp(q->class_name, "meta_class") == 0;
        if (p->schema && q->select_count > 0)
                return error_at(p, OWMI_E_INVALID_QUERY, q->select[0].column,
                                "expected '*' in a schema query, found '%s'",
                                q->select[0].names[0]);
        p->event = !p->schema && is_event_class_name(q->class_name);
        if (!p->schema && is_keyword(p, WQL_KW_WITHIN)) {
                advance(p);
                r = parse_seconds(p, &q->within, false,
                                  "a polling interval in seconds greater than 0");
                if (r < 0)
                        return r;
                p->event = true;
        }
        if (accept_keyword(p, WQL_KW_WHERE)) {
                r = parse_condition(p, &q->where);
                if (r < 0)
                        return r;
        }
        if (!p->schema && is_keyword(p, WQL_KW_GROUP)) {
                r = parse_group(p);
                if (r < 0)
                        return r;
                p->event = true;
        } else if (!p->schema && is_keyword(p, WQL_KW_HAVING)) {
                return error_expected_code(p, WQL_E_MISSING_GROUP_WITHIN,
                                           "GROUP WITHIN before HAVING");
        }
        if (p->tok.kind != WQL_TOK_END) {
                if (p->schema)
                        return error_expected(p, q->where ? "AND, OR or end of query" :
                                                            "WHERE or end of query");
                if (q->has_having)
                        return error_expected(p, "end of query");
                if (q->has_group)
                        return error_expected(p, q->group_by_count ? "',', HAVING or end of query" :
                                                                     "BY, HAVING or end of query");
                return error_expected(p, q->where ? "AND, OR, GROUP or end of query" :
                                      q->within > 0 ? "WHERE, GROUP or end of query" :
                                                      "WITHIN, WHERE, GROUP or end of query");
        }
        q->kind = p->schema ? WQL_SCHEMA : p->event ? WQL_EVENT : WQL_DATA;
        return 0;
}

enum assoc_keyword_flags {
        KW_VALUE = 1 << 0,        /* takes "= name" */
        KW_REFERENCES = 1 << 1,   /* valid in REFERENCES OF too */
};

static const struct {
        const char *name;
        unsigned flags;
        size_t offset;            /* char * or bool field of struct wql_query */
} assoc_keywords[] = {
        { "AssocClass", KW_VALUE, offsetof(struct wql_query, assoc_class) },
        { "ResultClass", KW_VALUE | KW_REFERENCES, offsetof(struct wql_query, result_class) },
        { "ResultRole", KW_VALUE, offsetof(struct wql_query, result_role) },
        { "Role", KW_VALUE | KW_REFERENCES, offsetof(struct wql_query, role) },
        { "RequiredQualifier", KW_VALUE | KW_REFERENCES,
          offsetof(struct wql_query, required_qualifier) },
        { "RequiredAssocQualifier", KW_VALUE,
          offsetof(struct wql_query, required_assoc_qualifier) },
        { "ClassDefsOnly", KW_REFERENCES, offsetof(struct wql_query, class_defs_only) },
        { "KeysOnly", KW_REFERENCES, offsetof(struct wql_query, keys_only) },
        { "SchemaOnly", KW_REFERENCES, offsetof(struct wql_query, schema_only) },
};

/* assoc_keyword := name "=" name | ClassDefsOnly | KeysOnly | SchemaOnly
 * (values are bare names; no AND, no commas, only "=") */
static int parse_assoc_keyword(struct parser *p, bool references)
{
        const char *expected = references ?
                "a REFERENCES OF keyword (ResultClass, Role, RequiredQualifier, "
                "ClassDefsOnly, KeysOnly, SchemaOnly)" :
                "an ASSOCIATORS OF keyword (AssocClass, ResultClass, ResultRole, Role, "
                "RequiredQualifier, RequiredAssocQualifier, ClassDefsOnly, KeysOnly, SchemaOnly)";
        struct wql_query *q = p->q;
        char found[96];
        size_t i;

        for (i = 0; i < ELEMENTSOF(assoc_keywords); i++)
                if (token_spells(p, assoc_keywords[i].name))
                        break;
        if (i == ELEMENTSOF(assoc_keywords) ||
            (references && !(assoc_keywords[i].flags & KW_REFERENCES)))
                return error_expected(p, expected);
        if (assoc_keywords[i].flags & KW_VALUE) {
                char **field = (char **) ((char *) q + assoc_keywords[i].offset);

                if (*field)
                        return error_at(p, OWMI_E_INVALID_QUERY, p->tok.column,
                                        "expected each keyword once, found a second %s",
                                        wql_token_describe(&p->lx, &p->tok, found, sizeof(found)));
                advance(p);
                if (p->tok.kind != WQL_TOK_EQ) {
                        char what[64];

                        snprintf(what, sizeof(what), "'=' after %s", assoc_keywords[i].name);
                        return error_expected(p, what);
                }
                advance(p);
                if (p->tok.kind != WQL_TOK_IDENT)
                        return error_expected(p, "a name (not quoted)");
                return take_name(p, field);
        } else {
                bool *field = (bool *) ((char *) q + assoc_keywords[i].offset);

                if (*field)
                        return error_at(p, OWMI_E_INVALID_QUERY, p->tok.column,
                                        "expected each keyword once, found a second %s",
                                        wql_token_describe(&p->lx, &p->tok, found, sizeof(found)));
                *field = true;
                advance(p);
                return 0;
        }
}

/* The {path} token: trimmed, kept as text and parsed. */
static int parse_object_path(struct parser *p)
{
        struct wql_query *q = p->q;
        struct owmi_error perr = { 0 };
        const char *s;
        size_t n, lead = 0;
        int r;

        if (p->tok.kind != WQL_TOK_PATH)
                return error_expected(p, "'{' and an object path");
        s = p->lx.buf.buf;
        n = p->lx.buf.len;
        while (lead < n && (s[lead] == ' ' || s[lead] == '\t' || s[lead] == '\r' ||
                            s[lead] == '\n'))
                lead++;
        while (n > lead && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                            s[n - 1] == '\n'))
                n--;
        if (n == lead)
                return error_at(p, OWMI_E_INVALID_QUERY, p->tok.column + 1 + (unsigned) lead,
                                "expected an object path, found '}'");
        q->object_path_text = owmi_strndup(s + lead, n - lead);
        if (!q->object_path_text)
                return oom(p);
        r = cim_objpath_parse(q->object_path_text, n - lead, &q->object_path, &perr);
        if (r == -ENOMEM)
                return oom(p);
        if (r < 0) {
                memset(&q->object_path, 0, sizeof(q->object_path));
                return error_at(p, OWMI_E_INVALID_QUERY,
                                p->tok.column + (unsigned) lead +
                                (perr.column ? perr.column : 1),
                                "expected a valid object path, found '%.*s' (%s)",
                                (int) (n - lead > 64 ? 64 : n - lead), q->object_path_text,
                                perr.message);
        }
        advance(p);
        return 0;
}

/* assoc_query := (ASSOCIATORS | REFERENCES) OF "{" path "}"
 *                [WHERE assoc_keyword {assoc_keyword}] */
static int parse_assoc(struct parser *p, bool references)
{
        struct wql_query *q = p->q;
        int r;

        q->kind = references ? WQL_REFERENCES : WQL_ASSOCIATORS;
        advance(p);
        if (!accept_keyword(p, WQL_KW_OF))
                return error_expected(p, references ? "OF after REFERENCES" :
                                                      "OF after ASSOCIATORS");
        r = parse_object_path(p);
        if (r < 0)
                return r;
        if (accept_keyword(p, WQL_KW_WHERE)) {
                do {
                        unsigned column = p->tok.column;

                        r = parse_assoc_keyword(p, references);
                        if (r < 0)
                                return r;
                        if (q->class_defs_only && q->schema_only)
                                return error_at(p, OWMI_E_INVALID_QUERY, column,
                                                "expected ClassDefsOnly or SchemaOnly, found both");
                        if (q->class_defs_only && q->result_class)
                                return error_at(p, OWMI_E_INVALID_QUERY, column, "expected "
                                                "ClassDefsOnly or ResultClass, found both");
                } while (p->tok.kind != WQL_TOK_END);
        }
        if (p->tok.kind != WQL_TOK_END)
                return error_expected(p, "WHERE or end of query");
        return 0;
}

/* query := select_query | assoc_query */
int wql_parse(const char *text, size_t len, struct wql_query **ret, struct owmi_error *err)
{
        struct parser p = { .err = err };
        size_t bad;
        int r;

        if (!ret || (!text && len))
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "no query text");
        if (len > WQL_MAX_TEXT)
                return owmi_error_set_at(err, OWMI_E_QUOTA_VIOLATION, NULL, 0,
                                         WQL_MAX_TEXT + 1,
                                         "expected at most %u bytes of query text, found %zu",
                                         (unsigned) WQL_MAX_TEXT, len);
        bad = len ? owmi_utf8_invalid_at(text, len) : 0;
        if (bad)
                return owmi_error_set_at(err, OWMI_E_INVALID_QUERY, NULL, 0, (unsigned) bad,
                                         "expected UTF-8 text, found byte 0x%02x",
                                         (unsigned char) text[bad - 1]);
        p.q = owmi_calloc(1, sizeof(*p.q));
        if (!p.q)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        wql_lexer_init(&p.lx, text ? text : "", len);
        advance(&p);
        if (is_keyword(&p, WQL_KW_SELECT))
                r = parse_select(&p);
        else if (is_keyword(&p, WQL_KW_ASSOCIATORS))
                r = parse_assoc(&p, false);
        else if (is_keyword(&p, WQL_KW_REFERENCES))
                r = parse_assoc(&p, true);
        else
                r = error_expected(&p, "SELECT, ASSOCIATORS or REFERENCES");
        wql_lexer_release(&p.lx);
        if (r < 0) {
                wql_query_free(p.q);
                return r;
        }
        *ret = p.q;
        return 0;
}
