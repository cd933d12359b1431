/* SPDX-License-Identifier: MIT */
/*
 * bench-daemon.c: owmid through its local socket, against the same work in
 * process (the cost of the transport), beside OMI measured on this kind of
 * machine (research/omi.md) and the goals:
 *   - GetObject of one keyed repository instance, and an enumeration of
 *     1,000 instances (a class shaped like OMI's X_SmallNumber test class),
 *     with 1, 8 and 64 concurrent clients (each its own connection):
 *     requests per second, p50 and p99 latency;
 *   - the daemon's resident memory idle and at the end of the load.
 *
 * usage: bench-daemon OWMID PROVIDER_DIR [SECONDS_PER_RUN [ONLY]]
 * ONLY ("get" or "enum", then optionally ":CLIENTS" and ":daemon") runs
 * just those, for a profiler.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openwmi/owmi.h>

#include "client/client.h"

#define INSTANCES 1000
#define NS "root/default"

/* OMI, research/omi.md: per operation inside one client process */
#define OMI_GI_MS 0.42
#define OMI_GI_1 2500.0
#define OMI_GI_8 5787.0
#define OMI_EI1000_MS 24.7
#define OMI_IDLE_MB 18.0

static char repo_path[4096], socket_path[4096];
static double seconds = 2.0;
static const char *only;

static bool wanted(bool enumerate, unsigned clients, bool in_process)
{
        char mine[64];

        if (!only)
                return true;
        snprintf(mine, sizeof(mine), "%s:%u:%s", enumerate ? "enum" : "get", clients,
                 in_process ? "process" : "daemon");
        return strncmp(mine, only, strlen(only)) == 0;
}

static double now_s(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void die(const char *what, const struct owmi_error *err)
{
        fprintf(stderr, "bench-daemon: %s: %s\n", what, err ? err->message : strerror(errno));
        exit(1);
}

static owmi_connection *connect_to(bool in_process)
{
        struct owmi_connect_options o = { .mode = in_process ? OWMI_MODE_IN_PROCESS : OWMI_MODE_DAEMON,
                                          .socket_path = socket_path, .repository = repo_path };
        struct owmi_error err = { 0 };
        owmi_connection *c;

        if (owmi_connect(&o, &c, &err))
                die("connect", &err);
        return c;
}

static void load(void)
{
        static const char mof[] =
                "class Bench_SmallNumber { [key] uint64 Number; string Name; uint32 Digits; "
                "boolean Even; datetime Seen; };";
        owmi_connection *c = connect_to(true);
        struct owmi_error err = { 0 };
        owmi_object *cls;

        if (owmi_compile_mof(c, NS, "bench.mof", mof, false, NULL, NULL, NULL, &err))
                die("compile", &err);
        if (owmi_get_object(c, NS, "Bench_SmallNumber", &cls, &err))
                die("class", &err);
        for (unsigned i = 0; i < INSTANCES; i++) {
                owmi_object *inst = owmi_object_spawn_instance(cls);
                char text[64];

                snprintf(text, sizeof(text), "%u", i);
                owmi_object_set_text(inst, "Number", text, NULL);
                snprintf(text, sizeof(text), "number %u", i);
                owmi_object_set_text(inst, "Name", text, NULL);
                snprintf(text, sizeof(text), "%u", i < 10 ? 1 : i < 100 ? 2 : 3);
                owmi_object_set_text(inst, "Digits", text, NULL);
                owmi_object_set_text(inst, "Even", i % 2 ? "false" : "true", NULL);
                owmi_object_set_text(inst, "Seen", "20261122120000.000000+000", NULL);
                if (owmi_put_instance(c, NS, inst, OWMI_CREATE_OR_UPDATE, NULL, 0, NULL, &err))
                        die("put", &err);
                owmi_object_free(inst);
        }
        owmi_object_free(cls);
        owmi_disconnect(c);
}

static pid_t start_daemon(const char *owmid, const char *provider_dir)
{
        pid_t pid = fork();

        if (pid == 0) {
                setenv("OWMI_PROVIDER_DIR", provider_dir, 1);
                execl(owmid, owmid, "--foreground", "--config", "/dev/null", "--socket", socket_path,
                      "--repository", repo_path, (char *) NULL);
                _exit(127);
        }
        for (int i = 0; i < 500; i++) {
                struct stat st;

                if (stat(socket_path, &st) == 0)
                        return pid;
                usleep(10000);
        }
        die("the daemon did not start", NULL);
        return -1;
}

static double rss_mb(pid_t pid, const char *field)
{
        char path[64], line[256];
        double kb = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, field, strlen(field)) == 0)
                        kb = atof(line + strlen(field) + 1);
        fclose(f);
        return kb / 1024.0;
}

struct worker {
        pthread_t thread;
        bool in_process;
        bool enumerate;
        double *lat;             /* ms per operation */
        size_t count, alloc;
        size_t objects;
};

static pthread_barrier_t start_line;
static volatile double deadline;

static int count_object(owmi_object *obj, void *userdata)
{
        (*(size_t *) userdata)++;
        owmi_object_free(obj);
        return 0;
}

static void *work(void *arg)
{
        struct worker *w = arg;
        owmi_connection *c = connect_to(w->in_process);
        struct owmi_error err = { 0 };

        pthread_barrier_wait(&start_line);
        while (now_s() < deadline) {
                double t0 = now_s();

                if (w->enumerate) {
                        size_t n = 0;

                        if (owmi_enum_instances(c, NS, "Bench_SmallNumber", true, count_object, &n, &err))
                                die("enumerate", &err);
                        if (n != INSTANCES)
                                die("short enumeration", NULL);
                        w->objects += n;
                } else {
                        owmi_object *obj;

                        if (owmi_get_object(c, NS, "Bench_SmallNumber.Number=500", &obj, &err))
                                die("get", &err);
                        owmi_object_free(obj);
                }
                if (w->count == w->alloc) {
                        w->alloc = w->alloc ? w->alloc * 2 : 4096;
                        w->lat = realloc(w->lat, w->alloc * sizeof(double));
                        if (!w->lat)
                                die("memory", NULL);
                }
                w->lat[w->count++] = (now_s() - t0) * 1e3;
        }
        owmi_disconnect(c);
        return NULL;
}

static int by_value(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

struct result {
        double ops, p50, p99;
};

static struct result run(unsigned clients, bool in_process, bool enumerate)
{
        struct worker *w = calloc(clients, sizeof(*w));
        double *all, started;
        size_t total = 0, k = 0;
        struct result res;

        pthread_barrier_init(&start_line, NULL, clients + 1);
        deadline = 1e300;
        for (unsigned i = 0; i < clients; i++) {
                w[i].in_process = in_process;
                w[i].enumerate = enumerate;
                pthread_create(&w[i].thread, NULL, work, &w[i]);
        }
        deadline = now_s() + 1e9;
        started = now_s();
        deadline = started + seconds;
        pthread_barrier_wait(&start_line);
        started = now_s();
        for (unsigned i = 0; i < clients; i++) {
                pthread_join(w[i].thread, NULL);
                total += w[i].count;
        }
        res.ops = (double) total / (now_s() - started);
        all = malloc(total * sizeof(double));
        for (unsigned i = 0; i < clients; i++) {
                memcpy(all + k, w[i].lat, w[i].count * sizeof(double));
                k += w[i].count;
                free(w[i].lat);
        }
        qsort(all, total, sizeof(double), by_value);
        res.p50 = all[total / 2];
        res.p99 = all[(size_t) ((double) total * 0.99)];
        free(all);
        free(w);
        pthread_barrier_destroy(&start_line);
        return res;
}

int main(int argc, char **argv)
{
        static const unsigned clients[] = { 1, 8, 64 };
        char dir[] = "/tmp/bench-daemon-XXXXXX";
        double idle, idle_hwm;
        pid_t pid;

        if (argc < 3) {
                fprintf(stderr, "usage: bench-daemon OWMID PROVIDER_DIR [SECONDS_PER_RUN]\n");
                return 2;
        }
        if (argc > 3)
                seconds = atof(argv[3]);
        if (argc > 4)
                only = argv[4];
        if (!mkdtemp(dir))
                die("mkdtemp", NULL);
        snprintf(repo_path, sizeof(repo_path), "%s/repository.db", dir);
        snprintf(socket_path, sizeof(socket_path), "%s/owmid.sock", dir);
        load();
        pid = start_daemon(argv[1], argv[2]);
        {
                owmi_connection *c = connect_to(false);
                owmi_object *obj;
                struct owmi_error err = { 0 };

                if (owmi_get_object(c, NS, "Bench_SmallNumber.Number=500", &obj, &err))
                        die("first get", &err);
                owmi_object_free(obj);
                owmi_disconnect(c);
        }
        usleep(200000);
        idle = rss_mb(pid, "VmRSS:");
        idle_hwm = rss_mb(pid, "VmHWM:");
        printf("bench-daemon: %u instances of Bench_SmallNumber in %s, %.1f s per run, %ld CPUs\n\n",
               INSTANCES, NS, seconds, sysconf(_SC_NPROCESSORS_ONLN));
        printf("%-34s %8s %12s %10s %10s   %s\n", "run", "clients", "ops/s", "p50 ms", "p99 ms",
               "beside");
        for (int e = 0; e < 2; e++) {
                for (size_t i = 0; i < sizeof(clients) / sizeof(clients[0]); i++) {
                        for (int inproc = 1; inproc >= 0; inproc--) {
                                struct result r;
                                char beside[160] = "";

                                if (!wanted(e == 1, clients[i], inproc))
                                        continue;
                                r = run(clients[i], inproc, e == 1);
                                if (!inproc && e == 0 && clients[i] == 1)
                                        snprintf(beside, sizeof(beside),
                                                 "OMI 1 client %.0f/s (%.2f ms); goal 5x = %.0f/s: %.1fx OMI",
                                                 OMI_GI_1, OMI_GI_MS, 5 * OMI_GI_1, r.ops / OMI_GI_1);
                                else if (!inproc && e == 0 && clients[i] == 8)
                                        snprintf(beside, sizeof(beside),
                                                 "OMI 8 clients %.0f/s; goal 5x = %.0f/s: %.1fx OMI",
                                                 OMI_GI_8, 5 * OMI_GI_8, r.ops / OMI_GI_8);
                                else if (!inproc && e == 1 && clients[i] == 1)
                                        snprintf(beside, sizeof(beside),
                                                 "OMI %.1f ms per 1,000; goal 10x = %.2f ms: %.1fx OMI",
                                                 OMI_EI1000_MS, OMI_EI1000_MS / 10, OMI_EI1000_MS / r.p50);
                                else if (inproc)
                                        snprintf(beside, sizeof(beside), "(in process: the floor)");
                                printf("%-34s %8u %12.0f %10.3f %10.3f   %s\n",
                                       e ? "enumerate 1,000 instances" : "GetObject (keyed instance)",
                                       clients[i], r.ops, r.p50, r.p99,
                                       inproc ? "in process" : beside);
                                fflush(stdout);
                        }
                }
        }
        printf("\ndaemon RSS idle %.1f MB (peak so far %.1f MB); after the load %.1f MB, peak %.1f MB\n",
               idle, idle_hwm, rss_mb(pid, "VmRSS:"), rss_mb(pid, "VmHWM:"));
        printf("OMI idle %.0f MB over its three processes; goal under 8 MB: %s\n", OMI_IDLE_MB,
               idle < 8 ? "met" : "not met");
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        unlink(repo_path);
        {
                char p[4200];

                snprintf(p, sizeof(p), "%s-wal", repo_path);
                unlink(p);
                snprintf(p, sizeof(p), "%s-shm", repo_path);
                unlink(p);
        }
        rmdir(dir);
        return 0;
}
