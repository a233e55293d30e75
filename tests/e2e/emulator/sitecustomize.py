"""Cross builds only: start the binaries an end-to-end test runs through the
emulator (tests/CMakeLists.txt puts this folder on PYTHONPATH and the emulator
command in SK_EMULATOR, such as "qemu-aarch64 -L /",
when CMAKE_CROSSCOMPILING_EMULATOR is set).

The tests call subprocess.Popen/run and, for a terminal, os.execve on the
binaries they were given.  Any of those whose program is an ELF file for
another machine than this Python's gets the emulator put in front; everything
else (python3, sqlite3, sh) runs as it is.  The emulator execs in place, so the
pid a test signals or waits on is the emulated program's own.
"""
import os
import shutil
import subprocess
import sys

_EMU = os.environ.get("SK_EMULATOR", "").split()


def _foreign(path):
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except (OSError, TypeError):
        return False
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return False
    machine = int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")
    with open(sys.executable, "rb") as f:
        own = f.read(20)
    return machine != int.from_bytes(own[18:20], "little" if own[5] == 1 else "big")


def _wrap(args):
    if isinstance(args, (list, tuple)) and args and _foreign(os.fspath(args[0])):
        return _EMU + [os.fspath(a) for a in args]
    return args


if _EMU:
    _popen_init = subprocess.Popen.__init__

    def _init(self, args, *a, **kw):
        _popen_init(self, _wrap(args), *a, **kw)

    subprocess.Popen.__init__ = _init
    _execve = os.execve

    def _execve_emu(path, args, env):
        if _foreign(path):
            return _execve(shutil.which(_EMU[0]) or _EMU[0], _EMU + [path] + list(args)[1:], env)
        return _execve(path, args, env)

    os.execve = _execve_emu
