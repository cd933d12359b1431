/* SPDX-License-Identifier: MIT */
/*
 * bench-mof.c: the MOF compiler and repository on real schemas, each phase
 * in a fresh child process so its peak memory is its own:
 *   1. compile the full DMTF CIM schema 2.49 into a new repository;
 *   2. reopen that repository and fetch a class (what a tool does first);
 *   3. enumerate every class of root/cimv2 (decode cost);
 *   4. compile a MOF of one class and 1,000 instances (the workload the
 *      peers were measured with in research/cimxml-peers.md).
 * Prints the median of N runs beside the goal and the peers' numbers.
 *
 * usage: bench-mof CORPORA_DIR [RUNS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "mof/mof.h"

struct sample {
        double ms;
        long max_rss_kb;
};

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char workdir[] = "/tmp/owmi-bench-XXXXXX";
static char corpora[4096];

static void path_in_work(char *buf, size_t size, const char *name)
{
        snprintf(buf, size, "%s/%s", workdir, name);
}

static int compile_into(const char *db, const char *file, size_t *ret_classes)
{
        struct repo *repo;
        struct owmi_error err = { 0 };
        struct mof_options opts = { .namespace = "root/cimv2" };
        struct mof_diag_list diags = { 0 };
        struct mof_stats stats = { 0 };
        int r;

        /* a new repository, its root/cimv2 emptied of the built-in CIM_
         * classes that the DMTF schema brings again */
        if (mof_open_repository(db, &repo, &err) < 0 ||
            mof_reset_namespace(repo, "root/cimv2", &err) < 0) {
                fprintf(stderr, "open: %s\n", err.message);
                return -1;
        }
        r = mof_compile_files(repo, &file, 1, &opts, &diags, &stats);
        if (r < 0 && diags.count)
                fprintf(stderr, "%s:%u: %s\n", diags.items[0].file, diags.items[0].line,
                        diags.items[0].message);
        mof_diag_list_release(&diags);
        repo_close(repo);
        if (ret_classes)
                *ret_classes = stats.classes + stats.instances;
        return r;
}

/* The phases, each run in a child. */
static int phase_compile_schema(int run)
{
        char db[4200], file[4200];

        snprintf(db, sizeof(db), "%s/schema-%d.db", workdir, run);
        snprintf(file, sizeof(file), "%s/dmtf-cim-2.49/cim_schema_2.49.0.mof", corpora);
        unlink(db);
        return compile_into(db, file, NULL);
}

static int phase_reopen(int run)
{
        char db[4200];
        struct repo *repo;
        struct cim_object *cls;
        struct owmi_error err = { 0 };

        snprintf(db, sizeof(db), "%s/schema-0.db", workdir);
        if (mof_open_repository(db, &repo, &err) < 0)
                return -1;
        if (repo_class_get(repo, "root/cimv2", "CIM_ComputerSystem", &cls, &err) < 0)
                return -1;
        cim_object_free(cls);
        repo_close(repo);
        return 0;
}

static int count_class(struct cim_object *cls, void *userdata)
{
        (*(size_t *) userdata)++;
        cim_object_free(cls);
        return 0;
}

static int phase_enumerate(int run)
{
        char db[4200];
        struct repo *repo;
        struct owmi_error err = { 0 };
        size_t n = 0;

        snprintf(db, sizeof(db), "%s/schema-0.db", workdir);
        if (mof_open_repository(db, &repo, &err) < 0)
                return -1;
        if (repo_class_enumerate(repo, "root/cimv2", NULL, true, count_class, &n, &err) < 0)
                return -1;
        repo_close(repo);
        return n >= 1631 ? 0 : -1;
}

static int phase_instances(int run)
{
        char db[4200], file[4200];

        snprintf(db, sizeof(db), "%s/items-%d.db", workdir, run);
        path_in_work(file, sizeof(file), "items.mof");
        unlink(db);
        return compile_into(db, file, NULL);
}

/* The 1,000-instance MOF of research/cimxml-peers.md: class Bench_Item. */
static int write_items_mof(void)
{
        char file[4200];
        FILE *f;

        path_in_work(file, sizeof(file), "items.mof");
        f = fopen(file, "w");
        if (!f)
                return -1;
        fputs("class Bench_Item\n{\n    [key] string Name;\n    uint32 Index;\n    string Caption;\n"
              "    uint64 SizeBytes;\n    boolean Enabled;\n    sint32 Level;\n};\n\n", f);
        for (int i = 1; i <= 1000; i++)
                fprintf(f, "instance of Bench_Item\n{\n    Name = \"item%04d\";\n    Index = %d;\n"
                        "    Caption = \"Benchmark item number %d for the repository load test\";\n"
                        "    SizeBytes = %llu;\n    Enabled = %s;\n    Level = %d;\n};\n\n",
                        i, i, i, (unsigned long long) i * 1048576ull, i % 2 ? "TRUE" : "FALSE",
                        i % 7 - 3);
        return fclose(f);
}

static int run_child(int (*phase)(int), int run, struct sample *ret)
{
        struct rusage ru;
        double start = now_ms();
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0)
                _exit(phase(run) < 0 ? 1 : 0);
        if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
                return -1;
        ret->ms = now_ms() - start;
        ret->max_rss_kb = ru.ru_maxrss;
        return 0;
}

static int by_ms(const void *a, const void *b)
{
        double d = ((const struct sample *) a)->ms - ((const struct sample *) b)->ms;

        return d < 0 ? -1 : d > 0;
}

static int measure(const char *name, int (*phase)(int), int runs, struct sample *median)
{
        struct sample s[64];

        for (int i = 0; i < runs; i++) {
                if (run_child(phase, i, &s[i]) < 0) {
                        fprintf(stderr, "bench: %s failed\n", name);
                        return -1;
                }
        }
        qsort(s, (size_t) runs, sizeof(s[0]), by_ms);
        *median = s[runs / 2];
        return 0;
}

static double file_mb(const char *name)
{
        char path[4200];
        struct stat st;
        double total = 0;

        path_in_work(path, sizeof(path), name);
        if (stat(path, &st) == 0)
                total += (double) st.st_size;
        strncat(path, "-wal", sizeof(path) - strlen(path) - 1);
        if (stat(path, &st) == 0)
                total += (double) st.st_size;
        return total / 1e6;
}

int main(int argc, char **argv)
{
        struct sample compile, reopen, enumerate, items;
        int runs = argc > 2 ? atoi(argv[2]) : 5;
        char cmd[4200];

        if (argc < 2) {
                fprintf(stderr, "usage: bench-mof CORPORA_DIR [RUNS]\n");
                return 2;
        }
        if (runs < 1 || runs > 64)
                runs = 5;
        snprintf(corpora, sizeof(corpora), "%s", argv[1]);
        if (!mkdtemp(workdir) || write_items_mof() < 0)
                return 1;
        if (measure("compile", phase_compile_schema, runs, &compile) < 0 ||
            measure("reopen", phase_reopen, runs, &reopen) < 0 ||
            measure("enumerate", phase_enumerate, runs, &enumerate) < 0 ||
            measure("instances", phase_instances, runs, &items) < 0)
                return 1;

        printf("OpenWMI MOF compiler and repository, median of %d runs, each in a fresh process\n",
               runs);
        printf("(peers: research/cimxml-peers.md, same kind of machine, CIM 2.41 schema)\n\n");
        printf("%-44s %10s %9s  %s\n", "", "OpenWMI", "goal", "peers");
        printf("%-44s %7.0f ms %9s  %s\n", "DMTF CIM 2.49 into a new repository",
               compile.ms, "300 ms", "OpenPegasus repository build 1.6 s; pywbem: seconds");
        printf("%-44s %7.1f MB %9s\n", "  peak RSS", compile.max_rss_kb / 1024.0, "");
        printf("%-44s %7.1f MB %9s  %s\n", "  repository on disk", file_mb("schema-0.db"), "",
               "OpenPegasus 9.9-13 MB, SFCB 31 MB");
        printf("%-44s %7.1f ms %9s  %s\n", "reopen + get CIM_ComputerSystem", reopen.ms, "a few ms",
               "OMI: no MOF loader");
        printf("%-44s %7.1f MB %9s\n", "  peak RSS", reopen.max_rss_kb / 1024.0, "");
        printf("%-44s %7.1f ms %9s\n", "enumerate all 1,631+ classes (decode)", enumerate.ms, "");
        printf("%-44s %7.1f ms %9s  %s\n", "1 class + 1,000 instances MOF", items.ms, "",
               "OpenPegasus 2.97 s, SFCB 0.22 s (offline sfcbmof)");
        printf("%-44s %7.1f MB\n", "  peak RSS", items.max_rss_kb / 1024.0);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
        return system(cmd) == 0 ? 0 : 1;
}
