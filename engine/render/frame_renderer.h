#pragma once
// Headless drawing of frames into an offscreen image, with optional readback. Used by `render`,
// by headless playback, by the benchmark and by the GPU tests: the same VideoRenderer as the window.
#include <memory>
#include <vector>

#include "gpu/target.h"
#include "render/video_renderer.h"

namespace reelsync::render {

class OffscreenRenderer {
public:
    static Result<std::unique_ptr<OffscreenRenderer>> create(gpu::Context& ctx, uint32_t width, uint32_t height);

    // Draws the frame and returns its RGBA8 pixels (blocks until the GPU is done).
    Result<std::vector<uint8_t>> render(const std::shared_ptr<AVFrame>& frame, Rational sample_aspect);
    // Draws takes' frames (one per view, 2 to 4) laid out for a compare; returns RGBA8 pixels.
    Result<std::vector<uint8_t>> render_compare(const std::vector<std::shared_ptr<AVFrame>>& frames, const CompareLayout& layout,
                                                const std::array<Rational, kMaxViews>& sample_aspect);
    // Draws the frame without readback; returns once submitted. finish() waits for it.
    Result<void> draw(const std::shared_ptr<AVFrame>& frame, Rational sample_aspect);
    // Only the upload (staging copy + texture copy), no draw: for the benchmark's (b) stage.
    Result<void> upload_only(const std::shared_ptr<AVFrame>& frame);
    Result<void> finish();

    VkExtent2D extent() const { return target_->extent(); }
    VideoRenderer& video() { return *video_; }

private:
    OffscreenRenderer() = default;
    std::unique_ptr<gpu::OffscreenTarget> target_;
    std::unique_ptr<VideoRenderer> video_;
    VideoRenderer::Slot* last_ = nullptr;
};

}  // namespace reelsync::render
