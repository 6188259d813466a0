// Real-time playback against the audio clock, checked from the stats file the player writes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/machine_load.h"
#include "support/media_gen.h"
#include "support/runs.h"
#include "support/stats_file.h"

using namespace reelsync::testing;

namespace {

using Stats = StatsFile;

double fraction_in_interval(const Stats& s) {
    size_t ok = 0;
    for (const auto& p : s.presents) {
        double t = p["t_audio"], pts = p["pts"], dur = p["dur"];
        ok += (t >= pts && t < pts + dur);
    }
    return s.presents.empty() ? 0.0 : static_cast<double>(ok) / static_cast<double>(s.presents.size());
}

std::string play_headless(const std::string& clip, const std::string& stats, const std::string& extra, std::string* out) {
    std::string cmd = "timeout 60 '" + reelsync_binary() + "' play '" + clip + "' --headless --duration 6 --stats '" + stats +
                      "' " + extra;
    int rc = run_command(cmd, out);
    EXPECT_EQ(rc, 0) << *out;
    return *out;
}

// One run's sync, judged with what the machine took from it. On a quiet machine: 99% of presents
// within their frame's interval, the worst present less than half a frame from its frame's start,
// no frame dropped, frames in order and each once; with `flashes`, every flash frame (each 30th)
// on screen within a frame of its click. `load` is what the machine took away during the run: a
// present may be late by that much more (at most a frame in all) and a frame may be lost per frame
// interval of it; never one shown twice or out of order.
void check_sync(const Stats& s, double fps, const MachineLoad& load, bool flashes) {
    ASSERT_GE(s.presents.size(), static_cast<size_t>(6 * fps * 0.9));
    EXPECT_GE(fraction_in_interval(s), 0.99);
    const double allowed_ms = 1000.0 / fps / 2 + std::min(load.taken_ms(), 1000.0 / fps / 2);
    EXPECT_LT(s.summary["avsync_ms_max"].get<double>(), allowed_ms) << load.describe();
    const int dropped = s.summary["dropped"].get<int>();
    EXPECT_LE(dropped, load.frames_explained(1.0 / fps)) << load.describe();
    EXPECT_EQ(s.summary["presented"].get<size_t>(), s.presents.size());
    int64_t skipped = 0;
    for (size_t i = 1; i < s.presents.size(); ++i) {
        const int64_t a = s.presents[i - 1]["frame"], b = s.presents[i]["frame"];
        ASSERT_GT(b, a) << "a frame shown twice or out of order at present " << i;
        skipped += b - a - 1;
    }
    EXPECT_EQ(skipped, dropped) << "frames skipped between presents against those counted dropped";
    if (!flashes) return;
    // Every flash frame is on screen exactly when its click is heard: within [k s, k s + 1 frame).
    int n = 0;
    for (const auto& p : s.presents) {
        const int64_t f = p["frame"];
        if (f % 30 != 0) continue;
        ++n;
        const double t = p["t_audio"];
        EXPECT_GE(t, f / fps) << "flash frame " << f;
        EXPECT_LT(t, f / fps + 1.0 / fps) << "flash frame " << f;
    }
    EXPECT_GE(n, 5);
}

// Runs `play` (which writes `stats`; false: nothing to judge) and checks the run's sync with the
// machine's load during it, up to three runs until one passes (support/runs.h); prints each run's
// figures. Returns whether one passed.
template <class Play>
bool expect_in_sync(Play play, const std::string& stats, double fps, bool flashes) {
    return until_one_passes(3, [&](int run) {
        const LoadMeter meter;
        if (!play()) return;
        const MachineLoad load = meter.read();
        const Stats s = read_stats(stats);
        std::printf("run %d: %zu presents, worst %.1f ms from the frame's start, %d dropped; %s\n", run, s.presents.size(),
                    s.summary.value("avsync_ms_max", -1.0), s.summary.value("dropped", -1), load.describe().c_str());
        check_sync(s, fps, load, flashes);
    });
}

}  // namespace

TEST(Playback, HeadlessOnTheAudioClockShowsTheFrameTheListenerHears) {
    std::string stats = media_dir() + "/sync_audio.jsonl";
    (void)expect_in_sync(
        [&] {
            std::string out;
            play_headless(flash_click_clip(), stats, "", &out);
            if (out.find("clock: audio") != std::string::npos) return true;
            [&] { GTEST_SKIP() << "no audio device here: " << out; }();
            return false;
        },
        stats, 30.0, true);
}

TEST(Playback, WithNoAudioDeviceTheTimerClockTakesOver) {
    std::string stats = media_dir() + "/sync_timer.jsonl";
    (void)expect_in_sync(
        [&] {
            std::string out;
            // Point PortAudio's JACK and ALSA-JACK devices at a server that does not exist: no device at all.
            std::string cmd = "JACK_DEFAULT_SERVER=reelsync-no-such-server timeout 60 '" + reelsync_binary() + "' play '" +
                              flash_click_clip() + "' --headless --duration 6 --stats '" + stats + "'";
            int rc = run_command(cmd, &out);
            EXPECT_EQ(rc, 0) << out;
            EXPECT_NE(out.find("no audio output device"), std::string::npos) << out;
            EXPECT_NE(out.find("clock: timer (no audio device)"), std::string::npos) << out;
            return rc == 0;
        },
        stats, 30.0, true);
}

TEST(Playback, NtscRateClipStaysInSync) {
    std::string clip = generate("sync_23976.mkv",
                                "-f lavfi -i testsrc2=s=320x240:r=24000/1001:d=8 -f lavfi -i sine=f=440:r=48000:d=8 "
                                "-c:v libx264 -preset veryfast -bf 3 -c:a pcm_s16le");
    std::string stats = media_dir() + "/sync_23976.jsonl";
    if (!expect_in_sync(
            [&] {
                std::string out;
                play_headless(clip, stats, "", &out);
                return true;
            },
            stats, 24000.0 / 1001.0, false))
        return;
    // pts follow the exact rational rate.
    for (const auto& p : read_stats(stats).presents) {
        int64_t f = p["frame"];
        EXPECT_NEAR(p["pts"].get<double>(), f * 1001.0 / 24000.0, 1e-3);
    }
}

TEST(Playback, LoopRangeRepeatsExactly) {
    std::string out;
    std::string stats = media_dir() + "/loop.jsonl";
    play_headless(flash_click_clip(), stats, "--loop 10:24", &out);
    Stats s = read_stats(stats);
    ASSERT_GE(s.presents.size(), 100u);
    int wraps = 0;
    for (size_t i = 0; i < s.presents.size(); ++i) {
        int64_t f = s.presents[i]["frame"];
        if (i > 0) {
            EXPECT_GE(f, 10);
            EXPECT_LE(f, 24);
        }
        if (i > 0 && f == 10) ++wraps;
    }
    EXPECT_GE(wraps, 5);
}

// Compare, headless: four takes at 23.976, 24, 25 and 30 fps (sizes and lengths differ; one starts
// 0.5 s in, one 0.2 s before the compare's 0) on one clock. Judged from the stats file: at every
// present each take shows the frame of its own whose interval holds the compare frame's start
// (exact arithmetic here), and, for every present on time, the clock itself; a present after its
// frame's end (load) is counted, not excused.
TEST(Compare, FourTakesAtMixedRatesStayInStep) {
    struct Def {
        const char* name;
        const char* rate;
        double fps;
        int frames, width, height;
        const char* offset;
        double off;
    };
    const Def defs[] = {{"cmp_23976.mp4", "24000/1001", 24000.0 / 1001.0, 48, 160, 120, "0", 0.0},
                        {"cmp_24.mp4", "24", 24.0, 60, 176, 144, "0", 0.0},
                        {"cmp_25.mp4", "25", 25.0, 40, 128, 96, "0.5", 0.5},
                        {"cmp_30.mp4", "30", 30.0, 72, 192, 108, "-0.2", -0.2}};
    std::string takes, offsets;
    for (const Def& d : defs) {
        takes += " '" + indexed_clip({d.name, "-c:v libx264 -g 12 -bf 2", d.rate, d.frames, d.width, d.height}) + "'";
        offsets += std::string(" ") + d.offset;
    }
    // Up to three runs (tests/support/runs.h): a stall of a busy machine can drop frames.
    until_one_passes(3, [&](int) {
        const std::string stats = media_dir() + "/compare four stats.jsonl";
        std::string out;
        const int rc = run_command("timeout 60 '" + reelsync_binary() + "' compare" + takes + " --offset" + offsets + " --headless --no-audio --stats '" +
                                       stats + "'",
                                   &out);
        ASSERT_EQ(rc, 0) << out;
        int presents = 0, wrong_at_start = 0, wrong_at_clock = 0, late = 0;
        int64_t last_frame = -1;
        std::vector<std::set<int64_t>> shown(4);
        auto frame_of = [&](const Def& d, double t) {
            const double x = (t - d.off) * d.fps;
            const int64_t k = static_cast<int64_t>(std::floor(x + 1e-9));
            return x < -1e-9 || k >= d.frames ? int64_t{-1} : k;
        };
        for (const nlohmann::json& j : read_stats(stats).presents) {
            if (!j.contains("views")) continue;
            ++presents;
            EXPECT_GT(j["frame"].get<int64_t>(), last_frame);
            last_frame = j["frame"].get<int64_t>();
            const double pts = j["pts"], dur = j["dur"], t = j["t_audio"];
            const bool on_time = t >= pts - 1e-9 && t < pts + dur;
            late += !on_time;
            ASSERT_EQ(j["views"].size(), 4u);
            for (size_t v = 0; v < 4; ++v) {
                const int64_t got = j["views"][v];
                wrong_at_start += got != frame_of(defs[v], pts);
                if (on_time) wrong_at_clock += got != frame_of(defs[v], t);
                if (got >= 0) shown[v].insert(got);
            }
        }
        std::printf("compare: %d presents, %d late, %d wrong by the frame start, %d wrong by the clock\n", presents, late, wrong_at_start, wrong_at_clock);
        EXPECT_GT(presents, 150);
        EXPECT_EQ(wrong_at_start, 0);
        EXPECT_EQ(wrong_at_clock, 0);
        EXPECT_LE(late, presents / 20);
        // Nearly every frame of every take went on screen (a frame lasting less than a present can
        // cost is dropped: at most a few).
        for (size_t v = 0; v < 4; ++v) {
            const int64_t first = std::max<int64_t>(frame_of(defs[v], 0.0), 0);  // frames before the compare's 0 are not shown
            EXPECT_GE(static_cast<int64_t>(shown[v].size()), defs[v].frames - first - 3) << defs[v].name;
            EXPECT_EQ(*shown[v].begin(), first) << defs[v].name;
        }
    });
}

// A/B flip while the takes play (keys at known clock times, 0.5 s and 1.0 s): every present shows
// the take the last key chose (take A, then B, then A again; a present within a frame of a key may
// show either) and, flip or not, each take's frame is the one whose interval holds the compare
// frame's start: the flip changes what is on screen, never the instant (no frame repeated or
// skipped beyond what load costs, frames in order across each key).
TEST(Compare, AFlipShowsTheOtherTakeAtTheSameInstant) {
    const std::string a = indexed_clip({"flip_25.mp4", "-c:v libx264 -g 12", "25", 50, 160, 120});
    const std::string b = indexed_clip({"flip_30.mp4", "-c:v libx264 -g 12", "30", 60, 192, 108});
    // Up to three runs (tests/support/runs.h): a stall of a busy machine can drop frames.
    until_one_passes(3, [&](int) {
        const std::string stats = media_dir() + "/compare flip stats.jsonl";
        std::string out;
        const int rc = run_command("timeout 60 '" + reelsync_binary() + "' compare '" + a + "' '" + b +
                                       "' --mode flip --keys 0.5:A,1.0:A --duration 1.5 --headless --no-audio --stats '" + stats + "'",
                                   &out);
        ASSERT_EQ(rc, 0) << out;
        int presents = 0, wrong_take = 0, wrong_frame = 0, late = 0;
        int64_t last_frame = -1;
        double last_pts = -1;
        for (const nlohmann::json& j : read_stats(stats).presents) {
            ASSERT_TRUE(j.contains("views") && j.contains("layout")) << j.dump();
            ++presents;
            EXPECT_EQ(j["layout"], "flip");
            const double pts = j["pts"], dur = j["dur"], t = j["t_audio"];
            late += t >= pts + dur;
            const int64_t frame = j["frame"];
            EXPECT_GT(frame, last_frame);
            if (last_pts >= 0) {
                EXPECT_LT(pts - last_pts, 0.1) << "a jump at " << t;  // no seek, no restart
            }
            last_frame = frame;
            last_pts = pts;
            const int want = t < 0.5 ? 0 : t < 1.0 ? 1 : 0;
            const bool near_key = std::fabs(t - 0.5) < 0.04 || std::fabs(t - 1.0) < 0.04;
            if (!near_key) wrong_take += j["shown"].get<int>() != want;
            const int64_t fa = static_cast<int64_t>(std::floor(pts * 25 + 1e-9)), fb = static_cast<int64_t>(std::floor(pts * 30 + 1e-9));
            wrong_frame += j["views"][0].get<int64_t>() != fa || j["views"][1].get<int64_t>() != fb;
        }
        std::printf("flip: %d presents, %d late, %d showing the wrong take, %d with a wrong frame\n", presents, late, wrong_take, wrong_frame);
        EXPECT_GT(presents, 60);
        EXPECT_EQ(wrong_take, 0);
        EXPECT_EQ(wrong_frame, 0);
    });
}
