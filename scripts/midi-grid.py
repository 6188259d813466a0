#!/usr/bin/env python3
"""The beat grid of MIDI files: beats and downbeats from the file's own tempo map and time
signatures. Usage: midi-grid.py DIR [SPLIT [SECONDS]]  (every DIR/NAME.mid gives NAME.beats.txt,
NAME.downbeats.txt and a line of DIR/manifest.tsv: name, split (default "held"), class "score",
beats per bar, first tempo; with SECONDS, the grid stops there, where the audio is cut).

A file NAME.barline beside the MIDI file holds the tick of the first bar line, where the file's own
time signature does not say it (a tune with a pickup, written by abc2midi: abc-tunes.py); the beats
are extended back from it over the pickup.

The beat is the signature's counting unit: the denominator's note value, or a dotted quarter in
6/8, 9/8 and 12/8 (2/2 counts half notes). A signature change starts a bar. The grid runs from the
first bar to the last note-on."""
import glob
import math
import os
import struct
import sys


def varlen(d, p):
    v = 0
    while True:
        b = d[p]
        p += 1
        v = (v << 7) | (b & 0x7F)
        if b < 0x80:
            return v, p


def events(path):
    """(division, [(tick, kind, value)]) of a MIDI file, every track: kind 'meta' with (type, data),
    'on' or 'off' with the key (a note-on at velocity 0 is an 'off')."""
    d = open(path, 'rb').read()
    if d[:4] != b'MThd':
        raise SystemExit(f'{path}: not a MIDI file')
    _, ntracks, division = struct.unpack('>HHH', d[8:14])
    if division & 0x8000:
        raise SystemExit(f'{path}: SMPTE time division is not supported')
    pos, out = 14, []
    for _ in range(ntracks):
        if d[pos:pos + 4] != b'MTrk':
            raise SystemExit(f'{path}: bad track chunk')
        end = pos + 8 + struct.unpack('>I', d[pos + 4:pos + 8])[0]
        p, tick, status = pos + 8, 0, 0
        while p < end:
            delta, p = varlen(d, p)
            tick += delta
            if d[p] == 0xFF:
                kind = d[p + 1]
                length, p = varlen(d, p + 2)
                out.append((tick, 'meta', (kind, d[p:p + length])))
                p += length
            elif d[p] in (0xF0, 0xF7):
                length, p = varlen(d, p + 1)
                p += length
            else:
                if d[p] & 0x80:
                    status = d[p]
                    p += 1
                high = status & 0xF0
                if high == 0x90 and d[p + 1] > 0:
                    out.append((tick, 'on', d[p]))
                elif high == 0x80 or high == 0x90:
                    out.append((tick, 'off', d[p]))
                p += 1 if high in (0xC0, 0xD0) else 2
        pos = end
    return division, out


def parse(path):
    division, evs = events(path)
    tempos = [(t, int.from_bytes(v[1], 'big')) for t, k, v in evs if k == 'meta' and v[0] == 0x51]
    sigs = [(t, v[1][0], 2 ** v[1][1]) for t, k, v in evs if k == 'meta' and v[0] == 0x58]
    last_on = max([t for t, k, _ in evs if k == 'on'], default=0)
    # Sorted by tick only: of two tempos at one tick, the later in the file holds.
    return division, sorted(tempos, key=lambda t: t[0]) or [(0, 500000)], sorted(sigs) or [(0, 4, 4)], last_on


def seconds(tick, division, tempos):
    t, prev_tick, us = 0.0, 0, 500000
    for at, value in tempos:
        if at >= tick:
            break
        t += (at - prev_tick) * us / division / 1e6
        prev_tick, us = at, value
    return t + (tick - prev_tick) * us / division / 1e6


def unit(num, den, division):
    """(ticks a beat, beats a bar)"""
    if den == 8 and num % 3 == 0 and num > 3:
        return division * 3 // 2, num // 3
    return division * 4 // den, num


def main():
    out = sys.argv[1]
    split = sys.argv[2] if len(sys.argv) > 2 else 'held'
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else float('inf')
    lines = []
    for mid in sorted(glob.glob(os.path.join(out, '*.mid'))):
        name = os.path.splitext(os.path.basename(mid))[0]
        division, tempos, sigs, last_on = parse(mid)
        # A first measure shorter than its own bar is a pickup: the next signature's grid is
        # extended back over it (its beats count, its bar line does not).
        barline = os.path.splitext(mid)[0] + '.barline'
        if os.path.exists(barline):
            bar = int(open(barline).read())
            sigs = [(bar, num, den) for at, num, den in sigs if at <= bar][-1:] + [s for s in sigs if s[0] > bar]
        elif len(sigs) > 1 and sigs[1][0] - sigs[0][0] < math.prod(unit(sigs[0][1], sigs[0][2], division)):
            sigs = sigs[1:]
        # The beats before the first bar line (a pickup), a beat apart back to the file's start.
        step, _ = unit(sigs[0][1], sigs[0][2], division)
        pickup = [seconds(t, division, tempos) for t in range(sigs[0][0] - step, -1, -step)][::-1]
        beats, downbeats = list(pickup), []
        counts = []
        for i, (start, num, den) in enumerate(sigs):
            stop = sigs[i + 1][0] if i + 1 < len(sigs) else last_on + 1
            step, per_bar = unit(num, den, division)
            k, tick = 0, start
            while tick < stop:
                beats.append(seconds(tick, division, tempos))
                if k % per_bar == 0:
                    downbeats.append(beats[-1])
                k += 1
                tick = start + k * step
            counts.append((k, i))
        downbeats = [b for b in downbeats if b <= limit]
        beats = [b for b in beats if b <= limit]
        with open(os.path.join(out, name + '.beats.txt'), 'w') as f:
            f.writelines('%.6f\n' % b for b in beats)
        with open(os.path.join(out, name + '.downbeats.txt'), 'w') as f:
            f.writelines('%.6f\n' % b for b in downbeats)
        main_sig = sigs[max(counts)[1]]  # the signature with the most beats names the tempo
        step, per_bar = unit(main_sig[1], main_sig[2], division)
        first_tempo = [us for at, us in tempos if at <= sigs[0][0]][-1:] or [tempos[0][1]]
        bpm = 60e6 / first_tempo[0] * division / step
        lines.append(f'{name}\t{split}\tscore\t{per_bar}\t{bpm:.2f}\n')
    with open(os.path.join(out, 'manifest.tsv'), 'w') as f:
        f.writelines(lines)


if __name__ == '__main__':
    main()
