/* main.c - survey-sync, the researcher's tool: dispatch to cmd_<name>(). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../lib/base/platform.h"
#include "cmd.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"keygen", cmd_keygen, "make a study key: keygen --out DIR"},
    {"check", cmd_check, "check a questionnaire: check FORM"},
    {"pack", cmd_pack, "sign a survey pack: pack FORM --key study.key --out F.pack"},
    {"inspect", cmd_inspect, "show what a pack or bundle holds: inspect FILE [--key study.key]"},
    {"merge", cmd_merge, "merge bundles or stores: merge --store central.db FILE..."},
    {"status", cmd_status, "records, ranges and gaps per device: status --store central.db [--json]"},
    {"devices", cmd_devices, "trust kiosks: devices list|accept|add|reject|retire --store central.db"},
    {"withdraw", cmd_withdraw, "remove a participant's records: withdraw --store central.db --key study.key CODE"},
    {"export", cmd_export, "CSV, xlsx, SPSS, Stata files and codebook: export --store central.db --key study.key --out DIR [--format csv,xlsx,sav,dta]"},
    {"serve", cmd_serve, "kiosks deliver over the network: serve --store central.db --listen HOST:PORT --server-dir DIR"},
    {"report", cmd_report, "frequency report: report --store central.db --key study.key --out report.html"},
};

static void vreport(const char *fmt, va_list ap)
{
    fputs("survey-sync: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int sync_failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    return 1;
}

int sync_fail(const sk_error *err)
{
    char buf[1200];
    sk_error_format(err, buf, sizeof buf);
    return sync_failf("%s", buf);
}

int sync_usage(const char *usage)
{
    fprintf(stderr, "survey-sync: usage: survey-sync %s\n", usage);
    return 2;
}

static int help(FILE *out)
{
    fprintf(out, "usage: survey-sync COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nThe passphrase comes from --passphrase-file F, $SURVEY_PASSPHRASE, or a prompt.\n");
    return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (sk_plat_utf8_main(&argc, &argv) != 0) { /* Windows: UTF-8 arguments */
        fputs("survey-sync: error: cannot read the command line\n", stderr);
        return 1;
    }
    if (argc < 2)
        return help(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
        return help(stdout);
    if (strcmp(argv[1], "--version") == 0) {
        printf("survey-sync 0.1.0\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "survey-sync: error: unknown command '%s'; run 'survey-sync --help' for the list\n",
            argv[1]);
    return 2;
}
