/* SPDX-License-Identifier: MIT */
/*
 * permanent.c: the bindings that run without a client.  One manager thread
 * reconciles the running set with the repository whenever the object
 * manager says a filter, consumer or binding changed (and at start); each
 * running binding has a thread waiting on its event query.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "base/alloc.h"
#include "base/util.h"
#include "cim/render.h"
#include "cimom/security.h"
#include "server/permanent.h"
#include "server/server.h"

#define MAX_BINDINGS 1024

struct binding {
        struct binding *next;
        struct permanent *owner;
        char *key;                       /* namespace | binding path */
        char *fingerprint;               /* MOF of binding, filter, consumer: a change restarts it */
        char *ns;
        struct cim_object *filter;       /* until it starts */
        struct cim_object *consumer;
        struct cimom_caller consumer_caller;
        struct cimom_events *events;
        pthread_t thread;
        bool running;
};

struct permanent {
        struct cimom *cimom;
        pthread_t manager;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        bool stopping;
        uint64_t seen_generation;
        struct binding *bindings;
};

/* ---- templates ------------------------------------------------------------------ */

/* The text of a value for a template: strings as they are, the rest as MOF. */
static void value_text(const struct cim_value *v, struct strbuf *out)
{
        if (v->is_null)
                return;
        if (!v->is_array && (v->type == CIM_TYPE_STRING || v->type == CIM_TYPE_REFERENCE))
                strbuf_addstr(out, v->v.string);
        else if (!v->is_array && v->type == CIM_TYPE_OBJECT && v->v.object)
                cim_object_relpath(v->v.object, out);
        else
                cim_value_format_mof(v, out, 0);
}

/* "TargetInstance.Name": properties through embedded objects; system
 * properties (__CLASS...) too. */
static void lookup(const struct cim_object *obj, const char *path, struct strbuf *out)
{
        char name[256];
        const char *dot;

        while (obj) {
                const struct cim_property *p;
                size_t n;

                dot = strchr(path, '.');
                n = dot ? (size_t) (dot - path) : strlen(path);
                if (n == 0 || n >= sizeof(name))
                        return;
                memcpy(name, path, n);
                name[n] = '\0';
                if (!dot && cim_is_system_property(name)) {
                        struct cim_value v;

                        if (cim_object_system_property(obj, name, &v) == 0) {
                                value_text(&v, out);
                                cim_value_release(&v);
                        }
                        return;
                }
                p = cim_object_find_property(obj, name);
                if (!p)
                        return;
                if (!dot) {
                        value_text(&p->value, out);
                        return;
                }
                if (p->value.is_null || p->value.is_array || p->value.type != CIM_TYPE_OBJECT)
                        return;
                obj = p->value.v.object;
                path = dot + 1;
        }
}

char *permanent_expand(const char *template, const struct cim_object *event)
{
        struct strbuf out = STRBUF_INIT;

        for (const char *p = template ? template : ""; *p; p++) {
                const char *end;
                char path[512];

                if (*p != '%') {
                        strbuf_addch(&out, *p);
                        continue;
                }
                if (p[1] == '%') {          /* %% is a percent sign */
                        strbuf_addch(&out, '%');
                        p++;
                        continue;
                }
                end = strchr(p + 1, '%');
                if (!end || (size_t) (end - p - 1) >= sizeof(path)) {
                        strbuf_addch(&out, '%');
                        continue;
                }
                memcpy(path, p + 1, (size_t) (end - p - 1));
                path[end - p - 1] = '\0';
                lookup(event, path, &out);
                p = end;
        }
        if (strbuf_error(&out) < 0) {
                strbuf_release(&out);
                return NULL;
        }
        return out.buf ? strbuf_detach(&out) : owmi_strdup("");
}

/* ---- consumers --------------------------------------------------------------------- */

static const char *text_prop(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        return p && !p->value.is_null && !p->value.is_array && p->value.type == CIM_TYPE_STRING
                       ? p->value.v.string : NULL;
}

static uint64_t uint_prop(const struct cim_object *obj, const char *name, uint64_t fallback)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        return p && !p->value.is_null && !p->value.is_array && cim_type_is_integer(p->value.type)
                       ? p->value.v.u64 : fallback;
}

/* Open for appending as the creator: this thread's file-system identity
 * (setfsuid is per thread on Linux) is the creator's for the open. */
static int open_as(const struct cimom_caller *who, const char *path, int flags)
{
        int fd, e;

        setfsgid(who->gid);
        setfsuid(who->uid);
        fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0644);
        e = errno;
        setfsuid(0);
        setfsgid(0);
        errno = e;
        return fd;
}

static void log_file(struct binding *b, const struct cim_object *event)
{
        const char *file = text_prop(b->consumer, "Filename");
        uint64_t max = uint_prop(b->consumer, "MaximumFileSize", 65535);
        char *line = permanent_expand(text_prop(b->consumer, "Text"), event);
        struct stat st;
        int fd;

        if (!file || !line) {
                owmi_free(line);
                return;
        }
        /* past the size: the file becomes FILE.001 and a new one starts */
        if (max && stat(file, &st) == 0 && (uint64_t) st.st_size + strlen(line) + 1 > max) {
                char old[4200];

                /* renamed with the creator's rights too */
                snprintf(old, sizeof(old), "%s.001", file);
                setfsgid(b->consumer_caller.gid);
                setfsuid(b->consumer_caller.uid);
                rename(file, old);
                setfsuid(0);
                setfsgid(0);
        }
        fd = open_as(&b->consumer_caller, file, O_WRONLY | O_APPEND | O_CREAT);
        if (fd < 0) {
                server_log(SERVER_LOG_WARNING, "LogFileEventConsumer %s: cannot open %s as %s: %s",
                           b->key, file, b->consumer_caller.user, strerror(errno));
        } else {
                struct strbuf sb = STRBUF_INIT;

                strbuf_addstr(&sb, line);
                strbuf_addch(&sb, '\n');
                if (write(fd, sb.buf, sb.len) < 0)
                        server_log(SERVER_LOG_WARNING, "LogFileEventConsumer %s: %s", b->key,
                                   strerror(errno));
                strbuf_release(&sb);
                close(fd);
        }
        owmi_free(line);
}

/* Run as the creator, never as root for anyone else: the child takes the
 * creator's uid, gid and groups before it runs anything; a grandchild runs
 * the command so nobody waits for it. */
static void command_line(struct binding *b, const struct cim_object *event)
{
        const char *tmpl = text_prop(b->consumer, "CommandLineTemplate");
        const char *exe = text_prop(b->consumer, "ExecutablePath");
        const char *dir = text_prop(b->consumer, "WorkingDirectory");
        char *command = permanent_expand(tmpl ? tmpl : exe, event);
        const struct cimom_caller *who = &b->consumer_caller;
        gid_t groups[64];
        int ngroups = 64, status;
        struct passwd pw, *pwp = NULL;
        char buf[4096];
        pid_t pid;

        if (!command || !*command) {
                owmi_free(command);
                return;
        }
        if (getpwuid_r(who->uid, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp ||
            getgrouplist(pwp->pw_name, who->gid, groups, &ngroups) < 0)
                ngroups = 0;
        pid = fork();
        if (pid == 0) {
                if (setgroups((size_t) ngroups, groups) < 0 || setgid(who->gid) < 0 ||
                    setuid(who->uid) < 0 || (who->uid != 0 && setuid(0) == 0))
                        _exit(126);
                if (fork() != 0)
                        _exit(0);
                setsid();
                if (dir && *dir && chdir(dir) < 0)
                        _exit(126);
                if (tmpl)
                        execl("/bin/sh", "sh", "-c", command, (char *) NULL);
                else
                        execl(command, command, (char *) NULL);
                _exit(127);
        }
        if (pid > 0)
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
        owmi_free(command);
}

static void event_log(struct binding *b, const struct cim_object *event)
{
        const struct cim_property *p = cim_object_find_property(b->consumer, "InsertionStringTemplates");
        const char *source = text_prop(b->consumer, "SourceName");
        uint64_t type = uint_prop(b->consumer, "EventType", 1);
        int priority = type == 1 ? 3 : type == 2 ? 4 : type == 16 ? 5 : 6;
        struct strbuf msg = STRBUF_INIT;

        for (uint32_t i = 0; p && !p->value.is_null && p->value.is_array && i < p->value.count; i++) {
                char *s = p->value.v.items[i].is_null ? NULL
                          : permanent_expand(p->value.v.items[i].v.string, event);

                if (i)
                        strbuf_addch(&msg, ' ');
                strbuf_addstr(&msg, s ? s : "");
                owmi_free(s);
        }
        sd_journal_send("MESSAGE=%s", strbuf_str(&msg), "PRIORITY=%d", priority,
                        "SYSLOG_IDENTIFIER=%s", source ? source : "owmid",
                        "OWMI_EVENT_ID=%u", (unsigned) uint_prop(b->consumer, "EventID", 0),
                        "OWMI_EVENT_CLASS=%s", event->class_name,
                        "OWMI_CONSUMER=%s", b->key,
                        "OWMI_CREATOR_UID=%u", (unsigned) b->consumer_caller.uid, NULL);
        strbuf_release(&msg);
}

static void deliver(struct binding *b, const struct cim_object *event)
{
        if (cim_object_is_a(b->consumer, "LogFileEventConsumer"))
                log_file(b, event);
        else if (cim_object_is_a(b->consumer, "CommandLineEventConsumer"))
                command_line(b, event);
        else if (cim_object_is_a(b->consumer, "NTEventLogEventConsumer"))
                event_log(b, event);
}

static void *binding_main(void *arg)
{
        struct binding *b = arg;

        for (;;) {
                struct owmi_error err = { 0 };
                struct cim_object *event;
                int r = cimom_events_next(b->events, -1, &event, &err);

                if (r < 0)
                        break;          /* cancelled: the binding stops */
                deliver(b, event);
                cim_object_free(event);
        }
        return NULL;
}

/* ---- the manager ------------------------------------------------------------------- */

/* The caller a CreatorSID stands for (uid 0 when there is none: only an
 * owner of the repository file can write without the object manager). */
static int creator_of(const struct cim_object *obj, struct cimom_caller *ret)
{
        const struct cim_property *p = cim_object_find_property(obj, "CreatorSID");
        struct passwd pw, *pwp = NULL;
        uint8_t bytes[68];
        struct sec_sid sid;
        char buf[4096];
        uid_t uid = 0;
        int n;

        memset(ret, 0, sizeof(*ret));
        if (p && !p->value.is_null && p->value.is_array && p->value.count <= sizeof(bytes)) {
                for (uint32_t i = 0; i < p->value.count; i++)
                        bytes[i] = (uint8_t) p->value.v.items[i].v.u64;
                if (sec_sid_from_bytes(bytes, p->value.count, &sid) < 0 || sec_sid_unix_uid(&sid, &uid) < 0)
                        return -EINVAL;
        }
        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp)
                return -ENOENT;
        ret->uid = uid;
        ret->gid = pwp->pw_gid;
        n = (int) ELEMENTSOF(ret->groups);
        if (getgrouplist(pwp->pw_name, pwp->pw_gid, ret->groups, &n) < 0)
                n = 0;
        ret->group_count = (size_t) n;
        snprintf(ret->user, sizeof(ret->user), "%s", pwp->pw_name);
        ret->capabilities = uid == 0 ? ~(uint64_t) 0 : 0;
        return 0;
}

static struct binding *binding_free(struct binding *b)
{
        if (!b)
                return NULL;
        if (b->running) {
                cimom_events_cancel(b->events);
                pthread_join(b->thread, NULL);
        }
        cimom_events_close(b->events);
        cim_object_free(b->filter);
        cim_object_free(b->consumer);
        owmi_free(b->key);
        owmi_free(b->fingerprint);
        owmi_free(b->ns);
        owmi_free(b);
        return NULL;
}

struct wanted {
        struct binding *list;
        size_t count;
};

static char *mof_of(const struct cim_object *obj)
{
        struct strbuf sb = STRBUF_INIT;

        cim_object_format_mof(obj, 0, &sb);
        return strbuf_error(&sb) == 0 && sb.buf ? strbuf_detach(&sb) : (strbuf_release(&sb), NULL);
}

struct scan_ctx {
        struct permanent *p;
        const char *ns;
        struct cimom_ns *h;
        struct wanted *w;
};

/* A binding found: what it would take to run it. */
static int found_binding(struct cim_object *binding, void *userdata)
{
        struct scan_ctx *s = userdata;
        const struct cim_property *fp = cim_object_find_property(binding, "Filter");
        const struct cim_property *cp = cim_object_find_property(binding, "Consumer");
        struct cim_object *filter = NULL, *consumer = NULL;
        struct owmi_error err = { 0 };
        struct binding *b = NULL;
        struct strbuf key = STRBUF_INIT, fingerprint = STRBUF_INIT;
        char *parts[3] = { NULL };

        if (s->w->count >= MAX_BINDINGS || !fp || !cp || fp->value.is_null || cp->value.is_null ||
            cimom_get_object(s->h, fp->value.v.string, &filter, &err) < 0 ||
            cimom_get_object(s->h, cp->value.v.string, &consumer, &err) < 0) {
                if (err.code)
                        server_log(SERVER_LOG_WARNING, "binding in %s: %s", s->ns, err.message);
                goto out;
        }
        strbuf_addf(&key, "%s|", s->ns);
        cim_object_relpath(binding, &key);
        parts[0] = mof_of(binding);
        parts[1] = mof_of(filter);
        parts[2] = mof_of(consumer);
        for (int i = 0; i < 3; i++)
                strbuf_addstr(&fingerprint, parts[i] ? parts[i] : "");
        b = owmi_calloc(1, sizeof(*b));
        if (!b || strbuf_error(&key) < 0 || strbuf_error(&fingerprint) < 0)
                goto out;
        b->key = strbuf_detach(&key);
        b->fingerprint = strbuf_detach(&fingerprint);
        b->ns = owmi_strdup(s->ns);
        b->consumer = consumer;
        b->filter = filter;
        consumer = filter = NULL;
        b->next = s->w->list;
        s->w->list = b;
        s->w->count++;
        b = NULL;
out:
        for (int i = 0; i < 3; i++)
                owmi_free(parts[i]);
        strbuf_release(&key);
        strbuf_release(&fingerprint);
        binding_free(b);
        cim_object_free(filter);
        cim_object_free(consumer);
        cim_object_free(binding);
        return 0;
}

static int scan_namespace(const char *ns, void *userdata);

static void scan(struct scan_ctx *parent, const char *ns)
{
        struct scan_ctx s = { .p = parent->p, .ns = ns, .w = parent->w };
        struct owmi_error err = { 0 };

        if (cimom_open_namespace(parent->p->cimom, ns, NULL, &s.h, &err) < 0)
                return;
        cimom_enum_instances(s.h, "__FilterToConsumerBinding", true, found_binding, &s, &err);
        cimom_enum_namespaces(s.h, scan_namespace, &s, &err);
        cimom_ns_close(s.h);
}

static int scan_namespace(const char *ns, void *userdata)
{
        scan(userdata, ns);
        return 0;
}

/* The filter's query, as the filter's creator, in its EventNamespace (or
 * the binding's namespace); the consumer's creator acts. */
static void binding_begin(struct permanent *p, struct binding *b)
{
        struct cimom_caller filter_caller;
        struct owmi_error err = { 0 };
        const char *query = text_prop(b->filter, "Query");
        const char *language = text_prop(b->filter, "QueryLanguage");
        const char *event_ns = text_prop(b->filter, "EventNamespace");
        struct cimom_ns *h = NULL;
        int r = creator_of(b->filter, &filter_caller);

        if (r >= 0)
                r = creator_of(b->consumer, &b->consumer_caller);
        if (r >= 0)
                r = cimom_open_namespace(p->cimom, event_ns && *event_ns ? event_ns : b->ns,
                                         &filter_caller, &h, &err);
        if (r >= 0)
                r = cimom_exec_notification_query(h, language ? language : "WQL", query, NULL,
                                                  &b->events, &err);
        cimom_ns_close(h);
        if (r < 0) {
                server_log(SERVER_LOG_WARNING, "binding %s is not running: %s", b->key,
                           err.code ? err.message : "its creator is unknown here");
                return;
        }
        if (pthread_create(&b->thread, NULL, binding_main, b) == 0) {
                b->running = true;
                server_log(SERVER_LOG_NOTICE, "permanent subscription %s running (as %s)", b->key,
                           b->consumer_caller.user);
        }
}

/* Keep what runs and did not change, start what is new, stop the rest. */
static void reconcile(struct permanent *p)
{
        struct wanted w = { 0 };
        struct scan_ctx root = { .p = p, .w = &w };
        struct binding *keep = NULL;

        scan(&root, "root");
        while (w.list) {
                struct binding *b = w.list, **old;

                w.list = b->next;
                for (old = &p->bindings; *old; old = &(*old)->next)
                        if (!strcmp((*old)->key, b->key) && !strcmp((*old)->fingerprint, b->fingerprint))
                                break;
                if (*old) {
                        /* unchanged: the running one stays */
                        struct binding *same = *old;

                        *old = same->next;
                        same->next = keep;
                        keep = same;
                        binding_free(b);
                        continue;
                }
                binding_begin(p, b);
                b->next = keep;
                keep = b;
        }
        while (p->bindings) {
                struct binding *gone = p->bindings;

                p->bindings = gone->next;
                server_log(SERVER_LOG_NOTICE, "permanent subscription %s stopped", gone->key);
                binding_free(gone);
        }
        p->bindings = keep;
}

static void *manager_main(void *arg)
{
        struct permanent *p = arg;

        pthread_mutex_lock(&p->lock);
        while (!p->stopping) {
                uint64_t generation = cimom_subscription_generation(p->cimom);
                struct timespec t;

                if (generation != p->seen_generation) {
                        p->seen_generation = generation;
                        pthread_mutex_unlock(&p->lock);
                        reconcile(p);
                        pthread_mutex_lock(&p->lock);
                        continue;
                }
                /* changes are counted, not signalled: look four times a second */
                owmi_timespec_after_ms(CLOCK_REALTIME, 250, &t);
                pthread_cond_timedwait(&p->wake, &p->lock, &t);
        }
        pthread_mutex_unlock(&p->lock);
        while (p->bindings) {
                struct binding *b = p->bindings;

                p->bindings = b->next;
                binding_free(b);
        }
        return NULL;
}

int permanent_start(struct cimom *cimom, struct permanent **ret)
{
        struct permanent *p = owmi_calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->cimom = cimom;
        p->seen_generation = UINT64_MAX;        /* the first look is at start */
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->wake, NULL);
        if (pthread_create(&p->manager, NULL, manager_main, p) != 0) {
                owmi_free(p);
                return -EAGAIN;
        }
        *ret = p;
        return 0;
}

void permanent_stop(struct permanent *p)
{
        if (!p)
                return;
        pthread_mutex_lock(&p->lock);
        p->stopping = true;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->manager, NULL);
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->wake);
        owmi_free(p);
}
