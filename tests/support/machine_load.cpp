#include "support/machine_load.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace reelsync::testing {

namespace {

double tick_ms() {
    static const double ms = 1000.0 / static_cast<double>(std::max(1L, sysconf(_SC_CLK_TCK)));
    return ms;
}

double rusage_ms(int who) {
    rusage r{};
    getrusage(who, &r);
    auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_usec) / 1000.0; };
    return ms(r.ru_utime) + ms(r.ru_stime);
}

// The CPU time of the servers a real-time test runs against (started by scripts/services.sh, not
// by the test): their work for the player is the player's, not the machine's.
double servers_ms() {
    double total = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string pid = e.path().filename().string();
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream comm(e.path() / "comm");
        std::string name;
        if (!std::getline(comm, name) || (name != "Xvfb" && name != "jackd")) continue;
        std::ifstream stat(e.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        const size_t close = line.rfind(')');  // the name in brackets may hold spaces
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 2));
        std::string field;
        double utime = 0, stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15: user and system ticks
            if (i == 14) utime = std::atof(field.c_str());
            if (i == 15) stime = std::atof(field.c_str());
        }
        total += (utime + stime) * tick_ms();
    }
    return total;
}

}  // namespace

LoadMeter::LoadMeter() : start_(sample()) {}

LoadMeter::Sample LoadMeter::sample() {
    Sample s;
    s.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
    // The first line of /proc/stat: user nice system idle iowait irq softirq steal ... in ticks,
    // all CPUs together.
    std::ifstream stat("/proc/stat");
    std::string cpu;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    s.busy_ms = (user + nice + system + irq + softirq) * tick_ms();
    s.steal_ms = steal * tick_ms();
    s.ours_ms = rusage_ms(RUSAGE_SELF) + rusage_ms(RUSAGE_CHILDREN) + servers_ms();
    return s;
}

MachineLoad LoadMeter::read() const {
    const Sample now = sample();
    MachineLoad l;
    l.wall_ms = now.wall_ms - start_.wall_ms;
    l.steal_ms = std::max(0.0, now.steal_ms - start_.steal_ms);
    l.others_ms = std::max(0.0, (now.busy_ms - start_.busy_ms) - (now.ours_ms - start_.ours_ms));
    return l;
}

int MachineLoad::frames_explained(double frame_s) const {
    return frame_s > 0 ? static_cast<int>(std::floor(taken_ms() / (frame_s * 1000.0))) : 0;
}

std::string MachineLoad::describe() const {
    char s[160];
    std::snprintf(s, sizeof s, "the machine took %.0f ms (host %.0f ms, other processes %.0f ms) of %.1f s", taken_ms(), steal_ms,
                  others_ms, wall_ms / 1000.0);
    return s;
}

}  // namespace reelsync::testing
