/* fn_table.c - the functions written in fn_*.c: name, argument counts,
 * implementation, or the reason a kiosk refuses them.  eval.c's
 * expr_find_function looks here after its own table. */
#include <string.h>

#include "fn.h"

static const ext_func_def ext_functions[] = {
    /* ODK XForms functions written in fn_*.c (docs/XLSFORM.md, "Expressions and functions") */
    {{"pow", 2, 2, F_EXT}, fn_pow, NULL},
    {{"abs", 1, 1, F_EXT}, fn_abs, NULL},
    {{"log", 1, 1, F_EXT}, fn_math1, NULL},
    {{"log10", 1, 1, F_EXT}, fn_math1, NULL},
    {{"exp", 1, 1, F_EXT}, fn_math1, NULL},
    {{"exp10", 1, 1, F_EXT}, fn_math1, NULL},
    {{"sqrt", 1, 1, F_EXT}, fn_math1, NULL},
    {{"sin", 1, 1, F_EXT}, fn_math1, NULL},
    {{"cos", 1, 1, F_EXT}, fn_math1, NULL},
    {{"tan", 1, 1, F_EXT}, fn_math1, NULL},
    {{"asin", 1, 1, F_EXT}, fn_math1, NULL},
    {{"acos", 1, 1, F_EXT}, fn_math1, NULL},
    {{"atan", 1, 1, F_EXT}, fn_math1, NULL},
    {{"atan2", 2, 2, F_EXT}, fn_atan2, NULL},
    {{"pi", 0, 0, F_EXT}, fn_pi, NULL},
    {{"max", 1, -1, F_EXT}, fn_max, NULL},
    {{"min", 1, -1, F_EXT}, fn_min, NULL},
    {{"random", 0, 0, F_EXT}, fn_random, NULL},
    {{"checklist", 2, -1, F_EXT}, fn_checklist, NULL},
    {{"weighted-checklist", 2, -1, F_EXT}, fn_weighted_checklist, NULL},
    {{"translate", 3, 3, F_EXT}, fn_translate, NULL},
    {{"normalize-space", 0, 1, F_EXT}, fn_normalize_space, NULL},
    {{"substring-before", 2, 2, F_EXT}, fn_substring_before, NULL},
    {{"substring-after", 2, 2, F_EXT}, fn_substring_after, NULL},
    {{"substring", 2, 3, F_EXT}, fn_substring, NULL},
    {{"ends-with", 2, 2, F_EXT}, fn_ends_with, NULL},
    {{"join", 1, -1, F_EXT}, fn_join, NULL},
    {{"selected-at", 2, 2, F_EXT}, fn_selected_at, NULL},
    {{"boolean-from-string", 1, 1, F_EXT}, fn_boolean_from_string, NULL},
    {{"once", 1, 1, F_EXT}, fn_once, NULL},
    {{"uuid", 0, 1, F_EXT}, fn_uuid, NULL},
    {{"digest", 2, 3, F_EXT}, fn_digest, NULL},
    {{"base64-decode", 1, 1, F_EXT}, fn_base64_decode, NULL},
    {{"version", 0, 0, F_EXT}, fn_version, NULL},
    {{"property", 1, 1, F_EXT}, fn_property, NULL},
    {{"date", 1, 1, F_EXT}, fn_date, NULL},
    {{"date-time", 1, 1, F_EXT}, fn_date_time, NULL},
    {{"decimal-date-time", 1, 1, F_EXT}, fn_decimal_date_time, NULL},
    {{"decimal-time", 1, 1, F_EXT}, fn_decimal_time, NULL},
    {{"format-date-time", 2, 2, F_EXT}, fn_format_date_time, NULL},
    {{"format-date", 2, 2, F_EXT}, fn_format_date_time, NULL},
    {{"pulldata", 4, 4, F_EXT}, fn_pulldata, NULL},
    {{"jr:itext", 1, 1, F_EXT}, fn_itext, NULL},
    {{"current", 0, 0, F_EXT}, fn_current, NULL},
    /* refused: the compile error gives the reason */
    {{"area", 1, 1, F_EXT}, NULL, "geo questions are not collected on a kiosk"},
    {{"distance", 1, -1, F_EXT}, NULL, "geo questions are not collected on a kiosk"},
    {{"geofence", 2, 2, F_EXT}, NULL, "geo questions are not collected on a kiosk"},
    {{"encrypt-string", 3, 3, F_EXT}, NULL,
     "answers are sealed for the study key already; encrypting one text again is not "
     "supported"},
    {{"decrypt-string", 3, 3, F_EXT}, NULL, "a kiosk holds no keys to decrypt with"},
    {{"extract-signed", 2, 2, F_EXT}, NULL, "signed barcodes are not collected on a kiosk"},
};

const func_def *expr_find_ext_function(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof ext_functions / sizeof ext_functions[0]; i++)
        if (strlen(ext_functions[i].def.name) == len &&
            memcmp(ext_functions[i].def.name, name, len) == 0)
            return &ext_functions[i].def;
    return NULL;
}

const ext_func_def *expr_ext(const func_def *fn)
{
    if (!fn || fn->id != F_EXT)
        return NULL;
    return (const ext_func_def *)fn; /* def is the first member */
}
