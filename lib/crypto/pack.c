/* pack.c - signed survey packs: the questionnaire file exactly as authored,
 * its id, version, title and file name, the files it uses (attachments), the
 * server kiosks deliver to (if any), and the study's public keys, signed with
 * the study's Ed25519 key.  Layout: docs/FORMATS.md, "Survey packs".
 * Version 1 (no attachments, no server) is still read: kiosks in the field
 * hold such packs. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto_internal.h"
#include "sk/answers.h"
#include "sk/pack.h"
#include "sk/text.h"
#include "sk/record.h"

#define PACK_MAGIC "SKPK"
#define PACK_VERSION 2
#define PACK_VERSION_OLDEST 1
#define PACK_TITLE_MAX 1024
#define PACK_FILE_NAME_MAX 255
/* The questionnaire and its attachments together. */
#define PACK_CONTENT_MAX (32u << 20)
/* The largest pack file a reader accepts. */
#define PACK_FILE_MAX SK_PACK_FILE_MAX
/* Everything but the content fits in the 32 KiB beside it: the fixed header
 * (80), id, version, title, file name (2+64, 2+32, 2+1024, 2+255), the form
 * length (4), the attachment count (2) and each attachment's name and length
 * (64 x (2+255+4)), the URL (2+255), pin, receipt key and signature (3x64). */
_Static_assert(80 + 66 + 34 + 1026 + 257 + 4 + 2 + SK_PACK_ATTACHMENTS_MAX * (2 + PACK_FILE_NAME_MAX + 4) +
                       2 + SK_PACK_URL_MAX + 3 * 64 <=
                   32768,
               "pack limits");
_Static_assert(SK_PACK_FILE_MAX == PACK_CONTENT_MAX + 32768u, "pack limits");

/* The form's own file name (it only names the form in messages and picks its
 * reader by extension; nothing is written under it): no folder, not "." or
 * "..".  Unlike an attachment's name (sk_plain_file_name) it has never been
 * refused for control characters, and packs made so still open. */
static bool bad_form_file_name(const char *name)
{
    return !name[0] || strchr(name, '/') || strchr(name, '\\') || strcmp(name, ".") == 0 ||
           strcmp(name, "..") == 0;
}

static bool utf8(const char *s)
{
    return sk_utf8_valid(s, strlen(s));
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* Attachment names are compared ignoring ASCII case: a pack unpacked on
 * Windows or a FAT stick must not have two files land on one name. */
static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* The attachments and delivery fields the writer is given: the same rules
 * the reader enforces. */
static sk_status check_extras(const char *out_path, const sk_pack_extras *x, size_t form_len, sk_error *err)
{
    if (!x)
        return SK_OK;
    if (x->n_attachments > SK_PACK_ATTACHMENTS_MAX || (x->n_attachments && !x->attachments))
        return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                               "a pack holds at most %d attached files; use fewer", SK_PACK_ATTACHMENTS_MAX);
    size_t total = form_len;
    for (size_t i = 0; i < x->n_attachments; i++) {
        const sk_pack_file *f = &x->attachments[i];
        if (!f->name || strlen(f->name) > PACK_FILE_NAME_MAX || !sk_plain_file_name(f->name) ||
            !utf8(f->name) || (!f->bytes && f->len))
            return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                                   "attached file '%s' needs a plain name of 1-%d bytes (no folder); "
                                   "rename it",
                                   f->name ? f->name : "", PACK_FILE_NAME_MAX);
        for (size_t j = 0; j < i; j++)
            if (same_name(f->name, x->attachments[j].name))
                return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                                       "attached files '%s' and '%s' have the same name (ignoring "
                                       "case); rename one",
                                       x->attachments[j].name, f->name);
        if (f->len > PACK_CONTENT_MAX - total)
            return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                                   "the questionnaire and its attached files are larger than %u bytes "
                                   "together; make the media smaller",
                                   PACK_CONTENT_MAX);
        total += f->len;
    }
    if (x->deliver_url && x->deliver_url[0]) {
        if (strlen(x->deliver_url) > SK_PACK_URL_MAX || !utf8(x->deliver_url) || has_control(x->deliver_url))
            return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                                   "the delivery URL must be at most %d bytes of text with no control "
                                   "characters",
                                   SK_PACK_URL_MAX);
        if (!x->tls_pin || !x->receipt_pk)
            return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                                   "a delivery URL needs the server's certificate pin and receipt key");
    }
    return SK_OK;
}

sk_status sk_pack_write(const char *out_path, const sk_study_key *key, const char *form_id,
                        const char *form_version, const char *form_title, const char *file_name,
                        const uint8_t *form_bytes, size_t form_len, sk_error *err)
{
    return sk_pack_write_with(out_path, key, form_id, form_version, form_title, file_name, form_bytes,
                              form_len, NULL, err);
}

sk_status sk_pack_write_with(const char *out_path, const sk_study_key *key, const char *form_id,
                             const char *form_version, const char *form_title, const char *file_name,
                             const uint8_t *form_bytes, size_t form_len, const sk_pack_extras *extras,
                             sk_error *err)
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
        title_len > PACK_TITLE_MAX || name_len > PACK_FILE_NAME_MAX || bad_form_file_name(base) ||
        !utf8(form_id) || !utf8(form_version) || !utf8(form_title) || !utf8(base))
        return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                               "the form id (1-%d bytes), version (up to %d), title (up to %d) or file "
                               "name (up to %d) does not fit in a pack; shorten it",
                               SK_FORM_ID_MAX, SK_FORM_VERSION_MAX, PACK_TITLE_MAX, PACK_FILE_NAME_MAX);
    if (form_len > PACK_CONTENT_MAX)
        return sk_error_set_at(err, SK_ERR_ARG, out_path, NULL, 0, NULL,
                               "the questionnaire file is larger than %u bytes; make it smaller",
                               PACK_CONTENT_MAX);
    sk_status st = check_extras(out_path, extras, form_len, err);
    if (st != SK_OK)
        return st;
    st = sk_crypto_init(err);
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
    size_t n_att = extras ? extras->n_attachments : 0;
    sk_obuf_u16(&b, (uint16_t)n_att);
    for (size_t i = 0; i < n_att; i++) {
        const sk_pack_file *f = &extras->attachments[i];
        sk_obuf_u16(&b, (uint16_t)strlen(f->name));
        sk_obuf_put(&b, f->name, strlen(f->name));
        sk_obuf_u32(&b, (uint32_t)f->len);
        sk_obuf_put(&b, f->bytes, f->len);
    }
    static const uint8_t zero[32];
    const char *url = extras && extras->deliver_url ? extras->deliver_url : "";
    sk_obuf_u16(&b, (uint16_t)strlen(url));
    sk_obuf_put(&b, url, strlen(url));
    sk_obuf_put(&b, url[0] ? extras->tls_pin : zero, 32);
    sk_obuf_put(&b, url[0] ? extras->receipt_pk : zero, 32);
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
    for (size_t i = 0; i < pack->n_attachments; i++) {
        free(pack->attachments[i].name);
        free(pack->attachments[i].bytes);
    }
    free(pack->attachments);
    free(pack->delivery.url);
    free(pack);
}

static sk_status truncated(sk_error *err)
{
    return sk_error_set(err, SK_ERR_FORMAT, "the survey pack is truncated or malformed; copy it again");
}

/* Version 2's tail after the form bytes: the attachments and the delivery
 * fields.  Fills pk (which owns what it gets); false when malformed. */
static bool take_v2_tail(sk_cursor *c, size_t form_len, sk_pack *pk)
{
    uint16_t n;
    if (!sk_take_u16(c, &n) || n > SK_PACK_ATTACHMENTS_MAX)
        return false;
    if (n && !(pk->attachments = calloc(n, sizeof *pk->attachments)))
        return false;
    size_t total = form_len;
    for (uint16_t i = 0; i < n; i++) {
        sk_pack_file *f = &pk->attachments[i];
        uint32_t len;
        const uint8_t *bytes;
        pk->n_attachments = (size_t)i + 1;  /* so that sk_pack_free frees what was taken */
        if (!sk_take_str16(c, PACK_FILE_NAME_MAX, &f->name) || !sk_plain_file_name(f->name) ||
            !sk_take_u32(c, &len) || len > PACK_CONTENT_MAX - total ||
            !sk_take(c, len, &bytes))
            return false;
        for (uint16_t j = 0; j < i; j++)
            if (same_name(f->name, pk->attachments[j].name))
                return false;
        total += len;
        if (!(f->bytes = malloc(len ? len : 1)))
            return false;
        memcpy(f->bytes, bytes, len);
        f->len = len;
    }
    char *url = NULL;
    const uint8_t *pin, *rk;
    if (!sk_take_str16(c, SK_PACK_URL_MAX, &url) || !sk_take(c, 32, &pin) || !sk_take(c, 32, &rk)) {
        free(url);
        return false;
    }
    if (!url[0]) {  /* no server: the pin and key must be zero, so a pack has one spelling */
        free(url);
        return all_zero(pin, 32) && all_zero(rk, 32);
    }
    pk->delivery.url = url;
    memcpy(pk->delivery.tls_pin, pin, 32);
    memcpy(pk->delivery.receipt_pk, rk, 32);
    return !has_control(url);
}

static bool names_utf8(const sk_pack *pk)
{
    if (!(utf8(pk->form_id) && utf8(pk->form_version) && utf8(pk->form_title) && utf8(pk->file_name)))
        return false;
    for (size_t i = 0; i < pk->n_attachments; i++)
        if (!utf8(pk->attachments[i].name))
            return false;
    return !pk->delivery.url || utf8(pk->delivery.url);
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
    if (version < PACK_VERSION_OLDEST)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "the survey pack has format version %u, from an older release that "
                            "this build no longer reads; make the pack again with survey-sync pack",
                            version);
    if (version > PACK_VERSION)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "the survey pack has format version %u, which this build cannot read; "
                            "update the software",
                            version);
    sk_pack *pk = calloc(1, sizeof *pk);
    if (!pk)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    pk->version = version;
    sk_status st = SK_OK;
    if (!sk_take(&c, 3, &p) || p[0] || p[1] || p[2] || !sk_take_u64(&c, &created) ||
        !sk_take(&c, 32, &box) || !sk_take(&c, 32, &sign) ||
        !sk_take_str16(&c, SK_FORM_ID_MAX, &pk->form_id) ||
        !sk_take_str16(&c, SK_FORM_VERSION_MAX, &pk->form_version) ||
        !sk_take_str16(&c, PACK_TITLE_MAX, &pk->form_title) ||
        !sk_take_str16(&c, PACK_FILE_NAME_MAX, &pk->file_name) || !sk_take_u32(&c, &form_len) ||
        form_len > PACK_CONTENT_MAX || !sk_take(&c, form_len, &form) ||
        (version >= 2 && !take_v2_tail(&c, form_len, pk)) || !sk_take(&c, crypto_sign_BYTES, &sig) ||
        c.left != 0 || !pk->form_id[0] || bad_form_file_name(pk->file_name))
        st = truncated(err);
    if (st == SK_OK && crypto_sign_verify_detached(sig, buf, len - crypto_sign_BYTES, sign) != 0)
        st = sk_error_set(err, SK_ERR_AUTH,
                          "the survey pack's signature does not verify: it was altered or damaged; "
                          "get the pack again from the research team");
    if (st == SK_OK && !names_utf8(pk))
        st = sk_error_set(err, SK_ERR_FORMAT,
                          "the survey pack's form id, version, title, file names or URL are not "
                          "valid UTF-8; it was not made by survey-sync pack");
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

const sk_pack_file *sk_pack_attachment(const sk_pack *pack, const char *name)
{
    if (!pack || !name)
        return NULL;
    for (size_t i = 0; i < pack->n_attachments; i++)
        if (strcmp(pack->attachments[i].name, name) == 0)
            return &pack->attachments[i];
    return NULL;
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
