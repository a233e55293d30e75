#!/bin/sh
# fuzz.sh - build the libFuzzer harnesses (tests/fuzz/) with clang and run
# each for SECONDS (default 20) over a copy of its seed corpus.
#   scripts/fuzz.sh            every target, 20 s each (what scripts/test.sh runs)
#   scripts/fuzz.sh 600        a longer run, 10 minutes per target
#   scripts/fuzz.sh 60 expr md only the named targets
# Fails (exit 1) when a target finds a crash, a leak or a timeout, and prints
# the reproducer's path; the repository is never modified (the corpus grows in
# a temporary folder, kept when something was found, else removed).
# Environment: FUZZ_JOBS (targets run at once, default 1), FUZZ_OUT (where the
# temporary folder goes, default $TMPDIR or /tmp).
set -eu
cd "$(dirname "$0")/.."

secs=20
case "${1:-}" in
  ''|*[!0-9]*) ;;
  *) secs=$1; shift ;;
esac
all="xlsx md csv expr form pack bundle signed merge answers"
targets=${*:-$all}
jobs=$(nproc 2>/dev/null || echo 2)

command -v clang >/dev/null || { echo "fuzz.sh: clang is missing (scripts/deps.sh test)" >&2; exit 1; }

echo "== build-fuzz: configure (clang, SK_FUZZ=ON)"
CC=clang cmake -S . -B build-fuzz -DSK_FUZZ=ON -DSK_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "== build-fuzz: build the harnesses"
set --
for t in $targets; do set -- "$@" --target "fuzz_$t"; done
cmake --build build-fuzz -j "$jobs" "$@"

out=$(mktemp -d "${FUZZ_OUT:-${TMPDIR:-/tmp}}/sk-fuzz.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_one TARGET: fuzz a copy of the corpus (regressions are seeds too).
run_one() {
  t=$1
  mkdir -p "$out/$t/corpus" "$out/$t/artifacts"
  for d in tests/fuzz/corpus/$t tests/fuzz/regressions/$t; do
    [ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name 'README*' -exec cp {} "$out/$t/corpus/" \;
  done
  dict=
  [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
  if build-fuzz/tests/fuzz_$t "$out/$t/corpus" $dict -max_total_time="$secs" -timeout=10 \
       -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$out/$t/artifacts/" >"$out/$t/log" 2>&1; then
    echo "ok   $t: $(grep -E '^#[0-9]+.*(DONE|cov:)' "$out/$t/log" | tail -1)"
  else
    echo "FAIL $t: see $out/$t/log"
    for f in "$out/$t/artifacts/"*; do [ -e "$f" ] && echo "     reproducer: $f"; done
    grep -m3 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' "$out/$t/log" | sed 's/^/     /'
    return 1
  fi
}

echo "== fuzzing: $secs s per target, ${FUZZ_JOBS:-1} at a time; work in $out"
failed=0
pending=""
n=0
for t in $targets; do
  if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
    ( run_one "$t" ) > "$out/$t.result" 2>&1 &
    pending="$pending $!:$t"
    n=$((n + 1))
    if [ "$n" -ge "${FUZZ_JOBS}" ]; then
      for p in $pending; do
        wait "${p%%:*}" || failed=1
        cat "$out/${p#*:}.result"
      done
      pending=""
      n=0
    fi
  else
    run_one "$t" || failed=1
  fi
done
for p in $pending; do
  wait "${p%%:*}" || failed=1
  cat "$out/${p#*:}.result"
done

if [ "$failed" -ne 0 ]; then
  echo "== fuzzing found problems; corpora, logs and reproducers kept in $out"
  echo "   add a reproducer as a regression: tests/fuzz/README.md"
  exit 1
fi
if [ -n "${FUZZ_KEEP:-}" ]; then
  echo "== all targets clean; corpora and logs kept in $out (FUZZ_KEEP)"
else
  rm -rf "$out"
  echo "== all targets clean"
fi
