/* test_expr_regex.c - regex(): Java patterns (as ODK's JavaRosa reads them)
 * translated to POSIX.  Each row is a pattern, an answer, and whether Java's
 * Matcher.find() matches it (1/0), or "!fragment" for a refusal.  The
 * patterns are constraints as form authors write them (e-mail addresses,
 * phone numbers, NHS numbers, UK postcodes), plus the two defects of
 * issue 11: [\w-\.] must mean word characters, '-' and '.', and [a-z\.]
 * must not match a backslash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sk/expr.h"

typedef struct re_case {
    const char *pattern;
    const char *answer;
    const char *want; /* "1" matches, "0" does not, "!..." refused at compile time */
} re_case;

static const re_case cases[] = {
    /* issue 11: escapes inside brackets */
    {"^[\\w-\\.]+$", "ann.lee-smith_2", "1"},
    {"^[\\w-\\.]+$", "ann lee", "0"},
    {"^[\\w-\\.]+$", "a\\b", "0"},
    {"^[a-z\\.]+$", "a.b", "1"},
    {"^[a-z\\.]+$", "a\\b", "0"},            /* POSIX alone would accept the backslash */
    {"^[\\-+]?\\d+$", "-12", "1"},
    {"^[\\-+]?\\d+$", "+12", "1"},
    {"^[\\-+]?\\d+$", "12-", "0"},
    {"^[\\[\\]]+$", "[]", "1"},
    {"^[\\^a]+$", "^a", "1"},
    {"^[\\^]$", "^", "1"},
    {"^[^\\^]$", "^", "0"},
    {"^[\\\\]$", "\\", "1"},
    {"^[a\\-z]+$", "-", "1"},
    {"^[a\\-z]+$", "b", "0"},               /* escaped '-' is not a range */
    {"^[\\d\\s]+$", "12 34", "1"},
    {"^[\\t ]+$", "\t ", "1"},
    {"^[^\\d]+$", "abc", "1"},
    {"^[^\\d]+$", "a1", "0"},
    {"^[\\D]+$", "abc", "1"},
    {"^[\\W]$", "a", "0"},
    {"^[\\W]$", "%", "1"},
    {"^[\\x41-\\x43]+$", "ABC", "1"},
    {"^[\\x41-\\x43]+$", "ABD", "0"},
    {"^[a-c\\u00e9]+$", "abé", "1"},         /* non-ASCII in a bracket: whole characters */
    {"^[a-cé]+$", "cé", "1"},
    {"^[é]$", "\xc3", "0"},                   /* not one byte of it */
    {"^[[:alpha:]]+$", "abc", "1"},
    {"^[]a]+$", "]a", "1"},
    /* escapes outside brackets */
    {"^\\d{3}$", "123", "1"},
    {"^\\w+$", "é", "0"},                      /* Java's \w is ASCII */
    {"^a\\-b$", "a-b", "1"},
    {"^a\\/b$", "a/b", "1"},
    {"^\\<a$", "<a", "1"},                     /* not glibc's start-of-word */
    {"^\\$\\d+\\.\\d{2}$", "$10.50", "1"},
    {"\\Aab\\z", "ab", "1"},
    {"^\\Qa.b\\E$", "a.b", "1"},
    {"^\\Qa.b\\E$", "axb", "0"},
    {"^\\p{Upper}\\p{Lower}+$", "Ann", "1"},
    {"^\\p{L}+$", "Ann2", "0"},
    {"\\bcat\\b", "a cat sat", "1"},
    {"\\bcat\\b", "concatenate", "0"},
    {"^(?:ab)+$", "abab", "1"},
    {"(?i)^yes$", "YES", "1"},
    {"^yes$", "YES", "0"},
    {"^a\\u0020b$", "a b", "1"},
    /* e-mail addresses */
    {"^[\\w-\\.]+@([\\w-]+\\.)+[\\w-]{2,4}$", "ann.lee@example.org", "1"},
    {"^[\\w-\\.]+@([\\w-]+\\.)+[\\w-]{2,4}$", "ann-lee@mail.example.co.uk", "1"},
    {"^[\\w-\\.]+@([\\w-]+\\.)+[\\w-]{2,4}$", "ann lee@example.org", "0"},
    {"^[\\w-\\.]+@([\\w-]+\\.)+[\\w-]{2,4}$", "ann@example", "0"},
    {"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,4}", "x.y+z@a-b.io", "1"},
    {"^[a-zA-Z0-9._%+\\-]+@[a-zA-Z0-9.\\-]+\\.[a-zA-Z]{2,}$", "ann@ex.ample", "1"},
    {"^[a-zA-Z0-9._%+\\-]+@[a-zA-Z0-9.\\-]+\\.[a-zA-Z]{2,}$", "ann@ex\\ample", "0"},
    /* phone numbers */
    {"^\\+?[0-9]{10,13}$", "+447700900123", "1"},
    {"^\\+?[0-9]{10,13}$", "07700 900123", "0"},
    {"^(\\+44\\s?7\\d{3}|\\(?07\\d{3}\\)?)\\s?\\d{3}\\s?\\d{3}$", "07700 900 123", "1"},
    {"^(\\+44\\s?7\\d{3}|\\(?07\\d{3}\\)?)\\s?\\d{3}\\s?\\d{3}$", "+44 7700 900 123", "1"},
    {"^(\\+44\\s?7\\d{3}|\\(?07\\d{3}\\)?)\\s?\\d{3}\\s?\\d{3}$", "06700 900 123", "0"},
    {"^[0-9]{3}[\\-\\s]?[0-9]{3}[\\-\\s]?[0-9]{4}$", "555-123-4567", "1"},
    /* NHS numbers */
    {"^\\d{3}\\s?\\d{3}\\s?\\d{4}$", "943 476 5919", "1"},
    {"^\\d{3}\\s?\\d{3}\\s?\\d{4}$", "9434765919", "1"},
    {"^\\d{3}\\s?\\d{3}\\s?\\d{4}$", "943-476-5919", "0"},
    {"^[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}$", "943-476-5919", "1"},
    /* UK postcodes */
    {"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", "SW1A 1AA", "1"},
    {"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", "M1 1AE", "1"},
    {"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", "m1 1ae", "0"},
    {"(?i)^[A-Z]{1,2}\\d[A-Z\\d]? ?\\d[A-Z]{2}$", "m1 1ae", "1"},
    {"^([Gg][Ii][Rr] 0[Aa]{2})|((([A-Za-z][0-9]{1,2})|(([A-Za-z][A-Ha-hJ-Yj-y][0-9]{1,2})|"
     "(([A-Za-z][0-9][A-Za-z])|([A-Za-z][A-Ha-hJ-Yj-y][0-9][A-Za-z]?))))\\s?[0-9][A-Za-z]{2})$",
     "EC1A 1BB", "1"},
    /* refused with a reason */
    {"^(?=a)a$", "a", "!look-ahead"},
    {"^(?<n>a)$", "a", "!named groups"},
    {"^[a-z&&[^e]]$", "a", "!intersections"},
    {"^[\\Sa]$", "a", "!must stand alone"},
    {"\\p{Greek}", "a", "!\\p{Greek} is not supported"},
    {"\\k", "a", "!escape '\\k' is not supported"},
    {"[z-a]", "a", "!runs backwards"},
    {"[abc", "a", "!never closed"},
    {"\\x4", "a", "!hexadecimal"},
};

static void test_patterns(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const re_case *c = &cases[i];
        /* Build regex(., 'pattern'); no case uses a quote. */
        char src[600];
        snprintf(src, sizeof src, "regex(., '%s')", c->pattern);
        sk_expr *e = NULL;
        sk_error err;
        sk_error_clear(&err);
        sk_status st = sk_expr_compile(src, &e, &err);
        char got[600];
        if (st != SK_OK) {
            snprintf(got, sizeof got, "!%s", err.message);
        } else {
            sk_eval_ctx ctx = {.self = c->answer};
            bool m = false;
            st = sk_expr_eval_bool(e, &ctx, &m, &err);
            snprintf(got, sizeof got, "%s", st != SK_OK ? err.message : m ? "1" : "0");
            sk_expr_free(e);
        }
        int ok = c->want[0] == '!' ? got[0] == '!' && strstr(got, c->want + 1) != NULL
                                   : strcmp(got, c->want) == 0;
        if (!ok) {
            fprintf(stderr, "case %zu: /%s/ on \"%s\"\n   want: %s\n    got: %s\n", i,
                    c->pattern, c->answer, c->want, got);
            failures++;
        }
    }
    fprintf(stderr, "%zu regex cases, %d failed\n", sizeof cases / sizeof cases[0], failures);
    assert_int_equal(failures, 0);
}

/* A computed pattern goes through the same translation when evaluated. */
static void test_computed_pattern(void **state)
{
    (void)state;
    sk_expr *e = NULL;
    assert_int_equal(sk_expr_compile("regex(., concat('^[a-z', '\\.]+$'))", &e, NULL), SK_OK);
    sk_eval_ctx ctx = {.self = "a\\b"};
    bool m = true;
    assert_int_equal(sk_expr_eval_bool(e, &ctx, &m, NULL), SK_OK);
    assert_false(m);
    ctx.self = "a.b";
    assert_int_equal(sk_expr_eval_bool(e, &ctx, &m, NULL), SK_OK);
    assert_true(m);
    sk_expr_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_computed_pattern),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
