/* SPDX-License-Identifier: MIT */
/*
 * logevent.c: Win32_NTLogEvent from the logs this machine has.
 *
 * Where systemd-journald keeps a journal (sd-journal finds entries in
 * /var/log/journal or /run/log/journal), it is the source and nothing
 * else is read (it holds the kernel's and syslog's messages already):
 * entries of the auth and authpriv facilities (4, 10) make the "Security"
 * log, the others "System"; RecordNumber is the entry's sequence number
 * (its low 32 bits), Type comes from PRIORITY, SourceName is
 * SYSLOG_IDENTIFIER (else _COMM) and the times are the entry's realtime
 * timestamp.
 *
 * Otherwise "System" holds the kernel's log, read from /dev/kmsg (its
 * records carry priority, sequence number and a monotonic timestamp; the
 * sequence number is the RecordNumber, and the boot time turns the
 * timestamp into a date), followed by the syslog text file
 * (/var/log/syslog or /var/log/messages),
 * and "Security" the authentication log (/var/log/auth.log or secure),
 * whose records are numbered by line.  OWMI_LOG_DIR names another folder
 * than /var/log (for tests).  Text lines carry no priority: they are
 * "Information" unless their words say error or warning.  With
 * OWMI_LOG_DIR set, the journal is looked for in its journal/ folder.
 *
 * Who reads what, as Linux would let the caller itself: the System log
 * to root and the members of adm and systemd-journal (the groups Debian
 * gives the logs to); the Security log, as in WMI, only to a caller who
 * enabled and holds SeSecurityPrivilege.  Others see no entry of that log
 * (a keyed get answers access denied).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "linux.h"

/* ---- who may read which log ------------------------------------------------ */

static struct {
        pthread_once_t once;
        gid_t groups[2];              /* adm, systemd-journal */
        bool found[2];
} log_readers = { .once = PTHREAD_ONCE_INIT };

static void log_readers_init(void)
{
        static const char *const names[] = { "adm", "systemd-journal" };

        for (size_t i = 0; i < 2; i++) {
                struct group gr, *found = NULL;
                char buf[4096];

                if (getgrnam_r(names[i], &gr, buf, sizeof(buf), &found) == 0 && found) {
                        log_readers.groups[i] = found->gr_gid;
                        log_readers.found[i] = true;
                }
        }
}

struct log_access {
        bool system, security;
};

static struct log_access log_access_of(owmi_request *req)
{
        const struct owmi_host *h = linux_host;
        struct log_access a = { false, false };

        pthread_once(&log_readers.once, log_readers_init);
        a.system = h->caller_uid(req) == 0;
        for (size_t i = 0; i < 2 && !a.system; i++)
                a.system = log_readers.found[i] && h->caller_in_group(req, log_readers.groups[i]);
        a.security = h->caller_privilege(req, "SeSecurityPrivilege") != 0;
        return a;
}

static bool may_read(const struct log_access *a, const char *logfile)
{
        return strcasecmp(logfile, "Security") == 0 ? a->security : a->system;
}

/* kernel records get numbers of their own; text lines start above them */
#define TEXT_RECORD_BASE 1000000000u

static const char *type_of(unsigned priority)
{
        return priority <= 3 ? "Error" : priority == 4 ? "Warning" : "Information";
}

static unsigned event_type_of(unsigned priority)
{
        /* WMI's EventType: 1 error, 2 warning, 3 information */
        return priority <= 3 ? 1 : priority == 4 ? 2 : 3;
}

static int post_record(owmi_request *req, const char *logfile, uint32_t number, unsigned priority,
                       int64_t usec, const char *source, const char *message)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_NTLogEvent");

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_NTLogEvent");
        h->set_string(inst, "Logfile", logfile);
        h->set_uint(inst, "RecordNumber", number);
        h->set_string(inst, "ComputerName", linux_host_name());
        h->set_string(inst, "SourceName", source);
        h->set_string(inst, "Message", message);
        h->set_string(inst, "Type", type_of(priority));
        h->set_uint(inst, "EventType", event_type_of(priority));
        h->set_uint(inst, "Priority", priority);
        h->set_uint(inst, "EventCode", 0);
        h->set_uint(inst, "EventIdentifier", 0);
        if (usec) {
                h->set_datetime(inst, "TimeGenerated", usec, 0);
                h->set_datetime(inst, "TimeWritten", usec, 0);
        }
        return h->post(req, inst);
}

/* /dev/kmsg: "pri,seq,usec,flags;message\n continuation lines" per read. */
static int kernel_log(owmi_request *req, long want)
{
        int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        int64_t boot = linux_boot_usec();
        char rec[8192];
        int r = 0;

        if (fd < 0)
                return 0; /* no kernel log to read: an empty log, not an error */
        while (r == 0) {
                ssize_t n = read(fd, rec, sizeof(rec) - 1);
                unsigned long pri, seq;
                unsigned long long mono;
                char *msg, *nl;

                if (n < 0 && errno == EPIPE)
                        continue; /* records overwritten while we read: go on */
                if (n <= 0)
                        break;
                rec[n] = '\0';
                if (sscanf(rec, "%lu,%lu,%llu", &pri, &seq, &mono) != 3 || !(msg = strchr(rec, ';')))
                        continue;
                msg++;
                nl = strchr(msg, '\n');
                if (nl)
                        *nl = '\0';
                if (want >= 0 && (long) seq != want)
                        continue;
                r = post_record(req, "System", (uint32_t) seq, pri & 7,
                                boot ? boot + (int64_t) mono : 0, "kernel", msg);
                if (want >= 0)
                        break;
        }
        close(fd);
        return r;
}

/* "Nov 22 00:08:01 host ident[pid]: message": the date (this year), the
 * source, and where the message starts. */
static bool parse_line(char *line, int64_t *usec, char **source, char **message)
{
        struct tm tm = { 0 };
        time_t now = time(NULL);
        struct tm today;
        char *p, *colon;

        localtime_r(&now, &today);
        p = strptime(line, "%b %d %H:%M:%S", &tm);
        if (!p)
                return false;
        tm.tm_year = today.tm_year;
        tm.tm_isdst = -1;
        *usec = (int64_t) mktime(&tm) * 1000000;
        while (*p == ' ')
                p++;
        p = strchr(p, ' '); /* past the host name */
        if (!p)
                return false;
        p++;
        colon = strstr(p, ": ");
        if (!colon)
                return false;
        *colon = '\0';
        if (strchr(p, '['))
                *strchr(p, '[') = '\0';
        *source = p;
        *message = colon + 2;
        return true;
}

/* Without a priority in the line, its words decide. */
static unsigned guess_priority(const char *message)
{
        if (strcasestr(message, "error") || strcasestr(message, "fail"))
                return 3;
        if (strcasestr(message, "warn"))
                return 4;
        return 6;
}

static int text_log(owmi_request *req, const char *logfile, const char *const *names, long want)
{
        const char *dir = getenv("OWMI_LOG_DIR");
        char path[PATH_MAX], line[8192];
        uint32_t number = TEXT_RECORD_BASE;
        FILE *f = NULL;
        int r = 0;

        for (size_t i = 0; names[i] && !f; i++) {
                snprintf(path, sizeof(path), "%s/%s", dir && dir[0] ? dir : "/var/log", names[i]);
                f = fopen(path, "re");
        }
        if (!f)
                return 0;
        while (r == 0 && fgets(line, sizeof(line), f)) {
                char *source, *message, *nl = strchr(line, '\n');
                int64_t usec;

                number++;
                if (want >= 0 && (long) number != want)
                        continue;
                if (nl)
                        *nl = '\0';
                if (!parse_line(line, &usec, &source, &message))
                        continue;
                r = post_record(req, logfile, number, guess_priority(message), usec, source,
                                message);
        }
        fclose(f);
        return r;
}

/* ---- the journal ---------------------------------------------------------- */

#define JOURNAL_FIELD_MAX 65536

/* The journal of this machine (or of OWMI_LOG_DIR/journal), positioned
 * before its first entry; NULL when there is none with entries. */
static sd_journal *journal_open(void)
{
        const char *dir = getenv("OWMI_LOG_DIR");
        sd_journal *j = NULL;
        int r;

        if (dir && dir[0]) {
                char path[PATH_MAX];

                snprintf(path, sizeof(path), "%s/journal", dir);
                r = sd_journal_open_directory(&j, path, 0);
        } else {
                r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        }
        if (r < 0)
                return NULL;
        sd_journal_set_data_threshold(j, JOURNAL_FIELD_MAX);
        if (sd_journal_next(j) <= 0) {
                sd_journal_close(j);
                return NULL;
        }
        sd_journal_seek_head(j);
        return j;
}

/* A field of the current entry, NUL-terminated in buf ("" if absent). */
static const char *journal_field(sd_journal *j, const char *field, char *buf, size_t size)
{
        size_t flen = strlen(field), len;
        const void *data;

        buf[0] = '\0';
        if (sd_journal_get_data(j, field, &data, &len) < 0 || len <= flen + 1)
                return buf;
        len -= flen + 1;
        if (len >= size)
                len = size - 1;
        memcpy(buf, (const char *) data + flen + 1, len);
        buf[len] = '\0';
        return buf;
}

/* The entry's sequence number: the "i=" of its cursor (hexadecimal);
 * sd_journal_get_seqnum is newer than Debian 12's libsystemd. */
static bool journal_seqnum(sd_journal *j, uint64_t *ret)
{
        char *cursor = NULL, *at, *end;
        bool ok = false;

        if (sd_journal_get_cursor(j, &cursor) < 0)
                return false;
        at = strstr(cursor, ";i=");
        if (at) {
                errno = 0;
                *ret = strtoull(at + 3, &end, 16);
                ok = errno == 0 && end != at + 3 && (*end == ';' || !*end);
        }
        free(cursor);
        return ok;
}

static bool is_security_facility(const char *facility)
{
        return strcmp(facility, "4") == 0 || strcmp(facility, "10") == 0;
}

/* Post the journal's entries of logfile ("System", "Security" or NULL for
 * both) that the caller may read; want >= 0 posts only that RecordNumber.
 * 1 if want was found. */
static int journal_log(owmi_request *req, sd_journal *j, const char *logfile,
                       const struct log_access *access, long want)
{
        char *message = malloc(JOURNAL_FIELD_MAX);
        char source[256], number[32], facility[16];
        int r = 0, found = 0;

        if (!message)
                return linux_host->error(req, OWMI_E_OUT_OF_MEMORY, "out of memory");
        SD_JOURNAL_FOREACH(j) {
                const char *log;
                uint64_t seqnum = 0, usec = 0;
                unsigned priority;

                if (!journal_seqnum(j, &seqnum))
                        continue;
                if (want >= 0 && (uint32_t) seqnum != (uint32_t) want)
                        continue;
                log = is_security_facility(journal_field(j, "SYSLOG_FACILITY", facility,
                                                         sizeof(facility))) ? "Security" : "System";
                if ((logfile && strcasecmp(log, logfile) != 0) || !may_read(access, log))
                        continue;
                journal_field(j, "PRIORITY", number, sizeof(number));
                priority = number[0] >= '0' && number[0] <= '7' && !number[1] ?
                           (unsigned) (number[0] - '0') : 6;
                if (!journal_field(j, "SYSLOG_IDENTIFIER", source, sizeof(source))[0] &&
                    !journal_field(j, "_COMM", source, sizeof(source))[0])
                        snprintf(source, sizeof(source), "journal");
                journal_field(j, "MESSAGE", message, JOURNAL_FIELD_MAX);
                sd_journal_get_realtime_usec(j, &usec);
                r = post_record(req, log, (uint32_t) seqnum, priority, (int64_t) usec, source,
                                message);
                if (want >= 0) {
                        found = 1;
                        break;
                }
                if (r != 0)
                        break;
        }
        free(message);
        return r < 0 ? r : found;
}

/* ---- text files ------------------------------------------------------------ */

static const char *const system_files[] = { "syslog", "messages", NULL };
static const char *const security_files[] = { "auth.log", "secure", NULL };

static int logevent_enumerate(owmi_request *req, const char *class_name)
{
        struct log_access access = log_access_of(req);
        sd_journal *j;
        int r = 0;

        (void) class_name;
        if (!access.system && !access.security)
                return 0;       /* no log of this machine is the caller's to read */
        j = journal_open();
        if (j) {
                r = journal_log(req, j, NULL, &access, -1);
                sd_journal_close(j);
                return r < 0 ? r : 0;
        }
        if (access.system) {
                r = kernel_log(req, -1);
                if (r == 0)
                        r = text_log(req, "System", system_files, -1);
        }
        if (r == 0 && access.security)
                r = text_log(req, "Security", security_files, -1);
        return r < 0 ? r : 0;
}

static int logevent_get(owmi_request *req, const owmi_instance *keys)
{
        struct log_access access;
        const char *logfile;
        uint64_t number;
        sd_journal *j;

        if (linux_host->get_string(keys, "Logfile", &logfile) < 0 ||
            linux_host->get_uint(keys, "RecordNumber", &number) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH,
                                         "Logfile and RecordNumber are needed");
        access = log_access_of(req);
        if (!may_read(&access, logfile))
                return linux_host->error(req, OWMI_E_ACCESS_DENIED, strcasecmp(logfile, "Security") ?
                                         "the System log is for root and the adm and "
                                         "systemd-journal groups" :
                                         "the Security log needs SeSecurityPrivilege");
        j = journal_open();
        if (j) {
                int r = number <= UINT32_MAX ? journal_log(req, j, logfile, &access, (long) number) :
                                               0;

                sd_journal_close(j);
                return r < 0 ? r : 0;
        }
        if (strcasecmp(logfile, "System") == 0)
                return number < TEXT_RECORD_BASE ? kernel_log(req, (long) number) :
                                                   text_log(req, "System", system_files, (long) number);
        if (strcasecmp(logfile, "Security") == 0)
                return text_log(req, "Security", security_files, (long) number);
        return 0;
}

const struct linux_class linux_logevent_classes[] = {
        { .name = "Win32_NTLogEvent", .enumerate = logevent_enumerate, .get = logevent_get },
        { .name = NULL },
};
