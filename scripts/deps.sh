#!/bin/sh
# deps.sh - install the Debian / Raspberry Pi OS packages survey-kiosk needs,
# only those that are missing.  Usage: scripts/deps.sh [build|test|demo|windows]
# Uses sudo when not root.  Nothing is downloaded outside the distribution.
set -eu

what=${1:-build}

# Build: compiler, CMake, pkg-config and the libraries (README "Dependencies").
pkgs="gcc make cmake pkg-config libsdl2-dev libsdl2-ttf-dev libsodium-dev libsqlite3-dev
      libzip-dev libexpat1-dev libjansson-dev libcmocka-dev fonts-dejavu-core"
case "$what" in
  build) ;;
  # Tests: Python 3 drives the kiosk end to end; PyNaCl (libsodium for Python)
  # is the independent reader/writer of our formats (tests/e2e/skformat.py);
  # a CJK font so Chinese renders; valgrind checks the unit tests once more;
  # clang and its libFuzzer runtime run the fuzz harnesses (scripts/fuzz.sh).
  # Xvfb: an X server without a screen, for the Windows kiosk's screenshots under Wine.
  test) pkgs="$pkgs python3 python3-nacl fonts-wqy-microhei valgrind clang libclang-rt-14-dev xvfb" ;;
  # Windows: the portable build (scripts/build-windows.sh: mingw-w64, and tcl, the
  # autotools and dpkg-dev to build the dependencies from Debian's source packages;
  # zip) and its tests under Wine (scripts/test-windows.sh; screenshots on Xvfb).
  windows) pkgs="$pkgs python3 python3-nacl python3-pil gcc-mingw-w64-x86-64 wine wine64 tcl
                 autoconf automake libtool dpkg-dev zip xvfb" ;;
  # Demo: a CJK font for the Chinese version of the example survey.
  demo) pkgs="$pkgs fonts-wqy-microhei" ;;
  *) echo "usage: scripts/deps.sh [build|test|demo|windows]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

echo "deps.sh: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "deps.sh: error: need root or sudo to install:$missing" >&2
  exit 1
fi
# Refresh the package lists only when an install fails with the cached ones.
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing; then
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
