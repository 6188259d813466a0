#include "media/clip_reader.h"

#include <algorithm>
#include <chrono>
#include <future>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#include "core/threads.h"
#include "core/log.h"

namespace reelsync::media {

Result<std::unique_ptr<ClipReader>> ClipReader::open(const std::string& path, Options opts) {
    std::unique_ptr<ClipReader> r(new ClipReader());
    r->opts_ = opts;
    r->opts_.queue_frames = std::max(2, opts.queue_frames);
    r->opts_.reverse_chunk = std::max(1, opts.reverse_chunk);
    // The decoder is opened on the decode thread, after that thread has lowered its priority, so
    // FFmpeg's own decoding threads (created when the codec opens) inherit it: decoding ahead must
    // never delay the thread that presents frames on time. open() still waits for the outcome.
    std::promise<Result<ClipInfo>> opened;
    auto ready = opened.get_future();
    r->thread_ = std::thread([p = r.get(), path, &opened] {
        threads::set_current(threads::Priority::decode, "rs-decode");
        auto dec = VideoDecoder::open(path, VideoDecoder::Options{p->opts_.threads});
        if (!dec) {
            opened.set_value(std::unexpected(dec.error()));
            return;
        }
        p->decoder_ = std::move(*dec);
        opened.set_value(p->decoder_->info());
        p->run();
    });
    auto info = ready.get();
    if (!info) {
        r->thread_.join();
        return std::unexpected(info.error());
    }
    r->info_ = std::move(*info);
    return r;
}

ClipReader::~ClipReader() {
    {
        std::lock_guard lock(mutex_);
        quit_ = true;
    }
    space_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

uint64_t ClipReader::seek(int64_t frame, bool reverse) {
    std::lock_guard lock(mutex_);
    ++serial_;
    request_frame_ = std::clamp<int64_t>(frame, 0, info_.frame_count() - 1);
    request_reverse_ = reverse;
    queue_.clear();
    eos_ = false;
    error_.reset();
    playhead_ = request_frame_;
    first_delivered_ = false;
    // A cached target is queued right here: a step inside the cache never waits for the decoder.
    if (auto c = cache_get(request_frame_)) {
        c->serial = serial_;
        queue_.push_back(std::move(*c));
        first_delivered_ = true;
        ++cache_hits_;
        frames_cv_.notify_all();
    }
    space_cv_.notify_all();
    return serial_;
}

namespace {
size_t picture_bytes(const VideoFrame& f) {
    size_t n = 0;
    if (f.picture)
        for (AVBufferRef* b : f.picture->buf)
            if (b) n += b->size;
    return n + sizeof(VideoFrame);
}
}  // namespace

void ClipReader::cache_put(const VideoFrame& f) {
    if (opts_.cache_bytes == 0 || cache_.count(f.index)) return;
    const size_t bytes = picture_bytes(f);
    while (!cache_.empty() && cache_used_ + bytes > opts_.cache_bytes) {
        // Evict whichever end is farther from the playhead.
        auto first = cache_.begin();
        auto last = std::prev(cache_.end());
        auto victim = (playhead_ - first->first) > (last->first - playhead_) ? first : last;
        if (victim->first == f.index) break;
        cache_used_ -= picture_bytes(victim->second);
        cache_.erase(victim);
    }
    if (cache_used_ + bytes > opts_.cache_bytes) return;
    cache_.emplace(f.index, f);
    cache_used_ += bytes;
}

std::optional<VideoFrame> ClipReader::cache_get(int64_t i) {
    auto it = cache_.find(i);
    if (it == cache_.end()) return std::nullopt;
    return it->second;
}

ClipReader::CacheStats ClipReader::cache_stats() {
    std::lock_guard lock(mutex_);
    return {cache_.size(), cache_used_, cache_hits_};
}

std::optional<VideoFrame> ClipReader::peek() {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return std::nullopt;
    return queue_.front();
}

std::optional<VideoFrame> ClipReader::pop() {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return std::nullopt;
    VideoFrame f = std::move(queue_.front());
    playhead_ = f.index;
    queue_.pop_front();
    space_cv_.notify_all();
    return f;
}

bool ClipReader::wait_for_frame(double timeout_s) {
    std::unique_lock lock(mutex_);
    frames_cv_.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] { return !queue_.empty() || eos_; });
    return !queue_.empty();
}

bool ClipReader::finished() {
    std::lock_guard lock(mutex_);
    return eos_ && queue_.empty();
}

std::optional<Error> ClipReader::error() {
    std::lock_guard lock(mutex_);
    return error_;
}

bool ClipReader::decoded_all() {
    std::lock_guard lock(mutex_);
    return eos_;
}

int ClipReader::queued() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(queue_.size());
}

void ClipReader::run() {
    // Decode-thread state: which serial it works on and where it is.
    uint64_t serial = UINT64_MAX;
    bool reverse = false;
    int64_t next_index = 0;      // forward: the next frame to deliver
    int64_t reverse_end = 0;     // reverse: frames before this one are still to be delivered
    int64_t decoder_next = -1;   // the frame the decoder's next() returns (-1: unknown)
    // info_ is the consumer's copy (set after this thread starts); the decoder's is this thread's.
    const ClipInfo& info = decoder_->info();
    const int64_t count = info.frame_count();

    auto deliver = [&](VideoFrame f) -> bool {
        std::unique_lock lock(mutex_);
        space_cv_.wait(lock, [&] {
            return quit_ || serial_ != serial || static_cast<int>(queue_.size()) < opts_.queue_frames;
        });
        if (quit_ || serial_ != serial) return false;  // stale: a newer seek arrived
        cache_put(f);
        f.serial = serial;
        queue_.push_back(std::move(f));
        frames_cv_.notify_all();
        return true;
    };
    auto cached = [&](int64_t i) -> std::optional<VideoFrame> {
        std::lock_guard lock(mutex_);
        if (serial_ != serial) return std::nullopt;
        auto c = cache_get(i);
        if (c) ++cache_hits_;
        return c;
    };
    auto keep = [&](const VideoFrame& f) {
        std::lock_guard lock(mutex_);
        cache_put(f);
    };
    auto finish = [&](std::optional<Error> err) {
        std::lock_guard lock(mutex_);
        if (serial_ != serial) return;
        eos_ = true;
        error_ = std::move(err);
        frames_cv_.notify_all();
    };

    while (true) {
        std::optional<VideoFrame> served;  // a target seek() served from the cache, for on_frame
        {
            std::unique_lock lock(mutex_);
            space_cv_.wait(lock, [&] { return quit_ || serial_ != serial || !eos_; });
            if (quit_) return;
            if (serial_ != serial) {
                serial = serial_;
                reverse = request_reverse_;
                // A target seek() served from the cache is already queued: carry on after it.
                const int64_t skip = first_delivered_ ? 1 : 0;
                next_index = request_frame_ + skip;
                reverse_end = request_frame_ + 1 - skip;
                if (first_delivered_ && !reverse && opts_.on_frame) served = cache_get(request_frame_);
            }
        }
        if (served && served->picture) opts_.on_frame(*served);  // here, not on the thread that seeks
        if (!reverse) {
            if (next_index >= count) {
                finish(std::nullopt);
                continue;
            }
            if (auto c = cached(next_index)) {
                if (opts_.on_frame && c->picture) opts_.on_frame(*c);
                if (deliver(std::move(*c))) ++next_index;
                continue;
            }
            {
                // Decode on from where the decoder is when that reaches the target through the same
                // GOP; else seek to the keyframe, keeping the frames just before the target cached.
                const auto& ix = info.index;
                const int64_t key = ix.frame_at_pts(ix.keyframe_at_or_before(ix.pts[static_cast<size_t>(next_index)]));
                if (decoder_next < key || decoder_next > next_index) {
                    const int64_t behind = opts_.cache_bytes ? opts_.cache_behind : 0;
                    const int64_t start = std::max(key, next_index - behind);
                    if (auto r = decoder_->seek(start); !r) {
                        decoder_next = -1;
                        finish(r.error());
                        continue;
                    }
                    decoder_next = start;
                }
            }
            auto f = decoder_->next();
            if (!f) {
                decoder_next = -1;
                finish(f.error());
                continue;
            }
            if (!*f) {
                decoder_next = -1;
                finish(std::nullopt);
                continue;
            }
            decoder_next = (*f)->index + 1;
            if (opts_.on_frame && (*f)->picture) opts_.on_frame(**f);
            if ((*f)->index < next_index) {
                keep(**f);
                continue;
            }
            next_index = (*f)->index + 1;
            deliver(std::move(**f));
        } else {
            if (reverse_end <= 0) {
                finish(std::nullopt);
                continue;
            }
            if (auto c = cached(reverse_end - 1)) {
                if (deliver(std::move(*c))) --reverse_end;
                continue;
            }
            int64_t start = std::max<int64_t>(0, reverse_end - opts_.reverse_chunk);
            if (auto r = decoder_->seek(start); !r) {
                decoder_next = -1;
                finish(r.error());
                continue;
            }
            std::vector<VideoFrame> run;
            while (true) {
                auto f = decoder_->next();
                if (!f || !*f || (*f)->index >= reverse_end) break;
                run.push_back(std::move(**f));
            }
            decoder_next = -1;
            reverse_end = start;
            for (auto it = run.rbegin(); it != run.rend(); ++it)
                if (!deliver(std::move(*it))) break;
        }
    }
}

}  // namespace reelsync::media
