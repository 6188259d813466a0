#pragma once
// The default audio output with a quiet 30 s track set and the stream started (null when there is
// no device): shared by the clock tests.
#include <memory>

#include "audio/audio_output.h"

namespace reelsync::testing {

inline std::unique_ptr<audio::AudioOutput> open_device_or_skip() {
    auto out = audio::AudioOutput::open({});
    if (!out) return nullptr;
    auto track = std::make_shared<media::AudioTrack>();
    track->sample_rate = (*out)->sample_rate();
    track->channels = (*out)->channels();
    track->samples.assign(static_cast<size_t>(track->sample_rate) * track->channels * 30, 0.1f);
    (*out)->set_track(track);
    if (!(*out)->start()) return nullptr;
    return std::move(*out);
}

}  // namespace reelsync::testing
