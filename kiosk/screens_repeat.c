/* screens_repeat.c - repeats on the kiosk: the title of a page inside a
 * repeat ("Household member 2 of 3") with its Remove button, the question
 * "Add another Household member?" after the last instance, and the
 * confirmation before an instance and its answers are removed.
 *
 * Like every screen, these draw from the form, the run and the position
 * (a->page, a->inst, a->ask) each frame; the instances themselves live only
 * in the answers (sk_run_instances). */
#include <stdio.h>
#include <string.h>

#include "app.h"

/* Chrome strings carry %s and %zu: substituted by hand, in order (no format
 * strings from tables). */
static void fill(char *out, size_t size, const char *tmpl, const char *label, size_t n1,
                 size_t n2)
{
    size_t o = 0, nums = 0;
    for (const char *p = tmpl; *p && o + 1 < size;) {
        char piece[64];
        const char *ins = NULL;
        if (strncmp(p, "%s", 2) == 0) {
            ins = label;
            p += 2;
        } else if (strncmp(p, "%zu", 3) == 0) {
            snprintf(piece, sizeof piece, "%zu", nums++ == 0 ? n1 : n2);
            ins = piece;
            p += 3;
        }
        if (!ins) {
            out[o++] = *p++;
            continue;
        }
        size_t n = strlen(ins);
        if (n > size - 1 - o)
            n = size - 1 - o;
        memcpy(out + o, ins, n);
        o += n;
    }
    out[o] = '\0';
}

static const char *repeat_label(const app *a, int r)
{
    const char *l = app_q_text(a, a->form->q[r].label);
    return *l ? l : a->form->q[r].name;
}

static int last_page_of(const app *a, int r)
{
    for (size_t p = a->form->n_pages; p-- > 0;)
        if (a->form->pages[p].repeat == r)
            return (int)p;
    return -1;
}

/* The first page shown in instance k of repeat r, or the ask position when
 * that instance shows nothing (next_pos from the end of instance k - 1). */
static sk_run_pos instance_start(const app *a, int r, size_t k)
{
    return sk_run_next_pos(a->run, (sk_run_pos){last_page_of(a, r), k - 1, -1});
}

int repeat_title(app *a, const sk_page *p, int x, int y, int w)
{
    ui *u = &a->ui;
    int r = p->repeat;
    size_t n = sk_run_instances(a->run, r);
    char title[512];
    fill(title, sizeof title, app_str(a, "repeat_of"), repeat_label(a, r), a->inst, n);
    bool removable = !a->form->q[r].repeat_count;
    int bw = removable ? u->target * 3 : 0;
    int tw = w - (bw ? bw + u->pad : 0);
    int h = ui_text_height(u, title, tw, RN_BOLD, u->px_title);
    if (h < u->target && removable)
        h = u->target;
    ui_text(u, "repeat/title", "text", title, (krect){x, ui_scroll_y(u, y), tw, h}, RN_BOLD,
            u->px_title, u->th->text);
    if (removable && ui_button(u, "repeat/remove", app_str(a, "repeat_remove"),
                               (krect){x + w - bw, ui_scroll_y(u, y), bw, u->target}, UI_QUIET))
        app_go(a, SCR_REPEAT_REMOVE);
    return h + u->pad;
}

static int centred(app *a, const char *id, const char *text, int y, rn_style st, int px)
{
    ui *u = &a->ui;
    int w = u->w - 4 * u->pad;
    if (w > u->px_body * 36)
        w = u->px_body * 36;
    int h = ui_text_height(u, text, w, st, px);
    ui_text_centered(u, id, "text", text, (krect){(u->w - w) / 2, y, w, h}, st, px, u->th->text);
    return y + h + u->pad;
}

static krect button_row(const ui *u, int y, int which)
{
    int bw = u->w * 30 / 100;
    if (bw < u->target * 4)
        bw = u->target * 4;
    int gap = u->pad * 2;
    int x0 = (u->w - 2 * bw - gap) / 2;
    return (krect){x0 + which * (bw + gap), y, bw, u->target * 5 / 4};
}

static void changed(app *a)
{
    a->ui.changed = true;
    app_save(a);
}

void scr_repeat_ask(app *a)
{
    ui *u = &a->ui;
    int r = a->ask;
    if (r < 0 || !a->run) {
        app_go(a, SCR_QUESTION);
        return;
    }
    krect content = app_header(a, a->form->title, true);
    size_t n = sk_run_instances(a->run, r);
    const char *label = repeat_label(a, r);
    char text[512];
    int y = content.y + u->h / 8;
    if (n) {
        fill(text, sizeof text, app_str(a, "repeat_have"), label, n, 0);
        y = centred(a, "repeat/count", text, y, RN_REGULAR, u->px_body);
    }
    fill(text, sizeof text, app_str(a, n ? "repeat_add_another" : "repeat_add_first"), label, 0, 0);
    y = centred(a, "repeat/question", text, y, RN_BOLD, u->px_title);
    y += u->pad;
    if (ui_button(u, "repeat/add", app_str(a, "repeat_add"), button_row(u, y, 0), UI_PRIMARY)) {
        sk_error err;
        if (sk_run_add_instance(a->run, r, 0, &err) != SK_OK) {
            app_show_error(a, "Another could not be added", &err);
            return;
        }
        changed(a);
        app_goto_pos(a, instance_start(a, r, n + 1));
        return;
    }
    if (ui_button(u, "repeat/done", app_str(a, "repeat_no_more"), button_row(u, y, 1), 0)) {
        sk_run_pos next = sk_run_next_pos(a->run, app_pos(a));
        if (sk_run_pos_end(next))
            app_finish(a);
        else
            app_goto_pos(a, next);
        return;
    }
    int fy = u->h - u->target - u->pad;
    sk_run_pos prev = sk_run_prev_pos(a->run, app_pos(a));
    if (!sk_run_pos_end(prev) && (prev.page < 0 || !a->form->pages[prev.page].consent) &&
        ui_button(u, "back", app_str(a, "back"), (krect){u->pad * 2, fy, u->target * 4, u->target},
                  UI_QUIET))
        app_goto_pos(a, prev);
}

void scr_repeat_remove(app *a)
{
    ui *u = &a->ui;
    int r = a->page >= 0 ? a->form->pages[a->page].repeat : -1;
    if (r < 0 || !a->run || !a->inst) {
        app_go(a, SCR_QUESTION);
        return;
    }
    krect content = app_header(a, a->form->title, false);
    char text[512];
    fill(text, sizeof text, app_str(a, "repeat_remove_q"), repeat_label(a, r), a->inst, 0);
    int y = centred(a, "repeat/question", text, content.y + u->h / 6, RN_BOLD, u->px_title) + u->pad;
    if (ui_button(u, "repeat/remove-yes", app_str(a, "repeat_remove"), button_row(u, y, 0),
                  UI_PRIMARY)) {
        sk_error err;
        if (sk_run_remove_instance(a->run, r, a->inst, 0, &err) != SK_OK) {
            app_show_error(a, "It could not be removed", &err);
            return;
        }
        changed(a);
        /* The instance now in its place, else the one before, else "add one?". */
        size_t n = sk_run_instances(a->run, r);
        size_t k = a->inst <= n ? a->inst : n;
        a->ask = -1;
        app_goto_pos(a, k ? instance_start(a, r, k) : (sk_run_pos){-1, 0, r});
        return;
    }
    if (ui_button(u, "repeat/remove-no", app_str(a, "repeat_keep"), button_row(u, y, 1), 0))
        app_go(a, SCR_QUESTION);
}
