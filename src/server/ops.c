/* SPDX-License-Identifier: MIT */
/*
 * ops.c: one request of the native protocol, run against the object
 * manager with the connection's caller: the arguments read, the results
 * streamed back in chunks, the final DONE with WMI's status.  Runs on a
 * worker (subscriptions: on a thread of their own, as they last).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "server/conn.h"
#include "wire/object.h"
#include "wire/protocol.h"

struct reply {
        struct request *req;
        struct strbuf body;              /* encoded results not yet sent */
        size_t count;
        unsigned kind;                   /* WIRE_MSG_OBJECTS or _NAMES */
        bool timed_out;
        bool gone;                       /* the connection closed */
        int encode_error;
};

static uint64_t monotonic_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (uint64_t) t.tv_sec * 1000 + (uint64_t) t.tv_nsec / 1000000;
}

static int reply_flush(struct reply *rp)
{
        struct strbuf sb;
        int r;

        if (rp->count == 0 || rp->gone)
                return 0;
        strbuf_init(&sb);
        wire_frame_begin(&sb);
        wcbor_put_array(&sb, 3);
        wcbor_put_uint(&sb, rp->kind);
        wcbor_put_uint(&sb, rp->req->id);
        wcbor_put_array(&sb, rp->count);
        strbuf_add(&sb, rp->body.buf, rp->body.len);
        r = wire_frame_end(&sb, 0, WIRE_RESPONSE_MAX);
        if (r >= 0)
                r = conn_send(rp->req->conn, &sb);
        strbuf_release(&sb);
        strbuf_reset(&rp->body);
        rp->count = 0;
        if (r == -EPIPE)
                rp->gone = true;
        return r;
}

/* Non-zero stops the operation. */
static int reply_should_stop(struct reply *rp)
{
        if (atomic_load(&rp->req->cancelled) || rp->gone)
                return 1;
        if (rp->req->deadline_ms && monotonic_ms() > rp->req->deadline_ms) {
                rp->timed_out = true;
                return 1;
        }
        return 0;
}

static int object_sink(struct cim_object *obj, void *userdata)
{
        struct reply *rp = userdata;
        size_t before = rp->body.len;
        int r = wire_put_object(&rp->body, obj);

        cim_object_free(obj);
        if (r < 0) {
                rp->body.len = before;
                rp->body.failed = false;
                rp->encode_error = r;
                return 1;
        }
        rp->count++;
        if (rp->body.len >= WIRE_CHUNK_BYTES && reply_flush(rp) < 0)
                return 1;
        return reply_should_stop(rp);
}

static int name_sink(const char *name, void *userdata)
{
        struct reply *rp = userdata;

        wcbor_put_text(&rp->body, name);
        rp->count++;
        if (rp->body.len >= WIRE_CHUNK_BYTES && reply_flush(rp) < 0)
                return 1;
        return reply_should_stop(rp);
}

/* [19, id, status, message, result]; result is written by put_result
 * (NULL: null). */
static void send_done(struct reply *rp, const struct owmi_error *err, int r,
                      const char *result_text, const struct cim_object *result_obj)
{
        struct strbuf sb;
        uint32_t status = 0;
        const char *message = "";

        if (rp->gone)
                return;
        if (r >= 0 && rp->encode_error < 0) {
                status = OWMI_E_FAILED;
                message = "a result could not be encoded";
        } else if (rp->timed_out) {
                status = OWMI_E_TIMED_OUT;
                message = "the request ran past the server's request_timeout";
        } else if (r < 0) {
                status = err->code ? err->code : owmi_status_from_errno(r);
                message = err->message;
        }
        if (reply_flush(rp) < 0)
                return;
        strbuf_init(&sb);
        wire_frame_begin(&sb);
        wcbor_put_array(&sb, 5);
        wcbor_put_uint(&sb, WIRE_MSG_DONE);
        wcbor_put_uint(&sb, rp->req->id);
        wcbor_put_uint(&sb, status);
        wcbor_put_text(&sb, message);
        if (status == 0 && result_obj) {
                if (wire_put_object(&sb, result_obj) < 0) {
                        strbuf_reset(&sb);
                        wire_frame_begin(&sb);
                        wcbor_put_array(&sb, 5);
                        wcbor_put_uint(&sb, WIRE_MSG_DONE);
                        wcbor_put_uint(&sb, rp->req->id);
                        wcbor_put_uint(&sb, OWMI_E_FAILED);
                        wcbor_put_text(&sb, "the result could not be encoded");
                        wcbor_put_null(&sb);
                }
        } else if (status == 0 && result_text) {
                wcbor_put_text(&sb, result_text);
        } else {
                wcbor_put_null(&sb);
        }
        if (wire_frame_end(&sb, 0, WIRE_RESPONSE_MAX) == 0)
                conn_send(rp->req->conn, &sb);
        strbuf_release(&sb);
}

/* Associators' and references' parameters: a map of text keys. */
struct assoc_args {
        char *text[6];
        struct cimom_assoc_params p;
};

static const char *const assoc_text_keys[] = {
        "assoc_class", "result_class", "role", "result_role", "required_qualifier",
        "required_assoc_qualifier",
};

static int read_assoc_params(struct wcbor_reader *rd, struct assoc_args *a)
{
        struct wcbor_item it;
        int r = wcbor_next(rd, &it);
        uint64_t n;

        if (r < 0 || it.kind != WCBOR_MAP || it.u > 16)
                return -EBADMSG;
        n = it.u;
        for (uint64_t i = 0; i < n; i++) {
                struct wcbor_item key;
                bool matched = false;

                if (wcbor_next(rd, &key) < 0 || key.kind != WCBOR_TEXT)
                        return -EBADMSG;
                for (size_t k = 0; k < 6 && !matched; k++) {
                        if (key.len == strlen(assoc_text_keys[k]) &&
                            !memcmp(key.data, assoc_text_keys[k], key.len)) {
                                if (a->text[k] || wcbor_get_text_or_null(rd, 1024, &a->text[k]) < 0)
                                        return -EBADMSG;
                                matched = true;
                        }
                }
                if (matched)
                        continue;
#define FLAG(name, field)                                                               \
                if (key.len == strlen(name) && !memcmp(key.data, name, key.len)) {      \
                        if (wcbor_get_bool(rd, &a->p.field) < 0)                        \
                                return -EBADMSG;                                        \
                        continue;                                                       \
                }
                FLAG("class_defs_only", class_defs_only)
                FLAG("keys_only", keys_only)
                FLAG("schema_only", schema_only)
#undef FLAG
                /* unknown keys are for later versions: skipped */
                if (wcbor_skip(rd) < 0)
                        return -EBADMSG;
        }
        a->p.assoc_class = a->text[0];
        a->p.result_class = a->text[1];
        a->p.role = a->text[2];
        a->p.result_role = a->text[3];
        a->p.required_qualifier = a->text[4];
        a->p.required_assoc_qualifier = a->text[5];
        return 0;
}

static int read_property_list(struct wcbor_reader *rd, char ***ret, size_t *ret_count)
{
        size_t n;
        char **names;

        *ret = NULL;
        *ret_count = 0;
        if (wcbor_take_null(rd))
                return 0;
        if (wcbor_get_array(rd, 4096, &n) < 0)
                return -EBADMSG;
        names = owmi_calloc(n ? n : 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (wcbor_get_text(rd, 1024, &names[i]) < 0) {
                        for (size_t j = 0; j < i; j++)
                                owmi_free(names[j]);
                        owmi_free(names);
                        return -EBADMSG;
                }
        }
        *ret = names;
        *ret_count = n;
        return 0;
}

void ops_run(void *arg)
{
        struct request *req = arg;
        struct conn *c = req->conn;
        struct reply rp = { .req = req, .kind = WIRE_MSG_OBJECTS };
        struct wcbor_reader rd;
        struct owmi_error err = { 0 };
        struct cimom_ns *h = NULL;
        struct cim_object *obj = NULL, *result = NULL;
        struct assoc_args aa = { 0 };
        char *s1 = NULL, *s2 = NULL, *path_out = NULL;
        char **props = NULL;
        size_t prop_count = 0;
        uint64_t flags;
        bool deep;
        int r;

        strbuf_init(&rp.body);
        wcbor_reader_init(&rd, req->frame + req->args_offset, req->frame_len - req->args_offset);
        if (atomic_load(&req->cancelled)) {
                r = owmi_error_set(&err, OWMI_E_CALL_CANCELLED, "cancelled");
                goto done;
        }
        r = conn_namespace(c, req->ns, &h, &err);
        if (r < 0)
                goto done;
        switch (req->op) {
        case WIRE_OP_GET_OBJECT:
                if (wcbor_get_text(&rd, WIRE_TEXT_MAX, &s1) < 0)
                        goto malformed;
                r = cimom_get_object(h, s1, &obj, &err);
                if (r >= 0) {
                        object_sink(obj, &rp);
                        obj = NULL;
                }
                break;
        case WIRE_OP_ENUM_CLASSES:
                if (wcbor_get_text_or_null(&rd, 1024, &s1) < 0 || wcbor_get_bool(&rd, &deep) < 0)
                        goto malformed;
                r = cimom_enum_classes(h, s1, deep, object_sink, &rp, &err);
                break;
        case WIRE_OP_ENUM_INSTANCES:
                if (wcbor_get_text(&rd, 1024, &s1) < 0 || wcbor_get_bool(&rd, &deep) < 0)
                        goto malformed;
                r = cimom_enum_instances(h, s1, deep, object_sink, &rp, &err);
                break;
        case WIRE_OP_EXEC_QUERY:
                if (wcbor_get_text(&rd, 64, &s1) < 0 || wcbor_get_text(&rd, WIRE_TEXT_MAX, &s2) < 0)
                        goto malformed;
                r = cimom_exec_query(h, s1, s2, object_sink, &rp, &err);
                break;
        case WIRE_OP_ASSOCIATORS:
        case WIRE_OP_REFERENCES:
                if (wcbor_get_text(&rd, WIRE_TEXT_MAX, &s1) < 0 || read_assoc_params(&rd, &aa) < 0)
                        goto malformed;
                r = (req->op == WIRE_OP_ASSOCIATORS ? cimom_associators : cimom_references)(
                        h, s1, &aa.p, object_sink, &rp, &err);
                break;
        case WIRE_OP_PUT_INSTANCE:
                if (wire_get_object(&rd, &obj) < 0 || wcbor_get_uint(&rd, &flags) < 0 ||
                    flags > (CIMOM_CREATE_ONLY | CIMOM_UPDATE_ONLY) ||
                    read_property_list(&rd, &props, &prop_count) < 0)
                        goto malformed;
                r = cimom_put_instance(h, obj, (unsigned) flags, (const char *const *) props,
                                       prop_count, &path_out, &err);
                break;
        case WIRE_OP_DELETE_INSTANCE:
                if (wcbor_get_text(&rd, WIRE_TEXT_MAX, &s1) < 0)
                        goto malformed;
                r = cimom_delete_instance(h, s1, &err);
                break;
        case WIRE_OP_PUT_CLASS:
                if (wire_get_object(&rd, &obj) < 0 || wcbor_get_uint(&rd, &flags) < 0 ||
                    flags > (CIMOM_CREATE_ONLY | CIMOM_UPDATE_ONLY | CIMOM_FORCE))
                        goto malformed;
                r = cimom_put_class(h, obj, (unsigned) flags, &err);
                break;
        case WIRE_OP_DELETE_CLASS:
                if (wcbor_get_text(&rd, 1024, &s1) < 0)
                        goto malformed;
                r = cimom_delete_class(h, s1, &err);
                break;
        case WIRE_OP_EXEC_METHOD:
                if (wcbor_get_text(&rd, WIRE_TEXT_MAX, &s1) < 0 || wcbor_get_text(&rd, 1024, &s2) < 0)
                        goto malformed;
                if (!wcbor_take_null(&rd) && wire_get_object(&rd, &obj) < 0)
                        goto malformed;
                r = cimom_exec_method(h, s1, s2, obj, &result, &err);
                break;
        case WIRE_OP_ENUM_NAMESPACES:
                rp.kind = WIRE_MSG_NAMES;
                r = cimom_enum_namespaces(h, name_sink, &rp, &err);
                break;
        case WIRE_OP_CREATE_NAMESPACE:
        case WIRE_OP_DELETE_NAMESPACE:
                if (wcbor_get_text(&rd, 1024, &s1) < 0)
                        goto malformed;
                r = (req->op == WIRE_OP_CREATE_NAMESPACE ? cimom_create_namespace
                                                         : cimom_delete_namespace)(h, s1, &err);
                break;
        default:
                r = owmi_error_set(&err, OWMI_E_NOT_SUPPORTED, "unknown operation");
                break;
        }
done:
        send_done(&rp, &err, r, path_out, result);
        goto out;
malformed:
        conn_abort(c, "malformed request arguments");
out:
        for (size_t i = 0; i < 6; i++)
                owmi_free(aa.text[i]);
        for (size_t i = 0; i < prop_count; i++)
                owmi_free(props[i]);
        owmi_free(props);
        owmi_free(s1);
        owmi_free(s2);
        owmi_free(path_out);
        cim_object_free(obj);
        cim_object_free(result);
        strbuf_release(&rp.body);
        request_finish(req);
}

/* ---- subscriptions ------------------------------------------------------- */

static void *subscription_main(void *arg)
{
        struct request *req = arg;
        struct conn *c = req->conn;
        struct reply rp = { .req = req, .kind = WIRE_MSG_OBJECTS };
        struct wcbor_reader rd;
        struct owmi_error err = { 0 };
        struct cimom_events_options opts = { 0 };
        struct cimom_events *ev = NULL;
        struct cimom_ns *h;
        char *language = NULL, *query = NULL;
        uint64_t queue_max;
        int r;

        strbuf_init(&rp.body);
        wcbor_reader_init(&rd, req->frame + req->args_offset, req->frame_len - req->args_offset);
        if (wcbor_get_text(&rd, 64, &language) < 0 || wcbor_get_text(&rd, WIRE_TEXT_MAX, &query) < 0 ||
            wcbor_get_uint(&rd, &queue_max) < 0) {
                conn_abort(c, "malformed subscription");
                goto out;
        }
        opts.queue_max = queue_max > 100000 ? 100000 : (size_t) queue_max;
        r = conn_namespace(c, req->ns, &h, &err);
        if (r >= 0)
                r = cimom_exec_notification_query(h, language, query, &opts, &ev, &err);
        if (r < 0) {
                send_done(&rp, &err, r, NULL, NULL);
                goto out;
        }
        pthread_mutex_lock(&c->lock);
        req->events = ev;
        if (atomic_load(&req->cancelled))
                cimom_events_cancel(ev);
        pthread_mutex_unlock(&c->lock);
        {
                struct strbuf sb;

                strbuf_init(&sb);
                wire_frame_begin(&sb);
                wcbor_put_array(&sb, 2);
                wcbor_put_uint(&sb, WIRE_MSG_ACCEPTED);
                wcbor_put_uint(&sb, req->id);
                r = wire_frame_end(&sb, 0, WIRE_RESPONSE_MAX);
                if (r >= 0)
                        r = conn_send(c, &sb);
                strbuf_release(&sb);
        }
        while (r >= 0) {
                struct cim_object *event;
                struct strbuf sb;

                r = cimom_events_next(ev, -1, &event, &err);
                if (r < 0)
                        break;
                strbuf_init(&sb);
                wire_frame_begin(&sb);
                wcbor_put_array(&sb, 3);
                wcbor_put_uint(&sb, WIRE_MSG_EVENT);
                wcbor_put_uint(&sb, req->id);
                r = wire_put_object(&sb, event);
                cim_object_free(event);
                if (r >= 0)
                        r = wire_frame_end(&sb, 0, WIRE_RESPONSE_MAX);
                if (r >= 0)
                        r = conn_send(c, &sb);
                else if (r != -EPIPE)
                        r = owmi_error_set(&err, OWMI_E_FAILED, "an event could not be encoded");
                strbuf_release(&sb);
        }
        if (r == -EPIPE)
                rp.gone = true;
        send_done(&rp, &err, r, NULL, NULL);
out:
        owmi_free(language);
        owmi_free(query);
        strbuf_release(&rp.body);
        request_finish(req);
        return NULL;
}

void ops_subscription_thread_start(struct request *req)
{
        pthread_attr_t attr;
        pthread_t t;
        int r;

        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 << 10);
        r = pthread_create(&t, &attr, subscription_main, req);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                struct reply rp = { .req = req };
                struct owmi_error err;

                strbuf_init(&rp.body);
                owmi_error_set(&err, OWMI_E_SERVER_TOO_BUSY, "cannot start a subscription thread");
                send_done(&rp, &err, -EAGAIN, NULL, NULL);
                strbuf_release(&rp.body);
                request_finish(req);
        }
}
