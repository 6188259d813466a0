// Beat tracking on the real-music set (scripts/real-music.sh): recorded drum kits and recorded
// instruments sequenced on a grid we wrote, the LMMS demo songs rendered from their projects,
// Hydrogen's demo songs rendered from theirs, MuseScore's demo scores played from their MIDI export,
// and folk tunes from abcmidi's examples played from theirs (tuning material). The tracker's constants were tuned on "tune" and "seen" (held-out tracks looked at once
// scored); the "held" tracks were added afterwards and never looked at while tuning: they are what
// the README reports. Outside CI a missing set is a skip; in CI a failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/beat_grid.h"
#include "analysis/beat_scores.h"
#include "analysis/beat_tracker.h"

using namespace reelsync;
namespace fs = std::filesystem;

namespace {

struct Entry {
    std::string name, split, cls;
    int beats_per_bar = 4;
    double bpm = 0;
    fs::path wav, beats, downbeats;
};

std::vector<Entry> load_set() {
    std::vector<Entry> out;
    const fs::path root = fs::path(REELSYNC_TEST_MEDIA_DIR).parent_path() / "real-music";
    for (const char* sub : {"generated", "lmms", "hydrogen", "scores", "tunes"}) {
        std::ifstream man(root / sub / "manifest.tsv");
        std::string line;
        while (std::getline(man, line)) {
            std::istringstream in(line);
            Entry e;
            std::string bpb, bpm;
            std::getline(in, e.name, '\t');
            std::getline(in, e.split, '\t');
            std::getline(in, e.cls, '\t');
            std::getline(in, bpb, '\t');
            std::getline(in, bpm, '\t');
            e.beats_per_bar = std::atoi(bpb.c_str());
            e.bpm = std::atof(bpm.c_str());
            e.wav = root / sub / (e.name + ".wav");
            e.beats = root / sub / (e.name + ".beats.txt");
            e.downbeats = root / sub / (e.name + ".downbeats.txt");
            out.push_back(e);
        }
    }
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// Floors under what this tracker measures (README, "Beat grid on real music"): held-out F median
// 0.990, 25 of 25 at the right tempo or with it among the alternatives, every held-out drum track
// F >= 0.9 (the target; the lowest 0.987, a Hydrogen demo song), 2 confident wrong grids;
// tuning material F median 0.994.
constexpr double kHeldFMedian = 0.95;
constexpr double kHeldOfferedShare = 0.9;  // right tempo, or the right tempo offered as an alternative
constexpr double kDrumTrackF = 0.9;
constexpr double kTuneFMedian = 0.95;
// The tuning material's confident wrong grids: a breakbeat on the off-beat, a half-time song and an
// LMMS reggae song at half their tempo, and the reel written at 200 BPM tracked at 100 (the folk
// tunes joined the tuning material with it). The held-out scores and generated tracks render the
// same every time, and their two (the piano at double tempo, Unclaimed_Gift) are floored exactly.
constexpr int kTuneConfidentWrong = 4;
constexpr int kHeldConfidentWrong = 2;
// lmms renders its songs a little differently every time (the set is rendered afresh on each
// machine): over four renders the LMMS songs' figures moved by one track (README); the floors
// leave one track of room. Measured: right level 46 of 52, downbeat F >= 0.8 on 26 of 39.
constexpr int kTuneRightLevel = 45;  // of 52 tracks with a beat (43 before the 9 folk tunes joined, 7 of them at the right level)
constexpr int kTuneBarsFound = 25;   // of 39 tracks with bars (30 before the folk tunes)
constexpr int kHeldBarsFound = 5;    // of 11
// Wrong grids (F < 0.8) that one correction in the edit view makes right (F >= 0.8): another of the
// tracker's readings (A) or the grid moved onto its off-beats (Shift+A). Measured: 6 of 7 on the
// tuning material (two drum and LMMS grids on the off-beat by Shift+A, four at half tempo by A),
// 2 of 4 held out (the piano and the brass score at double tempo, by A); one track of room for the
// LMMS renders.
constexpr int kTuneOneKey = 5;
constexpr int kHeldOneKey = 2;

struct SplitScores {
    int tracks = 0, with_beat = 0, right_level = 0, wrong_level_offered = 0, free_tracks = 0, free_said = 0;
    int confident_wrong = 0;  // grids with F < 0.8 not marked uncertain: the director is not warned
    int wrong = 0, one_key = 0;  // grids with F < 0.8; of them, right (F >= 0.8) after one key: A to a reading, or Shift+A
    int bars_found = 0;       // tracks with bars whose downbeat F is 0.8 or more
    std::vector<double> f, f_drums, f_down;
};

// Tracks every track of the given splits, prints a row each, and gathers the scores.
SplitScores score(const std::vector<Entry>& set, std::initializer_list<const char*> splits) {
    SplitScores s;
    for (const Entry& e : set) {
        if (std::none_of(splits.begin(), splits.end(), [&](const char* x) { return e.split == x; })) continue;
        ++s.tracks;
        auto t = analysis::track_beats_file(e.wav.string());
        EXPECT_TRUE(t) << e.name << ": " << t.error().message;
        if (!t) continue;
        if (e.cls == "free") {
            ++s.free_tracks;
            s.free_said += !t->steady && t->beats.empty();
            std::printf("%-40s %-5s free     steady %d confidence %.2f\n", e.name.c_str(), e.split.c_str(), t->steady, t->confidence);
            continue;
        }
        ++s.with_beat;
        auto ref = analysis::load_beats(e.beats.string());
        EXPECT_TRUE(ref) << e.name;
        if (!ref) continue;
        const double f = analysis::f_measure(analysis::trim_beats(*ref), analysis::trim_beats(t->beats));
        const bool level = std::fabs(t->tempo_bpm / e.bpm - 1) < 0.04;
        s.right_level += level;
        s.f.push_back(f);
        if (e.cls == "drums") s.f_drums.push_back(f);
        double fd = -1;
        if (e.cls != "drums") {  // drums alone tell bars only by fills and crashes: not asked
            auto dref = analysis::load_beats(e.downbeats.string());
            EXPECT_TRUE(dref) << e.name;
            if (dref) {
                fd = analysis::f_measure(analysis::trim_beats(*dref), analysis::trim_beats(t->downbeats));
                s.f_down.push_back(fd);
            }
        }
        bool offered = level;
        for (const auto& a : t->alternatives) offered |= std::fabs(a.tempo_bpm / e.bpm - 1) < 0.04;
        s.wrong_level_offered += !level && offered;
        s.confident_wrong += f < 0.8 && !t->uncertain();
        // What one key in the edit view makes of a wrong grid: another of the tracker's readings
        // (A, the best of them), or the grid moved onto its off-beats (Shift+A).
        std::string fix;
        if (f < 0.8) {
            ++s.wrong;
            double best_alt = 0, offbeat = 0;
            for (int k = 1; k < static_cast<int>(t->alternatives.size()); ++k) {
                analysis::GridCorrection c;
                c.reading = k;
                best_alt = std::max(best_alt, analysis::f_measure(analysis::trim_beats(*ref), analysis::trim_beats(analysis::corrected(*t, c).beats)));
            }
            analysis::GridCorrection c;
            c.offbeat = true;
            offbeat = analysis::f_measure(analysis::trim_beats(*ref), analysis::trim_beats(analysis::corrected(*t, c).beats));
            s.one_key += best_alt >= 0.8 || offbeat >= 0.8;
            char b[96];
            std::snprintf(b, sizeof b, "  (one key: another reading F %.3f, the off-beat F %.3f)", best_alt, offbeat);
            fix = b;
        }
        std::printf("%-40s %-5s %-8s %6.1f BPM (true %6.1f)  F %.3f  downbeat F %6.3f  confidence %.2f%s%s%s\n", e.name.c_str(),
                    e.split.c_str(), e.cls.c_str(), t->tempo_bpm, e.bpm, f, fd, t->confidence, t->uncertain() ? " uncertain" : "",
                    level ? "" : offered ? "  (right tempo among the alternatives)" : "  (right tempo not offered)", fix.c_str());
    }
    s.bars_found = static_cast<int>(std::count_if(s.f_down.begin(), s.f_down.end(), [](double f) { return f >= 0.8; }));
    std::printf("%d tracks (%d with a beat): F median %.3f, drum tracks median %.3f, right tempo level %d/%d (%d more offered as an "
                "alternative), downbeat F median %.3f (>= 0.8 on %d of %zu tracks with bars), no steady beat said for %d of %d rubato tracks, "
                "%d confident wrong grids (F < 0.8, not marked uncertain); %d of %d wrong grids right after one key (A or Shift+A)\n",
                s.tracks, s.with_beat, median(s.f), median(s.f_drums), s.right_level, s.with_beat, s.wrong_level_offered, median(s.f_down),
                s.bars_found, s.f_down.size(), s.free_said, s.free_tracks, s.confident_wrong, s.one_key, s.wrong);
    return s;
}

bool have_set(const std::vector<Entry>& set) { return !set.empty(); }

}  // namespace

// The held-out tracks: never looked at while tuning.
TEST(RealMusic, HeldOutTracks) {
    const auto set = load_set();
    if (!have_set(set)) {
        if (std::getenv("CI")) FAIL() << "the real-music set is missing: scripts/real-music.sh builds it";
        GTEST_SKIP() << "the real-music set is missing: run scripts/real-music.sh";
    }
    const SplitScores s = score(set, {"held"});
    ASSERT_GE(s.tracks, 26);
    // Floors at what this tracker measures on them (README, "Beat grid on real music"), so that a
    // regression shows; the issue's own targets are stricter and are not all met.
    EXPECT_GE(median(s.f), kHeldFMedian);
    EXPECT_GE(s.right_level + s.wrong_level_offered, s.with_beat * kHeldOfferedShare);
    ASSERT_FALSE(s.f_drums.empty());
    EXPECT_GE(*std::min_element(s.f_drums.begin(), s.f_drums.end()), kDrumTrackF);
    EXPECT_EQ(s.free_said, s.free_tracks);
    // Confident wrong grids: 2 (the piano piece at double tempo, Unclaimed_Gift three sixteenths
    // early; Reunion was a third until the grid ended with the music). The issue asks for none; a
    // floor, so that more shows. (Hydrogen's
    // GM_kit_Jazzy was a fourth at its first scan, tracked on the swung off-beat; the rule that
    // fixed it came from looking at it, so it is tuning material now.)
    EXPECT_LE(s.confident_wrong, kHeldConfidentWrong);
    // Downbeat F >= 0.8 on 5 of the 11 tracks with bars (the issue asks for all).
    EXPECT_GE(s.bars_found, kHeldBarsFound);
    EXPECT_GE(s.one_key, kHeldOneKey);
}

// The tuning material ("tune" and "seen").
TEST(RealMusic, TuningTracks) {
    const auto set = load_set();
    if (!have_set(set)) {
        if (std::getenv("CI")) FAIL() << "the real-music set is missing: scripts/real-music.sh builds it";
        GTEST_SKIP() << "the real-music set is missing: run scripts/real-music.sh";
    }
    const SplitScores s = score(set, {"tune", "seen"});
    ASSERT_GE(s.tracks, 54);
    EXPECT_GE(median(s.f), kTuneFMedian);
    // Grids that are wrong (F < 0.8) and not marked uncertain, which a director is not warned of:
    // 4 (an off-beat drum track, and a half-time song, a reggae song and a reel at half their tempo). A floor,
    // so that more shows.
    EXPECT_LE(s.confident_wrong, kTuneConfidentWrong);
    // The right tempo level on 38-39 of 42 LMMS and sequenced tracks (two LMMS songs followed at
    // 2/3 of their tempo came right with the triplet check) and on GM_kit_Jazzy, downbeat F >= 0.8
    // on 22-23 of 30 (6/8 read as bars of 2): floors.
    EXPECT_GE(s.right_level, kTuneRightLevel);
    EXPECT_GE(s.bars_found, kTuneBarsFound);
    EXPECT_EQ(s.free_said, s.free_tracks);
    EXPECT_GE(s.one_key, kTuneOneKey);
}
