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
#include "base/util.h"
#include "server/conn.h"
#include "wire/object.h"
#include "wire/protocol.h"

struct reply {
        struct request *req;
        /* the chunk being filled: a whole frame whose length and count are
         * written when it goes (the count as a 9-byte head, which CBOR
         * allows, so its size is known before the items) */
        struct strbuf body;
        size_t count_at;
        size_t count;
        unsigned kind;                   /* WIRE_MSG_OBJECTS or _NAMES */
        struct wire_shapes shapes;       /* layouts sent in this chunk */
        bool timed_out;
        bool gone;                       /* the connection closed */
        int encode_error;
};

static void chunk_begin(struct reply *rp)
{
        static const unsigned char count_head[9] = { 0x9b };

        if (rp->body.len)
                return;
        wire_frame_begin(&rp->body);
        wcbor_put_array(&rp->body, 3);
        wcbor_put_uint(&rp->body, rp->kind);
        wcbor_put_uint(&rp->body, rp->req->wr.id);
        rp->count_at = rp->body.len + 1;
        strbuf_add(&rp->body, count_head, sizeof(count_head));
}

/* Close the chunk in rp->body (if any) so that more frames may follow it
 * in the same buffer. */
static int chunk_end(struct reply *rp)
{
        unsigned char *p;

        if (!rp->body.len)
                return 0;
        if (strbuf_error(&rp->body) < 0)
                return -ENOMEM;
        p = (unsigned char *) rp->body.buf + rp->count_at;
        for (int i = 0; i < 8; i++)
                p[i] = (unsigned char) ((uint64_t) rp->count >> (8 * (7 - i)));
        wire_shapes_reset(&rp->shapes);
        return wire_frame_end(&rp->body, 0, WIRE_RESPONSE_MAX);
}

static void reply_sent(struct reply *rp, int r)
{
        strbuf_reset(&rp->body);
        rp->count = 0;
        if (r == -EPIPE)
                rp->gone = true;
}

static int reply_flush(struct reply *rp)
{
        int r;

        if (rp->count == 0 || rp->gone)
                return 0;
        r = chunk_end(rp);
        if (r >= 0)
                r = conn_send(rp->req->conn, &rp->body);
        reply_sent(rp, r);
        return r;
}

/* Non-zero stops the operation. */
static int reply_should_stop(struct reply *rp)
{
        if (atomic_load(&rp->req->cancelled) || rp->gone)
                return 1;
        if (rp->req->deadline_ms && owmi_monotonic_ms() > rp->req->deadline_ms) {
                rp->timed_out = true;
                return 1;
        }
        return 0;
}

static int object_sink(struct cim_object *obj, void *userdata)
{
        struct reply *rp = userdata;
        size_t before;
        int r;

        chunk_begin(rp);
        before = rp->body.len;
        r = wire_put_item(&rp->body, obj, &rp->shapes);
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

        chunk_begin(rp);
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
        struct strbuf *sb = &rp->body;
        uint32_t status = 0;
        const char *message = "";
        size_t start;

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
        /* the last chunk and DONE leave in one write */
        if (rp->count == 0)
                strbuf_reset(sb);
        else if (chunk_end(rp) < 0)
                return;
        start = sb->len;
        wire_frame_begin(sb);
        wcbor_put_array(sb, 5);
        wcbor_put_uint(sb, WIRE_MSG_DONE);
        wcbor_put_uint(sb, rp->req->wr.id);
        if (status == 0 && result_obj) {
                size_t at = sb->len;

                wcbor_put_uint(sb, 0);
                wcbor_put_text(sb, "");
                if (wire_put_object(sb, result_obj) < 0) {
                        sb->len = at;
                        sb->failed = false;
                        wcbor_put_uint(sb, OWMI_E_FAILED);
                        wcbor_put_text(sb, "the result could not be encoded");
                        wcbor_put_null(sb);
                }
        } else {
                wcbor_put_uint(sb, status);
                wcbor_put_text(sb, message);
                if (status == 0 && result_text)
                        wcbor_put_text(sb, result_text);
                else
                        wcbor_put_null(sb);
        }
        if (wire_frame_end(sb, start, WIRE_RESPONSE_MAX) == 0)
                reply_sent(rp, conn_send(rp->req->conn, sb));
        else
                reply_sent(rp, 0);
}

/* Who changed what in the repository, and who ran which method: one
 * line per request, outcome included. */
static void audit(const struct request *req, int r, const struct owmi_error *err)
{
        const struct wire_request *wr = &req->wr;
        const char *target = wr->arg1;

        switch (wr->op) {
        case WIRE_OP_PUT_INSTANCE:
        case WIRE_OP_PUT_CLASS:
                target = wr->object ? wr->object->class_name : "?";
                break;
        case WIRE_OP_DELETE_INSTANCE:
        case WIRE_OP_DELETE_CLASS:
        case WIRE_OP_EXEC_METHOD:
        case WIRE_OP_CREATE_NAMESPACE:
        case WIRE_OP_DELETE_NAMESPACE:
        case WIRE_OP_COMPILE_MOF:
                break;
        default:
                return;
        }
        server_log(SERVER_LOG_NOTICE, "audit: %s: %s %s%s%s in %s: %s%s%s", req->conn->desc,
                   wire_op_name(wr->op), target ? target : "",
                   wr->op == WIRE_OP_EXEC_METHOD ? "." : "",
                   wr->op == WIRE_OP_EXEC_METHOD && wr->arg2 ? wr->arg2 : "", wr->ns,
                   r < 0 ? owmi_status_name(err->code) ? owmi_status_name(err->code) : "failed" : "done",
                   r < 0 ? ": " : "", r < 0 ? err->message : "");
}

void ops_run(void *arg)
{
        struct request *req = arg;
        const struct wire_request *wr = &req->wr;
        struct conn *c = req->conn;
        struct reply rp = { .req = req, .kind = WIRE_MSG_OBJECTS };
        struct owmi_error err = { 0 };
        struct cimom_ns *h = NULL;
        struct cim_object *obj = NULL, *result = NULL;
        char *path_out = NULL;
        int r;

        strbuf_init(&rp.body);
        if (atomic_load(&req->cancelled)) {
                r = owmi_error_set(&err, OWMI_E_CALL_CANCELLED, "cancelled");
                goto done;
        }
        r = conn_namespace(c, wr->ns, &h, &err);
        if (r < 0)
                goto done;
        switch (wr->op) {
        case WIRE_OP_GET_OBJECT:
                r = cimom_get_object(h, wr->arg1, &obj, &err);
                if (r >= 0) {
                        object_sink(obj, &rp);
                        obj = NULL;
                }
                break;
        case WIRE_OP_ENUM_CLASSES:
                r = cimom_enum_classes(h, wr->arg1, wr->deep, object_sink, &rp, &err);
                break;
        case WIRE_OP_ENUM_INSTANCES:
                r = cimom_enum_instances(h, wr->arg1, wr->deep, object_sink, &rp, &err);
                break;
        case WIRE_OP_EXEC_QUERY:
                r = cimom_exec_query(h, wr->arg1, wr->arg2, object_sink, &rp, &err);
                break;
        case WIRE_OP_ASSOCIATORS:
        case WIRE_OP_REFERENCES: {
                struct cimom_assoc_params p = {
                        .assoc_class = wr->assoc[WIRE_ASSOC_CLASS],
                        .result_class = wr->assoc[WIRE_RESULT_CLASS],
                        .role = wr->assoc[WIRE_ROLE],
                        .result_role = wr->assoc[WIRE_RESULT_ROLE],
                        .required_qualifier = wr->assoc[WIRE_REQUIRED_QUALIFIER],
                        .required_assoc_qualifier = wr->assoc[WIRE_REQUIRED_ASSOC_QUALIFIER],
                        .class_defs_only = wr->class_defs_only,
                        .keys_only = wr->keys_only,
                        .schema_only = wr->schema_only,
                };

                r = (wr->op == WIRE_OP_ASSOCIATORS ? cimom_associators : cimom_references)(
                        h, wr->arg1, &p, object_sink, &rp, &err);
                break;
        }
        case WIRE_OP_PUT_INSTANCE:
                r = cimom_put_instance(h, wr->object, (unsigned) wr->flags,
                                       (const char *const *) wr->properties, wr->property_count,
                                       &path_out, &err);
                break;
        case WIRE_OP_DELETE_INSTANCE:
                r = cimom_delete_instance(h, wr->arg1, &err);
                break;
        case WIRE_OP_PUT_CLASS:
                r = cimom_put_class(h, wr->object, (unsigned) wr->flags, &err);
                break;
        case WIRE_OP_DELETE_CLASS:
                r = cimom_delete_class(h, wr->arg1, &err);
                break;
        case WIRE_OP_EXEC_METHOD:
                r = cimom_exec_method(h, wr->arg1, wr->arg2, wr->object, &result, &err);
                break;
        case WIRE_OP_ENUM_NAMESPACES:
                rp.kind = WIRE_MSG_NAMES;
                r = cimom_enum_namespaces(h, name_sink, &rp, &err);
                break;
        case WIRE_OP_CREATE_NAMESPACE:
                r = cimom_create_namespace(h, wr->arg1, &err);
                break;
        case WIRE_OP_DELETE_NAMESPACE:
                r = cimom_delete_namespace(h, wr->arg1, &err);
                break;
        case WIRE_OP_COMPILE_MOF:
                rp.kind = WIRE_MSG_NAMES;
                r = cimom_compile_mof(h, wr->arg1, wr->arg2, strlen(wr->arg2), wr->deep, name_sink,
                                      &rp, &path_out, &err);
                break;
        default:
                r = owmi_error_set(&err, OWMI_E_NOT_SUPPORTED, "unknown operation");
                break;
        }
done:
        audit(req, r, &err);
        send_done(&rp, &err, r, path_out, result);
        owmi_free(path_out);
        cim_object_free(obj);
        cim_object_free(result);
        strbuf_release(&rp.body);
        wire_shapes_reset(&rp.shapes);
        request_finish(req);
}

/* ---- subscriptions ------------------------------------------------------- */

static void *subscription_main(void *arg)
{
        struct request *req = arg;
        struct conn *c = req->conn;
        struct reply rp = { .req = req, .kind = WIRE_MSG_OBJECTS };
        struct owmi_error err = { 0 };
        struct cimom_events_options opts = { .queue_max = (size_t) req->wr.queue_max };
        struct cimom_events *ev = NULL;
        struct cimom_ns *h;
        int r;

        strbuf_init(&rp.body);
        r = conn_namespace(c, req->wr.ns, &h, &err);
        if (r >= 0)
                r = cimom_exec_notification_query(h, req->wr.arg1, req->wr.arg2, &opts, &ev, &err);
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
                wcbor_put_uint(&sb, req->wr.id);
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
                wcbor_put_uint(&sb, req->wr.id);
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
