#pragma once
// The master clock: clip time (seconds) that the listener hears at a steady-clock instant.
//
// At 1x forward speed with a working device it follows the audio callback: the sample the callback
// handed over and the instant the DAC plays it (output latency compensated), advanced by the steady
// clock between callbacks. With no device, at other speeds, or once the device stops calling back,
// a monotonic timer takes over from the current time and playback goes on. At other speeds the
// sound follows the timer: time-stretched, its pitch kept, backwards in reverse (ShuttleStream). A lost
// device is opened again in the background (AudioOutput::start_reconnecting); once it runs, the
// clock goes back to it from the timer's time.
//
// Thread: owned by the player thread; not thread-safe. The AudioOutput it drives is shared with
// the real-time callback only through that class's atomics.
#include <memory>
#include <string>

#include "audio/audio_output.h"

namespace reelsync::audio {

enum class ClockSource { audio, timer_no_device, timer_device_lost, timer_speed };

const char* to_string(ClockSource s);

class MasterClock {
public:
    // output may be null (no device): the timer clock runs from the start.
    explicit MasterClock(AudioOutput* output);

    double time_at(double steady);  // clip seconds heard at that steady instant
    double now();

    void play();
    void pause();
    bool playing() const { return playing_; }
    void seek(double t);
    // Paused: a grain of the sound at clip time `t`, `seconds` long (a frame step, a drag of the
    // playhead). Nothing while playing or without a device.
    void scrub(double t, double seconds);
    // Speeds other than 1 (negative: reverse) run on the timer; the sound follows it at that speed.
    void set_speed(double speed);
    double speed() const { return speed_; }

    ClockSource source() const { return source_; }

private:
    void anchor_timer(double t, double steady);
    double timer_time(double steady) const;
    void check_device(double steady);
    void mute();  // the output silent: neither the track at 1x nor a shuttle

    AudioOutput* output_;
    ClockSource source_;
    bool playing_ = false;
    double speed_ = 1.0;
    double loss_timeout_ = 0.5;  // seconds without a callback before the device counts as lost

    // Paused position, and the play-start position (the clock never reads before it while the
    // first buffers are still on their way to the speaker).
    double paused_at_ = 0;
    double play_from_ = 0;
    double last_ = 0;          // value at last_steady_: later instants never read earlier (monotonic)
    double last_steady_ = 0;
    uint64_t start_callbacks_ = 0;
    double play_steady_ = 0;

    // Timer: time = base_t + (steady - base_steady) * speed.
    double base_t_ = 0;
    double base_steady_ = 0;
};

}  // namespace reelsync::audio
