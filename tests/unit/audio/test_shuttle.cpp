// The shuttle's sound (audio/shuttle.h), read as the audio callback reads it, at the pace of a
// device: 256-frame buffers at 48 kHz, each heard 20 ms after it is filled. What comes out is
// judged as sound: its pitch (zero crossings), when a change in the track is heard against when the
// clock says it is due, the order of the track's parts in reverse, and the edges (no click).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "audio/shuttle.h"
#include "core/timecode.h"
#include "support/tone.h"

using namespace reelsync;

namespace {

constexpr int kRate = 48000;
constexpr unsigned long kBuffer = 256;
constexpr double kLatency = 0.02;

// A stereo track of `seconds`, both channels f(t).
std::shared_ptr<const media::AudioTrack> track_of(double seconds, const std::function<double(double)>& f) {
    auto t = std::make_shared<media::AudioTrack>();
    t->sample_rate = kRate;
    t->channels = 2;
    const auto n = static_cast<size_t>(seconds * kRate);
    t->samples.resize(n * 2);
    for (size_t i = 0; i < n; ++i) t->samples[2 * i] = t->samples[2 * i + 1] = static_cast<float>(f(static_cast<double>(i) / kRate));
    return t;
}

double tone(double hz, double t) { return 0.5 * std::sin(2 * M_PI * hz * t); }

struct Heard {
    std::vector<float> left;  // channel 0 of every buffer read, in order
    double first_heard = 0;   // steady instant of the first frame
    audio::ShuttleStream::Counters counters;
    // The frame heard at clock instant `steady`.
    size_t at(double steady) const { return static_cast<size_t>(std::max(0.0, (steady - first_heard) * kRate)); }
};

// Starts the stream at `speed` from clip time `from` and reads `seconds` of it at a device's pace;
// `stop_after` > 0 stops it that many seconds in and reads on.
Heard shuttle(std::shared_ptr<const media::AudioTrack> track, double from, double speed, double seconds, double stop_after = 0) {
    audio::ShuttleStream s(kRate, 2);
    const double t0 = steady_seconds();
    s.start(std::move(track), from, t0 + kLatency, speed, kLatency + 0.03);
    Heard h;
    h.first_heard = t0 + kLatency;
    std::vector<float> buf(kBuffer * 2);
    const auto buffers = static_cast<size_t>(seconds * kRate / kBuffer);
    bool stopped = false;
    for (size_t k = 0; k < buffers; ++k) {
        const double filled = t0 + static_cast<double>(k * kBuffer) / kRate;
        while (steady_seconds() < filled) std::this_thread::sleep_for(std::chrono::microseconds(200));
        if (stop_after > 0 && !stopped && filled - t0 >= stop_after) {
            s.stop();
            stopped = true;
        }
        s.read(buf.data(), kBuffer, filled + kLatency);
        for (unsigned long i = 0; i < kBuffer; ++i) h.left.push_back(buf[2 * i]);
    }
    h.counters = s.counters();
    return h;
}

// The strongest frequency of the sound in [a, b) (frames), 100-4000 Hz.
double pitch(const std::vector<float>& x, size_t a, size_t b) {
    b = std::min(b, x.size());
    return b > a ? reelsync::testing::strongest_frequency(x.data() + a, b - a, kRate, 100, 4000) : 0.0;
}

double largest_step(const std::vector<float>& x) {
    double m = 0;
    for (size_t i = 1; i < x.size(); ++i) m = std::max(m, static_cast<double>(std::fabs(x[i] - x[i - 1])));
    return m;
}

}  // namespace

// At 2x, 4x and 8x forward and 2x back a 440 Hz tone is still 440 Hz (played faster without a
// stretcher it would be 880, 1760, 3520); nothing is dropped once running.
TEST(Shuttle, KeepsThePitchAtEverySpeed) {
    auto track = track_of(40, [](double t) { return tone(440, t); });
    for (const double speed : {2.0, 4.0, 8.0, -2.0, 0.5}) {
        const Heard h = shuttle(track, 20, speed, 1.2);
        const double hz = pitch(h.left, static_cast<size_t>(0.2 * kRate), h.left.size());
        std::printf("speed %+.1fx: %.1f Hz; played %llu, dropped %llu, waited %llu frames\n", speed, hz,
                    static_cast<unsigned long long>(h.counters.played), static_cast<unsigned long long>(h.counters.dropped),
                    static_cast<unsigned long long>(h.counters.waited));
        EXPECT_NEAR(hz, 440.0, 440.0 * 0.01) << "speed " << speed;
        EXPECT_GT(h.counters.played, static_cast<uint64_t>(1.0 * kRate)) << "speed " << speed;
    }
}

// The sound's envelope at frame i: the largest level within 1.5 ms either side.
float envelope(const std::vector<float>& x, size_t i) {
    const size_t half = kRate * 3 / 2000;
    float m = 0;
    for (size_t j = i > half ? i - half : 0; j < std::min(x.size(), i + half); ++j) m = std::max(m, std::fabs(x[j]));
    return m;
}

// A tone that starts at clip time 3.0 s, shuttled forward from 2.0 s: its onset (the envelope at
// half the tone's level) is heard when the clock reaches 3.0 s within half a frame interval at 30 fps
// (16.7 ms; the stretcher smears an onset over its window), at 2x and 4x. Back
// from 4.0 s over the same track: the tone ends when the clock passes 3.0 s.
TEST(Shuttle, EachPartOfTheTrackIsHeardWhenTheClockIsThere) {
    auto onset = track_of(10, [](double t) { return t >= 3.0 ? tone(440, t) : 0.0; });
    for (const double speed : {2.0, 4.0, -2.0, -4.0}) {
        const double from = speed > 0 ? 2.0 : 4.0, due = 1.0 / std::fabs(speed);
        const Heard h = shuttle(onset, from, speed, due + 0.3);
        // Forward: the first frame at half level; back: the first below it after the tone.
        size_t i = h.at(h.first_heard + 0.1);
        if (speed > 0) {
            while (i < h.left.size() && envelope(h.left, i) < 0.25f) ++i;
        } else {
            while (i < h.left.size() && envelope(h.left, i) < 0.25f) ++i;  // the tone, heard first
            while (i < h.left.size() && envelope(h.left, i) >= 0.25f) ++i;
        }
        const double heard = static_cast<double>(i) / kRate;
        std::printf("speed %+.0fx from %.1f s: the change at 3.0 s heard %.1f ms after the start (due at %.1f)\n", speed, from, heard * 1e3,
                    due * 1e3);
        EXPECT_NEAR(heard, due, 0.5 / 30) << "speed " << speed;  // half a frame interval at 30 fps
    }
}

// In reverse the track's parts come in reverse order: 880 Hz then 440 Hz, from a track that goes
// 440 Hz then 880 Hz, the change heard when the clock passes it.
TEST(Shuttle, ReversePlaysTheTrackBackwards) {
    auto track = track_of(10, [](double t) { return t < 3.0 ? tone(440, t) : tone(880, t); });
    const Heard h = shuttle(track, 4.0, -1.0, 1.6);
    const double before = pitch(h.left, static_cast<size_t>(0.2 * kRate), static_cast<size_t>(0.9 * kRate));
    const double after = pitch(h.left, static_cast<size_t>(1.1 * kRate), static_cast<size_t>(1.6 * kRate));
    std::printf("reverse 1x from 4.0 s: %.1f Hz, then %.1f Hz past 3.0 s\n", before, after);
    EXPECT_NEAR(before, 880.0, 880.0 * 0.01);
    EXPECT_NEAR(after, 440.0, 440.0 * 0.01);
}

// The sound comes in and goes out faded: no sample-to-sample step larger than the tone's own
// (a cut in or out of a 0.5-level tone would step by up to 0.5).
TEST(Shuttle, StartsAndStopsWithoutAClick) {
    auto track = track_of(20, [](double t) { return tone(440, t); });
    const Heard h = shuttle(track, 5.0, 2.0, 1.0, 0.5);
    const double tone_step = 2 * M_PI * 440.0 / kRate * 0.5;
    const double heard_before_stop = pitch(h.left, static_cast<size_t>(0.2 * kRate), static_cast<size_t>(0.45 * kRate));
    float after = 0;
    for (size_t i = h.at(h.first_heard + 0.55); i < h.left.size(); ++i) after = std::max(after, std::fabs(h.left[i]));
    std::printf("largest step %.4f (tone's own %.4f); after the stop %.4f\n", largest_step(h.left), tone_step, static_cast<double>(after));
    EXPECT_NEAR(heard_before_stop, 440.0, 5.0);
    EXPECT_LT(largest_step(h.left), 1.5 * tone_step);
    EXPECT_EQ(after, 0.0f) << "sound after the stop";
}
