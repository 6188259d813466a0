// The GPU path against ground truth: exact frames, colour conversion against FFmpeg's own, and
// the letterbox. Runs on whatever Vulkan driver is present; skips cleanly where there is none.
#include <gtest/gtest.h>

extern "C" {
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

#include "gpu/context.h"
#include "media/video_decoder.h"
#include "render/frame_renderer.h"
#include "support/media_gen.h"
#include "unit/media/clips.h"

using namespace reelsync;
using namespace reelsync::testing;

namespace {

std::unique_ptr<gpu::Context> g_ctx;

// The context goes before the program exits: a Vulkan driver loaded after the program started
// tears its own statics down before the program's, and destroying a device after that crashed
// (NVIDIA's driver, at exit, once every test had passed).
class ReleaseContext : public ::testing::Environment {
public:
    void TearDown() override { g_ctx.reset(); }
};
const ::testing::Environment* const g_release_context = ::testing::AddGlobalTestEnvironment(new ReleaseContext);

gpu::Context* context() {
    if (!g_ctx) {
        gpu::ContextOptions o;
        const char* v = std::getenv("REELSYNC_VK_VALIDATION");
        o.validation = v && std::string(v) == "1";
        auto c = gpu::Context::create(o);
        if (c) g_ctx = std::move(*c);
    }
    return g_ctx.get();
}

#define REQUIRE_GPU()                                                        \
    gpu::Context* ctx = context();                                           \
    if (!ctx) GTEST_SKIP() << "no Vulkan device on this machine";            \
    ValidationCheck validation_check_;

// Every GPU test ends with no validation warning or error (when the layer is on, as the test
// script runs it).
struct ValidationCheck {
    int before = gpu::validation_messages();
    ~ValidationCheck() { EXPECT_EQ(gpu::validation_messages(), before) << "Vulkan validation reported problems"; }
};

class GpuFrames : public ::testing::TestWithParam<CodecCase> {};

// FFmpeg's conversion of the same frame, with the same matrix and range, to RGB24.
std::vector<uint8_t> ffmpeg_rgb(const AVFrame& f, int sws_matrix, bool full_range) {
    SwsContext* sws = sws_getContext(f.width, f.height, static_cast<AVPixelFormat>(f.format), f.width, f.height, AV_PIX_FMT_RGB24,
                                     SWS_POINT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP | SWS_BITEXACT,
                                     nullptr, nullptr, nullptr);
    const int* coefs = sws_getCoefficients(sws_matrix);
    sws_setColorspaceDetails(sws, coefs, full_range ? 1 : 0, coefs, 1, 0, 1 << 16, 1 << 16);
    std::vector<uint8_t> rgb(static_cast<size_t>(f.width) * f.height * 3);
    uint8_t* dst[] = {rgb.data()};
    int dst_ls[] = {f.width * 3};
    sws_scale(sws, f.data, f.linesize, 0, f.height, dst, dst_ls);
    sws_freeContext(sws);
    return rgb;
}

}  // namespace

TEST_P(GpuFrames, RenderShowsExactlyTheFrameAskedFor) {
    REQUIRE_GPU();
    const CodecCase& c = GetParam();
    auto dec = media::VideoDecoder::open(indexed_clip(c.spec));
    ASSERT_TRUE(dec) << dec.error().message;
    auto r = render::OffscreenRenderer::create(*ctx, 320, 240);
    ASSERT_TRUE(r) << r.error().message;
    const int64_t n = (*dec)->info().frame_count();
    for (int64_t target : {n - 1, int64_t{0}, n / 2, int64_t{3}, n - 10, int64_t{1}}) {
        ASSERT_TRUE((*dec)->seek(target));
        auto f = (*dec)->next();
        ASSERT_TRUE(f && *f);
        auto px = (*r)->render((*f)->picture, {1, 1});
        ASSERT_TRUE(px) << px.error().message;
        EXPECT_EQ(read_index_rgba(*px, 320, 240), target) << c.label;
    }
}

INSTANTIATE_TEST_SUITE_P(Codecs, GpuFrames, ::testing::ValuesIn(codec_cases()),
                         [](const auto& p) { return std::string(p.param.label); });

struct ColourCase {
    const char* label;
    std::string file;
    std::string args;
    int sws_matrix;
    bool full;
    bool flat_chroma_only;  // subsampled: compare where chroma is locally constant
};

void PrintTo(const ColourCase& c, std::ostream* os) { *os << c.label; }

class GpuColour : public ::testing::TestWithParam<ColourCase> {};

TEST_P(GpuColour, WithinTwoCodeValuesOfFfmpeg) {
    REQUIRE_GPU();
    const ColourCase& c = GetParam();
    auto path = generate(c.file, "-f lavfi -i testsrc2=s=320x240:r=30:d=0.2 " + c.args);
    auto dec = media::VideoDecoder::open(path);
    ASSERT_TRUE(dec) << dec.error().message;
    auto f = (*dec)->next();
    ASSERT_TRUE(f && *f);
    const AVFrame& pic = *(*f)->picture;
    auto r = render::OffscreenRenderer::create(*ctx, static_cast<uint32_t>(pic.width), static_cast<uint32_t>(pic.height));
    ASSERT_TRUE(r);
    auto gpu = (*r)->render((*f)->picture, {1, 1});
    ASSERT_TRUE(gpu) << gpu.error().message;
    auto ref = ffmpeg_rgb(pic, c.sws_matrix, c.full);

    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(pic.format));
    const int bps = d->comp[0].depth > 8 ? 2 : 1;
    auto chroma_flat = [&](int x, int y) {
        if (!c.flat_chroma_only) return true;
        int cx = x >> d->log2_chroma_w, cy = y >> d->log2_chroma_h;
        int cw = AV_CEIL_RSHIFT(pic.width, d->log2_chroma_w), ch = AV_CEIL_RSHIFT(pic.height, d->log2_chroma_h);
        for (int p = 1; p < 3; ++p) {
            auto at = [&](int xx, int yy) {
                xx = std::clamp(xx, 0, cw - 1);
                yy = std::clamp(yy, 0, ch - 1);
                const uint8_t* row = pic.data[p] + static_cast<ptrdiff_t>(yy) * pic.linesize[p];
                return bps == 2 ? reinterpret_cast<const uint16_t*>(row)[xx] : row[xx];
            };
            int v0 = at(cx, cy);
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx)
                    if (at(cx + dx, cy + dy) != v0) return false;
        }
        return true;
    };
    int worst = 0;
    int64_t compared = 0;
    for (int y = 0; y < pic.height; ++y)
        for (int x = 0; x < pic.width; ++x) {
            if (!chroma_flat(x, y)) continue;
            ++compared;
            for (int ch = 0; ch < 3; ++ch) {
                int g = (*gpu)[(static_cast<size_t>(y) * pic.width + x) * 4 + ch];
                int e = ref[(static_cast<size_t>(y) * pic.width + x) * 3 + ch];
                worst = std::max(worst, std::abs(g - e));
            }
        }
    EXPECT_GT(compared, pic.width * pic.height / 4) << "too few pixels compared";
    EXPECT_LE(worst, 2) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Matrices, GpuColour,
    ::testing::Values(
        ColourCase{"bt709_limited_444", "col_709_444.mkv", "-c:v libx264 -qp 0 -pix_fmt yuv444p -colorspace bt709 -color_range tv",
                   SWS_CS_ITU709, false, false},
        ColourCase{"bt601_full_444", "col_601_full_444.mkv",
                   "-c:v libx264 -qp 0 -pix_fmt yuv444p -colorspace smpte170m -color_range pc", SWS_CS_ITU601, true, false},
        ColourCase{"bt2020_limited_444_10bit", "col_2020_444p10.mkv",
                   "-c:v libx264 -qp 0 -pix_fmt yuv444p10le -colorspace bt2020nc -color_range tv", SWS_CS_BT2020, false, false},
        ColourCase{"bt709_limited_420", "col_709_420.mkv", "-c:v libx264 -qp 0 -pix_fmt yuv420p -colorspace bt709 -color_range tv",
                   SWS_CS_ITU709, false, true},
        ColourCase{"bt601_limited_422_10bit_prores", "col_601_422p10.mov",
                   "-c:v prores_ks -profile:v 3 -pix_fmt yuv422p10le -colorspace smpte170m -color_range tv", SWS_CS_ITU601, false,
                   true},
        ColourCase{"rgb_planar", "col_gbrp.mkv", "-c:v ffv1 -pix_fmt gbrp", SWS_CS_ITU709, true, false}),
    [](const auto& p) { return std::string(p.param.label); });

TEST(GpuLetterbox, PictureIsCentredBetweenBlackBars) {
    REQUIRE_GPU();
    auto dec = media::VideoDecoder::open(indexed_clip(codec_cases()[0].spec));
    ASSERT_TRUE(dec);
    auto f = (*dec)->next();
    ASSERT_TRUE(f && *f);
    // 4:3 into 16:9 (640x240 target -> 320x240 picture at x = 160).
    auto r = render::OffscreenRenderer::create(*ctx, 640, 240);
    ASSERT_TRUE(r);
    auto px = (*r)->render((*f)->picture, {1, 1});
    ASSERT_TRUE(px);
    auto at = [&](int x, int y, int ch) { return (*px)[(static_cast<size_t>(y) * 640 + x) * 4 + ch]; };
    for (int y = 0; y < 240; y += 7)
        for (int x : {0, 80, 159, 480, 560, 639})
            for (int ch = 0; ch < 3; ++ch) ASSERT_EQ(at(x, y, ch), 0) << x << "," << y;
    // Inside: the picture (testsrc2 has no black at its bottom-left colour bars).
    int lit = 0;
    for (int x = 160; x < 480; ++x) lit += at(x, 200, 0) + at(x, 200, 1) + at(x, 200, 2) > 60;
    EXPECT_GT(lit, 300);
    // Anamorphic: a 2:1 sample aspect doubles the display width (320x240 -> 480x180 in 480x240).
    auto r2 = render::OffscreenRenderer::create(*ctx, 480, 240);
    ASSERT_TRUE(r2);
    auto px2 = (*r2)->render((*f)->picture, {2, 1});
    ASSERT_TRUE(px2);
    auto at2 = [&](int x, int y) { return (*px2)[(static_cast<size_t>(y) * 480 + x) * 4 + 1]; };
    EXPECT_EQ(at2(240, 10), 0);   // bar above (picture is 180 high, from y = 30)
    EXPECT_EQ(at2(240, 229), 0);  // bar below
}


namespace {
// A flat picture: every sample of plane p is `yuv[p]` (8-bit 4:2:0, limited range, BT.709).
std::shared_ptr<AVFrame> flat_frame(int width, int height, std::array<uint8_t, 3> yuv) {
    std::shared_ptr<AVFrame> f(av_frame_alloc(), [](AVFrame* p) { av_frame_free(&p); });
    f->format = AV_PIX_FMT_YUV420P;
    f->width = width;
    f->height = height;
    f->color_range = AVCOL_RANGE_MPEG;
    f->colorspace = AVCOL_SPC_BT709;
    if (av_frame_get_buffer(f.get(), 0) < 0) return nullptr;
    for (int p = 0; p < 3; ++p) {
        const int h = p ? (height + 1) / 2 : height;
        for (int y = 0; y < h; ++y) std::memset(f->data[p] + static_cast<ptrdiff_t>(y) * f->linesize[p], yuv[static_cast<size_t>(p)], static_cast<size_t>(f->linesize[p]));
    }
    return f;
}

struct Rgb {
    int r, g, b;
};
Rgb pixel(const std::vector<uint8_t>& px, int width, int x, int y) {
    const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)) * 4;
    return {px[i], px[i + 1], px[i + 2]};
}
::testing::AssertionResult same(Rgb a, Rgb b, int tolerance = 0) {
    if (std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "(" << a.r << "," << a.g << "," << a.b << ") vs (" << b.r << "," << b.g << "," << b.b << ")";
}
}  // namespace

// Compare views drawn by the GPU, judged by pixel: four flat takes (each one's colour is what the
// single view draws for it) side by side, in a 2x2 grid (letterboxed in their cells: black bars
// between), flipped, wiped vertically and horizontally, and the amplified difference of two
// near-identical takes (|A - B| x 4 of the single views' colours, within rounding).
TEST(GpuCompare, EachViewShowsItsTakeWhereTheLayoutPutsIt) {
    REQUIRE_GPU();
    const std::vector<std::shared_ptr<AVFrame>> takes = {flat_frame(160, 120, {81, 90, 240}), flat_frame(160, 120, {145, 54, 34}),
                                                         flat_frame(160, 120, {41, 240, 110}), flat_frame(160, 120, {180, 128, 128})};
    for (const auto& t : takes) ASSERT_TRUE(t);
    constexpr int W = 640, H = 240;
    auto r = render::OffscreenRenderer::create(*ctx, W, H);
    ASSERT_TRUE(r);
    // What each take looks like alone (the whole target is its picture at 4:3 in 320x240).
    std::vector<Rgb> colour;
    for (const auto& t : takes) {
        auto px = (*r)->render(t, {1, 1});
        ASSERT_TRUE(px);
        colour.push_back(pixel(*px, W, W / 2, H / 2));
    }
    for (size_t i = 1; i < colour.size(); ++i) ASSERT_FALSE(same(colour[i], colour[0], 10)) << "the takes must differ";
    const Rgb black{0, 0, 0};
    const std::array<Rational, render::kMaxViews> square{Rational{1, 1}, Rational{1, 1}, Rational{1, 1}, Rational{1, 1}};
    using render::CompareMode;
    auto draw = [&](std::vector<std::shared_ptr<AVFrame>> f, render::CompareLayout l) {
        l.views = static_cast<int>(f.size());
        auto px = (*r)->render_compare(f, l, square);
        EXPECT_TRUE(px) << (px ? "" : px.error().message);
        return px ? *px : std::vector<uint8_t>(static_cast<size_t>(W) * H * 4);
    };
    {  // side by side: two 320x240 cells, each filled by its 4:3 take
        auto px = draw({takes[0], takes[1]}, {CompareMode::side});
        EXPECT_TRUE(same(pixel(px, W, 5, 120), colour[0]));
        EXPECT_TRUE(same(pixel(px, W, 315, 120), colour[0]));
        EXPECT_TRUE(same(pixel(px, W, 325, 120), colour[1]));
        EXPECT_TRUE(same(pixel(px, W, 635, 5), colour[1]));
    }
    {  // 2x2 grid: 320x120 cells, each take 160x120 in the middle of its cell
        auto px = draw(takes, {CompareMode::grid});
        const int cx[4] = {160, 480, 160, 480}, cy[4] = {60, 60, 180, 180};
        for (int i = 0; i < 4; ++i) {
            EXPECT_TRUE(same(pixel(px, W, cx[i], cy[i]), colour[static_cast<size_t>(i)])) << "view " << i;
            EXPECT_TRUE(same(pixel(px, W, cx[i] - 75, cy[i] - 55), colour[static_cast<size_t>(i)])) << "view " << i;
            EXPECT_TRUE(same(pixel(px, W, cx[i] - 85, cy[i]), black)) << "view " << i << ": the bar left of it";
            EXPECT_TRUE(same(pixel(px, W, cx[i] + 85, cy[i]), black)) << "view " << i << ": the bar right of it";
        }
    }
    {  // flip: only the take shown
        render::CompareLayout l{CompareMode::flip};
        l.shown = 1;
        auto px = draw({takes[0], takes[1]}, l);
        EXPECT_TRUE(same(pixel(px, W, 200, 120), colour[1]));
        EXPECT_TRUE(same(pixel(px, W, 440, 120), colour[1]));
        EXPECT_TRUE(same(pixel(px, W, 100, 120), black));
    }
    {  // wipe at the middle: both letterboxed in the whole target (320x240 from x = 160)
        render::CompareLayout l{CompareMode::wipe};
        l.split = 0.5f;
        auto px = draw({takes[0], takes[1]}, l);
        EXPECT_TRUE(same(pixel(px, W, 165, 120), colour[0]));
        EXPECT_TRUE(same(pixel(px, W, 318, 120), colour[0]));
        EXPECT_TRUE(same(pixel(px, W, 322, 120), colour[1]));
        EXPECT_TRUE(same(pixel(px, W, 475, 120), colour[1]));
        l.horizontal = true;
        l.split = 0.25f;  // a line at y = 60
        px = draw({takes[0], takes[1]}, l);
        EXPECT_TRUE(same(pixel(px, W, 320, 58), colour[0]));
        EXPECT_TRUE(same(pixel(px, W, 320, 62), colour[1]));
        EXPECT_TRUE(same(pixel(px, W, 320, 230), colour[1]));
    }
    {  // difference of two near-identical greys and of two different takes, amplified 4x
        const auto g1 = flat_frame(160, 120, {120, 128, 128}), g2 = flat_frame(160, 120, {126, 128, 131});
        auto p1 = (*r)->render(g1, {1, 1}), p2 = (*r)->render(g2, {1, 1});
        ASSERT_TRUE(p1 && p2);
        const Rgb a = pixel(*p1, W, W / 2, H / 2), b = pixel(*p2, W, W / 2, H / 2);
        render::CompareLayout l{CompareMode::diff};
        l.diff_gain = 4.0f;
        auto px = draw({g1, g2}, l);
        const Rgb want{std::min(255, 4 * std::abs(a.r - b.r)), std::min(255, 4 * std::abs(a.g - b.g)), std::min(255, 4 * std::abs(a.b - b.b))};
        EXPECT_GT(want.r + want.g + want.b, 30) << "the greys must differ a little";
        EXPECT_TRUE(same(pixel(px, W, 320, 120), want, 5));
        EXPECT_TRUE(same(pixel(px, W, 100, 120), black));  // outside A's picture
        // The same take against itself: black.
        px = draw({g1, g1}, l);
        EXPECT_TRUE(same(pixel(px, W, 320, 120), black));
    }
}
