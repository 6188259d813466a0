#pragma once
// What reelsync knows about a clip after opening it: the probe, plus the presentation-order
// frame index built by one demux pass (no decoding), which makes "frame N" exact also for
// variable frame rate files and for codecs with B-frames.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"
#include "core/rational.h"

namespace reelsync::media {

struct VideoStreamInfo {
    int index = -1;
    std::string codec;
    std::string profile;
    int width = 0;
    int height = 0;
    Rational sample_aspect{1, 1};
    Rational frame_rate;           // nominal rate (r_frame_rate / avg_frame_rate)
    Rational time_base;
    int64_t frame_count = 0;       // frames in presentation order, from the index
    std::string pixel_format;
    int bit_depth = 8;
    int chroma_shift_w = 0;        // log2 horizontal chroma subsampling
    int chroma_shift_h = 0;
    std::string color_matrix;      // bt709, bt470bg/smpte170m (BT.601), bt2020nc, unknown
    std::string color_range;       // tv (limited) / pc (full) / unknown
    std::string color_primaries;
    std::string color_transfer;
    std::string chroma_location;
    double start_seconds = 0;      // stream start offset in the container
};

struct AudioStreamInfo {
    int index = -1;
    std::string codec;
    int sample_rate = 0;
    int channels = 0;
    std::string sample_format;
    double start_seconds = 0;
    int64_t initial_padding = 0;   // encoder priming in samples, where the container says
};

struct FrameIndex {
    std::vector<int64_t> pts;      // presentation timestamps of every frame, ascending (stream time base)
    std::vector<int64_t> key_pts;  // timestamps of keyframes, ascending
    int64_t last_duration = 0;     // duration of the final frame (stream time base)
    // AVI, or most video packets carry no pts (often with packed B-frames): timestamps are decode
    // slots, and a decoder that reorders labels each frame with the slot of the packet that made
    // it come out, its reorder delay late (VideoDecoder takes that delay off).
    bool dts_only = false;
    // Set (to the reason) when the file's timestamps cannot place its frames: none at all, decode
    // times going back, or a presentation time claimed twice. The frames are then numbered in
    // decode order and `pts` is the nominal rate's grid; timestamp_faults lists the frames
    // (decode order) where the written timestamps went wrong.
    std::string rebuilt;
    std::vector<int64_t> timestamp_faults;

    // Position of the frame with this pts, or of the last frame starting at or before it.
    int64_t frame_at_pts(int64_t p) const;
    // Largest keyframe pts <= p (or the first keyframe).
    int64_t keyframe_at_or_before(int64_t p) const;
    int64_t keyframe_before(int64_t key) const;   // the keyframe before `key`, or `key` itself if first
};

struct ClipInfo {
    std::string path;
    std::string container;
    double duration_seconds = 0;
    int64_t bit_rate = 0;
    double container_start_seconds = 0;
    std::optional<VideoStreamInfo> video;
    std::optional<AudioStreamInfo> audio;
    FrameIndex index;

    // Clip time 0 is the presentation time of video frame 0; these convert to and from it.
    double frame_pts_seconds(int64_t frame) const;
    double frame_duration_seconds(int64_t frame) const;
    double origin_seconds() const;  // pts of frame 0 in container seconds
    // Frame whose presentation interval [pts, pts + dur) holds clip time t (clamped to the clip).
    int64_t frame_at_time(double t) const;
    int64_t frame_count() const { return static_cast<int64_t>(index.pts.size()); }
};

// Probes the file and builds its frame index. Requires a decodable video stream unless
// allow_audio_only is set.
// Pictures this large or larger on either side are refused by probe().
constexpr int kMaxPictureSide = 16384;
Result<ClipInfo> probe(const std::string& path, bool allow_audio_only = false);

nlohmann::json to_json(const ClipInfo& info);

}  // namespace reelsync::media
