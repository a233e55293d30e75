/* reader.h - export_read: one form version's records, opened (decrypted and
 * parsed) on every core and handed back in store order; shared by export
 * (export.c) and report (tally.c).  Internal to lib/export. */
#ifndef SK_EXPORT_READER_H
#define SK_EXPORT_READER_H

#include "export_internal.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/record.h"

/* Should this record be opened?  Called for every record, in store order, on
 * the calling thread, before the records before it have been taken (so it
 * may count from the clear header but must not depend on take). */
typedef bool (*export_want_fn)(void *user, const sk_record_header *clear);
/* One record, in store order, on the calling thread: opened (h and a set;
 * a may be modified, it is freed afterwards) or not wanted (h and a NULL).
 * A wanted record that cannot be read is added to skipped instead.  Anything
 * but SK_OK (with err set) stops the pass. */
typedef sk_status (*export_take_fn)(void *user, const sk_record_header *clear,
                                    const sk_record_header *h, sk_answers *a, sk_error *err);

/* Read form version cf of cs.  want may be NULL (open every record).  Fails
 * with take's status, SK_ERR_NOMEM, or the store's error. */
sk_status export_read(sk_cstore *cs, const sk_cstore_form *cf, const sk_study_key *key,
                      export_want_fn want, export_take_fn take, void *user,
                      sk_unreadable_list *skipped, sk_error *err);

/* Threads export_read uses (sk_export_set_threads, else one per core). */
int export_thread_count(void);

/* unreadable.c: open one record and parse its answers into a (initialised
 * by the caller).  SK_OK: *h and *a filled.  Otherwise why it cannot be read
 * (reason filled, a sentence) or SK_ERR_NOMEM.  Thread-safe. */
sk_status export_open_answers(const uint8_t *blob, size_t len, const sk_study_key *key,
                              sk_answers *a, sk_record_header *h, char *reason, size_t size);

#endif
