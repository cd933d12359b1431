/* SPDX-License-Identifier: MIT */
/*
 * cimom.h: the object manager: every operation a WMI client makes on a
 * namespace (WMI's IWbemServices), on top of the repository and, for
 * dynamic classes, the providers.  Every front end (owmi, the daemon, the
 * Python package, CIM-XML) goes through here.
 *
 * A struct cimom is shared by all threads of a process.  A namespace
 * handle (struct cimom_ns) carries the caller's identity and may be used by
 * many threads at once: each operation borrows a repository connection
 * from a pool for its duration.  Results stream through a sink callback
 * that owns each object it receives; a sink returning non-zero stops the
 * operation (cancellation), which then returns OWMI_E_CALL_CANCELLED.
 *
 * Paths and names are WMI's: "root/cimv2" or "root\\cimv2" namespaces,
 * object paths as in objpath.h.  Errors: 0 or a negative errno, with err
 * (optional) holding the WMI status and a message.
 */
#ifndef OWMI_CIMOM_CIMOM_H
#define OWMI_CIMOM_CIMOM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"
#include "cim/object.h"
#include "cim/objpath.h"
#include "repo/repo.h"
#include "cimom/privilege.h"

struct cimom;
struct cimom_ns;

/* Who asks.  The daemon fills it from SO_PEERCRED or PAM; in-process
 * callers describe themselves (cimom_caller_self). */
struct cimom_caller {
        uid_t uid;
        gid_t gid;
        gid_t groups[64];
        size_t group_count;
        bool remote;
        char user[64];
        uint64_t capabilities;        /* the client's effective set (CapEff) */
        owmi_privileges privileges;   /* enabled on the connection by the client */
};

void cimom_caller_self(struct cimom_caller *ret);

/* Open the object manager on a repository file (NULL: the default path),
 * creating and bootstrapping it if needed. */
int cimom_new(const char *repository_path, struct cimom **ret, struct owmi_error *err);
struct cimom *cimom_free(struct cimom *cimom);

int cimom_open_namespace(struct cimom *cimom, const char *ns, const struct cimom_caller *caller,
                         struct cimom_ns **ret, struct owmi_error *err);
struct cimom_ns *cimom_ns_close(struct cimom_ns *h);
const char *cimom_ns_name(const struct cimom_ns *h);

/* Each result is handed over: the sink frees it.  Non-zero stops. */
typedef int (*cimom_sink)(struct cim_object *obj, void *userdata);

/* GetObject: a class ("Win32_Process"), an instance ("Win32_Process.Handle=\"1\""),
 * a singleton ("Cls=@"); a namespace prefix must name this namespace. */
int cimom_get_object(struct cimom_ns *h, const char *path, struct cim_object **ret,
                     struct owmi_error *err);

/* Classes derived from superclass (NULL: from the roots), all levels or
 * only the next one. */
int cimom_enum_classes(struct cimom_ns *h, const char *superclass, bool deep, cimom_sink sink,
                       void *userdata, struct owmi_error *err);

/* Instances of class_name; deep includes subclasses (WMI's default). */
int cimom_enum_instances(struct cimom_ns *h, const char *class_name, bool deep, cimom_sink sink,
                         void *userdata, struct owmi_error *err);

/* ExecQuery: language "WQL" (any case).  Data, schema, ASSOCIATORS OF and
 * REFERENCES OF queries; event queries belong to ExecNotificationQuery. */
int cimom_exec_query(struct cimom_ns *h, const char *language, const char *query, cimom_sink sink,
                     void *userdata, struct owmi_error *err);

struct cimom_assoc_params {
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

int cimom_associators(struct cimom_ns *h, const char *path, const struct cimom_assoc_params *p,
                      cimom_sink sink, void *userdata, struct owmi_error *err);
int cimom_references(struct cimom_ns *h, const char *path, const struct cimom_assoc_params *p,
                     cimom_sink sink, void *userdata, struct owmi_error *err);

enum cimom_put_flags {
        CIMOM_CREATE_OR_UPDATE = 0,
        CIMOM_CREATE_ONLY = 1 << 0,
        CIMOM_UPDATE_ONLY = 1 << 1,
        CIMOM_FORCE = 1 << 2,           /* classes: update with subclasses/instances */
};

/* PutInstance.  properties (NULL: all) limits an update to those
 * properties of the stored instance.  *ret_path (may be NULL) receives the
 * relative path of the stored instance (caller frees). */
int cimom_put_instance(struct cimom_ns *h, const struct cim_object *inst, unsigned flags,
                       const char *const *properties, size_t property_count, char **ret_path,
                       struct owmi_error *err);
int cimom_delete_instance(struct cimom_ns *h, const char *path, struct owmi_error *err);
int cimom_put_class(struct cimom_ns *h, const struct cim_object *cls, unsigned flags,
                    struct owmi_error *err);
int cimom_delete_class(struct cimom_ns *h, const char *name, struct owmi_error *err);

/* SpawnInstance: a new, unsaved instance of class_name with its defaults. */
int cimom_spawn_instance(struct cimom_ns *h, const char *class_name, struct cim_object **ret,
                         struct owmi_error *err);

/* ExecMethod on a class (static methods) or an instance.  in may be NULL;
 * *ret_out is an instance of __PARAMETERS with ReturnValue and the out
 * parameters. */
int cimom_exec_method(struct cimom_ns *h, const char *path, const char *method,
                      const struct cim_object *in, struct cim_object **ret_out,
                      struct owmi_error *err);

/* Events a provider raises for an event class it serves (a subclass of
 * __Event, Dynamic, with a Provider): from cimom_subscribe until
 * cimom_unsubscribe, each raised event goes to sink (which owns it), from
 * the provider's thread, one at a time.  The event subsystem builds WQL
 * filtering and queues on top of this. */
struct cimom_subscription;
int cimom_subscribe(struct cimom_ns *h, const char *event_class, cimom_sink sink, void *userdata,
                    struct cimom_subscription **ret, struct owmi_error *err);
/* The same for the instance events (__InstanceCreationEvent...) the
 * provider of data class class_name raises itself, as its
 * __EventProviderRegistration says it does; the provider's enable_events
 * is called with the data class. */
int cimom_subscribe_instances(struct cimom_ns *h, const char *class_name, cimom_sink sink,
                              void *userdata, struct cimom_subscription **ret,
                              struct owmi_error *err);
struct cimom_subscription *cimom_unsubscribe(struct cimom_subscription *sub);

/* ExecNotificationQuery: a temporary subscription to the events an event
 * query selects (see events.c for the sources and what is not there
 * yet).  Events wait in a queue of queue_max (0: 1000, at most 100,000);
 * when it overflows the oldest go and the next event is an
 * __EventQueueOverflowEvent whose NumberDropped says how many.  Errors:
 * the query's, OWMI_E_NOT_EVENT_CLASS, OWMI_E_REGISTRATION_TOO_BROAD (an
 * instance event query without TargetInstance ISA), ..._TOO_PRECISE (one
 * without WITHIN).  Close every subscription before cimom_free. */
struct cimom_events;
struct cimom_events_options {
        size_t queue_max;
        /* poll at the WITHIN interval even where the repository or a
         * provider raises the events itself: WMI's way, for comparison */
        bool poll_only;
};
int cimom_exec_notification_query(struct cimom_ns *h, const char *language, const char *query,
                                  const struct cimom_events_options *opts,
                                  struct cimom_events **ret, struct owmi_error *err);
/* NextEvent: 0 and *ret (the caller's), waiting up to timeout_ms (-1:
 * forever, 0: not at all); OWMI_E_EVENT_TIMED_OUT when none came;
 * OWMI_E_CALL_CANCELLED once cancelled.  One thread at a time. */
int cimom_events_next(struct cimom_events *ev, int timeout_ms, struct cim_object **ret,
                      struct owmi_error *err);
/* Wake any waiter for good (from any thread); close still frees it. */
void cimom_events_cancel(struct cimom_events *ev);
struct cimom_events *cimom_events_close(struct cimom_events *ev);

/* Providers that run elsewhere (owmid's provider hosts): for a provider
 * serves() claims, the object manager hands each instance operation and
 * method of its classes to these functions instead of loading it.  Paths
 * are relative ("Class.Key=..."); results are checked as a loaded
 * provider's are.  Set once, before the first request. */
struct cimom_provider_proxy {
        bool (*serves)(void *userdata, const char *provider);
        int (*enumerate)(void *userdata, const struct cimom_caller *caller, const char *ns,
                         const char *provider, const char *class_name, cimom_sink sink,
                         void *sink_data, struct owmi_error *err);
        int (*get)(void *userdata, const struct cimom_caller *caller, const char *ns,
                   const char *provider, const char *path, struct cim_object **ret,
                   struct owmi_error *err);
        int (*put)(void *userdata, const struct cimom_caller *caller, const char *ns,
                   const char *provider, const struct cim_object *inst, unsigned flags,
                   struct owmi_error *err);
        int (*remove)(void *userdata, const struct cimom_caller *caller, const char *ns,
                      const char *provider, const char *path, struct owmi_error *err);
        int (*exec_method)(void *userdata, const struct cimom_caller *caller, const char *ns,
                           const char *provider, const char *path, const char *method,
                           const struct cim_object *in, struct cim_object **ret_out,
                           struct owmi_error *err);
};
void cimom_set_provider_proxy(struct cimom *cimom, const struct cimom_provider_proxy *proxy,
                              void *userdata);

/* Counts every change to a permanent subscription's objects
 * (__EventFilter, __EventConsumer, __FilterToConsumerBinding) made through
 * the object manager or a MOF compile through it: whoever runs them looks
 * again when it moves. */
uint64_t cimom_subscription_generation(struct cimom *cimom);

/* Compile MOF text into this namespace (it may switch namespace with
 * #pragma namespace, so this needs Full Write on root as well as here);
 * #pragma include is refused: the text is a client's, and the files are
 * the server's.  Each diagnostic goes to diag ("file:line:col: error:
 * message [WBEM_E_...]"); *ret_summary (may be NULL) says what was
 * compiled.  OWMI_E_INVALID_MOF_SYNTAX... when there were errors. */
int cimom_compile_mof(struct cimom_ns *h, const char *name, const char *text, size_t len,
                      bool check_only, repo_name_cb diag, void *userdata, char **ret_summary,
                      struct owmi_error *err);

/* Namespaces below this one (their full names) and their management. */
int cimom_enum_namespaces(struct cimom_ns *h, repo_name_cb cb, void *userdata,
                          struct owmi_error *err);
int cimom_create_namespace(struct cimom_ns *h, const char *name, struct owmi_error *err);
int cimom_delete_namespace(struct cimom_ns *h, const char *name, struct owmi_error *err);

#endif
