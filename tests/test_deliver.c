/* test_deliver.c - the kiosk side of delivery without a network: the outbox
 * (sk_kstore_outbox_*: a bundle of what waits, marks from receipts only, the
 * state the admin screen shows) in a real kiosk.db with real sealed records,
 * receipts signed by a real server key, and the backoff schedule
 * (sk_deliver_backoff_ms).  The network half is in tests/e2e/serve_*.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "kstore_fixture.h"
#include "sk/bundle.h"
#include "sk/deliver.h"
#include "sk/kstore.h"
#include "sk/receipt.h"

#define FORM SK_TEST_DATA "/forms/golden_basic.md"

static void finish_sittings(sk_kstore *ks, int n)
{
    sk_error err;
    for (int i = 0; i < n; i++) {
        sk_answers a;
        sk_answers_init(&a);
        sk_sitting *s = NULL;
        assert_int_equal(sk_kstore_sitting_start(ks, &a, &s, &err), SK_OK);
        assert_int_equal(sk_answers_set(&a, "role", "clinical", SK_SECTION_RESPONSE, sk_now_ms()),
                         SK_OK);
        assert_int_equal(sk_sitting_finish(s, &a, NULL, &err), SK_OK);
        sk_answers_free(&a);
    }
}

/* The record ids in a bundle file, and its device id. */
static size_t bundle_ids(const char *path, uint8_t ids[][SK_RECORD_ID_SIZE], size_t max,
                         uint8_t device[SK_DEVICE_ID_SIZE], size_t *n_packs)
{
    sk_bundle_reader *r = NULL;
    sk_bundle_info info;
    sk_error err;
    assert_int_equal(sk_bundle_reader_open(path, &r, &info, &err), SK_OK);
    memcpy(device, info.device_id, SK_DEVICE_ID_SIZE);
    *n_packs = (size_t)info.n_packs;
    size_t n = 0;
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    while (sk_bundle_reader_next(r, &kind, &data, &len, &err) == 1) {
        if (kind != SK_ITEM_RECORD)
            continue;
        sk_record_header h;
        assert_int_equal(sk_record_header_parse(data, len, &h, &err), SK_OK);
        assert_true(n < max);
        memcpy(ids[n++], h.record_id, SK_RECORD_ID_SIZE);
    }
    assert_int_equal(sk_bundle_reader_close(r, &err), SK_OK);
    return n;
}

static void test_outbox(void **state)
{
    (void)state;
    char dir[1024], study[1100], kdir[1100], pack[1100], sdir[1100], out[1200];
    fx_dir(dir, sizeof dir, "deliver_outbox");
    snprintf(study, sizeof study, "%s/study", dir);
    snprintf(kdir, sizeof kdir, "%s/kiosk", dir);
    snprintf(pack, sizeof pack, "%s/f.pack", dir);
    snprintf(sdir, sizeof sdir, "%s/server", dir);
    snprintf(out, sizeof out, "%s/outbox.skb", kdir);
    sk_study_key *key = fx_study_and_pack(study, FORM, "golden_basic", "2026.1", pack);
    assert_non_null(key);
    sk_study_key_free(key);
    sk_error err;
    assert_int_equal(mkdir(sdir, 0700), 0);
    uint8_t spk[32];
    assert_int_equal(sk_server_key_init(sdir, spk, &err), SK_OK);
    sk_server_key *skey = NULL;
    assert_int_equal(sk_server_key_load(sdir, &skey, &err), SK_OK);

    sk_kstore *ks = NULL;
    assert_int_equal(sk_kstore_open(kdir, &ks, &err), SK_OK);
    assert_int_equal(sk_kstore_install_pack(ks, pack, NULL, &err), SK_OK);
    sk_kstore_outbox *ob = NULL;
    assert_int_equal(sk_kstore_outbox_open(ks, &ob, &err), SK_OK);
    sk_delivery_state ds;
    assert_int_equal(sk_kstore_delivery_state(ks, &ds, &err), SK_OK);
    assert_int_equal(ds.waiting, 0);
    assert_int_equal(ds.last_try_ms, 0);
    uint64_t n = 99;
    bool packs = true;
    assert_int_equal(sk_kstore_outbox_bundle(ob, out, 10, &n, &packs, &err), SK_OK);
    assert_int_equal(n, 0); /* nothing waits: no file */
    assert_int_not_equal(access(out, F_OK), 0);

    finish_sittings(ks, 5); /* 5 records */
    assert_int_equal(sk_kstore_outbox_bundle(ob, out, 3, &n, &packs, &err), SK_OK);
    assert_int_equal(n, 3);
    assert_true(packs);
    uint8_t ids[8][SK_RECORD_ID_SIZE], dev[SK_DEVICE_ID_SIZE], digest[32] = {0};
    size_t n_packs = 0;
    assert_int_equal(bundle_ids(out, ids, 8, dev, &n_packs), 3);
    assert_int_equal(n_packs, 1);

    /* A receipt for another device marks nothing. */
    uint8_t other[SK_DEVICE_ID_SIZE];
    memset(other, 0x77, sizeof other);
    uint8_t *r = NULL;
    size_t len = 0;
    sk_receipt rc;
    assert_int_equal(sk_receipt_make(skey, other, digest, 1, (const uint8_t(*)[16])ids, 3, &r, &len,
                                     &err),
                     SK_OK);
    assert_int_equal(sk_receipt_verify(r, len, spk, &rc, &err), SK_OK);
    assert_int_equal(sk_kstore_outbox_delivered(ob, &rc, true, 1000, &n, &err), SK_ERR_AUTH);
    sk_receipt_clear(&rc);
    free(r);
    assert_int_equal(sk_kstore_delivery_state(ks, &ds, &err), SK_OK);
    assert_int_equal(ds.waiting, 5);

    /* A receipt that names two of the three: only those two are delivered. */
    assert_int_equal(sk_receipt_make(skey, dev, digest, 1, (const uint8_t(*)[16])ids, 2, &r, &len,
                                     &err),
                     SK_OK);
    assert_int_equal(sk_receipt_verify(r, len, spk, &rc, &err), SK_OK);
    assert_int_equal(sk_kstore_outbox_delivered(ob, &rc, true, 2000, &n, &err), SK_OK);
    assert_int_equal(n, 2);
    /* the same receipt again: nothing new */
    assert_int_equal(sk_kstore_outbox_delivered(ob, &rc, true, 2001, &n, &err), SK_OK);
    assert_int_equal(n, 0);
    sk_receipt_clear(&rc);
    free(r);
    assert_int_equal(sk_kstore_delivery_state(ks, &ds, &err), SK_OK);
    assert_int_equal(ds.waiting, 3);
    assert_int_equal(ds.delivered, 2);
    assert_int_equal(ds.last_ok_ms, 2001);
    assert_int_equal(ds.failures, 0);

    /* A failed try is remembered (across a restart: it is in kiosk.db). */
    assert_int_equal(sk_kstore_outbox_failed(ob, 3000, "cannot reach the server: No route to host",
                                             &err),
                     SK_OK);
    assert_int_equal(sk_kstore_outbox_failed(ob, 4000, "again", &err), SK_OK);
    assert_int_equal(sk_kstore_delivery_state(ks, &ds, &err), SK_OK);
    assert_int_equal(ds.failures, 2);
    assert_int_equal(ds.last_try_ms, 4000);
    assert_string_equal(ds.last_error, "again");

    /* The next bundle: the 3 not delivered, and no pack (a receipt covered it). */
    assert_int_equal(sk_kstore_outbox_bundle(ob, out, 10, &n, &packs, &err), SK_OK);
    assert_int_equal(n, 3);
    assert_false(packs);
    uint8_t ids2[8][SK_RECORD_ID_SIZE];
    assert_int_equal(bundle_ids(out, ids2, 8, dev, &n_packs), 3);
    assert_int_equal(n_packs, 0);
    assert_memory_equal(ids2[0], ids[2], SK_RECORD_ID_SIZE); /* the one left out before */
    assert_int_equal(sk_receipt_make(skey, dev, digest, 1, (const uint8_t(*)[16])ids2, 3, &r, &len,
                                     &err),
                     SK_OK);
    assert_int_equal(sk_receipt_verify(r, len, spk, &rc, &err), SK_OK);
    assert_int_equal(sk_kstore_outbox_delivered(ob, &rc, false, 5000, &n, &err), SK_OK);
    assert_int_equal(n, 3);
    sk_receipt_clear(&rc);
    free(r);
    assert_int_equal(sk_kstore_outbox_state(ob, &ds, &err), SK_OK);
    assert_int_equal(ds.waiting, 0);
    assert_int_equal(ds.delivered, 5);
    assert_true(ds.delivered_up_to_ms > 0);
    assert_int_equal(ds.failures, 0);
    assert_string_equal(ds.last_error, "");
    /* Delivery deletes nothing: a USB export of everything still has all 5. */
    uint64_t exported = 0;
    assert_int_equal(sk_kstore_export(ks, dir, true, NULL, 0, &exported, &err), SK_OK);
    assert_int_equal(exported, 5);

    sk_kstore_outbox_close(ob);
    sk_kstore_outbox_close(NULL);
    sk_kstore_close(ks);
    sk_server_key_free(skey);
}

static void test_backoff(void **state)
{
    (void)state;
    /* failures -> the cap of the wait (30 s doubling, 15 min at most) */
    static const struct { uint32_t failures; int64_t cap; } table[] = {
        {1, 30000}, {2, 60000}, {3, 120000}, {4, 240000}, {5, 480000}, {6, 900000},
        {7, 900000}, {40, 900000}, {4000000000u, 900000},
    };
    assert_int_equal(sk_deliver_backoff_ms(0, 0, 0), 0);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        int64_t lo = INT64_MAX, hi = 0;
        for (int k = 0; k < 200; k++) {
            int64_t d = sk_deliver_backoff_ms(table[i].failures, 0, 0);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        assert_true(lo >= table[i].cap / 2);
        assert_true(hi <= table[i].cap);
        assert_true(hi > lo); /* jitter: kiosks that failed together spread out */
    }
    /* shorter settings (test hooks) follow the same shape */
    assert_true(sk_deliver_backoff_ms(10, 200, 1000) <= 1000);
    assert_true(sk_deliver_backoff_ms(1, 200, 1000) >= 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbox),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
