/* cmd_status.c - survey-sync status: what the central store holds.
 *
 *   survey-sync status --store central.db [--json]
 *
 * The study the store is pinned to; a table per form version (one line per
 * accepted device: counts by kind, conflicts, last import); per device its
 * state, the sequence numbers held and a line for each device with gaps,
 * records held back (new device) or unreadable; the conflicts kept aside.
 * Labels come from bundles (other people's text) and are printed escaped.
 * --json prints the same content as one JSON object.  Exit 0; 3 when any
 * device has gaps (records missing from its sequence), so that a script
 * that merges and then exports notices before it analyses an incomplete
 * data set (the report is still printed); 1 on failure, 2 usage. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "sk/cstore.h"
#include "sk/text.h"
#include "term.h"

static const char usage[] = "status --store central.db [--json]";

static void format_time(int64_t ms, char *out, size_t size)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !gmtime_r(&secs, &tm))
        snprintf(out, size, "-");
    else
        strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
}

static void print_ranges(const sk_seq_range *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].first == r[i].last)
            printf("%s%llu", i ? ", " : "", (unsigned long long)r[i].first);
        else
            printf("%s%llu-%llu", i ? ", " : "", (unsigned long long)r[i].first,
                   (unsigned long long)r[i].last);
    }
}

static void print_rows(const sk_cstore_status *st)
{
    const sk_status_row *prev = NULL;
    for (size_t i = 0; i < st->n_rows; i++) {
        const sk_status_row *r = &st->rows[i];
        if (!prev || strcmp(prev->study_fp, r->study_fp) != 0 ||
            strcmp(prev->form_id, r->form_id) != 0 ||
            strcmp(prev->form_version, r->form_version) != 0) {
            printf("%sstudy %s, form %s version %s\n", prev ? "\n" : "",
                   r->study_fp[0] ? r->study_fp : "(no survey pack received)", r->form_id,
                   r->form_version);
            printf("  %-16s  %-16s %8s %8s %10s %8s %9s %9s  %s\n", "device", "label", "finished",
                   "consents", "incomplete", "declined", "withdrawn", "conflicts", "last import");
        }
        char when[32];
        format_time(r->last_import_ms, when, sizeof when);
        char *label = term_escape(r->device_label);
        printf("  %-16s  %-16s %8llu %8llu %10llu %8llu %9llu %9llu  %s\n", r->device_id,
               label ? label : "", (unsigned long long)r->finished, (unsigned long long)r->consents,
               (unsigned long long)r->incomplete, (unsigned long long)r->declined,
               (unsigned long long)r->withdrawn, (unsigned long long)r->conflicts, when);
        free(label);
        prev = r;
    }
}

static void print_devices(const sk_cstore_status *st, const char *store)
{
    if (st->n_devices)
        putchar('\n');
    for (size_t i = 0; i < st->n_devices; i++) {
        const sk_device_seq *d = &st->devices[i];
        char *label = term_escape(d->device_label);
        if (d->state == SK_DEV_NEW || d->state == SK_DEV_REJECTED) {
            if (d->state == SK_DEV_REJECTED)
                printf("device %s '%s': rejected; its bundles are refused\n", d->device_id,
                       label ? label : "");
            free(label);
            continue; /* a new device's line comes with the advice below */
        }
        if (d->state == SK_DEV_ACCEPTED && !d->fingerprint[0]) {
            printf("device %s '%s': enrolled, no bundle merged yet\n", d->device_id,
                   label ? label : "");
            free(label);
            continue;
        }
        if (d->state == SK_DEV_RETIRED)
            printf("device %s '%s': retired; records after number %llu are refused\n",
                   d->device_id, label ? label : "", (unsigned long long)d->retired_seq);
        if (d->unreadable)
            printf("device %s '%s': %llu record%s could not be read by export or report "
                   "(listed in unreadable.csv of the last export)\n",
                   d->device_id, label ? label : "", (unsigned long long)d->unreadable,
                   d->unreadable == 1 ? "" : "s");
        printf("device %s '%s': held ", d->device_id, label ? label : "");
        if (d->n_held)
            print_ranges(d->held, d->n_held);
        else
            printf("nothing");
        printf(d->n_missing ? "\n" : ", nothing missing\n");
        if (d->n_missing) {
            printf("device %s '%s': missing ", d->device_id, label ? label : "");
            print_ranges(d->missing, d->n_missing);
            /* A plain kiosk export writes only what it has not exported before,
             * so it cannot bring back records that were exported once and lost
             * on the way: --all exports every record again. */
            printf(": on that kiosk run survey-kiosk --data DIR --export DIR --all, then merge "
                   "that bundle here\n");
        }
        free(label);
    }
    sync_print_new_devices(stdout, st, store);
}

/* Bundles kiosks delivered by themselves (survey-sync serve), per device. */
static void print_uploads(const sk_cstore_status *st)
{
    if (st->n_uploads == 0)
        return;
    printf("\nuploads (survey-sync serve):\n  %-16s  %-16s %8s %8s %8s  %s\n", "device", "label",
           "uploads", "records", "new", "last upload");
    for (size_t i = 0; i < st->n_uploads; i++) {
        const sk_upload_row *u = &st->uploads[i];
        char when[32];
        format_time(u->last_ms, when, sizeof when);
        char *label = term_escape(u->device_label);
        printf("  %-16s  %-16s %8llu %8llu %8llu  %s\n", u->device_id, label ? label : "",
               (unsigned long long)u->uploads, (unsigned long long)u->records,
               (unsigned long long)u->added, when);
        free(label);
    }
}

static void print_text(const sk_cstore_status *st, const sk_conflict *c, size_t n_conflicts,
                       const char *store)
{
    if (st->pinned)
        printf("study %s\n", st->study_fp);
    else
        printf("no study pinned yet (the first survey pack merged pins it, or merge --study "
               "study.pub)\n");
    if (st->n_rows == 0)
        printf("the store holds no records of accepted devices yet\n");
    print_rows(st);
    print_devices(st, store);
    if (n_conflicts) {
        printf("\nconflicts kept aside (same device and record id, different bytes; not "
               "applied):\n");
        for (size_t i = 0; i < n_conflicts; i++) {
            printf("  device %s record %s from ", c[i].device_id, c[i].record_id);
            term_put(stdout, c[i].source);
            putchar('\n');
        }
    }
    print_uploads(st);
    printf("\nwithdrawals recorded: %llu\n", (unsigned long long)st->n_withdrawals);
}

/* A label as it is (every reader refuses labels that are not UTF-8, and JSON
 * escapes control characters itself); escaped as on a terminal only if it
 * is somehow not UTF-8, so that no device ever drops out of the JSON. */
static char *json_label(const char *label)
{
    return sk_utf8_valid(label, strlen(label)) ? strdup(label) : term_escape(label);
}

static json_t *ranges_json(const sk_seq_range *r, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("[I, I]", (json_int_t)r[i].first,
                                           (json_int_t)r[i].last));
    return a;
}

static json_t *status_json(const sk_cstore_status *st, const sk_conflict *c, size_t n_conflicts)
{
    json_t *rows = json_array(), *devices = json_array(), *conflicts = json_array();
    for (size_t i = 0; i < st->n_rows; i++) {
        const sk_status_row *r = &st->rows[i];
        char *label = json_label(r->device_label);
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                            "study", r->study_fp, "form_id", r->form_id, "form_version",
                            r->form_version, "device_id", r->device_id, "device_label",
                            label ? label : "", "finished", (json_int_t)r->finished, "consents",
                            (json_int_t)r->consents, "incomplete", (json_int_t)r->incomplete,
                            "declined", (json_int_t)r->declined, "withdrawn",
                            (json_int_t)r->withdrawn, "conflicts", (json_int_t)r->conflicts,
                            "last_import_ms", (json_int_t)r->last_import_ms));
        free(label);
    }
    for (size_t i = 0; i < st->n_devices; i++) {
        const sk_device_seq *d = &st->devices[i];
        char *label = json_label(d->device_label);
        json_array_append_new(
            devices, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o}", "device_id",
                               d->device_id, "device_label", label ? label : "", "fingerprint",
                               d->fingerprint, "state", sk_device_state_name(d->state),
                               "quarantined", (json_int_t)d->quarantined, "unreadable",
                               (json_int_t)d->unreadable, "retired_seq",
                               (json_int_t)d->retired_seq, "held",
                               ranges_json(d->held, d->n_held), "missing",
                               ranges_json(d->missing, d->n_missing)));
        free(label);
    }
    for (size_t i = 0; i < n_conflicts; i++) {
        char *source = term_escape(c[i].source); /* a file name need not be UTF-8 */
        json_array_append_new(conflicts, json_pack("{s:s, s:s, s:s}", "device_id",
                                                   c[i].device_id, "record_id", c[i].record_id,
                                                   "source", source ? source : ""));
        free(source);
    }
    json_t *uploads = json_array();
    for (size_t i = 0; i < st->n_uploads; i++) {
        const sk_upload_row *u = &st->uploads[i];
        char *label = json_label(u->device_label);
        json_array_append_new(uploads,
                              json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "device_id", u->device_id,
                                        "device_label", label ? label : "", "uploads",
                                        (json_int_t)u->uploads, "records", (json_int_t)u->records,
                                        "added", (json_int_t)u->added, "last_upload_ms",
                                        (json_int_t)u->last_ms));
        free(label);
    }
    return json_pack("{s:o, s:o, s:o, s:I, s:s?, s:o}", "rows", rows, "devices", devices,
                     "conflicts", conflicts, "withdrawals", (json_int_t)st->n_withdrawals,
                     "study", st->pinned ? st->study_fp : NULL, "uploads", uploads);
}

int cmd_status(int argc, char **argv)
{
    const char *store = NULL;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            store = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else
            return sync_usage(usage);
    }
    if (!store)
        return sync_usage(usage);
    sk_error err;
    sk_cstore *cs = NULL;
    if (sync_open_existing_store(store, &cs) != 0) /* status never makes a store */
        return 1;
    sk_cstore_status st;
    sk_conflict *conflicts = NULL;
    size_t n_conflicts = 0;
    if (sk_cstore_status_get(cs, &st, &err) != SK_OK) {
        sk_cstore_close(cs);
        return sync_fail(&err);
    }
    if (sk_cstore_conflicts(cs, &conflicts, &n_conflicts, &err) != SK_OK) {
        sk_cstore_status_free(&st);
        sk_cstore_close(cs);
        return sync_fail(&err);
    }
    sk_cstore_close(cs);
    int rc = 0;
    if (as_json) {
        json_t *j = status_json(&st, conflicts, n_conflicts);
        char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        if (text)
            printf("%s\n", text);
        else
            rc = sync_failf("out of memory formatting the status as JSON");
        free(text);
        json_decref(j);
    } else {
        char *shown = sk_cstore_display_name(store); /* never a password on screen */
        print_text(&st, conflicts, n_conflicts, shown ? shown : store);
        free(shown);
    }
    bool gaps = false;
    for (size_t i = 0; i < st.n_devices; i++)
        gaps |= st.devices[i].n_missing > 0;
    free(conflicts);
    sk_cstore_status_free(&st);
    return rc ? rc : gaps ? SYNC_EXIT_GAPS : 0;
}
