// The project from the command line: status, export and import with no display, and the errors.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

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
    *rc = reelsync::testing::run_command(reelsync::testing::timeout_command(60) + "'" + reelsync::testing::reelsync_binary() + "' " + args, &out);
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

// The file URL of the first clip of an exported .otio's video track.
std::string clip_url_of(const json& doc) {
    return doc["tracks"]["children"][0]["children"][0]["media_references"]["DEFAULT_MEDIA"]["target_url"].get<std::string>();
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
    sqlite3_exec(h, ("PRAGMA user_version=" + std::to_string(project::kSchemaVersion)).c_str(), nullptr, nullptr, nullptr);
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
    // Continuity at each cut: the same generated content on both sides, lit alike (the frame
    // number band at the top changes, so colour differs there).
    for (size_t i = 1; i < 3; ++i) {
        ASSERT_TRUE(cuts[i].contains("continuity")) << cuts[i].dump();
        EXPECT_LT(std::fabs(cuts[i]["continuity"]["exposure_ev"].get<double>()), 0.3);
        EXPECT_LT(std::fabs(cuts[i]["continuity"]["contrast_stops"].get<double>()), 0.3);
        EXPECT_GT(cuts[i]["continuity"]["delta_e"].get<double>(), 0.0);
    }
    EXPECT_FALSE(cuts[0].contains("continuity"));
    // The grid is cached in the project: the second status reads it back (same answer).
    std::string again = cli("status '" + d.string() + "' --json", &rc);
    EXPECT_EQ(json::parse(again)["edit"]["cuts"], cuts);
    out = cli("status '" + d.string() + "'", &rc);
    EXPECT_NE(out.find("1 of 2 cuts on the beat"), std::string::npos) << out;
}

// `reelsync scan FOLDER`: every clip's flags stored in the project as it finishes; a second scan
// skips the unchanged clips and reports the same; a changed clip is scanned again; a scan killed
// part way resumes with what it had stored; --audio stores the song's beat grid and checks the cuts.
TEST(ProjectCli, ScanStoresResultsAndResumes) {
    namespace t = reelsync::testing;
    fs::path d = fs::path(t::media_dir()) / "projects" / "cli_scan";
    fs::remove_all(d);
    fs::create_directories(d);
    // Six 20 s clips (slow enough to kill the scan part way); the third has one frame (300) with
    // its top-right quarter negated: a local jump.
    const std::string base = "-f lavfi -i testsrc2=s=320x180:r=30:d=20 -c:v libx264 -preset ultrafast -pix_fmt yuv420p";
    const std::string clean = t::generate("scan20_clean.mp4", base);
    const std::string local = t::generate("scan20_local_jump.mp4",
                                          "-f lavfi -i testsrc2=s=320x180:r=30:d=20 -vf \"drawbox=x=160:y=0:w=160:h=90:t=fill:color=invert:"
                                          "enable='eq(n\\,300)'\" -c:v libx264 -preset ultrafast -pix_fmt yuv420p");
    for (int i = 0; i < 6; ++i) fs::copy_file(i == 2 ? local : clean, d / ("take_" + std::to_string(i) + ".mp4"));

    // Killed part way: whatever it stored is kept, the rest is scanned by the next run.
    const std::string cmd = "'" + t::reelsync_binary() + "' scan '" + d.string() + "' --jobs 1";
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", ("exec " + cmd + " >/dev/null 2>&1").c_str(), nullptr);
        _exit(127);
    }
    int stored = 0;
    for (int k = 0; k < 3000 && stored == 0; ++k) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        sqlite3* h = nullptr;
        if (sqlite3_open_v2((d / project::kDatabaseName).c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
            sqlite3_stmt* st = nullptr;
            if (sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM scans", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                stored = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
        sqlite3_close(h);
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_GE(stored, 1);
    int rc = 0;
    const fs::path r1 = d / "report1.json", r2 = d / "report2.json";
    std::string out = cli("scan '" + d.string() + "' --jobs 2 --json '" + r1.string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, std::regex("6 clips: (\\d) scanned, (\\d) unchanged"))) << out;
    const int resumed = std::stoi(m[2]);
    EXPECT_GE(resumed, stored) << out;
    EXPECT_EQ(std::stoi(m[1]) + resumed, 6) << out;

    json j = json::parse(slurp(r1));
    ASSERT_EQ(j["clips"].size(), 6u);
    for (int i = 0; i < 6; ++i) {
        const auto& c = j["clips"][static_cast<size_t>(i)];
        EXPECT_EQ(c["file"], (d / ("take_" + std::to_string(i) + ".mp4")).string());
        EXPECT_EQ(c["frames"], 600);
        if (i != 2) {
            EXPECT_TRUE(c["flags"].empty()) << c.dump();
            continue;
        }
        ASSERT_EQ(c["flags"].size(), 1u) << c.dump();
        const auto& f = c["flags"][0];
        EXPECT_EQ(f["kind"], "jump");
        EXPECT_EQ(f["first_frame"], 300);
        // The top-right quarter, on the 8x6 tile grid: x 0.5-1, y 0-0.5.
        EXPECT_EQ(f["region"], json::parse("[0.5, 0.0, 1.0, 0.5]")) << f.dump();
    }

    // Again: nothing to scan, the same report.
    out = cli("scan '" + d.string() + "' --json '" + r2.string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("6 clips: 0 scanned, 6 unchanged"), std::string::npos) << out;
    EXPECT_EQ(json::parse(slurp(r2))["clips"], j["clips"]);
    // The window reads the same flags from the project.
    {
        auto p = project::Project::open(d);
        ASSERT_TRUE(p);
        auto s = p->scan_result(p->clips()[2].id);
        ASSERT_TRUE(s);
        ASSERT_EQ(s->flags.size(), 1u);
        EXPECT_EQ(s->flags[0].first_frame, 300);
        EXPECT_EQ(p->clips()[2].flags, 1);
    }
    // A take replaced by another render: only it is scanned again.
    fs::copy_file(local, d / "take_4.mp4", fs::copy_options::overwrite_existing);
    out = cli("scan '" + d.string() + "' --json '" + r2.string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("6 clips: 1 scanned, 5 unchanged"), std::string::npos) << out;
    EXPECT_EQ(json::parse(slurp(r2))["clips"][4]["flags"][0]["first_frame"], 300);

    // With the song: its beats are stored in the project and the edit's cuts checked.
    {
        auto p = project::Project::open(d);
        ASSERT_TRUE(p);
        const auto& c = p->clips();
        ASSERT_TRUE(p->set_status(c[0].id, project::Status::approved));
        ASSERT_TRUE(p->set_status(c[1].id, project::Status::approved));
        ASSERT_TRUE(p->set_out(c[0].id, 29));  // the cut at 1.000 s: on a beat of a 120 BPM song
    }
    const std::string song = t::generate(
        "kick_120.wav", "-f lavfi -i \"aevalsrc=0.2*sin(2*PI*220*t)+0.9*exp(-40*mod(t\\,0.5))*sin(2*PI*60*t):s=48000:d=12\" -ac 2");
    out = cli("scan '" + d.string() + "' --audio '" + song + "' --json '" + r2.string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    json a = json::parse(slurp(r2))["audio"];
    EXPECT_NEAR(a["tempo_bpm"].get<double>(), 120.0, 0.5);
    EXPECT_GE(a["beats"].size(), 22u);
    ASSERT_EQ(a["cuts"].size(), 1u);
    EXPECT_NEAR(a["cuts"][0]["beat_offset_ms"].get<double>(), 0.0, 6.0);
    EXPECT_TRUE(a["cuts"][0]["on_beat"].get<bool>());
    auto p = project::Project::open(d);
    ASSERT_TRUE(p);
    EXPECT_TRUE(project::cached_song_beats(*p, song));
}

// The beat grid corrected and used while the edit plays (headless, scripted keys on the song's
// clock): three nudges (+5, +5, +1 ms), a downbeat set, snap on, then an out trim that the snap puts
// on the (nudged) beat. All of it is in the project afterwards.
TEST(ProjectCli, BeatGridCorrectionsAndSnappedTrimsFromTheKeys) {
    namespace t = reelsync::testing;
    const std::string song = t::generate(
        "kick_120.wav", "-f lavfi -i \"aevalsrc=0.2*sin(2*PI*220*t)+0.9*exp(-40*mod(t\\,0.5))*sin(2*PI*60*t):s=48000:d=12\" -ac 2");
    const std::string clip = t::mixed_clips()[0];  // 30 fps, 72 frames
    fs::path d = fs::path(t::media_dir()) / "projects" / "cli_grid";
    fs::remove_all(d);
    fs::create_directories(d);
    for (const char* n : {"a.mp4", "b.mp4"}) fs::copy_file(clip, d / n);
    int64_t a = 0;
    {
        auto p = project::Project::open(d);
        ASSERT_TRUE(p);
        ASSERT_TRUE(p->set_setting("audio", song));
        for (const auto& k : p->clips()) ASSERT_TRUE(p->set_status(k.id, project::Status::approved));
        a = p->clips()[0].id;
    }
    int rc = 0;
    // The song's grid tracked and stored first (a grid command waits while the grid is being
    // tracked; on a busy machine that could outlast this short run).
    std::string out = cli("scan '" + d.string() + "' --audio '" + song + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    // The out at 1.30 s (frame 39, a cut at 1.333 s) snaps to the beat at about 1.5 s (+11 ms).
    // (The keys are on the clock and Q ends the run after the last: --duration, wall time from
    // the start, is only a bound, with room for a busy machine. A key left unpressed is an error.)
    out = cli("play '" + d.string() + "' --edit --headless --no-audio --duration 60 --keys "
                          "\"0.5:period,0.6:period,0.7:shift+period,0.9:b,1.1:s,1.3:o,1.4:q\"", &rc);
    ASSERT_EQ(rc, 0) << out;
    auto p = project::Project::open(d);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->setting("snap_to_beat"), "1");
    const auto c = project::grid_correction(*p, song);
    EXPECT_NEAR(c.offset, 0.011, 1e-9);
    ASSERT_TRUE(c.first_downbeat);
    EXPECT_NEAR(*c.first_downbeat, 1.011, 0.02);  // the (nudged) beat nearest 0.9 s
    const auto* ca = p->clip(a);
    ASSERT_TRUE(ca->mark_out);
    EXPECT_EQ(*ca->mark_out, 44);  // 45 frames: the cut at 1.500 s
    // status sees the corrected grid: the cut is on the beat, downbeats every fourth beat.
    out = cli("status '" + d.string() + "' --json", &rc);
    ASSERT_EQ(rc, 0) << out;
    json st = json::parse(out);
    const auto& cut = st["edit"]["cuts"][1];
    EXPECT_TRUE(cut["on_beat"].get<bool>()) << cut.dump();
    EXPECT_NEAR(cut["beat_offset_ms"].get<double>(), -11.0, 6.0) << cut.dump();
    EXPECT_GE(st["edit"]["downbeats"].get<int>(), 5);
}

// The tracker's other tempo readings from the edit view: A makes the next reading the grid (saved
// with the project), and status reports the grid's confidence, its readings and the chosen tempo.
TEST(ProjectCli, TheNextTempoReadingFromTheKeys) {
    namespace t = reelsync::testing;
    const std::string song = t::generate(
        "kick_120.wav", "-f lavfi -i \"aevalsrc=0.2*sin(2*PI*220*t)+0.9*exp(-40*mod(t\\,0.5))*sin(2*PI*60*t):s=48000:d=12\" -ac 2");
    const std::string clip = t::mixed_clips()[0];
    fs::path d = fs::path(t::media_dir()) / "projects" / "cli_reading";
    fs::remove_all(d);
    fs::create_directories(d);
    for (const char* n : {"a.mp4", "b.mp4"}) fs::copy_file(clip, d / n);
    {
        auto p = project::Project::open(d);
        ASSERT_TRUE(p);
        ASSERT_TRUE(p->set_setting("audio", song));
        for (const auto& k : p->clips()) ASSERT_TRUE(p->set_status(k.id, project::Status::approved));
    }
    int rc = 0;
    // status tracks the song and stores its grid in the project: the edit view reads it at once.
    std::string out = cli("status '" + d.string() + "' --json", &rc);
    ASSERT_EQ(rc, 0) << out;
    json before = json::parse(out)["edit"];
    EXPECT_NEAR(before["tempo_bpm"].get<double>(), 120.0, 1.0) << before.dump();
    EXPECT_TRUE(before["steady_beat"].get<bool>());
    EXPECT_GT(before["beat_confidence"].get<double>(), 0.0);
    const auto& alts = before["tempo_alternatives"];
    ASSERT_GE(alts.size(), 2u) << before.dump();
    EXPECT_NEAR(alts[0]["tempo_bpm"].get<double>(), 120.0, 1.0);
    const double second = alts[1]["tempo_bpm"].get<double>();
    EXPECT_GT(std::fabs(second - 120.0), 5.0);

    // (status stored the grid, so A applies at once at 0.5 s on the clock; Q then ends the run,
    // and --duration, wall time, is only a bound with room for a busy machine.)
    out = cli("play '" + d.string() + "' --edit --headless --no-audio --duration 60 --keys \"0.5:a,0.6:q\"", &rc);
    ASSERT_EQ(rc, 0) << out;
    {
        auto p = project::Project::open(d);
        ASSERT_TRUE(p);
        const auto c = project::grid_correction(*p, song);
        ASSERT_TRUE(c.reading);
        EXPECT_EQ(*c.reading, 1);
    }
    out = cli("status '" + d.string() + "' --json", &rc);
    ASSERT_EQ(rc, 0) << out;
    json after = json::parse(out)["edit"];
    EXPECT_NEAR(after["tempo_bpm"].get<double>(), second, 0.5) << after.dump();
    const int beats_before = before["beats"].get<int>(), beats_after = after["beats"].get<int>();
    EXPECT_NEAR(static_cast<double>(beats_after) / beats_before, second / 120.0, 0.1);
}

// A project folder as found on a director's disk: names with quotes, a line break, non-ASCII
// letters and shell characters; a folder of takes linked in from elsewhere; links that loop back
// up the tree and a second link to a folder inside; a dangling link. Every clip is listed once,
// under the same path every time (the path is its identity in the database), and its name
// survives `status --json`, the CSV (quoted as RFC 4180 says), the EDL (a line break in a name
// would start a bogus event) and the .otio's file URLs.
TEST(ProjectCli, OddNamesLinkedFoldersAndLoopsAreListedOnceAndSurviveExport) {
    const std::string clip = reelsync::testing::mixed_clips()[0];  // 30 fps, 72 frames
    const fs::path base = fs::path(reelsync::testing::media_dir()) / "projects" / "odd_names";
    fs::remove_all(base);
    const fs::path d = base / "project", elsewhere = base / "elsewhere";
    fs::create_directories(d / "takes");
    fs::create_directories(elsewhere);
    const std::vector<std::string> odd = {"take \"1\".mp4", "two\nlines.mp4", "\xC3\xA9t\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC.mp4", "it's $HOME;(x) `y`.mp4"};
    for (const std::string& n : odd) fs::copy_file(clip, d / n);
    fs::copy_file(clip, d / "takes" / "inner.mp4");
    fs::copy_file(clip, elsewhere / "far.mp4");
    fs::create_directory_symlink("../elsewhere", d / "linked");
    fs::create_directory_symlink(".", d / "loop");
    fs::create_directory_symlink("..", d / "takes" / "up");
    fs::create_directory_symlink("takes", d / "again");
    fs::create_symlink("nowhere.mp4", d / "dangling.mp4");

    std::vector<std::string> want = odd;
    want.push_back("takes/inner.mp4");
    want.push_back("linked/far.mp4");
    std::sort(want.begin(), want.end());
    std::vector<std::string> listed;
    for (const fs::path& p : project::list_clip_files(d)) listed.push_back(p.generic_string());
    EXPECT_EQ(listed, want);

    {
        auto p = project::Project::open(d);
        ASSERT_TRUE(p) << p.error().message;
        ASSERT_EQ(p->clips().size(), want.size());
        for (const auto& c : p->clips()) {
            EXPECT_FALSE(c.missing) << c.path;
            ASSERT_TRUE(p->set_status(c.id, project::Status::approved));
        }
        ASSERT_TRUE(p->set_note(p->clips()[0].id, "a note\nover two lines"));
    }
    int rc = 0;
    std::string out = cli("status '" + d.string() + "' --json", &rc);
    ASSERT_EQ(rc, 0) << out;
    json st = json::parse(out);
    EXPECT_EQ(st["clips"], want.size());
    EXPECT_EQ(st["approved"], want.size());
    std::vector<std::string> cut_clips;
    for (const auto& c : st["edit"]["cuts"]) cut_clips.push_back(c["clip"].get<std::string>());
    std::vector<std::string> names;
    for (const std::string& w : want) names.push_back(fs::path(w).filename().string());
    std::sort(cut_clips.begin(), cut_clips.end());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(cut_clips, names);

    const fs::path otio = base / "out.otio", edl = base / "out.edl", csv = base / "out.csv";
    out = cli("export '" + d.string() + "' --otio '" + otio.string() + "' --edl '" + edl.string() + "' --csv '" + csv.string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    // CSV: parsed as RFC 4180 (quoted fields may hold commas, doubled quotes and line breaks).
    {
        const std::string text = slurp(csv);
        std::vector<std::vector<std::string>> rows(1);
        std::string field;
        bool quoted = false;
        for (size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            if (quoted) {
                if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
                else if (c == '"') quoted = false;
                else field += c;
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                rows.back().push_back(std::move(field)), field.clear();
            } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                rows.back().push_back(std::move(field)), field.clear();
                rows.emplace_back();
                ++i;
            } else {
                field += c;
            }
        }
        if (rows.back().empty()) rows.pop_back();
        ASSERT_EQ(rows.size(), want.size() + 1);
        std::vector<std::string> paths;
        for (size_t r = 1; r < rows.size(); ++r) {
            ASSERT_EQ(rows[r].size(), rows[0].size()) << "row " << r;
            paths.push_back(rows[r][1]);
            if (!rows[r][11].empty()) {
                EXPECT_EQ(rows[r][11], "a note\nover two lines");
            }
        }
        std::sort(paths.begin(), paths.end());
        EXPECT_EQ(paths, want);
    }
    // EDL: every line is a header, an event or a comment.
    {
        std::istringstream in(slurp(edl));
        std::string line;
        int events = 0;
        while (std::getline(in, line)) {
            if (line.empty() || line.rfind("TITLE: ", 0) == 0 || line.rfind("FCM: ", 0) == 0 || line.rfind("* FROM CLIP NAME: ", 0) == 0 ||
                line.rfind("* COMMENT: ", 0) == 0)
                continue;
            EXPECT_TRUE(std::regex_match(line, std::regex("[0-9]{3}  AX +V +C +[0-9:;]{11} [0-9:;]{11} [0-9:;]{11} [0-9:;]{11}"))) << line;
            ++events;
        }
        EXPECT_EQ(events, static_cast<int>(want.size()));
        EXPECT_NE(slurp(edl).find("* FROM CLIP NAME: two lines.mp4\n"), std::string::npos);
    }
    // .otio: every clip's URL leads back to its file.
    {
        json doc = json::parse(slurp(otio));
        std::vector<std::string> paths;
        for (const auto& c : doc["tracks"]["children"][0]["children"]) {
            const fs::path p = project::path_from_url(c["media_references"]["DEFAULT_MEDIA"]["target_url"].get<std::string>());
            EXPECT_TRUE(fs::exists(p)) << p;
            paths.push_back(p.lexically_relative(d).generic_string());
        }
        std::sort(paths.begin(), paths.end());
        EXPECT_EQ(paths, want);
    }
}

// Importing an .otio made elsewhere: a range written at another rate than the clip's is converted
// to the clip's frames (1/3 s at 24 fps is frame 10 of a 30 fps clip); a URL that is not a local
// file (a web address, another machine's file URL), a range past the clip's end and a file that is
// not one of the project's clips are errors that name the shot, and change nothing.
TEST(ProjectCli, ImportConvertsRatesAndRefusesWhatIsNotAClipRange) {
    fs::path d = folder_with_clips("cli_import");
    {
        auto p = project::Project::open(d);
        ASSERT_TRUE(p);
        const auto& c = p->clips();
        ASSERT_EQ(c[0].name, "take_0.mp4");  // 30 fps, 72 frames
        ASSERT_TRUE(p->set_status(c[0].id, project::Status::approved));
        ASSERT_TRUE(p->set_in(c[0].id, 20));
        ASSERT_TRUE(p->set_out(c[0].id, 50));
    }
    int rc = 0;
    const fs::path otio = d / "made_here.otio";
    std::string out = cli("export '" + d.string() + "' --otio '" + otio.string() + "'", &rc);
    ASSERT_EQ(rc, 0) << out;
    const json made = json::parse(slurp(otio));
    auto cuts_now = [&] {
        std::string o = cli("status '" + d.string() + "' --json", &rc);
        EXPECT_EQ(rc, 0) << o;
        return json::parse(o)["edit"]["cuts"];
    };
    const json before = cuts_now();
    ASSERT_EQ(before.size(), 1u);
    auto import_variant = [&](const std::string& label, auto&& edit) {
        json doc = made;
        json& clip = doc["tracks"]["children"][0]["children"][0];
        edit(clip);
        const fs::path f = d / (label + ".otio");
        std::ofstream(f) << doc.dump(2);
        return cli("import '" + d.string() + "' --otio '" + f.string() + "'", &rc);
    };
    const std::string here = clip_url_of(made);
    for (const std::string& url : {std::string("https://example.com/media/take_0.mp4"), std::string("file://render-node-7/media/take_0.mp4")}) {
        out = import_variant("remote", [&](json& c) { c["media_references"]["DEFAULT_MEDIA"]["target_url"] = url; });
        EXPECT_EQ(rc, 1) << out;
        EXPECT_NE(out.find("not a local file: " + url), std::string::npos) << out;
        EXPECT_EQ(cuts_now(), before);
    }
    out = import_variant("past_end", [&](json& c) {
        c["source_range"]["start_time"]["value"] = 60;
        c["source_range"]["duration"]["value"] = 30;
    });
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("shot 1 (take_0.mp4): frames 60-89 are past the clip's end (72 frames)"), std::string::npos) << out;
    EXPECT_EQ(cuts_now(), before);
    out = import_variant("elsewhere", [&](json& c) {
        c["name"] = "unknown.mp4";
        c["media_references"]["DEFAULT_MEDIA"]["target_url"] = project::file_url(d.parent_path() / "unknown.mp4");
    });
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("is not a clip of"), std::string::npos) << out;
    EXPECT_EQ(cuts_now(), before);
    // Written at 24 fps: from 8/24 s (1/3 s) for 24 frames (1 s): frames 10-39 of the 30 fps clip.
    out = import_variant("at_24", [&](json& c) {
        for (const char* k : {"start_time", "duration"}) c["source_range"][k]["rate"] = 24.0;
        c["source_range"]["start_time"]["value"] = 8;
        c["source_range"]["duration"]["value"] = 24;
        c["metadata"]["reelsync"]["rate"] = "24/1";
        c["media_references"]["DEFAULT_MEDIA"]["target_url"] = "file://localhost" + here.substr(7);
    });
    EXPECT_EQ(rc, 0) << out;
    const json after = cuts_now();
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0]["clip"], "take_0.mp4");
    EXPECT_EQ(after[0]["in"], 10);
    EXPECT_EQ(after[0]["out"], 39);
}
