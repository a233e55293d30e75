/* fuzz_merge.c - sk_cstore_merge of a signed bundle into a fresh central
 * store: the path a researcher's bundle takes into central.db.
 *
 * Byte 0 holds flags, the rest is a list of items:
 *   flags bit 0   pin the store to the test study first
 *   flags bit 1   enrol the test device first (its records are accepted,
 *                 not held)
 *   flags bit 2   merge the bundle a second time (everything "present")
 *   item          kind byte, then by kind % 4:
 *     0  a raw pack:    u16 length, bytes
 *     1  a raw record:  u16 length, bytes
 *     2  a record sealed and signed by the harness: a header (fz_header),
 *        u16 payload length, payload
 *     3  a pack made with sk_pack_write by the test study: u8 form id
 *        length, id, u16 length, questionnaire bytes (file name fuzz.md)
 * The bundle is written with sk_bundle_writer_* and signed with the test
 * device key, so every input gets past the bundle's signature.  The store
 * lives in a private temporary folder and is deleted before every input.
 * After the merge the store is read back: status, and every record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "fuzz_util.h"
#include "sk/bundle.h"
#include "sk/cstore.h"
#include "sk/pack.h"
#include "sk/record.h"

static size_t u16(fz_cur *c)
{
    size_t n = fz_u8(c);
    return n << 8 | fz_u8(c);
}

/* Appends one item to the bundle; false when the writer refused it. */
static int add_item(sk_bundle_writer *w, fz_cur *c)
{
    unsigned kind = fz_u8(c) % 4;
    const uint8_t *bytes;
    size_t n;
    if (kind < 2) {
        n = fz_take(c, u16(c), &bytes);
        if (n == 0)
            return 1;
        return (kind == 0 ? sk_bundle_writer_add_pack(w, bytes, n, NULL)
                          : sk_bundle_writer_add_record(w, bytes, n, NULL)) == SK_OK;
    }
    if (kind == 2) {
        sk_record_header h;
        fz_header(c, &h);
        n = fz_take(c, u16(c), &bytes);
        uint8_t *blob;
        size_t len;
        if (sk_record_seal(&h, &fz_study.pub, &fz_device, bytes, n, &blob, &len, NULL) != SK_OK)
            return 1;
        int ok = sk_bundle_writer_add_record(w, blob, len, NULL) == SK_OK;
        free(blob);
        return ok;
    }
    const uint8_t *id;
    size_t id_len = fz_take(c, fz_u8(c) % (SK_FORM_ID_MAX + 1), &id);
    char form_id[SK_FORM_ID_MAX + 1];
    memcpy(form_id, id, id_len);
    form_id[id_len] = '\0';
    n = fz_take(c, u16(c), &bytes);
    char path[512];
    fz_path(path, sizeof path, "item.pack");
    unlink(path);
    if (sk_pack_write(path, &fz_study, form_id, "1", "Fuzz", "fuzz.md", bytes, n, NULL) != SK_OK)
        return 1;
    FILE *f = fopen(path, "rb");
    if (!f)
        abort();
    uint8_t *pack = malloc(n + 4096);
    size_t len = pack ? fread(pack, 1, n + 4096, f) : 0;
    fclose(f);
    int ok = sk_bundle_writer_add_pack(w, pack, len, NULL) == SK_OK;
    free(pack);
    return ok;
}

static int count_record(void *user, const sk_record_header *h, const uint8_t *blob, size_t len,
                        sk_error *err)
{
    (void)h;
    (void)blob;
    (void)len;
    (void)err;
    ++*(size_t *)user;
    return 0;
}

static void remove_store(const char *db)
{
    char p[600];
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", db);
    unlink(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_keys_init();
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    char bundle[512], db[512];
    fz_path(bundle, sizeof bundle, "merge.skb");
    fz_path(db, sizeof db, "central.db");

    sk_bundle_writer *w = NULL;
    if (sk_bundle_writer_open(bundle, fz_device_id, "fuzz kiosk", fz_device.pk, &w, NULL) != SK_OK)
        abort(); /* fixed, valid arguments: a failure here is a bug */
    fz_cur c = {data + 1, size - 1};
    while (c.left > 0)
        if (!add_item(w, &c)) {
            sk_bundle_writer_abort(w);
            return 0;
        }
    if (sk_bundle_writer_finish(w, &fz_device, NULL) != SK_OK)
        return 0;

    remove_store(db);
    sk_cstore *cs = NULL;
    if (sk_cstore_open(db, &cs, NULL) != SK_OK)
        abort(); /* a fresh store in a private folder must open */
    if (flags & 1)
        sk_cstore_pin_study(cs, &fz_study.pub, NULL);
    if (flags & 2) {
        char fp[SK_FINGERPRINT_SIZE], id[2 * SK_DEVICE_ID_SIZE + 1];
        sk_device_fingerprint(fz_device.pk, fp);
        sk_cstore_device_add(cs, fp, "fuzz kiosk", id, NULL);
    }
    sk_merge_stats stats;
    memset(&stats, 0, sizeof stats);
    sk_error err;
    sk_cstore_merge(cs, bundle, &stats, NULL, NULL, &err);
    if (flags & 4)
        sk_cstore_merge(cs, bundle, &stats, NULL, NULL, &err);
    sk_cstore_status st;
    if (sk_cstore_status_get(cs, &st, &err) == SK_OK)
        sk_cstore_status_free(&st);
    size_t n = 0;
    sk_cstore_foreach_record(cs, NULL, NULL, count_record, &n, &err);
    sk_cstore_close(cs);
    return 0;
}
