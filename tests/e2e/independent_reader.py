#!/usr/bin/python3
"""independent_reader.py - an independent implementation (skformat.py, written
from docs/FORMATS.md alone) against the golden vectors and the real binaries.

  (a) golden vectors (tests/golden/crypto): every header field and payload as
      FORMATS.md's golden table says; the page's own test vectors.
  (b) real files: survey-sync keygen + pack, survey-kiosk --install, one sitting
      driven through the kiosk test protocol, --export; the bundle is read
      completely in Python (signatures, records opened with the study key,
      answers as entered).
  (c) the other direction: Python makes a device key and a bundle (the real
      pack, records sealed to the study and signed), survey-sync devices add
      <fingerprint computed in Python>, merge, export: the CSV holds exactly
      those answers.

usage: independent_reader.py SURVEY_SYNC SURVEY_KIOSK FORM GOLDEN_DIR
"""
import csv
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import skformat as sf  # noqa: E402
import store as stores  # noqa: E402

PASS = "independent reader passphrase"
ENV = dict(os.environ, SURVEY_PASSPHRASE=PASS, SK_PWHASH_FAST="1", SDL_VIDEODRIVER="offscreen",
           SDL_AUDIODRIVER="dummy")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return bool(cond)


def run(*args, ok=True, env=None):
    p = subprocess.run([str(a) for a in args], env=env or ENV, capture_output=True, text=True,
                       timeout=180, stdin=subprocess.DEVNULL)
    if ok and p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(map(str, args)),
                                                             p.stdout, p.stderr))
    return p


def raises(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc:
        return True
    except Exception as e:  # noqa: BLE001
        print("  (raised %s: %s, wanted %s)" % (type(e).__name__, e, exc.__name__))
        return False
    return False


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))

# ---------------------------------------------------------------- the kiosk --


def kiosk_sitting(kiosk_bin, data, signer, role, years, impact, tmp):
    """One finished sitting of tests/data/forms/kiosk_e2e.md on the real kiosk;
    returns the withdrawal code shown on the thank-you screen."""
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ["SK_TEST_TMP"] = tmp
    from kiosk import Kiosk
    k = Kiosk(kiosk_bin, data)
    try:
        k.wait_screen("welcome")
        k.tap("start")
        k.wait_screen("consent")
        k.tap("agree")
        k.tap("signer")
        k.text(signer)
        if k.has("osk/done"):
            k.tap("osk/done")
        k.tap("next")
        k.tap("role/" + role)
        k.tap("next")
        k.tap("years")
        k.text(years)
        if k.has("osk/done"):
            k.tap("osk/done")
        k.tap("next")
        for _ in range(15):
            if k.has("submit"):
                break
            if k.has("impact/%s" % impact):
                k.tap("impact/%s" % impact)
            k.tap("next")
        k.tap("submit")
        ui = k.wait_screen("thanks")
        return k.widget("withdrawal-code", ui)["label"]
    finally:
        k.close()


def make_study(sync, tmp, name="study"):
    d = os.path.join(tmp, name)
    out = run(sync, "keygen", "--out", d).stdout
    fp = re.search(r"fingerprint:\s+(\S+)", out).group(1)
    return d, fp

# ------------------------------------------------------------ (a) golden --


def part_golden(golden):
    print("== (a) golden vectors in", golden)
    # FORMATS.md's own test vectors first (they need no file).
    check(sf.study_fingerprint(b"\x11" * 32, b"\x22" * 32) == "8A6K-FNNK-9XG5-N3ZK",
          "study fingerprint test vector (box_pk 32x11, sign_pk 32x22)")
    check(sf.withdrawal_tag("K7QF-3M9X-T2RD-8HWA").hex() == "11856d4cdb3ff83d7ea1c8d6e4e61fef",
          "withdrawal tag test vector")
    check(sf.withdrawal_tag("k7qf 3m9x-t2rd8hwa") == sf.withdrawal_tag("K7QF-3M9X-T2RD-8HWA"),
          "typed codes are normalised before tagging")
    check(sf.normalise_code("oIlL-0000-0000-0000") == "0111-0000-0000-0000", "O/I/L read as 0/1/1")
    check(raises(sf.FormatError, sf.normalise_code, "K7QF-3M9X-T2RD-8HWU"), "U refused in a code")
    check(raises(sf.FormatError, sf.normalise_code, "K7QF-3M9X-T2RD-8HW"), "15 symbols refused")

    dev = sf.DeviceKey(b"\x42" * 32)
    check(dev.id_hex == "26e88ab5574ac2e8", "golden device id from seed 32x42: %s" % dev.id_hex)

    def golden_file(name):
        path = os.path.join(golden, name)
        if not check(os.path.exists(path), "golden file %s exists (FORMATS.md's golden table lists it)" % path):
            return None
        with open(path, "rb") as f:
            return f.read()

    rec_raw = golden_file("record.bin")
    if rec_raw is not None and len(rec_raw) > 4 and rec_raw[4] != 2:
        check(False, "tests/golden/crypto/record.bin has version byte %d: the golden vectors have "
              "not been regenerated for record v2 / bundle v2 (FORMATS.md: 'record.bin | response "
              "record (v2) ... signed by the golden device'); regenerate them with "
              "SK_GOLDEN_WRITE=1 test_crypto_bundle" % rec_raw[4])
        return

    # study key
    hexes = {}
    for line in (golden_file("study_key.hex") or b"").decode().splitlines():
        if line.strip():
            k, v = line.split()
            hexes[k] = bytes.fromhex(v)
    key_raw, pub_raw = golden_file("study.key"), golden_file("study.pub")
    study = None
    if key_raw and pub_raw:
        study = sf.load_study_key(key_raw, "golden passphrase")
        check((study.box_pk, study.sign_pk, study.box_sk, study.sign_sk) ==
              (hexes.get("box_pk"), hexes.get("sign_pk"), hexes.get("box_sk"), hexes.get("sign_sk")),
              "study.key opens with 'golden passphrase' to the keys in study_key.hex")
        pub = sf.parse_study_pub(pub_raw)
        check((pub.box_pk, pub.sign_pk) == (study.box_pk, study.sign_pk), "study.pub == study.key's public halves")
        check(raises(sf.PassphraseError, sf.load_study_key, key_raw, "golden passphrase\n"),
              "a passphrase with a trailing newline is another passphrase")
        bad = bytearray(key_raw)
        bad[70] ^= 1
        check(raises(sf.PassphraseError, sf.load_study_key, bytes(bad), "golden passphrase"),
              "a changed clear public key makes the key file fail (AD is the header)")
    fp_txt = golden_file("device_fingerprint.txt")
    if fp_txt is not None:
        check(fp_txt.decode().strip() == dev.fingerprint,
              "device_fingerprint.txt %r == fingerprint computed from FORMATS.md %r"
              % (fp_txt.decode().strip(), dev.fingerprint))
    tag = sf.withdrawal_tag("G01D-EN00-C0DE-2026")

    if rec_raw is not None and study:
        r = sf.parse_record(rec_raw)
        check((r.kind, r.flags, r.seq, r.form_id, r.form_version) == (2, 0, 7, "golden_basic", "2026.1"),
              "record.bin header: kind %d flags %d seq %d form %r %r" % (r.kind, r.flags, r.seq, r.form_id,
                                                                         r.form_version))
        check(r.record_id == b"\xa0" * 16, "record.bin record id 16 x a0")
        check(r.device_id == dev.id, "record.bin device id is the golden device")
        check(r.wtag == tag, "record.bin carries the tag of G01D-EN00-C0DE-2026")
        sf.verify_record(r, dev.pk)
        payload, inner = sf.open_record(r, study)
        check(payload == b'{"golden":"response","q1":"yes"}', "record.bin payload: %r" % payload)
        for off in (0, 5, 30, len(rec_raw) // 2, len(rec_raw) - 1):
            bad = bytearray(rec_raw)
            bad[off] ^= 1
            try:
                rr = sf.parse_record(bytes(bad))
                sf.verify_record(rr, dev.pk)
                check(False, "record.bin with byte %d flipped still verifies" % off)
            except sf.SkError:
                pass
    wr_raw = golden_file("wrapped_draft.bin")
    if wr_raw is not None and study:
        w = sf.parse_record(wr_raw)
        check((w.kind, w.flags, w.seq, w.record_id) == (3, 1, 8, b"\xc0" * 16),
              "wrapped_draft.bin: incomplete, wrapped, seq 8, record id 16 x c0")
        sf.verify_record(w, dev.pk)
        payload, inner = sf.open_record(w, study, device_pk=dev.pk)
        check(payload == b'{"golden":"draft"}', "wrapped draft payload: %r" % payload)
        check(inner.record_id == b"\xb0" * 16 and inner.kind == 5 and inner.seq == 0,
              "the inner draft: record id 16 x b0, kind 5, seq 0")
    wd_raw = golden_file("withdrawal.bin")
    if wd_raw is not None and study:
        s = sf.parse_statement(wd_raw, study.sign_pk)
        check(s.tag == tag and s.time_ms == 1763856000000, "withdrawal.bin: tag and time")
        check(raises(sf.AuthError, sf.parse_statement, wd_raw, sf.DeviceKey().pk),
              "a statement does not verify with another key")
    pack_raw = golden_file("pack.bin")
    if pack_raw is not None and study:
        p = sf.parse_pack(pack_raw)
        check((p.form_id, p.form_version, p.title, p.file_name) ==
              ("golden_basic", "2026.1", "Golden pack", "golden.md"), "pack.bin fields")
        check((p.box_pk, p.sign_pk) == (study.box_pk, study.sign_pk), "pack.bin is the golden study's")
        check(p.version == 2 and p.attachments == [("logo.png", b"GOLDEN-LOGO-BYTES")],
              "pack.bin (v2): one attachment logo.png: %r" % (p.attachments,))
        rk = sf.DeviceKey(bytes([0x33]) * 32).pk
        check(p.url == "https://kiosk-server.example:8443" and p.tls_pin == b"\x11" * 32
              and p.receipt_pk == rk,
              "pack.bin delivery: URL, pin 32 x 11, receipt key of seed 32 x 33")
    v1_raw = golden_file("pack_v1.bin")
    if v1_raw is not None and study:
        p1 = sf.parse_pack(v1_raw)
        check(p1.version == 1 and p1.form_id == "golden_basic" and p1.attachments == [] and p1.url is None,
              "pack_v1.bin still reads: no attachments, no server")
    b_raw = golden_file("bundle.skb")
    if b_raw is not None and study:
        b = sf.read_bundle(b_raw)
        check(b.version == 2 and b.device_id == dev.id and b.device_pk == dev.pk, "bundle.skb device")
        check(b.label == "golden kiosk", "bundle.skb label %r" % b.label)
        check(b.items == [(1, pack_raw), (2, rec_raw), (2, wr_raw)],
              "bundle.skb items are pack.bin, record.bin, wrapped_draft.bin byte for byte")
        bad = bytearray(b_raw)
        bad[len(bad) // 2] ^= 1
        check(raises(sf.AuthError, sf.read_bundle, bytes(bad)), "a flipped byte fails the bundle signature")

# ---------------------------------------------------------- (b) kiosk -> Python --


def part_kiosk(sync, kiosk, form, tmp):
    print("== (b) real kiosk bundle read in Python")
    sdir, fp = make_study(sync, tmp)
    with open(os.path.join(sdir, "study.key"), "rb") as f:
        study = sf.load_study_key(f.read(), PASS)
    with open(os.path.join(sdir, "study.pub"), "rb") as f:
        pub = sf.parse_study_pub(f.read())
    check(study.fingerprint == fp and pub.fingerprint == fp,
          "the study fingerprint computed in Python (%s) is keygen's (%s)" % (study.fingerprint, fp))
    check((pub.box_pk, pub.sign_pk) == (study.box_pk, study.sign_pk), "study.pub matches study.key")
    check(raises(sf.PassphraseError, sf.load_study_key, open(os.path.join(sdir, "study.key"), "rb").read(),
                 PASS + "x"), "a wrong passphrase is refused")

    pack_path = os.path.join(tmp, "e2e.pack")
    run(sync, "pack", form, "--key", os.path.join(sdir, "study.key"), "--out", pack_path)
    with open(pack_path, "rb") as f:
        pack_raw = f.read()
    p = sf.parse_pack(pack_raw)
    with open(form, "rb") as f:
        check(p.form_bytes == f.read(), "the pack holds the questionnaire byte for byte")
    check(p.file_name == os.path.basename(form), "pack file name %r" % p.file_name)
    check((p.box_pk, p.sign_pk) == (study.box_pk, study.sign_pk), "the pack carries the study's keys")
    ins = run(sync, "inspect", pack_path).stdout
    check(p.digest.hex() in ins, "inspect shows the digest computed in Python (%s)" % p.digest.hex())
    check(p.form_id in ins and p.title in ins and fp in ins, "inspect shows form id, title, fingerprint")

    data = os.path.join(tmp, "kiosk")
    out = run(kiosk, "--data", data, "--install", pack_path).stdout
    m = re.search(r"device ([0-9a-f]{16})\b", out)
    kiosk_id = m.group(1) if m else None
    check(kiosk_id is not None, "install prints the device id: %r" % out)

    answers = {"signer": "Ada Byron", "role": "management", "years": "17", "impact": "4"}
    code = kiosk_sitting(kiosk, data, answers["signer"], answers["role"], answers["years"],
                         answers["impact"], tmp)
    check(re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code or ""), "withdrawal code %r" % code)

    out_dir = os.path.join(tmp, "bundles")
    run(kiosk, "--data", data, "--export", out_dir)
    files = glob.glob(os.path.join(out_dir, "*.skb"))
    check(len(files) == 1, "one bundle written: %s" % files)
    path = files[0]
    b = sf.read_bundle(path)
    check(b.version == 2, "bundle version 2")
    check(b.device_id.hex() == kiosk_id, "bundle device id %s is the installed kiosk's %s"
          % (b.device_id.hex(), kiosk_id))
    name_ok = os.path.basename(path) == "skb-%s-1-2-%d.skb" % (b.device_id.hex(), b.created_ms)
    check(name_ok, "file name %s follows skb-<id>-<first>-<last>-<created_ms>.skb" % os.path.basename(path))
    check(b.packs() == [pack_raw], "the bundle carries the pack byte for byte")
    recs = b.parsed_records
    check([(r.kind, r.seq) for r in recs] == [(1, 1), (2, 2)], "consent seq 1, response seq 2: %s"
          % [(r.kind, r.seq) for r in recs])
    tag = sf.withdrawal_tag(code)
    opened = []
    for r in recs:
        check(r.device_id == b.device_id and r.flags == 0, "record header names the kiosk")
        check(r.wtag == tag, "record %d carries the tag of the code shown (%s)" % (r.seq, code))
        check((r.form_id, r.form_version) == (p.form_id, p.form_version), "record form id/version")
        payload, _ = sf.open_record(r, study)
        doc = sf.parse_answers(payload)
        opened.append(doc)
        check(list(doc.keys())[:9] == ["format", "v", "sitting", "form_id", "form_version", "language",
                                        "started", "finished", "answers"],
              "payload keys in FORMATS.md's order: %s" % list(doc.keys()))
        compact = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        check(compact == payload, "payload is compact JSON (no insignificant white space)")
        check(re.fullmatch(r"[0-9a-f]{32}", doc["sitting"] or ""), "sitting is 32 lowercase hex")
        check(doc["form_id"] == r.form_id and doc["form_version"] == r.form_version,
              "payload form id/version == header")
        check(doc["language"] == "English (en)", "language %r" % doc["language"])
        check(0 < doc["started"] <= doc["finished"], "started <= finished, both set")
        for a in doc["answers"]:
            check(isinstance(a["changed"], int) and isinstance(a["dwell_ms"], int),
                  "answer %s has changed and dwell_ms" % a["name"])
    if len(opened) == 2:
        check(opened[0]["sitting"] == opened[1]["sitting"], "consent and response share the sitting")
        cons, resp = sf.answers_dict(opened[0]), sf.answers_dict(opened[1])
        check({s for a in opened[0]["answers"] for s in [a["section"]]} == {"consent"},
              "consent record holds only the consent section")
        check(cons.get("agree") == "yes" and cons.get("signer") == answers["signer"],
              "consent answers as entered: %s" % cons)
        check(resp.get("role") == answers["role"] and resp.get("years") == answers["years"]
              and resp.get("impact") == answers["impact"], "response answers as entered: %s" % resp)
        check("role_other" not in resp and "site" not in resp,
              "questions skipped by the logic have no entry: %s" % sorted(resp))
    # The record signatures let each record be checked on its own, with the bundle key only.
    for r in recs:
        check(raises(sf.MismatchError, sf.verify_record, r, sf.DeviceKey().pk),
              "a record does not verify under another device key")
    return {"study_dir": sdir, "study": study, "pack": pack_raw, "pack_path": pack_path, "bundle": path, "form": form,
            "kiosk_id": kiosk_id, "kiosk_fp": b.fingerprint, "answers": answers, "code": code}

# ------------------------------------------------------------ (c) Python -> sync --


def part_python_bundle(sync, tmp, got):
    print("== (c) a bundle written in Python, merged and exported by survey-sync")
    study = got["study"]
    pack = sf.parse_pack(got["pack"])
    dev = sf.DeviceKey()
    code = sf.new_withdrawal_code()
    tag = sf.withdrawal_tag(code)
    sitting = os.urandom(16).hex()
    t0 = int(time.time() * 1000) - 60000
    consent = [("agree", "yes", "consent"), ("quote_ok", "no", "consent"), ("signer", "Py Thon", "consent")]
    response = [("role", "other", "response"), ("role_other", "snake charmer", "response"),
                ("years", "33", "response"), ("impact", "2", "response"),
                ("training", "msc mentoring", "response"), ("hours", "12.5", "response"),
                ("leader", "Zürich, \"quoted\", and ünïcode", "response")]
    recs = []
    for seq, kind, ans in ((1, sf.KIND_CONSENT, consent), (2, sf.KIND_RESPONSE, response)):
        payload = sf.make_answers(sitting, pack.form_id, pack.form_version, "English (en)", t0, t0 + 30000,
                                  [a + (t0 + 1000 * i, 900) for i, a in enumerate(ans)])
        recs.append(sf.write_record(dev, study.box_pk, kind, seq, pack.form_id, pack.form_version, tag,
                                    payload))
    created = int(time.time() * 1000)
    raw = sf.write_bundle(dev, "Python kiosk", created, packs=[got["pack"]], records=recs)
    out = os.path.join(tmp, "pybundles")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, sf.bundle_file_name(dev, 1, 2, created))
    with open(path, "wb") as f:
        f.write(raw)
    # Our own reader accepts what our writer made.
    b = sf.read_bundle(path)
    check(len(b.parsed_records) == 2, "Python reads back its own bundle")
    ins = run(sync, "inspect", path, ok=False)
    check(ins.returncode == 0 and "signature:   ok" in ins.stdout and dev.id_hex in ins.stdout,
          "survey-sync inspect accepts the Python bundle: %s%s" % (ins.stdout, ins.stderr))

    store = stores.fresh(tmp, "central.db")
    pub = os.path.join(got["study_dir"], "study.pub")
    p = run(sync, "devices", "add", dev.fingerprint, "Python kiosk", "--store", store, ok=False)
    check(p.returncode == 0, "devices add %s: %s%s" % (dev.fingerprint, p.stdout, p.stderr))
    p = run(sync, "merge", "--store", store, "--study", pub, path, got["bundle"], ok=False)
    check(p.returncode == 0, "merge of the Python bundle and the kiosk's: %s%s" % (p.stdout, p.stderr))
    line = [ln for ln in p.stdout.splitlines() if ln.startswith(path)]
    check(line and line[0].startswith(path + ": 2 new,"),
          "the enrolled Python device's 2 records are new, not held: %s" % line)
    st = json.loads(run(sync, "status", "--store", store, "--json").stdout)
    devs = {d["device_id"]: d for d in st["devices"]}
    check(dev.id_hex in devs and devs[dev.id_hex]["state"] == "accepted" and devs[dev.id_hex]["missing"] == [],
          "status: the Python device is accepted, nothing missing: %s" % devs.get(dev.id_hex))
    check(devs.get(dev.id_hex, {}).get("fingerprint") == dev.fingerprint,
          "status shows the fingerprint computed in Python")
    check(got["kiosk_id"] in devs and devs[got["kiosk_id"]]["fingerprint"] == got["kiosk_fp"],
          "status shows the real kiosk's fingerprint as Python computes it")
    check(devs.get(got["kiosk_id"], {}).get("state") == "new", "the real kiosk (not enrolled) is new")
    dl = run(sync, "devices", "list", "--store", store).stdout
    check(dev.fingerprint in dl and got["kiosk_fp"] in dl, "devices list shows both fingerprints")

    csvdir = os.path.join(tmp, "csv")
    run(sync, "export", "--store", store, "--key", os.path.join(got["study_dir"], "study.key"),
        "--out", csvdir)
    resp = read_csv(glob.glob(os.path.join(csvdir, "*_responses.csv"))[0])
    cons = read_csv(glob.glob(os.path.join(csvdir, "*_consent.csv"))[0])
    check(len(resp) == 1 and len(cons) == 1,
          "only the accepted device's sitting is exported (the kiosk's is held): %d/%d rows" % (len(resp), len(cons)))
    if resp:
        row = resp[0]
        check(row["device_id"] == dev.id_hex and row["seq"] == "2" and row["kind"] == "response",
              "response row names the Python device, seq 2")
        check(row["record_id"] == sf.parse_record(recs[1]).record_id.hex(), "record_id column")
        for name, value, _ in response:
            check(row.get(name) == value, "CSV %s = %r, Python wrote %r" % (name, row.get(name), value))
        # A finished sitting without an answer to a question its skip logic
        # shows was asked and left unanswered: NA; site is hidden: empty
        # (docs/FORMATS.md, "Export files").
        for name in ("region", "courage", "mentoring", "confidence", "grad"):
            check(row.get(name) == "NA", "unanswered %s is NA: %r" % (name, row.get(name)))
        check(row.get("site") == "", "site, not asked, is empty: %r" % row.get("site"))
    if cons:
        for name, value, _ in consent:
            check(cons[0].get(name) == value, "consent CSV %s = %r, Python wrote %r"
                  % (name, cons[0].get(name), value))
    unread = read_csv(os.path.join(csvdir, "unreadable.csv"))
    check(unread == [], "nothing unreadable: %s" % unread)

    # Accept the real kiosk: its sitting now comes out as entered on the screen.
    run(sync, "devices", "accept", got["kiosk_id"], "--store", store)
    csv2 = os.path.join(tmp, "csv2")
    run(sync, "export", "--store", store, "--key", os.path.join(got["study_dir"], "study.key"),
        "--out", csv2)
    resp = read_csv(glob.glob(os.path.join(csv2, "*_responses.csv"))[0])
    krow = [r for r in resp if r["device_id"] == got["kiosk_id"]]
    a = got["answers"]
    check(len(krow) == 1 and krow[0]["role"] == a["role"] and krow[0]["years"] == a["years"]
          and krow[0]["impact"] == a["impact"], "the kiosk's answers after accept: %s" % krow)

    # Python's withdrawal tag is the one survey-sync derives from the code.
    p = run(sync, "withdraw", "--store", store, "--key", os.path.join(got["study_dir"], "study.key"),
            code.lower().replace("-", " "), ok=False)
    check(p.returncode == 0 and "2 records removed" in p.stdout,
          "withdraw with the code Python made removes its 2 records: %s%s" % (p.stdout, p.stderr))
    rows = stores.query(store, "SELECT tag, statement FROM withdrawals")
    check(len(rows) == 1, "one withdrawal statement stored")
    if rows:
        s = sf.parse_statement(rows[0][1], study.sign_pk)
        check(s.tag == tag == rows[0][0], "the stored statement is for Python's tag, signed by the study")


def part_differential(sync, tmp, got):
    """Both readers (skformat and survey-sync) refuse the same malformed files,
    each made valid apart from the one defect (re-signed), and both accept the
    control built the same way without the defect."""
    print("== (d) malformed but correctly signed files: both readers refuse")
    study = got["study"]
    pk = sf.parse_pack(got["pack"])
    form = pk.form_bytes
    d = os.path.join(tmp, "diff")
    os.makedirs(d, exist_ok=True)
    n = [0]

    def put(data, ext):
        n[0] += 1
        path = os.path.join(d, "f%02d.%s" % (n[0], ext))
        with open(path, "wb") as f:
            f.write(data)
        return path

    def resign_pack(raw):
        return raw[:-64] + sf.sign_detached(raw[:-64], study.sign_sk)

    def pack(**kw):
        a = dict(study=study, form_id="kiosk_e2e", form_version="1", title="T", file_name="kiosk_e2e.md",
                 form_bytes=form, created_ms=1796000000000, strict=False)
        a.update(kw)
        return sf.write_pack(**a)

    ctl = pack()
    p = run(sync, "inspect", put(ctl, "pack"), ok=False)
    check(p.returncode == 0 and "signature:   ok" in p.stdout, "(d) control pack: inspect accepts: %r" % p.stderr)
    sf.parse_pack(ctl)
    # controls: a version 1 pack, and a version 2 pack with attachments and a server
    for what, raw in {"version 1": pack(version=1),
                      "attachments and a server": pack(attachments=[("a.png", b"1"), ("b.csv", b"x,y\n")],
                                                       url="https://10.1.2.3:8443", tls_pin=b"\x01" * 32,
                                                       receipt_pk=b"\x02" * 32)}.items():
        p = run(sync, "inspect", put(raw, "pack"), ok=False)
        check(p.returncode == 0 and "signature:   ok" in p.stdout,
              "(d) inspect accepts a Python-written pack with %s: %r" % (what, p.stderr))
    bad_packs = {
        "reserved byte": resign_pack(ctl[:5] + b"\x01" + ctl[6:]),
        "version 3": resign_pack(ctl[:4] + b"\x03" + ctl[5:]),
        "two attachments named alike": pack(attachments=[("a.png", b"1"), ("A.png", b"2")]),
        "attachment name with /": pack(attachments=[("m/a.png", b"1")]),
        "attachment name with a newline": pack(attachments=[("a\n.png", b"1")]),
        "65 attachments": pack(attachments=[("f%d.csv" % i, b"x") for i in range(65)]),
        "a pin without a URL": pack(tls_pin=b"\x01" * 32),
        "a receipt key without a URL": pack(receipt_pk=b"\x01" * 32),
        "a URL with CR LF": pack(url="https://h:1\r\nX: y", tls_pin=b"\x01" * 32, receipt_pk=b"\x02" * 32),
        "version 0": resign_pack(ctl[:4] + b"\x00" + ctl[5:]),
        "byte after the signature": ctl + b"\x00",
        "file name with /": pack(file_name="a/kiosk_e2e.md"),
        "file name ..": pack(file_name=".."),
        "empty file name": pack(file_name=""),
        "empty form id": pack(form_id=""),
        "form id of 65 bytes": pack(form_id="x" * 65),
        "version of 33 bytes": pack(form_version="1" * 33),
        "title overlong UTF-8": pack(title=b"T \xc0\xaf"),
        "title surrogate": pack(title=b"T \xed\xa0\x80"),
        "title with NUL": pack(title=b"T\x00"),
        "form id invalid UTF-8": pack(form_id=b"kiosk\xff"),
    }
    for what, raw in bad_packs.items():
        try:
            sf.parse_pack(raw)
            check(False, "(d) skformat accepts a pack with %s" % what)
        except sf.SkError:
            pass
        p = run(sync, "inspect", put(raw, "pack"), ok=False)
        check(p.returncode == 1 and p.stderr.startswith("survey-sync: error:"),
              "(d) survey-sync inspect refuses a pack with %s: exit %d %r %r"
              % (what, p.returncode, p.stdout[:200], p.stderr))
        if what == "version 0":
            # FORMATS.md: a lower version this build no longer reads (including 0) is
            # SK_ERR_UNSUPPORTED "with a message saying the file is from an older release".
            check("older" in p.stderr and "update the software" not in p.stderr,
                  "(d) a version-0 pack is reported as from an older release, not 'update': %r" % p.stderr)

    # study.key written in Python: survey-sync signs a pack with it (control), and
    # refuses the same file with one defect.
    pyk = sf.new_study_key()
    kraw = sf.write_study_key(pyk, PASS)
    kpath = put(kraw, "key")
    out = os.path.join(d, "pykey.pack")
    p = run(sync, "pack", got["form"], "--key", kpath, "--out", out, ok=False)
    check(p.returncode == 0 and pyk.fingerprint in p.stdout + p.stderr,
          "(d) survey-sync pack signs with a study.key written in Python: %r %r" % (p.stdout, p.stderr))
    if p.returncode == 0:
        pp = sf.parse_pack(open(out, "rb").read())
        check((pp.box_pk, pp.sign_pk) == (pyk.box_pk, pyk.sign_pk), "(d) the pack carries the Python key")
    import struct
    bad_keys = {
        "opslimit 65": kraw[:8] + struct.pack("<Q", 65) + kraw[16:],
        "memlimit 4 KiB": kraw[:16] + struct.pack("<Q", 4096) + kraw[24:],
        "KDF 2": kraw[:5] + b"\x02" + kraw[6:],
        "reserved byte": kraw[:6] + b"\x01" + kraw[7:],
        "version 2": kraw[:4] + b"\x02" + kraw[5:],
        "241 bytes": kraw + b"\x00",
        "a changed public key": kraw[:100] + bytes([kraw[100] ^ 1]) + kraw[101:],
    }
    for what, raw in bad_keys.items():
        try:
            sf.load_study_key(raw, PASS)
            check(False, "(d) skformat loads a study.key with %s" % what)
        except sf.SkError:
            pass
        p = run(sync, "pack", got["form"], "--key", put(raw, "key"), "--out", os.path.join(d, "no.pack"), ok=False)
        check(p.returncode == 1 and not os.path.exists(os.path.join(d, "no.pack")),
              "(d) survey-sync pack refuses a study.key with %s: exit %d %r" % (what, p.returncode, p.stderr))

    dev = sf.DeviceKey()
    tag = sf.withdrawal_tag(sf.new_withdrawal_code())
    payload = sf.make_answers(None, "kiosk_e2e", "1", None, 1, 2, [("years", "3", "response")])

    def rec(**kw):
        a = dict(device=dev, study_box_pk=study.box_pk, kind=2, seq=1, form_id="kiosk_e2e", form_version="1",
                 wtag=tag, payload=payload, strict=False)
        a.update(kw)
        return sf.write_record(**a)

    def bundle(**kw):
        a = dict(device=dev, label="diff", created_ms=1796000000000, packs=[got["pack"]], records=[rec()])
        a.update(kw)
        return sf.write_bundle(**a)

    def store_records(store):
        return stores.count(store, "records")

    ctl = put(bundle(), "skb")
    p = run(sync, "inspect", ctl, ok=False)
    check(p.returncode == 0, "(d) control bundle: inspect accepts: %r" % p.stderr)
    st = stores.fresh(d, "ctl.db")
    p = run(sync, "merge", "--store", st, ctl, ok=False)
    check(p.returncode == 0 and store_records(st) == 1, "(d) control bundle merges: %r %r" % (p.stdout, p.stderr))
    sf.read_bundle(ctl)
    bad_bundles = {   # name: (bytes, skformat must refuse too)
        "version 1": (bundle(version=1), True),
        "version 3": (bundle(version=3), True),
        "version 0": (bundle(version=0), True),
        "label overlong UTF-8": (bundle(label_raw=b"Pi \xc0\xaf"), True),
        "label surrogate": (bundle(label_raw=b"Pi \xed\xa0\x80"), True),
        "label with NUL": (bundle(label_raw=b"Pi\x00x"), True),
        "label of 65 bytes": (bundle(label_raw=b"x" * 65), True),
        "item kind 3": (bundle(items=[(1, got["pack"]), (3, rec())]), True),
        "item of length 0": (bundle(items=[(1, got["pack"]), (2, b"")]), True),
        "record count off by one": (bundle(counts=(2, 1)), True),
        "pack count off by one": (bundle(counts=(1, 0)), True),
        "bytes after the counts": (bundle(tail=b"\x00"), True),
        "end mark 7": (bundle(end_mark=b"\x07"), True),
        "a pack signed by no one": (bundle(packs=[got["pack"][:-1] + bytes([got["pack"][-1] ^ 1])]), True),
        "record version 1": (bundle(records=[rec(version=1)]), True),
        "record version 3": (bundle(records=[rec(version=3)]), True),
        "record reserved byte": (bundle(records=[rec(reserved=1)]), True),
        "record flags 2": (bundle(records=[rec(flags=2)]), True),
        "wrapped flag on a response": (bundle(records=[rec(flags=1)]), True),
        "record kind 6": (bundle(records=[rec(kind=6)]), True),
        "record form id invalid UTF-8": (bundle(records=[rec(form_id=b"kiosk\xff", form_version=b"1")]), True),
        "record of another device": (bundle(records=[sf.write_record(sf.DeviceKey(), study.box_pk, 2, 1,
                                                                     "kiosk_e2e", "1", tag, payload)]), True),
        "a draft (kind 5, seq 0)": (bundle(records=[rec(kind=5, seq=0)]), False),
        "a response with seq 0": (bundle(records=[rec(seq=0)]), False),
        "a truncated record": (bundle(records=[rec()[:-65] + rec()[-64:]]), False),
    }
    for what, (raw, fmt_refuses) in bad_bundles.items():
        if fmt_refuses:
            try:
                sf.read_bundle(raw)
                check(False, "(d) skformat accepts a bundle with %s" % what)
            except sf.SkError:
                pass
        path = put(raw, "skb")
        st = stores.fresh(d, "s%02d.db" % n[0])
        p = run(sync, "merge", "--store", st, path, ok=False)
        check(p.returncode == 1 and ("survey-sync: error: " + path) in p.stderr and store_records(st) == 0,
              "(d) merge refuses a bundle with %s: exit %d %r %r" % (what, p.returncode, p.stdout, p.stderr))
        if what == "version 0":
            check("older" in p.stderr and "update survey-sync" not in p.stderr,
                  "(d) a version-0 bundle is reported as from an older release (FORMATS.md): %r" % p.stderr)
        if fmt_refuses:
            p = run(sync, "inspect", path, ok=False)
            check(p.returncode == 1, "(d) inspect refuses a bundle with %s: exit %d %r"
                  % (what, p.returncode, p.stdout[:300]))


def main():
    sync, kiosk, form, golden = sys.argv[1:5]
    base = os.environ.get("SK_TEST_TMP", "/tmp")
    os.makedirs(base, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="independent-reader-", dir=base)
    t = time.time()
    for name, fn in (("golden", lambda: part_golden(golden)),):
        try:
            fn()
        except sf.SkError as e:
            check(False, "%s: %s: %s" % (name, e.code, e))
    got = None
    try:
        got = part_kiosk(sync, kiosk, form, tmp)
    except (sf.SkError, AssertionError) as e:
        check(False, "kiosk part: %s: %s" % (type(e).__name__, e))
    if got:
        for name, fn in (("python bundle", part_python_bundle), ("differential", part_differential)):
            try:
                fn(sync, tmp, got)
            except sf.SkError as e:
                check(False, "%s part: %s: %s" % (name, e.code, e))
    print("%.1f s" % (time.time() - t))
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("independent reader: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
