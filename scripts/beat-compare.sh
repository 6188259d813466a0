#!/usr/bin/env bash
# Beat tracking, reelsync against aubio's tracker (`aubio beat`, Debian's aubio-tools), on the
# generated drum music of the tests (known beats), scored by `reelsync beats` (mir_eval's measures).
# Usage: scripts/beat-compare.sh   (run scripts/test.sh first: it builds and generates the music)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v aubio >/dev/null; then
  echo "beat-compare: installing aubio-tools"
  ${SUDO:-} apt-get install -y -qq --no-install-recommends aubio-tools >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf "%-26s %8s %8s %8s %8s %10s %10s\n" track "F ours" "F aubio" "AMLt us" "AMLt aub" "err ours" "err aubio"
for wav in build/test-media/beats_*.wav; do
  ref="$wav.beats.txt"
  [ -f "$ref" ] || continue
  build/reelsync beats "$wav" --json | python3 -c "import json,sys; print('\n'.join(f'{b:.6f}' for b in json.load(sys.stdin)['beats']))" > "$tmp/ours.txt"
  aubio beat "$wav" 2>/dev/null | awk '{print $1}' > "$tmp/aubio.txt"
  python3 - "$wav" "$ref" "$tmp/ours.txt" "$tmp/aubio.txt" <<'PY'
import json, subprocess, sys, os, statistics
wav, ref, ours, aub = sys.argv[1:]
def score(est):
    out = subprocess.run(["build/reelsync", "beats", "--estimate", est, "--reference", ref, "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)
def median_err(est):
    r = [float(x) for x in open(ref)]
    e = [float(x) for x in open(est) if x.strip()]
    errs = [min(abs(x - b) for x in e) * 1000 for b in r if b >= 5.0 and e and min(abs(x - b) for x in e) <= 0.07]
    return statistics.median(errs) if errs else float("nan")
a, b = score(ours), score(aub)
name = os.path.basename(wav)[6:-4]
print(f"{name:<26} {a['F-measure']:8.3f} {b['F-measure']:8.3f} {a['Any Metric Level Total']:8.3f} {b['Any Metric Level Total']:8.3f} {median_err(ours):8.1f}ms {median_err(aub):8.1f}ms")
PY
done
