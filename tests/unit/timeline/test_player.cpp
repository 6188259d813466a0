// The player's transport on a real decode thread and the timer clock, driven the way the headless
// loop drives it (without the GPU): which frames are presented, in which order, and when. The
// tests whose figures a stall of the machine could spoil run up to three times (support/runs.h).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/timecode.h"
#include "support/media_gen.h"
#include "support/runs.h"
#include "media/clip_reader.h"
#include "timeline/player.h"
#include "unit/media/clips.h"

using namespace reelsync;
using namespace reelsync::testing;

namespace {

void sleep_to(double steady) {
    double d = steady - steady_seconds();
    if (d > 0) std::this_thread::sleep_for(std::chrono::duration<double>(d));
}

struct Shown {
    int64_t frame;
    double t;  // clock at present
};

struct Rig {
    std::unique_ptr<media::ClipReader> reader;
    audio::MasterClock clock{nullptr};
    timeline::PlaybackStats stats;
    std::unique_ptr<timeline::Player> player;

    explicit Rig(const std::string& clip = indexed_clip(codec_cases()[0].spec)) {
        auto r = media::ClipReader::open(clip);
        EXPECT_TRUE(r);
        reader = std::move(*r);
        player = std::make_unique<timeline::Player>(*reader, clock, stats);
    }

    // Runs the present loop for `seconds` (or until `max` presents); returns what was shown.
    std::vector<Shown> run(double seconds, size_t max = 100000) {
        std::vector<Shown> shown;
        const double end = steady_seconds() + seconds;
        while (steady_seconds() < end && shown.size() < max) {
            double now = steady_seconds();
            auto plan = player->plan(now, 0.002, 0.001);
            if (!plan.frame) {
                sleep_to(std::min(plan.wake_at, now + 0.01));
                continue;
            }
            EXPECT_EQ(index_in_pixels(*plan.frame), plan.frame->index);
            sleep_to(plan.present_at);
            for (int i = 0; i < 8; ++i) {
                double left = player->until_due(*plan.frame, steady_seconds());
                if (left < 0.0002) break;
                sleep_to(steady_seconds() + left);
            }
            double at = steady_seconds();
            shown.push_back({plan.frame->index, clock.time_at(at)});
            player->presented(*plan.frame, at);
        }
        return shown;
    }
};

}  // namespace

TEST(Player, PlaysForwardInOrderOnTime) {
    until_one_passes(3, [&](int) {
        Rig rig;
        rig.player->play();
        auto shown = rig.run(1.0);
        ASSERT_GE(shown.size(), 25u);
        for (size_t i = 0; i < shown.size(); ++i) {
            EXPECT_EQ(shown[i].frame, static_cast<int64_t>(i));
            // Shown inside its own interval [n/30, (n+1)/30).
            EXPECT_GE(shown[i].t, shown[i].frame / 30.0 - 1e-9);
            EXPECT_LT(shown[i].t, (shown[i].frame + 1) / 30.0);
        }
        EXPECT_EQ(rig.stats.dropped(), 0);
    });
}

TEST(Player, VariableRateClipShowsEachFrameInsideItsOwnInterval) {
    // Frames 33.3 to 53.3 ms apart and a 250 ms pause: each frame is on screen while the clock is
    // inside its own interval, whatever the load; a frame whose interval passed before it could be
    // shown is counted as dropped, never shown late.
    Rig rig(variable_rate_clip());
    rig.player->play();
    auto shown = rig.run(3.3);
    ASSERT_GE(shown.size(), 60u);
    auto start = [](int64_t k) { return static_cast<double>(variable_rate_ticks(k)) / 3000.0; };
    for (size_t i = 0; i < shown.size(); ++i) {
        const int64_t k = shown[i].frame;
        EXPECT_GE(shown[i].t, start(k) - 1e-9) << "frame " << k;
        EXPECT_LT(shown[i].t, start(k + 1)) << "frame " << k;
        if (i > 0) {
            EXPECT_GT(k, shown[i - 1].frame);
        }
    }
    EXPECT_EQ(shown.front().frame, 0);
    EXPECT_EQ(static_cast<int64_t>(shown.size()) + rig.stats.dropped(), shown.back().frame + 1) << "every frame shown or counted dropped";
    EXPECT_GE(shown.back().frame, 70);  // past the pause
}

TEST(Player, FrameStepsAreExactBothWays) {
    Rig rig;
    rig.player->seek_frame(100);
    auto s = rig.run(0.3, 1);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].frame, 100);
    for (int64_t want : {101, 102, 101, 100, 99, 89}) {
        rig.player->step(want == 89 ? -10 : (want > rig.player->current_index() ? 1 : -1));
        auto r = rig.run(1.0, 1);
        ASSERT_EQ(r.size(), 1u);
        EXPECT_EQ(r[0].frame, want);
        EXPECT_EQ(rig.player->current_index(), want);
        EXPECT_FALSE(rig.player->playing());
    }
}

TEST(Player, ReverseShuttlePlaysBackwardsFrameByFrame) {
    until_one_passes(3, [&](int) {
        Rig rig;
        rig.player->seek_frame(60);
        rig.run(0.3, 1);
        rig.player->shuttle_reverse();  // J
        EXPECT_EQ(rig.player->speed(), -1.0);
        auto shown = rig.run(0.6);
        ASSERT_GE(shown.size(), 12u);
        EXPECT_EQ(shown[0].frame, 59);
        for (size_t i = 1; i < shown.size(); ++i) EXPECT_EQ(shown[i].frame, shown[i - 1].frame - 1);
        rig.player->shuttle_stop();  // K
        EXPECT_FALSE(rig.player->playing());
        int64_t held = rig.player->current_index();
        EXPECT_EQ(held, shown.back().frame);  // K holds the frame on screen
        auto after = rig.run(0.2);
        for (const auto& s : after) EXPECT_EQ(s.frame, held);
    });
}

TEST(Player, ForwardShuttleDoublesTheSpeed) {
    Rig rig;
    rig.player->shuttle_forward();  // L: 1x
    rig.player->shuttle_forward();  // L: 2x
    EXPECT_EQ(rig.player->speed(), 2.0);
    auto shown = rig.run(1.0);
    ASSERT_GE(shown.size(), 10u);
    // Two seconds of clip in one second of playback.
    EXPECT_GE(shown.back().frame, 50);
    EXPECT_LE(shown.back().frame, 64);
    for (size_t i = 1; i < shown.size(); ++i) EXPECT_GT(shown[i].frame, shown[i - 1].frame);
    EXPECT_EQ(rig.player->clock().source(), audio::ClockSource::timer_no_device);
}

TEST(Player, SeekWhilePlayingShowsTheTargetNext) {
    until_one_passes(3, [&](int) {
        Rig rig;
        rig.player->play();
        rig.run(0.3);
        rig.player->seek_frame(200);
        auto shown = rig.run(0.5);
        ASSERT_GE(shown.size(), 10u);
        EXPECT_EQ(shown[0].frame, 200);
        for (size_t i = 1; i < shown.size(); ++i) EXPECT_EQ(shown[i].frame, 200 + static_cast<int64_t>(i));
        EXPECT_TRUE(rig.player->playing());
    });
}

TEST(Player, StopsOnTheLastFrameAtTheEnd) {
    Rig rig;
    rig.player->seek_frame(285);
    rig.player->play();
    auto shown = rig.run(1.2);
    ASSERT_FALSE(shown.empty());
    EXPECT_EQ(shown.back().frame, 299);
    EXPECT_TRUE(rig.player->at_end());
    EXPECT_FALSE(rig.player->playing());
    EXPECT_EQ(rig.player->current_index(), 299);
}

// hold_start(): the first frame goes up at once, the clock waits for the gate (an edit's analyses
// on a small machine) or the deadline, whichever is first; a pause drops the hold, and the play
// key starts it at once (it looks paused: the key must not pause it). Counted from
// the frames shown in 0.8 s of a 30 fps clip: about (0.8 - wait) x 30 of them, in order from 0.
TEST(Player, AHeldStartWaitsForItsGateOrItsDeadline) {
    until_one_passes(3, [&](int) {
        struct Case {
            const char* what;
            double gate_open, deadline;  // seconds after play(); < 0: never
            bool pause_and_play;
            double wait;  // what the start should wait
        };
        for (const Case& c : {Case{"gate opens at 0.3 s", 0.3, 5.0, false, 0.3}, Case{"deadline at 0.4 s", -1, 0.4, false, 0.4},
                              Case{"a pause drops the hold", -1, 5.0, true, 0.0},
                              Case{"the play key starts it now", -1, 5.0, false, 0.0}}) {
            Rig rig;
            const double t0 = steady_seconds();
            rig.player->play();
            const double open = c.gate_open < 0 ? 1e9 : t0 + c.gate_open;
            rig.player->hold_start([open] { return steady_seconds() >= open; }, t0 + c.deadline);
            if (c.pause_and_play) {
                rig.player->pause();
                rig.player->play();
            }
            const bool key = std::string(c.what).find("play key") != std::string::npos;
            EXPECT_EQ(rig.player->start_held(), !c.pause_and_play) << c.what;
            if (key) rig.player->toggle_play();  // Space while the first frame waits: plays, never pauses
            EXPECT_EQ(rig.player->start_held(), !c.pause_and_play && !key) << c.what;
            EXPECT_TRUE(rig.player->playing()) << c.what;
            const auto shown = rig.run(0.8);
            for (size_t i = 0; i < shown.size(); ++i) ASSERT_EQ(shown[i].frame, static_cast<int64_t>(i)) << c.what;
            const double expected = (0.8 - c.wait) * 30.0;
            EXPECT_GE(static_cast<double>(shown.size()), expected - 4) << c.what;
            EXPECT_LE(static_cast<double>(shown.size()), expected + 2) << c.what;
        }
    });
}
