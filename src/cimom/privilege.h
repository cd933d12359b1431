/* SPDX-License-Identifier: MIT */
/*
 * privilege.h: WMI's privileges (SeShutdownPrivilege...) and what holds
 * them on Linux (research/wmi-semantics.md 12.3).
 *
 * A method whose Privileges qualifier names a privilege runs only when the
 * client both enabled it on its connection (as a WMI client must, with the
 * moniker's "(Shutdown)" or privileges=[...]) and holds it: its Linux
 * counterpart is a capability in the client's effective set, or uid 0
 * for the few with no capability of their own.
 */
#ifndef OWMI_CIMOM_PRIVILEGE_H
#define OWMI_CIMOM_PRIVILEGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A set of privileges: bit n is WMI's privilege number n (1 to 27). */
typedef uint32_t owmi_privileges;

/* The privilege named "SeShutdownPrivilege" or "Shutdown" (any case):
 * its number, or 0 if there is none of that name. */
unsigned privilege_lookup(const char *name);

/* "SeShutdownPrivilege" for its number (NULL if out of range). */
const char *privilege_name(unsigned number);

/* The privileges a client with this uid and effective capabilities
 * (CapEff, bit n is capability n) holds. */
owmi_privileges privilege_held(uid_t uid, uint64_t cap_effective);

/* Is process pid (0: this one) in the machine's own user namespace?  A
 * capability counts only there: in a namespace of its own (unshare -r)
 * any user holds them all, over nothing of the machine's. */
bool privilege_initial_user_namespace(pid_t pid);

/* The effective capabilities of this process, or none outside the
 * machine's user namespace. */
uint64_t privilege_self_capabilities(void);

#endif
