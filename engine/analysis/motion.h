#pragma once
// Motion measures: what changed between two frames that motion does not explain.
//
// Each frame's luma is reduced to a working copy about 320 pixels wide. Dense optical flow (OpenCV's
// DIS) is computed both ways between it and the previous frame; where the two disagree the pixel is
// occluded (uncovered or hidden by motion, or not matched at all). The previous frame warped along
// the flow predicts this one; what is left (the warp error) is change that motion does not explain:
// noise and compression at a low level, texture re-drawn, objects appearing or changing at a high
// one. The flow itself is judged against a smooth fit of its surroundings (non-rigidity) and
// against the previous frame's flow (jitter: motion that reverses every frame).
//
// All figures are per tile of the analysis grid (kTilesX x kTilesY) and for the whole picture.
#include <array>
#include <memory>

#include "analysis/grid.h"

extern "C" {
struct AVFrame;
}

namespace reelsync::analysis {

// Frame i against frame i-1, measured at the working resolution (lengths in working pixels, which
// are kMotionWidth across the picture; levels in 8-bit code values). All zero for frame 0.
struct MotionMetrics {
    bool valid = false;      // measured (frame 0, and a frame after a size change, are not)
    float changed = 0;       // share of pixels whose luma changed by more than kChangeLevel, raw
    float flow = 0;          // median flow length
    float warp = 0;          // mean warp error over the pixels the flow matched both ways
    float noise = 0;         // median warp error over those pixels: this clip's noise + compression here
    float occluded = 0;      // share of pixels the flow did not match both ways
    float unexplained = 0;   // share of pixels occluded or with a warp error well above the noise
    std::array<float, kTiles> tile_changed{};      // the same per tile
    std::array<float, kTiles> tile_flow{};         // mean flow length
    std::array<float, kTiles> tile_flow_x{}, tile_flow_y{};  // mean flow vector
    std::array<float, kTiles> tile_warp{};
    std::array<float, kTiles> tile_unexplained{};
    std::array<float, kTiles> tile_nonrigid{};     // mean |flow - its smooth fit over ~1/8 of the width|
    std::array<float, kTiles> tile_jitter{};       // mean reversal of that local flow against the previous frame's
};

inline constexpr int kMotionWidth = 320;
inline constexpr float kChangeLevel = 3.0f;

class MotionMeter {
public:
    MotionMeter();
    ~MotionMeter();
    MotionMeter(MotionMeter&&) noexcept;
    MotionMeter& operator=(MotionMeter&&) noexcept;
    MotionMetrics measure(const AVFrame& frame);

private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace reelsync::analysis
