/* SPDX-License-Identifier: MIT */
/*
 * client.c: libowmi (include/openwmi/owmi.h): connections to the daemon
 * over the native protocol (docs/PROTOCOL.md), or to an object manager in
 * this process, behind one API.
 *
 * A remote connection is one socket.  Calls take turns on it (the lock);
 * while a call waits for its own replies, events for the connection's
 * subscriptions are queued on their watches, bounded as the server's
 * queues are.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <openwmi/owmi.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/render.h"
#include "cimom/cimom.h"
#include "wire/message.h"
#include "wire/object.h"
#include "wire/protocol.h"

#define DEFAULT_SOCKET "/run/openwmi/owmid.sock"
#define DEFAULT_PORT 5990
#define CONNECT_TIMEOUT_MS 30000
#define NS_CACHE 16
#define WATCH_DEFAULT_QUEUE 1000

struct owmi_watch {
        struct owmi_watch *next;
        owmi_connection *conn;
        uint64_t id;
        struct cimom_events *events;     /* in-process */
        struct cim_object **queue;       /* remote: a ring of max */
        size_t head, count, max;
        uint64_t dropped;
        bool ended;
        struct owmi_error end;
};

struct owmi_connection {
        bool in_process;
        pthread_mutex_t lock;
        char user[64];
        /* in-process */
        struct cimom *cimom;
        struct cimom_caller caller;
        struct { char *name; struct cimom_ns *h; } ns_cache[NS_CACHE];
        /* the daemon */
        int fd;
        SSL_CTX *ssl_ctx;                /* another machine's, over TLS */
        SSL *ssl;
        bool broken;
        struct owmi_error broken_err;
        uint64_t next_id;
        unsigned char *rbuf;
        size_t rlen, ralloc;
        struct owmi_watch *watches;
};

static inline const struct cim_object *CO(const owmi_object *o) { return (const struct cim_object *) o; }

/* Public calls return the status itself, not a negative errno. */
static int status_of(int r, struct owmi_error *err)
{
        if (r >= 0)
                return 0;
        if (err && err->code)
                return (int) err->code;
        return (int) owmi_status_from_errno(r);
}

/* ---- frames --------------------------------------------------------------- */

static int mark_broken(owmi_connection *c, struct owmi_error *err, uint32_t code, const char *what,
                       const char *detail)
{
        c->broken = true;
        owmi_error_set(&c->broken_err, code, "%s%s", what, detail);
        if (err)
                *err = c->broken_err;
        return -EPIPE;
}

static int send_frame(owmi_connection *c, const struct strbuf *sb, struct owmi_error *err)
{
        size_t off = 0;

        if (c->broken) {
                if (err)
                        *err = c->broken_err;
                return -EPIPE;
        }
        while (off < sb->len) {
                ssize_t n;

                if (c->ssl) {
                        int w = SSL_write(c->ssl, sb->buf + off, (int) (sb->len - off > INT32_MAX ? INT32_MAX
                                                                                   : sb->len - off));

                        if (w <= 0) {
                                ERR_clear_error();
                                return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                   "the connection to the server was lost", "");
                        }
                        off += (size_t) w;
                        continue;
                }
                n = send(c->fd, sb->buf + off, sb->len - off, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                           "the connection to the server was lost: ",
                                           strerror(errno));
                off += (size_t) n;
        }
        return 0;
}

/* The next whole frame in c->rbuf (its payload at rbuf + 4); deadline 0:
 * wait forever.  -ETIMEDOUT when the deadline passes first. */
static int read_frame(owmi_connection *c, uint64_t deadline, size_t *ret_len, struct owmi_error *err)
{
        for (;;) {
                if (c->rlen >= WIRE_FRAME_HEADER) {
                        uint32_t len = wire_frame_length(c->rbuf);

                        if (len == 0 || len > WIRE_RESPONSE_MAX)
                                return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                   "the server sent a bad frame", "");
                        if (c->rlen >= WIRE_FRAME_HEADER + (size_t) len) {
                                *ret_len = len;
                                return 0;
                        }
                        if (c->ralloc < WIRE_FRAME_HEADER + (size_t) len) {
                                size_t want = WIRE_FRAME_HEADER + (size_t) len;
                                unsigned char *p = owmi_realloc(c->rbuf, want);

                                if (!p)
                                        return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                                c->rbuf = p;
                                c->ralloc = want;
                        }
                }
                if (c->ralloc - c->rlen < 4096 && c->rlen < WIRE_FRAME_HEADER) {
                        unsigned char *p = owmi_realloc(c->rbuf, 65536);

                        if (!p)
                                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                        c->rbuf = p;
                        c->ralloc = 65536;
                }
                {
                        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
                        int timeout = -1;
                        ssize_t n;

                        if (deadline) {
                                uint64_t now = owmi_monotonic_ms();

                                if (now >= deadline)
                                        return -ETIMEDOUT;
                                timeout = (int) (deadline - now);
                        }
                        /* what TLS holds already decrypted needs no wait */
                        if (!c->ssl || SSL_pending(c->ssl) == 0) {
                                n = poll(&pfd, 1, timeout);
                                if (n < 0 && errno == EINTR)
                                        continue;
                                if (n == 0)
                                        return -ETIMEDOUT;
                        }
                        if (c->ssl) {
                                int got = SSL_read(c->ssl, c->rbuf + c->rlen,
                                                   (int) (c->ralloc - c->rlen > INT32_MAX ? INT32_MAX
                                                                                          : c->ralloc - c->rlen));

                                if (got <= 0) {
                                        int e = SSL_get_error(c->ssl, got);

                                        ERR_clear_error();
                                        /* a handshake message, not data (TLS 1.3 tickets) */
                                        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                                                continue;
                                        return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                           "the server closed the connection", "");
                                }
                                c->rlen += (size_t) got;
                                continue;
                        }
                        n = recv(c->fd, c->rbuf + c->rlen, c->ralloc - c->rlen, 0);
                        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (n <= 0)
                                return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                   "the server closed the connection", "");
                        c->rlen += (size_t) n;
                }
        }
}

static void consume_frame(owmi_connection *c, size_t len)
{
        size_t total = WIRE_FRAME_HEADER + len;

        memmove(c->rbuf, c->rbuf + total, c->rlen - total);
        c->rlen -= total;
}

static struct owmi_watch *find_watch(owmi_connection *c, uint64_t id)
{
        for (struct owmi_watch *w = c->watches; w; w = w->next)
                if (w->id == id)
                        return w;
        return NULL;
}

static void watch_push(struct owmi_watch *w, struct cim_object *event)
{
        if (w->count == w->max) {
                cim_object_free(w->queue[w->head]);
                w->head = (w->head + 1) % w->max;
                w->count--;
                w->dropped++;
        }
        w->queue[(w->head + w->count) % w->max] = event;
        w->count++;
}

/* Read frames until one for request id arrives, routing the rest to the
 * watches.  On success *type and the reader (after the id) describe it;
 * the caller consumes it with consume_frame(c, *len).  With id 0 (no
 * request: a watch waiting) -EAGAIN after each frame routed. */
static int next_frame_for(owmi_connection *c, uint64_t id, uint64_t deadline, uint64_t *type,
                          struct wcbor_reader *rd, size_t *len, struct owmi_error *err)
{
        for (;;) {
                size_t count;
                uint64_t fid;
                int r = read_frame(c, deadline, len, err);

                if (r < 0)
                        return r;
                wcbor_reader_init(rd, c->rbuf + WIRE_FRAME_HEADER, *len);
                if (wcbor_get_array(rd, 16, &count) < 0 || count < 2 || wcbor_get_uint(rd, type) < 0)
                        return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                           "the server sent a malformed message", "");
                if (*type == WIRE_MSG_GOODBYE) {
                        uint64_t status = OWMI_E_TRANSPORT_FAILURE;
                        char *msg = NULL;

                        wcbor_get_uint(rd, &status);
                        wcbor_get_text(rd, 1024, &msg);
                        c->broken = true;
                        owmi_error_set(&c->broken_err, (uint32_t) status, "%s",
                                       msg ? msg : "the server closed the connection");
                        owmi_free(msg);
                        if (err)
                                *err = c->broken_err;
                        consume_frame(c, *len);
                        return -EPIPE;
                }
                if (wcbor_get_uint(rd, &fid) < 0)
                        return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                           "the server sent a malformed message", "");
                if (fid == id)
                        return 0;
                /* someone else's: an event, or the end of a subscription */
                {
                        struct owmi_watch *w = find_watch(c, fid);

                        if (w && *type == WIRE_MSG_EVENT) {
                                struct cim_object *event;

                                if (wire_get_object(rd, &event) < 0)
                                        return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                           "the server sent a malformed event", "");
                                watch_push(w, event);
                        } else if (w && *type == WIRE_MSG_DONE) {
                                uint64_t status = 0;
                                char *msg = NULL;

                                wcbor_get_uint(rd, &status);
                                wcbor_get_text(rd, OWMI_ERROR_MESSAGE_MAX, &msg);
                                w->ended = true;
                                owmi_error_set(&w->end, status ? (uint32_t) status : OWMI_E_CALL_CANCELLED,
                                               "%s", msg && *msg ? msg : "the subscription ended");
                                owmi_free(msg);
                        }
                        consume_frame(c, *len);
                        /* a watch waiting for any of its frames looks again */
                        if (id == 0)
                                return -EAGAIN;
                }
        }
}

/* ---- remote calls -------------------------------------------------------- */

struct call {
        owmi_object_cb cb;
        owmi_name_cb name_cb;
        void *userdata;
        char *result_text;
        struct cim_object *result_obj;
};

static void send_cancel(owmi_connection *c, uint64_t id)
{
        struct strbuf sb;

        strbuf_init(&sb);
        if (wire_cancel_encode(id, &sb) == 0)
                send_frame(c, &sb, NULL);
        strbuf_release(&sb);
}

static int encode_request(const struct wire_request *wr, struct strbuf *sb, struct owmi_error *err)
{
        int r = wire_request_encode(wr, sb);

        if (r == -EMSGSIZE)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                      "the request is larger than the server accepts");
        if (r == -EINVAL)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                      "a required argument is missing or an object cannot be sent");
        if (r < 0)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        return 0;
}

/* Send the request and read its replies to the end.  The caller holds
 * c->lock. */
static int remote_call(owmi_connection *c, const struct wire_request *wr, struct strbuf *sb,
                       struct call *call, struct owmi_error *err)
{
        uint64_t id = wr->id;
        struct wire_shapes shapes = { .count = 0 };
        bool stopped = false, cancel_sent = false;
        int r = encode_request(wr, sb, err);

        if (r < 0)
                return r;
        r = send_frame(c, sb, err);
        if (r < 0)
                return r;
        for (;;) {
                struct wcbor_reader rd;
                uint64_t type;
                size_t len, count;

                r = next_frame_for(c, id, 0, &type, &rd, &len, err);
                if (r < 0)
                        return r;
                if (type == WIRE_MSG_OBJECTS || type == WIRE_MSG_NAMES) {
                        if (wcbor_get_array(&rd, SIZE_MAX, &count) < 0)
                                return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                   "the server sent a malformed message", "");
                        for (size_t i = 0; i < count; i++) {
                                if (type == WIRE_MSG_OBJECTS) {
                                        struct cim_object *obj;

                                        if (wire_get_item(&rd, &shapes, &obj) < 0) {
                                                wire_shapes_reset(&shapes);
                                                return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                                   "the server sent a malformed object", "");
                                        }
                                        if (stopped || !call->cb)
                                                cim_object_free(obj);
                                        else if (call->cb((owmi_object *) obj, call->userdata))
                                                stopped = true;
                                } else {
                                        char *name;

                                        if (wcbor_get_text(&rd, WIRE_TEXT_MAX, &name) < 0)
                                                return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                                   "the server sent a malformed name", "");
                                        if (!stopped && call->name_cb &&
                                            call->name_cb(name, call->userdata))
                                                stopped = true;
                                        owmi_free(name);
                                }
                                if (stopped && !cancel_sent) {
                                        send_cancel(c, id);
                                        cancel_sent = true;
                                }
                        }
                        wire_shapes_reset(&shapes);
                        consume_frame(c, len);
                        continue;
                }
                if (type == WIRE_MSG_DONE) {
                        uint64_t status;
                        char *msg = NULL;

                        if (wcbor_get_uint(&rd, &status) < 0 ||
                            wcbor_get_text(&rd, WIRE_TEXT_MAX, &msg) < 0)
                                return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                   "the server sent a malformed reply", "");
                        if (status) {
                                r = owmi_error_set(err, (uint32_t) status, "%s", msg);
                        } else if (wcbor_take_null(&rd)) {
                                r = 0;
                        } else {
                                struct wcbor_reader peek = rd;
                                struct wcbor_item it;

                                r = 0;
                                if (wcbor_next(&peek, &it) == 0 && it.kind == WCBOR_TEXT)
                                        r = wcbor_get_text(&rd, WIRE_TEXT_MAX, &call->result_text);
                                else
                                        r = wire_get_object(&rd, &call->result_obj);
                                if (r < 0) {
                                        owmi_free(msg);
                                        return mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                           "the server sent a malformed result", "");
                                }
                        }
                        owmi_free(msg);
                        consume_frame(c, len);
                        if (r >= 0 && stopped)
                                r = owmi_error_set(err, OWMI_E_CALL_CANCELLED, "stopped by the caller");
                        return r;
                }
                consume_frame(c, len);
        }
}

/* ---- connecting ---------------------------------------------------------- */

static int connect_socket(const char *path, int *ret)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int e = -errno;

                close(fd);
                return e;
        }
        *ret = fd;
        return 0;
}

static int connect_tcp(const char *host, unsigned port, int *ret, struct owmi_error *err)
{
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
        struct addrinfo *res = NULL;
        char service[16];
        int fd = -1, e = 0, g;

        snprintf(service, sizeof(service), "%u", port);
        g = getaddrinfo(host, service, &hints, &res);
        if (g != 0)
                return owmi_error_set(err, OWMI_E_TRANSPORT_FAILURE, "cannot find host '%s': %s", host,
                                      gai_strerror(g));
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
                struct timeval tv = { .tv_sec = CONNECT_TIMEOUT_MS / 1000 };
                int one = 1;

                fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
                if (fd < 0)
                        continue;
                /* bounded waits while connecting and shaking hands */
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                        e = errno;
                        close(fd);
                        fd = -1;
                }
        }
        freeaddrinfo(res);
        if (fd < 0)
                return owmi_error_set(err, OWMI_E_TRANSPORT_FAILURE, "cannot reach %s:%u: %s", host, port,
                                      strerror(e ? e : ECONNREFUSED));
        *ret = fd;
        return 0;
}

static int tls_failure(struct owmi_error *err, const char *host, const char *what)
{
        char buf[256] = "";
        unsigned long e = ERR_get_error();

        if (e)
                ERR_error_string_n(e, buf, sizeof(buf));
        ERR_clear_error();
        return owmi_error_set(err, OWMI_E_TRANSPORT_FAILURE, "TLS with %s: %s%s%s", host, what,
                              buf[0] ? ": " : "", buf);
}

/* TLS over c->fd, the server's certificate verified for host. */
static int start_tls(owmi_connection *c, const char *host, const char *ca_file, struct owmi_error *err)
{
        struct in6_addr addr6;
        struct in_addr addr4;
        long verify;

        c->ssl_ctx = SSL_CTX_new(TLS_client_method());
        if (!c->ssl_ctx)
                return tls_failure(err, host, "no context");
        SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
        if (!ca_file || !*ca_file)
                ca_file = getenv("OWMI_CA");
        if (ca_file && *ca_file ? SSL_CTX_load_verify_locations(c->ssl_ctx, ca_file, NULL) != 1
                                : SSL_CTX_set_default_verify_paths(c->ssl_ctx) != 1)
                return tls_failure(err, host, "cannot load the trusted certificates");
        c->ssl = SSL_new(c->ssl_ctx);
        if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
                return tls_failure(err, host, "no session");
        if (inet_pton(AF_INET, host, &addr4) == 1 || inet_pton(AF_INET6, host, &addr6) == 1) {
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host);
        } else {
                SSL_set_tlsext_host_name(c->ssl, host);
                SSL_set1_host(c->ssl, host);
        }
        if (SSL_connect(c->ssl) != 1) {
                verify = SSL_get_verify_result(c->ssl);
                if (verify != X509_V_OK) {
                        ERR_clear_error();
                        return owmi_error_set(err, OWMI_E_TRANSPORT_FAILURE,
                                              "the certificate of %s does not verify: %s", host,
                                              X509_verify_cert_error_string(verify));
                }
                return tls_failure(err, host, "handshake failed");
        }
        return 0;
}

static int hello(owmi_connection *c, const struct owmi_connect_options *o, struct owmi_error *err)
{
        struct strbuf sb;
        struct wcbor_reader rd;
        uint64_t type, version, uid;
        size_t len, count;
        char *server = NULL, *user = NULL;
        int r;

        struct wire_hello h = {
                .version = WIRE_VERSION,
                .client = (char *) "libowmi",
                .privileges = (char **) o->privileges,
                .privilege_count = o->privilege_count,
                .user = (char *) o->user,
                .password = (char *) o->password,
        };

        strbuf_init(&sb);
        r = wire_hello_encode(&h, &sb);
        if (r < 0)
                r = owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "the credentials are too long");
        else
                r = send_frame(c, &sb, err);
        if (sb.buf && o->password)
                explicit_bzero(sb.buf, sb.len);
        strbuf_release(&sb);
        if (r < 0)
                return r;
        r = read_frame(c, owmi_monotonic_ms() + 30000, &len, err);
        if (r == -ETIMEDOUT)
                return owmi_error_set(err, OWMI_E_TRANSPORT_FAILURE, "the server did not answer");
        if (r < 0)
                return r;
        wcbor_reader_init(&rd, c->rbuf + WIRE_FRAME_HEADER, len);
        if (wcbor_get_array(&rd, 16, &count) < 0 || wcbor_get_uint(&rd, &type) < 0)
                return owmi_error_set(err, OWMI_E_TRANSPORT_FAILURE, "the server sent a malformed reply");
        if (type == WIRE_MSG_GOODBYE) {
                uint64_t status = OWMI_E_TRANSPORT_FAILURE;
                char *msg = NULL;

                wcbor_get_uint(&rd, &status);
                wcbor_get_text(&rd, 1024, &msg);
                r = owmi_error_set(err, (uint32_t) status, "%s", msg ? msg : "refused");
                owmi_free(msg);
                return r;
        }
        if (type != WIRE_MSG_WELCOME || count < 5 || wcbor_get_uint(&rd, &version) < 0 ||
            wcbor_get_text(&rd, 256, &server) < 0 || wcbor_get_text(&rd, 256, &user) < 0 ||
            wcbor_get_uint(&rd, &uid) < 0) {
                owmi_free(server);
                return owmi_error_set(err, OWMI_E_TRANSPORT_FAILURE, "the server sent a malformed welcome");
        }
        snprintf(c->user, sizeof(c->user), "%s", user);
        owmi_free(server);
        owmi_free(user);
        consume_frame(c, len);
        return 0;
}

static int open_in_process(owmi_connection *c, const struct owmi_connect_options *o,
                           struct owmi_error *err)
{
        const char *repo = o->repository ? o->repository : getenv("OWMI_REPOSITORY");
        int r;

        if (o->user || o->password)
                return owmi_error_set(err, OWMI_E_LOCAL_CREDENTIALS,
                                      "user credentials cannot be used for local connections");
        cimom_caller_self(&c->caller);
        for (size_t i = 0; i < o->privilege_count; i++) {
                unsigned n = privilege_lookup(o->privileges[i]);

                if (!n)
                        return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "no privilege named '%s'",
                                              o->privileges[i]);
                c->caller.privileges |= (owmi_privileges) 1 << n;
        }
        r = cimom_new(repo && *repo ? repo : NULL, &c->cimom, err);
        if (r < 0)
                return r;
        c->in_process = true;
        snprintf(c->user, sizeof(c->user), "%s", c->caller.user);
        return 0;
}

int owmi_connect(const struct owmi_connect_options *options, owmi_connection **ret,
                 struct owmi_error *err)
{
        static const struct owmi_connect_options none;
        const struct owmi_connect_options *o = options ? options : &none;
        const char *path = o->socket_path;
        bool explicit_socket = true;
        owmi_connection *c;
        int r;

        *ret = NULL;
        if (!path || !*path)
                path = getenv("OWMI_SOCKET");
        if (!path || !*path) {
                path = DEFAULT_SOCKET;
                explicit_socket = false;
        }
        c = owmi_calloc(1, sizeof(*c));
        if (!c)
                return (int) OWMI_E_OUT_OF_MEMORY;
        pthread_mutex_init(&c->lock, NULL);
        c->fd = -1;
        if (o->host && *o->host && strcmp(o->host, ".") != 0) {
                if (o->mode == OWMI_MODE_IN_PROCESS)
                        r = owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                           "an in-process connection is to this machine");
                else
                        r = connect_tcp(o->host, o->port ? o->port : DEFAULT_PORT, &c->fd, err);
                if (r >= 0)
                        r = start_tls(c, o->host, o->ca_file, err);
                if (r >= 0)
                        r = hello(c, o, err);
        } else if (o->mode == OWMI_MODE_IN_PROCESS) {
                r = open_in_process(c, o, err);
        } else {
                r = connect_socket(path, &c->fd);
                if (r < 0 && o->mode == OWMI_MODE_AUTO && !explicit_socket &&
                    (r == -ENOENT || r == -ECONNREFUSED))
                        r = open_in_process(c, o, err);
                else if (r < 0)
                        r = owmi_error_set(err, OWMI_E_TRANSPORT_FAILURE,
                                           "cannot reach the daemon at %s: %s", path, strerror(-r));
                else
                        r = hello(c, o, err);
        }
        if (r < 0) {
                r = status_of(r, err);
                owmi_disconnect(c);
                return r;
        }
        *ret = c;
        return 0;
}

void owmi_disconnect(owmi_connection *c)
{
        if (!c)
                return;
        while (c->watches)
                owmi_watch_close(c->watches);
        for (size_t i = 0; i < NS_CACHE; i++) {
                owmi_free(c->ns_cache[i].name);
                cimom_ns_close(c->ns_cache[i].h);
        }
        cimom_free(c->cimom);
        if (c->ssl) {
                SSL_shutdown(c->ssl);
                SSL_free(c->ssl);
        }
        SSL_CTX_free(c->ssl_ctx);
        ERR_clear_error();
        if (c->fd >= 0)
                close(c->fd);
        owmi_free(c->rbuf);
        pthread_mutex_destroy(&c->lock);
        owmi_free(c);
}

bool owmi_connection_in_process(const owmi_connection *c)
{
        return c->in_process;
}

const char *owmi_connection_user(const owmi_connection *c)
{
        return c->user;
}

/* In-process: the caller's handle on ns (cached; c->lock held). */
static int local_ns(owmi_connection *c, const char *ns, struct cimom_ns **ret, struct owmi_error *err)
{
        size_t slot = 0;
        int r;

        if (!ns)
                ns = "root/cimv2";
        for (size_t i = 0; i < NS_CACHE; i++) {
                if (c->ns_cache[i].name && owmi_streq_ci(c->ns_cache[i].name, ns)) {
                        *ret = c->ns_cache[i].h;
                        return 0;
                }
                if (!c->ns_cache[i].name)
                        slot = i;
        }
        if (c->ns_cache[slot].name) {
                owmi_free(c->ns_cache[slot].name);
                c->ns_cache[slot].name = NULL;
                c->ns_cache[slot].h = cimom_ns_close(c->ns_cache[slot].h);
        }
        r = cimom_open_namespace(c->cimom, ns, &c->caller, ret, err);
        if (r < 0)
                return r;
        c->ns_cache[slot].name = owmi_strdup(ns);
        if (!c->ns_cache[slot].name) {
                *ret = cimom_ns_close(*ret);
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        c->ns_cache[slot].h = *ret;
        return 0;
}

/* The body shared by every operation: lock, run locally or build the
 * request, unlock. */
#define BEGIN_OP(c, ns, h)                                                      \
        struct cimom_ns *h = NULL;                                              \
        struct strbuf sb;                                                       \
        uint64_t id = 0;                                                        \
        int r;                                                                  \
        owmi_error_clear(err);                                                  \
        strbuf_init(&sb);                                                       \
        pthread_mutex_lock(&(c)->lock);                                         \
        if ((c)->in_process) {                                                  \
                r = local_ns(c, ns, &h, err);                                   \
                if (r < 0)                                                      \
                        goto out;                                               \
        } else {                                                                \
                id = ++(c)->next_id;                                            \
        }

#define END_OP(c)                                                               \
out:                                                                            \
        pthread_mutex_unlock(&(c)->lock);                                       \
        strbuf_release(&sb);                                                    \
        return status_of(r, err)

struct sink_adapter {
        owmi_object_cb cb;
        void *userdata;
};

static int adapt_sink(struct cim_object *obj, void *userdata)
{
        struct sink_adapter *a = userdata;

        return a->cb((owmi_object *) obj, a->userdata);
}

static int keep_first(owmi_object *obj, void *userdata)
{
        owmi_object **slot = userdata;

        if (*slot)
                owmi_object_free(obj);
        else
                *slot = obj;
        return 0;
}

int owmi_get_object(owmi_connection *c, const char *ns, const char *path, owmi_object **ret,
                    struct owmi_error *err)
{
        struct call call = { .cb = keep_first, .userdata = ret };

        *ret = NULL;
        BEGIN_OP(c, ns, h)
        if (h) {
                r = cimom_get_object(h, path, (struct cim_object **) ret, err);
        } else {
                struct wire_request wr = { .id = id, .op = WIRE_OP_GET_OBJECT, .ns = (char *) ns,
                                           .arg1 = (char *) path };

                r = remote_call(c, &wr, &sb, &call, err);
                if (r < 0) {
                        owmi_object_free(*ret);
                        *ret = NULL;
                }
        }
        END_OP(c);
}

int owmi_enum_classes(owmi_connection *c, const char *ns, const char *superclass, bool deep,
                      owmi_object_cb cb, void *userdata, struct owmi_error *err)
{
        struct sink_adapter a = { cb, userdata };
        struct call call = { .cb = cb, .userdata = userdata };

        BEGIN_OP(c, ns, h)
        if (h) {
                r = cimom_enum_classes(h, superclass, deep, adapt_sink, &a, err);
        } else {
                struct wire_request wr = { .id = id, .op = WIRE_OP_ENUM_CLASSES, .ns = (char *) ns,
                                           .arg1 = (char *) superclass, .deep = deep };

                r = remote_call(c, &wr, &sb, &call, err);
        }
        END_OP(c);
}

int owmi_enum_instances(owmi_connection *c, const char *ns, const char *class_name, bool deep,
                        owmi_object_cb cb, void *userdata, struct owmi_error *err)
{
        struct sink_adapter a = { cb, userdata };
        struct call call = { .cb = cb, .userdata = userdata };

        BEGIN_OP(c, ns, h)
        if (h) {
                r = cimom_enum_instances(h, class_name, deep, adapt_sink, &a, err);
        } else {
                struct wire_request wr = { .id = id, .op = WIRE_OP_ENUM_INSTANCES, .ns = (char *) ns,
                                           .arg1 = (char *) class_name, .deep = deep };

                r = remote_call(c, &wr, &sb, &call, err);
        }
        END_OP(c);
}

int owmi_exec_query(owmi_connection *c, const char *ns, const char *query, owmi_object_cb cb,
                    void *userdata, struct owmi_error *err)
{
        struct sink_adapter a = { cb, userdata };
        struct call call = { .cb = cb, .userdata = userdata };

        BEGIN_OP(c, ns, h)
        if (h) {
                r = cimom_exec_query(h, "WQL", query, adapt_sink, &a, err);
        } else {
                struct wire_request wr = { .id = id, .op = WIRE_OP_EXEC_QUERY, .ns = (char *) ns,
                                           .arg1 = (char *) "WQL", .arg2 = (char *) query };

                r = remote_call(c, &wr, &sb, &call, err);
        }
        END_OP(c);
}

static int assoc_call(owmi_connection *c, bool associators, const char *ns, const char *path,
                      const struct owmi_assoc_options *o, owmi_object_cb cb, void *userdata,
                      struct owmi_error *err)
{
        struct sink_adapter a = { cb, userdata };
        struct call call = { .cb = cb, .userdata = userdata };

        BEGIN_OP(c, ns, h)
        if (h) {
                struct cimom_assoc_params p = { 0 };

                if (o) {
                        p.assoc_class = o->assoc_class;
                        p.result_class = o->result_class;
                        p.role = o->role;
                        p.result_role = o->result_role;
                        p.required_qualifier = o->required_qualifier;
                        p.required_assoc_qualifier = o->required_assoc_qualifier;
                        p.class_defs_only = o->class_defs_only;
                        p.keys_only = o->keys_only;
                        p.schema_only = o->schema_only;
                }
                r = (associators ? cimom_associators : cimom_references)(h, path, &p, adapt_sink,
                                                                         &a, err);
        } else {
                struct wire_request wr = {
                        .id = id, .op = associators ? WIRE_OP_ASSOCIATORS : WIRE_OP_REFERENCES,
                        .ns = (char *) ns, .arg1 = (char *) path,
                };

                if (o) {
                        wr.assoc[WIRE_ASSOC_CLASS] = (char *) o->assoc_class;
                        wr.assoc[WIRE_RESULT_CLASS] = (char *) o->result_class;
                        wr.assoc[WIRE_ROLE] = (char *) o->role;
                        wr.assoc[WIRE_RESULT_ROLE] = (char *) o->result_role;
                        wr.assoc[WIRE_REQUIRED_QUALIFIER] = (char *) o->required_qualifier;
                        wr.assoc[WIRE_REQUIRED_ASSOC_QUALIFIER] = (char *) o->required_assoc_qualifier;
                        wr.class_defs_only = o->class_defs_only;
                        wr.keys_only = o->keys_only;
                        wr.schema_only = o->schema_only;
                }
                r = remote_call(c, &wr, &sb, &call, err);
        }
        END_OP(c);
}

int owmi_associators(owmi_connection *c, const char *ns, const char *path,
                     const struct owmi_assoc_options *o, owmi_object_cb cb, void *userdata,
                     struct owmi_error *err)
{
        return assoc_call(c, true, ns, path, o, cb, userdata, err);
}

int owmi_references(owmi_connection *c, const char *ns, const char *path,
                    const struct owmi_assoc_options *o, owmi_object_cb cb, void *userdata,
                    struct owmi_error *err)
{
        return assoc_call(c, false, ns, path, o, cb, userdata, err);
}

int owmi_put_instance(owmi_connection *c, const char *ns, const owmi_object *inst, unsigned flags,
                      const char *const *properties, size_t property_count, char **ret_path,
                      struct owmi_error *err)
{
        struct call call = { 0 };

        if (ret_path)
                *ret_path = NULL;
        BEGIN_OP(c, ns, h)
        if (h) {
                char *path = NULL;

                r = cimom_put_instance(h, CO(inst), flags, properties, property_count, &path, err);
                if (r >= 0 && ret_path && path) {
                        *ret_path = strdup(path);
                        if (!*ret_path)
                                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                }
                owmi_free(path);
        } else {
                struct wire_request wr = { .id = id, .op = WIRE_OP_PUT_INSTANCE, .ns = (char *) ns,
                                           .object = (struct cim_object *) CO(inst), .flags = flags,
                                           .properties = (char **) properties,
                                           .property_count = property_count };

                r = remote_call(c, &wr, &sb, &call, err);
                if (r >= 0 && ret_path && call.result_text) {
                        *ret_path = strdup(call.result_text);
                        if (!*ret_path)
                                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                }
                owmi_free(call.result_text);
                cim_object_free(call.result_obj);
        }
        END_OP(c);
}

static int name_op(owmi_connection *c, const char *ns, unsigned op, const char *name,
                   struct owmi_error *err)
{
        struct call call = { 0 };

        BEGIN_OP(c, ns, h)
        if (h) {
                switch (op) {
                case WIRE_OP_DELETE_INSTANCE: r = cimom_delete_instance(h, name, err); break;
                case WIRE_OP_DELETE_CLASS: r = cimom_delete_class(h, name, err); break;
                case WIRE_OP_CREATE_NAMESPACE: r = cimom_create_namespace(h, name, err); break;
                default: r = cimom_delete_namespace(h, name, err); break;
                }
        } else {
                struct wire_request wr = { .id = id, .op = op, .ns = (char *) ns, .arg1 = (char *) name };

                r = remote_call(c, &wr, &sb, &call, err);
        }
        END_OP(c);
}

int owmi_delete_instance(owmi_connection *c, const char *ns, const char *path, struct owmi_error *err)
{
        return name_op(c, ns, WIRE_OP_DELETE_INSTANCE, path, err);
}

int owmi_delete_class(owmi_connection *c, const char *ns, const char *name, struct owmi_error *err)
{
        return name_op(c, ns, WIRE_OP_DELETE_CLASS, name, err);
}

int owmi_create_namespace(owmi_connection *c, const char *ns, const char *name, struct owmi_error *err)
{
        return name_op(c, ns, WIRE_OP_CREATE_NAMESPACE, name, err);
}

int owmi_delete_namespace(owmi_connection *c, const char *ns, const char *name, struct owmi_error *err)
{
        return name_op(c, ns, WIRE_OP_DELETE_NAMESPACE, name, err);
}

int owmi_put_class(owmi_connection *c, const char *ns, const owmi_object *cls, unsigned flags,
                   struct owmi_error *err)
{
        struct call call = { 0 };

        BEGIN_OP(c, ns, h)
        if (h) {
                r = cimom_put_class(h, CO(cls), flags, err);
        } else {
                struct wire_request wr = { .id = id, .op = WIRE_OP_PUT_CLASS, .ns = (char *) ns,
                                           .object = (struct cim_object *) CO(cls), .flags = flags };

                r = remote_call(c, &wr, &sb, &call, err);
        }
        END_OP(c);
}

int owmi_exec_method(owmi_connection *c, const char *ns, const char *path, const char *method,
                     const owmi_object *in, owmi_object **ret_out, struct owmi_error *err)
{
        struct call call = { 0 };

        *ret_out = NULL;
        BEGIN_OP(c, ns, h)
        if (h) {
                r = cimom_exec_method(h, path, method, CO(in), (struct cim_object **) ret_out, err);
        } else {
                struct wire_request wr = { .id = id, .op = WIRE_OP_EXEC_METHOD, .ns = (char *) ns,
                                           .arg1 = (char *) path, .arg2 = (char *) method,
                                           .object = (struct cim_object *) CO(in) };

                r = remote_call(c, &wr, &sb, &call, err);
                owmi_free(call.result_text);
                if (r >= 0)
                        *ret_out = (owmi_object *) call.result_obj;
                else
                        cim_object_free(call.result_obj);
        }
        END_OP(c);
}

int owmi_enum_namespaces(owmi_connection *c, const char *ns, owmi_name_cb cb, void *userdata,
                         struct owmi_error *err)
{
        struct call call = { .name_cb = cb, .userdata = userdata };

        BEGIN_OP(c, ns, h)
        if (h) {
                r = cimom_enum_namespaces(h, cb, userdata, err);
        } else {
                struct wire_request wr = { .id = id, .op = WIRE_OP_ENUM_NAMESPACES, .ns = (char *) ns };

                r = remote_call(c, &wr, &sb, &call, err);
        }
        END_OP(c);
}

int owmi_compile_mof(owmi_connection *c, const char *ns, const char *name, const char *text,
                     bool check_only, owmi_name_cb diag, void *userdata, char **ret_summary,
                     struct owmi_error *err)
{
        struct call call = { .name_cb = diag, .userdata = userdata };
        char *summary = NULL;

        if (ret_summary)
                *ret_summary = NULL;
        BEGIN_OP(c, ns, h)
        if (h) {
                r = cimom_compile_mof(h, name, text, strlen(text), check_only, diag, userdata,
                                      &summary, err);
        } else {
                struct wire_request wr = { .id = id, .op = WIRE_OP_COMPILE_MOF, .ns = (char *) ns,
                                           .arg1 = (char *) name, .arg2 = (char *) text,
                                           .deep = check_only };

                r = remote_call(c, &wr, &sb, &call, err);
                summary = call.result_text;
                cim_object_free(call.result_obj);
        }
        if (r >= 0 && ret_summary && summary) {
                *ret_summary = strdup(summary);
                if (!*ret_summary)
                        r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        }
        owmi_free(summary);
        END_OP(c);
}

/* ---- events --------------------------------------------------------------- */

int owmi_subscribe(owmi_connection *c, const char *ns, const char *query, size_t queue_max,
                   owmi_watch **ret, struct owmi_error *err)
{
        struct owmi_watch *w;

        *ret = NULL;
        w = owmi_calloc(1, sizeof(*w));
        if (!w)
                return (int) OWMI_E_OUT_OF_MEMORY;
        w->conn = c;
        w->max = queue_max ? (queue_max > 100000 ? 100000 : queue_max) : WATCH_DEFAULT_QUEUE;
        {
                BEGIN_OP(c, ns, h)
                if (h) {
                        struct cimom_events_options opts = { .queue_max = w->max };

                        r = cimom_exec_notification_query(h, "WQL", query, &opts, &w->events, err);
                } else {
                        struct wcbor_reader rd;
                        uint64_t type;
                        size_t len;

                        w->queue = owmi_calloc(w->max, sizeof(*w->queue));
                        if (!w->queue) {
                                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                                goto out;
                        }
                        struct wire_request wr = { .id = id, .op = WIRE_OP_SUBSCRIBE, .ns = (char *) ns,
                                                   .arg1 = (char *) "WQL", .arg2 = (char *) query,
                                                   .queue_max = w->max };

                        w->id = id;
                        r = encode_request(&wr, &sb, err);
                        if (r < 0)
                                goto out;
                        r = send_frame(c, &sb, err);
                        if (r < 0)
                                goto out;
                        r = next_frame_for(c, id, 0, &type, &rd, &len, err);
                        if (r < 0)
                                goto out;
                        if (type == WIRE_MSG_DONE) {
                                uint64_t status = OWMI_E_FAILED;
                                char *msg = NULL;

                                wcbor_get_uint(&rd, &status);
                                wcbor_get_text(&rd, WIRE_TEXT_MAX, &msg);
                                r = owmi_error_set(err, status ? (uint32_t) status : OWMI_E_FAILED,
                                                   "%s", msg ? msg : "");
                                owmi_free(msg);
                        } else if (type != WIRE_MSG_ACCEPTED) {
                                r = mark_broken(c, err, OWMI_E_TRANSPORT_FAILURE,
                                                "the server sent an unexpected reply", "");
                        }
                        if (r != -EPIPE)
                                consume_frame(c, len);
                }
                if (r >= 0) {
                        w->next = c->watches;
                        c->watches = w;
                        *ret = w;
                        w = NULL;
                }
out:
                pthread_mutex_unlock(&c->lock);
                strbuf_release(&sb);
                if (w) {
                        owmi_free(w->queue);
                        owmi_free(w);
                }
                return status_of(r, err);
        }
}

static struct cim_object *overflow_event(uint64_t dropped)
{
        struct cim_object *cls = cim_object_new_class("__EventQueueOverflowEvent", "__EventDroppedEvent");
        struct cim_object *inst;
        struct cim_property *p;
        struct cim_value v;

        if (!cls)
                return NULL;
        p = cim_object_add_property(cls, "NumberDropped");
        if (p)
                p->type = CIM_TYPE_UINT32;
        inst = p ? cim_object_spawn_instance(cls) : NULL;
        cim_object_free(cls);
        if (!inst)
                return NULL;
        cim_value_set_uint(&v, CIM_TYPE_UINT32, dropped > UINT32_MAX ? UINT32_MAX : dropped);
        cim_object_set_value(inst, "NumberDropped", &v, NULL);
        return inst;
}

int owmi_watch_next(owmi_watch *w, int timeout_ms, owmi_object **ret, struct owmi_error *err)
{
        owmi_connection *c = w->conn;
        uint64_t deadline = timeout_ms >= 0 ? owmi_monotonic_ms() + (uint64_t) timeout_ms : 0;
        int r = 0;

        *ret = NULL;
        owmi_error_clear(err);
        if (w->events)
                return status_of(cimom_events_next(w->events, timeout_ms, (struct cim_object **) ret, err), err);
        pthread_mutex_lock(&c->lock);
        for (;;) {
                struct wcbor_reader rd;
                uint64_t type;
                size_t len;

                if (w->dropped) {
                        *ret = (owmi_object *) overflow_event(w->dropped);
                        w->dropped = 0;
                        r = *ret ? 0 : owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                        break;
                }
                if (w->count) {
                        *ret = (owmi_object *) w->queue[w->head];
                        w->head = (w->head + 1) % w->max;
                        w->count--;
                        break;
                }
                if (w->ended) {
                        if (err)
                                *err = w->end;
                        r = -ECANCELED;
                        break;
                }
                /* an id of no request: every frame goes to its watch */
                r = next_frame_for(c, 0, deadline, &type, &rd, &len, err);
                if (r == -EAGAIN) {
                        r = 0;
                        continue;       /* routed to a watch: this one's queue may have it */
                }
                if (r == -ETIMEDOUT) {
                        r = owmi_error_set(err, OWMI_E_EVENT_TIMED_OUT, "no event within %d ms",
                                           timeout_ms);
                        break;
                }
                if (r < 0)
                        break;
                consume_frame(c, len);
        }
        pthread_mutex_unlock(&c->lock);
        return status_of(r, err);
}

void owmi_watch_close(owmi_watch *w)
{
        owmi_connection *c;

        if (!w)
                return;
        c = w->conn;
        pthread_mutex_lock(&c->lock);
        for (struct owmi_watch **p = &c->watches; *p; p = &(*p)->next) {
                if (*p == w) {
                        *p = w->next;
                        break;
                }
        }
        if (!c->in_process && !w->ended && !c->broken)
                send_cancel(c, w->id);
        pthread_mutex_unlock(&c->lock);
        if (w->events)
                cimom_events_close(w->events);
        for (size_t i = 0; i < w->count; i++)
                cim_object_free(w->queue[(w->head + i) % w->max]);
        owmi_free(w->queue);
        owmi_free(w);
}
