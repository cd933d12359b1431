/* SPDX-License-Identifier: MIT */
/*
 * conn.c: the daemon's event loop (libevent): the local socket, each
 * connection's frames, the handshake, starting and cancelling requests,
 * closing; and server_run with its signals.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <systemd/sd-daemon.h>

#include "base/alloc.h"
#include "base/util.h"
#include "server/auth.h"
#include "server/conn.h"
#include "server/hosting.h"
#include "server/permanent.h"
#include "server/tls.h"
#include "wire/cbor.h"
#include "wire/protocol.h"

/* The client's unread output past which a worker waits, and the level at
 * which it is woken again. */
#define OUTPUT_HIGH ((size_t) 1 << 20)
#define OUTPUT_LOW ((size_t) 256 << 10)

/* ---- connection lifetime ------------------------------------------------ */

void conn_ref(struct conn *c)
{
        pthread_mutex_lock(&c->lock);
        c->refs++;
        pthread_mutex_unlock(&c->lock);
}

static void conn_destroy(evutil_socket_t fd, short what, void *arg)
{
        struct conn *c = arg;
        struct server_state *srv = c->srv;

        bufferevent_free(c->bev);
        for (size_t i = 0; i < ELEMENTSOF(c->ns_cache); i++) {
                owmi_free(c->ns_cache[i].name);
                cimom_ns_close(c->ns_cache[i].h);
        }
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->drained);
        owmi_free(c);
        pthread_mutex_lock(&srv->lock);
        srv->live--;
        pthread_mutex_unlock(&srv->lock);
}

void conn_unref(struct conn *c)
{
        unsigned refs;

        pthread_mutex_lock(&c->lock);
        refs = --c->refs;
        pthread_mutex_unlock(&c->lock);
        /* freed in the loop's thread, never under a callback of its own */
        if (refs == 0)
                event_base_once(c->srv->base, -1, EV_TIMEOUT, conn_destroy, c, NULL);
}

static void server_unlink_conn(struct conn *c)
{
        struct server_state *srv = c->srv;

        pthread_mutex_lock(&srv->lock);
        for (struct conn **p = &srv->conns; *p; p = &(*p)->next) {
                if (*p == c) {
                        *p = c->next;
                        srv->conn_count--;
                        break;
                }
        }
        pthread_mutex_unlock(&srv->lock);
}

/* In the loop's thread: stop reading, cancel every request, drop the
 * loop's reference. */
static void conn_close(struct conn *c)
{
        bool was_closing;

        pthread_mutex_lock(&c->lock);
        was_closing = c->closing;
        c->closing = true;
        for (struct request *r = c->requests; r; r = r->next) {
                atomic_store(&r->cancelled, true);
                if (r->events)
                        cimom_events_cancel(r->events);
        }
        pthread_cond_broadcast(&c->drained);
        pthread_mutex_unlock(&c->lock);
        if (was_closing)
                return;
        bufferevent_disable(c->bev, EV_READ | EV_WRITE);
        server_unlink_conn(c);
        conn_unref(c);
}

static void conn_abort_in_loop(evutil_socket_t fd, short what, void *arg)
{
        struct conn *c = arg;

        conn_close(c);
        conn_unref(c);
}

void conn_abort(struct conn *c, const char *why)
{
        server_log(SERVER_LOG_WARNING, "%s: closing the connection: %s", c->desc, why);
        conn_ref(c);
        if (event_base_once(c->srv->base, -1, EV_TIMEOUT, conn_abort_in_loop, c, NULL) < 0)
                conn_unref(c);
}

/* ---- writing ------------------------------------------------------------ */

/* Out now when nothing waits before it: a worker writes to a plain
 * socket itself rather than waking the loop to do it (the loop writes
 * under the same lock, so frames never interleave).  What the socket
 * does not take goes to the loop as usual. */
static int conn_write(struct conn *c, const void *data, size_t len)
{
        struct evbuffer *out = bufferevent_get_output(c->bev);
        size_t done = 0;
        int r = 0;

        bufferevent_lock(c->bev);
        if (!c->encrypted && evbuffer_get_length(out) == 0) {
                evutil_socket_t fd = bufferevent_getfd(c->bev);

                while (fd >= 0 && done < len) {
                        ssize_t n = send(fd, (const char *) data + done, len - done,
                                         MSG_NOSIGNAL | MSG_DONTWAIT);

                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                break;
                        done += (size_t) n;
                }
        }
        if (done < len && bufferevent_write(c->bev, (const char *) data + done, len - done) < 0)
                r = -ENOMEM;
        bufferevent_unlock(c->bev);
        return r;
}

int conn_send(struct conn *c, const struct strbuf *frame)
{
        struct evbuffer *out = bufferevent_get_output(c->bev);

        for (;;) {
                bool closing;

                pthread_mutex_lock(&c->lock);
                closing = c->closing;
                pthread_mutex_unlock(&c->lock);
                if (closing)
                        return -EPIPE;
                /* evbuffer_get_length takes the buffer's own lock: not
                 * under c->lock (the write callback takes them the other
                 * way round) */
                if (evbuffer_get_length(out) < OUTPUT_HIGH)
                        break;
                pthread_mutex_lock(&c->lock);
                if (!c->closing) {
                        struct timespec t;

                        owmi_timespec_after_ms(CLOCK_REALTIME, 50, &t);
                        pthread_cond_timedwait(&c->drained, &c->lock, &t);
                }
                pthread_mutex_unlock(&c->lock);
        }
        return conn_write(c, frame->buf, frame->len);
}

static void on_write(struct bufferevent *bev, void *arg)
{
        struct conn *c = arg;

        pthread_mutex_lock(&c->lock);
        pthread_cond_broadcast(&c->drained);
        pthread_mutex_unlock(&c->lock);
}

/* From the loop: a message, then close once it is written. */
static void on_flushed_close(struct bufferevent *bev, void *arg)
{
        struct conn *c = arg;

        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
                conn_close(c);
}

static void send_goodbye(struct conn *c, uint32_t status, const char *why)
{
        struct strbuf sb;

        server_log(SERVER_LOG_WARNING, "%s: closing the connection: %s", c->desc, why);
        strbuf_init(&sb);
        wire_frame_begin(&sb);
        wcbor_put_array(&sb, 3);
        wcbor_put_uint(&sb, WIRE_MSG_GOODBYE);
        wcbor_put_uint(&sb, status);
        wcbor_put_text(&sb, why);
        if (wire_frame_end(&sb, 0, WIRE_RESPONSE_MAX) == 0) {
                bufferevent_disable(c->bev, EV_READ);
                bufferevent_setcb(c->bev, NULL, on_flushed_close, NULL, c);
                bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
                bufferevent_write(c->bev, sb.buf, sb.len);
        } else {
                conn_close(c);
        }
        strbuf_release(&sb);
}

/* ---- namespaces --------------------------------------------------------- */

int conn_namespace(struct conn *c, const char *ns, struct cimom_ns **ret, struct owmi_error *err)
{
        struct cimom_ns *h;
        size_t free_slot = SIZE_MAX;
        int r;

        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < ELEMENTSOF(c->ns_cache); i++) {
                if (c->ns_cache[i].name && owmi_streq_ci(c->ns_cache[i].name, ns)) {
                        *ret = c->ns_cache[i].h;
                        pthread_mutex_unlock(&c->lock);
                        return 0;
                }
                if (!c->ns_cache[i].name && free_slot == SIZE_MAX)
                        free_slot = i;
        }
        pthread_mutex_unlock(&c->lock);
        r = cimom_open_namespace(c->srv->cimom, ns, &c->caller, &h, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&c->lock);
        /* another worker may have opened it meanwhile; and a full cache
         * keeps the handle until the connection ends in slot 0's place */
        for (size_t i = 0; i < ELEMENTSOF(c->ns_cache); i++) {
                if (c->ns_cache[i].name && owmi_streq_ci(c->ns_cache[i].name, ns)) {
                        *ret = c->ns_cache[i].h;
                        pthread_mutex_unlock(&c->lock);
                        cimom_ns_close(h);
                        return 0;
                }
        }
        if (free_slot == SIZE_MAX || c->ns_cache[free_slot].name) {
                pthread_mutex_unlock(&c->lock);
                cimom_ns_close(h);
                return owmi_error_set(err, OWMI_E_QUOTA_VIOLATION,
                                      "a connection may use at most %zu namespaces",
                                      ELEMENTSOF(c->ns_cache));
        }
        c->ns_cache[free_slot].name = owmi_strdup(ns);
        if (!c->ns_cache[free_slot].name) {
                pthread_mutex_unlock(&c->lock);
                cimom_ns_close(h);
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        c->ns_cache[free_slot].h = h;
        pthread_mutex_unlock(&c->lock);
        *ret = h;
        return 0;
}

/* ---- requests ----------------------------------------------------------- */

static void request_free(struct request *req)
{
        if (req->events)
                cimom_events_close(req->events);
        wire_request_release(&req->wr);
        owmi_free(req);
}

void request_finish(struct request *req)
{
        struct conn *c = req->conn;

        pthread_mutex_lock(&c->lock);
        for (struct request **p = &c->requests; *p; p = &(*p)->next) {
                if (*p == req) {
                        *p = req->next;
                        break;
                }
        }
        c->in_flight--;
        if (req->wr.op == WIRE_OP_SUBSCRIBE)
                c->subscriptions--;
        pthread_mutex_unlock(&c->lock);
        request_free(req);
        conn_unref(c);
}

static void send_done_error(struct conn *c, uint64_t id, uint32_t status, const char *msg)
{
        struct strbuf sb;

        strbuf_init(&sb);
        wire_frame_begin(&sb);
        wcbor_put_array(&sb, 5);
        wcbor_put_uint(&sb, WIRE_MSG_DONE);
        wcbor_put_uint(&sb, id);
        wcbor_put_uint(&sb, status);
        wcbor_put_text(&sb, msg);
        wcbor_put_null(&sb);
        if (wire_frame_end(&sb, 0, WIRE_RESPONSE_MAX) == 0)
                bufferevent_write(c->bev, sb.buf, sb.len);
        strbuf_release(&sb);
}

/* A decoded request (handed over) starts on a worker, or on a thread of
 * its own for a subscription. */
static void start_request(struct conn *c, struct wire_request *wr)
{
        struct request *req;
        bool busy, dup = false;

        pthread_mutex_lock(&c->lock);
        for (struct request *r = c->requests; r; r = r->next)
                dup |= r->wr.id == wr->id;
        busy = c->in_flight >= WIRE_MAX_IN_FLIGHT ||
               (wr->op == WIRE_OP_SUBSCRIBE && c->subscriptions >= WIRE_MAX_SUBSCRIPTIONS);
        pthread_mutex_unlock(&c->lock);
        if (dup) {
                wire_request_release(wr);
                send_goodbye(c, OWMI_E_INVALID_PARAMETER, "request id already in use");
                return;
        }
        if (busy) {
                send_done_error(c, wr->id, OWMI_E_QUOTA_VIOLATION,
                                wr->op == WIRE_OP_SUBSCRIBE ? "too many subscriptions on one connection"
                                                            : "too many requests in flight on one connection");
                wire_request_release(wr);
                return;
        }
        req = owmi_calloc(1, sizeof(*req));
        if (!req) {
                send_done_error(c, wr->id, OWMI_E_OUT_OF_MEMORY, "out of memory");
                wire_request_release(wr);
                return;
        }
        req->conn = c;
        req->wr = *wr;
        memset(wr, 0, sizeof(*wr));
        if (c->srv->cfg->request_timeout && req->wr.op != WIRE_OP_SUBSCRIBE)
                req->deadline_ms = owmi_monotonic_ms() + (uint64_t) c->srv->cfg->request_timeout * 1000;
        pthread_mutex_lock(&c->lock);
        req->next = c->requests;
        c->requests = req;
        c->in_flight++;
        if (req->wr.op == WIRE_OP_SUBSCRIBE)
                c->subscriptions++;
        c->refs++;
        pthread_mutex_unlock(&c->lock);
        if (req->wr.op == WIRE_OP_SUBSCRIBE)
                ops_subscription_thread_start(req);
        else if (pool_submit(c->srv->pool, ops_run, req) < 0) {
                send_done_error(c, req->wr.id, OWMI_E_SHUTTING_DOWN, "the server is stopping");
                request_finish(req);
        }
}

static void cancel_request(struct conn *c, uint64_t id)
{
        pthread_mutex_lock(&c->lock);
        for (struct request *r = c->requests; r; r = r->next) {
                if (r->wr.id != id)
                        continue;
                atomic_store(&r->cancelled, true);
                if (r->events)
                        cimom_events_cancel(r->events);
        }
        pthread_mutex_unlock(&c->lock);
}

static void greet(struct conn *c, uint64_t version)
{
        struct strbuf sb;

        c->greeted = true;
        strbuf_init(&sb);
        wire_frame_begin(&sb);
        wcbor_put_array(&sb, 5);
        wcbor_put_uint(&sb, WIRE_MSG_WELCOME);
        wcbor_put_uint(&sb, version < WIRE_VERSION ? version : WIRE_VERSION);
        wcbor_put_text(&sb, "owmid " OWMI_VERSION);
        wcbor_put_text(&sb, c->caller.user);
        wcbor_put_uint(&sb, c->caller.uid);
        if (wire_frame_end(&sb, 0, WIRE_RESPONSE_MAX) == 0)
                bufferevent_write(c->bev, sb.buf, sb.len);
        strbuf_release(&sb);
}

struct goodbye {
        struct conn *c;
        uint32_t status;
        char why[OWMI_ERROR_MESSAGE_MAX];
};

static void goodbye_in_loop(evutil_socket_t fd, short what, void *arg)
{
        struct goodbye *g = arg;

        send_goodbye(g->c, g->status, g->why);
        conn_unref(g->c);
        owmi_free(g);
}

/* A goodbye from a worker: sent and closed by the loop. */
static void goodbye_async(struct conn *c, uint32_t status, const char *why)
{
        struct goodbye *g = owmi_calloc(1, sizeof(*g));

        if (!g) {
                conn_abort(c, why);
                return;
        }
        g->c = c;
        g->status = status;
        snprintf(g->why, sizeof(g->why), "%s", why);
        conn_ref(c);
        if (event_base_once(c->srv->base, -1, EV_TIMEOUT, goodbye_in_loop, g, NULL) < 0) {
                conn_unref(c);
                owmi_free(g);
        }
}

struct login {
        struct conn *c;
        char *user;
        char *password;
        owmi_privileges privileges;
        uint64_t version;
};

/* On a worker: PAM may take its time (and delays failures on purpose). */
static void login_job(void *arg)
{
        struct login *l = arg;
        struct conn *c = l->c;
        struct cimom_caller caller;
        struct owmi_error err = { 0 };
        int r = auth_password(c->srv->cfg->pam_service, l->user, l->password, c->source, &err);

        if (r >= 0)
                r = auth_caller(l->user, &caller, &err);
        if (r < 0) {
                goodbye_async(c, err.code, err.message);
        } else {
                caller.privileges = l->privileges;
                pthread_mutex_lock(&c->lock);
                c->caller = caller;
                snprintf(c->desc, sizeof(c->desc), "%s uid %u (%s)", c->source,
                         (unsigned) caller.uid, caller.user);
                c->auth_pending = false;
                pthread_mutex_unlock(&c->lock);
                greet(c, l->version);
                bufferevent_enable(c->bev, EV_READ);
                /* frames that came while the login ran */
                bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
        }
        explicit_bzero(l->password, strlen(l->password));
        owmi_free(l->password);
        owmi_free(l->user);
        owmi_free(l);
        conn_unref(c);
}

static int hello_privileges(struct conn *c, const struct wire_hello *h, owmi_privileges *ret)
{
        *ret = 0;
        for (size_t i = 0; i < h->privilege_count; i++) {
                unsigned number = privilege_lookup(h->privileges[i]);

                if (!number) {
                        send_goodbye(c, OWMI_E_INVALID_PARAMETER, "no such privilege");
                        return -EINVAL;
                }
                *ret |= (owmi_privileges) 1 << number;
        }
        return 0;
}

/* Remote clients log in: a password (over TLS, or over the plain
 * loopback listener when the operator allowed it), or a client
 * certificate the configured CA signed. */
static int remote_hello(struct conn *c, const struct wire_hello *h, owmi_privileges privileges)
{
        char name[256];
        struct owmi_error err = { 0 };

        if (h->user && h->password) {
                struct login *l;

                if (!c->encrypted && !c->srv->cfg->plain_passwords) {
                        send_goodbye(c, OWMI_E_ENCRYPTED_CONNECTION_REQUIRED,
                                     "passwords travel only over TLS here");
                        return -EPERM;
                }
                l = owmi_calloc(1, sizeof(*l));
                if (!l || !(l->user = owmi_strdup(h->user)) || !(l->password = owmi_strdup(h->password))) {
                        if (l)
                                owmi_free(l->user);
                        owmi_free(l);
                        send_goodbye(c, OWMI_E_OUT_OF_MEMORY, "out of memory");
                        return -ENOMEM;
                }
                l->c = c;
                l->privileges = privileges;
                l->version = h->version;
                c->auth_pending = true;
                conn_ref(c);
                bufferevent_disable(c->bev, EV_READ);
                if (pool_submit(c->srv->pool, login_job, l) < 0) {
                        explicit_bzero(l->password, strlen(l->password));
                        owmi_free(l->password);
                        owmi_free(l->user);
                        owmi_free(l);
                        conn_unref(c);
                        send_goodbye(c, OWMI_E_SHUTTING_DOWN, "the server is stopping");
                        return -ESHUTDOWN;
                }
                return 0;
        }
        if (c->encrypted && !h->user && !h->password &&
            tls_peer_name(bufferevent_openssl_get_ssl(c->bev), name, sizeof(name))) {
                if (auth_caller(name, &c->caller, &err) < 0) {
                        send_goodbye(c, err.code, err.message);
                        return -EPERM;
                }
                c->caller.privileges = privileges;
                server_log(SERVER_LOG_NOTICE, "%s: '%s' logged in with a certificate", c->source, name);
                snprintf(c->desc, sizeof(c->desc), "%s uid %u (%s)", c->source,
                         (unsigned) c->caller.uid, c->caller.user);
                greet(c, h->version);
                return 0;
        }
        send_goodbye(c, OWMI_E_ACCESS_DENIED, "log in with a user and password");
        return -EPERM;
}

static int handle_hello(struct conn *c, const struct wire_hello *h)
{
        owmi_privileges privileges;

        if (hello_privileges(c, h, &privileges) < 0)
                return -EINVAL;
        if (h->version < 1) {
                send_goodbye(c, OWMI_E_NOT_SUPPORTED, "no protocol version in common");
                return -EINVAL;
        }
        if (c->remote)
                return remote_hello(c, h, privileges);
        if (h->user || h->password) {
                /* WMI's answer to credentials on a local connection */
                send_goodbye(c, OWMI_E_LOCAL_CREDENTIALS,
                             "user credentials cannot be used for local connections");
                return -EINVAL;
        }
        c->caller.privileges = privileges;
        greet(c, h->version);
        return 0;
}

/* One whole frame.  <0: the connection is closing. */
static int handle_frame(struct conn *c, const unsigned char *frame, size_t len)
{
        struct wire_client_message msg;
        const char *why;
        int r = wire_client_message_decode(frame, len, &msg, &why);

        if (r == -ENOMEM) {
                send_goodbye(c, OWMI_E_OUT_OF_MEMORY, "out of memory");
                return r;
        }
        if (r < 0) {
                send_goodbye(c, OWMI_E_INVALID_PARAMETER, why);
                return r;
        }
        if (!c->greeted && !c->auth_pending && msg.type != WIRE_MSG_HELLO) {
                wire_client_message_release(&msg);
                send_goodbye(c, OWMI_E_INVALID_PARAMETER, "the first message must be hello");
                return -EBADMSG;
        }
        switch (msg.type) {
        case WIRE_MSG_HELLO:
                if (c->greeted || c->auth_pending) {
                        send_goodbye(c, OWMI_E_INVALID_PARAMETER, "hello sent twice");
                        r = -EBADMSG;
                } else {
                        r = handle_hello(c, &msg.hello);
                }
                break;
        case WIRE_MSG_REQUEST:
                start_request(c, &msg.request);
                break;
        case WIRE_MSG_CANCEL:
                cancel_request(c, msg.cancel_id);
                break;
        default:
                /* REQUEST_AS speaks for another user: only owmid to its own
                 * provider hosts, never a client to owmid */
                send_goodbye(c, OWMI_E_INVALID_PARAMETER, "unknown message type");
                r = -EBADMSG;
                break;
        }
        wire_client_message_release(&msg);
        return r;
}

static void on_read(struct bufferevent *bev, void *arg)
{
        struct conn *c = arg;
        struct evbuffer *in = bufferevent_get_input(bev);

        for (;;) {
                unsigned char header[WIRE_FRAME_HEADER];
                unsigned char *frame;
                uint32_t len;
                int r;

                if (evbuffer_copyout(in, header, sizeof(header)) < (ev_ssize_t) sizeof(header))
                        return;
                len = wire_frame_length(header);
                if (len == 0 || len > WIRE_REQUEST_MAX) {
                        send_goodbye(c, OWMI_E_INVALID_PARAMETER,
                                     len ? "frame larger than the server accepts" : "empty frame");
                        return;
                }
                if (evbuffer_get_length(in) < (size_t) len + sizeof(header))
                        return;
                frame = owmi_malloc(len);
                if (!frame) {
                        send_goodbye(c, OWMI_E_OUT_OF_MEMORY, "out of memory");
                        return;
                }
                evbuffer_drain(in, sizeof(header));
                evbuffer_remove(in, frame, len);
                r = handle_frame(c, frame, len);
                owmi_free(frame);
                if (r < 0)
                        return;
        }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
        struct conn *c = arg;

        if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
                conn_close(c);
}

/* ---- accepting ---------------------------------------------------------- */

enum listener_kind { LISTEN_LOCAL, LISTEN_TLS, LISTEN_PLAIN };

static void accept_conn(struct server_state *srv, evutil_socket_t fd, struct sockaddr *sa,
                        enum listener_kind kind)
{
        struct conn *c;

        if (atomic_load(&srv->stopping) || srv->conn_count >= srv->cfg->max_connections) {
                server_log(SERVER_LOG_WARNING, "refusing a connection: %s",
                           atomic_load(&srv->stopping) ? "stopping" : "too many connections");
                close(fd);
                return;
        }
        c = owmi_calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return;
        }
        if (kind == LISTEN_LOCAL) {
                if (server_peer_caller(fd, &c->caller, c->desc, sizeof(c->desc)) < 0) {
                        server_log(SERVER_LOG_WARNING, "refusing a connection: no peer credentials");
                        owmi_free(c);
                        close(fd);
                        return;
                }
        } else {
                char addr[INET6_ADDRSTRLEN] = "?";
                unsigned port = 0;

                if (sa->sa_family == AF_INET) {
                        inet_ntop(AF_INET, &((struct sockaddr_in *) sa)->sin_addr, addr, sizeof(addr));
                        port = ntohs(((struct sockaddr_in *) sa)->sin_port);
                } else if (sa->sa_family == AF_INET6) {
                        inet_ntop(AF_INET6, &((struct sockaddr_in6 *) sa)->sin6_addr, addr, sizeof(addr));
                        port = ntohs(((struct sockaddr_in6 *) sa)->sin6_port);
                }
                snprintf(c->source, sizeof(c->source), "%s", addr);
                /* small frames go at once (no Nagle stall behind TLS) */
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof(int));
                snprintf(c->desc, sizeof(c->desc), "%s:%u (not logged in)", addr, port);
                c->remote = true;
                c->encrypted = kind == LISTEN_TLS;
                /* nobody until the login says otherwise */
                c->caller.uid = (uid_t) -1;
                c->caller.gid = (gid_t) -1;
                c->caller.remote = true;
        }
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->drained, NULL);
        c->srv = srv;
        c->refs = 1;
        if (kind == LISTEN_TLS) {
                SSL *ssl = SSL_new(srv->tls);

                c->bev = ssl ? bufferevent_openssl_socket_new(srv->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                              BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE)
                             : NULL;
                if (!c->bev && ssl)
                        SSL_free(ssl);
        } else {
                c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
        }
        if (!c->bev) {
                close(fd);
                pthread_mutex_destroy(&c->lock);
                pthread_cond_destroy(&c->drained);
                owmi_free(c);
                return;
        }
        bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
        bufferevent_setwatermark(c->bev, EV_WRITE, OUTPUT_LOW, 0);
        bufferevent_enable(c->bev, EV_READ | EV_WRITE);
        pthread_mutex_lock(&srv->lock);
        c->next = srv->conns;
        srv->conns = c;
        srv->conn_count++;
        srv->live++;
        pthread_mutex_unlock(&srv->lock);
        server_log(SERVER_LOG_DEBUG, "%s: connected", c->desc);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
        accept_conn(arg, fd, sa, LISTEN_LOCAL);
}

static void on_accept_tls(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
                          int socklen, void *arg)
{
        accept_conn(arg, fd, sa, LISTEN_TLS);
}

static void on_accept_plain(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
                            int socklen, void *arg)
{
        accept_conn(arg, fd, sa, LISTEN_PLAIN);
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
        if (ss->ss_family == AF_INET)
                return (ntohl(((const struct sockaddr_in *) ss)->sin_addr.s_addr) >> 24) == 127;
        if (ss->ss_family == AF_INET6)
                return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *) ss)->sin6_addr);
        return false;
}

/* A TCP listener on "ADDR:PORT" ("[::1]:5990" for IPv6). */
static int open_tcp(struct server_state *srv, const char *where, enum listener_kind kind,
                    struct evconnlistener **ret)
{
        struct sockaddr_storage ss;
        int len = (int) sizeof(ss);

        memset(&ss, 0, sizeof(ss));
        if (evutil_parse_sockaddr_port(where, (struct sockaddr *) &ss, &len) < 0) {
                server_log(SERVER_LOG_ERR, "'%s' is not ADDRESS:PORT", where);
                return -EINVAL;
        }
        if (kind == LISTEN_PLAIN && !is_loopback(&ss)) {
                server_log(SERVER_LOG_ERR, "listen_plain must be a loopback address, not %s", where);
                return -EINVAL;
        }
        *ret = evconnlistener_new_bind(srv->base, kind == LISTEN_TLS ? on_accept_tls : on_accept_plain,
                                       srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
                                       LEV_OPT_REUSEABLE, 128, (struct sockaddr *) &ss, len);
        if (!*ret) {
                int e = errno ? -errno : -EADDRINUSE;

                server_log(SERVER_LOG_ERR, "cannot listen on %s: %s", where, strerror(-e));
                return e;
        }
        return 0;
}

static int make_parent_dir(const char *path)
{
        char dir[sizeof(((struct sockaddr_un *) 0)->sun_path)];
        char *slash;

        snprintf(dir, sizeof(dir), "%s", path);
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* The local socket: systemd's (socket activation) or our own. */
static int open_local_socket(struct server_state *srv, struct evconnlistener **ret)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path = srv->cfg->socket_path;
        int fd, n = sd_listen_fds(1);

        if (n >= 1) {
                fd = SD_LISTEN_FDS_START;
                *ret = evconnlistener_new(srv->base, on_accept, srv,
                                          LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
                return *ret ? 0 : -ENOMEM;
        }
        if (strlen(path) >= sizeof(sa.sun_path)) {
                server_log(SERVER_LOG_ERR, "socket path too long: %s", path);
                return -ENAMETOOLONG;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        make_parent_dir(path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 && errno == EADDRINUSE) {
                /* a socket nobody answers on is left over from a daemon
                 * that died; one that answers belongs to a live daemon */
                int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

                if (probe >= 0 && connect(probe, (struct sockaddr *) &sa, sizeof(sa)) == 0) {
                        close(probe);
                        close(fd);
                        server_log(SERVER_LOG_ERR, "another daemon answers on %s", path);
                        return -EADDRINUSE;
                }
                if (probe >= 0)
                        close(probe);
                unlink(path);
                if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                        int e = -errno;

                        close(fd);
                        return e;
                }
        } else if (errno && access(path, F_OK) < 0) {
                int e = -errno;

                close(fd);
                return e;
        }
        chmod(path, srv->cfg->socket_mode);
        *ret = evconnlistener_new(srv->base, on_accept, srv,
                                  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128, fd);
        if (!*ret) {
                close(fd);
                return -ENOMEM;
        }
        return 0;
}

/* ---- running ------------------------------------------------------------ */

struct signal_ctx {
        struct server_state *srv;
        const char *config_path;
};

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
        struct signal_ctx *ctx = arg;

        server_log(SERVER_LOG_NOTICE, "stopping (signal %d)", (int) sig);
        atomic_store(&ctx->srv->stopping, true);
        event_base_loopexit(ctx->srv->base, NULL);
}

static void on_reload_signal(evutil_socket_t sig, short what, void *arg)
{
        struct signal_ctx *ctx = arg;
        struct server_config fresh;
        struct owmi_error err;

        /* the settings that apply to what comes next; the socket and the
         * repository stay as they are until a restart */
        server_config_defaults(&fresh);
        if (server_config_load(&fresh, ctx->config_path, &err) < 0) {
                char buf[768];

                owmi_error_format(&err, buf, sizeof(buf));
                server_log(SERVER_LOG_ERR, "reload failed, keeping the settings: %s", buf);
        } else {
                ctx->srv->cfg->request_timeout = fresh.request_timeout;
                ctx->srv->cfg->max_connections = fresh.max_connections;
                server_log(SERVER_LOG_NOTICE, "reloaded %s", ctx->config_path ? ctx->config_path
                                                                               : "the defaults");
        }
        server_config_release(&fresh);
}

static unsigned default_workers(void)
{
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        return n > 0 && n * 4 > 4 ? (unsigned) n * 4 : 4;
}

/* Cancel what runs and wait (bounded) for it to end. */
static void drain_connections(struct server_state *srv)
{
        pthread_mutex_lock(&srv->lock);
        for (struct conn *c = srv->conns; c; c = c->next) {
                pthread_mutex_lock(&c->lock);
                for (struct request *r = c->requests; r; r = r->next) {
                        atomic_store(&r->cancelled, true);
                        if (r->events)
                                cimom_events_cancel(r->events);
                }
                pthread_mutex_unlock(&c->lock);
        }
        pthread_mutex_unlock(&srv->lock);
        for (;;) {
                struct conn *c;

                pthread_mutex_lock(&srv->lock);
                c = srv->conns;
                pthread_mutex_unlock(&srv->lock);
                if (!c)
                        break;
                conn_close(c);
        }
}

int server_run(struct server_config *cfg, const char *config_path)
{
        struct server_state srv = { .cfg = cfg };
        struct signal_ctx sctx = { .srv = &srv, .config_path = config_path };
        struct evconnlistener *local = NULL, *tls = NULL, *plain = NULL;
        struct hosting *hosting = NULL;
        struct permanent *permanent = NULL;
        struct event *ev_term = NULL, *ev_int = NULL, *ev_hup = NULL;
        struct owmi_error err;
        bool own_socket = false;
        int r;

        if (evthread_use_pthreads() < 0)
                return -ENOMEM;
        signal(SIGPIPE, SIG_IGN);
        pthread_mutex_init(&srv.lock, NULL);
        srv.base = event_base_new();
        if (!srv.base)
                return -ENOMEM;
        r = cimom_new(cfg->repository, &srv.cimom, &err);
        if (r < 0) {
                char buf[768];

                owmi_error_format(&err, buf, sizeof(buf));
                server_log(SERVER_LOG_ERR, "cannot open the repository: %s", buf);
                goto out;
        }
        if (cfg->isolated_providers && *cfg->isolated_providers) {
                r = hosting_new(cfg, &hosting);
                if (r < 0)
                        goto out;
                cimom_set_provider_proxy(srv.cimom, &hosting_proxy, hosting);
                server_log(SERVER_LOG_NOTICE, "providers in host processes: %s", cfg->isolated_providers);
        }
        r = pool_new(cfg->workers ? cfg->workers : default_workers(), &srv.pool);
        if (r < 0)
                goto out;
        /* the bindings that run without a client, from the repository */
        r = permanent_start(srv.cimom, &permanent);
        if (r < 0)
                goto out;
        /* signals first, the local socket last: its appearance says ready */
        ev_term = evsignal_new(srv.base, SIGTERM, on_stop_signal, &sctx);
        ev_int = evsignal_new(srv.base, SIGINT, on_stop_signal, &sctx);
        ev_hup = evsignal_new(srv.base, SIGHUP, on_reload_signal, &sctx);
        if (!ev_term || !ev_int || !ev_hup) {
                r = -ENOMEM;
                goto out;
        }
        event_add(ev_term, NULL);
        event_add(ev_int, NULL);
        event_add(ev_hup, NULL);
        if (cfg->listen) {
                r = tls_server_context(cfg->tls_certificate, cfg->tls_key, cfg->tls_client_ca,
                                       &srv.tls, &err);
                if (r < 0) {
                        char buf[768];

                        owmi_error_format(&err, buf, sizeof(buf));
                        server_log(SERVER_LOG_ERR, "%s (make a pair with owmid --make-certificate)", buf);
                        goto out;
                }
                r = open_tcp(&srv, cfg->listen, LISTEN_TLS, &tls);
                if (r < 0)
                        goto out;
                server_log(SERVER_LOG_NOTICE, "listening on %s (TLS)", cfg->listen);
        }
        if (cfg->listen_plain) {
                r = open_tcp(&srv, cfg->listen_plain, LISTEN_PLAIN, &plain);
                if (r < 0)
                        goto out;
                server_log(SERVER_LOG_NOTICE, "listening on %s (plain, loopback; passwords %s)",
                           cfg->listen_plain, cfg->plain_passwords ? "allowed" : "refused");
        }
        r = open_local_socket(&srv, &local);
        own_socket = r >= 0 && !sd_listen_fds(0);
        if (r < 0) {
                server_log(SERVER_LOG_ERR, "cannot listen on %s: %s", cfg->socket_path, strerror(-r));
                goto out;
        }
        server_log(SERVER_LOG_NOTICE, "listening on %s", cfg->socket_path);
        sd_notify(0, "READY=1");
        event_base_dispatch(srv.base);
        sd_notify(0, "STOPPING=1");
        r = 0;
out:
        atomic_store(&srv.stopping, true);
        if (local)
                evconnlistener_free(local);
        if (tls)
                evconnlistener_free(tls);
        if (plain)
                evconnlistener_free(plain);
        drain_connections(&srv);
        /* the workers finish (cancelled) requests; subscription threads
         * end on their own once cancelled */
        pool_free(srv.pool);
        /* let the frees scheduled by the last references run */
        event_base_loop(srv.base, EVLOOP_NONBLOCK);
        for (;;) {
                unsigned live;

                pthread_mutex_lock(&srv.lock);
                live = srv.live;
                pthread_mutex_unlock(&srv.lock);
                if (!live)
                        break;
                event_base_loop(srv.base, EVLOOP_ONCE);
        }
        if (ev_term)
                event_free(ev_term);
        if (ev_int)
                event_free(ev_int);
        if (ev_hup)
                event_free(ev_hup);
        if (own_socket)
                unlink(cfg->socket_path);
        permanent_stop(permanent);
        /* no request runs any more: the hosts can go */
        hosting_free(hosting);
        cimom_free(srv.cimom);
        event_base_free(srv.base);
        SSL_CTX_free(srv.tls);
        pthread_mutex_destroy(&srv.lock);
        return r;
}
