// The artifact detectors, one file: every flag kind reads the same per-frame measures and the same
// per-clip statistics (medians, the surrounding frames), and a kind often defers to another (a cut
// is not a jump, a frozen tail is end decay, not a freeze). Split by kind, each part would
// re-derive those statistics or reach into the others' state.
#include "analysis/artifacts.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <type_traits>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <stdexcept>
#include <chrono>
#include <functional>
#include <tuple>
#include <limits>
#include <cmath>
#include <thread>

#include <nlohmann/json.hpp>

#include "media/video_decoder.h"

namespace reelsync::analysis {

namespace {
constexpr int kW = 160, kH = 90;
// Blur: a soft stretch moving slower than this (median flow, working pixels a frame) is never taken
// for the camera's own motion blur, however still the shot around it.
constexpr double kBlurMotionMin = 4.0;
static_assert(kW % kTilesX == 0 && kH % kTilesY == 0, "tiles cover the reduced copy exactly");

template <class T>
double median_of(std::vector<T> v) {
    if (v.empty()) return 0;
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return static_cast<double>(v[v.size() / 2]);
}

using TileScores = std::array<double, kTiles>;

// One frame against its two neighbours, for the whole picture or one tile: far from both by pixels
// while they are close to each other (in, out: its difference to the previous / next frame; skip:
// theirs to each other), or its brightness (prev, cur, next means) leaving and coming back.
struct GlitchTest {
    double min_diff, ratio, luma;  // the thresholds
};
struct GlitchEvidence {
    bool by_pixels = false, by_brightness = false;
    double pixels = 0, swing = 0;  // min(in, out) / skip, and the smaller brightness step
};
GlitchEvidence glitch_evidence(double in, double out, double skip, double prev, double cur, double next, const GlitchTest& t) {
    GlitchEvidence e;
    skip = std::max(skip, 0.5);
    const double up = cur - prev, down = next - cur, back = std::fabs(next - prev);
    e.swing = std::min(std::fabs(up), std::fabs(down));
    e.pixels = std::min(in, out) / skip;
    e.by_pixels = std::min(in, out) >= t.min_diff && e.pixels >= t.ratio;
    e.by_brightness = (up > 0) != (down > 0) && e.swing >= t.luma && back <= 0.25 * e.swing;
    return e;
}

// The tiles scoring at least a third of the best score, as one rectangle; none when nothing scores
// `min_score` or when the rectangle covers most of the picture (the artifact is the whole picture's).
std::optional<Region> region_of(const TileScores& score, double min_score) {
    const double best = *std::max_element(score.begin(), score.end());
    if (!(best >= min_score)) return std::nullopt;
    int x0 = kTilesX, y0 = kTilesY, x1 = -1, y1 = -1;
    for (int t = 0; t < kTiles; ++t) {
        if (score[static_cast<size_t>(t)] < best / 3) continue;
        x0 = std::min(x0, t % kTilesX);
        x1 = std::max(x1, t % kTilesX);
        y0 = std::min(y0, t / kTilesX);
        y1 = std::max(y1, t / kTilesX);
    }
    if ((x1 - x0 + 1) * (y1 - y0 + 1) * 4 >= kTiles * 3) return std::nullopt;
    return Region{static_cast<float>(x0) / kTilesX, static_cast<float>(y0) / kTilesY, static_cast<float>(x1 + 1) / kTilesX,
                  static_cast<float>(y1 + 1) / kTilesY};
}

// Generative faults in part of the picture, from the tiles' motion measures (motion.h). `skip`
// marks frames not judged (black, blank, repeated, at a cut or a glitch).
void find_generative(const std::vector<FrameMetrics>& m, const DetectorConfig& c, const std::vector<bool>& skip, std::vector<Flag>& flags) {
    const int64_t n = static_cast<int64_t>(m.size());
    auto judged = [&](int64_t i) { return i >= 2 && i < n && m[static_cast<size_t>(i)].motion.valid && !skip[static_cast<size_t>(i)]; };
    auto at = [](const std::array<float, kTiles>& a, int t) { return static_cast<double>(a[static_cast<size_t>(t)]); };
    auto neighbours = [](int a, int b) { return std::abs(a % kTilesX - b % kTilesX) <= 1 && std::abs(a / kTilesX - b / kTilesX) <= 1; };

    // Runs of frames of one tile where `on(t, i)` holds (gaps of up to 2 frames bridged), at least
    // `min_frames` long; runs in neighbouring tiles that overlap in time by half the shorter are one
    // event: its tiles and frames.
    struct Run {
        int tile;
        int64_t first, last;
    };
    struct Event {
        std::vector<int> tiles;
        int64_t first, last;
    };
    auto events = [&](auto&& on, int min_frames) {
        std::vector<Run> runs;
        for (int t = 0; t < kTiles; ++t)
            for (int64_t i = 0; i < n;) {
                if (!on(t, i)) {
                    ++i;
                    continue;
                }
                int64_t last = i;
                for (int64_t k = i + 1; k < n && k <= last + 3; ++k)
                    if (on(t, k)) last = k;
                if (last - i + 1 >= min_frames) runs.push_back({t, i, last});
                i = last + 1;
            }
        std::vector<size_t> group(runs.size());
        for (size_t r = 0; r < runs.size(); ++r) group[r] = r;
        std::function<size_t(size_t)> root = [&](size_t r) { return group[r] == r ? r : group[r] = root(group[r]); };
        for (size_t r = 0; r < runs.size(); ++r)
            for (size_t q = r + 1; q < runs.size(); ++q) {
                const int64_t overlap = std::min(runs[r].last, runs[q].last) - std::max(runs[r].first, runs[q].first) + 1;
                const int64_t shorter = std::min(runs[r].last - runs[r].first, runs[q].last - runs[q].first) + 1;
                if (neighbours(runs[r].tile, runs[q].tile) && overlap * 2 >= shorter) group[root(r)] = root(q);
            }
        std::vector<Event> out;
        for (size_t g = 0; g < runs.size(); ++g) {
            if (root(g) != g) continue;
            Event e{{}, n, -1};
            for (size_t r = 0; r < runs.size(); ++r)
                if (root(r) == g) {
                    if (std::find(e.tiles.begin(), e.tiles.end(), runs[r].tile) == e.tiles.end()) e.tiles.push_back(runs[r].tile);
                    e.first = std::min(e.first, runs[r].first);
                    e.last = std::max(e.last, runs[r].last);
                }
            if (e.tiles.size() >= 2) out.push_back(std::move(e));
        }
        return out;
    };
    // An event's tiles: `value` over its frames (median), and against the same tiles before and after
    // it (the larger of the two medians; 0 when neither side has enough judged frames).
    // (the same, the sides apart: -1 for a side without enough judged frames)
    auto sides = [&](const Event& e, auto&& value) {
        std::vector<double> during, before, after;
        for (int t : e.tiles) {
            for (int64_t i = e.first; i <= e.last; ++i)
                if (judged(i)) during.push_back(value(t, i));
            for (int64_t i = e.first - 20; i <= e.first - 4; ++i)
                if (judged(i)) before.push_back(value(t, i));
            for (int64_t i = e.last + 4; i <= e.last + 20; ++i)
                if (judged(i)) after.push_back(value(t, i));
        }
        const size_t enough = 4 * e.tiles.size();
        return std::tuple{median_of(during), before.size() >= enough ? median_of(before) : -1.0, after.size() >= enough ? median_of(after) : -1.0};
    };
    auto contrast = [&](const Event& e, auto&& value) {
        const auto [during, before, after] = sides(e, value);
        return std::pair{during, std::max(before, after)};
    };
    // Where: the event's tiles whose own median of `value` over its frames is at least a third of
    // the strongest tile's (tiles the fault only grazes drop out), and its neighbouring tiles where
    // `value` rises with it as high and `rise` times their own median before and after: a fault
    // shows unevenly (weak on flat ground, crossed by a walker for part of its span), and a tile
    // where it shows less steadily than the event's conditions ask still belongs to where it is.
    auto region_with_neighbours = [&](const Event& e, double rise, auto&& value) {
        auto tile_sides = [&](int t) { return sides(Event{{t}, e.first, e.last}, value); };  // one tile's during, before, after
        TileScores score{};
        double best = 0;
        for (int t : e.tiles) best = std::max(best, score[static_cast<size_t>(t)] = std::get<0>(tile_sides(t)));
        // (region_of keeps the tiles scoring a third of the best or more)
        for (int t = 0; t < kTiles; ++t) {
            if (std::find(e.tiles.begin(), e.tiles.end(), t) != e.tiles.end()) continue;
            if (!std::any_of(e.tiles.begin(), e.tiles.end(), [&](int u) { return neighbours(t, u); })) continue;
            const auto [during, before, after] = tile_sides(t);
            const double around = std::max(before, after);
            if (around >= 0 && during >= best / 3 && during >= rise * std::max(around, 1e-3)) score[static_cast<size_t>(t)] = during;
        }
        return region_of(score, 1e-6);
    };
    auto overlaps = [&](const Event& e, FlagKind kind) {
        return std::any_of(flags.begin(), flags.end(), [&](const Flag& f) {
            return f.kind == kind && f.first_frame <= e.last && f.last_frame >= e.first && f.region &&
                   std::any_of(e.tiles.begin(), e.tiles.end(), [&](int t) {
                       const float cx = (static_cast<float>(t % kTilesX) + 0.5f) / kTilesX, cy = (static_cast<float>(t / kTilesX) + 0.5f) / kTilesY;
                       return cx >= f.region->x0 && cx <= f.region->x1 && cy >= f.region->y0 && cy <= f.region->y1;
                   });
        });
    };

    // Each judged frame's median tile of `value` (0 where not judged or where `measured` says no).
    auto median_tile = [&](auto&& value, auto&& measured) {
        std::vector<double> out(static_cast<size_t>(n), 0.0);
        for (int64_t i = 0; i < n; ++i)
            if (judged(i) && measured(i)) {
                std::vector<double> all;
                for (int t = 0; t < kTiles; ++t) all.push_back(value(t, i));
                out[static_cast<size_t>(i)] = median_of(std::move(all));
            }
        return out;
    };
    auto every_frame = [](int64_t) { return true; };
    // Each tile's median of a per-tile measure over the judged frames.
    auto typical = [&](auto&& field) {
        std::array<double, kTiles> out{};
        for (int t = 0; t < kTiles; ++t) {
            std::vector<double> all;
            for (int64_t i = 0; i < n; ++i)
                if (judged(i)) all.push_back(at(field(m[static_cast<size_t>(i)]), t));
            out[static_cast<size_t>(t)] = median_of(all);
        }
        return out;
    };

    // Boil and wobble: tiles whose local flow turns back on itself (against the pair before) far
    // more than the tile's median; kept when the same tiles reverse far less before and after (a
    // fault starts and stops; texture that always moves like that, water or an animated flame, does
    // not) and the reversal is a fair share of their whole flow (not the edges of a fast move).
    const std::array<double, kTiles> typical_jitter = typical([](const FrameMetrics& f) -> const auto& { return f.motion.tile_jitter; });
    auto reverses = [&](int t, int64_t i) {
        if (!judged(i)) return false;
        const MotionMetrics& mo = m[static_cast<size_t>(i)].motion;
        const double j = at(mo.tile_jitter, t);
        return j >= c.incoherent_jitter && j >= c.incoherent_rise * typical_jitter[static_cast<size_t>(t)] &&
               j >= c.incoherent_share * at(mo.tile_nonrigid, t);
    };
    for (const Event& e : events(reverses, c.incoherent_min_frames)) {
        const auto [j, ref] = contrast(e, [&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].motion.tile_jitter, t); });
        if (ref < 0) continue;  // nothing to compare with: not judged
        std::vector<double> share, flow, back;
        for (int t : e.tiles)
            for (int64_t i = e.first; i <= e.last; ++i) {
                if (!judged(i)) continue;
                const FrameMetrics& f = m[static_cast<size_t>(i)];
                flow.push_back(at(f.motion.tile_flow, t));
                if (at(f.motion.tile_nonrigid, t) > 1e-3) share.push_back(at(f.motion.tile_jitter, t) / at(f.motion.tile_nonrigid, t));
                if (at(f.tile_diff, t) > 0.1) back.push_back(at(f.tile_diff2, t) / at(f.tile_diff, t));
            }
        if (j < c.incoherent_contrast * std::max(ref, 0.002) || j < c.incoherent_flow_share * median_of(flow)) continue;
        // Wobble sways between two states: the frame two before matches far better than the one
        // before (where the shot itself hardly moves), or nearly all of the local flow reverses.
        // Boil is drawn afresh every frame: the frame two before is no closer.
        const FlagKind kind = median_of(back) < c.wobble_back || median_of(share) >= c.wobble_share ? FlagKind::wobble : FlagKind::boil;
        flags.push_back({kind, e.first, e.last, std::min(1.0, j / 0.2), region_with_neighbours(e, c.incoherent_contrast, [&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].motion.tile_jitter, t); })});
    }
    // Wobble seen by the pixels alone (where sensor noise keeps the flow restless everywhere): tiles
    // that change from frame to frame far more than usual yet match the frame two before, frame
    // after frame, where before and after they did not change like that.
    const std::array<double, kTiles> typical_diff = typical([](const FrameMetrics& f) -> const auto& { return f.tile_diff; });
    auto sways = [&](int t, int64_t i) {
        if (!judged(i)) return false;
        const double d = at(m[static_cast<size_t>(i)].tile_diff, t);
        return d >= c.sway_diff && d >= c.incoherent_rise * typical_diff[static_cast<size_t>(t)] &&
               at(m[static_cast<size_t>(i)].tile_diff2, t) <= c.wobble_back * 0.6 * d;
    };
    for (const Event& e : events(sways, c.incoherent_min_frames)) {
        if (overlaps(e, FlagKind::wobble)) continue;
        const auto [d, ref] = contrast(e, [&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].tile_diff, t); });
        if (ref < 0 || d < 0.5 * c.incoherent_contrast * std::max(ref, 0.1)) continue;
        flags.push_back({FlagKind::wobble, e.first, e.last, std::min(1.0, d / (4 * c.sway_diff)),
                         region_with_neighbours(e, 0.5 * c.incoherent_contrast, [&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].tile_diff, t); })});
    }

    // Pop: tiles that motion leaves mostly unexplained at frame a and again at frame b, calm
    // between, whose look at b is back to what it was before a (by brightness, or where that hardly
    // moved, by a change out as large as the change in).
    auto tile_mean = [&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].tile_mean, t); };
    auto unexplained = [&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].motion.tile_unexplained, t); };
    auto hot = [&](int64_t i) {
        std::vector<int> tiles;
        for (int t = 0; t < kTiles; ++t)
            if (unexplained(t, i) >= c.pop_unexplained) tiles.push_back(t);
        return tiles;
    };
    for (int64_t a = 2; a + 2 < n; ++a) {
        if (!judged(a)) continue;
        const std::vector<int> in = hot(a);
        if (in.empty() || in.size() * 2 > static_cast<size_t>(kTiles)) continue;
        for (int64_t b = a + 3; b < n && b <= a + c.pop_max_frames; ++b) {
            if (!judged(b)) continue;
            const std::vector<int> out = hot(b);
            if (out.size() * 2 > static_cast<size_t>(kTiles)) continue;
            std::vector<int> shared;
            for (int t : in)
                if (std::find(out.begin(), out.end(), t) != out.end()) shared.push_back(t);
            if (shared.size() < 2) continue;  // (a small subject flying through is not a pop)
            double step_in = 0, step_out = 0, back = 0, diff_in = 0, diff_out = 0, edge = 0, calm = 0, side_in = 0, side_out = 0;
            int calm_n = 0;
            for (int t : shared) {
                side_in += std::max(unexplained(t, a - 1), unexplained(t, a + 1));
                side_out += std::max(unexplained(t, b - 1), b + 1 < n ? unexplained(t, b + 1) : 0.0);
                step_in += std::fabs(tile_mean(t, a) - tile_mean(t, a - 1));
                step_out += std::fabs(tile_mean(t, b) - tile_mean(t, b - 1));
                back += std::fabs(tile_mean(t, b) - tile_mean(t, a - 1));
                diff_in += at(m[static_cast<size_t>(a)].tile_diff, t);
                diff_out += at(m[static_cast<size_t>(b)].tile_diff, t);
                edge += std::min(unexplained(t, a), unexplained(t, b));
            }
            const double count = static_cast<double>(shared.size());
            const bool returns = std::min(step_in, step_out) >= 2.0 * count
                                     ? back <= c.pop_return * (step_in + step_out)
                                     : std::fabs(diff_in - diff_out) <= c.pop_return * std::max(diff_in, diff_out);
            // Sudden: the appearing and the going stand out from the frames on either side (a
            // subject moving through leaves its tiles unexplained over several frames).
            double u_in = 0, u_out = 0;
            for (int t : shared) {
                u_in += unexplained(t, a);
                u_out += unexplained(t, b);
            }
            if (u_in < 2.5 * side_in || u_out < 2.5 * side_out) continue;
            // Visible: the look of those tiles changes (a flat wall the flow fails on does not), far
            // more than from frame to frame around it (texture the flow sometimes loses changes
            // as much every frame).
            if (diff_in < 3.0 * count || diff_out < 3.0 * count) continue;
            double diff_side_in = 0, diff_side_out = 0;
            for (int t : shared) {
                diff_side_in += std::max(at(m[static_cast<size_t>(a - 1)].tile_diff, t), at(m[static_cast<size_t>(a + 1)].tile_diff, t));
                diff_side_out += std::max(at(m[static_cast<size_t>(b - 1)].tile_diff, t), b + 1 < n ? at(m[static_cast<size_t>(b + 1)].tile_diff, t) : 0.0);
            }
            if (diff_in < 2.0 * diff_side_in || diff_out < 2.0 * diff_side_out) continue;
            if (!returns) continue;
            for (int t : shared)
                for (int64_t k = a + 1; k < b; ++k, ++calm_n) calm += unexplained(t, k);
            if (calm / std::max(1, calm_n) > 0.5 * edge / count) continue;
            // Once: the same tiles do not jump like that again within the same reach before or
            // after (a counter ticking over, texture the flow keeps losing).
            auto recurs = [&](int64_t from, int64_t to) {
                for (int64_t k = std::max<int64_t>(2, from); k <= std::min(n - 1, to); ++k) {
                    if (!judged(k)) continue;
                    double u = 0;
                    for (int t : shared) u += unexplained(t, k);
                    if (u >= 0.5 * u_in) return true;
                }
                return false;
            };
            if (recurs(a - c.pop_max_frames, a - 2) || recurs(b + 2, b + c.pop_max_frames)) continue;
            // Where: the tiles at least half as unexplained, at both ends, as the most (tiles the
            // flow's neighbourhood drags in stay out).
            TileScores score{};
            double best = 0;
            for (int t = 0; t < kTiles; ++t) best = std::max(best, std::min(unexplained(t, a), unexplained(t, b)));
            for (int t = 0; t < kTiles; ++t) {
                const double v = std::min(unexplained(t, a), unexplained(t, b));
                score[static_cast<size_t>(t)] = v >= std::max(0.5 * best, c.pop_unexplained * 0.75) ? v : 0.0;
            }
            flags.push_back({FlagKind::pop, a, b - 1, std::min(1.0, edge / count), region_of(score, c.pop_unexplained)});
            a = b;
            break;
        }
    }

    // Morph: part of the picture dissolving into something else. Tiles whose content changes frame
    // after frame in a way motion does not explain, far more than the tile usually does and than the
    // rest of the picture, while little moves there, and whose pixels slide steadily (each frame's
    // change continues the last one: a dissolve does; noise, boiling, a sway and people walking do
    // not), where the same tiles were calm before; kept when motion explains little of the change,
    // the picture as a whole does not brighten or darken with it (a fade, exposure), and the tiles
    // do not come back to what they were (a sag that settles, a subject that bends and straightens).
    const std::array<double, kTiles> typical_warp = typical([](const FrameMetrics& f) -> const auto& { return f.motion.tile_warp; });
    auto warp = [&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].motion.tile_warp, t); };
    // How much of a tile's change is a steady slide (the part its frame-to-frame change exceeds its
    // departure from the previous change): about half of it in a dissolve, none in noise or motion.
    auto slide = [&](int t, int64_t i) {
        const FrameMetrics& f = m[static_cast<size_t>(i)];
        return std::max(0.0, at(f.tile_diff, t) - at(f.tile_accel, t));
    };
    // (the picture's median tile slide per frame: a fade, an exposure change or a camera's slow
    // light change slides everywhere; a morph only in part of the picture)
    const std::vector<double> slide_everywhere = median_tile(slide, every_frame);
    auto dissolves = [&](int t, int64_t i) {
        if (!judged(i)) return false;
        const FrameMetrics& f = m[static_cast<size_t>(i)];
        const double w = warp(t, i);
        return w >= c.morph_warp && w >= c.morph_rise * typical_warp[static_cast<size_t>(t)] &&
               slide(t, i) >= c.morph_local * std::max(0.1, slide_everywhere[static_cast<size_t>(i)]) &&
               at(f.tile_accel, t) <= c.morph_steady * at(f.tile_diff, t) && at(f.motion.tile_flow, t) <= c.morph_flow;
    };
    for (const Event& e : events(dissolves, c.morph_min_frames)) {
        if (overlaps(e, FlagKind::pop)) continue;
        // (the steady part, against the same tiles before and after it: what they turn into may well
        // move, as the subject it became moves, but not slide on steadily, as a zoom into detail the
        // flow cannot follow does)
        const auto [w, ref] = contrast(e, slide);
        // Unexplained: motion accounts for little of the change (a subject turning to the light,
        // or moving, leaves little of it to the warp error; a dissolve nearly all).
        std::vector<double> share;
        for (int t : e.tiles)
            for (int64_t i = e.first; i <= e.last; ++i)
                if (judged(i)) share.push_back(warp(t, i) / std::max(0.1, at(m[static_cast<size_t>(i)].tile_diff, t)));
        if (median_of(share) < c.morph_unexplained) continue;
        // Local: the picture as a whole does not brighten or darken with it (a fade, an exposure
        // change or a light turned up slides the whole picture; tiles that clip slide less).
        double own_step = 0, all_step = 0;
        for (int64_t i = std::max<int64_t>(1, e.first); i <= e.last; ++i) {
            all_step += std::fabs(m[static_cast<size_t>(i)].luma_mean - m[static_cast<size_t>(i - 1)].luma_mean);
            for (int t : e.tiles) own_step += std::fabs(tile_mean(t, i) - tile_mean(t, i - 1)) / static_cast<double>(e.tiles.size());
        }
        if (all_step > c.morph_global * own_step) continue;
        // It stays: a few frames after it, the tiles are still far from what they were before it
        // began (a sag that settles back, a subject that bends and straightens, comes back), and
        // farther from the frame 24 before than they were as it began (a zoom into detail the flow
        // cannot follow is always far from 24 frames before).
        std::vector<double> far_off, slid, far_before;
        const int64_t j = std::min(n - 1, e.last + 3);
        if (j - kFarLag < e.first - 1 && judged(j))
            for (int t : e.tiles) {
                const double d = at(m[static_cast<size_t>(j)].tile_diff_far, t);
                if (d < 0) continue;
                far_off.push_back(d);
                if (e.first >= 1 && m[static_cast<size_t>(e.first - 1)].tile_diff_far[static_cast<size_t>(t)] >= 0)
                    far_before.push_back(at(m[static_cast<size_t>(e.first - 1)].tile_diff_far, t));
                double sum = 0;
                for (int64_t i = e.first; i <= e.last; ++i)
                    if (judged(i)) sum += slide(t, i);
                slid.push_back(sum);
            }
        if (!far_off.empty() && median_of(far_off) < c.morph_stays * median_of(slid)) continue;
        if (!far_before.empty() && median_of(far_off) < c.morph_left * median_of(far_before)) continue;
        if (ref < 0 || w < c.morph_contrast * std::max(ref, 0.2)) continue;
        // Where: the event's tiles, and their neighbours that slide at least a third as much over its
        // frames (a dissolve's edge tiles slide too, though the flow or the noise there kept them out).
        auto slide_over = [&](int t) {
            std::vector<double> v;
            for (int64_t i = e.first; i <= e.last; ++i)
                if (judged(i)) v.push_back(slide(t, i));
            return median_of(v);
        };
        std::vector<double> own;
        for (int t : e.tiles) own.push_back(slide_over(t));
        const double own_slide = median_of(own);
        TileScores where{};
        for (int t = 0; t < kTiles; ++t) {
            const bool in = std::find(e.tiles.begin(), e.tiles.end(), t) != e.tiles.end();
            const bool near = std::any_of(e.tiles.begin(), e.tiles.end(), [&](int u) { return neighbours(t, u); });
            where[static_cast<size_t>(t)] = in || (near && slide_over(t) >= own_slide / 3) ? 1.0 : 0.0;
        }
        flags.push_back({FlagKind::morph, e.first, e.last, std::min(1.0, w / 5), region_of(where, 0.5)});
    }

    // Drift: part of the picture whose colour or brightness slides away and stays, what is drawn
    // there unchanged. Tiles whose median pixel moves in colour over kShiftLag frames far more than
    // the picture's median tile (a subject walking into part of a tile leaves its median pixel where
    // it was), for a few frames in 2+ neighbouring tiles; kept where the same tiles were calm before
    // it, little moves there (a pan or a subject filling the tile moves the median pixel too), the
    // rest of the picture does not shift with them (white balance, exposure), and it is not a morph
    // or a pop (which change the colour of what they replace too).
    auto shift = [&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].tile_shift, t); };
    const std::vector<double> shift_everywhere = median_tile(shift, [&](int64_t i) { return m[static_cast<size_t>(i)].tile_shift[0] >= 0; });
    auto drifts = [&](int t, int64_t i) {
        if (!judged(i)) return false;
        const double d = shift(t, i);
        return d >= c.drift_step && d >= c.drift_local * std::max(0.3, shift_everywhere[static_cast<size_t>(i)]);
    };
    for (const Event& e : events(drifts, c.drift_min_frames)) {
        if (overlaps(e, FlagKind::morph) || overlaps(e, FlagKind::pop)) continue;
        std::vector<double> before, flow, everywhere, spread;
        double moved = 0;  // the strongest tile's median move over the frames it drifts (all reach drift_step)
        for (int t : e.tiles) {
            std::vector<double> own;
            for (int64_t i = e.first; i <= e.last; ++i) {
                if (!judged(i)) continue;
                if (drifts(t, i)) {
                    own.push_back(shift(t, i));
                    spread.push_back(at(m[static_cast<size_t>(i)].tile_spread, t));
                }
                flow.push_back(at(m[static_cast<size_t>(i)].motion.tile_flow, t));
            }
            moved = std::max(moved, median_of(own));
            for (int64_t i = e.first - 7; i <= e.first - 3; ++i)
                if (judged(i) && shift(t, i) >= 0) before.push_back(shift(t, i));
        }
        for (int64_t i = e.first; i <= e.last; ++i)
            if (judged(i)) everywhere.push_back(shift_everywhere[static_cast<size_t>(i)]);
        // (calm before: judged there, and still; a drift from the clip's first frames is not told from its look)
        if (before.size() < 3 * e.tiles.size() || median_of(before) > c.drift_calm * moved) continue;
        if (median_of(flow) > c.drift_flow || median_of(everywhere) > c.drift_global * moved) continue;
        // (moved as one, and slowly: a slide of colour moves every pixel of the tile alike, a few
        // code values a frame; new content drawn there, a counter ticking over say, moves its pixels
        // every which way, or all at once by most of the range)
        if (median_of(spread) > c.drift_together * moved || moved > c.drift_max) continue;
        // Where: the event's tiles and their neighbours, those whose median pixel moved (over the
        // event's frames, at its 3/4 quantile: most move late in a long event) at least a third as far as the most.
        TileScores where{};
        for (int t = 0; t < kTiles; ++t) {
            if (!std::any_of(e.tiles.begin(), e.tiles.end(), [&](int u) { return u == t || neighbours(t, u); })) continue;
            std::vector<double> v;
            for (int64_t i = e.first; i <= e.last; ++i)
                if (judged(i)) v.push_back(shift(t, i));
            std::sort(v.begin(), v.end());
            where[static_cast<size_t>(t)] = v.empty() ? 0.0 : v[v.size() * 3 / 4];
        }
        flags.push_back({FlagKind::drift, e.first, e.last, std::min(1.0, moved / 12), region_of(where, 1e-6)});
    }

    // Melt: part of a still picture that sags and flows back, nothing moving sideways there. Each
    // tile's content moves down and then up (its vertical flow against the picture's median flow,
    // summed over 4-11 frames each way, sinking and rising in most of those frames) by a few pixels,
    // its sideways flow steady meanwhile (a walker bobbing moves sideways too), the tile still
    // before and after it and the camera still throughout; 2+ neighbouring tiles (a neighbour on
    // looser terms), and few tiles at once (a whole character bouncing is the scene), not a morph or
    // a pop there.
    // (tile_flow_y is the backward flow, from a frame to the one before: content sinking reads negative.)
    const std::vector<double> median_fx = median_tile([&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].motion.tile_flow_x, t); }, every_frame);
    const std::vector<double> median_fy = median_tile([&](int t, int64_t i) { return at(m[static_cast<size_t>(i)].motion.tile_flow_y, t); }, every_frame);
    auto camera = [&](int64_t i) { return std::hypot(median_fx[static_cast<size_t>(i)], median_fy[static_cast<size_t>(i)]); };
    // Each tile's largest sag over the windows holding a frame: `sag` where the tile meets every
    // condition (its sideways flow within melt_steady of the sag, still both before and after),
    // `beside` where it meets at least the terms a neighbour of such a tile must (within
    // melt_steady_beside, still on one side: a part of the sag a walker passes through).
    std::vector<std::array<double, kTiles>> sag(static_cast<size_t>(n), std::array<double, kTiles>{}), beside = sag;
    constexpr int kMeltHalfMin = 4, kMeltHalfMax = 11;
    for (int t = 0; t < kTiles; ++t) {
        auto down = [&](int64_t i) { return -(at(m[static_cast<size_t>(i)].motion.tile_flow_y, t) - median_fy[static_cast<size_t>(i)]); };
        auto side = [&](int64_t i) { return at(m[static_cast<size_t>(i)].motion.tile_flow_x, t) - median_fx[static_cast<size_t>(i)]; };
        auto still = [&](int64_t a, int64_t b) {  // the tile's mean flow over [a, b), judged frames only; huge if fewer than 3
            double sum = 0;
            int k = 0;
            for (int64_t i = std::max<int64_t>(a, 0); i < std::min(b, n); ++i)
                if (judged(i)) sum += at(m[static_cast<size_t>(i)].motion.tile_flow, t), ++k;
            return k >= 3 ? sum / k : 1e9;
        };
        for (int64_t mid = 0; mid < n; ++mid)
            for (int h = kMeltHalfMin; h <= kMeltHalfMax; ++h) {
                const int64_t a = mid - h, b = mid + h;  // down over [a, mid), up over [mid, b)
                if (a < 0 || b > n) continue;
                bool ok = true;
                double sank = 0, rose = 0, mean_side = 0;
                int sinking = 0, rising = 0;
                for (int64_t i = a; i < b && ok; ++i) {
                    ok = judged(i) && camera(i) <= c.melt_camera;
                    const double d = down(i);
                    if (i < mid) sank += d, sinking += d > 0;
                    else rose -= d, rising += d < 0;
                    mean_side += side(i) / (2.0 * h);
                }
                const double s = std::min(sank, rose);
                if (!ok || s < c.melt_sag || s > c.melt_sag_max) continue;
                if (std::min(sinking, rising) < c.melt_coherent * h) continue;
                double sway = 0;
                for (int64_t i = a; i < b; ++i) sway += std::abs(side(i) - mean_side) / 2;
                const double before = still(a - 8, a - 2), after = still(b + 2, b + 8);
                const bool core = sway <= c.melt_steady * s && std::max(before, after) <= c.melt_calm;
                if (!core && !(sway <= c.melt_steady_beside * s && std::min(before, after) <= c.melt_calm)) continue;
                for (int64_t i = a; i < b; ++i) {
                    double& any = beside[static_cast<size_t>(i)][static_cast<size_t>(t)];
                    any = std::max(any, s);
                    if (core) sag[static_cast<size_t>(i)][static_cast<size_t>(t)] = std::max(sag[static_cast<size_t>(i)][static_cast<size_t>(t)], s);
                }
            }
    }
    auto sags = [&](int t, int64_t i) { return beside[static_cast<size_t>(i)][static_cast<size_t>(t)] > 0; };
    for (const Event& e : events(sags, c.melt_min_frames)) {
        if (overlaps(e, FlagKind::morph) || overlaps(e, FlagKind::pop)) continue;
        // (at least one tile meets every condition for melt_min_frames of the event's frames)
        const bool cored = std::any_of(e.tiles.begin(), e.tiles.end(), [&](int t) {
            int64_t k = 0;
            for (int64_t i = e.first; i <= e.last; ++i) k += sag[static_cast<size_t>(i)][static_cast<size_t>(t)] > 0;
            return k >= c.melt_min_frames;
        });
        if (!cored) continue;
        int busy = 0;
        for (int64_t i = e.first; i <= e.last; ++i)
            busy = std::max(busy, static_cast<int>(std::count_if(beside[static_cast<size_t>(i)].begin(), beside[static_cast<size_t>(i)].end(), [](double v) { return v > 0; })));
        if (busy > c.melt_max_tiles) continue;
        // Where: the event's tiles that sagged at least a third as far as the most.
        TileScores where{};
        for (int t : e.tiles)
            for (int64_t i = e.first; i <= e.last; ++i)
                where[static_cast<size_t>(t)] = std::max(where[static_cast<size_t>(t)], beside[static_cast<size_t>(i)][static_cast<size_t>(t)]);
        const double most = *std::max_element(where.begin(), where.end());
        flags.push_back({FlagKind::melt, e.first, e.last, std::min(1.0, most / 3), region_of(where, 1e-6)});
    }
}
}  // namespace

const char* to_string(FlagKind k) {
    switch (k) {
        case FlagKind::black: return "black";
        case FlagKind::blank: return "blank";
        case FlagKind::freeze: return "freeze";
        case FlagKind::duplicate: return "duplicate";
        case FlagKind::jump: return "jump";
        case FlagKind::first_frame_jump: return "first_frame_jump";
        case FlagKind::flicker: return "flicker";
        case FlagKind::blur: return "blur";
        case FlagKind::timestamps: return "timestamps";
        case FlagKind::end_decay: return "end_decay";
        case FlagKind::exposure: return "exposure";
        case FlagKind::cadence: return "cadence";
        case FlagKind::cut: return "cut";
        case FlagKind::corrupt: return "corrupt";
        case FlagKind::boil: return "boil";
        case FlagKind::wobble: return "wobble";
        case FlagKind::pop: return "pop";
        case FlagKind::melt: return "melt";
        case FlagKind::morph: return "morph";
        case FlagKind::drift: return "drift";
    }
    return "?";
}

FrameMetrics FrameMeter::measure(const AVFrame& f, int64_t index) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f.format));
    const int depth = d ? d->comp[0].depth : 8;
    const bool deep = depth > 8;
    const double to8 = 1.0 / static_cast<double>(1 << (depth - 8 > 0 ? depth - 8 : 0));
    // RGB-planar frames carry green in plane 0: close enough to luma for these measures.
    // Each reduced pixel is the mean of its whole box. (Sampling a sparse grid of the box instead
    // aliases fine moving patterns, one-pixel stripes say, into a flicker that is not in the picture.)
    // Per output row: the source rows are summed column by column (a contiguous pass the compiler
    // vectorises), then each box's columns.
    std::vector<float> cur(static_cast<size_t>(kW) * kH);
    std::vector<uint32_t> cols(static_cast<size_t>(f.width));
    std::array<int, kW + 1> xb{};  // box edges along x
    for (int x = 0; x <= kW; ++x) xb[static_cast<size_t>(x)] = x * f.width / kW;
    for (int y = 0; y < kH; ++y) {
        const int y0 = y * f.height / kH, y1 = std::max(y0 + 1, (y + 1) * f.height / kH);
        std::fill(cols.begin(), cols.end(), 0u);
        for (int yy = y0; yy < y1; ++yy) {
            const uint8_t* row = f.data[0] + static_cast<ptrdiff_t>(yy) * f.linesize[0];
            uint32_t* c = cols.data();
            if (deep) {
                const uint16_t* r16 = reinterpret_cast<const uint16_t*>(row);
                for (int xx = 0; xx < f.width; ++xx) c[xx] += r16[xx];
            } else {
                for (int xx = 0; xx < f.width; ++xx) c[xx] += row[xx];
            }
        }
        for (int x = 0; x < kW; ++x) {
            const int x0 = xb[static_cast<size_t>(x)], x1 = std::max(x0 + 1, xb[static_cast<size_t>(x) + 1]);
            uint64_t sum = 0;
            for (int xx = x0; xx < x1; ++xx) sum += cols[static_cast<size_t>(xx)];
            const double count = static_cast<double>((x1 - x0) * (y1 - y0));
            cur[static_cast<size_t>(y) * kW + x] = static_cast<float>(static_cast<double>(sum) / count * to8);
        }
    }
    FrameMetrics m;
    m.index = index;
    // Sharpness: mean |Laplacian| over the reduction's interior.
    double lap = 0;
    for (int y = 1; y + 1 < kH; ++y)
        for (int x = 1; x + 1 < kW; ++x) {
            const size_t i = static_cast<size_t>(y) * kW + x;
            const float l = 4.0f * cur[i] - cur[i - 1] - cur[i + 1] - cur[i - kW] - cur[i + kW];
            lap += static_cast<double>(std::fabs(l));
        }
    m.sharpness = lap / ((kW - 2) * (kH - 2));
    // Chroma means from a sparse grid of the chroma planes (YUV formats only). The samples are kept
    // (with the tile each falls in) for the tiles' colour shift below.
    std::vector<float> chroma;       // Cb, Cr pairs
    std::vector<uint8_t> chroma_at;  // the tile of each pair
    if (d && !(d->flags & AV_PIX_FMT_FLAG_RGB) && d->nb_components >= 3) {
        const int cw = AV_CEIL_RSHIFT(f.width, d->log2_chroma_w), ch = AV_CEIL_RSHIFT(f.height, d->log2_chroma_h);
        double sums[2] = {0, 0};
        long cnt = 0;
        for (int y = 0; y < ch; y += std::max(1, ch / 45))
            for (int x = 0; x < cw; x += std::max(1, cw / 80)) {
                for (int p = 1; p <= 2; ++p) {
                    const uint8_t* row = f.data[p] + static_cast<ptrdiff_t>(y) * f.linesize[p];
                    const double v = deep ? reinterpret_cast<const uint16_t*>(row)[x] * to8 : static_cast<double>(row[x]);
                    sums[p - 1] += v;
                    chroma.push_back(static_cast<float>(v));
                }
                chroma_at.push_back(static_cast<uint8_t>(y * kTilesY / ch * kTilesX + x * kTilesX / cw));
                ++cnt;
            }
        m.cb_mean = sums[0] / static_cast<double>(cnt);
        m.cr_mean = sums[1] / static_cast<double>(cnt);
    } else {
        m.cb_mean = m.cr_mean = 128;
    }
    double s = 0, s2 = 0, diff = 0, diff2 = 0;
    std::array<double, kTiles> tsum{}, tdiff{}, tdiff2{}, taccel{}, tfar{};
    // The frames before this one, from the history: the previous, the one before it, kFarLag back.
    const size_t held = past_.size();
    const std::vector<float>* prev = held >= 1 ? &past_[held - 1] : nullptr;
    const std::vector<float>* prev2 = held >= 2 ? &past_[held - 2] : nullptr;
    const std::vector<float>* far = held == static_cast<size_t>(kFarLag) ? &past_.front() : nullptr;
    for (int y = 0; y < kH; ++y) {
        const int ty = y * kTilesY / kH;
        for (int x = 0; x < kW; ++x) {
            const size_t i = static_cast<size_t>(y) * kW + x;
            const int t = ty * kTilesX + x * kTilesX / kW;
            const double v = static_cast<double>(cur[i]);
            s += v;
            s2 += v * v;
            tsum[static_cast<size_t>(t)] += v;
            if (prev) {
                const double d1 = std::fabs(v - static_cast<double>((*prev)[i]));
                diff += d1;
                tdiff[static_cast<size_t>(t)] += d1;
            }
            if (prev2) {
                const double d2 = std::fabs(v - static_cast<double>((*prev2)[i]));
                diff2 += d2;
                tdiff2[static_cast<size_t>(t)] += d2;
                taccel[static_cast<size_t>(t)] += std::fabs(v - 2.0 * static_cast<double>((*prev)[i]) + static_cast<double>((*prev2)[i]));
            }
            if (far) tfar[static_cast<size_t>(t)] += std::fabs(v - static_cast<double>((*far)[i]));
        }
    }
    const double per_tile = static_cast<double>(kW * kH / kTiles);
    for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t) {
        m.tile_mean[t] = static_cast<float>(tsum[t] / per_tile);
        m.tile_diff[t] = static_cast<float>(tdiff[t] / per_tile);
        m.tile_diff2[t] = static_cast<float>(tdiff2[t] / per_tile);
        m.tile_accel[t] = static_cast<float>(taccel[t] / per_tile);
        m.tile_diff_far[t] = far ? static_cast<float>(tfar[t] / per_tile) : -1.0f;
    }
    const double n = static_cast<double>(cur.size());
    m.luma_mean = s / n;
    m.luma_std = std::sqrt(std::max(0.0, s2 / n - m.luma_mean * m.luma_mean));
    m.diff_prev = prev ? diff / n : 0.0;
    m.diff_prev2 = prev2 ? diff2 / n : 0.0;
    // Relative to contrast, so that a fade or an exposure change does not read as blur.
    m.sharpness /= std::max(m.luma_std, 1.0);
    // Each tile's colour shift against kShiftLag frames before: the median of its pixels' moves in
    // luma (reduced copy) and in each chroma plane (samples), as one length. The median pixel is what
    // most of the tile did: a subject covering less than half of it leaves it near zero.
    m.tile_shift.fill(-1.0f);
    m.tile_spread.fill(-1.0f);
    const size_t chroma_held = past_chroma_.size();
    if (held >= static_cast<size_t>(kShiftLag) && chroma_held >= static_cast<size_t>(kShiftLag) &&
        past_chroma_[chroma_held - kShiftLag].size() == chroma.size()) {
        const std::vector<float>& then = past_[held - kShiftLag];
        const std::vector<float>& then_chroma = past_chroma_[chroma_held - kShiftLag];
        std::array<std::vector<float>, kTiles> dy, dcb, dcr;
        for (int y = 0; y < kH; ++y)
            for (int x = 0; x < kW; ++x) {
                const size_t i = static_cast<size_t>(y) * kW + x;
                dy[static_cast<size_t>(y * kTilesY / kH * kTilesX + x * kTilesX / kW)].push_back(cur[i] - then[i]);
            }
        for (size_t k = 0; k < chroma_at.size(); ++k) {
            dcb[chroma_at[k]].push_back(chroma[2 * k] - then_chroma[2 * k]);
            dcr[chroma_at[k]].push_back(chroma[2 * k + 1] - then_chroma[2 * k + 1]);
        }
        for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t) {
            const double my = median_of(dy[t]);
            m.tile_shift[t] = static_cast<float>(std::hypot(my, median_of(std::move(dcb[t])), median_of(std::move(dcr[t]))));
            for (float& v : dy[t]) v = std::fabs(v - static_cast<float>(my));
            m.tile_spread[t] = static_cast<float>(median_of(std::move(dy[t])));
        }
    }
    past_chroma_.push_back(std::move(chroma));
    if (past_chroma_.size() > static_cast<size_t>(kShiftLag)) past_chroma_.pop_front();
    past_.push_back(std::move(cur));
    if (past_.size() > static_cast<size_t>(kFarLag)) past_.pop_front();
    m.motion = motion_.measure(f);
    m.damaged = f.decode_error_flags != 0 || (f.flags & AV_FRAME_FLAG_CORRUPT) != 0;
    return m;
}

double iou(const Region& a, const Region& b) {
    const double ix = static_cast<double>(std::max(0.0f, std::min(a.x1, b.x1) - std::max(a.x0, b.x0)));
    const double iy = static_cast<double>(std::max(0.0f, std::min(a.y1, b.y1) - std::max(a.y0, b.y0)));
    const double inter = ix * iy;
    const double uni = static_cast<double>((a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0)) - inter;
    return uni > 0 ? inter / uni : 0.0;
}

std::vector<Flag> detect_artifacts(const std::vector<FrameMetrics>& m, const DetectorConfig& c, const std::vector<double>& pts) {
    std::vector<Flag> flags;
    const int64_t n = static_cast<int64_t>(m.size());
    // Calls on_run(first, last) for every maximal run of frames where pred holds.
    auto for_runs = [&](auto&& pred, auto&& on_run) {
        for (int64_t i = 0; i < n;) {
            if (!pred(i)) {
                ++i;
                continue;
            }
            int64_t j = i;
            while (j + 1 < n && pred(j + 1)) ++j;
            on_run(i, j);
            i = j + 1;
        }
    };
    auto add_runs = [&](auto&& pred, FlagKind kind, int64_t min_len, auto&& severity) {
        for_runs(pred, [&](int64_t i, int64_t j) {
            if (j - i + 1 >= min_len) flags.push_back({kind, i, j, severity(i, j)});
        });
    };
    auto black = [&](int64_t i) { return m[i].luma_mean <= c.black_luma && m[i].luma_std <= c.flat_std * 2; };
    auto blank = [&](int64_t i) { return !black(i) && m[i].luma_std <= c.flat_std; };
    // Damage the decoder reported: one flag per run of damaged frames (a few clean frames between
    // damaged ones do not split it), severity the damaged share of the run.
    {
        std::vector<std::pair<int64_t, int64_t>> runs;
        for_runs([&](int64_t i) { return m[i].damaged; }, [&](int64_t i, int64_t j) {
            if (!runs.empty() && i - runs.back().second <= 4) runs.back().second = j;
            else runs.emplace_back(i, j);
        });
        for (const auto& [i, j] : runs) {
            int64_t damaged = 0;
            for (int64_t k = i; k <= j; ++k) damaged += m[k].damaged;
            flags.push_back({FlagKind::corrupt, i, j, static_cast<double>(damaged) / static_cast<double>(j - i + 1)});
        }
    }
    add_runs(black, FlagKind::black, 1, [](int64_t, int64_t) { return 1.0; });
    add_runs(blank, FlagKind::blank, 1, [](int64_t, int64_t) { return 0.8; });

    // Repeats: a frame (with a picture) that does not change from the previous one: little change
    // on the whole, and no tile of it changed (an encoder refining a repeated picture moves a few
    // pixels by a few levels; a walking person in a still street moves a tenth of a tile).
    auto max_tile = [](const std::array<float, kTiles>& a) { return static_cast<double>(*std::max_element(a.begin(), a.end())); };
    auto still = [&](int64_t i) {
        if (i <= 0 || black(i) || blank(i)) return false;
        if (m[i].diff_prev >= c.still_diff) return false;
        return !m[i].motion.valid ||
               (max_tile(m[i].motion.tile_changed) < c.still_changed && max_tile(m[i].tile_diff) < c.still_tile_diff);
    };
    // Cuts: most of the picture changed in a way its motion does not explain (nothing the flow can
    // follow into the next shot), far more than around it; a dissolve, changing a little every
    // frame, is not one. A frame that comes back at once is a glitch (a jump), not a cut.
    auto live_tiles = [&](int64_t i) {
        return static_cast<int>(std::count_if(m[i].motion.tile_changed.begin(), m[i].motion.tile_changed.end(),
                                              [&](float v) { return static_cast<double>(v) > c.still_changed; }));
    };
    auto unexplained = [&](int64_t i) { return static_cast<double>(m[i].motion.unexplained); };
    std::vector<bool> cut(static_cast<size_t>(n), false);
    // How far the picture's layout of light and dark moved (mean change of the tiles' means): a new
    // shot rearranges it; a jump along the same shot (motion resuming after a freeze) hardly does.
    auto layout_change = [&](int64_t i) {
        double d = 0;
        for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t) d += std::fabs(static_cast<double>(m[i].tile_mean[t] - m[i - 1].tile_mean[t]));
        return d / kTiles;
    };
    for (int64_t i = 2; i < n; ++i) {  // (between frames 0 and 1: a first-frame jump)
        if (!m[i].motion.valid || black(i) || blank(i) || black(i - 1) || blank(i - 1)) continue;
        if (unexplained(i) < c.cut_unexplained || layout_change(i) < c.cut_layout) continue;
        // The way back from a one-frame glitch (frame i like frame i-2) is not a cut either.
        if (m[i].diff_prev2 * c.glitch_ratio < std::min(m[i].diff_prev, m[i - 1].diff_prev)) continue;
        // Against the calmer of the two sides: the shot before or the shot after may be one whose
        // every frame leaves much unexplained (teeming texture); the other then shows the jump.
        // A side's typical change is taken over its frames that changed: in a clip with a pulldown
        // cadence every second or third frame repeats the one before, and a repeat's zero change
        // says nothing about how much the shot moves. A side that is all repeats is a still shot,
        // and its typical change is none.
        auto side_typical = [&](int64_t first, int64_t last) -> std::optional<double> {
            std::vector<double> live;
            bool any = false;
            for (int64_t k = std::max<int64_t>(1, first); k <= std::min(n - 1, last); ++k) {
                if (!m[k].motion.valid) continue;
                any = true;
                if (!still(k)) live.push_back(unexplained(k));
            }
            if (!any) return std::nullopt;
            return live.empty() ? 0.0 : median_of(live);
        };
        const auto before = side_typical(i - 8, i - 1), after = side_typical(i + 1, i + 8);
        const double typical = !before ? after.value_or(0.0) : !after ? *before : std::min(*before, *after);
        if (unexplained(i) < c.cut_ratio * std::max(typical, 0.02)) continue;
        // Back at once: the frame after is as close to the one before as neighbours are.
        if (i + 1 < n && m[i + 1].diff_prev2 * c.glitch_ratio < std::min(m[i].diff_prev, m[i + 1].diff_prev)) continue;
        cut[static_cast<size_t>(i)] = true;
    }
    // Two cuts one frame apart leave a one-frame shot: a flash frame (a glitch, or a one-frame
    // shot an edit left behind), flagged as a jump. In content that changes fast in ways the
    // frame-two-before test above cannot tell (texture scrolling by a pixel a frame), this is how a
    // glitch and its way back are told from two cuts.
    std::vector<bool> flash(static_cast<size_t>(n), false);
    for (int64_t i = 2; i + 1 < n; ++i)
        if (cut[static_cast<size_t>(i)] && cut[static_cast<size_t>(i + 1)] && (i + 2 >= n || !cut[static_cast<size_t>(i + 2)])) {
            flash[static_cast<size_t>(i)] = true;
            cut[static_cast<size_t>(i)] = cut[static_cast<size_t>(i + 1)] = false;
        }
    for (int64_t i = 2; i < n; ++i)
        if (cut[static_cast<size_t>(i)]) flags.push_back({FlagKind::cut, i, i, std::min(1.0, unexplained(i))});

    // A repeat is a fault where the picture was alive and stopped dead: most of it changing in the
    // frames before (sensor noise, texture, moving subjects), changing up to the stop, and no cut
    // just before. A hold that an animation eases into, or a still title after a cut, is not.
    auto stopped_dead = [&](int64_t i) {
        if (!m[i].motion.valid) return true;
        std::vector<double> live, change;
        for (int64_t k = std::max<int64_t>(1, i - 8); k < i; ++k) {
            if (k >= i - 4 && cut[static_cast<size_t>(k)]) return false;
            if (still(k) || black(k) || blank(k) || !m[k].motion.valid) continue;
            live.push_back(live_tiles(k));
            change.push_back(static_cast<double>(m[k].motion.changed));
        }
        if (live.size() < 4 || still(i - 1)) return false;
        // Dead: the repeat changes a small share of what the last moving frame changed (slow
        // content changes little every frame, and as little the frame before).
        const double before = static_cast<double>(std::max(m[i - 1].motion.changed, i >= 2 ? m[i - 2].motion.changed : 0.0f));
        if (static_cast<double>(m[i].motion.changed) > c.still_ratio * before) return false;
        // (An encoder may settle into a repeated picture over one frame: the last moving frame is
        // then the one before.)
        const int64_t last = i >= 3 && m[i - 2].motion.changed > m[i - 1].motion.changed && !still(i - 2) ? i - 2 : i - 1;
        return median_of(live) >= c.alive_tiles && live_tiles(last) * 3 >= c.alive_tiles * 2 &&
               static_cast<double>(m[last].motion.changed) >= c.alive_last * median_of(change);
    };
    std::vector<std::pair<int64_t, int64_t>> dups;  // short repeats, in order
    std::vector<bool> dup_alive;                    // ... each after a live picture
    for_runs(still, [&](int64_t i, int64_t j) {
        const int64_t len = j - i + 1;
        const double sev = std::min(1.0, static_cast<double>(len) / 24.0);
        if (len < c.freeze_min_frames) {
            dups.emplace_back(i, j);
            dup_alive.push_back(stopped_dead(i));
        } else if (!stopped_dead(i)) {
            return;
        } else if (j == n - 1) {
            flags.push_back({FlagKind::end_decay, i - 1, j, sev});  // frozen to the end
        } else {
            flags.push_back({FlagKind::freeze, i - 1, j, sev});
        }
    });
    // Duplicates that keep coming at short, regular distances are a cadence (one flag for the
    // span, severity the share of repeated frames); isolated ones stay duplicates. Between the
    // repeats the picture must change clearly more than in them (cadence_contrast): content
    // that changes by less than a code value a frame (a slow sweep of a smooth gradient) is taken
    // for repeats on the frames where it barely stays under the repeat levels, and those come in
    // a regular rhythm too, but every frame of it changes about as much, and nothing is seen to stop.
    auto moves_between = [&](int64_t first, int64_t last) {
        std::vector<double> repeats, moving;
        for (int64_t k = std::max<int64_t>(1, first); k <= std::min(n - 1, last); ++k)
            (still(k) ? repeats : moving).push_back(static_cast<double>(m[k].diff_prev));
        // (The span holds its repeats: repeats is never empty.)
        return !moving.empty() && median_of(moving) >= c.cadence_contrast * median_of(repeats);
    };
    for (size_t a = 0; a < dups.size();) {
        size_t b = a;
        while (b + 1 < dups.size() && dups[b + 1].first - dups[b].first <= c.cadence_max_gap) ++b;
        if (static_cast<int>(b - a + 1) >= c.cadence_min_repeats && moves_between(dups[a].first - 1, dups[b].second)) {
            int64_t repeated = 0;
            for (size_t k = a; k <= b; ++k) repeated += dups[k].second - dups[k].first + 1;
            const int64_t first = dups[a].first - 1, last = dups[b].second;
            flags.push_back({FlagKind::cadence, first, last, std::min(1.0, static_cast<double>(repeated) / static_cast<double>(last - first + 1))});
        } else {
            for (size_t k = a; k <= b; ++k)
                if (dup_alive[k]) flags.push_back({FlagKind::duplicate, dups[k].first, dups[k].second, 0.5});
        }
        a = b + 1;
    }

    // Motion resuming after a freeze or a repeat jumps along the shot: that is the repeat's business.
    std::erase_if(flags, [&](const Flag& f) {
        return f.kind == FlagKind::cut && std::any_of(flags.begin(), flags.end(), [&](const Flag& g) {
                   return (g.kind == FlagKind::freeze || g.kind == FlagKind::duplicate || g.kind == FlagKind::cadence) &&
                          g.last_frame + 1 == f.first_frame;
               });
    });
    for (int64_t i = 0; i < n; ++i)
        if (cut[static_cast<size_t>(i)] && std::none_of(flags.begin(), flags.end(), [&](const Flag& f) { return f.kind == FlagKind::cut && f.first_frame == i; }))
            cut[static_cast<size_t>(i)] = false;

    // Jumps: one frame-to-frame change far above the typical change around it. Changes into or
    // out of black, blank or frozen stretches are those flags' business, not jumps.
    auto special = [&](int64_t i) { return i < 0 || i >= n || black(i) || blank(i) || still(i) || cut[static_cast<size_t>(i)]; };
    // The typical value of a per-frame measure around frame i: its median over the 16 frames
    // around, i and i + 1 (a one-frame jump's way in and out) left out.
    auto typical_around = [&](int64_t i, auto get) {
        std::vector<double> v;
        for (int64_t k = std::max<int64_t>(1, i - 8); k <= std::min(n - 1, i + 8); ++k)
            if (k != i && k != i + 1) v.push_back(get(k));
        return median_of(v);
    };
    // A glitch frame: far from both neighbours while they are close to each other (a one-frame
    // jump, e.g. a corrupt or negative frame, even in content that changes a lot every frame).
    std::vector<bool> glitch(static_cast<size_t>(n), false);
    for (int64_t i = 2; i + 1 < n; ++i) {
        if (flash[static_cast<size_t>(i)]) {
            glitch[static_cast<size_t>(i)] = true;
            flags.push_back({FlagKind::jump, i, i, std::min(1.0, unexplained(i))});
            continue;
        }
        if (special(i) || special(i - 1) || special(i + 1)) continue;
        // By pixels, or by brightness alone (busy content hides the pixel change).
        const GlitchEvidence whole = glitch_evidence(m[i].diff_prev, m[i + 1].diff_prev, m[i + 1].diff_prev2, m[i - 1].luma_mean,
                                                     m[i].luma_mean, m[i + 1].luma_mean, {c.jump_min_diff, c.glitch_ratio, c.glitch_luma});
        // ... or part of the picture alone (a local glitch: a few tiles, each by twice the margins),
        // where no more tiles burst into motion in that frame (change by as much, and glitch_ratio
        // times their own typical change around, but not come back): a hand swept past the lens
        // between two frames is in a few tiles for one frame only, as a glitch is, while the
        // tiles it sweeps through change at once too.
        const GlitchTest part{2 * c.jump_min_diff, 2 * c.glitch_ratio, 2 * c.glitch_luma};
        int tiles = 0, bursts = 0;
        for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t) {
            auto f = [](float v) { return static_cast<double>(v); };
            const GlitchEvidence e = glitch_evidence(f(m[i].tile_diff[t]), f(m[i + 1].tile_diff[t]), f(m[i + 1].tile_diff2[t]),
                                                     f(m[i - 1].tile_mean[t]), f(m[i].tile_mean[t]), f(m[i + 1].tile_mean[t]), part);
            if (e.by_pixels || e.by_brightness) {
                ++tiles;
            } else if (f(m[i].tile_diff[t]) >= part.min_diff) {
                const double typical = typical_around(i, [&](int64_t k) { return f(m[k].tile_diff[t]); });
                bursts += f(m[i].tile_diff[t]) >= c.glitch_ratio * std::max(typical, 0.5);
            }
        }
        const bool alone = tiles >= 2 && bursts <= tiles;
        if (whole.by_pixels || whole.by_brightness || alone) {
            glitch[static_cast<size_t>(i)] = true;
            const double sev = whole.by_pixels      ? whole.pixels / (c.glitch_ratio * 4)
                               : whole.by_brightness ? whole.swing / (c.glitch_luma * 4)
                                                     : static_cast<double>(tiles) / kTiles * 4;
            flags.push_back({FlagKind::jump, i, i, std::min(1.0, sev)});
        }
    }
    for (int64_t i = 1; i < n; ++i) {
        if (special(i) || special(i - 1)) continue;
        if (glitch[static_cast<size_t>(i)] || glitch[static_cast<size_t>(i - 1)]) continue;  // that glitch's way in and out
        std::vector<double> around;
        for (int64_t k = std::max<int64_t>(1, i - 8); k <= std::min(n - 1, i + 8); ++k)
            if (k != i && !special(k) && !special(k - 1)) around.push_back(m[k].diff_prev);
        const double typical = std::max(median_of(around), 0.5);
        const double d = m[i].diff_prev;
        // The first frame against the second, while the second is like the third (image-to-video
        // clips often open on a still that the motion then leaves): by pixels or by brightness.
        const bool odd_first = i == 1 && n >= 3 && !special(2) &&
                               std::fabs(m[0].luma_mean - m[1].luma_mean) >= c.glitch_luma &&
                               std::fabs(m[2].luma_mean - m[1].luma_mean) <= 0.25 * std::fabs(m[0].luma_mean - m[1].luma_mean);
        if ((d >= c.jump_min_diff && d >= c.jump_ratio * typical) || odd_first) {
            const double sev = std::min(1.0, d / (typical * c.jump_ratio * 4));
            if (i == 1) flags.push_back({FlagKind::first_frame_jump, 0, 1, sev});
            else flags.push_back({FlagKind::jump, i, i, sev});
        }
    }
    // Flicker: the mean luma (or a chroma mean) swings one way then back, frame after frame.
    auto swing = [&](int64_t i, auto get, double thr) {
        if (i < 1 || i + 1 >= n) return false;
        const double d1 = get(i) - get(i - 1), d2 = get(i + 1) - get(i);
        return std::fabs(d1) > thr && std::fabs(d2) > thr && (d1 > 0) != (d2 > 0);
    };
    auto flickers = [&](int64_t i) {
        if (special(i) || special(i - 1) || special(i + 1)) return false;
        return swing(i, [&](int64_t k) { return m[k].luma_mean; }, c.flicker_luma) ||
               swing(i, [&](int64_t k) { return m[k].cb_mean; }, c.flicker_chroma) ||
               swing(i, [&](int64_t k) { return m[k].cr_mean; }, c.flicker_chroma);
    };
    for_runs(flickers, [&](int64_t i, int64_t j) {
        if (j - i + 1 >= 2) flags.push_back({FlagKind::flicker, i, j + 1, std::min(1.0, static_cast<double>(j - i + 2) / 12.0)});
    });

    // Blur: sharpness well below what is typical around it in its own shot (black/blank frames
    // aside). "Around" is a few seconds either side, so content that slowly grows softer (a long
    // zoom) is not a blur drop, while a drop of up to about two seconds stands out. Only the shot's
    // own frames count: a shot with less fine detail than the one before (a sky after a street) is
    // not a blur, however short it is.
    std::vector<double> typical_sharp(static_cast<size_t>(n), 0.0);
    // "Around" frame i: +-half frames, within its shot.
    const int64_t half = std::max<int64_t>(45, static_cast<int64_t>(std::lround(3.0 * c.blur_window_fps)));
    std::vector<int64_t> shot_first(static_cast<size_t>(n), 0), shot_last(static_cast<size_t>(n), n - 1);
    for (int64_t i = 1; i < n; ++i)
        shot_first[static_cast<size_t>(i)] = cut[static_cast<size_t>(i)] ? i : shot_first[static_cast<size_t>(i - 1)];
    for (int64_t i = n - 2; i >= 0; --i)
        shot_last[static_cast<size_t>(i)] = cut[static_cast<size_t>(i + 1)] ? i : shot_last[static_cast<size_t>(i + 1)];
    auto around_first = [&](int64_t i) { return std::max(shot_first[static_cast<size_t>(i)], i - half); };
    auto around_last = [&](int64_t i) { return std::min(shot_last[static_cast<size_t>(i)], i + half); };
    {
        std::vector<double> around;
        for (int64_t i = 0; i < n; ++i) {
            around.clear();
            for (int64_t k = around_first(i); k <= around_last(i); ++k)
                if (!black(k) && !blank(k)) around.push_back(m[k].sharpness);
            typical_sharp[static_cast<size_t>(i)] = median_of(around);
        }
    }
    auto blurred = [&](int64_t i) {
        const double t = typical_sharp[static_cast<size_t>(i)];
        return t > 0.02 && !black(i) && !blank(i) && m[i].sharpness < c.blur_ratio * t;
    };
    // A camera whipping round blurs its own picture: a soft stretch whose frames move several times
    // faster than the shot around it (blur_motion; repeated frames aside) is motion blur, not a fault.
    auto median_flow = [&](int64_t a, int64_t b) {  // of the frames in [a, b] that change
        std::vector<double> flow;
        for (int64_t k = a; k <= b; ++k)
            if (m[k].motion.valid && !still(k)) flow.push_back(static_cast<double>(m[k].motion.flow));
        return flow.empty() ? -1.0 : median_of(flow);
    };
    auto motion_blur = [&](int64_t i, int64_t j) {
        const double f = median_flow(i, j);
        return f >= kBlurMotionMin && f >= c.blur_motion * median_flow(around_first(i), around_last(i));
    };
    for_runs(blurred, [&](int64_t i, int64_t j) {
        if (j - i + 1 < 2 || motion_blur(i, j)) return;
        flags.push_back({FlagKind::blur, i, j, std::clamp(1.0 - m[i].sharpness / typical_sharp[static_cast<size_t>(i)], 0.0, 1.0)});
    });

    // Timestamps: a frame spacing far off the typical one (a gap, or irregular variable rate).
    if (pts.size() >= 3) {
        std::vector<double> dt;
        for (size_t i = 1; i < pts.size(); ++i) dt.push_back(pts[i] - pts[i - 1]);
        const double typical_dt = median_of(dt);
        auto odd = [&](int64_t i) {
            return i >= 1 && static_cast<size_t>(i) < pts.size() &&
                   std::fabs(dt[static_cast<size_t>(i - 1)] - typical_dt) > c.timestamp_tolerance * typical_dt;
        };
        add_runs(odd, FlagKind::timestamps, 1, [&](int64_t i, int64_t) {
            return std::min(1.0, std::fabs(dt[static_cast<size_t>(i - 1)] - typical_dt) / typical_dt / 4);
        });
    }

    // Exposure pumping: the brightness (smoothed over 3 frames) swings up and down repeatedly, each
    // swing large and slower than flicker. Extrema are taken where the trend turns by more than a
    // third of a swing, so content noise does not split a swing in two.
    if (n >= 9) {
        std::vector<double> lum(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
            int64_t a = std::max<int64_t>(0, i - 1), b = std::min(n - 1, i + 1);
            double sum = 0;
            for (int64_t k = a; k <= b; ++k) sum += m[k].luma_mean;
            lum[static_cast<size_t>(i)] = sum / static_cast<double>(b - a + 1);
        }
        std::vector<int64_t> ext = {0};
        int dir = 0;  // +1 rising, -1 falling
        for (int64_t i = 1; i < n; ++i) {
            const double last = lum[static_cast<size_t>(ext.back())], v = lum[static_cast<size_t>(i)];
            if (dir >= 0 && v > last) { if (dir == 0) dir = 1; ext.back() = i; continue; }
            if (dir <= 0 && v < last) { if (dir == 0) dir = -1; ext.back() = i; continue; }
            if (std::fabs(v - last) >= c.pump_swing / 3) {  // the trend turned
                ext.push_back(i);
                dir = -dir;
            }
        }
        // Exposure moves the whole picture: most tiles brighten or darken with the mean
        // (pump_global). A dark subject coming close to a handheld camera darkens only the part it
        // covers, and its tiles' median hardly moves.
        auto whole_picture = [&](int64_t a, int64_t b) {
            const double g = m[b].luma_mean - m[a].luma_mean;
            std::array<double, kTiles> d{};
            for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t)
                d[t] = (g >= 0 ? 1.0 : -1.0) * static_cast<double>(m[b].tile_mean[t] - m[a].tile_mean[t]);
            std::nth_element(d.begin(), d.begin() + kTiles / 2, d.end());
            return d[kTiles / 2] >= c.pump_global * std::fabs(g);
        };
        auto big = [&](size_t e) {  // swing from ext[e-1] to ext[e]
            const int64_t len = ext[e] - ext[e - 1];
            return std::fabs(lum[static_cast<size_t>(ext[e])] - lum[static_cast<size_t>(ext[e - 1])]) >= c.pump_swing && len >= 4 &&
                   len <= 60 && !special(ext[e]) && !special(ext[e - 1]) && whole_picture(ext[e - 1], ext[e]);
        };
        for (size_t e = 1; e < ext.size();) {
            if (!big(e)) {
                ++e;
                continue;
            }
            size_t f = e;
            double amp = 0;
            while (f + 1 < ext.size() && big(f + 1)) ++f;
            for (size_t k = e; k <= f; ++k)
                amp = std::max(amp, std::fabs(lum[static_cast<size_t>(ext[k])] - lum[static_cast<size_t>(ext[k - 1])]));
            if (static_cast<int>(f - e + 1) >= c.pump_min_swings) {
                // The outer swings may begin or end in slow drift: keep from where they have moved a quarter.
                auto L = [&](int64_t t) { return lum[static_cast<size_t>(t)]; };
                int64_t first = ext[e - 1], last = ext[f];
                const double s0 = std::fabs(L(ext[e]) - L(ext[e - 1])), s1 = std::fabs(L(ext[f]) - L(ext[f - 1]));
                while (first < ext[e] && std::fabs(L(first + 1) - L(ext[e - 1])) < 0.25 * s0) ++first;
                while (last > ext[f - 1] && std::fabs(L(last - 1) - L(ext[f])) < 0.25 * s1) --last;
                flags.push_back({FlagKind::exposure, first, last, std::min(1.0, amp / 40.0)});
            }
            e = f + 1;
        }
    }

    // Decay at the end: the picture keeps darkening into the last frame (a fade-out).
    if (n >= 4) {
        int64_t k = n - 1;
        while (k >= 1 && m[k - 1].luma_mean - m[k].luma_mean >= c.decay_step) --k;
        const double before = m[k].luma_mean, after = m[n - 1].luma_mean;
        if (n - 1 - k >= 3 && before > 0 && (before - after) / before >= c.decay_drop)
            flags.push_back({FlagKind::end_decay, k, n - 1, std::min(1.0, (before - after) / before)});
    }

    // Local flicker: one part of the picture flickers while the whole picture's mean hardly moves
    // (a flickering face or sky). Per tile, the same reversing swings, larger, each coming back to
    // the brightness before it (local_flicker_back): a hand waved across a bright sky swings a
    // tile's brightness too, but each swing lands somewhere else; overlapping runs of several tiles
    // are one flag.
    auto tile_mean = [&](int t, int64_t k) { return static_cast<double>(m[k].tile_mean[static_cast<size_t>(t)]); };
    {
        std::vector<std::pair<int64_t, int64_t>> runs;  // [first, last] frames of a tile's flicker
        for (int t = 0; t < kTiles; ++t) {
            auto tile_flickers = [&](int64_t i) {
                if (special(i) || special(i - 1) || special(i + 1)) return false;
                if (!swing(i, [&](int64_t k) { return tile_mean(t, k); }, c.local_flicker_luma)) return false;
                const double up = tile_mean(t, i) - tile_mean(t, i - 1), down = tile_mean(t, i + 1) - tile_mean(t, i);
                return std::fabs(tile_mean(t, i + 1) - tile_mean(t, i - 1)) <= c.local_flicker_back * std::min(std::fabs(up), std::fabs(down));
            };
            for_runs(tile_flickers, [&](int64_t i, int64_t j) {
                if (j - i + 1 >= 3) runs.emplace_back(i - 1, j + 1);
            });
        }
        std::sort(runs.begin(), runs.end());
        for (size_t a = 0; a < runs.size();) {
            int64_t first = runs[a].first, last = runs[a].second;
            size_t b = a + 1;
            while (b < runs.size() && runs[b].first <= last) last = std::max(last, runs[b++].second);
            const bool global = std::any_of(flags.begin(), flags.end(), [&](const Flag& f) {
                return f.kind == FlagKind::flicker && f.first_frame <= last && f.last_frame >= first;
            });
            if (!global) flags.push_back({FlagKind::flicker, first + 1, last, std::min(1.0, static_cast<double>(last - first) / 12.0)});
            a = b;
        }
    }

    // Regions. A jump's: the tiles whose change at that frame stands out from their own typical
    // change around it. A flicker's: the tiles whose brightness swings, against how much they swing
    // just outside the flicker.
    for (Flag& f : flags) {
        TileScores score{};
        if (f.kind == FlagKind::jump || f.kind == FlagKind::first_frame_jump) {
            const int64_t i = f.kind == FlagKind::jump ? f.first_frame : 1;
            // By pixels or by brightness, whichever stands out more (a fine pattern turned negative
            // keeps its pixel change but moves its brightness).
            auto step = [&](int t, int64_t k) { return std::fabs(tile_mean(t, k) - tile_mean(t, k - 1)); };
            for (int t = 0; t < kTiles; ++t) {
                auto diff = [&](int64_t k) { return static_cast<double>(m[k].tile_diff[static_cast<size_t>(t)]); };
                score[static_cast<size_t>(t)] = std::max(diff(i) - typical_around(i, diff),
                                                         step(t, i) - typical_around(i, [&](int64_t k) { return step(t, k); }));
            }
            f.region = region_of(score, c.jump_min_diff);
        } else if (f.kind == FlagKind::flicker) {
            auto wobble = [&](int t, int64_t k) {
                return std::fabs(tile_mean(t, k) - 0.5 * (tile_mean(t, k - 1) + tile_mean(t, k + 1)));
            };
            for (int t = 0; t < kTiles; ++t) {
                double inside = 0;
                int count = 0;
                for (int64_t k = std::max<int64_t>(1, f.first_frame); k <= std::min(n - 2, f.last_frame - 1); ++k, ++count)
                    inside += wobble(t, k);
                std::vector<double> outside;
                for (int64_t k = std::max<int64_t>(1, f.first_frame - 15); k <= std::min(n - 2, f.last_frame + 15); ++k)
                    if (k < f.first_frame - 1 || k > f.last_frame + 1) outside.push_back(wobble(t, k));
                score[static_cast<size_t>(t)] = (count ? inside / count : 0.0) - median_of(outside);
            }
            f.region = region_of(score, c.flicker_luma);
        }
    }

    {
        // Not judged: frames with no picture, at a cut or a glitch, and repeats (a still frame of a
        // static shot is judged: that is where a fault shows most).
        std::vector<bool> skip(static_cast<size_t>(n), false);
        for (int64_t i = 0; i < n; ++i) {
            if (!black(i) && !blank(i) && !cut[static_cast<size_t>(i)] && !glitch[static_cast<size_t>(i)]) continue;
            for (int64_t k = std::max<int64_t>(0, i - 1); k <= std::min(n - 1, i + 1); ++k) skip[static_cast<size_t>(k)] = true;
        }
        for (const Flag& f : flags)
            if (f.kind == FlagKind::freeze || f.kind == FlagKind::duplicate || f.kind == FlagKind::cadence || f.kind == FlagKind::end_decay)
                for (int64_t k = std::max<int64_t>(0, f.first_frame); k <= std::min(n - 1, f.last_frame + 1); ++k) skip[static_cast<size_t>(k)] = true;
        find_generative(m, c, skip, flags);
    }

    // One artifact, one flag: the frame-to-frame jumps of a flicker or exposure swing are that
    // flicker's, and repeats inside a blurred stretch (little left to change) are the blur's.
    auto inside = [&](const Flag& f, std::initializer_list<FlagKind> kinds) {
        for (const Flag& g : flags)
            for (FlagKind k : kinds)
                if (g.kind == k && f.first_frame >= g.first_frame - 1 && f.last_frame <= g.last_frame + 1) return true;
        return false;
    };
    std::erase_if(flags, [&](const Flag& f) {
        if (f.kind == FlagKind::jump) return inside(f, {FlagKind::flicker, FlagKind::exposure});
        if (f.kind == FlagKind::duplicate) return inside(f, {FlagKind::blur});
        return false;
    });
    std::sort(flags.begin(), flags.end(), [](const Flag& a, const Flag& b) {
        return a.first_frame != b.first_frame ? a.first_frame < b.first_frame : a.kind < b.kind;
    });
    return flags;
}

namespace {
// Every threshold by name, for the config file.
template <class F>
void for_each_field(DetectorConfig& c, F&& f) {
    f("black_luma", c.black_luma);
    f("flat_std", c.flat_std);
    f("still_diff", c.still_diff);
    f("still_changed", c.still_changed);
    f("still_tile_diff", c.still_tile_diff);
    f("still_ratio", c.still_ratio);
    f("alive_tiles", c.alive_tiles);
    f("alive_last", c.alive_last);
    f("cut_unexplained", c.cut_unexplained);
    f("cut_ratio", c.cut_ratio);
    f("cut_layout", c.cut_layout);
    f("freeze_min_frames", c.freeze_min_frames);
    f("cadence_max_gap", c.cadence_max_gap);
    f("cadence_min_repeats", c.cadence_min_repeats);
    f("cadence_contrast", c.cadence_contrast);
    f("jump_ratio", c.jump_ratio);
    f("jump_min_diff", c.jump_min_diff);
    f("glitch_ratio", c.glitch_ratio);
    f("glitch_luma", c.glitch_luma);
    f("flicker_luma", c.flicker_luma);
    f("flicker_chroma", c.flicker_chroma);
    f("local_flicker_luma", c.local_flicker_luma);
    f("local_flicker_back", c.local_flicker_back);
    f("blur_ratio", c.blur_ratio);
    f("blur_motion", c.blur_motion);
    f("timestamp_tolerance", c.timestamp_tolerance);
    f("decay_step", c.decay_step);
    f("decay_drop", c.decay_drop);
    f("pump_swing", c.pump_swing);
    f("pump_min_swings", c.pump_min_swings);
    f("pump_global", c.pump_global);
    f("incoherent_jitter", c.incoherent_jitter);
    f("incoherent_share", c.incoherent_share);
    f("incoherent_rise", c.incoherent_rise);
    f("incoherent_min_frames", c.incoherent_min_frames);
    f("incoherent_contrast", c.incoherent_contrast);
    f("incoherent_flow_share", c.incoherent_flow_share);
    f("wobble_share", c.wobble_share);
    f("wobble_back", c.wobble_back);
    f("sway_diff", c.sway_diff);
    f("pop_unexplained", c.pop_unexplained);
    f("pop_return", c.pop_return);
    f("pop_max_frames", c.pop_max_frames);
    f("morph_warp", c.morph_warp);
    f("morph_rise", c.morph_rise);
    f("morph_steady", c.morph_steady);
    f("morph_stays", c.morph_stays);
    f("morph_local", c.morph_local);
    f("morph_global", c.morph_global);
    f("morph_unexplained", c.morph_unexplained);
    f("morph_left", c.morph_left);
    f("morph_min_frames", c.morph_min_frames);
    f("morph_contrast", c.morph_contrast);
    f("morph_flow", c.morph_flow);
    f("drift_step", c.drift_step);
    f("drift_local", c.drift_local);
    f("drift_min_frames", c.drift_min_frames);
    f("drift_calm", c.drift_calm);
    f("drift_flow", c.drift_flow);
    f("drift_global", c.drift_global);
    f("drift_together", c.drift_together);
    f("drift_max", c.drift_max);
    f("melt_sag", c.melt_sag);
    f("melt_sag_max", c.melt_sag_max);
    f("melt_coherent", c.melt_coherent);
    f("melt_steady", c.melt_steady);
    f("melt_steady_beside", c.melt_steady_beside);
    f("melt_calm", c.melt_calm);
    f("melt_camera", c.melt_camera);
    f("melt_min_frames", c.melt_min_frames);
    f("melt_max_tiles", c.melt_max_tiles);
}
}  // namespace

std::vector<Threshold> thresholds(DetectorConfig& c) {
    std::vector<Threshold> out;
    for_each_field(c, [&](const char* name, auto& field) {
        if constexpr (std::is_same_v<std::decay_t<decltype(field)>, double>) out.push_back({name, &field, nullptr});
        else out.push_back({name, nullptr, &field});
    });
    return out;
}

Result<DetectorConfig> detector_config_from_json(const nlohmann::json& j) {
    if (!j.is_object()) return fail("detector thresholds: expected a JSON object of name: value");
    DetectorConfig c;
    std::set<std::string> known;
    std::string error;
    for_each_field(c, [&](const char* name, auto& field) {
        known.insert(name);
        if (!j.contains(name) || !error.empty()) return;
        const auto& v = j.at(name);
        if (!v.is_number()) {
            error = std::string("detector thresholds: ") + name + " must be a number";
            return;
        }
        using T = std::decay_t<decltype(field)>;
        if constexpr (std::is_integral_v<T>) {
            if (!v.is_number_integer()) {
                error = std::string("detector thresholds: ") + name + " must be a whole number";
                return;
            }
        }
        if constexpr (std::is_integral_v<T>) {
            if (v.get<int64_t>() < 0 || v.get<int64_t>() > std::numeric_limits<T>::max()) {
                error = std::string("detector thresholds: ") + name + " is out of range";
                return;
            }
        } else {
            const double d = v.get<double>();  // converted only when the field's type can hold it
            if (!std::isfinite(d) || std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max())) {
                error = std::string("detector thresholds: ") + name + " is out of range";
                return;
            }
        }
        field = v.get<T>();
        if (field < 0) error = std::string("detector thresholds: ") + name + " must not be negative";
    });
    if (!error.empty()) return fail(error);
    for (const auto& [k, v] : j.items())
        if (!known.count(k)) return fail("detector thresholds: unknown name '" + k + "'");
    return c;
}

nlohmann::json to_json(const DetectorConfig& cfg) {
    DetectorConfig c = cfg;
    nlohmann::json j = nlohmann::json::object();
    for_each_field(c, [&](const char* name, auto& field) { j[name] = field; });
    return j;
}

Result<DetectorConfig> load_detector_config(const std::string& path) {
    std::ifstream f(path);
    if (!f) return fail(path + ": cannot read");
    nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_discarded()) return fail(path + ": not valid JSON");
    auto c = detector_config_from_json(j);
    if (!c) return fail(path + ": " + c.error().message);
    return c;
}

Result<ClipScan> scan_clip(const std::string& path, const DetectorConfig& cfg, int threads, ScanControl control) {
    auto dec = media::VideoDecoder::open(path, media::VideoDecoder::Options{threads});
    if (!dec) return std::unexpected(dec.error());
    FrameMeter meter;
    std::vector<FrameMetrics> metrics;
    const double total = static_cast<double>(std::max<int64_t>(1, (*dec)->info().frame_count()));
    while (true) {
        if (control.cancel && control.cancel->load(std::memory_order_relaxed)) return fail(path + ": scan cancelled");
        if (control.pause_us) {
            int us = control.pause_us->load(std::memory_order_relaxed);
            if (us < 0) {  // held: wait without decoding
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
            if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
        }
        auto f = (*dec)->next();
        if (!f) return std::unexpected(f.error());
        if (!*f) break;
        metrics.push_back(meter.measure(*(*f)->picture, (*f)->index));
        if (control.progress) control.progress->store(static_cast<float>(static_cast<double>(metrics.size()) / total), std::memory_order_relaxed);
    }
    if (metrics.empty()) return fail(path + ": no decodable frames");
    std::vector<double> pts;
    for (int64_t i = 0; i < (*dec)->info().frame_count(); ++i) pts.push_back((*dec)->info().frame_pts_seconds(i));
    ClipScan scan = scan_from_measures(path, metrics, (*dec)->info().frame_count(), (*dec)->info().video->frame_rate.to_double(), pts, cfg);
    // Where the file's own timestamps went wrong (decode times going back, a time claimed twice):
    // the frames play at the nominal rate, but the file is damaged there.
    for (int64_t at : (*dec)->info().index.timestamp_faults) {
        const bool covered = std::any_of(scan.flags.begin(), scan.flags.end(), [&](const Flag& f) {
            return f.kind == FlagKind::timestamps && at >= f.first_frame && at <= f.last_frame;
        });
        if (!covered && at < scan.frames) scan.flags.push_back({FlagKind::timestamps, at, at, 1.0});
    }
    std::stable_sort(scan.flags.begin(), scan.flags.end(), [](const Flag& a, const Flag& b) {
        return a.first_frame != b.first_frame ? a.first_frame < b.first_frame : a.kind < b.kind;
    });
    return scan;
}

std::array<double, kTiles> tile_instability(const MotionMetrics& mo) {
    std::array<double, kTiles> tile{};
    if (!mo.valid) return tile;
    for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t)
        tile[t] = std::min(1.0, static_cast<double>(mo.tile_unexplained[t]) +
                                    std::clamp((static_cast<double>(mo.tile_jitter[t]) - kSteadyJitter) / kSteadyJitterSpan, 0.0, 1.0));
    return tile;
}

std::vector<float> instability(const std::vector<FrameMetrics>& m) {
    std::vector<float> out;
    out.reserve(m.size());
    for (const FrameMetrics& f : m) {
        if (!f.motion.valid) {
            out.push_back(0.0f);
            continue;
        }
        // The worst kSteadyTiles tiles: a fault in part of the picture counts as much as its
        // part, not diluted by the rest.
        std::array<double, kTiles> tile = tile_instability(f.motion);
        std::partial_sort(tile.begin(), tile.begin() + kSteadyTiles, tile.end(), std::greater<>());
        double worst = 0;
        for (int t = 0; t < kSteadyTiles; ++t) worst += tile[static_cast<size_t>(t)];
        out.push_back(static_cast<float>(worst / kSteadyTiles));
    }
    return out;
}

double steadiness(const std::vector<float>& inst, const std::vector<Flag>& flags) {
    double sum = 0;
    int64_t n = 0;
    for (size_t i = 0; i < inst.size(); ++i) {
        const bool at_cut = std::any_of(flags.begin(), flags.end(), [&](const Flag& f) {
            return (f.kind == FlagKind::cut || f.kind == FlagKind::first_frame_jump) && static_cast<int64_t>(i) >= f.first_frame &&
                   static_cast<int64_t>(i) <= f.last_frame;
        });
        if (i == 0 || at_cut) continue;
        sum += static_cast<double>(inst[i]);
        ++n;
    }
    if (n == 0) return 100;
    return std::clamp(100.0 * (1.0 - sum / static_cast<double>(n) / kSteadyScale), 0.0, 100.0);
}

ClipScan scan_from_measures(const std::string& path, const std::vector<FrameMetrics>& metrics, int64_t frame_count, double fps,
                            const std::vector<double>& pts, const DetectorConfig& cfg) {
    ClipScan s;
    s.file = path;
    s.frames = frame_count;
    s.fps = fps;
    DetectorConfig c = cfg;
    if (s.fps > 0) c.blur_window_fps = s.fps;
    s.flags = detect_artifacts(metrics, c, pts);
    s.instability = instability(metrics);
    s.steadiness = steadiness(s.instability, s.flags);
    for (const FrameMetrics& f : metrics) {
        const auto tile = tile_instability(f.motion);
        HeatRow row{};
        for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t)
            row[t] = static_cast<uint8_t>(std::lround(std::min(1.0, tile[t] / kSteadyScale) * 9));
        s.heat.push_back(row);
    }
    return s;
}

void LiveMeasures::add(const AVFrame& frame, int64_t index, double pts) {
    std::lock_guard measuring(meter_mutex_);
    if (index != measured()) return;  // not the next frame of the run
    FrameMetrics m = meter_.measure(frame, index);  // outside mutex_: readers never wait for it
    std::lock_guard lock(mutex_);
    metrics_.push_back(m);
    pts_.push_back(pts);
}

int64_t LiveMeasures::measured() const {
    std::lock_guard lock(mutex_);
    return static_cast<int64_t>(metrics_.size());
}

std::vector<FrameMetrics> LiveMeasures::metrics() const {
    std::lock_guard lock(mutex_);
    return metrics_;
}

std::vector<double> LiveMeasures::pts() const {
    std::lock_guard lock(mutex_);
    return pts_;
}

nlohmann::json to_json(const ClipScan& s) {
    nlohmann::json flags = nlohmann::json::array();
    for (const Flag& f : s.flags) {
        nlohmann::json j = {{"kind", to_string(f.kind)}, {"first_frame", f.first_frame}, {"last_frame", f.last_frame}, {"severity", f.severity}};
        if (f.region) j["region"] = {f.region->x0, f.region->y0, f.region->x1, f.region->y1};
        flags.push_back(std::move(j));
    }
    nlohmann::json heat = nlohmann::json::array();  // a string of kTiles digits 0-9 per frame
    for (const HeatRow& row : s.heat) {
        std::string digits(static_cast<size_t>(kTiles), '0');
        for (size_t t = 0; t < static_cast<size_t>(kTiles); ++t) digits[t] = static_cast<char>('0' + std::min<int>(9, row[t]));
        heat.push_back(std::move(digits));
    }
    nlohmann::json curve = nlohmann::json::array();
    for (float v : s.instability) curve.push_back(std::round(static_cast<double>(v) * 1000) / 1000);
    return {{"file", s.file}, {"frames", s.frames}, {"fps", s.fps}, {"flags", flags},
            {"steadiness", std::round(s.steadiness * 10) / 10}, {"instability", curve}, {"heat", heat}};
}

std::optional<FlagKind> flag_kind_from_string(const std::string& s) {
    for (int k = 0; k <= static_cast<int>(kLastFlagKind); ++k)
        if (s == to_string(static_cast<FlagKind>(k))) return static_cast<FlagKind>(k);
    return std::nullopt;
}

namespace {

// Numbers of a stored scan (the project database, a farm task's result file): checked for type and
// range before they are converted (a float beyond the target type's range is undefined behaviour:
// found by tests/fuzz/fuzz_config).
struct ScanFieldError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
double scan_real(const nlohmann::json& v, const char* what) {
    if (!v.is_number()) throw ScanFieldError(std::string(what) + " is not a number");
    const double d = v.get<double>();
    if (!std::isfinite(d) || std::fabs(d) > 1e30) throw ScanFieldError(std::string(what) + " is out of range");
    return d;
}
int64_t scan_whole(const nlohmann::json& v, const char* what) {
    if (v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= (int64_t{1} << 40)) return v.get<int64_t>();
    const double d = scan_real(v, what);
    if (d < 0 || d > static_cast<double>(int64_t{1} << 40) || d != std::floor(d)) throw ScanFieldError(std::string(what) + " is not a frame number");
    return static_cast<int64_t>(d);
}

}  // namespace

Result<ClipScan> clip_scan_from_json(const nlohmann::json& j) {
    try {
        ClipScan s;
        s.file = j.at("file").get<std::string>();
        s.frames = scan_whole(j.at("frames"), "frames");
        s.fps = scan_real(j.at("fps"), "fps");
        for (const auto& f : j.at("flags")) {
            auto kind = flag_kind_from_string(f.at("kind").get<std::string>());
            if (!kind) return fail("scan result: unknown flag kind " + f.at("kind").dump());
            Flag flag{*kind, scan_whole(f.at("first_frame"), "first_frame"), scan_whole(f.at("last_frame"), "last_frame"),
                      scan_real(f.at("severity"), "severity")};
            if (flag.last_frame < flag.first_frame) return fail("scan result: a flag ends before it starts");
            if (f.contains("region")) {
                const auto& r = f.at("region");
                flag.region = Region{static_cast<float>(scan_real(r.at(0), "region")), static_cast<float>(scan_real(r.at(1), "region")),
                                     static_cast<float>(scan_real(r.at(2), "region")), static_cast<float>(scan_real(r.at(3), "region"))};
            }
            s.flags.push_back(flag);
        }
        // (Scans stored before steadiness existed have none: 100, and no curve.)
        s.steadiness = j.contains("steadiness") ? scan_real(j.at("steadiness"), "steadiness") : 100.0;
        if (j.contains("instability"))
            for (const auto& v : j.at("instability")) s.instability.push_back(static_cast<float>(scan_real(v, "instability")));
        if (j.contains("heat"))
            for (const auto& v : j.at("heat")) {
                const std::string digits = v.get<std::string>();
                if (digits.size() != static_cast<size_t>(kTiles)) return fail("scan result: a heat row of " + std::to_string(digits.size()) + " tiles");
                HeatRow row{};
                for (size_t t = 0; t < digits.size(); ++t) row[t] = static_cast<uint8_t>(std::clamp(digits[t] - '0', 0, 9));
                s.heat.push_back(row);
            }
        return s;
    } catch (const nlohmann::json::exception& e) {
        return fail(std::string("scan result: ") + e.what());
    } catch (const ScanFieldError& e) {
        return fail(std::string("scan result: ") + e.what());
    }
}

}  // namespace reelsync::analysis
