/* cmd_status.c - survey-sync status: what the central store holds.
 *
 *   survey-sync status --store central.db [--json]
 *
 * A table per study and form version (one line per device: counts by kind,
 * conflicts, last import), then per device the sequence numbers held and a
 * line for each device with gaps, then the conflicts kept aside.  --json
 * prints the same content as one JSON object.  Exit 0, 1 on failure, 2 usage. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "sk/cstore.h"

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
        printf("  %-16s  %-16s %8llu %8llu %10llu %8llu %9llu %9llu  %s\n", r->device_id,
               r->device_label, (unsigned long long)r->finished, (unsigned long long)r->consents,
               (unsigned long long)r->incomplete, (unsigned long long)r->declined,
               (unsigned long long)r->withdrawn, (unsigned long long)r->conflicts, when);
        prev = r;
    }
}

static void print_devices(const sk_cstore_status *st)
{
    if (st->n_devices)
        putchar('\n');
    for (size_t i = 0; i < st->n_devices; i++) {
        const sk_device_seq *d = &st->devices[i];
        printf("device %s '%s': held ", d->device_id, d->device_label);
        if (d->n_held)
            print_ranges(d->held, d->n_held);
        else
            printf("nothing");
        printf(d->n_missing ? "\n" : ", nothing missing\n");
        if (d->n_missing) {
            printf("device %s '%s': missing ", d->device_id, d->device_label);
            print_ranges(d->missing, d->n_missing);
            printf(": export again from that kiosk\n");
        }
    }
}

static void print_text(const sk_cstore_status *st, const sk_conflict *c, size_t n_conflicts)
{
    if (st->n_rows == 0)
        printf("the store holds no records yet\n");
    print_rows(st);
    print_devices(st);
    if (n_conflicts) {
        printf("\nconflicts kept aside (same record id, different bytes; not applied):\n");
        for (size_t i = 0; i < n_conflicts; i++)
            printf("  record %s from %s\n", c[i].record_id, c[i].source);
    }
    printf("\nwithdrawals recorded: %llu\n", (unsigned long long)st->n_withdrawals);
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
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                            "study", r->study_fp, "form_id", r->form_id, "form_version",
                            r->form_version, "device_id", r->device_id, "device_label",
                            r->device_label, "finished", (json_int_t)r->finished, "consents",
                            (json_int_t)r->consents, "incomplete", (json_int_t)r->incomplete,
                            "declined", (json_int_t)r->declined, "withdrawn",
                            (json_int_t)r->withdrawn, "conflicts", (json_int_t)r->conflicts,
                            "last_import_ms", (json_int_t)r->last_import_ms));
    }
    for (size_t i = 0; i < st->n_devices; i++) {
        const sk_device_seq *d = &st->devices[i];
        json_array_append_new(devices, json_pack("{s:s, s:s, s:o, s:o}", "device_id",
                                                 d->device_id, "device_label", d->device_label,
                                                 "held", ranges_json(d->held, d->n_held),
                                                 "missing",
                                                 ranges_json(d->missing, d->n_missing)));
    }
    for (size_t i = 0; i < n_conflicts; i++)
        json_array_append_new(conflicts, json_pack("{s:s, s:s}", "record_id", c[i].record_id,
                                                   "source", c[i].source));
    return json_pack("{s:o, s:o, s:o, s:I}", "rows", rows, "devices", devices, "conflicts",
                     conflicts, "withdrawals", (json_int_t)st->n_withdrawals);
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
    if (access(store, F_OK) != 0)
        return sync_failf("%s: no such store; merge bundles into it first "
                          "(survey-sync merge --store %s FILE...)",
                          store, store);
    sk_error err;
    sk_cstore *cs = NULL;
    if (sk_cstore_open(store, &cs, &err) != SK_OK)
        return sync_fail(&err);
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
        print_text(&st, conflicts, n_conflicts);
    }
    free(conflicts);
    sk_cstore_status_free(&st);
    return rc;
}
