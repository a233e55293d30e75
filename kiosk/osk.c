/* osk.c - the on-screen keyboard: QWERTY with shift, numbers and symbols,
 * an accents row on demand, and a numeric keypad for number, date, time and
 * PIN fields.  Keys are buttons with ids "osk/<key>" outside the Tab order;
 * a key press becomes typed text for the focused field (app.c). */
#include <stdio.h>
#include <string.h>

#include "app.h"

static const char *const row_digits[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", NULL};
static const char *const row_accents[] = {"é", "è", "ê", "à", "â", "ç", "ô", "û",
                                          "ü", "ö", "ñ", NULL};
static const char *const rows_letters[3][11] = {
    {"q", "w", "e", "r", "t", "y", "u", "i", "o", "p", NULL},
    {"a", "s", "d", "f", "g", "h", "j", "k", "l", NULL},
    {"z", "x", "c", "v", "b", "n", "m", NULL},
};
static const char *const rows_symbols[3][11] = {
    {"-", "/", ":", ";", "(", ")", "€", "£", "&", "@", NULL},
    {"'", "\"", ",", "?", "!", "#", "%", "+", "=", NULL},
    {"_", "*", "<", ">", "[", "]", "$", NULL},
};

static bool numeric(const app *a)
{
    return a->field == FIELD_INTEGER || a->field == FIELD_DECIMAL || a->field == FIELD_DATE ||
           a->field == FIELD_TIME;
}

int osk_height(app *a)
{
    if (!a->osk_visible)
        return 0;
    const ui *u = &a->ui;
    int rows = numeric(a) ? 4 : 5;
    return rows * u->target + u->pad;
}

/* "é" -> "É", "a" -> "A" for the two-byte Latin-1 range and ASCII. */
static void upper(const char *in, char *out, size_t size)
{
    snprintf(out, size, "%s", in);
    unsigned char *s = (unsigned char *)out;
    if (s[0] >= 'a' && s[0] <= 'z')
        s[0] = (unsigned char)(s[0] - 32);
    else if (s[0] == 0xC3 && s[1] >= 0xA0 && s[1] <= 0xBE && s[1] != 0xB7)
        s[1] = (unsigned char)(s[1] - 32);
}

static void key(app *a, const char *name, const char *label, krect r, unsigned flags)
{
    char id[UI_ID_MAX];
    snprintf(id, sizeof id, "osk/%s", name);
    if (!ui_button(&a->ui, id, label, r, flags | UI_NOFOCUS))
        return;
    if (strcmp(name, "backspace") == 0) {
        a->osk_backspace = true;
    } else if (strcmp(name, "shift") == 0) {
        a->osk_shift = !a->osk_shift;
    } else if (strcmp(name, "symbols") == 0) {
        a->osk_symbols = !a->osk_symbols;
    } else if (strcmp(name, "accents") == 0) {
        a->osk_accents = !a->osk_accents;
    } else if (strcmp(name, "done") == 0) {
        a->osk_visible = false;
        a->ui.focus[0] = '\0';
    } else if (strcmp(name, "space") == 0) {
        snprintf(a->osk_pending, sizeof a->osk_pending, " ");
    } else {
        snprintf(a->osk_pending, sizeof a->osk_pending, "%s", label);
        a->osk_shift = false; /* shift is for one letter, as on a phone */
    }
}

static void key_row(app *a, const char *const *keys, int x, int y, int kw, int kh, int gap)
{
    for (size_t i = 0; keys[i]; i++) {
        char label[16];
        if (a->osk_shift)
            upper(keys[i], label, sizeof label);
        else
            snprintf(label, sizeof label, "%s", keys[i]);
        key(a, keys[i], label, (krect){x + (int)i * kw + gap, y + gap, kw - 2 * gap, kh - 2 * gap},
            0);
    }
}

static size_t count(const char *const *keys)
{
    size_t n = 0;
    while (keys[n])
        n++;
    return n;
}

static void keypad(app *a, int top)
{
    ui *u = &a->ui;
    int kh = u->target, gap = 2;
    int w = u->target * 8 < u->w ? u->target * 8 : u->w;
    int kw = w / 4, x0 = (u->w - w) / 2;
    const char *extra1 = a->field == FIELD_TIME ? ":" : "-";
    const char *extra2 = a->field == FIELD_DECIMAL ? "." : NULL;
    const char *grid[4][4] = {{"1", "2", "3", "backspace"},
                              {"4", "5", "6", extra1},
                              {"7", "8", "9", extra2},
                              {NULL, "0", NULL, "done"}};
    if (a->field == FIELD_INTEGER || a->field == FIELD_DECIMAL)
        grid[1][3] = "-";
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            const char *k = grid[r][c];
            if (!k)
                continue;
            const char *label = strcmp(k, "backspace") == 0 ? "\xE2\x8C\xAB"
                                : strcmp(k, "done") == 0 ? app_str(a, "done") : k;
            krect b = {x0 + c * kw + gap, top + r * kh + gap, kw - 2 * gap, kh - 2 * gap};
            key(a, k, label, b, strcmp(k, "done") == 0 ? UI_PRIMARY : 0);
        }
}

void osk_draw(app *a)
{
    ui *u = &a->ui;
    int h = osk_height(a);
    int top = u->h - h;
    if (u->drawing) {
        rn_fill(a->r, (krect){0, top, u->w, h}, u->th->bg);
        rn_fill(a->r, (krect){0, top, u->w, 1}, u->th->border);
    }
    top += u->pad / 2;
    if (numeric(a)) {
        keypad(a, top);
        return;
    }
    int kh = u->target, gap = 2;
    int kw = u->w / 11;
    const char *const *first = a->osk_accents ? row_accents : row_digits;
    int x0 = (u->w - (int)count(first) * kw) / 2;
    key_row(a, first, x0, top, kw, kh, gap);
    const char *const (*rows)[11] = a->osk_symbols ? rows_symbols : rows_letters;
    for (int r = 0; r < 3; r++) {
        int n = (int)count(rows[r]);
        int y = top + (r + 1) * kh;
        int x = (u->w - n * kw) / 2;
        key_row(a, rows[r], x, y, kw, kh, gap);
        if (r == 2) {
            int side = x - gap * 2;
            if (side > kw * 3 / 2)
                side = kw * 3 / 2;
            key(a, "shift", "\xE2\x87\xA7", (krect){x - side - gap, y + gap, side, kh - 2 * gap},
                a->osk_shift ? UI_PRIMARY : 0);
            key(a, "backspace", "\xE2\x8C\xAB",
                (krect){x + n * kw + gap, y + gap, side, kh - 2 * gap}, 0);
        }
    }
    int y = top + 4 * kh;
    int unit = u->w / 11;
    key(a, "symbols", a->osk_symbols ? "abc" : "?123", (krect){unit / 2, y + gap, unit * 3 / 2, kh - 2 * gap},
        0);
    key(a, "accents", "\xC3\xA0\xC3\xA9", (krect){unit * 2 + gap, y + gap, unit * 3 / 2, kh - 2 * gap},
        a->osk_accents ? UI_PRIMARY : 0);
    key(a, "space", "space", (krect){unit * 4, y + gap, unit * 4, kh - 2 * gap}, 0);
    key(a, ".", ".", (krect){unit * 8 + gap, y + gap, unit, kh - 2 * gap}, 0);
    key(a, "done", app_str(a, "done"), (krect){unit * 9 + gap, y + gap, unit * 3 / 2, kh - 2 * gap},
        UI_PRIMARY);
}
