/* SPDX-License-Identifier: MIT */
/*
 * bench-cimom.c: the object manager in process on large repositories:
 *   - a query with a key equality over N instances (default 1,000,000):
 *     planned as a keyed get, so it must not scan;
 *   - GetObject by path on the same repository;
 *   - a WHERE on a non-key property over 100,000 instances (a scan);
 *   - the sample provider with and without a select list, the tutorial's
 *     "specify the fields" advice.
 * Prints per-operation times; the peers' figures (research/cimxml-peers.md)
 * are whole HTTP requests, given for scale only.
 *
 * usage: bench-cimom PROVIDER_DIR SAMPLE_MOF [N]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cimom/cimom.h"
#include "mof/mof.h"

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int count(struct cim_object *obj, void *userdata)
{
        (*(size_t *) userdata)++;
        cim_object_free(obj);
        return 0;
}

static void die(const char *what, const struct owmi_error *err)
{
        fprintf(stderr, "bench-cimom: %s: %s\n", what, err->message);
        exit(1);
}

/* N instances of Bench_Item (the peers' test class) in one transaction. */
static double load(struct repo *repo, const char *class_name, size_t n)
{
        struct owmi_error err = { 0 };
        struct cim_object *cls, *inst;
        double t0 = now_ms();
        char name[32];

        if (repo_class_get(repo, "root/cimv2", class_name, &cls, &err) < 0)
                die("class", &err);
        if (repo_transaction_begin(repo, &err) < 0)
                die("begin", &err);
        for (size_t i = 1; i <= n; i++) {
                struct cim_value v;

                inst = cim_object_spawn_instance(cls);
                snprintf(name, sizeof(name), "item%07zu", i);
                cim_value_set_string(&v, CIM_TYPE_STRING, name);
                cim_object_set_value(inst, "Name", &v, &err);
                cim_value_release(&v);
                cim_value_set_uint(&v, CIM_TYPE_UINT32, i);
                cim_object_set_value(inst, "Index", &v, &err);
                cim_value_set_sint(&v, CIM_TYPE_SINT32, (int64_t) (i % 7) - 3);
                cim_object_set_value(inst, "Level", &v, &err);
                cim_value_set_bool(&v, i % 2);
                cim_object_set_value(inst, "Enabled", &v, &err);
                if (repo_instance_put(repo, "root/cimv2", inst, REPO_PUT_CREATE_ONLY, &err) < 0)
                        die("put", &err);
                cim_object_free(inst);
        }
        if (repo_transaction_commit(repo, &err) < 0)
                die("commit", &err);
        cim_object_free(cls);
        return now_ms() - t0;
}

static double per_query(struct cimom_ns *h, const char *wql, int runs, size_t *ret_results)
{
        struct owmi_error err = { 0 };
        double t0 = now_ms();

        for (int i = 0; i < runs; i++) {
                *ret_results = 0;
                if (cimom_exec_query(h, "WQL", wql, count, ret_results, &err) < 0)
                        die(wql, &err);
        }
        return (now_ms() - t0) / runs;
}

int main(int argc, char **argv)
{
        static const char schema[] =
                "class Bench_Item { [key] string Name; uint32 Index; string Caption;\n"
                "  uint64 SizeBytes; boolean Enabled; sint32 Level; };\n"
                "class Bench_Small { [key] string Name; uint32 Index; string Caption;\n"
                "  uint64 SizeBytes; boolean Enabled; sint32 Level; };\n";
        char dir[] = "/tmp/owmi-bench-cimom-XXXXXX", path[64], cmd[128];
        struct mof_options opts = { .namespace = "root/cimv2" };
        struct owmi_error err = { 0 };
        struct cimom *cimom;
        struct cimom_ns *h;
        struct repo *repo;
        size_t n = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000000, results = 0, scanned = 0;
        const char *mof;
        double load_ms, small_ms, key_ms, get_ms, scan_ms, all_ms, fields_ms;
        struct cim_object *obj;
        int runs = 2000;

        if (argc < 3 || n < 10) {
                fprintf(stderr, "usage: bench-cimom PROVIDER_DIR SAMPLE_MOF [N >= 10]\n");
                return 2;
        }
        setenv("OWMI_PROVIDER_DIR", argv[1], 1);
        mof = argv[2];
        if (!mkdtemp(dir))
                return 1;
        snprintf(path, sizeof(path), "%s/bench.db", dir);
        if (mof_open_repository(path, &repo, &err) < 0)
                die("open", &err);
        if (mof_compile_buffer(repo, "bench.mof", schema, strlen(schema), &opts, NULL, NULL) < 0 ||
            mof_compile_files(repo, &mof, 1, &opts, NULL, NULL) < 0)
                die("schema", &err);
        load_ms = load(repo, "Bench_Item", n);
        small_ms = load(repo, "Bench_Small", 100000);
        repo_close(repo);

        if (cimom_new(path, &cimom, &err) < 0 || cimom_open_namespace(cimom, "root/cimv2", NULL, &h,
                                                                      &err) < 0)
                die("cimom", &err);
        {
                char wql[128];

                snprintf(wql, sizeof(wql), "SELECT * FROM Bench_Item WHERE Name = 'item%07zu'", n / 2);
                key_ms = per_query(h, wql, runs, &results);
                if (results != 1)
                        die("keyed query found nothing", &err);
        }
        {
                char p[96];
                double t0 = now_ms();

                snprintf(p, sizeof(p), "Bench_Item.Name=\"item%07zu\"", n / 3);
                for (int i = 0; i < runs; i++) {
                        if (cimom_get_object(h, p, &obj, &err) < 0)
                                die("get", &err);
                        cim_object_free(obj);
                }
                get_ms = (now_ms() - t0) / runs;
        }
        scan_ms = per_query(h, "SELECT * FROM Bench_Small WHERE Level = 3", 5, &scanned);
        all_ms = per_query(h, "SELECT * FROM Sample_Counter", 20, &results);
        fields_ms = per_query(h, "SELECT Name, Value FROM Sample_Counter", 20, &results);

        printf("OpenWMI object manager in process, N = %zu instances\n\n", n);
        printf("%-58s %12s\n", "", "per operation");
        printf("%-58s %9.1f s  (%.1f us per instance)\n", "load N instances (one transaction)",
               load_ms / 1000, load_ms * 1000 / n);
        printf("%-58s %9.3f ms  (peers over HTTP: GetInstance 1.1-1.4 ms)\n",
               "WHERE Name = 'itemX' (key equality: a keyed get, no scan)", key_ms);
        printf("%-58s %9.3f ms\n", "GetObject Bench_Item.Name=\"itemX\"", get_ms);
        printf("%-58s %9.1f ms  (%zu of 100,000 match; %.2f us per instance)\n",
               "WHERE Level = 3 over 100,000 (non-key: a scan)", scan_ms, scanned,
               scan_ms * 1000 / 100000);
        printf("%-58s %9.3f ms\n", "sample provider: SELECT *", all_ms);
        printf("%-58s %9.3f ms  (%.0fx cheaper)\n", "sample provider: SELECT Name, Value", fields_ms,
               all_ms / fields_ms);
        printf("%-58s %9.1f s\n", "load 100,000 more (Bench_Small)", small_ms / 1000);
        cimom_ns_close(h);
        cimom_free(cimom);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : 1;
}
