#!/usr/bin/env python3
"""The end-to-end sync scenario of issue 5, through the real survey-sync binary.

Three kiosks (separate kiosk.db folders, played by sync_scenario_kiosk through
the kiosk store API) collect finished, incomplete, declined and later
withdrawn sittings.  Their bundles are merged in shuffled order, repeated and
overlapping, partly into a second store that is then merged into the first;
tampered and truncated bundles, a conflicting record and a device key mismatch
are refused or set aside.  Then every value of the exported CSVs must equal
what this script entered, withdrawn sittings must be gone everywhere, and the
report's "N% (a/b)" figures must equal counts computed here independently.

Packs are installed and bundles written by the real `survey-kiosk --install`
and `--export` when its path is given; the sittings themselves go through the
kiosk store API (the driver), since the GUI needs a person.

usage: sync_scenario.py SURVEY_SYNC KIOSK_DRIVER SCENARIO_FORM [SURVEY_KIOSK]
"""
import csv
import json
import os
import random
import re
import shutil
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import accept_devices  # noqa: E402
import store  # noqa: E402
from sync_common import SyncTest, read_csv  # noqa: E402

SYNC, DRIVER, FORM = sys.argv[1:4]
KIOSK = sys.argv[4] if len(sys.argv) > 4 else None
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "sync_scenario")
PASSPHRASE = "correct horse battery staple"
rng = random.Random(20261122)

ROLES = ["clinical", "management", "data", "other"]
ROLE_LABELS = {"clinical": "Clinical", "management": "Programme delivery or management",
               "data": "Informatics or data science", "other": "Other"}
ROLE_LABELS_CY = {"clinical": "Clinigol", "management": "Rheoli", "data": "Gwybodeg",
                  "other": "Arall"}
TRAINING = ["msc", "short", "mentoring"]
TRAINING_CY = {"msc": "MSc", "short": "Cwrs byr", "mentoring": "Cynllun mentora"}
CHOICES = {
    "role": ROLES,
    "changed": ["yes", "no"],
    "impact": ["strong", "some", "none"],
    "courage": ["1", "2", "3", "4", "5"],
    "mentoring": ["1", "2", "3", "4", "5"],
}
LABELS = {
    "role": ROLE_LABELS,
    "changed": {"yes": "Yes", "no": "No"},
    "impact": {"strong": "A strong influence", "some": "Some influence", "none": "No influence"},
    "courage": {"1": "Strongly disagree", "2": "Disagree", "3": "Neither", "4": "Agree",
                "5": "Strongly agree"},
}
LABELS["mentoring"] = LABELS["courage"]
QUESTION_LABEL = {"role": "Your role", "changed": "Have you changed roles since the course?",
                  "impact": "How much did the course influence this?",
                  "courage": "I lead change with more courage",
                  "mentoring": "I mentor others more", "years": "Years in post",
                  "role_other": "Which role?", "comments": "Anything else?",
                  "training": "Training considered", "hours": "Hours of digital work per week"}
RESPONSE_COLUMNS = ["started", "role", "role_other", "changed", "impact", "training", "years",
                    "courage", "mentoring", "hours", "comments", "senior"]
# Free text that must survive CSV quoting and HTML escaping byte for byte.
AWKWARD = ["Nurse, \"digital\" lead", "Line one\nline two", "Rôl ddigidol ✓ — 100%",
           "<script>alert(1)</script> & co", "  spaced  ", "semi;colon, comma"]

T = SyncTest(SYNC, PASSPHRASE)
failures, check, run, sync = T.failures, T.check, T.run, T.sync


# ---- the sittings ---------------------------------------------------------

serial = 0


def make_sitting(outcome):
    global serial
    serial += 1
    welsh = rng.random() < 0.25
    consent = {"agree_data": "no" if outcome == "decline" else "yes",
               "agree_contact": rng.choice(["yes", "no"]),
               "signer": "Participant %d, \"Jo\" O'Neil" % serial}
    if rng.random() < 0.7:
        consent["sig"] = "10,10 20,20 30,25;40,40 50,50"
    answers = {"role": rng.choice(ROLES), "changed": rng.choice(["yes", "no"])}
    if answers["role"] == "other":
        answers["role_other"] = rng.choice(AWKWARD)
    if outcome == "finish":
        if answers["changed"] == "yes" and rng.random() < 0.85:
            answers["impact"] = rng.choice(CHOICES["impact"])
        picked = [t for t in TRAINING if rng.random() < 0.5]
        if rng.random() < 0.9:
            answers["training"] = " ".join(picked)
        if rng.random() < 0.9:
            answers["years"] = str(rng.randint(0, 30))
        for q in ("courage", "mentoring"):
            if rng.random() < 0.9:
                answers[q] = rng.choice(CHOICES[q])
        if rng.random() < 0.6:
            answers["hours"] = rng.choice(["2.5", "10", "37.5", "0.25"])
        # A marker per sitting: withdrawn ones must vanish from every output.
        answers["comments"] = "marker-%03d %s" % (serial, rng.choice(AWKWARD))
    spec = {"outcome": outcome, "consent": consent, "answers": answers, "serial": serial}
    if welsh:
        spec["language"] = "Cymraeg (cy)"
    return spec


def kiosk_run(data_dir, pack, label, sittings):
    spec_path = data_dir + ".spec.json"
    out_path = data_dir + ".out.json"
    with open(spec_path, "w") as f:
        json.dump({"sittings": sittings}, f)
    if KIOSK and pack != "-":
        run([KIOSK, "--data", data_dir, "--install", pack])
        pack = "-"
    run([DRIVER, "kiosk", data_dir, pack, label, spec_path, out_path])
    with open(out_path) as f:
        out = json.load(f)
    check(len(out["codes"]) == len(sittings), "one code slot per sitting")
    for s, code in zip(sittings, out["codes"]):
        s["code"] = code
        s["device"] = out["device_id"]
        if s["outcome"] == "finish":
            check(code is not None, "a finished sitting gets a withdrawal code")
    return out["device_id"]


def kiosk_export(data_dir, outdir, all_records=False):
    if all_records:
        # A second folder: the same range exported again may get the same name.
        outdir = os.path.join(outdir, "again")
        os.makedirs(outdir, exist_ok=True)
    if KIOSK:
        before = set(os.listdir(outdir))
        run([KIOSK, "--data", data_dir, "--export", outdir] + (["--all"] if all_records else []))
        new = sorted(set(os.listdir(outdir)) - before)
        check(len(new) == 1, "survey-kiosk --export wrote one bundle: %r" % new)
        return os.path.join(outdir, new[0]) if new else ""
    args = [DRIVER, "export", data_dir, outdir] + (["all"] if all_records else [])
    path = run(args).stdout.strip()
    check(path != "", "kiosk export of %s wrote a bundle" % data_dir)
    return path


# ---- independent counting ---------------------------------------------------

def pct(a, b):
    if b == 0:
        return "n/a (0/0)"
    return "%d%% (%d/%d)" % ((200 * a + b) // (2 * b), a, b)


def relevant(q, ans):
    if q == "role_other":
        return ans.get("role") == "other"
    if q == "impact":
        return ans.get("changed") == "yes"
    return True


def expected_cell(q, a, finished):
    """What the CSV holds for question q of a sitting (the codebook's rule):
    the answer; empty when not asked (skip logic hid it, or an incomplete
    sitting ended before it: after the last question with an entry); NA when
    asked and left unanswered."""
    if a.get(q):
        return a[q]
    if not relevant(q, a):
        return ""
    if not finished:
        last = max((RESPONSE_COLUMNS.index(k) for k in a if k in RESPONSE_COLUMNS), default=-1)
        if RESPONSE_COLUMNS.index(q) > last:
            return ""
    return "NA"


def fmt_num(x):
    s = "%.2f" % x
    s = s.rstrip("0").rstrip(".") if "." in s else s
    return "0" if s == "-0" else s


def expected_table(q, responses):
    """Rows of the question's text-mode table: {row head: cell}."""
    asked = sum(1 for a in responses if relevant(q, a) or a.get(q))
    answered = [a for a in responses if a.get(q)]
    rows = {"Answered (of asked)": pct(len(answered), asked)}
    if q == "years":
        xs = sorted(float(a[q]) for a in answered)
        rows.update({"n": str(len(xs)), "mean": fmt_num(statistics.mean(xs)),
                     "SD": fmt_num(statistics.stdev(xs)) if len(xs) > 1 else "0",
                     "median": fmt_num(statistics.median(xs)), "min": fmt_num(xs[0]),
                     "max": fmt_num(xs[-1])})
    elif q == "training":
        for t in TRAINING:
            rows[{"msc": "MSc", "short": "Short course", "mentoring": "Mentoring scheme"}[t]] = \
                pct(sum(1 for a in answered if t in a[q].split()), len(answered))
    else:
        for c in CHOICES[q]:
            rows[LABELS[q][c]] = pct(sum(1 for a in answered if a[q] == c), len(answered))
    return asked, len(answered), rows


def parse_text_report(text):
    """{question name: (summary line, [row cells...])} from `report --text`."""
    sections = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(.*) \[([a-z_]+)\]$", lines[i])
        if m and i + 1 < len(lines) and lines[i + 1].startswith("  "):
            name, summary, rows = m.group(2), lines[i + 1].strip(), []
            i += 2
            while i < len(lines) and lines[i].startswith("  "):
                rows.append(lines[i])
                i += 1
            sections[name] = (summary, rows)
            continue
        i += 1
    return sections


def table_cells(rows):
    """Header cells and {row head: [cells]} of an aligned text table."""
    head = re.split(r"\s{2,}", rows[0].strip())
    body = {}
    for line in rows[1:]:
        parts = re.split(r"\s{2,}", line.strip())
        body[parts[0]] = parts[1:]
    return head, body


# ---- the scenario ---------------------------------------------------------------

# ---- the same rows in xlsx, SPSS and Stata (readers we did not write) ------

def csv_text(v):
    """A CSV cell without the ' that defuses formula-like text."""
    return v[1:] if v[:1] == "'" and v[1:2] in ("=", "+", "-", "@", "\t", "\r") else v


def check_binary_formats(central, key, rows):
    """Export the seed study as xlsx, sav and dta and compare every cell with
    the CSV rows, which main() has already compared with what was entered."""
    import datetime
    import openpyxl
    out = os.path.join(TMP, "export-formats")
    sync("export", "--store", central, "--key", key, "--out", out,
         "--format", "csv,xlsx,sav,dta")
    base = os.path.join(out, "dhlp_followup-v2026.1")
    check(read_csv(base + "_responses.csv") == rows, "--format csv,... writes the same CSV")
    codebook = {r["variable"]: r for r in read_csv(base + "_codebook.csv")
                if r["file"] == "responses"}
    columns = list(rows[0].keys())
    numeric = {"seq", "duration_s", "years", "hours", "courage", "mentoring"} | \
        {c for c in columns if c.startswith("training/")}
    coded = {"role", "changed", "impact", "courage", "mentoring"}

    # xlsx: openpyxl
    wb = openpyxl.load_workbook(base + ".xlsx")
    ws = wb["responses"]
    head = [c.value for c in ws[1]]
    check(head == columns, "xlsx: the CSV's header")
    xrows = list(ws.iter_rows(min_row=2, values_only=True))
    check(len(xrows) == len(rows), "xlsx: %d rows, CSV %d" % (len(xrows), len(rows)))
    bad = 0
    for r, x in zip(rows, xrows):
        for col, cell in zip(columns, x):
            v = r[col]
            if v == "":
                ok = cell is None
            elif isinstance(cell, datetime.datetime):
                ok = cell.strftime("%Y-%m-%dT%H:%M:%SZ") == v
            elif isinstance(cell, (int, float)):
                ok = v != "NA" and float(v) == float(cell)
            else:
                ok = cell == csv_text(v)
            if not ok and bad < 10:
                check(False, "xlsx %s: %r, CSV %r" % (col, cell, v))
            bad += not ok
    check(bad == 0, "xlsx: every cell as in the CSV (%d differ)" % bad)

    # sav and dta: R's haven
    here = os.path.dirname(os.path.abspath(__file__))
    for kind in ("sav", "dta"):
        hv = os.path.join(out, "responses." + kind)
        run(["Rscript", os.path.join(here, "read_stat.R"), base + "_responses." + kind, kind, hv])
        cells = {}
        for c in read_csv(hv + ".cells.csv"):
            cells.setdefault(c["var"], []).append(c)
        bad = 0
        for col in columns:
            cb = codebook.get(col, {})
            var = cb.get("spss_stata_name", "")
            answer = cb.get("missing", "") != ""
            got = cells.get(var)
            if got is None:
                check(False, "%s: no variable %r for %s" % (kind, var, col))
                continue
            names = [c.split("=", 1)[0] for c in cb.get("choices", "").split("; ") if c]
            for r, c in zip(rows, got):
                v = r[col]
                if answer and v in ("", "NA"):
                    code = {"": ("-98", "b"), "NA": ("-99", "a")}[v]
                    if col in numeric or col in coded:
                        ok = c["is_na"] == "TRUE" and (c["value"] == code[0] if kind == "sav"
                                                       else c["tag"] == code[1])
                    else:
                        ok = c["value"] == (code[0] if kind == "sav" else "")
                elif v == "":
                    ok = c["value"] == ""
                elif col in coded:
                    want = v if all(n.lstrip("-").isdigit() for n in names) else \
                        str(names.index(v) + 1) if v in names else None
                    ok = want is not None and float(c["value"]) == float(want)
                elif col in numeric:
                    ok = float(c["value"]) == float(v)
                else:
                    ok = c["value"] == csv_text(v).rstrip(" ")
                if not ok and bad < 10:
                    check(False, "%s %s (%s): %r, CSV %r" % (kind, col, var, c, v))
                bad += not ok
        check(bad == 0, "%s: every cell as in the CSV (%d differ)" % (kind, bad))


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    keys, bundles = os.path.join(TMP, "keys"), os.path.join(TMP, "bundles")
    os.makedirs(bundles)
    sync("keygen", "--out", keys)
    key = os.path.join(keys, "study.key")
    pack = os.path.join(TMP, "scenario.pack")
    sync("pack", FORM, "--key", key, "--out", pack)

    # Kiosk 1: two batches exported separately, then everything again (overlap).
    k1 = os.path.join(TMP, "kiosk1")
    batch1 = [make_sitting(o) for o in ["finish", "finish", "decline", "finish", "abandon"]]
    kiosk_run(k1, pack, "Durham-Pi-1", batch1)
    b1a = kiosk_export(k1, bundles)
    batch2 = [make_sitting(o) for o in ["finish", "finish", "abandon", "finish"]]
    kiosk_run(k1, "-", "Durham-Pi-1", batch2)
    b1b = kiosk_export(k1, bundles)
    b1all = kiosk_export(k1, bundles, all_records=True)
    # Kiosk 2 and 3.
    k2 = os.path.join(TMP, "kiosk2")
    s2 = [make_sitting(o) for o in ["finish", "decline", "finish", "finish", "finish", "abandon"]]
    kiosk_run(k2, pack, "Leeds-Pi-2", s2)
    b2a = kiosk_export(k2, bundles)
    b2all = kiosk_export(k2, bundles, all_records=True)
    k3 = os.path.join(TMP, "kiosk3")
    s3 = [make_sitting(o) for o in ["finish", "finish", "finish", "decline", "finish", "finish"]]
    kiosk_run(k3, pack, "Ward-7-laptop", s3)
    b3a = kiosk_export(k3, bundles)
    sittings = batch1 + batch2 + s2 + s3
    forged_out = os.path.join(TMP, "forged.json")
    run([DRIVER, "forge", pack, bundles, forged_out])
    with open(forged_out) as f:
        forged = json.load(f)

    # Damaged copies.
    tampered = os.path.join(TMP, "tampered.skb")
    data = bytearray(open(b1b, "rb").read())
    data[len(data) // 2] ^= 0x40
    open(tampered, "wb").write(bytes(data))
    truncated = os.path.join(TMP, "truncated.skb")
    data = open(b2a, "rb").read()
    open(truncated, "wb").write(data[: len(data) * 2 // 3])

    central, other = store.fresh(TMP, "central.db"), store.fresh(TMP, "other.db")
    # Store A: shuffled, with a repeat; store B: the rest, then B into A.
    first = [b1a, b2a, b1b, b1a, forged["bundles"]["first"]]
    rng.shuffle(first)
    sync("merge", "--store", central, *first)
    second = [b3a, b2all, b3a]
    rng.shuffle(second)
    sync("merge", "--store", other, *second)
    sync("merge", "--store", central, other)
    # Every kiosk is new to each store: its records are held until accepted.
    j = json.loads(sync("status", "--store", central, "--json", expect=None).stdout)
    check(j["rows"] == [] and all(d["state"] == "new" and d["quarantined"] > 0
                                  for d in j["devices"]),
          "before accepting, every device is new and its records held: %r" % j["devices"])
    check(len(accept_devices(SYNC, central)) == len(j["devices"]),
          "the researcher accepts every device after comparing fingerprints")

    # Refused inputs: the store is unchanged by them, the good one still merges.
    p = sync("merge", "--store", central, tampered, b3a, expect=1)
    check("tampered.skb" in p.stderr, "the tampered bundle is named in the error")
    p = sync("merge", "--store", central, truncated, expect=1)
    check("truncated.skb" in p.stderr, "the truncated bundle is named in the error")
    p = sync("merge", "--store", central, forged["bundles"]["mismatch"], expect=1)
    check("forged-mismatch.skb" in p.stderr, "the device key mismatch is named")
    p = sync("merge", "--store", central, forged["bundles"]["conflict"], expect=None)
    check("conflict" in (p.stdout + p.stderr).lower(), "the conflicting record is reported")

    # Withdraw two finished sittings, the code typed in lowercase without dashes.
    finished = [s for s in sittings if s["outcome"] == "finish"]
    withdrawn = [finished[1], finished[6]]
    for s in withdrawn:
        typed = s["code"].replace("-", "").lower()
        sync("withdraw", "--store", central, "--key", key, typed)
    sync("withdraw", "--store", central, "--key", key, "AAAA-BBBB-CCCC-DDDD", expect=1)
    # An old bundle with the withdrawn records must not bring them back.
    sync("merge", "--store", central, b1all, b2a)
    for s in withdrawn:
        s["withdrawn"] = True
    p = sync("status", "--store", central, expect=None)
    check(p.returncode in (0, 1) and "Durham-Pi-1" in p.stdout, "status names the kiosks")

    # ---- export -------------------------------------------------------------
    out = os.path.join(TMP, "export")
    p = sync("export", "--store", central, "--key", key, "--out", out, passphrase="wrong one",
             expect=1)
    check("passphrase" in p.stderr, "a wrong passphrase is named as such")
    check(not os.path.exists(out) or not os.listdir(out), "a wrong passphrase writes nothing")
    p = sync("export", "--store", central, "--key", key, "--out", out)
    base = os.path.join(out, "dhlp_followup-v2026.1")
    for suffix in ("_responses.csv", "_consent.csv", "_text.csv", "_codebook.csv"):
        check(base + suffix in p.stdout, "export lists " + suffix)
        check(os.path.exists(base + suffix), "export wrote " + suffix)

    raw = open(base + "_responses.csv", "rb").read()
    check(raw.split(b"\n", 1)[0].endswith(b"\r"), "CSV lines end with CRLF")
    check(raw.endswith(b"\r\n"), "the CSV ends with CRLF")
    check(not raw.startswith(b"\xef\xbb\xbf"), "no BOM unless asked for")

    kept = [s for s in sittings if not s.get("withdrawn")]
    rows = read_csv(base + "_responses.csv")
    by_device = {}
    for r in rows:
        by_device.setdefault(r["device_id"], []).append(r)
    devices = sorted({s["device"] for s in sittings})
    check(len(devices) == 3, "three kiosks")
    for dev in devices:
        expect_rows = [s for s in kept if s["device"] == dev and s["outcome"] != "decline"]
        got = by_device.get(dev, [])
        check(len(got) == len(expect_rows),
              "device %s: %d response rows, expected %d" % (dev, len(got), len(expect_rows)))
        seqs = [int(r["seq"]) for r in got]
        check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "rows in sequence order")
        for s, r in zip(expect_rows, got):
            a = s["answers"]
            kind = "response" if s["outcome"] == "finish" else "incomplete"
            check(r["kind"] == kind, "sitting %d is marked %s" % (s["serial"], kind))
            check(r["language"] == ("cy" if s.get("language") else "en"), "language code")
            check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", r["started"]) is not None,
                  "started is ISO 8601 UTC")
            check((r["finished"] != "") == (kind == "response"), "finished only when finished")
            for q in ["role", "role_other", "changed", "impact", "training", "years", "courage",
                      "mentoring", "hours", "comments"]:
                want = expected_cell(q, a, kind == "response")
                check(r[q] == want, "sitting %d %s: exported %r, entered %r (expected %r)"
                      % (s["serial"], q, r[q], a.get(q), want))
            for t in TRAINING:
                want = expected_cell("training", a, kind == "response")
                if want not in ("", "NA"):
                    want = "1" if t in a["training"].split() else "0"
                check(r["training/" + t] == want, "sitting %d training/%s: %r, expected %r"
                      % (s["serial"], t, r["training/" + t], want))
    # The forged device: the first record is kept, the conflicting one is not applied,
    # and nothing from the bundle signed by another key.
    frows = by_device.get(forged["device_id"], [])
    check(len(frows) == 1, "one record from the forged device")
    if frows:
        for q, v in forged["kept"].items():
            check(frows[0][q] == v, "conflict kept the first record's %s" % q)
        check(frows[0]["record_id"] == forged["record_id"], "the kept record id")
    check(len(rows) == sum(len(v) for v in by_device.values()), "no unexpected devices")
    check(set(by_device) == set(devices) | {forged["device_id"]}, "only the expected devices")

    consent = read_csv(base + "_consent.csv")
    cons_dev = {}
    for r in consent:
        cons_dev.setdefault(r["device_id"], []).append(r)
    for dev in devices:
        expect_rows = [s for s in kept if s["device"] == dev]
        got = cons_dev.get(dev, [])
        check(len(got) == len(expect_rows),
              "device %s: %d consent rows, expected %d" % (dev, len(got), len(expect_rows)))
        for s, r in zip(expect_rows, got):
            c = s["consent"]
            kind = {"finish": "consent", "decline": "declined", "abandon": "incomplete"}
            check(r["kind"] == kind[s["outcome"]], "consent kind of sitting %d" % s["serial"])
            for q in ("agree_data", "agree_contact", "signer"):
                check(r[q] == c.get(q, ""), "sitting %d %s: %r vs %r"
                      % (s["serial"], q, r[q], c.get(q)))
            check(r["sig"] == ("yes" if "sig" in c else "no"), "signature present")
            check(r["sig_strokes"] == ("2" if "sig" in c else "0"), "signature strokes")

    texts = read_csv(base + "_text.csv")
    got_texts = sorted((r["device_id"], r["question"], r["answer"]) for r in texts)
    want_texts = sorted((s["device"], q, s["answers"][q]) for s in kept
                        if s["outcome"] != "decline" for q in ("role_other", "comments")
                        if s["answers"].get(q))
    check(got_texts == want_texts, "the free-text CSV holds exactly the entered texts")
    for r in texts:
        check(r["question_label"] == QUESTION_LABEL[r["question"]], "question label in text CSV")

    codebook = {r["variable"]: r for r in read_csv(base + "_codebook.csv")}
    check(codebook["role"]["label"] == "Your role", "codebook label")
    check(codebook["role"]["choices"].startswith("clinical=Clinical; management="),
          "codebook choices")
    check(codebook["role_other"]["relevance"] == "${role} = 'other'", "codebook relevance")
    check("training/msc" in codebook and "agree_data" in codebook, "codebook columns")

    # Withdrawn sittings are gone from every file.
    everything = "".join(open(os.path.join(out, f), encoding="utf-8").read()
                         for f in os.listdir(out))
    for s in withdrawn:
        check("marker-%03d" % s["serial"] not in everything,
              "withdrawn sitting %d is not exported" % s["serial"])
        check(s["consent"]["signer"] not in everything,
              "withdrawn sitting %d's consent is not exported" % s["serial"])

    check_binary_formats(central, key, rows)

    # Labels in Welsh, with a BOM for Excel.
    out_cy = os.path.join(TMP, "export-cy")
    sync("export", "--store", central, "--key", key, "--out", out_cy, "--labels", "--excel",
         "--lang", "cy")
    cy_path = os.path.join(out_cy, "dhlp_followup-v2026.1_responses.csv")
    check(open(cy_path, "rb").read(3) == b"\xef\xbb\xbf", "--excel writes a BOM")
    with open(cy_path, newline="", encoding="utf-8-sig") as f:
        cy_rows = list(csv.DictReader(f))
    for r_cy, r in zip(cy_rows, rows):
        check(r_cy["role"] == (ROLE_LABELS_CY[r["role"]] if r["role"] else ""), "Welsh labels")
        want = r["training"] if r["training"] == "NA" else \
            "; ".join(TRAINING_CY[t] for t in r["training"].split())
        check(r_cy["training"] == want, "select_multiple as labels")
    sync("export", "--store", central, "--key", key, "--out", out_cy, "--lang", "xx", expect=1)

    # ---- report -------------------------------------------------------------
    responses = [s["answers"] for s in kept if s["outcome"] == "finish"]
    responses.append(dict(forged["kept"]))
    text = sync("report", "--store", central, "--key", key, "--text").stdout
    check("Sittings: %d" % (len([s for s in kept]) + 1) in text, "sittings counted")
    check("declined %d" % len([s for s in kept if s["outcome"] == "decline"]) in text,
          "declined counted")
    check("incomplete %d" % len([s for s in kept if s["outcome"] == "abandon"]) in text,
          "incomplete counted")
    # Consents given, whatever became of the sitting: the abandoned ones had consented.
    check("consents: %d" % len([s for s in kept if s["outcome"] in ("finish", "abandon")]) in text,
          "consents counted")
    sections = parse_text_report(text)
    for q in ["role", "changed", "impact", "courage", "mentoring", "training", "years"]:
        check(q in sections, "the text report has " + q)
        if q not in sections:
            continue
        asked, answered, want = expected_table(q, responses)
        summary, table = sections[q]
        check("asked %d, answered %d" % (asked, answered) in summary,
              "%s: %r vs asked %d answered %d" % (q, summary, asked, answered))
        head, body = table_cells(table)
        check(head == ["Total"], "one Total column without --by")
        for row, cell in want.items():
            check(body.get(row) == [cell], "%s / %s: report %r, counted %r"
                  % (q, row, body.get(row), cell))
    summary, _ = sections.get("role_other", ("", []))
    n_other = sum(1 for a in responses if a.get("role") == "other")
    check("asked %d" % n_other in summary, "skip logic: role_other asked only of 'other'")
    for s in kept:
        if s["outcome"] == "finish":
            check("marker-%03d" % s["serial"] in text,
                  "the text report lists sitting %d's comment" % s["serial"])

    # --by role: every table split, one column per role plus the total.
    text_by = sync("report", "--store", central, "--key", key, "--text", "--by", "role").stdout
    sections = parse_text_report(text_by)
    head, body = table_cells(sections["changed"][1])
    check(head == [ROLE_LABELS[r] for r in ROLES] + ["Total"], "--by columns: %r" % head)
    for c in ["yes", "no"]:
        want = [pct(sum(1 for a in responses if a.get("role") == r and a.get("changed") == c),
                    sum(1 for a in responses if a.get("role") == r and a.get("changed")))
                for r in ROLES]
        want.append(pct(sum(1 for a in responses if a.get("changed") == c),
                        sum(1 for a in responses if a.get("changed"))))
        check(body.get(LABELS["changed"][c]) == want, "--by role, changed=%s: %r vs %r"
              % (c, body.get(LABELS["changed"][c]), want))
    # The HTML report by role: each choice drawn once per role (and the total),
    # the rating scales one row per role, and the page still one column wide.
    html_by_path = os.path.join(TMP, "report-by.html")
    sync("report", "--store", central, "--key", key, "--by", "role", "--out", html_by_path)
    html_by = open(html_by_path, encoding="utf-8").read()
    for c in ["yes", "no"]:
        for r in ROLES:
            cell = pct(sum(1 for a in responses if a.get("role") == r and a.get("changed") == c),
                       sum(1 for a in responses if a.get("role") == r and a.get("changed")))
            check("<title>%s: %s</title>" % (ROLE_LABELS[r], cell) in html_by,
                  "--by chart: changed=%s for %s is %s" % (c, r, cell))
    check("% agree" in html_by and "% disagree" in html_by, "Likert bars say % agree / % disagree")
    for r in ROLES:
        check(">%s</tspan>" % ROLE_LABELS[r] in html_by, "a Likert row per role: " + r)
    check("max-width:100%" in html_by, "charts scale to the page")
    # Methods context: per kiosk, the withdrawn count.
    check("Withdrawn by participants: <strong>%d</strong>" % len(withdrawn) in html_by,
          "the methods context counts the withdrawn sittings")
    for label in ["Durham-Pi-1", "Leeds-Pi-2", "Ward-7-laptop"]:
        check("<tr><td>%s <code>" % label in html_by, "sittings of kiosk " + label)
    check("% agree" not in text_by, "no chart words in the text report")
    sync("report", "--store", central, "--key", key, "--text", "--by", "nosuch", expect=1)
    sync("report", "--store", central, "--key", key, "--text", "--by", "years", expect=1)

    # The HTML report: self-contained, escaped, the same numbers.
    html_path = os.path.join(TMP, "report.html")
    p = sync("report", "--store", central, "--key", key, "--out", html_path,
             passphrase="wrong one", expect=1)
    check("passphrase" in p.stderr and not os.path.exists(html_path),
          "wrong passphrase: no report")
    sync("report", "--store", central, "--key", key, "--out", html_path)
    html = open(html_path, encoding="utf-8").read()
    check(html.startswith("<!DOCTYPE html>"), "an HTML page")
    lowered = html.lower()
    check("<script" not in lowered, "no scripts in the report")
    for attr in ("src=", "href=", "url(", "@import"):
        check(attr not in lowered, "nothing external in the report (%s)" % attr)
    check("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html or
          not any("<script>" in a.get("comments", "") + a.get("role_other", "")
                  for a in responses), "participant text is escaped")
    check(html.count("<svg") >= 6, "charts are inline SVG")
    for q in ["role", "changed", "impact", "training"]:
        for cell in expected_table(q, responses)[2].values():
            check(cell in html, "HTML shows %s %s" % (q, cell))
    for s in withdrawn:
        check("marker-%03d" % s["serial"] not in html + text + text_by,
              "withdrawn sitting %d is not reported" % s["serial"])

    if failures:
        print("%d checks failed" % len(failures), file=sys.stderr)
        return 1
    print("sync scenario: %d sittings on 3 kiosks + a forged device; all checks passed"
          % len(sittings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
