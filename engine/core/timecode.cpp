#include "core/timecode.h"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace reelsync {

std::string timecode(int64_t frame, Rational fps) {
    int64_t base = fps.valid() ? static_cast<int64_t>(std::ceil(fps.to_double() - 1e-9)) : 30;
    if (base <= 0) base = 30;
    bool neg = frame < 0;
    if (neg) frame = -frame;
    int64_t ff = frame % base;
    int64_t total_s = frame / base;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s%02lld:%02lld:%02lld:%02lld", neg ? "-" : "", static_cast<long long>(total_s / 3600),
                  static_cast<long long>((total_s / 60) % 60), static_cast<long long>(total_s % 60),
                  static_cast<long long>(ff));
    return buf;
}

double steady_seconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace reelsync
