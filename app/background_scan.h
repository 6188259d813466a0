#pragma once
// The artifact scan of the clip on screen, run on a thread of its own at low priority so that
// playback never waits for it. Owned by the Session (main thread); the worker only writes the
// fields guarded by mutex_ and the progress atomic.
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "analysis/artifacts.h"

namespace reelsync::app {

class BackgroundScan {
public:
    explicit BackgroundScan(std::string path, analysis::DetectorConfig cfg = {});
    // A scan already made (stored in the project): no thread, the result is there at once.
    explicit BackgroundScan(analysis::ClipScan done);
    ~BackgroundScan();  // cancels and joins
    BackgroundScan(const BackgroundScan&) = delete;
    BackgroundScan& operator=(const BackgroundScan&) = delete;

    // The flags once the scan has finished (nullopt while running or after a failure).
    std::optional<analysis::ClipScan> result();
    std::optional<std::string> error();
    bool stored() const { return stored_; }  // made from a stored scan (nothing new to store)
    float progress() const { return progress_.load(std::memory_order_relaxed); }
    // Live analysis must never cost a frame. With more than two cores the scan runs alongside
    // playback at the lowest priority; with two or fewer (where playback needs them all) it holds
    // while playback runs and goes on when it pauses.
    void set_playback_running(bool running);

private:
    std::string path_;
    bool stored_ = false;
    std::atomic<bool> cancel_{false};
    std::atomic<float> progress_{0.0f};
    std::atomic<int> pause_us_{0};
    std::mutex mutex_;
    // Guarded by mutex_:
    std::optional<analysis::ClipScan> result_;
    std::optional<std::string> error_;
    std::thread thread_;  // last: started once the fields above exist
};

}  // namespace reelsync::app
