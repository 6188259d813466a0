#include "support/stats_file.h"

#include <gtest/gtest.h>

#include <fstream>

namespace reelsync::testing {

StatsFile read_stats(const std::string& path) {
    StatsFile s;
    std::ifstream f(path);
    EXPECT_TRUE(f) << "cannot read the stats file " << path;
    std::string line;
    while (std::getline(f, line)) {
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded()) {
            ADD_FAILURE() << path << ": not a JSON line: " << line;
            continue;
        }
        if (j.contains("frame")) s.presents.push_back(std::move(j));
        else s.summary = std::move(j);
    }
    return s;
}

int64_t frame_on_screen_at(const std::vector<nlohmann::json>& presents, double t) {
    int64_t frame = -1;
    for (const auto& p : presents) {
        if (p["t_audio"].get<double>() > t) break;
        frame = p["frame"].get<int64_t>();
    }
    return frame;
}

}  // namespace reelsync::testing
