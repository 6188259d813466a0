#!/usr/bin/env bash
# The demo: installs what is missing, builds, makes a folder of generated takes and a music track
# (first run only), and reviews them against the song.
#   With a display: opens build/demo/takes as a project in the window (the browser: arrows, Enter to play,
#   P approve, X reject, I/O marks, E the edit on the song, F1 all hotkeys).
#   Without one: the same workflow headless - four takes are reviewed in real time with scripted
#   keys (marks and approvals saved to the project), then the status, the edit played gapless
#   against the song with per-frame stats, and the export to OTIO, EDL and CSV.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
source scripts/services.sh
trap reelsync_stop_services EXIT
reelsync_start_audio || true   # no JACK: reelsync plays on its timer clock and says so
scripts/make-demo.sh build/demo
if [ -n "${DISPLAY:-}" ] && xdpyinfo >/dev/null 2>&1 && [ -z "${REELSYNC_DEMO_HEADLESS:-}" ]; then
  echo "demo: opening build/demo/takes with build/demo/track.wav (F1 for hotkeys, Q to quit; decisions are saved as you make them)"
  build/reelsync build/demo/takes --audio build/demo/track.wav "$@"
else
  echo "demo: no display, reviewing headless"
  i=0
  for take in clip-1-h264-720p30.mp4 clip-3-hevc-720p25.mp4 take_0002.mp4 take_0005.mp4; do
    i=$((i + 1))
    # Mark in at 0.5 s and out at 2.0 s of playback, approve, rate 4 - pressed at those clock times.
    build/reelsync play build/demo/takes --audio build/demo/track.wav --clip "$take" --headless --duration 2.4 \
      --keys "0.5:i,2.0:o,2.1:p,2.2:4" | sed "s/^/demo: $take: /"
  done
  build/reelsync status build/demo/takes
  build/reelsync play build/demo/takes --edit --headless --stats build/demo/stats.jsonl "$@"
  build/reelsync export build/demo/takes --otio build/demo/edit.otio --edl build/demo/edit.edl --csv build/demo/decisions.csv
  echo "demo: per-frame stats in build/demo/stats.jsonl; the edit in build/demo/edit.otio and build/demo/edit.edl"
fi
