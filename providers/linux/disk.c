/* SPDX-License-Identifier: MIT */
/*
 * disk.c: Win32_LogicalDisk and Win32_Volume: the mounted filesystems
 * (research/linux-sources.md, "Win32_LogicalDisk"; the MOF is disk.mof).
 *
 * Which mounts are disks.  /proc/self/mountinfo lists every mount of this
 * process's namespace.  Of several mounts on one path only the last is
 * visible, so only it counts.  Pseudo filesystems (proc, sysfs, cgroup,
 * devpts, devtmpfs...), automount triggers (autofs: what they mount
 * appears as a mount of its own) and anything below /proc or /sys (the
 * tmpfs that holds cgroup hierarchies) are not disks.  A filesystem is
 * one disk however often it is mounted: bind mounts are left out, the
 * mount of its root is kept (else its first mount), as df does; btrfs
 * subvolumes count as filesystems of their own.  DeviceID is the mount
 * point: Linux has no drive letters.
 *
 * Hung mounts.  statvfs on a network or FUSE filesystem whose server is
 * gone can block for minutes (forever on a hard NFS mount), and on an
 * autofs trigger it mounts or blocks.  So: autofs is never shown; local
 * filesystems get statvfs only when a size is asked; network and FUSE
 * filesystems (the "slow" ones) only when a size is asked too, and then in
 * a helper thread the request waits for at most DISK_PROBE_WAIT_MS.  When
 * the thread does not answer in time the sizes stay NULL.  A thread still
 * stuck on a mount point is joined by later requests rather than
 * duplicated, and at most DISK_PROBES_MAX are outstanding: past that, slow
 * sizes are NULL at once.  A stuck thread may outlive the request, even
 * the provider's unloading, so the module pins itself in memory
 * (RTLD_NODELETE) before it starts the first one.
 *
 * Labels and UUIDs come from udev's /dev/disk/by-label and by-uuid links
 * (matched by device number), read only when asked.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "linux.h"

#define DISK_PROBE_WAIT_MS 1000
#define DISK_PROBES_MAX 16
#define DISK_MOUNTINFO_MAX (64u << 20)

/* WMI's DriveType */
enum {
        DRIVE_UNKNOWN = 0,
        DRIVE_REMOVABLE = 2,
        DRIVE_FIXED = 3,
        DRIVE_NETWORK = 4,
        DRIVE_CDROM = 5,
        DRIVE_RAMDISK = 6,
};

/* Not disks: kernel interfaces and automount triggers. */
static const char *const pseudo_types[] = {
        "anon_inodefs", "apparmorfs", "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2",
        "configfs", "cpuset", "debugfs", "devpts", "devtmpfs", "efivarfs", "fuse.gvfsd-fuse",
        "fuse.lxcfs", "fuse.portal", "fusectl", "hugetlbfs", "mqueue", "nfsd", "nsfs", "pipefs",
        "proc", "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "smackfs", "sockfs", "sysfs",
        "tracefs", "xenfs", NULL,
};

/* Filesystems served over a network (FUSE ones are "fuse.<name>"). */
static const char *const network_types[] = {
        "9p", "afs", "beegfs", "ceph", "cifs", "coda", "davfs", "fuse.ceph-fuse", "fuse.gcsfuse",
        "fuse.glusterfs", "fuse.rclone", "fuse.s3fs", "fuse.sshfs", "glusterfs", "gpfs", "lustre",
        "ncpfs", "nfs", "nfs4", "smb3", "smbfs", "virtiofs", NULL,
};

struct disk_mount {
        const char *mount_point;   /* DeviceID */
        const char *root;          /* the part of the filesystem mounted there */
        const char *fstype;
        const char *source;
        const char *options;       /* the mount's own options */
        const char *super_options; /* the filesystem's */
        unsigned major, minor;
        unsigned order;            /* position in mountinfo */
        int drive_type;
        bool slow;                 /* statvfs may hang */
        bool shown;
};

struct disk_table {
        char *text;                /* mountinfo; the strings point into it */
        struct disk_mount *m;
        size_t count;
};

/* ---- small helpers -------------------------------------------------------- */

static bool disk_in_list(const char *const *list, const char *name)
{
        for (size_t i = 0; list[i]; i++)
                if (strcmp(list[i], name) == 0)
                        return true;
        return false;
}

/* Does a comma-separated option list carry option (exactly, or as
 * option=value when prefix is set)? */
static bool disk_has_option(const char *options, const char *option, bool prefix)
{
        size_t len = strlen(option);

        for (const char *p = options; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (strncmp(p, option, len) == 0 &&
                    (p[len] == ',' || p[len] == '\0' || (prefix && p[len] == '=')))
                        return true;
        return false;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void disk_unescape(char *s)
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

static bool disk_below(const char *path, const char *dir)
{
        size_t len = strlen(dir);

        return strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

/* ---- which mounts are disks ------------------------------------------------ */

/* The drive type; whether a block device is removable is read from sysfs
 * only when check_removable (else it counts as fixed). */
static int disk_drive_type(const struct disk_mount *m, bool check_removable)
{
        char path[96], value[8];

        if (disk_in_list(network_types, m->fstype))
                return DRIVE_NETWORK;
        if (strcmp(m->fstype, "iso9660") == 0 || strcmp(m->fstype, "udf") == 0)
                return DRIVE_CDROM;
        if (strcmp(m->fstype, "tmpfs") == 0 || strcmp(m->fstype, "ramfs") == 0)
                return DRIVE_RAMDISK;
        if (m->major == 0 || !check_removable)
                return DRIVE_FIXED; /* overlay, btrfs, zfs, FUSE...: local, no block device */
        /* a partition's removable flag is its disk's */
        snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", m->major, m->minor);
        if (access(path, F_OK) == 0)
                snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../removable", m->major, m->minor);
        else
                snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/removable", m->major, m->minor);
        if (linux_read_file(path, value, sizeof(value)) > 0 && value[0] == '1')
                return DRIVE_REMOVABLE;
        return DRIVE_FIXED;
}

/* One mountinfo line, split in place:
 *   id parent major:minor root mount-point options [optional...] - type source super-options */
static bool disk_parse_line(char *line, struct disk_mount *m)
{
        char *field[32], *save = NULL;
        size_t n = 0, dash = 0;

        for (char *tok = strtok_r(line, " ", &save); tok && n < 32; tok = strtok_r(NULL, " ", &save)) {
                if (!dash && n >= 6 && strcmp(tok, "-") == 0)
                        dash = n;
                field[n++] = tok;
        }
        if (!dash || dash + 2 >= n || sscanf(field[2], "%u:%u", &m->major, &m->minor) != 2)
                return false;
        disk_unescape(field[3]);
        disk_unescape(field[4]);
        disk_unescape(field[dash + 2]);
        m->root = field[3];
        m->mount_point = field[4];
        m->options = field[5];
        m->fstype = field[dash + 1];
        m->source = field[dash + 2];
        m->super_options = dash + 3 < n ? field[dash + 3] : "";
        return true;
}

/* By mount point, then mountinfo order: the last of a run is the visible one. */
static int disk_by_path(const void *a, const void *b)
{
        const struct disk_mount *x = *(const struct disk_mount *const *) a;
        const struct disk_mount *y = *(const struct disk_mount *const *) b;
        int c = strcmp(x->mount_point, y->mount_point);

        return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* One mount per filesystem (device number): the first mount of its root
 * when there is one, else its first mount; a bind mount shows a part of a
 * filesystem, or all of it, again.  btrfs subvolumes are mounted as parts
 * and are filesystems of their own: only the same subvolume twice counts.
 * Mounts before m are decided; those after it not yet. */
static bool disk_duplicate(const struct disk_table *t, const struct disk_mount *m)
{
        bool m_whole = strcmp(m->root, "/") == 0;

        for (size_t i = 0; i < t->count; i++) {
                const struct disk_mount *o = &t->m[i];
                bool o_whole = strcmp(o->root, "/") == 0;

                if (o == m || !o->shown || o->major != m->major || o->minor != m->minor)
                        continue;
                if (strcmp(m->fstype, "btrfs") == 0) {
                        if (strcmp(o->root, m->root) == 0 && o->order < m->order)
                                return true;
                        continue;
                }
                if ((o_whole && !m_whole) || (o_whole == m_whole && o->order < m->order))
                        return true;
        }
        return false;
}

static void disk_table_release(struct disk_table *t)
{
        free(t->text);
        free(t->m);
        memset(t, 0, sizeof(*t));
}

/* The mounts of this namespace, each marked shown when it is a disk. */
static int disk_table_read(struct disk_table *t, bool check_removable)
{
        struct disk_mount **sorted;
        size_t lines = 0;

        memset(t, 0, sizeof(*t));
        t->text = linux_read_alloc("/proc/self/mountinfo", DISK_MOUNTINFO_MAX);
        if (!t->text)
                return errno ? -errno : -EIO;
        for (const char *p = t->text; *p; p++)
                lines += *p == '\n';
        t->m = calloc(lines + 1, sizeof(*t->m));
        sorted = calloc(lines + 1, sizeof(*sorted));
        if (!t->m || !sorted) {
                free(sorted);
                disk_table_release(t);
                return -ENOMEM;
        }
        for (char *line = t->text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (t->count <= lines && disk_parse_line(line, &t->m[t->count])) {
                        t->m[t->count].order = (unsigned) t->count;
                        sorted[t->count] = &t->m[t->count];
                        t->count++;
                }
        }
        qsort(sorted, t->count, sizeof(*sorted), disk_by_path);
        for (size_t i = 0; i < t->count; i++) {
                struct disk_mount *m = sorted[i];

                m->shown = (i + 1 == t->count || strcmp(m->mount_point, sorted[i + 1]->mount_point) != 0) &&
                           !disk_in_list(pseudo_types, m->fstype) && !disk_below(m->mount_point, "/proc") &&
                           !disk_below(m->mount_point, "/sys");
        }
        free(sorted);
        /* in mountinfo order: disk_duplicate relies on the earlier ones being decided */
        for (size_t i = 0; i < t->count; i++) {
                struct disk_mount *m = &t->m[i];

                if (!m->shown)
                        continue;
                if (disk_duplicate(t, m)) {
                        m->shown = false;
                        continue;
                }
                m->drive_type = disk_drive_type(m, check_removable);
                m->slow = m->drive_type == DRIVE_NETWORK || strncmp(m->fstype, "fuse", 4) == 0;
        }
        return 0;
}

/* ---- statvfs, guarded for slow mounts ------------------------------------ */

struct disk_probe {
        char path[PATH_MAX];
        struct statvfs st;
        int result;                /* 0, a negative errno, or 1 while running */
        unsigned refs;             /* the thread and each waiter */
        pthread_cond_t done;
};

static pthread_mutex_t probes_lock = PTHREAD_MUTEX_INITIALIZER;
static struct disk_probe *probes[DISK_PROBES_MAX];   /* running, by anyone */

static void disk_pin(void)
{
        Dl_info info;

        /* a stuck probe thread returns into this module's code, whenever
         * that is: dlclose must never unmap it */
        if (dladdr((void *) disk_pin, &info) && info.dli_fname &&
            !dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE))
                linux_host->log(OWMI_LOG_WARNING, "cannot pin %s in memory", info.dli_fname);
}

/* Called with probes_lock held. */
static void disk_probe_unref(struct disk_probe *p)
{
        if (--p->refs > 0)
                return;
        pthread_cond_destroy(&p->done);
        free(p);
}

static void *disk_probe_run(void *arg)
{
        struct disk_probe *p = arg;
        struct statvfs st;
        int r;

        memset(&st, 0, sizeof(st));
        r = statvfs(p->path, &st) < 0 ? -errno : 0;

        pthread_mutex_lock(&probes_lock);
        p->st = st;
        p->result = r;
        for (size_t i = 0; i < DISK_PROBES_MAX; i++)
                if (probes[i] == p)
                        probes[i] = NULL;
        pthread_cond_broadcast(&p->done);
        disk_probe_unref(p);
        pthread_mutex_unlock(&probes_lock);
        return NULL;
}

/* Start a probe of path (probes_lock held); NULL if none can be started. */
static struct disk_probe *disk_probe_start(const char *path)
{
        static pthread_once_t pinned = PTHREAD_ONCE_INIT;
        struct disk_probe *p;
        pthread_condattr_t cattr;
        pthread_attr_t attr;
        pthread_t thread;
        size_t slot = DISK_PROBES_MAX;

        for (size_t i = 0; i < DISK_PROBES_MAX && slot == DISK_PROBES_MAX; i++)
                if (!probes[i])
                        slot = i;
        if (slot == DISK_PROBES_MAX || strlen(path) >= sizeof(p->path))
                return NULL; /* too many hung mounts already: do not add threads */
        p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        snprintf(p->path, sizeof(p->path), "%s", path);
        p->result = 1;
        p->refs = 1; /* the thread's */
        pthread_condattr_init(&cattr);
        pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
        pthread_cond_init(&p->done, &cattr);
        pthread_condattr_destroy(&cattr);
        pthread_once(&pinned, disk_pin);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 64 * 1024);
        if (pthread_create(&thread, &attr, disk_probe_run, p) != 0) {
                pthread_attr_destroy(&attr);
                pthread_cond_destroy(&p->done);
                free(p);
                return NULL;
        }
        pthread_attr_destroy(&attr);
        probes[slot] = p;
        return p;
}

/* statvfs of a mount that may hang: at most DISK_PROBE_WAIT_MS, -ETIMEDOUT
 * past that, -EBUSY when too many probes are stuck already. */
static int disk_statvfs_guarded(const char *path, struct statvfs *ret)
{
        struct disk_probe *p = NULL;
        struct timespec deadline;
        int r = 0;

        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += DISK_PROBE_WAIT_MS / 1000;
        deadline.tv_nsec += (DISK_PROBE_WAIT_MS % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&probes_lock);
        for (size_t i = 0; i < DISK_PROBES_MAX && !p; i++)
                if (probes[i] && strcmp(probes[i]->path, path) == 0)
                        p = probes[i]; /* still stuck, or being asked by another request */
        if (!p)
                p = disk_probe_start(path);
        if (!p) {
                pthread_mutex_unlock(&probes_lock);
                return -EBUSY;
        }
        p->refs++;
        while (p->result == 1 && r != ETIMEDOUT)
                r = pthread_cond_timedwait(&p->done, &probes_lock, &deadline);
        r = p->result == 1 ? -ETIMEDOUT : p->result;
        if (r == 0)
                *ret = p->st;
        disk_probe_unref(p);
        pthread_mutex_unlock(&probes_lock);
        return r;
}

static int disk_statvfs(const struct disk_mount *m, struct statvfs *ret)
{
        int r;

        if (!m->slow)
                return statvfs(m->mount_point, ret) < 0 ? -errno : 0;
        r = disk_statvfs_guarded(m->mount_point, ret);
        if (r == -ETIMEDOUT || r == -EBUSY)
                linux_host->log(OWMI_LOG_WARNING, "'%s' (%s) does not answer: its size is left NULL",
                                m->mount_point, m->fstype);
        return r;
}

/* ---- labels and UUIDs from udev's links ---------------------------------- */

struct disk_name {
        dev_t dev;
        char name[256];
};

struct disk_names {
        struct disk_name *items;
        size_t count;
};

/* udev writes unsafe characters of a label as \xHH. */
static void disk_unhex(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++) {
                unsigned v;

                if (r[0] == '\\' && r[1] == 'x' && sscanf(r + 2, "%2x", &v) == 1 && r[2] && r[3]) {
                        *w++ = (char) v;
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

static void disk_names_read(const char *dir, struct disk_names *ret)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t alloc = 0;

        memset(ret, 0, sizeof(*ret));
        while (d && (de = readdir(d))) {
                struct stat st;

                if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
                    !S_ISBLK(st.st_mode))
                        continue;
                if (ret->count == alloc) {
                        size_t n = alloc ? alloc * 2 : 16;
                        struct disk_name *bigger = realloc(ret->items, n * sizeof(*bigger));

                        if (!bigger)
                                break;
                        ret->items = bigger;
                        alloc = n;
                }
                ret->items[ret->count].dev = st.st_rdev;
                snprintf(ret->items[ret->count].name, sizeof(ret->items[0].name), "%s", de->d_name);
                disk_unhex(ret->items[ret->count].name);
                ret->count++;
        }
        if (d)
                closedir(d);
}

/* The block device a mount lives on; false if it has none. */
static bool disk_device(const struct disk_mount *m, dev_t *ret)
{
        struct stat st;

        if (m->major != 0) {
                *ret = makedev(m->major, m->minor);
                return true;
        }
        /* btrfs and the like report an anonymous number; their source names
         * the device (/dev is devtmpfs: stat there cannot hang) */
        if (strncmp(m->source, "/dev/", 5) == 0 && stat(m->source, &st) == 0 && S_ISBLK(st.st_mode)) {
                *ret = st.st_rdev;
                return true;
        }
        return false;
}

static const char *disk_name_of(const struct disk_names *names, const struct disk_mount *m)
{
        dev_t dev;

        if (!names->items || !disk_device(m, &dev))
                return NULL;
        for (size_t i = 0; i < names->count; i++)
                if (names->items[i].dev == dev)
                        return names->items[i].name;
        return NULL;
}

/* ---- instances ------------------------------------------------------------ */

/* What one request needs beyond mountinfo, read once for all its disks. */
struct disk_request {
        owmi_request *req;
        bool sizes;
        struct disk_names labels, uuids;
};

static void disk_request_init(struct disk_request *dr, owmi_request *req, const char *const *size_props,
                              const char *label_prop, const char *uuid_prop)
{
        memset(dr, 0, sizeof(*dr));
        dr->req = req;
        for (size_t i = 0; size_props[i] && !dr->sizes; i++)
                dr->sizes = linux_wants(req, size_props[i]);
        if (label_prop && linux_wants(req, label_prop))
                disk_names_read("/dev/disk/by-label", &dr->labels);
        if (uuid_prop && linux_wants(req, uuid_prop))
                disk_names_read("/dev/disk/by-uuid", &dr->uuids);
}

static void disk_request_release(struct disk_request *dr)
{
        free(dr->labels.items);
        free(dr->uuids.items);
}

static const char *disk_description(int drive_type)
{
        switch (drive_type) {
        case DRIVE_REMOVABLE:
                return "Removable Disk";
        case DRIVE_FIXED:
                return "Local Fixed Disk";
        case DRIVE_NETWORK:
                return "Network Connection";
        case DRIVE_CDROM:
                return "CD-ROM Disc";
        case DRIVE_RAMDISK:
                return "RAM Disk";
        default:
                return NULL;
        }
}

static bool disk_quotas(const struct disk_mount *m)
{
        static const char *const options[] = { "quota", "usrquota", "grpquota", "prjquota",
                                                "usrjquota", "grpjquota", NULL };

        for (size_t i = 0; options[i]; i++)
                if (disk_has_option(m->super_options, options[i], true) ||
                    disk_has_option(m->options, options[i], true))
                        return true;
        return false;
}

static bool disk_read_only(const struct disk_mount *m)
{
        return disk_has_option(m->options, "ro", false) || disk_has_option(m->super_options, "ro", false);
}

/* Properties both classes have, under the same names. */
static int disk_fill_common(const struct owmi_host *h, owmi_instance *inst, const struct disk_mount *m)
{
        int failed = 0;

        failed += h->set_string(inst, "DeviceID", m->mount_point) < 0;
        failed += h->set_string(inst, "Name", m->mount_point) < 0;
        failed += h->set_string(inst, "Caption", m->mount_point) < 0;
        failed += h->set_string(inst, "Description", disk_description(m->drive_type)) < 0;
        failed += h->set_uint(inst, "DriveType", (uint64_t) m->drive_type) < 0;
        failed += h->set_string(inst, "FileSystem", m->fstype) < 0;
        failed += h->set_string(inst, "MountSource", m->source) < 0;
        failed += h->set_uint(inst, "Access", disk_read_only(m) ? 1 : 3) < 0;
        failed += h->set_bool(inst, "SupportsDiskQuotas", disk_quotas(m)) < 0;
        failed += h->set_string(inst, "SystemName", linux_host_name()) < 0;
        failed += h->set_string(inst, "SystemCreationClassName", "Win32_ComputerSystem") < 0;
        failed += h->set_string(inst, "Status", "OK") < 0;
        return failed;
}

static int disk_post_logical(struct disk_request *dr, const struct disk_mount *m)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(dr->req, "Win32_LogicalDisk");
        struct statvfs st;
        int failed;

        if (!inst)
                return h->error(dr->req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_LogicalDisk");
        failed = disk_fill_common(h, inst, m);
        failed += h->set_string(inst, "CreationClassName", "Win32_LogicalDisk") < 0;
        failed += h->set_bool(inst, "QuotasDisabled", !disk_quotas(m)) < 0;
        if (m->drive_type == DRIVE_NETWORK)
                failed += h->set_string(inst, "ProviderName", m->source) < 0;
        /* WMI's MediaType: 12 fixed hard disk, 11 removable media */
        if (m->drive_type == DRIVE_FIXED)
                failed += h->set_uint(inst, "MediaType", 12) < 0;
        else if (m->drive_type == DRIVE_REMOVABLE || m->drive_type == DRIVE_CDROM)
                failed += h->set_uint(inst, "MediaType", 11) < 0;
        failed += h->set_string(inst, "VolumeName", disk_name_of(&dr->labels, m)) < 0;
        failed += h->set_string(inst, "VolumeSerialNumber", disk_name_of(&dr->uuids, m)) < 0;
        if (dr->sizes && disk_statvfs(m, &st) == 0) {
                failed += h->set_uint(inst, "Size", (uint64_t) st.f_blocks * st.f_frsize) < 0;
                failed += h->set_uint(inst, "FreeSpace", (uint64_t) st.f_bavail * st.f_frsize) < 0;
                failed += h->set_uint(inst, "BlockSize", st.f_frsize) < 0;
                failed += h->set_uint(inst, "NumberOfBlocks", st.f_blocks) < 0;
                failed += h->set_uint(inst, "MaximumComponentLength", st.f_namemax) < 0;
        }
        if (failed) {
                h->instance_free(inst);
                return h->error(dr->req, OWMI_E_FAILED, "cannot fill Win32_LogicalDisk '%s'",
                                m->mount_point);
        }
        return h->post(dr->req, inst);
}

static int disk_post_volume(struct disk_request *dr, const struct disk_mount *m)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(dr->req, "Win32_Volume");
        struct statvfs st;
        int failed;

        if (!inst)
                return h->error(dr->req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_Volume");
        failed = disk_fill_common(h, inst, m);
        failed += h->set_string(inst, "CreationClassName", "Win32_Volume") < 0;
        failed += h->set_bool(inst, "QuotasEnabled", disk_quotas(m)) < 0;
        failed += h->set_bool(inst, "BootVolume", strcmp(m->mount_point, "/") == 0) < 0;
        failed += h->set_string(inst, "Label", disk_name_of(&dr->labels, m)) < 0;
        if (dr->sizes && disk_statvfs(m, &st) == 0) {
                failed += h->set_uint(inst, "Capacity", (uint64_t) st.f_blocks * st.f_frsize) < 0;
                failed += h->set_uint(inst, "FreeSpace", (uint64_t) st.f_bavail * st.f_frsize) < 0;
                failed += h->set_uint(inst, "BlockSize", st.f_frsize) < 0;
                failed += h->set_uint(inst, "NumberOfBlocks", st.f_blocks) < 0;
                failed += h->set_uint(inst, "MaximumFileNameLength", st.f_namemax) < 0;
        }
        if (failed) {
                h->instance_free(inst);
                return h->error(dr->req, OWMI_E_FAILED, "cannot fill Win32_Volume '%s'", m->mount_point);
        }
        return h->post(dr->req, inst);
}

static const char *const logical_size_props[] = { "Size", "FreeSpace", "BlockSize", "NumberOfBlocks",
                                                  "MaximumComponentLength", NULL };
static const char *const volume_size_props[] = { "Capacity", "FreeSpace", "BlockSize", "NumberOfBlocks",
                                                 "MaximumFileNameLength", NULL };

/* Every disk of the class, or only the one mounted on device_id. */
static int disk_list(owmi_request *req, bool volume, const char *device_id)
{
        struct disk_request dr;
        struct disk_table t;
        bool found = false;
        int r = disk_table_read(&t, linux_wants(req, "DriveType") || linux_wants(req, "Description") ||
                                    linux_wants(req, "MediaType"));

        if (r < 0)
                return linux_host->error(req, r == -ENOMEM ? OWMI_E_OUT_OF_MEMORY : OWMI_E_FAILED,
                                         "cannot read /proc/self/mountinfo: %s", strerror(-r));
        if (volume)
                disk_request_init(&dr, req, volume_size_props, "Label", NULL);
        else
                disk_request_init(&dr, req, logical_size_props, "VolumeName", "VolumeSerialNumber");
        for (size_t i = 0; i < t.count && r == 0; i++) {
                const struct disk_mount *m = &t.m[i];

                /* network drives are logical disks, not volumes, as in WMI */
                if (!m->shown || (volume && m->drive_type == DRIVE_NETWORK) ||
                    (device_id && strcmp(device_id, m->mount_point) != 0))
                        continue;
                found = true;
                r = volume ? disk_post_volume(&dr, m) : disk_post_logical(&dr, m);
        }
        disk_request_release(&dr);
        disk_table_release(&t);
        if (r == 0 && device_id && !found)
                r = linux_host->error(req, OWMI_E_NOT_FOUND, "nothing that is a disk is mounted on '%s'",
                                      device_id);
        return r < 0 ? r : 0;
}

static int disk_enumerate(owmi_request *req, const char *class_name)
{
        return disk_list(req, strcasecmp(class_name, "Win32_Volume") == 0, NULL);
}

static int disk_get(owmi_request *req, const owmi_instance *keys)
{
        const char *id;

        if (linux_host->get_string(keys, "DeviceID", &id) < 0)
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "DeviceID is required");
        return disk_list(req, strcasecmp(linux_host->class_name(keys), "Win32_Volume") == 0, id);
}

const struct linux_class linux_disk_classes[] = {
        { .name = "Win32_LogicalDisk", .enumerate = disk_enumerate, .get = disk_get },
        { .name = "Win32_Volume", .enumerate = disk_enumerate, .get = disk_get },
        { .name = NULL },
};
