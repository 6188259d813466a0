#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/threads.h"
#include "render/video_renderer.h"

namespace reelsync::review {

// What a session is asked to play, and how (from the command line).
struct SessionOptions {
    std::vector<std::string> files;  // a playlist (empty for a project)
    std::string audio_track;         // a music track to play (else each clip's own audio)
    bool no_audio = false;           // run on the timer clock
    std::string audio_device;
    std::string stats_path;          // per-frame statistics (JSON lines)
    std::optional<std::pair<int64_t, int64_t>> loop;
    bool paused = false;             // clips open paused
    int decoder_threads = 0;
    int cache_mb = 256;              // frame cache per open clip (decoded frames around the playhead)
    render::CompareMode compare_mode = render::CompareMode::side;  // how a compare opens
    // The background pool's priority (the scan of the clip on screen, a song's beats): lowest, so
    // that it never takes time from playback; a run that waits for that work to finish (a
    // screenshot that shows the flags) raises it, or a busy machine could starve it.
    threads::Priority background_priority = threads::Priority::background;
};

}  // namespace reelsync::review
