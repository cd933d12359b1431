/* SPDX-License-Identifier: MIT */
/*
 * cli-security.c: `owmi security get|grant|revoke`: a namespace's access
 * entries through __SystemSecurity's GetSecurityDescriptor and
 * SetSecurityDescriptor, so it works the same on the daemon and in
 * process.  Trustees are named as the server resolves them ("alice",
 * "group:wheel", "Everyone", or a SID); rights as WMI names them without
 * spaces (Enable, MethodExecute, FullWrite, PartialWrite, ProviderWrite,
 * RemoteEnable, ReadSecurity, EditSecurity, or All).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/object.h"
#include "cimom/security.h"
#include "cli/cli.h"
#include "client/client.h"

struct entry {
        uint32_t type, flags, mask;
        char *name;                      /* as the server names the trustee */
        char *sid;                       /* SIDString */
};

struct entries {
        struct entry *items;
        size_t count, alloc;
};

static void entries_release(struct entries *e)
{
        for (size_t i = 0; i < e->count; i++) {
                owmi_free(e->items[i].name);
                owmi_free(e->items[i].sid);
        }
        owmi_free(e->items);
}

static uint64_t uint_of(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        return p && !p->value.is_null ? p->value.v.u64 : 0;
}

static const char *text_of(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = obj ? cim_object_find_property(obj, name) : NULL;

        return p && !p->value.is_null && p->value.type == CIM_TYPE_STRING ? p->value.v.string : NULL;
}

static const char *ns_of(const struct cli *cli)
{
        return cli->namespace ? cli->namespace : "root/cimv2";
}

/* The namespace's entries, inherited ones included (flag INHERITED). */
static int read_entries(owmi_connection *conn, const struct cli *cli, struct entries *ret,
                        struct owmi_error *err)
{
        owmi_object *out = NULL;
        const struct cim_property *dacl, *d;
        int status = owmi_exec_method(conn, ns_of(cli), "__SystemSecurity", "GetSecurityDescriptor",
                                      NULL, &out, err);

        if (status)
                return -1;
        d = cim_object_find_property(client_object(out), "Descriptor");
        dacl = d && !d->value.is_null ? cim_object_find_property(d->value.v.object, "DACL") : NULL;
        for (uint32_t i = 0; dacl && !dacl->value.is_null && i < dacl->value.count; i++) {
                const struct cim_object *ace = dacl->value.v.items[i].v.object;
                const struct cim_property *t = ace ? cim_object_find_property(ace, "Trustee") : NULL;
                const struct cim_object *trustee = t && !t->value.is_null ? t->value.v.object : NULL;
                struct entry *e;

                if (!ace || OWMI_GROW(ret->items, ret->alloc, ret->count + 1) < 0)
                        continue;
                e = &ret->items[ret->count++];
                e->type = (uint32_t) uint_of(ace, "AceType");
                e->flags = (uint32_t) uint_of(ace, "AceFlags");
                e->mask = (uint32_t) uint_of(ace, "AccessMask");
                e->name = owmi_strdup(text_of(trustee, "Name") ? text_of(trustee, "Name") : "?");
                e->sid = owmi_strdup(text_of(trustee, "SIDString") ? text_of(trustee, "SIDString") : "");
        }
        owmi_object_free(out);
        return 0;
}

static void rights_text(uint32_t mask, char *buf, size_t size)
{
        size_t n = 0;

        buf[0] = '\0';
        if ((mask & SEC_ALL) == SEC_ALL) {
                snprintf(buf, size, "All");
                return;
        }
        for (uint32_t bit = 1; bit <= SEC_EDIT_SECURITY; bit <<= 1) {
                const char *name = (mask & bit) ? security_right_name(bit) : NULL;

                if (name && n < size)
                        n += (size_t) snprintf(buf + n, size - n, "%s%s", n ? "," : "", name);
        }
}

static int security_get(owmi_connection *conn, struct cli *cli)
{
        struct owmi_error err = { 0 };
        struct entries e = { 0 };

        if (read_entries(conn, cli, &e, &err) < 0) {
                cli_print_error("security get", &err);
                return 1;
        }
        if (cli->format == CLI_FORMAT_JSON) {
                printf("[");
                for (size_t i = 0; i < e.count; i++) {
                        char rights[256];

                        rights_text(e.items[i].mask, rights, sizeof(rights));
                        printf("%s\n  {\"Type\": \"%s\", \"Trustee\": \"%s\", \"SID\": \"%s\", "
                               "\"Rights\": \"%s\", \"AccessMask\": %u, \"Inherited\": %s, "
                               "\"AppliesBelow\": %s}",
                               i ? "," : "", e.items[i].type == SEC_ACE_DENY ? "deny" : "allow",
                               e.items[i].name, e.items[i].sid, rights, e.items[i].mask,
                               (e.items[i].flags & SEC_ACE_INHERITED) ? "true" : "false",
                               (e.items[i].flags & SEC_ACE_CONTAINER_INHERIT) ? "true" : "false");
                }
                printf("%s]\n", e.count ? "\n" : "");
        } else {
                printf("%-6s %-20s %-16s %-50s %s\n", "TYPE", "TRUSTEE", "SID", "RIGHTS", "FROM");
                for (size_t i = 0; i < e.count; i++) {
                        char rights[256];

                        rights_text(e.items[i].mask, rights, sizeof(rights));
                        printf("%-6s %-20s %-16s %-50s %s\n",
                               e.items[i].type == SEC_ACE_DENY ? "deny" : "allow", e.items[i].name,
                               e.items[i].sid, rights,
                               (e.items[i].flags & SEC_ACE_INHERITED) ? "inherited" :
                               (e.items[i].flags & SEC_ACE_CONTAINER_INHERIT) ? "here and below" : "here");
                }
        }
        entries_release(&e);
        return 0;
}

static int parse_rights(const char *text, uint32_t *ret)
{
        char *copy = owmi_strdup(text), *save = NULL;
        uint32_t mask = 0;

        if (!copy)
                return -ENOMEM;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                uint32_t r = security_right_lookup(tok);

                if (!r) {
                        fprintf(stderr, "owmi: no right named '%s' (Enable, MethodExecute, FullWrite, "
                                "PartialWrite, ProviderWrite, RemoteEnable, ReadSecurity, "
                                "EditSecurity, All)\n", tok);
                        owmi_free(copy);
                        return -EINVAL;
                }
                mask |= r;
        }
        owmi_free(copy);
        *ret = mask;
        return mask ? 0 : -EINVAL;
}

static bool same_trustee(const struct entry *e, const char *name)
{
        return owmi_streq_ci(e->name, name) || owmi_streq_ci(e->sid, name) ||
               (owmi_strncasecmp(name, "user:", 5) == 0 && owmi_streq_ci(e->name, name + 5));
}

/* The namespace's own entries, as SetSecurityDescriptor takes them. */
static int write_entries(owmi_connection *conn, const struct cli *cli, const struct entries *e,
                         struct owmi_error *err)
{
        owmi_object *sd_cls = NULL, *ace_cls = NULL, *trustee_cls = NULL, *out = NULL;
        struct cim_object *in = NULL, *sd = NULL;
        struct cim_value dacl;
        struct cim_property *p;
        int r = 0;

        cim_value_init_array(&dacl, CIM_TYPE_OBJECT);
        if (owmi_get_object(conn, ns_of(cli), "__SecurityDescriptor", &sd_cls, err) ||
            owmi_get_object(conn, ns_of(cli), "__ACE", &ace_cls, err) ||
            owmi_get_object(conn, ns_of(cli), "__Trustee", &trustee_cls, err)) {
                r = -1;
                goto out;
        }
        for (size_t i = 0; r >= 0 && i < e->count; i++) {
                const struct entry *x = &e->items[i];
                struct cim_object *ace, *trustee;
                struct cim_value v;

                if (x->flags & SEC_ACE_INHERITED)
                        continue;
                ace = cim_object_spawn_instance(client_object(ace_cls));
                trustee = cim_object_spawn_instance(client_object(trustee_cls));
                if (!ace || !trustee) {
                        cim_object_free(ace);
                        cim_object_free(trustee);
                        r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                        break;
                }
                if (x->sid[0])
                        r = owmi_object_set_text((owmi_object *) trustee, "SIDString", x->sid, err) ? -1 : 0;
                else
                        r = owmi_object_set_text((owmi_object *) trustee, "Name", x->name, err) ? -1 : 0;
                cim_value_set_uint(&v, CIM_TYPE_UINT32, x->mask);
                if (r >= 0)
                        r = cim_object_set_value(ace, "AccessMask", &v, err);
                cim_value_set_uint(&v, CIM_TYPE_UINT32, x->flags);
                if (r >= 0)
                        r = cim_object_set_value(ace, "AceFlags", &v, err);
                cim_value_set_uint(&v, CIM_TYPE_UINT32, x->type);
                if (r >= 0)
                        r = cim_object_set_value(ace, "AceType", &v, err);
                v = (struct cim_value) { .type = CIM_TYPE_OBJECT, .v.object = trustee };
                if (r >= 0)
                        r = cim_object_set_value(ace, "Trustee", &v, err);
                cim_object_free(trustee);
                v = (struct cim_value) { .type = CIM_TYPE_OBJECT, .v.object = ace };
                if (r >= 0)
                        r = cim_value_array_append(&dacl, &v);
                else
                        cim_object_free(ace);
        }
        if (r < 0)
                goto out;
        sd = cim_object_spawn_instance(client_object(sd_cls));
        in = cim_object_new_class("__PARAMETERS", NULL);
        p = in ? cim_object_add_property(in, "Descriptor") : NULL;
        if (!sd || !p) {
                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                goto out;
        }
        in->genus = CIM_GENUS_INSTANCE;
        r = cim_object_set_value(sd, "DACL", &dacl, err);
        if (r < 0)
                goto out;
        p->type = CIM_TYPE_OBJECT;
        p->value = (struct cim_value) { .type = CIM_TYPE_OBJECT, .v.object = sd };
        sd = NULL;
        if (owmi_exec_method(conn, ns_of(cli), "__SystemSecurity", "SetSecurityDescriptor",
                             (owmi_object *) in, &out, err))
                r = -1;
out:
        cim_value_release(&dacl);
        cim_object_free(sd);
        cim_object_free(in);
        owmi_object_free(out);
        owmi_object_free(sd_cls);
        owmi_object_free(ace_cls);
        owmi_object_free(trustee_cls);
        return r;
}

static int add_entry(struct entries *e, uint32_t type, uint32_t mask, const char *name)
{
        struct entry *x;

        if (OWMI_GROW(e->items, e->alloc, e->count + 1) < 0)
                return -ENOMEM;
        x = &e->items[e->count++];
        *x = (struct entry) { .type = type, .flags = SEC_ACE_CONTAINER_INHERIT, .mask = mask,
                              .name = owmi_strdup(name), .sid = owmi_strdup("") };
        return x->name && x->sid ? 0 : -ENOMEM;
}

/* grant: the rights join the trustee's own allow entry (made if needed,
 * applying here and below) and leave its own deny entries.  revoke: they
 * leave its own allow entries, and where another entry still grants them
 * (a parent's, Everyone's, a group's), a deny entry of the trustee's
 * takes them away. */
static int security_change(owmi_connection *conn, struct cli *cli, bool grant)
{
        struct owmi_error err = { 0 };
        struct entries e = { 0 };
        const char *trustee = cli->args[1];
        uint32_t mask, inherited = 0;   /* granted by entries not the trustee's own */
        bool merged = false;
        int r;

        if (parse_rights(cli->args[2], &mask) < 0)
                return 2;
        if (read_entries(conn, cli, &e, &err) < 0) {
                cli_print_error("security", &err);
                return 1;
        }
        for (size_t i = 0; i < e.count; i++) {
                struct entry *x = &e.items[i];

                /* another trustee's grant may reach this one (Everyone, a
                 * group it is in): a revoke then needs a deny entry */
                if (!same_trustee(x, trustee)) {
                        if (x->type == SEC_ACE_ALLOW)
                                inherited |= x->mask;
                        continue;
                }
                if (x->flags & SEC_ACE_INHERITED) {
                        if (x->type == SEC_ACE_ALLOW)
                                inherited |= x->mask;
                        continue;
                }
                if (grant && x->type == SEC_ACE_ALLOW && !merged) {
                        x->mask |= mask;
                        merged = true;
                } else if (grant ? x->type == SEC_ACE_DENY : x->type == SEC_ACE_ALLOW) {
                        x->mask &= ~mask;
                }
        }
        r = 0;
        if (grant && !merged)
                r = add_entry(&e, SEC_ACE_ALLOW, mask, trustee);
        else if (!grant && (inherited & mask))
                r = add_entry(&e, SEC_ACE_DENY, inherited & mask, trustee);
        /* entries left with no rights go */
        for (size_t i = 0; i < e.count; i++) {
                if (e.items[i].mask == 0 && !(e.items[i].flags & SEC_ACE_INHERITED))
                        e.items[i].flags |= SEC_ACE_INHERITED;   /* not written back */
        }
        if (r >= 0)
                r = write_entries(conn, cli, &e, &err);
        entries_release(&e);
        if (r < 0) {
                cli_print_error(grant ? "security grant" : "security revoke", &err);
                return 1;
        }
        return 0;
}

int cli_security(struct cli *cli)
{
        owmi_connection *conn;
        int r;

        if (cli->arg_count < 1 || (strcmp(cli->args[0], "get") == 0 ? cli->arg_count != 1
                                   : cli->arg_count != 3) ||
            (strcmp(cli->args[0], "get") && strcmp(cli->args[0], "grant") &&
             strcmp(cli->args[0], "revoke"))) {
                fputs("owmi: security get | grant TRUSTEE RIGHT[,RIGHT...] | revoke TRUSTEE "
                      "RIGHT[,RIGHT...]\n", stderr);
                return 2;
        }
        conn = cli_connect(cli);
        if (!conn)
                return 1;
        if (strcmp(cli->args[0], "get") == 0)
                r = security_get(conn, cli);
        else
                r = security_change(conn, cli, strcmp(cli->args[0], "grant") == 0);
        owmi_disconnect(conn);
        return r;
}
