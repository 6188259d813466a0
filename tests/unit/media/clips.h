#pragma once
// The indexed test clips shared by the media and GPU tests: one per codec family the playback
// core must handle frame-accurately.
#include <ostream>
#include <string>
#include <vector>

#include "media/video_decoder.h"
#include "support/media_gen.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace reelsync::testing {

struct CodecCase {
    const char* label;
    IndexedSpec spec;
};

inline void PrintTo(const CodecCase& c, std::ostream* os) { *os << c.label; }

// The frame number drawn in an indexed clip's decoded frame (any bit depth).
inline int64_t index_in_pixels(const media::VideoFrame& f) {
    const AVFrame& p = *f.picture;
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(p.format));
    const int depth = d->comp[0].depth;
    return read_index_luma(p.data[0], p.linesize[0], p.width, depth > 8 ? 2 : 1, depth);
}

inline std::vector<CodecCase> codec_cases() {
    return {
        {"h264_bframes_gop250", {"idx_h264_gop250.mp4", "-c:v libx264 -preset veryfast -bf 3 -g 250 -keyint_min 250 -sc_threshold 0", "30", 300}},
        {"hevc", {"idx_hevc.mp4", "-c:v libx265 -preset veryfast -x265-params log-level=error:keyint=60:bframes=4 -tag:v hvc1", "30", 200}},
        {"vp9", {"idx_vp9.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 1M -g 60", "30", 200}},
        {"prores", {"idx_prores.mov", "-c:v prores_ks -profile:v 3", "25", 100, 320, 240, "yuv422p10le"}},
        {"h264_10bit", {"idx_h264_10bit.mp4", "-c:v libx264 -preset veryfast -bf 3 -g 120", "30", 200, 320, 240, "yuv420p10le"}},
        {"h264_23976", {"idx_h264_23976.mp4", "-c:v libx264 -preset veryfast -bf 3 -g 96", "24000/1001", 240}},
        // MPEG-TS seeks by decode time: a seek into the first GOP once landed on the second.
        {"h264_mpegts", {"idx_h264.ts", "-c:v libx264 -preset veryfast -bf 2 -g 30", "30", 120}},
    };
}

}  // namespace reelsync::testing
