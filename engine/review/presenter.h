#pragma once
// The frame-timing step every presenting loop shares (the window, headless playback, the
// benchmarks, the engine's tests): estimate what drawing and presenting cost, ask the player
// which frame is due, draw it, wait until its instant, show it, tell the player when it reached
// the screen.
#include "core/error.h"
#include "core/rational.h"
#include "media/clip_info.h"
#include "media/video_decoder.h"
#include "render/frame_renderer.h"
#include "timeline/player.h"

namespace reelsync::review {

// A running estimate of how long something takes (a render, a present): mean and mean deviation.
struct CostEstimate {
    double mean = 0.010;
    double dev = 0.003;
    void add(double seconds);
    double value() const;     // mean + 3 deviations: conservative, for when to start
    double expected() const;  // the mean: for what can still make it in time
};

// The sample aspect ratio to show a frame with: the picture's own, else the stream's.
Rational sample_aspect_of(const media::VideoFrame& f, const media::ClipInfo& info);

class FrameTarget;

// Waits until `frame` is due: to the predicted instant, then as long as the clock itself still
// says it is early (it may have started late or stalled). `lead`: how long the present takes.
// The waiting is the target's (a window goes on taking input meanwhile).
void wait_until_due(timeline::Player& p, FrameTarget& target, const media::VideoFrame& frame, double present_at, double lead);

// Sleeps until a steady-clock instant (absolute, so no drift from repeated relative sleeps).
void sleep_until(double steady);

// Where frames go: an offscreen image, a window's swapchain, nothing (tests).
class FrameTarget {
public:
    virtual ~FrameTarget() = default;
    // Draws the frame; returns once the picture is complete (not yet shown). False: nothing was
    // drawn (a window being resized); the frame is not shown and the player redraws later.
    virtual Result<bool> draw(const media::VideoFrame& frame, Rational sample_aspect) = 0;
    // Shows what was drawn; returns the steady instant it reached the screen.
    virtual Result<double> show();
    // How long show() itself takes (a window's present): the wait for the due instant ends that
    // much early.
    virtual double show_lead() const { return 0.0; }
    // What show() costs on average: planned for, with the draw, when choosing the frame to draw.
    virtual double show_cost() const { return 0.0; }
    // Waits until a steady instant. A window overrides it to go on receiving input meanwhile, so
    // a key pressed while a frame waits for its instant is stamped when it went down, not after
    // the present (a live mark was one frame late, seen from outside by Observed.LiveMarks*).
    virtual void wait_until(double steady);
};

// Frames drawn offscreen (headless playback, the benchmarks): shown when the GPU is done.
class OffscreenFrameTarget : public FrameTarget {
public:
    explicit OffscreenFrameTarget(render::OffscreenRenderer& r) : r_(r) {}
    Result<bool> draw(const media::VideoFrame& frame, Rational sample_aspect) override;

private:
    render::OffscreenRenderer& r_;
};

class Presenter {
public:
    explicit Presenter(CostEstimate initial = {}) : draw_cost_(initial) {}
    struct Step {
        bool shown = false;  // a frame went up
        double wake_at = 0;  // when nothing was due: when to come back
    };
    // One step at steady `now`: when the player has a frame due, draws it, waits until its
    // instant, shows it and tells the player; else says when to come back.
    Result<Step> step(timeline::Player& p, FrameTarget& target, const media::ClipInfo& info, double now);
    CostEstimate& draw_cost() { return draw_cost_; }

private:
    CostEstimate draw_cost_;
    bool first_ = true;  // the first draw compiles pipelines: not a measure of the next ones
};

}  // namespace reelsync::review
