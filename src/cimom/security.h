/* SPDX-License-Identifier: MIT */
/*
 * security.h: namespace security (research/wmi-semantics.md 12.1):
 * WMI's access rights, security descriptors in their binary self-relative
 * form (MS-DTYP 2.4.6) with Unix users and groups as the SIDs Samba gives
 * them (S-1-22-1-uid, S-1-22-2-gid), and the access check.
 *
 * A namespace's own descriptor is the SECURITY_DESCRIPTOR of its
 * __thisNAMESPACE=@ instance.  Its entries with CONTAINER_INHERIT apply
 * to every namespace below.  Without any stored descriptor, root's
 * built-in one applies: uid 0 everything, Everyone Enable Account (and
 * subscribe).  uid 0 and the repository file's owner always hold every
 * right.
 */
#ifndef OWMI_CIMOM_SECURITY_H
#define OWMI_CIMOM_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strbuf.h"

enum security_right {
        SEC_ENABLE = 0x1,               /* WBEM_ENABLE: connect, read */
        SEC_METHOD_EXECUTE = 0x2,       /* WBEM_METHOD_EXECUTE */
        SEC_FULL_WRITE = 0x4,           /* WBEM_FULL_WRITE_REP: classes, instances, namespaces */
        SEC_PARTIAL_WRITE = 0x8,        /* WBEM_PARTIAL_WRITE_REP: static instances */
        SEC_PROVIDER_WRITE = 0x10,      /* WBEM_WRITE_PROVIDER: instances of dynamic classes */
        SEC_REMOTE_ENABLE = 0x20,       /* WBEM_REMOTE_ACCESS */
        SEC_SUBSCRIBE = 0x40,           /* WBEM_RIGHT_SUBSCRIBE */
        SEC_PUBLISH = 0x80,             /* WBEM_RIGHT_PUBLISH */
        SEC_READ_SECURITY = 0x20000,    /* READ_CONTROL */
        SEC_EDIT_SECURITY = 0x40000,    /* WRITE_DAC */
        SEC_ALL = 0x600ff,
};

/* The rights' names as `owmi security` spells them ("Enable", ...), and
 * back (any case; 0 if unknown). */
const char *security_right_name(uint32_t right);
uint32_t security_right_lookup(const char *name);

enum {
        SEC_ACE_ALLOW = 0,
        SEC_ACE_DENY = 1,
        SEC_ACE_CONTAINER_INHERIT = 0x02,   /* applies to child namespaces */
        SEC_ACE_INHERITED = 0x10,           /* came from a parent (GetSD only) */
};

#define SEC_SID_MAX_SUB 15

struct sec_sid {
        uint8_t sub_count;
        uint64_t authority;             /* 48 bits */
        uint32_t sub[SEC_SID_MAX_SUB];
};

struct sec_ace {
        uint8_t type;                   /* SEC_ACE_ALLOW / _DENY */
        uint8_t flags;
        uint32_t mask;
        struct sec_sid sid;
};

struct sec_descriptor {
        bool has_owner, has_group;
        struct sec_sid owner, group;
        struct sec_ace *aces;           /* the DACL */
        size_t ace_count;
};

void sec_descriptor_release(struct sec_descriptor *sd);
/* Strict: every offset and size inside the buffer, revision 1, ACL
 * revision 2, only allow and deny entries, at most 1024 entries.
 * OWMI_E_INVALID_PARAMETER with the byte offset of the problem. */
int sec_descriptor_parse(const uint8_t *data, size_t len, struct sec_descriptor *ret,
                         struct owmi_error *err);
int sec_descriptor_build(const struct sec_descriptor *sd, struct strbuf *out);
int sec_descriptor_add(struct sec_descriptor *sd, const struct sec_ace *ace);

/* "S-1-22-1-1000" */
void sec_sid_format(const struct sec_sid *sid, char *buf, size_t size);
int sec_sid_parse(const char *text, struct sec_sid *ret);
bool sec_sid_equal(const struct sec_sid *a, const struct sec_sid *b);
void sec_sid_unix_user(uid_t uid, struct sec_sid *ret);
/* A SID's binary form (at most 68 bytes): its length; and back (strict). */
size_t sec_sid_to_bytes(const struct sec_sid *sid, uint8_t buf[68]);
int sec_sid_from_bytes(const uint8_t *data, size_t len, struct sec_sid *ret);
/* The uid of a Unix user's SID (S-1-22-1-uid): 0 and *ret, or -ENOENT. */
int sec_sid_unix_uid(const struct sec_sid *sid, uid_t *ret);
void sec_sid_unix_group(gid_t gid, struct sec_sid *ret);
void sec_sid_everyone(struct sec_sid *ret);

/* A trustee's name as users write it ("alice", "group:wheel", "Everyone",
 * "S-1-..."), resolved on this machine; and a SID's name back ("alice",
 * "group:wheel", "Everyone", or the SID text). */
int sec_trustee_lookup(const char *name, struct sec_sid *ret, struct owmi_error *err);
void sec_trustee_name(const struct sec_sid *sid, char *buf, size_t size);

struct cimom_caller;
/* The rights an entry list grants caller, entries in evaluation order. */
uint32_t sec_access_check(const struct sec_ace *aces, size_t count,
                          const struct cimom_caller *caller);

#endif
