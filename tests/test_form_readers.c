/* test_form_readers.c - the three sheet readers behind sk_form_load: each is
 * fed real files (xlsx made by openpyxl and one hand-made with inline and
 * rich-text strings) and in-memory text, and must give the same cells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sheet.h"

static char *slurp(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/forms/%s", SK_TEST_DATA, rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static const char *cell(const wb_workbook *wb, const char *sheet, unsigned row, unsigned col)
{
    const wb_sheet *s = wb_find_sheet(wb, sheet);
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (s->rows[i].row == row)
            return wb_cell_text(&s->rows[i], col);
    return NULL;
}

static void read_ok(const char *data, size_t len, const char *name, wb_workbook *wb)
{
    sk_error err;
    sk_error_clear(&err);
    sk_status st = wb_read_mem(data, len, name, wb, &err);
    if (st != SK_OK)
        fail_msg("%s: %s", name, err.message);
}

static void test_md_layout(void **state)
{
    (void)state;
    const char *md = "# a comment line\n"
                     "| survey |      |      |            |\n"
                     "|        | type | name | label      |\n"
                     "|        | text | a    | Say \\| hi |\n"
                     "|        |      |      |            |\n"
                     "|        | note | n    |  spaced    |\n"
                     "\n"
                     "| choices | list_name | name |\n"
                     "|         | yn        | yes  |\n";
    wb_workbook wb;
    read_ok(md, strlen(md), "t.md", &wb);
    assert_int_equal(wb.n, 2);
    assert_string_equal(cell(&wb, "survey", 1, 1), "type");
    assert_string_equal(cell(&wb, "survey", 2, 3), "Say | hi");
    assert_null(cell(&wb, "survey", 3, 1)); /* blank row keeps its number */
    assert_string_equal(cell(&wb, "survey", 4, 3), "spaced");
    /* a sheet-name line that carries cells is the header row */
    assert_string_equal(cell(&wb, "choices", 1, 1), "list_name");
    assert_string_equal(cell(&wb, "choices", 2, 2), "yes");
    wb_free(&wb);
}

static void test_csv_layout(void **state)
{
    (void)state;
    const char *csv = "\xEF\xBB\xBFsurvey,,,\r\n"
                      ",type,name,label\r\n"
                      ",text,a,\"Hello, \"\"world\"\"\"\r\n"
                      ",note,n,\"two\nlines\"\n"
                      "choices,,\n"
                      ",list_name,name\n"
                      ",yn,caf\xC3\xA9\n";
    wb_workbook wb;
    read_ok(csv, strlen(csv), "t.csv", &wb);
    assert_int_equal(wb.n, 2);
    assert_string_equal(cell(&wb, "survey", 2, 3), "Hello, \"world\"");
    assert_string_equal(cell(&wb, "survey", 3, 3), "two\nlines");
    assert_string_equal(cell(&wb, "choices", 2, 2), "caf\xC3\xA9");
    wb_free(&wb);
}

static void test_xlsx_openpyxl(void **state)
{
    (void)state;
    size_t len;
    char *data = slurp("golden_basic.xlsx", &len);
    wb_workbook wb;
    read_ok(data, len, "golden_basic.xlsx", &wb);
    assert_int_equal(wb.n, 3);
    assert_string_equal(cell(&wb, "survey", 1, 1), "type");
    assert_string_equal(cell(&wb, "survey", 1, 3), "label::English (en)");
    assert_string_equal(cell(&wb, "survey", 4, 4), "Mae'r astudiaeth hon yn holi am eich rôl.");
    assert_string_equal(cell(&wb, "choices", 5, 2), "1"); /* a number cell, no ".0" */
    assert_string_equal(cell(&wb, "settings", 2, 3), "2026.1");
    assert_string_equal(cell(&wb, "settings", 2, 5), "120");
    wb_free(&wb);
    free(data);
}

static void test_xlsx_handmade(void **state)
{
    (void)state;
    size_t len;
    char *data = slurp("handmade_inline.xlsx", &len);
    wb_workbook wb;
    read_ok(data, len, "handmade_inline.xlsx", &wb);
    assert_int_equal(wb.n, 3);
    assert_string_equal(wb.sheets[0].name, "settings"); /* workbook order, not file order */
    assert_string_equal(cell(&wb, "survey", 1, 4), "label");  /* shared string */
    assert_string_equal(cell(&wb, "survey", 1, 5), "default"); /* inline string */
    assert_null(cell(&wb, "survey", 1, 3));                   /* the gap at C1 */
    assert_null(cell(&wb, "survey", 2, 1));                   /* row 2 is absent */
    assert_string_equal(cell(&wb, "survey", 3, 4), "How old are you?"); /* rich text runs */
    assert_string_equal(cell(&wb, "survey", 3, 5), "18");
    assert_string_equal(cell(&wb, "survey", 4, 4), "Fish & chips <3"); /* entities */
    assert_string_equal(cell(&wb, "survey", 4, 5), "2.5E0");
    assert_string_equal(cell(&wb, "survey", 4, 6), "TRUE");
    assert_string_equal(cell(&wb, "settings", 2, 2), "3.25");
    wb_free(&wb);
    free(data);
}

/* Number cells too big for an integer (1e300, inf, nan) are kept as written;
 * converting them to long long first was undefined behaviour (UBSan, found
 * by fuzzing). */
static void test_xlsx_big_numbers(void **state)
{
    (void)state;
    size_t len;
    char *data = slurp("xlsx_big_numbers.xlsx", &len);
    wb_workbook wb;
    read_ok(data, len, "xlsx_big_numbers.xlsx", &wb);
    static const char *const want[] = {"1e300", "-1e300", "3", "1E16", "-7", "inf", "nan"};
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(cell(&wb, "survey", 1, i + 1), want[i]);
    wb_free(&wb);
    free(data);
}

static void test_format_by_content_then_extension(void **state)
{
    (void)state;
    static const struct {
        const char *file, *fragment;
    } cases[] = {
        {"broken/not_a_form.png", "not a spreadsheet"},
        {"broken/letter.txt", "not a spreadsheet"},
        {"broken/truncated.xlsx", "cannot be read as .xlsx"},
        {"broken/unclosed_quote.csv", "never closed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *data = slurp(cases[i].file, &len);
        wb_workbook wb;
        sk_error err;
        sk_error_clear(&err);
        assert_int_equal(wb_read_mem(data, len, cases[i].file, &wb, &err), SK_ERR_FORMAT);
        if (!strstr(err.message, cases[i].fragment))
            fail_msg("%s: '%s' lacks '%s'", cases[i].file, err.message, cases[i].fragment);
        assert_string_equal(err.file, cases[i].file);
        free(data);
    }
    /* an .xlsx saved under a .md name is still read as .xlsx */
    size_t len;
    char *data = slurp("golden_basic.xlsx", &len);
    wb_workbook wb;
    read_ok(data, len, "renamed.md", &wb);
    assert_int_equal(wb.n, 3);
    wb_free(&wb);
    free(data);
}

static void test_column_letters(void **state)
{
    (void)state;
    char buf[8];
    assert_string_equal(wb_col_letter(1, buf), "A");
    assert_string_equal(wb_col_letter(26, buf), "Z");
    assert_string_equal(wb_col_letter(27, buf), "AA");
    assert_string_equal(wb_col_letter(703, buf), "AAA");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_layout),
        cmocka_unit_test(test_csv_layout),
        cmocka_unit_test(test_xlsx_openpyxl),
        cmocka_unit_test(test_xlsx_handmade),
        cmocka_unit_test(test_xlsx_big_numbers),
        cmocka_unit_test(test_format_by_content_then_extension),
        cmocka_unit_test(test_column_letters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
