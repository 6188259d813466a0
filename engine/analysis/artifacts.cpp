#include "analysis/artifacts.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "media/video_decoder.h"

namespace reelsync::analysis {

namespace {
constexpr int kW = 160, kH = 90;

double median_of(std::vector<double> v) {
    if (v.empty()) return 0;
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return v[v.size() / 2];
}
}  // namespace

const char* to_string(FlagKind k) {
    switch (k) {
        case FlagKind::black: return "black";
        case FlagKind::blank: return "blank";
        case FlagKind::freeze: return "freeze";
        case FlagKind::duplicate: return "duplicate";
        case FlagKind::jump: return "jump";
        case FlagKind::first_frame_jump: return "first_frame_jump";
    }
    return "?";
}

FrameMetrics FrameMeter::measure(const AVFrame& f, int64_t index) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f.format));
    const int depth = d ? d->comp[0].depth : 8;
    const bool deep = depth > 8;
    const double to8 = 1.0 / static_cast<double>(1 << (depth - 8 > 0 ? depth - 8 : 0));
    // RGB-planar frames carry green in plane 0: close enough to luma for these measures.
    // Each reduced pixel averages a sparse grid of its box (every 3rd row, every 2nd column): as good
    // a low-pass for these measures as the full box, at a sixth of the memory traffic.
    std::vector<float> cur(static_cast<size_t>(kW) * kH);
    for (int y = 0; y < kH; ++y) {
        const int y0 = y * f.height / kH, y1 = std::max(y0 + 1, (y + 1) * f.height / kH);
        const int ys = y1 - y0 >= 6 ? 3 : 1;
        for (int x = 0; x < kW; ++x) {
            const int x0 = x * f.width / kW, x1 = std::max(x0 + 1, (x + 1) * f.width / kW);
            const int xs = x1 - x0 >= 4 ? 2 : 1;
            double sum = 0;
            int count = 0;
            for (int yy = y0; yy < y1; yy += ys) {
                const uint8_t* row = f.data[0] + static_cast<ptrdiff_t>(yy) * f.linesize[0];
                if (deep) {
                    const uint16_t* r16 = reinterpret_cast<const uint16_t*>(row);
                    for (int xx = x0; xx < x1; xx += xs, ++count) sum += r16[xx];
                } else {
                    unsigned acc = 0;
                    for (int xx = x0; xx < x1; xx += xs, ++count) acc += row[xx];
                    sum += acc;
                }
            }
            cur[static_cast<size_t>(y) * kW + x] = static_cast<float>(sum / count * to8);
        }
    }
    FrameMetrics m;
    m.index = index;
    double s = 0, s2 = 0, diff = 0;
    for (size_t i = 0; i < cur.size(); ++i) {
        const double v = cur[i];
        s += v;
        s2 += v * v;
        if (!prev_.empty()) diff += std::fabs(v - static_cast<double>(prev_[i]));
    }
    const double n = static_cast<double>(cur.size());
    m.luma_mean = s / n;
    m.luma_std = std::sqrt(std::max(0.0, s2 / n - m.luma_mean * m.luma_mean));
    m.diff_prev = prev_.empty() ? 0.0 : diff / n;
    prev_ = std::move(cur);
    return m;
}

std::vector<Flag> detect_artifacts(const std::vector<FrameMetrics>& m, const DetectorConfig& c) {
    std::vector<Flag> flags;
    const int64_t n = static_cast<int64_t>(m.size());
    auto add_runs = [&](auto&& pred, FlagKind kind, int64_t min_len, auto&& severity) {
        for (int64_t i = 0; i < n;) {
            if (!pred(i)) {
                ++i;
                continue;
            }
            int64_t j = i;
            while (j + 1 < n && pred(j + 1)) ++j;
            if (j - i + 1 >= min_len) flags.push_back({kind, i, j, severity(i, j)});
            i = j + 1;
        }
    };
    auto black = [&](int64_t i) { return m[i].luma_mean <= c.black_luma && m[i].luma_std <= c.flat_std * 2; };
    auto blank = [&](int64_t i) { return !black(i) && m[i].luma_std <= c.flat_std; };
    add_runs(black, FlagKind::black, 1, [](int64_t, int64_t) { return 1.0; });
    add_runs(blank, FlagKind::blank, 1, [](int64_t, int64_t) { return 0.8; });

    // Repeats: a frame (with a picture) that does not change from the previous one.
    auto still = [&](int64_t i) { return i > 0 && m[i].diff_prev < c.still_diff && !black(i) && !blank(i); };
    for (int64_t i = 1; i < n;) {
        if (!still(i)) {
            ++i;
            continue;
        }
        int64_t j = i;
        while (j + 1 < n && still(j + 1)) ++j;
        const int64_t len = j - i + 1;
        if (len >= c.freeze_min_frames)
            flags.push_back({FlagKind::freeze, i - 1, j, std::min(1.0, static_cast<double>(len) / 24.0)});
        else
            flags.push_back({FlagKind::duplicate, i, j, 0.5});
        i = j + 1;
    }

    // Jumps: one frame-to-frame change far above the typical change around it. Changes into or
    // out of black, blank or frozen stretches are those flags' business, not jumps.
    auto special = [&](int64_t i) { return i < 0 || i >= n || black(i) || blank(i) || still(i); };
    for (int64_t i = 1; i < n; ++i) {
        if (special(i) || special(i - 1)) continue;
        std::vector<double> around;
        for (int64_t k = std::max<int64_t>(1, i - 8); k <= std::min(n - 1, i + 8); ++k)
            if (k != i && !special(k) && !special(k - 1)) around.push_back(m[k].diff_prev);
        const double typical = std::max(median_of(around), 0.5);
        const double d = m[i].diff_prev;
        if (d >= c.jump_min_diff && d >= c.jump_ratio * typical) {
            const double sev = std::min(1.0, d / (typical * c.jump_ratio * 4));
            if (i == 1) flags.push_back({FlagKind::first_frame_jump, 0, 1, sev});
            else flags.push_back({FlagKind::jump, i, i, sev});
        }
    }
    std::sort(flags.begin(), flags.end(), [](const Flag& a, const Flag& b) {
        return a.first_frame != b.first_frame ? a.first_frame < b.first_frame : a.kind < b.kind;
    });
    return flags;
}

Result<ClipScan> scan_clip(const std::string& path, const DetectorConfig& cfg, int threads) {
    auto dec = media::VideoDecoder::open(path, media::VideoDecoder::Options{threads});
    if (!dec) return std::unexpected(dec.error());
    FrameMeter meter;
    std::vector<FrameMetrics> metrics;
    while (true) {
        auto f = (*dec)->next();
        if (!f) return std::unexpected(f.error());
        if (!*f) break;
        metrics.push_back(meter.measure(*(*f)->picture, (*f)->index));
    }
    if (metrics.empty()) return fail(path + ": no decodable frames");
    ClipScan s;
    s.file = path;
    s.frames = (*dec)->info().frame_count();
    s.fps = (*dec)->info().video->frame_rate.to_double();
    s.flags = detect_artifacts(metrics, cfg);
    return s;
}

nlohmann::json to_json(const ClipScan& s) {
    nlohmann::json flags = nlohmann::json::array();
    for (const Flag& f : s.flags)
        flags.push_back({{"kind", to_string(f.kind)}, {"first_frame", f.first_frame}, {"last_frame", f.last_frame}, {"severity", f.severity}});
    return {{"file", s.file}, {"frames", s.frames}, {"fps", s.fps}, {"flags", flags}};
}

}  // namespace reelsync::analysis
