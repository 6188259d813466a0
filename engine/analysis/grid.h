#pragma once
// The analysis grid: every frame measure that can be located is kept per tile of a coarse grid over
// the picture, so that a change confined to part of it carries that part (a flag's region).

namespace reelsync::analysis {

inline constexpr int kTilesX = 8, kTilesY = 6, kTiles = kTilesX * kTilesY;

}  // namespace reelsync::analysis
