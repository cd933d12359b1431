/* SPDX-License-Identifier: MIT */
/*
 * faulty.c: a provider that fails on purpose, for the tests of provider
 * isolation (owmid's isolated_providers): Faulty_Crash aborts,
 * Faulty_Hang never answers, Faulty_Leak keeps what it allocates, and
 * Faulty_Ok answers with the process it runs in, so a test can see a
 * host that was started again.  Never install it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openwmi/provider.h>

static const struct owmi_host *host;
/* what Faulty_Leak keeps: reachable, so no compiler drops the allocations */
static char *leaked[1024];
static unsigned leaked_count;

static int faulty_init(const struct owmi_host *h, void **ret_state)
{
        host = h;
        *ret_state = NULL;
        return 0;
}

static int faulty_enumerate(void *state, owmi_request *req, const char *class_name)
{
        owmi_instance *inst;

        if (strcmp(class_name, "Faulty_Crash") == 0)
                abort();
        if (strcmp(class_name, "Faulty_Hang") == 0)
                for (;;)
                        pause();
        if (strcmp(class_name, "Faulty_Leak") == 0 && leaked_count < 1024) {
                /* 64 MiB each time, touched, never freed */
                char *p = malloc(64u << 20);

                if (p)
                        memset(p, 1, 64u << 20);
                leaked[leaked_count++] = p;
        }
        inst = host->instance_new(req, class_name);
        if (!inst)
                return host->error(req, OWMI_E_OUT_OF_MEMORY, "out of memory");
        host->set_string(inst, "Name", "ok");
        host->set_uint(inst, "HostPid", (uint64_t) getpid());
        host->post(req, inst);
        return 0;
}

static const struct owmi_provider faulty_provider = {
        .abi = OWMI_PROVIDER_ABI,
        .name = "Faulty",
        .init = faulty_init,
        .enumerate = faulty_enumerate,
};

__attribute__((visibility("default")))
const struct owmi_provider *owmi_provider_entry(unsigned abi);

const struct owmi_provider *owmi_provider_entry(unsigned abi)
{
        return abi == OWMI_PROVIDER_ABI ? &faulty_provider : NULL;
}
