#!/usr/bin/env bash
# Benchmarks, reported as ratios measured in one run on one machine (never absolute timings):
#   1. `reelsync bench` on a generated 10 s 1080p30 H.264 High clip: (b)/(a) and (c)/(a)
#   2. mpv's untimed full path on the same clip and Vulkan driver, against reelsync's (c)
# Usage: scripts/bench.sh [clip]   (default: the generated clip)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh >/dev/null
source scripts/services.sh
trap reelsync_stop_services EXIT
reelsync_start_display
if ! command -v mpv >/dev/null; then
  echo "bench: installing mpv (for the comparison)"
  ${SUDO:-} apt-get install -y -qq --no-install-recommends mpv >/dev/null
fi
clip=${1:-build/bench-media/h264-1080p30-high.mp4}
if [ ! -f "$clip" ]; then
  mkdir -p "$(dirname "$clip")"
  ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=10" \
    -c:v libx264 -profile:v high -preset medium -pix_fmt yuv420p "$clip"
fi
# A CPU Vulkan device (lavapipe) must be named for mpv, which skips such devices by default.
mpv_device=()
dev=$(vulkaninfo --summary 2>/dev/null | sed -n 's/^[[:space:]]*deviceName[[:space:]]*= //p' | head -1)
if [ -n "$dev" ]; then mpv_device=(--vulkan-device="$dev"); fi

echo "== reelsync bench $clip"
json=$(build/reelsync bench "$clip" --frames 300 --json)
python3 - "$json" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
print(f"device: {j['device']}")
print(f"(a) decode only               {j['decode_fps']:8.1f} fps   1.000")
print(f"(b) decode + upload (no draw) {j['upload_fps']:8.1f} fps   {j['upload_ratio']:.3f} of (a)")
print(f"(c) full path, offscreen draw {j['draw_fps']:8.1f} fps   {j['draw_ratio']:.3f} of (a)")
PY
ours=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['draw_fps'])" "$json")

echo "== mpv --untimed --no-audio --vo=gpu-next --gpu-api=vulkan (same clip, same driver)"
t() { /usr/bin/time -f %e mpv --no-config --really-quiet --untimed --no-audio --vo=gpu-next --gpu-api=vulkan \
        "${mpv_device[@]}" --frames="$1" "$clip" 2>&1 >/dev/null | tail -1; }
# Two lengths, so start-up cost cancels: fps = (300 - 100) / (t300 - t100).
t100=$(t 100); t300=$(t 300)
python3 - "$t100" "$t300" "$ours" <<'PY'
import sys
t100, t300, ours = map(float, sys.argv[1:])
mpv = 200 / (t300 - t100)
print(f"mpv full path        {mpv:8.1f} fps")
print(f"reelsync (c) / mpv   {ours / mpv:8.2f}x")
PY
