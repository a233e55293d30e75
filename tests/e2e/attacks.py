#!/usr/bin/python3
"""attacks.py - an attacker who holds only public material, against the real binaries.

The attacker has the study's public key (study.pub), a genuine survey pack and
genuine bundles copied off a USB stick; files are made with skformat.py
(written from docs/FORMATS.md).  Every attack is refused or held, and every
test has a CONTROL: the same construction, built legitimately, is accepted,
so no test can pass because the forgery was malformed.

  1 foreign pack (same form id and version, labels 1<->5 swapped, signed by a
    throwaway study key) in a bundle that sorts first
  2 a fresh device with the public pack and invented answers: held, not exported
  3 a crafted central store: records under a genuine device id (attacker key /
    forged signature), a withdrawal of a genuine sitting without the study's
    signature
  4 record-id squatting by a new device
  5 unreadable records from an accepted device: export/report finish and list them
  7 device labels: invalid UTF-8 refused, escapes shown escaped; non-zero
    reserved header bytes refused

usage: attacks.py SURVEY_SYNC SURVEY_KIOSK FORM
"""
import csv
import glob
import json
import os
import re
import shutil
import sqlite3  # the crafted central stores of attack 3 are SQLite files
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import skformat as sf  # noqa: E402
import store as stores  # noqa: E402
from independent_reader import kiosk_sitting  # noqa: E402

SYNC, KIOSK, FORM = sys.argv[1:4]
PASS = "attacks e2e passphrase"
ENV = dict(os.environ, SURVEY_PASSPHRASE=PASS, SK_PWHASH_FAST="1", SDL_VIDEODRIVER="offscreen",
           SDL_AUDIODRIVER="dummy")
TMP = None
failures = []
_n = [0]


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return bool(cond)


def run(*args, ok=True):
    p = subprocess.run([str(a) for a in args], env=ENV, capture_output=True, timeout=180,
                       stdin=subprocess.DEVNULL)
    p.out = p.stdout.decode("utf-8", "replace")
    p.err = p.stderr.decode("utf-8", "replace")
    if ok and p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(map(str, args)),
                                                             p.out, p.err))
    return p


def sync(*args, ok=True):
    return run(SYNC, *args, ok=ok)


def fresh(name):
    _n[0] += 1
    return os.path.join(TMP, "%02d-%s" % (_n[0], name))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def fresh_store(name):
    """A new central store on the backend under test (tests/e2e/store.py)."""
    _n[0] += 1
    return stores.fresh(TMP, "%02d-%s" % (_n[0], name))


def copy_store(src, name):
    _n[0] += 1
    return stores.copy(src, TMP, "%02d-%s" % (_n[0], name))


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def status(store):
    return json.loads(sync("status", "--store", store, "--json").out)


def tables(store):
    """Everything the store holds except the import log."""
    return stores.tables(store, ("meta", "devices", "packs", "records", "conflicts", "withdrawals",
                                 "withdrawn_records"))


def export(store, keydir, extra=()):
    d = fresh("csv")
    p = sync("export", "--store", store, "--key", os.path.join(keydir, "study.key"), "--out", d, *extra,
             ok=False)
    files = {}
    if os.path.isdir(d):
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f), encoding="utf-8-sig") as fh:
                files[f] = fh.read()
    p.files = files
    p.dir = d
    return p


def rows(p, suffix):
    names = [f for f in p.files if f.endswith(suffix)]
    if not names:
        return []
    return read_csv(os.path.join(p.dir, names[0]))


def snapshot(store, keydir):
    e = export(store, keydir)
    return {"status": status(store), "tables": tables(store), "export": e.files}


def refused_unchanged(store, keydir, inp, what, words=()):
    """Merging inp into store is refused (exit 1, named) and the store is unchanged."""
    before = snapshot(store, keydir)
    p = sync("merge", "--store", store, inp, ok=False)
    print("   %s: exit %d: %s" % (what, p.returncode, p.err.strip().replace(TMP + "/", "")))
    check(p.returncode == 1, "%s: merge exit %d, want 1; stdout %r stderr %r" % (what, p.returncode, p.out, p.err))
    check(("survey-sync: error: " + inp) in p.err, "%s: the refusal names the input: %r" % (what, p.err))
    for w in words:
        check(w.lower() in p.err.lower(), "%s: %r not in %r" % (what, w, p.err))
    after = snapshot(store, keydir)
    for k in before:
        check(before[k] == after[k], "%s: the store's %s changed" % (what, k))
    return p


def merged(store, inp, what, want_line=None):
    p = sync("merge", "--store", store, inp, ok=False)
    check(p.returncode == 0, "%s (control): merge exit %d; %r %r" % (what, p.returncode, p.out, p.err))
    if want_line:
        lines = [ln for ln in p.out.splitlines() if ln.startswith(inp + ": ")]
        check(lines and re.match(want_line, lines[0][len(inp) + 2:]),
              "%s (control): line %r does not match %r" % (what, lines, want_line))
    return p

# ---------------------------------------------------------------- material --


class World:
    pass


def sitting_records(dev, study_box_pk, pack, seq, signer, role, years, impact, role_other=None,
                    code=None, record_ids=(None, None), device_id=None):
    code = code or sf.new_withdrawal_code()
    tag = sf.withdrawal_tag(code)
    sitting = os.urandom(16).hex()
    t0 = int(time.time() * 1000) - 100000
    cons = [("agree", "yes", "consent"), ("signer", signer, "consent")]
    resp = [("role", role, "response")]
    if role_other:
        resp.append(("role_other", role_other, "response"))
    resp += [("years", years, "response"), ("impact", impact, "response")]
    out = []
    for i, (kind, ans) in enumerate(((sf.KIND_CONSENT, cons), (sf.KIND_RESPONSE, resp))):
        payload = sf.make_answers(sitting, pack.form_id, pack.form_version, "English (en)", t0, t0 + 20000, ans)
        out.append(sf.write_record(dev, study_box_pk, kind, seq + i, pack.form_id, pack.form_version, tag,
                                   payload, record_id=record_ids[i], device_id_override=device_id))
    return out, code


def setup():
    w = World()
    w.sdir = os.path.join(TMP, "study")
    out = sync("keygen", "--out", w.sdir).out
    w.fp = re.search(r"fingerprint:\s+(\S+)", out).group(1)
    w.pub_path = os.path.join(w.sdir, "study.pub")
    with open(w.pub_path, "rb") as f:
        w.pub = sf.parse_study_pub(f.read())           # all the attacker has of the study
    w.pack_path = os.path.join(TMP, "genuine.pack")
    sync("pack", FORM, "--key", os.path.join(w.sdir, "study.key"), "--out", w.pack_path)
    with open(w.pack_path, "rb") as f:
        w.pack_raw = f.read()
    w.pack = sf.parse_pack(w.pack_raw)
    # A real kiosk, two sittings, one exported bundle (what the USB stick holds).
    data = os.path.join(TMP, "kiosk")
    run(KIOSK, "--data", data, "--install", w.pack_path)
    w.codes = [kiosk_sitting(KIOSK, data, "Alice Genuine", "clinical", "5", "4", TMP),
               kiosk_sitting(KIOSK, data, "Bob Genuine", "management", "9", "2", TMP)]
    usb = os.path.join(TMP, "usb")
    run(KIOSK, "--data", data, "--export", usb)
    w.g1 = glob.glob(os.path.join(usb, "*.skb"))[0]
    w.g1b = sf.read_bundle(w.g1)
    w.k1 = w.g1b.device_id.hex()
    w.k1_pk = w.g1b.device_pk
    w.g1_records = w.g1b.records()
    check([r.seq for r in w.g1b.parsed_records] == [1, 2, 3, 4], "the genuine bundle holds seq 1-4")
    # The researcher's store: pinned with --study, kiosk accepted.
    w.base = stores.fresh(TMP, "base.db")
    sync("merge", "--store", w.base, "--study", w.pub_path, w.g1)
    sync("devices", "accept", w.k1, "--store", w.base)
    e = export(w.base, w.sdir)
    check(e.returncode == 0 and len(rows(e, "_responses.csv")) == 2, "baseline: 2 genuine responses exported")
    # The attacker's throwaway study (keygen elsewhere).
    w.evil_dir = os.path.join(TMP, "attacker-study")
    sync("keygen", "--out", w.evil_dir)
    with open(os.path.join(w.evil_dir, "study.pub"), "rb") as f:
        w.evil_pub = sf.parse_study_pub(f.read())
    return w

# ------------------------------------------------------------------ attacks --


def attack1_foreign_pack(w):
    print("== 1 foreign pack, labels swapped, throwaway study key")
    with open(FORM, encoding="utf-8") as f:
        text = f.read()
    swapped = (text.replace("Strongly disagree", "@@SD@@").replace("Strongly agree", "Strongly disagree")
               .replace("@@SD@@", "Strongly agree"))
    check(swapped != text, "the labels were swapped")
    evil_form = write(os.path.join(TMP, "evil-form", os.path.basename(FORM)), swapped.encode())
    evil_pack = os.path.join(TMP, "foreign.pack")
    sync("pack", evil_form, "--key", os.path.join(w.evil_dir, "study.key"), "--out", evil_pack)
    with open(evil_pack, "rb") as f:
        fp_raw = f.read()
    fp = sf.parse_pack(fp_raw)
    check((fp.form_id, fp.form_version) == (w.pack.form_id, w.pack.form_version),
          "the foreign pack has the genuine form id and version")
    check(fp.study_fp != w.fp, "the foreign pack is of another study")

    dev = sf.DeviceKey()
    recs, _ = sitting_records(dev, w.pub.box_pk, w.pack, 1, "Eve Relabel", "clinical", "3", "5")
    usb = os.path.join(TMP, "usb1")
    evil = write(os.path.join(usb, "skb-0000000000000000-1-2-1.skb"),
                 sf.write_bundle(dev, "kiosk", 1, packs=[fp_raw], records=recs))
    g1 = os.path.join(usb, os.path.basename(w.g1))
    shutil.copyfile(w.g1, g1)
    ordered = sorted(glob.glob(os.path.join(usb, "*.skb")))
    check(ordered[0] == evil, "the forged bundle sorts first")

    # (i) pinned with merge --study: the forged bundle is refused, the genuine one merges.
    s1 = fresh_store("pinned-study.db")
    p = sync("merge", "--store", s1, "--study", w.pub_path, *ordered, ok=False)
    check(p.returncode == 1 and ("survey-sync: error: " + evil) in p.err,
          "1(i) --study: the forged bundle is refused and named: exit %d %r" % (p.returncode, p.err))
    check(any(ln.startswith(g1 + ": ") for ln in p.out.splitlines()), "1(i) the genuine bundle still merges: %r" % p.out)
    fps = [r[0] for r in stores.query(s1, "SELECT study_fp FROM packs")]
    check(fps == [w.fp], "1(i) the store holds only the genuine pack: %s" % fps)
    sync("devices", "accept", w.k1, "--store", s1)
    e = export(s1, w.sdir)
    check(e.returncode == 0, "1(i) export: %r" % e.err)
    cb = rows(e, "_codebook.csv")
    impact = [r for r in cb if r["variable"] == "impact"]
    check(impact and impact[0]["choices"].startswith("1=Strongly disagree") and
          impact[0]["choices"].endswith("5=Strongly agree"), "1(i) codebook labels are genuine: %s" % impact)
    e = export(s1, w.sdir, ["--labels"])
    resp = rows(e, "_responses.csv")
    vals = sorted(r.get("impact") for r in resp)
    check(vals == ["Agree", "Disagree"], "1(i) --labels: the genuine sittings read Agree/Disagree: %s" % vals)
    check("Eve Relabel" not in "".join(e.files.values()), "1(i) nothing of the forged bundle is exported")

    # (ii) pinned by a genuine first pack (the baseline store was not given --study? it was;
    # so make one pinned only by the genuine bundle's pack).
    s2 = fresh_store("pinned-pack.db")
    p = sync("merge", "--store", s2, w.g1)
    check("pinned to study " + w.fp in p.out, "1(ii) the first genuine pack pins the store: %r" % p.out)
    sync("devices", "accept", w.k1, "--store", s2)
    refused_unchanged(s2, w.sdir, evil, "1(ii) foreign pack into a store pinned by a genuine pack",
                      words=("study",))
    refused_unchanged(w.base, w.sdir, evil, "1(ii) foreign pack into the researcher's store", words=("study",))

    # (iii) an unpinned store given the forged bundle first: the merge must say which
    # study it pinned to, the genuine bundle is then refused (loud), and export with
    # the genuine key never uses the foreign pack.
    s3 = fresh_store("unpinned.db")
    p = sync("merge", "--store", s3, *ordered, ok=False)
    check(("pinned to study " + fp.study_fp) in p.out,
          "1(iii) the merge says the store was pinned to the attacker's fingerprint: %r" % p.out)
    check(p.returncode == 1 and ("survey-sync: error: " + g1) in p.err,
          "1(iii) the genuine bundle is then refused, loudly: exit %d %r" % (p.returncode, p.err))
    e = export(s3, w.sdir)
    allcsv = "".join(e.files.values())
    check(e.returncode != 0 or ("5=Strongly disagree" not in allcsv and "Eve Relabel" not in allcsv),
          "1(iii) export with the genuine key does not use the foreign pack: exit %d %r %s"
          % (e.returncode, e.err, list(e.files)))
    check(e.returncode != 0, "1(iii) export with the genuine key of a store pinned to another study fails: "
          "exit %d %r" % (e.returncode, e.err))

    # Control: the same bundle construction with the genuine pack merges (held).
    good = write(os.path.join(TMP, "ctl1", "skb-0000000000000000-1-2-1.skb"),
                 sf.write_bundle(dev, "kiosk", 1, packs=[w.pack_raw], records=recs))
    c = copy_store(w.base, "ctl1.db")
    merged(c, good, "1", r"0 new, 2 held")


def attack2_fresh_device(w):
    print("== 2 a fresh device with invented answers")
    dev = sf.DeviceKey()
    recs, _ = sitting_records(dev, w.pub.box_pk, w.pack, 1, "Mallory Invented", "other", "42", "1",
                              role_other="forged-role")
    path = write(os.path.join(TMP, "usb2", "skb-%s-1-2-5.skb" % dev.id_hex),
                 sf.write_bundle(dev, "Durham-Pi-1", 5, packs=[w.pack_raw], records=recs))
    s = copy_store(w.base, "attack2.db")
    before = export(s, w.sdir)
    merged(s, path, "2 held", r"0 new, 2 held")
    st = status(s)
    d = [x for x in st["devices"] if x["device_id"] == dev.id_hex]
    check(d and d[0]["state"] == "new" and d[0]["quarantined"] == 2, "2: status shows the device new, 2 held: %s" % d)
    check(sum(r["finished"] for r in st["rows"]) == 2, "2: status counts 2 finished sittings: %s" % st["rows"])
    after = export(s, w.sdir)
    check(after.files == before.files, "2: the export is unchanged by held records")
    check("forged-role" not in "".join(after.files.values()), "2: invented answers absent from the CSV")
    rep = sync("report", "--store", s, "--key", os.path.join(w.sdir, "study.key"), "--text", ok=False)
    check(rep.returncode == 0 and "Sittings: 2 " in rep.out and "forged-role" not in rep.out,
          "2: report counts 2 sittings, not the held one: %r" % rep.out[:300])
    html = fresh("report.html")
    sync("report", "--store", s, "--key", os.path.join(w.sdir, "study.key"), "--out", html)
    with open(html, encoding="utf-8") as f:
        check("forged-role" not in f.read(), "2: the HTML report does not show the invented answers")
    # Control: after the researcher accepts it, the same records are exported.
    sync("devices", "accept", dev.id_hex, "--store", s)
    e = export(s, w.sdir)
    resp = rows(e, "_responses.csv")
    check(len(resp) == 3 and any(r.get("role_other") == "forged-role" for r in resp),
          "2 (control): after accept the records appear: %d rows" % len(resp))
    rep = sync("report", "--store", s, "--key", os.path.join(w.sdir, "study.key"), "--text", ok=False)
    check("Sittings: 3 " in rep.out, "2 (control): report counts 3 sittings after accept")

    # Genuine records cannot be passed off under another device, nor a device under another id.
    d2 = os.path.join(TMP, "usb2b")
    s = copy_store(w.base, "attack2b.db")
    moved = write(os.path.join(d2, "transplant.skb"),
                  sf.write_bundle(dev, "Durham-Pi-1", 5, packs=[w.pack_raw], records=w.g1_records))
    refused_unchanged(s, w.sdir, moved, "2b genuine records in the attacker's bundle")
    claim = write(os.path.join(d2, "claim-id.skb"),
                  sf.write_bundle(dev, "Durham-Pi-1", 5, packs=[w.pack_raw], records=recs,
                                  device_id_override=w.g1b.device_id))
    refused_unchanged(s, w.sdir, claim, "2c the genuine device id on the attacker's key")
    # the genuine id and key in the header, signed by the attacker
    g = bytearray(open(w.g1, "rb").read())
    g[-64:] = sf.sign_detached(sf.blake2b(bytes(g[:-64]), 512), dev.sk)
    resigned = write(os.path.join(d2, "resigned.skb"), bytes(g))
    refused_unchanged(s, w.sdir, resigned, "2d the genuine bundle re-signed by the attacker")
    # Control: the genuine bundle itself, into a fresh store: taken (held, device new there).
    merged(fresh_store("attack2-ctl.db"), w.g1, "2b-d genuine bundle", r"0 new, 4 held")


def attack3_crafted_store(w):
    print("== 3 a crafted central store")
    k1fp = sf.blake2b(w.k1_pk, 256)[:10]
    mal = sf.DeviceKey()
    evil_study = sf.new_study_key()   # the attacker's own signing key
    gr = w.g1b.parsed_records
    sitting_a = [r for r in gr if r.wtag == sf.withdrawal_tag(w.codes[0])]
    check(len(sitting_a) == 2, "sitting A's two records carry the tag of its code (clear in the bundle)")
    tag_a = sitting_a[0].wtag if sitting_a else bytes(16)

    def craft(name, devices, records, withdrawals=(), withdrawn=()):
        path = fresh(name)
        sf.write_central_store(path, w.pub, devices=devices, records=records, packs=[w.pack_raw],
                               withdrawals=withdrawals, withdrawn_records=withdrawn)
        return path

    # new records (seq 5, 6) naming the genuine device id, signed by the attacker's key
    forged, _ = sitting_records(mal, w.pub.box_pk, w.pack, 5, "Forged Five", "other", "1", "1",
                                role_other="forged-store", device_id=w.g1b.device_id)
    # (a) the genuine id with the attacker's pk in the pk column
    a = craft("3a.db", [(w.k1, mal.pk, k1fp, "Durham-Pi-1", 1)], [(w.k1, x) for x in forged])
    refused_unchanged(w.base, w.sdir, a, "3a records under the genuine id, attacker's pk")
    # (b) the genuine pk, signatures made with the attacker's key
    b = craft("3b.db", [(w.k1, w.k1_pk, k1fp, "Durham-Pi-1", 1)], [(w.k1, x) for x in forged])
    refused_unchanged(w.base, w.sdir, b, "3b records under the genuine id and pk, forged signature")
    # (b2) the genuine pk, a genuine record's bytes with its signature replaced
    g = bytearray(w.g1_records[0])
    g[-64:] = sf.sign_detached(bytes(g[:-64]), mal.sk)
    b2 = craft("3b2.db", [(w.k1, w.k1_pk, k1fp, "Durham-Pi-1", 1)], [(w.k1, bytes(g))])
    refused_unchanged(w.base, w.sdir, b2, "3b2 a genuine record re-signed by the attacker")
    # (c) a withdrawal of sitting A with a statement signed by the attacker
    genuine_rows = [(w.k1, x) for x in w.g1_records]
    wrows = [(w.k1, r.record_id, tag_a, r.seq, r.kind, r.form_id, r.form_version) for r in sitting_a]
    stmt_evil = sf.write_statement(evil_study.sign_sk, tag_a, int(time.time() * 1000))
    c = craft("3c.db", [(w.k1, w.k1_pk, k1fp, "Durham-Pi-1", 1)], genuine_rows,
              [(tag_a, 1796000000000, stmt_evil)], wrows)
    refused_unchanged(w.base, w.sdir, c, "3c withdrawal signed by the attacker's key")
    # (d) the same with no statement at all (empty column)
    d = craft("3d.db", [(w.k1, w.k1_pk, k1fp, "Durham-Pi-1", 1)], genuine_rows,
              [(tag_a, 1796000000000, b"")], wrows)
    refused_unchanged(w.base, w.sdir, d, "3d withdrawal without a statement")
    # (e) genuine bytes, but the clear columns lie (seq, kind, wtag): FORMATS.md does not
    # say which columns a merge trusts.  Whatever it does, the result must be what the
    # genuine bytes say: refused, or the same rows as merging the genuine bundle.
    e = fresh("3e.db")
    sf.write_central_store(e, w.pub, devices=[(w.k1, w.k1_pk, k1fp, "Durham-Pi-1", 1)],
                           records=[(w.k1, x) for x in w.g1_records], packs=[w.pack_raw])
    con = sqlite3.connect(e)
    con.execute("UPDATE records SET seq = seq + 100, kind = 4, wtag = ?", (os.urandom(16),))
    con.commit()
    con.close()
    into, ref = fresh_store("3e-into.db"), fresh_store("3e-ref.db")
    p = sync("merge", "--store", into, "--study", w.pub_path, e, ok=False)
    sync("merge", "--store", ref, "--study", w.pub_path, w.g1)
    print("   3e lying columns: exit %d: %s" % (p.returncode, (p.out + p.err).strip().replace(TMP + "/", "")))
    rec_rows = lambda db: sorted(repr(r) for r in stores.query(  # noqa: E731
        db, "SELECT device, record_id, seq, kind, form_id, form_version, wtag, blob FROM records"))
    check(p.returncode == 1 or rec_rows(into) == rec_rows(ref),
          "3e: a store whose columns contradict its record bytes is taken with the lying columns: %s"
          % rec_rows(into)[:1])
    # Control 1: the same construction from genuine bytes merges (into a fresh store: held).
    ctl = craft("3ctl.db", [(w.k1, w.k1_pk, k1fp, "Durham-Pi-1", 1)], genuine_rows)
    f = fresh_store("3ctl-into.db")
    p = sync("merge", "--store", f, "--study", w.pub_path, ctl, ok=False)
    check(p.returncode == 0, "3 (control): a crafted store of genuine bytes merges: %r %r" % (p.out, p.err))
    st = status(f)
    dd = [x for x in st["devices"] if x["device_id"] == w.k1]
    check(dd and dd[0]["held"] == [[1, 4]], "3 (control): its 4 genuine records arrive (held here): %s" % dd)
    merged(copy_store(w.base, "3ctl-base.db"), ctl, "3 into the researcher's store",
           r"0 new, .*4 already present")
    # Control 2: a withdrawal statement signed by the genuine study key is applied.
    study = sf.load_study_key(open(os.path.join(w.sdir, "study.key"), "rb").read(), PASS)
    stmt = sf.write_statement(study.sign_sk, tag_a, int(time.time() * 1000))
    c2 = craft("3ctl-wd.db", [(w.k1, w.k1_pk, k1fp, "Durham-Pi-1", 1)], genuine_rows,
               [(tag_a, 1796000000000, stmt)], wrows)
    s = copy_store(w.base, "3ctl-wd-into.db")
    merged(s, c2, "3 genuine statement")
    e = export(s, w.sdir)
    resp = rows(e, "_responses.csv")
    check(len(resp) == 1 and resp[0]["years"] == "9",
          "3 (control): the genuinely signed withdrawal removes sitting A: %s" % [r.get("years") for r in resp])
    st = status(s)
    check(st["withdrawals"] == 1 and all(x["missing"] == [] for x in st["devices"]),
          "3 (control): one withdrawal, no gap: %s" % st)


def attack4_squatting(w):
    print("== 4 record-id squatting")
    dev = sf.DeviceKey()
    ids = [r.record_id for r in w.g1b.parsed_records[:2]]
    recs, _ = sitting_records(dev, w.pub.box_pk, w.pack, 1, "Squatter", "other", "1", "1",
                              role_other="squat", record_ids=ids)
    path = write(os.path.join(TMP, "usb4", "skb-%s-1-2-6.skb" % dev.id_hex),
                 sf.write_bundle(dev, "squatter", 6, packs=[w.pack_raw], records=recs))
    s = fresh_store("attack4.db")
    k1fp = sf.device_fingerprint(w.k1_pk)
    p = sync("devices", "add", k1fp, "--store", s, ok=False)
    check(p.returncode == 0, "4: devices add the genuine kiosk's fingerprint: %r" % p.err)
    p = sync("merge", "--store", s, "--study", w.pub_path, path, ok=False)
    check(p.returncode == 0 and (path + ": 0 new, 2 held") in p.out, "4: the squatter first, held: %r %r"
          % (p.out, p.err))
    p = merged(s, w.g1, "4 genuine after", r"4 new, 0 already present, 0 conflicts")
    st = status(s)
    devs = {d["device_id"]: d for d in st["devices"]}
    g = devs.get(w.k1, {})
    # status --json: "held" is the ranges the store holds, "quarantined" the count kept
    # back until the device is accepted (what FORMATS.md calls "held").
    check(g.get("state") == "accepted" and g.get("missing") == [] and g.get("held") == [[1, 4]]
          and g.get("quarantined") == 0, "4: genuine device accepted, 1-4 there, nothing missing: %s" % g)
    check(st["conflicts"] == [], "4: no conflict: %s" % st["conflicts"])
    q = devs.get(dev.id_hex, {})
    check(q.get("state") == "new" and q.get("quarantined") == 2, "4: the squatter stays held: %s" % q)
    e = export(s, w.sdir)
    resp = rows(e, "_responses.csv")
    check(sorted(r["device_id"] for r in resp) == [w.k1, w.k1] and "squat" not in "".join(e.files.values()),
          "4: only the genuine sittings are exported")
    # Control: the squatter's records are well-formed: accepted, they are exported.
    c = copy_store(s, "attack4-ctl.db")
    sync("devices", "accept", dev.id_hex, "--store", c)
    resp = rows(export(c, w.sdir), "_responses.csv")
    check(len(resp) == 3 and any(r.get("role_other") == "squat" for r in resp),
          "4 (control): after accept the squatter's record is exported: %d rows" % len(resp))


def attack5_unreadable(w):
    print("== 5 unreadable records from an accepted device")
    dev = sf.DeviceKey()
    tag = sf.withdrawal_tag(sf.new_withdrawal_code())
    good, _ = sitting_records(dev, w.pub.box_pk, w.pack, 1, "Readable", "clinical", "7", "3")
    good_resp = sf.parse_record(good[1])
    recs = [
        good[0], good[1],
        sf.write_record(dev, w.pub.box_pk, sf.KIND_RESPONSE, 3, w.pack.form_id, w.pack.form_version, tag,
                        b"not json"),
        sf.write_record(dev, w.evil_pub.box_pk, sf.KIND_RESPONSE, 4, w.pack.form_id, w.pack.form_version,
                        tag, sf.make_answers(None, w.pack.form_id, w.pack.form_version, None, 1, 2,
                                             [("role", "clinical", "response")])),
        sf.write_record(dev, w.pub.box_pk, sf.KIND_RESPONSE, 5, w.pack.form_id, w.pack.form_version, tag,
                        b'{"format":"survey-kiosk/answers","v":1,"answers":[{"name":"years","value":7,'
                        b'"section":"response","changed":1,"dwell_ms":1}]}'),
    ]
    path = write(os.path.join(TMP, "usb5", "skb-%s-1-5-7.skb" % dev.id_hex),
                 sf.write_bundle(dev, "Odd-Pi", 7, packs=[w.pack_raw], records=recs))
    s = copy_store(w.base, "attack5.db")
    sync("devices", "add", sf.device_fingerprint(dev.pk), "--store", s)
    merged(s, path, "5", r"5 new, 0 already present")
    e = export(s, w.sdir)
    check(e.returncode == 0, "5: export finishes: exit %d %r" % (e.returncode, e.err))
    warn = [ln for ln in e.err.splitlines() if ln.startswith("survey-sync: warning:")]
    check(len(warn) >= 3, "5: a warning line per unreadable record: %r" % e.err)
    for seq in ("3", "4", "5"):
        check(any(dev.id_hex in ln and re.search(r"\b%s\b" % seq, ln) for ln in warn),
              "5: a warning names device %s seq %s: %r" % (dev.id_hex, seq, warn))
    un = rows(e, "unreadable.csv")
    got = sorted((r["device"], r["seq"]) for r in un)
    check(got == [(dev.id_hex, "3"), (dev.id_hex, "4"), (dev.id_hex, "5")],
          "5: unreadable.csv lists device and seq: %s" % un)
    check(all(r.get("reason") for r in un), "5: each has a reason: %s" % un)
    resp = rows(e, "_responses.csv")
    check(sorted((r["device_id"], r["seq"]) for r in resp) ==
          sorted([(w.k1, "2"), (w.k1, "4"), (dev.id_hex, str(good_resp.seq))]),
          "5: the other records are exported: %s" % [(r["device_id"], r["seq"]) for r in resp])
    rep = sync("report", "--store", s, "--key", os.path.join(w.sdir, "study.key"), "--text", ok=False)
    check(rep.returncode == 0, "5: report finishes: exit %d %r" % (rep.returncode, rep.err))
    check(dev.id_hex in rep.out + rep.err and "Sittings: 3 " in rep.out,
          "5: the report lists the unreadable records and counts 3 sittings: %r" % (rep.out[:400] + rep.err))
    html = fresh("report5.html")
    rp = sync("report", "--store", s, "--key", os.path.join(w.sdir, "study.key"), "--out", html, ok=False)
    check(rp.returncode == 0, "5: HTML report finishes")
    st = status(s)
    d = [x for x in st["devices"] if x["device_id"] == dev.id_hex]
    check(d and d[0]["unreadable"] == 3, "5: status counts 3 unreadable: %s" % d)
    txt = sync("status", "--store", s).out
    check("unreadable" in txt, "5: status (text) mentions them: %r" % txt)


def attack7_labels(w):
    print("== 7 device labels and reserved bytes")
    dev = sf.DeviceKey()
    recs, _ = sitting_records(dev, w.pub.box_pk, w.pack, 1, "Label Test", "clinical", "2", "2")
    d7 = os.path.join(TMP, "usb7")
    bad = write(os.path.join(d7, "bad-utf8.skb"),
                sf.write_bundle(dev, None, 8, packs=[w.pack_raw], records=recs, label_raw=b"Pi \xff\xfe \xc0\xaf"))
    try:
        sf.read_bundle(bad)
        check(False, "7: skformat reads a bundle with an invalid UTF-8 label")
    except sf.FormatError:
        pass
    s = copy_store(w.base, "attack7.db")
    refused_unchanged(s, w.sdir, bad, "7 label not UTF-8", words=("UTF-8",))
    p = sync("inspect", bad, ok=False)
    check(p.returncode == 1 and "UTF-8" in p.err, "7: inspect refuses the invalid label clearly: %r" % p.err)
    ctl = write(os.path.join(d7, "ok-label.skb"),
                sf.write_bundle(dev, "Pi ok", 8, packs=[w.pack_raw], records=recs))
    merged(copy_store(w.base, "attack7-ctl.db"), ctl, "7 valid label", r"0 new, 2 held")

    # Non-zero reserved bytes, correctly signed: refused; zero: accepted (ctl above).
    rb = write(os.path.join(d7, "reserved.skb"),
               sf.write_bundle(dev, "Pi ok", 8, packs=[w.pack_raw], records=recs, reserved=b"\x00\x01\x00"))
    try:
        sf.read_bundle(rb)
        check(False, "7: skformat reads a bundle with non-zero reserved bytes")
    except sf.FormatError:
        pass
    refused_unchanged(s, w.sdir, rb, "7 non-zero reserved bytes")
    p = sync("inspect", rb, ok=False)
    check(p.returncode == 1, "7: inspect refuses non-zero reserved bytes: %r" % p.out)

    # Terminal escapes: stored, but shown escaped.
    dev2 = sf.DeviceKey()
    recs2, _ = sitting_records(dev2, w.pub.box_pk, w.pack, 1, "Esc Test", "clinical", "2", "2")
    label = "Pi\x1b[2J\x1b]0;owned\x07\r\nfake\x7f\x9b"
    esc = write(os.path.join(d7, "escapes.skb"),
                sf.write_bundle(dev2, label, 9, packs=[w.pack_raw], records=recs2))
    merged(s, esc, "7 label with escapes", r"0 new, 2 held")
    for args in (("status", "--store", s), ("devices", "list", "--store", s), ("inspect", esc),
                 ("merge", "--store", s, esc)):
        p = sync(*args, ok=False)
        raw = p.stdout
        check(p.returncode == 0, "7: %s exit %d %r" % (args[0], p.returncode, p.err))
        check(b"\x1b" not in raw and b"\x07" not in raw and b"\r" not in raw and b"\xc2\x9b" not in raw,
              "7: %s prints no raw control byte: %r" % (" ".join(args[:2]), raw))
        check(b"\\x1b" in raw, "7: %s shows ESC as \\x1b: %r" % (" ".join(args[:2]), raw))
        check(b"\x1b" not in p.stderr, "7: %s stderr holds no ESC" % args[0])
    st = status(s)
    ids = {d["device_id"]: d for d in st["devices"]}
    check(set(ids) >= {w.k1, dev2.id_hex}, "7: status --json lists every device: %s" % sorted(ids))
    # JSON could carry the label exactly (\u001b); survey-sync writes it escaped as on the
    # terminal.  Either is safe; what matters is that no raw control reaches stdout.
    got = ids.get(dev2.id_hex, {}).get("device_label")
    check(got == label or (got or "").startswith("Pi\\x1b[2J"), "7: status --json label %r" % got)
    js = sync("status", "--store", s, "--json")
    check(b"\x1b" not in js.stdout and b"\x07" not in js.stdout, "7: status --json prints no raw control byte")
    dl = json.loads(sync("devices", "list", "--store", s, "--json").out)
    check({d["device_id"] for d in dl} >= {w.k1, dev2.id_hex}, "7: devices list --json lists every device")


def main():
    global TMP
    base = os.environ.get("SK_TEST_TMP", "/tmp")
    os.makedirs(base, exist_ok=True)
    TMP = tempfile.mkdtemp(prefix="attacks-", dir=base)
    t = time.time()
    w = setup()
    for name, fn in (("1", attack1_foreign_pack), ("2", attack2_fresh_device), ("3", attack3_crafted_store),
                     ("4", attack4_squatting), ("5", attack5_unreadable), ("7", attack7_labels)):
        t1 = time.time()
        try:
            fn(w)
        except (sf.SkError, AssertionError, SystemExit, KeyError, IndexError, ValueError) as e:
            check(False, "attack %s stopped: %s: %s" % (name, type(e).__name__, e))
        print("   attack %s: %.1f s" % (name, time.time() - t1))
    print("%.1f s" % (time.time() - t))
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    shutil.rmtree(TMP, ignore_errors=True)
    print("attacks: all refused or held, all controls accepted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
