#include "review/background_scan.h"

#include "core/threads.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace reelsync::review {

BackgroundScan::BackgroundScan(std::string path, analysis::DetectorConfig cfg, HelperPool& pool, std::shared_ptr<analysis::LiveMeasures> live,
                               int64_t frames, double fps)
    : path_(std::move(path)), cfg_(cfg), live_(std::move(live)), frames_(frames), fps_(fps), pool_(&pool) {
    // On a small machine it starts held, as if playback ran: a clip usually opens playing, and
    // the first set_playback_running() releases it if not.
    set_playback_running(true);
    (void)pool.submit([st = state_, path = path_, cfg] {
        if (st->cancel.load()) return;  // the clip was closed before the job started
        auto r = analysis::scan_clip(path, cfg, 1, {&st->cancel, &st->pause_us, &st->progress});
        std::lock_guard lock(st->mutex);
        if (st->result || st->cancel.load()) return;  // the live measures finished first, or nobody waits
        if (r) st->result = std::make_shared<const analysis::ClipScan>(std::move(*r));
        else st->error = r.error().message;
    });
}

BackgroundScan::BackgroundScan(analysis::ClipScan done) : path_(done.file), stored_(true) {
    state_->result = std::make_shared<const analysis::ClipScan>(std::move(done));
    state_->progress.store(1.0f);
}

void BackgroundScan::set_playback_running(bool running) {
    const bool few_cores = threads::few_cores();
    state_->pause_us.store(running && few_cores ? -1 : 0, std::memory_order_relaxed);
}

BackgroundScan::~BackgroundScan() {
    // The scan job stops at its next frame and drops what it found. A live detection job still
    // queued or running holds copies of what it needs: it finishes on its pool, result dropped.
    state_->cancel.store(true);
}

float BackgroundScan::progress() const {
    const float own = state_->progress.load(std::memory_order_relaxed);
    const float live = frames_ > 0 ? static_cast<float>(partial_frames_) / static_cast<float>(frames_) : 0.0f;
    return std::max(own, live);
}

void BackgroundScan::refresh_live() {
    if (!live_ || stored_ || !pool_) return;
    if (live_job_.valid()) {
        if (live_job_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
        analysis::ClipScan s = live_job_.get();
        if (live_job_frames_ >= frames_ && frames_ > 0) {
            // Playback decoded the whole clip in order: that is the scan; the own decode can stop.
            std::lock_guard lock(state_->mutex);
            if (!state_->result) {
                state_->result = std::make_shared<const analysis::ClipScan>(std::move(s));
                state_->error.reset();
            }
            state_->cancel.store(true);
            partial_frames_ = live_job_frames_;
            return;
        }
        // Only what the frames still to come cannot change: flags ending well before the last
        // measured frame, and nothing about the clip's end.
        std::erase_if(s.flags, [&](const analysis::Flag& f) {
            return f.last_frame >= live_job_frames_ - 8 || f.kind == analysis::FlagKind::end_decay;
        });
        partial_ = std::make_shared<const analysis::ClipScan>(std::move(s));
        partial_frames_ = live_job_frames_;
    }
    {
        std::lock_guard lock(state_->mutex);
        if (state_->result) return;
    }
    const int64_t n = live_->measured();
    if (n < partial_frames_ + 12 && !(n == frames_ && n > partial_frames_)) return;  // little new
    // At most once a second (a few ms for a minute of frames), at the lowest priority, copying the
    // measures on the helper thread.
    const auto now = std::chrono::steady_clock::now();
    if (n < frames_ && now - live_job_started_ < std::chrono::seconds(1)) return;
    live_job_started_ = now;
    live_job_frames_ = n;
    live_job_ = pool_->submit([live = live_, path = path_, frames = frames_, fps = fps_, cfg = cfg_, n] {
        // On the background pool (the lowest priority): the copy (the decode thread appends
        // under the same lock, briefly), then the detectors.
        auto m = live->metrics();
        auto pts = live->pts();
        m.resize(static_cast<size_t>(n));  // the frames this job is about
        pts.resize(static_cast<size_t>(n));
        return analysis::scan_from_measures(path, m, frames, fps, pts, cfg);
    });
}

std::shared_ptr<const analysis::ClipScan> BackgroundScan::shown() {
    if (auto r = result()) return r;
    return partial_;
}

std::shared_ptr<const analysis::ClipScan> BackgroundScan::result() {
    std::lock_guard lock(state_->mutex);
    return state_->result;
}

std::optional<std::string> BackgroundScan::error() {
    std::lock_guard lock(state_->mutex);
    return state_->error;
}

}  // namespace reelsync::review
