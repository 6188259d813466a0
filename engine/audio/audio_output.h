#pragma once
// PortAudio output of one AudioTrack, and the clock it drives: which sample the listener hears at a
// given steady-clock instant. The real-time callback never locks, allocates or logs: it reads an
// immutable track and publishes what it played through atomics (a seqlock snapshot).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "audio/shuttle.h"
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
    // Output latency added to what the device reports (seconds; see jack_device_path_latency).
    double extra_latency() const { return extra_latency_.load(std::memory_order_acquire); }

    // Sets the track, also while the stream runs (switching clips never restarts the device). The
    // callback picks it up at its next buffer; a replaced track is freed here, on the caller's
    // thread, once the callback has let go of it (a hazard pointer: no lock, no free in the callback).
    void set_track(std::shared_ptr<const media::AudioTrack> track);
    bool started() const {
        std::lock_guard lock(stream_mutex_);
        return started_;
    }
    Result<void> start();
    void stop();

    // Control from the player thread; the callback picks these up at its next buffer.
    void set_playing(bool playing) { playing_.store(playing, std::memory_order_release); }
    void seek_frames(int64_t frame) { seek_request_.store(frame, std::memory_order_release); }

    // Scrubbing: while not playing, a grain of the track from sample frame `frame`, `length` frames
    // long, its edges faded over kScrubFade frames (no click). A grain that arrives while another
    // sounds fades the old one out over the same span and mixes the new one in. Lock-free: the
    // request is published through atomics; the callback picks it up at its next buffer.
    static constexpr int kScrubFadeMs = 3;
    void scrub(int64_t frame, int64_t length);
    uint64_t scrubs_sounded() const { return grains_started_.load(std::memory_order_acquire); }

    // Shuttle: while the clock runs at `speed` (not 1x; negative: backwards) on its timer, clip
    // time base_t heard at steady instant base_steady, the track sounds at that speed with its
    // pitch kept (ShuttleStream). speed 0: silent again. Controlling thread.
    void shuttle(double base_t, double base_steady, double speed);
    ShuttleStream::Counters shuttle_counters() const { return shuttle_->counters(); }

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
    // PortAudio reports the stream as running (false after the device went away, and while a
    // new stream is being opened).
    bool stream_active() const;

    // After the device went away (the clock saw its callbacks stop): a helper thread owned by this
    // object closes the dead stream and opens the same device again, once a second, until it runs
    // (a sound server restarted, an interface plugged back in). take_reconnected() is true once
    // after a new stream started; the clock then goes back to the device. Both return at once.
    void start_reconnecting();
    bool take_reconnected() { return reconnected_.exchange(false, std::memory_order_acq_rel); }
    int reconnections() const { return reconnections_.load(std::memory_order_acquire); }

    // The real-time body of the PortAudio callback (only ever called from it).
    int fill(float* out, unsigned long frames, double dac_minus_now);

private:
    AudioOutput() = default;
    // Opens stream_ on device_ at rate_ and channels_ (stream_mutex_ held, or before any thread).
    Result<void> open_stream();
    void reconnect_loop();

    // stream_mutex_ guards stream_ and started_: the controlling thread (start, stop,
    // stream_active, the destructor) and the reconnect thread both call PortAudio on the stream.
    // The callback never takes it.
    mutable std::mutex stream_mutex_;
    void* stream_ = nullptr;  // PaStream*
    bool started_ = false;
    int device_ = -1;         // PaDeviceIndex, fixed at open
    unsigned long frames_per_buffer_ = 256;
    int rate_ = 48000;        // fixed at open: a reopened stream runs at the same rate
    int channels_ = 2;
    // The stream's nominal output latency: written before a stream starts, read by its callback.
    std::atomic<double> latency_{0};
    // What the device leaves out of its own latency (ALSA's `jack` device: the JACK path after it).
    std::atomic<double> extra_latency_{0};
    std::string device_name_;

    // The reconnect thread (owned by this object; started by start_reconnecting, joined by the
    // destructor). reconnect_mutex_ guards reconnect_quit_ and the wait.
    std::thread reconnect_thread_;
    std::mutex reconnect_mutex_;
    std::condition_variable reconnect_cv_;
    bool reconnect_quit_ = false;
    std::atomic<bool> reconnecting_{false};
    std::atomic<bool> reconnected_{false};
    std::atomic<int> reconnections_{0};
    // Owned by the controlling thread: every track the callback may still be reading, and the
    // track set last (what a shuttle plays).
    std::vector<std::shared_ptr<const media::AudioTrack>> tracks_;
    std::shared_ptr<const media::AudioTrack> current_track_;
    // Made at open (its ring is allocated then); its thread starts with the first shuttle.
    std::unique_ptr<ShuttleStream> shuttle_;
    // The track to play (written by set_track) and the one the callback is reading (written by the
    // callback before it reads it, then re-checked against next_track_).
    std::atomic<const media::AudioTrack*> next_track_{nullptr};
    std::atomic<const media::AudioTrack*> in_use_{nullptr};

    // Written by the player thread, read by the callback.
    std::atomic<bool> playing_{false};
    std::atomic<int64_t> seek_request_{-1};

    // Scrub requests: written by the player thread (start and length first, then the serial with
    // release), read by the callback (serial with acquire, then the rest).
    std::atomic<int64_t> scrub_start_{0};
    std::atomic<int64_t> scrub_length_{0};
    std::atomic<uint64_t> scrub_serial_{0};
    std::atomic<uint64_t> grains_started_{0};  // written by the callback: grains begun (tests)

    // Owned by the callback thread (read back through the seqlock below).
    int64_t position_ = 0;
    // Callback thread: whether the last buffer played the track, and where it ended (a start
    // fades in and a stop fades out over kScrubFadeMs, so neither clicks).
    bool was_playing_ = false;
    int64_t played_end_ = 0;
    // The grains sounding: [0] the newest, [1] one fading out under it. Callback thread only.
    struct Grain {
        int64_t start = 0, length = 0, pos = 0;  // track frames; pos: frames played so far
        bool active = false;
    };
    Grain grains_[2];
    uint64_t scrub_seen_ = 0;
    // Mixes the grains into `out` (frames x channels_) from track `t`; real-time safe.
    void mix_grains(float* out, unsigned long frames, const media::AudioTrack& t);

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
