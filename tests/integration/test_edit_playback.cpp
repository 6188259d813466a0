// Gapless playback of an edit: 22 shots cut from clips of different codecs, sizes and frame rates,
// played in real time against a song; checked from the stats file the player writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "project/edit.h"
#include "project/project.h"
#include "support/media_gen.h"

namespace fs = std::filesystem;
using namespace reelsync;
using json = nlohmann::json;

TEST(EditPlayback, GaplessAtEveryCut) {
    auto clips = reelsync::testing::mixed_clips();
    const std::string song = reelsync::testing::generate("edit_song.wav", "-f lavfi -i sine=f=220:r=48000:d=30 -ac 2");
    fs::path dir = fs::path(reelsync::testing::media_dir()) / "projects" / "gapless";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const size_t n = 22;
    for (size_t k = 0; k < n; ++k) {
        char name[64];
        std::snprintf(name, sizeof name, "shot_%02zu%s", k, fs::path(clips[k % clips.size()]).extension().c_str());
        fs::copy_file(clips[k % clips.size()], dir / name);
    }
    {
        auto p = project::Project::open(dir);
        ASSERT_TRUE(p) << p.error().message;
        ASSERT_EQ(p->clips().size(), n);
        for (size_t k = 0; k < n; ++k) {
            const int64_t id = p->clips()[k].id;
            const int64_t in = 2 + static_cast<int64_t>(k % 5) * 4;
            ASSERT_TRUE(p->set_status(id, project::Status::approved));
            ASSERT_TRUE(p->set_in(id, in));
            ASSERT_TRUE(p->set_out(id, in + 11 + static_cast<int64_t>(k % 3) * 4));
        }
    }
    auto p = project::Project::open(dir);
    ASSERT_TRUE(p);
    auto e = project::build_edit(*p);
    ASSERT_TRUE(e) << e.error().message;
    ASSERT_EQ(e->shots.size(), n);

    const std::string stats = (dir / "stats.jsonl").string();
    std::string out;
    int rc = reelsync::testing::run_command("timeout 120 '" + reelsync::testing::reelsync_binary() + "' play '" + dir.string() +
                                                "' --edit --headless --audio '" + song + "' --stats '" + stats + "'",
                                            &out);
    ASSERT_EQ(rc, 0) << out;
    std::vector<json> presents;
    json summary;
    std::ifstream f(stats);
    std::string line;
    while (std::getline(f, line)) {
        json j = json::parse(line);
        if (j.contains("frame")) presents.push_back(j);
        else summary = j;
    }
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
}
