#!/bin/sh
# deps.sh - install the Debian / Raspberry Pi OS packages survey-kiosk needs,
# only those that are missing.  Usage: scripts/deps.sh [build|test|demo|arm64|package|windows]
# Uses sudo when not root.  Nothing is downloaded outside the distribution.
set -eu

what=${1:-build}

# Build: compiler, CMake, pkg-config and the libraries (README "Dependencies").
pkgs="gcc make cmake pkg-config libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libsodium-dev libsqlite3-dev
      libzip-dev libexpat1-dev libjansson-dev libcmocka-dev fonts-dejavu-core
      libreadstat-dev libxlsxwriter-dev
      libmicrohttpd-dev libgnutls28-dev libcurl4-gnutls-dev libpq-dev nettle-dev"
case "$what" in
  build) ;;
  # Tests: Python 3 drives the kiosk end to end; PyNaCl (libsodium for Python)
  # is the independent reader/writer of our formats (tests/e2e/skformat.py);
  # a CJK font so Chinese renders and Symbola so emoji do; valgrind checks the
  # unit tests once more; clang and its libFuzzer runtime run the fuzz harnesses
  # (scripts/fuzz.sh); openpyxl, R's haven and the readstat tool read the
  # exported .xlsx, .sav and .dta back (tests/e2e/sync_formats.py); PostgreSQL's
  # server runs a throwaway cluster for the central store's tests on PostgreSQL
  # (scripts/pg-test-cluster.sh); iproute2's ip(8) makes the network namespaces
  # of the lossy-link delivery test (tests/e2e/serve_badlink.py).
  test) pkgs="$pkgs python3 python3-nacl fonts-wqy-microhei fonts-symbola valgrind clang libclang-rt-14-dev
              python3-openpyxl r-cran-haven readstat postgresql iproute2" ;;
  # Demo: a CJK font for the Chinese version of the example survey, and a
  # font with emoji (Symbola) so answers with emoji are not drawn as boxes.
  demo) pkgs="$pkgs fonts-wqy-microhei fonts-symbola" ;;
  # Raspberry Pi (issue 12): cross-build for arm64 against Debian's :arm64 libraries
  # and run the tests under qemu (scripts/test-arm64.sh).
  arm64) pkgs="$pkgs python3 python3-nacl fonts-wqy-microhei fonts-symbola file crossbuild-essential-arm64 qemu-user
               libsdl2-dev:arm64 libsdl2-ttf-dev:arm64 libsdl2-image-dev:arm64 libsodium-dev:arm64 libsqlite3-dev:arm64
               libzip-dev:arm64 libexpat1-dev:arm64 libjansson-dev:arm64 libcmocka-dev:arm64
               libreadstat-dev:arm64 libxlsxwriter-dev:arm64 libmicrohttpd-dev:arm64
               libgnutls28-dev:arm64 libcurl4-gnutls-dev:arm64 nettle-dev:arm64" ;;
  # .deb packages and their install test (scripts/package-deb.sh, scripts/test-deb-install.sh).
  package) pkgs="$pkgs dpkg-dev lintian debootstrap qemu-user-static" ;;
  # Windows: the portable build (scripts/build-windows.sh: mingw-w64, and tcl, the
  # autotools and dpkg-dev to build the dependencies from Debian's source packages;
  # zip) and its tests under Wine (scripts/test-windows.sh; screenshots on Xvfb;
  # --fullscreen in a real window under openbox, checked with xdotool, wmctrl and
  # x11-utils' xwininfo: tests/e2e/win_fullscreen.py).
  windows) pkgs="$pkgs python3 python3-nacl python3-pil gcc-mingw-w64-x86-64 wine wine64 tcl
                 autoconf automake libtool dpkg-dev zip xvfb openbox xdotool wmctrl x11-utils" ;;
  *) echo "usage: scripts/deps.sh [build|test|demo|arm64|package|windows]" >&2; exit 2 ;;
esac

# The :arm64 libraries install beside the host's once dpkg knows the architecture.
if [ "$what" = arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "deps.sh: adding the arm64 architecture (dpkg --add-architecture arm64)"
  if [ "$(id -u)" -eq 0 ]; then dpkg --add-architecture arm64 && apt-get update;
  else sudo dpkg --add-architecture arm64 && sudo apt-get update; fi
fi

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
