#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, starts a virtual display and a JACK dummy
# audio server (only if none runs), runs ctest, and stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase's wall time, printed at the end (the whole run must stay well inside CI's limit).
phases=()
phase() { phases+=("$1 $((SECONDS - phase_start)) s"); phase_start=$SECONDS; }
phase_start=$SECONDS
scripts/deps.sh
scripts/build.sh
phase build
# The data sets, side by side: the music set's renders leave a core idle for minutes between
# them (single-threaded tools, one file at a time), which the footage set's unpacking and the
# built-in demo's encodes (read by a real-time test, which would otherwise make it while the rest
# of the suite waits) fill.
# (The music set's tools are installed first: apt must not update its lists while the footage
# set downloads.)
scripts/real-music.sh --packages
data_logs=$(mktemp -d)
declare -A data_jobs  # script name -> the pid of its background run (its output in $data_logs/<name>)
scripts/real-footage.sh >"$data_logs/real-footage.sh" 2>&1 &
data_jobs[real-footage.sh]=$!
scripts/make-demo.sh build/test-media/demo >"$data_logs/make-demo.sh" 2>&1 &  # the build's test-media folder
data_jobs[make-demo.sh]=$!
# The sanitizer build (below) is compiled beside them, at a lower priority: it fills the cores the
# data sets leave idle, and is done before the suite starts (nothing compiles while it runs).
asan=0
if [ "${REELSYNC_ASAN:-1}" != "0" ] && [ $# -eq 0 ]; then
  asan=1
  nice -n 10 scripts/build-asan.sh >"$data_logs/build-asan.sh" 2>&1 &
  data_jobs[build-asan.sh]=$!
fi
failed=""
scripts/real-music.sh || failed+=" real-music.sh (exit $?)"
for job in "${!data_jobs[@]}"; do
  wait "${data_jobs[$job]}" || failed+=" $job (exit $?)"
  cat "$data_logs/$job"
done
rm -rf "$data_logs"
[ -z "$failed" ] || { echo "test.sh: scripts failed:$failed"; exit 1; }
if [ "$asan" = 1 ]; then phase "data sets and sanitizer build"; else phase "data sets"; fi
source scripts/services.sh
trap reelsync_stop_services EXIT
reelsync_start_display
reelsync_start_audio
# Deterministic software Vulkan unless the caller chose a driver (on a machine with a GPU, run with
# REELSYNC_USE_SYSTEM_VULKAN=1 to test on it).
if [ -z "${REELSYNC_USE_SYSTEM_VULKAN:-}" ] && [ -f /usr/share/vulkan/icd.d/lvp_icd.x86_64.json ]; then
  export VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json
  export VK_ICD_FILENAMES=$VK_DRIVER_FILES
fi
export REELSYNC_VK_VALIDATION=${REELSYNC_VK_VALIDATION:-1}
cd build
log=$(mktemp)
trap 'rm -f "$log"; reelsync_stop_services' EXIT
set +e
ctest --output-on-failure --no-tests=error -j2 "$@" | tee "$log"
rc=${PIPESTATUS[0]}
set -e
phase suite
# In CI a test skipped for a missing device, GPU or display is a failure, not a pass.
if [ "${CI:-}" = "true" ] && grep -q "Skipped" "$log"; then
  echo "test.sh: CI=true and tests were skipped (above): failing"
  grep "Skipped" "$log"
  exit 1
fi
[ "$rc" -eq 0 ] || exit "$rc"
# The same suite's unit, integration and GPU tests again, built with AddressSanitizer and
# UndefinedBehaviorSanitizer in build-asan (scripts/build-asan.sh, above; its own reelsync binary for
# the command-line tests). Left out there: the real-time tests (the sanitizers' cost would be judged
# as the player's), the farm (Slurm), and the detector and beat-tracker suites over real footage and
# music (test_analysis: minutes of pixel loops, several times slower instrumented). REELSYNC_ASAN=0
# skips this step. Leak checking is off: the Vulkan loader and Mesa keep allocations for the life
# of the process.
if [ "$asan" = 1 ]; then
  cd ..
  # The real footage and music the tests read live in the main build folder.
  for d in real-footage real-music real-data; do
    if [ -e "build/$d" ]; then ln -sfn "../build/$d" "build-asan/$d"; fi
  done
  echo "test.sh: the suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan)"
  set +e
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure --no-tests=error -j2 -L "unit|integration|gpu" -E "_NOT_BUILT" | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  phase "sanitizer suite"
  if [ "${CI:-}" = "true" ] && grep -q "Skipped" "$log"; then
    echo "test.sh: CI=true and tests were skipped under ASan (above): failing"
    exit 1
  fi
fi
echo "test.sh: $((SECONDS / 60)) min $((SECONDS % 60)) s in all: $(IFS=,; echo "${phases[*]}" | sed 's/,/, /g')"
exit "$rc"
