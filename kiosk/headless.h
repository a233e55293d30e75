/* headless.h - survey-kiosk's commands that need no window:
 *   survey-kiosk --data DIR --install F.pack
 *   survey-kiosk --data DIR --export OUTDIR [--all]
 * Each prints what it did to stdout, errors as "survey-kiosk: error: ..." to
 * stderr, and returns the process exit status (0 ok, 1 failure). */
#ifndef KIOSK_HEADLESS_H
#define KIOSK_HEADLESS_H

#include <stdbool.h>

int kiosk_install(const char *data_dir, const char *pack_path);
int kiosk_export(const char *data_dir, const char *out_dir, bool all);

#endif
