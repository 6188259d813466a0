#pragma once
// Beat tracking of a music track: an onset-strength envelope (log spectral flux), a global tempo
// from its autocorrelation under a tempo prior, then beats placed by dynamic programming (Ellis,
// "Beat Tracking by Dynamic Programming", JNMR 2007): each beat lands on strong onsets while the
// spacing stays close to the tempo, which carries the grid through breaks and quiet passages and
// follows slow tempo drift. Pure computation, thread-safe.
#include <string>
#include <vector>

#include "core/error.h"

namespace reelsync::analysis {

inline constexpr int kTrackerRate = 22050;  // track_beats() takes mono audio at this rate

struct BeatTrackerOptions {
    double min_bpm = 60;       // tempo search range
    double max_bpm = 200;
    double prior_bpm = 120;    // centre of the log-normal tempo prior
    double prior_octaves = 1.0;
    double tightness = 100;    // how strongly beat spacing sticks to the tempo
};

struct BeatTrack {
    double tempo_bpm = 0;
    std::vector<double> beats;      // seconds
    double duration = 0;            // seconds of audio analysed
    int beats_per_bar = 4;
    std::vector<double> downbeats;  // beat 1 of every bar, where the bars can be told (else empty)
};

// Mono samples at `rate` Hz. Fails with a clear message for silence or audio too short to hold a beat.
Result<BeatTrack> track_beats(const std::vector<float>& mono, int rate, const BeatTrackerOptions& opts = {});
// Decodes the file's audio (any format FFmpeg reads) and tracks it. Errors name the file.
Result<BeatTrack> track_beats_file(const std::string& path, const BeatTrackerOptions& opts = {});

}  // namespace reelsync::analysis
