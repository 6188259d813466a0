#include "farm/farm.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include "project/catalog.h"
#include "project/project_io.h"

namespace reelsync::farm {

using json = nlohmann::json;

namespace {

constexpr int kFormat = 1;

// FNV-1a, 64 bits: a result file whose text was damaged after it was written no longer matches.
std::string digest(const std::string& text) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

Result<json> read_json(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return fail(p.string() + ": cannot read it");
    std::stringstream ss;
    ss << in.rdbuf();
    json j = json::parse(ss.str(), nullptr, false);
    if (j.is_discarded()) return fail(p.string() + ": not valid JSON (truncated or damaged)");
    return j;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::vector<uint8_t>& in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    for (size_t i = 0; i < in.size(); i += 3) {
        const uint32_t v = (uint32_t{in[i]} << 16) | (i + 1 < in.size() ? uint32_t{in[i + 1]} << 8 : 0u) | (i + 2 < in.size() ? uint32_t{in[i + 2]} : 0u);
        out += kBase64[(v >> 18) & 63];
        out += kBase64[(v >> 12) & 63];
        out += i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? kBase64[v & 63] : '=';
    }
    return out;
}

std::optional<std::vector<uint8_t>> unbase64(const std::string& in) {
    if (in.size() % 4) return std::nullopt;
    std::vector<uint8_t> out;
    out.reserve(in.size() / 4 * 3);
    uint32_t v = 0;
    int bits = 0;
    for (size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '=') {
            if (i + 2 < in.size()) return std::nullopt;
            continue;
        }
        const char* at = std::strchr(kBase64, c);
        if (!at || c == 0) return std::nullopt;
        v = (v << 6) | static_cast<uint32_t>(at - kBase64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>((v >> bits) & 0xff));
        }
    }
    return out;
}

std::string sh_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

}  // namespace

const char* to_string(ShardPhase p) {
    switch (p) {
        case ShardPhase::waiting: return "waiting";
        case ShardPhase::queued: return "queued";
        case ShardPhase::running: return "running";
        case ShardPhase::merged: return "merged";
        case ShardPhase::failed: return "failed";
    }
    return "?";
}

std::vector<std::vector<ShardClip>> make_shards(const std::vector<ShardClip>& clips, int shards) {
    const size_t n = std::clamp<size_t>(static_cast<size_t>(std::max(shards, 1)), 1, std::max<size_t>(clips.size(), 1));
    if (clips.empty()) return {};
    std::vector<size_t> order(clips.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return clips[a].size > clips[b].size; });
    std::vector<int64_t> load(n, 0);
    std::vector<std::vector<size_t>> members(n);
    for (size_t k = 0; k < order.size(); ++k) {
        // The first n clips go one to a shard (none stays empty); then each onto the lightest.
        const size_t s = k < n ? k : static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
        load[s] += std::max<int64_t>(clips[order[k]].size, 1);
        members[s].push_back(order[k]);
    }
    std::vector<std::vector<ShardClip>> out(n);
    for (size_t s = 0; s < n; ++s) {
        std::sort(members[s].begin(), members[s].end());
        for (size_t i : members[s]) out[s].push_back(clips[i]);
    }
    return out;
}

Result<void> write_manifest(const fs::path& work, const Manifest& m) {
    json shards = json::array();
    for (const auto& s : m.shards) {
        json a = json::array();
        for (const ShardClip& c : s)
            a.push_back({{"clip", c.clip}, {"file", c.file}, {"size", c.size}, {"mtime", c.mtime}, {"scan", c.scan}, {"catalogue", c.catalogue}});
        shards.push_back(std::move(a));
    }
    const json j = {{"format", "reelsync-farm-manifest"}, {"version", kFormat}, {"detectors", m.detectors}, {"shards", std::move(shards)}};
    return project::write_file_atomically(work / "manifest.json", j.dump(1) + "\n");
}

Result<Manifest> read_manifest(const fs::path& work) {
    auto j = read_json(work / "manifest.json");
    if (!j) return std::unexpected(j.error());
    const fs::path p = work / "manifest.json";
    if (!j->is_object() || j->value("format", "") != "reelsync-farm-manifest") return fail(p.string() + ": not a reelsync farm manifest");
    if (j->value("version", 0) != kFormat) return fail(p.string() + ": made by another version of reelsync (format " + std::to_string(j->value("version", 0)) + ")");
    Manifest m;
    try {
        m.detectors = j->at("detectors");
        for (const json& s : j->at("shards")) {
            std::vector<ShardClip> clips;
            for (const json& c : s)
                clips.push_back(ShardClip{c.at("clip").get<int64_t>(), c.at("file").get<std::string>(), c.at("size").get<int64_t>(),
                                          c.at("mtime").get<int64_t>(), c.at("scan").get<bool>(), c.at("catalogue").get<bool>()});
            m.shards.push_back(std::move(clips));
        }
    } catch (const json::exception& e) {
        return fail(p.string() + ": " + e.what());
    }
    return m;
}

fs::path result_path(const fs::path& work, int shard) {
    char name[40];
    std::snprintf(name, sizeof name, "shard-%05d.json", shard);
    return work / "results" / name;
}

Result<size_t> run_task(const fs::path& work, int shard, int threads) {
    auto m = read_manifest(work);
    if (!m) return std::unexpected(m.error());
    if (shard < 0 || static_cast<size_t>(shard) >= m->shards.size())
        return fail("farm task " + std::to_string(shard) + ": the manifest has " + std::to_string(m->shards.size()) + " shards");
    auto cfg = analysis::detector_config_from_json(m->detectors);
    if (!cfg) return std::unexpected(cfg.error());
    json clips = json::array();
    size_t scanned = 0;
    for (const ShardClip& c : m->shards[static_cast<size_t>(shard)]) {
        json o = {{"clip", c.clip}};
        struct stat st {};
        if (stat(c.file.c_str(), &st) != 0) {
            o["error"] = c.file + ": cannot be read on this node";
        } else {
            o["size"] = static_cast<int64_t>(st.st_size);
            o["mtime"] = static_cast<int64_t>(st.st_mtime);
            if (st.st_size != c.size || st.st_mtime != c.mtime) {
                o["error"] = c.file + ": changed since the scan was submitted";
            } else {
                if (c.catalogue) {
                    // What the browser's catalogue makes: the probe and the thumbnail.
                    if (auto k = project::catalogue_clip(c.file)) {
                        const project::ClipMedia& md = *k->media;
                        o["media"] = {{"codec", md.codec}, {"width", md.width}, {"height", md.height}, {"rate_num", md.rate.num},
                                      {"rate_den", md.rate.den}, {"frame_count", md.frame_count}, {"duration", md.duration}};
                        if (k->thumbnail)
                            o["thumbnail"] = {{"width", k->thumbnail->width}, {"height", k->thumbnail->height}, {"rgba", base64(k->thumbnail->rgba)}};
                    } else {
                        o["probe_error"] = k.error().message;
                    }
                }
                if (!c.scan) {
                } else if (auto s = analysis::scan_clip(c.file, *cfg, threads)) {
                    o["scan"] = analysis::to_json(*s);
                    ++scanned;
                } else {
                    o["error"] = s.error().message;
                }
            }
        }
        std::fprintf(stderr, "%s: %s\n", c.file.c_str(),
                     o.contains("error") ? o["error"].get<std::string>().c_str() : o.contains("scan") ? "scanned" : "catalogued");
        clips.push_back(std::move(o));
    }
    const std::string body = clips.dump();
    const json out = {{"format", "reelsync-farm-shard"}, {"version", kFormat}, {"shard", shard}, {"clips", clips}, {"digest", digest(body)}};
    std::error_code ec;
    fs::create_directories(work / "results", ec);
    if (auto w = project::write_file_atomically(result_path(work, shard), out.dump() + "\n"); !w) return std::unexpected(w.error());
    return scanned;
}

Result<std::optional<ShardResult>> read_result(const fs::path& work, int shard, const Manifest& m) {
    const fs::path p = result_path(work, shard);
    std::error_code ec;
    if (!fs::exists(p, ec)) return std::optional<ShardResult>{};
    auto j = read_json(p);
    if (!j) return std::unexpected(j.error());
    const auto& want = m.shards.at(static_cast<size_t>(shard));
    try {
        if (j->value("format", "") != "reelsync-farm-shard" || j->value("version", 0) != kFormat) return fail(p.string() + ": not a shard result of this reelsync");
        if (j->at("shard").get<int>() != shard) return fail(p.string() + ": holds shard " + std::to_string(j->at("shard").get<int>()));
        const json& clips = j->at("clips");
        if (digest(clips.dump()) != j->at("digest").get<std::string>()) return fail(p.string() + ": damaged (its digest does not match)");
        if (clips.size() != want.size())
            return fail(p.string() + ": " + std::to_string(clips.size()) + " clips, the shard has " + std::to_string(want.size()));
        ShardResult r;
        r.shard = shard;
        for (size_t i = 0; i < want.size(); ++i) {
            const json& c = clips[i];
            ClipOutcome o;
            o.clip = c.at("clip").get<int64_t>();
            if (o.clip != want[i].clip) return fail(p.string() + ": clip " + std::to_string(o.clip) + " where the shard lists " + std::to_string(want[i].clip));
            o.size = c.value("size", int64_t{0});
            o.mtime = c.value("mtime", int64_t{0});
            if (c.contains("scan")) {
                auto s = analysis::clip_scan_from_json(c["scan"]);
                if (!s) return fail(p.string() + ": " + s.error().message);
                o.scan = std::move(*s);
            } else if (want[i].scan || c.contains("error")) {
                o.error = c.value("error", std::string("no scan"));
            }
            if (c.contains("media")) {
                const json& md = c["media"];
                project::ClipMedia cm;
                cm.codec = md.at("codec").get<std::string>();
                cm.width = md.at("width").get<int>();
                cm.height = md.at("height").get<int>();
                cm.rate = Rational{md.at("rate_num").get<int64_t>(), md.at("rate_den").get<int64_t>()};
                cm.frame_count = md.at("frame_count").get<int64_t>();
                cm.duration = md.at("duration").get<double>();
                o.media = cm;
                o.catalogued = true;
            } else if (c.contains("probe_error")) {
                o.probe_error = c["probe_error"].get<std::string>();
                o.catalogued = true;
            }
            if (c.contains("thumbnail")) {
                const json& t = c["thumbnail"];
                project::ProjectCache::Thumbnail th;
                th.width = t.at("width").get<int>();
                th.height = t.at("height").get<int>();
                auto px = unbase64(t.at("rgba").get<std::string>());
                if (!px || px->size() != static_cast<size_t>(th.width) * static_cast<size_t>(th.height) * 4)
                    return fail(p.string() + ": clip " + std::to_string(o.clip) + "'s thumbnail is damaged");
                th.rgba = std::move(*px);
                o.thumbnail = std::move(th);
            }
            r.clips.push_back(std::move(o));
        }
        return std::optional<ShardResult>(std::move(r));
    } catch (const json::exception& e) {
        return fail(p.string() + ": " + e.what());
    }
}

// --- state ---

Result<void> save_state(const fs::path& work, const State& s) {
    json shards = json::array();
    for (const ShardState& sh : s.shards)
        shards.push_back({{"phase", to_string(sh.phase)}, {"attempts", sh.attempts}, {"task", sh.task}, {"note", sh.note}});
    const json j = {{"format", "reelsync-farm-state"},
                    {"version", kFormat},
                    {"scheduler", s.scheduler},
                    {"partition", s.options.partition},
                    {"time_limit", s.options.time_limit},
                    {"cpus_per_task", s.options.cpus_per_task},
                    {"max_attempts", s.max_attempts},
                    {"cancelled", s.cancelled},
                    {"jobs", s.jobs},
                    {"shards", std::move(shards)}};
    return project::write_file_atomically(work / "state.json", j.dump(1) + "\n");
}

Result<State> load_state(const fs::path& work) {
    const fs::path p = work / "state.json";
    auto j = read_json(p);
    if (!j) return std::unexpected(j.error());
    if (!j->is_object() || j->value("format", "") != "reelsync-farm-state" || j->value("version", 0) != kFormat)
        return fail(p.string() + ": not a farm state of this reelsync");
    State s;
    try {
        s.scheduler = j->at("scheduler").get<std::string>();
        s.options.partition = j->at("partition").get<std::string>();
        s.options.time_limit = j->at("time_limit").get<std::string>();
        s.options.cpus_per_task = j->at("cpus_per_task").get<int>();
        s.max_attempts = j->at("max_attempts").get<int>();
        s.cancelled = j->at("cancelled").get<bool>();
        s.jobs = j->at("jobs").get<std::vector<std::string>>();
        for (const json& sh : j->at("shards")) {
            ShardState x;
            const std::string ph = sh.at("phase").get<std::string>();
            for (ShardPhase p2 : {ShardPhase::waiting, ShardPhase::queued, ShardPhase::running, ShardPhase::merged, ShardPhase::failed})
                if (ph == to_string(p2)) x.phase = p2;
            x.attempts = sh.at("attempts").get<int>();
            x.task = sh.at("task").get<std::string>();
            x.note = sh.at("note").get<std::string>();
            s.shards.push_back(std::move(x));
        }
    } catch (const json::exception& e) {
        return fail(p.string() + ": " + e.what());
    }
    return s;
}

// --- the submitting command ---

Result<Farm> Farm::submit(const fs::path& work, Manifest m, Scheduler& sched, const SubmitOptions& o, int max_attempts, const fs::path& binary) {
    if (m.shards.empty()) return fail("farm: nothing to scan");
    if (auto c = sched.check(); !c) return fail(c.error().message + ": nothing submitted");
    std::error_code ec;
    fs::remove_all(work, ec);
    // Everything the tasks need is written before anything is submitted; a full disk stops here.
    auto prepare = [&]() -> Result<void> {
        for (const fs::path& d : {work, work / "results", work / "logs"}) {
            fs::create_directories(d, ec);
            if (ec) return fail(d.string() + ": cannot make the work folder: " + ec.message());
        }
        if (auto w = write_manifest(work, m); !w) return w;
        const std::string script = "#!/bin/sh\n# reelsync farm task: scans shard $SLURM_ARRAY_TASK_ID of manifest.json in this folder.\nexec " +
                                   sh_quote(binary.string()) + " farm-task " + sh_quote(work.string()) + " \"$SLURM_ARRAY_TASK_ID\"\n";
        if (auto w = project::write_file_atomically(work / "task.sh", script); !w) return w;
        fs::permissions(work / "task.sh", fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add, ec);
        return {};
    };
    State s;
    s.scheduler = sched.name();
    s.options = o;
    s.max_attempts = std::max(max_attempts, 1);
    s.shards.resize(m.shards.size());
    if (auto p = prepare(); !p) {
        fs::remove_all(work, ec);
        return fail(p.error().message + ": nothing submitted");
    }
    if (auto w = save_state(work, s); !w) {
        fs::remove_all(work, ec);
        return fail(w.error().message + ": nothing submitted");
    }
    Farm f(work, std::move(m), std::move(s), sched);
    std::vector<int> all(f.manifest_.shards.size());
    std::iota(all.begin(), all.end(), 0);
    if (auto r = f.submit_shards(all); !r) {
        fs::remove_all(work, ec);
        return fail(r.error().message + ": nothing submitted");
    }
    return f;
}

Result<Farm> Farm::attach(const fs::path& work, Scheduler& sched) {
    auto m = read_manifest(work);
    if (!m) return std::unexpected(m.error());
    auto s = load_state(work);
    if (!s) return std::unexpected(s.error());
    if (s->shards.size() != m->shards.size()) return fail((work / "state.json").string() + ": does not match the manifest");
    if (s->scheduler != sched.name()) return fail(work.string() + ": submitted to " + s->scheduler + ", not " + sched.name());
    return Farm(work, std::move(*m), std::move(*s), sched);
}

Result<void> Farm::submit_shards(const std::vector<int>& shards) {
    if (shards.empty()) return {};
    auto job = sched_->submit(work_ / "task.sh", work_, shards, state_.options);
    if (!job) return std::unexpected(job.error());
    state_.jobs.push_back(*job);
    for (int i : shards) {
        ShardState& sh = state_.shards[static_cast<size_t>(i)];
        sh.phase = ShardPhase::queued;
        sh.task = *job + "_" + std::to_string(i);
        ++sh.attempts;
    }
    return save_state(work_, state_);
}

fs::path Farm::log_of(const std::string& task) const { return work_ / "logs" / (task + ".log"); }

Result<Progress> Farm::step(const StoreFn& store) {
    // The queue first, then the results: a task that has left the queue wrote its result before.
    auto queued = sched_->queue(state_.jobs);
    if (!queued) return std::unexpected(queued.error());
    std::vector<int> again;
    bool changed = false;
    for (size_t i = 0; i < state_.shards.size(); ++i) {
        ShardState& sh = state_.shards[i];
        if (sh.phase == ShardPhase::merged || sh.phase == ShardPhase::failed) continue;
        const int shard = static_cast<int>(i);
        auto r = read_result(work_, shard, manifest_);
        if (r && *r) {
            if (auto s = store(**r); !s) return std::unexpected(s.error());
            sh.phase = ShardPhase::merged;  // recorded only once the project has it
            sh.note.clear();
            changed = true;
            continue;
        }
        const auto q = queued->find(sh.task);
        if (!r) {
            // A rejected result is kept aside for whoever wants to see it; the shard runs again.
            std::error_code ec;
            fs::path aside = result_path(work_, shard);
            aside.replace_extension();
            aside += ".rejected-" + std::to_string(sh.attempts) + ".json";
            fs::rename(result_path(work_, shard), aside, ec);
            sh.note = r.error().message;
            notes_.push_back("shard " + std::to_string(shard) + ": result rejected: " + sh.note + " (kept as " + aside.filename().string() + ")");
            changed = true;
            if (q != queued->end()) continue;  // the task is still to write its own
        } else if (q != queued->end()) {
            const ShardPhase now = q->second == TaskPhase::running ? ShardPhase::running : ShardPhase::queued;
            changed |= now != sh.phase;
            sh.phase = now;
            continue;
        } else if (sh.phase == ShardPhase::waiting) {
            // Never submitted (the command stopped between writing the state and submitting).
        } else {
            const std::string how = sched_->how_ended(sh.task);
            sh.note = "task " + sh.task + " ended without a result" + (how.empty() ? "" : " (" + how + ")");
        }
        changed = true;
        if (sh.attempts >= state_.max_attempts) {
            sh.phase = ShardPhase::failed;
            notes_.push_back("shard " + std::to_string(shard) + ": " + sh.note + "; no attempts left");
        } else {
            if (sh.attempts > 0) {
                ++retried_;
                notes_.push_back("shard " + std::to_string(shard) + ": " + sh.note + "; running it again (attempt " + std::to_string(sh.attempts + 1) +
                                 " of " + std::to_string(state_.max_attempts) + ")");
            }
            again.push_back(shard);
        }
    }
    if (!again.empty()) {
        if (auto s = submit_shards(again); !s) return std::unexpected(s.error());
    } else if (changed) {
        if (auto s = save_state(work_, state_); !s) return std::unexpected(s.error());
    }
    return progress();
}

Progress Farm::progress() const {
    Progress p;
    p.retried = retried_;
    for (size_t i = 0; i < state_.shards.size(); ++i) {
        const ShardState& sh = state_.shards[i];
        const size_t n = manifest_.shards[i].size();
        p.clips_total += n;
        switch (sh.phase) {
            case ShardPhase::waiting: ++p.waiting; break;
            case ShardPhase::queued: ++p.pending; break;
            case ShardPhase::running: ++p.running; break;
            case ShardPhase::merged: ++p.merged; p.clips_done += n; break;
            case ShardPhase::failed: ++p.failed; break;
        }
    }
    return p;
}

Result<void> Farm::cancel() {
    state_.cancelled = true;
    auto c = sched_->cancel(state_.jobs);
    for (ShardState& sh : state_.shards)
        if (sh.phase == ShardPhase::queued || sh.phase == ShardPhase::running || sh.phase == ShardPhase::waiting) {
            sh.phase = ShardPhase::failed;
            sh.note = "cancelled";
        }
    if (auto s = save_state(work_, state_); !s) return s;
    return c;
}

std::vector<Farm::Failure> Farm::failures() const {
    std::vector<Failure> out;
    for (size_t i = 0; i < state_.shards.size(); ++i) {
        const ShardState& sh = state_.shards[i];
        if (sh.phase == ShardPhase::failed) out.push_back(Failure{static_cast<int>(i), sh.note, sh.task.empty() ? fs::path() : log_of(sh.task)});
    }
    return out;
}

std::vector<ShardClip> clips_to_submit(const project::Project& proj, const std::vector<project::ScanJob>& jobs) {
    std::vector<ShardClip> todo;
    std::error_code ec;
    for (const project::ScanJob& j : jobs) {
        const project::Clip* c = proj.clip(j.clip);
        if (!c || (j.scan && c->media)) continue;
        todo.push_back(ShardClip{j.clip, fs::absolute(proj.absolute(*c), ec).lexically_normal().string(), j.size, j.mtime, !j.scan, !c->media});
    }
    return todo;
}

Result<void> store_shard(project::ProjectCache& cache, const ShardResult& r, Merged& m) {
    for (const ClipOutcome& c : r.clips) {
        if (c.catalogued) {
            if (auto p = cache.put_media(c.clip, c.size, c.mtime, c.media ? &*c.media : nullptr, c.probe_error); !p) return p;
            if (c.thumbnail)
                if (auto p = cache.put_thumbnail(c.clip, c.size, c.mtime, *c.thumbnail); !p) return p;
        }
        if (!c.scan) {
            if (!c.error.empty()) m.errors[c.clip] = c.error;
            continue;
        }
        if (auto p = cache.put_scan(c.clip, c.size, c.mtime, *c.scan); !p) return p;
        ++m.scans;
    }
    return {};
}

std::map<int64_t, std::string> why_unscanned(const Farm& f, const project::Project& proj) {
    std::map<int64_t, std::string> why;
    for (size_t i = 0; i < f.manifest().shards.size(); ++i) {
        if (f.state().shards[i].phase != ShardPhase::merged) continue;
        const auto& shard = f.manifest().shards[i];
        if (std::all_of(shard.begin(), shard.end(), [&](const ShardClip& c) { return proj.scan_result(c.clip).has_value(); })) continue;
        // A clip's own error is kept in its shard's result (read once per shard).
        if (auto r = read_result(f.work(), static_cast<int>(i), f.manifest()); r && *r)
            for (const ClipOutcome& oc : (*r)->clips)
                if (!oc.scan && !oc.error.empty() && !proj.scan_result(oc.clip)) why[oc.clip] = oc.error;
    }
    for (const Farm::Failure& fl : f.failures())
        for (const ShardClip& c : f.manifest().shards[static_cast<size_t>(fl.shard)])
            why[c.clip] = c.file + ": not scanned (its farm task failed: " + fl.note + ")";
    return why;
}

}  // namespace reelsync::farm
