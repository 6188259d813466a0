#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "media/clip_reader.h"
#include "media/video_decoder.h"
#include "support/media_gen.h"
#include "unit/media/clips.h"

using namespace reelsync;
using namespace reelsync::testing;

namespace {

class ExactSeek : public ::testing::TestWithParam<CodecCase> {};

}  // namespace

TEST_P(ExactSeek, EveryTargetIsTheFrameItNames) {
    const CodecCase& c = GetParam();
    auto path = indexed_clip(c.spec);
    auto dec = media::VideoDecoder::open(path);
    ASSERT_TRUE(dec) << dec.error().message;
    const int64_t n = (*dec)->info().frame_count();
    ASSERT_EQ(n, c.spec.frames);
    // Forward and backward jumps, across GOP boundaries, to both ends.
    for (int64_t target : {int64_t{0}, n / 2 + 7, n - 1, int64_t{5}, n - 2, int64_t{1}, n / 3, n / 3 - 1, int64_t{0}}) {
        ASSERT_TRUE((*dec)->seek(target));
        auto f = (*dec)->next();
        ASSERT_TRUE(f && *f) << "target " << target;
        EXPECT_EQ((*f)->index, target);
        EXPECT_EQ(index_in_pixels(**f), target) << c.label << " target " << target;
        EXPECT_NEAR((*f)->pts, (*dec)->info().frame_pts_seconds(target), 1e-9);
        if (target + 1 < n) {
            auto g = (*dec)->next();
            ASSERT_TRUE(g && *g);
            EXPECT_EQ((*g)->index, target + 1);
            EXPECT_EQ(index_in_pixels(**g), target + 1);
        }
    }
}

TEST_P(ExactSeek, SequentialDecodeVisitsEveryFrameInOrder) {
    const CodecCase& c = GetParam();
    auto dec = media::VideoDecoder::open(indexed_clip(c.spec));
    ASSERT_TRUE(dec) << dec.error().message;
    int64_t expect = 0;
    while (true) {
        auto f = (*dec)->next();
        ASSERT_TRUE(f);
        if (!*f) break;
        ASSERT_EQ((*f)->index, expect);
        ASSERT_EQ(index_in_pixels(**f), expect);
        ++expect;
    }
    EXPECT_EQ(expect, c.spec.frames);
}

INSTANTIATE_TEST_SUITE_P(Codecs, ExactSeek, ::testing::ValuesIn(codec_cases()),
                         [](const auto& p) { return std::string(p.param.label); });

TEST(ClipReader, DecodesAheadAndDropsFramesOfOlderSeeks) {
    auto reader = media::ClipReader::open(indexed_clip(codec_cases()[0].spec), {4, 0, 12});
    ASSERT_TRUE(reader) << reader.error().message;
    media::ClipReader& r = **reader;
    ASSERT_TRUE(r.wait_for_frame(5.0));
    // Let it fill the queue with frames 0..3, then seek: none of those may come out.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    uint64_t serial = r.seek(200);
    for (int64_t want = 200; want < 230; ++want) {
        ASSERT_TRUE(r.wait_for_frame(5.0));
        auto f = r.pop();
        ASSERT_TRUE(f);
        EXPECT_EQ(f->serial, serial);
        EXPECT_EQ(f->index, want);
        EXPECT_EQ(index_in_pixels(*f), want);
    }
    // Backwards seek inside the long GOP.
    serial = r.seek(17);
    ASSERT_TRUE(r.wait_for_frame(5.0));
    auto f = r.pop();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->serial, serial);
    EXPECT_EQ(f->index, 17);
    EXPECT_EQ(index_in_pixels(*f), 17);
}

TEST(ClipReader, ReverseDeliversDescendingFramesToTheStart) {
    auto reader = media::ClipReader::open(indexed_clip(codec_cases()[0].spec), {6, 0, 8});
    ASSERT_TRUE(reader) << reader.error().message;
    media::ClipReader& r = **reader;
    r.seek(40, /*reverse=*/true);
    for (int64_t want = 40; want >= 0; --want) {
        ASSERT_TRUE(r.wait_for_frame(10.0)) << want;
        auto f = r.pop();
        ASSERT_TRUE(f);
        EXPECT_EQ(f->index, want);
        EXPECT_EQ(index_in_pixels(*f), want);
    }
    EXPECT_FALSE(r.wait_for_frame(5.0));
    EXPECT_TRUE(r.finished());
}

TEST(ClipReader, EndOfClipIsReported) {
    auto reader = media::ClipReader::open(indexed_clip(codec_cases()[0].spec));
    ASSERT_TRUE(reader);
    media::ClipReader& r = **reader;
    r.seek(295);
    int64_t last = -1;
    while (r.wait_for_frame(5.0)) last = r.pop()->index;
    EXPECT_EQ(last, 299);
    EXPECT_TRUE(r.finished());
    EXPECT_FALSE(r.error());
}

// The frame cache: after one seek into a long GOP, stepping back is served without decoding (the
// frame is queued by seek() itself), with the right picture; the cache stays within its budget.
TEST(FrameCache, BackwardStepsInsideTheCacheAreImmediate) {
    const std::string clip = reelsync::testing::indexed_clip({"cache_gop250.mp4", "-c:v libx264 -bf 3 -g 250 -keyint_min 250 -sc_threshold 0", "30", 300, 320, 240});
    media::ClipReader::Options o;
    o.cache_bytes = size_t{64} << 20;
    auto r = media::ClipReader::open(clip, o);
    ASSERT_TRUE(r) << r.error().message;
    media::ClipReader& cr = **r;
    cr.seek(200);
    ASSERT_TRUE(cr.wait_for_frame(10));
    EXPECT_EQ(cr.pop()->index, 200);
    for (int64_t i = 199; i > 200 - o.cache_behind; --i) {
        cr.seek(i);
        auto f = cr.peek();  // no waiting: seek() queued it from the cache
        ASSERT_TRUE(f) << "frame " << i << " was not cached";
        EXPECT_EQ(f->index, i);
        const AVFrame* p = f->picture.get();
        EXPECT_EQ(reelsync::testing::read_index_luma(p->data[0], p->linesize[0], p->width, 1, 8), i);
        // Playing on from a cached frame continues with the right frames.
        ASSERT_TRUE(cr.pop());
        ASSERT_TRUE(cr.wait_for_frame(10));
        EXPECT_EQ(cr.peek()->index, i + 1);
    }
    EXPECT_GE(cr.cache_stats().hits, o.cache_behind - 1);
    // A seek past anything decoded is not cached: it decodes.
    cr.seek(270);
    EXPECT_FALSE(cr.peek());
    ASSERT_TRUE(cr.wait_for_frame(10));
    EXPECT_EQ(cr.peek()->index, 270);
}

TEST(FrameCache, StaysWithinItsBudgetAroundThePlayhead) {
    const std::string clip = reelsync::testing::indexed_clip({"cache_gop250.mp4", "-c:v libx264 -bf 3 -g 250 -keyint_min 250 -sc_threshold 0", "30", 300, 320, 240});
    media::ClipReader::Options o;
    o.cache_bytes = 40 * 320 * 240 * 3 / 2;  // about 40 frames' pictures (less with padding)
    auto r = media::ClipReader::open(clip, o);
    ASSERT_TRUE(r);
    media::ClipReader& cr = **r;
    cr.seek(0);
    for (int64_t i = 0; i < 150; ++i) {
        ASSERT_TRUE(cr.wait_for_frame(10));
        ASSERT_EQ(cr.pop()->index, i);
    }
    auto st = cr.cache_stats();
    EXPECT_LE(st.bytes, o.cache_bytes);
    EXPECT_GT(st.frames, 10u);
    // What is kept is the recent past: a step back from the playhead is cached, the start is not.
    cr.seek(148);
    EXPECT_TRUE(cr.peek());
    cr.seek(2);
    EXPECT_FALSE(cr.peek());
}

// A real AVI with packed B-frames (a DivX/Xvid-era file: most video packets carry no pts, and
// FFmpeg warns "packed B-frames"): `Megamind.avi` from Debian's opencv-doc, gathered by
// scripts/real-footage.sh. Every frame asked for by number is the frame FFmpeg's own frame count
// gives that number (Y plane, byte for byte), whether reached by a seek or by playing on, and
// playing from the start gives every frame once, in order.
TEST(ExactSeek, PackedBFramesAviGivesTheFrameAskedFor) {
    const std::filesystem::path clip = std::filesystem::path(REELSYNC_TEST_MEDIA_DIR).parent_path() / "real-footage" / "Megamind.avi";
    if (!std::filesystem::exists(clip)) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    auto dec = media::VideoDecoder::open(clip.string());
    ASSERT_TRUE(dec) << dec.error().message;
    const media::ClipInfo& info = (*dec)->info();
    ASSERT_EQ(info.frame_count(), 270);
    EXPECT_TRUE(info.index.dts_only);
    const int w = info.video->width, h = info.video->height;
    // FFmpeg's frames in its own order, Y only.
    std::string all;
    ASSERT_EQ(reelsync::testing::run_command("ffmpeg -nostdin -v error -i '" + clip.string() + "' -fps_mode passthrough -f rawvideo -pix_fmt yuv420p -", &all), 0);
    const size_t plane = static_cast<size_t>(w) * static_cast<size_t>(h), frame_bytes = plane * 3 / 2;
    ASSERT_EQ(all.size(), frame_bytes * 270);
    auto same_as = [&](const media::VideoFrame& f, int64_t n) {
        const AVFrame* p = f.picture.get();
        for (int y = 0; y < h; ++y)
            if (std::memcmp(p->data[0] + static_cast<ptrdiff_t>(y) * p->linesize[0], all.data() + static_cast<size_t>(n) * frame_bytes + static_cast<size_t>(y) * static_cast<size_t>(w),
                            static_cast<size_t>(w)) != 0)
                return false;
        return true;
    };
    // Played from the start: 0..269, each once, each FFmpeg's.
    ASSERT_TRUE((*dec)->seek(0));
    int64_t n = 0;
    for (;; ++n) {
        auto f = (*dec)->next();
        ASSERT_TRUE(f);
        if (!*f) break;
        ASSERT_EQ((*f)->index, n);
        EXPECT_TRUE(same_as(**f, n)) << "frame " << n;
    }
    EXPECT_EQ(n, 270);
    // Seeks, around keyframes and the three cuts, backwards too.
    for (int64_t k : {0, 1, 2, 3, 4, 10, 11, 50, 97, 98, 99, 154, 200, 268, 269, 5, 0}) {
        ASSERT_TRUE((*dec)->seek(k)) << k;
        auto f = (*dec)->next();
        ASSERT_TRUE(f && *f) << k;
        EXPECT_EQ((*f)->index, k);
        EXPECT_TRUE(same_as(**f, k)) << "frame " << k << " after a seek";
    }
    // The command line writes each frame asked for (it used to exit 0 with no file for some).
    const std::filesystem::path out = std::filesystem::path(reelsync::testing::media_dir()) / "packed_b_frame.png";
    for (int64_t k : {0, 10, 97, 269}) {
        std::filesystem::remove(out);
        std::string log;
        EXPECT_EQ(reelsync::testing::run_command("'" + reelsync::testing::reelsync_binary() + "' render '" + clip.string() + "' --frame " +
                                                     std::to_string(k) + " --out '" + out.string() + "'",
                                                 &log),
                  0)
            << log;
        EXPECT_TRUE(std::filesystem::exists(out)) << "frame " << k << ": " << log;
    }
}

// Files whose own timestamps cannot place their frames (none at all, a time written twice, decode
// times going back where two recordings were joined): the probe says so, numbers the frames in
// decode order at the nominal rate, and every frame is still the one asked for, played or sought,
// by the decoder and by the clip reader the player uses. The frames where the written times went
// wrong are kept for the scan.
TEST(ExactSeek, BrokenTimestampsNumberFramesInDecodeOrder) {
    for (const BrokenTimestampClip& c : broken_timestamp_clips()) {
        SCOPED_TRACE(c.label);
        auto dec = media::VideoDecoder::open(c.path);
        ASSERT_TRUE(dec) << dec.error().message;
        const media::ClipInfo& info = (*dec)->info();
        ASSERT_EQ(info.frame_count(), c.frames);
        EXPECT_FALSE(info.index.rebuilt.empty());
        EXPECT_EQ(info.index.timestamp_faults, c.faults);
        // Placed at the nominal 30 fps: frame k starts at k/30 s (to the nearest tick of the time
        // base: Matroska's is a millisecond).
        const double tick = info.video->time_base.to_double();
        for (int64_t k : {int64_t{1}, int64_t{10}, c.frames - 1})
            EXPECT_NEAR(info.frame_pts_seconds(k), static_cast<double>(k) / 30.0, tick / 2 + 1e-9) << k;
        EXPECT_EQ(info.frame_at_time(2.0 + 0.5 / 30.0), 60);
        ASSERT_TRUE((*dec)->seek(0));
        int64_t n = 0;
        for (;; ++n) {
            auto f = (*dec)->next();
            ASSERT_TRUE(f) << f.error().message;
            if (!*f) break;
            ASSERT_EQ((*f)->index, n);
            ASSERT_EQ(index_in_pixels(**f), n) << "frame " << n;
        }
        EXPECT_EQ(n, c.frames);
        for (int64_t k : {int64_t{45}, int64_t{9}, int64_t{10}, int64_t{11}, c.frames - 1, int64_t{59}, int64_t{60}, int64_t{0}, int64_t{61}}) {
            ASSERT_TRUE((*dec)->seek(k)) << k;
            auto f = (*dec)->next();
            ASSERT_TRUE(f && *f) << k;
            EXPECT_EQ((*f)->index, k);
            EXPECT_EQ(index_in_pixels(**f), k) << "after a seek to " << k;
        }
        // The player's reader: in order from a seek, and a seek back.
        auto r = media::ClipReader::open(c.path);
        ASSERT_TRUE(r) << r.error().message;
        for (int64_t from : {int64_t{50}, int64_t{8}}) {
            (*r)->seek(from);
            for (int64_t i = from; i < from + 15; ++i) {
                ASSERT_TRUE((*r)->wait_for_frame(10)) << i;
                auto f = (*r)->pop();
                ASSERT_TRUE(f);
                EXPECT_EQ(f->index, i);
                EXPECT_EQ(index_in_pixels(*f), i);
            }
        }
    }
}

// A variable-rate clip: every frame is placed by its own timestamp (not by a nominal rate), so the
// frame for an instant is the one whose interval holds it, and seeks land on the frame asked for,
// around the irregular gaps and the quarter-second pause too.
TEST(ExactSeek, VariableRateFramesByTheirOwnTimestamps) {
    auto dec = media::VideoDecoder::open(variable_rate_clip());
    ASSERT_TRUE(dec) << dec.error().message;
    const media::ClipInfo& info = (*dec)->info();
    ASSERT_EQ(info.frame_count(), 90);
    EXPECT_TRUE(info.index.rebuilt.empty());
    for (int64_t k = 0; k < 90; ++k) {
        const double start = static_cast<double>(variable_rate_ticks(k)) / 3000.0;
        ASSERT_NEAR(info.frame_pts_seconds(k), start, 1e-9) << k;
        if (k + 1 < 90) {
            const double end = static_cast<double>(variable_rate_ticks(k + 1)) / 3000.0;
            ASSERT_NEAR(info.frame_duration_seconds(k), end - start, 1e-9) << k;
            EXPECT_EQ(info.frame_at_time(start), k);
            EXPECT_EQ(info.frame_at_time((start + end) / 2), k);
            EXPECT_EQ(info.frame_at_time(end - 0.0005), k);
        }
    }
    for (int64_t k : {0, 3, 4, 5, 58, 59, 60, 61, 89, 30, 7, 8, 0}) {
        ASSERT_TRUE((*dec)->seek(k)) << k;
        auto f = (*dec)->next();
        ASSERT_TRUE(f && *f) << k;
        EXPECT_EQ((*f)->index, k);
        EXPECT_EQ(index_in_pixels(**f), k) << "after a seek to " << k;
        EXPECT_NEAR((*f)->pts, static_cast<double>(variable_rate_ticks(k)) / 3000.0, 1e-9);
    }
}
