// Beat tracking on the real-music set (scripts/real-music.sh): recorded drum kits and recorded
// instruments sequenced on a grid we wrote, and the LMMS demo songs rendered from their projects.
// The tracker's constants were tuned on the "tune" half; this test reports and asserts on the
// "held" half, which the tuning never saw. Outside CI a missing set is a skip; in CI a failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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
    for (const char* sub : {"generated", "lmms"}) {
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

}  // namespace

TEST(RealMusic, HeldOutTracksScoreAndNoBeatIsSaidSo) {
    const auto set = load_set();
    if (set.empty()) {
        if (std::getenv("CI")) FAIL() << "the real-music set is missing: scripts/real-music.sh builds it";
        GTEST_SKIP() << "the real-music set is missing: run scripts/real-music.sh";
    }
    std::vector<double> f_all, f_drums, f_lmms, f_down;
    int held = 0, right_level = 0, free_tracks = 0, free_said = 0, tracked = 0;
    for (const Entry& e : set) {
        if (e.split != "held") continue;
        ++held;
        auto t = analysis::track_beats_file(e.wav.string());
        ASSERT_TRUE(t) << t.error().message;
        if (e.cls == "free") {
            ++free_tracks;
            free_said += !t->steady;
            std::printf("%-40s free     steady %d confidence %.2f\n", e.name.c_str(), t->steady, t->confidence);
            EXPECT_FALSE(t->steady) << e.name << ": rubato music must be reported as having no steady beat";
            EXPECT_TRUE(t->beats.empty()) << e.name;
            continue;
        }
        ++tracked;
        auto ref = analysis::load_beats(e.beats.string());
        ASSERT_TRUE(ref) << ref.error().message;
        const double f = analysis::f_measure(analysis::trim_beats(*ref), analysis::trim_beats(t->beats));
        const bool level = std::fabs(t->tempo_bpm / e.bpm - 1) < 0.04;
        right_level += level;
        f_all.push_back(f);
        if (e.cls == "drums") f_drums.push_back(f);
        if (e.cls == "lmms") f_lmms.push_back(f);
        double fd = -1;
        if (e.cls != "drums") {
            auto dref = analysis::load_beats(e.downbeats.string());
            ASSERT_TRUE(dref);
            fd = analysis::f_measure(analysis::trim_beats(*dref), analysis::trim_beats(t->downbeats));
            f_down.push_back(fd);
        }
        std::printf("%-40s %-8s %6.1f BPM (true %6.1f)  F %.3f  downbeat F %6.3f  confidence %.2f%s\n", e.name.c_str(), e.cls.c_str(),
                    t->tempo_bpm, e.bpm, f, fd, t->confidence, t->uncertain() ? " uncertain" : "");
        // A wrong metrical level is never the only reading offered: the right tempo is among the
        // alternatives the edit view switches to.
        if (!level) {
            bool offered = false;
            for (const auto& a : t->alternatives) offered |= std::fabs(a.tempo_bpm / e.bpm - 1) < 0.04;
            std::printf("%-40s          right tempo among the alternatives: %s\n", "", offered ? "yes" : "no");
            EXPECT_TRUE(offered) << e.name;
        }
    }
    std::printf("held-out: %d tracks (%d with a beat); F median %.3f; drums median %.3f; songs (LMMS) median %.3f; right tempo level "
                "%d/%d; downbeat F median %.3f; no steady beat said for %d of %d rubato tracks\n",
                held, tracked, median(f_all), median(f_drums), median(f_lmms), right_level, tracked, median(f_down), free_said, free_tracks);
    ASSERT_GE(held, 20);
    // Floors at what this tracker measures on the held-out half (README, "Beat grid on real music"),
    // so that a regression shows; the targets (F >= 0.9 on every drum track) are not met yet.
    EXPECT_GE(median(f_all), 0.9);
    EXPECT_GE(right_level, tracked * 6 / 10);
    EXPECT_EQ(free_said, free_tracks);
}

TEST(RealMusic, TuningHalfScores) {
    const auto set = load_set();
    if (set.empty()) {
        if (std::getenv("CI")) FAIL() << "the real-music set is missing: scripts/real-music.sh builds it";
        GTEST_SKIP() << "the real-music set is missing: run scripts/real-music.sh";
    }
    std::vector<double> f;
    for (const Entry& e : set) {
        if (e.split != "tune") continue;
        auto t = analysis::track_beats_file(e.wav.string());
        ASSERT_TRUE(t) << t.error().message;
        if (e.cls == "free") {
            EXPECT_FALSE(t->steady) << e.name;
            continue;
        }
        auto ref = analysis::load_beats(e.beats.string());
        ASSERT_TRUE(ref);
        f.push_back(analysis::f_measure(analysis::trim_beats(*ref), analysis::trim_beats(t->beats)));
    }
    std::printf("tuning half: %zu tracks with a beat, F median %.3f\n", f.size(), median(f));
    EXPECT_GE(median(f), 0.95);
}
