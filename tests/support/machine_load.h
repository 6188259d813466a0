#pragma once
// What the machine did besides the run a real-time test measures, read from outside the player:
// the CPU time the hypervisor gave to other guests ("steal" in /proc/stat) and the CPU time spent
// by processes other than the test, the commands it ran and the display and audio servers the
// suite started (each process's own CPU time in /proc, kernel threads included). A shared machine
// takes that time away from a player at moments nobody chooses, and a frame can be lost with it;
// the real-time tests say how much was taken during each run and allow at most one lost frame per
// frame interval of time taken (none on a quiet machine).
#include <map>
#include <string>
#include <utility>

namespace reelsync::testing {

struct MachineLoad {
    double wall_ms = 0;    // the measured stretch
    double steal_ms = 0;   // CPU time the host ran other guests while this one wanted to run
    double others_ms = 0;  // CPU time of processes outside the test (never below 0)
    // Wall time during which every task that wanted to run waited on the disk, or on memory being
    // reclaimed ("full" in /proc/pressure/io and /proc/pressure/memory; -1 where the kernel does
    // not report it). Reported, not counted in taken_ms(): the player's own reads stall there too.
    double io_stall_ms = -1, memory_stall_ms = -1;

    double taken_ms() const { return steal_ms + others_ms; }
    // Frames a player could lose to the time taken: one per whole frame interval of it.
    int frames_explained(double frame_s) const;
    std::string describe() const;  // "the machine took 12 ms (host 0 ms, other processes 12 ms) of 2.5 s"
};

// Starts measuring when made; read() gives the load since then. Call read() after the commands
// being measured have exited (their CPU time is counted once they are waited for).
class LoadMeter {
public:
    LoadMeter();
    MachineLoad read() const;

private:
    struct Sample {
        double wall_ms = 0, steal_ms = 0, io_full_ms = -1, memory_full_ms = -1;
        std::map<std::pair<long, unsigned long long>, double> others;  // (pid, start time) -> CPU ticks
    };
    static Sample sample();
    Sample start_;
};

}  // namespace reelsync::testing
