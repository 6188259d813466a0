// Beat scores against mir_eval's own regression data (tests/data/mir_eval_beat, MIT licence):
// every score equal to mir_eval's within 1e-9.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/beat_scores.h"

using namespace reelsync::analysis;

namespace {

std::string data(const std::string& name) { return std::string(REELSYNC_SHARED_DATA_DIR) + "/mir_eval_beat/" + name; }

class MirEvalData : public ::testing::TestWithParam<int> {};

}  // namespace

TEST_P(MirEvalData, EveryScoreMatchesMirEval) {
    char ref_name[16], est_name[16], out_name[24];
    std::snprintf(ref_name, sizeof ref_name, "ref%02d.txt", GetParam());
    std::snprintf(est_name, sizeof est_name, "est%02d.txt", GetParam());
    std::snprintf(out_name, sizeof out_name, "output%02d.json", GetParam());
    auto ref = load_beats(data(ref_name));
    auto est = load_beats(data(est_name));
    ASSERT_TRUE(ref) << ref.error().message;
    ASSERT_TRUE(est) << est.error().message;
    ASSERT_GT(ref->size(), 100u);
    std::ifstream f(data(out_name));
    nlohmann::json want = nlohmann::json::parse(f);
    BeatScores s = evaluate_beats(*ref, *est);
    const double tol = 1e-9;
    EXPECT_NEAR(s.f_measure, want["F-measure"].get<double>(), tol);
    EXPECT_NEAR(s.cemgil, want["Cemgil"].get<double>(), tol);
    EXPECT_NEAR(s.cemgil_best, want["Cemgil Best Metric Level"].get<double>(), tol);
    EXPECT_NEAR(s.goto_score, want["Goto"].get<double>(), tol);
    EXPECT_NEAR(s.p_score, want["P-score"].get<double>(), tol);
    EXPECT_NEAR(s.cmlc, want["Correct Metric Level Continuous"].get<double>(), tol);
    EXPECT_NEAR(s.cmlt, want["Correct Metric Level Total"].get<double>(), tol);
    EXPECT_NEAR(s.amlc, want["Any Metric Level Continuous"].get<double>(), tol);
    EXPECT_NEAR(s.amlt, want["Any Metric Level Total"].get<double>(), tol);
    EXPECT_NEAR(s.information_gain, want["Information gain"].get<double>(), tol);
}

INSTANTIATE_TEST_SUITE_P(Pairs, MirEvalData, ::testing::Values(0, 1, 2, 3, 4));

TEST(BeatScores, PerfectEstimateScoresOne) {
    std::vector<double> beats;
    for (int i = 0; i < 200; ++i) beats.push_back(0.5 * i);
    BeatScores s = evaluate_beats(beats, beats);
    EXPECT_DOUBLE_EQ(s.f_measure, 1.0);
    EXPECT_DOUBLE_EQ(s.cemgil, 1.0);
    EXPECT_DOUBLE_EQ(s.goto_score, 1.0);
    EXPECT_DOUBLE_EQ(s.cmlc, 1.0);
    EXPECT_DOUBLE_EQ(s.amlt, 1.0);
    EXPECT_DOUBLE_EQ(s.p_score, 1.0);
}

TEST(BeatScores, OffBeatIsWrongAtTheCorrectLevelAndRightAtAnyLevel) {
    std::vector<double> ref, est;
    for (int i = 0; i < 200; ++i) {
        ref.push_back(0.5 * i);
        est.push_back(0.5 * i + 0.25);
    }
    BeatScores s = evaluate_beats(ref, est);
    EXPECT_DOUBLE_EQ(s.f_measure, 0.0);
    EXPECT_DOUBLE_EQ(s.cmlt, 0.0);
    EXPECT_NEAR(s.amlt, 1.0, 0.02);
}

TEST(BeatScores, EmptyOrSingleBeatListsScoreZero) {
    std::vector<double> ref = {5.0, 5.5, 6.0, 6.5};
    EXPECT_EQ(f_measure(ref, {}), 0.0);
    EXPECT_EQ(p_score(ref, {6.0}), 0.0);
    EXPECT_EQ(information_gain({6.0}, ref), 0.0);
    EXPECT_EQ(continuity(ref, {}), (std::vector<double>{0, 0, 0, 0}));
}

TEST(BeatScores, LoadRejectsGarbageNamingTheFileAndLine) {
    std::string path = ::testing::TempDir() + "bad_beats.txt";
    std::ofstream(path) << "# header\n1.0\n1.5\nbanana\n";
    auto r = load_beats(path);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(path), std::string::npos);
    EXPECT_NE(r.error().message.find("line 4"), std::string::npos);
}
