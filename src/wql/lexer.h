/* SPDX-License-Identifier: MIT */
/*
 * lexer.h: WQL tokens (research/wmi-semantics.md section 1), internal to
 * src/wql.  The lexer knows words, literals and operators; which words are
 * keywords where is the parser's business, so every word is an IDENT
 * token that also says which keyword it spells, if any.
 *
 * Columns are 1-based byte offsets into the whole query text (a query is
 * one line as far as the API is concerned, even if it was typed on many).
 */
#ifndef OWMI_WQL_LEXER_H
#define OWMI_WQL_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

enum wql_token_kind {
        WQL_TOK_END,
        WQL_TOK_IDENT,       /* letter or '_', then letters, digits, '_' */
        WQL_TOK_STRING,      /* '...' or "..."; value in wql_lexer.buf */
        WQL_TOK_INTEGER,     /* decimal or 0x hex, optional sign */
        WQL_TOK_REAL,        /* digits with '.' or an exponent */
        WQL_TOK_PATH,        /* {...}: the text between the braces in wql_lexer.buf */
        WQL_TOK_STAR,
        WQL_TOK_COMMA,
        WQL_TOK_DOT,
        WQL_TOK_LPAREN,
        WQL_TOK_RPAREN,
        WQL_TOK_EQ,
        WQL_TOK_NE,          /* <> or != */
        WQL_TOK_LT,
        WQL_TOK_GT,
        WQL_TOK_LE,
        WQL_TOK_GE,
        WQL_TOK_ERROR,       /* see wql_token.expected */
};

enum wql_keyword {
        WQL_KW_NONE,
        WQL_KW_SELECT, WQL_KW_FROM, WQL_KW_WHERE, WQL_KW_AND, WQL_KW_OR, WQL_KW_NOT,
        WQL_KW_IS, WQL_KW_ISA, WQL_KW_LIKE, WQL_KW_NULL, WQL_KW_TRUE, WQL_KW_FALSE,
        WQL_KW_WITHIN, WQL_KW_GROUP, WQL_KW_BY, WQL_KW_HAVING,
        WQL_KW_ASSOCIATORS, WQL_KW_OF, WQL_KW_REFERENCES,
};

struct wql_token {
        enum wql_token_kind kind;
        enum wql_keyword keyword;  /* IDENT only */
        size_t start, len;         /* bytes of the source text */
        unsigned column;           /* 1-based; text length + 1 at the end */
        bool negative;             /* INTEGER: written with '-' */
        uint64_t magnitude;        /* INTEGER: absolute value */
        double real;               /* REAL */
        const char *expected;      /* ERROR: what should have been there */
};

struct wql_lexer {
        const char *src;
        size_t len;
        size_t pos;
        struct strbuf buf;         /* STRING and PATH token values */
        bool out_of_memory;        /* an ERROR token was a failed allocation */
};

void wql_lexer_init(struct wql_lexer *lx, const char *src, size_t len);
void wql_lexer_release(struct wql_lexer *lx);
/* The next token; an ERROR token stops the parse (the lexer does not
 * resynchronise).  STRING and PATH values stay valid until the next call. */
void wql_lexer_next(struct wql_lexer *lx, struct wql_token *ret);
/* "end of query", or the token's text quoted ('Name', '<=', '"abc"'),
 * shortened to fit size. */
const char *wql_token_describe(const struct wql_lexer *lx, const struct wql_token *tok,
                               char *buf, size_t size);
/* Keywords that can never name a property or class. */
bool wql_keyword_is_reserved(enum wql_keyword kw);

/* Numbers in C syntax whatever the locale, the whole of s[0..n) or
 * nothing (no spaces).  wql_strtod: [sign] digits ["." digits] [exponent]
 * (at least one digit), -EINVAL for other text, -ERANGE when infinite.
 * wql_strtoint: [sign] (digits | "0x" hexdigits), -ERANGE beyond 64 bits
 * (or below INT64_MIN when negative); ret_* are written only on success. */
int wql_strtod(const char *s, size_t n, double *ret);
int wql_strtoint(const char *s, size_t n, bool *ret_negative, uint64_t *ret_magnitude);

/* Shared by parser.c and eval.c: the negative errno for a status,
 * -EINVAL for the WQL_E_ codes the status table does not know. */
int wql_status_errno(uint32_t code);

#endif
