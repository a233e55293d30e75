#!/bin/sh
# deps.sh - install the Debian / Raspberry Pi OS packages survey-kiosk needs,
# only those that are missing.  Usage: scripts/deps.sh [build|test|demo]
# Uses sudo when not root.  Nothing is downloaded outside the distribution.
set -eu

what=${1:-build}

# Build: compiler, CMake, pkg-config and the libraries (README "Dependencies").
pkgs="gcc make cmake pkg-config libsdl2-dev libsdl2-ttf-dev libsodium-dev libsqlite3-dev
      libzip-dev libexpat1-dev libjansson-dev libcmocka-dev fonts-dejavu-core
      libreadstat-dev libxlsxwriter-dev
      libmicrohttpd-dev libgnutls28-dev libcurl4-gnutls-dev"
case "$what" in
  build) ;;
  # Tests: Python 3 drives the kiosk end to end; PyNaCl (libsodium for Python)
  # is the independent reader/writer of our formats (tests/e2e/skformat.py);
  # a CJK font so Chinese renders and Symbola so emoji do; valgrind checks the
  # unit tests once more; clang and its libFuzzer runtime run the fuzz harnesses
  # (scripts/fuzz.sh); openpyxl, R's haven and the readstat tool read the
  # exported .xlsx, .sav and .dta back (tests/e2e/sync_formats.py).
  test) pkgs="$pkgs python3 python3-nacl fonts-wqy-microhei fonts-symbola valgrind clang libclang-rt-14-dev
              python3-openpyxl r-cran-haven readstat" ;;
  # Demo: a CJK font for the Chinese version of the example survey, and a
  # font with emoji (Symbola) so answers with emoji are not drawn as boxes.
  demo) pkgs="$pkgs fonts-wqy-microhei fonts-symbola" ;;
  *) echo "usage: scripts/deps.sh [build|test|demo]" >&2; exit 2 ;;
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
