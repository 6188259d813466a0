#include "gpu/texture.h"

namespace reelsync::gpu {

Texture& Texture::operator=(Texture&& o) noexcept {
    if (this != &o) {
        reset();
        device_ = o.device_;
        image_ = o.image_;
        memory_ = o.memory_;
        view_ = o.view_;
        format_ = o.format_;
        usage_ = o.usage_;
        width_ = o.width_;
        height_ = o.height_;
        layout = o.layout;
        o.device_ = VK_NULL_HANDLE;
        o.image_ = VK_NULL_HANDLE;
        o.memory_ = VK_NULL_HANDLE;
        o.view_ = VK_NULL_HANDLE;
    }
    return *this;
}

void Texture::reset() {
    if (!device_) return;
    if (view_) vkDestroyImageView(device_, view_, nullptr);
    if (image_) vkDestroyImage(device_, image_, nullptr);
    if (memory_) vkFreeMemory(device_, memory_, nullptr);
    device_ = VK_NULL_HANDLE;
    image_ = VK_NULL_HANDLE;
    memory_ = VK_NULL_HANDLE;
    view_ = VK_NULL_HANDLE;
    layout = VK_IMAGE_LAYOUT_UNDEFINED;
}

Result<Texture> Texture::create(const Context& ctx, uint32_t width, uint32_t height, VkFormat format, VkImageUsageFlags usage) {
    Texture t;
    t.device_ = ctx.device();
    t.format_ = format;
    t.usage_ = usage;
    t.width_ = width;
    t.height_ = height;
    VkImageCreateInfo ici{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
    ici.imageType = VK_IMAGE_TYPE_2D;
    ici.format = format;
    ici.extent = {width, height, 1};
    ici.mipLevels = 1;
    ici.arrayLayers = 1;
    ici.samples = VK_SAMPLE_COUNT_1_BIT;
    ici.tiling = VK_IMAGE_TILING_OPTIMAL;
    ici.usage = usage;
    ici.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    ici.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    VkResult r = vkCreateImage(ctx.device(), &ici, nullptr, &t.image_);
    if (r != VK_SUCCESS) return fail("gpu: cannot create a " + std::to_string(width) + "x" + std::to_string(height) + " image: " + vk_result_string(r));
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(ctx.device(), t.image_, &req);
    auto type = ctx.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (!type) type = ctx.memory_type(req.memoryTypeBits, 0);
    if (!type) return std::unexpected(type.error());
    VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = *type;
    r = vkAllocateMemory(ctx.device(), &mai, nullptr, &t.memory_);
    if (r != VK_SUCCESS) return fail("gpu: cannot allocate image memory: " + vk_result_string(r));
    vkBindImageMemory(ctx.device(), t.image_, t.memory_, 0);
    VkImageViewCreateInfo vci{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
    vci.image = t.image_;
    vci.viewType = VK_IMAGE_VIEW_TYPE_2D;
    vci.format = format;
    vci.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    r = vkCreateImageView(ctx.device(), &vci, nullptr, &t.view_);
    if (r != VK_SUCCESS) return fail("gpu: cannot create an image view: " + vk_result_string(r));
    return t;
}

Result<void> Texture::recreate(const Context& ctx, uint32_t width, uint32_t height, VkFormat format, VkImageUsageFlags usage) {
    if (image_ && width == width_ && height == height_ && format == format_ && usage == usage_) return {};
    auto t = create(ctx, width, height, format, usage);
    if (!t) return std::unexpected(t.error());
    *this = std::move(*t);
    return {};
}

void transition(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to, VkPipelineStageFlags src_stage,
                VkAccessFlags src_access, VkPipelineStageFlags dst_stage, VkAccessFlags dst_access) {
    VkImageMemoryBarrier b{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
    b.srcAccessMask = src_access;
    b.dstAccessMask = dst_access;
    b.oldLayout = from;
    b.newLayout = to;
    b.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    b.image = image;
    b.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 0, nullptr, 0, nullptr, 1, &b);
}

}  // namespace reelsync::gpu
