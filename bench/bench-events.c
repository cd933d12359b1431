/* SPDX-License-Identifier: MIT */
/*
 * bench-events.c: how many process creations and deletions a watcher
 * sees, and how soon, when N short-lived processes (fork, exec /bin/true)
 * are started as fast as the machine allows.  Two watchers in turn:
 *   - pushed: __InstanceCreationEvent and __InstanceDeletionEvent on
 *     Win32_Process as the Linux provider raises them from the kernel's
 *     process connector;
 *   - polled: the same queries with WITHIN 1 and poll_only, WMI's way
 *     (a snapshot of Win32_Process every second, compared with the last).
 * For each: events received out of N (goal: all), latency from fork to
 * delivery p50 and p99 (goal: p50 under 1 ms), and the CPU the watcher's
 * threads used while idle (2 s) and while the processes ran.
 *
 * Needs the process connector (root, or CAP_NET_ADMIN).
 * usage: bench-events PROVIDER_DIR [N]   e.g. build/bench/bench-events build/providers 10000
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cimom/cimom.h"

static char scratch[] = "/tmp/owmi-bench-events-XXXXXX";

static void remove_scratch(void)
{
        static const char *const files[] = { "bench.db", "bench.db-wal", "bench.db-shm" };
        char path[256];

        for (size_t i = 0; i < 3; i++) {
                snprintf(path, sizeof(path), "%s/%s", scratch, files[i]);
                unlink(path);
        }
        rmdir(scratch);
}

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* CPU (ms) of this process's threads other than the main one. */
static double watcher_cpu_ms(void)
{
        long ticks = sysconf(_SC_CLK_TCK);
        DIR *d = opendir("/proc/self/task");
        struct dirent *e;
        double total = 0;

        while (d && (e = readdir(d))) {
                char path[300], buf[1024], *s;
                unsigned long long utime, stime;
                FILE *f;

                if (e->d_name[0] == '.' || atoi(e->d_name) == getpid())
                        continue;
                snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
                f = fopen(path, "r");
                if (!f)
                        continue;
                if (fgets(buf, sizeof(buf), f) && (s = strrchr(buf, ')')) &&
                    sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                           &stime) == 2)
                        total += (double) (utime + stime) * 1000.0 / (double) ticks;
                fclose(f);
        }
        if (d)
                closedir(d);
        return total;
}

struct seen_event {
        uint64_t pid;
        double at_ms;
};

/* What the watcher received, matched to the processes after the run: an
 * event may come before fork() has returned the pid to the parent. */
struct run {
        size_t n;
        pid_t *pids;
        double *forked_ms;                 /* by index */
        struct seen_event *creations, *deletions;
        size_t creation_count, deletion_count, seen_max;
        struct cimom_events *create_ev, *delete_ev;
        volatile int stop;
};

static int compare_pid(const void *a, const void *b)
{
        const struct seen_event *x = a, *y = b;

        return (x->pid > y->pid) - (x->pid < y->pid);
}

static uint64_t target_pid(const struct cim_object *event)
{
        const struct cim_property *t = cim_object_find_property(event, "TargetInstance");
        const struct cim_property *p = t && !t->value.is_null ?
                cim_object_find_property(t->value.v.object, "ProcessId") : NULL;

        return p && !p->value.is_null ? p->value.v.u64 : 0;
}

static void *consume(void *arg)
{
        struct run *r = arg;

        while (!r->stop) {
                struct cim_object *event = NULL;
                struct owmi_error err = { 0 };

                if (cimom_events_next(r->create_ev, 100, &event, &err) == 0) {
                        if (r->creation_count < r->seen_max)
                                r->creations[r->creation_count++] =
                                        (struct seen_event) { target_pid(event), now_ms() };
                        cim_object_free(event);
                }
                while (cimom_events_next(r->delete_ev, 0, &event, &err) == 0) {
                        if (r->deletion_count < r->seen_max)
                                r->deletions[r->deletion_count++] =
                                        (struct seen_event) { target_pid(event), now_ms() };
                        cim_object_free(event);
                }
        }
        return NULL;
}

static int compare_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

static void run_watch(struct cimom_ns *ns, const char *label, bool polled, size_t n,
                      unsigned per_second)
{
        struct cimom_events_options opts = { .queue_max = 100000, .poll_only = polled };
        struct owmi_error err = { 0 };
        struct run r = { .n = n };
        char create_q[256], delete_q[256];
        double idle_cpu, busy_cpu, start, spawn_ms, *lat;
        size_t nlat = 0, created = 0, deleted = 0;
        pthread_t consumer;

        snprintf(create_q, sizeof(create_q), "SELECT * FROM __InstanceCreationEvent %s WHERE "
                 "TargetInstance ISA 'Win32_Process'", polled ? "WITHIN 1" : "");
        snprintf(delete_q, sizeof(delete_q), "SELECT * FROM __InstanceDeletionEvent %s WHERE "
                 "TargetInstance ISA 'Win32_Process'", polled ? "WITHIN 1" : "");
        if (cimom_exec_notification_query(ns, "WQL", create_q, &opts, &r.create_ev, &err) < 0 ||
            cimom_exec_notification_query(ns, "WQL", delete_q, &opts, &r.delete_ev, &err) < 0) {
                fprintf(stderr, "bench-events: %s: %s\n", label, err.message);
                exit(1);
        }
        r.pids = calloc(n, sizeof(*r.pids));
        r.forked_ms = calloc(n, sizeof(*r.forked_ms));
        r.seen_max = 4 * n + 10000;        /* and whatever else the machine runs */
        r.creations = calloc(r.seen_max, sizeof(*r.creations));
        r.deletions = calloc(r.seen_max, sizeof(*r.deletions));
        lat = calloc(n, sizeof(*lat));
        if (!r.pids || !r.forked_ms || !r.creations || !r.deletions || !lat)
                exit(1);
        pthread_create(&consumer, NULL, consume, &r);
        /* idle: what the watcher costs with nothing happening */
        idle_cpu = watcher_cpu_ms();
        usleep(2000000);
        idle_cpu = watcher_cpu_ms() - idle_cpu;

        busy_cpu = watcher_cpu_ms();
        start = now_ms();
        for (size_t i = 0; i < n; i++) {
                /* paced: the latency of one event, not of a queue */
                while (per_second && now_ms() - start < (double) i * 1000.0 / per_second)
                        usleep(200);
                r.forked_ms[i] = now_ms();
                r.pids[i] = fork();
                if (r.pids[i] == 0) {
                        execl("/bin/true", "true", (char *) NULL);
                        _exit(127);
                }
                /* reap as we go: no zombies piling up */
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
        }
        while (waitpid(-1, NULL, 0) > 0)
                ;
        spawn_ms = now_ms() - start;
        /* what is still on its way: up to two polls for the polled watcher */
        usleep(polled ? 2500000 : 1000000);
        busy_cpu = watcher_cpu_ms() - busy_cpu;
        r.stop = 1;
        pthread_join(consumer, NULL);
        /* each process: its first creation and its deletion, if seen */
        qsort(r.creations, r.creation_count, sizeof(*r.creations), compare_pid);
        qsort(r.deletions, r.deletion_count, sizeof(*r.deletions), compare_pid);
        for (size_t i = 0; i < n; i++) {
                struct seen_event key = { (uint64_t) r.pids[i], 0 };
                struct seen_event *c = bsearch(&key, r.creations, r.creation_count,
                                               sizeof(key), compare_pid);
                struct seen_event *d = bsearch(&key, r.deletions, r.deletion_count,
                                               sizeof(key), compare_pid);

                if (c) {
                        lat[nlat++] = c->at_ms - r.forked_ms[i];
                        created++;
                }
                deleted += d != NULL;
        }
        qsort(lat, nlat, sizeof(*lat), compare_double);
        printf("%-34s %7zu/%-6zu %7zu/%-6zu %9.3f %9.3f %9.1f %9.1f %8.0f\n", label, created, n,
               deleted, n, nlat ? lat[nlat / 2] : -1.0, nlat ? lat[nlat * 99 / 100] : -1.0,
               idle_cpu / 2.0, busy_cpu, (double) n * 1000.0 / spawn_ms);
        cimom_events_close(r.create_ev);
        cimom_events_close(r.delete_ev);
        free(r.pids);
        free(r.forked_ms);
        free(r.creations);
        free(r.deletions);
        free(lat);
}

int main(int argc, char **argv)
{
        struct cimom *cimom = NULL;
        struct cimom_ns *ns = NULL;
        struct owmi_error err = { 0 };
        size_t n = argc > 2 ? (size_t) strtoul(argv[2], NULL, 10) : 10000;
        char path[256];

        if (argc < 2 || n == 0) {
                fprintf(stderr, "usage: bench-events PROVIDER_DIR [N]\n");
                return 2;
        }
        setenv("OWMI_PROVIDER_DIR", argv[1], 1);
        if (!mkdtemp(scratch))
                return 1;
        atexit(remove_scratch);
        snprintf(path, sizeof(path), "%s/bench.db", scratch);
        if (cimom_new(path, &cimom, &err) < 0 ||
            cimom_open_namespace(cimom, "root/cimv2", NULL, &ns, &err) < 0) {
                fprintf(stderr, "bench-events: %s\n", err.message);
                return 1;
        }
        printf("Win32_Process creation and deletion, %zu processes (fork + exec /bin/true) as fast "
               "as they start\n\n", n);
        printf("%-34s %14s %14s %9s %9s %9s %9s %8s\n", "watcher", "created", "deleted",
               "p50 ms", "p99 ms", "idle ms/s", "busy ms", "procs/s");
        run_watch(ns, "pushed (process connector)", false, n, 0);
        run_watch(ns, "pushed, paced at 200/s", false, n / 10 ? n / 10 : 1, 200);
        run_watch(ns, "polled (WITHIN 1, WMI's way)", true, n, 0);
        printf("\ngoal: every creation and deletion seen; p50 fork-to-delivery under 1 ms\n"
               "(latency: from just before fork to the watcher's NextEvent returning; CPU: the\n"
               "watcher's threads, idle per second and over the whole run)\n");
        cimom_ns_close(ns);
        cimom_free(cimom);
        return 0;
}
