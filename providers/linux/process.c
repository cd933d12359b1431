/* SPDX-License-Identifier: MIT */
/*
 * process.c: Win32_Process, its methods, and the process trace events.
 *
 * Instances come from /proc: readdir for the pids, then per process only
 * the files the request's properties need (stat gives most; statm the
 * private and data memory; status only the peaks; cmdline, the exe link,
 * io and a stat of the fd directory only when their property is asked
 * for).  The cost of an enumeration is the kernel formatting those files,
 * so each one read or skipped shows directly in the time
 * (bench/bench-process.c: the provider alone is within a few per cent of
 * a bare loop making the same system calls).
 * A keyed get, and a query whose WHERE pins ProcessId, reads one pid.
 * A process that ends while it is read is left out, never an error.
 *
 * Methods act as the caller (host->caller_uid/gid), so the kernel decides
 * what the caller may do exactly as it would for the caller's own
 * processes: Create forks and, when the caller is not the provider's
 * effective user, takes the caller's groups, gid and uid before exec;
 * Terminate and SetPriority run their system call in a short-lived child
 * with the caller's credentials.  Children Create makes are reaped by a
 * thread that waits on their pidfds, so no zombie is left behind.
 *
 * Win32_ProcessStartTrace and Win32_ProcessStopTrace come from the
 * kernel's process connector (netlink, CN_IDX_PROC), read by a thread
 * that runs while anyone subscribes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linux.h"
#include "procfs.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* WMI's ReturnValue codes for the methods of Win32_Process */
enum {
        RET_SUCCESS = 0,
        RET_ACCESS_DENIED = 2,
        RET_INSUFFICIENT_PRIVILEGE = 3,
        RET_UNKNOWN_FAILURE = 8,
        RET_PATH_NOT_FOUND = 9,
        RET_INVALID_PARAMETER = 21,
};

/* ---- facts of the system, read once ------------------------------------ */

static struct {
        pthread_once_t once;
        char os_name[256];            /* os-release PRETTY_NAME */
        char kernel[128];             /* uname release */
        char host[256];
} process_sys = { .once = PTHREAD_ONCE_INIT };

static void process_os_name(char *buf, size_t size)
{
        static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };
        char text[4096];

        snprintf(buf, size, "Linux");
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char *line, *end;
                size_t n = 0;

                if (linux_read_file(files[i], text, sizeof(text)) <= 0)
                        continue;
                line = strstr(text, "PRETTY_NAME=");
                if (line && line != text && line[-1] != '\n')
                        line = strstr(text, "\nPRETTY_NAME=");
                if (!line)
                        continue;
                line = strchr(line, '=') + 1;
                end = strchr(line, '\n');
                if (end)
                        *end = '\0';
                /* the value may be quoted, with backslash escapes */
                if (*line == '"' || *line == '\'')
                        line++;
                for (char *p = line; *p && *p != '"' && *p != '\'' && n + 1 < size; p++) {
                        if (*p == '\\' && p[1])
                                p++;
                        buf[n++] = *p;
                }
                buf[n] = '\0';
                return;
        }
}

static void process_sys_init(void)
{
        struct utsname u;

        process_os_name(process_sys.os_name, sizeof(process_sys.os_name));
        if (uname(&u) == 0)
                snprintf(process_sys.kernel, sizeof(process_sys.kernel), "%s", u.release);
        snprintf(process_sys.host, sizeof(process_sys.host), "%s", linux_host_name());
}

/* ---- what a request needs ----------------------------------------------- */

/* The files a property needs: procfs.h's, and two this module reads. */
enum {
        FILE_STAT = PROCFS_STAT,
        FILE_STATM = PROCFS_STATM,
        FILE_STATUS = PROCFS_STATUS,
        FILE_IO = PROCFS_IO,
        FILE_FD = PROCFS_FD,
        FILE_CMDLINE = 1u << 8,
        FILE_EXE = 1u << 9,
};

enum process_prop {
        PROP_HANDLE,
        PROP_PROCESS_ID,
        PROP_CAPTION,
        PROP_DESCRIPTION,
        PROP_NAME,
        PROP_COMMAND_LINE,
        PROP_CREATION_DATE,
        PROP_CS_NAME,
        PROP_EXECUTABLE_PATH,
        PROP_EXECUTION_STATE,
        PROP_HANDLE_COUNT,
        PROP_KERNEL_MODE_TIME,
        PROP_OS_NAME,
        PROP_PAGE_FAULTS,
        PROP_PAGE_FILE_USAGE,
        PROP_PARENT_PROCESS_ID,
        PROP_PEAK_VIRTUAL_SIZE,
        PROP_PEAK_WORKING_SET_SIZE,
        PROP_PRIORITY,
        PROP_PRIVATE_PAGE_COUNT,
        PROP_READ_OPERATION_COUNT,
        PROP_READ_TRANSFER_COUNT,
        PROP_SESSION_ID,
        PROP_THREAD_COUNT,
        PROP_USER_MODE_TIME,
        PROP_VIRTUAL_SIZE,
        PROP_WINDOWS_VERSION,
        PROP_WORKING_SET_SIZE,
        PROP_WRITE_OPERATION_COUNT,
        PROP_WRITE_TRANSFER_COUNT,
        PROP_COUNT
};

/* Every property the provider fills and the file it comes from; the
 * others of the class stay NULL, or keep the class's default (the
 * *CreationClassName properties, the same for every process). */
static const struct {
        const char *name;
        unsigned files;
} process_props[PROP_COUNT] = {
        [PROP_HANDLE] = { "Handle", 0 },
        [PROP_PROCESS_ID] = { "ProcessId", 0 },
        [PROP_CAPTION] = { "Caption", FILE_STAT },
        [PROP_DESCRIPTION] = { "Description", FILE_STAT },
        [PROP_NAME] = { "Name", FILE_STAT },
        [PROP_COMMAND_LINE] = { "CommandLine", FILE_CMDLINE },
        [PROP_CREATION_DATE] = { "CreationDate", FILE_STAT },
        [PROP_CS_NAME] = { "CSName", 0 },
        [PROP_EXECUTABLE_PATH] = { "ExecutablePath", FILE_EXE },
        [PROP_EXECUTION_STATE] = { "ExecutionState", FILE_STAT },
        [PROP_HANDLE_COUNT] = { "HandleCount", FILE_FD },
        [PROP_KERNEL_MODE_TIME] = { "KernelModeTime", FILE_STAT },
        [PROP_OS_NAME] = { "OSName", 0 },
        [PROP_PAGE_FAULTS] = { "PageFaults", FILE_STAT },
        [PROP_PAGE_FILE_USAGE] = { "PageFileUsage", FILE_STATM },
        [PROP_PARENT_PROCESS_ID] = { "ParentProcessId", FILE_STAT },
        [PROP_PEAK_VIRTUAL_SIZE] = { "PeakVirtualSize", FILE_STATUS },
        [PROP_PEAK_WORKING_SET_SIZE] = { "PeakWorkingSetSize", FILE_STATUS },
        [PROP_PRIORITY] = { "Priority", FILE_STAT },
        [PROP_PRIVATE_PAGE_COUNT] = { "PrivatePageCount", FILE_STATM },
        [PROP_READ_OPERATION_COUNT] = { "ReadOperationCount", FILE_IO },
        [PROP_READ_TRANSFER_COUNT] = { "ReadTransferCount", FILE_IO },
        [PROP_SESSION_ID] = { "SessionId", FILE_STAT },
        [PROP_THREAD_COUNT] = { "ThreadCount", FILE_STAT },
        [PROP_USER_MODE_TIME] = { "UserModeTime", FILE_STAT },
        [PROP_VIRTUAL_SIZE] = { "VirtualSize", FILE_STAT },
        [PROP_WINDOWS_VERSION] = { "WindowsVersion", 0 },
        [PROP_WORKING_SET_SIZE] = { "WorkingSetSize", FILE_STAT },
        [PROP_WRITE_OPERATION_COUNT] = { "WriteOperationCount", FILE_IO },
        [PROP_WRITE_TRANSFER_COUNT] = { "WriteTransferCount", FILE_IO },
};

/* One request's view: what it wants, asked of the host once rather than
 * per process, and buffers reused from process to process. */
struct process_ctx {
        owmi_request *req;
        uint64_t wants;               /* 1 << PROP_... */
        unsigned files;               /* FILE_... */
        int proc_fd;
        int64_t boot_usec;
        int utc_offset;               /* minutes east of UTC, for CreationDate */
        char *raw;                    /* cmdline as read */
        size_t raw_size;
        char *line;                   /* CommandLine as shown */
        size_t line_size;
        /* What Linux shows only to a process's owner (or with ptrace
         * rights): io, the exe link and the open files.  A caller who is
         * not root and did not enable SeDebugPrivilege sees them for its
         * own processes only, whatever the provider itself could read. */
        bool restricted;
        uid_t caller_uid;
};

/* Files only the owner of a process may read. */
#define FILES_OF_OWNER ((unsigned) (FILE_IO | FILE_EXE | FILE_FD))

static bool ctx_wants(const struct process_ctx *ctx, enum process_prop prop)
{
        return ctx->wants & (UINT64_C(1) << prop);
}

static int process_ctx_init(struct process_ctx *ctx, owmi_request *req)
{
        memset(ctx, 0, sizeof(*ctx));
        ctx->proc_fd = -1;
        pthread_once(&process_sys.once, process_sys_init);
        ctx->req = req;
        for (int i = 0; i < PROP_COUNT; i++) {
                /* the key and the pid are always there */
                if (i == PROP_HANDLE || i == PROP_PROCESS_ID ||
                    linux_wants(req, process_props[i].name)) {
                        ctx->wants |= UINT64_C(1) << i;
                        ctx->files |= process_props[i].files;
                }
        }
        ctx->caller_uid = linux_host->caller_uid(req);
        ctx->restricted = ctx->caller_uid != 0 &&
                          !linux_host->caller_privilege(req, "SeDebugPrivilege");
        /* whose process it is, from status, before showing an owner's files */
        if (ctx->restricted && (ctx->files & FILES_OF_OWNER))
                ctx->files |= FILE_STATUS;
        /* status has what statm has: one file fewer */
        if (ctx->files & FILE_STATUS)
                ctx->files &= ~(unsigned) FILE_STATM;
        if (ctx_wants(ctx, PROP_CREATION_DATE)) {
                time_t now = time(NULL);
                struct tm tm;

                ctx->boot_usec = linux_boot_usec();
                ctx->utc_offset = localtime_r(&now, &tm) ? (int) (tm.tm_gmtoff / 60) : 0;
        }
        ctx->proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ctx->proc_fd < 0)
                return -errno;
        return 0;
}

static void process_ctx_release(struct process_ctx *ctx)
{
        if (ctx->proc_fd >= 0)
                close(ctx->proc_fd);
        free(ctx->raw);
        free(ctx->line);
}

/* ---- one process ------------------------------------------------------- */

/* Does an argument need quotes to come back whole from a Windows-style
 * split (CommandLineToArgvW)? */
static bool arg_needs_quotes(const char *arg, size_t len)
{
        if (len == 0)
                return true;
        for (size_t i = 0; i < len; i++)
                if (arg[i] == ' ' || arg[i] == '\t' || arg[i] == '\n' || arg[i] == '\v' ||
                    arg[i] == '"')
                        return true;
        return false;
}

/* cmdline's NUL-separated arguments as one command line.  Arguments with
 * blanks or quotes are quoted as Windows does, unless there is only one:
 * a process that rewrote its arguments ("sshd: user@pts/0") shows as it
 * wanted to be seen. */
static const char *process_command_line(struct process_ctx *ctx, char *raw, size_t len)
{
        size_t args = 0, need, o = 0;
        bool quote_any = false;

        while (len > 0 && raw[len - 1] == '\0')
                len--;
        if (len == 0)
                return NULL;
        for (size_t i = 0, start = 0; i <= len; i++) {
                if (i == len || raw[i] == '\0') {
                        args++;
                        quote_any |= arg_needs_quotes(raw + start, i - start);
                        start = i + 1;
                }
        }
        if (args == 1 || !quote_any) {
                for (size_t i = 0; i < len; i++)
                        if (raw[i] == '\0')
                                raw[i] = ' ';
                raw[len] = '\0';
                return raw;
        }
        need = 2 * len + 3 * args + 1;
        if (need > ctx->line_size) {
                char *line = realloc(ctx->line, need);

                if (!line)
                        return NULL;
                ctx->line = line;
                ctx->line_size = need;
        }
        for (size_t i = 0, start = 0; i <= len; i++) {
                const char *arg = raw + start;
                size_t alen = i - start, slashes = 0;

                if (i < len && raw[i] != '\0')
                        continue;
                start = i + 1;
                if (o)
                        ctx->line[o++] = ' ';
                if (!arg_needs_quotes(arg, alen)) {
                        memcpy(ctx->line + o, arg, alen);
                        o += alen;
                        continue;
                }
                ctx->line[o++] = '"';
                for (size_t k = 0; k < alen; k++) {
                        if (arg[k] == '\\') {
                                slashes++;
                        } else {
                                /* backslashes before a quote are doubled, the quote escaped */
                                if (arg[k] == '"') {
                                        for (size_t s = 0; s <= slashes; s++)
                                                ctx->line[o++] = '\\';
                                }
                                slashes = 0;
                        }
                        ctx->line[o++] = arg[k];
                }
                for (size_t s = 0; s < slashes; s++)
                        ctx->line[o++] = '\\';
                ctx->line[o++] = '"';
        }
        ctx->line[o] = '\0';
        return ctx->line;
}

/* cmdline, which may be long: read until the kernel has no more. */
static long process_read_cmdline(struct process_ctx *ctx, pid_t pid)
{
        char path[48];
        size_t len = 0;
        int fd;

        if (!ctx->raw) {
                ctx->raw = malloc(4096);
                if (!ctx->raw)
                        return -ENOMEM;
                ctx->raw_size = 4096;
        }
        snprintf(path, sizeof(path), "%d/cmdline", (int) pid);
        fd = openat(ctx->proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n = read(fd, ctx->raw + len, ctx->raw_size - len - 1);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        n = -errno;
                        close(fd);
                        return (long) n;
                }
                len += (size_t) n;
                if (n == 0 || len + 1 < ctx->raw_size)
                        break;
                /* full: there may be more */
                char *more = realloc(ctx->raw, ctx->raw_size * 2);

                if (!more)
                        break;
                ctx->raw = more;
                ctx->raw_size *= 2;
        }
        close(fd);
        ctx->raw[len] = '\0';
        return (long) len;
}

/* Read what the request needs of one process: 0, or -ESRCH when it is
 * gone (then it is left out). */
static int process_load(struct process_ctx *ctx, pid_t pid, unsigned files, struct process_info *p)
{
        long r;

        if (procfs_load(ctx->proc_fd, pid, files, p) < 0)
                return -ESRCH;
        if (ctx->restricted && (!p->have_uid || p->uid != ctx->caller_uid)) {
                /* someone else's: what only its owner may see stays NULL */
                p->have_io = p->have_fds = false;
                files &= ~FILES_OF_OWNER;
                p->exe = NULL;
                p->exe_denied = true;
        }
        if (files & FILE_CMDLINE) {
                r = process_read_cmdline(ctx, pid);
                if (procfs_gone(r))
                        return -ESRCH;
                if (r > 0)
                        p->cmdline = process_command_line(ctx, ctx->raw, (size_t) r);
        }
        /* ENOENT from exe is a kernel thread or a zombie, not an ending */
        if (files & FILE_EXE)
                p->exe = procfs_exe(ctx->proc_fd, p);
        return 0;
}

/* CIM_Process.ExecutionState for the state letter of stat. */
static bool process_execution_state(char state, uint64_t *ret)
{
        switch (state) {
        case 'R':
                *ret = 3;               /* Running */
                return true;
        case 'S': case 'D': case 'I': case 'W': case 'P':
                *ret = 4;               /* Blocked */
                return true;
        case 'T': case 't':
                *ret = 6;               /* Suspended Ready */
                return true;
        case 'Z': case 'X': case 'x':
                *ret = 7;               /* Terminated */
                return true;
        default:
                return false;
        }
}

static uint64_t clamp32(uint64_t v)
{
        return v > UINT32_MAX ? UINT32_MAX : v;
}

/* Clock ticks to WMI's 100-ns units. */
static uint64_t ticks_to_100ns(uint64_t ticks)
{
        return ticks * (10000000 / (uint64_t) procfs_ticks());
}

/* set_* calls that remember the first failure, so filling reads straight. */
struct process_builder {
        owmi_instance *inst;
        const char *failed;
};

static void put_uint(struct process_builder *b, const char *name, uint64_t v)
{
        if (!b->failed && linux_host->set_uint(b->inst, name, v) < 0)
                b->failed = name;
}

static void put_string(struct process_builder *b, const char *name, const char *v)
{
        if (!b->failed && v && linux_host->set_string(b->inst, name, v) < 0)
                b->failed = name;
}

/* Post one process: < 0 error, 0 go on, > 0 the caller wants no more. */
static int process_post(struct process_ctx *ctx, struct process_info *p)
{
        const struct owmi_host *h = linux_host;
        struct process_builder b = { h->instance_new(ctx->req, "Win32_Process"), NULL };
        char handle[16];
        uint64_t v;

        if (!b.inst)
                return h->error(ctx->req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_Process");
        procfs_format_pid(p->pid, handle);
        put_string(&b, "Handle", handle);
        put_uint(&b, "ProcessId", (uint64_t) p->pid);
        if (ctx_wants(ctx, PROP_CS_NAME))
                put_string(&b, "CSName", process_sys.host);
        if (ctx_wants(ctx, PROP_OS_NAME))
                put_string(&b, "OSName", process_sys.os_name);
        if (ctx_wants(ctx, PROP_WINDOWS_VERSION) && process_sys.kernel[0])
                put_string(&b, "WindowsVersion", process_sys.kernel);
        if (p->have_stat) {
                if (ctx->wants & ((UINT64_C(1) << PROP_NAME) | (UINT64_C(1) << PROP_CAPTION) |
                                  (UINT64_C(1) << PROP_DESCRIPTION))) {
                        const char *name = p->exe_denied ? p->comm : procfs_name(ctx->proc_fd, p);

                        if (ctx_wants(ctx, PROP_NAME))
                                put_string(&b, "Name", name);
                        if (ctx_wants(ctx, PROP_CAPTION))
                                put_string(&b, "Caption", name);
                        if (ctx_wants(ctx, PROP_DESCRIPTION))
                                put_string(&b, "Description", name);
                }
                if (ctx_wants(ctx, PROP_PARENT_PROCESS_ID))
                        put_uint(&b, "ParentProcessId", (uint64_t) p->ppid);
                if (ctx_wants(ctx, PROP_CREATION_DATE) && ctx->boot_usec > 0 &&
                    linux_host->set_datetime(b.inst, "CreationDate", ctx->boot_usec +
                                             (int64_t) (p->starttime * 1000000 /
                                                        (uint64_t) procfs_ticks()),
                                             ctx->utc_offset) < 0 && !b.failed)
                        b.failed = "CreationDate";
                if (ctx_wants(ctx, PROP_EXECUTION_STATE) && process_execution_state(p->state, &v))
                        put_uint(&b, "ExecutionState", v);
                if (ctx_wants(ctx, PROP_KERNEL_MODE_TIME))
                        put_uint(&b, "KernelModeTime", ticks_to_100ns(p->stime));
                if (ctx_wants(ctx, PROP_USER_MODE_TIME))
                        put_uint(&b, "UserModeTime", ticks_to_100ns(p->utime));
                if (ctx_wants(ctx, PROP_PAGE_FAULTS))
                        put_uint(&b, "PageFaults", clamp32(p->minflt + p->majflt));
                if (ctx_wants(ctx, PROP_PRIORITY))
                        put_uint(&b, "Priority", procfs_priority_base(p));
                if (ctx_wants(ctx, PROP_SESSION_ID) && p->session >= 0)
                        put_uint(&b, "SessionId", clamp32((uint64_t) p->session));
                if (ctx_wants(ctx, PROP_THREAD_COUNT))
                        put_uint(&b, "ThreadCount", clamp32(p->threads));
                if (ctx_wants(ctx, PROP_VIRTUAL_SIZE))
                        put_uint(&b, "VirtualSize", p->vsize);
                if (ctx_wants(ctx, PROP_WORKING_SET_SIZE))
                        put_uint(&b, "WorkingSetSize", p->rss * (uint64_t) procfs_page_size());
        }
        if (p->have_mem) {
                if (ctx_wants(ctx, PROP_PRIVATE_PAGE_COUNT))
                        put_uint(&b, "PrivatePageCount", p->private_bytes);
                if (ctx_wants(ctx, PROP_PAGE_FILE_USAGE))
                        put_uint(&b, "PageFileUsage", clamp32(p->data_kb));
        }
        if (p->have_peaks) {
                if (ctx_wants(ctx, PROP_PEAK_VIRTUAL_SIZE))
                        put_uint(&b, "PeakVirtualSize", p->vm_peak_kb * 1024);
                if (ctx_wants(ctx, PROP_PEAK_WORKING_SET_SIZE))
                        put_uint(&b, "PeakWorkingSetSize", clamp32(p->vm_hwm_kb));
        }
        if (p->have_io) {
                if (ctx_wants(ctx, PROP_READ_OPERATION_COUNT))
                        put_uint(&b, "ReadOperationCount", p->syscr);
                if (ctx_wants(ctx, PROP_READ_TRANSFER_COUNT))
                        put_uint(&b, "ReadTransferCount", p->rchar);
                if (ctx_wants(ctx, PROP_WRITE_OPERATION_COUNT))
                        put_uint(&b, "WriteOperationCount", p->syscw);
                if (ctx_wants(ctx, PROP_WRITE_TRANSFER_COUNT))
                        put_uint(&b, "WriteTransferCount", p->wchar);
        }
        if (p->have_fds && ctx_wants(ctx, PROP_HANDLE_COUNT))
                put_uint(&b, "HandleCount", clamp32(p->fds));
        if (ctx_wants(ctx, PROP_COMMAND_LINE))
                put_string(&b, "CommandLine", p->cmdline);
        if (ctx_wants(ctx, PROP_EXECUTABLE_PATH))
                put_string(&b, "ExecutablePath", p->exe);
        if (b.failed) {
                h->instance_free(b.inst);
                return h->error(ctx->req, OWMI_E_FAILED, "cannot set %s of process %d", b.failed,
                                (int) p->pid);
        }
        return h->post(ctx->req, b.inst);
}

/* Load and post one process named by pid (a get, or a query that names
 * it): only a process, not a thread, whose /proc/<tid> also answers.
 * 1 posted (or stopped), 0 no such process, < 0 error. */
static int process_post_one(struct process_ctx *ctx, pid_t pid)
{
        struct process_info *p = malloc(sizeof(*p));
        int r;

        if (!p)
                return linux_host->error(ctx->req, OWMI_E_OUT_OF_MEMORY, "out of memory");
        r = process_load(ctx, pid, ctx->files | FILE_STATUS, p);
        if (r < 0 || !p->have_tgid || p->tgid != pid) {
                free(p);
                return 0;
        }
        r = process_post(ctx, p);
        free(p);
        return r < 0 ? r : 1;
}

/* ---- queries ------------------------------------------------------------ */

struct wql_token {
        enum { TOK_END, TOK_WORD, TOK_NUMBER, TOK_OTHER, TOK_STRING, TOK_BAD } kind;
        const char *start;
        size_t len;
};

static const char *wql_next(const char *s, struct wql_token *t)
{
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
                s++;
        t->start = s;
        if (!*s) {
                t->kind = TOK_END;
        } else if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_') {
                t->kind = TOK_WORD;
                while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' ||
                       (*s >= '0' && *s <= '9'))
                        s++;
        } else if (*s >= '0' && *s <= '9') {
                t->kind = TOK_NUMBER;
                while (*s >= '0' && *s <= '9')
                        s++;
                /* 5.0, 0x10, 5e0: not a plain decimal; do not guess */
                if (*s == '.' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')
                        t->kind = TOK_BAD;
        } else if (*s == '\'' || *s == '"') {
                char quote = *s++;

                t->kind = TOK_STRING;
                while (*s && *s != quote) {
                        if (*s == '\\' && s[1])
                                s++;
                        s++;
                }
                if (!*s)
                        t->kind = TOK_BAD;
                else
                        s++;
        } else {
                t->kind = TOK_OTHER;
                s++;
        }
        t->len = (size_t) (s - t->start);
        return s;
}

static bool wql_is(const struct wql_token *t, const char *word)
{
        return t->kind == TOK_WORD && t->len == strlen(word) &&
               strncasecmp(t->start, word, t->len) == 0;
}

/* A number token as a pid, or 0 (a pid is 1 to INT_MAX). */
static pid_t wql_pid(const struct wql_token *t)
{
        long v = 0;

        if (t->len > 10)
                return 0;
        for (size_t i = 0; i < t->len; i++)
                v = v * 10 + (t->start[i] - '0');
        return v > 0 && v <= INT_MAX ? (pid_t) v : 0;
}

/* The pid a query's WHERE pins down, or 0.  Only when the WHERE has no OR
 * and no NOT is every term of it required, so "ProcessId = N" anywhere in
 * it means only process N can match: the object manager still applies
 * the whole WHERE to what is posted. */
static pid_t process_query_pid(const char *text)
{
        struct wql_token t[3];
        pid_t pid = 0;
        bool where = false;

        if (!text)
                return 0;
        memset(t, 0, sizeof(t));
        for (const char *s = text;;) {
                t[0] = t[1];
                t[1] = t[2];
                s = wql_next(s, &t[2]);
                if (t[2].kind == TOK_BAD)
                        return 0;
                if (t[2].kind == TOK_END)
                        break;
                if (!where) {
                        where = wql_is(&t[2], "WHERE");
                        continue;
                }
                if (wql_is(&t[2], "OR") || wql_is(&t[2], "NOT"))
                        return 0;
                if (pid || t[1].kind != TOK_OTHER || *t[1].start != '=')
                        continue;
                if (wql_is(&t[0], "ProcessId") && t[2].kind == TOK_NUMBER)
                        pid = wql_pid(&t[2]);
                else if (t[0].kind == TOK_NUMBER && wql_is(&t[2], "ProcessId"))
                        pid = wql_pid(&t[0]);
        }
        return where ? pid : 0;
}

static int process_enumerate(owmi_request *req, const char *class_name)
{
        struct process_ctx ctx;
        struct process_info *p;
        struct dirent *e;
        pid_t only;
        DIR *dir;
        int fd, r;

        (void) class_name;
        r = process_ctx_init(&ctx, req);
        if (r < 0) {
                process_ctx_release(&ctx);
                return linux_host->error(req, OWMI_E_FAILED, "cannot open /proc: %s", strerror(-r));
        }
        only = process_query_pid(linux_host->query_text(req));
        if (only) {
                r = process_post_one(&ctx, only);
                process_ctx_release(&ctx);
                return r < 0 ? r : 0;
        }
        p = malloc(sizeof(*p));
        fd = p ? dup(ctx.proc_fd) : -1;
        dir = fd >= 0 ? fdopendir(fd) : NULL;
        if (!dir) {
                if (fd >= 0)
                        close(fd);
                free(p);
                process_ctx_release(&ctx);
                return linux_host->error(req, OWMI_E_FAILED, "cannot list /proc");
        }
        r = 0;
        while (r == 0 && (e = readdir(dir))) {
                pid_t pid = procfs_parse_pid(e->d_name);

                if (!pid || process_load(&ctx, pid, ctx.files, p) < 0)
                        continue;       /* not a process, or it ended meanwhile */
                r = process_post(&ctx, p);
        }
        closedir(dir);
        free(p);
        process_ctx_release(&ctx);
        /* r > 0: the caller stopped; that is not our error */
        return r < 0 ? r : 0;
}

static int process_get(owmi_request *req, const owmi_instance *keys)
{
        const char *handle = NULL;
        struct process_ctx ctx;
        pid_t pid;
        int r;

        if (linux_host->get_string(keys, "Handle", &handle) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "Handle is required");
        pid = procfs_parse_pid(handle);
        if (!pid)
                return linux_host->error(req, OWMI_E_NOT_FOUND, "no process '%s'", handle);
        r = process_ctx_init(&ctx, req);
        if (r >= 0)
                r = process_post_one(&ctx, pid);
        else
                r = linux_host->error(req, OWMI_E_FAILED, "cannot open /proc: %s", strerror(-r));
        process_ctx_release(&ctx);
        if (r == 0)
                return linux_host->error(req, OWMI_E_NOT_FOUND, "no process %d", (int) pid);
        return r < 0 ? r : 0;
}

/* ---- acting as the caller ----------------------------------------------- */

/* Who the caller is, looked up before any fork: a child of a threaded
 * process may only make async-signal-safe calls, so it cannot ask NSS. */
struct process_identity {
        uid_t uid;
        gid_t gid;
        bool assume;                  /* not our euid: take it in the child */
        bool known;                   /* in the user database */
        gid_t *groups;                /* as initgroups would set them */
        int group_count;
        char name[256];
        char home[PATH_MAX];
        char shell[PATH_MAX];
};

static void process_identity_release(struct process_identity *id)
{
        free(id->groups);
        id->groups = NULL;
}

static int process_identity_init(owmi_request *req, struct process_identity *id)
{
        long size = sysconf(_SC_GETPW_R_SIZE_MAX);
        struct passwd pw, *found = NULL;
        char *buf;

        memset(id, 0, sizeof(*id));
        id->uid = linux_host->caller_uid(req);
        id->gid = linux_host->caller_gid(req);
        id->assume = id->uid != geteuid();
        if (size < 16384)
                size = 16384;
        buf = malloc((size_t) size);
        if (!buf)
                return -ENOMEM;
        if (getpwuid_r(id->uid, &pw, buf, (size_t) size, &found) == 0 && found) {
                id->known = true;
                snprintf(id->name, sizeof(id->name), "%s", pw.pw_name);
                snprintf(id->home, sizeof(id->home), "%s", pw.pw_dir ? pw.pw_dir : "/");
                snprintf(id->shell, sizeof(id->shell), "%s",
                         pw.pw_shell && pw.pw_shell[0] ? pw.pw_shell : "/bin/sh");
        } else {
                snprintf(id->name, sizeof(id->name), "%u", (unsigned) id->uid);
                snprintf(id->home, sizeof(id->home), "/");
                snprintf(id->shell, sizeof(id->shell), "/bin/sh");
        }
        free(buf);
        if (!id->assume)
                return 0;
        if (!id->known) {
                id->groups = malloc(sizeof(gid_t));
                if (!id->groups)
                        return -ENOMEM;
                id->groups[0] = id->gid;
                id->group_count = 1;
                return 0;
        }
        for (int n = 64;;) {
                gid_t *groups = realloc(id->groups, (size_t) n * sizeof(gid_t));
                int want = n;

                if (!groups)
                        return -ENOMEM;
                id->groups = groups;
                if (getgrouplist(id->name, id->gid, groups, &want) >= 0) {
                        id->group_count = want;
                        return 0;
                }
                n = want > n ? want : 2 * n;
                if (n > 65536)
                        return -E2BIG;
        }
}

/* In the child: the caller's groups, gid and uid (real, effective and
 * saved, so there is no way back).  Raw system calls: glibc's wrappers
 * synchronise threads the child does not have.  0 or an errno. */
static int process_identity_assume(const struct process_identity *id)
{
        if (!id->assume)
                return 0;
        if (syscall(SYS_setgroups, (size_t) id->group_count, id->groups) < 0 ||
            syscall(SYS_setresgid, id->gid, id->gid, id->gid) < 0 ||
            syscall(SYS_setresuid, id->uid, id->uid, id->uid) < 0)
                return errno;
        return 0;
}

/* What a child tells its parent through a close-on-exec pipe: at which
 * step it failed and why (nothing at all when exec succeeded). */
enum process_stage {
        STAGE_IDENTITY = 1,
        STAGE_DIRECTORY,
        STAGE_EXEC,
        STAGE_ACTION,
        STAGE_PRIORITY,
};

struct process_report {
        int stage;
        int error;
};

static _Noreturn void process_report_exit(int fd, int stage, int error)
{
        struct process_report rep = { stage, error };
        ssize_t n = write(fd, &rep, sizeof(rep));

        (void) n;
        _exit(error ? 127 : 0);
}

static bool process_read_report(int fd, struct process_report *rep)
{
        ssize_t n;

        do
                n = read(fd, rep, sizeof(*rep));
        while (n < 0 && errno == EINTR);
        return n == (ssize_t) sizeof(*rep);
}

static void process_wait(pid_t pid)
{
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

/* WMI's ReturnValue for a failed step. */
static uint32_t process_return_code(int stage, int error)
{
        if (!error)
                return RET_SUCCESS;
        switch (stage) {
        case STAGE_IDENTITY:
                /* we may not become the caller */
                return error == EPERM ? RET_INSUFFICIENT_PRIVILEGE : RET_UNKNOWN_FAILURE;
        case STAGE_PRIORITY:
                /* a higher priority than the caller may take */
                return error == EACCES || error == EPERM ? RET_INSUFFICIENT_PRIVILEGE :
                                                           RET_UNKNOWN_FAILURE;
        case STAGE_DIRECTORY:
        case STAGE_EXEC:
                if (error == ENOENT || error == ENOTDIR)
                        return RET_PATH_NOT_FOUND;
                return error == EACCES || error == EPERM ? RET_ACCESS_DENIED : RET_UNKNOWN_FAILURE;
        default:
                return error == EACCES || error == EPERM ? RET_ACCESS_DENIED : RET_UNKNOWN_FAILURE;
        }
}

enum process_action_kind {
        ACTION_KILL,
        ACTION_NICE,
};

/* A system call on another process, built before the fork. */
struct process_action {
        enum process_action_kind kind;
        pid_t pid;
        int pidfd;                    /* the very process checked, or -1 */
        int nice;
        char task_dir[48];            /* /proc/<pid>/task */
};

/* 0 or an errno.  Runs in the child that took the caller's identity, so
 * async-signal-safe calls only. */
static int process_action_run(const struct process_action *a)
{
        char buf[4096] __attribute__((aligned(8)));
        int fd, error = 0, done = 0;
        long n;

        if (a->kind == ACTION_KILL) {
                long r = a->pidfd >= 0 ?
                         syscall(SYS_pidfd_send_signal, a->pidfd, SIGKILL, NULL, 0) :
                         kill(a->pid, SIGKILL);

                return r < 0 ? errno : 0;
        }
        /* nice is per thread on Linux: set it on every thread */
        fd = open(a->task_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? ESRCH : errno;
        while (!error && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
                for (long off = 0; off < n && !error;) {
                        const struct dirent64 *d = (const struct dirent64 *) (buf + off);
                        long tid = 0;

                        off += d->d_reclen;
                        for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++)
                                tid = tid * 10 + (*c - '0');
                        if (tid <= 0)
                                continue;
                        if (setpriority(PRIO_PROCESS, (id_t) tid, a->nice) == 0)
                                done++;
                        else if (errno != ESRCH)
                                error = errno;
                }
        }
        close(fd);
        return error ? error : done ? 0 : ESRCH;
}

/* Run an action as the caller: here when the caller is our own euid,
 * else in a child with the caller's credentials, so the kernel judges
 * the caller and not us.  0 or an errno; *stage says which step failed. */
static int process_run_as(const struct process_identity *id, const struct process_action *a,
                          int *stage)
{
        struct process_report rep = { STAGE_ACTION, 0 };
        int fds[2];
        bool got;
        pid_t child;

        *stage = STAGE_ACTION;
        if (!id->assume)
                return process_action_run(a);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return errno;
        child = fork();
        if (child < 0) {
                int e = errno;

                close(fds[0]);
                close(fds[1]);
                return e;
        }
        if (child == 0) {
                int e = process_identity_assume(id);

                if (e)
                        process_report_exit(fds[1], STAGE_IDENTITY, e);
                process_report_exit(fds[1], STAGE_ACTION, process_action_run(a));
        }
        close(fds[1]);
        got = process_read_report(fds[0], &rep);
        close(fds[0]);
        process_wait(child);
        if (!got)
                return ECHILD;
        *stage = rep.stage;
        return rep.error;
}

/* ---- reaping what Create started ---------------------------------------- */

/* Children of Create are waited for by one thread polling their pidfds:
 * waitpid(-1) would take the host's own children, and a thread per child
 * could not be stopped when the provider is unloaded. */
static struct {
        pthread_mutex_t lock;
        bool started;
        pthread_t thread;
        int epoll_fd;
        int wake_fd;
        int *fds;                     /* pidfds waited for */
        size_t count, alloc;
        pid_t *pids;                  /* no pidfd (kernel < 5.3): swept by WNOHANG */
        size_t pid_count, pid_alloc;
} reaper = { .lock = PTHREAD_MUTEX_INITIALIZER, .epoll_fd = -1, .wake_fd = -1 };

static void *reaper_main(void *arg)
{
        (void) arg;
        for (;;) {
                struct epoll_event ev[16];
                int n = epoll_wait(reaper.epoll_fd, ev, 16, -1);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        break;
                for (int i = 0; i < n; i++) {
                        int fd = ev[i].data.fd;
                        siginfo_t si;

                        if (fd == reaper.wake_fd)
                                return NULL;
                        /* readable: the child ended; collect it */
                        memset(&si, 0, sizeof(si));
                        while (waitid((idtype_t) P_PIDFD, (id_t) fd, &si, WEXITED) < 0 &&
                               errno == EINTR)
                                ;
                        pthread_mutex_lock(&reaper.lock);
                        for (size_t k = 0; k < reaper.count; k++)
                                if (reaper.fds[k] == fd)
                                        reaper.fds[k] = reaper.fds[--reaper.count];
                        pthread_mutex_unlock(&reaper.lock);
                        close(fd);
                }
        }
        return NULL;
}

/* A thread with every signal blocked, so the host's handlers run on its
 * own threads, and a small stack. */
static int process_thread_start(pthread_t *thread, void *(*fn)(void *))
{
        sigset_t all, old;
        pthread_attr_t attr;
        int r;

        sigfillset(&all);
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = pthread_create(thread, &attr, fn, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
        return -r;
}

static bool reaper_start_locked(void)
{
        struct epoll_event ev = { .events = EPOLLIN };

        if (reaper.started)
                return true;
        reaper.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        reaper.wake_fd = eventfd(0, EFD_CLOEXEC);
        ev.data.fd = reaper.wake_fd;
        if (reaper.epoll_fd < 0 || reaper.wake_fd < 0 ||
            epoll_ctl(reaper.epoll_fd, EPOLL_CTL_ADD, reaper.wake_fd, &ev) < 0 ||
            process_thread_start(&reaper.thread, reaper_main) < 0) {
                if (reaper.epoll_fd >= 0)
                        close(reaper.epoll_fd);
                if (reaper.wake_fd >= 0)
                        close(reaper.wake_fd);
                reaper.epoll_fd = reaper.wake_fd = -1;
                return false;
        }
        reaper.started = true;
        return true;
}

static bool grow(void **items, size_t *alloc, size_t need, size_t size)
{
        void *more;
        size_t n;

        if (need <= *alloc)
                return true;
        n = *alloc ? *alloc * 2 : 16;
        more = realloc(*items, n * size);
        if (!more)
                return false;
        *items = more;
        *alloc = n;
        return true;
}

/* Hand a child of Create to the reaper. */
static void process_reap_later(pid_t pid)
{
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        struct epoll_event ev = { .events = EPOLLIN };

        pthread_mutex_lock(&reaper.lock);
        ev.data.fd = fd;
        if (fd >= 0 && reaper_start_locked() &&
            grow((void **) &reaper.fds, &reaper.alloc, reaper.count + 1, sizeof(int)) &&
            epoll_ctl(reaper.epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0) {
                reaper.fds[reaper.count++] = fd;
        } else {
                if (fd >= 0)
                        close(fd);
                if (grow((void **) &reaper.pids, &reaper.pid_alloc, reaper.pid_count + 1,
                         sizeof(pid_t)))
                        reaper.pids[reaper.pid_count++] = pid;
        }
        for (size_t i = 0; i < reaper.pid_count;) {
                if (waitpid(reaper.pids[i], NULL, WNOHANG) != 0)
                        reaper.pids[i] = reaper.pids[--reaper.pid_count];
                else
                        i++;
        }
        pthread_mutex_unlock(&reaper.lock);
}

static void reaper_stop(void)
{
        uint64_t one = 1;

        if (!reaper.started)
                return;
        if (write(reaper.wake_fd, &one, sizeof(one)) == sizeof(one))
                pthread_join(reaper.thread, NULL);
        /* children still running stay unreaped until the host ends */
        for (size_t i = 0; i < reaper.count; i++)
                close(reaper.fds[i]);
        close(reaper.epoll_fd);
        close(reaper.wake_fd);
        free(reaper.fds);
        free(reaper.pids);
        reaper.fds = NULL;
        reaper.pids = NULL;
        reaper.count = reaper.alloc = reaper.pid_count = reaper.pid_alloc = 0;
        reaper.started = false;
}

/* ---- the methods --------------------------------------------------------- */

/* Can "exec " go before the command line?  Then the pid Create returns is
 * the program's own, as in WMI, rather than a shell waiting for it.  Only
 * for one simple command: no lists, pipes, subshells or background jobs,
 * no leading assignment or reserved word. */
static bool process_simple_command(const char *cmd)
{
        static const char *const reserved[] = {
                "!", "{", "}", "if", "then", "else", "elif", "fi", "case", "esac", "for", "while",
                "until", "do", "done", "in", "function", "select", "time", "[[", "]]", "exec",
        };
        const char *word = cmd;
        size_t len;

        if (strpbrk(cmd, ";&|()`\n"))
                return false;
        while (*word == ' ' || *word == '\t')
                word++;
        len = strcspn(word, " \t");
        if (len == 0 || memchr(word, '=', len))
                return false;
        for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
                if (strlen(reserved[i]) == len && strncmp(word, reserved[i], len) == 0)
                        return false;
        return true;
}

/* In the forked child: signals as a new program expects them. */
static void process_child_signals(void)
{
        struct sigaction dfl;
        sigset_t none;

        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        for (int sig = 1; sig < NSIG; sig++)
                sigaction(sig, &dfl, NULL);       /* fails harmlessly for KILL, STOP */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Windows' priority classes as nice values. */
static bool process_nice_of_class(int64_t cls, int *ret)
{
        static const struct {
                int64_t cls;
                int nice;
        } map[] = {
                { 64, 19 }, { 16384, 10 }, { 32, 0 }, { 32768, -5 }, { 128, -10 }, { 256, -20 },
        };

        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
                if (map[i].cls == cls) {
                        *ret = map[i].nice;
                        return true;
                }
        }
        return false;
}

/* What Create's ProcessStartupInformation (a Win32_ProcessStartup) asks
 * for that means something on Linux: extra environment variables and a
 * priority class.  The window and console settings (Title, ShowWindow,
 * X, Y, FillAttribute...) have no Linux meaning and are ignored. */
#define STARTUP_MAX_VARIABLES 256
#define STARTUP_MAX_VARIABLE 32768

struct process_startup {
        const char *vars[STARTUP_MAX_VARIABLES];   /* "NAME=value", valid during the call */
        size_t var_count;
        bool have_nice;
        int nice;
};

/* CreateFlags the provider honours by what it always does (a detached
 * process in a new session and group, no console, a Unicode
 * environment) or that mean nothing here; the others (debugging,
 * CREATE_SUSPENDED) are refused rather than ignored. */
#define STARTUP_ACCEPTED_FLAGS (0x00000008u /* DETACHED_PROCESS */ | \
                                0x00000010u /* CREATE_NEW_CONSOLE */ | \
                                0x00000200u /* CREATE_NEW_PROCESS_GROUP */ | \
                                0x00000400u /* CREATE_UNICODE_ENVIRONMENT */ | \
                                0x01000000u /* CREATE_BREAKAWAY_FROM_JOB */ | \
                                0x04000000u /* CREATE_DEFAULT_ERROR_MODE */ | \
                                0x08000000u /* CREATE_NO_WINDOW */)

/* RET_SUCCESS, or RET_INVALID_PARAMETER for what cannot be honoured. */
static uint32_t process_startup_read(const owmi_instance *info, struct process_startup *ret)
{
        const struct owmi_host *h = linux_host;
        const char *var;
        uint64_t flags, cls;
        int r;

        memset(ret, 0, sizeof(*ret));
        if (!info)
                return RET_SUCCESS;
        if (strcasecmp(h->class_name(info), "Win32_ProcessStartup") != 0)
                return RET_INVALID_PARAMETER;
        /* a value of the wrong type is refused too, never taken as absent */
        r = h->get_uint(info, "CreateFlags", &flags);
        if ((r < 0 && r != -ENOENT) || (r == 0 && (flags & ~STARTUP_ACCEPTED_FLAGS)))
                return RET_INVALID_PARAMETER;
        r = h->get_uint(info, "PriorityClass", &cls);
        if (r < 0 && r != -ENOENT)
                return RET_INVALID_PARAMETER;
        if (r == 0) {
                if (!process_nice_of_class((int64_t) cls, &ret->nice))
                        return RET_INVALID_PARAMETER;
                ret->have_nice = true;
        }
        for (size_t i = 0; (r = h->get_string_at(info, "EnvironmentVariables", i, &var)) == 0; i++) {
                const char *eq = strchr(var, '=');

                /* NAME=value, with a name and within bounds */
                if (!eq || eq == var || strlen(var) > STARTUP_MAX_VARIABLE ||
                    ret->var_count == STARTUP_MAX_VARIABLES)
                        return RET_INVALID_PARAMETER;
                ret->vars[ret->var_count++] = var;
        }
        return r == -ENOENT ? RET_SUCCESS : RET_INVALID_PARAMETER;
}

/* Put var ("NAME=value") into envp (count entries, room for one more and
 * the NULL), replacing a variable of the same name. */
static void env_put(char **envp, size_t *count, const char *var)
{
        size_t name_len = (size_t) (strchr(var, '=') - var) + 1;

        for (size_t i = 0; i < *count; i++) {
                if (strncmp(envp[i], var, name_len) == 0) {
                        envp[i] = (char *) var;
                        return;
                }
        }
        envp[(*count)++] = (char *) var;
        envp[*count] = NULL;
}

/* Win32_Process.Create: "/bin/sh -c CommandLine" as the caller.  WMI's
 * CommandLine is a command line, not an argument vector, and on Linux the
 * shell is what reads one.  Returns WMI's code; *ret_pid on success. */
static uint32_t process_create(owmi_request *req, const char *cmdline, const char *cwd,
                               const struct process_startup *startup, pid_t *ret_pid)
{
        enum { ENV_HOME, ENV_USER, ENV_LOGNAME, ENV_SHELL, ENV_PATH, ENV_LANG, ENV_TZ, ENV_COUNT };
        char env[ENV_COUNT][PATH_MAX + 16], *envp[ENV_COUNT + STARTUP_MAX_VARIABLES + 1];
        char *argv[4], *script;
        struct process_identity id;
        struct process_report rep;
        const char *lang = getenv("LANG"), *tz = getenv("TZ");
        int fds[2], devnull;
        size_t n = 0;
        bool failed;
        pid_t child;

        if (!cmdline || !cmdline[0])
                return RET_INVALID_PARAMETER;
        if (cwd && !cwd[0])
                cwd = NULL;
        if (cwd && cwd[0] != '/')
                return RET_INVALID_PARAMETER;   /* relative to what? */
        if (process_identity_init(req, &id) < 0) {
                process_identity_release(&id);
                return RET_UNKNOWN_FAILURE;
        }
        /* a login-like environment: the provider's own is not the caller's */
        snprintf(env[ENV_HOME], sizeof(env[0]), "HOME=%s", id.home);
        snprintf(env[ENV_USER], sizeof(env[0]), "USER=%s", id.name);
        snprintf(env[ENV_LOGNAME], sizeof(env[0]), "LOGNAME=%s", id.name);
        snprintf(env[ENV_SHELL], sizeof(env[0]), "SHELL=%s", id.shell);
        snprintf(env[ENV_PATH], sizeof(env[0]), "PATH=%s", id.uid == 0 ?
                 "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" :
                 "/usr/local/bin:/usr/bin:/bin");
        for (int i = ENV_HOME; i <= ENV_PATH; i++)
                envp[n++] = env[i];
        if (lang && snprintf(env[ENV_LANG], sizeof(env[0]), "LANG=%s", lang) < (int) sizeof(env[0]))
                envp[n++] = env[ENV_LANG];
        if (tz && snprintf(env[ENV_TZ], sizeof(env[0]), "TZ=%s", tz) < (int) sizeof(env[0]))
                envp[n++] = env[ENV_TZ];
        envp[n] = NULL;
        /* the caller's own variables over the login-like ones */
        for (size_t i = 0; i < startup->var_count; i++)
                env_put(envp, &n, startup->vars[i]);
        if (process_simple_command(cmdline)) {
                script = malloc(strlen(cmdline) + 6);
                if (script)
                        sprintf(script, "exec %s", cmdline);
        } else {
                script = strdup(cmdline);
        }
        argv[0] = (char *) "sh";
        argv[1] = (char *) "-c";
        argv[2] = script;
        argv[3] = NULL;
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (!script || pipe2(fds, O_CLOEXEC) < 0) {
                free(script);
                if (devnull >= 0)
                        close(devnull);
                process_identity_release(&id);
                return RET_UNKNOWN_FAILURE;
        }
        child = fork();
        if (child == 0) {
                int e;

                process_child_signals();
                setsid();               /* its own session, away from our terminal */
                /* nothing of the host process's own settings: a daemon run
                 * at another nice value or umask must not hand them on (the
                 * priority asked for is set below, as the caller) */
                setpriority(PRIO_PROCESS, 0, 0);
                umask(022);
                e = process_identity_assume(&id);
                if (e)
                        process_report_exit(fds[1], STAGE_IDENTITY, e);
                if (cwd && chdir(cwd) < 0)
                        process_report_exit(fds[1], STAGE_DIRECTORY, errno);
                if (!cwd && chdir(id.home) < 0 && chdir("/") < 0)
                        process_report_exit(fds[1], STAGE_DIRECTORY, errno);
                /* as the caller: the kernel decides whether it may go higher */
                if (startup->have_nice && setpriority(PRIO_PROCESS, 0, startup->nice) < 0)
                        process_report_exit(fds[1], STAGE_PRIORITY, errno);
                /* no console: WMI's processes have none of the caller's */
                if (devnull >= 0) {
                        dup2(devnull, 0);
                        dup2(devnull, 1);
                        dup2(devnull, 2);
                }
                /* nothing of ours leaks into the new program */
                syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);
                execve("/bin/sh", argv, envp);
                process_report_exit(fds[1], STAGE_EXEC, errno);
        }
        close(fds[1]);
        failed = child > 0 && process_read_report(fds[0], &rep);
        close(fds[0]);
        free(script);
        if (devnull >= 0)
                close(devnull);
        process_identity_release(&id);
        if (child < 0)
                return RET_UNKNOWN_FAILURE;
        if (failed) {
                process_wait(child);
                return process_return_code(rep.stage, rep.error);
        }
        process_reap_later(child);
        *ret_pid = child;
        return RET_SUCCESS;
}

/* A small cache of uid -> user name: getpwuid_r reads the user database
 * each time.  Entries last a minute, so a user deleted and another made
 * with the same uid shows soon. */
#define USER_CACHE_SECONDS 60

static struct {
        pthread_mutex_t lock;
        struct {
                uid_t uid;
                time_t when;
                char name[64];
        } slot[32];
        size_t count, next;
} process_users = { .lock = PTHREAD_MUTEX_INITIALIZER };

static time_t monotonic_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec;
}

static void process_user_name(uid_t uid, char *buf, size_t size)
{
        struct passwd pw, *found = NULL;
        time_t now = monotonic_seconds();
        char text[16384];

        pthread_mutex_lock(&process_users.lock);
        for (size_t i = 0; i < process_users.count; i++) {
                if (process_users.slot[i].uid == uid &&
                    now - process_users.slot[i].when < USER_CACHE_SECONDS) {
                        snprintf(buf, size, "%s", process_users.slot[i].name);
                        pthread_mutex_unlock(&process_users.lock);
                        return;
                }
        }
        pthread_mutex_unlock(&process_users.lock);
        if (getpwuid_r(uid, &pw, text, sizeof(text), &found) != 0 || !found) {
                /* no name: the number, as ps shows it */
                snprintf(buf, size, "%u", (unsigned) uid);
                return;
        }
        snprintf(buf, size, "%s", pw.pw_name);
        pthread_mutex_lock(&process_users.lock);
        snprintf(process_users.slot[process_users.next].name, sizeof(process_users.slot[0].name),
                 "%s", pw.pw_name);
        process_users.slot[process_users.next].uid = uid;
        process_users.slot[process_users.next].when = now;
        process_users.next = (process_users.next + 1) % 32;
        if (process_users.count < 32)
                process_users.count++;
        pthread_mutex_unlock(&process_users.lock);
}

/* The process a method is called on: its pid and effective uid, or a
 * NOT_FOUND error (a thread's id is not a process). */
static int process_target(owmi_request *req, const owmi_instance *target, pid_t *ret_pid,
                          uid_t *ret_uid)
{
        struct process_info *p = malloc(sizeof(*p));
        const char *handle = NULL;
        pid_t pid;
        int fd;

        if (!p)
                return linux_host->error(req, OWMI_E_OUT_OF_MEMORY, "out of memory");
        memset(p, 0, sizeof(*p));
        linux_host->get_string(target, "Handle", &handle);
        pid = procfs_parse_pid(handle);
        fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pid && fd >= 0)
                procfs_load(fd, pid, PROCFS_STATUS, p);
        if (fd >= 0)
                close(fd);
        if (!pid || !p->have_tgid || p->tgid != pid || !p->have_uid) {
                free(p);
                return linux_host->error(req, OWMI_E_NOT_FOUND, "no process '%s'",
                                         handle ? handle : "");
        }
        *ret_pid = pid;
        *ret_uid = p->uid;
        free(p);
        return 0;
}

/* Terminate and SetPriority: the action as the caller. */
static int process_act(owmi_request *req, struct process_action *a, owmi_instance *out)
{
        struct process_identity id;
        int stage = STAGE_ACTION, e;

        if (process_identity_init(req, &id) < 0) {
                process_identity_release(&id);
                return linux_host->set_uint(out, "ReturnValue", RET_UNKNOWN_FAILURE);
        }
        snprintf(a->task_dir, sizeof(a->task_dir), "/proc/%d/task", (int) a->pid);
        /* a pidfd pins the process checked, whatever reuses its pid later */
        a->pidfd = a->kind == ACTION_KILL ? (int) syscall(SYS_pidfd_open, a->pid, 0) : -1;
        e = a->kind == ACTION_KILL && a->pidfd < 0 && errno == ESRCH ? ESRCH :
            process_run_as(&id, a, &stage);
        if (a->pidfd >= 0)
                close(a->pidfd);
        process_identity_release(&id);
        if (e == ESRCH && stage == STAGE_ACTION)
                return linux_host->error(req, OWMI_E_NOT_FOUND, "process %d has ended",
                                         (int) a->pid);
        return linux_host->set_uint(out, "ReturnValue", process_return_code(stage, e));
}

static int process_exec_method(owmi_request *req, const char *class_name,
                               const owmi_instance *target, const char *method,
                               const owmi_instance *in, owmi_instance *out)
{
        const struct owmi_host *h = linux_host;
        char text[256];
        pid_t pid;
        uid_t uid = 0;
        int r;

        (void) class_name;
        pthread_once(&process_sys.once, process_sys_init);
        if (strcasecmp(method, "Create") == 0) {
                const char *cmdline = NULL, *cwd = NULL;
                const owmi_instance *info = NULL;
                struct process_startup *startup = malloc(sizeof(*startup));
                uint32_t rv = RET_SUCCESS;

                if (!startup)
                        return h->error(req, OWMI_E_OUT_OF_MEMORY, "out of memory");
                pid = 0;
                if (in) {
                        h->get_string(in, "CommandLine", &cmdline);
                        h->get_string(in, "CurrentDirectory", &cwd);
                        if (h->get_object(in, "ProcessStartupInformation", &info) == -EINVAL)
                                rv = RET_INVALID_PARAMETER;     /* not an object */
                }
                if (rv == RET_SUCCESS)
                        rv = process_startup_read(info, startup);
                if (rv == RET_SUCCESS)
                        rv = process_create(req, cmdline, cwd, startup, &pid);
                free(startup);
                if (rv == RET_SUCCESS)
                        h->set_uint(out, "ProcessId", (uint64_t) pid);
                return h->set_uint(out, "ReturnValue", rv);
        }
        if (!target)
                return h->error(req, OWMI_E_INVALID_METHOD_PARAMETERS,
                                "'%s' is called on a process", method);
        r = process_target(req, target, &pid, &uid);
        if (r < 0)
                return r;
        if (strcasecmp(method, "Terminate") == 0) {
                /* Reason would be the exit code on Windows; Linux cannot impose one */
                struct process_action a = { .kind = ACTION_KILL, .pid = pid };

                return process_act(req, &a, out);
        }
        if (strcasecmp(method, "SetPriority") == 0) {
                struct process_action a = { .kind = ACTION_NICE, .pid = pid };
                int64_t cls;

                if (!in || h->get_sint(in, "Priority", &cls) < 0 ||
                    !process_nice_of_class(cls, &a.nice))
                        return h->set_uint(out, "ReturnValue", RET_INVALID_PARAMETER);
                return process_act(req, &a, out);
        }
        if (strcasecmp(method, "GetOwner") == 0) {
                process_user_name(uid, text, sizeof(text));
                if (h->set_string(out, "User", text) < 0 ||
                    h->set_string(out, "Domain", process_sys.host) < 0)
                        return h->error(req, OWMI_E_OUT_OF_MEMORY, "out of memory");
                return h->set_uint(out, "ReturnValue", RET_SUCCESS);
        }
        if (strcasecmp(method, "GetOwnerSid") == 0) {
                snprintf(text, sizeof(text), "S-1-22-1-%u", (unsigned) uid);
                if (h->set_string(out, "Sid", text) < 0)
                        return h->error(req, OWMI_E_OUT_OF_MEMORY, "out of memory");
                return h->set_uint(out, "ReturnValue", RET_SUCCESS);
        }
        return h->error(req, OWMI_E_INVALID_METHOD, "Win32_Process has no method '%s' on Linux",
                        method);
}

/* ---- trace events ------------------------------------------------------- */

#define TRACE_CHANNELS 16
#define TRACE_CACHE 4096              /* a power of two */

/* What is known of a process when the kernel says it ended (by then
 * /proc may no longer have it): filled at exec and fork. */
struct trace_entry {
        pid_t pid;
        pid_t ppid;
        int64_t session;              /* -1: unknown */
        uid_t uid;
        bool have_uid;
        char name[64];                /* the program's file name (longer ones cut) */
        bool pending;                 /* forked, its creation not raised yet */
        struct timespec forked;       /* CLOCK_MONOTONIC */
};

/* A process that forks and does not run a program within this long is
 * announced as its parent's copy; most run one (and are announced with
 * its name) well before. */
#define CREATION_GRACE_MS 20

static struct {
        pthread_mutex_t control;      /* enable and disable, one at a time */
        pthread_mutex_t lock;         /* the channels; held while raising, so a
                                       * disable waits for an event in flight */
        owmi_events *start[TRACE_CHANNELS];
        owmi_events *stop[TRACE_CHANNELS];
        size_t start_count, stop_count;
        owmi_events *instances[TRACE_CHANNELS];  /* Win32_Process creation, deletion */
        size_t instance_count;
        size_t pending;                          /* entries of cache still pending */
        /* The processes the subscribers were told of (a bit per pid), so
         * that when the kernel drops events (ENOBUFS) a scan of /proc can
         * tell the difference late rather than lose it.  The thread's. */
        uint64_t *alive;
        size_t alive_bits;
        struct timespec rescan_at;               /* a second look after a loss (0: none) */
        bool running;
        pthread_t thread;
        int sock, wake_fd, proc_fd;
        int kick_fd;                  /* written when Win32_Process gets a subscriber */
        struct trace_entry cache[TRACE_CACHE];  /* the thread's alone */
} trace = {
        .control = PTHREAD_MUTEX_INITIALIZER,
        .lock = PTHREAD_MUTEX_INITIALIZER,
        .sock = -1, .wake_fd = -1, .proc_fd = -1, .kick_fd = -1,
};

/* Read a process's name, parent, session and owner from /proc. */
static bool trace_describe(pid_t pid, struct trace_entry *e)
{
        struct process_info *p = malloc(sizeof(*p));
        char path[16];
        struct stat st;
        bool ok;

        if (!p)
                return false;
        ok = procfs_load(trace.proc_fd, pid, PROCFS_STAT, p) == 0;
        if (ok) {
                e->pid = pid;
                e->ppid = p->ppid;
                e->session = p->session;
                /* comm is cut at 15 characters: the program's file name,
                 * as Win32_Process.Name is read otherwise */
                snprintf(e->name, sizeof(e->name), "%s", procfs_name(trace.proc_fd, p));
                /* the owner of /proc/<pid> is the process's effective uid */
                snprintf(path, sizeof(path), "%d", (int) pid);
                e->have_uid = fstatat(trace.proc_fd, path, &st, 0) == 0;
                e->uid = st.st_uid;
        }
        free(p);
        return ok;
}

static void trace_raise(bool start, const struct trace_entry *e, uint32_t exit_status)
{
        const struct owmi_host *h = linux_host;
        const char *cls = start ? "Win32_ProcessStartTrace" : "Win32_ProcessStopTrace";
        /* S-1-22-1-<uid> as a binary SID: revision, 2 sub-authorities,
         * authority 22 (48 bits, big-endian), then 1 and uid little-endian */
        uint64_t sid[16] = { 1, 2, 0, 0, 0, 0, 0, 22, 1, 0, 0, 0 };

        for (int i = 0; i < 4; i++)
                sid[12 + i] = (e->uid >> (8 * i)) & 0xff;
        pthread_mutex_lock(&trace.lock);
        for (size_t i = 0; i < (start ? trace.start_count : trace.stop_count); i++) {
                owmi_events *ch = start ? trace.start[i] : trace.stop[i];
                owmi_instance *ev = h->event_new(ch, cls);

                if (!ev)
                        continue;
                h->set_uint(ev, "ProcessID", (uint64_t) e->pid);
                if (e->ppid > 0)
                        h->set_uint(ev, "ParentProcessID", (uint64_t) e->ppid);
                if (e->name[0])
                        h->set_string(ev, "ProcessName", e->name);
                if (e->session >= 0)
                        h->set_uint(ev, "SessionID", clamp32((uint64_t) e->session));
                if (e->have_uid)
                        h->set_uint_array(ev, "Sid", sid, 16);
                if (!start)
                        h->set_uint(ev, "ExitStatus", exit_status);
                h->raise(ch, ev);
        }
        pthread_mutex_unlock(&trace.lock);
}

static void alive_set(pid_t pid, bool on)
{
        if (!trace.alive || pid <= 0 || (size_t) pid >= trace.alive_bits)
                return;
        if (on)
                trace.alive[pid / 64] |= UINT64_C(1) << (pid % 64);
        else
                trace.alive[pid / 64] &= ~(UINT64_C(1) << (pid % 64));
}

static bool bit(const uint64_t *map, pid_t pid)
{
        return map[pid / 64] & (UINT64_C(1) << (pid % 64));
}

/* The processes of /proc now, as a bitmap of alive_bits (NULL on ENOMEM).
 * A zombie has ended: its exit is what the kernel reported (or dropped),
 * so it counts as gone. */
static uint64_t *alive_scan(void)
{
        uint64_t *map = calloc(trace.alive_bits / 64 + 1, sizeof(*map));
        /* a directory of its own: a dup would share (and leave at the end)
         * the offset of every other listing */
        DIR *d = map ? opendir("/proc") : NULL;
        struct dirent *e;

        if (!d) {
                free(map);
                return NULL;
        }
        struct process_info *p = malloc(sizeof(*p));

        while (p && (e = readdir(d))) {
                pid_t pid = procfs_parse_pid(e->d_name);

                if (pid > 0 && (size_t) pid < trace.alive_bits &&
                    procfs_load(trace.proc_fd, pid, PROCFS_STAT, p) == 0 && p->state != 'Z' &&
                    p->state != 'X')
                        map[pid / 64] |= UINT64_C(1) << (pid % 64);
        }
        closedir(d);
        if (!p) {
                free(map);
                return NULL;
        }
        free(p);
        return map;
}

/* Start keeping the bitmap: what runs now is what the subscribers know. */
static void alive_init(void)
{
        char text[32];

        trace.alive_bits = 1u << 22;            /* the largest pid_max */
        if (linux_read_file("/proc/sys/kernel/pid_max", text, sizeof(text)) > 0 &&
            strtoul(text, NULL, 10) > 0 && strtoul(text, NULL, 10) < trace.alive_bits)
                trace.alive_bits = strtoul(text, NULL, 10) + 1;
        trace.alive = alive_scan();
}

static void trace_raise_instance(bool creation, const struct trace_entry *e, int64_t exit_status);

/* The kernel dropped events: compare /proc with what the subscribers were
 * told, and tell them the difference now (a process both made and ended in
 * the gap is beyond anyone's knowing). */
static void trace_rescan(void)
{
        uint64_t *now = trace.alive ? alive_scan() : NULL;

        if (!now)
                return;
        for (pid_t pid = 1; (size_t) pid < trace.alive_bits; pid++) {
                bool was = bit(trace.alive, pid), is = bit(now, pid);
                struct trace_entry *slot = &trace.cache[pid & (TRACE_CACHE - 1)];
                struct trace_entry e;

                if (is == was)
                        continue;
                memset(&e, 0, sizeof(e));
                if (is) {
                        if (!trace_describe(pid, &e)) {
                                memset(&e, 0, sizeof(e));
                                e.pid = pid;
                                e.session = -1;
                        }
                        if (slot->pid == pid && slot->pending) {
                                slot->pending = false;
                                trace.pending--;
                        }
                        /* remembered, so its end is told with its parent and
                         * name too (a slot still waiting for another process
                         * keeps that one) */
                        if (!slot->pending)
                                *slot = e;
                        trace_raise_instance(true, &e, -1);
                } else {
                        if (slot->pid == pid) {
                                e = *slot;
                        } else {
                                memset(&e, 0, sizeof(e));
                                e.pid = pid;
                                e.session = -1;
                        }
                        trace_raise_instance(false, &e, -1);
                }
        }
        free(trace.alive);
        trace.alive = now;
}

/* __InstanceCreationEvent or __InstanceDeletionEvent of a Win32_Process:
 * what the trace knows of it (its identity; what could not be read stays
 * NULL), and for a deletion how it ended. */
static void trace_raise_instance(bool creation, const struct trace_entry *e, int64_t exit_status)
{
        const struct owmi_host *h = linux_host;
        char handle[16];

        if (!trace.instance_count)
                return;
        alive_set(e->pid, creation);
        pthread_once(&process_sys.once, process_sys_init);
        procfs_format_pid(e->pid, handle);
        pthread_mutex_lock(&trace.lock);
        for (size_t i = 0; i < trace.instance_count; i++) {
                owmi_events *ch = trace.instances[i];
                owmi_instance *ev = h->event_new(ch, creation ? "__InstanceCreationEvent" :
                                                                "__InstanceDeletionEvent");
                owmi_instance *target = h->event_object_new(ch, "Win32_Process");

                if (ev && target) {
                        h->set_string(target, "Handle", handle);
                        h->set_uint(target, "ProcessId", (uint64_t) e->pid);
                        h->set_string(target, "CSName", process_sys.host);
                        h->set_string(target, "OSName", process_sys.os_name);
                        if (e->ppid > 0)
                                h->set_uint(target, "ParentProcessId", (uint64_t) e->ppid);
                        if (e->name[0]) {
                                h->set_string(target, "Name", e->name);
                                h->set_string(target, "Caption", e->name);
                                h->set_string(target, "Description", e->name);
                        }
                        if (e->session >= 0)
                                h->set_uint(target, "SessionId", clamp32((uint64_t) e->session));
                        if (exit_status >= 0)
                                h->set_uint(target, "ExitStatus", (uint64_t) exit_status);
                        h->set_object(ev, "TargetInstance", target);
                        h->raise(ch, ev);
                        ev = NULL;
                }
                h->instance_free(ev);
                h->instance_free(target);
        }
        pthread_mutex_unlock(&trace.lock);
}

/* Announce the forks that ran no program within the grace: the thread's
 * timer.  The time until the next one falls due, in ms (-1: none). */
static int trace_announce_due(void)
{
        struct timespec now;
        int64_t next = -1;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (trace.rescan_at.tv_sec) {
                int64_t left = (int64_t) (trace.rescan_at.tv_sec - now.tv_sec) * 1000 +
                               (trace.rescan_at.tv_nsec - now.tv_nsec) / 1000000;

                if (left <= 0) {
                        trace.rescan_at.tv_sec = 0;
                        trace_rescan();
                } else {
                        next = left;
                }
        }
        if (!trace.pending)
                return (int) next;
        for (size_t i = 0; i < TRACE_CACHE && trace.pending; i++) {
                struct trace_entry *e = &trace.cache[i];
                int64_t age;

                if (!e->pid || !e->pending)
                        continue;
                age = (int64_t) (now.tv_sec - e->forked.tv_sec) * 1000 +
                      (now.tv_nsec - e->forked.tv_nsec) / 1000000;
                if (age >= CREATION_GRACE_MS) {
                        struct trace_entry fresh;

                        /* what it is now, if /proc still has it */
                        if (trace_describe(e->pid, &fresh)) {
                                fresh.ppid = e->ppid;
                                fresh.pending = false;
                                *e = fresh;
                        }
                        e->pending = false;
                        trace.pending--;
                        trace_raise_instance(true, e, -1);
                } else if (next < 0 || CREATION_GRACE_MS - age < next) {
                        next = CREATION_GRACE_MS - age;
                }
        }
        return (int) next;
}

static void trace_handle(const struct proc_event *ev, size_t len)
{
        size_t head = offsetof(struct proc_event, event_data);
        struct trace_entry *slot, e;

        switch (ev->what) {
        case PROC_EVENT_FORK:
                if (len < head + sizeof(ev->event_data.fork) ||
                    ev->event_data.fork.child_pid != ev->event_data.fork.child_tgid)
                        return;         /* a new thread, not a process */
                /* the child is its parent's copy until it runs a program */
                slot = &trace.cache[ev->event_data.fork.parent_tgid & (TRACE_CACHE - 1)];
                if (slot->pid == ev->event_data.fork.parent_tgid) {
                        e = *slot;
                } else if (trace.instance_count &&
                           trace_describe(ev->event_data.fork.parent_tgid, &e)) {
                        /* a parent older than the trace: read once, kept */
                        e.pending = false;
                        *slot = e;
                } else {
                        memset(&e, 0, sizeof(e));
                        e.session = -1;
                }
                e.pid = ev->event_data.fork.child_tgid;
                e.ppid = ev->event_data.fork.parent_tgid;
                slot = &trace.cache[e.pid & (TRACE_CACHE - 1)];
                if (slot->pid && slot->pending) {
                        /* its slot is wanted: announced now, never dropped */
                        slot->pending = false;
                        trace.pending--;
                        trace_raise_instance(true, slot, -1);
                }
                e.pending = trace.instance_count > 0;
                clock_gettime(CLOCK_MONOTONIC, &e.forked);
                *slot = e;
                trace.pending += e.pending;
                return;
        case PROC_EVENT_EXEC: {
                bool was_pending;

                if (len < head + sizeof(ev->event_data.exec))
                        return;
                slot = &trace.cache[ev->event_data.exec.process_tgid & (TRACE_CACHE - 1)];
                was_pending = slot->pid == ev->event_data.exec.process_tgid && slot->pending;
                /* its fork lost (the kernel dropped it): announced now */
                if (!was_pending && trace.instance_count && trace.alive &&
                    (size_t) ev->event_data.exec.process_tgid < trace.alive_bits &&
                    !bit(trace.alive, ev->event_data.exec.process_tgid))
                        was_pending = true, trace.pending++;
                if (!trace_describe(ev->event_data.exec.process_tgid, &e)) {
                        /* gone already (a short-lived program): what its fork
                         * told of its parent and session still holds; its name
                         * and owner may have changed with the program */
                        if (slot->pid == ev->event_data.exec.process_tgid) {
                                e = *slot;
                        } else {
                                memset(&e, 0, sizeof(e));
                                e.session = -1;
                        }
                        e.pid = ev->event_data.exec.process_tgid;
                        e.name[0] = '\0';
                        e.have_uid = false;
                }
                e.pending = false;
                *slot = e;
                if (was_pending) {
                        /* created: announced with the program it runs */
                        trace.pending--;
                        trace_raise_instance(true, &e, -1);
                }
                trace_raise(true, &e, 0);
                return;
        }
        case PROC_EVENT_EXIT: {
                const struct exit_proc_event *x = &ev->event_data.exit;
                uint32_t status;

                if (len < head + offsetof(struct exit_proc_event, parent_pid) ||
                    x->process_pid != x->process_tgid)
                        return;         /* a thread ended, not the process */
                slot = &trace.cache[x->process_tgid & (TRACE_CACHE - 1)];
                if (slot->pid == x->process_tgid && slot->pending) {
                        /* gone before it was announced: never dropped, announced now */
                        slot->pending = false;
                        trace.pending--;
                        trace_raise_instance(true, slot, -1);
                } else if (trace.instance_count && trace.alive &&
                           (size_t) x->process_tgid < trace.alive_bits &&
                           !bit(trace.alive, x->process_tgid)) {
                        /* its fork and exec lost: what little is known, announced */
                        struct trace_entry lost = { .pid = x->process_tgid, .session = -1 };

                        if (len >= head + sizeof(*x) && x->parent_tgid > 0)
                                lost.ppid = x->parent_tgid;
                        trace_raise_instance(true, &lost, -1);
                }
                if (slot->pid == x->process_tgid && slot->name[0]) {
                        e = *slot;
                } else {
                        memset(&e, 0, sizeof(e));
                        e.session = -1;
                        if (!trace_describe(x->process_tgid, &e))
                                e.pid = x->process_tgid;
                }
                if (slot->pid == x->process_tgid)
                        slot->pid = 0;
                if (len >= head + sizeof(*x) && x->parent_tgid > 0)
                        e.ppid = x->parent_tgid;
                /* the wait status: an exit code, or 128 + the signal */
                status = WIFSIGNALED(x->exit_code) ? 128 + (uint32_t) WTERMSIG(x->exit_code) :
                                                     (uint32_t) WEXITSTATUS(x->exit_code);
                trace_raise(false, &e, status);
                trace_raise_instance(false, &e, status);
                return;
        }
        default:
                return;
        }
}

static void *trace_main(void *arg)
{
        char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
        struct pollfd pfd[3] = { { trace.sock, POLLIN, 0 }, { trace.wake_fd, POLLIN, 0 },
                                 { trace.kick_fd, POLLIN, 0 } };

        (void) arg;
        for (;;) {
                struct sockaddr_nl from;
                socklen_t from_len = sizeof(from);
                ssize_t n;

                int due, ready;

                if (trace.instance_count && !trace.alive)
                        alive_init();
                due = trace_announce_due();
                ready = poll(pfd, 3, due);

                if (ready < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (pfd[1].revents)
                        break;
                if (pfd[2].revents) {
                        uint64_t kicks;

                        /* a first Win32_Process subscriber: the picture of
                         * /proc is taken at the top of the loop */
                        if (read(trace.kick_fd, &kicks, sizeof(kicks)) < 0)
                                kicks = 0;
                        continue;
                }
                if (ready == 0)
                        continue;       /* a grace ran out: announced above next time */
                n = recvfrom(trace.sock, buf, sizeof(buf), 0, (struct sockaddr *) &from, &from_len);
                if (n < 0) {
                        if (errno == ENOBUFS) {
                                linux_host->log(OWMI_LOG_WARNING, "process trace: the kernel "
                                                "dropped events (receive queue full): "
                                                "rescanning /proc");
                                trace_rescan();
                                /* and again once the burst has passed */
                                clock_gettime(CLOCK_MONOTONIC, &trace.rescan_at);
                                trace.rescan_at.tv_nsec += 200000000;
                                if (trace.rescan_at.tv_nsec >= 1000000000) {
                                        trace.rescan_at.tv_sec++;
                                        trace.rescan_at.tv_nsec -= 1000000000;
                                }
                        }
                        if (errno == ENOBUFS || errno == EINTR || errno == EAGAIN)
                                continue;
                        break;
                }
                if (from.nl_pid != 0)
                        continue;       /* only the kernel speaks for processes */
                for (size_t off = 0; off + NLMSG_HDRLEN <= (size_t) n;) {
                        const struct nlmsghdr *nlh = (const struct nlmsghdr *) (buf + off);
                        const struct cn_msg *cn = NLMSG_DATA(nlh);
                        struct proc_event ev;

                        if (nlh->nlmsg_len < NLMSG_HDRLEN || off + nlh->nlmsg_len > (size_t) n)
                                break;
                        off += NLMSG_ALIGN(nlh->nlmsg_len);
                        if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_NOOP ||
                            nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*cn)) ||
                            cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC ||
                            NLMSG_LENGTH(sizeof(*cn) + cn->len) > nlh->nlmsg_len ||
                            cn->len < offsetof(struct proc_event, event_data))
                                continue;
                        /* the event sits 4 bytes off its 8-byte alignment: copy it */
                        memset(&ev, 0, sizeof(ev));
                        memcpy(&ev, cn->data, cn->len < sizeof(ev) ? cn->len : sizeof(ev));
                        trace_handle(&ev, cn->len);
                }
        }
        return NULL;
}

/* Ask the kernel to send (LISTEN) or stop sending (IGNORE) process events. */
static int trace_subscribe(int sock, enum proc_cn_mcast_op op)
{
        char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))] __attribute__((aligned(8)));
        struct nlmsghdr *nlh = (struct nlmsghdr *) buf;
        struct cn_msg *cn = NLMSG_DATA(nlh);

        memset(buf, 0, sizeof(buf));
        nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(op));
        nlh->nlmsg_type = NLMSG_DONE;
        nlh->nlmsg_pid = 0;
        cn->id.idx = CN_IDX_PROC;
        cn->id.val = CN_VAL_PROC;
        cn->len = sizeof(op);
        memcpy(cn->data, &op, sizeof(op));
        return send(sock, buf, nlh->nlmsg_len, 0) < 0 ? -errno : 0;
}

static void trace_close(void)
{
        if (trace.sock >= 0)
                close(trace.sock);
        if (trace.wake_fd >= 0)
                close(trace.wake_fd);
        if (trace.proc_fd >= 0)
                close(trace.proc_fd);
        if (trace.kick_fd >= 0)
                close(trace.kick_fd);
        trace.sock = trace.wake_fd = trace.proc_fd = trace.kick_fd = -1;
}

static int trace_start(void)
{
        struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
        int size = 4 << 20, r;

        trace.sock = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
        if (trace.sock < 0)
                return -errno;
        /* room for bursts: a fork storm is thousands of events a second.
         * SO_RCVBUF stops at net.core.rmem_max (often 208 KiB); the
         * process connector needs the privilege SO_RCVBUFFORCE asks anyway */
        /* OWMI_TRACE_RCVBUF (bytes) makes it small, for the tests of a full queue */
        if (getenv("OWMI_TRACE_RCVBUF") && atoi(getenv("OWMI_TRACE_RCVBUF")) > 0)
                size = atoi(getenv("OWMI_TRACE_RCVBUF"));
        if (setsockopt(trace.sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                setsockopt(trace.sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        if (bind(trace.sock, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
                r = -errno;
                trace_close();
                return r;
        }
        trace.wake_fd = eventfd(0, EFD_CLOEXEC);
        trace.kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        trace.proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (trace.wake_fd < 0 || trace.kick_fd < 0 || trace.proc_fd < 0) {
                r = -errno;
                trace_close();
                return r;
        }
        /* the thread's from here on: cleared before it runs */
        memset(trace.cache, 0, sizeof(trace.cache));
        trace.pending = 0;
        free(trace.alive);
        trace.alive = NULL;
        r = trace_subscribe(trace.sock, PROC_CN_MCAST_LISTEN);
        if (r == 0)
                r = process_thread_start(&trace.thread, trace_main);
        if (r < 0) {
                trace_close();
                return r;
        }
        trace.running = true;
        return 0;
}

static void trace_stop(void)
{
        uint64_t one = 1;

        if (!trace.running)
                return;
        if (write(trace.wake_fd, &one, sizeof(one)) == sizeof(one))
                pthread_join(trace.thread, NULL);
        trace_subscribe(trace.sock, PROC_CN_MCAST_IGNORE);
        trace_close();
        free(trace.alive);
        trace.alive = NULL;
        trace.running = false;
}

static void trace_remove(owmi_events **list, size_t *count, owmi_events *events)
{
        for (size_t i = 0; i < *count;) {
                if (list[i] == events)
                        list[i] = list[--*count];
                else
                        i++;
        }
}

/* Win32_ProcessStartTrace, Win32_ProcessStopTrace, or both for their
 * parents Win32_ProcessTrace and Win32_SystemTrace; or Win32_Process's
 * creation and deletion (process.mof registers them). */
static int trace_enable(owmi_events *events, const char *class_name, int enable)
{
        bool instances = strcasecmp(class_name, "Win32_Process") == 0;
        bool start = !instances && strcasecmp(class_name, "Win32_ProcessStopTrace") != 0;
        bool stop = !instances && strcasecmp(class_name, "Win32_ProcessStartTrace") != 0;
        int r = 0;

        pthread_mutex_lock(&trace.control);
        if (enable && !trace.running)
                r = trace_start();
        if (r == 0) {
                pthread_mutex_lock(&trace.lock);
                if (!enable) {
                        trace_remove(trace.start, &trace.start_count, events);
                        trace_remove(trace.stop, &trace.stop_count, events);
                        trace_remove(trace.instances, &trace.instance_count, events);
                } else if ((start && trace.start_count == TRACE_CHANNELS) ||
                           (stop && trace.stop_count == TRACE_CHANNELS) ||
                           (instances && trace.instance_count == TRACE_CHANNELS)) {
                        r = -EBUSY;
                } else {
                        if (start)
                                trace.start[trace.start_count++] = events;
                        if (stop)
                                trace.stop[trace.stop_count++] = events;
                        if (instances)
                                trace.instances[trace.instance_count++] = events;
                }
                pthread_mutex_unlock(&trace.lock);
                if (r == 0 && enable && instances) {
                        uint64_t one = 1;

                        if (write(trace.kick_fd, &one, sizeof(one)) < 0)
                                linux_host->log(OWMI_LOG_WARNING, "process trace: %s",
                                                strerror(errno));
                }
        }
        if (trace.running && !trace.start_count && !trace.stop_count && !trace.instance_count)
                trace_stop();
        pthread_mutex_unlock(&trace.control);
        return r;
}

/* The threads stop before the code they run is unmapped (dlclose). */
__attribute__((destructor)) static void process_unload(void)
{
        pthread_mutex_lock(&trace.control);
        trace_stop();
        pthread_mutex_unlock(&trace.control);
        reaper_stop();
}

const struct linux_class linux_process_classes[] = {
        { .name = "Win32_Process", .enumerate = process_enumerate, .get = process_get,
          .exec_method = process_exec_method, .enable_events = trace_enable },
        { .name = "Win32_SystemTrace", .enable_events = trace_enable },
        { .name = "Win32_ProcessTrace", .enable_events = trace_enable },
        { .name = "Win32_ProcessStartTrace", .enable_events = trace_enable },
        { .name = "Win32_ProcessStopTrace", .enable_events = trace_enable },
        { .name = NULL },
};
