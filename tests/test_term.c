/* test_term.c - survey-sync's escaping of untrusted text for the terminal
 * (sync/term.c): what `survey-sync inspect` prints of a pack's title, form
 * id, file name or a bundle's device label must not be able to drive the
 * terminal, and readable text must stay readable. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "term.h"

static const struct {
    const char *in, *out;
} cases[] = {
    /* Printable text, in any script, is untouched. */
    {"", ""},
    {"DHLP follow-up 2026", "DHLP follow-up 2026"},
    {"Rôl ddigidol ✓ — 100%", "Rôl ddigidol ✓ — 100%"},
    {"数字健康领导力调查", "数字健康领导力调查"},
    {"Thanks 🎉👍🏽", "Thanks 🎉👍🏽"},
    {"back\\slash and ~", "back\\slash and ~"},
    {"\xc2\xa0nbsp \xc2\xa9", "\xc2\xa0nbsp \xc2\xa9"},   /* U+00A0, U+00A9: printable */
    /* ESC sequences: clear screen, cursor up, OSC window title. */
    {"\x1b[2JSurvey", "\\x1b[2JSurvey"},
    {"ok\x1b[1A\x1b[2Ksignature: ok", "ok\\x1b[1A\\x1b[2Ksignature: ok"},
    {"\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"},
    /* Every other C0 control and DEL. */
    {"a\tb\nc\rd", "a\\x09b\\x0ac\\x0dd"},
    {"\x01\x08\x1f", "\\x01\\x08\\x1f"},
    {"del\x7f", "del\\x7f"},
    /* C1 controls U+0080..U+009F (CSI is U+009B) as code points. */
    {"\xc2\x9b" "2J", "\\u{9b}2J"},
    {"\xc2\x80\xc2\x9f", "\\u{80}\\u{9f}"},
    /* Bytes that are not UTF-8: each shown as itself. */
    {"\x9b" "2J", "\\x9b2J"},                    /* a lone continuation byte (8-bit CSI) */
    {"\xff\xfe", "\\xff\\xfe"},
    {"\xc0\xaf", "\\xc0\\xaf"},                  /* overlong '/' */
    {"\xe0\x80\xaf", "\\xe0\\x80\\xaf"},         /* overlong, three bytes */
    {"\xed\xa0\x80", "\\xed\\xa0\\x80"},         /* a UTF-16 surrogate */
    {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"}, /* above U+10FFFF */
    {"cut \xe6\x95", "cut \\xe6\\x95"},          /* truncated at the end */
    {"\xe6\x95" "A", "\\xe6\\x95A"},             /* truncated before ASCII */
};

static void test_escape_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = term_escape(cases[i].in);
        assert_non_null(got);
        if (strcmp(got, cases[i].out) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, got, cases[i].out);
        free(got);
    }
}

static void test_put_matches_escape(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        assert_non_null(f);
        term_put(f, cases[i].in);
        term_put(f, NULL);
        fclose(f);
        assert_string_equal(text, cases[i].out);
        free(text);
    }
}

/* Whatever comes in, nothing that reaches the terminal is a control byte or
 * invalid UTF-8: every byte value, alone and after a lead byte. */
static void test_no_control_survives(void **state)
{
    (void)state;
    for (int a = 1; a < 256; a++)
        for (int b = 0; b < 256; b++) {
            char in[3] = {(char)a, (char)b, 0};
            char *got = term_escape(in);
            assert_non_null(got);
            for (const unsigned char *p = (const unsigned char *)got; *p; p++) {
                assert_true(*p >= 0x20 && *p != 0x7f);
                if (p[0] == 0xc2)
                    assert_true(p[1] < 0x80 || p[1] > 0x9f);
            }
            free(got);
        }
    char *empty = term_escape(NULL);
    assert_string_equal(empty, "");
    free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_table),
        cmocka_unit_test(test_put_matches_escape),
        cmocka_unit_test(test_no_control_survives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
