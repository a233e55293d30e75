#!/usr/bin/python3
"""The XLSForm compatibility suite: real forms from public projects and
pyxform's own example and test forms (tests/compat/SOURCES.md), each run
through the real `survey-sync check` and `survey-sync pack`.

usage: compat.py SURVEY_SYNC [--measure]

tests/compat/expected.tsv says, per form, what must happen:
  loads            check and pack exit 0 with no warning
  warnings N       check and pack exit 0 with exactly N warning lines
  refused REASON   check and pack exit 1 and one problem line contains REASON
Every form in tests/compat/forms/ must have a row, and every row a form.
Prints the share of the suite that loads.  With --measure, prints only how
many forms load (exit 0 from check), for comparing two builds (a build of
an older commit reads no expected.tsv promises).
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FORMS = os.path.join(HERE, "forms")
SYNC = sys.argv[1]
MEASURE = "--measure" in sys.argv[2:]


def run(*args, env=None):
    p = subprocess.run([SYNC, *args], capture_output=True, text=True, timeout=120, env=env)
    return p.returncode, p.stdout, p.stderr


forms = sorted(os.listdir(FORMS))
if MEASURE:
    loads = sum(run("check", os.path.join(FORMS, f))[0] == 0 for f in forms)
    print(f"{loads} of {len(forms)} forms load ({100 * loads / len(forms):.0f}%)")
    sys.exit(0)

expected = {}
with open(os.path.join(HERE, "expected.tsv"), encoding="utf-8") as fh:
    for line in fh:
        if not line.strip() or line.startswith("#"):
            continue
        name, outcome = line.rstrip("\n").split("\t")[:2]
        expected[name] = outcome

failures = []
missing = sorted(set(forms) - set(expected))
stale = sorted(set(expected) - set(forms))
if missing:
    failures.append(f"forms without a row in expected.tsv: {missing}")
if stale:
    failures.append(f"rows of expected.tsv without a form: {stale}")

env = dict(os.environ, SURVEY_PASSPHRASE="compat suite", SK_PWHASH_FAST="1")
loaded = 0
with tempfile.TemporaryDirectory() as tmp:
    rc, _, err = run("keygen", "--out", tmp, env=env)
    if rc != 0:
        sys.exit(f"keygen failed: {err}")
    key = os.path.join(tmp, "study.key")
    for name in forms:
        if name not in expected:
            continue
        path = os.path.join(FORMS, name)
        want = expected[name]
        rc, out, err = run("check", path)
        pack = os.path.join(tmp, name + ".pack")
        prc, pout, perr = run("pack", path, "--key", key, "--out", pack, env=env)
        lines = [l for l in err.splitlines() if not l.startswith("survey-sync: ")]
        plines = [l for l in perr.splitlines() if not l.startswith("survey-sync: ")]
        for l in lines:
            if not l.startswith(path + ":"):
                failures.append(f"{name}: line does not name the form: {l!r}")
        if plines != lines:
            failures.append(f"{name}: pack and check disagree:\n  {plines}\n  {lines}")
        if rc == 0:
            loaded += 1
        kind = want.split(" ", 1)[0]
        if kind == "loads":
            ok = rc == 0 and prc == 0 and not lines and os.path.exists(pack)
        elif kind == "warnings":
            n = int(want.split(" ", 1)[1])
            ok = rc == 0 and prc == 0 and len(lines) == n and os.path.exists(pack)
        elif kind == "refused":
            reason = want.split(" ", 1)[1]
            ok = rc == 1 and prc == 1 and any(reason in l for l in lines) and not os.path.exists(pack)
        else:
            ok = False
        if not ok:
            failures.append(f"{name}: expected '{want}', got check exit {rc}, pack exit {prc}:\n    "
                            + "\n    ".join(lines[:6]))

print(f"compat suite: {loaded} of {len(forms)} forms load ({100 * loaded / len(forms):.0f}%)")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
