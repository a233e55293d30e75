/* bench_form.c - load and validate a generated 2,000-question form.
 *
 * The form mixes types, groups (field-list pages), repeats (every fourth
 * section: a fixed repeat_count or sized by the participant, with sum() and
 * count() over them from outside), choice lists, relevants that refer to
 * earlier questions and a chain of calculations.  It is written
 * as .md and .csv to a temp dir, and as .xlsx when /usr/bin/python3 with
 * openpyxl is available (converted from the .md by scripts/make_test_xlsx.py's
 * reader), then each is loaded N times.  Prints median, p90 and min in ms and
 * the peak resident memory.  Goal: well under 100 ms.
 *
 *   bench_form [N=30]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sk/form.h"

#define N_QUESTIONS 2000

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process: on a machine shared with other builds the wall
 * clock measures the queue, this measures the work. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The repeat_count cell of the next row ("" for all but some begin_repeat rows). */
static const char *row_count = "";

/* One row per question: cells are type, name, label, relevant, calculation,
 * appearance, repeat_count. */
static void row(FILE *md, FILE *csv, const char *type, const char *name, const char *label,
                const char *relevant, const char *calc, const char *appearance)
{
    fprintf(md, "| | %s | %s | %s | %s | %s | %s | %s |\n", type, name, label, relevant, calc,
            appearance, row_count);
    fprintf(csv, ",%s,%s,\"%s\",\"%s\",\"%s\",%s,%s\n", type, name, label, relevant, calc,
            appearance, row_count);
    row_count = "";
}

/* Every fourth section of 50 questions is a repeat. */
static int section_repeats(int n) { return (n / 50) % 4 == 3; }

/* Question n may read question k as one value: the same section, or k
 * outside every repeat. */
static int readable(int n, int k) { return !section_repeats(k) || k / 50 == n / 50; }

static void generate(const char *md_path, const char *csv_path)
{
    FILE *md = fopen(md_path, "w"), *csv = fopen(csv_path, "w");
    if (!md || !csv) {
        perror("bench_form: temp file");
        exit(1);
    }
    fprintf(md, "| survey | | | | | | | |\n| | type | name | label | relevant | calculation | "
                "appearance | repeat_count |\n");
    fprintf(csv, "survey,,,,,,,\n,type,name,label,relevant,calculation,appearance,repeat_count\n");
    char name[32], rel[96], calc[96], label[64];
    int n = 0, group = 0;
    while (n < N_QUESTIONS) {
        if (n % 50 == 0) {
            snprintf(name, sizeof name, "g%d", group++);
            if (section_repeats(n))
                row_count = group % 2 ? "3" : ""; /* fixed, or the participant's */
            row(md, csv, section_repeats(n) ? "begin_repeat" : "begin_group", name, "Section", "",
                "", "field-list");
        }
        snprintf(name, sizeof name, "q%d", n);
        snprintf(label, sizeof label, "Question number %d", n);
        rel[0] = calc[0] = '\0';
        if (n > 10 && n % 3 == 0 && readable(n, n - 7) && readable(n, n - 10))
            snprintf(rel, sizeof rel, "${q%d} != '' and ${q%d} > 2", n - 7, n - 10);
        const char *type;
        switch (n % 6) {
        case 0: type = "integer"; break;
        case 1: type = "select_one yn"; break;
        case 2: type = "text"; break;
        case 3: type = "select_multiple l5"; break;
        case 4:
            type = "calculate";
            label[0] = '\0';
            if (n > 10 && readable(n, n - 6) && readable(n, n - 10))
                snprintf(calc, sizeof calc, "${q%d} + ${q%d}", n - 6, n - 10);
            else if (n > 10)
                snprintf(calc, sizeof calc, "sum(${q%d}) + count(${g%d})", n - 10, (n - 10) / 50);
            else
                snprintf(calc, sizeof calc, "1");
            break;
        default: type = "decimal"; break;
        }
        row(md, csv, type, name, label, rel, calc, "");
        n++;
        if (n % 50 == 0)
            row(md, csv, section_repeats(n - 1) ? "end_repeat" : "end_group", "", "", "", "", "");
    }
    fprintf(md, "| choices | | | |\n| | list_name | name | label |\n");
    fprintf(csv, "choices,,,\n,list_name,name,label\n");
    fprintf(md, "| | yn | yes | Yes |\n| | yn | no | No |\n");
    fprintf(csv, ",yn,yes,Yes\n,yn,no,No\n");
    for (int i = 1; i <= 5; i++) {
        fprintf(md, "| | l5 | c%d | Choice %d |\n", i, i);
        fprintf(csv, ",l5,c%d,Choice %d\n", i, i);
    }
    fclose(md);
    fclose(csv);
}

static void bench(const char *label, const char *path, int n)
{
    double *t = malloc((size_t)n * sizeof *t), *c = malloc((size_t)n * sizeof *c);
    size_t questions = 0;
    for (int i = 0; i < n; i++) {
        sk_form *f = NULL;
        sk_diags d;
        sk_error err;
        sk_diags_init(&d);
        double t0 = now_ms(), c0 = cpu_ms();
        sk_status st = sk_form_load(path, &f, &d, &err);
        t[i] = now_ms() - t0;
        c[i] = cpu_ms() - c0;
        if (st != SK_OK) {
            char line[1200];
            sk_error_format(d.n ? &d.items[0] : &err, line, sizeof line);
            fprintf(stderr, "bench_form: %s does not load: %s\n", path, line);
            exit(1);
        }
        questions = f->n_q;
        sk_form_free(f);
        sk_diags_free(&d);
    }
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    printf("%-6s %9zu %6d %10.2f %10.2f %10.2f %10.2f\n", label, questions, n, t[n / 2],
           t[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], t[0], c[n / 2]);
    free(t);
    free(c);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 30;
    if (n < 1)
        n = 1;
    char dir[] = "/tmp/bench_form.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("bench_form: mkdtemp");
        return 1;
    }
    char md[512], csv[512], xlsx[512], cmd[2048];
    snprintf(md, sizeof md, "%s/big.md", dir);
    snprintf(csv, sizeof csv, "%s/big.csv", dir);
    snprintf(xlsx, sizeof xlsx, "%s/big.xlsx", dir);
    generate(md, csv);
    /* .xlsx through openpyxl, from the same rows (skipped when unavailable) */
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import sys,csv,openpyxl\n"
             "wb=openpyxl.Workbook(); wb.remove(wb.active); ws=None\n"
             "for r in csv.reader(open(sys.argv[1], encoding='utf-8')):\n"
             "    if r[0]: ws=wb.create_sheet(r[0]); continue\n"
             "    ws.append([v if v else None for v in r[1:]])\n"
             "wb.save(sys.argv[2])\" %s %s 2>/dev/null",
             csv, xlsx);
    int have_xlsx = system(cmd) == 0;
    printf("load + validate a generated form, %d runs each (times in ms)\n", n);
    printf("%-6s %9s %6s %10s %10s %10s %10s\n", "format", "questions", "runs", "median", "p90",
           "min", "cpu median");
    bench("md", md, n);
    bench("csv", csv, n);
    if (have_xlsx)
        bench("xlsx", xlsx, n);
    else
        printf("xlsx   (skipped: /usr/bin/python3 with openpyxl not available)\n");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS: %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    unlink(md);
    unlink(csv);
    unlink(xlsx);
    rmdir(dir);
    return 0;
}
