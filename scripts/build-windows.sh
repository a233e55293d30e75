#!/bin/bash
# scripts/build-windows.sh: the portable Windows (x86-64) build, cross-compiled here.
#
#   scripts/build-windows.sh            dependencies (cached), project, dist/survey-kiosk-win64.zip
#   SK_WIN_CACHE=DIR                    where the built dependencies live (default
#                                       /var/cache/survey-kiosk-win64; outside the repo so a
#                                       clean checkout or `git clean` keeps it)
#   SK_WIN_BUILD=DIR                    the project's build directory (default build-win64)
#   SK_WIN_TEST_HOOKS=ON                compile in the test hooks (scripts/test-windows.sh;
#                                       never for a kiosk in the field: the zip is then
#                                       named survey-kiosk-win64-TESTHOOKS.zip)
#
# Every dependency is built from Debian bookworm's own source package (`apt-get source`,
# Debian's patches applied) with mingw-w64 as a static library, so the two .exe files
# import only Windows system DLLs and nothing is downloaded from anywhere but the Debian
# archive.  A dependency is built only when its stamp is missing from the cache: a second
# run spends its time on the project alone.  Each step prints how long it took.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${SK_WIN_CACHE:-/var/cache/survey-kiosk-win64}
PREFIX=$CACHE/prefix
SRC=$CACHE/src
WORK=$CACHE/build
BUILD=${SK_WIN_BUILD:-$ROOT/build-win64}
HOOKS=${SK_WIN_TEST_HOOKS:-OFF}
HOST=x86_64-w64-mingw32
JOBS=${SK_JOBS:-2}
TOOLCHAIN=$ROOT/cmake/toolchain-mingw64.cmake

T0=$(date +%s)
step_start=$T0
step() { # step NAME: print the previous step's time, announce the next
    local now; now=$(date +%s)
    printf '[build-windows] %s (%ds so far)\n' "$1" "$((now - T0))"
    step_start=$now
}
done_step() { printf '[build-windows]   done in %ds\n' "$(( $(date +%s) - step_start ))"; }

need() { command -v "$1" >/dev/null || { echo "build-windows: error: $1 is missing; run scripts/deps.sh (it installs ${2:-$1})" >&2; exit 1; }; }
need $HOST-gcc gcc-mingw-w64-x86-64
need cmake
need tclsh tcl
need autoreconf autoconf
need zip

mkdir -p "$PREFIX" "$SRC" "$WORK"
export PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig
export PKG_CONFIG_PATH=
mkdir -p "$PKG_CONFIG_LIBDIR"

# -- sources ------------------------------------------------------------------------------
# The deb-src entry mirrors the archive the binary packages come from.
ensure_deb_src() {
    if apt-cache showsrc zlib 2>/dev/null | grep -q '^Package:'; then return; fi
    local list=/etc/apt/sources.list.d/survey-kiosk-src.sources uris
    uris=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    cat >"$list" <<EOF
Types: deb-src
URIs: ${uris:-http://deb.debian.org/debian}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
}

# src NAME: unpack Debian's source package NAME (patches applied) once; print its dir.
src() {
    local name=$1 dir
    dir=$(find "$SRC/$name" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -1)
    if [ -z "$dir" ]; then
        ensure_deb_src
        mkdir -p "$SRC/$name"
        if ! ls "$SRC/$name"/*.dsc >/dev/null 2>&1; then
            (cd "$SRC/$name" && apt-get source -q --download-only "$name" >/dev/null 2>&1) ||
                { echo "build-windows: error: apt-get source $name failed" >&2; exit 1; }
        fi
        (cd "$SRC/$name" && dpkg-source -x ./*.dsc >/dev/null 2>&1) ||
            { echo "build-windows: error: dpkg-source could not unpack $name (dpkg-dev)" >&2; exit 1; }
        dir=$(find "$SRC/$name" -mindepth 1 -maxdepth 1 -type d | head -1)
    fi
    echo "$dir"
}

built() { [ -f "$PREFIX/.stamp-$1" ]; }
stamp() { touch "$PREFIX/.stamp-$1"; }

cmake_dep() { # cmake_dep NAME SRCDIR ARGS...: configure, build, install a CMake project
    local name=$1 dir=$2; shift 2
    rm -rf "$WORK/$name"
    cmake -S "$dir" -B "$WORK/$name" -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
        -DSK_WIN_PREFIX="$PREFIX" -DCMAKE_INSTALL_PREFIX="$PREFIX" \
        -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF "$@" >"$WORK/$name.log" 2>&1 &&
    cmake --build "$WORK/$name" -j"$JOBS" >>"$WORK/$name.log" 2>&1 &&
    cmake --install "$WORK/$name" >>"$WORK/$name.log" 2>&1 ||
        { tail -30 "$WORK/$name.log" >&2; echo "build-windows: error: $name failed, see $WORK/$name.log" >&2; exit 1; }
}

CC=$HOST-gcc
AR=$HOST-ar
CFLAGS_DEP="-O2"

dep_zlib() { # Debian's zlib has no win32/ makefile and configure refuses mingw
    local d; d=$(src zlib)
    rm -rf "$WORK/zlib"; mkdir -p "$WORK/zlib"
    for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast \
             inflate inftrees trees uncompr zutil; do
        $CC $CFLAGS_DEP -I"$d" -c "$d/$f.c" -o "$WORK/zlib/$f.o"
    done
    mkdir -p "$PREFIX/lib" "$PREFIX/include"
    rm -f "$PREFIX/lib/libz.a"; $AR rcs "$PREFIX/lib/libz.a" "$WORK"/zlib/*.o
    cp "$d/zlib.h" "$d/zconf.h" "$PREFIX/include/"
    local v; v=$(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' "$d/zlib.h")
    cat >"$PKG_CONFIG_LIBDIR/zlib.pc" <<EOF
prefix=$PREFIX
Name: zlib
Description: zlib compression library
Version: $v
Libs: -L\${prefix}/lib -lz
Cflags: -I\${prefix}/include
EOF
}

dep_sqlite3() { # the amalgamation is generated natively (tclsh), then cross-compiled
    local d; d=$(src sqlite3)
    rm -rf "$WORK/sqlite3"; mkdir -p "$WORK/sqlite3"
    (cd "$WORK/sqlite3" && "$d/configure" >configure.log 2>&1 && make sqlite3.c >make.log 2>&1) ||
        { echo "build-windows: error: sqlite3.c generation failed in $WORK/sqlite3" >&2; exit 1; }
    # The same options Debian's libsqlite3 is built with where the project could notice.
    $CC $CFLAGS_DEP -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE \
        -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_ENABLE_DBSTAT_VTAB \
        -DSQLITE_SECURE_DELETE -DSQLITE_MAX_VARIABLE_NUMBER=250000 \
        -c "$WORK/sqlite3/sqlite3.c" -o "$WORK/sqlite3/sqlite3.o"
    rm -f "$PREFIX/lib/libsqlite3.a"; $AR rcs "$PREFIX/lib/libsqlite3.a" "$WORK/sqlite3/sqlite3.o"
    cp "$WORK/sqlite3/sqlite3.h" "$d/src/sqlite3ext.h" "$PREFIX/include/" 2>/dev/null ||
        cp "$WORK/sqlite3/sqlite3.h" "$PREFIX/include/"
    local v; v=$(sed -n 's/^#define SQLITE_VERSION *"\(.*\)"/\1/p' "$WORK/sqlite3/sqlite3.h")
    cat >"$PKG_CONFIG_LIBDIR/sqlite3.pc" <<EOF
prefix=$PREFIX
Name: SQLite
Description: SQL database engine
Version: $v
Libs: -L\${prefix}/lib -lsqlite3
Cflags: -I\${prefix}/include
EOF
}

dep_libsodium() { # no generated configure; autogen.sh would download config.guess
    local d; d=$(src libsodium)
    (cd "$d" && { [ -x configure ] || autoreconf -fi >"$WORK/libsodium-autoreconf.log" 2>&1; }) ||
        { echo "build-windows: error: autoreconf failed for libsodium, see $WORK/libsodium-autoreconf.log" >&2; exit 1; }
    rm -rf "$WORK/libsodium"; mkdir -p "$WORK/libsodium"
    (cd "$WORK/libsodium" &&
     "$d/configure" --host=$HOST --prefix="$PREFIX" --disable-shared --enable-static \
         >configure.log 2>&1 &&
     make -j"$JOBS" >make.log 2>&1 && make install >install.log 2>&1) ||
        { echo "build-windows: error: libsodium failed, see $WORK/libsodium/*.log" >&2; exit 1; }
}

dep_expat() {
    local d; d=$(src expat)
    local top=$d; [ -f "$d/expat/CMakeLists.txt" ] && top=$d/expat
    # Debian's CVE-2024-8176 patch tests `#if XML_DTD == 1`, which the CMake template's
    # plain #cmakedefine leaves empty.
    sed -i 's/^#cmakedefine XML_DTD$/#cmakedefine XML_DTD 1/' "$top/expat_config.h.cmake"
    cmake_dep expat "$top" -DEXPAT_SHARED_LIBS=OFF -DEXPAT_BUILD_TOOLS=OFF \
        -DEXPAT_BUILD_EXAMPLES=OFF -DEXPAT_BUILD_TESTS=OFF -DEXPAT_BUILD_DOCS=OFF \
        -DEXPAT_BUILD_PKGCONFIG=ON
    # Users of a static expat must say so, or expat.h declares dllimport functions.
    sed -i '/^Cflags:/ s/$/ -DXML_STATIC/' "$PKG_CONFIG_LIBDIR/expat.pc"
}

dep_jansson() {
    local d; d=$(src jansson)
    cmake_dep jansson "$d" -DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_BUILD_DOCS=OFF \
        -DJANSSON_EXAMPLES=OFF -DJANSSON_WITHOUT_TESTS=ON
}

dep_libzip() {
    local d; d=$(src libzip)
    cmake_dep libzip "$d" -DENABLE_BZIP2=OFF -DENABLE_LZMA=OFF -DENABLE_ZSTD=OFF \
        -DENABLE_GNUTLS=OFF -DENABLE_OPENSSL=OFF -DENABLE_MBEDTLS=OFF -DENABLE_COMMONCRYPTO=OFF \
        -DBUILD_TOOLS=OFF -DBUILD_REGRESS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_DOC=OFF \
        -DZLIB_INCLUDE_DIR="$PREFIX/include" -DZLIB_LIBRARY="$PREFIX/lib/libz.a"
    # A static libzip must be told so (ZIP_EXTERN is dllimport otherwise).
    sed -i '/^Cflags:/ s/$/ -DZIP_STATIC/' "$PKG_CONFIG_LIBDIR/libzip.pc"
}

dep_freetype() {
    local d; d=$(src freetype)
    # No gzip module: the kiosk's fonts are plain .ttf, and without a system zlib the
    # module compiles FreeType's own copy of zlib, whose symbols clash with libz.a in
    # the kiosk's link.  FT_DISABLE_ZLIB alone leaves ftoption.h's default on.
    sed -i 's|^#define FT_CONFIG_OPTION_USE_ZLIB$|/* #define FT_CONFIG_OPTION_USE_ZLIB */|' \
        "$d/include/freetype/config/ftoption.h"
    cmake_dep freetype "$d" -DFT_DISABLE_HARFBUZZ=ON -DFT_DISABLE_PNG=ON \
        -DFT_DISABLE_BZIP2=ON -DFT_DISABLE_BROTLI=ON -DFT_DISABLE_ZLIB=ON
}

dep_tre() { # POSIX regcomp/regexec for regex(): mingw's C library has none
    local d; d=$(src tre)
    # glibc allows bounds up to 32767 (x{0,500} in a form's constraint); TRE stops
    # at 255 and would refuse on Windows what the Linux kiosk accepts.
    sed -i 's/^#define RE_DUP_MAX 255$/#define RE_DUP_MAX 32767/' "$d/lib/tre.h"
    (cd "$d" && { [ -x configure ] || autoreconf -fi >"$WORK/tre-autoreconf.log" 2>&1; }) ||
        { echo "build-windows: error: autoreconf failed for tre, see $WORK/tre-autoreconf.log" >&2; exit 1; }
    rm -rf "$WORK/tre"; mkdir -p "$WORK/tre"
    (cd "$WORK/tre" &&
     "$d/configure" --host=$HOST --prefix="$PREFIX" --disable-shared --enable-static \
         --disable-nls --disable-agrep --without-libiconv-prefix --without-libintl-prefix \
         >configure.log 2>&1 &&
     make -j"$JOBS" -C lib >make.log 2>&1 && make -C lib install >install.log 2>&1 &&
     make install-pkgconfigDATA >>install.log 2>&1 || make install >>install.log 2>&1) ||
        { echo "build-windows: error: tre failed, see $WORK/tre/*.log" >&2; exit 1; }
    [ -f "$PKG_CONFIG_LIBDIR/tre.pc" ] || cp "$WORK/tre/tre.pc" "$PKG_CONFIG_LIBDIR/"
}

dep_sdl2() { # configure, not CMake: SDL's CMake project wants a C++ compiler too
    local d; d=$(src libsdl2)
    rm -rf "$WORK/sdl2"; mkdir -p "$WORK/sdl2"
    (cd "$WORK/sdl2" &&
     "$d/configure" --host=$HOST --prefix="$PREFIX" --disable-shared --enable-static \
         >configure.log 2>&1 &&
     make -j"$JOBS" >make.log 2>&1 && make install >install.log 2>&1) ||
        { echo "build-windows: error: SDL2 failed, see $WORK/sdl2/*.log" >&2; exit 1; }
}

dep_sdl2_ttf() { # dfsg: no configure, no external/; one C file against FreeType, no HarfBuzz
    local d; d=$(src libsdl2-ttf)
    rm -rf "$WORK/sdl2_ttf"; mkdir -p "$WORK/sdl2_ttf"
    $CC $CFLAGS_DEP -DTTF_USE_HARFBUZZ=0 -I"$PREFIX/include/SDL2" -I"$PREFIX/include/freetype2" \
        -c "$d/SDL_ttf.c" -o "$WORK/sdl2_ttf/SDL_ttf.o"
    rm -f "$PREFIX/lib/libSDL2_ttf.a"; $AR rcs "$PREFIX/lib/libSDL2_ttf.a" "$WORK/sdl2_ttf/SDL_ttf.o"
    cp "$d/SDL_ttf.h" "$PREFIX/include/SDL2/"
    local v; v=$(sed -n 's/^#define SDL_TTF_\(MAJOR\|MINOR\|PATCHLEVEL\)_VERSION *\([0-9]*\).*/\2/p' \
                 "$PREFIX/include/SDL2/SDL_ttf.h" | paste -sd.)
    cat >"$PKG_CONFIG_LIBDIR/SDL2_ttf.pc" <<EOF
prefix=$PREFIX
Name: SDL2_ttf
Description: TrueType fonts for SDL2 (static, FreeType without HarfBuzz)
Version: $v
Requires: sdl2
Libs: -L\${prefix}/lib -lSDL2_ttf -lfreetype -lz
Cflags: -I\${prefix}/include/SDL2
EOF
}

dep_curl() { # the kiosk's delivery (lib/deliver): HTTP(S) only, TLS by Windows' own Schannel
    local d; d=$(src curl)
    # curl's own mingw makefile with its config-win32.h: its CMake project spends ~10
    # minutes of a busy machine on configure checks whose answers Windows fixes anyway.
    # Its object folder, fresh: the makefile does not notice changed flags.
    rm -rf "$d/lib/$HOST" "$d/lib/libcurl.a"; mkdir -p "$d/lib/$HOST"
    make -C "$d/lib" -f Makefile.mk -j"$JOBS" CC=$CC AR=$AR CFG=-schannel-sspi-ipv6 \
        CFLAGS="$CFLAGS_DEP -DHTTP_ONLY -DCURL_DISABLE_LDAP -DCURL_STATICLIB" libcurl.a \
        >"$WORK/curl.log" 2>&1 ||
        { tail -20 "$WORK/curl.log" >&2; echo "build-windows: error: curl failed, see $WORK/curl.log" >&2; exit 1; }
    mkdir -p "$PREFIX/include/curl" "$PREFIX/lib"
    cp "$d"/include/curl/*.h "$PREFIX/include/curl/"
    cp "$d/lib/libcurl.a" "$PREFIX/lib/"
    local v; v=$(sed -n 's/^#define LIBCURL_VERSION *"\(.*\)"/\1/p' "$d/include/curl/curlver.h")
    cat >"$PKG_CONFIG_LIBDIR/libcurl.pc" <<EOF
prefix=$PREFIX
Name: libcurl
Description: URL transfers (static; HTTP and HTTPS only, TLS by Schannel)
Version: $v
Libs: -L\${prefix}/lib -lcurl -lws2_32 -lcrypt32 -lbcrypt -lsecur32 -ladvapi32
Cflags: -I\${prefix}/include -DCURL_STATICLIB
EOF
}

dep_libxlsxwriter() { # Excel export (lib/export): its C files directly (its CMake wants C++)
    local d; d=$(src libxlsxwriter)
    rm -rf "$WORK/libxlsxwriter"; mkdir -p "$WORK/libxlsxwriter"
    # The project's paths are UTF-8 (a user "Siân" in C:\Users): the library's fopen
    # goes through the project's UTF-16 one (lib/base/win_compat.c, linked with it).
    printf '#include <stdio.h>\nFILE *sk_win_fopen(const char *path, const char *mode);\n#define fopen sk_win_fopen\n' \
        >"$WORK/libxlsxwriter/utf8_fopen.h"
    local f o
    for f in "$d"/src/*.c "$d"/third_party/minizip/ioapi.c "$d"/third_party/minizip/zip.c \
             "$d"/third_party/tmpfileplus/tmpfileplus.c "$d"/third_party/md5/md5.c; do
        o=$WORK/libxlsxwriter/$(basename "$f" .c).o
        $CC $CFLAGS_DEP -DNOCRYPT -DNOUNCRYPT -DUSE_FILE32API -I"$d/include" -I"$PREFIX/include" \
            -include "$WORK/libxlsxwriter/utf8_fopen.h" -c "$f" -o "$o" ||
            { echo "build-windows: error: libxlsxwriter: $f did not compile" >&2; exit 1; }
    done
    rm -f "$PREFIX/lib/libxlsxwriter.a"; $AR rcs "$PREFIX/lib/libxlsxwriter.a" "$WORK"/libxlsxwriter/*.o
    cp -r "$d/include/xlsxwriter.h" "$d/include/xlsxwriter" "$PREFIX/include/"
    local v; v=$(sed -n 's/^#define LXW_VERSION *"\(.*\)"/\1/p' "$d/include/xlsxwriter.h")
    cat >"$PKG_CONFIG_LIBDIR/xlsxwriter.pc" <<EOF
prefix=$PREFIX
Name: libxlsxwriter
Description: A C library for creating Excel XLSX files (static; fopen is sk_win_fopen)
Version: $v
Libs: -L\${prefix}/lib -lxlsxwriter -lz
Cflags: -I\${prefix}/include
EOF
}

dep_cmocka() { # always builds the DLL too; the static one is cmocka-static
    local d; d=$(src cmocka)
    cmake_dep cmocka "$d" -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF \
        -DPICKY_DEVELOPER=OFF
    local v; v=$(sed -n 's/^Version: *//p' "$PKG_CONFIG_LIBDIR/cmocka.pc" 2>/dev/null || echo 1.1)
    cat >"$PKG_CONFIG_LIBDIR/cmocka.pc" <<EOF
prefix=$PREFIX
Name: cmocka
Description: unit testing framework (static)
Version: $v
Libs: -L\${prefix}/lib -lcmocka-static
Cflags: -I\${prefix}/include -DCMOCKA_STATIC
EOF
}

dep_libwebp() { # WebP pictures (SDL2_image's IMG_webp.c): the decoder's C files only
    local d; d=$(src libwebp)
    rm -rf "$WORK/libwebp"; mkdir -p "$WORK/libwebp"
    # Plain x86-64 code (SSE2, no -msse4.1): nothing a laptop might lack.
    local f
    for f in "$d"/src/dec/*.c "$d"/src/dsp/*.c "$d"/src/utils/*.c; do
        case $f in *_mips*|*_msa*|*_neon*) continue ;; esac
        printf '%s\n' "$f"
    done | xargs -P"$JOBS" -I{} sh -c '$0 -O2 -I"$1" -c "$2" -o "$3/$(basename "$2" .c).o"' \
        "$CC" "$d" {} "$WORK/libwebp" ||
        { echo "build-windows: error: libwebp did not compile" >&2; exit 1; }
    rm -f "$PREFIX/lib/libwebp.a"; $AR rcs "$PREFIX/lib/libwebp.a" "$WORK"/libwebp/*.o
    mkdir -p "$PREFIX/include/webp"
    cp "$d"/src/webp/decode.h "$d"/src/webp/types.h "$PREFIX/include/webp/"
}

dep_sdl2_image() { # pictures in labels: PNG and JPEG by its built-in stb_image (no
    # libpng/libjpeg), GIF and BMP by its own code, WebP by libwebp; one archive, like SDL2_ttf
    local d; d=$(src libsdl2-image)
    rm -rf "$WORK/sdl2_image"; mkdir -p "$WORK/sdl2_image"
    [ -f "$d/stb_image.h" ] ||
        { echo "build-windows: error: libsdl2-image's source has no stb_image.h" >&2; exit 1; }
    local f
    for f in "$d"/IMG*.c; do
        case $f in */IMG_WIC.c) continue ;; esac # the WIC backend is off (stb instead)
        $CC $CFLAGS_DEP -DUSE_STBIMAGE -DLOAD_PNG -DLOAD_JPG -DLOAD_GIF -DLOAD_BMP -DLOAD_WEBP \
            -I"$PREFIX/include/SDL2" -I"$PREFIX/include" -I"$d" \
            -c "$f" -o "$WORK/sdl2_image/$(basename "$f" .c).o" ||
            { echo "build-windows: error: SDL2_image: $f did not compile" >&2; exit 1; }
    done
    rm -f "$PREFIX/lib/libSDL2_image.a"; $AR rcs "$PREFIX/lib/libSDL2_image.a" "$WORK"/sdl2_image/*.o
    cp "$d/SDL_image.h" "$PREFIX/include/SDL2/"
    local v; v=$(sed -n 's/^#define SDL_IMAGE_\(MAJOR\|MINOR\|PATCHLEVEL\)_VERSION *\([0-9]*\).*/\2/p' \
                 "$PREFIX/include/SDL2/SDL_image.h" | paste -sd.)
    cat >"$PKG_CONFIG_LIBDIR/SDL2_image.pc" <<EOF
prefix=$PREFIX
Name: SDL2_image
Description: pictures for SDL2 (static; PNG and JPEG by stb_image, GIF, BMP, WebP by libwebp)
Version: $v
Requires: sdl2
Libs: -L\${prefix}/lib -lSDL2_image -lwebp
Cflags: -I\${prefix}/include/SDL2
EOF
}

dep_nettle() { # digest() with MD5, SHA-1 and SHA-384 (lib/expr): hashes only, no GMP
    local d; d=$(src nettle)
    rm -rf "$WORK/nettle"; mkdir -p "$WORK/nettle"
    (cd "$WORK/nettle" &&
     "$d/configure" --host=$HOST --prefix="$PREFIX" --disable-shared --enable-static \
         --disable-public-key --disable-documentation --disable-openssl \
         >configure.log 2>&1 &&
     make -j"$JOBS" libnettle.a >make.log 2>&1 &&
     make install-headers install-pkgconfig >install.log 2>&1 &&
     mkdir -p "$PREFIX/lib" && cp libnettle.a "$PREFIX/lib/") ||
        { echo "build-windows: error: nettle failed, see $WORK/nettle/*.log" >&2; exit 1; }
    rm -f "$PKG_CONFIG_LIBDIR/hogweed.pc"
}

# Two lanes in parallel (each make -j$JOBS): the long builds (SDL2, SQLite,
# libsodium) do not wait for each other; SDL2_ttf needs SDL2 and FreeType.
cpu_s() { # cpu_s FILE: the CPU seconds (user + system) of the children in `times` output
    awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
                   printf "%d", n }' "$1"
}
lane() { # lane DEP...: build the missing ones in order, each timed (wall clock and CPU:
    # on a machine others are loading, the CPU seconds are what to compare)
    for dep in "$@"; do
        built "$dep" && continue
        local t c0; t=$(date +%s)
        times >"$WORK/.times-$dep"; c0=$(cpu_s "$WORK/.times-$dep")
        printf '[build-windows] dependency %s: building (%ds so far)\n' "$dep" "$((t - T0))"
        "dep_${dep}"
        stamp "$dep"
        times >"$WORK/.times-$dep"
        printf '[build-windows] dependency %s: done in %ds (CPU %ds)\n' "$dep" \
            "$(( $(date +%s) - t ))" "$(( $(cpu_s "$WORK/.times-$dep") - c0 ))"
        rm -f "$WORK/.times-$dep"
    done
}
DEPS="zlib sqlite3 libsodium expat jansson libzip freetype tre sdl2 sdl2_ttf cmocka curl libxlsxwriter
      libwebp sdl2_image nettle"
missing=""
for dep in $DEPS; do built "$dep" || missing="$missing $dep"; done
if [ -n "$missing" ]; then
    step "dependencies to build into $CACHE:$missing"
    lane zlib
    lane sdl2 freetype libzip cmocka libxlsxwriter libwebp & a=$!
    lane sqlite3 libsodium tre expat jansson curl nettle & b=$!
    # Both lanes end before the verdict, so no lane is left building behind a failure.
    ra=0; rb=0; wait $a || ra=$?; wait $b || rb=$?
    [ "$ra$rb" = 00 ] || { echo "build-windows: error: a dependency failed (above)" >&2; exit 1; }
    lane sdl2_ttf sdl2_image
    done_step
else
    printf '[build-windows] dependencies: all cached in %s\n' "$CACHE"
fi

# -- the project --------------------------------------------------------------------------
step "configure the project ($BUILD, test hooks $HOOKS)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DSK_WIN_PREFIX="$PREFIX" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSK_WERROR=ON -DSK_TEST_HOOKS="$HOOKS" >"$BUILD.configure.log" 2>&1 ||
    { tail -30 "$BUILD.configure.log" >&2; exit 1; }
done_step
step "build the project"
if ! cmake --build "$BUILD" -j"$JOBS" >"$BUILD.build.log" 2>&1; then
    grep -E 'error|Error' "$BUILD.build.log" | head -20 >&2
    echo "build-windows: error: the project build failed, see $BUILD.build.log" >&2
    exit 1
fi
done_step

# -- the portable zip ---------------------------------------------------------------------
step "write dist/survey-kiosk-win64.zip"
name=survey-kiosk-win64; [ "$HOOKS" = ON ] && name=survey-kiosk-win64-TESTHOOKS
stage=$BUILD/zip/survey-kiosk
rm -rf "$BUILD/zip"; mkdir -p "$stage/fonts"
cp "$BUILD/kiosk/survey-kiosk.exe" "$BUILD/sync/survey-sync.exe" "$stage/"
$HOST-strip "$stage"/*.exe
cp "$ROOT"/fonts/*.ttf "$ROOT"/fonts/LICENSE-* "$stage/fonts/"
sed 's/$/\r/' "$ROOT/scripts/windows-README.txt" >"$stage/README.txt"
# A fresh unzip is portable: data beside the exe (delete portable.txt to keep data in
# %LOCALAPPDATA%\survey-kiosk instead).
printf 'Data lives in the "data" folder beside survey-kiosk.exe while this file exists.\r\n' >"$stage/portable.txt"
mkdir -p "$ROOT/dist"
rm -f "$ROOT/dist/$name.zip"
(cd "$BUILD/zip" && zip -qr9 "$ROOT/dist/$name.zip" survey-kiosk)
# Nothing but Windows' own DLLs may be imported: the zip has no DLLs of its own.
for exe in "$stage"/*.exe; do
    bad=$($HOST-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p' |
          grep -viE '^(kernel32|user32|gdi32|winmm|imm32|ole32|oleaut32|version|uuid|advapi32|setupapi|shell32|bcrypt|msvcrt|ws2_32|comdlg32|cfgmgr32|dinput8|dxguid|hid|shlwapi|crypt32|secur32|iphlpapi|api-ms-win-.*)\.dll$' || true)
    [ -z "$bad" ] || { echo "build-windows: error: $(basename "$exe") needs DLLs not in Windows: $bad" >&2; exit 1; }
done
ls -l "$ROOT/dist/$name.zip" | awk '{printf "[build-windows]   %s: %d bytes\n", $NF, $5}'
done_step
printf '[build-windows] total %ds\n' "$(( $(date +%s) - T0 ))"
