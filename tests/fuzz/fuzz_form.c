/* fuzz_form.c - a whole sitting: load a questionnaire, then walk its pages
 * as a participant would, typing fuzzed answers, with skip logic,
 * calculations, checks, choice filters and label interpolation running after
 * every answer (what the kiosk does), and finally round-trip the answers
 * through the payload JSON.
 *
 * Input:  MODE FORM [ "\n%%answers%%\n" ANSWERS ]
 *   MODE     byte 0: % 3 picks the reader (0 .md, 1 .csv, 2 .xlsx, whole or
 *            as XML parts, see fuzz_util.h); / 3 picks the language
 *   FORM     the questionnaire's bytes
 *   ANSWERS  lines, typed in turn into every question the walk meets (cycled
 *            when there are fewer lines than questions; none = nothing
 *            typed).  For a select, a line "#k" picks the k-th choice on
 *            offer, anything else is stored as typed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "sk/answers.h"
#include "sk/form.h"
#include "sk/runtime.h"

#define NOW_MS INT64_C(1709289000000)
#define MAX_STEPS 64    /* pages visited per input: keeps each run short */
#define MAX_LINES 256

static void sitting(const sk_form *form, unsigned lang, char **lines, size_t n_lines)
{
    sk_answers a;
    sk_answers_init(&a);
    sk_run *run = NULL;
    if (sk_run_new(form, &a, (int)(lang % form->n_langs), "fuzz-device", &run, NULL) != SK_OK) {
        sk_answers_free(&a);
        return;
    }
    sk_run_update(run, NOW_MS, NULL);
    size_t typed = 0;
    int page = sk_run_next_page(run, -1);
    for (int step = 0; page >= 0 && step < MAX_STEPS; step++) {
        const sk_page *pg = &form->pages[page];
        for (size_t i = 0; i < pg->n; i++) {
            int q = pg->q[i];
            const sk_question *qq = &form->q[q];
            char text[512];
            sk_run_interpolate(run, sk_form_text(form, qq->label, sk_run_language(run)), text,
                               sizeof text);
            size_t idx[64];
            size_t n_choices = sk_run_choices(run, q, idx, 64);
            if (!sk_run_relevant(run, q) || sk_run_read_only(run, q) || n_lines == 0)
                continue;
            const char *line = lines[typed++ % n_lines];
            const sk_choice_list *cl = sk_form_choices(form, q);
            if (cl && line[0] == '#' && n_choices > 0)
                line = cl->choices[idx[strtoul(line + 1, NULL, 10) % n_choices]].name;
            sk_answers_set(&a, qq->name, line,
                           qq->in_consent ? SK_SECTION_CONSENT : SK_SECTION_RESPONSE, NOW_MS);
            sk_run_update(run, NOW_MS + step, NULL);
            const char *msg = NULL;
            (void)sk_run_check(run, q, &msg);
            (void)sk_run_required(run, q);
            if (cl && sk_answers_get(&a, qq->name))
                (void)sk_run_choice_label(run, q, sk_answers_get(&a, qq->name));
        }
        int bad = -1;
        (void)sk_run_page_ok(run, (size_t)page, &bad);
        size_t done, total;
        sk_run_progress(run, page, &done, &total);
        int next = sk_run_next_page(run, page);
        if (next >= 0)
            (void)sk_run_prev_page(run, next);
        page = next;
    }
    char *json = NULL;
    size_t json_len = 0;
    if (sk_answers_to_json(&a, -1, &json, &json_len, NULL) == SK_OK) {
        sk_answers back;
        sk_answers_init(&back);
        sk_answers_from_json(json, json_len, &back, NULL);
        sk_answers_free(&back);
        sk_secret_free(json, json_len);
    }
    sk_run_free(run);
    sk_answers_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    const uint8_t *form_bytes = data + 1;
    size_t form_len = size - 1;
    static const char sep[] = "\n%%answers%%\n";
    const uint8_t *cut = fz_find(form_bytes, form_len, sep);
    char *answers = fz_cstr(cut ? cut + strlen(sep) : form_bytes,
                            cut ? (size_t)(form_bytes + form_len - cut) - strlen(sep) : 0);
    if (cut)
        form_len = (size_t)(cut - form_bytes);
    char *lines[MAX_LINES];
    size_t n_lines = 0;
    for (char *p = answers, *save = NULL; cut && n_lines < MAX_LINES;) {
        char *l = strtok_r(p, "\n", &save);
        p = NULL;
        if (!l)
            break;
        lines[n_lines++] = l;
    }

    uint8_t *bytes = NULL;
    size_t len = form_len;
    const char *name = "fuzz.md";
    if (mode % 3 == 1) {
        name = "fuzz.csv";
    } else if (mode % 3 == 2) {
        name = "fuzz.xlsx";
        fz_xlsx(form_bytes, form_len, &bytes, &len);
    }
    sk_form *form = NULL;
    sk_diags diags;
    sk_diags_init(&diags);
    if (sk_form_load_mem(bytes ? bytes : form_bytes, len, name, &form, &diags, NULL) == SK_OK) {
        sitting(form, mode / 3, lines, n_lines);
        sk_form_free(form);
    }
    sk_diags_free(&diags);
    free(bytes);
    free(answers);
    return 0;
}
