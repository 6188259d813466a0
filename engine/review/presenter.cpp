#include "review/presenter.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <ctime>

#include "core/timecode.h"

namespace reelsync::review {

void CostEstimate::add(double seconds) {
    mean += (seconds - mean) * 0.1;
    dev += (std::fabs(seconds - mean) - dev) * 0.1;
}
double CostEstimate::value() const { return std::clamp(mean + 3 * dev, 0.002, 0.1); }
double CostEstimate::expected() const { return std::clamp(mean, 0.001, 0.1); }

void wait_until_due(timeline::Player& p, FrameTarget& target, const media::VideoFrame& frame, double present_at, double lead) {
    target.wait_until(present_at - lead);
    for (int i = 0; i < 8; ++i) {  // a bounded number of short waits, never a spin
        double left = p.until_due(frame, steady_seconds() + lead);
        if (left < 0.0002) break;
        target.wait_until(steady_seconds() + left);
    }
}

void sleep_until(double steady) {
    if (steady <= steady_seconds()) return;
    timespec ts;
    ts.tv_sec = static_cast<time_t>(std::floor(steady));
    ts.tv_nsec = static_cast<long>((steady - std::floor(steady)) * 1e9);
    // steady_clock is CLOCK_MONOTONIC on Linux: one absolute deadline, no accumulated error.
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

Rational sample_aspect_of(const media::VideoFrame& f, const media::ClipInfo& info) {
    if (f.picture && f.picture->sample_aspect_ratio.num > 0 && f.picture->sample_aspect_ratio.den > 0)
        return {f.picture->sample_aspect_ratio.num, f.picture->sample_aspect_ratio.den};
    return info.video->sample_aspect;
}

Result<double> FrameTarget::show() { return steady_seconds(); }
void FrameTarget::wait_until(double steady) { sleep_until(steady); }

Result<bool> OffscreenFrameTarget::draw(const media::VideoFrame& frame, Rational sample_aspect) {
    if (auto d = r_.draw(frame.picture, sample_aspect); !d) return std::unexpected(d.error());
    if (auto f = r_.finish(); !f) return std::unexpected(f.error());
    return true;
}

Result<Presenter::Step> Presenter::step(timeline::Player& p, FrameTarget& target, const media::ClipInfo& info, double now) {
    Step st;
    auto plan = p.plan(now, draw_cost_.value() + target.show_cost(), draw_cost_.expected() + target.show_cost());
    if (!plan.frame) {
        st.wake_at = plan.wake_at;
        return st;
    }
    const double t0 = steady_seconds();
    auto drawn = target.draw(*plan.frame, sample_aspect_of(*plan.frame, info));
    if (!drawn) return std::unexpected(drawn.error());
    if (!*drawn) {
        p.request_redraw();
        st.wake_at = now;
        return st;
    }
    if (!first_) draw_cost_.add(steady_seconds() - t0);
    first_ = false;
    wait_until_due(p, target, *plan.frame, plan.present_at, target.show_lead());
    auto at = target.show();
    if (!at) return std::unexpected(at.error());
    p.presented(*plan.frame, *at);
    st.shown = true;
    return st;
}

}  // namespace reelsync::review
