/* SPDX-License-Identifier: MIT */
/*
 * provider.h: the ABI of OpenWMI providers: shared objects that supply the
 * instances and methods of dynamic classes.
 *
 * A class is served by a provider when its MOF says so:
 *
 *     [Dynamic, Provider("Sample")] class Sample_Counter { [key] string Name; ... };
 *
 * and the provider is registered in the same namespace, as in WMI:
 *
 *     instance of __Win32Provider { Name = "Sample"; Location = "libowmi-sample.so"; };
 *
 * Location is an absolute path, or a file name looked up in the provider
 * directory (OWMI_PROVIDER_DIR, default LIBDIR/openwmi/providers of the
 * installation, where meson install puts the project's own providers).  The
 * object manager loads it with dlopen on first use and calls
 *
 *     const struct owmi_provider *owmi_provider_entry(unsigned abi);
 *
 * which returns the provider's table (or NULL if it does not speak abi).
 * The provider calls back into the object manager only through the
 * struct owmi_host table it receives in init: it links against nothing of
 * OpenWMI's.
 *
 * Requests: each call gets an owmi_request, the object manager's handle on
 * one operation.  Results are built with instance_new/set_* and handed
 * over with post(); post takes the instance in every case and returns
 * non-zero when the caller wants no more (cancelled): stop then.  Errors
 * are reported with error(), which takes a WMI status (owmi-status.h) and
 * returns a negative errno to return from the callback.  A callback
 * returns 0 or a negative errno.
 *
 * An instance of a class that was not asked for, or one whose keys are not
 * all set, is dropped with a logged error and the request fails with
 * WBEM_E_PROVIDER_FAILURE; it never reaches the client.
 *
 * Threads: callbacks may run on several threads at once for different
 * requests; the provider's state must allow that (or lock).  post() may
 * call back into the provider (an association walk asks for the objects a
 * posted association points at): never hold a lock across post().  A
 * request (and every instance it handed over) is valid only during the
 * callback that received it, on that callback's thread.
 *
 * Results are checked: enumerate posts instances of exactly the class
 * asked (subclasses are asked on their own), get posts the instance with
 * the keys asked; put, remove and exec_method post nothing.
 */
#ifndef OPENWMI_PROVIDER_H
#define OPENWMI_PROVIDER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openwmi/owmi-status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OWMI_PROVIDER_ABI 1

typedef struct owmi_request owmi_request;
typedef struct owmi_instance owmi_instance;
typedef struct owmi_events owmi_events;

enum owmi_put_flags {
        OWMI_PUT_CREATE_OR_UPDATE = 0,
        OWMI_PUT_CREATE_ONLY = 1 << 0,
        OWMI_PUT_UPDATE_ONLY = 1 << 1,
};

enum owmi_log_level {
        OWMI_LOG_ERROR = 3,
        OWMI_LOG_WARNING = 4,
        OWMI_LOG_INFO = 6,
        OWMI_LOG_DEBUG = 7,
};

/* What the object manager offers a provider. */
struct owmi_host {
        unsigned abi;                    /* OWMI_PROVIDER_ABI */

        /* Results: a new instance of class_name (NULL if the class does not
         * exist or memory runs out), its properties, then post(). */
        owmi_instance *(*instance_new)(owmi_request *req, const char *class_name);
        int (*set_string)(owmi_instance *inst, const char *name, const char *value);
        int (*set_uint)(owmi_instance *inst, const char *name, uint64_t value);
        int (*set_sint)(owmi_instance *inst, const char *name, int64_t value);
        int (*set_real)(owmi_instance *inst, const char *name, double value);
        int (*set_bool)(owmi_instance *inst, const char *name, int value);
        /* a timestamp: microseconds since 1970 UTC, shown at utc_offset minutes */
        int (*set_datetime)(owmi_instance *inst, const char *name, int64_t unix_usec,
                            int utc_offset);
        int (*set_interval)(owmi_instance *inst, const char *name, uint64_t usec);
        int (*set_reference)(owmi_instance *inst, const char *name, const char *object_path);
        int (*set_string_array)(owmi_instance *inst, const char *name, const char *const *values,
                                size_t count);
        int (*set_uint_array)(owmi_instance *inst, const char *name, const uint64_t *values,
                              size_t count);
        int (*set_null)(owmi_instance *inst, const char *name);
        int (*post)(owmi_request *req, owmi_instance *inst);
        void (*instance_free)(owmi_instance *inst);

        /* Reading what a request carries (keys, a new instance, method
         * parameters).  0 and *ret, -ENOENT for NULL or no such property,
         * -EINVAL for another type. */
        const char *(*class_name)(const owmi_instance *inst);
        int (*get_string)(const owmi_instance *inst, const char *name, const char **ret);
        int (*get_uint)(const owmi_instance *inst, const char *name, uint64_t *ret);
        int (*get_sint)(const owmi_instance *inst, const char *name, int64_t *ret);
        int (*get_bool)(const owmi_instance *inst, const char *name, int *ret);
        int (*get_real)(const owmi_instance *inst, const char *name, double *ret);

        /* Hints that let a provider skip work: does the caller need this
         * property (1) or not (0)?  The WQL text of the request, or NULL. */
        int (*wants_property)(owmi_request *req, const char *name);
        const char *(*query_text)(owmi_request *req);

        /* The caller, for providers that act on the caller's behalf. */
        uid_t (*caller_uid)(owmi_request *req);
        gid_t (*caller_gid)(owmi_request *req);

        /* A WMI status and a message for the client; returns the negative
         * errno to return from the callback. */
        int (*error)(owmi_request *req, uint32_t status, const char *fmt, ...)
                __attribute__((format(printf, 3, 4)));
        void (*log)(enum owmi_log_level level, const char *fmt, ...)
                __attribute__((format(printf, 2, 3)));

        /* Events, at any time and from any thread once enable_events gave
         * the provider an owmi_events channel: a new event object of an
         * event class (an __ExtrinsicEvent subclass, or an intrinsic event
         * such as __InstanceCreationEvent with TargetInstance set), filled
         * with set_* (set_object for embedded instances), then raised.
         * raise takes the event in every case and delivers it before it
         * returns (one delivery at a time per channel); it returns 0, or a
         * negative errno when the event was dropped (not an event of the
         * channel's class).  The subscriber may call back into the
         * provider, which may raise again from there: a lock held across
         * raise() must be recursive. */
        owmi_instance *(*event_new)(owmi_events *events, const char *class_name);
        int (*set_object)(owmi_instance *inst, const char *name, const owmi_instance *value);
        int (*raise)(owmi_events *events, owmi_instance *event);

        /* Did the caller enable this privilege ("SeShutdownPrivilege" or
         * "Shutdown") on its connection, and does its user hold it?  1 or
         * 0.  The object manager already checks what a method's
         * Privileges qualifier names before calling exec_method; this is
         * for checks that depend on the parameters. */
        int (*caller_privilege)(owmi_request *req, const char *name);

        /* An embedded object parameter or property (a Win32_ProcessStartup
         * in Create's ProcessStartupInformation): 0 and *ret, valid as long
         * as inst is; -ENOENT for NULL, -EINVAL for another type. */
        int (*get_object)(const owmi_instance *inst, const char *name, const owmi_instance **ret);
        /* Item index of a string array: 0 and *ret (valid as long as inst
         * is); -ENOENT for NULL, no such property or an index past the
         * end (so a loop stops there), -EINVAL for another type. */
        int (*get_string_at)(const owmi_instance *inst, const char *name, size_t index,
                             const char **ret);
        /* A timestamp: microseconds since 1970 UTC; -EINVAL for an interval,
         * a timestamp with wildcards, or another type. */
        int (*get_datetime)(const owmi_instance *inst, const char *name, int64_t *ret_unix_usec);
        /* Is the caller a member of group gid (its primary group or a
         * supplementary one)?  1 or 0. */
        int (*caller_in_group)(owmi_request *req, gid_t gid);

        /* Instance events: a provider whose __EventProviderRegistration
         * lists queries such as "SELECT * FROM __InstanceCreationEvent
         * WHERE TargetInstance ISA 'Sample_Counter'" gets enable_events
         * with that data class, and raises __InstanceCreationEvent (or
         * Deletion, Modification) with TargetInstance set to an instance
         * made here (set_object copies it; free it after). */
        owmi_instance *(*event_object_new)(owmi_events *events, const char *class_name);
};

/* What a provider offers; unused entries are NULL (the object manager then
 * answers WBEM_E_PROVIDER_NOT_CAPABLE). */
struct owmi_provider {
        unsigned abi;                    /* OWMI_PROVIDER_ABI */
        const char *name;                /* matches Provider("name") */

        int (*init)(const struct owmi_host *host, void **ret_state);
        void (*fini)(void *state);

        /* Every instance of class_name (not its subclasses: they are asked
         * on their own). */
        int (*enumerate)(void *state, owmi_request *req, const char *class_name);
        /* The instance with the keys set in keys (post it), or
         * error(WBEM_E_NOT_FOUND). */
        int (*get)(void *state, owmi_request *req, const owmi_instance *keys);
        int (*put)(void *state, owmi_request *req, const owmi_instance *inst, unsigned flags);
        int (*remove)(void *state, owmi_request *req, const owmi_instance *keys);
        /* A method of class_name on target (NULL for a static method).  Fill
         * out (an instance of __PARAMETERS with ReturnValue and the out
         * parameters) with set_*; in may be NULL. */
        int (*exec_method)(void *state, owmi_request *req, const char *class_name,
                           const owmi_instance *target, const char *method,
                           const owmi_instance *in, owmi_instance *out);
        /* Someone subscribed to (enable != 0) or no longer wants (0) the
         * events of class_name: start or stop raising them on events, which
         * stays valid until the matching disable.  class_name is an event
         * class, or a data class for its instance events (see
         * event_object_new). */
        int (*enable_events)(void *state, owmi_events *events, const char *class_name, int enable);
};

/* The symbol every provider exports. */
typedef const struct owmi_provider *(*owmi_provider_entry_fn)(unsigned abi);
#define OWMI_PROVIDER_ENTRY "owmi_provider_entry"

#ifdef __cplusplus
}
#endif

#endif
