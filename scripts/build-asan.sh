#!/usr/bin/env bash
# Builds the sanitizer suite's targets (AddressSanitizer + UndefinedBehaviorSanitizer) into
# build-asan/: reelsync and the test executables scripts/test.sh runs there. Fails, printing the
# errors, when the build does.
set -euo pipefail
cd "$(dirname "$0")/.."
asan_targets=(reelsync test_core test_media test_project test_review test_edit_reader test_integration test_gpu)
# -O1 and line tables only: what sanitizer reports need, at about half the compile time.
cmake -S . -B build-asan -DREELSYNC_SANITIZE=address -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" >/dev/null
log=build-asan/build.log
if ! cmake --build build-asan -j"$(nproc)" --target "${asan_targets[@]}" >"$log" 2>&1; then
  grep -E "error|Error" "$log" | head -60
  echo "build-asan.sh: the build failed (build-asan/build.log)"
  exit 1
fi
grep -E "warning:|Built target (reelsync|test_)" "$log" || true
