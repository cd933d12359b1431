/* SPDX-License-Identifier: MIT */
/*
 * parser.c: recursive-descent parser for MOF (DSP0221 annex A, the
 * DSP0004 2.x MOF grammar) and WMI's extensions: #pragma namespace,
 * classflags, deleteclass, autorecover, include; WMI array qualifier
 * syntax `ValueMap{...}`; bare qualifiers; undeclared qualifiers; class
 * names as embedded-object types; `instance of` values.
 *
 * Error recovery works at three levels, so one mistake gives one message:
 * a bad qualifier skips to the `]` of its list, a bad class member skips to
 * its `;`, a bad declaration skips to the `;` or `}` that ends it.  A
 * missing `;` is reported where it belongs: just after the token before.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "mof/lexer.h"
#include "mof/parser.h"

struct parser {
        struct mof_unit *unit;
        struct mof_lexer lx;
        const char *file;            /* interned */
        const char *dir;             /* folder of the file, for includes */
        struct mof_token tok;        /* current token */
        unsigned prev_end_line, prev_end_column;
        char *prev_text;             /* text of the previous token (for messages) */
        bool prev_multiline;         /* previous token was a string over a line break */
        unsigned prev_line, prev_column;
        bool recovering;             /* suppress lexical errors while skipping */
        unsigned depth;              /* nesting of values, for the limit */
        int fatal;                   /* -ENOMEM and the like */
};

/* ---- diagnostics ------------------------------------------------------- */

static struct mof_pos pos_here(const struct parser *p)
{
        return (struct mof_pos) { p->file, p->tok.line, p->tok.column };
}

static struct mof_pos pos_after_prev(const struct parser *p)
{
        return (struct mof_pos) { p->file, p->prev_end_line, p->prev_end_column };
}

static int next(struct parser *p)
{
        int r;

        p->prev_end_line = p->tok.end_line;
        p->prev_end_column = p->tok.end_column;
        p->prev_multiline = p->tok.kind == MOF_TOK_STRING && p->tok.multiline;
        p->prev_line = p->tok.line;
        p->prev_column = p->tok.column;
        for (;;) {
                r = mof_lexer_next(&p->lx, &p->tok);
                if (r < 0) {
                        p->fatal = r;
                        p->tok.kind = MOF_TOK_EOF;
                        return r;
                }
                if (p->lx.warning) {
                        struct mof_pos at = { p->file, p->lx.warn_line, p->lx.warn_column };

                        mof_unit_diag(p->unit, MOF_WARNING, OWMI_S_NO_ERROR, &at, "%s",
                                      p->lx.warning);
                        p->lx.warning = NULL;
                }
                if (p->tok.kind != MOF_TOK_ERROR)
                        return 0;
                if (!p->recovering) {
                        struct mof_pos at = pos_here(p);

                        mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_SYNTAX, &at, "%s",
                                      p->tok.text);
                        /* one lexical error per declaration: the rest is recovery */
                        p->recovering = true;
                        return -EINVAL;
                }
        }
}

/* "expected X, found Y"; a string that ran over a line break just before
 * the surprise was most likely missing its closing quote. */
static int error_expected(struct parser *p, const char *what)
{
        char found[96];
        struct mof_pos at;

        if (p->recovering)
                return -EINVAL;
        p->recovering = true;
        if (p->prev_multiline) {
                at = (struct mof_pos) { p->file, p->prev_line, p->prev_column };
                return mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_SYNTAX, &at,
                                     "string literal not terminated (it runs over the line break)");
        }
        at = pos_here(p);
        return mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_SYNTAX, &at,
                             "expected %s, found %s", what,
                             mof_token_describe(&p->tok, found, sizeof(found)));
}

/* A missing terminator belongs right after the previous token. */
static int error_missing(struct parser *p, const char *what, const char *after)
{
        char found[96];
        struct mof_pos at = pos_after_prev(p);

        if (p->recovering)
                return -EINVAL;
        p->recovering = true;
        if (p->prev_multiline)
                return error_expected(p, what);
        return mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_SYNTAX, &at,
                             "missing %s after %s (found %s at line %u)", what, after,
                             mof_token_describe(&p->tok, found, sizeof(found)), p->tok.line);
}

static bool at(const struct parser *p, enum mof_token_kind kind)
{
        return p->tok.kind == kind;
}

static bool at_kw(const struct parser *p, const char *kw)
{
        return mof_token_is(&p->tok, kw);
}

static int expect(struct parser *p, enum mof_token_kind kind, const char *what)
{
        if (!at(p, kind))
                return error_expected(p, what);
        return next(p);
}

/* Token starts a new top-level production: where recovery may stop. */
static bool at_declaration_start(const struct parser *p)
{
        return at(p, MOF_TOK_PRAGMA) || at_kw(p, "class") || at_kw(p, "instance") ||
               at_kw(p, "qualifier") || at_kw(p, "association") || at_kw(p, "indication");
}

/* ---- values ------------------------------------------------------------ */

static int parse_instance_body(struct parser *p, struct mof_decl *d);
static void mof_value_release(struct mof_value *v);
static void decl_init(struct parser *p, struct mof_decl *d);

static int parse_integer(struct parser *p, bool negative, struct cim_value *ret)
{
        uint64_t mag = p->tok.u.integer;

        if (p->tok.overflow || (negative && mag > (uint64_t) INT64_MAX + 1)) {
                struct mof_pos here = pos_here(p);

                p->recovering = true;
                return mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_VALUE_OUT_OF_RANGE, &here,
                                     "integer does not fit 64 bits");
        }
        if (negative)
                cim_value_set_sint(ret, CIM_TYPE_SINT64, (int64_t) ((uint64_t) 0 - mag));
        else
                cim_value_set_uint(ret, CIM_TYPE_UINT64, mag);
        return next(p);
}

/* constantValue: integer | real | char | string+ | TRUE | FALSE | NULL,
 * an alias, or WMI's embedded `instance of` */
static int parse_scalar(struct parser *p, struct mof_value *mv, struct cim_value *ret)
{
        int r;

        switch (p->tok.kind) {
        case MOF_TOK_MINUS:
        case MOF_TOK_PLUS: {
                bool negative = at(p, MOF_TOK_MINUS);

                if ((r = next(p)) < 0)
                        return r;
                if (at(p, MOF_TOK_INTEGER))
                        return parse_integer(p, negative, ret);
                if (at(p, MOF_TOK_REAL)) {
                        cim_value_set_real(ret, CIM_TYPE_REAL64,
                                           negative ? -p->tok.u.real : p->tok.u.real);
                        return next(p);
                }
                return error_expected(p, "a number after the sign");
        }
        case MOF_TOK_INTEGER:
                return parse_integer(p, false, ret);
        case MOF_TOK_REAL:
                cim_value_set_real(ret, CIM_TYPE_REAL64, p->tok.u.real);
                return next(p);
        case MOF_TOK_CHAR:
                cim_value_set_uint(ret, CIM_TYPE_CHAR16, p->tok.u.char16);
                return next(p);
        case MOF_TOK_STRING: {
                struct strbuf sb = STRBUF_INIT;

                /* adjacent literals concatenate (DSP0004 4.8.1) */
                while (at(p, MOF_TOK_STRING)) {
                        strbuf_add(&sb, p->tok.text, p->tok.text_len);
                        if ((r = next(p)) < 0) {
                                strbuf_release(&sb);
                                return r;
                        }
                }
                if (strbuf_error(&sb) < 0) {
                        strbuf_release(&sb);
                        return p->fatal = -ENOMEM;
                }
                if (!sb.buf)
                        strbuf_addstr(&sb, "");
                cim_value_take_string(ret, CIM_TYPE_STRING, strbuf_detach(&sb));
                return 0;
        }
        case MOF_TOK_ALIAS: {
                char *name = owmi_malloc(p->tok.text_len + 2);

                if (!name)
                        return p->fatal = -ENOMEM;
                name[0] = '$';
                memcpy(name + 1, p->tok.text, p->tok.text_len + 1);
                cim_value_take_string(ret, CIM_TYPE_REFERENCE, name);
                return next(p);
        }
        case MOF_TOK_IDENT:
                if (at_kw(p, "TRUE") || at_kw(p, "FALSE")) {
                        cim_value_set_bool(ret, at_kw(p, "TRUE"));
                        return next(p);
                }
                if (at_kw(p, "NULL")) {
                        cim_value_init_null(ret, CIM_TYPE_NONE, false);
                        return next(p);
                }
                if (at_kw(p, "instance") && mv) {
                        struct mof_decl *d = owmi_calloc(1, sizeof(*d));

                        if (!d)
                                return p->fatal = -ENOMEM;
                        decl_init(p, d);
                        d->kind = MOF_DECL_INSTANCE;
                        mv->embedded = d;
                        /* the namespace in force here, not the unit's last one */
                        d->namespace = owmi_strdup(p->unit->namespace);
                        if (!d->namespace)
                                return p->fatal = -ENOMEM;
                        cim_value_init_null(ret, CIM_TYPE_OBJECT, false);
                        if (p->depth >= MOF_MAX_NESTING) {
                                struct mof_pos here = pos_here(p);

                                p->recovering = true;
                                return mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_SYNTAX,
                                                     &here, "embedded instances nested too deep");
                        }
                        p->depth++;
                        r = parse_instance_body(p, d);
                        p->depth--;
                        return r;
                }
                return error_expected(p, "a value");
        default:
                return error_expected(p, "a value");
        }
}

/* The slot for the next element of an array value that is an embedded
 * `instance of` (WMI: `objArray = {instance of A {...}, instance of B
 * {...}};`).  The elements live in a list declaration hung on mv->embedded:
 * its assignment i holds element i when that element is an instance (the
 * others stay not present and are read from mv->value).  Made on the first
 * such element, so plain arrays cost nothing. */
static struct mof_value *embedded_slot(struct parser *p, struct mof_value *mv)
{
        struct mof_decl *list = mv->embedded;
        size_t index = mv->value.count;
        struct mof_value *slot;

        if (!list) {
                list = owmi_calloc(1, sizeof(*list));
                if (!list) {
                        p->fatal = -ENOMEM;
                        return NULL;
                }
                decl_init(p, list);
                list->kind = MOF_DECL_INSTANCE;
                mv->embedded = list;
        }
        if (OWMI_GROW(list->assignments, list->assignment_alloc, index + 1) < 0) {
                p->fatal = -ENOMEM;
                return NULL;
        }
        memset(list->assignments + list->assignment_count, 0,
               (index + 1 - list->assignment_count) * sizeof(*list->assignments));
        list->assignment_count = index + 1;
        slot = &list->assignments[index].value;
        slot->pos = pos_here(p);
        slot->present = true;
        return slot;
}

/* initializer: constantValue | '{' [constantValue *(',' constantValue)] '}' */
static int parse_value(struct parser *p, struct mof_value *mv)
{
        int r;

        mv->pos = pos_here(p);
        mv->present = true;
        cim_value_init_null(&mv->value, CIM_TYPE_NONE, false);
        if (!at(p, MOF_TOK_LBRACE))
                return parse_scalar(p, mv, &mv->value);
        if ((r = next(p)) < 0)
                return r;
        cim_value_init_array(&mv->value, CIM_TYPE_NONE);
        while (!at(p, MOF_TOK_RBRACE)) {
                struct cim_value item;
                struct mof_value *slot = NULL;

                if (mv->value.count >= MOF_MAX_ARRAY) {
                        struct mof_pos here = pos_here(p);

                        p->recovering = true;
                        return mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_QUOTA_VIOLATION, &here,
                                             "array value with more than %d elements",
                                             MOF_MAX_ARRAY);
                }
                cim_value_init_null(&item, CIM_TYPE_NONE, false);
                if (at_kw(p, "instance") && !(slot = embedded_slot(p, mv)))
                        return p->fatal;
                if ((r = parse_scalar(p, slot, &item)) < 0) {
                        cim_value_release(&item);
                        return r;
                }
                if (mv->value.count == 0)
                        mv->value.type = item.type;
                if (cim_value_array_append(&mv->value, &item) < 0) {
                        cim_value_release(&item);
                        return p->fatal = -ENOMEM;
                }
                if (at(p, MOF_TOK_COMMA)) {
                        if ((r = next(p)) < 0)
                                return r;
                        continue;
                }
                if (!at(p, MOF_TOK_RBRACE))
                        return error_expected(p, "',' or '}' in the array value");
        }
        return next(p);
}

/* ---- qualifiers -------------------------------------------------------- */

static const struct {
        const char *name;
        uint32_t bit;
} flavor_keywords[] = {
        { "EnableOverride", CIM_FLAVOR_ENABLE_OVERRIDE },
        { "DisableOverride", CIM_FLAVOR_DISABLE_OVERRIDE },
        { "ToSubclass", CIM_FLAVOR_TO_SUBCLASS },
        { "Restricted", CIM_FLAVOR_RESTRICTED },
        { "NotToSubclass", CIM_FLAVOR_RESTRICTED },
        { "Translatable", CIM_FLAVOR_TRANSLATABLE },
        { "Amended", CIM_FLAVOR_AMENDED },
        { "ToInstance", CIM_FLAVOR_TO_INSTANCE },
        { "NotToInstance", CIM_FLAVOR_NOT_TO_INSTANCE },
};

static uint32_t flavor_from_token(const struct parser *p)
{
        for (size_t i = 0; i < ELEMENTSOF(flavor_keywords); i++)
                if (at_kw(p, flavor_keywords[i].name))
                        return flavor_keywords[i].bit;
        return 0;
}

/* qualifier: qualifierName [ '(' initializer ')' | arrayInitializer ] [ ':' 1*flavor ] */
static int parse_qualifier(struct parser *p, struct mof_qualifier_list *list)
{
        struct mof_qualifier *q;
        int r;

        if (!at(p, MOF_TOK_IDENT) || at_kw(p, "class") || at_kw(p, "instance"))
                return error_expected(p, "a qualifier name");
        if (OWMI_GROW(list->items, list->alloc, list->count + 1) < 0)
                return p->fatal = -ENOMEM;
        q = &list->items[list->count];
        memset(q, 0, sizeof(*q));
        q->pos = pos_here(p);
        q->name = owmi_strdup(p->tok.text);
        if (!q->name)
                return p->fatal = -ENOMEM;
        list->count++;
        if ((r = next(p)) < 0)
                return r;
        if (at(p, MOF_TOK_LPAREN)) {
                if ((r = next(p)) < 0)
                        return r;
                if ((r = parse_value(p, &q->value)) < 0)
                        return r;
                if (!at(p, MOF_TOK_RPAREN))
                        return error_expected(p, "')' closing the qualifier value");
                if ((r = next(p)) < 0)
                        return r;
        } else if (at(p, MOF_TOK_LBRACE)) {
                if ((r = parse_value(p, &q->value)) < 0)
                        return r;
        }
        if (at(p, MOF_TOK_COLON)) {
                if ((r = next(p)) < 0)
                        return r;
                if (!flavor_from_token(p))
                        return error_expected(p, "a flavor (EnableOverride, DisableOverride, "
                                                 "ToSubclass, Restricted, Translatable, Amended)");
                while (flavor_from_token(p)) {
                        q->flavor_set |= flavor_from_token(p);
                        if ((r = next(p)) < 0)
                                return r;
                }
        }
        return 0;
}

/* The next character after the current token, past blanks and comments
 * (-1 at the end): a one-character look-ahead for error recovery. */
static int peek_char(const struct parser *p)
{
        const char *s = p->lx.src;
        size_t i = p->lx.pos, n = p->lx.len;

        while (i < n) {
                if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n' ||
                    s[i] == '\f' || s[i] == '\v') {
                        i++;
                } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
                        while (i < n && s[i] != '\n')
                                i++;
                } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
                        i += 2;
                        while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
                                i++;
                        i += 2;
                } else {
                        return (unsigned char) s[i];
                }
        }
        return -1;
}

/* Skip to the ']' of a qualifier list, or to where a declaration or
 * member starts again (a list that never closed). */
static void recover_qualifier_list(struct parser *p)
{
        unsigned parens = 0;

        p->recovering = true;
        while (!at(p, MOF_TOK_EOF) && !p->fatal) {
                if (parens == 0 && at(p, MOF_TOK_RBRACKET)) {
                        next(p);
                        break;
                }
                /* A '}' followed by ']', ',' or ')' is inside the list (the
                 * end of an array value, or `[Description ("..." }]`), not
                 * the end of the class, which only ';' follows */
                if (at(p, MOF_TOK_RBRACE) && (peek_char(p) == ']' || peek_char(p) == ',' ||
                                              peek_char(p) == ')')) {
                        next(p);
                        continue;
                }
                if (at(p, MOF_TOK_PRAGMA) || at_kw(p, "class") || at_kw(p, "instance") ||
                    at(p, MOF_TOK_LBRACE) || at(p, MOF_TOK_SEMICOLON) || at(p, MOF_TOK_RBRACE))
                        break;
                if (at(p, MOF_TOK_LPAREN))
                        parens++;
                else if (at(p, MOF_TOK_RPAREN) && parens)
                        parens--;
                next(p);
        }
}

/* qualifierList: '[' qualifier *(',' qualifier) ']'.  Returns -EINVAL
 * after reporting a problem, having skipped past the list. */
static int parse_qualifier_list(struct parser *p, struct mof_qualifier_list *list)
{
        int r;

        if ((r = next(p)) < 0)
                goto recover;
        if (at(p, MOF_TOK_RBRACKET)) {
                struct mof_pos here = pos_here(p);

                mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_SYNTAX, &here,
                              "empty qualifier list: '[' ']' needs at least one qualifier");
                next(p);
                return -EINVAL;
        }
        for (;;) {
                if ((r = parse_qualifier(p, list)) < 0)
                        goto recover;
                if (at(p, MOF_TOK_COMMA)) {
                        if ((r = next(p)) < 0)
                                goto recover;
                        continue;
                }
                if (at(p, MOF_TOK_RBRACKET))
                        return next(p);
                if (at(p, MOF_TOK_IDENT) && !at_kw(p, "class") && !at_kw(p, "instance")) {
                        /* `[read] Description("...")`: a qualifier after a missing ',' */
                        error_missing(p, "','", "the qualifier");
                } else {
                        error_expected(p, "',' or ']' in the qualifier list");
                }
                goto recover;
        }
recover:
        if (p->fatal)
                return p->fatal;
        recover_qualifier_list(p);
        return -EINVAL;
}

/* ---- class members ----------------------------------------------------- */

/* Skip to the end of a member: its ';' or the '}' closing the class. */
static void recover_member(struct parser *p)
{
        unsigned braces = 0;

        p->recovering = true;
        while (!at(p, MOF_TOK_EOF) && !p->fatal) {
                if (at(p, MOF_TOK_SEMICOLON) && braces == 0) {
                        next(p);
                        return;
                }
                if (at(p, MOF_TOK_RBRACE)) {
                        if (braces == 0)
                                return;
                        braces--;
                } else if (at(p, MOF_TOK_LBRACE)) {
                        braces++;
                } else if (braces == 0 && at_declaration_start(p)) {
                        return;
                }
                next(p);
        }
}

/* '[' [integer] ']' after a name */
static int parse_array_suffix(struct parser *p, bool *is_array, uint32_t *size)
{
        int r;

        *is_array = true;
        if ((r = next(p)) < 0)
                return r;
        if (at(p, MOF_TOK_INTEGER)) {
                if (p->tok.u.integer == 0 || p->tok.u.integer > UINT32_MAX || p->tok.overflow)
                        return error_expected(p, "an array size from 1 to 4294967295");
                *size = (uint32_t) p->tok.u.integer;
                if ((r = next(p)) < 0)
                        return r;
        }
        return expect(p, MOF_TOK_RBRACKET, "']' closing the array size");
}

static int parse_type(struct parser *p, struct mof_feature *f)
{
        int r;

        if (!at(p, MOF_TOK_IDENT))
                return error_expected(p, "a type");
        f->type_pos = pos_here(p);
        f->type_name = owmi_strdup(p->tok.text);
        if (!f->type_name)
                return p->fatal = -ENOMEM;
        if ((r = next(p)) < 0)
                return r;
        if (at_kw(p, "REF")) {
                f->is_ref = true;
                return next(p);
        }
        return 0;
}

/* parameter: [qualifierList] dataType|objectRef name [array] [= default] */
static int parse_parameter(struct parser *p, struct mof_feature *m)
{
        struct mof_feature *f;
        int r;

        if (OWMI_GROW(m->params, m->param_alloc, m->param_count + 1) < 0)
                return p->fatal = -ENOMEM;
        f = &m->params[m->param_count++];
        memset(f, 0, sizeof(*f));
        f->pos = pos_here(p);
        if (at(p, MOF_TOK_LBRACKET) && (r = parse_qualifier_list(p, &f->qualifiers)) < 0)
                return r;
        if ((r = parse_type(p, f)) < 0)
                return r;
        if (!at(p, MOF_TOK_IDENT))
                return error_expected(p, "a parameter name");
        f->pos = pos_here(p);
        f->name = owmi_strdup(p->tok.text);
        if (!f->name)
                return p->fatal = -ENOMEM;
        if ((r = next(p)) < 0)
                return r;
        if (at(p, MOF_TOK_LBRACKET) && (r = parse_array_suffix(p, &f->is_array, &f->array_size)) < 0)
                return r;
        if (at(p, MOF_TOK_EQUALS)) {
                if ((r = next(p)) < 0)
                        return r;
                if ((r = parse_value(p, &f->default_value)) < 0)
                        return r;
        }
        return 0;
}

/* classFeature: [qualifierList] (property | reference | method) ';' */
static int parse_feature(struct parser *p, struct mof_decl *d)
{
        struct mof_feature *f;
        int r;

        if (OWMI_GROW(d->features, d->feature_alloc, d->feature_count + 1) < 0)
                return p->fatal = -ENOMEM;
        f = &d->features[d->feature_count++];
        memset(f, 0, sizeof(*f));
        f->pos = pos_here(p);
        if (at(p, MOF_TOK_LBRACKET) && (r = parse_qualifier_list(p, &f->qualifiers)) < 0) {
                if (p->fatal)
                        return p->fatal;
                /* the list was skipped; the member itself may still parse */
                d->syntax_error = true;
                p->recovering = false;
        }
        if ((r = parse_type(p, f)) < 0)
                return r;
        if (!at(p, MOF_TOK_IDENT))
                return error_expected(p, f->is_ref ? "a reference name" :
                                      "a property or method name");
        f->pos = pos_here(p);
        f->name = owmi_strdup(p->tok.text);
        if (!f->name)
                return p->fatal = -ENOMEM;
        if ((r = next(p)) < 0)
                return r;
        if (at(p, MOF_TOK_LPAREN)) {
                f->is_method = true;
                if ((r = next(p)) < 0)
                        return r;
                while (!at(p, MOF_TOK_RPAREN)) {
                        if ((r = parse_parameter(p, f)) < 0)
                                return r;
                        if (at(p, MOF_TOK_COMMA)) {
                                if ((r = next(p)) < 0)
                                        return r;
                                continue;
                        }
                        if (!at(p, MOF_TOK_RPAREN))
                                return error_expected(p, "',' or ')' in the parameter list");
                }
                if ((r = next(p)) < 0)
                        return r;
        } else {
                /* a '[' on a later line starts the next member: this one lacks its ';' */
                if (at(p, MOF_TOK_LBRACKET) && p->tok.line > p->prev_end_line) {
                        error_missing(p, "';'", "the property");
                        return -EAGAIN;
                }
                if (at(p, MOF_TOK_LBRACKET) &&
                    (r = parse_array_suffix(p, &f->is_array, &f->array_size)) < 0)
                        return r;
                if (at(p, MOF_TOK_EQUALS)) {
                        if ((r = next(p)) < 0)
                                return r;
                        if ((r = parse_value(p, &f->default_value)) < 0)
                                return r;
                }
        }
        if (!at(p, MOF_TOK_SEMICOLON)) {
                if (at(p, MOF_TOK_LBRACKET) || at(p, MOF_TOK_IDENT) || at(p, MOF_TOK_RBRACE)) {
                        error_missing(p, "';'", f->is_method ? "the method" : "the property");
                        /* the next member or the end of the class follows: go on there */
                        if (p->tok.line > p->prev_end_line || at(p, MOF_TOK_RBRACE))
                                return -EAGAIN;
                } else {
                        error_expected(p, "';'");
                }
                return -EINVAL;
        }
        return next(p);
}

/* ---- declarations ------------------------------------------------------ */

static void decl_init(struct parser *p, struct mof_decl *d)
{
        memset(d, 0, sizeof(*d));
        d->pos = pos_here(p);
        d->class_flags = p->unit->class_flags;
}

static struct mof_decl *decl_add(struct parser *p)
{
        struct mof_decl_list *list = &p->unit->decls;
        struct mof_decl *d;

        if (OWMI_GROW(list->items, list->alloc, list->count + 1) < 0) {
                p->fatal = -ENOMEM;
                return NULL;
        }
        d = &list->items[list->count++];
        decl_init(p, d);
        d->namespace = owmi_strdup(p->unit->namespace);
        if (!d->namespace) {
                p->fatal = -ENOMEM;
                return NULL;
        }
        return d;
}

static int take_name(struct parser *p, char **dst, struct mof_pos *pos, const char *what)
{
        if (!at(p, MOF_TOK_IDENT))
                return error_expected(p, what);
        *pos = pos_here(p);
        *dst = owmi_strdup(p->tok.text);
        if (!*dst)
                return p->fatal = -ENOMEM;
        return next(p);
}

/* The ';' after a closing '}'.  Missing, it is reported right after the
 * '}' and parsing goes on: the declaration itself was complete. */
static int expect_final_semicolon(struct parser *p, struct mof_decl *d)
{
        if (at(p, MOF_TOK_SEMICOLON))
                return next(p);
        error_missing(p, "';'", "'}'");
        d->syntax_error = true;
        p->recovering = false;
        return -EINVAL;
}

/* classDeclaration: [qualifierList] CLASS className [superClass]
 *                   '{' *classFeature '}' ';' */
static int parse_class(struct parser *p, struct mof_decl *d)
{
        int r;

        if ((r = next(p)) < 0) /* 'class' */
                return r;
        if ((r = take_name(p, &d->name, &d->name_pos, "a class name")) < 0)
                return r;
        if (at(p, MOF_TOK_COLON)) {
                if ((r = next(p)) < 0)
                        return r;
                if ((r = take_name(p, &d->superclass, &d->super_pos, "a superclass name")) < 0)
                        return r;
        }
        if (!at(p, MOF_TOK_LBRACE)) {
                /* `class A : B 1542 {`: report, then still read the body */
                error_expected(p, "'{' to start the class body");
                d->syntax_error = true;
                while (!at(p, MOF_TOK_LBRACE) && !at(p, MOF_TOK_EOF) && !at(p, MOF_TOK_SEMICOLON) &&
                       !at(p, MOF_TOK_RBRACE) && !at_declaration_start(p) && !p->fatal)
                        next(p);
                if (!at(p, MOF_TOK_LBRACE))
                        return -EINVAL;
                p->recovering = false;
        }
        if ((r = next(p)) < 0)
                return r;
        while (!at(p, MOF_TOK_RBRACE)) {
                if (at(p, MOF_TOK_EOF))
                        return error_expected(p, "'}' closing the class");
                if (at_declaration_start(p) && !at(p, MOF_TOK_IDENT))
                        return error_expected(p, "'}' closing the class");
                r = parse_feature(p, d);
                if (r < 0) {
                        if (p->fatal)
                                return p->fatal;
                        d->syntax_error = true;
                        if (r != -EAGAIN)
                                recover_member(p);
                        if (at(p, MOF_TOK_EOF))
                                return -EINVAL; /* already reported */
                        p->recovering = false;
                }
        }
        if ((r = next(p)) < 0)
                return r;
        return expect_final_semicolon(p, d);
}

/* instanceDeclaration: [qualifierList] INSTANCE OF className [alias]
 *                      '{' *valueInitializer '}' ';'   (the ';' is left to the caller) */
static int parse_instance_body(struct parser *p, struct mof_decl *d)
{
        int r;

        if ((r = next(p)) < 0) /* 'instance' */
                return r;
        if (!at_kw(p, "of"))
                return error_expected(p, "'of' after 'instance'");
        if ((r = next(p)) < 0)
                return r;
        if ((r = take_name(p, &d->name, &d->name_pos, "a class name")) < 0)
                return r;
        if (at_kw(p, "as")) {
                if ((r = next(p)) < 0)
                        return r;
                if (!at(p, MOF_TOK_ALIAS))
                        return error_expected(p, "an alias ($name) after 'as'");
                d->alias = owmi_strdup(p->tok.text);
                if (!d->alias)
                        return p->fatal = -ENOMEM;
                if ((r = next(p)) < 0)
                        return r;
        }
        if ((r = expect(p, MOF_TOK_LBRACE, "'{' to start the instance body")) < 0)
                return r;
        while (!at(p, MOF_TOK_RBRACE)) {
                struct mof_assignment *a;

                if (OWMI_GROW(d->assignments, d->assignment_alloc, d->assignment_count + 1) < 0)
                        return p->fatal = -ENOMEM;
                a = &d->assignments[d->assignment_count++];
                memset(a, 0, sizeof(*a));
                if (at(p, MOF_TOK_LBRACKET) && (r = parse_qualifier_list(p, &a->qualifiers)) < 0)
                        return r;
                if ((r = take_name(p, &a->name, &a->pos, "a property name or '}'")) < 0)
                        return r;
                if (at(p, MOF_TOK_SEMICOLON) && a->qualifiers.count) {
                        /* OMI: `[Qualifier] Name;` qualifies the property
                         * without a value; the compiler decides (strict mode
                         * refuses it) */
                        if ((r = next(p)) < 0)
                                return r;
                        continue;
                }
                if ((r = expect(p, MOF_TOK_EQUALS, "'=' after the property name")) < 0)
                        return r;
                if ((r = parse_value(p, &a->value)) < 0)
                        return r;
                if (!at(p, MOF_TOK_SEMICOLON)) {
                        bool multiline = p->prev_multiline;

                        r = error_missing(p, "';'", "the property value");
                        /* the next assignment (or the '}') on a later line: the
                         * body goes on there, so one missing ';' is one error */
                        if (!multiline && !p->fatal && p->tok.line > p->prev_end_line &&
                            (at(p, MOF_TOK_IDENT) || at(p, MOF_TOK_LBRACKET) ||
                             at(p, MOF_TOK_RBRACE)) && !at_declaration_start(p)) {
                                d->syntax_error = true;
                                p->recovering = false;
                                continue;
                        }
                        return r;
                }
                if ((r = next(p)) < 0)
                        return r;
        }
        return next(p);
}

static int parse_name_list(struct parser *p, uint32_t *ret, bool scope)
{
        static const struct {
                const char *name;
                uint32_t bit;
        } scopes[] = {
                { "class", CIM_SCOPE_CLASS }, { "association", CIM_SCOPE_ASSOCIATION },
                { "indication", CIM_SCOPE_INDICATION }, { "property", CIM_SCOPE_PROPERTY },
                { "reference", CIM_SCOPE_REFERENCE }, { "method", CIM_SCOPE_METHOD },
                { "parameter", CIM_SCOPE_PARAMETER }, { "qualifier", CIM_SCOPE_QUALIFIER },
                { "instance", CIM_SCOPE_INSTANCE }, { "any", CIM_SCOPE_ANY },
        };
        int r;

        if ((r = expect(p, MOF_TOK_LPAREN, "'('")) < 0)
                return r;
        for (;;) {
                uint32_t bit = 0;

                if (scope) {
                        for (size_t i = 0; i < ELEMENTSOF(scopes); i++)
                                if (at_kw(p, scopes[i].name))
                                        bit = scopes[i].bit;
                } else {
                        bit = flavor_from_token(p);
                }
                if (!bit)
                        return error_expected(p, scope ? "a scope (class, association, indication,"
                                              " property, reference, method, parameter, any)"
                                              : "a flavor");
                *ret |= bit;
                if ((r = next(p)) < 0)
                        return r;
                if (at(p, MOF_TOK_COMMA)) {
                        if ((r = next(p)) < 0)
                                return r;
                        continue;
                }
                return expect(p, MOF_TOK_RPAREN, "')' or ','");
        }
}

/* qualifierDeclaration: QUALIFIER name ':' dataType [array] [defaultValue]
 *                       ',' scope [',' flavor] ';' */
static int parse_qualifier_decl(struct parser *p, struct mof_decl *d)
{
        struct cim_qualifier_decl *q = &d->qdecl;
        struct mof_value def = { 0 };
        int r;

        d->kind = MOF_DECL_QUALIFIER;
        if ((r = next(p)) < 0)
                return r;
        if ((r = take_name(p, &d->name, &d->name_pos, "a qualifier name")) < 0)
                return r;
        if ((r = expect(p, MOF_TOK_COLON, "':' and the qualifier type")) < 0)
                return r;
        if (!at(p, MOF_TOK_IDENT) || cim_type_from_name(p->tok.text) == _CIM_TYPE_INVALID)
                return error_expected(p, "a qualifier type (boolean, string, uint32, ...)");
        q->type = cim_type_from_name(p->tok.text);
        if ((r = next(p)) < 0)
                return r;
        if (at(p, MOF_TOK_LBRACKET) && (r = parse_array_suffix(p, &q->is_array, &q->array_size)) < 0)
                return r;
        cim_value_init_null(&q->default_value, CIM_TYPE_NONE, false);
        if (at(p, MOF_TOK_EQUALS)) {
                if ((r = next(p)) < 0)
                        return r;
                r = parse_value(p, &def);
                if (r >= 0 && def.embedded) {
                        p->recovering = true;
                        r = mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_QUALIFIER_TYPE, &def.pos,
                                          "a qualifier default cannot be an instance");
                }
                if (r < 0) {
                        mof_value_release(&def);
                        return r;
                }
                d->default_pos = def.pos;
                q->default_value = def.value;
        }
        while (at(p, MOF_TOK_COMMA) || at_kw(p, "scope") || at_kw(p, "flavor")) {
                if (at(p, MOF_TOK_COMMA) && (r = next(p)) < 0)
                        return r;
                if (at_kw(p, "scope")) {
                        if ((r = next(p)) < 0 || (r = parse_name_list(p, &q->scope, true)) < 0)
                                return r;
                } else if (at_kw(p, "flavor")) {
                        if ((r = next(p)) < 0 || (r = parse_name_list(p, &q->flavor, false)) < 0)
                                return r;
                } else {
                        return error_expected(p, "'Scope(...)' or 'Flavor(...)'");
                }
        }
        if (!q->scope) {
                struct mof_pos here = pos_here(p);

                p->recovering = true;
                return mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_SYNTAX, &here,
                                     "qualifier declaration '%s' needs a Scope(...)", d->name);
        }
        if (!at(p, MOF_TOK_SEMICOLON))
                return error_missing(p, "';'", "the qualifier declaration");
        return next(p);
}

static int pragma_string_arg(struct parser *p, char **ret)
{
        struct mof_value v = { 0 };
        int r;

        if ((r = expect(p, MOF_TOK_LPAREN, "'(' after the pragma name")) < 0)
                return r;
        if (!at(p, MOF_TOK_STRING))
                return error_expected(p, "a string argument");
        if ((r = parse_value(p, &v)) < 0) {
                cim_value_release(&v.value);
                return r;
        }
        *ret = v.value.v.string;
        return 0;
}

static char *resolve_include(struct parser *p, const char *name);

/* compilerDirective: PRAGMA pragmaName '(' pragmaParameter ')' */
static int parse_pragma(struct parser *p)
{
        struct mof_pos start = pos_here(p);
        char *name = NULL, *arg = NULL;
        int r;

        if ((r = next(p)) < 0)
                return r;
        if (!at(p, MOF_TOK_IDENT))
                return error_expected(p, "a pragma name");
        name = owmi_strdup(p->tok.text);
        if (!name)
                return p->fatal = -ENOMEM;
        if ((r = next(p)) < 0)
                goto out;
        if (owmi_strcasecmp(name, "autorecover") == 0) {
                /* WMI re-runs such files after a repository rebuild; our
                 * repository is never rebuilt behind the user's back. */
                r = 0;
                goto out;
        }
        if (!at(p, MOF_TOK_LPAREN)) {
                r = error_expected(p, "'(' after the pragma name");
                goto out;
        }
        if (owmi_strcasecmp(name, "include") == 0) {
                char *path;

                if ((r = pragma_string_arg(p, &arg)) < 0)
                        goto out;
                if ((r = expect(p, MOF_TOK_RPAREN, "')' closing the pragma")) < 0)
                        goto out;
                if (p->unit->opts && p->unit->opts->disable_includes) {
                        r = mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_ACCESS_DENIED, &start,
                                          "#pragma include is not allowed here");
                        goto out;
                }
                path = resolve_include(p, arg);
                if (!path) {
                        r = p->fatal ? p->fatal :
                            mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_NOT_FOUND, &start,
                                          "included file '%s' not found", arg);
                        goto out;
                }
                r = mof_parse_file(p->unit, path, &start);
                owmi_free(path);
                if (r == -ENOMEM)
                        p->fatal = r;
                r = r == -ENOMEM ? r : 0;
        } else if (owmi_strcasecmp(name, "namespace") == 0) {
                char *ns;

                if ((r = pragma_string_arg(p, &arg)) < 0)
                        goto out;
                if ((r = expect(p, MOF_TOK_RPAREN, "')' closing the pragma")) < 0)
                        goto out;
                r = mof_namespace_normalize(arg, p->unit->namespace, &ns);
                if (r == -ENOMEM) {
                        p->fatal = r;
                        goto out;
                }
                if (r < 0) {
                        r = mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_NAMESPACE, &start,
                                          "'%s' is not a namespace name", arg);
                        goto out;
                }
                owmi_free(p->unit->namespace);
                p->unit->namespace = ns;
        } else if (owmi_strcasecmp(name, "classflags") == 0) {
                unsigned flags = 0;

                if ((r = next(p)) < 0)
                        goto out;
                for (;;) {
                        if (at(p, MOF_TOK_STRING)) {
                                const char *f = p->tok.text;

                                if (owmi_strcasecmp(f, "forceupdate") == 0)
                                        flags |= MOF_CLASS_FORCE_UPDATE;
                                else if (owmi_strcasecmp(f, "updateonly") == 0)
                                        flags |= MOF_CLASS_UPDATE_ONLY;
                                else if (owmi_strcasecmp(f, "createonly") == 0)
                                        flags |= MOF_CLASS_CREATE_ONLY;
                                else if (owmi_strcasecmp(f, "safeupdate") == 0)
                                        flags |= MOF_CLASS_SAFE_UPDATE;
                                else {
                                        struct mof_pos here = pos_here(p);

                                        r = mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_PARAMETER,
                                                          &here, "unknown class flag '%s'", f);
                                        goto out;
                                }
                        } else if (at(p, MOF_TOK_INTEGER)) {
                                flags |= (unsigned) p->tok.u.integer & 0xf;
                        } else {
                                r = error_expected(p, "a class flag string");
                                goto out;
                        }
                        if ((r = next(p)) < 0)
                                goto out;
                        if (!at(p, MOF_TOK_COMMA))
                                break;
                        if ((r = next(p)) < 0)
                                goto out;
                }
                if ((r = expect(p, MOF_TOK_RPAREN, "')' closing the pragma")) < 0)
                        goto out;
                if ((flags & MOF_CLASS_CREATE_ONLY) && (flags & MOF_CLASS_UPDATE_ONLY)) {
                        r = mof_unit_diag(p->unit, MOF_ERROR, OWMI_E_INVALID_PARAMETER, &start,
                                          "class flags createonly and updateonly exclude each other");
                        goto out;
                }
                p->unit->class_flags = flags;
        } else if (owmi_strcasecmp(name, "deleteclass") == 0) {
                struct mof_decl *d;

                if ((r = pragma_string_arg(p, &arg)) < 0)
                        goto out;
                d = decl_add(p);
                if (!d) {
                        r = p->fatal;
                        goto out;
                }
                d->kind = MOF_DECL_DELETE_CLASS;
                d->pos = start;
                d->name_pos = start;
                d->name = arg;
                arg = NULL;
                d->delete_fail = true;
                if (at(p, MOF_TOK_COMMA)) {
                        if ((r = next(p)) < 0)
                                goto out;
                        if (at_kw(p, "NOFAIL"))
                                d->delete_fail = false;
                        else if (!at_kw(p, "FAIL")) {
                                r = error_expected(p, "FAIL or NOFAIL");
                                goto out;
                        }
                        if ((r = next(p)) < 0)
                                goto out;
                }
                r = expect(p, MOF_TOK_RPAREN, "')' closing the pragma");
        } else {
                /* locale, instancelocale, source, nonlocal...: no effect here */
                unsigned parens = 0;

                if (owmi_strcasecmp(name, "locale") && owmi_strcasecmp(name, "instancelocale") &&
                    owmi_strcasecmp(name, "source") && owmi_strcasecmp(name, "nonlocal") &&
                    owmi_strcasecmp(name, "nonlocaltype") && owmi_strcasecmp(name, "comment"))
                        mof_unit_diag(p->unit, MOF_WARNING, OWMI_S_NO_ERROR, &start,
                                      "unknown pragma '%s' ignored", name);
                do {
                        if (at(p, MOF_TOK_LPAREN))
                                parens++;
                        else if (at(p, MOF_TOK_RPAREN))
                                parens--;
                        if ((r = next(p)) < 0)
                                goto out;
                } while (parens && !at(p, MOF_TOK_EOF));
                if (parens)
                        r = error_expected(p, "')' closing the pragma");
        }
        /* DSP0221 has no ';' after a pragma, some files write one anyway */
        if (r >= 0 && at(p, MOF_TOK_SEMICOLON))
                r = next(p);
out:
        owmi_free(name);
        owmi_free(arg);
        return r;
}

/* Skip the rest of a broken top-level declaration. */
static void recover_declaration(struct parser *p)
{
        unsigned braces = 0;

        p->recovering = true;
        while (!at(p, MOF_TOK_EOF) && !p->fatal) {
                if (braces == 0 && at(p, MOF_TOK_SEMICOLON)) {
                        next(p);
                        break;
                }
                if (at(p, MOF_TOK_LBRACE)) {
                        braces++;
                } else if (at(p, MOF_TOK_RBRACE) && braces) {
                        if (--braces == 0) {
                                next(p);
                                if (at(p, MOF_TOK_SEMICOLON))
                                        next(p);
                                break;
                        }
                } else if (braces == 0 && at_declaration_start(p)) {
                        break;
                }
                next(p);
        }
        p->recovering = false;
}

static int parse_declaration(struct parser *p)
{
        struct mof_decl *d;
        int r;

        if (at(p, MOF_TOK_PRAGMA))
                return parse_pragma(p);
        d = decl_add(p);
        if (!d)
                return p->fatal;
        if (at_kw(p, "qualifier"))
                return parse_qualifier_decl(p, d);
        if (at(p, MOF_TOK_LBRACKET) && parse_qualifier_list(p, &d->qualifiers) < 0) {
                if (p->fatal)
                        return p->fatal;
                d->syntax_error = true;
                p->recovering = false;
        }
        if (at_kw(p, "class") || at_kw(p, "association") || at_kw(p, "indication")) {
                d->kind = MOF_DECL_CLASS;
                if (!at_kw(p, "class")) {
                        /* DSP0221 3.0 keywords: the qualifier they stand for */
                        struct mof_qualifier *q;

                        if (OWMI_GROW(d->qualifiers.items, d->qualifiers.alloc,
                                      d->qualifiers.count + 1) < 0)
                                return p->fatal = -ENOMEM;
                        q = &d->qualifiers.items[d->qualifiers.count++];
                        memset(q, 0, sizeof(*q));
                        q->pos = pos_here(p);
                        q->name = owmi_strdup(at_kw(p, "association") ? "Association" : "Indication");
                        if (!q->name)
                                return p->fatal = -ENOMEM;
                }
                r = parse_class(p, d);
                return r < 0 ? r : (d->syntax_error ? -EINVAL : 0);
        }
        if (at_kw(p, "instance")) {
                d->kind = MOF_DECL_INSTANCE;
                if ((r = parse_instance_body(p, d)) < 0)
                        return r;
                r = expect_final_semicolon(p, d);
                return r < 0 ? r : (d->syntax_error ? -EINVAL : 0);
        }
        d->kind = MOF_DECL_CLASS;
        return error_expected(p, "'class', 'instance', 'qualifier' or '#pragma'");
}

int mof_parse_text(struct mof_unit *u, const char *file, const char *text, size_t len)
{
        struct parser p = { 0 };
        char *slash;
        int r = 0;

        p.unit = u;
        p.file = mof_unit_intern_file(u, file);
        if (!p.file)
                return -ENOMEM;
        p.dir = owmi_strdup(file);
        if (!p.dir)
                return -ENOMEM;
        slash = strrchr((char *) p.dir, '/');
        if (slash)
                slash[1] = '\0';
        else
                ((char *) p.dir)[0] = '\0';
        mof_lexer_init(&p.lx, text, len);
        next(&p);
        while (!at(&p, MOF_TOK_EOF) && !p.fatal && !u->stopped) {
                size_t before = u->decls.count;

                if (parse_declaration(&p) < 0 && !p.fatal) {
                        if (u->decls.count > before)
                                u->decls.items[u->decls.count - 1].syntax_error = true;
                        if (p.recovering)
                                recover_declaration(&p);
                }
                p.recovering = false;
        }
        r = p.fatal;
        mof_lexer_release(&p.lx);
        owmi_free((char *) p.dir);
        return r;
}

/* ---- files and includes ------------------------------------------------ */

static char *join_path(const char *dir, const char *name)
{
        size_t dl = strlen(dir), nl = strlen(name);
        char *s = owmi_malloc(dl + nl + 2);

        if (!s)
                return NULL;
        memcpy(s, dir, dl);
        if (dl && dir[dl - 1] != '/')
                s[dl++] = '/';
        memcpy(s + dl, name, nl + 1);
        return s;
}

/* Find dir/rel, matching each path component case-insensitively when the
 * exact name is missing (MOF written on Windows). */
static char *find_case_insensitive(const char *dir, const char *rel)
{
        char *path = owmi_strdup(dir[0] ? dir : ".");
        const char *comp = rel;

        if (!path)
                return NULL;
        while (*comp) {
                const char *end = strchr(comp, '/');
                size_t n = end ? (size_t) (end - comp) : strlen(comp);
                char name[NAME_MAX + 1];
                char *candidate;
                struct stat st;
                DIR *dh;
                struct dirent *de;
                bool found = false;

                if (n == 0 || n > NAME_MAX) {
                        comp += n + (end ? 1 : 0);
                        if (n > NAME_MAX)
                                goto fail;
                        continue;
                }
                memcpy(name, comp, n);
                name[n] = '\0';
                candidate = join_path(path, name);
                if (!candidate)
                        goto fail;
                if (stat(candidate, &st) == 0) {
                        owmi_free(path);
                        path = candidate;
                        found = true;
                } else {
                        owmi_free(candidate);
                        dh = opendir(path);
                        while (dh && (de = readdir(dh))) {
                                if (owmi_strcasecmp(de->d_name, name) == 0) {
                                        candidate = join_path(path, de->d_name);
                                        if (!candidate)
                                                break;
                                        owmi_free(path);
                                        path = candidate;
                                        found = true;
                                        break;
                                }
                        }
                        if (dh)
                                closedir(dh);
                }
                if (!found)
                        goto fail;
                comp += n + (end ? 1 : 0);
        }
        return path;
fail:
        owmi_free(path);
        return NULL;
}

static char *resolve_include(struct parser *p, const char *name)
{
        const struct mof_options *o = p->unit->opts;
        char *rel = owmi_strdup(name), *found;

        if (!rel) {
                p->fatal = -ENOMEM;
                return NULL;
        }
        for (char *c = rel; *c; c++)
                if (*c == '\\')
                        *c = '/';
        if (rel[0] == '/') {
                found = find_case_insensitive("/", rel + 1);
                owmi_free(rel);
                return found;
        }
        found = find_case_insensitive(p->dir, rel);
        for (size_t i = 0; !found && o && i < o->include_dir_count; i++)
                found = find_case_insensitive(o->include_dirs[i], rel);
        owmi_free(rel);
        return found;
}

int mof_parse_file(struct mof_unit *u, const char *path, const struct mof_pos *included_from)
{
        struct mof_pos at = included_from ? *included_from : (struct mof_pos) { path, 0, 0 };
        unsigned char *data = NULL;
        char *text = NULL;
        size_t len = 0, text_len, bad = 0;
        struct stat st;
        int fd, r;

        if (u->include_depth >= MOF_MAX_INCLUDE_DEPTH)
                return mof_unit_diag(u, MOF_ERROR, OWMI_E_INVALID_PARAMETER, &at,
                                     "includes nested deeper than %d", MOF_MAX_INCLUDE_DEPTH);
        if (u->stats.files >= MOF_MAX_FILES)
                return mof_unit_diag(u, MOF_ERROR, OWMI_E_QUOTA_VIOLATION, &at,
                                     "more than %d files in one compile", MOF_MAX_FILES);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                int e = errno;

                if (fd >= 0)
                        close(fd);
                return mof_unit_diag(u, MOF_ERROR, OWMI_E_NOT_FOUND, &at, "cannot read '%s': %s",
                                     path, fd >= 0 && !e ? "not a regular file" : strerror(e));
        }
        if ((uint64_t) st.st_size > MOF_MAX_FILE_SIZE ||
            u->bytes_read + (uint64_t) st.st_size > MOF_MAX_UNIT_SIZE) {
                close(fd);
                return mof_unit_diag(u, MOF_ERROR, OWMI_E_QUOTA_VIOLATION, &at,
                                     "'%s' takes the compile over %u MiB", path,
                                     MOF_MAX_UNIT_SIZE >> 20);
        }
        /* a file that includes itself, directly or not, would never end */
        for (unsigned i = 0; i < u->include_depth; i++) {
                if (u->stack[i].dev == st.st_dev && u->stack[i].ino == st.st_ino) {
                        close(fd);
                        return mof_unit_diag(u, MOF_ERROR, OWMI_E_INVALID_PARAMETER, &at,
                                             "'%s' includes itself", path);
                }
        }
        u->bytes_read += (uint64_t) st.st_size;
        data = owmi_malloc((size_t) st.st_size + 1);
        if (!data) {
                close(fd);
                return -ENOMEM;
        }
        while (len < (size_t) st.st_size) {
                ssize_t n = read(fd, data + len, (size_t) st.st_size - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t) n;
        }
        close(fd);
        r = mof_source_decode(data, len, &text, &text_len, &bad);
        owmi_free(data);
        if (r == -EILSEQ) {
                struct mof_pos f = { mof_unit_intern_file(u, path), 0, 0 };

                return mof_unit_diag(u, MOF_ERROR, OWMI_E_INVALID_SYNTAX, &f,
                                     "invalid text at byte offset %zu (bad UTF-8, a NUL "
                                     "character, or half a UTF-16 unit)", bad);
        }
        if (r < 0)
                return r;
        u->stats.files++;
        u->stack[u->include_depth].dev = st.st_dev;
        u->stack[u->include_depth].ino = st.st_ino;
        u->include_depth++;
        r = mof_parse_text(u, path, text, text_len);
        u->include_depth--;
        owmi_free(text);
        return r;
}

/* ---- the unit ---------------------------------------------------------- */

int mof_unit_init(struct mof_unit *u, const struct mof_options *opts, struct mof_diag_list *diags)
{
        memset(u, 0, sizeof(*u));
        u->opts = opts;
        u->diags = diags;
        u->max_errors = opts && opts->max_errors ? opts->max_errors : 100;
        u->class_flags = opts ? opts->class_flags : 0;
        return mof_namespace_normalize(opts && opts->namespace ? opts->namespace : "root/cimv2",
                                       NULL, &u->namespace);
}

void mof_unit_release(struct mof_unit *u)
{
        mof_decl_list_release(&u->decls);
        for (size_t i = 0; i < u->file_count; i++)
                owmi_free(u->files[i]);
        owmi_free(u->files);
        hashmap_release(&u->file_names);
        owmi_free(u->namespace);
        memset(u, 0, sizeof(*u));
}

const char *mof_unit_intern_file(struct mof_unit *u, const char *name)
{
        char *interned = hashmap_get(&u->file_names, name);

        /* the map is case-insensitive; file names are not */
        if (interned && strcmp(interned, name) == 0)
                return interned;
        if (OWMI_GROW(u->files, u->file_alloc, u->file_count + 1) < 0)
                return NULL;
        interned = owmi_strdup(name);
        if (!interned)
                return NULL;
        u->files[u->file_count++] = interned;
        if (hashmap_put(&u->file_names, name, interned) < 0)
                return NULL;
        return interned;
}

int mof_unit_diag(struct mof_unit *u, enum mof_severity sev, uint32_t code,
                  const struct mof_pos *pos, const char *fmt, ...)
{
        struct mof_diag_list *list = u->diags;
        struct mof_diag *d;
        va_list ap;
        char *msg;

        if (sev == MOF_ERROR) {
                if (u->errors >= u->max_errors) {
                        u->stopped = true;
                        return -EINVAL;
                }
                u->errors++;
        }
        if (!list)
                return sev == MOF_ERROR ? -EINVAL : 0;
        if (OWMI_GROW(list->items, list->alloc, list->count + 1) < 0)
                return -ENOMEM;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (!msg)
                return -ENOMEM;
        d = &list->items[list->count];
        d->severity = sev;
        d->code = sev == MOF_ERROR ? code : OWMI_S_NO_ERROR;
        d->file = owmi_strdup(pos && pos->file ? pos->file : "");
        d->line = pos ? pos->line : 0;
        d->column = pos ? pos->column : 0;
        d->message = owmi_strdup(msg);
        free(msg);
        if (!d->file || !d->message) {
                owmi_free(d->file);
                owmi_free(d->message);
                return -ENOMEM;
        }
        list->count++;
        if (sev == MOF_ERROR)
                list->errors++;
        else
                list->warnings++;
        return sev == MOF_ERROR ? -EINVAL : 0;
}

int mof_namespace_normalize(const char *text, const char *current, char **ret)
{
        struct strbuf sb = STRBUF_INIT;
        const char *s = text;
        bool absolute = false;

        /* \\server\ or //server/ prefix: only the local machine is ours */
        if ((s[0] == '\\' || s[0] == '/') && (s[1] == '\\' || s[1] == '/')) {
                s += 2;
                while (*s && *s != '\\' && *s != '/')
                        s++;
                if (!*s)
                        return -EINVAL;
                s++;
                absolute = true;
        } else if (s[0] == '\\' || s[0] == '/') {
                s++;
                absolute = true;
        } else if (owmi_strncasecmp(s, "root", 4) == 0 && (s[4] == '\0' || s[4] == '\\' || s[4] == '/')) {
                absolute = true;
        }
        if (!absolute && current) {
                strbuf_addstr(&sb, current);
                strbuf_addch(&sb, '/');
        }
        for (; *s; s++) {
                char c = *s == '\\' ? '/' : *s;

                if (c == '/' && (sb.len == 0 || sb.buf[sb.len - 1] == '/'))
                        continue; /* collapse separators */
                if (c != '/' && c != '_' && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
                    !(c >= 'A' && c <= 'Z') && (unsigned char) c < 0x80) {
                        strbuf_release(&sb);
                        return -EINVAL;
                }
                strbuf_addch(&sb, c);
        }
        while (sb.len && sb.buf[sb.len - 1] == '/')
                sb.buf[--sb.len] = '\0';
        if (strbuf_error(&sb) < 0 || sb.len == 0) {
                int r = strbuf_error(&sb) < 0 ? -ENOMEM : -EINVAL;

                strbuf_release(&sb);
                return r;
        }
        *ret = strbuf_detach(&sb);
        return 0;
}

/* ---- AST lifetime ------------------------------------------------------ */

static void mof_value_release(struct mof_value *v)
{
        cim_value_release(&v->value);
        if (v->embedded) {
                mof_decl_release(v->embedded);
                owmi_free(v->embedded);
                v->embedded = NULL;
        }
}

void mof_qualifier_list_release(struct mof_qualifier_list *list)
{
        for (size_t i = 0; i < list->count; i++) {
                owmi_free(list->items[i].name);
                mof_value_release(&list->items[i].value);
        }
        owmi_free(list->items);
        memset(list, 0, sizeof(*list));
}

void mof_feature_release(struct mof_feature *f)
{
        mof_qualifier_list_release(&f->qualifiers);
        owmi_free(f->type_name);
        owmi_free(f->name);
        mof_value_release(&f->default_value);
        for (size_t i = 0; i < f->param_count; i++)
                mof_feature_release(&f->params[i]);
        owmi_free(f->params);
        memset(f, 0, sizeof(*f));
}

void mof_decl_release(struct mof_decl *d)
{
        owmi_free(d->namespace);
        mof_qualifier_list_release(&d->qualifiers);
        owmi_free(d->name);
        owmi_free(d->superclass);
        for (size_t i = 0; i < d->feature_count; i++)
                mof_feature_release(&d->features[i]);
        owmi_free(d->features);
        owmi_free(d->alias);
        for (size_t i = 0; i < d->assignment_count; i++) {
                owmi_free(d->assignments[i].name);
                mof_qualifier_list_release(&d->assignments[i].qualifiers);
                mof_value_release(&d->assignments[i].value);
        }
        owmi_free(d->assignments);
        cim_qualifier_decl_release(&d->qdecl);
        cim_object_free(d->compiled);
        memset(d, 0, sizeof(*d));
}

void mof_decl_list_release(struct mof_decl_list *list)
{
        for (size_t i = 0; i < list->count; i++)
                mof_decl_release(&list->items[i]);
        owmi_free(list->items);
        memset(list, 0, sizeof(*list));
}
