#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "media/clip_info.h"
#include "support/media_gen.h"
#include "unit/media/clips.h"

using namespace reelsync;
using namespace reelsync::testing;

TEST(Probe, H264FrameCountRateAndFormat) {
    auto path = indexed_clip(codec_cases()[0].spec);
    auto info = media::probe(path);
    ASSERT_TRUE(info) << info.error().message;
    ASSERT_TRUE(info->video);
    EXPECT_EQ(info->video->codec, "h264");
    EXPECT_EQ(info->video->width, 320);
    EXPECT_EQ(info->video->height, 240);
    EXPECT_EQ(info->video->frame_rate, (Rational{30, 1}));
    EXPECT_EQ(info->frame_count(), 300);
    EXPECT_EQ(info->video->pixel_format, "yuv420p");
    EXPECT_EQ(info->video->bit_depth, 8);
    EXPECT_EQ(info->video->chroma_shift_w, 1);
    EXPECT_EQ(info->video->chroma_shift_h, 1);
    EXPECT_NEAR(info->duration_seconds, 10.0, 0.05);
    EXPECT_DOUBLE_EQ(info->frame_pts_seconds(0), 0.0);
    EXPECT_NEAR(info->frame_pts_seconds(150), 5.0, 1e-9);
    EXPECT_NEAR(info->frame_duration_seconds(10), 1.0 / 30, 1e-9);
    EXPECT_FALSE(info->audio);
}

TEST(Probe, NtscRateIsExactRational) {
    auto path = indexed_clip(codec_cases()[5].spec);
    auto info = media::probe(path);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->video->frame_rate.num, 24000);
    EXPECT_EQ(info->video->frame_rate.den, 1001);
    EXPECT_EQ(info->frame_count(), 240);
    // Frame N starts at N * 1001 / 24000 s, to within one time-base tick.
    double tick = info->video->time_base.to_double();
    for (int64_t n : {1, 24, 100, 239}) EXPECT_NEAR(info->frame_pts_seconds(n), n * 1001.0 / 24000.0, tick) << n;
    // The frame whose interval holds t: its start maps to it, and so does a time just before the next.
    for (int64_t n : {0, 1, 23, 24, 200, 239}) {
        EXPECT_EQ(info->frame_at_time(info->frame_pts_seconds(n)), n);
        EXPECT_EQ(info->frame_at_time(info->frame_pts_seconds(n) + info->frame_duration_seconds(n) * 0.99), n);
    }
}

TEST(Probe, TenBitAndProRes) {
    auto ten = media::probe(indexed_clip(codec_cases()[4].spec));
    ASSERT_TRUE(ten) << ten.error().message;
    EXPECT_EQ(ten->video->bit_depth, 10);
    EXPECT_EQ(ten->video->pixel_format, "yuv420p10le");
    auto pr = media::probe(indexed_clip(codec_cases()[3].spec));
    ASSERT_TRUE(pr) << pr.error().message;
    EXPECT_EQ(pr->video->codec, "prores");
    EXPECT_EQ(pr->video->bit_depth, 10);
    EXPECT_EQ(pr->video->chroma_shift_w, 1);
    EXPECT_EQ(pr->video->chroma_shift_h, 0);
    EXPECT_EQ(pr->frame_count(), 100);
    EXPECT_EQ(pr->video->frame_rate, (Rational{25, 1}));
}

TEST(Probe, ColourTagsAudioAndStartOffsets) {
    // Video tagged BT.709 full range; audio 44.1 kHz mono delayed by 0.5 s in the container.
    auto path = generate("tags_audio_offset.mkv",
                         "-f lavfi -i testsrc2=s=320x240:r=30:d=2 -itsoffset 0.5 -f lavfi -i sine=f=440:r=44100:d=1.5 "
                         "-c:v libx264 -preset veryfast -pix_fmt yuvj420p -colorspace bt709 -color_range pc "
                         "-color_primaries bt709 -color_trc bt709 -c:a pcm_s16le");
    auto info = media::probe(path);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->video->color_matrix, "bt709");
    EXPECT_EQ(info->video->color_range, "pc");
    EXPECT_EQ(info->video->color_primaries, "bt709");
    ASSERT_TRUE(info->audio);
    EXPECT_EQ(info->audio->sample_rate, 44100);
    EXPECT_EQ(info->audio->channels, 1);
    EXPECT_NEAR(info->audio->start_seconds - info->video->start_seconds, 0.5, 0.002);

    nlohmann::json j = media::to_json(*info);
    EXPECT_EQ(j["video"]["frame_rate"], "30/1");
    EXPECT_EQ(j["video"]["frame_count"], 60);
    EXPECT_EQ(j["video"]["color_range"], "pc");
    EXPECT_EQ(j["audio"]["sample_rate"], 44100);
}
