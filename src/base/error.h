/* SPDX-License-Identifier: MIT */
/*
 * error.h: the error a failing call hands back: WMI status code, a one-line
 * message, and where in the input it happened (file:line:col for MOF,
 * column for WQL and object paths; 0 when not known).
 */
#ifndef OWMI_BASE_ERROR_H
#define OWMI_BASE_ERROR_H

#include <stdint.h>

#include <openwmi/owmi-status.h>

/* struct owmi_error is public: <openwmi/owmi-status.h>. */

/* Fill err (may be NULL) and return the negative errno matching code, so
 * "return owmi_error_set(err, ...)" reads naturally. */
int owmi_error_set(struct owmi_error *err, uint32_t code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int owmi_error_set_at(struct owmi_error *err, uint32_t code, const char *file,
                      unsigned line, unsigned column, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));
void owmi_error_clear(struct owmi_error *err);

/* The negative errno that best stands for a WMI status, and back.
 * Unknown statuses map to -EIO; -ENOMEM maps to OWMI_E_OUT_OF_MEMORY. */
int owmi_status_to_errno(uint32_t status);
uint32_t owmi_status_from_errno(int negative_errno);

/* "file:line:col: message [WBEM_E_NAME]" into buf. */
void owmi_error_format(const struct owmi_error *err, char *buf, unsigned size);

#endif
