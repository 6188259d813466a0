#!/usr/bin/env bash
# The demo: installs what is missing, builds, makes a few generated clips and a music track (first
# run only), and plays them: in a window when there is a display, otherwise headless with a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
source scripts/services.sh
trap reelsync_stop_services EXIT
reelsync_start_audio || true   # no JACK: reelsync plays on its timer clock and says so
scripts/make-demo.sh demo
clips=(demo/clip-*)
if [ -n "${DISPLAY:-}" ] && xdpyinfo >/dev/null 2>&1 && [ -z "${REELSYNC_DEMO_HEADLESS:-}" ]; then
  echo "demo: playing ${#clips[@]} clips with demo/track.wav in a window (F1 for hotkeys, Esc to quit)"
  build/reelsync play "${clips[@]}" --audio demo/track.wav "$@"
else
  echo "demo: no display, playing headless"
  build/reelsync play "${clips[@]}" --audio demo/track.wav --headless --stats demo/stats.jsonl "$@"
  echo "demo: per-frame stats in demo/stats.jsonl"
fi
