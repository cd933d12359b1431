/* SPDX-License-Identifier: MIT */
/*
 * hosting.c: provider host processes, both sides.  The daemon side is the
 * object manager's provider proxy: it forwards an operation as a
 * REQUEST_AS message (the native protocol, with the caller) over a socket
 * pair and reads the replies with a deadline.  The host side is a small
 * blocking server around its own object manager, in which the provider is
 * loaded as usual.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/util.h"
#include "server/hosting.h"
#include "wire/message.h"
#include "wire/object.h"
#include "wire/protocol.h"

#define MAX_HOSTS 32
#define HOST_FD 3

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OWMI_HAS_ASAN 1
#endif
#endif
#ifndef OWMI_HAS_ASAN
#define OWMI_HAS_ASAN 0
#endif

struct provider_host {
        char name[128];
        pthread_mutex_t lock;           /* one request at a time */
        pid_t pid;                      /* 0: not running */
        int fd;
        uint64_t next_id;
        unsigned char *rbuf;
        size_t rlen, ralloc;
};

struct hosting {
        char exe[4096];
        char *repository;
        char **names;                   /* isolated_providers */
        size_t name_count;
        unsigned timeout_s;
        unsigned memory_mb;
        pthread_mutex_t lock;
        struct provider_host hosts[MAX_HOSTS];
        size_t count;
};

int hosting_new(const struct server_config *cfg, struct hosting **ret)
{
        struct hosting *hg = owmi_calloc(1, sizeof(*hg));
        char *list, *save = NULL;
        ssize_t n;

        if (!hg)
                return -ENOMEM;
        pthread_mutex_init(&hg->lock, NULL);
        n = readlink("/proc/self/exe", hg->exe, sizeof(hg->exe) - 1);
        if (n <= 0) {
                owmi_free(hg);
                return -errno;
        }
        hg->exe[n] = '\0';
        hg->repository = cfg->repository ? owmi_strdup(cfg->repository) : NULL;
        hg->timeout_s = cfg->provider_timeout;
        hg->memory_mb = cfg->provider_memory_limit;
        list = owmi_strdup(cfg->isolated_providers ? cfg->isolated_providers : "");
        if (!list)
                return -ENOMEM;
        for (char *tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
                char **names = owmi_realloc(hg->names, (hg->name_count + 1) * sizeof(char *));

                if (!names)
                        break;
                hg->names = names;
                hg->names[hg->name_count++] = owmi_strdup(tok);
        }
        owmi_free(list);
        *ret = hg;
        return 0;
}

static void host_stop(struct provider_host *ph, int *ret_status)
{
        int status = 0;

        if (ph->pid > 0) {
                kill(ph->pid, SIGKILL);
                while (waitpid(ph->pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }
        if (ph->fd >= 0)
                close(ph->fd);
        ph->pid = 0;
        ph->fd = -1;
        ph->rlen = 0;
        if (ret_status)
                *ret_status = status;
}

void hosting_free(struct hosting *hg)
{
        if (!hg)
                return;
        for (size_t i = 0; i < hg->count; i++) {
                host_stop(&hg->hosts[i], NULL);
                owmi_free(hg->hosts[i].rbuf);
                pthread_mutex_destroy(&hg->hosts[i].lock);
        }
        for (size_t i = 0; i < hg->name_count; i++)
                owmi_free(hg->names[i]);
        owmi_free(hg->names);
        owmi_free(hg->repository);
        pthread_mutex_destroy(&hg->lock);
        owmi_free(hg);
}

static bool serves(void *userdata, const char *provider)
{
        struct hosting *hg = userdata;

        for (size_t i = 0; i < hg->name_count; i++)
                if (owmi_streq_ci(hg->names[i], provider))
                        return true;
        return false;
}

static struct provider_host *host_of(struct hosting *hg, const char *provider)
{
        struct provider_host *ph = NULL;

        pthread_mutex_lock(&hg->lock);
        for (size_t i = 0; i < hg->count && !ph; i++)
                if (owmi_streq_ci(hg->hosts[i].name, provider))
                        ph = &hg->hosts[i];
        if (!ph && hg->count < MAX_HOSTS) {
                ph = &hg->hosts[hg->count++];
                snprintf(ph->name, sizeof(ph->name), "%s", provider);
                pthread_mutex_init(&ph->lock, NULL);
                ph->fd = -1;
        }
        pthread_mutex_unlock(&hg->lock);
        return ph;
}

/* With ph->lock held. */
static int host_start(struct hosting *hg, struct provider_host *ph, struct owmi_error *err)
{
        char *argv[8];
        size_t n = 0;
        int sv[2];
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return owmi_error_set(err, OWMI_E_PROVIDER_FAILURE, "cannot start a provider host: %s",
                                      strerror(errno));
        argv[n++] = (char *) "owmid";
        argv[n++] = (char *) "--provider-host";
        argv[n++] = ph->name;
        if (hg->repository) {
                argv[n++] = (char *) "--repository";
                argv[n++] = hg->repository;
        }
        argv[n] = NULL;
        pid = fork();
        if (pid < 0) {
                close(sv[0]);
                close(sv[1]);
                return owmi_error_set(err, OWMI_E_PROVIDER_FAILURE, "cannot start a provider host: %s",
                                      strerror(errno));
        }
        if (pid == 0) {
                /* only what is safe between fork and exec in a threaded process */
                sigset_t none;

                if (dup2(sv[1], HOST_FD) < 0)
                        _exit(127);
                close_range(HOST_FD + 1, ~0U, 0);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                signal(SIGPIPE, SIG_DFL);
#if !defined(__SANITIZE_ADDRESS__) && !OWMI_HAS_ASAN
                /* a hard ceiling; AddressSanitizer's shadow memory would not fit */
                if (hg->memory_mb) {
                        rlim_t bytes = (rlim_t) hg->memory_mb << 20;
                        struct rlimit lim = { bytes * 4, bytes * 4 };

                        setrlimit(RLIMIT_AS, &lim);
                }
#endif
                execv(hg->exe, argv);
                _exit(127);
        }
        close(sv[1]);
        ph->pid = pid;
        ph->fd = sv[0];
        ph->rlen = 0;
        server_log(SERVER_LOG_NOTICE, "provider '%s': host process %d started", ph->name, (int) pid);
        return 0;
}

/* The host is gone or stuck: stop it, say why, fail the request. */
static int host_failed(struct hosting *hg, struct provider_host *ph, bool timed_out,
                       struct owmi_error *err)
{
        int status = 0;
        char why[96];

        host_stop(ph, &status);
        if (timed_out)
                snprintf(why, sizeof(why), "did not answer within %u s", hg->timeout_s);
        else if (WIFSIGNALED(status))
                snprintf(why, sizeof(why), "crashed (signal %d, %s)", WTERMSIG(status),
                         strsignal(WTERMSIG(status)));
        else
                snprintf(why, sizeof(why), "stopped (exit status %d)",
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        server_log(SERVER_LOG_WARNING, "provider '%s' %s; its host starts again on the next request",
                   ph->name, why);
        return owmi_error_set(err, OWMI_E_PROVIDER_FAILURE,
                              "provider '%s' %s; it starts again on the next request", ph->name, why);
}

static int write_all(int fd, const void *data, size_t len, uint64_t deadline)
{
        size_t off = 0;

        while (off < len) {
                struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                uint64_t now = owmi_monotonic_ms();
                ssize_t n;

                if (now >= deadline)
                        return -ETIMEDOUT;
                if (poll(&pfd, 1, (int) (deadline - now)) <= 0)
                        continue;
                n = send(fd, (const char *) data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n <= 0)
                        return -EPIPE;
                off += (size_t) n;
        }
        return 0;
}

/* The next whole frame from the host (payload at rbuf + 4, *ret_len). */
static int read_reply(struct provider_host *ph, uint64_t deadline, size_t *ret_len)
{
        for (;;) {
                if (ph->rlen >= WIRE_FRAME_HEADER) {
                        uint32_t len = wire_frame_length(ph->rbuf);

                        if (len == 0 || len > WIRE_RESPONSE_MAX)
                                return -EBADMSG;
                        if (ph->rlen >= WIRE_FRAME_HEADER + (size_t) len) {
                                *ret_len = len;
                                return 0;
                        }
                        if (ph->ralloc < WIRE_FRAME_HEADER + (size_t) len) {
                                unsigned char *p = owmi_realloc(ph->rbuf, WIRE_FRAME_HEADER + (size_t) len);

                                if (!p)
                                        return -ENOMEM;
                                ph->rbuf = p;
                                ph->ralloc = WIRE_FRAME_HEADER + (size_t) len;
                        }
                }
                if (ph->ralloc - ph->rlen < 4096) {
                        size_t want = ph->ralloc ? ph->ralloc * 2 : 65536;
                        unsigned char *p = owmi_realloc(ph->rbuf, want);

                        if (!p)
                                return -ENOMEM;
                        ph->rbuf = p;
                        ph->ralloc = want;
                }
                {
                        struct pollfd pfd = { .fd = ph->fd, .events = POLLIN };
                        uint64_t now = owmi_monotonic_ms();
                        ssize_t n;

                        if (now >= deadline)
                                return -ETIMEDOUT;
                        n = poll(&pfd, 1, (int) (deadline - now));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n == 0)
                                return -ETIMEDOUT;
                        n = recv(ph->fd, ph->rbuf + ph->rlen, ph->ralloc - ph->rlen, 0);
                        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (n <= 0)
                                return -EPIPE;
                        ph->rlen += (size_t) n;
                }
        }
}

static void consume(struct provider_host *ph, size_t len)
{
        memmove(ph->rbuf, ph->rbuf + WIRE_FRAME_HEADER + len, ph->rlen - WIRE_FRAME_HEADER - len);
        ph->rlen -= WIRE_FRAME_HEADER + len;
}

static unsigned long host_rss_mb(pid_t pid)
{
        char path[64], line[256];
        unsigned long kb = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "VmRSS: %lu kB", &kb) == 1)
                        break;
        fclose(f);
        return kb / 1024;
}

static void to_wire_caller(const struct cimom_caller *c, struct wire_caller *w)
{
        memset(w, 0, sizeof(*w));
        w->uid = (uint32_t) c->uid;
        w->gid = (uint32_t) c->gid;
        w->group_count = c->group_count < 64 ? c->group_count : 64;
        for (size_t i = 0; i < w->group_count; i++)
                w->groups[i] = (uint32_t) c->groups[i];
        snprintf(w->user, sizeof(w->user), "%s", c->user);
        w->capabilities = c->capabilities;
        w->privileges = c->privileges;
        w->remote = c->remote;
}

/* Run one request in the provider's host: results to sink, a method's
 * out-parameters or a put's path to *ret_obj / nothing. */
static int forward(struct hosting *hg, const char *provider, const struct cimom_caller *caller,
                   struct wire_request *wr, cimom_sink sink, void *sink_data,
                   struct cim_object **ret_obj, struct owmi_error *err)
{
        struct provider_host *ph = host_of(hg, provider);
        struct wire_caller wc;
        struct wire_shapes shapes = { .count = 0 };
        struct strbuf sb = STRBUF_INIT;
        uint64_t deadline;
        bool stopped = false;
        int r;

        if (!ph)
                return owmi_error_set(err, OWMI_E_PROVIDER_FAILURE, "too many provider hosts");
        to_wire_caller(caller, &wc);
        pthread_mutex_lock(&ph->lock);
        deadline = owmi_monotonic_ms() + (uint64_t) (hg->timeout_s ? hg->timeout_s : 86400) * 1000;
        wr->id = ++ph->next_id;
        r = ph->pid ? 0 : host_start(hg, ph, err);
        if (r >= 0 && wire_request_as_encode(&wc, wr, &sb) < 0)
                r = owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "the request cannot be sent");
        if (r >= 0 && write_all(ph->fd, sb.buf, sb.len, deadline) < 0)
                r = host_failed(hg, ph, owmi_monotonic_ms() >= deadline, err);
        while (r >= 0) {
                struct wcbor_reader rd;
                uint64_t type, id, status;
                size_t len, count;
                char *msg = NULL;

                r = read_reply(ph, deadline, &len);
                if (r < 0) {
                        r = host_failed(hg, ph, r == -ETIMEDOUT, err);
                        break;
                }
                wcbor_reader_init(&rd, ph->rbuf + WIRE_FRAME_HEADER, len);
                if (wcbor_get_array(&rd, 8, &count) < 0 || wcbor_get_uint(&rd, &type) < 0 ||
                    wcbor_get_uint(&rd, &id) < 0 || id != wr->id) {
                        r = host_failed(hg, ph, false, err);
                        break;
                }
                if (type == WIRE_MSG_OBJECTS) {
                        size_t n;

                        if (wcbor_get_array(&rd, SIZE_MAX, &n) < 0) {
                                r = host_failed(hg, ph, false, err);
                                break;
                        }
                        for (size_t i = 0; i < n && r >= 0; i++) {
                                struct cim_object *obj;

                                if (wire_get_item(&rd, &shapes, &obj) < 0) {
                                        r = host_failed(hg, ph, false, err);
                                        break;
                                }
                                if (stopped || !sink) {
                                        cim_object_free(obj);
                                } else if (sink(obj, sink_data) != 0) {
                                        /* the caller wants no more: the host is told */
                                        struct strbuf c = STRBUF_INIT;

                                        stopped = true;
                                        if (wire_cancel_encode(wr->id, &c) == 0)
                                                write_all(ph->fd, c.buf, c.len, deadline);
                                        strbuf_release(&c);
                                }
                        }
                        wire_shapes_reset(&shapes);
                        if (r >= 0)
                                consume(ph, len);
                        continue;
                }
                if (type != WIRE_MSG_DONE || wcbor_get_uint(&rd, &status) < 0 ||
                    wcbor_get_text(&rd, OWMI_ERROR_MESSAGE_MAX, &msg) < 0) {
                        r = host_failed(hg, ph, false, err);
                        break;
                }
                if (status) {
                        r = owmi_error_set(err, (uint32_t) status, "%s", msg);
                } else if (ret_obj && !wcbor_take_null(&rd)) {
                        r = wire_get_object(&rd, ret_obj) < 0 ? host_failed(hg, ph, false, err) : 0;
                }
                owmi_free(msg);
                if (ph->fd >= 0)
                        consume(ph, len);
                if (r >= 0 && stopped)
                        r = owmi_error_set(err, OWMI_E_CALL_CANCELLED, "the operation was cancelled");
                break;
        }
        wire_shapes_reset(&shapes);
        /* a host that grew past its limit (a leak) starts afresh */
        if (ph->pid > 0 && hg->memory_mb) {
                unsigned long rss = host_rss_mb(ph->pid);

                if (rss > hg->memory_mb) {
                        server_log(SERVER_LOG_WARNING, "provider '%s' grew to %lu MiB (limit %u); "
                                   "its host starts again on the next request", ph->name, rss,
                                   hg->memory_mb);
                        host_stop(ph, NULL);
                }
        }
        pthread_mutex_unlock(&ph->lock);
        strbuf_release(&sb);
        return r;
}

static int proxy_enumerate(void *ud, const struct cimom_caller *caller, const char *ns,
                           const char *provider, const char *class_name, cimom_sink sink,
                           void *sink_data, struct owmi_error *err)
{
        struct wire_request wr = { .op = WIRE_OP_ENUM_INSTANCES, .ns = (char *) ns,
                                   .arg1 = (char *) class_name, .deep = false };

        return forward(ud, provider, caller, &wr, sink, sink_data, NULL, err);
}

static int keep_one(struct cim_object *obj, void *userdata)
{
        struct cim_object **slot = userdata;

        if (*slot)
                cim_object_free(obj);
        else
                *slot = obj;
        return 0;
}

static int proxy_get(void *ud, const struct cimom_caller *caller, const char *ns,
                     const char *provider, const char *path, struct cim_object **ret,
                     struct owmi_error *err)
{
        struct wire_request wr = { .op = WIRE_OP_GET_OBJECT, .ns = (char *) ns, .arg1 = (char *) path };
        int r;

        *ret = NULL;
        r = forward(ud, provider, caller, &wr, keep_one, ret, NULL, err);
        if (r >= 0 && !*ret)
                r = owmi_error_set(err, OWMI_E_NOT_FOUND, "no instance at that path");
        if (r < 0) {
                cim_object_free(*ret);
                *ret = NULL;
        }
        return r;
}

static int proxy_put(void *ud, const struct cimom_caller *caller, const char *ns,
                     const char *provider, const struct cim_object *inst, unsigned flags,
                     struct owmi_error *err)
{
        struct wire_request wr = { .op = WIRE_OP_PUT_INSTANCE, .ns = (char *) ns,
                                   .object = (struct cim_object *) inst, .flags = flags & 3 };

        return forward(ud, provider, caller, &wr, NULL, NULL, NULL, err);
}

static int proxy_remove(void *ud, const struct cimom_caller *caller, const char *ns,
                        const char *provider, const char *path, struct owmi_error *err)
{
        struct wire_request wr = { .op = WIRE_OP_DELETE_INSTANCE, .ns = (char *) ns,
                                   .arg1 = (char *) path };

        return forward(ud, provider, caller, &wr, NULL, NULL, NULL, err);
}

static int proxy_exec_method(void *ud, const struct cimom_caller *caller, const char *ns,
                             const char *provider, const char *path, const char *method,
                             const struct cim_object *in, struct cim_object **ret_out,
                             struct owmi_error *err)
{
        struct wire_request wr = { .op = WIRE_OP_EXEC_METHOD, .ns = (char *) ns, .arg1 = (char *) path,
                                   .arg2 = (char *) method, .object = (struct cim_object *) in };

        *ret_out = NULL;
        return forward(ud, provider, caller, &wr, NULL, NULL, ret_out, err);
}

const struct cimom_provider_proxy hosting_proxy = {
        .serves = serves,
        .enumerate = proxy_enumerate,
        .get = proxy_get,
        .put = proxy_put,
        .remove = proxy_remove,
        .exec_method = proxy_exec_method,
};

/* ---- the host process ------------------------------------------------------------ */

struct host_reply {
        int fd;
        uint64_t id;
        struct strbuf body;
        size_t count_at, count;
        struct wire_shapes shapes;
        bool cancelled;
};

static int host_write(int fd, const struct strbuf *sb)
{
        size_t off = 0;

        while (off < sb->len) {
                ssize_t n = write(fd, sb->buf + off, sb->len - off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -EPIPE;
                off += (size_t) n;
        }
        return 0;
}

static int host_flush(struct host_reply *hr)
{
        unsigned char *p;
        int r;

        if (!hr->count)
                return 0;
        p = (unsigned char *) hr->body.buf + hr->count_at;
        for (int i = 0; i < 8; i++)
                p[i] = (unsigned char) ((uint64_t) hr->count >> (8 * (7 - i)));
        r = wire_frame_end(&hr->body, 0, WIRE_RESPONSE_MAX);
        if (r >= 0)
                r = host_write(hr->fd, &hr->body);
        strbuf_reset(&hr->body);
        wire_shapes_reset(&hr->shapes);
        hr->count = 0;
        return r;
}

/* A CANCEL waiting from the daemon? */
static bool host_cancelled(struct host_reply *hr)
{
        struct pollfd pfd = { .fd = hr->fd, .events = POLLIN };
        unsigned char head[WIRE_FRAME_HEADER], buf[64];

        if (hr->cancelled)
                return true;
        if (poll(&pfd, 1, 0) <= 0)
                return false;
        /* the daemon sends nothing else while a request runs */
        if (recv(hr->fd, head, sizeof(head), MSG_WAITALL) == (ssize_t) sizeof(head) &&
            wire_frame_length(head) <= sizeof(buf))
                recv(hr->fd, buf, wire_frame_length(head), MSG_WAITALL);
        hr->cancelled = true;
        return true;
}

static int host_sink(struct cim_object *obj, void *userdata)
{
        struct host_reply *hr = userdata;
        int r;

        if (!hr->body.len) {
                static const unsigned char count_head[9] = { 0x9b };

                wire_frame_begin(&hr->body);
                wcbor_put_array(&hr->body, 3);
                wcbor_put_uint(&hr->body, WIRE_MSG_OBJECTS);
                wcbor_put_uint(&hr->body, hr->id);
                hr->count_at = hr->body.len + 1;
                strbuf_add(&hr->body, count_head, sizeof(count_head));
        }
        r = wire_put_item(&hr->body, obj, &hr->shapes);
        cim_object_free(obj);
        if (r < 0)
                return 1;
        hr->count++;
        if (hr->body.len >= WIRE_CHUNK_BYTES && host_flush(hr) < 0)
                return 1;
        return host_cancelled(hr);
}

static void host_done(struct host_reply *hr, int r, const struct owmi_error *err,
                      const struct cim_object *result)
{
        struct strbuf sb = STRBUF_INIT;
        size_t at;

        host_flush(hr);
        wire_frame_begin(&sb);
        wcbor_put_array(&sb, 5);
        wcbor_put_uint(&sb, WIRE_MSG_DONE);
        wcbor_put_uint(&sb, hr->id);
        at = sb.len;
        wcbor_put_uint(&sb, r < 0 ? (err->code ? err->code : owmi_status_from_errno(r)) : 0);
        wcbor_put_text(&sb, r < 0 ? err->message : "");
        if (r < 0 || !result) {
                wcbor_put_null(&sb);
        } else if (wire_put_object(&sb, result) < 0) {
                sb.len = at;
                sb.failed = false;
                wcbor_put_uint(&sb, OWMI_E_PROVIDER_FAILURE);
                wcbor_put_text(&sb, "the provider's result could not be encoded");
                wcbor_put_null(&sb);
        }
        if (wire_frame_end(&sb, 0, WIRE_RESPONSE_MAX) == 0)
                host_write(hr->fd, &sb);
        strbuf_release(&sb);
}

static void host_request(struct cimom *cimom, int fd, const struct wire_client_message *msg)
{
        const struct wire_request *wr = &msg->request;
        struct cimom_caller caller = { 0 };
        struct host_reply hr = { .fd = fd, .id = wr->id };
        struct owmi_error err = { 0 };
        struct cim_object *obj = NULL, *result = NULL;
        struct cimom_ns *h = NULL;
        char *path = NULL;
        int r;

        caller.uid = msg->caller.uid;
        caller.gid = msg->caller.gid;
        caller.group_count = msg->caller.group_count;
        for (size_t i = 0; i < caller.group_count; i++)
                caller.groups[i] = msg->caller.groups[i];
        snprintf(caller.user, sizeof(caller.user), "%s", msg->caller.user);
        caller.capabilities = msg->caller.capabilities;
        caller.privileges = msg->caller.privileges;
        caller.remote = msg->caller.remote;
        strbuf_init(&hr.body);
        r = cimom_open_namespace(cimom, wr->ns, &caller, &h, &err);
        if (r >= 0) {
                switch (wr->op) {
                case WIRE_OP_ENUM_INSTANCES:
                        r = cimom_enum_instances(h, wr->arg1, false, host_sink, &hr, &err);
                        break;
                case WIRE_OP_GET_OBJECT:
                        r = cimom_get_object(h, wr->arg1, &obj, &err);
                        if (r >= 0) {
                                host_sink(obj, &hr);
                                obj = NULL;
                        }
                        break;
                case WIRE_OP_PUT_INSTANCE:
                        r = cimom_put_instance(h, wr->object, (unsigned) wr->flags, NULL, 0, &path, &err);
                        break;
                case WIRE_OP_DELETE_INSTANCE:
                        r = cimom_delete_instance(h, wr->arg1, &err);
                        break;
                case WIRE_OP_EXEC_METHOD:
                        r = cimom_exec_method(h, wr->arg1, wr->arg2, wr->object, &result, &err);
                        break;
                default:
                        r = owmi_error_set(&err, OWMI_E_NOT_SUPPORTED, "not an operation for a provider host");
                        break;
                }
        }
        host_done(&hr, r, &err, result);
        owmi_free(path);
        cim_object_free(obj);
        cim_object_free(result);
        cimom_ns_close(h);
        wire_shapes_reset(&hr.shapes);
        strbuf_release(&hr.body);
}

int provider_host_run(const char *provider, const char *repository)
{
        struct owmi_error err = { 0 };
        struct cimom *cimom;
        unsigned char *frame = NULL;
        int r;

        signal(SIGPIPE, SIG_IGN);
        prctl(PR_SET_NAME, "owmid-provider");
        r = cimom_new(repository, &cimom, &err);
        if (r < 0) {
                server_log(SERVER_LOG_ERR, "provider host for '%s': %s", provider, err.message);
                return r;
        }
        for (;;) {
                unsigned char head[WIRE_FRAME_HEADER];
                struct wire_client_message msg;
                const char *why;
                uint32_t len;

                if (recv(HOST_FD, head, sizeof(head), MSG_WAITALL) != (ssize_t) sizeof(head))
                        break;
                len = wire_frame_length(head);
                if (len == 0 || len > WIRE_REQUEST_MAX)
                        break;
                frame = owmi_malloc(len);
                if (!frame || recv(HOST_FD, frame, len, MSG_WAITALL) != (ssize_t) len)
                        break;
                if (wire_client_message_decode(frame, len, &msg, &why) < 0) {
                        server_log(SERVER_LOG_ERR, "provider host for '%s': %s", provider, why);
                        break;
                }
                owmi_free(frame);
                frame = NULL;
                /* a cancel that arrived after its request ended: nothing to do */
                if (msg.type == WIRE_MSG_REQUEST_AS)
                        host_request(cimom, HOST_FD, &msg);
                wire_client_message_release(&msg);
        }
        owmi_free(frame);
        cimom_free(cimom);
        return 0;
}
