/* test_export_store.c - export and report over a real central store: one
 * record whose payload is not an answers document must not cost the
 * researcher the others, and must be listed (device, seq, record id, why);
 * text answers that a spreadsheet would run as formulas are defused in the
 * CSV while numbers stay numbers.
 *
 * The store is built as the researcher's would be: records sealed with the
 * record API and signed by a kiosk's device key, put in a bundle with the
 * bundle writer, merged, and the device accepted (make_store).
 *
 *   test_export_store                 the unit tests
 *   test_export_store make-store DIR  DIR/study.key (passphrase $SURVEY_PASSPHRASE)
 *                                     and DIR/central.db with the same records,
 *                                     for tests/e2e/sync_export_safety.py; prints
 *                                     "<device id> <record id of seq 1> <2> <3>" */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include <cmocka.h>
#include <sodium.h>

#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/keys.h"
#include "sk/pack.h"
#include "sk/record.h"

static const char form_md[] =
    "| survey |             |          |                  |\n"
    "|        | type        | name     | label            |\n"
    "|        | text        | comments | Anything else?   |\n"
    "|        | integer     | years    | Years in post    |\n"
    "|        | select_one scale | feel | How do you feel? |\n"
    "|        | select_one yn | changed | =Changed roles? |\n"
    "\n"
    "| choices |           |      |          |\n"
    "|         | list_name | name | label    |\n"
    "|         | scale     | -1   | Worse    |\n"
    "|         | scale     | 0    | Same     |\n"
    "|         | scale     | 1    | Better   |\n"
    "|         | yn        | yes  | =Yes     |\n"
    "|         | yn        | no   | No       |\n"
    "\n"
    "| settings |            |         |         |\n"
    "|          | form_title | form_id | version |\n"
    "|          | Unreadable records | unread | 1 |\n";

typedef struct fixture {
    char dir[2048];
    char store[2200];
    sk_study_key key;
    sk_device_key device;
    char device_hex[2 * SK_DEVICE_ID_SIZE + 1];
    char good_id[3][2 * SK_RECORD_ID_SIZE + 1];   /* by seq - 1; [1] is the bad one */
    sk_cstore *cs;
} fixture;

static void path_in(const fixture *fx, char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", fx->dir, name);
}

static void seal_record(fixture *fx, uint64_t seq, const char *payload, size_t len,
                        sk_bundle_writer *w)
{
    sk_record_header h;
    memset(&h, 0, sizeof h);
    h.kind = SK_REC_RESPONSE;
    randombytes_buf(h.record_id, SK_RECORD_ID_SIZE);
    sk_device_id(fx->device.pk, h.device_id);
    h.seq = seq;
    snprintf(h.form_id, sizeof h.form_id, "unread");
    snprintf(h.form_version, sizeof h.form_version, "1");
    if (seq <= 3)
        sk_hex(h.record_id, SK_RECORD_ID_SIZE, fx->good_id[seq - 1]);
    uint8_t *blob = NULL;
    size_t blen = 0;
    sk_error err;
    assert_int_equal(sk_record_seal(&h, &fx->key.pub, &fx->device, payload, len, &blob, &blen,
                                    &err),
                     SK_OK);
    assert_int_equal(sk_bundle_writer_add_record(w, blob, blen, &err), SK_OK);
    free(blob);
}

static void seal_answers(fixture *fx, uint64_t seq, const char *comments, const char *years,
                         const char *feel, sk_bundle_writer *w)
{
    sk_answers a;
    sk_answers_init(&a);
    int64_t now = 1795000000000LL;
    a.started_ms = now - 60000;
    a.finished_ms = now;
    assert_int_equal(sk_answers_set(&a, "comments", comments, SK_SECTION_RESPONSE, now), SK_OK);
    assert_int_equal(sk_answers_set(&a, "years", years, SK_SECTION_RESPONSE, now), SK_OK);
    assert_int_equal(sk_answers_set(&a, "feel", feel, SK_SECTION_RESPONSE, now), SK_OK);
    assert_int_equal(sk_answers_set(&a, "changed", "yes", SK_SECTION_RESPONSE, now), SK_OK);
    char *json = NULL;
    size_t len = 0;
    sk_error err;
    assert_int_equal(sk_answers_to_json(&a, -1, &json, &len, &err), SK_OK);
    seal_record(fx, seq, json, len, w);
    sk_secret_free(json, len);
    sk_answers_free(&a);
}

/* The data: one kiosk, three finished responses; seq 2's sealed payload is
 * "not json".  Everything about how a store is filled is here, so a change
 * to records, bundles or device trust is made in one place.  fx->key, dir
 * and store are set by the caller. */
static void make_store(fixture *fx)
{
    crypto_sign_keypair(fx->device.pk, fx->device.sk);
    uint8_t id[SK_DEVICE_ID_SIZE];
    sk_device_id(fx->device.pk, id);
    sk_hex(id, SK_DEVICE_ID_SIZE, fx->device_hex);

    char pack_path[2200], bundle_path[2200];
    path_in(fx, pack_path, sizeof pack_path, "unread.pack");
    path_in(fx, bundle_path, sizeof bundle_path, "ward7.skb");
    sk_error err;
    assert_int_equal(sk_pack_write(pack_path, &fx->key, "unread", "1", "Unreadable records",
                                   "form.md", (const uint8_t *)form_md, sizeof form_md - 1, &err),
                     SK_OK);
    uint8_t *pack = NULL;
    size_t pack_len = 0;
    assert_int_equal(sk_read_file(pack_path, 1 << 20, &pack, &pack_len, &err), SK_OK);

    sk_bundle_writer *w = NULL;
    assert_int_equal(sk_bundle_writer_open(bundle_path, id, "Ward-7", fx->device.pk, &w, &err),
                     SK_OK);
    assert_int_equal(sk_bundle_writer_add_pack(w, pack, pack_len, &err), SK_OK);
    seal_answers(fx, 1, "=HYPERLINK(\"http://evil.example\",\"click\")", "-3", "-1", w);
    seal_record(fx, 2, "not json", 8, w);
    seal_answers(fx, 3, "fine, thanks", "12", "1", w);
    assert_int_equal(sk_bundle_writer_finish(w, &fx->device, &err), SK_OK);
    free(pack);

    assert_int_equal(sk_cstore_open(fx->store, &fx->cs, &err), SK_OK);
    sk_merge_stats stats = {0};
    if (sk_cstore_merge(fx->cs, bundle_path, &stats, NULL, NULL, &err) != SK_OK)
        fail_msg("merge: %s", err.message);
    /* Records of a device count only once the researcher accepts it. */
    if (sk_cstore_device_accept(fx->cs, fx->device_hex, NULL, &err) != SK_OK)
        fail_msg("accept: %s", err.message);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    const char *tmp = getenv("SK_TEST_TMP") ? getenv("SK_TEST_TMP") : "/tmp";
    snprintf(fx->dir, sizeof fx->dir, "%s/test_export_store-XXXXXX", tmp);
    if (!mkdtemp(fx->dir))
        return -1;
    path_in(fx, fx->store, sizeof fx->store, "central.db");
    if (sodium_init() < 0)
        return -1;
    crypto_box_keypair(fx->key.pub.box_pk, fx->key.box_sk);
    crypto_sign_keypair(fx->key.pub.sign_pk, fx->key.sign_sk);
    make_store(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    sk_cstore_close(fx->cs);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", fx->dir);
    free(fx);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s was not written", path);
    /* fread into a growing buffer, not open_memstream: Windows has none. */
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            text = realloc(text, cap);
            assert_non_null(text);
        }
        got = fread(text + len, 1, 4096, f);
        len += got;
    } while (got > 0);
    fclose(f);
    text[len] = '\0';
    return text;
}

static void count_file(void *user, const char *path)
{
    (void)path;
    (*(size_t *)user)++;
}

static void test_export_skips_unreadable(void **state)
{
    fixture *fx = *state;
    char out[2200], path[2400];
    path_in(fx, out, sizeof out, "export");
    assert_int_equal(mkdir(out, 0700), 0);
    size_t told = 0, n_files = 0;
    sk_unreadable_list skipped = {0};
    sk_export_opts opts = {.lang = -1, .on_file = count_file, .user = &told,
                           .unreadable = &skipped};
    sk_error err;
    sk_status st = sk_export_csv(fx->cs, &fx->key, out, &opts, &n_files, &err);
    if (st != SK_OK)
        fail_msg("export: %s", err.message);
    assert_int_equal(n_files, 5);   /* 4 of the form + unreadable.csv */
    assert_int_equal(told, 5);

    /* The list: exactly the bad record, with where it is and why. */
    assert_int_equal(skipped.n, 1);
    const sk_unreadable *u = &skipped.items[0];
    assert_string_equal(u->device_id, fx->device_hex);
    assert_int_equal(u->seq, 2);
    assert_string_equal(u->record_id, fx->good_id[1]);
    assert_int_equal(u->kind, SK_REC_RESPONSE);
    assert_string_equal(u->form_id, "unread");
    assert_int_equal(u->status, SK_ERR_FORMAT);
    assert_non_null(strstr(u->reason, "JSON"));

    /* The good records before and after it are exported; numbers stay
     * numbers, text that would run as a formula gets its '. */
    snprintf(path, sizeof path, "%s/unread-v1_responses.csv", out);
    char *csv = slurp(path);
    assert_non_null(strstr(csv, fx->good_id[0]));
    assert_non_null(strstr(csv, fx->good_id[2]));
    assert_null(strstr(csv, fx->good_id[1]));
    assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",-3,-1,yes"));
    assert_non_null(strstr(csv, ",\"fine, thanks\",12,1,yes"));
    assert_null(strstr(csv, ",=HYPERLINK"));
    free(csv);

    snprintf(path, sizeof path, "%s/unreadable.csv", out);
    csv = slurp(path);
    char want[512];
    snprintf(want, sizeof want, "device,seq,record_id,kind,reason\r\n%s,2,%s,response,",
             fx->device_hex, fx->good_id[1]);
    if (strncmp(csv, want, strlen(want)) != 0)
        fail_msg("unreadable.csv: %s", csv);
    free(csv);

    /* The codebook explains the ' and --raw; labels are defused too. */
    snprintf(path, sizeof path, "%s/unread-v1_codebook.csv", out);
    csv = slurp(path);
    assert_non_null(strstr(csv, "leading '"));
    assert_non_null(strstr(csv, "--raw"));
    assert_non_null(strstr(csv, "\r\nchanged,'=Changed roles?,select_one yn,yes==Yes; no=No,"));
    free(csv);

    /* --raw: every cell as recorded. */
    opts.raw = true;
    opts.labels = true;
    st = sk_export_csv(fx->cs, &fx->key, out, &opts, &n_files, &err);
    assert_int_equal(st, SK_OK);
    assert_int_equal(skipped.n, 1);   /* emptied and filled again, not appended */
    snprintf(path, sizeof path, "%s/unread-v1_responses.csv", out);
    csv = slurp(path);
    assert_non_null(strstr(csv, ",\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",-3,Worse,=Yes"));
    free(csv);
    /* Labels without --raw are text: "-1" is a number, its label "=Yes" is not. */
    opts.raw = false;
    st = sk_export_csv(fx->cs, &fx->key, out, &opts, &n_files, &err);
    assert_int_equal(st, SK_OK);
    csv = slurp(path);
    assert_non_null(strstr(csv, ",-3,Worse,'=Yes"));
    free(csv);
    sk_unreadable_list_free(&skipped);
    sk_unreadable_list_free(&skipped);   /* safe twice */
}

static void test_report_skips_unreadable(void **state)
{
    fixture *fx = *state;
    for (int text = 0; text < 2; text++) {
        sk_unreadable_list skipped = {0};
        sk_report_opts opts = {.lang = -1, .text = text, .unreadable = &skipped};
        char *report = NULL;
        size_t len = 0;
        sk_error err;
        sk_status st = sk_report(fx->cs, &fx->key, &opts, &report, &len, &err);
        if (st != SK_OK)
            fail_msg("report: %s", err.message);
        assert_int_equal(skipped.n, 1);
        assert_int_equal(skipped.items[0].seq, 2);
        assert_string_equal(skipped.items[0].record_id, fx->good_id[1]);
        /* The two good responses are counted; the bad one is named. */
        assert_non_null(strstr(report, "Records that could not be read"));
        assert_non_null(strstr(report, fx->good_id[1]));
        assert_non_null(strstr(report, fx->device_hex));
        assert_non_null(strstr(report, "100% (2/2)"));
        if (text)
            assert_non_null(strstr(report, "Sittings: 2 (finished 2,"));
        else
            assert_non_null(strstr(report, "<tr><th>Finished responses</th><td>2</td></tr>"));
        sk_secret_free(report, len);
        sk_unreadable_list_free(&skipped);
    }
    /* Without a list to fill, the report still skips and shows the record. */
    sk_report_opts opts = {.lang = -1, .text = true};
    char *report = NULL;
    size_t len = 0;
    sk_error err;
    assert_int_equal(sk_report(fx->cs, &fx->key, &opts, &report, &len, &err), SK_OK);
    assert_non_null(strstr(report, fx->good_id[1]));
    sk_secret_free(report, len);
}

/* Records are opened on every core (lib/export/reader.c) but written in
 * store order: export files, the skipped list and the report are the same
 * byte for byte whatever the number of threads, also when more records are
 * in flight than the reader's ring holds (256) and one among them is bad. */
static void test_same_output_any_threads(void **state)
{
    fixture *fx = *state;
    char pack_path[2200], bundle_path[2200];
    path_in(fx, pack_path, sizeof pack_path, "unread.pack");
    path_in(fx, bundle_path, sizeof bundle_path, "more.skb");
    uint8_t *pack = NULL, id[SK_DEVICE_ID_SIZE];
    size_t pack_len = 0;
    sk_error err;
    sk_device_id(fx->device.pk, id);
    assert_int_equal(sk_read_file(pack_path, 1 << 20, &pack, &pack_len, &err), SK_OK);
    sk_bundle_writer *w = NULL;
    assert_int_equal(sk_bundle_writer_open(bundle_path, id, "Ward-7", fx->device.pk, &w, &err),
                     SK_OK);
    assert_int_equal(sk_bundle_writer_add_pack(w, pack, pack_len, &err), SK_OK);
    for (uint64_t seq = 4; seq < 604; seq++) {
        char comments[64], years[16];
        snprintf(comments, sizeof comments, "answer %llu", (unsigned long long)seq);
        snprintf(years, sizeof years, "%llu", (unsigned long long)(seq % 40));
        if (seq == 300)
            seal_record(fx, seq, "not json either", 15, w);
        else
            seal_answers(fx, seq, comments, years, seq % 3 ? "1" : "-1", w);
    }
    assert_int_equal(sk_bundle_writer_finish(w, &fx->device, &err), SK_OK);
    free(pack);
    sk_merge_stats stats = {0};
    assert_int_equal(sk_cstore_merge(fx->cs, bundle_path, &stats, NULL, NULL, &err), SK_OK);

    char *first[4] = {NULL};
    static const char *const files[] = {"unread-v1_responses.csv", "unread-v1_text.csv",
                                        "unreadable.csv"};
    const int threads[] = {1, 2, 3, 0};
    for (size_t k = 0; k < sizeof threads / sizeof *threads; k++) {
        sk_export_set_threads(threads[k]);
        char out[2200], name[64], path[2400];
        snprintf(name, sizeof name, "export-t%d", threads[k]);
        path_in(fx, out, sizeof out, name);
        assert_int_equal(mkdir(out, 0700), 0);
        sk_unreadable_list skipped = {0};
        sk_export_opts opts = {.lang = -1, .unreadable = &skipped};
        if (sk_export_csv(fx->cs, &fx->key, out, &opts, NULL, &err) != SK_OK)
            fail_msg("export with %d threads: %s", threads[k], err.message);
        assert_int_equal(skipped.n, 2);
        assert_int_equal(skipped.items[0].seq, 2);
        assert_int_equal(skipped.items[1].seq, 300);
        sk_unreadable_list_free(&skipped);
        for (size_t f = 0; f < 3; f++) {
            snprintf(path, sizeof path, "%s/%s", out, files[f]);
            char *text = slurp(path);
            if (k == 0)
                first[f] = text;
            else {
                if (strcmp(text, first[f]) != 0)
                    fail_msg("%s differs with %d threads", files[f], threads[k]);
                free(text);
            }
        }
        sk_report_opts ropts = {.lang = -1, .text = true};
        char *report = NULL;
        size_t len = 0;
        assert_int_equal(sk_report(fx->cs, &fx->key, &ropts, &report, &len, &err), SK_OK);
        /* The first line holds the time the report was made. */
        char *body = strdup(strchr(report, '\n'));
        sk_secret_free(report, len);
        if (k == 0) {
            first[3] = body;
            assert_non_null(strstr(body, "Sittings: 601 (finished 601,"));
        } else {
            if (strcmp(body, first[3]) != 0)
                fail_msg("the report differs with %d threads", threads[k]);
            free(body);
        }
    }
    sk_export_set_threads(0);
    /* Rows in store order: answer 4 before answer 5 ... before answer 603. */
    const char *p = first[0];
    for (uint64_t seq = 4; seq < 604; seq += 37) {
        if (seq == 300)
            continue;
        char want[32];
        snprintf(want, sizeof want, "answer %llu,", (unsigned long long)seq);
        const char *at = strstr(p, want);
        if (!at)
            fail_msg("row of seq %llu missing or out of order", (unsigned long long)seq);
        p = at;
    }
    for (size_t f = 0; f < 4; f++)
        free(first[f]);
}

/* Another study's key reads nothing and writes nothing. */
static void test_wrong_key_refused(void **state)
{
    fixture *fx = *state;
    sk_study_key other;
    crypto_box_keypair(other.pub.box_pk, other.box_sk);
    crypto_sign_keypair(other.pub.sign_pk, other.sign_sk);
    char out[2200], path[2400];
    path_in(fx, out, sizeof out, "export-wrong");
    assert_int_equal(mkdir(out, 0700), 0);
    sk_error err;
    sk_status st = sk_export_csv(fx->cs, &other, out, NULL, NULL, &err);
    assert_int_equal(st, SK_ERR_MISMATCH);
    snprintf(path, sizeof path, "%s/unreadable.csv", out);
    assert_int_not_equal(access(path, F_OK), 0);
    char *report = NULL;
    size_t len = 0;
    assert_int_equal(sk_report(fx->cs, &other, NULL, &report, &len, &err), SK_ERR_MISMATCH);
}

/* The same store for the end-to-end test, with a study key file the CLI can
 * unlock. */
static int make_store_for_cli(const char *dir)
{
    const char *pass = getenv("SURVEY_PASSPHRASE");
    if (!pass || sodium_init() < 0) {
        fprintf(stderr, "test_export_store make-store: set SURVEY_PASSPHRASE\n");
        return 1;
    }
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "%s", dir);
    path_in(fx, fx->store, sizeof fx->store, "central.db");
    char key_path[2200];
    path_in(fx, key_path, sizeof key_path, "study.key");
    sk_error err;
    sk_study_key *key = NULL;
    if (sk_study_keygen(dir, pass, strlen(pass), NULL, &err) != SK_OK ||
        sk_study_key_load(key_path, pass, strlen(pass), &key, &err) != SK_OK) {
        fprintf(stderr, "test_export_store make-store: %s\n", err.message);
        free(fx);
        return 1;
    }
    fx->key = *key;
    sk_study_key_free(key);
    make_store(fx);
    printf("%s %s %s %s\n", fx->device_hex, fx->good_id[0], fx->good_id[1], fx->good_id[2]);
    sk_cstore_close(fx->cs);
    sodium_memzero(&fx->key, sizeof fx->key);
    free(fx);
    return 0;
}

/* ---- repeats: one CSV per repeat with PARENT_KEY and KEY, as ODK Central ---- */

static const char repeat_md[] =
    "| survey |              |        |          |             |\n"
    "|        | type         | name   | label    | calculation |\n"
    "|        | text         | village | Village |             |\n"
    "|        | begin_repeat | member | Member   |             |\n"
    "|        | text         | mname  | Name     |             |\n"
    "|        | integer      | mage   | Age      |             |\n"
    "|        | select_multiple lang | langs | Languages |     |\n"
    "|        | end_repeat   |        |          |             |\n"
    "|        | calculate    | n      |          | count(${member}) |\n"
    "\n"
    "| choices |           |      |         |\n"
    "|         | list_name | name | label   |\n"
    "|         | lang      | en   | English |\n"
    "|         | lang      | ha   | Hausa   |\n"
    "\n"
    "| settings |            |         |         |\n"
    "|          | form_title | form_id | version |\n"
    "|          | Households | hh      | 1       |\n";

static void seal_hh(fixture *fx, uint64_t seq, const sk_answers *a, sk_bundle_writer *w,
                    char rid[2 * SK_RECORD_ID_SIZE + 1])
{
    char *json = NULL;
    size_t len = 0;
    sk_error err;
    assert_int_equal(sk_answers_to_json(a, -1, &json, &len, &err), SK_OK);
    sk_record_header h;
    memset(&h, 0, sizeof h);
    h.kind = SK_REC_RESPONSE;
    randombytes_buf(h.record_id, SK_RECORD_ID_SIZE);
    sk_device_id(fx->device.pk, h.device_id);
    h.seq = seq;
    snprintf(h.form_id, sizeof h.form_id, "hh");
    snprintf(h.form_version, sizeof h.form_version, "1");
    sk_hex(h.record_id, SK_RECORD_ID_SIZE, rid);
    uint8_t *blob = NULL;
    size_t blen = 0;
    assert_int_equal(sk_record_seal(&h, &fx->key.pub, &fx->device, json, len, &blob, &blen, &err),
                     SK_OK);
    assert_int_equal(sk_bundle_writer_add_record(w, blob, blen, &err), SK_OK);
    free(blob);
    sk_secret_free(json, len);
}

static void test_export_repeats(void **state)
{
    fixture *fx = *state;
    char pack_path[2200], bundle_path[2200], out[2200], path[2400];
    path_in(fx, pack_path, sizeof pack_path, "hh.pack");
    path_in(fx, bundle_path, sizeof bundle_path, "hh.skb");
    path_in(fx, out, sizeof out, "out-hh");
    assert_int_equal(mkdir(out, 0700), 0);
    sk_error err;
    assert_int_equal(sk_pack_write(pack_path, &fx->key, "hh", "1", "Households", "hh.md",
                                   (const uint8_t *)repeat_md, sizeof repeat_md - 1, &err),
                     SK_OK);
    uint8_t *pack = NULL;
    size_t pack_len = 0;
    assert_int_equal(sk_read_file(pack_path, 1 << 20, &pack, &pack_len, &err), SK_OK);
    uint8_t id[SK_DEVICE_ID_SIZE];
    sk_device_id(fx->device.pk, id);
    sk_bundle_writer *w = NULL;
    assert_int_equal(sk_bundle_writer_open(bundle_path, id, "Ward-7", fx->device.pk, &w, &err),
                     SK_OK);
    assert_int_equal(sk_bundle_writer_add_pack(w, pack, pack_len, &err), SK_OK);
    free(pack);

    /* Household 1: two members; household 2: none (no repeat entry). */
    char rid1[2 * SK_RECORD_ID_SIZE + 1], rid2[2 * SK_RECORD_ID_SIZE + 1];
    sk_answers a;
    sk_answers_init(&a);
    int64_t now = 1795000000000LL;
    a.started_ms = now - 60000;
    a.finished_ms = now;
    sk_answers_set(&a, "village", "Ikot", SK_SECTION_RESPONSE, now);
    sk_answers_set(&a, "member", "2", SK_SECTION_RESPONSE, now);
    sk_answers_set_at(&a, "member[1]", "mname", "Ada, \"the elder\"", SK_SECTION_RESPONSE, now);
    sk_answers_set_at(&a, "member[1]", "mage", "36", SK_SECTION_RESPONSE, now);
    sk_answers_set_at(&a, "member[1]", "langs", "en ha", SK_SECTION_RESPONSE, now);
    sk_answers_set_at(&a, "member[2]", "mname", "Bo", SK_SECTION_RESPONSE, now);
    sk_answers_set(&a, "n", "2", SK_SECTION_RESPONSE, now);
    seal_hh(fx, 10, &a, w, rid1);
    sk_answers_free(&a);
    sk_answers_init(&a);
    a.started_ms = now - 60000;
    a.finished_ms = now;
    sk_answers_set(&a, "village", "Uyo", SK_SECTION_RESPONSE, now);
    sk_answers_set(&a, "n", "0", SK_SECTION_RESPONSE, now);
    seal_hh(fx, 11, &a, w, rid2);
    sk_answers_free(&a);
    assert_int_equal(sk_bundle_writer_finish(w, &fx->device, &err), SK_OK);
    sk_merge_stats stats = {0};
    if (sk_cstore_merge(fx->cs, bundle_path, &stats, NULL, NULL, &err) != SK_OK)
        fail_msg("merge: %s", err.message);

    sk_export_opts opts = {.lang = -1};
    size_t n_files = 0;
    if (sk_export_csv(fx->cs, &fx->key, out, &opts, &n_files, &err) != SK_OK)
        fail_msg("export: %s", err.message);

    snprintf(path, sizeof path, "%s/hh-v1-member.csv", out);
    char *member = slurp(path);
    char want[2048];
    snprintf(want, sizeof want,
             "mname,mage,langs,langs/en,langs/ha,PARENT_KEY,KEY\r\n"
             "\"Ada, \"\"the elder\"\"\",36,en ha,1,1,%s,%s/member[1]\r\n"
             /* Bo's age and languages: shown, left unanswered (the
              * missing-answer rule of every other table: NA) */
             "Bo,NA,NA,NA,NA,%s,%s/member[2]\r\n",
             rid1, rid1, rid1, rid1);
    assert_string_equal(member, want);
    free(member);

    snprintf(path, sizeof path, "%s/hh-v1_responses.csv", out);
    char *resp = slurp(path);
    /* repeat questions are not columns of the main file; it ends with the keys */
    assert_non_null(strstr(resp, ",village,n,SET-OF-member,KEY\r\n"));
    snprintf(want, sizeof want, ",Ikot,2,%s/member,%s\r\n", rid1, rid1);
    assert_non_null(strstr(resp, want));
    snprintf(want, sizeof want, ",Uyo,0,%s/member,%s\r\n", rid2, rid2);
    assert_non_null(strstr(resp, want));
    assert_null(strstr(resp, "mname"));
    free(resp);

    snprintf(path, sizeof path, "%s/hh-v1_codebook.csv", out);
    char *book = slurp(path);
    assert_non_null(strstr(book, "\nmname,Name,text,,,,,repeat member,"));
    assert_non_null(strstr(book, "\nPARENT_KEY,"));
    assert_non_null(strstr(book, "\nSET-OF-member,"));
    /* the codebook finds the repeat's columns in its table: SPSS/Stata name, level */
    assert_non_null(strstr(book, ",repeat member,,mname,nominal,"));
    assert_non_null(strstr(book, ",repeat member,,PARENT_KEY,nominal,"));
    free(book);

    /* The repeat's table in every format: <base>-<repeat>.sav/.dta and a
     * sheet of the workbook, with the instances' rows and the keys. */
    char out2[2200];
    path_in(fx, out2, sizeof out2, "out-hh-all");
    assert_int_equal(mkdir(out2, 0700), 0);
#ifdef _WIN32
    /* No ReadStat in the Windows build (lib/export_win/write_stat_none.c):
     * sav is refused whole, and csv + xlsx are what it writes. */
    sk_export_opts sav = {.lang = -1, .formats = SK_FORMAT_CSV | SK_FORMAT_SAV};
    assert_int_equal(sk_export_csv(fx->cs, &fx->key, out2, &sav, &n_files, &err),
                     SK_ERR_UNSUPPORTED);
    sk_export_opts all = {.lang = -1, .formats = SK_FORMAT_CSV | SK_FORMAT_XLSX};
    const size_t n_exts = 1;
#else
    sk_export_opts all = {.lang = -1,
                          .formats = SK_FORMAT_CSV | SK_FORMAT_XLSX | SK_FORMAT_SAV |
                                     SK_FORMAT_DTA};
    const size_t n_exts = 3;
#endif
    if (sk_export_csv(fx->cs, &fx->key, out2, &all, &n_files, &err) != SK_OK)
        fail_msg("export all formats: %s", err.message);
    static const char *const exts[] = {".csv", ".sav", ".dta"};
    for (size_t i = 0; i < n_exts; i++) {
        snprintf(path, sizeof path, "%s/hh-v1-member%s", out2, exts[i]);
        FILE *f = fopen(path, "rb");
        if (!f)
            fail_msg("%s was not written", path);
        char *bytes = malloc(1 << 16);
        size_t n = fread(bytes, 1, 1 << 16, f);
        fclose(f);
        assert_non_null(memmem(bytes, n, "Bo", 2));
        assert_non_null(memmem(bytes, n, rid1, strlen(rid1)));
        if (i == 1)
            assert_memory_equal(bytes, "$FL2", 4);
        if (i == 2)
            assert_non_null(memmem(bytes, n, "PARENT_KEY", 10));
        free(bytes);
    }
    snprintf(path, sizeof path, "%s/hh-v1.xlsx", out2);
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z)
        fail_msg("%s is not a workbook (libzip error %d)", path, zerr);
    static const struct { const char *entry, *text; } parts[] = {
        {"xl/workbook.xml", "name=\"repeat member\""}, {"xl/worksheets/sheet4.xml", "PARENT_KEY"},
        {"xl/worksheets/sheet4.xml", ">Bo<"}};
    /* sheets: responses, consent, text, repeat member (sheet4), codebook */
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        zip_file_t *zf = zip_fopen(z, parts[i].entry, 0);
        if (!zf)
            fail_msg("%s has no %s", path, parts[i].entry);
        char *xml = calloc(1, 1 << 16);
        zip_int64_t n = zip_fread(zf, xml, (1 << 16) - 1);
        zip_fclose(zf);
        assert_true(n > 0);
        if (!strstr(xml, parts[i].text))
            fail_msg("%s: %s lacks %s", path, parts[i].entry, parts[i].text);
        free(xml);
    }
    zip_close(z);

    /* The report: instances per response, and the repeat's questions counted
     * per instance (Ada 36 and Bo, age unanswered: asked twice, answered once). */
    sk_report_opts ropts = {.lang = -1, .text = true};
    char *report = NULL;
    size_t rlen = 0;
    if (sk_report(fx->cs, &fx->key, &ropts, &report, &rlen, &err) != SK_OK)
        fail_msg("report: %s", err.message);
    assert_non_null(strstr(report, "repeat: instances per response, 2 responses"));
    assert_non_null(strstr(report, "in the repeat 'member', asked in 2 instances, answered in 2"));
    assert_non_null(strstr(report, "integer in the repeat 'member', asked in 2 instances, "
                                   "answered in 1"));
    sk_secret_free(report, rlen);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "make-store") == 0)
        return make_store_for_cli(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_export_skips_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_skips_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_output_any_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_repeats, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
