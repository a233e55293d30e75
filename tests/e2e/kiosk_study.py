"""The frame the kiosk end-to-end tests share: a study in its own folder.

A test makes one Study (its folder under $SK_TEST_TMP, the study passphrase),
then uses it for the parts every kiosk test repeats: check() that collects
failures instead of stopping at the first, run() a binary and stop on a
non-zero exit, make a study key and a pack and install it on a kiosk, the
clean-exit checks after a sitting, the research team's way back (survey-kiosk
--export, survey-sync merge, accept the device, survey-sync export), and the
last line (the failures, or what passed).  What a test checks stays in the
test: the helpers here check only what they say they check.
"""
import csv
import glob
import os
import shutil
import subprocess
import sys

from kiosk import accept_devices


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


class Study:
    def __init__(self, name, kiosk, sync, passphrase, **env):
        self.kiosk, self.sync = kiosk, sync
        self.tmp = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), name)
        self.env = dict(os.environ, SURVEY_PASSPHRASE=passphrase, SK_PWHASH_FAST="1", **env)
        self.key = os.path.join(self.tmp, "study", "study.key")
        self.failures = []

    def check(self, cond, what):
        """Record a failure (and go on) unless cond; returns cond."""
        if not cond:
            self.failures.append(what)
            print("FAIL:", what)
        return cond

    def run(self, *args, ok=True, timeout=120, **kw):
        """Run a binary with the study's environment, its output captured as text
        and no stdin unless given (kw goes to subprocess.run: stdin, input), so
        that nothing ever waits on a terminal; stop the test on a non-zero exit
        unless ok=False."""
        if "input" not in kw:
            kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.run(list(args), env=self.env, capture_output=True, text=True,
                           timeout=timeout, **kw)
        if ok and p.returncode != 0:
            raise SystemExit("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(args),
                                                                 p.stdout, p.stderr))
        return p

    # -- the study, its pack, a kiosk ------------------------------------------
    def fresh(self):
        """An empty folder for this test."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        os.makedirs(self.tmp)

    def keygen(self):
        self.run(self.sync, "keygen", "--out", os.path.join(self.tmp, "study"))
        return self.key

    def pack(self, form, name):
        """survey-sync pack FORM into the test's folder as NAME; returns (path, process)."""
        path = os.path.join(self.tmp, name)
        return path, self.run(self.sync, "pack", form, "--key", self.key, "--out", path)

    def install(self, pack, data=None):
        """survey-kiosk --install PACK into DATA (default: the folder's kiosk/)."""
        data = data or os.path.join(self.tmp, "kiosk")
        self.run(self.kiosk, "--data", data, "--install", pack)
        return data

    def setup(self, form, pack_name):
        """A fresh folder, a study key, FORM packed and installed; returns the kiosk's data."""
        self.fresh()
        self.keygen()
        return self.install(self.pack(form, pack_name)[0])

    def clean_exit(self, rc, err, prefix=""):
        """After a sitting: the kiosk exited 0, and (a sanitizer build) reported nothing."""
        self.check(rc == 0, "%sthe kiosk exits cleanly: %s\n%s" % (prefix, rc, err[-2000:]))
        self.check("runtime error" not in err and "Sanitizer" not in err,
                   "no sanitizer report:\n" + err[-2000:])

    # -- the research team's way back ------------------------------------------
    def export_kiosk(self, data, out=None, *extra):
        """survey-kiosk --export into OUT (default: the folder's bundles/), with any
        EXTRA options; returns OUT."""
        out = out or os.path.join(self.tmp, "bundles")
        os.makedirs(out, exist_ok=True)
        self.run(self.kiosk, "--data", data, "--export", out, *extra)
        return out

    def merge_export(self, bundles, store_name="central"):
        """survey-sync merge BUNDLES into the folder's STORE_NAME.db, accept every new
        device, survey-sync export the CSVs (into csv, or csv-STORE_NAME for another
        store); returns (csv folder, devices accepted)."""
        store = os.path.join(self.tmp, store_name + ".db")
        self.run(self.sync, "merge", "--store", store, *bundles)
        accepted = accept_devices(self.sync, store)
        csvdir = os.path.join(self.tmp, "csv" if store_name == "central" else "csv-" + store_name)
        self.run(self.sync, "export", "--store", store, "--key", self.key, "--out", csvdir)
        return csvdir, accepted

    def to_csv(self, data):
        """export_kiosk then merge_export of what it wrote."""
        out = self.export_kiosk(data)
        return self.merge_export(glob.glob(os.path.join(out, "*")))

    @staticmethod
    def responses(csvdir, pattern="*_responses.csv"):
        """The finished responses (kind "response") of the first CSV matching PATTERN."""
        return [r for r in read_csv(glob.glob(os.path.join(csvdir, pattern))[0])
                if r["kind"] == "response"]

    def finish(self, passed):
        """The last line: the failure count and exit 1, or PASSED."""
        if self.failures:
            print("%d failures" % len(self.failures))
            sys.exit(1)
        print(passed)
