/* SPDX-License-Identifier: MIT */
/*
 * lexer.c: MOF tokens (DSP0221 annex A lexical grammar, DSP0004 escapes)
 * with WMI's leniencies: unknown escapes keep the character, and a string
 * may run over a line break (the parser decides whether that was really an
 * unterminated string, see string_spans_lines).  A character-class table
 * drives the main switch.
 */
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "mof/lexer.h"

enum char_class {
        CC_OTHER = 0,
        CC_SPACE,
        CC_NEWLINE,
        CC_IDENT,   /* letter, '_' or a UTF-8 byte >= 0x80 */
        CC_DIGIT,
        CC_PUNCT,
};

static unsigned char char_class[256];

static void fill_classes(void)
{
        for (int c = 0; c < 256; c++) {
                if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
                        char_class[c] = CC_SPACE;
                else if (c == '\n')
                        char_class[c] = CC_NEWLINE;
                else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80)
                        char_class[c] = CC_IDENT;
                else if (c >= '0' && c <= '9')
                        char_class[c] = CC_DIGIT;
                else if (strchr("{}()[];,:=-+.", c) && c)
                        char_class[c] = CC_PUNCT;
                else
                        char_class[c] = CC_OTHER;
        }
}

/* Filled once per process: threads may lex at the same time. */
static void init_classes(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;

        pthread_once(&once, fill_classes);
}

void mof_lexer_init(struct mof_lexer *lx, const char *src, size_t len)
{
        init_classes();
        memset(lx, 0, sizeof(*lx));
        lx->src = src;
        lx->len = len;
        lx->line = 1;
        lx->column = 1;
}

void mof_lexer_release(struct mof_lexer *lx)
{
        owmi_free(lx->buf);
        lx->buf = NULL;
        lx->buf_len = lx->buf_alloc = 0;
}

static int peek(const struct mof_lexer *lx, size_t ahead)
{
        return lx->pos + ahead < lx->len ? (unsigned char) lx->src[lx->pos + ahead] : -1;
}

static void advance(struct mof_lexer *lx)
{
        if (lx->pos >= lx->len)
                return;
        if (lx->src[lx->pos] == '\n') {
                lx->line++;
                lx->column = 1;
        } else {
                lx->column++;
        }
        lx->pos++;
}

static int buf_add(struct mof_lexer *lx, const char *data, size_t n)
{
        if (owmi_grow((void **) &lx->buf, &lx->buf_alloc, lx->buf_len + n + 1, 1) < 0)
                return -ENOMEM;
        memcpy(lx->buf + lx->buf_len, data, n);
        lx->buf_len += n;
        lx->buf[lx->buf_len] = '\0';
        return 0;
}

static int buf_addch(struct mof_lexer *lx, char c)
{
        return buf_add(lx, &c, 1);
}

static int set_error(struct mof_lexer *lx, struct mof_token *tok, const char *msg)
{
        lx->buf_len = 0;
        tok->kind = MOF_TOK_ERROR;
        return buf_add(lx, msg, strlen(msg));
}

/* Comments and white space.  An unterminated block comment is an error. */
static int skip_blank(struct mof_lexer *lx, struct mof_token *tok)
{
        for (;;) {
                int c = peek(lx, 0);

                if (c < 0)
                        return 0;
                if (char_class[c] == CC_SPACE || char_class[c] == CC_NEWLINE) {
                        advance(lx);
                } else if (c == '/' && peek(lx, 1) == '/') {
                        const char *nl = memchr(lx->src + lx->pos, '\n', lx->len - lx->pos);
                        size_t end = nl ? (size_t) (nl - lx->src) : lx->len;

                        lx->column += (unsigned) (end - lx->pos);
                        lx->pos = end;
                } else if (c == '/' && peek(lx, 1) == '*') {
                        tok->line = lx->line;
                        tok->column = lx->column;
                        advance(lx);
                        advance(lx);
                        while (!(peek(lx, 0) == '*' && peek(lx, 1) == '/')) {
                                if (peek(lx, 0) < 0)
                                        return set_error(lx, tok, "comment not terminated") < 0
                                                       ? -ENOMEM : 1;
                                advance(lx);
                        }
                        advance(lx);
                        advance(lx);
                } else {
                        return 0;
                }
        }
}

static int hex_value(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* One escape after the backslash; appends the UTF-8 bytes (strings) and
 * returns the code point, or -1 after setting a warning for unknown ones. */
static long lex_escape(struct mof_lexer *lx)
{
        int c = peek(lx, 0);

        advance(lx);
        switch (c) {
        case 'b': return '\b';
        case 't': return '\t';
        case 'n': return '\n';
        case 'f': return '\f';
        case 'r': return '\r';
        case '"': return '"';
        case '\'': return '\'';
        case '\\': return '\\';
        case 'x':
        case 'X': {
                long cp = 0;
                int digits = 0;

                while (digits < 4 && hex_value(peek(lx, 0)) >= 0) {
                        cp = cp * 16 + hex_value(peek(lx, 0));
                        advance(lx);
                        digits++;
                }
                if (digits == 0)
                        return -2;
                return cp;
        }
        default:
                return -(long) 1000 - (c < 0 ? 0 : c);
        }
}

static int lex_string(struct mof_lexer *lx, struct mof_token *tok)
{
        size_t nl_pos = 0;
        unsigned nl_line = 0, nl_column = 0;

        advance(lx); /* opening quote */
        for (;;) {
                int c = peek(lx, 0);

                if (c < 0) {
                        /* Resume after the line the string started on, so
                         * one missing quote does not swallow the file. */
                        if (nl_line) {
                                lx->pos = nl_pos;
                                lx->line = nl_line;
                                lx->column = nl_column;
                                lx->warning = NULL;
                        }
                        tok->end_line = tok->line;
                        tok->end_column = tok->column;
                        return set_error(lx, tok, "string literal not terminated");
                }
                if (c == '\n' && !nl_line) {
                        nl_pos = lx->pos;
                        nl_line = lx->line;
                        nl_column = lx->column;
                }
                if (c == '"') {
                        advance(lx);
                        break;
                }
                if (c == '\\') {
                        unsigned line = lx->line, column = lx->column;
                        long cp;
                        char utf8[4];
                        size_t n;

                        advance(lx);
                        cp = lex_escape(lx);
                        if (cp == -2) {
                                tok->end_line = line;
                                tok->end_column = column;
                                return set_error(lx, tok, "\\x escape without hex digits");
                        }
                        if (cp <= -1000) {
                                /* WMI keeps an unknown escape as the character itself */
                                if (!lx->warning) {
                                        lx->warning = "unknown escape sequence kept as written";
                                        lx->warn_line = line;
                                        lx->warn_column = column;
                                }
                                if (buf_addch(lx, '\\') < 0)
                                        return -ENOMEM;
                                if (cp != -1000 && buf_addch(lx, (char) (-(cp + 1000))) < 0)
                                        return -ENOMEM;
                                continue;
                        }
                        if (cp == 0) {
                                tok->end_line = line;
                                tok->end_column = column;
                                return set_error(lx, tok, "NUL character in string literal");
                        }
                        n = owmi_utf8_encode((uint32_t) cp, utf8);
                        if (n == 0) {
                                tok->end_line = line;
                                tok->end_column = column;
                                return set_error(lx, tok, "escape is not a valid character");
                        }
                        if (buf_add(lx, utf8, n) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (c == '\n') {
                        if (buf_addch(lx, (char) c) < 0)
                                return -ENOMEM;
                        advance(lx);
                        continue;
                }
                /* copy a run of plain characters at once */
                {
                        size_t run = lx->pos;

                        while (run < lx->len && lx->src[run] != '"' && lx->src[run] != '\\' &&
                               lx->src[run] != '\n')
                                run++;
                        if (buf_add(lx, lx->src + lx->pos, run - lx->pos) < 0)
                                return -ENOMEM;
                        lx->column += (unsigned) (run - lx->pos);
                        lx->pos = run;
                }
        }
        tok->kind = MOF_TOK_STRING;
        tok->multiline = nl_line != 0;
        return 0;
}

static int lex_char(struct mof_lexer *lx, struct mof_token *tok)
{
        long cp;

        advance(lx);
        if (peek(lx, 0) == '\\') {
                advance(lx);
                cp = lex_escape(lx);
                if (cp < 0)
                        return set_error(lx, tok, "bad escape in character literal");
        } else if (peek(lx, 0) < 0 || peek(lx, 0) == '\'' || peek(lx, 0) == '\n') {
                return set_error(lx, tok, "empty character literal");
        } else {
                /* one UTF-8 encoded character */
                int c = peek(lx, 0);
                int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;

                cp = c & (extra ? 0x3f >> extra : 0x7f);
                advance(lx);
                while (extra-- > 0 && peek(lx, 0) >= 0) {
                        cp = (cp << 6) | (peek(lx, 0) & 0x3f);
                        advance(lx);
                }
        }
        if (peek(lx, 0) != '\'')
                return set_error(lx, tok, "character literal not terminated");
        advance(lx);
        if (cp > 0xffff)
                return set_error(lx, tok, "character does not fit char16");
        tok->kind = MOF_TOK_CHAR;
        tok->u.char16 = (uint16_t) cp;
        return 0;
}

static bool is_ident_char(int c)
{
        return c >= 0 && (char_class[c] == CC_IDENT || char_class[c] == CC_DIGIT);
}

/* decimalValue | binaryValue (1010b) | octalValue (0777) | hexValue (0x1F) | realValue */
static int lex_number(struct mof_lexer *lx, struct mof_token *tok)
{
        size_t start = lx->pos, end = start;
        bool is_real = false;
        char text[128];
        size_t n;

        /* the longest run that can belong to a number */
        while (end < lx->len) {
                int c = (unsigned char) lx->src[end];

                if (char_class[c] == CC_DIGIT || c == '.' || (c >= 'a' && c <= 'z') ||
                    (c >= 'A' && c <= 'Z'))
                        end++;
                else if ((c == '+' || c == '-') && end > start &&
                         (lx->src[end - 1] == 'e' || lx->src[end - 1] == 'E') &&
                         !(end - start > 1 && (lx->src[start + 1] == 'x' || lx->src[start + 1] == 'X')))
                        end++;
                else
                        break;
        }
        n = end - start;
        while (lx->pos < end)
                advance(lx);
        if (n >= sizeof(text))
                return set_error(lx, tok, "number too long");
        memcpy(text, lx->src + start, n);
        text[n] = '\0';
        tok->overflow = false;

        if (n > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
                uint64_t v = 0;

                for (size_t i = 2; i < n; i++) {
                        int h = hex_value((unsigned char) text[i]);

                        if (h < 0)
                                return set_error(lx, tok, "bad hexadecimal number");
                        if (v >> 60)
                                tok->overflow = true;
                        v = v * 16 + (uint64_t) h;
                }
                tok->kind = MOF_TOK_INTEGER;
                tok->u.integer = v;
                return 0;
        }
        if (n > 1 && (text[n - 1] == 'b' || text[n - 1] == 'B')) {
                uint64_t v = 0;

                for (size_t i = 0; i < n - 1; i++) {
                        if (text[i] != '0' && text[i] != '1')
                                return set_error(lx, tok, "bad binary number");
                        if (v >> 63)
                                tok->overflow = true;
                        v = v * 2 + (uint64_t) (text[i] - '0');
                }
                tok->kind = MOF_TOK_INTEGER;
                tok->u.integer = v;
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                if (text[i] == '.' || text[i] == 'e' || text[i] == 'E')
                        is_real = true;
        if (is_real) {
                char *rest;

                errno = 0;
                tok->u.real = strtod(text, &rest);
                if (*rest || rest == text)
                        return set_error(lx, tok, "bad real number");
                if (isinf(tok->u.real))
                        return set_error(lx, tok, "real number out of range for real64");
                tok->kind = MOF_TOK_REAL;
                return 0;
        }
        {
                uint64_t v = 0;
                unsigned base = (n > 1 && text[0] == '0') ? 8 : 10;

                for (size_t i = 0; i < n; i++) {
                        unsigned d = (unsigned) (text[i] - '0');

                        if (text[i] < '0' || text[i] > '9' || d >= base)
                                return set_error(lx, tok, base == 8 ? "bad octal number"
                                                                    : "bad decimal number");
                        if (v > (UINT64_MAX - d) / base)
                                tok->overflow = true;
                        v = v * base + d;
                }
                tok->kind = MOF_TOK_INTEGER;
                tok->u.integer = v;
        }
        return 0;
}

int mof_lexer_next(struct mof_lexer *lx, struct mof_token *tok)
{
        static const struct {
                char c;
                enum mof_token_kind kind;
        } punct[] = {
                { '{', MOF_TOK_LBRACE }, { '}', MOF_TOK_RBRACE }, { '(', MOF_TOK_LPAREN },
                { ')', MOF_TOK_RPAREN }, { '[', MOF_TOK_LBRACKET }, { ']', MOF_TOK_RBRACKET },
                { ';', MOF_TOK_SEMICOLON }, { ',', MOF_TOK_COMMA }, { ':', MOF_TOK_COLON },
                { '=', MOF_TOK_EQUALS }, { '-', MOF_TOK_MINUS }, { '+', MOF_TOK_PLUS },
                { '.', MOF_TOK_DOT },
        };
        int c, r;

        memset(tok, 0, sizeof(*tok));
        lx->buf_len = 0;
        if (lx->buf)
                lx->buf[0] = '\0';
        r = skip_blank(lx, tok);
        if (r != 0)
                goto out;
        tok->line = lx->line;
        tok->column = lx->column;
        c = peek(lx, 0);
        if (c < 0) {
                tok->kind = MOF_TOK_EOF;
                goto out;
        }
        switch (char_class[c]) {
        case CC_IDENT: {
                size_t run = lx->pos;

                while (run < lx->len && is_ident_char((unsigned char) lx->src[run]))
                        run++;
                if (buf_add(lx, lx->src + lx->pos, run - lx->pos) < 0)
                        return -ENOMEM;
                lx->column += (unsigned) (run - lx->pos);
                lx->pos = run;
                tok->kind = MOF_TOK_IDENT;
                break;
        }
        case CC_DIGIT:
                r = lex_number(lx, tok);
                break;
        case CC_PUNCT:
                if (c == '.' && peek(lx, 1) >= '0' && peek(lx, 1) <= '9') {
                        r = lex_number(lx, tok);
                        break;
                }
                for (size_t i = 0; i < ELEMENTSOF(punct); i++)
                        if (punct[i].c == c)
                                tok->kind = punct[i].kind;
                advance(lx);
                break;
        default:
                if (c == '"') {
                        r = lex_string(lx, tok);
                } else if (c == '\'') {
                        r = lex_char(lx, tok);
                } else if (c == '$') {
                        advance(lx);
                        while (is_ident_char(peek(lx, 0))) {
                                if (buf_addch(lx, (char) peek(lx, 0)) < 0)
                                        return -ENOMEM;
                                advance(lx);
                        }
                        tok->kind = lx->buf_len ? MOF_TOK_ALIAS : MOF_TOK_ERROR;
                        if (!lx->buf_len)
                                r = set_error(lx, tok, "'$' without an alias name");
                } else if (c == '#') {
                        advance(lx);
                        while (peek(lx, 0) == ' ' || peek(lx, 0) == '\t')
                                advance(lx);
                        while (is_ident_char(peek(lx, 0))) {
                                if (buf_addch(lx, (char) peek(lx, 0)) < 0)
                                        return -ENOMEM;
                                advance(lx);
                        }
                        const char *word = lx->buf_len ? lx->buf : "";

                        if (owmi_strcasecmp(word, "pragma") == 0) {
                                tok->kind = MOF_TOK_PRAGMA;
                        } else {
                                char msg[128];

                                snprintf(msg, sizeof(msg), "unknown directive '#%.40s'%s", word,
                                         owmi_strcasecmp(word, "define") == 0 ||
                                         owmi_strcasecmp(word, "include") == 0 ?
                                         " (C preprocessor input: run cpp -P first)" : "");
                                r = set_error(lx, tok, msg);
                        }
                } else {
                        char msg[64];

                        snprintf(msg, sizeof(msg), c >= 0x20 && c < 0x7f ?
                                 "unexpected character '%c'" : "unexpected byte 0x%02x", c);
                        advance(lx);
                        r = set_error(lx, tok, msg);
                }
                break;
        }
out:
        if (r < 0)
                return r;
        if (!tok->end_line) {
                tok->end_line = lx->line;
                tok->end_column = lx->column;
        }
        tok->text = lx->buf ? lx->buf : (char *) "";
        tok->text_len = lx->buf_len;
        return 0;
}

bool mof_token_is(const struct mof_token *tok, const char *keyword)
{
        return tok->kind == MOF_TOK_IDENT && owmi_strcasecmp(tok->text, keyword) == 0;
}

const char *mof_token_describe(const struct mof_token *tok, char *buf, size_t size)
{
        static const char *const names[] = {
                [MOF_TOK_EOF] = "end of input", [MOF_TOK_LBRACE] = "'{'", [MOF_TOK_RBRACE] = "'}'",
                [MOF_TOK_LPAREN] = "'('", [MOF_TOK_RPAREN] = "')'", [MOF_TOK_LBRACKET] = "'['",
                [MOF_TOK_RBRACKET] = "']'", [MOF_TOK_SEMICOLON] = "';'", [MOF_TOK_COMMA] = "','",
                [MOF_TOK_COLON] = "':'", [MOF_TOK_EQUALS] = "'='", [MOF_TOK_MINUS] = "'-'",
                [MOF_TOK_PLUS] = "'+'", [MOF_TOK_DOT] = "'.'", [MOF_TOK_PRAGMA] = "'#pragma'",
        };

        switch (tok->kind) {
        case MOF_TOK_IDENT:
                snprintf(buf, size, "'%.60s'", tok->text);
                break;
        case MOF_TOK_ALIAS:
                snprintf(buf, size, "alias '$%.60s'", tok->text);
                break;
        case MOF_TOK_STRING:
                snprintf(buf, size, "string \"%.40s%s\"", tok->text, tok->text_len > 40 ? "..." : "");
                break;
        case MOF_TOK_CHAR:
                snprintf(buf, size, "character literal");
                break;
        case MOF_TOK_INTEGER:
                snprintf(buf, size, "number %llu", (unsigned long long) tok->u.integer);
                break;
        case MOF_TOK_REAL:
                snprintf(buf, size, "number %g", tok->u.real);
                break;
        case MOF_TOK_ERROR:
                snprintf(buf, size, "%s", tok->text);
                break;
        default:
                snprintf(buf, size, "%s", names[tok->kind] ? names[tok->kind] : "token");
                break;
        }
        return buf;
}

int mof_source_decode(const unsigned char *data, size_t len, char **ret, size_t *ret_len,
                      size_t *ret_offset)
{
        bool utf16 = false, big_endian = false;
        size_t skip = 0, bad;
        char *out;

        if (len >= 2 && data[0] == 0xff && data[1] == 0xfe) {
                utf16 = true;
                skip = 2;
        } else if (len >= 2 && data[0] == 0xfe && data[1] == 0xff) {
                utf16 = big_endian = true;
                skip = 2;
        } else if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf) {
                skip = 3;
        } else if (len >= 4 && data[1] == 0 && data[3] == 0 && data[0] && data[2]) {
                utf16 = true; /* UTF-16LE without BOM: ASCII text with NUL high bytes */
        } else if (len >= 4 && data[0] == 0 && data[2] == 0 && data[1] && data[3]) {
                utf16 = big_endian = true;
        }
        if (utf16) {
                int r;

                if ((len - skip) % 2) {
                        if (ret_offset)
                                *ret_offset = len - 1;
                        return -EILSEQ; /* half a UTF-16 unit */
                }
                r = owmi_utf16_to_utf8(data + skip, len - skip, big_endian, ret, ret_len);
                if (r < 0)
                        return r;
                if (memchr(*ret, '\0', *ret_len)) {
                        if (ret_offset)
                                *ret_offset = skip + 2 * strlen(*ret);
                        owmi_free(*ret);
                        return -EILSEQ;
                }
                return 0;
        }
        bad = owmi_utf8_invalid_at((const char *) data + skip, len - skip);
        if (bad) {
                if (ret_offset)
                        *ret_offset = skip + bad - 1;
                return -EILSEQ;
        }
        out = owmi_malloc(len - skip + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, data + skip, len - skip);
        out[len - skip] = '\0';
        if (memchr(out, '\0', len - skip)) {
                if (ret_offset)
                        *ret_offset = skip + strlen(out);
                owmi_free(out);
                return -EILSEQ;
        }
        *ret = out;
        *ret_len = len - skip;
        return 0;
}
