/* fuzz_util.h - helpers shared by the harnesses (header-only, all static).
 *
 * fz_cstr       the input as a NUL-terminated string
 * fz_xlsx       an .xlsx from the input: a real zip as is, or else
 *               NUL-separated XML parts (workbook.xml, workbook.xml.rels,
 *               sharedStrings.xml, sheet1.xml, sheet2.xml, ...) packed into
 *               a stored zip, so that the fuzzer mutates XML, not deflate
 * fz_tmpdir     one private folder per process (on /dev/shm when there is
 *               one: the store harnesses fsync), removed at exit
 * fz_split      cut an input at a separator
 * The test keys are fixed (seeded from 32 x 0x42 and friends) so that every
 * run signs the same way and a reproducer stays a reproducer. */
#ifndef SK_FUZZ_UTIL_H
#define SK_FUZZ_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline char *fz_cstr(const uint8_t *data, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        abort();
    if (len)
        memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

/* The first occurrence of sep in data, or NULL. */
static inline const uint8_t *fz_find(const uint8_t *data, size_t len, const char *sep)
{
    size_t n = strlen(sep);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(data + i, sep, n) == 0)
            return data + i;
    return NULL;
}

/* ---- a stored (uncompressed) zip in memory ------------------------------- */

typedef struct fz_buf {
    uint8_t *p;
    size_t n, cap;
} fz_buf;

static inline void fz_put(fz_buf *b, const void *data, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            abort();
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, data, n);
    b->n += n;
}

static inline void fz_u16(fz_buf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    fz_put(b, x, 2);
}

static inline void fz_u32(fz_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fz_put(b, x, 4);
}

static inline uint32_t fz_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

typedef struct fz_entry {
    char name[64];
    const uint8_t *data;
    size_t len;
} fz_entry;

static inline void fz_zip(const fz_entry *e, size_t n, fz_buf *out)
{
    uint32_t *offs = calloc(n ? n : 1, sizeof *offs);
    if (!offs)
        abort();
    for (size_t i = 0; i < n; i++) {
        offs[i] = (uint32_t)out->n;
        size_t nl = strlen(e[i].name);
        fz_u32(out, 0x04034b50u);
        fz_u16(out, 20); fz_u16(out, 0); fz_u16(out, 0);      /* version, flags, stored */
        fz_u16(out, 0); fz_u16(out, 0x21);                     /* time, date (1980-01-01) */
        fz_u32(out, fz_crc32(e[i].data, e[i].len));
        fz_u32(out, (uint32_t)e[i].len); fz_u32(out, (uint32_t)e[i].len);
        fz_u16(out, (unsigned)nl); fz_u16(out, 0);
        fz_put(out, e[i].name, nl);
        fz_put(out, e[i].data, e[i].len);
    }
    uint32_t cd = (uint32_t)out->n;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name);
        fz_u32(out, 0x02014b50u);
        fz_u16(out, 20); fz_u16(out, 20); fz_u16(out, 0); fz_u16(out, 0);
        fz_u16(out, 0); fz_u16(out, 0x21);
        fz_u32(out, fz_crc32(e[i].data, e[i].len));
        fz_u32(out, (uint32_t)e[i].len); fz_u32(out, (uint32_t)e[i].len);
        fz_u16(out, (unsigned)nl); fz_u16(out, 0); fz_u16(out, 0);
        fz_u16(out, 0); fz_u16(out, 0); fz_u32(out, 0);
        fz_u32(out, offs[i]);
        fz_put(out, e[i].name, nl);
    }
    uint32_t cd_size = (uint32_t)out->n - cd;
    fz_u32(out, 0x06054b50u);
    fz_u16(out, 0); fz_u16(out, 0);
    fz_u16(out, (unsigned)n); fz_u16(out, (unsigned)n);
    fz_u32(out, cd_size); fz_u32(out, cd);
    fz_u16(out, 0);
    free(offs);
}

/* Input -> .xlsx bytes (see the top of this file).  *out is malloc'd. */
static inline void fz_xlsx(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
    fz_buf b = {0};
    if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) {
        fz_put(&b, data, len);
    } else {
        fz_entry e[16];
        size_t n = 0, part = 0;
        const uint8_t *p = data, *end = data + len;
        while (n < sizeof e / sizeof e[0]) {
            const uint8_t *z = memchr(p, '\0', (size_t)(end - p));
            const uint8_t *stop = z ? z : end;
            if (stop > p) { /* an empty part is an absent one */
                if (part == 0)
                    snprintf(e[n].name, sizeof e[n].name, "xl/workbook.xml");
                else if (part == 1)
                    snprintf(e[n].name, sizeof e[n].name, "xl/_rels/workbook.xml.rels");
                else if (part == 2)
                    snprintf(e[n].name, sizeof e[n].name, "xl/sharedStrings.xml");
                else
                    snprintf(e[n].name, sizeof e[n].name, "xl/worksheets/sheet%zu.xml", part - 2);
                e[n].data = p;
                e[n].len = (size_t)(stop - p);
                n++;
            }
            part++;
            if (!z)
                break;
            p = z + 1;
        }
        fz_zip(e, n, &b);
    }
    *out = b.p;
    *out_len = b.n;
}

/* ---- a private temporary folder ------------------------------------------ */

static char fz_dir[256];

static inline void fz_rm_dir(void)
{
    if (!fz_dir[0])
        return;
    DIR *d = opendir(fz_dir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)))
            if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..") != 0)) {
                snprintf(path, sizeof path, "%s/%s", fz_dir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(fz_dir);
}

static inline const char *fz_tmpdir(void)
{
    if (fz_dir[0])
        return fz_dir;
    const char *base = getenv("SK_FUZZ_TMP");
    struct stat st;
    if (!base || !*base)
        base = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fz_dir, sizeof fz_dir, "%s/sk-fuzz-XXXXXX", base);
    if (!mkdtemp(fz_dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(fz_rm_dir);
    return fz_dir;
}

static inline void fz_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", fz_tmpdir(), name);
}

static inline void fz_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

#endif
