#include "support/tone.h"

#include <cmath>
#include <vector>

namespace reelsync::testing {

double strongest_frequency(const float* x, size_t n, int rate, double lo_hz, double hi_hz) {
    if (n < 64 || rate <= 0) return 0;
    std::vector<double> w(n);
    for (size_t i = 0; i < n; ++i)
        w[i] = static_cast<double>(x[i]) * (0.5 - 0.5 * std::cos(2 * M_PI * static_cast<double>(i) / static_cast<double>(n - 1)));
    double best = 0, best_hz = 0;
    for (double hz = lo_hz; hz <= hi_hz; hz += 1) {
        const double k = 2 * std::cos(2 * M_PI * hz / rate);
        double s1 = 0, s2 = 0;
        for (const double v : w) {
            const double s0 = v + k * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        const double power = s1 * s1 + s2 * s2 - k * s1 * s2;
        if (power > best) best = power, best_hz = hz;
    }
    return best_hz;
}

}  // namespace reelsync::testing
