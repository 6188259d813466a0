#!/usr/bin/env bash
# The farm benchmark: N generated 1280x720 3 s H.264 clips (default 30) scanned here and through a
# single-machine Slurm with as many CPUs as this machine, once per shard count given (default 2 6 30):
# clips per minute each way, overhead per task, the merge's cost. Needs the build (scripts/build.sh)
# and root (scripts/slurm-local.sh).
#
#   scripts/farm-bench.sh [CLIPS] [SHARDS...]
set -euo pipefail
cd "$(dirname "$0")/.."
clips=${1:-30}
shift || true
shards=("$@")
[[ ${#shards[@]} -gt 0 ]] || shards=(2 6 30)
[[ -x build/reelsync ]] || { echo "farm-bench: build first (scripts/build.sh)" >&2; exit 1; }

dir=$(mktemp -d)
cluster=""
cleanup() {
  [[ -n "$cluster" ]] && scripts/slurm-local.sh stop "$cluster" || true
  rm -rf "$dir"
}
trap cleanup EXIT
for k in $(seq 0 9); do
  ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc2=s=1280x720:r=24:d=3" -vf "hue=h=$((k * 36))" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p "$dir/src$k.mp4"
done
mkdir "$dir/clips"
for i in $(seq 0 $((clips - 1))); do cp "$dir/src$((i % 10)).mp4" "$dir/clips/take_$(printf %04d "$i").mp4"; done

out=$(scripts/slurm-local.sh start "$(nproc)")
cluster=$(echo "$out" | head -1)
export SLURM_CONF="$cluster/slurm.conf"
for s in "${shards[@]}"; do
  echo "== $clips clips, $s tasks, $(nproc) CPUs"
  build/reelsync bench --farm "$dir/clips" --shards "$s"
done
