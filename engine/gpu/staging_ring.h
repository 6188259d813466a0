#pragma once
// A persistently mapped, host-visible upload buffer used as a ring. Each frame in flight allocates
// from the head; when that frame's fence has signalled, retire() moves the tail past it. Frames
// complete in submission order on the one queue, so the live region is always contiguous.
//
// Thread: owned by the render thread.
#include <cstdint>
#include <deque>
#include <optional>

#include "gpu/context.h"

namespace reelsync::gpu {

class StagingRing {
public:
    static Result<StagingRing> create(const Context& ctx, VkDeviceSize capacity);

    struct Span {
        VkDeviceSize offset = 0;
        uint8_t* data = nullptr;
    };
    // `size` bytes at `align`; fails only if size exceeds the whole ring or the live region leaves
    // no room (the caller must then wait for a frame in flight and retire it).
    std::optional<Span> allocate(VkDeviceSize size, VkDeviceSize align);
    // Marks everything allocated so far as belonging to `ticket` (a frame submission number).
    void close_frame(uint64_t ticket);
    // Frees every allocation of tickets <= `ticket`.
    void retire(uint64_t ticket);

    VkBuffer buffer() const { return buffer_.buffer; }
    VkDeviceSize capacity() const { return buffer_.size; }

private:
    Buffer buffer_;
    VkDeviceSize head_ = 0;   // next free byte
    VkDeviceSize tail_ = 0;   // oldest live byte
    VkDeviceSize used_ = 0;   // live bytes, including wrap-around padding
    VkDeviceSize open_ = 0;   // bytes allocated since the last close_frame
    struct Closed { uint64_t ticket; VkDeviceSize end; VkDeviceSize bytes; };
    std::deque<Closed> closed_;
};

}  // namespace reelsync::gpu
