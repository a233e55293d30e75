#!/bin/bash
# scripts/test-windows.sh: build the Windows kiosk (with test hooks) and test it under Wine.
#
#   1. scripts/build-windows.sh with SK_WIN_TEST_HOOKS=ON into build-win64-test
#      (dependencies from the cache; see that script)
#   2. a native survey-sync (SK_NATIVE_BUILD, default build-win-host) for the mixed test
#   3. the unit tests: ctest, every .exe under Wine (CMAKE_CROSSCOMPILING_EMULATOR)
#   4. the headless install/export test: kiosk_headless.py with both Windows programs
#   5. offscreen kiosk sittings driven through the test protocol: kiosk_flows.py with the
#      Windows survey-kiosk.exe and the *Linux* survey-sync, so the bundle written on
#      "Windows" is merged and exported on Linux and every answer is compared
#   6b. pictures in labels: kiosk_pictures.py with both Windows programs (screenshots
#      show each picture's colours where it belongs)
#   7. where the data lives (portable on a stick, else %LOCALAPPDATA%)
#   8. survey-sync.exe keygen typed at on a console: no echo (SetConsoleMode)
#   9. --fullscreen in a real window: SDL's windows driver, Wine's X11 driver on an
#      Xvfb screen with openbox (win_fullscreen.py starts and ends them, and a Wine
#      session with DISPLAY set)
#
# Each part prints its minutes.  Wine gets its own prefix in the cache
# (SK_WINEPREFIX, default $SK_WIN_CACHE/wineprefix).  The Wine session is started
# before any test with its output to /dev/null (its helper processes would otherwise
# hold ctest's output pipe open) and ended with wineserver -k.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${SK_WIN_CACHE:-/var/cache/survey-kiosk-win64}
export SK_WIN_CACHE=$CACHE
export SK_WIN_BUILD=${SK_WIN_TEST_BUILD:-$ROOT/build-win64-test}
export SK_WIN_TEST_HOOKS=ON
NATIVE=${SK_NATIVE_BUILD:-$ROOT/build-win-host}
JOBS=${SK_JOBS:-2}
export WINEPREFIX=${SK_WINEPREFIX:-$CACHE/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}  # no Mono/Gecko prompts
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
export LANG=C.UTF-8 LC_ALL=C.UTF-8

command -v wine >/dev/null || { echo "test-windows: error: wine is missing; run scripts/deps.sh" >&2; exit 1; }

T0=$(date +%s)
part_start=$T0
minutes() { awk -v s="$1" 'BEGIN { printf "%.1f min", s / 60 }'; }
part() { part_start=$(date +%s); printf '[test-windows] %s\n' "$1"; }
part_done() { printf '[test-windows]   %s\n' "$(minutes $(( $(date +%s) - part_start )))"; }
failed=0

part "1. build (scripts/build-windows.sh, test hooks on)"
"$ROOT/scripts/build-windows.sh"
part_done

part "2. native survey-sync ($NATIVE)"
if [ ! -x "$NATIVE/sync/survey-sync" ] || [ -n "$(find "$ROOT/lib" "$ROOT/sync" "$ROOT/include" -newer "$NATIVE/sync/survey-sync" -name '*.[ch]' | head -1)" ]; then
    cmake -S "$ROOT" -B "$NATIVE" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$NATIVE" -j"$JOBS" --target survey-sync >/dev/null
fi
part_done

part "3. Wine session ($WINEPREFIX)"
# Export DISPLAY (or not) before the first Wine command: a session started
# without it cannot open X11 windows later.  The tests need none (offscreen).
unset DISPLAY
# A "USB stick": a folder mapped as drive E: of type floppy, which Wine reports
# as DRIVE_REMOVABLE, as Windows does for a stick (test_platform and part 7 look
# for it by drive type).  Wine reads drive types when its session starts, so the
# registry entry is made in a session of its own, ended before the tests' one.
STICK=$SK_WIN_BUILD/tests/tmp/stick
rm -rf "$STICK"; mkdir -p "$STICK"
wineserver -k >/dev/null 2>&1 || true
wineserver -w >/dev/null 2>&1 || true
# A new cache has no Wine prefix yet: make it (and its dosdevices/) first.
if [ ! -d "$WINEPREFIX/dosdevices" ]; then
    wineboot -i >/dev/null 2>&1 || true
    wineserver -w >/dev/null 2>&1 || true
fi
ln -sfn "$STICK" "$WINEPREFIX/dosdevices/e:"
wine reg add 'HKLM\Software\Wine\Drives' /v e: /d floppy /f >/dev/null 2>&1 || true
wineserver -k >/dev/null 2>&1 || true
wineserver -w >/dev/null 2>&1 || true
export SK_TEST_REMOVABLE=E:
wineserver -p >/dev/null 2>&1
wine cmd /c exit >/dev/null 2>&1 || true
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
part_done

part "4. unit tests under Wine (ctest)"
# Only the tests whose command is a Windows .exe: the Python end-to-end tests
# registered beside them are run below with the emulator wrapper.
units=$(cd "$SK_WIN_BUILD" && ctest --show-only=json-v1 | /usr/bin/python3 -c '
import json, sys
tests = json.load(sys.stdin)["tests"]
print("|".join(t["name"] for t in tests if t.get("command") and t["command"][0].endswith("wine")))')
(cd "$SK_WIN_BUILD" && ctest -j"$JOBS" --output-on-failure --timeout 600 -R "^($units)\$") || failed=1
part_done

E2E=$ROOT/tests/e2e
KEXE=$SK_WIN_BUILD/kiosk/survey-kiosk.exe
SEXE=$SK_WIN_BUILD/sync/survey-sync.exe
FORM=$ROOT/tests/data/forms/kiosk_e2e.md
export SK_TEST_EMULATOR=wine SK_TEST_TMP=$SK_WIN_BUILD/tests/tmp
mkdir -p "$SK_TEST_TMP"

part "5. headless install/export (Windows survey-kiosk.exe + survey-sync.exe)"
/usr/bin/python3 "$E2E/with_emulator.py" "$E2E/kiosk_headless.py" "$KEXE" "$SEXE" "$FORM" || failed=1
part_done

part "6. kiosk sittings on Windows, merged and exported by the Linux survey-sync"
/usr/bin/python3 "$E2E/with_emulator.py" "$E2E/kiosk_flows.py" "$KEXE" "$NATIVE/sync/survey-sync" "$FORM" || failed=1
part_done

part "6b. pictures in labels on Windows (its SDL2_image), packed and exported by survey-sync.exe"
/usr/bin/python3 "$E2E/with_emulator.py" "$E2E/kiosk_pictures.py" "$KEXE" "$SEXE" \
    "$ROOT/tests/data/forms/kiosk_pictures.md" pictures || failed=1
part_done

part "7. where the data lives: beside the .exe on a stick, else %LOCALAPPDATA%"
# The zip's survey-kiosk.exe in a folder with an apostrophe,
# spaces and an accent, on the removable E: and then on the fixed Z:.
P=$SK_TEST_TMP/portable; rm -rf "$P"; mkdir -p "$P"
SURVEY_PASSPHRASE=portable SK_PWHASH_FAST=1 "$NATIVE/sync/survey-sync" keygen --out "$P/keys" >/dev/null &&
SURVEY_PASSPHRASE=portable SK_PWHASH_FAST=1 "$NATIVE/sync/survey-sync" pack "$FORM" \
    --key "$P/keys/study.key" --out "$P/form.pack" >/dev/null || failed=1
ZIPEXE=$SK_WIN_BUILD/zip/survey-kiosk/survey-kiosk.exe  # as in the zip (this build's)
portable_check() { # portable_check WHAT UNIXDIR WINEXE WANTDIR
    local what=$1 dir=$2 exe=$3 want=$4
    if wine "$exe" --install "$P/form.pack" >"$P/out.txt" 2>&1 && [ -f "$want/kiosk.db" ]; then
        printf '[test-windows]   ok: %s: kiosk.db in %s\n' "$what" "$want"
    else
        printf '[test-windows]   FAIL: %s: no kiosk.db in %s (%s)\n' "$what" "$want" "$(tr -d '\r' <"$P/out.txt")"
        failed=1
    fi
}
dir="$STICK/Siân's kiosk"; mkdir -p "$dir"; cp "$ZIPEXE" "$dir/survey-kiosk.exe"
portable_check "run from removable E:" "$dir" "E:\\Siân's kiosk\\survey-kiosk.exe" "$dir/data"
dir="$P/Siân's kiosk"; mkdir -p "$dir"; cp "$ZIPEXE" "$dir/survey-kiosk.exe"
local_app=$(winepath -u "$(wine cmd /c echo %LOCALAPPDATA% 2>/dev/null | tr -d '\r')" 2>/dev/null)
rm -rf "$local_app/survey-kiosk"
portable_check "fixed drive, no portable.txt" "$dir" "$dir/survey-kiosk.exe" "$local_app/survey-kiosk"
rm -rf "$local_app/survey-kiosk"
printf 'portable\r\n' >"$dir/portable.txt"
portable_check "fixed drive, portable.txt beside it" "$dir" "$dir/survey-kiosk.exe" "$dir/data"
part_done

part "8. the passphrase prompt in a Windows console, without echo (Wine's conhost on a pty)"
/usr/bin/python3 "$E2E/win_console_prompt.py" "$SEXE" "$NATIVE/sync/survey-sync" "$FORM" || failed=1
part_done

part "9. --fullscreen kiosk mode in a real window (Wine's X11 driver on Xvfb, openbox)"
SDL_VIDEODRIVER=windows /usr/bin/python3 "$E2E/with_emulator.py" "$E2E/win_fullscreen.py" "$KEXE" \
    "$NATIVE/sync/survey-sync" "$ROOT/tests/data/forms/kiosk_text.md" || failed=1
part_done

printf '[test-windows] total %s\n' "$(minutes $(( $(date +%s) - T0 )))"
if [ "$failed" != 0 ]; then
    echo "test-windows: FAILED" >&2
    exit 1
fi
echo "test-windows: all passed"
