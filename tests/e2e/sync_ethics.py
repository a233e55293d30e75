#!/usr/bin/env python3
"""Ethics and data protection in export and report, end to end (issue 13).

One kiosk (a real kiosk.db, sittings played by sync_scenario_kiosk through the
kiosk store API, bundles written by the real `survey-kiosk --export` when its
path is given) collects sittings of tests/data/export/ethics.md: some
participants allow quotation and some do not, all give an e-mail address and
a name, one declines, two abandon after consent, one abandons on the consent
page.  Then, through the real survey-sync:

- sitting_id joins each consent row to its response row;
- the e-mail addresses and names are in *_identifiers.csv (keyed by
  sitting_id) and nowhere else: not in responses, consent, text, the report;
- *_text.csv and the report hold only the free text whose quotation clause
  was ticked in the same sitting, each with its record id and language, and
  the report and export say how many were left out;
- "Consents" counts the sittings abandoned after consent;
- `status` exits 3 while a bundle is missing, with advice that works (the
  kiosk's --export --all), and 0 once it is merged.

usage: sync_ethics.py SURVEY_SYNC KIOSK_DRIVER ETHICS_FORM [SURVEY_KIOSK]
"""
import glob
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import accept_devices  # noqa: E402
import store  # noqa: E402
from sync_common import SyncTest, read_csv  # noqa: E402

SYNC, DRIVER, FORM = sys.argv[1:4]
KIOSK = sys.argv[4] if len(sys.argv) > 4 else None
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "sync_ethics")
PASSPHRASE = "ethics test passphrase"

T = SyncTest(SYNC, PASSPHRASE)
failures, check, run, sync = T.failures, T.check, T.run, T.sync


def sitting(n, outcome, quote, lang=None, consent=None):
    """Participant n: a marker in the comments and a unique e-mail address."""
    spec = {"outcome": outcome,
            "consent": consent if consent is not None else
            {"agree_data": "no" if outcome == "decline" else "yes",
             "agree_quote": "yes" if quote else "no",
             "signer": "Participant Name %02d" % n},
            "answers": {} if consent is not None else
            {"role": "clinical" if n % 2 else "management",
             "comments": "quote-marker-%02d, \"said\" <b>so</b>" % n,
             "email": "participant%02d@example.org" % n},
            "n": n, "quote": quote}
    if lang:
        spec["language"] = lang
    return spec


def kiosk_run(data_dir, pack, sittings):
    spec_path, out_path = data_dir + ".spec.json", data_dir + ".out.json"
    with open(spec_path, "w") as f:
        json.dump({"sittings": sittings}, f)
    if KIOSK and pack != "-":
        run([KIOSK, "--data", data_dir, "--install", pack])
        pack = "-"
    run([DRIVER, "kiosk", data_dir, pack, "Ethics-Pi", spec_path, out_path])
    with open(out_path) as f:
        return json.load(f)["device_id"]


def kiosk_export(data_dir, outdir, all_records=False):
    os.makedirs(outdir, exist_ok=True)
    if KIOSK:
        before = set(os.listdir(outdir))
        run([KIOSK, "--data", data_dir, "--export", outdir] + (["--all"] if all_records else []))
        new = sorted(set(os.listdir(outdir)) - before)
        check(len(new) == 1, "survey-kiosk --export wrote one bundle: %r" % new)
        return os.path.join(outdir, new[0]) if new else ""
    return run([DRIVER, "export", data_dir, outdir] + (["all"] if all_records else [])).stdout.strip()


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    keys = os.path.join(TMP, "keys")
    sync("keygen", "--out", keys)
    key = os.path.join(keys, "study.key")
    pack = os.path.join(TMP, "ethics.pack")
    sync("pack", FORM, "--key", key, "--out", pack)
    central = store.fresh(TMP, "central.db")
    data = os.path.join(TMP, "kiosk")

    # Batch 1 goes out in a bundle that is lost on the way; batch 2 arrives.
    batch1 = [sitting(1, "finish", True), sitting(2, "finish", False),
              sitting(3, "finish", True, "Cymraeg (cy)"), sitting(4, "decline", False)]
    batch2 = [sitting(5, "finish", False, "Cymraeg (cy)"), sitting(6, "finish", True),
              sitting(7, "abandon", True), sitting(8, "abandon", False),
              sitting(9, "abandon", False, consent={"agree_quote": "yes"}),
              sitting(10, "finish", False)]
    device = kiosk_run(data, pack, batch1)
    lost = kiosk_export(data, os.path.join(TMP, "lost"))
    check(lost != "", "the first bundle was written")
    kiosk_run(data, "-", batch2)
    second = kiosk_export(data, os.path.join(TMP, "arrived"))
    sync("merge", "--store", central, second)
    accept_devices(SYNC, central)

    # ---- status: a gap exits 3 with advice that works ------------------------
    p = sync("status", "--store", central, expect=3)
    gap = [line for line in p.stdout.splitlines() if "missing" in line and device in line]
    check(len(gap) == 1 and "survey-kiosk --data DIR --export DIR --all" in gap[0],
          "status names the gap and the --all export: %r" % p.stdout)
    sync("status", "--store", central, "--json", expect=3)
    # The report warns where the reader looks while the gap lasts.
    gap_html = os.path.join(TMP, "gap-report.html")
    sync("report", "--store", central, "--key", key, "--out", gap_html)
    gap_report = open(gap_html, encoding="utf-8").read()
    check("This data set is not complete" in gap_report and "missing from the sequence" in gap_report
          and "--export DIR --all" in gap_report,
          "the report warns of the gap status reports, with the same advice")
    gap_text = sync("report", "--store", central, "--key", key, "--text").stdout
    check("WARNING: this data set is not complete" in gap_text, "so does report --text")
    # The advice: a plain export has nothing new; --all brings everything back.
    if KIOSK:
        again = os.path.join(TMP, "again")
        os.makedirs(again)
        run([KIOSK, "--data", data, "--export", again], expect=None)
        check(os.listdir(again) == [], "a plain kiosk export has nothing new to give")
    sync("merge", "--store", central, kiosk_export(data, os.path.join(TMP, "all"), True))
    p = sync("status", "--store", central, expect=0)
    check("nothing missing" in p.stdout, "no gap once the --all bundle is merged: " + p.stdout)

    everyone = batch1 + batch2
    finished = [s for s in everyone if s["outcome"] == "finish"]
    with_answers = [s for s in everyone if s["answers"] and s["outcome"] != "decline"]

    # ---- export --------------------------------------------------------------
    out = os.path.join(TMP, "export")
    p = sync("export", "--store", central, "--key", key, "--out", out)
    base = os.path.join(out, "ethics-v1")
    responses = read_csv(base + "_responses.csv")
    consent = read_csv(base + "_consent.csv")
    text = read_csv(base + "_text.csv")
    idents = read_csv(base + "_identifiers.csv")
    codebook = {r["variable"]: r for r in read_csv(base + "_codebook.csv")}

    # sitting_id joins consent and response rows of one sitting.
    by_marker = {}
    for r in responses:
        for s in everyone:
            if s["answers"] and r["comments"] == s["answers"]["comments"]:
                by_marker[s["n"]] = r
    check(sorted(by_marker) == sorted(s["n"] for s in with_answers),
          "every sitting with answers has one response row: %r" % sorted(by_marker))
    consent_by_sitting = {}
    for c in consent:
        check(len(c["sitting_id"]) == 32, "consent rows carry a sitting_id: %r" % c)
        consent_by_sitting.setdefault(c["sitting_id"], []).append(c)
    for s in with_answers:
        r = by_marker.get(s["n"])
        if not r:
            continue
        rows = consent_by_sitting.get(r["sitting_id"], [])
        check(len(rows) == 1 and rows[0]["agree_quote"] == s["consent"]["agree_quote"],
              "sitting %d: its consent row joins on sitting_id (%r)" % (s["n"], rows))
        if rows and s["outcome"] == "finish":
            check(rows[0]["kind"] == "consent" and r["kind"] == "response"
                  and int(rows[0]["seq"]) == int(r["seq"]) - 1,
                  "sitting %d: the consent and response records of one finished sitting" % s["n"])
    check(len(set(r["sitting_id"] for r in responses)) == len(responses),
          "one sitting_id per response row")
    check("sitting_id" in codebook and codebook["sitting_id"]["label"],
          "the codebook documents sitting_id")

    # Identifiers: only in _identifiers.csv, keyed by sitting_id.
    emails = {s["answers"]["email"]: s for s in with_answers}
    names = {s["consent"]["signer"]: s for s in everyone if "signer" in s["consent"]}
    check("email" not in responses[0] and "signer" not in consent[0],
          "no identifying column in responses or consent")
    got_email = {i["email"]: i["sitting_id"] for i in idents if i["email"]}
    check(set(got_email) == set(emails), "identifiers.csv has every e-mail: %r" % sorted(got_email))
    for e, sid in got_email.items():
        r = by_marker.get(emails[e]["n"]) if e in emails else None
        check(r is not None and r["sitting_id"] == sid,
              "the e-mail %s is keyed by its sitting's sitting_id" % e)
    got_names = set(i["signer"] for i in idents if i["signer"])
    check(got_names == set(names), "identifiers.csv has every name: %r" % sorted(got_names))
    for path in glob.glob(base + "_*.csv"):
        if path.endswith("_identifiers.csv"):
            continue
        body = open(path, encoding="utf-8").read()
        check("@example.org" not in body and "Participant Name" not in body,
              "no identifier in %s" % os.path.basename(path))
    check(codebook["email"]["file"] == "identifiers" and "identifying" in codebook["email"]["note"],
          "the codebook marks email identifying: %r" % codebook.get("email"))
    check(codebook["signer"]["file"] == "identifiers", "the codebook marks signer identifying")

    # Quotation consent: the long text file holds only permitted answers.
    permitted = [s for s in with_answers if s["quote"]]
    refused = [s for s in with_answers if not s["quote"]]
    got = sorted(t["answer"] for t in text if t["question"] == "comments")
    check(got == sorted(s["answers"]["comments"] for s in permitted),
          "_text.csv holds exactly the quotable comments: %r" % got)
    for t in text:
        check(len(t["record_id"]) == 32 and t["language"] in ("en", "cy"),
              "each quote has its record id and language: %r" % t)
    welsh = [t for t in text if "quote-marker-03" in t["answer"]]
    check(len(welsh) == 1 and welsh[0]["language"] == "cy", "the Welsh sitting's quote says cy")
    check(sorted(r["comments"] for r in responses if r["comments"]) ==
          sorted(s["answers"]["comments"] for s in with_answers),
          "responses.csv keeps every comment (quoting is not analysis)")
    check("%d free-text answer" % len(refused) in p.stderr and "left out" in p.stderr,
          "export says how many were left out: " + p.stderr)
    check("Left out of _text.csv: %d" % len(refused) in codebook["comments"]["note"],
          "the codebook says how many and why: %r" % codebook["comments"]["note"])

    # ---- report --------------------------------------------------------------
    report = sync("report", "--store", central, "--key", key, "--text").stdout
    html_path = os.path.join(TMP, "report.html")
    sync("report", "--store", central, "--key", key, "--out", html_path)
    html = open(html_path, encoding="utf-8").read()
    for doc, what in ((report, "text report"), (html, "HTML report")):
        check("@example.org" not in doc and "Participant Name" not in doc,
              "no identifier in the %s" % what)
    quoted = [line for line in report.splitlines() if "quote-marker-" in line]
    want = sorted("quote-marker-%02d" % s["n"] for s in finished if s["quote"])
    check(sorted(line.split("quote-marker-")[1][:2] for line in quoted) ==
          [w[-2:] for w in want], "the report lists only permitted quotes: %r" % quoted)
    rid = {r["record_id"] for r in responses}
    for line in quoted:
        check(any("(record %s, " % x in line for x in rid) and
              (line.endswith(", en)") or line.endswith(", cy)")),
              "each quote in the report has its record id and language: " + line)
    n_refused = len([s for s in finished if not s["quote"]])
    check("%d answers left out: the participant did not tick the quotation clause (agree_quote)."
          % n_refused in report, "the report says how many were left out and why")
    check("%d answers left out" % n_refused in html, "the HTML report says so too")
    check("Anything else" in html and "quote-marker-01" in html and "quote-marker-02" not in html,
          "the HTML report lists only permitted quotes")
    # Consents: finished and abandoned after consent, not the one who left the
    # consent page nor the one who declined.
    n_consents = len(finished) + len([s for s in everyone if s["outcome"] == "abandon"
                                      and s["consent"].get("agree_data") == "yes"])
    check("consents: %d" % n_consents in report, "consents given are counted: " +
          [line for line in report.splitlines() if "consents" in line][0])
    check("<th>Consents</th><td>%d</td>" % n_consents in html, "the HTML report counts them too")

    # ---- the report as a methods section and a reader need it -----------------
    check("This data set is not complete" not in html and "WARNING" not in report,
          "no warning once nothing is missing")
    # Free text: a plain list (no scroll box, no blank lines between items),
    # every permitted answer in it, each with its record id and language.
    check("max-height" not in html and "overflow:auto" not in html,
          "the free-text list is not a scroll box (it prints whole)")
    items = [li for li in html.split("<li>")[1:] if "quote-marker-" in li]
    check(len(items) == len(want), "one list item per permitted quote: %d" % len(items))
    check(all("class=\"src\">(record <code>" in li for li in items),
          "each list item has its record id")
    block = html[html.find("<ul class=\"answers\">"):]
    block = block[:block.find("</ul>")]
    check("\n\n" not in block, "no blank lines between the answers")
    check("@media print" in html and "break-inside:avoid" in html,
          "a print stylesheet keeps charts and answers whole")
    # Sittings per language: Welsh 2 (sittings 3 and 5), English the rest
    # (the one who left the consent page too); per kiosk; withdrawn 0.
    n_cy = len([s for s in everyone if s.get("language") == "Cymraeg (cy)"])
    check("<tr><td>Cymraeg (cy)</td><td>%d</td></tr>" % n_cy in html,
          "sittings per language (Welsh): %d" % n_cy)
    check("<tr><td>English (en)</td><td>%d</td></tr>" % (len(everyone) - n_cy) in html,
          "sittings per language (English)")
    check("language Cymraeg (cy): %d sitting" % n_cy in report, "report --text per language")
    n_incomplete = len([s for s in everyone if s["outcome"] == "abandon"])
    n_declined = len([s for s in everyone if s["outcome"] == "decline"])
    check("<tr><td>Ethics-Pi <code>%s</code></td><td>%d</td><td>%d</td><td>%d</td><td>0</td></tr>"
          % (device, len(finished), n_incomplete, n_declined) in html,
          "sittings per kiosk in the methods table")
    check("Withdrawn by participants: <strong>0</strong>" in html, "withdrawn count")
    import re
    dates = re.search(r"From <strong>(\d{4}-\d\d-\d\d)</strong> to <strong>(\d{4}-\d\d-\d\d)"
                      r"</strong>", html)
    check(dates is not None and dates.group(1) <= dates.group(2),
          "collection dates, first and last")
    # report --text lines up the columns of a Welsh table by display width.
    cy_text = sync("report", "--store", central, "--key", key, "--text", "--lang", "cy").stdout
    check("Collected: " in cy_text, "report --text gives the collection dates")

    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("sync_ethics: all checks passed")


if __name__ == "__main__":
    main()
