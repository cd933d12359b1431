/* SPDX-License-Identifier: MIT */
/*
 * bench-process.c: Win32_Process through the object manager against the
 * physical limit (research/linux-sources.md §2) and ps, on a system with
 * extra processes (default 2,000 `sleep`s, started here and killed at the
 * end).  In one run, rounds interleaved so the noise of the machine falls
 * on all alike:
 *   - floor (full): a bare C loop reading exactly the /proc files that
 *     SELECT * reads: stat, status, cmdline, io, the exe link and a stat
 *     of the fd directory (its size is the number of open files) of every
 *     pid;
 *   - SELECT * FROM Win32_Process, in process, every instance built;
 *   - floor (narrow): readdir and stat only;
 *   - SELECT Name, ProcessId FROM Win32_Process;
 *   - ps -eo pid,ppid,comm,args,rss,vsz,etimes,uid (spawned and waited);
 *   - SELECT Handle FROM Win32_Process, which reads no file of /proc at
 *     all (the pids come from readdir): what the object manager itself
 *     costs per instance, for the record.
 * Goal: SELECT * within 1.3x of its floor, the narrow query within 1.1x of
 * its floor, both faster than ps.
 *
 * usage: bench-process PROVIDER_DIR [EXTRA_PROCESSES] [ROUNDS]
 *   e.g. build/bench/bench-process build/providers 2000 15
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cimom/cimom.h"

#define MAX_EXTRA 10000

static pid_t extra[MAX_EXTRA];
static size_t extra_count;
static char scratch[] = "/tmp/owmi-bench-process-XXXXXX";

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Every sleep we started goes, whatever way we leave. */
static void kill_extra(void)
{
        for (size_t i = 0; i < extra_count; i++)
                kill(extra[i], SIGKILL);
        for (size_t i = 0; i < extra_count; i++)
                waitpid(extra[i], NULL, 0);
        extra_count = 0;
}

static void on_signal(int sig)
{
        (void) sig;
        for (size_t i = 0; i < extra_count; i++)
                kill(extra[i], SIGKILL);
        _exit(1);
}

static void remove_scratch(void)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/bench.db", scratch);
        unlink(path);
        snprintf(path, sizeof(path), "%s/bench.db-wal", scratch);
        unlink(path);
        snprintf(path, sizeof(path), "%s/bench.db-shm", scratch);
        unlink(path);
        rmdir(scratch);
}

static void start_extra(size_t n)
{
        for (size_t i = 0; i < n; i++) {
                pid_t pid = fork();

                if (pid < 0) {
                        fprintf(stderr, "bench-process: fork: %s (started %zu)\n", strerror(errno),
                                extra_count);
                        break;
                }
                if (pid == 0) {
                        execlp("sleep", "sleep", "3600", (char *) NULL);
                        _exit(127);
                }
                extra[extra_count++] = pid;
        }
}

/* ---- the floors: the same system calls, nothing else -------------------- */

static char buf[1 << 16];

static void floor_read(int proc, const char *pid, const char *file)
{
        char path[300];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", pid, file);
        fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        if (read(fd, buf, sizeof(buf) - 1) < 0)
                buf[0] = '\0';
        close(fd);
}

/* HandleCount: the size of /proc/<pid>/fd is its number of files (Linux
 * 6.2 and later), as the provider reads it. */
static void floor_fds(int proc, const char *pid)
{
        char path[300];
        struct stat st;

        snprintf(path, sizeof(path), "%s/fd", pid);
        if (fstatat(proc, path, &st, 0) < 0)
                st.st_size = 0;
}

static size_t floor_run(bool full)
{
        int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fdopendir(dup(proc));
        struct dirent *e;
        size_t n = 0;

        while ((e = readdir(dir))) {
                char path[300];

                if (e->d_name[0] < '1' || e->d_name[0] > '9')
                        continue;
                n++;
                floor_read(proc, e->d_name, "stat");
                if (!full)
                        continue;
                floor_read(proc, e->d_name, "status");
                floor_read(proc, e->d_name, "cmdline");
                floor_read(proc, e->d_name, "io");
                snprintf(path, sizeof(path), "%s/exe", e->d_name);
                if (readlinkat(proc, path, buf, 4096) < 0)
                        buf[0] = '\0';
                floor_fds(proc, e->d_name);
        }
        closedir(dir);
        close(proc);
        return n;
}

/* ---- the object manager and ps -------------------------------------------- */

static int count(struct cim_object *obj, void *userdata)
{
        (*(size_t *) userdata)++;
        cim_object_free(obj);
        return 0;
}

static size_t query_run(struct cimom_ns *ns, const char *wql)
{
        struct owmi_error err = { 0 };
        size_t n = 0;

        if (cimom_exec_query(ns, "WQL", wql, count, &n, &err) < 0) {
                fprintf(stderr, "bench-process: %s: %s\n", wql, err.message);
                kill_extra();
                exit(1);
        }
        return n;
}

static size_t ps_run(void)
{
        pid_t pid = fork();
        int status = 0;

        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);

                dup2(null, 1);
                execlp("ps", "ps", "-eo", "pid,ppid,comm,args,rss,vsz,etimes,uid", (char *) NULL);
                _exit(127);
        }
        waitpid(pid, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
}

enum { FLOOR_FULL, FULL, FLOOR_NARROW, NARROW, PS, HANDLES, RUNS };

struct timing {
        const char *name;
        double best, total;
        size_t items;
};

int main(int argc, char **argv)
{
        struct timing t[RUNS] = {
                [FLOOR_FULL] = { "floor: stat status cmdline io exe fd/ size", 1e18, 0, 0 },
                [FULL] = { "SELECT * FROM Win32_Process", 1e18, 0, 0 },
                [FLOOR_NARROW] = { "floor: stat", 1e18, 0, 0 },
                [NARROW] = { "SELECT Name, ProcessId FROM Win32_Process", 1e18, 0, 0 },
                [PS] = { "ps -eo pid,ppid,comm,args,rss,vsz,etimes,uid", 1e18, 0, 0 },
                [HANDLES] = { "SELECT Handle (readdir only: object manager)", 1e18, 0, 0 },
        };
        size_t want = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
        int rounds = argc > 3 ? atoi(argv[3]) : 15;
        struct owmi_error err = { 0 };
        struct cimom *cimom = NULL;
        struct cimom_ns *ns = NULL;
        bool have_ps = true;
        char path[256];

        if (argc < 2) {
                fprintf(stderr, "usage: bench-process PROVIDER_DIR [EXTRA_PROCESSES] [ROUNDS]\n");
                return 2;
        }
        if (want > MAX_EXTRA)
                want = MAX_EXTRA;
        if (rounds < 1)
                rounds = 1;
        setenv("OWMI_PROVIDER_DIR", argv[1], 1);
        if (!mkdtemp(scratch)) {
                perror("mkdtemp");
                return 1;
        }
        atexit(remove_scratch);
        snprintf(path, sizeof(path), "%s/bench.db", scratch);
        if (cimom_new(path, &cimom, &err) < 0 ||
            cimom_open_namespace(cimom, "root/cimv2", NULL, &ns, &err) < 0) {
                fprintf(stderr, "bench-process: %s\n", err.message);
                return 1;
        }
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        start_extra(want);
        /* let them all reach sleep, so the rounds see the same processes */
        usleep(500000 + 200 * (useconds_t) extra_count);

        /* warm up: the repository's pages, the provider loaded, ps cached */
        floor_run(true);
        query_run(ns, "SELECT * FROM Win32_Process");
        query_run(ns, "SELECT Name, ProcessId FROM Win32_Process");
        have_ps = ps_run() == 1;

        for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < RUNS; k++) {
                        double t0 = now_ms(), dt;
                        size_t n;

                        switch (k) {
                        case FLOOR_FULL: n = floor_run(true); break;
                        case FULL: n = query_run(ns, "SELECT * FROM Win32_Process"); break;
                        case FLOOR_NARROW: n = floor_run(false); break;
                        case NARROW:
                                n = query_run(ns, "SELECT Name, ProcessId FROM Win32_Process");
                                break;
                        case HANDLES:
                                n = query_run(ns, "SELECT Handle FROM Win32_Process");
                                break;
                        default:
                                if (!have_ps)
                                        continue;
                                n = ps_run();
                                break;
                        }
                        dt = now_ms() - t0;
                        t[k].total += dt;
                        if (dt < t[k].best)
                                t[k].best = dt;
                        t[k].items = n;
                }
        }
        kill_extra();

        printf("Win32_Process with %zu extra processes (%zu in all), best and mean of %d "
               "rounds\n\n", want, t[FULL].items, rounds);
        printf("%-46s %9s %9s %10s %9s\n", "", "best ms", "mean ms", "us/proc", "ratio");
        for (int k = 0; k < RUNS; k++) {
                double ratio = 0;
                const char *of = "";

                if (k == PS && !have_ps) {
                        printf("%-46s %9s\n", t[k].name, "(no ps)");
                        continue;
                }
                if (k == FULL || k == NARROW) {
                        ratio = t[k].best / t[k - 1].best;
                        of = " floor";
                }
                printf("%-46s %9.2f %9.2f %10.2f", t[k].name, t[k].best, t[k].total / rounds,
                       1000 * t[k].best / (double) (t[FULL].items ? t[FULL].items : 1));
                if (ratio > 0)
                        printf(" %8.2fx%s", ratio, of);
                printf("\n");
        }
        printf("\ngoal: SELECT * <= 1.30x its floor: %.2fx; narrow <= 1.10x its floor: %.2fx\n",
               t[FULL].best / t[FLOOR_FULL].best, t[NARROW].best / t[FLOOR_NARROW].best);
        if (have_ps)
                printf("      faster than ps: SELECT * %s (%.2fx of ps), narrow %s (%.2fx of ps)\n",
                       t[FULL].best < t[PS].best ? "yes" : "no", t[FULL].best / t[PS].best,
                       t[NARROW].best < t[PS].best ? "yes" : "no", t[NARROW].best / t[PS].best);
        printf("      the object manager alone (SELECT Handle, no file read): %.2f us/instance\n",
               1000 * (t[HANDLES].best) / (double) (t[HANDLES].items ? t[HANDLES].items : 1));
        cimom_ns_close(ns);
        cimom_free(cimom);
        return 0;
}
