#pragma once
// The reelsync command line: one function per subcommand, each returning the process exit code.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "review/session_options.h"

namespace reelsync::app {

struct PlayOptions : review::SessionOptions {
    std::string project;            // a project folder (files is then empty)
    bool edit = false;              // play the project's edit against its song
    std::string clip;               // headless review: the project clip to play
    std::string keys;               // scripted key presses "SECONDS:KEY,..." (clock time; browser: since start)
    std::string ipc;                // "-": commands as JSON lines on stdin, replies on stdout
    std::string input_conf;         // a key file (else the user's input.conf, if there is one)
    std::string start_view;         // review: "browser" (default) or "edit"
    bool headless = false;
    double duration = 0;            // seconds of playback; 0: to the end
    int width = 0, height = 0;      // window or offscreen size; 0: from the clip (window capped)
    std::string screenshot;         // window: save the window's pixels to this PNG after the first frames
    std::string vk_device;
    bool overlay = true;            // window: draw the ImGui overlay
    bool heat_map = false;          // window: start with the instability heat map shown (M toggles it)
    bool analysis = true;           // window: scan the clip for artifacts in the background
};

int run_play(const PlayOptions& opts);
// `reelsync compare A B [C D] --headless`: takes on one clock; `offsets`: seconds, one per take (or none).
int run_compare(const std::vector<std::string>& files, const std::vector<std::string>& offsets, const PlayOptions& opts);
int run_render(const std::string& file, std::optional<int64_t> frame, std::optional<std::pair<int64_t, int64_t>> range,
               const std::string& out, const std::string& out_dir, const std::string& vk_device);
int run_probe(const std::string& file);
// `reelsync keys`: the key table (Markdown, as in the README), the commands, the key names.
int run_keys(const std::string& what, const std::string& input_conf);
struct BenchOptions {
    std::string file;
    int threads = 0;
    int frames = 0;  // 0: the whole clip
    std::string vk_device;
    bool json = false;
    bool scan = false;  // compare decoding with decoding + artifact measures instead
};
int run_bench(const BenchOptions& opts);

int run_beats(const std::string& track, const std::string& reference, const std::string& estimate, bool json,
              const std::string& cuts = {}, const std::string& fps = "30");

struct ScanOptions {
    std::vector<std::string> paths;  // clips, or folders; one folder is a project
    int jobs = 1;
    std::string report;              // JSON report path (optional)
    std::string config;              // detector thresholds (JSON)
    std::string audio;               // project mode: the song (its beats are tracked and stored)
    bool rescan = false;             // scan clips whose stored scan is still valid too
    // On a cluster (project mode): `farm` names the scheduler ("slurm"); the rest are its options.
    std::string farm;
    std::string partition, time_limit;  // per task; empty: the cluster's defaults
    int shards = 0;                  // array tasks; 0: one per 10 clips that need a scan
    int retries = 2;                 // times a task that ended without a valid result runs again
    int cpus_per_task = 1;
    std::string work;                // the work folder; empty: PROJECT/.reelsync-farm
    bool attach = false;             // follow a submission made before, merging what it finished
    bool cancel = false;             // cancel a submission made before
};
int run_scan(const ScanOptions& o);
// `reelsync bench --farm FOLDER`: clips per minute scanned here and through Slurm, the same clips.
struct FarmBenchOptions {
    std::string folder;  // a project folder
    int shards = 0;      // 0: one per 10 clips
    int jobs = 0;        // local workers; 0: as many as the cluster has CPUs
    bool json = false;
};
int run_farm_bench(const FarmBenchOptions& o);
// `reelsync farm-task WORK N`: what each array task of a farm scan runs.
int run_farm_task(const std::string& work, int shard);

struct ReviewBenchOptions {
    std::string folder;       // a project folder of clips
    std::string step_clip;    // a long-GOP clip for the backward-step figure
    int switches = 30;        // next-clip presses
    int steps = 30;           // backward steps
    double watch = 0.4;       // seconds watched before each next-clip press
    double step_play = 3.0;   // seconds played before stepping back
    double step_pause = 0.15; // seconds between steps
    bool no_audio = false;
    int threads = 0;
    std::string vk_device;
};
int run_review_bench(const ReviewBenchOptions& opts);

struct ExportOptions {
    std::string folder;
    std::string audio;      // the song (recorded in the project)
    std::string otio, edl, csv;
    bool drop_frame = false;
};
int run_export(const ExportOptions& opts);
int run_status(const std::string& folder, bool json);
int run_import(const std::string& folder, const std::string& otio);
int run_relink(const std::string& folder, const std::string& from);

// One-line error to stderr, "reelsync: <message>".
void print_error(const std::string& message);

}  // namespace reelsync::app
