/* SPDX-License-Identifier: MIT */
/*
 * repo.c: the CIM repository in one SQLite file.  Owns the schema, the
 * transactions, the default namespaces with their __SystemClass and
 * __NAMESPACE classes, and WMI's storage rules for classes and instances
 * (superclass must exist, create/update-only, keys frozen while instances
 * exist, subclasses re-derived on a forced update, cascading deletes).
 * It does not parse MOF, check qualifier scopes or overrides (mof/), run
 * providers or check security (cimom/).
 *
 * Schema (user_version 2):
 *   namespaces(id, name_ci UNIQUE, name, parent_id -> namespaces ON DELETE CASCADE)
 *   qualifiers(ns_id, name_ci, blob)                      PK(ns_id, name_ci)
 *   classes(ns_id, name_ci, name, super_ci, super, depth, blob)
 *                                  PK(ns_id, name_ci), index (ns_id, super_ci)
 *   instances(ns_id, class_ci, key_ci, keys_ci, blob)
 *                                  PK(ns_id, key_ci), index (ns_id, class_ci),
 *                                  index (ns_id, keys_ci)
 * Every data table references namespaces ON DELETE CASCADE, so deleting a
 * namespace row removes its children and everything in them.  "_ci"
 * columns hold SQLite's lower(), which folds ASCII only, exactly as
 * owmi_strcasecmp compares.  super_ci is '' for a root class; depth is the
 * length of the superclass chain, so ORDER BY depth lists parents first.
 * key_ci is the lower-cased canonical relative path (objpath.h), which is
 * what makes a lookup by path one index probe whatever the key order or case.
 * keys_ci is the same without the class name (".id=5", "=@"): WMI finds an
 * instance of a subclass by a path naming its superclass, and that index
 * makes it one probe plus a walk up the candidate's superclass chain.
 * Blobs are cim/serialize.c's encoding.
 *
 * Durability: WAL journal with synchronous=NORMAL.  A commit has written
 * its WAL frames to the file (the OS page cache) before COMMIT returns, so
 * an acknowledged transaction survives the death of the process at any
 * point, SIGKILL included; the next open replays the WAL.  What NORMAL
 * gives up against FULL is only the fsync per commit: after a power cut or
 * kernel crash the last few commits may be missing, but the database is
 * never corrupt.  Writers take the lock up front (BEGIN IMMEDIATE) so two
 * writers never deadlock upgrading; readers never wait for the writer in
 * WAL mode; busy_timeout makes a second writer queue instead of failing.
 *
 * A struct repo is one SQLite connection: use it from one thread at a time
 * (open one per thread).  Prepared statements are cached on it; a
 * statement that is already running (a callback re-entering the
 * repository) is prepared afresh instead of being reset under its caller.
 */
#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/alloc.h"
#include "base/hashmap.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cim/serialize.h"
#include "repo/repo.h"

#define REPO_SCHEMA_VERSION 2
#define REPO_BUSY_TIMEOUT_MS 30000
#define REPO_NS_MAX 1024                /* longest namespace name we accept */
#define REPO_MAX_CLASS_DEPTH 256        /* re-derivation recursion limit */

const char *const repo_default_namespaces[] = {
        "root", "root/cimv2", "root/default", "root/WMI", "root/subscription", NULL,
};

/* "WITH RECURSIVE sub(n)": the lower-cased names of class ?2 and all its
 * descendants in namespace ?1. */
#define SQL_SUBTREE \
        "WITH RECURSIVE sub(n) AS (SELECT lower(?2) UNION " \
        "SELECT c.name_ci FROM classes c, sub WHERE c.ns_id = ?1 AND c.super_ci = sub.n) "
/* The same without the class itself (descendants only). */
#define SQL_DESCENDANTS \
        "WITH RECURSIVE sub(n) AS (SELECT name_ci FROM classes WHERE ns_id = ?1 AND " \
        "super_ci = lower(?2) UNION " \
        "SELECT c.name_ci FROM classes c, sub WHERE c.ns_id = ?1 AND c.super_ci = sub.n) "

enum stmt_id {
        STMT_BEGIN,
        STMT_COMMIT,
        STMT_ROLLBACK,
        STMT_SAVEPOINT,
        STMT_RELEASE,
        STMT_ROLLBACK_TO,
        STMT_NS_GET,
        STMT_NS_INSERT,
        STMT_NS_DELETE,
        STMT_NS_CHILDREN,
        STMT_QUAL_PUT,
        STMT_QUAL_GET,
        STMT_QUAL_DELETE,
        STMT_QUAL_ENUM,
        STMT_CLASS_GET,
        STMT_CLASS_PUT,
        STMT_CLASS_CHILDREN,
        STMT_CLASS_HAS_CHILDREN,
        STMT_CLASS_IN_SUBTREE,
        STMT_CLASS_SUBTREE_HAS_INSTANCES,
        STMT_CLASS_DELETE_SUBTREE_INSTANCES,
        STMT_CLASS_DELETE_SUBTREE,
        STMT_CLASS_ENUM_ALL,
        STMT_CLASS_ENUM_CHILDREN,
        STMT_CLASS_ENUM_DEEP,
        STMT_CLASS_NAMES_ALL,
        STMT_CLASS_NAMES_CHILDREN,
        STMT_CLASS_NAMES_DEEP,
        STMT_INST_GET,
        STMT_INST_BY_KEYS,
        STMT_CLASS_IS_A,
        STMT_INST_PUT,
        STMT_INST_DELETE,
        STMT_INST_ENUM,
        STMT_INST_ENUM_DEEP,
        STMT_COUNT_NS,
        STMT_COUNT_ALL,
        STMT_CLASS_COPY_SYSTEM,
        STMT_DATA_VERSION,
        STMT_CLASS_DEPTH,
        STMT_CLASS_ASSOCIATIONS,
        STMT_CLASS_SUBTREE_PROVIDERS,
        _STMT_MAX,
};

static const char *const stmt_sql[_STMT_MAX] = {
        [STMT_BEGIN] = "BEGIN IMMEDIATE",
        [STMT_COMMIT] = "COMMIT",
        [STMT_ROLLBACK] = "ROLLBACK",
        [STMT_SAVEPOINT] = "SAVEPOINT repo_op",
        [STMT_RELEASE] = "RELEASE repo_op",
        [STMT_ROLLBACK_TO] = "ROLLBACK TO repo_op",
        [STMT_NS_GET] = "SELECT id, name, parent_id FROM namespaces WHERE name_ci = lower(?1)",
        [STMT_NS_INSERT] = "INSERT INTO namespaces(name_ci, name, parent_id) "
                           "VALUES (lower(?1), ?1, ?2)",
        [STMT_NS_DELETE] = "DELETE FROM namespaces WHERE id = ?1",
        [STMT_NS_CHILDREN] = "SELECT name FROM namespaces WHERE parent_id = ?1 ORDER BY name_ci",
        [STMT_QUAL_PUT] = "INSERT INTO qualifiers(ns_id, name_ci, blob) VALUES (?1, lower(?2), ?3) "
                          "ON CONFLICT(ns_id, name_ci) DO UPDATE SET blob = excluded.blob",
        [STMT_QUAL_GET] = "SELECT blob FROM qualifiers WHERE ns_id = ?1 AND name_ci = lower(?2)",
        [STMT_QUAL_DELETE] = "DELETE FROM qualifiers WHERE ns_id = ?1 AND name_ci = lower(?2)",
        [STMT_QUAL_ENUM] = "SELECT blob FROM qualifiers WHERE ns_id = ?1 ORDER BY name_ci",
        [STMT_CLASS_COPY_SYSTEM] = "INSERT INTO classes(ns_id, name_ci, name, super_ci, super, depth, "
                "assoc, provider, blob) SELECT ?1, name_ci, name, super_ci, super, depth, assoc, "
                "provider, blob FROM classes "
                "WHERE ns_id = ?2 AND substr(name_ci, 1, 2) = '__' "
                "AND name_ci <> '__cimomidentification'",
        [STMT_DATA_VERSION] = "PRAGMA data_version",
        [STMT_CLASS_DEPTH] = "SELECT depth FROM classes WHERE ns_id = ?1 AND name_ci = lower(?2)",
        [STMT_CLASS_GET] = "SELECT blob, depth FROM classes WHERE ns_id = ?1 AND name_ci = lower(?2)",
        [STMT_CLASS_PUT] = "INSERT INTO classes(ns_id, name_ci, name, super_ci, super, depth, "
                           "assoc, provider, blob) "
                           "VALUES (?1, lower(?2), ?2, lower(coalesce(?3, '')), ?3, ?4, ?6, ?7, ?5) "
                           "ON CONFLICT(ns_id, name_ci) DO UPDATE SET name = excluded.name, "
                           "super_ci = excluded.super_ci, super = excluded.super, "
                           "depth = excluded.depth, assoc = excluded.assoc, "
                           "provider = excluded.provider, blob = excluded.blob",
        [STMT_CLASS_SUBTREE_PROVIDERS] = SQL_SUBTREE
                "SELECT c.name, c.provider FROM classes c JOIN sub ON c.name_ci = sub.n "
                "WHERE c.ns_id = ?1 ORDER BY c.depth, c.name_ci",
        [STMT_CLASS_ASSOCIATIONS] = "SELECT name FROM classes WHERE ns_id = ?1 AND assoc <> 0 "
                                    "ORDER BY depth, name_ci",
        [STMT_CLASS_CHILDREN] = "SELECT blob FROM classes WHERE ns_id = ?1 AND super_ci = lower(?2) "
                                "ORDER BY name_ci",
        [STMT_CLASS_HAS_CHILDREN] = "SELECT 1 FROM classes WHERE ns_id = ?1 AND "
                                    "super_ci = lower(?2) LIMIT 1",
        [STMT_CLASS_IN_SUBTREE] = SQL_SUBTREE "SELECT 1 FROM sub WHERE n = lower(?3)",
        [STMT_CLASS_SUBTREE_HAS_INSTANCES] = SQL_SUBTREE
                "SELECT 1 FROM sub, instances i WHERE i.ns_id = ?1 AND i.class_ci = sub.n LIMIT 1",
        [STMT_CLASS_DELETE_SUBTREE_INSTANCES] = SQL_SUBTREE
                "DELETE FROM instances WHERE ns_id = ?1 AND class_ci IN sub",
        [STMT_CLASS_DELETE_SUBTREE] = SQL_SUBTREE
                "DELETE FROM classes WHERE ns_id = ?1 AND name_ci IN sub",
        [STMT_CLASS_ENUM_ALL] = "SELECT blob FROM classes WHERE ns_id = ?1 ORDER BY depth, name_ci",
        [STMT_CLASS_ENUM_CHILDREN] = "SELECT blob FROM classes WHERE ns_id = ?1 AND "
                                     "super_ci = lower(?2) ORDER BY name_ci",
        [STMT_CLASS_ENUM_DEEP] = SQL_DESCENDANTS
                "SELECT blob FROM classes WHERE ns_id = ?1 AND name_ci IN sub "
                "ORDER BY depth, name_ci",
        [STMT_CLASS_NAMES_ALL] = "SELECT name, super FROM classes WHERE ns_id = ?1 "
                                 "ORDER BY depth, name_ci",
        [STMT_CLASS_NAMES_CHILDREN] = "SELECT name, super FROM classes WHERE ns_id = ?1 AND "
                                      "super_ci = lower(?2) ORDER BY name_ci",
        [STMT_CLASS_NAMES_DEEP] = SQL_DESCENDANTS
                "SELECT name, super FROM classes WHERE ns_id = ?1 AND name_ci IN sub "
                "ORDER BY depth, name_ci",
        [STMT_INST_GET] = "SELECT blob, key_ci FROM instances WHERE ns_id = ?1 AND key_ci = lower(?2)",
        /* instances of any class with these keys (the path after the class name) */
        [STMT_INST_BY_KEYS] = "SELECT blob, key_ci, class_ci FROM instances "
                              "WHERE ns_id = ?1 AND keys_ci = lower(?2)",
        /* is class ?2 (lower case) class ?3 or derived from it: up the chain */
        [STMT_CLASS_IS_A] = "WITH RECURSIVE up(n) AS (SELECT ?2 UNION "
                            "SELECT c.super_ci FROM classes c, up WHERE c.ns_id = ?1 AND "
                            "c.name_ci = up.n AND c.super_ci <> '') "
                            "SELECT 1 FROM up WHERE n = lower(?3)",
        [STMT_INST_PUT] = "INSERT INTO instances(ns_id, class_ci, key_ci, keys_ci, blob) "
                          "VALUES (?1, lower(?2), lower(?3), lower(?4), ?5) "
                          "ON CONFLICT(ns_id, key_ci) DO UPDATE SET class_ci = excluded.class_ci, "
                          "keys_ci = excluded.keys_ci, blob = excluded.blob",
        [STMT_INST_DELETE] = "DELETE FROM instances WHERE ns_id = ?1 AND key_ci = lower(?2)",
        [STMT_INST_ENUM] = "SELECT blob FROM instances WHERE ns_id = ?1 AND class_ci = lower(?2) "
                           "ORDER BY key_ci",
        [STMT_INST_ENUM_DEEP] = SQL_SUBTREE
                "SELECT i.blob FROM sub, instances i WHERE i.ns_id = ?1 AND i.class_ci = sub.n",
        [STMT_COUNT_NS] = "SELECT (SELECT count(*) FROM classes WHERE ns_id = ?1), "
                          "(SELECT count(*) FROM qualifiers WHERE ns_id = ?1), "
                          "(SELECT count(*) FROM instances WHERE ns_id = ?1)",
        [STMT_COUNT_ALL] = "SELECT (SELECT count(*) FROM classes), (SELECT count(*) FROM qualifiers), "
                           "(SELECT count(*) FROM instances)",
};

static const char schema_sql[] =
        "CREATE TABLE namespaces ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " name_ci TEXT NOT NULL UNIQUE,"
        " name TEXT NOT NULL,"
        " parent_id INTEGER REFERENCES namespaces(id) ON DELETE CASCADE);"
        "CREATE INDEX namespaces_parent ON namespaces(parent_id);"
        "CREATE TABLE qualifiers ("
        " ns_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,"
        " name_ci TEXT NOT NULL,"
        " blob BLOB NOT NULL,"
        " PRIMARY KEY (ns_id, name_ci));"
        "CREATE TABLE classes ("
        " ns_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,"
        " name_ci TEXT NOT NULL,"
        " name TEXT NOT NULL,"
        " super_ci TEXT NOT NULL,"
        " super TEXT,"
        " depth INTEGER NOT NULL,"
        " assoc INTEGER NOT NULL DEFAULT 0,"
        " provider TEXT,"
        " blob BLOB NOT NULL,"
        " PRIMARY KEY (ns_id, name_ci));"
        "CREATE INDEX classes_super ON classes(ns_id, super_ci);"
        "CREATE TABLE instances ("
        " ns_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,"
        " class_ci TEXT NOT NULL,"
        " key_ci TEXT NOT NULL,"
        " keys_ci TEXT NOT NULL,"
        " blob BLOB NOT NULL,"
        " PRIMARY KEY (ns_id, key_ci));"
        "CREATE INDEX instances_class ON instances(ns_id, class_ci);"
        "CREATE INDEX instances_keys ON instances(ns_id, keys_ci);";

struct repo_stmt {
        sqlite3_stmt *stmt;
        bool busy;                      /* handed out and not yet released */
};

struct repo {
        sqlite3 *db;
        char *path;
        bool readonly;
        unsigned tx_depth;              /* repo_transaction_begin nesting */
        bool tx_aborted;                /* an inner rollback undid the transaction */
        struct repo_stmt stmts[_STMT_MAX];
        /* Full classes rebuilt from their stored local parts, by
         * "ns_id|name": dropped on any class change, rollback, or commit by
         * another connection (data_version). */
        struct hashmap class_cache;
        struct cim_object **cached;
        size_t cached_count, cached_alloc;
        int64_t data_version;
};

#define REPO_CLASS_CACHE_MAX 4096

static void class_cache_clear(struct repo *repo);

/* A namespace as looked up: id, canonical name, parent (0 for root). */
struct repo_ns {
        int64_t id;
        int64_t parent_id;
        char name[REPO_NS_MAX + 1];
};

/* ---- errors ----------------------------------------------------------- */

static int db_error(struct repo *repo, int rc, struct owmi_error *err)
{
        const char *msg = repo->db ? sqlite3_errmsg(repo->db) : sqlite3_errstr(rc);
        uint32_t code;

        switch (rc & 0xff) {
        case SQLITE_NOMEM:
                code = OWMI_E_OUT_OF_MEMORY;
                break;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                code = OWMI_E_SERVER_TOO_BUSY;
                break;
        case SQLITE_FULL:
                code = OWMI_E_OUT_OF_DISK_SPACE;
                break;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
                code = OWMI_E_ACCESS_DENIED;
                break;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                code = OWMI_E_CRITICAL_ERROR;
                break;
        default:
                code = OWMI_E_FAILED;
                break;
        }
        return owmi_error_set(err, code, "repository '%s': %s", repo->path, msg);
}

static int oom(struct owmi_error *err)
{
        return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
}

/* A stored record that does not decode. */
static int damaged(struct owmi_error *err, int r, const char *what, const char *name)
{
        if (r == -ENOMEM)
                return oom(err);
        return owmi_error_set(err, OWMI_E_CRITICAL_ERROR, "damaged record of %s '%s' in repository",
                              what, name);
}

/* ---- statements ------------------------------------------------------- */

static int stmt_acquire(struct repo *repo, enum stmt_id id, sqlite3_stmt **ret,
                        struct owmi_error *err)
{
        struct repo_stmt *s = &repo->stmts[id];
        sqlite3_stmt *stmt;
        int rc;

        if (s->stmt && !s->busy) {
                s->busy = true;
                *ret = s->stmt;
                return 0;
        }
        rc = sqlite3_prepare_v3(repo->db, stmt_sql[id], -1, s->stmt ? 0 : SQLITE_PREPARE_PERSISTENT,
                                &stmt, NULL);
        if (rc != SQLITE_OK)
                return db_error(repo, rc, err);
        if (!s->stmt) {
                s->stmt = stmt;
                s->busy = true;
        }
        *ret = stmt;
        return 0;
}

static void stmt_release(struct repo *repo, enum stmt_id id, sqlite3_stmt *stmt)
{
        struct repo_stmt *s = &repo->stmts[id];

        if (!stmt)
                return;
        if (stmt != s->stmt) {
                sqlite3_finalize(stmt);
                return;
        }
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        s->busy = false;
}

/* 1 for a row, 0 when done, else a negative errno with err filled. */
static int stmt_step(struct repo *repo, sqlite3_stmt *stmt, struct owmi_error *err)
{
        int rc = sqlite3_step(stmt);

        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return db_error(repo, rc, err);
}

static void bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
        if (s)
                sqlite3_bind_text(stmt, idx, s, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(stmt, idx);
}

static void bind_blob(sqlite3_stmt *stmt, int idx, const struct strbuf *sb)
{
        sqlite3_bind_blob(stmt, idx, sb->buf ? sb->buf : "", (int) sb->len, SQLITE_STATIC);
}

/* Run a query (?1 namespace id, ?2 a, ?3 b if given) and set *ret_found
 * to whether it returned a row. */
static int query_exists(struct repo *repo, enum stmt_id id, int64_t ns_id, const char *a,
                        const char *b, bool *ret_found, struct owmi_error *err)
{
        sqlite3_stmt *stmt;
        int r = stmt_acquire(repo, id, &stmt, err);

        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, ns_id);
        bind_text(stmt, 2, a);
        if (b)
                bind_text(stmt, 3, b);
        r = stmt_step(repo, stmt, err);
        stmt_release(repo, id, stmt);
        if (r < 0)
                return r;
        *ret_found = r == 1;
        return 0;
}

/* Run a statement that returns no rows: ?1 ns_id, ?2 a. */
static int exec_write(struct repo *repo, enum stmt_id id, int64_t ns_id, const char *a,
                      struct owmi_error *err)
{
        sqlite3_stmt *stmt;
        int r = stmt_acquire(repo, id, &stmt, err);

        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, ns_id);
        if (a)
                bind_text(stmt, 2, a);
        r = stmt_step(repo, stmt, err);
        stmt_release(repo, id, stmt);
        return r < 0 ? r : 0;
}

static int exec_plain(struct repo *repo, enum stmt_id id, struct owmi_error *err)
{
        sqlite3_stmt *stmt;
        int r = stmt_acquire(repo, id, &stmt, err);

        if (r < 0)
                return r;
        r = stmt_step(repo, stmt, err);
        stmt_release(repo, id, stmt);
        return r < 0 ? r : 0;
}

/* ---- transactions ----------------------------------------------------- */

/* Every changing call runs inside op_begin/op_end: its own transaction
 * when none is open, else a savepoint, so that a call that fails half way
 * leaves nothing behind even inside the caller's transaction. */
static int op_begin(struct repo *repo, bool *ret_outer, struct owmi_error *err)
{
        bool outer;
        int r;

        if (repo->readonly)
                return owmi_error_set(err, OWMI_E_ACCESS_DENIED, "repository '%s' is open read-only",
                                      repo->path);
        if (repo->tx_aborted)
                return owmi_error_set(err, OWMI_E_FAILED,
                                      "transaction was rolled back; commit or roll back first");
        outer = sqlite3_get_autocommit(repo->db);
        r = exec_plain(repo, outer ? STMT_BEGIN : STMT_SAVEPOINT, err);
        if (r < 0)
                return r;
        *ret_outer = outer;
        return 0;
}

static int op_end(struct repo *repo, bool outer, int r, struct owmi_error *err)
{
        if (r >= 0) {
                int q = exec_plain(repo, outer ? STMT_COMMIT : STMT_RELEASE, err);

                if (q >= 0)
                        return r;
                r = q;
        }
        class_cache_clear(repo); /* it may hold classes of the undone work */
        /* SQLite may have rolled back the whole transaction by itself
         * (disk full, I/O error): then there is nothing left to undo */
        if (!sqlite3_get_autocommit(repo->db)) {
                if (outer) {
                        exec_plain(repo, STMT_ROLLBACK, NULL);
                } else {
                        exec_plain(repo, STMT_ROLLBACK_TO, NULL);
                        exec_plain(repo, STMT_RELEASE, NULL);
                }
        }
        if (repo->tx_depth > 0 && sqlite3_get_autocommit(repo->db))
                repo->tx_aborted = true;
        return r;
}

int repo_transaction_begin(struct repo *repo, struct owmi_error *err)
{
        int r;

        if (repo->readonly)
                return owmi_error_set(err, OWMI_E_ACCESS_DENIED, "repository '%s' is open read-only",
                                      repo->path);
        if (repo->tx_depth == 0) {
                r = exec_plain(repo, STMT_BEGIN, err);
                if (r < 0)
                        return r;
        }
        repo->tx_depth++;
        return 0;
}

int repo_transaction_commit(struct repo *repo, struct owmi_error *err)
{
        int r;

        if (repo->tx_depth == 0)
                return owmi_error_set(err, OWMI_E_INVALID_OPERATION, "no transaction to commit");
        repo->tx_depth--;
        if (repo->tx_aborted) {
                if (repo->tx_depth == 0)
                        repo->tx_aborted = false;
                return owmi_error_set(err, OWMI_E_FAILED, "transaction was rolled back");
        }
        if (repo->tx_depth > 0)
                return 0;
        r = exec_plain(repo, STMT_COMMIT, err);
        if (r < 0)
                class_cache_clear(repo);
        if (r < 0 && !sqlite3_get_autocommit(repo->db))
                exec_plain(repo, STMT_ROLLBACK, NULL);
        return r;
}

void repo_transaction_rollback(struct repo *repo)
{
        if (!repo || repo->tx_depth == 0)
                return;
        class_cache_clear(repo);
        repo->tx_depth--;
        if (!repo->tx_aborted && !sqlite3_get_autocommit(repo->db))
                exec_plain(repo, STMT_ROLLBACK, NULL);
        /* the outer levels learn of it when they commit */
        repo->tx_aborted = repo->tx_depth > 0;
}

/* ---- namespaces ------------------------------------------------------- */

static bool ns_char_ok(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c >= 0x80;
}

/* "root\cimv2", "/root/cimv2/" -> "root/cimv2"; empty components and odd
 * characters are refused. */
static int ns_normalize(const char *ns, char *buf, struct owmi_error *err)
{
        size_t n = 0;
        const char *p = ns;

        if (!ns)
                return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE, "no namespace given");
        while (*p == '/' || *p == '\\')
                p++;
        for (; *p; p++) {
                char c = *p == '\\' ? '/' : *p;

                if (c == '/') {
                        /* "a//b" is an empty component; a trailing separator is not */
                        if (n > 0 && buf[n - 1] == '/')
                                goto invalid;
                } else if (!ns_char_ok((unsigned char) c)) {
                        goto invalid;
                }
                if (n >= REPO_NS_MAX)
                        goto invalid;
                buf[n++] = c;
        }
        while (n > 0 && buf[n - 1] == '/')
                n--;
        if (n == 0)
                goto invalid;
        buf[n] = '\0';
        return 0;
invalid:
        return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE, "invalid namespace name '%s'", ns);
}

/* 1 and *ret filled if the (normalized) namespace exists, 0 if not. */
static int ns_find(struct repo *repo, const char *norm, struct repo_ns *ret, struct owmi_error *err)
{
        sqlite3_stmt *stmt;
        int r = stmt_acquire(repo, STMT_NS_GET, &stmt, err);

        if (r < 0)
                return r;
        bind_text(stmt, 1, norm);
        r = stmt_step(repo, stmt, err);
        if (r == 1) {
                const char *name = (const char *) sqlite3_column_text(stmt, 1);

                ret->id = sqlite3_column_int64(stmt, 0);
                ret->parent_id = sqlite3_column_int64(stmt, 2);
                snprintf(ret->name, sizeof(ret->name), "%s", name ? name : norm);
        }
        stmt_release(repo, STMT_NS_GET, stmt);
        return r;
}

/* Look up a namespace a call works in: OWMI_E_INVALID_NAMESPACE if absent. */
static int ns_lookup(struct repo *repo, const char *ns, struct repo_ns *ret, struct owmi_error *err)
{
        char norm[REPO_NS_MAX + 1];
        int r = ns_normalize(ns, norm, err);

        if (r < 0)
                return r;
        r = ns_find(repo, norm, ret, err);
        if (r < 0)
                return r;
        if (r == 0)
                return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE, "namespace '%s' does not exist",
                                      norm);
        return 0;
}

/* Objects handed out carry the namespace they came from. */
static int set_namespace(struct cim_object *obj, const struct repo_ns *ns)
{
        char *copy = owmi_strdup(ns->name);

        if (!copy)
                return -ENOMEM;
        owmi_free(obj->namespace);
        obj->namespace = copy;
        return 0;
}

/* ---- class rows ------------------------------------------------------- */

static int encode_object(const struct cim_object *obj, struct strbuf *out, struct owmi_error *err);

static void class_cache_clear(struct repo *repo)
{
        for (size_t i = 0; i < repo->cached_count; i++)
                cim_object_free(repo->cached[i]);
        repo->cached_count = 0;
        hashmap_release(&repo->class_cache);
}

/* Another connection's commit makes every cached class suspect. */
static void class_cache_check(struct repo *repo)
{
        sqlite3_stmt *stmt;
        int64_t version;

        if (stmt_acquire(repo, STMT_DATA_VERSION, &stmt, NULL) < 0)
                return;
        if (sqlite3_step(stmt) == SQLITE_ROW) {
                version = sqlite3_column_int64(stmt, 0);
                if (version != repo->data_version)
                        class_cache_clear(repo);
                repo->data_version = version;
        }
        stmt_release(repo, STMT_DATA_VERSION, stmt);
}

static int class_cache_key(struct strbuf *key, const struct repo_ns *ns, const char *name)
{
        strbuf_reset(key);
        strbuf_addf(key, "%lld|%s", (long long) ns->id, name);
        return strbuf_error(key);
}

/* The stored form of a class: only what it declares itself; what it
 * inherits is rebuilt from the superclass on load (as WMI stores classes),
 * which keeps the schema small and a superclass change visible below it. */
static int encode_class(const struct cim_object *cls, struct strbuf *out, struct owmi_error *err)
{
        struct cim_object *local = cim_object_local_part(cls);
        int r;

        if (!local)
                return oom(err);
        owmi_free(local->namespace);
        local->namespace = NULL;
        r = encode_object(local, out, err);
        cim_object_free(local);
        return r;
}

/* The full class: 1 and *ret (borrowed from the cache) if present, 0 if
 * not.  ret_depth may be NULL. */
static int class_full(struct repo *repo, const struct repo_ns *ns, const char *name,
                      const struct cim_object **ret, int64_t *ret_depth, unsigned level,
                      struct owmi_error *err)
{
        struct strbuf key = STRBUF_INIT;
        struct cim_object *local = NULL, *full = NULL;
        const struct cim_object *parent = NULL;
        int64_t depth = 0;
        sqlite3_stmt *stmt;
        int r;

        if (level > REPO_MAX_CLASS_DEPTH)
                return owmi_error_set(err, OWMI_E_FAILED, "class hierarchy of '%s' is too deep", name);
        if (class_cache_key(&key, ns, name) < 0)
                return oom(err);
        if (!ret_depth && (full = hashmap_get(&repo->class_cache, key.buf))) {
                strbuf_release(&key);
                *ret = full;
                return 1;
        }
        r = stmt_acquire(repo, STMT_CLASS_GET, &stmt, err);
        if (r < 0)
                goto out;
        sqlite3_bind_int64(stmt, 1, ns->id);
        bind_text(stmt, 2, name);
        r = stmt_step(repo, stmt, err);
        if (r == 1) {
                int q = cim_object_decode(sqlite3_column_blob(stmt, 0),
                                          (size_t) sqlite3_column_bytes(stmt, 0), &local);

                depth = sqlite3_column_int64(stmt, 1);
                if (q < 0)
                        r = damaged(err, q, "class", name);
        }
        stmt_release(repo, STMT_CLASS_GET, stmt);
        if (r <= 0)
                goto out;
        full = hashmap_get(&repo->class_cache, key.buf);
        if (full)
                goto found;
        if (local->superclass) {
                r = class_full(repo, ns, local->superclass, &parent, NULL, level + 1, err);
                if (r == 0)
                        r = damaged(err, -EBADMSG, "superclass of", name);
                if (r < 0)
                        goto out;
        }
        full = cim_object_rebuild(parent, local);
        if (!full || set_namespace(full, ns) < 0) {
                r = oom(err);
                goto out;
        }
        if (repo->cached_count >= REPO_CLASS_CACHE_MAX)
                class_cache_clear(repo);
        if (OWMI_GROW(repo->cached, repo->cached_alloc, repo->cached_count + 1) < 0 ||
            hashmap_put(&repo->class_cache, key.buf, full) < 0) {
                r = oom(err);
                goto out;
        }
        repo->cached[repo->cached_count++] = full;
found:
        *ret = full;
        full = NULL;
        if (ret_depth)
                *ret_depth = depth;
        r = 1;
out:
        if (full && r < 0)
                cim_object_free(full);
        cim_object_free(local);
        strbuf_release(&key);
        return r;
}

/* Load a class: 1 and *ret (a copy, namespace set) if present, 0 if not.
 * ret_depth may be NULL; ret may be NULL to test presence. */
static int class_load(struct repo *repo, const struct repo_ns *ns, const char *name,
                      struct cim_object **ret, int64_t *ret_depth, struct owmi_error *err)
{
        const struct cim_object *full;
        sqlite3_stmt *stmt;
        int r;

        if (!ret) {
                /* presence and depth need no decoding */
                r = stmt_acquire(repo, STMT_CLASS_DEPTH, &stmt, err);
                if (r < 0)
                        return r;
                sqlite3_bind_int64(stmt, 1, ns->id);
                bind_text(stmt, 2, name);
                r = stmt_step(repo, stmt, err);
                if (r == 1 && ret_depth)
                        *ret_depth = sqlite3_column_int64(stmt, 0);
                stmt_release(repo, STMT_CLASS_DEPTH, stmt);
                return r;
        }
        class_cache_check(repo);
        r = class_full(repo, ns, name, &full, ret_depth, 0, err);
        if (r <= 0 || !ret)
                return r;
        *ret = cim_object_clone(full);
        return *ret ? 1 : oom(err);
}

static int class_store(struct repo *repo, const struct repo_ns *ns, const struct cim_object *cls,
                       int64_t depth, const struct strbuf *blob, struct owmi_error *err)
{
        sqlite3_stmt *stmt;
        int r = stmt_acquire(repo, STMT_CLASS_PUT, &stmt, err);

        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, ns->id);
        bind_text(stmt, 2, cls->class_name);
        bind_text(stmt, 3, cls->superclass);
        sqlite3_bind_int64(stmt, 4, depth);
        bind_blob(stmt, 5, blob);
        sqlite3_bind_int(stmt, 6, cim_object_is_association(cls));
        /* instances of a Dynamic class come from its provider, not from here */
        bind_text(stmt, 7, cim_qualifier_list_flag(&cls->qualifiers, "Dynamic") ?
                  cim_qualifier_list_string(&cls->qualifiers, "Provider") : NULL);
        r = stmt_step(repo, stmt, err);
        stmt_release(repo, STMT_CLASS_PUT, stmt);
        return r < 0 ? r : 0;
}

static int encode_object(const struct cim_object *obj, struct strbuf *out, struct owmi_error *err)
{
        int r = cim_object_encode(obj, out);

        if (r == -ENOMEM)
                return oom(err);
        if (r < 0)
                return owmi_error_set(err, OWMI_E_INVALID_OBJECT,
                                      "%s '%s' cannot be stored: %s",
                                      obj->genus == CIM_GENUS_CLASS ? "class" : "instance of",
                                      obj->class_name, strerror(-r));
        return 0;
}

/* ---- instance keys ---------------------------------------------------- */

static int format_relpath(const struct cim_objpath *path, struct strbuf *out,
                          struct owmi_error *err)
{
        int r = cim_objpath_format(path, CIM_OBJPATH_RELATIVE, out);

        if (r >= 0)
                r = strbuf_error(out);
        if (r == -ENOMEM)
                return oom(err);
        if (r < 0)
                return owmi_error_set(err, OWMI_E_INVALID_OBJECT_PATH,
                                      "the path of an instance of '%s' cannot be written: %s",
                                      path->class_name, strerror(-r));
        return 0;
}

/* The canonical relative path of inst, keyed by the key properties of its
 * class cls (an instance's own properties need not carry the Key
 * qualifier: spawned instances keep only ToInstance qualifiers). */
static int instance_relpath(const struct cim_object *cls, const struct cim_object *inst,
                            struct strbuf *out, struct owmi_error *err)
{
        struct cim_objpath path = { 0 };
        int r = 0;

        path.class_name = owmi_strdup(inst->class_name);
        if (!path.class_name)
                return oom(err);
        for (size_t i = 0; i < cls->prop_count; i++) {
                const struct cim_property *cp = &cls->props[i];
                const struct cim_property *ip;
                struct cim_value v;

                if (!cim_property_is_key(cp))
                        continue;
                ip = cim_object_find_property(inst, cp->name);
                if (!ip || ip->value.is_null) {
                        r = owmi_error_set(err, OWMI_E_ILLEGAL_NULL,
                                           "key property '%s' of '%s' is NULL", cp->name,
                                           inst->class_name);
                        goto out;
                }
                /* the declared type, so that 5 and "5" give one key */
                r = cim_value_convert(&ip->value, cp->type, cp->is_array, &v, err);
                if (r == -ENOMEM)
                        r = oom(err);
                if (r < 0)
                        goto out;
                r = cim_objpath_add_key(&path, cp->name, &v);
                if (r < 0) {
                        cim_value_release(&v);
                        if (r == -ENOMEM)
                                r = oom(err);
                        else
                                r = owmi_error_set(err, r == -E2BIG ? OWMI_E_QUOTA_VIOLATION :
                                                   OWMI_E_CANNOT_BE_KEY, "key property '%s' of '%s' "
                                                   "cannot be part of a path%s", cp->name,
                                                   inst->class_name, r == -E2BIG ?
                                                   " (too many keys)" : "");
                        goto out;
                }
        }
        if (path.key_count == 0) {
                if (!cim_object_is_singleton(cls)) {
                        r = owmi_error_set(err, OWMI_E_INVALID_OBJECT,
                                           "class '%s' has no key property and is not a singleton",
                                           cls->class_name);
                        goto out;
                }
                path.singleton = true;
        }
        r = format_relpath(&path, out, err);
out:
        cim_objpath_release(&path);
        return r;
}

/* The canonical relative path of a requested instance path.  The single
 * unnamed key form (Class="v") gets the name of the class's one key. */
static int path_relpath(struct repo *repo, const struct repo_ns *ns, const struct cim_objpath *path,
                        struct strbuf *out, struct owmi_error *err)
{
        struct cim_objpath typed = { 0 };
        struct cim_object *cls = NULL;
        int r;

        if (!path->class_name)
                return owmi_error_set(err, OWMI_E_INVALID_OBJECT_PATH,
                                      "object path names no class");
        r = class_load(repo, ns, path->class_name, &cls, NULL, err);
        if (r < 0)
                return r;
        if (r == 0)
                return owmi_error_set(err, OWMI_E_INVALID_CLASS, "class '%s' does not exist",
                                      path->class_name);
        /* keys as the class declares them: "5", 5 and 0x5 are one uint32
         * key, and a string key stays the text it is */
        r = cim_objpath_copy(&typed, path);
        for (size_t i = 0; r >= 0 && i < typed.key_count; i++) {
                struct cim_keybinding *k = &typed.keys[i];
                const struct cim_property *key = NULL;
                struct cim_value v;

                size_t keys = 0;

                for (size_t j = 0; j < cls->prop_count; j++) {
                        const struct cim_property *p = &cls->props[j];

                        if (!cim_property_is_key(p))
                                continue;
                        keys++;
                        if (!k->name || owmi_strcasecmp(k->name, p->name) == 0)
                                key = p;
                }
                if (!k->name && keys != 1)
                        key = NULL; /* Class="v" needs a class with one key */
                if (!key) {
                        r = owmi_error_set(err, OWMI_E_INVALID_OBJECT_PATH, k->name ?
                                           "'%s' is not a key of class '%s'" :
                                           "%sclass '%s' has more than one key; name them",
                                           k->name ? k->name : "", path->class_name);
                        break;
                }
                if (cim_value_convert(&k->value, key->type, false, &v, NULL) < 0) {
                        r = owmi_error_set(err, OWMI_E_NOT_FOUND,
                                           "no instance of '%s' has that %s", path->class_name,
                                           key->name);
                        break;
                }
                cim_value_release(&k->value);
                k->value = v;
                if (!k->name && !(k->name = owmi_strdup(key->name)))
                        r = -ENOMEM;
        }
        if (r == -ENOMEM)
                r = oom(err);
        cim_object_free(cls);
        if (r >= 0)
                r = format_relpath(&typed, out, err);
        cim_objpath_release(&typed);
        return r;
}

/* Read a found instance row: blob (column 0) into *ret_obj and stored key
 * (column 1) into *ret_key, either may be NULL.  1, or a negative errno. */
static int instance_row(struct repo *repo, const struct repo_ns *ns, sqlite3_stmt *stmt,
                        const char *relpath, struct cim_object **ret_obj, char **ret_key,
                        struct owmi_error *err)
{
        struct cim_object *obj = NULL;
        char *key = NULL;

        if (ret_obj) {
                int q = cim_object_decode(sqlite3_column_blob(stmt, 0),
                                          (size_t) sqlite3_column_bytes(stmt, 0), &obj);

                if (q >= 0 && set_namespace(obj, ns) < 0) {
                        cim_object_free(obj);
                        q = -ENOMEM;
                }
                if (q < 0)
                        return damaged(err, q, "instance", relpath);
        }
        if (ret_key) {
                key = owmi_strdup((const char *) sqlite3_column_text(stmt, 1));
                if (!key) {
                        cim_object_free(obj);
                        return oom(err);
                }
                *ret_key = key;
        }
        if (ret_obj)
                *ret_obj = obj;
        return 1;
}

/* Find an instance by the canonical relpath of a path naming class_name:
 * 1 with *ret_obj (may be NULL) and *ret_key (stored key, caller frees; may
 * be NULL) if found, 0 if not.  An instance of a subclass is found by the
 * superclass's path too, as in WMI. */
static int instance_find(struct repo *repo, const struct repo_ns *ns, const char *class_name,
                         const char *relpath, struct cim_object **ret_obj, char **ret_key,
                         struct owmi_error *err)
{
        size_t cn = strlen(class_name);
        sqlite3_stmt *stmt;
        int r;

        r = stmt_acquire(repo, STMT_INST_GET, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, ns->id);
        bind_text(stmt, 2, relpath);
        r = stmt_step(repo, stmt, err);
        if (r == 1)
                r = instance_row(repo, ns, stmt, relpath, ret_obj, ret_key, err);
        stmt_release(repo, STMT_INST_GET, stmt);
        if (r != 0 || owmi_strncasecmp(relpath, class_name, cn) != 0)
                return r;

        /* same keys under another class name: is that class a subclass? */
        r = stmt_acquire(repo, STMT_INST_BY_KEYS, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, ns->id);
        bind_text(stmt, 2, relpath + cn);
        while ((r = stmt_step(repo, stmt, err)) == 1) {
                bool is_a;

                r = query_exists(repo, STMT_CLASS_IS_A, ns->id,
                                 (const char *) sqlite3_column_text(stmt, 2), class_name, &is_a,
                                 err);
                if (r < 0)
                        break;
                if (is_a) {
                        r = instance_row(repo, ns, stmt, relpath, ret_obj, ret_key, err);
                        break;
                }
        }
        stmt_release(repo, STMT_INST_BY_KEYS, stmt);
        return r;
}

/* relpath starts with the instance's class name, keys at keys_at. */
static int instance_store(struct repo *repo, const struct repo_ns *ns, const char *class_name,
                          const char *relpath, size_t keys_at, const struct strbuf *blob,
                          struct owmi_error *err)
{
        sqlite3_stmt *stmt;
        int r = stmt_acquire(repo, STMT_INST_PUT, &stmt, err);

        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, ns->id);
        bind_text(stmt, 2, class_name);
        bind_text(stmt, 3, relpath);
        bind_text(stmt, 4, relpath + keys_at);
        bind_blob(stmt, 5, blob);
        r = stmt_step(repo, stmt, err);
        stmt_release(repo, STMT_INST_PUT, stmt);
        return r < 0 ? r : 0;
}

/* ---- system classes and namespaces ------------------------------------ */

static int set_flag_qualifier(struct cim_qualifier_list *list, const char *name, uint32_t flavor)
{
        struct cim_value v;

        cim_value_set_bool(&v, true);
        return cim_qualifier_list_set(list, name, &v, flavor);
}

/* class __SystemClass (abstract) and class __NAMESPACE : __SystemClass
 * { [key] string Name; }, the part of WMI's system schema the repository
 * itself needs. */
static int make_system_classes(struct cim_object **ret_sys, struct cim_object **ret_ns)
{
        struct cim_object *sys, *nscls = NULL;
        struct cim_property *p;

        sys = cim_object_new_class("__SystemClass", NULL);
        if (!sys || set_flag_qualifier(&sys->qualifiers, "abstract",
                                       CIM_FLAVOR_ENABLE_OVERRIDE | CIM_FLAVOR_RESTRICTED) < 0)
                goto fail;
        nscls = cim_object_derive(sys, "__NAMESPACE");
        if (!nscls)
                goto fail;
        p = cim_object_add_property(nscls, "Name");
        if (!p)
                goto fail;
        p->type = CIM_TYPE_STRING;
        cim_value_init_null(&p->value, CIM_TYPE_STRING, false);
        p->class_origin = owmi_strdup("__NAMESPACE");
        if (!p->class_origin ||
            set_flag_qualifier(&p->qualifiers, "key", CIM_FLAVOR_DISABLE_OVERRIDE |
                               CIM_FLAVOR_TO_SUBCLASS | CIM_FLAVOR_TO_INSTANCE) < 0)
                goto fail;
        *ret_sys = sys;
        *ret_ns = nscls;
        return 0;
fail:
        cim_object_free(sys);
        cim_object_free(nscls);
        return -ENOMEM;
}

static int install_system_classes(struct repo *repo, const struct repo_ns *ns,
                                  struct owmi_error *err)
{
        struct cim_object *sys, *nscls;
        struct strbuf blob = STRBUF_INIT;
        int r;

        if (make_system_classes(&sys, &nscls) < 0)
                return oom(err);
        r = encode_class(sys, &blob, err);
        if (r >= 0)
                r = class_store(repo, ns, sys, 0, &blob, err);
        strbuf_reset(&blob);
        if (r >= 0)
                r = encode_class(nscls, &blob, err);
        if (r >= 0)
                r = class_store(repo, ns, nscls, 1, &blob, err);
        strbuf_release(&blob);
        cim_object_free(sys);
        cim_object_free(nscls);
        return r;
}

/* The __NAMESPACE instance (Name = leaf) in parent for a child namespace:
 * its class and relpath, and, if ret_inst, the instance itself. */
static int ns_instance(struct repo *repo, const struct repo_ns *parent, const char *leaf,
                       struct strbuf *relpath, struct cim_object **ret_inst, struct owmi_error *err)
{
        struct cim_object *cls = NULL, *inst = NULL;
        struct cim_value v;
        int r;

        r = class_load(repo, parent, "__NAMESPACE", &cls, NULL, err);
        if (r == 0)
                r = owmi_error_set(err, OWMI_E_INVALID_CLASS,
                                   "class '__NAMESPACE' missing in namespace '%s'", parent->name);
        if (r < 0)
                return r;
        inst = cim_object_spawn_instance(cls);
        if (!inst || cim_value_set_string(&v, CIM_TYPE_STRING, leaf) < 0) {
                r = oom(err);
                goto out;
        }
        r = cim_object_set_value(inst, "Name", &v, err);
        if (r == -ENOMEM)
                r = oom(err);
        cim_value_release(&v);
        if (r >= 0)
                r = instance_relpath(cls, inst, relpath, err);
        if (r >= 0 && ret_inst) {
                *ret_inst = inst;
                inst = NULL;
        }
out:
        cim_object_free(cls);
        cim_object_free(inst);
        return r;
}

/* Create a namespace given in normalized form; its parent must exist. */
static int ns_create(struct repo *repo, const char *norm, struct owmi_error *err)
{
        struct repo_ns parent = { 0 }, created = { 0 };
        char name[REPO_NS_MAX + 1];
        struct strbuf relpath = STRBUF_INIT, blob = STRBUF_INIT;
        struct cim_object *inst = NULL;
        const char *slash = strrchr(norm, '/');
        sqlite3_stmt *stmt;
        int r;

        r = ns_find(repo, norm, &created, err);
        if (r < 0)
                return r;
        if (r > 0)
                return owmi_error_set(err, OWMI_E_ALREADY_EXISTS, "namespace '%s' already exists",
                                      created.name);
        if (slash) {
                char pname[REPO_NS_MAX + 1];

                memcpy(pname, norm, (size_t) (slash - norm));
                pname[slash - norm] = '\0';
                r = ns_find(repo, pname, &parent, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE,
                                              "parent namespace '%s' does not exist", pname);
                /* the parent's spelling, the child's own last component */
                if ((size_t) snprintf(name, sizeof(name), "%s%s", parent.name, slash) >= sizeof(name))
                        return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE,
                                              "namespace name '%s' is too long", norm);
        } else {
                if (owmi_strcasecmp(norm, "root") != 0)
                        return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE,
                                              "namespace '%s' is not under 'root'", norm);
                snprintf(name, sizeof(name), "%s", norm);
        }

        r = stmt_acquire(repo, STMT_NS_INSERT, &stmt, err);
        if (r < 0)
                return r;
        bind_text(stmt, 1, name);
        if (slash)
                sqlite3_bind_int64(stmt, 2, parent.id);
        else
                sqlite3_bind_null(stmt, 2);
        r = stmt_step(repo, stmt, err);
        stmt_release(repo, STMT_NS_INSERT, stmt);
        if (r < 0)
                return r;
        created.id = sqlite3_last_insert_rowid(repo->db);
        created.parent_id = slash ? parent.id : 0;
        snprintf(created.name, sizeof(created.name), "%s", name);

        /* a new namespace gets its parent's system classes, as in WMI;
         * only root (or a parent without them) starts from the minimal pair */
        if (slash) {
                r = stmt_acquire(repo, STMT_CLASS_COPY_SYSTEM, &stmt, err);
                if (r < 0)
                        return r;
                sqlite3_bind_int64(stmt, 1, created.id);
                sqlite3_bind_int64(stmt, 2, parent.id);
                r = stmt_step(repo, stmt, err);
                stmt_release(repo, STMT_CLASS_COPY_SYSTEM, stmt);
                if (r < 0)
                        return r;
        }
        if (!slash || sqlite3_changes(repo->db) == 0)
                r = install_system_classes(repo, &created, err);
        if (r < 0 || !slash)
                return r;
        r = ns_instance(repo, &parent, slash + 1, &relpath, &inst, err);
        if (r >= 0) {
                owmi_free(inst->namespace);
                inst->namespace = NULL;
                r = encode_object(inst, &blob, err);
        }
        if (r >= 0)
                r = instance_store(repo, &parent, inst->class_name, strbuf_str(&relpath),
                                   strlen(inst->class_name), &blob, err);
        cim_object_free(inst);
        strbuf_release(&relpath);
        strbuf_release(&blob);
        return r;
}

static int ns_delete(struct repo *repo, const char *norm, struct owmi_error *err)
{
        class_cache_clear(repo);
        struct repo_ns ns, parent;
        struct strbuf relpath = STRBUF_INIT;
        const char *slash;
        char pname[REPO_NS_MAX + 1];
        int r;

        r = ns_find(repo, norm, &ns, err);
        if (r < 0)
                return r;
        if (r == 0)
                return owmi_error_set(err, OWMI_E_NOT_FOUND, "namespace '%s' does not exist", norm);
        slash = strrchr(ns.name, '/');
        if (!slash || ns.parent_id == 0)
                return owmi_error_set(err, OWMI_E_INVALID_OPERATION,
                                      "namespace '%s' cannot be deleted", ns.name);
        memcpy(pname, ns.name, (size_t) (slash - ns.name));
        pname[slash - ns.name] = '\0';
        r = ns_find(repo, pname, &parent, err);
        if (r < 0)
                return r;
        if (r > 0) {
                r = ns_instance(repo, &parent, slash + 1, &relpath, NULL, err);
                if (r >= 0)
                        r = exec_write(repo, STMT_INST_DELETE, parent.id, strbuf_str(&relpath), err);
                strbuf_release(&relpath);
                if (r < 0)
                        return r;
        }
        /* ON DELETE CASCADE takes the children and all their contents */
        return exec_write(repo, STMT_NS_DELETE, ns.id, NULL, err);
}

int repo_namespace_create(struct repo *repo, const char *ns, struct owmi_error *err)
{
        char norm[REPO_NS_MAX + 1];
        bool outer;
        int r;

        r = ns_normalize(ns, norm, err);
        if (r >= 0)
                r = op_begin(repo, &outer, err);
        if (r < 0)
                return r;
        return op_end(repo, outer, ns_create(repo, norm, err), err);
}

int repo_namespace_delete(struct repo *repo, const char *ns, struct owmi_error *err)
{
        char norm[REPO_NS_MAX + 1];
        bool outer;
        int r;

        r = ns_normalize(ns, norm, err);
        if (r >= 0)
                r = op_begin(repo, &outer, err);
        if (r < 0)
                return r;
        return op_end(repo, outer, ns_delete(repo, norm, err), err);
}

bool repo_namespace_exists(struct repo *repo, const char *ns)
{
        char norm[REPO_NS_MAX + 1];
        struct repo_ns found;

        if (ns_normalize(ns, norm, NULL) < 0)
                return false;
        return ns_find(repo, norm, &found, NULL) > 0;
}

int repo_namespace_children(struct repo *repo, const char *ns, repo_name_cb cb, void *userdata,
                            struct owmi_error *err)
{
        struct repo_ns parent;
        sqlite3_stmt *stmt;
        int r;

        r = ns_lookup(repo, ns, &parent, err);
        if (r < 0)
                return r;
        r = stmt_acquire(repo, STMT_NS_CHILDREN, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, parent.id);
        while ((r = stmt_step(repo, stmt, err)) == 1) {
                r = cb((const char *) sqlite3_column_text(stmt, 0), userdata);
                if (r != 0)
                        break;
        }
        stmt_release(repo, STMT_NS_CHILDREN, stmt);
        return r;
}

/* ---- qualifier declarations ------------------------------------------- */

int repo_qualifier_put(struct repo *repo, const char *ns, const struct cim_qualifier_decl *decl,
                       struct owmi_error *err)
{
        struct strbuf blob = STRBUF_INIT;
        struct repo_ns n;
        sqlite3_stmt *stmt;
        bool outer;
        int r;

        if (!decl->name || !cim_name_is_valid_identifier(decl->name))
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "invalid qualifier name '%s'",
                                      decl->name ? decl->name : "");
        r = cim_qualifier_decl_encode(decl, &blob);
        if (r < 0) {
                strbuf_release(&blob);
                return r == -ENOMEM ? oom(err) :
                       owmi_error_set(err, OWMI_E_INVALID_QUALIFIER,
                                      "qualifier '%s' cannot be stored: %s", decl->name,
                                      strerror(-r));
        }
        r = op_begin(repo, &outer, err);
        if (r < 0)
                goto out;
        r = ns_lookup(repo, ns, &n, err);
        if (r >= 0)
                r = stmt_acquire(repo, STMT_QUAL_PUT, &stmt, err);
        if (r >= 0) {
                sqlite3_bind_int64(stmt, 1, n.id);
                bind_text(stmt, 2, decl->name);
                bind_blob(stmt, 3, &blob);
                r = stmt_step(repo, stmt, err);
                stmt_release(repo, STMT_QUAL_PUT, stmt);
        }
        r = op_end(repo, outer, r < 0 ? r : 0, err);
out:
        strbuf_release(&blob);
        return r;
}

int repo_qualifier_get(struct repo *repo, const char *ns, const char *name,
                       struct cim_qualifier_decl *ret, struct owmi_error *err)
{
        struct cim_qualifier_decl decl;
        struct repo_ns n;
        sqlite3_stmt *stmt;
        int r;

        r = ns_lookup(repo, ns, &n, err);
        if (r >= 0)
                r = stmt_acquire(repo, STMT_QUAL_GET, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, n.id);
        bind_text(stmt, 2, name);
        r = stmt_step(repo, stmt, err);
        if (r == 1) {
                int q = cim_qualifier_decl_decode(sqlite3_column_blob(stmt, 0),
                                                  (size_t) sqlite3_column_bytes(stmt, 0), &decl);

                r = q < 0 ? damaged(err, q, "qualifier", name) : 1;
        }
        stmt_release(repo, STMT_QUAL_GET, stmt);
        if (r < 0)
                return r;
        if (r == 0)
                return owmi_error_set(err, OWMI_E_NOT_FOUND, "qualifier '%s' not found in '%s'",
                                      name, n.name);
        *ret = decl;
        return 0;
}

int repo_qualifier_delete(struct repo *repo, const char *ns, const char *name,
                          struct owmi_error *err)
{
        struct repo_ns n;
        bool outer;
        int r;

        r = op_begin(repo, &outer, err);
        if (r < 0)
                return r;
        r = ns_lookup(repo, ns, &n, err);
        if (r >= 0)
                r = exec_write(repo, STMT_QUAL_DELETE, n.id, name, err);
        if (r >= 0 && sqlite3_changes(repo->db) == 0)
                r = owmi_error_set(err, OWMI_E_NOT_FOUND, "qualifier '%s' not found in '%s'", name,
                                   n.name);
        return op_end(repo, outer, r, err);
}

int repo_qualifier_enumerate(struct repo *repo, const char *ns, repo_qualifier_cb cb,
                             void *userdata, struct owmi_error *err)
{
        struct repo_ns n;
        sqlite3_stmt *stmt;
        int r;

        r = ns_lookup(repo, ns, &n, err);
        if (r >= 0)
                r = stmt_acquire(repo, STMT_QUAL_ENUM, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, n.id);
        while ((r = stmt_step(repo, stmt, err)) == 1) {
                struct cim_qualifier_decl decl;
                int q = cim_qualifier_decl_decode(sqlite3_column_blob(stmt, 0),
                                                  (size_t) sqlite3_column_bytes(stmt, 0), &decl);

                if (q < 0) {
                        r = damaged(err, q, "qualifier in", n.name);
                        break;
                }
                r = cb(&decl, userdata);
                cim_qualifier_decl_release(&decl);
                if (r != 0)
                        break;
        }
        stmt_release(repo, STMT_QUAL_ENUM, stmt);
        return r;
}

/* ---- classes ---------------------------------------------------------- */

static bool key_sets_equal(const struct cim_object *a, const struct cim_object *b)
{
        if (cim_object_key_count(a) != cim_object_key_count(b) ||
            cim_object_is_singleton(a) != cim_object_is_singleton(b))
                return false;
        for (size_t i = 0; i < a->prop_count; i++) {
                const struct cim_property *pa = &a->props[i], *pb;

                if (!cim_property_is_key(pa))
                        continue;
                pb = cim_object_find_property(b, pa->name);
                if (!pb || !cim_property_is_key(pb) || pb->type != pa->type ||
                    pb->is_array != pa->is_array)
                        return false;
        }
        return true;
}

static bool names_equal_ci(const char *a, const char *b)
{
        return (!a && !b) || (a && b && owmi_strcasecmp(a, b) == 0);
}

/* The subclass old, derived again from its new parent: what it inherits
 * comes from parent, what it declares or overrides itself is kept. */
static struct cim_object *rederive(const struct cim_object *parent, const struct cim_object *old)
{
        struct cim_object *local = cim_object_local_part(old), *obj;

        if (!local)
                return NULL;
        obj = cim_object_rebuild(parent, local);
        cim_object_free(local);
        return obj;
}

/* Rebuild every subclass of parent (stored at depth) from it, recursively. */
static int rederive_children(struct repo *repo, const struct repo_ns *ns,
                             const struct cim_object *parent, int64_t depth, unsigned level,
                             struct owmi_error *err)
{
        struct cim_object **children = NULL;
        size_t count = 0, alloc = 0;
        struct strbuf blob = STRBUF_INIT;
        sqlite3_stmt *stmt;
        int r;

        if (level > REPO_MAX_CLASS_DEPTH)
                return owmi_error_set(err, OWMI_E_FAILED, "class hierarchy under '%s' is too deep",
                                      parent->class_name);
        /* read them all first: the loop below rewrites the rows */
        r = stmt_acquire(repo, STMT_CLASS_CHILDREN, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, ns->id);
        bind_text(stmt, 2, parent->class_name);
        while ((r = stmt_step(repo, stmt, err)) == 1) {
                struct cim_object *child;
                int q = cim_object_decode(sqlite3_column_blob(stmt, 0),
                                          (size_t) sqlite3_column_bytes(stmt, 0), &child);

                if (q < 0) {
                        r = damaged(err, q, "subclass of", parent->class_name);
                        break;
                }
                if (OWMI_GROW(children, alloc, count + 1) < 0) {
                        cim_object_free(child);
                        r = oom(err);
                        break;
                }
                children[count++] = child;
        }
        stmt_release(repo, STMT_CLASS_CHILDREN, stmt);

        for (size_t i = 0; r >= 0 && i < count; i++) {
                struct cim_object *fresh;

                /* the new parent must still allow what the child overrides */
                for (size_t j = 0; j < children[i]->prop_count; j++) {
                        const struct cim_property *own = &children[i]->props[j];
                        const struct cim_property *up = cim_object_find_property(parent, own->name);

                        if (up && (up->type != own->type || up->is_array != own->is_array)) {
                                r = owmi_error_set(err, OWMI_E_CLASS_HAS_CHILDREN,
                                                   "subclass '%s' declares '%s' with another type "
                                                   "than the new '%s' does", children[i]->class_name,
                                                   own->name, parent->class_name);
                                break;
                        }
                }
                if (r < 0)
                        break;
                fresh = rederive(parent, children[i]);

                if (!fresh) {
                        r = oom(err);
                        break;
                }
                owmi_free(fresh->namespace);
                fresh->namespace = NULL;
                strbuf_reset(&blob);
                r = encode_class(fresh, &blob, err);
                if (r >= 0)
                        r = class_store(repo, ns, fresh, depth + 1, &blob, err);
                if (r >= 0)
                        r = rederive_children(repo, ns, fresh, depth + 1, level + 1, err);
                cim_object_free(fresh);
        }
        for (size_t i = 0; i < count; i++)
                cim_object_free(children[i]);
        owmi_free(children);
        strbuf_release(&blob);
        return r < 0 ? r : 0;
}

static int class_put(struct repo *repo, const struct repo_ns *ns, const struct cim_object *cls,
                     unsigned flags, const struct strbuf *blob, struct owmi_error *err)
{
        struct cim_object *old = NULL;
        int64_t depth = 0, old_depth = 0;
        bool has_children = false, found;
        int r;

        if (cls->superclass) {
                r = class_load(repo, ns, cls->superclass, NULL, &depth, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return owmi_error_set(err, OWMI_E_INVALID_SUPERCLASS,
                                              "superclass '%s' of '%s' does not exist in '%s'",
                                              cls->superclass, cls->class_name, ns->name);
                depth++;
        }
        r = class_load(repo, ns, cls->class_name, &old, &old_depth, err);
        if (r < 0)
                return r;
        if (r > 0 && (flags & REPO_PUT_CREATE_ONLY)) {
                r = owmi_error_set(err, OWMI_E_ALREADY_EXISTS, "class '%s' already exists in '%s'",
                                   cls->class_name, ns->name);
                goto out;
        }
        if (r == 0 && (flags & REPO_PUT_UPDATE_ONLY))
                return owmi_error_set(err, OWMI_E_NOT_FOUND, "class '%s' not found in '%s'",
                                      cls->class_name, ns->name);
        if (old) {
                bool moved = !names_equal_ci(old->superclass, cls->superclass);

                /* recompiling the same MOF is not a change */
                if (!moved && depth == old_depth && cim_object_equal(old, cls)) {
                        r = 0;
                        goto store;
                }
                if (moved && cls->superclass) {
                        r = query_exists(repo, STMT_CLASS_IN_SUBTREE, ns->id, cls->class_name,
                                         cls->superclass, &found, err);
                        if (r < 0)
                                goto out;
                        if (found) {
                                r = owmi_error_set(err, OWMI_E_INVALID_SUPERCLASS,
                                                   "superclass '%s' derives from '%s'",
                                                   cls->superclass, cls->class_name);
                                goto out;
                        }
                }
                r = query_exists(repo, STMT_CLASS_HAS_CHILDREN, ns->id, cls->class_name, NULL,
                                 &has_children, err);
                if (r < 0)
                        goto out;
                if (has_children && !(flags & REPO_PUT_FORCE)) {
                        r = owmi_error_set(err, OWMI_E_CLASS_HAS_CHILDREN,
                                           "class '%s' has subclasses; update needs force mode",
                                           cls->class_name);
                        goto out;
                }
                if (moved || !key_sets_equal(old, cls)) {
                        r = query_exists(repo, STMT_CLASS_SUBTREE_HAS_INSTANCES, ns->id,
                                         cls->class_name, NULL, &found, err);
                        if (r < 0)
                                goto out;
                        if (found) {
                                r = owmi_error_set(err, OWMI_E_CLASS_HAS_INSTANCES,
                                                   "class '%s' has instances; its keys and "
                                                   "superclass cannot change", cls->class_name);
                                goto out;
                        }
                }
        }
store:
        /* a changed class changes what its cached subclasses inherit */
        if (old)
                class_cache_clear(repo);
        r = class_store(repo, ns, cls, depth, blob, err);
        if (r >= 0 && has_children)
                r = rederive_children(repo, ns, cls, depth, 0, err);
out:
        cim_object_free(old);
        return r;
}

int repo_class_put(struct repo *repo, const char *ns, const struct cim_object *cls,
                   unsigned flags, struct owmi_error *err)
{
        struct strbuf blob = STRBUF_INIT;
        struct repo_ns n;
        bool outer;
        int r;

        if (cls->genus != CIM_GENUS_CLASS)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                      "instance of '%s' given where a class is required",
                                      cls->class_name ? cls->class_name : "");
        if (!cls->class_name || !cim_name_is_valid_class(cls->class_name, true))
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "invalid class name '%s'",
                                      cls->class_name ? cls->class_name : "");
        if (cls->superclass && owmi_strcasecmp(cls->superclass, cls->class_name) == 0)
                return owmi_error_set(err, OWMI_E_INVALID_SUPERCLASS,
                                      "class '%s' cannot derive from itself", cls->class_name);
        if ((flags & REPO_PUT_CREATE_ONLY) && (flags & REPO_PUT_UPDATE_ONLY))
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                      "create-only and update-only together");
        r = encode_class(cls, &blob, err);
        if (r < 0)
                goto out;
        r = op_begin(repo, &outer, err);
        if (r < 0)
                goto out;
        r = ns_lookup(repo, ns, &n, err);
        if (r >= 0)
                r = class_put(repo, &n, cls, flags, &blob, err);
        r = op_end(repo, outer, r, err);
out:
        strbuf_release(&blob);
        return r;
}

int repo_class_get(struct repo *repo, const char *ns, const char *name,
                   struct cim_object **ret, struct owmi_error *err)
{
        struct cim_object *obj;
        struct repo_ns n;
        int r;

        r = ns_lookup(repo, ns, &n, err);
        if (r >= 0)
                r = class_load(repo, &n, name, &obj, NULL, err);
        if (r < 0)
                return r;
        if (r == 0)
                return owmi_error_set(err, OWMI_E_NOT_FOUND, "class '%s' not found in '%s'", name,
                                      n.name);
        *ret = obj;
        return 0;
}

bool repo_class_exists(struct repo *repo, const char *ns, const char *name)
{
        struct repo_ns n;

        return ns_lookup(repo, ns, &n, NULL) >= 0 && class_load(repo, &n, name, NULL, NULL, NULL) > 0;
}

int repo_class_delete(struct repo *repo, const char *ns, const char *name, unsigned flags,
                      struct owmi_error *err)
{
        struct repo_ns n;
        bool outer, found;
        int r;

        r = op_begin(repo, &outer, err);
        if (r < 0)
                return r;
        r = ns_lookup(repo, ns, &n, err);
        if (r >= 0)
                r = class_load(repo, &n, name, NULL, NULL, err);
        if (r == 0)
                r = owmi_error_set(err, OWMI_E_NOT_FOUND, "class '%s' not found in '%s'", name, n.name);
        if (r < 0)
                goto out;
        if (name[0] == '_' && name[1] == '_') {
                r = owmi_error_set(err, OWMI_E_INVALID_OPERATION,
                                   "system class '%s' cannot be deleted", name);
                goto out;
        }
        r = query_exists(repo, STMT_CLASS_SUBTREE_HAS_INSTANCES, n.id, name, NULL, &found, err);
        if (r < 0)
                goto out;
        if (found && !(flags & REPO_DELETE_FORCE)) {
                r = owmi_error_set(err, OWMI_E_CLASS_HAS_INSTANCES,
                                   "class '%s' or a subclass has instances", name);
                goto out;
        }
        if (found)
                r = exec_write(repo, STMT_CLASS_DELETE_SUBTREE_INSTANCES, n.id, name, err);
        if (r >= 0)
                r = exec_write(repo, STMT_CLASS_DELETE_SUBTREE, n.id, name, err);
        class_cache_clear(repo);
out:
        return op_end(repo, outer, r < 0 ? r : 0, err);
}

/* Run an enumeration statement: ?1 ns id, ?2 name (may be unbound), and
 * hand each decoded blob (column 0) to cb. */
static int enumerate_objects(struct repo *repo, const struct repo_ns *ns, enum stmt_id id,
                             const char *name, repo_object_cb cb, void *userdata,
                             struct owmi_error *err)
{
        sqlite3_stmt *stmt;
        int r;

        class_cache_check(repo); /* classes are rebuilt through the cache below */
        r = stmt_acquire(repo, id, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, ns->id);
        if (name)
                bind_text(stmt, 2, name);
        while ((r = stmt_step(repo, stmt, err)) == 1) {
                struct cim_object *obj;
                int q = cim_object_decode(sqlite3_column_blob(stmt, 0),
                                          (size_t) sqlite3_column_bytes(stmt, 0), &obj);

                if (q >= 0 && obj->genus == CIM_GENUS_CLASS) {
                        /* stored as its local part: the full class comes from the cache */
                        const struct cim_object *full;
                        char *name_copy = owmi_strdup(obj->class_name);

                        cim_object_free(obj);
                        obj = NULL;
                        q = name_copy ? class_full(repo, ns, name_copy, &full, NULL, 0, err) : -ENOMEM;
                        if (q > 0 && !(obj = cim_object_clone(full)))
                                q = -ENOMEM;
                        else if (q == 0)
                                q = -EBADMSG;
                        owmi_free(name_copy);
                        if (q < 0) {
                                r = q == -ENOMEM ? oom(err) : damaged(err, q, "class in", ns->name);
                                break;
                        }
                        q = 0;
                }
                if (q >= 0 && set_namespace(obj, ns) < 0) {
                        cim_object_free(obj);
                        q = -ENOMEM;
                }
                if (q < 0) {
                        r = damaged(err, q, "object in", ns->name);
                        break;
                }
                r = cb(obj, userdata);
                if (r != 0)
                        break;
        }
        stmt_release(repo, id, stmt);
        return r;
}

/* Resolve the namespace and check that superclass (if any) exists. */
static int enumerate_prepare(struct repo *repo, const char *ns, const char *class_name,
                             struct repo_ns *ret, struct owmi_error *err)
{
        int r = ns_lookup(repo, ns, ret, err);

        if (r < 0 || !class_name)
                return r;
        r = class_load(repo, ret, class_name, NULL, NULL, err);
        if (r == 0)
                r = owmi_error_set(err, OWMI_E_INVALID_CLASS, "class '%s' does not exist in '%s'",
                                   class_name, ret->name);
        return r < 0 ? r : 0;
}

int repo_class_enumerate(struct repo *repo, const char *ns, const char *superclass, bool deep,
                         repo_object_cb cb, void *userdata, struct owmi_error *err)
{
        struct repo_ns n;
        enum stmt_id id;
        int r = enumerate_prepare(repo, ns, superclass, &n, err);

        if (r < 0)
                return r;
        if (!superclass && deep)
                id = STMT_CLASS_ENUM_ALL;
        else if (!deep)
                id = STMT_CLASS_ENUM_CHILDREN;
        else
                id = STMT_CLASS_ENUM_DEEP;
        return enumerate_objects(repo, &n, id, id == STMT_CLASS_ENUM_ALL ? NULL :
                                 superclass ? superclass : "", cb, userdata, err);
}

int repo_association_classes(struct repo *repo, const char *ns, repo_name_cb cb, void *userdata,
                             struct owmi_error *err)
{
        struct repo_ns n;
        sqlite3_stmt *stmt;
        int r = ns_lookup(repo, ns, &n, err);

        if (r < 0)
                return r;
        r = stmt_acquire(repo, STMT_CLASS_ASSOCIATIONS, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, n.id);
        while ((r = stmt_step(repo, stmt, err)) == 1) {
                r = cb((const char *) sqlite3_column_text(stmt, 0), userdata);
                if (r != 0)
                        break;
        }
        stmt_release(repo, STMT_CLASS_ASSOCIATIONS, stmt);
        return r < 0 ? r : (r > 0 ? r : 0);
}

int repo_class_subtree(struct repo *repo, const char *ns, const char *class_name,
                       repo_class_name_cb cb, void *userdata, struct owmi_error *err)
{
        struct repo_ns n;
        sqlite3_stmt *stmt;
        int r = ns_lookup(repo, ns, &n, err);

        if (r < 0)
                return r;
        r = stmt_acquire(repo, STMT_CLASS_SUBTREE_PROVIDERS, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, n.id);
        bind_text(stmt, 2, class_name);
        while ((r = stmt_step(repo, stmt, err)) == 1) {
                r = cb((const char *) sqlite3_column_text(stmt, 0),
                       (const char *) sqlite3_column_text(stmt, 1), userdata);
                if (r != 0)
                        break;
        }
        stmt_release(repo, STMT_CLASS_SUBTREE_PROVIDERS, stmt);
        return r < 0 ? r : (r > 0 ? r : 0);
}

int repo_class_enumerate_names(struct repo *repo, const char *ns, const char *superclass,
                               bool deep, repo_class_name_cb cb, void *userdata,
                               struct owmi_error *err)
{
        struct repo_ns n;
        enum stmt_id id;
        sqlite3_stmt *stmt;
        int r = enumerate_prepare(repo, ns, superclass, &n, err);

        if (r < 0)
                return r;
        if (!superclass && deep)
                id = STMT_CLASS_NAMES_ALL;
        else if (!deep)
                id = STMT_CLASS_NAMES_CHILDREN;
        else
                id = STMT_CLASS_NAMES_DEEP;
        r = stmt_acquire(repo, id, &stmt, err);
        if (r < 0)
                return r;
        sqlite3_bind_int64(stmt, 1, n.id);
        if (id != STMT_CLASS_NAMES_ALL)
                bind_text(stmt, 2, superclass ? superclass : "");
        while ((r = stmt_step(repo, stmt, err)) == 1) {
                r = cb((const char *) sqlite3_column_text(stmt, 0),
                       (const char *) sqlite3_column_text(stmt, 1), userdata);
                if (r != 0)
                        break;
        }
        stmt_release(repo, id, stmt);
        return r;
}

/* ---- instances -------------------------------------------------------- */

static const struct cim_value *ns_instance_name(const struct cim_object *inst)
{
        const struct cim_property *p = cim_object_find_property(inst, "Name");

        if (!p || p->value.is_null || p->value.is_array || p->value.type != CIM_TYPE_STRING)
                return NULL;
        return &p->value;
}

/* Storing a __NAMESPACE instance creates the namespace, as in WMI. */
static int instance_put_namespace(struct repo *repo, const struct repo_ns *ns,
                                  const struct cim_object *inst, unsigned flags,
                                  struct owmi_error *err)
{
        const struct cim_value *name = ns_instance_name(inst);
        char child[REPO_NS_MAX + 1], norm[REPO_NS_MAX + 1];
        struct repo_ns found;
        int r;

        if (!name)
                return owmi_error_set(err, OWMI_E_ILLEGAL_NULL,
                                      "key property 'Name' of '__NAMESPACE' is NULL");
        if ((size_t) snprintf(child, sizeof(child), "%s/%s", ns->name, name->v.string) >= sizeof(child) ||
            !cim_name_is_valid_identifier(name->v.string))
                return owmi_error_set(err, OWMI_E_INVALID_NAMESPACE, "invalid namespace name '%s'",
                                      name->v.string);
        r = ns_normalize(child, norm, err);
        if (r >= 0)
                r = ns_find(repo, norm, &found, err);
        if (r < 0)
                return r;
        if (r > 0 && (flags & REPO_PUT_CREATE_ONLY))
                return owmi_error_set(err, OWMI_E_ALREADY_EXISTS, "namespace '%s' already exists",
                                      found.name);
        if (r == 0 && (flags & REPO_PUT_UPDATE_ONLY))
                return owmi_error_set(err, OWMI_E_NOT_FOUND, "namespace '%s' does not exist", norm);
        return r > 0 ? 0 : ns_create(repo, norm, err);
}

static int instance_put(struct repo *repo, const struct repo_ns *ns, const struct cim_object *inst,
                        unsigned flags, struct owmi_error *err)
{
        struct strbuf relpath = STRBUF_INIT, blob = STRBUF_INIT;
        struct cim_object *cls = NULL;
        int r;

        r = class_load(repo, ns, inst->class_name, &cls, NULL, err);
        if (r == 0)
                r = owmi_error_set(err, OWMI_E_INVALID_CLASS, "class '%s' does not exist in '%s'",
                                   inst->class_name, ns->name);
        if (r < 0)
                return r;
        if (cim_object_is_abstract(cls)) {
                r = owmi_error_set(err, OWMI_E_INVALID_OPERATION,
                                   "class '%s' is abstract and cannot have instances",
                                   cls->class_name);
                goto out;
        }
        if (owmi_strcasecmp(cls->class_name, "__NAMESPACE") == 0) {
                r = instance_put_namespace(repo, ns, inst, flags, err);
                goto out;
        }
        r = instance_relpath(cls, inst, &relpath, err);
        if (r < 0)
                goto out;
        if (flags & (REPO_PUT_CREATE_ONLY | REPO_PUT_UPDATE_ONLY)) {
                r = instance_find(repo, ns, inst->class_name, strbuf_str(&relpath), NULL, NULL, err);
                if (r < 0)
                        goto out;
                if (r > 0 && (flags & REPO_PUT_CREATE_ONLY)) {
                        r = owmi_error_set(err, OWMI_E_ALREADY_EXISTS,
                                           "instance '%s' already exists in '%s'",
                                           strbuf_str(&relpath), ns->name);
                        goto out;
                }
                if (r == 0 && (flags & REPO_PUT_UPDATE_ONLY)) {
                        r = owmi_error_set(err, OWMI_E_NOT_FOUND, "instance '%s' not found in '%s'",
                                           strbuf_str(&relpath), ns->name);
                        goto out;
                }
        }
        r = encode_object(inst, &blob, err);
        if (r >= 0)
                r = instance_store(repo, ns, cls->class_name, strbuf_str(&relpath),
                                   strlen(inst->class_name), &blob, err);
out:
        cim_object_free(cls);
        strbuf_release(&relpath);
        strbuf_release(&blob);
        return r < 0 ? r : 0;
}

int repo_instance_put(struct repo *repo, const char *ns, const struct cim_object *inst,
                      unsigned flags, struct owmi_error *err)
{
        struct repo_ns n;
        bool outer;
        int r;

        if (inst->genus != CIM_GENUS_INSTANCE || !inst->class_name)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                      "class '%s' given where an instance is required",
                                      inst->class_name ? inst->class_name : "");
        if ((flags & REPO_PUT_CREATE_ONLY) && (flags & REPO_PUT_UPDATE_ONLY))
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                      "create-only and update-only together");
        r = op_begin(repo, &outer, err);
        if (r < 0)
                return r;
        r = ns_lookup(repo, ns, &n, err);
        if (r >= 0)
                r = instance_put(repo, &n, inst, flags, err);
        return op_end(repo, outer, r, err);
}

/* Not found: say whether the class or the instance is missing. */
static int instance_not_found(struct repo *repo, const struct repo_ns *ns, const char *class_name,
                              const char *relpath, struct owmi_error *err)
{
        int r = class_load(repo, ns, class_name, NULL, NULL, err);

        if (r < 0)
                return r;
        if (r == 0)
                return owmi_error_set(err, OWMI_E_INVALID_CLASS, "class '%s' does not exist in '%s'",
                                      class_name, ns->name);
        return owmi_error_set(err, OWMI_E_NOT_FOUND, "instance '%s' not found in '%s'", relpath,
                              ns->name);
}

int repo_instance_get(struct repo *repo, const char *ns, const struct cim_objpath *path,
                      struct cim_object **ret, struct owmi_error *err)
{
        struct strbuf relpath = STRBUF_INIT;
        struct cim_object *obj = NULL;
        struct repo_ns n;
        int r;

        r = ns_lookup(repo, ns ? ns : path->namespace, &n, err);
        if (r >= 0)
                r = path_relpath(repo, &n, path, &relpath, err);
        if (r >= 0)
                r = instance_find(repo, &n, path->class_name, strbuf_str(&relpath), &obj, NULL, err);
        if (r == 0)
                r = instance_not_found(repo, &n, path->class_name, strbuf_str(&relpath), err);
        strbuf_release(&relpath);
        if (r < 0)
                return r;
        *ret = obj;
        return 0;
}

static int instance_delete(struct repo *repo, const struct repo_ns *ns,
                           const struct cim_objpath *path, struct owmi_error *err)
{
        struct strbuf relpath = STRBUF_INIT;
        struct cim_object *obj = NULL;
        char *key = NULL;
        int r;

        r = path_relpath(repo, ns, path, &relpath, err);
        if (r >= 0)
                r = instance_find(repo, ns, path->class_name, strbuf_str(&relpath), &obj, &key, err);
        if (r == 0)
                r = instance_not_found(repo, ns, path->class_name, strbuf_str(&relpath), err);
        if (r < 0)
                goto out;
        if (owmi_strcasecmp(obj->class_name, "__NAMESPACE") == 0) {
                /* deleting a __NAMESPACE instance deletes the namespace */
                const struct cim_value *name = ns_instance_name(obj);
                char child[REPO_NS_MAX + 1], norm[REPO_NS_MAX + 1];

                if (!name || (size_t) snprintf(child, sizeof(child), "%s/%s", ns->name,
                                               name->v.string) >= sizeof(child)) {
                        r = damaged(err, -EBADMSG, "instance", strbuf_str(&relpath));
                        goto out;
                }
                r = ns_normalize(child, norm, err);
                if (r >= 0)
                        r = ns_delete(repo, norm, err);
                goto out;
        }
        r = exec_write(repo, STMT_INST_DELETE, ns->id, key, err);
out:
        cim_object_free(obj);
        owmi_free(key);
        strbuf_release(&relpath);
        return r < 0 ? r : 0;
}

int repo_instance_delete(struct repo *repo, const char *ns, const struct cim_objpath *path,
                         struct owmi_error *err)
{
        struct repo_ns n;
        bool outer;
        int r;

        r = op_begin(repo, &outer, err);
        if (r < 0)
                return r;
        r = ns_lookup(repo, ns ? ns : path->namespace, &n, err);
        if (r >= 0)
                r = instance_delete(repo, &n, path, err);
        return op_end(repo, outer, r, err);
}

int repo_instance_enumerate(struct repo *repo, const char *ns, const char *class_name, bool deep,
                            repo_object_cb cb, void *userdata, struct owmi_error *err)
{
        struct repo_ns n;
        int r;

        if (!class_name)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "no class given");
        r = enumerate_prepare(repo, ns, class_name, &n, err);
        if (r < 0)
                return r;
        return enumerate_objects(repo, &n, deep ? STMT_INST_ENUM_DEEP : STMT_INST_ENUM, class_name,
                                 cb, userdata, err);
}

int repo_count(struct repo *repo, const char *ns, size_t *ret_classes, size_t *ret_qualifiers,
               size_t *ret_instances)
{
        enum stmt_id id = ns ? STMT_COUNT_NS : STMT_COUNT_ALL;
        struct repo_ns n = { 0 };
        sqlite3_stmt *stmt;
        int r;

        if (ns) {
                r = ns_lookup(repo, ns, &n, NULL);
                if (r < 0)
                        return r;
        }
        r = stmt_acquire(repo, id, &stmt, NULL);
        if (r < 0)
                return r;
        if (ns)
                sqlite3_bind_int64(stmt, 1, n.id);
        r = stmt_step(repo, stmt, NULL);
        if (r == 1) {
                if (ret_classes)
                        *ret_classes = (size_t) sqlite3_column_int64(stmt, 0);
                if (ret_qualifiers)
                        *ret_qualifiers = (size_t) sqlite3_column_int64(stmt, 1);
                if (ret_instances)
                        *ret_instances = (size_t) sqlite3_column_int64(stmt, 2);
                r = 0;
        } else if (r == 0) {
                r = -EIO;
        }
        stmt_release(repo, id, stmt);
        return r;
}

/* ---- open and close --------------------------------------------------- */

char *repo_default_path(void)
{
        const char *env = getenv("OWMI_REPOSITORY");
        const char *base;
        struct strbuf sb = STRBUF_INIT;

        if (env && *env)
                return owmi_strdup(env);
        if (geteuid() == 0)
                return owmi_strdup("/var/lib/openwmi/repository.db");
        base = getenv("XDG_DATA_HOME");
        if (base && base[0] == '/') {
                strbuf_addf(&sb, "%s/openwmi/repository.db", base);
        } else {
                const char *home = getenv("HOME");
                struct passwd *pw;

                if (!home || !*home) {
                        pw = getpwuid(geteuid());
                        home = pw ? pw->pw_dir : NULL;
                }
                if (!home)
                        return NULL;
                strbuf_addf(&sb, "%s/.local/share/openwmi/repository.db", home);
        }
        return strbuf_detach(&sb);
}

/* mkdir -p of the directory holding path; the repository holds security
 * settings, so directories we create are private. */
static void make_parent_dirs(const char *path)
{
        char *copy;

        if (path[0] == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
                return;
        copy = owmi_strdup(path);
        if (!copy)
                return;
        for (char *p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                (void) mkdir(copy, 0700);
                *p = '/';
        }
        owmi_free(copy);
}

static int db_exec(struct repo *repo, const char *sql, struct owmi_error *err)
{
        int rc = sqlite3_exec(repo->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : db_error(repo, rc, err);
}

static int pragma_int(struct repo *repo, const char *sql, int64_t *ret, struct owmi_error *err)
{
        sqlite3_stmt *stmt;
        int rc = sqlite3_prepare_v2(repo->db, sql, -1, &stmt, NULL);
        int r;

        if (rc != SQLITE_OK)
                return db_error(repo, rc, err);
        r = stmt_step(repo, stmt, err);
        if (r == 1)
                *ret = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return r < 0 ? r : 0;
}

/* Turn on WAL.  A file that several processes open for the first time at
 * once may report busy while another switches it; retry briefly. */
static int enable_wal(struct repo *repo, struct owmi_error *err)
{
        int r = 0;

        for (int attempt = 0; attempt < 100; attempt++) {
                sqlite3_stmt *stmt;
                int rc = sqlite3_prepare_v2(repo->db, "PRAGMA journal_mode=WAL", -1, &stmt, NULL);

                if (rc != SQLITE_OK)
                        return db_error(repo, rc, err);
                rc = sqlite3_step(stmt);
                if (rc == SQLITE_ROW) {
                        const char *mode = (const char *) sqlite3_column_text(stmt, 0);

                        /* ":memory:" stays "memory"; that is fine */
                        r = mode && (owmi_strcasecmp(mode, "wal") == 0 ||
                                     owmi_strcasecmp(mode, "memory") == 0) ? 0 :
                            owmi_error_set(err, OWMI_E_FAILED,
                                           "repository '%s' cannot use a WAL journal", repo->path);
                        sqlite3_finalize(stmt);
                        return r;
                }
                r = db_error(repo, rc, err);
                sqlite3_finalize(stmt);
                if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
                        return r;
                nanosleep(&(struct timespec) { .tv_nsec = 10 * 1000 * 1000 }, NULL);
        }
        return r;
}

static int schema_create(struct repo *repo, struct owmi_error *err)
{
        char pragma[64];
        int r;

        r = db_exec(repo, schema_sql, err);
        for (size_t i = 0; r >= 0 && repo_default_namespaces[i]; i++)
                r = ns_create(repo, repo_default_namespaces[i], err);
        if (r < 0)
                return r;
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", REPO_SCHEMA_VERSION);
        return db_exec(repo, pragma, err);
}

/* Check the schema version.  A new file gets its schema in one write
 * transaction, so that concurrent first opens create it once; an existing
 * one is only read, so opening never waits for a writer. */
static int schema_setup(struct repo *repo, struct owmi_error *err)
{
        int64_t version = 0;
        bool outer;
        int r;

        r = pragma_int(repo, "PRAGMA user_version", &version, err);
        if (r < 0)
                return r;
        if (version == 0 && repo->readonly)
                return owmi_error_set(err, OWMI_E_INITIALIZATION_FAILURE,
                                      "repository '%s' is not initialised", repo->path);
        if (version == 0) {
                r = op_begin(repo, &outer, err);
                if (r < 0)
                        return r;
                /* another process may have created it meanwhile */
                r = pragma_int(repo, "PRAGMA user_version", &version, err);
                if (r >= 0 && version == 0)
                        r = schema_create(repo, err);
                r = op_end(repo, outer, r, err);
                if (r < 0)
                        return r;
                if (version == 0)
                        version = REPO_SCHEMA_VERSION;
        }
        if (version != REPO_SCHEMA_VERSION)
                return owmi_error_set(err, OWMI_E_NOT_SUPPORTED,
                                      "repository '%s' has schema version %lld, expected %d",
                                      repo->path, (long long) version, REPO_SCHEMA_VERSION);
        return 0;
}

int repo_open(const char *path, unsigned flags, struct repo **ret, struct owmi_error *err)
{
        struct repo *repo;
        int oflags, rc, r;

        if (!path || !*path)
                return owmi_error_set(err, OWMI_E_INVALID_PARAMETER, "no repository path given");
        repo = owmi_calloc(1, sizeof(*repo));
        if (!repo)
                return oom(err);
        repo->path = owmi_strdup(path);
        if (!repo->path) {
                repo_close(repo);
                return oom(err);
        }
        repo->readonly = flags & REPO_OPEN_READONLY;
        if (repo->readonly) {
                oflags = SQLITE_OPEN_READONLY;
        } else {
                oflags = SQLITE_OPEN_READWRITE;
                if (!(flags & REPO_OPEN_NO_CREATE)) {
                        oflags |= SQLITE_OPEN_CREATE;
                        make_parent_dirs(path);
                }
        }
        /* one connection per thread (see the file header) */
        oflags |= SQLITE_OPEN_NOMUTEX;
        if (strncmp(path, "file:", 5) == 0)
                oflags |= SQLITE_OPEN_URI;
        rc = sqlite3_open_v2(path, &repo->db, oflags, NULL);
        if (rc != SQLITE_OK) {
                if ((rc & 0xff) == SQLITE_CANTOPEN && !(oflags & SQLITE_OPEN_CREATE))
                        r = owmi_error_set(err, OWMI_E_NOT_FOUND,
                                           "repository '%s' cannot be opened", path);
                else
                        r = db_error(repo, rc, err);
                repo_close(repo);
                return r;
        }
        sqlite3_extended_result_codes(repo->db, 1);
        sqlite3_busy_timeout(repo->db, REPO_BUSY_TIMEOUT_MS);
        r = db_exec(repo, "PRAGMA foreign_keys = ON", err);
        if (r >= 0 && !repo->readonly) {
                r = enable_wal(repo, err);
                if (r >= 0)
                        r = db_exec(repo, "PRAGMA synchronous = NORMAL", err);
        }
        if (r >= 0)
                r = schema_setup(repo, err);
        if (r < 0) {
                repo_close(repo);
                return r;
        }
        *ret = repo;
        return 0;
}

struct repo *repo_close(struct repo *repo)
{
        if (!repo)
                return NULL;
        class_cache_clear(repo);
        owmi_free(repo->cached);
        for (size_t i = 0; i < _STMT_MAX; i++)
                sqlite3_finalize(repo->stmts[i].stmt);
        /* an open transaction is rolled back by closing */
        sqlite3_close_v2(repo->db);
        owmi_free(repo->path);
        owmi_free(repo);
        return NULL;
}
