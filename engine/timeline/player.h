#pragma once
// The player: decides, for each image it presents, which frame that is and when it goes on screen.
//
// Rule: an image shows the frame whose presentation interval [pts, pts + dur) holds the master
// clock time at the instant the image reaches the screen. The player renders a frame as soon as it
// is nearly due, then asks the caller to present it at the steady-clock instant the clock reaches
// its pts (plus a small margin), so render time never shows up as A/V error. Frames are rendered
// one ahead (up to a frame interval early), so a hiccup while drawing costs nothing. It never
// spins or blocks: when nothing is due, plan() says when to wake up.
//
// Transport follows editing suites: play/pause, one-frame steps, exact seeks, a loop range, and
// J/K/L shuttle (reverse and speeds other than 1x mute the audio and run on the timer clock).
//
// Thread: owned by the app's main thread, which also owns the ClipReader's consumer side and the
// MasterClock. Not thread-safe.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "audio/clock.h"
#include "media/frame_source.h"
#include "timeline/stats.h"

namespace reelsync::timeline {

class Player {
public:
    Player(media::FrameSource& reader, audio::MasterClock& clock, PlaybackStats& stats);

    // --- transport ---
    void play();
    void pause();
    void toggle_play();
    void step(int64_t delta);            // pauses, then shows the frame `delta` away (and sounds it: scrub_audio)
    // Paused: a grain of the sound at the frame the player is on or going to (two frame intervals,
    // at least 40 ms, faded in and out), as an editing suite sounds a step or a drag of the playhead.
    void scrub_audio();
    void seek_frame(int64_t frame);      // exact; keeps playing if it was
    void seek_time(double t);
    void shuttle_forward();              // L: 1x, then 2x, 4x, 8x
    void shuttle_reverse();              // J: -1x, then -2x, -4x, -8x
    void shuttle_stop();                 // K
    void set_loop(std::optional<std::pair<int64_t, int64_t>> range);  // inclusive frames
    std::optional<std::pair<int64_t, int64_t>> loop() const { return loop_; }

    // --- scheduling ---
    struct Plan {
        std::optional<media::VideoFrame> frame;  // draw this (a new frame, or a redraw of the current one)
        double present_at = 0;                   // steady seconds at which to present it
        double wake_at = 0;                      // when nothing to draw: call plan() again then
    };
    // lead: seconds to allow from starting a render to its present (conservative: a frame is
    // taken this early). expected: the typical cost; only frames that cannot be on screen within
    // their interval even at that cost are dropped. expected <= 0 means "same as lead".
    Plan plan(double steady_now, double lead, double expected = 0);
    // Seconds, by the clock itself, until `frame` is due if presented at steady instant `at`
    // (0 when due or not playing). present_at is a prediction; the caller sleeps until it, then
    // asks this and sleeps the rest, so a clock that starts late or stalls never gets an early frame.
    double until_due(const media::VideoFrame& frame, double at);
    // The caller presented plan.frame at steady instant `at` (after any wait until present_at).
    void presented(const media::VideoFrame& frame, double at);
    // What was on screen at master-clock time t: the frame of the last present at or before t (the
    // key a director presses marks what they saw, not a frame decoded or rendered ahead).
    struct OnScreen {
        int64_t frame = 0;         // timeline frame
        int64_t source_frame = -1; // in an edit: the shot's clip frame
        int32_t shot = -1;
    };
    std::optional<OnScreen> on_screen_at(double clock_t) const;
    // Ask for a redraw of the current frame (the overlay changed).
    void request_redraw() { redraw_ = true; }
    // A new player in a window: its first frame is drawn `presents` more times before the clock
    // starts, so that the presenter has measured what a frame of this clip costs (new texture
    // sizes, the view's first draws) before any frame has a deadline. Those redraws are not
    // presents of the timeline (not in the statistics).
    void warm_up(int presents) { warmup_left_ = presents; }
    // Holds the clock's start (after the first frame and the pre-roll) until `ready()` is true or
    // the steady instant `until` has passed, whichever is first: on a small machine the edit's own
    // analyses (its song's beats, its cuts) finish on the CPU before it plays (review::Review).
    // A pause or a seek drops the hold, and so does play() or toggle_play() (the held start looks
    // paused: the key means "play now"); called on the thread that presents, like the rest.
    void hold_start(std::function<bool()> ready, double until) {
        start_gate_ = std::move(ready);
        start_gate_until_ = until;
    }
    // A hold_start() is keeping the clock (the first frame is up, the rest waits).
    bool start_held() const { return start_gate_ != nullptr && playing() && !clock_.playing(); }

    // --- state ---
    const std::optional<media::VideoFrame>& current() const { return current_; }
    // The frame on screen, or the one a pending seek will show.
    int64_t current_index() const { return seeking_ || !current_ ? seek_target_ : current_->index; }
    double time() { return clock_.now(); }
    bool playing() const {
        return clock_.playing() || (seeking_ && resume_after_seek_) || start_clock_on_present_ || preroll_pending_;
    }
    double speed() const { return clock_.speed(); }
    bool at_end() const { return at_end_; }
    const media::ClipInfo& info() const { return reader_.info(); }
    audio::MasterClock& clock() { return clock_; }
    PlaybackStats& stats() { return stats_; }

private:
    void start_seek(int64_t frame, bool reverse, bool resume);
    double steady_for(double clip_t, double steady_now);

    media::FrameSource& reader_;
    audio::MasterClock& clock_;
    PlaybackStats& stats_;
    std::optional<media::VideoFrame> current_;
    std::optional<std::pair<int64_t, int64_t>> loop_;
    bool seeking_ = true;          // waiting for the first frame after a seek (clock held)
    bool resume_after_seek_ = false;
    bool redraw_ = false;
    bool start_clock_on_present_ = false;  // the first frame after a seek goes up before the clock runs
    bool preroll_pending_ = false;         // it is up; the clock waits for the decoder to get ahead
    int warmup_left_ = 0;                  // redraws of the first frame still to do before the clock starts
    bool warming_ = false;                 // the frame planned is one of them
    bool prerolled();
    // The pre-roll is done and no hold_start() keeps the clock waiting at steady instant `now`.
    bool ready_to_start(double now);
    std::function<bool()> start_gate_;  // hold_start(): empty when none
    double start_gate_until_ = 0;
    bool at_end_ = false;
    int64_t repeat_counted_for_ = -1;  // frame whose overrun was already counted as a repeat
    int64_t expected_next_ = 0;        // next frame index in 1x forward play (for drop counting)
    int64_t seek_target_ = 0;          // frame the last seek asked for
    struct Shown {
        double t = 0;                  // clock time at the present
        OnScreen what;
    };
    std::array<Shown, 64> shown_{};    // the last presents, a ring
    size_t shown_count_ = 0;
};

}  // namespace reelsync::timeline
