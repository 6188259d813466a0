#pragma once
// The beat grid as the director corrects it, and what is drawn and snapped to it.
//
// The tracker's grid (beat_tracker.h) can be corrected by hand: a tapped tempo replaces the tracked
// one, a nudge shifts the phase, and a chosen beat becomes the first downbeat (beat 1 of a bar).
// The correction is small, kept beside the tracked grid, and applied on reading.
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "analysis/beat_tracker.h"

namespace reelsync::analysis {

struct GridCorrection {
    double offset = 0;                     // seconds added to every beat (the phase nudge)
    double tapped_bpm = 0;                 // > 0: a tapped tempo replaces the tracked grid ...
    double tapped_anchor = 0;              // ... a regular grid through this beat time (seconds)
    std::optional<double> first_downbeat;  // the beat nearest this time is beat 1 of a bar
    std::optional<int> reading;            // the tracker's tempo reading of this index is the grid (unset: as tracked)
    bool offbeat = false;                  // every beat moved halfway to the next: the grid was on the off-beat
    bool empty() const { return offset == 0 && tapped_bpm <= 0 && !first_downbeat && !reading && !offbeat; }
};
nlohmann::json to_json(const GridCorrection& c);
GridCorrection grid_correction_from_json(const nlohmann::json& j);  // missing fields: no correction

// The tracked grid with the correction applied: the chosen tempo reading (when one is chosen: its
// beats, bars and downbeats, and the grid counts as steady - the director heard the beat), the
// tapped tempo, the move onto the off-beats (each beat halfway to the next, the last by half the
// gap before it, so a drifting tempo stays followed), the nudge, and the downbeats (every
// `beats_per_bar`th beat from the first downbeat, when one is known).
BeatTrack corrected(const BeatTrack& tracked, const GridCorrection& c);

// Tap tempo: taps (seconds on the song's clock) in a run; a gap of more than two seconds starts a
// new run. From four taps on, the tempo and a beat time (least-squares line through the taps).
class TapTempo {
public:
    void tap(double t);
    size_t taps() const { return taps_.size(); }
    std::optional<std::pair<double, double>> estimate() const;  // (bpm, anchor beat time)
    void reset() { taps_.clear(); }

private:
    std::vector<double> taps_;
};

// The beat nearest `t` (t itself when there are no beats).
double nearest_beat(double t, const std::vector<double>& beats);

// The song's waveform for the timeline: the peak |sample| of each of `buckets` equal spans.
std::vector<float> waveform_peaks(const std::vector<float>& mono, size_t buckets);

}  // namespace reelsync::analysis
