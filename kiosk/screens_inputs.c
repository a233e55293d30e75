/* screens_inputs.c - the richer inputs of a question block: date and time
 * steppers, range buttons and slider, the signature pad, the drop-down. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL_keycode.h>

#include "../lib/base/platform.h"
#include "question.h"

static bool activated(const ui *u, const char *id)
{
    return !u->drawing && u->clicked[0] && strcmp(u->clicked, id) == 0;
}

/* ---- date and time ---- */

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[(m - 1) % 12];
}

static bool chars_ok(const char *s, const char *allowed, size_t max)
{
    return strlen(s) <= max && strspn(s, allowed) == strlen(s);
}

/* A row of steppers at content y: part k moves v[which[k]] (day, month,
 * year; or hour, minute when hm), each with - and + buttons and its value
 * between them.  Sets *changed when one was pressed.  Returns the height. */
static int steppers(app *a, const sk_question *qq, int x, int y, int w, int v[3],
                    const int *which, int nparts, bool hm, bool *changed)
{
    ui *u = &a->ui;
    static const char *const names[] = {"day", "month", "year", "hour", "minute"};
    int gap = u->pad, pw = (w - gap * (nparts - 1)) / nparts;
    if (pw > u->target * 4)
        pw = u->target * 4;
    int small_h = rn_line_height(a->r, RN_REGULAR, u->px_small);
    for (int k = 0; k < nparts; k++) {
        int i = which[k];
        const char *part = names[hm ? 3 + i : i];
        int px = x + k * (pw + gap);
        int wy = ui_scroll_y(u, y);
        if (u->drawing)
            ui_label(u, app_str(a, part), (krect){px, wy, pw, small_h}, RN_REGULAR, u->px_small,
                     u->th->muted, true);
        int by = wy + small_h;
        int bw = u->target;
        char id[UI_ID_MAX], num[16];
        snprintf(num, sizeof num, hm || i < 2 ? "%02d" : "%d", v[i]);
        if (u->drawing)
            ui_label(u, num, (krect){px + bw, by, pw - 2 * bw, u->target}, RN_BOLD, u->px_body,
                     u->th->text, true);
        for (int dir = -1; dir <= 1; dir += 2) {
            snprintf(id, sizeof id, "%s/%s%c", qq->name, part, dir < 0 ? '-' : '+');
            krect b = {dir < 0 ? px : px + pw - bw, by, bw, u->target};
            if (ui_button(u, id, dir < 0 ? "\xE2\x88\x92" : "+", b, UI_QUIET)) {
                int step = hm && i == 1 ? 5 : 1;
                v[i] += dir * step;
                *changed = true;
            }
        }
    }
    return small_h + u->target;
}

/* Day, month and year kept to the calendar after a stepper moved one. */
static void normalise_date(int v[3])
{
    if (v[1] < 1)
        v[1] = 12;
    if (v[1] > 12)
        v[1] = 1;
    int dim = days_in_month(v[2], v[1]);
    if (v[0] < 1)
        v[0] = dim;
    if (v[0] > dim)
        v[0] = 1;
}

/* date, time, and date with appearance month-year or year (ODK stores the
 * first day of that month or year: YYYY-MM-01, YYYY-01-01).  A text box for
 * the whole value (not for month-year and year: a typed day would be thrown
 * away), and a stepper per part. */
int input_date(app *a, int q, int x, int y, int w, bool time_q)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
    int y0 = y;
    bool year_only = !time_q && (qq->appearance & SK_AP_YEAR);
    bool month_year = !time_q && !year_only && (qq->appearance & SK_AP_MONTH_YEAR);
    char out[64];
    if (!year_only && !month_year) {
        int fw = u->target * 4 < w ? u->target * 4 : w;
        const char *comp = ui_focused(u, qq->name) ? a->composition : NULL;
        if (ui_textbox(u, qq->name, app_q_text(a, qq->label),
                       (krect){x, ui_scroll_y(u, y), fw, u->target}, val, false, comp, out,
                       sizeof out) &&
            chars_ok(out, time_q ? "0123456789:" : "0123456789-", time_q ? 5 : 10))
            app_set_answer(a, q, out);
        note_field(a, qq->name, time_q ? FIELD_TIME : FIELD_DATE);
        y += u->target + u->pad / 2;
    } else {
        /* what is chosen, in words a participant reads back ("2026", "12 / 2026") */
        char shown[64] = "-";
        int p0, p1, p2;
        if (val && sscanf(val, "%d-%d-%d", &p2, &p1, &p0) == 3)
            snprintf(shown, sizeof shown, year_only ? "%d" : "%02d / %d", year_only ? p2 : p1,
                     p2);
        int lh = rn_line_height(a->r, RN_BOLD, u->px_body);
        ui_text(u, qq->name, "text", shown, (krect){x, ui_scroll_y(u, y), w, lh}, RN_BOLD,
                u->px_body, u->th->text);
        y += lh + u->pad / 2;
    }

    /* Steppers: each part with - and + buttons, starting from today / now. */
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    int v[3] = {tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900};
    if (time_q) {
        v[0] = tm.tm_hour;
        v[1] = tm.tm_min - tm.tm_min % 5;
    }
    if (val && *val) {
        int p0, p1, p2;
        if (time_q && sscanf(val, "%d:%d", &p0, &p1) == 2 && p0 >= 0 && p0 < 24 && p1 >= 0 &&
            p1 < 60)
            v[0] = p0, v[1] = p1;
        else if (!time_q && sscanf(val, "%d-%d-%d", &p2, &p1, &p0) == 3 && p1 >= 1 && p1 <= 12 &&
                 p0 >= 1 && p0 <= 31)
            v[0] = p0, v[1] = p1, v[2] = p2;
    }
    int which[3], nparts = 0;
    for (int i = 0; i < 3; i++)
        if (time_q ? i < 2 : !(year_only && i < 2) && !(month_year && i == 0))
            which[nparts++] = i;
    bool changed = false;
    y += steppers(a, qq, x, y, w, v, which, nparts, time_q, &changed);
    if (changed) {
        if (time_q) {
            v[0] = (v[0] + 24) % 24;
            v[1] = (v[1] + 60) % 60;
            snprintf(out, sizeof out, "%02d:%02d", v[0], v[1]);
        } else {
            normalise_date(v);
            if (year_only || month_year)
                v[0] = 1; /* the first day, as ODK stores them */
            if (year_only)
                v[1] = 1;
            snprintf(out, sizeof out, "%04d-%02d-%02d", v[2], v[1], v[0]);
        }
        app_set_answer(a, q, out);
    }
    return y - y0;
}

/* dateTime: a date row and a time row of steppers, and the value as ODK
 * writes it, in the kiosk's local time with its offset
 * (2026-12-01T14:30:00.000+01:00).  Nothing is set until a stepper is
 * pressed: an untouched question stays unanswered. */
int input_datetime(app *a, int q, int x, int y, int w)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    const char *val = sk_run_answer(a->run, q);
    int y0 = y;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    int d[3] = {tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900};
    int t[3] = {tm.tm_hour, tm.tm_min - tm.tm_min % 5, 0};
    int p[5];
    if (val && sscanf(val, "%4d-%2d-%2dT%2d:%2d", &p[0], &p[1], &p[2], &p[3], &p[4]) == 5 &&
        p[1] >= 1 && p[1] <= 12 && p[2] >= 1 && p[2] <= 31 && p[3] < 24 && p[4] < 60) {
        d[0] = p[2], d[1] = p[1], d[2] = p[0];
        t[0] = p[3], t[1] = p[4];
    }
    /* what is chosen, as a participant reads it back */
    char shown[64] = "-";
    if (val && *val)
        snprintf(shown, sizeof shown, "%02d/%02d/%d %02d:%02d", d[0], d[1], d[2], t[0], t[1]);
    int lh = rn_line_height(a->r, RN_BOLD, u->px_body);
    ui_text(u, qq->name, "text", shown, (krect){x, ui_scroll_y(u, y), w, lh}, RN_BOLD,
            u->px_body, u->th->text);
    y += lh + u->pad / 2;
    static const int date_parts[3] = {0, 1, 2}, time_parts[2] = {0, 1};
    bool changed = false;
    y += steppers(a, qq, x, y, w, d, date_parts, 3, false, &changed) + u->pad / 2;
    y += steppers(a, qq, x, y, w, t, time_parts, 2, true, &changed);
    if (changed) {
        normalise_date(d);
        t[0] = (t[0] + 24) % 24;
        t[1] = (t[1] + 60) % 60;
        struct tm lt = {0};
        lt.tm_year = d[2] - 1900;
        lt.tm_mon = d[1] - 1;
        lt.tm_mday = d[0];
        lt.tm_hour = t[0];
        lt.tm_min = t[1];
        lt.tm_isdst = -1;
        time_t at = mktime(&lt); /* normalises lt for that moment (summer or winter time) */
        long off = at == (time_t)-1 ? 0 : sk_plat_gmtoff(&lt);
        char out[64];
        snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:00.000%c%02ld:%02ld", d[2], d[1],
                 d[0], t[0], t[1], off < 0 ? '-' : '+', labs(off) / 3600, labs(off) / 60 % 60);
        app_set_answer(a, q, out);
    }
    return y - y0;
}

/* ---- range ---- */

static void fmt_num(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.10g", fabs(v) < 1e-12 ? 0.0 : v);
}

static double snap(const sk_question *qq, double v)
{
    double step = qq->range_step > 0 ? qq->range_step : 1;
    double lo = fmin(qq->range_start, qq->range_end), hi = fmax(qq->range_start, qq->range_end);
    v = qq->range_start + round((v - qq->range_start) / step) * step;
    return v < lo ? lo : v > hi ? hi : v;
}

static void set_range(app *a, int q, double v)
{
    char buf[64];
    fmt_num(snap(&a->form->q[q], v), buf, sizeof buf);
    const char *cur = sk_run_answer(a->run, q);
    if (!cur || strcmp(cur, buf) != 0)
        app_set_answer(a, q, buf);
}

static int range_slider(app *a, int q, int x, int y, int w)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
    double lo = qq->range_start, hi = qq->range_end, step = qq->range_step > 0 ? qq->range_step : 1;
    bool has = val && *val;
    double v = has ? strtod(val, NULL) : lo;
    int bw = u->target;
    char id[UI_ID_MAX];
    int wy = ui_scroll_y(u, y);
    int lh = rn_line_height(a->r, RN_BOLD, u->px_title);
    if (u->drawing)
        ui_label(u, has ? val : "\xE2\x80\x94", (krect){x, wy, w, lh}, RN_BOLD, u->px_title,
                 u->th->text, true);
    wy += lh;
    snprintf(id, sizeof id, "%s/minus", qq->name);
    if (ui_button(u, id, "\xE2\x88\x92", (krect){x, wy, bw, u->target}, UI_QUIET))
        set_range(a, q, has ? v - step : lo);
    snprintf(id, sizeof id, "%s/plus", qq->name);
    if (ui_button(u, id, "+", (krect){x + w - bw, wy, bw, u->target}, UI_QUIET))
        set_range(a, q, has ? v + step : lo);
    krect track = {x + bw + u->pad, wy, w - 2 * bw - 2 * u->pad, u->target};
    if (u->drawing) {
        int th = u->target / 8 > 4 ? u->target / 8 : 4;
        rn_box(a->r, (krect){track.x, track.y + (track.h - th) / 2, track.w, th}, th / 2,
               u->th->border, 0, u->th->border);
        if (has && hi != lo) {
            int tx = track.x + (int)((v - lo) / (hi - lo) * track.w);
            rn_circle(a->r, tx, track.y + track.h / 2, u->target * 3 / 10, u->th->primary);
        }
        ui_add(u, qq->name, "slider", app_q_text(a, qq->label), track, true, -1, val, true);
        if (ui_last(u))
            ui_last(u)->captures_drag = true;
    } else if (ui_is_pressed(u, qq->name) &&
               (u->ev.kind == UI_EV_PRESS || u->ev.kind == UI_EV_MOTION ||
                u->ev.kind == UI_EV_RELEASE)) {
        const ui_widget *wd = ui_find(u, qq->name);
        if (wd && wd->r.w > 0)
            set_range(a, q, lo + (double)(u->ev.x - wd->r.x) / wd->r.w * (hi - lo));
    } else if (ui_focused(u, qq->name) && u->ev.kind == UI_EV_KEY) {
        if (u->ev.key == SDLK_LEFT || u->ev.key == SDLK_DOWN)
            set_range(a, q, has ? v - step : lo);
        else if (u->ev.key == SDLK_RIGHT || u->ev.key == SDLK_UP)
            set_range(a, q, has ? v + step : lo);
    }
    return lh + u->target;
}

int input_range(app *a, int q, int x, int y, int w)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    double step = qq->range_step > 0 ? qq->range_step : 1;
    double span = fabs(qq->range_end - qq->range_start);
    size_t n = (size_t)floor(span / step + 1e-9) + 1;
    if (n > 11)
        return range_slider(a, q, x, y, w);
    /* A row of number buttons; two rows when they would be too narrow. */
    int gap = u->pad / 3;
    size_t per_row = n;
    while (per_row > 1 && (w - ((int)per_row - 1) * gap) / (int)per_row < u->target * 9 / 10)
        per_row = (per_row + 1) / 2;
    int cw = (w - ((int)per_row - 1) * gap) / (int)per_row;
    double dir = qq->range_end >= qq->range_start ? 1 : -1;
    for (size_t i = 0; i < n; i++) {
        char num[64], id[UI_ID_MAX];
        fmt_num(qq->range_start + dir * step * (double)i, num, sizeof num);
        snprintf(id, sizeof id, "%s/%s", qq->name, num);
        const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
        bool on = val && *val && fabs(strtod(val, NULL) - strtod(num, NULL)) < step / 1000;
        krect r = {x + (int)(i % per_row) * (cw + gap),
                   ui_scroll_y(u, y + (int)(i / per_row) * (u->target + gap)), cw, u->target};
        if (ui_cell(u, id, num, num, r, on, false, true))
            app_set_answer(a, q, num);
    }
    size_t rows = (n + per_row - 1) / per_row;
    return (int)rows * (u->target + gap) - gap;
}

/* ---- signature ---- */

static void stroke_add(app *a, int px, int py)
{
    char pt[32];
    px = px < 0 ? 0 : px > 1000 ? 1000 : px;
    py = py < 0 ? 0 : py > 1000 ? 1000 : py;
    int n = snprintf(pt, sizeof pt, "%s%d,%d", a->sig_len ? " " : "", px, py);
    if (a->sig_len + (size_t)n + 1 > a->sig_cap) {
        size_t cap = a->sig_cap ? a->sig_cap * 2 : 1024;
        char *s = malloc(cap);
        if (!s)
            return;
        /* Not realloc: the old buffer is wiped before it is given back. */
        if (a->sig_stroke) {
            memcpy(s, a->sig_stroke, a->sig_len + 1);
            memset(a->sig_stroke, 0, a->sig_cap);
            free(a->sig_stroke);
        }
        a->sig_stroke = s;
        a->sig_cap = cap;
    }
    memcpy(a->sig_stroke + a->sig_len, pt, (size_t)n + 1);
    a->sig_len += (size_t)n;
}

/* Draw strokes "x,y x,y;x,y ..." (pad coordinates 0..1000) into r. */
static size_t draw_strokes(app *a, const char *s, krect r)
{
    size_t strokes = 0;
    int thick = (int)(3 * a->ui.s) > 2 ? (int)(3 * a->ui.s) : 2;
    while (s && *s) {
        strokes++;
        int px = -1, py = -1;
        while (*s && *s != ';') {
            int x, y, used = 0;
            if (sscanf(s, "%d,%d%n", &x, &y, &used) != 2 || used == 0)
                break;
            int wx = r.x + x * r.w / 1000, wy = r.y + y * r.h / 1000;
            if (px >= 0)
                rn_line(a->r, px, py, wx, wy, thick, a->ui.th->text);
            else
                rn_circle(a->r, wx, wy, thick / 2 + 1, a->ui.th->text);
            px = wx, py = wy;
            s += used;
            while (*s == ' ')
                s++;
        }
        while (*s && *s != ';')
            s++;
        if (*s == ';')
            s++;
    }
    return strokes;
}

int input_signature(app *a, int q, int x, int y, int w)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
    krect pad = {x, ui_scroll_y(u, y), w, u->target * 3};
    if (u->drawing) {
        rn_box(a->r, pad, u->radius, u->th->surface, 2, u->th->border);
        int base = pad.y + pad.h * 3 / 4;
        rn_fill(a->r, (krect){pad.x + u->pad, base, pad.w - 2 * u->pad, 1}, u->th->border);
        if (!val || !*val)
            ui_label(u, app_str(a, "sign_here"),
                     (krect){pad.x + u->pad, base + 2, pad.w - 2 * u->pad, pad.h / 4 - 4},
                     RN_REGULAR, u->px_small, u->th->muted, false);
        rn_clip(a->r, &pad);
        size_t n = draw_strokes(a, val, pad);
        if (ui_is_pressed(u, qq->name) && strcmp(a->sig_id, qq->name) == 0)
            draw_strokes(a, a->sig_stroke, pad);
        rn_clip(a->r, u->in_scroll ? &u->view : NULL);
        char count[16];
        snprintf(count, sizeof count, "%zu", n);
        ui_add(u, qq->name, "textbox", app_q_text(a, qq->label), pad, true, -1, count, false);
        if (ui_last(u))
            ui_last(u)->captures_drag = true;
    } else if (ui_is_pressed(u, qq->name)) {
        const ui_widget *wd = ui_find(u, qq->name);
        krect r = wd ? wd->full : pad;
        if (wd && wd->in_scroll)
            r.y = wd->full.y - u->scroll + u->view.y;
        if (r.w > 0 && r.h > 0) {
            int px = (u->ev.x - r.x) * 1000 / r.w, py = (u->ev.y - r.y) * 1000 / r.h;
            if (u->ev.kind == UI_EV_PRESS) {
                snprintf(a->sig_id, sizeof a->sig_id, "%s", qq->name);
                a->sig_len = 0;
                if (a->sig_stroke)
                    a->sig_stroke[0] = '\0';
                stroke_add(a, px, py);
            } else if (u->ev.kind == UI_EV_MOTION && strcmp(a->sig_id, qq->name) == 0) {
                stroke_add(a, px, py);
            } else if (u->ev.kind == UI_EV_RELEASE && strcmp(a->sig_id, qq->name) == 0 &&
                       a->sig_len) {
                size_t need = (val ? strlen(val) : 0) + a->sig_len + 2;
                char *all = malloc(need);
                if (all) {
                    snprintf(all, need, "%s%s%s", val && *val ? val : "", val && *val ? ";" : "",
                             a->sig_stroke);
                    app_set_answer(a, q, all);
                    sk_secret_free(all, 0);
                }
                memset(a->sig_stroke, 0, a->sig_cap);
                a->sig_len = 0;
            }
        }
    }
    char id[UI_ID_MAX];
    snprintf(id, sizeof id, "%s/clear", qq->name);
    int bw = u->target * 3;
    if (ui_button(u, id, app_str(a, "clear"),
                  (krect){x + w - bw, ui_scroll_y(u, y) + pad.h + u->pad / 2, bw, u->target},
                  UI_QUIET | ((val && *val) ? 0 : UI_DISABLED)))
        app_set_answer(a, q, "");
    return pad.h + u->pad / 2 + u->target;
}

/* ---- drop-down (select_one minimal) ---- */

int input_dropdown(app *a, int q, int x, int y, int w, const size_t *idx, size_t n)
{
    ui *u = &a->ui;
    const sk_question *qq = &a->form->q[q];
    const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
    const char *shown = app_str(a, "choose");
    for (size_t i = 0; i < n && val; i++)
        if (strcmp(choice_name(a, q, idx[i]), val) == 0)
            shown = choice_label(a, q, idx[i]);
    int bw = u->target * 8 < w ? u->target * 8 : w;
    krect r = {x, ui_scroll_y(u, y), bw, u->target};
    bool open = strcmp(u->open_dropdown, qq->name) == 0;
    if (u->drawing) {
        rn_box(a->r, r, u->radius / 2, u->th->surface, 2, open ? u->th->primary : u->th->border);
        ui_label(u, shown, (krect){r.x + u->pad, r.y, r.w - u->target - u->pad, r.h}, RN_REGULAR,
                 u->px_body, val ? u->th->text : u->th->muted, false);
        ui_label(u, "\xE2\x96\xBE", (krect){r.x + r.w - u->target, r.y, u->target, r.h},
                 RN_BOLD, u->px_body, u->th->text, true);
        ui_add(u, qq->name, "combobox", app_q_text(a, qq->label), r, true, -1, val, true);
    }
    if (activated(u, qq->name)) {
        if (open) {
            u->open_dropdown[0] = '\0';
        } else {
            snprintf(u->open_dropdown, sizeof u->open_dropdown, "%s", qq->name);
            if (u->focus_ring && n) {
                char id[UI_ID_MAX];
                snprintf(id, sizeof id, "%s/%s", qq->name, val ? val : choice_name(a, q, idx[0]));
                ui_set_focus(u, id);
            }
        }
        open = !open;
    }
    if (open) {
        a->dd_q = q;
        a->dd_anchor = r;
    }
    return u->target;
}

void dropdown_overlay(app *a)
{
    ui *u = &a->ui;
    if (a->dd_q < 0)
        return;
    int q = a->dd_q;
    const sk_question *qq = &a->form->q[q];
    size_t idx[512];
    size_t n = sk_run_choices(a->run, q, idx, 512);
    if (n > 512)
        n = 512;
    if (n == 0)
        return;
    krect an = a->dd_anchor;
    int below = u->h - (an.y + an.h) - u->pad, above = an.y - u->pad;
    int avail = below > above ? below : above;
    int rows_fit = avail / u->target > 0 ? avail / u->target : 1;
    int cols = ((int)n + rows_fit - 1) / rows_fit;
    int rows = ((int)n + cols - 1) / cols;
    int cw = an.w > u->target * 6 ? an.w : u->target * 6;
    if (cw * cols > u->w - 2 * u->pad)
        cw = (u->w - 2 * u->pad) / cols;
    krect panel = {an.x, below >= above ? an.y + an.h : an.y - rows * u->target, cw * cols,
                   rows * u->target};
    if (panel.x + panel.w > u->w - u->pad)
        panel.x = u->w - u->pad - panel.w;
    if (u->drawing)
        rn_box(a->r, (krect){panel.x - 2, panel.y - 2, panel.w + 4, panel.h + 4}, u->radius / 2,
               u->th->surface, 2, u->th->primary);
    const char *val = sk_run_answer(a->run, (int)(qq - a->form->q));
    for (size_t i = 0; i < n; i++) {
        const char *name = choice_name(a, q, idx[i]);
        const char *label = choice_label(a, q, idx[i]);
        char id[UI_ID_MAX];
        snprintf(id, sizeof id, "%s/%s", qq->name, name);
        krect r = {panel.x + (int)(i / (size_t)rows) * cw,
                   panel.y + (int)(i % (size_t)rows) * u->target, cw, u->target};
        bool on = val && strcmp(val, name) == 0;
        /* A choice's picture: a thumbnail left of its label, inside the
         * option's row (a picture is not interactive: tapping it taps the
         * option under it). */
        int thumb = u->target - u->pad / 2;
        int pic_h = choice_picture_fit_height(a, q, idx[i], thumb, thumb);
        bool has_pic = pic_h > 0;
        int text_x = r.x + u->pad + (has_pic ? thumb + u->pad / 2 : 0);
        if (u->drawing) {
            if (on || ui_is_pressed(u, id))
                rn_fill(a->r, r, u->th->selected);
            ui_add(u, id, "option", label, r, true, on, NULL, true);
            if (has_pic)
                choice_picture_in(a, q, idx[i],
                                  (krect){r.x + u->pad / 2, r.y + (r.h - pic_h) / 2, thumb,
                                          pic_h},
                                  false);
            ui_label(u, label, (krect){text_x, r.y, r.x + r.w - u->pad - text_x, r.h},
                     RN_REGULAR, u->px_body, on ? u->th->on_selected : u->th->text, false);
        } else if (activated(u, id)) {
            u->open_dropdown[0] = '\0';
            ui_set_focus(u, qq->name);
            app_set_answer(a, q, name);
            return;
        }
    }
}
