/* SPDX-License-Identifier: MIT */
/*
 * objpath.c: CIM object paths in their text form (MS-WMI 2.2.2 object
 * path grammar; the DMTF spelling with '/'): parsing into struct
 * cim_objpath, the canonical text, equality, copying and key access.
 *
 * Key values carry no type in a path, so parsing picks one from the
 * spelling: quoted text is a STRING, or a REFERENCE when the text is itself
 * a path that names an instance or a namespace-qualified class (see
 * path_is_reference); digits make SINT64 (negative) or UINT64, a dot or an
 * exponent REAL64, TRUE/FALSE a BOOLEAN.  Converting keys to the types the
 * class declares is the caller's job, with the schema in hand.
 *
 * It does not resolve servers or namespaces, nor parse monikers
 * ("winmgmts:") or URL escapes.
 */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/objpath.h"

/* Longest unquoted real literal we convert; longer ones are refused. */
#define REAL_LITERAL_MAX 400

struct parser {
        const char *text;
        size_t len;
        size_t pos;
        unsigned depth;           /* 0 for the path itself, +1 per nested reference */
        bool no_nested;           /* only check that the text parses: quoted values stay strings */
        struct owmi_error *err;   /* NULL for nested paths: only the outermost reports */
};

static int parse_text(const char *text, size_t len, unsigned depth, bool no_nested,
                      struct cim_objpath *ret, struct owmi_error *err);
static int format_path(const struct cim_objpath *path, unsigned flags, unsigned depth,
                       struct strbuf *out);

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
{
        va_list ap;

        if (p->err) {
                char msg[OWMI_ERROR_MESSAGE_MAX];

                va_start(ap, fmt);
                vsnprintf(msg, sizeof(msg), fmt, ap);
                va_end(ap);
                owmi_error_set_at(p->err, OWMI_E_INVALID_OBJECT_PATH, NULL, 0,
                                  (unsigned) pos + 1, "%s", msg);
        }
        return -EINVAL;
}

static int oom(struct parser *p)
{
        return owmi_error_set(p->err, OWMI_E_OUT_OF_MEMORY, "out of memory");
}

static bool is_sep(char c)
{
        return c == '\\' || c == '/';
}

static bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_ident_char(char c)
{
        return is_alpha(c) || is_digit(c) || c == '_';
}

static bool is_server_char(char c)
{
        return is_ident_char(c) || c == '-' || c == '.';
}

static int hex_digit(char c)
{
        if (is_digit(c))
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static char peek(const struct parser *p)
{
        return p->pos < p->len ? p->text[p->pos] : '\0';
}

static bool at_end(const struct parser *p)
{
        return p->pos >= p->len;
}

/* The character at pos for a message: printable ASCII as is, else "\xHH". */
static const char *describe(const struct parser *p, size_t pos, char buf[8])
{
        unsigned char c;

        if (pos >= p->len)
                return "end of path";
        c = (unsigned char) p->text[pos];
        if (c == '\'')
                snprintf(buf, 8, "\"'\"");
        else if (c > 0x20 && c < 0x7f)
                snprintf(buf, 8, "'%c'", c);
        else
                snprintf(buf, 8, "'\\x%02X'", c);
        return buf;
}

static size_t ident_len(const struct parser *p, size_t pos, bool (*ok)(char))
{
        size_t n = 0;

        while (pos + n < p->len && ok(p->text[pos + n]))
                n++;
        return n;
}

/* Class and key names: a letter or '_' first, then letters, digits, '_'. */
static int parse_name(struct parser *p, const char *what, char **ret)
{
        size_t n = ident_len(p, p->pos, is_ident_char);
        char buf[8], *s;

        if (n == 0 || is_digit(peek(p)))
                return fail(p, p->pos, "expected %s, found %s", what, describe(p, p->pos, buf));
        s = owmi_strndup(p->text + p->pos, n);
        if (!s)
                return oom(p);
        p->pos += n;
        *ret = s;
        return 0;
}

/* namespace := name { sep name }, stored with '/' separators */
static int parse_namespace(struct parser *p, char **ret)
{
        struct strbuf ns = STRBUF_INIT;
        char buf[8];

        for (;;) {
                size_t n = ident_len(p, p->pos, is_ident_char);

                if (n == 0) {
                        strbuf_release(&ns);
                        return fail(p, p->pos, "expected namespace name, found %s",
                                    describe(p, p->pos, buf));
                }
                if (ns.len)
                        strbuf_addch(&ns, '/');
                strbuf_add(&ns, p->text + p->pos, n);
                p->pos += n;
                if (!is_sep(peek(p)))
                        break;
                p->pos++;
        }
        *ret = strbuf_detach(&ns);
        return *ret ? 0 : oom(p);
}

/* A path names an instance or a namespace-qualified class: that is what a
 * quoted key value must hold to be taken for a reference.  Plain strings
 * ("C:", "root\\cimv2", "abc") never qualify. */
static bool path_is_reference(const struct cim_objpath *path)
{
        return path->class_name && (path->key_count > 0 || path->singleton || path->namespace);
}

/* string := '"' chars '"' | "'" chars "'"; a backslash escapes \ " and ',
 * and is kept as it is before any other character. */
static int parse_string(struct parser *p, struct cim_value *ret)
{
        struct strbuf sb = STRBUF_INIT;
        size_t start = p->pos, bad, len;
        char quote = p->text[p->pos++];
        struct cim_objpath nested;
        bool is_ref = false;
        char *s;
        int r;

        for (;;) {
                char c;

                if (at_end(p)) {
                        strbuf_release(&sb);
                        return fail(p, start, "unterminated string");
                }
                c = p->text[p->pos];
                if (c == quote) {
                        p->pos++;
                        break;
                }
                if (c == '\0') {
                        strbuf_release(&sb);
                        return fail(p, p->pos, "NUL character in string");
                }
                if (c == '\\' && p->pos + 1 < p->len &&
                    (p->text[p->pos + 1] == '\\' || p->text[p->pos + 1] == '"' ||
                     p->text[p->pos + 1] == '\'')) {
                        c = p->text[p->pos + 1];
                        p->pos++;
                }
                strbuf_addch(&sb, c);
                p->pos++;
        }
        /* escapes are ASCII: the raw text is valid UTF-8 iff the value is */
        bad = owmi_utf8_invalid_at(p->text + start, p->pos - start);
        if (bad) {
                strbuf_release(&sb);
                return fail(p, start + bad - 1, "invalid UTF-8 in string");
        }
        len = sb.len;
        s = strbuf_detach(&sb);   /* NULL too if an append failed */
        if (!s)
                return oom(p);

        r = 0;
        if (!p->no_nested) {
                /* the deepest allowed level still looks whether its strings
                 * are paths, only to refuse them */
                r = parse_text(s, len, p->depth + 1, p->depth >= CIM_OBJPATH_MAX_DEPTH,
                               &nested, NULL);
                if (r == 0) {
                        is_ref = path_is_reference(&nested);
                        cim_objpath_release(&nested);
                        if (is_ref && p->depth >= CIM_OBJPATH_MAX_DEPTH)
                                r = -ELOOP;
                } else if (r == -EINVAL) {
                        r = 0;    /* not a path: a plain string */
                }
        }
        if (r == 0) {
                cim_value_take_string(ret, is_ref ? CIM_TYPE_REFERENCE : CIM_TYPE_STRING, s);
                return 0;
        }
        owmi_free(s);
        if (r == -ELOOP) {
                fail(p, start, "references nested more than %d deep", CIM_OBJPATH_MAX_DEPTH);
                return -ELOOP;
        }
        return oom(p);
}

/* Locale-independent strtod of a literal already checked by the grammar. */
static int convert_real(const char *s, size_t n, double *ret)
{
        const char *point = localeconv()->decimal_point;
        char buf[REAL_LITERAL_MAX + 16];
        size_t o = 0, plen = strlen(point);
        char *end;
        double d;

        if (n > REAL_LITERAL_MAX || plen > 8)
                return -ERANGE;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '.') {
                        memcpy(buf + o, point, plen);
                        o += plen;
                } else {
                        buf[o++] = s[i];
                }
        }
        buf[o] = '\0';
        d = strtod(buf, &end);
        if (*end != '\0' || isinf(d) || isnan(d))
                return -ERANGE;
        *ret = d;
        return 0;
}

/* number := ["+" | "-"] ( "0x" hexdigits | digits ["." digits] [exponent] ) */
static int parse_number(struct parser *p, struct cim_value *ret)
{
        size_t start = p->pos, digits_at;
        bool neg = false, real = false, overflow = false;
        uint64_t mag = 0;
        char buf[8];

        if (peek(p) == '-' || peek(p) == '+') {
                neg = peek(p) == '-';
                p->pos++;
        }
        digits_at = p->pos;
        if (peek(p) == '0' && p->pos + 1 < p->len &&
            (p->text[p->pos + 1] == 'x' || p->text[p->pos + 1] == 'X')) {
                p->pos += 2;
                digits_at = p->pos;
                for (int h; (h = hex_digit(peek(p))) >= 0; p->pos++) {
                        overflow = overflow || mag > UINT64_MAX >> 4;
                        mag = mag << 4 | (uint64_t) h;
                }
                if (p->pos == digits_at)
                        return fail(p, p->pos, "expected hexadecimal digit, found %s",
                                    describe(p, p->pos, buf));
        } else {
                /* on overflow keep scanning: a '.' or exponent makes it a real */
                for (; is_digit(peek(p)); p->pos++) {
                        unsigned d = (unsigned) (peek(p) - '0');

                        overflow = overflow || mag > (UINT64_MAX - d) / 10;
                        mag = mag * 10 + d;
                }
                if (p->pos == digits_at)
                        return fail(p, p->pos, "expected digit, found %s", describe(p, p->pos, buf));
                if (peek(p) == '.') {
                        p->pos++;
                        if (!is_digit(peek(p)))
                                return fail(p, p->pos, "expected digit after '.', found %s",
                                            describe(p, p->pos, buf));
                        while (is_digit(peek(p)))
                                p->pos++;
                        real = true;
                }
                if (peek(p) == 'e' || peek(p) == 'E') {
                        p->pos++;
                        if (peek(p) == '+' || peek(p) == '-')
                                p->pos++;
                        if (!is_digit(peek(p)))
                                return fail(p, p->pos, "expected exponent digit, found %s",
                                            describe(p, p->pos, buf));
                        while (is_digit(peek(p)))
                                p->pos++;
                        real = true;
                }
        }

        if (real) {
                double d;

                if (convert_real(p->text + start, p->pos - start, &d) < 0)
                        return fail(p, start, "real number out of range");
                cim_value_set_real(ret, CIM_TYPE_REAL64, d);
        } else if (overflow || (neg && mag > (uint64_t) INT64_MAX + 1)) {
                return fail(p, start, "integer out of range");
        } else if (neg) {
                /* -2^63 has no positive counterpart: negate in unsigned */
                cim_value_set_sint(ret, CIM_TYPE_SINT64, (int64_t) (0 - mag));
        } else {
                cim_value_set_uint(ret, CIM_TYPE_UINT64, mag);
        }
        return 0;
}

/* value := string | number | TRUE | FALSE */
static int parse_value(struct parser *p, struct cim_value *ret)
{
        char c = peek(p), buf[8];
        size_t n;

        if (c == '"' || c == '\'')
                return parse_string(p, ret);
        if (is_digit(c) || c == '-' || c == '+')
                return parse_number(p, ret);
        n = ident_len(p, p->pos, is_ident_char);
        if (n == 4 && owmi_strncasecmp(p->text + p->pos, "TRUE", 4) == 0) {
                cim_value_set_bool(ret, true);
        } else if (n == 5 && owmi_strncasecmp(p->text + p->pos, "FALSE", 5) == 0) {
                cim_value_set_bool(ret, false);
        } else {
                return fail(p, p->pos, "expected key value, found %s", describe(p, p->pos, buf));
        }
        p->pos += n;
        return 0;
}

static int add_parsed_key(struct parser *p, struct cim_objpath *path, char *name,
                          struct cim_value *value)
{
        struct cim_keybinding *keys;

        keys = owmi_reallocarray(path->keys, path->key_count + 1, sizeof(*keys));
        if (!keys)
                return oom(p);
        path->keys = keys;
        keys[path->key_count].name = name;
        keys[path->key_count].value = *value;
        path->key_count++;
        cim_value_init_null(value, CIM_TYPE_NONE, false);
        return 0;
}

/* keylist := name "=" value { "," name "=" value } */
static int parse_keys(struct parser *p, struct cim_objpath *path)
{
        char buf[8];
        int r;

        for (;;) {
                size_t name_at = p->pos;
                struct cim_value value;
                char *name = NULL;

                if (path->key_count >= CIM_OBJPATH_MAX_KEYS)
                        return fail(p, name_at, "more than %d keys", CIM_OBJPATH_MAX_KEYS);
                r = parse_name(p, "key name", &name);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < path->key_count; i++) {
                        if (owmi_strcasecmp(path->keys[i].name, name) == 0) {
                                r = fail(p, name_at, "duplicate key '%s'", name);
                                owmi_free(name);
                                return r;
                        }
                }
                if (peek(p) != '=') {
                        r = fail(p, p->pos, "expected '=' after key '%s', found %s", name,
                                 describe(p, p->pos, buf));
                        owmi_free(name);
                        return r;
                }
                p->pos++;
                cim_value_init_null(&value, CIM_TYPE_NONE, false);
                r = parse_value(p, &value);
                if (r >= 0)
                        r = add_parsed_key(p, path, name, &value);
                if (r < 0) {
                        owmi_free(name);
                        cim_value_release(&value);
                        return r;
                }
                if (at_end(p))
                        return 0;
                if (peek(p) != ',')
                        return fail(p, p->pos, "expected ',' or end of path, found %s",
                                    describe(p, p->pos, buf));
                p->pos++;
        }
}

/* object := class [ "=@" | "=" value | "." keylist ] */
static int parse_object(struct parser *p, struct cim_objpath *path)
{
        char buf[8];
        int r;

        r = parse_name(p, "class name", &path->class_name);
        if (r < 0)
                return r;
        if (at_end(p))
                return 0;
        if (peek(p) == '.') {
                p->pos++;
                return parse_keys(p, path);
        }
        if (peek(p) != '=')
                return fail(p, p->pos, "expected '.', '=' or end of path after class name, found %s",
                            describe(p, p->pos, buf));
        p->pos++;
        if (peek(p) == '@') {
                p->pos++;
                path->singleton = true;
        } else {
                struct cim_value value;

                cim_value_init_null(&value, CIM_TYPE_NONE, false);
                r = parse_value(p, &value);
                if (r >= 0)
                        r = add_parsed_key(p, path, NULL, &value);
                if (r < 0) {
                        cim_value_release(&value);
                        return r;
                }
        }
        if (!at_end(p))
                return fail(p, p->pos, "expected end of path, found %s", describe(p, p->pos, buf));
        return 0;
}

/* path := [ sep sep server sep ] namespace [ ":" object ]
 *       | namespace ":" object
 *       | object
 * with sep = "\" | "/".  A name followed by a separator or ':' starts a
 * namespace; otherwise it is the class of a relative path. */
static int parse_path(struct parser *p, struct cim_objpath *path)
{
        char buf[8];
        int r;

        if (p->len >= 2 && is_sep(p->text[0]) && is_sep(p->text[1])) {
                size_t n;

                p->pos = 2;
                n = ident_len(p, p->pos, is_server_char);
                if (n == 0)
                        return fail(p, p->pos, "expected server name, found %s",
                                    describe(p, p->pos, buf));
                if (!(n == 1 && p->text[p->pos] == '.') &&
                    !(n == 9 && owmi_strncasecmp(p->text + p->pos, "localhost", 9) == 0)) {
                        path->server = owmi_strndup(p->text + p->pos, n);
                        if (!path->server)
                                return oom(p);
                }
                p->pos += n;
                if (!is_sep(peek(p)))
                        return fail(p, p->pos, "expected '\\' after server name, found %s",
                                    describe(p, p->pos, buf));
                p->pos++;
        } else {
                size_t n = ident_len(p, p->pos, is_ident_char);
                char next = p->pos + n < p->len ? p->text[p->pos + n] : '\0';

                if (n == 0 || (!is_sep(next) && next != ':'))
                        return parse_object(p, path);
        }

        r = parse_namespace(p, &path->namespace);
        if (r < 0)
                return r;
        if (at_end(p))
                return 0;
        if (peek(p) != ':')
                return fail(p, p->pos, "expected ':' after namespace, found %s",
                            describe(p, p->pos, buf));
        p->pos++;
        return parse_object(p, path);
}

static int parse_text(const char *text, size_t len, unsigned depth, bool no_nested,
                      struct cim_objpath *ret, struct owmi_error *err)
{
        struct parser p = {
                .text = text, .len = len, .depth = depth, .no_nested = no_nested, .err = err,
        };
        struct cim_objpath path = { 0 };
        int r;

        if (len == 0)
                return fail(&p, 0, "empty object path");
        if (len > CIM_OBJPATH_MAX_LEN)
                return fail(&p, CIM_OBJPATH_MAX_LEN, "object path longer than %d bytes",
                            CIM_OBJPATH_MAX_LEN);
        r = parse_path(&p, &path);
        if (r < 0) {
                cim_objpath_release(&path);
                return r;
        }
        *ret = path;
        return 0;
}

int cim_objpath_parse(const char *text, size_t len, struct cim_objpath *ret,
                      struct owmi_error *err)
{
        int r = parse_text(text, len, 0, false, ret, err);

        return r == -ELOOP ? -EINVAL : r;
}

void cim_objpath_release(struct cim_objpath *path)
{
        if (!path)
                return;
        owmi_free(path->server);
        owmi_free(path->namespace);
        owmi_free(path->class_name);
        for (size_t i = 0; i < path->key_count; i++) {
                owmi_free(path->keys[i].name);
                cim_value_release(&path->keys[i].value);
        }
        owmi_free(path->keys);
        memset(path, 0, sizeof(*path));
}

static bool valid_name(const char *s)
{
        if (!s || !*s || is_digit(*s))
                return false;
        for (; *s; s++)
                if (!is_ident_char(*s))
                        return false;
        return true;
}

static bool valid_namespace(const char *s)
{
        /* components of name characters, '/' or '\' between them */
        if (!s || !*s)
                return false;
        for (const char *c = s; *c; c++) {
                if (is_sep(*c)) {
                        if (c == s || !c[1] || is_sep(c[1]))
                                return false;
                } else if (!is_ident_char(*c)) {
                        return false;
                }
        }
        return true;
}

static bool valid_server(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!is_server_char(*s))
                        return false;
        return true;
}

/* Shortest decimal that reads back as the same double, always with a '.'
 * or an exponent so that it reads back as a real. */
static int format_real(double r, struct strbuf *out)
{
        char buf[64];
        double back = 0;

        if (isnan(r) || isinf(r))
                return -EINVAL;
        for (int prec = 15; prec <= 17; prec++) {
                snprintf(buf, sizeof(buf), "%.*g", prec, r);
                /* undo a locale's decimal comma */
                for (char *c = buf; *c; c++)
                        if (!is_digit(*c) && *c != '-' && *c != '+' && *c != 'e')
                                *c = '.';
                if (convert_real(buf, strlen(buf), &back) == 0 && back == r)
                        break;
        }
        if (!strpbrk(buf, ".e"))
                strcat(buf, ".0");
        return strbuf_addstr(out, buf);
}

static int format_quoted(const char *s, struct strbuf *out)
{
        strbuf_addch(out, '"');
        for (const char *run = s;; s++) {
                if (*s == '"' || *s == '\\' || *s == '\0') {
                        strbuf_add(out, run, (size_t) (s - run));
                        if (!*s)
                                break;
                        strbuf_addch(out, '\\');
                        run = s;
                }
        }
        return strbuf_addch(out, '"');
}

/* Quoted text, canonical if it is itself a path (see path_is_reference):
 * a nested path is written in full, in the flavor of the outer path. */
static int format_text_value(const char *s, unsigned flags, unsigned depth, struct strbuf *out)
{
        struct strbuf nested = STRBUF_INIT;
        struct cim_objpath path;
        size_t len = strlen(s);
        int r;

        if (owmi_utf8_invalid_at(s, len))
                return -EINVAL;
        r = parse_text(s, len, depth + 1, depth >= CIM_OBJPATH_MAX_DEPTH, &path, NULL);
        if (r == -ENOMEM)
                return r;
        if (r == -ELOOP)
                return -EINVAL;
        if (r < 0 || !path_is_reference(&path)) {
                if (r == 0)
                        cim_objpath_release(&path);
                return format_quoted(s, out);
        }
        if (depth >= CIM_OBJPATH_MAX_DEPTH) {
                cim_objpath_release(&path);
                return -EINVAL;
        }
        r = format_path(&path, flags & ~CIM_OBJPATH_RELATIVE, depth + 1, &nested);
        cim_objpath_release(&path);
        if (r >= 0)
                r = format_quoted(strbuf_str(&nested), out);
        strbuf_release(&nested);
        return r;
}

static int format_value(const struct cim_value *v, unsigned flags, unsigned depth,
                        struct strbuf *out)
{
        char dt[CIM_DATETIME_LEN + 1];

        if (v->is_null || v->is_array)
                return -EINVAL;
        switch (v->type) {
        case CIM_TYPE_BOOLEAN:
                return strbuf_addstr(out, v->v.boolean ? "TRUE" : "FALSE");
        case CIM_TYPE_UINT8: case CIM_TYPE_UINT16: case CIM_TYPE_UINT32: case CIM_TYPE_UINT64:
                return strbuf_addf(out, "%" PRIu64, v->v.u64);
        case CIM_TYPE_SINT8: case CIM_TYPE_SINT16: case CIM_TYPE_SINT32: case CIM_TYPE_SINT64:
                return strbuf_addf(out, "%" PRId64, v->v.s64);
        case CIM_TYPE_CHAR16:
                return strbuf_addf(out, "%u", (unsigned) v->v.char16);
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64:
                return format_real(v->v.real, out);
        case CIM_TYPE_STRING:
                /* a string key is its text, even one that reads like a path */
                if (owmi_utf8_invalid_at(v->v.string, strlen(v->v.string)))
                        return -EINVAL;
                return format_quoted(v->v.string, out);
        case CIM_TYPE_REFERENCE:
                return format_text_value(v->v.string, flags, depth, out);
        case CIM_TYPE_DATETIME:
                cim_datetime_format(&v->v.datetime, dt);
                return format_quoted(dt, out);
        default:
                return -EINVAL;
        }
}

static int format_path(const struct cim_objpath *path, unsigned flags, unsigned depth,
                       struct strbuf *out)
{
        const struct cim_keybinding *sorted[CIM_OBJPATH_MAX_KEYS];
        char sep = flags & CIM_OBJPATH_DMTF ? '/' : '\\';
        bool relative = (flags & CIM_OBJPATH_RELATIVE) || !path->namespace;
        size_t start = out->len;
        int r = 0;

        if (!path->class_name && relative)
                return -EINVAL;
        if (path->key_count > CIM_OBJPATH_MAX_KEYS ||
            (path->class_name && !valid_name(path->class_name)) ||
            (path->namespace && !valid_namespace(path->namespace)) ||
            (path->server && !valid_server(path->server)) ||
            (path->singleton && path->key_count > 0))
                return -EINVAL;

        if (!relative) {
                /* always a server, "." for this host: "root" alone would
                 * read back as a class, "\\.\root" as a namespace */
                strbuf_addch(out, sep);
                strbuf_addch(out, sep);
                strbuf_addstr(out, path->server ? path->server : ".");
                strbuf_addch(out, sep);
                for (const char *c = path->namespace; *c; c++)
                        strbuf_addch(out, is_sep(*c) ? sep : *c);
                if (!path->class_name)
                        goto done;
                strbuf_addch(out, ':');
        }
        strbuf_addstr(out, path->class_name);

        if (path->singleton) {
                strbuf_addstr(out, "=@");
        } else if (path->key_count == 1 && !path->keys[0].name) {
                strbuf_addch(out, '=');
                r = format_value(&path->keys[0].value, flags, depth, out);
        } else if (path->key_count > 0) {
                /* canonical order: insertion sort by case-insensitive name */
                for (size_t i = 0; i < path->key_count; i++) {
                        const struct cim_keybinding *k = &path->keys[i];
                        size_t j = i;

                        if (!valid_name(k->name))
                                return -EINVAL;
                        for (; j > 0 && owmi_strcasecmp(sorted[j - 1]->name, k->name) > 0; j--)
                                sorted[j] = sorted[j - 1];
                        sorted[j] = k;
                }
                for (size_t i = 0; i < path->key_count && r >= 0; i++) {
                        if (i > 0 && owmi_strcasecmp(sorted[i - 1]->name, sorted[i]->name) == 0)
                                return -EINVAL;
                        strbuf_addch(out, i == 0 ? '.' : ',');
                        strbuf_addstr(out, sorted[i]->name);
                        strbuf_addch(out, '=');
                        r = format_value(&sorted[i]->value, flags, depth, out);
                }
        }
        if (r < 0)
                return r;
done:
        if (strbuf_error(out) < 0)
                return -ENOMEM;
        /* what we could not parse back, we do not write */
        if (out->len - start > CIM_OBJPATH_MAX_LEN)
                return -E2BIG;
        return 0;
}

int cim_objpath_format(const struct cim_objpath *path, unsigned flags, struct strbuf *out)
{
        size_t start = out->len;
        int r = format_path(path, flags, 0, out);

        /* leave out as it was on failure, as far as we can */
        if (r < 0 && !out->failed && out->buf) {
                out->len = start;
                out->buf[start] = '\0';
        }
        return r;
}

static bool text_equal(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return owmi_strcasecmp(a, b) == 0;
}

/* Two quoted values: equal text, or both paths (path_is_reference) that
 * are equal.  Out of memory makes them compare by text only. */
static bool quoted_equal(const char *a, const char *b)
{
        struct cim_objpath pa, pb;
        bool eq = false;

        if (owmi_strcasecmp(a, b) == 0)
                return true;
        if (cim_objpath_parse(a, strlen(a), &pa, NULL) < 0)
                return false;
        if (cim_objpath_parse(b, strlen(b), &pb, NULL) == 0) {
                eq = path_is_reference(&pa) && path_is_reference(&pb) && cim_objpath_equal(&pa, &pb);
                cim_objpath_release(&pb);
        }
        cim_objpath_release(&pa);
        return eq;
}

enum key_class { KEY_OTHER, KEY_INT, KEY_REAL, KEY_BOOL, KEY_TEXT, KEY_PATHTEXT };

static enum key_class key_class(const struct cim_value *v)
{
        if (v->is_array)
                return KEY_OTHER;
        if (cim_type_is_integer(v->type) || v->type == CIM_TYPE_CHAR16)
                return KEY_INT;
        switch (v->type) {
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64: return KEY_REAL;
        case CIM_TYPE_BOOLEAN: return KEY_BOOL;
        case CIM_TYPE_DATETIME: return KEY_TEXT;
        case CIM_TYPE_STRING: case CIM_TYPE_REFERENCE: return KEY_PATHTEXT;
        default: return KEY_OTHER;
        }
}

/* An integer key as sign and magnitude. */
static void int_parts(const struct cim_value *v, bool *neg, uint64_t *mag)
{
        if (v->type == CIM_TYPE_CHAR16) {
                *neg = false;
                *mag = v->v.char16;
        } else if (cim_type_is_signed(v->type) && v->v.s64 < 0) {
                *neg = true;
                *mag = (uint64_t) 0 - (uint64_t) v->v.s64;
        } else {
                *neg = false;
                *mag = v->v.u64;
        }
}

static const char *text_of(const struct cim_value *v, char dt[CIM_DATETIME_LEN + 1])
{
        if (v->type == CIM_TYPE_DATETIME) {
                cim_datetime_format(&v->v.datetime, dt);
                return dt;
        }
        return v->v.string;
}

/* Key values compare by what they mean: integers of any width and sign by
 * value, reals by value, strings case-insensitively (as WMI compares key
 * strings), datetimes by their text, references as paths.  An integer never
 * equals a real: equal keys must have the same canonical text. */
static bool key_value_equal(const struct cim_value *a, const struct cim_value *b)
{
        enum key_class ca = key_class(a), cb = key_class(b);
        char da[CIM_DATETIME_LEN + 1], db[CIM_DATETIME_LEN + 1];

        if (a->is_null || b->is_null)
                return a->is_null && b->is_null;
        if (ca == KEY_INT && cb == KEY_INT) {
                bool na, nb;
                uint64_t ma, mb;

                int_parts(a, &na, &ma);
                int_parts(b, &nb, &mb);
                return ma == mb && (na == nb || ma == 0);
        }
        if (ca == KEY_REAL && cb == KEY_REAL)
                return a->v.real == b->v.real || (isnan(a->v.real) && isnan(b->v.real));
        if (ca == KEY_BOOL && cb == KEY_BOOL)
                return a->v.boolean == b->v.boolean;
        if (ca == KEY_PATHTEXT && cb == KEY_PATHTEXT)
                return quoted_equal(a->v.string, b->v.string);
        if ((ca == KEY_TEXT || ca == KEY_PATHTEXT) && (cb == KEY_TEXT || cb == KEY_PATHTEXT))
                return owmi_strcasecmp(text_of(a, da), text_of(b, db)) == 0;
        return false;
}

bool cim_objpath_equal(const struct cim_objpath *a, const struct cim_objpath *b)
{
        if (!text_equal(a->server, b->server) || !text_equal(a->class_name, b->class_name) ||
            a->singleton != b->singleton || a->key_count != b->key_count)
                return false;
        /* namespaces: '/' and '\' are the same separator */
        if (!a->namespace || !b->namespace) {
                if (a->namespace != b->namespace)
                        return false;
        } else {
                const char *x = a->namespace, *y = b->namespace;

                for (; *x && *y; x++, y++)
                        if (!(is_sep(*x) && is_sep(*y)) &&
                            owmi_strncasecmp(x, y, 1) != 0)
                                break;
                if (*x || *y)
                        return false;
        }
        /* a single unnamed key matches a single key of any name */
        if (a->key_count == 1 && (!a->keys[0].name || !b->keys[0].name))
                return key_value_equal(&a->keys[0].value, &b->keys[0].value);
        for (size_t i = 0; i < a->key_count; i++) {
                const struct cim_keybinding *k = cim_objpath_find_key(b, a->keys[i].name);

                if (!k || !a->keys[i].name || !key_value_equal(&a->keys[i].value, &k->value))
                        return false;
        }
        return true;
}

static int dup_or_null(const char *s, char **ret)
{
        *ret = NULL;
        if (s && !(*ret = owmi_strdup(s)))
                return -ENOMEM;
        return 0;
}

int cim_objpath_copy(struct cim_objpath *dst, const struct cim_objpath *src)
{
        struct cim_objpath tmp = { .singleton = src->singleton };

        if (dup_or_null(src->server, &tmp.server) < 0 ||
            dup_or_null(src->namespace, &tmp.namespace) < 0 ||
            dup_or_null(src->class_name, &tmp.class_name) < 0)
                goto fail;
        if (src->key_count > 0) {
                tmp.keys = owmi_calloc(src->key_count, sizeof(*tmp.keys));
                if (!tmp.keys)
                        goto fail;
                for (size_t i = 0; i < src->key_count; i++) {
                        struct cim_keybinding *k = &tmp.keys[i];

                        if (dup_or_null(src->keys[i].name, &k->name) < 0)
                                goto fail;
                        if (cim_value_copy(&k->value, &src->keys[i].value) < 0) {
                                owmi_free(k->name);
                                goto fail;
                        }
                        tmp.key_count++;
                }
        }
        *dst = tmp;
        return 0;
fail:
        cim_objpath_release(&tmp);
        return -ENOMEM;
}

int cim_objpath_add_key(struct cim_objpath *path, const char *name, struct cim_value *value)
{
        struct cim_keybinding *keys;
        char *copy = NULL;

        if (path->singleton || value->is_null || value->is_array ||
            key_class(value) == KEY_OTHER)
                return -EINVAL;
        if (name ? !valid_name(name) : path->key_count > 0)
                return -EINVAL;
        if (path->key_count == 1 && !path->keys[0].name)
                return -EINVAL;
        if (name && cim_objpath_find_key(path, name))
                return -EEXIST;
        if (path->key_count >= CIM_OBJPATH_MAX_KEYS)
                return -E2BIG;
        if (dup_or_null(name, &copy) < 0)
                return -ENOMEM;
        keys = owmi_reallocarray(path->keys, path->key_count + 1, sizeof(*keys));
        if (!keys) {
                owmi_free(copy);
                return -ENOMEM;
        }
        path->keys = keys;
        keys[path->key_count].name = copy;
        cim_value_init_null(&keys[path->key_count].value, CIM_TYPE_NONE, false);
        cim_value_move(&keys[path->key_count].value, value);
        path->key_count++;
        return 0;
}

const struct cim_keybinding *cim_objpath_find_key(const struct cim_objpath *path, const char *name)
{
        /* a single unnamed key ("Class='v'") answers to any name */
        if (path->key_count == 1 && !path->keys[0].name)
                return &path->keys[0];
        if (!name)
                return NULL;
        for (size_t i = 0; i < path->key_count; i++)
                if (path->keys[i].name && owmi_strcasecmp(path->keys[i].name, name) == 0)
                        return &path->keys[i];
        return NULL;
}
