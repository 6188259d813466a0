#pragma once
// Cut-on-beat check: for every cut of an edit, how far it lands from the nearest beat, in
// milliseconds and in frames of the edit's frame rate, flagged beyond a tolerance (default half a
// frame). Pure computation, thread-safe.
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
    bool off_beat = false;   // |offset| beyond the tolerance
};

// beats ascending; tolerance_ms unset: half a frame at `fps`.
std::vector<CutOffset> check_cuts(const std::vector<double>& beats, const std::vector<double>& cuts, Rational fps,
                                  std::optional<double> tolerance_ms = std::nullopt);

}  // namespace reelsync::analysis
