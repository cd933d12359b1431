/* SPDX-License-Identifier: MIT */
/*
 * strbuf.h: a growable NUL-terminated byte buffer.  Every append returns 0
 * or -ENOMEM; after a failure the buffer keeps what it had, so a caller may
 * append many pieces and check once with strbuf_error().
 */
#ifndef OWMI_BASE_STRBUF_H
#define OWMI_BASE_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
        char *buf;    /* always NUL-terminated once anything was appended */
        size_t len;   /* bytes used, without the NUL */
        size_t alloc; /* bytes allocated */
        bool failed;  /* an append ran out of memory */
};

#define STRBUF_INIT { NULL, 0, 0, false }

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Give the string to the caller (never NULL unless out of memory; NULL
 * too if an append failed) and leave sb empty. */
char *strbuf_detach(struct strbuf *sb);
int strbuf_grow(struct strbuf *sb, size_t extra);
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
/* One tab per level: WMI's GetObjectText output is tab-indented. */
int strbuf_addindent(struct strbuf *sb, unsigned level);
/* Append s as a MOF/C string literal body: \" \\ \n \t \r \b \f and
 * \xHHHH for other control characters; quotes are not added. */
int strbuf_add_escaped(struct strbuf *sb, const char *s);
/* -ENOMEM if any append failed since init/reset, else 0. */
int strbuf_error(const struct strbuf *sb);
/* The contents, "" for an empty buffer. */
const char *strbuf_str(const struct strbuf *sb);

#endif
