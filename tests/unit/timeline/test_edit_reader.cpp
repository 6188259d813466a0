// EditReader: an edit of shots from clips of different codecs, sizes and rates reads as one
// timeline: every frame in order, each the right picture of the right clip, exact edit times.
#include <gtest/gtest.h>

#include "support/media_gen.h"
#include "timeline/edit_reader.h"

using namespace reelsync;
using namespace reelsync::timeline;

namespace {

std::vector<ShotSpec> mixed_edit(size_t n) {
    auto clips = reelsync::testing::mixed_clips();
    std::vector<ShotSpec> shots;
    for (size_t k = 0; k < n; ++k) {
        int64_t in = 3 + static_cast<int64_t>(k % 7) * 5;
        shots.push_back({clips[k % clips.size()], in, in + 9 + static_cast<int64_t>(k % 4) * 3});
    }
    return shots;
}

int64_t picture_index(const media::VideoFrame& f) {
    const AVFrame* p = f.picture.get();
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(p->format));
    const int depth = d->comp[0].depth;
    return reelsync::testing::read_index_luma(p->data[0], p->linesize[0], p->width, depth > 8 ? 2 : 1, depth);
}

media::VideoFrame take(EditReader& r) {
    EXPECT_TRUE(r.wait_for_frame(10.0));
    auto f = r.pop();
    EXPECT_TRUE(f);
    return f ? *f : media::VideoFrame{};
}

}  // namespace

TEST(EditReader, EveryFrameOfEveryShotInOrder) {
    auto shots = mixed_edit(10);
    auto r = EditReader::open(shots, {});
    ASSERT_TRUE(r) << r.error().message;
    EditReader& e = **r;
    int64_t total = 0;
    for (const auto& s : shots) total += s.out - s.in + 1;
    ASSERT_EQ(e.info().frame_count(), total);
    double t = 0;
    for (int64_t i = 0; i < total; ++i) {
        media::VideoFrame f = take(e);
        ASSERT_EQ(f.index, i);
        const size_t k = e.shot_at(i);
        ASSERT_EQ(f.shot, static_cast<int32_t>(k));
        ASSERT_EQ(f.source_index, shots[k].in + (i - e.shot_start(k)));
        ASSERT_EQ(picture_index(f), f.source_index) << "edit frame " << i << " (shot " << k << ")";
        // Edit time advances by each shot's own frame duration, exactly.
        ASSERT_NEAR(f.pts, t, 1e-9) << i;
        t += e.shot_info(k).video->frame_rate.inverse().to_double();
    }
    EXPECT_FALSE(e.wait_for_frame(0.5));
    EXPECT_TRUE(e.finished());
}

TEST(EditReader, SeeksAndReversesAcrossCuts) {
    auto shots = mixed_edit(6);
    auto r = EditReader::open(shots, {});
    ASSERT_TRUE(r);
    EditReader& e = **r;
    // Into the middle of shot 3 (ProRes 23.976).
    const int64_t target = e.shot_start(3) + 4;
    e.seek(target, false);
    media::VideoFrame f = take(e);
    EXPECT_EQ(f.index, target);
    EXPECT_EQ(f.shot, 3);
    EXPECT_EQ(picture_index(f), shots[3].in + 4);
    // Backwards from the first frame of shot 2: shot 2's first, then shot 1's last frames.
    e.seek(e.shot_start(2), true);
    for (int64_t i = e.shot_start(2); i > e.shot_start(2) - 5; --i) {
        media::VideoFrame b = take(e);
        ASSERT_EQ(b.index, i);
        ASSERT_EQ(picture_index(b), b.source_index);
    }
    EXPECT_EQ(e.shot_at(e.shot_start(2) - 1), 1u);
}
