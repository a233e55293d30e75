/* test_kstore.c - the kiosk store end to end with real SQLite and libsodium:
 * install, sittings (finish, decline, abandon, crash), export, and the study
 * key opening every record back to exactly what was saved. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kstore_fixture.h"
#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/kstore.h"
#include "sk/record.h"
#include <sqlite3.h>

#define FORM SK_TEST_DATA "/forms/golden_basic.md"

typedef struct opened {
    sk_record_header h;
    sk_answers a;
} opened;

/* Read a bundle and open every record with the study key. */
static size_t open_bundle(const char *path, const sk_study_key *key, opened *out, size_t max,
                          size_t *n_packs)
{
    sk_bundle_reader *r = NULL;
    sk_bundle_info info;
    sk_error err;
    assert_int_equal(sk_bundle_reader_open(path, &r, &info, &err), SK_OK);
    size_t n = 0;
    *n_packs = 0;
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    int rc;
    while ((rc = sk_bundle_reader_next(r, &kind, &data, &len, &err)) == 1) {
        if (kind == SK_ITEM_PACK) {
            (*n_packs)++;
            continue;
        }
        assert_true(n < max);
        char *payload = NULL;
        size_t plen = 0;
        assert_int_equal(sk_record_open(data, len, key, &out[n].h, &payload, &plen, &err), SK_OK);
        sk_answers_init(&out[n].a);
        assert_int_equal(sk_answers_from_json(payload, plen, &out[n].a, &err), SK_OK);
        sk_secret_free(payload, plen);
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(sk_bundle_reader_close(r, &err), SK_OK);
    return n;
}

static void free_opened(opened *o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sk_answers_free(&o[i].a);
}

static void answer(sk_sitting *s, sk_answers *a, const char *name, const char *value,
                   sk_section sec)
{
    sk_error err;
    assert_int_equal(sk_answers_set(a, name, value, sec, sk_now_ms()), SK_OK);
    assert_int_equal(sk_sitting_save(s, a, &err), SK_OK);
}

static void test_round_trip(void **state)
{
    (void)state;
    char dir[1024], study[1100], kdir[1100], pack[1100], out[1100];
    fx_dir(dir, sizeof dir, "kstore_rt");
    snprintf(study, sizeof study, "%s/study", dir);
    snprintf(kdir, sizeof kdir, "%s/kiosk", dir);
    snprintf(pack, sizeof pack, "%s/f.pack", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    sk_study_key *key = fx_study_and_pack(study, FORM, "golden_basic", "2026.1", pack);
    assert_non_null(key);

    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(kdir, &ks, &err), SK_OK);
    assert_int_equal(strlen(sk_kstore_device_id(ks)), 16);
    char dev[17];
    snprintf(dev, sizeof dev, "%s", sk_kstore_device_id(ks));
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *s = NULL;
    assert_int_equal(sk_kstore_sitting_start(ks, &a, &s, &err), SK_ERR_STATE); /* no pack yet */
    sk_pack *p = NULL;
    assert_int_equal(sk_kstore_install_pack(ks, pack, &p, &err), SK_OK);
    assert_string_equal(p->form_id, "golden_basic");
    sk_pack_free(p);
    assert_int_equal(sk_kstore_set_label(ks, "Durham-Pi-2", &err), SK_OK);

    /* 1: finished with consent and answers */
    assert_int_equal(sk_kstore_sitting_start(ks, &a, &s, &err), SK_OK);
    assert_int_equal(strlen(a.sitting_id), 32);
    assert_string_equal(a.form_id, "golden_basic");
    answer(s, &a, "agree_data", "yes", SK_SECTION_CONSENT);
    answer(s, &a, "signer", "Zoë Ng", SK_SECTION_CONSENT);
    answer(s, &a, "role", "clinical", SK_SECTION_RESPONSE);
    answer(s, &a, "years", "12", SK_SECTION_RESPONSE);
    answer(s, &a, "role_other", "line1\n\"quoted\", 中文", SK_SECTION_RESPONSE);
    sk_kstore_counts c;
    assert_int_equal(sk_kstore_counts_get(ks, &c, &err), SK_OK);
    assert_int_equal(c.in_progress, 1);
    char code[SK_WCODE_SIZE];
    assert_int_equal(sk_sitting_finish(s, &a, code, &err), SK_OK);
    char canon[SK_WCODE_SIZE];
    assert_true(sk_wcode_normalize(code, canon));
    assert_string_equal(canon, code);
    sk_answers_free(&a);
    /* 2: declined */
    assert_int_equal(sk_kstore_sitting_start(ks, &a, &s, &err), SK_OK);
    answer(s, &a, "agree_contact", "yes", SK_SECTION_CONSENT);
    assert_int_equal(sk_sitting_decline(s, &a, &err), SK_OK);
    sk_answers_free(&a);
    /* 3: abandoned (idle) */
    assert_int_equal(sk_kstore_sitting_start(ks, &a, &s, &err), SK_OK);
    answer(s, &a, "agree_data", "yes", SK_SECTION_CONSENT);
    answer(s, &a, "role", "other", SK_SECTION_RESPONSE);
    assert_int_equal(sk_sitting_abandon(s, &a, &err), SK_OK);
    sk_answers_free(&a);
    /* 4: a crash: another process saves an answer and dies without finishing */
    sk_kstore_close(ks);
    pid_t pid = fork();
    if (pid == 0) {
        sk_kstore *child = NULL;
        if (sk_kstore_open(kdir, &child, &err) != SK_OK ||
            sk_kstore_sitting_start(child, &a, &s, &err) != SK_OK ||
            sk_answers_set(&a, "role", "informatics", SK_SECTION_RESPONSE, sk_now_ms()) != SK_OK ||
            sk_sitting_save(s, &a, &err) != SK_OK)
            _exit(1);
        _exit(0); /* no finish, no close */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(sk_kstore_open(kdir, &ks, &err), SK_OK);
    assert_string_equal(sk_kstore_device_id(ks), dev);          /* identity persists */
    assert_string_equal(sk_kstore_device_label(ks), "Durham-Pi-2");
    assert_int_equal(sk_kstore_counts_get(ks, &c, &err), SK_OK);
    assert_int_equal(c.finished, 1);
    assert_int_equal(c.consents, 1);
    assert_int_equal(c.declined, 1);
    assert_int_equal(c.incomplete, 2);                        /* abandoned + recovered */
    assert_int_equal(c.in_progress, 0);
    assert_int_equal(c.not_exported, 5);

    char path[4096];
    uint64_t n = 0;
    assert_int_equal(sk_kstore_export(ks, out, false, path, sizeof path, &n, &err), SK_OK);
    assert_int_equal(n, 5);
    assert_non_null(strstr(path, dev));
    opened o[8];
    size_t packs;
    size_t got = open_bundle(path, key, o, 8, &packs);
    assert_int_equal(got, 5);
    assert_int_equal(packs, 1);
    /* sequence numbers 1..5 without gaps, in order */
    for (size_t i = 0; i < got; i++)
        assert_int_equal(o[i].h.seq, i + 1);
    assert_int_equal(o[0].h.kind, SK_REC_CONSENT);
    assert_int_equal(o[1].h.kind, SK_REC_RESPONSE);
    assert_int_equal(o[2].h.kind, SK_REC_DECLINED);
    assert_int_equal(o[3].h.kind, SK_REC_INCOMPLETE);
    assert_int_equal(o[4].h.kind, SK_REC_INCOMPLETE);
    /* consent and response share the withdrawal tag of the code shown */
    uint8_t tag[SK_TAG_SIZE];
    sk_wcode_tag(code, tag);
    assert_memory_equal(o[0].h.withdraw_tag, tag, SK_TAG_SIZE);
    assert_memory_equal(o[1].h.withdraw_tag, tag, SK_TAG_SIZE);
    /* the answers come back exactly, each in its own record */
    assert_string_equal(sk_answers_get(&o[0].a, "signer"), "Zoë Ng");
    assert_null(sk_answers_get(&o[0].a, "role"));
    assert_string_equal(sk_answers_get(&o[1].a, "role_other"), "line1\n\"quoted\", 中文");
    assert_string_equal(sk_answers_get(&o[1].a, "years"), "12");
    assert_null(sk_answers_get(&o[1].a, "signer"));
    assert_true(o[1].a.finished_ms >= o[1].a.started_ms && o[1].a.started_ms > 0);
    assert_string_equal(sk_answers_get(&o[2].a, "agree_contact"), "yes");
    assert_string_equal(sk_answers_get(&o[3].a, "role"), "other");
    assert_string_equal(sk_answers_get(&o[4].a, "role"), "informatics"); /* recovered draft */
    assert_string_equal(o[4].a.form_id, "golden_basic");
    free_opened(o, got);

    /* exporting again writes nothing; --all writes everything again */
    assert_int_equal(sk_kstore_export(ks, out, false, path, sizeof path, &n, &err), SK_OK);
    assert_int_equal(n, 0);
    assert_string_equal(path, "");
    assert_int_equal(sk_kstore_counts_get(ks, &c, &err), SK_OK);
    assert_int_equal(c.not_exported, 0);
    sleep(1); /* the bundle name carries the time */
    assert_int_equal(sk_kstore_export(ks, out, true, path, sizeof path, &n, &err), SK_OK);
    assert_int_equal(n, 5);
    got = open_bundle(path, key, o, 8, &packs);
    assert_int_equal(got, 5);
    free_opened(o, got);
    sk_kstore_close(ks);
    sk_study_key_free(key);
}

static void test_install_refusals(void **state)
{
    (void)state;
    char dir[1024], s1[1100], s2[1100], kdir[1100], p1[1100], p2[1100], bad[1100];
    fx_dir(dir, sizeof dir, "kstore_inst");
    snprintf(s1, sizeof s1, "%s/s1", dir);
    snprintf(s2, sizeof s2, "%s/s2", dir);
    snprintf(kdir, sizeof kdir, "%s/kiosk", dir);
    snprintf(p1, sizeof p1, "%s/one.pack", dir);
    snprintf(p2, sizeof p2, "%s/other-study.pack", dir);
    snprintf(bad, sizeof bad, "%s/bad.pack", dir);
    sk_study_key *k1 = fx_study_and_pack(s1, FORM, "golden_basic", "1", p1);
    sk_study_key *k2 = fx_study_and_pack(s2, FORM, "golden_basic", "1", p2);
    assert_non_null(k1);
    assert_non_null(k2);
    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(kdir, &ks, &err), SK_OK);
    assert_int_equal(sk_kstore_current_pack(ks, &(sk_pack *){NULL}, &err), SK_ERR_STATE);
    assert_int_equal(sk_kstore_install_pack(ks, p1, NULL, &err), SK_OK);
    assert_int_equal(sk_kstore_install_pack(ks, p1, NULL, &err), SK_OK); /* again: harmless */
    assert_int_equal(sk_kstore_install_pack(ks, p2, NULL, &err), SK_ERR_MISMATCH);
    assert_non_null(strstr(err.message, "another study"));
    assert_string_equal(err.file, p2);

    uint8_t *bytes;
    size_t len;
    assert_int_equal(sk_read_file(p1, 1 << 24, &bytes, &len, &err), SK_OK);
    /* a flipped byte, and a truncated copy */
    bytes[len / 2] ^= 0x40;
    assert_int_equal(sk_write_file_atomic(bad, bytes, len, 0600, 0, &err), SK_OK);
    assert_int_equal(sk_kstore_install_pack(ks, bad, NULL, &err), SK_ERR_AUTH);
    assert_non_null(strstr(err.message, "damaged"));
    bytes[len / 2] ^= 0x40;
    assert_int_equal(sk_write_file_atomic(bad, bytes, len - 10, 0600, 0, &err), SK_OK);
    assert_true(sk_kstore_install_pack(ks, bad, NULL, &err) != SK_OK);
    free(bytes);
    /* a newer version of the form becomes current; the old records stay */
    char p3[1100];
    snprintf(p3, sizeof p3, "%s/v2.pack", dir);
    sk_study_key *again = fx_study_and_pack(s1, FORM, "golden_basic", "2", p3);
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *s;
    assert_int_equal(sk_kstore_sitting_start(ks, &a, &s, &err), SK_OK);
    assert_int_equal(sk_sitting_abandon(s, &a, &err), SK_OK);
    sk_answers_free(&a);
    assert_int_equal(sk_kstore_install_pack(ks, p3, NULL, &err), SK_OK);
    sk_pack *cur = NULL;
    assert_int_equal(sk_kstore_current_pack(ks, &cur, &err), SK_OK);
    assert_string_equal(cur->form_version, "2");
    sk_pack_free(cur);
    sk_kstore_counts c;
    assert_int_equal(sk_kstore_counts_get(ks, &c, &err), SK_OK);
    assert_int_equal(c.incomplete, 1);
    sk_kstore_close(ks);
    sk_study_key_free(k1);
    sk_study_key_free(k2);
    sk_study_key_free(again);
}

/* Write len bytes of data to path (a plain write: the pack file is the input here). */
static void put_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int count_packs(const char *kdir)
{
    char db[1200];
    snprintf(db, sizeof db, "%s/kiosk.db", kdir);
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM packs", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* A damaged pack is refused whole: whatever byte is flipped or wherever the file
 * is cut, nothing is installed, the current pack stays, and the administrator is
 * told which file and what to do. */
static void test_damaged_pack_has_no_effect(void **state)
{
    (void)state;
    char dir[1024], study[1100], kdir[1100], good[1100], bad[1100];
    fx_dir(dir, sizeof dir, "kstore_damage");
    snprintf(study, sizeof study, "%s/study", dir);
    snprintf(kdir, sizeof kdir, "%s/kiosk", dir);
    snprintf(good, sizeof good, "%s/good.pack", dir);
    snprintf(bad, sizeof bad, "%s/F.pack", dir);
    sk_study_key *key = fx_study_and_pack(study, FORM, "golden_basic", "7", good);
    assert_non_null(key);
    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(kdir, &ks, &err), SK_OK);
    sk_pack *p = NULL;
    assert_int_equal(sk_kstore_install_pack(ks, good, &p, &err), SK_OK);
    uint8_t digest[32];
    memcpy(digest, p->digest, sizeof digest);
    sk_pack_free(p);
    uint8_t *bytes;
    size_t len;
    assert_int_equal(sk_read_file(good, 1 << 24, &bytes, &len, &err), SK_OK);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);

    /* Cuts: every length in the header region, then a stride through the rest. */
    int refused = 0;
    for (size_t cut = 0; cut < len; cut += cut < 256 ? 1 : 97) {
        put_file(bad, bytes, cut);
        sk_status s = sk_kstore_install_pack(ks, bad, NULL, &err);
        if (s == SK_OK)
            fail_msg("a pack cut to %zu of %zu bytes was installed", cut, len);
        refused++;
    }
    /* Flips: one bit in each byte at a stride that reaches header, form and signature. */
    for (size_t at = 0; at < len; at += at < 128 ? 1 : 31) {
        memcpy(copy, bytes, len);
        copy[at] ^= (uint8_t)(1u << (at % 8));
        put_file(bad, copy, len);
        sk_status s = sk_kstore_install_pack(ks, bad, NULL, &err);
        if (s == SK_OK)
            fail_msg("a pack with byte %zu of %zu altered was installed", at, len);
        refused++;
    }
    assert_true(refused > 300);
    /* what the administrator reads for the last refusal */
    assert_string_equal(err.file, bad);
    assert_non_null(strstr(err.message, "damaged"));
    assert_non_null(strstr(err.message, "survey-sync pack"));

    assert_int_equal(count_packs(kdir), 1);
    assert_int_equal(sk_kstore_current_pack(ks, &p, &err), SK_OK);
    assert_memory_equal(p->digest, digest, sizeof digest);
    sk_pack_free(p);
    sk_kstore_close(ks);
    /* and after reopening, sittings still start on the good pack */
    assert_int_equal(sk_kstore_open(kdir, &ks, &err), SK_OK);
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *s = NULL;
    assert_int_equal(sk_kstore_sitting_start(ks, &a, &s, &err), SK_OK);
    assert_string_equal(a.form_version, "7");
    assert_int_equal(sk_sitting_abandon(s, &a, &err), SK_OK);
    sk_answers_free(&a);
    sk_kstore_close(ks);
    free(copy);
    free(bytes);
    sk_study_key_free(key);
}

static void test_pin_settings_label(void **state)
{
    (void)state;
    char dir[1024];
    fx_dir(dir, sizeof dir, "kstore_pin");
    setenv("SK_PWHASH_FAST", "1", 1);
    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    assert_false(sk_kstore_has_pin(ks));
    sk_pin_result r;
    assert_int_equal(sk_kstore_pin_attempt(ks, "123456", 1000, &r, &err), SK_ERR_STATE);
    assert_int_equal(sk_kstore_set_pin(ks, "12a456", &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_set_pin(ks, "12345", &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_set_pin(ks, "4821", &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_set_pin(ks, "482193", &err), SK_OK);
    assert_true(sk_kstore_has_pin(ks));
    assert_int_equal(sk_kstore_pin_attempt(ks, "482193", 1000, &r, &err), SK_OK);
    assert_true(r.accepted);
    assert_int_equal(sk_kstore_pin_attempt(ks, "482194", 1000, &r, &err), SK_OK);
    assert_false(r.accepted);
    char *v = (char *)1;
    assert_int_equal(sk_kstore_get_setting(ks, "idle_timeout", &v, &err), SK_OK);
    assert_null(v);
    assert_int_equal(sk_kstore_set_setting(ks, "idle_timeout", "45", &err), SK_OK);
    assert_int_equal(sk_kstore_set_setting(ks, "idle_timeout", "60", &err), SK_OK);
    assert_int_equal(sk_kstore_get_setting(ks, "idle_timeout", &v, &err), SK_OK);
    assert_string_equal(v, "60");
    free(v);
    char longl[100];
    memset(longl, 'x', sizeof longl - 1);
    longl[99] = '\0';
    assert_int_equal(sk_kstore_set_label(ks, longl, &err), SK_ERR_ARG);
    sk_kstore_close(ks);
    /* the PIN hash is not the PIN */
    char db[1100];
    snprintf(db, sizeof db, "%s/kiosk.db", dir);
    uint8_t *bytes;
    size_t len;
    assert_int_equal(sk_read_file(db, 1 << 26, &bytes, &len, &err), SK_OK);
    assert_null(memmem(bytes, len, "482193", 6));
    free(bytes);
    sk_kstore_close(NULL);
}

static void test_newer_schema_refused(void **state)
{
    (void)state;
    char dir[1024];
    fx_dir(dir, sizeof dir, "kstore_schema");
    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    sk_kstore_close(ks);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s/kiosk.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(cmd, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    ks = (sk_kstore *)1;
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_ERR_UNSUPPORTED);
    assert_ptr_equal(ks, (sk_kstore *)1);
    assert_non_null(strstr(err.message, "newer survey-kiosk"));
}

static unsigned mode_of(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    return (unsigned)(sb.st_mode & 07777);
}

/* kiosk.db holds the device's signing key: it, its -wal and -shm are 0600
 * whatever the umask, a 0644 store from an older version is fixed on open,
 * and a new data folder is 0700. */
static void test_store_files_private(void **state)
{
    (void)state;
    char dir[1024], path[1200];
    fx_dir(dir, sizeof dir, "kstore_modes");
    rmdir(dir);
    mode_t old_mask = umask(022);
    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    assert_int_equal(sk_kstore_set_label(ks, "write something", &err), SK_OK);
    assert_int_equal(mode_of(dir, "."), 0700);
    assert_int_equal(mode_of(dir, "kiosk.db"), 0600);
    assert_int_equal(mode_of(dir, "kiosk.db-wal"), 0600);
    assert_int_equal(mode_of(dir, "kiosk.db-shm"), 0600);
    sk_kstore_close(ks);
    const char *names[] = {"kiosk.db", "kiosk.db-wal", "kiosk.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (access(path, F_OK) == 0)
            assert_int_equal(chmod(path, 0644), 0);
    }
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    assert_int_equal(sk_kstore_set_label(ks, "again", &err), SK_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(mode_of(dir, names[i]), 0600);
    sk_kstore_close(ks);
    /* A store that is a symbolic link is not followed. */
    char other[1100];
    snprintf(other, sizeof other, "%s-elsewhere", dir);
    fx_dir(other, sizeof other, "kstore_modes_link");
    snprintf(path, sizeof path, "%s/kiosk.db", other);
    char target[1200];
    snprintf(target, sizeof target, "%s/kiosk.db", dir);
    assert_int_equal(symlink(target, path), 0);
    ks = (sk_kstore *)1;
    assert_int_equal(sk_kstore_open(other, &ks, &err), SK_ERR_IO);
    assert_ptr_equal(ks, (sk_kstore *)1);
    umask(old_mask);
}

/* The fingerprint shown on the admin screen is the device key's, as
 * sk_device_fingerprint gives it, and begins with the device id. */
static void test_device_fingerprint(void **state)
{
    (void)state;
    char dir[1024], db_path[1100];
    fx_dir(dir, sizeof dir, "kstore_fp");
    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    char fp[SK_FINGERPRINT_SIZE], want[SK_FINGERPRINT_SIZE];
    memset(fp, 'z', sizeof fp);
    sk_kstore_device_fingerprint(ks, fp);
    snprintf(db_path, sizeof db_path, "%s/kiosk.db", dir);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT sign_pk FROM device", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(st, 0), 32);
    sk_device_fingerprint(sqlite3_column_blob(st, 0), want);
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_string_equal(fp, want);
    assert_int_equal(strlen(fp), 19);
    assert_true(fp[4] == '-' && fp[9] == '-' && fp[14] == '-');
    sk_kstore_close(ks);
    sk_kstore_device_fingerprint(NULL, fp);
    assert_string_equal(fp, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_install_refusals),
        cmocka_unit_test(test_damaged_pack_has_no_effect),
        cmocka_unit_test(test_pin_settings_label),
        cmocka_unit_test(test_newer_schema_refused),
        cmocka_unit_test(test_store_files_private),
        cmocka_unit_test(test_device_fingerprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
