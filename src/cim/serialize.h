/* SPDX-License-Identifier: MIT */
/*
 * serialize.h: a compact binary form of CIM objects and qualifier
 * declarations, used by the repository to store them.  Little-endian,
 * versioned, self-delimiting.  Decoding checks every length against the
 * buffer, so a damaged record gives an error, never a crash.
 */
#ifndef OWMI_CIM_SERIALIZE_H
#define OWMI_CIM_SERIALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "cim/object.h"
#include "cim/qualifier.h"

#define CIM_SERIALIZE_VERSION 1

/* Append the encoding to out (a strbuf is used as a byte buffer). */
int cim_object_encode(const struct cim_object *obj, struct strbuf *out);
/* Decode a whole buffer; -EBADMSG for malformed input, -ENOMEM. */
int cim_object_decode(const void *data, size_t len, struct cim_object **ret);

int cim_qualifier_decl_encode(const struct cim_qualifier_decl *decl, struct strbuf *out);
int cim_qualifier_decl_decode(const void *data, size_t len, struct cim_qualifier_decl *ret);

#endif
