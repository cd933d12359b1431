/* SPDX-License-Identifier: MIT */
/*
 * logevent.c: Win32_NTLogEvent from the logs this machine has.
 *
 * "System" holds the kernel's log, read from /dev/kmsg (its records carry
 * priority, sequence number and a monotonic timestamp; the sequence number
 * is the RecordNumber, and the boot time turns the timestamp into a date),
 * followed by the syslog text file (/var/log/syslog or /var/log/messages),
 * and "Security" the authentication log (/var/log/auth.log or secure),
 * whose records are numbered by line.  OWMI_LOG_DIR names another folder
 * than /var/log (for tests).  Text lines carry no priority: they are
 * "Information" unless their words say error or warning.  The systemd
 * journal is not read yet (no machine this is tested on writes one).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "linux.h"

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

static const char *const system_files[] = { "syslog", "messages", NULL };
static const char *const security_files[] = { "auth.log", "secure", NULL };

static int logevent_enumerate(owmi_request *req, const char *class_name)
{
        int r;

        (void) class_name;
        r = kernel_log(req, -1);
        if (r == 0)
                r = text_log(req, "System", system_files, -1);
        if (r == 0)
                r = text_log(req, "Security", security_files, -1);
        return r < 0 ? r : 0;
}

static int logevent_get(owmi_request *req, const owmi_instance *keys)
{
        const char *logfile;
        uint64_t number;

        if (linux_host->get_string(keys, "Logfile", &logfile) < 0 ||
            linux_host->get_uint(keys, "RecordNumber", &number) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH,
                                         "Logfile and RecordNumber are needed");
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
