#!/bin/sh
# test.sh - install what is missing, build, and run every test twice:
# a normal warnings-as-errors build, then under AddressSanitizer + UBSan.
#   scripts/test.sh            both
#   scripts/test.sh --quick    the normal build only
set -eu
cd "$(dirname "$0")/.."

scripts/deps.sh test

jobs=$(nproc 2>/dev/null || echo 2)
export SDL_VIDEODRIVER=${SDL_VIDEODRIVER:-offscreen}   # the kiosk's e2e tests need no display

run() { # run BUILD_DIR CMAKE_ARGS...
  dir=$1; shift
  echo "== $dir: configure $*"
  cmake -S . -B "$dir" -DSK_WERROR=ON "$@" >/dev/null
  echo "== $dir: build"
  cmake --build "$dir" -j "$jobs"
  echo "== $dir: test"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900)
}

run build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${1:-}" != "--quick" ]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run build-asan -DSK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
echo "== all tests passed"
