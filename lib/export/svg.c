/* svg.c - charts as inline SVG: horizontal bars (also by group), Likert
 * scales (diverging for bipolar scales, stacked for unipolar ones),
 * histograms.  Every text is escaped; no scripts, no external references, so
 * the report stays one safe self-contained file.  Sizes are in a viewBox so
 * the charts scale with the page (and with the printed page).
 *
 * Labels are wrapped onto as many lines as they need (a row grows with its
 * label) instead of being cut: the width of a text is estimated from its
 * characters (svg_text_px), since an SVG has no layout engine of its own. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"

#define BAR_H 22
#define LINE_H 14
#define FONT_PX 12
#define LABEL_W 230
#define AREA_W 300
#define CAPTION_W 110
#define PCT_W 44

/* ---- text width and wrapping ------------------------------------------ */

static size_t utf8_len(unsigned char b)
{
    return b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
}

static uint32_t utf8_at(const char *s, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = utf8_len(p[0]);
    uint32_t c = n == 1 ? p[0] : n == 2 ? (p[0] & 0x1Fu) : n == 3 ? (p[0] & 0x0Fu) : (p[0] & 0x07u);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *len = 1;
            return 0xFFFD;
        }
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    *len = n;
    return c;
}

/* Estimated width at 12 px of a sans-serif font: a wide (CJK, emoji)
 * character is an em, a narrow one a little over half of it. */
static double char_px(uint32_t c)
{
    int w = codepoint_width(c);
    return w == 2 ? FONT_PX : w == 0 ? 0 : c == ' ' ? 3.4 : 6.8;
}

double svg_text_px(const char *s, size_t n)
{
    double px = 0;
    for (size_t i = 0; i < n && s[i];) {
        size_t len;
        px += char_px(utf8_at(s + i, &len));
        i += len;
    }
    return px;
}

size_t svg_wrap(const char *s, double max_px, svg_line *lines, size_t max_lines)
{
    size_t n = 0, start = 0, len = strlen(s);
    while (start < len && n < max_lines) {
        while (s[start] == ' ')
            start++;
        if (start >= len)
            break;
        double px = 0;
        size_t i = start, last_break = 0; /* end of the last word that fits */
        while (i < len) {
            size_t clen;
            uint32_t c = utf8_at(s + i, &clen);
            if (c == ' ')
                last_break = i;
            double w = char_px(c);
            if (px + w > max_px && i > start)
                break;
            px += w;
            i += clen;
            /* A wide character may end a line (Chinese has no spaces). */
            if (codepoint_width(c) == 2)
                last_break = i;
        }
        size_t end = i;
        if (i < len && last_break > start)
            end = last_break;
        if (n + 1 == max_lines && end < len) {
            end = len;   /* the last line allowed takes the rest */
        }
        lines[n].start = start;
        lines[n].len = end - start;
        while (lines[n].len && s[start + lines[n].len - 1] == ' ')
            lines[n].len--;
        n++;
        start = end;
    }
    return n;
}

/* A wrapped label as <text> with one <tspan> per line, its first line's
 * baseline at y; anchor "start" or "end" at x.  Returns the number of lines. */
#define MAX_LINES 8
static size_t wrapped_text(xbuf *b, const char *s, double x, double y, double max_px,
                           const char *anchor)
{
    svg_line lines[MAX_LINES];
    size_t n = svg_wrap(s, max_px, lines, MAX_LINES);
    xb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
    for (size_t i = 0; i < n; i++) {
        xb_printf(b, "<tspan x=\"%.1f\" dy=\"%d\">", x, i ? LINE_H : 0);
        char *part = strndup(s + lines[i].start, lines[i].len);
        if (!part) {
            b->nomem = true;
            return n;
        }
        xb_html(b, part);
        free(part);
        xb_put(b, "</tspan>");
    }
    xb_put(b, "</text>");
    return n ? n : 1;
}

static size_t label_lines(const char *s, double max_px)
{
    svg_line lines[MAX_LINES];
    size_t n = svg_wrap(s, max_px, lines, MAX_LINES);
    return n ? n : 1;
}

/* Height of a row whose label takes `lines` lines. */
static int row_h(size_t lines)
{
    int h = (int)lines * LINE_H + 8;
    return h > BAR_H ? h : BAR_H;
}

static void svg_open(xbuf *b, int w, int h, const char *title)
{
    xb_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\"",
              w, h, w, h);
    if (title) {
        xb_put(b, " aria-label=\"");
        xb_html(b, title);
        xb_put(b, "\"");
    }
    xb_put(b, ">");
}

/* ---- bars -------------------------------------------------------------- */

void svg_bars(xbuf *b, const svg_bar *bars, size_t n)
{
    int w = LABEL_W + AREA_W + CAPTION_W, h = 4;
    for (size_t i = 0; i < n; i++)
        h += row_h(label_lines(bars[i].label, LABEL_W - 10));
    svg_open(b, w, h, NULL);
    int y = 2;
    for (size_t i = 0; i < n; i++) {
        int rh = row_h(label_lines(bars[i].label, LABEL_W - 10));
        int mid = y + rh / 2;   /* the bar sits in the middle of its row */
        double share = bars[i].of ? (double)bars[i].count / (double)bars[i].of : 0;
        char cap[48];
        stats_freq(cap, sizeof cap, bars[i].count, bars[i].of);
        wrapped_text(b, bars[i].label, 4, y + 15, LABEL_W - 10, "start");
        xb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"track\"/>",
                  LABEL_W, mid - 8, AREA_W, BAR_H - 6);
        xb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" class=\"bar\"/>", LABEL_W,
                  mid - 8, share * AREA_W, BAR_H - 6);
        xb_printf(b, "<text x=\"%d\" y=\"%d\">%s</text>", LABEL_W + AREA_W + 6, mid + 5, cap);
        y += rh;
    }
    xb_put(b, "</svg>\n");
}

/* Colour-blind-safe categories (Okabe and Ito) for the groups of --by. */
static const char *const group_colours[] = {"#0072b2", "#e69f00", "#009e73", "#cc79a7",
                                            "#56b4e9", "#d55e00", "#f0e442", "#000000"};
#define N_GROUP_COLOURS (sizeof group_colours / sizeof *group_colours)

const char *svg_group_colour(size_t g)
{
    return group_colours[g % N_GROUP_COLOURS];
}

/* A legend of coloured squares and wrapped labels, three to a line, from y;
 * returns its height. */
static int legend(xbuf *b, int y, int w, const char *const *labels, char (*colours)[8], size_t n,
                  bool draw)
{
    int col_w = (w - 10) / 3, h = 0;
    for (size_t row = 0; row * 3 < n; row++) {
        size_t most = 1;
        for (size_t k = row * 3; k < n && k < row * 3 + 3; k++) {
            size_t l = label_lines(labels[k], col_w - 22);
            most = l > most ? l : most;
        }
        for (size_t k = row * 3; draw && k < n && k < row * 3 + 3; k++) {
            int lx = 10 + (int)(k % 3) * col_w;
            xb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", lx,
                      y + h, colours[k]);
            wrapped_text(b, labels[k], lx + 16, y + h + 11, col_w - 22, "start");
        }
        h += (int)most * LINE_H + 4;
    }
    return h;
}

void svg_grouped_bars(xbuf *b, const svg_bar *items, size_t n_items, const char *const *groups,
                      size_t n_groups, const size_t *counts, const size_t *of)
{
    int w = LABEL_W + AREA_W + CAPTION_W;
    const int sub = 14;   /* one thin bar per group */
    char (*colours)[8] = calloc(n_groups + 1, sizeof *colours);
    if (!colours) {
        b->nomem = true;
        return;
    }
    for (size_t g = 0; g < n_groups; g++)
        memcpy(colours[g], svg_group_colour(g), 8);
    int h = 4;
    for (size_t i = 0; i < n_items; i++) {
        int lh = (int)label_lines(items[i].label, LABEL_W - 10) * LINE_H + 8;
        int bh = (int)n_groups * sub + 8;
        h += lh > bh ? lh : bh;
    }
    int leg = legend(b, 0, w, groups, colours, n_groups, false);
    svg_open(b, w, h + leg + 8, NULL);
    int y = 2;
    for (size_t i = 0; i < n_items; i++) {
        int lh = (int)label_lines(items[i].label, LABEL_W - 10) * LINE_H + 8;
        int bh = (int)n_groups * sub + 8;
        int rh = lh > bh ? lh : bh;
        wrapped_text(b, items[i].label, 4, y + 15, LABEL_W - 10, "start");
        for (size_t g = 0; g < n_groups; g++) {
            size_t c = counts[i * n_groups + g];
            double share = of[g] ? (double)c / (double)of[g] : 0;
            int by = y + 4 + (int)g * sub;
            char cap[48];
            stats_freq(cap, sizeof cap, c, of[g]);
            xb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>",
                      LABEL_W, by, share * AREA_W, sub - 3, colours[g]);
            xb_html(b, groups[g]);
            xb_printf(b, ": %s</title></rect>", cap);
            xb_printf(b, "<text x=\"%d\" y=\"%d\" class=\"small\">%s</text>", LABEL_W + AREA_W + 6,
                      by + 10, cap);
        }
        xb_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>", LABEL_W, y + 2,
                  LABEL_W, y + rh - 2);
        y += rh;
    }
    legend(b, y + 6, w, groups, colours, n_groups, true);
    xb_put(b, "</svg>\n");
    free(colours);
}

/* ---- rating scales ------------------------------------------------------ */

static void mix(char out[8], const unsigned char from[3], const unsigned char to[3], double t)
{
    unsigned char c[3];
    for (int k = 0; k < 3; k++)
        c[k] = (unsigned char)lround(from[k] + (to[k] - from[k]) * t);
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

/* Bipolar: the negative half in reds, the positive half in blues, mirrored
 * step for step, so that "strongly disagree" and "strongly agree" are
 * equally strong on every scale length and no step is skipped; the middle
 * of an odd scale is a neutral grey.  Unipolar: one hue from pale to dark.
 * The end colours are ColorBrewer's RdBu and Blues (colour-blind safe). */
void svg_scale_colours(size_t n, bool bipolar, char (*out)[8])
{
    static const unsigned char red[3] = {0xb2, 0x18, 0x2b}, red_pale[3] = {0xf8, 0xc9, 0xb4},
                               blue[3] = {0x21, 0x66, 0xac}, blue_pale[3] = {0xc6, 0xdf, 0xee},
                               seq_pale[3] = {0xd6, 0xe6, 0xf4}, seq_dark[3] = {0x08, 0x30, 0x6b};
    if (!bipolar) {
        for (size_t i = 0; i < n; i++)
            mix(out[i], seq_pale, seq_dark, n > 1 ? (double)i / (double)(n - 1) : 1);
        return;
    }
    size_t half = n / 2;
    for (size_t i = 0; i < n; i++) {
        if (i < half) {
            size_t from_middle = half - i;   /* 1 next to the middle .. half at the edge */
            mix(out[i], red_pale, red, half > 1 ? (double)(from_middle - 1) / (double)(half - 1) : 1);
        } else if (i >= n - half) {
            size_t from_middle = i - (n - half) + 1;
            mix(out[i], blue_pale, blue, half > 1 ? (double)(from_middle - 1) / (double)(half - 1) : 1);
        } else {
            memcpy(out[i], "#d9d9d9", 8);
        }
    }
}

/* Does a label of the scale speak of agreeing?  Then the captions say
 * "% disagree" and "% agree"; otherwise "% below" and "% above" the middle. */
static bool speaks_of_agreeing(const char *const *labels, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (labels[i] && strcasestr(labels[i], "agree"))
            return true;
    return false;
}

void svg_likert(xbuf *b, const svg_drow *rows, size_t n_rows, const char *const *choice_labels,
                size_t n_choices, bool bipolar)
{
    int w = LABEL_W + PCT_W + AREA_W + CAPTION_W;
    const int x0 = LABEL_W + PCT_W;              /* where the bar area starts */
    double centre = x0 + AREA_W / 2.0, half_w = AREA_W / 2.0;
    size_t half = n_choices / 2;
    bool middle = n_choices % 2 == 1;
    char (*colours)[8] = calloc(n_choices + 1, sizeof *colours);
    if (!colours) {
        b->nomem = true;
        return;
    }
    svg_scale_colours(n_choices, bipolar, colours);
    bool agree = speaks_of_agreeing(choice_labels, n_choices);
    int head = bipolar ? 18 : 4;
    int body = 0;
    for (size_t r = 0; r < n_rows; r++)
        body += row_h(label_lines(rows[r].label, LABEL_W - 10));
    int leg = legend(b, 0, w, choice_labels, colours, n_choices, false);
    svg_open(b, w, head + body + 8 + leg + 4, NULL);
    if (bipolar) {
        xb_printf(b, "<text x=\"%d\" y=\"12\" text-anchor=\"end\" class=\"small\">%s</text>",
                  x0 - 4, agree ? "% disagree" : "% below");
        xb_printf(b, "<text x=\"%d\" y=\"12\" class=\"small\">%s</text>", x0 + AREA_W + 6,
                  agree ? "% agree" : "% above");
    }
    int y = head;
    for (size_t r = 0; r < n_rows; r++) {
        int rh = row_h(label_lines(rows[r].label, LABEL_W - 10));
        int mid = y + rh / 2;
        double total = (double)rows[r].total;
        size_t neg_n = 0, pos_n = 0;
        for (size_t c = 0; c < half; c++) {
            neg_n += rows[r].counts[c];
            pos_n += rows[r].counts[n_choices - 1 - c];
        }
        wrapped_text(b, rows[r].label, 4, y + 15, LABEL_W - 10, "start");
        /* Bipolar: the negative half (and half of the middle) left of the
         * centre line.  Unipolar: one bar from the left edge. */
        double neg = (double)neg_n + (middle ? (double)rows[r].counts[half] / 2 : 0);
        double x = !bipolar ? x0 : total > 0 ? centre - neg / total * half_w : centre;
        double scale_w = bipolar ? half_w : AREA_W;
        if (!bipolar)
            xb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"track\"/>", x0,
                      mid - 8, AREA_W, BAR_H - 6);
        for (size_t c = 0; c < n_choices && total > 0; c++) {
            double seg = (double)rows[r].counts[c] / total * scale_w;
            if (seg <= 0)
                continue;
            xb_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>",
                      x, mid - 8, seg, BAR_H - 6, colours[c]);
            xb_html(b, choice_labels[c]);
            char cap[48];
            stats_freq(cap, sizeof cap, rows[r].counts[c], rows[r].total);
            xb_printf(b, ": %s</title></rect>", cap);
            x += seg;
        }
        if (bipolar && rows[r].total) {
            xb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"pct\">%u%%</text>",
                      x0 - 4, mid + 5, stats_percent(neg_n, rows[r].total));
            xb_printf(b, "<text x=\"%d\" y=\"%d\" class=\"pct\">%u%%</text>", x0 + AREA_W + 6,
                      mid + 5, stats_percent(pos_n, rows[r].total));
        }
        xb_printf(b, "<text x=\"%d\" y=\"%d\" class=\"small\">n=%zu</text>",
                  x0 + AREA_W + (bipolar ? 44 : 6), mid + 5, rows[r].total);
        y += rh;
    }
    if (bipolar)
        xb_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"axis\"/>", centre,
                  head - 2, centre, y + 2);
    legend(b, y + 8, w, choice_labels, colours, n_choices, true);
    xb_put(b, "</svg>\n");
    free(colours);
}

void svg_diverging(xbuf *b, const svg_drow *rows, size_t n_rows, const char *const *choice_labels,
                   size_t n_choices)
{
    svg_likert(b, rows, n_rows, choice_labels, n_choices, true);
}

/* ---- histograms --------------------------------------------------------- */

void svg_histogram(xbuf *b, const histogram *h, bool integers)
{
    if (!h->n_bins)
        return;
    const int plot_h = 120, base = plot_h + 6, w = LABEL_W + AREA_W + CAPTION_W;
    size_t top = 1;
    for (size_t i = 0; i < h->n_bins; i++)
        if (h->counts[i] > top)
            top = h->counts[i];
    double bar_w = (double)(w - 20) / (double)h->n_bins;
    svg_open(b, w, base + 22, NULL);
    for (size_t i = 0; i < h->n_bins; i++) {
        double bh = (double)h->counts[i] / (double)top * plot_h;
        double x = 10 + (double)i * bar_w;
        char from[32], to[32];
        stats_num(from, sizeof from, h->lo + (double)i * h->width);
        stats_num(to, sizeof to, h->lo + (double)(i + 1) * h->width);
        xb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"bar\">",
                  x + 1, base - bh, bar_w - 2, bh);
        if (integers && h->width == 1)
            xb_printf(b, "<title>%s: %zu</title></rect>", from, h->counts[i]);
        else
            xb_printf(b, "<title>%s to %s: %zu</title></rect>", from, to, h->counts[i]);
        /* Label every bar when there is room, else about ten of them. */
        size_t every = h->n_bins <= 12 ? 1 : (h->n_bins + 9) / 10;
        if (i % every == 0)
            xb_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>",
                      integers && h->width == 1 ? x + bar_w / 2 : x, base + 16,
                      integers && h->width == 1 ? "middle" : "start", from);
    }
    xb_printf(b, "<line x1=\"10\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>", base, w - 10, base);
    xb_put(b, "</svg>\n");
}
