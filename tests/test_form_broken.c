/* test_form_broken.c - the broken-form suite: each file in
 * tests/data/forms/broken/ must be refused with the right place and a
 * message a researcher can act on.  One row of the table per file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sk/form.h"

typedef struct broken_case {
    const char *file;
    sk_status status;
    const char *where;    /* "sheet:row" or "sheet:row:col" of the expected problem ("" = file) */
    const char *fragment; /* part of its message */
} broken_case;

static const broken_case cases[] = {
    {"unknown_type.md", SK_ERR_INVALID, "survey:3:A", "unknown type 'geopint'"},
    {"repeat_nested.md", SK_ERR_INVALID, "survey:3", "does not collect nested repeats"},
    {"repeat_bare_ref.md", SK_ERR_INVALID, "survey:5:D", "use count(${kids}), sum(${age})"},
    {"repeat_end_mismatch.md", SK_ERR_INVALID, "survey:4:A", "write end_repeat here"},
    {"repeat_count_inside.md", SK_ERR_INVALID, "survey:2:D", "inside the repeat itself"},
    {"unknown_list.md", SK_ERR_INVALID, "survey:2:A", "unknown choice list 'yn'"},
    {"no_choices_sheet.md", SK_ERR_INVALID, "survey:2:A", "there is no choices sheet"},
    {"duplicate_name.md", SK_ERR_INVALID, "survey:4:B", "duplicate name 'a' (also on row 2)"},
    {"duplicate_name.csv", SK_ERR_INVALID, "survey:3:B", "duplicate name 'a'"},
    {"undefined_ref.md", SK_ERR_INVALID, "survey:3:D", "${nosuch}"},
    {"syntax_error.md", SK_ERR_INVALID, "survey:2:D", "syntax error in constraint"},
    {"circular.md", SK_ERR_INVALID, "survey:", "circular calculation: x -> y -> z -> x"},
    {"space_in_multi.md", SK_ERR_INVALID, "choices:3", "'short course' contains a space"},
    {"unclosed_group.md", SK_ERR_INVALID, "survey:2", "'g' is never closed"},
    {"stray_end_group.md", SK_ERR_INVALID, "survey:3:A", "end_group without a matching"},
    {"missing_label.md", SK_ERR_INVALID, "survey:3", "'b' has no label"},
    {"no_survey.md", SK_ERR_INVALID, "", "there is no 'survey' sheet"},
    {"no_type_column.md", SK_ERR_INVALID, "survey:1", "no 'type' column"},
    {"bad_name.md", SK_ERR_INVALID, "survey:2:B", "'1st q' is not a valid name"},
    {"bad_range.md", SK_ERR_INVALID, "survey:2:D", "range step must be greater than 0"},
    {"bad_default.md", SK_ERR_INVALID, "survey:2:D", "default 'maybe' is not a choice"},
    {"consent_after_questions.md", SK_ERR_INVALID, "survey:3:D", "must come before the questions"},
    {"consent_bad_content.md", SK_ERR_INVALID, "survey:4", "integer row inside the consent group"},
    {"two_consent.md", SK_ERR_INVALID, "survey:5:D", "at most one consent section"},
    {"calculate_without_calculation.md", SK_ERR_INVALID, "survey:2:A", "has no calculation"},
    {"bad_setting.md", SK_ERR_INVALID, "settings:2:A", "kiosk_idle_timeout must be"},
    {"title_unknown_language.md", SK_ERR_INVALID, "settings:1:B", "form_title::Deutsch (de) names a language"},
    {"undefined_ref_x.xlsx", SK_ERR_INVALID, "survey:4:D", "${nope}"},
    {"not_a_form.png", SK_ERR_FORMAT, "", "not a spreadsheet"},
    {"letter.txt", SK_ERR_FORMAT, "", "not a spreadsheet"},
    {"truncated.xlsx", SK_ERR_FORMAT, "", "cannot be read as .xlsx"},
    {"unclosed_quote.csv", SK_ERR_FORMAT, "", "never closed"},
    /* The ethics columns: a quotation clause must be a consent clause and only
     * free text is quoted; identifying is yes or empty (docs/XLSFORM.md). */
    {"quote_consent_unknown_clause.md", SK_ERR_INVALID, "survey:5:E",
     "quote_consent 'agree_quoted' is not a clause of the consent section"},
    {"quote_consent_not_clause.md", SK_ERR_INVALID, "survey:6:E",
     "quote_consent 'role' is not a clause of the consent section"},
    {"quote_consent_not_text.md", SK_ERR_INVALID, "survey:5:E", "quote_consent on 'years' (integer)"},
    {"identifying_bad_value.md", SK_ERR_INVALID, "survey:2:D", "identifying is 'maybe'"},
    /* found by fuzzing (tests/fuzz/regressions/README.md) */
    {"duplicate_label_column.md", SK_ERR_INVALID, "survey:1:D",
     "the column 'label' appears twice (also column C)"},
    {"duplicate_choice_label.md", SK_ERR_INVALID, "choices:1:D",
     "the column 'label' appears twice (also column C)"},
    {"regex_stacked_quantifiers.md", SK_ERR_INVALID, "survey:2:D", "stacks quantifiers"},
    {"calculation_too_long.md", SK_ERR_INVALID, "survey:2:D", "nested too deeply or too long"},
    {"invalid_utf8.md", SK_ERR_INVALID, "survey:3:C",
     "column label: invalid UTF-8 at byte 4; save the file as UTF-8"},
    {"invalid_utf8.csv", SK_ERR_INVALID, "survey:3:C", "column label: invalid UTF-8 at byte 3"},
    {"invalid_utf8_x.xlsx", SK_ERR_INVALID, "survey:3:C", "column label: invalid UTF-8 at byte 3"},
    {"invalid_utf8_x.xlsx", SK_ERR_INVALID, "survey:4:C", "column label: invalid UTF-8 at byte 12"},
};

static void where_of(const sk_error *e, char *buf, size_t size)
{
    if (!e->sheet[0])
        buf[0] = '\0';
    else if (!e->column[0])
        snprintf(buf, size, "%s:%u", e->sheet, e->row);
    else
        snprintf(buf, size, "%s:%u:%s", e->sheet, e->row, e->column);
}

static void test_broken_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const broken_case *c = &cases[i];
        char path[1024];
        snprintf(path, sizeof path, "%s/forms/broken/%s", SK_TEST_DATA, c->file);
        sk_form *form = NULL;
        sk_diags diags;
        sk_error err;
        sk_diags_init(&diags);
        sk_error_clear(&err);
        sk_status st = sk_form_load(path, &form, &diags, &err);
        assert_null(form);
        if (st != c->status)
            fail_msg("%s: status %s, expected %s (%s)", c->file, sk_status_name(st),
                     sk_status_name(c->status), err.message);
        int found = 0;
        if (st == SK_ERR_INVALID) {
            for (size_t k = 0; k < diags.n && !found; k++) {
                char where[128];
                where_of(&diags.items[k], where, sizeof where);
                found = strncmp(where, c->where, strlen(c->where)) == 0 &&
                        (c->where[0] || !diags.items[k].sheet[0]) &&
                        strstr(diags.items[k].message, c->fragment) != NULL;
                assert_string_equal(diags.items[k].file, path);
            }
        } else {
            found = strstr(err.message, c->fragment) != NULL && strcmp(err.file, path) == 0;
            assert_int_equal(diags.n, 0);
        }
        if (!found) {
            for (size_t k = 0; k < diags.n; k++) {
                char line[1200];
                sk_error_format(&diags.items[k], line, sizeof line);
                print_message("  got: %s\n", line);
            }
            print_message("  err: %s\n", err.message);
            fail_msg("%s: no problem at '%s' saying '%s'", c->file, c->where, c->fragment);
        }
        sk_diags_free(&diags);
    }
}

/* A form with several problems reports all of them, sorted by row. */
static void test_every_problem_reported(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/forms/broken/several_problems.md", SK_TEST_DATA);
    sk_form *form = NULL;
    sk_diags diags;
    sk_diags_init(&diags);
    assert_int_equal(sk_form_load(path, &form, &diags, NULL), SK_ERR_INVALID);
    static const struct {
        unsigned row;
        const char *fragment;
    } want[] = {{3, "unknown type 'geopint'"},
                {4, "duplicate name 'a'"},
                {5, "'c' has no label"}, /* no column sorts before column D */
                {5, "${zz}"}};
    assert_int_equal(diags.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < diags.n; i++) {
        assert_string_equal(diags.items[i].sheet, "survey");
        assert_int_equal(diags.items[i].row, want[i].row);
        if (!strstr(diags.items[i].message, want[i].fragment))
            fail_msg("problem %zu: '%s' lacks '%s'", i, diags.items[i].message,
                     want[i].fragment);
    }
    sk_diags_free(&diags);
}

/* A valid form with both columns: the model says which clause a quotation
 * depends on and which answers identify the participant. */
static void test_ethics_columns(void **state)
{
    (void)state;
    static const char md[] =
        "| survey |             |             |                   |            |               |             |\n"
        "|        | type        | name        | label             | appearance | quote_consent | identifying |\n"
        "|        | begin group | c           | Consent           | consent    |               |             |\n"
        "|        | acknowledge | agree_quote | You may quote me. |            |               |             |\n"
        "|        | end group   |             |                   |            |               |             |\n"
        "|        | text        | comments    | Anything else?    | multiline  | agree_quote   |             |\n"
        "|        | text        | email       | Your e-mail       |            |               | yes         |\n"
        "|        | text        | other       | Other             |            |               | no          |\n";
    sk_form *form = NULL;
    sk_diags diags;
    sk_diags_init(&diags);
    sk_status st = sk_form_load_mem(md, sizeof md - 1, "ethics.md", &form, &diags, NULL);
    if (st != SK_OK && diags.n)
        fail_msg("%s", diags.items[0].message);
    assert_int_equal(st, SK_OK);
    int comments = sk_form_find(form, "comments"), email = sk_form_find(form, "email");
    int other = sk_form_find(form, "other"), clause = sk_form_find(form, "agree_quote");
    assert_int_equal(form->q[comments].quote_clause, clause);
    assert_string_equal(form->q[comments].quote_consent, "agree_quote");
    assert_false(form->q[comments].identifying);
    assert_true(form->q[email].identifying);
    assert_int_equal(form->q[email].quote_clause, -1);
    assert_false(form->q[other].identifying);
    assert_string_equal(form->q[other].quote_consent, "");
    char *dump = sk_form_dump(form);
    assert_non_null(strstr(dump, " identifying"));
    assert_non_null(strstr(dump, " quote_consent=agree_quote"));
    free(dump);
    sk_form_free(form);
    sk_diags_free(&diags);
}

/* Every kind of row refused by design, in one form: one run lists them
 * all, each with its sheet and row, in row order (issue 11). */
static void test_every_refusal_at_once(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/forms/broken/every_refusal.md", SK_TEST_DATA);
    sk_form *form = NULL;
    sk_diags diags;
    sk_diags_init(&diags);
    assert_int_equal(sk_form_load(path, &form, &diags, NULL), SK_ERR_INVALID);
    static const struct {
        const char *where, *fragment;
    } want[] = {
        {"survey:2:A", "unknown type 'geopint'"},
        {"survey:3:A", "'begin_lgroup' is not supported"},
        {"survey:4:A", "'end_lgroup' is not supported"},
        {"survey:5:A", "unknown type 'include'"},
        {"survey:6:B", "the group name 'meta' is reserved"},
        {"survey:8:B", "duplicate name 'dup' (also on row 7)"},
        {"survey:10:B", "'1st' is not a valid name"},
        {"survey:11:A", "calculate row 'c' has no calculation"},
        {"survey:12:A", "unknown choice list 'nolist'"},
        {"survey:13:A", "this row has no type"},
        {"survey:14:B", "this integer row has no name"},
        {"survey:15:D", "consent is a group appearance"},
        {"survey:16:A", "end_group without a matching begin_group"},
        {"survey:17", "the group 'open' is never closed"},
        {"settings:1:A", "unknown kiosk setting 'kiosk_idel_timeout'"},
    };
    for (size_t i = 0; i < diags.n; i++) {
        char line[1200];
        sk_error_format(&diags.items[i], line, sizeof line);
        print_message("  %s\n", line);
    }
    assert_int_equal(diags.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < diags.n; i++) {
        char where[128];
        where_of(&diags.items[i], where, sizeof where);
        assert_string_equal(where, want[i].where);
        if (!strstr(diags.items[i].message, want[i].fragment))
            fail_msg("problem %zu: '%s' lacks '%s'", i, diags.items[i].message, want[i].fragment);
    }
    sk_diags_free(&diags);
}

static void test_missing_file(void **state)
{
    (void)state;
    sk_form *form = NULL;
    sk_diags diags;
    sk_error err;
    sk_diags_init(&diags);
    assert_int_equal(sk_form_load("/nonexistent/form.xlsx", &form, &diags, &err), SK_ERR_IO);
    assert_string_equal(err.file, "/nonexistent/form.xlsx");
    assert_null(form);
    sk_diags_free(&diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_table),
        cmocka_unit_test(test_every_problem_reported),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_every_refusal_at_once),
        cmocka_unit_test(test_ethics_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
