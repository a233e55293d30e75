#!/usr/bin/python3
"""serve_badlink.py - 1,000 records over a poor link arrive exactly once.

    serve_badlink.py SURVEY_SYNC SURVEY_KIOSK DRIVER FORM      (as root)

Not part of ctest: it needs root, network namespaces, and takes minutes.

The test makes two network namespaces joined by a veth pair, the kiosk in
one and `survey-sync serve` in the other, and limits both ends of the link to
64 kbit/s with the kernel's tbf qdisc.  This container's kernel has no
sch_netem and no tc classifiers (checked: "Specified qdisc kind is unknown",
"TC classifier not found"), so the 500 ms delay and the 30% loss are made by
a relay on the server's side of the link: every chunk it forwards waits
500 ms (pipelined), 30% of chunks hold up everything behind them one second
more (what TCP's retransmission of a lost segment costs), and 0.5% of chunks
drop the connection altogether (the link going away in the middle of an
upload).  The kiosk delivers with
`survey-kiosk --deliver` again and again (as its worker does) until nothing
waits; then the store must hold each of the 1,000 records exactly once, the
kiosk must have every one marked delivered, and no conflict.
"""
import os
import random
import socket
import subprocess
import sys
import threading
import time

if len(sys.argv) > 1 and sys.argv[1] == "--relay":
    # relay LISTEN_HOST LISTEN_PORT TARGET_PORT SEED (runs inside the server's namespace)
    host, port, target, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rng = random.Random(seed)
    lock = threading.Lock()

    def chance():
        with lock:
            return rng.random()

    def pipe(a, b):
        """Chunks leave 500 ms after they came (pipelined, like a long link);
        a lost chunk (30%) holds up everything behind it for one more second,
        as TCP's retransmission does; now and then (0.5%) the link drops."""
        q, done = [], threading.Event()
        cv = threading.Condition()

        def sender():
            free_at = 0.0
            while True:
                with cv:
                    while not q and not done.is_set():
                        cv.wait()
                    if not q:
                        break
                    t, data = q.pop(0)
                due = max(t + 0.5, free_at)
                r = chance()
                if r < 0.005:
                    break
                if r < 0.30:
                    due += 1.0
                free_at = due
                time.sleep(max(0.0, due - time.time()))
                try:
                    b.sendall(data)
                except OSError:
                    break
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=sender, daemon=True).start()
        try:
            while True:
                data = a.recv(1460)
                if not data:
                    break
                with cv:
                    q.append((time.time(), data))
                    cv.notify()
        except OSError:
            pass
        with cv:
            done.set()
            cv.notify()

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(16)
    print("relay ready", flush=True)
    while True:
        c, _ = ls.accept()
        try:
            u = socket.create_connection(("127.0.0.1", target))
        except OSError:
            c.close()
            continue
        threading.Thread(target=pipe, args=(c, u), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c), daemon=True).start()

from serve_common import (Study, check, finish, kiosk_counts, kiosk_record_ids,  # noqa: E402
                          make_kiosk, run, store_ids, tmpdir, SYNC, KIOSK, FAST)
import store as stores  # noqa: E402

NS_K, NS_S = "skbad-k%d" % os.getpid(), "skbad-s%d" % os.getpid()
KADDR, SADDR = "10.78.0.1", "10.78.0.2"


def sh(*args):
    subprocess.run(list(args), check=True)


def setup_net():
    sh("ip", "netns", "add", NS_K)
    sh("ip", "netns", "add", NS_S)
    sh("ip", "link", "add", "skbk%d" % (os.getpid() % 10000), "type", "veth", "peer", "name",
       "skbs%d" % (os.getpid() % 10000))
    vk, vs = "skbk%d" % (os.getpid() % 10000), "skbs%d" % (os.getpid() % 10000)
    sh("ip", "link", "set", vk, "netns", NS_K)
    sh("ip", "link", "set", vs, "netns", NS_S)
    for ns, dev, addr in ((NS_K, vk, KADDR), (NS_S, vs, SADDR)):
        sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        # 64 kbit/s each way (tbf: the kernel here has no netem).
        sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate",
           "64kbit", "burst", "1600", "latency", "2s")


def teardown_net():
    for ns in (NS_K, NS_S):
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


started = time.time()
root = tmpdir("serve_badlink")
setup_net()
relay = server = None
try:
    st = Study(root, port=9443, url="https://%s:9443" % SADDR)
    kdir = os.path.join(root, "kiosk")
    make_kiosk(kdir, st.pack, "Pi-far", 500)  # 1,000 records
    check(kiosk_counts(kdir) == (0, 1000), "1,000 records waiting")
    store = stores.fresh(root, "central.db")
    log_path = stores.beside(store, ".log")
    log = open(log_path, "w")
    server = subprocess.Popen(["ip", "netns", "exec", NS_S, SYNC, "serve", "--store", store,
                               "--listen", "127.0.0.1:8443", "--server-dir", st.server_dir,
                               "--device-rate", "0"], stdout=subprocess.PIPE, stderr=log,
                              text=True)
    check(server.stdout.readline().startswith("listening on"), "server up")
    relay = subprocess.Popen(["ip", "netns", "exec", NS_S, sys.executable, __file__, "--relay",
                              SADDR, "9443", "8443", "20261201"], stdout=subprocess.PIPE, text=True)
    check(relay.stdout.readline().startswith("relay ready"), "relay up")
    tries = 0
    env = dict(os.environ, **FAST)
    env["SK_DELIVER_BATCH"] = "50"
    while kiosk_counts(kdir)[1] and tries < 400:
        tries += 1
        p = subprocess.run(["ip", "netns", "exec", NS_K, KIOSK, "--data", kdir, "--deliver"],
                           capture_output=True, text=True, env=env, timeout=1200)
        print("try %d (%.0f s): %s %s" % (tries, time.time() - started, p.stdout.strip(),
                                          p.stderr.strip()[:160]), flush=True)
    check(kiosk_counts(kdir) == (1000, 0), "all delivered: %r" % (kiosk_counts(kdir),))
    ids, conflicts, ok = store_ids(store)
    check(sorted(ids) == kiosk_record_ids(kdir), "exactly once: %d held" % len(ids))
    check(len(ids) == len(set(ids)) == 1000, "1,000 distinct records")
    check(conflicts == 0 and ok == "ok", "no conflicts, store intact")
    server.terminate()
    server.wait()
    log.close()
    uploads = open(log_path).read().count("-> 200")
    cut = open(log_path).read().count("closed after")
    print("%d tries, %d uploads merged, %d cut off by the link, %.0f s in all"
          % (tries, uploads, cut, time.time() - started))
finally:
    for p in (relay, server):
        if p and p.poll() is None:
            p.kill()
    teardown_net()
finish()
