/* screens_common.c - the header and the simple screens: no pack, welcome,
 * thank-you, declined, idle warning and the error screen. */
#include <stdio.h>
#include <string.h>

#include "app.h"

static int header_height(const ui *u)
{
    return u->target + u->pad / 2;
}

krect app_header(app *a, const char *title, bool progress)
{
    ui *u = &a->ui;
    int hh = header_height(u);
    const ktheme *t = u->th;
    int right = u->w - u->pad;
    if (u->drawing) {
        rn_fill(a->r, (krect){0, 0, u->w, hh}, t->surface);
        rn_fill(a->r, (krect){0, hh - 1, u->w, 1}, t->border);
    }
    /* Languages: switching mid-survey keeps every answer. */
    if (a->form && a->form->n_langs > 1 && a->run) {
        int bw = u->target * 3 / 2;
        for (size_t i = a->form->n_langs; i-- > 0;) {
            char id[UI_ID_MAX], code[16];
            snprintf(id, sizeof id, "lang/%s", a->form->lang_codes[i]);
            snprintf(code, sizeof code, "%.15s", a->form->lang_codes[i]);
            for (char *c = code; *c; c++)
                if (*c >= 'a' && *c <= 'z')
                    *c = (char)(*c - 'a' + 'A');
            krect b = {right - bw, (hh - u->target) / 2, bw, u->target};
            if (ui_button(u, id, code, b, (int)i == a->lang ? UI_PRIMARY : UI_QUIET))
                app_set_language(a, (int)i);
            right -= bw + u->pad / 2;
        }
    }
    if (progress && a->run && a->page >= 0) {
        size_t done = 0, total = 0;
        sk_run_progress(a->run, a->page, &done, &total);
        char p[32];
        snprintf(p, sizeof p, "%zu / %zu", done + 1, total);
        int pw = rn_text_width(a->r, RN_BOLD, u->px_body, p, strlen(p)) + u->pad;
        krect pr = {right - pw, 0, pw, hh};
        if (u->drawing) {
            ui_label(u, p, pr, RN_BOLD, u->px_body, t->muted, true);
            ui_add(u, "progress", "text", p, pr, true, -1, NULL, false);
        }
        right -= pw + u->pad;
    }
    if (title && u->drawing) {
        krect tr = {u->pad, 0, right - 2 * u->pad, hh};
        ui_label(u, title, tr, RN_BOLD, u->px_body, t->text, false);
        ui_add(u, "title", "text", title, tr, true, -1, NULL, false);
    }
    return (krect){0, hh, u->w, u->h - hh};
}

/* A centred column of text blocks; returns the next y. */
static int centred_text(app *a, const char *id, const char *role, const char *text, int y,
                        rn_style st, int px, kcolor c)
{
    ui *u = &a->ui;
    int w = u->w - 4 * u->pad;
    if (w > u->px_body * 36)
        w = u->px_body * 36;
    int h = ui_text_height(u, text, w, st, px);
    ui_text_centered(u, id, role, text, (krect){(u->w - w) / 2, y, w, h}, st, px, c);
    return y + h + u->pad;
}

static krect centred_button(const ui *u, int y, int wfrac)
{
    int bw = u->w * wfrac / 100;
    if (bw < u->target * 4)
        bw = u->target * 4;
    return (krect){(u->w - bw) / 2, y, bw, u->target * 5 / 4};
}

void scr_no_pack(app *a)
{
    ui *u = &a->ui;
    const ktheme *t = u->th;
    app_header(a, "Survey kiosk", false);
    int y = header_height(u) + u->pad * 2;
    y = centred_text(a, "title", "text", "No survey is installed", y, RN_BOLD, u->px_title,
                     t->text);
    y = centred_text(a, "no-pack/help", "text",
                     "To install one: copy a survey pack (a .pack file made with "
                     "\"survey-sync pack\") onto a USB stick and plug it in, open the admin "
                     "menu (hold the top-left corner for 3 seconds, or press Ctrl+Alt+A) and "
                     "choose \"Install a survey pack\". From a terminal: survey-kiosk --data "
                     "DIR --install FILE.pack",
                     y, RN_REGULAR, u->px_body, t->text);
    if (a->load_error[0])
        y = centred_text(a, "no-pack/error", "alert", a->load_error, y, RN_REGULAR, u->px_body,
                         t->error);
    if (ui_button(u, "admin", "Admin menu", centred_button(u, y + u->pad, 30), UI_PRIMARY))
        app_open_admin(a);
}

/* Kiosk mode with no admin PIN: nobody at the screen may choose one (it would
 * be whoever comes first), so the kiosk only says how an administrator sets
 * it, and starts by itself once it is set (app.c polls the store). */
void scr_setup(app *a)
{
    ui *u = &a->ui;
    const ktheme *t = u->th;
    char text[1400], fp[SK_FINGERPRINT_SIZE];
    app_header(a, "Survey kiosk", false);
    int y = header_height(u) + u->pad * 2;
    y = centred_text(a, "setup/title", "text", "This kiosk is not set up yet", y, RN_BOLD,
                     u->px_title, t->text);
    y = centred_text(a, "setup/help", "text",
                     "It has no admin PIN, so it cannot be used. An administrator sets the PIN "
                     "at a terminal of this computer; the kiosk starts as soon as it is set:",
                     y, RN_REGULAR, u->px_body, t->text);
    snprintf(text, sizeof text, "survey-kiosk --data %s --set-pin", a->opt.data_dir);
    y = centred_text(a, "setup/command", "text", text, y, RN_BOLD, u->px_body, t->text);
    sk_kstore_device_fingerprint(a->ks, fp);
    snprintf(text, sizeof text, "Device fingerprint: %s", fp);
    centred_text(a, "setup/fingerprint", "text", text, y, RN_REGULAR, u->px_body, t->muted);
}

void scr_welcome(app *a)
{
    ui *u = &a->ui;
    const ktheme *t = u->th;
    const sk_form *f = a->form;
    int y = u->h / 6;
    y = centred_text(a, "title", "text", sk_form_title(f, a->lang), y, RN_BOLD, u->px_huge, t->text);
    krect start = centred_button(u, y + u->pad, 40);
    start.h = u->target * 3 / 2;
    if (ui_button(u, "start", app_str(a, "start"), start, UI_PRIMARY | UI_LARGE)) {
        app_start_sitting(a);
        return;
    }
    y = start.y + start.h + u->pad * 3;
    if (f->n_langs < 2)
        return;
    /* The language picker: one button per language, in a wrapping row. */
    int bw = u->target * 4, gap = u->pad;
    int per_row = (u->w - 2 * u->pad + gap) / (bw + gap);
    if (per_row < 1)
        per_row = 1;
    size_t n = f->n_langs;
    for (size_t i = 0; i < n; i++) {
        size_t row = i / (size_t)per_row, col = i % (size_t)per_row;
        size_t in_row = n - row * (size_t)per_row < (size_t)per_row ? n - row * (size_t)per_row
                                                                    : (size_t)per_row;
        int row_w = (int)in_row * (bw + gap) - gap;
        krect b = {(u->w - row_w) / 2 + (int)col * (bw + gap), y + (int)row * (u->target + gap),
                   bw, u->target};
        char id[UI_ID_MAX], name[128];
        snprintf(id, sizeof id, "lang/%s", f->lang_codes[i]);
        /* "Français (fr)" -> "Français": the code is for the form's author. */
        snprintf(name, sizeof name, "%s", f->lang_names[i]);
        char *paren = strstr(name, " (");
        if (paren && paren != name)
            *paren = '\0';
        if (ui_button(u, id, name, b, (int)i == a->lang ? UI_PRIMARY : UI_QUIET))
            app_set_language(a, (int)i);
    }
}

void scr_thanks(app *a)
{
    ui *u = &a->ui;
    const ktheme *t = u->th;
    int y = u->h / 8;
    y = centred_text(a, "title", "text", app_str(a, "thanks"), y, RN_BOLD, u->px_huge, t->text);
    y = centred_text(a, "thanks/body", "text", app_str(a, "thanks_body"), y, RN_REGULAR,
                     u->px_body, t->text);
    if (a->form->show_withdrawal_code && a->wcode[0]) {
        y = centred_text(a, "thanks/code-help", "text", app_str(a, "wcode_intro"), y + u->pad,
                         RN_REGULAR, u->px_body, t->muted);
        int ch = rn_line_height(a->r, RN_BOLD, u->px_huge) + u->pad * 2;
        int cw = rn_text_width(a->r, RN_BOLD, u->px_huge, a->wcode, strlen(a->wcode)) +
                 u->pad * 4;
        krect box = {(u->w - cw) / 2, y, cw, ch};
        if (u->drawing) {
            rn_box(a->r, box, u->radius, t->surface, 2, t->border);
            ui_label(u, a->wcode, box, RN_BOLD, u->px_huge, t->text, true);
        }
        ui_add(u, "withdrawal-code", "text", a->wcode, box, true, -1, NULL, false);
        y += ch + u->pad * 2;
    }
    if (ui_button(u, "finish-ok", app_str(a, "done"), centred_button(u, y, 30), UI_PRIMARY))
        app_reset_participant(a);
}

void scr_declined(app *a)
{
    ui *u = &a->ui;
    const ktheme *t = u->th;
    int y = u->h / 5;
    y = centred_text(a, "title", "text", app_str(a, "declined_title"), y, RN_BOLD, u->px_huge,
                     t->text);
    y = centred_text(a, "declined/body", "text", app_str(a, "declined_body"), y, RN_REGULAR,
                     u->px_body, t->text);
    if (ui_button(u, "finish-ok", app_str(a, "done"), centred_button(u, y + u->pad, 30),
                  UI_PRIMARY))
        app_reset_participant(a);
}

void scr_idle(app *a)
{
    ui *u = &a->ui;
    const ktheme *t = u->th;
    int64_t left = a->idle_deadline - sk_now_ms();
    unsigned secs = left > 0 ? (unsigned)((left + 999) / 1000) : 0;
    /* The sentence carries "%u": substitute by hand (no format strings from tables). */
    const char *body = app_str(a, "still_there_body");
    char text[512], num[16];
    snprintf(num, sizeof num, "%u", secs);
    const char *pct = strstr(body, "%u");
    if (pct)
        snprintf(text, sizeof text, "%.*s%s%s", (int)(pct - body), body, num, pct + 2);
    else
        snprintf(text, sizeof text, "%s", body);
    int y = u->h / 5;
    y = centred_text(a, "title", "text", app_str(a, "still_there"), y, RN_BOLD, u->px_huge,
                     t->text);
    y = centred_text(a, "idle/countdown", "alert", text, y, RN_REGULAR, u->px_body, t->text);
    if (ui_button(u, "idle/continue", app_str(a, "still_here"), centred_button(u, y + u->pad, 40),
                  UI_PRIMARY | UI_LARGE)) {
        a->idle_deadline = 0;
        app_go(a, a->back_to);
    }
}

void scr_error(app *a)
{
    ui *u = &a->ui;
    const ktheme *t = u->th;
    int y = u->h / 6;
    y = centred_text(a, "title", "text", "Something went wrong", y, RN_BOLD, u->px_title,
                     t->text);
    y = centred_text(a, "error/message", "alert", a->error, y, RN_REGULAR, u->px_body, t->error);
    y = centred_text(a, "error/help", "text",
                     "Nothing you entered has been lost. Please tell a member of staff.", y,
                     RN_REGULAR, u->px_body, t->text);
    if (ui_button(u, "error/retry", "Try again", centred_button(u, y + u->pad, 30),
                  UI_PRIMARY)) {
        screen back = a->back_to;
        app_go(a, back);
        if (back == SCR_IDLE)
            a->idle_deadline = sk_now_ms() + 1000;
        if (a->sitting && (back == SCR_CONSENT || back == SCR_QUESTION ||
                           back == SCR_REPEAT_ASK || back == SCR_REPEAT_REMOVE))
            app_save(a);
    }
}
