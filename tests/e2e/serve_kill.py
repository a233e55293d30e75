#!/usr/bin/python3
"""serve_kill.py - nothing lost, nothing doubled when either end dies.

    serve_kill.py SURVEY_SYNC SURVEY_KIOSK DRIVER FORM

1. The server is killed with SIGKILL while five kiosks upload: every record a
   kiosk marked delivered is in the store (a receipt is only sent after the
   commit); after a restart the kiosks send the rest and the store holds each
   record exactly once, with no conflicts and an intact file.
2. A kiosk is killed with SIGKILL in the middle of an upload (a throttling
   proxy keeps the upload going long enough): nothing is marked, nothing
   half-merged; the next delivery sends it all and it arrives once.
"""
import os
import signal
import socket
import threading
import time

from serve_common import (Server, Study, check, deliver, deliver_async, finish, free_port,
                          kiosk_counts, kiosk_record_ids, make_kiosk, store_ids, tmpdir, wait_for)
import store as stores


class Proxy:
    """TCP relay 127.0.0.1:port -> target, at most `rate` bytes/s upstream when throttled."""

    def __init__(self, port, target):
        self.target, self.rate, self.up_bytes, self.conns = target, None, 0, []
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(64)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            c, _ = self.ls.accept()
            try:
                u = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                c.close()
                continue
            self.conns += [c, u]
            threading.Thread(target=self.pipe, args=(c, u, True), daemon=True).start()
            threading.Thread(target=self.pipe, args=(u, c, False), daemon=True).start()

    def cut(self):
        """The link goes down with the kiosk: bytes in flight are lost."""
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.conns = []

    def pipe(self, a, b, upstream):
        try:
            while True:
                data = a.recv(4096 if self.rate is None or not upstream else 1024)
                if not data:
                    break
                if upstream:
                    self.up_bytes += len(data)
                    if self.rate:
                        time.sleep(len(data) / self.rate)
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


root = tmpdir("serve_kill")
server_port = free_port()
st = Study(root)  # the pack names the proxy's port
proxy = Proxy(st.port, server_port)
store = stores.fresh(root, "central.db")

# --- 1. the server dies during uploads --------------------------------------
kiosks = []
for i in range(5):
    k = os.path.join(root, "k%d" % i)
    make_kiosk(k, st.pack, "Pi-%d" % i, 60)
    kiosks.append(k)
srv = Server(store, st.server_dir, server_port, ["--device-rate", "0"])
procs = [deliver_async(k, {"SK_DELIVER_BATCH": "4"}) for k in kiosks]
check(wait_for(lambda: srv.log_text().count("-> 200") >= 8, 60), "uploads under way")
srv.stop(signal.SIGKILL)
for p in procs:
    p.communicate(timeout=120)
held, conflicts, ok = store_ids(store)
held = set(held)
marked_total = 0
for k in kiosks:
    d, w = kiosk_counts(k)
    marked_total += d
    # Every record marked delivered must be in the store.
    import sqlite3  # noqa: E402
    con = sqlite3.connect(os.path.join(k, "kiosk.db"))
    marked = {r[0] for r in con.execute(
        "SELECT hex(record_id) FROM records WHERE delivered_ms IS NOT NULL")}
    con.close()
    check(marked <= held, "%s: %d marked delivered but not in the store" % (k, len(marked - held)))
check(ok == "ok", "the store survived SIGKILL intact: " + ok)
check(0 < marked_total < 5 * 120, "the kill came mid-way (%d of %d marked)" % (marked_total, 600))
srv = Server(store, st.server_dir, server_port, ["--device-rate", "0"])
for k in kiosks:
    deliver(k)
    check(kiosk_counts(k) == (120, 0), "%s all delivered after the restart" % k)
ids, conflicts, ok = store_ids(store)
every = sorted(sum((kiosk_record_ids(k) for k in kiosks), []))
check(sorted(ids) == every, "each record held exactly once (%d of %d)" % (len(ids), len(every)))
check(conflicts == 0 and ok == "ok", "no conflicts, store intact")

# --- 2. the kiosk dies mid-upload --------------------------------------------
kk = os.path.join(root, "kk")
make_kiosk(kk, st.pack, "Pi-K", 150)
proxy.rate = 40000  # bytes/s: the upload takes several seconds
start = proxy.up_bytes
p = deliver_async(kk, {"SK_DELIVER_BATCH": "300"})
check(wait_for(lambda: proxy.up_bytes - start > 60000, 60), "the upload started")
p.send_signal(signal.SIGKILL)
proxy.cut()
p.wait()
check(kiosk_counts(kk) == (0, 300), "killed mid-upload: nothing marked %r" % (kiosk_counts(kk),))
check(wait_for(lambda: "closed after" in srv.log_text(), 30), "the server logged the cut upload")
ids_now = set(store_ids(store)[0])
check(not (set(kiosk_record_ids(kk)) & ids_now), "nothing of the cut upload was merged")
proxy.rate = None
out = deliver(kk)
check(kiosk_counts(kk) == (300, 0), "resent after the kill: " + out.stdout)
ids, conflicts, ok = store_ids(store)
check(len(ids) == len(set(ids)) == len(every) + 300, "exactly once: %d" % len(ids))
check(conflicts == 0 and ok == "ok", "no conflicts, store intact")
check(srv.stop() == 0, "clean stop")
finish()
