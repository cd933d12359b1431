/* SPDX-License-Identifier: MIT */
/*
 * message.h: the messages a client sends (docs/PROTOCOL.md), as
 * structures: encoded by libowmi, decoded by owmid.  Decoding checks the
 * whole message (every argument, every object) before anyone acts on it;
 * what does not decode closes the connection.
 */
#ifndef OWMI_WIRE_MESSAGE_H
#define OWMI_WIRE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "cim/object.h"

struct wire_hello {
        uint64_t version;
        char *client;
        char **privileges;
        size_t privilege_count;
        char *user;                     /* NULL: none */
        char *password;                 /* NULL: none; wiped on release */
};

enum wire_assoc_text {
        WIRE_ASSOC_CLASS, WIRE_RESULT_CLASS, WIRE_ROLE, WIRE_RESULT_ROLE,
        WIRE_REQUIRED_QUALIFIER, WIRE_REQUIRED_ASSOC_QUALIFIER, _WIRE_ASSOC_TEXT_MAX,
};

/* One request; which fields an operation uses is in protocol.h's table. */
struct wire_request {
        uint64_t id;
        unsigned op;                    /* enum wire_op */
        char *ns;
        char *arg1;                     /* path, class, superclass, language, name */
        char *arg2;                     /* query, method */
        bool deep;
        uint64_t flags;                 /* put: enum cimom_put_flags */
        uint64_t queue_max;             /* subscribe */
        struct cim_object *object;      /* put: the object; method: in-parameters */
        char **properties;              /* put: NULL for all */
        size_t property_count;
        char *assoc[_WIRE_ASSOC_TEXT_MAX];
        bool class_defs_only, keys_only, schema_only;
};

/* Who a request is for, as owmid tells a provider host. */
struct wire_caller {
        uint32_t uid, gid;
        uint32_t groups[64];
        size_t group_count;
        char user[64];
        uint64_t capabilities;
        uint32_t privileges;
        bool remote;
};

struct wire_client_message {
        unsigned type;                  /* WIRE_MSG_HELLO, _REQUEST, _CANCEL, _REQUEST_AS */
        struct wire_hello hello;
        struct wire_request request;    /* REQUEST and REQUEST_AS */
        struct wire_caller caller;      /* REQUEST_AS */
        uint64_t cancel_id;
};

/* Decode one frame's payload.  -EBADMSG with *why (static text) saying
 * what was wrong; -ENOMEM.  On success release it when done. */
int wire_client_message_decode(const void *data, size_t len, struct wire_client_message *ret,
                               const char **why);
void wire_client_message_release(struct wire_client_message *msg);
void wire_request_release(struct wire_request *req);
void wire_hello_release(struct wire_hello *hello);

/* Append the whole frame (header included).  -EMSGSIZE past
 * WIRE_REQUEST_MAX, -EINVAL for an object that cannot be sent. */
int wire_hello_encode(const struct wire_hello *hello, struct strbuf *out);
int wire_request_encode(const struct wire_request *req, struct strbuf *out);
int wire_cancel_encode(uint64_t id, struct strbuf *out);
int wire_request_as_encode(const struct wire_caller *caller, const struct wire_request *req,
                           struct strbuf *out);

#endif
