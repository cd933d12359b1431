/* SPDX-License-Identifier: MIT */
/*
 * test-mof-corpora.c: the public MOF corpora ($OWMI_CORPORA, see
 * ../shared/corpora/README.md) compiled as test/data/corpora.manifest
 * says, one cmocka test per compile unit, in manifest order.
 *
 * Each unit runs through mof_compile_files against a real repository file
 * in a temporary folder: a copy of a freshly bootstrapped repository, or a
 * copy of the repository an earlier unit left (`from=`), so a shared setup
 * such as the DMTF schema is compiled once.  An `ok` unit must compile with
 * no error and give the statistics and classes the manifest names; a
 * `fail:` unit must report its errors exactly at the places named and leave
 * the repository as it was; a `parse` unit runs the parser alone (for
 * files whose upstream test only parses them).  C-preprocessor units go
 * through `cpp -P` first.
 *
 * The last test walks the corpora tree: every .mof file must be a unit's
 * file, be read by one (#pragma include, or cpp's #include), or be excused
 * in the manifest with a reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "mof/mof.h"
#include "mof/parser.h"
#include "repo/repo.h"

#define MANIFEST "corpora.manifest"

/* ---- small helpers ----------------------------------------------------- */

struct strv {
        char **v;
        size_t n, alloc;
};

static void strv_push(struct strv *sv, const char *s)
{
        if (sv->n == sv->alloc) {
                sv->alloc = sv->alloc ? 2 * sv->alloc : 8;
                sv->v = realloc(sv->v, sv->alloc * sizeof(*sv->v));
                assert_non_null(sv->v);
        }
        sv->v[sv->n] = strdup(s);
        assert_non_null(sv->v[sv->n]);
        sv->n++;
}

static void strv_clear(struct strv *sv)
{
        for (size_t i = 0; i < sv->n; i++)
                free(sv->v[i]);
        free(sv->v);
        memset(sv, 0, sizeof(*sv));
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        assert_true(r >= 0);
        return s;
}

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void copy_file(const char *from, const char *to)
{
        char buf[1 << 16];
        int in = open(from, O_RDONLY | O_CLOEXEC);
        int out;
        ssize_t n;

        assert_true(in >= 0);
        out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(out >= 0);
        while ((n = read(in, buf, sizeof(buf))) > 0)
                assert_int_equal(write(out, buf, (size_t) n), n);
        assert_true(n == 0);
        close(in);
        close(out);
}

/* ---- the manifest ------------------------------------------------------ */

struct loc {
        char *file;          /* corpora-relative */
        unsigned line;
};

enum expect {
        EXPECT_OK,
        EXPECT_FAIL,
        EXPECT_PARSE,
};

struct unit {
        unsigned mline;      /* line in the manifest */
        char *name, *ns;
        enum expect expect;
        struct loc *fails;
        size_t fail_count;
        bool more_errors;    /* fail:...,... : other errors may follow */
        char *from;          /* unit whose repository this one starts from */
        struct strv includes, substs, stubs, mkns, has, paths;
        bool cpp, strict;
        long classes, qualifiers, instances, files, warnings;  /* -1: not checked */
        char *text;          /* compiled instead of files */
        unsigned users;      /* units that start from this one */
        bool passed;
        char *db;            /* kept while users need it */
};

struct excuse {
        unsigned mline;
        char *file, *reason;
};

static char *root;           /* corpora, canonical */
static char tmpdir[] = "/tmp/owmi-test-corpora-XXXXXX";
static char *fresh_db;
static struct unit *units;
static size_t unit_count;
static struct excuse *excuses;
static size_t excuse_count;
static struct strv covered;  /* canonical paths of files compiled or read */
static double started;

static void manifest_error(unsigned line, const char *what, const char *token)
{
        fail_msg("%s line %u: %s '%s'", MANIFEST, line, what, token);
}

static long parse_count(unsigned line, const char *token, const char *value)
{
        char *end;
        long v = strtol(value, &end, 10);

        if (*end || v < 0)
                manifest_error(line, "bad count", token);
        return v;
}

static struct unit *find_unit(const char *name)
{
        for (size_t i = 0; i < unit_count; i++)
                if (strcmp(units[i].name, name) == 0)
                        return &units[i];
        return NULL;
}

static void split_list(struct strv *sv, const char *list)
{
        char *copy = strdup(list), *save = NULL;

        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                strv_push(sv, t);
        free(copy);
}

/* fail:FILE:LINE[,FILE:LINE]... */
static void parse_fail_list(struct unit *u, const char *list)
{
        char *copy = strdup(list), *save = NULL;

        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char *colon = strrchr(t, ':'), *end;
                unsigned long line;

                if (strcmp(t, "...") == 0) {
                        u->more_errors = true;
                        continue;
                }
                if (u->more_errors)
                        manifest_error(u->mline, "'...' must come last, found", t);
                /* a bare LINE is in the file named before */
                if (!colon && !u->fail_count)
                        manifest_error(u->mline, "expected FILE:LINE, found", t);
                line = strtoul(colon ? colon + 1 : t, &end, 10);
                if (*end || line == 0)
                        manifest_error(u->mline, "bad line number in", t);
                if (colon)
                        *colon = '\0';
                u->fails = realloc(u->fails, (u->fail_count + 1) * sizeof(*u->fails));
                assert_non_null(u->fails);
                u->fails[u->fail_count].file = strdup(colon ? t : u->fails[u->fail_count - 1].file);
                u->fails[u->fail_count].line = (unsigned) line;
                u->fail_count++;
        }
        free(copy);
        if (!u->fail_count)
                manifest_error(u->mline, "no place after", "fail:");
}

static void parse_unit(unsigned mline, char **tok, size_t n, const char *rest_text)
{
        struct unit *u;

        if (n < 4)
                manifest_error(mline, "a unit needs NAME NAMESPACE EXPECT, found", tok[0]);
        /* EXPECT is the fourth word */
        units = realloc(units, (unit_count + 1) * sizeof(*units));
        assert_non_null(units);
        u = &units[unit_count];
        memset(u, 0, sizeof(*u));
        u->mline = mline;
        u->name = strdup(tok[1]);
        u->ns = strdup(tok[2]);
        u->classes = u->qualifiers = u->instances = u->files = u->warnings = -1;
        if (find_unit(u->name))
                manifest_error(mline, "unit name used twice:", u->name);
        if (strcmp(tok[3], "ok") == 0)
                u->expect = EXPECT_OK;
        else if (strcmp(tok[3], "parse") == 0)
                u->expect = EXPECT_PARSE;
        else if (strncmp(tok[3], "fail:", 5) == 0) {
                u->expect = EXPECT_FAIL;
                parse_fail_list(u, tok[3] + 5);
        } else
                manifest_error(mline, "EXPECT must be ok, parse or fail:FILE:LINE, found", tok[3]);
        for (size_t i = 4; i < n; i++) {
                const char *t = tok[i];
                const char *eq = strchr(t, '=');

                if (strcmp(t, "cpp") == 0)
                        u->cpp = true;
                else if (strcmp(t, "strict") == 0)
                        u->strict = true;
                else if (strncmp(t, "from=", 5) == 0) {
                        struct unit *base;

                        u->from = strdup(t + 5);
                        base = find_unit(u->from);
                        if (!base || base->expect != EXPECT_OK)
                                manifest_error(mline, "from= must name an earlier ok unit:", t);
                        base->users++;
                } else if (strncmp(t, "I=", 2) == 0)
                        strv_push(&u->includes, t + 2);
                else if (strncmp(t, "subst=", 6) == 0) {
                        if (!strchr(t + 6, ':'))
                                manifest_error(mline, "subst= needs NAME:FILE, found", t);
                        strv_push(&u->substs, t + 6);
                } else if (strncmp(t, "cpp-stub=", 9) == 0)
                        split_list(&u->stubs, t + 9);
                else if (strncmp(t, "mkns=", 5) == 0)
                        split_list(&u->mkns, t + 5);
                else if (strncmp(t, "has=", 4) == 0)
                        split_list(&u->has, t + 4);
                else if (strncmp(t, "classes=", 8) == 0)
                        u->classes = parse_count(mline, t, t + 8);
                else if (strncmp(t, "qualifiers=", 11) == 0)
                        u->qualifiers = parse_count(mline, t, t + 11);
                else if (strncmp(t, "instances=", 10) == 0)
                        u->instances = parse_count(mline, t, t + 10);
                else if (strncmp(t, "files=", 6) == 0)
                        u->files = parse_count(mline, t, t + 6);
                else if (strncmp(t, "warnings=", 9) == 0)
                        u->warnings = parse_count(mline, t, t + 9);
                else if (eq)
                        manifest_error(mline, "unknown option", t);
                else
                        strv_push(&u->paths, t);
        }
        if (rest_text)
                u->text = strdup(rest_text);
        if (!u->text && !u->paths.n)
                manifest_error(mline, "a unit needs files or text=, unit", u->name);
        if (u->text && (u->paths.n || u->cpp))
                manifest_error(mline, "text= goes without files and cpp, unit", u->name);
        if (u->stubs.n && !u->cpp)
                manifest_error(mline, "cpp-stub= needs cpp, unit", u->name);
        if (u->expect == EXPECT_FAIL && u->text)
                manifest_error(mline, "a fail: unit needs files, unit", u->name);
        unit_count++;
}

static void load_manifest(void)
{
        const char *data = getenv("OWMI_TEST_DATA");
        char *path, *line = NULL, *logical = NULL;
        size_t cap = 0, logical_len = 0;
        unsigned mline = 0, start_line = 0;
        FILE *f;

        assert_non_null(data);
        path = xasprintf("%s/%s", data, MANIFEST);
        f = fopen(path, "r");
        if (!f)
                fail_msg("cannot read %s", path);
        free(path);
        for (;;) {
                ssize_t len = getline(&line, &cap, f);
                bool more;
                char *tok[256], *save = NULL, *text = NULL, *p;
                size_t n = 0;

                if (len < 0)
                        break;
                mline++;
                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = '\0';
                if (!logical_len)
                        start_line = mline;
                /* a '\' at the end continues the line */
                more = len > 0 && line[len - 1] == '\\';
                if (more)
                        line[--len] = ' ';
                logical = realloc(logical, logical_len + (size_t) len + 2);
                assert_non_null(logical);
                memcpy(logical + logical_len, line, (size_t) len);
                logical_len += (size_t) len;
                logical[logical_len] = '\0';
                if (more)
                        continue;
                logical_len = 0;
                p = logical + strspn(logical, " \t");
                if (!*p || *p == '#')
                        continue;
                /* text= takes the rest of the line */
                text = strstr(p, " text=");
                if (text) {
                        *text = '\0';
                        text += 6;
                }
                for (char *t = strtok_r(p, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
                        if (n == sizeof(tok) / sizeof(tok[0]))
                                manifest_error(start_line, "too many fields at", t);
                        tok[n++] = t;
                }
                if (n == 0)
                        continue;
                if (strcmp(tok[0], "unit") == 0) {
                        parse_unit(start_line, tok, n, text);
                } else if (strcmp(tok[0], "excuse") == 0) {
                        struct excuse *e;
                        const char *reason;

                        if (n < 3 || text)
                                manifest_error(start_line, "excuse needs FILE and a reason, found",
                                               tok[0]);
                        excuses = realloc(excuses, (excuse_count + 1) * sizeof(*excuses));
                        assert_non_null(excuses);
                        e = &excuses[excuse_count++];
                        e->mline = start_line;
                        e->file = strdup(tok[1]);
                        /* the reason is the rest of the line */
                        for (size_t i = 2; i + 1 < n; i++)
                                tok[i][strlen(tok[i])] = ' ';
                        reason = tok[2];
                        e->reason = strdup(reason);
                } else {
                        manifest_error(start_line, "unknown line kind", tok[0]);
                }
        }
        free(line);
        free(logical);
        fclose(f);
        assert_true(unit_count > 0);
}

/* ---- repositories ------------------------------------------------------ */

static int add_namespace(const char *name, void *userdata)
{
        strv_push(userdata, name);
        return 0;
}

/* Every namespace with its class, qualifier and instance counts: what a
 * failed compile must leave as it was. */
static char *snapshot(struct repo *repo)
{
        struct strv todo = { 0 };
        struct strbuf sb = STRBUF_INIT;

        strv_push(&todo, "root");
        for (size_t i = 0; i < todo.n; i++) {
                size_t classes = 0, quals = 0, insts = 0;

                assert_int_equal(repo_count(repo, todo.v[i], &classes, &quals, &insts), 0);
                strbuf_addf(&sb, "%s %zu %zu %zu\n", todo.v[i], classes, quals, insts);
                assert_int_equal(repo_namespace_children(repo, todo.v[i], add_namespace, &todo, NULL),
                                 0);
        }
        strv_clear(&todo);
        assert_int_equal(strbuf_error(&sb), 0);
        return strbuf_detach(&sb);
}

static void make_namespace(struct repo *repo, const char *ns)
{
        char *path = strdup(ns);

        /* each missing level in turn: the parent must exist */
        for (char *s = path; ; s++) {
                if (*s == '/' || *s == '\0') {
                        char c = *s;
                        struct owmi_error err = { 0 };

                        *s = '\0';
                        if (!repo_namespace_exists(repo, path) &&
                            repo_namespace_create(repo, path, &err) < 0)
                                fail_msg("cannot create namespace %s: %s", path, err.message);
                        *s = c;
                        if (!c)
                                break;
                }
        }
        free(path);
}

/* ---- the C preprocessor ------------------------------------------------ */

/* cpp -P FILE into OUT; the files it read go to covered. */
static void run_cpp(const char *in, const char *out, const char *stub_dir, const char *errfile)
{
        char *dep = xasprintf("%s.d", out);
        const char *argv[16];
        size_t n = 0;
        pid_t pid;
        int status;
        FILE *f;
        char *text = NULL;
        size_t cap = 0;
        ssize_t len;

        argv[n++] = "cpp";
        argv[n++] = "-P";
        if (stub_dir) {
                argv[n++] = "-I";
                argv[n++] = stub_dir;
        }
        argv[n++] = "-MD";
        argv[n++] = "-MF";
        argv[n++] = dep;
        argv[n++] = "-o";
        argv[n++] = out;
        argv[n++] = in;
        argv[n] = NULL;
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);

                if (fd >= 0) {
                        dup2(fd, 2);
                        close(fd);
                }
                execvp(argv[0], (char **) argv);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                f = fopen(errfile, "r");
                while (f && (len = getline(&text, &cap, f)) > 0)
                        print_message("cpp: %s", text);
                if (f)
                        fclose(f);
                fail_msg("cpp -P %s failed (status %d)", in, status);
        }
        /* "out: in dep1 dep2 \\\n dep3": every word after the ':' */
        f = fopen(dep, "r");
        assert_non_null(f);
        {
                bool after_colon = false;

                while ((len = getline(&text, &cap, f)) > 0) {
                        char *save = NULL;

                        for (char *t = strtok_r(text, " \t\n\\", &save); t;
                             t = strtok_r(NULL, " \t\n\\", &save)) {
                                char real[PATH_MAX];
                                size_t tl = strlen(t);

                                if (!after_colon) {
                                        if (t[tl - 1] == ':')
                                                after_colon = true;
                                        continue;
                                }
                                if (realpath(t, real))
                                        strv_push(&covered, real);
                        }
                }
        }
        fclose(f);
        free(text);
        free(dep);
}

/* ---- running a unit ---------------------------------------------------- */

struct inputs {
        struct strv paths;   /* what the compiler reads */
        struct strv shown;   /* the same as the manifest names them */
};

/* The manifest's name for a diagnostic's file. */
static const char *shown_name(const struct inputs *in, const char *file)
{
        size_t rl = strlen(root);

        for (size_t i = 0; i < in->paths.n; i++)
                if (strcmp(in->paths.v[i], file) == 0)
                        return in->shown.v[i];
        if (strncmp(file, root, rl) == 0 && file[rl] == '/')
                return file + rl + 1;
        return file;
}

static void print_diags(const struct inputs *in, const struct mof_diag_list *diags)
{
        for (size_t i = 0; i < diags->count && i < 40; i++) {
                const struct mof_diag *d = &diags->items[i];

                print_message("  %s:%u:%u: %s: %s [%s]\n", shown_name(in, d->file), d->line,
                              d->column, d->severity == MOF_ERROR ? "error" : "warning",
                              d->message, owmi_status_name(d->code) ? owmi_status_name(d->code) : "");
        }
        if (diags->count > 40)
                print_message("  ... %zu more\n", diags->count - 40);
}

/* A diagnostic is at FILE:LINE when it points there, or when it is a
 * missing-terminator error whose message names the token found at LINE
 * (the compiler reports a missing ';' right after the token before it;
 * pywbem, whose line the corpus README gives, reports the next token). */
static bool diag_at(const struct inputs *in, const struct mof_diag *d, const struct loc *l)
{
        char at_line[32];

        if (strcmp(shown_name(in, d->file), l->file) != 0)
                return false;
        if (d->line == l->line)
                return true;
        snprintf(at_line, sizeof(at_line), " at line %u)", l->line);
        return strstr(d->message, at_line) != NULL;
}

static void check_failure(const struct unit *u, const struct inputs *in,
                          const struct mof_diag_list *diags)
{
        const struct mof_diag *first = NULL;
        bool ok = true;

        for (size_t i = 0; i < diags->count; i++) {
                const struct mof_diag *d = &diags->items[i];
                bool expected = false;

                if (d->severity != MOF_ERROR)
                        continue;
                if (!first)
                        first = d;
                for (size_t j = 0; j < u->fail_count && !expected; j++)
                        expected = diag_at(in, d, &u->fails[j]);
                if (!expected && !u->more_errors) {
                        print_message("unit %s: unexpected error %s:%u\n", u->name,
                                      shown_name(in, d->file), d->line);
                        ok = false;
                }
        }
        for (size_t j = 0; j < u->fail_count; j++) {
                bool seen = false;

                for (size_t i = 0; i < diags->count && !seen; i++)
                        seen = diags->items[i].severity == MOF_ERROR &&
                               diag_at(in, &diags->items[i], &u->fails[j]);
                if (!seen) {
                        print_message("unit %s: no error at %s:%u\n", u->name, u->fails[j].file,
                                      u->fails[j].line);
                        ok = false;
                }
        }
        if (first && !diag_at(in, first, &u->fails[0])) {
                print_message("unit %s: the first error is not at %s:%u\n", u->name,
                              u->fails[0].file, u->fails[0].line);
                ok = false;
        }
        if (!ok) {
                print_diags(in, diags);
                fail_msg("unit %s (%s line %u) did not fail as expected", u->name, MANIFEST,
                         u->mline);
        }
}

static void check_count(const struct unit *u, const char *what, long want, size_t got)
{
        if (want >= 0 && (size_t) want != got)
                fail_msg("unit %s: %zu %s, the manifest expects %ld", u->name, got, what, want);
}

/* Parse the unit's files again with the parser alone: the files it reads
 * (includes) count as covered; for `parse` units this is the test. */
static void parse_unit_files(const struct unit *u, const struct inputs *in,
                             const struct mof_options *opts)
{
        struct mof_diag_list diags = { 0 };
        struct mof_unit mu;
        size_t quals = 0, classes = 0, insts = 0;

        assert_int_equal(mof_unit_init(&mu, opts, &diags), 0);
        for (size_t i = 0; i < in->paths.n; i++)
                assert_int_not_equal(mof_parse_file(&mu, in->paths.v[i], NULL), -ENOMEM);
        for (size_t i = 0; i < mu.file_count; i++) {
                char real[PATH_MAX];

                if (realpath(mu.files[i], real))
                        strv_push(&covered, real);
        }
        for (size_t i = 0; i < mu.decls.count; i++) {
                switch (mu.decls.items[i].kind) {
                case MOF_DECL_QUALIFIER: quals++; break;
                case MOF_DECL_CLASS: classes++; break;
                case MOF_DECL_INSTANCE: insts++; break;
                default: break;
                }
        }
        if (u->expect == EXPECT_PARSE) {
                if (diags.errors) {
                        print_diags(in, &diags);
                        fail_msg("unit %s: %zu parse error(s)", u->name, diags.errors);
                }
                check_count(u, "qualifier declarations", u->qualifiers, quals);
                check_count(u, "classes", u->classes, classes);
                check_count(u, "instances", u->instances, insts);
                check_count(u, "files", u->files, mu.stats.files);
        }
        mof_unit_release(&mu);
        mof_diag_list_release(&diags);
}

static void run_unit(void **state)
{
        struct unit *u = *state;
        struct unit *base = u->from ? find_unit(u->from) : NULL;
        struct inputs in = { 0 };
        struct strv dirs = { 0 };
        struct mof_options opts = { 0 };
        struct mof_diag_list diags = { 0 };
        struct mof_stats stats = { 0 };
        struct owmi_error err = { 0 };
        struct repo *repo = NULL;
        char *db = NULL, *before, *after, *stub_dir = NULL;
        double t0 = now();
        int r;

        if (u->substs.n) {
                /* a folder of links NAME -> FILE, searched first */
                char *dir = xasprintf("%s/%s.subst", tmpdir, u->name);

                assert_int_equal(mkdir(dir, 0755), 0);
                for (size_t i = 0; i < u->substs.n; i++) {
                        char *name = strdup(u->substs.v[i]), *colon = strchr(name, ':');
                        char *link, *target;

                        *colon = '\0';
                        link = xasprintf("%s/%s", dir, name);
                        target = xasprintf("%s/%s", root, colon + 1);
                        if (access(target, R_OK) < 0 || symlink(target, link) < 0)
                                fail_msg("unit %s: subst=%s: %s", u->name, u->substs.v[i],
                                         strerror(errno));
                        free(link);
                        free(target);
                        free(name);
                }
                strv_push(&dirs, dir);
                free(dir);
        }
        for (size_t i = 0; i < u->includes.n; i++) {
                char *d = xasprintf("%s/%s", root, u->includes.v[i]);

                strv_push(&dirs, d);
                free(d);
        }
        if (u->stubs.n) {
                /* Windows SDK headers the file includes: empty stand-ins */
                stub_dir = xasprintf("%s/%s.stubs", tmpdir, u->name);
                assert_int_equal(mkdir(stub_dir, 0755), 0);
                for (size_t i = 0; i < u->stubs.n; i++) {
                        char *h = xasprintf("%s/%s", stub_dir, u->stubs.v[i]);

                        copy_file("/dev/null", h);
                        free(h);
                }
        }
        for (size_t i = 0; i < u->paths.n; i++) {
                char *src = xasprintf("%s/%s", root, u->paths.v[i]);
                char real[PATH_MAX];

                if (!realpath(src, real))
                        fail_msg("unit %s: %s: %s", u->name, u->paths.v[i], strerror(errno));
                strv_push(&covered, real);
                if (u->cpp) {
                        /* the output keeps the file's name, in a folder of its own */
                        char *dir = xasprintf("%s/%s.cpp%zu", tmpdir, u->name, i);
                        char *out, *errfile;
                        const char *slash = strrchr(src, '/');

                        assert_int_equal(mkdir(dir, 0755), 0);
                        out = xasprintf("%s/%s", dir, slash ? slash + 1 : src);
                        errfile = xasprintf("%s.err", out);
                        run_cpp(src, out, stub_dir, errfile);
                        strv_push(&in.paths, out);
                        free(out);
                        free(errfile);
                        free(dir);
                } else {
                        strv_push(&in.paths, src);
                }
                strv_push(&in.shown, u->paths.v[i]);
                free(src);
        }

        opts.namespace = u->ns;
        opts.include_dirs = (const char *const *) dirs.v;
        opts.include_dir_count = dirs.n;
        opts.strict = u->strict;
        /* first the parser alone: the files read count as covered even
         * when the compile below cannot run */
        if (u->paths.n)
                parse_unit_files(u, &in, &opts);
        if (u->expect == EXPECT_PARSE)
                goto done;

        if (base && !base->passed)
                fail_msg("unit %s starts from unit %s, which did not pass", u->name, base->name);
        db = xasprintf("%s/%s.db", tmpdir, u->name);
        copy_file(base ? base->db : fresh_db, db);
        if (base && --base->users == 0) {
                unlink(base->db);
                free(base->db);
                base->db = NULL;
        }
        assert_int_equal(mof_open_repository(db, &repo, &err), 0);
        for (size_t i = 0; i < u->mkns.n; i++)
                make_namespace(repo, u->mkns.v[i]);

        before = snapshot(repo);
        if (u->text)
                r = mof_compile_buffer(repo, u->name, u->text, strlen(u->text), &opts, &diags, &stats);
        else
                r = mof_compile_files(repo, (const char *const *) in.paths.v, in.paths.n, &opts,
                                      &diags, &stats);
        after = snapshot(repo);
        if (getenv("OWMI_CORPORA_VERBOSE")) {
                /* the figures to put in the manifest */
                print_message("unit %s: status %d, %zu error(s), %zu warning(s): files=%zu "
                              "qualifiers=%zu classes=%zu instances=%zu\n", u->name, r,
                              diags.errors, diags.warnings, stats.files, stats.qualifiers,
                              stats.classes, stats.instances);
                print_diags(&in, &diags);
        }
        if (u->expect == EXPECT_OK) {
                if (r != 0 || diags.errors) {
                        print_diags(&in, &diags);
                        fail_msg("unit %s (%s line %u): %zu error(s), status %d", u->name, MANIFEST,
                                 u->mline, diags.errors, r);
                }
                check_count(u, "qualifier declarations", u->qualifiers, stats.qualifiers);
                check_count(u, "classes", u->classes, stats.classes);
                check_count(u, "instances", u->instances, stats.instances);
                check_count(u, "files", u->files, stats.files);
                /* an ok unit has no warning unless the manifest says so */
                if (diags.warnings != (size_t) (u->warnings >= 0 ? u->warnings : 0)) {
                        print_diags(&in, &diags);
                        check_count(u, "warnings", u->warnings >= 0 ? u->warnings : 0,
                                    diags.warnings);
                }
                for (size_t i = 0; i < u->has.n; i++) {
                        const char *name = u->has.v[i], *ns = u->ns;
                        char *copy = NULL, *colon = strrchr(name, ':');

                        if (colon) {
                                copy = strdup(name);
                                copy[colon - name] = '\0';
                                ns = copy;
                                name = colon + 1;
                        }
                        if (!repo_class_exists(repo, ns, name))
                                fail_msg("unit %s: class %s:%s missing afterwards", u->name, ns, name);
                        free(copy);
                }
        } else {
                if (r != -EINVAL || !diags.errors) {
                        print_diags(&in, &diags);
                        fail_msg("unit %s (%s line %u) compiled (status %d), but must fail",
                                 u->name, MANIFEST, u->mline, r);
                }
                check_failure(u, &in, &diags);
                if (strcmp(before, after) != 0)
                        fail_msg("unit %s failed but changed the repository:\n%s---\n%s", u->name,
                                 before, after);
        }
        free(before);
        free(after);
done:
        repo_close(repo);
        if (u->expect == EXPECT_OK && u->users) {
                u->db = db;
        } else if (db) {
                unlink(db);
                free(db);
        }
        if (now() - t0 > 2.0)
                print_message("unit %s took %.1f s\n", u->name, now() - t0);
        free(stub_dir);
        strv_clear(&dirs);
        strv_clear(&in.paths);
        strv_clear(&in.shown);
        mof_diag_list_release(&diags);
        u->passed = true;
}

/* ---- coverage ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool is_covered(const char *path)
{
        return bsearch(&path, covered.v, covered.n, sizeof(char *), cmp_str) != NULL;
}

static struct strv tree_files;

static int walk_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        size_t len = strlen(path);

        if (type == FTW_F && len > 4 && owmi_strcasecmp(path + len - 4, ".mof") == 0)
                strv_push(&tree_files, path);
        return 0;
}

static void test_coverage(void **state)
{
        size_t missing = 0, excused = 0;
        bool bad = false;

        qsort(covered.v, covered.n, sizeof(char *), cmp_str);
        assert_int_equal(nftw(root, walk_cb, 32, FTW_PHYS), 0);
        for (size_t i = 0; i < excuse_count; i++) {
                char *p = xasprintf("%s/%s", root, excuses[i].file);
                char real[PATH_MAX];

                if (!realpath(p, real)) {
                        print_message("%s line %u: excused file %s does not exist\n", MANIFEST,
                                      excuses[i].mline, excuses[i].file);
                        bad = true;
                } else if (is_covered(real)) {
                        print_message("%s line %u: excused file %s is compiled after all\n",
                                      MANIFEST, excuses[i].mline, excuses[i].file);
                        bad = true;
                }
                free(p);
        }
        for (size_t i = 0; i < tree_files.n; i++) {
                const char *rel = tree_files.v[i] + strlen(root) + 1;
                bool is_excused = false;

                if (is_covered(tree_files.v[i]))
                        continue;
                for (size_t j = 0; j < excuse_count && !is_excused; j++)
                        is_excused = strcmp(excuses[j].file, rel) == 0;
                if (is_excused) {
                        excused++;
                        continue;
                }
                print_message("not covered by %s: %s\n", MANIFEST, rel);
                missing++;
        }
        print_message("%zu .mof files: %zu compiled or read by %zu units, %zu excused, "
                      "%zu not covered (%.1f s in all)\n", tree_files.n,
                      tree_files.n - excused - missing, unit_count, excused, missing,
                      now() - started);
        strv_clear(&tree_files);
        assert_false(bad);
        assert_int_equal(missing, 0);
}

/* ---- setup ------------------------------------------------------------- */

static int rm_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path);
}

static int group_setup(void **state)
{
        const char *corpora = getenv("OWMI_CORPORA");
        struct repo *repo = NULL;
        struct owmi_error err = { 0 };

        started = now();
        if (!corpora || !(root = realpath(corpora, NULL))) {
                print_error("OWMI_CORPORA is not set to the corpora folder\n");
                return -1;
        }
        if (!mkdtemp(tmpdir))
                return -1;
        /* one bootstrap, copied for every unit that starts fresh */
        fresh_db = xasprintf("%s/fresh.db", tmpdir);
        /* the corpora bring their own CIM_ classes: root/cimv2 starts empty */
        if (mof_open_repository(fresh_db, &repo, &err) < 0 ||
            mof_reset_namespace(repo, "root/cimv2", &err) < 0) {
                print_error("cannot make a repository: %s\n", err.message);
                return -1;
        }
        repo_close(repo);
        return 0;
}

static int group_teardown(void **state)
{
        nftw(tmpdir, rm_cb, 32, FTW_DEPTH | FTW_PHYS);
        return 0;
}

/* After the run: cmocka lists failed tests by name (the unit names). */
static void free_manifest(void)
{
        for (size_t i = 0; i < unit_count; i++) {
                struct unit *u = &units[i];

                free(u->name);
                free(u->ns);
                free(u->from);
                free(u->text);
                free(u->db);
                for (size_t j = 0; j < u->fail_count; j++)
                        free(u->fails[j].file);
                free(u->fails);
                strv_clear(&u->includes);
                strv_clear(&u->substs);
                strv_clear(&u->stubs);
                strv_clear(&u->mkns);
                strv_clear(&u->has);
                strv_clear(&u->paths);
        }
        free(units);
        for (size_t i = 0; i < excuse_count; i++) {
                free(excuses[i].file);
                free(excuses[i].reason);
        }
        free(excuses);
        strv_clear(&covered);
        free(fresh_db);
        free(root);
}

int main(void)
{
        struct CMUnitTest *tests;
        int r;

        load_manifest();
        tests = calloc(unit_count + 1, sizeof(*tests));
        assert_non_null(tests);
        for (size_t i = 0; i < unit_count; i++) {
                tests[i].name = units[i].name;
                tests[i].test_func = run_unit;
                tests[i].initial_state = &units[i];
        }
        tests[unit_count].name = "coverage";
        tests[unit_count].test_func = test_coverage;
        r = _cmocka_run_group_tests("mof-corpora", tests, unit_count + 1, group_setup,
                                    group_teardown);
        free(tests);
        free_manifest();
        return r;
}
