#!/bin/sh
# test-arm64.sh: cross-build for arm64 (Raspberry Pi OS bookworm) in build-arm64 with
# cmake/toolchain-aarch64.cmake and run the tests a Pi needs under qemu-aarch64: ctest
# puts the emulator in front of the unit-test binaries, and the Python end-to-end tests
# start survey-kiosk and survey-sync through it (tests/e2e/emulator/sitecustomize.py).
# Needs the :arm64 -dev packages, crossbuild-essential-arm64 and qemu-user
# (scripts/deps.sh arm64).  Prints how long each stage took.  scripts/test.sh runs it
# after the amd64 builds; CI budget for this stage: about 8 minutes on a quiet machine.
#
# The build is RelWithDebInfo at -O1 without -g: it only has to run the tests, and
# -O1 compiles faster than -O2 -g while the time under qemu is spent in the libraries.
#
# What runs (SK_ARM64_TESTS, a ctest -R regex; set it to "." for everything):
#   every cmocka unit test but test_cstore_kill, and the fuzz harnesses over their
#       corpora (arm64 has unsigned char and other alignment rules: the readers are
#       what would notice);
#   test_kstore_headless  --install and --export as an administrator runs them;
#   the offscreen kiosk end to end: flows, admin, security, lock (one kiosk per
#       folder, SIGKILL), text, cascade, repeats, sigterm (systemctl stop on a Pi);
#   test_disk_full  a kiosk whose SD card fills up;
#   test_serve_kiosk  a kiosk delivering to survey-sync serve;
# then, outside ctest, kiosk_flows once more with the arm64 survey-kiosk and the
# host's amd64 survey-sync (SK_HOST_SYNC, default build/sync/survey-sync, built in
# build-arm64-host when missing): a pack signed on the researcher's computer, answered
# on a "Pi", its bundle merged and exported on the researcher's computer.
# Left out, each run natively in the amd64 pass:
#   test_cstore_kill and the other survey-sync end-to-end tests (sync_*, form_check,
#       form_compat_suite, cstore_sync_cli, export_store, trust_*, serve_deliver,
#       serve_kill, serve_many): they test the researcher's tool, which runs on the
#       researcher's computer, and take 40 to 1090 s each under qemu (measured at load
#       15-18 on 2 cores, 2026-12-01);
#   test_serve_limits  survey-sync serve's handshake deadlines are real time and
#       the emulated server misses them (kiosks see "peer has terminated the connection");
#   test_kiosk_examples  every example in every language: the same code paths as the
#       kiosk tests above on more forms, 225 s under qemu at that load.
# SK_ARM64_EXCLUDE is a ctest -E regex applied as well (default: none).
#
# Under emulation every instruction costs several host instructions, so the SIGKILL
# tests run fewer kills than natively (they prove the same property each kill):
#   SK_CRASH_ITERATIONS (test_kstore_crash, natively 200)  -> 20 here
#   SK_KILL_ITERATIONS  (test_cstore_kill, natively 50)    -> 10 here, when it runs
# and the kiosk tests wait 5 times longer for each frame (SK_TIMEOUT_SCALE, tests/e2e/kiosk.py).
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
    { echo "test-arm64: needs crossbuild-essential-arm64 and qemu-user (scripts/deps.sh arm64)" >&2; exit 1; }
stage "configure"
mkdir -p "$B"
cmake -S . -B "$B" -DCMAKE_TOOLCHAIN_FILE="$(pwd)/cmake/toolchain-aarch64.cmake" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -DNDEBUG" \
    -DSK_WERROR=ON -DSK_TEST_HOOKS=ON > "$B/configure.log" 2>&1 || { cat "$B/configure.log"; exit 1; }
stage "build"
cmake --build "$B" -j2 > "$B/build.log" 2>&1 || { tail -40 "$B/build.log"; exit 1; }
file "$B/kiosk/survey-kiosk" | grep -q "ARM aarch64" || { echo "test-arm64: not an arm64 build" >&2; exit 1; }
stage "ctest under qemu-aarch64"
UNITS='^test_(error|answers|text|crypto_.*|cstore|export|report|expr.*|form_(readers|broken|golden|examples|compat)|kiosk_(theme|wrap|media)|kstore.*|platform|runtime|deliver|sync_term)$|^fuzz_'
E2E='^test_kiosk_(flows|admin|security|lock|text|cascade|repeats|sigterm)$|^test_(disk_full|serve_kiosk)$'
set -- --output-on-failure -j2 -R "${SK_ARM64_TESTS:-$UNITS|$E2E}"
[ -n "${SK_ARM64_EXCLUDE:-}" ] && set -- "$@" -E "$SK_ARM64_EXCLUDE"
export SDL_VIDEODRIVER=offscreen SK_CRASH_ITERATIONS=${SK_CRASH_ITERATIONS:-20} \
    SK_KILL_ITERATIONS=${SK_KILL_ITERATIONS:-10} SK_SIGTERM_LIMIT=${SK_SIGTERM_LIMIT:-10} \
    SK_TIMEOUT_SCALE=${SK_TIMEOUT_SCALE:-5}
rc=0
(cd "$B" && ctest "$@") || rc=$?
stage "arm64 survey-kiosk with the host's survey-sync (kiosk_flows)"
HOST_SYNC=${SK_HOST_SYNC:-build/sync/survey-sync}
if [ ! -x "$HOST_SYNC" ]; then
    HOST_SYNC=build-arm64-host/sync/survey-sync
    cmake -S . -B build-arm64-host -DSK_WERROR=ON > "$B/host-configure.log" 2>&1 &&
        cmake --build build-arm64-host -j2 --target survey-sync > "$B/host-build.log" 2>&1 ||
        { cat "$B/host-configure.log"; tail -40 "$B/host-build.log"; exit 1; }
fi
file "$HOST_SYNC" | grep -q "x86-64" || { echo "test-arm64: $HOST_SYNC is not a host binary" >&2; exit 1; }
mkdir -p "$B/tests/tmp/mixed"
SK_TEST_TMP="$(pwd)/$B/tests/tmp/mixed" SK_EMULATOR="qemu-aarch64 -L /" \
    PYTHONPATH="$(pwd)/tests/e2e/emulator" /usr/bin/python3 tests/e2e/kiosk_flows.py \
    "$B/kiosk/survey-kiosk" "$HOST_SYNC" tests/data/forms/kiosk_e2e.md > "$B/mixed.log" 2>&1 &&
    echo "kiosk_flows (arm64 survey-kiosk, amd64 $HOST_SYNC): passed" ||
    { cat "$B/mixed.log"; echo "kiosk_flows (arm64 kiosk, amd64 survey-sync): FAILED"; rc=1; }
stage "done (exit $rc)"
exit $rc
