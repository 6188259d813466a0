// Audio lands at the right sample: start offsets, resampling and encoder priming honoured.
#include <gtest/gtest.h>

#include <cmath>

#include "media/audio_track.h"
#include "support/media_gen.h"

using namespace reelsync;
using namespace reelsync::testing;

namespace {

// A 4-sample pulse at exactly t = 1 s in 3 s of silence.
const char* kClick = "aevalsrc='if(between(t\\,1\\,1+3/48000)\\,0.9\\,0)':s=48000:d=3";

int64_t peak_frame(const media::AudioTrack& t) {
    int64_t best = -1;
    float best_v = 0;
    for (int64_t i = 0; i < t.frames(); ++i) {
        float v = std::fabs(t.samples[static_cast<size_t>(i * t.channels)]);
        if (v > best_v) {
            best_v = v;
            best = i;
        }
    }
    return best;
}

}  // namespace

TEST(AudioTrack, PcmLandsOnTheExactSample) {
    auto path = generate("click_pcm.wav", std::string("-f lavfi -i \"") + kClick + "\" -c:a pcm_s16le");
    auto t = media::decode_audio(path, 48000, 2, 0.0);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->channels, 2);
    EXPECT_NEAR(t->duration(), 3.0, 0.001);
    EXPECT_EQ(peak_frame(*t), 48000);
}

TEST(AudioTrack, ResampledTo44100KeepsTime) {
    auto path = generate("click_pcm.wav", std::string("-f lavfi -i \"") + kClick + "\" -c:a pcm_s16le");
    auto t = media::decode_audio(path, 44100, 2, 0.0);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_NEAR(static_cast<double>(peak_frame(*t)), 44100.0, 2.0);
}

TEST(AudioTrack, ContainerStartOffsetIsHonoured) {
    // Audio starts 0.5 s after the video in the container: the click is heard at 1.5 s of clip time.
    auto path = generate("click_offset.mkv", std::string("-f lavfi -i testsrc2=s=160x120:r=30:d=3 -itsoffset 0.5 -f lavfi -i \"") +
                                                 kClick + "\" -c:v libx264 -preset veryfast -c:a pcm_s16le");
    auto t = media::decode_audio(path, 48000, 2, 0.0);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_NEAR(static_cast<double>(peak_frame(*t)), 72000.0, 2.0);
    // The first half second is silence, not cut audio.
    for (int64_t i = 0; i < 23000; ++i) ASSERT_EQ(t->samples[static_cast<size_t>(i * 2)], 0.0f);
}

TEST(AudioTrack, AacEncoderPrimingIsRemoved) {
    // AAC adds 1024 samples of priming; the edit list / skip-samples data removes them again.
    auto path = generate("click_aac.mp4", std::string("-f lavfi -i \"") + kClick + "\" -c:a aac -b:a 192k");
    auto t = media::decode_audio(path, 48000, 2, 0.0);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_NEAR(static_cast<double>(peak_frame(*t)), 48000.0, 48.0);  // within 1 ms
}

TEST(AudioTrack, NoAudioStreamIsAClearError) {
    auto path = generate("video_only.mp4", "-f lavfi -i testsrc2=s=160x120:r=30:d=1 -c:v libx264 -preset veryfast");
    auto t = media::decode_audio(path, 48000, 2, 0.0);
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find("no audio stream"), std::string::npos);
}
