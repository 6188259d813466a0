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
    // Each reading is bracketed by the steady clock read just before and after it, so a stall of
    // the machine between them widens the bracket instead of reading as a clock error.
    double s0 = steady_seconds();
    clock.play();
    double s1 = steady_seconds();
    std::this_thread::sleep_for(200ms);
    double before = steady_seconds(), t = clock.now(), after = steady_seconds();
    EXPECT_GE(t, 5.0 + (before - s1) - 0.001);
    EXPECT_LE(t, 5.0 + (after - s0) + 0.001);
    clock.pause();
    double held = clock.now();
    std::this_thread::sleep_for(50ms);
    EXPECT_DOUBLE_EQ(clock.now(), held);
    clock.set_speed(-2.0);
    s0 = steady_seconds();
    clock.play();
    s1 = steady_seconds();
    std::this_thread::sleep_for(100ms);
    before = steady_seconds(), t = clock.now(), after = steady_seconds();
    EXPECT_LE(t, held - 2.0 * (before - s1) + 0.001);
    EXPECT_GE(t, held - 2.0 * (after - s0) - 0.001);
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
    double s0 = steady_seconds();
    clock.play();
    std::this_thread::sleep_for(200ms);
    double t = clock.now();
    double elapsed = steady_seconds() - s0;
    // The clock runs from the seek target at real time, behind by at most the output's latency
    // (its first buffers reach the speaker first); timed against the steady clock, not the sleep.
    EXPECT_GT(t, 10.0 + elapsed - 0.1);
    EXPECT_LE(t, 10.0 + elapsed + 0.005);
    clock.pause();
    double held = clock.now();
    std::this_thread::sleep_for(50ms);
    EXPECT_DOUBLE_EQ(clock.now(), held);
    clock.seek(2.0);
    s0 = steady_seconds();
    clock.play();
    std::this_thread::sleep_for(200ms);
    t = clock.now();
    elapsed = steady_seconds() - s0;
    EXPECT_GT(t, 2.0 + elapsed - 0.1);
    EXPECT_LE(t, 2.0 + elapsed + 0.005);
    // The callback plays from the seek target.
    EXPECT_NEAR(static_cast<double>(out->snapshot().position) / out->sample_rate(), 2.0 + elapsed, 0.1);
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
    double s1 = steady_seconds(), t1 = clock.now(), s2 = steady_seconds();
    EXPECT_EQ(clock.source(), audio::ClockSource::timer_device_lost);
    EXPECT_GE(t1, before);
    std::this_thread::sleep_for(200ms);
    // Still running, at real time: the clock moved as far as the steady clock did between the
    // two readings (bracketed by the steady clock on either side).
    double s3 = steady_seconds(), t2 = clock.now(), s4 = steady_seconds();
    EXPECT_GE(t2 - t1, (s3 - s2) - 0.01);
    EXPECT_LE(t2 - t1, (s4 - s1) + 0.01);
    EXPECT_GT(t2 - t1, 0.19);
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
