#pragma once
// Filling in a project behind the browser: each clip is probed and gets a thumbnail, both cached
// in the project database (keyed by file size and mtime), so a second opening reads them back
// instead of decoding anything. A second pass then scans every clip not scanned yet for artifacts
// (the flag counts the browser shows and filters on); it can be held while playback needs the CPU.
//
// Threads: Catalog owns two helper pools: probes and thumbnails at the catalogue priority, then
// the artifact pass at the background priority (a pooled thread keeps its priority, so the two
// passes run on pools of their own). Each worker job owns its own database connection
// (ProjectCache). Results reach the owner (the UI thread) through a mutex-guarded queue.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>

#include "analysis/artifacts.h"
#include "core/helper_pool.h"
#include "project/project.h"

namespace reelsync::project {

inline constexpr int kThumbWidth = 160;
inline constexpr int kThumbHeight = 90;

inline constexpr const char* kDetectorsFile = "reelsync-detectors.json";
// The thresholds a project's artifact scans use: FOLDER/reelsync-detectors.json when there is one,
// else the defaults. A file that cannot be read or holds bad values is an error naming it.
Result<analysis::DetectorConfig> project_detectors(const std::filesystem::path& folder);
// Scans stored with other detectors or thresholds than these are stale: forgets them and records these.
Result<void> use_detectors(Project& p, const analysis::DetectorConfig& cfg);

struct Catalogued {
    int64_t clip = 0;
    std::optional<ClipMedia> media;
    std::string error;                         // probe/decode failure, one line
    std::optional<ProjectCache::Thumbnail> thumbnail;
    bool from_cache = false;
    int flags = -1;                            // second pass: artifact flags found (-1: not this result)
    double steadiness = -1;                    // ... and the scan's steadiness
};

// Probes one clip and makes its thumbnail (the keyframe nearest the middle, letterboxed in
// kThumbWidth x kThumbHeight RGBA). While `hold` is set it waits before decoding (a player needs
// the CPU: a probe started before playback does not decode beside it); `quit` ends the wait.
Result<Catalogued> catalogue_clip(const std::filesystem::path& file, const std::atomic<bool>* hold = nullptr,
                                  const std::atomic<bool>* quit = nullptr);

class Catalog {
public:
    struct Item {
        int64_t clip;
        std::filesystem::path file;
        int64_t size, mtime;
        bool probed;  // the project already has its ClipMedia
        bool scanned; // the project already has its artifact scan
    };
    // Starts `threads` workers (0: one per core) over the items, in order; with `scans`, as each
    // finds nothing left to probe, a scan worker starts on every clip not scanned yet.
    Catalog(std::filesystem::path folder, std::vector<Item> items, bool scans = false, int threads = 0,
            analysis::DetectorConfig detectors = {});
    ~Catalog();
    Catalog(const Catalog&) = delete;
    Catalog& operator=(const Catalog&) = delete;

    // Results since the last call.
    std::vector<Catalogued> take();
    size_t done() const { return done_.load(); }
    size_t total() const { return items_.size(); }
    bool finished() const { return done_.load() == items_.size(); }
    // Blocks until every item is probed and thumbnailed (command line use).
    void wait();
    // Holds the work (a player needs the CPU) or lets it go on: the artifact pass at once, probes
    // and thumbnails before their next decode.
    void hold(bool hold) {
        pause_us_.store(hold ? -1 : 0);
        held_.store(hold);
    }
    bool held() const { return held_.load(); }
    // Artifact scans done (or failed); every one counted here has its result in take() already.
    size_t scanned() const { return scanned_.load(); }
    size_t to_scan() const { return to_scan_; }

private:
    void probe_work();
    void scan_work();

    std::filesystem::path folder_;
    std::vector<Item> items_;            // read-only after construction
    std::atomic<size_t> next_{0};        // next item a worker takes
    std::atomic<size_t> done_{0};
    std::atomic<bool> quit_{false};
    const bool scans_;
    const analysis::DetectorConfig detectors_;
    std::atomic<int> pause_us_{0};       // the scans' ScanControl: < 0 holds them
    std::atomic<bool> held_{false};      // probes and thumbnails wait before decoding
    std::atomic<size_t> next_scan_{0};
    std::atomic<size_t> scanned_{0};
    size_t to_scan_ = 0;                 // set at construction
    std::mutex mutex_;
    std::deque<Catalogued> results_;     // guarded by mutex_
    std::condition_variable done_cv_;    // with mutex_: wait()
    // Last, so that they go first (the probes' pool before the scans', to which its jobs submit):
    // each runs what is queued (jobs that see quit_ and return) and joins.
    std::unique_ptr<HelperPool> scan_pool_;
    std::unique_ptr<HelperPool> probe_pool_;
};

}  // namespace reelsync::project
