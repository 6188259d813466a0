#include "analysis/continuity.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

#include "analysis/grid.h"

namespace reelsync::analysis {

namespace {

// One frame reduced to what the comparison needs: each tile's mean linear RGB, and the whole
// picture's linear luminance mean and spread.
struct Reduced {
    std::array<std::array<double, 3>, kTiles> tile_rgb{};
    double luminance = 0, spread = 0;
};

double linear(double v) { return std::pow(std::clamp(v, 0.0, 1.0), 2.4); }

Reduced reduce(const AVFrame& f) {
    Reduced r;
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f.format));
    if (!d || f.width <= 0 || f.height <= 0) return r;
    const int depth = d->comp[0].depth;
    const double maxv = static_cast<double>((1 << depth) - 1), scale8 = static_cast<double>(1 << (depth - 8));
    const bool rgb = (d->flags & AV_PIX_FMT_FLAG_RGB) != 0;
    const bool full = f.color_range == AVCOL_RANGE_JPEG || rgb;
    // Y'CbCr -> R'G'B' coefficients (Kr, Kb) by the frame's matrix.
    double kr = 0.2126, kb = 0.0722;
    if (f.colorspace == AVCOL_SPC_BT470BG || f.colorspace == AVCOL_SPC_SMPTE170M || (f.colorspace == AVCOL_SPC_UNSPECIFIED && f.height < 720))
        kr = 0.299, kb = 0.114;
    else if (f.colorspace == AVCOL_SPC_BT2020_NCL)
        kr = 0.2627, kb = 0.0593;
    const double kg = 1 - kr - kb;
    auto sample = [&](int plane, int x, int y) -> double {
        const uint8_t* row = f.data[plane] + static_cast<ptrdiff_t>(y) * f.linesize[plane];
        return depth > 8 ? reinterpret_cast<const uint16_t*>(row)[x] : row[x];
    };
    std::array<double, kTiles> count{};
    double sum = 0, sum2 = 0, n = 0;
    const int step = std::max(1, std::min(f.width, f.height) / 180);  // about 180 samples across the short side
    for (int y = 0; y < f.height; y += step) {
        for (int x = 0; x < f.width; x += step) {
            double R, G, B;
            if (rgb) {  // planar G, B, R
                G = sample(0, x, y) / maxv;
                B = sample(1, x, y) / maxv;
                R = sample(2, x, y) / maxv;
            } else {
                const int cx = x >> d->log2_chroma_w, cy = y >> d->log2_chroma_h;
                double Y = sample(0, x, y) / scale8, Cb = sample(1, cx, cy) / scale8, Cr = sample(2, cx, cy) / scale8;
                if (full) {
                    Y /= 255.0;
                    Cb = (Cb - 128) / 255.0;
                    Cr = (Cr - 128) / 255.0;
                } else {
                    Y = (Y - 16) / 219.0;
                    Cb = (Cb - 128) / 224.0;
                    Cr = (Cr - 128) / 224.0;
                }
                R = Y + 2 * (1 - kr) * Cr;
                B = Y + 2 * (1 - kb) * Cb;
                G = (Y - kr * R - kb * B) / kg;
            }
            const double lr = linear(R), lg = linear(G), lb = linear(B);
            const double lum = 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
            sum += lum;
            sum2 += lum * lum;
            n += 1;
            const size_t t = static_cast<size_t>((y * kTilesY / f.height) * kTilesX + x * kTilesX / f.width);
            r.tile_rgb[t][0] += lr;
            r.tile_rgb[t][1] += lg;
            r.tile_rgb[t][2] += lb;
            count[t] += 1;
        }
    }
    for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t)
        for (double& c : r.tile_rgb[t]) c /= std::max(1.0, count[t]);
    r.luminance = sum / std::max(1.0, n);
    r.spread = std::sqrt(std::max(0.0, sum2 / std::max(1.0, n) - r.luminance * r.luminance));
    return r;
}

// Linear BT.709 RGB (D65) to CIE Lab.
Lab to_lab(const std::array<double, 3>& c) {
    const double X = 0.4124 * c[0] + 0.3576 * c[1] + 0.1805 * c[2];
    const double Y = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    const double Z = 0.0193 * c[0] + 0.1192 * c[1] + 0.9505 * c[2];
    auto f = [](double t) { return t > 216.0 / 24389.0 ? std::cbrt(t) : (24389.0 / 27.0 * t + 16) / 116; };
    const double fx = f(X / 0.95047), fy = f(Y), fz = f(Z / 1.08883);
    return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

}  // namespace

double ciede2000(const Lab& p, const Lab& q) {
    constexpr double kPi = 3.14159265358979323846;
    auto deg = [&](double r) { return r * 180 / kPi; };
    auto rad = [&](double d) { return d * kPi / 180; };
    const double c1 = std::hypot(p.a, p.b), c2 = std::hypot(q.a, q.b), cm = (c1 + c2) / 2;
    const double g = 0.5 * (1 - std::sqrt(std::pow(cm, 7) / (std::pow(cm, 7) + std::pow(25.0, 7))));
    const double a1 = (1 + g) * p.a, a2 = (1 + g) * q.a;
    const double C1 = std::hypot(a1, p.b), C2 = std::hypot(a2, q.b);
    auto hue = [&](double b, double a) {
        if (a == 0 && b == 0) return 0.0;
        double h = deg(std::atan2(b, a));
        return h < 0 ? h + 360 : h;
    };
    const double h1 = hue(p.b, a1), h2 = hue(q.b, a2);
    const double dL = q.L - p.L, dC = C2 - C1;
    double dh = 0;
    if (C1 * C2 != 0) {
        dh = h2 - h1;
        if (dh > 180) dh -= 360;
        else if (dh < -180) dh += 360;
    }
    const double dH = 2 * std::sqrt(C1 * C2) * std::sin(rad(dh / 2));
    const double Lm = (p.L + q.L) / 2, Cm = (C1 + C2) / 2;
    double hm = h1 + h2;
    if (C1 * C2 != 0) {
        if (std::fabs(h1 - h2) <= 180) hm = (h1 + h2) / 2;
        else hm = (h1 + h2 < 360) ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
    }
    const double T = 1 - 0.17 * std::cos(rad(hm - 30)) + 0.24 * std::cos(rad(2 * hm)) + 0.32 * std::cos(rad(3 * hm + 6)) -
                     0.20 * std::cos(rad(4 * hm - 63));
    const double dtheta = 30 * std::exp(-std::pow((hm - 275) / 25, 2));
    const double Rc = 2 * std::sqrt(std::pow(Cm, 7) / (std::pow(Cm, 7) + std::pow(25.0, 7)));
    const double Sl = 1 + 0.015 * std::pow(Lm - 50, 2) / std::sqrt(20 + std::pow(Lm - 50, 2));
    const double Sc = 1 + 0.045 * Cm, Sh = 1 + 0.015 * Cm * T;
    const double Rt = -std::sin(rad(2 * dtheta)) * Rc;
    return std::sqrt(std::pow(dL / Sl, 2) + std::pow(dC / Sc, 2) + std::pow(dH / Sh, 2) + Rt * (dC / Sc) * (dH / Sh));
}

Continuity compare_across_cut(const AVFrame& out, const AVFrame& in) {
    const Reduced a = reduce(out), b = reduce(in);
    Continuity c;
    constexpr double kFloor = 1e-4;  // near black: no meaningful ratio
    c.exposure_ev = std::log2(std::max(b.luminance, kFloor) / std::max(a.luminance, kFloor));
    c.contrast = std::log2(std::max(b.spread, kFloor) / std::max(a.spread, kFloor));
    double de = 0;
    for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t) de += ciede2000(to_lab(a.tile_rgb[t]), to_lab(b.tile_rgb[t]));
    c.delta_e = de / kTiles;
    return c;
}

bool flagged(const Continuity& c, const ContinuityThresholds& t) {
    return std::fabs(c.exposure_ev) >= t.exposure_ev || c.delta_e >= t.delta_e || std::fabs(c.contrast) >= t.contrast;
}

}  // namespace reelsync::analysis
