// The master clock: on the timer with no device, on the audio callback with one (the JACK dummy
// server in CI), and the fall-back when the device goes away mid-play.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "audio/clock.h"
#include "core/timecode.h"
#include "unit/audio/audio_device.h"

using namespace reelsync;
using reelsync::testing::open_device_or_skip;
using namespace std::chrono_literals;


TEST(TimerClock, RunsAtRealTimeAndHonoursTransport) {
    audio::MasterClock clock(nullptr);
    EXPECT_EQ(clock.source(), audio::ClockSource::timer_no_device);
    EXPECT_DOUBLE_EQ(clock.now(), 0.0);
    clock.seek(5.0);
    double s0 = steady_seconds();
    clock.play();
    std::this_thread::sleep_for(200ms);
    double elapsed = steady_seconds() - s0;
    EXPECT_NEAR(clock.now(), 5.0 + elapsed, 0.01);
    clock.pause();
    double held = clock.now();
    std::this_thread::sleep_for(50ms);
    EXPECT_DOUBLE_EQ(clock.now(), held);
    clock.set_speed(-2.0);
    clock.play();
    s0 = steady_seconds();
    std::this_thread::sleep_for(100ms);
    EXPECT_NEAR(clock.now(), held - 2.0 * (steady_seconds() - s0), 0.01);
}

TEST(AudioClock, FollowsTheDeviceAtRealTimeRate) {
    auto out = open_device_or_skip();
    if (!out) GTEST_SKIP() << "no audio output device (start a JACK dummy server to run this)";
    audio::MasterClock clock(out.get());
    EXPECT_EQ(clock.source(), audio::ClockSource::audio);
    clock.play();
    std::this_thread::sleep_for(300ms);  // let the first buffers reach the "speaker"
    double s0 = steady_seconds(), t0 = clock.now();
    double prev = t0;
    uint64_t cb0 = out->snapshot().callbacks;
    // Sample densely for 4 s: never backwards, rate 1.000 within 1%. (The dummy backend's timer
    // thread can miss a cycle on a loaded machine: a longer window keeps one such stall from
    // reading as a rate error.)
    while (steady_seconds() - s0 < 4.0) {
        double t = clock.now();
        ASSERT_GE(t, prev);
        prev = t;
        std::this_thread::sleep_for(1ms);
    }
    double rate = (clock.now() - t0) / (steady_seconds() - s0);
    EXPECT_NEAR(rate, 1.0, 0.01);
    EXPECT_GT(out->snapshot().callbacks, cb0 + 100);  // the callback really drove it
    EXPECT_EQ(clock.source(), audio::ClockSource::audio);
    // The clock is the sample the callback handed over, less what is still in the output buffer.
    auto snap = out->snapshot();
    double from_samples = static_cast<double>(snap.position) / out->sample_rate() + (steady_seconds() - snap.heard_at);
    EXPECT_NEAR(clock.now(), from_samples, 0.006);
}

TEST(AudioClock, PauseSeekAndResumeOnTheDevice) {
    auto out = open_device_or_skip();
    if (!out) GTEST_SKIP() << "no audio output device";
    audio::MasterClock clock(out.get());
    clock.seek(10.0);
    clock.play();
    std::this_thread::sleep_for(200ms);
    double t = clock.now();
    EXPECT_GT(t, 10.1);
    EXPECT_LT(t, 10.25);
    clock.pause();
    double held = clock.now();
    std::this_thread::sleep_for(50ms);
    EXPECT_DOUBLE_EQ(clock.now(), held);
    clock.seek(2.0);
    clock.play();
    std::this_thread::sleep_for(200ms);
    EXPECT_NEAR(clock.now(), 2.2, 0.05);
    // The callback plays from the seek target.
    EXPECT_NEAR(static_cast<double>(out->snapshot().position) / out->sample_rate(), 2.2, 0.06);
}

TEST(AudioClock, DeviceLossFallsBackToTheTimerAndPlaybackGoesOn) {
    auto out = open_device_or_skip();
    if (!out) GTEST_SKIP() << "no audio output device";
    audio::MasterClock clock(out.get());
    clock.play();
    std::this_thread::sleep_for(200ms);
    double before = clock.now();
    out->stop();  // the device goes away: no more callbacks
    std::this_thread::sleep_for(100ms);
    double t1 = clock.now();
    EXPECT_EQ(clock.source(), audio::ClockSource::timer_device_lost);
    EXPECT_GE(t1, before);
    std::this_thread::sleep_for(200ms);
    EXPECT_NEAR(clock.now() - t1, 0.2, 0.03);  // still running, at real time
}

// Off 1x the clock runs on the timer and the device plays the shuttle's sound (the 1x track
// playback is off); back at 1x the device is the clock again and the shuttle falls silent.
TEST(AudioClock, OtherSpeedsRunOnTheTimerWithTheShuttleSounding) {
    auto out = open_device_or_skip();
    if (!out) GTEST_SKIP() << "no audio output device";
    auto track = std::make_shared<media::AudioTrack>();
    track->sample_rate = out->sample_rate();
    track->channels = out->channels();
    track->samples.assign(static_cast<size_t>(track->sample_rate * track->channels * 10), 0.25f);
    out->set_track(track);
    ASSERT_TRUE(out->start());
    audio::MasterClock clock(out.get());
    clock.set_speed(2.0);
    clock.play();
    EXPECT_EQ(clock.source(), audio::ClockSource::timer_speed);
    std::this_thread::sleep_for(300ms);
    EXPECT_NEAR(clock.now(), 0.6, 0.05);
    EXPECT_FALSE(out->snapshot().playing);
    const auto shuttled = out->shuttle_counters();
    EXPECT_GT(shuttled.played, static_cast<uint64_t>(out->sample_rate() / 10)) << "the shuttle's sound never reached the device";
    clock.set_speed(1.0);
    EXPECT_EQ(clock.source(), audio::ClockSource::audio);
    std::this_thread::sleep_for(100ms);
    const uint64_t at_1x = out->shuttle_counters().played;
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(out->shuttle_counters().played, at_1x) << "the shuttle still sounds at 1x";
    EXPECT_TRUE(out->snapshot().playing);
    out->stop();
}
