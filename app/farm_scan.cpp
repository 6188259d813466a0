// `reelsync scan FOLDER --farm slurm [--partition P] [--shards N] [--time LIMIT] [--retries K]
//  [--attach | --cancel]`: submit, follow and merge a farm scan (see engine/farm/farm.h).
//
// Ctrl+C cancels the job (scancel); SIGTERM or SIGHUP only detach: the tasks go on, and
// `--attach` merges what they finished. Whatever is merged stays in the project either way.
#include "app/farm_scan.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "farm/farm.h"
#include "project/catalog.h"

namespace fs = std::filesystem;

namespace reelsync::app {

namespace {

// 0: go on; SIGINT: cancel the job; SIGTERM/SIGHUP: detach. Written by the signal handler only.
std::atomic<int> g_stop{0};

// Slurm's default MaxArraySize is 1001 (indices 0-1000): by default a scan is at most 1000 tasks.
constexpr size_t kDefaultMaxShards = 1000;
void on_signal(int sig) { g_stop.store(sig); }

class SignalScope {
public:
    SignalScope() {
        g_stop = 0;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &old_[i]);
    }
    ~SignalScope() {
        for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &old_[i], nullptr);
    }

private:
    static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction old_[3] {};
};

std::string log_tail(const fs::path& log, int lines) {
    std::ifstream in(log);
    if (!in) return "";
    std::vector<std::string> all;
    for (std::string l; std::getline(in, l);) all.push_back(l);
    std::string out;
    for (size_t i = all.size() > static_cast<size_t>(lines) ? all.size() - static_cast<size_t>(lines) : 0; i < all.size(); ++i) out += "    " + all[i] + "\n";
    return out;
}

// One progress line on stderr, in place on a terminal, else when it changes (at most every 5 s).
double process_cpu_seconds() {
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

class FarmBar {
public:
    FarmBar() : tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}
    void draw(const farm::Progress& p, size_t merged_before, bool force) {
        const auto now = std::chrono::steady_clock::now();
        const bool changed = p.merged != last_.merged || p.running != last_.running || p.failed != last_.failed || p.pending != last_.pending;
        if (!tty_ && !force && !(changed && now - drawn_ > std::chrono::seconds(5))) return;
        drawn_ = now;
        last_ = p;
        constexpr int kWidth = 30;
        const double share = p.clips_total ? static_cast<double>(p.clips_done) / static_cast<double>(p.clips_total) : 1.0;
        char bar[kWidth + 1];
        for (int i = 0; i < kWidth; ++i) bar[i] = i < static_cast<int>(share * kWidth) ? '#' : '.';
        bar[kWidth] = 0;
        char eta[32] = "";
        const size_t now_done = p.clips_done - std::min(p.clips_done, merged_before), left = p.clips_total - p.clips_done;
        if (now_done > 0 && left > 0) {
            const double elapsed = std::chrono::duration<double>(now - start_).count();
            const int s = static_cast<int>(elapsed / static_cast<double>(now_done) * static_cast<double>(left) + 0.5);
            std::snprintf(eta, sizeof eta, ", %d:%02d left", s / 60, s % 60);
        }
        std::fprintf(stderr, "%sfarm [%s] %3.0f%% %zu/%zu clips; tasks: %d pending, %d running, %d done, %d failed, %d retried%s%s",
                     tty_ ? "\r" : "", bar, share * 100.0, p.clips_done, p.clips_total, p.pending + p.waiting, p.running, p.merged, p.failed,
                     p.retried, eta, tty_ ? "\033[K" : "\n");
        std::fflush(stderr);
    }
    void finish() {
        if (tty_) std::fprintf(stderr, "\n");
    }

private:
    bool tty_;
    std::chrono::steady_clock::time_point start_, drawn_{};
    farm::Progress last_{};
};

}  // namespace

int run_farm_scan(project::Project& proj, const analysis::DetectorConfig& cfg, const std::vector<project::ScanJob>& jobs,
                  const ScanOptions& o, FarmOutcome& out) {
    if (o.farm != "slurm") {
        print_error("scan: --farm " + o.farm + ": the farm scheduler reelsync knows is slurm");
        return 2;
    }
    auto sched = farm::slurm_scheduler();
    std::error_code ec;
    const fs::path work = o.work.empty() ? proj.folder() / ".reelsync-farm" : fs::absolute(o.work, ec);
    const bool exists = fs::exists(work / "state.json", ec);

    if (o.cancel) {
        if (!exists) {
            print_error("scan: no farm scan to cancel in " + work.string());
            return 1;
        }
        auto f = farm::Farm::attach(work, *sched);
        if (!f) {
            print_error(f.error().message);
            return 1;
        }
        if (auto c = f->cancel(); !c) {
            print_error("scan: " + c.error().message);
            return 1;
        }
        std::printf("farm: cancelled job%s", f->state().jobs.size() == 1 ? "" : "s");
        for (const auto& j : f->state().jobs) std::printf(" %s", j.c_str());
        std::printf("; what was merged stays in the project\n");
        out.stopped = true;
        return 0;
    }

    std::optional<farm::Farm> f;
    if (o.attach) {
        if (!exists) {
            print_error("scan: no farm scan to attach to in " + work.string());
            return 1;
        }
        auto a = farm::Farm::attach(work, *sched);
        if (!a) {
            print_error(a.error().message);
            return 1;
        }
        f.emplace(std::move(*a));
        std::printf("farm: attached to %zu shards in %s\n", f->manifest().shards.size(), work.string().c_str());
    } else {
        if (exists)
            if (auto s = farm::load_state(work); s && !s->cancelled) {
                for (const auto& sh : s->shards)
                    if (sh.phase != farm::ShardPhase::merged && sh.phase != farm::ShardPhase::failed) {
                        print_error("scan: a farm scan is under way in " + work.string() + ": --attach to follow it, --cancel to stop it");
                        return 1;
                    }
            }
        const std::vector<farm::ShardClip> todo = farm::clips_to_submit(proj, jobs);
        const size_t to_scan = static_cast<size_t>(std::count_if(todo.begin(), todo.end(), [](const farm::ShardClip& c) { return c.scan; }));
        if (todo.empty()) {
            std::printf("farm: every clip has its scan; nothing submitted\n");
            return 0;
        }
        const int shards = o.shards > 0 ? o.shards : static_cast<int>(std::min<size_t>((todo.size() + 9) / 10, kDefaultMaxShards));
        farm::Manifest m{analysis::to_json(cfg), farm::make_shards(todo, shards)};
        const fs::path binary = fs::read_symlink("/proc/self/exe", ec);
        farm::SubmitOptions so{o.partition, o.time_limit, o.cpus_per_task};
        auto s = farm::Farm::submit(work, std::move(m), *sched, so, o.retries + 1, binary);
        if (!s) {
            print_error("scan: " + s.error().message);
            return 1;
        }
        f.emplace(std::move(*s));
        std::printf("farm: %zu clips in %zu shards submitted to slurm as job %s (work folder %s); %zu to scan, %zu to probe and thumbnail\n",
                    todo.size(), f->manifest().shards.size(), f->state().jobs.back().c_str(), work.string().c_str(), to_scan,
                    static_cast<size_t>(std::count_if(todo.begin(), todo.end(), [](const farm::ShardClip& c) { return c.catalogue; })));
    }
    std::fflush(stdout);

    // This command is the project's one writer: every shard is stored through this connection.
    auto cache = project::ProjectCache::open(proj.folder());
    if (!cache) {
        print_error(cache.error().message);
        return 1;
    }
    farm::Merged merged;
    const auto store = [&](const farm::ShardResult& r) { return farm::store_shard(*cache, r, merged); };

    SignalScope signals;
    FarmBar bar;
    const size_t merged_before = f->progress().clips_done;
    int unanswered = 0;
    farm::Progress p = f->progress();
    for (;;) {
        auto r = f->step(store);
        for (const std::string& n : f->take_notes()) {
            bar.finish();
            std::fprintf(stderr, "farm: %s\n", n.c_str());
        }
        if (r) {
            p = *r;
            unanswered = 0;
            bar.draw(p, merged_before, p.finished());
            if (p.finished()) break;
        } else if (r.error().message.find("squeue") != std::string::npos && ++unanswered < 60) {
            // The controller can be busy for a while; a minute of silence is an error.
        } else {
            bar.finish();
            print_error("scan: " + r.error().message + "; what was merged stays in the project (--attach to go on)");
            return 1;
        }
        for (int i = 0; i < 10 && g_stop.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (const int sig = g_stop.load()) {
            bar.finish();
            out.stopped = true;
            if (sig == SIGINT) {
                auto c = f->cancel();
                std::printf("farm: cancelled (job %s); %zu of %zu clips merged into the project, scan again to submit the rest\n",
                            f->state().jobs.empty() ? "-" : f->state().jobs.front().c_str(), f->progress().clips_done, p.clips_total);
                if (!c) print_error("scan: " + c.error().message);
                return 130;
            }
            std::printf("farm: detached; the tasks go on, --attach merges what they finish (%zu of %zu clips merged)\n", p.clips_done,
                        p.clips_total);
            return 143;
        }
    }
    bar.finish();

    // Clips without a scan: their own error (kept in the shard's result), or their task's failure.
    out.merged_clips = merged.scans;
    out.errors = std::move(merged.errors);
    for (auto& [clip, why] : farm::why_unscanned(*f, proj)) out.errors[clip] = std::move(why);
    const auto failures = f->failures();
    for (const auto& fl : failures) {
        print_error("scan: shard " + std::to_string(fl.shard) + " failed after " + std::to_string(f->state().shards[static_cast<size_t>(fl.shard)].attempts) +
                    " attempts: " + fl.note + (fl.log.empty() ? "" : "; log " + fl.log.string()));
        if (!fl.log.empty()) std::fprintf(stderr, "%s", log_tail(fl.log, 5).c_str());
    }
    // A farm scan that finished leaves nothing behind but what failed (its logs are kept).
    if (failures.empty()) fs::remove_all(work, ec);
    return 0;
}

int run_farm_bench(const FarmBenchOptions& o) {
    auto proj = project::Project::open(o.folder);
    if (!proj) {
        print_error(proj.error().message);
        return 1;
    }
    auto cfg = project::project_detectors(proj->folder());
    if (!cfg) {
        print_error(cfg.error().message);
        return 2;
    }
    auto sched = farm::slurm_scheduler();
    if (auto c = sched->check(); !c) {
        print_error("bench --farm: " + c.error().message);
        return 1;
    }
    auto slots = sched->cpus();
    if (!slots || *slots < 1) {
        print_error("bench --farm: " + (slots ? std::string("the cluster has no CPUs") : slots.error().message));
        return 1;
    }
    const int jobs = o.jobs > 0 ? o.jobs : *slots;
    using clock = std::chrono::steady_clock;
    auto seconds = [](clock::duration d) { return std::chrono::duration<double>(d).count(); };

    // Here: every clip scanned by `jobs` workers, nothing stored.
    std::vector<project::ScanJob> local = project::scan_jobs({o.folder}, &*proj, true);
    if (local.empty()) {
        print_error("bench --farm: no clips in " + o.folder);
        return 1;
    }
    const size_t n = local.size();
    auto t0 = clock::now();
    project::scan_batch(local, *cfg, jobs, std::nullopt, {});
    const double t_local = seconds(clock::now() - t0);

    // Through the cluster: the same clips, merged into the project as `scan --farm` does.
    std::error_code ec;
    std::vector<farm::ShardClip> all;
    for (const project::ScanJob& j : local)
        if (const project::Clip* c = proj->clip(j.clip))
            all.push_back(farm::ShardClip{j.clip, fs::absolute(proj->absolute(*c), ec).lexically_normal().string(), j.size, j.mtime});
    const int shards = o.shards > 0 ? o.shards : static_cast<int>(std::min<size_t>((n + 9) / 10, kDefaultMaxShards));
    const fs::path work = proj->folder() / ".reelsync-farm-bench";
    auto cache = project::ProjectCache::open(proj->folder());
    if (!cache) {
        print_error(cache.error().message);
        return 1;
    }
    double merge_s = 0;
    size_t merged = 0, same = 0;
    const auto store = [&](const farm::ShardResult& r) -> Result<void> {
        const auto m0 = clock::now();
        for (const farm::ClipOutcome& c : r.clips)
            if (c.scan) {
                if (auto p = cache->put_scan(c.clip, c.size, c.mtime, *c.scan); !p) return p;
                ++merged;
                for (const project::ScanJob& j : local)
                    if (j.clip == c.clip && j.scan) {
                        analysis::ClipScan a = *j.scan, b = *c.scan;
                        a.file = b.file = "";
                        same += analysis::to_json(a) == analysis::to_json(b);
                    }
            }
        merge_s += seconds(clock::now() - m0);
        return {};
    };
    const double cpu0 = process_cpu_seconds();
    t0 = clock::now();
    auto f = farm::Farm::submit(work, farm::Manifest{analysis::to_json(*cfg), farm::make_shards(all, shards)}, *sched, farm::SubmitOptions{},
                                1, fs::read_symlink("/proc/self/exe", ec));
    if (!f) {
        print_error("bench --farm: " + f.error().message);
        return 1;
    }
    for (;;) {
        auto p = f->step(store);
        if (!p) {
            print_error("bench --farm: " + p.error().message);
            f->cancel();
            return 1;
        }
        if (p->finished()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double t_farm = seconds(clock::now() - t0);
    const double writer_cpu = process_cpu_seconds() - cpu0;  // this process only: submitting, polling, checking, merging
    const auto failures = f->failures();
    const size_t tasks = f->manifest().shards.size();
    if (failures.empty()) fs::remove_all(work, ec);
    if (!failures.empty()) {
        print_error("bench --farm: " + std::to_string(failures.size()) + " tasks failed: " + failures.front().note + " (work folder " + work.string() + ")");
        return 1;
    }
    const double local_cpm = static_cast<double>(n) / t_local * 60, farm_cpm = static_cast<double>(merged) / t_farm * 60;
    // What a task costs beyond its clips: the farm's slot-seconds less the local workers' seconds.
    const double overhead = (t_farm * std::min<double>(*slots, static_cast<double>(tasks)) - t_local * jobs) / static_cast<double>(tasks);
    if (o.json) {
        nlohmann::json j = {{"clips", n},           {"local_workers", jobs},    {"cluster_cpus", *slots},     {"tasks", tasks},
                            {"local_clips_per_minute", local_cpm}, {"farm_clips_per_minute", farm_cpm}, {"farm_vs_local", farm_cpm / local_cpm},
                            {"overhead_per_task_s", overhead},     {"merge_ms_per_clip", merged ? merge_s / static_cast<double>(merged) * 1000 : 0.0},
                            {"identical_scans", same}, {"writer_cpu_ms_per_clip", writer_cpu / static_cast<double>(n) * 1000}};
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("clips              %8zu (%s)\n", n, o.folder.c_str());
    std::printf("here, %2d workers   %8.1f clips/min\n", jobs, local_cpm);
    std::printf("slurm, %4zu tasks  %8.1f clips/min   %.2fx the local rate, on %d CPUs\n", tasks, farm_cpm, farm_cpm / local_cpm, *slots);
    std::printf("overhead per task  %8.2f s          (the farm's CPU-seconds less the local scan's, per task)\n", overhead);
    std::printf("merge              %8.2f ms/clip    (storing each scan in the project: the one writer's cost)\n",
                merged ? merge_s / static_cast<double>(merged) * 1000 : 0.0);
    std::printf("submitting command %8.2f ms CPU/clip (submit, poll, read and check results, store: all of it)\n",
                writer_cpu / static_cast<double>(n) * 1000);
    std::printf("identical scans    %8zu of %zu\n", same, n);
    return 0;
}

int run_farm_task(const std::string& work, int shard) {
    // A file-size limit makes a write fail (and the log say so) instead of killing the task.
    std::signal(SIGXFSZ, SIG_IGN);
    int cpus = 1;
    if (const char* c = std::getenv("SLURM_CPUS_PER_TASK")) cpus = std::max(1, std::atoi(c));
    auto r = farm::run_task(work, shard, cpus);
    if (!r) {
        print_error("farm-task: " + r.error().message);
        return 1;
    }
    std::fprintf(stderr, "farm-task: shard %d: %zu clips scanned\n", shard, *r);
    return 0;
}

}  // namespace reelsync::app
