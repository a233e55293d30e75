/* test_crypto_record.c - sealed records (every kind, header without key,
 * wrapped drafts, another study, every flipped byte, every truncation),
 * withdrawal codes, and the golden record vectors in golden/crypto/. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/record.h"

/* The kiosk that writes every record here: a fixed seed, so that its id is
 * known; other_dev is a second kiosk. */
static sk_device_key dev, other_dev;

static void device_from_seed(uint8_t fill, sk_device_key *dk)
{
    uint8_t seed[32];
    memset(seed, fill, sizeof seed);
    crypto_sign_seed_keypair(dk->pk, dk->sk, seed);
}

static sk_study_key *make_key(void)
{
    sk_study_key *k = sodium_malloc(sizeof *k);
    assert_non_null(k);
    crypto_box_keypair(k->pub.box_pk, k->box_sk);
    crypto_sign_keypair(k->pub.sign_pk, k->sign_sk);
    return k;
}

static sk_record_header header(int kind, uint64_t seq)
{
    sk_record_header h;
    memset(&h, 0, sizeof h);
    h.kind = (uint8_t)kind;
    randombytes_buf(h.record_id, sizeof h.record_id);
    sk_device_id(dev.pk, h.device_id);
    h.seq = seq;
    strcpy(h.form_id, "wellbeing_2026");
    strcpy(h.form_version, "3");
    sk_wcode_tag("K7QF-3M9X-T2RD-8HWA", h.withdraw_tag);
    return h;
}

static void test_round_trip_every_kind(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    for (int kind = SK_REC_CONSENT; kind <= SK_REC_DRAFT; kind++) {
        sk_record_header h = header(kind, kind == SK_REC_DRAFT ? 0 : (uint64_t)kind * 1000);
        char payload[128];
        snprintf(payload, sizeof payload, "{\"kind\":\"%s\",\"q1\":\"ünïcode answer\"}", sk_rec_kind_name(kind));
        uint8_t *blob = NULL;
        size_t len = 0;
        sk_error err;
        assert_int_equal(sk_record_seal(&h, &key->pub, &dev, payload, strlen(payload), &blob, &len, &err), SK_OK);
        assert_null(memmem(blob, len, "answer", 6));  /* no plaintext in the record */
        sk_record_header clear, opened;
        assert_int_equal(sk_record_header_parse(blob, len, &clear, &err), SK_OK);
        assert_int_equal(clear.version, 2);
        assert_int_equal(clear.kind, kind);
        assert_memory_equal(clear.record_id, h.record_id, SK_RECORD_ID_SIZE);
        assert_memory_equal(clear.device_id, h.device_id, SK_DEVICE_ID_SIZE);
        assert_int_equal(clear.seq, h.seq);
        assert_string_equal(clear.form_id, "wellbeing_2026");
        assert_string_equal(clear.form_version, "3");
        assert_memory_equal(clear.withdraw_tag, h.withdraw_tag, SK_TAG_SIZE);
        char *out = NULL;
        size_t out_len = 0;
        assert_int_equal(sk_record_open(blob, len, key, &opened, &out, &out_len, &err), SK_OK);
        assert_memory_equal(&opened, &clear, sizeof clear);
        assert_int_equal(out_len, strlen(payload));
        assert_string_equal(out, payload);
        sk_secret_free(out, out_len);
        free(blob);
    }
    assert_string_equal(sk_rec_kind_name(SK_REC_DECLINED), "declined");
    sk_study_key_free(key);
}

static void test_empty_payload_and_bad_headers(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    sk_record_header h = header(SK_REC_DECLINED, 9);
    uint8_t *blob = NULL;
    size_t len = 0;
    sk_error err;
    assert_int_equal(sk_record_seal(&h, &key->pub, &dev, "", 0, &blob, &len, &err), SK_OK);
    char *out = NULL;
    size_t out_len = 1;
    assert_int_equal(sk_record_open(blob, len, key, NULL, &out, &out_len, &err), SK_OK);
    assert_int_equal(out_len, 0);
    assert_string_equal(out, "");
    sk_secret_free(out, 1);
    free(blob);
    h.kind = 9;
    assert_int_equal(sk_record_seal(&h, &key->pub, &dev, "x", 1, &blob, &len, &err), SK_ERR_ARG);
    h.kind = SK_REC_RESPONSE;
    memset(h.form_id, 'a', SK_FORM_ID_MAX);
    h.form_id[SK_FORM_ID_MAX] = '\0';
    assert_int_equal(sk_record_seal(&h, &key->pub, &dev, "x", 1, &blob, &len, &err), SK_OK);  /* exactly the limit */
    sk_record_header back;
    assert_int_equal(sk_record_header_parse(blob, len, &back, &err), SK_OK);
    assert_string_equal(back.form_id, h.form_id);
    blob[4] = 3;  /* a newer format version */
    assert_int_equal(sk_record_header_parse(blob, len, &back, &err), SK_ERR_UNSUPPORTED);
    blob[4] = 1;  /* version 1: unsigned records, refused */
    assert_int_equal(sk_record_header_parse(blob, len, &back, &err), SK_ERR_UNSUPPORTED);
    assert_int_equal(sk_record_verify(blob, len, dev.pk, &err), SK_ERR_UNSUPPORTED);
    char *o1 = NULL;
    size_t o1_len = 0;
    assert_int_equal(sk_record_open(blob, len, key, NULL, &o1, &o1_len, &err), SK_ERR_UNSUPPORTED);
    assert_null(o1);
    blob[4] = 2;
    assert_int_equal(sk_record_verify(blob, len, dev.pk, &err), SK_OK);
    /* a header that names another device than the signing key: refused */
    sk_device_id(other_dev.pk, h.device_id);
    uint8_t *y = NULL;
    size_t yl = 0;
    assert_int_equal(sk_record_seal(&h, &key->pub, &dev, "x", 1, &y, &yl, &err), SK_ERR_ARG);
    assert_null(y);
    free(blob);
    sk_study_key_free(key);
}

static void test_wrap_draft(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    const char *draft_json = "{\"draft\":true,\"q1\":\"half an answer\"}";
    sk_record_header dh = header(SK_REC_DRAFT, 0);
    uint8_t *draft = NULL, *wrapped = NULL;
    size_t draft_len = 0, wrapped_len = 0;
    sk_error err;
    assert_int_equal(sk_record_seal(&dh, &key->pub, &dev, draft_json, strlen(draft_json), &draft, &draft_len, &err),
                     SK_OK);
    sk_record_header ih = header(SK_REC_INCOMPLETE, 42);
    assert_int_equal(sk_record_wrap_draft(&ih, &key->pub, &dev, draft, draft_len, &wrapped, &wrapped_len, &err), SK_OK);
    sk_record_header opened;
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(sk_record_open(wrapped, wrapped_len, key, &opened, &out, &out_len, &err), SK_OK);
    assert_int_equal(opened.kind, SK_REC_INCOMPLETE);
    assert_int_equal(opened.seq, 42);
    assert_string_equal(out, draft_json);
    sk_secret_free(out, out_len);
    /* only drafts can be wrapped, and only as incomplete records */
    uint8_t *x = NULL;
    size_t xl = 0;
    assert_int_equal(sk_record_wrap_draft(&ih, &key->pub, &dev, wrapped, wrapped_len, &x, &xl, &err), SK_ERR_ARG);
    sk_record_header rh = header(SK_REC_RESPONSE, 43);
    assert_int_equal(sk_record_wrap_draft(&rh, &key->pub, &dev, draft, draft_len, &x, &xl, &err), SK_ERR_ARG);
    assert_int_equal(sk_record_wrap_draft(&ih, &key->pub, &dev, draft, 10, &x, &xl, &err), SK_ERR_FORMAT);
    free(draft);
    free(wrapped);
    sk_study_key_free(key);
}

/* A sitting's drafts share one sealed payload key; each still opens alone,
 * with its own nonce, and wraps into an incomplete record like any draft. */
static void test_draft_key(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    sk_draft_key *dk = NULL;
    sk_error err;
    assert_int_equal(sk_draft_key_new(&key->pub, &dk, &err), SK_OK);
    const char *a = "{\"q1\":\"first\"}", *b = "{\"q1\":\"first\",\"q2\":\"second\"}";
    sk_record_header h1 = header(SK_REC_DRAFT, 0), h2 = header(SK_REC_DRAFT, 0);
    uint8_t *r1 = NULL, *r2 = NULL;
    size_t l1 = 0, l2 = 0;
    assert_int_equal(sk_record_seal_draft(&h1, dk, &dev, a, strlen(a), &r1, &l1, &err), SK_OK);
    assert_int_equal(sk_record_seal_draft(&h2, dk, &dev, b, strlen(b), &r2, &l2, &err), SK_OK);
    sk_record_header oh;
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(sk_record_open(r2, l2, key, &oh, &out, &out_len, &err), SK_OK);
    assert_string_equal(out, b);
    sk_secret_free(out, out_len);
    assert_int_equal(sk_record_open(r1, l1, key, &oh, &out, &out_len, &err), SK_OK);
    assert_string_equal(out, a);
    sk_secret_free(out, out_len);
    /* same sealed key, different nonces: the 24 bytes after the 80-byte sealed key */
    size_t ad1 = l1 - strlen(a) - 16 - 64, ad2 = l2 - strlen(b) - 16 - 64; /* MAC, signature */
    assert_memory_equal(r1 + ad1 - 24 - 80, r2 + ad2 - 24 - 80, 80);
    assert_memory_not_equal(r1 + ad1 - 24, r2 + ad2 - 24, 24);
    /* it seals drafts only */
    sk_record_header rh = header(SK_REC_RESPONSE, 1);
    uint8_t *x = NULL;
    size_t xl = 0;
    assert_int_equal(sk_record_seal_draft(&rh, dk, &dev, a, strlen(a), &x, &xl, &err), SK_ERR_ARG);
    /* and a shared-key draft is recovered like any other */
    sk_record_header ih = header(SK_REC_INCOMPLETE, 7);
    assert_int_equal(sk_record_wrap_draft(&ih, &key->pub, &dev, r2, l2, &x, &xl, &err), SK_OK);
    assert_int_equal(sk_record_open(x, xl, key, &oh, &out, &out_len, &err), SK_OK);
    assert_string_equal(out, b);
    sk_secret_free(out, out_len);
    free(x);
    free(r1);
    free(r2);
    sk_draft_key_free(dk);
    sk_draft_key_free(NULL);
    sk_study_key_free(key);
}

static void test_other_study(void **state)
{
    (void)state;
    sk_study_key *ours = make_key(), *theirs = make_key();
    sk_record_header h = header(SK_REC_RESPONSE, 5);
    uint8_t *blob = NULL;
    size_t len = 0;
    sk_error err;
    assert_int_equal(sk_record_seal(&h, &theirs->pub, &dev, "{}", 2, &blob, &len, &err), SK_OK);
    char *out = (char *)0x1;
    size_t out_len = 77;
    sk_record_header hdr = {.seq = 1234};
    assert_int_equal(sk_record_open(blob, len, ours, &hdr, &out, &out_len, &err), SK_ERR_AUTH);
    assert_ptr_equal(out, (char *)0x1);
    assert_int_equal(out_len, 77);
    assert_int_equal(hdr.seq, 1234);
    free(blob);
    sk_study_key_free(ours);
    sk_study_key_free(theirs);
}

/* Any single flipped bit, anywhere, and any truncation: the record does not
 * open (a flip in the device signature still opens with the study key, which
 * does not check it, but fails sk_record_verify, as every other flip does). */
static void test_tamper_and_truncate(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    sk_record_header dh = header(SK_REC_DRAFT, 0);
    uint8_t *draft = NULL, *blobs[2];
    size_t draft_len, lens[2];
    sk_error err;
    assert_int_equal(sk_record_seal(&dh, &key->pub, &dev, "{\"a\":1}", 7, &draft, &draft_len, &err), SK_OK);
    sk_record_header h = header(SK_REC_RESPONSE, 3);
    assert_int_equal(sk_record_seal(&h, &key->pub, &dev, "{\"q\":\"yes\"}", 11, &blobs[0], &lens[0], &err), SK_OK);
    sk_record_header ih = header(SK_REC_INCOMPLETE, 4);
    assert_int_equal(sk_record_wrap_draft(&ih, &key->pub, &dev, draft, draft_len, &blobs[1], &lens[1], &err), SK_OK);
    for (int b = 0; b < 2; b++) {
        uint8_t *blob = blobs[b];
        for (size_t i = 0; i < lens[b]; i++)
            for (int bit = 0; bit < 8; bit += 7) {
                blob[i] ^= (uint8_t)(1u << bit);
                char *out = NULL;
                size_t out_len = 0;
                sk_status st = sk_record_open(blob, lens[b], key, NULL, &out, &out_len, &err);
                sk_status vst = sk_record_verify(blob, lens[b], dev.pk, &err);
                blob[i] ^= (uint8_t)(1u << bit);
                if (vst == SK_OK)
                    fail_msg("record %d verified with byte %zu flipped", b, i);
                if (i < lens[b] - 64 && st == SK_OK)
                    fail_msg("record %d opened with byte %zu flipped", b, i);
                if (st == SK_OK)
                    sk_secret_free(out, out_len);
                else
                    assert_null(out);
            }
        assert_int_equal(sk_record_verify(blob, lens[b], dev.pk, &err), SK_OK);
        for (size_t cut = 0; cut < lens[b]; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);  /* exact size so ASan sees any overread */
            memcpy(copy, blob, cut);
            char *out = NULL;
            size_t out_len = 0;
            assert_int_not_equal(sk_record_open(copy, cut, key, NULL, &out, &out_len, &err), SK_OK);
            assert_null(out);
            assert_int_not_equal(sk_record_verify(copy, cut, dev.pk, &err), SK_OK);
            free(copy);
        }
        free(blob);
    }
    free(draft);
    sk_study_key_free(key);
}

/* sk_record_verify: the writing kiosk's signature, checked with its key. */
static void test_verify(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    sk_error err;
    sk_record_header h = header(SK_REC_RESPONSE, 11);
    uint8_t *blob = NULL;
    size_t len = 0;
    assert_int_equal(sk_record_seal(&h, &key->pub, &dev, "{\"q\":\"signed\"}", 14, &blob, &len, &err),
                     SK_OK);
    /* good */
    assert_int_equal(sk_record_verify(blob, len, dev.pk, &err), SK_OK);
    /* every flipped byte (three different bit patterns) fails */
    static const uint8_t masks[] = {0x01, 0x80, 0xFF};
    for (size_t i = 0; i < len; i++)
        for (size_t m = 0; m < sizeof masks; m++) {
            blob[i] ^= masks[m];
            sk_status st = sk_record_verify(blob, len, dev.pk, &err);
            blob[i] ^= masks[m];
            if (st == SK_OK)
                fail_msg("record verified with byte %zu of %zu xor %02x", i, len, masks[m]);
        }
    /* a flip in the signature itself is a bad signature, not a format error */
    blob[len - 1] ^= 1;
    assert_int_equal(sk_record_verify(blob, len, dev.pk, &err), SK_ERR_AUTH);
    blob[len - 1] ^= 1;
    /* a key that is not the header's device: MISMATCH, whether or not it signed */
    assert_int_equal(sk_record_verify(blob, len, other_dev.pk, &err), SK_ERR_MISMATCH);
    /* the same bytes re-signed by another device key: AUTH with the named
     * device's key, MISMATCH with the signer's */
    uint8_t *resigned = malloc(len);
    memcpy(resigned, blob, len);
    crypto_sign_detached(resigned + len - 64, NULL, resigned, len - 64, other_dev.sk);
    assert_int_equal(sk_record_verify(resigned, len, dev.pk, &err), SK_ERR_AUTH);
    assert_int_equal(sk_record_verify(resigned, len, other_dev.pk, &err), SK_ERR_MISMATCH);
    /* the header rewritten to the other device and re-signed by it verifies
     * for that device only: the signature binds the header */
    sk_device_id(other_dev.pk, resigned + 8 + SK_RECORD_ID_SIZE);
    crypto_sign_detached(resigned + len - 64, NULL, resigned, len - 64, other_dev.sk);
    assert_int_equal(sk_record_verify(resigned, len, other_dev.pk, &err), SK_OK);
    assert_int_equal(sk_record_verify(resigned, len, dev.pk, &err), SK_ERR_MISMATCH);
    free(resigned);
    /* not a record; no key */
    assert_int_equal(sk_record_verify((const uint8_t *)"SKRC", 4, dev.pk, &err), SK_ERR_FORMAT);
    assert_int_equal(sk_record_verify(NULL, 0, dev.pk, &err), SK_ERR_FORMAT);
    assert_int_equal(sk_record_verify(blob, len, NULL, &err), SK_ERR_ARG);
    /* it still opens with the study key */
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(sk_record_open(blob, len, key, NULL, &out, &out_len, &err), SK_OK);
    assert_string_equal(out, "{\"q\":\"signed\"}");
    sk_secret_free(out, out_len);
    free(blob);
    sk_study_key_free(key);
}

/* Wrapped drafts (crash recovery) are signed like any record and still open,
 * whether the draft was sealed alone or under a sitting's draft key. */
static void test_wrapped_draft_signed(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    sk_draft_key *dk = NULL;
    sk_error err;
    assert_int_equal(sk_draft_key_new(&key->pub, &dk, &err), SK_OK);
    sk_record_header dh = header(SK_REC_DRAFT, 0), ih = header(SK_REC_INCOMPLETE, 12);
    const char *json = "{\"q1\":\"interrupted\"}";
    uint8_t *draft = NULL, *wrapped = NULL;
    size_t draft_len = 0, wrapped_len = 0;
    assert_int_equal(sk_record_seal_draft(&dh, dk, &dev, json, strlen(json), &draft, &draft_len, &err), SK_OK);
    assert_int_equal(sk_record_verify(draft, draft_len, dev.pk, &err), SK_OK);
    assert_int_equal(sk_record_wrap_draft(&ih, &key->pub, &dev, draft, draft_len, &wrapped, &wrapped_len, &err),
                     SK_OK);
    assert_int_equal(sk_record_verify(wrapped, wrapped_len, dev.pk, &err), SK_OK);
    assert_int_equal(sk_record_verify(wrapped, wrapped_len, other_dev.pk, &err), SK_ERR_MISMATCH);
    sk_record_header oh;
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(sk_record_open(wrapped, wrapped_len, key, &oh, &out, &out_len, &err), SK_OK);
    assert_int_equal(oh.kind, SK_REC_INCOMPLETE);
    assert_int_equal(oh.version, 2);
    assert_string_equal(out, json);
    sk_secret_free(out, out_len);
    /* the device key must be the header's */
    uint8_t *x = NULL;
    size_t xl = 0;
    assert_int_equal(sk_record_wrap_draft(&ih, &key->pub, &other_dev, draft, draft_len, &x, &xl, &err),
                     SK_ERR_ARG);
    assert_int_equal(sk_record_seal_draft(&dh, dk, &other_dev, json, strlen(json), &x, &xl, &err), SK_ERR_ARG);
    assert_int_equal(sk_record_seal_draft(&dh, dk, NULL, json, strlen(json), &x, &xl, &err), SK_ERR_ARG);
    assert_null(x);
    free(draft);
    free(wrapped);
    sk_draft_key_free(dk);
    sk_study_key_free(key);
}

/* Withdrawal statements: signed by the study key, nothing else verifies. */
static void test_withdrawal_statements(void **state)
{
    (void)state;
    sk_study_key *key = make_key(), *other = make_key();
    uint8_t tag[SK_TAG_SIZE], got_tag[SK_TAG_SIZE], st[SK_WITHDRAWAL_SIZE];
    sk_wcode_tag("K7QF-3M9X-T2RD-8HWA", tag);
    const int64_t when = 1763856000123;
    sk_withdrawal_sign(key, tag, when, st);
    sk_error err;
    int64_t got_time = 0;
    /* good */
    assert_int_equal(sk_withdrawal_verify(st, sizeof st, &key->pub, got_tag, &got_time, &err), SK_OK);
    assert_memory_equal(got_tag, tag, SK_TAG_SIZE);
    assert_int_equal(got_time, when);
    assert_int_equal(sk_withdrawal_verify(st, sizeof st, &key->pub, NULL, NULL, &err), SK_OK);
    assert_memory_equal(st, "SKWD\x01\x00\x00\x00", 8);
    /* deterministic: the same statement twice */
    uint8_t again[SK_WITHDRAWAL_SIZE];
    sk_withdrawal_sign(key, tag, when, again);
    assert_memory_equal(again, st, sizeof st);
    /* another study */
    memset(got_tag, 0xEE, sizeof got_tag);
    got_time = -5;
    assert_int_equal(sk_withdrawal_verify(st, sizeof st, &other->pub, got_tag, &got_time, &err), SK_ERR_AUTH);
    assert_int_equal(got_time, -5); /* untouched on failure */
    assert_int_equal(got_tag[0], 0xEE);
    /* every flipped byte */
    for (size_t i = 0; i < sizeof st; i++) {
        st[i] ^= 0x10;
        sk_status s = sk_withdrawal_verify(st, sizeof st, &key->pub, NULL, NULL, &err);
        st[i] ^= 0x10;
        if (s == SK_OK)
            fail_msg("statement verified with byte %zu flipped", i);
    }
    /* header fields, each by its own status */
    static const struct {
        size_t at;
        uint8_t value;
        sk_status want;
        const char *what;
    } cases[] = {
        {0, 'X', SK_ERR_FORMAT, "magic"},
        {4, 2, SK_ERR_UNSUPPORTED, "a newer version"},
        {4, 0xFF, SK_ERR_UNSUPPORTED, "version 255"},
        {4, 0, SK_ERR_UNSUPPORTED, "version 0 (any version but 1)"},
        {5, 1, SK_ERR_FORMAT, "reserved byte 5"},
        {6, 0x80, SK_ERR_FORMAT, "reserved byte 6"},
        {7, 1, SK_ERR_FORMAT, "reserved byte 7"},
        {8, 0, SK_ERR_AUTH, "the tag"},
        {30, 0x7F, SK_ERR_AUTH, "the time"},
        {40, 0, SK_ERR_AUTH, "the signature"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint8_t bad[SK_WITHDRAWAL_SIZE];
        memcpy(bad, st, sizeof bad);
        if (bad[cases[i].at] == cases[i].value)
            bad[cases[i].at] ^= 1;
        else
            bad[cases[i].at] = cases[i].value;
        sk_status s = sk_withdrawal_verify(bad, sizeof bad, &key->pub, NULL, NULL, &err);
        if (s != cases[i].want)
            fail_msg("%s: %s, want %s", cases[i].what, sk_status_name(s), sk_status_name(cases[i].want));
    }
    /* wrong lengths, no bytes, no study */
    assert_int_equal(sk_withdrawal_verify(st, sizeof st - 1, &key->pub, NULL, NULL, &err), SK_ERR_FORMAT);
    uint8_t longer[SK_WITHDRAWAL_SIZE + 1] = {0};
    memcpy(longer, st, sizeof st);
    assert_int_equal(sk_withdrawal_verify(longer, sizeof longer, &key->pub, NULL, NULL, &err), SK_ERR_FORMAT);
    assert_int_equal(sk_withdrawal_verify(NULL, 0, &key->pub, NULL, NULL, &err), SK_ERR_FORMAT);
    assert_int_equal(sk_withdrawal_verify(st, sizeof st, NULL, NULL, NULL, &err), SK_ERR_ARG);
    /* a statement for the same tag and time signed by another study fails */
    sk_withdrawal_sign(other, tag, when, again);
    assert_int_equal(sk_withdrawal_verify(again, sizeof again, &key->pub, NULL, NULL, &err), SK_ERR_AUTH);
    sk_study_key_free(key);
    sk_study_key_free(other);
}

static int cmp_code(const void *a, const void *b) { return strcmp(a, b); }

static void test_wcode_generate(void **state)
{
    (void)state;
    enum { N = 10000 };
    char(*codes)[SK_WCODE_SIZE] = calloc(N, SK_WCODE_SIZE);
    for (int i = 0; i < N; i++) {
        sk_wcode_generate(codes[i]);
        assert_int_equal(strlen(codes[i]), 19);
        char canon[SK_WCODE_SIZE];
        assert_true(sk_wcode_normalize(codes[i], canon));
        assert_string_equal(canon, codes[i]);
        for (int j = 0; j < 19; j++)
            assert_non_null(j % 5 == 4 ? strchr("-", codes[i][j]) : strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", codes[i][j]));
    }
    qsort(codes, N, SK_WCODE_SIZE, cmp_code);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(codes[i - 1], codes[i]);
    free(codes);
}

static void test_wcode_normalize_table(void **state)
{
    (void)state;
    static const struct {
        const char *typed, *want;  /* want NULL: refused */
    } cases[] = {
        {"K7QF-3M9X-T2RD-8HWA", "K7QF-3M9X-T2RD-8HWA"},
        {"k7qf-3m9x-t2rd-8hwa", "K7QF-3M9X-T2RD-8HWA"},
        {"K7QF3M9XT2RD8HWA", "K7QF-3M9X-T2RD-8HWA"},
        {"  k7qf 3m9x  t2rd 8hwa ", "K7QF-3M9X-T2RD-8HWA"},
        {"K7QF--3M9X-T2RD-8HWA", "K7QF-3M9X-T2RD-8HWA"},
        {"OOOO-IIII-LLLL-oili", "0000-1111-1111-0111"},
        {"K7QF-3M9X-T2RD-8HW", NULL},           /* 15 symbols */
        {"K7QF-3M9X-T2RD-8HWAB", NULL},         /* 17 symbols */
        {"K7QF-3M9X-T2RD-8HWU", NULL},          /* U is not in the alphabet */
        {"K7QF_3M9X_T2RD_8HWA", NULL},          /* underscore */
        {"K7QF.3M9X.T2RD.8HWA", NULL},
        {"K7QF-3M9X-T2RD-8HW\xc3\xa9", NULL},   /* non-ASCII */
        {"", NULL},
        {"----", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[SK_WCODE_SIZE] = "untouched";
        bool ok = sk_wcode_normalize(cases[i].typed, out);
        if (cases[i].want) {
            assert_true(ok);
            assert_string_equal(out, cases[i].want);
        } else if (ok) {
            fail_msg("accepted '%s' as '%s'", cases[i].typed, out);
        }
    }
    assert_false(sk_wcode_normalize(NULL, (char[SK_WCODE_SIZE]){0}));
}

static void test_wcode_tag(void **state)
{
    (void)state;
    uint8_t a[SK_TAG_SIZE], b[SK_TAG_SIZE];
    sk_wcode_tag("K7QF-3M9X-T2RD-8HWA", a);
    sk_wcode_tag("K7QF-3M9X-T2RD-8HWA", b);
    assert_memory_equal(a, b, SK_TAG_SIZE);
    char hex[2 * SK_TAG_SIZE + 1];
    sk_hex(a, SK_TAG_SIZE, hex);
    /* BLAKE2b-128 keyed with "survey-kiosk withdrawal code v1", computed with Python hashlib */
    assert_string_equal(hex, "11856d4cdb3ff83d7ea1c8d6e4e61fef");
    sk_wcode_tag("K7QF-3M9X-T2RD-8HWB", b);
    assert_memory_not_equal(a, b, SK_TAG_SIZE);
}

/* The golden study key (hex, a test key) and records made once by
 * test_crypto_bundle's generator: the format must not drift. */
static sk_study_key *golden_key(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/crypto/study_key.hex", SK_TEST_GOLDEN);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    sk_study_key *k = sodium_malloc(sizeof *k);
    char name[32], hex[200];
    while (fscanf(f, "%31s %199s", name, hex) == 2) {
        if (strcmp(name, "box_pk") == 0)
            assert_int_equal(sk_unhex(hex, k->pub.box_pk, 32), SK_OK);
        else if (strcmp(name, "sign_pk") == 0)
            assert_int_equal(sk_unhex(hex, k->pub.sign_pk, 32), SK_OK);
        else if (strcmp(name, "box_sk") == 0)
            assert_int_equal(sk_unhex(hex, k->box_sk, 32), SK_OK);
        else if (strcmp(name, "sign_sk") == 0)
            assert_int_equal(sk_unhex(hex, k->sign_sk, 64), SK_OK);
    }
    fclose(f);
    return k;
}

static void test_golden_records(void **state)
{
    (void)state;
    sk_study_key *key = golden_key();
    static const struct {
        const char *file, *payload;
        int kind;
        uint64_t seq;
    } cases[] = {
        {"record.bin", "{\"golden\":\"response\",\"q1\":\"yes\"}", SK_REC_RESPONSE, 7},
        {"wrapped_draft.bin", "{\"golden\":\"draft\"}", SK_REC_INCOMPLETE, 8},
    };
    for (size_t i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/crypto/%s", SK_TEST_GOLDEN, cases[i].file);
        uint8_t *blob;
        size_t len;
        sk_error err;
        assert_int_equal(sk_read_file(path, 1 << 20, &blob, &len, &err), SK_OK);
        sk_record_header h;
        char *out;
        size_t out_len;
        assert_int_equal(sk_record_open(blob, len, key, &h, &out, &out_len, &err), SK_OK);
        assert_string_equal(out, cases[i].payload);
        assert_int_equal(h.kind, cases[i].kind);
        assert_int_equal(h.seq, cases[i].seq);
        assert_string_equal(h.form_id, "golden_basic");
        assert_string_equal(h.form_version, "2026.1");
        char dev_hex[17];
        sk_hex(h.device_id, 8, dev_hex);
        assert_string_equal(dev_hex, "26e88ab5574ac2e8");
        uint8_t tag[SK_TAG_SIZE];
        sk_wcode_tag("G01D-EN00-C0DE-2026", tag);
        assert_memory_equal(h.withdraw_tag, i == 0 ? tag : (uint8_t[SK_TAG_SIZE]){0}, SK_TAG_SIZE);
        /* format v2, signed by the golden bundle's device key */
        assert_int_equal(h.version, 2);
        sk_device_key golden_dev;
        device_from_seed(0x42, &golden_dev);
        assert_int_equal(sk_record_verify(blob, len, golden_dev.pk, &err), SK_OK);
        assert_int_equal(sk_record_verify(blob, len, dev.pk, &err), SK_ERR_MISMATCH);
        sk_secret_free(out, out_len);
        free(blob);
    }
    sk_study_key_free(key);
}

/* golden/crypto/withdrawal.bin: the statement for the tag of
 * G01D-EN00-C0DE-2026 at 1763856000000, signed by the golden study key.
 * Ed25519 is deterministic, so signing again must give the same bytes. */
static void test_golden_withdrawal(void **state)
{
    (void)state;
    sk_study_key *key = golden_key();
    char path[4096];
    snprintf(path, sizeof path, "%s/crypto/withdrawal.bin", SK_TEST_GOLDEN);
    uint8_t *bytes;
    size_t len;
    sk_error err;
    assert_int_equal(sk_read_file(path, 1 << 20, &bytes, &len, &err), SK_OK);
    assert_int_equal(len, SK_WITHDRAWAL_SIZE);
    uint8_t tag[SK_TAG_SIZE], got_tag[SK_TAG_SIZE];
    int64_t got_time = 0;
    sk_wcode_tag("G01D-EN00-C0DE-2026", tag);
    assert_int_equal(sk_withdrawal_verify(bytes, len, &key->pub, got_tag, &got_time, &err), SK_OK);
    assert_memory_equal(got_tag, tag, SK_TAG_SIZE);
    assert_int_equal(got_time, 1763856000000);
    uint8_t again[SK_WITHDRAWAL_SIZE];
    sk_withdrawal_sign(key, tag, 1763856000000, again);
    assert_memory_equal(again, bytes, SK_WITHDRAWAL_SIZE);
    free(bytes);
    sk_study_key_free(key);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    device_from_seed(0x5A, &dev);
    device_from_seed(0x5B, &other_dev);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_kind), cmocka_unit_test(test_empty_payload_and_bad_headers),
        cmocka_unit_test(test_wrap_draft),            cmocka_unit_test(test_other_study),
        cmocka_unit_test(test_draft_key),
        cmocka_unit_test(test_tamper_and_truncate),   cmocka_unit_test(test_wcode_generate),
        cmocka_unit_test(test_wcode_normalize_table), cmocka_unit_test(test_wcode_tag),
        cmocka_unit_test(test_golden_records),        cmocka_unit_test(test_golden_withdrawal),
        cmocka_unit_test(test_verify),                cmocka_unit_test(test_wrapped_draft_signed),
        cmocka_unit_test(test_withdrawal_statements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
