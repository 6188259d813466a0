#pragma once
// Audio decoded once, whole, to interleaved float at the output device's rate and channel count.
// A music track of a few minutes is tens of megabytes; holding it lets the audio callback read
// without locks, allocation or I/O. Immutable once built, so any thread may read it.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace reelsync::media {

struct AudioTrack {
    std::string path;
    int sample_rate = 48000;
    int channels = 2;
    std::vector<float> samples;  // interleaved; sample frame i plays at clip time i / sample_rate

    int64_t frames() const { return static_cast<int64_t>(samples.size()) / channels; }
    double duration() const { return static_cast<double>(frames()) / sample_rate; }
};

// Decodes the best audio stream of `path`, resampled to rate/channels. Each decoded block is
// placed at its own presentation time minus `origin_seconds` (container start offsets and encoder
// priming are honoured; audio before the origin is cut, a late start is padded with silence).
Result<AudioTrack> decode_audio(const std::string& path, int sample_rate, int channels, double origin_seconds);

}  // namespace reelsync::media
