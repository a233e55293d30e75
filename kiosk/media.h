/* media.h - finding removable media: USB sticks mounted by the desktop
 * (/media/USER/LABEL, /run/media/USER/LABEL), by usbmount (/media/usb0) or by
 * hand (/mnt/NAME).  root is prepended to every pattern ("" on a real kiosk;
 * a scratch folder in tests, or SURVEY_KIOSK_MEDIA_ROOT). */
#ifndef KIOSK_MEDIA_H
#define KIOSK_MEDIA_H

#include <stddef.h>

/* Mounted media folders, sorted; a folder that only holds other candidates
 * (/media/USER) is left out.  Returns the count; *out malloc'd (media_free). */
size_t media_mounts(const char *root, char ***out);
/* The *.pack files directly inside each mounted medium, sorted. */
size_t media_packs(const char *root, char ***out);
/* The *.pack files directly inside dir, sorted. */
size_t media_packs_in(const char *dir, char ***out);
void media_free(char **list, size_t n);

#endif
