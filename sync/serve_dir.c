/* serve_dir.c - the server folder's TLS certificate: a self-signed
 * certificate made with GnuTLS (the TLS library libmicrohttpd is built with
 * in Debian), and the pin kiosks check it against.  Self-signed is enough:
 * kiosks never consult a CA, they compare the server's public key with the
 * pin inside their signed survey pack. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "serve.h"
#include "sk/keys.h"

static sk_status tls_fail(sk_error *err, const char *path, const char *what, int rc)
{
    return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL, "%s: %s", what,
                           gnutls_strerror(rc));
}

static sk_status spki_pin(gnutls_x509_crt_t crt, const char *path, uint8_t pin[32], sk_error *err)
{
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t der = {NULL, 0};
    int rc = gnutls_pubkey_init(&pub);
    if (rc >= 0)
        rc = gnutls_pubkey_import_x509(pub, crt, 0);
    if (rc >= 0)
        rc = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der);
    if (rc >= 0)
        rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, pin);
    gnutls_free(der.data);
    gnutls_pubkey_deinit(pub);
    return rc < 0 ? tls_fail(err, path, "cannot read the certificate's public key", rc) : SK_OK;
}

sk_status serve_tls_pin(const char *cert_path, uint8_t pin[32], sk_error *err)
{
    uint8_t *pem = NULL;
    size_t len = 0;
    sk_status st = sk_read_file(cert_path, 1u << 20, &pem, &len, err);
    if (st != SK_OK)
        return st;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t d = {pem, (unsigned)len};
    int rc = gnutls_x509_crt_init(&crt);
    if (rc >= 0)
        rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
    if (rc < 0)
        st = sk_error_set_at(err, SK_ERR_FORMAT, cert_path, NULL, 0, NULL,
                             "this is not a PEM certificate (%s); use the cert.pem that "
                             "survey-sync serve --init made",
                             gnutls_strerror(rc));
    else
        st = spki_pin(crt, cert_path, pin, err);
    gnutls_x509_crt_deinit(crt);
    free(pem);
    return st;
}

/* Export with fn into a datum and write it atomically. */
static sk_status write_datum(const char *path, const gnutls_datum_t *d, unsigned mode, sk_error *err)
{
    return sk_write_file_atomic(path, d->data, d->size, mode, 1, err);
}

sk_status serve_tls_init(const char *dir, const char *const *hosts, size_t n_hosts,
                         uint8_t pin[32], sk_error *err)
{
    char cert_path[4200], key_path[4200];
    snprintf(cert_path, sizeof cert_path, "%s/%s", dir, SERVE_CERT_FILE);
    snprintf(key_path, sizeof key_path, "%s/%s", dir, SERVE_TLS_KEY_FILE);
    struct stat sb;
    if (stat(cert_path, &sb) == 0 || stat(key_path, &sb) == 0)
        return sk_error_set_at(err, SK_ERR_EXISTS, dir, NULL, 0, NULL,
                               "the folder already holds a TLS certificate; keep it (kiosks "
                               "pin it) or choose another folder");
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t key_pem = {NULL, 0}, cert_pem = {NULL, 0};
    uint8_t serial[16];
    randombytes_buf(serial, sizeof serial);
    serial[0] &= 0x7f; /* a positive serial number */
    time_t now = time(NULL);
    int rc = gnutls_x509_privkey_init(&key);
    if (rc >= 0)
        rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (rc >= 0)
        rc = gnutls_x509_crt_init(&crt);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_version(crt, 3);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_activation_time(crt, now - 86400); /* kiosk clocks drift */
    if (rc >= 0)
        rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)10 * 365 * 86400);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                           "survey-sync serve", 17);
    for (size_t i = 0; rc >= 0 && i < n_hosts; i++)
        rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, hosts[i],
                                                  (unsigned)strlen(hosts[i]),
                                                  GNUTLS_FSAN_APPEND);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_key(crt, key);
    if (rc >= 0)
        rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
    if (rc >= 0)
        rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
    if (rc >= 0)
        rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert_pem);
    if (rc >= 0)
        rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &key_pem);
    sk_status st = rc < 0 ? tls_fail(err, dir, "cannot make the TLS certificate", rc) : SK_OK;
    if (st == SK_OK)
        st = spki_pin(crt, cert_path, pin, err);
    if (st == SK_OK)
        st = write_datum(key_path, &key_pem, 0600, err);
    if (st == SK_OK) {
        st = write_datum(cert_path, &cert_pem, 0644, err);
        if (st != SK_OK)
            remove(key_path); /* both or neither */
    }
    if (key_pem.data) {
        sodium_memzero(key_pem.data, key_pem.size);
        gnutls_free(key_pem.data);
    }
    gnutls_free(cert_pem.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key); /* GnuTLS clears the key's numbers when it frees them */
    return st;
}
