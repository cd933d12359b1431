/* SPDX-License-Identifier: MIT */
/*
 * error.c: the one table of WMI status codes (WbemErrorEnum): each code's
 * WBEM_ name, a short description and the errno that stands for it inside
 * the code base; and struct owmi_error, the detail a failing parser or
 * operation hands back.  It does not log: callers decide what to print.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/util.h"

struct status_info {
        uint32_t code;
        const char *name;         /* WbemErrorEnum name */
        const char *description;  /* lower case, no full stop */
        int error;                /* negative errno standing for it */
};

#define S(c, d, e) { OWMI_##c, "WBEM_" #c, d, e }

/* Sorted by code: owmi_status_lookup() bisects. */
static const struct status_info status_table[] = {
        S(S_NO_ERROR, "success", 0),
        S(S_FALSE, "success, with a false or empty result", 0),
        S(E_FAILED, "call failed", -EIO),
        S(E_NOT_FOUND, "object not found", -ENOENT),
        S(E_ACCESS_DENIED, "access denied", -EACCES),
        S(E_PROVIDER_FAILURE, "provider failure", -EIO),
        S(E_TYPE_MISMATCH, "type mismatch", -EINVAL),
        S(E_OUT_OF_MEMORY, "out of memory", -ENOMEM),
        S(E_INVALID_CONTEXT, "invalid context", -EINVAL),
        S(E_INVALID_PARAMETER, "invalid parameter", -EINVAL),
        S(E_NOT_AVAILABLE, "resource not available", -EAGAIN),
        S(E_CRITICAL_ERROR, "critical error", -EIO),
        S(E_INVALID_STREAM, "invalid stream", -EBADMSG),
        S(E_NOT_SUPPORTED, "not supported", -EOPNOTSUPP),
        S(E_INVALID_SUPERCLASS, "invalid superclass", -EINVAL),
        S(E_INVALID_NAMESPACE, "invalid namespace", -ENOENT),
        S(E_INVALID_OBJECT, "invalid object", -EINVAL),
        S(E_INVALID_CLASS, "invalid class", -ENOENT),
        S(E_PROVIDER_NOT_FOUND, "provider not found", -ENOENT),
        S(E_INVALID_PROVIDER_REGISTRATION, "invalid provider registration", -EINVAL),
        S(E_PROVIDER_LOAD_FAILURE, "provider load failure", -EIO),
        S(E_INITIALIZATION_FAILURE, "initialization failure", -EIO),
        S(E_TRANSPORT_FAILURE, "transport failure", -EPIPE),
        S(E_INVALID_OPERATION, "invalid operation", -EPERM),
        S(E_INVALID_QUERY, "invalid query", -EINVAL),
        S(E_INVALID_QUERY_TYPE, "invalid query type", -EINVAL),
        S(E_ALREADY_EXISTS, "object already exists", -EEXIST),
        S(E_OVERRIDE_NOT_ALLOWED, "override not allowed", -EPERM),
        S(E_PROPAGATED_QUALIFIER, "propagated qualifier", -EPERM),
        S(E_PROPAGATED_PROPERTY, "propagated property", -EPERM),
        S(E_UNEXPECTED, "unexpected error", -EIO),
        S(E_ILLEGAL_OPERATION, "illegal operation", -EPERM),
        S(E_CANNOT_BE_KEY, "cannot be a key", -EINVAL),
        S(E_INCOMPLETE_CLASS, "incomplete class", -EINVAL),
        S(E_INVALID_SYNTAX, "invalid syntax", -EINVAL),
        S(E_NONDECORATED_OBJECT, "object has no server and namespace", -EINVAL),
        S(E_READ_ONLY, "read-only", -EROFS),
        S(E_PROVIDER_NOT_CAPABLE, "provider not capable", -EOPNOTSUPP),
        S(E_CLASS_HAS_CHILDREN, "class has subclasses", -ENOTEMPTY),
        S(E_CLASS_HAS_INSTANCES, "class has instances", -ENOTEMPTY),
        S(E_QUERY_NOT_IMPLEMENTED, "query not implemented", -EOPNOTSUPP),
        S(E_ILLEGAL_NULL, "illegal null value", -EINVAL),
        S(E_INVALID_QUALIFIER_TYPE, "invalid qualifier type", -EINVAL),
        S(E_INVALID_PROPERTY_TYPE, "invalid property type", -EINVAL),
        S(E_VALUE_OUT_OF_RANGE, "value out of range", -ERANGE),
        S(E_CANNOT_BE_SINGLETON, "cannot be a singleton", -EINVAL),
        S(E_INVALID_CIM_TYPE, "invalid cim type", -EINVAL),
        S(E_INVALID_METHOD, "invalid method", -EINVAL),
        S(E_INVALID_METHOD_PARAMETERS, "invalid method parameters", -EINVAL),
        S(E_SYSTEM_PROPERTY, "system property cannot be changed", -EPERM),
        S(E_INVALID_PROPERTY, "invalid property", -EINVAL),
        S(E_CALL_CANCELLED, "call cancelled", -ECANCELED),
        S(E_SHUTTING_DOWN, "shutting down", -ESHUTDOWN),
        S(E_PROPAGATED_METHOD, "propagated method", -EPERM),
        S(E_UNSUPPORTED_PARAMETER, "unsupported parameter", -EINVAL),
        S(E_MISSING_PARAMETER_ID, "missing parameter id", -EINVAL),
        S(E_INVALID_PARAMETER_ID, "invalid parameter id", -EINVAL),
        S(E_NONCONSECUTIVE_PARAMETER_IDS, "nonconsecutive parameter ids", -EINVAL),
        S(E_PARAMETER_ID_ON_RETVAL, "parameter id on return value", -EINVAL),
        S(E_INVALID_OBJECT_PATH, "invalid object path", -EINVAL),
        S(E_OUT_OF_DISK_SPACE, "out of disk space", -ENOSPC),
        S(E_UNSUPPORTED_PUT_EXTENSION, "unsupported put extension", -EOPNOTSUPP),
        S(E_SERVER_TOO_BUSY, "server too busy", -EBUSY),
        S(E_INVALID_QUALIFIER, "invalid qualifier", -EINVAL),
        S(E_QUALIFIER_NAME_TOO_WIDE, "qualifier name too long", -EINVAL),
        S(E_AMENDED_OBJECT, "amended object", -EINVAL),
        S(E_METHOD_NOT_IMPLEMENTED, "method not implemented", -EOPNOTSUPP),
        S(E_METHOD_DISABLED, "method disabled", -EPERM),
        S(E_UNPARSABLE_QUERY, "unparsable query", -EINVAL),
        S(E_NOT_EVENT_CLASS, "not an event class", -EINVAL),
        S(E_PRIVILEGE_NOT_HELD, "privilege not held", -EACCES),
        S(E_INVALID_OPERATOR, "invalid operator", -EINVAL),
        S(E_LOCAL_CREDENTIALS, "user credentials cannot be used for local connections", -EPERM),
        S(E_CANNOT_BE_ABSTRACT, "cannot be abstract", -EINVAL),
        S(E_TIMED_OUT, "timed out", -ETIMEDOUT),
        S(E_INVALID_ASSOCIATION, "invalid association", -EINVAL),
        S(E_QUOTA_VIOLATION, "quota violation", -EDQUOT),
        S(E_CLASS_NAME_TOO_WIDE, "class name too long", -EINVAL),
        S(E_METHOD_NAME_TOO_WIDE, "method name too long", -EINVAL),
        S(E_PROPERTY_NAME_TOO_WIDE, "property name too long", -EINVAL),
        S(E_ENCRYPTED_CONNECTION_REQUIRED, "encrypted connection required", -EACCES),
        S(E_INVALID_DUPLICATE_PARAMETER, "duplicate parameter", -EINVAL),
        S(E_DUPLICATE_OBJECTS, "duplicate objects", -EEXIST),
        { OWMI_E_REGISTRATION_TOO_BROAD, "WBEMESS_E_REGISTRATION_TOO_BROAD",
          "event query too broad for the providers", -EINVAL },
        { OWMI_E_REGISTRATION_TOO_PRECISE, "WBEMESS_E_REGISTRATION_TOO_PRECISE",
          "event query needs WITHIN for a class no provider raises events for", -EINVAL },
        { OWMI_E_EVENT_TIMED_OUT, "wbemErrTimedout", "no event within the timeout", -ETIMEDOUT },
        { OWMI_E_MONIKER_SYNTAX, "MK_E_SYNTAX", "moniker syntax error", -EINVAL },
};

#undef S

/* errno -> status, for errnos that come from the system or that many
 * statuses share; the first status listed with an errno is its owner. */
static const struct {
        int error;
        uint32_t code;
} errno_table[] = {
        { -EPERM, OWMI_E_INVALID_OPERATION },
        { -EACCES, OWMI_E_ACCESS_DENIED },
        { -ENOENT, OWMI_E_NOT_FOUND },
        { -EEXIST, OWMI_E_ALREADY_EXISTS },
        { -ENOMEM, OWMI_E_OUT_OF_MEMORY },
        { -EINVAL, OWMI_E_INVALID_PARAMETER },
        { -EBADMSG, OWMI_E_INVALID_STREAM },
        { -EOPNOTSUPP, OWMI_E_NOT_SUPPORTED },
        { -ENOSYS, OWMI_E_NOT_SUPPORTED },
        { -EAGAIN, OWMI_E_NOT_AVAILABLE },
        { -EBUSY, OWMI_E_SERVER_TOO_BUSY },
        { -ERANGE, OWMI_E_VALUE_OUT_OF_RANGE },
        { -EOVERFLOW, OWMI_E_VALUE_OUT_OF_RANGE },
        { -ETIMEDOUT, OWMI_E_TIMED_OUT },
        { -ECANCELED, OWMI_E_CALL_CANCELLED },
        { -ESHUTDOWN, OWMI_E_SHUTTING_DOWN },
        { -ENOSPC, OWMI_E_OUT_OF_DISK_SPACE },
        { -EDQUOT, OWMI_E_QUOTA_VIOLATION },
        { -E2BIG, OWMI_E_QUOTA_VIOLATION },
        { -EROFS, OWMI_E_READ_ONLY },
        { -ENOTEMPTY, OWMI_E_CLASS_HAS_CHILDREN },
        { -ENAMETOOLONG, OWMI_E_INVALID_PARAMETER },
        { -EPIPE, OWMI_E_TRANSPORT_FAILURE },
        { -ECONNRESET, OWMI_E_TRANSPORT_FAILURE },
        { -ECONNREFUSED, OWMI_E_TRANSPORT_FAILURE },
        { -EIO, OWMI_E_FAILED },
};

static const struct status_info *status_lookup(uint32_t code)
{
        size_t lo = 0, hi = ELEMENTSOF(status_table);

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (status_table[mid].code == code)
                        return &status_table[mid];
                if (status_table[mid].code < code)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

OWMI_EXTERN const char *owmi_status_name(uint32_t status)
{
        const struct status_info *s = status_lookup(status);

        return s ? s->name : NULL;
}

OWMI_EXTERN const char *owmi_strerror(uint32_t status)
{
        const struct status_info *s = status_lookup(status);

        return s ? s->description : "unknown error";
}

int owmi_status_to_errno(uint32_t status)
{
        const struct status_info *s = status_lookup(status);

        return s ? s->error : -EIO;
}

uint32_t owmi_status_from_errno(int negative_errno)
{
        /* internal code may return a status itself: (int) 0x8004xxxx is negative */
        if (((uint32_t) negative_errno & 0xffff0000u) == 0x80040000u)
                return (uint32_t) negative_errno;
        if (negative_errno >= 0)
                return OWMI_S_NO_ERROR;
        for (size_t i = 0; i < ELEMENTSOF(errno_table); i++)
                if (errno_table[i].error == negative_errno)
                        return errno_table[i].code;
        return OWMI_E_FAILED;
}

static void error_fill(struct owmi_error *err, uint32_t code, const char *file,
                       unsigned line, unsigned column, const char *fmt, va_list ap)
        __attribute__((format(printf, 6, 0)));

static void error_fill(struct owmi_error *err, uint32_t code, const char *file,
                       unsigned line, unsigned column, const char *fmt, va_list ap)
{
        err->code = code;
        err->line = line;
        err->column = column;
        snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
        if (fmt)
                vsnprintf(err->message, sizeof(err->message), fmt, ap);
        else
                err->message[0] = '\0';
}

int owmi_error_set(struct owmi_error *err, uint32_t code, const char *fmt, ...)
{
        va_list ap;

        if (err) {
                va_start(ap, fmt);
                error_fill(err, code, NULL, 0, 0, fmt, ap);
                va_end(ap);
        }
        return owmi_status_to_errno(code);
}

int owmi_error_set_at(struct owmi_error *err, uint32_t code, const char *file,
                      unsigned line, unsigned column, const char *fmt, ...)
{
        va_list ap;

        if (err) {
                va_start(ap, fmt);
                error_fill(err, code, file, line, column, fmt, ap);
                va_end(ap);
        }
        return owmi_status_to_errno(code);
}

void owmi_error_clear(struct owmi_error *err)
{
        if (err)
                memset(err, 0, sizeof(*err));
}

/* snprintf that appends at *pos and never runs past size. */
static void append(char *buf, unsigned size, unsigned *pos, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void append(char *buf, unsigned size, unsigned *pos, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (*pos >= size)
                return;
        va_start(ap, fmt);
        n = vsnprintf(buf + *pos, size - *pos, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        *pos = (size_t) n >= size - *pos ? size : *pos + (unsigned) n;
}

void owmi_error_format(const struct owmi_error *err, char *buf, unsigned size)
{
        const char *name, *message;
        unsigned pos = 0;

        if (!buf || size == 0)
                return;
        buf[0] = '\0';
        if (!err)
                return;

        /* location: file:line:col, each part only when known; a column
         * without a line (WQL, object paths) reads "column N" */
        if (err->file[0]) {
                append(buf, size, &pos, "%s", err->file);
                if (err->line) {
                        append(buf, size, &pos, ":%u", err->line);
                        if (err->column)
                                append(buf, size, &pos, ":%u", err->column);
                } else if (err->column) {
                        append(buf, size, &pos, ": column %u", err->column);
                }
                append(buf, size, &pos, ": ");
        } else if (err->line) {
                append(buf, size, &pos, "%u", err->line);
                if (err->column)
                        append(buf, size, &pos, ":%u", err->column);
                append(buf, size, &pos, ": ");
        } else if (err->column) {
                append(buf, size, &pos, "column %u: ", err->column);
        }

        message = err->message[0] ? err->message : owmi_strerror(err->code);
        append(buf, size, &pos, "%s", message);

        if (err->code != OWMI_S_NO_ERROR) {
                name = owmi_status_name(err->code);
                if (name)
                        append(buf, size, &pos, " [%s]", name);
                else
                        append(buf, size, &pos, " [0x%08X]", (unsigned) err->code);
        }
}
