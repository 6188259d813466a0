#pragma once
// What the player reads frames from: one clip (ClipReader) or an edit of many (EditReader). Frames
// come in presentation order (or reverse), numbered and timed on the source's own timeline, with
// seeks identified by serial numbers. All calls come from the player's thread.
#include <cstdint>
#include <optional>

#include "media/video_decoder.h"

namespace reelsync::media {

class FrameSource {
public:
    virtual ~FrameSource() = default;
    // Frame table of the timeline (for an edit: one synthetic entry per edit frame).
    virtual const ClipInfo& info() const = 0;
    // Start delivering frames from `frame` in the given direction. Returns the new serial.
    virtual uint64_t seek(int64_t frame, bool reverse = false) = 0;
    // The next frame of the current serial, without removing it.
    virtual std::optional<VideoFrame> peek() = 0;
    virtual std::optional<VideoFrame> pop() = 0;
    // Waits up to `timeout_s` for a frame of the current serial (or the end). True if one is ready.
    virtual bool wait_for_frame(double timeout_s) = 0;
    // Everything of the current serial has been delivered.
    virtual bool finished() = 0;
    virtual std::optional<Error> error() = 0;
    // Frames ready ahead, and how many the source keeps ready at most.
    virtual int queued() = 0;
    virtual int capacity() const = 0;
    // Everything of the current serial is decoded (what is left is queued): nothing to wait for.
    virtual bool decoded_all() = 0;
};

}  // namespace reelsync::media
