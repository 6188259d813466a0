#pragma once
// Continuity across a cut: how the incoming shot's first frame differs from the outgoing shot's
// last in exposure, colour and contrast. A video cut as one continuous camera move is betrayed by a
// cut that jumps in any of them.
//   exposure_ev  log2 of the ratio of their mean linear luminance (in / out): +1 is a stop brighter
//   delta_e      the mean CIEDE2000 colour difference between the two frames' 8x6 tiles, each tile's
//                mean colour (CIE Lab, D65) against the same tile's in the other frame
//   contrast     log2 of the ratio of their linear luminance spread (standard deviation, in / out)
// Frames are read as Y'CbCr with their own matrix (BT.601 below 720 lines unless tagged) and range,
// the transfer taken as a 2.4 power (BT.1886).
extern "C" {
struct AVFrame;
}

namespace reelsync::analysis {

struct Lab {
    double L = 0, a = 0, b = 0;
};
// The CIEDE2000 colour difference (Sharma, Wu and Dalal's formulation).
double ciede2000(const Lab& p, const Lab& q);

struct Continuity {
    double exposure_ev = 0;
    double delta_e = 0;
    double contrast = 0;
};

struct ContinuityThresholds {
    double exposure_ev = 0.3;  // a jump of at least this many stops is flagged
    double delta_e = 3.0;      // a colour jump of at least this mean CIEDE2000 (about 2: just noticeable side by side)
    double contrast = 0.3;     // a contrast jump of at least this many stops of spread
};

Continuity compare_across_cut(const AVFrame& out, const AVFrame& in);
bool flagged(const Continuity& c, const ContinuityThresholds& t = {});

}  // namespace reelsync::analysis
