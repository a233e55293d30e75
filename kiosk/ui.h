/* ui.h - immediate-mode widgets in the microui / rxi lite style.
 *
 * Every frame the screens call the widget functions with the current model
 * (form, answers); each call both draws and hit-tests, and appends itself to
 * the widget list that the UIMAP test hook writes out (the kiosk's
 * accessibility tree).  The only state kept here is transient UI state:
 * focus, the pressed widget, scroll offset, the open drop-down.
 *
 * A frame runs in two passes over the same screen code:
 *   - an input pass (u->drawing false) for one input event: a widget that
 *     the event activates returns true and the screen changes the model;
 *   - a draw pass (u->drawing true) without input, which draws the (new)
 *     state and records where every widget is.
 * Hit testing uses the rectangles recorded by the last draw pass, i.e. what
 * the person actually saw when they touched the screen. */
#ifndef KIOSK_UI_H
#define KIOSK_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render.h"
#include "theme.h"

#define UI_ID_MAX 160

typedef struct ui_widget {
    char id[UI_ID_MAX];
    const char *role;        /* ARIA role: button, radio, checkbox, textbox, ... */
    char *label, *value;     /* owned; value may be NULL */
    krect r;                 /* visible part, window pixels */
    krect full;              /* whole widget, in scroll-content coordinates when scrolled */
    bool enabled, focused, checked, has_checked, focusable, in_scroll;
    bool multiline;          /* a textbox where Enter is a new line */
    bool captures_drag;      /* slider, signature: a drag is input, not scrolling */
    bool primary;            /* the screen's main action: Enter presses it when nothing has focus */
} ui_widget;

typedef struct ui_list {
    ui_widget *items;
    size_t n, cap;
} ui_list;

typedef enum ui_event_kind {
    UI_EV_NONE,
    UI_EV_PRESS,     /* pointer down at x, y */
    UI_EV_MOTION,    /* pointer moved while down */
    UI_EV_RELEASE,   /* pointer up */
    UI_EV_KEY,       /* key (SDL keycode) with mod */
    UI_EV_TEXT,      /* text typed (UTF-8) */
    UI_EV_WHEEL      /* wheel by dy notches */
} ui_event_kind;

typedef struct ui_event {
    ui_event_kind kind;
    int x, y, dy;
    bool touch;              /* from a finger rather than a mouse */
    int key;                 /* SDL_Keycode */
    unsigned mod;            /* SDL_Keymod */
    /* UI_EV_TEXT: one typed key, or one whole IME commit (SDL splits a commit
     * into events of at most 31 bytes; app.c joins them again so that the
     * commit is taken or refused whole). */
    char text[1024];
} ui_event;

/* Keys the ui layer understands (SDL keycodes, copied so ui.c stays free of SDL). */
enum { UI_KEY_TAB = '\t', UI_KEY_RETURN = '\r', UI_KEY_SPACE = ' ', UI_KEY_BACKSPACE = '\b' };

typedef enum ui_flags {
    UI_PRIMARY = 1 << 0,     /* the main action: filled */
    UI_DISABLED = 1 << 1,
    UI_QUIET = 1 << 2,       /* a secondary action: outlined */
    UI_LARGE = 1 << 3,       /* larger text */
    UI_NOFOCUS = 1 << 4,     /* not in the Tab order (keyboard keys) */
    UI_DANGER = 1 << 5
} ui_flags;

typedef struct ui {
    rn *r;
    const ktheme *th;
    int w, h;                /* window */
    float s;                 /* scale: 1.0 at 800x480 */
    float text_scale;        /* 1.0, or larger text (admin option) */
    int px_body, px_small, px_title, px_huge; /* font sizes this frame */
    int target;              /* minimum touch target height */
    int pad, radius;

    bool drawing;            /* draw pass, else input pass */
    ui_event ev;             /* the input pass's event */
    bool changed;            /* the model changed: draw again */

    char focus[UI_ID_MAX];   /* "" = none */
    bool focus_ring;         /* keyboard navigation in use: show the ring */
    bool focus_moved;        /* scroll the focused widget into view */
    char pressed[UI_ID_MAX]; /* widget under the pointer since press */
    char clicked[UI_ID_MAX]; /* activated by this event (release on it, Enter, Space) */
    char open_dropdown[UI_ID_MAX];
    bool pointer_down, dragging, touch_down;
    int down_x, down_y, last_x, last_y;

    /* the scroll container (one per screen) */
    bool in_scroll;
    krect view;              /* visible content area */
    int scroll, content_h, prev_content_h;

    ui_list cur, prev;       /* widgets of this draw pass / the last one */

    /* The text box whose last input was refused for length ("" = none): its
     * message shows until the next accepted edit or the box loses focus. */
    char refused[UI_ID_MAX];
    /* Line breaks of recently drawn multi-line boxes (see ui_wrap_cache). */
    struct ui_wrap_cache *wraps;
    unsigned wrap_tick;
} ui;

/* A cache of one multi-line box's line breaks, so a keystroke re-wraps only
 * its last lines, not the whole entry.  It is derived data, checked against
 * the value every frame (a hash per line), not a second copy of the answer:
 * it holds offsets and hashes, never the text. */
typedef struct ui_wrap_cache {
    char id[UI_ID_MAX];
    int width, px;
    size_t len;              /* bytes of the text the lines were computed for */
    tw_line *lines;
    uint64_t *hash;          /* per line: FNV-1a of its bytes up to the next line's start */
    size_t n, cap;
    unsigned used;
} ui_wrap_cache;
#define UI_WRAP_CACHES 4

void ui_init(ui *u, rn *r);
void ui_free(ui *u);
/* Sizes from the window and options; call before each pass. */
void ui_layout_metrics(ui *u, int w, int h, float text_scale, const ktheme *th);

/* Pass control.  ui_input_prepare works out pressed / clicked / focus from the
 * event against the last draw pass; the screen code then runs with
 * drawing false.  ui_draw_begin / ui_draw_end bracket a draw pass. */
void ui_input_prepare(ui *u, const ui_event *ev);
void ui_draw_begin(ui *u);
void ui_draw_end(ui *u);
/* Forget focus, scroll, pressed and open drop-down (new screen or participant). */
void ui_reset(ui *u);
void ui_set_focus(ui *u, const char *id);
bool ui_focused(const ui *u, const char *id);
/* The widget of the last draw pass with this id, or NULL. */
const ui_widget *ui_find(const ui *u, const char *id);
/* True when this event pressed, moved or released on widget id. */
bool ui_is_pressed(const ui *u, const char *id);

/* Scroll container: widgets between begin and end are placed at
 * ui_scroll_y(u, content_y) and clipped to view. */
void ui_scroll_begin(ui *u, krect view);
int ui_scroll_y(const ui *u, int content_y);
void ui_scroll_end(ui *u, int content_h);
void ui_scroll_by(ui *u, int dy);

/* Record a widget in the UIMAP list (draw pass only) and return its visible
 * rectangle (w or h 0 when scrolled out). */
krect ui_add(ui *u, const char *id, const char *role, const char *label, krect r, bool enabled,
             int checked /* -1 = not applicable */, const char *value, bool focusable);

/* Widgets.  Each returns true when activated by this input pass's event. */
bool ui_button(ui *u, const char *id, const char *label, krect r, unsigned flags);
/* A radio (radio=true) or tick-box row with a wrapped label. Height: ui_choice_height. */
bool ui_choice(ui *u, const char *id, const char *label, krect r, bool checked, bool radio,
               unsigned flags);
int ui_choice_height(ui *u, const char *label, int w);
/* The same row with room for a picture under its label: the label is
 * centred in the top r.h - below pixels, and *below_at (when not NULL) gets
 * the box under it, beside the label's column, for the caller to draw in.
 * ui_choice_text_width: the width of that column in a row w wide. */
bool ui_choice_ex(ui *u, const char *id, const char *label, krect r, bool checked, bool radio,
                  unsigned flags, int below, krect *below_at);
int ui_choice_text_width(const ui *u, int w);
/* A compact cell (Likert scale, table-list, range buttons): circle or number. */
bool ui_cell(ui *u, const char *id, const char *label, const char *shown, krect r, bool checked,
             bool circle, bool radio);
/* Static wrapped text; returns its height.  role "text" or "alert"; id may be NULL
 * (not listed).  Draws only when drawing. */
int ui_text(ui *u, const char *id, const char *role, const char *text, krect r, rn_style st,
            int px, kcolor c);
/* The same with every line centred in r. */
int ui_text_centered(ui *u, const char *id, const char *role, const char *text, krect r,
                     rn_style st, int px, kcolor c);
int ui_text_height(ui *u, const char *text, int w, rn_style st, int px);
/* One line, no wrap, centered in r when center is set, ellipsis when too long. */
void ui_label(ui *u, const char *text, krect r, rn_style st, int px, kcolor c, bool center);
/* A text field showing value (the answer).  composition: IME pre-edit text
 * to show, or NULL.  An edit returns true with the whole new value in *out
 * (malloc'd: the caller wipes it with sodium_memzero and frees it).
 *
 * Every input (a typed or on-screen key, an IME commit, a paste, Return in a
 * multi-line box) is one unit: taken whole when the value stays within
 * max_chars code points and max_bytes bytes, else refused whole (nothing
 * added) and u->refused names the box, so the screen can say so.  Backspace
 * removes the last grapheme cluster (textwrap.h), so an emoji sequence or a
 * flag goes as one.  paste: text to insert as one input in this input pass
 * (the caller reads the clipboard; ui.c stays free of SDL), or NULL.
 * Drawing measures only what is on screen (one-line: the visible end;
 * multi-line: cached line breaks, re-wrapped from the edit on). */
bool ui_textbox_ex(ui *u, const char *id, const char *label, krect r, const char *value,
                   bool multiline, const char *composition, size_t max_chars, size_t max_bytes,
                   const char *paste, char **out);
/* The same for a short field with a fixed buffer: edits go to out (size
 * bytes, so at most size - 1 bytes of text) and return true. */
bool ui_textbox(ui *u, const char *id, const char *label, krect r, const char *value,
                bool multiline, const char *composition, char *out, size_t size);
/* Delete the last UTF-8 character of buf. */
void ui_utf8_pop(char *buf);

void ui_focus_ring(ui *u, krect r);
/* The widget ui_add appended last in this draw pass (to set extra flags), or NULL. */
ui_widget *ui_last(ui *u);

#endif
