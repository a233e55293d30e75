#!/usr/bin/env python3
"""Export formats, end to end (issue 13, "Files researchers open").

A study with every question type the export writes (tests/data/export/
formats.md) is collected on a real kiosk.db (sittings played by
sync_scenario_kiosk through the kiosk store API, the bundle written by the
real survey-kiosk when its path is given), merged and exported by the real
survey-sync with --format csv,xlsx,sav,dta.  Every file is read back by
readers we did not write and compared with what was entered:

- CSV with Python's csv module: values, NA (asked and skipped) vs empty (not
  asked), ISO 8601 UTC times with Z, duration_s of the abandoned sitting to
  its last answer, the consent time before the finish;
- .xlsx with openpyxl: sheets, frozen header, numbers as numbers, dates as
  dates, "=SUM(1,2)" a string (no formula anywhere in the sheet XML);
- .sav and .dta with R's haven: safe variable names, variable and value
  labels, user-missing -99/-98 (SPSS) and tagged .a/.b (Stata), dates and
  date-times, Chinese text and emoji;
- the readstat command-line tool for a third look at both.

usage: sync_formats.py SURVEY_SYNC KIOSK_DRIVER FORM [SURVEY_KIOSK]
"""
import datetime
import json
import os
import re
import shutil
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import accept_devices  # noqa: E402
import store  # noqa: E402
from sync_common import SyncTest, read_csv  # noqa: E402

SYNC, DRIVER, FORM = sys.argv[1:4]
KIOSK = sys.argv[4] if len(sys.argv) > 4 else None
HERE = os.path.dirname(os.path.abspath(__file__))
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "sync_formats")
PASSPHRASE = "formats test passphrase"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

T = SyncTest(SYNC, PASSPHRASE)
failures, check, run, sync = T.failures, T.check, T.run, T.sync


# ---- the study -------------------------------------------------------------

TRICKY = 'Nurses, "doctors" and 我们的团队 👩\u200d⚕️'
# Longer than a Stata str (2045 bytes: a strL) and an SPSS short string (255).
LONG = "团队 long answer, " * 200 + "end"   # SPSS pads strings: no trailing space to lose
SITTINGS = [
    {"outcome": "finish", "pause_s": 1.5,
     "consent": {"agree_data": "yes"},
     "answers": {"started": "2026-12-01T14:45:00.123+01:00", "role": "clinical", "years": "12",
                 "hours": "37.5", "qualified": "2009-07-01", "shift": "08:30",
                 "training": "msc pgcert", "confident": "4", "score": "7", "with": TRICKY,
                 "Team": "Alpha", "team": "twelve",
                 "a_question_name_longer_than_thirty_two_bytes": "yes",
                 "comments": "=SUM(1,2)", "email": "ann@example.org", "double_years": "24"}},
    {"outcome": "finish",
     "consent": {"agree_data": "yes"},
     "answers": {"role": "manager", "hours": "", "confident": "1", "score": "0",
                 "with": "-3", "Team": "Beta", "comments": "我们的课程很好 👍, 谢谢",
                 "email": "bob.smith+survey@example.ac.uk"}},
    {"outcome": "finish",
     "consent": {"agree_data": "yes"},
     "answers": {"role": "clinical", "years": "", "training": "", "hours": "0.25",
                 "qualified": "1999-12-31", "Team": "Gamma", "team": LONG,
                 "comments": "@admin +1, 'quoted'"}},
    {"outcome": "abandon", "pause_end_s": 2.5,
     "consent": {"agree_data": "yes"},
     "answers": {"role": "clinical", "years": "3"}},
    {"outcome": "decline", "consent": {"agree_data": "no"}, "answers": {}},
]
# Form order of the response columns (the export's order; identifying email apart).
ORDER = ["started", "role", "years", "hours", "qualified", "shift", "training", "confident",
         "score", "with", "Team", "team", "a_question_name_longer_than_thirty_two_bytes",
         "comments", "double_years"]
FILLED_BY_KIOSK = {"started", "double_years"}
TEXT = {"shift", "with", "Team", "team", "a_question_name_longer_than_thirty_two_bytes",
        "comments", "double_years"}


def relevant(q, a):
    return q != "years" or a.get("role") == "clinical"


def expected(q, s):
    """The CSV cell of question q: the answer; "" not asked; NA asked and skipped."""
    a = s["answers"]
    if a.get(q):
        return a[q]
    if q in FILLED_BY_KIOSK or not relevant(q, a):
        return ""
    if s["outcome"] != "finish":
        last = max(ORDER.index(k) for k in a if k in ORDER)
        if ORDER.index(q) > last:
            return ""
    return "NA"


def build_study():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    keys = os.path.join(TMP, "keys")
    sync("keygen", "--out", keys)
    key = os.path.join(keys, "study.key")
    pack = os.path.join(TMP, "formats.pack")
    sync("pack", FORM, "--key", key, "--out", pack)
    data = os.path.join(TMP, "kiosk")
    spec, out = data + ".spec.json", data + ".out.json"
    with open(spec, "w") as f:
        json.dump({"sittings": SITTINGS}, f)
    if KIOSK:
        run([KIOSK, "--data", data, "--install", pack])
        pack = "-"
    run([DRIVER, "kiosk", data, pack, "Formats-Pi", spec, out])
    bundles = os.path.join(TMP, "bundles")
    os.makedirs(bundles)
    if KIOSK:
        run([KIOSK, "--data", data, "--export", bundles])
    else:
        run([DRIVER, "export", data, bundles])
    central = store.fresh(TMP, "central.db")
    sync("merge", "--store", central, *[os.path.join(bundles, b) for b in os.listdir(bundles)])
    accept_devices(SYNC, central)
    return central, key


# ---- CSV ---------------------------------------------------------------------

def check_csv(base):
    responses = read_csv(base + "_responses.csv")
    consent = read_csv(base + "_consent.csv")
    idents = read_csv(base + "_identifiers.csv")
    with_rows = [s for s in SITTINGS if s["outcome"] != "decline"]
    check(len(responses) == len(with_rows), "one response row per sitting that went on")
    for s, r in zip(with_rows, responses):
        n = SITTINGS.index(s) + 1
        for q in ORDER:
            col = "started_answer" if q == "started" else q
            want = expected(q, s)
            if q == "started" and want:
                want = "2026-12-01T13:45:00Z"   # the kiosk's local time, in UTC with Z
            if q in TEXT and want[:1] in ("=", "+", "-", "@"):
                want = "'" + want   # defused for spreadsheets (the codebook's first note)
            check(r[col] == want, "sitting %d %s: CSV %r, expected %r" % (n, col, r[col], want))
        for t in ("msc", "pgcert"):
            want = expected("training", s)
            if want not in ("", "NA"):
                want = "1" if t in want.split() else "0"
            check(r["training/" + t] == want,
                  "sitting %d training/%s: %r, expected %r" % (n, t, r["training/" + t], want))
        for col in ("started", "finished"):
            check(r[col] == "" or ISO_Z.match(r[col]), "%s is ISO 8601 UTC with Z: %r"
                  % (col, r[col]))
        check("email" not in r, "no e-mail in the responses")
    # duration_s of the abandoned sitting ends at its last answer, not 2.5 s later.
    abandoned = responses[3]
    check(abandoned["kind"] == "incomplete" and abandoned["finished"] == "",
          "the abandoned sitting is incomplete")
    check(abandoned["duration_s"] != "" and int(abandoned["duration_s"]) <= 1,
          "duration_s of the abandoned sitting is to its last answer: %r"
          % abandoned["duration_s"])
    # The consent time is when consent was given: 1.5 s before the first sitting finished.
    first = [c for c in consent if c["sitting_id"] == responses[0]["sitting_id"]]
    check(len(first) == 1 and ISO_Z.match(first[0]["time"]), "the first sitting's consent row")
    if first:
        t_consent = datetime.datetime.strptime(first[0]["time"], "%Y-%m-%dT%H:%M:%SZ")
        t_end = datetime.datetime.strptime(responses[0]["finished"], "%Y-%m-%dT%H:%M:%SZ")
        check((t_end - t_consent).total_seconds() >= 1,
              "consent time %s is when consent was given, before the finish %s"
              % (first[0]["time"], responses[0]["finished"]))
    check(sorted(i["email"] for i in idents) ==
          sorted(s["answers"]["email"] for s in SITTINGS if "email" in s["answers"]),
          "identifiers.csv holds the e-mail addresses")
    return responses


def check_codebook(base):
    rows = read_csv(base + "_codebook.csv")
    cb = {(r["file"], r["variable"]): r for r in rows}
    names = {
        "training/msc": "training_msc", "training/pgcert": "training_pgcert", "with": "with_",
        # team would be team_2, but its 3,600-byte answer is an SPSS very long
        # string whose segment names (TEAM_1, TEAM_2, ...) would clash with it.
        "Team": "Team", "team": "s022_team_2", "started_answer": "started_answer",
        "a_question_name_longer_than_thirty_two_bytes": "a_question_name_longer_than_thir",
    }
    for var, safe in names.items():
        r = cb.get(("responses", var))
        check(r is not None and r["spss_stata_name"] == safe,
              "codebook maps %s to %s: %r" % (var, safe, r and r["spss_stata_name"]))
    check(cb[("responses", "started_answer")]["label"] != "", "started_answer has a label")
    check(cb[("responses", "years")]["measure"] == "scale"
          and cb[("responses", "confident")]["measure"] == "ordinal"
          and cb[("responses", "role")]["measure"] == "nominal", "measurement levels")
    check("-99" in cb[("responses", "years")]["missing"]
          and ".b" in cb[("responses", "years")]["missing"], "missing codes per variable")
    check("last answer" in cb[("responses", "duration_s")]["label"], "duration_s documented")
    notes = [r["label"] for r in rows if r["type"] == "note"]
    check(any("Not asked" in n and "NA" in n for n in notes), "the missing-values note")
    check(all(r["spss_stata_name"] == "" or len(r["spss_stata_name"]) <= 32 for r in rows),
          "every SPSS/Stata name fits 32 bytes")


# ---- xlsx ----------------------------------------------------------------------

def check_xlsx(path, responses_csv):
    import openpyxl
    wb = openpyxl.load_workbook(path)
    check(wb.sheetnames == ["responses", "consent", "text", "identifiers", "codebook"],
          "one sheet per table and the codebook: %r" % wb.sheetnames)
    ws = wb["responses"]
    check(ws.freeze_panes == "A2", "the header row is frozen: %r" % ws.freeze_panes)
    head = [c.value for c in ws[1]]
    check(head == list(responses_csv[0].keys()), "the xlsx header is the CSV header")
    rows = [dict(zip(head, [c for c in row])) for row in ws.iter_rows(min_row=2)]
    check(len(rows) == len(responses_csv), "as many rows as the CSV")
    first = rows[0]
    check(first["years"].data_type == "n" and first["years"].value == 12, "years is a number")
    check(first["hours"].value == 37.5, "hours is 37.5")
    check(isinstance(first["started"].value, datetime.datetime)
          and first["started"].value.strftime("%Y-%m-%dT%H:%M:%SZ") == responses_csv[0]["started"],
          "started is an Excel date-time equal to the CSV's")
    check(isinstance(first["qualified"].value, datetime.datetime)
          and first["qualified"].value.date() == datetime.date(2009, 7, 1)
          and "yy" in first["qualified"].number_format, "qualified is a date with a date format")
    check(first["started_answer"].value.strftime("%Y-%m-%dT%H:%M:%S") == "2026-12-01T13:45:00",
          "the start metadata in UTC")
    check(first["comments"].value == "=SUM(1,2)" and first["comments"].data_type == "s",
          "=SUM(1,2) is a string, not a formula")
    check(first["with"].value == TRICKY, "Chinese, emoji, commas and quotes intact")
    check(rows[1]["comments"].value == SITTINGS[1]["answers"]["comments"], "Chinese with emoji")
    check(rows[1]["with"].value == "-3" and rows[1]["with"].data_type == "s",
          "a text answer -3 stays text")
    check(rows[2]["team"].value == LONG, "a 3,600-byte answer whole")
    check(rows[1]["years"].value is None, "not asked: an empty cell")
    check(rows[1]["hours"].value == "NA", "asked and skipped: NA")
    check(rows[2]["training/msc"].value == "NA", "a skipped select_multiple: NA in 0/1 columns")
    check(first["training/msc"].value == 1 and first["confident"].value == 4,
          "0/1 and coded columns are numbers")
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                check(b"<f>" not in z.read(name), "no formula in %s" % name)
    cb = wb["codebook"]
    check(cb.cell(1, 1).value == "variable" and cb.max_row > 20, "the codebook sheet")
    idents = wb["identifiers"]
    check(sorted(c.value for c in idents["F"][1:]) ==
          sorted(s["answers"]["email"] for s in SITTINGS if "email" in s["answers"]),
          "the identifiers sheet holds the e-mail addresses")


# ---- SPSS and Stata, through R's haven --------------------------------------------

def haven(path, kind):
    out = path + ".haven"
    run(["Rscript", os.path.join(HERE, "read_stat.R"), path, kind, out])
    meta = {r["var"]: r for r in read_csv(out + ".meta.csv")}
    cells = {}
    for r in read_csv(out + ".cells.csv"):
        cells.setdefault(r["var"], []).append(r)
    return meta, cells


def check_stat(base, kind):
    meta, cells = haven(base + "_responses." + kind, kind)
    sav = kind == "sav"
    for var in ("training_msc", "with_", "Team", "s022_team_2", "started_answer",
                "a_question_name_longer_than_thir"):
        check(var in meta, "%s: variable %s" % (kind, var))
    check(meta["years"]["label"] == "Years in post", "%s: variable label" % kind)
    check("1=Clinical" in meta["role"]["labels"] and "2=Manager" in meta["role"]["labels"],
          "%s: role's value labels: %r" % (kind, meta["role"]["labels"]))
    check("5=Strongly agree" in meta["confident"]["labels"], "%s: a coded scale keeps 1..5" % kind)
    if sav:
        check(meta["years"]["na_values"] == "-99;-98", "sav: user-missing -99, -98: %r"
              % meta["years"]["na_values"])
        check("-99=asked and skipped" in meta["years"]["labels"], "sav: the codes are labelled")
    else:
        check(".a=asked and skipped" in meta["role"]["labels"], "dta: .a is labelled")

    def col(v):
        return cells[v]

    for i, s in enumerate(s for s in SITTINGS if s["outcome"] != "decline"):
        for q in ("years", "hours", "with", "comments", "Team", "team"):
            var = {"with": "with_", "team": "s022_team_2"}.get(q, q)
            c = col(var)[i]
            want = expected(q, s)
            numeric = q in ("years", "hours")
            if want == "":
                if numeric:
                    ok = c["is_na"] == "TRUE" and (c["value"] == "-98" if sav else c["tag"] == "b")
                else:
                    ok = c["value"] == ("-98" if sav else "")
            elif want == "NA":
                if numeric:
                    ok = c["is_na"] == "TRUE" and (c["value"] == "-99" if sav else c["tag"] == "a")
                else:
                    ok = c["value"] == ("-99" if sav else "")
            else:
                ok = c["value"] == want and c["is_na"] == "FALSE"
            check(ok, "%s sitting %d %s: %r, expected %r" % (kind, i + 1, var, c, want))
    check(col("role")[1]["value"] == "2", "%s: manager is coded 2" % kind)
    check(col("training_msc")[0]["value"] == "1" and col("training_pgcert")[0]["value"] == "1",
          "%s: 0/1 columns" % kind)
    check(col("started")[0]["value"] != "" and ISO_Z.match(col("started")[0]["value"]),
          "%s: started is a date-time: %r (%s)" % (kind, col("started")[0]["value"],
                                                   meta["started"]["class"]))
    check("POSIXct" in meta["started"]["class"], "%s: started read as POSIXct" % kind)
    check(col("started_answer")[0]["value"] == "2026-12-01T13:45:00Z",
          "%s: the start metadata in UTC: %r" % (kind, col("started_answer")[0]["value"]))
    check("Date" in meta["qualified"]["class"] and col("qualified")[0]["value"] == "2009-07-01"
          and col("qualified")[2]["value"] == "1999-12-31", "%s: qualified is a date" % kind)
    check(col("shift")[0]["value"] == "08:30", "%s: a time as text" % kind)
    check(col("comments")[0]["value"] == "=SUM(1,2)", "%s: =SUM(1,2) as entered" % kind)
    # The text table: long-format free text, Chinese and emoji intact.
    tmeta, tcells = haven(base + "_text." + kind, kind)
    answers = {c["value"] for c in tcells["answer"]}
    check(SITTINGS[1]["answers"]["comments"] in answers and TRICKY in answers,
          "%s: the text table holds the Chinese and emoji answers" % kind)


def check_readstat_cli(base):
    """A third look: the readstat tool's own summary and CSV conversion."""
    if not shutil.which("readstat"):
        check(False, "the readstat command-line tool is installed (scripts/deps.sh)")
        return
    for kind in ("sav", "dta"):
        path = base + "_responses." + kind
        p = run(["readstat", path])
        check(re.search(r"Rows:\s*4", p.stdout) is not None, "readstat %s: 4 rows: %s"
              % (kind, p.stdout))
        out = os.path.join(TMP, "readstat_%s.csv" % kind)
        run(["readstat", path, out])
        rows = read_csv(out)
        check(len(rows) == 4 and rows[0]["comments"] == "=SUM(1,2)" and rows[0]["with_"] == TRICKY
              and rows[0]["Team"] == "Alpha", "readstat %s: values as entered" % kind)


def main():
    central, key = build_study()
    out = os.path.join(TMP, "export")
    # An unknown format is refused, naming the accepted ones, and nothing is written.
    p = sync("export", "--store", central, "--key", key, "--out", out, "--format", "csv,xls",
             expect=2)
    check("'xls'" in p.stderr and "csv, xlsx, sav and dta" in p.stderr,
          "an unknown format is named with the accepted ones: %r" % p.stderr)
    check(not os.path.exists(out) or os.listdir(out) == [], "nothing written for a bad --format")
    p = sync("export", "--store", central, "--key", key, "--out", out,
             "--format", "csv,xlsx,sav,dta")
    base = os.path.join(out, "formats-v1")
    written = sorted(os.listdir(out))
    for suffix in ("_responses.csv", "_codebook.csv", ".xlsx", "_responses.sav", "_consent.sav",
                   "_text.sav", "_identifiers.sav", "_responses.dta", "_identifiers.dta"):
        check(os.path.basename(base) + suffix in written, "%s written: %r" % (suffix, written))
    check(not [f for f in written if "tmp" in f or f.startswith(".")], "no temporary file left")
    responses = check_csv(base)
    check_codebook(base)
    check_xlsx(base + ".xlsx", responses)
    for kind in ("sav", "dta"):
        check_stat(base, kind)
    check_readstat_cli(base)
    # csv stays the default; --format sav alone writes no data CSV.
    only = os.path.join(TMP, "only_sav")
    sync("export", "--store", central, "--key", key, "--out", only, "--format", "sav")
    files = sorted(os.listdir(only))
    check("formats-v1_responses.sav" in files and "formats-v1_responses.csv" not in files
          and "formats-v1_codebook.csv" in files, "--format sav: .sav and the codebook: %r" % files)
    if failures:
        sys.exit("%d checks failed" % len(failures))
    print("sync_formats: all checks passed")


if __name__ == "__main__":
    main()
