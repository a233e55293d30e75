#!/usr/bin/python3
"""serve_workers.py - two `survey-sync serve` processes share one central
store while a researcher merges USB bundles into it, all at once.

    serve_workers.py SURVEY_SYNC SURVEY_KIOSK DRIVER FORM

A trust runs several servers on one store (docs/SERVE.md): here two, on two
ports, with copies of the same server folder (the same certificate and
receipt key), each named by its own pack of the same study.  Six kiosks
deliver to each at the same moment, in batches of 5 records, while `merge`
takes USB bundles of two of those kiosks (the same records, arriving twice).
Every kiosk ends with everything delivered (so every receipt it got
verified and named its records), the store holds each record once, the
uploads account for every record the servers added, and nothing conflicts.
On both central stores (SK_TEST_STORE, tests/e2e/store.py).
"""
import os
import re
import shutil
import subprocess
import sys

from serve_common import (PASSPHRASE, Server, Study, check, deliver_async, finish,
                          finish_delivery, free_port, kiosk_counts, kiosk_record_ids, make_kiosk,
                          run, store_ids, tmpdir, KIOSK, SYNC, FORM)
import store as stores

PER_SERVER, SITTINGS = 6, 10
root = tmpdir("serve_workers")
st = Study(root)
copy_dir = os.path.join(root, "server-copy")
shutil.copytree(st.server_dir, copy_dir)
port2 = free_port()
pack2 = os.path.join(root, "study-2.pack")
run([SYNC, "pack", FORM, "--key", os.path.join(st.keys, "study.key"), "--out", pack2,
     "--deliver-to", "https://127.0.0.1:%d" % port2, "--server-dir", copy_dir])

kiosks = []
for i in range(2 * PER_SERVER):
    k = os.path.join(root, "k%02d" % i)
    make_kiosk(k, st.pack if i < PER_SERVER else pack2, "Pi-%02d" % i, SITTINGS)
    kiosks.append(k)
usb = []
for k in (kiosks[0], kiosks[PER_SERVER]):
    out = k + "-usb"
    run([KIOSK, "--data", k, "--export", out])
    usb += [os.path.join(out, f) for f in os.listdir(out)]

# Both servers start on a store neither has made yet.
store = stores.fresh(root, "central.db")
pin = ["--device-rate", "0", "--study", os.path.join(st.keys, "study.pub")]
srv1 = Server(store, st.server_dir, st.port, pin)
srv2 = Server(store, copy_dir, port2, pin)
batch = {"SK_DELIVER_BATCH": "5"}
procs = [deliver_async(k, batch) for k in kiosks]
merge = subprocess.Popen([SYNC, "merge", "--store", store] + usb, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                         env=dict(os.environ, SURVEY_PASSPHRASE=PASSPHRASE))
failed = 0
for k, p in zip(kiosks, procs):
    out, err = p.communicate(timeout=600)
    if p.returncode != 0:   # tried again below, as the kiosk's worker does
        failed += 1
        print("retrying %s: %s" % (k, err.strip()), file=sys.stderr)
out, err = merge.communicate(timeout=600)
check(merge.returncode == 0, "the USB merge beside the servers: %s%s" % (out, err))
for k in kiosks:
    finish_delivery(k, env_extra=batch)
print("%d of %d kiosks needed another try" % (failed, len(kiosks)))

for k in kiosks:
    check(kiosk_counts(k) == (2 * SITTINGS, 0), "%s delivered all: %r" % (k, kiosk_counts(k)))
every = sorted(sum((kiosk_record_ids(k) for k in kiosks), []))
ids, conflicts, ok = store_ids(store)
check(ids == every, "each record once: %d held, %d distinct, %d made" % (len(ids), len(set(ids)),
                                                                        len(every)))
check(conflicts == 0 and ok == "ok", "no conflicts, store intact: %d %r" % (conflicts, ok))
# Each record was taken once: by one of the servers (uploads.added) or by the
# USB merge (its per-input lines: new, or held as the devices are not accepted).
added = stores.scalar(store, "SELECT SUM(added) FROM uploads")
by_usb = 0
for line in out.splitlines():
    m = re.match(r"(.*): (\d+) new(?:, (\d+) held \(device not accepted yet\))?, \d+ already present", line)
    if m and not line.startswith("total:"):
        by_usb += int(m.group(2)) + int(m.group(3) or 0)
check(added + by_usb == len(every),
      "what the servers added (%d) and what the USB merge took (%d) are every record (%d)"
      % (added, by_usb, len(every)))
for srv in (srv1, srv2):
    check(srv.log_text().count("-> 200") > 0, "both servers took uploads")
check(srv1.stop() == 0 and srv2.stop() == 0, "clean stops")
finish()
