#pragma once
// Shuttle sound: a track heard at a speed other than 1x (negative: backwards) with its pitch kept.
//
// A stretch thread owned by this object reads the track (backwards in reverse) through Rubber
// Band's real-time time-stretcher and renders ahead into a single-producer single-consumer ring.
// Each rendered frame carries the track frame it stands for. The audio callback (read()) takes
// from the ring what belongs at the instant its buffer is heard: the clock's own mapping (clip
// time base_t heard at steady instant base_steady, going at `speed`) decides, so the sound follows
// the picture's clock. Frames rendered for an earlier instant are dropped and a buffer that comes
// too early waits in silence; both are counted. Edges (a start, a stop, a gap) fade over 3 ms.
//
// Threads: start() and stop() from the controlling thread (the player's); read() from the audio
// callback only (no lock, no allocation, no logging); the stretch thread owns the stretcher.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "media/audio_track.h"

namespace RubberBand {
class RubberBandStretcher;
}

namespace reelsync::audio {

class ShuttleStream {
public:
    ShuttleStream(int rate, int channels);
    ~ShuttleStream();  // stops and joins the stretch thread
    ShuttleStream(const ShuttleStream&) = delete;
    ShuttleStream& operator=(const ShuttleStream&) = delete;

    // The speeds that sound: |speed| in [kMinSpeed, kMaxSpeed], other than 1x forward (which plays
    // the track as it is). Others are silent.
    static constexpr double kMinSpeed = 0.25, kMaxSpeed = 8.0;
    static bool sounds_at(double speed);

    // Controlling thread. From now on the listener hears clip time base_t + (s - base_steady) *
    // speed at steady instant s (seconds), taken from `track` (its frames at this stream's rate and
    // channel count). A new start replaces the last one (its frames in the ring are dropped).
    // `lead`: seconds from now before the first sound can be heard (the output's latency and a
    // margin for the first render); the stream starts at the clip time due then.
    void start(std::shared_ptr<const media::AudioTrack> track, double base_t, double base_steady, double speed, double lead);
    void stop();
    bool active() const { return active_.load(std::memory_order_acquire); }

    // The audio callback: fills `frames` frames (interleaved) whose first is heard at steady
    // instant `heard_at`. Returns the frames that carried sound.
    unsigned long read(float* out, unsigned long frames, double heard_at);
    // The audio callback, while it plays the track at 1x: whatever the ring holds is not wanted.
    void skip();

    struct Counters {
        uint64_t played = 0;   // frames the callback took from the ring and played
        uint64_t dropped = 0;  // frames rendered too late for their instant
        uint64_t waited = 0;   // silent frames while the ring was ahead of the clock or empty
        uint64_t rendered = 0; // frames the stretch thread put into the ring
    };
    Counters counters() const;

    // How far ahead of the callback the stretch thread keeps the ring (output seconds), and the
    // largest distance between a frame's instant and the callback's before it is dropped or waited for.
    static constexpr double kAheadSeconds = 0.12, kToleranceSeconds = 0.004, kResyncSeconds = 0.015;

private:
    struct Request {
        std::shared_ptr<const media::AudioTrack> track;
        double base_t = 0, base_steady = 0, speed = 0, lead = 0;
        uint32_t serial = 0;
    };
    void publish(double base_t, double base_steady, double speed, uint32_t serial);
    void run();                 // the stretch thread
    void begin(Request job);    // stretch thread: takes up a new request
    void feed();                // stretch thread: one block of the track into the stretcher
    bool render_some();         // stretch thread: into the ring; false when it is far enough ahead

    const int rate_, channels_;

    // The ring: written by the stretch thread at write_, read by the callback at read_ (both count
    // frames from the start, never wrap; the slot is index % kRing).
    static constexpr uint64_t kRing = 1u << 15;
    std::vector<float> samples_;     // kRing * channels_
    std::vector<double> source_;     // the track frame each slot stands for
    std::vector<uint32_t> serial_;   // the start() each slot belongs to
    std::atomic<uint64_t> write_{0}, read_{0};

    // The mapping the callback follows: written by start()/stop() (one writer) under a seqlock;
    // the callback tries once and plays silence for a buffer that meets a write.
    std::atomic<uint32_t> map_seq_{0};
    std::atomic<double> map_base_t_{0}, map_base_steady_{0}, map_speed_{0};
    std::atomic<uint32_t> map_serial_{0};
    std::atomic<bool> active_{false};

    // Callback-only state.
    float gain_ = 0;                 // the fade's level (0 silent .. 1)
    // Where the next buffer continues (track frame of its first frame), once one was played: the
    // callback's own instant jitters by a scheduling delay, so the buffers follow on from each
    // other and go back to the mapping only when they are off it by more than kResyncSeconds.
    double next_x_ = 0;
    bool continuing_ = false;
    uint32_t last_serial_ = 0;       // the start() last played (its frames fade out after a stop)
    std::atomic<uint64_t> played_{0}, dropped_{0}, waited_{0};

    // mutex_ guards request_ and quit_ (the controlling thread writes them, the stretch thread
    // takes a copy); cv_ wakes the stretch thread for a new request or to quit.
    std::mutex mutex_;
    std::condition_variable cv_;
    Request request_;
    bool quit_ = false;
    std::thread thread_;  // started by the first start(), joined by the destructor

    // Stretch-thread state.
    std::unique_ptr<RubberBand::RubberBandStretcher> stretcher_;
    Request job_;
    int64_t feed_pos_ = 0;       // next track frame to feed (reverse: feeds the frames before it)
    double first_source_ = 0;    // the track frame the first output frame stands for
    uint64_t out_count_ = 0;     // output frames kept so far in this job
    int64_t discard_ = 0;        // the stretcher's start delay still to drop
    std::vector<float> in_planar_, out_planar_;
    std::vector<float*> in_ptrs_, out_ptrs_;
    std::atomic<uint64_t> rendered_{0};
};

}  // namespace reelsync::audio
