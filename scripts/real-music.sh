#!/usr/bin/env bash
# Builds the real-music beat-tracking set under build/real-music/ (once; cached until the set's
# version changes). Every track's grid is known exactly:
#   generated/  recorded drum kits (Debian's hydrogen-drumkits) and a recorded-instrument soundfont
#               (fluid-soundfont-gm, played by fluidsynth), sequenced on a grid written by
#               tests/tools/make_real_music.cpp: drum tracks, songs, music without drums, rubato.
#   lmms/       the LMMS demo songs by their producers (lmms-common), rendered with lmms and cut to
#               their first 120 s; the grid is the project's tempo and time signature from bar 1.
#   hydrogen/   Hydrogen's demo songs (hydrogen-data), drum songs written by people (swing and
#               humanised timing set in the songs), rendered by h2cli; the grid is the song's tempo
#               from its first bar. The short ones are played two or three times. Held out, all
#               but one looked at after their first scan.
#   scores/     MuseScore's demo scores (musescore3), exported to MIDI by musescore3 (repeats
#               played out) and played by fluidsynth; the grid is the MIDI file's own tempo map and
#               time signatures (tempo changes, 2/2, 3/4, 2/4 included).
#   tunes/      folk tunes from abcmidi's examples, played by abc2midi and fluidsynth; the grid is
#               the MIDI file's tempo and time signature from the tune's first bar line. Tuning.
# Each folder has manifest.tsv: name, split, class, beats per bar, tempo. The splits are fixed there:
# "tune" and "seen" (the first held-out half, looked at since) are tuning material; "held" is
# reported and never tuned on.
# Usage: scripts/real-music.sh   (after scripts/build.sh)
#        scripts/real-music.sh --packages   (only installs the tools it renders with, if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
version=5
out=build/real-music
packages_only=0
[ "${1:-}" = "--packages" ] && packages_only=1
if [ "$packages_only" -eq 0 ]; then
  [ -f "$out/complete-v$version" ] && { echo "real-music: set present ($out)"; exit 0; }
  [ -x build/tests/make_real_music ] || { echo "real-music: build first (scripts/build.sh)" >&2; exit 1; }
fi

PACKAGES=(lmms hydrogen musescore3 abcmidi fluidsynth fluid-soundfont-gm aubio-tools)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "real-music: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "$packages_only" -eq 1 ] && exit 0

rm -rf "$out"
mkdir -p "$out/generated" "$out/lmms" "$out/hydrogen" "$out/scores" "$out/tunes" build/real-data
# A Debian package's files, downloaded and unpacked under DIR without installing it.
unpack_package() {  # PACKAGE DIR
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download "$1" >"$tmp/log" 2>&1) \
    || { echo "real-music: cannot download $1:" >&2; cat "$tmp/log" >&2; exit 1; }
  dpkg -x "$tmp/$1"_*.deb "$2"
  rm -rf "$tmp"
}
# MIDI file -> the set's WAV (mono, 44.1 kHz), played by fluidsynth with the GM soundfont; ffmpeg
# options (a length limit) may follow.
play_midi() {  # MIDI WAV [ffmpeg output options]
  local mid=$1 wav=$2
  shift 2
  fluidsynth -ni -q -g 0.5 -r 44100 -F "$wav.fs.wav" /usr/share/sounds/sf2/FluidR3_GM.sf2 "$mid"
  ffmpeg -nostdin -v error -y -i "$wav.fs.wav" "$@" -ac 1 -ar 44100 -c:a pcm_s16le "$wav"
  rm -f "$wav.fs.wav"
}
# The drum kits are read in place from the package, not installed (220 MB of samples).
kits=build/real-data/hydrogen/usr/share/hydrogen/data/drumkits
[ -d "$kits" ] || unpack_package hydrogen-drumkits build/real-data/hydrogen
build/tests/make_real_music "$kits" /usr/share/sounds/sf2/FluidR3_GM.sf2 "$out/generated"

# MuseScore's demo scores: all held out (added after the tuning). MIDI from musescore3, audio from
# the same MIDI through fluidsynth, so the grid and the sound share one clock.
for score in /usr/share/mscore3-*/demos/*.msc[xz]; do
  name=$(basename "${score%.*}")
  QT_QPA_PLATFORM=offscreen timeout 300 musescore3 -o "$out/scores/$name.mid" "$score" >"$out/scores/$name.log" 2>&1 \
    || { echo "real-music: musescore3 failed on $score (log: $out/scores/$name.log)" >&2; exit 1; }
  play_midi "$out/scores/$name.mid" "$out/scores/$name.wav"
  rm -f "$out/scores/$name.log"
done
python3 scripts/midi-grid.py "$out/scores"

# Folk tunes from abcmidi's examples (jigs, reels, hornpipes, a branle, klezmer; 2/4, 3/8, 4/4,
# 6/8), written in ABC by people and played by abc2midi with its accompaniment: scored music for the
# tuning, as the MuseScore scores are held out. Left out: the examples under 30 s, those that show
# abc2midi's features (drums, temperaments, detuning), one whose note lengths fill two bars of its
# own metre, one repeated by parts with its pickup each time, and bagpipe music (its grace notes
# take the beat's place). Cut to their first 120 s like the LMMS songs.
abc=/usr/share/doc/abcmidi/examples
if [ ! -f "$abc/araber.abc" ]; then  # a system that installs packages without their documentation
  abc=build/real-data/abcmidi/usr/share/doc/abcmidi/examples
  [ -f "$abc/araber.abc" ] || unpack_package abcmidi build/real-data/abcmidi
fi
python3 scripts/abc-tunes.py "$out/tunes" araber="$abc/araber.abc" baym_rebin="$abc/baym_rebin.abc" boys="$abc/boys.abc" \
  coleraine="$abc/coleraine.abc" dergasn="$abc/dergasn.abc" horses_branle="$abc/demo.abc:1" \
  trumpet_hornpipe="$abc/demo.abc:2" friendly_visit="$abc/demo.abc:6" roddy_mccawley="$abc/demo.abc:8"
for mid in "$out"/tunes/*.mid; do
  play_midi "$mid" "${mid%.*}.wav" -t 120
done
python3 scripts/midi-grid.py "$out/tunes" tune 120

# LMMS demos: constant tempo (none automates it), 4/4; the one in 1/1 and the one in 8/4 are left
# out (no bar a listener would count). Sorted by name, alternately tuning and held out.
python3 - "$out/lmms" <<'PY'
import glob, os, re, sys, zlib
out = sys.argv[1]
songs = []
for f in sorted(glob.glob('/usr/share/lmms/projects/demos/**/*.mmp*', recursive=True), key=os.path.basename):
    data = open(f, 'rb').read()
    xml = zlib.decompress(data[4:]).decode('utf-8', 'replace') if f.endswith('.mmpz') else data.decode('utf-8', 'replace')
    head = re.search(r'<head[^>]*>', xml).group(0)
    attr = dict(re.findall(r'(\w+)="([^"]*)"', head))
    num, den, bpm = int(attr['timesig_numerator']), int(attr['timesig_denominator']), float(attr['bpm'])
    if (num, den) not in ((4, 4), (3, 4)):
        continue
    songs.append((os.path.basename(f).split('.')[0], xml, num, bpm))
# Only the first 120 s is kept, so the song is rendered only that far (lmms has no range to render):
# a copy of the project without the song's parts that start after 122 s, and those that run past it
# cut there. What plays before 120 s is the same.
def trimmed(project_xml, bpm):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(project_xml)
    cutoff = 122.0 * bpm / 60.0 * 48  # ticks: 48 a quarter note
    for track in root.findall('./song/trackcontainer/track'):
        for part in list(track):
            if 'pos' not in part.attrib:
                continue
            pos = float(part.get('pos'))
            if pos >= cutoff:
                track.remove(part)
            elif 'len' in part.attrib and pos + float(part.get('len')) > cutoff:
                part.set('len', str(int(cutoff - pos)))
    return '<?xml version="1.0"?>\n<!DOCTYPE lmms-project>\n' + ET.tostring(root, encoding='unicode')
with open(os.path.join(out, 'jobs.txt'), 'w') as jobs, open(os.path.join(out, 'manifest.tsv'), 'w') as man:
    for i, (name, project_xml, num, bpm) in enumerate(songs):
        split = 'tune' if i % 2 == 0 else 'seen'  # 'seen': the first held-out half, looked at since
        beats = [k * 60.0 / bpm for k in range(100000) if k * 60.0 / bpm < 119.0]
        with open(os.path.join(out, name + '.beats.txt'), 'w') as b:
            b.writelines('%.6f\n' % t for t in beats)
        with open(os.path.join(out, name + '.downbeats.txt'), 'w') as b:
            b.writelines('%.6f\n' % t for t in beats[::num])
        man.write(f'{name}\t{split}\tlmms\t{num}\t{bpm:g}\n')
        project = os.path.join(out, name + '.mmp')
        with open(project, 'w', encoding='utf-8') as p:
            p.write(trimmed(project_xml, bpm))
        jobs.write(f'{name}\t{project}\n')
PY
render() {
  local name=$1 path=$2 dir=$3 attempt
  # lmms's renderer now and then crashes (a segfault in its ProjectRenderer thread) on a project it
  # renders fine the next time: three tries before giving up.
  for attempt in 1 2 3; do
    QT_QPA_PLATFORM=offscreen timeout 600 lmms --allowroot -r "$path" -o "$dir/$name.full.wav" -f wav >"$dir/$name.log" 2>&1 && break
    echo "real-music: lmms failed on $path (try $attempt of 3; log: $dir/$name.log)" >&2
    [[ $attempt == 3 ]] && return 1
  done
  ffmpeg -nostdin -v error -y -i "$dir/$name.full.wav" -t 120 -ac 1 -ar 44100 -c:a pcm_s16le "$dir/$name.wav"
  rm -f "$dir/$name.full.wav" "$dir/$name.log" "$path"
  echo "real-music: rendered $name"
}
export -f render
tr '\t' '\n' < "$out/lmms/jobs.txt" | xargs -d '\n' -n 2 -P "$(nproc)" bash -c 'render "$0" "$1" '"'$out/lmms'"
rm -f "$out/lmms/jobs.txt"
# Hydrogen's demo songs: all held out (added after the tuning and the scores). Every pattern of
# them is a 4/4 bar (192 ticks) and none has a tempo change; h2cli's export starts on the song's
# first tick. A song shorter than 40 s is played again from its end (the next play's first bar
# falls where the last bar ends; what still rings from the last play sounds over it), as a loop in
# the song's own sequencer would play it, so that every track is 30-120 s long.
for song in /usr/share/hydrogen/data/demo_songs/*.h2song; do
  name=$(basename "${song%.*}")
  timeout 300 h2cli -d alsa -s "$song" -o "$out/hydrogen/$name.full.wav" >"$out/hydrogen/$name.log" 2>&1 \
    && [ -s "$out/hydrogen/$name.full.wav" ] \
    || { echo "real-music: h2cli failed on $song (log: $out/hydrogen/$name.log)" >&2; exit 1; }
  rm -f "$out/hydrogen/$name.log"
done
python3 - "$out/hydrogen" <<'PY'
import array, glob, math, os, re, sys, wave
out = sys.argv[1]
with open(os.path.join(out, 'manifest.tsv'), 'w') as man:
    for song in sorted(glob.glob('/usr/share/hydrogen/data/demo_songs/*.h2song')):
        name = os.path.basename(song)[:-len('.h2song')]
        xml = open(song, encoding='utf-8').read()
        bpm = float(re.search(r'<bpm>([^<]*)</bpm>', xml).group(1))
        sizes = {int(v) for v in re.findall(r'<size>([^<]*)</size>', xml)}
        if sizes != {192} or '<timelineBPM' in xml:
            sys.exit(f'real-music: {name}: not a song of 4/4 bars at one tempo (pattern sizes {sorted(sizes)})')
        seq = re.search(r'<patternSequence>(.*?)</patternSequence>', xml, re.S).group(1)
        bars = len(re.findall(r'<group>', seq))
        song_s = bars * 4 * 60.0 / bpm
        with wave.open(os.path.join(out, name + '.full.wav')) as w:
            rate, ch = w.getframerate(), w.getnchannels()
            raw = array.array('h', w.readframes(w.getnframes()))
        mono = [(raw[i] + raw[i + ch - 1]) / 2.0 for i in range(0, len(raw), ch)]
        plays = max(1, math.ceil(40.0 / song_s))
        step = round(song_s * rate)
        total = min(step * (plays - 1) + len(mono), 120 * rate)
        mix = [0.0] * total
        for k in range(plays):
            for i, v in enumerate(mono[: max(0, total - k * step)]):
                mix[k * step + i] += v
        peak = max(abs(v) for v in mix) or 1.0
        gain = min(1.0, 30000.0 / peak)
        with wave.open(os.path.join(out, name + '.wav'), 'w') as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(array.array('h', (int(round(v * gain)) for v in mix)).tobytes())
        os.remove(os.path.join(out, name + '.full.wav'))
        beats = [k * 60.0 / bpm for k in range(100000) if k * 60.0 / bpm < min(plays * song_s, 119.0)]
        with open(os.path.join(out, name + '.beats.txt'), 'w') as b:
            b.writelines('%.6f\n' % t for t in beats)
        with open(os.path.join(out, name + '.downbeats.txt'), 'w') as b:
            b.writelines('%.6f\n' % t for t in beats[::4])
        # GM_kit_Jazzy was looked at after the first scan of these songs (tracked on the swung
        # off-beat, F 0.000) and the swung off-beat rule came of it: tuning material since.
        split = 'seen' if name == 'GM_kit_Jazzy' else 'held'
        man.write(f'{name}\t{split}\tdrums\t4\t{bpm:g}\n')
        print(f'real-music: rendered {name} ({bars} bars at {bpm:g} BPM, played {plays}x)')
PY
# The grid ends where the song does: the last beat at least a second before the last audible
# moment (a song shorter than 120 s, or its fade, has no beat to find after it).
python3 - "$out/lmms" "$out/hydrogen" <<'PY'
import array, os, sys, wave
for out in sys.argv[1:]:
  for line in open(os.path.join(out, 'manifest.tsv')):
    name = line.split('\t')[0]
    with wave.open(os.path.join(out, name + '.wav')) as w:
        x = array.array('h', w.readframes(w.getnframes()))
        rate = w.getframerate()
    peak = max(max(x), -min(x)) or 1
    # The last sample above 5% of the peak, looked for from the end (a song is loud until near it).
    last = next(i for i in range(len(x) - 1, -1, -1) if abs(x[i]) > 0.05 * peak) / rate
    for kind in ('beats', 'downbeats'):
        path = os.path.join(out, f'{name}.{kind}.txt')
        keep = [t for t in open(path) if float(t) <= last - 1.0]
        open(path, 'w').writelines(keep)
PY
touch "$out/complete-v$version"
echo "real-music: set built in $out"
