#pragma once
#include <cstdint>
#include <string>

#include "core/rational.h"

namespace reelsync {

// HH:MM:SS:FF for a 0-based frame number at a frame rate. Non-drop-frame: the frame field counts
// ceil(fps) frames per second (a 23.976 clip counts 24 per timecode second, as editing suites do).
std::string timecode(int64_t frame, Rational fps);

// Seconds, as a monotonic steady-clock reading. The one time base every thread compares against.
double steady_seconds();

}  // namespace reelsync
