#pragma once
// Synchronous, exact video decoding of one clip. Not thread-safe: one owner at a time (the decode
// thread of a ClipReader, or a command-line tool that renders single frames).
#include <cstdint>
#include <memory>
#include <vector>
#include <optional>

#include "core/error.h"
#include "media/clip_info.h"
#include "media/ffmpeg.h"

namespace reelsync::media {

// A decoded picture in a planar layout the renderer uploads directly (see renderable_format()),
// with its place in the clip.
struct VideoFrame {
    int64_t index = 0;        // 0-based, presentation order
    double pts = 0;           // clip seconds (frame 0 is at 0)
    double duration = 0;      // seconds
    uint64_t serial = 0;      // seek generation this frame was decoded for
    // In an edit: the shot it belongs to and its frame number in that shot's clip (-1: not an edit).
    int32_t shot = -1;
    int64_t source_index = -1;
    std::shared_ptr<AVFrame> picture;
    // In a compare of takes: each take's frame at this instant (index -1, no picture: none then).
    std::shared_ptr<const std::vector<VideoFrame>> views;
};

// True when the renderer can upload this format's planes as they are: three planes, 8 bits in a
// byte or 9-16 bits in a little-endian 16-bit word, any chroma subsampling (YUV) or GBR planar.
bool renderable_format(AVPixelFormat fmt);
// The renderable format a non-renderable one is converted to (keeps subsampling and depth class).
AVPixelFormat renderable_target(AVPixelFormat fmt);

class VideoDecoder {
public:
    struct Options {
        int threads = 0;  // 0: FFmpeg picks from the core count
    };
    static Result<std::unique_ptr<VideoDecoder>> open(const std::string& path, Options opts);
    static Result<std::unique_ptr<VideoDecoder>> open(const std::string& path) { return open(path, Options{}); }

    const ClipInfo& info() const { return info_; }

    // Positions the decoder so that next() returns exactly `frame` (clamped to the clip). Flushes,
    // seeks to the keyframe before, and decodes forward, dropping non-reference frames it can skip.
    Result<void> seek(int64_t frame);

    // The next frame in presentation order; std::nullopt at the end of the clip. Corrupt packets
    // are skipped (counted in corrupt_packets()) rather than ending playback.
    Result<std::optional<VideoFrame>> next();

    int64_t corrupt_packets() const { return corrupt_packets_; }

private:
    VideoDecoder() = default;
    Result<bool> decode_one(FramePtr& out);  // false at end of stream
    VideoFrame wrap(FramePtr f);
    Result<FramePtr> convert(FramePtr f);

    ClipInfo info_;
    FormatPtr fmt_;
    CodecPtr codec_;
    PacketPtr pkt_;
    SwsPtr sws_;
    bool input_eof_ = false;
    bool flushed_ = false;
    int64_t skip_before_pts_ = INT64_MIN;  // while seeking: non-reference frames before this are skipped
    std::optional<VideoFrame> pending_;    // the seek target, decoded already
    int64_t corrupt_packets_ = 0;
    // Decode slots with reordering (an AVI with B-frames, packed or not): no timestamp says which
    // frame came out, so frames are counted from the start of the file, as FFmpeg numbers them.
    // A seek forward decodes on; a seek back starts the file again.
    bool count_frames_ = false;
    int64_t next_count_ = 0;   // the number the next frame out will have
    int threads_ = 0;          // as opened with
    Result<void> restart();    // demuxer and decoder afresh, at the start of the file
    Result<void> seek_counted(int64_t frame);
};

}  // namespace reelsync::media
