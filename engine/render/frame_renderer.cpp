#include "render/frame_renderer.h"

namespace reelsync::render {

Result<std::unique_ptr<OffscreenRenderer>> OffscreenRenderer::create(gpu::Context& ctx, uint32_t width, uint32_t height) {
    std::unique_ptr<OffscreenRenderer> r(new OffscreenRenderer());
    auto t = gpu::OffscreenTarget::create(ctx, width, height);
    if (!t) return std::unexpected(t.error());
    r->target_ = std::move(*t);
    auto v = VideoRenderer::create(ctx, r->target_->render_pass());
    if (!v) return std::unexpected(v.error());
    r->video_ = std::move(*v);
    return r;
}

Result<void> OffscreenRenderer::draw(const std::shared_ptr<AVFrame>& frame, Rational sar) {
    auto slot = video_->begin_frame();
    if (!slot) return std::unexpected(slot.error());
    if (auto u = video_->upload(**slot, frame); !u) return u;
    video_->draw(**slot, target_->render_pass(), target_->framebuffer(), target_->extent(), sar);
    last_ = *slot;
    return video_->submit(**slot);
}

Result<void> OffscreenRenderer::upload_only(const std::shared_ptr<AVFrame>& frame) {
    auto slot = video_->begin_frame();
    if (!slot) return std::unexpected(slot.error());
    if (auto u = video_->upload(**slot, frame); !u) return u;
    last_ = *slot;
    return video_->submit(**slot);
}

Result<void> OffscreenRenderer::finish() {
    if (!last_) return {};
    return video_->wait(*last_);
}

Result<std::vector<uint8_t>> OffscreenRenderer::render(const std::shared_ptr<AVFrame>& frame, Rational sar) {
    auto slot = video_->begin_frame();
    if (!slot) return std::unexpected(slot.error());
    if (auto u = video_->upload(**slot, frame); !u) return std::unexpected(u.error());
    video_->draw(**slot, target_->render_pass(), target_->framebuffer(), target_->extent(), sar);
    target_->record_readback(video_->command_buffer(**slot));
    if (auto s = video_->submit(**slot); !s) return std::unexpected(s.error());
    if (auto w = video_->wait(**slot); !w) return std::unexpected(w.error());
    last_ = nullptr;
    return target_->read_rgba();
}

Result<std::vector<uint8_t>> OffscreenRenderer::render_compare(const std::vector<std::shared_ptr<AVFrame>>& frames, const CompareLayout& layout,
                                                                const std::array<Rational, kMaxViews>& sar) {
    if (frames.empty() || frames.size() > static_cast<size_t>(kMaxViews)) return fail("render: a compare shows 1 to 4 pictures");
    video_->reserve_views(static_cast<int>(frames.size()));
    auto slot = video_->begin_frame();
    if (!slot) return std::unexpected(slot.error());
    video_->clear_picture(**slot);
    for (size_t i = 0; i < frames.size(); ++i)
        if (auto u = video_->upload(**slot, frames[i], static_cast<int>(i)); !u) return std::unexpected(u.error());
    video_->draw_compare(**slot, target_->render_pass(), target_->framebuffer(), target_->extent(), layout, sar);
    target_->record_readback(video_->command_buffer(**slot));
    if (auto s = video_->submit(**slot); !s) return std::unexpected(s.error());
    if (auto w = video_->wait(**slot); !w) return std::unexpected(w.error());
    last_ = nullptr;
    return target_->read_rgba();
}

}  // namespace reelsync::render
