#pragma once
// Beat tracking of a music track, in four steps:
// 1. Onset envelopes: log spectral flux in three bands (low < 200 Hz: kick and bass; mid 200 Hz -
//    2 kHz: snare body, chords, piano; high: hats and cymbals).
// 2. Tempo: the autocorrelation of the rhythm envelope (low and mid weighted above the hats, which
//    subdivide the beat) through a comb of its first four multiples (Davies & Plumbley's comb
//    filterbank: a period whose multiples are also periodic is a metrical level, not a stray
//    interval), under a log-normal prior centred on 120 BPM. Its strongest peaks, and half and
//    twice the strongest, are the candidate readings.
// 3. Beats and metrical level: each candidate's beats placed by dynamic programming (Ellis, "Beat
//    Tracking by Dynamic Programming", JNMR 2007), tight enough to hold the phase through breaks
//    and syncopated passages while following slow drift, each beat snapped to its attack. The
//    reading that leads has the best tempo evidence, the strongest beat skeleton (kick, snare, bass,
//    chords) on its beats, and the weakest halfway between them; the others stay as alternatives.
// 4. Bars: the beat position in the bar where the harmony changes (chroma novelty) and the low end
//    is heaviest, for bars of 2 (6/8 counted in dotted quarters), 3 and 4 beats; none when no
//    position stands out.
// Whether the beat is steady is judged from the periodicity's strength and whether the tempo holds
// across the track (local tempo in overlapping windows): music with no steady beat gets no grid,
// not a confident wrong one. Pure computation, thread-safe.
#include <string>
#include <vector>

#include "core/error.h"

namespace reelsync::analysis {

inline constexpr int kTrackerRate = 22050;  // track_beats() takes mono audio at this rate

struct BeatTrackerOptions {
    double min_bpm = 40;       // tempo search range
    double max_bpm = 240;
    double prior_bpm = 120;    // centre of the log-normal tempo prior
    double prior_octaves = 0.7;
    double tightness = 1000;   // how strongly beat spacing sticks to the tempo (holds the phase through syncopated passages)
};

// The tracker's version: cached grids made by another version are tracked again.
inline constexpr int kBeatTrackerVersion = 3;

// One reading of the track's pulse: a tempo and the beats placed at it.
struct TempoReading {
    double tempo_bpm = 0;
    double weight = 0;              // share of the tempo evidence (the readings' weights sum to 1)
    std::vector<double> beats;      // seconds
    int beats_per_bar = 4;
    std::vector<double> downbeats;  // beat 1 of every bar, where the bars can be told (else empty)
};

struct BeatTrack {
    double tempo_bpm = 0;
    std::vector<double> beats;      // seconds; empty when no steady beat was found
    double duration = 0;            // seconds of audio analysed
    int beats_per_bar = 4;
    std::vector<double> downbeats;  // beat 1 of every bar, where the bars can be told (else empty)
    // How sure the tracker is of this grid, 0-1: below kUncertainBelow the grid is shown as
    // uncertain; a track with no steady beat has steady == false, confidence near 0 and no beats.
    double confidence = 0;
    bool steady = true;
    // The most likely tempi, best first: [0] is the grid above, the others (at most two) are
    // other metrical levels or readings (half, double, two-thirds ...) with their own beats.
    std::vector<TempoReading> alternatives;
    bool uncertain() const;
};
inline constexpr double kUncertainBelow = 0.5;
inline bool BeatTrack::uncertain() const { return !steady || confidence < kUncertainBelow; }

// Mono samples at `rate` Hz. Fails with a clear message for silence or audio too short to hold a beat.
Result<BeatTrack> track_beats(const std::vector<float>& mono, int rate, const BeatTrackerOptions& opts = {});
// Decodes the file's audio (any format FFmpeg reads) and tracks it. Errors name the file.
Result<BeatTrack> track_beats_file(const std::string& path, const BeatTrackerOptions& opts = {});

}  // namespace reelsync::analysis
