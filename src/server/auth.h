/* SPDX-License-Identifier: MIT */
/*
 * auth.h: who a remote client is: a user and password checked through
 * PAM (the service configured, "owmid" by default, which on Debian falls
 * back to /etc/pam.d/other), with failed attempts logged and limited per
 * address; or a verified client certificate.  The caller that results
 * has the user's uid, groups, and no capabilities unless uid 0.
 */
#ifndef OWMI_SERVER_AUTH_H
#define OWMI_SERVER_AUTH_H

#include <stdbool.h>

#include "base/error.h"
#include "cimom/cimom.h"

/* Check user and password (blocking: run it on a worker).  source names
 * the client's address for the limit and the log. */
int auth_password(const char *service, const char *user, const char *password,
                  const char *source, struct owmi_error *err);
/* The caller for an authenticated user name. */
int auth_caller(const char *user, struct cimom_caller *ret, struct owmi_error *err);
/* Failed logins from source in the last minute past the limit? */
bool auth_source_blocked(const char *source);

#endif
