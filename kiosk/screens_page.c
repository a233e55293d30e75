/* screens_page.c - a page of the survey (the consent section or questions):
 * header, scrolling column of question blocks, Back / Next footer. */
#include <stdio.h>
#include <string.h>

#include "app.h"

bool consent_ok(app *a, const sk_page *p)
{
    for (size_t i = 0; i < p->n; i++) {
        int q = p->q[i];
        const sk_question *qq = &a->form->q[q];
        if (qq->type != SK_Q_ACKNOWLEDGE || !sk_run_relevant(a->run, q) ||
            !sk_run_required(a->run, q))
            continue;
        const char *v = sk_run_answer(a->run, (int)(qq - a->form->q));
        if (!v || strcmp(v, "yes") != 0)
            return false;
    }
    return true;
}

/* Column width for reading comfort: long lines are hard to read on 1080p. */
static int column_width(const ui *u)
{
    int w = u->w - 4 * u->pad;
    int max = u->px_body * 42;
    return w < max ? w : max;
}

static void on_next(app *a, const sk_page *p)
{
    ui *u = &a->ui;
    if (p->consent) {
        /* Optional clauses left alone are recorded as declined ("no"). */
        for (size_t i = 0; i < p->n; i++) {
            const sk_question *qq = &a->form->q[p->q[i]];
            if (qq->type == SK_Q_ACKNOWLEDGE && sk_run_relevant(a->run, p->q[i]) &&
                !sk_run_answer(a->run, (int)(qq - a->form->q)))
                app_set_answer(a, p->q[i], "no");
        }
        if (a->scr == SCR_ERROR)
            return;
    }
    int bad = -1;
    if (!sk_run_page_ok(a->run, (size_t)a->page, &bad)) {
        a->show_errors = true;
        if (bad >= 0) {
            u->scroll = a->q_y[bad] - u->pad;
            ui_scroll_by(u, 0);
            /* The message appears in the draw pass, below the question (and
             * at 800x480 often below the fold): draw_frame scrolls it in. */
            a->refused_q = bad + 1;
            a->refused_msg_h = 0;
        }
        return;
    }
    sk_run_pos next = sk_run_next_pos(a->run, app_pos(a));
    if (sk_run_pos_end(next))
        app_finish(a);
    else
        app_goto_pos(a, next);
}

static bool is_select(const sk_question *q)
{
    return q->type == SK_Q_SELECT_ONE || q->type == SK_Q_SELECT_MULTIPLE;
}

void scr_page(app *a)
{
    ui *u = &a->ui;
    const sk_form *f = a->form;
    const sk_page *p = &f->pages[a->page];
    int page = a->page;

    krect content = app_header(a, sk_form_title(f, a->lang), !p->consent);
    int osk = osk_height(a);
    int footer = osk ? 0 : u->target + 2 * u->pad;
    krect view = {0, content.y, u->w, u->h - content.y - footer - osk};

    /* A press outside an open drop-down closes it. */
    if (!u->drawing && u->ev.kind == UI_EV_PRESS && u->open_dropdown[0]) {
        size_t n = strlen(u->open_dropdown);
        if (strncmp(u->pressed, u->open_dropdown, n) != 0 ||
            (u->pressed[n] != '/' && u->pressed[n] != '\0'))
            u->open_dropdown[0] = '\0';
    }
    a->dd_q = -1;

    ui_scroll_begin(u, view);
    int colw = column_width(u);
    int x0 = (u->w - colw) / 2;
    int y = u->pad * 2;
    if (p->repeat >= 0)
        y += repeat_title(a, p, x0, y, colw);
    if (a->page != page || (a->scr != SCR_CONSENT && a->scr != SCR_QUESTION))
        return; /* "Remove" was pressed */
    if (p->group >= 0 && p->group != p->repeat) {
        const sk_question *g = &f->q[p->group];
        const char *gl = app_q_text(a, g->label);
        if (*gl) {
            int h = ui_text_height(u, gl, colw, RN_BOLD, u->px_title);
            ui_text(u, g->name, "text", gl, (krect){x0, ui_scroll_y(u, y), colw, h}, RN_BOLD,
                    u->px_title, u->th->text);
            y += h + u->pad;
        }
        const char *gh = app_q_text(a, g->hint);
        if (*gh) {
            char id[UI_ID_MAX];
            snprintf(id, sizeof id, "%s/hint", g->name);
            int h = ui_text_height(u, gh, colw, RN_REGULAR, u->px_small);
            ui_text(u, id, "text", gh, (krect){x0, ui_scroll_y(u, y), colw, h}, RN_REGULAR,
                    u->px_small, u->th->muted);
            y += h + u->pad;
        }
    }
    bool table = p->group >= 0 && (f->q[p->group].appearance & SK_AP_TABLE_LIST);
    size_t shown = 0;
    for (size_t i = 0; i < p->n; i++)
        shown += sk_run_relevant(a->run, p->q[i]);
    for (size_t i = 0; i < p->n && a->page == page;) {
        int q = p->q[i];
        if (!sk_run_relevant(a->run, q)) {
            i++;
            continue;
        }
        if (table && is_select(&f->q[q])) {
            size_t used = 1;
            a->q_y[q] = y;
            y += table_block(a, p, i, x0, y, colw, &used) + u->pad * 2;
            i += used;
            continue;
        }
        a->q_y[q] = y;
        y += question_block(a, q, x0, y, colw, shown == 1 && p->group < 0) + u->pad * 2;
        i++;
    }
    ui_scroll_end(u, y);
    if (a->page != page || (a->scr != SCR_CONSENT && a->scr != SCR_QUESTION))
        return;
    dropdown_overlay(a);
    if (footer == 0)
        return;

    /* The footer: Back / Decline on the left, Next / Continue / Finish on the right. */
    int fy = u->h - footer + u->pad;
    int bw = u->w * 30 / 100;
    if (bw < u->target * 3)
        bw = u->target * 3;
    krect left = {u->pad * 2, fy, bw, u->target};
    krect right = {u->w - u->pad * 2 - bw, fy, bw, u->target};
    if (u->drawing)
        rn_fill(a->r, (krect){0, u->h - footer, u->w, 1}, u->th->border);
    if (p->consent) {
        left.w = u->w * 45 / 100;
        right.x = left.x + left.w + u->pad * 2;
        right.w = u->w - u->pad * 2 - right.x;
        if (right.w > bw)
            right.x += right.w - bw, right.w = bw;
    }
    if (a->field_seen && !a->osk_visible) {
        /* Centred between the footer buttons when it fits; else a square key
         * icon just left of the primary button (the consent footer at 800 px). */
        int kw = u->target * 3;
        krect k = {(u->w - kw) / 2, fy, kw, u->target};
        const char *label = app_str(a, "keyboard");
        if (k.x < left.x + left.w + u->pad || k.x + k.w + u->pad > right.x) {
            k = (krect){right.x - u->pad - u->target, fy, u->target, u->target};
            label = "\xe2\x8c\xa8"; /* U+2328 KEYBOARD */
        }
        if (k.x >= left.x + left.w + u->pad / 2 &&
            ui_button(u, "keyboard", label, k, UI_QUIET | UI_NOFOCUS))
            a->osk_visible = true;
    }
    if (p->consent) {
        if (ui_button(u, "decline", app_str(a, "decline"), left, UI_QUIET)) {
            app_decline(a);
            return;
        }
        unsigned fl = UI_PRIMARY | (consent_ok(a, p) ? 0 : UI_DISABLED);
        if (ui_button(u, "next", app_str(a, "continue"), right, fl))
            on_next(a, p);
        return;
    }
    sk_run_pos prev = sk_run_prev_pos(a->run, app_pos(a));
    if (!sk_run_pos_end(prev) && (prev.page < 0 || !f->pages[prev.page].consent)) {
        if (ui_button(u, "back", app_str(a, "back"), left, UI_QUIET)) {
            app_goto_pos(a, prev);
            return;
        }
    }
    bool last = sk_run_pos_end(sk_run_next_pos(a->run, app_pos(a)));
    if (ui_button(u, last ? "submit" : "next", app_str(a, last ? "finish" : "next"), right,
                  UI_PRIMARY))
        on_next(a, p);
}
