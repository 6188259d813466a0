#!/usr/bin/env bash
# Sync seen from outside the player: reelsync and mpv play the same flash-and-click clip (a white
# flash and a 2 ms click once a second, 30 fps) in a 640x360 window, each under the observer
# (build/tests/observe: screen grabs every millisecond and a JACK recording of the player's output
# ports, both on the JACK clock), in the same run. Prints, per player, each flash's time on screen
# less its click's time at the output: reelsync on the default output and on PortAudio's JACK host
# (--audio-device system), then mpv (when installed). RUNS times each (default 3).
# Starts Xvfb and the JACK dummy server itself when none runs (as scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
source scripts/services.sh
trap reelsync_stop_services EXIT
reelsync_start_display
reelsync_start_audio
if [ -z "${VK_DRIVER_FILES:-}" ] && ! vulkaninfo --summary 2>/dev/null | grep -q "PHYSICAL_DEVICE_TYPE_.*GPU"; then
  export VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json
fi
mkdir -p build/bench-media
clip=build/bench-media/flash_click.mkv
[ -e "$clip" ] || ffmpeg -nostdin -v error -y \
  -f lavfi -i "color=c=0x202020:s=320x240:r=30:d=10,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='eq(mod(n\,30)\,0)'" \
  -f lavfi -i "aevalsrc='if(lt(mod(t\,1)\,0.002)\,0.9\,0)':s=48000:d=10" -c:v libx264 -preset veryfast -g 30 -c:a pcm_s16le "$clip"
vkdev=$(vulkaninfo --summary 2>/dev/null | sed -n 's/^[[:space:]]*deviceName[[:space:]]*= //p' | head -1)
for run in $(seq 1 "$runs"); do
  for device in default system; do
    extra=(); [ "$device" = default ] || extra=(--audio-device "$device")
    echo "== run $run: reelsync, output $device (its first flash, on screen before the clock starts, left out)"
    build/tests/observe --skip 0.5 -- build/reelsync play "$clip" --no-analysis --width 640 --height 360 --duration 8 "${extra[@]}" | grep -E "^observe|played"
  done
  if command -v mpv >/dev/null; then
    echo "== run $run: mpv $(mpv --version | head -1 | cut -d' ' -f2) --ao=jack --vo=gpu-next --gpu-api=vulkan"
    build/tests/observe --skip 0.5 -- mpv --no-config --really-quiet --ao=jack --vo=gpu-next --gpu-api=vulkan \
      "--vulkan-device=$vkdev" --geometry=640x360+0+0 --length=8 "$clip" | grep -E "^observe"
  fi
done
