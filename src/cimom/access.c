/* SPDX-License-Identifier: MIT */
/*
 * access.c: namespace security in the object manager: each namespace's
 * descriptor kept as its __thisNAMESPACE=@ instance, the rights a caller
 * holds (own entries, then those inherited from each parent, nearest
 * first; cached per handle until a descriptor changes), the check every
 * operation makes, and __SystemSecurity's methods.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/objpath.h"
#include "cimom/internal.h"
#include "cimom/security.h"

#define THIS_NAMESPACE "__thisNAMESPACE"

/* ---- stored descriptors ----------------------------------------------------- */

/* The namespace's own descriptor; *found false (and sd empty) if none. */
static int load_own(struct repo *repo, const char *ns, struct sec_descriptor *sd, bool *found,
                    struct owmi_error *err)
{
        struct cim_objpath path = { .class_name = (char *) THIS_NAMESPACE, .singleton = true };
        struct cim_object *inst = NULL;
        const struct cim_property *p;
        struct strbuf bytes = STRBUF_INIT;
        int r;

        memset(sd, 0, sizeof(*sd));
        *found = false;
        r = repo_instance_get(repo, ns, &path, &inst, NULL);
        if (r < 0)
                return 0;
        p = cim_object_find_property(inst, "SECURITY_DESCRIPTOR");
        if (!p || p->value.is_null || !p->value.is_array || p->value.type != CIM_TYPE_UINT8) {
                cim_object_free(inst);
                return 0;
        }
        for (uint32_t i = 0; i < p->value.count; i++) {
                uint8_t b = (uint8_t) p->value.v.items[i].v.u64;

                strbuf_add(&bytes, &b, 1);
        }
        r = strbuf_error(&bytes) < 0 ? owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory")
                                     : sec_descriptor_parse((const uint8_t *) bytes.buf, bytes.len, sd, err);
        strbuf_release(&bytes);
        cim_object_free(inst);
        if (r < 0)
                return owmi_error_set(err, OWMI_E_FAILED,
                                      "the stored security descriptor of %s is damaged", ns);
        *found = true;
        return 0;
}

static int store_own(struct repo *repo, const char *ns, const struct sec_descriptor *sd,
                     struct owmi_error *err)
{
        struct cim_object *cls = NULL, *inst = NULL;
        struct cim_value array, item;
        struct strbuf bytes = STRBUF_INIT;
        int r = sec_descriptor_build(sd, &bytes);

        if (r < 0) {
                strbuf_release(&bytes);
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "the descriptor is too large");
        }
        r = repo_class_get(repo, ns, THIS_NAMESPACE, &cls, err);
        if (r >= 0) {
                inst = cim_object_spawn_instance(cls);
                if (!inst)
                        r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        if (r >= 0) {
                cim_value_init_array(&array, CIM_TYPE_UINT8);
                for (size_t i = 0; r >= 0 && i < bytes.len; i++) {
                        cim_value_set_uint(&item, CIM_TYPE_UINT8, (uint8_t) bytes.buf[i]);
                        r = cim_value_array_append(&array, &item);
                }
                if (r >= 0)
                        r = cim_object_set_value(inst, "SECURITY_DESCRIPTOR", &array, err);
                cim_value_release(&array);
        }
        if (r >= 0)
                r = repo_instance_put(repo, ns, inst, 0, err);
        cim_object_free(inst);
        cim_object_free(cls);
        strbuf_release(&bytes);
        return r;
}

/* What applies when nothing is stored: root everything (it has it anyway),
 * Everyone may read and subscribe; both inherited everywhere. */
static int default_root(struct sec_descriptor *sd)
{
        struct sec_ace everyone = { .type = SEC_ACE_ALLOW, .flags = SEC_ACE_CONTAINER_INHERIT,
                                    .mask = SEC_ENABLE | SEC_SUBSCRIBE };
        struct sec_ace root = { .type = SEC_ACE_ALLOW, .flags = SEC_ACE_CONTAINER_INHERIT,
                                .mask = SEC_ALL };
        int r;

        sec_sid_unix_user(0, &root.sid);
        sec_sid_everyone(&everyone.sid);
        r = sec_descriptor_add(sd, &root);
        return r < 0 ? r : sec_descriptor_add(sd, &everyone);
}

/* Every entry that applies in ns, in evaluation order: the namespace's
 * own (denials first), then each parent's inheritable ones, nearest
 * first (denials first), marked INHERITED. */
static int effective(struct repo *repo, const char *ns, struct sec_descriptor *ret,
                     struct owmi_error *err)
{
        char level[CIMOM_NS_MAX];
        bool own = true;
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        snprintf(level, sizeof(level), "%s", ns);
        for (;;) {
                struct sec_descriptor sd;
                bool found;
                char *slash;

                r = load_own(repo, level, &sd, &found, err);
                if (r < 0)
                        break;
                if (!found && !strchr(level, '/')) {
                        r = default_root(&sd);
                        if (r < 0)
                                break;
                }
                for (int pass = 0; pass < 2 && r >= 0; pass++) {
                        for (size_t i = 0; i < sd.ace_count && r >= 0; i++) {
                                struct sec_ace ace = sd.aces[i];

                                if (ace.type != (pass == 0 ? SEC_ACE_DENY : SEC_ACE_ALLOW))
                                        continue;
                                if (!own && !(ace.flags & SEC_ACE_CONTAINER_INHERIT))
                                        continue;
                                if (!own)
                                        ace.flags |= SEC_ACE_INHERITED;
                                r = sec_descriptor_add(ret, &ace);
                        }
                }
                sec_descriptor_release(&sd);
                if (r < 0)
                        break;
                slash = strrchr(level, '/');
                if (!slash)
                        break;
                *slash = '\0';
                own = false;
        }
        if (r == -ENOMEM)
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        else if (r == -E2BIG)
                r = owmi_error_set(err, OWMI_E_QUOTA_VIOLATION, "too many security entries");
        if (r < 0)
                sec_descriptor_release(ret);
        return r;
}

/* ---- the check ---------------------------------------------------------------- */

/* uid 0, and whoever owns the repository file (a user's own repository,
 * in process): every right. */
static bool caller_is_owner(const struct cimom_ns *h)
{
        struct stat st;

        if (h->caller.uid == 0)
                return true;
        return stat(h->cimom->path, &st) == 0 && st.st_uid == h->caller.uid;
}

static int compute_rights(struct cimom_ns *h, uint32_t *ret, struct owmi_error *err)
{
        struct sec_descriptor sd;
        struct repo *repo;
        int r;

        if (caller_is_owner(h)) {
                *ret = SEC_ALL;
                return 0;
        }
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                return r;
        r = effective(repo, h->ns, &sd, err);
        cimom_repo_return(h->cimom, repo);
        if (r < 0)
                return r;
        *ret = sec_access_check(sd.aces, sd.ace_count, &h->caller);
        sec_descriptor_release(&sd);
        return 0;
}

int cimom_rights(struct cimom_ns *h, uint32_t *ret, struct owmi_error *err)
{
        uint64_t generation = atomic_load(&h->cimom->security_generation);
        uint64_t cached = atomic_load(&h->rights_cache);
        uint32_t rights;
        int r;

        if (cached && (cached >> 32) == (generation & 0xffffffffu)) {
                *ret = (uint32_t) cached;
                return 0;
        }
        r = compute_rights(h, &rights, err);
        if (r < 0)
                return r;
        atomic_store(&h->rights_cache, (generation & 0xffffffffu) << 32 | rights);
        *ret = rights;
        return 0;
}

static void rights_text(uint32_t rights, char *buf, size_t size)
{
        size_t n = 0;

        buf[0] = '\0';
        for (uint32_t bit = 1; bit && bit <= SEC_EDIT_SECURITY; bit <<= 1) {
                const char *name = (rights & bit) ? security_right_name(bit) : NULL;

                if (name && n < size)
                        n += (size_t) snprintf(buf + n, size - n, "%s%s", n ? " or " : "", name);
        }
}

int cimom_require(struct cimom_ns *h, uint32_t any_of, struct owmi_error *err)
{
        uint32_t rights;
        char names[160];
        int r = cimom_rights(h, &rights, err);

        if (r < 0)
                return r;
        if (h->caller.remote && !(rights & SEC_REMOTE_ENABLE))
                return owmi_error_set(err, OWMI_E_ACCESS_DENIED,
                                      "access denied: user '%s' lacks RemoteEnable on %s",
                                      h->caller.user, h->ns);
        if (rights & any_of)
                return 0;
        rights_text(any_of, names, sizeof(names));
        return owmi_error_set(err, OWMI_E_ACCESS_DENIED, "access denied: user '%s' lacks %s on %s",
                              h->caller.user, names, h->ns);
}

/* ---- __SystemSecurity ------------------------------------------------------------ */

static int set_uint8_array(struct cim_object *obj, const char *name, const struct strbuf *bytes,
                           struct owmi_error *err)
{
        struct cim_value array, item;
        int r = 0;

        cim_value_init_array(&array, CIM_TYPE_UINT8);
        for (size_t i = 0; r >= 0 && i < bytes->len; i++) {
                cim_value_set_uint(&item, CIM_TYPE_UINT8, (uint8_t) bytes->buf[i]);
                r = cim_value_array_append(&array, &item);
        }
        if (r >= 0)
                r = cim_object_set_value(obj, name, &array, err);
        cim_value_release(&array);
        return r;
}

static int get_uint8_array(const struct cim_object *obj, const char *name, struct strbuf *out)
{
        const struct cim_property *p = obj ? cim_object_find_property(obj, name) : NULL;

        if (!p || p->value.is_null || !p->value.is_array || !cim_type_is_integer(p->value.type))
                return -EINVAL;
        for (uint32_t i = 0; i < p->value.count; i++) {
                uint64_t v = p->value.v.items[i].v.u64;

                if (p->value.v.items[i].is_null || v > 255)
                        return -EINVAL;
                strbuf_addch(out, (char) v);
        }
        return strbuf_error(out);
}

static int set_uint(struct cim_object *obj, const char *name, uint64_t v, struct owmi_error *err)
{
        struct cim_value value;

        cim_value_set_uint(&value, CIM_TYPE_UINT64, v);
        return cim_object_set_value(obj, name, &value, err);
}

static int set_text(struct cim_object *obj, const char *name, const char *text,
                    struct owmi_error *err)
{
        struct cim_value value;
        int r;

        if (cim_value_set_string(&value, CIM_TYPE_STRING, text) < 0)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        r = cim_object_set_value(obj, name, &value, err);
        cim_value_release(&value);
        return r;
}

static struct cim_object *spawn(struct repo *repo, const char *ns, const char *class_name,
                                struct owmi_error *err)
{
        struct cim_object *cls = NULL, *inst;

        if (repo_class_get(repo, ns, class_name, &cls, err) < 0)
                return NULL;
        inst = cim_object_spawn_instance(cls);
        cim_object_free(cls);
        if (!inst)
                owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        return inst;
}

static struct cim_object *trustee_object(struct repo *repo, const char *ns,
                                         const struct sec_sid *sid, struct owmi_error *err)
{
        struct cim_object *t = spawn(repo, ns, "__Trustee", err);
        struct sec_descriptor one = { 0 };
        char text[256], name[256];
        struct strbuf bytes = STRBUF_INIT;
        int r;

        if (!t)
                return NULL;
        sec_sid_format(sid, text, sizeof(text));
        sec_trustee_name(sid, name, sizeof(name));
        /* the SID's bytes: those of a descriptor with it as owner, past the header */
        one.has_owner = true;
        one.owner = *sid;
        r = sec_descriptor_build(&one, &bytes);
        if (r >= 0) {
                struct strbuf sid_bytes = STRBUF_INIT;

                strbuf_add(&sid_bytes, bytes.buf + 20, 8 + 4 * (size_t) sid->sub_count);
                r = set_uint8_array(t, "SID", &sid_bytes, err);
                strbuf_release(&sid_bytes);
        }
        if (r >= 0)
                r = set_uint(t, "SidLength", 8 + 4 * (uint64_t) sid->sub_count, err);
        if (r >= 0)
                r = set_text(t, "SIDString", text, err);
        if (r >= 0)
                r = set_text(t, "Name", name, err);
        if (r >= 0)
                r = set_text(t, "Domain", sid->authority == 22 ? (sid->sub[0] == 1 ? "Unix User" : "Unix Group")
                                                              : "", err);
        strbuf_release(&bytes);
        if (r < 0)
                return cim_object_free(t);
        return t;
}

/* A __Trustee's SID: its SID bytes, else SIDString, else Name resolved here. */
static int trustee_sid(const struct cim_object *t, struct sec_sid *ret, struct owmi_error *err)
{
        struct strbuf bytes = STRBUF_INIT;
        const struct cim_property *p;
        int r;

        if (!t)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "an entry has no Trustee");
        if (get_uint8_array(t, "SID", &bytes) == 0 && bytes.len >= 8) {
                /* parse it as the owner of a minimal descriptor */
                struct strbuf sd = STRBUF_INIT;
                struct sec_descriptor parsed;
                static const uint8_t head[20] = { 1, 0, 0x00, 0x80, 20 };

                strbuf_add(&sd, head, sizeof(head));
                strbuf_add(&sd, bytes.buf, bytes.len);
                r = strbuf_error(&sd) < 0 ? -ENOMEM
                                          : sec_descriptor_parse((const uint8_t *) sd.buf, sd.len, &parsed, err);
                strbuf_release(&sd);
                strbuf_release(&bytes);
                if (r < 0)
                        return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "a Trustee's SID is malformed");
                *ret = parsed.owner;
                sec_descriptor_release(&parsed);
                return 0;
        }
        strbuf_release(&bytes);
        p = cim_object_find_property(t, "SIDString");
        if (p && !p->value.is_null && p->value.type == CIM_TYPE_STRING) {
                if (sec_sid_parse(p->value.v.string, ret) < 0)
                        return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "'%s' is not a SID",
                                              p->value.v.string);
                return 0;
        }
        p = cim_object_find_property(t, "Name");
        if (p && !p->value.is_null && p->value.type == CIM_TYPE_STRING)
                return sec_trustee_lookup(p->value.v.string, ret, err);
        return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "a Trustee has no SID, SIDString or Name");
}

static int descriptor_object(struct repo *repo, const char *ns, const struct sec_descriptor *sd,
                             struct cim_object **ret, struct owmi_error *err)
{
        struct cim_object *obj = spawn(repo, ns, "__SecurityDescriptor", err);
        struct cim_value dacl, item;
        int r = obj ? 0 : -ENOMEM;

        if (r < 0)
                return err && err->code ? -EIO : owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        cim_value_init_array(&dacl, CIM_TYPE_OBJECT);
        for (size_t i = 0; r >= 0 && i < sd->ace_count; i++) {
                const struct sec_ace *a = &sd->aces[i];
                struct cim_object *ace = spawn(repo, ns, "__ACE", err);
                struct cim_object *trustee = ace ? trustee_object(repo, ns, &a->sid, err) : NULL;

                if (!ace || !trustee) {
                        cim_object_free(ace);
                        r = -EIO;
                        break;
                }
                r = set_uint(ace, "AccessMask", a->mask, err);
                if (r >= 0)
                        r = set_uint(ace, "AceFlags", a->flags, err);
                if (r >= 0)
                        r = set_uint(ace, "AceType", a->type, err);
                if (r >= 0) {
                        struct cim_value v = { .type = CIM_TYPE_OBJECT, .v.object = trustee };

                        r = cim_object_set_value(ace, "Trustee", &v, err);
                }
                cim_object_free(trustee);
                item = (struct cim_value) { .type = CIM_TYPE_OBJECT, .v.object = ace };
                if (r >= 0)
                        r = cim_value_array_append(&dacl, &item);
                else
                        cim_object_free(ace);
        }
        if (r >= 0)
                r = set_uint(obj, "ControlFlags", 0x8004, err);
        if (r >= 0)
                r = cim_object_set_value(obj, "DACL", &dacl, err);
        cim_value_release(&dacl);
        if (r < 0) {
                cim_object_free(obj);
                return r;
        }
        *ret = obj;
        return 0;
}

static int descriptor_from_object(const struct cim_object *obj, struct sec_descriptor *sd,
                                  struct owmi_error *err)
{
        const struct cim_property *p = obj ? cim_object_find_property(obj, "DACL") : NULL;
        int r = 0;

        memset(sd, 0, sizeof(*sd));
        if (!obj)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "no Descriptor given");
        if (!p || p->value.is_null)
                return 0;
        if (!p->value.is_array || p->value.type != CIM_TYPE_OBJECT)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "DACL is not an array of __ACE");
        for (uint32_t i = 0; r >= 0 && i < p->value.count; i++) {
                const struct cim_object *ace = p->value.v.items[i].v.object;
                const struct cim_property *f;
                struct sec_ace a = { 0 };

                if (!ace)
                        continue;
                f = cim_object_find_property(ace, "AccessMask");
                a.mask = f && !f->value.is_null ? (uint32_t) f->value.v.u64 : 0;
                f = cim_object_find_property(ace, "AceFlags");
                a.flags = f && !f->value.is_null ? (uint8_t) f->value.v.u64 : 0;
                f = cim_object_find_property(ace, "AceType");
                a.type = f && !f->value.is_null ? (uint8_t) f->value.v.u64 : 0;
                if (a.type != SEC_ACE_ALLOW && a.type != SEC_ACE_DENY) {
                        r = owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                           "entry %u is neither allow (0) nor deny (1)", i);
                        break;
                }
                f = cim_object_find_property(ace, "Trustee");
                r = trustee_sid(f && !f->value.is_null ? f->value.v.object : NULL, &a.sid, err);
                if (r >= 0 && sec_descriptor_add(sd, &a) < 0)
                        r = owmi_error_set(err, OWMI_E_QUOTA_VIOLATION, "too many entries");
        }
        if (r < 0)
                sec_descriptor_release(sd);
        return r;
}

/* The namespace's own entries out of what SetSD gave: inherited ones
 * belong to the parents. */
static void drop_inherited(struct sec_descriptor *sd)
{
        size_t n = 0;

        for (size_t i = 0; i < sd->ace_count; i++)
                if (!(sd->aces[i].flags & SEC_ACE_INHERITED))
                        sd->aces[n++] = sd->aces[i];
        sd->ace_count = n;
}

int cimom_security_method(struct cimom_ns *h, const struct cim_method *m,
                          const struct cim_object *in, struct cim_object **ret_out,
                          struct owmi_error *err)
{
        bool get = owmi_streq_ci(m->name, "GetSD") || owmi_streq_ci(m->name, "GetSecurityDescriptor");
        bool set = owmi_streq_ci(m->name, "SetSD") || owmi_streq_ci(m->name, "SetSecurityDescriptor");
        bool binary = owmi_streq_ci(m->name, "GetSD") || owmi_streq_ci(m->name, "SetSD");
        struct cim_object *out = cimom_out_parameters(m);
        struct sec_descriptor sd = { 0 };
        struct repo *repo;
        uint32_t rights;
        int r;

        if (!out)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        if (get)
                r = cimom_require(h, SEC_READ_SECURITY, err);
        else if (set)
                r = cimom_require(h, SEC_EDIT_SECURITY, err);
        else if (owmi_streq_ci(m->name, "GetCallerAccessRights"))
                r = cimom_rights(h, &rights, err);
        else
                r = owmi_error_set(err, OWMI_E_METHOD_NOT_IMPLEMENTED, "no method '%s'", m->name);
        if (r < 0)
                goto out;
        if (!get && !set) {
                r = set_uint(out, "Rights", rights, err);
                goto done;
        }
        r = cimom_repo_borrow(h->cimom, &repo, err);
        if (r < 0)
                goto out;
        if (get) {
                r = effective(repo, h->ns, &sd, err);
                sd.has_owner = sd.has_group = true;
                sec_sid_unix_user(0, &sd.owner);
                sec_sid_unix_group(0, &sd.group);
                if (r >= 0 && binary) {
                        struct strbuf bytes = STRBUF_INIT;

                        r = sec_descriptor_build(&sd, &bytes);
                        if (r >= 0)
                                r = set_uint8_array(out, "SD", &bytes, err);
                        strbuf_release(&bytes);
                } else if (r >= 0) {
                        struct cim_object *obj = NULL;

                        r = descriptor_object(repo, h->ns, &sd, &obj, err);
                        if (r >= 0) {
                                struct cim_value v = { .type = CIM_TYPE_OBJECT, .v.object = obj };

                                r = cim_object_set_value(out, "Descriptor", &v, err);
                                cim_object_free(obj);
                        }
                }
        } else {
                if (binary) {
                        struct strbuf bytes = STRBUF_INIT;

                        r = get_uint8_array(in, "SD", &bytes);
                        if (r < 0)
                                r = owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                                   "SD must be an array of bytes");
                        else
                                r = sec_descriptor_parse((const uint8_t *) bytes.buf, bytes.len, &sd, err);
                        strbuf_release(&bytes);
                } else {
                        const struct cim_property *p = in ? cim_object_find_property(in, "Descriptor") : NULL;

                        r = descriptor_from_object(p && !p->value.is_null ? p->value.v.object : NULL,
                                                   &sd, err);
                }
                if (r >= 0) {
                        drop_inherited(&sd);
                        sd.has_owner = sd.has_group = false;
                        r = store_own(repo, h->ns, &sd, err);
                }
                if (r >= 0)
                        atomic_fetch_add(&h->cimom->security_generation, 1);
        }
        cimom_repo_return(h->cimom, repo);
        sec_descriptor_release(&sd);
        if (r < 0)
                goto out;
done:
        if (r >= 0)
                r = set_uint(out, "ReturnValue", 0, err);
        if (r >= 0) {
                *ret_out = out;
                return 0;
        }
out:
        cim_object_free(out);
        return r;
}

/* ---- permanent subscriptions' creators ------------------------------------------- */

bool cimom_is_subscription_object(const struct cim_object *obj)
{
        return cim_object_is_a(obj, "__EventFilter") || cim_object_is_a(obj, "__EventConsumer") ||
               cim_object_is_a(obj, "__FilterToConsumerBinding");
}

int cimom_stamp_creator(const struct cimom_caller *caller, struct cim_object *inst)
{
        struct sec_sid sid;
        uint8_t bytes[68];
        size_t len;
        struct cim_value array, item;
        int r = 0;

        if (!cimom_is_subscription_object(inst) || !cim_object_find_property(inst, "CreatorSID"))
                return 0;
        sec_sid_unix_user(caller->uid, &sid);
        len = sec_sid_to_bytes(&sid, bytes);
        cim_value_init_array(&array, CIM_TYPE_UINT8);
        for (size_t i = 0; r >= 0 && i < len; i++) {
                cim_value_set_uint(&item, CIM_TYPE_UINT8, bytes[i]);
                r = cim_value_array_append(&array, &item);
        }
        if (r >= 0)
                r = cim_object_set_value(inst, "CreatorSID", &array, NULL);
        cim_value_release(&array);
        return r;
}
