/* sheet_xlsx.c - .xlsx (Office Open XML) through libzip + expat.
 *
 * xl/workbook.xml names the sheets and gives each a relationship id;
 * xl/_rels/workbook.xml.rels maps the id to the sheet's part; the shared
 * string table (xl/sharedStrings.xml, rich text runs concatenated) is read
 * once; each sheet part is then streamed: <row r>, <c r t>, <v>, <is><t>.
 * Numbers are kept as written, except that integers stored as "3.0" or
 * "3E0" print as "3", which is how a person typed them.
 */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "sheet.h"
#include "sk/text.h"

/* U+FFFD, the replacement character, as UTF-8 (see utf8_repaired). */
#define REPLACEMENT "\xEF\xBF\xBD"

typedef struct strbuf {
    char *s;
    size_t n, cap;
} strbuf;

static int sb_add(strbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
    return 0;
}

/* The local part of a possibly prefixed XML name ("x:row" -> "row"). */
static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *want)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(local(atts[i]), want) == 0)
            return atts[i + 1];
    return NULL;
}

/* Reads one part of the archive into memory; NULL when absent. */
static char *read_part(zip_t *z, const char *path, size_t *len)
{
    zip_stat_t st;
    if (zip_stat(z, path, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return NULL;
    if (st.size > (zip_uint64_t)512 * 1024 * 1024)
        return NULL;
    zip_file_t *f = zip_fopen(z, path, 0);
    if (!f)
        return NULL;
    char *buf = malloc((size_t)st.size + 1);
    zip_int64_t got = buf ? zip_fread(f, buf, st.size) : -1;
    zip_fclose(f);
    if (got < 0 || (zip_uint64_t)got != st.size) {
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    *len = (size_t)got;
    return buf;
}

typedef enum { P_WORKBOOK, P_RELS, P_STRINGS, P_SHEET } part_kind;

typedef struct entry {
    char *a, *b; /* workbook: name, rid; rels: id, target */
} entry;

typedef struct parse {
    part_kind kind;
    int nomem;
    /* workbook / rels */
    entry *e;
    size_t n_e, cap_e;
    /* shared strings */
    char **strings;
    size_t n_str, cap_str;
    int in_si, in_t, in_rph;
    strbuf text;
    /* sheet */
    wb_sheet *sheet;
    wb_row *row;
    unsigned row_no, col_no;
    char cell_type[16];
    int in_v, in_cell, in_is;
    const char *const *sst;
    size_t n_sst;
    int bad_index;
    int repaired;        /* this part's invalid UTF-8 was replaced by U+FFFD */
    int sst_repaired;    /* ...and so was the shared strings part's */
} parse;

/* The text with every U+FFFD put back as one invalid byte (see
 * utf8_repaired); malloc'd, NULL when out of memory. */
static char *unrepair(const char *v)
{
    char *out = strdup(v);
    if (!out)
        return NULL;
    char *w = out;
    for (const char *r = v; *r;) {
        if (strncmp(r, REPLACEMENT, 3) == 0) { /* strncmp: stops at the NUL */
            *w++ = (char)0xFF;
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return out;
}

static int add_entry(parse *p, const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    if (p->n_e == p->cap_e) {
        size_t cap = p->cap_e ? p->cap_e * 2 : 8;
        entry *e = realloc(p->e, cap * sizeof *e);
        if (!e)
            return -1;
        p->e = e;
        p->cap_e = cap;
    }
    p->e[p->n_e].a = strdup(a);
    p->e[p->n_e].b = strdup(b);
    p->n_e++;
    return p->e[p->n_e - 1].a && p->e[p->n_e - 1].b ? 0 : -1;
}

/* "C5" -> column 3 (row letters only; the row comes from <row r>). */
static unsigned ref_col(const char *ref)
{
    unsigned col = 0;
    for (; *ref >= 'A' && *ref <= 'Z'; ref++)
        col = col * 26 + (unsigned)(*ref - 'A' + 1);
    return col;
}

static void XMLCALL on_start(void *ud, const char *name, const char **atts)
{
    parse *p = ud;
    const char *n = local(name);
    switch (p->kind) {
    case P_WORKBOOK:
        if (strcmp(n, "sheet") == 0 && add_entry(p, attr(atts, "name"), attr(atts, "id")))
            p->nomem = 1;
        break;
    case P_RELS:
        if (strcmp(n, "Relationship") == 0 &&
            add_entry(p, attr(atts, "Id"), attr(atts, "Target")))
            p->nomem = 1;
        break;
    case P_STRINGS:
        if (strcmp(n, "si") == 0) {
            p->in_si = 1;
            p->text.n = 0;
            if (sb_add(&p->text, "", 0))
                p->nomem = 1;
        } else if (strcmp(n, "t") == 0 && p->in_si && !p->in_rph) {
            p->in_t = 1;
        } else if (strcmp(n, "rPh") == 0) {
            p->in_rph = 1; /* phonetic hints are not part of the text */
        }
        break;
    case P_SHEET:
        if (strcmp(n, "row") == 0) {
            const char *r = attr(atts, "r");
            p->row_no = r ? (unsigned)strtoul(r, NULL, 10) : p->row_no + 1;
            p->row = NULL;
            p->col_no = 0;
        } else if (strcmp(n, "c") == 0) {
            const char *r = attr(atts, "r"), *t = attr(atts, "t");
            p->col_no = r ? ref_col(r) : p->col_no + 1;
            snprintf(p->cell_type, sizeof p->cell_type, "%s", t ? t : "n");
            p->in_cell = 1;
            p->text.n = 0;
            if (sb_add(&p->text, "", 0))
                p->nomem = 1;
        } else if (strcmp(n, "v") == 0 && p->in_cell) {
            p->in_v = 1;
        } else if (strcmp(n, "is") == 0 && p->in_cell) {
            p->in_is = 1;
        } else if (strcmp(n, "t") == 0 && p->in_is) {
            p->in_t = 1;
        } else if (strcmp(n, "rPh") == 0) {
            p->in_rph = 1;
        }
        break;
    }
}

/* Integers stored as 3.0 / 3E0 read as "3"; other numbers as written. */
static void number_text(const char *v, char *out, size_t size)
{
    char *end;
    double d = strtod(v, &end);
    /* The range test comes first: converting 1e300, inf or nan to long long
     * is undefined behaviour, and NaN fails every comparison. */
    if (*v && !*end && d > -1e15 && d < 1e15 && d == (double)(long long)d)
        snprintf(out, size, "%lld", (long long)d);
    else
        snprintf(out, size, "%s", v);
}

static void finish_cell(parse *p)
{
    const char *v = p->text.s ? p->text.s : "";
    char num[64];
    if (strcmp(p->cell_type, "s") == 0) {
        char *end;
        unsigned long i = strtoul(v, &end, 10);
        if (!*v || *end || i >= p->n_sst) {
            p->bad_index = 1;
            return;
        }
        v = p->sst[i];
    } else if (strcmp(p->cell_type, "b") == 0) {
        v = strcmp(v, "1") == 0 ? "TRUE" : "FALSE";
    } else if (strcmp(p->cell_type, "n") == 0 && *v) {
        number_text(v, num, sizeof num);
        v = num;
    }
    if (!*v || p->col_no == 0)
        return;
    if (!p->row || p->row->row != p->row_no) {
        p->row = wb_add_row(p->sheet, p->row_no);
        if (!p->row) {
            p->nomem = 1;
            return;
        }
    }
    int from_sst = strcmp(p->cell_type, "s") == 0;
    char *back = NULL;
    if (((from_sst && p->sst_repaired) || (!from_sst && p->repaired)) && strstr(v, REPLACEMENT)) {
        if (!(back = unrepair(v))) {
            p->nomem = 1;
            return;
        }
        v = back;
    }
    if (wb_add_cell(p->row, p->col_no, v, strlen(v)))
        p->nomem = 1;
    free(back);
}

static void XMLCALL on_end(void *ud, const char *name)
{
    parse *p = ud;
    const char *n = local(name);
    if (strcmp(n, "rPh") == 0) {
        p->in_rph = 0;
    } else if (strcmp(n, "t") == 0) {
        p->in_t = 0;
    } else if (p->kind == P_STRINGS && strcmp(n, "si") == 0) {
        p->in_si = 0;
        if (p->n_str == p->cap_str) {
            size_t cap = p->cap_str ? p->cap_str * 2 : 64;
            char **s = realloc(p->strings, cap * sizeof *s);
            if (!s) {
                p->nomem = 1;
                return;
            }
            p->strings = s;
            p->cap_str = cap;
        }
        p->strings[p->n_str] = strdup(p->text.s ? p->text.s : "");
        if (!p->strings[p->n_str++])
            p->nomem = 1;
    } else if (p->kind == P_SHEET) {
        if (strcmp(n, "v") == 0)
            p->in_v = 0;
        else if (strcmp(n, "is") == 0)
            p->in_is = 0;
        else if (strcmp(n, "c") == 0) {
            finish_cell(p);
            p->in_cell = 0;
        } else if (strcmp(n, "row") == 0) {
            p->row = NULL;
        }
    }
}

static void XMLCALL on_text(void *ud, const char *s, int len)
{
    parse *p = ud;
    if (p->in_rph)
        return;
    if ((p->kind == P_STRINGS && p->in_t) || (p->kind == P_SHEET && (p->in_v || p->in_t)))
        if (sb_add(&p->text, s, (size_t)len))
            p->nomem = 1;
}

/* Invalid UTF-8 would stop expat with "invalid token" and no cell to name.
 * So a UTF-8 part (no other encoding declared) that is not valid is parsed
 * from a copy in which each bad byte is U+FFFD, and finish_cell turns every
 * U+FFFD of such a part back into one byte 0xFF: the cell then fails the
 * form's UTF-8 check (form_load.c) with its sheet, row and column.  Returns
 * the copy (NULL when the part is fine as it is or is not UTF-8). */
static char *utf8_repaired(const char *xml, size_t len, size_t *out_len)
{
    if (sk_utf8_valid(xml, len))
        return NULL;
    const char *decl_end = memchr(xml, '>', len < 200 ? len : 200);
    if (decl_end && len >= 5 && memcmp(xml, "<?xml", 5) == 0) {
        char decl[200];
        snprintf(decl, sizeof decl, "%.*s", (int)(decl_end - xml), xml);
        const char *enc = strstr(decl, "encoding");
        if (enc && !strstr(enc, "UTF-8") && !strstr(enc, "utf-8"))
            return NULL; /* expat transcodes other encodings itself */
    }
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < len) {
        size_t bad = i + sk_utf8_invalid_at(xml + i, len - i);
        memcpy(out + o, xml + i, bad - i);
        o += bad - i;
        if (bad == len)
            break;
        memcpy(out + o, REPLACEMENT, 3);
        o += 3;
        i = bad + 1;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* Parse one XML part; returns 0, or -1 with *why set. */
static int parse_xml(parse *p, const char *xml, size_t len, const char **why)
{
    size_t fixed_len = 0;
    char *fixed = utf8_repaired(xml, len, &fixed_len);
    if (fixed) {
        p->repaired = 1;
        xml = fixed;
        len = fixed_len;
    }
    XML_Parser x = XML_ParserCreate("UTF-8");
    if (!x) {
        p->nomem = 1;
        *why = "out of memory";
        return -1;
    }
    XML_SetUserData(x, p);
    XML_SetElementHandler(x, on_start, on_end);
    XML_SetCharacterDataHandler(x, on_text);
    int ok = XML_Parse(x, xml, (int)len, 1) == XML_STATUS_OK;
    if (!ok)
        *why = XML_ErrorString(XML_GetErrorCode(x));
    XML_ParserFree(x);
    free(fixed);
    if (ok && p->nomem) {
        *why = "out of memory";
        return -1;
    }
    return ok ? 0 : -1;
}

static void free_entries(parse *p)
{
    for (size_t i = 0; i < p->n_e; i++) {
        free(p->e[i].a);
        free(p->e[i].b);
    }
    free(p->e);
    p->e = NULL;
    p->n_e = p->cap_e = 0;
}

/* "worksheets/sheet1.xml" or "/xl/worksheets/sheet1.xml" -> "xl/worksheets/sheet1.xml" */
static void part_path(const char *target, char *out, size_t size)
{
    if (target[0] == '/')
        snprintf(out, size, "%s", target + 1);
    else
        snprintf(out, size, "xl/%s", target);
}

sk_status wb_read_xlsx(const void *data, size_t len, const char *name, wb_workbook *out,
                       sk_error *err)
{
    memset(out, 0, sizeof *out);
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &zerr);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &zerr) : NULL;
    if (!z) {
        if (src)
            zip_source_free(src);
        zip_error_fini(&zerr);
        return sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                               "this looks like a zip archive but cannot be read as .xlsx "
                               "(damaged or truncated); save it again from your spreadsheet");
    }
    zip_error_fini(&zerr);

    sk_status st = SK_OK;
    const char *why = NULL;
    size_t wlen = 0, rlen = 0, slen = 0;
    char *wxml = read_part(z, "xl/workbook.xml", &wlen);
    char *rxml = read_part(z, "xl/_rels/workbook.xml.rels", &rlen);
    char *sxml = read_part(z, "xl/sharedStrings.xml", &slen);
    parse wbp = {.kind = P_WORKBOOK}, rels = {.kind = P_RELS}, strs = {.kind = P_STRINGS};
    if (!wxml || !rxml) {
        st = sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                             "this zip archive is not an .xlsx workbook (no xl/workbook.xml); "
                             "give an XLSForm saved as .xlsx");
        goto done;
    }
    if (parse_xml(&wbp, wxml, wlen, &why) || parse_xml(&rels, rxml, rlen, &why) ||
        (sxml && parse_xml(&strs, sxml, slen, &why))) {
        st = sk_error_set_at(err, wbp.nomem || rels.nomem || strs.nomem ? SK_ERR_NOMEM
                                                                        : SK_ERR_FORMAT,
                             name, NULL, 0, NULL,
                             "the workbook's XML is damaged (%s); save it again from your "
                             "spreadsheet",
                             why);
        goto done;
    }
    for (size_t i = 0; i < wbp.n_e && st == SK_OK; i++) {
        const char *target = NULL;
        for (size_t j = 0; j < rels.n_e; j++)
            if (strcmp(rels.e[j].a, wbp.e[i].b) == 0)
                target = rels.e[j].b;
        char path[512];
        size_t plen = 0;
        char *xml = NULL;
        if (target) {
            part_path(target, path, sizeof path);
            xml = read_part(z, path, &plen);
        }
        if (!xml) {
            st = sk_error_set_at(err, SK_ERR_FORMAT, name, wbp.e[i].a, 0, NULL,
                                 "the sheet '%s' is listed but its data is missing; save the "
                                 "workbook again from your spreadsheet",
                                 wbp.e[i].a);
            break;
        }
        parse sp = {.kind = P_SHEET, .sst = (const char *const *)strs.strings, .n_sst = strs.n_str,
                    .sst_repaired = strs.repaired};
        char *sheet_name = wbp.repaired && strstr(wbp.e[i].a, REPLACEMENT) ? unrepair(wbp.e[i].a)
                                                                           : NULL;
        const char *shown = sheet_name ? sheet_name : wbp.e[i].a;
        sp.sheet = wb_add_sheet(out, shown, strlen(shown));
        free(sheet_name);
        if (!sp.sheet)
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", name);
        else if (parse_xml(&sp, xml, plen, &why))
            st = sk_error_set_at(err, sp.nomem ? SK_ERR_NOMEM : SK_ERR_FORMAT, name,
                                 wbp.e[i].a, 0, NULL,
                                 "the sheet's XML is damaged (%s); save the workbook again",
                                 why);
        else if (sp.bad_index)
            st = sk_error_set_at(err, SK_ERR_FORMAT, name, wbp.e[i].a, 0, NULL,
                                 "a cell refers to a shared string that does not exist; "
                                 "save the workbook again from your spreadsheet");
        free(sp.text.s);
        free(xml);
    }
done:
    free_entries(&wbp);
    free_entries(&rels);
    for (size_t i = 0; i < strs.n_str; i++)
        free(strs.strings[i]);
    free(strs.strings);
    free(strs.text.s);
    free(wxml);
    free(rxml);
    free(sxml);
    zip_close(z);
    if (st != SK_OK)
        wb_free(out);
    return st;
}
