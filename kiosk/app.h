/* app.h - the kiosk application: its state, screens and event loop.
 *
 * One sk_answers per sitting is the only copy of what a participant gave;
 * every change goes sk_answers_set -> sk_run_update -> sk_sitting_save, so
 * the store has it sealed before the next frame is drawn.  Screens are
 * immediate-mode functions called twice per event (input pass, draw pass,
 * see ui.h); everything they show is read from the form and the answers. */
#ifndef KIOSK_APP_H
#define KIOSK_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "sk/answers.h"
#include "sk/form.h"
#include "sk/kstore.h"
#include "sk/pack.h"
#include "sk/record.h"
#include "sk/runtime.h"
#include "render.h"
#include "ui.h"

typedef enum screen {
    SCR_NO_PACK,
    SCR_WELCOME,
    SCR_CONSENT,
    SCR_QUESTION,
    SCR_THANKS,
    SCR_DECLINED,
    SCR_IDLE,
    SCR_ADMIN_PIN,
    SCR_ADMIN,
    SCR_ADMIN_INSTALL,
    SCR_ADMIN_EXPORT,
    SCR_ERROR,
    SCR_SETUP,               /* kiosk mode without an admin PIN: nothing else is offered */
    SCR_REPEAT_ASK,          /* "Add another ...?" after a repeat's last instance */
    SCR_REPEAT_REMOVE        /* "Remove ... 2 and its answers?" */
} screen;

/* What kind of text the focused field takes: picks the on-screen keyboard. */
typedef enum field_kind { FIELD_NONE, FIELD_TEXT, FIELD_INTEGER, FIELD_DECIMAL, FIELD_DATE,
                          FIELD_TIME, FIELD_PIN } field_kind;

typedef struct testhook testhook;

typedef struct app_options {
    const char *data_dir;
    const char *font_dir;
    int width, height;
    bool fullscreen;
} app_options;

typedef struct app {
    app_options opt;
    rn *r;
    ui ui;
    testhook *hook;
    bool kiosk_mode;         /* fullscreen and locked until the admin leaves it */
    bool quit;

    sk_kstore *ks;
    struct kdeliver *deliver; /* the delivery worker, when the pack names a server */
    sk_pack *pack;
    sk_form *form;
    char load_error[600];    /* the pack's form failed to load: shown on no-pack */

    /* the sitting (only while a participant is on consent/question screens) */
    sk_answers answers;
    sk_run *run;
    sk_sitting *sitting;
    int lang;
    int page;                /* index into form->pages */
    size_t inst;             /* the repeat instance of the page (1-based), 0 outside repeats */
    int ask;                 /* SCR_REPEAT_ASK: the repeat row asked about, else -1 */
    int64_t page_entered_ms;
    bool show_errors;        /* a Next was refused: show required messages */
    int *q_y;                /* per question: content y of its block in the last frame */
    int refused_q;           /* 1 + the question a refused Next stopped at, until its
                                message is scrolled into view; 0: none */
    int refused_msg_y, refused_msg_h; /* that message, content coordinates (draw pass) */
    int dd_q;                /* question whose drop-down is open this frame, or -1 */
    krect dd_anchor;         /* its combo box, window pixels */
    char wcode[SK_WCODE_SIZE];

    screen scr;
    screen back_to;          /* where idle / error / admin-pin return to */

    /* text entry */
    field_kind field;        /* kind of the focused text field this frame */
    bool field_seen;         /* a text field had the focus in this draw pass */
    bool osk_visible, osk_shift, osk_symbols, osk_accents;
    bool keyboard_used;      /* the last input came from a physical keyboard: no automatic keypad */
    char composition[64];    /* IME pre-edit text */
    char osk_pending[16];    /* a key pressed on the on-screen keyboard */
    bool osk_backspace;

    /* signature stroke in progress, pad coordinates 0..1000 */
    char sig_id[UI_ID_MAX];
    char *sig_stroke;
    size_t sig_len, sig_cap;

    /* timers, all in sk_now_ms() milliseconds; 0 = off */
    int64_t last_input_ms;
    int64_t idle_deadline;   /* countdown end on the idle screen */
    int64_t screen_deadline; /* thanks / declined auto-return */
    int64_t longpress_at;    /* admin corner long press completes */
    int64_t setup_poll_at;   /* SCR_SETUP: look for a PIN set from a terminal */
    int64_t pin_locked_until; /* no PIN is checked before this (from the store) */

    /* settings */
    unsigned idle_timeout_s; /* 0 = from the form */
    float text_scale;
    bool high_contrast;

    /* admin */
    char pin[SK_PIN_MAX + 4], pin_first[SK_PIN_MAX + 4]; /* wiped after use */
    int pin_stage;           /* 0 enter, 1 choose new, 2 repeat new */
    bool pin_change;         /* setting a new PIN from the menu */
    char admin_msg[700];
    bool admin_msg_error;
    char label_edit[128];
    char folder_edit[512];
    bool export_all;
    char **media;            /* found packs (install) or folders (export) */
    size_t n_media;

    char error[700];         /* SCR_ERROR: what failed and what to do */

    /* test hook bookkeeping */
    uint64_t frame, input_seq;
    char screenshot_path[1024];
} app;

int app_run(const app_options *opt);

/* ---- shared between the screen files ---- */
const ktheme *app_theme(const app *a);
void app_go(app *a, screen s);
/* The error screen with what went wrong (err's message) and the way back. */
void app_show_error(app *a, const char *what, const sk_error *err);
/* The participant's text in the form's language, with the kiosk's chrome
 * strings (strings.c) for buttons. */
const char *app_str(const app *a, const char *key);
const char *app_lang_code(const app *a);
const char *app_q_text(const app *a, char *const *texts);

/* Answer changes: set (value NULL removes), update the run, save sealed.
 * A store failure goes to the error screen; the answer stays in memory. */
void app_set_answer(app *a, int q, const char *value);
bool app_save(app *a);
void app_start_sitting(app *a);
void app_finish(app *a);
void app_decline(app *a);
void app_abandon(app *a);
/* Forget everything of the participant and show welcome. */
void app_reset_participant(app *a);
void app_goto_page(app *a, int page);
/* Go to a page in an instance, or to a repeat's "add another?" (sk_run_pos). */
void app_goto_pos(app *a, sk_run_pos pos);
sk_run_pos app_pos(const app *a);
/* Repeats (screens_repeat.c): the title line of a page inside a repeat
 * ("Household member 2 of 3"), drawn at content y; returns its height. */
int repeat_title(app *a, const sk_page *p, int x, int y, int w);
void app_set_language(app *a, int lang);
void app_open_admin(app *a);
/* Where the kiosk rests: set-up (kiosk mode, no PIN), welcome or no-pack. */
screen app_home(app *a);
void app_load_pack(app *a);
void app_apply_settings(app *a);

/* Question blocks (screens_question.c): draw question q at content y in
 * column x..x+w; returns the block's height. */
int question_block(app *a, int q, int x, int y, int w, bool single);
/* A table-list group's matrix of select questions from page index i on;
 * *consumed gets how many of the page's questions it drew. */
int table_block(app *a, const sk_page *p, size_t i, int x, int y, int w, size_t *consumed);
void dropdown_overlay(app *a);
/* Is this page's consent complete enough to continue (required clauses ticked)? */
bool consent_ok(app *a, const sk_page *p);

/* Chrome: header with title (and progress), footer area; return the content box. */
krect app_header(app *a, const char *title, bool progress);
/* The on-screen keyboard (drawn when visible); returns its height. */
int osk_height(app *a);
void osk_draw(app *a);

/* Screens. */
void scr_no_pack(app *a);
void scr_setup(app *a);
void scr_welcome(app *a);
void scr_thanks(app *a);
void scr_declined(app *a);
void scr_idle(app *a);
void scr_error(app *a);
void scr_page(app *a);            /* consent and question pages */
void scr_repeat_ask(app *a);
void scr_repeat_remove(app *a);
void scr_admin_pin(app *a);
void scr_admin(app *a);
void scr_admin_install(app *a);
void scr_admin_export(app *a);

const char *screen_name(screen s);

#endif
