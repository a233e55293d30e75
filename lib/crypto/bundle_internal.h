/* bundle_internal.h - constants shared by the bundle writer and reader.
 * Layout: docs/FORMATS.md, "Bundles". */
#ifndef SK_BUNDLE_INTERNAL_H
#define SK_BUNDLE_INTERNAL_H

#define BUNDLE_MAGIC "SKBN"
#define BUNDLE_VERSION 2 /* 2: every record item is a signed v2 record */
/* One item (a pack or a record) is at most this many bytes: bounds the
 * reader's memory whatever the file says. */
#define BUNDLE_ITEM_MAX (64u << 20)
#define BUNDLE_END_MARK 0
/* end mark 1, record count 8, pack count 8 */
#define BUNDLE_TRAILER_COUNTS 17
#define BUNDLE_SIG 64
/* magic 4, version 1, reserved 3, device id 8, device pk 32, label length 1, created 8 */
#define BUNDLE_HEADER_MIN 57
#define BUNDLE_HASH 64  /* BLAKE2b-512 */

#endif
