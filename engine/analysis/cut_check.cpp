#include "analysis/cut_check.h"

#include <algorithm>
#include <cmath>

namespace reelsync::analysis {

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
        r.off_beat = std::fabs(r.offset_ms) > tol;
        out.push_back(r);
    }
    return out;
}

}  // namespace reelsync::analysis
