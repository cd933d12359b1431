/* SPDX-License-Identifier: MIT */
/*
 * perfproc.c: Win32_PerfRawData_PerfProc_Process and
 * Win32_PerfFormattedData_PerfProc_Process, the per-process counters.
 *
 * WMI keys these by name, not pid: "bash", "bash#1", "bash#2"... for the
 * processes of one name in pid order, plus "_Total" (the sum of every
 * process and Idle) and "Idle" (the processors' idle time).  A name only
 * means something against the whole list, so every request takes a
 * snapshot of all processes (procfs.c, only the files the asked
 * properties need) and then posts what matches.
 *
 * Raw counters are cumulative, in WMI's units (processor times in 100 ns,
 * ElapsedTime the start in Timestamp_Object units); formatted ones are
 * rates over an interval: since the previous formatted query when that
 * was under 10 s ago and read the same files, otherwise over a 100 ms
 * sample taken now.  A process started since the previous sample is
 * measured over its life.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "linux.h"
#include "procfs.h"

#define PERFPROC_RAW "Win32_PerfRawData_PerfProc_Process"
#define PERFPROC_FORMATTED "Win32_PerfFormattedData_PerfProc_Process"

/* Past this, a previous formatted sample is too old to measure from. */
#define PREVIOUS_MAX_NS (10ull * 1000000000ull)
#define PREVIOUS_MIN_NS (50ull * 1000000ull)
#define SAMPLE_NS (100ull * 1000000ull)

/* What one process looked like at one moment: the counters only (a
 * struct process_info carries a PATH_MAX buffer; thousands of them would
 * not be cheap). */
struct proc_sample {
        pid_t pid, ppid;
        uint64_t start;                 /* clock ticks since boot */
        char name[64];
        char folded[64];                /* name in lower case: keys compare that way */
        uint32_t instance;              /* the N of "name#N"; 0 for the first */
        bool have_mem, have_peaks, have_io, have_fds, have_uid;
        uid_t uid;                      /* effective, from status */
        uint64_t utime, stime;          /* clock ticks */
        uint64_t faults, threads, vsize, rss_bytes;
        uint64_t private_bytes, data_bytes, vm_peak_bytes, hwm_bytes;
        uint64_t rchar, wchar, syscr, syscw, fds;
        uint32_t priority;
};

struct snapshot {
        struct proc_sample *procs;      /* in pid order */
        size_t count, alloc;
        unsigned files;                 /* PROCFS_* read for every process */
        uint64_t idle_ticks;            /* /proc/stat: idle + iowait of all CPUs */
        uint64_t cpus;
        uint64_t taken_ns;              /* CLOCK_BOOTTIME */
};

static void snapshot_release(struct snapshot *s)
{
        free(s->procs);
        memset(s, 0, sizeof(*s));
}

static uint64_t boottime_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

/* The idle time of all processors and their number, from /proc/stat. */
static void read_idle(struct snapshot *s)
{
        char line[512];
        FILE *f = fopen("/proc/stat", "re");
        unsigned long long user, nice, system, idle, iowait = 0;

        if (!f)
                return;
        while (fgets(line, sizeof(line), f) && strncmp(line, "cpu", 3) == 0) {
                if (line[3] == ' ') {
                        if (sscanf(line + 3, "%llu %llu %llu %llu %llu", &user, &nice, &system,
                                   &idle, &iowait) >= 4)
                                s->idle_ticks = idle + iowait;
                } else {
                        s->cpus++;
                }
        }
        fclose(f);
}

static int compare_pid(const void *a, const void *b)
{
        const struct proc_sample *x = a, *y = b;

        return (x->pid > y->pid) - (x->pid < y->pid);
}

/* WMI's instance numbers: the second process named "bash" is "bash#1".
 * Names are keys, compared without case, so "Bash" counts as "bash"; and
 * a process that calls itself "Idle" or "_Total" is numbered after the
 * instances of those names this provider makes. */
static int number_instances(struct snapshot *s)
{
        static char reserved[][8] = { "idle", "_total" };
        struct hsearch_data table;

        memset(&table, 0, sizeof(table));
        if (!hcreate_r(s->count * 2 + 16, &table))
                return -ENOMEM;
        for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
                ENTRY taken = { .key = reserved[i], .data = (void *) (uintptr_t) 1 }, *found;

                if (!hsearch_r(taken, ENTER, &found, &table)) {
                        hdestroy_r(&table);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < s->count; i++) {
                ENTRY want = { .key = s->procs[i].folded, .data = NULL }, *found = NULL;

                if (!hsearch_r(want, ENTER, &found, &table)) {
                        hdestroy_r(&table);
                        return -ENOMEM;
                }
                s->procs[i].instance = (uint32_t) (uintptr_t) found->data;
                found->data = (void *) ((uintptr_t) found->data + 1);
        }
        hdestroy_r(&table);
        return 0;
}

static void sample_from(struct proc_sample *out, struct process_info *p, int proc_fd)
{
        memset(out, 0, sizeof(*out));
        out->pid = p->pid;
        out->ppid = p->ppid;
        out->start = p->starttime;
        snprintf(out->name, sizeof(out->name), "%s", procfs_name(proc_fd, p));
        for (size_t i = 0; i < sizeof(out->folded); i++) {
                char c = out->name[i];

                out->folded[i] = c >= 'A' && c <= 'Z' ? (char) (c + 'a' - 'A') : c;
                if (!c)
                        break;
        }
        out->utime = p->utime;
        out->stime = p->stime;
        out->faults = p->minflt + p->majflt;
        out->threads = p->threads;
        out->vsize = p->vsize;
        out->rss_bytes = p->rss * (uint64_t) procfs_page_size();
        out->priority = procfs_priority_base(p);
        out->have_mem = p->have_mem;
        out->private_bytes = p->private_bytes;
        out->data_bytes = p->data_kb * 1024;
        out->have_peaks = p->have_peaks;
        out->vm_peak_bytes = p->vm_peak_kb * 1024;
        out->hwm_bytes = p->vm_hwm_kb * 1024;
        out->have_io = p->have_io;
        out->rchar = p->rchar;
        out->wchar = p->wchar;
        out->syscr = p->syscr;
        out->syscw = p->syscw;
        out->have_fds = p->have_fds;
        out->fds = p->fds;
        out->have_uid = p->have_uid;
        out->uid = p->uid;
}

/* io and the open files are the owner's to see (Linux shows them with
 * ptrace rights only): a caller who is not root and did not enable
 * SeDebugPrivilege sees its own processes' and no total of them. */
static bool caller_restricted(owmi_request *req)
{
        return linux_host->caller_uid(req) != 0 &&
               !linux_host->caller_privilege(req, "SeDebugPrivilege");
}

static void snapshot_restrict(struct snapshot *s, uid_t caller)
{
        for (size_t i = 0; i < s->count; i++) {
                if (!s->procs[i].have_uid || s->procs[i].uid != caller)
                        s->procs[i].have_io = s->procs[i].have_fds = false;
        }
}

static int snapshot_take(struct snapshot *s, unsigned files)
{
        struct process_info *p = malloc(sizeof(*p));
        int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = proc_fd >= 0 ? dup(proc_fd) : -1;
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *e;
        int r = 0;

        memset(s, 0, sizeof(*s));
        s->files = files | PROCFS_STAT;
        if (!p || !dir) {
                r = p ? -errno : -ENOMEM;
                if (fd >= 0 && !dir)
                        close(fd);
                goto out;
        }
        read_idle(s);
        s->taken_ns = boottime_ns();
        while ((e = readdir(dir))) {
                pid_t pid = procfs_parse_pid(e->d_name);

                if (!pid || procfs_load(proc_fd, pid, s->files, p) < 0)
                        continue;       /* not a process, or it ended meanwhile */
                if (s->count == s->alloc) {
                        size_t alloc = s->alloc ? s->alloc * 2 : 1024;
                        struct proc_sample *more = realloc(s->procs, alloc * sizeof(*more));

                        if (!more) {
                                r = -ENOMEM;
                                goto out;
                        }
                        s->procs = more;
                        s->alloc = alloc;
                }
                sample_from(&s->procs[s->count++], p, proc_fd);
        }
        qsort(s->procs, s->count, sizeof(*s->procs), compare_pid);
        r = number_instances(s);
out:
        if (dir)
                closedir(dir);
        if (proc_fd >= 0)
                close(proc_fd);
        free(p);
        if (r < 0)
                snapshot_release(s);
        return r;
}

/* The same process in an earlier snapshot (same pid and start), or NULL. */
static const struct proc_sample *snapshot_find(const struct snapshot *s, const struct proc_sample *p)
{
        const struct proc_sample *found = bsearch(p, s->procs, s->count, sizeof(*p), compare_pid);

        return found && found->start == p->start ? found : NULL;
}

/* "_Total": every process and Idle summed, as WMI's _Total includes Idle. */
static void snapshot_total(const struct snapshot *s, struct proc_sample *t)
{
        memset(t, 0, sizeof(*t));
        snprintf(t->name, sizeof(t->name), "_Total");
        t->stime = s->idle_ticks;
        t->threads = s->cpus;
        t->have_mem = t->have_peaks = t->have_io = t->have_fds = true;
        for (size_t i = 0; i < s->count; i++) {
                const struct proc_sample *p = &s->procs[i];

                t->utime += p->utime;
                t->stime += p->stime;
                t->faults += p->faults;
                t->threads += p->threads;
                t->vsize += p->vsize;
                t->rss_bytes += p->rss_bytes;
                t->private_bytes += p->private_bytes;
                t->data_bytes += p->data_bytes;
                t->vm_peak_bytes += p->vm_peak_bytes;
                t->hwm_bytes += p->hwm_bytes;
                t->rchar += p->rchar;
                t->wchar += p->wchar;
                t->syscr += p->syscr;
                t->syscw += p->syscw;
                t->fds += p->fds;
                t->have_mem &= p->have_mem;
                t->have_peaks &= p->have_peaks;
                t->have_fds &= p->have_fds;
                /* io is readable only for one's own processes (or as root):
                 * a total of some would be a lie about all */
                t->have_io &= p->have_io;
        }
}

/* "Idle": the processors' idle time, one thread per processor, no memory. */
static void snapshot_idle(const struct snapshot *s, struct proc_sample *idle)
{
        memset(idle, 0, sizeof(*idle));
        snprintf(idle->name, sizeof(idle->name), "Idle");
        idle->stime = s->idle_ticks;
        idle->threads = s->cpus;
        idle->have_mem = idle->have_peaks = idle->have_io = idle->have_fds = true;
}

static uint64_t ticks_to_100ns(uint64_t ticks)
{
        return ticks * (10000000ull / (uint64_t) procfs_ticks());
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
        return ticks * (1000000000ull / (uint64_t) procfs_ticks());
}

static uint64_t clamp32(uint64_t v)
{
        return v > UINT32_MAX ? UINT32_MAX : v;
}

/* The counters one instance shows: raw values, or rates per second. */
struct counters {
        uint64_t elapsed, cpu, user, privileged, faults;
        uint64_t read_bytes, write_bytes, read_ops, write_ops;
};

static void counters_raw(const struct proc_sample *p, struct counters *c)
{
        c->elapsed = ticks_to_ns(p->start);
        c->cpu = ticks_to_100ns(p->utime + p->stime);
        c->user = ticks_to_100ns(p->utime);
        c->privileged = ticks_to_100ns(p->stime);
        c->faults = clamp32(p->faults);
        c->read_bytes = p->rchar;
        c->write_bytes = p->wchar;
        c->read_ops = p->syscr;
        c->write_ops = p->syscw;
}

static uint64_t delta(uint64_t now, uint64_t then)
{
        return now > then ? now - then : 0;
}

static uint64_t per_second(uint64_t amount, uint64_t ns)
{
        return ns ? (uint64_t) ((double) amount * 1e9 / (double) ns + 0.5) : 0;
}

static uint64_t percent_of(uint64_t part_ns, uint64_t ns)
{
        return ns ? (uint64_t) ((double) part_ns * 100.0 / (double) ns + 0.5) : 0;
}

/* Rates between then (NULL: the process's start) and now.  /proc counts
 * processor time in clock ticks (10 ms), so over a short interval a
 * process can seem to have run a tick more than the interval allowed:
 * percentages are capped at what its threads (and the machine's
 * processors) can physically do, cap 100 per thread. */
static void counters_rate(const struct proc_sample *now, const struct proc_sample *then,
                          uint64_t now_ns, uint64_t then_ns, uint64_t cap, struct counters *c)
{
        static const struct proc_sample zero;
        uint64_t start_ns = ticks_to_ns(now->start);
        uint64_t ns;

        if (!then) {
                then = &zero;
                /* started since then_ns: measured over its life */
                if (start_ns > then_ns)
                        then_ns = start_ns;
        }
        ns = delta(now_ns, then_ns);
        c->elapsed = delta(now_ns, start_ns) / 1000000000ull;
        c->cpu = percent_of(ticks_to_ns(delta(now->utime + now->stime, then->utime + then->stime)), ns);
        c->user = percent_of(ticks_to_ns(delta(now->utime, then->utime)), ns);
        c->privileged = percent_of(ticks_to_ns(delta(now->stime, then->stime)), ns);
        if (c->cpu > cap)
                c->cpu = cap;
        if (c->user > cap)
                c->user = cap;
        if (c->privileged > cap)
                c->privileged = cap;
        c->faults = clamp32(per_second(delta(now->faults, then->faults), ns));
        c->read_bytes = per_second(delta(now->rchar, then->rchar), ns);
        c->write_bytes = per_second(delta(now->wchar, then->wchar), ns);
        c->read_ops = per_second(delta(now->syscr, then->syscr), ns);
        c->write_ops = per_second(delta(now->syscw, then->syscw), ns);
}

static int post_sample(owmi_request *req, const char *class_name, const struct proc_sample *p,
                       const struct counters *c)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, class_name);
        char name[80];

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a %s", class_name);
        if (p->instance)
                snprintf(name, sizeof(name), "%s#%u", p->name, p->instance);
        else
                snprintf(name, sizeof(name), "%s", p->name);
        h->set_string(inst, "Name", name);
        linux_perf_timestamps(inst);
        h->set_uint(inst, "IDProcess", (uint32_t) p->pid);
        h->set_uint(inst, "CreatingProcessID", (uint32_t) p->ppid);
        h->set_uint(inst, "ElapsedTime", c->elapsed);
        h->set_uint(inst, "PercentProcessorTime", c->cpu);
        h->set_uint(inst, "PercentUserTime", c->user);
        h->set_uint(inst, "PercentPrivilegedTime", c->privileged);
        h->set_uint(inst, "PageFaultsPersec", c->faults);
        h->set_uint(inst, "PriorityBase", p->priority);
        h->set_uint(inst, "ThreadCount", clamp32(p->threads));
        h->set_uint(inst, "VirtualBytes", p->vsize);
        h->set_uint(inst, "WorkingSet", p->rss_bytes);
        if (p->have_mem) {
                h->set_uint(inst, "PrivateBytes", p->private_bytes);
                h->set_uint(inst, "WorkingSetPrivate", p->private_bytes);
                h->set_uint(inst, "PageFileBytes", p->data_bytes);
        }
        if (p->have_peaks) {
                h->set_uint(inst, "VirtualBytesPeak", p->vm_peak_bytes);
                h->set_uint(inst, "WorkingSetPeak", p->hwm_bytes);
        }
        if (p->have_io) {
                h->set_uint(inst, "IOReadBytesPersec", c->read_bytes);
                h->set_uint(inst, "IOWriteBytesPersec", c->write_bytes);
                h->set_uint(inst, "IODataBytesPersec", c->read_bytes + c->write_bytes);
                h->set_uint(inst, "IOReadOperationsPersec", c->read_ops);
                h->set_uint(inst, "IOWriteOperationsPersec", c->write_ops);
                h->set_uint(inst, "IODataOperationsPersec", c->read_ops + c->write_ops);
        }
        if (p->have_fds)
                h->set_uint(inst, "HandleCount", clamp32(p->fds));
        return h->post(req, inst);
}

/* The files the request's properties need (stat always). */
static unsigned files_wanted(owmi_request *req)
{
        static const char *const memory[] = { "PrivateBytes", "WorkingSetPrivate", "PageFileBytes",
                                              "VirtualBytesPeak", "WorkingSetPeak" };
        static const char *const io[] = { "IOReadBytesPersec", "IOWriteBytesPersec",
                                          "IODataBytesPersec", "IOReadOperationsPersec",
                                          "IOWriteOperationsPersec", "IODataOperationsPersec" };
        unsigned files = PROCFS_STAT;

        for (size_t i = 0; i < sizeof(memory) / sizeof(memory[0]); i++)
                if (linux_wants(req, memory[i]))
                        files |= PROCFS_STATUS;
        for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++)
                if (linux_wants(req, io[i]))
                        files |= PROCFS_IO;
        if (linux_wants(req, "HandleCount"))
                files |= PROCFS_FD;
        /* whose each process is, to show the owner's files only to it */
        if ((files & (PROCFS_IO | PROCFS_FD)) && caller_restricted(req))
                files |= PROCFS_STATUS;
        return files;
}

static bool name_matches(const struct proc_sample *p, const char *only)
{
        char name[80];

        if (!only)
                return true;
        if (p->instance)
                snprintf(name, sizeof(name), "%s#%u", p->name, p->instance);
        else
                snprintf(name, sizeof(name), "%s", p->name);
        return strcasecmp(name, only) == 0;
}

/* The snapshot formatted data measures from; see the header. */
static pthread_mutex_t previous_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot previous;

/* Post every instance (only: the one of that Name): 1 if any was posted,
 * 0 if none, < 0 error. */
static int perfproc_post(owmi_request *req, bool formatted, const char *only)
{
        const char *class_name = formatted ? PERFPROC_FORMATTED : PERFPROC_RAW;
        struct snapshot now, then = { 0 };
        struct proc_sample extra[2];
        unsigned files = files_wanted(req);
        int r, posted = 0;

        if (formatted) {
                /* one measurement at a time keeps "previous" a single line of samples */
                pthread_mutex_lock(&previous_lock);
                r = snapshot_take(&now, files);
                if (r >= 0 && (!previous.count || (previous.files & now.files) != now.files ||
                               delta(now.taken_ns, previous.taken_ns) > PREVIOUS_MAX_NS ||
                               delta(now.taken_ns, previous.taken_ns) < PREVIOUS_MIN_NS)) {
                        snapshot_release(&previous);
                        previous = now;
                        nanosleep(&(struct timespec) { 0, (long) SAMPLE_NS }, NULL);
                        r = snapshot_take(&now, files);
                }
                if (r >= 0) {
                        then = previous;
                        previous = now;
                        /* now is posted from, previous kept: copy it */
                        now.procs = malloc(now.count * sizeof(*now.procs) + 1);
                        if (now.procs)
                                memcpy(now.procs, previous.procs, now.count * sizeof(*now.procs));
                        else
                                r = -ENOMEM;
                        now.alloc = now.count;
                }
                pthread_mutex_unlock(&previous_lock);
        } else {
                r = snapshot_take(&now, files);
        }
        if (r < 0) {
                snapshot_release(&then);
                return linux_host->error(req, r == -ENOMEM ? OWMI_E_OUT_OF_MEMORY : OWMI_E_FAILED,
                                         "cannot read the processes of /proc: %s", strerror(-r));
        }
        if (caller_restricted(req)) {
                snapshot_restrict(&now, linux_host->caller_uid(req));
                snapshot_restrict(&then, linux_host->caller_uid(req));
        }
        snapshot_idle(&now, &extra[0]);
        snapshot_total(&now, &extra[1]);
        r = 0;
        for (size_t i = 0; i < now.count + 2 && r == 0; i++) {
                const struct proc_sample *p = i < now.count ? &now.procs[i] : &extra[i - now.count];
                struct counters c;

                if (!name_matches(p, only))
                        continue;
                if (!formatted) {
                        counters_raw(p, &c);
                } else if (i < now.count) {
                        uint64_t threads = p->threads ? p->threads : 1;
                        uint64_t cpus = now.cpus ? now.cpus : threads;

                        counters_rate(p, snapshot_find(&then, p), now.taken_ns, then.taken_ns,
                                      100 * (threads < cpus ? threads : cpus), &c);
                } else {
                        struct proc_sample before[2];

                        snapshot_idle(&then, &before[0]);
                        snapshot_total(&then, &before[1]);
                        /* Idle and _Total always existed: no life to fall back on */
                        counters_rate(p, &before[i - now.count], now.taken_ns, then.taken_ns,
                                      100 * (now.cpus ? now.cpus : 1), &c);
                        c.elapsed = now.taken_ns / 1000000000ull;
                }
                r = post_sample(req, class_name, p, &c);
                posted = 1;
        }
        snapshot_release(&now);
        snapshot_release(&then);
        return r < 0 ? r : posted;
}

static bool is_formatted(const char *class_name)
{
        return strcasecmp(class_name, PERFPROC_FORMATTED) == 0;
}

static int perfproc_enumerate(owmi_request *req, const char *class_name)
{
        int r = perfproc_post(req, is_formatted(class_name), NULL);

        return r < 0 ? r : 0;
}

static int perfproc_get(owmi_request *req, const owmi_instance *keys)
{
        const char *name = NULL;
        int r;

        if (linux_host->get_string(keys, "Name", &name) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "Name is needed");
        r = perfproc_post(req, is_formatted(linux_host->class_name(keys)), name);
        if (r == 0)
                return linux_host->error(req, OWMI_E_NOT_FOUND, "no process counters named '%s'",
                                         name);
        return r < 0 ? r : 0;
}

const struct linux_class linux_perfproc_classes[] = {
        { .name = PERFPROC_RAW, .enumerate = perfproc_enumerate, .get = perfproc_get },
        { .name = PERFPROC_FORMATTED, .enumerate = perfproc_enumerate, .get = perfproc_get },
        { .name = NULL },
};

/* The last formatted sample goes with the module (dlclose): nothing of it
 * is left behind. */
__attribute__((destructor)) static void perfproc_unload(void)
{
        snapshot_release(&previous);
}
