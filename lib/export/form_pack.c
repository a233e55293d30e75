/* form_pack.c - the forms of a store and the questionnaire inside a pack,
 * and the report language. */
#include <string.h>

#include "export_internal.h"
#include "sk/cstore.h"
#include "sk/pack.h"

sk_status export_forms(sk_cstore *cs, const sk_study_key *key, sk_cstore_form **forms,
                       size_t *n_forms, sk_error *err)
{
    sk_status st = sk_cstore_forms(cs, &key->pub, forms, n_forms, err);
    if (st != SK_OK || *n_forms)
        return st;
    /* No forms of this key's study: say so when the store is another
     * study's, rather than "no forms yet". */
    sk_study_pub pinned;
    bool is_pinned = false;
    st = sk_cstore_study(cs, &pinned, &is_pinned, err);
    if (st != SK_OK) {
        sk_cstore_forms_free(*forms, *n_forms);
        *forms = NULL;
        return st;
    }
    if (is_pinned && memcmp(&pinned, &key->pub, sizeof pinned) != 0) {
        char want[SK_FINGERPRINT_SIZE], have[SK_FINGERPRINT_SIZE];
        sk_study_fingerprint(&pinned, want);
        sk_study_fingerprint(&key->pub, have);
        sk_cstore_forms_free(*forms, *n_forms);
        *forms = NULL;
        return sk_error_set(err, SK_ERR_MISMATCH,
                            "the store belongs to study %s but the study key is %s; check that "
                            "study.key belongs to this study; nothing was read", want, have);
    }
    return SK_OK;
}

sk_status export_lang(const sk_form *form, const char *code, int index, int *out, sk_error *err)
{
    if (code && *code) {
        int lang = sk_form_lang(form, code);
        if (lang < 0) {
            char known[256] = "";
            for (size_t i = 0; i < form->n_langs; i++) {
                size_t used = strlen(known);
                snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                         form->lang_codes[i]);
            }
            return sk_error_set(err, SK_ERR_NOTFOUND,
                                "form %s version %s has no language '%s'; it has: %s", form->id,
                                form->version, code, known);
        }
        *out = lang;
        return SK_OK;
    }
    *out = index >= 0 && (size_t)index < form->n_langs ? index : form->default_lang;
    return SK_OK;
}

sk_status export_load_form(const sk_pack *pack, sk_form **out, sk_error *err)
{
    sk_diags diags;
    sk_diags_init(&diags);
    sk_status st = sk_form_load_mem(pack->form_bytes, pack->form_len, pack->file_name, out, &diags,
                                    err);
    if (st == SK_ERR_INVALID && diags.n) {
        char where[700];
        sk_error_format(&diags.items[0], where, sizeof where);
        sk_error_set(err, st,
                     "the questionnaire in the pack of form %s version %s does not load (%s); "
                     "this build may be older than the one that packed it",
                     pack->form_id, pack->form_version, where);
    }
    sk_diags_free(&diags);
    return st;
}
