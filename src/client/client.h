/* SPDX-License-Identifier: MIT */
/*
 * client.h: what the project's own tools use of libowmi beyond the
 * public header: objects are struct cim_object underneath.
 */
#ifndef OWMI_CLIENT_CLIENT_H
#define OWMI_CLIENT_CLIENT_H

#include <openwmi/owmi.h>

#include "cim/object.h"

static inline struct cim_object *client_object(owmi_object *obj)
{
        return (struct cim_object *) obj;
}

/* A value of type from command-line text: "true"/"false" for booleans,
 * numbers, datetimes and paths as text. */
int client_value_from_text(cim_type type, const char *text, struct cim_value *ret,
                           struct owmi_error *err);

#endif
