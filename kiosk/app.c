/* app.c - the event loop, timers and the sitting's life cycle (see app.h). */
#include "app.h"
#include "deliver.h"

#include <SDL.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "strings.h"
#include "testhook.h"
#ifdef _WIN32
#include "win_session.h"
#endif

#define LONG_PRESS_MS 3000
#define SETUP_POLL_MS 2000
#define APP_LOCK_WAIT_MS 5000

const char *screen_name(screen s)
{
    static const char *const names[] = {"no-pack", "welcome", "consent", "question",
                                        "thanks", "declined", "idle", "admin-pin",
                                        "admin", "admin-install", "admin-export", "error",
                                        "setup", "repeat-ask", "repeat-remove"};
    return names[s];
}

const ktheme *app_theme(const app *a)
{
    return a->high_contrast ? &ktheme_high_contrast : &ktheme_default;
}

const char *app_lang_code(const app *a)
{
    if (!a->form || a->lang < 0 || (size_t)a->lang >= a->form->n_langs)
        return "en";
    const char *c = a->form->lang_codes[a->lang];
    return c && strcmp(c, "default") != 0 ? c : "en";
}

const char *app_str(const app *a, const char *key)
{
    return kstr(app_lang_code(a), key);
}

const char *app_q_text(const app *a, char *const *texts)
{
    const char *t = texts ? sk_form_text(a->form, texts, a->lang) : "";
    if (!a->run || !strstr(t, "${"))
        return t;
    /* Labels that show answers (${name}) are filled in per frame.  A few
     * rotating buffers: a caller uses the text before the next few calls. */
    static char bufs[8][2048];
    static unsigned next;
    char *b = bufs[next++ % 8];
    sk_run_interpolate(a->run, t, b, sizeof bufs[0]);
    return b;
}

void app_go(app *a, screen s)
{
    if (s != a->scr) {
        ui_reset(&a->ui);
        a->osk_visible = false;
    }
    if (s == SCR_SETUP && a->scr != SCR_SETUP)
        a->setup_poll_at = sk_now_ms() + SETUP_POLL_MS;
    a->scr = s;
}

static void show_error(app *a, const char *what, const sk_error *err)
{
    char msg[600];
    sk_error_format(err, msg, sizeof msg);
    snprintf(a->error, sizeof a->error, "%s: %s", what, msg);
    if (a->scr != SCR_ERROR)
        a->back_to = a->scr;
    app_go(a, SCR_ERROR);
}

void app_show_error(app *a, const char *what, const sk_error *err)
{
    show_error(a, what, err);
}

/* ---- settings and the pack ---- */

static void load_settings(app *a)
{
    char *v = NULL;
    if (sk_kstore_get_setting(a->ks, "idle_timeout", &v, NULL) == SK_OK && v)
        a->idle_timeout_s = (unsigned)strtoul(v, NULL, 10);
    free(v);
    v = NULL;
    if (sk_kstore_get_setting(a->ks, "text_scale", &v, NULL) == SK_OK && v)
        a->text_scale = strtof(v, NULL) >= 1.1f ? 1.3f : 1.0f;
    free(v);
    v = NULL;
    if (sk_kstore_get_setting(a->ks, "theme", &v, NULL) == SK_OK && v)
        a->high_contrast = strcmp(v, "high-contrast") == 0;
    free(v);
}

void app_apply_settings(app *a)
{
    char buf[32];
    sk_error err;
    snprintf(buf, sizeof buf, "%u", a->idle_timeout_s);
    bool ok = sk_kstore_set_setting(a->ks, "idle_timeout", buf, &err) == SK_OK;
    snprintf(buf, sizeof buf, "%.1f", (double)a->text_scale);
    ok = ok && sk_kstore_set_setting(a->ks, "text_scale", buf, &err) == SK_OK;
    ok = ok && sk_kstore_set_setting(a->ks, "theme", a->high_contrast ? "high-contrast"
                                                                       : "default", &err) == SK_OK;
    if (!ok) {
        char msg[600];
        sk_error_format(&err, msg, sizeof msg);
        snprintf(a->admin_msg, sizeof a->admin_msg, "The setting could not be saved: %s", msg);
        a->admin_msg_error = true;
    }
}

void app_load_pack(app *a)
{
    sk_error err;
    /* cached pictures are keyed by the old pack's bytes, freed just below */
    rn_forget_pictures(a->r);
    sk_form_free(a->form);
    sk_pack_free(a->pack);
    a->form = NULL;
    a->pack = NULL;
    a->load_error[0] = '\0';
    sk_status st = sk_kstore_current_pack(a->ks, &a->pack, &err);
    kdeliver_stop(a->deliver); /* the pack names the server: follow the one installed */
    a->deliver = NULL;
    if (st == SK_OK) {
        char why[600];
        a->deliver = kdeliver_start(a->ks, a->opt.data_dir, a->pack, why, sizeof why);
        if (!a->deliver && why[0])
            fprintf(stderr, "survey-kiosk: warning: records will not be delivered: %s\n", why);
    }
    if (st == SK_OK) {
        sk_diags diags;
        sk_diags_init(&diags);
        st = sk_form_load_mem(a->pack->form_bytes, a->pack->form_len, a->pack->file_name,
                              &a->form, &diags, &err);
        if (st == SK_ERR_INVALID && diags.n > 0)
            err = diags.items[0];
        sk_diags_free(&diags);
        if (st != SK_OK) {
            char msg[512];
            sk_error_format(&err, msg, sizeof msg);
            snprintf(a->load_error, sizeof a->load_error,
                     "The installed survey cannot be shown: %s", msg);
        }
    } else if (st != SK_ERR_STATE) {
        char msg[512];
        sk_error_format(&err, msg, sizeof msg);
        snprintf(a->load_error, sizeof a->load_error, "The survey store cannot be read: %s",
                 msg);
    }
    free(a->q_y);
    a->q_y = NULL;
    if (a->form) {
        a->q_y = calloc(a->form->n_q ? a->form->n_q : 1, sizeof *a->q_y);
        if (!a->q_y) {
            sk_form_free(a->form);
            a->form = NULL;
            snprintf(a->load_error, sizeof a->load_error, "Out of memory.");
        }
    }
    a->lang = a->form ? a->form->default_lang : 0;
    app_go(a, app_home(a));
}

screen app_home(app *a)
{
    if (a->kiosk_mode && !sk_kstore_has_pin(a->ks))
        return SCR_SETUP;
    return a->form ? SCR_WELCOME : SCR_NO_PACK;
}

/* ---- the sitting ---- */

bool app_save(app *a)
{
    if (!a->sitting)
        return true;
    sk_error err;
    if (sk_sitting_save(a->sitting, &a->answers, &err) != SK_OK) {
        show_error(a, "Your last answer could not be saved", &err);
        return false;
    }
    return true;
}

void app_set_answer(app *a, int q, const char *value)
{
    sk_error err;
    a->ui.changed = true;
    /* In the instance on screen when the question is inside a repeat. */
    if (sk_run_set_answer(a->run, q, value, sk_now_ms(), &err) != SK_OK) {
        show_error(a, "The answer could not be kept", &err);
        return;
    }
    if (sk_run_update(a->run, 0, &err) != SK_OK) {
        show_error(a, "The survey's rules could not be worked out", &err);
        return;
    }
    app_save(a);
}

static void page_screen(app *a)
{
    if (a->ask >= 0) {
        a->scr = SCR_REPEAT_ASK;
        return;
    }
    bool consent = a->form->pages[a->page].consent;
    a->scr = consent ? SCR_CONSENT : SCR_QUESTION;
}

sk_run_pos app_pos(const app *a)
{
    return (sk_run_pos){a->ask >= 0 ? -1 : a->page, a->inst, a->ask};
}

void app_goto_pos(app *a, sk_run_pos pos)
{
    int64_t now = sk_now_ms();
    if (a->ask < 0 && a->page >= 0 && (size_t)a->page < a->form->n_pages && a->page_entered_ms) {
        const sk_page *p = &a->form->pages[a->page];
        uint32_t ms = (uint32_t)(now - a->page_entered_ms);
        char path[160];
        const char *in = p->repeat >= 0 && a->inst
                             ? sk_answers_instance(path, sizeof path, a->form->q[p->repeat].name,
                                                   a->inst)
                             : NULL;
        for (size_t i = 0; i < p->n; i++)
            sk_answers_add_dwell_at(&a->answers, in, a->form->q[p->q[i]].name, ms);
    }
    bool ring = a->ui.focus_ring;
    ui_reset(&a->ui);
    a->ui.focus_ring = ring;
    a->osk_visible = false;
    a->ask = pos.ask;
    a->inst = pos.ask >= 0 ? 0 : pos.inst;
    /* The ask position keeps the page it was reached from (for the progress bar). */
    if (pos.ask < 0)
        a->page = pos.page;
    sk_run_set_instance(a->run, a->inst);
    a->page_entered_ms = now;
    a->show_errors = false;
    a->refused_q = 0;
    page_screen(a);
}

/* The pack's CSV files are the instances pulldata() reads (ODK's media CSVs). */
static sk_status add_csv_attachments(app *a, sk_error *err)
{
    for (size_t i = 0; a->pack && i < a->pack->n_attachments; i++) {
        const sk_pack_file *f = &a->pack->attachments[i];
        size_t n = strlen(f->name);
        const char *ext = n > 4 ? f->name + n - 4 : "";
        if (ext[0] == '.' && (ext[1] | 0x20) == 'c' && (ext[2] | 0x20) == 's' &&
            (ext[3] | 0x20) == 'v') {
            sk_status st = sk_run_add_csv(a->run, f->name, f->bytes, f->len, err);
            if (st != SK_OK)
                return st;
        }
    }
    return SK_OK;
}

void app_goto_page(app *a, int page)
{
    app_goto_pos(a, (sk_run_pos){page, a->inst, -1});
}

void app_start_sitting(app *a)
{
    sk_error err;
    sk_answers_free(&a->answers);
    sk_answers_init(&a->answers);
    sk_answers_set_meta(&a->answers.language, a->form->lang_names[a->lang]);
    if (sk_kstore_sitting_start(a->ks, &a->answers, &a->sitting, &err) != SK_OK) {
        show_error(a, "A new survey could not be started", &err);
        return;
    }
    if (sk_run_new(a->form, &a->answers, a->lang, sk_kstore_device_id(a->ks), &a->run, &err) !=
            SK_OK ||
        add_csv_attachments(a, &err) != SK_OK || sk_run_update(a->run, 0, &err) != SK_OK) {
        show_error(a, "The survey could not be started", &err);
        return;
    }
    if (!app_save(a))
        return;
    a->page = -1;
    a->inst = 0;
    a->ask = -1;
    a->page_entered_ms = 0;
    sk_run_pos first = sk_run_first_pos(a->run);
    if (sk_run_pos_end(first))
        app_finish(a);
    else
        app_goto_pos(a, first);
}

static void end_sitting(app *a)
{
    sk_run_free(a->run);
    a->run = NULL;
    sk_answers_free(&a->answers);
    a->sitting = NULL;
}

void app_finish(app *a)
{
    sk_error err;
    app_goto_pos(a, app_pos(a)); /* account the last page's dwell time */
    a->answers.finished_ms = sk_now_ms();
    char code[SK_WCODE_SIZE] = "";
    if (sk_sitting_finish(a->sitting, &a->answers, code, &err) != SK_OK) {
        show_error(a, "Your answers could not be saved", &err);
        return;
    }
    end_sitting(a);
    kdeliver_poke(a->deliver);
    memcpy(a->wcode, code, sizeof code);
    app_go(a, SCR_THANKS);
    a->screen_deadline = sk_now_ms() + (int64_t)a->form->thanks_timeout_s * 1000;
}

void app_decline(app *a)
{
    sk_error err;
    if (sk_sitting_decline(a->sitting, &a->answers, &err) != SK_OK) {
        show_error(a, "Your choice could not be saved", &err);
        return;
    }
    end_sitting(a);
    kdeliver_poke(a->deliver);
    rn_forget_text(a->r);
    app_go(a, SCR_DECLINED);
    a->screen_deadline = sk_now_ms() + (int64_t)a->form->thanks_timeout_s * 1000;
}

void app_abandon(app *a)
{
    sk_error err;
    if (a->sitting && sk_sitting_abandon(a->sitting, &a->answers, &err) != SK_OK) {
        show_error(a, "The unfinished survey could not be closed", &err);
        return;
    }
    end_sitting(a);
}

void app_reset_participant(app *a)
{
    if (a->sitting)
        app_abandon(a);
    if (a->sitting)
        return; /* the store failed: the error screen keeps the answers for a retry */
    end_sitting(a);
    memset(a->wcode, 0, sizeof a->wcode);
    memset(a->composition, 0, sizeof a->composition);
    if (a->sig_stroke)
        memset(a->sig_stroke, 0, a->sig_cap);
    a->sig_len = 0;
    rn_forget_text(a->r);
    a->lang = a->form ? a->form->default_lang : 0;
    a->screen_deadline = a->idle_deadline = 0;
    app_go(a, app_home(a));
    ui_reset(&a->ui);
}

void app_set_language(app *a, int lang)
{
    if (!a->form || lang < 0 || (size_t)lang >= a->form->n_langs)
        return;
    a->lang = lang;
    if (a->run) {
        sk_run_set_language(a->run, lang);
        sk_answers_set_meta(&a->answers.language, a->form->lang_names[lang]);
        app_save(a);
    }
}

void app_open_admin(app *a)
{
    if ((a->scr >= SCR_ADMIN_PIN && a->scr <= SCR_ADMIN_EXPORT) || a->scr == SCR_SETUP)
        return;
    bool has_pin = sk_kstore_has_pin(a->ks);
    if (a->kiosk_mode && !has_pin) {
        /* Whoever stands at a kiosk must not choose its first PIN. */
        app_go(a, SCR_SETUP);
        return;
    }
    a->back_to = a->scr == SCR_IDLE ? SCR_WELCOME : a->scr;
    sodium_memzero(a->pin, sizeof a->pin);
    sodium_memzero(a->pin_first, sizeof a->pin_first);
    a->pin_change = false;
    a->pin_stage = has_pin ? 0 : 1;
    a->admin_msg[0] = '\0';
    a->pin_locked_until = 0;
    int64_t wait = 0, now = sk_now_ms();
    if (has_pin && sk_kstore_pin_wait(a->ks, now, &wait, NULL) == SK_OK && wait > 0)
        a->pin_locked_until = now + wait;
    app_go(a, SCR_ADMIN_PIN);
}

/* ---- frames ---- */

static void run_screen(app *a)
{
    switch (a->scr) {
    case SCR_NO_PACK: scr_no_pack(a); break;
    case SCR_WELCOME: scr_welcome(a); break;
    case SCR_CONSENT:
    case SCR_QUESTION: scr_page(a); break;
    case SCR_REPEAT_ASK: scr_repeat_ask(a); break;
    case SCR_REPEAT_REMOVE: scr_repeat_remove(a); break;
    case SCR_THANKS: scr_thanks(a); break;
    case SCR_DECLINED: scr_declined(a); break;
    case SCR_IDLE: scr_idle(a); break;
    case SCR_ADMIN_PIN: scr_admin_pin(a); break;
    case SCR_ADMIN: scr_admin(a); break;
    case SCR_ADMIN_INSTALL: scr_admin_install(a); break;
    case SCR_ADMIN_EXPORT: scr_admin_export(a); break;
    case SCR_ERROR: scr_error(a); break;
    case SCR_SETUP: scr_setup(a); break;
    }
    if (a->osk_visible)
        osk_draw(a);
}

static void metrics(app *a)
{
    int w, h;
    rn_output_size(a->r, &w, &h);
    ui_layout_metrics(&a->ui, w, h, a->text_scale, app_theme(a));
}

/* After a refused Next: scroll so that the question's message is in view
 * (with as much of the question above it as fits), once.  True when the
 * scroll changed and the frame must be drawn again. */
static bool scroll_to_refusal(app *a)
{
    ui *u = &a->ui;
    if (!a->refused_q || !a->refused_msg_h)
        return false;
    a->refused_q = 0;
    int before = u->scroll;
    int bottom = a->refused_msg_y + a->refused_msg_h + u->pad;
    if (bottom - u->scroll > u->view.h)
        u->scroll = bottom - u->view.h;
    if (a->refused_msg_y - u->pad < u->scroll)  /* a message taller than the view */
        u->scroll = a->refused_msg_y - u->pad;
    ui_scroll_by(u, 0);
    return u->scroll != before;
}

static void draw_frame(app *a)
{
    metrics(a);
    rn_begin(a->r, a->ui.th->bg);
    ui_draw_begin(&a->ui);
    a->field_seen = false;
    screen before = a->scr;
    run_screen(a);
    ui_draw_end(&a->ui);
    (void)before;
    if (scroll_to_refusal(a)) {
        rn_begin(a->r, a->ui.th->bg);
        ui_draw_begin(&a->ui);
        run_screen(a);
        ui_draw_end(&a->ui);
    }
    if (!a->field_seen) {
        a->field = FIELD_NONE;
        a->osk_visible = false;
        if (SDL_IsTextInputActive())
            SDL_StopTextInput();
    } else {
        if (a->field != FIELD_TEXT && a->field != FIELD_NONE && !a->osk_visible &&
            !a->keyboard_used) {
            /* Number, date and time fields get their keypad at a touch or click; someone
             * typing on a keyboard keeps the footer (Back, Next) in view instead. */
            a->osk_visible = true;
            metrics(a);
            rn_begin(a->r, a->ui.th->bg);
            ui_draw_begin(&a->ui);
            run_screen(a);
            ui_draw_end(&a->ui);
        }
        if (!SDL_IsTextInputActive())
            SDL_StartTextInput();
    }
    if (a->screenshot_path[0]) {
        char err[600];
        if (!rn_screenshot(a->r, a->screenshot_path, err, sizeof err))
            fprintf(stderr, "survey-kiosk: error: %s\n", err);
        a->screenshot_path[0] = '\0';
    }
    rn_present(a->r);
    a->frame++;
    if (a->hook)
        testhook_frame(a->hook, a);
}

/* One input event: the input pass, then the on-screen keyboard's key (if
 * one was pressed) as a second input pass of typed text. */
static void input_event(app *a, const ui_event *ev)
{
    metrics(a);
    a->osk_pending[0] = '\0';
    a->osk_backspace = false;
    ui_input_prepare(&a->ui, ev);
    run_screen(a);
    if (ev->kind == UI_EV_PRESS && ev->touch) {
        const ui_widget *f = a->ui.focus[0] ? ui_find(&a->ui, a->ui.focus) : NULL;
        if (f && strcmp(f->role, "textbox") == 0 && !f->captures_drag &&
            ui_is_pressed(&a->ui, f->id))
            a->osk_visible = true;
    }
    if (a->osk_pending[0] || a->osk_backspace) {
        ui_event typed = {.kind = a->osk_backspace ? UI_EV_KEY : UI_EV_TEXT};
        typed.key = SDLK_BACKSPACE;
        snprintf(typed.text, sizeof typed.text, "%s", a->osk_pending);
        metrics(a);
        bool down = a->ui.pointer_down;
        ui_input_prepare(&a->ui, &typed);
        a->ui.pointer_down = down;
        run_screen(a);
    }
}

/* ---- timers ---- */

static bool sitting_screen(const app *a)
{
    return a->sitting && (a->scr == SCR_CONSENT || a->scr == SCR_QUESTION ||
                          a->scr == SCR_REPEAT_ASK || a->scr == SCR_REPEAT_REMOVE);
}

static int64_t idle_limit_ms(const app *a)
{
    unsigned s = a->idle_timeout_s ? a->idle_timeout_s : (a->form ? a->form->idle_timeout_s : 90);
    return (int64_t)(s ? s : 90) * 1000;
}

static bool idle_applies(const app *a)
{
    if (sitting_screen(a))
        return true;
    if (a->scr == SCR_WELCOME && a->form && a->lang != a->form->default_lang)
        return true;
    return a->scr >= SCR_ADMIN_PIN && a->scr <= SCR_ADMIN_EXPORT;
}

/* Milliseconds until the next timer, or -1 when none runs (sleep until input). */
static int next_timeout(const app *a, int64_t now)
{
    int64_t next = 0;
#define CONSIDER(t)                      \
    do {                                 \
        int64_t t_ = (t);                \
        if (t_ > 0 && (!next || t_ < next)) \
            next = t_;                   \
    } while (0)
    if (idle_applies(a))
        CONSIDER(a->last_input_ms + idle_limit_ms(a));
    if (a->scr == SCR_IDLE) {
        CONSIDER(a->idle_deadline);
        /* The countdown is the one animation: one frame a second. */
        int64_t left = a->idle_deadline - now;
        CONSIDER(now + (left % 1000 ? left % 1000 : 1000));
    }
    if (a->scr == SCR_THANKS || a->scr == SCR_DECLINED)
        CONSIDER(a->screen_deadline);
    if (a->scr == SCR_SETUP)
        CONSIDER(a->setup_poll_at);
    if (a->scr == SCR_ADMIN_PIN && a->pin_locked_until > now) {
        /* The wait shown on the keypad counts down: one frame a second. */
        int64_t left = a->pin_locked_until - now;
        CONSIDER(now + (left % 1000 ? left % 1000 : 1000));
    }
    CONSIDER(a->longpress_at);
#undef CONSIDER
    if (!next)
        return -1;
    int64_t d = next - now;
    return d < 1 ? 1 : d > 3600000 ? 3600000 : (int)d;
}

/* Fire due timers; returns true when the screen changed. */
static bool run_timers(app *a, int64_t now)
{
    bool redraw = false;
    if (a->longpress_at && now >= a->longpress_at) {
        a->longpress_at = 0;
        if (a->ui.pointer_down) {
            a->ui.pointer_down = false;
            app_open_admin(a);
            return true;
        }
    }
    if (a->scr == SCR_SETUP) {
        if (now < a->setup_poll_at)
            return false;
        a->setup_poll_at = now + SETUP_POLL_MS;
        if (!sk_kstore_has_pin(a->ks))
            return false;
        app_load_pack(a); /* the PIN was set from a terminal: start */
        return true;
    }
    if (a->scr == SCR_IDLE) {
        if (now >= a->idle_deadline)
            app_reset_participant(a);
        return true; /* the countdown text changed */
    }
    if (a->scr == SCR_ADMIN_PIN && a->pin_locked_until)
        redraw = true; /* the wait shown changed (the screen clears it when over) */
    if ((a->scr == SCR_THANKS || a->scr == SCR_DECLINED) && now >= a->screen_deadline) {
        app_reset_participant(a);
        return true;
    }
    if (idle_applies(a) && now >= a->last_input_ms + idle_limit_ms(a)) {
        if (sitting_screen(a)) {
            a->back_to = a->scr;
            unsigned cd = a->form->idle_countdown_s ? a->form->idle_countdown_s : 20;
            a->idle_deadline = now + (int64_t)cd * 1000;
            app_go(a, SCR_IDLE);
        } else {
            app_reset_participant(a);
        }
        return true;
    }
    return redraw;
}

/* ---- SDL events ---- */

static void pointer(app *a, ui_event_kind kind, int x, int y, bool touch)
{
    ui_event ev = {.kind = kind, .x = x, .y = y, .touch = touch};
    if (kind == UI_EV_PRESS)
        a->keyboard_used = false; /* a touch or click: the keypad is wanted again */
    int corner = (int)(64 * a->ui.s);
    if (corner < 64)
        corner = 64;
    if (kind == UI_EV_PRESS && x < corner && y < corner)
        a->longpress_at = sk_now_ms() + LONG_PRESS_MS;
    else if (kind == UI_EV_RELEASE || (kind == UI_EV_MOTION && (x >= corner || y >= corner)))
        a->longpress_at = 0;
    if (kind == UI_EV_MOTION && !a->ui.pointer_down)
        return;
    if (a->scr == SCR_IDLE && kind == UI_EV_PRESS) {
        /* Any touch means someone is there. */
        a->idle_deadline = 0;
        app_go(a, a->back_to);
        return;
    }
    input_event(a, &ev);
}

/* Returns true when the event needs a new frame. */
/* A key on a physical keyboard: the person types, so a keypad opened by a
 * touch or click (number, date, time) goes away rather than cover Back and
 * Next.  The full keyboard of a text box stays until Done or Escape: someone
 * may tap a letter on it after a stray key press. */
static void physical_key(app *a)
{
    a->keyboard_used = true;
    if (a->osk_visible && a->field != FIELD_TEXT && a->field != FIELD_NONE)
        a->osk_visible = false;
}

static bool handle_event(app *a, const SDL_Event *e, const testhook_events *te, int *lines)
{
    int w, h;
    rn_output_size(a->r, &w, &h);
    if (te && e->type == te->line_done) {
        a->input_seq++;
        (*lines)++;
        return true;
    }
    if (te && e->type == te->resize) {
        rn_set_window_size(a->r, (int)(intptr_t)e->user.data1, (int)(intptr_t)e->user.data2);
        return true;
    }
    if (te && e->type == te->screenshot) {
        snprintf(a->screenshot_path, sizeof a->screenshot_path, "%s", (char *)e->user.data1);
        free(e->user.data1);
        return true;
    }
    bool input = true;
    switch (e->type) {
    case SDL_QUIT:
        /* Only the system asks this (SIGTERM or SIGINT, turned into SDL_QUIT by
         * SDL): a service stop or shutdown ends even a kiosk-mode kiosk, at once
         * and cleanly.  The window's close button arrives as
         * SDL_WINDOWEVENT_CLOSE instead (app_run turns off quit-on-last-close). */
        a->quit = true;
        return false;
    case SDL_WINDOWEVENT:
        input = false;
        if (e->window.event == SDL_WINDOWEVENT_CLOSE && !a->kiosk_mode)
            a->quit = true; /* kiosk mode ignores the close button and Alt+F4 */
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            return true;
        /* Shown or uncovered: the window surface still holds the last frame
         * (the software renderer draws into it and nothing else does), so
         * showing it again is enough.  Under X11 these arrive right after
         * the first frame, which was drawn in full a second time. */
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
            e->window.event == SDL_WINDOWEVENT_SHOWN)
            rn_present(a->r);
        return false;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT)
            return false;
        pointer(a, e->type == SDL_MOUSEBUTTONDOWN ? UI_EV_PRESS : UI_EV_RELEASE, e->button.x,
                e->button.y, false);
        break;
    case SDL_MOUSEMOTION:
        if (e->motion.which == SDL_TOUCH_MOUSEID || !a->ui.pointer_down || a->ui.touch_down)
            return false;
        pointer(a, UI_EV_MOTION, e->motion.x, e->motion.y, false);
        break;
    case SDL_FINGERDOWN:
    case SDL_FINGERUP:
    case SDL_FINGERMOTION: {
        ui_event_kind k = e->type == SDL_FINGERDOWN ? UI_EV_PRESS
                          : e->type == SDL_FINGERUP ? UI_EV_RELEASE : UI_EV_MOTION;
        if (k == UI_EV_MOTION && !a->ui.pointer_down)
            return false;
        pointer(a, k, (int)(e->tfinger.x * w), (int)(e->tfinger.y * h), true);
        break;
    }
    case SDL_MOUSEWHEEL: {
        ui_event ev = {.kind = UI_EV_WHEEL, .dy = e->wheel.y};
        input_event(a, &ev);
        break;
    }
    case SDL_KEYDOWN: {
        physical_key(a);
        SDL_Keycode k = e->key.keysym.sym;
        Uint16 mod = e->key.keysym.mod;
        if (k == SDLK_a && (mod & KMOD_CTRL) && (mod & KMOD_ALT)) {
            app_open_admin(a);
            break;
        }
        if (a->scr == SCR_IDLE) {
            a->idle_deadline = 0;
            app_go(a, a->back_to);
            break;
        }
        if (k == SDLK_ESCAPE) {
            /* Never a way out: only closes the keyboard or a drop-down. */
            a->osk_visible = false;
            a->ui.open_dropdown[0] = '\0';
            break;
        }
        ui_event ev = {.kind = UI_EV_KEY, .key = k, .mod = mod};
        input_event(a, &ev);
        break;
    }
    case SDL_TEXTINPUT: {
        physical_key(a);
        a->composition[0] = '\0';
        ui_event ev = {.kind = UI_EV_TEXT};
        size_t n = (size_t)snprintf(ev.text, sizeof ev.text, "%s", e->text.text);
        /* An IME commit longer than 31 bytes arrives as several events queued
         * one right after another: take them as one input, so that a text box
         * takes the whole commit or refuses it whole.  Only events next to
         * each other: typed keys have key events between them. */
        SDL_Event more;
        while (n + SDL_TEXTINPUTEVENT_TEXT_SIZE < sizeof ev.text &&
               SDL_PeepEvents(&more, 1, SDL_PEEKEVENT, SDL_FIRSTEVENT, SDL_LASTEVENT) == 1 &&
               more.type == SDL_TEXTINPUT &&
               SDL_PeepEvents(&more, 1, SDL_GETEVENT, SDL_TEXTINPUT, SDL_TEXTINPUT) == 1)
            n += (size_t)snprintf(ev.text + n, sizeof ev.text - n, "%s", more.text.text);
        input_event(a, &ev);
        break;
    }
    case SDL_TEXTEDITING:
        snprintf(a->composition, sizeof a->composition, "%s", e->edit.text);
        break;
    default:
        return false;
    }
    if (input)
        a->last_input_ms = sk_now_ms();
    return true;
}

static void loop(app *a)
{
    const testhook_events *te = a->hook ? testhook_event_types(a->hook) : NULL;
    draw_frame(a);
    while (!a->quit) {
        SDL_Event e;
        int64_t now = sk_now_ms();
        int timeout = next_timeout(a, now);
        int got = timeout < 0 ? SDL_WaitEvent(&e) : SDL_WaitEventTimeout(&e, timeout);
        bool redraw = false;
        int lines = 0;
        while (got) {
            redraw |= handle_event(a, &e, te, &lines);
            got = SDL_PollEvent(&e);
            if (lines)
                break; /* one line, one frame */
        }
        redraw |= run_timers(a, sk_now_ms());
        if (redraw || lines) {
            int w, h;
            draw_frame(a);
            rn_output_size(a->r, &w, &h);
            if (a->hook)
                testhook_set_window(a->hook, w, h);
        }
        for (; lines > 0; lines--)
            testhook_line_done(a->hook);
    }
}

/* SDL_Init loads libdbus (screensaver inhibition, IBus) and asks for the
 * session bus.  With none (a kiosk started by systemd, a bare X server, Xvfb)
 * libdbus "autolaunches" one: the kiosk forks and runs dbus-launch, which
 * starts a dbus-daemon for the display that nothing listens on, all before
 * the first frame (strace of the launch; bench/README.md).  So when there is
 * no bus to find, say so; a desktop session's bus is used as before. */
static void no_bus_autolaunch(void)
{
#ifndef _WIN32
    if (getenv("DBUS_SESSION_BUS_ADDRESS"))
        return;
    const char *run = getenv("XDG_RUNTIME_DIR");
    char bus[4096];
    struct stat st;
    if (run && *run && snprintf(bus, sizeof bus, "%s/bus", run) < (int)sizeof bus &&
        stat(bus, &st) == 0)
        return; /* libdbus finds a user bus there by itself */
    setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:", 0);
#endif
}

#ifdef _WIN32
/* Windows is logging off, shutting down or restarting (kiosk/win_session.h):
 * what SIGTERM's SDL_QUIT does on Linux, but here and now, because Windows
 * ends the process as soon as this returns.  The open sitting becomes one
 * incomplete record (the store commits it durably); the loop then ends as
 * usual if Windows lets the process run that long. */
static void end_of_session(void *arg)
{
    app *a = arg;
    if (a->sitting)
        app_abandon(a);
    a->quit = true;
}

static void watch_session(app *a)
{
    char why[300];
    SDL_Window *win = SDL_GetWindowFromID(rn_window_id(a->r));
    const char *driver = SDL_GetCurrentVideoDriver();
    /* Only a real window has the messages; the offscreen driver (tests) has none. */
    if (win && driver && strcmp(driver, "windows") == 0 &&
        win_session_watch(win, end_of_session, a, why, sizeof why) != 0)
        fprintf(stderr, "survey-kiosk: warning: a log-off or shut-down will not close an open "
                        "sitting at once (the next start does): %s\n", why);
}
#endif

int app_run(const app_options *opt)
{
    app *a = calloc(1, sizeof *a);
    if (!a) {
        fprintf(stderr, "survey-kiosk: error: out of memory\n");
        return 1;
    }
    a->opt = *opt;
    a->text_scale = 1.0f;
    a->kiosk_mode = opt->fullscreen;
    a->ask = -1;
    sk_answers_init(&a->answers);
    sk_error err;
    int status = 1;
    char msg[700];
    /* One kiosk per data folder: a second one is refused here with "another
     * survey-kiosk is using DIR (pid N)" after waiting as long as --export
     * does for a kiosk that is just quitting (docs/KIOSK.md). */
    sk_kstore_open_opts open_opts = {.wait_ms = APP_LOCK_WAIT_MS};
    if (sk_kstore_open_with(opt->data_dir, &open_opts, &a->ks, &err) != SK_OK) {
        sk_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "survey-kiosk: error: %s\n", msg);
        free(a);
        return 1;
    }
#ifdef SK_TEST_HOOKS
    /* Test builds: provision the PIN (the same rules as --set-pin). */
    const char *pin = getenv("SURVEY_KIOSK_PIN_INIT");
    if (pin && *pin && !sk_kstore_has_pin(a->ks) &&
        sk_kstore_set_pin(a->ks, pin, &err) != SK_OK) {
        sk_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "survey-kiosk: error: SURVEY_KIOSK_PIN_INIT: %s\n", msg);
        goto out;
    }
#endif
    load_settings(a);
    no_bus_autolaunch();
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        fprintf(stderr, "survey-kiosk: error: cannot start SDL: %s\n", SDL_GetError());
        goto out;
    }
    if (opt->fullscreen) {
        SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
        SDL_SetHint(SDL_HINT_ALLOW_ALT_TAB_WHILE_GRABBED, "0");
        SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    }
    /* A window close is SDL_WINDOWEVENT_CLOSE only, so SDL_QUIT means a signal. */
    SDL_SetHint(SDL_HINT_QUIT_ON_LAST_WINDOW_CLOSE, "0");
    SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
    rn_options ro = {opt->width, opt->height, opt->fullscreen, opt->font_dir};
    a->r = rn_create(&ro, msg, sizeof msg);
    if (!a->r) {
        fprintf(stderr, "survey-kiosk: error: %s\n", msg);
        goto out_sdl;
    }
    ui_init(&a->ui, a->r);
    msg[0] = '\0';
#ifdef SK_TEST_HOOKS
    a->hook = testhook_start(getenv("SURVEY_KIOSK_UIMAP"), getenv("SURVEY_KIOSK_INPUT"), msg,
                             sizeof msg);
#endif
    if (!a->hook && msg[0]) {
        fprintf(stderr, "survey-kiosk: error: %s\n", msg);
        goto out_rn;
    }
    if (a->hook) {
        int w, h;
        rn_output_size(a->r, &w, &h);
        testhook_set_window(a->hook, w, h);
    }
    SDL_StopTextInput();
    app_load_pack(a);
    a->last_input_ms = sk_now_ms();
#ifdef _WIN32
    watch_session(a);
#endif
    loop(a);
    status = 0;
    if (a->sitting)
        app_abandon(a);
    testhook_stop(a->hook);
#ifdef _WIN32
    win_session_stop();
#endif
out_rn:
    ui_free(&a->ui);
    rn_destroy(a->r);
out_sdl:
    SDL_Quit();
out:
    end_sitting(a);
    free(a->sig_stroke);
    for (size_t i = 0; i < a->n_media; i++)
        free(a->media[i]);
    free(a->media);
    sk_form_free(a->form);
    sk_pack_free(a->pack);
    free(a->q_y);
    kdeliver_stop(a->deliver);
    sk_kstore_close(a->ks);
    sodium_memzero(a->pin, sizeof a->pin);
    sodium_memzero(a->pin_first, sizeof a->pin_first);
    free(a);
    return status;
}
