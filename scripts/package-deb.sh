#!/bin/sh
# package-deb.sh ARCH (amd64 or arm64): build release binaries for ARCH and write
#   dist/survey-kiosk_VERSION-1_ARCH.deb  the kiosk, its fonts, man page, the
#                                         Raspberry Pi appliance (systemd service,
#                                         USB-stick mounting through udisks2)
#   dist/survey-sync_VERSION-1_ARCH.deb   the researcher's tool and its man page
# Two packages, because they go to different machines: a researcher's laptop
# needs survey-sync and none of SDL; a kiosk needs survey-kiosk (and survey-sync
# only to try things out).
#
# Plain dpkg-deb (with --root-owner-group, so no fakeroot), no debhelper and no
# network: the build is a CMake release build in build-deb-ARCH with Debian's
# hardening flags (dpkg-buildflags), no test hooks, SK_FONT_DIR set to where the
# package puts the fonts; arm64 cross-builds with cmake/toolchain-aarch64.cmake
# against the :arm64 -dev packages.  Depends come from dpkg-shlibdeps.
#
# lintian runs at the end (when installed) and fails the script on any warning or
# error; the only tags left are overridden in packaging/deb/*.lintian-overrides
# (shipped in the packages), each explained there:
#   survey-kiosk: duplicate-font-file: the kiosk ships the exact DejaVu files its
#       text layout is tested with, rather than depend on fonts-dejavu-core,
#       whose version may measure text differently.
#   survey-kiosk, survey-sync: initial-upload-closes-no-bugs: not a Debian
#       upload, so there is no ITP bug to close.
set -eu
ARCH=${1:-}
case "$ARCH" in
    amd64) TOOLCHAIN= ;;
    arm64) TOOLCHAIN=-DCMAKE_TOOLCHAIN_FILE=$(cd "$(dirname "$0")/.." && pwd)/cmake/toolchain-aarch64.cmake ;;
    *) echo "usage: scripts/package-deb.sh amd64|arm64" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
SRC=$(pwd)
VERSION=$(sed -n 's/^project(survey-kiosk VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
DEBVER="$VERSION-1"
BUILD=build-deb-$ARCH
STAGE=$BUILD/stage
t0=$(date +%s)

# Debian's hardening flags for the target architecture (lintian checks for them).
flags() { dpkg-architecture -a"$ARCH" -c dpkg-buildflags --get "$1" 2>/dev/null; }
CFLAGS="$(flags CFLAGS) $(flags CPPFLAGS)"
LDFLAGS=$(flags LDFLAGS)
mkdir -p "$BUILD"
cmake -S . -B "$BUILD" $TOOLCHAIN -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DSK_TEST_HOOKS=OFF -DSK_FONT_DIR=/usr/share/survey-kiosk/fonts \
    -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$LDFLAGS" > "$BUILD/configure.log" 2>&1 ||
    { cat "$BUILD/configure.log"; exit 1; }
cmake --build "$BUILD" -j2 --target survey-kiosk survey-kiosk-deliver survey-sync > "$BUILD/build.log" 2>&1 ||
    { tail -40 "$BUILD/build.log"; exit 1; }
rm -rf "$STAGE"
DESTDIR=$SRC/$STAGE/all cmake --install "$BUILD" --strip > /dev/null

# Split the install tree into the two packages' roots.
K=$STAGE/survey-kiosk S=$STAGE/survey-sync A=$STAGE/all/usr
mkdir -p "$K/usr/bin" "$K/usr/share/man/man1" "$K/usr/share/doc/survey-kiosk" \
         "$K/lib/systemd/system" "$K/lib/udev/rules.d" "$K/usr/share/polkit-1/rules.d" \
         "$K/usr/share/lintian/overrides" "$K/DEBIAN" \
         "$S/usr/bin" "$S/usr/share/man/man1" "$S/usr/share/doc/survey-sync" "$S/DEBIAN"
mv "$A/bin/survey-kiosk" "$A/bin/survey-kiosk-deliver" "$K/usr/bin/"
mv "$A/bin/survey-sync" "$S/usr/bin/"
mv "$A/share/survey-kiosk" "$K/usr/share/"
gzip -9n < "$A/share/man/man1/survey-kiosk.1" > "$K/usr/share/man/man1/survey-kiosk.1.gz"
gzip -9n < "$A/share/man/man1/survey-sync.1" > "$S/usr/share/man/man1/survey-sync.1.gz"
install -m 644 packaging/survey-kiosk.service packaging/survey-kiosk-usb@.service "$K/lib/systemd/system/"
install -m 644 packaging/60-survey-kiosk-usb.rules "$K/lib/udev/rules.d/"
install -m 644 packaging/70-survey-kiosk-udisks.rules "$K/usr/share/polkit-1/rules.d/"
mkdir -p "$S/usr/share/lintian/overrides"
install -m 644 packaging/deb/survey-kiosk.lintian-overrides "$K/usr/share/lintian/overrides/survey-kiosk"
install -m 644 packaging/deb/survey-sync.lintian-overrides "$S/usr/share/lintian/overrides/survey-sync"
install -m 755 packaging/deb/survey-kiosk.postinst "$K/DEBIAN/postinst"
install -m 755 packaging/deb/survey-kiosk.postrm "$K/DEBIAN/postrm"
[ -f docs/DEPLOY.md ] && install -m 644 docs/DEPLOY.md "$K/usr/share/doc/survey-kiosk/"
DATE=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")
for p in survey-kiosk survey-sync; do
    install -m 644 packaging/deb/copyright "$STAGE/$p/usr/share/doc/$p/copyright"
    printf '%s (%s) bookworm; urgency=medium\n\n  * Built from the survey-kiosk source tree (scripts/package-deb.sh).\n\n -- survey-kiosk maintainers <survey-kiosk@example.org>  %s\n' \
        "$p" "$DEBVER" "$DATE" | gzip -9n > "$STAGE/$p/usr/share/doc/$p/changelog.Debian.gz"
done

# Depends from the libraries the binaries link (dpkg-shlibdeps wants a
# debian/control to exist; it reads nothing from it we rely on).
mkdir -p "$BUILD/shlibs/debian"
printf 'Source: survey-kiosk\n\nPackage: survey-kiosk\nArchitecture: any\n\nPackage: survey-sync\nArchitecture: any\n' \
    > "$BUILD/shlibs/debian/control"
shlibs() { (cd "$BUILD/shlibs" && for f; do set -- "$@" "$SRC/$f"; shift; done &&
            dpkg-architecture -a"$ARCH" -c dpkg-shlibdeps -O "$@" 2>/dev/null |
            sed -n 's/^shlibs:Depends=//p'); }
KDEPS=$(shlibs "$K/usr/bin/survey-kiosk" "$K/usr/bin/survey-kiosk-deliver")
SDEPS=$(shlibs "$S/usr/bin/survey-sync")

control() { # control PACKAGE DEPENDS SECTION SUMMARY DESCRIPTION [EXTRA]
    {
        printf 'Package: %s\nVersion: %s\nArchitecture: %s\n' "$1" "$DEBVER" "$ARCH"
        printf 'Maintainer: survey-kiosk maintainers <survey-kiosk@example.org>\n'
        printf 'Installed-Size: %s\n' "$(du -sk --exclude=DEBIAN "$STAGE/$1" | cut -f1)"
        printf 'Depends: %s\n' "$2"
        [ -n "${6:-}" ] && printf '%s\n' "$6"
        printf 'Section: %s\nPriority: optional\nHomepage: https://example.org/survey-kiosk\n' "$3"
        printf 'Description: %s\n%s\n' "$4" "$5"
    } > "$STAGE/$1/DEBIAN/control"
    (cd "$STAGE/$1" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z |
        xargs -0 md5sum > DEBIAN/md5sums)
}
control survey-kiosk "$KDEPS, adduser" misc "offline touchscreen survey kiosk for research studies" \
" survey-kiosk shows a study's information sheet, takes consent clause by
 clause, asks an XLSForm questionnaire with skip logic on a touchscreen and
 gives each participant a withdrawal code.  Every answer is sealed to the
 study's public key the moment it is given; the kiosk cannot read back what
 it collected.
 .
 This package also holds a systemd service that runs the kiosk full screen
 on Raspberry Pi OS Lite (not enabled on installation) and mounts USB sticks
 for it through udisks2." \
"Recommends: udisks2, polkitd
Suggests: survey-sync, fonts-noto-cjk"
control survey-sync "$SDEPS" science "researcher's tool for survey-kiosk studies" \
" survey-sync makes a study key, checks XLSForm questionnaires, signs survey
 packs for survey-kiosk, merges the signed bundles kiosks export into a
 central store with per-device gap detection, handles withdrawals, and
 exports CSV with a codebook and frequency reports."

# What is packaged carries no test hooks (the same check scripts/test.sh makes on
# its release build); arm64 binaries run through qemu (tests/e2e/emulator/).
EMU=
[ "$ARCH" = arm64 ] && EMU="qemu-aarch64 -L /"  # the multiarch glibc (cmake/toolchain-aarch64.cmake)
SK_EMULATOR=$EMU PYTHONPATH=$SRC/tests/e2e/emulator SDL_VIDEODRIVER=offscreen SK_TEST_TMP=$SRC/$BUILD \
    SURVEY_KIOSK_FONT_DIR=$SRC/$K/usr/share/survey-kiosk/fonts \
    python3 tests/e2e/release_no_hooks.py "$K/usr/bin/survey-kiosk" "$S/usr/bin/survey-sync" \
    > "$BUILD/nohooks.log" 2>&1 || { cat "$BUILD/nohooks.log"; exit 1; }
tail -1 "$BUILD/nohooks.log"

chmod -R u+rwX,go+rX,go-w "$K" "$S"
mkdir -p dist
for p in survey-kiosk survey-sync; do
    dpkg-deb --root-owner-group -Zxz --build "$STAGE/$p" "dist/${p}_${DEBVER}_${ARCH}.deb" > /dev/null
    echo "dist/${p}_${DEBVER}_${ARCH}.deb: $(dpkg-deb -f "dist/${p}_${DEBVER}_${ARCH}.deb" Depends)"
done
if command -v lintian > /dev/null; then
    lintian --fail-on warning,error "dist/survey-kiosk_${DEBVER}_${ARCH}.deb" \
        "dist/survey-sync_${DEBVER}_${ARCH}.deb" && echo "lintian: clean (overrides explained above)"
fi
echo "package-deb $ARCH: $(( $(date +%s) - t0 )) s"
