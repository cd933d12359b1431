/* SPDX-License-Identifier: MIT */
/*
 * owmi.h: libowmi, the client library: a connection to OpenWMI (the
 * daemon owmid on the local socket, or the object manager hosted in this
 * process) and every operation of WMI's IWbemServices on it.
 *
 * Which one a connection uses (struct owmi_connect_options.mode):
 *   OWMI_MODE_AUTO (the default): the daemon when its socket answers,
 *     otherwise the object manager in this process on the repository of
 *     options.repository, $OWMI_REPOSITORY or the default path, as the
 *     calling user.  A socket named explicitly (options.socket_path or
 *     $OWMI_SOCKET) must answer: AUTO falls back only from the default.
 *   OWMI_MODE_DAEMON: the daemon or an error.
 *   OWMI_MODE_IN_PROCESS: never the daemon.
 * With a host, the connection goes over TCP and TLS to that machine's
 * daemon, whose certificate must verify (for that host name) against
 * ca_file or the system's trusted certificates.
 *
 * Every call returns 0 or a WMI status (owmi_status, e.g. 0x80041002
 * WBEM_E_NOT_FOUND) and fills err (optional) with the status and a
 * message.  Results stream to a callback that owns each object and may
 * return non-zero to stop (the call then returns WBEM_E_CALL_CANCELLED).
 * A callback must not use the connection it is called from.  A
 * connection may be used by several threads; their calls take turns.
 */
#ifndef OPENWMI_OWMI_H
#define OPENWMI_OWMI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openwmi/owmi-status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct owmi_connection owmi_connection;
typedef struct owmi_object owmi_object;     /* a class or an instance */
typedef struct owmi_watch owmi_watch;       /* an event subscription */

enum owmi_mode {
        OWMI_MODE_AUTO = 0,
        OWMI_MODE_DAEMON = 1,
        OWMI_MODE_IN_PROCESS = 2,
};

struct owmi_connect_options {
        enum owmi_mode mode;
        /* Another machine: its daemon's TLS listener (owmid --listen), with
         * user and password.  NULL, "" or "." mean this machine. */
        const char *host;
        unsigned port;                    /* 0: 5990 */
        const char *ca_file;              /* trusted for the server's certificate
                                             (NULL: $OWMI_CA, else the system's) */
        const char *socket_path;          /* NULL: $OWMI_SOCKET, else the default */
        const char *repository;           /* in-process: NULL for the default */
        const char *const *privileges;    /* "Shutdown", "SeShutdownPrivilege", ... */
        size_t privilege_count;
        const char *user;                 /* credentials: refused on a local connection */
        const char *password;
};

OWMI_EXTERN int owmi_connect(const struct owmi_connect_options *options, owmi_connection **ret,
                             struct owmi_error *err);
OWMI_EXTERN void owmi_disconnect(owmi_connection *conn);
/* true when the object manager runs in this process */
OWMI_EXTERN bool owmi_connection_in_process(const owmi_connection *conn);
/* The user the server knows this connection as. */
OWMI_EXTERN const char *owmi_connection_user(const owmi_connection *conn);

/* A WMI moniker ("winmgmts:{impersonationLevel=impersonate,(Shutdown)}!//server/root/cimv2:Win32_Process.Handle='1'"),
 * as scripts and the Python module write them: keywords in any case, "/"
 * or "\\" separators, an empty path after "!".  Errors:
 * 0x800401E4 (MK_E_SYNTAX) with the column. */
struct owmi_moniker {
        char *server;                     /* NULL: this machine (also for "." ) */
        char *namespace;                  /* NULL: the default, root/cimv2 */
        char *object_path;                /* NULL: the moniker names a namespace */
        char **privileges;                /* enabled: "Shutdown", ... */
        size_t privilege_count;
        char **disabled_privileges;       /* "!Name" */
        size_t disabled_count;
        int impersonation_level;          /* 0 unset, 1 anonymous .. 4 delegate */
        int authentication_level;         /* -1 unset, 0 default .. 6 pktPrivacy */
        char *authority;                  /* "ntlmdomain:D", "kerberos:p" */
        char *locale;                     /* "ms_409" */
};
OWMI_EXTERN int owmi_moniker_parse(const char *text, struct owmi_moniker *ret,
                                   struct owmi_error *err);
OWMI_EXTERN void owmi_moniker_release(struct owmi_moniker *moniker);
/* Connect as a moniker says (its server, privileges), base giving the rest
 * (credentials, socket, CA; may be NULL).  *ret_parsed (may be NULL)
 * receives the moniker, for its namespace and object path. */
OWMI_EXTERN int owmi_connect_moniker(const char *moniker, const struct owmi_connect_options *base,
                                     owmi_connection **ret, struct owmi_moniker *ret_parsed,
                                     struct owmi_error *err);

typedef int (*owmi_object_cb)(owmi_object *obj, void *userdata);
typedef int (*owmi_name_cb)(const char *name, void *userdata);

/* Paths, names and queries are WMI's ("root/cimv2", "Win32_Process.Handle=\"1\""). */
OWMI_EXTERN int owmi_get_object(owmi_connection *conn, const char *ns, const char *path,
                                owmi_object **ret, struct owmi_error *err);
OWMI_EXTERN int owmi_enum_classes(owmi_connection *conn, const char *ns, const char *superclass,
                                  bool deep, owmi_object_cb cb, void *userdata,
                                  struct owmi_error *err);
OWMI_EXTERN int owmi_enum_instances(owmi_connection *conn, const char *ns, const char *class_name,
                                    bool deep, owmi_object_cb cb, void *userdata,
                                    struct owmi_error *err);
OWMI_EXTERN int owmi_exec_query(owmi_connection *conn, const char *ns, const char *query,
                                owmi_object_cb cb, void *userdata, struct owmi_error *err);

struct owmi_assoc_options {
        const char *assoc_class;              /* associators only */
        const char *result_class;
        const char *role;
        const char *result_role;              /* associators only */
        const char *required_qualifier;
        const char *required_assoc_qualifier; /* associators only */
        bool class_defs_only;
        bool keys_only;
        bool schema_only;
};
OWMI_EXTERN int owmi_associators(owmi_connection *conn, const char *ns, const char *path,
                                 const struct owmi_assoc_options *options, owmi_object_cb cb,
                                 void *userdata, struct owmi_error *err);
OWMI_EXTERN int owmi_references(owmi_connection *conn, const char *ns, const char *path,
                                const struct owmi_assoc_options *options, owmi_object_cb cb,
                                void *userdata, struct owmi_error *err);

enum owmi_put_flags {
        OWMI_CREATE_OR_UPDATE = 0,
        OWMI_CREATE_ONLY = 1,
        OWMI_UPDATE_ONLY = 2,
        OWMI_FORCE = 4,                       /* classes only */
};
/* *ret_path (may be NULL): the stored instance's relative path (free()). */
OWMI_EXTERN int owmi_put_instance(owmi_connection *conn, const char *ns, const owmi_object *inst,
                                  unsigned flags, const char *const *properties,
                                  size_t property_count, char **ret_path, struct owmi_error *err);
OWMI_EXTERN int owmi_delete_instance(owmi_connection *conn, const char *ns, const char *path,
                                     struct owmi_error *err);
OWMI_EXTERN int owmi_put_class(owmi_connection *conn, const char *ns, const owmi_object *cls,
                               unsigned flags, struct owmi_error *err);
OWMI_EXTERN int owmi_delete_class(owmi_connection *conn, const char *ns, const char *name,
                                  struct owmi_error *err);
/* in may be NULL; *ret_out: the __PARAMETERS instance with ReturnValue. */
OWMI_EXTERN int owmi_exec_method(owmi_connection *conn, const char *ns, const char *path,
                                 const char *method, const owmi_object *in, owmi_object **ret_out,
                                 struct owmi_error *err);

OWMI_EXTERN int owmi_enum_namespaces(owmi_connection *conn, const char *ns, owmi_name_cb cb,
                                     void *userdata, struct owmi_error *err);
OWMI_EXTERN int owmi_create_namespace(owmi_connection *conn, const char *ns, const char *name,
                                      struct owmi_error *err);
OWMI_EXTERN int owmi_delete_namespace(owmi_connection *conn, const char *ns, const char *name,
                                      struct owmi_error *err);

/* Compile MOF text (name is used in diagnostics) into ns; each
 * diagnostic ("file:line:col: error: message [WBEM_E_...]") goes to
 * diag; *ret_summary (free(); may be NULL) says what was compiled.
 * #pragma include is refused. */
OWMI_EXTERN int owmi_compile_mof(owmi_connection *conn, const char *ns, const char *name,
                                 const char *text, bool check_only, owmi_name_cb diag,
                                 void *userdata, char **ret_summary, struct owmi_error *err);

/* ExecNotificationQuery.  queue_max bounds the events waiting (0: 1000);
 * past it the oldest go and the next event is an
 * __EventQueueOverflowEvent with NumberDropped. */
OWMI_EXTERN int owmi_subscribe(owmi_connection *conn, const char *ns, const char *query,
                               size_t queue_max, owmi_watch **ret, struct owmi_error *err);
/* The next event, waiting up to timeout_ms (-1: forever);
 * WBEM_E_... 0x80043001 (timed out) when none came. */
OWMI_EXTERN int owmi_watch_next(owmi_watch *watch, int timeout_ms, owmi_object **ret,
                                struct owmi_error *err);
OWMI_EXTERN void owmi_watch_close(owmi_watch *watch);

/* The asynchronous form: the operation runs on a thread of its own and
 * the call returns at once.  cb gets each result on that thread; done
 * (may be NULL) gets the final status there too.  Operations on one
 * connection still take turns.  owmi_async_wait returns the final status,
 * or 0x80041069 (WBEM_E_TIMED_OUT) when the operation is still running
 * after timeout_ms (-1: wait for it); owmi_async_cancel stops it at its
 * next result (its status is then 0x80041032, WBEM_E_CALL_CANCELLED);
 * owmi_async_free cancels what still runs, waits, and frees. */
typedef struct owmi_async owmi_async;
typedef void (*owmi_done_cb)(int status, const struct owmi_error *err, void *userdata);

OWMI_EXTERN int owmi_exec_query_async(owmi_connection *conn, const char *ns, const char *query,
                                      owmi_object_cb cb, void *userdata, owmi_done_cb done,
                                      void *done_userdata, owmi_async **ret);
OWMI_EXTERN int owmi_enum_instances_async(owmi_connection *conn, const char *ns,
                                          const char *class_name, bool deep, owmi_object_cb cb,
                                          void *userdata, owmi_done_cb done, void *done_userdata,
                                          owmi_async **ret);
OWMI_EXTERN int owmi_async_wait(owmi_async *op, int timeout_ms, struct owmi_error *err);
OWMI_EXTERN void owmi_async_cancel(owmi_async *op);
OWMI_EXTERN void owmi_async_free(owmi_async *op);

/* Objects. */
OWMI_EXTERN void owmi_object_free(owmi_object *obj);
OWMI_EXTERN owmi_object *owmi_object_clone(const owmi_object *obj);
OWMI_EXTERN const char *owmi_object_class_name(const owmi_object *obj);
OWMI_EXTERN bool owmi_object_is_class(const owmi_object *obj);
/* New strings (free()): the relative path, the MOF text. */
OWMI_EXTERN char *owmi_object_relpath(const owmi_object *obj);
OWMI_EXTERN char *owmi_object_to_mof(const owmi_object *obj);
OWMI_EXTERN size_t owmi_object_property_count(const owmi_object *obj);
OWMI_EXTERN const char *owmi_object_property_name(const owmi_object *obj, size_t index);
/* A property's value as text (strings unquoted, others as in MOF;
 * NULL for a NULL value or no such property; free()). */
OWMI_EXTERN char *owmi_object_get_text(const owmi_object *obj, const char *name);
/* A new instance of a class, with its defaults. */
OWMI_EXTERN owmi_object *owmi_object_spawn_instance(const owmi_object *cls);
/* Set a property from text, converted to its type. */
OWMI_EXTERN int owmi_object_set_text(owmi_object *obj, const char *name, const char *text,
                                     struct owmi_error *err);

#ifdef __cplusplus
}
#endif

#endif
