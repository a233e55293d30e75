/* cmd_merge.c - survey-sync merge: bring bundles and other central stores
 * into one central store.
 *
 *   survey-sync merge --store central.db [--study study.pub] FILE...
 *
 * --study pins a new store to the study (or checks an existing store's pin);
 * without it the first pack merged pins it, and the output says so.  One line
 * per input ("FILE: 12 new, 3 already present, 0 conflicts"), a refused input
 * as "survey-sync: error: FILE: ..." (the others still merge), a total, and
 * a line for each device that is new, with its fingerprint and the command
 * that accepts it.  A progress bar on stderr only when stderr is a terminal.
 * Exit 0 when every input merged, 1 when any was refused, 2 usage. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "sk/cstore.h"
#include "sk/keys.h"

static const char usage[] = "merge --store central.db [--study study.pub] FILE...";

typedef struct progress_bar {
    const char *name;
    bool shown;
    int last_percent;
} progress_bar;

static void draw_progress(void *user, uint64_t done, uint64_t total)
{
    progress_bar *bar = user;
    enum { WIDTH = 30 };
    if (total == 0) {
        fprintf(stderr, "\r%s: %llu items", bar->name, (unsigned long long)done);
    } else {
        int percent = (int)(done * 100 / total);
        if (bar->shown && percent == bar->last_percent)
            return; /* redraw only when it moves */
        bar->last_percent = percent;
        unsigned filled = (unsigned)(done * WIDTH / total);
        char cells[WIDTH + 1];
        memset(cells, '#', filled);
        memset(cells + filled, '.', WIDTH - filled);
        cells[WIDTH] = '\0';
        fprintf(stderr, "\r%s [%s] %3d%%", bar->name, cells, percent);
    }
    fflush(stderr);
    bar->shown = true;
}

static void clear_progress(progress_bar *bar)
{
    if (bar->shown)
        fputs("\r\033[K", stderr);
    bar->shown = false;
}

/* "12 new, 3 already present, 0 conflicts[, ...]" and a newline. */
static void print_counts(const sk_merge_stats *s)
{
    printf("%llu new, ", (unsigned long long)s->added);
    if (s->held)
        printf("%llu held (device not accepted yet), ", (unsigned long long)s->held);
    printf("%llu already present, %llu conflict%s", (unsigned long long)s->present,
           (unsigned long long)s->conflicts, s->conflicts == 1 ? "" : "s");
    if (s->refused)
        printf(", %llu refused (device retired)", (unsigned long long)s->refused);
    if (s->withdrawals_added)
        printf(", %llu signed withdrawal%s", (unsigned long long)s->withdrawals_added,
               s->withdrawals_added == 1 ? "" : "s");
    if (s->withdrawn)
        printf(", %llu withdrawn skipped", (unsigned long long)s->withdrawn);
    if (s->packs_added)
        printf(", %llu new survey pack%s", (unsigned long long)s->packs_added,
               s->packs_added == 1 ? "" : "s");
    putchar('\n');
}

static void add_stats(sk_merge_stats *sum, const sk_merge_stats *s)
{
    sum->added += s->added;
    sum->held += s->held;
    sum->refused += s->refused;
    sum->withdrawals_added += s->withdrawals_added;
    sum->present += s->present;
    sum->conflicts += s->conflicts;
    sum->withdrawn += s->withdrawn;
    sum->packs_added += s->packs_added;
}

static int merge_all(const char *store, const char *shown, const char *study_path, int argc,
                     char **argv, int first_input);

int cmd_merge(int argc, char **argv)
{
    const char *store = NULL, *study_path = NULL;
    int first_input = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
            store = argv[++i];
        } else if (strcmp(argv[i], "--study") == 0 && i + 1 < argc) {
            study_path = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return sync_usage(usage);
        } else {
            first_input = i;
            break;
        }
    }
    if (!store || first_input == 0)
        return sync_usage(usage);
    /* A postgresql:// store or input is shown without its password. */
    char *store_shown = sk_cstore_display_name(store);
    int rc = merge_all(store, store_shown ? store_shown : store, study_path, argc, argv, first_input);
    free(store_shown);
    return rc;
}

static int merge_all(const char *store, const char *shown, const char *study_path, int argc,
                     char **argv, int first_input)
{

    sk_error err;
    sk_study_pub study;
    if (study_path && sk_study_pub_load(study_path, &study, &err) != SK_OK)
        return sync_fail(&err);
    sk_cstore *cs = NULL;
    if (sk_cstore_open(store, &cs, &err) != SK_OK)
        return sync_fail(&err);
    char fp[SK_FINGERPRINT_SIZE];
    if (study_path) {
        bool was_pinned = false;
        sk_study_pub have;
        if (sk_cstore_study(cs, &have, &was_pinned, &err) != SK_OK ||
            sk_cstore_pin_study(cs, &study, &err) != SK_OK) {
            sk_cstore_close(cs);
            return sync_fail(&err);
        }
        sk_study_fingerprint(&study, fp);
        if (!was_pinned)
            printf("%s: pinned to study %s (from %s)\n", shown, fp, study_path);
    }

    bool tty = isatty(STDERR_FILENO);
    sk_merge_stats total = {0};
    unsigned merged = 0, refused = 0;
    for (int i = first_input; i < argc; i++) {
        char *input_shown = sk_cstore_display_name(argv[i]);
        const char *input = input_shown ? input_shown : argv[i];
        progress_bar bar = {.name = input};
        sk_merge_stats s;
        sk_status st = sk_cstore_merge(cs, argv[i], &s, tty ? draw_progress : NULL, &bar, &err);
        clear_progress(&bar);
        fflush(stdout);
        if (st != SK_OK) {
            refused++;
            sync_fail(&err);
            free(input_shown);
            continue;
        }
        merged++;
        add_stats(&total, &s);
        if (s.pinned) {
            sk_study_pub pinned;
            bool is_pinned = false;
            if (sk_cstore_study(cs, &pinned, &is_pinned, &err) == SK_OK && is_pinned) {
                sk_study_fingerprint(&pinned, fp);
                printf("%s: pinned to study %s, from the first survey pack in %s; check it is "
                       "your study's fingerprint (pin it yourself with --study study.pub)\n",
                       shown, fp, input);
            }
        }
        printf("%s: ", input);
        print_counts(&s);
        if (s.conflicts)
            printf("%s: a record differs from the copy already held; it was kept aside, not "
                   "applied (see survey-sync status)\n",
                   input);
        free(input_shown);
    }
    printf("total: %u input%s merged, %u refused: ", merged, merged == 1 ? "" : "s", refused);
    print_counts(&total);
    sk_cstore_status st;
    if (sk_cstore_status_get(cs, &st, &err) == SK_OK) {
        sync_print_new_devices(stdout, &st, shown);
        sk_cstore_status_free(&st);
    }
    sk_cstore_close(cs);
    return refused ? 1 : 0;
}
