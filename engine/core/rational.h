#pragma once
// Time is rational in the engine (a frame rate of 24000/1001 stays exact); doubles appear only at
// the edges, where a clock in seconds meets a presentation timestamp.
#include <cstdint>
#include <numeric>
#include <string>

namespace reelsync {

struct Rational {
    int64_t num = 0;
    int64_t den = 1;

    constexpr double to_double() const { return den ? static_cast<double>(num) / static_cast<double>(den) : 0.0; }
    constexpr bool valid() const { return num > 0 && den > 0; }
    Rational reduced() const {
        int64_t g = std::gcd(num, den);
        return g ? Rational{num / g, den / g} : *this;
    }
    Rational inverse() const { return Rational{den, num}; }
    std::string str() const { return std::to_string(num) + "/" + std::to_string(den); }
    friend bool operator==(const Rational& a, const Rational& b) { return a.num * b.den == b.num * a.den; }
};

// a * b / c with 128-bit intermediate, rounded to nearest (ties away from zero).
__extension__ using int128 = __int128;
inline int64_t rescale(int64_t a, int64_t b, int64_t c) {
    int128 p = static_cast<int128>(a) * b;
    int128 half = c / 2;
    int128 q = p >= 0 ? (p + half) / c : (p - half) / c;
    return static_cast<int64_t>(q);
}

}  // namespace reelsync
