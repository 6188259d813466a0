// `reelsync beats`: the tempo and beats of a music track, and the standard beat-tracking scores
// against a reference (for its own beats, or with --estimate for a given list).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "analysis/beat_scores.h"
#include "analysis/beat_tracker.h"
#include "app/app.h"

namespace reelsync::app {

int run_beats(const std::string& track, const std::string& reference, const std::string& estimate, bool json) {
    if (track.empty() == estimate.empty()) {
        print_error("beats: give a TRACK to track, or --estimate FILE (with --reference FILE) to score a list");
        return 2;
    }
    if (!estimate.empty() && reference.empty()) {
        print_error("beats: --estimate needs --reference");
        return 2;
    }
    std::vector<double> est;
    nlohmann::ordered_json out;
    if (!track.empty()) {
        auto t = analysis::track_beats_file(track);
        if (!t) {
            print_error(t.error().message);
            return 1;
        }
        est = t->beats;
        out["file"] = track;
        out["tempo_bpm"] = t->tempo_bpm;
        out["beats"] = est;
        if (!json) {
            std::printf("%s: %.2f BPM, %zu beats in %.1f s\n", track.c_str(), t->tempo_bpm, est.size(), t->duration);
            for (double b : est) std::printf("%.4f\n", b);
        }
    } else {
        auto e = analysis::load_beats(estimate);
        if (!e) {
            print_error(e.error().message);
            return 1;
        }
        est = *e;
    }
    if (!reference.empty()) {
        auto ref = analysis::load_beats(reference);
        if (!ref) {
            print_error(ref.error().message);
            return 1;
        }
        const analysis::BeatScores s = analysis::evaluate_beats(*ref, est);
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
        nlohmann::ordered_json scores;
        for (const auto& [name, v] : rows) scores[name] = v;
        if (track.empty()) out = scores;  // exactly mir_eval's dictionary
        else out["scores"] = scores;
        if (!json) {
            std::printf("%zu reference beats, %zu estimated (scored from 5 s on)\n", ref->size(), est.size());
            for (const auto& [name, v] : rows) std::printf("%-32s %.6f\n", name, v);
        }
    }
    if (json) std::printf("%s\n", out.dump().c_str());
    return 0;
}

}  // namespace reelsync::app
