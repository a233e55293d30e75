/* fuzz_keys.h - fixed test keys for the harnesses that must get past a
 * signature (fuzz_signed, fuzz_merge): the device key is
 * crypto_sign_seed_keypair(32 x 0x42), the study's keys come from the seed
 * 32 x 0x53 (crypto_sign_seed_keypair and crypto_box_seed_keypair).  Fixed,
 * so a saved input reproduces the same bytes on every run.  Test keys only. */
#ifndef SK_FUZZ_KEYS_H
#define SK_FUZZ_KEYS_H

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sk/bundle.h"
#include "sk/keys.h"
#include "sk/record.h"

static sk_device_key fz_device;
static sk_study_key fz_study;
static uint8_t fz_device_id[SK_DEVICE_ID_SIZE];

static inline void fz_keys_init(void)
{
    static int done;
    if (done)
        return;
    if (sodium_init() < 0)
        abort();
    uint8_t seed[32];
    memset(seed, 0x42, sizeof seed);
    crypto_sign_seed_keypair(fz_device.pk, fz_device.sk, seed);
    memset(seed, 0x53, sizeof seed);
    crypto_sign_seed_keypair(fz_study.pub.sign_pk, fz_study.sign_sk, seed);
    crypto_box_seed_keypair(fz_study.pub.box_pk, fz_study.box_sk, seed);
    sk_device_id(fz_device.pk, fz_device_id);
    done = 1;
}

/* A cursor over the fuzzer's bytes: reads past the end give zeros. */
typedef struct fz_cur {
    const uint8_t *p;
    size_t left;
} fz_cur;

static inline unsigned fz_u8(fz_cur *c)
{
    if (!c->left)
        return 0;
    c->left--;
    return *c->p++;
}

static inline size_t fz_take(fz_cur *c, size_t want, const uint8_t **out)
{
    size_t n = want < c->left ? want : c->left;
    *out = c->p;
    c->p += n;
    c->left -= n;
    return n;
}

/* A record header from the fuzzer's bytes (kind, seq, form id and version,
 * withdrawal tag), naming the test device. */
static inline void fz_header(fz_cur *c, sk_record_header *h)
{
    memset(h, 0, sizeof *h);
    h->kind = (uint8_t)fz_u8(c);
    for (int i = 0; i < 8; i++)
        h->seq = h->seq << 8 | fz_u8(c);
    const uint8_t *s;
    size_t n = fz_take(c, fz_u8(c) % (SK_FORM_ID_MAX + 1), &s);
    memcpy(h->form_id, s, n);
    n = fz_take(c, fz_u8(c) % (SK_FORM_VERSION_MAX + 1), &s);
    memcpy(h->form_version, s, n);
    n = fz_take(c, SK_TAG_SIZE, &s);
    memcpy(h->withdraw_tag, s, n);
    n = fz_take(c, SK_RECORD_ID_SIZE, &s);
    memcpy(h->record_id, s, n);
    memcpy(h->device_id, fz_device_id, SK_DEVICE_ID_SIZE);
}

#endif
