/* kstore_pack.c - installing survey packs: verified before anything is kept,
 * one study per kiosk, the last installed is the one the kiosk shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kstore_internal.h"

sk_status ks_load_study(sk_kstore *ks, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "SELECT bytes FROM packs ORDER BY install_order LIMIT 1", &st, err);
    if (s != SK_OK)
        return s;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sk_pack *p = NULL;
        s = sk_pack_parse(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &p,
                          err);
        if (s == SK_OK) {
            ks->study = p->study;
            ks->has_study = true;
            sk_pack_free(p);
        }
    } else if (rc != SQLITE_DONE) {
        s = ks_db_error(ks, rc, "reading the installed packs", err);
    }
    sqlite3_finalize(st);
    return s;
}

sk_status sk_kstore_install_pack(sk_kstore *ks, const char *path, sk_pack **installed,
                                 sk_error *err)
{
    if (!ks || !path)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_install_pack: NULL argument");
    uint8_t *bytes = NULL;
    size_t len = 0;
    sk_status s = sk_read_file(path, SK_PACK_FILE_MAX, &bytes, &len, err);
    if (s != SK_OK)
        return s;
    s = sk_kstore_install_pack_mem(ks, bytes, len, path, installed, err);
    free(bytes);
    return s;
}

sk_status sk_kstore_install_pack_mem(sk_kstore *ks, const uint8_t *bytes, size_t len,
                                     const char *name, sk_pack **installed, sk_error *err)
{
    if (!ks || (!bytes && len))
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_install_pack_mem: NULL argument");
    sk_status locked = ks_need_lock(ks, "install a survey pack", err);
    if (locked != SK_OK)
        return locked;
    const char *path = name ? name : "the survey pack";
    sk_pack *p = NULL;
    sk_status s = sk_pack_parse(bytes, len, &p, err);
    if (s == SK_ERR_AUTH || s == SK_ERR_FORMAT) {
        sk_error_set_at(err, s, path, NULL, 0, NULL,
                        "this survey pack is damaged or was not signed by a study key; make "
                        "the pack again with survey-sync pack and copy it again");
    } else if (s != SK_OK) {
        sk_error_set_file(err, path);
    }
    if (s == SK_OK && ks->has_study && memcmp(&ks->study, &p->study, sizeof ks->study) != 0) {
        char have[SK_FINGERPRINT_SIZE], got[SK_FINGERPRINT_SIZE];
        sk_study_fingerprint(&ks->study, have);
        sk_study_fingerprint(&p->study, got);
        s = sk_error_set_at(err, SK_ERR_MISMATCH, path, NULL, 0, NULL,
                            "this pack belongs to another study (key %s); this kiosk serves "
                            "study %s; use a pack made with that study's key",
                            got, have);
    }
    if (s != SK_OK) {
        sk_pack_free(p);
        return s;
    }
    sqlite3_stmt *st = NULL;
    s = ks_prepare(ks,
                   "INSERT INTO packs(digest, form_id, form_version, title, bytes, installed_ms, "
                   "install_order) VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT COALESCE(MAX("
                   "install_order), 0) + 1 FROM packs)) ON CONFLICT(digest) DO UPDATE SET "
                   "installed_ms = ?6, install_order = (SELECT MAX(install_order) + 1 FROM packs)",
                   &st, err);
    if (s == SK_OK) {
        sqlite3_bind_blob(st, 1, p->digest, 32, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->form_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, p->form_version, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, p->form_title, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, bytes, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, sk_now_ms());
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
            s = ks_db_error(ks, rc, "installing the pack", err);
        sqlite3_finalize(st);
    }
    if (s != SK_OK) {
        sk_pack_free(p);
        return s;
    }
    ks->study = p->study;
    ks->has_study = true;
    if (installed)
        *installed = p;
    else
        sk_pack_free(p);
    return SK_OK;
}

sk_status sk_kstore_current_pack(sk_kstore *ks, sk_pack **out, sk_error *err)
{
    if (!ks || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_current_pack: NULL argument");
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "SELECT bytes FROM packs ORDER BY install_order DESC LIMIT 1",
                             &st, err);
    if (s != SK_OK)
        return s;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        s = sk_pack_parse(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), out,
                          err);
    else if (rc == SQLITE_DONE)
        s = sk_error_set(err, SK_ERR_STATE,
                         "no survey is installed; install a pack with survey-kiosk --install "
                         "F.pack or from the admin menu");
    else
        s = ks_db_error(ks, rc, "reading the current pack", err);
    sqlite3_finalize(st);
    return s;
}
