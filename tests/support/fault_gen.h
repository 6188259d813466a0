#pragma once
// Generative faults injected into real footage, for the artifact detectors' fault suite. A stretch
// of a real clip is decoded (scaled to 480x360), one fault is painted into a box of it over a span
// of frames, and the result is encoded with x264. Cached in the build tree like other test media.
//
//   boil    the box's texture is re-drawn every frame: a fresh random smooth warp of 2-3 px each frame
//   wobble  the box's content sways sideways by a smooth wave whose sign flips every frame
//   melt    the box's content sags down, most in its middle, growing then settling back
//   morph   the box's content dissolves into other content (another part of the picture) and stays
//   pop     another part of the picture appears in the box for the span, then is gone
//   drift   the box's colour and brightness slide away over the span and stay there
#include <cstdint>
#include <string>

namespace reelsync::testing {

enum class Fault { none, boil, wobble, melt, morph, pop, drift };
const char* to_string(Fault f);

struct FaultSpec {
    std::string source;       // a real clip
    double start_s = 0;       // where the stretch starts in it
    int frames = 75;          // its length
    Fault fault = Fault::none;
    int first = 0, length = 0;  // the span (frames of the stretch)
    int x = 0, y = 0, w = 0, h = 0;  // the box, pixels of the 480x360 picture
    double strength = 1.0;    // 0.6-1.0: how strong (amplitudes scale with it)
    uint32_t seed = 1;
};

inline constexpr int kFaultWidth = 480, kFaultHeight = 360;

// The stretch with its fault, encoded with x264 (name: a file name in media_dir()). Aborts the test
// on failure.
std::string fault_clip(const std::string& name, const FaultSpec& spec);

}  // namespace reelsync::testing
