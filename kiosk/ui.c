/* ui.c - immediate-mode widgets, focus, scrolling and the widget list (see ui.h). */
#include "ui.h"

#include <SDL_keycode.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 256

static void wrap_caches_free(ui *u);

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void list_clear(ui_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].label);
        free(l->items[i].value);
    }
    l->n = 0;
}

void ui_init(ui *u, rn *r)
{
    memset(u, 0, sizeof *u);
    u->r = r;
    u->th = &ktheme_default;
    u->text_scale = 1.0f;
}

void ui_free(ui *u)
{
    list_clear(&u->cur);
    list_clear(&u->prev);
    free(u->cur.items);
    free(u->prev.items);
    wrap_caches_free(u);
}

void ui_layout_metrics(ui *u, int w, int h, float text_scale, const ktheme *th)
{
    u->w = w;
    u->h = h;
    u->th = th;
    u->text_scale = text_scale;
    /* 800x480 is the design size; sizes follow the shorter side's ratio. */
    float sw = w / 800.0f, sh = h / 480.0f;
    u->s = sw < sh ? sw : sh;
    if (u->s < 0.6f)
        u->s = 0.6f;
    float t = u->s * text_scale;
    u->px_body = (int)(20 * t + 0.5f);
    u->px_small = (int)(16 * t + 0.5f);
    u->px_title = (int)(26 * t + 0.5f);
    u->px_huge = (int)(40 * t + 0.5f);
    u->target = (int)(48 * u->s + 0.5f);
    if (u->target < 48)
        u->target = 48;
    u->pad = (int)(12 * u->s + 0.5f);
    u->radius = (int)(8 * u->s + 0.5f);
}

void ui_reset(ui *u)
{
    u->focus[0] = u->pressed[0] = u->clicked[0] = u->open_dropdown[0] = '\0';
    u->focus_ring = u->focus_moved = false;
    u->pointer_down = u->dragging = false;
    u->scroll = u->content_h = u->prev_content_h = 0;
    u->refused[0] = '\0';
    wrap_caches_free(u);
}

void ui_set_focus(ui *u, const char *id)
{
    snprintf(u->focus, sizeof u->focus, "%s", id ? id : "");
    u->focus_moved = true;
}

bool ui_focused(const ui *u, const char *id)
{
    return u->focus[0] && strcmp(u->focus, id) == 0;
}

const ui_widget *ui_find(const ui *u, const char *id)
{
    for (size_t i = 0; i < u->prev.n; i++)
        if (strcmp(u->prev.items[i].id, id) == 0)
            return &u->prev.items[i];
    return NULL;
}

bool ui_is_pressed(const ui *u, const char *id)
{
    return u->pressed[0] && strcmp(u->pressed, id) == 0;
}

static bool inside(krect r, int x, int y)
{
    return r.w > 0 && r.h > 0 && x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static bool interactive(const ui_widget *w)
{
    /* a picture (img) is part of what is under it: a choice's picture chooses it */
    return w->enabled && strcmp(w->role, "text") != 0 && strcmp(w->role, "alert") != 0 &&
           strcmp(w->role, "img") != 0;
}

/* The topmost interactive widget of the last frame under x, y. */
static const ui_widget *hit(const ui *u, int x, int y)
{
    for (size_t i = u->prev.n; i-- > 0;) {
        const ui_widget *w = &u->prev.items[i];
        if (interactive(w) && inside(w->r, x, y))
            return w;
    }
    return NULL;
}

static void move_focus(ui *u, int dir)
{
    const ui_list *l = &u->prev;
    long cur = -1;
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!l->items[i].focusable || !l->items[i].enabled)
            continue;
        n++;
        if (strcmp(l->items[i].id, u->focus) == 0)
            cur = (long)i;
    }
    if (n == 0)
        return;
    long i = cur;
    for (size_t step = 0; step < l->n; step++) {
        i += dir;
        if (i < 0)
            i = (long)l->n - 1;
        if (i >= (long)l->n)
            i = 0;
        if (l->items[i].focusable && l->items[i].enabled) {
            ui_set_focus(u, l->items[i].id);
            return;
        }
    }
}

/* Length of an id's group prefix ("q/a" -> 2, "q" -> 0). */
static size_t group_len(const char *id)
{
    const char *slash = strrchr(id, '/');
    return slash ? (size_t)(slash - id + 1) : 0;
}

/* Arrows inside a choice group: the previous / next widget with the same prefix. */
static bool move_in_group(ui *u, int dir)
{
    const ui_widget *f = ui_find(u, u->focus);
    size_t g = f ? group_len(f->id) : 0;
    if (!f || g == 0)
        return false;
    const ui_list *l = &u->prev;
    long at = (long)(f - l->items);
    for (long i = at + dir; i >= 0 && i < (long)l->n; i += dir) {
        const ui_widget *w = &l->items[i];
        if (w->focusable && w->enabled && strncmp(w->id, f->id, g) == 0 &&
            !strchr(w->id + g, '/')) {
            ui_set_focus(u, w->id);
            u->focus_ring = true;
            if (strcmp(w->role, "radio") == 0)
                snprintf(u->clicked, sizeof u->clicked, "%s", w->id); /* arrows select radios */
            return true;
        }
    }
    return true;
}

void ui_scroll_by(ui *u, int dy)
{
    u->scroll += dy;
    int max = u->prev_content_h - u->view.h;
    if (u->scroll > max)
        u->scroll = max;
    if (u->scroll < 0)
        u->scroll = 0;
}

void ui_input_prepare(ui *u, const ui_event *ev)
{
    u->ev = *ev;
    u->drawing = false;
    u->clicked[0] = '\0';
    if (!u->pointer_down)
        u->pressed[0] = '\0';
    const ui_widget *f = u->focus[0] ? ui_find(u, u->focus) : NULL;
    bool focus_is_text = f && strcmp(f->role, "textbox") == 0;
    switch (ev->kind) {
    case UI_EV_PRESS: {
        u->pointer_down = true;
        u->touch_down = ev->touch;
        u->dragging = false;
        u->down_x = u->last_x = ev->x;
        u->down_y = u->last_y = ev->y;
        const ui_widget *w = hit(u, ev->x, ev->y);
        snprintf(u->pressed, sizeof u->pressed, "%s", w ? w->id : "");
        if (w && w->focusable) {
            snprintf(u->focus, sizeof u->focus, "%s", w->id);
            u->focus_ring = false;
        }
        break;
    }
    case UI_EV_MOTION: {
        if (!u->pointer_down)
            break;
        int dy = ev->y - u->last_y;
        const ui_widget *w = u->pressed[0] ? ui_find(u, u->pressed) : NULL;
        bool captures = w && w->captures_drag;
        if (!u->dragging && !captures && inside(u->view, u->down_x, u->down_y) &&
            abs(ev->y - u->down_y) > u->target / 4) {
            u->dragging = true;
            u->pressed[0] = '\0';
            dy = ev->y - u->down_y;
        }
        if (u->dragging)
            ui_scroll_by(u, -dy);
        u->last_x = ev->x;
        u->last_y = ev->y;
        break;
    }
    case UI_EV_RELEASE: {
        const ui_widget *w = hit(u, ev->x, ev->y);
        if (u->pointer_down && !u->dragging && w && strcmp(w->id, u->pressed) == 0)
            snprintf(u->clicked, sizeof u->clicked, "%s", w->id);
        u->pointer_down = false;
        u->dragging = false;
        break;
    }
    case UI_EV_KEY:
        if (ev->key == SDLK_TAB) {
            move_focus(u, (ev->mod & KMOD_SHIFT) ? -1 : 1);
            u->focus_ring = true;
        } else if (ev->key == SDLK_PAGEDOWN) {
            ui_scroll_by(u, u->view.h * 85 / 100);
        } else if (ev->key == SDLK_PAGEUP) {
            ui_scroll_by(u, -u->view.h * 85 / 100);
        } else if (focus_is_text) {
            /* Enter in a one-line field moves on, as Tab does; other keys are typing. */
            if ((ev->key == SDLK_RETURN || ev->key == SDLK_KP_ENTER) && !f->multiline) {
                move_focus(u, 1);
                u->focus_ring = true;
            }
        } else if (ev->key == SDLK_RETURN || ev->key == SDLK_KP_ENTER || ev->key == SDLK_SPACE) {
            if (f && f->enabled) {
                snprintf(u->clicked, sizeof u->clicked, "%s", f->id);
            } else if (!f && ev->key != SDLK_SPACE) {
                /* Nothing focused yet: Enter is the screen's main action (Start, Next). */
                for (size_t i = 0; i < u->prev.n; i++)
                    if (u->prev.items[i].primary && u->prev.items[i].enabled) {
                        snprintf(u->clicked, sizeof u->clicked, "%s", u->prev.items[i].id);
                        break;
                    }
            }
            u->focus_ring = true;
        } else if (f && strcmp(f->role, "slider") != 0 &&
                   (ev->key == SDLK_UP || ev->key == SDLK_LEFT)) {
            if (!move_in_group(u, -1))
                move_focus(u, -1), u->focus_ring = true;
        } else if (f && strcmp(f->role, "slider") != 0 &&
                   (ev->key == SDLK_DOWN || ev->key == SDLK_RIGHT)) {
            if (!move_in_group(u, 1))
                move_focus(u, 1), u->focus_ring = true;
        } else if (!f && (ev->key == SDLK_DOWN || ev->key == SDLK_UP)) {
            ui_scroll_by(u, (ev->key == SDLK_DOWN ? 1 : -1) * u->target);
        }
        break;
    case UI_EV_WHEEL:
        ui_scroll_by(u, -ev->dy * u->target);
        break;
    default:
        break;
    }
}

void ui_draw_begin(ui *u)
{
    u->drawing = true;
    u->ev.kind = UI_EV_NONE;
    u->clicked[0] = '\0';
    u->in_scroll = false;
    list_clear(&u->cur);
}

void ui_draw_end(ui *u)
{
    ui_list t = u->prev;
    u->prev = u->cur;
    u->cur = t;
    list_clear(&u->cur);
    u->focus_moved = false;
    /* A focused widget that is gone (page turned) loses focus. */
    if (u->focus[0] && !ui_find(u, u->focus))
        u->focus[0] = '\0';
}

/* ---- scrolling ---- */

void ui_scroll_begin(ui *u, krect view)
{
    u->view = view;
    u->in_scroll = true;
    if (u->drawing && u->focus_moved && u->focus[0]) {
        const ui_widget *f = ui_find(u, u->focus);
        if (f && f->in_scroll) {
            int margin = u->pad;
            if (f->full.y - margin < u->scroll)
                u->scroll = f->full.y - margin;
            else if (f->full.y + f->full.h + margin > u->scroll + view.h)
                u->scroll = f->full.y + f->full.h + margin - view.h;
            ui_scroll_by(u, 0);
        }
    }
    if (u->drawing)
        rn_clip(u->r, &view);
}

int ui_scroll_y(const ui *u, int content_y)
{
    return u->view.y + content_y - u->scroll;
}

void ui_scroll_end(ui *u, int content_h)
{
    u->in_scroll = false;
    if (!u->drawing)
        return;
    rn_clip(u->r, NULL);
    u->content_h = u->prev_content_h = content_h;
    int max = content_h - u->view.h;
    if (u->scroll > max)
        u->scroll = max > 0 ? max : 0;
    if (max > 0) {
        /* A scroll bar so people see there is more below. */
        int bar_h = u->view.h * u->view.h / content_h;
        if (bar_h < u->target / 2)
            bar_h = u->target / 2;
        int bar_y = u->view.y + (u->view.h - bar_h) * u->scroll / max;
        int bw = (int)(6 * u->s) > 3 ? (int)(6 * u->s) : 3;
        krect bar = {u->view.x + u->view.w - bw - 2, bar_y, bw, bar_h};
        rn_box(u->r, bar, bw / 2, u->th->border, 0, u->th->border);
    }
}

/* ---- the widget list ---- */

static krect intersect(krect a, krect b)
{
    int x1 = a.x > b.x ? a.x : b.x, y1 = a.y > b.y ? a.y : b.y;
    int x2 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
    int y2 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    krect r = {x1, y1, x2 > x1 ? x2 - x1 : 0, y2 > y1 ? y2 - y1 : 0};
    if (r.w == 0 || r.h == 0)
        r.w = r.h = 0;
    return r;
}

void ui_focus_ring(ui *u, krect r)
{
    int t = (int)(3 * u->s) > 2 ? (int)(3 * u->s) : 2;
    krect o = {r.x - t - 1, r.y - t - 1, r.w + 2 * t + 2, r.h + 2 * t + 2};
    /* An outline: four bars, so the widget underneath stays visible. */
    rn_fill(u->r, (krect){o.x, o.y, o.w, t}, u->th->focus);
    rn_fill(u->r, (krect){o.x, o.y + o.h - t, o.w, t}, u->th->focus);
    rn_fill(u->r, (krect){o.x, o.y, t, o.h}, u->th->focus);
    rn_fill(u->r, (krect){o.x + o.w - t, o.y, t, o.h}, u->th->focus);
}

krect ui_add(ui *u, const char *id, const char *role, const char *label, krect r, bool enabled,
             int checked, const char *value, bool focusable)
{
    krect clip = u->in_scroll ? u->view : (krect){0, 0, u->w, u->h};
    krect vis = intersect(r, clip);
    if (!u->drawing || !id)
        return vis;
    ui_list *l = &u->cur;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        ui_widget *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return vis;
        l->items = items;
        l->cap = cap;
    }
    ui_widget *w = &l->items[l->n++];
    memset(w, 0, sizeof *w);
    snprintf(w->id, sizeof w->id, "%s", id);
    w->role = role;
    w->label = dup_or_null(label ? label : "");
    w->value = dup_or_null(value);
    w->r = vis;
    w->in_scroll = u->in_scroll;
    w->full = r;
    if (u->in_scroll)
        w->full.y = r.y - u->view.y + u->scroll;
    w->enabled = enabled;
    w->focusable = focusable && enabled;
    w->focused = ui_focused(u, id);
    w->has_checked = checked >= 0;
    w->checked = checked > 0;
    if (w->focused && u->focus_ring && vis.w > 0) {
        if (u->in_scroll)
            rn_clip(u->r, &u->view);
        ui_focus_ring(u, r);
    }
    return vis;
}

ui_widget *ui_last(ui *u)
{
    return u->drawing && u->cur.n ? &u->cur.items[u->cur.n - 1] : NULL;
}

/* ---- text ---- */

int ui_text_height(ui *u, const char *text, int w, rn_style st, int px)
{
    if (!text || !*text)
        return 0;
    size_t n = rn_wrap(u->r, st, px, text, w, NULL, 0);
    return (int)n * rn_line_height(u->r, st, px);
}

static int text_lines(ui *u, const char *id, const char *role, const char *text, krect r,
                      rn_style st, int px, kcolor c, bool center)
{
    if (!text)
        text = "";
    tw_line lines[MAX_LINES];
    size_t n = rn_wrap(u->r, st, px, text, r.w, lines, MAX_LINES);
    if (n > MAX_LINES)
        n = MAX_LINES;
    int lh = rn_line_height(u->r, st, px);
    int h = *text ? (int)n * lh : 0;
    if (u->drawing) {
        krect clip = u->in_scroll ? u->view : (krect){0, 0, u->w, u->h};
        for (size_t i = 0; i < n; i++) {
            int y = r.y + (int)i * lh;
            if (y + lh < clip.y || y > clip.y + clip.h)
                continue;
            const char *s = text + lines[i].start;
            int x = r.x;
            if (center)
                x += (r.w - rn_text_width(u->r, st, px, s, lines[i].len)) / 2;
            rn_text(u->r, st, px, c, x, y, s, lines[i].len);
        }
        if (id)
            ui_add(u, id, role, text, (krect){r.x, r.y, r.w, h}, true, -1, NULL, false);
    }
    return h;
}

int ui_text(ui *u, const char *id, const char *role, const char *text, krect r, rn_style st,
            int px, kcolor c)
{
    return text_lines(u, id, role, text, r, st, px, c, false);
}

int ui_text_centered(ui *u, const char *id, const char *role, const char *text, krect r,
                     rn_style st, int px, kcolor c)
{
    return text_lines(u, id, role, text, r, st, px, c, true);
}

void ui_label(ui *u, const char *text, krect r, rn_style st, int px, kcolor c, bool center)
{
    if (!u->drawing || !text || !*text)
        return;
    size_t len = strlen(text);
    int w = rn_text_width(u->r, st, px, text, len);
    /* Too wide: a smaller size first, then cut with an ellipsis. */
    while (w > r.w && px > u->px_small * 3 / 4) {
        px--;
        w = rn_text_width(u->r, st, px, text, len);
    }
    char buf[512];
    if (w > r.w) {
        size_t cut = len < sizeof buf - 4 ? len : sizeof buf - 4;
        for (;;) {
            while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
                cut--;
            memcpy(buf, text, cut);
            memcpy(buf + cut, "\xE2\x80\xA6", 4);
            w = rn_text_width(u->r, st, px, buf, cut + 3);
            if (w <= r.w || cut == 0)
                break;
            cut--;
        }
        text = buf;
        len = strlen(buf);
    }
    int lh = rn_line_height(u->r, st, px);
    int x = center ? r.x + (r.w - w) / 2 : r.x;
    rn_text(u->r, st, px, c, x, r.y + (r.h - lh) / 2, text, len);
}

/* ---- widgets ---- */

static bool activated(ui *u, const char *id, bool enabled)
{
    return !u->drawing && enabled && u->clicked[0] && strcmp(u->clicked, id) == 0;
}

bool ui_button(ui *u, const char *id, const char *label, krect r, unsigned flags)
{
    bool enabled = !(flags & UI_DISABLED);
    if (u->drawing) {
        const ktheme *t = u->th;
        kcolor fill = t->surface, fg = t->text, border = t->border;
        int thick = (int)(2 * u->s) > 1 ? (int)(2 * u->s) : 1;
        if (!enabled) {
            fill = t->disabled, fg = t->on_disabled, border = t->disabled;
        } else if (flags & UI_PRIMARY) {
            fill = t->primary, fg = t->on_primary, border = t->primary;
        } else if (flags & UI_DANGER) {
            fg = t->error, border = t->error;
        }
        if (enabled && ui_is_pressed(u, id) && u->pointer_down) {
            fill = t->selected, fg = t->on_selected;
        }
        rn_box(u->r, r, u->radius, fill, thick, border);
        int px = (flags & UI_LARGE) ? u->px_title : u->px_body;
        krect in = {r.x + u->pad / 2, r.y, r.w - u->pad, r.h};
        ui_label(u, label, in, RN_BOLD, px, fg, true);
        ui_add(u, id, "button", label, r, enabled, -1, NULL, !(flags & UI_NOFOCUS));
        if ((flags & UI_PRIMARY) && u->cur.n && strcmp(u->cur.items[u->cur.n - 1].id, id) == 0)
            u->cur.items[u->cur.n - 1].primary = true;
    }
    return activated(u, id, enabled);
}

int ui_choice_text_width(const ui *u, int w)
{
    return w - u->target * 6 / 10 - 3 * u->pad;
}

int ui_choice_height(ui *u, const char *label, int w)
{
    int h = ui_text_height(u, label, ui_choice_text_width(u, w), RN_REGULAR, u->px_body) +
            u->pad * 3 / 2;
    return h > u->target ? h : u->target;
}

static void draw_tick(ui *u, krect b, kcolor c)
{
    int t = b.w / 7 > 2 ? b.w / 7 : 2;
    int x1 = b.x + b.w / 5, y1 = b.y + b.h / 2;
    int x2 = b.x + b.w * 2 / 5, y2 = b.y + b.h * 3 / 4;
    int x3 = b.x + b.w * 4 / 5, y3 = b.y + b.h / 4;
    rn_line(u->r, x1, y1, x2, y2, t, c);
    rn_line(u->r, x2, y2, x3, y3, t, c);
}

static void draw_indicator(ui *u, krect b, bool checked, bool radio, bool on_selected)
{
    const ktheme *t = u->th;
    int thick = (int)(2 * u->s) > 2 ? (int)(2 * u->s) : 2;
    kcolor edge = checked ? (on_selected ? t->on_selected : t->primary) : t->border;
    if (radio) {
        rn_circle(u->r, b.x + b.w / 2, b.y + b.h / 2, b.w / 2, edge);
        rn_circle(u->r, b.x + b.w / 2, b.y + b.h / 2, b.w / 2 - thick, t->surface);
        if (checked)
            rn_circle(u->r, b.x + b.w / 2, b.y + b.h / 2, b.w / 4, edge);
    } else {
        rn_box(u->r, b, u->radius / 2, checked ? edge : t->surface, thick, edge);
        if (checked)
            draw_tick(u, b, t->surface);
    }
}

bool ui_choice(ui *u, const char *id, const char *label, krect r, bool checked, bool radio,
               unsigned flags)
{
    return ui_choice_ex(u, id, label, r, checked, radio, flags, 0, NULL);
}

bool ui_choice_ex(ui *u, const char *id, const char *label, krect r, bool checked, bool radio,
                  unsigned flags, int below, krect *below_at)
{
    bool enabled = !(flags & UI_DISABLED);
    int box = u->target * 6 / 10;
    if (below_at) {
        int tx = r.x + u->pad + box + u->pad;
        *below_at = (krect){tx, r.y + r.h - below, r.x + r.w - u->pad - tx, below - u->pad / 2};
    }
    krect lr = {r.x, r.y, r.w, r.h - below}; /* the label's part of the row */
    if (u->drawing) {
        const ktheme *t = u->th;
        int thick = checked ? (int)(3 * u->s) : (int)(1 * u->s);
        if (thick < 1)
            thick = 1;
        rn_box(u->r, r, u->radius, checked ? t->selected : t->surface, thick,
               checked ? t->primary : t->border);
        krect b = {r.x + u->pad, lr.y + (lr.h - box) / 2, box, box};
        draw_indicator(u, b, checked, radio, checked);
        int tx = b.x + box + u->pad;
        int th = ui_text_height(u, label, r.x + r.w - u->pad - tx, RN_REGULAR, u->px_body);
        ui_text(u, NULL, NULL, label, (krect){tx, lr.y + (lr.h - th) / 2, r.x + r.w - u->pad - tx, th},
                RN_REGULAR, u->px_body, checked ? t->on_selected : (enabled ? t->text : t->muted));
        ui_add(u, id, radio ? "radio" : "checkbox", label, r, enabled, checked, NULL, true);
    }
    return activated(u, id, enabled);
}

bool ui_cell(ui *u, const char *id, const char *label, const char *shown, krect r, bool checked,
             bool circle, bool radio)
{
    if (u->drawing) {
        const ktheme *t = u->th;
        int thick = checked ? (int)(3 * u->s) : 1;
        if (thick < 1)
            thick = 1;
        rn_box(u->r, r, u->radius, checked ? t->selected : t->surface, thick,
               checked ? t->primary : t->border);
        if (circle) {
            int d = (r.h < r.w ? r.h : r.w) * 5 / 10;
            krect b = {r.x + (r.w - d) / 2, r.y + (r.h - d) / 2, d, d};
            draw_indicator(u, b, checked, radio, true);
        }
        if (shown)
            ui_label(u, shown, r, RN_BOLD, u->px_body, checked ? t->on_selected : t->text, true);
        ui_add(u, id, radio ? "radio" : "checkbox", label, r, true, checked, NULL, true);
    }
    return activated(u, id, true);
}

void ui_utf8_pop(char *buf)
{
    size_t n = strlen(buf);
    while (n > 0) {
        n--;
        if (((unsigned char)buf[n] & 0xC0) != 0x80)
            break;
    }
    buf[n] = '\0';
}

/* ---- text boxes ---- */

static uint64_t fnv64(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static void wrap_cache_drop(ui_wrap_cache *c)
{
    if (c->hash)
        sodium_memzero(c->hash, c->cap * sizeof *c->hash); /* derived from an answer */
    free(c->lines);
    free(c->hash);
    memset(c, 0, sizeof *c);
}

static void wrap_caches_free(ui *u)
{
    if (!u->wraps)
        return;
    for (size_t i = 0; i < UI_WRAP_CACHES; i++)
        wrap_cache_drop(&u->wraps[i]);
    free(u->wraps);
    u->wraps = NULL;
}

/* The line breaks of text[0, len) (NUL-terminated) at width w for box id.
 * Lines whose bytes are unchanged since the last frame are kept; wrapping
 * restarts one line before the first changed one (a shorter word at the
 * start of a line may move back up), so typing or Backspace at the end
 * re-wraps two lines, whatever the length of the entry.  Returns NULL (the
 * caller falls back to a full wrap) when memory is short. */
static const tw_line *wrapped(ui *u, const char *id, const char *text, size_t len, int w, int px,
                              size_t *n_out)
{
    if (!u->wraps && !(u->wraps = calloc(UI_WRAP_CACHES, sizeof *u->wraps)))
        return NULL;
    ui_wrap_cache *c = NULL, *victim = &u->wraps[0];
    for (size_t i = 0; i < UI_WRAP_CACHES; i++) {
        if (strcmp(u->wraps[i].id, id) == 0) {
            c = &u->wraps[i];
            break;
        }
        if (u->wraps[i].used < victim->used)
            victim = &u->wraps[i];
    }
    if (!c) {
        c = victim;
        wrap_cache_drop(c);
        snprintf(c->id, sizeof c->id, "%s", id);
    }
    c->used = ++u->wrap_tick;
    if (c->width != w || c->px != px)
        c->n = 0;
    /* The first line that is not known to be the same. */
    size_t k = 0;
    while (k < c->n) {
        size_t start = c->lines[k].start;
        size_t end = k + 1 < c->n ? c->lines[k + 1].start : c->len;
        bool last = k + 1 == c->n;
        if (end > len || fnv64(text + start, end - start) != c->hash[k] || (last && len != c->len))
            break;
        k++;
    }
    if (k == c->n && c->n > 0) {
        *n_out = c->n;
        return c->lines;
    }
    size_t from = k > 0 ? k - 1 : 0;
    size_t off = from > 0 ? c->lines[from].start : 0;
    /* Wrap the rest, growing the array until it holds every line.  Room for
     * a line per 8 bytes first, so a long paste is wrapped once, not once to
     * count and again to fill. */
    size_t guess = from + (len - off) / 8 + 16;
    if (c->cap < guess) {
        tw_line *nl = realloc(c->lines, guess * sizeof *nl);
        if (nl)
            c->lines = nl;
        uint64_t *nh = realloc(c->hash, guess * sizeof *nh);
        if (nh)
            c->hash = nh;
        if (!nl || !nh) {
            wrap_cache_drop(c);
            return NULL;
        }
        c->cap = guess;
    }
    for (;;) {
        size_t room = c->cap > from ? c->cap - from : 0;
        size_t m = rn_wrap(u->r, RN_REGULAR, px, text + off, w, room ? c->lines + from : NULL,
                           room);
        if (from + m <= c->cap) {
            c->n = from + m;
            break;
        }
        size_t cap = (from + m) * 2 + 16;
        tw_line *nl = realloc(c->lines, cap * sizeof *nl);
        if (nl)
            c->lines = nl;
        uint64_t *nh = realloc(c->hash, cap * sizeof *nh);
        if (nh)
            c->hash = nh;
        if (!nl || !nh) {
            wrap_cache_drop(c);
            return NULL;
        }
        c->cap = cap;
    }
    for (size_t i = from; i < c->n; i++)
        c->lines[i].start += off;
    for (size_t i = from; i < c->n; i++) {
        size_t end = i + 1 < c->n ? c->lines[i + 1].start : len;
        c->hash[i] = fnv64(text + c->lines[i].start, end - c->lines[i].start);
    }
    c->len = len;
    c->width = w;
    c->px = px;
    *n_out = c->n;
    return c->lines;
}

/* The text cursor: a bar after the last character, so it is never part of
 * the measured or cached text. */
static void draw_cursor(ui *u, int x, int y, int lh)
{
    int cw = (int)(2 * u->s) > 2 ? (int)(2 * u->s) : 2;
    rn_fill(u->r, (krect){x + 1, y + lh / 8, cw, lh - lh / 4}, u->th->text);
}

static void textbox_draw(ui *u, const char *id, krect in, krect r, const char *text, size_t len,
                         bool multiline, bool focused)
{
    const ktheme *t = u->th;
    int px = u->px_body;
    int lh = rn_line_height(u->r, RN_REGULAR, px);
    krect clip = in;
    if (u->in_scroll) {
        /* stay inside the scroll view as well */
        int x1 = clip.x > u->view.x ? clip.x : u->view.x;
        int y1 = clip.y > u->view.y ? clip.y : u->view.y;
        int x2 = clip.x + clip.w < u->view.x + u->view.w ? clip.x + clip.w : u->view.x + u->view.w;
        int y2 = clip.y + clip.h < u->view.y + u->view.h ? clip.y + clip.h : u->view.y + u->view.h;
        clip = (krect){x1, y1, x2 > x1 ? x2 - x1 : 0, y2 > y1 ? y2 - y1 : 0};
    }
    int cursor_w = focused ? (int)(2 * u->s) + 3 : 0;
    rn_clip(u->r, &clip);
    if (multiline) {
        size_t n = 0;
        const tw_line *lines = wrapped(u, id, text, len, in.w - cursor_w, px, &n);
        tw_line one;
        if (!lines) {
            /* Out of memory for the cache: show the last paragraph's start rather than nothing. */
            size_t m = rn_wrap(u->r, RN_REGULAR, px, text, in.w - cursor_w, &one, 1);
            (void)m;
            lines = &one;
            n = 1;
        }
        /* Show the last lines: that is where typing happens. */
        size_t vis = in.h / lh > 0 ? (size_t)(in.h / lh) : 1;
        size_t first = n > vis ? n - vis : 0;
        for (size_t i = first; i < n; i++)
            rn_text(u->r, RN_REGULAR, px, t->text, in.x, in.y + (int)(i - first) * lh,
                    text + lines[i].start, lines[i].len);
        if (focused && n > 0) {
            const tw_line *l = &lines[n - 1];
            int x = in.x + rn_text_width(u->r, RN_REGULAR, px, text + l->start, l->len);
            draw_cursor(u, x, in.y + (int)(n - 1 - first) * lh, lh);
        }
    } else {
        /* Show the end of a long entry: walk back one grapheme cluster at a
         * time, measuring only what fits (O(visible), not O(length)). */
        int avail = in.w - cursor_w, acc = 0;
        size_t start = len;
        while (start > 0) {
            size_t p = tw_cluster_prev(text, start);
            int cw = rn_text_width(u->r, RN_REGULAR, px, text + p, start - p);
            if (acc + cw > avail && start < len)
                break;
            acc += cw;
            start = p;
            if (acc > avail)
                break;
        }
        int y = r.y + (r.h - lh) / 2;
        rn_text(u->r, RN_REGULAR, px, t->text, in.x, y, text + start, len - start);
        if (focused) {
            int x = in.x + rn_text_width(u->r, RN_REGULAR, px, text + start, len - start);
            if (x > in.x + in.w - cursor_w)
                x = in.x + in.w - cursor_w;
            draw_cursor(u, x, y, lh);
        }
    }
    rn_clip(u->r, u->in_scroll ? &u->view : NULL);
}

/* Typed or pasted text as it may be stored: no control characters; in a
 * one-line box a line break or tab becomes a space, in a multi-line box a
 * tab becomes a space and CR LF / CR a line break. */
static char *clean_input(const char *s, bool multiline)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') {
            if (s[i + 1] == '\n')
                continue;
            c = '\n';
        }
        if (c == '\n')
            o[j++] = multiline ? '\n' : ' ';
        else if (c == '\t')
            o[j++] = ' ';
        else if (c >= 0x20 && c != 0x7F)
            o[j++] = (char)c;
    }
    o[j] = '\0';
    return o;
}

static void wipe_free(char *s, size_t n)
{
    if (!s)
        return;
    /* Participants' text: wiped before the memory goes back. */
    sodium_memzero(s, n);
    free(s);
}

bool ui_textbox_ex(ui *u, const char *id, const char *label, krect r, const char *value,
                   bool multiline, const char *composition, size_t max_chars, size_t max_bytes,
                   const char *paste, char **out)
{
    if (!value)
        value = "";
    *out = NULL;
    bool focused = ui_focused(u, id);
    size_t have = strlen(value);
    if (u->drawing) {
        const ktheme *t = u->th;
        if (!focused && strcmp(u->refused, id) == 0)
            u->refused[0] = '\0';
        int thick = focused ? (int)(3 * u->s) : (int)(2 * u->s);
        if (thick < 1)
            thick = 1;
        rn_box(u->r, r, u->radius / 2, t->surface, thick, focused ? t->primary : t->border);
        krect in = {r.x + u->pad, r.y + u->pad / 2, r.w - 2 * u->pad, r.h - u->pad};
        size_t clen = composition ? strlen(composition) : 0;
        char *shown = clen ? malloc(have + clen + 1) : NULL;
        if (shown) {
            memcpy(shown, value, have);
            memcpy(shown + have, composition, clen + 1);
        }
        textbox_draw(u, id, in, r, shown ? shown : value, shown ? have + clen : have, multiline,
                     focused);
        wipe_free(shown, have + clen);
        if (composition && *composition) {
            int lh = rn_line_height(u->r, RN_REGULAR, u->px_body);
            rn_fill(u->r, (krect){in.x, r.y + (r.h + lh) / 2, in.w / 3, 2}, t->primary);
        }
        ui_add(u, id, "textbox", label, r, true, -1, value, true);
        if (ui_last(u))
            ui_last(u)->multiline = multiline;
        return false;
    }
    if (!focused)
        return false;
    const char *add = NULL;
    if (paste)
        add = paste;
    else if (u->ev.kind == UI_EV_TEXT)
        add = u->ev.text;
    else if (u->ev.kind == UI_EV_KEY && multiline &&
             (u->ev.key == SDLK_RETURN || u->ev.key == SDLK_KP_ENTER))
        add = "\n";
    if (u->ev.kind == UI_EV_KEY && u->ev.key == SDLK_BACKSPACE && !paste) {
        if (!*value)
            return false;
        size_t cut = tw_cluster_prev(value, have);
        char *o = malloc(cut + 1);
        if (!o)
            return false;
        memcpy(o, value, cut);
        o[cut] = '\0';
        u->refused[0] = '\0';
        *out = o;
        return true;
    }
    if (!add)
        return false;
    char *clean = clean_input(add, multiline);
    if (!clean)
        return false;
    size_t n = strlen(clean);
    if (n == 0) {
        wipe_free(clean, 0);
        return false;
    }
    /* Whole or nothing: an input that would go over the limit is refused as
     * one piece, so an answer never has a hole where a piece was dropped. */
    if (have + n > max_bytes || tw_cp_count(value, have) + tw_cp_count(clean, n) > max_chars) {
        snprintf(u->refused, sizeof u->refused, "%s", id);
        wipe_free(clean, n);
        return false;
    }
    char *o = malloc(have + n + 1);
    if (!o) {
        wipe_free(clean, n);
        return false;
    }
    memcpy(o, value, have);
    memcpy(o + have, clean, n + 1);
    wipe_free(clean, n);
    u->refused[0] = '\0';
    *out = o;
    return true;
}

bool ui_textbox(ui *u, const char *id, const char *label, krect r, const char *value,
                bool multiline, const char *composition, char *out, size_t size)
{
    char *o = NULL;
    if (size == 0)
        return false;
    bool changed = ui_textbox_ex(u, id, label, r, value, multiline, composition, (size_t)-1,
                                 size - 1, NULL, &o);
    if (changed && o) {
        snprintf(out, size, "%s", o);
        wipe_free(o, strlen(o));
    }
    return changed;
}
