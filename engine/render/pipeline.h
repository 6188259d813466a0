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

// A descriptor set layout of `samplers` combined image samplers (bindings 0..n-1, fragment stage)
// and a pipeline layout with it and one push-constant range.
struct Layouts {
    VkDescriptorSetLayout set = VK_NULL_HANDLE;
    VkPipelineLayout pipeline = VK_NULL_HANDLE;
};
Layouts create_sampler_layouts(VkDevice device, uint32_t samplers, VkShaderStageFlags push_stages, uint32_t push_bytes);

// A sampler without mipmaps that clamps to the edge (what both the video pass and the thumbnails use).
VkSampler create_clamped_sampler(VkDevice device, VkFilter filter);

Result<VkPipeline> create_pipeline(VkDevice device, VkRenderPass pass, VkPipelineLayout layout, ShaderCode vertex,
                                   ShaderCode fragment, VkPrimitiveTopology topology, const char* what);

}  // namespace reelsync::render
