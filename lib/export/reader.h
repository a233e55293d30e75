/* reader.h - export_read: one form version's records, opened (decrypted and
 * parsed) on every core and handed back in store order; shared by export
 * (export.c) and report (tally.c).  Internal to lib/export. */
#ifndef SK_EXPORT_READER_H
#define SK_EXPORT_READER_H

#include "export_internal.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/record.h"
#include "sk/runtime.h"

/* A record's skip logic, worked out where it was opened (a worker thread)
 * so that the calling thread, which writes rows and counts in store order
 * and is the one part that cannot be spread over the cores, only reads it.
 * run (NULL: not worked out, or the form has no skip logic) was made on
 * copy, which sk_run_update may change (defaults, hidden answers dropped):
 * the record's own answers stay as recorded.  st is sk_run_update's status,
 * err its sentence when st is not SK_OK.  The reader frees run and copy. */
typedef struct export_prep {
    sk_answers copy;
    sk_run *run;
    sk_status st;
    sk_error err;
} export_prep;

/* Should this record be opened?  Called for every record, in store order, on
 * the calling thread, before the records before it have been taken (so it
 * may count from the clear header but must not depend on take). */
typedef bool (*export_want_fn)(void *user, const sk_record_header *clear);
/* Work out an opened record's skip logic into p (p->run and p->copy start
 * empty, p->st SK_OK): called on any thread, in any order, so it may read
 * only what stays fixed during the pass (the form, the language).  It need
 * not fill anything (then take finds p->run NULL). */
typedef void (*export_prep_fn)(const void *user, const sk_record_header *h, const sk_answers *a,
                               export_prep *p);
/* One record, in store order, on the calling thread: opened (h, a and p
 * set; a may be modified, it is freed afterwards) or not wanted (h, a and p
 * NULL).
 * A wanted record that cannot be read is added to skipped instead.  Anything
 * but SK_OK (with err set) stops the pass. */
typedef sk_status (*export_take_fn)(void *user, const sk_record_header *clear,
                                    const sk_record_header *h, sk_answers *a, export_prep *p,
                                    sk_error *err);

/* Read form version cf of cs.  want may be NULL (open every record), prep
 * too (no skip logic worked out; prep gets prep_user).  Fails with take's
 * status, SK_ERR_NOMEM, or the store's error. */
sk_status export_read(sk_cstore *cs, const sk_cstore_form *cf, const sk_study_key *key,
                      export_want_fn want, export_prep_fn prep, const void *prep_user,
                      export_take_fn take, void *user,
                      sk_unreadable_list *skipped, sk_error *err);

/* Threads export_read uses (sk_export_set_threads, else one per core). */
int export_thread_count(void);

/* unreadable.c: open one record and parse its answers into a (initialised
 * by the caller).  SK_OK: *h and *a filled.  Otherwise why it cannot be read
 * (reason filled, a sentence) or SK_ERR_NOMEM.  Thread-safe. */
sk_status export_open_answers(const uint8_t *blob, size_t len, const sk_study_key *key,
                              sk_answers *a, sk_record_header *h, char *reason, size_t size);

/* The usual prep: the skip logic of answers a in form f (language lang) on
 * a copy, as of the time the sitting finished (or started), into p. */
void export_prep_skip_logic(const sk_form *f, int lang, const sk_record_header *h,
                            const sk_answers *a, export_prep *p);

#endif
