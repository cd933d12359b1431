/* SPDX-License-Identifier: MIT */
/*
 * test-security.c: namespace security.  The binary descriptor form (round
 * trips, every malformation refused with its byte offset, every
 * truncation refused), SIDs, the access check's order (deny before allow,
 * the first entry that names a right decides, groups and Everyone), and
 * the object manager's enforcement: defaults, inheritance, a deny below a
 * grant, SetSD/GetSD and GetCallerAccessRights, writes by kind of class.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test-util.h"
#include "test-cimom-util.h"
#include "cimom/security.h"

static struct sec_ace ace(uint8_t type, uint8_t flags, uint32_t mask, const struct sec_sid *sid)
{
        return (struct sec_ace) { .type = type, .flags = flags, .mask = mask, .sid = *sid };
}

static void test_descriptor_round_trip(void **state)
{
        struct sec_descriptor sd = { .has_owner = true }, back;
        struct sec_sid alice, staff, everyone;
        struct strbuf sb = STRBUF_INIT;
        struct owmi_error err;

        (void) state;
        sec_sid_unix_user(1000, &alice);
        sec_sid_unix_group(50, &staff);
        sec_sid_everyone(&everyone);
        sd.owner = alice;
        struct sec_ace a = ace(SEC_ACE_DENY, 0, SEC_METHOD_EXECUTE, &alice);
        struct sec_ace b = ace(SEC_ACE_ALLOW, SEC_ACE_CONTAINER_INHERIT, SEC_ALL, &staff);
        struct sec_ace c = ace(SEC_ACE_ALLOW, 0, SEC_ENABLE, &everyone);
        assert_int_equal(sec_descriptor_add(&sd, &a), 0);
        assert_int_equal(sec_descriptor_add(&sd, &b), 0);
        assert_int_equal(sec_descriptor_add(&sd, &c), 0);
        assert_int_equal(sec_descriptor_build(&sd, &sb), 0);
        assert_int_equal(sec_descriptor_parse((const uint8_t *) sb.buf, sb.len, &back, &err), 0);
        assert_true(back.has_owner && !back.has_group);
        assert_true(sec_sid_equal(&back.owner, &alice));
        assert_int_equal(back.ace_count, 3);
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(back.aces[i].type, sd.aces[i].type);
                assert_int_equal(back.aces[i].flags, sd.aces[i].flags);
                assert_int_equal(back.aces[i].mask, sd.aces[i].mask);
                assert_true(sec_sid_equal(&back.aces[i].sid, &sd.aces[i].sid));
        }
        sec_descriptor_release(&back);
        /* every truncation is refused, with where */
        for (size_t n = 0; n < sb.len; n++) {
                struct sec_descriptor part;

                memset(&err, 0, sizeof(err));
                assert_int_equal(sec_descriptor_parse((const uint8_t *) sb.buf, n, &part, &err), -EINVAL);
                assert_int_equal(err.code, OWMI_E_INVALID_PARAMETER);
                assert_non_null(strstr(err.message, "at byte"));
        }
        strbuf_release(&sb);
        sec_descriptor_release(&sd);
}

static void test_malformed_descriptors(void **state)
{
        struct sec_descriptor sd = { 0 }, back;
        struct sec_sid alice;
        struct strbuf sb = STRBUF_INIT;
        struct owmi_error err;
        uint8_t *b;

        (void) state;
        sec_sid_unix_user(1000, &alice);
        struct sec_ace a = ace(SEC_ACE_ALLOW, 0, SEC_ENABLE, &alice);
        assert_int_equal(sec_descriptor_add(&sd, &a), 0);
        assert_int_equal(sec_descriptor_build(&sd, &sb), 0);
        b = (uint8_t *) sb.buf;
        /* header 20, ACL at 20: revision, size, count; entry at 28 */
        struct { size_t at; uint8_t value; const char *says; } cases[] = {
                { 0, 2, "revision is not 1" },
                { 3, 0x00, "not self-relative" },
                { 20, 9, "ACL revision" },
                { 22, 0xff, "ACL size" },
                { 24, 0xff, "truncated entry" },     /* 255 entries in a one-entry ACL */
                { 25, 0x10, "more than 1024" },
                { 28, 5, "neither allow nor deny" },
                { 30, 0xff, "entry size" },
                { 36, 3, "SID revision" },
                { 37, 16, "more than 15" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint8_t saved = b[cases[i].at];

                b[cases[i].at] = cases[i].value;
                memset(&err, 0, sizeof(err));
                assert_int_equal(sec_descriptor_parse(b, sb.len, &back, &err), -EINVAL);
                if (!strstr(err.message, cases[i].says))
                        fail_msg("byte %zu: '%s' does not say '%s'", cases[i].at, err.message,
                                 cases[i].says);
                b[cases[i].at] = saved;
        }
        strbuf_release(&sb);
        sec_descriptor_release(&sd);
}

static void test_sids_and_names(void **state)
{
        struct sec_sid sid, root;
        char buf[128];
        struct owmi_error err;

        (void) state;
        assert_int_equal(sec_sid_parse("S-1-22-1-1000", &sid), 0);
        sec_sid_format(&sid, buf, sizeof(buf));
        assert_string_equal(buf, "S-1-22-1-1000");
        assert_int_equal(sec_sid_parse("S-1-5-21-1-2-3-500", &sid), 0);
        assert_int_equal(sid.sub_count, 5);
        assert_int_equal(sec_sid_parse("S-1-", &sid), -EINVAL);
        assert_int_equal(sec_sid_parse("S-1-1-0-", &sid), -EINVAL);
        assert_int_equal(sec_sid_parse("S-1-1-99999999999", &sid), -EINVAL);
        assert_int_equal(sec_trustee_lookup("root", &sid, &err), 0);
        sec_sid_unix_user(0, &root);
        assert_true(sec_sid_equal(&sid, &root));
        assert_int_equal(sec_trustee_lookup("group:root", &sid, &err), 0);
        sec_trustee_name(&sid, buf, sizeof(buf));
        assert_string_equal(buf, "group:root");
        assert_int_equal(sec_trustee_lookup("Everyone", &sid, &err), 0);
        sec_trustee_name(&sid, buf, sizeof(buf));
        assert_string_equal(buf, "Everyone");
        assert_int_equal(sec_trustee_lookup("no-such-user-here", &sid, &err), -ENOENT);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
        assert_int_equal(security_right_lookup("methodexecute"), SEC_METHOD_EXECUTE);
        assert_int_equal(security_right_lookup("All"), SEC_ALL);
        assert_int_equal(security_right_lookup("Write"), 0);
}

static void test_access_check_order(void **state)
{
        struct cimom_caller alice = { .uid = 1000, .gid = 100, .groups = { 100, 50 }, .group_count = 2 };
        struct sec_sid alice_sid, staff, other, everyone;

        (void) state;
        sec_sid_unix_user(1000, &alice_sid);
        sec_sid_unix_group(50, &staff);
        sec_sid_unix_user(1001, &other);
        sec_sid_everyone(&everyone);
        {
                /* a deny first wins over a later allow; the rest still flow */
                struct sec_ace aces[] = {
                        ace(SEC_ACE_DENY, 0, SEC_METHOD_EXECUTE, &staff),
                        ace(SEC_ACE_ALLOW, 0, SEC_ALL, &alice_sid),
                };
                assert_int_equal(sec_access_check(aces, 2, &alice), SEC_ALL & ~SEC_METHOD_EXECUTE);
        }
        {
                /* an allow first wins over a later deny (an inherited one) */
                struct sec_ace aces[] = {
                        ace(SEC_ACE_ALLOW, 0, SEC_METHOD_EXECUTE, &alice_sid),
                        ace(SEC_ACE_DENY, SEC_ACE_INHERITED, SEC_METHOD_EXECUTE | SEC_ENABLE, &everyone),
                };
                assert_int_equal(sec_access_check(aces, 2, &alice), SEC_METHOD_EXECUTE);
        }
        {
                /* someone else's entries do nothing */
                struct sec_ace aces[] = { ace(SEC_ACE_ALLOW, 0, SEC_ALL, &other) };
                assert_int_equal(sec_access_check(aces, 1, &alice), 0);
        }
}

/* ---- enforcement in the object manager ------------------------------------- */

static struct cimom_ns *open_as(struct cimom *cimom, const char *ns, uid_t uid, gid_t gid,
                                struct owmi_error *err)
{
        struct cimom_caller caller = { .uid = uid, .gid = gid, .user = "tester" };
        struct cimom_ns *h = NULL;

        if (cimom_open_namespace(cimom, ns, &caller, &h, err) < 0)
                return NULL;
        return h;
}

static int set_sd(struct cimom *cimom, const char *ns, const struct sec_ace *aces, size_t count,
                  struct owmi_error *err)
{
        struct sec_descriptor sd = { 0 };
        struct strbuf bytes = STRBUF_INIT;
        struct cim_object *in = cim_object_new_class("__PARAMETERS", NULL), *out = NULL;
        struct cim_property *p = cim_object_add_property(in, "SD");
        struct cimom_ns *h = NULL;
        int r;

        for (size_t i = 0; i < count; i++)
                assert_int_equal(sec_descriptor_add(&sd, &aces[i]), 0);
        assert_int_equal(sec_descriptor_build(&sd, &bytes), 0);
        in->genus = CIM_GENUS_INSTANCE;
        p->type = CIM_TYPE_UINT8;
        p->is_array = true;
        cim_value_init_array(&p->value, CIM_TYPE_UINT8);
        for (size_t i = 0; i < bytes.len; i++) {
                struct cim_value v;

                cim_value_set_uint(&v, CIM_TYPE_UINT8, (uint8_t) bytes.buf[i]);
                assert_int_equal(cim_value_array_append(&p->value, &v), 0);
        }
        r = cimom_open_namespace(cimom, ns, NULL, &h, err);
        if (r >= 0)
                r = cimom_exec_method(h, "__SystemSecurity", "SetSD", in, &out, err);
        cimom_ns_close(h);
        cim_object_free(in);
        cim_object_free(out);
        strbuf_release(&bytes);
        sec_descriptor_release(&sd);
        return r;
}

static int count_objects(struct cim_object *obj, void *userdata)
{
        (*(size_t *) userdata)++;
        cim_object_free(obj);
        return 0;
}

static uint32_t caller_rights(struct cimom_ns *h)
{
        struct owmi_error err = { 0 };
        struct cim_object *out = NULL;
        uint32_t rights;

        assert_int_equal(cimom_exec_method(h, "__SystemSecurity", "GetCallerAccessRights", NULL,
                                           &out, &err), 0);
        rights = (uint32_t) cim_object_find_property(out, "Rights")->value.v.s64;
        cim_object_free(out);
        return rights;
}

static void test_enforced_by_the_object_manager(void **state)
{
        struct owmi_error err = { 0 };
        struct cimom *cimom;
        struct cimom_ns *root_h, *h;
        struct sec_sid u2000, everyone;
        struct cim_object *cls = cim_object_new_class("Sec_Thing", NULL);

        (void) state;
        repo_close(test_open_repo("security"));
        {
                char path[4096];

                snprintf(path, sizeof(path), "%s/security.db", test_dir);
                assert_int_equal(cimom_new(path, &cimom, &err), 0);
        }
        /* the defaults: read only */
        h = open_as(cimom, "root/cimv2", 2000, 2000, &err);
        assert_non_null(h);
        assert_int_equal(caller_rights(h), SEC_ENABLE | SEC_SUBSCRIBE);
        cls->genus = CIM_GENUS_CLASS;
        assert_int_equal(cimom_put_class(h, cls, 0, &err), -EACCES);
        assert_int_equal(err.code, OWMI_E_ACCESS_DENIED);
        assert_int_equal(cimom_create_namespace(h, "x", &err), -EACCES);
        assert_int_equal(cimom_exec_method(h, "Win32_Process", "Create", NULL, &(struct cim_object *) { NULL }, &err),
                         -EACCES);
        /* Full Write granted on root reaches root/cimv2 (inherit); a
         * descriptor stored on root replaces the built-in one */
        sec_sid_unix_user(2000, &u2000);
        sec_sid_everyone(&everyone);
        struct sec_ace grant[] = {
                ace(SEC_ACE_ALLOW, SEC_ACE_CONTAINER_INHERIT, SEC_ENABLE | SEC_SUBSCRIBE, &everyone),
                ace(SEC_ACE_ALLOW, SEC_ACE_CONTAINER_INHERIT, SEC_FULL_WRITE, &u2000),
        };
        assert_int_equal(set_sd(cimom, "root", &grant[1], 1, &err), 0);
        assert_int_equal(caller_rights(h), SEC_FULL_WRITE);
        assert_int_equal(set_sd(cimom, "root", grant, 2, &err), 0);
        assert_int_equal(caller_rights(h), SEC_ENABLE | SEC_SUBSCRIBE | SEC_FULL_WRITE);
        assert_int_equal(cimom_put_class(h, cls, 0, &err), 0);
        /* one without inherit stays in root */
        struct sec_ace here_only[] = { grant[0], ace(SEC_ACE_ALLOW, 0, SEC_FULL_WRITE, &u2000) };
        assert_int_equal(set_sd(cimom, "root", here_only, 2, &err), 0);
        assert_int_equal(caller_rights(h), SEC_ENABLE | SEC_SUBSCRIBE);
        root_h = open_as(cimom, "root", 2000, 2000, &err);
        assert_non_null(root_h);
        assert_true(caller_rights(root_h) & SEC_FULL_WRITE);
        /* the descriptor itself is for those who may read security */
        {
                struct cim_object *sd_inst = NULL;
                size_t seen = 0;
                struct cimom_ns *admin = open_as(cimom, "root", 0, 0, &err);

                assert_int_equal(cimom_get_object(root_h, "__thisNAMESPACE=@", &sd_inst, &err), -EACCES);
                assert_non_null(strstr(err.message, "ReadSecurity"));
                assert_int_equal(cimom_enum_instances(root_h, "__thisNAMESPACE", true, count_objects,
                                                      &seen, &err), 0);
                assert_int_equal(seen, 0);
                assert_int_equal(cimom_enum_instances(admin, "__thisNAMESPACE", true, count_objects,
                                                      &seen, &err), 0);
                assert_int_equal(seen, 1);
                cimom_ns_close(admin);
        }
        /* Enable denied below: the namespace cannot be opened */
        struct sec_ace deny = ace(SEC_ACE_DENY, 0, SEC_ENABLE, &u2000);
        assert_int_equal(set_sd(cimom, "root/cimv2", &deny, 1, &err), 0);
        assert_int_equal(cimom_enum_classes(h, NULL, false, NULL, NULL, &err), -EACCES);
        assert_null(open_as(cimom, "root/cimv2", 2000, 2000, &err));
        assert_int_equal(err.code, OWMI_E_ACCESS_DENIED);
        /* nobody else touched; root always has all */
        cimom_ns_close(h);
        h = open_as(cimom, "root/cimv2", 0, 0, &err);
        assert_int_equal(caller_rights(h), SEC_ALL);
        /* a remote caller needs Remote Enable too */
        {
                struct cimom_caller remote = { .uid = 2001, .gid = 2001, .remote = true };
                struct cimom_ns *r_h = NULL;

                assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &remote, &r_h, &err), -EACCES);
                assert_non_null(strstr(err.message, "RemoteEnable"));
        }
        /* a malformed SD is refused and the old one stays */
        {
                struct cim_object *in = cim_object_new_class("__PARAMETERS", NULL), *out = NULL;
                struct cim_property *p = cim_object_add_property(in, "SD");
                struct cim_value v;

                in->genus = CIM_GENUS_INSTANCE;
                p->type = CIM_TYPE_UINT8;
                p->is_array = true;
                cim_value_init_array(&p->value, CIM_TYPE_UINT8);
                cim_value_set_uint(&v, CIM_TYPE_UINT8, 1);
                assert_int_equal(cim_value_array_append(&p->value, &v), 0);
                assert_int_equal(cimom_exec_method(h, "__SystemSecurity", "SetSD", in, &out, &err),
                                 -EINVAL);
                assert_int_equal(err.code, OWMI_E_INVALID_PARAMETER);
                cim_object_free(in);
                assert_null(open_as(cimom, "root/cimv2", 2000, 2000, &err));
        }
        cimom_ns_close(h);
        cimom_ns_close(root_h);
        cim_object_free(cls);
        cimom_free(cimom);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_descriptor_round_trip),
                cmocka_unit_test(test_malformed_descriptors),
                cmocka_unit_test(test_sids_and_names),
                cmocka_unit_test(test_access_check_order),
                cmocka_unit_test(test_enforced_by_the_object_manager),
        };

        return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
