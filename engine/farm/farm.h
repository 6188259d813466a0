#pragma once
// Farm scan: a project's artifact scan handed to a cluster scheduler as a job array.
//
// The submitting command is the only writer of the project's database. It splits the clips that
// still need a scan into shards, writes them to a work folder, and submits one array task per
// shard. Each task runs `reelsync farm-task WORK N` on a compute node: it scans the clips of shard
// N with the thresholds in the manifest and writes its result file, complete or not at all (a
// temporary file renamed into place). The submitting command merges each finished shard into the
// project as it appears, retries tasks that ended without a valid result, and can be stopped and
// attached again: what is merged is recorded in the work folder's state file after the project has
// it, so a shard is never counted twice.
//
// The work folder (default: `.reelsync-farm` in the project folder, which the scan skips):
//   manifest.json           the thresholds and each shard's clips (id, path, size, mtime)
//   task.sh                 what each array task runs
//   results/shard-N.json    shard N's result; a rejected one is kept as shard-N.rejected-K.json
//   logs/JOB_N.log          each attempt's output
//   state.json              the submitting command's record: jobs, attempts, what is merged
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/artifacts.h"
#include "core/error.h"
#include "project/batch_scan.h"
#include "project/project.h"

namespace reelsync::farm {

namespace fs = std::filesystem;

struct ShardClip {
    int64_t clip = -1;     // the project's clip id
    std::string file;      // absolute path, as the compute nodes see it
    int64_t size = 0, mtime = 0;
    bool scan = true;        // needs its artifact scan
    bool catalogue = false;  // needs its probe and thumbnail (what the browser shows)
};

struct Manifest {
    nlohmann::json detectors;  // the thresholds every task scans with (analysis::to_json)
    std::vector<std::vector<ShardClip>> shards;
};

// Splits clips into at most `shards` shards of about equal bytes (largest clip first, onto the
// lightest shard); no shard is empty and each keeps the clips' order.
std::vector<std::vector<ShardClip>> make_shards(const std::vector<ShardClip>& clips, int shards);

Result<void> write_manifest(const fs::path& work, const Manifest& m);
Result<Manifest> read_manifest(const fs::path& work);

struct ClipOutcome {
    int64_t clip = -1;
    int64_t size = 0, mtime = 0;                // of the file the task read
    std::optional<analysis::ClipScan> scan;
    std::string error;                          // the clip could not be scanned
    bool catalogued = false;                    // the task probed it (media or probe_error) ...
    std::optional<project::ClipMedia> media;
    std::string probe_error;
    std::optional<project::ProjectCache::Thumbnail> thumbnail;  // ... and made its thumbnail
};
struct ShardResult {
    int shard = -1;
    std::vector<ClipOutcome> clips;             // the manifest's clips of the shard, in its order
};

fs::path result_path(const fs::path& work, int shard);

// The task: scans shard `shard` and writes its result file. Returns how many clips it scanned;
// fails when the manifest cannot be read or the result cannot be written (the task then fails and
// the submitting command retries it). One clip that cannot be decoded is an outcome, not a failure.
Result<size_t> run_task(const fs::path& work, int shard, int threads);

// Reads a shard's result: none when there is no file yet; an error when it is truncated, corrupt
// (its digest does not match) or not the shard the manifest lists.
Result<std::optional<ShardResult>> read_result(const fs::path& work, int shard, const Manifest& m);

// --- the scheduler ---

struct SubmitOptions {
    std::string partition;   // empty: the cluster's default
    std::string time_limit;  // per task, as the scheduler takes it ("10:00"); empty: its default
    int cpus_per_task = 1;
};

enum class TaskPhase { pending, running };

class Scheduler {
public:
    virtual ~Scheduler() = default;
    virtual const char* name() const = 0;
    // Installed and its controller answering; the error says which is missing.
    virtual Result<void> check() = 0;
    // Submits `script` as an array of the given task indices; returns the job id.
    virtual Result<std::string> submit(const fs::path& script, const fs::path& work, const std::vector<int>& tasks,
                                       const SubmitOptions& o) = 0;
    // Tasks of these jobs still in the queue ("JOB_INDEX" -> pending or running).
    virtual Result<std::map<std::string, TaskPhase>> queue(const std::vector<std::string>& jobs) = 0;
    // How a task that left the queue ended ("TIMEOUT", "CANCELLED", "FAILED, exit 1"), if known.
    virtual std::string how_ended(const std::string& task) = 0;
    virtual Result<void> cancel(const std::vector<std::string>& jobs) = 0;
    // CPUs the cluster has (all partitions), for figures per slot.
    virtual Result<int> cpus() = 0;
};

// Slurm through its commands (sbatch, squeue, scontrol, scancel, sinfo), with the environment's
// SLURM_CONF.
std::unique_ptr<Scheduler> slurm_scheduler();

// --- the submitting command's record ---

enum class ShardPhase { waiting, queued, running, merged, failed };
const char* to_string(ShardPhase p);

struct ShardState {
    ShardPhase phase = ShardPhase::waiting;
    int attempts = 0;
    std::string task;    // the scheduler's id of the latest attempt ("1234_5")
    std::string note;    // why the latest attempt ended without a result
};

struct State {
    std::string scheduler;
    SubmitOptions options;
    int max_attempts = 3;
    bool cancelled = false;
    std::vector<std::string> jobs;
    std::vector<ShardState> shards;
};

Result<void> save_state(const fs::path& work, const State& s);
Result<State> load_state(const fs::path& work);

struct Progress {
    int waiting = 0, pending = 0, running = 0, merged = 0, failed = 0, retried = 0;
    size_t clips_done = 0, clips_total = 0;
    bool finished() const { return waiting + pending + running == 0; }
};

// Stores one shard's outcomes in the project; an error stops the merge (the shard stays unmerged).
using StoreFn = std::function<Result<void>(const ShardResult&)>;

class Farm {
public:
    // Writes the work folder (nothing is submitted when it cannot be written) and submits every
    // shard. `binary` is the reelsync the tasks run.
    static Result<Farm> submit(const fs::path& work, Manifest m, Scheduler& sched, const SubmitOptions& o, int max_attempts,
                               const fs::path& binary);
    // Picks up a submission from its work folder.
    static Result<Farm> attach(const fs::path& work, Scheduler& sched);

    // One round: what is queued, merge every valid result, resubmit what ended without one (a
    // rejected result file is kept aside), until each shard is merged or out of attempts.
    Result<Progress> step(const StoreFn& store);
    Progress progress() const;
    Result<void> cancel();

    struct Failure {
        int shard;
        std::string note;
        fs::path log;
    };
    std::vector<Failure> failures() const;
    // What happened since the last call that a person should hear of: rejected results, retries.
    std::vector<std::string> take_notes() { return std::exchange(notes_, {}); }
    const fs::path& work() const { return work_; }
    const State& state() const { return state_; }
    const Manifest& manifest() const { return manifest_; }

private:
    Farm(fs::path work, Manifest m, State s, Scheduler& sched) : work_(std::move(work)), manifest_(std::move(m)), state_(std::move(s)), sched_(&sched) {}
    Result<void> submit_shards(const std::vector<int>& shards);
    fs::path log_of(const std::string& task) const;

    fs::path work_;
    Manifest manifest_;
    State state_;
    Scheduler* sched_;
    int retried_ = 0;
    std::vector<std::string> notes_;
};

// --- the project's side (the submitting command is its one writer) ---

// What a farm scan of `jobs` submits: every clip without a scan, and every clip the browser has
// not probed and thumbnailed yet (a folder scanned on the farm opens with everything ready).
std::vector<ShardClip> clips_to_submit(const project::Project& proj, const std::vector<project::ScanJob>& jobs);

// Stores a shard's outcomes in the project through `cache`: the probes and thumbnails the task
// made, then the scans. Counts the scans stored; a clip the task could not scan has its error in
// `errors` (by clip id). An error stops the merge (Farm::step then leaves the shard unmerged).
struct Merged {
    size_t scans = 0;
    std::map<int64_t, std::string> errors;
};
Result<void> store_shard(project::ProjectCache& cache, const ShardResult& r, Merged& m);

// Once the farm has finished: why each clip of the manifest that still has no scan in the project
// has none (its own error, kept in its shard's result, or its task's failure), by clip id.
std::map<int64_t, std::string> why_unscanned(const Farm& f, const project::Project& proj);

}  // namespace reelsync::farm
