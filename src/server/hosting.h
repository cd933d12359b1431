/* SPDX-License-Identifier: MIT */
/*
 * hosting.h: providers in processes of their own.  A provider named in
 * isolated_providers runs in a host process (`owmid --provider-host
 * NAME`), one per provider, started on first use; the daemon hands it
 * each request with the caller it is for.  A host that crashes, or does
 * not answer within provider_timeout seconds (it is killed then), fails
 * that request with WBEM_E_PROVIDER_FAILURE and starts again on the next
 * one; the daemon and every other client go on.  provider_memory_limit
 * bounds a host's address space, so a leak ends in a restart too.
 */
#ifndef OWMI_SERVER_HOSTING_H
#define OWMI_SERVER_HOSTING_H

#include "cimom/cimom.h"
#include "server/server.h"

struct hosting;

int hosting_new(const struct server_config *cfg, struct hosting **ret);
/* Stop every host and free. */
void hosting_free(struct hosting *hosting);
extern const struct cimom_provider_proxy hosting_proxy;

/* The host process's side: serve the daemon on fd 3 until it closes. */
int provider_host_run(const char *provider, const char *repository);

#endif
