// Makes one fault clip (tests/support/fault_gen.h) and prints, per frame, the motion measures in
// the fault's box (mean over its tiles) and outside it (median tile), for tuning the detectors:
//   fault_probe KIND SOURCE START_S [STRENGTH SEED]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "analysis/artifacts.h"
#include "media/video_decoder.h"
#include "support/fault_gen.h"

using namespace reelsync;
using namespace reelsync::testing;

int main(int argc, char** argv) {
    if (argc < 4) return 2;
    FaultSpec s;
    const std::string kind = argv[1];
    for (Fault f : {Fault::none, Fault::boil, Fault::wobble, Fault::melt, Fault::morph, Fault::pop, Fault::drift})
        if (kind == to_string(f)) s.fault = f;
    s.source = argv[2];
    s.start_s = std::atof(argv[3]);
    s.strength = argc > 4 ? std::atof(argv[4]) : 0.8;
    s.seed = argc > 5 ? static_cast<uint32_t>(std::atoi(argv[5])) : 3;
    s.first = 30;
    s.length = 15;
    s.x = 150; s.y = 100; s.w = 140; s.h = 110;
    const std::string path = fault_clip("probe_" + kind + "_" + std::to_string(s.seed) + "_" + std::to_string(static_cast<int>(s.start_s)) + ".mp4", s);
    auto dec = media::VideoDecoder::open(path, {});
    if (!dec) return 1;
    analysis::FrameMeter meter;
    auto in_box = [&](int t) {
        const double cx = (t % analysis::kTilesX + 0.5) / analysis::kTilesX * kFaultWidth, cy = (t / analysis::kTilesX + 0.5) / analysis::kTilesY * kFaultHeight;
        return cx > s.x && cx < s.x + s.w && cy > s.y && cy < s.y + s.h;
    };
    std::printf("frame\tU_in\tU_out\tW_in\tW_out\tN_in\tN_out\tJ_in\tJ_out\tY_in\tFx_in\tFy_in\tFy_out\n");
    while (true) {
        auto f = (*dec)->next();
        if (!f || !*f) break;
        auto m = meter.measure(*(*f)->picture, (*f)->index);
        auto stat = [&](const std::array<float, analysis::kTiles>& a, bool inside) {
            std::vector<double> v;
            for (int t = 0; t < analysis::kTiles; ++t)
                if (in_box(t) == inside) v.push_back(static_cast<double>(a[static_cast<size_t>(t)]));
            if (v.empty()) return 0.0;
            if (inside) { double sum = 0; for (double x : v) sum += x; return sum / static_cast<double>(v.size()); }
            std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
            return v[v.size() / 2];
        };
        const auto& mo = m.motion;
        std::printf("%lld\t%.3f\t%.3f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.2f\n", static_cast<long long>(m.index), stat(mo.tile_unexplained, true),
                    stat(mo.tile_unexplained, false), stat(mo.tile_warp, true), stat(mo.tile_warp, false), stat(mo.tile_nonrigid, true),
                    stat(mo.tile_nonrigid, false), stat(mo.tile_jitter, true), stat(mo.tile_jitter, false), stat(m.tile_mean, true),
                    stat(mo.tile_flow_x, true), stat(mo.tile_flow_y, true), stat(mo.tile_flow_y, false));
    }
    return 0;
}
