#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, starts a virtual display and a JACK dummy
# audio server (only if none runs), runs ctest, and stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
scripts/real-music.sh
scripts/real-footage.sh
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
# In CI a test skipped for a missing device, GPU or display is a failure, not a pass.
if [ "${CI:-}" = "true" ] && grep -q "Skipped" "$log"; then
  echo "test.sh: CI=true and tests were skipped (above): failing"
  grep "Skipped" "$log"
  exit 1
fi
exit "$rc"
