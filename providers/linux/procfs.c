/* SPDX-License-Identifier: MIT */
/*
 * procfs.c: reading one process from /proc (see procfs.h).  The cost of an
 * enumeration is the kernel formatting these files, so every file skipped
 * shows directly in the time; each is read with one read(2) into a buffer
 * far larger than the kernel makes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <sched.h>
#include <unistd.h>

#include "procfs.h"

static pthread_once_t sys_once = PTHREAD_ONCE_INIT;
static long page_size, ticks;

static void sys_init(void)
{
        page_size = sysconf(_SC_PAGESIZE);
        ticks = sysconf(_SC_CLK_TCK);
        if (page_size <= 0)
                page_size = 4096;
        if (ticks <= 0)
                ticks = 100;
}

long procfs_page_size(void)
{
        pthread_once(&sys_once, sys_init);
        return page_size;
}

long procfs_ticks(void)
{
        pthread_once(&sys_once, sys_init);
        return ticks;
}

/* Read /proc/<pid>/<name> (relative to proc_fd) into buf, NUL-terminated:
 * the length, or a negative errno.  One read is enough: the kernel makes
 * these files whole, and buf is far larger than they are. */
size_t procfs_format_pid(pid_t pid, char *out)
{
        char digits[12];
        size_t n = 0, len;
        unsigned v = (unsigned) pid;

        do
                digits[n++] = (char) ('0' + v % 10);
        while ((v /= 10) && n < sizeof(digits));
        for (len = 0; len < n; len++)
                out[len] = digits[n - 1 - len];
        out[len] = '\0';
        return len;
}

long procfs_read(int proc_fd, pid_t pid, const char *name, char *buf, size_t size)
{
        char path[48];
        size_t len = procfs_format_pid(pid, path), name_len = strlen(name);
        ssize_t n;
        int fd;

        /* "<pid>/<name>" without printf: this runs for every file read */
        if (len + 1 + name_len >= sizeof(path))
                return -ENAMETOOLONG;
        path[len] = '/';
        memcpy(path + len + 1, name, name_len + 1);
        fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        do
                n = read(fd, buf, size - 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                n = -errno;
        close(fd);
        if (n >= 0)
                buf[n] = '\0';
        return (long) n;
}

long procfs_count_entries(int dir_fd)
{
        char buf[8192] __attribute__((aligned(8)));
        long count = 0;
        long n;

        while ((n = syscall(SYS_getdents64, dir_fd, buf, sizeof(buf))) > 0) {
                for (long off = 0; off < n;) {
                        const struct dirent64 *d = (const struct dirent64 *) (buf + off);

                        if (!(d->d_name[0] == '.' && (!d->d_name[1] ||
                                                      (d->d_name[1] == '.' && !d->d_name[2]))))
                                count++;
                        off += d->d_reclen;
                }
        }
        return n < 0 ? -errno : count;
}

/* Canonical decimal only: a Handle key is compared as text ("007" is not
 * process 7). */
pid_t procfs_parse_pid(const char *s)
{
        long v = 0;

        if (!s || *s < '1' || *s > '9')
                return 0;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > (INT_MAX - 9) / 10)
                        return 0;
                v = v * 10 + (*s - '0');
        }
        return (pid_t) v;
}

/* One number of stat, as strtoull would read it (a '-' wraps around, so a
 * negative nice comes back through a cast), without its locale and
 * overflow checks: this runs 38 times per process. */
static char *parse_field(char *s, uint64_t *ret)
{
        uint64_t v = 0;
        bool negative;

        while (*s == ' ')
                s++;
        negative = *s == '-';
        if (negative)
                s++;
        while (*s >= '0' && *s <= '9')
                v = v * 10 + (uint64_t) (*s++ - '0');
        *ret = negative ? (uint64_t) 0 - v : v;
        return s;
}

static bool parse_stat(char *buf, struct process_info *p)
{
        char *open = strchr(buf, '('), *close = strrchr(buf, ')'), *s;
        uint64_t f[42];
        size_t len;

        if (!open || !close || close < open || !close[1] || !close[2])
                return false;
        len = (size_t) (close - open - 1);
        if (len >= sizeof(p->comm))
                len = sizeof(p->comm) - 1;
        memcpy(p->comm, open + 1, len);
        p->comm[len] = '\0';
        p->state = close[2];
        /* fields 4 to 41 (1-based, as proc(5) numbers them) */
        s = close + 3;
        memset(f, 0, sizeof(f));
        for (int i = 4; i < 42 && *s; i++)
                s = parse_field(s, &f[i]);
        p->ppid = (pid_t) f[4];
        p->session = (int64_t) f[6];
        p->minflt = f[10];
        p->majflt = f[12];
        p->utime = f[14];
        p->stime = f[15];
        p->nice = (int64_t) f[19];
        p->threads = f[20];
        p->starttime = f[22];
        p->vsize = f[23];
        p->rss = f[24];
        p->rt_priority = f[40];
        p->policy = f[41];
        p->have_stat = true;
        return true;
}

static void parse_statm(const char *buf, struct process_info *p)
{
        unsigned long long size, resident, shared, text, lib, data;

        if (sscanf(buf, "%llu %llu %llu %llu %llu %llu", &size, &resident, &shared, &text, &lib,
                   &data) != 6)
                return;
        /* resident - shared is the anonymous resident memory (RssAnon) */
        p->private_bytes = (resident > shared ? resident - shared : 0) *
                           (uint64_t) procfs_page_size();
        p->data_kb = data * (uint64_t) procfs_page_size() / 1024;
        p->have_mem = true;
}

static const char *next_line(const char *line)
{
        const char *end = strchr(line, '\n');

        return end ? end + 1 : NULL;
}

/* The number after "Name:" on a line of status, in kB where it has units. */
static uint64_t status_value(const char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        return strtoull(s, NULL, 10);
}

static void parse_status(const char *buf, struct process_info *p)
{
        uint64_t data = 0, stack = 0;
        bool have_anon = false;

        for (const char *line = buf; line && *line; line = next_line(line)) {
                switch (line[0]) {
                case 'T':
                        if (strncmp(line, "Tgid:", 5) == 0) {
                                p->tgid = (pid_t) status_value(line + 5);
                                p->have_tgid = true;
                        }
                        break;
                case 'U':
                        if (strncmp(line, "Uid:", 4) == 0) {
                                /* real, effective, saved, fs: the owner is the effective */
                                char *s;

                                strtoul(line + 4, &s, 10);
                                p->uid = (uid_t) strtoul(s, NULL, 10);
                                p->have_uid = true;
                        }
                        break;
                case 'V':
                        if (strncmp(line, "VmPeak:", 7) == 0) {
                                p->vm_peak_kb = status_value(line + 7);
                                p->have_peaks = true;
                        } else if (strncmp(line, "VmHWM:", 6) == 0) {
                                p->vm_hwm_kb = status_value(line + 6);
                        } else if (strncmp(line, "VmData:", 7) == 0) {
                                data = status_value(line + 7);
                        } else if (strncmp(line, "VmStk:", 6) == 0) {
                                stack = status_value(line + 6);
                        }
                        break;
                case 'R':
                        if (strncmp(line, "RssAnon:", 8) == 0) {
                                p->private_bytes = status_value(line + 8) * 1024;
                                have_anon = true;
                        }
                        break;
                default:
                        break;
                }
        }
        if (have_anon) {
                p->data_kb = data + stack;
                p->have_mem = true;
        } else {
                /* kernel threads: no memory of their own */
                p->private_bytes = p->data_kb = 0;
                p->have_mem = true;
        }
}

static void parse_io(const char *buf, struct process_info *p)
{
        static const char *const keys[] = { "rchar:", "wchar:", "syscr:", "syscw:" };
        uint64_t *vals[] = { &p->rchar, &p->wchar, &p->syscr, &p->syscw };
        size_t found = 0;

        for (size_t i = 0; i < 4; i++) {
                const char *at = strstr(buf, keys[i]);

                if (at) {
                        *vals[i] = strtoull(at + strlen(keys[i]), NULL, 10);
                        found++;
                }
        }
        p->have_io = found == 4;
}

/* Since Linux 6.2 the size of /proc/<pid>/fd is the number of open files:
 * one stat instead of listing them. */
static int load_fds(int proc_fd, struct process_info *p)
{
        char path[48];
        struct stat st;
        long r;
        int fd;

        snprintf(path, sizeof(path), "%d/fd", (int) p->pid);
        if (fstatat(proc_fd, path, &st, 0) < 0)
                return procfs_gone(-errno) ? -ESRCH : 0;
        if (st.st_size > 0) {
                p->fds = (uint64_t) st.st_size;
                p->have_fds = true;
                return 0;
        }
        /* an older kernel (or really no file open): count */
        fd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        r = procfs_count_entries(fd);
        close(fd);
        if (r >= 0) {
                p->fds = (uint64_t) r;
                p->have_fds = true;
        }
        return 0;
}

int procfs_load(int proc_fd, pid_t pid, unsigned files, struct process_info *p)
{
        /* status grows with the groups and CPUs listed in it */
        char buf[16384];
        long r;

        p->pid = pid;
        p->have_stat = p->have_mem = p->have_peaks = p->have_tgid = p->have_uid = false;
        p->have_io = p->have_fds = p->exe_denied = false;
        p->cmdline = p->exe = NULL;
        if (files & PROCFS_STAT) {
                r = procfs_read(proc_fd, pid, "stat", buf, sizeof(buf));
                if (r < 0 || !parse_stat(buf, p))
                        return -ESRCH;
        }
        if (files & PROCFS_STATUS) {
                r = procfs_read(proc_fd, pid, "status", buf, sizeof(buf));
                if (procfs_gone(r))
                        return -ESRCH;
                if (r > 0)
                        parse_status(buf, p);
        } else if (files & PROCFS_STATM) {
                r = procfs_read(proc_fd, pid, "statm", buf, sizeof(buf));
                if (procfs_gone(r))
                        return -ESRCH;
                if (r > 0)
                        parse_statm(buf, p);
        }
        if (files & PROCFS_IO) {
                /* readable for one's own processes, or with ptrace rights */
                r = procfs_read(proc_fd, pid, "io", buf, sizeof(buf));
                if (procfs_gone(r))
                        return -ESRCH;
                if (r > 0)
                        parse_io(buf, p);
        }
        if ((files & PROCFS_FD) && load_fds(proc_fd, p) < 0)
                return -ESRCH;
        return 0;
}

const char *procfs_exe(int proc_fd, struct process_info *p)
{
        static const char deleted[] = " (deleted)";
        char path[48];
        ssize_t n;

        snprintf(path, sizeof(path), "%d/exe", (int) p->pid);
        n = readlinkat(proc_fd, path, p->exe_buf, sizeof(p->exe_buf) - 1);
        if (n <= 0)
                return NULL;
        p->exe_buf[n] = '\0';
        if ((size_t) n > sizeof(deleted) - 1 &&
            strcmp(p->exe_buf + n - (sizeof(deleted) - 1), deleted) == 0)
                p->exe_buf[n - (sizeof(deleted) - 1)] = '\0';
        return p->exe_buf;
}

const char *procfs_name(int proc_fd, struct process_info *p)
{
        const char *base;

        if (strlen(p->comm) != 15)
                return p->comm;
        if (!p->exe)
                p->exe = procfs_exe(proc_fd, p);
        base = p->exe ? strrchr(p->exe, '/') : NULL;
        if (base && strncmp(base + 1, p->comm, 15) == 0)
                return base + 1;
        return p->comm;
}

/* WMI's base priority (0-31, 8 normal) for Linux's scheduling: nice -20..19
 * onto 13..4 (high to idle), real-time priorities onto 16..31. */
uint32_t procfs_priority_base(const struct process_info *p)
{
        if (p->policy == SCHED_FIFO || p->policy == SCHED_RR)
                return 16 + (uint32_t) (p->rt_priority * 15 / 99);
        if (p->policy == SCHED_IDLE)
                return 1;
        if (p->nice < 0)
                return 8 + (uint32_t) (-p->nice * 5 / 20);
        return 8 - (uint32_t) (p->nice * 4 / 19);
}
