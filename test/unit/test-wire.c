/* SPDX-License-Identifier: MIT */
/*
 * test-wire.c: the native protocol's encoding (src/wire): every class of
 * the built-in schema and real Win32_Process instances survive a round
 * trip through CBOR unchanged; values of every kind (array NULL items,
 * datetimes with wildcards, integer extremes, embedded objects); client
 * messages of every operation; and what must be refused: truncations,
 * wrong argument counts, unknown operations, flags out of range, nesting
 * past the limit, counts larger than the bytes that could hold them.
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
#include "wire/cbor.h"
#include "wire/message.h"
#include "wire/object.h"
#include "wire/protocol.h"

static struct cim_object *round_trip(const struct cim_object *obj)
{
        struct strbuf sb = STRBUF_INIT;
        struct wcbor_reader rd;
        struct cim_object *back = NULL;

        assert_int_equal(wire_put_object(&sb, obj), 0);
        wcbor_reader_init(&rd, sb.buf, sb.len);
        assert_int_equal(wire_get_object(&rd, &back), 0);
        assert_true(wcbor_reader_done(&rd));
        /* every shorter prefix is refused, never read past */
        for (size_t n = 0; n < sb.len; n += 1 + n / 16) {
                struct cim_object *part = NULL;

                wcbor_reader_init(&rd, sb.buf, n);
                assert_int_equal(wire_get_object(&rd, &part), -EBADMSG);
                assert_null(part);
        }
        strbuf_release(&sb);
        return back;
}

static int check_class(struct cim_object *cls, void *userdata)
{
        struct cim_object *back = round_trip(cls);
        size_t *count = userdata;

        assert_true(cim_object_equal(cls, back));
        assert_string_equal(cls->namespace, back->namespace);
        assert_int_equal(cls->derivation_count, back->derivation_count);
        cim_object_free(back);
        cim_object_free(cls);
        (*count)++;
        return 0;
}

static int check_instance(struct cim_object *inst, void *userdata)
{
        return check_class(inst, userdata);
}

static void test_schema_and_real_instances(void **state)
{
        struct owmi_error err = { 0 };
        struct cimom *cimom;
        struct cimom_ns *ns;
        size_t classes = 0, processes = 0;

        (void) state;
        assert_int_equal(test_open_cimv2("wire", &cimom, &ns), 0);
        assert_int_equal(cimom_enum_classes(ns, NULL, true, check_class, &classes, &err), 0);
        assert_true(classes > 100);
        assert_int_equal(cimom_enum_instances(ns, "Win32_Process", true, check_instance,
                                              &processes, &err), 0);
        assert_true(processes > 1);
        cimom_ns_close(ns);
        cimom_free(cimom);
}

static struct cim_property *add(struct cim_object *obj, const char *name, cim_type type, bool array)
{
        struct cim_property *p = cim_object_add_property(obj, name);

        assert_non_null(p);
        p->type = type;
        p->is_array = array;
        cim_value_init_null(&p->value, type, array);
        return p;
}

struct list {
        struct cim_object **items;
        size_t count;
};

static int collect(struct cim_object *obj, void *userdata)
{
        struct list *l = userdata;

        l->items = realloc(l->items, (l->count + 1) * sizeof(*l->items));
        assert_non_null(l->items);
        l->items[l->count++] = obj;
        return 0;
}

/* A list of results as one message: instances after the first of each
 * layout go as values alone, and come back equal. */
static void test_shaped_lists(void **state)
{
        struct owmi_error err = { 0 };
        struct wire_shapes out_shapes = { 0 }, in_shapes = { 0 };
        struct strbuf shaped = STRBUF_INIT, full = STRBUF_INIT;
        struct list l = { 0 };
        struct cimom *cimom;
        struct cimom_ns *ns;
        struct wcbor_reader rd;

        (void) state;
        assert_int_equal(test_open_cimv2("wire-shapes", &cimom, &ns), 0);
        assert_int_equal(cimom_enum_instances(ns, "Win32_Process", true, collect, &l, &err), 0);
        assert_int_equal(cimom_exec_query(ns, "WQL", "SELECT Name, Handle FROM Win32_Process", collect,
                                          &l, &err), 0);
        assert_true(l.count > 4);
        for (size_t i = 0; i < l.count; i++) {
                assert_int_equal(wire_put_item(&shaped, l.items[i], &out_shapes), 0);
                assert_int_equal(wire_put_object(&full, l.items[i]), 0);
        }
        /* two layouts (whole and partial instances) */
        assert_int_equal(out_shapes.count, 2);
        assert_true(shaped.len * 3 < full.len);
        wcbor_reader_init(&rd, shaped.buf, shaped.len);
        for (size_t i = 0; i < l.count; i++) {
                struct cim_object *back = NULL;

                assert_int_equal(wire_get_item(&rd, &in_shapes, &back), 0);
                assert_true(cim_object_equal(l.items[i], back));
                cim_object_free(back);
        }
        assert_true(wcbor_reader_done(&rd));
        assert_int_equal(in_shapes.count, 2);
        /* a shape not (yet) sent, and a wrong number of values */
        {
                struct strbuf bad = STRBUF_INIT;
                struct cim_object *obj = NULL;

                wcbor_put_array(&bad, 2);
                wcbor_put_uint(&bad, 2);
                wcbor_put_array(&bad, 0);
                wcbor_reader_init(&rd, bad.buf, bad.len);
                assert_int_equal(wire_get_item(&rd, &in_shapes, &obj), -EBADMSG);
                strbuf_reset(&bad);
                wcbor_put_array(&bad, 2);
                wcbor_put_uint(&bad, 0);
                wcbor_put_array(&bad, 1);
                wcbor_put_null(&bad);
                wcbor_reader_init(&rd, bad.buf, bad.len);
                assert_int_equal(wire_get_item(&rd, &in_shapes, &obj), -EBADMSG);
                assert_null(obj);
                strbuf_release(&bad);
        }
        wire_shapes_reset(&out_shapes);
        wire_shapes_reset(&in_shapes);
        for (size_t i = 0; i < l.count; i++)
                cim_object_free(l.items[i]);
        free(l.items);
        strbuf_release(&shaped);
        strbuf_release(&full);
        cimom_ns_close(ns);
        cimom_free(cimom);
}

static void test_every_value_kind(void **state)
{
        struct cim_object *cls = cim_object_new_class("Kinds", NULL);
        struct cim_object *inner = cim_object_new_class("Inner", NULL);
        struct cim_object *inst, *back;
        struct cim_value v, item;
        struct cim_property *p;

        (void) state;
        add(inner, "Text", CIM_TYPE_STRING, false);
        cim_value_set_uint(&add(cls, "U64", CIM_TYPE_UINT64, false)->value, CIM_TYPE_UINT64, UINT64_MAX);
        cim_value_set_sint(&add(cls, "S64", CIM_TYPE_SINT64, false)->value, CIM_TYPE_SINT64, INT64_MIN);
        cim_value_set_sint(&add(cls, "S8", CIM_TYPE_SINT8, false)->value, CIM_TYPE_SINT8, -128);
        cim_value_set_real(&add(cls, "R32", CIM_TYPE_REAL32, false)->value, CIM_TYPE_REAL32, 0.25);
        cim_value_set_real(&add(cls, "R64", CIM_TYPE_REAL64, false)->value, CIM_TYPE_REAL64, -1e300);
        p = add(cls, "C16", CIM_TYPE_CHAR16, false);
        p->value.v.char16 = 0x20ac;
        p->value.is_null = false;
        cim_value_set_bool(&add(cls, "B", CIM_TYPE_BOOLEAN, false)->value, true);
        p = add(cls, "When", CIM_TYPE_DATETIME, false);
        assert_int_equal(cim_datetime_parse("2026****120000.123***+060", 25, &p->value.v.datetime, NULL), 0);
        p->value.type = CIM_TYPE_DATETIME;
        p->value.is_null = false;
        p = add(cls, "Span", CIM_TYPE_DATETIME, false);
        assert_int_equal(cim_datetime_parse("00000001020304.000005:000", 25, &p->value.v.datetime, NULL), 0);
        p->value.type = CIM_TYPE_DATETIME;
        p->value.is_null = false;
        assert_int_equal(cim_value_set_string(&add(cls, "Ref", CIM_TYPE_REFERENCE, false)->value,
                                              CIM_TYPE_REFERENCE, "Kinds.Key=\"x\""), 0);
        p = add(cls, "List", CIM_TYPE_STRING, true);
        cim_value_init_array(&p->value, CIM_TYPE_STRING);
        assert_int_equal(cim_value_set_string(&item, CIM_TYPE_STRING, "first"), 0);
        assert_int_equal(cim_value_array_append(&p->value, &item), 0);
        cim_value_init_null(&item, CIM_TYPE_STRING, false);
        assert_int_equal(cim_value_array_append(&p->value, &item), 0);
        assert_int_equal(cim_value_set_string(&item, CIM_TYPE_STRING, "\xe2\x82\xac third"), 0);
        assert_int_equal(cim_value_array_append(&p->value, &item), 0);
        add(cls, "Empty", CIM_TYPE_UINT32, true);
        add(cls, "Embedded", CIM_TYPE_OBJECT, false);
        inst = cim_object_spawn_instance(cls);
        assert_non_null(inst);
        v.type = CIM_TYPE_OBJECT;
        v.is_array = false;
        v.is_null = false;
        v.v.object = cim_object_spawn_instance(inner);
        assert_int_equal(cim_value_set_string(&item, CIM_TYPE_STRING, "inside"), 0);
        assert_int_equal(cim_object_set_value(v.v.object, "Text", &item, NULL), 0);
        cim_value_release(&item);
        assert_int_equal(cim_object_set_value(inst, "Embedded", &v, NULL), 0);
        cim_value_release(&v);

        back = round_trip(cls);
        assert_true(cim_object_equal(cls, back));
        cim_object_free(back);
        back = round_trip(inst);
        assert_true(cim_object_equal(inst, back));
        p = cim_object_find_property(back, "List");
        assert_true(p->value.v.items[1].is_null);
        assert_int_equal(cim_object_find_property(back, "U64")->value.v.u64, UINT64_MAX);
        assert_int_equal(cim_object_find_property(back, "S64")->value.v.s64, INT64_MIN);
        cim_object_free(back);
        cim_object_free(inst);
        cim_object_free(cls);
        cim_object_free(inner);
}

static void test_nesting_limit(void **state)
{
        struct cim_object *cls = cim_object_new_class("Nest", NULL);
        struct cim_object *outer = NULL;
        struct strbuf sb = STRBUF_INIT;
        struct wcbor_reader rd;
        struct cim_object *back = NULL;

        (void) state;
        add(cls, "Child", CIM_TYPE_OBJECT, false);
        for (int depth = 0; depth < WIRE_MAX_DEPTH + 2; depth++) {
                struct cim_object *inst = cim_object_spawn_instance(cls);
                struct cim_value v = { .type = CIM_TYPE_OBJECT, .v.object = outer };

                v.is_null = outer == NULL;
                if (outer)
                        assert_int_equal(cim_object_set_value(inst, "Child", &v, NULL), 0);
                cim_object_free(outer);
                outer = inst;
        }
        assert_int_equal(wire_put_object(&sb, outer), -ELOOP);
        strbuf_release(&sb);
        /* the same depth made by hand: 40 nested values of embedded objects */
        strbuf_init(&sb);
        for (int depth = 0; depth < 40; depth++) {
                wcbor_put_array(&sb, 9);
                wcbor_put_uint(&sb, 2);
                wcbor_put_text(&sb, "Nest");
                wcbor_put_null(&sb);
                wcbor_put_array(&sb, 0);
                wcbor_put_null(&sb);
                wcbor_put_null(&sb);
                wcbor_put_array(&sb, 0);
                wcbor_put_array(&sb, 1);
                wcbor_put_array(&sb, 8);
                wcbor_put_text(&sb, "Child");
                wcbor_put_uint(&sb, CIM_TYPE_OBJECT);
                wcbor_put_uint(&sb, 0);
                wcbor_put_uint(&sb, 0);
                wcbor_put_null(&sb);
                wcbor_put_null(&sb);
                wcbor_put_array(&sb, 3);
                wcbor_put_uint(&sb, CIM_TYPE_OBJECT);
                wcbor_put_bool(&sb, false);
        }
        wcbor_reader_init(&rd, sb.buf, sb.len);
        assert_int_equal(wire_get_object(&rd, &back), -EBADMSG);
        assert_null(back);
        strbuf_release(&sb);
        cim_object_free(outer);
        cim_object_free(cls);
}

static void test_counts_bounded_by_bytes(void **state)
{
        /* an array of 2^32 elements in 9 bytes, a map of 2^20 pairs */
        static const unsigned char huge_array[] = { 0x9b, 0, 0, 0, 1, 0, 0, 0, 0 };
        static const unsigned char huge_map[] = { 0xba, 0, 0x10, 0, 0, 1, 2 };
        static const unsigned char indefinite[] = { 0x9f, 0x01, 0xff };
        static const unsigned char tagged[] = { 0xc1, 0x01 };
        static const unsigned char bad_utf8[] = { 0x62, 0xc3, 0x28 };
        struct wcbor_reader rd;
        struct wcbor_item it;
        char *s = NULL;

        (void) state;
        wcbor_reader_init(&rd, huge_array, sizeof(huge_array));
        assert_int_equal(wcbor_next(&rd, &it), -EBADMSG);
        wcbor_reader_init(&rd, huge_map, sizeof(huge_map));
        assert_int_equal(wcbor_next(&rd, &it), -EBADMSG);
        wcbor_reader_init(&rd, indefinite, sizeof(indefinite));
        assert_int_equal(wcbor_next(&rd, &it), -EBADMSG);
        wcbor_reader_init(&rd, tagged, sizeof(tagged));
        assert_int_equal(wcbor_next(&rd, &it), -EBADMSG);
        wcbor_reader_init(&rd, bad_utf8, sizeof(bad_utf8));
        assert_int_equal(wcbor_get_text(&rd, 100, &s), -EBADMSG);
        assert_null(s);
}

static struct wire_client_message decode_ok(const struct strbuf *sb)
{
        struct wire_client_message msg;
        const char *why;

        assert_true(sb->len > WIRE_FRAME_HEADER);
        assert_int_equal(wire_frame_length((const unsigned char *) sb->buf), sb->len - WIRE_FRAME_HEADER);
        assert_int_equal(wire_client_message_decode(sb->buf + WIRE_FRAME_HEADER,
                                                    sb->len - WIRE_FRAME_HEADER, &msg, &why), 0);
        return msg;
}

static void test_requests_round_trip(void **state)
{
        struct cim_object *obj = cim_object_new_class("Thing", NULL);
        char *props[] = { (char *) "A", (char *) "B" };
        struct wire_request in[] = {
                { .id = 1, .op = WIRE_OP_GET_OBJECT, .ns = (char *) "root/x", .arg1 = (char *) "Thing.K=1" },
                { .id = 2, .op = WIRE_OP_ENUM_CLASSES, .arg1 = NULL, .deep = true },
                { .id = 3, .op = WIRE_OP_ENUM_INSTANCES, .arg1 = (char *) "Thing", .deep = false },
                { .id = 4, .op = WIRE_OP_EXEC_QUERY, .arg1 = (char *) "WQL", .arg2 = (char *) "SELECT * FROM Thing" },
                { .id = 5, .op = WIRE_OP_ASSOCIATORS, .arg1 = (char *) "Thing.K=1", .keys_only = true,
                  .assoc = { [WIRE_RESULT_CLASS] = (char *) "Other", [WIRE_ROLE] = (char *) "Left" } },
                { .id = 6, .op = WIRE_OP_PUT_INSTANCE, .object = obj, .flags = 1, .properties = props,
                  .property_count = 2 },
                { .id = 7, .op = WIRE_OP_PUT_CLASS, .object = obj, .flags = 4 },
                { .id = 8, .op = WIRE_OP_EXEC_METHOD, .arg1 = (char *) "Thing", .arg2 = (char *) "Go" },
                { .id = UINT64_MAX, .op = WIRE_OP_SUBSCRIBE, .arg1 = (char *) "WQL",
                  .arg2 = (char *) "SELECT * FROM __TimerEvent", .queue_max = 100000 },
                { .id = 10, .op = WIRE_OP_ENUM_NAMESPACES },
                { .id = 11, .op = WIRE_OP_DELETE_NAMESPACE, .arg1 = (char *) "root/x" },
        };

        (void) state;
        obj->genus = CIM_GENUS_CLASS;
        for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
                struct strbuf sb = STRBUF_INIT;
                struct wire_client_message msg;
                struct wire_request *out;

                assert_int_equal(wire_request_encode(&in[i], &sb), 0);
                msg = decode_ok(&sb);
                out = &msg.request;
                assert_int_equal(msg.type, WIRE_MSG_REQUEST);
                assert_int_equal(out->id, in[i].id);
                assert_int_equal(out->op, in[i].op);
                assert_string_equal(out->ns, in[i].ns ? in[i].ns : "root/cimv2");
                if (in[i].arg1)
                        assert_string_equal(out->arg1, in[i].arg1);
                else
                        assert_null(out->arg1);
                if (in[i].arg2)
                        assert_string_equal(out->arg2, in[i].arg2);
                assert_int_equal(out->deep, in[i].deep);
                assert_int_equal(out->flags, in[i].flags);
                assert_int_equal(out->queue_max, in[i].queue_max);
                assert_int_equal(out->keys_only, in[i].keys_only);
                assert_int_equal(out->property_count, in[i].property_count);
                for (size_t k = 0; k < _WIRE_ASSOC_TEXT_MAX; k++) {
                        if (in[i].assoc[k])
                                assert_string_equal(out->assoc[k], in[i].assoc[k]);
                        else
                                assert_null(out->assoc[k]);
                }
                if (in[i].object)
                        assert_true(cim_object_equal(in[i].object, out->object));
                else
                        assert_null(out->object);
                /* every truncation of the payload is refused */
                for (size_t n = WIRE_FRAME_HEADER; n < sb.len; n++) {
                        struct wire_client_message part;
                        const char *why;

                        assert_int_equal(wire_client_message_decode(sb.buf + WIRE_FRAME_HEADER,
                                                                    n - WIRE_FRAME_HEADER, &part, &why),
                                         -EBADMSG);
                }
                wire_client_message_release(&msg);
                strbuf_release(&sb);
        }
        cim_object_free(obj);
}

static int refused(const char *why_expected, void (*build)(struct strbuf *))
{
        struct strbuf sb = STRBUF_INIT;
        struct wire_client_message msg;
        const char *why;
        int r;

        build(&sb);
        r = wire_client_message_decode(sb.buf, sb.len, &msg, &why);
        if (r == 0)
                wire_client_message_release(&msg);
        else
                assert_string_equal(why, why_expected);
        strbuf_release(&sb);
        return r;
}

static void head(struct strbuf *sb, size_t n, unsigned op)
{
        wcbor_put_array(sb, n);
        wcbor_put_uint(sb, WIRE_MSG_REQUEST);
        wcbor_put_uint(sb, 1);
        wcbor_put_uint(sb, op);
        wcbor_put_text(sb, "root/cimv2");
}

static void extra_arg(struct strbuf *sb) { head(sb, 6, WIRE_OP_GET_OBJECT); wcbor_put_text(sb, "A"); wcbor_put_text(sb, "B"); }
static void unknown_op(struct strbuf *sb) { head(sb, 4, 99); }
static void bad_flags(struct strbuf *sb)
{
        head(sb, 6, WIRE_OP_PUT_CLASS);
        wcbor_put_array(sb, 9);
        wcbor_put_uint(sb, 1);
        wcbor_put_text(sb, "C");
        wcbor_put_null(sb);
        wcbor_put_array(sb, 0);
        wcbor_put_null(sb);
        wcbor_put_null(sb);
        wcbor_put_array(sb, 0);
        wcbor_put_array(sb, 0);
        wcbor_put_array(sb, 0);
        wcbor_put_uint(sb, 8);
}
static void queue_too_big(struct strbuf *sb)
{
        head(sb, 7, WIRE_OP_SUBSCRIBE);
        wcbor_put_text(sb, "WQL");
        wcbor_put_text(sb, "SELECT * FROM __TimerEvent");
        wcbor_put_uint(sb, 100001);
}
static void trailing(struct strbuf *sb) { head(sb, 4, WIRE_OP_ENUM_NAMESPACES); wcbor_put_null(sb); }
static void nul_in_path(struct strbuf *sb) { head(sb, 5, WIRE_OP_GET_OBJECT); wcbor_put_textn(sb, "A\0B", 3); }
static void hello_short(struct strbuf *sb)
{
        wcbor_put_array(sb, 3);
        wcbor_put_uint(sb, WIRE_MSG_HELLO);
        wcbor_put_uint(sb, 1);
        wcbor_put_text(sb, "x");
}

static void test_messages_refused(void **state)
{
        (void) state;
        assert_int_equal(refused("wrong number of arguments", extra_arg), -EBADMSG);
        assert_int_equal(refused("unknown operation", unknown_op), -EBADMSG);
        assert_int_equal(refused("malformed request arguments", bad_flags), -EBADMSG);
        assert_int_equal(refused("malformed request arguments", queue_too_big), -EBADMSG);
        assert_int_equal(refused("trailing bytes after the message", trailing), -EBADMSG);
        assert_int_equal(refused("malformed request arguments", nul_in_path), -EBADMSG);
        assert_int_equal(refused("malformed hello", hello_short), -EBADMSG);
}

static void test_hello_round_trip(void **state)
{
        char *privs[] = { (char *) "Shutdown", (char *) "SeSecurityPrivilege" };
        struct wire_hello in = { .version = 1, .client = (char *) "t", .privileges = privs,
                                 .privilege_count = 2, .user = (char *) "u", .password = (char *) "p" };
        struct strbuf sb = STRBUF_INIT;
        struct wire_client_message msg;

        (void) state;
        assert_int_equal(wire_hello_encode(&in, &sb), 0);
        msg = decode_ok(&sb);
        assert_int_equal(msg.type, WIRE_MSG_HELLO);
        assert_int_equal(msg.hello.privilege_count, 2);
        assert_string_equal(msg.hello.privileges[1], "SeSecurityPrivilege");
        assert_string_equal(msg.hello.user, "u");
        assert_string_equal(msg.hello.password, "p");
        wire_client_message_release(&msg);
        strbuf_release(&sb);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_schema_and_real_instances),
                cmocka_unit_test(test_shaped_lists),
                cmocka_unit_test(test_every_value_kind),
                cmocka_unit_test(test_nesting_limit),
                cmocka_unit_test(test_counts_bounded_by_bytes),
                cmocka_unit_test(test_requests_round_trip),
                cmocka_unit_test(test_messages_refused),
                cmocka_unit_test(test_hello_round_trip),
        };

        return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
