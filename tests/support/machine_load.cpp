#include "support/machine_load.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace reelsync::testing {

namespace {

double tick_ms() {
    static const double ms = 1000.0 / static_cast<double>(std::max(1L, sysconf(_SC_CLK_TCK)));
    return ms;
}

// The CPU time (ticks) of every process now, by pid and start time, leaving out this test
// process and the servers a real-time test runs against (Xvfb and jackd, started by
// scripts/services.sh: their work for the player is the player's). The commands the test runs
// have exited by the time read() is called, so what is left is other processes' work.
std::map<std::pair<long, unsigned long long>, double> others_ticks() {
    std::map<std::pair<long, unsigned long long>, double> out;
    const long self = static_cast<long>(getpid());
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const long pid = std::atol(name.c_str());
        if (pid == self) continue;
        std::ifstream stat(e.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        const size_t open = line.find('('), close = line.rfind(')');  // the name may hold spaces
        if (open == std::string::npos || close == std::string::npos) continue;
        const std::string comm = line.substr(open + 1, close - open - 1);
        if (comm == "Xvfb" || comm == "jackd") continue;
        std::istringstream rest(line.substr(close + 2));
        std::string field;
        double utime = 0, stime = 0;
        unsigned long long start = 0;
        for (int i = 3; i <= 22 && rest >> field; ++i) {  // 14, 15: user and system ticks; 22: start time
            if (i == 14) utime = std::atof(field.c_str());
            if (i == 15) stime = std::atof(field.c_str());
            if (i == 22) start = std::strtoull(field.c_str(), nullptr, 10);
        }
        out[{pid, start}] = utime + stime;
    }
    return out;
}

// The "full" stall total of a pressure file (/proc/pressure/io, .../memory) in ms; -1 without one.
double full_stall_ms(const char* path) {
    std::ifstream f(path);
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("full ", 0) != 0) continue;
        const size_t at = line.find("total=");
        if (at != std::string::npos) return std::strtod(line.c_str() + at + 6, nullptr) / 1000.0;  // microseconds
    }
    return -1;
}

}  // namespace

// A watcher's period, and how late a wake-up must be to count (a quarter of a 30 fps frame's
// interval): timer slack and the host's usual latency stay well under it (a quiet two-core
// virtual machine: a few late wake-ups of 2-4 ms in 10 s).
constexpr long kWatchPeriodNs = 10'000'000;
constexpr long long kLateUs = 8000;

LoadMeter::LoadMeter() : start_(sample()) {
    // One watcher on each CPU this process may run on (a container may allow fewer than there are).
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;  // no watchers: withholding not measured
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (!CPU_ISSET(c, &allowed)) continue;
        watchers_.push_back(std::make_unique<Watcher>());
        Watcher* w = watchers_.back().get();
        w->thread = std::thread([this, w, c] {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(c, &set);
            sched_param p{};
            p.sched_priority = sched_get_priority_max(SCHED_FIFO);
            const bool pinned = pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
            w->realtime.store(pinned && pthread_setschedparam(pthread_self(), SCHED_FIFO, &p) == 0);
            w->started.store(true);
            if (!w->realtime.load()) return;
            timespec next{};
            clock_gettime(CLOCK_MONOTONIC, &next);
            while (!stop_.load(std::memory_order_relaxed)) {
                next.tv_nsec += kWatchPeriodNs;
                if (next.tv_nsec >= 1'000'000'000) next.tv_nsec -= 1'000'000'000, ++next.tv_sec;
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
                timespec now{};
                clock_gettime(CLOCK_MONOTONIC, &now);
                const long long late = (now.tv_sec - next.tv_sec) * 1'000'000LL + (now.tv_nsec - next.tv_nsec) / 1000;
                if (late > kLateUs) {
                    w->late_us.fetch_add(late, std::memory_order_relaxed);
                    next = now;  // the missed periods are not made up for
                }
            }
        });
    }
    for (const auto& w : watchers_)
        while (!w->started.load()) std::this_thread::yield();
}

LoadMeter::~LoadMeter() {
    stop_.store(true);
    for (const auto& w : watchers_) w->thread.join();
}

LoadMeter::Sample LoadMeter::sample() {
    Sample s;
    s.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
    // The first line of /proc/stat: user nice system idle iowait irq softirq steal ... in ticks,
    // all CPUs together.
    std::ifstream stat("/proc/stat");
    std::string cpu;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    s.steal_ms = steal * tick_ms();
    s.others = others_ticks();
    s.io_full_ms = full_stall_ms("/proc/pressure/io");
    s.memory_full_ms = full_stall_ms("/proc/pressure/memory");
    return s;
}

MachineLoad LoadMeter::read() const {
    const Sample now = sample();
    MachineLoad l;
    l.wall_ms = now.wall_ms - start_.wall_ms;
    l.steal_ms = std::max(0.0, now.steal_ms - start_.steal_ms);
    // Each other process's CPU time since the start (all of it for one started since).
    double ticks = 0;
    for (const auto& [id, t] : now.others) {
        const auto before = start_.others.find(id);
        ticks += std::max(0.0, t - (before == start_.others.end() ? 0.0 : before->second));
    }
    l.others_ms = ticks * tick_ms();
    if (!watchers_.empty() && std::all_of(watchers_.begin(), watchers_.end(), [](const auto& w) { return w->realtime.load(); })) {
        l.withheld_ms = 0;
        for (const auto& w : watchers_) l.withheld_ms += static_cast<double>(w->late_us.load()) / 1000.0;
    }
    if (now.io_full_ms >= 0 && start_.io_full_ms >= 0) l.io_stall_ms = std::max(0.0, now.io_full_ms - start_.io_full_ms);
    if (now.memory_full_ms >= 0 && start_.memory_full_ms >= 0) l.memory_stall_ms = std::max(0.0, now.memory_full_ms - start_.memory_full_ms);
    return l;
}

int MachineLoad::frames_explained(double frame_s) const {
    return frame_s > 0 ? static_cast<int>(std::floor(taken_ms() / (frame_s * 1000.0))) : 0;
}

std::string MachineLoad::describe() const {
    char s[200];
    if (withheld_ms >= 0)
        std::snprintf(s, sizeof s, "the machine took %.0f ms (host %.0f ms, withheld unreported %.0f ms, other processes %.0f ms) of %.1f s",
                      taken_ms(), steal_ms, withheld_ms, others_ms, wall_ms / 1000.0);
    else
        std::snprintf(s, sizeof s, "the machine took %.0f ms (host %.0f ms, other processes %.0f ms; unreported withholding not measured) of %.1f s",
                      taken_ms(), steal_ms, others_ms, wall_ms / 1000.0);
    std::string out = s;
    if (io_stall_ms >= 0 && memory_stall_ms >= 0) {
        std::snprintf(s, sizeof s, "; every task stalled on the disk %.0f ms, on memory %.0f ms", io_stall_ms, memory_stall_ms);
        out += s;
    }
    return out;
}

}  // namespace reelsync::testing
