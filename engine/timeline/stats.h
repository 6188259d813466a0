#pragma once
// Per-present statistics of a playback: what was shown when, drops, repeats and A/V error.
// Optionally streamed to a JSON-lines file, one object per present and a summary line at the end.
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"

namespace reelsync::timeline {

struct Present {
    double t_audio = 0;  // clip seconds the listener hears at the instant the image reaches the screen
    int64_t frame = 0;   // 0-based frame index shown
    double pts = 0;      // that frame's presentation time (clip seconds)
    double dur = 0;      // its duration
    bool playing = true; // false for presents while paused (redraws, steps): no A/V error counted
    int32_t shot = -1;         // playing an edit: the shot shown, and its frame in its own clip
    int64_t source_frame = -1;
    // Comparing takes: each take's frame shown (-1: none at that instant).
    std::array<int64_t, 4> views{-1, -1, -1, -1};
    int view_count = 0;
};

class PlaybackStats {
public:
    PlaybackStats() = default;
    ~PlaybackStats();
    PlaybackStats(const PlaybackStats&) = delete;
    PlaybackStats& operator=(const PlaybackStats&) = delete;

    // Streams every present to `path` (created or truncated). Errors name the file.
    Result<void> open(const std::string& path);
    void record(const Present& p);
    // Comparing takes: the view the presents after this show ("side", "grid", "wipe", "diff", or
    // "flip" with the take on screen), written with each present.
    void set_layout(std::string mode, int shown = -1) {
        layout_ = std::move(mode);
        shown_ = shown;
    }
    void add_dropped(int64_t n = 1) { dropped_ += n; }
    void add_repeated(int64_t n = 1) { repeated_ += n; }
    // Writes the summary line and closes the file; reports a write failure (a full disk, say).
    Result<void> finish();

    int64_t presented() const { return presented_; }
    int64_t dropped() const { return dropped_; }
    int64_t repeated() const { return repeated_; }
    double avsync_ms_mean() const { return synced_ ? avsync_sum_ms_ / static_cast<double>(synced_) : 0.0; }
    double avsync_ms_max() const { return avsync_max_ms_; }
    double last_avsync_ms() const { return last_avsync_ms_; }
    nlohmann::json summary() const;

private:
    std::string layout_;
    int shown_ = -1;
    std::string path_;
    FILE* file_ = nullptr;
    bool write_failed_ = false;
    int64_t presented_ = 0;
    int64_t dropped_ = 0;
    int64_t repeated_ = 0;
    int64_t synced_ = 0;
    double avsync_sum_ms_ = 0;
    double avsync_max_ms_ = 0;
    double last_avsync_ms_ = 0;
};

}  // namespace reelsync::timeline
