// The project from the command line: status, export and import with no display, and the errors.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "project/edit.h"
#include "project/project.h"
#include "support/media_gen.h"

namespace fs = std::filesystem;
using namespace reelsync;
using json = nlohmann::json;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string cli(const std::string& args, int* rc) {
    std::string out;
    *rc = reelsync::testing::run_command("timeout 60 '" + reelsync::testing::reelsync_binary() + "' " + args, &out);
    return out;
}

fs::path folder_with_clips(const std::string& name) {
    auto clips = reelsync::testing::mixed_clips();
    fs::path d = fs::path(reelsync::testing::media_dir()) / "projects" / name;
    fs::remove_all(d);
    fs::create_directories(d);
    for (size_t i = 0; i < 5; ++i) fs::copy_file(clips[i], d / ("take_" + std::to_string(i) + fs::path(clips[i]).extension().string()));
    return d;
}

}  // namespace

TEST(ProjectCli, StatusExportImportRoundTrip) {
    fs::path d = folder_with_clips("cli_a");
    {
        auto p = project::Project::open(d);
        ASSERT_TRUE(p);
        const auto& c = p->clips();
        ASSERT_TRUE(p->set_status(c[3].id, project::Status::approved));
        ASSERT_TRUE(p->set_status(c[0].id, project::Status::approved));
        ASSERT_TRUE(p->set_status(c[1].id, project::Status::rejected));
        ASSERT_TRUE(p->set_in(c[3].id, 10));
        ASSERT_TRUE(p->set_out(c[3].id, 40));
        ASSERT_TRUE(p->set_note(c[0].id, "keep the flare"));
    }
    int rc = 0;
    std::string out = cli("status '" + d.string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("5 clips: 2 approved, 1 rejected, 2 unreviewed"), std::string::npos) << out;
    out = cli("status '" + d.string() + "' --json", &rc);
    ASSERT_EQ(rc, 0) << out;
    json st = json::parse(out);
    ASSERT_EQ(st["edit"]["cuts"].size(), 2u);
    EXPECT_EQ(st["edit"]["cuts"][0]["clip"], "take_3.avi");
    EXPECT_EQ(st["edit"]["cuts"][0]["in"], 10);
    EXPECT_EQ(st["edit"]["cuts"][0]["out"], 40);
    EXPECT_EQ(st["edit"]["cuts"][1]["clip"], "take_0.mp4");
    // 31 frames at 30000/1001 = 1.0343... s before the second cut.
    EXPECT_NEAR(st["edit"]["cuts"][1]["record_seconds"].get<double>(), 31.0 * 1001 / 30000, 1e-9);

    const fs::path otio = d / "out.otio", edl = d / "out.edl", csv = d / "out.csv";
    out = cli("export '" + d.string() + "' --otio '" + otio.string() + "' --edl '" + edl.string() + "' --csv '" + csv.string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    auto p = project::Project::open(d);
    ASSERT_TRUE(p);
    auto e = project::build_edit(*p);
    ASSERT_TRUE(e);
    EXPECT_EQ(slurp(edl), project::to_edl(*e, false));
    EXPECT_EQ(slurp(otio), project::to_otio(*e));
    EXPECT_EQ(slurp(csv), project::to_csv(*p));
    EXPECT_NE(slurp(csv).find("take_0.mp4,take_0.mp4,approved,0,,,,,72,30/1,2,keep the flare,no,"), std::string::npos) << slurp(csv);

    // A second folder with the same clips and no decisions: importing the .otio rebuilds the edit.
    fs::path d2 = folder_with_clips("cli_b");
    json doc = json::parse(slurp(otio));
    for (auto& clip : doc["tracks"]["children"][0]["children"]) {
        std::string url = clip["media_references"]["DEFAULT_MEDIA"]["target_url"];
        clip["media_references"]["DEFAULT_MEDIA"]["target_url"] = project::file_url(d2 / project::path_from_url(url).filename());
    }
    std::ofstream(d2 / "in.otio") << doc.dump(2);
    out = cli("import '" + d2.string() + "' --otio '" + (d2 / "in.otio").string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    out = cli("status '" + d2.string() + "' --json", &rc);
    ASSERT_EQ(rc, 0) << out;
    json st2 = json::parse(out);
    EXPECT_EQ(st2["edit"]["cuts"], st["edit"]["cuts"]);
    EXPECT_EQ(st2["approved"], 2);
}

TEST(ProjectCli, ClearErrorsAndNothingLost) {
    fs::path d = folder_with_clips("cli_err");
    int rc = 0;
    std::string out = cli("status '" + d.string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    // An output that cannot be written: one line, non-zero, no partial file.
    out = cli("export '" + d.string() + "' --csv /proc/reelsync-nope/out.csv", &rc);
    EXPECT_NE(rc, 0);
    EXPECT_NE(out.find("out.csv"), std::string::npos) << out;
    // A project from a newer reelsync.
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open((d / project::kDatabaseName).c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "PRAGMA user_version=5", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
    out = cli("status '" + d.string() + "'", &rc);
    EXPECT_EQ(rc, 1);
    EXPECT_NE(out.find("newer reelsync"), std::string::npos) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    // A broken .otio is an error, not a crash.
    std::ofstream(d / "bad.otio") << "{\"OTIO_SCHEMA\": \"Timeline.1\", \"tracks\": 3}";
    ASSERT_EQ(sqlite3_open((d / project::kDatabaseName).c_str(), &h), SQLITE_OK);
    sqlite3_exec(h, "PRAGMA user_version=1", nullptr, nullptr, nullptr);
    sqlite3_close(h);
    out = cli("import '" + d.string() + "' --otio '" + (d / "bad.otio").string() + "'", &rc);
    EXPECT_EQ(rc, 1) << out;
}

// Cut on beat on the edit's timeline: against a 120 BPM track (a kick every 0.5 s), a cut at 1.0 s
// is on the beat and one at 1.7 s is 200 ms (6 frames at 30 fps) after it.
TEST(ProjectCli, StatusReportsEachCutAgainstTheBeat) {
    const std::string song = reelsync::testing::generate(
        "kick_120.wav", "-f lavfi -i \"aevalsrc=0.2*sin(2*PI*220*t)+0.9*exp(-40*mod(t\\,0.5))*sin(2*PI*60*t):s=48000:d=12\" -ac 2");
    const std::string clip = reelsync::testing::mixed_clips()[0];  // 30 fps, 72 frames
    fs::path d = fs::path(reelsync::testing::media_dir()) / "projects" / "cli_beats";
    fs::remove_all(d);
    fs::create_directories(d);
    for (const char* n : {"a.mp4", "b.mp4", "c.mp4"}) fs::copy_file(clip, d / n);
    {
        auto p = project::Project::open(d);
        ASSERT_TRUE(p);
        ASSERT_TRUE(p->set_setting("audio", song));
        const auto& c = p->clips();
        for (const auto& k : c) ASSERT_TRUE(p->set_status(k.id, project::Status::approved));
        ASSERT_TRUE(p->set_out(c[0].id, 29));  // 30 frames: the cut at 1.000 s
        ASSERT_TRUE(p->set_in(c[1].id, 10));
        ASSERT_TRUE(p->set_out(c[1].id, 30));  // 21 frames: the next cut at 1.700 s
    }
    int rc = 0;
    std::string out = cli("status '" + d.string() + "' --json", &rc);
    ASSERT_EQ(rc, 0) << out;
    json st = json::parse(out);
    EXPECT_NEAR(st["edit"]["tempo_bpm"].get<double>(), 120.0, 0.5);
    const auto& cuts = st["edit"]["cuts"];
    ASSERT_EQ(cuts.size(), 3u);
    EXPECT_FALSE(cuts[0].contains("beat_offset_ms"));  // the first shot starts the edit: no cut
    EXPECT_NEAR(cuts[1]["beat_offset_ms"].get<double>(), 0.0, 6.0);
    EXPECT_TRUE(cuts[1]["on_beat"].get<bool>());
    EXPECT_NEAR(cuts[2]["beat_offset_ms"].get<double>(), 200.0, 6.0);
    EXPECT_NEAR(cuts[2]["beat_offset_frames"].get<double>(), 6.0, 0.2);
    EXPECT_FALSE(cuts[2]["on_beat"].get<bool>());
    // The grid is cached in the project: the second status reads it back (same answer).
    std::string again = cli("status '" + d.string() + "' --json", &rc);
    EXPECT_EQ(json::parse(again)["edit"]["cuts"], cuts);
    out = cli("status '" + d.string() + "'", &rc);
    EXPECT_NE(out.find("1 of 2 cuts on the beat"), std::string::npos) << out;
}
