#pragma once
// Cut-on-beat check: for every cut of an edit, how far it lands from the nearest beat, in
// milliseconds and in frames of the edit's frame rate, flagged beyond a tolerance (default half a
// frame). A cut more than a beat before the grid's first beat or after its last lies outside the
// music (the grid runs where the music plays): it has no beat to land on and is neither on nor off
// the beat. Pure computation, thread-safe.
#include <optional>
#include <vector>

#include "core/rational.h"

namespace reelsync::analysis {

struct CutOffset {
    double cut = 0;          // seconds on the song's timeline
    double beat = 0;         // the nearest beat
    int64_t beat_index = 0;
    double offset_ms = 0;    // cut - beat: positive when the cut comes after the beat
    double offset_frames = 0;
    bool off_beat = false;   // |offset| beyond the tolerance, inside the music
    bool outside_music = false;  // more than a beat (the grid's spacing there) before its first beat or after its last
    bool on_beat() const { return !off_beat && !outside_music; }
};

// How many cuts land on the beat, off it, and outside the music; checked(): on and off.
struct CutTally {
    int on = 0, off = 0, outside = 0;
    int checked() const { return on + off; }
};
CutTally tally(const std::vector<CutOffset>& cuts);

// "  OFF BEAT", "  after the music", "  before the music" or "": the remark a cut list prints.
const char* cut_remark(const CutOffset& c);

// beats ascending; tolerance_ms unset: half a frame at `fps`.
std::vector<CutOffset> check_cuts(const std::vector<double>& beats, const std::vector<double>& cuts, Rational fps,
                                  std::optional<double> tolerance_ms = std::nullopt);

}  // namespace reelsync::analysis
