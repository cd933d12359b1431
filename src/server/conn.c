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
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <systemd/sd-daemon.h>

#include "base/alloc.h"
#include "base/util.h"
#include "server/conn.h"
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

                        clock_gettime(CLOCK_REALTIME, &t);
                        t.tv_nsec += 50 * 1000000;
                        if (t.tv_nsec >= 1000000000) {
                                t.tv_sec++;
                                t.tv_nsec -= 1000000000;
                        }
                        pthread_cond_timedwait(&c->drained, &c->lock, &t);
                }
                pthread_mutex_unlock(&c->lock);
        }
        return bufferevent_write(c->bev, frame->buf, frame->len) < 0 ? -ENOMEM : 0;
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

static uint64_t monotonic_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (uint64_t) t.tv_sec * 1000 + (uint64_t) t.tv_nsec / 1000000;
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
                req->deadline_ms = monotonic_ms() + (uint64_t) c->srv->cfg->request_timeout * 1000;
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

static int handle_hello(struct conn *c, const struct wire_hello *h)
{
        struct strbuf sb;

        for (size_t i = 0; i < h->privilege_count; i++) {
                unsigned number = privilege_lookup(h->privileges[i]);

                if (!number) {
                        send_goodbye(c, OWMI_E_INVALID_PARAMETER, "no such privilege");
                        return -EINVAL;
                }
                c->caller.privileges |= (owmi_privileges) 1 << number;
        }
        if (h->version < 1) {
                send_goodbye(c, OWMI_E_NOT_SUPPORTED, "no protocol version in common");
                return -EINVAL;
        }
        if (h->user || h->password) {
                /* WMI's answer to credentials on a local connection */
                send_goodbye(c, OWMI_E_LOCAL_CREDENTIALS,
                             "user credentials cannot be used for local connections");
                return -EINVAL;
        }
        c->greeted = true;
        strbuf_init(&sb);
        wire_frame_begin(&sb);
        wcbor_put_array(&sb, 5);
        wcbor_put_uint(&sb, WIRE_MSG_WELCOME);
        wcbor_put_uint(&sb, h->version < WIRE_VERSION ? h->version : WIRE_VERSION);
        wcbor_put_text(&sb, "owmid " OWMI_VERSION);
        wcbor_put_text(&sb, c->caller.user);
        wcbor_put_uint(&sb, c->caller.uid);
        if (wire_frame_end(&sb, 0, WIRE_RESPONSE_MAX) == 0)
                bufferevent_write(c->bev, sb.buf, sb.len);
        strbuf_release(&sb);
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
        if (!c->greeted && msg.type != WIRE_MSG_HELLO) {
                wire_client_message_release(&msg);
                send_goodbye(c, OWMI_E_INVALID_PARAMETER, "the first message must be hello");
                return -EBADMSG;
        }
        switch (msg.type) {
        case WIRE_MSG_HELLO:
                r = c->greeted ? -EBADMSG : handle_hello(c, &msg.hello);
                if (c->greeted && r == -EBADMSG)
                        send_goodbye(c, OWMI_E_INVALID_PARAMETER, "hello sent twice");
                break;
        case WIRE_MSG_REQUEST:
                start_request(c, &msg.request);
                break;
        case WIRE_MSG_CANCEL:
                cancel_request(c, msg.cancel_id);
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

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
        struct server_state *srv = arg;
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
        if (server_peer_caller(fd, &c->caller, c->desc, sizeof(c->desc)) < 0) {
                server_log(SERVER_LOG_WARNING, "refusing a connection: no peer credentials");
                owmi_free(c);
                close(fd);
                return;
        }
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->drained, NULL);
        c->srv = srv;
        c->refs = 1;
        c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
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
        struct evconnlistener *local = NULL;
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
        r = pool_new(cfg->workers ? cfg->workers : default_workers(), &srv.pool);
        if (r < 0)
                goto out;
        r = open_local_socket(&srv, &local);
        own_socket = r >= 0 && !sd_listen_fds(0);
        if (r < 0) {
                server_log(SERVER_LOG_ERR, "cannot listen on %s: %s", cfg->socket_path, strerror(-r));
                goto out;
        }
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
        server_log(SERVER_LOG_NOTICE, "listening on %s", cfg->socket_path);
        sd_notify(0, "READY=1");
        event_base_dispatch(srv.base);
        sd_notify(0, "STOPPING=1");
        r = 0;
out:
        atomic_store(&srv.stopping, true);
        if (local)
                evconnlistener_free(local);
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
        cimom_free(srv.cimom);
        event_base_free(srv.base);
        pthread_mutex_destroy(&srv.lock);
        return r;
}
