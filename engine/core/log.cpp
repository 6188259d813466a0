#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace reelsync::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::warn)};
std::mutex g_write_mutex;  // guards stderr so lines from different threads do not interleave
constexpr const char* kNames[] = {"error", "warn", "info", "debug"};
}  // namespace

void set_level(Level l) { g_level.store(static_cast<int>(l)); }
Level level() { return static_cast<Level>(g_level.load()); }

void write(Level l, const char* fmt, ...) {
    if (static_cast<int>(l) > g_level.load(std::memory_order_relaxed)) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    std::lock_guard lock(g_write_mutex);
    std::fprintf(stderr, "reelsync [%s] %s\n", kNames[static_cast<int>(l)], buf);
}

}  // namespace reelsync::log
