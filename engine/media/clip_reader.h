#pragma once
// ClipReader: one decode thread per open clip, decoding ahead into a bounded queue ordered by
// presentation time. Its API looks single-threaded to the player, which owns it.
//
// Seeks are exact and asynchronous: seek() bumps a serial number, the queue drops every frame of an
// older serial (as ffplay does), and the decode thread starts again from the keyframe before the
// target. In reverse mode the thread decodes short forward runs and queues them backwards.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "media/frame_source.h"
#include "media/video_decoder.h"

namespace reelsync::media {

class ClipReader final : public FrameSource {
public:
    struct Options {
        int queue_frames = 8;   // frames decoded ahead
        int threads = 0;        // decoder threads (0: FFmpeg picks)
        int reverse_chunk = 12; // frames decoded per backward run
    };
    static Result<std::unique_ptr<ClipReader>> open(const std::string& path, Options opts);
    static Result<std::unique_ptr<ClipReader>> open(const std::string& path) { return open(path, Options{}); }
    ~ClipReader() override;
    ClipReader(const ClipReader&) = delete;
    ClipReader& operator=(const ClipReader&) = delete;

    const ClipInfo& info() const override { return info_; }

    // Start delivering frames from `frame` in the given direction. Returns the new serial.
    uint64_t seek(int64_t frame, bool reverse = false) override;

    // The oldest queued frame of the current serial, without removing it (copy of a shared ref).
    std::optional<VideoFrame> peek() override;
    std::optional<VideoFrame> pop() override;
    // Waits up to `timeout_s` for a frame of the current serial (or the end). True if one is queued.
    bool wait_for_frame(double timeout_s) override;
    // The decode thread has delivered everything for the current serial and the queue is empty.
    bool finished() override;
    // A decode error for the current serial (the queue is then finished), if any.
    std::optional<Error> error() override;
    // Frames of the current serial waiting in the queue.
    int queued() override;
    int capacity() const override { return opts_.queue_frames; }
    bool decoded_all() override;

private:
    ClipReader() = default;
    void run();

    ClipInfo info_;
    Options opts_;
    std::unique_ptr<VideoDecoder> decoder_;  // created and used by the decode thread only
    std::thread thread_;

    std::mutex mutex_;
    // Guarded by mutex_: everything below.
    std::condition_variable space_cv_;       // decode thread waits: queue full, or no request
    std::condition_variable frames_cv_;      // consumer waits for frames
    std::deque<VideoFrame> queue_;
    uint64_t serial_ = 0;                    // bumped by seek()
    int64_t request_frame_ = 0;              // start of the current serial
    bool request_reverse_ = false;
    bool eos_ = false;                       // decode thread finished the current serial
    std::optional<Error> error_;
    bool quit_ = false;
};

}  // namespace reelsync::media
