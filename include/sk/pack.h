/* sk/pack.h - signed survey packs: a questionnaire exactly as authored plus
 * the study's public keys, signed with the study's Ed25519 key.
 * Byte layout: docs/FORMATS.md.
 */
#ifndef SK_PACK_H
#define SK_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"
#include "sk/keys.h"

/* The largest pack file any reader accepts: 32 MiB of content (the
 * questionnaire and its attachments together) plus room for the header,
 * the attachments' names, the delivery fields and the signature
 * (docs/FORMATS.md). */
#define SK_PACK_FILE_MAX ((size_t)(32u << 20) + 32768u)
/* At most this many attachments (media shown in labels, CSV for pulldata). */
#define SK_PACK_ATTACHMENTS_MAX 64
/* The longest delivery URL, in bytes. */
#define SK_PACK_URL_MAX 255

/* A file that travels with the questionnaire (an image shown in a label, a
 * CSV read by pulldata()).  name is a plain file name (no folder). */
typedef struct sk_pack_file {
    char *name;
    uint8_t *bytes;
    size_t len;
} sk_pack_file;

/* Where kiosks deliver records by themselves (survey-sync serve), when the
 * pack names a server. */
typedef struct sk_pack_delivery {
    char *url;                   /* "https://HOST:PORT" or "http://..."; NULL: no server */
    uint8_t tls_pin[32];         /* SHA-256 of the server certificate's SubjectPublicKeyInfo (DER) */
    uint8_t receipt_pk[32];      /* the server's Ed25519 key that signs receipts */
} sk_pack_delivery;

typedef struct sk_pack {
    sk_study_pub study;
    char *form_id, *form_version, *form_title;
    char *file_name;          /* the questionnaire's original file name (picks its format) */
    uint8_t *form_bytes;      /* the questionnaire file, byte for byte */
    size_t form_len;
    int64_t created_ms;
    uint8_t digest[32];       /* BLAKE2b-256 of the whole pack file: identifies it */
    uint8_t version;          /* the pack's format version (1 or 2) */
    sk_pack_file *attachments;  /* n_attachments files, in the order packed; NULL when none */
    size_t n_attachments;
    sk_pack_delivery delivery;  /* delivery.url NULL: the pack names no server */
} sk_pack;

/* What a pack holds beyond the questionnaire; all optional (zeroed: none).
 * The caller keeps ownership of everything it points to. */
typedef struct sk_pack_extras {
    const sk_pack_file *attachments;
    size_t n_attachments;
    const char *deliver_url;        /* NULL or "": the pack names no server */
    const uint8_t *tls_pin;         /* 32 bytes; required with deliver_url */
    const uint8_t *receipt_pk;      /* 32 bytes; required with deliver_url */
} sk_pack_extras;

/* Build and sign a pack and write it atomically to out_path.  The caller has
 * already checked the form (sk_form_load) and passes its id, version and title. */
sk_status sk_pack_write(const char *out_path, const sk_study_key *key, const char *form_id,
                        const char *form_version, const char *form_title, const char *file_name,
                        const uint8_t *form_bytes, size_t form_len, sk_error *err);

/* sk_pack_write with attachments and a delivery server (extras may be NULL).
 * SK_ERR_ARG when an attachment's name is not a plain file name or repeats
 * another's (ignoring ASCII case, as Windows does), when there are more than
 * SK_PACK_ATTACHMENTS_MAX, when the questionnaire and attachments together
 * exceed 32 MiB, or when a URL is longer than SK_PACK_URL_MAX, not UTF-8, has
 * control characters or comes without its pin and receipt key. */
sk_status sk_pack_write_with(const char *out_path, const sk_study_key *key, const char *form_id,
                             const char *form_version, const char *form_title, const char *file_name,
                             const uint8_t *form_bytes, size_t form_len, const sk_pack_extras *extras,
                             sk_error *err);

/* The attachment called name (exact bytes), or NULL. */
const sk_pack_file *sk_pack_attachment(const sk_pack *pack, const char *name);

/* Parse and verify a pack in memory: SK_ERR_FORMAT when truncated or not a
 * pack, SK_ERR_AUTH when the signature does not verify, SK_ERR_UNSUPPORTED for
 * a newer format.  Reads versions 1 (no attachments, no server) and 2.
 * *out set only on success; free with sk_pack_free. */
sk_status sk_pack_parse(const uint8_t *buf, size_t len, sk_pack **out, sk_error *err);
/* sk_read_file + sk_pack_parse, with the path in error messages. */
sk_status sk_pack_read(const char *path, sk_pack **out, sk_error *err);
void sk_pack_free(sk_pack *pack);  /* NULL is a no-op */

#endif
