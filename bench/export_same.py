#!/usr/bin/env python3
"""export_same.py - do two survey-sync builds export and report the same bytes?

For performance work on export and report (issue 13, bench_export): a change
that makes them faster must not change a byte of what a researcher gets.
This builds one central store of N varied sittings, then runs the export and
the report of an "old" and a "new" survey-sync on it and compares every file:

- every CSV (plain; --labels --excel --lang cy; --raw), byte for byte;
- each .xlsx member by member (docProps/core.xml aside: it holds the time
  the workbook was made);
- .sav and .dta: same size, differing only in the first 512 bytes (their
  creation time), and the same CSV when read back by the `readstat` tool
  (when it is installed);
- the report (HTML, --by role --lang cy, --text), identical once the
  "made on" time is masked.

The store holds two forms: a rich one written here (two languages, skip
logic, select_multiple, likert table-list, numbers, date and time, a range,
a repeat with skip logic inside, a signature, quotation consent, identifying
questions, start/end, a calculation) and tests/data/export/ethics.md.  Its
sittings are finished (consent + response records), incomplete (with and
without consent), declined; text with commas, quotes, CR/LF, tabs, a control
character, CJK, emoji, =SUM(1,2), <script>; choices the list does not have;
a language the form does not have; payloads only the general JSON reader
takes (another spelling, an unknown key, a repeated answer); one record
whose payload is not JSON (unreadable.csv).  Records are written with
tests/e2e/skformat.py (the formats from docs/FORMATS.md alone), sealed to the
study and signed by two kiosks, merged and accepted with the old binary.

    python3 bench/export_same.py OLD_SURVEY_SYNC NEW_SURVEY_SYNC [N=3000] [--keep DIR]

Exit status 0 when everything is identical, 1 with the differences listed.
"""
import argparse
import filecmp
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
import skformat as skf  # noqa: E402

PASSPHRASE = "export_same passphrase"

FORM = """\
| survey |                  |           |                                 |                          |          |                     |                   |            |                                 |                       |               |             |
|        | type             | name      | label::English (en)             | label::Cymraeg (cy)      | required | relevant            | constraint        | appearance | calculation                     | parameters            | quote_consent | identifying |
|        | start            | started   |                                 |                          |          |                     |                   |            |                                 |                       |               |             |
|        | end              | ended     |                                 |                          |          |                     |                   |            |                                 |                       |               |             |
|        | begin group      | consent   | Consent                         | Cydsyniad                |          |                     |                   | consent    |                                 |                       |               |             |
|        | acknowledge      | agree_data | I agree my answers may be used. | Cytunaf.                | yes      |                     |                   |            |                                 |                       |               |             |
|        | acknowledge      | agree_quote | You may quote what I write.   | Cewch fy nyfynnu.        | no       |                     |                   |            |                                 |                       |               |             |
|        | text             | signer    | Your name                       | Eich enw                 |          |                     |                   |            |                                 |                       |               | yes         |
|        | image            | sig       | Sign here                       | Llofnodwch yma           |          |                     |                   | signature  |                                 |                       |               |             |
|        | end group        |           |                                 |                          |          |                     |                   |            |                                 |                       |               |             |
|        | select_one role  | role      | Your role                       | Eich rôl                 | yes      |                     |                   |            |                                 |                       |               |             |
|        | text             | role_other | Which role?                    | Pa rôl?                  |          | ${role} = 'other'   |                   |            |                                 |                       | agree_quote   |             |
|        | select_one yn    | changed   | Have you changed roles?         | A ydych wedi newid rôl?  | yes      |                     |                   |            |                                 |                       |               |             |
|        | select_one impact | impact   | How much did the course matter? | Faint oedd dylanwad?     |          | ${changed} = 'yes'  |                   |            |                                 |                       |               |             |
|        | select_multiple training | training | Training considered     | Hyfforddiant             |          |                     |                   |            |                                 |                       |               |             |
|        | integer          | years     | Years in post                   | Blynyddoedd              |          | ${role} != 'data'   | . >= 0 and . < 60 |            |                                 |                       |               |             |
|        | decimal          | hours     | Hours a week                    | Oriau'r wythnos          |          |                     |                   |            |                                 |                       |               |             |
|        | date             | qualified | When did you qualify?           | Pryd wnaethoch gymhwyso? |          |                     |                   |            |                                 |                       |               |             |
|        | time             | shift     | Usual start time                | Amser dechrau            |          |                     |                   |            |                                 |                       |               |             |
|        | range            | score     | Score out of ten                | Sgôr                     |          |                     |                   |            |                                 | start=0 end=10 step=1 |               |             |
|        | begin group      | skills    | Skills gained                   | Sgiliau                  |          |                     |                   | table-list |                                 |                       |               |             |
|        | select_one agree | courage   | I lead change with more courage | Rwy'n arwain newid       |          |                     |                   | likert     |                                 |                       |               |             |
|        | select_one agree | mentoring | I mentor others more            | Rwy'n mentora eraill     |          |                     |                   | likert     |                                 |                       |               |             |
|        | end group        |           |                                 |                          |          |                     |                   |            |                                 |                       |               |             |
|        | begin repeat     | member    | Team member                     | Aelod o'r tîm            |          |                     |                   |            |                                 |                       |               |             |
|        | text             | mname     | Name of this member             | Enw'r aelod              |          |                     |                   |            |                                 |                       |               |             |
|        | integer          | mage      | Age of ${mname}                 | Oed ${mname}             |          |                     | . >= 0 and . < 130 |           |                                 |                       |               |             |
|        | select_one yn    | works     | Does ${mname} work?             | A yw ${mname} yn gweithio? |        | ${mage} >= 15       |                   |            |                                 |                       |               |             |
|        | end repeat       |           |                                 |                          |          |                     |                   |            |                                 |                       |               |             |
|        | text             | comments  | Anything else?                  | Unrhyw beth arall?       |          |                     |                   | multiline  |                                 |                       | agree_quote   |             |
|        | text             | email     | Your e-mail, for the results    | Eich e-bost              |          |                     |                   |            |                                 |                       |               | yes         |
|        | calculate        | senior    |                                 |                          |          |                     |                   |            | if(${years} > 10, 'yes', 'no')  |                       |               |             |

| choices |               |            |                              |                      |
|         | list_name     | name       | label::English (en)          | label::Cymraeg (cy)  |
|         | role          | clinical   | Clinical                     | Clinigol             |
|         | role          | management | Management                   | Rheoli               |
|         | role          | data       | Informatics or data science  | Gwybodeg             |
|         | role          | other      | Other                        | Arall                |
|         | yn            | yes        | Yes                          | Ydw                  |
|         | yn            | no         | No                           | Nac ydw              |
|         | impact        | strong     | A strong influence           | Dylanwad cryf        |
|         | impact        | some       | Some influence               | Peth dylanwad        |
|         | impact        | none       | No influence                 | Dim dylanwad         |
|         | training      | msc        | MSc                          | MSc                  |
|         | training      | short      | Short course                 | Cwrs byr             |
|         | training      | mentoring  | Mentoring scheme             | Cynllun mentora      |
|         | agree         | 1          | Strongly disagree            | Anghytuno'n gryf     |
|         | agree         | 2          | Disagree                     | Anghytuno            |
|         | agree         | 3          | Neither                      | Niwtral              |
|         | agree         | 4          | Agree                        | Cytuno               |
|         | agree         | 5          | Strongly agree               | Cytuno'n gryf        |

| settings |                     |          |         |                  |
|          | form_title          | form_id  | version | default_language |
|          | Export sameness     | same     | 3       | English (en)     |
"""

TEXTS = ["", "plain", "Nurses, \"doctors\" and 我们的团队 👩\u200d⚕️", "line one\nline two",
         "crlf\r\nend", "tab\there", "bell\x07char", "=SUM(1,2)", "+44 1234", "-3", "@admin",
         "<script>alert('x')</script> & <b>", " leading and trailing ", "Cymraeg: ŵ ŷ â",
         "emoji 😀🎉", "'quoted'", "a;b;c", "x" * 300, "团队 long, " * 40 + "end", "NA", "0"]
ROLES = ["clinical", "management", "data", "other", "ghost"]
TRAINING = ["msc", "short", "msc short", "mentoring", "", "msc mentoring", "short unknown",
            " msc  short "]
LANGS = ["English (en)", "Cymraeg (cy)", "Cymraeg (cy)", "English (en)", "Klingon (tlh)", None]


def sitting_answers(rng, started):
    """(consent answers, response answers) of one sitting, as skformat tuples."""
    t = [started + 2000]

    def ans(name, value, section, repeat=None):
        t[0] += rng.randint(500, 30000)
        item = (name, value, section, t[0], rng.randint(0, 90000))
        return item + (repeat,) if repeat else item

    consent = [ans("agree_data", "OK", "consent"),
               ans("agree_quote", rng.choice(["OK", "", "OK", "yes"]), "consent")]
    if rng.random() < 0.7:
        consent.append(ans("signer", rng.choice(TEXTS[1:]), "consent"))
    if rng.random() < 0.5:
        consent.append(ans("sig", rng.choice(["", "10,20 30,40;50,60", " ; ", "1,1"]), "consent"))
    resp = []
    if rng.random() < 0.9:
        resp.append(("started", rng.choice(["2026-11-30T09:15:00.123+01:00",
                                            "2026-11-30T08:00:00Z", "2026-11-30T10:00",
                                            "not a time"]), "response", started, 0))
    role = rng.choice(ROLES)
    resp.append(ans("role", role, "response"))
    if role == "other" or rng.random() < 0.05:
        resp.append(ans("role_other", rng.choice(TEXTS), "response"))
    changed = rng.choice(["yes", "no", "yes", ""])
    resp.append(ans("changed", changed, "response"))
    if changed == "yes" and rng.random() < 0.8:
        resp.append(ans("impact", rng.choice(["strong", "some", "none", ""]), "response"))
    if rng.random() < 0.8:
        resp.append(ans("training", rng.choice(TRAINING), "response"))
    if role != "data" and rng.random() < 0.8:
        resp.append(ans("years", rng.choice(["0", "3", "12", "25", "", "7"]), "response"))
    if rng.random() < 0.7:
        resp.append(ans("hours", rng.choice(["37.5", "0.25", "", "40", "1e3", "abc"]), "response"))
    if rng.random() < 0.5:
        resp.append(ans("qualified", rng.choice(["2009-07-01", "1999-12-31", "", "2026-02-30"]),
                        "response"))
    if rng.random() < 0.5:
        resp.append(ans("shift", rng.choice(["08:30", "23:59", ""]), "response"))
    if rng.random() < 0.6:
        resp.append(ans("score", str(rng.randint(0, 10)), "response"))
    for q in ("courage", "mentoring"):
        if rng.random() < 0.85:
            resp.append(ans(q, rng.choice(["1", "2", "3", "4", "5", "", "9"]), "response"))
    members = rng.choice([0, 0, 1, 2, 3])
    if members:
        resp.append(ans("member", str(members), "response"))
        for k in range(1, members + 1):
            path = "member[%d]" % k
            if rng.random() < 0.9:
                resp.append(ans("mname", rng.choice(TEXTS[1:8]), "response", path))
            age = rng.choice(["4", "15", "40", "", "70"])
            if rng.random() < 0.9:
                resp.append(ans("mage", age, "response", path))
            if age and int(age) >= 15 and rng.random() < 0.8:
                resp.append(ans("works", rng.choice(["yes", "no", ""]), "response", path))
    if rng.random() < 0.8:
        resp.append(ans("comments", rng.choice(TEXTS), "response"))
    if rng.random() < 0.5:
        resp.append(ans("email", rng.choice(["ann@example.org", "", "b+x@example.ac.uk"]),
                        "response"))
    if rng.random() < 0.9:
        resp.append(ans("senior", rng.choice(["yes", "no"]), "response"))
    if rng.random() < 0.8:
        resp.append(ans("ended", "2026-11-30T09:45:10.000+01:00", "response"))
    return consent, resp


def payload(rng, sitting, form, version, lang, started, finished, answers):
    doc = skf.make_answers(sitting, form, version, lang, started, finished, answers)
    r = rng.random()
    if r < 0.01:   # another spelling: the fast reader reads it too
        return json.dumps(json.loads(doc), ensure_ascii=True, indent=1).encode()
    if r < 0.02:   # an unknown key: only the general reader takes it
        d = json.loads(doc)
        d["later_key"] = {"x": [1, 2]}
        return json.dumps(d, ensure_ascii=False).encode()
    if r < 0.025 and d_has_answers(doc):   # a repeated answer: the general reader merges
        d = json.loads(doc)
        d["answers"].append(dict(d["answers"][0], value="repeated"))
        return json.dumps(d, ensure_ascii=False).encode()
    return doc


def d_has_answers(doc):
    return bool(json.loads(doc)["answers"])


def build_records(rng, study, dev, form, version, n, t0, first_seq):
    recs = []
    seq = first_seq

    def add(kind, wtag, body):
        nonlocal seq
        recs.append(skf.write_record(dev, study.box_pk, kind, seq, form, version, wtag, body))
        seq += 1

    for i in range(n):
        sitting = os.urandom(16).hex() if rng.random() > 0.01 else None
        lang = rng.choice(LANGS)
        started = t0 + i * 97000 + rng.randint(0, 5000)
        finished = started + rng.randint(60000, 900000)
        wtag = os.urandom(16)
        consent, resp = sitting_answers(rng, started)
        outcome = rng.random()
        if outcome < 0.72:     # finished: consent, then the response
            add(skf.KIND_CONSENT, wtag,
                payload(rng, sitting, form, version, lang, started, finished, consent))
            add(skf.KIND_RESPONSE, wtag,
                payload(rng, sitting, form, version, lang, started, finished, resp))
        elif outcome < 0.8:    # finished with no consent section answered (a form without one)
            add(skf.KIND_RESPONSE, wtag,
                payload(rng, sitting, form, version, lang, started, finished, resp))
        elif outcome < 0.9:    # abandoned: what was answered so far, both sections
            cut = rng.randint(0, len(resp))
            items = (consent if rng.random() < 0.8 else []) + resp[:cut]
            add(skf.KIND_INCOMPLETE, wtag,
                payload(rng, sitting, form, version, lang, started,
                        finished if rng.random() < 0.8 else 0, items))
        else:                  # declined
            decl = [("agree_data", rng.choice(["", "no"]), "consent", started + 3000, 2000)]
            add(skf.KIND_DECLINED, wtag,
                payload(rng, sitting, form, version, lang, started, started + 4000, decl))
    # One record whose payload is sealed and signed but is not JSON.
    add(skf.KIND_RESPONSE, os.urandom(16), b"{not json")
    return recs, seq


def run(args, env=None, ok=True):
    p = subprocess.run(args, capture_output=True, env=env, stdin=subprocess.DEVNULL)
    if ok and p.returncode != 0:
        sys.exit("export_same: %s exited %d:\n%s%s" % (" ".join(args), p.returncode,
                                                       p.stdout.decode(errors="replace"),
                                                       p.stderr.decode(errors="replace")))
    return p


def build_store(sync, tmp, n, seed):
    env = dict(os.environ, SURVEY_PASSPHRASE=PASSPHRASE)
    keys = os.path.join(tmp, "keys")
    run([sync, "keygen", "--out", keys], env)
    key = os.path.join(keys, "study.key")
    with open(os.path.join(keys, "study.pub"), "rb") as f:
        study = skf.parse_study_pub(f.read())
    form_md = os.path.join(tmp, "same.md")
    with open(form_md, "w", encoding="utf-8") as f:
        f.write(FORM)
    packs = []
    for src, name in ((form_md, "same.pack"),
                      (os.path.join(SRC, "tests", "data", "export", "ethics.md"), "ethics.pack")):
        out = os.path.join(tmp, name)
        run([sync, "pack", src, "--key", key, "--out", out], env)
        with open(out, "rb") as f:
            packs.append(f.read())
    rng = random.Random(seed)
    store = os.path.join(tmp, "central.db")
    t0 = 1764000000000
    bundles = []
    for d in range(2):
        dev = skf.DeviceKey()
        recs, seq = build_records(rng, study, dev, "same", "3", n // 2, t0 + d * 1000, 1)
        recs2, _ = build_records(rng, study, dev, "ethics", "1", 40, t0, seq)
        path = os.path.join(tmp, skf.bundle_file_name(dev, 1, seq, t0))
        with open(path, "wb") as f:
            f.write(skf.write_bundle(dev, "kiosk %d" % (d + 1), t0, packs=packs,
                                     records=recs + recs2))
        bundles.append(path)
    run([sync, "merge", "--store", store] + bundles, env)
    listing = json.loads(run([sync, "devices", "list", "--store", store, "--json"]).stdout)
    for dv in listing:
        run([sync, "devices", "accept", dv["device_id"], "--store", store])
    return store, key


RUNS = [
    ("export-all", ["export", "--format", "csv,xlsx,sav,dta"]),
    ("export-labels", ["export", "--labels", "--excel", "--lang", "cy", "--format", "csv,xlsx"]),
    ("export-raw", ["export", "--raw"]),
    ("report", ["report", "--out", "{out}/report.html"]),
    ("report-by", ["report", "--by", "role", "--lang", "cy", "--out", "{out}/report.html"]),
    ("report-text", ["report", "--text"]),   # to stdout: kept as report.txt
]
MADE_ON = re.compile(rb"(Made by survey-sync on |Survey report \()\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def outputs(sync, store, key, where):
    env = dict(os.environ, SURVEY_PASSPHRASE=PASSPHRASE)
    for name, args in RUNS:
        out = os.path.join(where, name)
        os.makedirs(out)
        cmd = [sync] + [a.format(out=out) for a in args] + ["--store", store, "--key", key]
        if args[0] == "export":
            cmd += ["--out", out]
        p = run(cmd, env)
        if "--text" in args:
            with open(os.path.join(out, "report.txt"), "wb") as f:
                f.write(p.stdout)


def readstat_csv(path, tmp):
    out = os.path.join(tmp, "rs-%d.csv" % abs(hash(path)))
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.run(["readstat", path, out], capture_output=True)
    if p.returncode != 0:
        return b"readstat failed: " + p.stderr
    with open(out, "rb") as f:
        return f.read()


def compare(a_dir, b_dir, tmp):
    diffs, counts = [], {}
    have_readstat = shutil.which("readstat") is not None
    for root, _dirs, files in os.walk(a_dir):
        for name in sorted(files):
            a = os.path.join(root, name)
            rel = os.path.relpath(a, a_dir)
            b = os.path.join(b_dir, rel)
            ext = os.path.splitext(name)[1]
            counts[ext] = counts.get(ext, 0) + 1
            if not os.path.exists(b):
                diffs.append("%s: only in the old output" % rel)
                continue
            with open(a, "rb") as f:
                da = f.read()
            with open(b, "rb") as f:
                db = f.read()
            if ext in (".html", ".txt"):
                da, db = MADE_ON.sub(rb"\1TIME", da), MADE_ON.sub(rb"\1TIME", db)
            if ext == ".xlsx":
                za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
                if za.namelist() != zb.namelist():
                    diffs.append("%s: other members" % rel)
                for m in za.namelist():
                    if m == "docProps/core.xml" or m not in zb.namelist():
                        continue
                    if za.read(m) != zb.read(m):
                        diffs.append("%s: member %s differs" % (rel, m))
            elif ext in (".sav", ".dta"):
                bad = [i for i in range(min(len(da), len(db))) if da[i] != db[i]]
                if len(da) != len(db) or (bad and bad[-1] >= 512):
                    diffs.append("%s: differs beyond its header (%d vs %d bytes, %d differ)"
                                 % (rel, len(da), len(db), len(bad)))
                if have_readstat and readstat_csv(a, tmp) != readstat_csv(b, tmp):
                    diffs.append("%s: readstat reads different data" % rel)
            elif da != db:
                diffs.append("%s: differs" % rel)
    for root, _dirs, files in os.walk(b_dir):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), b_dir)
            if not os.path.exists(os.path.join(a_dir, rel)):
                diffs.append("%s: only in the new output" % rel)
    return diffs, counts, have_readstat


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("n", nargs="?", type=int, default=3000)
    ap.add_argument("--keep", help="build the store and outputs in DIR and keep them")
    ap.add_argument("--seed", type=int, default=13)
    opt = ap.parse_args()
    tmp = opt.keep or tempfile.mkdtemp(prefix="export_same-")
    if opt.keep:
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
    store, key = build_store(os.path.abspath(opt.old), tmp, opt.n, opt.seed)
    outputs(os.path.abspath(opt.old), store, key, os.path.join(tmp, "old"))
    outputs(os.path.abspath(opt.new), store, key, os.path.join(tmp, "new"))
    diffs, counts, have_readstat = compare(os.path.join(tmp, "old"), os.path.join(tmp, "new"),
                                           tmp)
    with open(os.path.join(tmp, "old", "export-all", "unreadable.csv"), encoding="utf-8") as f:
        unreadable = sum(1 for _ in f) - 1
    with open(os.path.join(tmp, "old", "export-all", "same-v3_responses.csv"),
              encoding="utf-8") as f:
        rows = sum(1 for _ in f)
    print("export_same: %d sittings per form run, files compared: %s; unreadable records: %d; "
          "responses.csv %d lines; readstat %s"
          % (opt.n, ", ".join("%d %s" % (c, e) for e, c in sorted(counts.items())), unreadable,
             rows, "used" if have_readstat else "not installed (sav/dta by bytes only)"))
    if not opt.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    if diffs:
        print("export_same: DIFFERENT:\n  " + "\n  ".join(diffs))
        return 1
    print("export_same: identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
