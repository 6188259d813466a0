#pragma once
// Where frames are drawn: an offscreen image (headless playback, `render`, tests) or a GLFW
// window's swapchain. Both use the same colour format and a render pass of the same shape, so the
// same pipeline draws identical pixels into either.
#include <optional>
#include <vector>

#include "gpu/context.h"
#include "gpu/texture.h"

struct GLFWwindow;

namespace reelsync::gpu {

// A single-subpass colour render pass that clears to black and leaves the image in final_layout.
Result<VkRenderPass> create_render_pass(VkDevice device, VkFormat format, VkImageLayout final_layout);

class OffscreenTarget {
public:
    static Result<std::unique_ptr<OffscreenTarget>> create(Context& ctx, uint32_t width, uint32_t height,
                                                           VkFormat format = VK_FORMAT_B8G8R8A8_UNORM);
    ~OffscreenTarget();
    VkRenderPass render_pass() const { return render_pass_; }
    VkFramebuffer framebuffer() const { return framebuffer_; }
    VkExtent2D extent() const { return {image_.width(), image_.height()}; }
    VkFormat format() const { return image_.format(); }
    // Records a copy of the rendered image into the readback buffer (after the render pass).
    void record_readback(VkCommandBuffer cmd);
    // RGBA8 pixels of the last readback; call once the frame's fence has signalled.
    std::vector<uint8_t> read_rgba() const;

private:
    OffscreenTarget() = default;
    Context* ctx_ = nullptr;
    Texture image_;
    VkRenderPass render_pass_ = VK_NULL_HANDLE;
    VkFramebuffer framebuffer_ = VK_NULL_HANDLE;
    Buffer readback_;
};

class Swapchain {
public:
    // The context must have been created with this window's surface and swapchain support.
    static Result<std::unique_ptr<Swapchain>> create(Context& ctx, GLFWwindow* window);
    ~Swapchain();
    // Rebuilds for the window's current size. Returns false while the window is minimised (0x0).
    Result<bool> rebuild();

    VkRenderPass render_pass() const { return render_pass_; }
    VkFormat format() const { return format_; }
    VkExtent2D extent() const { return extent_; }
    uint32_t image_count() const { return static_cast<uint32_t>(images_.size()); }
    uint32_t min_image_count() const { return min_images_; }
    VkFramebuffer framebuffer(uint32_t i) const { return framebuffers_[i]; }
    VkSemaphore render_done(uint32_t i) const { return render_done_[i]; }
    VkImage image(uint32_t i) const { return images_[i]; }
    bool can_read_back() const { return readable_; }

    // Acquires the next image; returns std::nullopt when the swapchain must be rebuilt first.
    Result<std::optional<uint32_t>> acquire(VkSemaphore signal);
    // Presents image i after `wait`; returns false when the swapchain must be rebuilt.
    Result<bool> present(uint32_t i, VkSemaphore wait);

private:
    Swapchain() = default;
    void destroy_images();
    Context* ctx_ = nullptr;
    GLFWwindow* window_ = nullptr;
    VkSwapchainKHR swapchain_ = VK_NULL_HANDLE;
    VkRenderPass render_pass_ = VK_NULL_HANDLE;
    VkFormat format_ = VK_FORMAT_UNDEFINED;
    VkColorSpaceKHR color_space_ = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
    VkExtent2D extent_{};
    uint32_t min_images_ = 2;
    bool readable_ = false;  // images allow TRANSFER_SRC (window screenshots, target comparison tests)
    std::vector<VkImage> images_;
    std::vector<VkImageView> views_;
    std::vector<VkFramebuffer> framebuffers_;
    std::vector<VkSemaphore> render_done_;  // one per image: safe reuse once that image is re-acquired
};

}  // namespace reelsync::gpu
