#include "support/fault_gen.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

#include "support/media_gen.h"

namespace fs = std::filesystem;

namespace reelsync::testing {

const char* to_string(Fault f) {
    switch (f) {
        case Fault::none: return "none";
        case Fault::boil: return "boil";
        case Fault::wobble: return "wobble";
        case Fault::melt: return "melt";
        case Fault::morph: return "morph";
        case Fault::pop: return "pop";
        case Fault::drift: return "drift";
    }
    return "?";
}

namespace {

constexpr int W = kFaultWidth, H = kFaultHeight, CW = W / 2, CH = H / 2;
constexpr size_t kFrameBytes = static_cast<size_t>(W) * H * 3 / 2;

struct Frame {
    std::vector<uint8_t> data = std::vector<uint8_t>(kFrameBytes);
    uint8_t* plane(int p) { return data.data() + (p == 0 ? 0 : static_cast<size_t>(W) * H + (p == 2 ? static_cast<size_t>(CW) * CH : 0)); }
};

// Bilinear sample of a plane (w x h) at (x, y), clamped at the edges.
double sample(const uint8_t* p, int w, int h, double x, double y) {
    x = std::clamp(x, 0.0, w - 1.001);
    y = std::clamp(y, 0.0, h - 1.001);
    const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
    const double fx = x - x0, fy = y - y0;
    auto at = [&](int xx, int yy) { return static_cast<double>(p[static_cast<size_t>(yy) * w + xx]); };
    return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}

// The box's weight at (x, y): 1 inside, falling to 0 over its outer 8 pixels (no hard edge: a
// generated fault does not come with a frame around it).
double weight(const FaultSpec& s, double x, double y) {
    const double e = 8.0;
    auto ramp = [&](double d) { return std::clamp(d / e, 0.0, 1.0); };
    const double wx = std::min(ramp(x - s.x), ramp(s.x + s.w - x)), wy = std::min(ramp(y - s.y), ramp(s.y + s.h - y));
    const double v = std::min(wx, wy);
    return v * v * (3 - 2 * v);
}

// A random smooth field over the box: values on a coarse grid (every `cell` pixels), bilinear between.
struct Field {
    int gw = 0, gh = 0;
    double cell = 8;
    std::vector<double> v;
    Field(const FaultSpec& s, double cell_px, double amp, std::mt19937& rng) : cell(cell_px) {
        gw = static_cast<int>(s.w / cell) + 2;
        gh = static_cast<int>(s.h / cell) + 2;
        std::uniform_real_distribution<double> u(-amp, amp);
        v.resize(static_cast<size_t>(gw) * gh);
        for (double& x : v) x = u(rng);
    }
    double at(double bx, double by) const {
        const double gx = std::clamp(bx / cell, 0.0, gw - 1.001), gy = std::clamp(by / cell, 0.0, gh - 1.001);
        const int x0 = static_cast<int>(gx), y0 = static_cast<int>(gy);
        const double fx = gx - x0, fy = gy - y0;
        auto g = [&](int xx, int yy) { return v[static_cast<size_t>(yy) * gw + xx]; };
        return (g(x0, y0) * (1 - fx) + g(x0 + 1, y0) * fx) * (1 - fy) + (g(x0, y0 + 1) * (1 - fx) + g(x0 + 1, y0 + 1) * fx) * fy;
    }
};

// Repaints every pixel of the box, in all three planes: `pixel(p, in, pw, ph, X, Y, w)` returns the
// new value of the pixel at picture position (X, Y) of plane p (pw x ph, `in` as it was before),
// w its weight in the box (0 at the edge, 1 inside).
template <class Pixel>
void repaint_box(Frame& f, const FaultSpec& s, Pixel pixel) {
    const Frame src = f;
    for (int p = 0; p < 3; ++p) {
        const int sc = p == 0 ? 1 : 2, pw = W / sc, ph = H / sc;
        const uint8_t* in = const_cast<Frame&>(src).plane(p);
        uint8_t* out = f.plane(p);
        for (int y = s.y / sc; y < std::min(ph, (s.y + s.h) / sc + 1); ++y)
            for (int x = s.x / sc; x < std::min(pw, (s.x + s.w) / sc + 1); ++x) {
                const double X = (x + 0.5) * sc, Y = (y + 0.5) * sc;
                const double wgt = weight(s, X, Y);
                if (wgt <= 0) continue;
                const double v = pixel(p, in, pw, ph, X, Y, wgt);
                out[static_cast<size_t>(y) * pw + x] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
            }
    }
}

// The plane's value at picture position (X, Y).
double at(const uint8_t* in, int pw, int ph, double X, double Y) {
    const double sc = static_cast<double>(W) / pw;
    return sample(in, pw, ph, X / sc - 0.5, Y / sc - 0.5);
}

// Moves the box's content: each pixel takes the content where `from(X, Y)` says it comes from,
// weighted by the box's edge.
template <class From>
void warp_box(Frame& f, const FaultSpec& s, From from) {
    repaint_box(f, s, [&](int, const uint8_t* in, int pw, int ph, double X, double Y, double w) {
        auto [fx, fy] = from(X, Y);
        return at(in, pw, ph, X + w * (fx - X), Y + w * (fy - Y));
    });
}

// Blends the box towards other content: out = (1 - a*weight) * own + a*weight * other(X, Y).
template <class Other>
void blend_box(Frame& f, const FaultSpec& s, double a, Other other) {
    repaint_box(f, s, [&](int, const uint8_t* in, int pw, int ph, double X, double Y, double w) {
        auto [ox, oy] = other(X, Y);
        return (1 - a * w) * at(in, pw, ph, X, Y) + a * w * at(in, pw, ph, ox, oy);
    });
}

// Where "other content" comes from: the box moved by half the picture (wrapping), so it is a
// different part of the same shot, lit the same way.
std::pair<double, double> elsewhere(const FaultSpec& s, double x, double y) {
    const double ox = std::fmod(x + W / 2.0 + s.w * 0.3, W), oy = std::fmod(y + H / 2.0, H);
    return {ox, oy};
}

void paint(Frame& f, const FaultSpec& s, int t, std::mt19937& rng) {
    const int k = t - s.first;  // frame within the span
    const bool in_span = k >= 0 && k < s.length;
    const double phase = s.length > 1 ? static_cast<double>(k) / (s.length - 1) : 1.0;
    switch (s.fault) {
        case Fault::none: return;
        case Fault::boil: {
            if (!in_span) return;
            Field dx(s, 10, 3.0 * s.strength, rng), dy(s, 10, 3.0 * s.strength, rng);
            warp_box(f, s, [&](double x, double y) { return std::pair{x + dx.at(x - s.x, y - s.y), y + dy.at(x - s.x, y - s.y)}; });
            return;
        }
        case Fault::wobble: {
            if (!in_span) return;
            const double amp = 3.0 * s.strength * ((k % 2) ? 1.0 : -1.0), lambda = std::max(24.0, s.h / 2.0);
            warp_box(f, s, [&](double x, double y) { return std::pair{x + amp * std::sin(2 * M_PI * (y - s.y) / lambda), y}; });
            return;
        }
        case Fault::melt: {
            if (!in_span) return;
            const double sag = 14.0 * s.strength * std::sin(M_PI * phase);
            warp_box(f, s, [&](double x, double y) {
                const double across = std::sin(M_PI * std::clamp((x - s.x) / s.w, 0.0, 1.0));
                const double down = std::clamp((y - s.y) / s.h, 0.0, 1.0);
                return std::pair{x, y - sag * across * down};
            });
            return;
        }
        case Fault::morph: {
            if (k < 0) return;
            const double v = std::min(1.0, phase), a = v * v * (3 - 2 * v);
            blend_box(f, s, a, [&](double x, double y) { return elsewhere(s, x, y); });
            return;
        }
        case Fault::pop: {
            if (!in_span) return;
            blend_box(f, s, 1.0, [&](double x, double y) { return elsewhere(s, x, y); });
            return;
        }
        case Fault::drift: {
            if (k < 0) return;
            const double a = std::min(1.0, phase) * s.strength;
            // Colour slides by up to 24 code values (a hue turn), brightness by up to 15%.
            const double du = 24 * a * std::cos(s.seed * 1.7), dv = 24 * a * std::sin(s.seed * 1.7), gain = 1 + 0.15 * a * ((s.seed % 2) ? 1 : -1);
            repaint_box(f, s, [&](int p, const uint8_t* in, int pw, int ph, double X, double Y, double w) {
                const double v = at(in, pw, ph, X, Y);
                return p == 0 ? v * (1 + w * (gain - 1)) : v + w * (p == 1 ? du : dv);
            });
            return;
        }
    }
}

}  // namespace

std::string fault_clip(const std::string& name, const FaultSpec& s) {
    const fs::path out = fs::path(media_dir()) / name;
    if (fs::exists(out)) return out.string();
    const fs::path tmp = fs::path(media_dir()) / (".tmp-" + std::to_string(getpid()) + "-" + name);
    char start[32];
    std::snprintf(start, sizeof start, "%.3f", s.start_s);
    const std::string in_cmd = "ffmpeg -nostdin -v error -ss " + std::string(start) + " -i '" + s.source + "' -frames:v " +
                               std::to_string(s.frames) + " -vf scale=" + std::to_string(W) + ":" + std::to_string(H) +
                               ",format=yuv420p -f rawvideo -";
    const std::string out_cmd = "ffmpeg -nostdin -v error -y -f rawvideo -pix_fmt yuv420p -s " + std::to_string(W) + "x" + std::to_string(H) +
                                " -r 25 -i - -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p '" + tmp.string() + "'";
    FILE* in = popen(in_cmd.c_str(), "r");
    FILE* enc = popen(out_cmd.c_str(), "w");
    if (!in || !enc) {
        if (in) pclose(in);
        if (enc) pclose(enc);
        ADD_FAILURE() << "cannot run ffmpeg for " << name;
        return out.string();
    }
    std::mt19937 rng(s.seed);
    Frame f;
    int t = 0;
    while (std::fread(f.data.data(), 1, kFrameBytes, in) == kFrameBytes) {
        paint(f, s, t++, rng);
        std::fwrite(f.data.data(), 1, kFrameBytes, enc);
    }
    const int rin = pclose(in), rout = pclose(enc);
    if (rin != 0 || rout != 0 || t < s.frames) {
        fs::remove(tmp);
        ADD_FAILURE() << "making " << name << " failed: decode rc " << rin << ", encode rc " << rout << ", " << t << " of " << s.frames
                      << " frames from " << s.source;
        return out.string();
    }
    fs::rename(tmp, out);
    return out.string();
}

}  // namespace reelsync::testing
