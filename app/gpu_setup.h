#pragma once
#include <memory>
#include <string>

#include "gpu/context.h"
#include "media/clip_info.h"

namespace reelsync::app {

bool validation_requested();  // REELSYNC_VK_VALIDATION=1 turns on the Khronos validation layer
VkExtent2D display_size(const media::ClipInfo& info);  // picture size with square pixels

inline Result<std::unique_ptr<gpu::Context>> create_headless_context(const std::string& device) {
    gpu::ContextOptions o;
    o.device_name = device;
    o.validation = validation_requested();
    return gpu::Context::create(o);
}

}  // namespace reelsync::app
