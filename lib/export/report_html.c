/* report_html.c - the report as one self-contained HTML page: inline CSS and
 * inline SVG, no scripts, no external URLs.  Every text that comes from the
 * questionnaire or from a participant is escaped. */
#include <stdlib.h>
#include <string.h>

#include "report_model.h"
#include "sk/record.h"

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC',"
    "sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}"
    "h1{font-size:1.6em}h2{border-bottom:2px solid #2166ac;padding-bottom:.2em;margin-top:2em}"
    "h3{font-size:1.1em;margin:1.6em 0 .2em}h3 code{font-weight:normal;color:#666;font-size:.85em}"
    ".meta{color:#555;margin:.1em 0 .6em}"
    "table{border-collapse:collapse;margin:.4em 0}"
    "th,td{padding:.2em .7em;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}"
    "th:first-child,td:first-child{text-align:left;white-space:normal}"
    "tr:first-child td{color:#555}"
    ".counts td,.counts th{text-align:left}"
    "thead th{white-space:normal;vertical-align:bottom}"
    ".methods{display:flex;flex-wrap:wrap;align-items:flex-start;gap:0 2.5em}.methods table{margin:.2em 0 .8em}"
    ".warning{border:2px solid #b35806;background:#fff7ec;padding:.4em 1em;margin:1em 0}"
    ".warning strong{color:#b35806}"
    "svg.chart{display:block;max-width:100%;height:auto;font-size:12px;margin:.4em 0}"
    "svg .bar{fill:#2166ac}svg .track{fill:#eee}svg .axis{stroke:#333;stroke-width:1}"
    "svg .small{font-size:11px;fill:#444}svg .pct{font-weight:bold}"
    ".legend{display:flex;flex-wrap:wrap;gap:.2em 1.2em;font-size:.9em;margin:.2em 0}"
    ".swatch{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin-right:.3em}"
    "ul.answers{margin:.3em 0 .6em;padding-left:1.4em}"
    "ul.answers li{margin:.1em 0}.answer{white-space:pre-line}"
    ".by{color:#666;font-size:.9em}.src{color:#777;font-size:.85em;white-space:nowrap}"
    ".unreadable{border:2px solid #b2182b;padding:0 1em .6em;margin:1em 0}"
    ".unreadable h2{border-color:#b2182b;color:#b2182b;margin-top:.6em}"
    ".unreadable td{white-space:normal;text-align:left}"
    "figure{margin:0}"
    /* Printing (and a PDF through the browser's print): every answer, no
     * clipped boxes, charts and tables kept whole, colours kept. */
    "@page{margin:14mm 12mm}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:10pt;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "h2,h3{break-after:avoid;page-break-after:avoid}"
    "figure,table,svg.chart,.warning,.methods,.q:not(.text){break-inside:avoid;"
    "page-break-inside:avoid}"
    "ul.answers li{break-inside:avoid;page-break-inside:avoid}"
    "section.form{break-before:page;page-break-before:always}"
    "section.form:first-of-type{break-before:auto;page-break-before:auto}"
    "code{font-size:.85em}}";

static void table_html(xbuf *b, const rtable *r)
{
    xb_put(b, "<table><thead><tr><th></th>");
    for (size_t k = 0; k < r->n_cols; k++) {
        xb_put(b, "<th>");
        xb_html(b, r->col_heads[k]);
        xb_put(b, "</th>");
    }
    xb_put(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        xb_put(b, "<tr><td>");
        xb_html(b, r->row_heads[i]);
        xb_put(b, "</td>");
        for (size_t k = 0; k < r->n_cols; k++) {
            xb_put(b, "<td>");
            xb_html(b, r->cells[i * r->n_cols + k]);
            xb_put(b, "</td>");
        }
        xb_put(b, "</tr>\n");
    }
    xb_put(b, "</tbody></table>\n");
}

/* A rating-scale chart over the likert questions qs[0..n): one row per
 * question, from the totals. */
static void likert_html(xbuf *b, const form_tally *t, const qtally *qs, size_t n)
{
    size_t total = t->n_cols - 1, n_opts = qs[0].n_opts;
    svg_drow *rows = calloc(n, sizeof *rows);
    size_t *counts = calloc(n * n_opts + 1, sizeof *counts);
    const char **labels = calloc(n_opts + 1, sizeof *labels);
    if (!rows || !counts || !labels) {
        b->nomem = true;
    } else {
        for (size_t o = 0; o < n_opts; o++)
            labels[o] = tally_option_label(t, &qs[0], o);
        for (size_t r = 0; r < n; r++) {
            for (size_t o = 0; o < n_opts; o++)
                counts[r * n_opts + o] = qs[r].counts[o * t->n_cols + total];
            rows[r].label = sk_form_text(t->form, t->form->q[qs[r].q].label, t->lang);
            rows[r].counts = counts + r * n_opts;
            rows[r].total = qs[r].answered[total] - qs[r].other[total];
        }
        svg_likert(b, rows, n, labels, n_opts, qs[0].bipolar);
    }
    free(rows);
    free(counts);
    free(labels);
}

/* --by: one scale row per group (and the total), for one question. */
static void likert_by_html(xbuf *b, const form_tally *t, const qtally *qt)
{
    size_t cols[t->n_cols];
    size_t nc = tally_visible_cols(t, cols), n_opts = qt->n_opts;
    svg_drow *rows = calloc(nc, sizeof *rows);
    size_t *counts = calloc(nc * n_opts + 1, sizeof *counts);
    const char **labels = calloc(n_opts + 1, sizeof *labels);
    if (!rows || !counts || !labels) {
        b->nomem = true;
    } else {
        for (size_t o = 0; o < n_opts; o++)
            labels[o] = tally_option_label(t, qt, o);
        for (size_t k = 0; k < nc; k++) {
            for (size_t o = 0; o < n_opts; o++)
                counts[k * n_opts + o] = qt->counts[o * t->n_cols + cols[k]];
            rows[k].label = tally_col_label(t, cols[k]);
            rows[k].counts = counts + k * n_opts;
            rows[k].total = qt->answered[cols[k]] - qt->other[cols[k]];
        }
        svg_likert(b, rows, nc, labels, n_opts, qt->bipolar);
    }
    free(rows);
    free(counts);
    free(labels);
}

/* --by: per choice one bar per group (and the total). */
static void bars_by_html(xbuf *b, const form_tally *t, const qtally *qt)
{
    size_t cols[t->n_cols];
    size_t nc = tally_visible_cols(t, cols);
    svg_bar *items = calloc(qt->n_opts + 1, sizeof *items);
    const char **groups = calloc(nc, sizeof *groups);
    size_t *counts = calloc(qt->n_opts * nc + 1, sizeof *counts), *of = calloc(nc, sizeof *of);
    if (!items || !groups || !counts || !of) {
        b->nomem = true;
    } else {
        for (size_t k = 0; k < nc; k++) {
            groups[k] = tally_col_label(t, cols[k]);
            of[k] = qt->answered[cols[k]];
        }
        for (size_t o = 0; o < qt->n_opts; o++) {
            items[o].label = tally_option_label(t, qt, o);
            for (size_t k = 0; k < nc; k++)
                counts[o * nc + k] = qt->counts[o * t->n_cols + cols[k]];
        }
        svg_grouped_bars(b, items, qt->n_opts, groups, nc, counts, of);
    }
    free(items);
    free(groups);
    free(counts);
    free(of);
}

static void chart_html(xbuf *b, const form_tally *t, const qtally *qt)
{
    size_t total = t->n_cols - 1;
    if (qt->kind == TK_NUMBER) {
        histogram h;
        bool integers = t->form->q[qt->q].type == SK_Q_INTEGER;
        stats_summarise(&qt->nums[total]);   /* sorts, as stats_histogram needs */
        if (!stats_histogram(&qt->nums[total], integers, &h)) {
            b->nomem = true;
            return;
        }
        if (t->by_q >= 0 && h.n_bins)
            xb_put(b, "<p class=\"meta\">Histogram of all groups together.</p>\n");
        svg_histogram(b, &h, integers);
        histogram_free(&h);
        return;
    }
    if (qt->likert) {
        if (t->by_q >= 0)
            likert_by_html(b, t, qt);
        else if (t->form->q[qt->q].parent < 0 ||
                 !(t->form->q[t->form->q[qt->q].parent].appearance & SK_AP_TABLE_LIST))
            likert_html(b, t, qt, 1);
        return;
    }
    if (t->by_q >= 0) {
        bars_by_html(b, t, qt);
        return;
    }
    svg_bar *bars = calloc(qt->n_opts + 1, sizeof *bars);
    if (!bars) {
        b->nomem = true;
        return;
    }
    for (size_t o = 0; o < qt->n_opts; o++) {
        bars[o].label = tally_option_label(t, qt, o);
        bars[o].count = qt->counts[o * t->n_cols + total];
        bars[o].of = qt->answered[total];
    }
    svg_bars(b, bars, qt->n_opts);
    free(bars);
}

static void texts_html(xbuf *b, const form_tally *t, const qtally *qt)
{
    if (!qt->n_texts)
        return;
    xb_put(b, "<ul class=\"answers\">\n");
    for (size_t i = 0; i < qt->n_texts; i++) {
        xb_put(b, "<li>");
        if (t->by_q >= 0) {
            xb_put(b, "<span class=\"by\">[");
            xb_html(b, tally_col_label(t, qt->texts[i].col));
            xb_put(b, "]</span> ");
        }
        xb_put(b, "<span class=\"answer\">");
        xb_html(b, qt->texts[i].value);
        xb_put(b, "</span>");
        /* Where the quote came from, so it can be traced (and withdrawn). */
        xb_put(b, " <span class=\"src\">(record <code>");
        xb_html(b, qt->texts[i].record_id);
        xb_put(b, "</code>, ");
        xb_html(b, qt->texts[i].lang ? qt->texts[i].lang : "language unknown");
        xb_put(b, ")</span></li>\n");
    }
    xb_put(b, "</ul>\n");
}

/* "N left out: why", so nobody takes the list for every answer given. */
static void left_out_html(xbuf *b, const form_tally *t, const qtally *qt)
{
    int clause = t->form->q[qt->q].quote_clause;
    if (clause < 0)
        return;
    for (int v = QUOTE_NOT_AGREED; v < QUOTE_VERDICTS; v++) {
        if (v != QUOTE_NOT_AGREED && !qt->left_out[v])
            continue;
        xb_printf(b, "<p class=\"meta leftout\">%zu answer%s left out: ", qt->left_out[v],
                  qt->left_out[v] == 1 ? "" : "s");
        xb_html(b, ethics_verdict_reason((quote_verdict)v));
        xb_put(b, " (<code>");
        xb_html(b, t->form->q[clause].name);
        xb_put(b, "</code>).</p>\n");
    }
}

static void question_html(xbuf *b, const form_tally *t, const qtally *qt)
{
    const sk_question *q = &t->form->q[qt->q];
    char line[256];
    /* A question with a table and a chart is kept on one printed page with
     * its title; a list of free text may run over pages. */
    xb_put(b, qt->kind == TK_TEXT ? "<div class=\"q text\">\n<h3>" : "<div class=\"q\">\n<h3>");
    xb_html(b, sk_form_text(t->form, q->label, t->lang));
    xb_put(b, " <code>");
    xb_html(b, q->name);
    xb_put(b, "</code></h3>\n<p class=\"meta\">");
    tally_summary_line(t, qt, line, sizeof line);
    xb_html(b, line);
    xb_put(b, "</p>\n");
    if (qt->kind == TK_TEXT) {
        texts_html(b, t, qt);
        left_out_html(b, t, qt);
        xb_put(b, "</div>\n");
        return;
    }
    rtable r;
    if (!rtable_build(t, qt, &r)) {
        b->nomem = true;
        return;
    }
    xb_put(b, "<figure>\n");
    table_html(b, &r);
    rtable_free(&r);
    chart_html(b, t, qt);
    xb_put(b, "</figure>\n</div>\n");
}

/* A table-list group starts at qs[k]: draw one diverging chart for the run
 * of its likert questions that share a choice list. */
static void group_chart(xbuf *b, const form_tally *t, size_t k)
{
    const sk_form *f = t->form;
    const qtally *qs = t->qs;
    int group = f->q[qs[k].q].parent;
    size_t n = 0;
    while (k + n < t->n_qs && qs[k + n].likert && f->q[qs[k + n].q].parent == group &&
           f->q[qs[k + n].q].list == f->q[qs[k].q].list)
        n++;
    xb_put(b, "<div class=\"q\">\n<h3>");
    xb_html(b, sk_form_text(f, f->q[group].label, t->lang));
    xb_put(b, " <code>");
    xb_html(b, f->q[group].name);
    xb_printf(b, "</code></h3>\n<p class=\"meta\">the scale questions of this group together%s</p>\n",
              qs[k].bipolar ? " (negative answers left of the line)" : "");
    xb_put(b, "<figure>\n");
    likert_html(b, t, qs + k, n);
    xb_put(b, "</figure>\n</div>\n");
}

static void counts_html(xbuf *b, const form_tally *t)
{
    xb_printf(b,
              "<table class=\"counts\"><tr><th>Sittings</th><td>%llu</td></tr>"
              "<tr><th>Finished responses</th><td>%llu</td></tr>"
              "<tr><th>Consents</th><td>%llu</td></tr>"
              "<tr><th>Declined consent</th><td>%llu</td></tr>"
              "<tr><th>Incomplete</th><td>%llu</td></tr></table>\n",
              (unsigned long long)(t->responses + t->incomplete + t->declined),
              (unsigned long long)t->responses, (unsigned long long)t->consents,
              (unsigned long long)t->declined, (unsigned long long)t->incomplete);
}

static void date_only(char out[16], int64_t ms)
{
    char t[32];
    iso_time(t, sizeof t, ms);
    snprintf(out, 16, "%.10s", ms ? t : "-");
}

/* What a methods section needs: when the data were collected, where, in
 * which languages, and how many sittings were withdrawn. */
static void methods_html(xbuf *b, const form_tally *t, const sk_cstore_status *status)
{
    const sk_form *f = t->form;
    char first[16], last[16];
    date_only(first, t->first_ms);
    date_only(last, t->last_ms);
    uint64_t withdrawn = 0;
    xb_printf(b, "<h3>Collection</h3>\n<p class=\"meta\">From <strong>%s</strong> to "
                 "<strong>%s</strong> (the first sitting started, the last answer given; UTC).</p>\n"
                 "<div class=\"methods\">\n<table class=\"counts\"><thead><tr><th>Kiosk</th>"
                 "<th>Finished</th><th>Incomplete</th><th>Declined</th><th>Withdrawn</th>"
                 "</tr></thead><tbody>\n",
              first, last);
    for (size_t i = 0; status && i < status->n_rows; i++) {
        const sk_status_row *r = &status->rows[i];
        if (strcmp(r->form_id, f->id) != 0 || strcmp(r->form_version, f->version) != 0)
            continue;
        withdrawn += r->withdrawn;
        xb_put(b, "<tr><td>");
        xb_html(b, r->device_label[0] ? r->device_label : r->device_id);
        xb_printf(b, " <code>%s</code></td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
                  r->device_id, (unsigned long long)r->finished, (unsigned long long)r->incomplete,
                  (unsigned long long)r->declined, (unsigned long long)r->withdrawn);
    }
    xb_put(b, "</tbody></table>\n<table class=\"counts\"><thead><tr><th>Language</th>"
              "<th>Sittings</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < t->n_by_lang; i++) {
        const char *code = t->by_lang[i].code;
        int l = *code ? sk_form_lang(f, code) : -1;
        xb_put(b, "<tr><td>");
        xb_html(b, l >= 0 ? f->lang_names[l] : *code ? code : "not recorded");
        xb_printf(b, "</td><td>%llu</td></tr>\n", (unsigned long long)t->by_lang[i].sittings);
    }
    xb_printf(b, "</tbody></table>\n</div>\n<p class=\"meta\">Withdrawn by participants: "
                 "<strong>%llu</strong> sitting record%s (removed from every count and file).</p>\n",
              (unsigned long long)withdrawn, withdrawn == 1 ? "" : "s");
}

/* At the top: what `survey-sync status` would warn about, since a report of
 * an incomplete data set must say so where the reader looks. */
static void store_warning_html(xbuf *b, const sk_cstore_status *status)
{
    if (!status)
        return;
    uint64_t missing = 0, quarantined = 0;
    size_t gap_devices = 0, held_devices = 0;
    for (size_t i = 0; i < status->n_devices; i++) {
        const sk_device_seq *d = &status->devices[i];
        uint64_t m = 0;
        for (size_t k = 0; k < d->n_missing; k++)
            m += d->missing[k].last - d->missing[k].first + 1;
        missing += m;
        gap_devices += m > 0;
        quarantined += d->quarantined;
        held_devices += d->quarantined > 0;
    }
    if (!missing && !quarantined)
        return;
    xb_put(b, "<div class=\"warning\"><p><strong>This data set is not complete.</strong></p><ul>\n");
    if (missing)
        xb_printf(b, "<li>%llu record%s missing from the sequence of %zu kiosk%s (gaps): on that "
                     "kiosk run <code>survey-kiosk --data DIR --export DIR --all</code> and merge "
                     "the bundle.</li>\n",
                  (unsigned long long)missing, missing == 1 ? " is" : "s are", gap_devices,
                  gap_devices == 1 ? "" : "s");
    if (quarantined)
        xb_printf(b, "<li>%llu record%s held back from %zu kiosk%s not yet enrolled (quarantine): "
                     "compare fingerprints, then <code>survey-sync devices accept ID</code>.</li>\n",
                  (unsigned long long)quarantined, quarantined == 1 ? " is" : "s are",
                  held_devices, held_devices == 1 ? "" : "s");
    xb_put(b, "</ul><p>See <code>survey-sync status</code>. The counts below leave these "
              "records out.</p></div>\n");
}

/* Before the tables, so nobody reads the counts without knowing that some
 * responses are missing from them. */
static void unreadable_html(xbuf *b, const sk_unreadable_list *skipped)
{
    if (!skipped->n)
        return;
    xb_printf(b,
              "<section class=\"unreadable\">\n<h2>Records that could not be read</h2>\n"
              "<p>%zu record%s could not be read and %s left out of every count "
              "below. The other records are counted as usual.</p>\n"
              "<table><thead><tr><th>Device</th><th>Seq</th><th>Record</th><th>Form</th>"
              "<th>Kind</th><th>Reason</th></tr></thead><tbody>\n",
              skipped->n, skipped->n == 1 ? "" : "s", skipped->n == 1 ? "is" : "are");
    for (size_t i = 0; i < skipped->n; i++) {
        const sk_unreadable *u = &skipped->items[i];
        xb_printf(b, "<tr><td><code>%s</code></td><td>%llu</td><td><code>%s</code></td><td>",
                  u->device_id, (unsigned long long)u->seq, u->record_id);
        xb_html(b, u->form_id);
        xb_put(b, " v");
        xb_html(b, u->form_version);
        xb_put(b, "</td><td>");
        xb_html(b, sk_rec_kind_name(u->kind));
        xb_put(b, "</td><td>");
        xb_html(b, u->reason);
        xb_put(b, "</td></tr>\n");
    }
    xb_put(b, "</tbody></table>\n</section>\n");
}

void render_html(xbuf *b, form_tally *forms, size_t n, const sk_unreadable_list *skipped,
                 const sk_cstore_status *status, const sk_report_opts *opts)
{
    char now[32];
    iso_time(now, sizeof now, sk_now_ms());
    xb_put(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              "<title>Survey report</title>\n<style>");
    xb_put(b, css);
    xb_printf(b, "</style></head>\n<body>\n<h1>Survey report</h1>\n<p class=\"meta\">Made by "
                 "survey-sync on %s. Counts are of finished responses; <em>asked</em> follows "
                 "the skip logic; percentages are of those who answered.</p>\n",
              now);
    store_warning_html(b, status);
    unreadable_html(b, skipped);
    if (!n)
        xb_put(b, "<p>The store holds no forms yet: merge some bundles first.</p>\n");
    for (size_t i = 0; i < n; i++) {
        const form_tally *t = &forms[i];
        const sk_form *f = t->form;
        xb_put(b, "<section class=\"form\">\n<h2>");
        xb_html(b, f->title);
        xb_put(b, " <code>");
        xb_html(b, f->id);
        xb_put(b, " v");
        xb_html(b, f->version);
        xb_put(b, "</code></h2>\n");
        counts_html(b, t);
        methods_html(b, t, status);
        if (opts->by && t->by_q < 0) {
            xb_put(b, "<p class=\"meta\">This form has no question <code>");
            xb_html(b, opts->by);
            xb_put(b, "</code>: its tables are not split.</p>\n");
        } else if (t->by_q >= 0) {
            xb_put(b, "<p class=\"meta\">Every table is split by <em>");
            xb_html(b, sk_form_text(f, f->q[t->by_q].label, t->lang));
            xb_put(b, "</em>.</p>\n");
        }
        int last_group = -1;
        for (size_t k = 0; k < t->n_qs; k++) {
            int parent = f->q[t->qs[k].q].parent;
            if (t->qs[k].likert && t->by_q < 0 && parent >= 0 && parent != last_group &&
                (f->q[parent].appearance & SK_AP_TABLE_LIST)) {
                last_group = parent;
                /* The chart first, then every question's own table below it. */
                group_chart(b, t, k);
            }
            question_html(b, t, &t->qs[k]);
        }
        xb_put(b, "</section>\n");
    }
    xb_put(b, "</body></html>\n");
}
