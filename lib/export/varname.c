/* varname.c - variable names that SPSS and Stata both accept.
 *
 * An export column is named after its question ("training/msc" for a choice
 * of a select_multiple, a Chinese name if the author wrote one); SPSS and
 * Stata accept far less.  One name serves both (so that a syntax file works
 * on either copy), so it obeys the stricter rule of each:
 *   - ASCII letters, digits and _ only (others become _), starting with a
 *     letter (SPSS refuses a leading _ or digit: "v" is put in front);
 *   - at most 32 bytes (Stata's limit; SPSS allows 64);
 *   - not a reserved word of either (SPSS: ALL AND BY EQ GE GT LE LT NE NOT
 *     OR TO WITH, in any case; Stata: _all byte double float if in int long
 *     strL using with ..., str1..str2045), which get a trailing _;
 *   - unique in its table without regard to case (SPSS ignores case): a
 *     clash gets _2, _3, ... (the base shortened to keep 32 bytes).
 * The codebook lists the name beside the column it stands for. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export_internal.h"

static bool reserved(const char *s)
{
    static const char *const spss[] = {"all", "and", "by", "eq", "ge", "gt", "le",
                                       "lt",  "ne",  "not", "or", "to", "with"};
    for (size_t i = 0; i < sizeof spss / sizeof *spss; i++)
        if (strcasecmp(s, spss[i]) == 0)
            return true;
    /* Stata's are case-sensitive, but a name differing only in case from one
     * of them is refused too: it would read as a typo of a keyword. */
    static const char *const stata[] = {"_all", "_b",    "byte", "_coef", "_cons", "double",
                                        "float", "if",   "in",   "int",   "long",  "_n",
                                        "_N",   "_pi",   "_pred", "_rc",  "_skip", "strL",
                                        "using", "with"};
    for (size_t i = 0; i < sizeof stata / sizeof *stata; i++)
        if (strcasecmp(s, stata[i]) == 0)
            return true;
    if (strncasecmp(s, "str", 3) == 0 && s[3]) {
        for (const char *p = s + 3; *p; p++)
            if (!isdigit((unsigned char)*p))
                return false;
        return true;
    }
    return false;
}

void varname_safe(const char *name, char out[VARNAME_MAX + 1])
{
    size_t n = 0;
    if (!isalpha((unsigned char)name[0]))
        out[n++] = 'v';
    for (const char *p = name; *p && n < VARNAME_MAX; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x80) {
            /* One _ for a whole UTF-8 character, not one per byte. */
            while ((unsigned char)p[1] >= 0x80 && ((unsigned char)p[1] & 0xC0) == 0x80)
                p++;
            c = '_';
        }
        out[n++] = isalnum(c) ? (char)c : '_';
    }
    out[n] = '\0';
    if (reserved(out) && n < VARNAME_MAX) {
        out[n++] = '_';
        out[n] = '\0';
    }
}

bool varname_unique(char *const *taken, size_t n_taken, char name[VARNAME_MAX + 1])
{
    char base[VARNAME_MAX + 1];
    snprintf(base, sizeof base, "%s", name);
    for (unsigned k = 1; k < 100000; k++) {
        if (k > 1) {
            char suffix[16];
            int sl = snprintf(suffix, sizeof suffix, "_%u", k);
            size_t keep = strlen(base);
            if (keep + (size_t)sl > VARNAME_MAX)
                keep = VARNAME_MAX - (size_t)sl;
            snprintf(name, VARNAME_MAX + 1, "%.*s%s", (int)keep, base, suffix);
        }
        bool clash = false;
        for (size_t i = 0; i < n_taken && !clash; i++)
            clash = taken[i] && strcasecmp(taken[i], name) == 0;
        if (!clash)
            return true;
    }
    return false;
}
