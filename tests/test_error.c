/* test_error.c - located error messages and the diagnostics list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sk/error.h"

static const struct {
    const char *file, *sheet;
    unsigned row;
    const char *column, *message, *want;
} format_cases[] = {
    {"form.xlsx", "survey", 12, NULL, "unknown type 'geopoint'",
     "form.xlsx:survey:12: unknown type 'geopoint'"},
    {"form.xlsx", "survey", 12, "relevant", "unexpected ')' at character 4",
     "form.xlsx:survey:12:relevant: unexpected ')' at character 4"},
    {"b.skb", NULL, 0, NULL, "the signature does not verify", "b.skb: the signature does not verify"},
    {NULL, NULL, 0, NULL, "out of memory", "out of memory"},
    {"f.md", "settings", 0, NULL, "no form_id", "f.md:settings: no form_id"},
};

static void test_format_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof format_cases / sizeof format_cases[0]; i++) {
        sk_error err;
        sk_error_clear(&err);
        sk_status st = sk_error_set_at(&err, SK_ERR_INVALID, format_cases[i].file,
                                       format_cases[i].sheet, format_cases[i].row,
                                       format_cases[i].column, "%s", format_cases[i].message);
        assert_int_equal(st, SK_ERR_INVALID);
        assert_int_equal(err.status, SK_ERR_INVALID);
        char buf[1200];
        size_t n = sk_error_format(&err, buf, sizeof buf);
        assert_string_equal(buf, format_cases[i].want);
        assert_int_equal(n, strlen(format_cases[i].want));
    }
}

static void test_format_truncates_like_snprintf(void **state)
{
    (void)state;
    sk_error err;
    sk_error_set_at(&err, SK_ERR_IO, "a.xlsx", NULL, 0, NULL, "cannot open");
    char small[8];
    size_t want = sk_error_format(&err, small, sizeof small);
    assert_int_equal(want, strlen("a.xlsx: cannot open"));
    assert_string_equal(small, "a.xlsx:");
}

static void test_set_clears_location(void **state)
{
    (void)state;
    sk_error err;
    sk_error_set_at(&err, SK_ERR_INVALID, "f", "survey", 3, "name", "x");
    sk_error_set(&err, SK_ERR_IO, "disk %s", "gone");
    char buf[200];
    sk_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "disk gone");
    sk_error_set_file(&err, "k.db");
    sk_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "k.db: disk gone");
    assert_int_equal(sk_error_set(NULL, SK_ERR_NOMEM, "no"), SK_ERR_NOMEM); /* NULL err is fine */
}

static void test_long_message_is_truncated_not_overflowed(void **state)
{
    (void)state;
    char longmsg[2000];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    sk_error err;
    sk_error_set(&err, SK_ERR_FORMAT, "%s", longmsg);
    assert_true(strlen(err.message) < sizeof err.message);
    assert_true(strlen(err.message) > 100);
}

static void test_diags_sorted_by_sheet_then_row(void **state)
{
    (void)state;
    sk_diags d;
    sk_diags_init(&d);
    assert_int_equal(sk_diags_add(&d, "f.xlsx", "settings", 2, NULL, "c"), SK_OK);
    assert_int_equal(sk_diags_add(&d, "f.xlsx", "choices", 9, NULL, "b"), SK_OK);
    assert_int_equal(sk_diags_add(&d, "f.xlsx", "survey", 30, NULL, "a2"), SK_OK);
    assert_int_equal(sk_diags_add(&d, "f.xlsx", "survey", 4, NULL, "a1"), SK_OK);
    assert_int_equal(sk_diags_add(&d, "f.xlsx", NULL, 0, NULL, "file"), SK_OK);
    for (int i = 0; i < 100; i++) /* the list grows */
        assert_int_equal(sk_diags_add(&d, "f.xlsx", "survey", 100u + (unsigned)i, NULL, "n"), SK_OK);
    sk_diags_sort(&d);
    assert_int_equal(d.n, 105);
    assert_string_equal(d.items[0].message, "file");
    assert_string_equal(d.items[1].message, "a1");
    assert_string_equal(d.items[2].message, "a2");
    assert_string_equal(d.items[102].sheet, "survey");
    assert_string_equal(d.items[103].message, "b");
    assert_string_equal(d.items[104].message, "c");
    sk_diags_free(&d);
    sk_diags_free(NULL);
}

static void test_status_names_distinct(void **state)
{
    (void)state;
    for (int a = SK_OK; a <= SK_ERR_UNSUPPORTED; a++) {
        assert_non_null(sk_status_name((sk_status)a));
        for (int b = a + 1; b <= SK_ERR_UNSUPPORTED; b++)
            assert_string_not_equal(sk_status_name((sk_status)a), sk_status_name((sk_status)b));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_format_truncates_like_snprintf),
        cmocka_unit_test(test_set_clears_location),
        cmocka_unit_test(test_long_message_is_truncated_not_overflowed),
        cmocka_unit_test(test_diags_sorted_by_sheet_then_row),
        cmocka_unit_test(test_status_names_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
