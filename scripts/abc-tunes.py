#!/usr/bin/env python3
"""Folk tunes from abcmidi's examples as scored music with a known grid. Usage:
abc-tunes.py OUTDIR NAME=FILE.abc[:X] ...

For each tune: abc2midi writes OUTDIR/NAME.mid (tune X of FILE, or the first), and OUTDIR/NAME.barline
holds the MIDI tick of the tune's first bar line. ABC tunes often open with a pickup (the notes before
the first bar line), which a MIDI file does not mark: its time signature starts at tick 0, a pickup's
length off the bars. The tick is found by abc2midi itself: the tune cut at its first bar line that
follows a note is converted on its own, and the end of its last note is where the first bar line
falls. A first bar that is complete gives a bar line one bar in, the same grid. midi-grid.py reads
the file and lays the grid from there (its beats extended back over the pickup)."""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The MIDI reader of midi-grid.py (beside this script); no bytecode cache is written into the tree.
sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location('midi_grid', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'midi-grid.py'))
midi_grid = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(midi_grid)


def note_ticks(path):
    """(first note-on tick, last note-off tick) over all tracks."""
    _, evs = midi_grid.events(path)
    ons = [t for t, k, _ in evs if k == 'on']
    return (min(ons) if ons else None), max([t for t, k, _ in evs if k == 'off'], default=0)


def tune_text(path, number):
    """The lines of tune X:number (or the first tune) of an ABC file."""
    lines, inside = [], False
    for line in open(path, encoding='latin-1').read().splitlines():
        m = re.match(r'\s*X:\s*(\d+)', line)
        if m:
            if inside:
                break
            inside = number is None or int(m.group(1)) == number
        elif inside and not line.strip():
            break
        if inside:
            lines.append(line)
    if not lines:
        raise SystemExit(f'{path}: no tune {number}')
    return lines


def up_to_first_bar(lines):
    """The tune up to (not including) its first bar line after a note, closed with a final bar."""
    out, body, seen_note = [], False, False
    for line in lines:
        if not body or re.match(r'\s*([A-Za-z]:|%)', line):
            out.append(line)
            body = body or re.match(r'\s*K:', line) is not None
            continue
        i, kept = 0, []
        while i < len(line):
            c = line[i]
            closing = {'"': '"', '!': '!', '{': '}', '[': ']'}.get(c)
            if closing and not (c == '[' and not re.match(r'\[[A-Za-z]:', line[i:])):
                j = line.find(closing, i + 1)
                j = len(line) - 1 if j < 0 else j
                kept.append(line[i:j + 1])
                i = j + 1
                continue
            if c == '|' and seen_note:
                out.append(''.join(kept) + ' |]')
                return out
            if c in 'ABCDEFGabcdefgz[':  # '[' here opens a chord of notes
                seen_note = True
            kept.append(c)
            i += 1
        out.append(''.join(kept))  # a whole line before the bar line: keep it and go on
    raise SystemExit('no bar line after a note')


def main():
    outdir = sys.argv[1]
    for arg in sys.argv[2:]:
        name, spec = arg.split('=', 1)
        path, _, number = spec.partition(':')
        lines = tune_text(path, int(number) if number else None)
        with tempfile.TemporaryDirectory() as tmp:
            whole, cut = os.path.join(tmp, 'whole.abc'), os.path.join(tmp, 'cut.abc')
            open(whole, 'w', encoding='latin-1').write('\n'.join(lines) + '\n')
            open(cut, 'w', encoding='latin-1').write('\n'.join(up_to_first_bar(lines)) + '\n')
            for src in (whole, cut):
                subprocess.run(['abc2midi', src, '-silent', '-o', src[:-4] + '.mid'], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            first_on, _ = note_ticks(os.path.join(tmp, 'whole.mid'))
            cut_on, bar_line = note_ticks(os.path.join(tmp, 'cut.mid'))
            if first_on is None or cut_on != first_on:
                raise SystemExit(f'{name}: the cut tune does not start where the whole one does')
            shutil.copy(os.path.join(tmp, 'whole.mid'), os.path.join(outdir, name + '.mid'))
        # abc2midi starts each note one tick after its place (first_on) and ends it on the next
        # place: the bar line sounds where the first bar's first note does.
        with open(os.path.join(outdir, name + '.barline'), 'w') as f:
            f.write(f'{bar_line + first_on}\n')


if __name__ == '__main__':
    main()
