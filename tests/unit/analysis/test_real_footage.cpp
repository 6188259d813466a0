// The artifact flags on real footage (scripts/real-footage.sh: real camera shots and real
// productions from Debian packages). Each clip's manifest line says what a scan must report there,
// checked by eye frame by frame: nothing on clean shots, the hard cuts of a clip as cuts at their
// frames, and what the file really has (a timestamp gap, repeated frames). Clips marked "watch"
// are scanned and their flags printed, not judged. "tune" clips were looked at while the detectors
// were tuned; "held" ones were scanned once midway (their cuts checked by eye), never tuned on.
// Outside CI a missing set is a skip; in CI a failure.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "analysis/artifacts.h"

using namespace reelsync::analysis;
namespace fs = std::filesystem;

namespace {

struct Clip {
    std::string name, split, role, package, truth, what;
};

fs::path set_dir() { return fs::path(REELSYNC_TEST_MEDIA_DIR).parent_path() / "real-footage"; }

std::vector<Clip> load_manifest() {
    std::vector<Clip> out;
    std::ifstream man(set_dir() / "manifest.tsv");
    std::string line;
    while (std::getline(man, line)) {
        std::istringstream in(line);
        Clip c;
        std::getline(in, c.name, '\t');
        std::getline(in, c.split, '\t');
        std::getline(in, c.role, '\t');
        std::getline(in, c.package, '\t');
        std::getline(in, c.truth, '\t');
        std::getline(in, c.what, '\t');
        out.push_back(c);
    }
    return out;
}

// "black 0; cut 98" -> {kind, frame}; "cadence" -> {kind, -1} (anywhere).
std::vector<std::pair<FlagKind, int64_t>> truth_of(const Clip& c) {
    std::vector<std::pair<FlagKind, int64_t>> out;
    if (c.truth == "-") return out;
    std::istringstream in(c.truth);
    std::string item;
    while (std::getline(in, item, ';')) {
        std::istringstream words(item);
        std::string kind;
        int64_t frame = -1;
        words >> kind >> frame;
        auto k = flag_kind_from_string(kind);
        EXPECT_TRUE(k) << c.name << ": unknown kind in the manifest: " << kind;
        if (k) out.emplace_back(*k, frame);
    }
    return out;
}

}  // namespace

TEST(RealFootage, CleanShotsQuietCutsFoundFactsReported) {
    const auto clips = load_manifest();
    if (clips.empty()) {
        if (std::getenv("CI")) FAIL() << "the real-footage set is missing: scripts/real-footage.sh gathers it";
        GTEST_SKIP() << "the real-footage set is missing: run scripts/real-footage.sh";
    }
    struct Tally {
        double seconds = 0;
        int false_flags = 0, truths = 0, found = 0;
    };
    std::map<std::string, Tally> by_split;
    for (const Clip& c : clips) {
        auto scan = scan_clip((set_dir() / c.name).string());
        ASSERT_TRUE(scan) << scan.error().message;
        const double seconds = scan->fps > 0 ? static_cast<double>(scan->frames) / scan->fps : 0;
        std::printf("%-28s %-5s %-6s %6.1f s  %zu flags", c.name.c_str(), c.split.c_str(), c.role.c_str(), seconds, scan->flags.size());
        if (c.role == "watch") {
            std::map<std::string, int> kinds;
            for (const Flag& f : scan->flags) ++kinds[to_string(f.kind)];
            for (const auto& [k, n] : kinds) std::printf("  %s %d", k.c_str(), n);
            std::printf("  (%s)\n", c.what.c_str());
            continue;
        }
        std::printf("\n");
        Tally& t = by_split[c.split];
        t.seconds += seconds;
        const auto truth = truth_of(c);
        std::vector<bool> hit(truth.size(), false);
        for (const Flag& f : scan->flags) {
            bool matched = false;
            for (size_t i = 0; i < truth.size(); ++i) {
                const auto& [kind, frame] = truth[i];
                if (f.kind == kind && (frame < 0 || (f.first_frame <= frame + 1 && f.last_frame >= frame - 1))) {
                    matched = true;
                    hit[i] = true;
                }
            }
            if (!matched) {
                ++t.false_flags;
                ADD_FAILURE() << c.name << " (" << c.role << ", " << c.split << "): a flag where there is none: " << to_string(f.kind) << " "
                              << f.first_frame << "-" << f.last_frame;
            }
        }
        for (size_t i = 0; i < truth.size(); ++i) {
            ++t.truths;
            t.found += hit[i];
            EXPECT_TRUE(hit[i]) << c.name << ": missed " << to_string(truth[i].first) << " at " << truth[i].second;
        }
    }
    for (const auto& [split, t] : by_split)
        std::printf("%s: %.1f min judged, %d false flags, %d of %d true events found\n", split.c_str(), t.seconds / 60, t.false_flags, t.found,
                    t.truths);
}
