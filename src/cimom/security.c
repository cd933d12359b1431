/* SPDX-License-Identifier: MIT */
/*
 * security.c: security descriptors, SIDs and the access check; no
 * storage (access.c keeps descriptors in the repository).
 *
 * Binary layout (MS-DTYP 2.4.6, all integers little-endian except the
 * SID's 48-bit authority):
 *   descriptor = u8 revision 1, u8 sbz1, u16 control (0x8000 self-relative,
 *                0x0004 DACL present), u32 owner, u32 group, u32 sacl,
 *                u32 dacl offsets (0: absent)
 *   acl        = u8 revision 2, u8 sbz1, u16 size, u16 count, u16 sbz2, aces
 *   ace        = u8 type, u8 flags, u16 size, u32 mask, sid
 *   sid        = u8 revision 1, u8 count, u8[6] authority (big-endian),
 *                count * u32 sub-authorities
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cimom/cimom.h"
#include "cimom/security.h"

#define SD_HEADER 20
#define ACL_HEADER 8
#define ACE_MAX 1024
#define SE_DACL_PRESENT 0x0004
#define SE_SELF_RELATIVE 0x8000

static const struct {
        uint32_t right;
        const char *name;
} right_names[] = {
        { SEC_ENABLE, "Enable" },
        { SEC_METHOD_EXECUTE, "MethodExecute" },
        { SEC_FULL_WRITE, "FullWrite" },
        { SEC_PARTIAL_WRITE, "PartialWrite" },
        { SEC_PROVIDER_WRITE, "ProviderWrite" },
        { SEC_REMOTE_ENABLE, "RemoteEnable" },
        { SEC_SUBSCRIBE, "Subscribe" },
        { SEC_PUBLISH, "Publish" },
        { SEC_READ_SECURITY, "ReadSecurity" },
        { SEC_EDIT_SECURITY, "EditSecurity" },
};

const char *security_right_name(uint32_t right)
{
        for (size_t i = 0; i < ELEMENTSOF(right_names); i++)
                if (right_names[i].right == right)
                        return right_names[i].name;
        return NULL;
}

uint32_t security_right_lookup(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(right_names); i++)
                if (owmi_streq_ci(right_names[i].name, name))
                        return right_names[i].right;
        if (owmi_streq_ci(name, "All"))
                return SEC_ALL;
        return 0;
}

/* ---- SIDs ------------------------------------------------------------------ */

static bool sid_is_unix(const struct sec_sid *sid, uint32_t kind);

void sec_sid_unix_user(uid_t uid, struct sec_sid *ret)
{
        *ret = (struct sec_sid) { .sub_count = 2, .authority = 22, .sub = { 1, (uint32_t) uid } };
}

void sec_sid_unix_group(gid_t gid, struct sec_sid *ret)
{
        *ret = (struct sec_sid) { .sub_count = 2, .authority = 22, .sub = { 2, (uint32_t) gid } };
}

void sec_sid_everyone(struct sec_sid *ret)
{
        *ret = (struct sec_sid) { .sub_count = 1, .authority = 1, .sub = { 0 } };
}

size_t sec_sid_to_bytes(const struct sec_sid *sid, uint8_t buf[68])
{
        buf[0] = 1;
        buf[1] = sid->sub_count;
        for (int i = 0; i < 6; i++)
                buf[2 + i] = (uint8_t) (sid->authority >> (8 * (5 - i)));
        for (uint8_t i = 0; i < sid->sub_count; i++) {
                uint32_t v = sid->sub[i];

                buf[8 + 4 * i] = (uint8_t) v;
                buf[9 + 4 * i] = (uint8_t) (v >> 8);
                buf[10 + 4 * i] = (uint8_t) (v >> 16);
                buf[11 + 4 * i] = (uint8_t) (v >> 24);
        }
        return 8 + 4 * (size_t) sid->sub_count;
}

int sec_sid_from_bytes(const uint8_t *data, size_t len, struct sec_sid *ret)
{
        struct sec_sid sid = { 0 };

        if (len < 8 || data[0] != 1 || data[1] > SEC_SID_MAX_SUB || len != 8 + 4 * (size_t) data[1])
                return -EINVAL;
        sid.sub_count = data[1];
        for (int i = 0; i < 6; i++)
                sid.authority = sid.authority << 8 | data[2 + i];
        for (uint8_t i = 0; i < sid.sub_count; i++)
                sid.sub[i] = (uint32_t) data[8 + 4 * i] | (uint32_t) data[9 + 4 * i] << 8 |
                             (uint32_t) data[10 + 4 * i] << 16 | (uint32_t) data[11 + 4 * i] << 24;
        *ret = sid;
        return 0;
}

int sec_sid_unix_uid(const struct sec_sid *sid, uid_t *ret)
{
        if (!sid_is_unix(sid, 1))
                return -ENOENT;
        *ret = (uid_t) sid->sub[1];
        return 0;
}

bool sec_sid_equal(const struct sec_sid *a, const struct sec_sid *b)
{
        return a->sub_count == b->sub_count && a->authority == b->authority &&
               memcmp(a->sub, b->sub, a->sub_count * sizeof(uint32_t)) == 0;
}

void sec_sid_format(const struct sec_sid *sid, char *buf, size_t size)
{
        int n = snprintf(buf, size, "S-1-%" PRIu64, sid->authority);

        for (uint8_t i = 0; i < sid->sub_count && n > 0 && (size_t) n < size; i++)
                n += snprintf(buf + n, size - (size_t) n, "-%" PRIu32, sid->sub[i]);
}

static int parse_number(const char **p, uint64_t max, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        if (**p < '0' || **p > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(*p, &end, 10);
        if (errno || v > max)
                return -EINVAL;
        *p = end;
        *ret = v;
        return 0;
}

int sec_sid_parse(const char *text, struct sec_sid *ret)
{
        struct sec_sid sid = { 0 };
        const char *p = text;
        uint64_t v;

        if (owmi_strncasecmp(p, "S-1-", 4) != 0)
                return -EINVAL;
        p += 4;
        if (parse_number(&p, (1ULL << 48) - 1, &sid.authority) < 0)
                return -EINVAL;
        while (*p == '-') {
                p++;
                if (sid.sub_count == SEC_SID_MAX_SUB || parse_number(&p, UINT32_MAX, &v) < 0)
                        return -EINVAL;
                sid.sub[sid.sub_count++] = (uint32_t) v;
        }
        if (*p)
                return -EINVAL;
        *ret = sid;
        return 0;
}

static bool sid_is_unix(const struct sec_sid *sid, uint32_t kind)
{
        return sid->authority == 22 && sid->sub_count == 2 && sid->sub[0] == kind;
}

static bool sid_is_everyone(const struct sec_sid *sid)
{
        return sid->authority == 1 && sid->sub_count == 1 && sid->sub[0] == 0;
}

/* S-1-5-11, Authenticated Users: every caller OpenWMI lets in. */
static bool sid_is_authenticated_users(const struct sec_sid *sid)
{
        return sid->authority == 5 && sid->sub_count == 1 && sid->sub[0] == 11;
}

int sec_trustee_lookup(const char *name, struct sec_sid *ret, struct owmi_error *err)
{
        char buf[4096];
        struct passwd pw, *pwp = NULL;
        struct group gr, *grp = NULL;
        const char *user = name, *group = name;

        if (owmi_streq_ci(name, "Everyone")) {
                sec_sid_everyone(ret);
                return 0;
        }
        if (sec_sid_parse(name, ret) == 0)
                return 0;
        if (owmi_strncasecmp(name, "user:", 5) == 0)
                group = NULL, user = name + 5;
        else if (owmi_strncasecmp(name, "group:", 6) == 0)
                user = NULL, group = name + 6;
        if (user && getpwnam_r(user, &pw, buf, sizeof(buf), &pwp) == 0 && pwp) {
                sec_sid_unix_user(pwp->pw_uid, ret);
                return 0;
        }
        if (group && getgrnam_r(group, &gr, buf, sizeof(buf), &grp) == 0 && grp) {
                sec_sid_unix_group(grp->gr_gid, ret);
                return 0;
        }
        return owmi_error_set(err, OWMI_E_NOT_FOUND, "no user or group named '%s'", name);
}

void sec_trustee_name(const struct sec_sid *sid, char *buf, size_t size)
{
        char tmp[4096];

        if (sid_is_everyone(sid)) {
                snprintf(buf, size, "Everyone");
        } else if (sid_is_unix(sid, 1)) {
                struct passwd pw, *pwp = NULL;

                if (getpwuid_r((uid_t) sid->sub[1], &pw, tmp, sizeof(tmp), &pwp) == 0 && pwp)
                        snprintf(buf, size, "%s", pwp->pw_name);
                else
                        snprintf(buf, size, "uid:%" PRIu32, sid->sub[1]);
        } else if (sid_is_unix(sid, 2)) {
                struct group gr, *grp = NULL;

                if (getgrgid_r((gid_t) sid->sub[1], &gr, tmp, sizeof(tmp), &grp) == 0 && grp)
                        snprintf(buf, size, "group:%s", grp->gr_name);
                else
                        snprintf(buf, size, "gid:%" PRIu32, sid->sub[1]);
        } else {
                sec_sid_format(sid, buf, size);
        }
}

/* ---- the access check ------------------------------------------------------ */

static bool sid_matches(const struct sec_sid *sid, const struct cimom_caller *caller)
{
        if (sid_is_everyone(sid) || sid_is_authenticated_users(sid))
                return true;
        if (sid_is_unix(sid, 1))
                return sid->sub[1] == (uint32_t) caller->uid;
        if (sid_is_unix(sid, 2)) {
                if (sid->sub[1] == (uint32_t) caller->gid)
                        return true;
                for (size_t i = 0; i < caller->group_count; i++)
                        if (sid->sub[1] == (uint32_t) caller->groups[i])
                                return true;
        }
        return false;
}

/* Each right is decided by the first entry that names it (so entries are
 * given deny-before-allow, nearest namespace first). */
uint32_t sec_access_check(const struct sec_ace *aces, size_t count, const struct cimom_caller *caller)
{
        uint32_t granted = 0, denied = 0;

        for (size_t i = 0; i < count; i++) {
                const struct sec_ace *a = &aces[i];

                if (!sid_matches(&a->sid, caller))
                        continue;
                if (a->type == SEC_ACE_DENY)
                        denied |= a->mask & ~granted;
                else if (a->type == SEC_ACE_ALLOW)
                        granted |= a->mask & ~denied;
        }
        return granted;
}

/* ---- binary form ----------------------------------------------------------- */

void sec_descriptor_release(struct sec_descriptor *sd)
{
        owmi_free(sd->aces);
        memset(sd, 0, sizeof(*sd));
}

int sec_descriptor_add(struct sec_descriptor *sd, const struct sec_ace *ace)
{
        struct sec_ace *aces;

        if (sd->ace_count >= ACE_MAX)
                return -E2BIG;
        aces = owmi_realloc(sd->aces, (sd->ace_count + 1) * sizeof(*aces));
        if (!aces)
                return -ENOMEM;
        sd->aces = aces;
        sd->aces[sd->ace_count++] = *ace;
        return 0;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t) (p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static int bad(struct owmi_error *err, size_t offset, const char *what)
{
        return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                              "security descriptor: %s at byte %zu", what, offset);
}

/* A SID at data[off..end); its size in *ret_size. */
static int parse_sid(const uint8_t *data, size_t off, size_t end, struct sec_sid *ret,
                     size_t *ret_size, struct owmi_error *err)
{
        size_t size;

        if (off > end || end - off < 8)
                return bad(err, off, "truncated SID");
        if (data[off] != 1)
                return bad(err, off, "SID revision is not 1");
        ret->sub_count = data[off + 1];
        if (ret->sub_count > SEC_SID_MAX_SUB)
                return bad(err, off + 1, "SID has more than 15 sub-authorities");
        size = 8 + 4 * (size_t) ret->sub_count;
        if (end - off < size)
                return bad(err, off, "truncated SID");
        ret->authority = 0;
        for (int i = 0; i < 6; i++)
                ret->authority = ret->authority << 8 | data[off + 2 + (size_t) i];
        for (uint8_t i = 0; i < ret->sub_count; i++)
                ret->sub[i] = le32(data + off + 8 + 4 * (size_t) i);
        *ret_size = size;
        return 0;
}

int sec_descriptor_parse(const uint8_t *data, size_t len, struct sec_descriptor *ret,
                         struct owmi_error *err)
{
        struct sec_descriptor sd = { 0 };
        uint32_t owner, group, dacl;
        uint16_t control;
        size_t size;
        int r;

        if (len < SD_HEADER)
                return bad(err, 0, "shorter than its header");
        if (data[0] != 1)
                return bad(err, 0, "revision is not 1");
        control = le16(data + 2);
        if (!(control & SE_SELF_RELATIVE))
                return bad(err, 2, "not self-relative");
        owner = le32(data + 4);
        group = le32(data + 8);
        dacl = le32(data + 16);
        if (owner) {
                r = parse_sid(data, owner, len, &sd.owner, &size, err);
                if (r < 0)
                        return r;
                sd.has_owner = true;
        }
        if (group) {
                r = parse_sid(data, group, len, &sd.group, &size, err);
                if (r < 0)
                        return r;
                sd.has_group = true;
        }
        if ((control & SE_DACL_PRESENT) && dacl) {
                uint16_t acl_size, count;
                size_t off, acl_end;

                if (dacl > len || len - dacl < ACL_HEADER)
                        return bad(err, 16, "DACL outside the descriptor");
                if (data[dacl] != 2 && data[dacl] != 4)
                        return bad(err, dacl, "ACL revision is not 2");
                acl_size = le16(data + dacl + 2);
                count = le16(data + dacl + 4);
                if (acl_size < ACL_HEADER || acl_size > len - dacl)
                        return bad(err, dacl + 2, "ACL size outside the descriptor");
                if (count > ACE_MAX)
                        return bad(err, dacl + 4, "more than 1024 entries");
                acl_end = dacl + acl_size;
                off = dacl + ACL_HEADER;
                for (uint16_t i = 0; i < count; i++) {
                        struct sec_ace ace = { 0 };
                        uint16_t ace_size;

                        if (acl_end - off < 8) {
                                sec_descriptor_release(&sd);
                                return bad(err, off, "truncated entry");
                        }
                        ace.type = data[off];
                        ace.flags = data[off + 1];
                        ace_size = le16(data + off + 2);
                        ace.mask = le32(data + off + 4);
                        if (ace.type != SEC_ACE_ALLOW && ace.type != SEC_ACE_DENY) {
                                sec_descriptor_release(&sd);
                                return bad(err, off, "entry is neither allow nor deny");
                        }
                        if (ace_size < 16 || ace_size > acl_end - off) {
                                sec_descriptor_release(&sd);
                                return bad(err, off + 2, "entry size outside the ACL");
                        }
                        r = parse_sid(data, off + 8, off + ace_size, &ace.sid, &size, err);
                        if (r >= 0)
                                r = sec_descriptor_add(&sd, &ace);
                        if (r == -ENOMEM)
                                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                        if (r < 0) {
                                sec_descriptor_release(&sd);
                                return r;
                        }
                        off += ace_size;
                }
        }
        *ret = sd;
        return 0;
}

static void put16(struct strbuf *out, uint16_t v)
{
        uint8_t b[2] = { (uint8_t) v, (uint8_t) (v >> 8) };

        strbuf_add(out, b, 2);
}

static void put32(struct strbuf *out, uint32_t v)
{
        uint8_t b[4] = { (uint8_t) v, (uint8_t) (v >> 8), (uint8_t) (v >> 16), (uint8_t) (v >> 24) };

        strbuf_add(out, b, 4);
}

static size_t sid_size(const struct sec_sid *sid)
{
        return 8 + 4 * (size_t) sid->sub_count;
}

static void put_sid(struct strbuf *out, const struct sec_sid *sid)
{
        uint8_t head[8] = { 1, sid->sub_count };

        for (int i = 0; i < 6; i++)
                head[2 + i] = (uint8_t) (sid->authority >> (8 * (5 - i)));
        strbuf_add(out, head, 8);
        for (uint8_t i = 0; i < sid->sub_count; i++)
                put32(out, sid->sub[i]);
}

int sec_descriptor_build(const struct sec_descriptor *sd, struct strbuf *out)
{
        size_t start = out->len, off = SD_HEADER, acl_size = ACL_HEADER;
        uint32_t owner = 0, group = 0;

        if (sd->ace_count > ACE_MAX)
                return -E2BIG;
        for (size_t i = 0; i < sd->ace_count; i++)
                acl_size += 8 + sid_size(&sd->aces[i].sid);
        if (acl_size > UINT16_MAX)
                return -E2BIG;
        if (sd->has_owner) {
                owner = (uint32_t) off;
                off += sid_size(&sd->owner);
        }
        if (sd->has_group) {
                group = (uint32_t) off;
                off += sid_size(&sd->group);
        }
        strbuf_add(out, (const uint8_t[]) { 1, 0 }, 2);
        put16(out, SE_SELF_RELATIVE | SE_DACL_PRESENT);
        put32(out, owner);
        put32(out, group);
        put32(out, 0);
        put32(out, (uint32_t) off);
        if (sd->has_owner)
                put_sid(out, &sd->owner);
        if (sd->has_group)
                put_sid(out, &sd->group);
        strbuf_add(out, (const uint8_t[]) { 2, 0 }, 2);
        put16(out, (uint16_t) acl_size);
        put16(out, (uint16_t) sd->ace_count);
        put16(out, 0);
        for (size_t i = 0; i < sd->ace_count; i++) {
                const struct sec_ace *a = &sd->aces[i];

                strbuf_add(out, (const uint8_t[]) { a->type, a->flags }, 2);
                put16(out, (uint16_t) (8 + sid_size(&a->sid)));
                put32(out, a->mask);
                put_sid(out, &a->sid);
        }
        if (strbuf_error(out) < 0) {
                out->len = start;
                return -ENOMEM;
        }
        return 0;
}
