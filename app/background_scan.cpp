#include "app/background_scan.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace reelsync::app {

BackgroundScan::BackgroundScan(std::string path, analysis::DetectorConfig cfg) : path_(std::move(path)) {
    thread_ = std::thread([this, cfg] {
        // Lowest priority, and held while playback runs on a small machine (set_playback_running).
        setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
        auto r = analysis::scan_clip(path_, cfg, 1, {&cancel_, &pause_us_, &progress_});
        std::lock_guard lock(mutex_);
        if (r) result_ = std::move(*r);
        else error_ = r.error().message;
    });
}

BackgroundScan::BackgroundScan(analysis::ClipScan done) : path_(done.file), stored_(true), result_(std::move(done)) { progress_.store(1.0f); }

void BackgroundScan::set_playback_running(bool running) {
    static const bool few_cores = std::thread::hardware_concurrency() <= 2;
    pause_us_.store(running && few_cores ? -1 : 0, std::memory_order_relaxed);
}

BackgroundScan::~BackgroundScan() {
    cancel_.store(true);
    if (thread_.joinable()) thread_.join();
}

std::optional<analysis::ClipScan> BackgroundScan::result() {
    std::lock_guard lock(mutex_);
    return result_;
}

std::optional<std::string> BackgroundScan::error() {
    std::lock_guard lock(mutex_);
    return error_;
}

}  // namespace reelsync::app
