#pragma once
// What the machine did besides the run a real-time test measures, read from outside the player:
// the CPU time the hypervisor gave to other guests ("steal" in /proc/stat) and the CPU time spent
// by processes other than the test, the commands it ran and the display and audio servers the
// suite started (each process's own CPU time in /proc, kernel threads included). A shared machine
// takes that time away from a player at moments nobody chooses, and a frame can be lost with it;
// the real-time tests say how much was taken during each run and allow at most one lost frame per
// frame interval of time taken (none on a quiet machine).
//
// Some hosts take time without saying so: a virtual machine held to a CPU quota is paused when its
// guest works hard, and its steal stays 0. That time is measured from inside, by a watcher on each
// CPU at the highest real-time priority that wakes every 10 ms: nothing in the guest can keep it
// from running, so a wake-up late by more than 8 ms is time the CPU was withheld from the guest.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace reelsync::testing {

struct MachineLoad {
    double wall_ms = 0;    // the measured stretch
    double steal_ms = 0;   // CPU time the host ran other guests while this one wanted to run
    double others_ms = 0;  // CPU time of processes outside the test (never below 0)
    // CPU time withheld from the guest unreported (the watchers' late wake-ups, all CPUs together);
    // -1 where the watchers could not run at real-time priority (then not counted).
    double withheld_ms = -1;
    // Wall time during which every task that wanted to run waited on the disk, or on memory being
    // reclaimed ("full" in /proc/pressure/io and /proc/pressure/memory; -1 where the kernel does
    // not report it). Reported, not counted in taken_ms(): the player's own reads stall there too.
    double io_stall_ms = -1, memory_stall_ms = -1;

    double taken_ms() const { return steal_ms + others_ms + std::max(0.0, withheld_ms); }
    // Frames a player could lose to the time taken: one per whole frame interval of it.
    int frames_explained(double frame_s) const;
    std::string describe() const;  // "the machine took 12 ms (host 0 ms, withheld unreported 0 ms, other processes 12 ms) of 2.5 s"
};

// Starts measuring when made; read() gives the load since then. Call read() after the commands
// being measured have exited (their CPU time is counted once they are waited for). The watchers
// run from construction to destruction; read() may be called more than once.
class LoadMeter {
public:
    LoadMeter();
    ~LoadMeter();
    LoadMeter(const LoadMeter&) = delete;
    LoadMeter& operator=(const LoadMeter&) = delete;
    MachineLoad read() const;

private:
    // One per CPU: its late wake-ups in microseconds (written by its thread, read by read()).
    struct Watcher {
        std::atomic<long long> late_us{0};
        std::atomic<bool> realtime{false}, started{false};
        std::thread thread;
    };
    std::atomic<bool> stop_{false};
    std::vector<std::unique_ptr<Watcher>> watchers_;

    struct Sample {
        double wall_ms = 0, steal_ms = 0, io_full_ms = -1, memory_full_ms = -1;
        std::map<std::pair<long, unsigned long long>, double> others;  // (pid, start time) -> CPU ticks
    };
    static Sample sample();
    Sample start_;
};

}  // namespace reelsync::testing
