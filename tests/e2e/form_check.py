#!/usr/bin/python3
"""End to end: the real `survey-sync check` on valid and broken questionnaires.

usage: form_check.py SURVEY_SYNC FORMS_DIR
Checks exit codes (0 valid, 1 invalid, 2 usage) and the exact shape of the
output lines a researcher reads.
"""
import glob
import os
import re
import subprocess
import sys

SYNC, FORMS = sys.argv[1:3]
failures = []


def run(*args):
    p = subprocess.run([SYNC, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def expect(cond, what):
    if not cond:
        failures.append(what)


# A valid form: exit 0 and a summary.
for ext in ("md", "csv", "xlsx"):
    form = os.path.join(FORMS, "golden_basic." + ext)
    rc, out, err = run("check", form)
    expect(rc == 0, f"{form}: exit {rc}, stderr {err!r}")
    expect("title:     Golden basic survey" in out, f"{form}: no title in {out!r}")
    expect("form id:   golden_basic   version: 2026.1" in out, f"{form}: id/version in {out!r}")
    expect("English (en) (default)" in out and "Cymraeg (cy)" in out, f"{form}: languages {out!r}")
    expect("3 select_one" in out and "2 calculate" in out, f"{form}: counts {out!r}")
    expect("consent:   2 clauses (1 must be accepted)" in out, f"{form}: consent {out!r}")
    expect(err == "", f"{form}: unexpected stderr {err!r}")

# An invalid form: exit 1, one FORM:sheet:row[:col]: line per problem, then the total.
form = os.path.join(FORMS, "broken", "several_problems.md")
rc, out, err = run("check", form)
lines = err.splitlines()
expect(rc == 1, f"several_problems: exit {rc}")
expect(out == "", f"several_problems: stdout {out!r}")
want = [
    f"{form}:survey:3:A: unknown type 'geopint'",
    f"{form}:survey:4:B: duplicate name 'a' (also on row 2)",
    f"{form}:survey:5: the integer 'c' has no label",
    f"{form}:survey:5:D: the relevant refers to ${{zz}}",
]
expect(len(lines) == len(want) + 1, f"several_problems: {len(lines)} lines: {lines}")
for w, got in zip(want, lines):
    expect(got.startswith(w), f"several_problems: {got!r} does not start with {w!r}")
expect(lines[-1] == f"survey-sync: error: {form}: 4 problems; fix them and run check again",
       f"several_problems: last line {lines[-1]!r}")

# Every broken form is refused with exit 1 and located lines.
broken = sorted(glob.glob(os.path.join(FORMS, "broken", "*")))
expect(len(broken) >= 20, f"only {len(broken)} broken forms")
located = re.compile(r"^.+:(survey|choices|settings):\d+(:[A-Z]+)?: \S")
for form in broken:
    rc, out, err = run("check", form)
    lines = err.splitlines()
    expect(rc == 1, f"{form}: exit {rc}")
    expect(lines and lines[-1].startswith("survey-sync: error: " + form),
           f"{form}: last line {lines[-1:]!r}")
    for line in lines[:-1]:
        expect(line.startswith(form + ":"), f"{form}: line {line!r} does not name the file")

# The non-spreadsheet: one clear line.
form = os.path.join(FORMS, "broken", "not_a_form.png")
rc, out, err = run("check", form)
expect(err.startswith(f"survey-sync: error: {form}: this is not a spreadsheet"), f"png: {err!r}")

# A form the kiosk accepts with warnings: one line per warning on stderr, in
# exactly this shape, the summary on stdout, exit 0; --strict refuses it.
import tempfile
form = os.path.join(FORMS, "accepted", "unsupported_geopoint.md")
want_warn = f"{form}:survey:2: geopoint 'where' is not collected on a kiosk; it will be left empty"
rc, out, err = run("check", form)
expect(rc == 0, f"geopoint: exit {rc} {err!r}")
expect(err.splitlines() == [want_warn], f"geopoint: stderr {err!r}")
expect(": valid" in out, f"geopoint: stdout {out!r}")
rc, out, err = run("check", "--strict", form)
lines = err.splitlines()
expect(rc == 1, f"geopoint --strict: exit {rc}")
expect(lines[:1] == [want_warn], f"geopoint --strict: {lines!r}")
expect(lines[-1:] == [f"survey-sync: error: {form}: 1 warning, refused with --strict; fix it or "
                      "run check without --strict"], f"geopoint --strict: {lines!r}")
expect(out == "", f"geopoint --strict: stdout {out!r}")
env = dict(os.environ, SURVEY_PASSPHRASE="form check e2e", SK_PWHASH_FAST="1")
with tempfile.TemporaryDirectory() as d:
    p = subprocess.run([SYNC, "keygen", "--out", d], capture_output=True, text=True, env=env, timeout=60)
    expect(p.returncode == 0, f"keygen: {p.stderr!r}")
    key = os.path.join(d, "study.key")
    for strict in (False, True):
        out_pack = os.path.join(d, f"f{int(strict)}.pack")
        p = subprocess.run([SYNC, "pack", form, "--key", key, "--out", out_pack]
                           + (["--strict"] if strict else []),
                           capture_output=True, text=True, env=env, timeout=60)
        lines = p.stderr.splitlines()
        expect(lines[:1] == [want_warn], f"pack strict={strict}: stderr {lines!r}")
        expect(p.returncode == (1 if strict else 0), f"pack strict={strict}: exit {p.returncode}")
        expect(os.path.exists(out_pack) == (not strict), f"pack strict={strict}: pack file")

# Pictures in labels travel in the pack: pack finds them in FORM-media/
# beside the form (as ODK does); a missing one is a warning naming its row.
# Each is read (header) and decoded (pixels) at the desk as the kiosk will:
# one the kiosk cannot show is a warning, one too large a problem.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pngmake  # noqa: E402
with tempfile.TemporaryDirectory() as d:
    p = subprocess.run([SYNC, "keygen", "--out", d], capture_output=True, text=True, env=env, timeout=60)
    key = os.path.join(d, "study.key")
    form = os.path.join(d, "pics.md")
    with open(form, "w") as fh:
        fh.write("| survey |\n| | type | name | label | media::image |\n"
                 "| | note | hello | Hello | logo.png |\n| | select_one yn | q | Q? | |\n"
                 "| | note | bad | Bad | cut.png |\n| | note | worse | Worse | damaged.png |\n"
                 "| choices |\n| | list_name | name | label | image |\n"
                 "| | yn | y | Yes | yes.png |\n| | yn | n | No | no.png |\n")
    os.mkdir(os.path.join(d, "pics-media"))
    logo = pngmake.png(30, 10, lambda x, y: (200, 30, 30))
    yes = pngmake.png(8, 8, lambda x, y: (0, 120, 0))
    files = {"logo.png": logo, "yes.png": yes, "cut.png": b"\x89PNG\r\n\x1a\n cut short",
             "damaged.png": pngmake.damaged(20, 20)}
    for name, data in files.items():
        with open(os.path.join(d, "pics-media", name), "wb") as fh:
            fh.write(data)
    rc, out, err = run("check", form)
    lines = err.splitlines()
    missing = f"{form}:choices:3: the picture 'no.png' is not in pics-media/ beside the form; the kiosk shows its name in a frame instead"
    expect(rc == 0 and missing in lines, f"pictures check: {rc} {err!r}")
    cut = f"{form}:survey:4: the picture 'cut.png' cannot be shown on a kiosk: this PNG picture is damaged or cut short"
    expect(any(l.startswith(cut) for l in lines), f"a picture cut short is a warning with its row: {err!r}")
    dmg = f"{form}:survey:5: the picture 'damaged.png' cannot be shown on a kiosk: this PNG picture is damaged"
    expect(any(l.startswith(dmg) for l in lines),
           f"a picture whose pixels do not decode is a warning with its row: {err!r}")
    expect(not any("logo.png" in l or "yes.png" in l for l in lines),
           f"good pictures draw no warning: {err!r}")
    out_pack = os.path.join(d, "pics.pack")
    p = subprocess.run([SYNC, "pack", form, "--key", key, "--out", out_pack],
                       capture_output=True, text=True, env=env, timeout=60)
    expect(p.returncode == 0 and "attachments: 4 (logo.png, cut.png, damaged.png, yes.png)" in p.stdout,
           f"pictures pack: {p.returncode} {p.stdout!r} {p.stderr!r}")
    import skformat
    with open(out_pack, "rb") as fh:
        pack = skformat.parse_pack(fh.read())  # the independent reader (FORMATS.md)
    expect(dict(pack.attachments).get("logo.png") == logo and dict(pack.attachments).get("yes.png") == yes,
           f"pictures: attachments {[n for n, _ in pack.attachments]!r}")
    rc, out, err = run("check", "--strict", form)
    expect(rc == 1 and "3 warnings, refused with --strict" in err, f"pictures --strict: exit {rc} {err!r}")
    # Larger than any screen: a warning saying how large to make it.
    with open(os.path.join(d, "pics-media", "logo.png"), "wb") as fh:
        fh.write(pngmake.png(3000, 2, lambda x, y: (0, 0, 0)))
    rc, out, err = run("check", form)
    wide = (f"{form}:survey:2: the picture 'logo.png' is 3000 x 2 pixels, more than a kiosk screen "
            "shows (at most 1920 x 1080), and slows the first showing of its page; make it at most "
            "2048 pixels on its longer side")
    expect(rc == 0 and wide in err.splitlines(), f"a picture larger than a screen: {rc} {err!r}")
    # Too large for a kiosk's memory: check and pack refuse it, saying its size.
    with open(os.path.join(d, "pics-media", "logo.png"), "wb") as fh:
        fh.write(pngmake.png(5000, 2, lambda x, y: (0, 0, 0)))
    rc, out, err = run("check", form)
    big = (f"{form}:survey:2: the picture 'logo.png' is too large: this picture is 5000 x 2 pixels; "
           "a kiosk shows pictures up to 4096 x 4096")
    expect(rc == 1 and any(l.startswith(big) for l in err.splitlines()), f"too large: {rc} {err!r}")
    p = subprocess.run([SYNC, "pack", form, "--key", key, "--out", out_pack + "2"],
                       capture_output=True, text=True, env=env, timeout=60)
    expect(p.returncode == 1 and big in p.stderr and not os.path.exists(out_pack + "2"),
           f"pack refuses a picture too large: {p.returncode} {p.stderr!r}")

# pulldata() and instance() over a CSV file (not a choice list): check needs
# FORM-media/NAME.csv beside the form (a problem naming the row when it is
# missing), and pack carries it for the kiosk (as ODK does).
with tempfile.TemporaryDirectory() as d:
    subprocess.run([SYNC, "keygen", "--out", d], capture_output=True, text=True, env=env, timeout=60)
    key = os.path.join(d, "study.key")
    form = os.path.join(d, "lookup.md")
    with open(form, "w") as fh:
        fh.write("| survey |\n| | type | name | label | calculation |\n"
                 "| | text | code | Trust code? | |\n"
                 "| | calculate | trust | | pulldata('trusts', 'name', 'code', ${code}) |\n"
                 "| | calculate | region | | instance('trusts')/root/item[code = ${code}]/region |\n")
    rc, out, err = run("check", form)
    want = (f"{form}:survey:3:D: the calculation reads instance 'trusts', which is neither a choice "
            "list of this form nor a file trusts.csv in lookup-media/ beside the form; add the list "
            "to the choices sheet or the CSV file to that folder")
    expect(rc == 1 and want in err.splitlines(), f"pulldata without its CSV: {rc} {err!r}")
    os.mkdir(os.path.join(d, "lookup-media"))
    csv_bytes = b"code,name,region\nRYJ,Imperial College Healthcare,London\n"
    with open(os.path.join(d, "lookup-media", "trusts.csv"), "wb") as fh:
        fh.write(csv_bytes)
    rc, out, err = run("check", form)
    expect(rc == 0, f"pulldata with lookup-media/trusts.csv: {rc} {err!r}")
    out_pack = os.path.join(d, "lookup.pack")
    p = subprocess.run([SYNC, "pack", form, "--key", key, "--out", out_pack],
                       capture_output=True, text=True, env=env, timeout=60)
    expect(p.returncode == 0 and "attachments: 1 (trusts.csv)" in p.stdout,
           f"pulldata pack: {p.returncode} {p.stdout!r} {p.stderr!r}")
    with open(out_pack, "rb") as fh:
        pack = skformat.parse_pack(fh.read())
    expect(pack.attachments == [("trusts.csv", csv_bytes)], f"pulldata: attachments {pack.attachments!r}")

# Every kind of row refused by design in one form: one check run prints a
# located line for each (sheet and row), then the total.
form = os.path.join(FORMS, "broken", "every_refusal.md")
rc, out, err = run("check", form)
lines = err.splitlines()
expect(rc == 1 and len(lines) == 16, f"every_refusal: exit {rc}, {len(lines)} lines: {lines}")
for line in lines[:-1]:
    expect(re.match(re.escape(form) + r":(survey|settings):\d+(:[A-Z]+)?: \S", line),
           f"every_refusal: not located: {line!r}")
expect(lines[-1:] == [f"survey-sync: error: {form}: 15 problems; fix them and run check again"],
       f"every_refusal: last line {lines[-1:]!r}")

# Usage errors exit 2.
for args in ([], ["a", "b"], ["--frobnicate"]):
    rc, out, err = run("check", *args)
    expect(rc == 2 and err.startswith("survey-sync: usage: survey-sync check"), f"usage {args}: {rc} {err!r}")

# A missing file: exit 1, says so.
rc, out, err = run("check", "/nonexistent/form.xlsx")
expect(rc == 1 and "cannot open" in err, f"missing file: {rc} {err!r}")

for f in failures:
    print("FAIL:", f)
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
