/* test_runtime.c - a form being filled in: skip logic, calculations in
 * dependency order, defaults, metadata, choice filters, checks and paging,
 * on tests/data/forms/runtime.md loaded by the real loader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sk/runtime.h"

/* 2024-03-01 10:30:00 UTC */
#define NOW INT64_C(1709289000000)

typedef struct fixture {
    sk_form *form;
    sk_answers answers;
    sk_run *run;
} fixture;

static int setup_form(void **state, const char *path)
{
    fixture *fx = calloc(1, sizeof *fx);
    sk_diags d;
    sk_diags_init(&d);
    sk_error err;
    sk_status st = sk_form_load(path, &fx->form, &d, &err);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s:%u: %s\n", d.items[i].sheet, d.items[i].row, d.items[i].message);
    sk_diags_free(&d);
    if (st != SK_OK)
        return -1;
    sk_answers_init(&fx->answers);
    if (sk_run_new(fx->form, &fx->answers, 0, "dev123", &fx->run, &err) != SK_OK)
        return -1;
    if (sk_run_update(fx->run, NOW, &err) != SK_OK)
        return -1;
    *state = fx;
    return 0;
}

static int setup(void **state) { return setup_form(state, SK_TEST_DATA "/forms/runtime.md"); }

/* tests/data/forms/repeat_household.md: a participant-sized repeat, a
 * computed one, and aggregates over them. */
static int setup_repeat(void **state)
{
    return setup_form(state, SK_TEST_DATA "/forms/repeat_household.md");
}

static int teardown(void **state)
{
    fixture *fx = *state;
    sk_run_free(fx->run);
    sk_answers_free(&fx->answers);
    sk_form_free(fx->form);
    free(fx);
    return 0;
}

static int q(const fixture *fx, const char *name)
{
    int i = sk_form_find(fx->form, name);
    assert_true(i >= 0);
    return i;
}

static void answer(fixture *fx, const char *name, const char *value)
{
    int i = q(fx, name);
    sk_section sec = fx->form->q[i].in_consent ? SK_SECTION_CONSENT : SK_SECTION_RESPONSE;
    assert_int_equal(sk_answers_set(&fx->answers, name, value, sec, NOW), SK_OK);
    sk_error err;
    assert_int_equal(sk_run_update(fx->run, NOW, &err), SK_OK);
}

static const char *get(const fixture *fx, const char *name)
{
    return sk_answers_get(&fx->answers, name);
}

static void test_metadata_and_defaults(void **state)
{
    fixture *fx = *state;
    assert_string_equal(get(fx, "started"), "2024-03-01T10:30:00.000+00:00");
    assert_string_equal(get(fx, "device"), "dev123");
    assert_non_null(get(fx, "ended"));
    assert_string_equal(get(fx, "years"), "5");          /* default */
    assert_string_equal(get(fx, "threshold"), "10");
    assert_string_equal(get(fx, "senior"), "no");        /* 5 > 10 is false */
    /* A later update keeps the start time. */
    sk_error err;
    assert_int_equal(sk_run_update(fx->run, NOW + 60000, &err), SK_OK);
    assert_string_equal(get(fx, "started"), "2024-03-01T10:30:00.000+00:00");
    assert_string_equal(get(fx, "ended"), "2024-03-01T10:31:00.000+00:00");
    /* Clearing a default leaves it cleared. */
    answer(fx, "years", "");
    assert_string_equal(get(fx, "years"), "");
}

static void test_skip_logic_drops_hidden_answers(void **state)
{
    fixture *fx = *state;
    int other = q(fx, "role_other");
    assert_false(sk_run_relevant(fx->run, other));
    answer(fx, "role", "other");
    assert_true(sk_run_relevant(fx->run, other));
    answer(fx, "role_other", "porter");
    assert_string_equal(get(fx, "role_other"), "porter");
    answer(fx, "role", "clinical");
    assert_false(sk_run_relevant(fx->run, other));
    assert_null(get(fx, "role_other")); /* hidden answers are not recorded */
    assert_string_equal(get(fx, "role_name"), "Clinical");
}

static void test_calculation_order_and_group_relevance(void **state)
{
    fixture *fx = *state;
    /* senior depends on threshold, which comes after it in the sheet. */
    int seniors = q(fx, "seniors"), hours = q(fx, "hours");
    assert_false(sk_run_relevant(fx->run, seniors));
    assert_false(sk_run_relevant(fx->run, hours));
    answer(fx, "years", "12");
    assert_string_equal(get(fx, "senior"), "yes");
    assert_true(sk_run_relevant(fx->run, hours));        /* inherits the group's relevance */
    answer(fx, "hours", "37.5");
    answer(fx, "years", "3");
    assert_string_equal(get(fx, "senior"), "no");
    assert_null(get(fx, "hours"));
}

static void test_required_and_constraints(void **state)
{
    fixture *fx = *state;
    const char *msg = NULL;
    int agree = q(fx, "agree"), contact = q(fx, "contact_ok"), role = q(fx, "role");
    assert_true(sk_run_required(fx->run, agree));
    assert_false(sk_run_check(fx->run, agree, &msg));
    assert_string_equal(msg, "You must agree.");
    assert_true(sk_run_check(fx->run, contact, NULL));   /* optional clause */
    answer(fx, "agree", "yes");
    assert_true(sk_run_check(fx->run, agree, NULL));
    assert_false(sk_run_check(fx->run, role, &msg));
    assert_string_equal(msg, "This question requires an answer.");
    answer(fx, "role", "other");
    assert_false(sk_run_check(fx->run, q(fx, "role_other"), &msg));
    assert_string_equal(msg, "Say which role.");

    struct { const char *name, *value; bool ok; const char *msg; } rows[] = {
        {"years", "61", false, "0 to 59 years"},
        {"years", "59", true, NULL},
        {"years", "-1", false, "0 to 59 years"},
        {"years", "4.5", false, "Please enter a whole number."},
        {"years", "", true, NULL},                       /* not required: empty is fine */
        {"training", "msc none", false, "'none' stands alone"},
        {"training", "none", true, NULL},
        {"training", "msc short", true, NULL},
        {"grad", "2024-03-02", false, "Not in the future"},
        {"grad", "2024-02-29", true, NULL},
        {"grad", "2023-02-29", false, "Please enter a date."},
        {"confidence", "11", false, "Please choose a value on the scale."},
        {"confidence", "10", true, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        answer(fx, rows[i].name, rows[i].value);
        msg = NULL;
        bool ok = sk_run_check(fx->run, q(fx, rows[i].name), &msg);
        if (ok != rows[i].ok || (rows[i].msg && (!msg || strcmp(msg, rows[i].msg) != 0)))
            fail_msg("row %zu: %s=%s: want %d '%s', got %d '%s'", i, rows[i].name, rows[i].value,
                     rows[i].ok, rows[i].msg ? rows[i].msg : "", ok, msg ? msg : "");
    }
}

/* dateTime answers as ODK writes them (tests/data/forms/dates.md): a date,
 * 'T', hours and minutes, optional seconds and fraction, and a zone. */
static void test_datetime_values(void **state)
{
    fixture *fx = *state;
    struct { const char *value; bool ok; } rows[] = {
        {"2026-12-01T14:30:00.000+01:00", true},
        {"2026-06-30T09:05:00.000-04:00", true},
        {"2026-12-01T14:30Z", true},
        {"2026-12-01T14:30:59.5+00:00", true},
        {"2024-02-29T00:00:00.000+00:00", true},      /* a leap day */
        {"2026-12-01 14:30", false},                   /* no 'T' */
        {"2026-12-01", false},                         /* a date alone */
        {"2026-02-29T10:00:00.000+00:00", false},      /* not a leap year */
        {"2026-12-01T24:00:00.000+00:00", false},
        {"2026-12-01T14:60:00.000+00:00", false},
        {"2026-12-01T14:30:00.000+1:00", false},       /* zone needs HH:MM */
        {"2026-12-01T14:30:00.000+01:00x", false},
    };
    int appt = q(fx, "appt");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        answer(fx, "appt", rows[i].value);
        const char *msg = NULL;
        bool ok = sk_run_check(fx->run, appt, &msg);
        if (ok != rows[i].ok || (!ok && strcmp(msg, "Please enter a date and a time.") != 0))
            fail_msg("%s: want %d, got %d '%s'", rows[i].value, rows[i].ok, ok, msg ? msg : "");
    }
    /* month-year and year answers are dates (the first day), checked as dates */
    answer(fx, "began", "2025-09-01");
    assert_true(sk_run_check(fx->run, q(fx, "began"), NULL));
    answer(fx, "born", "2025-01-01");
    assert_false(sk_run_check(fx->run, q(fx, "born"), NULL)); /* NOW is 2024-03-01 */
    answer(fx, "born", "1990-01-01");
    assert_true(sk_run_check(fx->run, q(fx, "born"), NULL));
}

static int setup_dates(void **state) { return setup_form(state, SK_TEST_DATA "/forms/dates.md"); }

static void test_choice_filter(void **state)
{
    fixture *fx = *state;
    answer(fx, "years", "20");
    int site = q(fx, "site");
    size_t idx[8];
    assert_int_equal(sk_run_choices(fx->run, site, idx, 8), 0); /* no region yet */
    answer(fx, "region", "north");
    assert_int_equal(sk_run_choices(fx->run, site, idx, 8), 2);
    assert_string_equal(fx->form->lists[fx->form->q[site].list].choices[idx[0]].name, "durham");
    assert_string_equal(fx->form->lists[fx->form->q[site].list].choices[idx[1]].name, "leeds");
    answer(fx, "region", "south");
    assert_int_equal(sk_run_choices(fx->run, site, idx, 8), 1);
    assert_int_equal(sk_run_choices(fx->run, q(fx, "role"), idx, 8), 2); /* no filter */
    assert_int_equal(sk_run_choices(fx->run, q(fx, "role"), idx, 1), 1); /* at most max */
}

/* Cascading selects as ODK authors write them (tests/data/forms/cascade.md):
 * each level shows only the choices of the one above, and lookups through
 * instance(), pulldata() and jr:itext() read the choice lists. */
static void test_cascading_selects(void **state)
{
    (void)state;
    sk_form *form = NULL;
    sk_diags d;
    sk_diags_init(&d);
    sk_error err;
    sk_status st = sk_form_load(SK_TEST_DATA "/forms/cascade.md", &form, &d, &err);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s:%u: %s\n", d.items[i].sheet, d.items[i].row, d.items[i].message);
    sk_diags_free(&d);
    assert_int_equal(st, SK_OK);
    sk_answers a;
    sk_answers_init(&a);
    sk_run *run = NULL;
    assert_int_equal(sk_run_new(form, &a, 0, "dev123", &run, &err), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    int district = sk_form_find(form, "district"), town = sk_form_find(form, "town");
    const sk_choice_list *towns = &form->lists[form->q[town].list];
    size_t idx[8];
    assert_int_equal(sk_run_choices(run, district, idx, 8), 0);
    assert_int_equal(sk_answers_set(&a, "region", "north", SK_SECTION_RESPONSE, NOW), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_int_equal(sk_run_choices(run, district, idx, 8), 2); /* durham, tyne */
    assert_int_equal(sk_run_choices(run, town, idx, 8), 0);
    assert_int_equal(sk_answers_set(&a, "district", "durham", SK_SECTION_RESPONSE, NOW), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_int_equal(sk_run_choices(run, town, idx, 8), 2);
    assert_string_equal(towns->choices[idx[0]].name, "dur");
    assert_string_equal(towns->choices[idx[1]].name, "bish");
    assert_int_equal(sk_answers_set(&a, "town", "bish", SK_SECTION_RESPONSE, NOW), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_string_equal(sk_answers_get(&a, "town_label"), "Bishop Auckland");
    assert_string_equal(sk_answers_get(&a, "region_code"), "N");
    assert_string_equal(sk_answers_get(&a, "district_it"), "Durham Co");
    assert_string_equal(sk_answers_get(&a, "form_ver"), "2024031201");
    assert_string_equal(sk_answers_get(&a, "first_region"), "north");
    /* select_multiple: only the choices no longer offered are removed. */
    assert_int_equal(sk_answers_set(&a, "visited", "dur exe ncl", SK_SECTION_RESPONSE, NOW), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_string_equal(sk_answers_get(&a, "visited"), "dur ncl");
    /* Another region: the answers it no longer offers are removed (JavaRosa),
     * and the lower levels offer its choices only. */
    assert_int_equal(sk_answers_set(&a, "region", "south", SK_SECTION_RESPONSE, NOW), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_null(sk_answers_get(&a, "district"));
    assert_null(sk_answers_get(&a, "town"));
    assert_string_equal(sk_answers_get(&a, "town_label"), "");
    assert_int_equal(sk_answers_set(&a, "district", "devon", SK_SECTION_RESPONSE, NOW), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_string_equal(sk_answers_get(&a, "first_region"), "north"); /* once() keeps it */
    assert_int_equal(sk_run_choices(run, town, idx, 8), 2);
    assert_string_equal(towns->choices[idx[0]].name, "exe");
    assert_string_equal(towns->choices[idx[1]].name, "ply");
    sk_run_free(run);
    sk_answers_free(&a);
    sk_form_free(form);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

/* A CSV attached to the form (ODK's FORM-media/NAME.csv) is the instance
 * pulldata('NAME', ...) reads, before a choice list of the same name. */
static void test_csv_attachment(void **state)
{
    (void)state;
    sk_form *form = NULL;
    sk_diags d;
    sk_diags_init(&d);
    sk_error err;
    assert_int_equal(sk_form_load(SK_TEST_DATA "/forms/cascade.md", &form, &d, &err), SK_OK);
    sk_diags_free(&d);
    sk_answers a;
    sk_answers_init(&a);
    sk_run *run = NULL;
    assert_int_equal(sk_run_new(form, &a, 0, "dev123", &run, &err), SK_OK);
    assert_int_equal(sk_answers_set(&a, "region", "north", SK_SECTION_RESPONSE, NOW), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_string_equal(sk_answers_get(&a, "region_code"), "N"); /* the choice list */
    size_t len;
    char *csv = slurp(SK_TEST_DATA "/forms/cascade-media/region.csv", &len);
    assert_int_equal(sk_run_add_csv(run, "region.csv", csv, len, &err), SK_OK);
    free(csv);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_string_equal(sk_answers_get(&a, "region_code"), "NN"); /* the CSV first */
    assert_int_equal(sk_answers_set(&a, "region", "south", SK_SECTION_RESPONSE, NOW), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_string_equal(sk_answers_get(&a, "region_code"), "SS");
    /* Broken files are refused with the file, the line and what to do. */
    static const struct { const char *text, *want; } bad[] = {
        {"name,code\nnorth,\"N\n", "region.csv:2: a quoted field is never closed"},
        {"name,,code\n", "column 2 has no name"},
        {"name,name\n", "the column 'name' is named twice"},
        {"name,code\na,b\nc,d,e\n", "region.csv:3: the row has 3 fields but the first row "
                                        "names 2 columns"},
        {"", "the file is empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sk_error e;
        sk_error_clear(&e);
        assert_int_equal(sk_run_add_csv(run, "region.csv", bad[i].text, strlen(bad[i].text), &e),
                         SK_ERR_FORMAT);
        char full[700];
        sk_error_format(&e, full, sizeof full);
        if (!strstr(full, bad[i].want))
            fail_msg("CSV case %zu: want '%s' in '%s'", i, bad[i].want, full);
    }
    assert_int_equal(sk_run_add_csv(run, "region.txt", "a\n", 2, &err), SK_ERR_ARG);
    sk_run_free(run);
    sk_answers_free(&a);
    sk_form_free(form);
}

static void test_paging(void **state)
{
    fixture *fx = *state;
    const sk_form *f = fx->form;
    /* pages: consent, role, role_other, years, seniors group, training, confidence, grad, summary */
    assert_int_equal(f->n_pages, 9);
    int p = sk_run_next_page(fx->run, -1);
    assert_int_equal(p, 0);
    assert_true(f->pages[p].consent);
    size_t done, total;
    sk_run_progress(fx->run, p, &done, &total);
    assert_int_equal(done, 0);
    assert_int_equal(total, 7);                      /* role_other and seniors hidden */
    assert_false(sk_run_page_ok(fx->run, (size_t)p, NULL));
    answer(fx, "agree", "yes");
    int bad = 0;
    assert_true(sk_run_page_ok(fx->run, (size_t)p, &bad));
    assert_int_equal(bad, -1);
    p = sk_run_next_page(fx->run, p);                /* role */
    assert_int_equal(p, 1);
    p = sk_run_next_page(fx->run, p);                /* role_other skipped */
    assert_int_equal(f->pages[p].q[0], q(fx, "years"));
    answer(fx, "years", "30");
    int next = sk_run_next_page(fx->run, p);         /* the seniors field-list now shows */
    assert_int_equal(f->pages[next].group, q(fx, "seniors"));
    assert_int_equal(f->pages[next].n, 3);
    assert_false(sk_run_page_ok(fx->run, (size_t)next, &bad));
    assert_int_equal(bad, q(fx, "hours"));
    assert_int_equal(sk_run_prev_page(fx->run, next), p);
    sk_run_progress(fx->run, next, &done, &total);
    assert_int_equal(done, 3);
    assert_int_equal(total, 8);
    assert_int_equal(sk_run_next_page(fx->run, (int)f->n_pages - 1), -1);
    assert_int_equal(sk_run_prev_page(fx->run, 0), -1);
}

static void test_sections(void **state)
{
    fixture *fx = *state;
    answer(fx, "agree", "yes");
    answer(fx, "summary", "fine");
    assert_int_equal(sk_answers_find(&fx->answers, "agree")->section, SK_SECTION_CONSENT);
    assert_int_equal(sk_answers_find(&fx->answers, "summary")->section, SK_SECTION_RESPONSE);
    assert_int_equal(sk_answers_find(&fx->answers, "senior")->section, SK_SECTION_RESPONSE);
}

static void test_interpolation(void **state)
{
    fixture *fx = *state;
    answer(fx, "role", "clinical");
    answer(fx, "training", "msc short");
    char out[128];
    size_t n = sk_run_interpolate(fx->run, "You are ${role} with ${training} and ${years} years; "
                                           "${nosuch}.", out, sizeof out);
    assert_string_equal(out, "You are Clinical with MSc, Short course and 5 years; .");
    assert_int_equal(n, strlen(out));
    char small[8];
    n = sk_run_interpolate(fx->run, "${role} role", small, sizeof small);
    assert_string_equal(small, "Clinica");               /* truncated, terminated */
    assert_int_equal(n, strlen("Clinical role"));
    sk_run_interpolate(fx->run, "no refs, ${unclosed", out, sizeof out);
    assert_string_equal(out, "no refs, ${unclosed");
}

/* A question a kiosk does not collect (geopoint) is never on a page and
 * never answered: relevance and calculations reading it see '' (issue 11). */
static void test_uncollected_reads_empty(void **state)
{
    (void)state;
    static const char md[] =
        "| survey |\n| | type | name | label | relevant | calculation |\n"
        "| | geopoint | where | Where | | |\n"
        "| | text | a | A | ${where} = '' | |\n"
        "| | calculate | c | | | concat('[', ${where}, ']') |\n";
    sk_form *form = NULL;
    sk_diags d;
    sk_diags_init(&d);
    assert_int_equal(sk_form_load_mem(md, sizeof md - 1, "u.md", &form, &d, NULL), SK_OK);
    assert_int_equal(form->warnings.n, 1);
    assert_int_equal(form->n_pages, 1);
    assert_int_equal(form->pages[0].q[0], sk_form_find(form, "a"));
    sk_answers answers;
    sk_answers_init(&answers);
    sk_run *run = NULL;
    sk_error err;
    assert_int_equal(sk_run_new(form, &answers, 0, "dev", &run, &err), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    assert_true(sk_run_relevant(run, sk_form_find(form, "a")));
    assert_string_equal(sk_answers_get(&answers, "c"), "[]");
    assert_null(sk_answers_get(&answers, "where"));
    sk_run_free(run);
    sk_answers_free(&answers);
    sk_form_free(form);
    sk_diags_free(&d);
}

static void test_free_null(void **state)
{
    (void)state;
    sk_run_free(NULL);
    assert_false(sk_run_relevant(NULL, 0));
}

/* ---- repeats -------------------------------------------------------------- */

static void answer_in(fixture *fx, size_t inst, const char *name, const char *value)
{
    sk_error err;
    sk_run_set_instance(fx->run, inst);
    assert_int_equal(sk_run_set_answer(fx->run, q(fx, name), value, NOW, &err), SK_OK);
    assert_int_equal(sk_run_update(fx->run, NOW, &err), SK_OK);
}

static const char *get_in(const fixture *fx, const char *repeat, size_t inst, const char *name)
{
    char path[64];
    return sk_answers_get_at(&fx->answers, sk_answers_instance(path, sizeof path, repeat, inst),
                             name);
}

static void test_repeat_model(void **state)
{
    fixture *fx = *state;
    const sk_form *f = fx->form;
    int member = q(fx, "member"), visit = q(fx, "visit");
    assert_true(f->q[member].is_repeat);
    assert_int_equal(f->n_repeats, 2);
    assert_int_equal(f->repeats[0], member);
    assert_int_equal(f->q[q(fx, "mage")].repeat, member);
    assert_int_equal(f->q[q(fx, "vdate")].repeat, visit);
    assert_int_equal(f->q[q(fx, "village")].repeat, -1);
    assert_int_equal(f->q[q(fx, "n_members")].repeat, -1);
    assert_string_equal(f->q[visit].repeat_count_src, "${n_visits}");
    /* the pages of a repeat say so */
    bool seen = false;
    for (size_t p = 0; p < f->n_pages; p++)
        if (f->pages[p].q[0] == q(fx, "mname")) {
            assert_int_equal(f->pages[p].repeat, member);
            seen = true;
        }
    assert_true(seen);
}

static void test_repeat_instances_siblings_and_aggregates(void **state)
{
    fixture *fx = *state;
    sk_error err;
    int member = q(fx, "member");
    assert_int_equal(sk_run_instances(fx->run, member), 0);
    assert_string_equal(get(fx, "n_members"), "0");
    /* a row inside a repeat does not exist before an instance does */
    sk_run_set_instance(fx->run, 1);
    assert_false(sk_run_relevant(fx->run, q(fx, "mname")));
    for (int i = 0; i < 3; i++)
        assert_int_equal(sk_run_add_instance(fx->run, member, NOW, &err), SK_OK);
    assert_int_equal(sk_run_instances(fx->run, member), 3);
    assert_string_equal(get(fx, "member"), "3");
    answer_in(fx, 1, "mname", "Ada");
    answer_in(fx, 1, "mage", "36");
    answer_in(fx, 2, "mname", "Bo");
    answer_in(fx, 2, "mage", "9");
    answer_in(fx, 3, "mname", "Cy");
    answer_in(fx, 3, "mage", "17");
    /* ${mage} in 'works' relevance is the sibling in the same instance */
    sk_run_set_instance(fx->run, 1);
    assert_true(sk_run_relevant(fx->run, q(fx, "works")));
    sk_run_set_instance(fx->run, 2);
    assert_false(sk_run_relevant(fx->run, q(fx, "works")));
    answer_in(fx, 1, "works", "yes");
    answer_in(fx, 3, "works", "no");
    /* calculations per instance, position(..) */
    assert_string_equal(get_in(fx, "member", 1, "adult"), "1");
    assert_string_equal(get_in(fx, "member", 2, "adult"), "0");
    assert_string_equal(get_in(fx, "member", 3, "pos"), "3");
    /* aggregates from outside */
    assert_string_equal(get(fx, "n_members"), "3");
    assert_string_equal(get(fx, "n_adults"), "1");
    assert_string_equal(get(fx, "first_name"), "Ada");
    assert_string_equal(get(fx, "n_workers"), "2");
    /* labels read the sibling too */
    char buf[128];
    sk_run_set_instance(fx->run, 2);
    sk_run_interpolate(fx->run, "Age of ${mname}", buf, sizeof buf);
    assert_string_equal(buf, "Age of Bo");
    sk_run_interpolate(fx->run, "${n_members} members", buf, sizeof buf);
    assert_string_equal(buf, "3 members");
    /* skip logic per instance: Cy's age drops below 15, his 'works' goes */
    answer_in(fx, 3, "mage", "12");
    assert_null(get_in(fx, "member", 3, "works"));
    assert_string_equal(get_in(fx, "member", 1, "works"), "yes");
    assert_string_equal(get(fx, "n_workers"), "1");

    /* remove the second instance: the third moves down, aggregates follow */
    assert_int_equal(sk_run_remove_instance(fx->run, member, 2, NOW, &err), SK_OK);
    assert_int_equal(sk_run_instances(fx->run, member), 2);
    assert_string_equal(get_in(fx, "member", 2, "mname"), "Cy");
    assert_string_equal(get_in(fx, "member", 2, "pos"), "2");
    assert_null(get_in(fx, "member", 3, "mname"));
    assert_string_equal(get(fx, "n_members"), "2");
    assert_int_equal(sk_run_remove_instance(fx->run, member, 5, NOW, &err), SK_ERR_ARG);
    /* the count cannot be changed by hand on a computed repeat */
    assert_int_equal(sk_run_add_instance(fx->run, q(fx, "visit"), NOW, &err), SK_ERR_ARG);
}

static void test_repeat_checks_per_instance(void **state)
{
    fixture *fx = *state;
    sk_error err;
    int member = q(fx, "member"), mname = q(fx, "mname"), mage = q(fx, "mage");
    assert_int_equal(sk_run_add_instance(fx->run, member, NOW, &err), SK_OK);
    assert_int_equal(sk_run_add_instance(fx->run, member, NOW, &err), SK_OK);
    answer_in(fx, 1, "mname", "Ada");
    answer_in(fx, 2, "mage", "200");
    const char *msg = NULL;
    sk_run_set_instance(fx->run, 1);
    assert_true(sk_run_check(fx->run, mname, NULL));
    assert_true(sk_run_check(fx->run, mage, NULL)); /* empty, not required */
    sk_run_set_instance(fx->run, 2);
    assert_true(sk_run_required(fx->run, mname));
    assert_false(sk_run_check(fx->run, mname, &msg));
    assert_string_equal(msg, "This question requires an answer.");
    assert_false(sk_run_check(fx->run, mage, &msg)); /* constraint with . in this instance */
    sk_run_set_instance(fx->run, 1);
    assert_string_equal(sk_run_answer(fx->run, mname), "Ada");
    sk_run_set_instance(fx->run, 2);
    assert_null(sk_run_answer(fx->run, mname));
}

static void test_repeat_count_computed(void **state)
{
    fixture *fx = *state;
    int visit = q(fx, "visit");
    assert_int_equal(sk_run_instances(fx->run, visit), 0); /* n_visits unanswered */
    answer(fx, "n_visits", "3");
    assert_int_equal(sk_run_instances(fx->run, visit), 3);
    answer_in(fx, 3, "vdate", "2024-02-01");
    answer_in(fx, 1, "vdate", "2024-01-01");
    answer(fx, "n_visits", "2"); /* instance 3 and its answer go */
    assert_int_equal(sk_run_instances(fx->run, visit), 2);
    assert_null(get_in(fx, "visit", 3, "vdate"));
    assert_string_equal(get_in(fx, "visit", 1, "vdate"), "2024-01-01");
    answer(fx, "n_visits", "100000"); /* capped */
    assert_int_equal(sk_run_instances(fx->run, visit), SK_RUN_MAX_INSTANCES);
    answer(fx, "n_visits", "");
    assert_int_equal(sk_run_instances(fx->run, visit), 0);
    assert_null(get(fx, "visit"));
    assert_null(get_in(fx, "visit", 1, "vdate"));
}

/* The whole sitting survives the payload round trip with its instances. */
static void test_repeat_payload_round_trip(void **state)
{
    fixture *fx = *state;
    sk_error err;
    int member = q(fx, "member");
    assert_int_equal(sk_run_add_instance(fx->run, member, NOW, &err), SK_OK);
    assert_int_equal(sk_run_add_instance(fx->run, member, NOW, &err), SK_OK);
    answer_in(fx, 1, "mname", "Ada");
    answer_in(fx, 2, "mname", "Bo");
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(sk_answers_to_json(&fx->answers, -1, &json, &len, &err), SK_OK);
    assert_non_null(strstr(json, "\"name\":\"mname\",\"value\":\"Bo\""));
    assert_non_null(strstr(json, "\"repeat\":\"member[2]\""));
    sk_answers back;
    sk_answers_init(&back);
    assert_int_equal(sk_answers_from_json(json, len, &back, &err), SK_OK);
    assert_string_equal(sk_answers_get_at(&back, "member[2]", "mname"), "Bo");
    assert_string_equal(sk_answers_get(&back, "member"), "2");
    sk_secret_free(json, len);
    sk_answers_free(&back);
}

/* A run made on answers that already hold instances (as the report does for
 * a record): relevance per instance from the first update. */
static void test_repeat_run_on_recorded_answers(void **state)
{
    fixture *fx = *state;
    sk_error err;
    sk_answers rec;
    sk_answers_init(&rec);
    sk_answers_set(&rec, "member", "2", SK_SECTION_RESPONSE, NOW);
    sk_answers_set_at(&rec, "member[1]", "mage", "36", SK_SECTION_RESPONSE, NOW);
    sk_answers_set_at(&rec, "member[1]", "works", "yes", SK_SECTION_RESPONSE, NOW);
    sk_answers_set_at(&rec, "member[2]", "mage", "9", SK_SECTION_RESPONSE, NOW);
    sk_answers_set_at(&rec, "member[2]", "works", "yes", SK_SECTION_RESPONSE, NOW);
    sk_run *run = NULL;
    assert_int_equal(sk_run_new(fx->form, &rec, 0, "dev", &run, &err), SK_OK);
    assert_int_equal(sk_run_update(run, NOW, &err), SK_OK);
    sk_run_set_instance(run, 1);
    assert_true(sk_run_relevant(run, q(fx, "works")));
    sk_run_set_instance(run, 2);
    assert_false(sk_run_relevant(run, q(fx, "works")));
    assert_string_equal(sk_answers_get_at(&rec, "member[1]", "works"), "yes");
    assert_null(sk_answers_get_at(&rec, "member[2]", "works"));
    assert_string_equal(sk_answers_get(&rec, "n_workers"), "1");
    sk_run_free(run);
    sk_answers_free(&rec);
}

static sk_run_pos at_first(const fixture *fx, const char *name)
{
    for (size_t p = 0; p < fx->form->n_pages; p++)
        if (fx->form->pages[p].q[0] == q(fx, name))
            return (sk_run_pos){(int)p, 0, -1};
    fail();
    return (sk_run_pos){-1, 0, -1};
}

static void assert_pos(const fixture *fx, sk_run_pos got, const char *first_q, size_t inst,
                       const char *ask)
{
    if (ask) {
        assert_int_equal(got.page, -1);
        assert_int_equal(got.ask, q(fx, ask));
        return;
    }
    if (!first_q) {
        assert_true(sk_run_pos_end(got));
        return;
    }
    assert_true(got.page >= 0);
    assert_int_equal(got.ask, -1);
    assert_int_equal(fx->form->pages[got.page].q[0], q(fx, first_q));
    assert_int_equal(got.inst, inst);
}

/* Forward and back across instances, the "add another?" position of a
 * participant-sized repeat, and a computed repeat walked instance by instance. */
static void test_repeat_navigation(void **state)
{
    fixture *fx = *state;
    sk_error err;
    sk_run *r = fx->run;
    sk_run_pos p = sk_run_first_pos(r);
    assert_pos(fx, p, "village", 0, NULL);
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, "n_visits", 0, NULL);
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, NULL, 0, "member"); /* no member yet: "add a member?" */
    sk_run_pos ask = p;
    p = sk_run_next_pos(r, ask); /* no: visit has none (n_visits empty), so the summary */
    assert_pos(fx, p, "summary", 0, NULL);
    assert_pos(fx, sk_run_prev_pos(r, p), NULL, 0, "member");
    assert_pos(fx, sk_run_prev_pos(r, ask), "n_visits", 0, NULL);

    assert_int_equal(sk_run_add_instance(r, q(fx, "member"), NOW, &err), SK_OK);
    assert_int_equal(sk_run_add_instance(r, q(fx, "member"), NOW, &err), SK_OK);
    answer_in(fx, 1, "mage", "36"); /* 'works' shown in instance 1 only */
    p = sk_run_next_pos(r, at_first(fx, "n_visits"));
    assert_pos(fx, p, "mname", 1, NULL);
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, "mage", 1, NULL);
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, "works", 1, NULL);
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, "mname", 2, NULL);
    assert_pos(fx, sk_run_prev_pos(r, p), "works", 1, NULL);
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, "mage", 2, NULL);
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, NULL, 0, "member");
    assert_pos(fx, sk_run_prev_pos(r, p), "mage", 2, NULL);

    answer(fx, "n_visits", "2");
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, "vdate", 1, NULL);
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, "vdate", 2, NULL);
    p = sk_run_next_pos(r, p);
    assert_pos(fx, p, "summary", 0, NULL);
    assert_pos(fx, sk_run_prev_pos(r, p), "vdate", 2, NULL);
    assert_pos(fx, sk_run_next_pos(r, p), NULL, 0, NULL);
    /* the queries are left on the instance they were on */
    assert_int_equal(sk_run_instance(r), 1);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_datetime_values, setup_dates, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_and_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_logic_drops_hidden_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calculation_order_and_group_relevance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_required_and_constraints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_choice_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interpolation, setup, teardown),
        cmocka_unit_test(test_cascading_selects),
        cmocka_unit_test(test_csv_attachment),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_uncollected_reads_empty),
        cmocka_unit_test_setup_teardown(test_repeat_model, setup_repeat, teardown),
        cmocka_unit_test_setup_teardown(test_repeat_instances_siblings_and_aggregates, setup_repeat,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_repeat_checks_per_instance, setup_repeat, teardown),
        cmocka_unit_test_setup_teardown(test_repeat_count_computed, setup_repeat, teardown),
        cmocka_unit_test_setup_teardown(test_repeat_payload_round_trip, setup_repeat, teardown),
        cmocka_unit_test_setup_teardown(test_repeat_navigation, setup_repeat, teardown),
        cmocka_unit_test_setup_teardown(test_repeat_run_on_recorded_answers, setup_repeat,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
