/* sync_scenario_kiosk.c - the kiosk side of the end-to-end sync scenario
 * (sync_scenario.py), driven through the core API exactly as the kiosk
 * drives it: sittings are started, saved and finished in a real kiosk.db.
 *
 *   sync_scenario_kiosk kiosk DATA_DIR PACK LABEL SPEC.json OUT.json
 *       install PACK (unless "-"), run the sittings of SPEC, write OUT.json:
 *       {"device_id": "...", "codes": [code or null per sitting]}
 *   sync_scenario_kiosk export DATA_DIR OUTDIR [all]
 *       write a bundle; prints its path (nothing when there was nothing new)
 *   sync_scenario_kiosk forge PACK OUTDIR OUT.json
 *       bundles no kiosk would write: two that carry the same record id with
 *       different bytes (a conflict) and one that claims the first device's id
 *       but is signed by another key (a device key mismatch)
 *
 * SPEC: {"sittings": [{"outcome": "finish" | "decline" | "abandon",
 *                      "language": "Cymraeg (cy)" (optional),
 *                      "consent": {name: value}, "answers": {name: value},
 *                      "pause_s": seconds between the consent page and the answers,
 *                      "pause_end_s": seconds between the answers and the end
 *                      (both optional: times the export must tell apart)}]}
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/kstore.h"
#include "sk/pack.h"
#include "sk/record.h"

static int fail(const char *what, const sk_error *err)
{
    char buf[1200] = "";
    if (err)
        sk_error_format(err, buf, sizeof buf);
    fprintf(stderr, "sync_scenario_kiosk: %s: %s\n", what, buf);
    return 1;
}

static sk_status set_all(sk_answers *a, json_t *obj, sk_section section, sk_error *err)
{
    const char *name;
    json_t *v;
    json_object_foreach(obj, name, v)
    {
        if (!json_is_string(v))
            return sk_error_set(err, SK_ERR_ARG, "answer %s is not a string", name);
        sk_status st = sk_answers_set(a, name, json_string_value(v), section, sk_now_ms());
        if (st != SK_OK)
            return sk_error_set(err, st, "cannot set %s", name);
    }
    return SK_OK;
}

static void pause_s(json_t *spec, const char *key)
{
    double s = json_number_value(json_object_get(spec, key));
    if (s > 0) {
        struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static sk_status run_sitting(sk_kstore *ks, json_t *spec, json_t *codes, sk_error *err)
{
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *s = NULL;
    sk_status st = sk_kstore_sitting_start(ks, &a, &s, err);
    if (st != SK_OK)
        return st;
    json_t *lang = json_object_get(spec, "language");
    if (json_is_string(lang))
        st = sk_answers_set_meta(&a.language, json_string_value(lang));
    /* Consent first, saved, then the answers, saved: as the kiosk pages. */
    if (st == SK_OK)
        st = set_all(&a, json_object_get(spec, "consent"), SK_SECTION_CONSENT, err);
    if (st == SK_OK)
        st = sk_sitting_save(s, &a, err);
    const char *outcome = json_string_value(json_object_get(spec, "outcome"));
    if (st == SK_OK && strcmp(outcome, "decline") != 0) {
        pause_s(spec, "pause_s");
        st = set_all(&a, json_object_get(spec, "answers"), SK_SECTION_RESPONSE, err);
        if (st == SK_OK)
            st = sk_sitting_save(s, &a, err);
    }
    char code[SK_WCODE_SIZE] = "";
    pause_s(spec, "pause_end_s");
    if (st == SK_OK) {
        if (strcmp(outcome, "finish") == 0)
            st = sk_sitting_finish(s, &a, code, err);
        else if (strcmp(outcome, "decline") == 0)
            st = sk_sitting_decline(s, &a, err);
        else
            st = sk_sitting_abandon(s, &a, err);
    }
    if (st == SK_OK)
        json_array_append_new(codes, *code ? json_string(code) : json_null());
    sk_answers_free(&a);
    return st;
}

static int cmd_kiosk(char **argv)
{
    const char *dir = argv[2], *pack = argv[3], *label = argv[4], *spec_path = argv[5];
    sk_error err;
    json_error_t jerr;
    json_t *spec = json_load_file(spec_path, 0, &jerr);
    if (!spec) {
        fprintf(stderr, "sync_scenario_kiosk: %s: %s\n", spec_path, jerr.text);
        return 1;
    }
    sk_kstore *ks = NULL;
    if (sk_kstore_open(dir, &ks, &err) != SK_OK)
        return fail("open", &err);
    if (strcmp(pack, "-") != 0 && sk_kstore_install_pack(ks, pack, NULL, &err) != SK_OK)
        return fail("install", &err);
    if (sk_kstore_set_label(ks, label, &err) != SK_OK)
        return fail("label", &err);
    json_t *codes = json_array();
    json_t *sittings = json_object_get(spec, "sittings");
    size_t i;
    json_t *one;
    json_array_foreach(sittings, i, one)
    {
        if (run_sitting(ks, one, codes, &err) != SK_OK)
            return fail("sitting", &err);
    }
    json_t *out = json_pack("{s:s, s:o}", "device_id", sk_kstore_device_id(ks), "codes", codes);
    int rc = json_dump_file(out, argv[6], JSON_INDENT(1)) == 0 ? 0 : 1;
    json_decref(out);
    json_decref(spec);
    sk_kstore_close(ks);
    return rc;
}

static int cmd_export(int argc, char **argv)
{
    sk_error err;
    sk_kstore *ks = NULL;
    if (sk_kstore_open(argv[2], &ks, &err) != SK_OK)
        return fail("open", &err);
    char path[4096] = "";
    uint64_t n = 0;
    bool all = argc > 4 && strcmp(argv[4], "all") == 0;
    sk_status st = sk_kstore_export(ks, argv[3], all, path, sizeof path, &n, &err);
    sk_kstore_close(ks);
    if (st != SK_OK)
        return fail("export", &err);
    if (n)
        printf("%s\n", path);
    return 0;
}

/* A sealed response record of the device whose key is `key` (it signs the
 * record, as a kiosk does) with the given answers. */
static sk_status forge_record(const sk_pack *pack, const sk_device_key *key, uint64_t seq,
                              const uint8_t record_id[SK_RECORD_ID_SIZE],
                              const char *role, const char *years, uint8_t **blob, size_t *len,
                              sk_error *err)
{
    sk_record_header h = {0};
    h.kind = SK_REC_RESPONSE;
    memcpy(h.record_id, record_id, SK_RECORD_ID_SIZE);
    sk_device_id(key->pk, h.device_id);
    h.seq = seq;
    snprintf(h.form_id, sizeof h.form_id, "%s", pack->form_id);
    snprintf(h.form_version, sizeof h.form_version, "%s", pack->form_version);
    sk_answers a;
    sk_answers_init(&a);
    int64_t now = sk_now_ms();
    sk_answers_set_meta(&a.form_id, pack->form_id);
    sk_answers_set_meta(&a.form_version, pack->form_version);
    a.started_ms = now - 60000;
    a.finished_ms = now;
    sk_answers_set(&a, "role", role, SK_SECTION_RESPONSE, now);
    sk_answers_set(&a, "changed", "no", SK_SECTION_RESPONSE, now);
    sk_answers_set(&a, "years", years, SK_SECTION_RESPONSE, now);
    char *json = NULL;
    size_t json_len = 0;
    sk_status st = sk_answers_to_json(&a, -1, &json, &json_len, err);
    if (st == SK_OK)
        st = sk_record_seal(&h, &pack->study, key, json, json_len, blob, len, err);
    sk_secret_free(json, json_len);
    sk_answers_free(&a);
    return st;
}

/* A bundle signed by key.  With claim, the header then claims another
 * device's id and is re-signed by key (docs/FORMATS.md: the id sits at bytes
 * 8-15; the signature covers the BLAKE2b-512 of everything before it), which
 * the writer refuses to do: the "device key mismatch" an attacker would try. */
static sk_status forge_bundle(const char *path, const sk_device_key *key,
                              const uint8_t *claim, const uint8_t *pack_bytes,
                              size_t pack_len, const uint8_t *rec, size_t rec_len, sk_error *err)
{
    uint8_t own[SK_DEVICE_ID_SIZE];
    sk_device_id(key->pk, own);
    sk_bundle_writer *w = NULL;
    sk_status st = sk_bundle_writer_open(path, own, "forged", key->pk, &w, err);
    if (st != SK_OK)
        return st;
    st = sk_bundle_writer_add_pack(w, pack_bytes, pack_len, err);
    if (st == SK_OK)
        st = sk_bundle_writer_add_record(w, rec, rec_len, err);
    if (st != SK_OK) {
        sk_bundle_writer_abort(w);
        return st;
    }
    st = sk_bundle_writer_finish(w, key, err);
    if (st != SK_OK || !claim)
        return st;
    uint8_t *bytes = NULL;
    size_t len = 0;
    st = sk_read_file(path, 1 << 24, &bytes, &len, err);
    if (st != SK_OK)
        return st;
    memcpy(bytes + 8, claim, SK_DEVICE_ID_SIZE);
    uint8_t h[64];
    crypto_generichash(h, sizeof h, bytes, len - 64, NULL, 0);
    crypto_sign_detached(bytes + len - 64, NULL, h, sizeof h, key->sk);
    st = sk_write_file_atomic(path, bytes, len, 0600, 0, err);
    free(bytes);
    return st;
}

static int cmd_forge(char **argv)
{
    const char *pack_path = argv[2], *outdir = argv[3];
    sk_error err;
    uint8_t *pack_bytes = NULL;
    size_t pack_len = 0;
    sk_pack *pack = NULL;
    if (sk_read_file(pack_path, 1 << 24, &pack_bytes, &pack_len, &err) != SK_OK ||
        sk_pack_parse(pack_bytes, pack_len, &pack, &err) != SK_OK)
        return fail("pack", &err);
    sk_device_key key_a, key_b;
    crypto_sign_keypair(key_a.pk, key_a.sk);
    crypto_sign_keypair(key_b.pk, key_b.sk);
    uint8_t device[SK_DEVICE_ID_SIZE], rid[SK_RECORD_ID_SIZE], rid2[SK_RECORD_ID_SIZE];
    sk_device_id(key_a.pk, device); /* ids belong to keys (docs/FORMATS.md) */
    randombytes_buf(rid, sizeof rid);
    randombytes_buf(rid2, sizeof rid2);

    uint8_t *r1 = NULL, *r1b = NULL, *r2 = NULL;
    size_t l1 = 0, l1b = 0, l2 = 0;
    char first[4096], conflict[4096], mismatch[4096];
    snprintf(first, sizeof first, "%s/forged-first.skb", outdir);
    snprintf(conflict, sizeof conflict, "%s/forged-conflict.skb", outdir);
    snprintf(mismatch, sizeof mismatch, "%s/forged-mismatch.skb", outdir);
    if (forge_record(pack, &key_a, 1, rid, "management", "7", &r1, &l1, &err) != SK_OK ||
        forge_record(pack, &key_a, 1, rid, "clinical", "9", &r1b, &l1b, &err) != SK_OK ||
        forge_record(pack, &key_a, 2, rid2, "data", "3", &r2, &l2, &err) != SK_OK ||
        forge_bundle(first, &key_a, NULL, pack_bytes, pack_len, r1, l1, &err) != SK_OK ||
        forge_bundle(conflict, &key_a, NULL, pack_bytes, pack_len, r1b, l1b, &err) != SK_OK ||
        forge_bundle(mismatch, &key_b, device, pack_bytes, pack_len, r2, l2, &err) != SK_OK)
        return fail("forge", &err);
    char dev_hex[2 * SK_DEVICE_ID_SIZE + 1], rid_hex[2 * SK_RECORD_ID_SIZE + 1];
    sk_hex(device, sizeof device, dev_hex);
    sk_hex(rid, sizeof rid, rid_hex);
    json_t *out = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}", "device_id",
                            dev_hex, "record_id", rid_hex, "kept", "role", "management",
                            "changed", "no", "years", "7", "bundles", "first", first,
                            "conflict", conflict, "mismatch", mismatch);
    int rc = json_dump_file(out, argv[4], JSON_INDENT(1)) == 0 ? 0 : 1;
    json_decref(out);
    free(r1);
    free(r1b);
    free(r2);
    sodium_memzero(&key_a, sizeof key_a);
    sodium_memzero(&key_b, sizeof key_b);
    sk_pack_free(pack);
    free(pack_bytes);
    return rc;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    if (argc == 7 && strcmp(argv[1], "kiosk") == 0)
        return cmd_kiosk(argv);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "export") == 0)
        return cmd_export(argc, argv);
    if (argc == 5 && strcmp(argv[1], "forge") == 0)
        return cmd_forge(argv);
    fprintf(stderr, "usage: sync_scenario_kiosk kiosk DIR PACK LABEL SPEC OUT | export DIR OUTDIR "
                    "[all] | forge PACK OUTDIR OUT\n");
    return 2;
}
