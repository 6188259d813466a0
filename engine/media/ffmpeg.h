#pragma once
// RAII owners for FFmpeg objects and the one place where reelsync opens a media file.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}
#include <memory>
#include <string>

#include "core/error.h"

namespace reelsync::media {

struct FormatCloser { void operator()(AVFormatContext* f) const { avformat_close_input(&f); } };
struct CodecFreer { void operator()(AVCodecContext* c) const { avcodec_free_context(&c); } };
struct FrameFreer { void operator()(AVFrame* f) const { av_frame_free(&f); } };
struct PacketFreer { void operator()(AVPacket* p) const { av_packet_free(&p); } };
struct SwsFreer { void operator()(SwsContext* s) const { sws_freeContext(s); } };

using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFreer>;

std::string av_error_string(int err);

// Opens a plain local file for demuxing. Only the "file" protocol and a whitelist of container
// formats are allowed, so a crafted file (an HLS or concat playlist renamed to .mp4, say) can never
// make FFmpeg open other files or the network. Fails with a one-line message naming the file.
Result<FormatPtr> open_local_media(const std::string& path);

// Opens a decoder for stream `index` of `fmt`. threads = 0 lets FFmpeg pick.
Result<CodecPtr> open_decoder(const std::string& path, AVFormatContext* fmt, int index, int threads);

// Silences FFmpeg's own console output unless reelsync's log level is debug.
void quiet_ffmpeg_logs();

}  // namespace reelsync::media
