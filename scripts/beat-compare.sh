#!/usr/bin/env bash
# Beat tracking, reelsync against aubio's tracker (`aubio beat`, Debian's aubio-tools), track by
# track, both scored by `reelsync beats --estimate` (mir_eval's measures, first 5 s dropped).
#   scripts/beat-compare.sh            the real-music set (scripts/real-music.sh builds it)
#   scripts/beat-compare.sh --generated  the generated drum music of the tests
# Prints one row per track (split, class, true and tracked tempo, F-measure of both, confidence)
# and the medians per split and class.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v aubio >/dev/null; then
  echo "beat-compare: installing aubio-tools"
  ${SUDO:-} apt-get install -y -qq --no-install-recommends aubio-tools >/dev/null
fi
python3 - "${1:-}" <<'PY'
import json, os, statistics, subprocess, sys, tempfile, glob
B = 'build/reelsync'
tracks = []  # (name, wav, split, cls, bpm, ref, source folder)
if sys.argv[1] == '--generated':
    for wav in sorted(glob.glob('build/test-media/beats_*.wav')):
        if os.path.exists(wav + '.beats.txt'):
            tracks.append((os.path.basename(wav)[6:-4], wav, '-', 'synth', 0.0, wav + '.beats.txt', 'generated'))
else:
    for d in ('build/real-music/generated', 'build/real-music/lmms', 'build/real-music/hydrogen', 'build/real-music/scores',
              'build/real-music/tunes'):
        for line in open(os.path.join(d, 'manifest.tsv')):
            name, split, cls, bpb, bpm = line.rstrip('\n').split('\t')
            tracks.append((name, os.path.join(d, name + '.wav'), split, cls, float(bpm), os.path.join(d, name + '.beats.txt'), os.path.basename(d)))
tmp = tempfile.mkdtemp()
def score(est, ref):
    out = subprocess.run([B, 'beats', '--estimate', est, '--reference', ref, '--json'], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)['F-measure']
rows = []
print(f"{'track':<40} {'split':<5} {'class':<8} {'true':>6} {'ours':>6} {'F ours':>7} {'F aubio':>7} {'conf':>5}")
for name, wav, split, cls, bpm, ref, src in tracks:
    ours = json.loads(subprocess.run([B, 'beats', wav, '--json'], capture_output=True, text=True, check=True).stdout)
    aub = subprocess.run(['aubio', 'beat', wav], capture_output=True, text=True).stdout.split()
    if cls == 'free':
        print(f"{name:<40} {split:<5} {cls:<8} {'-':>6} {ours['tempo_bpm']:6.1f} {'steady' if ours['steady'] else 'none':>7} {'('+str(len(aub))+' b)':>7} {ours['confidence']:5.2f}")
        rows.append((split, cls, None, None, not ours['steady'], None, src))
        continue
    with open(os.path.join(tmp, 'o.txt'), 'w') as f: f.write('\n'.join(f'{b:.6f}' for b in ours['beats']) + '\n')
    with open(os.path.join(tmp, 'a.txt'), 'w') as f: f.write('\n'.join(aub) + '\n')
    fo, fa = score(os.path.join(tmp, 'o.txt'), ref), score(os.path.join(tmp, 'a.txt'), ref)
    octave = bpm > 0 and abs(ours['tempo_bpm'] / bpm - 1) < 0.04
    print(f"{name:<40} {split:<5} {cls:<8} {bpm:6.1f} {ours['tempo_bpm']:6.1f} {fo:7.3f} {fa:7.3f} {ours['confidence']:5.2f}{'' if octave or bpm == 0 else '  tempo level wrong'}{'  (uncertain)' if ours['uncertain'] else ''}")
    rows.append((split, cls, fo, fa, octave, ours['uncertain'], src))
print()
for split in sorted({r[0] for r in rows}):
    for src, cls in sorted({(r[6], r[1]) for r in rows if r[0] == split}):
        sel = [r for r in rows if r[0] == split and r[1] == cls and r[6] == src]
        if cls == 'free':
            print(f"{split:<5} {src:<9} {cls:<8} {len(sel)} tracks: {sum(r[4] for r in sel)} reported as no steady beat")
            continue
        fo = [r[2] for r in sel]; fa = [r[3] for r in sel]
        print(f"{split:<5} {src:<9} {cls:<8} {len(sel):2d} tracks: F median ours {statistics.median(fo):.3f} aubio {statistics.median(fa):.3f}; "
              f"mean ours {statistics.mean(fo):.3f} aubio {statistics.mean(fa):.3f}; min ours {min(fo):.3f}; right tempo level {sum(r[4] for r in sel)}/{len(sel)}")
PY
