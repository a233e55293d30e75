/* test_text.c - sk_utf8_valid and sk_utf8_invalid_at (RFC 3629): a table of
 * well-formed and ill-formed sequences (overlong forms, surrogates, code
 * points above U+10FFFF, truncated sequences, stray continuation bytes), each
 * with the offset of the first bad byte, and every single byte value alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sk/text.h"

typedef struct utf8_case {
    const char *what;
    const char *s;
    size_t len;
    size_t bad_at; /* == len when valid */
} utf8_case;

#define OK(what, lit) {what, lit, sizeof lit - 1, sizeof lit - 1}
#define BAD(what, lit, at) {what, lit, sizeof lit - 1, at}

static const utf8_case cases[] = {
    OK("empty", ""),
    OK("ASCII", "hello, world"),
    OK("NUL counts as valid here", "a\0b"),
    OK("DEL", "\x7f"),
    OK("2 bytes, smallest (U+0080)", "\xc2\x80"),
    OK("2 bytes, largest (U+07FF)", "\xdf\xbf"),
    OK("3 bytes, smallest (U+0800)", "\xe0\xa0\x80"),
    OK("3 bytes, before the surrogates (U+D7FF)", "\xed\x9f\xbf"),
    OK("3 bytes, after the surrogates (U+E000)", "\xee\x80\x80"),
    OK("3 bytes, U+FFFD", "\xef\xbf\xbd"),
    OK("3 bytes, U+FFFF", "\xef\xbf\xbf"),
    OK("4 bytes, smallest (U+10000)", "\xf0\x90\x80\x80"),
    OK("4 bytes, largest (U+10FFFF)", "\xf4\x8f\xbf\xbf"),
    OK("mixed text", "Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac 5 \xf0\x9f\x98\x80!"),
    OK("umlaut label", "K\xc3\xbc" "che"),

    BAD("overlong NUL (C0 80)", "\xc0\x80", 0),
    BAD("overlong '/' (C0 AF)", "\xc0\xaf", 0),
    BAD("overlong 2-byte (C1 BF)", "\xc1\xbf", 0),
    BAD("overlong 3-byte (E0 80 80)", "\xe0\x80\x80", 0),
    BAD("overlong 3-byte U+07FF (E0 9F BF)", "\xe0\x9f\xbf", 0),
    BAD("overlong 4-byte (F0 80 80 80)", "\xf0\x80\x80\x80", 0),
    BAD("overlong 4-byte U+FFFF (F0 8F BF BF)", "\xf0\x8f\xbf\xbf", 0),
    BAD("high surrogate U+D800", "\xed\xa0\x80", 0),
    BAD("low surrogate U+DFFF", "\xed\xbf\xbf", 0),
    BAD("surrogate pair as CESU-8", "\xed\xa0\xbd\xed\xb8\x80", 0),
    BAD("U+110000 (F4 90 80 80)", "\xf4\x90\x80\x80", 0),
    BAD("lead F5", "\xf5\x80\x80\x80", 0),
    BAD("lead F8 (5-byte form)", "\xf8\x88\x80\x80\x80", 0),
    BAD("lead FC (6-byte form)", "\xfc\x84\x80\x80\x80\x80", 0),
    BAD("FE", "\xfe", 0),
    BAD("FF", "\xff", 0),
    BAD("truncated 2-byte at the end", "ab\xc3", 2),
    BAD("truncated 3-byte at the end", "ab\xe2\x82", 2),
    BAD("truncated 4-byte at the end", "ab\xf0\x9f\x98", 2),
    BAD("truncated 3-byte before ASCII", "\xe2\x82" "a", 0),
    BAD("truncated 4-byte before ASCII", "x\xf0\x9f" "ab", 1),
    BAD("lead then another lead", "\xc3\xc3\xa9", 0),
    BAD("stray continuation first", "\x80", 0),
    BAD("stray continuation after ASCII", "abc\xbf", 3),
    BAD("stray continuation after a full sequence", "\xc3\xa9\xa9", 2),
    BAD("bad third byte", "\xe2\x82\x41", 0),
    BAD("bad fourth byte", "\xf0\x9f\x98\x41", 0),
    BAD("valid then invalid", "caf\xc3\xa9 \xed\xa0\x80", 6),
};

static void test_utf8_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const utf8_case *c = &cases[i];
        /* exact-size copy so that ASan sees any read past the end */
        char *copy = malloc(c->len ? c->len : 1);
        memcpy(copy, c->s, c->len);
        bool valid = sk_utf8_valid(copy, c->len);
        size_t at = sk_utf8_invalid_at(copy, c->len);
        free(copy);
        if (valid != (c->bad_at == c->len))
            fail_msg("%s: sk_utf8_valid says %s", c->what, valid ? "valid" : "invalid");
        if (at != c->bad_at)
            fail_msg("%s: first bad byte at %zu, want %zu", c->what, at, c->bad_at);
    }
}

/* Every byte alone: valid exactly for ASCII; and every lead byte followed by
 * a continuation byte, to pin which leads can start a 2-byte sequence. */
static void test_utf8_single_bytes(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        char s[2] = {(char)b, (char)0x80};
        assert_int_equal(sk_utf8_valid(s, 1), b < 0x80);
        bool two = sk_utf8_valid(s, 2);
        bool want = b >= 0xC2 && b <= 0xDF; /* 2-byte leads; C0, C1 are overlong */
        if (two != want)
            fail_msg("byte %02x then 80: %s", b, two ? "valid" : "invalid");
    }
    /* a length shorter than the buffer is respected */
    assert_true(sk_utf8_valid("a\xff", 1));
    assert_false(sk_utf8_valid("a\xff", 2));
    assert_true(sk_utf8_valid("\xc3\xa9", 2));
    assert_false(sk_utf8_valid("\xc3\xa9", 1));
}

/* sk_plain_file_name: the names a pack may carry and a form may name. */
static const struct {
    const char *name;
    bool plain;
} file_names[] = {
    {"cat.png", true},
    {"a", true},
    {"...", true},              /* only "." and ".." are folders */
    {".hidden.jpg", true},
    {"with space.png", true},
    {"caf\xc3\xa9.png", true}, /* UTF-8 is the caller's check */
    {"hospitals.csv", true},
    {"", false},
    {".", false},
    {"..", false},
    {"pics/cat.png", false},
    {"/etc/passwd", false},
    {"../secret.csv", false},
    {"pics\\cat.png", false},  /* a folder on Windows */
    {"C:\\cat.png", false},
    {"cat/", false},
    {"tab\there.png", false},
    {"new\nline.png", false},
    {"esc\x1b[2J.png", false},
    {"del\x7f.png", false},
    {"\x01", false},
};

static void test_plain_file_name_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof file_names / sizeof *file_names; i++)
        if (sk_plain_file_name(file_names[i].name) != file_names[i].plain)
            fail_msg("'%s' (case %zu): want %s", file_names[i].name, i,
                     file_names[i].plain ? "accepted" : "refused");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_table),
        cmocka_unit_test(test_utf8_single_bytes),
        cmocka_unit_test(test_plain_file_name_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
