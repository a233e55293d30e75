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

/* The largest pack file any reader accepts: 32 MiB of questionnaire plus
 * room for the header and signature (docs/FORMATS.md). */
#define SK_PACK_FILE_MAX ((size_t)(32u << 20) + 4096u)

typedef struct sk_pack {
    sk_study_pub study;
    char *form_id, *form_version, *form_title;
    char *file_name;          /* the questionnaire's original file name (picks its format) */
    uint8_t *form_bytes;      /* the questionnaire file, byte for byte */
    size_t form_len;
    int64_t created_ms;
    uint8_t digest[32];       /* BLAKE2b-256 of the whole pack file: identifies it */
} sk_pack;

/* Build and sign a pack and write it atomically to out_path.  The caller has
 * already checked the form (sk_form_load) and passes its id, version and title. */
sk_status sk_pack_write(const char *out_path, const sk_study_key *key, const char *form_id,
                        const char *form_version, const char *form_title, const char *file_name,
                        const uint8_t *form_bytes, size_t form_len, sk_error *err);

/* Parse and verify a pack in memory: SK_ERR_FORMAT when truncated or not a
 * pack, SK_ERR_AUTH when the signature does not verify, SK_ERR_UNSUPPORTED for
 * a newer format.  *out set only on success; free with sk_pack_free. */
sk_status sk_pack_parse(const uint8_t *buf, size_t len, sk_pack **out, sk_error *err);
/* sk_read_file + sk_pack_parse, with the path in error messages. */
sk_status sk_pack_read(const char *path, sk_pack **out, sk_error *err);
void sk_pack_free(sk_pack *pack);  /* NULL is a no-op */

#endif
