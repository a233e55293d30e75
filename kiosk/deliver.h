/* deliver.h - the kiosk's delivery worker: a thread of its own that sends the
 * records not delivered yet to the server the survey pack names (lib/deliver)
 * after each finished sitting and on a timer, retrying forever with backoff
 * and jitter (30 s doubling to 15 min).  It never touches the screen or the
 * participant's sitting: it reads and marks kiosk.db on its own connection.
 *
 * Test builds only: SK_DELIVER_BACKOFF_MS and SK_DELIVER_MAX_MS shorten the
 * backoff, SK_DELIVER_BATCH the records per bundle. */
#ifndef KIOSK_DELIVER_H
#define KIOSK_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "sk/deliver.h"
#include "sk/kstore.h"
#include "sk/pack.h"

typedef struct kdeliver kdeliver;

/* Start the worker for pack's server.  NULL (nothing started) when the pack
 * names no server; NULL with msg filled when it could not start. */
kdeliver *kdeliver_start(sk_kstore *ks, const sk_pack *pack, char *msg, size_t size);
/* A sitting ended: try now. NULL is a no-op. */
void kdeliver_poke(kdeliver *d);
/* Stop (a request in progress is abandoned: its records stay waiting) and
 * free.  NULL is a no-op. */
void kdeliver_stop(kdeliver *d);

/* The pack's server as a delivery target (false when it names none). */
bool kdeliver_target(const sk_pack *pack, sk_deliver_target *t);
/* The backoff settings (test hooks in test builds) and batch size. */
void kdeliver_tuning(int64_t *base_ms, int64_t *max_ms, size_t *batch);
/* "delivered up to 12:03, 0 waiting" / "14 waiting, last try 12:05: why". */
void kdeliver_describe(const sk_delivery_state *s, char *out, size_t size);

#endif
