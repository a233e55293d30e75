/* cmd_check.c - survey-sync check FORM: load and check a questionnaire.
 *
 * Valid: exit 0 and a short summary on stdout, after one line on stderr per
 * warning (what the kiosk ignores or leaves empty; --strict makes them fatal).  Invalid: every problem on
 * stderr as FORM:sheet:row[:column]: message, then one closing error line,
 * exit 1.  A file that cannot be read or is not a spreadsheet: one error
 * line, exit 1. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "sk/form.h"

static const char usage[] =
    "check FORM [--strict]   (an XLSForm as .xlsx, .md or .csv; --strict refuses warnings)";

static void summary(const sk_form *f)
{
    printf("%s: valid\n", f->source_name);
    printf("  title:     %s\n", f->title);
    printf("  form id:   %s   version: %s\n", f->id, f->version);
    printf("  languages:");
    for (size_t i = 0; i < f->n_langs; i++)
        printf(" %s%s", f->lang_names[i], (int)i == f->default_lang ? " (default)" : "");
    printf("\n");
    size_t counts[SK_Q_UNCOLLECTED + 1] = {0};
    size_t questions = 0;
    for (size_t i = 0; i < f->n_q; i++) {
        counts[f->q[i].type]++;
        questions += f->q[i].type != SK_Q_BEGIN_GROUP && f->q[i].type != SK_Q_END_GROUP;
    }
    printf("  questions: %zu (", questions);
    const char *sep = "";
    for (int t = 0; t <= SK_Q_UNCOLLECTED; t++)
        if (counts[t] && t != SK_Q_END_GROUP) {
            printf("%s%zu %s", sep, counts[t],
                   t == SK_Q_BEGIN_GROUP ? "groups" : sk_qtype_name((sk_qtype)t));
            sep = ", ";
        }
    printf(")\n  pages:     %zu\n", f->n_pages);
    for (size_t r = 0; r < f->n_repeats; r++) {
        const sk_question *q = &f->q[f->repeats[r]];
        printf("  repeat:    %s (row %u): %s\n", q->name, q->row,
               *q->repeat_count_src ? q->repeat_count_src : "as many as the participant adds");
    }
    if (f->consent_group >= 0) {
        size_t clauses = 0, required = 0;
        for (size_t i = 0; i < f->n_q; i++)
            if (f->q[i].in_consent && f->q[i].type == SK_Q_ACKNOWLEDGE) {
                clauses++;
                required += f->q[i].required != NULL;
            }
        printf("  consent:   %zu clauses (%zu must be accepted)\n", clauses, required);
    } else {
        printf("  consent:   none (no group with appearance consent)\n");
    }
}

int cmd_check(int argc, char **argv)
{
    const char *path = NULL;
    int strict = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--strict") == 0)
            strict = 1;
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else
            return sync_usage(usage);
    }
    if (!path)
        return sync_usage(usage);
    sk_form *form = NULL;
    sk_diags diags;
    sk_error err;
    sk_diags_init(&diags);
    sk_error_clear(&err);
    sk_status st = sk_form_load(path, &form, &diags, &err);
    if (st == SK_OK) {
        int rc = sync_form_warnings(path, form, strict, "check");
        if (rc == 0)
            summary(form);
        sk_form_free(form);
        sk_diags_free(&diags);
        return rc;
    }
    if (st != SK_ERR_INVALID) {
        sk_diags_free(&diags);
        return sync_fail(&err);
    }
    char line[1200];
    for (size_t i = 0; i < diags.n; i++) {
        sk_error_format(&diags.items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    sync_failf("%s: %zu problem%s; fix %s and run check again", path, diags.n,
               diags.n == 1 ? "" : "s", diags.n == 1 ? "it" : "them");
    sk_diags_free(&diags);
    return 1;
}
