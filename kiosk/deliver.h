/* deliver.h - the kiosk's side of delivery: when the survey pack names a
 * server, the kiosk starts survey-kiosk-deliver (kiosk/deliver/main.c, found
 * beside the kiosk's own executable), which sends the records not delivered
 * yet after each finished sitting and on a timer, retrying forever with
 * backoff and jitter.  The helper reads and marks kiosk.db on its own
 * connection under the kiosk's own lock (handed down, see
 * sk_kstore_open_opts), never touches the screen, and holds libcurl and
 * GnuTLS, which the kiosk process does not load at all.
 *
 * If the helper dies, the next poke starts it again.  If the kiosk dies, the
 * helper sees the end of its input (and on Linux a SIGTERM) and ends.
 * Windows: no delivery (the helper is not built there); records go by USB. */
#ifndef KIOSK_DELIVER_H
#define KIOSK_DELIVER_H

#include <stddef.h>

#include "sk/kstore.h"
#include "sk/pack.h"

typedef struct kdeliver kdeliver;

/* Start the helper for data_dir (ks open there, holding its lock) when pack
 * names a server.  NULL (nothing started) when it names none; NULL with msg
 * filled when the helper could not be started. */
kdeliver *kdeliver_start(sk_kstore *ks, const char *data_dir, const sk_pack *pack, char *msg,
                         size_t size);
/* A sitting ended: try now (and start the helper again if it died).  NULL is
 * a no-op. */
void kdeliver_poke(kdeliver *d);
/* Stop the helper (a request in progress is abandoned: its records stay
 * waiting), wait for it and free.  NULL is a no-op. */
void kdeliver_stop(kdeliver *d);

/* The path of survey-kiosk-deliver beside this executable (false when it
 * cannot be found out). */
bool kdeliver_helper_path(char *out, size_t size);
/* "delivered up to 12:03, 0 waiting" / "14 waiting, last try 12:05: why". */
void kdeliver_describe(const sk_delivery_state *s, char *out, size_t size);

#endif
