/* csv_instance.h - a CSV file attached to a form, read as a secondary
 * instance for pulldata() and instance('name') (internal to lib/runtime).
 * The first row names the columns; each further row is an item. */
#ifndef SK_RUNTIME_CSV_INSTANCE_H
#define SK_RUNTIME_CSV_INSTANCE_H

#include <stddef.h>

#include "sk/error.h"

typedef struct csv_table csv_table;

/* Parse RFC 4180 CSV (quoted fields with "" for a quote, CRLF or LF, a
 * UTF-8 byte order mark ignored).  file names the file in messages.
 * SK_ERR_FORMAT for an unclosed quote, an empty or repeated column name, or
 * a row with more fields than the header; *out is set only on success. */
sk_status csv_table_parse(const char *file, const void *bytes, size_t len, csv_table **out,
                          sk_error *err);
size_t csv_table_rows(const csv_table *t);
/* Column col of item row; NULL when there is no such column. */
const char *csv_table_value(const csv_table *t, size_t row, const char *col);
/* NULL is a no-op. */
void csv_table_free(csv_table *t);

#endif
