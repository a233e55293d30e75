"""serve_common.py - what the serve_*.py end-to-end tests share: a study, a
server folder, a pack that names the server, kiosks with records (played by
sync_scenario_kiosk through the real kiosk store), the real `survey-sync
serve` as a child process and `survey-kiosk --deliver` as a simulated kiosk.

Every script is run as  serve_X.py SURVEY_SYNC SURVEY_KIOSK DRIVER FORM.
"""
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import store as stores

SYNC, KIOSK, DRIVER, FORM = sys.argv[1:5]
PASSPHRASE = "serve test passphrase"
failures = []

# Test builds shorten the kiosk's backoff (kiosk/deliver.h).
FAST = {"SK_DELIVER_BACKOFF_MS": "200", "SK_DELIVER_MAX_MS": "1000", "SK_PWHASH_FAST": "1"}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def finish():
    if failures:
        sys.exit("%d check(s) failed" % len(failures))
    print("ok")


def tmpdir(name):
    d = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "%s-%d" % (name, os.getpid()))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def run(args, expect=0, env_extra=None, timeout=600):
    env = dict(os.environ)
    env["SURVEY_PASSPHRASE"] = PASSPHRASE
    env.update(FAST)
    if env_extra:
        env.update(env_extra)
    p = subprocess.run(args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
                       timeout=timeout)
    if expect is not None and p.returncode != expect:
        sys.exit("FAIL: %s exited %d (expected %d)\nstdout:\n%s\nstderr:\n%s"
                 % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Study:
    """A study key, a server folder and a pack naming https://127.0.0.1:PORT."""

    def __init__(self, root, port=None, url=None, server_dir=None):
        self.root = root
        self.keys = os.path.join(root, "keys")
        run([SYNC, "keygen", "--out", self.keys])
        self.server_dir = server_dir or os.path.join(root, "server")
        if not server_dir:
            run([SYNC, "serve", "--init", self.server_dir, "--host", "localhost"])
        self.port = port or free_port()
        self.url = url or "https://127.0.0.1:%d" % self.port
        self.pack = os.path.join(root, "study.pack")
        run([SYNC, "pack", FORM, "--key", os.path.join(self.keys, "study.key"), "--out", self.pack,
             "--deliver-to", self.url, "--server-dir", self.server_dir])
        self.plain_pack = os.path.join(root, "plain.pack")
        run([SYNC, "pack", FORM, "--key", os.path.join(self.keys, "study.key"), "--out",
             self.plain_pack])


def sitting(i):
    return {"outcome": "finish",
            "consent": {"agree_data": "yes", "agree_contact": "no", "signer": "P%d" % i},
            "answers": {"role": ["clinical", "data", "management"][i % 3],
                        "changed": "no", "comments": "sitting %d" % i}}


def make_kiosk(data_dir, pack, label, n_sittings, start=0):
    """Install pack (unless "-") and run n finished sittings: 2 records each."""
    spec = data_dir + ".spec.json"
    with open(spec, "w") as f:
        json.dump({"sittings": [sitting(start + i) for i in range(n_sittings)]}, f)
    if pack != "-":
        run([KIOSK, "--data", data_dir, "--install", pack])
    run([DRIVER, "kiosk", data_dir, "-", label, spec, data_dir + ".out.json"])


def deliver(data_dir, expect=0, env_extra=None, timeout=600):
    return run([KIOSK, "--data", data_dir, "--deliver"], expect=expect, env_extra=env_extra,
               timeout=timeout)


def finish_delivery(data_dir, tries=5, env_extra=None):
    """What the kiosk's worker does after a failed try: try again (here at
    once, up to `tries` times).  Returns the number of extra tries needed."""
    for i in range(tries):
        if kiosk_counts(data_dir)[1] == 0:
            return i
        deliver(data_dir, expect=None, env_extra=env_extra)
    return tries


def deliver_async(data_dir, env_extra=None):
    env = dict(os.environ)
    env.update(FAST)
    if env_extra:
        env.update(env_extra)
    return subprocess.Popen([KIOSK, "--data", data_dir, "--deliver"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL)


def kiosk_counts(data_dir):
    """(delivered, waiting) from kiosk.db, as the admin screen counts them."""
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, "kiosk.db"), uri=True)
    d = con.execute("SELECT COUNT(*) FROM records WHERE delivered_ms IS NOT NULL").fetchone()[0]
    w = con.execute("SELECT COUNT(*) FROM records WHERE delivered_ms IS NULL").fetchone()[0]
    con.close()
    return d, w


def kiosk_record_ids(data_dir):
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, "kiosk.db"), uri=True)
    ids = sorted(r[0] for r in con.execute("SELECT hex(record_id) FROM records"))
    con.close()
    return ids


def new_store(root):
    """The central store for serve (a file in root, or a PostgreSQL database of
    its own: SK_TEST_STORE, tests/e2e/store.py)."""
    return stores.fresh(root, "central.db")


def store_ids(store):
    """Every record id the central store holds, with repeats if any; the
    number of conflicts; "ok" when its storage is sound (store.integrity)."""
    return stores.record_ids(store), stores.count(store, "conflicts"), stores.integrity(store)


class Server:
    """survey-sync serve as a child process."""

    def __init__(self, store, server_dir, port, extra=()):
        self.args = [SYNC, "serve", "--store", store, "--listen", "127.0.0.1:%d" % port,
                     "--server-dir", server_dir] + list(extra)
        self.log_path = stores.beside(store, ".log")
        self.log = open(self.log_path, "a")
        self.p = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                  stdin=subprocess.DEVNULL)
        line = self.p.stdout.readline()
        if not line.startswith("listening on "):
            self.p.kill()
            sys.exit("FAIL: serve did not start: %r\n%s" % (line, open(self.log_path).read()))
        self.url = line.split()[-1]

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        return self.p.returncode

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()


def wait_for(cond, timeout, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()
