"""Run an end-to-end script with every Windows .exe it starts under an emulator.

    SK_TEST_EMULATOR=wine python3 with_emulator.py kiosk_headless.py KIOSK.exe SYNC.exe FORM

The e2e scripts start the binaries they are given with subprocess; for the
Windows build (scripts/test-windows.sh) those are .exe files that Linux runs
only through Wine.  This wrapper prefixes every command whose program ends in
.exe with $SK_TEST_EMULATOR (split on spaces), then runs the script as
__main__, so the scripts stay as they are and a native survey-sync can be
mixed with a Windows survey-kiosk in one test.
"""
import os
import runpy
import subprocess
import sys

EMULATOR = os.environ.get("SK_TEST_EMULATOR", "").split()

if EMULATOR:
    _popen_init = subprocess.Popen.__init__

    def _init(self, args, *rest, **kw):
        if isinstance(args, (list, tuple)) and args and str(args[0]).lower().endswith(".exe"):
            args = EMULATOR + list(args)
        _popen_init(self, args, *rest, **kw)

    subprocess.Popen.__init__ = _init

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: with_emulator.py SCRIPT [ARGS...]")
    script = os.path.abspath(sys.argv[1])
    sys.argv = sys.argv[1:]
    sys.path.insert(0, os.path.dirname(script))
    runpy.run_path(script, run_name="__main__")
