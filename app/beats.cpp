// `reelsync beats`: the tempo and beats of a music track, and the standard beat-tracking scores
// against a reference (for its own beats, or with --estimate for a given list).
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "analysis/beat_scores.h"
#include "analysis/beat_tracker.h"
#include "analysis/cut_check.h"
#include "app/app.h"

namespace reelsync::app {

int run_beats(const std::string& track, const std::string& reference, const std::string& estimate, bool json,
              const std::string& cuts_file, const std::string& fps_text) {
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
        out["steady"] = t->steady;
        out["confidence"] = t->confidence;
        out["uncertain"] = t->uncertain();
        out["beats_per_bar"] = t->beats_per_bar;
        out["beats"] = est;
        out["downbeats"] = t->downbeats;
        nlohmann::ordered_json alts = nlohmann::ordered_json::array();
        for (const auto& a : t->alternatives)
            alts.push_back({{"tempo_bpm", a.tempo_bpm}, {"weight", a.weight}, {"beats_per_bar", a.beats_per_bar}, {"beats", a.beats.size()},
                            {"downbeats", a.downbeats.size()}});
        out["alternatives"] = alts;
        if (!json) {
            if (!t->steady) {
                std::printf("%s: no steady beat found (confidence %.2f; likeliest tempo %.1f BPM) in %.1f s\n", track.c_str(), t->confidence,
                            t->tempo_bpm, t->duration);
            } else {
                std::printf("%s: %.2f BPM, %zu beats in %.1f s, confidence %.2f%s", track.c_str(), t->tempo_bpm, est.size(), t->duration,
                            t->confidence, t->uncertain() ? " (uncertain)" : "");
                if (t->downbeats.empty()) std::printf(", bars not found\n");
                else std::printf(", %zu bars of %d (first downbeat %.3f s)\n", t->downbeats.size(), t->beats_per_bar, t->downbeats.front());
            }
            if (t->alternatives.size() > 1) {
                std::printf("other tempi:");
                for (size_t i = 1; i < t->alternatives.size(); ++i)
                    std::printf(" %.1f BPM (%.0f%%)", t->alternatives[i].tempo_bpm, 100 * t->alternatives[i].weight);
                std::printf("\n");
            }
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
    if (!cuts_file.empty()) {
        auto cuts = analysis::load_beats(cuts_file);  // one time per line, ascending
        if (!cuts) {
            print_error(cuts.error().message);
            return 1;
        }
        Rational fps{30, 1};
        if (auto slash = fps_text.find('/'); slash != std::string::npos)
            fps = {std::atoll(fps_text.substr(0, slash).c_str()), std::atoll(fps_text.substr(slash + 1).c_str())};
        else
            fps = {std::llround(std::atof(fps_text.c_str()) * 1000), 1000};
        if (!fps.valid()) {
            print_error("beats: --fps must be a positive rate such as 24 or 24000/1001, not '" + fps_text + "'");
            return 2;
        }
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        const auto checked = analysis::check_cuts(est, *cuts, fps);
        for (const auto& c : checked) {
            list.push_back({{"cut", c.cut}, {"beat", c.beat}, {"beat_index", c.beat_index}, {"offset_ms", c.offset_ms},
                            {"offset_frames", c.offset_frames}, {"off_beat", c.off_beat}, {"outside_music", c.outside_music}});
            if (!json)
                std::printf("cut %9.3f s  beat %4lld at %9.3f s  %+8.1f ms  %+6.2f frames%s\n", c.cut, static_cast<long long>(c.beat_index),
                            c.beat, c.offset_ms, c.offset_frames, analysis::cut_remark(c));
        }
        out["cuts"] = list;
        if (!json) {
            const analysis::CutTally n = analysis::tally(checked);
            std::printf("%d of %d cuts off the beat (beyond half a frame)", n.off, n.checked());
            if (n.outside) std::printf("; %d outside the music (no beat to land on)", n.outside);
            std::printf("\n");
        }
    }
    if (json) std::printf("%s\n", out.dump().c_str());
    return 0;
}

}  // namespace reelsync::app
