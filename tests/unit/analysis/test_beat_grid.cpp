// The corrected beat grid: nudge, tapped tempo, first downbeat; tap tempo itself; snapping; the
// timeline's waveform.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

#include "analysis/beat_grid.h"

using namespace reelsync::analysis;

namespace {
// A tracked grid: 120 BPM from 0.25 s for 10 s, bars starting on the third beat (0.25 + 1.0).
BeatTrack tracked_120() {
    BeatTrack t;
    t.tempo_bpm = 120;
    t.duration = 10.0;
    for (double b = 0.25; b < 10.0; b += 0.5) t.beats.push_back(b);
    for (size_t k = 2; k < t.beats.size(); k += 4) t.downbeats.push_back(t.beats[k]);
    return t;
}
}  // namespace

TEST(BeatGrid, NudgeShiftsEveryBeatAndDownbeat) {
    GridCorrection c;
    c.offset = 0.012;
    BeatTrack g = corrected(tracked_120(), c);
    ASSERT_EQ(g.beats.size(), tracked_120().beats.size());
    EXPECT_NEAR(g.beats[0], 0.262, 1e-12);
    EXPECT_NEAR(g.beats[5], 2.762, 1e-12);
    ASSERT_FALSE(g.downbeats.empty());
    EXPECT_NEAR(g.downbeats[0], 1.262, 1e-12);
    EXPECT_NEAR(g.downbeats[1], 3.262, 1e-12);
    // Nudged before zero: beats before the song's start are dropped.
    c.offset = -0.3;
    EXPECT_NEAR(corrected(tracked_120(), c).beats[0], 0.45, 1e-12);
}

TEST(BeatGrid, TappedTempoReplacesTheGridAndKeepsTheBars) {
    GridCorrection c;
    c.tapped_bpm = 100;       // 0.6 s
    c.tapped_anchor = 2.05;   // a beat here
    c.first_downbeat = 3.25;  // the beat nearest 3.25 (3.25) opens a bar
    BeatTrack g = corrected(tracked_120(), c);
    EXPECT_DOUBLE_EQ(g.tempo_bpm, 100);
    ASSERT_GE(g.beats.size(), 16u);
    EXPECT_NEAR(g.beats[0], 0.25, 1e-9);  // 2.05 - 3 * 0.6
    for (size_t k = 1; k < g.beats.size(); ++k) EXPECT_NEAR(g.beats[k] - g.beats[k - 1], 0.6, 1e-9);
    EXPECT_LE(g.beats.back(), 10.0 + 1e-9);
    ASSERT_GE(g.downbeats.size(), 3u);
    EXPECT_NEAR(g.downbeats[0], 0.85, 1e-9);  // 3.25 is beat index 5; bars every 4 beats from index 1
    EXPECT_NEAR(g.downbeats[1], 3.25, 1e-9);
    EXPECT_NEAR(g.downbeats[2], 5.65, 1e-9);
    // Stored and read back as JSON.
    GridCorrection back = grid_correction_from_json(to_json(c));
    EXPECT_EQ(back.tapped_bpm, 100);
    EXPECT_EQ(back.tapped_anchor, 2.05);
    EXPECT_EQ(back.first_downbeat, 3.25);
    EXPECT_TRUE(grid_correction_from_json(nlohmann::json::parse("{}")).empty());
}

// A grid tracked on the off-beat (Shift+A in the edit): every beat moves halfway to the next, the
// last by half the gap before it, the downbeats with their beats; a beat past the song's end goes.
// Where the tempo drifts, each beat moves by half its own gap. Stored and read back as JSON.
TEST(BeatGrid, TheOffBeatMovesEveryBeatHalfwayToTheNext) {
    GridCorrection c;
    c.offbeat = true;
    const GridCorrection back = grid_correction_from_json(to_json(c));
    EXPECT_TRUE(back.offbeat);
    EXPECT_FALSE(back.empty());
    BeatTrack g = corrected(tracked_120(), back);
    ASSERT_EQ(g.beats.size(), tracked_120().beats.size());  // the last, 9.75 + 0.25, is the song's end
    for (size_t k = 0; k < g.beats.size(); ++k) EXPECT_NEAR(g.beats[k], 0.5 + 0.5 * static_cast<double>(k), 1e-12);
    ASSERT_GE(g.downbeats.size(), 2u);
    EXPECT_NEAR(g.downbeats[0], 1.5, 1e-12);  // the tracked bars opened on 1.25
    EXPECT_NEAR(g.downbeats[1], 3.5, 1e-12);
    // With a nudge: both.
    c.offset = -0.01;
    EXPECT_NEAR(corrected(tracked_120(), c).beats[3], 1.99, 1e-12);
    // A drifting tempo: gaps 0.5, 0.6, 0.7.
    BeatTrack d;
    d.tempo_bpm = 100;
    d.duration = 3;
    d.beats = {0.0, 0.5, 1.1, 1.8};
    c.offset = 0;
    g = corrected(d, c);
    ASSERT_EQ(g.beats.size(), 4u);
    EXPECT_NEAR(g.beats[0], 0.25, 1e-12);
    EXPECT_NEAR(g.beats[1], 0.8, 1e-12);
    EXPECT_NEAR(g.beats[2], 1.45, 1e-12);
    EXPECT_NEAR(g.beats[3], 2.15, 1e-12);
    // Past the end: the song is 2 s long, its last beat moved to 2.15 goes.
    d.duration = 2;
    EXPECT_EQ(corrected(d, c).beats.size(), 3u);
    // On a tapped tempo: half the tapped beat later.
    c.tapped_bpm = 100;
    c.tapped_anchor = 0.25;
    g = corrected(tracked_120(), c);
    ASSERT_GE(g.beats.size(), 2u);
    EXPECT_NEAR(g.beats[0], 0.55, 1e-9);
    EXPECT_NEAR(g.beats[1] - g.beats[0], 0.6, 1e-9);
}

TEST(BeatGrid, TapTempoFromJitteredTaps) {
    // Taps on a 128 BPM grid through 1.0 s, each off by up to +-15 ms.
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> jitter(-0.015, 0.015);
    TapTempo tap;
    const double period = 60.0 / 128;
    for (int k = 0; k < 3; ++k) tap.tap(1.0 + k * period + jitter(rng));
    EXPECT_FALSE(tap.estimate());  // three taps are not enough
    for (int k = 3; k < 12; ++k) tap.tap(1.0 + k * period + jitter(rng));
    auto e = tap.estimate();
    ASSERT_TRUE(e);
    EXPECT_NEAR(e->first, 128.0, 1.0);
    // The anchor is a beat of the grid: within 10 ms of one.
    const double phase = std::fmod(e->second - 1.0 + 100 * period, period);
    EXPECT_LT(std::min(phase, period - phase), 0.010);
    // A pause of more than two seconds starts again.
    tap.tap(1.0 + 11 * period + 2.5);
    EXPECT_EQ(tap.taps(), 1u);
}

TEST(BeatGrid, NearestBeatSnaps) {
    const std::vector<double> beats = {0.5, 1.0, 1.5, 2.0};
    EXPECT_DOUBLE_EQ(nearest_beat(1.2, beats), 1.0);
    EXPECT_DOUBLE_EQ(nearest_beat(1.3, beats), 1.5);
    EXPECT_DOUBLE_EQ(nearest_beat(0.1, beats), 0.5);
    EXPECT_DOUBLE_EQ(nearest_beat(9.0, beats), 2.0);
    EXPECT_DOUBLE_EQ(nearest_beat(3.0, {}), 3.0);
}

TEST(BeatGrid, WaveformPeaksFollowTheSignal) {
    // 1 s of a 0.5 sine, 1 s of silence, 1 s of a 0.25 sine, at 1 kHz sampling: 6 buckets.
    std::vector<float> x(3000, 0.0f);
    for (int i = 0; i < 1000; ++i) x[static_cast<size_t>(i)] = 0.5f * static_cast<float>(std::sin(2 * M_PI * 50 * i / 1000.0));
    for (int i = 2000; i < 3000; ++i) x[static_cast<size_t>(i)] = 0.25f * static_cast<float>(std::sin(2 * M_PI * 50 * i / 1000.0));
    auto p = waveform_peaks(x, 6);
    ASSERT_EQ(p.size(), 6u);
    EXPECT_NEAR(p[0], 0.5f, 0.01f);
    EXPECT_NEAR(p[1], 0.5f, 0.01f);
    EXPECT_EQ(p[2], 0.0f);
    EXPECT_EQ(p[3], 0.0f);
    EXPECT_NEAR(p[4], 0.25f, 0.01f);
    EXPECT_NEAR(p[5], 0.25f, 0.01f);
}

// The tracker's other tempo readings: choosing one (the edit view's A) makes its beats, bars and
// downbeats the grid; the choice survives the project's JSON and combines with a nudge.
TEST(BeatGrid, AnAlternativeTempoReadingBecomesTheGrid) {
    BeatTrack t;
    t.tempo_bpm = 60;
    t.duration = 10;
    t.steady = false;  // not sure of the first reading
    for (int k = 0; k < 10; ++k) t.beats.push_back(k * 1.0);
    TempoReading first{60, 0.6, t.beats, 4, {}}, second{120, 0.4, {}, 3, {}};
    for (int k = 0; k < 20; ++k) second.beats.push_back(k * 0.5);
    for (int k = 0; k < 20; k += 3) second.downbeats.push_back(k * 0.5);
    t.alternatives = {first, second};
    GridCorrection c;
    c.reading = 1;
    c.offset = 0.01;
    const auto back = grid_correction_from_json(to_json(c));
    EXPECT_EQ(back.reading, 1);
    const auto g = corrected(t, back);
    EXPECT_DOUBLE_EQ(g.tempo_bpm, 120);
    ASSERT_EQ(g.beats.size(), 20u);
    EXPECT_NEAR(g.beats[3], 1.51, 1e-12);
    EXPECT_EQ(g.beats_per_bar, 3);
    EXPECT_TRUE(g.steady);
    ASSERT_FALSE(g.downbeats.empty());
    EXPECT_NEAR(g.downbeats[1], 1.51, 1e-12);  // every third beat from the reading's first downbeat
    // An index the track does not have leaves the tracked grid.
    c.reading = 5;
    EXPECT_DOUBLE_EQ(corrected(t, c).tempo_bpm, 60);
    // With no steady beat the tracked grid is empty; choosing the likeliest reading gives it.
    t.beats.clear();
    c = {};
    c.reading = 0;
    const auto g0 = corrected(t, grid_correction_from_json(to_json(c)));
    EXPECT_TRUE(g0.steady);
    EXPECT_EQ(g0.beats.size(), 10u);
    EXPECT_DOUBLE_EQ(g0.tempo_bpm, 60);
}
