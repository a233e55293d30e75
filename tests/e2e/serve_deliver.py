#!/usr/bin/python3
"""serve_deliver.py - a kiosk delivers to `survey-sync serve` on loopback.

    serve_deliver.py SURVEY_SYNC SURVEY_KIOSK DRIVER FORM

Good bundles arrive and are marked delivered only from the receipt; a second
delivery sends nothing; the same records by USB export and by the network
merge once; a server whose receipts are signed by another key (same TLS
certificate, so only the receipt differs) gets the records but the kiosk
marks none delivered; a server with another certificate gets nothing at all;
status shows the uploads per device; serve --init refuses to overwrite.
"""
import os
import sqlite3
import stat

from serve_common import (Server, Study, check, deliver, finish, kiosk_counts, kiosk_record_ids,
                          make_kiosk, run, store_ids, tmpdir, SYNC, KIOSK)
import store as stores

root = tmpdir("serve_deliver")
st = Study(root)

# serve --init: the secrets are owner-only; a second --init changes nothing.
for name in ("receipt.key", "tls.key"):
    mode = stat.S_IMODE(os.stat(os.path.join(st.server_dir, name)).st_mode)
    check(mode == 0o600, "%s has mode %o, expected 600" % (name, mode))
before = open(os.path.join(st.server_dir, "receipt.key"), "rb").read()
p = run([SYNC, "serve", "--init", st.server_dir], expect=1)
check("already holds a server key" in p.stderr, "second --init: " + p.stderr)
check(open(os.path.join(st.server_dir, "receipt.key"), "rb").read() == before,
      "second --init replaced the key")
p = run([SYNC, "inspect", st.pack], expect=None)
check(st.url in p.stdout, "inspect shows the delivery URL: " + p.stdout)

# --- a genuine server -------------------------------------------------------
store = stores.fresh(root, "central.db")
srv = Server(store, st.server_dir, st.port)
k1, k2 = os.path.join(root, "k1"), os.path.join(root, "k2")
make_kiosk(k1, st.pack, "Pi-1", 6)
make_kiosk(k2, st.pack, "Pi-2", 3)
check(kiosk_counts(k1) == (0, 12), "k1 before: %r" % (kiosk_counts(k1),))
p = deliver(k1)
check("delivered 12 records" in p.stdout and "0 waiting" in p.stdout, "k1 deliver: " + p.stdout)
check(kiosk_counts(k1) == (12, 0), "k1 after: %r" % (kiosk_counts(k1),))
ids, conflicts, ok = store_ids(store)
check(sorted(ids) == kiosk_record_ids(k1), "the store holds exactly k1's records")
check(conflicts == 0 and ok == "ok", "no conflicts, store intact")
# Nothing waits: a second delivery sends nothing.
p = deliver(k1)
check("delivered 0 records" in p.stdout, "k1 again: " + p.stdout)
check(srv.log_text().count("-> 200") == 1, "one upload so far")

# USB and network: k2 exports to USB, the researcher merges it, then k2
# delivers the same records (and 2 more): each record is held once.
usb = os.path.join(root, "usb")
os.makedirs(usb)
run([KIOSK, "--data", k2, "--export", usb])
bundle = os.path.join(usb, os.listdir(usb)[0])
make_kiosk(k2, "-", "Pi-2", 1, start=100)
p = deliver(k2)
check("delivered 8 records" in p.stdout, "k2 deliver: " + p.stdout)
run([SYNC, "merge", "--store", store, bundle])
ids, conflicts, ok = store_ids(store)
check(len(ids) == len(set(ids)) == 12 + 8, "USB + network merged once: %d ids" % len(ids))
check(sorted(ids) == sorted(kiosk_record_ids(k1) + kiosk_record_ids(k2)), "the right ids")
check(conflicts == 0, "no conflicts")

# status: the uploads per device.
p = run([SYNC, "status", "--store", store], expect=None)
check("uploads (survey-sync serve):" in p.stdout, "status shows uploads:\n" + p.stdout)
import json  # noqa: E402
js = json.loads(run([SYNC, "status", "--store", store, "--json"], expect=None).stdout)
ups = {u["device_label"]: u for u in js["uploads"]}
check(ups.get("Pi-1", {}).get("uploads") == 1 and ups["Pi-1"]["records"] == 12,
      "Pi-1 uploads: %r" % ups.get("Pi-1"))
check(ups.get("Pi-2", {}).get("uploads") == 1 and ups["Pi-2"]["added"] == 8,
      "Pi-2 uploads: %r" % ups.get("Pi-2"))
srv.stop()

# --- a forged receipt: the right certificate, another receipt key -----------
forged_dir = os.path.join(root, "forged-server")
run([SYNC, "serve", "--init", forged_dir])
for name in ("cert.pem", "tls.key"):
    data = open(os.path.join(st.server_dir, name), "rb").read()
    os.remove(os.path.join(forged_dir, name))
    fd = os.open(os.path.join(forged_dir, name), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, data)
    os.close(fd)
k3 = os.path.join(root, "k3")
make_kiosk(k3, st.pack, "Pi-3", 4)
fstore = stores.fresh(root, "forged.db")
fsrv = Server(fstore, forged_dir, st.port)
p = deliver(k3, expect=1)
check("not signed by the server this survey pack names" in p.stderr, "forged: " + p.stderr)
check(kiosk_counts(k3) == (0, 8), "a forged receipt marks nothing: %r" % (kiosk_counts(k3),))
check(len(store_ids(fstore)[0]) == 8, "the forged server did get the records")
con = sqlite3.connect(os.path.join(k3, "kiosk.db"))
err, fails = con.execute("SELECT last_error, failures FROM delivery").fetchone()
con.close()
check("not signed" in err and fails == 1, "kiosk.db notes the failed try: %r %r" % (err, fails))
fsrv.stop()

# --- another certificate: nothing is sent ----------------------------------
other_dir = os.path.join(root, "other-server")
run([SYNC, "serve", "--init", other_dir])
ostore = stores.fresh(root, "other.db")
osrv = Server(ostore, other_dir, st.port)
p = deliver(k3, expect=1)
check("certificate is not the one the survey pack names" in p.stderr, "pin: " + p.stderr)
check(len(store_ids(ostore)[0]) == 0, "nothing reached a server with another certificate")
osrv.stop()

# --- the genuine server again: k3's records are delivered after all ---------
srv = Server(store, st.server_dir, st.port)
deliver(k3)
check(kiosk_counts(k3) == (8, 0), "k3 delivered to the genuine server")
srv.stop()
finish()
