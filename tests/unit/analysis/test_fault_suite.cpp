// Generative faults on real footage: boil, wobble, pop, melt, morph and drift painted (tests/support/fault_gen.h) into
// a random box (20-35% of each side) of real shots for a random span (10-20 frames) at a random
// strength (0.6-1.0), x264-encoded, then scanned. A hit is a flag of the fault's kind overlapping
// its frames (+-1) whose region overlaps the box (intersection over union >= 0.3). Precision counts
// every flag of these kinds raised, on the faulty clips and on each shot's clean twin (the same
// stretch, re-encoded the same way, with no fault: it must raise none); a fault of a kind a test
// does not count is there only as a fault its kinds must not be raised on.
//
// Two sets of shots. "tune": the detectors' thresholds were set looking at these. "held": never
// looked at while tuning (a different stretch of the street camera, another shot of the animated
// trailer, the phone clip); their figures are the ones to quote.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <random>

#include "analysis/artifacts.h"
#include "media/video_decoder.h"
#include "support/fault_gen.h"
#include "support/media_gen.h"

using namespace reelsync::analysis;
using namespace reelsync::testing;
namespace fs = std::filesystem;

namespace {

fs::path set_dir() { return fs::path(REELSYNC_TEST_MEDIA_DIR).parent_path() / "real-footage"; }

struct Stretch {
    const char* clip;
    double start_s;
    int frames;
};

struct Case {
    FaultSpec spec;
    std::string name;
    size_t twin = 0;  // the case of its stretch's clean twin
};

FlagKind kind_of(Fault f) {
    switch (f) {
        case Fault::boil: return FlagKind::boil;
        case Fault::wobble: return FlagKind::wobble;
        case Fault::melt: return FlagKind::melt;
        case Fault::morph: return FlagKind::morph;
        case Fault::drift: return FlagKind::drift;
        default: return FlagKind::pop;
    }
}

// How much the fault changed the picture: the mean |luma difference| between the faulty clip and
// its clean twin inside the box over the fault's frames, less the same before them (the two
// encodes differ a little everywhere; a drift or a morph stays after its span).
double painted_change(const std::string& faulty, const std::string& twin, const FaultSpec& s) {
    auto a = reelsync::media::VideoDecoder::open(faulty), b = reelsync::media::VideoDecoder::open(twin);
    if (!a || !b) return 0;
    double in = 0, out = 0;
    int in_n = 0, out_n = 0;
    for (int i = 0;; ++i) {
        auto fa = (*a)->next(), fb = (*b)->next();
        if (!fa || !fb || !*fa || !*fb) break;
        const AVFrame& x = *(*fa)->picture;
        const AVFrame& y = *(*fb)->picture;
        double sum = 0;
        for (int r = s.y; r < s.y + s.h; ++r)
            for (int q = s.x; q < s.x + s.w; ++q)
                sum += std::abs(int{x.data[0][r * x.linesize[0] + q]} - int{y.data[0][r * y.linesize[0] + q]});
        sum /= static_cast<double>(s.w) * s.h;
        if (i >= s.first && i < s.first + s.length) in += sum, ++in_n;
        else if (i < s.first - 2) out += sum, ++out_n;
    }
    return (in_n ? in / in_n : 0) - (out_n ? out / out_n : 0);
}

// Faults that change their box by less than this (mean code values over the span) are not counted:
// painted on a flat wall, a wobble or a boil changes nothing anyone can see.
constexpr double kVisible = 1.5;

// What the held-out set showed when it was first scanned (README), as floors.
// (First scan: precision boil 1.000, wobble 0.833, pop 1.000; recall boil 0.667, wobble 0.667, pop
// 0.750; with the painted change measured against the frames before the fault only: recall boil
// 0.571, wobble 0.714, pop 0.750, precision the same.)
constexpr double kHeldPrecision = 0.8, kHeldRecallPop = 0.7, kHeldRecallWobble = 0.6;

struct Tally {
    std::map<std::string, int> injected, found, raised, correct;
    int twins = 0, twin_flags = 0, invisible = 0;
};

// Draws, for every shot, its clean twin and then each of `faults` in turn, makes and scans them, and
// counts the flags of `kinds`.
Tally run_set(const std::vector<Stretch>& shots, uint32_t seed, const char* set, const std::vector<Fault>& faults,
              const std::vector<FlagKind>& kinds) {
    auto counted_kind = [&](FlagKind k) { return std::find(kinds.begin(), kinds.end(), k) != kinds.end(); };
    std::mt19937 rng(seed);
    std::vector<Case> cases;
    std::vector<size_t> twins;
    auto draw = [&](size_t s, Fault f) {
        const Stretch& sh = shots[s];
        FaultSpec spec;
        spec.source = (set_dir() / sh.clip).string();
        spec.start_s = sh.start_s;
        spec.frames = sh.frames;
        spec.fault = f;
        spec.w = static_cast<int>(kFaultWidth * std::uniform_real_distribution<double>(0.20, 0.35)(rng));
        spec.h = static_cast<int>(kFaultHeight * std::uniform_real_distribution<double>(0.20, 0.35)(rng));
        spec.x = std::uniform_int_distribution<int>(0, kFaultWidth - spec.w)(rng);
        spec.y = std::uniform_int_distribution<int>(0, kFaultHeight - spec.h)(rng);
        spec.length = std::uniform_int_distribution<int>(10, std::min(20, sh.frames - 30))(rng);
        spec.first = std::uniform_int_distribution<int>(15, sh.frames - spec.length - 15)(rng);
        spec.strength = std::uniform_real_distribution<double>(0.6, 1.0)(rng);
        spec.seed = rng();
        if (f == Fault::none) spec.w = spec.h = spec.length = 0;
        const std::string name = std::string("gen1_") + set + "_" + std::to_string(s) + "_" + to_string(f) + "_" + std::to_string(spec.first) + "_" +
                                 std::to_string(spec.length) + "_" + std::to_string(spec.x) + "_" + std::to_string(spec.y) + "_" +
                                 std::to_string(spec.w) + "_" + std::to_string(spec.h) + ".mp4";
        if (f == Fault::none) twins.push_back(cases.size());
        cases.push_back({spec, name, twins[s]});
    };
    for (size_t s = 0; s < shots.size(); ++s)
        for (Fault f : faults) draw(s, f);
    // Made and scanned two at a time (each scan is one decode thread and the flow).
    std::vector<std::future<reelsync::Result<ClipScan>>> scans;
    for (size_t i = 0; i < cases.size(); i += 2) {
        std::vector<std::future<reelsync::Result<ClipScan>>> pair;
        for (size_t k = i; k < std::min(cases.size(), i + 2); ++k)
            pair.push_back(std::async(std::launch::async, [&c = cases[k]] { return scan_clip(fault_clip(c.name, c.spec), {}, 1); }));
        for (auto& p : pair) scans.push_back(std::move(p));
        for (size_t k = scans.size() - pair.size(); k < scans.size(); ++k) scans[k].wait();
    }
    auto twin_of = [&](size_t i) { return fault_clip(cases[cases[i].twin].name, cases[cases[i].twin].spec); };
    Tally t;
    for (size_t i = 0; i < cases.size(); ++i) {
        auto scan = scans[i].get();
        const Case& c = cases[i];
        if (!scan) {
            ADD_FAILURE() << c.name << ": " << scan.error().message;
            continue;
        }
        const FaultSpec& s = c.spec;
        const bool twin = s.fault == Fault::none;
        t.twins += twin;
        const Region box{static_cast<float>(s.x) / kFaultWidth, static_cast<float>(s.y) / kFaultHeight,
                         static_cast<float>(s.x + s.w) / kFaultWidth, static_cast<float>(s.y + s.h) / kFaultHeight};
        double change = 0;
        const bool other = !twin && !counted_kind(kind_of(s.fault));  // a fault of a kind not counted here
        if (!twin && !other) {
            change = painted_change(fault_clip(c.name, s), twin_of(i), s);
            if (change < kVisible) {
                ++t.invisible;
                std::printf("  %s: painted change %.2f, not counted\n", c.name.c_str(), change);
            } else {
                ++t.injected[to_string(s.fault)];
            }
        }
        const bool counted = !twin && !other && change >= kVisible;
        bool hit = false;
        for (const Flag& f : scan->flags) {
            if (!counted_kind(f.kind)) continue;
            ++t.raised[to_string(f.kind)];
            const bool match = !twin && f.kind == kind_of(s.fault) && f.last_frame >= s.first - 1 && f.first_frame <= s.first + s.length + 1 &&
                               f.region && iou(*f.region, box) >= 0.3;
            if (match) {
                ++t.correct[to_string(f.kind)];
                hit = true;
            } else if (!twin && !other && !counted) {
                --t.raised[to_string(f.kind)];  // (a flag on an uncounted fault is neither right nor wrong)
            } else {
                t.twin_flags += twin;
                std::printf("  %s: extra %s %lld-%lld%s\n", c.name.c_str(), to_string(f.kind), static_cast<long long>(f.first_frame),
                            static_cast<long long>(f.last_frame), f.region ? "" : " (no region)");
            }
        }
        if (counted) {
            t.found[to_string(s.fault)] += hit;
            if (!hit) std::printf("  %s: missed (painted change %.2f)\n", c.name.c_str(), change);
        }
    }
    return t;
}

double recall(Tally& x, const char* k) { return x.injected[k] ? static_cast<double>(x.found[k]) / x.injected[k] : 0.0; }
double precision(Tally& x, const char* k) { return x.raised[k] ? static_cast<double>(x.correct[k]) / x.raised[k] : 1.0; }

void report(const char* set, Tally& t, const std::vector<FlagKind>& kinds) {
    for (FlagKind kind : kinds) {
        const char* k = to_string(kind);
        std::printf("%-5s %-7s injected %2d found %2d recall %.3f | flags %2d correct %2d precision %.3f\n", set, k, t.injected[k], t.found[k],
                    recall(t, k), t.raised[k], t.correct[k], precision(t, k));
    }
    std::printf("%-5s clean twins %d, flags on them %d; %d faults too faint to count\n", set, t.twins, t.twin_flags, t.invisible);
}

// One set of shots: scanned (run_set), its figures printed, its clean twins raising nothing.
Tally scan_set(const char* label, const std::vector<Stretch>& shots, uint32_t seed, const char* set, const std::vector<Fault>& faults,
               const std::vector<FlagKind>& kinds) {
    Tally t = run_set(shots, seed, set, faults, kinds);
    report(label, t, kinds);
    EXPECT_EQ(t.twin_flags, 0) << label << ": flags on the clean twins";
    return t;
}

// While thresholds are being set (REELSYNC_TUNING=1) a suite scans only its tuning set; CI counts
// the skip as a failure.
#define SKIP_HELD_OUT_WHILE_TUNING() \
    if (std::getenv("REELSYNC_TUNING")) GTEST_SKIP() << "tuning: the held-out set not scanned"

// The stretches of the later kinds' suites (morph, melt, drift): the boil/wobble/pop suite's
// tuning stretches (both of its draws) and its held-out ones.
const std::vector<Stretch> kTuneStretches = {{"vtest.avi", 5, 75},       {"vtest.avi", 20, 75},      {"vtest.avi", 35, 75},
                                             {"balle-jbart.mp4", 1, 75}, {"balle-jbart.mp4", 5, 75}, {"Megamind.avi", 0.25, 70},
                                             {"vtest.avi", 50, 75},      {"vtest.avi", 65, 75},      {"Megamind.avi", 8.4, 65},
                                             {"phone.mp4", 0.1, 40}};
const std::vector<Stretch> kHeldStretches = {{"vtest.avi", 42, 75}, {"vtest.avi", 72, 75}, {"Megamind.avi", 4.17, 50}, {"phone.mp4", 0.05, 40}};

}  // namespace

TEST(FaultSuite, BoilWobbleAndPopOnRealFootage) {
    if (!fs::exists(set_dir() / "vtest.avi")) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    // Tuning: two draws over these stretches (the second was at first held out, then looked at).
    const std::vector<Stretch> tune_a = {{"vtest.avi", 5, 75},       {"vtest.avi", 20, 75},      {"vtest.avi", 35, 75},
                                         {"balle-jbart.mp4", 1, 75}, {"balle-jbart.mp4", 5, 75}, {"Megamind.avi", 0.25, 70}};
    const std::vector<Stretch> tune_b = {{"vtest.avi", 50, 75}, {"vtest.avi", 65, 75}, {"Megamind.avi", 8.4, 65}, {"phone.mp4", 0.1, 40}};
    // Held out: other stretches and another draw, scanned once the thresholds were set.
    const std::vector<Stretch> held = {{"vtest.avi", 42, 75}, {"vtest.avi", 72, 75}, {"Megamind.avi", 4.17, 50}, {"phone.mp4", 0.05, 40}};
    const std::vector<Fault> faults = {Fault::none, Fault::boil, Fault::boil, Fault::wobble, Fault::wobble, Fault::pop, Fault::pop};
    const std::vector<FlagKind> kinds = {FlagKind::boil, FlagKind::wobble, FlagKind::pop};
    Tally t = run_set(tune_a, 11, "tune", faults, kinds);
    const Tally tb = run_set(tune_b, 23, "held", faults, kinds);  // (its clips keep their first name)
    for (auto [from, to] : {std::pair{&tb.injected, &t.injected}, {&tb.found, &t.found}, {&tb.raised, &t.raised}, {&tb.correct, &t.correct}})
        for (const auto& [k, v] : *from) (*to)[k] += v;
    t.twins += tb.twins;
    t.twin_flags += tb.twin_flags;
    t.invisible += tb.invisible;
    report("tune", t, kinds);
    // The clean twins raise nothing.
    EXPECT_EQ(t.twin_flags, 0);
    // Tuning set: pop as the issue asks (0.9); wobble and boil are not there yet (README), guarded
    // against getting worse.
    EXPECT_GE(recall(t, "pop"), 0.9);
    EXPECT_GE(precision(t, "pop"), 0.9);
    EXPECT_GE(recall(t, "wobble"), 0.7);
    EXPECT_GE(precision(t, "wobble"), 0.85);
    EXPECT_GE(recall(t, "boil"), 0.3);
    EXPECT_GE(precision(t, "boil"), 0.8);
    SKIP_HELD_OUT_WHILE_TUNING();
    Tally h = scan_set("held", held, 31, "held2", faults, kinds);
    // Held out: the figures the README quotes, guarded against getting worse.
    for (const char* k : {"pop", "wobble", "boil"}) EXPECT_GE(precision(h, k), kHeldPrecision) << k;
    EXPECT_GE(recall(h, "pop"), kHeldRecallPop);
    EXPECT_GE(recall(h, "wobble"), kHeldRecallWobble);
}

// Melt (the box's content sags and settles back) and morph (it dissolves into other content and
// stays), drawn afresh over the same stretches (other seeds): the tuning stretches for tuning, the
// held-out ones, scanned once the morph thresholds were set, for the figures to quote.
TEST(FaultSuite, MeltAndMorphOnRealFootage) {
    if (!fs::exists(set_dir() / "vtest.avi")) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    const std::vector<Fault> faults = {Fault::none, Fault::melt, Fault::melt, Fault::morph, Fault::morph};
    const std::vector<FlagKind> kinds = {FlagKind::melt, FlagKind::morph};
    Tally t = scan_set("tune", kTuneStretches, 41, "mmtune", faults, kinds);
    // Morph on the tuning set as the issue asks (0.9). Melt, tuned here for precision first (a
    // flag on a clean shot or a morph counts against it): recall 0.529, precision 1.000 (below the
    // issue's 0.9 recall: README), as floors.
    EXPECT_GE(recall(t, "morph"), 0.9);
    EXPECT_GE(precision(t, "morph"), 0.9);
    EXPECT_GE(recall(t, "melt"), 0.5);
    EXPECT_GE(precision(t, "melt"), 0.9);
    SKIP_HELD_OUT_WHILE_TUNING();
    Tally h = scan_set("held", kHeldStretches, 59, "mmheld", faults, kinds);
    // Held out: morph's first scan (recall 0.750, precision 0.857) and melt's (0.250, 1.000: 2 of
    // 8 found, none wrong), as floors.
    EXPECT_GE(recall(h, "morph"), 0.7);
    EXPECT_GE(precision(h, "morph"), 0.8);
    EXPECT_GE(recall(h, "melt"), 0.2);
    EXPECT_GE(precision(h, "melt"), 0.8);
}

// Drift (the box's colour and brightness slide away over the span and stay), beside morphs (which
// change the box's colour too, by changing what is drawn there: not a drift): the tuning stretches
// for tuning, the held-out ones, scanned once the drift thresholds were set, for the figures to quote.
TEST(FaultSuite, DriftOnRealFootage) {
    if (!fs::exists(set_dir() / "vtest.avi")) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    const std::vector<Fault> faults = {Fault::none, Fault::drift, Fault::drift, Fault::morph};
    const std::vector<FlagKind> kinds = {FlagKind::drift};
    Tally t = scan_set("tune", kTuneStretches, 73, "dtune", faults, kinds);
    // Tuning set: recall 0.800, precision 0.941 (below the 0.9 recall: README).
    EXPECT_GE(recall(t, "drift"), 0.8);
    EXPECT_GE(precision(t, "drift"), 0.9);
    SKIP_HELD_OUT_WHILE_TUNING();
    Tally h = scan_set("held", kHeldStretches, 89, "dheld", faults, kinds);
    // Held out: its scan with the median-pixel rule as tuned (recall 0.875, precision 0.875), as floors.
    EXPECT_GE(recall(h, "drift"), 0.8);
    EXPECT_GE(precision(h, "drift"), 0.8);
}
