// The artifact flags on real footage (scripts/real-footage.sh: real camera shots and real
// productions from Debian packages). Each clip's manifest line says what a scan must report there,
// checked by eye frame by frame: nothing on clean shots, the hard cuts of a clip as cuts at their
// frames, and what the file really has (a timestamp gap, repeated frames). Clips marked "watch"
// are scanned and their flags printed, not judged. "tune" clips were looked at while the detectors
// were tuned; "held" ones were scanned once midway (their cuts checked by eye), never tuned on.
// Outside CI a missing set is a skip; in CI a failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "analysis/artifacts.h"
#include "support/media_gen.h"

using namespace reelsync::analysis;
using reelsync::testing::generate;
using reelsync::testing::run_command;
namespace fs = std::filesystem;

namespace {

struct Clip {
    std::string name, split, role, package, truth, what;
};

fs::path set_dir() { return fs::path(REELSYNC_TEST_MEDIA_DIR).parent_path() / "real-footage"; }

std::vector<Clip> load_manifest() {
    std::vector<Clip> out;
    std::ifstream man(set_dir() / "manifest.tsv");
    std::string line;
    while (std::getline(man, line)) {
        std::istringstream in(line);
        Clip c;
        std::getline(in, c.name, '\t');
        std::getline(in, c.split, '\t');
        std::getline(in, c.role, '\t');
        std::getline(in, c.package, '\t');
        std::getline(in, c.truth, '\t');
        std::getline(in, c.what, '\t');
        out.push_back(c);
    }
    return out;
}

// "black 0; cut 98" -> {kind, frame}; "cadence" -> {kind, -1} (anywhere).
std::vector<std::pair<FlagKind, int64_t>> truth_of(const Clip& c) {
    std::vector<std::pair<FlagKind, int64_t>> out;
    if (c.truth == "-") return out;
    std::istringstream in(c.truth);
    std::string item;
    while (std::getline(in, item, ';')) {
        std::istringstream words(item);
        std::string kind;
        int64_t frame = -1;
        words >> kind >> frame;
        auto k = flag_kind_from_string(kind);
        EXPECT_TRUE(k) << c.name << ": unknown kind in the manifest: " << kind;
        if (k) out.emplace_back(*k, frame);
    }
    return out;
}

}  // namespace

TEST(RealFootage, CleanShotsQuietCutsFoundFactsReported) {
    const auto clips = load_manifest();
    if (clips.empty()) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    struct Tally {
        double seconds = 0;
        int false_flags = 0, truths = 0, found = 0;
    };
    std::map<std::string, Tally> by_split;
    for (const Clip& c : clips) {
        auto scan = scan_clip((set_dir() / c.name).string());
        ASSERT_TRUE(scan) << scan.error().message;
        const double seconds = scan->fps > 0 ? static_cast<double>(scan->frames) / scan->fps : 0;
        std::printf("%-28s %-5s %-6s %6.1f s  %zu flags", c.name.c_str(), c.split.c_str(), c.role.c_str(), seconds, scan->flags.size());
        if (c.role == "watch") {
            std::map<std::string, int> kinds;
            for (const Flag& f : scan->flags) ++kinds[to_string(f.kind)];
            for (const auto& [k, n] : kinds) std::printf("  %s %d", k.c_str(), n);
            std::printf("  (%s)\n", c.what.c_str());
            continue;
        }
        std::printf("\n");
        Tally& t = by_split[c.split];
        t.seconds += seconds;
        const auto truth = truth_of(c);
        std::vector<bool> hit(truth.size(), false);
        for (const Flag& f : scan->flags) {
            bool matched = false;
            for (size_t i = 0; i < truth.size(); ++i) {
                const auto& [kind, frame] = truth[i];
                if (f.kind == kind && (frame < 0 || (f.first_frame <= frame + 1 && f.last_frame >= frame - 1))) {
                    matched = true;
                    hit[i] = true;
                }
            }
            if (!matched) {
                ++t.false_flags;
                ADD_FAILURE() << c.name << " (" << c.role << ", " << c.split << "): a flag where there is none: " << to_string(f.kind) << " "
                              << f.first_frame << "-" << f.last_frame;
            }
        }
        for (size_t i = 0; i < truth.size(); ++i) {
            ++t.truths;
            t.found += hit[i];
            EXPECT_TRUE(hit[i]) << c.name << ": missed " << to_string(truth[i].first) << " at " << truth[i].second;
        }
    }
    for (const auto& [split, t] : by_split)
        std::printf("%s: %.1f min judged, %d false flags, %d of %d true events found\n", split.c_str(), t.seconds / 60, t.false_flags, t.found,
                    t.truths);
}

// A cadence the detector was never tuned on: each held-out shot with motion, resampled to a lower
// rate and back with ffmpeg (every third frame a repeat: 2 of 3 kept; every fifth: 4 of 5; every
// other: 1 of 2), then x264-encoded. The cadence rule was set on tuning clips only (a screen
// recording, the underwater shot, generated clips) and is not changed by this test. Left out: the
// held-out countdown card (a still picture: 35 of its first 600 frames differ from the one before,
// so no repeat rhythm can be in the picture) and the ball shot with irregular frame spacing (its
// repeats come out irregular). A variant with room for the repeats a cadence needs
// (cadence_min_repeats and one more) must be flagged as one cadence over 80% of its frames or more,
// severity the share of repeats; a shorter one may only show its repeats as duplicates. Beside
// those, only the title cards' cut (frames 0-3; a resampled two-frame card can become one frame,
// a first-frame jump).
TEST(RealFootage, CadencesMadeFromHeldOutShotsAreFound) {
    const auto clips = load_manifest();
    if (clips.empty()) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    const std::vector<std::string> shots = {"homer.avi", "retroMars2018.avi", "g1.avi", "g2.avi", "Force_constante.avi", "Principe_inertie.avi",
                                            "Effet_force_magnetique.ogv"};
    struct Pattern {
        const char* name;
        const char* rate;  // ffmpeg's fps expression of the lower rate, in terms of the source's
        int period;        // one repeat in this many frames
    };
    const Pattern patterns[] = {{"2of3", "source_fps*2/3", 3}, {"4of5", "source_fps*4/5", 5}, {"1of2", "source_fps/2", 2}};
    const DetectorConfig cfg;
    int asked = 0, found = 0, short_ones = 0;
    for (const std::string& shot : shots) {
        const auto it = std::find_if(clips.begin(), clips.end(), [&](const Clip& c) { return c.name == shot; });
        ASSERT_NE(it, clips.end()) << shot << " is not in the set";
        ASSERT_EQ(it->split, "held") << shot;
        for (const Pattern& pt : patterns) {
            const std::string stem = fs::path(shot).stem().string();
            std::string rate_out;
            ASSERT_EQ(run_command("ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 '" + (set_dir() / shot).string() + "'",
                                  &rate_out),
                      0)
                << rate_out;
            const std::string fps = rate_out.substr(0, rate_out.find_first_of("\r\n"));
            std::string expr = pt.rate;
            expr.replace(0, std::string("source_fps").size(), fps);
            const std::string path = generate("held_cadence_" + stem + "_" + pt.name + ".mp4",
                                              "-i '" + (set_dir() / shot).string() + "' -vf \"fps=" + expr + ",fps=" + fps +
                                                  "\" -an -c:v libx264 -preset veryfast -crf 16 -pix_fmt yuv420p");
            auto scan = scan_clip(path);
            ASSERT_TRUE(scan) << scan.error().message;
            const int64_t frames = scan->frames;
            const bool room = frames / pt.period >= cfg.cadence_min_repeats + 1;
            int64_t covered = 0;
            std::printf("%-28s %-5s %3lld frames:", stem.c_str(), pt.name, static_cast<long long>(frames));
            for (const Flag& f : scan->flags) {
                std::printf("  %s %lld-%lld (%.2f)", to_string(f.kind), static_cast<long long>(f.first_frame),
                            static_cast<long long>(f.last_frame), f.severity);
                if (f.kind == FlagKind::cadence) {
                    covered += f.last_frame - f.first_frame + 1;
                    EXPECT_NEAR(f.severity, 1.0 / pt.period, 0.06) << stem << " " << pt.name << ": not one repeat in " << pt.period;
                    EXPECT_TRUE(room) << stem << " " << pt.name << ": a cadence with too few repeats";
                } else if (f.kind == FlagKind::duplicate) {
                    EXPECT_FALSE(room) << stem << " " << pt.name << ": repeats flagged one by one, not as a cadence";
                } else {
                    const bool title_cut = (f.kind == FlagKind::cut || f.kind == FlagKind::first_frame_jump) && it->truth == "cut 2" && f.last_frame <= 3;
                    EXPECT_TRUE(title_cut) << stem << " " << pt.name << ": " << to_string(f.kind) << " " << f.first_frame << "-" << f.last_frame;
                }
            }
            std::printf("\n");
            if (!room) {
                ++short_ones;
                continue;
            }
            ++asked;
            const bool whole = static_cast<double>(covered) >= 0.8 * static_cast<double>(frames);
            found += whole;
            EXPECT_TRUE(whole) << stem << " " << pt.name << ": cadence over " << covered << " of " << frames << " frames";
        }
    }
    std::printf("held-out cadences: %d of %d variants flagged as a cadence over 80%% of their frames or more; %d too short for one\n", found, asked,
                short_ones);
}
