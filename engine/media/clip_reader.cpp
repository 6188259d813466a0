#include "media/clip_reader.h"

#include <algorithm>
#include <chrono>
#include <future>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

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
        setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 4);
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
    space_cv_.notify_all();
    return serial_;
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
    int64_t reverse_end = 0;  // reverse: frames before this one are still to be delivered
    bool need_seek = false;
    int64_t seek_to = 0;

    auto deliver = [&](VideoFrame f) -> bool {
        std::unique_lock lock(mutex_);
        space_cv_.wait(lock, [&] {
            return quit_ || serial_ != serial || static_cast<int>(queue_.size()) < opts_.queue_frames;
        });
        if (quit_ || serial_ != serial) return false;  // stale: a newer seek arrived
        f.serial = serial;
        queue_.push_back(std::move(f));
        frames_cv_.notify_all();
        return true;
    };
    auto finish = [&](std::optional<Error> err) {
        std::lock_guard lock(mutex_);
        if (serial_ != serial) return;
        eos_ = true;
        error_ = std::move(err);
        frames_cv_.notify_all();
    };

    while (true) {
        {
            std::unique_lock lock(mutex_);
            space_cv_.wait(lock, [&] { return quit_ || serial_ != serial || !eos_; });
            if (quit_) return;
            if (serial_ != serial) {
                serial = serial_;
                reverse = request_reverse_;
                need_seek = true;
                seek_to = request_frame_;
                reverse_end = request_frame_ + 1;
            }
        }
        if (!reverse) {
            if (need_seek) {
                need_seek = false;
                if (auto r = decoder_->seek(seek_to); !r) {
                    finish(r.error());
                    continue;
                }
            }
            auto f = decoder_->next();
            if (!f) {
                finish(f.error());
                continue;
            }
            if (!*f) {
                finish(std::nullopt);
                continue;
            }
            deliver(std::move(**f));
        } else {
            need_seek = false;
            if (reverse_end <= 0) {
                finish(std::nullopt);
                continue;
            }
            int64_t start = std::max<int64_t>(0, reverse_end - opts_.reverse_chunk);
            if (auto r = decoder_->seek(start); !r) {
                finish(r.error());
                continue;
            }
            std::vector<VideoFrame> run;
            while (true) {
                auto f = decoder_->next();
                if (!f || !*f || (*f)->index >= reverse_end) break;
                run.push_back(std::move(**f));
            }
            reverse_end = start;
            for (auto it = run.rbegin(); it != run.rend(); ++it)
                if (!deliver(std::move(*it))) break;
        }
    }
}

}  // namespace reelsync::media
