#!/usr/bin/env bash
# Review speed, reelsync against mpv on the same clips, window size and driver:
#   keypress to the next clip's first frame (viewer Down / mpv playlist-next), and a backward frame
#   step on a long-GOP 1080p clip (Left while paused / mpv frame-back-step).
# Generates 40 5-second 1280x720 takes and a 10 s 1080p GOP-240 clip under build/bench-media/ first.
# Needs a display (Xvfb) and the JACK server, as scripts/test.sh starts them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/make-clips.sh build/bench-media/takes 40 1280x720 5 >/dev/null
clip=build/bench-media/gop240_1080p.mp4
[ -e "$clip" ] || ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=s=1920x1080:r=24 -t 10 -c:v libx264 -preset veryfast -g 240 -bf 3 "$clip"
echo "== reelsync bench --review"
build/reelsync bench --review build/bench-media/takes --step-clip "$clip" --switches 20 | grep -v catalogued
if command -v mpv >/dev/null; then
  echo "== mpv (JSON IPC: command sent -> playback-restart event)"
  python3 scripts/bench-review-mpv.py build/bench-media/takes "$clip" 20 30
fi
