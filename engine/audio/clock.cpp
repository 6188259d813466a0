#include "audio/clock.h"

#include <algorithm>

#include "core/timecode.h"

namespace reelsync::audio {

const char* to_string(ClockSource s) {
    switch (s) {
        case ClockSource::audio: return "audio";
        case ClockSource::timer_no_device: return "timer (no audio device)";
        case ClockSource::timer_device_lost: return "timer (audio device lost)";
        case ClockSource::timer_speed: return "timer (the sound follows it at this speed)";
    }
    return "?";
}

MasterClock::MasterClock(AudioOutput* output)
    : output_(output), source_(output ? ClockSource::audio : ClockSource::timer_no_device) {}

void MasterClock::anchor_timer(double t, double steady) {
    base_t_ = t;
    base_steady_ = steady;
}

double MasterClock::timer_time(double steady) const {
    if (!playing_) return paused_at_;
    return base_t_ + (steady - base_steady_) * speed_;
}

void MasterClock::check_device(double steady) {
    if (source_ == ClockSource::timer_device_lost && output_->take_reconnected()) {
        // The device is back (a new stream runs): the listener hears from the timer's time on.
        const double t = playing_ ? std::max(last_, timer_time(steady)) : paused_at_;
        source_ = speed_ == 1.0 ? ClockSource::audio : ClockSource::timer_speed;
        if (playing_) {
            playing_ = false;
            paused_at_ = last_ = t;
            play();
        }
        return;
    }
    if (source_ != ClockSource::audio || !playing_) return;
    AudioOutput::Snapshot s = output_->snapshot();
    bool silent_too_long = s.callbacks == start_callbacks_ ? steady - play_steady_ > loss_timeout_ + 1.0
                                                           : steady - s.callback_at > loss_timeout_;
    if (silent_too_long || !output_->stream_active()) {
        // The device went away: carry on from where the listener was, on the timer.
        double t = last_;
        source_ = ClockSource::timer_device_lost;
        mute();
        output_->start_reconnecting();
        anchor_timer(t, steady);
    }
}

double MasterClock::time_at(double steady) {
    const double real_now = steady_seconds();
    check_device(std::min(steady, real_now));
    if (!playing_) return paused_at_;
    if (source_ != ClockSource::audio) return timer_time(steady);
    // A future instant (a look-ahead for render time) is the present time plus the wait: the
    // limits below are about what the device has handed over so far, not about the query.
    if (steady > real_now + 1e-4) return time_at(real_now) + (steady - real_now);
    AudioOutput::Snapshot s = output_->snapshot();
    double rate = output_->sample_rate();
    double t;
    if (s.callbacks == start_callbacks_ || !s.playing) {
        t = play_from_;  // the first buffer of this play has not been handed over yet
    } else {
        t = static_cast<double>(s.position) / rate + (steady - s.heard_at);
        // Between callbacks the steady clock carries the time; never run more than two buffers
        // past what was handed over, and never before the play-start position.
        double ahead = static_cast<double>(s.position + 2 * s.frames) / rate;
        t = std::clamp(t, play_from_, std::max(play_from_, ahead));
    }
    // Monotonic for instants at or after the latest one asked about; a look-ahead query (a future
    // instant) must not make a later query for an earlier instant read ahead.
    if (steady >= last_steady_) {
        t = std::max(t, last_);
        last_ = t;
        last_steady_ = steady;
    }
    return t;
}

double MasterClock::now() { return time_at(steady_seconds()); }

void MasterClock::play() {
    if (playing_) return;
    double steady = steady_seconds();
    playing_ = true;
    play_from_ = last_ = paused_at_;
    last_steady_ = play_steady_ = steady;
    anchor_timer(paused_at_, steady);
    if (source_ == ClockSource::audio) {
        start_callbacks_ = output_->snapshot().callbacks;
        output_->seek_frames(static_cast<int64_t>(paused_at_ * output_->sample_rate() + 0.5));
        output_->set_playing(true);
    } else if (source_ == ClockSource::timer_speed) {
        output_->shuttle(paused_at_, steady, speed_);  // the sound follows the timer
    }
}

void MasterClock::mute() {
    if (!output_) return;
    output_->set_playing(false);
    output_->shuttle(0, 0, 0);
}

void MasterClock::pause() {
    if (!playing_) return;
    paused_at_ = now();
    playing_ = false;
    mute();
}

void MasterClock::scrub(double t, double seconds) {
    if (playing_ || !output_ || source_ == ClockSource::timer_device_lost) return;
    const double rate = output_->sample_rate();
    output_->scrub(static_cast<int64_t>(std::max(0.0, t) * rate + 0.5), static_cast<int64_t>(seconds * rate + 0.5));
}

void MasterClock::seek(double t) {
    t = std::max(0.0, t);
    bool was_playing = playing_;
    if (was_playing) {
        playing_ = false;
        mute();
    }
    paused_at_ = last_ = t;
    if (was_playing) play();
}

void MasterClock::set_speed(double speed) {
    if (speed == speed_) return;
    double t = now();
    bool was_playing = playing_;
    if (was_playing) {
        playing_ = false;
        mute();
    }
    speed_ = speed;
    paused_at_ = last_ = t;
    if (output_ && source_ != ClockSource::timer_device_lost)
        source_ = speed == 1.0 ? ClockSource::audio : ClockSource::timer_speed;
    if (was_playing) play();
}

}  // namespace reelsync::audio
