/* test_export.c - the export module's building blocks: RFC 4180 quoting,
 * formula defusing, output file modes under the umask, frequencies as
 * "59% (24/41)", summary statistics, histograms, HTML escaping, the SVG
 * charts, what the participant agreed to (consent given, quotation), and
 * the pieces of the other formats: SPSS/Stata variable names, ISO 8601
 * parsing, --format lists, a table's CSV cells for missing answers and its
 * spool read back. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "export_internal.h"
#include "sk/export.h"

/* Write one row of fields with the CSV writer and return the bytes. */
static char *csv_row_as(const char *const *fields, size_t n, bool raw, bool numbers)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    csv_writer w;
    csv_init(&w, f);
    w.raw = raw;
    for (size_t i = 0; i < n; i++) {
        if (numbers)
            csv_number(&w, fields[i]);
        else
            csv_field(&w, fields[i]);
    }
    csv_end_row(&w);
    fclose(f);
    return text;
}

static char *csv_row(const char *const *fields, size_t n)
{
    return csv_row_as(fields, n, false, false);
}

static void test_csv_quoting(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rlf", "\"cr\rlf\""},
        {" padded ", "\" padded \""},
        {"Cymraeg: rôl, ✓", "\"Cymraeg: rôl, ✓\""},
        {"\"", "\"\"\"\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *fields[] = {cases[i].in};
        char *row = csv_row(fields, 1);
        char want[64];
        snprintf(want, sizeof want, "%s\r\n", cases[i].out);
        assert_string_equal(row, want);
        free(row);
    }
}

/* A text cell a spreadsheet would run as a formula gets a leading ' (inside
 * the quotes when the field is quoted); a number column and --raw never. */
static void test_csv_formula_defused(void **state)
{
    (void)state;
    static const struct {
        const char *in, *text, *raw, *number;
    } cases[] = {
        {"=1+1", "'=1+1", "=1+1", "=1+1"},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
         "\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"", "\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"+44 7700 900123", "'+44 7700 900123", "+44 7700 900123", "+44 7700 900123"},
        {"-3", "'-3", "-3", "-3"},
        {"-2.5", "'-2.5", "-2.5", "-2.5"},
        {"@SUM(A1:A9)", "'@SUM(A1:A9)", "@SUM(A1:A9)", "@SUM(A1:A9)"},
        {"\t=cmd", "'\t=cmd", "\t=cmd", "\t=cmd"},
        {"\r=cmd", "\"'\r=cmd\"", "\"\r=cmd\"", "\"\r=cmd\""},
        {"=a,b", "\"'=a,b\"", "\"=a,b\"", "\"=a,b\""},
        /* Not at the start, or not a formula character: unchanged. */
        {"1+1=2", "1+1=2", "1+1=2", "1+1=2"},
        {"a-b", "a-b", "a-b", "a-b"},
        {"3", "3", "3", "3"},
        {" =x", "\" =x\"", "\" =x\"", "\" =x\""},
        {"'quoted'", "'quoted'", "'quoted'", "'quoted'"},
        {"", "", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *fields[] = {cases[i].in};
        const char *want[] = {cases[i].text, cases[i].raw, cases[i].number};
        for (int mode = 0; mode < 3; mode++) {
            char *row = csv_row_as(fields, 1, mode == 1, mode == 2);
            char expect[128];
            snprintf(expect, sizeof expect, "%s\r\n", want[mode]);
            if (strcmp(row, expect) != 0)
                fail_msg("case %zu mode %d: got [%s], want [%s]", i, mode, row, expect);
            free(row);
        }
    }
    /* A row mixes both: the writer decides per call, i.e. per column. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    csv_writer w;
    csv_init(&w, f);
    csv_number(&w, "-3");
    csv_field(&w, "-3");
    csv_end_row(&w);
    fclose(f);
    assert_string_equal(text, "-3,'-3\r\n");
    free(text);
}

static mode_t file_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* Export files and the report are created so that the umask applies. */
static void test_output_modes_follow_umask(void **state)
{
    (void)state;
    const char *tmp = getenv("SK_TEST_TMP") ? getenv("SK_TEST_TMP") : "/tmp";
    static const struct {
        mode_t mask, want;
    } cases[] = {{022, 0644}, {027, 0640}, {077, 0600}, {002, 0664}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char csv_path[4096], report_path[4096];
        snprintf(csv_path, sizeof csv_path, "%s/test_export_mode_%zu.csv", tmp, i);
        snprintf(report_path, sizeof report_path, "%s/test_export_mode_%zu.html", tmp, i);
        unlink(csv_path);
        unlink(report_path);
        mode_t old = umask(cases[i].mask);
        outfile o;
        sk_error err;
        sk_status st = outfile_open(&o, csv_path, &err);
        if (st == SK_OK) {
            fputs("a,b\r\n", o.f);
            st = outfile_commit(&o, &err);
        }
        sk_status st2 = sk_report_write(report_path, "<p>r</p>", 8, &err);
        umask(old);
        assert_int_equal(st, SK_OK);
        assert_int_equal(st2, SK_OK);
        if (file_mode(csv_path) != cases[i].want || file_mode(report_path) != cases[i].want)
            fail_msg("umask %03o: csv %03o, report %03o, want %03o", (unsigned)cases[i].mask,
                     (unsigned)file_mode(csv_path), (unsigned)file_mode(report_path),
                     (unsigned)cases[i].want);
        unlink(csv_path);
        unlink(report_path);
    }
}

static void test_csv_row_shape(void **state)
{
    (void)state;
    const char *fields[] = {"id", NULL, "x,y", ""};
    char *row = csv_row(fields, 4);
    assert_string_equal(row, "id,,\"x,y\",\r\n");
    free(row);
}

static void test_percent_and_freq(void **state)
{
    (void)state;
    /* The figures of the NHS Digital Academy study (seeds/000). */
    static const struct {
        size_t a, b;
        const char *text;
    } cases[] = {
        {24, 41, "59% (24/41)"}, {11, 24, "46% (11/24)"}, {14, 41, "34% (14/41)"},
        {8, 41, "20% (8/41)"},   {2, 41, "5% (2/41)"},    {1, 41, "2% (1/41)"},
        {25, 41, "61% (25/41)"}, {24, 30, "80% (24/30)"}, {1, 8, "13% (1/8)"},
        {0, 5, "0% (0/5)"},      {5, 5, "100% (5/5)"},    {0, 0, "n/a (0/0)"},
        {1, 200, "1% (1/200)"},  {1, 201, "0% (1/201)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[48];
        stats_freq(out, sizeof out, cases[i].a, cases[i].b);
        assert_string_equal(out, cases[i].text);
    }
    assert_int_equal(stats_percent(1, 2), 50);
    assert_int_equal(stats_percent(1, 3), 33);
    assert_int_equal(stats_percent(2, 3), 67);
}

static void test_summary(void **state)
{
    (void)state;
    dvec d = {0};
    const double xs[] = {4, 8, 15, 16, 23, 42};
    for (size_t i = 0; i < 6; i++)
        assert_true(dvec_push(&d, xs[5 - i]));
    num_summary s = stats_summarise(&d);
    assert_int_equal(s.n, 6);
    assert_true(s.mean > 17.999 && s.mean < 18.001);
    assert_true(s.median > 15.499 && s.median < 15.501);
    assert_true(s.min == 4 && s.max == 42);
    /* sample SD: squared deviations 196+100+9+4+25+576 = 910; sqrt(910/5) = 13.4907 */
    assert_true(s.sd > 13.490 && s.sd < 13.491);
    char num[32];
    stats_num(num, sizeof num, s.sd);
    assert_string_equal(num, "13.49");
    stats_num(num, sizeof num, 3.0);
    assert_string_equal(num, "3");
    stats_num(num, sizeof num, 2.5);
    assert_string_equal(num, "2.5");
    stats_num(num, sizeof num, -0.001);
    assert_string_equal(num, "0");
    dvec_free(&d);

    dvec one = {0};
    assert_true(dvec_push(&one, 7));
    s = stats_summarise(&one);
    assert_true(s.n == 1 && s.sd == 0 && s.median == 7);
    dvec_free(&one);

    dvec none = {0};
    s = stats_summarise(&none);
    assert_int_equal(s.n, 0);
}

static void test_histogram(void **state)
{
    (void)state;
    /* Small integer span: one bar per value. */
    dvec d = {0};
    const double xs[] = {0, 2, 2, 4, 10};
    for (size_t i = 0; i < 5; i++)
        dvec_push(&d, xs[i]);
    histogram h;
    assert_true(stats_histogram(&d, true, &h));
    assert_int_equal(h.n_bins, 11);
    assert_int_equal(h.counts[2], 2);
    assert_int_equal(h.counts[10], 1);
    size_t total = 0;
    for (size_t i = 0; i < h.n_bins; i++)
        total += h.counts[i];
    assert_int_equal(total, 5);
    histogram_free(&h);
    dvec_free(&d);

    /* Continuous data: every value lands in a bin, the maximum in the last. */
    for (size_t i = 0; i < 1000; i++)
        dvec_push(&d, (double)i / 10.0);
    assert_true(stats_histogram(&d, false, &h));
    assert_true(h.n_bins >= 5 && h.n_bins <= 20);
    total = 0;
    for (size_t i = 0; i < h.n_bins; i++)
        total += h.counts[i];
    assert_int_equal(total, 1000);
    assert_true(h.counts[h.n_bins - 1] > 0);
    histogram_free(&h);
    dvec_free(&d);
}

static void test_html_escape(void **state)
{
    (void)state;
    xbuf b;
    xb_init(&b);
    xb_html(&b, "<script>alert('x')</script> & \"q\"");
    assert_string_equal(b.s,
                        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    xb_free(&b);
    xb_pad(&b, "rôl", 5, false);
    xb_pad(&b, "7", 3, true);
    assert_string_equal(b.s, "rôl    7");
    xb_free(&b);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_svg_bars(void **state)
{
    (void)state;
    svg_bar bars[] = {{"Clinical <b>", 24, 41}, {"Other", 0, 41}};
    xbuf b;
    xb_init(&b);
    svg_bars(&b, bars, 2);
    assert_non_null(strstr(b.s, "<svg"));
    assert_non_null(strstr(b.s, "59% (24/41)"));
    assert_non_null(strstr(b.s, "0% (0/41)"));
    assert_non_null(strstr(b.s, "Clinical &lt;b&gt;"));
    assert_null(strstr(b.s, "<b>"));
    assert_null(strstr(b.s, "<script"));
    assert_null(strstr(b.s, "http"));
    /* Bar width: 24/41 of the 300-unit track. */
    assert_non_null(strstr(b.s, "width=\"175.6\""));
    xb_free(&b);
}

static void test_svg_diverging(void **state)
{
    (void)state;
    /* Five-point scale: 2 negative, 1 neutral, 2 positive. */
    const size_t counts[] = {1, 1, 2, 3, 3};
    svg_drow row = {"Courage", counts, 10};
    const char *labels[] = {"Strongly disagree", "Disagree", "Neutral", "Agree",
                            "Strongly agree"};
    xbuf b;
    xb_init(&b);
    svg_diverging(&b, &row, 1, labels, 5);
    /* negative share = (1 + 1 + 2/2) / 10 = 0.3 of the 150-unit half: the bar
     * starts 45 units left of the centre line at 230 + 44 + 150 = 424. */
    assert_non_null(strstr(b.s, "<rect x=\"379.0\""));
    assert_non_null(strstr(b.s, "x1=\"424.0\""));
    assert_int_equal(count_of(b.s, "<title>"), 5);
    assert_non_null(strstr(b.s, "Strongly agree: 30% (3/10)"));
    xb_free(&b);

    /* Nobody answered: no segments, still a valid chart. */
    const size_t zero[] = {0, 0, 0, 0, 0};
    svg_drow empty = {"Mentoring", zero, 0};
    svg_diverging(&b, &empty, 1, labels, 5);
    assert_int_equal(count_of(b.s, "<title>"), 0);
    assert_non_null(strstr(b.s, "</svg>"));
    xb_free(&b);
}

static void test_svg_histogram(void **state)
{
    (void)state;
    size_t counts[] = {1, 0, 3};
    histogram h = {.lo = 1, .width = 1, .counts = counts, .n_bins = 3};
    xbuf b;
    xb_init(&b);
    svg_histogram(&b, &h, true);
    assert_int_equal(count_of(b.s, "class=\"bar\""), 3);
    assert_non_null(strstr(b.s, "<title>3: 3</title>"));
    /* The tallest bar fills the plot (120 units). */
    assert_non_null(strstr(b.s, "height=\"120.0\""));
    xb_free(&b);
}

static void test_iso_time(void **state)
{
    (void)state;
    char t[32];
    iso_time(t, sizeof t, 1795000000123LL);
    assert_string_equal(t, "2026-11-18T11:06:40Z");
    iso_time(t, sizeof t, 0);
    assert_string_equal(t, "");
}


/* ---- varname.c, util.c, table.c: the other formats' building blocks ---- */

static void test_varname_safe(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"training/msc", "training_msc"},
        {"age", "age"},
        {"with", "with_"},                  /* SPSS and Stata reserved */
        {"AND", "AND_"},                    /* SPSS, in any case */
        {"int", "int_"},                    /* Stata */
        {"str12", "str12_"},                /* Stata's strN */
        {"strong", "strong"},               /* not a strN */
        {"_n", "v_n"},                      /* a leading _ is not SPSS (and _n is Stata's) */
        {"2nd_visit", "v2nd_visit"},
        {"年龄", "v__"},                    /* one _ per non-ASCII character, v in front */
        {"a_question_name_longer_than_thirty_two_bytes", "a_question_name_longer_than_thir"},
        {"started_answer", "started_answer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[VARNAME_MAX + 1];
        varname_safe(cases[i][0], out);
        assert_string_equal(out, cases[i][1]);
        assert_true(strlen(out) <= VARNAME_MAX);
    }
}

static void test_varname_unique(void **state)
{
    (void)state;
    char a[] = "Team", b[] = "team_2", c[] = "abcdefghijklmnopqrstuvwxyz012345";
    char *taken[] = {a, b, c};
    char name[VARNAME_MAX + 1] = "team";   /* clashes with Team (case) and team_2 */
    assert_true(varname_unique(taken, 3, name));
    assert_string_equal(name, "team_3");
    snprintf(name, sizeof name, "%s", c);  /* 32 bytes: shortened to fit _2 */
    assert_true(varname_unique(taken, 3, name));
    assert_string_equal(name, "abcdefghijklmnopqrstuvwxyz0123_2");
    snprintf(name, sizeof name, "fresh");
    assert_true(varname_unique(taken, 3, name));
    assert_string_equal(name, "fresh");
}

static void test_iso_parse(void **state)
{
    (void)state;
    static const struct { const char *s; bool ok; int64_t ms; } cases[] = {
        {"2026-12-01T13:45:00Z", true, 1796132700000LL},
        {"2026-12-01T14:45:00.123+01:00", true, 1796132700123LL},
        {"2026-12-01T08:45:00-05:00", true, 1796132700000LL},
        {"2026-12-01T13:45Z", true, 1796132700000LL},
        {"1970-01-01T00:00:00Z", true, 0},
        {"1959-12-31T23:59:59Z", true, -315619201000LL},
        {"2026-12-01", false, 0},
        {"2026-13-01T00:00:00Z", false, 0},
        {"2026-12-01T13:45:00Zjunk", false, 0},
        {"yesterday", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t ms = 42;
        assert_int_equal(iso_parse_ms(cases[i].s, &ms), cases[i].ok);
        if (cases[i].ok) {
            assert_int_equal(ms, cases[i].ms);
            char back[32];
            if (ms > 0 && ms % 1000 == 0) {   /* iso_time writes whole seconds, UTC, Z */
                iso_time(back, sizeof back, ms);
                assert_int_equal(iso_parse_ms(back, &ms), true);
                assert_int_equal(ms, cases[i].ms);
            }
        }
    }
    int64_t days = 0;
    assert_true(iso_parse_date("1970-01-02", &days));
    assert_int_equal(days, 1);
    assert_true(iso_parse_date("1960-01-01", &days));
    assert_int_equal(days, -3653);
    assert_false(iso_parse_date("1970-01-02T00:00:00Z", &days));
}

static void test_parse_formats(void **state)
{
    (void)state;
    unsigned f = 0;
    sk_error err;
    assert_int_equal(sk_export_parse_formats("csv,xlsx,sav,dta", &f, &err), SK_OK);
    assert_int_equal(f, SK_FORMAT_CSV | SK_FORMAT_XLSX | SK_FORMAT_SAV | SK_FORMAT_DTA);
    assert_int_equal(sk_export_parse_formats("dta", &f, &err), SK_OK);
    assert_int_equal(f, SK_FORMAT_DTA);
    f = 7;
    assert_int_equal(sk_export_parse_formats("csv,xls", &f, &err), SK_ERR_ARG);
    assert_int_equal(f, 7);   /* untouched on failure */
    assert_non_null(strstr(err.message, "'xls'"));
    assert_non_null(strstr(err.message, "csv, xlsx, sav and dta"));
    assert_int_equal(sk_export_parse_formats("", &f, &err), SK_ERR_ARG);
    assert_int_equal(sk_export_parse_formats("csv,", &f, &err), SK_OK);
    assert_int_equal(f, SK_FORMAT_CSV);
}

/* A table's CSV says NA for asked and skipped, nothing for not asked; its
 * spool gives back the recorded values and states, row by row. */
static void test_table_cells_and_spool(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    csv_writer w;
    csv_init(&w, f);
    ex_table t;
    tab_init(&t, "responses");
    assert_int_equal(tab_col_add(&t, "role", "Your role", TT_CODED, TM_NOMINAL, true), 0);
    assert_int_equal(tab_col_add(&t, "years", "Years", TT_INT, TM_SCALE, true), 1);
    assert_int_equal(tab_col_add(&t, "training/msc", "MSc", TT_INT, TM_NOMINAL, true), 2);
    assert_true(tab_col_vlabel(&t, 0, 1, "clinical", "Clinical"));
    assert_true(tab_name_vars(&t));
    assert_string_equal(t.cols[2].var, "training_msc");
    char dir[] = "/tmp/sk_test_table_XXXXXX";
    assert_non_null(mkdtemp(dir));
    sk_error err;
    assert_int_equal(tab_begin(&t, &w, dir, &err), SK_OK);
    tab_cell(&t, "Clinical", "clinical", CELL_VALUE);
    tab_cell(&t, NULL, NULL, CELL_NOT_ASKED);
    tab_cell(&t, NULL, NULL, CELL_SKIPPED);
    tab_end_row(&t);
    tab_cell(&t, "=1", "=1", CELL_VALUE);   /* a short row is filled with empty cells */
    tab_end_row(&t);
    fflush(f);
    assert_string_equal(text, "role,years,training/msc\r\nClinical,,NA\r\n'=1,,\r\n");
    assert_int_equal(t.n_rows, 2);
    assert_int_equal(tab_rewind(&t, &err), SK_OK);
    assert_int_equal(tab_next_row(&t, &err), SK_OK);
    assert_string_equal(t.cells[0].value, "clinical");   /* recorded, not the CSV's label */
    assert_int_equal(t.cells[1].state, CELL_NOT_ASKED);
    assert_int_equal(t.cells[2].state, CELL_SKIPPED);
    assert_int_equal(tab_next_row(&t, &err), SK_OK);
    assert_string_equal(t.cells[0].value, "=1");
    assert_int_equal(t.cells[1].state, CELL_EMPTY);
    assert_int_equal(t.cols[0].width, strlen("clinical"));
    assert_string_equal(tab_code(&t.cols[0], "clinical")->label, "Clinical");
    assert_null(tab_code(&t.cols[0], "gone"));
    tab_free(&t);
    tab_free(NULL);
    fclose(f);
    free(text);
    assert_int_equal(rmdir(dir), 0);   /* the spool left no file behind */
}

/* ---- ethics.c: consent given, quotation consent -------------------- */

static const char ethics_md[] =
    "| survey |             |             |                   |          |            |               |\n"
    "|        | type        | name        | label             | required | appearance | quote_consent |\n"
    "|        | begin group | c           | Consent           |          | consent    |               |\n"
    "|        | acknowledge | agree_data  | Use my answers.   | yes      |            |               |\n"
    "|        | acknowledge | agree_quote | You may quote me. | no       |            |               |\n"
    "|        | text        | signer      | Your name         |          |            |               |\n"
    "|        | end group   |             |                   |          |            |               |\n"
    "|        | text        | role        | Your role         |          |            |               |\n"
    "|        | text        | comments    | Anything else?    |          | multiline  | agree_quote   |\n";

static sk_form *ethics_form(void)
{
    sk_form *form = NULL;
    sk_diags diags;
    sk_diags_init(&diags);
    assert_int_equal(sk_form_load_mem(ethics_md, sizeof ethics_md - 1, "ethics.md", &form, &diags,
                                      NULL),
                     SK_OK);
    sk_diags_free(&diags);
    return form;
}

/* "name=value;name=value" with c: for a consent-section answer. */
static void fill(sk_answers *a, const char *spec, const char *sitting)
{
    sk_answers_init(a);
    if (sitting)
        assert_int_equal(sk_answers_set_meta(&a->sitting_id, sitting), SK_OK);
    char *copy = strdup(spec), *save = NULL;
    for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        sk_section section = SK_SECTION_RESPONSE;
        if (strncmp(item, "c:", 2) == 0) {
            section = SK_SECTION_CONSENT;
            item += 2;
        }
        char *eq = strchr(item, '=');
        *eq = '\0';
        assert_int_equal(sk_answers_set(a, item, eq + 1, section, 1), SK_OK);
    }
    free(copy);
}

/* Consent is given when every required clause is ticked, whatever became of
 * the sitting afterwards. */
static void test_consent_given(void **state)
{
    (void)state;
    sk_form *form = ethics_form();
    static const struct {
        const char *answers;
        bool given;
    } cases[] = {
        {"c:agree_data=yes;c:agree_quote=no", true},            /* consent record */
        {"c:agree_data=yes;c:agree_quote=yes;role=x", true},    /* abandoned after consent */
        {"c:agree_data=yes", true},                              /* abandoned at once */
        {"c:agree_data=no;c:agree_quote=yes", false},           /* declined */
        {"c:agree_quote=yes;c:signer=Jo", false},               /* left on the consent page */
        {"role=x", false},                                       /* no consent answers */
        {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sk_answers a;
        fill(&a, cases[i].answers, "s1");
        if (ethics_consent_given(form, &a) != cases[i].given)
            fail_msg("case %zu (%s): expected %s", i, cases[i].answers,
                     cases[i].given ? "given" : "not given");
        sk_answers_free(&a);
    }
    sk_form_free(form);
}

/* A free-text answer is quoted only when its clause was ticked in the same
 * sitting: in the consent record just before it (same device, same sitting
 * id), or in the incomplete record itself. */
static void test_quote_verdicts(void **state)
{
    (void)state;
    sk_form *form = ethics_form();
    int comments = sk_form_find(form, "comments"), role = sk_form_find(form, "role");
    assert_true(ethics_form_quotes(form));
    static const struct {
        const char *consent, *consent_sitting, *consent_device; /* NULL consent: no record */
        const char *response, *sitting, *device;
        int q;   /* 0 comments, 1 role */
        quote_verdict want;
    } cases[] = {
        {"c:agree_data=yes;c:agree_quote=yes", "s1", "d1", "comments=x", "s1", "d1", 0, QUOTE_OK},
        {"c:agree_data=yes;c:agree_quote=no", "s1", "d1", "comments=x", "s1", "d1", 0,
         QUOTE_NOT_AGREED},
        {"c:agree_data=yes", "s1", "d1", "comments=x", "s1", "d1", 0, QUOTE_NOT_AGREED},
        /* another sitting's consent, or another device's, is no consent */
        {"c:agree_data=yes;c:agree_quote=yes", "s0", "d1", "comments=x", "s1", "d1", 0,
         QUOTE_NO_CONSENT},
        {"c:agree_data=yes;c:agree_quote=yes", "s1", "d2", "comments=x", "s1", "d1", 0,
         QUOTE_NO_CONSENT},
        {NULL, NULL, NULL, "comments=x", "s1", "d1", 0, QUOTE_NO_CONSENT},
        /* an incomplete record carries its own clauses */
        {NULL, NULL, NULL, "c:agree_quote=yes;comments=x", "s1", "d1", 0, QUOTE_OK},
        {"c:agree_quote=yes", "s1", "d1", "c:agree_quote=no;comments=x", "s1", "d1", 0,
         QUOTE_NOT_AGREED},
        /* a question without quote_consent is always quoted */
        {NULL, NULL, NULL, "role=x", "s1", "d1", 1, QUOTE_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        consent_memo memo = {0};
        if (cases[i].consent) {
            sk_answers c;
            fill(&c, cases[i].consent, cases[i].consent_sitting);
            assert_true(consent_memo_note(&memo, form, cases[i].consent_device, &c));
            sk_answers_free(&c);
        }
        sk_answers a;
        fill(&a, cases[i].response, cases[i].sitting);
        quote_verdict got = ethics_quote(form, cases[i].q ? role : comments, cases[i].device, &a,
                                         &memo);
        if (got != cases[i].want)
            fail_msg("case %zu: verdict %d, want %d", i, (int)got, (int)cases[i].want);
        sk_answers_free(&a);
        consent_memo_free(&memo);
    }
    assert_string_not_equal(ethics_verdict_reason(QUOTE_NOT_AGREED), "");
    assert_string_not_equal(ethics_verdict_reason(QUOTE_NO_CONSENT), "");
    sk_form_free(form);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quoting),     cmocka_unit_test(test_csv_row_shape),
        cmocka_unit_test(test_csv_formula_defused),
        cmocka_unit_test(test_output_modes_follow_umask),
        cmocka_unit_test(test_percent_and_freq), cmocka_unit_test(test_summary),
        cmocka_unit_test(test_histogram),        cmocka_unit_test(test_html_escape),
        cmocka_unit_test(test_svg_bars),         cmocka_unit_test(test_svg_diverging),
        cmocka_unit_test(test_svg_histogram),    cmocka_unit_test(test_iso_time),
        cmocka_unit_test(test_consent_given),    cmocka_unit_test(test_quote_verdicts),
        cmocka_unit_test(test_varname_safe),     cmocka_unit_test(test_varname_unique),
        cmocka_unit_test(test_iso_parse),        cmocka_unit_test(test_parse_formats),
        cmocka_unit_test(test_table_cells_and_spool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
