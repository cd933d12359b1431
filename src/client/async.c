/* SPDX-License-Identifier: MIT */
/*
 * async.c: libowmi's asynchronous form: a synchronous operation on a
 * thread of its own, with a completion callback, a wait with a timeout
 * and cancellation.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/util.h"
#include "client/client.h"

enum async_kind { ASYNC_QUERY, ASYNC_ENUM };

struct owmi_async {
        enum async_kind kind;
        owmi_connection *conn;
        char *ns, *text;
        bool deep;
        owmi_object_cb cb;
        void *userdata;
        owmi_done_cb done_cb;
        void *done_userdata;
        atomic_bool cancelled;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t finished_cond;
        bool finished;
        int status;
        struct owmi_error err;
};

static int relay(owmi_object *obj, void *userdata)
{
        struct owmi_async *op = userdata;

        if (atomic_load(&op->cancelled)) {
                owmi_object_free(obj);
                return 1;
        }
        return op->cb(obj, op->userdata);
}

static void *run(void *arg)
{
        struct owmi_async *op = arg;
        struct owmi_error err = { 0 };
        int status;

        if (op->kind == ASYNC_QUERY)
                status = owmi_exec_query(op->conn, op->ns, op->text, relay, op, &err);
        else
                status = owmi_enum_instances(op->conn, op->ns, op->text, op->deep, relay, op, &err);
        if (op->done_cb)
                op->done_cb(status, &err, op->done_userdata);
        pthread_mutex_lock(&op->lock);
        op->status = status;
        op->err = err;
        op->finished = true;
        pthread_cond_broadcast(&op->finished_cond);
        pthread_mutex_unlock(&op->lock);
        return NULL;
}

static int start(struct owmi_async *op, owmi_async **ret)
{
        if (!op->text || (op->ns == NULL) || pthread_create(&op->thread, NULL, run, op) != 0) {
                owmi_free(op->ns);
                owmi_free(op->text);
                pthread_mutex_destroy(&op->lock);
                pthread_cond_destroy(&op->finished_cond);
                owmi_free(op);
                return (int) OWMI_E_OUT_OF_MEMORY;
        }
        *ret = op;
        return 0;
}

static struct owmi_async *prepare(owmi_connection *conn, const char *ns, const char *text,
                                  owmi_object_cb cb, void *userdata, owmi_done_cb done,
                                  void *done_userdata)
{
        struct owmi_async *op = owmi_calloc(1, sizeof(*op));

        if (!op)
                return NULL;
        op->conn = conn;
        op->ns = owmi_strdup(ns ? ns : "root/cimv2");
        op->text = owmi_strdup(text ? text : "");
        op->cb = cb;
        op->userdata = userdata;
        op->done_cb = done;
        op->done_userdata = done_userdata;
        pthread_mutex_init(&op->lock, NULL);
        pthread_cond_init(&op->finished_cond, NULL);
        return op;
}

int owmi_exec_query_async(owmi_connection *conn, const char *ns, const char *query,
                          owmi_object_cb cb, void *userdata, owmi_done_cb done, void *done_userdata,
                          owmi_async **ret)
{
        struct owmi_async *op = prepare(conn, ns, query, cb, userdata, done, done_userdata);

        *ret = NULL;
        if (!op)
                return (int) OWMI_E_OUT_OF_MEMORY;
        op->kind = ASYNC_QUERY;
        return start(op, ret);
}

int owmi_enum_instances_async(owmi_connection *conn, const char *ns, const char *class_name,
                              bool deep, owmi_object_cb cb, void *userdata, owmi_done_cb done,
                              void *done_userdata, owmi_async **ret)
{
        struct owmi_async *op = prepare(conn, ns, class_name, cb, userdata, done, done_userdata);

        *ret = NULL;
        if (!op)
                return (int) OWMI_E_OUT_OF_MEMORY;
        op->kind = ASYNC_ENUM;
        op->deep = deep;
        return start(op, ret);
}

int owmi_async_wait(owmi_async *op, int timeout_ms, struct owmi_error *err)
{
        struct timespec deadline;
        int status;

        owmi_timespec_after_ms(CLOCK_REALTIME, timeout_ms > 0 ? timeout_ms : 0, &deadline);
        pthread_mutex_lock(&op->lock);
        while (!op->finished) {
                if (timeout_ms < 0)
                        pthread_cond_wait(&op->finished_cond, &op->lock);
                else if (timeout_ms == 0 ||
                         pthread_cond_timedwait(&op->finished_cond, &op->lock, &deadline) == ETIMEDOUT)
                        break;
        }
        if (!op->finished) {
                pthread_mutex_unlock(&op->lock);
                owmi_error_set(err, OWMI_E_TIMED_OUT, "still running after %d ms", timeout_ms);
                return (int) OWMI_E_TIMED_OUT;
        }
        status = op->status;
        if (err)
                *err = op->err;
        pthread_mutex_unlock(&op->lock);
        return status;
}

void owmi_async_cancel(owmi_async *op)
{
        atomic_store(&op->cancelled, true);
}

void owmi_async_free(owmi_async *op)
{
        if (!op)
                return;
        owmi_async_cancel(op);
        pthread_join(op->thread, NULL);
        pthread_mutex_destroy(&op->lock);
        pthread_cond_destroy(&op->finished_cond);
        owmi_free(op->ns);
        owmi_free(op->text);
        owmi_free(op);
}
