// Prints a clip's per-frame measures as TSV (one line a frame), for tuning the artifact detectors:
//   dump_measures CLIP > measures.tsv
//   dump_measures --tiles CLIP > tiles.tsv   (one line a tile of each frame: the tile measures)
// Columns: frame, luma mean, diff to previous, max tile diff, then the motion measures (whole picture
// and the largest tile value of each).
#include <algorithm>
#include <cstdio>
#include <string>

#include "analysis/artifacts.h"
#include "media/video_decoder.h"

using namespace reelsync;

int main(int argc, char** argv) {
    const bool tiles = argc == 3 && std::string(argv[1]) == "--tiles";
    if (argc != 2 && !tiles) {
        std::fprintf(stderr, "usage: dump_measures [--tiles] CLIP\n");
        return 2;
    }
    auto dec = media::VideoDecoder::open(argv[argc - 1], {});
    if (!dec) {
        std::fprintf(stderr, "%s\n", dec.error().message.c_str());
        return 1;
    }
    analysis::FrameMeter meter;
    auto mx = [](const auto& a) { return static_cast<double>(*std::max_element(a.begin(), a.end())); };
    if (tiles) std::printf("frame\ttile\tunexpl\tjitter\tnonrigid\tflow\tflow_x\tflow_y\twarp\tchanged\tmean\tdiff\tdiff2\taccel\tdiff_far\tshift\tspread\n");
    else std::printf("frame\tluma\tdiff\tmax_tdiff\tchanged\tmax_tchanged\tflow\tmax_tflow\twarp\tmax_twarp\tnoise\toccl\tunexpl\tmax_tunexpl\tmax_nonrigid\tmax_jitter\tlive_tiles\tdamaged\n");
    while (true) {
        auto f = (*dec)->next();
        if (!f) {
            std::fprintf(stderr, "%s\n", f.error().message.c_str());
            return 1;
        }
        if (!*f) break;
        const analysis::FrameMetrics m = meter.measure(*(*f)->picture, (*f)->index);
        const auto& v = m.motion;
        auto d = [](float x) { return static_cast<double>(x); };
        if (tiles) {
            for (size_t t = 0; t < static_cast<size_t>(analysis::kTiles); ++t)
                std::printf("%lld\t%zu\t%.4f\t%.4f\t%.4f\t%.3f\t%.3f\t%.3f\t%.2f\t%.4f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", static_cast<long long>(m.index), t,
                            d(v.tile_unexplained[t]), d(v.tile_jitter[t]), d(v.tile_nonrigid[t]), d(v.tile_flow[t]), d(v.tile_flow_x[t]),
                            d(v.tile_flow_y[t]), d(v.tile_warp[t]), d(v.tile_changed[t]), d(m.tile_mean[t]), d(m.tile_diff[t]), d(m.tile_diff2[t]),
                            d(m.tile_accel[t]), d(m.tile_diff_far[t]), d(m.tile_shift[t]), d(m.tile_spread[t]));
            continue;
        }
        std::printf("%lld\t%.1f\t%.2f\t%.2f\t%.4f\t%.4f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%.4f\t%.4f\t%.4f\t%.3f\t%.3f\t%d\t%d\n",
                    static_cast<long long>(m.index), m.luma_mean, m.diff_prev, mx(m.tile_diff), d(v.changed), mx(v.tile_changed), d(v.flow),
                    mx(v.tile_flow), d(v.warp), mx(v.tile_warp), d(v.noise), d(v.occluded), d(v.unexplained), mx(v.tile_unexplained),
                    mx(v.tile_nonrigid), mx(v.tile_jitter),
                    static_cast<int>(std::count_if(v.tile_changed.begin(), v.tile_changed.end(), [](float c) { return c > 0.01f; })),
                    m.damaged ? 1 : 0);
    }
    return 0;
}
