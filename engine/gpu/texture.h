#pragma once
// A sampled 2D image in device memory (one video plane, or a render target).
#include "gpu/context.h"

namespace reelsync::gpu {

class Texture {
public:
    Texture() = default;
    Texture(const Texture&) = delete;
    Texture& operator=(const Texture&) = delete;
    Texture(Texture&& o) noexcept { *this = std::move(o); }
    Texture& operator=(Texture&& o) noexcept;
    ~Texture() { reset(); }

    static Result<Texture> create(const Context& ctx, uint32_t width, uint32_t height, VkFormat format, VkImageUsageFlags usage);
    // Reuses this texture when it already matches (the libplacebo "recreate" idea).
    Result<void> recreate(const Context& ctx, uint32_t width, uint32_t height, VkFormat format, VkImageUsageFlags usage);
    void reset();

    VkImage image() const { return image_; }
    VkImageView view() const { return view_; }
    VkFormat format() const { return format_; }
    uint32_t width() const { return width_; }
    uint32_t height() const { return height_; }
    explicit operator bool() const { return image_ != VK_NULL_HANDLE; }
    // Layout after the last command recorded against it (tracked by the one render thread).
    VkImageLayout layout = VK_IMAGE_LAYOUT_UNDEFINED;

private:
    VkDevice device_ = VK_NULL_HANDLE;
    VkImage image_ = VK_NULL_HANDLE;
    VkDeviceMemory memory_ = VK_NULL_HANDLE;
    VkImageView view_ = VK_NULL_HANDLE;
    VkFormat format_ = VK_FORMAT_UNDEFINED;
    VkImageUsageFlags usage_ = 0;
    uint32_t width_ = 0;
    uint32_t height_ = 0;
};

// Records an image layout transition with a full barrier between the given stages/accesses.
void transition(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to, VkPipelineStageFlags src_stage,
                VkAccessFlags src_access, VkPipelineStageFlags dst_stage, VkAccessFlags dst_access);

}  // namespace reelsync::gpu
