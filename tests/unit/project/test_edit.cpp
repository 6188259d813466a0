// The edit and its interchange formats: exact record positions at mixed frame rates, OTIO that
// reads back into the same edit, EDL text pinned for a known edit (non-drop and drop frame), CSV.
#include <gtest/gtest.h>

#include <vector>

#include <sys/resource.h>

#include <map>
#include <sstream>

#include <filesystem>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "project/catalog.h"
#include "project/edit.h"
#include "support/media_gen.h"

namespace fs = std::filesystem;
using namespace reelsync;
using namespace reelsync::project;
using json = nlohmann::json;

namespace {

// A project folder holding three clips at 23.976, 29.97 and 25 fps; A and C trimmed, C with a note.
fs::path known_project() {
    namespace t = reelsync::testing;
    const std::string a = t::indexed_clip({"edit_a_23976.mp4", "-c:v libx264 -g 12", "24000/1001", 48, 160, 120});
    const std::string b = t::indexed_clip({"edit_b_2997.mp4", "-c:v libx264 -g 15", "30000/1001", 60, 160, 120});
    const std::string c = t::indexed_clip({"edit_c_25.mkv", "-c:v libx264 -g 10", "25", 50, 160, 120});
    // One folder per test: ctest runs tests in parallel.
    fs::path d = fs::path(t::media_dir()) / "projects" / ("edit_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(d);
    fs::create_directories(d);
    fs::copy_file(a, d / "clip_a.mp4");
    fs::copy_file(b, d / "clip_b.mp4");
    fs::copy_file(c, d / "clip_c.mkv");
    auto p = Project::open(d);
    EXPECT_TRUE(p);
    auto id = [&](const char* n) {
        for (const Clip& k : p->clips())
            if (k.name == n) return k.id;
        return int64_t{0};
    };
    EXPECT_TRUE(p->set_status(id("clip_a.mp4"), Status::approved));
    EXPECT_TRUE(p->set_status(id("clip_b.mp4"), Status::approved));
    EXPECT_TRUE(p->set_status(id("clip_c.mkv"), Status::approved));
    EXPECT_TRUE(p->set_in(id("clip_a.mp4"), 12));
    EXPECT_TRUE(p->set_out(id("clip_a.mp4"), 35));
    EXPECT_TRUE(p->set_out(id("clip_c.mkv"), 24));
    EXPECT_TRUE(p->set_note(id("clip_c.mkv"), "hold on the smile"));
    EXPECT_TRUE(p->set_rating(id("clip_b.mp4"), 5));
    return d;
}

}  // namespace

TEST(Timecode, DropFrame) {
    const Rational df{30000, 1001};
    EXPECT_EQ(timecode_drop_frame(0, df), "00:00:00;00");
    EXPECT_EQ(timecode_drop_frame(1799, df), "00:00:59;29");
    EXPECT_EQ(timecode_drop_frame(1800, df), "00:01:00;02");  // ;00 and ;01 do not exist
    EXPECT_EQ(timecode_drop_frame(17981, df), "00:09:59;29");
    EXPECT_EQ(timecode_drop_frame(17982, df), "00:10:00;00");  // every tenth minute keeps them
    EXPECT_EQ(timecode_drop_frame(107892, df), "01:00:00;00");  // one hour of 29.97
    EXPECT_EQ(timecode_drop_frame(3600, Rational{60000, 1001}), "00:01:00;04");
}

TEST(Edit, RecordPositionsAreExactAtMixedRates) {
    auto p = Project::open(known_project());
    ASSERT_TRUE(p);
    auto e = build_edit(*p);
    ASSERT_TRUE(e) << e.error().message;
    ASSERT_EQ(e->shots.size(), 3u);
    EXPECT_EQ(e->rate, (Rational{24000, 1001}));  // the first shot's rate
    EXPECT_EQ(e->shots[0].in, 12);
    EXPECT_EQ(e->shots[0].out, 35);
    EXPECT_EQ(e->shots[1].frames(), 60);
    EXPECT_EQ(e->shots[2].frames(), 25);
    // 24 frames at 24000/1001 = 1.001 s; 60 at 30000/1001 = 2.002 s; 25 at 25 = 1 s.
    EXPECT_EQ(e->start_of(1), (Seconds{1001, 1000}));
    EXPECT_EQ(e->start_of(2), (Seconds{3003, 1000}));
    EXPECT_EQ(e->length(), (Seconds{4003, 1000}));
    EXPECT_EQ(e->start_of(2).round_frames(e->rate), 72);
}

// Snap to beat: a trim puts the cut it moves on the nearest beat, to the frame, at each shot's rate.
TEST(Edit, SnappedTrimsPutTheCutOnTheNearestBeat) {
    auto p = Project::open(known_project());
    ASSERT_TRUE(p);
    auto e = build_edit(*p);
    ASSERT_TRUE(e);
    // A 120 BPM grid (beats every 0.5 s from 0) and one 0.3 s beat.
    std::vector<double> beats;
    for (int k = 0; k <= 20; ++k) beats.push_back(0.5 * k);
    // Shot 0 (23.976 fps, in 12): out on frame 30 would cut at 19 frames = 0.7924 s; the nearest
    // beat is 1.0 s = 23.976 frames -> 24 frames -> out 35.
    EXPECT_EQ(snap_trim(*e, 0, false, 30, beats), 35);
    // Out near 0.5 s: frame 22 (11 frames = 0.4588 s) -> 12 frames (0.5005 s) -> out 23.
    EXPECT_EQ(snap_trim(*e, 0, false, 22, beats), 23);
    // Shot 1 starts at 1.001 s (29.97 fps, in 0, out 59, of 60 frames). Its out on 40 cuts at
    // 1.001 + 41/29.97 = 2.369 s; the nearest beat is 2.5 s -> 1.499 s = 44.93 frames -> 45 -> out 44.
    EXPECT_EQ(snap_trim(*e, 1, false, 40, beats), 44);
    // Its in on 10 (out 59: 50 frames, cut at 2.669 s): the nearest beat 2.5 s -> 45 frames -> in 15.
    EXPECT_EQ(snap_trim(*e, 1, true, 10, beats), 15);
    // Never past the clip's last frame (59): a beat beyond it leaves the out at the end.
    EXPECT_EQ(snap_trim(*e, 1, false, 59, {3.5}), 59);
    // No beats: the frame as given.
    EXPECT_EQ(snap_trim(*e, 0, false, 30, {}), 30);
    // What the snapped out gives: the cut within half a frame of the beat.
    ASSERT_TRUE(p->set_out(e->shots[0].clip_id, 35));
    auto e2 = build_edit(*p);
    ASSERT_TRUE(e2);
    EXPECT_NEAR(e2->start_of(1).to_double(), 1.0, 0.5 / 23.976);
}

TEST(Edit, EdlTextForAKnownEdit) {
    auto p = Project::open(known_project());
    ASSERT_TRUE(p);
    auto e = build_edit(*p);
    ASSERT_TRUE(e);
    e->name = "known edit";
    e->audio = "/music/song.wav";
    EXPECT_EQ(to_edl(*e, false),
              "TITLE: known edit\n"
              "FCM: NON-DROP FRAME\n"
              "\n"
              "001  AX       V     C        00:00:00:12 00:00:01:12 00:00:00:00 00:00:01:00\n"
              "* FROM CLIP NAME: clip_a.mp4\n"
              "\n"
              "002  AX       V     C        00:00:00:00 00:00:02:00 00:00:01:00 00:00:03:00\n"
              "* FROM CLIP NAME: clip_b.mp4\n"
              "\n"
              "003  AX       V     C        00:00:00:00 00:00:01:00 00:00:03:00 00:00:04:00\n"
              "* FROM CLIP NAME: clip_c.mkv\n"
              "* COMMENT: hold on the smile\n"
              "\n"
              "004  AX       A     C        00:00:00:00 00:00:04:00 00:00:00:00 00:00:04:00\n"
              "* FROM CLIP NAME: song.wav\n"
              "\n");
}

TEST(Edit, EdlDropFrame) {
    // Record at 29.97 drop frame; the second shot starts past the first minute of its source.
    Edit e;
    e.name = "df";
    e.rate = {30000, 1001};
    Shot a;
    a.name = "a.mov";
    a.rate = {30000, 1001};
    a.in = 0;
    a.out = 1799;  // one minute of frames: the record out is 00:01:00;02
    a.clip_frames = 1800;
    Shot b = a;
    b.name = "b.mov";
    b.in = 1800;
    b.out = 1829;
    b.clip_frames = 20000;
    e.shots = {a, b};
    EXPECT_EQ(to_edl(e, true),
              "TITLE: df\n"
              "FCM: DROP FRAME\n"
              "\n"
              "001  AX       V     C        00:00:00;00 00:01:00;02 00:00:00;00 00:01:00;02\n"
              "* FROM CLIP NAME: a.mov\n"
              "\n"
              "002  AX       V     C        00:01:00;02 00:01:01;02 00:01:00;02 00:01:01;02\n"
              "* FROM CLIP NAME: b.mov\n"
              "\n");
    // The same edit asked for non-drop counts 30 per second.
    EXPECT_NE(to_edl(e, false).find("00:01:00:00 00:01:01:00"), std::string::npos);
}

TEST(Edit, OtioUsesTheLibrarySchemasWithExactRates) {
    auto p = Project::open(known_project());
    ASSERT_TRUE(p);
    auto e = build_edit(*p);
    ASSERT_TRUE(e);
    e->audio = "/music/my song.wav";
    e->audio_seconds = 10;
    const std::string text = to_otio(*e);
    EXPECT_EQ(text, to_otio(*e));  // deterministic
    json t = json::parse(text);
    EXPECT_EQ(t["OTIO_SCHEMA"], "Timeline.1");
    EXPECT_EQ(t["tracks"]["OTIO_SCHEMA"], "Stack.1");
    const json& v = t["tracks"]["children"][0];
    const json& a = t["tracks"]["children"][1];
    EXPECT_EQ(v["OTIO_SCHEMA"], "Track.1");
    EXPECT_EQ(v["kind"], "Video");
    EXPECT_EQ(a["kind"], "Audio");
    ASSERT_EQ(v["children"].size(), 3u);
    const json& c0 = v["children"][0];
    EXPECT_EQ(c0["OTIO_SCHEMA"], "Clip.2");
    EXPECT_EQ(c0["source_range"]["OTIO_SCHEMA"], "TimeRange.1");
    EXPECT_EQ(c0["source_range"]["start_time"]["OTIO_SCHEMA"], "RationalTime.1");
    EXPECT_EQ(c0["source_range"]["start_time"]["rate"].get<double>(), 24000.0 / 1001.0);
    EXPECT_EQ(c0["source_range"]["start_time"]["value"].get<double>(), 12.0);
    EXPECT_EQ(c0["source_range"]["duration"]["value"].get<double>(), 24.0);
    const json& ref = c0["media_references"]["DEFAULT_MEDIA"];
    EXPECT_EQ(ref["OTIO_SCHEMA"], "ExternalReference.1");
    EXPECT_EQ(ref["target_url"], file_url(p->folder() / "clip_a.mp4"));
    EXPECT_EQ(ref["available_range"]["duration"]["value"].get<double>(), 48.0);
    const json& c1 = v["children"][1];
    EXPECT_EQ(c1["source_range"]["start_time"]["rate"].get<double>(), 30000.0 / 1001.0);
    EXPECT_EQ(c1["source_range"]["duration"]["value"].get<double>(), 60.0);
    EXPECT_EQ(c1["metadata"]["reelsync"]["rating"], 5);
    const json& c2 = v["children"][2];
    ASSERT_EQ(c2["markers"].size(), 1u);
    EXPECT_EQ(c2["markers"][0]["OTIO_SCHEMA"], "Marker.2");
    EXPECT_EQ(c2["markers"][0]["comment"], "hold on the smile");
    ASSERT_EQ(a["children"].size(), 1u);
    EXPECT_EQ(a["children"][0]["media_references"]["DEFAULT_MEDIA"]["target_url"], "file:///music/my%20song.wav");
    EXPECT_EQ(a["children"][0]["source_range"]["duration"]["value"].get<double>(), 4.003 * 48000);

    // Importing it rebuilds the same edit, and exporting that gives the same file.
    auto back = from_otio(text);
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->shots.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(back->shots[i].path, e->shots[i].path);
        EXPECT_EQ(back->shots[i].rate, e->shots[i].rate);
        EXPECT_EQ(back->shots[i].rate.num, e->shots[i].rate.num);  // exact, not 23976/1000
        EXPECT_EQ(back->shots[i].in, e->shots[i].in);
        EXPECT_EQ(back->shots[i].out, e->shots[i].out);
        EXPECT_EQ(back->shots[i].note, e->shots[i].note);
    }
    EXPECT_EQ(back->length(), e->length());
    EXPECT_EQ(back->audio, e->audio);
    EXPECT_EQ(to_otio(*back), text);
    EXPECT_FALSE(from_otio("{\"OTIO_SCHEMA\": \"Timeline.1\"}"));  // no tracks: an error, not a crash
    EXPECT_FALSE(from_otio("not json"));
}

// Inputs the fuzzer (tests/fuzz/fuzz_otio) found or that a hand-edited file can hold: each is an
// error naming what is wrong, never an exception escaping (which ended the process) or an edit
// with impossible frames.
TEST(Edit, OtioWithWrongTypesOrRangesIsAnErrorNotACrash) {
    // One clip, valid; each case below damages one field of it.
    auto clip_timeline = [](const std::string& start_value, const std::string& rate, const std::string& duration,
                            const std::string& url, const std::string& rating) {
        return R"({"OTIO_SCHEMA": "Timeline.1", "metadata": {}, "tracks": {"OTIO_SCHEMA": "Stack.1", "children": [
                 {"OTIO_SCHEMA": "Track.1", "kind": "Video", "children": [
                  {"OTIO_SCHEMA": "Clip.2", "name": "a", "metadata": {"reelsync": {"rating": )" + rating + R"(}},
                   "source_range": {"start_time": {"rate": )" + rate + R"(, "value": )" + start_value + R"(},
                                    "duration": {"rate": )" + rate + R"(, "value": )" + duration + R"(}},
                   "media_references": {"DEFAULT_MEDIA": {"target_url": )" + url + R"(, "available_range": null}}}]}]}})";
    };
    auto good = from_otio(clip_timeline("12", "24", "30", "\"file:///media/a%20b.mp4\"", "3"));
    ASSERT_TRUE(good) << good.error().message;
    ASSERT_EQ(good->shots.size(), 1u);
    EXPECT_EQ(good->shots[0].in, 12);
    EXPECT_EQ(good->shots[0].out, 41);
    EXPECT_EQ(good->shots[0].path, std::filesystem::path("/media/a b.mp4"));
    // A '%' without two hex digits after it is kept as it is (it threw from std::stoi).
    auto percent = from_otio(clip_timeline("12", "24", "30", "\"file:///media/100%zz.mp4\"", "3"));
    ASSERT_TRUE(percent) << percent.error().message;
    EXPECT_EQ(percent->shots[0].path, std::filesystem::path("/media/100%zz.mp4"));
    const std::vector<std::string> bad = {
        R"({"OTIO_SCHEMA": 333333333333333333333333333333333333333333333333333333133333333333})",  // the fuzzer's crash
        R"({"OTIO_SCHEMA": "Timeline.1", "name": 7, "metadata": {}, "tracks": {"children": []}})",
        clip_timeline("\"12\"", "24", "30", "\"file:///a.mp4\"", "3"),
        clip_timeline("12", "-24", "30", "\"file:///a.mp4\"", "3"),
        clip_timeline("12", "0", "30", "\"file:///a.mp4\"", "3"),
        clip_timeline("-5", "24", "30", "\"file:///a.mp4\"", "3"),
        clip_timeline("12", "24", "1e308", "\"file:///a.mp4\"", "3"),
        clip_timeline("9.2e18", "24", "9.2e18", "\"file:///a.mp4\"", "3"),
        clip_timeline("12", "24", "0", "\"file:///a.mp4\"", "3"),
        clip_timeline("12", "24", "30", "42", "3"),
        clip_timeline("12", "24", "30", "\"file:///a.mp4\"", "\"five\""),
        clip_timeline("12", "24", "30", "\"file:///a.mp4\"", "99"),
    };
    for (const std::string& text : bad) {
        auto r = from_otio(text);
        EXPECT_FALSE(r) << text;
        if (!r) {
            EXPECT_FALSE(r.error().message.empty());
        }
    }
}

TEST(Edit, CsvOfEveryClip) {
    auto p = Project::open(known_project());
    ASSERT_TRUE(p);
    for (const Clip& c : p->clips())
        if (c.name == "clip_c.mkv") {
            ASSERT_TRUE(p->set_note(c.id, "hold, \"then\" cut"));
        }
    EXPECT_EQ(to_csv(*p),
              "clip,path,status,rating,in,out,in_timecode,out_timecode,frames,rate,edit_position,note,missing,probe_error\r\n"
              "clip_a.mp4,clip_a.mp4,approved,0,12,35,,,,,1,,no,\r\n"
              "clip_b.mp4,clip_b.mp4,approved,5,,,,,,,2,,no,\r\n"
              "clip_c.mkv,clip_c.mkv,approved,0,,24,,,,,3,\"hold, \"\"then\"\" cut\",no,\r\n");
}

// A thumbnail's mean of R + G + B per pixel (testsrc2's colours are well above 100; black is 0).
long mean_rgb_sum(const ProjectCache::Thumbnail& th) {
    long sum = 0;
    for (size_t i = 0; i < th.rgba.size(); i += 4) sum += th.rgba[i] + th.rgba[i + 1] + th.rgba[i + 2];
    return sum / static_cast<long>(th.rgba.size() / 4);
}

// The catalogue: probes and thumbnails every clip into the project cache, then (when asked) scans
// each for artifacts; a second opening reads all of it back without decoding.
TEST(Catalog, ProbesThumbnailsAndFlagCountsAreCached) {
    namespace t = reelsync::testing;
    const std::string clean = t::generate("cat_clean.mp4", "-f lavfi -i testsrc2=s=320x240:r=24:d=3 -c:v libx264 -pix_fmt yuv420p");
    const std::string black = t::generate("cat_black.mp4",
                                          "-f lavfi -i testsrc2=s=320x240:r=24:d=3 -vf \"drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:"
                                          "enable='between(n,30,37)'\" -c:v libx264 -pix_fmt yuv420p");
    fs::path d = fs::path(t::media_dir()) / "projects" / "catalog";
    fs::remove_all(d);
    fs::create_directories(d);
    fs::copy_file(clean, d / "a_clean.mp4");
    fs::copy_file(black, d / "b_black.mp4");
    std::ofstream(d / "c_broken.mp4") << "not a video";
    auto run = [&](bool scans) {
        auto p = Project::open(d);
        EXPECT_TRUE(p);
        std::vector<Catalog::Item> items;
        for (const auto& c : p->clips())
            items.push_back({c.id, p->absolute(c), c.size, c.mtime, c.media.has_value(), c.flags >= 0 || !c.probe_error.empty()});
        Catalog cat(p->folder(), items, scans);
        cat.wait();
        while (cat.scanned() < cat.to_scan()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return cat.take();
    };
    auto first = run(true);
    int thumbs = 0, decoded = 0;
    for (const auto& c : first) {
        thumbs += c.thumbnail.has_value();
        decoded += c.thumbnail && !c.from_cache;
    }
    EXPECT_EQ(thumbs, 2);
    EXPECT_EQ(decoded, 2);
    auto p = Project::open(d);
    ASSERT_TRUE(p);
    const auto& c = p->clips();
    ASSERT_EQ(c.size(), 3u);
    ASSERT_TRUE(c[0].media);
    EXPECT_EQ(c[0].media->frame_count, 72);
    EXPECT_EQ(c[0].media->rate, (Rational{24, 1}));
    EXPECT_EQ(c[0].flags, 0);
    EXPECT_GE(c[1].flags, 1);  // the black frames
    EXPECT_FALSE(c[2].media);
    EXPECT_FALSE(c[2].probe_error.empty());
    // The thumbnail is the clip's picture: testsrc2 is colourful, not black.
    const ProjectCache::Thumbnail* th = nullptr;
    for (const auto& r : first)
        if (r.clip == c[0].id && r.thumbnail) th = &*r.thumbnail;
    ASSERT_TRUE(th);
    ASSERT_EQ(th->width, kThumbWidth);
    EXPECT_GT(mean_rgb_sum(*th), 100);
    // Second opening: everything from the cache, nothing decoded, no scan needed.
    auto second = run(true);
    int cached = 0;
    for (const auto& r : second) cached += r.thumbnail && r.from_cache;
    EXPECT_EQ(cached, 2);
    for (const auto& r : second) {
        if (r.thumbnail) {
            EXPECT_TRUE(r.from_cache);
        }
        EXPECT_EQ(r.flags, -1);  // no scan results: all were cached
    }
}

// The catalogue's two passes run where core/threads.h says: probes and thumbnails at the catalogue
// priority (nice 10), the artifact pass at the background priority (nice 19), each on its pool's
// threads (a pooled thread keeps the priority it was given). Read from /proc, per thread.
TEST(Catalog, ProbesRunAtCataloguePriorityAndScansAtBackground) {
    namespace t = reelsync::testing;
    const std::string clean = t::generate("cat_clean.mp4", "-f lavfi -i testsrc2=s=320x240:r=24:d=3 -c:v libx264 -pix_fmt yuv420p");
    fs::path d = fs::path(t::media_dir()) / "projects" / "catalog_priorities";
    fs::remove_all(d);
    fs::create_directories(d);
    for (const char* name : {"a.mp4", "b.mp4", "c.mp4"}) fs::copy_file(clean, d / name);
    auto p = Project::open(d);
    ASSERT_TRUE(p);
    std::vector<Catalog::Item> items;
    for (const auto& c : p->clips()) items.push_back({c.id, p->absolute(c), c.size, c.mtime, false, false});
    // name -> nice value of each of this process's threads
    auto niceness = [] {
        std::multimap<std::string, int> out;
        for (const auto& task : fs::directory_iterator("/proc/self/task")) {
            std::ifstream comm(task.path() / "comm"), stat(task.path() / "stat");
            std::string name, line;
            std::getline(comm, name);
            std::getline(stat, line);
            std::istringstream fields(line.substr(line.rfind(')') + 2));  // from field 3 (state) on
            std::string f;
            for (int i = 3; i <= 19 && fields >> f; ++i) {}
            out.emplace(name, std::stoi(f));  // field 19: nice
        }
        return out;
    };
    const int own = getpriority(PRIO_PROCESS, 0);  // a test run under nice keeps that floor
    Catalog cat(p->folder(), items, true, 2);
    cat.wait();
    // The pools' threads stay up until the catalogue goes, working or not. (Threads started by a
    // scan thread, such as OpenCV's, carry its name and priority: two or more.)
    const auto threads = niceness();
    ASSERT_EQ(threads.count("rs-catalogue"), 2u);
    ASSERT_GE(threads.count("rs-cat-scan"), 2u);
    for (const auto& [name, nice] : threads) {
        if (name == "rs-catalogue") {
            EXPECT_EQ(nice, std::max(own, 10)) << name;
        }
        if (name == "rs-cat-scan") {
            EXPECT_EQ(nice, std::max(own, 19)) << name;
        }
    }
    while (cat.scanned() < cat.to_scan()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    int flag_counts = 0;
    for (const auto& r : cat.take()) flag_counts += r.flags == 0;
    EXPECT_EQ(flag_counts, 3);  // each clean clip scanned once, on the scans' pool
}

// A probe already started when playback begins holds before it decodes (a thumbnail decode beside
// a player on two cores costs the player frames), and goes on, with the right picture, when let go.
TEST(Catalog, AProbeInFlightWaitsWhileHeldBeforeItDecodes) {
    namespace t = reelsync::testing;
    const std::string clean = t::generate("cat_clean.mp4", "-f lavfi -i testsrc2=s=320x240:r=24:d=3 -c:v libx264 -pix_fmt yuv420p");
    std::atomic<bool> hold{true}, quit{false};
    std::atomic<bool> returned{false};
    Result<Catalogued> got = std::unexpected(Error{"not run"});
    std::thread probe([&] {
        got = catalogue_clip(clean, &hold, &quit);
        returned.store(true);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    EXPECT_FALSE(returned.load()) << "the probe decoded while held";
    hold.store(false);
    probe.join();
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_TRUE(got->media);
    EXPECT_EQ(got->media->frame_count, 72);
    ASSERT_TRUE(got->thumbnail);
    EXPECT_GT(mean_rgb_sum(*got->thumbnail), 100);  // testsrc2's colours, not black
    // Quitting ends a hold: a catalogue going away while held does not hang.
    hold.store(true);
    quit.store(true);
    std::thread quitting([&] { EXPECT_TRUE(catalogue_clip(clean, &hold, &quit)); });
    quitting.join();
}
