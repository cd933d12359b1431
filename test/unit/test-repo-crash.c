/* SPDX-License-Identifier: MIT */
/*
 * test-repo-crash.c: crash safety of repo/repo.c.  A child process writes
 * (instances, classes, and three-instance transactions, each its own
 * commit) and reports every commit the repository acknowledged through a
 * pipe; the parent SIGKILLs it after a random 1-50 ms, then checks that
 * the file passes PRAGMA integrity_check and that every acknowledged
 * change is there, and that no transaction is half there.  Repeated many
 * times on the same file.  A second case runs reader processes that
 * enumerate (and check that they never see half a transaction) while the
 * writer works and dies.
 *
 * OWMI_CRASH_ITERATIONS overrides the number of rounds; each case also
 * stops at its time budget so the whole test stays near a minute.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "cim/object.h"
#include "cim/objpath.h"
#include "repo/repo.h"

#define NS "root/cimv2"
#define UNIT_SPAN 1000000u      /* units of one round: round * UNIT_SPAN + n */

enum commit_kind {
        COMMIT_INSTANCE,        /* Item.Id = unit * 4 */
        COMMIT_BATCH,           /* Item.Id = unit * 4 + 1..3, Batch = unit, one transaction */
        COMMIT_CLASS,           /* class C<unit> : Item */
};

struct ack {
        uint32_t kind;
        uint32_t unit;
};

struct fixture {
        char dir[64];
        char path[128];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct owmi_error err = { 0 };
        struct cim_object *cls;
        struct cim_property *p;
        struct repo *repo;
        struct cim_value v;

        if (!f)
                return -1;
        snprintf(f->dir, sizeof(f->dir), "/tmp/owmi-test-crash-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->path, sizeof(f->path), "%s/repository.db", f->dir);
        if (repo_open(f->path, 0, &repo, &err) < 0)
                return -1;
        /* class Item { [key] uint64 Id; uint64 Batch; string Payload; } */
        cls = cim_object_new_class("Item", NULL);
        p = cim_object_add_property(cls, "Id");
        p->type = CIM_TYPE_UINT64;
        cim_value_init_null(&p->value, CIM_TYPE_UINT64, false);
        cim_value_set_bool(&v, true);
        cim_qualifier_list_set(&p->qualifiers, "Key", &v, CIM_FLAVOR_DEFAULT);
        p = cim_object_add_property(cls, "Batch");
        p->type = CIM_TYPE_UINT64;
        cim_value_init_null(&p->value, CIM_TYPE_UINT64, false);
        p = cim_object_add_property(cls, "Payload");
        p->type = CIM_TYPE_STRING;
        cim_value_init_null(&p->value, CIM_TYPE_STRING, false);
        if (repo_class_put(repo, NS, cls, 0, &err) < 0) {
                fprintf(stderr, "setup: %s\n", err.message);
                return -1;
        }
        cim_object_free(cls);
        repo_close(repo);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char p[160];

        snprintf(p, sizeof(p), "%s-wal", f->path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", f->path);
        unlink(p);
        unlink(f->path);
        rmdir(f->dir);
        free(f);
        return 0;
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static unsigned env_iterations(unsigned dflt)
{
        const char *s = getenv("OWMI_CRASH_ITERATIONS");

        return s && atoi(s) > 0 ? (unsigned) atoi(s) : dflt;
}

/* ---- the writer child ------------------------------------------------- */

static uint32_t unit_kind(uint32_t unit)
{
        return unit % 8 == 3 ? COMMIT_CLASS : unit % 8 == 5 ? COMMIT_BATCH : COMMIT_INSTANCE;
}

static int put_item(struct repo *repo, const struct cim_object *cls, uint64_t id, uint64_t batch,
                    struct owmi_error *err)
{
        static const char payload[] =
                "payload payload payload payload payload payload payload payload payload "
                "payload payload payload payload payload payload payload payload payload";
        struct cim_object *inst = cim_object_spawn_instance(cls);
        struct cim_value v;
        int r;

        if (!inst)
                return -ENOMEM;
        cim_value_set_uint(&v, CIM_TYPE_UINT64, id);
        r = cim_object_set_value(inst, "Id", &v, err);
        cim_value_set_uint(&v, CIM_TYPE_UINT64, batch);
        if (r >= 0)
                r = cim_object_set_value(inst, "Batch", &v, err);
        if (r >= 0)
                r = cim_value_set_string(&v, CIM_TYPE_STRING, payload);
        if (r >= 0) {
                r = cim_object_set_value(inst, "Payload", &v, err);
                cim_value_release(&v);
        }
        if (r >= 0)
                r = repo_instance_put(repo, NS, inst, REPO_PUT_CREATE_ONLY, err);
        cim_object_free(inst);
        return r;
}

static int commit_unit(struct repo *repo, const struct cim_object *cls, uint32_t kind,
                       uint32_t unit, struct owmi_error *err)
{
        struct cim_object *sub;
        char name[32];
        int r;

        switch (kind) {
        case COMMIT_INSTANCE:
                return put_item(repo, cls, (uint64_t) unit * 4, 0, err);
        case COMMIT_BATCH:
                r = repo_transaction_begin(repo, err);
                for (unsigned k = 1; r >= 0 && k <= 3; k++)
                        r = put_item(repo, cls, (uint64_t) unit * 4 + k, unit, err);
                if (r < 0) {
                        repo_transaction_rollback(repo);
                        return r;
                }
                return repo_transaction_commit(repo, err);
        default:
                snprintf(name, sizeof(name), "C%u", unit);
                sub = cim_object_derive(cls, name);
                if (!sub)
                        return -ENOMEM;
                r = repo_class_put(repo, NS, sub, REPO_PUT_CREATE_ONLY, err);
                cim_object_free(sub);
                return r;
        }
}

/* Runs until killed; exits 2 if the repository fails it. */
static void __attribute__((noreturn)) writer_main(const char *path, int fd, uint32_t first_unit)
{
        struct owmi_error err = { 0 };
        struct cim_object *cls = NULL;
        struct repo *repo;

        if (repo_open(path, 0, &repo, &err) < 0 || repo_class_get(repo, NS, "Item", &cls, &err) < 0) {
                fprintf(stderr, "writer: %s\n", err.message);
                _exit(2);
        }
        for (uint32_t unit = first_unit;; unit++) {
                struct ack a = { .kind = unit_kind(unit), .unit = unit };

                if (commit_unit(repo, cls, a.kind, unit, &err) < 0) {
                        fprintf(stderr, "writer: unit %u: %s\n", unit, err.message);
                        _exit(2);
                }
                /* acknowledged: the commit returned */
                if (write(fd, &a, sizeof(a)) != (ssize_t) sizeof(a))
                        _exit(3);
        }
}

/* ---- checks ----------------------------------------------------------- */

static void check_integrity(const char *path)
{
        sqlite3 *db;
        sqlite3_stmt *stmt;

        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        sqlite3_busy_timeout(db, 10000);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(stmt, 0), "ok");
        sqlite3_finalize(stmt);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &stmt, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
}

static bool item_exists(struct repo *repo, uint64_t id)
{
        struct cim_objpath path = { 0 };
        struct owmi_error err = { 0 };
        struct cim_object *obj = NULL;
        char text[64];
        int r;

        snprintf(text, sizeof(text), "Item.Id=%llu", (unsigned long long) id);
        assert_int_equal(cim_objpath_parse(text, strlen(text), &path, &err), 0);
        r = repo_instance_get(repo, NS, &path, &obj, &err);
        cim_objpath_release(&path);
        if (r < 0) {
                if (err.code != OWMI_E_NOT_FOUND)
                        fail_msg("get %s: %s", text, err.message);
                return false;
        }
        cim_object_free(obj);
        return true;
}

static bool unit_present(struct repo *repo, uint32_t kind, uint32_t unit)
{
        char name[32];
        unsigned n = 0;

        switch (kind) {
        case COMMIT_INSTANCE:
                return item_exists(repo, (uint64_t) unit * 4);
        case COMMIT_BATCH:
                for (unsigned k = 1; k <= 3; k++)
                        n += item_exists(repo, (uint64_t) unit * 4 + k);
                /* never half a transaction */
                if (n != 0 && n != 3)
                        fail_msg("batch %u has %u of 3 instances", unit, n);
                return n == 3;
        default:
                snprintf(name, sizeof(name), "C%u", unit);
                return repo_class_exists(repo, NS, name);
        }
}

/* Read every ack the dead child left in the pipe. */
static size_t read_acks(int fd, struct ack **ret)
{
        struct ack *acks = NULL;
        size_t count = 0, alloc = 0;
        struct ack a;
        ssize_t n;

        while ((n = read(fd, &a, sizeof(a))) == (ssize_t) sizeof(a)) {
                if (count == alloc) {
                        alloc = alloc ? alloc * 2 : 256;
                        acks = realloc(acks, alloc * sizeof(*acks));
                        assert_non_null(acks);
                }
                acks[count++] = a;
        }
        assert_true(n == 0);
        *ret = acks;
        return count;
}

/* One round: writer started, killed, checked.  Returns acks seen. */
static size_t crash_round(const struct fixture *f, unsigned round, unsigned *seed,
                          pid_t *readers, size_t reader_count)
{
        struct owmi_error err = { 0 };
        struct repo *repo;
        struct ack *acks;
        size_t count;
        int fds[2], status;
        uint32_t first = round * UNIT_SPAN;
        pid_t pid;

        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                writer_main(f->path, fds[1], first);
        }
        close(fds[1]);
        usleep((1 + (unsigned) rand_r(seed) % 50) * 1000);
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        /* killed, not failed */
        if (!WIFSIGNALED(status))
                fail_msg("writer exited with %d", WEXITSTATUS(status));
        count = read_acks(fds[0], &acks);
        close(fds[0]);

        /* readers keep going a little past the crash */
        if (reader_count) {
                usleep(20 * 1000);
                for (size_t i = 0; i < reader_count; i++)
                        kill(readers[i], SIGTERM);
                for (size_t i = 0; i < reader_count; i++) {
                        assert_int_equal(waitpid(readers[i], &status, 0), readers[i]);
                        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                                fail_msg("reader %zu failed (status %d)", i, status);
                }
        }

        check_integrity(f->path);
        if (repo_open(f->path, REPO_OPEN_NO_CREATE, &repo, &err) < 0)
                fail_msg("reopen: %s", err.message);
        for (size_t i = 0; i < count; i++) {
                assert_int_equal(acks[i].unit, first + i);
                if (!unit_present(repo, acks[i].kind, acks[i].unit))
                        fail_msg("round %u: acknowledged unit %u (kind %u) is missing", round,
                                 acks[i].unit, acks[i].kind);
        }
        /* the unit in flight at the kill: there entirely or not at all */
        (void) unit_present(repo, unit_kind(first + (uint32_t) count),
                            first + (uint32_t) count);
        repo_close(repo);
        free(acks);
        return count;
}

static void test_crash(void **state)
{
        struct fixture *f = *state;
        unsigned rounds = env_iterations(200), seed = (unsigned) time(NULL), done = 0;
        double t0 = now_s(), elapsed;
        size_t acks = 0;

        printf("# seed %u\n", seed);
        fflush(stdout);
        for (; done < rounds && now_s() - t0 < 40; done++)
                acks += crash_round(f, done, &seed, NULL, 0);
        elapsed = now_s() - t0;
        printf("# %u kills, %zu acknowledged commits verified, %.1f s (%.1f ms per round)\n",
               done, acks, elapsed, elapsed * 1e3 / done);
        assert_true(done >= 20);
        assert_true(acks > 0);
}

/* ---- readers ---------------------------------------------------------- */

static volatile sig_atomic_t reader_stop;

static void on_term(int sig)
{
        reader_stop = 1;
}

struct reader_scan {
        uint64_t *batches;
        size_t count, alloc;
        size_t items;
};

static int reader_cb(struct cim_object *obj, void *userdata)
{
        struct reader_scan *s = userdata;
        const struct cim_property *p = cim_object_find_property(obj, "Batch");

        s->items++;
        if (p && !p->value.is_null && p->value.v.u64 != 0) {
                if (s->count == s->alloc) {
                        s->alloc = s->alloc ? s->alloc * 2 : 256;
                        s->batches = realloc(s->batches, s->alloc * sizeof(*s->batches));
                        if (!s->batches)
                                _exit(4);
                }
                s->batches[s->count++] = p->value.v.u64;
        }
        cim_object_free(obj);
        return 0;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return (x > y) - (x < y);
}

/* Enumerate until SIGTERM: every snapshot has whole batches and never
 * fewer items than the one before.  Exit 0 when all was well. */
static void __attribute__((noreturn)) reader_main(const char *path, unsigned flags)
{
        struct owmi_error err = { 0 };
        struct repo *repo;
        size_t last = 0;
        sigset_t term;

        /* SIGTERM was blocked across fork: no window without the handler */
        signal(SIGTERM, on_term);
        sigemptyset(&term);
        sigaddset(&term, SIGTERM);
        sigprocmask(SIG_UNBLOCK, &term, NULL);
        if (repo_open(path, flags, &repo, &err) < 0) {
                fprintf(stderr, "reader: open: %s\n", err.message);
                _exit(1);
        }
        while (!reader_stop) {
                struct reader_scan s = { 0 };

                if (repo_instance_enumerate(repo, NS, "Item", true, reader_cb, &s, &err) < 0) {
                        fprintf(stderr, "reader: %s\n", err.message);
                        _exit(1);
                }
                if (s.count)
                        qsort(s.batches, s.count, sizeof(*s.batches), cmp_u64);
                for (size_t i = 0; i < s.count;) {
                        size_t j = i;

                        while (j < s.count && s.batches[j] == s.batches[i])
                                j++;
                        if (j - i != 3) {
                                fprintf(stderr, "reader: batch %llu has %zu items\n",
                                        (unsigned long long) s.batches[i], j - i);
                                _exit(1);
                        }
                        i = j;
                }
                if (s.items < last) {
                        fprintf(stderr, "reader: %zu items after %zu\n", s.items, last);
                        _exit(1);
                }
                last = s.items;
                free(s.batches);
        }
        repo_close(repo);
        _exit(0);
}

static void test_crash_with_readers(void **state)
{
        struct fixture *f = *state;
        unsigned rounds = env_iterations(200) / 5, seed = (unsigned) time(NULL) ^ 0x5eed, done = 0;
        double t0 = now_s(), elapsed;
        size_t acks = 0;

        if (rounds < 10)
                rounds = 10;
        printf("# seed %u\n", seed);
        fflush(stdout);
        for (; done < rounds && now_s() - t0 < 15; done++) {
                sigset_t term, old;
                pid_t readers[2];

                sigemptyset(&term);
                sigaddset(&term, SIGTERM);
                sigprocmask(SIG_BLOCK, &term, &old);
                for (size_t i = 0; i < 2; i++) {
                        readers[i] = fork();
                        assert_true(readers[i] >= 0);
                        if (readers[i] == 0)
                                reader_main(f->path, i == 0 ? REPO_OPEN_READONLY : 0);
                }
                sigprocmask(SIG_SETMASK, &old, NULL);
                acks += crash_round(f, done, &seed, readers, 2);
        }
        elapsed = now_s() - t0;
        printf("# %u kills with 2 readers, %zu acknowledged commits verified, %.1f s\n", done,
               acks, elapsed);
        assert_true(done >= 5);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crash_with_readers, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
