/* media.h - finding removable media: USB sticks mounted by the desktop
 * (/media/USER/LABEL, /run/media/USER/LABEL), by usbmount (/media/usb0) or by
 * hand (/mnt/NAME).  root is prepended to every place ("" on a real kiosk; a
 * scratch folder in tests, or SURVEY_KIOSK_MEDIA_ROOT in a test build).
 * Symbolic links are never followed and only regular files are offered.
 * On Windows, with root "", the media are the removable drives ("E:\\"). */
#ifndef KIOSK_MEDIA_H
#define KIOSK_MEDIA_H

#include <stdbool.h>
#include <stddef.h>

/* Mounted media folders, sorted; a folder that only holds other candidates
 * (/media/USER) is left out, and so is a symbolic link.  Returns the count;
 * *out malloc'd (media_free). */
size_t media_mounts(const char *root, char ***out);
/* The *.pack regular files (not links, FIFOs, devices) directly inside each
 * mounted medium, sorted. */
size_t media_packs(const char *root, char ***out);
/* The *.pack regular files directly inside dir, sorted. */
size_t media_packs_in(const char *dir, char ***out);
void media_free(char **list, size_t n);

/* May a bundle be exported into dir: a real folder, or nothing yet (the
 * export makes it); false for a symbolic link or a file. */
bool media_export_target_ok(const char *dir);
/* Read a whole regular file of at most max bytes without following a link or
 * blocking on a FIFO (O_NOFOLLOW | O_NONBLOCK, then fstat: S_ISREG).  On true,
 * *data (malloc'd, the caller frees) and *len are set; on false err gets a
 * sentence naming path. */
bool media_read_file(const char *path, size_t max, unsigned char **data, size_t *len,
                     char *err, size_t err_size);

#endif
