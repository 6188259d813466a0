#pragma once
// Artifact flags for generated clips: what a director must catch before approving a shot.
// Each decoded frame is reduced to a small luma copy (160x90) and a few numbers; detectors are
// rules over those series, so a scan costs little more than decoding.
//
// Kinds: black, blank (flat), freeze, duplicate, cadence, jump (inside a shot), first_frame_jump,
// flicker (luma, colour, or local to a part of the picture), exposure, blur, timestamps, end_decay.
// Jumps and flicker confined to part of the picture carry that region.
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "analysis/grid.h"
#include "analysis/motion.h"
#include "core/error.h"

extern "C" {
struct AVFrame;
}

namespace reelsync::analysis {


struct FrameMetrics {
    int64_t index = 0;
    double luma_mean = 0;   // 8-bit code values
    double luma_std = 0;
    double diff_prev = 0;   // mean |Y - Y of the previous frame| on the reduced copy (0 for frame 0)
    double diff_prev2 = 0;  // the same against the frame two before (0 for frames 0 and 1)
    double sharpness = 0;   // mean |4-neighbour Laplacian| of the reduced copy, over luma_std
    double cb_mean = 0;     // chroma means, 8-bit code values (128: neutral)
    double cr_mean = 0;
    std::array<float, kTiles> tile_mean{};  // mean luma of each tile, row by row
    std::array<float, kTiles> tile_diff{};  // mean |Y - Y of the previous frame| in each tile
    std::array<float, kTiles> tile_diff2{}; // the same against the frame two before
    std::array<float, kTiles> tile_accel{}; // mean |Y - 2 Y of the previous frame + Y of the one before|: how far each
                                            // pixel's change departs from a steady slide (a dissolve slides steadily)
    std::array<float, kTiles> tile_diff_far{};  // mean |Y - Y kFarLag frames before| in each tile (-1: too early)
    std::array<float, kTiles> tile_shift{}; // how far each tile's median pixel moved in colour (Y, Cb, Cr: the length
                                            // of the three medians' move, code values) against kShiftLag frames before
                                            // (-1: too early): a colour slide of the whole tile, not a subject in part of it
    std::array<float, kTiles> tile_spread{};// how far the tile's pixels' luma moves spread around their median move (median
                                            // absolute deviation, code values): small when the tile moved as one
    MotionMetrics motion;                   // against the previous frame, by optical flow (motion.h)
    bool damaged = false;                   // the decoder found errors in it and concealed them
};

// How far back tile_diff_far looks (frames): longer than a generative fault's usual span, so that
// the frame after one ends can be held against the frame before it began.
inline constexpr int kFarLag = 24;
// How far back tile_shift looks (frames).
inline constexpr int kShiftLag = 8;

// Reduces a planar frame's luma to 160x90 (box filter) and measures it against the previous one.
class FrameMeter {
public:
    FrameMetrics measure(const AVFrame& frame, int64_t index);

private:
    std::deque<std::vector<float>> past_;  // the reduced copies of the last kFarLag frames, oldest first
    std::deque<std::vector<float>> past_chroma_;  // the chroma samples (Cb, Cr pairs) of the last kShiftLag frames
    MotionMeter motion_;
};

// cadence: duplicated frames in a regular pattern (a clip made at a lower frame rate and repeated
// up to this one, e.g. 16 fps shown at 24: every third frame a repeat), reported once for the span.
// cut: a hard cut inside the clip (the next shot shares nothing the motion can follow).
// corrupt: frames the decoder found damaged (bit errors in the video data) and concealed.
// boil: part of the picture whose texture is re-drawn every frame (its fine motion turns back on
// itself frame after frame, where it was calm before and after).
// wobble: part of the picture that sways back and forth every frame (nearly all of its fine motion
// reverses each frame).
// pop: something appears in part of the picture for a few frames and is gone again (that part changes
// in a way motion does not explain, twice, and comes back to what it was).
// melt: part of a still picture sagging and flowing back (its content sinks and rises again in place,
// nothing moving sideways there).
// morph: part of the picture dissolving into something else, which stays (it changes steadily,
// frame after frame, in a way motion does not explain, and does not come back).
// drift: part of the picture whose colour or brightness slides away and stays there, while what is
// drawn there (its texture) stays the same and the rest of the picture does not change with it.
enum class FlagKind { black, blank, freeze, duplicate, jump, first_frame_jump, flicker, blur, timestamps, end_decay, exposure, cadence, cut, corrupt,
                      boil, wobble, pop, melt, morph, drift };
inline constexpr FlagKind kLastFlagKind = FlagKind::drift;
const char* to_string(FlagKind k);

// Where in the picture a local artifact is: a rectangle in picture coordinates (0..1, origin top
// left), on the tile grid.
struct Region {
    float x0 = 0, y0 = 0, x1 = 1, y1 = 1;
    bool operator==(const Region&) const = default;
};
// Intersection over union of two regions (0: apart, 1: the same).
double iou(const Region& a, const Region& b);

struct Flag {
    FlagKind kind;
    int64_t first_frame;
    int64_t last_frame;
    double severity;  // 0..1
    std::optional<Region> region = std::nullopt;  // set when the artifact is confined to part of the picture
};

struct DetectorConfig {
    double black_luma = 26;       // mean luma at or below (16 is black in limited range)
    double flat_std = 3.0;        // luma spread at or below: no picture
    double still_diff = 0.6;      // a frame repeats the previous one when it differs from it by less than this on the whole...
    double still_changed = 0.15;  // ...no tile of it has this share of its pixels changed by more than kChangeLevel...
    double still_tile_diff = 2.0; // ...and no tile differs by this much on the reduced copy
    double still_ratio = 0.15;    // a repeat changes at most this share of the pixels the frame before it changed
    int alive_tiles = 4;          // freeze/duplicate: the picture was alive before (median tiles changing, 8 frames)...
    double alive_last = 0.7;      // ...and changing up to the stop (the last frame's change, against that median)
    double cut_unexplained = 0.5; // cut: this share of the picture changed in a way motion does not explain...
    double cut_ratio = 4.0;       // ...and this many times the share typical around it...
    double cut_layout = 5.0;      // ...and the picture's light and dark rearranged (mean tile change, code values)
    int freeze_min_frames = 3;    // repeats in a row that make a freeze (fewer: duplicates)
    int cadence_max_gap = 6;      // duplicates at most this many frames apart ...
    int cadence_min_repeats = 4;  // ... this many times in a row make a cadence
    double cadence_contrast = 2.0; // ... where the frames between them differ this many times as much as the repeats (medians)
    double jump_ratio = 5.0;      // a frame change this many times the local typical change...
    double jump_min_diff = 10.0;  // ...and at least this large is a jump
    double glitch_ratio = 2.5;    // one frame this many times farther from both neighbours than they
                                  // are from each other is a one-frame jump (a glitch frame)
    double glitch_luma = 12.0;    // or one frame this much brighter or darker than both neighbours
    double flicker_luma = 2.5;    // frame-to-frame swings of mean luma that reverse every frame
    double flicker_chroma = 2.0;  // the same for mean Cb/Cr (colour flicker)
    double local_flicker_luma = 10.0;  // the same for one tile of the picture (1/48 of it), 4+ frames,
    double local_flicker_back = 0.5;   // each swing coming back: the tile's brightness after it within this
                                       // share of the swing of where it was before (a moving object swings on)
    double blur_window_fps = 30;  // the typical sharpness is taken over +-3 s at this rate
    double blur_ratio = 0.55;     // sharpness below this share of the typical sharpness around it,
    double blur_motion = 2.5;     // unless the soft frames move this many times faster than those around (motion blur)
    double timestamp_tolerance = 0.25;  // a frame spacing off the typical one by this share
    double decay_step = 0.3;      // luma falling at least this much every frame into the end
    double decay_drop = 0.4;      // ...and by this share overall
    double pump_swing = 6.0;      // exposure: brightness swings of at least this (8-bit code values)...
    int pump_min_swings = 3;      // ...this many in a row, each over 4 to 60 frames...
    double pump_global = 0.5;     // ...the tiles' median moving at least this share of the picture's mean (the whole picture)
    // Generative faults in part of the picture, per tile of the 8x6 grid (motion.h's measures).
    double incoherent_jitter = 0.03;   // boil/wobble: a tile's flow reversal (working pixels) at least this...
    double incoherent_share = 0.3;     // ...and this share of its local (non-rigid) flow...
    double incoherent_rise = 4.0;      // ...and this many times the tile's median over the clip,
    int incoherent_min_frames = 8;     // for this many frames (gaps of 2 bridged), in 2+ neighbouring tiles...
    double incoherent_contrast = 8.0;  // ...reversing this many times more than the same tiles before and after
    double incoherent_flow_share = 0.15;  // ...and at least this share of their flow (not a fast move's edges)
    double wobble_share = 0.7;         // wobble, not boil: reversal this share of the local flow or more...
    double sway_diff = 2.0;            // wobble by pixels: a tile changing this much (code values) while matching the frame two before
    double wobble_back = 0.85;         // ...or the change against the frame two before below this share of the change against the one before
    double pop_unexplained = 0.6;      // pop: tiles this much unexplained as it appears and as it goes...
    double pop_return = 0.5;           // ...coming back to their look before, to within this share of the steps in and out...
    int pop_max_frames = 45;           // ...in 2+ tiles, within 3 to this many frames
    double morph_warp = 1.0;           // morph: tiles whose warp error (code values) is this or more...
    double morph_rise = 2.0;           // ...and this many times the tile's median over the clip...
    double morph_unexplained = 0.7;    // ...(over the event, the warp error at least this share of the tiles' change)...
    double morph_steady = 0.8;         // ...whose pixels slide steadily (tile_accel at most this share of tile_diff)...
    double morph_local = 3.0;          // ...this many times more than the picture's median tile (a fade slides everywhere)...
    double morph_flow = 2.0;           // ...while their flow is at most this (working pixels a frame)...
    int morph_min_frames = 5;          // ...for this many frames (gaps of 2 bridged), in 2+ neighbouring tiles...
    double morph_contrast = 2.5;       // ...with this many times the steady part of the change of the same tiles before and after...
    double morph_stays = 0.3;          // ...and 3 frames after it, still this share of its slide away from before it,
    double morph_left = 1.5;           // ...and this many times farther from the frame kFarLag before than as it began...
    double morph_global = 0.3;         // ...while the picture's mean luma moves at most this share of its tiles' (not a fade)
    double drift_step = 4.0;           // drift: tiles whose median pixel moved this far in colour over kShiftLag frames (tile_shift)...
    double drift_local = 3.0;          // ...this many times the picture's median tile...
    int drift_min_frames = 5;          // ...for this many frames (gaps of 2 bridged), in 2+ neighbouring tiles...
    double drift_calm = 0.4;           // ...where before it they moved at most this share as far...
    double drift_flow = 0.6;           // ...while their flow is at most this (working pixels a frame: a subject walking in changes colour too)...
    double drift_global = 0.2;         // ...and the picture's median tile moves at most this share as far (white balance, exposure)...
    double drift_together = 1.0;       // ...and their pixels move together: spread (tile_spread) at most this share of the move...
    double drift_max = 40.0;           // ...and the move a slide: at most this far over kShiftLag frames (more is a jump or new content)
    double melt_sag = 0.8;             // melt: a tile's content sinking this far (working pixels, against the picture's median flow) and back as far...
    double melt_sag_max = 4.0;         // ...but no farther than this (a larger swing is something moving)...
    double melt_coherent = 0.6;        // ...sinking in at least this share of the frames of the way down, rising in this share of the way up...
    double melt_steady = 0.4;          // ...while its sideways flow varies by at most this share of the sag...
    double melt_calm = 0.3;            // ...the tile still before and after it (mean flow at most this, working pixels a frame)...
    double melt_camera = 0.3;          // ...and the picture's median flow at most this throughout (a still camera)...
    int melt_min_frames = 6;           // ...for this many frames, in 2+ neighbouring tiles...
    int melt_max_tiles = 10;           // ...with at most this many tiles sagging at once (more is the scene moving);
    double melt_steady_beside = 0.6;   // a neighbour of such a tile sags too with its sideways flow within this share, still on one side
};

// Thresholds as JSON ({"blur_ratio": 0.5, ...}: any subset of the fields above, by name). Unknown
// names and values of the wrong type are errors that say which; what is not given keeps its default.
Result<DetectorConfig> detector_config_from_json(const nlohmann::json& j);
nlohmann::json to_json(const DetectorConfig& c);
Result<DetectorConfig> load_detector_config(const std::string& path);
// Every threshold of the config file by name, for an editor: the field it sets (one of the two).
struct Threshold {
    const char* name;
    double* real = nullptr;
    int* whole = nullptr;
};
std::vector<Threshold> thresholds(DetectorConfig& c);

// frame_pts: presentation times in seconds (for timestamp checks); may be empty.
std::vector<Flag> detect_artifacts(const std::vector<FrameMetrics>& m, const DetectorConfig& cfg = {},
                                   const std::vector<double>& frame_pts = {});

// Steadiness: how much of the picture changes in ways its motion does not explain, frame by frame.
// A tile's instability is the share of it the flow leaves unexplained (motion.h) plus how far its
// local flow reverses beyond kSteadyJitter working pixels (a wobble), as a share of
// kSteadyJitterSpan, at most 1; a frame's is the mean of its kSteadyTiles least stable tiles (an
// eighth of the picture: a fault in part of it is not diluted by the rest). Frames at a cut and
// frames without motion measures count 0. The clip's steadiness is 100 x (1 - mean instability /
// kSteadyScale), clamped to 0..100: 100 is a picture whose every change motion explains; a clip
// whose worst eighth averages half unexplained scores 0. Clips with no motion measures score 100.
inline constexpr double kSteadyJitter = 0.15, kSteadyJitterSpan = 0.3, kSteadyScale = 0.5;
inline constexpr int kSteadyTiles = kTiles / 8;
std::array<double, kTiles> tile_instability(const MotionMetrics& m);  // each tile's, 0..1 (above)
std::vector<float> instability(const std::vector<FrameMetrics>& m);
// A frame's heat map: each tile's instability as a fraction of kSteadyScale, in steps of 0-9.
using HeatRow = std::array<uint8_t, kTiles>;
double steadiness(const std::vector<float>& instability, const std::vector<Flag>& flags);

struct ClipScan {
    std::string file;  // as given
    int64_t frames = 0;
    double fps = 0;
    std::vector<Flag> flags;
    double steadiness = 100;        // 0..100 (above)
    std::vector<float> instability; // per frame measured (0..1), for the curve under the scrub bar
    std::vector<HeatRow> heat;      // per frame measured, for the heat map over the picture
};
// How a long-running scan is steered from another thread (all optional).
struct ScanControl {
    const std::atomic<bool>* cancel = nullptr;  // true: stop early (the scan fails as cancelled)
    const std::atomic<int>* pause_us = nullptr; // sleep this long after each frame (0: full speed; < 0: hold)
    std::atomic<float>* progress = nullptr;     // 0..1, updated as frames are decoded
};

// Version of the measures and detectors: bump it whenever they change what they find, so results
// cached elsewhere (a project's flag counts) are recomputed.
inline constexpr int kDetectorVersion = 14;

// Decodes the whole clip and runs the detectors. Errors name the file.
Result<ClipScan> scan_clip(const std::string& path, const DetectorConfig& cfg = {}, int threads = 0, ScanControl control = {});

// The detectors over a clip's measures: frames 0..metrics.size()-1 of a clip of `frame_count`
// frames at `fps`, with its frames' presentation times (seconds, may be empty).
ClipScan scan_from_measures(const std::string& path, const std::vector<FrameMetrics>& metrics, int64_t frame_count, double fps,
                            const std::vector<double>& frame_pts, const DetectorConfig& cfg);

// Live analysis: the measures of the frames playback decodes anyway. The clip reader adds every
// frame going forward; those that continue the run from frame 0 in order are measured (a seek or
// a step back adds nothing until the run is reached again). Any thread may add or copy.
class LiveMeasures {
public:
    void add(const AVFrame& frame, int64_t index, double pts);
    int64_t measured() const;  // frames 0..measured()-1
    std::vector<FrameMetrics> metrics() const;
    std::vector<double> pts() const;

private:
    std::mutex meter_mutex_;  // guards meter_ (held while measuring; only adders take it)
    FrameMeter meter_;
    mutable std::mutex mutex_;  // guards metrics_ and pts_ (held only to append or copy)
    std::vector<FrameMetrics> metrics_;
    std::vector<double> pts_;
};
nlohmann::json to_json(const ClipScan& scan);
// Reads back what to_json wrote (a project's stored scan); errors say what is wrong.
Result<ClipScan> clip_scan_from_json(const nlohmann::json& j);
std::optional<FlagKind> flag_kind_from_string(const std::string& s);

}  // namespace reelsync::analysis
