/* SPDX-License-Identifier: MIT */
/*
 * test-linux-system.c: the machine as the Linux provider shows it
 * (providers/linux/system.c, disk.c, account.c), through the object
 * manager on a fresh repository, each answer compared with the truth read
 * here independently: /etc/os-release, /proc/meminfo, /proc, statvfs,
 * sysconf, getpwnam.  As root it also makes what it checks: a user and
 * groups (useradd, groupadd, gpasswd), a tmpfs, and a FUSE filesystem
 * whose server never answers (a hung mount), all removed at the end; in a
 * mount namespace of its own when it can have one, so no other process
 * sees the mounts.  Without root those tests are skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/util.h"
#include "cimom/cimom.h"
#include "test-util.h"
#include "test-cimom-util.h"

static struct cimom *cimom;
static struct cimom_ns *ns;
static char host[256];

/* ---- helpers ------------------------------------------------------------- */

struct rows {
        struct cim_object **obj;
        size_t count, alloc;
};

static int keep(struct cim_object *obj, void *userdata)
{
        struct rows *r = userdata;

        if (r->count == r->alloc) {
                size_t n = r->alloc ? r->alloc * 2 : 16;
                struct cim_object **bigger = realloc(r->obj, n * sizeof(*bigger));

                if (!bigger) {
                        cim_object_free(obj);
                        return 1;
                }
                r->obj = bigger;
                r->alloc = n;
        }
        r->obj[r->count++] = obj;
        return 0;
}

static void rows_free(struct rows *r)
{
        for (size_t i = 0; i < r->count; i++)
                cim_object_free(r->obj[i]);
        free(r->obj);
        memset(r, 0, sizeof(*r));
}

static void query_as(struct cimom_ns *h, const char *wql, struct rows *r)
{
        struct owmi_error err = { 0 };

        rows_free(r);
        if (cimom_exec_query(h, "WQL", wql, keep, r, &err) < 0)
                fail_msg("%s: 0x%08x %s", wql, err.code, err.message);
}

static void query(const char *wql, struct rows *r)
{
        query_as(ns, wql, r);
}

static const struct cim_property *prop(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = cim_object_find_property(obj, name);

        if (!p)
                fail_msg("%s has no property %s", obj->class_name, name);
        return p;
}

static bool is_null(const struct cim_object *obj, const char *name)
{
        return prop(obj, name)->value.is_null;
}

static const char *str(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = prop(obj, name);

        return p->value.is_null ? NULL : p->value.v.string;
}

static uint64_t u64(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = prop(obj, name);

        if (p->value.is_null)
                fail_msg("%s.%s is NULL", obj->class_name, name);
        return p->value.v.u64;
}

static bool boolean(const struct cim_object *obj, const char *name)
{
        const struct cim_property *p = prop(obj, name);

        if (p->value.is_null)
                fail_msg("%s.%s is NULL", obj->class_name, name);
        return p->value.v.boolean;
}

/* The row whose string property name is value, or NULL. */
static const struct cim_object *row_with(const struct rows *r, const char *name, const char *value)
{
        for (size_t i = 0; i < r->count; i++) {
                const struct cim_property *p = cim_object_find_property(r->obj[i], name);

                if (p && !p->value.is_null && strcmp(p->value.v.string, value) == 0)
                        return r->obj[i];
        }
        return NULL;
}

__attribute__((format(printf, 1, 2)))
static int run(const char *fmt, ...)
{
        char cmd[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        return system(cmd);
}

static bool within(double value, double truth, double fraction, double slack)
{
        double margin = truth * fraction + slack;

        return value >= truth - margin && value <= truth + margin;
}

/* ---- the truth, read here and not by the provider's code -------------- */

static void truth_pretty_name(char *out, size_t size)
{
        FILE *f = fopen("/etc/os-release", "r");
        char line[512];

        if (!f)
                f = fopen("/usr/lib/os-release", "r");
        snprintf(out, size, "Linux"); /* os-release(5)'s default */
        while (f && fgets(line, sizeof(line), f)) {
                char *v;
                size_t len;

                if (strncmp(line, "PRETTY_NAME=", 12) != 0)
                        continue;
                v = line + 12;
                len = strcspn(v, "\n");
                if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
                        v++;
                        len -= 2;
                }
                snprintf(out, size, "%.*s", (int) len, v);
        }
        if (f)
                fclose(f);
}

static uint64_t truth_mem_total_kb(void)
{
        FILE *f = fopen("/proc/meminfo", "r");
        unsigned long long kb = 0;

        assert_non_null(f);
        assert_int_equal(fscanf(f, "MemTotal: %llu kB", &kb), 1);
        fclose(f);
        return kb;
}

static unsigned truth_processes(void)
{
        DIR *d = opendir("/proc");
        struct dirent *de;
        unsigned n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                n += de->d_name[0] >= '1' && de->d_name[0] <= '9';
        closedir(d);
        return n;
}

static unsigned threads_of_this_process(void)
{
        DIR *d = opendir("/proc/self/task");
        struct dirent *de;
        unsigned n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        closedir(d);
        return n;
}

/* ---- setup --------------------------------------------------------------- */

static int setup(void **state)
{
        if (test_dir_setup(state) < 0 || gethostname(host, sizeof(host) - 1) < 0)
                return -1;
        /* the Linux modules' MOFs are compiled into every new repository */
        if (test_open_cimv2("system", &cimom, &ns) < 0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        cimom_ns_close(ns);
        cimom_free(cimom);
        return test_dir_teardown(state);
}

/* ---- Win32_OperatingSystem ------------------------------------------------ */

/* wmi.Win32_OperatingSystem(): one instance that says what this system is. */
static void test_operating_system(void **state)
{
        struct rows r = { 0 };
        struct cim_object *got = NULL;
        struct owmi_error err = { 0 };
        char pretty[256], path[1024];
        unsigned before, after;
        struct utsname uts;
        uint64_t total = truth_mem_total_kb();

        truth_pretty_name(pretty, sizeof(pretty));
        assert_int_equal(uname(&uts), 0);
        before = truth_processes();
        query("SELECT * FROM Win32_OperatingSystem", &r);
        after = truth_processes();
        assert_int_equal(r.count, 1);
        assert_string_equal(str(r.obj[0], "Caption"), pretty);
        assert_string_equal(str(r.obj[0], "CSName"), host);
        assert_string_equal(str(r.obj[0], "Version"), uts.release);
        assert_int_equal(u64(r.obj[0], "OSType"), 36);
        assert_true(boolean(r.obj[0], "Primary"));
        assert_true(within((double) u64(r.obj[0], "TotalVisibleMemorySize"), (double) total, 0.01, 0));
        assert_true(u64(r.obj[0], "FreePhysicalMemory") <= u64(r.obj[0], "TotalVisibleMemorySize"));
        /* other processes come and go while we count: a margin */
        {
                unsigned low = before < after ? before : after, high = before < after ? after : before;
                uint64_t n = u64(r.obj[0], "NumberOfProcesses");

                if (!within((double) n, (low + high) / 2.0, 0.1, (high - low) / 2.0 + 10))
                        fail_msg("NumberOfProcesses %llu, /proc counted %u then %u",
                                 (unsigned long long) n, before, after);
        }
        assert_false(is_null(r.obj[0], "LastBootUpTime"));
        assert_false(is_null(r.obj[0], "LocalDateTime"));
        assert_true(is_null(r.obj[0], "SerialNumber")); /* machine-id is confidential */
        assert_non_null(strstr(str(r.obj[0], "Name"), pretty));

        /* the key it gave leads back to it */
        snprintf(path, sizeof(path), "Win32_OperatingSystem.Name=\"%s\"", str(r.obj[0], "Name"));
        assert_int_equal(cimom_get_object(ns, path, &got, &err), 0);
        assert_string_equal(str(got, "Caption"), pretty);
        cim_object_free(got);
        assert_true(cimom_get_object(ns, "Win32_OperatingSystem.Name=\"Windows 95\"", &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);

        /* a select list: what it names, and the key */
        query("SELECT Caption FROM Win32_OperatingSystem", &r);
        assert_int_equal(r.count, 1);
        assert_string_equal(str(r.obj[0], "Caption"), pretty);
        rows_free(&r);
}

/* Reboot and shutdown need SeShutdownPrivilege, enabled and held
 * (CAP_SYS_BOOT): any other caller is refused before anything happens.
 * (Never with both: that would restart the machine.) */
static void test_shutdown_refused(void **state)
{
        static const char *const methods[] = { "Reboot", "Shutdown", "Win32Shutdown", NULL };
        struct cimom_caller nobody = { .uid = 65534, .gid = 65534, .user = "nobody",
                                       .privileges = (owmi_privileges) 1 << 18 };
        struct cimom_caller root_not_asking;
        struct cimom_ns *as_nobody = NULL;
        struct cim_object *out = NULL;
        struct owmi_error err = { 0 };
        struct rows r = { 0 };
        char path[1024];

        query("SELECT Name FROM Win32_OperatingSystem", &r);
        assert_int_equal(r.count, 1);
        snprintf(path, sizeof(path), "Win32_OperatingSystem.Name=\"%s\"", str(r.obj[0], "Name"));
        rows_free(&r);
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &nobody, &as_nobody, &err), 0);
        assert_int_not_equal(nobody.uid, 0);
        for (size_t i = 0; methods[i]; i++) {
                assert_true(cimom_exec_method(as_nobody, path, methods[i], NULL, &out, &err) < 0);
                assert_int_equal(err.code, OWMI_E_PRIVILEGE_NOT_HELD);
                assert_null(out);
        }
        cimom_ns_close(as_nobody);
        /* this process's own capabilities (perhaps root's), the privilege
         * not enabled: refused all the same */
        cimom_caller_self(&root_not_asking);
        assert_int_equal(root_not_asking.privileges, 0);
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &root_not_asking, &as_nobody,
                                              &err), 0);
        for (size_t i = 0; methods[i]; i++) {
                assert_true(cimom_exec_method(as_nobody, path, methods[i], NULL, &out, &err) < 0);
                assert_int_equal(err.code, OWMI_E_PRIVILEGE_NOT_HELD);
                assert_non_null(strstr(err.message, "enable"));
        }
        cimom_ns_close(as_nobody);
}

/* ---- Win32_ComputerSystem and Win32_Processor ---------------------------- */

static void test_computer_system(void **state)
{
        struct rows r = { 0 };
        struct cim_object *got = NULL;
        struct owmi_error err = { 0 };
        char path[512];
        long online = sysconf(_SC_NPROCESSORS_ONLN);

        /* the tutorial's c.Win32_ComputerSystem()[0].Name */
        query("SELECT Name FROM Win32_ComputerSystem", &r);
        assert_int_equal(r.count, 1);
        assert_string_equal(str(r.obj[0], "Name"), host);
        query("SELECT * FROM Win32_ComputerSystem", &r);
        assert_int_equal(r.count, 1);
        assert_true(within((double) u64(r.obj[0], "TotalPhysicalMemory"),
                           (double) truth_mem_total_kb() * 1024, 0.01, 0));
        assert_int_equal(u64(r.obj[0], "NumberOfLogicalProcessors"), online);
        assert_true(u64(r.obj[0], "NumberOfProcessors") >= 1);
        assert_non_null(str(r.obj[0], "Domain"));
        rows_free(&r);

        snprintf(path, sizeof(path), "Win32_ComputerSystem.Name=\"%s\"", host);
        assert_int_equal(cimom_get_object(ns, path, &got, &err), 0);
        assert_string_equal(str(got, "Name"), host);
        cim_object_free(got);
        assert_true(cimom_get_object(ns, "Win32_ComputerSystem.Name=\"not-this-one\"", &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

static void test_processor(void **state)
{
        struct rows r = { 0 };
        struct cim_object *got = NULL;
        struct owmi_error err = { 0 };
        uint64_t logical = 0;
        char model[256] = "", line[512];
        FILE *f = fopen("/proc/cpuinfo", "r");

        while (f && fgets(line, sizeof(line), f) && !model[0]) {
                char *colon = strchr(line, ':');

                if (strncmp(line, "model name", 10) == 0 && colon)
                        snprintf(model, sizeof(model), "%.*s", (int) strcspn(colon + 2, "\n"), colon + 2);
        }
        if (f)
                fclose(f);
        query("SELECT * FROM Win32_Processor", &r);
        assert_true(r.count >= 1);
        assert_non_null(row_with(&r, "DeviceID", "CPU0"));
        for (size_t i = 0; i < r.count; i++) {
                logical += u64(r.obj[i], "NumberOfLogicalProcessors");
                assert_true(u64(r.obj[i], "NumberOfCores") >= 1);
                assert_true(u64(r.obj[i], "NumberOfCores") <= u64(r.obj[i], "NumberOfLogicalProcessors"));
                if (model[0])
                        assert_string_equal(str(r.obj[i], "Name"), model);
        }
        /* every online CPU is in one package */
        assert_int_equal(logical, sysconf(_SC_NPROCESSORS_ONLN));
        /* load only when asked: two samples of /proc/stat */
        query("SELECT DeviceID, LoadPercentage FROM Win32_Processor", &r);
        assert_true(u64(r.obj[0], "LoadPercentage") <= 100);
        rows_free(&r);
        assert_int_equal(cimom_get_object(ns, "Win32_Processor.DeviceID=\"CPU0\"", &got, &err), 0);
        cim_object_free(got);
        assert_true(cimom_get_object(ns, "Win32_Processor.DeviceID=\"CPU4096\"", &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

/* /etc/environment's variables are the "<SYSTEM>" ones. */
static void test_environment(void **state)
{
        struct rows r = { 0 };
        size_t system_vars = 0, expected = 0;
        FILE *f = fopen("/etc/environment", "r");
        char line[4096];

        /* assignments, simply counted: the file is KEY=VALUE lines */
        while (f && fgets(line, sizeof(line), f)) {
                char *p = line;

                while (*p == ' ' || *p == '\t')
                        p++;
                if (strncmp(p, "export ", 7) == 0)
                        p += 7;
                if (*p != '#' && *p != '=' && strchr(p, '=') &&
                    p[strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")] == '=')
                        expected++;
        }
        if (f)
                fclose(f);
        query("SELECT * FROM Win32_Environment", &r);
        for (size_t i = 0; i < r.count; i++) {
                if (strcmp(str(r.obj[i], "UserName"), "<SYSTEM>") == 0) {
                        system_vars++;
                        assert_true(boolean(r.obj[i], "SystemVariable"));
                }
        }
        rows_free(&r);
        assert_int_equal(system_vars, expected);
}

/* ---- accounts (root) -------------------------------------------------------- */

static char user[32], group[32];

static int accounts_setup(void **state)
{
        (void) state;
        snprintf(user, sizeof(user), "owmisys%u", (unsigned) getpid() % 100000);
        snprintf(group, sizeof(group), "owmigrp%u", (unsigned) getpid() % 100000);
        return 0;
}

static int accounts_teardown(void **state)
{
        (void) state;
        if (geteuid() == 0) {
                run("userdel -r %s >/dev/null 2>&1", user);
                run("groupdel %s >/dev/null 2>&1", group);
                run("groupdel %s >/dev/null 2>&1", user);
        }
        return 0;
}

static void names_of(const struct rows *r, const char *cls, char *out, size_t size)
{
        size_t n = 0;

        out[0] = '\0';
        for (size_t i = 0; i < r->count; i++)
                if (strcasecmp(r->obj[i]->class_name, cls) == 0 && n < size)
                        n += (size_t) snprintf(out + n, size - n, " %s", str(r->obj[i], "Name"));
}

/* A user, its groups and who belongs where, made with the system's tools. */
static void test_accounts(void **state)
{
        struct rows r = { 0 };
        struct cim_object *got = NULL;
        struct owmi_error err = { 0 };
        struct passwd *pw;
        struct group *gr;
        char path[1536], wql[768], sid[64], list[512];
        uid_t uid;
        gid_t gid, primary;

        if (geteuid() != 0) {
                print_message("not root: no test account can be made, skipped\n");
                skip();
        }
        if (run("groupadd %s", group) != 0 ||
            run("useradd -m -U -s /bin/sh -c 'OpenWMI Test,Room 1' %s", user) != 0 ||
            run("gpasswd -a %s %s >/dev/null", user, group) != 0)
                fail_msg("cannot make the test user and group");
        pw = getpwnam(user);
        assert_non_null(pw);
        uid = pw->pw_uid;
        primary = pw->pw_gid;
        gr = getgrnam(group);
        assert_non_null(gr);
        gid = gr->gr_gid;

        /* the user, by key, against getpwnam */
        snprintf(path, sizeof(path), "Win32_UserAccount.Domain=\"%s\",Name=\"%s\"", host, user);
        assert_int_equal(cimom_get_object(ns, path, &got, &err), 0);
        assert_int_equal(u64(got, "UID"), uid);
        assert_int_equal(u64(got, "GID"), primary);
        assert_string_equal(str(got, "FullName"), "OpenWMI Test");
        snprintf(sid, sizeof(sid), "S-1-22-1-%u", (unsigned) uid);
        assert_string_equal(str(got, "SID"), sid);
        assert_true(boolean(got, "LocalAccount"));
        /* useradd leaves the password locked ("!"): not usable to log in */
        assert_true(boolean(got, "Disabled"));
        cim_object_free(got);
        snprintf(path, sizeof(path), "Win32_Group.Domain=\"%s\",Name=\"%s\"", host, group);
        assert_int_equal(cimom_get_object(ns, path, &got, &err), 0);
        assert_int_equal(u64(got, "GID"), gid);
        cim_object_free(got);
        snprintf(path, sizeof(path), "Win32_UserAccount.Domain=\"elsewhere\",Name=\"%s\"", user);
        assert_true(cimom_get_object(ns, path, &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);

        /* and among all of them */
        query("SELECT Name, UID FROM Win32_UserAccount", &r);
        assert_non_null(row_with(&r, "Name", user));
        assert_non_null(row_with(&r, "Name", "root"));
        query("SELECT Name FROM Win32_Group", &r);
        assert_non_null(row_with(&r, "Name", group));

        /* the user's groups: the one gpasswd added, and its primary group,
         * which /etc/group does not list it in */
        snprintf(wql, sizeof(wql), "ASSOCIATORS OF {Win32_UserAccount.Domain='%s',Name='%s'} "
                 "WHERE AssocClass = Win32_GroupUser", host, user);
        query(wql, &r);
        names_of(&r, "Win32_Group", list, sizeof(list));
        if (r.count != 2 || !row_with(&r, "Name", group) || !row_with(&r, "Name", user))
                fail_msg("%s is in%s, expected %s and %s", user, list, group, user);
        /* the other way round */
        snprintf(wql, sizeof(wql), "ASSOCIATORS OF {Win32_Group.Domain='%s',Name='%s'} "
                 "WHERE AssocClass = Win32_GroupUser", host, group);
        query(wql, &r);
        assert_int_equal(r.count, 1);
        assert_string_equal(r.obj[0]->class_name, "Win32_UserAccount");
        assert_string_equal(str(r.obj[0], "Name"), user);
        snprintf(wql, sizeof(wql), "ASSOCIATORS OF {Win32_Group.Domain='%s',Name='%s'} "
                 "WHERE ResultClass = Win32_UserAccount", host, user);
        query(wql, &r);
        assert_int_equal(r.count, 1);
        assert_string_equal(str(r.obj[0], "Name"), user);
        snprintf(wql, sizeof(wql), "REFERENCES OF {Win32_UserAccount.Domain='%s',Name='%s'}", host, user);
        query(wql, &r);
        assert_int_equal(r.count, 2);
        assert_string_equal(r.obj[0]->class_name, "Win32_GroupUser");
        rows_free(&r);

        /* one membership by its keys */
        snprintf(path, sizeof(path), "Win32_GroupUser.GroupComponent=\"Win32_Group.Domain=\\\"%s\\\","
                 "Name=\\\"%s\\\"\",PartComponent=\"Win32_UserAccount.Domain=\\\"%s\\\",Name=\\\"%s\\\"\"",
                 host, group, host, user);
        assert_int_equal(cimom_get_object(ns, path, &got, &err), 0);
        cim_object_free(got);
        snprintf(path, sizeof(path), "Win32_GroupUser.GroupComponent=\"Win32_Group.Domain=\\\"%s\\\","
                 "Name=\\\"root\\\"\",PartComponent=\"Win32_UserAccount.Domain=\\\"%s\\\",Name=\\\"%s\\\"\"",
                 host, host, user);
        assert_true(cimom_get_object(ns, path, &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

/* The calling user's own variables, from files that user owns only. */
static void test_user_environment(void **state)
{
        struct cimom_caller as = { 0 };
        struct cimom_ns *h = NULL;
        struct owmi_error err = { 0 };
        struct rows r = { 0 };
        const struct cim_object *v;
        char dir[PATH_MAX], owner[320], decoy[PATH_MAX], path[1024];
        struct cim_object *got = NULL;
        struct passwd *pw;
        FILE *f;

        if (geteuid() != 0) {
                print_message("not root: no test account can be made, skipped\n");
                skip();
        }
        if (run("useradd -m -U -s /bin/sh %s", user) != 0)
                fail_msg("cannot make the test user");
        pw = getpwnam(user);
        assert_non_null(pw);
        snprintf(dir, sizeof(dir), "%s/.config/environment.d", pw->pw_dir);
        assert_int_equal(run("mkdir -p %s && chown -R %s: %s/.config", dir, user, pw->pw_dir), 0);
        /* the user's file */
        assert_int_equal(run("printf 'OWMI_TEST_VAR=\"hello world\"\\n# c\\nexport OWMI_TWO=2\\n' "
                             "> %s/50-owmi.conf && chown %s: %s/50-owmi.conf", dir, user, dir), 0);
        /* not the user's: a file root owns, and a link to one */
        assert_int_equal(run("echo OWMI_ROOTS=1 > %s/70-root.conf", dir), 0);
        snprintf(decoy, sizeof(decoy), "%s/decoy.conf", test_dir);
        f = fopen(decoy, "w");
        assert_non_null(f);
        fputs("OWMI_LEAK=1\n", f);
        fclose(f);
        assert_int_equal(run("ln -s %s %s/60-link.conf", decoy, dir), 0);

        as.uid = pw->pw_uid;
        as.gid = pw->pw_gid;
        snprintf(as.user, sizeof(as.user), "%s", user);
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &as, &h, &err), 0);
        query_as(h, "SELECT * FROM Win32_Environment", &r);
        snprintf(owner, sizeof(owner), "%s\\%s", host, user);
        v = row_with(&r, "Name", "OWMI_TEST_VAR");
        assert_non_null(v);
        assert_string_equal(str(v, "UserName"), owner);
        assert_string_equal(str(v, "VariableValue"), "hello world");
        assert_false(boolean(v, "SystemVariable"));
        assert_non_null(row_with(&r, "Name", "OWMI_TWO"));
        assert_null(row_with(&r, "Name", "OWMI_ROOTS"));
        assert_null(row_with(&r, "Name", "OWMI_LEAK"));
        rows_free(&r);
        snprintf(path, sizeof(path), "Win32_Environment.Name=\"OWMI_TWO\",UserName=\"%s\\\\%s\"", host,
                 user);
        assert_int_equal(cimom_get_object(h, path, &got, &err), 0);
        assert_string_equal(str(got, "VariableValue"), "2");
        cim_object_free(got);
        cimom_ns_close(h);
        /* another caller does not see them */
        query("SELECT * FROM Win32_Environment", &r);
        assert_null(row_with(&r, "Name", "OWMI_TEST_VAR"));
        rows_free(&r);
}

/* ---- disks ------------------------------------------------------------------ */

static bool private_mounts;      /* in a mount namespace of our own */
static char tmpfs_dir[PATH_MAX], bind_dir[PATH_MAX], hung_dir[PATH_MAX];
static int fuse_fd = -1;

static int disks_teardown(void **state)
{
        (void) state;
        /* the hung mount first: closing its server's end makes every call
         * on it fail instead of wait, so removing test_dir cannot hang */
        if (fuse_fd >= 0) {
                close(fuse_fd);
                fuse_fd = -1;
        }
        if (hung_dir[0]) {
                umount2(hung_dir, MNT_DETACH);
                hung_dir[0] = '\0';
        }
        if (bind_dir[0]) {
                umount2(bind_dir, MNT_DETACH);
                bind_dir[0] = '\0';
        }
        if (tmpfs_dir[0]) {
                umount2(tmpfs_dir, MNT_DETACH);
                tmpfs_dir[0] = '\0';
        }
        return 0;
}

static void test_disks(void **state)
{
        struct rows r = { 0 };
        struct statvfs st;
        const struct cim_object *root;

        assert_int_equal(statvfs("/", &st), 0);
        /* the tutorial's c.Win32_LogicalDisk(DriveType=3) */
        query("SELECT * FROM Win32_LogicalDisk WHERE DriveType = 3", &r);
        for (size_t i = 0; i < r.count; i++)
                assert_int_equal(u64(r.obj[i], "DriveType"), 3);
        query("SELECT * FROM Win32_LogicalDisk", &r);
        root = row_with(&r, "DeviceID", "/");
        assert_non_null(root);
        assert_true(u64(root, "DriveType") == 3 || u64(root, "DriveType") == 2);
        assert_int_equal(u64(root, "Size"), (uint64_t) st.f_blocks * st.f_frsize);
        assert_true(within((double) u64(root, "FreeSpace"), (double) st.f_bavail * st.f_frsize, 0.05, 0));
        assert_non_null(str(root, "FileSystem"));
        /* WMI shows only disks */
        for (size_t i = 0; i < r.count; i++) {
                const char *fs = str(r.obj[i], "FileSystem"), *id = str(r.obj[i], "DeviceID");

                assert_true(strcmp(fs, "proc") && strcmp(fs, "sysfs") && strcmp(fs, "devpts") &&
                            strncmp(fs, "cgroup", 6) && strcmp(fs, "autofs"));
                assert_true(strcmp(id, "/proc") && strncmp(id, "/sys/", 5) && strcmp(id, "/sys"));
        }
        query("SELECT DeviceID, Capacity FROM Win32_Volume WHERE DeviceID = '/'", &r);
        assert_int_equal(r.count, 1);
        assert_int_equal(u64(r.obj[0], "Capacity"), (uint64_t) st.f_blocks * st.f_frsize);
        /* the other tutorial query, with <> */
        query("SELECT Caption, Description FROM Win32_LogicalDisk WHERE DriveType <> 3", &r);
        assert_null(row_with(&r, "DeviceID", "/"));
        rows_free(&r);
}

/* A tmpfs mounted here is a RAM disk of the size statvfs says. */
static void test_tmpfs_disk(void **state)
{
        struct cim_object *got = NULL;
        struct owmi_error err = { 0 };
        struct rows r = { 0 };
        struct statvfs st;
        char path[PATH_MAX + 64];

        if (geteuid() != 0) {
                print_message("not root: nothing can be mounted, skipped\n");
                skip();
        }
        snprintf(tmpfs_dir, sizeof(tmpfs_dir), "%s/ram disk", test_dir);
        assert_int_equal(mkdir(tmpfs_dir, 0700), 0);
        if (mount("owmi-test", tmpfs_dir, "tmpfs", 0, "size=8m") < 0)
                fail_msg("cannot mount a tmpfs on %s: %s", tmpfs_dir, strerror(errno));
        assert_int_equal(statvfs(tmpfs_dir, &st), 0);
        /* a space in the mount point: mountinfo escapes it, paths quote it */
        snprintf(path, sizeof(path), "Win32_LogicalDisk.DeviceID=\"%s\"", tmpfs_dir);
        assert_int_equal(cimom_get_object(ns, path, &got, &err), 0);
        assert_int_equal(u64(got, "DriveType"), 6);
        assert_string_equal(str(got, "FileSystem"), "tmpfs");
        assert_string_equal(str(got, "Description"), "RAM Disk");
        assert_int_equal(u64(got, "Size"), (uint64_t) st.f_blocks * st.f_frsize);
        assert_int_equal(u64(got, "Size"), 8 << 20);
        cim_object_free(got);
        snprintf(path, sizeof(path), "Win32_Volume.DeviceID=\"%s\"", tmpfs_dir);
        assert_int_equal(cimom_get_object(ns, path, &got, &err), 0);
        assert_int_equal(u64(got, "Capacity"), 8 << 20);
        cim_object_free(got);
        query("SELECT DeviceID FROM Win32_LogicalDisk WHERE DriveType = 3", &r);
        assert_null(row_with(&r, "DeviceID", tmpfs_dir));
        assert_non_null(row_with(&r, "DeviceID", "/"));
        query("SELECT DeviceID, Size FROM Win32_LogicalDisk WHERE DriveType = 6", &r);
        assert_non_null(row_with(&r, "DeviceID", tmpfs_dir));
        /* a bind mount of part of it is not another disk */
        snprintf(path, sizeof(path), "%s/part", tmpfs_dir);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(bind_dir, sizeof(bind_dir), "%s/bind", test_dir);
        assert_int_equal(mkdir(bind_dir, 0700), 0);
        if (mount(path, bind_dir, NULL, MS_BIND, NULL) < 0)
                fail_msg("cannot bind %s on %s: %s", path, bind_dir, strerror(errno));
        query("SELECT DeviceID FROM Win32_LogicalDisk", &r);
        assert_non_null(row_with(&r, "DeviceID", tmpfs_dir));
        assert_null(row_with(&r, "DeviceID", bind_dir));
        rows_free(&r);
        assert_int_equal(umount2(bind_dir, 0), 0);
        bind_dir[0] = '\0';
        /* gone when unmounted */
        assert_int_equal(umount2(tmpfs_dir, 0), 0);
        tmpfs_dir[0] = '\0';
        snprintf(path, sizeof(path), "Win32_LogicalDisk.DeviceID=\"%s/ram disk\"", test_dir);
        assert_true(cimom_get_object(ns, path, &got, &err) < 0);
        assert_int_equal(err.code, OWMI_E_NOT_FOUND);
}

static double seconds_since(const struct timespec *t0)
{
        struct timespec t1;

        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double) (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A FUSE filesystem whose server never answers, like an NFS mount whose
 * server is gone: listing disks must not hang on it, sizes or not. */
static void test_hung_mount(void **state)
{
        struct timespec t0;
        struct rows r = { 0 };
        const struct cim_object *hung;
        unsigned baseline, threads;
        char options[128];

        if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) < 0) {
                print_message("not root or no /dev/fuse: no hung mount can be made, skipped\n");
                skip();
        }
        snprintf(hung_dir, sizeof(hung_dir), "%s/hung", test_dir);
        assert_int_equal(mkdir(hung_dir, 0700), 0);
        fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        assert_true(fuse_fd >= 0);
        snprintf(options, sizeof(options), "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse_fd);
        if (mount("owmi-hung", hung_dir, "fuse.owmihung", MS_NOSUID | MS_NODEV, options) < 0) {
                print_message("cannot mount FUSE here (%s), skipped\n", strerror(errno));
                close(fuse_fd);
                fuse_fd = -1;
                hung_dir[0] = '\0';
                skip();
        }
        query("SELECT DeviceID FROM Win32_LogicalDisk", &r); /* the provider is loaded */
        baseline = threads_of_this_process();

        /* without sizes the hung mount is listed at once, and not touched */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        query("SELECT DeviceID, DriveType FROM Win32_LogicalDisk", &r);
        assert_true(seconds_since(&t0) < 0.9);
        assert_non_null(row_with(&r, "DeviceID", hung_dir));
        assert_int_equal(threads_of_this_process(), baseline);

        /* with sizes: about a second's wait, its sizes NULL, the others there */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        query("SELECT DeviceID, Size, FreeSpace FROM Win32_LogicalDisk", &r);
        assert_true(seconds_since(&t0) < 5);
        hung = row_with(&r, "DeviceID", hung_dir);
        assert_non_null(hung);
        assert_true(is_null(hung, "Size"));
        assert_false(is_null(row_with(&r, "DeviceID", "/"), "Size"));
        /* its probe is still stuck; asking again joins it, no new thread */
        threads = threads_of_this_process();
        assert_int_equal(threads, baseline + 1);
        query("SELECT DeviceID, Size FROM Win32_LogicalDisk", &r);
        assert_true(is_null(row_with(&r, "DeviceID", hung_dir), "Size"));
        assert_int_equal(threads_of_this_process(), threads);
        rows_free(&r);

        /* the server goes away: the stuck probe ends */
        close(fuse_fd);
        fuse_fd = -1;
        for (int i = 0; i < 300 && threads_of_this_process() > baseline; i++)
                usleep(10000);
        assert_int_equal(threads_of_this_process(), baseline);
        assert_int_equal(umount2(hung_dir, MNT_DETACH), 0);
        hung_dir[0] = '\0';
}

static void assert_derivation(const char *class_name, const char *const *expected, size_t n)
{
        struct owmi_error err = { 0 };
        struct cim_object *cls = NULL;

        if (cimom_get_object(ns, class_name, &cls, &err) < 0)
                fail_msg("%s: %s", class_name, err.message);
        assert_int_equal(cls->derivation_count, n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(cls->derivation[i], expected[i]);
        cim_object_free(cls);
}

/* The tutorial's introspection: Win32_PowerManagementEvent.derivation()
 * (T16), Win32_Process.derivation() (T27) and Create's provenance (T23). */
static void test_tutorial_introspection(void **state)
{
        static const char *const power[] = { "__ExtrinsicEvent", "__Event", "__IndicationRelated",
                                             "__SystemClass" };
        static const char *const process[] = { "CIM_Process", "CIM_LogicalElement",
                                               "CIM_ManagedSystemElement" };
        struct owmi_error err = { 0 };
        struct cim_object *cls = NULL;
        struct cim_method *create;
        struct cim_qualifier *mapping;

        (void) state;
        assert_derivation("Win32_PowerManagementEvent", power, 4);
        assert_derivation("Win32_Process", process, 3);
        assert_int_equal(cimom_get_object(ns, "Win32_Process", &cls, &err), 0);
        create = cim_object_find_method(cls, "Create");
        assert_non_null(create);
        mapping = cim_qualifier_list_find(&create->qualifiers, "MappingStrings");
        assert_non_null(mapping);
        assert_true(mapping->value.is_array);
        assert_int_equal(mapping->value.count, 1);
        assert_string_equal(mapping->value.v.items[0].v.string,
                            "Win32API|Process and Thread Functions|CreateProcess");
        cim_object_free(cls);
}

/* ---- methods that change the machine -------------------------------------- */

/* A caller of uid with these privileges enabled and capabilities held. */
static struct cimom_ns *open_as(uid_t uid, owmi_privileges enabled, uint64_t capabilities)
{
        struct cimom_caller caller;
        struct cimom_ns *h = NULL;
        struct owmi_error err = { 0 };

        cimom_caller_self(&caller);
        caller.uid = uid;
        caller.privileges = enabled;
        caller.capabilities = capabilities;
        assert_int_equal(cimom_open_namespace(cimom, "root/cimv2", &caller, &h, &err), 0);
        return h;
}

static int call(struct cimom_ns *h, const char *path, const char *method, struct cim_object *in,
                struct owmi_error *err, uint64_t *ret_value)
{
        struct cim_object *out = NULL;
        int r = cimom_exec_method(h, path, method, in, &out, err);

        if (r >= 0)
                *ret_value = u64(out, "ReturnValue");
        cim_object_free(out);
        return r;
}

/* SetDateTime needs SeSystemtimePrivilege enabled and CAP_SYS_TIME held;
 * a caller with both and no LocalDateTime gets 87 (the clock is never
 * touched here: that would disturb the machine). */
static void test_set_date_time_guarded(void **state)
{
        const owmi_privileges systemtime = (owmi_privileges) 1 << privilege_lookup("Systemtime");
        const uint64_t cap_sys_time = UINT64_C(1) << 25;
        struct owmi_error err = { 0 };
        struct rows r = { 0 };
        struct cimom_ns *h;
        char path[1024];
        uint64_t rv = 0;

        (void) state;
        query("SELECT Name FROM Win32_OperatingSystem", &r);
        snprintf(path, sizeof(path), "Win32_OperatingSystem.Name=\"%s\"", str(r.obj[0], "Name"));
        rows_free(&r);
        h = open_as(0, 0, cap_sys_time);
        assert_true(call(h, path, "SetDateTime", NULL, &err, &rv) < 0);
        assert_int_equal(err.code, OWMI_E_PRIVILEGE_NOT_HELD);
        assert_non_null(strstr(err.message, "enable"));
        cimom_ns_close(h);
        h = open_as(65534, systemtime, 0);
        assert_true(call(h, path, "SetDateTime", NULL, &err, &rv) < 0);
        assert_int_equal(err.code, OWMI_E_PRIVILEGE_NOT_HELD);
        assert_non_null(strstr(err.message, "does not hold"));
        cimom_ns_close(h);
        h = open_as(65534, systemtime, cap_sys_time);
        assert_int_equal(call(h, path, "SetDateTime", NULL, &err, &rv), 0);
        assert_int_equal(rv, 87);
        cimom_ns_close(h);
        /* the tutorial's T21 and T22: the computer's methods, and the
         * operating system's with the privileges they need */
        {
                struct cim_object *cls = NULL;
                const struct cim_qualifier *q;
                const struct cim_method *m;

                assert_int_equal(cimom_get_object(ns, "Win32_ComputerSystem", &cls, &err), 0);
                assert_non_null(cim_object_find_method(cls, "Rename"));
                cim_object_free(cls);
                assert_int_equal(cimom_get_object(ns, "Win32_OperatingSystem", &cls, &err), 0);
                m = cim_object_find_method(cls, "SetDateTime");
                assert_non_null(m);
                q = cim_qualifier_list_find(&m->qualifiers, "Privileges");
                assert_non_null(q);
                assert_string_equal(q->value.v.items[0].v.string, "SeSystemtimePrivilege");
                cim_object_free(cls);
        }
}

static char etc_copy[PATH_MAX];
static bool etc_mounted;

static int etc_teardown(void **state)
{
        (void) state;
        if (etc_mounted && umount2("/etc", MNT_DETACH) == 0)
                etc_mounted = false;
        return 0;
}

/* Rename writes the static host name: tried on a copy of /etc bound over
 * /etc in this test's own mount namespace, so the machine keeps its name. */
static void test_rename_computer(void **state)
{
        struct cim_object *in;
        struct owmi_error err = { 0 };
        struct cimom_ns *root, *nobody;
        char path[512], text[128], file[PATH_MAX + 16];
        struct cim_property *p;
        uint64_t rv = 0;
        FILE *f;

        (void) state;
        snprintf(path, sizeof(path), "Win32_ComputerSystem.Name=\"%s\"", host);
        in = cim_object_new_class("__PARAMETERS", NULL);
        in->genus = CIM_GENUS_INSTANCE;
        p = cim_object_add_property(in, "Name");
        p->type = CIM_TYPE_STRING;
        assert_int_equal(cim_value_set_string(&p->value, CIM_TYPE_STRING, "owmi-renamed"), 0);
        /* anyone but root: access denied, nothing written */
        nobody = open_as(65534, 0, 0);
        assert_int_equal(call(nobody, path, "Rename", in, &err, &rv), 0);
        assert_int_equal(rv, 5);
        cimom_ns_close(nobody);
        if (!private_mounts) {
                cim_object_free(in);
                print_message("no mount namespace of our own: Rename as root skipped\n");
                skip();
        }
        root = open_as(0, 0, 0);
        snprintf(etc_copy, sizeof(etc_copy), "%s/etc", test_dir);
        assert_int_equal(mkdir(etc_copy, 0755), 0);
        snprintf(file, sizeof(file), "%s/hostname", etc_copy);
        f = fopen(file, "w");
        assert_non_null(f);
        fputs("before\n", f);
        fclose(f);
        assert_int_equal(mount(etc_copy, "/etc", NULL, MS_BIND, NULL), 0);
        etc_mounted = true;
        assert_int_equal(call(root, path, "Rename", in, &err, &rv), 0);
        assert_int_equal(rv, 0);
        f = fopen("/etc/hostname", "r");
        assert_non_null(f);
        assert_non_null(fgets(text, sizeof(text), f));
        fclose(f);
        assert_string_equal(text, "owmi-renamed\n");
        /* not a host name: 87, and the file keeps what it had */
        cim_value_release(&p->value);
        assert_int_equal(cim_value_set_string(&p->value, CIM_TYPE_STRING, "bad_name!"), 0);
        assert_int_equal(call(root, path, "Rename", in, &err, &rv), 0);
        assert_int_equal(rv, 87);
        f = fopen("/etc/hostname", "r");
        assert_non_null(f);
        assert_non_null(fgets(text, sizeof(text), f));
        fclose(f);
        assert_string_equal(text, "owmi-renamed\n");
        /* no stray temporary file beside it */
        {
                DIR *d = opendir("/etc");
                struct dirent *e;
                size_t entries = 0;

                assert_non_null(d);
                while ((e = readdir(d)))
                        entries += e->d_name[0] != '.' || strncmp(e->d_name, ".hostname", 9) == 0;
                closedir(d);
                assert_int_equal(entries, 1);
        }
        etc_teardown(NULL);
        cimom_ns_close(root);
        cim_object_free(in);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_operating_system),
                cmocka_unit_test(test_shutdown_refused),
                cmocka_unit_test(test_computer_system),
                cmocka_unit_test(test_processor),
                cmocka_unit_test(test_environment),
                cmocka_unit_test_setup_teardown(test_accounts, accounts_setup, accounts_teardown),
                cmocka_unit_test_setup_teardown(test_user_environment, accounts_setup, accounts_teardown),
                cmocka_unit_test(test_disks),
                cmocka_unit_test_teardown(test_tmpfs_disk, disks_teardown),
                cmocka_unit_test_teardown(test_hung_mount, disks_teardown),
                cmocka_unit_test(test_tutorial_introspection),
                cmocka_unit_test(test_set_date_time_guarded),
                cmocka_unit_test_teardown(test_rename_computer, etc_teardown),
        };

        /* our mounts stay ours: a namespace of our own, before any thread
         * exists (unshare refuses a threaded process) */
        if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
                private_mounts = true;
        if (!private_mounts && geteuid() == 0)
                print_message("no mount namespace of our own: test mounts are visible to all\n");
        return cmocka_run_group_tests_name("linux-system", tests, setup, teardown);
}
