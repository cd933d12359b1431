/* SPDX-License-Identifier: MIT */
/*
 * lexer.c: WQL tokens (research/wmi-semantics.md section 1): words,
 * '...' and "..." strings with the \\ \" \' escapes (a backslash before
 * anything else stays a backslash, as WMI takes the text literally),
 * decimal, 0x hex and real numbers with an optional sign, the comparison
 * operators and the {object path} of ASSOCIATORS OF / REFERENCES OF taken
 * as one token.  A character-class table drives the main switch.
 *
 * It does not decide what a word means where (the parser does), nor check
 * UTF-8 (the parser checks the whole text first).  Numbers are converted
 * here, independently of the C locale.
 */
#include <errno.h>
#include <pthread.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/util.h"
#include "wql/lexer.h"

/* Longest real literal converted; WQL text is capped at 16 KiB anyway. */
#define REAL_LITERAL_MAX 512

enum char_class {
        CC_OTHER = 0,   /* invalid outside strings (NUL, '#', non-ASCII...) */
        CC_SPACE,
        CC_ALPHA,       /* letters and '_' */
        CC_DIGIT,
        CC_SIGN,        /* '-' '+': only in front of a number */
        CC_DOT,
        CC_QUOTE,
        CC_COMPARE,     /* = < > ! */
        CC_SINGLE,      /* * , ( ) */
        CC_BRACE,       /* { */
};

static unsigned char char_class[256];

static void fill_classes(void)
{
        for (int c = 0; c < 256; c++) {
                enum char_class cc = CC_OTHER;

                if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v')
                        cc = CC_SPACE;
                else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
                        cc = CC_ALPHA;
                else if (c >= '0' && c <= '9')
                        cc = CC_DIGIT;
                else if (c == '-' || c == '+')
                        cc = CC_SIGN;
                else if (c == '.')
                        cc = CC_DOT;
                else if (c == '\'' || c == '"')
                        cc = CC_QUOTE;
                else if (c == '=' || c == '<' || c == '>' || c == '!')
                        cc = CC_COMPARE;
                else if (c == '*' || c == ',' || c == '(' || c == ')')
                        cc = CC_SINGLE;
                else if (c == '{')
                        cc = CC_BRACE;
                char_class[c] = (unsigned char) cc;
        }
}

/* Filled once per process: threads may lex at the same time. */
static void init_classes(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;

        pthread_once(&once, fill_classes);
}

static const struct {
        const char *name;
        enum wql_keyword keyword;
        bool reserved;            /* never a property or class name */
} keywords[] = {
        { "SELECT", WQL_KW_SELECT, true },
        { "FROM", WQL_KW_FROM, true },
        { "WHERE", WQL_KW_WHERE, true },
        { "AND", WQL_KW_AND, true },
        { "OR", WQL_KW_OR, true },
        { "NOT", WQL_KW_NOT, true },
        { "IS", WQL_KW_IS, true },
        { "ISA", WQL_KW_ISA, true },
        { "LIKE", WQL_KW_LIKE, true },
        { "NULL", WQL_KW_NULL, true },
        { "TRUE", WQL_KW_TRUE, true },
        { "FALSE", WQL_KW_FALSE, true },
        /* only keywords where the grammar expects them */
        { "WITHIN", WQL_KW_WITHIN, false },
        { "GROUP", WQL_KW_GROUP, false },
        { "BY", WQL_KW_BY, false },
        { "HAVING", WQL_KW_HAVING, false },
        { "ASSOCIATORS", WQL_KW_ASSOCIATORS, false },
        { "OF", WQL_KW_OF, false },
        { "REFERENCES", WQL_KW_REFERENCES, false },
};

bool wql_keyword_is_reserved(enum wql_keyword kw)
{
        for (size_t i = 0; i < ELEMENTSOF(keywords); i++)
                if (keywords[i].keyword == kw)
                        return keywords[i].reserved;
        return false;
}

static enum wql_keyword keyword_of(const char *s, size_t n)
{
        for (size_t i = 0; i < ELEMENTSOF(keywords); i++)
                if (strlen(keywords[i].name) == n && owmi_strncasecmp(keywords[i].name, s, n) == 0)
                        return keywords[i].keyword;
        return WQL_KW_NONE;
}

void wql_lexer_init(struct wql_lexer *lx, const char *src, size_t len)
{
        init_classes();
        memset(lx, 0, sizeof(*lx));
        lx->src = src;
        lx->len = len;
        strbuf_init(&lx->buf);
}

void wql_lexer_release(struct wql_lexer *lx)
{
        strbuf_release(&lx->buf);
}

static int peek(const struct wql_lexer *lx, size_t at)
{
        return at < lx->len ? (unsigned char) lx->src[at] : -1;
}

static enum char_class class_at(const struct wql_lexer *lx, size_t at)
{
        int c = peek(lx, at);

        return c < 0 ? CC_OTHER : (enum char_class) char_class[c];
}

static bool is_word_char(const struct wql_lexer *lx, size_t at)
{
        enum char_class cc = class_at(lx, at);

        return cc == CC_ALPHA || cc == CC_DIGIT;
}

static bool is_hex(int c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void set_error(struct wql_token *tok, const char *expected)
{
        tok->kind = WQL_TOK_ERROR;
        tok->expected = expected;
}

int wql_strtod(const char *s, size_t n, double *ret)
{
        const char *point = localeconv()->decimal_point;
        size_t plen = strlen(point), o = 0, i = 0;
        char buf[REAL_LITERAL_MAX + 16];
        bool digits = false;
        char *end;
        double d;

        /* check the C syntax first: strtod would also take "inf", "0x1p3"... */
        if (n > REAL_LITERAL_MAX || plen == 0 || plen > 8)
                return -EINVAL;
        if (i < n && (s[i] == '-' || s[i] == '+'))
                i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                digits = true;
        if (i < n && s[i] == '.')
                for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                        digits = true;
        if (!digits)
                return -EINVAL;
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                i++;
                if (i < n && (s[i] == '-' || s[i] == '+'))
                        i++;
                if (i >= n || s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                while (i < n && s[i] >= '0' && s[i] <= '9')
                        i++;
        }
        if (i != n)
                return -EINVAL;
        for (i = 0; i < n; i++) {
                if (s[i] == '.') {
                        memcpy(buf + o, point, plen);
                        o += plen;
                } else {
                        buf[o++] = s[i];
                }
        }
        buf[o] = '\0';
        errno = 0;
        d = strtod(buf, &end);
        if (*end != '\0' || isinf(d) || isnan(d))
                return -ERANGE;
        *ret = d;
        return 0;
}

int wql_strtoint(const char *s, size_t n, bool *ret_negative, uint64_t *ret_magnitude)
{
        bool negative = false;
        uint64_t mag = 0;
        size_t i = 0;

        if (i < n && (s[i] == '-' || s[i] == '+'))
                negative = s[i++] == '-';
        if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
                i += 2;
                if (i >= n)
                        return -EINVAL;
                for (; i < n; i++) {
                        int c = (unsigned char) s[i], v;

                        if (!is_hex(c))
                                return -EINVAL;
                        v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
                        if (mag > UINT64_MAX >> 4)
                                return -ERANGE;
                        mag = mag << 4 | (uint64_t) v;
                }
        } else {
                if (i >= n)
                        return -EINVAL;
                for (; i < n; i++) {
                        unsigned v = (unsigned char) s[i] - '0';

                        if (v > 9)
                                return -EINVAL;
                        if (mag > (UINT64_MAX - v) / 10)
                                return -ERANGE;
                        mag = mag * 10 + v;
                }
        }
        if (negative && mag > (uint64_t) INT64_MAX + 1)
                return -ERANGE;
        *ret_negative = negative;
        *ret_magnitude = mag;
        return 0;
}

/* number := ["-" | "+"] ( "0x" hexdigits | digits ["." [digits]] [exponent]
 *                        | "." digits [exponent] )
 * A number must not run into a word: "5abc" is one bad token. */
static void lex_number(struct wql_lexer *lx, struct wql_token *tok)
{
        size_t p = lx->pos, end;
        bool real = false;
        int r;

        if (class_at(lx, p) == CC_SIGN)
                p++;
        if (peek(lx, p) == '0' && (peek(lx, p + 1) == 'x' || peek(lx, p + 1) == 'X')) {
                p += 2;
                while (is_hex(peek(lx, p)))
                        p++;
        } else {
                while (class_at(lx, p) == CC_DIGIT)
                        p++;
                if (peek(lx, p) == '.') {
                        real = true;
                        p++;
                        while (class_at(lx, p) == CC_DIGIT)
                                p++;
                }
                if (peek(lx, p) == 'e' || peek(lx, p) == 'E') {
                        size_t q = p + 1;

                        if (class_at(lx, q) == CC_SIGN)
                                q++;
                        if (class_at(lx, q) == CC_DIGIT) {
                                real = true;
                                for (p = q; class_at(lx, p) == CC_DIGIT; p++)
                                        ;
                        }
                }
        }
        end = p;
        /* swallow what sticks to the number so the error shows all of it */
        while (is_word_char(lx, p) || peek(lx, p) == '.')
                p++;
        tok->len = p - tok->start;
        lx->pos = p;
        if (p != end) {
                set_error(tok, "a number");
                return;
        }
        if (real) {
                tok->kind = WQL_TOK_REAL;
                r = wql_strtod(lx->src + tok->start, tok->len, &tok->real);
                if (r < 0)
                        set_error(tok, "a real number within the range of real64");
                return;
        }
        tok->kind = WQL_TOK_INTEGER;
        r = wql_strtoint(lx->src + tok->start, tok->len, &tok->negative, &tok->magnitude);
        if (r == -ERANGE)
                set_error(tok, "an integer within the range of sint64 or uint64");
        else if (r < 0)
                set_error(tok, "a number");
}

/* string := "'" {char | escape} "'" | '"' {char | escape} '"'
 * escape := "\\" | "\'" | '\"'; other backslashes are kept. */
static void lex_string(struct wql_lexer *lx, struct wql_token *tok)
{
        char quote = lx->src[lx->pos];
        size_t p = lx->pos + 1;

        strbuf_reset(&lx->buf);
        for (;;) {
                int c = peek(lx, p);

                if (c < 0) {
                        lx->pos = p;
                        tok->len = p - tok->start;
                        set_error(tok, quote == '\'' ? "a closing ' for the string" :
                                                       "a closing \" for the string");
                        return;
                }
                if (c == 0) {
                        lx->pos = p;
                        tok->len = p - tok->start;
                        set_error(tok, "a string without NUL characters");
                        return;
                }
                if (c == quote)
                        break;
                if (c == '\\' && (peek(lx, p + 1) == '\\' || peek(lx, p + 1) == '\'' ||
                                  peek(lx, p + 1) == '"')) {
                        p++;
                        c = (unsigned char) lx->src[p];
                }
                strbuf_addch(&lx->buf, (char) c);
                p++;
        }
        lx->pos = p + 1;
        tok->len = lx->pos - tok->start;
        if (strbuf_error(&lx->buf) < 0) {
                lx->out_of_memory = true;
                set_error(tok, "memory for the string");
                return;
        }
        /* an empty string still needs a buffer the parser can copy */
        if (!lx->buf.buf && strbuf_addstr(&lx->buf, "") < 0) {
                lx->out_of_memory = true;
                set_error(tok, "memory for the string");
                return;
        }
        tok->kind = WQL_TOK_STRING;
}

/* path := "{" text "}" where quoted key values may hold '}' (the object
 * path parser checks the text itself). */
static void lex_path(struct wql_lexer *lx, struct wql_token *tok)
{
        size_t p = lx->pos + 1;
        int quote = 0;

        for (;; p++) {
                int c = peek(lx, p);

                if (c < 0) {
                        lx->pos = p;
                        tok->len = p - tok->start;
                        set_error(tok, "a '}' closing the object path");
                        return;
                }
                if (quote) {
                        if (c == '\\' && p + 1 < lx->len)
                                p++;
                        else if (c == quote)
                                quote = 0;
                } else if (c == '"' || c == '\'') {
                        quote = c;
                } else if (c == '}') {
                        break;
                }
        }
        strbuf_reset(&lx->buf);
        strbuf_add(&lx->buf, lx->src + lx->pos + 1, p - lx->pos - 1);
        strbuf_addstr(&lx->buf, "");
        lx->pos = p + 1;
        tok->len = lx->pos - tok->start;
        if (strbuf_error(&lx->buf) < 0) {
                lx->out_of_memory = true;
                set_error(tok, "memory for the object path");
                return;
        }
        tok->kind = WQL_TOK_PATH;
}

static void lex_compare(struct wql_lexer *lx, struct wql_token *tok)
{
        int c = peek(lx, lx->pos), next = peek(lx, lx->pos + 1);

        tok->len = 1;
        switch (c) {
        case '=':
                tok->kind = WQL_TOK_EQ;
                break;
        case '<':
                if (next == '>') {
                        tok->kind = WQL_TOK_NE;
                        tok->len = 2;
                } else if (next == '=') {
                        tok->kind = WQL_TOK_LE;
                        tok->len = 2;
                } else {
                        tok->kind = WQL_TOK_LT;
                }
                break;
        case '>':
                if (next == '=') {
                        tok->kind = WQL_TOK_GE;
                        tok->len = 2;
                } else {
                        tok->kind = WQL_TOK_GT;
                }
                break;
        default: /* '!' */
                if (next == '=') {
                        tok->kind = WQL_TOK_NE;
                        tok->len = 2;
                } else {
                        set_error(tok, "'!='");
                }
                break;
        }
        lx->pos += tok->len;
}

void wql_lexer_next(struct wql_lexer *lx, struct wql_token *tok)
{
        int c;

        memset(tok, 0, sizeof(*tok));
        while (class_at(lx, lx->pos) == CC_SPACE)
                lx->pos++;
        tok->start = lx->pos;
        tok->column = (unsigned) lx->pos + 1;
        c = peek(lx, lx->pos);
        if (c < 0) {
                tok->kind = WQL_TOK_END;
                return;
        }
        switch ((enum char_class) char_class[c]) {
        case CC_ALPHA: {
                size_t p = lx->pos;

                while (is_word_char(lx, p))
                        p++;
                tok->kind = WQL_TOK_IDENT;
                tok->len = p - lx->pos;
                tok->keyword = keyword_of(lx->src + lx->pos, tok->len);
                lx->pos = p;
                return;
        }
        case CC_DIGIT:
                lex_number(lx, tok);
                return;
        case CC_SIGN:
        case CC_DOT: {
                size_t p = lx->pos + (char_class[c] == CC_SIGN);

                if (class_at(lx, p) == CC_DIGIT ||
                    (peek(lx, p) == '.' && class_at(lx, p + 1) == CC_DIGIT)) {
                        lex_number(lx, tok);
                        return;
                }
                tok->len = 1;
                lx->pos++;
                if (c == '.')
                        tok->kind = WQL_TOK_DOT;
                else
                        set_error(tok, "a number after the sign");
                return;
        }
        case CC_QUOTE:
                lex_string(lx, tok);
                return;
        case CC_COMPARE:
                lex_compare(lx, tok);
                return;
        case CC_SINGLE:
                tok->kind = c == '*' ? WQL_TOK_STAR : c == ',' ? WQL_TOK_COMMA :
                            c == '(' ? WQL_TOK_LPAREN : WQL_TOK_RPAREN;
                tok->len = 1;
                lx->pos++;
                return;
        case CC_BRACE:
                lex_path(lx, tok);
                return;
        case CC_SPACE:
        case CC_OTHER:
                break;
        }
        tok->len = 1;
        lx->pos++;
        set_error(tok, "a name, a literal, an operator or a punctuation mark");
}

const char *wql_token_describe(const struct wql_lexer *lx, const struct wql_token *tok,
                               char *buf, size_t size)
{
        size_t n = tok->len, max = size > 8 ? size - 8 : 0;
        bool cut = false;

        if (tok->kind == WQL_TOK_END || tok->len == 0) {
                snprintf(buf, size, "end of query");
                return buf;
        }
        if (n > max) {
                n = max;
                cut = true;
        }
        /* never cut a UTF-8 sequence in half */
        while (cut && n > 0 && ((unsigned char) lx->src[tok->start + n] & 0xc0) == 0x80)
                n--;
        if (tok->len == 1 && (unsigned char) lx->src[tok->start] < 0x20)
                snprintf(buf, size, "character 0x%02x", (unsigned char) lx->src[tok->start]);
        else
                snprintf(buf, size, "'%.*s%s'", (int) n, lx->src + tok->start, cut ? "..." : "");
        return buf;
}

int wql_status_errno(uint32_t code)
{
        int r = owmi_status_to_errno(code);

        return r == -EIO && code != OWMI_E_FAILED ? -EINVAL : r;
}
