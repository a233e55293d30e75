/* headless.h - survey-kiosk's commands that need no window:
 *   survey-kiosk --data DIR --install F.pack
 *   survey-kiosk --data DIR --export OUTDIR [--all]
 *   survey-kiosk --data DIR --set-pin
 * Each prints what it did to stdout, errors as "survey-kiosk: error: ..." to
 * stderr, and returns the process exit status (0 ok, 1 failure). */
#ifndef KIOSK_HEADLESS_H
#define KIOSK_HEADLESS_H

#include <stdbool.h>

int kiosk_install(const char *data_dir, const char *pack_path);
int kiosk_export(const char *data_dir, const char *out_dir, bool all);
/* Set or replace the admin PIN: typed twice without echo on a terminal, or
 * the first line of stdin when stdin is not a terminal.  6 to 12 digits. */
int kiosk_set_pin(const char *data_dir);
/* Deliver what waits to the pack's server now (batches until nothing waits
 * or a try fails).  0 when nothing is left waiting. */
int kiosk_deliver(const char *data_dir);

#endif
