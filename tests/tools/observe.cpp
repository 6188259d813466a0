// observe: runs a player command while watching, from outside it, what reaches the screen and
// the JACK outputs (tests/support/observer.h); prints when each flash of a flash-and-click clip
// reached the screen against its click reaching the output. Used to measure reelsync and other
// players on the same clip in the same run (scripts/observe-sync.sh).
//
//   observe [--region X,Y,W,H] [--skip S] [--json FILE] -- COMMAND [ARG...]
//
// --skip: clicks in the first S seconds of sound are left out of the figures (a player's first
// frame is on screen before its clock starts).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/observer.h"

extern char** environ;

int main(int argc, char** argv) {
    using namespace reelsync::testing;
    ObserverOptions opt;
    opt.x = 470;
    opt.y = 200;
    double skip = 0;
    std::string json_path;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a == "--region" && i + 1 < argc) {
            if (std::sscanf(argv[++i], "%d,%d,%d,%d", &opt.x, &opt.y, &opt.width, &opt.height) != 4) {
                std::fprintf(stderr, "observe: --region X,Y,W,H\n");
                return 2;
            }
        } else if (a == "--skip" && i + 1 < argc) {
            skip = std::atof(argv[++i]);
        } else if (a == "--json" && i + 1 < argc) {
            json_path = argv[++i];
        } else {
            std::fprintf(stderr, "usage: observe [--region X,Y,W,H] [--skip S] [--json FILE] -- COMMAND [ARG...]\n");
            return 2;
        }
    }
    if (i >= argc) {
        std::fprintf(stderr, "observe: no command to run\n");
        return 2;
    }
    auto obs = Observer::start(opt);
    if (!obs) {
        std::fprintf(stderr, "%s\n", obs.error().c_str());
        return 1;
    }
    pid_t pid = 0;
    if (posix_spawnp(&pid, argv[i], nullptr, nullptr, argv + i, environ) != 0) {
        std::fprintf(stderr, "observe: cannot run %s: %s\n", argv[i], std::strerror(errno));
        return 1;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    Observation o = (*obs)->stop();
    FlashClick fc = flash_click(o);
    // Offsets of clicks after the skipped start.
    std::vector<double> offsets;
    for (size_t k = 0; k < fc.clicks.size(); ++k)
        if (fc.clicks[k] - fc.clicks.front() >= skip && !std::isnan(fc.offsets[k])) offsets.push_back(fc.offsets[k]);
    std::vector<double> sorted = offsets;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted.empty() ? std::nan("") : sorted[sorted.size() / 2];
    const double spread = sorted.empty() ? std::nan("") : sorted.back() - sorted.front();
    double mean_abs = 0;
    for (double v : offsets) mean_abs += std::fabs(v);
    if (!offsets.empty()) mean_abs /= static_cast<double>(offsets.size());
    std::printf("observe: %zu grabs every %.2f ms (max %.2f), playback latency %.2f ms, %zu flashes, %zu clicks\n", o.grabs,
                o.grab_interval_ms_median, o.grab_interval_ms_max, o.latency_s * 1e3, fc.flashes.size(), fc.clicks.size());
    std::printf("observe: flash - click (ms):");
    for (double v : offsets) std::printf(" %+.1f", v * 1e3);
    std::printf("\nobserve: %zu pairs, median %+.1f ms, mean |offset| %.1f ms, spread %.1f ms, clicks without a flash %zu\n",
                offsets.size(), median * 1e3, mean_abs * 1e3, spread * 1e3, fc.unmatched_clicks);
    if (!json_path.empty()) {
        nlohmann::json j = {{"grabs", o.grabs},
                            {"grab_interval_ms", o.grab_interval_ms_median},
                            {"latency_ms", o.latency_s * 1e3},
                            {"flashes", fc.flashes.size()},
                            {"clicks", fc.clicks.size()},
                            {"offsets_ms", nlohmann::json::array()},
                            {"median_ms", median * 1e3},
                            {"spread_ms", spread * 1e3},
                            {"unmatched_clicks", fc.unmatched_clicks},
                            {"ports", o.ports}};
        for (double v : offsets) j["offsets_ms"].push_back(v * 1e3);
        std::ofstream(json_path) << j.dump(2) << "\n";
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
