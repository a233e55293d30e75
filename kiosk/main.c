/* main.c - survey-kiosk's command line.
 *
 *   survey-kiosk [--data DIR] [--window WxH] [--fullscreen]
 *   survey-kiosk [--data DIR] --install F.pack
 *   survey-kiosk [--data DIR] --export DIR [--all]
 *   survey-kiosk [--data DIR] --set-pin
 *   survey-kiosk [--data DIR] --deliver
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/base/platform.h"
#include "app.h"
#include "headless.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: survey-kiosk [--data DIR] [--window WxH] [--fullscreen]\n"
            "       survey-kiosk [--data DIR] --install FILE.pack\n"
            "       survey-kiosk [--data DIR] --export OUTDIR [--all]\n"
            "       survey-kiosk [--data DIR] --set-pin\n"
            "       survey-kiosk [--data DIR] --deliver\n"
            "\n"
#ifdef _WIN32
            "  --data DIR      where the kiosk keeps its sealed store (default\n"
            "                  %%LOCALAPPDATA%%\\survey-kiosk; the \"data\" folder beside\n"
            "                  survey-kiosk.exe when portable.txt is there too, or when\n"
            "                  it runs from a USB stick)\n"
#else
            "  --data DIR      where the kiosk keeps its sealed store (default\n"
            "                  ~/.local/share/survey-kiosk)\n"
#endif
            "  --window WxH    window size in pixels (default 800x480, the Raspberry Pi\n"
            "                  touchscreen)\n"
            "  --fullscreen    kiosk mode: borderless fullscreen; only the admin menu\n"
            "                  (hold the top-left corner 3 s, or Ctrl+Alt+A, then the PIN)\n"
            "                  leaves it.  Needs the admin PIN set first (--set-pin)\n"
            "  --install F     verify and install a survey pack, without a window\n"
            "  --export DIR    write a bundle of the records not yet exported to DIR\n"
            "                  (with --all: every record), without a window\n"
            "  --deliver       send the records not delivered yet to the server the\n"
            "                  survey pack names, now, without a window (the kiosk\n"
            "                  also does this by itself)\n"
            "  --set-pin       set or replace the admin PIN (6 to 12 digits): typed twice\n"
            "                  without echo, or one line on standard input from a script\n"
            "\n"
            "One survey-kiosk at a time uses a data folder (DIR/kiosk.lock): a second\n"
            "kiosk, --install or --export waits up to 5 s for it, then exits 1 naming the\n"
            "process that has it.  --set-pin works beside a running kiosk.\n"
            "\n"
            "Environment: SURVEY_KIOSK_FONT_DIR (bundled fonts).\n");
#ifdef SK_TEST_HOOKS
    fputs("Test build (SK_TEST_HOOKS, never for a kiosk in the field): SURVEY_KIOSK_UIMAP,\n"
          "SURVEY_KIOSK_INPUT, SURVEY_KIOSK_PIN_INIT, SURVEY_KIOSK_MEDIA_ROOT and\n"
          "SK_PWHASH_FAST (see docs/KIOSK.md).\n",
          f);
#endif
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "survey-kiosk: error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see survey-kiosk --help)\n");
    va_end(ap);
    return 2;
}

int main(int argc, char **argv)
{
    if (sk_plat_utf8_main(&argc, &argv) != 0) /* Windows: UTF-8 arguments */
        return usage_error("cannot read the command line");
#ifdef _WIN32
    /* A windowed program: its messages reach the command prompt that started
     * it, if any (none when double-clicked or run as a kiosk shell). */
    sk_plat_attach_console();
#endif
    const char *data = NULL, *install = NULL, *export_dir = NULL;
    bool all = false, fullscreen = false, set_pin = false, window = false, deliver = false;
    int width = 800, height = 480;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--data") == 0 && has_value) {
            data = argv[++i];
        } else if (strcmp(a, "--install") == 0 && has_value) {
            install = argv[++i];
        } else if (strcmp(a, "--export") == 0 && has_value) {
            export_dir = argv[++i];
        } else if (strcmp(a, "--all") == 0) {
            all = true;
        } else if (strcmp(a, "--fullscreen") == 0) {
            fullscreen = true;
        } else if (strcmp(a, "--set-pin") == 0) {
            set_pin = true;
        } else if (strcmp(a, "--deliver") == 0) {
            deliver = true;
        } else if (strcmp(a, "--window") == 0 && has_value) {
            const char *v = argv[++i];
            window = true;
            if (sscanf(v, "%dx%d", &width, &height) != 2 || width < 320 || height < 240 ||
                width > 16384 || height > 16384)
                return usage_error("--window wants WIDTHxHEIGHT, at least 320x240, not '%s'", v);
        } else if (strncmp(a, "--", 2) == 0 &&
                   (strcmp(a, "--data") == 0 || strcmp(a, "--install") == 0 ||
                    strcmp(a, "--export") == 0 || strcmp(a, "--window") == 0)) {
            return usage_error("%s needs a value", a);
        } else {
            return usage_error("unknown argument '%s'", a);
        }
    }
    if ((install != NULL) + (export_dir != NULL) + set_pin + deliver > 1)
        return usage_error("choose one of --install, --export, --set-pin and --deliver");
    if ((install || export_dir || set_pin || deliver) && (fullscreen || window))
        return usage_error("--fullscreen and --window open the kiosk's window; --install, "
                           "--export and --set-pin work without one");
    if (all && !export_dir)
        return usage_error("--all only goes with --export");
    char default_dir[4096];
    if (!data) {
        bool portable = false;
        if (sk_plat_default_data_dir(default_dir, sizeof default_dir, &portable) != 0)
#ifdef _WIN32
            return usage_error("LOCALAPPDATA is not set: give --data DIR");
#else
            return usage_error("HOME is not set: give --data DIR");
#endif
        data = default_dir;
    }
    if (install)
        return kiosk_install(data, install);
    if (export_dir)
        return kiosk_export(data, export_dir, all);
    if (set_pin)
        return kiosk_set_pin(data);
    if (deliver) /* survey-kiosk-deliver does it: the kiosk never loads libcurl */
        return kiosk_deliver(data);
    const char *fonts = getenv("SURVEY_KIOSK_FONT_DIR");
    const char *font_dir = fonts && *fonts ? fonts : SK_FONT_DIR;
#ifdef _WIN32
    /* The portable zip carries its fonts beside the .exe (a build tree has
     * none there: SK_FONT_DIR, the source's fonts/, then). */
    char exe_fonts[4096];
    struct stat st;
    if (!(fonts && *fonts) && sk_plat_exe_dir(exe_fonts, sizeof exe_fonts - 8) == 0) {
        strcat(exe_fonts, "\\fonts");
        if (stat(exe_fonts, &st) == 0 && S_ISDIR(st.st_mode))
            font_dir = exe_fonts;
    }
#endif
    app_options opt = {
        .data_dir = data,
        .font_dir = font_dir,
        .width = width,
        .height = height,
        .fullscreen = fullscreen,
    };
    return app_run(&opt);
}
