#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace reelsync::render {

// Writes RGBA8 pixels as an RGB PNG. The error names the file (a full disk, a missing folder).
Result<void> write_png(const std::string& path, const std::vector<uint8_t>& rgba, uint32_t width, uint32_t height);

}  // namespace reelsync::render
