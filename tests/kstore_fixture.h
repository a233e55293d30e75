/* kstore_fixture.h - a real study key and signed pack for the kiosk store tests. */
#ifndef TESTS_KSTORE_FIXTURE_H
#define TESTS_KSTORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sk/keys.h"
#include "sk/pack.h"

/* A fresh folder under SK_TEST_TMP. */
static inline void fx_dir(char *out, size_t size, const char *name)
{
    const char *tmp = getenv("SK_TEST_TMP");
    /* mkdtemp, not rm -rf through system(): no shell on Windows (Wine). */
    snprintf(out, size, "%s/%s-XXXXXX", tmp ? tmp : "/tmp", name);
    if (!mkdtemp(out))
        abort();
}

/* Make study DIR/study.key with passphrase "pw" and sign a pack of FORM into PACK. */
static inline sk_study_key *fx_study_and_pack(const char *dir, const char *form, const char *form_id,
                                              const char *version, const char *pack)
{
    setenv("SK_PWHASH_FAST", "1", 1);
    sk_error err;
    if (sk_study_keygen(dir, "pw", 2, NULL, &err) != SK_OK && err.status != SK_ERR_EXISTS) {
        fprintf(stderr, "keygen: %s\n", err.message);
        return NULL;
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/study.key", dir);
    sk_study_key *key = NULL;
    if (sk_study_key_load(path, "pw", 2, &key, &err) != SK_OK) {
        fprintf(stderr, "load: %s\n", err.message);
        return NULL;
    }
    uint8_t *bytes;
    size_t len;
    if (sk_read_file(form, 1 << 24, &bytes, &len, &err) != SK_OK ||
        sk_pack_write(pack, key, form_id, version, "Test survey", "form.md", bytes, len, &err) !=
            SK_OK) {
        fprintf(stderr, "pack: %s\n", err.message);
        return NULL;
    }
    free(bytes);
    return key;
}

#endif
