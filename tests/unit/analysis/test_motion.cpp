// The motion measures (engine/analysis/motion.h) on real footage with generative faults painted into
// a box of it (tests/support/fault_gen.h): a static-camera shot of the real-footage set, 75 frames,
// the fault over frames 30-44 in a 140x110 box of the 480x360 picture, x264. Each fault must move
// its measure inside the box, against the same frames before the fault and against the clean
// twin: these are what the generative-fault detectors are to be built on. Outside CI a missing
// set is a skip; in CI a failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "analysis/artifacts.h"
#include "media/video_decoder.h"
#include "support/fault_gen.h"

using namespace reelsync;
using namespace reelsync::testing;
namespace fs = std::filesystem;

namespace {

struct BoxSeries {
    std::vector<double> unexplained, jitter;  // per frame, mean over the tiles inside the box
    double outside_unexplained = 0;          // the largest median over the tiles outside it, any frame
};

BoxSeries measure(const std::string& path, const FaultSpec& s) {
    BoxSeries out;
    auto dec = media::VideoDecoder::open(path, {});
    EXPECT_TRUE(dec) << dec.error().message;
    if (!dec) return out;
    analysis::FrameMeter meter;
    auto in_box = [&](int t) {
        const double cx = (t % analysis::kTilesX + 0.5) / analysis::kTilesX * kFaultWidth;
        const double cy = (t / analysis::kTilesX + 0.5) / analysis::kTilesY * kFaultHeight;
        return cx > s.x && cx < s.x + s.w && cy > s.y && cy < s.y + s.h;
    };
    while (true) {
        auto f = (*dec)->next();
        EXPECT_TRUE(f);
        if (!f || !*f) break;
        const auto m = meter.measure(*(*f)->picture, (*f)->index);
        double u = 0, j = 0;
        int n = 0;
        std::vector<double> outside;
        for (int t = 0; t < analysis::kTiles; ++t) {
            const double ut = static_cast<double>(m.motion.tile_unexplained[static_cast<size_t>(t)]);
            if (in_box(t)) {
                u += ut;
                j += static_cast<double>(m.motion.tile_jitter[static_cast<size_t>(t)]);
                ++n;
            } else {
                outside.push_back(ut);
            }
        }
        out.unexplained.push_back(u / std::max(1, n));
        out.jitter.push_back(j / std::max(1, n));
        std::nth_element(outside.begin(), outside.begin() + static_cast<long>(outside.size() / 2), outside.end());
        out.outside_unexplained = std::max(out.outside_unexplained, outside[outside.size() / 2]);
    }
    return out;
}

// The shot both tests paint into: balle-jbart.mp4 from 1 s, the fault over frames 30-44 in a
// 140x110 box, strength 0.8, seed 3.
fs::path shot() { return fs::path(REELSYNC_TEST_MEDIA_DIR).parent_path() / "real-footage" / "balle-jbart.mp4"; }
FaultSpec spec(Fault f) {
    FaultSpec s;
    s.source = shot().string();
    s.start_s = 1.0;
    s.fault = f;
    s.first = 30;
    s.length = 15;
    s.x = 150;
    s.y = 100;
    s.w = 140;
    s.h = 110;
    s.strength = 0.8;
    s.seed = 3;
    return s;
}

double mean(const std::vector<double>& v, size_t a, size_t b) {  // [a, b]
    double s = 0;
    for (size_t i = a; i <= b && i < v.size(); ++i) s += v[i];
    return s / static_cast<double>(b - a + 1);
}
double peak(const std::vector<double>& v, size_t a, size_t b) {
    double p = 0;
    for (size_t i = a; i <= b && i < v.size(); ++i) p = std::max(p, v[i]);
    return p;
}

}  // namespace

TEST(Motion, GenerativeFaultsShowInTheirBoxOnRealFootage) {
    if (!fs::exists(shot())) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    auto series = [&](Fault f) {
        const FaultSpec s = spec(f);
        const std::string path = fault_clip(std::string("motion_") + to_string(f) + ".mp4", s);
        BoxSeries b = measure(path, s);
        EXPECT_EQ(b.unexplained.size(), 75u) << to_string(f);
        if (b.unexplained.size() < 75) b.unexplained.resize(75), b.jitter.resize(75);
        return b;
    };
    const BoxSeries clean = series(Fault::none);
    // The clean shot: the box and the rest stay explained by their motion.
    EXPECT_LE(peak(clean.unexplained, 1, 74), 0.1);
    EXPECT_LE(clean.outside_unexplained, 0.05);
    const double calm_u = std::max(0.005, mean(clean.unexplained, 31, 44));
    const double calm_j = std::max(0.01, mean(clean.jitter, 31, 44));
    std::printf("clean: box unexplained %.3f, jitter %.3f over the span\n", calm_u, calm_j);

    // Pop: all of the box unexplained where the patch appears and where it goes, calm between.
    const BoxSeries pop = series(Fault::pop);
    std::printf("pop: %.3f at 30, %.3f at 45, %.3f between\n", pop.unexplained[30], pop.unexplained[45], mean(pop.unexplained, 32, 43));
    EXPECT_GE(pop.unexplained[30], 0.7);
    EXPECT_GE(pop.unexplained[45], 0.7);
    EXPECT_LE(mean(pop.unexplained, 32, 43), 0.1);

    // Boil: the box unexplained frame after frame, many times the clean shot's.
    const BoxSeries boil = series(Fault::boil);
    std::printf("boil: box unexplained %.3f over the span\n", mean(boil.unexplained, 31, 44));
    EXPECT_GE(mean(boil.unexplained, 31, 44), std::max(0.05, 5 * calm_u));

    // Wobble: the flow explains it, but it reverses every frame.
    const BoxSeries wobble = series(Fault::wobble);
    std::printf("wobble: box jitter %.3f, unexplained %.3f over the span\n", mean(wobble.jitter, 31, 44), mean(wobble.unexplained, 31, 44));
    EXPECT_GE(mean(wobble.jitter, 31, 44), 2.5 * calm_j);
    EXPECT_LE(mean(wobble.unexplained, 31, 44), mean(boil.unexplained, 31, 44));

    // Morph and melt: part of the box unexplained somewhere in the span, where the clean shot is calm.
    for (Fault f : {Fault::morph, Fault::melt}) {
        const BoxSeries b = series(f);
        std::printf("%s: box unexplained peak %.3f in the span\n", to_string(f), peak(b.unexplained, 30, 44));
        EXPECT_GE(peak(b.unexplained, 30, 44), 0.15) << to_string(f);
        EXPECT_LE(peak(b.unexplained, 1, 29), 0.1) << to_string(f) << ": before the fault";
    }
}

// Steadiness ranks takes: the same real shot with a fault painted in scores below its clean twin,
// by the documented formula (artifacts.h), and the curve rises over the fault's frames.
TEST(Steadiness, AFaultyTakeScoresBelowItsCleanTwin) {
    if (!fs::exists(shot())) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    auto scan_of = [&](Fault f) {
        auto r = analysis::scan_clip(fault_clip(std::string("motion_") + to_string(f) + ".mp4", spec(f)));
        EXPECT_TRUE(r) << r.error().message;
        return r ? *r : analysis::ClipScan{};
    };
    const analysis::ClipScan clean = scan_of(Fault::none);
    ASSERT_EQ(clean.instability.size(), 75u);
    std::printf("clean: steadiness %.1f\n", clean.steadiness);
    EXPECT_GE(clean.steadiness, 60.0);  // a real shot: a thrown ball and the hand throwing it occlude
    for (Fault f : {Fault::boil, Fault::wobble, Fault::pop, Fault::morph}) {
        const analysis::ClipScan s = scan_of(f);
        ASSERT_EQ(s.instability.size(), 75u);
        double in = 0, before = 0;
        for (size_t i = 30; i <= 45; ++i) in += static_cast<double>(s.instability[i]);
        for (size_t i = 1; i <= 29; ++i) before += static_cast<double>(s.instability[i]);
        std::printf("%s: steadiness %.1f, instability %.4f in the span, %.4f before\n", to_string(f), s.steadiness, in / 16, before / 29);
        EXPECT_LT(s.steadiness, clean.steadiness - 1.0) << to_string(f);
        EXPECT_GT(in / 16, 1.3 * before / 29) << to_string(f);
    }
}
