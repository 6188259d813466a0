#include "render/thumbnail_atlas.h"

#include <algorithm>
#include <cstring>

#include "render/pipeline.h"
#include "shaders/thumb_frag.h"
#include "shaders/thumb_vert.h"

namespace reelsync::render {

namespace {
constexpr uint32_t kPageSize = 2048;
constexpr uint32_t kMaxPages = 32;

}  // namespace

Result<std::unique_ptr<ThumbnailAtlas>> ThumbnailAtlas::create(gpu::Context& ctx, VkRenderPass pass, uint32_t cell_w, uint32_t cell_h) {
    std::unique_ptr<ThumbnailAtlas> a(new ThumbnailAtlas());
    a->ctx_ = &ctx;
    a->cell_w_ = cell_w;
    a->cell_h_ = cell_h;
    a->per_row_ = kPageSize / cell_w;
    a->per_page_ = a->per_row_ * (kPageSize / cell_h);
    VkDevice d = ctx.device();

    // One atlas page; the rectangle and its texture coordinates as push constants.
    const Layouts layouts = create_sampler_layouts(d, 1, VK_SHADER_STAGE_VERTEX_BIT, sizeof(float) * 8);
    a->set_layout_ = layouts.set;
    a->layout_ = layouts.pipeline;

    auto pipeline = create_pipeline(d, pass, a->layout_, {thumb_vert_spv, sizeof thumb_vert_spv},
                                    {thumb_frag_spv, sizeof thumb_frag_spv}, VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP, "thumbnail");
    if (!pipeline) return std::unexpected(pipeline.error());
    a->pipeline_ = *pipeline;

    a->sampler_ = create_clamped_sampler(d, VK_FILTER_LINEAR);
    VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, kMaxPages};
    VkDescriptorPoolCreateInfo dp{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    dp.maxSets = kMaxPages;
    dp.poolSizeCount = 1;
    dp.pPoolSizes = &ps;
    vkCreateDescriptorPool(d, &dp, nullptr, &a->pool_);
    return a;
}

ThumbnailAtlas::~ThumbnailAtlas() {
    if (!ctx_) return;
    VkDevice d = ctx_->device();
    pages_.clear();
    vkDestroyDescriptorPool(d, pool_, nullptr);
    vkDestroySampler(d, sampler_, nullptr);
    vkDestroyPipeline(d, pipeline_, nullptr);
    vkDestroyPipelineLayout(d, layout_, nullptr);
    vkDestroyDescriptorSetLayout(d, set_layout_, nullptr);
}

Result<void> ThumbnailAtlas::add_page() {
    if (pages_.size() >= kMaxPages) return fail("gpu: thumbnail atlas is full");
    auto t = gpu::Texture::create(*ctx_, kPageSize, kPageSize, VK_FORMAT_R8G8B8A8_UNORM,
                                  VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
    if (!t) return std::unexpected(t.error());
    Page p;
    p.texture = std::move(*t);
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = pool_;
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &set_layout_;
    if (vkAllocateDescriptorSets(ctx_->device(), &ai, &p.set) != VK_SUCCESS) return fail("gpu: no descriptor set for a thumbnail page");
    VkDescriptorImageInfo ii{sampler_, p.texture.view(), VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
    VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    w.dstSet = p.set;
    w.descriptorCount = 1;
    w.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
    w.pImageInfo = &ii;
    vkUpdateDescriptorSets(ctx_->device(), 1, &w, 0, nullptr);
    pages_.push_back(std::move(p));
    return {};
}

void ThumbnailAtlas::put(int64_t key, std::vector<uint8_t> rgba) {
    if (rgba.size() != static_cast<size_t>(cell_w_) * cell_h_ * 4) return;
    pending_[key] = std::move(rgba);
}

Result<void> ThumbnailAtlas::upload_pending() {
    if (pending_.empty()) return {};
    const size_t cell_bytes = static_cast<size_t>(cell_w_) * cell_h_ * 4;
    auto staging = gpu::create_host_buffer(*ctx_, cell_bytes * pending_.size(), VK_BUFFER_USAGE_TRANSFER_SRC_BIT);
    if (!staging) return std::unexpected(staging.error());
    std::vector<std::pair<Slot, size_t>> copies;  // slot, offset in staging
    const size_t first_new_page = pages_.size();
    size_t off = 0;
    for (auto& [key, px] : pending_) {
        auto it = slots_.find(key);
        if (it == slots_.end()) {
            const uint32_t cell = next_cell_++;
            Slot s{cell / per_page_, (cell % per_page_ % per_row_) * cell_w_, (cell % per_page_ / per_row_) * cell_h_};
            while (pages_.size() <= s.page)
                if (auto r = add_page(); !r) return r;
            it = slots_.emplace(key, s).first;
        }
        std::memcpy(static_cast<uint8_t*>(staging->mapped) + off, px.data(), cell_bytes);
        copies.emplace_back(it->second, off);
        off += cell_bytes;
    }
    pending_.clear();
    return ctx_->immediate_submit([&](VkCommandBuffer cmd) {
        for (size_t p = 0; p < pages_.size(); ++p) {
            // New pages start undefined (and are cleared); old ones go back to transfer destination.
            gpu::Texture& t = pages_[p].texture;
            const bool fresh = p >= first_new_page;
            gpu::transition(cmd, t.image(), fresh ? VK_IMAGE_LAYOUT_UNDEFINED : VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL,
                            VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0,
                            VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
            if (fresh) {
                VkClearColorValue black{{0.0f, 0.0f, 0.0f, 1.0f}};
                VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
                vkCmdClearColorImage(cmd, t.image(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &black, 1, &range);
            }
        }
        for (const auto& [s, o] : copies) {
            VkBufferImageCopy region{};
            region.bufferOffset = o;
            region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
            region.imageOffset = {static_cast<int32_t>(s.x), static_cast<int32_t>(s.y), 0};
            region.imageExtent = {cell_w_, cell_h_, 1};
            vkCmdCopyBufferToImage(cmd, staging->buffer, pages_[s.page].texture.image(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
        }
        for (auto& p : pages_)
            gpu::transition(cmd, p.texture.image(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL,
                            VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                            VK_ACCESS_SHADER_READ_BIT);
    });
}

void ThumbnailAtlas::draw(VkCommandBuffer cmd, int64_t key, float x0, float y0, float x1, float y1, VkExtent2D target,
                          VkRect2D scissor) const {
    auto it = slots_.find(key);
    if (it == slots_.end() || target.width == 0 || target.height == 0) return;
    const Slot& s = it->second;
    const float w = static_cast<float>(target.width), h = static_cast<float>(target.height);
    // Half a texel in from the cell's edges, so linear filtering never reads a neighbour.
    const float ps = static_cast<float>(kPageSize);
    float pc[8] = {x0 / w * 2 - 1, y0 / h * 2 - 1, x1 / w * 2 - 1, y1 / h * 2 - 1,
                   (static_cast<float>(s.x) + 0.5f) / ps, (static_cast<float>(s.y) + 0.5f) / ps,
                   (static_cast<float>(s.x + cell_w_) - 0.5f) / ps, (static_cast<float>(s.y + cell_h_) - 0.5f) / ps};
    VkViewport vp{0, 0, w, h, 0.0f, 1.0f};
    vkCmdSetViewport(cmd, 0, 1, &vp);
    vkCmdSetScissor(cmd, 0, 1, &scissor);
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, layout_, 0, 1, &pages_[s.page].set, 0, nullptr);
    vkCmdPushConstants(cmd, layout_, VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof pc, pc);
    vkCmdDraw(cmd, 4, 1, 0, 0);
}

}  // namespace reelsync::render
