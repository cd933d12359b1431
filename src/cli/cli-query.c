/* SPDX-License-Identifier: MIT */
/*
 * cli-query.c: `owmi query`, `owmi get`, `owmi enum`, `owmi call`,
 * `owmi watch`: through libowmi (the daemon, or the object manager in
 * this process), results as a table, JSON (an array of
 * objects keyed by property name, with __CLASS and __PATH) or MOF.
 * Errors print the WMI code in hex, its name and the message.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <signal.h>
#include <time.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cim/render.h"
#include "cimom/cimom.h"
#include "cli/cli.h"
#include "client/client.h"

struct output {
        enum cli_format format;
        size_t count;
        /* table: rows kept to size the columns */
        struct cim_object **rows;
        size_t row_alloc;
        bool failed;
        /* csv: the columns, from the first row */
        char **columns;
        size_t column_count;
        /* several hosts: each row's host (table, csv), or the one for JSON */
        const char **row_hosts;
        const char *host;
};

static void json_string(const char *s, struct strbuf *out)
{
        strbuf_addch(out, '"');
        for (const unsigned char *c = (const unsigned char *) s; *c; c++) {
                if (*c == '"' || *c == '\\')
                        strbuf_addf(out, "\\%c", *c);
                else if (*c < 0x20)
                        strbuf_addf(out, "\\u%04x", *c);
                else
                        strbuf_addch(out, (char) *c);
        }
        strbuf_addch(out, '"');
}

static void json_object(const struct cim_object *obj, struct strbuf *out);

static void json_scalar(const struct cim_value *v, struct strbuf *out)
{
        char dt[CIM_DATETIME_LEN + 1];

        if (v->is_null) {
                strbuf_addstr(out, "null");
                return;
        }
        switch (v->type) {
        case CIM_TYPE_BOOLEAN:
                strbuf_addstr(out, v->v.boolean ? "true" : "false");
                break;
        case CIM_TYPE_UINT8: case CIM_TYPE_UINT16: case CIM_TYPE_UINT32: case CIM_TYPE_UINT64:
                strbuf_addf(out, "%" PRIu64, v->v.u64);
                break;
        case CIM_TYPE_SINT8: case CIM_TYPE_SINT16: case CIM_TYPE_SINT32: case CIM_TYPE_SINT64:
                strbuf_addf(out, "%" PRId64, v->v.s64);
                break;
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64:
                if (isfinite(v->v.real))
                        strbuf_addf(out, "%.17g", v->v.real);
                else
                        strbuf_addstr(out, "null");
                break;
        case CIM_TYPE_CHAR16:
                strbuf_addf(out, "%u", v->v.char16);
                break;
        case CIM_TYPE_STRING: case CIM_TYPE_REFERENCE:
                json_string(v->v.string, out);
                break;
        case CIM_TYPE_DATETIME:
                cim_datetime_format(&v->v.datetime, dt);
                json_string(dt, out);
                break;
        case CIM_TYPE_OBJECT:
                if (v->v.object)
                        json_object(v->v.object, out);
                else
                        strbuf_addstr(out, "null");
                break;
        default:
                strbuf_addstr(out, "null");
        }
}

static void json_value(const struct cim_value *v, struct strbuf *out)
{
        if (v->is_null || !v->is_array) {
                json_scalar(v, out);
                return;
        }
        strbuf_addch(out, '[');
        for (uint32_t i = 0; i < v->count; i++) {
                if (i)
                        strbuf_addstr(out, ", ");
                json_scalar(&v->v.items[i], out);
        }
        strbuf_addch(out, ']');
}

static void json_system(const struct cim_object *obj, const char *name, struct strbuf *out)
{
        struct cim_value v;

        if (cim_object_system_property(obj, name, &v) < 0)
                return;
        strbuf_addf(out, "\"%s\": ", name);
        json_value(&v, out);
        strbuf_addstr(out, ", ");
        cim_value_release(&v);
}

static void json_object(const struct cim_object *obj, struct strbuf *out)
{
        strbuf_addch(out, '{');
        json_system(obj, "__CLASS", out);
        json_system(obj, "__PATH", out);
        for (size_t i = 0; i < obj->prop_count; i++) {
                if (i)
                        strbuf_addstr(out, ", ");
                json_string(obj->props[i].name, out);
                strbuf_addstr(out, ": ");
                json_value(&obj->props[i].value, out);
        }
        if (obj->prop_count == 0 && out->len >= 2)
                out->buf[out->len -= 2] = '\0'; /* the ", " after __PATH */
        strbuf_addch(out, '}');
}

/* Table cells: the value as short text. */
static void cell_text(const struct cim_value *v, struct strbuf *out)
{
        if (v->is_null)
                return;
        if (v->type == CIM_TYPE_STRING || v->type == CIM_TYPE_REFERENCE) {
                if (!v->is_array) {
                        strbuf_addstr(out, v->v.string);
                        return;
                }
        }
        if (v->type == CIM_TYPE_OBJECT && !v->is_array && v->v.object) {
                strbuf_addf(out, "<%s>", v->v.object->class_name);
                return;
        }
        cim_value_format_mof(v, out, 0);
        if (v->type == CIM_TYPE_DATETIME && !v->is_array && out->len >= 2) {
                /* no quotes around datetimes in a table */
                memmove(out->buf, out->buf + 1, out->len - 2);
                out->len -= 2;
                out->buf[out->len] = '\0';
        }
}

#define CELL_MAX 48
#define CELL_MIN 6

/* The terminal's width, or 0 when the output is not a terminal. */
static size_t terminal_width(void)
{
        struct winsize ws;

        if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
                return 0;
        return ws.ws_col;
}

static void print_cell(const char *text, size_t width, bool last)
{
        size_t n = strlen(text);

        if (n > width) {
                /* cut, and say so */
                printf("%.*s...%s", (int) (width > 3 ? width - 3 : 0), text, last ? "\n" : "  ");
                return;
        }
        printf("%-*s%s", last ? 0 : (int) width, text, last ? "\n" : "  ");
}

static void print_table(struct output *o)
{
        const struct cim_object *first = o->count ? o->rows[0] : NULL;
        size_t ncols = first ? first->prop_count : 0, host_width = 0, total, term;
        size_t *width = calloc(ncols ? ncols : 1, sizeof(size_t));
        struct strbuf sb = STRBUF_INIT;

        if (!first || !width) {
                free(width);
                return;
        }
        for (size_t c = 0; c < ncols; c++)
                width[c] = strlen(first->props[c].name);
        for (size_t r = 0; r < o->count; r++) {
                if (o->row_hosts && strlen(o->row_hosts[r]) > host_width)
                        host_width = strlen(o->row_hosts[r]);
                for (size_t c = 0; c < ncols; c++) {
                        const struct cim_property *p =
                                cim_object_find_property(o->rows[r], first->props[c].name);

                        strbuf_reset(&sb);
                        if (p)
                                cell_text(&p->value, &sb);
                        if (sb.len > width[c])
                                width[c] = sb.len > CELL_MAX ? CELL_MAX : sb.len;
                }
        }
        if (o->row_hosts && host_width < 4)
                host_width = 4;
        /* fit the terminal: narrow the widest column, a character at a time */
        term = terminal_width();
        for (;;) {
                size_t widest = 0;

                total = o->row_hosts ? host_width + 2 : 0;
                for (size_t c = 0; c < ncols; c++) {
                        total += width[c] + 2;
                        if (width[c] > width[widest])
                                widest = c;
                }
                if (!term || total <= term || width[widest] <= CELL_MIN)
                        break;
                width[widest]--;
        }
        if (o->row_hosts)
                print_cell("Host", host_width, ncols == 0);
        for (size_t c = 0; c < ncols; c++)
                print_cell(first->props[c].name, width[c], c + 1 == ncols);
        for (size_t r = 0; r < o->count; r++) {
                if (o->row_hosts)
                        print_cell(o->row_hosts[r], host_width, ncols == 0);
                for (size_t c = 0; c < ncols; c++) {
                        const struct cim_property *p =
                                cim_object_find_property(o->rows[r], first->props[c].name);

                        strbuf_reset(&sb);
                        if (p)
                                cell_text(&p->value, &sb);
                        print_cell(strbuf_str(&sb), width[c], c + 1 == ncols);
                }
        }
        strbuf_release(&sb);
        free(width);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *text, struct strbuf *out)
{
        if (!strpbrk(text, ",\"\r\n")) {
                strbuf_addstr(out, text);
                return;
        }
        strbuf_addch(out, '"');
        for (const char *c = text; *c; c++) {
                if (*c == '"')
                        strbuf_addch(out, '"');
                strbuf_addch(out, *c);
        }
        strbuf_addch(out, '"');
}

/* CSV streams: the first row fixes the columns. */
static void csv_row(struct output *o, const struct cim_object *obj, struct strbuf *out)
{
        struct strbuf cell = STRBUF_INIT;

        if (!o->columns) {
                o->columns = calloc(obj->prop_count ? obj->prop_count : 1, sizeof(char *));
                if (!o->columns)
                        return;
                o->column_count = obj->prop_count;
                if (o->host)
                        strbuf_addstr(out, "Host,");
                for (size_t c = 0; c < o->column_count; c++) {
                        o->columns[c] = owmi_strdup(obj->props[c].name);
                        if (c)
                                strbuf_addch(out, ',');
                        csv_field(obj->props[c].name, out);
                }
                strbuf_addstr(out, "\r\n");
        }
        if (o->host) {
                csv_field(o->host, out);
                strbuf_addch(out, ',');
        }
        for (size_t c = 0; c < o->column_count; c++) {
                const struct cim_property *p = o->columns[c] ? cim_object_find_property(obj, o->columns[c]) : NULL;

                if (c)
                        strbuf_addch(out, ',');
                strbuf_reset(&cell);
                if (p)
                        cell_text(&p->value, &cell);
                csv_field(strbuf_str(&cell), out);
        }
        strbuf_addstr(out, "\r\n");
        strbuf_release(&cell);
}

static int print_object(struct cim_object *obj, void *userdata)
{
        struct output *o = userdata;
        struct strbuf sb = STRBUF_INIT;

        switch (o->format) {
        case CLI_FORMAT_TABLE:
                if (OWMI_GROW(o->rows, o->row_alloc, o->count + 1) < 0) {
                        cim_object_free(obj);
                        o->failed = true;
                        return 1;
                }
                o->rows[o->count++] = obj;
                return 0;
        case CLI_FORMAT_JSON:
                strbuf_addstr(&sb, o->count ? ",\n  " : "[\n  ");
                json_object(obj, &sb);
                break;
        case CLI_FORMAT_MOF:
                if (o->count)
                        strbuf_addch(&sb, '\n');
                cim_object_format_mof(obj, 0, &sb);
                break;
        case CLI_FORMAT_CSV:
                csv_row(o, obj, &sb);
                break;
        }
        fputs(strbuf_str(&sb), stdout);
        strbuf_release(&sb);
        cim_object_free(obj);
        o->count++;
        return 0;
}

static int finish(struct output *o, int r, const struct owmi_error *err, const char *what)
{
        if (o->format == CLI_FORMAT_JSON && r >= 0)
                fputs(o->count ? "\n]\n" : "[]\n", stdout);
        if (o->format == CLI_FORMAT_TABLE && r >= 0)
                print_table(o);
        for (size_t i = 0; i < o->count && o->format == CLI_FORMAT_TABLE; i++)
                cim_object_free(o->rows[i]);
        owmi_free(o->rows);
        for (size_t i = 0; i < o->column_count; i++)
                owmi_free(o->columns[i]);
        free(o->columns);
        if (r < 0) {
                cli_print_error(what, err);
                return 1;
        }
        return o->failed ? 1 : 0;
}

static int print_owmi_object(owmi_object *obj, void *userdata)
{
        return print_object(client_object(obj), userdata);
}

static const char *ns_of(const struct cli *cli)
{
        return cli->namespace ? cli->namespace : "root/cimv2";
}

/* Statuses from libowmi are positive; finish() takes the old convention. */
static int failed(int status)
{
        return status ? -1 : 0;
}

/* ---- the same query on several hosts -------------------------------------- */

struct host_run {
        pthread_t thread;
        const struct cli *cli;
        const char *host;
        const char *password;
        struct cim_object **objects;
        size_t count, alloc;
        int status;
        struct owmi_error err;
};

static pthread_mutex_t progress_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t hosts_done;

static int keep_object(owmi_object *obj, void *userdata)
{
        struct host_run *h = userdata;

        if (OWMI_GROW(h->objects, h->alloc, h->count + 1) < 0) {
                owmi_object_free(obj);
                return 1;
        }
        h->objects[h->count++] = client_object(obj);
        return 0;
}

static void *run_on_host(void *arg)
{
        struct host_run *h = arg;
        owmi_connection *conn = cli_connect_host(h->cli, h->host, h->password, &h->err);

        if (!conn)
                h->status = h->err.code ? (int) h->err.code : (int) OWMI_E_TRANSPORT_FAILURE;
        else
                h->status = owmi_exec_query(conn, ns_of(h->cli), h->cli->args[0], keep_object, h,
                                            &h->err);
        owmi_disconnect(conn);
        /* progress as each host answers */
        pthread_mutex_lock(&progress_lock);
        hosts_done++;
        if (h->status)
                fprintf(stderr, "owmi: [%zu/%zu] %s: 0x%08X %s: %s\n", hosts_done, h->cli->host_count,
                        h->host, h->err.code, owmi_status_name(h->err.code) ? owmi_status_name(h->err.code) : "",
                        h->err.message);
        else
                fprintf(stderr, "owmi: [%zu/%zu] %s: %zu object(s)\n", hosts_done, h->cli->host_count,
                        h->host, h->count);
        pthread_mutex_unlock(&progress_lock);
        return NULL;
}

static int query_hosts(struct cli *cli)
{
        struct host_run *runs = calloc(cli->host_count, sizeof(*runs));
        struct output o = { .format = cli->format };
        char *password = NULL;
        size_t failed = 0;

        if (!runs)
                return 1;
        if (cli->user && !(password = cli_read_password(cli))) {
                free(runs);
                return 1;
        }
        for (size_t i = 0; i < cli->host_count; i++) {
                runs[i] = (struct host_run) { .cli = cli, .host = cli->hosts[i], .password = password };
                if (pthread_create(&runs[i].thread, NULL, run_on_host, &runs[i]) != 0)
                        run_on_host(&runs[i]);
        }
        for (size_t i = 0; i < cli->host_count; i++)
                pthread_join(runs[i].thread, NULL);
        if (password) {
                explicit_bzero(password, strlen(password));
                owmi_free(password);
        }
        /* results in the order the hosts were given */
        if (o.format == CLI_FORMAT_TABLE) {
                for (size_t i = 0; i < cli->host_count; i++) {
                        for (size_t k = 0; k < runs[i].count; k++) {
                                if (OWMI_GROW(o.rows, o.row_alloc, o.count + 1) < 0 ||
                                    !(o.row_hosts = realloc(o.row_hosts, (o.count + 1) * sizeof(char *))))
                                        break;
                                o.row_hosts[o.count] = runs[i].host;
                                o.rows[o.count++] = runs[i].objects[k];
                                runs[i].objects[k] = NULL;
                        }
                }
        } else {
                bool first = true;

                for (size_t i = 0; i < cli->host_count; i++) {
                        o.host = runs[i].host;
                        for (size_t k = 0; k < runs[i].count; k++) {
                                struct cim_object *obj = runs[i].objects[k];

                                runs[i].objects[k] = NULL;
                                if (o.format == CLI_FORMAT_JSON) {
                                        struct strbuf sb = STRBUF_INIT, one = STRBUF_INIT;

                                        /* the object with __HOST first */
                                        json_object(obj, &one);
                                        strbuf_addstr(&sb, first ? "[\n  {\"__HOST\": " : ",\n  {\"__HOST\": ");
                                        json_string(runs[i].host, &sb);
                                        strbuf_addstr(&sb, ", ");
                                        strbuf_addstr(&sb, strbuf_str(&one) + 1);
                                        strbuf_release(&one);
                                        fputs(strbuf_str(&sb), stdout);
                                        strbuf_release(&sb);
                                        cim_object_free(obj);
                                        o.count++;
                                } else {
                                        if (o.format == CLI_FORMAT_MOF)
                                                printf("%s// %s\n", first ? "" : "\n", runs[i].host);
                                        print_object(obj, &o);
                                }
                                first = false;
                        }
                }
        }
        finish(&o, 0, NULL, "query");
        free(o.row_hosts);
        for (size_t i = 0; i < cli->host_count; i++) {
                failed += runs[i].status != 0;
                for (size_t k = 0; k < runs[i].count; k++)
                        cim_object_free(runs[i].objects[k]);
                owmi_free(runs[i].objects);
        }
        free(runs);
        return failed == 0 ? 0 : failed == cli->host_count ? 1 : 4;
}

int cli_query(struct cli *cli)
{
        struct output o = { .format = cli->format };
        struct owmi_error err = { 0 };
        owmi_connection *conn;
        int r;

        if (cli->arg_count != 1) {
                fputs("owmi: query needs one WQL query (quote it)\n", stderr);
                return 2;
        }
        if (cli->host_count > 1)
                return query_hosts(cli);
        conn = cli_connect(cli);
        if (!conn)
                return 1;
        r = failed(owmi_exec_query(conn, ns_of(cli), cli->args[0], print_owmi_object, &o, &err));
        r = finish(&o, r, &err, "query");
        owmi_disconnect(conn);
        return r;
}

int cli_get(struct cli *cli)
{
        struct output o = { .format = cli->format };
        struct owmi_error err = { 0 };
        owmi_object *obj;
        owmi_connection *conn;
        int r;

        if (cli->arg_count != 1) {
                fputs("owmi: get needs one object path\n", stderr);
                return 2;
        }
        conn = cli_connect(cli);
        if (!conn)
                return 1;
        r = failed(owmi_get_object(conn, ns_of(cli), cli->args[0], &obj, &err));
        if (r >= 0)
                print_owmi_object(obj, &o);
        r = finish(&o, r, &err, cli->args[0]);
        owmi_disconnect(conn);
        return r;
}

int cli_enum(struct cli *cli)
{
        struct output o = { .format = cli->format };
        struct owmi_error err = { 0 };
        owmi_connection *conn;
        int r;

        if (cli->arg_count != 1) {
                fputs("owmi: enum needs one class name\n", stderr);
                return 2;
        }
        conn = cli_connect(cli);
        if (!conn)
                return 1;
        r = failed(owmi_enum_instances(conn, ns_of(cli), cli->args[0], !cli->shallow,
                                       print_owmi_object, &o, &err));
        r = finish(&o, r, &err, cli->args[0]);
        owmi_disconnect(conn);
        return r;
}

/* The in-parameters object from Name=Value words; a name given more than
 * once makes an array. */
static int build_in_params(const struct cim_method *m, char **words, size_t count,
                           struct cim_object **ret, struct owmi_error *err)
{
        struct cim_object *in = cim_object_new_class("__PARAMETERS", NULL);
        int r = 0;

        if (!in)
                return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
        in->genus = CIM_GENUS_INSTANCE;
        for (size_t i = 0; r >= 0 && i < count; i++) {
                char *eq = strchr(words[i], '=');
                const struct cim_property *param;
                struct cim_property *p;
                struct cim_value v;

                if (!eq) {
                        r = owmi_error_set(err, OWMI_E_INVALID_PARAMETER,
                                           "'%s': parameters are Name=Value", words[i]);
                        break;
                }
                *eq = '\0';
                param = cim_method_find_param(m, words[i]);
                if (!param) {
                        r = owmi_error_set(err, OWMI_E_INVALID_METHOD_PARAMETERS,
                                           "method '%s' has no parameter '%s'", m->name, words[i]);
                        break;
                }
                r = client_value_from_text(param->type, eq + 1, &v, err);
                if (r < 0)
                        break;
                p = cim_object_find_property(in, param->name);
                if (!p) {
                        p = cim_object_add_property(in, param->name);
                        if (!p) {
                                cim_value_release(&v);
                                r = owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                                break;
                        }
                        p->type = param->type;
                        if (param->is_array)
                                cim_value_init_array(&p->value, param->type);
                        else
                                cim_value_init_null(&p->value, param->type, false);
                }
                if (param->is_array)
                        r = cim_value_array_append(&p->value, &v);
                else if (!p->value.is_null)
                        r = owmi_error_set(err, OWMI_E_INVALID_METHOD_PARAMETERS,
                                           "parameter '%s' is given twice", param->name);
                else
                        cim_value_move(&p->value, &v);
                if (r < 0)
                        cim_value_release(&v);
        }
        if (r < 0) {
                cim_object_free(in);
                return r;
        }
        *ret = in;
        return 0;
}

int cli_call(struct cli *cli)
{
        struct output o = { .format = cli->format };
        struct owmi_error err = { 0 };
        owmi_object *cls = NULL, *out = NULL;
        struct cim_object *in = NULL;
        const struct cim_method *m;
        struct cim_objpath path = { 0 };
        owmi_connection *conn;
        int r;

        if (cli->arg_count < 2) {
                fputs("owmi: call needs a path, a method and Name=Value parameters\n", stderr);
                return 2;
        }
        conn = cli_connect(cli);
        if (!conn)
                return 1;
        r = cim_objpath_parse(cli->args[0], strlen(cli->args[0]), &path, &err);
        if (r >= 0)
                r = failed(owmi_get_object(conn, ns_of(cli), path.class_name, &cls, &err));
        if (r >= 0 && !(m = cim_object_find_method(client_object(cls), cli->args[1])))
                r = owmi_error_set(&err, OWMI_E_INVALID_METHOD, "class '%s' has no method '%s'",
                                   client_object(cls)->class_name, cli->args[1]);
        if (r >= 0)
                r = build_in_params(m, cli->args + 2, cli->arg_count - 2, &in, &err);
        if (r >= 0)
                r = failed(owmi_exec_method(conn, ns_of(cli), cli->args[0], cli->args[1],
                                            (owmi_object *) in, &out, &err));
        if (r >= 0)
                print_owmi_object(out, &o);
        r = finish(&o, r, &err, cli->args[1]);
        cim_objpath_release(&path);
        owmi_object_free(cls);
        cim_object_free(in);
        owmi_disconnect(conn);
        return r;
}

/* Events as they come: until Ctrl-C, --count N or --timeout SECONDS.
 * JSON prints one object per line. */
static volatile sig_atomic_t watch_interrupted;

static void on_interrupt(int sig)
{
        watch_interrupted = 1;
}

int cli_watch(struct cli *cli)
{
        struct owmi_error err = { 0 };
        struct sigaction sa = { .sa_handler = on_interrupt };
        owmi_connection *conn;
        owmi_watch *watch;
        struct timespec start, now;
        unsigned long seen = 0;
        int status, r = 0;

        if (cli->arg_count != 1) {
                fputs("owmi: watch needs one event query (quote it)\n", stderr);
                return 2;
        }
        conn = cli_connect(cli);
        if (!conn)
                return 1;
        status = owmi_subscribe(conn, ns_of(cli), cli->args[0], 0, &watch, &err);
        if (status) {
                cli_print_error("watch", &err);
                owmi_disconnect(conn);
                return 1;
        }
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        clock_gettime(CLOCK_MONOTONIC, &start);
        while (!watch_interrupted && (!cli->count || seen < cli->count)) {
                struct output o = { .format = cli->format == CLI_FORMAT_TABLE ? CLI_FORMAT_MOF
                                                                              : cli->format };
                owmi_object *event;
                int wait_ms = 200;

                if (cli->timeout_ms) {
                        long elapsed;

                        clock_gettime(CLOCK_MONOTONIC, &now);
                        elapsed = (now.tv_sec - start.tv_sec) * 1000 +
                                  (now.tv_nsec - start.tv_nsec) / 1000000;
                        if (elapsed >= (long) cli->timeout_ms)
                                break;
                        if ((long) cli->timeout_ms - elapsed < wait_ms)
                                wait_ms = (int) ((long) cli->timeout_ms - elapsed);
                }
                status = owmi_watch_next(watch, wait_ms, &event, &err);
                if (status == (int) OWMI_E_EVENT_TIMED_OUT)
                        continue;
                if (status) {
                        cli_print_error("watch", &err);
                        r = 1;
                        break;
                }
                if (o.format == CLI_FORMAT_JSON) {
                        struct strbuf sb = STRBUF_INIT;

                        json_object(client_object(event), &sb);
                        printf("%s\n", strbuf_str(&sb));
                        strbuf_release(&sb);
                        owmi_object_free(event);
                } else {
                        if (seen)
                                putchar('\n');
                        print_owmi_object(event, &o);
                }
                fflush(stdout);
                seen++;
        }
        owmi_watch_close(watch);
        owmi_disconnect(conn);
        /* a count asked for and not reached within the timeout */
        if (!r && cli->count && seen < cli->count && !watch_interrupted)
                r = 3;
        return r;
}
