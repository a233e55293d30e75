#!/usr/bin/env python3
"""End to end: one kiosk per data folder, and the kiosk's own timeouts, on the
real survey-kiosk (SDL offscreen) and survey-sync.

  two kiosks   a sitting is open in kiosk A; kiosk B on the same folder exits 1
               with "another survey-kiosk is using DIR (pid A); close it first"
               and leaves A's live draft alone; A finishes the sitting
  thanks       the thank-you screen goes back to Welcome by its own timeout
               (kiosk_thanks_timeout, 3 s in the form), "Done" never pressed;
               the declined screen too
  headless     --export and --install while A runs: refused with the same
               sentence, exit 1; --set-pin still works (a kiosk on its set-up
               screen waits for it); after A quits, --export works
  idle         an idle timeout below 15 s (kiosk_idle_timeout 4 s, countdown
               2 s in the form) abandons a sitting: one incomplete record
  SIGKILL      a kiosk killed mid-sitting; a new kiosk starts at once (the
               lock died with the process) and the sitting is one incomplete
               record, not two
Then every record comes back exactly once through survey-sync export.

usage: kiosk_lock.py SURVEY_KIOSK SURVEY_SYNC FORM
"""
import glob
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study, read_csv  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
S = Study("kiosk_lock", KIOSK, SYNC, "lock e2e",
          SDL_VIDEODRIVER=os.environ.get("SDL_VIDEODRIVER", "offscreen"), SDL_AUDIODRIVER="dummy")
TMP, ENV, check, run = S.tmp, S.env, S.check, S.run


def in_use(data, pid):
    return "survey-kiosk: error: another survey-kiosk is using %s (pid %d); close it first\n" % (data, pid)


def keep_busy(k, proc, limit=30):
    """Input for kiosk k (a harmless wheel step) while proc runs, so that the
    form's 4-second idle timeout does not end k's sitting meanwhile.  A proc
    still running after limit seconds (it was not refused) is killed."""
    end = time.time() + limit
    while proc.poll() is None and time.time() < end:
        k.send("wheel 1")
        time.sleep(0.5)
    if proc.poll() is None:
        check(False, "the second kiosk was still running after %d s" % limit)
        proc.kill()


def answer_to_end(k):
    """From the role page to Finish: role clinical, 3 years, the rest left empty."""
    k.tap("role/clinical")
    k.tap("next")
    k.tap("years")
    k.text("3")
    if k.has("osk/done"):
        k.tap("osk/done")
    for _ in range(12):
        if k.has("submit"):
            break
        k.tap("next")
    k.tap("submit")


def two_kiosks(data, want):
    a = Kiosk(KIOSK, data)
    try:
        a.tap("start")
        a.wait_screen("consent")
        a.tap("agree")
        a.tap("next")
        a.wait_screen("question")
        # The sitting's draft is live in A.  B on the same folder:
        t = time.time()
        b = subprocess.Popen([KIOSK, "--data", data, "--window", "800x480"], env=ENV,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        keep_busy(a, b)
        out, err = b.communicate(timeout=60)
        check(b.returncode == 1, "the second kiosk exits 1: %s" % b.returncode)
        check(err == in_use(data, a.proc.pid), "the second kiosk says who has the folder: %r" % err)
        check(time.time() - t < 20, "the second kiosk gives up within its wait")
        check(a.proc.poll() is None and a.screen() == "question",
              "the first kiosk goes on, its sitting open: %s" % a.screen())
        answer_to_end(a)

        # The thank-you screen's own timeout: no "Done", no input at all.
        ui = a.wait_screen("thanks")
        t = time.time()
        code = a.widget("withdrawal-code", ui)["label"]
        seq = ui["input_seq"]
        ui = a.wait_screen("welcome", timeout=20)
        waited = time.time() - t
        check(2.0 <= waited <= 10, "thanks -> welcome by its 3 s timeout: %.1f s" % waited)
        check(ui["input_seq"] == seq, "no input reached the kiosk meanwhile")
        text = " ".join(w["label"] for w in ui["widgets"])
        check(code not in text, "the withdrawal code is gone from the screen")
        want["response"] += 1
        want["consent"] += 1

        # The declined screen goes back by the same timeout.
        a.tap("start")
        a.wait_screen("consent")
        a.tap("decline")
        a.wait_screen("declined")
        t = time.time()
        a.wait_screen("welcome", timeout=20)
        waited = time.time() - t
        check(2.0 <= waited <= 10, "declined -> welcome by its 3 s timeout: %.1f s" % waited)
        want["declined"] += 1

        # Headless commands while A runs (on Welcome, no sitting).
        out_dir = os.path.join(TMP, "refused")
        t = time.time()
        p = run(KIOSK, "--data", data, "--export", out_dir, ok=False)
        waited = time.time() - t
        check(p.returncode == 1 and p.stderr == in_use(data, a.proc.pid),
              "--export while a kiosk runs is refused: %s %r" % (p.returncode, p.stderr))
        check(4 <= waited <= 15, "--export waits ~5 s for the folder, then gives up: %.1f s" % waited)
        check(not os.path.exists(out_dir) or os.listdir(out_dir) == [], "--export wrote nothing")
        p = run(KIOSK, "--data", data, "--install", os.path.join(TMP, "e2e.pack"), ok=False)
        check(p.returncode == 1 and p.stderr == in_use(data, a.proc.pid),
              "--install while a kiosk runs is refused: %s %r" % (p.returncode, p.stderr))
        p = run(KIOSK, "--data", data, "--set-pin", ok=False, input="135792\n", stdin=None)
        check(p.returncode == 0 and "device fingerprint" in p.stdout,
              "--set-pin works beside a running kiosk: %s %r" % (p.returncode, p.stderr))
        check(a.proc.poll() is None and a.screen() == "welcome", "the kiosk is unharmed")
    finally:
        rc = a.close()
    check(rc == 0, "the first kiosk quits cleanly: %s" % rc)


def idle(data, want):
    k = Kiosk(KIOSK, data)
    try:
        k.tap("start")
        k.tap("agree")
        k.tap("next")
        k.tap("role/other")
        t = time.time()
        ui = k.wait_screen("idle", timeout=20)
        waited = time.time() - t
        check(3.0 <= waited <= 12, "'still there?' after the 4 s idle timeout: %.1f s" % waited)
        check(any(w["id"] == "idle/countdown" for w in ui["widgets"]), "the countdown shows")
        t = time.time()
        ui = k.wait_screen("welcome", timeout=20)
        waited = time.time() - t
        check(1.0 <= waited <= 10, "the sitting is set aside after the 2 s countdown: %.1f s" % waited)
        text = " ".join(w["label"] for w in ui["widgets"])
        check("Other" not in text, "nothing of the sitting is visible")
        want["incomplete"] += 1
    finally:
        k.close()


def sigkill(data, want):
    k = Kiosk(KIOSK, data)
    try:
        k.tap("start")
        k.tap("agree")
        k.tap("next")
        k.tap("role/management")
        check(k.widget("role/management")["checked"] is True, "the answer is on screen")
    finally:
        k.proc.kill()
        k.proc.wait()
    check(k.proc.returncode == -9, "the kiosk was killed: %s" % k.proc.returncode)
    check(os.path.exists(os.path.join(data, "kiosk.lock")), "the lock file stays behind")
    t = time.time()
    k = Kiosk(KIOSK, data)  # raises if it exits: a stale lock must not block it
    try:
        started = time.time() - t
        check(started < 4.5, "the restarted kiosk did not wait for a dead holder: %.1f s" % started)
        check(k.screen() == "welcome", "the restarted kiosk shows Welcome: %s" % k.screen())
    finally:
        k.close()
    want["incomplete"] += 1


def verify(data, want):
    out = os.path.join(TMP, "bundles")
    p = run(KIOSK, "--data", data, "--export", out)
    total = want["response"] + want["consent"] + want["incomplete"] + want["declined"]
    m = re.search(r": (\d+) records?\n", p.stdout)
    check(m and int(m.group(1)) == total, "--export after the kiosk quit: %r, want %d records"
          % (p.stdout, total))
    csvdir, _ = S.merge_export(glob.glob(os.path.join(out, "*")))
    resp = read_csv(glob.glob(os.path.join(csvdir, "*_responses.csv"))[0])
    cons = read_csv(glob.glob(os.path.join(csvdir, "*_consent.csv"))[0])
    kinds = lambda rows, k: [r for r in rows if r["kind"] == k]  # noqa: E731
    finished, incomplete = kinds(resp, "response"), kinds(resp, "incomplete")
    check(len(finished) == want["response"], "finished: %d, want %d" % (len(finished), want["response"]))
    check(len(finished) == 1 and finished[0]["role"] == "clinical" and finished[0]["years"] == "3",
          "the sitting finished beside a refused second kiosk, once: %s" % finished)
    check(len(incomplete) == want["incomplete"], "incomplete: %d, want %d (no duplicate)"
          % (len(incomplete), want["incomplete"]))
    roles = sorted(r["role"] for r in incomplete)
    check(roles == ["management", "other"], "the idle and the killed sitting, once each: %s" % roles)
    check(len(kinds(cons, "declined")) == want["declined"], "declined: %s" % kinds(cons, "declined"))
    check(len(kinds(cons, "consent")) == want["consent"], "consents: %s" % kinds(cons, "consent"))
    # An incomplete record is a row in both files; each file has it once, and
    # the sequence numbers are 1..N with none missing and none twice.
    for name, rows in (("responses", resp), ("consent", cons)):
        ids = [r["record_id"] for r in rows]
        check(len(ids) == len(set(ids)), "no record twice in %s: %s" % (name, ids))
    sittings = [r["sitting_id"] for r in resp]
    check(len(sittings) == len(set(sittings)), "no sitting twice: %s" % sittings)
    seqs = sorted({int(r["seq"]) for r in resp + cons})
    check(seqs == list(range(1, total + 1)), "records 1..%d, each once: %s" % (total, seqs))


def main():
    data = S.setup(FORM, "e2e.pack")
    want = {"response": 0, "consent": 0, "incomplete": 0, "declined": 0}
    for name, fn in [("two kiosks, thanks, headless", two_kiosks), ("idle", idle),
                     ("SIGKILL", sigkill)]:
        t = time.time()
        try:
            fn(data, want)
        except KioskError as e:
            check(False, "%s: %s" % (name, e))
        print("%-30s %.1f s" % (name, time.time() - t))
    verify(data, want)
    S.finish("kiosk lock and timeouts: all checks passed")


main()
