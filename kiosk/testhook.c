/* testhook.c - SURVEY_KIOSK_UIMAP writer and SURVEY_KIOSK_INPUT reader
 * (protocol in docs/KIOSK.md).  The reader thread only pushes real SDL
 * events; the event loop handles them exactly as a person's input, presents
 * a frame, then lets the reader go on with the next line. */
#include "testhook.h"

#include <SDL.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "textwrap.h"
#ifdef _WIN32
#include "win_session.h"
#endif

struct testhook {
    char *uimap, *uimap_tmp;
    FILE *in;
    SDL_Thread *thread;
    SDL_sem *line_sem;
    SDL_atomic_t win_w, win_h, stop, finished;
    testhook_events ev;
};

static void push_user(uint32_t type, void *d1, void *d2)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.user.data1 = d1;
    e.user.data2 = d2;
    SDL_PushEvent(&e);
}

static void push_mouse(uint32_t type, int x, int y)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    if (type == SDL_MOUSEMOTION) {
        e.motion.x = x;
        e.motion.y = y;
        e.motion.state = SDL_BUTTON_LMASK;
    } else {
        e.button.button = SDL_BUTTON_LEFT;
        e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
        e.button.clicks = 1;
        e.button.x = x;
        e.button.y = y;
    }
    SDL_PushEvent(&e);
}

static void push_finger(testhook *t, uint32_t type, int x, int y)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    int w = SDL_AtomicGet(&t->win_w), h = SDL_AtomicGet(&t->win_h);
    e.type = type;
    e.tfinger.touchId = 1;
    e.tfinger.fingerId = 1;
    e.tfinger.x = w > 0 ? (float)x / (float)w : 0;
    e.tfinger.y = h > 0 ? (float)y / (float)h : 0;
    e.tfinger.pressure = type == SDL_FINGERUP ? 0 : 1;
    SDL_PushEvent(&e);
}

static void push_key(const char *spec)
{
    Uint16 mod = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", spec);
    char *name = buf;
    /* "Ctrl+Alt+a": modifiers up to the last '+', which may itself be the key. */
    for (char *plus; (plus = strchr(name, '+')) && plus[1];) {
        *plus = '\0';
        if (SDL_strcasecmp(name, "shift") == 0)
            mod |= KMOD_LSHIFT;
        else if (SDL_strcasecmp(name, "ctrl") == 0 || SDL_strcasecmp(name, "control") == 0)
            mod |= KMOD_LCTRL;
        else if (SDL_strcasecmp(name, "alt") == 0)
            mod |= KMOD_LALT;
        else if (SDL_strcasecmp(name, "gui") == 0 || SDL_strcasecmp(name, "super") == 0)
            mod |= KMOD_LGUI;
        name = plus + 1;
    }
    SDL_Keycode k = SDL_GetKeyFromName(name);
    if (k == SDLK_UNKNOWN && name[0] && !name[1])
        k = tolower((unsigned char)name[0]);
    if (k == SDLK_UNKNOWN) {
        fprintf(stderr, "survey-kiosk: error: SURVEY_KIOSK_INPUT: unknown key '%s'\n", name);
        return;
    }
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    e.key.keysym.scancode = SDL_GetScancodeFromKey(k);
    e.key.keysym.mod = mod;
    SDL_PushEvent(&e);
    e.type = SDL_KEYUP;
    e.key.state = SDL_RELEASED;
    SDL_PushEvent(&e);
}

/* SDL_TEXTINPUT carries at most 31 bytes: split between grapheme clusters
 * (textwrap.h), so an emoji sequence or a flag arrives in one event, as a
 * keyboard or input method sends it; a cluster longer than that, at code points. */
static void push_text(const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        size_t max = SDL_TEXTINPUTEVENT_TEXT_SIZE - 1, n = 0;
        while (n < len) {
            size_t next = tw_cluster_next(s, len, n);
            if (next > max)
                break;
            n = next;
        }
        if (n == 0) {
            n = len < max ? len : max;
            while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--;
        }
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_TEXTINPUT;
        memcpy(e.text.text, s, n);
        SDL_PushEvent(&e);
        s += n;
        len -= n;
    }
}

/* An IME commit as an input method delivers it: the pre-edit text first
 * (SDL_TEXTEDITING, shown underlined, not stored), then the committed text
 * (SDL_TEXTINPUT, split as SDL splits it). */
static void push_ime(const char *s)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_TEXTEDITING;
    size_t n = strlen(s);
    if (n > SDL_TEXTEDITINGEVENT_TEXT_SIZE - 1) {
        n = SDL_TEXTEDITINGEVENT_TEXT_SIZE - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(e.edit.text, s, n);
    e.edit.length = (Sint32)n;
    SDL_PushEvent(&e);
    push_text(s);
}

/* A paste: the text goes on the clipboard, then Ctrl+V, as a person does it. */
static void push_paste(const char *s)
{
    if (SDL_SetClipboardText(s) != 0)
        fprintf(stderr, "survey-kiosk: error: SURVEY_KIOSK_INPUT: cannot set the clipboard: %s\n",
                SDL_GetError());
    push_key("Ctrl+V");
}

/* The contents of a file (a paste longer than is handy on one line). */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void drag(testhook *t, bool finger, int x1, int y1, int x2, int y2)
{
    if (finger)
        push_finger(t, SDL_FINGERDOWN, x1, y1);
    else
        push_mouse(SDL_MOUSEBUTTONDOWN, x1, y1);
    for (int i = 1; i <= 10; i++) {
        int x = x1 + (x2 - x1) * i / 10, y = y1 + (y2 - y1) * i / 10;
        if (finger)
            push_finger(t, SDL_FINGERMOTION, x, y);
        else
            push_mouse(SDL_MOUSEMOTION, x, y);
    }
    if (finger)
        push_finger(t, SDL_FINGERUP, x2, y2);
    else
        push_mouse(SDL_MOUSEBUTTONUP, x2, y2);
}

/* Turn one line into events; returns false for an unknown command. */
static bool run_line(testhook *t, char *line)
{
    char cmd[16];
    int n = 0, x1, y1, x2, y2;
    if (sscanf(line, "%15s%n", cmd, &n) != 1)
        return true;
    const char *rest = line + n;
    while (*rest == ' ')
        rest++;
    if (strcmp(cmd, "tap") == 0 && sscanf(rest, "%d %d", &x1, &y1) == 2) {
        push_mouse(SDL_MOUSEBUTTONDOWN, x1, y1);
        push_mouse(SDL_MOUSEBUTTONUP, x1, y1);
    } else if (strcmp(cmd, "touch") == 0 && sscanf(rest, "%d %d", &x1, &y1) == 2) {
        push_finger(t, SDL_FINGERDOWN, x1, y1);
        push_finger(t, SDL_FINGERUP, x1, y1);
    } else if (strcmp(cmd, "down") == 0 && sscanf(rest, "%d %d", &x1, &y1) == 2) {
        push_mouse(SDL_MOUSEBUTTONDOWN, x1, y1);
    } else if (strcmp(cmd, "up") == 0 && sscanf(rest, "%d %d", &x1, &y1) == 2) {
        push_mouse(SDL_MOUSEBUTTONUP, x1, y1);
    } else if ((strcmp(cmd, "drag") == 0 || strcmp(cmd, "mdrag") == 0) &&
               sscanf(rest, "%d %d %d %d", &x1, &y1, &x2, &y2) == 4) {
        drag(t, cmd[0] == 'd', x1, y1, x2, y2);
    } else if (strcmp(cmd, "key") == 0 && *rest) {
        push_key(rest);
    } else if (strcmp(cmd, "text") == 0) {
        push_text(rest);
    } else if (strcmp(cmd, "ime") == 0) {
        push_ime(rest);
    } else if (strcmp(cmd, "paste") == 0) {
        push_paste(rest);
    } else if (strcmp(cmd, "paste-file") == 0 && *rest) {
        char *text = read_all(rest);
        if (!text) {
            fprintf(stderr, "survey-kiosk: error: SURVEY_KIOSK_INPUT: cannot read %s\n", rest);
            return true;
        }
        push_paste(text);
        free(text);
    } else if (strcmp(cmd, "wheel") == 0 && sscanf(rest, "%d", &y1) == 1) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_MOUSEWHEEL;
        e.wheel.y = y1;
        e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
        SDL_PushEvent(&e);
    } else if (strcmp(cmd, "resize") == 0 && sscanf(rest, "%d %d", &x1, &y1) == 2) {
        push_user(t->ev.resize, (void *)(intptr_t)x1, (void *)(intptr_t)y1);
    } else if (strcmp(cmd, "screenshot") == 0 && *rest) {
        char *path = strdup(rest);
        if (path)
            push_user(t->ev.screenshot, path, NULL);
    } else if (strcmp(cmd, "wait") == 0 && sscanf(rest, "%d", &y1) == 1) {
        SDL_Delay(y1 > 0 ? (Uint32)y1 : 0);
    } else if (strcmp(cmd, "quit") == 0) {
        /* The window's close button, as the window system sends it (SIGTERM
         * is the test's way to ask what the system asks). */
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_WINDOWEVENT;
        e.window.event = SDL_WINDOWEVENT_CLOSE;
        SDL_PushEvent(&e);
    } else {
        return false;
    }
    return true;
}

#ifdef _WIN32
/* Wine cannot read a Unix FIFO (it sees the end at once), so a Windows kiosk's
 * input is a plain file the test appends to, followed like `tail -f` until
 * the hook stops.  Returns the line's length (with its \n), or -1 when stopped. */
static ssize_t next_line(testhook *t, char **line, size_t *cap)
{
    size_t n = 0;
    for (;;) {
        int c = getc(t->in);
        if (c == EOF) {
            if (SDL_AtomicGet(&t->stop))
                return -1;
            /* clearerr alone leaves msvcrt's stream at its old end: a seek to
             * where it is drops the buffer, so the next getc reads what the
             * test appended since. */
            clearerr(t->in);
            fseek(t->in, 0, SEEK_CUR);
            SDL_Delay(5);
            continue;
        }
        if (n + 2 > *cap) {
            size_t ncap = *cap ? *cap * 2 : 256;
            char *p = realloc(*line, ncap);
            if (!p)
                return -1;
            *line = p;
            *cap = ncap;
        }
        (*line)[n++] = (char)c;
        if (c == '\n') {
            (*line)[n] = '\0';
            return (ssize_t)n;
        }
    }
}
#else
#define next_line(t, line, cap) getline(line, cap, (t)->in)
#endif

static int reader(void *arg)
{
    testhook *t = arg;
    /* Lines of any length: a "text" or "paste" line may carry thousands of characters. */
    char *line = NULL;
    size_t cap = 0;
    while (!SDL_AtomicGet(&t->stop) && next_line(t, &line, &cap) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#')
            continue;
        if (!run_line(t, line))
            fprintf(stderr, "survey-kiosk: error: SURVEY_KIOSK_INPUT: cannot understand '%s'\n",
                    line);
        if (SDL_AtomicGet(&t->stop))
            break;
        push_user(t->ev.line_done, NULL, NULL);
        SDL_SemWait(t->line_sem);
    }
    free(line);
    SDL_AtomicSet(&t->finished, 1);
    return 0;
}

testhook *testhook_start(const char *uimap_path, const char *input_path, char *err,
                         size_t err_size)
{
    err[0] = '\0';
    if ((!uimap_path || !*uimap_path) && (!input_path || !*input_path))
        return NULL;
    testhook *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    Uint32 base = SDL_RegisterEvents(3);
    t->ev.line_done = base;
    t->ev.resize = base + 1;
    t->ev.screenshot = base + 2;
    if (uimap_path && *uimap_path) {
        size_t n = strlen(uimap_path) + 5;
        t->uimap = strdup(uimap_path);
        t->uimap_tmp = malloc(n);
        if (!t->uimap || !t->uimap_tmp) {
            snprintf(err, err_size, "out of memory");
            testhook_stop(t);
            return NULL;
        }
        snprintf(t->uimap_tmp, n, "%s.tmp", uimap_path);
    }
    if (input_path && *input_path) {
        t->line_sem = SDL_CreateSemaphore(0);
        t->in = fopen(input_path, "r");
        if (!t->in || !t->line_sem) {
            snprintf(err, err_size, "SURVEY_KIOSK_INPUT: cannot open %s", input_path);
            testhook_stop(t);
            return NULL;
        }
        t->thread = SDL_CreateThread(reader, "kiosk-input", t);
        if (!t->thread) {
            snprintf(err, err_size, "cannot start the input reader: %s", SDL_GetError());
            testhook_stop(t);
            return NULL;
        }
    }
    return t;
}

/* A hook whose reader thread could not be joined at exit (see testhook_stop). */
static testhook *volatile parked_hook;

void testhook_stop(testhook *t)
{
    if (!t)
        return;
    if (t->thread) {
        SDL_AtomicSet(&t->stop, 1);
        SDL_SemPost(t->line_sem);
        /* A reader between lines sees `stop` at once; give it a moment. */
        for (int i = 0; i < 50 && !SDL_AtomicGet(&t->finished); i++)
            SDL_Delay(2);
        if (!SDL_AtomicGet(&t->finished)) {
            /* Blocked reading a FIFO nobody writes to: let it go, the process is
             * ending.  The thread may still touch t, so t stays allocated and
             * reachable (not a leak to LeakSanitizer). */
            parked_hook = t;
            SDL_DetachThread(t->thread);
            return;
        }
        SDL_WaitThread(t->thread, NULL);
    }
    if (t->in)
        fclose(t->in);
    if (t->line_sem)
        SDL_DestroySemaphore(t->line_sem);
    free(t->uimap);
    free(t->uimap_tmp);
    free(t);
}

const testhook_events *testhook_event_types(const testhook *t)
{
    return &t->ev;
}

void testhook_set_window(testhook *t, int w, int h)
{
    SDL_AtomicSet(&t->win_w, w);
    SDL_AtomicSet(&t->win_h, h);
}

void testhook_line_done(testhook *t)
{
    if (t && t->line_sem)
        SDL_SemPost(t->line_sem);
}

void testhook_frame(testhook *t, const app *a)
{
    if (!t->uimap)
        return;
    const ui *u = &a->ui;
    json_t *root = json_object();
    json_t *widgets = json_array();
    json_object_set_new(root, "screen", json_string(screen_name(a->scr)));
    json_object_set_new(root, "language", json_string(app_lang_code(a)));
    json_object_set_new(root, "frame", json_integer((json_int_t)a->frame));
    json_object_set_new(root, "input_seq", json_integer((json_int_t)a->input_seq));
    json_object_set_new(root, "width", json_integer(u->w));
    json_object_set_new(root, "height", json_integer(u->h));
    json_object_set_new(root, "theme", json_string(u->th->name));
    json_object_set_new(root, "text_scale", json_real(u->text_scale));
    json_object_set_new(root, "focus", u->focus[0] ? json_string(u->focus) : json_null());
#ifdef _WIN32
    /* WM_CLOSE messages the window got (kiosk/win_session.h) */
    json_object_set_new(root, "close_requests", json_integer(win_session_close_count()));
#endif
    /* what the admin screen would warn about fonts (boxes instead of glyphs) */
    const char *fw = rn_font_warning(a->r);
    json_object_set_new(root, "font_warning", fw ? json_string(fw) : json_null());
    for (size_t i = 0; i < u->prev.n; i++) {
        const ui_widget *w = &u->prev.items[i];
        if (w->r.w <= 0 || w->r.h <= 0)
            continue; /* scrolled out of sight */
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(w->id));
        json_object_set_new(o, "role", json_string(w->role));
        json_object_set_new(o, "label", json_string(w->label ? w->label : ""));
        json_object_set_new(o, "x", json_integer(w->r.x));
        json_object_set_new(o, "y", json_integer(w->r.y));
        json_object_set_new(o, "w", json_integer(w->r.w));
        json_object_set_new(o, "h", json_integer(w->r.h));
        json_object_set_new(o, "enabled", json_boolean(w->enabled));
        json_object_set_new(o, "focused", json_boolean(w->focused));
        json_object_set_new(o, "checked", w->has_checked ? json_boolean(w->checked) : json_null());
        json_object_set_new(o, "value", w->value ? json_string(w->value) : json_null());
        json_array_append_new(widgets, o);
    }
    json_object_set_new(root, "widgets", widgets);
    if (json_dump_file(root, t->uimap_tmp, JSON_COMPACT) != 0 ||
        rename(t->uimap_tmp, t->uimap) != 0)
        fprintf(stderr, "survey-kiosk: error: cannot write the UI map %s\n", t->uimap);
    json_decref(root);
}
