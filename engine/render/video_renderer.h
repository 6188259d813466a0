#pragma once
// The video pass: uploads a decoded frame's planes through the staging ring into per-slot plane
// textures and draws them, converted to RGB and letterboxed, into a target's render pass. Frames
// in flight: each slot has its own command buffer, fence, textures and descriptor sets, so frame
// N+1 is recorded while N may still be drawing.
//
// Compare: a slot holds up to four pictures (views), one per take, each with its own planes and
// colour transform, drawn in one pass as a flip (one view), a wipe (view 0 on one side of a split,
// view 1 on the other, both letterboxed in the whole target), side by side, a 2x2 grid, or the
// difference of views 0 and 1 (|A - B| in R'G'B', amplified; a pipeline of its own).
//
// Thread: one owner, the render thread (the app's main thread).
#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <string>

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

inline constexpr int kMaxViews = 4;
enum class CompareMode { flip, wipe, side, grid, diff };
const char* to_string(CompareMode m);
bool parse_compare_mode(const std::string& s, CompareMode& out);
struct CompareLayout {
    CompareMode mode = CompareMode::side;
    int views = 2;             // views 0 to views-1 are drawn (2 to 4)
    int shown = 0;             // flip: the view on screen
    float split = 0.5f;        // wipe: view 0 before this share of the width (of the height), view 1 after
    bool horizontal = false;   // wipe: the split is a horizontal line (view 0 above)
    float diff_gain = 4.0f;    // diff: |view 0 - view 1| times this
};
// Each view's cell in `target` (its picture is letterboxed inside; an empty cell is not drawn):
// side by side in equal columns, a 2x2 grid in reading order, the whole target for flip (the
// view shown), wipe and diff (views 0 and 1).
std::array<Rect, kMaxViews> compare_cells(const CompareLayout& l, VkExtent2D target);
// The view whose picture is at (x, y) of `target` (pixels): the cell holding it (side, grid), the
// take shown (flip), the side of the split it is on (wipe); -1 outside every view and in a
// difference (both takes are there).
int compare_view_at(const CompareLayout& l, VkExtent2D target, double x, double y);

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
    // Records the upload of `frame` as picture `view` (skipped when the slot already holds that
    // very picture there). Compare: say how many views frames will have first (reserve_views).
    Result<void> upload(Slot& slot, const std::shared_ptr<AVFrame>& frame, int view = 0);
    // Room in the staging ring for `views` pictures per frame; call before a frame's first upload.
    void reserve_views(int views) { views_hint_ = std::clamp(views, 1, kMaxViews); }
    // The slot draws no picture (black, then the overlay) until the next upload.
    void clear_picture(Slot& slot);
    // View `view` draws nothing (a take with no frame at this instant) until its next upload.
    void clear_view(Slot& slot, int view);
    // Records the render pass: black, the picture letterboxed (if one was uploaded), then `overlay`.
    void draw(Slot& slot, VkRenderPass pass, VkFramebuffer fb, VkExtent2D extent, Rational sample_aspect,
              const std::function<void(VkCommandBuffer)>& overlay = {});
    // The same with the slot's views laid out for a compare (`sample_aspect` per view).
    void draw_compare(Slot& slot, VkRenderPass pass, VkFramebuffer fb, VkExtent2D extent, const CompareLayout& layout,
                      const std::array<Rational, kMaxViews>& sample_aspect, const std::function<void(VkCommandBuffer)>& overlay = {});
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
    struct View;
    // Records the render pass around `body` (black first, `overlay` last).
    void pass(Slot& slot, VkRenderPass pass, VkFramebuffer fb, VkExtent2D extent, const std::function<void()>& body,
              const std::function<void(VkCommandBuffer)>& overlay);
    // Draws `view` letterboxed in `cell`, cut to `scissor`.
    void draw_view(Slot& slot, const View& view, Rect cell, Rect scissor, Rational sample_aspect);
    void draw_diff(Slot& slot, Rect cell, Rational sample_aspect, float gain);

    gpu::Context* ctx_ = nullptr;
    Options opts_;
    VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
    VkPipelineLayout pipeline_layout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_ = VK_NULL_HANDLE;
    VkDescriptorSetLayout diff_set_layout_ = VK_NULL_HANDLE;  // the difference view: two takes' planes
    VkPipelineLayout diff_pipeline_layout_ = VK_NULL_HANDLE;
    VkPipeline diff_pipeline_ = VK_NULL_HANDLE;
    int views_hint_ = 1;
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
