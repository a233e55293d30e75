/* test_form_golden.c - the model itself: the same questionnaire as .xlsx, .md
 * and .csv loads to one dump, equal to tests/golden/form/<name>.dump (set
 * SK_UPDATE_GOLDEN=1 to rewrite it after a deliberate change); the accessors;
 * and every example questionnaire (examples, *.xlsx) loads cleanly. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sk/expr.h"
#include "sk/form.h"

static sk_form *load(const char *path)
{
    sk_form *form = NULL;
    sk_diags diags;
    sk_error err;
    sk_diags_init(&diags);
    sk_error_clear(&err);
    sk_status st = sk_form_load(path, &form, &diags, &err);
    if (st != SK_OK) {
        for (size_t i = 0; i < diags.n; i++) {
            char line[1200];
            sk_error_format(&diags.items[i], line, sizeof line);
            print_message("  %s\n", line);
        }
        fail_msg("%s: %s", path, err.message);
    }
    sk_diags_free(&diags);
    return form;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

static void check_golden(const char *name, const char *dump)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/form/%s.dump", SK_TEST_GOLDEN, name);
    const char *update = getenv("SK_UPDATE_GOLDEN");
    if (update && *update == '1') {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(dump, f);
        fclose(f);
    }
    char *want = read_text(path);
    if (!want)
        fail_msg("%s is missing; run with SK_UPDATE_GOLDEN=1 to create it", path);
    if (strcmp(want, dump) != 0) {
        print_message("--- got ---\n%s\n", dump);
        fail_msg("%s: the dump differs from the golden file", name);
    }
    free(want);
}

static void test_same_model_from_three_formats(void **state)
{
    (void)state;
    static const char *const exts[] = {"md", "csv", "xlsx"};
    char *first = NULL;
    for (size_t i = 0; i < 3; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/forms/golden_basic.%s", SK_TEST_DATA, exts[i]);
        sk_form *form = load(path);
        char *dump = sk_form_dump(form);
        assert_non_null(dump);
        if (!first) {
            check_golden("golden_basic", dump);
            first = dump;
        } else {
            if (strcmp(first, dump) != 0) {
                print_message("--- %s ---\n%s\n", exts[i], dump);
                fail_msg("golden_basic.%s loads to a different model than .md", exts[i]);
            }
            free(dump);
        }
        sk_form_free(form);
    }
    free(first);
}

static void test_model_details(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/forms/golden_basic.xlsx", SK_TEST_DATA);
    sk_form *f = load(path);
    assert_string_equal(f->id, "golden_basic");
    assert_string_equal(f->version, "2026.1");
    assert_string_equal(f->source_name, "golden_basic.xlsx");
    assert_int_equal(f->n_langs, 2);
    assert_int_equal(sk_form_lang(f, "cy"), 1);
    assert_int_equal(sk_form_lang(f, "English (en)"), 0);
    assert_int_equal(sk_form_lang(f, "fr"), -1);
    assert_int_equal(f->idle_timeout_s, 120);
    assert_int_equal(f->idle_countdown_s, 20);
    assert_int_equal(f->thanks_timeout_s, 20);
    assert_false(f->show_withdrawal_code);

    int role = sk_form_find(f, "role");
    assert_true(role >= 0);
    assert_int_equal(f->q[role].type, SK_Q_SELECT_ONE);
    assert_int_equal(f->q[role].appearance, SK_AP_MINIMAL);
    assert_non_null(f->q[role].required); /* "yes" compiles to true() */
    const sk_choice_list *l = sk_form_choices(f, role);
    assert_non_null(l);
    assert_string_equal(l->name, "role");
    assert_int_equal(l->n, 3);
    assert_string_equal(sk_form_text(f, l->choices[0].label, 1), "Clinigol");
    assert_int_equal(sk_form_find(f, "nosuch"), -1);
    assert_null(sk_form_choices(f, sk_form_find(f, "years")));

    /* hint only in English: Welsh falls back to the default language */
    assert_string_equal(sk_form_text(f, f->q[role].hint, 1), "Pick the closest");

    /* the consent group: first page, clauses marked */
    assert_int_equal(f->consent_group, sk_form_find(f, "consent"));
    assert_true(f->pages[0].consent);
    assert_int_equal(f->pages[0].n, 5);
    assert_true(f->q[sk_form_find(f, "agree_data")].in_consent);
    assert_null(f->q[sk_form_find(f, "agree_contact")].required); /* required = no */
    assert_int_equal(f->q[sk_form_find(f, "sig")].type, SK_Q_SIGNATURE);

    /* threshold must be computed before senior, which uses it */
    assert_int_equal(f->n_calc, 2);
    assert_string_equal(f->q[f->calc_order[0]].name, "threshold");
    assert_string_equal(f->q[f->calc_order[1]].name, "senior");

    const sk_question *r = &f->q[sk_form_find(f, "confidence")];
    assert_true(r->range_start == 0 && r->range_end == 10 && r->range_step == 2);
    const sk_expr *rel = f->q[sk_form_find(f, "role_other")].relevant;
    assert_non_null(rel);
    assert_int_equal(sk_expr_ref_count(rel), 1);
    assert_string_equal(sk_expr_ref(rel, 0), "role");
    assert_string_equal(sk_qtype_name(SK_Q_SELECT_MULTIPLE), "select_multiple");
    sk_form_free(f);
    sk_form_free(NULL);
}

static void test_load_mem_names_the_file(void **state)
{
    (void)state;
    const char *md = "| survey |      |      |       |\n"
                     "|        | type | name | label |\n"
                     "|        | text | a    | A     |\n";
    sk_form *f = NULL;
    sk_diags diags;
    sk_diags_init(&diags);
    assert_int_equal(sk_form_load_mem(md, strlen(md), "packed/visit.md", &f, &diags, NULL),
                     SK_OK);
    assert_string_equal(f->id, "visit"); /* no settings: the file name */
    assert_string_equal(f->title, "visit");
    assert_string_equal(f->version, "1");
    assert_string_equal(f->lang_names[0], "default");
    assert_int_equal(f->n_pages, 1);
    assert_true(f->show_withdrawal_code);
    assert_int_equal(f->idle_timeout_s, 90);
    sk_form_free(f);
    sk_diags_free(&diags);
}

static void test_examples_load(void **state)
{
    (void)state;
    /* opendir, not glob(3): the test runs on Windows too (mingw has no glob). */
    DIR *d = opendir(SK_EXAMPLES);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".xlsx") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", SK_EXAMPLES, e->d_name);
        sk_form *f = load(path);
        assert_true(f->consent_group >= 0); /* every example has a consent section */
        sk_form_free(f);
        n++;
    }
    closedir(d);
    if (n == 0)
        fail_msg("no example questionnaires in %s (examples/*.xlsx)", SK_EXAMPLES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_model_from_three_formats),
        cmocka_unit_test(test_model_details),
        cmocka_unit_test(test_load_mem_names_the_file),
    };
    const struct CMUnitTest examples[] = {
        cmocka_unit_test(test_examples_load),
    };
    /* the examples run as their own ctest (test_form_examples) */
    if (getenv("SK_FORM_EXAMPLES"))
        return cmocka_run_group_tests(examples, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
