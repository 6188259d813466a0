#include "analysis/cut_check.h"

#include <algorithm>
#include <cmath>

namespace reelsync::analysis {

CutTally tally(const std::vector<CutOffset>& cuts) {
    CutTally t;
    for (const CutOffset& c : cuts) ++(c.outside_music ? t.outside : c.off_beat ? t.off : t.on);
    return t;
}

const char* cut_remark(const CutOffset& c) {
    if (c.outside_music) return c.offset_ms > 0 ? "  after the music" : "  before the music";
    return c.off_beat ? "  OFF BEAT" : "";
}

std::vector<CutOffset> check_cuts(const std::vector<double>& beats, const std::vector<double>& cuts, Rational fps,
                                  std::optional<double> tolerance_ms) {
    std::vector<CutOffset> out;
    if (beats.empty()) return out;
    const double frame_ms = fps.valid() ? 1000.0 / fps.to_double() : 1000.0 / 30.0;
    const double tol = tolerance_ms.value_or(frame_ms / 2);
    for (double c : cuts) {
        auto it = std::lower_bound(beats.begin(), beats.end(), c);
        size_t k = static_cast<size_t>(it - beats.begin());
        if (k == beats.size() || (k > 0 && c - beats[k - 1] <= beats[k] - c)) --k;  // nearest; ties go to the earlier beat
        CutOffset r;
        r.cut = c;
        r.beat = beats[k];
        r.beat_index = static_cast<int64_t>(k);
        r.offset_ms = (c - beats[k]) * 1000.0;
        r.offset_frames = r.offset_ms / frame_ms;
        // A beat's spacing at that end of the grid (a grid of one beat has none: every cut is inside).
        const double spacing = beats.size() < 2 ? 0.0 : k == 0 ? beats[1] - beats[0] : beats[k] - beats[k - 1];
        r.outside_music = spacing > 0 && ((k == 0 && beats[0] - c > spacing) || (k + 1 == beats.size() && c - beats[k] > spacing));
        r.off_beat = !r.outside_music && std::fabs(r.offset_ms) > tol;
        out.push_back(r);
    }
    return out;
}

}  // namespace reelsync::analysis
