#!/usr/bin/env python3
"""What survey-sync export, report and inspect must never do to a researcher,
through the real binary:

- run a participant's "=HYPERLINK(...)" as a formula when a CSV is opened in a
  spreadsheet (text cells get a leading '; numbers stay numbers; --raw and
  --excel as documented);
- write files more readable than the umask allows;
- stop at one unreadable record (it is skipped, warned about, listed in
  unreadable.csv and in the report, and the exit status stays 0);
- let a pack's title drive the terminal (inspect prints it escaped).

The store comes from `test_export_store make-store DIR` (records sealed and
bundled through the C API, one of them "not json"); on PostgreSQL
(SK_TEST_STORE, tests/e2e/store.py) survey-sync merges that store into one.

usage: sync_export_safety.py SURVEY_SYNC TEST_EXPORT_STORE
"""
import csv
import os
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import store as stores  # noqa: E402

SYNC, MAKE_STORE = sys.argv[1:3]
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "sync_export_safety")
PASSPHRASE = "correct horse battery staple"
HYPERLINK = '=HYPERLINK("http://evil.example","click")'

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(args, expect=0, umask=None, binary=False):
    env = dict(os.environ, SURVEY_PASSPHRASE=PASSPHRASE, SK_PWHASH_FAST="1")
    p = subprocess.run(args, capture_output=True, text=not binary, env=env,
                       stdin=subprocess.DEVNULL, timeout=120,
                       preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)
    if expect is not None and p.returncode != expect:
        sys.exit("FAIL: %s exited %d (expected %d)\nstdout:\n%s\nstderr:\n%s"
                 % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p


def read_csv(path, encoding="utf-8"):
    with open(path, newline="", encoding=encoding) as f:
        return list(csv.DictReader(f))


def export(store, key, out, *extra, umask=None):
    return run([SYNC, "export", "--store", store, "--key", key, "--out", out] + list(extra),
               umask=umask)


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    data = os.path.join(TMP, "store")
    os.makedirs(data)
    ids = run([MAKE_STORE, "make-store", data]).stdout.split()
    device, good1, bad, good3 = ids
    key = os.path.join(data, "study.key")
    # On PostgreSQL: the same records, merged from the central.db the helper wrote.
    store = stores.adopt(SYNC, os.path.join(data, "central.db"), TMP, "central.db")

    # ---- one unreadable record: skipped, warned about, listed -------------
    out = os.path.join(TMP, "export")
    p = export(store, key, out)
    warnings = [l for l in p.stderr.splitlines() if l.startswith("survey-sync: warning: ")]
    check(len(warnings) == 1, "one warning for the one unreadable record: %r" % p.stderr)
    check(all(s in p.stderr for s in (device, "seq 2", bad, "JSON")),
          "the warning names device, seq, record id and why: %r" % p.stderr)
    check("1 record could not be read (see unreadable.csv)" in p.stderr,
          "the summary line counts it: %r" % p.stderr)
    unreadable = read_csv(os.path.join(out, "unreadable.csv"))
    check(len(unreadable) == 1, "unreadable.csv lists one record")
    if unreadable:
        u = unreadable[0]
        check(list(u) == ["device", "seq", "record_id", "kind", "reason"],
              "unreadable.csv columns: %r" % list(u))
        check((u["device"], u["seq"], u["record_id"], u["kind"]) == (device, "2", bad, "response"),
              "unreadable.csv row: %r" % u)
        check("JSON" in u["reason"], "unreadable.csv says why: %r" % u["reason"])
    rows = read_csv(os.path.join(out, "unread-v1_responses.csv"))
    check([r["record_id"] for r in rows] == [good1, good3],
          "the records before and after it are exported: %r" % [r["record_id"] for r in rows])

    # ---- formulas defused, numbers untouched -------------------------------
    if rows:
        check(rows[0]["comments"] == "'" + HYPERLINK, "text defused: %r" % rows[0]["comments"])
        check(rows[0]["years"] == "-3", "an integer stays -3: %r" % rows[0]["years"])
        check(rows[0]["feel"] == "-1", "a numeric choice stays -1: %r" % rows[0]["feel"])
        check(rows[1]["comments"] == "fine, thanks", "ordinary text untouched")
    raw_bytes = open(os.path.join(out, "unread-v1_responses.csv"), "rb").read()
    check(b',"=HYPERLINK' not in raw_bytes and b",=HYPERLINK" not in raw_bytes,
          "no cell starts with = in the default export")
    codebook = read_csv(os.path.join(out, "unread-v1_codebook.csv"))
    notes = [r for r in codebook if r["type"] == "note"]
    check(len(notes) == 2 and "leading '" in notes[0]["label"] and "--raw" in notes[0]["label"],
          "the codebook explains the ' and --raw")
    check("Not asked" in notes[1]["label"] and "NA" in notes[1]["label"],
          "the codebook's second note explains missing answers")
    by_var = {r["variable"]: r for r in codebook}
    check(by_var.get("changed", {}).get("label") == "'=Changed roles?",
          "codebook labels are defused too")

    out_xl = os.path.join(TMP, "export-excel")
    export(store, key, out_xl, "--excel", "--labels")
    path = os.path.join(out_xl, "unread-v1_responses.csv")
    check(open(path, "rb").read(3) == b"\xef\xbb\xbf", "--excel writes a BOM")
    xl = read_csv(path, "utf-8-sig")
    check(xl and xl[0]["comments"] == "'" + HYPERLINK, "--excel: text defused")
    check(xl and xl[0]["years"] == "-3", "--excel: numbers untouched")
    check(xl and xl[0]["changed"] == "'=Yes", "--labels: a label is text, defused")
    check(xl and xl[0]["feel"] == "Worse", "--labels: the label of -1")

    out_raw = os.path.join(TMP, "export-raw")
    export(store, key, out_raw, "--raw")
    raw = read_csv(os.path.join(out_raw, "unread-v1_responses.csv"))
    check(raw and raw[0]["comments"] == HYPERLINK, "--raw: exactly as recorded")
    raw_cb = read_csv(os.path.join(out_raw, "unread-v1_codebook.csv"))
    note = [r for r in raw_cb if r["type"] == "note"]
    check(note and "--raw" in note[0]["label"] and "formula" in note[0]["label"],
          "the --raw codebook says the cells are not defused")
    check({r["variable"]: r for r in raw_cb}["changed"]["label"] == "=Changed roles?",
          "--raw codebook labels as written")

    # ---- the report: made, counts the good ones, shows the bad one ---------
    p = run([SYNC, "report", "--store", store, "--key", key, "--text"])
    check("Records that could not be read" in p.stdout and bad in p.stdout and device in p.stdout,
          "the text report has the section")
    check("Sittings: 2 (finished 2" in p.stdout, "the two good responses are counted")
    check("survey-sync: warning: " in p.stderr and bad in p.stderr, "report warns on stderr")
    check("1 record could not be read" in p.stderr, "report's summary line")
    html_path = os.path.join(TMP, "report.html")
    p = run([SYNC, "report", "--store", store, "--key", key, "--out", html_path])
    html = open(html_path, encoding="utf-8").read()
    check('<section class="unreadable">' in html and bad in html and device in html,
          "the HTML report has the section")
    check("report written to" in p.stderr and "1 record could not be read" in p.stderr,
          "report's summary line (--out)")

    # ---- the umask decides the modes ---------------------------------------
    for mask in (0o022, 0o027, 0o077):
        want = 0o666 & ~mask
        out_m = os.path.join(TMP, "export-umask-%03o" % mask)
        export(store, key, out_m, umask=mask)
        names = sorted(os.listdir(out_m))
        check(len(names) == 5 and not any(".tmp-" in n for n in names),
              "umask %03o: five files, no temporary left: %r" % (mask, names))
        for name in names:
            mode = stat.S_IMODE(os.stat(os.path.join(out_m, name)).st_mode)
            check(mode == want, "umask %03o: %s is %03o, want %03o" % (mask, name, mode, want))
        html_m = os.path.join(TMP, "report-umask-%03o.html" % mask)
        run([SYNC, "report", "--store", store, "--key", key, "--out", html_m], umask=mask)
        mode = stat.S_IMODE(os.stat(html_m).st_mode)
        check(mode == want, "umask %03o: the report is %03o, want %03o" % (mask, mode, want))

    # ---- inspect never lets a pack's text drive the terminal ---------------
    title = "Survey\x1b[2J\x1b]0;pwned\x07 \u009b31m \u6570\u5b57 \U0001F389"
    form_name = "form\x1b[31m.md"
    form = os.path.join(TMP, form_name)
    with open(form, "w", encoding="utf-8") as f:
        f.write("| survey |      |      |       |\n"
                "|        | type | name | label |\n"
                "|        | text | q    | Q     |\n\n"
                "| settings |            |         |         |\n"
                "|          | form_title | form_id | version |\n"
                "|          | %s | esc_test | 1 |\n" % title)
    pack = os.path.join(TMP, "esc.pack")
    run([SYNC, "pack", form, "--key", key, "--out", pack])
    p = run([SYNC, "inspect", pack], binary=True)
    shown = p.stdout.decode("utf-8")
    check(b"\x1b" not in p.stdout and b"\x07" not in p.stdout and b"\xc2\x9b" not in p.stdout,
          "inspect prints no control character: %r" % p.stdout)
    check("title:       Survey\\x1b[2J\\x1b]0;pwned\\x07 \\u{9b}31m \u6570\u5b57 \U0001F389\n"
          in shown, "the title is shown escaped, its Chinese and emoji intact: %r" % shown)
    check("file:        form\\x1b[31m.md (" in shown, "the file name is shown escaped: %r" % shown)
    check("form id:     esc_test   version: 1" in shown, "plain text untouched")

    if failures:
        print("%d checks failed" % len(failures), file=sys.stderr)
        return 1
    print("export/report/inspect safety: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
