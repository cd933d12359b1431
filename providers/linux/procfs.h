/* SPDX-License-Identifier: MIT */
/*
 * procfs.h: reading one process from /proc, shared by Win32_Process
 * (process.c) and its performance counters (perfproc.c).  Each file is
 * read only when the caller asks for it; a process that ends while it is
 * read reports -ESRCH and is left out by the callers, never an error.
 */
#ifndef OWMI_PROVIDERS_LINUX_PROCFS_H
#define OWMI_PROVIDERS_LINUX_PROCFS_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The files of /proc/<pid> a reader may ask for. */
enum {
        PROCFS_STAT = 1u << 0,
        PROCFS_STATM = 1u << 1,
        PROCFS_STATUS = 1u << 2,      /* has what statm has, and more */
        PROCFS_IO = 1u << 3,
        PROCFS_FD = 1u << 4,
};

struct process_info {
        pid_t pid;
        bool have_stat, have_mem, have_peaks, have_tgid, have_uid, have_io, have_fds;
        char comm[64];
        char state;
        pid_t ppid;
        int64_t session;
        uint64_t minflt, majflt, utime, stime, starttime, vsize, rss;
        int64_t nice;
        uint64_t threads, rt_priority, policy;
        uint64_t private_bytes, data_kb;        /* statm or status */
        uint64_t vm_peak_kb, vm_hwm_kb;         /* status */
        pid_t tgid;
        uid_t uid;                              /* effective, from status */
        uint64_t rchar, wchar, syscr, syscw;    /* io */
        uint64_t fds;
        const char *cmdline;                    /* CommandLine, or NULL */
        const char *exe;                        /* ExecutablePath, or NULL */
        bool exe_denied;                        /* not the caller's to read */
        char exe_buf[PATH_MAX];
};

/* Facts of the system the readers convert with. */
long procfs_page_size(void);
long procfs_ticks(void);                /* clock ticks per second */

/* Read /proc/<pid>/<name> (relative to proc_fd, an open /proc) into buf,
 * NUL-terminated: the length, or a negative errno. */
long procfs_read(int proc_fd, pid_t pid, const char *name, char *buf, size_t size);

/* Errors that mean the process is no more (or never was). */
static inline bool procfs_gone(long r)
{
        return r == -ENOENT || r == -ESRCH;
}

/* pid in decimal into out (room for 12): its length. */
size_t procfs_format_pid(pid_t pid, char *out);

/* A pid as /proc names it (canonical decimal), or 0. */
pid_t procfs_parse_pid(const char *s);

/* Read the files asked for (PROCFS_*) into p, resetting what p had: 0, or
 * -ESRCH when the process is gone.  Files the caller may not read (io of
 * another user's process) leave their have_ flag false. */
int procfs_load(int proc_fd, pid_t pid, unsigned files, struct process_info *p);

/* The exe link, without the " (deleted)" the kernel adds for a replaced
 * file, in p->exe_buf; NULL for kernel threads and zombies, or when it is
 * not the caller's to see. */
const char *procfs_exe(int proc_fd, struct process_info *p);

/* The process's name as WMI shows it ("bash"): comm, unless the kernel
 * cut it at 15 characters and the executable's name is the whole of it.
 * Reads the exe link only in that case (and keeps it in p). */
const char *procfs_name(int proc_fd, struct process_info *p);

/* WMI's base priority (0-31, 8 normal) for the scheduling stat shows. */
uint32_t procfs_priority_base(const struct process_info *p);

/* Entries of a directory, counted with getdents64 (no allocation, so it
 * also runs in a forked child). */
long procfs_count_entries(int dir_fd);

#endif
