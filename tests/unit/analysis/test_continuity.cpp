// Continuity across cuts (engine/analysis/continuity.h): the colour difference against published
// CIEDE2000 test pairs, and cuts made from a real frame with known exposure and white-balance
// shifts applied in linear light.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

extern "C" {
#include <libavutil/frame.h>
}

#include "analysis/continuity.h"
#include "media/video_decoder.h"

using namespace reelsync;
using namespace reelsync::analysis;
namespace fs = std::filesystem;

TEST(Continuity, Ciede2000MatchesThePublishedPairs) {
    // Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula", table 1.
    struct Pair {
        Lab p, q;
        double de;
    };
    const Pair pairs[] = {
        {{50.0000, 2.6772, -79.7751}, {50.0000, 0.0000, -82.7485}, 2.0425},
        {{50.0000, 0.0000, 0.0000}, {50.0000, -1.0000, 2.0000}, 2.3669},
        {{50.0000, 2.4900, -0.0010}, {50.0000, -2.4900, 0.0009}, 7.1792},
        {{50.0000, 2.5000, 0.0000}, {73.0000, 25.0000, -18.0000}, 27.1492},
        {{60.2574, -34.0099, 36.2677}, {60.4626, -34.1751, 39.4387}, 1.2644},
        {{22.7233, 20.0904, -46.6940}, {23.0331, 14.9730, -42.5619}, 2.0373},
        {{90.8027, -2.0831, 1.4410}, {91.1528, -1.6435, 0.0447}, 1.4441},
    };
    for (const Pair& p : pairs) {
        EXPECT_NEAR(ciede2000(p.p, p.q), p.de, 1e-4);
        EXPECT_NEAR(ciede2000(p.q, p.p), p.de, 1e-4);
    }
}

namespace {

// A copy of a limited-range BT.601 4:2:0 frame with its linear RGB scaled per channel (BT.601
// matrix, 2.4 power transfer, as the frame is read).
AVFrame* shifted(const AVFrame& src, double r_gain, double g_gain, double b_gain) {
    AVFrame* f = av_frame_alloc();
    f->format = src.format;
    f->width = src.width;
    f->height = src.height;
    f->color_range = src.color_range;
    f->colorspace = src.colorspace;
    EXPECT_GE(av_frame_get_buffer(f, 0), 0);
    const double kr = 0.299, kb = 0.114, kg = 1 - kr - kb;
    auto lin = [](double v) { return std::pow(std::clamp(v, 0.0, 1.0), 2.4); };
    auto enc = [](double v) { return std::pow(std::clamp(v, 0.0, 1.0), 1 / 2.4); };
    for (int y = 0; y < f->height; y += 2)
        for (int x = 0; x < f->width; x += 2) {
            const double Cb = (src.data[1][(y / 2) * src.linesize[1] + x / 2] - 128) / 224.0;
            const double Cr = (src.data[2][(y / 2) * src.linesize[2] + x / 2] - 128) / 224.0;
            double cb_sum = 0, cr_sum = 0;
            for (int dy = 0; dy < 2; ++dy)
                for (int dx = 0; dx < 2; ++dx) {
                    const double Y = (src.data[0][(y + dy) * src.linesize[0] + x + dx] - 16) / 219.0;
                    const double R = Y + 2 * (1 - kr) * Cr, B = Y + 2 * (1 - kb) * Cb, G = (Y - kr * R - kb * B) / kg;
                    const double R2 = enc(lin(R) * r_gain), G2 = enc(lin(G) * g_gain), B2 = enc(lin(B) * b_gain);
                    const double Y2 = kr * R2 + kg * G2 + kb * B2;
                    f->data[0][(y + dy) * f->linesize[0] + x + dx] = static_cast<uint8_t>(std::lround(16 + 219 * Y2));
                    cb_sum += (B2 - Y2) / (2 * (1 - kb));
                    cr_sum += (R2 - Y2) / (2 * (1 - kr));
                }
            f->data[1][(y / 2) * f->linesize[1] + x / 2] = static_cast<uint8_t>(std::lround(128 + 224 * cb_sum / 4));
            f->data[2][(y / 2) * f->linesize[2] + x / 2] = static_cast<uint8_t>(std::lround(128 + 224 * cr_sum / 4));
        }
    return f;
}

}  // namespace

TEST(Continuity, KnownExposureAndWhiteBalanceShiftsAcrossACut) {
    const fs::path src = fs::path(REELSYNC_TEST_MEDIA_DIR).parent_path() / "real-footage" / "balle-jbart.mp4";
    if (!fs::exists(src)) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    auto dec = media::VideoDecoder::open(src.string());
    ASSERT_TRUE(dec) << dec.error().message;
    ASSERT_TRUE((*dec)->seek(100));
    auto fr = (*dec)->next();
    ASSERT_TRUE(fr && *fr);
    const AVFrame& real = *(*fr)->picture;
    ASSERT_EQ(real.format, AV_PIX_FMT_YUV420P);
    // The outgoing frame: the real frame two stops down, so that two stops up stay unclipped.
    AVFrame* out = shifted(real, 0.25, 0.25, 0.25);
    // A matched cut (the same frame): nothing.
    const Continuity same = compare_across_cut(*out, *out);
    EXPECT_NEAR(same.exposure_ev, 0.0, 1e-9);
    EXPECT_NEAR(same.delta_e, 0.0, 1e-9);
    EXPECT_FALSE(flagged(same));
    for (double ev : {-2.0, -1.0, -0.5, 0.5, 1.0, 2.0}) {
        const double k = std::pow(2.0, ev);
        AVFrame* in = shifted(real, 0.25 * k, 0.25 * k, 0.25 * k);
        const Continuity c = compare_across_cut(*out, *in);
        std::printf("exposure %+.1f EV: measured %+.3f EV, dE %.2f, contrast %+.3f\n", ev, c.exposure_ev, c.delta_e, c.contrast);
        EXPECT_NEAR(c.exposure_ev, ev, 0.1);
        EXPECT_NEAR(c.contrast, ev, 0.1);  // the spread scales with the light
        EXPECT_TRUE(flagged(c));
        av_frame_free(&in);
    }
    // White balance: red up, blue down by 10-20% in linear light, the luminance nearly kept.
    double last_de = 0;
    for (double w : {0.1, 0.2}) {
        AVFrame* in = shifted(real, 0.25 * (1 + w), 0.25, 0.25 * (1 - w));
        const Continuity c = compare_across_cut(*out, *in);
        std::printf("white balance R+%.0f%% B-%.0f%%: dE %.2f, exposure %+.3f EV\n", w * 100, w * 100, c.delta_e, c.exposure_ev);
        EXPECT_LT(std::fabs(c.exposure_ev), 0.1);
        EXPECT_GT(c.delta_e, last_de + 1.0);  // a larger shift, a larger difference
        last_de = c.delta_e;
        av_frame_free(&in);
    }
    EXPECT_GE(last_de, ContinuityThresholds{}.delta_e);
    av_frame_free(&out);
    // A continuous shot cut between two consecutive frames (a ball in flight, a hand moving):
    // a matched cut, nothing to report.
    auto next = (*dec)->next();
    ASSERT_TRUE(next && *next);
    const Continuity matched = compare_across_cut(real, *(*next)->picture);
    std::printf("consecutive frames: %+.3f EV, dE %.2f, contrast %+.3f\n", matched.exposure_ev, matched.delta_e, matched.contrast);
    EXPECT_LT(std::fabs(matched.exposure_ev), 0.05);
    EXPECT_FALSE(flagged(matched));
}
