// Gapless playback of an edit: 22 shots cut from clips of different codecs, sizes and frame rates,
// played in real time against a song; checked from the stats file the player writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "project/edit.h"
#include "project/project.h"
#include "support/machine_load.h"
#include "support/media_gen.h"
#include "support/runs.h"
#include "support/stats_file.h"

namespace fs = std::filesystem;
using namespace reelsync;
using json = nlohmann::json;

namespace {

// A project of n shots cut from the mixed clips (8 kinds of codec, size and rate), each approved
// with in and out points; returns its folder.
fs::path make_mixed_edit(const std::string& name, size_t n) {
    auto clips = reelsync::testing::mixed_clips();
    fs::path dir = fs::path(reelsync::testing::media_dir()) / "projects" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (size_t k = 0; k < n; ++k) {
        char file[64];
        std::snprintf(file, sizeof file, "shot_%02zu%s", k, fs::path(clips[k % clips.size()]).extension().c_str());
        fs::copy_file(clips[k % clips.size()], dir / file);
    }
    auto p = project::Project::open(dir);
    EXPECT_TRUE(p) << p.error().message;
    if (!p) return dir;
    EXPECT_EQ(p->clips().size(), n);
    for (size_t k = 0; k < n && k < p->clips().size(); ++k) {
        const int64_t id = p->clips()[k].id;
        const int64_t in = 2 + static_cast<int64_t>(k % 5) * 4;
        EXPECT_TRUE(p->set_status(id, project::Status::approved));
        EXPECT_TRUE(p->set_in(id, in));
        EXPECT_TRUE(p->set_out(id, in + 11 + static_cast<int64_t>(k % 3) * 4));
    }
    return dir;
}

}  // namespace

TEST(EditPlayback, GaplessAtEveryCut) {
    const std::string song = reelsync::testing::generate("edit_song.wav", "-f lavfi -i sine=f=220:r=48000:d=30 -ac 2");
    const size_t n = 22;
    const fs::path dir = make_mixed_edit("gapless", n);
    ASSERT_FALSE(::testing::Test::HasFailure());
    auto p = project::Project::open(dir);
    ASSERT_TRUE(p);
    auto e = project::build_edit(*p);
    ASSERT_TRUE(e) << e.error().message;
    ASSERT_EQ(e->shots.size(), n);

    // Up to three runs (tests/support/runs.h): a run on a shared machine can lose a frame to
    // work that is not the player's.
    reelsync::testing::until_one_passes(3, [&](int) {
        const std::string stats = (dir / "stats.jsonl").string();
        std::string out;
        int rc = reelsync::testing::run_command("timeout 120 '" + reelsync::testing::reelsync_binary() + "' play '" + dir.string() +
                                                    "' --edit --headless --audio '" + song + "' --stats '" + stats + "'",
                                                &out);
        ASSERT_EQ(rc, 0) << out;
        const auto [presents, summary] = reelsync::testing::read_stats(stats);
        int64_t total = 0;
        for (const auto& s : e->shots) total += s.frames();
        ASSERT_EQ(static_cast<int64_t>(presents.size()), total) << out;  // every frame once: no drop, no repeat
        EXPECT_EQ(summary["dropped"], 0) << out;
        EXPECT_EQ(summary["repeated"], 0) << out;
        for (size_t i = 0; i < presents.size(); ++i) ASSERT_EQ(presents[i]["frame"], static_cast<int64_t>(i));
        // At every cut, the first present after the cut instant is the new shot's in-frame.
        int64_t first = 0;
        for (size_t k = 0; k < n; ++k) {
            const double cut = e->start_of(k).to_double();
            auto it = std::find_if(presents.begin(), presents.end(), [&](const json& pr) { return pr["t_audio"].get<double>() >= cut; });
            ASSERT_NE(it, presents.end()) << "cut " << k;
            EXPECT_EQ((*it)["frame"], first) << "cut " << k << " at " << cut << " s";
            EXPECT_EQ((*it)["shot"], static_cast<int64_t>(k)) << "cut " << k;
            EXPECT_EQ((*it)["source_frame"], e->shots[k].in) << "cut " << k;
            EXPECT_NEAR((*it)["pts"].get<double>(), cut, 1e-6) << "cut " << k;
            first += e->shots[k].frames();
        }
        // Every present inside its frame's interval: no late frame anywhere, cuts included.
        for (const auto& pr : presents) {
            const double t = pr["t_audio"], pts = pr["pts"], dur = pr["dur"];
            EXPECT_GE(t, pts) << pr.dump();
            EXPECT_LT(t, pts + dur) << pr.dump();
        }
        EXPECT_NE(out.find("clock: audio"), std::string::npos) << out;
    });
}

// A loop over a stretch of the edit that spans a cut (--loop on the edit's frame numbers): it plays
// that stretch again and again, across the cut each time, and nothing outside it; a range past the
// edit's end loops to the end.
TEST(EditPlayback, ALoopInTheEditRepeatsAcrossItsCut) {
    const std::string song = reelsync::testing::generate("edit_song.wav", "-f lavfi -i sine=f=220:r=48000:d=30 -ac 2");
    const fs::path dir = make_mixed_edit("gapless loop", 4);
    ASSERT_FALSE(::testing::Test::HasFailure());
    auto p = project::Project::open(dir);
    ASSERT_TRUE(p) << p.error().message;
    auto e = project::build_edit(*p);
    ASSERT_TRUE(e) << e.error().message;
    int64_t total = 0;
    for (const auto& s : e->shots) total += s.frames();
    const int64_t cut = e->shots[0].frames();  // the edit frame of the second shot's in-frame
    reelsync::testing::until_one_passes(3, [&](int) {
        for (const auto& [from, to] : std::vector<std::pair<int64_t, int64_t>>{{cut - 4, cut + 5}, {total - 6, total + 100}}) {
            const std::string stats = (dir.parent_path() / "gapless loop.jsonl").string();
            std::string out;
            const int rc = reelsync::testing::run_command("timeout 60 '" + reelsync::testing::reelsync_binary() + "' play '" + dir.string() +
                                                              "' --edit --headless --audio '" + song + "' --loop " + std::to_string(from) + ":" +
                                                              std::to_string(to) + " --duration 2 --stats '" + stats + "'",
                                                          &out);
            ASSERT_EQ(rc, 0) << out;
            const std::vector<json> presents = reelsync::testing::read_stats(stats).presents;
            const int64_t last = std::min(to, total - 1);
            int wraps = 0, cuts_crossed = 0;
            for (size_t i = 0; i < presents.size(); ++i) {
                const int64_t fr = presents[i]["frame"];
                ASSERT_GE(fr, from) << "frame " << fr << " outside the loop " << from << ":" << last;
                ASSERT_LE(fr, last) << "frame " << fr << " outside the loop " << from << ":" << last;
                if (i == 0) continue;
                const int64_t before = presents[i - 1]["frame"];
                if (fr < before) {
                    ++wraps;
                    EXPECT_EQ(before, last);
                    EXPECT_EQ(fr, from);
                } else {
                    EXPECT_EQ(fr, before + 1) << "a frame skipped inside the loop";
                }
                cuts_crossed += fr == cut && before == cut - 1;
            }
            EXPECT_GE(wraps, 2) << out;
            if (from < cut && cut <= last) {
                EXPECT_GE(cuts_crossed, 2) << "the loop did not cross its cut each time";
            }
        }
    });
}

// A fresh project opened in the window: the director approves three takes in the browser and opens
// the edit at once, while the browser is still probing and thumbnailing the folder and has the
// neighbouring takes pre-rolled. The edit's first second plays clean: every frame, in sync.
TEST(EditPlayback, TheEditStartsCleanInAWindowJustAfterOpeningAFreshFolder) {
    if (!std::getenv("DISPLAY")) GTEST_SKIP() << "no display";
    namespace fs = std::filesystem;
    // The built-in demo's takes (scripts/make-demo.sh): 17 of them, H.264, HEVC and VP9 at up to
    // 1280x720, made once in the build tree.
    const fs::path demo = fs::path(reelsync::testing::media_dir()) / "demo";
    std::string made;
    ASSERT_EQ(reelsync::testing::run_command("'" + std::string(REELSYNC_SOURCE_DIR) + "/scripts/make-demo.sh' '" + demo.string() + "'", &made), 0)
        << made;
    std::vector<fs::path> takes;
    for (const auto& e : fs::directory_iterator(demo / "takes"))
        if (e.path().extension() != ".db" && e.is_regular_file() && e.path().filename().string()[0] != '.') takes.push_back(e.path());
    ASSERT_GE(takes.size(), 17u);
    // Up to ten runs, until two start clean. reelsync's own start-up work cost frames in most
    // runs before it was held: the folder's probes, thumbnails and scans (held while playing), and
    // the edit's own analyses, its song's beats and its cuts' continuity (on two cores the edit
    // now plays once they are done; before, 1 to 3 of the first 31 frames were lost in 5 of 8
    // runs on a quiet machine). A machine busy with work of its own costs any player a frame now
    // and then: a run may lose one frame per frame interval of CPU time the machine took away from
    // it (the host's steal, time it withheld unreported, other processes:
    // tests/support/machine_load.h), and one unlucky run is not a failure.
    // The window is 960x540. At the takes' own size (1280x720) the picture alone - lavapipe's
    // drawing and the copy of each frame to the virtual display - kept the player's main thread
    // 85-100% busy on two cores; a two-core virtual machine whose host withheld time under that
    // load (30-210 ms of a run's 4.3 s in pauses of 8 ms or more, reported as no steal) lost up to
    // 7 of the first 31 frames in most runs (9 of 10 in one suite run), spread evenly, whatever
    // reelsync did at the start. At 960x540: 10 of 10 runs clean there, the same hour. That much
    // headroom hides the holds on that machine (with either taken out, 9 or 10 of 10 runs still
    // started clean): they matter where the picture takes most of a frame's interval, and the
    // player's start hold is tested on its own (test_player.cpp, hold_start).
    int clean_runs = 0, runs = 0;
    std::string seen;
    for (int run = 0; run < 10 && clean_runs < 2; ++run, ++runs) {
        const fs::path dir = fs::path(reelsync::testing::media_dir()) / "projects" / "fresh folder";
        fs::remove_all(dir);
        fs::create_directories(dir);
        for (const fs::path& t : takes) fs::copy_file(t, dir / t.filename());
        const std::string stats = (dir.parent_path() / "fresh folder stats.jsonl").string();
        std::string out;
        const reelsync::testing::LoadMeter meter;
        const int rc = reelsync::testing::run_command("timeout 60 '" + reelsync::testing::reelsync_binary() + "' open '" + dir.string() +
                                                          "' --audio '" + (demo / "track.wav").string() +
                                                          "' --width 960 --height 540 --keys 0.1:p,0.1:p,0.1:p,0.3:e --duration 3.5 --stats '" + stats + "'",
                                                      &out);
        ASSERT_EQ(rc, 0) << out;
        const auto [presents, summary] = reelsync::testing::read_stats(stats);
        // The first second: 31 frames (0 to 30), each shown once, in order, within a frame of its time.
        int missing = 0, late_frames = 0;
        std::string which;  // the missing frames, for the log: where in the start a frame goes
        int64_t expected = 0;
        for (size_t i = 0; i < presents.size() && expected <= 30; ++i) {
            const int64_t frame = presents[i]["frame"].get<int64_t>();
            ASSERT_GE(frame, expected) << "run " << run << ": frame " << frame << " shown again or out of order";
            missing += static_cast<int>(frame - expected);
            for (int64_t m = expected; m < frame && m <= 30; ++m) which += (which.empty() ? " (" : ", ") + std::to_string(m);
            expected = frame + 1;
            const double late = presents[i]["t_audio"].get<double>() - presents[i]["pts"].get<double>();
            late_frames += std::fabs(late) >= 1.0 / 30.0;
        }
        const int dropped = summary["dropped"].get<int>();
        const reelsync::testing::MachineLoad load = meter.read();
        const int explained = load.frames_explained(1.0 / 30.0);
        if (!which.empty()) which += ")";
        char line[640];
        std::snprintf(line, sizeof line,
                      "run %d: %lld frames shown, %d of the first 31 missing%s, %d a frame late or more, %d dropped in all; %s: %d frame%s\n",
                      run, static_cast<long long>(presents.size()), missing, which.c_str(), late_frames, dropped, load.describe().c_str(),
                      explained, explained == 1 ? "" : "s");
        std::printf("%s", line);
        seen += line;
        clean_runs += expected >= 31 && missing + late_frames <= explained && dropped <= explained;
    }
    EXPECT_GE(clean_runs, 2) << "fewer than 2 of " << runs << " runs started clean:\n" << seen;
}
