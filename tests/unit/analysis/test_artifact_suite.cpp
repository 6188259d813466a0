// Precision and recall of the artifact detectors over many varied clips: each kind injected at a
// known (pseudo-random) place into clips of four different kinds of moving content, two hues each.
// A found flag matches an injection when its kind is right and its frames overlap the injected
// frames (+-1); for an artifact confined to part of the picture (a local jump or flicker) its region
// must also cover the injected box (intersection over union >= 0.5), and a whole-picture one must
// carry no region. Precision counts every flag raised on these clips.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>

#include "analysis/artifacts.h"
#include "support/media_gen.h"

using namespace reelsync::analysis;
using reelsync::testing::generate;

namespace {

struct Injection {
    FlagKind kind;
    const char* name;
    int length;       // frames
    int fixed_at = -1; // where it must be (first frame, end of clip), else pseudo-random
    bool local = false; // in a box of the picture (on the detectors' tile grid), else the whole picture
};

// A box in tiles of the detectors' grid (8x6 tiles: 40x30 pixels of a 320x180 clip).
struct Box {
    int x = 0, y = 0, w = 0, h = 0;
    Region region() const {
        return {static_cast<float>(x) / kTilesX, static_cast<float>(y) / kTilesY, static_cast<float>(x + w) / kTilesX,
                static_cast<float>(y + h) / kTilesY};
    }
    std::string drawbox(const std::string& colour) const {
        return "drawbox=x=" + std::to_string(x * 40) + ":y=" + std::to_string(y * 30) + ":w=" + std::to_string(w * 40) +
               ":h=" + std::to_string(h * 30) + ":t=fill:color=" + colour;
    }
};

std::string filter_for(const Injection& inj, int k, const Box& box) {
    const std::string a = std::to_string(k), b = std::to_string(k + inj.length - 1);
    const std::string en = "enable='between(n\\," + a + "\\," + b + ")'";
    if (inj.local && inj.kind == FlagKind::jump) return box.drawbox("invert") + ":" + en;  // that part negated
    if (inj.local) return box.drawbox("white@0.3") + ":enable='between(n\\," + a + "\\," + b + ")*mod(n\\,2)'";
    switch (inj.kind) {
        case FlagKind::black: return "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:" + en;
        case FlagKind::blank: return "drawbox=x=0:y=0:w=iw:h=ih:color=gray:t=fill:" + en;
        // freezeframes takes the stream twice (frames to keep, frames to copy from): split feeds it.
        case FlagKind::freeze: return "split[f0][f1];[f0][f1]freezeframes=first=" + a + ":last=" + b + ":replace=" + std::to_string(k - 1);
        case FlagKind::duplicate: return "split[f0][f1];[f0][f1]freezeframes=first=" + a + ":last=" + a + ":replace=" + std::to_string(k - 1);
        case FlagKind::jump: return "negate=" + en;
        case FlagKind::flicker:
            if (inj.length == 10)  // colour (tint) flicker
                return "lutyuv=u='val+24':enable='between(n\\," + a + "\\," + b + ")*mod(n\\,2)'";
            return "eq=brightness=0.12:enable='between(n\\," + a + "\\," + b + ")*mod(n\\,2)'";
        case FlagKind::blur: return "gblur=sigma=4:" + en;
        case FlagKind::exposure:  // brightness pumping at 1.5 Hz, about +-20 code values, for 2 s
            return "eq=brightness='0.08*sin(2*PI*(n-" + a + ")/30*1.5)':eval=frame:" + en;
        case FlagKind::first_frame_jump: return "negate=enable='eq(n\\,0)'";
        case FlagKind::end_decay: return "fade=t=out:start_frame=" + a + ":nb_frames=" + std::to_string(inj.length);
        case FlagKind::timestamps:  // half a second missing before frame k (timestamps kept as written)
            return "setpts='N/(30*TB)+if(gte(N\\," + a + ")\\,0.5/TB\\,0)'";
        default: return "null";
    }
}

}  // namespace

TEST(ArtifactSuite, PrecisionAndRecallPerKind) {
    const std::vector<std::string> sources = {"testsrc2=s=320x180:r=30", "mandelbrot=s=320x180:r=30",
                                              "cellauto=s=320x180:r=30:rule=110:seed=1", "life=s=320x180:r=30:mold=10:ratio=0.3:seed=3"};
    const std::vector<Injection> kinds = {{FlagKind::black, "black", 5},     {FlagKind::blank, "blank", 4},
                                          {FlagKind::freeze, "freeze", 16},  {FlagKind::duplicate, "duplicate", 1},
                                          {FlagKind::jump, "jump", 1},       {FlagKind::flicker, "flicker", 9},
                                          {FlagKind::blur, "blur", 16},      {FlagKind::flicker, "colour_flicker", 10},
                                          {FlagKind::exposure, "exposure", 60}, {FlagKind::first_frame_jump, "first_frame_jump", 2, 0},
                                          {FlagKind::end_decay, "end_decay", 30, 270}, {FlagKind::timestamps, "timestamps", 1},
                                          {FlagKind::jump, "local_jump", 1, -1, true},  {FlagKind::flicker, "local_flicker", 9, -1, true}};
    std::mt19937 rng(7);
    std::map<std::string, int> injected, found, raised, correct;
    for (size_t s = 0; s < sources.size(); ++s) {
        for (int hue = 0; hue < 2; ++hue) {
            for (const Injection& inj : kinds) {
                const int k = inj.fixed_at >= 0 ? inj.fixed_at : std::uniform_int_distribution<int>(60, 220)(rng);
                Box box;
                if (inj.local) {
                    box.w = std::uniform_int_distribution<int>(2, 3)(rng);
                    box.h = std::uniform_int_distribution<int>(2, 3)(rng);
                    box.x = std::uniform_int_distribution<int>(0, kTilesX - box.w)(rng);
                    box.y = std::uniform_int_distribution<int>(0, kTilesY - box.h)(rng);
                }
                const bool vfr = inj.kind == FlagKind::timestamps;
                const std::string name = "suite3_" + std::to_string(s) + "_" + std::to_string(hue) + "_" + inj.name + "_" + std::to_string(k) +
                                         (inj.local ? "_" + std::to_string(box.x) + std::to_string(box.y) + std::to_string(box.w) + std::to_string(box.h) : "") +
                                         (vfr ? ".mkv" : ".mp4");
                // (The first frames of some generators repeat: the clip starts a little later.)
                const std::string fc = "[0:v]trim=start_frame=5,setpts=PTS-STARTPTS,format=yuv420p,hue=h=" + std::to_string(hue * 140) + "," + filter_for(inj, k, box) + "[out]";
                auto path = generate(name, "-f lavfi -i \"" + sources[s] + "\" -frames:v 300 -filter_complex \"" + fc +
                                               "\" -map [out] " + (vfr ? "-fps_mode passthrough " : "") +
                                               "-c:v libx264 -preset veryfast -pix_fmt yuv420p");
                auto scan = scan_clip(path);
                ASSERT_TRUE(scan) << scan.error().message;
                ++injected[inj.name];
                bool hit = false;
                for (const Flag& f : scan->flags) {
                    bool match = f.kind == inj.kind && f.last_frame >= k - 1 && f.first_frame <= k + inj.length;
                    // A fade ends in black: a black flag in its last frames is right too.
                    if (inj.kind == FlagKind::end_decay && f.kind == FlagKind::black && f.first_frame >= k) match = true;
                    // Where: a local artifact's region covers its box; a whole-picture one has none.
                    if (match && (inj.kind == FlagKind::jump || inj.kind == FlagKind::flicker)) {
                        const bool placed = inj.local ? f.region && iou(*f.region, box.region()) >= 0.5 : !f.region;
                        if (!placed) {
                            std::printf("  %s: %s region %s\n", name.c_str(), inj.name,
                                        f.region ? (std::to_string(f.region->x0) + "," + std::to_string(f.region->y0) + "-" +
                                                    std::to_string(f.region->x1) + "," + std::to_string(f.region->y1)).c_str()
                                                 : "none");
                            match = false;
                        }
                    }
                    ++raised[to_string(f.kind)];
                    if (match) {
                        ++correct[to_string(f.kind)];
                        hit = true;
                    } else {
                        std::printf("  %s: extra %s %lld-%lld (injected %s at %d)\n", name.c_str(), to_string(f.kind),
                                    static_cast<long long>(f.first_frame), static_cast<long long>(f.last_frame), inj.name, k);
                    }
                }
                found[inj.name] += hit;
                if (!hit) std::printf("  %s: missed %s at %d\n", name.c_str(), inj.name, k);
            }
        }
    }
    int all_raised = 0, all_correct = 0;
    for (const Injection& inj : kinds) {
        const double recall = static_cast<double>(found[inj.name]) / injected[inj.name];
        std::printf("%-17s injected %2d  found %2d  recall %.3f\n", inj.name, injected[inj.name], found[inj.name], recall);
        EXPECT_GE(recall, 0.95) << inj.name;
    }
    for (auto& [kind, n] : raised) {
        const double precision = static_cast<double>(correct[kind]) / n;
        std::printf("%-17s flags %2d  correct %2d  precision %.3f\n", kind.c_str(), n, correct[kind], precision);
        EXPECT_GE(precision, 0.95) << kind;
        all_raised += n;
        all_correct += correct[kind];
    }
    std::printf("all kinds: %d flags, %d correct, precision %.3f\n", all_raised, all_correct,
                all_raised ? static_cast<double>(all_correct) / all_raised : 1.0);
    EXPECT_GE(static_cast<double>(all_correct) / std::max(1, all_raised), 0.95);
}

// The false-flag budget: ten minutes of clean moving content of the same four kinds (2.5 minutes
// each, encoded with x264 like the suite) raise at most one flag.
TEST(ArtifactSuite, TenCleanMinutesRaiseAtMostOneFlag) {
    const std::vector<std::string> sources = {"testsrc2=s=320x180:r=30", "mandelbrot=s=320x180:r=30",
                                              "cellauto=s=320x180:r=30:rule=110:seed=1", "life=s=320x180:r=30:mold=10:ratio=0.3:seed=3"};
    int flags = 0;
    int64_t frames = 0;
    for (size_t s = 0; s < sources.size(); ++s) {
        auto path = generate("clean10s_" + std::to_string(s) + ".mp4",
                             "-f lavfi -i \"" + sources[s] + "\" -frames:v 4505 -vf \"trim=start_frame=5,setpts=PTS-STARTPTS\" "
                             "-c:v libx264 -preset veryfast -pix_fmt yuv420p");
        auto scan = scan_clip(path);
        ASSERT_TRUE(scan) << scan.error().message;
        frames += scan->frames;
        for (const Flag& f : scan->flags) {
            ++flags;
            std::printf("  %s: %s %lld-%lld\n", sources[s].c_str(), to_string(f.kind), static_cast<long long>(f.first_frame),
                        static_cast<long long>(f.last_frame));
        }
    }
    std::printf("clean: %lld frames (%.1f minutes), %d flags\n", static_cast<long long>(frames), frames / 30.0 / 60.0, flags);
    EXPECT_GE(frames, 4 * 4490);
    EXPECT_LE(flags, 1);
}
