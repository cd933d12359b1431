/* SPDX-License-Identifier: MIT */
/*
 * server.h: owmid, the daemon: its configuration, the listening sockets
 * and event loop (libevent), connections speaking the native protocol
 * (docs/PROTOCOL.md), and the requests they carry, run on the worker pool
 * against one shared object manager.
 */
#ifndef OWMI_SERVER_SERVER_H
#define OWMI_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "cimom/cimom.h"

struct server_config {
        char *socket_path;          /* socket = ...   the local Unix socket */
        char *repository;           /* repository = ... */
        unsigned workers;           /* workers = N (0: 4 per CPU, at least 4) */
        unsigned request_timeout;   /* request_timeout = seconds (0: none) */
        unsigned max_connections;   /* max_connections = N */
        unsigned socket_mode;       /* socket_mode = octal; who may connect at all */
        char *listen;               /* listen = ADDR:PORT   the native protocol over TLS */
        char *listen_plain;         /* listen_plain = ADDR:PORT   without TLS, loopback only */
        bool plain_passwords;       /* plain_passwords = yes: passwords on listen_plain */
        char *tls_certificate;      /* tls_certificate = PEM file (chain) */
        char *tls_key;              /* tls_key = PEM file */
        char *tls_client_ca;        /* tls_client_ca = PEM file: client certificates it signs
                                       log in as their common name */
        char *pam_service;          /* pam_service = name (default owmid) */
        char *isolated_providers;   /* isolated_providers = Name, ...: each in a host process */
        unsigned provider_timeout;  /* provider_timeout = seconds a host may take (default 60) */
        unsigned provider_memory_limit; /* provider_memory_limit = MiB of a host's address space (0: none) */
        bool foreground;
};

/* Defaults, then the file (NULL: none), which may set any key once.
 * Errors name file:line. */
void server_config_defaults(struct server_config *cfg);
int server_config_load(struct server_config *cfg, const char *path, struct owmi_error *err);
int server_config_set(struct server_config *cfg, const char *key, const char *value,
                      struct owmi_error *err);
void server_config_release(struct server_config *cfg);

/* Logging: to stderr, with syslog priority prefixes when stderr is the
 * journal. */
enum { SERVER_LOG_ERR = 3, SERVER_LOG_WARNING = 4, SERVER_LOG_NOTICE = 5, SERVER_LOG_INFO = 6,
       SERVER_LOG_DEBUG = 7 };
void server_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The caller on the other end of a Unix socket, as the kernel says
 * (SO_PEERCRED, SO_PEERGROUPS, the process's effective capabilities). */
int server_peer_caller(int fd, struct cimom_caller *ret, char *desc, size_t desc_size);

/* Run until SIGTERM/SIGINT (0) or a start-up failure.  SIGHUP reloads
 * the configuration file's reloadable settings. */
int server_run(struct server_config *cfg, const char *config_path);

#endif
