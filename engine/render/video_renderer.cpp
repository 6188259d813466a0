#include "render/video_renderer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "core/log.h"
#include "render/pipeline.h"
#include "shaders/video_frag.h"
#include "shaders/video_vert.h"

namespace reelsync::render {

using gpu::vk_result_string;

struct VideoRenderer::Slot {
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkFence fence = VK_NULL_HANDLE;
    VkSemaphore acquire = VK_NULL_HANDLE;     // signalled by a swapchain acquire for this slot
    VkDescriptorSet set = VK_NULL_HANDLE;
    std::array<gpu::Texture, 3> planes;
    std::shared_ptr<AVFrame> picture;          // what the planes hold
    ColorParams color;
    uint32_t width = 0, height = 0;
    bool has_picture = false;
    uint64_t ticket = 0;                       // submission number of its last submit
    bool pending = false;                      // submitted and not yet waited
};

Rect letterbox(uint32_t width, uint32_t height, Rational sar, VkExtent2D target) {
    if (!width || !height || !target.width || !target.height) return {};
    double aspect = static_cast<double>(width) * (sar.valid() ? sar.to_double() : 1.0) / height;
    double tw = target.width, th = target.height;
    double w = tw, h = tw / aspect;
    if (h > th) {
        h = th;
        w = th * aspect;
    }
    Rect r;
    r.w = std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(w)));
    r.h = std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(h)));
    r.x = static_cast<int32_t>((target.width - r.w) / 2);
    r.y = static_cast<int32_t>((target.height - r.h) / 2);
    return r;
}

Result<std::unique_ptr<VideoRenderer>> VideoRenderer::create(gpu::Context& ctx, VkRenderPass pass, Options opts) {
    std::unique_ptr<VideoRenderer> r(new VideoRenderer());
    r->ctx_ = &ctx;
    r->opts_ = opts;
    r->opts_.frames_in_flight = std::max(1u, opts.frames_in_flight);
    VkDevice d = ctx.device();

    // Three planes; the colour transform as push constants.
    const Layouts layouts = create_sampler_layouts(d, 3, VK_SHADER_STAGE_FRAGMENT_BIT, sizeof(float) * 16);
    r->set_layout_ = layouts.set;
    r->pipeline_layout_ = layouts.pipeline;

    auto pipeline = create_pipeline(d, pass, r->pipeline_layout_, {video_vert_spv, sizeof video_vert_spv},
                                    {video_frag_spv, sizeof video_frag_spv}, VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST, "video");
    if (!pipeline) return std::unexpected(pipeline.error());
    r->pipeline_ = *pipeline;

    r->linear_ = create_clamped_sampler(d, VK_FILTER_LINEAR);
    r->nearest_ = create_clamped_sampler(d, VK_FILTER_NEAREST);
    r->linear16_ = ctx.format_supports(VK_FORMAT_R16_UNORM, VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT);

    const uint32_t n = r->opts_.frames_in_flight;
    VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 3 * n};
    VkDescriptorPoolCreateInfo dp{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    dp.maxSets = n;
    dp.poolSizeCount = 1;
    dp.pPoolSizes = &ps;
    vkCreateDescriptorPool(d, &dp, nullptr, &r->pool_);
    VkCommandPoolCreateInfo cp{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    cp.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    cp.queueFamilyIndex = ctx.queue_family();
    vkCreateCommandPool(d, &cp, nullptr, &r->cmd_pool_);
    for (uint32_t i = 0; i < n; ++i) {
        auto s = std::make_unique<Slot>();
        VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
        ai.commandPool = r->cmd_pool_;
        ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
        ai.commandBufferCount = 1;
        vkAllocateCommandBuffers(d, &ai, &s->cmd);
        VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        vkCreateFence(d, &fci, nullptr, &s->fence);
        VkSemaphoreCreateInfo sci{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
        vkCreateSemaphore(d, &sci, nullptr, &s->acquire);
        VkDescriptorSetAllocateInfo dsa{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
        dsa.descriptorPool = r->pool_;
        dsa.descriptorSetCount = 1;
        dsa.pSetLayouts = &r->set_layout_;
        vkAllocateDescriptorSets(d, &dsa, &s->set);
        r->slots_.push_back(std::move(s));
    }
    VkDeviceSize want = opts.staging_bytes ? opts.staging_bytes : VkDeviceSize{(n + 1)} * 1920 * 1080 * 3 * 2 / 2;
    auto ring = gpu::StagingRing::create(ctx, want);
    if (!ring) return std::unexpected(ring.error());
    r->ring_ = std::move(*ring);
    return r;
}

VideoRenderer::~VideoRenderer() {
    if (!ctx_) return;
    VkDevice d = ctx_->device();
    vkDeviceWaitIdle(d);
    for (auto& s : slots_) {
        vkDestroyFence(d, s->fence, nullptr);
        vkDestroySemaphore(d, s->acquire, nullptr);
    }
    slots_.clear();
    vkDestroyCommandPool(d, cmd_pool_, nullptr);
    vkDestroyDescriptorPool(d, pool_, nullptr);
    vkDestroySampler(d, linear_, nullptr);
    vkDestroySampler(d, nearest_, nullptr);
    vkDestroyPipeline(d, pipeline_, nullptr);
    vkDestroyPipelineLayout(d, pipeline_layout_, nullptr);
    vkDestroyDescriptorSetLayout(d, set_layout_, nullptr);
}

Result<void> VideoRenderer::wait(Slot& s) {
    if (!s.pending) return {};
    VkResult r = vkWaitForFences(ctx_->device(), 1, &s.fence, VK_TRUE, UINT64_MAX);
    if (r != VK_SUCCESS) return fail("gpu: waiting for a frame failed: " + vk_result_string(r));
    vkResetFences(ctx_->device(), 1, &s.fence);
    s.pending = false;
    ring_.retire(s.ticket);
    return {};
}

void VideoRenderer::wait_idle() {
    for (auto& s : slots_) (void)wait(*s);
}

Result<VideoRenderer::Slot*> VideoRenderer::begin_frame() {
    Slot& s = *slots_[next_slot_];
    next_slot_ = (next_slot_ + 1) % slots_.size();
    if (auto r = wait(s); !r) return std::unexpected(r.error());
    vkResetCommandBuffer(s.cmd, 0);
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkBeginCommandBuffer(s.cmd, &bi);
    return &s;
}

VkCommandBuffer VideoRenderer::command_buffer(Slot& s) const { return s.cmd; }
VkSemaphore VideoRenderer::acquire_semaphore(Slot& s) const { return s.acquire; }

Result<void> VideoRenderer::grow_ring(VkDeviceSize min_bytes) {
    // Only between frames: every slot is waited, so nothing in flight reads the old ring.
    wait_idle();
    auto ring = gpu::StagingRing::create(*ctx_, std::max(min_bytes * (opts_.frames_in_flight + 1), ring_.capacity() * 2));
    if (!ring) return std::unexpected(ring.error());
    ring_ = std::move(*ring);
    return {};
}

Result<void> VideoRenderer::upload(Slot& s, const std::shared_ptr<AVFrame>& frame) {
    if (!frame) return {};
    if (s.has_picture && s.picture == frame) return {};  // already there (a repeat or UI-only redraw)
    const AVFrame& f = *frame;
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f.format));
    if (!d) return fail("render: frame has no pixel format");
    const int depth = d->comp[0].depth;
    const uint32_t bps = depth > 8 ? 2 : 1;
    const VkFormat vkf = depth > 8 ? VK_FORMAT_R16_UNORM : VK_FORMAT_R8_UNORM;

    uint32_t pw[3], ph[3];
    VkDeviceSize total = 0;
    for (int p = 0; p < 3; ++p) {
        bool chroma = p > 0 && !(d->flags & AV_PIX_FMT_FLAG_RGB);
        pw[p] = static_cast<uint32_t>(chroma ? AV_CEIL_RSHIFT(f.width, d->log2_chroma_w) : f.width);
        ph[p] = static_cast<uint32_t>(chroma ? AV_CEIL_RSHIFT(f.height, d->log2_chroma_h) : f.height);
        total += static_cast<VkDeviceSize>(std::abs(f.linesize[p])) * ph[p] + 256;
    }
    if (total > ring_.capacity() / 2)
        if (auto g = grow_ring(total); !g) return std::unexpected(g.error());

    VkDevice dev = ctx_->device();
    std::array<VkBufferImageCopy, 3> regions{};
    std::array<VkDeviceSize, 3> offsets{};
    for (int p = 0; p < 3; ++p) {
        const int ls = f.linesize[p];
        const VkDeviceSize bytes = static_cast<VkDeviceSize>(std::abs(ls)) * ph[p];
        auto span = ring_.allocate(bytes, 256);
        if (!span) {
            // The ring is full of frames in flight: wait for the oldest, then retry once.
            for (auto& other : slots_)
                if (other.get() != &s) (void)wait(*other);
            span = ring_.allocate(bytes, 256);
            if (!span) return fail("render: staging ring too small for a " + std::to_string(f.width) + "x" + std::to_string(f.height) + " frame");
        }
        if (ls > 0) {
            // One copy per plane: the buffer keeps the decoder's row pitch (bufferRowLength).
            std::memcpy(span->data, f.data[p], bytes);
            regions[p].bufferRowLength = static_cast<uint32_t>(ls) / bps;
        } else {
            const size_t row = static_cast<size_t>(pw[p]) * bps;
            for (uint32_t y = 0; y < ph[p]; ++y) std::memcpy(span->data + y * row, f.data[p] + static_cast<ptrdiff_t>(y) * ls, row);
            regions[p].bufferRowLength = pw[p];
        }
        offsets[p] = span->offset;
        regions[p].bufferOffset = span->offset;
        regions[p].imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        regions[p].imageExtent = {pw[p], ph[p], 1};
    }

    bool rebuilt = false;
    for (int p = 0; p < 3; ++p) {
        gpu::Texture& t = s.planes[p];
        VkImage before = t.image();
        if (auto rr = t.recreate(*ctx_, pw[p], ph[p], vkf, VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT); !rr)
            return std::unexpected(rr.error());
        rebuilt |= t.image() != before;
    }
    for (int p = 0; p < 3; ++p) {
        gpu::Texture& t = s.planes[p];
        // The previous draw from this slot sampled the plane: finish that read before overwriting.
        gpu::transition(s.cmd, t.image(), VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                        VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
        vkCmdCopyBufferToImage(s.cmd, ring_.buffer(), t.image(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &regions[p]);
        // The copy must land before the fragment shader samples it.
        gpu::transition(s.cmd, t.image(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL,
                        VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                        VK_ACCESS_SHADER_READ_BIT);
        t.layout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
    }
    if (rebuilt || !s.has_picture) {
        VkSampler smp = (depth > 8 && !linear16_) ? nearest_ : linear_;
        VkDescriptorImageInfo ii[3];
        VkWriteDescriptorSet w[3]{};
        for (int p = 0; p < 3; ++p) {
            ii[p] = {smp, s.planes[p].view(), VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
            w[p].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
            w[p].dstSet = s.set;
            w[p].dstBinding = static_cast<uint32_t>(p);
            w[p].descriptorCount = 1;
            w[p].descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
            w[p].pImageInfo = &ii[p];
        }
        // Safe: begin_frame() waited for this slot's fence, so no pending work uses the set.
        vkUpdateDescriptorSets(dev, 3, w, 0, nullptr);
    }
    s.picture = frame;
    s.color = color_params(f);
    s.width = static_cast<uint32_t>(f.width);
    s.height = static_cast<uint32_t>(f.height);
    s.has_picture = true;
    return {};
}

void VideoRenderer::clear_picture(Slot& s) {
    s.has_picture = false;
    s.picture.reset();
}

void VideoRenderer::draw(Slot& s, VkRenderPass pass, VkFramebuffer fb, VkExtent2D extent, Rational sar,
                         const std::function<void(VkCommandBuffer)>& overlay) {
    VkClearValue clear{};
    clear.color = {{0.0f, 0.0f, 0.0f, 1.0f}};
    VkRenderPassBeginInfo rb{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    rb.renderPass = pass;
    rb.framebuffer = fb;
    rb.renderArea = {{0, 0}, extent};
    rb.clearValueCount = 1;
    rb.pClearValues = &clear;
    vkCmdBeginRenderPass(s.cmd, &rb, VK_SUBPASS_CONTENTS_INLINE);
    if (s.has_picture) {
        Rect r = letterbox(s.width, s.height, sar, extent);
        VkViewport vp{static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.w), static_cast<float>(r.h), 0.0f, 1.0f};
        VkRect2D sc{{r.x, r.y}, {r.w, r.h}};
        vkCmdSetViewport(s.cmd, 0, 1, &vp);
        vkCmdSetScissor(s.cmd, 0, 1, &sc);
        vkCmdBindPipeline(s.cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_);
        vkCmdBindDescriptorSets(s.cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_layout_, 0, 1, &s.set, 0, nullptr);
        float pc[16] = {};
        std::copy(s.color.rows.begin(), s.color.rows.end(), pc);
        pc[12] = s.color.chroma_shift[0];
        pc[13] = s.color.chroma_shift[1];
        vkCmdPushConstants(s.cmd, pipeline_layout_, VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof pc, pc);
        vkCmdDraw(s.cmd, 3, 1, 0, 0);
    }
    if (overlay) {
        VkViewport vp{0, 0, static_cast<float>(extent.width), static_cast<float>(extent.height), 0.0f, 1.0f};
        VkRect2D sc{{0, 0}, extent};
        vkCmdSetViewport(s.cmd, 0, 1, &vp);
        vkCmdSetScissor(s.cmd, 0, 1, &sc);
        overlay(s.cmd);
    }
    vkCmdEndRenderPass(s.cmd);
}

Result<void> VideoRenderer::submit(Slot& s, VkSemaphore wait_sem, VkSemaphore signal) {
    vkEndCommandBuffer(s.cmd);
    VkPipelineStageFlags stage = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.waitSemaphoreCount = wait_sem ? 1 : 0;
    si.pWaitSemaphores = &wait_sem;
    si.pWaitDstStageMask = &stage;
    si.commandBufferCount = 1;
    si.pCommandBuffers = &s.cmd;
    si.signalSemaphoreCount = signal ? 1 : 0;
    si.pSignalSemaphores = &signal;
    s.ticket = ++submitted_;
    ring_.close_frame(s.ticket);
    VkResult r = vkQueueSubmit(ctx_->queue(), 1, &si, s.fence);
    if (r != VK_SUCCESS) return fail("gpu: submit failed: " + vk_result_string(r));
    s.pending = true;
    return {};
}

}  // namespace reelsync::render
