#!/usr/bin/env bash
# Generates the demo media into a folder (once): a folder of 17 generated takes (takes/: different
# codecs, sizes and frame rates; one with a flickering patch the overlay outlines) and a 120 BPM
# music track with a kick on every beat and a bass note opening every bar.
set -euo pipefail
dir=${1:-build/demo}
mkdir -p "$dir/takes"
[ -f "$dir/.complete-2" ] && exit 0
echo "demo: generating clips and a music track in $dir/"
ff() { ffmpeg -nostdin -v error -y "$@"; }
ff -f lavfi -i "testsrc2=s=1280x720:r=30:d=4" -c:v libx264 -preset veryfast -pix_fmt yuv420p "$dir/takes/clip-1-h264-720p30.mp4"
ff -f lavfi -i "mandelbrot=s=960x540:r=24000/1001" -t 4 -c:v libx264 -preset veryfast -pix_fmt yuv420p "$dir/takes/clip-2-h264-540p23.976.mp4"
ff -f lavfi -i "life=s=640x360:r=25:mold=10:ratio=0.2:death_color=#1a2a6c:life_color=#f7b733,scale=1280:720:flags=neighbor" -t 4 -c:v libx265 -x265-params log-level=error -pix_fmt yuv420p -tag:v hvc1 "$dir/takes/clip-3-hevc-720p25.mp4"
ff -f lavfi -i "cellauto=s=1280x720:r=30:rule=110,format=yuv420p" -t 4 -c:v libvpx-vp9 -b:v 2M -deadline realtime -cpu-used 8 "$dir/takes/clip-4-vp9-720p30.webm"
# A take with a patch that flickers for half a second (frames 40-52): a local flicker.
ff -f lavfi -i "mandelbrot=s=1280x720:r=24" -t 4 -vf "drawbox=x=800:y=90:w=320:h=270:t=fill:color=white@0.3:enable='between(n\,40\,52)*mod(n\,2)'" -c:v libx264 -preset veryfast -pix_fmt yuv420p "$dir/takes/clip-5-h264-720p24-flicker.mp4"
# 120 BPM, 16 s: a kick-like click every 0.5 s and a bass note opening every 2 s bar (55 and 73 Hz
# in turn) over a soft chord.
ff -f lavfi -i "aevalsrc=0.25*sin(2*PI*220*t)+0.15*sin(2*PI*277.18*t)+0.15*sin(2*PI*329.63*t)+0.9*exp(-40*mod(t\,0.5))*sin(2*PI*60*t)+0.6*exp(-1.5*mod(t\,2))*sin(2*PI*(55+18.4*mod(floor(t/2)\,2))*t):s=48000:d=16" -ac 2 "$dir/track.wav"
"$(dirname "$0")/make-clips.sh" "$dir/takes" 12 1280x720 4 >/dev/null
touch "$dir/.complete-2"
