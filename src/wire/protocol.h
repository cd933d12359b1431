/* SPDX-License-Identifier: MIT */
/*
 * protocol.h: the native protocol between libowmi and owmid
 * (docs/PROTOCOL.md): frames of a 4-byte big-endian length and one CBOR
 * array whose first element is the message type.
 */
#ifndef OWMI_WIRE_PROTOCOL_H
#define OWMI_WIRE_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#define WIRE_VERSION 1
#define WIRE_FRAME_HEADER 4
/* What a server accepts from a client in one frame (a request carries at
 * most one object or one query), and what a client accepts from a server
 * (a chunk of results is cut at WIRE_CHUNK_BYTES, so only one huge object
 * comes near this). */
#define WIRE_REQUEST_MAX ((size_t) 4 << 20)
#define WIRE_RESPONSE_MAX ((size_t) 64 << 20)
#define WIRE_CHUNK_BYTES ((size_t) 64 << 10)
/* Request ids and subscriptions in flight on one connection. */
#define WIRE_MAX_IN_FLIGHT 256
#define WIRE_MAX_SUBSCRIPTIONS 64
#define WIRE_TEXT_MAX ((size_t) 1 << 20)

enum wire_message {
        /* client -> server */
        WIRE_MSG_HELLO = 1,      /* [1, version, client name, [privilege...], user / null, password / null] */
        WIRE_MSG_REQUEST = 2,    /* [2, id, op, namespace, args...] */
        WIRE_MSG_CANCEL = 3,     /* [3, id] */
        /* owmid -> its provider hosts only (never accepted from a client):
         * [4, [uid, gid, [group...], user, capabilities, privileges, remote], request] */
        WIRE_MSG_REQUEST_AS = 4,
        /* server -> client */
        WIRE_MSG_WELCOME = 16,   /* [16, version, server name, user, uid] */
        WIRE_MSG_OBJECTS = 17,   /* [17, id, [object...]] */
        WIRE_MSG_NAMES = 18,     /* [18, id, [text...]] */
        WIRE_MSG_DONE = 19,      /* [19, id, status, message, result] */
        WIRE_MSG_EVENT = 20,     /* [20, id, object] */
        WIRE_MSG_GOODBYE = 21,   /* [21, status, message]: the server closes */
        WIRE_MSG_ACCEPTED = 22,  /* [22, id]: a subscription is in place */
};

enum wire_op {
        WIRE_OP_GET_OBJECT = 1,          /* path -> OBJECTS */
        WIRE_OP_ENUM_CLASSES = 2,        /* superclass / null, deep -> OBJECTS */
        WIRE_OP_ENUM_INSTANCES = 3,      /* class, deep -> OBJECTS */
        WIRE_OP_EXEC_QUERY = 4,          /* language, query -> OBJECTS */
        WIRE_OP_ASSOCIATORS = 5,         /* path, {params} -> OBJECTS */
        WIRE_OP_REFERENCES = 6,          /* path, {params} -> OBJECTS */
        WIRE_OP_PUT_INSTANCE = 7,        /* object, flags, [property...] / null -> DONE path */
        WIRE_OP_DELETE_INSTANCE = 8,     /* path */
        WIRE_OP_PUT_CLASS = 9,           /* object, flags */
        WIRE_OP_DELETE_CLASS = 10,       /* name */
        WIRE_OP_EXEC_METHOD = 11,        /* path, method, object / null -> DONE object */
        WIRE_OP_SUBSCRIBE = 12,          /* language, query, queue_max -> EVENT... */
        WIRE_OP_ENUM_NAMESPACES = 13,    /* -> NAMES */
        WIRE_OP_CREATE_NAMESPACE = 14,   /* name */
        WIRE_OP_DELETE_NAMESPACE = 15,   /* name */
        WIRE_OP_COMPILE_MOF = 16,        /* file name, text, check_only -> NAMES (diagnostics), DONE summary */
};

/* Start a frame in out (reserves the length); end fills it in.  end
 * returns -EMSGSIZE when the frame is over max, -ENOMEM when out failed. */
void wire_frame_begin(struct strbuf *out);
int wire_frame_end(struct strbuf *out, size_t frame_start, size_t max);
uint32_t wire_frame_length(const unsigned char header[WIRE_FRAME_HEADER]);

const char *wire_op_name(unsigned op);

#endif
