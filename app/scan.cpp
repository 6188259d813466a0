// `reelsync scan PATH... [--audio TRACK] [--jobs N] [--json REPORT]`: artifact flags for every
// clip, up to N clips at a time, with a progress bar; one clip failing to decode is reported, not
// fatal. With `--farm slurm` (one project folder), a cluster scans and this command merges.
//
// Given one folder, the folder is a project: every scan is stored in it the moment it finishes, so
// a scan that is stopped resumes where it stopped, and clips scanned before (same file, same
// detectors) are skipped. The window shows those stored flags without scanning again. With
// --audio, the track becomes the project's song and its beat grid is tracked and stored too.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "analysis/artifacts.h"
#include "app/app.h"
#include "app/farm_scan.h"
#include "project/project_io.h"
#include "project/catalog.h"
#include "project/batch_scan.h"
#include "project/edit.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace reelsync::app {

namespace {

// One progress line on stderr, redrawn in place on a terminal and every tenth otherwise.
class Progress {
public:
    Progress(size_t total, size_t skipped) : total_(total), done_(skipped), skipped_(skipped), tty_(isatty(STDERR_FILENO) != 0) {
        start_ = std::chrono::steady_clock::now();
        draw(true);
    }
    void clip_done(bool flagged) {
        std::lock_guard lock(mutex_);
        ++done_;
        flagged_ += flagged;
        draw(done_ == total_);
    }
    void finish() {
        std::lock_guard lock(mutex_);
        if (tty_) std::fprintf(stderr, "\n");
    }

private:
    // Caller holds mutex_ (or is the constructor).
    void draw(bool force) {
        const size_t step = std::max<size_t>(1, total_ / 10);
        if (!tty_ && !force && done_ % step != 0) return;
        constexpr int kWidth = 30;
        const double share = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
        const int filled = static_cast<int>(share * kWidth);
        char bar[kWidth + 1];
        for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
        bar[kWidth] = 0;
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const size_t scanned = done_ - skipped_, left = total_ - done_;
        char eta[32] = "";
        if (scanned > 0 && left > 0) {
            const int s = static_cast<int>(elapsed / static_cast<double>(scanned) * static_cast<double>(left) + 0.5);
            std::snprintf(eta, sizeof eta, ", %d:%02d left", s / 60, s % 60);
        }
        std::fprintf(stderr, "%sscan [%s] %3.0f%% %zu/%zu clips (%zu unchanged), %zu with flags%s%s", tty_ ? "\r" : "", bar,
                     share * 100.0, done_, total_, skipped_, flagged_, eta, tty_ ? "\033[K" : "\n");
        std::fflush(stderr);
    }

    std::mutex mutex_;  // guards every field below and the stderr line
    size_t total_, done_, skipped_, flagged_ = 0;
    bool tty_;
    std::chrono::steady_clock::time_point start_;
};

void print_flags(const project::ScanJob& j) {
    if (!j.scan) return;
    std::printf("%s: %zu flags, steadiness %.0f\n", j.file.c_str(), j.scan->flags.size(), j.scan->steadiness);
    for (const auto& f : j.scan->flags) {
        std::printf("  %-16s frames %lld-%lld  severity %.2f", analysis::to_string(f.kind), static_cast<long long>(f.first_frame),
                    static_cast<long long>(f.last_frame), f.severity);
        if (f.region)
            std::printf("  region %.2f,%.2f-%.2f,%.2f", static_cast<double>(f.region->x0), static_cast<double>(f.region->y0),
                        static_cast<double>(f.region->x1), static_cast<double>(f.region->y1));
        std::printf("\n");
    }
}

}  // namespace

int run_scan(const ScanOptions& o) {
    std::error_code ec;
    const bool project_mode = o.paths.size() == 1 && fs::is_directory(o.paths[0], ec);
    if (!o.audio.empty() && !project_mode) {
        print_error("scan: --audio needs one project folder (the song is stored in the project)");
        return 2;
    }
    const bool farm = !o.farm.empty();
    if ((o.attach || o.cancel) && !farm) {
        print_error("scan: --attach and --cancel go with --farm slurm");
        return 2;
    }
    if (farm && !project_mode) {
        print_error("scan: --farm needs one project folder (the results are merged into it)");
        return 2;
    }
    std::optional<project::Project> proj;
    if (project_mode) {
        auto p = project::open_project(o.paths[0], o.audio);
        if (!p) {
            print_error(p.error().message);
            return 1;
        }
        proj = std::move(*p);
        if (proj->read_only() && farm) {
            print_error("scan: --farm: " + proj->read_only_reason() + ": the farm's results could not be merged; nothing submitted");
            return 1;
        }
        if (proj->read_only()) std::fprintf(stderr, "reelsync: %s: results are not stored\n", proj->read_only_reason().c_str());
    }
    // Thresholds: --config, else the project's reelsync-detectors.json, else the defaults.
    analysis::DetectorConfig cfg;
    {
        auto c = !o.config.empty() ? analysis::load_detector_config(o.config)
                 : proj             ? project::project_detectors(proj->folder())
                                    : Result<analysis::DetectorConfig>(analysis::DetectorConfig{});
        if (!c) {
            print_error(c.error().message);
            return 2;
        }
        cfg = *c;
    }
    if (proj && !proj->read_only())
        if (auto r = project::use_detectors(*proj, cfg); !r) {
            print_error(r.error().message);
            return 1;
        }

    std::vector<project::ScanJob> jobs = project::scan_jobs(o.paths, proj ? &*proj : nullptr, o.rescan);
    if (jobs.empty()) {
        print_error("scan: no clips found in " + (o.paths.empty() ? std::string("(nothing)") : o.paths.front()));
        return 1;
    }
    size_t unchanged = 0;
    for (const auto& j : jobs) unchanged += j.scan.has_value();
    project::BatchResult batch;
    if (farm) {
        // The cluster scans; this command merges each finished task into the project. The report
        // is then made from the project, as a resumed local scan's is.
        FarmOutcome fo;
        if (const int rc = run_farm_scan(*proj, cfg, jobs, o, fo); rc != 0 || fo.stopped) return rc;
        jobs = project::scan_jobs(o.paths, &*proj, false);
        for (project::ScanJob& j : jobs)
            if (!j.scan) j.error = fo.errors.count(j.clip) ? fo.errors[j.clip] : j.file + ": not scanned";
        batch.scanned = fo.merged_clips;
    } else {
        Progress progress(jobs.size(), unchanged);
        const bool store = proj && !proj->read_only();
        batch = project::scan_batch(jobs, cfg, o.jobs, store ? std::optional<fs::path>(proj->folder()) : std::nullopt,
                                    [&](const project::ScanJob& j) { progress.clip_done(j.scan && !j.scan->flags.empty()); });
        progress.finish();
    }

    json out = {{"clips", json::array()}};
    int failed = 0, flagged = 0;
    for (const project::ScanJob& j : jobs) {
        if (!j.error.empty()) {
            print_error(j.error);
            out["errors"].push_back({{"file", j.file}, {"error", j.error}});
            ++failed;
            continue;
        }
        out["clips"].push_back(analysis::to_json(*j.scan));
        flagged += !j.scan->flags.empty();
        print_flags(j);
    }
    std::printf("%zu clips: %zu scanned, %zu unchanged since their last scan, %d with flags, %d failed\n", jobs.size(), batch.scanned,
                unchanged, flagged, failed);
    if (batch.store_failures) print_error("scan: " + std::to_string(batch.store_failures) + " results could not be stored in the project");

    if (!o.audio.empty()) {
        // The song's beat grid, stored in the project (and the edit's cuts against it).
        const fs::path song = proj->setting("audio").value_or(o.audio);  // as the project recorded it
        auto tracked = project::song_beats(*proj, song);
        if (!tracked) {
            print_error(tracked.error().message);
            return 1;
        }
        const analysis::BeatTrack beats = project::corrected_beats(*proj, song, *tracked);
        json a = {{"file", o.audio}, {"tempo_bpm", beats.tempo_bpm}, {"beats", beats.beats}, {"downbeats", beats.downbeats}};
        std::printf("song: %s, %.1f BPM, %zu beats\n", o.audio.c_str(), beats.tempo_bpm, beats.beats.size());
        if (auto e = project::build_edit(*proj); e && !e->shots.empty()) {
            a["cuts"] = json::array();
            const auto offsets = project::cut_offsets(*e, beats.beats);
            for (size_t i = 0; i < offsets.size(); ++i) {
                const auto& c = offsets[i];
                a["cuts"].push_back({{"into", e->shots[i + 1].name}, {"record_seconds", c.cut}, {"beat", c.beat}, {"beat_offset_ms", c.offset_ms},
                                     {"beat_offset_frames", c.offset_frames}, {"on_beat", c.on_beat()}, {"outside_music", c.outside_music}});
            }
            const analysis::CutTally n = analysis::tally(offsets);
            std::printf("edit: %d of %d cuts on the beat (within half a frame)%s\n", n.on, n.checked(),
                        n.outside ? (", " + std::to_string(n.outside) + " outside the music").c_str() : "");
        }
        out["audio"] = std::move(a);
    }

    if (!o.report.empty())
        if (auto r = project::write_file_atomically(o.report, out.dump(2) + "\n"); !r) {
            print_error(r.error().message);
            return 1;
        }
    return failed || batch.store_failures ? 1 : 0;
}

}  // namespace reelsync::app
