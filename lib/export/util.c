/* util.c - small helpers export and report share: times and which
 * questions carry answers. */
#include <string.h>
#include <time.h>

#include "export_internal.h"

void iso_time(char *out, size_t size, int64_t ms)
{
    if (ms <= 0) {
        snprintf(out, size, "%s", "");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool is_answer_question(const sk_question *q)
{
    return q->type != SK_Q_NOTE && q->type != SK_Q_BEGIN_GROUP && q->type != SK_Q_END_GROUP;
}

/* Column names the CSVs use for record metadata. */
static const char *const meta_columns[] = {"record_id", "device_id", "seq",      "kind",
                                           "started",   "finished",  "language", "duration_s",
                                           "time"};

void export_column_name(const char *question, char *out, size_t size)
{
    for (size_t i = 0; i < sizeof meta_columns / sizeof *meta_columns; i++)
        if (strcmp(question, meta_columns[i]) == 0) {
            /* A question called like a metadata column ("started" for the
             * form's start time) keeps its answer beside it, renamed. */
            snprintf(out, size, "%s_answer", question);
            return;
        }
    snprintf(out, size, "%s", question);
}

bool export_has_token(const char *value, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = value; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - p) == n && n && strncmp(p, name, n) == 0)
            return true;
        p = end;
    }
    return false;
}
