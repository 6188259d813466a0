#pragma once
// The frame-timing step every presenting loop shares (the window, headless playback, the
// benchmarks): estimate what drawing and presenting cost, ask the player which frame is due,
// wait until its instant, present, tell the player when it reached the screen.
#include "core/rational.h"
#include "media/clip_info.h"
#include "media/video_decoder.h"
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

// Sleeps until `frame` is due: to the predicted instant, then as long as the clock itself still
// says it is early (it may have started late or stalled). `lead`: how long the present takes.
void wait_until_due(timeline::Player& p, const media::VideoFrame& frame, double present_at, double lead);

// Sleeps until a steady-clock instant (absolute, so no drift from repeated relative sleeps).
void sleep_until(double steady);

}  // namespace reelsync::review
