#pragma once
// The video pass: uploads a decoded frame's planes through the staging ring into per-slot plane
// textures and draws them, converted to RGB and letterboxed, into a target's render pass. Frames
// in flight: each slot has its own command buffer, fence, textures and descriptor set, so frame
// N+1 is recorded while N may still be drawing.
//
// Thread: one owner, the render thread (the app's main thread).
#include <array>
#include <functional>
#include <memory>

extern "C" {
#include <libavutil/frame.h>
}

#include "core/rational.h"
#include "gpu/context.h"
#include "gpu/staging_ring.h"
#include "gpu/texture.h"
#include "render/color.h"

namespace reelsync::render {

struct Rect {
    int32_t x = 0, y = 0;
    uint32_t w = 0, h = 0;
};
// The largest rectangle of the picture's display aspect that fits in `target`, centred.
Rect letterbox(uint32_t width, uint32_t height, Rational sample_aspect, VkExtent2D target);

class VideoRenderer {
public:
    struct Options {
        uint32_t frames_in_flight = 2;
        VkDeviceSize staging_bytes = 0;  // 0: room for frames_in_flight + 1 UHD 16-bit 4:4:4 frames, grown on demand
    };
    struct Slot;

    static Result<std::unique_ptr<VideoRenderer>> create(gpu::Context& ctx, VkRenderPass compatible_pass, Options opts);
    static Result<std::unique_ptr<VideoRenderer>> create(gpu::Context& ctx, VkRenderPass compatible_pass) {
        return create(ctx, compatible_pass, Options{});
    }
    ~VideoRenderer();

    // Waits until the next slot's previous submission is done and starts recording into it.
    Result<Slot*> begin_frame();
    // Records the upload of `frame` (skipped when the slot already holds that very picture).
    Result<void> upload(Slot& slot, const std::shared_ptr<AVFrame>& frame);
    // The slot draws no picture (black, then the overlay) until the next upload.
    void clear_picture(Slot& slot);
    // Records the render pass: black, the picture letterboxed (if one was uploaded), then `overlay`.
    void draw(Slot& slot, VkRenderPass pass, VkFramebuffer fb, VkExtent2D extent, Rational sample_aspect,
              const std::function<void(VkCommandBuffer)>& overlay = {});
    // Ends and submits. `wait` (a swapchain acquire) is waited at colour output; `signal` is signalled.
    Result<void> submit(Slot& slot, VkSemaphore wait = VK_NULL_HANDLE, VkSemaphore signal = VK_NULL_HANDLE);
    // Blocks until that slot's submission has completed.
    Result<void> wait(Slot& slot);
    void wait_idle();

    VkCommandBuffer command_buffer(Slot& slot) const;
    VkSemaphore acquire_semaphore(Slot& slot) const;

private:
    VideoRenderer() = default;
    Result<void> grow_ring(VkDeviceSize min_bytes);

    gpu::Context* ctx_ = nullptr;
    Options opts_;
    VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
    VkPipelineLayout pipeline_layout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_ = VK_NULL_HANDLE;
    VkSampler linear_ = VK_NULL_HANDLE;
    VkSampler nearest_ = VK_NULL_HANDLE;
    bool linear16_ = true;  // R16_UNORM supports linear filtering on this device
    VkDescriptorPool pool_ = VK_NULL_HANDLE;
    VkCommandPool cmd_pool_ = VK_NULL_HANDLE;
    std::vector<std::unique_ptr<Slot>> slots_;
    uint32_t next_slot_ = 0;
    uint64_t submitted_ = 0;  // tickets: one per submission
    gpu::StagingRing ring_;
};

}  // namespace reelsync::render
