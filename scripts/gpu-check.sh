#!/usr/bin/env bash
# The GPU checks and benchmarks, run from a bundle (scripts/bundle.sh packs one) on a machine with a
# Vulkan GPU and none of the build dependencies:
#   1. test_gpu (exact frames, colour against FFmpeg's, letterbox, every compare view) with the
#      validation layer on; a skip counts as a failure;
#   2. reelsync bench on a 1080p30 clip (decode, upload, draw as ratios to decoding alone) and
#      reelsync bench --scan (artifact scanning against decoding alone);
#   3. compares rendered at 1920x1080 in real time, headless, on the timer clock: four 1080p30 takes
#      in a grid (three runs of 10 s), two side by side, and four takes at 23.976, 24, 25 and 30 fps
#      of mixed sizes with offsets, judged from the stats: every present, each take must show its
#      frame whose interval holds the compare frame's start (0 wrong) and, when on time, the clock.
# Usage: gpu-check.sh BUNDLE_DIR RESULTS_DIR [folder of the GPU driver's libraries]
# Prints a table last; the logs and stats files are left in RESULTS_DIR. Exits non-zero if a check fails.
set -uo pipefail
b=$(realpath "${1:?usage: gpu-check.sh BUNDLE_DIR RESULTS_DIR [DRIVER_LIB_DIR]}")
res=$(realpath -m "${2:?usage: gpu-check.sh BUNDLE_DIR RESULTS_DIR [DRIVER_LIB_DIR]}")
drv=${3:-}
mkdir -p "$res"
export VK_LAYER_PATH="$b/layers"
run() { "$b/lib/ld-linux-x86-64.so.2" --library-path "$b/lib${drv:+:$drv}" "$@"; }
m="$b/media"
failed=0
table=()

# 1. The GPU tests.
REELSYNC_VK_VALIDATION=1 REELSYNC_TEST_MEDIA_DIR="$m" run "$b/bin/test_gpu" > "$res/test_gpu.log" 2>&1
rc=$?
passed=$(grep -c '^\[       OK \]' "$res/test_gpu.log")
skipped=$(grep -c '^\[  SKIPPED \]' "$res/test_gpu.log")
failures=$(grep -c '^\[  FAILED  \] [A-Za-z]' "$res/test_gpu.log")
[ "$rc" = 0 ] && [ "$skipped" = 0 ] || failed=1
table+=("test_gpu (validation on): $passed passed, $failures failed, $skipped skipped (exit $rc)")

# 2. The benchmarks.
run "$b/bin/reelsync" -v bench "$m/bench1080.mp4" --frames 150 > "$res/bench.txt" 2> "$res/bench.log" || failed=1
run "$b/bin/reelsync" -v bench "$m/bench1080.mp4" --scan > "$res/bench-scan.txt" 2> "$res/bench-scan.log" || failed=1
device=$(grep -ho 'gpu: .*' "$res/bench.log" | head -1 | cut -c6-)
table+=("device: ${device:-unknown}")

# 3. The compares.
compare() {  # NAME MODE DURATION DROPS_ALLOWED(yes|no) TAKES... [--offset ...]
    local name=$1 mode=$2 dur=$3 drops=$4
    shift 4
    run "$b/bin/reelsync" -v compare "$@" --mode "$mode" --headless --no-audio --width 1920 --height 1080 --duration "$dur" \
        --stats "$res/$name.jsonl" > "$res/$name.log" 2>&1 || { failed=1; table+=("$name: reelsync failed, see $name.log"); return; }
    local summary
    summary=$(tail -1 "$res/$name.jsonl")
    table+=("$name: $summary")
    [ "$drops" = yes ] || python3 -c 'import json, sys; sys.exit(json.loads(sys.argv[1])["dropped"] != 0)' "$summary" || failed=1
}
t=("$m"/take1080_{0,1,2,3}.mp4)
for i in 1 2 3; do compare "grid4x1080p30-run$i" grid 10 no "${t[@]}"; done
compare side2x1080p30 side 10 no "${t[0]}" "${t[1]}"
mixed=() offsets=()
while read -r name rate frames offset; do
    mixed+=("$m/$name")
    offsets+=("$offset")
done < "$m/mixed.txt"
# Their frame table is the union of the four takes' frames, some a millisecond long: a present
# cannot show each, so drops are allowed here and the lock-step is what is judged.
compare grid4x1080-mixed-rates grid 10.5 yes "${mixed[@]}" --offset "${offsets[@]}"
# The judgement of test Compare.FourTakesAtMixedRatesStayInStep (tests/integration/test_playback.cpp),
# which cannot run here: it makes its takes with ffmpeg, which this machine need not have.
verdict=$(python3 - "$m/mixed.txt" "$res/grid4x1080-mixed-rates.jsonl" <<'PY'
import json, math, sys
from fractions import Fraction
takes = []
for line in open(sys.argv[1]):
    name, rate, frames, offset = line.split()
    takes.append((name, float(Fraction(rate)), int(frames), float(offset)))
def frame_of(t, at):
    _, fps, frames, off = t
    x = (at - off) * fps
    k = math.floor(x + 1e-9)
    return -1 if x < -1e-9 or k >= frames else k
presents = late = wrong_start = wrong_clock = 0
shown = [set() for _ in takes]
for line in open(sys.argv[2]):
    j = json.loads(line)
    if "views" not in j:
        continue
    presents += 1
    pts, dur, t = j["pts"], j["dur"], j["t_audio"]
    on_time = pts - 1e-9 <= t < pts + dur
    late += not on_time
    for v, got in enumerate(j["views"]):
        wrong_start += got != frame_of(takes[v], pts)
        if on_time:
            wrong_clock += got != frame_of(takes[v], t)
        if got >= 0:
            shown[v].add(got)
missing = sum(max(0, t[2] - max(frame_of(t, 0.0), 0) - len(s)) for t, s in zip(takes, shown))
print(f"{presents} presents, {late} late, {wrong_start} wrong by the frame start, {wrong_clock} wrong by the clock, "
      f"{missing} frames of the takes never shown")
sys.exit(0 if presents > 0 and wrong_start == 0 and wrong_clock == 0 else 1)
PY
) || failed=1
table+=("grid4x1080-mixed-rates lock-step: $verdict")

{
    echo "== bench (1080p30) =="
    cat "$res/bench.txt"
    echo "== bench --scan (1080p30) =="
    cat "$res/bench-scan.txt"
    echo "== checks =="
    printf '%s\n' "${table[@]}"
    [ "$failed" = 0 ] && echo "gpu-check: all passed" || echo "gpu-check: FAILED"
} | tee "$res/summary.txt"
exit "$failed"
