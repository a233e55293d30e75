/* screens_question.c - one question's block: label, hint, input, message;
 * and the table-list matrix.  Drawn from the form and the answers each
 * frame; answer changes go through app_set_answer (saved sealed at once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_clipboard.h>
#include <SDL_keycode.h>
#include <sodium.h>

#include "question.h"

/* The default length of a text answer when the form sets none: far above
 * what a person types at a kiosk (a long free-text answer is 2,000
 * characters), so it never cuts one, yet bounded so the answer store and the
 * screen never meet an unbounded one (docs/KIOSK.md). */
#define SK_TEXT_MAX_CHARS 10000
/* Bytes, whatever the characters: 4 bytes is the longest UTF-8 code point. */
#define SK_TEXT_MAX_BYTES (4 * SK_TEXT_MAX_CHARS + 4)

#define MAX_CHOICES 512

void note_field(app *a, const char *id, field_kind kind)
{
    if (a->ui.drawing && ui_focused(&a->ui, id)) {
        a->field = kind;
        a->field_seen = true;
    }
}

const char *choice_label(const app *a, int q, size_t idx)
{
    const sk_choice_list *l = sk_form_choices(a->form, q);
    return l ? app_q_text(a, l->choices[idx].label) : "";
}

const char *choice_name(const app *a, int q, size_t idx)
{
    const sk_choice_list *l = sk_form_choices(a->form, q);
    return l ? l->choices[idx].name : "";
}

/* Is name one of the space-separated values in list? */
static bool in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list ? list : ""; *p;) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && len && strncmp(p, name, n) == 0)
            return true;
        p += len;
    }
    return false;
}

/* select_multiple: toggle one choice, keeping the choices in form order. */
static void toggle_multi(app *a, int q, const char *name)
{
    const sk_choice_list *l = sk_form_choices(a->form, q);
    const char *cur = sk_run_answer(a->run, q);
    size_t cap = 1;
    for (size_t i = 0; i < l->n; i++)
        cap += strlen(l->choices[i].name) + 1;
    char *out = calloc(1, cap);
    if (!out)
        return;
    for (size_t i = 0; i < l->n; i++) {
        const char *c = l->choices[i].name;
        bool on = in_list(cur, c);
        if (strcmp(c, name) == 0)
            on = !on;
        if (on) {
            if (*out)
                strcat(out, " ");
            strcat(out, c);
        }
    }
    app_set_answer(a, q, out);
    free(out);
}

static bool valid_number(const char *s, bool decimal)
{
    bool dot = false;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            continue;
        if (s[i] == '-' && i == 0)
            continue;
        if (s[i] == '.' && decimal && !dot) {
            dot = true;
            continue;
        }
        return false;
    }
    return true;
}

/* The most characters (code points, as string-length() counts them) a text
 * answer may hold: the form's own `string-length(.) <= N` (or `< N`) when its
 * constraint says so, else SK_TEXT_MAX_CHARS.  Only a plain conjunction is
 * read: under "or" the limit may not apply, and the form's constraint still
 * has the last word when the page is checked. */
static size_t text_limit(const sk_question *qq)
{
    size_t limit = SK_TEXT_MAX_CHARS;
    const char *c = qq->constraint_src;
    if (!c || strstr(c, " or "))
        return limit;
    for (const char *p = c; (p = strstr(p, "string-length(")) != NULL;) {
        p += strlen("string-length(");
        while (*p == ' ')
            p++;
        if (*p == '.')
            p++;
        while (*p == ' ')
            p++;
        if (*p != ')')
            continue;
        p++;
        while (*p == ' ')
            p++;
        bool le = strncmp(p, "<=", 2) == 0, lt = !le && *p == '<';
        if (!le && !lt)
            continue;
        p += le ? 2 : 1;
        char *end;
        unsigned long long n = strtoull(p, &end, 10);
        if (end == p)
            continue;
        if (lt)
            n = n > 0 ? n - 1 : 0;
        if (n < limit)
            limit = (size_t)n;
        p = end;
    }
    return limit;
}

/* 10000 -> "10,000". */
static void group_digits(size_t v, char *out, size_t size)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%zu", v), j = 0;
    for (int i = 0; i < n && (size_t)j + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = tmp[i];
    }
    out[j] = '\0';
}

/* Ctrl+V, Shift+Insert or the Paste key in the focused box: the clipboard's
 * text, to be added as one input (NULL otherwise).  SDL_free the result. */
static char *paste_request(const ui *u, const char *id)
{
    if (u->drawing || u->ev.kind != UI_EV_KEY || !ui_focused(u, id))
        return NULL;
    bool ctrl = (u->ev.mod & KMOD_CTRL) != 0, shift = (u->ev.mod & KMOD_SHIFT) != 0;
    if (!((u->ev.key == SDLK_v && ctrl) || (u->ev.key == SDLK_INSERT && shift) ||
          u->ev.key == SDLK_PASTE))
        return NULL;
    return SDL_HasClipboardText() ? SDL_GetClipboardText() : NULL;
}

static int text_input(app *a, int q, int x, int y, int w)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
    bool multi = qq->type == SK_Q_TEXT && (qq->appearance & SK_AP_MULTILINE);
    bool numeric = qq->type == SK_Q_INTEGER || qq->type == SK_Q_DECIMAL;
    int lh = rn_line_height(a->r, RN_REGULAR, u->px_body);
    int h = multi ? lh * 4 + u->pad : u->target;
    if (numeric && w > u->target * 6)
        w = u->target * 6;
    krect r = {x, ui_scroll_y(u, y), w, h};
    size_t limit = numeric ? 64 : text_limit(qq);
    char *out = NULL, *clip = paste_request(u, qq->name);
    const char *comp = ui_focused(u, qq->name) ? a->composition : NULL;
    if (ui_textbox_ex(u, qq->name, app_q_text(a, qq->label), r, val, multi, comp, limit,
                      SK_TEXT_MAX_BYTES, clip, &out)) {
        if (qq->type == SK_Q_DECIMAL)
            for (char *c = out; *c; c++)
                if (*c == ',')
                    *c = '.'; /* a decimal comma typed by habit */
        if (!numeric || valid_number(out, qq->type == SK_Q_DECIMAL))
            app_set_answer(a, q, out);
    }
    if (out) {
        sodium_memzero(out, strlen(out));
        free(out);
    }
    if (clip) {
        sodium_memzero(clip, strlen(clip));
        SDL_free(clip);
    }
    note_field(a, qq->name,
               qq->type == SK_Q_INTEGER ? FIELD_INTEGER
               : qq->type == SK_Q_DECIMAL ? FIELD_DECIMAL : FIELD_TEXT);
    if (numeric)
        return h;
    /* Near the limit, a counter; after a refused input, why nothing was added. */
    val = sk_run_answer(a->run, (int)(qq - a->form->q)); /* the edit above may have replaced it */
    size_t used = val ? tw_cp_count(val, strlen(val)) : 0;
    int sh = rn_line_height(a->r, RN_REGULAR, u->px_small);
    char id[UI_ID_MAX];
    if (strcmp(u->refused, qq->name) == 0) {
        const char *msg = app_str(a, "text_full");
        int mh = ui_text_height(u, msg, w, RN_BOLD, u->px_small);
        snprintf(id, sizeof id, "%s/limit", qq->name);
        h += u->pad / 4;
        ui_text(u, id, "alert", msg, (krect){x, ui_scroll_y(u, y + h), w, mh}, RN_BOLD,
                u->px_small, u->th->error);
        h += mh;
    }
    if (limit > 0 && used * 10 >= limit * 9) {
        char n1[32], n2[32], text[80];
        group_digits(used, n1, sizeof n1);
        group_digits(limit, n2, sizeof n2);
        snprintf(text, sizeof text, "%s / %s", n1, n2);
        snprintf(id, sizeof id, "%s/count", qq->name);
        h += u->pad / 4;
        ui_text(u, id, "text", text, (krect){x, ui_scroll_y(u, y + h), w, sh}, RN_REGULAR,
                u->px_small, used >= limit ? u->th->error : u->th->muted);
        h += sh;
    }
    return h;
}

static int choice_rows(app *a, int q, int x, int y, int w, const size_t *idx, size_t n)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    bool radio = qq->type == SK_Q_SELECT_ONE;
    int cols = 1;
    if (qq->appearance & SK_AP_HORIZONTAL) {
        cols = w / (u->target * 4);
        cols = cols < 1 ? 1 : cols > 4 ? 4 : cols;
    }
    int gap = u->pad / 2, cw = (w - (cols - 1) * gap) / cols, y0 = y;
    for (size_t i = 0; i < n; i += (size_t)cols) {
        int row_h = 0;
        int pic_h[4] = {0};
        for (int c = 0; c < cols && i + (size_t)c < n; c++) {
            pic_h[c] = choice_picture_height(a, q, idx[i + (size_t)c], cw);
            int h = ui_choice_height(u, choice_label(a, q, idx[i + (size_t)c]), cw) + pic_h[c];
            row_h = h > row_h ? h : row_h;
        }
        for (int c = 0; c < cols && i + (size_t)c < n; c++) {
            const char *name = choice_name(a, q, idx[i + (size_t)c]);
            char id[UI_ID_MAX];
            snprintf(id, sizeof id, "%s/%s", qq->name, name);
            /* Fetched afresh: an earlier widget's change may have replaced it. */
            const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
            bool on = radio ? (val && strcmp(val, name) == 0) : in_list(val, name);
            krect r = {x + c * (cw + gap), ui_scroll_y(u, y), cw, row_h}, below;
            bool hit = ui_choice_ex(u, id, choice_label(a, q, idx[i + (size_t)c]), r, on, radio,
                                    0, pic_h[c], &below);
            if (pic_h[c] && u->drawing)
                choice_picture(a, q, idx[i + (size_t)c], below);
            if (hit) {
                if (radio)
                    app_set_answer(a, q, name);
                else
                    toggle_multi(a, q, name);
            }
        }
        y += row_h + gap;
    }
    return y - y0 - (n ? gap : 0);
}

/* A horizontal Likert scale: a row of cells, each choice's label under it. */
static int likert_row(app *a, int q, int x, int y, int w, const size_t *idx, size_t n)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    if (n == 0)
        return 0;
    int gap = u->pad / 3, cw = (w - ((int)n - 1) * gap) / (int)n;
    int label_h = 0, pic_h = 0;
    /* Pictures sit between the cell and its label, all as high as the
     * tallest (the labels stay in one line), at most two targets. */
    for (size_t i = 0; i < n; i++) {
        int h = ui_text_height(u, choice_label(a, q, idx[i]), cw, RN_REGULAR, u->px_small);
        label_h = h > label_h ? h : label_h;
        int ph = choice_picture_fit_height(a, q, idx[i], cw - 4, u->target * 2);
        pic_h = ph > pic_h ? ph : pic_h;
    }
    int pic_room = pic_h ? pic_h + u->pad / 2 : 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = choice_name(a, q, idx[i]);
        char id[UI_ID_MAX];
        snprintf(id, sizeof id, "%s/%s", qq->name, name);
        int cx = x + (int)i * (cw + gap);
        const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
        bool on = val && strcmp(val, name) == 0;
        krect cell = {cx, ui_scroll_y(u, y), cw, u->target + pic_room + label_h + u->pad};
        if (ui_cell(u, id, choice_label(a, q, idx[i]), NULL,
                    (krect){cell.x, cell.y, cell.w, u->target}, on, true, true))
            app_set_answer(a, q, name);
        if (pic_h &&
            choice_picture_in(a, q, idx[i],
                              (krect){cx + 2, cell.y + u->target + u->pad / 2, cw - 4, pic_h},
                              true))
            app_set_answer(a, q, name);
        ui_text(u, NULL, NULL, choice_label(a, q, idx[i]),
                (krect){cx + 2, cell.y + u->target + u->pad / 2 + pic_room, cw - 4, label_h},
                RN_REGULAR, u->px_small, on ? u->th->text : u->th->muted);
    }
    return u->target + pic_room + label_h + u->pad;
}

static int message(app *a, int q, int x, int y, int w)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    const char *msg = NULL;
    if (sk_run_check(a->run, q, &msg))
        return 0;
    const char *v = sk_run_answer(a->run, (int)(qq - a->form->q));
    bool empty = !v || !*v;
    /* Required: after a refused Next.  Constraint: once the field is left. */
    if (!(a->show_errors || (!empty && !ui_focused(u, qq->name))))
        return 0;
    char id[UI_ID_MAX], text[600];
    snprintf(id, sizeof id, "%s/message", qq->name);
    snprintf(text, sizeof text, "\xE2\x9A\xA0 %s", msg && *msg ? msg : "Please check this answer.");
    int h = ui_text_height(u, text, w, RN_BOLD, u->px_body);
    ui_text(u, id, "alert", text, (krect){x, ui_scroll_y(u, y), w, h}, RN_BOLD, u->px_body,
            u->th->error);
    if (u->drawing && a->refused_q == q + 1) {
        a->refused_msg_y = y;
        a->refused_msg_h = h;
    }
    return h + u->pad / 2;
}

int question_block(app *a, int q, int x, int y, int w, bool single)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    const ktheme *t = u->th;
    const char *label = app_q_text(a, qq->label);
    const char *hint = app_q_text(a, qq->hint);
    bool req = sk_run_required(a->run, q);
    bool ro = sk_run_read_only(a->run, q);
    const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
    int y0 = y;
    char id[UI_ID_MAX], text[2048];

    if (qq->type == SK_Q_NOTE) {
        int h = ui_text_height(u, label, w, RN_REGULAR, u->px_body);
        ui_text(u, qq->name, "text", label, (krect){x, ui_scroll_y(u, y), w, h}, RN_REGULAR,
                u->px_body, t->text);
        y += h;
    } else if (qq->type == SK_Q_ACKNOWLEDGE) {
        snprintf(text, sizeof text, "%s%s", label, req ? " *" : "");
        bool consent = qq->in_consent;
        bool on = val && strcmp(val, consent ? "yes" : "OK") == 0;
        int h = ui_choice_height(u, text, w);
        if (consent && h < u->target * 3 / 2)
            h = u->target * 3 / 2; /* clauses are big tick boxes */
        if (ui_choice(u, qq->name, text, (krect){x, ui_scroll_y(u, y), w, h}, on, false,
                      ro ? UI_DISABLED : 0))
            app_set_answer(a, q, on ? (consent ? "no" : "") : (consent ? "yes" : "OK"));
        y += h;
    } else {
        /* Ids stay unique: a question drawn as one input widget (text box,
         * drop-down, slider, signature pad) owns the id `name` and its label is
         * `name/label`; a list of choices (`name/choice`) lets the label be `name`. */
        bool choice_list = (qq->type == SK_Q_SELECT_ONE && !(qq->appearance & SK_AP_MINIMAL)) ||
                           qq->type == SK_Q_SELECT_MULTIPLE;
        snprintf(id, sizeof id, choice_list ? "%s" : "%s/label", qq->name);
        snprintf(text, sizeof text, "%s%s", label, req ? " *" : "");
        int px = single ? u->px_title : u->px_body;
        int h = ui_text_height(u, text, w, RN_BOLD, px);
        ui_text(u, id, "text", text, (krect){x, ui_scroll_y(u, y), w, h}, RN_BOLD, px, t->text);
        y += h + u->pad / 2;
    }
    y += picture_block(a, q, x, y, w);
    if (*hint) {
        snprintf(id, sizeof id, "%s/hint", qq->name);
        int h = ui_text_height(u, hint, w, RN_REGULAR, u->px_small);
        ui_text(u, id, "text", hint, (krect){x, ui_scroll_y(u, y), w, h}, RN_REGULAR, u->px_small,
                t->muted);
        y += h + u->pad / 2;
    }
    if (ro && qq->type != SK_Q_NOTE && qq->type != SK_Q_ACKNOWLEDGE) {
        const char *shown = val ? val : "";
        if (qq->type == SK_Q_SELECT_ONE && val)
            shown = sk_run_choice_label(a->run, q, val) ? sk_run_choice_label(a->run, q, val)
                                                        : val;
        int h = ui_text_height(u, *shown ? shown : "-", w, RN_REGULAR, u->px_body);
        ui_text(u, qq->name, "text", *shown ? shown : "-", (krect){x, ui_scroll_y(u, y), w, h},
                RN_REGULAR, u->px_body, t->text);
        return y + h - y0;
    }
    size_t idx[MAX_CHOICES], n = 0;
    switch (qq->type) {
    case SK_Q_TEXT:
    case SK_Q_INTEGER:
    case SK_Q_DECIMAL:
        y += text_input(a, q, x, y, w) + u->pad / 2;
        break;
    case SK_Q_DATE:
    case SK_Q_TIME:
        y += input_date(a, q, x, y, w, qq->type == SK_Q_TIME) + u->pad / 2;
        break;
    case SK_Q_DATETIME:
        y += input_datetime(a, q, x, y, w) + u->pad / 2;
        break;
    case SK_Q_SELECT_ONE:
    case SK_Q_SELECT_MULTIPLE:
        n = sk_run_choices(a->run, q, idx, MAX_CHOICES);
        if (n > MAX_CHOICES)
            n = MAX_CHOICES;
        if (qq->type == SK_Q_SELECT_ONE && (qq->appearance & SK_AP_MINIMAL))
            y += input_dropdown(a, q, x, y, w, idx, n);
        else if (qq->type == SK_Q_SELECT_ONE && (qq->appearance & SK_AP_LIKERT))
            y += likert_row(a, q, x, y, w, idx, n);
        else
            y += choice_rows(a, q, x, y, w, idx, n);
        y += u->pad / 2;
        break;
    case SK_Q_RANGE:
        y += input_range(a, q, x, y, w) + u->pad / 2;
        break;
    case SK_Q_SIGNATURE:
        y += input_signature(a, q, x, y, w) + u->pad / 2;
        break;
    default:
        break;
    }
    if (qq->type != SK_Q_NOTE)
        y += message(a, q, x, y + u->pad / 2, w);
    return y - y0;
}

/* The Likert matrix of a table-list group: one row per select question from
 * p->q[first] on (while they share the first one's list), one column per choice. */
int table_block(app *a, const sk_page *p, size_t first, int x, int y, int w, size_t *consumed)
{
    ui *u = &a->ui;
    const sk_form *f = a->form;
    const ktheme *t = u->th;
    int q0 = p->q[first];
    const sk_choice_list *list = sk_form_choices(f, q0);
    size_t last = first;
    while (last + 1 < p->n && f->q[p->q[last + 1]].list == f->q[q0].list)
        last++;
    *consumed = last - first + 1;
    size_t nc = list ? list->n : 0;
    if (nc == 0)
        return 0;
    int label_w = w * 36 / 100;
    int gap = 2, cw = (w - label_w) / (int)nc;
    int y0 = y;
    /* Column headers: small bold, wrapped (and split inside long words) to fit. */
    int head_h = 0, pic_h = 0;
    for (size_t c = 0; c < nc; c++) {
        int h = ui_text_height(u, app_q_text(a, list->choices[c].label), cw - 4, RN_BOLD,
                               u->px_small);
        head_h = h > head_h ? h : head_h;
        /* a choice's picture heads its column, scaled to the column */
        int ph = choice_picture_fit_height(a, q0, c, cw - 4, u->target * 2);
        pic_h = ph > pic_h ? ph : pic_h;
    }
    if (pic_h) {
        /* One header for every row: tapping it cannot say which row's
         * answer it is, so it only shows; the cells below choose. */
        for (size_t c = 0; c < nc; c++)
            choice_picture_in(a, q0, c,
                              (krect){x + label_w + (int)c * cw + 2, ui_scroll_y(u, y), cw - 4,
                                      pic_h},
                              false);
        y += pic_h + u->pad / 4;
    }
    for (size_t c = 0; c < nc; c++)
        ui_text(u, NULL, NULL, app_q_text(a, list->choices[c].label),
                (krect){x + label_w + (int)c * cw + 2, ui_scroll_y(u, y), cw - 4, head_h},
                RN_BOLD, u->px_small, t->muted);
    y += head_h + u->pad / 2;
    for (size_t i = first; i <= last; i++) {
        int q = p->q[i];
        if (!sk_run_relevant(a->run, q))
            continue;
        const sk_question *qq = &f->q[q];
        a->q_y[q] = y;
        bool radio = qq->type == SK_Q_SELECT_ONE;
        char text[1024];
        snprintf(text, sizeof text, "%s%s", app_q_text(a, qq->label),
                 sk_run_required(a->run, q) ? " *" : "");
        int lh = ui_text_height(u, text, label_w - u->pad, RN_REGULAR, u->px_body);
        /* Each cell, inside its gap, is still a full touch target. */
        int row_h = lh + u->pad > u->target + 2 * gap ? lh + u->pad : u->target + 2 * gap;
        int wy = ui_scroll_y(u, y);
        if (u->drawing && (i - first) % 2 == 0)
            rn_fill(a->r, (krect){x, wy, w, row_h}, t->surface);
        ui_text(u, qq->name, "text", text, (krect){x + u->pad / 2, wy + (row_h - lh) / 2,
                                                     label_w - u->pad, lh},
                RN_REGULAR, u->px_body, t->text);
        size_t idx[MAX_CHOICES];
        size_t n = sk_run_choices(a->run, q, idx, MAX_CHOICES);
        for (size_t k = 0; k < n && k < MAX_CHOICES; k++) {
            size_t c = idx[k];
            const char *name = list->choices[c].name;
            char id[UI_ID_MAX];
            snprintf(id, sizeof id, "%s/%s", qq->name, name);
            const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
            bool on = radio ? (val && strcmp(val, name) == 0) : in_list(val, name);
            krect cell = {x + label_w + (int)c * cw + gap, wy + gap, cw - 2 * gap, row_h - 2 * gap};
            if (ui_cell(u, id, app_q_text(a, list->choices[c].label), NULL, cell, on, true,
                        radio)) {
                if (radio)
                    app_set_answer(a, q, name);
                else
                    toggle_multi(a, q, name);
            }
        }
        y += row_h;
        y += message(a, q, x, y, w);
    }
    return y - y0;
}
