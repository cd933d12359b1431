/* SPDX-License-Identifier: MIT */
/*
 * perf.c: WMI's performance classes for processors and memory.
 *
 * Raw data (Win32_PerfRawData_*) follows WMI's counter semantics: each
 * sample carries Timestamp_Sys100NS (real time, 100-ns units, frequency
 * 10^7), Timestamp_PerfTime (monotonic, ns, frequency 10^9) and
 * Timestamp_Object (ns since boot, frequency 10^9), and rates
 * are the consumer's to compute from two samples.  PercentProcessorTime is
 * an inverse timer (idle time in 100-ns units), as WMI's raw counter is.
 * Formatted data computes percentages over an interval: since the previous
 * formatted query of this process when that was under 10 s ago, otherwise
 * over a 100 ms sample taken now.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "linux.h"

#define MAX_CPUS 1024

struct cpu_times {
        char name[16];          /* "0", "1", ..., "_Total" */
        uint64_t user, nice, system, idle, iowait, irq, softirq;
};

struct cpu_sample {
        struct cpu_times cpus[MAX_CPUS + 1];
        size_t count;
        uint64_t interrupts;
        struct timespec taken;  /* CLOCK_MONOTONIC */
};

/* /proc/stat: cpu lines (in USER_HZ ticks) and the interrupt total. */
static int read_cpus(struct cpu_sample *s)
{
        static char buf[1 << 18];
        char *line, *save = NULL;
        long n = linux_read_file("/proc/stat", buf, sizeof(buf));

        if (n <= 0)
                return n < 0 ? (int) n : -EIO;
        memset(s, 0, sizeof(*s));
        clock_gettime(CLOCK_MONOTONIC, &s->taken);
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct cpu_times t = { 0 };
                char label[16];

                if (strncmp(line, "intr ", 5) == 0) {
                        s->interrupts = strtoull(line + 5, NULL, 10);
                        continue;
                }
                if (strncmp(line, "cpu", 3) != 0 || s->count > MAX_CPUS)
                        continue;
                if (sscanf(line, "%15s %lu %lu %lu %lu %lu %lu %lu", label, &t.user, &t.nice,
                           &t.system, &t.idle, &t.iowait, &t.irq, &t.softirq) < 5)
                        continue;
                snprintf(t.name, sizeof(t.name), "%s", label[3] ? label + 3 : "_Total");
                s->cpus[s->count++] = t;
        }
        return 0;
}

static uint64_t ticks_to_100ns(uint64_t ticks)
{
        static long hz;

        if (!hz)
                hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
        return ticks * (10000000ull / (uint64_t) hz);
}

void linux_perf_timestamps(owmi_instance *inst)
{
        const struct owmi_host *h = linux_host;
        struct timespec rt, mono, boot;

        clock_gettime(CLOCK_REALTIME, &rt);
        clock_gettime(CLOCK_MONOTONIC, &mono);
        clock_gettime(CLOCK_BOOTTIME, &boot);
        /* 100-ns units since 1601, WMI's FILETIME */
        h->set_uint(inst, "Timestamp_Sys100NS",
                    ((uint64_t) rt.tv_sec + 11644473600ull) * 10000000ull + (uint64_t) rt.tv_nsec / 100);
        h->set_uint(inst, "Frequency_Sys100NS", 10000000ull);
        h->set_uint(inst, "Timestamp_PerfTime",
                    (uint64_t) mono.tv_sec * 1000000000ull + (uint64_t) mono.tv_nsec);
        h->set_uint(inst, "Frequency_PerfTime", 1000000000ull);
        /* since boot, counting suspend: the clock of a process's start */
        h->set_uint(inst, "Timestamp_Object",
                    (uint64_t) boot.tv_sec * 1000000000ull + (uint64_t) boot.tv_nsec);
        h->set_uint(inst, "Frequency_Object", 1000000000ull);
}

static int post_raw_cpu(owmi_request *req, const struct cpu_times *t, uint64_t interrupts)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_PerfRawData_PerfOS_Processor");

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a processor counter");
        h->set_string(inst, "Name", t->name);
        linux_perf_timestamps(inst);
        h->set_uint(inst, "PercentProcessorTime", ticks_to_100ns(t->idle + t->iowait));
        h->set_uint(inst, "PercentIdleTime", ticks_to_100ns(t->idle + t->iowait));
        h->set_uint(inst, "PercentUserTime", ticks_to_100ns(t->user + t->nice));
        h->set_uint(inst, "PercentPrivilegedTime", ticks_to_100ns(t->system));
        h->set_uint(inst, "PercentInterruptTime", ticks_to_100ns(t->irq + t->softirq));
        if (strcmp(t->name, "_Total") == 0)
                h->set_uint(inst, "InterruptsPersec", (uint32_t) interrupts);
        return h->post(req, inst);
}

static uint64_t total_ticks(const struct cpu_times *t)
{
        return t->user + t->nice + t->system + t->idle + t->iowait + t->irq + t->softirq;
}

static uint64_t percent(uint64_t part, uint64_t whole)
{
        return whole ? (part * 100 + whole / 2) / whole : 0;
}

static int post_formatted_cpu(owmi_request *req, const struct cpu_times *a, const struct cpu_times *b)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_PerfFormattedData_PerfOS_Processor");
        uint64_t whole = total_ticks(b) - total_ticks(a);
        uint64_t idle = (b->idle + b->iowait) - (a->idle + a->iowait);

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a processor counter");
        h->set_string(inst, "Name", b->name);
        linux_perf_timestamps(inst);
        h->set_uint(inst, "PercentIdleTime", percent(idle, whole));
        h->set_uint(inst, "PercentProcessorTime", whole ? 100 - percent(idle, whole) : 0);
        h->set_uint(inst, "PercentUserTime", percent((b->user + b->nice) - (a->user + a->nice), whole));
        h->set_uint(inst, "PercentPrivilegedTime", percent(b->system - a->system, whole));
        h->set_uint(inst, "PercentInterruptTime",
                    percent((b->irq + b->softirq) - (a->irq + a->softirq), whole));
        return h->post(req, inst);
}

/* The sample formatted data measures from; see the header. */
static pthread_mutex_t previous_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cpu_sample previous, current;

static int processors(owmi_request *req, bool formatted, const char *only)
{
        static struct cpu_sample raw;
        int r = 0;

        if (!formatted) {
                pthread_mutex_lock(&previous_lock);
                r = read_cpus(&raw);
                if (r >= 0) {
                        struct cpu_sample copy = raw;

                        pthread_mutex_unlock(&previous_lock);
                        for (size_t i = 0; i < copy.count && r == 0; i++)
                                if (!only || strcasecmp(only, copy.cpus[i].name) == 0)
                                        r = post_raw_cpu(req, &copy.cpus[i], copy.interrupts);
                        return r < 0 ? r : 0;
                }
                pthread_mutex_unlock(&previous_lock);
                return linux_host->error(req, OWMI_E_FAILED, "cannot read /proc/stat");
        }
        pthread_mutex_lock(&previous_lock);
        r = read_cpus(&current);
        if (r >= 0) {
                double age = (double) (current.taken.tv_sec - previous.taken.tv_sec) +
                             (double) (current.taken.tv_nsec - previous.taken.tv_nsec) / 1e9;

                if (!previous.count || age > 10 || age < 0.05 || previous.count != current.count) {
                        previous = current;
                        usleep(100 * 1000);
                        r = read_cpus(&current);
                }
        }
        if (r >= 0) {
                struct cpu_sample a = previous, b = current;

                previous = current;
                pthread_mutex_unlock(&previous_lock);
                for (size_t i = 0; i < b.count && r == 0; i++)
                        if (!only || strcasecmp(only, b.cpus[i].name) == 0)
                                r = post_formatted_cpu(req, &a.cpus[i], &b.cpus[i]);
                return r < 0 ? r : 0;
        }
        pthread_mutex_unlock(&previous_lock);
        return linux_host->error(req, OWMI_E_FAILED, "cannot read /proc/stat");
}

/* A value of /proc/meminfo in bytes, 0 when absent. */
static uint64_t meminfo(const char *text, const char *key)
{
        const char *p = strstr(text, key);

        return p ? strtoull(p + strlen(key), NULL, 10) * 1024 : 0;
}

static uint64_t vmstat(const char *text, const char *key)
{
        const char *p = strstr(text, key);

        return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static int memory(owmi_request *req, bool formatted)
{
        const struct owmi_host *h = linux_host;
        char mem[8192], vm[16384];
        owmi_instance *inst;
        uint64_t avail;

        if (linux_read_file("/proc/meminfo", mem, sizeof(mem)) <= 0)
                return h->error(req, OWMI_E_FAILED, "cannot read /proc/meminfo");
        inst = h->instance_new(req, formatted ? "Win32_PerfFormattedData_PerfOS_Memory" :
                                                "Win32_PerfRawData_PerfOS_Memory");
        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a memory counter");
        linux_perf_timestamps(inst);
        avail = meminfo(mem, "\nMemAvailable:");
        h->set_uint(inst, "AvailableBytes", avail);
        h->set_uint(inst, "AvailableKBytes", avail / 1024);
        h->set_uint(inst, "AvailableMBytes", avail / (1024 * 1024));
        h->set_uint(inst, "CacheBytes", meminfo(mem, "\nCached:"));
        h->set_uint(inst, "CommitLimit", meminfo(mem, "\nCommitLimit:"));
        h->set_uint(inst, "CommittedBytes", meminfo(mem, "\nCommitted_AS:"));
        if (!formatted) {
                h->set_uint(inst, "PoolNonpagedBytes", meminfo(mem, "\nSUnreclaim:"));
                h->set_uint(inst, "PoolPagedBytes", meminfo(mem, "\nSReclaimable:"));
                if (linux_read_file("/proc/vmstat", vm, sizeof(vm)) > 0) {
                        /* raw counters are cumulative; WMI's are 32-bit here */
                        h->set_uint(inst, "PageFaultsPersec", (uint32_t) vmstat(vm, "\npgfault "));
                        h->set_uint(inst, "PagesPersec",
                                    (uint32_t) (vmstat(vm, "\npswpin ") + vmstat(vm, "\npswpout ")));
                }
        }
        return h->post(req, inst);
}

static bool is_formatted(const char *class_name)
{
        return strncasecmp(class_name, "Win32_PerfFormattedData", 23) == 0;
}

static int perf_enumerate(owmi_request *req, const char *class_name)
{
        if (strcasestr(class_name, "_Memory"))
                return memory(req, is_formatted(class_name));
        return processors(req, is_formatted(class_name), NULL);
}

static int perf_get(owmi_request *req, const owmi_instance *keys)
{
        const char *class_name = linux_host->class_name(keys), *name;

        if (strcasestr(class_name, "_Memory"))
                return memory(req, is_formatted(class_name));
        if (linux_host->get_string(keys, "Name", &name) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "Name is needed");
        return processors(req, is_formatted(class_name), name);
}

const struct linux_class linux_perf_classes[] = {
        { .name = "Win32_PerfRawData_PerfOS_Processor", .enumerate = perf_enumerate, .get = perf_get },
        { .name = "Win32_PerfRawData_PerfOS_Memory", .enumerate = perf_enumerate, .get = perf_get },
        { .name = "Win32_PerfFormattedData_PerfOS_Processor", .enumerate = perf_enumerate,
          .get = perf_get },
        { .name = "Win32_PerfFormattedData_PerfOS_Memory", .enumerate = perf_enumerate,
          .get = perf_get },
        { .name = NULL },
};
