#pragma once
// The one graphics pipeline shape reelsync draws with: no vertex buffers (vertices come from
// gl_VertexIndex), no blending, dynamic viewport and scissor, one colour attachment.
#include <cstddef>
#include <cstdint>

#include "gpu/context.h"

namespace reelsync::render {

struct ShaderCode {
    const uint32_t* code;
    size_t bytes;
};

Result<VkPipeline> create_pipeline(VkDevice device, VkRenderPass pass, VkPipelineLayout layout, ShaderCode vertex,
                                   ShaderCode fragment, VkPrimitiveTopology topology, const char* what);

}  // namespace reelsync::render
