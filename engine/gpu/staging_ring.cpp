#include "gpu/staging_ring.h"

namespace reelsync::gpu {

Result<StagingRing> StagingRing::create(const Context& ctx, VkDeviceSize capacity) {
    auto b = create_host_buffer(ctx, capacity, VK_BUFFER_USAGE_TRANSFER_SRC_BIT);
    if (!b) return std::unexpected(b.error());
    StagingRing r;
    r.buffer_ = std::move(*b);
    return r;
}

std::optional<StagingRing::Span> StagingRing::allocate(VkDeviceSize size, VkDeviceSize align) {
    const VkDeviceSize cap = buffer_.size;
    const bool wrapped = used_ > 0 && head_ <= tail_;  // live region is [tail, cap) + [0, head)
    VkDeviceSize start = (head_ + align - 1) / align * align;
    VkDeviceSize pad = start - head_;
    if (wrapped) {
        if (start + size > tail_) return std::nullopt;  // free space is [head, tail)
    } else if (start + size > cap) {
        // Not enough room before the end: wrap to 0; the bytes up to the end become padding.
        if (used_ > 0 && size > tail_) return std::nullopt;
        if (size > cap) return std::nullopt;
        pad = cap - head_;
        start = 0;
    }
    head_ = start + size;
    used_ += pad + size;
    open_ += pad + size;
    return Span{start, static_cast<uint8_t*>(buffer_.mapped) + start};
}

void StagingRing::close_frame(uint64_t ticket) {
    closed_.push_back({ticket, head_, open_});
    open_ = 0;
}

void StagingRing::retire(uint64_t ticket) {
    while (!closed_.empty() && closed_.front().ticket <= ticket) {
        used_ -= closed_.front().bytes;
        tail_ = closed_.front().end;
        closed_.pop_front();
    }
    if (used_ == 0) head_ = tail_ = 0;
}

}  // namespace reelsync::gpu
