#!/bin/sh
# test-arm64.sh: cross-build for arm64 (Raspberry Pi OS bookworm) in build-arm64 with
# cmake/toolchain-aarch64.cmake and run the tests under qemu-aarch64: ctest puts the
# emulator in front of the unit-test binaries, and the Python end-to-end tests start
# survey-kiosk and survey-sync through it (tests/e2e/emulator/sitecustomize.py).
# Needs the :arm64 -dev packages, crossbuild-essential-arm64 and qemu-user
# (scripts/deps.sh).  Prints how long each stage took.
#
# Under emulation every instruction costs several host instructions, so the two
# SIGKILL tests run fewer kills than natively (they prove the same property each
# kill; the native run does the full count):
#   SK_CRASH_ITERATIONS (test_kstore_crash, natively 200)  -> 20 here
#   SK_KILL_ITERATIONS  (test_cstore_kill, natively 50)    -> 10 here, when it runs
# and the kiosk tests wait 5 times longer for each frame (SK_TIMEOUT_SCALE, tests/e2e/kiosk.py).
# Left out by default (SK_ARM64_EXCLUDE, a ctest -E regex; set it empty to run it):
#   test_cstore_kill  SIGKILLs survey-sync's merge into the central store at random
#       moments; under qemu on a loaded 2-core machine even 10 kills exceeded its
#       300 s limit (each round replays a whole merge of 800 signed records).  The
#       merge runs on the researcher's computer, not on a Pi, and the test runs
#       natively in the amd64 pass; the kiosk's own crash test (test_kstore_crash,
#       answers saved while SIGKILLed) does run here.
# Set SK_ARM64_TESTS to a ctest -R regex to run a subset.
#
# The emulator runs the target's own multiarch glibc (qemu-aarch64 -L /, see
# cmake/toolchain-aarch64.cmake): with -L /usr/aarch64-linux-gnu, every program's
# first pthread_create spun forever (mixed ld.so and libc.so.6 builds), which is why
# the FIFO-driven kiosk tests never saw a first frame before 2026-12-01.
set -eu
cd "$(dirname "$0")/.."
B=build-arm64
t0=$(date +%s)
stage() { echo "== test-arm64: $1 ($(( $(date +%s) - t0 )) s so far)"; }
command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null ||
    { echo "test-arm64: needs crossbuild-essential-arm64 and qemu-user (scripts/deps.sh)" >&2; exit 1; }
stage "configure"
mkdir -p "$B"
cmake -S . -B "$B" -DCMAKE_TOOLCHAIN_FILE="$(pwd)/cmake/toolchain-aarch64.cmake" \
    -DSK_WERROR=ON -DSK_TEST_HOOKS=ON > "$B/configure.log" 2>&1 || { cat "$B/configure.log"; exit 1; }
stage "build"
cmake --build "$B" -j2 > "$B/build.log" 2>&1 || { tail -40 "$B/build.log"; exit 1; }
file "$B/kiosk/survey-kiosk" | grep -q "ARM aarch64" || { echo "test-arm64: not an arm64 build" >&2; exit 1; }
stage "ctest under qemu-aarch64"
set -- --output-on-failure -j2
[ -n "${SK_ARM64_TESTS:-}" ] && set -- "$@" -R "$SK_ARM64_TESTS"
EXCLUDE=${SK_ARM64_EXCLUDE-^test_cstore_kill\$}
[ -n "$EXCLUDE" ] && set -- "$@" -E "$EXCLUDE"
rc=0
(cd "$B" && SDL_VIDEODRIVER=offscreen SK_CRASH_ITERATIONS=${SK_CRASH_ITERATIONS:-20} \
    SK_KILL_ITERATIONS=${SK_KILL_ITERATIONS:-10} SK_SIGTERM_LIMIT=${SK_SIGTERM_LIMIT:-10} \
    SK_TIMEOUT_SCALE=${SK_TIMEOUT_SCALE:-5} ctest "$@") || rc=$?
stage "done (exit $rc)"
exit $rc
