#pragma once
// The artifact scan of the clip on screen. Two sources, whichever completes first:
//  - live: the measures of the frames playback decodes anyway (LiveMeasures, filled by the clip
//    reader's decode thread); flags for the frames measured so far are shown while the clip
//    plays, and once playback has decoded the whole clip in order those are the result;
//  - a decode of its own, a job on the Session's background pool (the lowest priority), so that
//    playback never waits for it (on two cores or fewer it holds while playback runs).
// Owned by the Session (main thread). The scan job holds no pointer to it: what the two share is
// a State held by both, so that closing a clip never waits for the job (it is told to stop, and
// its result is dropped).
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "analysis/artifacts.h"
#include "core/helper_pool.h"

namespace reelsync::review {

class BackgroundScan {
public:
    // `live` may be null; `frames` and `fps` are the clip's (for the live result).
    // `pool` runs the scan and the live detection jobs; it must outlive them (it finishes its
    // queue before it goes). It needs two threads for the live flags to come while the scan runs.
    BackgroundScan(std::string path, analysis::DetectorConfig cfg, HelperPool& pool, std::shared_ptr<analysis::LiveMeasures> live = nullptr,
                   int64_t frames = 0, double fps = 0);
    // A scan already made (stored in the project): no job, the result is there at once.
    explicit BackgroundScan(analysis::ClipScan done);
    ~BackgroundScan();  // tells the scan job to stop; never waits for it
    BackgroundScan(const BackgroundScan&) = delete;
    BackgroundScan& operator=(const BackgroundScan&) = delete;

    // The flags once the scan has finished (null while running or after a failure). Shared, not
    // copied: the window asks every frame, and a scan carries a curve and a heat map per frame.
    std::shared_ptr<const analysis::ClipScan> result();
    std::optional<std::string> error();
    bool stored() const { return stored_; }  // made from a stored scan (nothing new to store)
    const analysis::DetectorConfig& config() const { return cfg_; }  // the thresholds it scans with
    float progress() const;
    // Main thread, once per frame: turns new live measures into flags (on a helper thread).
    void refresh_live();
    // What to show: the result, else the live flags found so far (frames before live_frames()).
    std::shared_ptr<const analysis::ClipScan> shown();
    int64_t live_frames() const { return partial_frames_; }
    // Live analysis must never cost a frame. With more than two cores the scan runs alongside
    // playback at the lowest priority; with two or fewer (where playback needs them all) it holds
    // while playback runs and goes on when it pauses.
    void set_playback_running(bool running);

private:
    std::string path_;
    bool stored_ = false;
    analysis::DetectorConfig cfg_;
    std::shared_ptr<analysis::LiveMeasures> live_;
    int64_t frames_ = 0;
    double fps_ = 0;
    HelperPool* pool_ = nullptr;  // null for a stored scan
    // Main thread only: the live detection job and what it found.
    std::future<analysis::ClipScan> live_job_;
    int64_t live_job_frames_ = 0;
    std::chrono::steady_clock::time_point live_job_started_{};
    std::shared_ptr<const analysis::ClipScan> partial_;
    int64_t partial_frames_ = 0;
    // Shared with the scan job (which may outlive this).
    struct State {
        std::atomic<bool> cancel{false};
        std::atomic<float> progress{0.0f};
        std::atomic<int> pause_us{0};  // the scan's ScanControl: < 0 holds it
        std::mutex mutex;
        // Guarded by mutex:
        std::shared_ptr<const analysis::ClipScan> result;
        std::optional<std::string> error;
    };
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace reelsync::review
