#!/bin/sh
# test-deb-install.sh [DIST]: install the arm64 survey-kiosk and survey-sync packages into a fresh
# Debian bookworm arm64 root (debootstrap + qemu-user-static, as a Raspberry Pi OS
# Lite would get it) and check that its programs run there:
#   apt-get install ./survey-kiosk_*_arm64.deb (its Depends from the archive),
#   survey-sync --version, keygen, check, pack; survey-kiosk --help, --install,
#   --export (headless); the kiosk under SDL's offscreen driver for a moment, then
#   SIGTERM; the packaged unit passes systemd-analyze verify inside the root; the
#   survey-kiosk system user exists with groups video, render, input.
#
# DIST (default dist/) holds survey-kiosk_*_arm64.deb and survey-sync_*_arm64.deb
# (scripts/package-deb.sh arm64); the newest of each is installed.
# Needs root (debootstrap, chroot, binfmt_misc).  Caches, outside the repository, in
# SK_DEBOOTSTRAP_CACHE (default /var/cache/survey-kiosk-debootstrap): the .debs
# debootstrap and apt fetch and a tarball of the bare root, so a second run
# downloads nothing it already has and skips debootstrap.  The root itself is made
# afresh each run (a throwaway folder) so every run installs into a clean system.
set -eu
cd "$(dirname "$0")/.."
CACHE=${SK_DEBOOTSTRAP_CACHE:-/var/cache/survey-kiosk-debootstrap}
MIRROR=${SK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DIST=${1:-dist}
KDEB=$(ls -t "$DIST"/survey-kiosk_*_arm64.deb 2>/dev/null | head -1)
SDEB=$(ls -t "$DIST"/survey-sync_*_arm64.deb 2>/dev/null | head -1)
[ -n "$KDEB" ] && [ -n "$SDEB" ] || { echo "test-deb-install: no arm64 .debs in $DIST: run scripts/package-deb.sh arm64" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "test-deb-install: needs root (debootstrap, chroot)" >&2; exit 1; }
t0=$(date +%s)
step() { echo "== $(( $(date +%s) - t0 )) s: $*"; }

# Run arm64 programs in the chroot: qemu-user-static's binfmt entry, with the F
# flag so the kernel holds the interpreter open and the chroot needs no copy.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    conf=/usr/lib/binfmt.d/qemu-aarch64.conf
    [ -f "$conf" ] || { echo "test-deb-install: $conf missing: apt-get install qemu-user-static" >&2; exit 1; }
    cat "$conf" > /proc/sys/fs/binfmt_misc/register
fi

mkdir -p "$CACHE/debs" "$CACHE/apt"
BASE="$CACHE/bookworm-arm64-minbase.tar"
if [ ! -f "$BASE" ]; then
    step "debootstrap bookworm arm64 (first run: a few minutes)"
    tmp=$(mktemp -d /var/tmp/sk-debootstrap.XXXXXX)
    debootstrap --arch=arm64 --variant=minbase --cache-dir="$CACHE/debs" \
        bookworm "$tmp" "$MIRROR" > "$CACHE/debootstrap.log" 2>&1 ||
        { tail -20 "$CACHE/debootstrap.log" >&2; rm -rf "$tmp"; exit 1; }
    chroot "$tmp" apt-get update -q > /dev/null
    tar -C "$tmp" -cf "$BASE.part" . && mv "$BASE.part" "$BASE"
    rm -rf "$tmp"
fi

ROOT=$(mktemp -d /var/tmp/sk-debroot.XXXXXX)
cleanup() {
    for m in proc sys dev/pts dev var/cache/apt/archives; do
        mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m"
    done
    rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM
step "unpack the bare root ($BASE)"
tar -C "$ROOT" -xf "$BASE"
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
mount --bind "$CACHE/apt" "$ROOT/var/cache/apt/archives"
mkdir -p "$ROOT/var/cache/apt/archives/partial"
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

step "apt-get install $(basename "$KDEB") $(basename "$SDEB") and their dependencies"
cp "$KDEB" "$SDEB" "$ROOT/tmp/"
# The bare root's package lists are from the day it was made (apt-get update under
# qemu takes minutes); refresh them only when an install fails with them.
apt_install() {
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "/tmp/$(basename "$KDEB")" "/tmp/$(basename "$SDEB")" > "$ROOT/tmp/apt.log" 2>&1
}
if ! apt_install; then
    step "apt-get update (the cached package lists were out of date)"
    in_root apt-get update -q > "$ROOT/tmp/apt-update.log" 2>&1 || { cat "$ROOT/tmp/apt-update.log"; exit 1; }
    apt_install || { tail -30 "$ROOT/tmp/apt.log"; exit 1; }
fi
echo "   $(grep -c '^Setting up' "$ROOT/tmp/apt.log") packages set up"

fail=0
check() { # check WHAT CMD...: run CMD in the root, report
    what=$1; shift
    if out=$(in_root "$@" 2>&1); then echo "   ok: $what"; else echo "   FAIL: $what:"; echo "$out" | sed 's/^/      /'; fail=1; fi
}
step "the programs run"
echo "   $(in_root survey-sync --version)"
check "survey-kiosk --help" survey-kiosk --help
check "man pages installed" test -f /usr/share/man/man1/survey-kiosk.1.gz -a -f /usr/share/man/man1/survey-sync.1.gz
check "fonts in /usr/share/survey-kiosk/fonts" test -f /usr/share/survey-kiosk/fonts/DejaVuSans.ttf
check "user survey-kiosk in video, render, input" sh -c \
    'id -nG survey-kiosk | tr " " "\n" | grep -cx "video\|render\|input" | grep -qx 3'
cp tests/data/forms/kiosk_e2e.md "$ROOT/tmp/form.md"
W=/tmp/w
check "survey-sync keygen" env SURVEY_PASSPHRASE=pi sh -c "mkdir -p $W && survey-sync keygen --out $W/study"
check "survey-sync check" survey-sync check /tmp/form.md
check "survey-sync pack" env SURVEY_PASSPHRASE=pi survey-sync pack /tmp/form.md --key $W/study/study.key --out $W/e2e.pack
check "survey-kiosk --install (headless)" survey-kiosk --data $W/kiosk --install $W/e2e.pack
check "survey-kiosk --export (headless)" survey-kiosk --data $W/kiosk --export $W/out --all
check "survey-sync inspect (the pack)" survey-sync inspect $W/e2e.pack
# The kiosk's window under SDL's offscreen driver (no display in a chroot): it
# must come up, stay up, and end with exit 0 on SIGTERM (as systemctl stop does).
# A release build has no test hooks to say when its first frame is drawn, and a
# SIGTERM before SDL is up ends it by the signal, so give it time: under qemu on
# a loaded machine its start took more than 3 s.
check "survey-kiosk window (offscreen) up 30 s, SIGTERM, exit 0" env SDL_VIDEODRIVER=offscreen \
    SDL_AUDIODRIVER=dummy HOME=/tmp sh -c "survey-kiosk --data $W/kiosk & p=\$!; sleep 30;
    kill -0 \$p || exit 1; kill -TERM \$p; wait \$p"
# A minbase root has no systemd (the package does not need it to install).
if in_root sh -c 'command -v systemd-analyze' >/dev/null; then
    check "systemd-analyze verify survey-kiosk.service" systemd-analyze verify /lib/systemd/system/survey-kiosk.service
else
    echo "   skipped: systemd-analyze verify (no systemd in a minbase root; checked on the host)"
    check "the service and udev/polkit rules are installed" test -f /lib/systemd/system/survey-kiosk.service \
        -a -f /lib/systemd/system/survey-kiosk-usb@.service -a -f /lib/udev/rules.d/60-survey-kiosk-usb.rules \
        -a -f /usr/share/polkit-1/rules.d/70-survey-kiosk-udisks.rules
fi
check "apt-get remove --purge leaves no survey-kiosk files" sh -c \
    'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q survey-kiosk >/dev/null && ! ls /usr/share/survey-kiosk /usr/bin/survey-kiosk 2>/dev/null'
step "done: $([ $fail = 0 ] && echo 'all checks passed' || echo 'FAILURES')"
exit $fail
