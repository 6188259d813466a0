#pragma once
// ClipReader: one decode thread per open clip, decoding ahead into a bounded queue ordered by
// presentation time. Its API looks single-threaded to the player, which owns it.
//
// Seeks are exact and asynchronous: seek() bumps a serial number, the queue drops every frame of an
// older serial (as ffplay does), and the decode thread starts again from the keyframe before the
// target. In reverse mode the thread decodes short forward runs and queues them backwards.
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
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
        // Frame cache: decoded frames around the playhead are kept up to this many bytes, so a
        // step back or a short scrub is served without decoding (0: no cache).
        size_t cache_bytes = size_t{256} << 20;
        // After a seek, frames up to this many before the target are decoded into the cache too
        // (they come from the same GOP decode), so stepping back from a seek is instant.
        int cache_behind = 24;
        // Called on the decode thread with every frame going forward, decoded or from the cache
        // (a seek target served from the cache too, just after it was queued): live analysis of
        // what playback decodes anyway. Must be quick and may not keep the frame.
        std::function<void(const VideoFrame& frame)> on_frame;
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
    // Frames and bytes held by the cache, and seeks it answered without decoding.
    struct CacheStats {
        size_t frames = 0, bytes = 0;
        int64_t hits = 0;
    };
    CacheStats cache_stats();

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
    std::map<int64_t, VideoFrame> cache_;    // decoded frames by index (shared pictures)
    size_t cache_used_ = 0;                  // bytes of pictures in cache_
    int64_t playhead_ = 0;                   // last frame sought or taken: eviction keeps what is near it
    int64_t cache_hits_ = 0;
    bool first_delivered_ = false;           // seek() served the target from the cache

    void cache_put(const VideoFrame& f);             // with mutex_ held
    std::optional<VideoFrame> cache_get(int64_t i);  // with mutex_ held
};

}  // namespace reelsync::media
