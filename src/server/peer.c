/* SPDX-License-Identifier: MIT */
/*
 * peer.c: who is on the other end of a local socket.  The kernel says
 * (SO_PEERCRED, SO_PEERGROUPS); no password is involved.  The
 * capabilities are the peer process's effective set when it connected,
 * counted only in the machine's own user namespace.
 */
#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cimom/privilege.h"
#include "server/server.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

static uint64_t peer_capabilities(pid_t pid)
{
        struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = pid };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

        memset(data, 0, sizeof(data));
        if (pid <= 0 || !privilege_initial_user_namespace(pid) ||
            syscall(SYS_capget, &header, data) < 0)
                return 0;
        return (uint64_t) data[0].effective | ((uint64_t) data[1].effective << 32);
}

int server_peer_caller(int fd, struct cimom_caller *ret, char *desc, size_t desc_size)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);
        struct passwd pwbuf, *pw = NULL;
        char buf[4096];

        memset(ret, 0, sizeof(*ret));
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return -errno;
        ret->uid = cred.uid;
        ret->gid = cred.gid;
        len = sizeof(ret->groups);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, ret->groups, &len) == 0)
                ret->group_count = len / sizeof(gid_t);
        /* more groups than we keep: the primary group alone, never a
         * truncated list that might miss a deny entry's group */
        else
                ret->group_count = 0;
        if (getpwuid_r(cred.uid, &pwbuf, buf, sizeof(buf), &pw) == 0 && pw)
                snprintf(ret->user, sizeof(ret->user), "%s", pw->pw_name);
        else
                snprintf(ret->user, sizeof(ret->user), "%u", (unsigned) cred.uid);
        ret->capabilities = peer_capabilities(cred.pid);
        ret->remote = false;
        snprintf(desc, desc_size, "pid %d uid %u (%s)", (int) cred.pid, (unsigned) cred.uid,
                 ret->user);
        return 0;
}
