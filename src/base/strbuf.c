/* SPDX-License-Identifier: MIT */
/*
 * strbuf.c: growable NUL-terminated byte buffers.  Owns growth, formatted
 * appends and the MOF string-literal escaping.  A failed append marks the
 * buffer; later appends then do nothing, so the buffer never holds a string
 * with a piece missing from its middle.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"

void strbuf_init(struct strbuf *sb)
{
        *sb = (struct strbuf) STRBUF_INIT;
}

void strbuf_release(struct strbuf *sb)
{
        if (!sb)
                return;
        owmi_free(sb->buf);
        strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
        sb->len = 0;
        sb->failed = false;
        if (sb->buf)
                sb->buf[0] = '\0';
}

char *strbuf_detach(struct strbuf *sb)
{
        char *s;

        if (sb->failed) {
                strbuf_release(sb);
                return NULL;
        }
        s = sb->buf;
        if (!s)
                s = owmi_strdup("");
        strbuf_init(sb);
        return s;
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
        size_t need;

        if (sb->failed)
                return -ENOMEM;
        if (extra > SIZE_MAX - 1 - sb->len)
                goto fail;
        need = sb->len + extra + 1;
        if (need <= sb->alloc)
                return 0;
        if (owmi_grow((void **) &sb->buf, &sb->alloc, need, 1) < 0)
                goto fail;
        if (sb->len == 0)
                sb->buf[0] = '\0';
        return 0;
fail:
        sb->failed = true;
        return -ENOMEM;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
        int r = strbuf_grow(sb, len);

        if (r < 0)
                return r;
        if (len)
                memcpy(sb->buf + sb->len, data, len);
        sb->len += len;
        sb->buf[sb->len] = '\0';
        return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
        return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, char c)
{
        return strbuf_add(sb, &c, 1);
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
        size_t room;
        va_list aq;
        int n, r;

        /* first try in the room we have, grow once if it did not fit */
        r = strbuf_grow(sb, 64);
        if (r < 0)
                return r;
        room = sb->alloc - sb->len;
        va_copy(aq, ap);
        n = vsnprintf(sb->buf + sb->len, room, fmt, aq);
        va_end(aq);
        if (n < 0) {
                sb->buf[sb->len] = '\0';
                return -EINVAL;
        }
        if ((size_t) n >= room) {
                sb->buf[sb->len] = '\0';
                r = strbuf_grow(sb, (size_t) n);
                if (r < 0)
                        return r;
                va_copy(aq, ap);
                n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, aq);
                va_end(aq);
                if (n < 0) {
                        sb->buf[sb->len] = '\0';
                        return -EINVAL;
                }
        }
        sb->len += (size_t) n;
        return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = strbuf_vaddf(sb, fmt, ap);
        va_end(ap);
        return r;
}

int strbuf_addindent(struct strbuf *sb, unsigned level)
{
        int r = strbuf_grow(sb, level);

        if (r < 0)
                return r;
        memset(sb->buf + sb->len, '\t', level);
        sb->len += level;
        sb->buf[sb->len] = '\0';
        return 0;
}

int strbuf_add_escaped(struct strbuf *sb, const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        const char *run = s;

        /* copy runs of plain bytes at once; bytes >= 0x80 are UTF-8 and pass */
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                char esc[7];
                size_t n = 2;

                esc[0] = '\\';
                switch (c) {
                case '"': esc[1] = '"'; break;
                case '\\': esc[1] = '\\'; break;
                case '\n': esc[1] = 'n'; break;
                case '\t': esc[1] = 't'; break;
                case '\r': esc[1] = 'r'; break;
                case '\b': esc[1] = 'b'; break;
                case '\f': esc[1] = 'f'; break;
                default:
                        if (c >= 0x20 && c != 0x7f)
                                continue;
                        esc[1] = 'x';
                        esc[2] = '0';
                        esc[3] = '0';
                        esc[4] = hex[c >> 4];
                        esc[5] = hex[c & 0xf];
                        n = 6;
                        break;
                }
                strbuf_add(sb, run, (size_t) (s - run));
                strbuf_add(sb, esc, n);
                run = s + 1;
        }
        strbuf_add(sb, run, (size_t) (s - run));
        return strbuf_error(sb);
}

int strbuf_error(const struct strbuf *sb)
{
        return sb->failed ? -ENOMEM : 0;
}

const char *strbuf_str(const struct strbuf *sb)
{
        return sb->buf ? sb->buf : "";
}
