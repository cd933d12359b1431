/* SPDX-License-Identifier: MIT */
/*
 * system.c: the machine as WMI users know it: Win32_OperatingSystem,
 * Win32_ComputerSystem, Win32_Processor and Win32_Environment
 * (research/linux-sources.md, "Win32_OperatingSystem" to
 * "Win32_Processor"; the MOF is system.mof beside this file).
 *
 * Sources: /etc/os-release, uname, /proc/meminfo, /proc/stat, /proc (the
 * process count), utmp, /proc/self/mountinfo (the root device),
 * /sys/devices/system/cpu (topology, cpufreq, caches), /proc/cpuinfo,
 * /sys/class/dmi/id, /etc/environment and the caller's environment.d.
 * Every file is read only when a property the request needs comes from
 * it; nothing is cached between requests, so every answer is current.
 *
 * Decisions (see also the Description qualifiers in system.mof):
 *   - Win32_OperatingSystem.Name is "<PRETTY_NAME>|/|<root device>", the
 *     shape of WMI's "Caption|WindowsDirectory|partition device"; Version
 *     is the kernel release and BuildNumber the kernel's build string.
 *   - FreePhysicalMemory is MemAvailable (what WMI counts as free includes
 *     the standby cache); the virtual sizes add swap.
 *   - Reboot, Shutdown and Win32Shutdown need SeShutdownPrivilege in WMI:
 *     the client enables it on its connection and its user holds its
 *     Linux counterpart, CAP_SYS_BOOT.  Another caller gets
 *     WBEM_E_PRIVILEGE_NOT_HELD, WMI's answer when a method's privilege is
 *     not held (research/wmi-semantics.md, 12.3), before anything else
 *     happens.  Root's requests run "shutdown -r|-P|-H now";
 *     ReturnValue, a Win32 error code as in WMI, is then 0, 2 when no
 *     shutdown command exists, or 1 when it failed.  Win32Shutdown's Force
 *     flag skips the orderly shutdown (sync, then reboot(2); 1314 if the
 *     kernel refuses), its log off (0) answers 50, not supported, and
 *     unknown flags 87.
 *   - Win32_Processor has one instance per package, as WMI; LoadPercentage
 *     is measured over 100 ms between two /proc/stat samples, and only
 *     when asked (the request waits for it).
 *   - Win32_Environment shows persistent variables, as WMI shows the
 *     registry's and not a process's: /etc/environment as "<SYSTEM>", and
 *     the .conf files of the calling user's ~/.config/environment.d as
 *     "HOST\user", read only from files that user owns (the provider may
 *     run as root: a link to /etc/shadow must not leak it).  Other users'
 *     variables are not shown.  Values are as written, with quotes removed
 *     and $VARIABLES not expanded.  Creating or changing variables (Put)
 *     is not supported.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utmp.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "linux.h"

/* ---- small helpers -------------------------------------------------------- */

/* The first line of a small file, trimmed; false if it is missing or empty. */
static bool sys_read_line(const char *path, char *buf, size_t size)
{
        long n = linux_read_file(path, buf, size);

        if (n <= 0)
                return false;
        buf[strcspn(buf, "\n")] = '\0';
        for (size_t len = strlen(buf); len && isspace((unsigned char) buf[len - 1]); len--)
                buf[len - 1] = '\0';
        return buf[0] != '\0';
}

static bool sys_read_u64(const char *path, uint64_t *ret)
{
        char buf[64], *end;
        unsigned long long v;

        if (!sys_read_line(path, buf, sizeof(buf)))
                return false;
        errno = 0;
        v = strtoull(buf, &end, 10);
        if (errno || end == buf)
                return false;
        *ret = v;
        return true;
}

static int64_t sys_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Minutes east of UTC now, as WMI's CurrentTimeZone counts them. */
static int sys_utc_offset(bool *ret_dst)
{
        time_t now = time(NULL);
        struct tm tm;

        tzset();
        if (!localtime_r(&now, &tm)) {
                *ret_dst = false;
                return 0;
        }
        *ret_dst = tm.tm_isdst > 0;
        return (int) (tm.tm_gmtoff / 60);
}

/* Filling an instance: a setter fails only on a name or type system.mof
 * lacks, or out of memory.  Count failures, report them once at post. */
struct sys_out {
        owmi_request *req;
        owmi_instance *inst;
        int failed;
};

static void out_string(struct sys_out *o, const char *name, const char *value)
{
        o->failed += linux_host->set_string(o->inst, name, value) < 0;
}

static void out_uint(struct sys_out *o, const char *name, uint64_t value)
{
        o->failed += linux_host->set_uint(o->inst, name, value) < 0;
}

static void out_sint(struct sys_out *o, const char *name, int64_t value)
{
        o->failed += linux_host->set_sint(o->inst, name, value) < 0;
}

static void out_bool(struct sys_out *o, const char *name, bool value)
{
        o->failed += linux_host->set_bool(o->inst, name, value) < 0;
}

static void out_datetime(struct sys_out *o, const char *name, int64_t usec, int offset)
{
        o->failed += linux_host->set_datetime(o->inst, name, usec, offset) < 0;
}

static bool out_begin(struct sys_out *o, owmi_request *req, const char *class_name)
{
        *o = (struct sys_out) { .req = req, .inst = linux_host->instance_new(req, class_name) };
        return o->inst != NULL;
}

/* Hand the instance over: post's answer (non-zero: stop), or an error. */
static int out_post(struct sys_out *o)
{
        if (o->failed) {
                const char *name = linux_host->class_name(o->inst);
                int r = linux_host->error(o->req, OWMI_E_FAILED, "cannot fill an instance of '%s' "
                                          "(%d properties refused)", name, o->failed);

                linux_host->instance_free(o->inst);
                return r;
        }
        return linux_host->post(o->req, o->inst);
}

static int sys_no_memory(owmi_request *req, const char *class_name)
{
        return linux_host->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make an instance of '%s'",
                                 class_name);
}

/* ---- KEY=VALUE files: os-release(5), environment(5), environment.d(5) --- */

/* value[0..len) without its quotes: "..." takes backslash escapes, '...'
 * is literal, anything else is taken as it stands. */
static void sys_unquote(const char *value, size_t len, char *out, size_t size)
{
        size_t n = 0;

        if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
                bool escapes = value[0] == '"';

                for (size_t i = 1; i + 1 < len && n + 1 < size; i++) {
                        if (escapes && value[i] == '\\' && i + 2 < len)
                                i++;
                        out[n++] = value[i];
                }
        } else {
                n = len < size ? len : size - 1;
                memcpy(out, value, n);
        }
        out[n] = '\0';
}

typedef int (*sys_assignment_fn)(const char *key, const char *value, void *userdata);

/* Each KEY=VALUE line of text, in order; # lines and lines that are not
 * assignments are skipped, an "export " prefix is allowed.  Stops when fn
 * returns non-zero and returns that. */
static int sys_parse_assignments(const char *text, sys_assignment_fn fn, void *userdata)
{
        while (text && *text) {
                const char *end = strchr(text, '\n'), *eq, *line = text;
                size_t len = end ? (size_t) (end - text) : strlen(text);
                char key[256], value[8192];
                size_t klen;
                int r;

                text = end ? end + 1 : NULL;
                while (len && isspace((unsigned char) *line)) {
                        line++;
                        len--;
                }
                while (len && isspace((unsigned char) line[len - 1]))
                        len--;
                if (len > 7 && strncmp(line, "export ", 7) == 0) {
                        line += 7;
                        len -= 7;
                }
                eq = memchr(line, '=', len);
                if (!len || line[0] == '#' || !eq)
                        continue;
                klen = (size_t) (eq - line);
                if (klen == 0 || klen >= sizeof(key) || isdigit((unsigned char) line[0]))
                        continue;
                memcpy(key, line, klen);
                key[klen] = '\0';
                if (key[strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789_")] != '\0')
                        continue;
                sys_unquote(eq + 1, len - klen - 1, value, sizeof(value));
                r = fn(key, value, userdata);
                if (r)
                        return r;
        }
        return 0;
}

/* ---- Win32_OperatingSystem ---------------------------------------------- */

struct sys_os_release {
        char pretty_name[256];
        char name[128];
        char version_id[64];
};

static int os_release_entry(const char *key, const char *value, void *userdata)
{
        struct sys_os_release *os = userdata;

        if (strcmp(key, "PRETTY_NAME") == 0)
                snprintf(os->pretty_name, sizeof(os->pretty_name), "%s", value);
        else if (strcmp(key, "NAME") == 0)
                snprintf(os->name, sizeof(os->name), "%s", value);
        else if (strcmp(key, "VERSION_ID") == 0)
                snprintf(os->version_id, sizeof(os->version_id), "%s", value);
        return 0;
}

/* /etc/os-release, else /usr/lib/os-release, with os-release(5)'s
 * defaults ("Linux") for what neither says. */
static void os_read_release(struct sys_os_release *os)
{
        char text[8192];

        memset(os, 0, sizeof(*os));
        if (linux_read_file("/etc/os-release", text, sizeof(text)) >= 0 ||
            linux_read_file("/usr/lib/os-release", text, sizeof(text)) >= 0)
                sys_parse_assignments(text, os_release_entry, os);
        if (!os->name[0])
                strcpy(os->name, "Linux");
        if (!os->pretty_name[0])
                strcpy(os->pretty_name, "Linux");
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void sys_mount_unescape(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

/* The source of what is mounted on / and on /boot (empty if /boot is not
 * a mount of its own), the last mount on each path being the visible one. */
static void os_root_devices(char *root, size_t root_size, char *boot, size_t boot_size)
{
        char *text = linux_read_alloc("/proc/self/mountinfo", 16 << 20);

        root[0] = boot[0] = '\0';
        for (char *line = text, *next; line && *line; line = next) {
                char *field[16], *save = NULL, *tok;
                size_t n = 0, dash = 0;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                for (tok = strtok_r(line, " ", &save); tok && n < 16; tok = strtok_r(NULL, " ", &save)) {
                        if (!dash && n >= 6 && strcmp(tok, "-") == 0)
                                dash = n;
                        field[n++] = tok;
                }
                if (!dash || dash + 2 >= n)
                        continue;
                sys_mount_unescape(field[4]);
                sys_mount_unescape(field[dash + 2]);
                if (strcmp(field[4], "/") == 0)
                        snprintf(root, root_size, "%s", field[dash + 2]);
                else if (strcmp(field[4], "/boot") == 0)
                        snprintf(boot, boot_size, "%s", field[dash + 2]);
        }
        free(text);
}

/* The instance's key: WMI's "Caption|directory|device" shape. */
static void os_name(const struct sys_os_release *os, const char *root, char *out, size_t size)
{
        snprintf(out, size, "%s|/|%s", os->pretty_name, root[0] ? root : "none");
}

struct sys_meminfo {
        uint64_t total, free, available, swap_total, swap_free; /* KB */
        bool has_available;
};

static bool sys_read_meminfo(struct sys_meminfo *m)
{
        char text[8192];

        memset(m, 0, sizeof(*m));
        if (linux_read_file("/proc/meminfo", text, sizeof(text)) <= 0)
                return false;
        for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                static const struct {
                        const char *key;
                        size_t offset;
                } keys[] = {
                        { "MemTotal:", offsetof(struct sys_meminfo, total) },
                        { "MemFree:", offsetof(struct sys_meminfo, free) },
                        { "MemAvailable:", offsetof(struct sys_meminfo, available) },
                        { "SwapTotal:", offsetof(struct sys_meminfo, swap_total) },
                        { "SwapFree:", offsetof(struct sys_meminfo, swap_free) },
                };

                for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                        size_t len = strlen(keys[i].key);

                        if (strncmp(line, keys[i].key, len) == 0) {
                                *(uint64_t *) ((char *) m + keys[i].offset) =
                                        strtoull(line + len, NULL, 10);
                                if (i == 2)
                                        m->has_available = true;
                        }
                }
        }
        if (!m->has_available)
                m->available = m->free; /* kernels before 3.14 */
        return m->total > 0;
}

/* Processes, not threads (sysinfo's procs counts threads). */
static uint32_t sys_count_processes(void)
{
        DIR *d = opendir("/proc");
        struct dirent *de;
        uint32_t n = 0;

        while (d && (de = readdir(d)))
                if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
                    de->d_name[strspn(de->d_name, "0123456789")] == '\0')
                        n++;
        if (d)
                closedir(d);
        return n;
}

/* Login sessions in utmp whose process still lives; -1 if there is no
 * utmp (then the count is unknown, not 0).  Read directly: getutent()
 * keeps global state and is not safe on several threads. */
static long sys_count_sessions(void)
{
        int fd = open(_PATH_UTMP, O_RDONLY | O_CLOEXEC);
        struct utmp u;
        long n = 0;

        if (fd < 0)
                return -1;
        while (read(fd, &u, sizeof(u)) == (ssize_t) sizeof(u))
                if (u.ut_type == USER_PROCESS && u.ut_user[0] &&
                    (u.ut_pid <= 0 || kill(u.ut_pid, 0) == 0 || errno == EPERM))
                        n++;
        close(fd);
        return n;
}

static const char *sys_arch_bits(const char *machine)
{
        return strstr(machine, "64") || strcmp(machine, "s390x") == 0 ? "64-bit" : "32-bit";
}

static int os_post(owmi_request *req, const char *want_name)
{
        struct sys_os_release os;
        struct utsname uts;
        struct sys_out o;
        char root[PATH_MAX], boot[PATH_MAX], name[PATH_MAX + 300];

        os_read_release(&os);
        os_root_devices(root, sizeof(root), boot, sizeof(boot));
        os_name(&os, root, name, sizeof(name));
        if (want_name && strcasecmp(want_name, name) != 0)
                return linux_host->error(req, OWMI_E_NOT_FOUND, "the operating system is '%s'", name);
        if (!out_begin(&o, req, "Win32_OperatingSystem"))
                return sys_no_memory(req, "Win32_OperatingSystem");
        out_string(&o, "Name", name);
        out_string(&o, "Caption", os.pretty_name);
        out_string(&o, "Manufacturer", os.name);
        out_string(&o, "DistributionVersion", os.version_id[0] ? os.version_id : NULL);
        out_string(&o, "CSName", linux_host_name());
        out_string(&o, "CSCreationClassName", "Win32_ComputerSystem");
        out_string(&o, "CreationClassName", "Win32_OperatingSystem");
        out_uint(&o, "OSType", 36); /* CIM_OperatingSystem: LINUX */
        out_bool(&o, "Primary", true);
        out_bool(&o, "Distributed", false);
        out_string(&o, "Status", "OK");
        if (root[0]) {
                out_string(&o, "SystemDevice", root);
                out_string(&o, "BootDevice", boot[0] ? boot : root);
        }
        if (uname(&uts) == 0) {
                out_string(&o, "Version", uts.release);
                out_string(&o, "BuildNumber", uts.version);
                out_string(&o, "OSArchitecture", sys_arch_bits(uts.machine));
        }
        if (linux_wants(req, "LastBootUpTime")) {
                int64_t boot_usec = linux_boot_usec();
                bool dst;

                if (boot_usec)
                        out_datetime(&o, "LastBootUpTime", boot_usec, sys_utc_offset(&dst));
        }
        if (linux_wants(req, "LocalDateTime") || linux_wants(req, "CurrentTimeZone")) {
                bool dst;
                int offset = sys_utc_offset(&dst);

                out_datetime(&o, "LocalDateTime", sys_now_usec(), offset);
                out_sint(&o, "CurrentTimeZone", offset);
        }
        if (linux_wants(req, "InstallDate")) {
                static const char *const witnesses[] = { "/", "/etc/machine-id", NULL };
                struct statx stx;
                bool dst;

                /* the birth of the root directory, else of the machine id: when
                 * this system was made.  Images built with a zero birth time
                 * (1970) say nothing. */
                for (size_t i = 0; witnesses[i]; i++) {
                        if (statx(AT_FDCWD, witnesses[i], 0, STATX_BTIME, &stx) == 0 &&
                            (stx.stx_mask & STATX_BTIME) && stx.stx_btime.tv_sec > 0) {
                                out_datetime(&o, "InstallDate", (int64_t) stx.stx_btime.tv_sec * 1000000 +
                                             stx.stx_btime.tv_nsec / 1000, sys_utc_offset(&dst));
                                break;
                        }
                }
        }
        if (linux_wants(req, "FreePhysicalMemory") || linux_wants(req, "TotalVisibleMemorySize") ||
            linux_wants(req, "FreeVirtualMemory") || linux_wants(req, "TotalVirtualMemorySize") ||
            linux_wants(req, "SizeStoredInPagingFiles") || linux_wants(req, "FreeSpaceInPagingFiles") ||
            linux_wants(req, "TotalSwapSpaceSize")) {
                struct sys_meminfo m;

                if (sys_read_meminfo(&m)) {
                        out_uint(&o, "TotalVisibleMemorySize", m.total);
                        out_uint(&o, "FreePhysicalMemory", m.available);
                        out_uint(&o, "TotalVirtualMemorySize", m.total + m.swap_total);
                        out_uint(&o, "FreeVirtualMemory", m.available + m.swap_free);
                        out_uint(&o, "SizeStoredInPagingFiles", m.swap_total);
                        out_uint(&o, "FreeSpaceInPagingFiles", m.swap_free);
                        out_uint(&o, "TotalSwapSpaceSize", m.swap_total);
                }
        }
        if (linux_wants(req, "NumberOfProcesses"))
                out_uint(&o, "NumberOfProcesses", sys_count_processes());
        if (linux_wants(req, "NumberOfUsers")) {
                long n = sys_count_sessions();

                if (n >= 0)
                        out_uint(&o, "NumberOfUsers", (uint64_t) n);
        }
        if (linux_wants(req, "MaxNumberOfProcesses")) {
                uint64_t pid_max;

                /* every process needs a pid: pid_max bounds how many can exist */
                if (sys_read_u64("/proc/sys/kernel/pid_max", &pid_max) && pid_max <= UINT32_MAX)
                        out_uint(&o, "MaxNumberOfProcesses", pid_max);
        }
        return out_post(&o);
}

static int os_enumerate(owmi_request *req, const char *class_name)
{
        int r = os_post(req, NULL);

        (void) class_name;
        return r < 0 ? r : 0;
}

static int os_get(owmi_request *req, const owmi_instance *keys)
{
        const char *name;
        int r;

        if (linux_host->get_string(keys, "Name", &name) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "Name is required");
        r = os_post(req, name);
        return r < 0 ? r : 0;
}

/* WMI's ReturnValue for these methods is a Win32 error code. */
enum {
        OS_SUCCESS = 0,
        OS_FAILED = 1,                  /* ERROR_INVALID_FUNCTION */
        OS_NO_COMMAND = 2,              /* ERROR_FILE_NOT_FOUND */
        OS_NOT_SUPPORTED = 50,          /* ERROR_NOT_SUPPORTED */
        OS_INVALID_PARAMETER = 87,      /* ERROR_INVALID_PARAMETER */
        OS_PRIVILEGE_NOT_HELD = 1314,   /* ERROR_PRIVILEGE_NOT_HELD */
};

/* Win32Shutdown's flags */
enum {
        OS_LOGOFF = 0,
        OS_SHUTDOWN = 1,
        OS_REBOOT = 2,
        OS_FORCE = 4,
        OS_POWER_OFF = 8,
};

/* An orderly shutdown: shutdown(8) with option now; a ReturnValue. */
static uint32_t os_run_shutdown(const char *option)
{
        static const char *const commands[] = { "/usr/sbin/shutdown", "/sbin/shutdown", NULL };
        char *argv[] = { (char *) "shutdown", (char *) option, (char *) "now", NULL };
        int status;
        pid_t pid;

        for (size_t i = 0; commands[i]; i++) {
                if (access(commands[i], X_OK) < 0)
                        continue;
                if (posix_spawn(&pid, commands[i], NULL, NULL, argv, environ) != 0)
                        return OS_FAILED;
                while (waitpid(pid, &status, 0) < 0)
                        if (errno != EINTR)
                                return OS_FAILED;
                return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? OS_SUCCESS : OS_FAILED;
        }
        return OS_NO_COMMAND;
}

/* What WMI's Force asks for: no orderly shutdown, only the disks synced. */
static uint32_t os_force(int how)
{
        sync();
        if (reboot(how) < 0)
                return errno == EPERM ? OS_PRIVILEGE_NOT_HELD : OS_FAILED;
        return OS_SUCCESS; /* not reached for a reboot or power off */
}

/* A method called on an instance: is it this system's?  0, or the error. */
static int os_check_target(owmi_request *req, const owmi_instance *target)
{
        const char *name;
        struct sys_os_release os;
        char root[PATH_MAX], boot[PATH_MAX], mine[PATH_MAX + 300];

        if (!target)
                return 0;
        os_read_release(&os);
        os_root_devices(root, sizeof(root), boot, sizeof(boot));
        os_name(&os, root, mine, sizeof(mine));
        if (linux_host->get_string(target, "Name", &name) < 0 || strcasecmp(name, mine) != 0)
                return linux_host->error(req, OWMI_E_NOT_FOUND, "the operating system is '%s'", mine);
        return 0;
}

/* SetDateTime: the clock, set by the provider for a caller who enabled and
 * holds SeSystemtimePrivilege (CAP_SYS_TIME). */
static int os_set_date_time(owmi_request *req, const owmi_instance *target,
                            const owmi_instance *in, owmi_instance *out)
{
        const struct owmi_host *h = linux_host;
        struct timespec ts;
        int64_t usec;
        uint32_t rv;
        int r;

        if (!h->caller_privilege(req, "SeSystemtimePrivilege"))
                return h->error(req, OWMI_E_PRIVILEGE_NOT_HELD,
                                "SetDateTime needs SeSystemtimePrivilege, enabled by the client and "
                                "held by its user (CAP_SYS_TIME)");
        r = os_check_target(req, target);
        if (r < 0)
                return r;
        if (!in || h->get_datetime(in, "LocalDateTime", &usec) < 0)
                return h->set_uint(out, "ReturnValue", OS_INVALID_PARAMETER);
        ts.tv_sec = (time_t) (usec / 1000000);
        ts.tv_nsec = (long) (usec % 1000000) * 1000;
        if (ts.tv_nsec < 0) {
                ts.tv_sec--;
                ts.tv_nsec += 1000000000;
        }
        if (clock_settime(CLOCK_REALTIME, &ts) == 0)
                rv = OS_SUCCESS;
        else
                rv = errno == EPERM ? OS_PRIVILEGE_NOT_HELD :
                     errno == EINVAL ? OS_INVALID_PARAMETER : OS_FAILED;
        h->log(OWMI_LOG_INFO, "Win32_OperatingSystem.SetDateTime by uid %u: %u",
               (unsigned) h->caller_uid(req), rv);
        return h->set_uint(out, "ReturnValue", rv);
}

static int os_exec_method(owmi_request *req, const char *class_name, const owmi_instance *target,
                          const char *method, const owmi_instance *in, owmi_instance *out)
{
        const struct owmi_host *h = linux_host;
        int64_t flags;
        uint32_t rv;
        int r;

        (void) class_name;
        if (strcasecmp(method, "SetDateTime") == 0)
                return os_set_date_time(req, target, in, out);
        if (strcasecmp(method, "Reboot") == 0)
                flags = OS_REBOOT;
        else if (strcasecmp(method, "Shutdown") == 0)
                flags = OS_POWER_OFF;
        else if (strcasecmp(method, "Win32Shutdown") == 0)
                flags = -1; /* read below, once the caller may use it */
        else
                return h->error(req, OWMI_E_INVALID_METHOD, "Win32_OperatingSystem has no method '%s'",
                                method);
        /* The object manager checked the Privileges qualifier already;
         * this holds even in a repository whose class lost it.  Nothing
         * else is looked at (not even the parameters) without it. */
        if (!h->caller_privilege(req, "SeShutdownPrivilege"))
                return h->error(req, OWMI_E_PRIVILEGE_NOT_HELD,
                                "%s needs SeShutdownPrivilege, enabled by the client and held by "
                                "its user (CAP_SYS_BOOT)", method);
        r = os_check_target(req, target);
        if (r < 0)
                return r;
        if (flags < 0 && (!in || h->get_sint(in, "Flags", &flags) < 0))
                return h->set_uint(out, "ReturnValue", OS_INVALID_PARAMETER);
        switch (flags & ~(int64_t) OS_FORCE) {
        case OS_LOGOFF:
                /* whose session?  The caller's is not ours to end */
                rv = OS_NOT_SUPPORTED;
                break;
        case OS_SHUTDOWN:
                rv = flags & OS_FORCE ? os_force(RB_HALT_SYSTEM) : os_run_shutdown("-H");
                break;
        case OS_REBOOT:
                rv = flags & OS_FORCE ? os_force(RB_AUTOBOOT) : os_run_shutdown("-r");
                break;
        case OS_POWER_OFF:
                rv = flags & OS_FORCE ? os_force(RB_POWER_OFF) : os_run_shutdown("-P");
                break;
        default:
                rv = OS_INVALID_PARAMETER;
                break;
        }
        h->log(OWMI_LOG_INFO, "Win32_OperatingSystem.%s (flags %lld) by uid %u: %u", method,
               (long long) flags, (unsigned) h->caller_uid(req), rv);
        return h->set_uint(out, "ReturnValue", rv);
}

/* ---- CPUs: topology shared by Win32_ComputerSystem and Win32_Processor --- */

struct sys_cpu {
        unsigned id;
        long package;              /* physical_package_id */
        long core;                 /* core_id within the package */
};

struct sys_cpus {
        struct sys_cpu *cpu;
        size_t count;
        long packages[256];        /* distinct package ids, ascending */
        size_t package_count;
};

static void sys_cpus_release(struct sys_cpus *c)
{
        free(c->cpu);
        c->cpu = NULL;
        c->count = 0;
}

static bool sys_read_long(const char *path, long *ret)
{
        char buf[64], *end;
        long v;

        if (!sys_read_line(path, buf, sizeof(buf)))
                return false;
        errno = 0;
        v = strtol(buf, &end, 10);
        if (errno || end == buf)
                return false;
        *ret = v;
        return true;
}

static int sys_add_cpu(struct sys_cpus *c, size_t *alloc, unsigned id)
{
        char path[128];
        struct sys_cpu *cpu;

        if (c->count == *alloc) {
                size_t n = *alloc ? *alloc * 2 : 64;
                struct sys_cpu *bigger = realloc(c->cpu, n * sizeof(*bigger));

                if (!bigger)
                        return -ENOMEM;
                c->cpu = bigger;
                *alloc = n;
        }
        cpu = &c->cpu[c->count++];
        cpu->id = id;
        /* without topology (some virtual machines): one package, a core each */
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/physical_package_id", id);
        if (!sys_read_long(path, &cpu->package) || cpu->package < 0)
                cpu->package = 0;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/core_id", id);
        if (!sys_read_long(path, &cpu->core))
                cpu->core = id;
        return 0;
}

/* The online CPUs ("0-3,6" in /sys/devices/system/cpu/online) and their
 * packages. */
static int sys_read_cpus(struct sys_cpus *c)
{
        char list[4096];
        size_t alloc = 0;
        int r = 0;

        memset(c, 0, sizeof(*c));
        if (!sys_read_line("/sys/devices/system/cpu/online", list, sizeof(list))) {
                long n = sysconf(_SC_NPROCESSORS_ONLN);

                snprintf(list, sizeof(list), "0-%ld", n > 0 ? n - 1 : 0);
        }
        for (char *p = list; *p && r == 0;) {
                char *end;
                unsigned long first = strtoul(p, &end, 10), last = first;

                if (end == p)
                        break;
                if (*end == '-')
                        last = strtoul(end + 1, &end, 10);
                for (unsigned long id = first; id <= last && id < 65536 && r == 0; id++)
                        r = sys_add_cpu(c, &alloc, (unsigned) id);
                p = *end == ',' ? end + 1 : end;
                if (*end != ',')
                        break;
        }
        for (size_t i = 0; i < c->count; i++) {
                size_t j = 0;

                while (j < c->package_count && c->packages[j] < c->cpu[i].package)
                        j++;
                if (j < c->package_count && c->packages[j] == c->cpu[i].package)
                        continue;
                if (c->package_count == sizeof(c->packages) / sizeof(c->packages[0]))
                        continue;
                memmove(&c->packages[j + 1], &c->packages[j],
                        (c->package_count - j) * sizeof(c->packages[0]));
                c->packages[j] = c->cpu[i].package;
                c->package_count++;
        }
        if (r < 0)
                sys_cpus_release(c);
        return r;
}

/* The start of the /proc/cpuinfo block of CPU id ("processor : <id>"), or
 * of the first block when id is -1 or the blocks name no CPUs (some ARM
 * kernels). */
static const char *cpuinfo_block(const char *text, long id)
{
        for (const char *p = text; id >= 0 && p && *p;
             p = strstr(p, "\n\n") ? strstr(p, "\n\n") + 2 : NULL) {
                long n;

                /* a space in a scanf format matches any run of blanks, tabs included */
                if (sscanf(p, "processor : %ld", &n) == 1 && n == id)
                        return p;
        }
        return text;
}

/* The value of "key<blanks>: value" in the cpuinfo block of CPU id, into
 * out; false if the block lacks it. */
static bool cpuinfo_value(const char *text, long id, const char *key, char *out, size_t size)
{
        size_t klen = strlen(key);

        if (!text)
                return false;
        for (const char *line = cpuinfo_block(text, id); line && *line && *line != '\n';
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                const char *v = line + klen;
                size_t n;

                if (strncmp(line, key, klen) != 0)
                        continue;
                /* "model" must not take "model name"'s line */
                while (*v == ' ' || *v == '\t')
                        v++;
                if (*v != ':')
                        continue;
                v++;
                while (*v == ' ' || *v == '\t')
                        v++;
                n = strcspn(v, "\n");
                if (n >= size)
                        n = size - 1;
                memcpy(out, v, n);
                out[n] = '\0';
                return n > 0;
        }
        return false;
}

/* Does the flags line of that CPU's block carry flag? */
static bool cpuinfo_flag(const char *text, long id, const char *flag)
{
        char flags[8192];
        size_t len = strlen(flag);

        if (!cpuinfo_value(text, id, "flags", flags, sizeof(flags)))
                return false;
        for (const char *p = flags; (p = strstr(p, flag)); p += len)
                if ((p == flags || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
                        return true;
        return false;
}

/* ---- Win32_ComputerSystem ------------------------------------------------ */

/* The DNS domain, without asking DNS: after the host name's first dot, else
 * resolv.conf's domain or first search domain, else WMI's "WORKGROUP". */
static void cs_domain(char *out, size_t size)
{
        const char *host = linux_host_name(), *dot = strchr(host, '.');
        char text[8192];

        if (dot && dot[1]) {
                snprintf(out, size, "%s", dot + 1);
                return;
        }
        if (linux_read_file("/etc/resolv.conf", text, sizeof(text)) > 0) {
                for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                        char word[16], value[256];

                        if (sscanf(line, "%15s %255s", word, value) == 2 &&
                            (strcmp(word, "domain") == 0 || strcmp(word, "search") == 0) &&
                            strcmp(value, ".") != 0) {
                                snprintf(out, size, "%s", value);
                                return;
                        }
                }
        }
        snprintf(out, size, "WORKGROUP");
}

/* The user of seat0's active session, as logind records it; false if none. */
static bool cs_console_user(char *out, size_t size)
{
        char text[4096], buf[4096];
        struct passwd pw, *found = NULL;
        const char *p;
        long uid;

        if (linux_read_file("/run/systemd/seats/seat0", text, sizeof(text)) <= 0)
                return false;
        p = strncmp(text, "ACTIVE_UID=", 11) == 0 ? text : strstr(text, "\nACTIVE_UID=");
        if (!p)
                return false;
        uid = strtol(p + (p == text ? 11 : 12), NULL, 10);
        if (getpwuid_r((uid_t) uid, &pw, buf, sizeof(buf), &found) != 0 || !found)
                return false;
        snprintf(out, size, "%s\\%s", linux_host_name(), found->pw_name);
        return true;
}

static const char *cs_system_type(const char *machine)
{
        if (strcmp(machine, "x86_64") == 0)
                return "x64-based PC";
        if (machine[0] == 'i' && strcmp(machine + 2, "86") == 0)
                return "X86-based PC";
        if (strcmp(machine, "aarch64") == 0)
                return "ARM64-based PC";
        return NULL; /* WMI names no other; uname -m is in Win32_Processor */
}

static int cs_post(owmi_request *req)
{
        const char *host = linux_host_name();
        struct utsname uts;
        struct sys_out o;
        char buf[512];
        struct stat st;

        if (!out_begin(&o, req, "Win32_ComputerSystem"))
                return sys_no_memory(req, "Win32_ComputerSystem");
        out_string(&o, "Name", host);
        out_string(&o, "Caption", host);
        out_string(&o, "CreationClassName", "Win32_ComputerSystem");
        out_string(&o, "Status", "OK");
        snprintf(buf, sizeof(buf), "%.*s", (int) strcspn(host, "."), host);
        out_string(&o, "DNSHostName", buf);
        if (linux_wants(req, "Domain")) {
                cs_domain(buf, sizeof(buf));
                out_string(&o, "Domain", buf);
        }
        out_bool(&o, "PartOfDomain", stat("/etc/sssd/sssd.conf", &st) == 0);
        if (uname(&uts) == 0)
                out_string(&o, "SystemType", cs_system_type(uts.machine));
        /* DMI: absent in many virtual machines and on non-PC hardware */
        if (linux_wants(req, "Manufacturer") && sys_read_line("/sys/class/dmi/id/sys_vendor", buf, sizeof(buf)))
                out_string(&o, "Manufacturer", buf);
        if (linux_wants(req, "Model") && sys_read_line("/sys/class/dmi/id/product_name", buf, sizeof(buf)))
                out_string(&o, "Model", buf);
        if (linux_wants(req, "SystemFamily") &&
            sys_read_line("/sys/class/dmi/id/product_family", buf, sizeof(buf)))
                out_string(&o, "SystemFamily", buf);
        if (linux_wants(req, "SystemSKUNumber") &&
            sys_read_line("/sys/class/dmi/id/product_sku", buf, sizeof(buf)))
                out_string(&o, "SystemSKUNumber", buf);
        if (linux_wants(req, "NumberOfLogicalProcessors") || linux_wants(req, "NumberOfProcessors")) {
                struct sys_cpus cpus;

                if (sys_read_cpus(&cpus) == 0) {
                        out_uint(&o, "NumberOfLogicalProcessors", cpus.count);
                        out_uint(&o, "NumberOfProcessors", cpus.package_count);
                        sys_cpus_release(&cpus);
                }
        }
        if (linux_wants(req, "TotalPhysicalMemory")) {
                struct sys_meminfo m;

                if (sys_read_meminfo(&m))
                        out_uint(&o, "TotalPhysicalMemory", m.total * 1024);
        }
        if (linux_wants(req, "HypervisorPresent")) {
                char *cpuinfo = linux_read_alloc("/proc/cpuinfo", 64 << 20);
                char flags[16];

                /* the flag is x86's; elsewhere there is no such line to read */
                if (cpuinfo_value(cpuinfo, -1, "flags", flags, sizeof(flags)))
                        out_bool(&o, "HypervisorPresent", cpuinfo_flag(cpuinfo, -1, "hypervisor"));
                free(cpuinfo);
        }
        if (linux_wants(req, "UserName") && cs_console_user(buf, sizeof(buf)))
                out_string(&o, "UserName", buf);
        if (linux_wants(req, "CurrentTimeZone") || linux_wants(req, "DaylightInEffect")) {
                bool dst;
                int offset = sys_utc_offset(&dst);

                out_sint(&o, "CurrentTimeZone", offset);
                out_bool(&o, "DaylightInEffect", dst);
        }
        return out_post(&o);
}

static int cs_enumerate(owmi_request *req, const char *class_name)
{
        int r = cs_post(req);

        (void) class_name;
        return r < 0 ? r : 0;
}

static int cs_get(owmi_request *req, const owmi_instance *keys)
{
        const char *name;
        int r;

        if (linux_host->get_string(keys, "Name", &name) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "Name is required");
        if (strcasecmp(name, linux_host_name()) != 0)
                return linux_host->error(req, OWMI_E_NOT_FOUND, "this computer is '%s'",
                                         linux_host_name());
        r = cs_post(req);
        return r < 0 ? r : 0;
}

/* Rename's Win32 error codes */
enum {
        RENAME_ACCESS_DENIED = 5,       /* ERROR_ACCESS_DENIED */
        RENAME_WRITE_PROTECT = 19,      /* ERROR_WRITE_PROTECT */
        RENAME_DISK_FULL = 112,         /* ERROR_DISK_FULL */
};

/* A host name label: letters, digits and '-' inside, 1 to 63 of them. */
static bool cs_valid_host_name(const char *name)
{
        size_t n = name ? strlen(name) : 0;

        if (n == 0 || n > 63 || name[0] == '-' || name[n - 1] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) name[i]) && name[i] != '-')
                        return false;
        return true;
}

static uint32_t cs_errno_code(int e)
{
        switch (e) {
        case EACCES: case EPERM:
                return RENAME_ACCESS_DENIED;
        case EROFS:
                return RENAME_WRITE_PROTECT;
        case ENOSPC: case EDQUOT:
                return RENAME_DISK_FULL;
        default:
                return OS_FAILED;
        }
}

/* /etc/hostname holds name from now on: written beside it and renamed
 * over it, so a crash leaves the old name or the new, never half; where
 * it is a mount point of its own (containers), rewritten in place. */
static uint32_t cs_write_host_name(const char *name)
{
        char tmp[] = "/etc/.hostname.owmi-XXXXXX";
        size_t len = strlen(name);
        int fd = mkostemp(tmp, O_CLOEXEC), e;
        bool ok;

        if (fd < 0)
                return cs_errno_code(errno);
        ok = fchmod(fd, 0644) == 0 && write(fd, name, len) == (ssize_t) len &&
             write(fd, "\n", 1) == 1 && fsync(fd) == 0;
        e = errno;
        close(fd);
        if (ok && rename(tmp, "/etc/hostname") == 0)
                return OS_SUCCESS;
        if (ok)
                e = errno;
        unlink(tmp);
        if (ok && e == EBUSY) {
                fd = open("/etc/hostname", O_WRONLY | O_TRUNC | O_CLOEXEC);
                if (fd < 0)
                        return cs_errno_code(errno);
                ok = write(fd, name, len) == (ssize_t) len && write(fd, "\n", 1) == 1 &&
                     fsync(fd) == 0;
                e = errno;
                close(fd);
                return ok ? OS_SUCCESS : cs_errno_code(e);
        }
        return cs_errno_code(e);
}

static int cs_exec_method(owmi_request *req, const char *class_name, const owmi_instance *target,
                          const char *method, const owmi_instance *in, owmi_instance *out)
{
        const struct owmi_host *h = linux_host;
        const char *current, *name = NULL;
        uint32_t rv;

        (void) class_name;
        if (strcasecmp(method, "Rename") != 0)
                return h->error(req, OWMI_E_INVALID_METHOD, "Win32_ComputerSystem has no method '%s'",
                                method);
        if (!target || h->get_string(target, "Name", &current) < 0)
                return h->error(req, OWMI_E_INVALID_METHOD_PARAMETERS,
                                "Rename is called on the computer");
        if (strcasecmp(current, linux_host_name()) != 0)
                return h->error(req, OWMI_E_NOT_FOUND, "this computer is '%s'", linux_host_name());
        /* the host name is root's to change, as hostnamectl would insist */
        if (h->caller_uid(req) != 0)
                return h->set_uint(out, "ReturnValue", RENAME_ACCESS_DENIED);
        /* Password and UserName are a domain's credentials: this machine
         * joins no domain, so they have nothing to open */
        if (in)
                h->get_string(in, "Name", &name);
        if (!cs_valid_host_name(name))
                return h->set_uint(out, "ReturnValue", OS_INVALID_PARAMETER);
        rv = cs_write_host_name(name);
        h->log(OWMI_LOG_INFO, "Win32_ComputerSystem.Rename to '%s': %u", name, rv);
        return h->set_uint(out, "ReturnValue", rv);
}

/* ---- Win32_Processor ----------------------------------------------------- */

/* WMI's Architecture codes */
static int cpu_architecture(const char *machine)
{
        if (strcmp(machine, "x86_64") == 0)
                return 9;
        if (machine[0] == 'i' && strcmp(machine + 2, "86") == 0)
                return 0;
        if (strcmp(machine, "aarch64") == 0)
                return 12;
        if (strncmp(machine, "arm", 3) == 0)
                return 5;
        if (strcmp(machine, "ia64") == 0)
                return 6;
        if (strncmp(machine, "mips", 4) == 0)
                return 1;
        if (strncmp(machine, "alpha", 5) == 0)
                return 2;
        if (strncmp(machine, "ppc", 3) == 0)
                return 3;
        return -1;
}

/* Busy and total jiffies of the CPUs of one package, from /proc/stat. */
struct cpu_ticks {
        unsigned long long busy, total;
};

static void cpu_sample(const struct sys_cpus *cpus, struct cpu_ticks *ticks, size_t count)
{
        char *text = linux_read_alloc("/proc/stat", 16 << 20);

        memset(ticks, 0, count * sizeof(*ticks));
        for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                unsigned long long v[10] = { 0 }, total = 0;
                unsigned id;
                int n;

                if (strncmp(line, "cpu", 3) != 0 || !isdigit((unsigned char) line[3]))
                        continue;
                n = sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &id, &v[0],
                           &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
                if (n < 5)
                        continue;
                /* guest time is already counted in user time */
                for (int i = 0; i < 8; i++)
                        total += v[i];
                for (size_t i = 0; i < cpus->count; i++) {
                        if (cpus->cpu[i].id != id)
                                continue;
                        for (size_t p = 0; p < count; p++) {
                                if (cpus->packages[p] != cpus->cpu[i].package)
                                        continue;
                                ticks[p].total += total;
                                ticks[p].busy += total - v[3] - v[4]; /* not idle, not iowait */
                        }
                }
        }
        free(text);
}

/* L2 and L3 sizes of a package in KB: each cache counted once however many
 * CPUs share it, as WMI adds up the per-core L2 caches. */
static void cpu_caches(const struct sys_cpus *cpus, long package, uint64_t *l2, uint64_t *l3)
{
        char seen[64][96];
        size_t seen_count = 0;

        *l2 = *l3 = 0;
        for (size_t i = 0; i < cpus->count; i++) {
                if (cpus->cpu[i].package != package)
                        continue;
                for (int index = 0; index < 16; index++) {
                        char dir[128], path[192], type[32], shared[64], key[96], size[32];
                        long level;
                        bool known = false;
                        uint64_t kb;

                        snprintf(dir, sizeof(dir), "/sys/devices/system/cpu/cpu%u/cache/index%d",
                                 cpus->cpu[i].id, index);
                        snprintf(path, sizeof(path), "%s/level", dir);
                        if (!sys_read_long(path, &level))
                                break;
                        snprintf(path, sizeof(path), "%s/type", dir);
                        if (!sys_read_line(path, type, sizeof(type)) || strcmp(type, "Instruction") == 0)
                                continue;
                        snprintf(path, sizeof(path), "%s/shared_cpu_list", dir);
                        if (!sys_read_line(path, shared, sizeof(shared)))
                                snprintf(shared, sizeof(shared), "cpu%u", cpus->cpu[i].id);
                        snprintf(key, sizeof(key), "%ld %s", level, shared);
                        for (size_t s = 0; s < seen_count && !known; s++)
                                known = strcmp(seen[s], key) == 0;
                        if (known)
                                continue;
                        if (seen_count < 64)
                                snprintf(seen[seen_count++], sizeof(seen[0]), "%s", key);
                        snprintf(path, sizeof(path), "%s/size", dir);
                        if (!sys_read_line(path, size, sizeof(size)))
                                continue;
                        kb = strtoull(size, NULL, 10);
                        if (strchr(size, 'M'))
                                kb *= 1024;
                        if (level == 2)
                                *l2 += kb;
                        else if (level == 3)
                                *l3 += kb;
                }
        }
}

/* The rated speed in a model name ("... @ 2.40GHz"), in MHz; 0 if none. */
static uint64_t cpu_rated_mhz(const char *model)
{
        const char *at = strstr(model, "@ ");
        double ghz;

        if (!at || sscanf(at + 2, "%lfGHz", &ghz) != 1 || ghz <= 0 || ghz > 100)
                return 0;
        return (uint64_t) (ghz * 1000 + 0.5);
}

static void cpu_fill_x86(struct sys_out *o, const char *cpuinfo, long first, const char *vendor,
                         const char *machine)
{
        char family[16], model[16], stepping[16], caption[128];
        const char *prefix;

        if (!cpuinfo_value(cpuinfo, first, "cpu family", family, sizeof(family)) ||
            !cpuinfo_value(cpuinfo, first, "model", model, sizeof(model)) ||
            !cpuinfo_value(cpuinfo, first, "stepping", stepping, sizeof(stepping)))
                return;
        /* WMI's Caption: "Intel64 Family 6 Model 158 Stepping 10" */
        if (strcmp(machine, "x86_64") != 0)
                prefix = "x86";
        else if (strcmp(vendor, "GenuineIntel") == 0)
                prefix = "Intel64";
        else if (strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0)
                prefix = "AMD64";
        else
                prefix = "x64";
        snprintf(caption, sizeof(caption), "%s Family %s Model %s Stepping %s", prefix, family, model,
                 stepping);
        out_string(o, "Caption", caption);
        out_string(o, "Description", caption);
        out_string(o, "Stepping", stepping);
        /* x86's Revision: model in the high byte, stepping in the low one */
        out_uint(o, "Revision", ((strtoul(model, NULL, 10) & 0xff) << 8) |
                 (strtoul(stepping, NULL, 10) & 0xff));
}

static int cpu_post(owmi_request *req, const struct sys_cpus *cpus, size_t p, const char *cpuinfo,
                    const char *machine, const struct cpu_ticks *before, const struct cpu_ticks *after)
{
        long package = cpus->packages[p], first = -1, cores[1024];
        size_t logical = 0, core_count = 0;
        char id[32], value[512], path[160];
        struct sys_out o;
        uint64_t khz;
        int arch = cpu_architecture(machine);

        for (size_t i = 0; i < cpus->count; i++) {
                bool known = false;

                if (cpus->cpu[i].package != package)
                        continue;
                if (first < 0)
                        first = cpus->cpu[i].id;
                logical++;
                for (size_t c = 0; c < core_count && !known; c++)
                        known = cores[c] == cpus->cpu[i].core;
                if (!known && core_count < sizeof(cores) / sizeof(cores[0]))
                        cores[core_count++] = cpus->cpu[i].core;
        }
        if (!out_begin(&o, req, "Win32_Processor"))
                return sys_no_memory(req, "Win32_Processor");
        snprintf(id, sizeof(id), "CPU%zu", p);
        out_string(&o, "DeviceID", id);
        out_string(&o, "CreationClassName", "Win32_Processor");
        out_string(&o, "SystemCreationClassName", "Win32_ComputerSystem");
        out_string(&o, "SystemName", linux_host_name());
        out_string(&o, "Status", "OK");
        out_string(&o, "Role", "CPU");
        out_uint(&o, "ProcessorType", 3);   /* central processor */
        out_uint(&o, "CpuStatus", 1);       /* enabled: its CPUs are online */
        out_uint(&o, "Availability", 3);    /* running */
        out_uint(&o, "NumberOfCores", core_count);
        out_uint(&o, "NumberOfEnabledCore", core_count);
        out_uint(&o, "NumberOfLogicalProcessors", logical);
        out_uint(&o, "ThreadCount", logical);
        if (arch >= 0)
                out_uint(&o, "Architecture", (uint64_t) arch);
        out_uint(&o, "AddressWidth", strcmp(sys_arch_bits(machine), "64-bit") == 0 ? 64 : 32);
        out_uint(&o, "DataWidth", strcmp(sys_arch_bits(machine), "64-bit") == 0 ? 64 : 32);
        if (cpuinfo_value(cpuinfo, first, "model name", value, sizeof(value))) {
                out_string(&o, "Name", value);
                if (!cpuinfo_value(cpuinfo, first, "cpu family", path, sizeof(path))) {
                        out_string(&o, "Caption", value);
                        out_string(&o, "Description", value);
                }
        }
        if (linux_wants(req, "MaxClockSpeed")) {
                snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%ld/cpufreq/cpuinfo_max_freq",
                         first);
                if (sys_read_u64(path, &khz))
                        out_uint(&o, "MaxClockSpeed", khz / 1000);
                else if (cpuinfo_value(cpuinfo, first, "model name", value, sizeof(value)) &&
                         cpu_rated_mhz(value))
                        out_uint(&o, "MaxClockSpeed", cpu_rated_mhz(value));
        }
        if (linux_wants(req, "CurrentClockSpeed")) {
                snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%ld/cpufreq/scaling_cur_freq",
                         first);
                if (sys_read_u64(path, &khz))
                        out_uint(&o, "CurrentClockSpeed", khz / 1000);
                else if (cpuinfo_value(cpuinfo, first, "cpu MHz", value, sizeof(value)))
                        out_uint(&o, "CurrentClockSpeed", (uint64_t) (strtod(value, NULL) + 0.5));
        }
        if (linux_wants(req, "L2CacheSize") || linux_wants(req, "L3CacheSize")) {
                uint64_t l2, l3;

                cpu_caches(cpus, package, &l2, &l3);
                if (l2)
                        out_uint(&o, "L2CacheSize", l2);
                if (l3)
                        out_uint(&o, "L3CacheSize", l3);
        }
        if (before && after && after[p].total > before[p].total)
                out_uint(&o, "LoadPercentage", (after[p].busy - before[p].busy) * 100 /
                         (after[p].total - before[p].total));
        if (cpuinfo_value(cpuinfo, first, "vendor_id", value, sizeof(value))) {
                out_string(&o, "Manufacturer", value);
                cpu_fill_x86(&o, cpuinfo, first, value, machine);
                if (cpuinfo_value(cpuinfo, first, "flags", path, 16)) {
                        bool vm = cpuinfo_flag(cpuinfo, first, "vmx") ||
                                  cpuinfo_flag(cpuinfo, first, "svm");

                        out_bool(&o, "VMMonitorModeExtensions", vm);
                        /* the kernel hides vmx/svm when the firmware disabled them */
                        out_bool(&o, "VirtualizationFirmwareEnabled", vm);
                        out_bool(&o, "SecondLevelAddressTranslationExtensions",
                                 cpuinfo_flag(cpuinfo, first, "ept") ||
                                 cpuinfo_flag(cpuinfo, first, "npt"));
                }
        }
#if defined(__x86_64__) || defined(__i386__)
        if (linux_wants(req, "ProcessorId")) {
                unsigned eax, ebx, ecx, edx;

                /* WMI's ProcessorId: CPUID leaf 1, EDX then EAX (the one this
                 * thread runs on; a machine's packages are of one model) */
                if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
                        snprintf(value, sizeof(value), "%08X%08X", edx, eax);
                        out_string(&o, "ProcessorId", value);
                }
        }
#endif
        return out_post(&o);
}

/* Does the request need anything /proc/cpuinfo says?  (Megabytes on big
 * machines: one block per logical CPU.) */
static bool cpu_wants_cpuinfo(owmi_request *req)
{
        static const char *const props[] = {
                "Name", "Caption", "Description", "Manufacturer", "Stepping", "Revision",
                "MaxClockSpeed", "CurrentClockSpeed", "VMMonitorModeExtensions",
                "VirtualizationFirmwareEnabled", "SecondLevelAddressTranslationExtensions", NULL,
        };

        for (size_t i = 0; props[i]; i++)
                if (linux_wants(req, props[i]))
                        return true;
        return false;
}

/* Every package, or only the one named "CPU<n>" (want >= 0). */
static int cpu_list(owmi_request *req, long want)
{
        struct cpu_ticks before[256], after[256];
        bool load = linux_wants(req, "LoadPercentage");
        struct sys_cpus cpus;
        struct utsname uts;
        char *cpuinfo;
        int r = 0;

        if (sys_read_cpus(&cpus) < 0)
                return linux_host->error(req, OWMI_E_OUT_OF_MEMORY, "cannot list the CPUs");
        if (want >= (long) cpus.package_count) {
                sys_cpus_release(&cpus);
                return linux_host->error(req, OWMI_E_NOT_FOUND, "there is no CPU%ld", want);
        }
        if (uname(&uts) < 0)
                strcpy(uts.machine, "unknown");
        /* NULL when nothing asked comes from it: cpuinfo_value then finds nothing */
        cpuinfo = cpu_wants_cpuinfo(req) ? linux_read_alloc("/proc/cpuinfo", 64 << 20) : NULL;
        if (load) {
                const struct timespec pause = { 0, 100 * 1000 * 1000 };

                cpu_sample(&cpus, before, cpus.package_count);
                nanosleep(&pause, NULL);
                cpu_sample(&cpus, after, cpus.package_count);
        }
        for (size_t p = 0; p < cpus.package_count && r == 0; p++)
                if (want < 0 || (size_t) want == p)
                        r = cpu_post(req, &cpus, p, cpuinfo, uts.machine, load ? before : NULL,
                                     load ? after : NULL);
        free(cpuinfo);
        sys_cpus_release(&cpus);
        return r < 0 ? r : 0;
}

static int cpu_enumerate(owmi_request *req, const char *class_name)
{
        (void) class_name;
        return cpu_list(req, -1);
}

static int cpu_get(owmi_request *req, const owmi_instance *keys)
{
        const char *id;
        char *end;
        long n;

        if (linux_host->get_string(keys, "DeviceID", &id) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "DeviceID is required");
        if (strncasecmp(id, "CPU", 3) != 0 || !isdigit((unsigned char) id[3]) ||
            (n = strtol(id + 3, &end, 10)) < 0 || *end)
                return linux_host->error(req, OWMI_E_NOT_FOUND, "no processor '%s'", id);
        return cpu_list(req, n);
}

/* ---- Win32_Environment --------------------------------------------------- */

#define ENV_FILE_MAX (64 * 1024)
#define ENV_SYSTEM "<SYSTEM>"

struct env_var {
        char *name;
        char *value;
};

struct env_list {
        struct env_var *vars;
        size_t count, alloc;
        int error;
};

static void env_list_release(struct env_list *l)
{
        for (size_t i = 0; i < l->count; i++) {
                free(l->vars[i].name);
                free(l->vars[i].value);
        }
        free(l->vars);
        memset(l, 0, sizeof(*l));
}

/* Add or replace: a later assignment of a name wins, as the readers do. */
static int env_add(const char *key, const char *value, void *userdata)
{
        struct env_list *l = userdata;
        char *copy = strdup(value);

        if (!copy) {
                l->error = -ENOMEM;
                return 1;
        }
        for (size_t i = 0; i < l->count; i++) {
                if (strcmp(l->vars[i].name, key) == 0) {
                        free(l->vars[i].value);
                        l->vars[i].value = copy;
                        return 0;
                }
        }
        if (l->count == l->alloc) {
                size_t n = l->alloc ? l->alloc * 2 : 32;
                struct env_var *bigger = realloc(l->vars, n * sizeof(*bigger));

                if (!bigger) {
                        free(copy);
                        l->error = -ENOMEM;
                        return 1;
                }
                l->vars = bigger;
                l->alloc = n;
        }
        l->vars[l->count].name = strdup(key);
        if (!l->vars[l->count].name) {
                free(copy);
                l->error = -ENOMEM;
                return 1;
        }
        l->vars[l->count++].value = copy;
        return 0;
}

/* A file of the user's, read only if it is a regular file that user owns:
 * the provider may run as root, and the user controls the directory. */
static void env_read_user_file(int dir_fd, const char *name, uid_t uid, struct env_list *l)
{
        int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        char *text = NULL;
        struct stat st;
        ssize_t n;

        if (fd < 0)
                return;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == uid && st.st_size < ENV_FILE_MAX &&
            (text = malloc((size_t) st.st_size + 1)) != NULL) {
                n = read(fd, text, (size_t) st.st_size);
                if (n >= 0) {
                        text[n] = '\0';
                        sys_parse_assignments(text, env_add, l);
                }
        }
        free(text);
        close(fd);
}

static int env_name_order(const void *a, const void *b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The .conf files of uid's ~/.config/environment.d, in the lexical order
 * systemd reads them; *ret_user gets "HOST\name".  False if uid has no account. */
static bool env_read_user(uid_t uid, struct env_list *l, char *ret_user, size_t size)
{
        struct passwd pw, *found = NULL;
        char buf[4096], path[PATH_MAX], *names[256];
        size_t count = 0;
        struct dirent *de;
        DIR *d;
        int dir_fd;

        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) != 0 || !found)
                return false;
        snprintf(ret_user, size, "%s\\%s", linux_host_name(), found->pw_name);
        if (!found->pw_dir || found->pw_dir[0] != '/')
                return true;
        snprintf(path, sizeof(path), "%s/.config/environment.d", found->pw_dir);
        dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return true;
        d = fdopendir(dir_fd);
        if (!d) {
                close(dir_fd);
                return true;
        }
        while ((de = readdir(d)) && count < sizeof(names) / sizeof(names[0])) {
                size_t len = strlen(de->d_name);

                if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
                        continue;
                names[count] = strdup(de->d_name);
                if (names[count])
                        count++;
        }
        qsort(names, count, sizeof(names[0]), env_name_order);
        for (size_t i = 0; i < count; i++) {
                if (!l->error)
                        env_read_user_file(dirfd(d), names[i], uid, l);
                free(names[i]);
        }
        closedir(d);
        return true;
}

static void env_read_system(struct env_list *l)
{
        char *text = linux_read_alloc("/etc/environment", ENV_FILE_MAX);

        if (text)
                sys_parse_assignments(text, env_add, l);
        free(text);
}

static int env_post(owmi_request *req, const struct env_var *v, const char *user, bool system)
{
        struct sys_out o;
        char caption[512];

        if (!out_begin(&o, req, "Win32_Environment"))
                return sys_no_memory(req, "Win32_Environment");
        out_string(&o, "Name", v->name);
        out_string(&o, "UserName", user);
        out_string(&o, "VariableValue", v->value);
        out_bool(&o, "SystemVariable", system);
        out_string(&o, "Status", "OK");
        snprintf(caption, sizeof(caption), "%s\\%s", user, v->name);
        out_string(&o, "Caption", caption);
        out_string(&o, "Description", caption);
        return out_post(&o);
}

/* The variables of one owner, all of them or only name. */
static int env_post_list(owmi_request *req, const struct env_list *l, const char *user, bool system,
                         const char *name, bool *found)
{
        int r = 0;

        if (l->error)
                return linux_host->error(req, OWMI_E_OUT_OF_MEMORY, "cannot read the environment");
        for (size_t i = 0; i < l->count && r == 0; i++) {
                if (name && strcmp(name, l->vars[i].name) != 0)
                        continue;
                *found = true;
                r = env_post(req, &l->vars[i], user, system);
        }
        return r;
}

static int env_enumerate(owmi_request *req, const char *class_name)
{
        struct env_list sys = { 0 }, usr = { 0 };
        char user[512];
        bool found = false;
        int r;

        (void) class_name;
        env_read_system(&sys);
        r = env_post_list(req, &sys, ENV_SYSTEM, true, NULL, &found);
        env_list_release(&sys);
        if (r == 0 && env_read_user(linux_host->caller_uid(req), &usr, user, sizeof(user)))
                r = env_post_list(req, &usr, user, false, NULL, &found);
        env_list_release(&usr);
        return r < 0 ? r : 0;
}

static int env_get(owmi_request *req, const owmi_instance *keys)
{
        struct env_list l = { 0 };
        const char *name, *owner;
        char user[512];
        bool found = false;
        int r = 0;

        if (linux_host->get_string(keys, "Name", &name) < 0 ||
            linux_host->get_string(keys, "UserName", &owner) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "Name and UserName are required");
        if (strcasecmp(owner, ENV_SYSTEM) == 0) {
                env_read_system(&l);
                r = env_post_list(req, &l, ENV_SYSTEM, true, name, &found);
        } else if (env_read_user(linux_host->caller_uid(req), &l, user, sizeof(user)) &&
                   strcasecmp(owner, user) == 0) {
                r = env_post_list(req, &l, user, false, name, &found);
        }
        env_list_release(&l);
        if (r == 0 && !found)
                r = linux_host->error(req, OWMI_E_NOT_FOUND, "no variable '%s' of '%s'", name, owner);
        return r < 0 ? r : 0;
}

const struct linux_class linux_system_classes[] = {
        { .name = "Win32_OperatingSystem", .enumerate = os_enumerate, .get = os_get,
          .exec_method = os_exec_method },
        { .name = "Win32_ComputerSystem", .enumerate = cs_enumerate, .get = cs_get,
          .exec_method = cs_exec_method },
        { .name = "Win32_Processor", .enumerate = cpu_enumerate, .get = cpu_get },
        { .name = "Win32_Environment", .enumerate = env_enumerate, .get = env_get },
        { .name = NULL },
};
