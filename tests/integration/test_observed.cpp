// Sync judged from outside the player: an observer in this test process (tests/support/observer.h)
// grabs the X screen about every millisecond and records the player's JACK output ports, both on
// the JACK clock. What the player says it did (its stats) plays no part in these verdicts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>

#include <nlohmann/json.hpp>

#include "support/media_gen.h"
#include "support/observer.h"

namespace fs = std::filesystem;
using namespace reelsync::testing;

namespace {

// The window is 640x360 at the screen's top-left (no window manager); a 4:3 clip fills x 80-560.
// The watched square sits inside the picture, clear of the info panel and the scrub bar.
constexpr int kWinW = 640, kWinH = 360;
ObserverOptions picture_square() {
    ObserverOptions o;
    o.x = 470;
    o.y = 200;
    o.width = 32;
    o.height = 32;
    return o;
}

bool have_services(std::string* why) {
    if (!std::getenv("DISPLAY")) {
        *why = "no display";
        return false;
    }
    return true;
}

}  // namespace

// A clip with a white flash and a click once a second, played in a window on the audio clock:
// each flash reaches the screen within one frame interval of its click reaching the output, the
// offsets spread by less than half a frame interval, and each agrees within 3 ms with when the
// player says it showed that frame (its stats: the clock at the present, against the frame's
// time), so the player knows when its picture and its sound arrive. The clip's first frame is on
// screen before the clock starts (as a paused player shows its frame), so the click at 0 is left out.
TEST(Observed, EachFlashReachesTheScreenWithItsClick) {
    std::string why;
    if (!have_services(&why)) GTEST_SKIP() << why;
    const std::string clip = flash_click_clip();
    const std::string stats = media_dir() + "/observed_flash.jsonl";
    auto obs = Observer::start(picture_square());
    ASSERT_TRUE(obs) << obs.error();
    std::string out;
    auto player = std::async(std::launch::async, [&] {
        return run_command("timeout 60 '" + reelsync_binary() + "' play '" + clip + "' --no-analysis --width " + std::to_string(kWinW) +
                               " --height " + std::to_string(kWinH) + " --duration 8 --stats '" + stats + "'",
                           &out);
    });
    const int rc = player.get();
    Observation o = (*obs)->stop();
    ASSERT_EQ(rc, 0) << out;
    ASSERT_NE(out.find("clock: audio"), std::string::npos) << out;
    ASSERT_FALSE(o.ports.empty()) << "the player's output ports were never seen";

    const FlashClick fc = flash_click(o);
    std::printf("observer: %zu grabs, every %.2f ms (max %.2f), %zu screen changes, %zu flashes, %zu clicks, ports:", o.grabs,
                o.grab_interval_ms_median, o.grab_interval_ms_max, o.screen.size(), fc.flashes.size(), fc.clicks.size());
    for (const std::string& p : o.ports) std::printf(" %s", p.c_str());
    std::printf(" (playback latency %.2f ms)\n", o.latency_s * 1e3);
    ASSERT_GE(fc.clicks.size(), 7u);
    EXPECT_EQ(fc.unmatched_clicks, 0u) << "a click with no flash within half a second (a flash frame not shown)";
    ASSERT_EQ(fc.offsets.size() + fc.unmatched_clicks, fc.clicks.size());

    // What the player says: for flash frame 30k, the clock when it was presented less its time.
    std::map<int64_t, double> claimed;
    {
        std::ifstream f(stats);
        std::string line;
        while (std::getline(f, line)) {
            const auto j = nlohmann::json::parse(line);
            if (j.contains("frame") && j["frame"].get<int64_t>() % 30 == 0)
                claimed[j["frame"].get<int64_t>() / 30] = j["t_audio"].get<double>() - j["pts"].get<double>();
        }
    }
    std::vector<double> offsets;
    std::printf("flash - click (ms), observed / the player's own figure:");
    for (size_t k = 1; k < fc.offsets.size(); ++k) {  // k: the click at k seconds
        offsets.push_back(fc.offsets[k]);
        const double own = claimed.count(static_cast<int64_t>(k)) ? claimed[static_cast<int64_t>(k)] : std::nan("");
        std::printf(" %+.1f/%+.1f", fc.offsets[k] * 1e3, own * 1e3);
        EXPECT_LT(std::fabs(fc.offsets[k]), 1.0 / 30.0) << "flash " << k << " more than a frame interval from its click";
        EXPECT_LT(std::fabs(fc.offsets[k] - own), 0.003) << "flash " << k << ": the player's figure differs from what reached the outputs";
    }
    std::printf("\n");
    const auto [lo, hi] = std::minmax_element(offsets.begin(), offsets.end());
    ASSERT_NE(lo, offsets.end());
    EXPECT_LT(*hi - *lo, 0.5 / 30.0) << "flash-to-click offsets spread by half a frame interval or more";
}
