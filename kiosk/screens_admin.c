/* screens_admin.c - the organisers' side: PIN entry (with the store's delay
 * after wrong PINs; a first PIN is chosen here only outside kiosk mode), the
 * admin menu, installing a pack and exporting a bundle to removable media. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_keycode.h>

#include "deliver.h"
#include "media.h"
#include "question.h"

#define PIN_MIN SK_PIN_MIN
#define PIN_MAX SK_PIN_MAX
#define PACK_MAX SK_PACK_FILE_MAX /* as sk_kstore_install_pack */

static void set_msg(app *a, bool error, const char *text)
{
    size_t n = strlen(text) < sizeof a->admin_msg - 1 ? strlen(text) : sizeof a->admin_msg - 1;
    memcpy(a->admin_msg, text, n);
    a->admin_msg[n] = '\0';
    a->admin_msg_error = error;
}

static void set_msg_err(app *a, const char *what, const sk_error *err)
{
    char msg[600];
    sk_error_format(err, msg, sizeof msg);
    snprintf(a->admin_msg, sizeof a->admin_msg, "%s: %s", what, msg);
    a->admin_msg_error = true;
}

static void enter_admin(app *a)
{
    /* Staff stepping in ends a participant's sitting (recorded as incomplete). */
    if (a->sitting) {
        app_abandon(a);
        if (a->sitting)
            return;
    }
    rn_forget_text(a->r);
    snprintf(a->label_edit, sizeof a->label_edit, "%s", sk_kstore_device_label(a->ks));
    app_go(a, SCR_ADMIN);
}

/* "Wait 1 min 30 s" for the keypad screen. */
static void wait_text(int64_t ms, char *out, size_t size)
{
    long s = (long)((ms + 999) / 1000);
    if (s >= 60)
        snprintf(out, size, "%ld min %ld s", s / 60, s % 60);
    else
        snprintf(out, size, "%ld s", s);
}

static void show_wait(app *a, int64_t now)
{
    char w[32];
    wait_text(a->pin_locked_until - now, w, sizeof w);
    snprintf(a->admin_msg, sizeof a->admin_msg,
             "Too many wrong PINs. Wait %s: until then no PIN is checked.", w);
    a->admin_msg_error = true;
}

static void pin_attempt(app *a)
{
    sk_error err;
    sk_pin_result r;
    int64_t now = sk_now_ms();
    if (sk_kstore_pin_attempt(a->ks, a->pin, now, &r, &err) != SK_OK) {
        set_msg_err(a, "The PIN could not be checked", &err);
        return;
    }
    a->pin_locked_until = r.wait_ms > 0 ? now + r.wait_ms : 0;
    if (r.accepted) {
        a->admin_msg[0] = '\0';
        enter_admin(a);
    } else if (r.wait_ms > 0) {
        show_wait(a, now);
    } else {
        set_msg(a, true, "Wrong PIN. Try again.");
    }
}

static void pin_ok(app *a)
{
    sk_error err;
    size_t len = strlen(a->pin);
    if (a->pin_stage == 0) {
        pin_attempt(a);
    } else if (len < PIN_MIN) {
        set_msg(a, true, "A PIN has 6 to 12 digits.");
    } else if (!a->pin_change && a->kiosk_mode) {
        /* Never reached through the screens (app_open_admin shows set-up
         * instead); kept so that no path lets a kiosk's first PIN be chosen here. */
        set_msg(a, true, "Set the PIN at a terminal: survey-kiosk --data DIR --set-pin");
    } else if (a->pin_stage == 1) {
        memcpy(a->pin_first, a->pin, sizeof a->pin);
        a->pin_stage = 2;
        a->admin_msg[0] = '\0';
    } else if (strcmp(a->pin, a->pin_first) != 0) {
        set_msg(a, true, "The two PINs differ. Choose a PIN again.");
        a->pin_stage = 1;
    } else if (sk_kstore_set_pin(a->ks, a->pin, &err) != SK_OK) {
        set_msg_err(a, "The PIN could not be saved", &err);
        a->pin_stage = 1;
    } else {
        set_msg(a, false, a->pin_change ? "The PIN has been changed." : "The PIN is set.");
        enter_admin(a);
    }
    sodium_memzero(a->pin, sizeof a->pin);
    if (a->pin_stage != 2)
        sodium_memzero(a->pin_first, sizeof a->pin_first);
}

static void pin_type(app *a, const char *digit)
{
    size_t len = strlen(a->pin);
    if (len < PIN_MAX && digit[0] >= '0' && digit[0] <= '9' && !digit[1]) {
        a->pin[len] = digit[0];
        a->pin[len + 1] = '\0';
    }
}

void scr_admin_pin(app *a)
{
    ui *u = &a->ui;
    const ktheme *t = u->th;
    app_header(a, "Admin", false);
    const char *prompt = a->pin_stage == 0   ? "Enter the admin PIN"
                         : a->pin_stage == 1 ? "Choose an admin PIN (6 to 12 digits)"
                                             : "Enter the new PIN again";
    if (a->pin_stage == 0 && a->pin_locked_until) {
        /* The wait counts down on screen (app.c redraws once a second). */
        int64_t now = sk_now_ms();
        if (a->pin_locked_until > now) {
            show_wait(a, now);
        } else {
            a->pin_locked_until = 0;
            set_msg(a, false, "You can enter the PIN again.");
        }
    }
    int top = u->target + u->pad;
    int lh = rn_line_height(a->r, RN_BOLD, u->px_body);
    krect pr = {u->pad, top, u->w - 2 * u->pad, lh};
    if (u->drawing) {
        ui_label(u, prompt, pr, RN_BOLD, u->px_body, t->text, true);
        ui_add(u, "title", "text", prompt, pr, true, -1, NULL, false);
    }
    char dots[4 * PIN_MAX + 8] = "";
    for (size_t i = 0; a->pin[i] && i < PIN_MAX; i++)
        strcat(dots, "\xE2\x97\x8F "); /* one dot per digit, never the digits */
    krect dr = {u->pad, top + lh, u->w - 2 * u->pad, lh + u->pad};
    if (u->drawing) {
        ui_label(u, dots, dr, RN_BOLD, u->px_title, t->text, true);
        char n[24];
        snprintf(n, sizeof n, "%zu", strlen(a->pin));
        ui_add(u, "pin", "textbox", prompt, dr, true, -1, n, false);
    }
    int y = dr.y + dr.h;
    if (a->admin_msg[0] && u->drawing) {
        krect mr = {u->pad, y, u->w - 2 * u->pad, lh};
        ui_label(u, a->admin_msg, mr, RN_BOLD, u->px_small,
                 a->admin_msg_error ? t->error : t->text, true);
        ui_add(u, "admin/message", "alert", a->admin_msg, mr, true, -1, NULL, false);
    }
    y += lh;
    /* The keypad: 3 x 4, sized to what is left. */
    int kh = (u->h - y - u->pad) / 4;
    if (kh > u->target * 3 / 2)
        kh = u->target * 3 / 2;
    if (kh < u->target)
        kh = u->target;
    int kw = kh * 2, x0 = (u->w - 3 * kw) / 2;
    static const char *const keys[12] = {"1", "2", "3", "4", "5", "6",
                                         "7", "8", "9", "backspace", "0", "ok"};
    for (int i = 0; i < 12; i++) {
        char id[32];
        snprintf(id, sizeof id, "pin/%s", keys[i]);
        const char *label = strcmp(keys[i], "backspace") == 0 ? "\xE2\x8C\xAB"
                            : strcmp(keys[i], "ok") == 0      ? "OK"
                                                              : keys[i];
        krect b = {x0 + (i % 3) * kw + 2, y + (i / 3) * kh + 2, kw - 4, kh - 4};
        if (!ui_button(u, id, label, b, strcmp(keys[i], "ok") == 0 ? UI_PRIMARY : 0))
            continue;
        if (strcmp(keys[i], "ok") == 0)
            pin_ok(a);
        else if (strcmp(keys[i], "backspace") == 0)
            ui_utf8_pop(a->pin);
        else
            pin_type(a, keys[i]);
        return;
    }
    krect cancel = {u->w - u->pad - u->target * 3, (u->target + u->pad / 2 - u->target) / 2,
                    u->target * 3, u->target};
    if (ui_button(u, "pin/cancel", "Cancel", cancel, UI_QUIET)) {
        sodium_memzero(a->pin, sizeof a->pin);
        sodium_memzero(a->pin_first, sizeof a->pin_first);
        a->admin_msg[0] = '\0';
        app_go(a, a->pin_change ? SCR_ADMIN : (a->back_to == SCR_ADMIN_PIN ? SCR_WELCOME
                                                                           : a->back_to));
        return;
    }
    /* A physical keyboard types digits too. */
    if (!u->drawing && u->ev.kind == UI_EV_TEXT)
        for (const char *c = u->ev.text; *c; c++) {
            char d[2] = {*c, 0};
            pin_type(a, d);
        }
    if (!u->drawing && u->ev.kind == UI_EV_KEY) {
        if (u->ev.key == SDLK_BACKSPACE)
            ui_utf8_pop(a->pin);
        else if ((u->ev.key == SDLK_RETURN || u->ev.key == SDLK_KP_ENTER) && !u->focus[0])
            pin_ok(a);
    }
}

static void rescan(app *a, bool packs);

/* ---- the menu ---- */

static int row(app *a, const char *id, const char *text, int x, int y, int w, bool alert)
{
    ui *u = &a->ui;
    int h = ui_text_height(u, text, w, RN_REGULAR, u->px_body);
    ui_text(u, id, alert ? "alert" : "text", text, (krect){x, ui_scroll_y(u, y), w, h},
            RN_REGULAR, u->px_body, alert ? u->th->error : u->th->text);
    return y + h + u->pad / 2;
}

static void close_admin(app *a)
{
    a->admin_msg[0] = '\0';
    media_free(a->media, a->n_media);
    a->media = NULL;
    a->n_media = 0;
    app_reset_participant(a);
}

void scr_admin(app *a)
{
    ui *u = &a->ui;
    krect c = app_header(a, "Admin", false);
    int osk = osk_height(a);
    krect view = {0, c.y, u->w, u->h - c.y - osk};
    ui_scroll_begin(u, view);
    int w = u->w - 4 * u->pad;
    if (w > u->px_body * 42)
        w = u->px_body * 42;
    int x = (u->w - w) / 2, y = u->pad;
    char text[1024];
    if (a->admin_msg[0])
        y = row(a, "admin/message", a->admin_msg, x, y, w, a->admin_msg_error);
    sk_kstore_counts k = {0};
    sk_error err;
    if (u->drawing && sk_kstore_counts_get(a->ks, &k, &err) == SK_OK) {
        /* Sittings (people) and records (what a bundle carries: a sitting
         * writes one for its consent and one for its answers) are different
         * counts: each is named. */
        snprintf(text, sizeof text,
                 "Sittings: %llu finished, %llu incomplete, %llu declined.    "
                 "Records not yet exported: %llu",
                 (unsigned long long)k.finished, (unsigned long long)k.incomplete,
                 (unsigned long long)k.declined, (unsigned long long)k.not_exported);
        y = row(a, "admin/counts", text, x, y, w, false);
    } else {
        y += rn_line_height(a->r, RN_REGULAR, u->px_body) + u->pad / 2;
    }
    snprintf(text, sizeof text, "Survey: %s (form %s, version %s)",
             a->form ? a->form->title : "none installed", a->form ? a->form->id : "-",
             a->form ? a->form->version : "-");
    y = row(a, "admin/survey", text, x, y, w, false);
    if (a->pack && a->pack->delivery.url) {
        /* "Delivery: delivered up to 12:03, 0 waiting" (kiosk/deliver.c). */
        sk_delivery_state ds;
        char line[400] = "state unknown";
        if (sk_kstore_delivery_state(a->ks, &ds, &err) == SK_OK)
            kdeliver_describe(&ds, line, sizeof line);
        snprintf(text, sizeof text, "Delivery to %s: %s", a->pack->delivery.url, line);
        y = row(a, "admin/delivery", text, x, y, w, false);
    }
    snprintf(text, sizeof text, "Device: %s", sk_kstore_device_id(a->ks));
    y = row(a, "admin/device", text, x, y, w, false);
    /* The researcher compares this with `survey-sync devices`: a bundle signed
     * by another key under this device's id is then seen for what it is. */
    char fp[SK_FINGERPRINT_SIZE];
    sk_kstore_device_fingerprint(a->ks, fp);
    snprintf(text, sizeof text, "Device fingerprint: %s", fp);
    y = row(a, "admin/fingerprint", text, x, y, w, false);
    if (rn_font_warning(a->r))
        y = row(a, "admin/font-warning", rn_font_warning(a->r), x, y, w, true);

    /* Device label: shown in bundles and in survey-sync status. */
    int bw = u->target * 3;
    char out[128];
    if (ui_textbox(u, "admin/label", "Device label", (krect){x, ui_scroll_y(u, y), w - bw - u->pad,
                                                             u->target},
                   a->label_edit, false, NULL, out, sizeof out))
        snprintf(a->label_edit, sizeof a->label_edit, "%s", out);
    note_field(a, "admin/label", FIELD_TEXT);
    if (ui_button(u, "admin/label-save", "Save label",
                  (krect){x + w - bw, ui_scroll_y(u, y), bw, u->target}, UI_QUIET)) {
        if (sk_kstore_set_label(a->ks, a->label_edit, &err) != SK_OK)
            set_msg_err(a, "The label could not be saved", &err);
        else
            set_msg(a, false, "The device label is saved.");
    }
    y += u->target + u->pad;

    int half = (w - u->pad) / 2;
    if (ui_button(u, "admin/install", "Install a survey pack",
                  (krect){x, ui_scroll_y(u, y), half, u->target}, 0)) {
        a->admin_msg[0] = '\0';
        rescan(a, true);
        app_go(a, SCR_ADMIN_INSTALL);
        return;
    }
    if (ui_button(u, "admin/export", "Export data",
                  (krect){x + half + u->pad, ui_scroll_y(u, y), half, u->target}, 0)) {
        a->admin_msg[0] = '\0';
        rescan(a, false);
        app_go(a, SCR_ADMIN_EXPORT);
        return;
    }
    y += u->target + u->pad;

    unsigned idle = a->idle_timeout_s ? a->idle_timeout_s : (a->form ? a->form->idle_timeout_s : 90);
    snprintf(text, sizeof text, "Idle timeout: %u s%s", idle,
             a->idle_timeout_s ? "" : " (from the survey)");
    int sw = u->target;
    if (ui_button(u, "admin/idle-", "\xE2\x88\x92", (krect){x, ui_scroll_y(u, y), sw, u->target},
                  UI_QUIET)) {
        a->idle_timeout_s = idle > 30 ? idle - 15 : 15;
        app_apply_settings(a);
    }
    if (u->drawing) {
        krect lr = {x + sw + u->pad, ui_scroll_y(u, y), w - 2 * sw - 2 * u->pad, u->target};
        ui_label(u, text, lr, RN_REGULAR, u->px_body, u->th->text, true);
        ui_add(u, "admin/idle", "text", text, lr, true, -1, NULL, false);
    }
    if (ui_button(u, "admin/idle+", "+", (krect){x + w - sw, ui_scroll_y(u, y), sw, u->target},
                  UI_QUIET)) {
        a->idle_timeout_s = idle + 15 < 3600 ? idle + 15 : 3600;
        app_apply_settings(a);
    }
    y += u->target + u->pad;
    if (ui_choice(u, "admin/larger-text", "Larger text",
                  (krect){x, ui_scroll_y(u, y), half, u->target}, a->text_scale > 1.0f, false, 0)) {
        a->text_scale = a->text_scale > 1.0f ? 1.0f : 1.3f;
        app_apply_settings(a);
    }
    if (ui_choice(u, "admin/high-contrast", "High contrast",
                  (krect){x + half + u->pad, ui_scroll_y(u, y), half, u->target}, a->high_contrast,
                  false, 0)) {
        a->high_contrast = !a->high_contrast;
        app_apply_settings(a);
    }
    y += u->target + u->pad;
    if (ui_button(u, "admin/pin", "Change PIN", (krect){x, ui_scroll_y(u, y), half, u->target},
                  0)) {
        a->pin_change = true;
        a->pin_stage = 1;
        sodium_memzero(a->pin, sizeof a->pin);
        a->admin_msg[0] = '\0';
        app_go(a, SCR_ADMIN_PIN);
        return;
    }
    if (a->kiosk_mode &&
        ui_button(u, "admin/leave-kiosk", "Leave kiosk mode",
                  (krect){x + half + u->pad, ui_scroll_y(u, y), half, u->target}, 0)) {
        a->kiosk_mode = false;
        rn_leave_fullscreen(a->r);
        set_msg(a, false, "Kiosk mode is off: the window can be closed as usual.");
    }
    y += u->target + u->pad;
    if (ui_button(u, "admin/quit", "Quit", (krect){x, ui_scroll_y(u, y), half, u->target},
                  UI_DANGER)) {
        a->quit = true;
        return;
    }
    if (ui_button(u, "admin/close", "Back to the survey",
                  (krect){x + half + u->pad, ui_scroll_y(u, y), half, u->target}, UI_PRIMARY)) {
        close_admin(a);
        return;
    }
    y += u->target + u->pad;
    ui_scroll_end(u, y);
}

/* ---- install and export ---- */

/* Where USB sticks are mounted: / on a kiosk.  Test builds may put a scratch
 * folder in its place (SURVEY_KIOSK_MEDIA_ROOT), which nothing else needs. */
static const char *media_root(void)
{
#ifdef SK_TEST_HOOKS
    const char *r = getenv("SURVEY_KIOSK_MEDIA_ROOT");
    return r ? r : "";
#else
    return "";
#endif
}

static void rescan(app *a, bool packs)
{
    media_free(a->media, a->n_media);
    a->media = NULL;
    a->n_media = packs ? media_packs(media_root(), &a->media) : media_mounts(media_root(), &a->media);
}

static void install(app *a, const char *path)
{
    sk_error err;
    sk_pack *p = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    char why[600];
    /* Read here, not by path in the store: a stick's file must not be a link
     * or a FIFO (media_read_file). */
    if (!media_read_file(path, PACK_MAX, &bytes, &len, why, sizeof why)) {
        snprintf(a->admin_msg, sizeof a->admin_msg, "Not installed: %s", why);
        a->admin_msg_error = true;
        return;
    }
    sk_status st = sk_kstore_install_pack_mem(a->ks, bytes, len, path, &p, &err);
    free(bytes);
    if (st != SK_OK) {
        set_msg_err(a, "Not installed", &err);
        return;
    }
    char text[700];
    snprintf(text, sizeof text, "Installed \"%s\" version %s from %s.", p->form_title,
             p->form_version, path);
    sk_pack_free(p);
    app_load_pack(a); /* goes to welcome: come back to the admin screen */
    app_go(a, SCR_ADMIN_INSTALL);
    if (a->load_error[0])
        set_msg(a, true, a->load_error);
    else
        set_msg(a, false, text);
}

static void do_export(app *a, const char *dir)
{
    sk_error err;
    char path[1024];
    uint64_t n = 0;
    if (!media_export_target_ok(dir)) {
        set_msg(a, true, "Not exported: that is not a folder (a symbolic link or a file).");
        return;
    }
    if (sk_kstore_export(a->ks, dir, a->export_all, path, sizeof path, &n, &err) != SK_OK) {
        set_msg_err(a, "Not exported", &err);
        return;
    }
    char text[1200];
    if (n == 0)
        snprintf(text, sizeof text, "Nothing new to export: every record is already in a bundle. "
                                    "Tick \"All records\" to write them all again.");
    else
        snprintf(text, sizeof text, "Exported %llu records to %s.", (unsigned long long)n, path);
    set_msg(a, false, text);
}

static void media_screen(app *a, bool packs)
{
    ui *u = &a->ui;
    krect c = app_header(a, packs ? "Install a survey pack" : "Export data", false);
    int osk = osk_height(a);
    krect view = {0, c.y, u->w, u->h - c.y - osk};
    ui_scroll_begin(u, view);
    int w = u->w - 4 * u->pad;
    if (w > u->px_body * 42)
        w = u->px_body * 42;
    int x = (u->w - w) / 2, y = u->pad;
    if (a->admin_msg[0])
        y = row(a, "admin/message", a->admin_msg, x, y, w, a->admin_msg_error);
    y = row(a, "admin/help", packs ? "Survey packs found on removable media:"
                                   : "Removable media found:",
            x, y, w, false);
    if (a->n_media == 0)
        y = row(a, "admin/none", packs ? "None. Plug in a USB stick with a .pack file, or type a folder below."
                                       : "None. Plug in a USB stick, or type a folder below.",
                x, y, w, false);
    for (size_t i = 0; i < a->n_media; i++) {
        char id[UI_ID_MAX];
        snprintf(id, sizeof id, "%s/%zu", packs ? "install" : "export", i);
        if (ui_button(u, id, a->media[i], (krect){x, ui_scroll_y(u, y), w, u->target}, 0)) {
            char *target = strdup(a->media[i]);
            if (target) {
                if (packs)
                    install(a, target);
                else
                    do_export(a, target);
                free(target);
            }
            return;
        }
        y += u->target + u->pad / 2;
    }
    if (!packs) {
        if (ui_choice(u, "admin/export-all", "All records (also those exported before)",
                      (krect){x, ui_scroll_y(u, y), w, u->target}, a->export_all, false, 0))
            a->export_all = !a->export_all;
        y += u->target + u->pad;
    }
    int bw = u->target * 3;
    char out[512];
    if (ui_textbox(u, "admin/folder", packs ? "A folder or a .pack file" : "A folder",
                   (krect){x, ui_scroll_y(u, y), w - bw - u->pad, u->target}, a->folder_edit,
                   false, NULL, out, sizeof out))
        snprintf(a->folder_edit, sizeof a->folder_edit, "%s", out);
    note_field(a, "admin/folder", FIELD_TEXT);
    if (ui_button(u, packs ? "admin/install-folder" : "admin/export-folder",
                  packs ? "Install" : "Export",
                  (krect){x + w - bw, ui_scroll_y(u, y), bw, u->target},
                  a->folder_edit[0] ? UI_PRIMARY : UI_DISABLED)) {
        size_t len = strlen(a->folder_edit);
        if (!packs) {
            do_export(a, a->folder_edit);
        } else if (len > 5 && strcmp(a->folder_edit + len - 5, ".pack") == 0) {
            install(a, a->folder_edit);
        } else {
            char **found = NULL;
            size_t n = media_packs_in(a->folder_edit, &found);
            media_free(a->media, a->n_media);
            a->media = found;
            a->n_media = n;
            if (n == 0)
                set_msg(a, true, "No .pack file in that folder.");
        }
        return;
    }
    y += u->target + u->pad;
    int half = (w - u->pad) / 2;
    if (ui_button(u, "admin/rescan", "Look again", (krect){x, ui_scroll_y(u, y), half, u->target},
                  0)) {
        a->admin_msg[0] = '\0';
        rescan(a, packs);
    }
    if (ui_button(u, "admin/back", "Back", (krect){x + half + u->pad, ui_scroll_y(u, y), half,
                                                   u->target},
                  UI_QUIET)) {
        media_free(a->media, a->n_media);
        a->media = NULL;
        a->n_media = 0;
        a->admin_msg[0] = '\0';
        app_go(a, SCR_ADMIN);
        return;
    }
    y += u->target + u->pad;
    ui_scroll_end(u, y);
}

void scr_admin_install(app *a)
{
    media_screen(a, true);
}

void scr_admin_export(app *a)
{
    media_screen(a, false);
}
