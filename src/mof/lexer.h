/* SPDX-License-Identifier: MIT */
/*
 * lexer.h: MOF tokens (DSP0221 lexical rules plus WMI's: case-insensitive
 * keywords, `#pragma` in any case).  The lexer works on UTF-8 text; the
 * source loader (mof_source_decode) turns UTF-16 files (with or without a
 * BOM) and UTF-8 BOMs into that.  Positions are 1-based line and column
 * (columns count bytes of the UTF-8 text).
 */
#ifndef OWMI_MOF_LEXER_H
#define OWMI_MOF_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mof_token_kind {
        MOF_TOK_EOF = 0,
        MOF_TOK_ERROR,       /* lexical error; text holds the message */
        MOF_TOK_IDENT,       /* names and keywords (keywords are contextual) */
        MOF_TOK_ALIAS,       /* $name; text is the name without $ */
        MOF_TOK_STRING,      /* "..." with escapes decoded; text is the value */
        MOF_TOK_CHAR,        /* '.' ; u.char16 */
        MOF_TOK_INTEGER,     /* u.integer is the magnitude (sign is a separate token) */
        MOF_TOK_REAL,        /* u.real */
        MOF_TOK_PRAGMA,      /* '#pragma' */
        MOF_TOK_LBRACE, MOF_TOK_RBRACE, MOF_TOK_LPAREN, MOF_TOK_RPAREN,
        MOF_TOK_LBRACKET, MOF_TOK_RBRACKET, MOF_TOK_SEMICOLON, MOF_TOK_COMMA,
        MOF_TOK_COLON, MOF_TOK_EQUALS, MOF_TOK_MINUS, MOF_TOK_PLUS, MOF_TOK_DOT,
};

struct mof_token {
        enum mof_token_kind kind;
        unsigned line, column;        /* where the token starts */
        unsigned end_line, end_column;/* just after its last character */
        char *text;                   /* owned by the lexer, valid until the next token */
        size_t text_len;
        bool overflow;                /* INTEGER did not fit 64 bits */
        bool multiline;               /* STRING ran over a line break */
        union {
                uint64_t integer;
                double real;
                uint16_t char16;
        } u;
};

struct mof_lexer {
        const char *src;
        size_t len;
        size_t pos;
        unsigned line, column;
        char *buf;                    /* token text */
        size_t buf_len, buf_alloc;
        /* lenient-lexing notes the parser turns into warnings */
        unsigned warn_line, warn_column;
        const char *warning;
};

void mof_lexer_init(struct mof_lexer *lx, const char *src, size_t len);
void mof_lexer_release(struct mof_lexer *lx);
/* Next token into tok.  Returns 0, or -ENOMEM. */
int mof_lexer_next(struct mof_lexer *lx, struct mof_token *tok);
/* Case-insensitive keyword test of an IDENT token. */
bool mof_token_is(const struct mof_token *tok, const char *keyword);
const char *mof_token_describe(const struct mof_token *tok, char *buf, size_t size);

/* Turn file bytes into NUL-terminated UTF-8: UTF-16LE/BE with or without
 * BOM, UTF-8 with or without BOM.  Invalid UTF-8 is an error (-EILSEQ with
 * *ret_offset the bad byte).  Caller frees *ret. */
int mof_source_decode(const unsigned char *data, size_t len, char **ret, size_t *ret_len,
                      size_t *ret_offset);

#endif
