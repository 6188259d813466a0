#!/usr/bin/env bash
# Packs the built binaries, every shared library they load (with this system's dynamic loader),
# the Vulkan validation layer and the test media into one archive, to run the GPU tests and
# benchmarks on a machine that has a Vulkan GPU but none of the build dependencies. Run
# scripts/test.sh first (it builds and generates the media). Usage: scripts/bundle.sh OUT.tar.xz
#
# On the target machine:
#   mkdir b && tar -C b -xJf OUT.tar.xz && b/gpu-check.sh b RESULTS [folder of the driver's libraries]
# (NVIDIA without X: export VK_DRIVER_FILES=<driver>/nvidia_icd.json
#  __EGL_VENDOR_LIBRARY_FILENAMES=<driver>/10_nvidia.json first). scripts/gpu-check.sh says what it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:?usage: scripts/bundle.sh OUT.tar.xz}")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib" "$stage/bin" "$stage/media" "$stage/layers"
bins=(build/reelsync build/tests/test_gpu)
cp "${bins[@]}" "$stage/bin/"
strip --strip-debug "$stage"/bin/*
# The glvnd libraries let the Vulkan loader open vendor drivers built on glvnd (NVIDIA's needs
# libEGL too when there is no X server).
extra=(/usr/lib/x86_64-linux-gnu/libGLdispatch.so.0 /usr/lib/x86_64-linux-gnu/libGLX.so.0 /usr/lib/x86_64-linux-gnu/libEGL.so.1
       /usr/lib/x86_64-linux-gnu/libOpenGL.so.0 /usr/lib/x86_64-linux-gnu/libGL.so.1 /usr/lib/x86_64-linux-gnu/libGLESv2.so.2)
{ for b in "${bins[@]}" "${extra[@]}"; do ldd "$b" | awk '/=>/ {print $3}'; done; printf '%s\n' "${extra[@]}"; } \
  | sort -u | while read -r lib; do [ -e "$lib" ] && cp -L "$lib" "$stage/lib/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$stage/lib/"
# The validation layer (the GPU tests run with it on, as scripts/test.sh runs them).
cp -L /usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so "$stage/lib/"
cp /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json "$stage/layers/"
cp scripts/gpu-check.sh "$stage/"
cp build/test-media/idx_* build/test-media/col_* build/test-media/sync_*.mkv "$stage/media/"
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=5" -c:v libx264 -profile:v high \
  -preset medium -pix_fmt yuv420p "$stage/media/bench1080.mp4"
# Four takes of one shot at 1080p30 (testsrc2 in four hues, 10 s) for the compare's smoothness.
for i in 0 1 2 3; do
  ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=10" -vf "hue=h=$((i * 40))" -c:v libx264 \
    -preset veryfast -crf 30 -g 30 -pix_fmt yuv420p "$stage/media/take1080_$i.mp4"
done
# Four takes at mixed rates and sizes, for lock-step at 1080p: each line of mixed.txt is
# FILE RATE FRAMES OFFSET, what scripts/gpu-check.sh judges the compare's stats by.
: > "$stage/media/mixed.txt"
while read -r name rate frames size offset; do
  ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=s=$size:r=$rate" -frames:v "$frames" -c:v libx264 -preset veryfast \
    -crf 34 -g 24 -bf 2 -pix_fmt yuv420p "$stage/media/$name" < /dev/null
  echo "$name $rate $frames $offset" >> "$stage/media/mixed.txt"
done <<'TAKES'
mixed_23976.mp4 24000/1001 240 1920x1080 0
mixed_24.mp4 24 250 1920x800 0
mixed_25.mp4 25 240 1440x1080 0.5
mixed_30.mp4 30 300 1920x1080 -0.2
TAKES
tar -C "$stage" -cf - . | xz -T0 -6 > "$out"
echo "bundle: $out ($(du -h "$out" | cut -f1))"
