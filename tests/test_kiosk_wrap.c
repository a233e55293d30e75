/* test_kiosk_wrap.c - UTF-8 line breaking: spaces, CJK, long words, '\n'.
 * A fixed-width measure (10 px per character, 20 px for a CJK character)
 * makes the expected lines exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "textwrap.h"

static int measure(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    int w = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += tw_utf8_next(s + i, len - i, &cp);
        w += tw_is_cjk(cp) ? 20 : 10;
    }
    return w;
}

typedef struct wrap_case {
    const char *name, *text;
    int width;
    const char *want; /* lines joined with '|' */
} wrap_case;

static const wrap_case cases[] = {
    {"fits", "Hello world", 200, "Hello world"},
    {"breaks at the last space that fits", "The quick brown fox", 100, "The quick|brown fox"},
    {"trailing spaces are not drawn", "aaaa bbbb", 50, "aaaa|bbbb"},
    {"several spaces", "aa   bb", 40, "aa|bb"},
    {"a word longer than the line is split", "abcdefghijkl", 50, "abcde|fghij|kl"},
    {"newline starts a paragraph", "one\ntwo three", 200, "one|two three"},
    {"empty line kept", "a\n\nb", 200, "a||b"},
    {"empty text is one empty line", "", 100, ""},
    {"accents are one character each", "ééééé ééé", 50, "ééééé|ééé"},
    {"CJK breaks between any characters", "我们的研究很重要", 60, "我们的|研究很|重要"},
    {"CJK punctuation stays with its character", "研究。重要", 40, "研|究。|重要"},
    {"mixed Latin and CJK", "ok 研究研究", 60, "ok 研|究研究"},
    {"Cyrillic words", "Привет мир", 60, "Привет|мир"},
};

static void join(const char *text, const tw_line *lines, size_t n, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strncat(out, "|", size - strlen(out) - 1);
        strncat(out, text + lines[i].start,
                lines[i].len < size - strlen(out) - 1 ? lines[i].len : size - strlen(out) - 1);
    }
}

static void test_wrap_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const wrap_case *c = &cases[i];
        tw_line lines[32];
        size_t n = tw_wrap(c->text, c->width, measure, NULL, lines, 32);
        char got[512];
        join(c->text, lines, n, got, sizeof got);
        if (strcmp(got, c->want) != 0)
            fail_msg("%s: wrapping \"%s\" at %d gave \"%s\", want \"%s\"", c->name, c->text,
                     c->width, got, c->want);
        for (size_t k = 0; k < n; k++)
            if (lines[k].len > 0 &&
                measure(NULL, c->text + lines[k].start, lines[k].len) > c->width &&
                lines[k].len > 4 /* a single character wider than the line is allowed */)
                fail_msg("%s: line %zu is wider than %d", c->name, k, c->width);
    }
}

static void test_count_without_room(void **state)
{
    (void)state;
    /* With no room for lines the count still comes back, to size an array. */
    size_t n = tw_wrap("aa bb cc dd", 20, measure, NULL, NULL, 0);
    assert_int_equal(n, 4);
}

static void test_utf8_decoding(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(tw_utf8_next("\xC3\xA9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(tw_utf8_next("\xE4\xBD\xA0", 3, &cp), 3);
    assert_int_equal(cp, 0x4F60);
    assert_int_equal(tw_utf8_next("\xF0\x9F\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* Broken sequences advance one byte as U+FFFD, so wrapping never loops. */
    assert_int_equal(tw_utf8_next("\xC3(", 2, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(tw_utf8_next("\xE4\xBD", 2, &cp), 1);
    tw_line lines[8];
    size_t n = tw_wrap("\xFF\xFE abc", 30, measure, NULL, lines, 8);
    assert_true(n >= 1 && n <= 3);
}

/* A word of 3,000 characters (emoji typed without spaces) wraps as the
 * character-by-character rule says: every line as long as fits, measured
 * in O(log n) steps per line (see fit_chars). */
static int calls;
static int counting_measure(void *ctx, const char *s, size_t len)
{
    calls++;
    return measure(ctx, s, len);
}

static void test_long_word(void **state)
{
    (void)state;
    static char text[3 * 3000 + 1];
    for (size_t i = 0; i < 3000; i++)
        memcpy(text + 3 * i, "\xC3\xA9x", 3); /* "éx": no space, no CJK: one word */
    text[3 * 3000] = '\0';
    static tw_line lines[2000];
    calls = 0;
    size_t n = tw_wrap(text, 200, counting_measure, NULL, lines, 2000);
    assert_true(n > 10 && n < 2000);
    size_t at = 0;
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(lines[k].start, at);
        assert_true(measure(NULL, text + lines[k].start, lines[k].len) <= 200);
        size_t end = lines[k].start + lines[k].len;
        if (k + 1 < n) {
            /* one more character would not have fitted */
            uint32_t cp;
            size_t l = tw_utf8_next(text + end, strlen(text + end), &cp);
            assert_true(measure(NULL, text + lines[k].start, lines[k].len + l) > 200);
        }
        at = end;
    }
    assert_int_equal(at, strlen(text));
    assert_true(calls < (int)n * 40); /* not one measurement per character */
}

static void test_clusters(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
        size_t clusters, last; /* cluster count, byte length of the last cluster */
    } c[] = {
        {"ASCII", "abc", 3, 1},
        {"combining acute", "e\xCC\x81", 1, 3},
        {"skin tone", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", 1, 8},
        {"ZWJ family", "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
         1, 18},
        {"two flags", "\xF0\x9F\x87\xAC\xF0\x9F\x87\xA7\xF0\x9F\x87\xAF\xF0\x9F\x87\xB5", 2, 8},
        {"three regional indicators", "\xF0\x9F\x87\xAC\xF0\x9F\x87\xA7\xF0\x9F\x87\xAF", 2, 4},
        {"keycap", "1\xEF\xB8\x8F\xE2\x83\xA3", 1, 7},
        {"letter then emoji with tone",
         "a\xF0\x9F\x91\xA9\xF0\x9F\x8F\xBE\xE2\x80\x8D\xF0\x9F\x92\xBB", 2, 15},
        {"Chinese", "\xE4\xBD\xA0\xE5\xA5\xBD", 2, 3},
        {"line break", "a\nb", 3, 1},
        {"empty", "", 0, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        size_t len = strlen(c[i].text);
        if (tw_cluster_count(c[i].text, len) != c[i].clusters)
            fail_msg("%s: %zu clusters, want %zu", c[i].name, tw_cluster_count(c[i].text, len),
                     c[i].clusters);
        size_t prev = tw_cluster_prev(c[i].text, len);
        if (len - prev != c[i].last)
            fail_msg("%s: last cluster %zu bytes, want %zu", c[i].name, len - prev, c[i].last);
    }
    assert_int_equal(tw_cp_count("a\xE4\xBD\xA0\xF0\x9F\x98\x80", 8), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrap_cases),
        cmocka_unit_test(test_count_without_room),
        cmocka_unit_test(test_utf8_decoding),
        cmocka_unit_test(test_long_word),
        cmocka_unit_test(test_clusters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
