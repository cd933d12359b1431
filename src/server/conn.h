/* SPDX-License-Identifier: MIT */
/*
 * conn.h: one client connection and its requests (inside the daemon).
 *
 * Threads: the event loop reads frames and starts requests; workers run
 * them and write their replies straight to the connection's bufferevent
 * (thread-safe), waiting while the client is slow to read, so a big
 * enumeration never piles up in the daemon.  A connection lives until the
 * loop has closed it and its last request has finished (refs).
 */
#ifndef OWMI_SERVER_CONN_H
#define OWMI_SERVER_CONN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cimom/cimom.h"
#include "server/pool.h"
#include "server/server.h"
#include "wire/message.h"

struct bufferevent;
struct event_base;
typedef struct ssl_ctx_st SSL_CTX;

struct server_state {
        struct server_config *cfg;
        struct event_base *base;
        struct cimom *cimom;
        struct pool *pool;
        pthread_mutex_t lock;
        struct conn *conns;             /* open connections */
        unsigned conn_count;
        unsigned live;                  /* connections not yet freed */
        SSL_CTX *tls;                   /* the remote listener's, when there is one */
        atomic_bool stopping;
};

struct request {
        struct request *next;           /* in conn->requests */
        struct conn *conn;
        struct wire_request wr;         /* decoded whole by the loop */
        atomic_bool cancelled;
        struct cimom_events *events;    /* a subscription, once made */
        uint64_t deadline_ms;           /* CLOCK_MONOTONIC; 0: none */
};

struct conn {
        struct conn *next;              /* in server_state->conns */
        struct server_state *srv;
        struct bufferevent *bev;
        pthread_mutex_t lock;           /* what follows; never held while
                                           taking the bufferevent's lock */
        pthread_cond_t drained;
        unsigned refs;
        bool closing;
        bool greeted;
        bool remote;                    /* over TCP: must log in first */
        bool encrypted;                 /* over TLS */
        bool auth_pending;              /* a login runs on a worker; reading waits */
        char source[64];                /* remote: the client's address */
        struct request *requests;
        unsigned in_flight;
        unsigned subscriptions;
        struct cimom_caller caller;
        char desc[160];
        struct {
                char *name;
                struct cimom_ns *h;
        } ns_cache[8];
};

void conn_ref(struct conn *c);
void conn_unref(struct conn *c);

/* Send a whole frame (built with wire_frame_begin/end); waits while the
 * client's unread output is high.  -EPIPE once the connection closes. */
int conn_send(struct conn *c, const struct strbuf *frame);
/* Close the connection from any thread, logging why. */
void conn_abort(struct conn *c, const char *why);
/* A namespace handle for this connection's caller (cached). */
int conn_namespace(struct conn *c, const char *ns, struct cimom_ns **ret, struct owmi_error *err);
/* The request is over: unlink it and drop its reference. */
void request_finish(struct request *req);

/* Run a request (on a worker, or a subscription's own thread). */
void ops_run(void *arg);
void ops_subscription_thread_start(struct request *req);

#endif
