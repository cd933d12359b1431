/* SPDX-License-Identifier: MIT */
/*
 * fuzz-wire.c: libFuzzer target for the native protocol's decoders: a
 * client message as owmid reads it (wire/message.c, with its objects),
 * and an object as libowmi reads one from a server.  What decodes must
 * encode, and decode again to the same encoding.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "wire/cbor.h"
#include "wire/message.h"
#include "wire/object.h"
#include "wire/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_encoding(const struct strbuf *a, const struct strbuf *b)
{
        if (a->len != b->len || memcmp(a->buf, b->buf, a->len) != 0)
                abort();
}

static void check_message(const uint8_t *data, size_t size)
{
        struct wire_client_message msg, again;
        struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        const char *why;
        int r;

        if (wire_client_message_decode(data, size, &msg, &why) < 0)
                return;
        if (msg.type == WIRE_MSG_REQUEST)
                r = wire_request_encode(&msg.request, &a);
        else if (msg.type == WIRE_MSG_REQUEST_AS)
                r = wire_request_as_encode(&msg.caller, &msg.request, &a);
        else if (msg.type == WIRE_MSG_HELLO)
                r = wire_hello_encode(&msg.hello, &a);
        else
                r = wire_cancel_encode(msg.cancel_id, &a);
        /* a decoded request may be too big to send again, nothing else */
        if (r < 0 && r != -EMSGSIZE)
                abort();
        if (r == 0) {
                if (wire_client_message_decode(a.buf + WIRE_FRAME_HEADER, a.len - WIRE_FRAME_HEADER,
                                               &again, &why) < 0)
                        abort();
                if (again.type == WIRE_MSG_REQUEST)
                        wire_request_encode(&again.request, &b);
                else if (again.type == WIRE_MSG_REQUEST_AS)
                        wire_request_as_encode(&again.caller, &again.request, &b);
                else if (again.type == WIRE_MSG_HELLO)
                        wire_hello_encode(&again.hello, &b);
                else
                        wire_cancel_encode(again.cancel_id, &b);
                same_encoding(&a, &b);
                wire_client_message_release(&again);
        }
        wire_client_message_release(&msg);
        strbuf_release(&a);
        strbuf_release(&b);
}

static void check_object(const uint8_t *data, size_t size)
{
        struct wcbor_reader rd;
        struct cim_object *obj = NULL, *again = NULL;
        struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

        wcbor_reader_init(&rd, data, size);
        if (wire_get_object(&rd, &obj) < 0)
                return;
        if (wire_put_object(&a, obj) < 0)
                abort();
        wcbor_reader_init(&rd, a.buf, a.len);
        if (wire_get_object(&rd, &again) < 0 || !wcbor_reader_done(&rd))
                abort();
        if (wire_put_object(&b, again) < 0)
                abort();
        same_encoding(&a, &b);
        cim_object_free(obj);
        cim_object_free(again);
        strbuf_release(&a);
        strbuf_release(&b);
}

/* A list of results as libowmi reads one (shaped instances included). */
static void check_list(const uint8_t *data, size_t size)
{
        struct wire_shapes shapes = { .count = 0 };
        struct wcbor_reader rd;

        wcbor_reader_init(&rd, data, size);
        while (!wcbor_reader_done(&rd)) {
                struct cim_object *obj = NULL;

                if (wire_get_item(&rd, &shapes, &obj) < 0)
                        break;
                cim_object_free(obj);
        }
        wire_shapes_reset(&shapes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        check_message(data, size);
        check_object(data, size);
        check_list(data, size);
        return 0;
}
