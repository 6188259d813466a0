#pragma once
// Judging recorded or rendered sound as a listener would: the pitch of a stretch of it.
#include <cstddef>

namespace reelsync::testing {

// The strongest frequency (Hz, in 1 Hz steps from lo_hz to hi_hz) of `n` samples at `rate`: a
// Hann window and the power at each frequency (Goertzel). The pitch a listener hears of a tone;
// a phase vocoder's phase resets, which disturb a zero-crossing count, do not move it.
double strongest_frequency(const float* x, size_t n, int rate, double lo_hz, double hi_hz);

}  // namespace reelsync::testing
