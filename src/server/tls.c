/* SPDX-License-Identifier: MIT */
/*
 * tls.c: OpenSSL for the daemon's remote listener.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "server/tls.h"

static int ssl_failure(struct owmi_error *err, const char *what)
{
        char buf[256] = "";
        unsigned long e = ERR_get_error();

        if (e)
                ERR_error_string_n(e, buf, sizeof(buf));
        ERR_clear_error();
        return owmi_error_set(err, OWMI_E_FAILED, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

int tls_server_context(const char *certificate, const char *key, const char *client_ca,
                       SSL_CTX **ret, struct owmi_error *err)
{
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

        if (!ctx)
                return ssl_failure(err, "cannot make a TLS context");
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
        if (SSL_CTX_use_certificate_chain_file(ctx, certificate) != 1) {
                SSL_CTX_free(ctx);
                return ssl_failure(err, "cannot read the TLS certificate");
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
                SSL_CTX_free(ctx);
                return ssl_failure(err, "cannot use the TLS key");
        }
        if (client_ca && *client_ca) {
                if (SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
                        SSL_CTX_free(ctx);
                        return ssl_failure(err, "cannot read the client CA");
                }
                /* asked for, not required: a password also lets one in */
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        }
        *ret = ctx;
        return 0;
}

bool tls_peer_name(SSL *ssl, char *buf, size_t size)
{
        X509 *cert = SSL_get1_peer_certificate(ssl);
        bool ok = false;

        if (cert && SSL_get_verify_result(ssl) == X509_V_OK) {
                X509_NAME *name = X509_get_subject_name(cert);

                ok = X509_NAME_get_text_by_NID(name, NID_commonName, buf, (int) size) > 0;
        }
        X509_free(cert);
        return ok;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
        X509V3_CTX v3;
        X509_EXTENSION *ext;
        int ok;

        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
        if (!ext)
                return 0;
        ok = X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
        return ok;
}

int tls_make_self_signed(const char *certificate, const char *key, const char *hostname,
                         struct owmi_error *err)
{
        EVP_PKEY *pkey = EVP_EC_gen("P-256");
        X509 *cert = X509_new();
        X509_NAME *name;
        char san[600];
        FILE *f = NULL;
        int fd, r = -1;

        if (!pkey || !cert) {
                r = ssl_failure(err, "cannot make a key");
                goto out;
        }
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), (long) time(NULL));
        X509_gmtime_adj(X509_getm_notBefore(cert), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
        X509_set_pubkey(cert, pkey);
        name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *) "OpenWMI", -1, -1, 0);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *) hostname, -1, -1, 0);
        X509_set_issuer_name(cert, name);
        snprintf(san, sizeof(san), "DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1", hostname);
        if (!add_ext(cert, NID_subject_alt_name, san) ||
            !add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") ||
            !X509_sign(cert, pkey, EVP_sha256())) {
                r = ssl_failure(err, "cannot sign the certificate");
                goto out;
        }
        fd = open(key, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || !(f = fdopen(fd, "w"))) {
                if (fd >= 0)
                        close(fd);
                r = owmi_error_set(err, OWMI_E_FAILED, "cannot write %s: %s", key, strerror(errno));
                goto out;
        }
        if (!PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)) {
                fclose(f);
                r = ssl_failure(err, "cannot write the key");
                goto out;
        }
        fclose(f);
        f = fopen(certificate, "we");
        if (!f) {
                r = owmi_error_set(err, OWMI_E_FAILED, "cannot write %s: %s", certificate, strerror(errno));
                goto out;
        }
        if (!PEM_write_X509(f, cert)) {
                fclose(f);
                r = ssl_failure(err, "cannot write the certificate");
                goto out;
        }
        fclose(f);
        r = 0;
out:
        X509_free(cert);
        EVP_PKEY_free(pkey);
        return r;
}
