/* kstore_outbox.c - what the delivery worker needs of kiosk.db: the records
 * not delivered yet as a signed bundle, and marking them delivered when a
 * verified receipt names them.  The worker runs on its own thread with its
 * own SQLite connection (WAL), so the participant's screen never waits for
 * the network and rarely for the worker's short writes.  Nothing here deletes
 * a record: delivered_ms is only a mark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kstore_internal.h"
#include "sk/receipt.h"

struct sk_kstore_outbox {
    sk_kstore *ks;           /* device id, label and key (read only) */
    sqlite3 *db;
    char dir[4096];
    /* The bundle being delivered: its packs, to mark when its receipt comes. */
    uint8_t (*pack_digests)[32];
    size_t n_packs;
};

static sk_status ob_error(sk_kstore_outbox *ob, int rc, const char *doing, sk_error *err)
{
    return sk_error_set_at(err, (rc & 0xff) == SQLITE_FULL ? SK_ERR_NOSPACE : SK_ERR_DB,
                           ob->ks->path, NULL, 0, NULL, "database error while %s: %s", doing,
                           sqlite3_errmsg(ob->db));
}

sk_status sk_kstore_outbox_open(sk_kstore *ks, sk_kstore_outbox **out, sk_error *err)
{
    if (!ks || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_outbox_open: NULL argument");
    /* Its own lock, or the kiosk's shared with its delivery helper. */
    sk_status s = ks->shared_lock ? SK_OK : ks_need_lock(ks, "deliver records", err);
    if (s != SK_OK)
        return s;
    sk_kstore_outbox *ob = calloc(1, sizeof *ob);
    if (!ob)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    ob->ks = ks;
    snprintf(ob->dir, sizeof ob->dir, "%s", ks->path);
    char *slash = strrchr(ob->dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(ob->dir, sizeof ob->dir, ".");
    int rc = sqlite3_open_v2(ks->path, &ob->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX,
                             NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(ob->db, 10000);
        rc = sqlite3_exec(ob->db,
                          "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;",
                          NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        s = ob_error(ob, rc, "opening the kiosk store for delivery", err);
        sk_kstore_outbox_close(ob);
        return s;
    }
    *out = ob;
    return SK_OK;
}

void sk_kstore_outbox_close(sk_kstore_outbox *ob)
{
    if (!ob)
        return;
    sqlite3_close_v2(ob->db);
    free(ob->pack_digests);
    free(ob);
}

const char *sk_kstore_outbox_dir(const sk_kstore_outbox *ob)
{
    return ob ? ob->dir : NULL;
}

static sk_status prepare(sk_kstore_outbox *ob, const char *sql, sqlite3_stmt **st, sk_error *err)
{
    int rc = sqlite3_prepare_v2(ob->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? SK_OK : ob_error(ob, rc, "preparing a query", err);
}

/* The packs of the records in [first, last] not delivered yet (their bytes
 * go into the bundle; their digests are remembered for the receipt). */
static sk_status add_packs(sk_kstore_outbox *ob, sk_bundle_writer *w, uint64_t first,
                           uint64_t last, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = prepare(ob,
                          "SELECT digest, bytes FROM packs p WHERE p.delivered_ms IS NULL AND "
                          "EXISTS (SELECT 1 FROM records r WHERE r.form_id = p.form_id AND "
                          "r.form_version = p.form_version AND r.seq BETWEEN ?1 AND ?2 AND "
                          "r.delivered_ms IS NULL) ORDER BY install_order",
                          &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
    int rc;
    while (s == SK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        void *p = realloc(ob->pack_digests, (ob->n_packs + 1) * 32);
        if (!p) {
            s = sk_error_set(err, SK_ERR_NOMEM, "out of memory");
            break;
        }
        ob->pack_digests = p;
        if (sqlite3_column_bytes(st, 0) == 32)
            memcpy(ob->pack_digests[ob->n_packs++], sqlite3_column_blob(st, 0), 32);
        s = sk_bundle_writer_add_pack(w, sqlite3_column_blob(st, 1),
                                      (size_t)sqlite3_column_bytes(st, 1), err);
    }
    if (s == SK_OK && rc != SQLITE_DONE)
        s = ob_error(ob, rc, "reading packs for delivery", err);
    sqlite3_finalize(st);
    return s;
}

static sk_status add_records(sk_kstore_outbox *ob, sk_bundle_writer *w, uint64_t first,
                             uint64_t last, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = prepare(ob,
                          "SELECT blob FROM records WHERE seq BETWEEN ?1 AND ?2 AND "
                          "delivered_ms IS NULL ORDER BY seq",
                          &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
    int rc;
    while (s == SK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        s = sk_bundle_writer_add_record(w, sqlite3_column_blob(st, 0),
                                        (size_t)sqlite3_column_bytes(st, 0), err);
    if (s == SK_OK && rc != SQLITE_DONE)
        s = ob_error(ob, rc, "reading records for delivery", err);
    sqlite3_finalize(st);
    return s;
}

sk_status sk_kstore_outbox_bundle(sk_kstore_outbox *ob, const char *path, size_t max_records,
                                  uint64_t *n_records, bool *has_packs, sk_error *err)
{
    if (!ob || !path || !n_records || max_records == 0)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_outbox_bundle: bad argument");
    free(ob->pack_digests);
    ob->pack_digests = NULL;
    ob->n_packs = 0;
    /* A read transaction: the set of records stays what we counted. */
    int rc = sqlite3_exec(ob->db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return ob_error(ob, rc, "starting a delivery", err);
    sqlite3_stmt *st;
    sk_status s = prepare(ob,
                          "SELECT COUNT(*), MIN(seq), MAX(seq) FROM (SELECT seq FROM records "
                          "WHERE delivered_ms IS NULL ORDER BY seq LIMIT ?)",
                          &st, err);
    uint64_t n = 0, first = 0, last = 0;
    if (s == SK_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)max_records);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            n = (uint64_t)sqlite3_column_int64(st, 0);
            first = (uint64_t)sqlite3_column_int64(st, 1);
            last = (uint64_t)sqlite3_column_int64(st, 2);
        } else {
            s = ob_error(ob, rc, "counting records to deliver", err);
        }
        sqlite3_finalize(st);
    }
    /* The label from this connection: the screen's thread may be changing
     * ks->label (admin menu) while we run. */
    char label[SK_LABEL_MAX + 1] = "";
    if (s == SK_OK && n > 0 && prepare(ob, "SELECT label FROM device", &st, err) == SK_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(label, sizeof label, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sk_bundle_writer *w = NULL;
    if (s == SK_OK && n > 0)
        s = sk_bundle_writer_open(path, ob->ks->device_id, label, ob->ks->key->pk, &w, err);
    if (s == SK_OK && n > 0)
        s = add_packs(ob, w, first, last, err);
    if (s == SK_OK && n > 0)
        s = add_records(ob, w, first, last, err);
    sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL);
    if (s != SK_OK) {
        sk_bundle_writer_abort(w);
        return s;
    }
    if (n > 0 && (s = sk_bundle_writer_finish(w, ob->ks->key, err)) != SK_OK)
        return s;
    *n_records = n;
    if (has_packs)
        *has_packs = ob->n_packs > 0;
    return SK_OK;
}

sk_status sk_kstore_outbox_delivered(sk_kstore_outbox *ob, const sk_receipt *r, bool packs_sent,
                                     int64_t now_ms, uint64_t *n_marked, sk_error *err)
{
    if (!ob || !r)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_outbox_delivered: NULL argument");
    if (memcmp(r->device_id, ob->ks->device_id, SK_DEVICE_ID_SIZE) != 0)
        return sk_error_set(err, SK_ERR_AUTH,
                            "the server's receipt is for another kiosk; nothing was marked "
                            "delivered");
    int rc = sqlite3_exec(ob->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return ob_error(ob, rc, "marking records delivered", err);
    sqlite3_stmt *mark = NULL, *pack = NULL, *state = NULL;
    sk_status s = prepare(ob,
                          "UPDATE records SET delivered_ms = ?1 WHERE record_id = ?2 AND "
                          "delivered_ms IS NULL",
                          &mark, err);
    if (s == SK_OK)
        s = prepare(ob, "UPDATE packs SET delivered_ms = ?1 WHERE digest = ?2 AND delivered_ms IS NULL",
                    &pack, err);
    if (s == SK_OK)
        s = prepare(ob,
                    "UPDATE delivery SET last_try_ms = ?1, last_ok_ms = ?1, failures = 0, "
                    "last_error = ''",
                    &state, err);
    uint64_t n = 0;
    for (size_t i = 0; s == SK_OK && i < r->n_ids; i++) {
        sqlite3_bind_int64(mark, 1, now_ms);
        sqlite3_bind_blob(mark, 2, r->ids[i], SK_RECORD_ID_SIZE, SQLITE_STATIC);
        rc = sqlite3_step(mark);
        sqlite3_reset(mark);
        if (rc != SQLITE_DONE)
            s = ob_error(ob, rc, "marking records delivered", err);
        else
            n += (uint64_t)sqlite3_changes(ob->db);
    }
    /* A receipt means the whole bundle merged in one transaction, its packs too. */
    for (size_t i = 0; s == SK_OK && packs_sent && i < ob->n_packs; i++) {
        sqlite3_bind_int64(pack, 1, now_ms);
        sqlite3_bind_blob(pack, 2, ob->pack_digests[i], 32, SQLITE_STATIC);
        rc = sqlite3_step(pack);
        sqlite3_reset(pack);
        if (rc != SQLITE_DONE)
            s = ob_error(ob, rc, "marking packs delivered", err);
    }
    if (s == SK_OK) {
        sqlite3_bind_int64(state, 1, now_ms);
        rc = sqlite3_step(state);
        if (rc != SQLITE_DONE)
            s = ob_error(ob, rc, "noting the delivery", err);
    }
    sqlite3_finalize(mark);
    sqlite3_finalize(pack);
    sqlite3_finalize(state);
    if (s == SK_OK && (rc = sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        s = ob_error(ob, rc, "marking records delivered", err);
    if (s != SK_OK) {
        sqlite3_exec(ob->db, "ROLLBACK", NULL, NULL, NULL);
        return s;
    }
    if (n_marked)
        *n_marked = n;
    return SK_OK;
}

sk_status sk_kstore_outbox_failed(sk_kstore_outbox *ob, int64_t now_ms, const char *why,
                                  sk_error *err)
{
    if (!ob)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_outbox_failed: NULL argument");
    sqlite3_stmt *st;
    sk_status s = prepare(ob,
                          "UPDATE delivery SET last_try_ms = ?1, failures = failures + 1, "
                          "last_error = ?2",
                          &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_text(st, 2, why ? why : "", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SK_OK : ob_error(ob, rc, "noting a failed delivery", err);
}

static sk_status read_state(sqlite3 *db, sk_delivery_state *out, int *rc_out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db,
        "SELECT (SELECT COUNT(*) FROM records WHERE delivered_ms IS NULL),"
        " (SELECT COUNT(*) FROM records WHERE delivered_ms IS NOT NULL),"
        " (SELECT MAX(created_ms) FROM records WHERE delivered_ms IS NOT NULL),"
        " last_try_ms, last_ok_ms, failures, last_error FROM delivery",
        -1, &st, NULL);
    sk_delivery_state d = {0};
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        d.waiting = (uint64_t)sqlite3_column_int64(st, 0);
        d.delivered = (uint64_t)sqlite3_column_int64(st, 1);
        d.delivered_up_to_ms = d.waiting ? 0 : sqlite3_column_int64(st, 2);
        d.last_try_ms = sqlite3_column_int64(st, 3);
        d.last_ok_ms = sqlite3_column_int64(st, 4);
        d.failures = (uint32_t)sqlite3_column_int64(st, 5);
        const unsigned char *e = sqlite3_column_text(st, 6);
        snprintf(d.last_error, sizeof d.last_error, "%s", e ? (const char *)e : "");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_CORRUPT; /* the one row is missing */
    }
    sqlite3_finalize(st);
    *rc_out = rc;
    if (rc != SQLITE_OK)
        return SK_ERR_DB;
    *out = d;
    return SK_OK;
}

sk_status sk_kstore_outbox_state(sk_kstore_outbox *ob, sk_delivery_state *out, sk_error *err)
{
    if (!ob || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_outbox_state: NULL argument");
    int rc;
    return read_state(ob->db, out, &rc) == SK_OK ? SK_OK
                                                 : ob_error(ob, rc, "reading the delivery state", err);
}

sk_status sk_kstore_delivery_state(sk_kstore *ks, sk_delivery_state *out, sk_error *err)
{
    if (!ks || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_delivery_state: NULL argument");
    int rc;
    return read_state(ks->db, out, &rc) == SK_OK
               ? SK_OK
               : ks_db_error(ks, rc, "reading the delivery state", err);
}
