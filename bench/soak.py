#!/usr/bin/env python3
"""Soak run: one survey-kiosk process, several hundred sittings, then every
record back through survey-sync.  Not run by ctest (it takes minutes); see
bench/README.md for the command and the latest figures.

The kiosk runs under SDL's offscreen driver and is driven through the test
protocol (SURVEY_KIOSK_INPUT / SURVEY_KIOSK_UIMAP, docs/KIOSK.md), so it needs
a build with -DSK_TEST_HOOKS=ON.  The form is examples/src/nhsda-alumni.md
(English and Simplified Chinese) with short kiosk timeouts (idle 5 s,
countdown 2 s, thank-you 3 s) so that idle sittings fit in a soak.

Sittings, chosen by a seeded random generator: about 84 % finished (mouse or
touch, English or Chinese, free text typed as text input or on the on-screen
keyboard, the thank-you screen closed with Done or left to time out), 10 %
declined at consent, 6 % left alone until the idle timeout sets them aside.

Every 30 s it prints the kiosk's RSS, open file descriptors, kiosk.db-wal size,
sittings so far and the input-to-frame latency of the lines sent in that
window: from writing a line to the FIFO to reading the UI map the kiosk wrote
after presenting the frame that answers it (inotify on the map's folder, so an
upper bound that includes writing and parsing the JSON map).

At the end: quit the kiosk, survey-kiosk --export, survey-sync merge, devices
accept, export with the study key, and check that every record comes back
exactly once (sequence numbers 1..N, each finished sitting's unique free text
once, the counts of finished, incomplete and declined sittings).

usage: bench/soak.py [--build build-L] [--minutes 12] [--seed 1] [--out DIR]
"""
import argparse
import csv
import ctypes
import glob
import os
import random
import re
import select
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from kiosk import Kiosk, KioskError, accept_devices  # noqa: E402

IN_CLOSE_WRITE, IN_MOVED_TO = 0x8, 0x80


class Inotify:
    """The kernel's inotify through ctypes (the standard library has none)."""

    def __init__(self, folder):
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, folder.encode(),
                                                 IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
            raise OSError(ctypes.get_errno(), "inotify")

    def wait(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        try:
            while os.read(self.fd, 65536):
                pass
        except BlockingIOError:
            pass
        return bool(r)


class SoakKiosk(Kiosk):
    """kiosk.Kiosk, waiting on inotify instead of sleeping, timing every line."""

    def __init__(self, *args, **kw):
        self.latencies = []
        self.by_cmd = {}      # "tap", "text", ... -> every latency of the run
        self.lat_lock = threading.Lock()
        self._ino = None
        super().__init__(*args, **kw)

    def wait_for(self, pred, timeout=20, what="a condition"):
        if self._ino is None:
            self._ino = Inotify(self.tmp)
        end = time.time() + timeout
        last = None
        while True:
            if self.proc.poll() is not None:
                raise KioskError("survey-kiosk exited (%s) waiting for %s; stderr:\n%s"
                                 % (self.proc.returncode, what, self.stderr()))
            try:
                last = self.ui()
                if last.get("input_seq", 0) >= self.lines and pred(last):
                    return last
            except KioskError:
                pass
            left = end - time.time()
            if left <= 0:
                raise KioskError("timed out waiting for %s; screen %s"
                                 % (what, last and last.get("screen")))
            self._ino.wait(min(left, 0.25))

    def send(self, line):
        t = time.perf_counter()
        ui = super().send(line)
        ms = (time.perf_counter() - t) * 1000
        with self.lat_lock:
            self.latencies.append(ms)
            self.by_cmd.setdefault(line.split(" ", 1)[0], []).append(ms)
        return ui


def short_timeouts_form(src, dst):
    """The example form with idle 5 s, countdown 2 s, thank-you 3 s."""
    text = open(src, encoding="utf-8").read()
    head = "| kiosk_idle_timeout | kiosk_idle_countdown | kiosk_thanks_timeout |"
    assert head in text, "the example's settings row changed; update soak.py"
    lines = text.rstrip("\n").split("\n")
    cells = lines[-1].split("|")
    cells[-4:-1] = [" 5 ", " 2 ", " 3 "]
    lines[-1] = "|".join(cells)
    open(dst, "w", encoding="utf-8").write("\n".join(lines) + "\n")


# ---- one sitting -------------------------------------------------------------

class Sitter:
    def __init__(self, k, rng):
        self.k, self.rng = k, rng

    def press(self, wid, touch):
        if self.k.screen() in ("consent", "question"):  # scrolling pages
            self.k.reveal(wid)
        (self.k.touch if touch else self.k.tap)(wid)

    def start(self, lang, touch):
        k = self.k
        k.wait_screen("welcome")
        if lang != "en":
            self.press("lang/" + lang, touch)
        self.press("start", touch)
        k.wait_screen("consent")

    def consent(self, touch):
        for wid in ("agree_info", "agree_voluntary", "agree_quotes"):
            if wid != "agree_quotes" or self.rng.random() < 0.5:
                self.press(wid, touch)
        self.press("next", touch)
        self.k.wait_screen("question")

    def choose(self, q, options, touch):
        self.press("%s/%s" % (q, self.rng.choice(options)), touch)

    def next(self, touch):
        k = self.k
        for _ in range(20):
            if k.has("next") or k.has("submit"):
                break
            k.send("wheel 4")
        self.press("submit" if k.has("submit") else "next", touch)

    def finished(self, lang, marker):
        rng, k = self.rng, self.k
        touch = rng.random() < 0.5
        self.start(lang, touch)
        self.consent(touch)
        self.choose("gender", ["female", "male", "other", "not_say"], touch)
        self.next(touch)
        self.choose("role", ["clinical", "management", "data"], touch)
        self.next(touch)
        self.choose("impact", ["none", "little", "moderate", "strong"], touch)
        self.next(touch)
        changed = rng.choice(["yes", "no"])
        self.press("changed_role/" + changed, touch)
        self.next(touch)
        if changed == "yes":
            self.choose("change_determined", ["not", "partly", "strongly"], touch)
            self.next(touch)
        for q in rng.sample(["dev_social", "dev_courage", "dev_mentoring", "dev_team"], 2):
            self.choose(q, ["1", "2", "3", "4", "5"], touch)
        self.next(touch)
        self.choose("socialisation", ["1", "3", "5"], touch)
        self.next(touch)
        self.choose("training", ["msc", "short", "mentoring"], touch)
        self.next(touch)
        # The free text: unique per sitting, so the export can find it exactly once.
        self.press("leader", touch)
        if lang == "zh":
            k.text("数字健康领导者 %s" % marker)
        elif touch and k.has("osk/a"):
            for ch in "soak":
                k.touch("osk/" + ch)
            k.text("-%s" % marker)  # the protocol's "text" drops leading spaces
        else:
            k.text("A leader who listens %s" % marker)
        if k.has("osk/done"):
            k.tap("osk/done")
        self.next(touch)
        self.press("interview/no", touch)
        self.next(touch)
        k.wait_screen("thanks")
        if rng.random() < 0.2:
            k.wait_screen("welcome", timeout=30)  # the thank-you screen's own timeout
        else:
            self.press("finish-ok", touch)
            k.wait_screen("welcome")

    def declined(self, lang):
        touch = self.rng.random() < 0.5
        self.start(lang, touch)
        self.press("decline", touch)
        self.k.wait_screen("declined")
        if self.rng.random() < 0.5:
            self.k.wait_screen("welcome", timeout=30)
        else:
            self.press("finish-ok", touch)
            self.k.wait_screen("welcome")

    def idle(self, lang):
        self.start(lang, False)
        self.consent(False)
        self.choose("gender", ["female", "male"], False)
        self.k.wait_screen("idle", timeout=30)
        self.k.wait_screen("welcome", timeout=30)


# ---- monitoring --------------------------------------------------------------

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


class Monitor(threading.Thread):
    def __init__(self, k, data, counts, every):
        super().__init__(daemon=True)
        self.k, self.data, self.counts, self.every = k, data, counts, every
        self.stop = threading.Event()
        self.rows = []
        self.t0 = time.time()

    def sample(self):
        pid = self.k.proc.pid
        try:
            rss = rss_kib(pid) / 1024
            fds = len(os.listdir("/proc/%d/fd" % pid))
        except OSError:
            return
        wal = os.path.getsize(os.path.join(self.data, "kiosk.db-wal")) \
            if os.path.exists(os.path.join(self.data, "kiosk.db-wal")) else 0
        with self.k.lat_lock:
            lat, self.k.latencies = self.k.latencies, []
        c = self.counts
        row = (time.time() - self.t0, rss, fds, wal / 1e6, c["finished"], c["declined"],
               c["idle"], len(lat), statistics.median(lat) if lat else float("nan"),
               pct(lat, 95), max(lat) if lat else float("nan"))
        self.rows.append(row)
        if not lat:  # the closing sample, taken just after the one before
            return
        print("%6.0f s  RSS %5.1f MiB  fds %3d  WAL %5.2f MB  finished %4d declined %3d idle %3d"
              "  lines %5d  latency median %5.1f p95 %5.1f max %6.1f ms" % row, flush=True)

    def run(self):
        print("soak: one kiosk (pid %d), a sample every %.0f s; latency = line written to "
              "the map of its frame" % (self.k.proc.pid, self.every), flush=True)
        while not self.stop.wait(self.every):
            self.sample()


# ---- the run ---------------------------------------------------------------

def run(cmd, env):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd),
                                                             p.stdout, p.stderr))
    return p.stdout


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--minutes", type=float, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--every", type=float, default=30, help="seconds between samples")
    ap.add_argument("--out", default="/tmp/sk-soak")
    a = ap.parse_args()
    kiosk_bin = os.path.join(a.build, "kiosk", "survey-kiosk")
    sync_bin = os.path.join(a.build, "sync", "survey-sync")
    for b in (kiosk_bin, sync_bin):
        if not os.access(b, os.X_OK):
            raise SystemExit("no %s: build with -DSK_TEST_HOOKS=ON first" % b)
    env = dict(os.environ, SURVEY_PASSPHRASE="soak", SK_PWHASH_FAST="1",
               SDL_VIDEODRIVER=os.environ.get("SDL_VIDEODRIVER", "offscreen"))
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ["SK_TEST_TMP"] = a.out
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    form = os.path.join(a.out, "nhsda-alumni-soak.md")
    short_timeouts_form(os.path.join(ROOT, "examples", "src", "nhsda-alumni.md"), form)
    keys = os.path.join(a.out, "study")
    run([sync_bin, "keygen", "--out", keys], env)
    pack = os.path.join(a.out, "soak.pack")
    run([sync_bin, "pack", form, "--key", os.path.join(keys, "study.key"), "--out", pack], env)
    data = os.path.join(a.out, "kiosk")
    run([kiosk_bin, "--data", data, "--install", pack], env)

    rng = random.Random(a.seed)
    counts = {"finished": 0, "declined": 0, "idle": 0}
    markers = []          # the unique free text of every finished sitting
    langs = {"en": 0, "zh": 0}
    k = SoakKiosk(kiosk_bin, data)
    mon = Monitor(k, data, counts, a.every)
    mon.start()
    t_end = time.time() + a.minutes * 60
    sitter = Sitter(k, rng)
    n = 0
    try:
        while time.time() < t_end:
            n += 1
            lang = "zh" if rng.random() < 0.4 else "en"
            r = rng.random()
            if r < 0.06:
                sitter.idle(lang)
                counts["idle"] += 1
            elif r < 0.16:
                sitter.declined(lang)
                counts["declined"] += 1
            else:
                marker = "s%04dx%06d" % (n, rng.randrange(10 ** 6))
                sitter.finished(lang, marker)
                markers.append(marker)
                counts["finished"] += 1
            langs[lang] += 1
    except KioskError as e:
        print("soak stopped at sitting %d: %s" % (n, e), flush=True)
        mon.stop.set()
        k.close()
        sys.exit(1)
    mon.sample()
    mon.stop.set()
    rc = k.close()
    print("kiosk quit with status %s after %d sittings (%s)" % (rc, n, langs), flush=True)

    # ---- everything back, exactly once ----
    t = time.time()
    out = run([kiosk_bin, "--data", data, "--export", os.path.join(a.out, "bundles")], env)
    bundles = glob.glob(os.path.join(a.out, "bundles", "*"))
    store = os.path.join(a.out, "central.db")
    run([sync_bin, "merge", "--store", store] + bundles, env)
    accepted = accept_devices(sync_bin, store)
    csvdir = os.path.join(a.out, "csv")
    run([sync_bin, "export", "--store", store, "--key", os.path.join(keys, "study.key"),
         "--out", csvdir], env)
    resp = read_csv(glob.glob(os.path.join(csvdir, "*_responses.csv"))[0])
    cons = read_csv(glob.glob(os.path.join(csvdir, "*_consent.csv"))[0])
    problems = []
    want_total = 2 * counts["finished"] + counts["declined"] + counts["idle"]
    m = re.search(r": (\d+) records?", out)
    if not m or int(m.group(1)) != want_total:
        problems.append("--export: %r, want %d records" % (out.strip(), want_total))
    kind = lambda rows, k: [r for r in rows if r["kind"] == k]  # noqa: E731
    got = {"finished": len(kind(resp, "response")), "idle": len(kind(resp, "incomplete")),
           "declined": len(kind(cons, "declined")), "consents": len(kind(cons, "consent"))}
    for name, want in (("finished", counts["finished"]), ("idle", counts["idle"]),
                       ("declined", counts["declined"]), ("consents", counts["finished"])):
        if got[name] != want:
            problems.append("%s: %d rows, want %d" % (name, got[name], want))
    leaders = [r["leader"] for r in kind(resp, "response")]
    for mk in markers:
        hits = [x for x in leaders if x.endswith(mk)]
        if len(hits) != 1:
            problems.append("sitting %s: its free text is there %d times" % (mk, len(hits)))
    seqs = sorted(int(r["seq"]) for r in resp) + sorted(int(r["seq"]) for r in cons)
    uniq = sorted(set(seqs))
    if uniq != list(range(1, want_total + 1)):
        problems.append("sequence numbers are not 1..%d: %d distinct" % (want_total, len(uniq)))
    for name, rows in (("responses", resp), ("consent", cons)):
        ids = [r["record_id"] for r in rows]
        if len(ids) != len(set(ids)):
            problems.append("a record twice in %s" % name)
    print("export, merge (%d device accepted), CSV: %.1f s; %d records; rows: %s"
          % (len(accepted), time.time() - t, want_total, got), flush=True)
    if mon.rows:
        rss = [r[1] for r in mon.rows]
        fds = [r[2] for r in mon.rows]
        wal = [r[3] for r in mon.rows]
        print("over the run: RSS %.1f..%.1f MiB, fds %d..%d, WAL max %.2f MB"
              % (min(rss), max(rss), min(fds), max(fds), max(wal)))
    print("input-to-frame by line over the whole run (a tap or touch that changes an answer"
          " includes its durable save):")
    for cmd, xs in sorted(k.by_cmd.items()):
        print("  %-6s %6d lines  median %5.1f  p95 %6.1f  p99 %6.1f  max %6.1f ms"
              % (cmd, len(xs), statistics.median(xs), pct(xs, 95), pct(xs, 99), max(xs)))
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems[:50]))
        sys.exit(1)
    print("every record came back exactly once: %d finished (%d free texts), %d declined, "
          "%d set aside by the idle timeout" % (counts["finished"], len(markers),
                                                counts["declined"], counts["idle"]))


if __name__ == "__main__":
    main()
