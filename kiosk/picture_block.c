/* picture_block.c - a form's pictures (media::image) on a page: under a
 * question's label, and under a choice's label, in the participant's
 * language (media::image::LANG, with the same fallback as labels).
 *
 * The picture comes from the pack's attachments in memory (never written to
 * disk), is drawn at its own size times the screen's scale, made smaller to
 * fit the column (and a share of the screen's height, so the question's
 * answers stay in reach), and is listed in the UI map as role "img" with the
 * file name as its label and what was shown as its value.  It is never
 * silently left out: a picture the pack lacks, one this build cannot decode
 * (-DSK_PICTURES=OFF) and one that does not decode each get a framed line
 * in its place. */
#include <stdio.h>
#include <string.h>

#include "pictures.h"
#include "question.h"
#include "sk/picture.h"

typedef enum pic_state { PIC_SHOWN, PIC_MISSING, PIC_NO_DECODER, PIC_FAILED } pic_state;

typedef struct pic_view {
    pic_state state;
    const sk_pack_file *file;
    sk_picture_info info;
    char why[520];
} pic_view;

static void look_up(app *a, const char *name, pic_view *v)
{
    memset(v, 0, sizeof *v);
    v->file = a->pack ? sk_pack_attachment(a->pack, name) : NULL;
    sk_error err;
    sk_error_clear(&err);
    if (!v->file) {
        v->state = PIC_MISSING;
        snprintf(v->why, sizeof v->why, "not in the survey pack");
    } else if (!kpic_available()) {
        v->state = PIC_NO_DECODER;
        snprintf(v->why, sizeof v->why, "this kiosk was built without pictures");
    } else if (sk_picture_probe(v->file->bytes, v->file->len, name, &v->info, &err) != SK_OK) {
        v->state = PIC_FAILED;
        snprintf(v->why, sizeof v->why, "%s", err.message);
    } else if (rn_picture_failed(a->r, v->file->bytes, v->file->len, v->why, sizeof v->why)) {
        v->state = PIC_FAILED;
    }
}

/* The picture's drawn size in a column w wide and at most max_h high. */
static void fitted(const app *a, const pic_view *v, int w, int max_h, int *pw, int *ph)
{
    sk_picture_fit(v->info.width, v->info.height, a->ui.s, w, max_h, pw, ph);
}

/* The line shown instead of a picture. */
static void caption(const pic_view *v, const char *name, char *out, size_t size)
{
    if (v->state == PIC_FAILED)
        snprintf(out, size, "\xE2\x9A\xA0 The picture %s cannot be shown.", name);
    else if (v->state == PIC_MISSING)
        snprintf(out, size, "Picture: %s (not in this survey pack)", name);
    else
        snprintf(out, size, "Picture: %s", name);
}

static int framed_line(app *a, const char *id, const char *name, const pic_view *v, krect box)
{
    ui *u = &a->ui;
    char text[600];
    caption(v, name, text, sizeof text);
    int inner = box.w - u->pad * 2;
    int th = ui_text_height(u, text, inner, RN_REGULAR, u->px_small);
    int h = th + u->pad;
    krect r = {box.x, box.y, box.w, h};
    if (u->drawing) {
        bool alert = v->state == PIC_FAILED;
        rn_box(a->r, r, u->radius / 2, u->th->surface, 1, alert ? u->th->error : u->th->border);
        ui_text(u, NULL, NULL, text, (krect){box.x + u->pad, box.y + u->pad / 2, inner, th},
                RN_REGULAR, u->px_small, alert ? u->th->error : u->th->muted);
        char value[560];
        static const char *const states[] = {"shown", "missing", "no decoder", "failed"};
        snprintf(value, sizeof value, "%s: %s", states[v->state], v->why);
        ui_add(u, id, alert ? "alert" : "img", name, r, true, -1, value, false);
    }
    return h;
}

/* The picture name, or its line, at box (window pixels; box.h is the most it
 * may take).  Returns the height used. */
static int picture_at_ex(app *a, const char *id, const char *name, krect box, bool centre);

static int picture_at(app *a, const char *id, const char *name, krect box)
{
    return picture_at_ex(a, id, name, box, false);
}

/* centre: the picture centred in box.w (a Likert cell, a table column). */
static int picture_at_ex(app *a, const char *id, const char *name, krect box, bool centre)
{
    ui *u = &a->ui;
    pic_view v;
    look_up(a, name, &v);
    if (v.state != PIC_SHOWN)
        return framed_line(a, id, name, &v, box);
    int pw, ph;
    fitted(a, &v, box.w, box.h, &pw, &ph);
    if (!u->drawing)
        return ph;
    krect r = {centre ? box.x + (box.w - pw) / 2 : box.x, box.y, pw, ph};
    krect vis = ui_add(u, NULL, NULL, NULL, r, true, -1, NULL, false);
    /* Decoded only when on screen: a long page does not decode what is
     * scrolled away. */
    if (vis.w > 0 && vis.h > 0 &&
        !rn_picture(a->r, v.file->bytes, v.file->len, name, r, v.why, sizeof v.why)) {
        v.state = PIC_FAILED;
        return framed_line(a, id, name, &v, box);
    }
    char value[64];
    snprintf(value, sizeof value, "shown: %s %dx%d", v.info.format, v.info.width, v.info.height);
    ui_add(u, id, "img", name, r, true, -1, value, false);
    return ph;
}

/* The most a question's picture takes of the screen's height: the rest keeps
 * the answers (and Next) in reach at 800x480. */
static int question_max_h(const app *a)
{
    return a->ui.h * 45 / 100;
}

const char *picture_name(const app *a, char *const *images)
{
    if (!images)
        return NULL;
    const char *n = sk_form_text(a->form, images, a->lang);
    return n && *n ? n : NULL;
}

int picture_block(app *a, int q, int x, int y, int w)
{
    const char *name = picture_name(a, a->form->q[q].image);
    if (!name)
        return 0;
    char id[UI_ID_MAX];
    snprintf(id, sizeof id, "%s#picture", a->form->q[q].name);
    int gap = a->ui.pad / 2; /* apart from the label above */
    krect box = {x, ui_scroll_y(&a->ui, y + gap), w, question_max_h(a)};
    return gap + picture_at(a, id, name, box) + a->ui.pad / 2;
}

/* A choice's picture is smaller: a list of them still fits a page or two. */
static int choice_max_h(const app *a)
{
    return a->ui.target * 3;
}

int choice_picture_height(app *a, int q, size_t idx, int row_w)
{
    const sk_choice_list *l = sk_form_choices(a->form, q);
    const char *name = l ? picture_name(a, l->choices[idx].image) : NULL;
    if (!name)
        return 0;
    ui *u = &a->ui;
    int w = ui_choice_text_width(u, row_w);
    bool drawing = u->drawing;
    u->drawing = false; /* measure only */
    int h = picture_at(a, NULL, name, (krect){0, 0, w, choice_max_h(a)});
    u->drawing = drawing;
    return h + u->pad;
}

void choice_picture(app *a, int q, size_t idx, krect at)
{
    const sk_choice_list *l = sk_form_choices(a->form, q);
    const char *name = l ? picture_name(a, l->choices[idx].image) : NULL;
    if (!name)
        return;
    char id[UI_ID_MAX];
    snprintf(id, sizeof id, "%s/%s#picture", a->form->q[q].name, l->choices[idx].name);
    at.h = choice_max_h(a);
    picture_at(a, id, name, at);
}

/* ---- pictures in the compact layouts: Likert cells, table-list column
 * headers, drop-down options.  Each is drawn at most max_h high and as wide
 * as its room, centred there; a damaged or missing one is its framed line. */

static const char *choice_picture_name(app *a, int q, size_t idx)
{
    const sk_choice_list *l = sk_form_choices(a->form, q);
    return l && idx < l->n ? picture_name(a, l->choices[idx].image) : NULL;
}

int choice_picture_fit_height(app *a, int q, size_t idx, int w, int max_h)
{
    const char *name = choice_picture_name(a, q, idx);
    if (!name)
        return 0;
    ui *u = &a->ui;
    bool drawing = u->drawing;
    u->drawing = false; /* measure only */
    int h = picture_at_ex(a, NULL, name, (krect){0, 0, w, max_h}, true);
    u->drawing = drawing;
    return h;
}

bool choice_picture_in(app *a, int q, size_t idx, krect box, bool chooses)
{
    const char *name = choice_picture_name(a, q, idx);
    if (!name)
        return false;
    ui *u = &a->ui;
    const sk_choice_list *l = sk_form_choices(a->form, q);
    char id[UI_ID_MAX], tap[UI_ID_MAX];
    snprintf(id, sizeof id, "%s/%s#picture", a->form->q[q].name, l->choices[idx].name);
    snprintf(tap, sizeof tap, "%s/%s#tap", a->form->q[q].name, l->choices[idx].name);
    if (u->drawing) {
        int h = picture_at_ex(a, id, name, box, true);
        /* A picture is not interactive by itself (ui.c): an area over it
         * takes the tap, so that touching the picture chooses its choice. */
        if (chooses)
            ui_add(u, tap, "area", choice_label(a, q, idx), (krect){box.x, box.y, box.w, h},
                   true, -1, NULL, false);
        return false;
    }
    return chooses && strcmp(u->clicked, tap) == 0;
}
