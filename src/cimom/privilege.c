/* SPDX-License-Identifier: MIT */
/*
 * privilege.c: the table of WMI's privileges and their Linux
 * counterparts (see privilege.h).
 */
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"
#include "cimom/privilege.h"

/* What holds a privilege when no capability stands for it. */
enum holder { BY_CAPABILITY, BY_ROOT, BY_EVERYONE };

static const struct {
        const char *name;       /* SE name; the short name is without Se and Privilege */
        enum holder holder;
        int capability;         /* BY_CAPABILITY: held with this one */
        int or_capability;      /* ... or this one (-1: none) */
} privileges[] = {
        [1] = { "SeCreateTokenPrivilege", BY_CAPABILITY, CAP_SETUID, -1 },
        [2] = { "SeAssignPrimaryTokenPrivilege", BY_CAPABILITY, CAP_SETUID, -1 },
        [3] = { "SeLockMemoryPrivilege", BY_CAPABILITY, CAP_IPC_LOCK, -1 },
        [4] = { "SeIncreaseQuotaPrivilege", BY_CAPABILITY, CAP_SYS_RESOURCE, -1 },
        [5] = { "SeMachineAccountPrivilege", BY_ROOT, 0, -1 },
        [6] = { "SeTcbPrivilege", BY_ROOT, 0, -1 },
        [7] = { "SeSecurityPrivilege", BY_CAPABILITY, CAP_AUDIT_CONTROL, -1 },
        [8] = { "SeTakeOwnershipPrivilege", BY_CAPABILITY, CAP_FOWNER, CAP_CHOWN },
        [9] = { "SeLoadDriverPrivilege", BY_CAPABILITY, CAP_SYS_MODULE, -1 },
        [10] = { "SeSystemProfilePrivilege", BY_CAPABILITY, 38 /* CAP_PERFMON */, CAP_SYS_ADMIN },
        [11] = { "SeSystemtimePrivilege", BY_CAPABILITY, CAP_SYS_TIME, -1 },
        [12] = { "SeProfileSingleProcessPrivilege", BY_CAPABILITY, CAP_SYS_PTRACE, -1 },
        [13] = { "SeIncreaseBasePriorityPrivilege", BY_CAPABILITY, CAP_SYS_NICE, -1 },
        [14] = { "SeCreatePagefilePrivilege", BY_CAPABILITY, CAP_SYS_ADMIN, -1 },
        [15] = { "SeCreatePermanentPrivilege", BY_ROOT, 0, -1 },
        [16] = { "SeBackupPrivilege", BY_CAPABILITY, CAP_DAC_READ_SEARCH, -1 },
        [17] = { "SeRestorePrivilege", BY_CAPABILITY, CAP_DAC_OVERRIDE, -1 },
        [18] = { "SeShutdownPrivilege", BY_CAPABILITY, CAP_SYS_BOOT, -1 },
        [19] = { "SeDebugPrivilege", BY_CAPABILITY, CAP_SYS_PTRACE, -1 },
        [20] = { "SeAuditPrivilege", BY_CAPABILITY, CAP_AUDIT_WRITE, -1 },
        [21] = { "SeSystemEnvironmentPrivilege", BY_CAPABILITY, CAP_SYS_ADMIN, -1 },
        [22] = { "SeChangeNotifyPrivilege", BY_EVERYONE, 0, -1 },
        /* remote shutdown: the capability, and the daemon checks the
         * connection is remote where it matters */
        [23] = { "SeRemoteShutdownPrivilege", BY_CAPABILITY, CAP_SYS_BOOT, -1 },
        [24] = { "SeUndockPrivilege", BY_ROOT, 0, -1 },
        [25] = { "SeSyncAgentPrivilege", BY_ROOT, 0, -1 },
        [26] = { "SeEnableDelegationPrivilege", BY_ROOT, 0, -1 },
        [27] = { "SeManageVolumePrivilege", BY_CAPABILITY, CAP_SYS_ADMIN, -1 },
};

unsigned privilege_lookup(const char *name)
{
        size_t len;

        if (!name)
                return 0;
        len = strlen(name);
        for (unsigned i = 1; i < ELEMENTSOF(privileges); i++) {
                const char *se = privileges[i].name;
                size_t short_len = strlen(se) - strlen("Se") - strlen("Privilege");

                if (strcasecmp(name, se) == 0 ||
                    (len == short_len && strncasecmp(name, se + 2, short_len) == 0))
                        return i;
        }
        return 0;
}

const char *privilege_name(unsigned number)
{
        return number >= 1 && number < ELEMENTSOF(privileges) ? privileges[number].name : NULL;
}

static bool has_capability(uint64_t caps, int cap)
{
        return cap >= 0 && cap < 64 && (caps & (UINT64_C(1) << cap));
}

owmi_privileges privilege_held(uid_t uid, uint64_t cap_effective)
{
        owmi_privileges held = 0;

        for (unsigned i = 1; i < ELEMENTSOF(privileges); i++) {
                bool yes;

                switch (privileges[i].holder) {
                case BY_EVERYONE:
                        yes = true;
                        break;
                case BY_ROOT:
                        yes = uid == 0;
                        break;
                default:
                        yes = has_capability(cap_effective, privileges[i].capability) ||
                              has_capability(cap_effective, privileges[i].or_capability);
                        break;
                }
                if (yes)
                        held |= (owmi_privileges) 1 << i;
        }
        return held;
}

bool privilege_initial_user_namespace(pid_t pid)
{
        char path[64], map[256];
        unsigned long inside, outside, count;
        FILE *f;
        bool whole;

        if (pid)
                snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        else
                snprintf(path, sizeof(path), "/proc/self/uid_map");
        f = fopen(path, "re");
        if (!f)
                return false;
        /* the initial namespace maps every uid onto itself, in one line */
        whole = fgets(map, sizeof(map), f) &&
                sscanf(map, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 &&
                outside == 0 && count == 4294967295ul && !fgets(map, sizeof(map), f);
        fclose(f);
        return whole;
}

uint64_t privilege_self_capabilities(void)
{
        struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

        memset(data, 0, sizeof(data));
        if (!privilege_initial_user_namespace(0) || syscall(SYS_capget, &header, data) < 0)
                return 0;
        return (uint64_t) data[0].effective | ((uint64_t) data[1].effective << 32);
}
