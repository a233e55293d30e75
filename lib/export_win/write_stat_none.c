/* write_stat_none.c - SPSS and Stata files in the Windows build: not there, said plainly.
 *
 * lib/export/write_stat.c writes .sav and .dta with ReadStat, which the
 * portable Windows build does not carry (Debian's readstat source is not
 * built for mingw by scripts/build-windows.sh: ReadStat needs an iconv, and
 * mingw-w64 has none).  lib/CMakeLists.txt compiles this file in its place on
 * Windows.  Asking for sav or dta there is an SK_ERR_UNSUPPORTED error that
 * says what to do; csv and xlsx are unaffected.  Since stat_write refuses
 * every table, nothing is committed (the export writes all its files or
 * none), so stat_fix_names (the .sav name fixer) has nothing to do. */
#include "export_internal.h"

bool stat_fix_names(ex_table *t)
{
    (void)t;
    return true;
}

sk_status stat_write(ex_table *t, stat_format fmt, const char *file_label, FILE *f,
                     const char *path, sk_error *err)
{
    (void)t;
    (void)file_label;
    (void)f;
    return sk_error_set(err, SK_ERR_UNSUPPORTED,
                        "%s: the Windows build of survey-sync does not write %s files (it has no "
                        "ReadStat); export csv or xlsx here, or sav/dta with survey-sync on Linux",
                        path, fmt == STAT_SAV ? "SPSS .sav" : "Stata .dta");
}
