/* SPDX-License-Identifier: MIT */
/*
 * eval.c: what a parsed WQL query means (research/wmi-semantics.md 2.2,
 * 2.3, 3, 4): WHERE evaluation against one object (wql_match), LIKE
 * (wql_like), the schema checks of a query against its FROM class
 * (wql_check, wql_classify), the properties a provider must fill
 * (wql_needed_properties) and the partial instances a select list asks
 * for (wql_project).
 *
 * Comparison rules: the property's type decides.  A constant (or, in event
 * queries, the other property) is converted to it: strings compare
 * case-insensitively (ASCII folding, ordering too); numbers numerically
 * across widths and signs; booleans by truth value ('TRUE', 'FALSE', '1',
 * '0', numbers) and only for = and <>; datetimes chronologically from DMTF
 * text, "YYYY-MM-DD[ hh:mm[:ss]]" or "MM/DD/YYYY[ hh:mm[:ss]]" (those two
 * read as UTC); references as object paths.  A NULL, an array, a constant
 * that does not convert or an embedded path that leads nowhere makes the
 * predicate false (two-valued logic: NOT simply inverts).
 *
 * It does not run queries (cimom/ does) nor deliver events (event/ does).
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "wql/lexer.h"
#include "wql/wql.h"

/* Results of compare_values besides -1, 0, 1. */
#define CMP_NE 2     /* unequal, and no order between them (NaN) */
#define CMP_NONE 3   /* not comparable: every predicate is false */

static int ascii_lower(int c)
{
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int ascii_upper(int c)
{
        return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

/* One code point of UTF-8 text (s non-empty); a byte that does not start
 * a well-formed sequence counts as one character on its own. */
static uint32_t decode_char(const char *s, size_t *ret_len)
{
        const unsigned char *u = (const unsigned char *) s;
        size_t n;
        uint32_t cp;

        if (u[0] < 0x80) {
                *ret_len = 1;
                return u[0];
        }
        if (u[0] >= 0xc2 && u[0] <= 0xdf) {
                n = 2;
                cp = u[0] & 0x1f;
        } else if (u[0] >= 0xe0 && u[0] <= 0xef) {
                n = 3;
                cp = u[0] & 0x0f;
        } else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
                n = 4;
                cp = u[0] & 0x07;
        } else {
                *ret_len = 1;
                return u[0];
        }
        for (size_t i = 1; i < n; i++) {
                if ((u[i] & 0xc0) != 0x80) {
                        *ret_len = 1;
                        return u[0];
                }
                cp = cp << 6 | (u[i] & 0x3f);
        }
        *ret_len = n;
        return cp;
}

/* LIKE pattern elements. */
enum like_kind { LIKE_RUN, LIKE_ONE, LIKE_SET, LIKE_CHAR };

struct like_elem {
        enum like_kind kind;
        uint32_t cp;              /* LIKE_CHAR */
        const char *set, *set_end;/* LIKE_SET: the items between "[" or "[^" and "]" */
        bool negate;              /* LIKE_SET: [^...] */
        size_t len;               /* bytes of pattern */
};

/* set := "[" ["^"] item {item} "]"; a "]" right after "[" or "[^" is a
 * member; a "[" without its "]" is a literal "[".  last_close is the
 * pattern's last "]" (or NULL), so that a run of unclosed "[" does not
 * search to the end of the pattern for each of them. */
static void like_parse(const char *p, const char *last_close, struct like_elem *e)
{
        const char *q, *close;

        memset(e, 0, sizeof(*e));
        switch (*p) {
        case '%':
                e->kind = LIKE_RUN;
                e->len = 1;
                return;
        case '_':
                e->kind = LIKE_ONE;
                e->len = 1;
                return;
        case '[':
                q = p + 1;
                if (*q == '^') {
                        e->negate = true;
                        q++;
                }
                close = *q && last_close && q + 1 <= last_close ? strchr(q + 1, ']') : NULL;
                if (close) {
                        e->kind = LIKE_SET;
                        e->set = q;
                        e->set_end = close;
                        e->len = (size_t) (close - p) + 1;
                        return;
                }
                break;
        default:
                break;
        }
        e->kind = LIKE_CHAR;
        e->cp = decode_char(p, &e->len);
}

static bool set_contains(const struct like_elem *e, uint32_t c)
{
        const char *s = e->set;

        while (s < e->set_end) {
                size_t n, m;
                uint32_t lo = decode_char(s, &n), hi = lo;

                s += n;
                if (s + 1 < e->set_end && *s == '-') {
                        hi = decode_char(s + 1, &m);
                        s += 1 + m;
                }
                if (c >= lo && c <= hi)
                        return true;
        }
        return false;
}

static bool like_elem_matches(const struct like_elem *e, uint32_t c)
{
        bool in;

        switch (e->kind) {
        case LIKE_ONE:
                return true;
        case LIKE_CHAR:
                return c == e->cp || (c < 0x80 && e->cp < 0x80 &&
                                      ascii_lower((int) c) == ascii_lower((int) e->cp));
        case LIKE_SET:
                in = set_contains(e, c);
                if (!in && c < 0x80)
                        in = set_contains(e, (uint32_t) ascii_lower((int) c)) ||
                             set_contains(e, (uint32_t) ascii_upper((int) c));
                return in != e->negate;
        default:
                return false;
        }
}

/* Greedy match remembering only the last '%': on a mismatch the text that
 * '%' swallows grows by one character and matching resumes after it.
 * Every other element matches exactly one character, so one backtrack
 * point suffices and the cost is O(len(text) * len(pattern)) at worst. */
bool wql_like(const char *text, const char *pattern)
{
        const char *t = text, *p = pattern, *star_p = NULL, *star_t = NULL, *last_close;
        struct like_elem e;
        size_t n;

        if (!text || !pattern)
                return false;
        last_close = strrchr(pattern, ']');
        while (*t) {
                if (*p) {
                        like_parse(p, last_close, &e);
                        if (e.kind == LIKE_RUN) {
                                star_p = p + e.len;
                                star_t = t;
                                p = star_p;
                                continue;
                        }
                        if (like_elem_matches(&e, decode_char(t, &n))) {
                                p += e.len;
                                t += n;
                                continue;
                        }
                }
                if (!star_p)
                        return false;
                decode_char(star_t, &n);
                star_t += n;
                t = star_t;
                p = star_p;
        }
        while (*p == '%')
                p++;
        return *p == '\0';
}

/* Case-insensitive (ASCII) ordering of two strings. */
static int text_compare(const char *a, const char *b)
{
        int r = owmi_strcasecmp(a, b);

        return (r > 0) - (r < 0);
}

/* A number: exact for integers, long double (64-bit mantissa: exact for
 * every 64-bit integer too) for reals. */
struct number {
        bool is_real;
        bool negative;            /* integers: sign, with magnitude */
        uint64_t magnitude;
        long double real;
};

static bool string_to_number(const char *s, struct number *ret)
{
        size_t n = strlen(s);
        double d;

        memset(ret, 0, sizeof(*ret));
        if (wql_strtoint(s, n, &ret->negative, &ret->magnitude) == 0) {
                ret->negative = ret->negative && ret->magnitude;
                return true;
        }
        if (wql_strtod(s, n, &d) < 0)
                return false;
        ret->is_real = true;
        ret->real = d;
        return true;
}

static bool value_to_number(const struct cim_value *v, struct number *ret)
{
        memset(ret, 0, sizeof(*ret));
        if (cim_type_is_integer(v->type)) {
                if (cim_type_is_signed(v->type) && v->v.s64 < 0) {
                        ret->negative = true;
                        ret->magnitude = (uint64_t) 0 - (uint64_t) v->v.s64;
                } else {
                        ret->magnitude = v->v.u64;
                }
                return true;
        }
        switch (v->type) {
        case CIM_TYPE_REAL32:
        case CIM_TYPE_REAL64:
                ret->is_real = true;
                ret->real = v->v.real;
                return true;
        case CIM_TYPE_CHAR16:
                ret->magnitude = v->v.char16;
                return true;
        case CIM_TYPE_STRING:
                return string_to_number(v->v.string, ret);
        default:
                return false;
        }
}

static long double number_real(const struct number *n)
{
        if (n->is_real)
                return n->real;
        return n->negative ? -(long double) n->magnitude : (long double) n->magnitude;
}

static int number_compare(const struct number *a, const struct number *b)
{
        if (a->is_real || b->is_real) {
                long double x = number_real(a), y = number_real(b);

                if (isnan(x) || isnan(y))
                        return CMP_NE;
                return (x > y) - (x < y);
        }
        if (a->negative != b->negative)
                return a->negative ? -1 : 1;
        if (a->magnitude == b->magnitude)
                return 0;
        return (a->magnitude < b->magnitude) != a->negative ? -1 : 1;
}

/* Truth value of a boolean, a number or 'TRUE' / 'FALSE' / numeric text. */
static bool value_to_truth(const struct cim_value *v, bool *ret)
{
        struct number n;

        if (v->type == CIM_TYPE_BOOLEAN) {
                *ret = v->v.boolean;
                return true;
        }
        if (v->type == CIM_TYPE_STRING) {
                if (owmi_strcasecmp(v->v.string, "TRUE") == 0) {
                        *ret = true;
                        return true;
                }
                if (owmi_strcasecmp(v->v.string, "FALSE") == 0) {
                        *ret = false;
                        return true;
                }
        }
        if (!value_to_number(v, &n))
                return false;
        *ret = n.is_real ? n.real != 0 : n.magnitude != 0;
        return true;
}

/* Text of a scalar for comparing with a string property; buf holds
 * formatted values. */
static const char *value_to_text(const struct cim_value *v, char *buf, size_t size)
{
        if (cim_type_is_integer(v->type)) {
                if (cim_type_is_signed(v->type))
                        snprintf(buf, size, "%lld", (long long) v->v.s64);
                else
                        snprintf(buf, size, "%llu", (unsigned long long) v->v.u64);
                return buf;
        }
        switch (v->type) {
        case CIM_TYPE_STRING:
        case CIM_TYPE_REFERENCE:
                return v->v.string;
        case CIM_TYPE_BOOLEAN:
                return v->v.boolean ? "TRUE" : "FALSE";
        case CIM_TYPE_REAL32:
        case CIM_TYPE_REAL64: {
                const char *point = localeconv()->decimal_point;

                snprintf(buf, size, "%.15g", v->v.real);
                /* C syntax whatever the locale */
                if (point[0] && point[0] != '.' && !point[1])
                        for (char *c = buf; *c; c++)
                                if (*c == point[0])
                                        *c = '.';
                return buf;
        }
        case CIM_TYPE_CHAR16: {
                size_t n = size >= 5 ? owmi_utf8_encode(v->v.char16, buf) : 0;

                /* NUL and lone surrogates have no text */
                if (n == 0 || v->v.char16 == 0)
                        return NULL;
                buf[n] = '\0';
                return buf;
        }
        case CIM_TYPE_DATETIME:
                if (size <= CIM_DATETIME_LEN)
                        return NULL;
                cim_datetime_format(&v->v.datetime, buf);
                return buf;
        default:
                return NULL;
        }
}

/* d digits of s as a number, or -1. */
static int digits(const char *s, size_t d)
{
        int v = 0;

        for (size_t i = 0; i < d; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

/* [(" " | "T") hh ":" mm [":" ss]] at s: the rest of an ISO or US date. */
static bool parse_time_of_day(const char *s, struct cim_datetime *dt)
{
        size_t n = strlen(s);
        int h, m, sec = 0;

        if (n == 0)
                return true;
        if ((n != 6 && n != 9) || (s[0] != ' ' && s[0] != 'T') || s[3] != ':' ||
            (h = digits(s + 1, 2)) < 0 || (m = digits(s + 4, 2)) < 0)
                return false;
        if (n == 9 && (s[6] != ':' || (sec = digits(s + 7, 2)) < 0))
                return false;
        dt->hour = (uint8_t) h;
        dt->minute = (uint8_t) m;
        dt->second = (uint8_t) sec;
        return true;
}

/* A datetime constant: DMTF text without asterisks (not allowed in a
 * WHERE), "YYYY-MM-DD[ hh:mm[:ss]]" or "MM/DD/YYYY[ hh:mm[:ss]]" in UTC.
 * The fields are range-checked by formatting and parsing them back. */
static bool string_to_datetime(const char *s, struct cim_datetime *ret)
{
        struct cim_datetime dt = { .usec_digits = 6 };
        char text[CIM_DATETIME_LEN + 1];
        size_t n = strlen(s);
        int y, mo, d;

        if (n == CIM_DATETIME_LEN) {
                if (cim_datetime_parse(s, n, &dt, NULL) < 0 || dt.wildcards)
                        return false;
                *ret = dt;
                return true;
        }
        if (n >= 10 && s[4] == '-' && s[7] == '-') {
                y = digits(s, 4);
                mo = digits(s + 5, 2);
                d = digits(s + 8, 2);
        } else if (n >= 10 && s[2] == '/' && s[5] == '/') {
                mo = digits(s, 2);
                d = digits(s + 3, 2);
                y = digits(s + 6, 4);
        } else {
                return false;
        }
        if (y < 0 || mo < 0 || d < 0 || !parse_time_of_day(s + 10, &dt))
                return false;
        dt.year = (uint32_t) y;
        dt.month = (uint8_t) mo;
        dt.day = (uint8_t) d;
        if (dt.month > 99 || dt.day > 99 || dt.hour > 99 || dt.minute > 99 || dt.second > 99)
                return false;
        cim_datetime_format(&dt, text);
        if (cim_datetime_parse(text, CIM_DATETIME_LEN, &dt, NULL) < 0)
                return false;
        *ret = dt;
        return true;
}

static bool references_equal(const char *a, const char *b)
{
        struct cim_objpath pa, pb;
        bool equal = false;

        if (cim_objpath_parse(a, strlen(a), &pa, NULL) < 0)
                return false;
        if (cim_objpath_parse(b, strlen(b), &pb, NULL) == 0) {
                equal = cim_objpath_equal(&pa, &pb);
                cim_objpath_release(&pb);
        }
        cim_objpath_release(&pa);
        return equal;
}

/* Compare a property value with b converted to a's type: -1, 0, 1,
 * CMP_NE or CMP_NONE.  *ret_ordered is false where only = and <> apply
 * (booleans, embedded objects). */
static int compare_values(const struct cim_value *a, const struct cim_value *b, bool *ret_ordered)
{
        char buf[64];
        const char *tb;
        struct number na, nb;
        struct cim_datetime db;
        bool ta, tbool;

        *ret_ordered = true;
        if (a->is_null || b->is_null || a->is_array || b->is_array)
                return CMP_NONE;
        switch (a->type) {
        case CIM_TYPE_STRING:
                tb = value_to_text(b, buf, sizeof(buf));
                return tb ? text_compare(a->v.string, tb) : CMP_NONE;
        case CIM_TYPE_REFERENCE: {
                int r;

                if (b->type != CIM_TYPE_STRING && b->type != CIM_TYPE_REFERENCE)
                        return CMP_NONE;
                r = text_compare(a->v.string, b->v.string);
                return r != 0 && references_equal(a->v.string, b->v.string) ? 0 : r;
        }
        case CIM_TYPE_DATETIME:
                if (b->type == CIM_TYPE_DATETIME)
                        db = b->v.datetime;
                else if (b->type != CIM_TYPE_STRING || !string_to_datetime(b->v.string, &db))
                        return CMP_NONE;
                if (a->v.datetime.interval != db.interval)
                        return CMP_NONE;
                return cim_datetime_compare(&a->v.datetime, &db);
        case CIM_TYPE_BOOLEAN:
                *ret_ordered = false;
                if (!value_to_truth(b, &tbool))
                        return CMP_NONE;
                return a->v.boolean == tbool ? 0 : CMP_NE;
        case CIM_TYPE_OBJECT:
                *ret_ordered = false;
                if (b->type != CIM_TYPE_OBJECT || !a->v.object || !b->v.object)
                        return CMP_NONE;
                return cim_object_equal(a->v.object, b->v.object) ? 0 : CMP_NE;
        case CIM_TYPE_CHAR16:
                if (b->type == CIM_TYPE_STRING) {
                        size_t n;
                        uint32_t c, x;

                        if (!b->v.string[0])
                                return CMP_NONE;
                        c = decode_char(b->v.string, &n);
                        if (b->v.string[n])
                                return CMP_NONE;
                        if (c < 0x80)
                                c = (uint32_t) ascii_lower((int) c);
                        x = a->v.char16 < 0x80 ? (uint32_t) ascii_lower(a->v.char16) :
                                                 a->v.char16;
                        return (x > c) - (x < c);
                }
                break;
        default:
                break;
        }
        if (b->type == CIM_TYPE_BOOLEAN) {
                /* a number against TRUE/FALSE: by truth value */
                *ret_ordered = false;
                if (!value_to_truth(a, &ta))
                        return CMP_NONE;
                return ta == b->v.boolean ? 0 : CMP_NE;
        }
        if (!value_to_number(a, &na) || !value_to_number(b, &nb))
                return CMP_NONE;
        return number_compare(&na, &nb);
}

static bool apply_op(enum wql_op op, int c, bool ordered)
{
        if (c == CMP_NONE)
                return false;
        switch (op) {
        case WQL_OP_EQ:
                return c == 0;
        case WQL_OP_NE:
                return c != 0;
        default:
                break;
        }
        if (!ordered)
                return false;
        switch (op) {
        case WQL_OP_LT:
                return c == -1;
        case WQL_OP_GT:
                return c == 1;
        case WQL_OP_LE:
                return c == -1 || c == 0;
        case WQL_OP_GE:
                return c == 1 || c == 0;
        default:
                return false;
        }
}

/* The value a property path reads: borrowed from the object, or owned
 * (system properties are computed). */
struct resolved {
        const struct cim_value *value;
        struct cim_value owned;
};

static void resolved_release(struct resolved *r)
{
        cim_value_release(&r->owned);
}

/* false when the path leads nowhere: a missing property, or a step
 * through something that is not a present embedded object. */
static bool resolve(const struct cim_object *obj, const struct wql_prop *prop, struct resolved *ret)
{
        const struct cim_object *cur = obj;

        cim_value_init_null(&ret->owned, CIM_TYPE_NONE, false);
        ret->value = NULL;
        for (size_t i = 0; i < prop->count; i++) {
                const char *name = prop->names[i];
                const struct cim_property *p;

                if (i + 1 == prop->count && cim_is_system_property(name)) {
                        if (cim_object_system_property(cur, name, &ret->owned) < 0)
                                return false;
                        ret->value = &ret->owned;
                        return true;
                }
                p = cim_object_find_property(cur, name);
                if (!p)
                        return false;
                if (i + 1 == prop->count) {
                        ret->value = &p->value;
                        return true;
                }
                if (p->value.type != CIM_TYPE_OBJECT || p->value.is_null || p->value.is_array ||
                    !p->value.v.object)
                        return false;
                cur = p->value.v.object;
        }
        return false;
}

static bool is_this(const struct wql_prop *prop)
{
        return prop->count == 1 && owmi_strcasecmp(prop->names[0], "__this") == 0;
}

static bool match_leaf(const struct wql_node *n, const struct cim_object *obj)
{
        struct resolved a, b;
        char buf[CIM_DATETIME_LEN + 1];
        const char *text;
        bool result = false, ordered;
        int c;

        if (n->kind == WQL_NODE_ISA && is_this(&n->prop))
                return n->constant.type == CIM_TYPE_STRING && !n->constant.is_null &&
                       cim_object_is_a(obj, n->constant.v.string);
        if (!resolve(obj, &n->prop, &a)) {
                resolved_release(&a);
                return false;
        }
        switch (n->kind) {
        case WQL_NODE_COMPARE:
                c = compare_values(a.value, &n->constant, &ordered);
                result = apply_op(n->op, c, ordered);
                break;
        case WQL_NODE_COMPARE_PROPS:
                if (resolve(obj, &n->prop2, &b)) {
                        c = compare_values(a.value, b.value, &ordered);
                        result = apply_op(n->op, c, ordered);
                }
                resolved_release(&b);
                break;
        case WQL_NODE_IS_NULL:
                result = a.value->is_null;
                break;
        case WQL_NODE_IS_NOT_NULL:
                result = !a.value->is_null;
                break;
        case WQL_NODE_LIKE:
                if (a.value->is_null || a.value->is_array || n->constant.type != CIM_TYPE_STRING ||
                    n->constant.is_null)
                        break;
                if (a.value->type == CIM_TYPE_STRING || a.value->type == CIM_TYPE_REFERENCE) {
                        text = a.value->v.string;
                } else if (a.value->type == CIM_TYPE_DATETIME) {
                        cim_datetime_format(&a.value->v.datetime, buf);
                        text = buf;
                } else {
                        break;
                }
                result = wql_like(text, n->constant.v.string);
                break;
        case WQL_NODE_ISA:
                result = a.value->type == CIM_TYPE_OBJECT && !a.value->is_null &&
                         !a.value->is_array && a.value->v.object &&
                         n->constant.type == CIM_TYPE_STRING && !n->constant.is_null &&
                         cim_object_is_a(a.value->v.object, n->constant.v.string);
                break;
        default:
                break;
        }
        resolved_release(&a);
        return result;
}

/* AND and OR chains lean right (see parser.c): loop along them. */
bool wql_match(const struct wql_node *where, const struct cim_object *obj)
{
        for (;;) {
                if (!where)
                        return true;
                if (!obj)
                        return false;
                switch (where->kind) {
                case WQL_NODE_AND:
                        if (!wql_match(where->left, obj))
                                return false;
                        where = where->right;
                        break;
                case WQL_NODE_OR:
                        if (wql_match(where->left, obj))
                                return true;
                        where = where->right;
                        break;
                case WQL_NODE_NOT:
                        return !wql_match(where->left, obj);
                default:
                        return match_leaf(where, obj);
                }
        }
}

bool wql_is_event_class(const struct cim_object *cls)
{
        return cls && (cim_object_is_a(cls, "__Event") || cim_object_is_indication(cls));
}

enum wql_kind wql_classify(const struct wql_query *q, const struct cim_object *cls)
{
        if (q->kind == WQL_DATA && wql_is_event_class(cls))
                return WQL_EVENT;
        return q->kind;
}

/* wql_check */

struct checker {
        enum wql_kind kind;             /* after wql_classify */
        wql_class_lookup lookup;
        void *userdata;
        struct owmi_error *err;
};

/* What a property path leads to in the schema; known is false past an
 * embedded object whose class is not known (any property may be there). */
struct prop_type {
        bool known;
        cim_type type;
        bool is_array;
};

static int check_error(struct checker *c, uint32_t code, unsigned column, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int check_error(struct checker *c, uint32_t code, unsigned column, const char *fmt, ...)
{
        char msg[OWMI_ERROR_MESSAGE_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        owmi_error_set_at(c->err, code, NULL, 0, column, "%s", msg);
        return wql_status_errno(code);
}

static void system_property_type(const char *name, struct prop_type *ret)
{
        ret->known = true;
        ret->is_array = owmi_strcasecmp(name, "__DERIVATION") == 0;
        ret->type = owmi_strcasecmp(name, "__GENUS") == 0 ||
                    owmi_strcasecmp(name, "__PROPERTY_COUNT") == 0 ? CIM_TYPE_SINT32 :
                    CIM_TYPE_STRING;
}

static const char *type_name(const struct prop_type *t)
{
        return t->is_array ? "an array" : cim_type_name(t->type) ? cim_type_name(t->type) : "?";
}

/* Follow prop through cls (NULL: only system properties exist, as in a
 * schema query).  An unknown first name fails with unknown_code; later
 * names are unknown only if the embedded class is known (and then the path
 * is just false at run time, no error). */
static int resolve_type(struct checker *c, const struct cim_object *cls,
                        const struct wql_prop *prop, uint32_t unknown_code, struct prop_type *ret)
{
        const struct cim_object *cur = cls;

        memset(ret, 0, sizeof(*ret));
        for (size_t i = 0; i < prop->count; i++) {
                const char *name = prop->names[i];
                bool last = i + 1 == prop->count;
                const struct cim_property *p;

                if (cim_is_system_property(name)) {
                        system_property_type(name, ret);
                        if (!last)
                                return check_error(c, WQL_E_PROPERTY_NOT_AN_OBJECT, prop->column,
                                                   "expected an embedded object before '.', "
                                                   "found system property '%s'", name);
                        return 0;
                }
                if (!cur && i > 0)
                        return 0;
                p = cur ? cim_object_find_property(cur, name) : NULL;
                if (!p) {
                        if (i > 0)
                                return 0;
                        return check_error(c, unknown_code, prop->column,
                                           "expected a property of class '%s', found '%s'",
                                           cls ? cls->class_name : "meta_class", name);
                }
                if (last) {
                        ret->known = true;
                        ret->type = p->type;
                        ret->is_array = p->is_array;
                        return 0;
                }
                if (p->type != CIM_TYPE_OBJECT || p->is_array)
                        return check_error(c, WQL_E_PROPERTY_NOT_AN_OBJECT, prop->column,
                                           "expected an embedded object before '.', found '%s' "
                                           "of type %s%s", name, cim_type_name(p->type) ?
                                           cim_type_name(p->type) : "?", p->is_array ? "[]" : "");
                cur = p->ref_class && c->lookup ? c->lookup(p->ref_class, c->userdata) : NULL;
        }
        return 0;
}

static bool is_ordering(enum wql_op op)
{
        return op != WQL_OP_EQ && op != WQL_OP_NE;
}

static int check_class_exists(struct checker *c, const struct wql_node *n)
{
        if (!c->lookup || n->constant.type != CIM_TYPE_STRING || n->constant.is_null)
                return 0;
        if (!c->lookup(n->constant.v.string, c->userdata))
                return check_error(c, OWMI_E_INVALID_CLASS, n->column,
                                   "expected a class after ISA, found '%s'", n->constant.v.string);
        return 0;
}

/* A predicate on one property: no arrays, objects only with ISA and
 * IS [NOT] NULL (and =, <> between two objects), = and <> only for
 * booleans, LIKE only on text. */
static int check_leaf(struct checker *c, const struct cim_object *cls, const struct wql_node *n)
{
        struct prop_type t, t2;
        const struct wql_prop *prop = &n->prop;
        int r;

        if (n->kind == WQL_NODE_ISA && is_this(prop))
                return check_class_exists(c, n);
        r = resolve_type(c, cls, prop, OWMI_E_INVALID_PROPERTY, &t);
        if (r < 0)
                return r;
        if (t.known && t.is_array)
                return check_error(c, OWMI_E_INVALID_QUERY, prop->column,
                                   "expected a scalar property, found array property '%s'",
                                   prop->names[prop->count - 1]);
        switch (n->kind) {
        case WQL_NODE_COMPARE:
                if (is_ordering(n->op) &&
                    (n->constant.type == CIM_TYPE_BOOLEAN ||
                     (t.known && t.type == CIM_TYPE_BOOLEAN)))
                        return check_error(c, OWMI_E_INVALID_QUERY, n->column,
                                           "expected '=', '<>' or '!=' with a boolean, found an "
                                           "ordering operator");
                if (t.known && t.type == CIM_TYPE_OBJECT)
                        return check_error(c, OWMI_E_INVALID_QUERY, n->column,
                                           "expected ISA or IS [NOT] NULL with embedded object "
                                           "'%s', found a comparison",
                                           prop->names[prop->count - 1]);
                if (t.known && t.type == CIM_TYPE_DATETIME && n->constant.type == CIM_TYPE_STRING &&
                    strchr(n->constant.v.string, '*'))
                        return check_error(c, OWMI_E_INVALID_QUERY, n->column,
                                           "expected a datetime without asterisks, found '%s'",
                                           n->constant.v.string);
                return 0;
        case WQL_NODE_COMPARE_PROPS:
                if (c->kind != WQL_EVENT)
                        return check_error(c, OWMI_E_INVALID_QUERY, n->prop2.column,
                                           "expected a constant, found property '%s' (two "
                                           "properties compare only in event queries)",
                                           n->prop2.names[0]);
                r = resolve_type(c, cls, &n->prop2, OWMI_E_INVALID_PROPERTY, &t2);
                if (r < 0)
                        return r;
                if (t2.known && t2.is_array)
                        return check_error(c, OWMI_E_INVALID_QUERY, n->prop2.column,
                                           "expected a scalar property, found array property '%s'",
                                           n->prop2.names[n->prop2.count - 1]);
                if (is_ordering(n->op) &&
                    ((t.known && (t.type == CIM_TYPE_BOOLEAN || t.type == CIM_TYPE_OBJECT)) ||
                     (t2.known && (t2.type == CIM_TYPE_BOOLEAN || t2.type == CIM_TYPE_OBJECT))))
                        return check_error(c, OWMI_E_INVALID_QUERY, n->column,
                                           "expected '=', '<>' or '!=' with a boolean or an "
                                           "object, found an ordering operator");
                return 0;
        case WQL_NODE_LIKE:
                if (t.known && t.type != CIM_TYPE_STRING && t.type != CIM_TYPE_REFERENCE &&
                    t.type != CIM_TYPE_DATETIME)
                        return check_error(c, OWMI_E_INVALID_QUERY, n->column,
                                           "expected a string property before LIKE, found '%s' "
                                           "of type %s", prop->names[prop->count - 1],
                                           type_name(&t));
                return 0;
        case WQL_NODE_ISA:
                if (t.known && t.type != CIM_TYPE_OBJECT)
                        return check_error(c, OWMI_E_INVALID_QUERY, n->column,
                                           "expected an embedded object before ISA, found '%s' "
                                           "of type %s", prop->names[prop->count - 1],
                                           type_name(&t));
                return check_class_exists(c, n);
        default:
                return 0;
        }
}

static int check_where(struct checker *c, const struct cim_object *cls, const struct wql_node *n)
{
        int r;

        for (; n; n = n->right) {
                switch (n->kind) {
                case WQL_NODE_AND:
                case WQL_NODE_OR:
                        r = check_where(c, cls, n->left);
                        if (r < 0)
                                return r;
                        continue;   /* the right operand, without recursing */
                case WQL_NODE_NOT:
                        return check_where(c, cls, n->left);
                default:
                        return check_leaf(c, cls, n);
                }
        }
        return 0;
}

int wql_check(const struct wql_query *q, const struct cim_object *cls, wql_class_lookup lookup,
              void *userdata, struct owmi_error *err)
{
        struct checker c = { .lookup = lookup, .userdata = userdata, .err = err };
        struct prop_type t;
        int r;

        if (!q)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "no query");
        c.kind = wql_classify(q, cls);
        switch (c.kind) {
        case WQL_ASSOCIATORS:
        case WQL_REFERENCES:
                return 0;
        case WQL_SCHEMA:
                /* classes themselves: only system properties and __this */
                return check_where(&c, NULL, q->where);
        default:
                break;
        }
        if (!cls)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                      "no class to check the query against");
        if (c.kind == WQL_EVENT && !wql_is_event_class(cls))
                return check_error(&c, OWMI_E_NOT_EVENT_CLASS, q->class_column,
                                   "expected an event class, found '%s'", cls->class_name);
        /* an event query's select list may name what the class lacks: the
         * Python client always asks for TargetInstance */
        for (size_t i = 0; c.kind == WQL_DATA && i < q->select_count; i++) {
                r = resolve_type(&c, cls, &q->select[i], OWMI_E_INVALID_QUERY, &t);
                if (r < 0)
                        return r;
        }
        r = check_where(&c, cls, q->where);
        if (r < 0)
                return r;
        for (size_t i = 0; i < q->group_by_count; i++) {
                const struct wql_prop *prop = &q->group_by[i];

                r = resolve_type(&c, cls, prop, OWMI_E_INVALID_PROPERTY, &t);
                if (r < 0)
                        return r;
                if (t.known && t.type == CIM_TYPE_OBJECT)
                        return check_error(&c, WQL_E_AGGREGATING_BY_OBJECT, prop->column,
                                           "expected a property that is not an object after BY, "
                                           "found '%s'", prop->names[prop->count - 1]);
        }
        return 0;
}

/* wql_needed_properties */

struct name_list {
        const char **names;
        size_t count, alloc;
};

static int add_name(struct name_list *l, const struct wql_prop *prop)
{
        const char *name = prop->names[0];

        if (is_this(prop) || cim_is_system_property(name))
                return 0;
        for (size_t i = 0; i < l->count; i++)
                if (owmi_strcasecmp(l->names[i], name) == 0)
                        return 0;
        if (OWMI_GROW(l->names, l->alloc, l->count + 1) < 0)
                return -ENOMEM;
        l->names[l->count++] = name;
        return 0;
}

static int add_where_names(struct name_list *l, const struct wql_node *n)
{
        int r;

        for (; n; n = n->right) {
                if (n->kind == WQL_NODE_AND || n->kind == WQL_NODE_OR) {
                        r = add_where_names(l, n->left);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (n->kind == WQL_NODE_NOT)
                        return add_where_names(l, n->left);
                r = add_name(l, &n->prop);
                if (r >= 0 && n->kind == WQL_NODE_COMPARE_PROPS)
                        r = add_name(l, &n->prop2);
                return r;
        }
        return 0;
}

int wql_needed_properties(const struct wql_query *q, const char ***ret, size_t *ret_count)
{
        struct name_list l = { 0 };
        int r = 0;

        if (!q || !ret || !ret_count)
                return -EINVAL;
        if (q->select_all || (q->kind != WQL_DATA && q->kind != WQL_EVENT)) {
                *ret = NULL;
                *ret_count = 0;
                return 0;
        }
        for (size_t i = 0; r >= 0 && i < q->select_count; i++)
                r = add_name(&l, &q->select[i]);
        if (r >= 0)
                r = add_where_names(&l, q->where);
        for (size_t i = 0; r >= 0 && i < q->group_by_count; i++)
                r = add_name(&l, &q->group_by[i]);
        /* never NULL on success: NULL would mean "all" */
        if (r >= 0 && !l.names && OWMI_GROW(l.names, l.alloc, 1) < 0)
                r = -ENOMEM;
        if (r < 0) {
                owmi_free(l.names);
                return r;
        }
        *ret = l.names;
        *ret_count = l.count;
        return 0;
}

/* wql_project */

static bool selected(const struct wql_query *q, const char *name)
{
        for (size_t i = 0; i < q->select_count; i++)
                if (owmi_strcasecmp(q->select[i].names[0], name) == 0)
                        return true;
        return false;
}

void wql_project_in_place(struct cim_object *obj, const struct wql_query *q)
{
        size_t kept = 0;

        if (!obj || !q || q->select_all || (q->kind != WQL_DATA && q->kind != WQL_EVENT))
                return;
        /* one pass: keep keys and what was selected, drop the rest */
        for (size_t i = 0; i < obj->prop_count; i++) {
                struct cim_property *p = &obj->props[i];

                if (cim_property_is_key(p) || selected(q, p->name))
                        obj->props[kept++] = *p;
                else
                        cim_property_release(p);
        }
        obj->prop_count = kept;
}

struct cim_object *wql_project(const struct cim_object *obj, const struct wql_query *q)
{
        struct cim_object *copy;

        if (!obj || !q)
                return NULL;
        copy = cim_object_clone(obj);
        wql_project_in_place(copy, q);
        return copy;
}
