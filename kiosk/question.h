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
int input_datetime(app *a, int q, int x, int y, int w);
int input_range(app *a, int q, int x, int y, int w);
int input_signature(app *a, int q, int x, int y, int w);
int input_dropdown(app *a, int q, int x, int y, int w, const size_t *idx, size_t n);

/* The label of choice idx of question q in the current language. */
const char *choice_label(const app *a, int q, size_t idx);
const char *choice_name(const app *a, int q, size_t idx);

/* Pictures (picture_block.c).  picture_name: the file of images (a question's
 * or choice's media::image) in the current language, NULL when none.
 * picture_block: question q's picture at content y; returns the height used
 * (0 without one).  choice_picture_height: the room choice idx of q needs
 * for its picture in a row row_w wide (0 without one); choice_picture draws
 * it in the box ui_choice_ex gave. */
const char *picture_name(const app *a, char *const *images);
int picture_block(app *a, int q, int x, int y, int w);
int choice_picture_height(app *a, int q, size_t idx, int row_w);
void choice_picture(app *a, int q, size_t idx, krect at);
/* The compact layouts (Likert, table-list headers, drop-down options):
 * choice_picture_fit_height is the height choice idx's picture takes in a
 * box w wide and at most max_h high (0 without one); choice_picture_in draws
 * it centred in box and, with chooses, lays a tap area over it: in the input
 * pass it returns true when that area was tapped (the caller chooses). */
int choice_picture_fit_height(app *a, int q, size_t idx, int w, int max_h);
bool choice_picture_in(app *a, int q, size_t idx, krect box, bool chooses);

#endif
