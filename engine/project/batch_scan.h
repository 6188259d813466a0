#pragma once
// Scanning many clips for artifacts from the command line (`reelsync scan`): which clips, and
// scanning them N at a time on a helper pool, storing each result in the project the moment it
// is made (a stopped scan resumes where it stopped).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/artifacts.h"
#include "core/error.h"
#include "project/project.h"

namespace reelsync::project {

struct ScanJob {
    std::string file;                        // as given (the report's "file")
    int64_t clip = -1;                       // project clip id (project mode)
    int64_t size = 0, mtime = 0;
    std::optional<analysis::ClipScan> scan;  // stored (unchanged since) or made now
    std::string error;                       // the clip could not be scanned
};

// A project's clips (present ones; their stored scans reused unless `rescan`), named from the
// folder as given; or, without a project, the clips given and those in the folders given.
std::vector<ScanJob> scan_jobs(const std::vector<std::string>& paths, const Project* project, bool rescan);

struct BatchResult {
    size_t scanned = 0;       // scans made now
    int store_failures = 0;   // of those, not stored in the project
};

// Scans every job that has no scan yet, `workers` clips at a time (one decoder thread each when
// more than one). With `store_in` (a project folder), each result is stored there as it
// finishes, through the worker's own connection. `on_done` is called after each clip, from the
// worker that scanned it.
BatchResult scan_batch(std::vector<ScanJob>& jobs, const analysis::DetectorConfig& cfg, int workers,
                       const std::optional<std::filesystem::path>& store_in, const std::function<void(const ScanJob&)>& on_done);

}  // namespace reelsync::project
