/* SPDX-License-Identifier: MIT */
/*
 * account.c: Win32_UserAccount, Win32_Group and the association between
 * them, Win32_GroupUser (research/linux-sources.md, "Win32_UserAccount,
 * Win32_Group, Win32_GroupUser"; the MOF is account.mof).
 *
 * Sources: /etc/passwd and /etc/group, read with fgetpwent_r and
 * fgetgrent_r, and /etc/shadow (fgetspent_r) when a property needs it and
 * the provider may read it.  The NSS chain (getpwent, getgrouplist) is not
 * used: it would walk LDAP, SSSD or winbind directories, a storm on their
 * servers for one query.  So only local accounts exist here, keyed gets
 * included (a key no enumeration shows would be odd); LocalAccount is
 * always TRUE.
 *
 * Membership: a user is in a group when /etc/group lists them, or when it
 * is their primary group (pw_gid), which /etc/group usually does not say.
 * Win32_GroupUser is built in one pass over both files, users indexed by
 * name and by gid: per-user getgrouplist() costs about 110 us a user and
 * goes through NSS.  Names /etc/group lists that /etc/passwd lacks (users
 * of a remote directory) are left out: their references would point at
 * nothing this provider serves.
 *
 * SIDs are Samba's for Unix ids (S-1-22-1-<uid>, S-1-22-2-<gid>): stable,
 * and recognisable as Unix ids by Windows tools that meet them.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "linux.h"

#define ACCT_BUFFER_MAX (16u << 20)   /* the longest line we accept (a huge group) */

struct acct_user {
        char *name;
        char *gecos;
        char *dir;
        char *shell;
        uid_t uid;
        gid_t gid;
        size_t stamp;                 /* the last group that listed this user, +1 */
};

struct acct_group {
        char *name;
        gid_t gid;
        char **members;               /* NULL-terminated */
};

struct acct_shadow {
        char *name;
        bool locked;                  /* ! or * password */
        bool empty;                   /* no password at all */
        long last_change, min, max, expire;   /* days since 1970, -1 unset */
};

struct acct_db {
        struct acct_user *users;
        size_t user_count;
        struct acct_group *groups;
        size_t group_count;
        struct acct_shadow *shadow;
        size_t shadow_count;
        bool shadow_read;             /* /etc/shadow could be read */
};

/* ---- reading the files ---------------------------------------------------- */

static void acct_db_release(struct acct_db *db)
{
        for (size_t i = 0; i < db->user_count; i++) {
                free(db->users[i].name);
                free(db->users[i].gecos);
                free(db->users[i].dir);
                free(db->users[i].shell);
        }
        for (size_t i = 0; i < db->group_count; i++) {
                free(db->groups[i].name);
                for (size_t m = 0; db->groups[i].members && db->groups[i].members[m]; m++)
                        free(db->groups[i].members[m]);
                free(db->groups[i].members);
        }
        for (size_t i = 0; i < db->shadow_count; i++)
                free(db->shadow[i].name);
        free(db->users);
        free(db->groups);
        free(db->shadow);
        memset(db, 0, sizeof(*db));
}

/* Room for one more in an array of count items of size each. */
static int acct_grow(void **items, size_t *alloc, size_t count, size_t size)
{
        void *bigger;
        size_t n;

        if (count < *alloc)
                return 0;
        n = *alloc ? *alloc * 2 : 64;
        bigger = realloc(*items, n * size);
        if (!bigger)
                return -ENOMEM;
        *items = bigger;
        *alloc = n;
        return 0;
}

/* The glibc readers need the whole entry in their buffer and rewind to it
 * on ERANGE: double the buffer and read the entry again. */
struct acct_buffer {
        char *data;
        size_t size;
};

static int acct_buffer_grow(struct acct_buffer *b)
{
        size_t n = b->size ? b->size * 2 : 16384;
        char *bigger = n <= ACCT_BUFFER_MAX ? realloc(b->data, n) : NULL;

        if (!bigger)
                return -ENOMEM;
        b->data = bigger;
        b->size = n;
        return 0;
}

/* want: only that user (NULL: all). */
static int acct_read_users(struct acct_db *db, const char *want)
{
        struct acct_buffer b = { 0 };
        FILE *f = fopen("/etc/passwd", "re");
        size_t alloc = 0;
        int r;

        if (!f)
                return -errno;
        r = acct_buffer_grow(&b);
        while (r == 0) {
                struct passwd pw, *found = NULL;
                struct acct_user *u;
                int e = fgetpwent_r(f, &pw, b.data, b.size, &found);

                if (e == ERANGE) {
                        r = acct_buffer_grow(&b);
                        continue;
                }
                if (e != 0 || !found)
                        break; /* ENOENT: the end */
                /* "+name" and "-name" are NIS compat markers, not accounts */
                if (pw.pw_name[0] == '+' || pw.pw_name[0] == '-')
                        continue;
                if (want && strcmp(want, pw.pw_name) != 0 && strcasecmp(want, pw.pw_name) != 0)
                        continue;
                r = acct_grow((void **) &db->users, &alloc, db->user_count, sizeof(*db->users));
                if (r < 0)
                        break;
                u = &db->users[db->user_count];
                *u = (struct acct_user) {
                        .name = strdup(pw.pw_name),
                        .gecos = strdup(pw.pw_gecos ? pw.pw_gecos : ""),
                        .dir = strdup(pw.pw_dir ? pw.pw_dir : ""),
                        .shell = strdup(pw.pw_shell ? pw.pw_shell : ""),
                        .uid = pw.pw_uid,
                        .gid = pw.pw_gid,
                };
                db->user_count++;
                if (!u->name || !u->gecos || !u->dir || !u->shell)
                        r = -ENOMEM;
                else if (want && strcmp(want, pw.pw_name) == 0)
                        break; /* the exact name: done (a case-insensitive match may come first) */
        }
        free(b.data);
        fclose(f);
        return r;
}

static int acct_read_groups(struct acct_db *db, const char *want)
{
        struct acct_buffer b = { 0 };
        FILE *f = fopen("/etc/group", "re");
        size_t alloc = 0;
        int r;

        if (!f)
                return -errno;
        r = acct_buffer_grow(&b);
        while (r == 0) {
                struct group gr, *found = NULL;
                struct acct_group *g;
                size_t n = 0;
                int e = fgetgrent_r(f, &gr, b.data, b.size, &found);

                if (e == ERANGE) {
                        r = acct_buffer_grow(&b);
                        continue;
                }
                if (e != 0 || !found)
                        break;
                if (gr.gr_name[0] == '+' || gr.gr_name[0] == '-')
                        continue;
                if (want && strcmp(want, gr.gr_name) != 0 && strcasecmp(want, gr.gr_name) != 0)
                        continue;
                r = acct_grow((void **) &db->groups, &alloc, db->group_count, sizeof(*db->groups));
                if (r < 0)
                        break;
                while (gr.gr_mem && gr.gr_mem[n])
                        n++;
                g = &db->groups[db->group_count++];
                *g = (struct acct_group) { .name = strdup(gr.gr_name), .gid = gr.gr_gid,
                                           .members = calloc(n + 1, sizeof(char *)) };
                if (!g->name || !g->members) {
                        r = -ENOMEM;
                        break;
                }
                for (size_t m = 0; m < n && r == 0; m++)
                        if (!(g->members[m] = strdup(gr.gr_mem[m])))
                                r = -ENOMEM;
                if (want && strcmp(want, gr.gr_name) == 0)
                        break;
        }
        free(b.data);
        fclose(f);
        return r;
}

static int acct_by_shadow_name(const void *a, const void *b)
{
        return strcmp(((const struct acct_shadow *) a)->name, ((const struct acct_shadow *) b)->name);
}

/* /etc/shadow, when the provider may read it (root); a missing or
 * unreadable file is not an error: the properties it gives stay NULL. */
static int acct_read_shadow(struct acct_db *db)
{
        struct acct_buffer b = { 0 };
        FILE *f = fopen("/etc/shadow", "re");
        size_t alloc = 0;
        int r;

        if (!f)
                return 0;
        r = acct_buffer_grow(&b);
        while (r == 0) {
                struct spwd sp, *found = NULL;
                struct acct_shadow *s;
                int e = fgetspent_r(f, &sp, b.data, b.size, &found);

                if (e == ERANGE) {
                        r = acct_buffer_grow(&b);
                        continue;
                }
                if (e != 0 || !found)
                        break;
                r = acct_grow((void **) &db->shadow, &alloc, db->shadow_count, sizeof(*db->shadow));
                if (r < 0)
                        break;
                s = &db->shadow[db->shadow_count];
                *s = (struct acct_shadow) {
                        .name = strdup(sp.sp_namp),
                        .locked = sp.sp_pwdp && (sp.sp_pwdp[0] == '!' || sp.sp_pwdp[0] == '*'),
                        .empty = !sp.sp_pwdp || !sp.sp_pwdp[0],
                        .last_change = sp.sp_lstchg,
                        .min = sp.sp_min,
                        .max = sp.sp_max,
                        .expire = sp.sp_expire,
                };
                if (!s->name) {
                        r = -ENOMEM;
                        break;
                }
                db->shadow_count++;
        }
        free(b.data);
        fclose(f);
        if (r == 0) {
                db->shadow_read = true;
                qsort(db->shadow, db->shadow_count, sizeof(*db->shadow), acct_by_shadow_name);
        }
        return r;
}

static const struct acct_shadow *acct_find_shadow(const struct acct_db *db, const char *name)
{
        struct acct_shadow key = { .name = (char *) name };

        if (!db->shadow_count)
                return NULL;
        return bsearch(&key, db->shadow, db->shadow_count, sizeof(*db->shadow), acct_by_shadow_name);
}

/* ---- object paths ---------------------------------------------------------- */

/* text into out at *n, with \ and " escaped as object paths need. */
static void acct_append_escaped(char *out, size_t size, size_t *n, const char *text)
{
        for (const char *c = text; *c && *n + 2 < size; c++) {
                if (*c == '\\' || *c == '"')
                        out[(*n)++] = '\\';
                out[(*n)++] = *c;
        }
        out[*n] = '\0';
}

/* The relative path Class.Domain="HOST",Name="name" of a local account. */
static void acct_path(char *out, size_t size, const char *class_name, const char *name)
{
        size_t n = (size_t) snprintf(out, size, "%s.Domain=\"", class_name);

        if (n >= size)
                n = size - 1;
        acct_append_escaped(out, size, &n, linux_host_name());
        n += (size_t) snprintf(out + n, size - n, "\",Name=\"");
        if (n >= size)
                n = size - 1;
        acct_append_escaped(out, size, &n, name);
        snprintf(out + n, size - n, "\"");
}

/* The class and the Domain and Name keys of a path text such as
 * \\HOST\root\cimv2:Win32_Group.Domain="HOST",Name="users" (the server
 * and namespace, when there, are not checked). */
static bool acct_parse_path(const char *text, char *class_name, size_t class_size, char *domain,
                            size_t domain_size, char *name, size_t name_size)
{
        const char *p = text, *colon = NULL, *dot;
        size_t len;

        /* a namespace prefix ends at the last ':' before the first quote */
        for (const char *c = text; *c && *c != '"' && *c != '\''; c++)
                if (*c == ':')
                        colon = c;
        if (colon)
                p = colon + 1;
        dot = strchr(p, '.');
        if (!dot || (len = (size_t) (dot - p)) == 0 || len >= class_size)
                return false;
        memcpy(class_name, p, len);
        class_name[len] = '\0';
        domain[0] = name[0] = '\0';
        for (p = dot + 1; *p;) {
                const char *eq = strchr(p, '=');
                char key[16], *out;
                size_t size, n = 0;
                char quote;

                if (!eq || (len = (size_t) (eq - p)) == 0 || len >= sizeof(key))
                        return false;
                memcpy(key, p, len);
                key[len] = '\0';
                if (strcasecmp(key, "Domain") == 0) {
                        out = domain;
                        size = domain_size;
                } else if (strcasecmp(key, "Name") == 0) {
                        out = name;
                        size = name_size;
                } else {
                        return false;
                }
                quote = eq[1];
                if (quote != '"' && quote != '\'')
                        return false;
                for (p = eq + 2; *p && *p != quote; p++) {
                        if (*p == '\\' && p[1])
                                p++;
                        if (n + 1 >= size)
                                return false;
                        out[n++] = *p;
                }
                if (*p != quote)
                        return false;
                out[n] = '\0';
                p++;
                if (*p == ',')
                        p++;
                else if (*p)
                        return false;
        }
        return domain[0] && name[0];
}

/* ---- instances ------------------------------------------------------------- */

static bool acct_is_local(const char *domain)
{
        return strcasecmp(domain, linux_host_name()) == 0;
}

static long acct_today(void)
{
        return (long) (time(NULL) / 86400);
}

static int acct_post_user(owmi_request *req, const struct acct_db *db, const struct acct_user *u)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_UserAccount");
        char buf[512];
        int failed = 0;

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_UserAccount");
        failed += h->set_string(inst, "Domain", linux_host_name()) < 0;
        failed += h->set_string(inst, "Name", u->name) < 0;
        snprintf(buf, sizeof(buf), "%s\\%s", linux_host_name(), u->name);
        failed += h->set_string(inst, "Caption", buf) < 0;
        snprintf(buf, sizeof(buf), "S-1-22-1-%u", (unsigned) u->uid);
        failed += h->set_string(inst, "SID", buf) < 0;
        failed += h->set_uint(inst, "SIDType", 1) < 0;         /* SidTypeUser */
        failed += h->set_uint(inst, "AccountType", 512) < 0;   /* a normal account */
        failed += h->set_bool(inst, "LocalAccount", true) < 0;
        failed += h->set_uint(inst, "UID", u->uid) < 0;
        failed += h->set_uint(inst, "GID", u->gid) < 0;
        failed += h->set_string(inst, "HomeDirectory", u->dir) < 0;
        failed += h->set_string(inst, "Shell", u->shell) < 0;
        if (u->gecos[0]) {
                /* GECOS: full name, room, work phone, home phone, other */
                snprintf(buf, sizeof(buf), "%.*s", (int) strcspn(u->gecos, ","), u->gecos);
                failed += h->set_string(inst, "FullName", buf) < 0;
                failed += h->set_string(inst, "Description", u->gecos) < 0;
        } else {
                failed += h->set_string(inst, "FullName", "") < 0;
        }
        if (db->shadow_read) {
                const struct acct_shadow *s = acct_find_shadow(db, u->name);
                long today = acct_today();

                if (s) {
                        bool expired = s->expire >= 0 && s->expire <= today;
                        bool disabled = s->locked || expired;

                        failed += h->set_bool(inst, "Disabled", disabled) < 0;
                        failed += h->set_bool(inst, "PasswordRequired", !s->empty) < 0;
                        /* 99999 days is how shadow tools write "never" */
                        failed += h->set_bool(inst, "PasswordExpires", s->max >= 0 && s->max < 99999) < 0;
                        failed += h->set_bool(inst, "PasswordChangeable", s->min <= 0 ||
                                              s->last_change + s->min <= today) < 0;
                        failed += h->set_string(inst, "Status", disabled ? "Degraded" : "OK") < 0;
                }
        }
        if (failed) {
                h->instance_free(inst);
                return h->error(req, OWMI_E_FAILED, "cannot fill Win32_UserAccount '%s'", u->name);
        }
        return h->post(req, inst);
}

static int acct_post_group(owmi_request *req, const struct acct_group *g)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_Group");
        char buf[512];
        int failed = 0;

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_Group");
        failed += h->set_string(inst, "Domain", linux_host_name()) < 0;
        failed += h->set_string(inst, "Name", g->name) < 0;
        snprintf(buf, sizeof(buf), "%s\\%s", linux_host_name(), g->name);
        failed += h->set_string(inst, "Caption", buf) < 0;
        snprintf(buf, sizeof(buf), "S-1-22-2-%u", (unsigned) g->gid);
        failed += h->set_string(inst, "SID", buf) < 0;
        failed += h->set_uint(inst, "SIDType", 4) < 0;         /* SidTypeAlias: a local group */
        failed += h->set_bool(inst, "LocalAccount", true) < 0;
        failed += h->set_uint(inst, "GID", g->gid) < 0;
        failed += h->set_string(inst, "Status", "OK") < 0;
        if (failed) {
                h->instance_free(inst);
                return h->error(req, OWMI_E_FAILED, "cannot fill Win32_Group '%s'", g->name);
        }
        return h->post(req, inst);
}

static int acct_post_member(owmi_request *req, const struct acct_group *g, const struct acct_user *u)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_GroupUser");
        char group[1024], user[1024];

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_GroupUser");
        acct_path(group, sizeof(group), "Win32_Group", g->name);
        acct_path(user, sizeof(user), "Win32_UserAccount", u->name);
        if (h->set_reference(inst, "GroupComponent", group) < 0 ||
            h->set_reference(inst, "PartComponent", user) < 0) {
                h->instance_free(inst);
                return h->error(req, OWMI_E_FAILED, "cannot relate '%s' to '%s'", g->name, u->name);
        }
        return h->post(req, inst);
}

static int acct_db_error(owmi_request *req, int r, const char *what)
{
        return linux_host->error(req, r == -ENOMEM ? OWMI_E_OUT_OF_MEMORY : OWMI_E_FAILED,
                                 "cannot read %s: %s", what, strerror(-r));
}

/* Does the request need anything /etc/shadow says? */
static bool acct_wants_shadow(owmi_request *req)
{
        static const char *const props[] = { "Disabled", "PasswordRequired", "PasswordExpires",
                                              "PasswordChangeable", "Status", NULL };

        for (size_t i = 0; props[i]; i++)
                if (linux_wants(req, props[i]))
                        return true;
        return false;
}

/* The user to post for a name: the exact one, else one that differs only
 * in case (WMI's keys ignore case). */
static const struct acct_user *acct_pick_user(const struct acct_db *db, const char *name)
{
        const struct acct_user *loose = NULL;

        for (size_t i = 0; i < db->user_count; i++) {
                if (strcmp(db->users[i].name, name) == 0)
                        return &db->users[i];
                if (!loose && strcasecmp(db->users[i].name, name) == 0)
                        loose = &db->users[i];
        }
        return loose;
}

static const struct acct_group *acct_pick_group(const struct acct_db *db, const char *name)
{
        const struct acct_group *loose = NULL;

        for (size_t i = 0; i < db->group_count; i++) {
                if (strcmp(db->groups[i].name, name) == 0)
                        return &db->groups[i];
                if (!loose && strcasecmp(db->groups[i].name, name) == 0)
                        loose = &db->groups[i];
        }
        return loose;
}

/* Win32_UserAccount: all, or the one named (name != NULL). */
static int acct_users(owmi_request *req, const char *name)
{
        struct acct_db db = { 0 };
        int r = acct_read_users(&db, name);

        if (r < 0) {
                acct_db_release(&db);
                return acct_db_error(req, r, "/etc/passwd");
        }
        if (acct_wants_shadow(req) && (r = acct_read_shadow(&db)) < 0) {
                acct_db_release(&db);
                return acct_db_error(req, r, "/etc/shadow");
        }
        if (name) {
                const struct acct_user *u = acct_pick_user(&db, name);

                r = u ? acct_post_user(req, &db, u)
                      : linux_host->error(req, OWMI_E_NOT_FOUND, "no local user '%s'", name);
        } else {
                for (size_t i = 0; i < db.user_count && r == 0; i++)
                        r = acct_post_user(req, &db, &db.users[i]);
        }
        acct_db_release(&db);
        return r < 0 ? r : 0;
}

static int acct_groups(owmi_request *req, const char *name)
{
        struct acct_db db = { 0 };
        int r = acct_read_groups(&db, name);

        if (r < 0) {
                acct_db_release(&db);
                return acct_db_error(req, r, "/etc/group");
        }
        if (name) {
                const struct acct_group *g = acct_pick_group(&db, name);

                r = g ? acct_post_group(req, g)
                      : linux_host->error(req, OWMI_E_NOT_FOUND, "no local group '%s'", name);
        } else {
                for (size_t i = 0; i < db.group_count && r == 0; i++)
                        r = acct_post_group(req, &db.groups[i]);
        }
        acct_db_release(&db);
        return r < 0 ? r : 0;
}

static int acct_by_user_name(const void *a, const void *b)
{
        return strcmp((*(const struct acct_user *const *) a)->name,
                      (*(const struct acct_user *const *) b)->name);
}

static int acct_by_user_gid(const void *a, const void *b)
{
        gid_t x = (*(const struct acct_user *const *) a)->gid;
        gid_t y = (*(const struct acct_user *const *) b)->gid;

        return (x > y) - (x < y);
}

/* Every membership, or only the one of group gname and user uname: one
 * pass over the groups, with the users indexed by name and by gid. */
static int acct_memberships(owmi_request *req, const char *gname, const char *uname)
{
        struct acct_user **by_name = NULL, **by_gid = NULL;
        struct acct_db db = { 0 };
        int r = acct_read_users(&db, NULL);

        if (r == 0)
                r = acct_read_groups(&db, gname);
        if (r < 0) {
                acct_db_release(&db);
                return acct_db_error(req, r, "the account files");
        }
        by_name = malloc((db.user_count + 1) * sizeof(*by_name));
        by_gid = malloc((db.user_count + 1) * sizeof(*by_gid));
        if (!by_name || !by_gid) {
                r = linux_host->error(req, OWMI_E_OUT_OF_MEMORY, "cannot index the users");
                goto out;
        }
        for (size_t i = 0; i < db.user_count; i++)
                by_name[i] = by_gid[i] = &db.users[i];
        qsort(by_name, db.user_count, sizeof(*by_name), acct_by_user_name);
        qsort(by_gid, db.user_count, sizeof(*by_gid), acct_by_user_gid);
        for (size_t g = 0; g < db.group_count && r == 0; g++) {
                const struct acct_group *grp = &db.groups[g];
                struct acct_user key = { .gid = grp->gid }, *pkey = &key;
                size_t lo = 0, hi = db.user_count;

                if (gname && strcmp(grp->name, gname) != 0 && strcasecmp(grp->name, gname) != 0)
                        continue;
                /* those whose primary group it is: the first with that gid, on */
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;

                        if (by_gid[mid]->gid < grp->gid)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                for (size_t i = lo; i < db.user_count && by_gid[i]->gid == grp->gid && r == 0; i++) {
                        by_gid[i]->stamp = g + 1;
                        if (!uname || strcasecmp(uname, by_gid[i]->name) == 0)
                                r = acct_post_member(req, grp, by_gid[i]);
                }
                /* those it lists, once each, if they are local users */
                for (size_t m = 0; grp->members[m] && r == 0; m++) {
                        struct acct_user **found;

                        key.name = grp->members[m];
                        found = bsearch(&pkey, by_name, db.user_count, sizeof(*by_name),
                                        acct_by_user_name);
                        if (!found || (*found)->stamp == g + 1)
                                continue;
                        (*found)->stamp = g + 1;
                        if (!uname || strcasecmp(uname, (*found)->name) == 0)
                                r = acct_post_member(req, grp, *found);
                }
        }
out:
        free(by_name);
        free(by_gid);
        acct_db_release(&db);
        return r < 0 ? r : 0;
}

/* ---- the class table's entries --------------------------------------------- */

static int acct_enumerate(owmi_request *req, const char *class_name)
{
        if (strcasecmp(class_name, "Win32_UserAccount") == 0)
                return acct_users(req, NULL);
        if (strcasecmp(class_name, "Win32_Group") == 0)
                return acct_groups(req, NULL);
        return acct_memberships(req, NULL, NULL);
}

static int acct_get(owmi_request *req, const owmi_instance *keys)
{
        const struct owmi_host *h = linux_host;
        const char *class_name = h->class_name(keys), *domain, *name, *group_ref, *user_ref;
        char gclass[64], gdomain[256], gname[256], uclass[64], udomain[256], uname[256];

        if (strcasecmp(class_name, "Win32_GroupUser") != 0) {
                if (h->get_string(keys, "Domain", &domain) < 0 || h->get_string(keys, "Name", &name) < 0)
                        return h->error(req, OWMI_E_INVALID_OBJECT_PATH, "Domain and Name are required");
                if (!acct_is_local(domain))
                        return h->error(req, OWMI_E_NOT_FOUND, "only accounts of domain '%s' (this "
                                        "host) are known", linux_host_name());
                return strcasecmp(class_name, "Win32_Group") == 0 ? acct_groups(req, name)
                                                                   : acct_users(req, name);
        }
        if (h->get_string(keys, "GroupComponent", &group_ref) < 0 ||
            h->get_string(keys, "PartComponent", &user_ref) < 0 ||
            !acct_parse_path(group_ref, gclass, sizeof(gclass), gdomain, sizeof(gdomain), gname,
                             sizeof(gname)) ||
            !acct_parse_path(user_ref, uclass, sizeof(uclass), udomain, sizeof(udomain), uname,
                             sizeof(uname)))
                return h->error(req, OWMI_E_INVALID_OBJECT_PATH,
                                "GroupComponent and PartComponent must name a group and a user");
        if (strcasecmp(gclass, "Win32_Group") != 0 || (strcasecmp(uclass, "Win32_UserAccount") != 0 &&
                                                        strcasecmp(uclass, "Win32_Account") != 0) ||
            !acct_is_local(gdomain) || !acct_is_local(udomain))
                return h->error(req, OWMI_E_NOT_FOUND, "no such membership");
        return acct_memberships(req, gname, uname);
}

const struct linux_class linux_account_classes[] = {
        { .name = "Win32_UserAccount", .enumerate = acct_enumerate, .get = acct_get },
        { .name = "Win32_Group", .enumerate = acct_enumerate, .get = acct_get },
        { .name = "Win32_GroupUser", .enumerate = acct_enumerate, .get = acct_get },
        { .name = NULL },
};
