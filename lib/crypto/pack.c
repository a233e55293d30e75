/* pack.c - signed survey packs: the questionnaire file exactly as authored,
 * its id, version, title and file name, and the study's public keys, signed
 * with the study's Ed25519 key.  Layout: docs/FORMATS.md, "Survey packs". */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto_internal.h"
#include "sk/answers.h"
#include "sk/pack.h"
#include "sk/text.h"
#include "sk/record.h"

#define PACK_MAGIC "SKPK"
#define PACK_VERSION 1
#define PACK_TITLE_MAX 1024
#define PACK_FILE_NAME_MAX 255
#define PACK_FORM_MAX (32u << 20)
/* The largest pack file a reader accepts. */
#define PACK_FILE_MAX SK_PACK_FILE_MAX
_Static_assert(SK_PACK_FILE_MAX == PACK_FORM_MAX + 4096u, "pack limits");

static bool bad_file_name(const char *name)
{
    return !name[0] || strchr(name, '/') || strchr(name, '\\') || strcmp(name, ".") == 0 ||
           strcmp(name, "..") == 0;
}

static bool utf8(const char *s)
{
    return sk_utf8_valid(s, strlen(s));
}

sk_status sk_pack_write(const char *out_path, const sk_study_key *key, const char *form_id,
                        const char *form_version, const char *form_title, const char *file_name,
                        const uint8_t *form_bytes, size_t form_len, sk_error *err)
{
    if (!out_path || !key || !form_id || !form_version || !form_title || !file_name ||
        (!form_bytes && form_len))
        return sk_error_set(err, SK_ERR_ARG, "a pack needs a key, the form's id, version, title, "
                                             "file name and bytes");
    const char *base = strrchr(file_name, '/');
    base = base ? base + 1 : file_name;
    size_t id_len = strlen(form_id), ver_len = strlen(form_version), title_len = strlen(form_title),
           name_len = strlen(base);
    if (id_len == 0 || id_len > SK_FORM_ID_MAX || ver_len > SK_FORM_VERSION_MAX ||
        title_len > PACK_TITLE_MAX || name_len > PACK_FILE_NAME_MAX || bad_file_name(base) ||
        !utf8(form_id) || !utf8(form_version) || !utf8(form_title) || !utf8(base))
        return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                               "the form id (1-%d bytes), version (up to %d), title (up to %d) or file "
                               "name (up to %d) does not fit in a pack; shorten it",
                               SK_FORM_ID_MAX, SK_FORM_VERSION_MAX, PACK_TITLE_MAX, PACK_FILE_NAME_MAX);
    if (form_len > PACK_FORM_MAX)
        return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                               "the questionnaire file is larger than %u bytes; make it smaller",
                               PACK_FORM_MAX);
    sk_status st = sk_crypto_init(err);
    if (st != SK_OK)
        return st;
    sk_obuf b = {0};
    sk_obuf_put(&b, PACK_MAGIC, 4);
    sk_obuf_u8(&b, PACK_VERSION);
    sk_obuf_put(&b, "\0\0\0", 3);
    sk_obuf_u64(&b, (uint64_t)sk_now_ms());
    sk_obuf_put(&b, key->pub.box_pk, 32);
    sk_obuf_put(&b, key->pub.sign_pk, 32);
    sk_obuf_u16(&b, (uint16_t)id_len);
    sk_obuf_put(&b, form_id, id_len);
    sk_obuf_u16(&b, (uint16_t)ver_len);
    sk_obuf_put(&b, form_version, ver_len);
    sk_obuf_u16(&b, (uint16_t)title_len);
    sk_obuf_put(&b, form_title, title_len);
    sk_obuf_u16(&b, (uint16_t)name_len);
    sk_obuf_put(&b, base, name_len);
    sk_obuf_u32(&b, (uint32_t)form_len);
    sk_obuf_put(&b, form_bytes, form_len);
    uint8_t sig[crypto_sign_BYTES];
    if (!b.failed)
        crypto_sign_detached(sig, NULL, b.data, b.len, key->sign_sk);
    sk_obuf_put(&b, sig, sizeof sig);
    if (b.failed)
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    else
        st = sk_write_file_atomic(out_path, b.data, b.len, 0644, 0, err);
    sk_obuf_wipe(&b);
    return st;
}

void sk_pack_free(sk_pack *pack)
{
    if (!pack)
        return;
    free(pack->form_id);
    free(pack->form_version);
    free(pack->form_title);
    free(pack->file_name);
    free(pack->form_bytes);
    free(pack);
}

static sk_status truncated(sk_error *err)
{
    return sk_error_set(err, SK_ERR_FORMAT, "the survey pack is truncated or malformed; copy it again");
}

sk_status sk_pack_parse(const uint8_t *buf, size_t len, sk_pack **out, sk_error *err)
{
    if (!out)
        return sk_error_set(err, SK_ERR_ARG, "no place for the pack");
    sk_cursor c = {buf, buf ? len : 0};
    const uint8_t *p, *box, *sign, *form, *sig;
    uint8_t version;
    uint64_t created;
    uint32_t form_len;
    if (!sk_take(&c, 4, &p) || memcmp(p, PACK_MAGIC, 4) != 0 || !sk_take_u8(&c, &version))
        return sk_error_set(err, SK_ERR_FORMAT, "this is not a survey pack (made by survey-sync pack)");
    if (version < PACK_VERSION)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "the survey pack has format version %u, from an older release that "
                            "this build no longer reads; make the pack again with survey-sync pack",
                            version);
    if (version > PACK_VERSION)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "the survey pack has format version %u, which this build cannot read; "
                            "update the software",
                            version);
    if (version != PACK_VERSION)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "the survey pack has format version %u, from an older release that "
                            "this build no longer reads; make the pack again with survey-sync pack",
                            version);
    sk_pack *pk = calloc(1, sizeof *pk);
    if (!pk)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    sk_status st = SK_OK;
    if (!sk_take(&c, 3, &p) || p[0] || p[1] || p[2] || !sk_take_u64(&c, &created) ||
        !sk_take(&c, 32, &box) || !sk_take(&c, 32, &sign) ||
        !sk_take_str16(&c, SK_FORM_ID_MAX, &pk->form_id) ||
        !sk_take_str16(&c, SK_FORM_VERSION_MAX, &pk->form_version) ||
        !sk_take_str16(&c, PACK_TITLE_MAX, &pk->form_title) ||
        !sk_take_str16(&c, PACK_FILE_NAME_MAX, &pk->file_name) || !sk_take_u32(&c, &form_len) ||
        form_len > PACK_FORM_MAX || !sk_take(&c, form_len, &form) || !sk_take(&c, crypto_sign_BYTES, &sig) ||
        c.left != 0 || !pk->form_id[0] || bad_file_name(pk->file_name))
        st = truncated(err);
    if (st == SK_OK && crypto_sign_verify_detached(sig, buf, len - crypto_sign_BYTES, sign) != 0)
        st = sk_error_set(err, SK_ERR_AUTH,
                          "the survey pack's signature does not verify: it was altered or damaged; "
                          "get the pack again from the research team");
    if (st == SK_OK && !(utf8(pk->form_id) && utf8(pk->form_version) && utf8(pk->form_title) &&
                         utf8(pk->file_name)))
        st = sk_error_set(err, SK_ERR_FORMAT,
                          "the survey pack's form id, version, title or file name is not valid "
                          "UTF-8; it was not made by survey-sync pack");
    if (st == SK_OK && !(pk->form_bytes = malloc(form_len ? form_len : 1)))
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    if (st != SK_OK) {
        sk_pack_free(pk);
        return st;
    }
    memcpy(pk->form_bytes, form, form_len);
    pk->form_len = form_len;
    memcpy(pk->study.box_pk, box, 32);
    memcpy(pk->study.sign_pk, sign, 32);
    pk->created_ms = (int64_t)created;
    crypto_generichash(pk->digest, sizeof pk->digest, buf, len, NULL, 0);
    *out = pk;
    return SK_OK;
}

sk_status sk_pack_read(const char *path, sk_pack **out, sk_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    sk_status st = sk_read_file(path, PACK_FILE_MAX, &buf, &len, err);
    if (st != SK_OK)
        return st;
    st = sk_pack_parse(buf, len, out, err);
    free(buf);
    if (st != SK_OK)
        sk_error_set_file(err, path);
    return st;
}
