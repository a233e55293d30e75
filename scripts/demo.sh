#!/bin/sh
# demo.sh - install what is missing, build, make a demo study, pack an example
# survey, install it on a demo kiosk and open the kiosk in a window.
#   scripts/demo.sh [examples/FORM.xlsx]      (default: the NHS Digital Academy survey)
# Everything lands in ./demo-data/ (git-ignored).  The demo study key's
# passphrase is "demo": never use the demo key for a real study.
set -eu
cd "$(dirname "$0")/.."
form=${1:-examples/nhsda-alumni.xlsx}

scripts/deps.sh demo
# Never the test hooks (they would stay on in build/ after scripts/test.sh).
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSK_TEST_HOOKS=OFF >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target survey-kiosk survey-sync

export SURVEY_PASSPHRASE=demo
sync=build/sync/survey-sync
kiosk=build/kiosk/survey-kiosk
mkdir -p demo-data
if [ ! -f demo-data/study/study.key ]; then
  $sync keygen --out demo-data/study
fi
name=$(basename "$form"); name=${name%.*}
$sync pack "$form" --key demo-data/study/study.key --out "demo-data/$name.pack"
$kiosk --data demo-data/kiosk --install "demo-data/$name.pack"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${SDL_VIDEODRIVER:-}" ]; then
  echo "demo.sh: error: no display; run this from the desktop (or over ssh -X)" >&2
  exit 1
fi
echo "Opening the kiosk (close the window to stop; in --fullscreen the admin menu is Ctrl+Alt+A)."
$kiosk --data demo-data/kiosk --window 1024x600 || true

cat <<EOT

Where the data went:
  demo-data/kiosk/kiosk.db   the kiosk's store: every answer sealed to the demo study key
  demo-data/study/           the demo study key (passphrase "demo") and its public half
To bring the answers home and read them:
  $kiosk --data demo-data/kiosk --export demo-data/out
  $sync merge --store demo-data/central.db --study demo-data/study/study.pub demo-data/out/*.skb
  $sync devices list --store demo-data/central.db      # compare the fingerprint with the kiosk's admin screen
  $sync devices accept DEVICE-ID --store demo-data/central.db
  $sync status --store demo-data/central.db
  SURVEY_PASSPHRASE=demo $sync export --store demo-data/central.db --key demo-data/study/study.key --out demo-data/csv
  SURVEY_PASSPHRASE=demo $sync report --store demo-data/central.db --key demo-data/study/study.key --out demo-data/report.html
EOT
