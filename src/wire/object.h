/* SPDX-License-Identifier: MIT */
/*
 * object.h: CIM objects as CBOR for the native protocol (docs/PROTOCOL.md
 * "Objects"): classes and instances with every member, qualifier and
 * value, so what a client receives equals what the object manager holds.
 */
#ifndef OWMI_WIRE_OBJECT_H
#define OWMI_WIRE_OBJECT_H

#include "base/strbuf.h"
#include "cim/object.h"
#include "wire/cbor.h"

/* Names (classes, properties, qualifiers) longer than this are refused. */
#define WIRE_NAME_MAX 1024
/* Embedded objects inside embedded objects. */
#define WIRE_MAX_DEPTH 32

/* Append obj; -EINVAL for what cannot be sent (untyped values, bad
 * genus), -ELOOP for nesting past WIRE_MAX_DEPTH.  On failure out may
 * hold part of the object: the caller drops the whole message. */
int wire_put_object(struct strbuf *out, const struct cim_object *obj);
/* Read one object; -EBADMSG for anything malformed, out of range or too
 * deep. */
int wire_get_object(struct wcbor_reader *r, struct cim_object **ret);

/* Results in one message: instances that repeat an earlier one's members
 * go as their values alone (docs/PROTOCOL.md "Objects").  Writer and
 * reader each keep the layouts seen so far in the message; reset (and
 * free) them at the end of each message. */
#define WIRE_MAX_SHAPES 16

struct wire_shapes {
        struct cim_object *protos[WIRE_MAX_SHAPES];
        size_t count;
};

void wire_shapes_reset(struct wire_shapes *shapes);
int wire_put_item(struct strbuf *out, const struct cim_object *obj, struct wire_shapes *shapes);
int wire_get_item(struct wcbor_reader *r, struct wire_shapes *shapes, struct cim_object **ret);

#endif
