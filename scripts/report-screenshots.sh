#!/bin/sh
# report-screenshots.sh - screenshots of `survey-sync report` for docs/screenshots/:
# the HTML report at desktop width, and its first printed pages (the
# browser's print to PDF, one PNG per page), from the end-to-end scenario's
# study (tests/e2e/sync_scenario.py: three kiosks, two languages, a
# withdrawal, a held device), split by role.
#
#   scripts/report-screenshots.sh [BUILD_DIR=build]
#
# Needs chromium (headless) and pdftoppm (poppler-utils) at authoring time only.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
OUT="$ROOT/docs/screenshots"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

echo "making the study (the sync scenario, a few minutes) ..."
SK_TEST_TMP="$TMP" SDL_VIDEODRIVER=offscreen /usr/bin/python3 "$ROOT/tests/e2e/sync_scenario.py" \
    "$BUILD/sync/survey-sync" "$BUILD/tests/sync_scenario_kiosk" \
    "$ROOT/tests/data/export/scenario.md" "$BUILD/kiosk/survey-kiosk" >/dev/null
S="$TMP/sync_scenario"
SURVEY_PASSPHRASE="correct horse battery staple" "$BUILD/sync/survey-sync" report \
    --store "$S/central.db" --key "$S/keys/study.key" --by role --out "$TMP/report.html"

CHROME="chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-pdf-header-footer"
$CHROME --window-size=1280,2400 --screenshot="$OUT/report-desktop.png" "file://$TMP/report.html" \
    2>/dev/null
$CHROME --print-to-pdf="$TMP/report.pdf" "file://$TMP/report.html" 2>/dev/null
pdftoppm -png -r 60 -f 1 -l 3 "$TMP/report.pdf" "$TMP/print"
i=1
for page in "$TMP"/print-*.png; do
    cp "$page" "$OUT/report-print-page$i.png"
    i=$((i + 1))
done
# And the printed page with the first rating scale by role (diverging bars).
pages=$(pdfinfo "$TMP/report.pdf" | awk '/^Pages:/ {print $2}')
p=1
while [ "$p" -le "$pages" ]; do
    if pdftotext -f "$p" -l "$p" "$TMP/report.pdf" - | grep -q "% agree"; then
        pdftoppm -png -r 70 -f "$p" -l "$p" -singlefile "$TMP/report.pdf" "$OUT/report-print-likert"
        break
    fi
    p=$((p + 1))
done
echo "printed pages shown: $(ls "$TMP"/print-*.png | wc -l) (the first three)"
ls -l "$OUT"/report-*.png
