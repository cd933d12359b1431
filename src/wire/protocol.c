/* SPDX-License-Identifier: MIT */
/*
 * protocol.c: framing of the native protocol.
 */
#include <errno.h>

#include "wire/protocol.h"

void wire_frame_begin(struct strbuf *out)
{
        static const char zero[WIRE_FRAME_HEADER];

        strbuf_add(out, zero, sizeof(zero));
}

int wire_frame_end(struct strbuf *out, size_t frame_start, size_t max)
{
        size_t len;
        unsigned char *h;

        if (strbuf_error(out) < 0)
                return -ENOMEM;
        len = out->len - frame_start - WIRE_FRAME_HEADER;
        if (len > max)
                return -EMSGSIZE;
        h = (unsigned char *) out->buf + frame_start;
        h[0] = (unsigned char) (len >> 24);
        h[1] = (unsigned char) (len >> 16);
        h[2] = (unsigned char) (len >> 8);
        h[3] = (unsigned char) len;
        return 0;
}

uint32_t wire_frame_length(const unsigned char header[WIRE_FRAME_HEADER])
{
        return (uint32_t) header[0] << 24 | (uint32_t) header[1] << 16 |
               (uint32_t) header[2] << 8 | header[3];
}

const char *wire_op_name(unsigned op)
{
        static const char *const names[] = {
                [WIRE_OP_GET_OBJECT] = "GetObject",
                [WIRE_OP_ENUM_CLASSES] = "EnumClasses",
                [WIRE_OP_ENUM_INSTANCES] = "EnumInstances",
                [WIRE_OP_EXEC_QUERY] = "ExecQuery",
                [WIRE_OP_ASSOCIATORS] = "Associators",
                [WIRE_OP_REFERENCES] = "References",
                [WIRE_OP_PUT_INSTANCE] = "PutInstance",
                [WIRE_OP_DELETE_INSTANCE] = "DeleteInstance",
                [WIRE_OP_PUT_CLASS] = "PutClass",
                [WIRE_OP_DELETE_CLASS] = "DeleteClass",
                [WIRE_OP_EXEC_METHOD] = "ExecMethod",
                [WIRE_OP_SUBSCRIBE] = "ExecNotificationQuery",
                [WIRE_OP_ENUM_NAMESPACES] = "EnumNamespaces",
                [WIRE_OP_CREATE_NAMESPACE] = "CreateNamespace",
                [WIRE_OP_DELETE_NAMESPACE] = "DeleteNamespace",
                [WIRE_OP_COMPILE_MOF] = "CompileMof",
        };

        if (op < sizeof(names) / sizeof(names[0]) && names[op])
                return names[op];
        return "unknown";
}
