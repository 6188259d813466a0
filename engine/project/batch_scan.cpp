#include "project/batch_scan.h"

#include <algorithm>
#include <atomic>
#include <future>

#include "core/helper_pool.h"
#include "project/catalog.h"

namespace reelsync::project {

namespace fs = std::filesystem;

std::vector<ScanJob> scan_jobs(const std::vector<std::string>& paths, const Project* project, bool rescan) {
    std::vector<ScanJob> jobs;
    if (project) {
        const fs::path given(paths.empty() ? project->folder() : fs::path(paths[0]));
        for (const Clip& c : project->clips()) {
            if (c.missing) continue;
            ScanJob j;
            j.file = (given / c.path).string();
            j.clip = c.id;
            j.size = c.size;
            j.mtime = c.mtime;
            if (!rescan) j.scan = project->scan_result(c.id);  // unchanged since its scan: skipped
            if (j.scan) j.scan->file = j.file;
            jobs.push_back(std::move(j));
        }
        return jobs;
    }
    std::error_code ec;
    for (const std::string& p : paths) {
        if (fs::is_directory(p, ec)) {
            for (const fs::path& rel : list_clip_files(p)) jobs.push_back(ScanJob{(fs::path(p) / rel).string()});
        } else {
            jobs.push_back(ScanJob{p});
        }
    }
    return jobs;
}

BatchResult scan_batch(std::vector<ScanJob>& jobs, const analysis::DetectorConfig& cfg, int workers,
                       const std::optional<fs::path>& store_in, const std::function<void(const ScanJob&)>& on_done) {
    std::vector<size_t> todo;
    for (size_t i = 0; i < jobs.size(); ++i)
        if (!jobs[i].scan) todo.push_back(i);
    BatchResult result;
    if (todo.empty()) return result;
    workers = std::clamp(workers, 1, static_cast<int>(todo.size()));
    std::atomic<size_t> next{0};
    std::atomic<int> store_failures{0};
    // The scan is the job asked for: the pool runs at normal priority.
    HelperPool pool(static_cast<size_t>(workers), threads::Priority::batch, "rs-scan");
    std::vector<std::future<void>> running;
    for (int w = 0; w < workers; ++w) {
        running.push_back(pool.submit([&] {
            // Each worker stores its own results through its own connection, as each clip finishes.
            std::optional<ProjectCache> cache;
            if (store_in)
                if (auto c = ProjectCache::open(*store_in)) cache.emplace(std::move(*c));
            for (size_t k = next++; k < todo.size(); k = next++) {
                ScanJob& j = jobs[todo[k]];
                auto s = analysis::scan_clip(j.file, cfg, workers > 1 ? 1 : 0);
                if (s) {
                    j.scan = std::move(*s);
                    if (store_in && (!cache || !cache->put_scan(j.clip, j.size, j.mtime, *j.scan))) store_failures.fetch_add(1);
                } else {
                    j.error = s.error().message;
                }
                if (on_done) on_done(j);
            }
        }));
    }
    for (auto& f : running) f.get();
    result.scanned = todo.size();
    result.store_failures = store_failures.load();
    return result;
}

}  // namespace reelsync::project
