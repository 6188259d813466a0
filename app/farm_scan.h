#pragma once
// `reelsync scan FOLDER --farm slurm`: the project's scan as a cluster job array, merged into the
// project by this command (the database's one writer) as each task finishes.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/artifacts.h"
#include "app/app.h"
#include "project/batch_scan.h"
#include "project/project.h"

namespace reelsync::app {

struct FarmOutcome {
    size_t merged_clips = 0;                // scans this command merged into the project
    std::map<int64_t, std::string> errors;  // clip id -> why it has no scan (a clip's error, a failed task)
    bool stopped = false;                   // cancelled or detached: no report
};

// Submits (or attaches to, or cancels) the farm scan of the jobs that have no scan yet and merges
// what finishes. Returns the exit code: 0 when every shard was merged or failed for good (then
// `out.errors` says why), otherwise why it stopped.
int run_farm_scan(project::Project& proj, const analysis::DetectorConfig& cfg, const std::vector<project::ScanJob>& jobs,
                  const ScanOptions& o, FarmOutcome& out);

}  // namespace reelsync::app
