#pragma once
// Thumbnails on the GPU: fixed-size RGBA cells packed into 2048x2048 atlas pages, drawn as
// textured rectangles inside any render pass compatible with the one given at creation (the
// browser draws them from Dear ImGui draw callbacks, so they sit in ImGui's z-order).
//
// Thread: the render thread owns it. put() queues pixels; upload_pending() copies them to the GPU
// in one submission (call it before recording a frame, outside any render pass).
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "gpu/context.h"
#include "gpu/texture.h"

namespace reelsync::render {

class ThumbnailAtlas {
public:
    static Result<std::unique_ptr<ThumbnailAtlas>> create(gpu::Context& ctx, VkRenderPass pass, uint32_t cell_w, uint32_t cell_h);
    ~ThumbnailAtlas();
    ThumbnailAtlas(const ThumbnailAtlas&) = delete;
    ThumbnailAtlas& operator=(const ThumbnailAtlas&) = delete;

    // Queues a cell_w x cell_h RGBA picture for `key` (replacing any earlier one).
    void put(int64_t key, std::vector<uint8_t> rgba);
    bool has(int64_t key) const { return slots_.count(key) != 0; }
    size_t size() const { return slots_.size(); }
    Result<void> upload_pending();

    // Records drawing `key`'s picture into the pixel rectangle [x0,x1) x [y0,y1) of a target of
    // size `target`, clipped to `scissor`. Binds its own pipeline: the caller restores its state.
    void draw(VkCommandBuffer cmd, int64_t key, float x0, float y0, float x1, float y1, VkExtent2D target, VkRect2D scissor) const;

private:
    ThumbnailAtlas() = default;
    struct Page {
        gpu::Texture texture;
        VkDescriptorSet set = VK_NULL_HANDLE;
    };
    struct Slot {
        uint32_t page = 0, x = 0, y = 0;
    };
    Result<void> add_page();

    gpu::Context* ctx_ = nullptr;
    uint32_t cell_w_ = 0, cell_h_ = 0, per_row_ = 0, per_page_ = 0;
    VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
    VkPipelineLayout layout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_ = VK_NULL_HANDLE;
    VkDescriptorPool pool_ = VK_NULL_HANDLE;
    VkSampler sampler_ = VK_NULL_HANDLE;
    std::vector<Page> pages_;
    std::map<int64_t, Slot> slots_;
    std::map<int64_t, std::vector<uint8_t>> pending_;
    uint32_t next_cell_ = 0;
};

}  // namespace reelsync::render
