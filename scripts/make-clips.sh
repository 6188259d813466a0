#!/usr/bin/env bash
# Generates COUNT short clips into DIR, like a folder of text-to-video takes: varied moving content,
# mostly H.264 with some HEVC and VP9, SIZE (default 1280x720) at 24 fps, SECONDS long (default 5).
# Used for the review benchmarks and the 700-clip scale figure in the README.
# Usage: scripts/make-clips.sh DIR COUNT [SIZE] [SECONDS]
set -euo pipefail
dir=${1:?usage: make-clips.sh DIR COUNT [SIZE] [SECONDS]}
count=${2:?usage: make-clips.sh DIR COUNT [SIZE] [SECONDS]}
size=${3:-1280x720}
secs=${4:-5}
mkdir -p "$dir"
make_one() {
  local i=$1 dir=$2 size=$3 secs=$4
  local sources=("testsrc2=s=$size:r=24" "mandelbrot=s=$size:r=24" "life=s=$size:r=24:mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00"
                 "cellauto=s=$size:r=24:rule=$((18 + i % 100))" "gradients=s=$size:r=24:speed=0.05:seed=$i" "smptehdbars=s=$size:r=24")
  local src=${sources[$((i % ${#sources[@]}))]}
  local codec=(-c:v libx264 -preset ultrafast -g 48 -pix_fmt yuv420p) ext=mp4
  if (( i % 10 == 3 )); then codec=(-c:v libx265 -preset ultrafast -x265-params log-level=error -pix_fmt yuv420p); ext=mkv; fi
  if (( i % 10 == 7 )); then codec=(-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv420p); ext=webm; fi
  local out
  out=$(printf "%s/take_%04d.%s" "$dir" "$i" "$ext")
  [ -e "$out" ] && return 0
  ffmpeg -nostdin -v error -y -f lavfi -i "$src" -t "$secs" -vf "hue=h=$((i * 37 % 360))" "${codec[@]}" "$out.tmp.$ext"
  mv "$out.tmp.$ext" "$out"
}
export -f make_one
seq 0 $((count - 1)) | xargs -P "$(nproc)" -I{} bash -c "make_one {} '$dir' '$size' '$secs'"
echo "make-clips: $count clips in $dir"
