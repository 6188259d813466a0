// The review engine driven by commands alone: no window, no binary. A folder of generated takes is
// culled (move, approve, reject, rate, note, filter, sort, undo, redo), clips are marked at given
// clock instants while they play (presented here as a window would, without a GPU), the edit is
// reordered, trimmed and cut, and the beat grid corrected. Every decision is read back from the
// project's database through a second connection: saved, not only shown.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/threads.h"
#include "core/timecode.h"
#include "project/edit.h"
#include "project/project.h"
#include "project/project_io.h"
#include "review/command.h"
#include "review/command_feed.h"
#include "review/command_server.h"
#include "review/keymap.h"
#include "review/presenter.h"
#include "review/review.h"
#include "review/session.h"
#include "support/media_gen.h"
#include "support/music_gen.h"

namespace fs = std::filesystem;
using namespace reelsync;
using namespace reelsync::review;

namespace {

// Four takes of different lengths (frames carry their index in their pixels).
fs::path make_folder(const std::string& name) {
    const fs::path dir = fs::path(reelsync::testing::media_dir()) / "projects" / ("review engine " + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::pair<const char*, int> takes[] = {{"a.mp4", 60}, {"b.mp4", 90}, {"c.mp4", 120}, {"d.mp4", 45}};
    for (const auto& [file, frames] : takes) {
        const std::string src = reelsync::testing::indexed_clip(
            {std::string("review_") + std::to_string(frames) + ".mp4", "-c:v libx264 -g 15", "30", frames, 160, 120});
        fs::copy_file(src, dir / file);
    }
    return dir;
}

Outcome run(Review& r, const std::string& text, double at = 0) {
    auto c = parse_command(text);
    EXPECT_TRUE(c) << text << ": " << (c ? "" : c.error().message);
    if (!c) return Outcome::not_here;
    return r.execute(*c, at);
}

// Ticks the review (its helper threads hand results over) until `done`, at most 30 s.
template <class F>
bool tick_until(Review& r, F done) {
    const double give_up = steady_seconds() + 30;
    while (!done()) {
        if (steady_seconds() > give_up) return false;
        (void)r.tick();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

struct Present {
    double at;       // steady instant of the present
    int64_t frame;   // timeline frame
};

// Nothing drawn, shown at once: the presenter's timing with no GPU.
struct NoScreen : FrameTarget {
    double shown_at = 0;
    Result<bool> draw(const media::VideoFrame&, Rational) override { return true; }
    Result<double> show() override { return shown_at = steady_seconds(); }
};

// Presents what the player plans for `seconds` (and on until `at_least` frames went up, on a slow
// build) through the engine's presenter, as the window's loop does, without drawing.
std::vector<Present> present_for(Session& s, Review& r, double seconds, size_t at_least = 0) {
    std::vector<Present> out;
    Presenter presenter;
    NoScreen screen;
    const double end = steady_seconds() + seconds, give_up = end + 20;
    while ((steady_seconds() < end || out.size() < at_least) && steady_seconds() < give_up) {
        (void)r.tick();
        timeline::Player& p = s.player();
        const double now = steady_seconds();
        auto step = presenter.step(p, screen, s.reader().info(), now);
        EXPECT_TRUE(step);
        if (!step) break;
        if (!step->shown) {
            sleep_until(std::min(step->wake_at, now + 0.005));
            continue;
        }
        const auto& on = p.current();
        out.push_back({screen.shown_at, on ? on->index : -1});
    }
    return out;
}

const project::Clip& clip_named(const project::Project& p, const std::string& name) {
    for (const auto& c : p.clips())
        if (c.name == name) return c;
    throw std::runtime_error("no clip " + name);
}

std::string selected_name(Review& r) { return r.project().clip(r.selected_id())->name; }

std::vector<std::string> visible_names(Review& r) {
    std::vector<std::string> n;
    for (size_t i : r.visible()) n.push_back(r.project().clips()[i].name);
    return n;
}

SessionOptions quiet() {
    SessionOptions o;
    o.no_audio = true;  // the timer clock: these tests judge the review, not the audio device
    return o;
}

// A session on the timer clock and a review of `dir` in it (with `song`: the project's song too).
struct Reviewing {
    Session s;
    std::unique_ptr<Review> r;  // null when the session or the project did not open
    explicit Reviewing(const fs::path& dir, SessionOptions o = quiet(), const std::string& song = {}) : s(std::move(o)) {
        if (!s.start()) return;
        auto p = song.empty() ? project::Project::open(dir) : project::open_project(dir.string(), song);
        if (p) r = std::make_unique<Review>(std::move(*p), s);
    }
};

}  // namespace

TEST(ReviewEngine, CullingThroughAFolderWithCommands) {
    const fs::path dir = make_folder("culling");
    Reviewing rv(dir);
    ASSERT_TRUE(rv.r);
    Review& r = *rv.r;
    ASSERT_TRUE(tick_until(r, [&] { return r.all_catalogued(); }));
    EXPECT_EQ(r.context(), Context::browser);
    ASSERT_EQ(visible_names(r), (std::vector<std::string>{"a.mp4", "b.mp4", "c.mp4", "d.mp4"}));
    EXPECT_EQ(selected_name(r), "a.mp4");

    // A decision moves on to the next clip, as in culling tools; a rating or a note does not.
    EXPECT_EQ(run(r, "approve"), Outcome::done);
    EXPECT_EQ(selected_name(r), "b.mp4");
    EXPECT_EQ(run(r, "reject"), Outcome::done);
    EXPECT_EQ(selected_name(r), "c.mp4");
    EXPECT_EQ(run(r, "rate 4"), Outcome::done);
    EXPECT_EQ(run(r, "note Soft focus; keep for the bridge"), Outcome::done);
    EXPECT_EQ(selected_name(r), "c.mp4");

    // Moving.
    run(r, "next_clip");
    EXPECT_EQ(selected_name(r), "d.mp4");
    run(r, "move -3");
    EXPECT_EQ(selected_name(r), "a.mp4");
    run(r, "move -3");  // stops at the first
    EXPECT_EQ(selected_name(r), "a.mp4");
    run(r, "last_clip");
    EXPECT_EQ(selected_name(r), "d.mp4");
    run(r, "first_clip");
    EXPECT_EQ(selected_name(r), "a.mp4");

    // Filters and sorting.
    run(r, "filter_status approved");
    EXPECT_EQ(visible_names(r), (std::vector<std::string>{"a.mp4"}));
    run(r, "filter_status rejected");
    EXPECT_EQ(visible_names(r), (std::vector<std::string>{"b.mp4"}));
    run(r, "filter_status unreviewed");
    EXPECT_EQ(visible_names(r), (std::vector<std::string>{"c.mp4", "d.mp4"}));
    run(r, "filter_status all");
    run(r, "filter_rating 4");
    EXPECT_EQ(visible_names(r), (std::vector<std::string>{"c.mp4"}));
    run(r, "filter_rating 0");
    run(r, "sort duration");
    EXPECT_EQ(visible_names(r), (std::vector<std::string>{"d.mp4", "a.mp4", "b.mp4", "c.mp4"}));
    run(r, "sort name");
    EXPECT_EQ(visible_names(r).front(), "a.mp4");

    // Undo and redo, newest first.
    EXPECT_EQ(clip_named(r.project(), "c.mp4").note, "Soft focus; keep for the bridge");
    run(r, "undo");
    EXPECT_EQ(clip_named(r.project(), "c.mp4").note, "");
    run(r, "undo");
    EXPECT_EQ(clip_named(r.project(), "c.mp4").rating, 0);
    run(r, "redo");
    EXPECT_EQ(clip_named(r.project(), "c.mp4").rating, 4);

    // A command that does nothing here says so, and changes nothing.
    EXPECT_EQ(run(r, "trim_in"), Outcome::not_here);
    EXPECT_TRUE(r.message_is_error());
    EXPECT_NE(r.message().find("trim_in does nothing in the browser"), std::string::npos) << r.message();
    // What the window does is handed back to it.
    EXPECT_EQ(run(r, "help"), Outcome::for_window);

    // Saved: a second connection to the database reads every decision.
    auto again = project::Project::open(dir);
    ASSERT_TRUE(again);
    EXPECT_EQ(clip_named(*again, "a.mp4").status, project::Status::approved);
    EXPECT_EQ(clip_named(*again, "b.mp4").status, project::Status::rejected);
    EXPECT_EQ(clip_named(*again, "c.mp4").status, project::Status::unreviewed);
    EXPECT_EQ(clip_named(*again, "c.mp4").rating, 4);
    EXPECT_EQ(clip_named(*again, "c.mp4").note, "");
    EXPECT_EQ(clip_named(*again, "d.mp4").status, project::Status::unreviewed);

    // Every command was recorded, in order (none had a clip playing: no clock instant).
    ASSERT_GE(r.history().size(), 20u);
    EXPECT_EQ(r.history().front().command, "approve");
    EXPECT_EQ(r.history()[2].command, "rate 4");
    EXPECT_LT(r.history().front().clock, 0);
}

TEST(ReviewEngine, MarksLandOnTheFrameOnScreenAtTheirInstant) {
    const fs::path dir = make_folder("marks");
    Reviewing rv(dir);
    ASSERT_TRUE(rv.r);
    Session& s = rv.s;
    Review& r = *rv.r;
    EXPECT_EQ(run(r, "open b.mp4"), Outcome::done);
    ASSERT_TRUE(tick_until(r, [&] { return r.context() == Context::viewer && !r.pending(); }));
    const int64_t b = clip_named(r.project(), "b.mp4").id;
    ASSERT_EQ(s.project_clip, b);

    const auto presents = present_for(s, r, 1.2, 29);
    ASSERT_GT(presents.size(), 28u);
    // Instants between presents: the frame on screen then is the one presented last before.
    const Present& in = presents[8];
    const Present& out = presents[26];
    const double frame_s = 1.0 / 30.0;
    EXPECT_EQ(run(r, "mark_in", in.at + frame_s * 0.5), Outcome::done);
    EXPECT_EQ(run(r, "mark_out", out.at + 0.001), Outcome::done);
    EXPECT_EQ(clip_named(r.project(), "b.mp4").mark_in, in.frame);
    EXPECT_EQ(clip_named(r.project(), "b.mp4").mark_out, out.frame);
    // The history has the master-clock instants they applied to, a frame apart from the presents'.
    const auto& h = r.history();
    ASSERT_GE(h.size(), 3u);
    EXPECT_EQ(h[h.size() - 2].command, "mark_in");
    EXPECT_NEAR(h[h.size() - 2].clock, s.player().clock().time_at(in.at + frame_s * 0.5), 1e-6);
    EXPECT_NEAR(h[h.size() - 2].clock, static_cast<double>(in.frame) / 30.0 + frame_s * 0.5, 1.5 * frame_s);

    EXPECT_EQ(run(r, "approve"), Outcome::done);  // the viewer stays on the clip
    EXPECT_EQ(s.project_clip, b);

    EXPECT_EQ(run(r, "goto_in"), Outcome::done);
    EXPECT_FALSE(s.player().playing());
    EXPECT_EQ(s.player().current_index(), in.frame);
    EXPECT_EQ(run(r, "clear_marks"), Outcome::done);
    EXPECT_FALSE(clip_named(r.project(), "b.mp4").mark_in.has_value());
    EXPECT_EQ(run(r, "undo"), Outcome::done);
    EXPECT_EQ(clip_named(r.project(), "b.mp4").mark_in, in.frame);
    EXPECT_EQ(clip_named(r.project(), "b.mp4").mark_out, out.frame);

    // Transport runs through the same commands.
    EXPECT_EQ(run(r, "seek_frame 45"), Outcome::done);
    (void)present_for(s, r, 0.1);
    EXPECT_EQ(s.player().current_index(), 45);
    EXPECT_EQ(run(r, "step -10"), Outcome::done);
    (void)present_for(s, r, 0.1);
    EXPECT_EQ(s.player().current_index(), 35);

    // The next clip, pre-rolled; then back to the browser.
    EXPECT_EQ(run(r, "next_clip"), Outcome::done);
    const int64_t c = clip_named(r.project(), "c.mp4").id;
    ASSERT_TRUE(tick_until(r, [&] { return s.project_clip == c; }));
    EXPECT_EQ(run(r, "back"), Outcome::done);
    EXPECT_EQ(r.context(), Context::browser);

    auto again = project::Project::open(dir);
    ASSERT_TRUE(again);
    EXPECT_EQ(clip_named(*again, "b.mp4").mark_in, in.frame);
    EXPECT_EQ(clip_named(*again, "b.mp4").mark_out, out.frame);
    EXPECT_EQ(clip_named(*again, "b.mp4").status, project::Status::approved);
}

// On few cores (core/threads.h) the catalogue's probes, thumbnails and artifact pass hold while a
// clip or the edit plays, so that playback keeps every frame, and go on when playback pauses or the
// director is back in the browser. On more cores it never holds.
TEST(ReviewEngine, TheCatalogueHoldsWhilePlaybackRunsOnFewCores) {
    const fs::path dir = make_folder("hold");
    Reviewing rv(dir);
    ASSERT_TRUE(rv.r);
    Session& s = rv.s;
    Review& r = *rv.r;
    const bool few = threads::few_cores();
    std::printf("%u cores: the catalogue %s hold while playing\n", threads::cores(), few ? "should" : "should not");
    (void)r.tick();
    EXPECT_FALSE(r.catalogue_held()) << "held in the browser";

    EXPECT_EQ(run(r, "open c.mp4"), Outcome::done);  // 4 s: plays through the checks below
    ASSERT_TRUE(tick_until(r, [&] { return r.context() == Context::viewer && !r.pending(); }));
    ASSERT_TRUE(s.player().playing());
    (void)r.tick();
    EXPECT_EQ(r.catalogue_held(), few) << "a clip playing in the viewer";
    EXPECT_EQ(run(r, "pause"), Outcome::done);
    (void)r.tick();
    EXPECT_FALSE(r.catalogue_held()) << "the viewer paused";
    EXPECT_EQ(run(r, "play"), Outcome::done);
    (void)r.tick();
    EXPECT_EQ(r.catalogue_held(), few) << "playing again";
    EXPECT_EQ(run(r, "back"), Outcome::done);
    (void)r.tick();
    EXPECT_FALSE(r.catalogue_held()) << "back in the browser";

    run(r, "first_clip");
    run(r, "approve");  // a
    run(r, "approve");  // b
    EXPECT_EQ(run(r, "edit_view"), Outcome::done);
    ASSERT_TRUE(tick_until(r, [&] { return r.context() == Context::edit && !r.pending(); }));
    ASSERT_TRUE(s.playing_edit());
    if (!s.player().playing()) {
        EXPECT_EQ(run(r, "play"), Outcome::done);
    }
    (void)r.tick();
    EXPECT_EQ(r.catalogue_held(), few) << "the edit playing";
    EXPECT_EQ(run(r, "back"), Outcome::done);
    (void)r.tick();
    EXPECT_FALSE(r.catalogue_held()) << "back in the browser from the edit";
}

TEST(ReviewEngine, EditMovesTrimsAndCutsShots) {
    const fs::path dir = make_folder("edit");
    Reviewing rv(dir);
    ASSERT_TRUE(rv.r);
    Session& s = rv.s;
    Review& r = *rv.r;
    run(r, "approve");  // a
    run(r, "approve");  // b
    run(r, "approve");  // c
    auto edit_names = [&] {
        std::vector<std::string> n;
        for (const project::Clip* c : r.project().edit()) n.push_back(c->name);
        return n;
    };
    ASSERT_EQ(edit_names(), (std::vector<std::string>{"a.mp4", "b.mp4", "c.mp4"}));
    EXPECT_EQ(run(r, "edit_view"), Outcome::done);
    ASSERT_TRUE(tick_until(r, [&] { return r.context() == Context::edit && !r.pending(); }));
    ASSERT_TRUE(s.playing_edit());

    // The shot under the playhead (a, at the start) one place later.
    EXPECT_EQ(run(r, "move_shot 1"), Outcome::done);
    EXPECT_EQ(edit_names(), (std::vector<std::string>{"b.mp4", "a.mp4", "c.mp4"}));
    ASSERT_TRUE(tick_until(r, [&] { return !r.pending(); }));
    // The edit re-opened showing a at its new place: b's 90 frames come first.
    EXPECT_EQ(s.edit()->shot_at(s.player().current_index()), 1u);
    EXPECT_EQ(s.edit()->shot_start(1), 90);

    // Trim a's out at the frame on screen.
    run(r, "play");
    const auto presents = present_for(s, r, 0.8, 16);
    ASSERT_GT(presents.size(), 15u);
    const Present& on = presents[12];
    ASSERT_GE(on.frame, 90);
    const int64_t source = on.frame - 90;  // a's frames from its first
    EXPECT_EQ(run(r, "trim_out", on.at + 0.002), Outcome::done);
    EXPECT_EQ(clip_named(r.project(), "a.mp4").mark_out, source);
    ASSERT_TRUE(tick_until(r, [&] { return !r.pending(); }));
    ASSERT_TRUE(r.edit());
    EXPECT_EQ(r.edit()->shots[1].out, source);

    // Cut it from the edit: it stays approved; undo puts it back.
    run(r, "pause");
    run(r, "seek_frame 95");
    (void)present_for(s, r, 0.1);
    EXPECT_EQ(run(r, "remove_shot"), Outcome::done);
    EXPECT_EQ(edit_names(), (std::vector<std::string>{"b.mp4", "c.mp4"}));
    EXPECT_EQ(clip_named(r.project(), "a.mp4").status, project::Status::approved);
    ASSERT_TRUE(tick_until(r, [&] { return !r.pending(); }));
    EXPECT_EQ(run(r, "undo"), Outcome::done);
    EXPECT_EQ(edit_names(), (std::vector<std::string>{"b.mp4", "a.mp4", "c.mp4"}));
    ASSERT_TRUE(tick_until(r, [&] { return !r.pending(); }));

    auto again = project::Project::open(dir);
    ASSERT_TRUE(again);
    auto e = project::build_edit(*again);
    ASSERT_TRUE(e);
    ASSERT_EQ(e->shots.size(), 3u);
    EXPECT_EQ(e->shots[0].name, "b.mp4");
    EXPECT_EQ(e->shots[1].name, "a.mp4");
    EXPECT_EQ(e->shots[1].out, source);
}

TEST(ReviewEngine, BeatGridCorrectionsByCommand) {
    const fs::path dir = make_folder("grid");
    const auto song = reelsync::testing::generate_music("review_grid_120.wav", {.bpm = 120, .seconds = 12, .bar_bass = true});
    SessionOptions o = quiet();
    o.audio_track = song.path;
    Reviewing rv(dir, o, song.path);
    ASSERT_TRUE(rv.r);
    Session& s = rv.s;
    Review& r = *rv.r;
    run(r, "approve");
    run(r, "approve");
    run(r, "edit_view");
    ASSERT_TRUE(tick_until(r, [&] { return r.context() == Context::edit && !r.pending() && r.beats().has_value(); }));
    const std::vector<double> tracked = r.beats()->beats;
    ASSERT_GT(tracked.size(), 16u);

    EXPECT_EQ(run(r, "nudge_grid +5ms"), Outcome::done);
    ASSERT_EQ(r.beats()->beats.size(), tracked.size());
    for (size_t i = 0; i < tracked.size(); ++i) EXPECT_NEAR(r.beats()->beats[i], tracked[i] + 0.005, 1e-9);
    EXPECT_EQ(run(r, "nudge_grid -1ms"), Outcome::done);
    EXPECT_NEAR(r.beats()->beats[3], tracked[3] + 0.004, 1e-9);
    const fs::path song_path = fs::absolute(song.path).lexically_normal();
    EXPECT_NEAR(project::grid_correction(r.project(), song_path).offset, 0.004, 1e-12);

    // The downbeat: the beat nearest the playhead (paused at 2.0 s) is beat 1.
    run(r, "seek 2s");
    (void)present_for(s, r, 0.1);
    EXPECT_EQ(run(r, "grid_downbeat"), Outcome::done);
    auto c = project::grid_correction(r.project(), song_path);
    ASSERT_TRUE(c.first_downbeat.has_value());
    EXPECT_NEAR(*c.first_downbeat, 2.0, 0.03);

    EXPECT_EQ(run(r, "grid_reset"), Outcome::done);
    EXPECT_TRUE(project::grid_correction(r.project(), song_path).empty());
    for (size_t i = 0; i < tracked.size(); ++i) EXPECT_NEAR(r.beats()->beats[i], tracked[i], 1e-9);

    // On the off-beat: every beat halfway to the next; the same command again puts it back.
    EXPECT_EQ(run(r, "grid_offbeat"), Outcome::done);
    EXPECT_TRUE(project::grid_correction(r.project(), song_path).offbeat);
    ASSERT_GE(r.beats()->beats.size(), tracked.size() - 1);
    for (size_t i = 0; i + 1 < tracked.size(); ++i) EXPECT_NEAR(r.beats()->beats[i], 0.5 * (tracked[i] + tracked[i + 1]), 1e-9);
    EXPECT_EQ(run(r, "grid_offbeat"), Outcome::done);
    EXPECT_TRUE(project::grid_correction(r.project(), song_path).empty());
    for (size_t i = 0; i < tracked.size(); ++i) EXPECT_NEAR(r.beats()->beats[i], tracked[i], 1e-9);

    // Saved in the project: a second connection reads the correction.
    run(r, "nudge_grid +5ms");
    auto again = project::Project::open(dir);
    ASSERT_TRUE(again);
    EXPECT_NEAR(project::grid_correction(*again, song_path).offset, 0.005, 1e-12);
}

// A grid command that comes while the song's grid is still being tracked waits for it, holding
// what comes after it, then applies at its own clock instant (not refused, not dropped).
TEST(ReviewEngine, AGridCommandWaitsWhileTheGridIsTracked) {
    const fs::path dir = make_folder("grid_wait");
    // A long song, so that tracking it outlasts opening the edit.
    const auto song = reelsync::testing::generate_music("review_grid_wait_124.wav", {.bpm = 124, .seconds = 240, .bar_bass = true});
    SessionOptions o = quiet();
    o.audio_track = song.path;
    Reviewing rv(dir, o, song.path);
    ASSERT_TRUE(rv.r);
    Session& s = rv.s;
    Review& r = *rv.r;
    run(r, "approve");
    run(r, "approve");
    run(r, "edit_view");
    ASSERT_TRUE(tick_until(r, [&] { return r.context() == Context::edit && !r.pending(); }));
    ASSERT_TRUE(r.beats_pending()) << "the grid was tracked before the test could send its command";

    // A script's requests (the command interface, through a pipe): the nudge, then snap on.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    FILE* replies = std::tmpfile();
    ASSERT_NE(replies, nullptr);
    CommandServer server(fds[0], replies);
    const std::string lines = "{\"command\": \"nudge_grid +5ms\"}\n{\"command\": \"snap\"}\n";
    ASSERT_EQ(write(fds[1], lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
    close(fds[1]);
    const KeyMap km = KeyMap::defaults();
    CommandFeed feed(km, {}, &server);
    feed.set_start(steady_seconds());
    const fs::path song_path = fs::absolute(song.path).lexically_normal();
    const size_t history_before = r.history().size();
    int pumped_while_pending = 0;
    while (r.beats_pending()) {
        (void)feed.pump(s, &r, steady_seconds());
        if (r.beats_pending()) {
            ++pumped_while_pending;
            EXPECT_TRUE(project::grid_correction(r.project(), song_path).empty()) << "applied before the grid was there";
            EXPECT_FALSE(r.snap()) << "the command after the grid command ran first";
            EXPECT_EQ(r.history().size(), history_before);
        }
        (void)r.tick();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_GT(pumped_while_pending, 0);
    ASSERT_TRUE(r.beats().has_value());
    for (int k = 0; k < 100 && !feed.idle(); ++k) {
        (void)feed.pump(s, &r, steady_seconds());
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(feed.idle());
    std::fclose(replies);
    EXPECT_NEAR(project::grid_correction(r.project(), song_path).offset, 0.005, 1e-12);
    EXPECT_TRUE(r.snap());
    // Recorded at the key's own instant, in order.
    ASSERT_GE(r.history().size(), 2u);
    const auto& h = r.history();
    EXPECT_EQ(h[h.size() - 2].command, "nudge_grid +5ms");
    EXPECT_NEAR(h[h.size() - 2].clock, 0.0, 1e-9);  // the paused edit's clock when the request came
    EXPECT_EQ(h.back().command, "snap");
}

// The edit view's continuity at each cut, worked out by the engine off the presenting thread:
// two takes of the same grey and one two stops brighter. In edit order a, b, bright: the a-b cut
// is continuous (0 EV), the b-bright cut a jump of about +2 EV. After the bright shot is moved to
// the front, the cuts are worked out again for the new order: bright-a is about -2.3 EV, and a-b
// keeps its figures.
TEST(ReviewEngine, ContinuityAtEveryCutOfTheEditFollowsItsChanges) {
    namespace t = reelsync::testing;
    const fs::path dir = fs::path(t::media_dir()) / "projects" / "review engine continuity";
    fs::remove_all(dir);
    fs::create_directories(dir);
    // Grey 80 and 156 become luma 85 and 150 (studio range); in linear light (BT.1886, a 2.4
    // power) ((150-16)/(85-16))^2.4 = 4.9: about +2.3 EV.
    const std::string grey = t::generate("cont_grey.mp4", "-f lavfi -i color=c=0x505050:s=160x120:r=30:d=1 -c:v libx264 -pix_fmt yuv420p");
    const std::string bright = t::generate("cont_bright.mp4", "-f lavfi -i color=c=0x9c9c9c:s=160x120:r=30:d=1 -c:v libx264 -pix_fmt yuv420p");
    fs::copy_file(grey, dir / "a.mp4");
    fs::copy_file(grey, dir / "b.mp4");
    fs::copy_file(bright, dir / "c_bright.mp4");
    Reviewing rv(dir);
    ASSERT_TRUE(rv.r);
    Review& r = *rv.r;
    for (int i = 0; i < 3; ++i) run(r, "approve");
    EXPECT_EQ(run(r, "edit_view"), Outcome::done);
    ASSERT_TRUE(tick_until(r, [&] { return r.context() == Context::edit && !r.pending() && !r.continuity_pending(); }));
    ASSERT_EQ(r.continuity().size(), 2u);
    ASSERT_TRUE(r.continuity()[0] && r.continuity()[1]);
    const analysis::Continuity same = *r.continuity()[0], jump = *r.continuity()[1];
    EXPECT_NEAR(same.exposure_ev, 0.0, 0.05);
    EXPECT_LT(same.delta_e, 1.0);
    EXPECT_FALSE(analysis::flagged(same));
    EXPECT_GT(jump.exposure_ev, 2.0);
    EXPECT_LT(jump.exposure_ev, 3.5);
    EXPECT_TRUE(analysis::flagged(jump));
    // The same figures as the command line's (project::cut_continuity on the stored edit).
    auto e = project::build_edit(r.project());
    ASSERT_TRUE(e);
    const auto direct = project::cut_continuity(*e);
    ASSERT_EQ(direct.size(), 2u);
    EXPECT_DOUBLE_EQ(direct[1]->exposure_ev, jump.exposure_ev);

    // The bright shot first: seek onto it and move it two places earlier.
    run(r, "pause");
    run(r, "seek_frame 65");
    (void)present_for(rv.s, r, 0.1);
    EXPECT_EQ(run(r, "move_shot -2"), Outcome::done);
    ASSERT_TRUE(tick_until(r, [&] { return !r.pending() && !r.continuity_pending() && r.continuity().size() == 2 && r.continuity()[0]; }));
    ASSERT_EQ(r.edit()->shots.front().name, "c_bright.mp4");
    EXPECT_LT(r.continuity()[0]->exposure_ev, -2.0);
    EXPECT_TRUE(analysis::flagged(*r.continuity()[0]));
    ASSERT_TRUE(r.continuity()[1]);
    EXPECT_DOUBLE_EQ(r.continuity()[1]->exposure_ev, same.exposure_ev);
}

// Takes picked in the browser compared in the viewer: C picks, V compares (the picked takes, one
// clock); decisions go to the active take (A first; a flip makes the take it shows active; take N
// picks one); a mark lands on the active take's own frame on screen at the instant (the takes run
// at 30 fps from the same start, so it is the compare's frame). Read back from the database.
TEST(ReviewEngine, TakesPickedInTheBrowserAreComparedAndDecidedOneByOne) {
    const fs::path dir = make_folder("compare");
    Reviewing rv(dir);
    ASSERT_TRUE(rv.r);
    Session& s = rv.s;
    Review& r = *rv.r;
    ASSERT_EQ(selected_name(r), "a.mp4");
    EXPECT_EQ(run(r, "compare"), Outcome::done) << r.message();  // nothing picked: a and the next (b)
    ASSERT_TRUE(tick_until(r, [&] { return !r.pending(); }));  // opened on a helper thread
    ASSERT_EQ(r.compared().size(), 2u);
    EXPECT_EQ(r.project().clip(r.compared()[1])->name, "b.mp4");
    run(r, "back");
    // Pick a, c and d (c and d out of order: the picking order is the take order).
    EXPECT_EQ(run(r, "pick"), Outcome::done);
    run(r, "move 3");
    EXPECT_EQ(run(r, "pick"), Outcome::done);
    run(r, "move -1");
    EXPECT_EQ(run(r, "pick"), Outcome::done);
    ASSERT_EQ(r.picked().size(), 3u);
    EXPECT_EQ(run(r, "compare"), Outcome::done) << r.message();
    ASSERT_TRUE(tick_until(r, [&] { return !r.pending(); }));
    ASSERT_EQ(r.context(), Context::viewer);
    ASSERT_TRUE(s.compare());
    EXPECT_EQ(s.compare()->views, 3);
    std::vector<std::string> names;
    for (int64_t id : r.compared()) names.push_back(r.project().clip(id)->name);
    EXPECT_EQ(names, (std::vector<std::string>{"a.mp4", "d.mp4", "c.mp4"}));
    EXPECT_TRUE(r.picked().empty());

    EXPECT_EQ(run(r, "approve"), Outcome::done);  // take A: a
    EXPECT_EQ(run(r, "flip"), Outcome::done);     // shows A (the flip starts on it): A stays active
    EXPECT_EQ(r.active_take(), 0u);
    EXPECT_EQ(run(r, "flip"), Outcome::done);     // B: d
    EXPECT_EQ(r.active_take(), 1u);
    EXPECT_EQ(run(r, "reject"), Outcome::done);
    EXPECT_EQ(run(r, "take 3"), Outcome::done);   // c
    EXPECT_EQ(run(r, "rate 4"), Outcome::done);
    EXPECT_EQ(run(r, "take 5"), Outcome::not_here);
    // Each take's label says where it stands (approving put a in the edit; no clip is scanned here).
    EXPECT_EQ(r.compared_states(), (std::vector<std::string>{"approved  in the edit  not scanned", "rejected  not scanned", "unreviewed  rated 4  not scanned"}));
    // A mark on c's frame on screen at a known instant while the compare plays.
    run(r, "play");
    const auto presents = present_for(s, r, 0.6, 12);
    ASSERT_GT(presents.size(), 10u);
    const Present& on = presents[8];
    EXPECT_EQ(run(r, "mark_in", on.at + 0.002), Outcome::done);
    run(r, "back");
    EXPECT_EQ(r.context(), Context::browser);

    auto again = project::Project::open(dir);
    ASSERT_TRUE(again);
    EXPECT_EQ(clip_named(*again, "a.mp4").status, project::Status::approved);
    EXPECT_EQ(clip_named(*again, "d.mp4").status, project::Status::rejected);
    EXPECT_EQ(clip_named(*again, "c.mp4").rating, 4);
    EXPECT_EQ(clip_named(*again, "c.mp4").mark_in, on.frame);
    EXPECT_FALSE(clip_named(*again, "a.mp4").mark_in.has_value());
    EXPECT_EQ(clip_named(*again, "b.mp4").status, project::Status::unreviewed);
}

// From a compare, another take takes a shot's place in the edit: a and b are in the edit (a, b);
// c (unreviewed) is compared with a and, made active, used instead: the edit is c, b; a stays
// approved, out of the edit; c is approved. One undo puts it back as it was.
TEST(ReviewEngine, ATakeFromTheCompareTakesTheShotsPlaceInTheEdit) {
    const fs::path dir = make_folder("use take");
    Reviewing rv(dir);
    ASSERT_TRUE(rv.r);
    Review& r = *rv.r;
    run(r, "approve");  // a
    run(r, "approve");  // b
    auto edit_names = [&] {
        std::vector<std::string> n;
        for (const project::Clip* c : r.project().edit()) n.push_back(c->name);
        return n;
    };
    ASSERT_EQ(edit_names(), (std::vector<std::string>{"a.mp4", "b.mp4"}));
    run(r, "first_clip");
    run(r, "pick");  // a
    run(r, "move 2");
    run(r, "pick");  // c
    ASSERT_EQ(run(r, "compare"), Outcome::done) << r.message();
    ASSERT_TRUE(tick_until(r, [&] { return !r.pending(); }));
    EXPECT_EQ(run(r, "use_take"), Outcome::not_here);  // a (active) is the take in the edit
    run(r, "take 2");
    EXPECT_EQ(run(r, "use_take"), Outcome::done) << r.message();
    EXPECT_EQ(edit_names(), (std::vector<std::string>{"c.mp4", "b.mp4"}));
    auto again = project::Project::open(dir);
    ASSERT_TRUE(again);
    EXPECT_EQ(clip_named(*again, "c.mp4").status, project::Status::approved);
    EXPECT_EQ(clip_named(*again, "a.mp4").status, project::Status::approved);
    EXPECT_FALSE(clip_named(*again, "a.mp4").edit_pos.has_value());
    EXPECT_EQ(run(r, "undo"), Outcome::done);
    EXPECT_EQ(edit_names(), (std::vector<std::string>{"a.mp4", "b.mp4"}));
    auto back = project::Project::open(dir);
    ASSERT_TRUE(back);
    EXPECT_EQ(clip_named(*back, "c.mp4").status, project::Status::unreviewed);
}
