#include "render/video_renderer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "core/log.h"
#include "render/pipeline.h"
#include "shaders/video_diff_frag.h"
#include "shaders/video_frag.h"
#include "shaders/video_vert.h"

namespace reelsync::render {

using gpu::vk_result_string;

struct VideoRenderer::View {
    VkDescriptorSet set = VK_NULL_HANDLE;
    std::array<gpu::Texture, 3> planes;
    VkSampler sampler = VK_NULL_HANDLE;        // what `set` samples the planes with
    std::shared_ptr<AVFrame> picture;          // what the planes hold
    ColorParams color;
    uint32_t width = 0, height = 0;
    bool has_picture = false;
};

struct VideoRenderer::Slot {
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkFence fence = VK_NULL_HANDLE;
    VkSemaphore acquire = VK_NULL_HANDLE;     // signalled by a swapchain acquire for this slot
    std::array<View, kMaxViews> views;
    VkDescriptorSet diff_set = VK_NULL_HANDLE; // views 0 and 1's planes, for the difference view
    bool diff_stale = true;                    // view 0's or 1's set was written since diff_set was
    uint64_t ticket = 0;                       // submission number of its last submit
    bool pending = false;                      // submitted and not yet waited
};

const char* to_string(CompareMode m) {
    switch (m) {
        case CompareMode::flip: return "flip";
        case CompareMode::wipe: return "wipe";
        case CompareMode::side: return "side";
        case CompareMode::grid: return "grid";
        case CompareMode::diff: return "diff";
    }
    return "side";
}

bool parse_compare_mode(const std::string& s, CompareMode& out) {
    for (CompareMode m : {CompareMode::flip, CompareMode::wipe, CompareMode::side, CompareMode::grid, CompareMode::diff})
        if (s == to_string(m)) {
            out = m;
            return true;
        }
    return false;
}

std::array<Rect, kMaxViews> compare_cells(const CompareLayout& l, VkExtent2D t) {
    std::array<Rect, kMaxViews> cells{};
    const int n = std::clamp(l.views, 1, kMaxViews);
    const Rect whole{0, 0, t.width, t.height};
    switch (l.mode) {
        case CompareMode::flip: cells[static_cast<size_t>(std::clamp(l.shown, 0, n - 1))] = whole; break;
        case CompareMode::wipe:
        case CompareMode::diff: cells[0] = cells[1] = whole; break;
        case CompareMode::side:
            for (int i = 0; i < n; ++i) {
                const uint32_t x0 = t.width * static_cast<uint32_t>(i) / static_cast<uint32_t>(n);
                const uint32_t x1 = t.width * static_cast<uint32_t>(i + 1) / static_cast<uint32_t>(n);
                cells[static_cast<size_t>(i)] = {static_cast<int32_t>(x0), 0, x1 - x0, t.height};
            }
            break;
        case CompareMode::grid:
            for (int i = 0; i < n; ++i) {
                const uint32_t c = static_cast<uint32_t>(i % 2), r = static_cast<uint32_t>(i / 2);
                const uint32_t x0 = t.width * c / 2, x1 = t.width * (c + 1) / 2, y0 = t.height * r / 2, y1 = t.height * (r + 1) / 2;
                cells[static_cast<size_t>(i)] = {static_cast<int32_t>(x0), static_cast<int32_t>(y0), x1 - x0, y1 - y0};
            }
            break;
    }
    return cells;
}

int compare_view_at(const CompareLayout& l, VkExtent2D t, double x, double y) {
    if (x < 0 || y < 0 || x >= t.width || y >= t.height) return -1;
    switch (l.mode) {
        case CompareMode::diff: return -1;
        case CompareMode::wipe: {
            const double at = l.horizontal ? y / t.height : x / t.width;
            return at < static_cast<double>(std::clamp(l.split, 0.0f, 1.0f)) ? 0 : 1;
        }
        case CompareMode::flip:
        case CompareMode::side:
        case CompareMode::grid: {
            const auto cells = compare_cells(l, t);
            for (size_t i = 0; i < cells.size() && i < static_cast<size_t>(std::clamp(l.views, 1, kMaxViews)); ++i) {
                const Rect& c = cells[i];
                if (c.w && c.h && x >= c.x && x < c.x + static_cast<double>(c.w) && y >= c.y && y < c.y + static_cast<double>(c.h))
                    return static_cast<int>(i);
            }
            return -1;
        }
    }
    return -1;
}

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

    // The difference view: both takes' planes; both transforms, chroma shifts and the gain.
    const Layouts diff = create_sampler_layouts(d, 6, VK_SHADER_STAGE_FRAGMENT_BIT, sizeof(float) * 32);
    r->diff_set_layout_ = diff.set;
    r->diff_pipeline_layout_ = diff.pipeline;
    auto diff_pipeline = create_pipeline(d, pass, r->diff_pipeline_layout_, {video_vert_spv, sizeof video_vert_spv},
                                         {video_diff_frag_spv, sizeof video_diff_frag_spv}, VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST, "difference");
    if (!diff_pipeline) return std::unexpected(diff_pipeline.error());
    r->diff_pipeline_ = *diff_pipeline;
    r->linear_ = create_clamped_sampler(d, VK_FILTER_LINEAR);
    r->nearest_ = create_clamped_sampler(d, VK_FILTER_NEAREST);
    r->linear16_ = ctx.format_supports(VK_FORMAT_R16_UNORM, VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT);

    const uint32_t n = r->opts_.frames_in_flight;
    // Per slot: a set per view (three planes) and the difference view's (six).
    VkDescriptorPoolSize ps{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, (3 * kMaxViews + 6) * n};
    VkDescriptorPoolCreateInfo dp{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    dp.maxSets = (kMaxViews + 1) * n;
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
        for (View& v : s->views) vkAllocateDescriptorSets(d, &dsa, &v.set);
        dsa.pSetLayouts = &r->diff_set_layout_;
        vkAllocateDescriptorSets(d, &dsa, &s->diff_set);
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
    vkDestroyPipeline(d, diff_pipeline_, nullptr);
    vkDestroyPipelineLayout(d, diff_pipeline_layout_, nullptr);
    vkDestroyDescriptorSetLayout(d, diff_set_layout_, nullptr);
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

Result<void> VideoRenderer::upload(Slot& s, const std::shared_ptr<AVFrame>& frame, int view) {
    if (!frame) return {};
    if (view < 0 || view >= kMaxViews) return fail("render: view " + std::to_string(view) + " out of range");
    View& v = s.views[static_cast<size_t>(view)];
    if (v.has_picture && v.picture == frame) return {};  // already there (a repeat or UI-only redraw)
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
    // Grown only at a frame's first picture: nothing of this slot's frame uses the ring yet.
    if (view == 0 && total * static_cast<VkDeviceSize>(views_hint_) > ring_.capacity() / 2)
        if (auto g = grow_ring(total * static_cast<VkDeviceSize>(views_hint_)); !g) return std::unexpected(g.error());

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
        gpu::Texture& t = v.planes[p];
        VkImage before = t.image();
        if (auto rr = t.recreate(*ctx_, pw[p], ph[p], vkf, VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT); !rr)
            return std::unexpected(rr.error());
        rebuilt |= t.image() != before;
    }
    for (int p = 0; p < 3; ++p) {
        gpu::Texture& t = v.planes[p];
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
    VkSampler smp = (depth > 8 && !linear16_) ? nearest_ : linear_;
    if (rebuilt || !v.has_picture || smp != v.sampler) {
        VkDescriptorImageInfo ii[3];
        VkWriteDescriptorSet w[3]{};
        for (int p = 0; p < 3; ++p) {
            ii[p] = {smp, v.planes[p].view(), VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
            w[p].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
            w[p].dstSet = v.set;
            w[p].dstBinding = static_cast<uint32_t>(p);
            w[p].descriptorCount = 1;
            w[p].descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
            w[p].pImageInfo = &ii[p];
        }
        // Safe: begin_frame() waited for this slot's fence, so no pending work uses the set.
        vkUpdateDescriptorSets(dev, 3, w, 0, nullptr);
        v.sampler = smp;
        if (view < 2) s.diff_stale = true;
    }
    v.picture = frame;
    v.color = color_params(f);
    v.width = static_cast<uint32_t>(f.width);
    v.height = static_cast<uint32_t>(f.height);
    v.has_picture = true;
    return {};
}

void VideoRenderer::clear_view(Slot& s, int view) {
    if (view < 0 || view >= kMaxViews) return;
    View& v = s.views[static_cast<size_t>(view)];
    v.has_picture = false;
    v.picture.reset();
}

void VideoRenderer::clear_picture(Slot& s) {
    for (View& v : s.views) {
        v.has_picture = false;
        v.picture.reset();
    }
}

void VideoRenderer::pass(Slot& s, VkRenderPass pass, VkFramebuffer fb, VkExtent2D extent, const std::function<void()>& body,
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
    body();
    if (overlay) {
        VkViewport vp{0, 0, static_cast<float>(extent.width), static_cast<float>(extent.height), 0.0f, 1.0f};
        VkRect2D sc{{0, 0}, extent};
        vkCmdSetViewport(s.cmd, 0, 1, &vp);
        vkCmdSetScissor(s.cmd, 0, 1, &sc);
        overlay(s.cmd);
    }
    vkCmdEndRenderPass(s.cmd);
}

namespace {
// The picture letterboxed in `cell`, in target coordinates.
Rect in_cell(uint32_t width, uint32_t height, Rational sar, Rect cell) {
    Rect r = letterbox(width, height, sar, {cell.w, cell.h});
    r.x += cell.x;
    r.y += cell.y;
    return r;
}
// The part of `a` inside `b` (w or h 0 when none).
VkRect2D overlap(Rect a, Rect b) {
    const int64_t x0 = std::max<int64_t>(a.x, b.x), y0 = std::max<int64_t>(a.y, b.y);
    const int64_t x1 = std::min<int64_t>(int64_t{a.x} + a.w, int64_t{b.x} + b.w), y1 = std::min<int64_t>(int64_t{a.y} + a.h, int64_t{b.y} + b.h);
    if (x1 <= x0 || y1 <= y0) return {{0, 0}, {0, 0}};
    return {{static_cast<int32_t>(x0), static_cast<int32_t>(y0)}, {static_cast<uint32_t>(x1 - x0), static_cast<uint32_t>(y1 - y0)}};
}
}  // namespace

void VideoRenderer::draw_view(Slot& s, const View& v, Rect cell, Rect scissor, Rational sar) {
    if (!v.has_picture || !cell.w || !cell.h) return;
    const Rect r = in_cell(v.width, v.height, sar, cell);
    const VkRect2D sc = overlap(r, scissor);
    if (!sc.extent.width || !sc.extent.height) return;
    VkViewport vp{static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.w), static_cast<float>(r.h), 0.0f, 1.0f};
    vkCmdSetViewport(s.cmd, 0, 1, &vp);
    vkCmdSetScissor(s.cmd, 0, 1, &sc);
    vkCmdBindPipeline(s.cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_);
    vkCmdBindDescriptorSets(s.cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_layout_, 0, 1, &v.set, 0, nullptr);
    float pc[16] = {};
    std::copy(v.color.rows.begin(), v.color.rows.end(), pc);
    pc[12] = v.color.chroma_shift[0];
    pc[13] = v.color.chroma_shift[1];
    vkCmdPushConstants(s.cmd, pipeline_layout_, VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof pc, pc);
    vkCmdDraw(s.cmd, 3, 1, 0, 0);
}

void VideoRenderer::draw_diff(Slot& s, Rect cell, Rational sar, float gain) {
    const View& a = s.views[0];
    const View& b = s.views[1];
    if (!a.has_picture || !b.has_picture) return;
    if (s.diff_stale) {
        // Safe: begin_frame() waited for this slot's fence, so no pending work uses the set.
        VkDescriptorImageInfo ii[6];
        VkWriteDescriptorSet w[6]{};
        for (int i = 0; i < 6; ++i) {
            const View& v = i < 3 ? a : b;
            ii[i] = {v.sampler, v.planes[static_cast<size_t>(i % 3)].view(), VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
            w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
            w[i].dstSet = s.diff_set;
            w[i].dstBinding = static_cast<uint32_t>(i);
            w[i].descriptorCount = 1;
            w[i].descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
            w[i].pImageInfo = &ii[i];
        }
        vkUpdateDescriptorSets(ctx_->device(), 6, w, 0, nullptr);
        s.diff_stale = false;
    }
    const Rect r = in_cell(a.width, a.height, sar, cell);
    VkViewport vp{static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.w), static_cast<float>(r.h), 0.0f, 1.0f};
    const VkRect2D sc{{r.x, r.y}, {r.w, r.h}};
    vkCmdSetViewport(s.cmd, 0, 1, &vp);
    vkCmdSetScissor(s.cmd, 0, 1, &sc);
    vkCmdBindPipeline(s.cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, diff_pipeline_);
    vkCmdBindDescriptorSets(s.cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, diff_pipeline_layout_, 0, 1, &s.diff_set, 0, nullptr);
    float pc[32] = {};
    std::copy(a.color.rows.begin(), a.color.rows.end(), pc);
    std::copy(b.color.rows.begin(), b.color.rows.end(), pc + 12);
    pc[24] = a.color.chroma_shift[0];
    pc[25] = a.color.chroma_shift[1];
    pc[26] = b.color.chroma_shift[0];
    pc[27] = b.color.chroma_shift[1];
    pc[28] = gain;
    vkCmdPushConstants(s.cmd, diff_pipeline_layout_, VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof pc, pc);
    vkCmdDraw(s.cmd, 3, 1, 0, 0);
}

void VideoRenderer::draw(Slot& s, VkRenderPass rp, VkFramebuffer fb, VkExtent2D extent, Rational sar,
                         const std::function<void(VkCommandBuffer)>& overlay) {
    const Rect whole{0, 0, extent.width, extent.height};
    pass(s, rp, fb, extent, [&] { draw_view(s, s.views[0], whole, whole, sar); }, overlay);
}

void VideoRenderer::draw_compare(Slot& s, VkRenderPass rp, VkFramebuffer fb, VkExtent2D extent, const CompareLayout& l,
                                 const std::array<Rational, kMaxViews>& sar, const std::function<void(VkCommandBuffer)>& overlay) {
    const auto cells = compare_cells(l, extent);
    const Rect whole{0, 0, extent.width, extent.height};
    pass(s, rp, fb, extent, [&] {
        switch (l.mode) {
            case CompareMode::wipe: {
                // View 0 before the split, view 1 after it, both letterboxed in the whole target.
                const float split = std::clamp(l.split, 0.0f, 1.0f);
                Rect first = whole, second = whole;
                if (l.horizontal) {
                    first.h = static_cast<uint32_t>(std::lround(split * static_cast<float>(extent.height)));
                    second.y = static_cast<int32_t>(first.h);
                    second.h = extent.height - first.h;
                } else {
                    first.w = static_cast<uint32_t>(std::lround(split * static_cast<float>(extent.width)));
                    second.x = static_cast<int32_t>(first.w);
                    second.w = extent.width - first.w;
                }
                draw_view(s, s.views[0], whole, first, sar[0]);
                draw_view(s, s.views[1], whole, second, sar[1]);
                break;
            }
            case CompareMode::diff: draw_diff(s, whole, sar[0], l.diff_gain); break;
            default:
                for (size_t i = 0; i < kMaxViews; ++i) draw_view(s, s.views[i], cells[i], cells[i], sar[i]);
        }
    }, overlay);
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
