/* cstore_read.c - what export and report read: the forms (with their packs),
 * the held records streamed in (device, seq) order, and the conflicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cstore_internal.h"

/* What sk_cstore_foreach_record maps of a SQLite store at most (256 MiB;
 * beyond it pages are read as before), so the pages mapped stay bounded. */
#define MAP_BYTES "268435456"

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

void sk_cstore_forms_free(sk_cstore_form *forms, size_t n)
{
    if (!forms)
        return;
    for (size_t i = 0; i < n; i++)
        sk_pack_free(forms[i].pack);
    free(forms);
}

/* One pack per (form id, version) of the study: the first one imported.
 * Packs are filtered by the study fingerprint column and then checked by
 * their parsed keys, so a pack of another study is never used. */
sk_status sk_cstore_forms(sk_cstore *cs, const sk_study_pub *study, sk_cstore_form **out,
                          size_t *n, sk_error *err)
{
    if (!cs || !out || !n)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_forms needs a store and out pointers");
    sk_study_pub want;
    bool pinned = false;
    sk_status st = SK_OK;
    if (study) {
        want = *study;
    } else {
        st = cstore_study_get(cs, &want, &pinned, err);
        if (st != SK_OK)
            return st;
        if (!pinned) { /* no study, no packs */
            *out = NULL;
            *n = 0;
            return SK_OK;
        }
    }
    char fp[SK_FINGERPRINT_SIZE];
    sk_study_fingerprint(&want, fp);
    cdb_stmt *s = NULL;
    st = cstore_prepare(cs->db,
                        "SELECT form_id, form_version, bytes FROM packs p"
                        " WHERE study_fp = ?1 AND rowid = (SELECT min(rowid) FROM packs q"
                        "   WHERE q.form_id = p.form_id AND q.form_version = p.form_version"
                        "   AND q.study_fp = ?1)"
                        " ORDER BY form_id, form_version",
                        &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_text(s, 1, fp);
    sk_cstore_form *forms = NULL;
    size_t count = 0, cap = 0;
    int rc = CDB_DONE;
    while (st == SK_OK && (rc = cdb_step(s)) == CDB_ROW) {
        if (count == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            sk_cstore_form *grown = realloc(forms, ncap * sizeof *grown);
            if (!grown) {
                st = sk_error_set(err, SK_ERR_NOMEM, "out of memory listing the forms");
                break;
            }
            forms = grown;
            cap = ncap;
        }
        sk_cstore_form *f = &forms[count];
        memset(f, 0, sizeof *f);
        copy_text(f->form_id, sizeof f->form_id, cdb_column_text(s, 0));
        copy_text(f->form_version, sizeof f->form_version, cdb_column_text(s, 1));
        st = sk_pack_parse(cdb_column_blob(s, 2), (size_t)cdb_column_bytes(s, 2), &f->pack,
                           err);
        if (st == SK_OK && memcmp(&f->pack->study, &want, sizeof want) != 0) {
            sk_pack_free(f->pack);
            continue; /* a fingerprint collision at most: never use it */
        }
        if (st == SK_OK)
            count++;
        else
            sk_error_set_file(err, cs->path);
    }
    if (st == SK_OK && rc != CDB_DONE)
        st = cdb_fail(cs->db, "listing the forms", err);
    cdb_finalize(s);
    if (st != SK_OK) {
        sk_cstore_forms_free(forms, count);
        return st;
    }
    *out = forms;
    *n = count;
    return SK_OK;
}

/* Why a map, and why a read error on a mapped page (SIGBUS, which ends
 * survey-sync, instead of SQLITE_IOERR and a sentence) is acceptable:
 * without it SQLite reads every 4 KiB page with its own pread() system call,
 * and export, report and status read every page of the records table;
 * measured in bench/README.md (bench_export, "the map, kept or not").
 * The map is a window on the page cache the reads went through anyway,
 * read-only (SQLite writes with write(), never through the map), and held
 * only while a pass reads: set before and dropped after it.  A read error
 * on a mapped page needs the disk to fail under the store or something
 * other than SQLite to truncate the file while a read transaction holds
 * its lock; either way no output is half-written (export writes beside its
 * files and renames them only when the pass has succeeded) and the store
 * itself is not touched, so the researcher loses a message, not data. */
bool cstore_map(sk_cstore *cs, bool on)
{
    if (cdb_backend(cs->db) != CDB_SQLITE)
        return false;
    if (!on) {
        cdb_exec(cs->db, "PRAGMA mmap_size=0", "unmapping the store", NULL);
        return false;
    }
    return cdb_exec(cs->db, "PRAGMA mmap_size=" MAP_BYTES, "mapping the store", NULL) == SK_OK;
}

sk_status sk_cstore_foreach_record(sk_cstore *cs, const char *form_id, const char *form_version,
                                   sk_record_fn fn, void *user, sk_error *err)
{
    if (!cs || !fn || (!form_id) != (!form_version))
        return sk_error_set(err, SK_ERR_ARG,
                            "sk_cstore_foreach_record needs a store, a callback, and both or "
                            "neither of form id and version");
    /* Accepted and retired devices only: a new device's records are held. */
    const char *sql = form_id ? "SELECT blob FROM records WHERE form_id = ?1 AND form_version = ?2"
                                " AND device IN (SELECT id FROM devices WHERE state IN (1, 3))"
                                " ORDER BY device, seq"
                              : "SELECT blob FROM records"
                                " WHERE device IN (SELECT id FROM devices WHERE state IN (1, 3))"
                                " ORDER BY device, seq";
    /* Streamed: on PostgreSQL a cursor read in batches, so memory stays flat;
     * fn may run other statements meanwhile (sk_cstore_note_unreadable).
     * On SQLite the pass reads the file through a memory map (cstore_map);
     * the map is dropped again when the pass ends. */
    bool mapped = cstore_map(cs, true);
    cdb_stmt *s = NULL;
    sk_status st = cdb_prepare(cs->db, sql, CDB_STREAM, &s, err);
    if (st != SK_OK) {
        if (mapped)
            cstore_map(cs, false);
        return st;
    }
    if (form_id) {
        cdb_bind_text(s, 1, form_id);
        cdb_bind_text(s, 2, form_version);
    }
    int rc = CDB_DONE;
    while (st == SK_OK && (rc = cdb_step(s)) == CDB_ROW) {
        const uint8_t *blob = cdb_column_blob(s, 0);
        size_t len = (size_t)cdb_column_bytes(s, 0);
        sk_record_header h;
        st = sk_record_header_parse(blob, len, &h, err);
        if (st != SK_OK) {
            sk_error_set_file(err, cs->path);
            break;
        }
        if (err)
            sk_error_clear(err);
        if (fn(user, &h, blob, len, err) != 0) {
            st = err && err->status != SK_OK
                     ? err->status
                     : sk_error_set(err, SK_ERR_STATE, "reading the records was stopped");
        }
    }
    if (st == SK_OK && rc != CDB_DONE)
        st = cdb_fail(cs->db, "reading the records", err);
    cdb_finalize(s);
    if (mapped)
        cstore_map(cs, false);
    return st;
}

sk_status sk_cstore_conflicts(sk_cstore *cs, sk_conflict **out, size_t *n, sk_error *err)
{
    if (!cs || !out || !n)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_conflicts needs a store and out pointers");
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db,
                                  "SELECT record_id, source, device FROM conflicts"
                                  " ORDER BY time_ms, id",
                                  &s, err);
    if (st != SK_OK)
        return st;
    sk_conflict *list = NULL;
    size_t count = 0, cap = 0;
    int rc = CDB_DONE;
    while ((rc = cdb_step(s)) == CDB_ROW) {
        if (count == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            sk_conflict *grown = realloc(list, ncap * sizeof *grown);
            if (!grown) {
                st = sk_error_set(err, SK_ERR_NOMEM, "out of memory listing the conflicts");
                break;
            }
            list = grown;
            cap = ncap;
        }
        sk_conflict *c = &list[count++];
        memset(c, 0, sizeof *c);
        if (cdb_column_bytes(s, 0) == SK_RECORD_ID_SIZE)
            sk_hex(cdb_column_blob(s, 0), SK_RECORD_ID_SIZE, c->record_id);
        copy_text(c->source, sizeof c->source, cdb_column_text(s, 1));
        copy_text(c->device_id, sizeof c->device_id, cdb_column_text(s, 2));
    }
    if (st == SK_OK && rc != CDB_DONE)
        st = cdb_fail(cs->db, "listing the conflicts", err);
    cdb_finalize(s);
    if (st != SK_OK) {
        free(list);
        return st;
    }
    *out = list;
    *n = count;
    return SK_OK;
}
