/* test_report.c - the report's own building blocks (issue 13): display
 * widths for `report --text` (CJK and emoji two columns, combining marks
 * none), chart labels wrapped instead of cut, the colours of bipolar and
 * unipolar rating scales, "% disagree / % agree" on Likert bars, bars by
 * group, and which scales count as bipolar (the form's `scale` column or
 * the choice labels). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report_model.h"

static void test_display_width(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t want;
    } cases[] = {
        {"", 0},
        {"Total", 5},
        {"rôl", 3},                        /* precomposed ô: one column */
        {"ro\xCC\x82l", 3},                /* o + COMBINING CIRCUMFLEX: still three */
        {"中文", 4},                       /* CJK: two columns each */
        {"59% (24/41)", 11},
        {"課程很有幫助", 12},
        {"한국어", 6},                     /* Hangul syllables */
        {"ｆｕｌｌ", 8},                   /* fullwidth Latin */
        {"\xF0\x9F\x98\x80", 2},           /* U+1F600 grinning face */
        {"ok \xF0\x9F\x91\x8D", 5},        /* thumbs up */
        {"\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", 2},  /* + skin tone modifier: no extra column */
        {"e\xE2\x80\x8D", 1},              /* zero width joiner */
        {"\xE2\x9D\xA4\xEF\xB8\x8F", 1},   /* heart + VS16: the selector adds nothing */
        {"a\xFF" "b", 3},                  /* a stray byte is one column (printed as something) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t got = utf8_width(cases[i].text);
        if (got != cases[i].want)
            fail_msg("case %zu '%s': width %zu, want %zu", i, cases[i].text, got, cases[i].want);
    }
    /* Padding lines up a CJK cell with an ASCII one. */
    xbuf b;
    xb_init(&b);
    xb_pad(&b, "中文", 6, false);
    xb_put(&b, "|");
    xb_pad(&b, "abcd", 6, false);
    xb_put(&b, "|");
    assert_string_equal(b.s, "中文  |abcd  |");
    xb_free(&b);
}

static void test_wrap(void **state)
{
    (void)state;
    svg_line lines[8];
    /* A short label stays on one line. */
    assert_int_equal(svg_wrap("Clinical", 220, lines, 8), 1);
    assert_int_equal(lines[0].len, 8);
    /* A long one is cut at spaces into lines that fit, and loses nothing. */
    const char *label = "Programme delivery or management of a digital transformation team";
    size_t n = svg_wrap(label, 220, lines, 8);
    assert_true(n >= 2);
    size_t letters = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(svg_text_px(label + lines[i].start, lines[i].len) <= 220);
        assert_true(label[lines[i].start] != ' ');
        letters += lines[i].len;
    }
    size_t spaces = 0;
    for (const char *p = label; *p; p++)
        spaces += *p == ' ';
    assert_int_equal(letters + (n - 1), strlen(label));   /* one space lost per break */
    (void)spaces;
    /* Chinese has no spaces: it breaks between characters, never inside one. */
    const char *zh = "这门课程改变了我对数字化领导力的理解并帮助我换了工作岗位";
    n = svg_wrap(zh, 120, lines, 8);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) {
        assert_true(lines[i].len % 3 == 0);   /* whole three-byte characters */
        assert_true(svg_text_px(zh + lines[i].start, lines[i].len) <= 120);
    }
    /* A word longer than a line is cut rather than run out of the chart. */
    n = svg_wrap("Pneumonoultramicroscopicsilicovolcanoconiosis", 100, lines, 8);
    assert_true(n >= 3);
    /* The last line allowed takes the rest. */
    n = svg_wrap("one two three four five six", 30, lines, 2);
    assert_int_equal(n, 2);
    assert_string_equal("one two three four five six" + lines[1].start, "two three four five six");
}

static int lightness(const char *hex)
{
    unsigned r, g, b;
    assert_int_equal(sscanf(hex, "#%02x%02x%02x", &r, &g, &b), 3);
    return (int)(r * 299 + g * 587 + b * 114) / 1000;
}

static void test_palettes(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 3, 4, 5, 6, 7};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t n = sizes[s];
        char colours[8][8];
        svg_scale_colours(n, true, colours);
        size_t half = n / 2;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (strcmp(colours[i], colours[j]) == 0)
                    fail_msg("%zu-point bipolar: steps %zu and %zu share %s", n, i, j, colours[i]);
        /* Mirrored: step i from the left edge as strong as step i from the right. */
        for (size_t i = 0; i < half; i++) {
            int l = lightness(colours[i]), r = lightness(colours[n - 1 - i]);
            if (abs(l - r) > 25)
                fail_msg("%zu-point: %s and %s are not equally strong", n, colours[i],
                         colours[n - 1 - i]);
            assert_true(colours[i][1] > colours[i][5]);          /* red side */
            assert_true(colours[n - 1 - i][5] > colours[n - 1 - i][1]);  /* blue side */
        }
        /* Both ends are the strongest colours, the middle neutral grey. */
        assert_string_equal(colours[0], "#b2182b");
        assert_string_equal(colours[n - 1], "#2166ac");
        for (size_t i = 1; i < half; i++)
            assert_true(lightness(colours[i]) > lightness(colours[i - 1]));
        if (n % 2)
            assert_string_equal(colours[half], "#d9d9d9");

        /* Unipolar: one hue, darker at every step. */
        svg_scale_colours(n, false, colours);
        for (size_t i = 1; i < n; i++)
            assert_true(lightness(colours[i]) < lightness(colours[i - 1]));
    }
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_likert_captions(void **state)
{
    (void)state;
    const size_t counts[] = {1, 1, 2, 3, 3};
    svg_drow row = {"I lead change with more courage than before the course began", counts, 10};
    const char *labels[] = {"Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"};
    xbuf b;
    xb_init(&b);
    svg_likert(&b, &row, 1, labels, 5, true);
    assert_non_null(strstr(b.s, "% disagree"));
    assert_non_null(strstr(b.s, "% agree"));
    assert_non_null(strstr(b.s, ">20%<"));   /* 2 of 10 disagree */
    assert_non_null(strstr(b.s, ">60%<"));   /* 6 of 10 agree */
    assert_true(count_of(b.s, "<tspan") >= 2);   /* the long label is wrapped */
    assert_non_null(strstr(b.s, "fill=\"#b2182b\""));
    assert_non_null(strstr(b.s, "fill=\"#2166ac\""));
    xb_free(&b);

    /* Unipolar: no centre line, no agree captions, a sequential palette. */
    const char *often[] = {"Never", "Sometimes", "Often"};
    const size_t c3[] = {2, 3, 5};
    svg_drow r3 = {"Use of data", c3, 10};
    svg_likert(&b, &r3, 1, often, 3, false);
    assert_null(strstr(b.s, "% agree"));
    assert_null(strstr(b.s, "class=\"axis\""));
    assert_non_null(strstr(b.s, "Often: 50% (5/10)"));
    xb_free(&b);
}

static void test_grouped_bars(void **state)
{
    (void)state;
    svg_bar items[] = {{"Yes", 0, 0}, {"No", 0, 0}};
    const char *groups[] = {"Clinical", "Management", "Total"};
    const size_t counts[] = {3, 1, 4, 1, 3, 4};   /* [item][group] */
    const size_t of[] = {4, 4, 8};
    xbuf b;
    xb_init(&b);
    svg_grouped_bars(&b, items, 2, groups, 3, counts, of);
    assert_non_null(strstr(b.s, "Clinical: 75% (3/4)"));
    assert_non_null(strstr(b.s, "Management: 25% (1/4)"));
    assert_non_null(strstr(b.s, "Total: 50% (4/8)"));
    assert_int_equal(count_of(b.s, "<title>"), 6);
    /* The legend names every group once more. */
    assert_int_equal(count_of(b.s, ">Management</tspan>"), 1);
    xb_free(&b);
}

static sk_form *form_of(const char *md)
{
    sk_form *f = NULL;
    sk_error err;
    sk_diags diags;
    sk_diags_init(&diags);
    if (sk_form_load_mem(md, strlen(md), "t.md", &f, &diags, &err) != SK_OK)
        fail_msg("form: %s (%s)", err.message, diags.n ? diags.items[0].message : "");
    sk_diags_free(&diags);
    return f;
}

static void test_scale_kind(void **state)
{
    (void)state;
    static const char md[] =
        "| survey |\n"
        "| | type | name | label | appearance | scale |\n"
        "| | select_one agree | a1 | Courage | likert | |\n"
        "| | select_one often | o1 | Use | likert | |\n"
        "| | select_one often | o2 | Use again | likert | bipolar |\n"
        "| | select_one agree | a2 | Courage again | likert | unipolar |\n"
        "| | select_one coded | c1 | Coded | likert | |\n"
        "| choices |\n"
        "| | list_name | name | label |\n"
        "| | agree | 1 | Disagree |\n"
        "| | agree | 2 | Neither |\n"
        "| | agree | 3 | Agree |\n"
        "| | often | never | Never |\n"
        "| | often | some | Sometimes |\n"
        "| | often | often | Often |\n"
        "| | coded | -1 | Minus |\n"
        "| | coded | 0 | Zero |\n"
        "| | coded | 1 | Plus |\n";
    sk_form *f = form_of(md);
    assert_true(tally_bipolar(f, sk_form_find(f, "a1")));    /* "disagree" in a label */
    assert_false(tally_bipolar(f, sk_form_find(f, "o1")));   /* never .. often */
    assert_true(tally_bipolar(f, sk_form_find(f, "o2")));    /* the form says so */
    assert_false(tally_bipolar(f, sk_form_find(f, "a2")));
    assert_true(tally_bipolar(f, sk_form_find(f, "c1")));    /* -1 .. 1 */
    sk_form_free(f);

    /* A value the report does not understand is refused with its place. */
    static const char bad[] = "| survey |\n"
                              "| | type | name | label | scale |\n"
                              "| | select_one yn | q | Q | sideways |\n"
                              "| choices |\n"
                              "| | list_name | name | label |\n"
                              "| | yn | y | Yes |\n";
    sk_form *g = NULL;
    sk_error err;
    sk_diags diags;
    sk_diags_init(&diags);
    sk_status st = sk_form_load_mem(bad, strlen(bad), "bad.md", &g, &diags, &err);
    assert_int_not_equal(st, SK_OK);
    bool named = false;
    for (size_t i = 0; i < diags.n; i++)
        named |= strstr(diags.items[i].message, "scale is 'sideways'") != NULL &&
                 diags.items[i].row == 2;
    assert_true(named);
    sk_diags_free(&diags);
    sk_form_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_display_width), cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_palettes),      cmocka_unit_test(test_likert_captions),
        cmocka_unit_test(test_grouped_bars),  cmocka_unit_test(test_scale_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
