#!/usr/bin/env bash
# Fuzzing with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer:
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Builds the targets of tests/fuzz in build-fuzz with clang 16 (installing clang-16 and
# libclang-rt-16-dev when missing) and runs each for SECONDS (default 600), two at a time, from
# its seed corpus (tests/fuzz/corpus/TARGET) and the inputs earlier runs found
# (build-fuzz/corpus/TARGET). A crash, hang (10 s on one input), leak or 2 GiB of memory stops
# that target; its input is kept as build-fuzz/crashes/TARGET/... and the script exits 1.
# Targets: fuzz_media (probe, demux, decode), fuzz_otio, fuzz_config (detector thresholds, stored
# scans, grid corrections), fuzz_project_db (reelsync.db from arbitrary bytes), fuzz_commands
# (--keys, command lines, JSON-lines requests, key files). Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_media fuzz_otio fuzz_config fuzz_project_db fuzz_commands)
if ! command -v clang++-16 >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-16-dev 2>/dev/null | grep -q "ok installed"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang-16 libclang-rt-16-dev
fi
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-16 -DREELSYNC_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}" 2>&1 | grep -E "error|Built target fuzz" || true
declare -A max_len=([fuzz_media]=65536 [fuzz_project_db]=131072)
run_one() {
  local t=$1
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/crashes/$t"
  local log="build-fuzz/$t.log"
  if ASAN_OPTIONS=detect_leaks=1 "build-fuzz/tests/fuzz/$t" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
       -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$t]:-8192}" \
       -artifact_prefix="build-fuzz/crashes/$t/" -print_final_stats=1 >"$log" 2>&1; then
    echo "fuzz: $t: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') inputs in ${seconds} s," \
         "corpus $(ls "build-fuzz/corpus/$t" | wc -l) found + $(ls "tests/fuzz/corpus/$t" | wc -l) seeds, no crash, hang or leak"
  else
    echo "fuzz: $t: FAILED (log: $log; input: $(ls -t "build-fuzz/crashes/$t" | head -1))"
    grep -m3 -E "ERROR|SUMMARY|Direct leak|timeout" "$log" | sed 's/^/  /'
    return 1
  fi
}
rc=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" & pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || rc=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
