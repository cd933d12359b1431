/* SPDX-License-Identifier: MIT */
/*
 * permanent.h: permanent event subscriptions.  While the daemon runs, every
 * __FilterToConsumerBinding in any namespace is live: its filter's query
 * runs as the filter's creator, and each event goes to its consumer
 * (LogFileEventConsumer, CommandLineEventConsumer, NTEventLogEventConsumer:
 * root/subscription's schema), which acts as the consumer's creator.  The
 * set follows changes made through the object manager, and is rebuilt from
 * the repository when the daemon starts.
 */
#ifndef OWMI_SERVER_PERMANENT_H
#define OWMI_SERVER_PERMANENT_H

#include "cimom/cimom.h"

struct permanent;

int permanent_start(struct cimom *cimom, struct permanent **ret);
void permanent_stop(struct permanent *p);

/* "%TargetInstance.Name%" and the like, from the event (exposed for tests
 * and the consumers): a new string. */
char *permanent_expand(const char *template, const struct cim_object *event);

#endif
