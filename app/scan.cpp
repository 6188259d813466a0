// `reelsync scan PATH... [--jobs N] [--json REPORT]`: artifact flags for every clip, up to N
// clips at a time, with a progress line; one clip failing to decode is reported, not fatal.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "analysis/artifacts.h"
#include "app/app.h"

namespace fs = std::filesystem;

namespace reelsync::app {

namespace {
bool looks_like_clip(const fs::path& p) {
    static const char* exts[] = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mxf", ".ts", ".gif"};
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::find(std::begin(exts), std::end(exts), e) != std::end(exts);
}
}  // namespace

int run_scan(const std::vector<std::string>& paths, int jobs, const std::string& report, const std::string& config) {
    analysis::DetectorConfig cfg;
    if (!config.empty()) {
        auto c = analysis::load_detector_config(config);
        if (!c) {
            print_error(c.error().message);
            return 2;
        }
        cfg = *c;
    }
    std::vector<std::string> clips;
    for (const std::string& p : paths) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<std::string> found;
            for (const auto& e : fs::directory_iterator(p, ec))
                if (e.is_regular_file() && looks_like_clip(e.path())) found.push_back(e.path().string());
            std::sort(found.begin(), found.end());
            clips.insert(clips.end(), found.begin(), found.end());
        } else {
            clips.push_back(p);
        }
    }
    if (clips.empty()) {
        print_error("scan: no clips found in " + (paths.empty() ? std::string("(nothing)") : paths.front()));
        return 1;
    }
    jobs = std::clamp(jobs, 1, static_cast<int>(clips.size()));
    std::vector<nlohmann::json> results(clips.size());
    std::vector<std::string> errors(clips.size());
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
    std::mutex print_mutex;  // guards stderr progress lines
    auto worker = [&] {
        for (size_t i = next++; i < clips.size(); i = next++) {
            // One decoder thread per clip when clips run in parallel.
            auto s = analysis::scan_clip(clips[i], cfg, jobs > 1 ? 1 : 0);
            if (s) results[i] = analysis::to_json(*s);
            else errors[i] = s.error().message;
            size_t d = ++done;
            std::lock_guard lock(print_mutex);
            std::fprintf(stderr, "\rscan: %zu/%zu clips", d, clips.size());
            std::fflush(stderr);
        }
    };
    std::vector<std::thread> pool;
    for (int j = 0; j < jobs; ++j) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    std::fprintf(stderr, "\n");

    nlohmann::json out = {{"clips", nlohmann::json::array()}};
    int failed = 0;
    for (size_t i = 0; i < clips.size(); ++i) {
        if (!errors[i].empty()) {
            print_error(errors[i]);
            ++failed;
            continue;
        }
        out["clips"].push_back(results[i]);
        const auto& flags = results[i]["flags"];
        std::printf("%s: %zu flags\n", clips[i].c_str(), flags.size());
        for (const auto& f : flags)
            std::printf("  %-16s frames %lld-%lld  severity %.2f\n", f["kind"].get<std::string>().c_str(),
                        static_cast<long long>(f["first_frame"].get<int64_t>()), static_cast<long long>(f["last_frame"].get<int64_t>()),
                        f["severity"].get<double>());
    }
    if (!report.empty()) {
        std::string tmp = report + ".part";
        {
            std::ofstream f(tmp);
            f << out.dump(2) << "\n";
            if (!f.flush()) {
                print_error(report + ": cannot write the report");
                std::remove(tmp.c_str());
                return 1;
            }
        }
        std::error_code ec;
        fs::rename(tmp, report, ec);
        if (ec) {
            print_error(report + ": cannot write the report: " + ec.message());
            return 1;
        }
    }
    return failed ? 1 : 0;
}

}  // namespace reelsync::app
