// Bad input gets a clear error that names the file, and never a crash or a hang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "analysis/artifacts.h"
#include "media/clip_info.h"
#include "media/video_decoder.h"
#include "support/media_gen.h"
#include "unit/media/clips.h"

using namespace reelsync;
using namespace reelsync::testing;

namespace {

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void expect_error(const std::string& path, const std::string& fragment) {
    auto info = media::probe(path);
    ASSERT_FALSE(info) << path << " was accepted";
    EXPECT_NE(info.error().message.find(path), std::string::npos) << info.error().message;
    EXPECT_NE(info.error().message.find(fragment), std::string::npos) << info.error().message;
    EXPECT_EQ(info.error().message.find('\n'), std::string::npos) << "one line: " << info.error().message;
    auto dec = media::VideoDecoder::open(path);
    EXPECT_FALSE(dec);
}

}  // namespace

TEST(BadInput, MissingFile) { expect_error(media_dir() + "/does-not-exist.mp4", "no such file"); }

TEST(BadInput, EmptyFile) { expect_error(write_file("empty.mp4", ""), "empty file"); }

TEST(BadInput, RandomBytes) {
    std::mt19937 rng(1234);
    std::string junk(64 * 1024, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    expect_error(write_file("random.mp4", junk), "not a media file");
}

TEST(BadInput, AudioOnly) {
    expect_error(generate("audio_only.wav", "-f lavfi -i sine=f=440:d=1"), "audio-only");
}

TEST(BadInput, UnsupportedCodec) {
    // An MP4 whose video sample entry names a codec nobody knows (the fourcc patched to 'zzz1').
    std::string mp4 = read_all(indexed_clip(codec_cases()[0].spec));
    for (size_t at = mp4.find("avc1"); at != std::string::npos; at = mp4.find("avc1", at)) mp4.replace(at, 4, "zzz1");
    for (size_t at = mp4.find("avcC"); at != std::string::npos; at = mp4.find("avcC", at)) mp4.replace(at, 4, "zzzC");
    expect_error(write_file("unknown_codec.mp4", mp4), "unsupported codec");
}

TEST(BadInput, TruncatedMp4WithoutIndex) {
    // ffmpeg writes the MP4 index at the end: cut it off and nothing is readable.
    std::string mp4 = read_all(indexed_clip(codec_cases()[0].spec));
    auto path = write_file("truncated.mp4", mp4.substr(0, mp4.size() / 3));
    auto info = media::probe(path);
    ASSERT_FALSE(info);
    EXPECT_NE(info.error().message.find(path), std::string::npos);
}

TEST(BadInput, TruncatedStreamPlaysWhatIsThere) {
    // Matroska is streamable: a truncated file keeps its first frames, each exact.
    std::string mkv = read_all(generate("full.mkv", "-f lavfi -i testsrc2=s=320x240:r=30:d=4 -c:v libx264 -preset veryfast -g 30"));
    auto path = write_file("truncated.mkv", mkv.substr(0, mkv.size() / 2));
    auto dec = media::VideoDecoder::open(path);
    ASSERT_TRUE(dec) << dec.error().message;
    int64_t n = (*dec)->info().frame_count();
    EXPECT_GT(n, 10);
    EXPECT_LT(n, 120);
    int64_t decoded = 0;
    while (true) {
        auto f = (*dec)->next();
        ASSERT_TRUE(f) << f.error().message;
        if (!*f) break;
        ++decoded;
    }
    EXPECT_GE(decoded, n - 2);  // the frame cut in half may be lost, nothing else
    ASSERT_TRUE((*dec)->seek(n / 2));
    auto f = (*dec)->next();
    ASSERT_TRUE(f && *f);
    EXPECT_EQ((*f)->index, n / 2);
}

TEST(BadInput, PlaylistDisguisedAsMp4IsRefused) {
    // HLS and concat playlists name other files (or URLs) for FFmpeg to open: never followed.
    std::string target = indexed_clip(codec_cases()[0].spec);
    expect_error(write_file("playlist_hls.mp4", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:" + target +
                                                    "\n#EXT-X-ENDLIST\n"),
                 "");
    expect_error(write_file("playlist_concat.mp4", "ffconcat version 1.0\nfile '" + target + "'\n"), "");
    auto info = media::probe(media_dir() + "/playlist_hls.mp4");
    ASSERT_FALSE(info);
    EXPECT_TRUE(info.error().message.find("refused") != std::string::npos ||
                info.error().message.find("not a media file") != std::string::npos)
        << info.error().message;
}

TEST(BadInput, NotARegularFile) { expect_error(media_dir(), "not a regular file"); }

// A header claiming a picture of 16384 pixels a side or more (FFmpeg's own limit lets 16384x8192
// through): refused by the probe, before a frame is read or allocated. The file holds a few bytes.
TEST(BadInput, AHugePictureSizeIsRefusedBeforeAllocating) {
    expect_error(write_file("huge_wide.y4m", "YUV4MPEG2 W16384 H8192 F30:1 Ip A1:1 C420jpeg\nFRAME\nabc"), "16384x8192 is larger than reelsync plays");
    expect_error(write_file("huge_tall.y4m", "YUV4MPEG2 W2048 H16400 F30:1 Ip A1:1 C420jpeg\nFRAME\nabc"), "2048x16400 is larger than reelsync plays");
    // Just under the limit the size is not what is refused (this file is cut short: that is).
    auto under = media::probe(write_file("big_cut.y4m", "YUV4MPEG2 W16000 H8000 F30:1 Ip A1:1 C420jpeg\nFRAME\nabc"));
    if (!under) {
        EXPECT_EQ(under.error().message.find("larger than reelsync plays"), std::string::npos) << under.error().message;
    }
}

// Damage in the middle of a stream, as a broken transfer or a failing disk leaves it: an MPEG-TS
// recording with 20 KiB cut out of its middle (lost packets), and an MP4 whose video packets have
// bytes overwritten (bit errors). Played from the start, every frame comes out once, in order,
// labelled by its own timestamp; a seek anywhere gives the frame asked for; the frames the damage
// did not reach show their own picture (the frame number drawn in them); nothing hangs or crashes;
// the scan reads them through and flags the damage.
TEST(BadInput, DamageMidStreamPlaysAndSeeksExactly) {
    const std::string ts = indexed_clip({"damage_src150.ts", "-c:v libx264 -preset veryfast -bf 2 -g 30", "30", 150});
    std::string bytes = read_all(ts);
    const size_t cut_at = (bytes.size() / 2) / 188 * 188;
    const std::string cut = write_file("damage_cut150.ts", bytes.substr(0, cut_at) + bytes.substr(cut_at + 109 * 188));
    const std::string mp4 = indexed_clip({"damage_src150.mp4", "-c:v libx264 -preset veryfast -bf 2 -g 30", "30", 150});
    const std::string flipped = generate("damage_bits150.mp4", "-i '" + mp4 + "' -c copy -bsf:v noise=amount=3000");
    for (const std::string& path : {cut, flipped}) {
        SCOPED_TRACE(path);
        auto dec = media::VideoDecoder::open(path);
        ASSERT_TRUE(dec) << dec.error().message;
        const media::ClipInfo& info = (*dec)->info();
        const int64_t n = info.frame_count();
        EXPECT_GT(n, 100);
        EXPECT_LE(n, 150);
        // The frame number drawn in a frame is its time x 30, when the damage did not reach it.
        auto drawn_as_timed = [&](const media::VideoFrame& f) { return index_in_pixels(f) == std::llround(f.pts * 30.0); };
        int64_t last = -1, played = 0, intact = 0;
        while (true) {
            auto f = (*dec)->next();
            ASSERT_TRUE(f) << f.error().message;
            if (!*f) break;
            EXPECT_GT((*f)->index, last);
            EXPECT_DOUBLE_EQ((*f)->pts, info.frame_pts_seconds((*f)->index));
            last = (*f)->index;
            ++played;
            intact += drawn_as_timed(**f);
        }
        EXPECT_GE(played, n - 35) << "a GOP at most lost to the damage";
        EXPECT_GE(intact, played * 7 / 10);
        int64_t sought_intact = 0, targets = 0;
        for (int64_t k = n - 1; k >= 0; k -= 7) {
            ASSERT_TRUE((*dec)->seek(k)) << k;
            auto f = (*dec)->next();
            ASSERT_TRUE(f && *f) << k;
            EXPECT_EQ((*f)->index, k);
            ++targets;
            sought_intact += drawn_as_timed(**f);
        }
        EXPECT_GE(sought_intact, targets * 7 / 10);
        // The scan reads it through and says where it is damaged (frames concealed, or a gap in
        // the timestamps where packets were lost).
        auto scan = analysis::scan_clip(path);
        ASSERT_TRUE(scan) << scan.error().message;
        EXPECT_EQ(scan->frames, n);
        int damage_flags = 0;
        for (const analysis::Flag& fl : scan->flags)
            damage_flags += fl.kind == analysis::FlagKind::corrupt || fl.kind == analysis::FlagKind::timestamps;
        EXPECT_GE(damage_flags, 1);
    }
    // The same streams undamaged: no such flag.
    for (const std::string& path : {ts, mp4}) {
        auto scan = analysis::scan_clip(path);
        ASSERT_TRUE(scan) << scan.error().message;
        for (const analysis::Flag& fl : scan->flags)
            EXPECT_FALSE(fl.kind == analysis::FlagKind::corrupt || fl.kind == analysis::FlagKind::timestamps)
                << path << ": " << analysis::to_string(fl.kind) << " at " << fl.first_frame;
    }
}
