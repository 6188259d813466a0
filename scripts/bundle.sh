#!/usr/bin/env bash
# Packs the built binaries, every shared library they load (with this system's dynamic loader)
# and the generated test media into one archive, to run the GPU tests and benchmarks on a machine
# that has a Vulkan GPU but none of the build dependencies. Run scripts/test.sh first (it builds
# and generates the media). Usage: scripts/bundle.sh OUT.tar.xz
#
# On the target machine:
#   mkdir b && tar -C b -xJf OUT.tar.xz
#   R="b/lib/ld-linux-x86-64.so.2 --library-path b/lib:<folder of the GPU driver's libraries>"
#   (NVIDIA without X: export VK_DRIVER_FILES=<driver>/nvidia_icd.json __EGL_VENDOR_LIBRARY_FILENAMES=<driver>/10_nvidia.json)
#   REELSYNC_TEST_MEDIA_DIR=b/media $R b/bin/test_gpu
#   $R b/bin/reelsync bench b/media/bench1080.mp4 --frames 150
#   $R b/bin/reelsync compare b/media/take1080_0.mp4 b/media/take1080_1.mp4 b/media/take1080_2.mp4 \
#      b/media/take1080_3.mp4 --mode grid --headless --no-audio --width 1920 --height 1080 --duration 10 \
#      --stats cmp.jsonl && tail -1 cmp.jsonl     (four 1080p30 takes in a grid: its "dropped")
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:?usage: scripts/bundle.sh OUT.tar.xz}")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib" "$stage/bin" "$stage/media"
bins=(build/reelsync build/tests/test_gpu build/tests/test_media build/tests/test_core)
cp "${bins[@]}" "$stage/bin/"
strip --strip-debug "$stage"/bin/*
# The glvnd libraries let the Vulkan loader open vendor drivers built on glvnd (NVIDIA's needs
# libEGL too when there is no X server).
extra=(/usr/lib/x86_64-linux-gnu/libGLdispatch.so.0 /usr/lib/x86_64-linux-gnu/libGLX.so.0 /usr/lib/x86_64-linux-gnu/libEGL.so.1
       /usr/lib/x86_64-linux-gnu/libOpenGL.so.0 /usr/lib/x86_64-linux-gnu/libGL.so.1 /usr/lib/x86_64-linux-gnu/libGLESv2.so.2)
{ for b in "${bins[@]}" "${extra[@]}"; do ldd "$b" | awk '/=>/ {print $3}'; done; printf '%s\n' "${extra[@]}"; } \
  | sort -u | while read -r lib; do [ -e "$lib" ] && cp -L "$lib" "$stage/lib/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$stage/lib/"
cp build/test-media/idx_* build/test-media/col_* build/test-media/sync_*.mkv "$stage/media/"
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=5" -c:v libx264 -profile:v high \
  -preset medium -pix_fmt yuv420p "$stage/media/bench1080.mp4"
# Four takes of one shot at 1080p30 (testsrc2 in four hues, 10 s) for the compare's smoothness.
for i in 0 1 2 3; do
  ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=10" -vf "hue=h=$((i * 40))" -c:v libx264 \
    -preset veryfast -crf 30 -g 30 -pix_fmt yuv420p "$stage/media/take1080_$i.mp4"
done
tar -C "$stage" -cf - . | xz -T0 -6 > "$out"
echo "bundle: $out ($(du -h "$out" | cut -f1))"
