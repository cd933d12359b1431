/* SPDX-License-Identifier: MIT */
/*
 * tls.h: the daemon's TLS (OpenSSL): the server context from the
 * configured certificate and key (and, optionally, the CA that signs
 * client certificates), and a self-signed pair for a first run.
 */
#ifndef OWMI_SERVER_TLS_H
#define OWMI_SERVER_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "base/error.h"

/* TLS 1.2 at least; client certificates asked for (not required) when
 * client_ca is set. */
int tls_server_context(const char *certificate, const char *key, const char *client_ca,
                       SSL_CTX **ret, struct owmi_error *err);
/* The verified client certificate's common name, or false. */
bool tls_peer_name(SSL *ssl, char *buf, size_t size);
/* A new EC P-256 key and a self-signed certificate for the names given
 * (and "localhost"), valid for a year: key (mode 0600) and certificate
 * files in PEM. */
int tls_make_self_signed(const char *certificate, const char *key, const char *hostname,
                         struct owmi_error *err);

#endif
