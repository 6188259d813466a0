// Cut-on-beat: cuts placed at known offsets from known beats.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/beat_tracker.h"
#include "analysis/cut_check.h"
#include "support/music_gen.h"

using namespace reelsync;
using namespace reelsync::analysis;

TEST(CutCheck, ReportsEveryOffsetInMsAndFrames) {
    std::vector<double> beats;
    for (int i = 0; i < 64; ++i) beats.push_back(0.5 + i * 60.0 / 123.0);  // 123 BPM
    const std::vector<double> offsets_ms = {0.0, 12.5, -7.0, 20.9, -21.0, 41.7, -3.3, 250.0};
    std::vector<double> cuts;
    for (size_t i = 0; i < offsets_ms.size(); ++i) cuts.push_back(beats[4 * i + 3] + offsets_ms[i] / 1000.0);
    auto r = check_cuts(beats, cuts, {24000, 1001});
    ASSERT_EQ(r.size(), cuts.size());
    const double frame_ms = 1001.0 / 24.0;
    for (size_t i = 0; i < r.size(); ++i) {
        // 250 ms past a beat at 123 BPM is nearer the next beat (0.488 s apart): -237.8 ms from it.
        double want = offsets_ms[i] == 250.0 ? 250.0 - 60000.0 / 123.0 : offsets_ms[i];
        EXPECT_NEAR(r[i].offset_ms, want, 1e-6) << i;
        EXPECT_NEAR(r[i].offset_frames, want / frame_ms, 1e-6) << i;
        EXPECT_EQ(r[i].off_beat, std::fabs(want) > frame_ms / 2) << i;
    }
    EXPECT_EQ(r[7].beat_index, 4 * 7 + 4);
}

TEST(CutCheck, AgainstTrackedBeatsOfGeneratedMusicWithinOneMs) {
    // Cuts at known offsets from the true beats of generated music, checked against the beats
    // reelsync tracks: the reported offsets match within 1 ms.
    auto music = reelsync::testing::generate_music("beats_cutcheck_126.wav", {126});
    auto track = track_beats_file(music.path);
    ASSERT_TRUE(track) << track.error().message;
    const std::vector<double> offsets_ms = {0.0, 8.0, -15.0, 30.0, -4.0};
    std::vector<double> cuts;
    for (size_t i = 0; i < offsets_ms.size(); ++i) cuts.push_back(music.beats[10 + 6 * i] + offsets_ms[i] / 1000.0);
    auto r = check_cuts(track->beats, cuts, {30, 1});
    for (size_t i = 0; i < r.size(); ++i) EXPECT_NEAR(r[i].offset_ms, offsets_ms[i], 1.0) << i;
}

// The grid runs where the music plays: a cut more than a beat before its first beat or after its
// last has no beat to land on. It is reported as outside the music, neither on nor off the beat; a
// cut within a beat of either end is checked as any other.
TEST(CutCheck, CutsOutsideTheMusicAreNeitherOnNorOffTheBeat) {
    std::vector<double> beats;
    for (int i = 0; i < 40; ++i) beats.push_back(3.0 + i * 0.5);  // 120 BPM from 3.0 s to 22.5 s
    const std::vector<double> cuts = {1.0, 2.49, 2.6, 3.0, 10.01, 22.9, 23.01, 27.0};
    auto r = check_cuts(beats, cuts, {25, 1});
    ASSERT_EQ(r.size(), cuts.size());
    const bool outside[] = {true, true, false, false, false, false, true, true};
    const bool off[] = {false, false, true, false, false, true, false, false};
    const char* remark[] = {"  before the music", "  before the music", "  OFF BEAT", "", "", "  OFF BEAT", "  after the music", "  after the music"};
    for (size_t i = 0; i < r.size(); ++i) {
        EXPECT_EQ(r[i].outside_music, outside[i]) << cuts[i];
        EXPECT_EQ(r[i].off_beat, off[i]) << cuts[i];
        EXPECT_EQ(r[i].on_beat(), !outside[i] && !off[i]) << cuts[i];
        EXPECT_STREQ(cut_remark(r[i]), remark[i]) << cuts[i];
    }
    EXPECT_NEAR(r[6].offset_ms, 510.0, 1e-6);  // still measured from the last beat
    EXPECT_EQ(r[7].beat_index, 39);
    const CutTally n = tally(r);
    EXPECT_EQ(n.on, 2);
    EXPECT_EQ(n.off, 2);
    EXPECT_EQ(n.outside, 4);
    EXPECT_EQ(n.checked(), 4);
    // One beat: no spacing to tell the music's span by, every cut is checked.
    auto one = check_cuts({5.0}, {1.0, 9.0}, {25, 1});
    ASSERT_EQ(one.size(), 2u);
    EXPECT_FALSE(one[0].outside_music || one[1].outside_music);
    EXPECT_TRUE(one[0].off_beat && one[1].off_beat);
}

TEST(CutCheck, NoBeatsNoResults) { EXPECT_TRUE(check_cuts({}, {1.0, 2.0}, {25, 1}).empty()); }
