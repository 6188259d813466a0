#include "gpu/target.h"

#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstring>

namespace reelsync::gpu {

Result<VkRenderPass> create_render_pass(VkDevice device, VkFormat format, VkImageLayout final_layout) {
    VkAttachmentDescription color{};
    color.format = format;
    color.samples = VK_SAMPLE_COUNT_1_BIT;
    color.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;  // letterbox bars are black
    color.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
    color.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    color.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    color.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    color.finalLayout = final_layout;
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription sub{};
    sub.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    sub.colorAttachmentCount = 1;
    sub.pColorAttachments = &ref;
    // Write-after-write and write-after-read on the attachment from the previous frame (and the
    // swapchain acquire, which waits at this stage), before this pass clears it.
    VkSubpassDependency deps[2]{};
    deps[0].srcSubpass = VK_SUBPASS_EXTERNAL;
    deps[0].dstSubpass = 0;
    deps[0].srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    deps[0].srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    deps[0].dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    deps[0].dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_COLOR_ATTACHMENT_READ_BIT;
    // The rendered image is then read by a transfer (readback) or the presentation engine.
    deps[1].srcSubpass = 0;
    deps[1].dstSubpass = VK_SUBPASS_EXTERNAL;
    deps[1].srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    deps[1].srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
    deps[1].dstStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT;
    deps[1].dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    VkRenderPassCreateInfo rci{VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO};
    rci.attachmentCount = 1;
    rci.pAttachments = &color;
    rci.subpassCount = 1;
    rci.pSubpasses = &sub;
    rci.dependencyCount = 2;
    rci.pDependencies = deps;
    VkRenderPass rp;
    VkResult r = vkCreateRenderPass(device, &rci, nullptr, &rp);
    if (r != VK_SUCCESS) return fail("gpu: cannot create a render pass: " + vk_result_string(r));
    return rp;
}

Result<std::unique_ptr<OffscreenTarget>> OffscreenTarget::create(Context& ctx, uint32_t width, uint32_t height, VkFormat format) {
    std::unique_ptr<OffscreenTarget> t(new OffscreenTarget());
    t->ctx_ = &ctx;
    auto img = Texture::create(ctx, width, height, format,
                               VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT);
    if (!img) return std::unexpected(img.error());
    t->image_ = std::move(*img);
    auto rp = create_render_pass(ctx.device(), format, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
    if (!rp) return std::unexpected(rp.error());
    t->render_pass_ = *rp;
    VkImageView view = t->image_.view();
    VkFramebufferCreateInfo fci{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
    fci.renderPass = t->render_pass_;
    fci.attachmentCount = 1;
    fci.pAttachments = &view;
    fci.width = width;
    fci.height = height;
    fci.layers = 1;
    if (vkCreateFramebuffer(ctx.device(), &fci, nullptr, &t->framebuffer_) != VK_SUCCESS)
        return fail("gpu: cannot create a framebuffer");
    auto rb = create_host_buffer(ctx, static_cast<VkDeviceSize>(width) * height * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT);
    if (!rb) return std::unexpected(rb.error());
    t->readback_ = std::move(*rb);
    return t;
}

OffscreenTarget::~OffscreenTarget() {
    if (!ctx_) return;
    vkDeviceWaitIdle(ctx_->device());
    if (framebuffer_) vkDestroyFramebuffer(ctx_->device(), framebuffer_, nullptr);
    if (render_pass_) vkDestroyRenderPass(ctx_->device(), render_pass_, nullptr);
}

void OffscreenTarget::record_readback(VkCommandBuffer cmd) {
    // The render pass left the image in TRANSFER_SRC_OPTIMAL, ordered by its outgoing dependency.
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {image_.width(), image_.height(), 1};
    vkCmdCopyImageToBuffer(cmd, image_.image(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback_.buffer, 1, &region);
    // Make the transfer's writes visible to the host once the fence signals.
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

std::vector<uint8_t> OffscreenTarget::read_rgba() const {
    size_t n = static_cast<size_t>(image_.width()) * image_.height() * 4;
    std::vector<uint8_t> px(n);
    std::memcpy(px.data(), readback_.mapped, n);
    if (image_.format() == VK_FORMAT_B8G8R8A8_UNORM)
        for (size_t i = 0; i < n; i += 4) std::swap(px[i], px[i + 2]);
    return px;
}

Result<std::unique_ptr<Swapchain>> Swapchain::create(Context& ctx, GLFWwindow* window) {
    std::unique_ptr<Swapchain> s(new Swapchain());
    s->ctx_ = &ctx;
    s->window_ = window;
    uint32_t n = 0;
    vkGetPhysicalDeviceSurfaceFormatsKHR(ctx.physical(), ctx.surface(), &n, nullptr);
    std::vector<VkSurfaceFormatKHR> formats(n);
    vkGetPhysicalDeviceSurfaceFormatsKHR(ctx.physical(), ctx.surface(), &n, formats.data());
    if (formats.empty()) return fail("gpu: the window surface offers no formats");
    // Video is already gamma-encoded: write it to a UNORM image, untouched.
    s->format_ = VK_FORMAT_UNDEFINED;
    for (VkFormat want : {VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM})
        for (const auto& f : formats)
            if (s->format_ == VK_FORMAT_UNDEFINED && f.format == want) {
                s->format_ = f.format;
                s->color_space_ = f.colorSpace;
            }
    if (s->format_ == VK_FORMAT_UNDEFINED) {
        s->format_ = formats[0].format;
        s->color_space_ = formats[0].colorSpace;
    }
    auto rp = create_render_pass(ctx.device(), s->format_, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR);
    if (!rp) return std::unexpected(rp.error());
    s->render_pass_ = *rp;
    auto ok = s->rebuild();
    if (!ok) return std::unexpected(ok.error());
    return s;
}

void Swapchain::destroy_images() {
    VkDevice d = ctx_->device();
    for (auto fb : framebuffers_) vkDestroyFramebuffer(d, fb, nullptr);
    for (auto v : views_) vkDestroyImageView(d, v, nullptr);
    for (auto s : render_done_) vkDestroySemaphore(d, s, nullptr);
    framebuffers_.clear();
    views_.clear();
    render_done_.clear();
    images_.clear();
}

Swapchain::~Swapchain() {
    if (!ctx_) return;
    vkDeviceWaitIdle(ctx_->device());
    destroy_images();
    if (swapchain_) vkDestroySwapchainKHR(ctx_->device(), swapchain_, nullptr);
    if (render_pass_) vkDestroyRenderPass(ctx_->device(), render_pass_, nullptr);
}

Result<bool> Swapchain::rebuild() {
    VkDevice d = ctx_->device();
    VkSurfaceCapabilitiesKHR caps;
    vkGetPhysicalDeviceSurfaceCapabilitiesKHR(ctx_->physical(), ctx_->surface(), &caps);
    VkExtent2D extent = caps.currentExtent;
    if (extent.width == UINT32_MAX) {
        int w = 0, h = 0;
        glfwGetFramebufferSize(window_, &w, &h);
        extent = {static_cast<uint32_t>(w), static_cast<uint32_t>(h)};
        extent.width = std::clamp(extent.width, caps.minImageExtent.width, caps.maxImageExtent.width);
        extent.height = std::clamp(extent.height, caps.minImageExtent.height, caps.maxImageExtent.height);
    }
    if (extent.width == 0 || extent.height == 0) return false;  // minimised: nothing to draw into
    vkDeviceWaitIdle(d);
    destroy_images();
    min_images_ = std::max(2u, caps.minImageCount);
    uint32_t count = caps.minImageCount + 1;
    if (caps.maxImageCount) count = std::min(count, caps.maxImageCount);
    VkSwapchainCreateInfoKHR sci{VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
    sci.surface = ctx_->surface();
    sci.minImageCount = count;
    sci.imageFormat = format_;
    sci.imageColorSpace = color_space_;
    sci.imageExtent = extent;
    sci.imageArrayLayers = 1;
    readable_ = caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
    sci.imageUsage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | (readable_ ? VK_IMAGE_USAGE_TRANSFER_SRC_BIT : 0);
    sci.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
    sci.preTransform = (caps.supportedTransforms & VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR) ? VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR
                                                                                         : caps.currentTransform;
    sci.compositeAlpha = (caps.supportedCompositeAlpha & VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR)
                             ? VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR
                             : static_cast<VkCompositeAlphaFlagBitsKHR>(caps.supportedCompositeAlpha & -caps.supportedCompositeAlpha);
    // FIFO is always available and never tears; the player paces presents from its own clock.
    sci.presentMode = VK_PRESENT_MODE_FIFO_KHR;
    sci.clipped = VK_TRUE;
    VkSwapchainKHR old = swapchain_;
    sci.oldSwapchain = old;
    VkResult r = vkCreateSwapchainKHR(d, &sci, nullptr, &swapchain_);
    if (old) vkDestroySwapchainKHR(d, old, nullptr);
    if (r != VK_SUCCESS) {
        swapchain_ = VK_NULL_HANDLE;
        return fail("gpu: cannot create the swapchain: " + vk_result_string(r));
    }
    extent_ = extent;
    uint32_t n = 0;
    vkGetSwapchainImagesKHR(d, swapchain_, &n, nullptr);
    images_.resize(n);
    vkGetSwapchainImagesKHR(d, swapchain_, &n, images_.data());
    for (VkImage img : images_) {
        VkImageViewCreateInfo vci{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
        vci.image = img;
        vci.viewType = VK_IMAGE_VIEW_TYPE_2D;
        vci.format = format_;
        vci.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        VkImageView v;
        vkCreateImageView(d, &vci, nullptr, &v);
        views_.push_back(v);
        VkFramebufferCreateInfo fci{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
        fci.renderPass = render_pass_;
        fci.attachmentCount = 1;
        fci.pAttachments = &v;
        fci.width = extent.width;
        fci.height = extent.height;
        fci.layers = 1;
        VkFramebuffer fb;
        vkCreateFramebuffer(d, &fci, nullptr, &fb);
        framebuffers_.push_back(fb);
        VkSemaphoreCreateInfo sem{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
        VkSemaphore s;
        vkCreateSemaphore(d, &sem, nullptr, &s);
        render_done_.push_back(s);
    }
    return true;
}

Result<std::optional<uint32_t>> Swapchain::acquire(VkSemaphore signal) {
    uint32_t i = 0;
    VkResult r = vkAcquireNextImageKHR(ctx_->device(), swapchain_, UINT64_MAX, signal, VK_NULL_HANDLE, &i);
    if (r == VK_ERROR_OUT_OF_DATE_KHR) return std::optional<uint32_t>{};
    if (r != VK_SUCCESS && r != VK_SUBOPTIMAL_KHR) return fail("gpu: cannot acquire a swapchain image: " + vk_result_string(r));
    return std::optional<uint32_t>(i);
}

Result<bool> Swapchain::present(uint32_t i, VkSemaphore wait) {
    VkPresentInfoKHR pi{VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
    pi.waitSemaphoreCount = 1;
    pi.pWaitSemaphores = &wait;
    pi.swapchainCount = 1;
    pi.pSwapchains = &swapchain_;
    pi.pImageIndices = &i;
    VkResult r = vkQueuePresentKHR(ctx_->queue(), &pi);
    if (r == VK_ERROR_OUT_OF_DATE_KHR || r == VK_SUBOPTIMAL_KHR) return false;
    if (r != VK_SUCCESS) return fail("gpu: present failed: " + vk_result_string(r));
    return true;
}

}  // namespace reelsync::gpu
