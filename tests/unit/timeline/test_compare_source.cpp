// CompareSource: four takes at 23.976, 24, 25 and 30 fps, of different sizes and lengths, two of
// them offset, read as one timeline: at every compare frame each take shows the frame whose
// interval holds that instant (checked in exact arithmetic here, and from the picture itself: the
// frame number drawn into it), played through and after seeks forward and back.
#include <gtest/gtest.h>

#include <numeric>

#include "support/media_gen.h"
#include "render/video_renderer.h"
#include "timeline/compare_source.h"

using namespace reelsync;
using namespace reelsync::timeline;

namespace {

struct TakeDef {
    const char* name;
    const char* rate;
    int64_t num, den;  // the rate
    int frames, width, height;
    Rational offset;
};

const TakeDef kTakes[] = {
    {"cmp_23976.mp4", "24000/1001", 24000, 1001, 48, 160, 120, {0, 1}},
    {"cmp_24.mp4", "24", 24, 1, 60, 176, 144, {0, 1}},
    {"cmp_25.mp4", "25", 25, 1, 40, 128, 96, {1, 2}},     // starts half a second in
    {"cmp_30.mp4", "30", 30, 1, 72, 192, 108, {-1, 5}},   // its first 0.2 s before the compare's 0
};

int64_t picture_index(const media::VideoFrame& f) {
    const AVFrame* p = f.picture.get();
    return reelsync::testing::read_index_luma(p->data[0], p->linesize[0], p->width, 1, 8);
}

// The frame of take `d` whose interval holds `t` = pts / ticks seconds, or -1: floor((t - offset) * rate).
int64_t expected(const TakeDef& d, int64_t pts, int64_t ticks) {
    // (pts/ticks - on/od) * num/den = (pts*od - on*ticks) * num / (ticks*od*den)
    const int64_t a = (pts * d.offset.den - d.offset.num * ticks) * d.num;  // within int64 for these rates and lengths
    const int64_t b = ticks * d.offset.den * d.den;
    if (a < 0) return -1;
    const int64_t f = static_cast<int64_t>(a / b);
    return f < d.frames ? f : -1;
}

std::unique_ptr<CompareSource> open_four() {
    std::vector<TakeSpec> specs;
    for (const TakeDef& d : kTakes)
        specs.push_back({reelsync::testing::indexed_clip({d.name, "-c:v libx264 -g 12 -bf 2", d.rate, d.frames, d.width, d.height}), d.offset});
    auto c = CompareSource::open(specs, {});
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    return c ? std::move(*c) : nullptr;
}

void check_frame(const CompareSource& c, const media::VideoFrame& f, int64_t k) {
    ASSERT_EQ(f.index, k);
    ASSERT_TRUE(f.views);
    ASSERT_EQ(f.views->size(), 4u);
    const int64_t pts = c.info().index.pts[static_cast<size_t>(k)];
    const int64_t ticks = c.info().video->time_base.den;
    for (size_t v = 0; v < 4; ++v) {
        const media::VideoFrame& view = (*f.views)[v];
        const int64_t want = expected(kTakes[v], pts, ticks);
        ASSERT_EQ(view.index, want) << "take " << v << " at compare frame " << k;
        ASSERT_EQ(c.take_frame(v, k), want);
        if (want >= 0) {
            ASSERT_TRUE(view.picture) << "take " << v << " at compare frame " << k;
            ASSERT_EQ(picture_index(view), want) << "take " << v << "'s picture at compare frame " << k;
            ASSERT_EQ(view.picture->width, kTakes[v].width);
        } else {
            ASSERT_FALSE(view.picture);
        }
    }
}

media::VideoFrame take(CompareSource& c) {
    EXPECT_TRUE(c.wait_for_frame(10.0));
    auto f = c.pop();
    EXPECT_TRUE(f);
    return f ? *f : media::VideoFrame{};
}

}  // namespace

TEST(CompareSource, EveryTakeShowsItsFrameForEveryInstant) {
    auto c = open_four();
    ASSERT_TRUE(c);
    const media::ClipInfo& info = c->info();
    const int64_t ticks = info.video->time_base.den;
    // The longest reach: the 24 fps take, 60 frames, ends at 2.5 s (23.976: 2.002 s, 25 fps from
    // 0.5 s: 2.1 s, 30 fps from -0.2 s: 2.2 s).
    EXPECT_NEAR(info.duration_seconds, 2.5, 1e-12);
    std::vector<int64_t> last(4, -2);
    for (int64_t k = 0; k < info.frame_count(); ++k) {
        media::VideoFrame f = take(*c);
        check_frame(*c, f, k);
        if (HasFatalFailure()) return;
        // A compare frame starts only where some take's frame changes (or a take starts or ends).
        int changes = 0;
        for (size_t v = 0; v < 4; ++v) {
            changes += (*f.views)[v].index != last[v];
            last[v] = (*f.views)[v].index;
        }
        ASSERT_GT(changes, 0) << "compare frame " << k << " changes nothing";
        EXPECT_NEAR(f.pts, static_cast<double>(info.index.pts[static_cast<size_t>(k)]) / static_cast<double>(ticks), 1e-12);
    }
    EXPECT_FALSE(c->wait_for_frame(0.2));
    EXPECT_TRUE(c->finished());
}

TEST(CompareSource, SeeksForwardAndBackShowTheSameInstantInEveryTake) {
    auto c = open_four();
    ASSERT_TRUE(c);
    const int64_t n = c->info().frame_count();
    for (int64_t k : {n / 2, int64_t{0}, n - 1, n / 3, int64_t{7}, n - 10}) {
        c->seek(k, false);
        check_frame(*c, take(*c), k);
        if (k + 1 < n) check_frame(*c, take(*c), k + 1);
        if (HasFatalFailure()) return;
    }
    // Backwards (reverse play): frames k, k-1, ... each take's own.
    c->seek(n - 5, true);
    for (int64_t k = n - 5; k > n - 25; --k) {
        check_frame(*c, take(*c), k);
        if (HasFatalFailure()) return;
    }
}

TEST(CompareSource, TakesOutOfRangeAreRefused) {
    const std::string a = reelsync::testing::indexed_clip({"cmp_24.mp4", "-c:v libx264 -g 12 -bf 2", "24", 60, 176, 144});
    EXPECT_FALSE(CompareSource::open({{a, {0, 1}}}, {}));
    EXPECT_FALSE(CompareSource::open({{a, {0, 1}}, {a, {0, 1}}, {a, {0, 1}}, {a, {0, 1}}, {a, {0, 1}}}, {}));
    auto gone = CompareSource::open({{a, {0, 1}}, {a, {-10, 1}}}, {});  // the second ends before 0: shown as none
    ASSERT_TRUE(gone);
    EXPECT_EQ((*gone)->take_frame(1, 0), -1);
    EXPECT_EQ((*gone)->take_frame(0, 0), 0);
}

// What the pointer is over, in each view of a 1280x720 target: the take a click picks, the side
// of a wipe's split a drag sets.
TEST(CompareLayout, ThePointerIsOverTheTakeItsViewShowsThere) {
    using render::CompareMode;
    const VkExtent2D t{1280, 720};
    render::CompareLayout l;
    l.views = 3;
    l.mode = CompareMode::side;  // three columns of 426-427 px
    EXPECT_EQ(render::compare_view_at(l, t, 10, 360), 0);
    EXPECT_EQ(render::compare_view_at(l, t, 425, 10), 0);
    EXPECT_EQ(render::compare_view_at(l, t, 427, 700), 1);
    EXPECT_EQ(render::compare_view_at(l, t, 1279, 719), 2);
    EXPECT_EQ(render::compare_view_at(l, t, 1280, 300), -1);  // outside the target
    EXPECT_EQ(render::compare_view_at(l, t, -1, 300), -1);
    l.mode = CompareMode::grid;  // reading order; the fourth cell is empty with three takes
    EXPECT_EQ(render::compare_view_at(l, t, 100, 100), 0);
    EXPECT_EQ(render::compare_view_at(l, t, 1000, 100), 1);
    EXPECT_EQ(render::compare_view_at(l, t, 100, 600), 2);
    EXPECT_EQ(render::compare_view_at(l, t, 1000, 600), -1);
    l.mode = CompareMode::flip;
    l.shown = 2;
    EXPECT_EQ(render::compare_view_at(l, t, 100, 100), 2);
    l.mode = CompareMode::wipe;
    l.split = 0.25f;  // x 320
    EXPECT_EQ(render::compare_view_at(l, t, 319, 100), 0);
    EXPECT_EQ(render::compare_view_at(l, t, 321, 100), 1);
    l.horizontal = true;  // y 180
    EXPECT_EQ(render::compare_view_at(l, t, 1000, 179), 0);
    EXPECT_EQ(render::compare_view_at(l, t, 1000, 181), 1);
    l.mode = CompareMode::diff;
    EXPECT_EQ(render::compare_view_at(l, t, 640, 360), -1);
}
