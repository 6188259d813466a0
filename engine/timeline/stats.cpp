#include "timeline/stats.h"

#include <cerrno>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

namespace reelsync::timeline {

PlaybackStats::~PlaybackStats() {
    if (file_) std::fclose(file_);
}

Result<void> PlaybackStats::open(const std::string& path) {
    path_ = path;
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) return fail(path + ": cannot write stats: " + std::strerror(errno));
    return {};
}

void PlaybackStats::record(const Present& p) {
    ++presented_;
    if (p.playing) {
        // A/V error: how far the listener's time is from the shown frame's start.
        double ms = (p.t_audio - p.pts) * 1000.0;
        last_avsync_ms_ = ms;
        avsync_sum_ms_ += std::fabs(ms);
        avsync_max_ms_ = std::max(avsync_max_ms_, std::fabs(ms));
        ++synced_;
    }
    if (file_ && !write_failed_) {
        nlohmann::json j = {{"t_audio", p.t_audio}, {"frame", p.frame}, {"pts", p.pts}, {"dur", p.dur}};
        if (p.shot >= 0) {
            j["shot"] = p.shot;
            j["source_frame"] = p.source_frame;
        }
        if (p.view_count > 0) j["views"] = std::vector<int64_t>(p.views.begin(), p.views.begin() + p.view_count);
        if (p.view_count > 0 && !layout_.empty()) {
            j["layout"] = layout_;
            if (shown_ >= 0) j["shown"] = shown_;
        }
        std::string line = j.dump() + "\n";
        if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) write_failed_ = true;
    }
}

nlohmann::json PlaybackStats::summary() const {
    return {{"presented", presented_},
            {"dropped", dropped_},
            {"repeated", repeated_},
            {"avsync_ms_mean", avsync_ms_mean()},
            {"avsync_ms_max", avsync_ms_max()}};
}

Result<void> PlaybackStats::finish() {
    if (!file_) return {};
    std::string line = summary().dump() + "\n";
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) write_failed_ = true;
    if (std::fflush(file_) != 0) write_failed_ = true;
    int err = errno;
    if (std::fclose(file_) != 0) write_failed_ = true;
    file_ = nullptr;
    if (write_failed_) return fail(path_ + ": cannot write stats: " + std::strerror(err ? err : EIO));
    return {};
}

}  // namespace reelsync::timeline
