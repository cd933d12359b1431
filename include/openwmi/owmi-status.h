/* SPDX-License-Identifier: MIT */
/*
 * owmi-status.h: the status codes every OpenWMI interface returns.
 *
 * The codes are WMI's own HRESULT values (WbemErrorEnum), so a script that
 * tests for 0x80041002 on Windows tests for the same value here.  Internal
 * functions return a negative errno or a negative status (see
 * owmi_status_from_errno); the public API returns these values unchanged.
 */
#ifndef OPENWMI_OWMI_STATUS_H
#define OPENWMI_OWMI_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef OWMI_EXTERN
#define OWMI_EXTERN __attribute__((visibility("default")))
#endif

typedef enum owmi_status {
        OWMI_S_NO_ERROR = 0x00000000u,
        OWMI_S_FALSE = 0x00000001u,
        OWMI_E_FAILED = 0x80041001u,
        OWMI_E_NOT_FOUND = 0x80041002u,
        OWMI_E_ACCESS_DENIED = 0x80041003u,
        OWMI_E_PROVIDER_FAILURE = 0x80041004u,
        OWMI_E_TYPE_MISMATCH = 0x80041005u,
        OWMI_E_OUT_OF_MEMORY = 0x80041006u,
        OWMI_E_INVALID_CONTEXT = 0x80041007u,
        OWMI_E_INVALID_PARAMETER = 0x80041008u,
        OWMI_E_NOT_AVAILABLE = 0x80041009u,
        OWMI_E_CRITICAL_ERROR = 0x8004100Au,
        OWMI_E_INVALID_STREAM = 0x8004100Bu,
        OWMI_E_NOT_SUPPORTED = 0x8004100Cu,
        OWMI_E_INVALID_SUPERCLASS = 0x8004100Du,
        OWMI_E_INVALID_NAMESPACE = 0x8004100Eu,
        OWMI_E_INVALID_OBJECT = 0x8004100Fu,
        OWMI_E_INVALID_CLASS = 0x80041010u,
        OWMI_E_PROVIDER_NOT_FOUND = 0x80041011u,
        OWMI_E_INVALID_PROVIDER_REGISTRATION = 0x80041012u,
        OWMI_E_PROVIDER_LOAD_FAILURE = 0x80041013u,
        OWMI_E_INITIALIZATION_FAILURE = 0x80041014u,
        OWMI_E_TRANSPORT_FAILURE = 0x80041015u,
        OWMI_E_INVALID_OPERATION = 0x80041016u,
        OWMI_E_INVALID_QUERY = 0x80041017u,
        OWMI_E_INVALID_QUERY_TYPE = 0x80041018u,
        OWMI_E_ALREADY_EXISTS = 0x80041019u,
        OWMI_E_OVERRIDE_NOT_ALLOWED = 0x8004101Au,
        OWMI_E_PROPAGATED_QUALIFIER = 0x8004101Bu,
        OWMI_E_PROPAGATED_PROPERTY = 0x8004101Cu,
        OWMI_E_UNEXPECTED = 0x8004101Du,
        OWMI_E_ILLEGAL_OPERATION = 0x8004101Eu,
        OWMI_E_CANNOT_BE_KEY = 0x8004101Fu,
        OWMI_E_INCOMPLETE_CLASS = 0x80041020u,
        OWMI_E_INVALID_SYNTAX = 0x80041021u,
        OWMI_E_NONDECORATED_OBJECT = 0x80041022u,
        OWMI_E_READ_ONLY = 0x80041023u,
        OWMI_E_PROVIDER_NOT_CAPABLE = 0x80041024u,
        OWMI_E_CLASS_HAS_CHILDREN = 0x80041025u,
        OWMI_E_CLASS_HAS_INSTANCES = 0x80041026u,
        OWMI_E_QUERY_NOT_IMPLEMENTED = 0x80041027u,
        OWMI_E_ILLEGAL_NULL = 0x80041028u,
        OWMI_E_INVALID_QUALIFIER_TYPE = 0x80041029u,
        OWMI_E_INVALID_PROPERTY_TYPE = 0x8004102Au,
        OWMI_E_VALUE_OUT_OF_RANGE = 0x8004102Bu,
        OWMI_E_CANNOT_BE_SINGLETON = 0x8004102Cu,
        OWMI_E_INVALID_CIM_TYPE = 0x8004102Du,
        OWMI_E_INVALID_METHOD = 0x8004102Eu,
        OWMI_E_INVALID_METHOD_PARAMETERS = 0x8004102Fu,
        OWMI_E_SYSTEM_PROPERTY = 0x80041030u,
        OWMI_E_INVALID_PROPERTY = 0x80041031u,
        OWMI_E_CALL_CANCELLED = 0x80041032u,
        OWMI_E_SHUTTING_DOWN = 0x80041033u,
        OWMI_E_PROPAGATED_METHOD = 0x80041034u,
        OWMI_E_UNSUPPORTED_PARAMETER = 0x80041035u,
        OWMI_E_MISSING_PARAMETER_ID = 0x80041036u,
        OWMI_E_INVALID_PARAMETER_ID = 0x80041037u,
        OWMI_E_NONCONSECUTIVE_PARAMETER_IDS = 0x80041038u,
        OWMI_E_PARAMETER_ID_ON_RETVAL = 0x80041039u,
        OWMI_E_INVALID_OBJECT_PATH = 0x8004103Au,
        OWMI_E_OUT_OF_DISK_SPACE = 0x8004103Bu,
        OWMI_E_UNSUPPORTED_PUT_EXTENSION = 0x8004103Du,
        OWMI_E_SERVER_TOO_BUSY = 0x80041045u,
        OWMI_E_INVALID_QUALIFIER = 0x80041049u,
        OWMI_E_QUALIFIER_NAME_TOO_WIDE = 0x8004104Au,
        OWMI_E_AMENDED_OBJECT = 0x8004104Du,
        OWMI_E_METHOD_NOT_IMPLEMENTED = 0x80041055u,
        OWMI_E_METHOD_DISABLED = 0x80041056u,
        OWMI_E_UNPARSABLE_QUERY = 0x80041058u,
        OWMI_E_NOT_EVENT_CLASS = 0x80041059u,
        OWMI_E_PRIVILEGE_NOT_HELD = 0x80041062u,
        OWMI_E_INVALID_OPERATOR = 0x80041063u,
        OWMI_E_LOCAL_CREDENTIALS = 0x80041064u,
        OWMI_E_CANNOT_BE_ABSTRACT = 0x80041065u,
        OWMI_E_TIMED_OUT = 0x80041069u,
        OWMI_E_INVALID_ASSOCIATION = 0x8004106Au,
        OWMI_E_QUOTA_VIOLATION = 0x8004106Cu,
        OWMI_E_CLASS_NAME_TOO_WIDE = 0x80041070u,
        OWMI_E_METHOD_NAME_TOO_WIDE = 0x80041071u,
        OWMI_E_PROPERTY_NAME_TOO_WIDE = 0x80041075u,
        OWMI_E_ENCRYPTED_CONNECTION_REQUIRED = 0x80041087u,
        OWMI_E_INVALID_DUPLICATE_PARAMETER = 0x80041088u,
        OWMI_E_DUPLICATE_OBJECTS = 0x80041089u,
        /* the event subsystem's (WBEMESS_E_*) and the scripting timeout */
        OWMI_E_REGISTRATION_TOO_BROAD = 0x80042001u,
        OWMI_E_REGISTRATION_TOO_PRECISE = 0x80042002u,
        OWMI_E_EVENT_TIMED_OUT = 0x80043001u,      /* wbemErrTimedout: NextEvent's timeout */
        /* COM's, for a moniker that does not parse */
        OWMI_E_MONIKER_SYNTAX = 0x800401E4u,       /* MK_E_SYNTAX */
} owmi_status;

#define OWMI_ERROR_MESSAGE_MAX 512

/* The error a failing call hands back: WMI status code, a one-line
 * message, and where in the input it happened (file:line:col for MOF,
 * column for WQL and object paths; 0 when not known). */
struct owmi_error {
        uint32_t code;                         /* owmi_status */
        unsigned line;                         /* 1-based, 0 = none */
        unsigned column;                       /* 1-based, 0 = none */
        char file[256];                        /* "" = none */
        char message[OWMI_ERROR_MESSAGE_MAX];  /* lower case, no full stop */
};

/* "WBEM_E_NOT_FOUND" for 0x80041002; NULL for a code we do not know. */
OWMI_EXTERN const char *owmi_status_name(uint32_t status);

/* A short lower-case English description of the status. */
OWMI_EXTERN const char *owmi_strerror(uint32_t status);

#ifdef __cplusplus
}
#endif

#endif
