#pragma once
// PortAudio output of one AudioTrack, and the clock it drives: which sample the listener hears at a
// given steady-clock instant. The real-time callback never locks, allocates or logs: it reads an
// immutable track and publishes what it played through atomics (a seqlock snapshot).
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "media/audio_track.h"

namespace reelsync::audio {

class AudioOutput {
public:
    struct Options {
        std::string device;          // substring of a device name; empty: the default output
        int channels = 2;
        unsigned long frames_per_buffer = 256;
    };
    // Opens the device (not started). Fails with a clear message when there is no output device.
    static Result<std::unique_ptr<AudioOutput>> open(Options opts);
    ~AudioOutput();
    AudioOutput(const AudioOutput&) = delete;
    AudioOutput& operator=(const AudioOutput&) = delete;

    int sample_rate() const { return rate_; }
    int channels() const { return channels_; }
    const std::string& device_name() const { return device_name_; }

    // Sets the track, also while the stream runs (switching clips never restarts the device). The
    // callback picks it up at its next buffer; a replaced track is freed here, on the caller's
    // thread, once the callback has let go of it (a hazard pointer: no lock, no free in the callback).
    void set_track(std::shared_ptr<const media::AudioTrack> track);
    bool started() const { return started_; }
    Result<void> start();
    void stop();

    // Control from the player thread; the callback picks these up at its next buffer.
    void set_playing(bool playing) { playing_.store(playing, std::memory_order_release); }
    void seek_frames(int64_t frame) { seek_request_.store(frame, std::memory_order_release); }

    struct Snapshot {
        int64_t position = 0;      // first sample frame of the last buffer the callback filled
        int64_t frames = 0;        // its length
        double heard_at = 0;       // steady seconds at which that first frame reaches the listener
        double callback_at = 0;    // steady seconds of that callback
        bool playing = false;      // whether the buffer carried the track (else silence)
        uint64_t callbacks = 0;
    };
    // A consistent copy of the callback's last publication (lock-free; retries while it is written).
    Snapshot snapshot() const;
    // PortAudio reports the stream as running (false after the device went away).
    bool stream_active() const;

    // The real-time body of the PortAudio callback (only ever called from it).
    int fill(float* out, unsigned long frames, double dac_minus_now);

private:
    AudioOutput() = default;

    void* stream_ = nullptr;  // PaStream*
    int rate_ = 48000;
    int channels_ = 2;
    double latency_ = 0;
    std::string device_name_;
    // Owned by the controlling thread: every track the callback may still be reading.
    std::vector<std::shared_ptr<const media::AudioTrack>> tracks_;
    // The track to play (written by set_track) and the one the callback is reading (written by the
    // callback before it reads it, then re-checked against next_track_).
    std::atomic<const media::AudioTrack*> next_track_{nullptr};
    std::atomic<const media::AudioTrack*> in_use_{nullptr};
    bool started_ = false;

    // Written by the player thread, read by the callback.
    std::atomic<bool> playing_{false};
    std::atomic<int64_t> seek_request_{-1};

    // Owned by the callback thread (read back through the seqlock below).
    int64_t position_ = 0;

    // Seqlock: the callback is the only writer; readers retry while seq_ is odd or changed.
    std::atomic<uint64_t> seq_{0};
    std::atomic<int64_t> snap_position_{0};
    std::atomic<int64_t> snap_frames_{0};
    std::atomic<double> snap_heard_at_{0};
    std::atomic<double> snap_callback_at_{0};
    std::atomic<bool> snap_playing_{false};
    std::atomic<uint64_t> snap_callbacks_{0};
};

}  // namespace reelsync::audio
