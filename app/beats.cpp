// `reelsync beats --reference R --estimate E`: the standard beat-tracking scores.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "analysis/beat_scores.h"
#include "app/app.h"

namespace reelsync::app {

int run_beats(const std::string& reference, const std::string& estimate, bool json) {
    auto ref = analysis::load_beats(reference);
    if (!ref) {
        print_error(ref.error().message);
        return 1;
    }
    auto est = analysis::load_beats(estimate);
    if (!est) {
        print_error(est.error().message);
        return 1;
    }
    const analysis::BeatScores s = analysis::evaluate_beats(*ref, *est);
    const std::pair<const char*, double> rows[] = {
        {"F-measure", s.f_measure},
        {"Cemgil", s.cemgil},
        {"Cemgil Best Metric Level", s.cemgil_best},
        {"Goto", s.goto_score},
        {"P-score", s.p_score},
        {"Correct Metric Level Continuous", s.cmlc},
        {"Correct Metric Level Total", s.cmlt},
        {"Any Metric Level Continuous", s.amlc},
        {"Any Metric Level Total", s.amlt},
        {"Information gain", s.information_gain},
    };
    if (json) {
        nlohmann::ordered_json j;
        for (const auto& [name, v] : rows) j[name] = v;
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("%zu reference beats, %zu estimated (scored from 5 s on)\n", ref->size(), est->size());
    for (const auto& [name, v] : rows) std::printf("%-32s %.6f\n", name, v);
    return 0;
}

}  // namespace reelsync::app
