#pragma once
// A playback statistics file (`--stats`, JSON lines) as the tests read it: one object per present,
// then a summary line.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reelsync::testing {

struct StatsFile {
    std::vector<nlohmann::json> presents;  // every line with a "frame", in order
    nlohmann::json summary;                // the last line without one (null when missing)
};

// Reads the file; a line that is not JSON fails the calling test and is skipped.
StatsFile read_stats(const std::string& path);

// The frame on screen at clock time t: the last present at or before t (-1: none yet).
int64_t frame_on_screen_at(const std::vector<nlohmann::json>& presents, double t);

}  // namespace reelsync::testing
