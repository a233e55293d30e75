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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrap_cases),
        cmocka_unit_test(test_count_without_room),
        cmocka_unit_test(test_utf8_decoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
