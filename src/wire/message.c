/* SPDX-License-Identifier: MIT */
/*
 * message.c: client messages <-> CBOR.
 *
 *   hello    = [1, version, client, [privilege...], user / null, password / null]
 *   request  = [2, id, op, namespace, args...]      args by op, see args_of()
 *   cancel   = [3, id]
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "wire/cbor.h"
#include "wire/message.h"
#include "wire/object.h"
#include "wire/protocol.h"

#define NS_MAX 256
#define NAME_MAX_BYTES 1024
#define PRIVILEGES_MAX 64
#define PROPERTIES_MAX 4096

static const char *const assoc_keys[_WIRE_ASSOC_TEXT_MAX] = {
        "assoc_class", "result_class", "role", "result_role", "required_qualifier",
        "required_assoc_qualifier",
};

/* The arguments each operation takes, in order:
 *   p path (text)  n name (text)  N name or null  l language  q query
 *   m method  d deep (bool)  o object  O object or null  f flags (uint)
 *   P property list or null  a association parameters (map)  Q queue_max
 *   T text as long as a request may be (MOF) */
static const char *args_of(unsigned op)
{
        switch (op) {
        case WIRE_OP_GET_OBJECT: return "p";
        case WIRE_OP_ENUM_CLASSES: return "Nd";
        case WIRE_OP_ENUM_INSTANCES: return "nd";
        case WIRE_OP_EXEC_QUERY: return "lq";
        case WIRE_OP_ASSOCIATORS: return "pa";
        case WIRE_OP_REFERENCES: return "pa";
        case WIRE_OP_PUT_INSTANCE: return "ofP";
        case WIRE_OP_DELETE_INSTANCE: return "p";
        case WIRE_OP_PUT_CLASS: return "of";
        case WIRE_OP_DELETE_CLASS: return "n";
        case WIRE_OP_EXEC_METHOD: return "pmO";
        case WIRE_OP_SUBSCRIBE: return "lqQ";
        case WIRE_OP_ENUM_NAMESPACES: return "";
        case WIRE_OP_CREATE_NAMESPACE: return "n";
        case WIRE_OP_DELETE_NAMESPACE: return "n";
        case WIRE_OP_COMPILE_MOF: return "nTd";
        default: return NULL;
        }
}

static uint64_t flags_allowed(unsigned op)
{
        return op == WIRE_OP_PUT_CLASS ? 7 : 3;
}

/* ---- release -------------------------------------------------------------- */

static void free_strings(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                owmi_free(v[i]);
        owmi_free(v);
}

void wire_hello_release(struct wire_hello *h)
{
        owmi_free(h->client);
        free_strings(h->privileges, h->privilege_count);
        owmi_free(h->user);
        if (h->password) {
                explicit_bzero(h->password, strlen(h->password));
                owmi_free(h->password);
        }
        memset(h, 0, sizeof(*h));
}

void wire_request_release(struct wire_request *r)
{
        owmi_free(r->ns);
        owmi_free(r->arg1);
        owmi_free(r->arg2);
        cim_object_free(r->object);
        free_strings(r->properties, r->property_count);
        for (size_t i = 0; i < _WIRE_ASSOC_TEXT_MAX; i++)
                owmi_free(r->assoc[i]);
        memset(r, 0, sizeof(*r));
}

void wire_client_message_release(struct wire_client_message *m)
{
        wire_hello_release(&m->hello);
        wire_request_release(&m->request);
}

/* ---- decode --------------------------------------------------------------- */

static int fail(const char **why, const char *what)
{
        *why = what;
        return -EBADMSG;
}

static int get_string_list(struct wcbor_reader *rd, size_t max_count, size_t max_len, char ***ret,
                           size_t *ret_count)
{
        size_t n;
        int r = wcbor_get_array(rd, max_count, &n);

        if (r < 0)
                return r;
        *ret = owmi_calloc(n ? n : 1, sizeof(char *));
        if (!*ret)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = wcbor_get_text(rd, max_len, &(*ret)[i]);
                if (r < 0)
                        return r;
                *ret_count = i + 1;
        }
        return 0;
}

static int get_assoc(struct wcbor_reader *rd, struct wire_request *req)
{
        struct wcbor_item it;
        int r = wcbor_next(rd, &it);

        if (r < 0 || it.kind != WCBOR_MAP || it.u > 16)
                return -EBADMSG;
        for (uint64_t i = 0, n = it.u; i < n; i++) {
                struct wcbor_item key;
                bool *flag = NULL;
                size_t k;

                if (wcbor_next(rd, &key) < 0 || key.kind != WCBOR_TEXT)
                        return -EBADMSG;
                for (k = 0; k < _WIRE_ASSOC_TEXT_MAX; k++)
                        if (key.len == strlen(assoc_keys[k]) && !memcmp(key.data, assoc_keys[k], key.len))
                                break;
                if (k < _WIRE_ASSOC_TEXT_MAX) {
                        if (req->assoc[k])
                                return -EBADMSG;
                        r = wcbor_get_text_or_null(rd, NAME_MAX_BYTES, &req->assoc[k]);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (key.len == 15 && !memcmp(key.data, "class_defs_only", 15))
                        flag = &req->class_defs_only;
                else if (key.len == 9 && !memcmp(key.data, "keys_only", 9))
                        flag = &req->keys_only;
                else if (key.len == 11 && !memcmp(key.data, "schema_only", 11))
                        flag = &req->schema_only;
                /* unknown keys belong to later versions */
                r = flag ? wcbor_get_bool(rd, flag) : wcbor_skip(rd);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int decode_request(struct wcbor_reader *rd, size_t count, struct wire_request *req,
                          const char **why);

/* [uid, gid, [group...], user, capabilities, privileges, remote] */
static int decode_caller(struct wcbor_reader *rd, struct wire_caller *c, const char **why)
{
        uint64_t v[2], caps, privs;
        size_t n, groups;
        char *user = NULL;
        int r;

        if (wcbor_get_array(rd, 16, &n) < 0 || n != 7 || wcbor_get_uint(rd, &v[0]) < 0 ||
            wcbor_get_uint(rd, &v[1]) < 0 || v[0] > UINT32_MAX || v[1] > UINT32_MAX ||
            wcbor_get_array(rd, 64, &groups) < 0)
                return fail(why, "malformed caller");
        c->uid = (uint32_t) v[0];
        c->gid = (uint32_t) v[1];
        for (size_t i = 0; i < groups; i++) {
                uint64_t g;

                if (wcbor_get_uint(rd, &g) < 0 || g > UINT32_MAX)
                        return fail(why, "malformed caller");
                c->groups[i] = (uint32_t) g;
        }
        c->group_count = groups;
        r = wcbor_get_text(rd, sizeof(c->user) - 1, &user);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || wcbor_get_uint(rd, &caps) < 0 || wcbor_get_uint(rd, &privs) < 0 ||
            privs > UINT32_MAX || wcbor_get_bool(rd, &c->remote) < 0) {
                owmi_free(user);
                return fail(why, "malformed caller");
        }
        memcpy(c->user, user, strlen(user) + 1);
        owmi_free(user);
        c->capabilities = caps;
        c->privileges = (uint32_t) privs;
        return 0;
}

static int decode_request(struct wcbor_reader *rd, size_t count, struct wire_request *req,
                          const char **why)
{
        uint64_t op;
        const char *args;
        int r;

        if (count < 4 || wcbor_get_uint(rd, &req->id) < 0 || wcbor_get_uint(rd, &op) < 0)
                return fail(why, "malformed request");
        args = op <= UINT32_MAX ? args_of((unsigned) op) : NULL;
        if (!args)
                return fail(why, "unknown operation");
        req->op = (unsigned) op;
        if (wcbor_get_text(rd, NS_MAX, &req->ns) < 0)
                return fail(why, "malformed namespace");
        if (count != 4 + strlen(args))
                return fail(why, "wrong number of arguments");
        for (const char *a = args; *a; a++) {
                char **text_slot = req->arg1 ? &req->arg2 : &req->arg1;

                switch (*a) {
                case 'p': case 'q':
                        r = wcbor_get_text(rd, WIRE_TEXT_MAX, text_slot);
                        break;
                case 'T':
                        r = wcbor_get_text(rd, WIRE_REQUEST_MAX, text_slot);
                        break;
                case 'n': case 'm':
                        r = wcbor_get_text(rd, NAME_MAX_BYTES, text_slot);
                        break;
                case 'N':
                        r = wcbor_get_text_or_null(rd, NAME_MAX_BYTES, text_slot);
                        /* a null superclass still takes arg1's place */
                        break;
                case 'l':
                        r = wcbor_get_text(rd, 16, text_slot);
                        break;
                case 'd':
                        r = wcbor_get_bool(rd, &req->deep);
                        break;
                case 'f':
                        r = wcbor_get_uint(rd, &req->flags);
                        if (r >= 0 && (req->flags & ~flags_allowed(req->op)))
                                r = -EBADMSG;
                        break;
                case 'Q':
                        r = wcbor_get_uint(rd, &req->queue_max);
                        if (r >= 0 && req->queue_max > 100000)
                                r = -EBADMSG;
                        break;
                case 'o':
                        r = wire_get_object(rd, &req->object);
                        break;
                case 'O':
                        r = wcbor_take_null(rd) ? 0 : wire_get_object(rd, &req->object);
                        break;
                case 'P':
                        if (wcbor_take_null(rd))
                                r = 0;
                        else
                                r = get_string_list(rd, PROPERTIES_MAX, NAME_MAX_BYTES,
                                                    &req->properties, &req->property_count);
                        break;
                case 'a':
                        r = get_assoc(rd, req);
                        break;
                default:
                        r = -EBADMSG;
                        break;
                }
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return fail(why, "malformed request arguments");
        }
        return 0;
}

static int decode_hello(struct wcbor_reader *rd, size_t count, struct wire_hello *h,
                        const char **why)
{
        int r;

        if (count != 6 || wcbor_get_uint(rd, &h->version) < 0 ||
            wcbor_get_text(rd, NS_MAX, &h->client) < 0)
                return fail(why, "malformed hello");
        r = get_string_list(rd, PRIVILEGES_MAX, 128, &h->privileges, &h->privilege_count);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || wcbor_get_text_or_null(rd, NS_MAX, &h->user) < 0 ||
            wcbor_get_text_or_null(rd, 1024, &h->password) < 0)
                return fail(why, "malformed hello");
        return 0;
}

int wire_client_message_decode(const void *data, size_t len, struct wire_client_message *ret,
                               const char **why)
{
        struct wcbor_reader rd;
        size_t count;
        uint64_t type;
        int r;

        memset(ret, 0, sizeof(*ret));
        *why = "";
        wcbor_reader_init(&rd, data, len);
        if (wcbor_get_array(&rd, 64, &count) < 0 || count < 1 || wcbor_get_uint(&rd, &type) < 0)
                return fail(why, "malformed message");
        switch (type) {
        case WIRE_MSG_HELLO:
                r = decode_hello(&rd, count, &ret->hello, why);
                break;
        case WIRE_MSG_REQUEST:
                r = decode_request(&rd, count, &ret->request, why);
                break;
        case WIRE_MSG_CANCEL:
                r = count == 2 && wcbor_get_uint(&rd, &ret->cancel_id) == 0 ? 0
                                                                           : fail(why, "malformed cancel");
                break;
        case WIRE_MSG_REQUEST_AS: {
                size_t inner;
                uint64_t inner_type;

                r = count == 3 ? decode_caller(&rd, &ret->caller, why) : fail(why, "malformed message");
                if (r >= 0 && (wcbor_get_array(&rd, 64, &inner) < 0 ||
                               wcbor_get_uint(&rd, &inner_type) < 0 || inner_type != WIRE_MSG_REQUEST))
                        r = fail(why, "malformed request");
                if (r >= 0)
                        r = decode_request(&rd, inner, &ret->request, why);
                break;
        }
        default:
                r = fail(why, "unknown message type");
                break;
        }
        if (r >= 0 && !wcbor_reader_done(&rd))
                r = fail(why, "trailing bytes after the message");
        if (r < 0) {
                wire_client_message_release(ret);
                return r;
        }
        ret->type = (unsigned) type;
        return 0;
}

/* ---- encode --------------------------------------------------------------- */

static int finish(struct strbuf *out, size_t start, int r)
{
        if (r >= 0)
                r = wire_frame_end(out, start, WIRE_REQUEST_MAX);
        if (r < 0) {
                out->len = start;
                out->failed = false;
        }
        return r;
}

int wire_hello_encode(const struct wire_hello *h, struct strbuf *out)
{
        size_t start = out->len;

        wire_frame_begin(out);
        wcbor_put_array(out, 6);
        wcbor_put_uint(out, WIRE_MSG_HELLO);
        wcbor_put_uint(out, h->version);
        wcbor_put_text(out, h->client ? h->client : "");
        wcbor_put_array(out, h->privilege_count);
        for (size_t i = 0; i < h->privilege_count; i++)
                wcbor_put_text(out, h->privileges[i]);
        wcbor_put_text(out, h->user);
        wcbor_put_text(out, h->password);
        return finish(out, start, 0);
}

int wire_cancel_encode(uint64_t id, struct strbuf *out)
{
        size_t start = out->len;

        wire_frame_begin(out);
        wcbor_put_array(out, 2);
        wcbor_put_uint(out, WIRE_MSG_CANCEL);
        wcbor_put_uint(out, id);
        return finish(out, start, 0);
}

static int encode_request_body(const struct wire_request *req, struct strbuf *out);

int wire_request_encode(const struct wire_request *req, struct strbuf *out)
{
        size_t start = out->len;

        wire_frame_begin(out);
        return finish(out, start, encode_request_body(req, out));
}

int wire_request_as_encode(const struct wire_caller *c, const struct wire_request *req,
                           struct strbuf *out)
{
        size_t start = out->len;

        wire_frame_begin(out);
        wcbor_put_array(out, 3);
        wcbor_put_uint(out, WIRE_MSG_REQUEST_AS);
        wcbor_put_array(out, 7);
        wcbor_put_uint(out, c->uid);
        wcbor_put_uint(out, c->gid);
        wcbor_put_array(out, c->group_count);
        for (size_t i = 0; i < c->group_count; i++)
                wcbor_put_uint(out, c->groups[i]);
        wcbor_put_text(out, c->user);
        wcbor_put_uint(out, c->capabilities);
        wcbor_put_uint(out, c->privileges);
        wcbor_put_bool(out, c->remote);
        return finish(out, start, encode_request_body(req, out));
}

/* The request's array, no frame. */
static int encode_request_body(const struct wire_request *req, struct strbuf *out)
{
        const char *args = args_of(req->op);
        bool second_text = false;
        int r = 0;

        if (!args)
                return -EINVAL;
        wcbor_put_array(out, 4 + strlen(args));
        wcbor_put_uint(out, WIRE_MSG_REQUEST);
        wcbor_put_uint(out, req->id);
        wcbor_put_uint(out, req->op);
        wcbor_put_text(out, req->ns ? req->ns : "root/cimv2");
        for (const char *a = args; *a && r >= 0; a++) {
                switch (*a) {
                case 'p': case 'q': case 'n': case 'm': case 'N': case 'l': case 'T': {
                        const char *text = second_text ? req->arg2 : req->arg1;

                        if (!text && *a != 'N')
                                r = -EINVAL;
                        wcbor_put_text(out, text);
                        second_text = true;
                        break;
                }
                case 'd':
                        wcbor_put_bool(out, req->deep);
                        break;
                case 'f':
                        wcbor_put_uint(out, req->flags);
                        break;
                case 'Q':
                        wcbor_put_uint(out, req->queue_max);
                        break;
                case 'o': case 'O':
                        if (req->object)
                                r = wire_put_object(out, req->object);
                        else if (*a == 'O')
                                wcbor_put_null(out);
                        else
                                r = -EINVAL;
                        break;
                case 'P':
                        if (!req->properties) {
                                wcbor_put_null(out);
                                break;
                        }
                        wcbor_put_array(out, req->property_count);
                        for (size_t i = 0; i < req->property_count; i++)
                                wcbor_put_text(out, req->properties[i]);
                        break;
                case 'a': {
                        size_t n = 3;

                        for (size_t i = 0; i < _WIRE_ASSOC_TEXT_MAX; i++)
                                n += req->assoc[i] != NULL;
                        wcbor_put_map(out, n);
                        for (size_t i = 0; i < _WIRE_ASSOC_TEXT_MAX; i++) {
                                if (req->assoc[i]) {
                                        wcbor_put_text(out, assoc_keys[i]);
                                        wcbor_put_text(out, req->assoc[i]);
                                }
                        }
                        wcbor_put_text(out, "class_defs_only");
                        wcbor_put_bool(out, req->class_defs_only);
                        wcbor_put_text(out, "keys_only");
                        wcbor_put_bool(out, req->keys_only);
                        wcbor_put_text(out, "schema_only");
                        wcbor_put_bool(out, req->schema_only);
                        break;
                }
                }
        }
        return r;
}
