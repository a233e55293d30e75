/* sk/runtime.h - a form being filled in: skip logic, calculations, checks, paging.
 *
 * An sk_run ties a loaded sk_form to the sk_answers of one sitting.  After any
 * change to the answers call sk_run_update(): it recomputes calculations in
 * dependency order, decides what is relevant, removes the answers of questions
 * that skip logic now hides (they are not recorded), fills defaults and
 * metadata.  The kiosk draws every frame from the form, the answers and these
 * queries; nothing is cached in widgets.
 */
#ifndef SK_RUNTIME_H
#define SK_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/answers.h"
#include "sk/error.h"
#include "sk/form.h"

typedef struct sk_run sk_run;

/* form and answers are borrowed and must outlive the run.  lang is the
 * language index used for messages and jr:choice-name.  device_id fills
 * deviceid questions (may be NULL).  *out is set only on success. */
sk_status sk_run_new(const sk_form *form, sk_answers *answers, int lang, const char *device_id,
                     sk_run **out, sk_error *err);
void sk_run_free(sk_run *run);   /* NULL is a no-op */
void sk_run_set_language(sk_run *run, int lang);
int sk_run_language(const sk_run *run);

/* Recompute everything after a change (see above). now_ms fills start/today/
 * now(); 0 = the clock.  Errors are evaluation errors with the question's row. */
sk_status sk_run_update(sk_run *run, int64_t now_ms, sk_error *err);

/* The question and every group around it are relevant. */
bool sk_run_relevant(const sk_run *run, int q);
bool sk_run_required(const sk_run *run, int q);
bool sk_run_read_only(const sk_run *run, int q);

/* Check question q's current answer against required and constraint.
 * Returns true when it is acceptable; otherwise *message (if not NULL) points
 * to the form's required_message / constraint_message in the run's language,
 * or a built-in sentence ("This question requires an answer."). */
bool sk_run_check(const sk_run *run, int q, const char **message);
/* Every relevant question on the page passes sk_run_check; *first_bad gets
 * the first that does not (or -1). */
bool sk_run_page_ok(const sk_run *run, size_t page, int *first_bad);

/* Add a CSV file attached to the form (a pack attachment, ODK's media file
 * for pulldata()) as the secondary instance named by file_name without
 * ".csv": pulldata('name', ...) and instance('name')/root/item[...] read its
 * rows, the first row naming the columns.  A CSV attachment is found before
 * a choice list of the same name.  bytes are copied.  SK_ERR_FORMAT (file
 * and line in err) when the file is not CSV as described in
 * lib/runtime/csv_instance.h. */
sk_status sk_run_add_csv(sk_run *run, const char *file_name, const void *bytes, size_t len,
                         sk_error *err);

/* The choices of select question q that its choice_filter lets through now,
 * in form order.  Returns how many; fills at most max indices into the
 * question's choice list. */
size_t sk_run_choices(const sk_run *run, int q, size_t *idx, size_t max);

/* Paging over form->pages: a page is shown when at least one of its
 * questions is relevant.  Return the next/previous shown page after/before
 * `page`, or -1 when there is none (the first shown page: next from -1). */
int sk_run_next_page(const sk_run *run, int page);
int sk_run_prev_page(const sk_run *run, int page);
/* Shown pages before `page` and in total, for the progress indicator. */
void sk_run_progress(const sk_run *run, int page, size_t *done, size_t *total);

/* XLSForm's label interpolation: copy text into out (size bytes, always
 * NUL-terminated, truncated when it does not fit) with every ${name} replaced
 * by that question's current answer as a participant would read it (a
 * choice's label, several choices' labels joined by ", ", "" when
 * unanswered).  Returns the length it wanted to write, like snprintf. */
size_t sk_run_interpolate(const sk_run *run, const char *text, char *out, size_t size);

/* The label of a choice in the run's language (jr:choice-name), or NULL. */
const char *sk_run_choice_label(const sk_run *run, int q, const char *value);

/* ---- Repeats ---------------------------------------------------------------
 * A question inside a repeat (form->q[q].repeat >= 0) has one answer per
 * instance.  The queries above (relevant, required, read_only, check,
 * page_ok, choices, interpolate, next/prev page) and sk_run_answer /
 * sk_run_set_answer answer for the instance chosen with sk_run_set_instance
 * (1-based; 0 = none, and a row inside a repeat then does not exist: not
 * relevant, no answer).  Rows outside repeats ignore it. */
#define SK_RUN_MAX_INSTANCES 200   /* per repeat; a computed repeat_count is capped here */
void sk_run_set_instance(sk_run *run, size_t instance);
size_t sk_run_instance(const sk_run *run);
/* How many instances repeat row repeat_q has now (0 for a non-repeat row). */
size_t sk_run_instances(const sk_run *run, int repeat_q);
/* Question q's answer in the current instance (NULL: none). */
const char *sk_run_answer(const sk_run *run, int q);
/* Set (value NULL: remove) question q's answer in the current instance,
 * stamped now_ms (0 = the clock).  Call sk_run_update afterwards. */
sk_status sk_run_set_answer(sk_run *run, int q, const char *value, int64_t now_ms, sk_error *err);
/* Add an instance at the end / remove instance `instance` (1-based; later
 * instances move down) of a repeat the participant sizes (no repeat_count),
 * then update.  SK_ERR_ARG for a repeat with a repeat_count or no such
 * instance; SK_ERR_STATE for a hidden repeat or past SK_RUN_MAX_INSTANCES. */
sk_status sk_run_add_instance(sk_run *run, int repeat_q, int64_t now_ms, sk_error *err);
sk_status sk_run_remove_instance(sk_run *run, int repeat_q, size_t instance, int64_t now_ms,
                                 sk_error *err);

/* Paging with repeats (lib/runtime/repeat_nav.c).  A position is a page and,
 * for a page inside a repeat, its instance (1-based; 0 outside repeats); or
 * the question "add another?" of a repeat the participant sizes (ask = the
 * repeat row, page = -1), which stands after the repeat's last instance.
 * Going forward into such a repeat with no instance, or past its last
 * instance, leads to its ask position; forward from the ask position (the
 * participant said no) leads past the repeat; back from the page after it
 * returns to the ask position.  A repeat with repeat_count is walked through
 * instance by instance, and skipped when it has none.  The end is
 * {page -1, ask -1}.  These change the run's current instance only for the
 * duration of the call. */
typedef struct sk_run_pos {
    int page;
    size_t inst;
    int ask;
} sk_run_pos;
sk_run_pos sk_run_first_pos(const sk_run *run);
sk_run_pos sk_run_next_pos(const sk_run *run, sk_run_pos at);
sk_run_pos sk_run_prev_pos(const sk_run *run, sk_run_pos at);
bool sk_run_pos_end(sk_run_pos at);
/* The form the run was made with. */
const sk_form *sk_run_form(const sk_run *run);

#endif
