#include "timeline/player.h"

#include <algorithm>
#include <cmath>

namespace reelsync::timeline {

namespace {
// Presents aim this far after a frame's start, so that clock and present-time jitter of a few
// milliseconds never shows a frame before its interval (well under half a frame of A/V error).
double present_margin(double dur) { return std::min(0.005, dur * 0.12); }
}  // namespace

Player::Player(media::FrameSource& reader, audio::MasterClock& clock, PlaybackStats& stats)
    : reader_(reader), clock_(clock), stats_(stats) {
    start_seek(0, false, false);
}

void Player::start_seek(int64_t frame, bool reverse, bool resume) {
    frame = std::clamp<int64_t>(frame, 0, reader_.info().frame_count() - 1);
    seek_target_ = frame;
    reader_.seek(frame, reverse);
    clock_.pause();
    clock_.seek(reader_.info().frame_pts_seconds(frame) + (reverse ? reader_.info().frame_duration_seconds(frame) * 0.5 : 0));
    seeking_ = true;
    resume_after_seek_ = resume;
    start_clock_on_present_ = false;
    preroll_pending_ = false;
    warmup_left_ = 0;
    warming_ = false;
    start_gate_ = nullptr;
    at_end_ = false;
    expected_next_ = frame;
}

bool Player::prerolled() {
    const int preroll = std::min(4, reader_.capacity());
    return reader_.queued() >= preroll || reader_.finished() || reader_.decoded_all();
}

bool Player::ready_to_start(double now) {
    if (!prerolled()) return false;
    if (start_gate_ && now < start_gate_until_ && !start_gate_()) return false;
    start_gate_ = nullptr;
    return true;
}

void Player::play() {
    if (start_held()) {  // a held start looks paused: play means now
        start_gate_ = nullptr;
        return;
    }
    if (playing()) return;
    if (clock_.speed() != 1.0) clock_.set_speed(1.0);
    int64_t from = current_index();
    if (at_end_) from = loop_ ? loop_->first : 0;  // play at the end starts over, as players do
    start_seek(from, false, true);
}

void Player::pause() {
    const bool was = playing();
    clock_.pause();
    resume_after_seek_ = false;
    start_clock_on_present_ = false;
    preroll_pending_ = false;
    warmup_left_ = 0;
    warming_ = false;
    start_gate_ = nullptr;
    if (was && current_) {
        // Hold on the frame on screen; the decoder restarts from it so a step or play is exact.
        clock_.set_speed(1.0);
        start_seek(current_->index, false, false);
    }
}

void Player::toggle_play() {
    if (start_held()) play();  // it looks paused: the key starts it now
    else if (playing()) pause();
    else play();
}

void Player::step(int64_t delta) {
    int64_t from = current_index();
    if (clock_.speed() != 1.0) clock_.set_speed(1.0);
    start_seek(from + delta, false, false);
    scrub_audio();
}

void Player::scrub_audio() {
    if (playing()) return;
    const int64_t f = seeking_ ? seek_target_ : current_index();
    const double grain = std::max(0.04, 2.0 * reader_.info().frame_duration_seconds(f));
    clock_.scrub(reader_.info().frame_pts_seconds(f), grain);
}

void Player::seek_frame(int64_t frame) {
    bool resume = playing();
    if (resume && clock_.speed() != 1.0) clock_.set_speed(1.0);
    start_seek(frame, false, resume);
}

void Player::seek_time(double t) { seek_frame(reader_.info().frame_at_time(t)); }

void Player::shuttle_forward() {
    double s = clock_.speed();
    bool moving = playing();
    double next = (!moving || s <= 0) ? 1.0 : std::min(8.0, s * 2);
    int64_t from = current_index();
    if (at_end_) from = 0;
    bool direction_change = !moving || s <= 0;
    clock_.set_speed(next);
    if (direction_change) start_seek(from, false, true);
}

void Player::shuttle_reverse() {
    double s = clock_.speed();
    bool moving = playing();
    double next = (!moving || s >= 0) ? -1.0 : std::max(-8.0, s * 2);
    int64_t from = current_index();
    bool direction_change = !moving || s >= 0;
    clock_.set_speed(next);
    if (direction_change) start_seek(std::max<int64_t>(0, from - 1), true, true);
}

void Player::shuttle_stop() { pause(); }

void Player::set_loop(std::optional<std::pair<int64_t, int64_t>> range) {
    if (range && range->first > range->second) std::swap(range->first, range->second);
    if (range) {  // a range past the end loops to the end
        const int64_t last = std::max<int64_t>(0, reader_.info().frame_count() - 1);
        range->first = std::clamp<int64_t>(range->first, 0, last);
        range->second = std::clamp<int64_t>(range->second, 0, last);
    }
    loop_ = range;
}

double Player::steady_for(double clip_t, double steady_now) {
    double s = clock_.speed();
    double now_t = clock_.time_at(steady_now);
    return steady_now + (clip_t - now_t) / (s == 0 ? 1.0 : s);
}

Player::Plan Player::plan(double now, double render_estimate, double expected) {
    if (expected <= 0 || expected > render_estimate) expected = render_estimate;
    Plan plan;
    const double s = clock_.speed();

    if (preroll_pending_) {
        // The first frame is up; a new player in a window draws it again a few times (warm_up).
        if (warmup_left_ > 0 && current_) {
            warming_ = true;
            plan.frame = current_;
            plan.present_at = now;
            return plan;
        }
        // The clock starts once the decoder is a few frames ahead (and no hold_start() waits).
        if (!ready_to_start(now)) {
            plan.wake_at = now + 0.002;
            return plan;
        }
        preroll_pending_ = false;
        clock_.play();
    }

    if (seeking_) {
        auto f = reader_.peek();
        if (!f) {
            if (reader_.finished()) {
                // Nothing decodable at the target (a broken tail): stay where we are.
                seeking_ = false;
                if (resume_after_seek_) at_end_ = true;
                resume_after_seek_ = false;
            }
            plan.wake_at = now + 0.002;
            return plan;
        }
        reader_.pop();
        seeking_ = false;
        clock_.seek(s < 0 ? f->pts + f->duration * 0.5 : f->pts);
        // The clock starts when this frame is on screen, so it is shown for its whole interval.
        start_clock_on_present_ = resume_after_seek_;
        resume_after_seek_ = false;
        expected_next_ = f->index + 1;
        plan.frame = std::move(*f);
        plan.present_at = now;
        return plan;
    }

    if (!clock_.playing()) {
        if (redraw_ && current_) {
            plan.frame = current_;
            plan.present_at = now;
            redraw_ = false;
            return plan;
        }
        plan.wake_at = now + 0.05;
        return plan;
    }

    const double t = clock_.time_at(now + render_estimate);
    const double t_drop = clock_.time_at(now + expected);

    if (s > 0) {
        // Frames whose interval is already over by the time a render could show them are dropped.
        while (true) {
            auto f = reader_.peek();
            if (!f || f->pts + f->duration - present_margin(f->duration) > t_drop) break;
            if (loop_ && f->index > loop_->second) break;
            reader_.pop();
            if (s == 1.0 && f->index >= expected_next_) stats_.add_dropped(1);
            expected_next_ = f->index + 1;
        }
        auto f = reader_.peek();
        bool past_loop = loop_ && ((f && f->index > loop_->second) ||
                                   (!f && reader_.finished() && current_ && current_->index >= loop_->second));
        if (past_loop) {
            start_seek(loop_->first, false, true);
            plan.wake_at = now;
            return plan;
        }
        if (!f) {
            if (reader_.finished()) {
                double end = current_ ? current_->pts + current_->duration : 0;
                if (clock_.time_at(now) >= end) {
                    clock_.pause();
                    at_end_ = true;
                    if (current_) clock_.seek(current_->pts);
                    plan.wake_at = now + 0.05;
                    return plan;
                }
                plan.wake_at = steady_for(end, now);
                return plan;
            }
            // The decoder is late: the frame on screen overstays its interval.
            if (current_ && t >= current_->pts + current_->duration && repeat_counted_for_ != current_->index) {
                stats_.add_repeated(1);
                repeat_counted_for_ = current_->index;
            }
            plan.wake_at = now + 0.002;
            return plan;
        }
        // Render one frame ahead: the next frame is taken up to a frame interval before it is
        // needed, so a hiccup while drawing it is absorbed and only the present must be on time.
        if (f->pts <= t + f->duration) {
            reader_.pop();
            if (s == 1.0 && f->index > expected_next_) stats_.add_dropped(f->index - expected_next_);
            expected_next_ = f->index + 1;
            plan.present_at = std::max(now, steady_for(f->pts + present_margin(f->duration), now));
            plan.frame = std::move(*f);
            return plan;
        }
        plan.wake_at = steady_for(f->pts - f->duration, now) - render_estimate;
        return plan;
    }

    // Reverse: frames arrive in descending order; one is due once the clock falls below its end.
    while (true) {
        auto f = reader_.peek();
        if (!f || f->pts <= t) break;
        reader_.pop();
    }
    auto f = reader_.peek();
    if (!f) {
        if (reader_.finished()) {
            clock_.pause();
            clock_.set_speed(1.0);
            if (current_) clock_.seek(current_->pts);
            reader_.seek(current_ ? current_->index : 0, false);
            seeking_ = true;
            plan.wake_at = now + 0.01;
            return plan;
        }
        plan.wake_at = now + 0.002;
        return plan;
    }
    double end = f->pts + f->duration;
    if (end - present_margin(f->duration) >= t - f->duration) {
        reader_.pop();
        plan.present_at = std::max(now, steady_for(end - present_margin(f->duration), now));
        plan.frame = std::move(*f);
        return plan;
    }
    plan.wake_at = steady_for(end + f->duration, now) - render_estimate;
    return plan;
}

double Player::until_due(const media::VideoFrame& f, double at) {
    if (!clock_.playing()) return 0;
    const double s = clock_.speed();
    const double target = s > 0 ? f.pts + present_margin(f.duration) : f.pts + f.duration - present_margin(f.duration);
    const double left = (target - clock_.time_at(at)) / s;
    return std::clamp(left, 0.0, f.duration);  // never more than a frame: a stalled clock must not freeze us
}

void Player::presented(const media::VideoFrame& frame, double at) {
    if (warming_) {  // a warm-up redraw of the first frame, before the clock runs
        warming_ = false;
        --warmup_left_;
        return;
    }
    Present p;
    p.t_audio = clock_.time_at(at);
    p.frame = frame.index;
    p.pts = frame.pts;
    p.dur = frame.duration;
    p.playing = clock_.playing() && clock_.speed() == 1.0;
    p.shot = frame.shot;
    p.source_frame = frame.source_index;
    if (frame.views)
        for (const media::VideoFrame& v : *frame.views)
            if (p.view_count < static_cast<int>(p.views.size())) p.views[static_cast<size_t>(p.view_count++)] = v.index;
    stats_.record(p);
    shown_[shown_count_++ % shown_.size()] = {p.t_audio, {frame.index, frame.source_index, frame.shot}};
    current_ = frame;
    if (start_clock_on_present_) {
        // Pre-roll: the first frame after a seek goes up at once (a key press shows its frame
        // without waiting); the clock starts when the decoder is a few frames ahead, so the first
        // second of playback does not race it. Usually that is already so, and it starts now.
        start_clock_on_present_ = false;
        if (warmup_left_ <= 0 && ready_to_start(at)) clock_.play();
        else preroll_pending_ = true;
    }
}

std::optional<Player::OnScreen> Player::on_screen_at(double t) const {
    if (shown_count_ == 0) return std::nullopt;
    const size_t n = std::min(shown_count_, shown_.size());
    // Newest first: the first present at or before t is what was showing then.
    for (size_t k = 0; k < n; ++k) {
        const Shown& s = shown_[(shown_count_ - 1 - k) % shown_.size()];
        if (s.t <= t) return s.what;
    }
    return shown_[(shown_count_ - n) % shown_.size()].what;  // older than the history: the oldest kept
}

}  // namespace reelsync::timeline
