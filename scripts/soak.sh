#!/usr/bin/env bash
# Soak: the demo's edit (four takes, H.264 and HEVC, 720p, against its song) looping headless in
# real time for MINUTES (default 60), while the player's resident memory, open file descriptors
# and threads are sampled every 10 s from /proc. Prints, per 18,000 presents (10-12 minutes),
# the A/V error (from the stats file), then how memory, descriptors and threads
# changed from the start (after the first minute) to the end. Exit 1 when the A/V error passed half a
# frame interval, memory's level grew 5% or more, or descriptors or threads grew.
# Needs the JACK server (started here when none runs); not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-60}"
source scripts/services.sh
trap reelsync_stop_services EXIT
reelsync_start_audio
[ -e build/reelsync ] || scripts/build.sh
if [ -z "${VK_DRIVER_FILES:-}" ] && ! vulkaninfo --summary 2>/dev/null | grep -q "PHYSICAL_DEVICE_TYPE_.*GPU"; then
  export VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json
fi
scripts/make-demo.sh build/demo >/dev/null
work=build/soak
rm -rf "$work" && mkdir -p "$work/takes"
cp build/demo/takes/*.mp4 build/demo/takes/*.mkv build/demo/takes/*.webm "$work/takes/" 2>/dev/null || true
for take in clip-1-h264-720p30.mp4 clip-3-hevc-720p25.mp4 take_0002.mp4 take_0005.mp4; do
  build/reelsync play "$work/takes" --audio build/demo/track.wav --clip "$take" --headless --no-analysis --duration 2.4 \
    --keys "0.5:i,2.0:o,2.1:p" >/dev/null
done
echo "soak: $(build/reelsync status "$work/takes" | grep '^edit:'); looping it for $minutes min"
build/reelsync play "$work/takes" --edit --headless --audio build/demo/track.wav --loop 0:1000000 \
  --duration "$((minutes * 60))" --stats "$work/stats.jsonl" > "$work/play.log" 2>&1 &
pid=$!
: > "$work/proc.tsv"
while kill -0 "$pid" 2>/dev/null; do
  if [ -r "/proc/$pid/status" ]; then
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
    threads=$(ls "/proc/$pid/task" 2>/dev/null | wc -l)
    [ -n "$rss" ] && printf '%s\t%s\t%s\t%s\n' "$(date +%s)" "$rss" "$fds" "$threads" >> "$work/proc.tsv"
  fi
  sleep 10
done
wait "$pid" || { echo "soak: the player failed:"; tail -5 "$work/play.log"; exit 1; }
tail -1 "$work/play.log"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
presents, summary = [], {}
for line in open(f"{work}/stats.jsonl"):
    j = json.loads(line)
    (presents.append(j) if "frame" in j else summary.update(j))
ok = True
half = 0.5 * min(p["dur"] for p in presents) * 1e3 if presents else 0  # the shortest frame's
# Per stretch of 18000 presents (about 10 minutes): A/V error (the clock at the present less the
# frame's time).
for k in range(0, len(presents), 18000):
    part = presents[k:k + 18000]
    av = [abs(p["t_audio"] - p["pts"]) * 1e3 for p in part]
    print(f"soak: presents {k}-{k + len(part) - 1}: A/V error mean {sum(av) / len(av):.2f} ms, max {max(av):.2f} ms")
print(f"soak: all: {summary.get('presented')} presented, {summary.get('dropped')} dropped, "
      f"A/V error mean {summary.get('avsync_ms_mean', 0):.2f} ms, max {summary.get('avsync_ms_max', 0):.2f} ms (half a frame: {half:.1f} ms)")
if summary.get("avsync_ms_max", 1e9) >= half: ok = False
rows = [list(map(int, l.split())) for l in open(f"{work}/proc.tsv") if l.strip()]
rows = [r for r in rows if r[0] - rows[0][0] >= 60] if rows else []  # from the end of the first minute
if len(rows) >= 12:
    # Resident memory swings by a hundred MiB as frames are freed and reused; judge its level, not
    # single samples: the median of the first and of the last sixth of the run, and the
    # least-squares slope over all of it.
    n = max(2, len(rows) // 6)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    first, last = med([r[1] for r in rows[:n]]), med([r[1] for r in rows[-n:]])
    growth = (last - first) / first * 100
    ts = [(r[0] - rows[0][0]) / 3600 for r in rows]
    ms = [r[1] / 1024 for r in rows]
    mt, mm = sum(ts) / len(ts), sum(ms) / len(ms)
    slope = sum((t - mt) * (m - mm) for t, m in zip(ts, ms)) / max(1e-12, sum((t - mt) ** 2 for t in ts))
    print(f"soak: resident memory, median of the first sixth {first / 1024:.1f} MiB, of the last sixth {last / 1024:.1f} MiB "
          f"({growth:+.2f}%), trend {slope:+.1f} MiB per hour, range {min(ms):.1f}-{max(ms):.1f} MiB")
    fds, threads = [r[2] for r in rows], [r[3] for r in rows]
    print(f"soak: descriptors {med(fds[:n])} -> {med(fds[-n:])} (range {min(fds)}-{max(fds)}); "
          f"threads {med(threads[:n])} -> {med(threads[-n:])} (range {min(threads)}-{max(threads)})")
    if growth >= 5 or max(fds[-n:]) > max(fds[:n]) or max(threads[-n:]) > max(threads[:n]): ok = False
else:
    print("soak: too short to judge memory (run at least three minutes)")
print("soak: " + ("passed" if ok else "FAILED"))
sys.exit(0 if ok else 1)
PY
