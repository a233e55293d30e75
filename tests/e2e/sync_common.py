"""The frame the survey-sync end-to-end tests share (sync_ethics, sync_formats,
sync_scenario): check() that collects failures on stderr and goes on, run() a
binary with the study passphrase (or none) and stop with its output when it
exits other than expected, sync() for survey-sync, and read_csv() exactly as
the CSV is written (UTF-8, a byte-order mark kept in the first name).
"""
import csv
import os
import subprocess
import sys


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class SyncTest:
    def __init__(self, sync_bin, passphrase):
        self.sync_bin, self.passphrase = sync_bin, passphrase
        self.failures = []

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL:", what, file=sys.stderr)

    def run(self, args, expect=0, passphrase=None):
        """ARGS with no stdin and SURVEY_PASSPHRASE the study's (or PASSPHRASE);
        stops the test unless it exits EXPECT (None: any status)."""
        env = dict(os.environ, SURVEY_PASSPHRASE=passphrase or self.passphrase)
        p = subprocess.run(args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
                           timeout=300)
        if expect is not None and p.returncode != expect:
            sys.exit("FAIL: %s exited %d (expected %d)\nstdout:\n%s\nstderr:\n%s"
                     % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
        return p

    def sync(self, *args, **kw):
        return self.run([self.sync_bin] + list(args), **kw)
