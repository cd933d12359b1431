/* SPDX-License-Identifier: MIT */
/*
 * auth.c: PAM logins for remote clients, and the limit on failures.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>

#include "base/util.h"
#include "server/auth.h"
#include "server/server.h"

/* Per source address: this many failures within the window and it waits
 * for the window to pass. */
#define FAILURES_ALLOWED 5
#define FAILURE_WINDOW_S 60
#define SOURCES_TRACKED 256

static struct {
        pthread_mutex_t lock;
        struct {
                char source[64];
                unsigned failures;
                time_t first;
        } slots[SOURCES_TRACKED];
} failures = { .lock = PTHREAD_MUTEX_INITIALIZER };

static time_t now_s(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec;
}

bool auth_source_blocked(const char *source)
{
        bool blocked = false;
        time_t now = now_s();

        pthread_mutex_lock(&failures.lock);
        for (size_t i = 0; i < SOURCES_TRACKED; i++) {
                if (strcmp(failures.slots[i].source, source) == 0) {
                        blocked = failures.slots[i].failures >= FAILURES_ALLOWED &&
                                  now - failures.slots[i].first < FAILURE_WINDOW_S;
                        break;
                }
        }
        pthread_mutex_unlock(&failures.lock);
        return blocked;
}

static void note_failure(const char *source)
{
        time_t now = now_s();
        size_t oldest = 0;

        pthread_mutex_lock(&failures.lock);
        for (size_t i = 0; i < SOURCES_TRACKED; i++) {
                if (strcmp(failures.slots[i].source, source) == 0) {
                        if (now - failures.slots[i].first >= FAILURE_WINDOW_S) {
                                failures.slots[i].first = now;
                                failures.slots[i].failures = 0;
                        }
                        failures.slots[i].failures++;
                        pthread_mutex_unlock(&failures.lock);
                        return;
                }
                if (failures.slots[i].first < failures.slots[oldest].first)
                        oldest = i;
        }
        /* the slot of the oldest window: a flood of sources forgets old ones */
        snprintf(failures.slots[oldest].source, sizeof(failures.slots[oldest].source), "%s", source);
        failures.slots[oldest].first = now;
        failures.slots[oldest].failures = 1;
        pthread_mutex_unlock(&failures.lock);
}

struct conversation {
        const char *password;
};

static int converse(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        struct conversation *c = data;
        struct pam_response *r;

        if (n <= 0 || n > PAM_MAX_NUM_MSG)
                return PAM_CONV_ERR;
        r = calloc((size_t) n, sizeof(*r));
        if (!r)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++) {
                if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
                        r[i].resp = strdup(c->password);
                        if (!r[i].resp) {
                                for (int j = 0; j < i; j++)
                                        free(r[j].resp);
                                free(r);
                                return PAM_BUF_ERR;
                        }
                }
        }
        *resp = r;
        return PAM_SUCCESS;
}

int auth_password(const char *service, const char *user, const char *password, const char *source,
                  struct owmi_error *err)
{
        struct conversation c = { .password = password };
        struct pam_conv conv = { .conv = converse, .appdata_ptr = &c };
        pam_handle_t *pamh = NULL;
        int pr;

        if (auth_source_blocked(source)) {
                server_log(SERVER_LOG_WARNING, "%s: login refused for '%s': too many failures", source, user);
                return owmi_error_set(err, OWMI_E_ACCESS_DENIED,
                                      "too many failed logins from this address; try again later");
        }
        pr = pam_start(service, user, &conv, &pamh);
        if (pr == PAM_SUCCESS)
                pr = pam_set_item(pamh, PAM_RHOST, source);
        if (pr == PAM_SUCCESS)
                pr = pam_authenticate(pamh, PAM_DISALLOW_NULL_AUTHTOK);
        if (pr == PAM_SUCCESS)
                pr = pam_acct_mgmt(pamh, PAM_DISALLOW_NULL_AUTHTOK);
        if (pr != PAM_SUCCESS) {
                server_log(SERVER_LOG_WARNING, "%s: authentication failed for '%s': %s", source, user,
                           pamh ? pam_strerror(pamh, pr) : "pam_start failed");
                note_failure(source);
                pam_end(pamh, pr);
                /* the same answer for an unknown user and a wrong password */
                return owmi_error_set(err, OWMI_E_ACCESS_DENIED, "access denied: wrong user or password");
        }
        pam_end(pamh, pr);
        server_log(SERVER_LOG_NOTICE, "%s: '%s' logged in", source, user);
        return 0;
}

int auth_caller(const char *user, struct cimom_caller *ret, struct owmi_error *err)
{
        struct passwd pw, *pwp = NULL;
        char buf[4096];
        int n;

        memset(ret, 0, sizeof(*ret));
        if (getpwnam_r(user, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp)
                return owmi_error_set(err, OWMI_E_ACCESS_DENIED, "access denied: no user '%s' here", user);
        ret->uid = pwp->pw_uid;
        ret->gid = pwp->pw_gid;
        n = (int) ELEMENTSOF(ret->groups);
        if (getgrouplist(pwp->pw_name, pwp->pw_gid, ret->groups, &n) < 0)
                n = 0;  /* more than we keep: the primary group alone */
        ret->group_count = (size_t) n;
        snprintf(ret->user, sizeof(ret->user), "%s", pwp->pw_name);
        ret->remote = true;
        /* what root may do locally it may do from afar; others hold no
         * capabilities of their own */
        ret->capabilities = ret->uid == 0 ? ~(uint64_t) 0 : 0;
        return 0;
}
