#include "analysis/motion.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

namespace reelsync::analysis {

struct MotionMeter::State {
    cv::Ptr<cv::DISOpticalFlow> dis;
    cv::Mat prev;        // CV_8U working copy of the previous frame's luma
    cv::Mat prev_local;  // CV_32FC2: the previous pair's flow minus its smooth fit (empty: none)
    int src_w = 0, src_h = 0, src_format = -1;
};

MotionMeter::MotionMeter() : s_(std::make_unique<State>()) {
    // OpenCV's own thread pool is off: at 320 pixels a frame its hand-offs cost more than they
    // gain (the flow pair takes longer on two threads than on one), and reelsync already runs
    // clips side by side on its own threads (scan --jobs, the farm, the live measures beside
    // playback), where the pool's threads would only compete with them. OpenCV is used for this
    // alone in the program, so the process-wide setting is this module's to make.
    static std::once_flag single_threaded;
    std::call_once(single_threaded, [] { cv::setNumThreads(1); });
    // The fast preset with variational refinement: dense enough to follow a walking person at 320
    // pixels, a few milliseconds a pair on one core.
    s_->dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_FAST);
}
MotionMeter::~MotionMeter() = default;
MotionMeter::MotionMeter(MotionMeter&&) noexcept = default;
MotionMeter& MotionMeter::operator=(MotionMeter&&) noexcept = default;

namespace {
// The frame's luma (plane 0; green for planar RGB), reduced to kMotionWidth across by area.
cv::Mat working_copy(const AVFrame& f) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f.format));
    const int depth = d ? d->comp[0].depth : 8;
    cv::Mat src;
    if (depth > 8) {
        cv::Mat wide(f.height, f.width, CV_16U, f.data[0], static_cast<size_t>(f.linesize[0]));
        wide.convertTo(src, CV_8U, 1.0 / static_cast<double>(1 << (depth - 8)));
    } else {
        src = cv::Mat(f.height, f.width, CV_8U, f.data[0], static_cast<size_t>(f.linesize[0]));
    }
    const int h = std::max(16, 2 * static_cast<int>(std::lround(0.5 * kMotionWidth * f.height / std::max(1, f.width))));
    cv::Mat out;
    cv::resize(src, out, cv::Size(kMotionWidth, h), 0, 0, f.width >= kMotionWidth ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}
}  // namespace

MotionMetrics MotionMeter::measure(const AVFrame& f) {
    MotionMetrics m;
    if (f.width <= 0 || f.height <= 0 || !f.data[0]) return m;
    cv::Mat cur = working_copy(f);
    State& s = *s_;
    const bool same_source = f.width == s.src_w && f.height == s.src_h && f.format == s.src_format;
    s.src_w = f.width;
    s.src_h = f.height;
    s.src_format = f.format;
    if (!same_source || s.prev.empty()) {
        // The first frame, or the picture changed size mid-stream: nothing to compare with.
        s.prev = cur;
        s.prev_local.release();
        return m;
    }
    const int W = cur.cols, H = cur.rows;
    cv::Mat fwd, bwd;  // prev -> cur, and cur -> prev (where each pixel of cur came from)
    s.dis->calc(s.prev, cur, fwd);
    s.dis->calc(cur, s.prev, bwd);
    // Where each pixel came from, as maps for remap.
    cv::Mat map(H, W, CV_32FC2);
    for (int y = 0; y < H; ++y) {
        const auto* b = bwd.ptr<cv::Vec2f>(y);
        auto* o = map.ptr<cv::Vec2f>(y);
        for (int x = 0; x < W; ++x) o[x] = cv::Vec2f(static_cast<float>(x) + b[x][0], static_cast<float>(y) + b[x][1]);
    }
    cv::Mat warped, fwd_at;  // the previous frame moved along the flow; the forward flow where each pixel came from
    cv::remap(s.prev, warped, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::remap(fwd, fwd_at, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    // The flow's smooth fit: what a camera move or a rigid body moving as a whole would give. A
    // Gaussian of sigma kMotionWidth/16 pixels, computed on the flow averaged over 4x4 blocks and
    // brought back up bilinearly: the fit is that smooth anyway, and at full size its kernel (161 taps
    // a pass) cost as much as the two flows.
    cv::Mat coarse, coarse_fit, smooth;
    constexpr int kFitStep = 4;
    cv::resize(bwd, coarse, cv::Size((W + kFitStep - 1) / kFitStep, (H + kFitStep - 1) / kFitStep), 0, 0, cv::INTER_AREA);
    const double sigma = kMotionWidth / 16.0 / kFitStep;
    cv::GaussianBlur(coarse, coarse_fit, cv::Size(0, 0), sigma, sigma, cv::BORDER_REPLICATE);
    cv::resize(coarse_fit, smooth, bwd.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat local = bwd - smooth;

    std::array<float, kTiles> t_changed{}, t_flow{}, t_fx{}, t_fy{}, t_warp{}, t_warp_n{}, t_unexpl{}, t_nonrigid{}, t_jitter{}, t_n{};
    std::array<uint32_t, 256> hist{};  // warp error histogram of the matched pixels (for the noise)
    std::vector<float> flow_len;
    flow_len.reserve(static_cast<size_t>(W) * H / 4);
    std::vector<uint8_t> err(static_cast<size_t>(W) * H);
    std::vector<uint8_t> matched(static_cast<size_t>(W) * H);
    const bool jitter = !s.prev_local.empty() && s.prev_local.size() == local.size();
    double changed = 0, warp_sum = 0, warp_n = 0, occluded = 0;
    for (int y = 0; y < H; ++y) {
        const uint8_t* c = cur.ptr<uint8_t>(y);
        const uint8_t* p = s.prev.ptr<uint8_t>(y);
        const uint8_t* w = warped.ptr<uint8_t>(y);
        const auto* b = bwd.ptr<cv::Vec2f>(y);
        const auto* fa = fwd_at.ptr<cv::Vec2f>(y);
        const auto* l = local.ptr<cv::Vec2f>(y);
        const cv::Vec2f* pl = jitter ? s.prev_local.ptr<cv::Vec2f>(y) : nullptr;
        const int ty = y * kTilesY / H;
        for (int x = 0; x < W; ++x) {
            const size_t t = static_cast<size_t>(ty * kTilesX + x * kTilesX / W);
            const size_t i = static_cast<size_t>(y) * W + x;
            const bool ch = std::abs(int{c[x]} - int{p[x]}) > kChangeLevel;
            changed += ch;
            t_changed[t] += ch ? 1.0f : 0.0f;
            // Forward-backward check: going back then forth should land where it started.
            const float sx = b[x][0] + fa[x][0], sy = b[x][1] + fa[x][1];
            const float mb = b[x][0] * b[x][0] + b[x][1] * b[x][1], mf = fa[x][0] * fa[x][0] + fa[x][1] * fa[x][1];
            const bool ok = sx * sx + sy * sy <= 0.01f * (mb + mf) + 0.5f;
            const float len = std::sqrt(mb);
            t_flow[t] += len;
            t_fx[t] += b[x][0];
            t_fy[t] += b[x][1];
            if ((x & 1) == 0 && (y & 1) == 0) flow_len.push_back(len);
            const float lx = l[x][0], ly = l[x][1];
            t_nonrigid[t] += std::sqrt(lx * lx + ly * ly);
            if (pl) {
                // The local flow turning back on itself: -dot with the previous pair's, where both move.
                const float d = -(lx * pl[x][0] + ly * pl[x][1]);
                if (d > 0) t_jitter[t] += std::sqrt(d);
            }
            t_n[t] += 1.0f;
            const int e = std::abs(int{c[x]} - int{w[x]});
            err[i] = static_cast<uint8_t>(e);
            matched[i] = ok;
            if (ok) {
                ++hist[static_cast<size_t>(e)];
                warp_sum += e;
                ++warp_n;
                t_warp[t] += static_cast<float>(e);
                t_warp_n[t] += 1.0f;
            } else {
                ++occluded;
            }
        }
    }
    // The noise: the median warp error of the matched pixels. Unexplained: unmatched, or an error
    // well above that noise.
    int noise = 0;
    {
        uint64_t acc = 0;
        const uint64_t half = static_cast<uint64_t>(warp_n / 2);
        while (noise < 255 && acc + hist[static_cast<size_t>(noise)] <= half) acc += hist[static_cast<size_t>(noise++)];
    }
    const int unexplained_level = std::max(12, 4 * noise);
    double unexpl = 0;
    for (int y = 0; y < H; ++y) {
        const int ty = y * kTilesY / H;
        for (int x = 0; x < W; ++x) {
            const size_t i = static_cast<size_t>(y) * W + x;
            const bool u = !matched[i] || err[i] > unexplained_level;
            unexpl += u;
            t_unexpl[static_cast<size_t>(ty * kTilesX + x * kTilesX / W)] += u ? 1.0f : 0.0f;
        }
    }
    const double n = static_cast<double>(W) * H;
    m.valid = true;
    m.changed = static_cast<float>(changed / n);
    m.occluded = static_cast<float>(occluded / n);
    m.unexplained = static_cast<float>(unexpl / n);
    m.warp = static_cast<float>(warp_n > 0 ? warp_sum / warp_n : 0.0);
    m.noise = static_cast<float>(noise);
    if (!flow_len.empty()) {
        std::nth_element(flow_len.begin(), flow_len.begin() + static_cast<long>(flow_len.size() / 2), flow_len.end());
        m.flow = flow_len[flow_len.size() / 2];
    }
    for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t) {
        const float tn = std::max(1.0f, t_n[t]);
        m.tile_changed[t] = t_changed[t] / tn;
        m.tile_flow[t] = t_flow[t] / tn;
        m.tile_flow_x[t] = t_fx[t] / tn;
        m.tile_flow_y[t] = t_fy[t] / tn;
        m.tile_warp[t] = t_warp_n[t] > 0 ? t_warp[t] / t_warp_n[t] : 0.0f;
        m.tile_unexplained[t] = t_unexpl[t] / tn;
        m.tile_nonrigid[t] = t_nonrigid[t] / tn;
        m.tile_jitter[t] = t_jitter[t] / tn;
    }
    s.prev = cur;
    s.prev_local = local;
    return m;
}

}  // namespace reelsync::analysis
