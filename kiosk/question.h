/* question.h - the input widgets of question blocks, shared between
 * screens_question.c (layout, selects, text) and screens_inputs.c (date,
 * time, range, signature, drop-down).  y is in scroll-content coordinates;
 * each returns the height it used. */
#ifndef KIOSK_QUESTION_H
#define KIOSK_QUESTION_H

#include "app.h"

/* Record that the focused widget is a text field of this kind (draw pass). */
void note_field(app *a, const char *id, field_kind kind);

int input_date(app *a, int q, int x, int y, int w, bool time);
int input_range(app *a, int q, int x, int y, int w);
int input_signature(app *a, int q, int x, int y, int w);
int input_dropdown(app *a, int q, int x, int y, int w, const size_t *idx, size_t n);

/* The label of choice idx of question q in the current language. */
const char *choice_label(const app *a, int q, size_t idx);
const char *choice_name(const app *a, int q, size_t idx);

#endif
