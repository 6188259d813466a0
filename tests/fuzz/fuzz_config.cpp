// The detectors' config file and a stored scan, from arbitrary JSON text.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/artifacts.h"
#include "analysis/beat_grid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
    if (j.is_discarded()) return 0;
    (void)reelsync::analysis::detector_config_from_json(j);
    (void)reelsync::analysis::clip_scan_from_json(j);
    (void)reelsync::analysis::grid_correction_from_json(j);
    return 0;
}
