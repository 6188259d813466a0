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
#include <thread>

#include <nlohmann/json.hpp>

#include "project/edit.h"
#include "project/project.h"
#include "support/machine_load.h"
#include "support/media_gen.h"
#include "support/stats_file.h"
#include "support/observer.h"
#include "support/tone.h"

namespace fs = std::filesystem;
using namespace reelsync::testing;

namespace {

// The window is 640x360 at the screen's top-left (no window manager); a 4:3 clip fills x 80-560.
// The watched square sits inside the picture, clear of the info panel and the scrub bar.
constexpr int kWinW = 640, kWinH = 360;
ObserverOptions region(int x, int y, int width, int height) {
    ObserverOptions o;
    o.x = x;
    o.y = y;
    o.width = width;
    o.height = height;
    return o;
}
ObserverOptions picture_square() { return region(470, 200, 32, 32); }

bool have_services(std::string* why) {
    if (!std::getenv("DISPLAY")) {
        *why = "no display";
        return false;
    }
    std::string out;
    if (run_command("jack_lsp", &out) != 0) {
        *why = "no JACK server";
        return false;
    }
    return true;
}

// Plays `clip` paused in the window the observer watches (no scan, for `seconds` at most); returns
// once its first picture is on screen and its output ports are being recorded (false if they
// never were). `out` gets the player's output when the returned future is ready. The clips played
// this way open on a grey or a white frame: the picture is on screen when the watched region's
// mean luma reaches 40 (the window's first change may be its empty frame, drawn before the first
// picture is decoded).
std::future<int> play_paused(Observer& obs, const std::string& clip, int seconds, std::string* out, bool* up) {
    auto player = std::async(std::launch::async, [clip, seconds, out] {
        return run_command("timeout 60 '" + reelsync_binary() + "' play '" + clip + "' --paused --no-analysis --width " + std::to_string(kWinW) +
                               " --height " + std::to_string(kWinH) + " --duration " + std::to_string(seconds),
                           out);
    });
    *up = obs.wait_changes(1, 20.0) >= 1;  // the window
    for (int i = 0; *up && mean_luma(obs.change(obs.change_count() - 1).bgra) < 40; ++i) {  // the paused frame
        *up = i < 2000;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (int i = 0; *up && obs.ports_connected() == 0; ++i) {
        *up = i < 1000;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return player;
}

}  // namespace

// A clip with a white flash and a click once a second, played in a window on the audio clock:
// each flash reaches the screen within one frame interval of its click reaching the output, and
// the offsets spread by less than half a frame interval. Each offset is printed beside the
// player's own figure for that frame (its stats: the clock at the present less the frame's time),
// and the two must agree within 3 ms (median): the player knows when its picture and sound reach
// the outputs. (On ALSA's "jack" device, the default, the picture was ~12 ms earlier than the
// player believed until the JACK path after that device was added to its latency.) The clip's
// first frame is on screen before the clock starts (as a paused player shows its frame), so the
// click at 0 is left out.
TEST(Observed, EachFlashReachesTheScreenWithItsClick) {
    std::string why;
    if (!have_services(&why)) GTEST_SKIP() << why;
    const std::string clip = flash_click_clip();
    const std::string stats = media_dir() + "/observed_flash.jsonl";
    // Two runs at most: every flash must be within a frame interval of its click in every run; the
    // spread must stay under half a frame interval in at least one (ALSA's "jack" device has been
    // seen to drift 25 ms within one run on this machine, the player not noticing: printed).
    double misjudged_best = 1.0;
    auto spread_of_run = [&](int run) -> double {
        auto obs = Observer::start(picture_square());
        EXPECT_TRUE(obs) << obs.error();
        if (!obs) return 1.0;
        std::string out;
        // 8.5 s, not 8: a run that ends on a click's instant sends that click's first samples to
        // the output (sound runs ahead by the output's latency) but not its flash frame, which
        // starts at the end.
        const LoadMeter meter;
        auto player = std::async(std::launch::async, [&] {
            return run_command("timeout 60 '" + reelsync_binary() + "' play '" + clip + "' --no-analysis --width " + std::to_string(kWinW) +
                                   " --height " + std::to_string(kWinH) + " --duration 8.5 --stats '" + stats + "'",
                               &out);
        });
        const int rc = player.get();
        Observation o = (*obs)->stop();
        std::printf("run %d: %s\n", run, meter.read().describe().c_str());
        EXPECT_EQ(rc, 0) << out;
        EXPECT_NE(out.find("clock: audio"), std::string::npos) << out;
        EXPECT_FALSE(o.ports.empty()) << "the player's output ports were never seen";
        const FlashClick fc = flash_click(o);
        std::printf("run %d: %zu grabs, every %.2f ms (max %.2f), %zu screen changes, %zu flashes, %zu clicks, ports:", run, o.grabs,
                    o.grab_interval_ms_median, o.grab_interval_ms_max, o.screen.size(), fc.flashes.size(), fc.clicks.size());
        for (const std::string& p : o.ports) std::printf(" %s", p.c_str());
        std::printf(" (playback latency %.2f ms)\n", o.latency_s * 1e3);
        EXPECT_GE(fc.clicks.size(), 7u);
        EXPECT_EQ(fc.unmatched_clicks, 0u) << "a click with no flash within half a second (a flash frame not shown)";
        // What the player says: for flash frame 30k, the clock when it was presented less its time.
        std::map<int64_t, double> claimed;
        for (const auto& j : read_stats(stats).presents)
            if (j["frame"].get<int64_t>() % 30 == 0) claimed[j["frame"].get<int64_t>() / 30] = j["t_audio"].get<double>() - j["pts"].get<double>();
        std::vector<double> offsets, misjudged;
        std::printf("run %d: flash - click (ms), observed / the player's own figure:", run);
        for (size_t k = 1; k < fc.offsets.size(); ++k) {  // k: the click at k seconds
            if (std::isnan(fc.offsets[k])) continue;  // counted as unmatched above
            offsets.push_back(fc.offsets[k]);
            const double own = claimed.count(static_cast<int64_t>(k)) ? claimed[static_cast<int64_t>(k)] : std::nan("");
            std::printf(" %+.1f/%+.1f", fc.offsets[k] * 1e3, own * 1e3);
            if (!std::isnan(own)) misjudged.push_back(std::fabs(fc.offsets[k] - own));
            EXPECT_LT(std::fabs(fc.offsets[k]), 1.0 / 30.0) << "run " << run << ": flash " << k << " more than a frame interval from its click";
        }
        std::printf("\n");
        // How far the player's own figure is from the observed one (median over the flashes).
        EXPECT_GE(misjudged.size(), 6u);
        if (misjudged.size() >= 6) {
            std::nth_element(misjudged.begin(), misjudged.begin() + static_cast<ptrdiff_t>(misjudged.size() / 2), misjudged.end());
            misjudged_best = std::min(misjudged_best, misjudged[misjudged.size() / 2]);
            std::printf("run %d: the player's own figure off the observed one by %.1f ms (median)\n", run, misjudged[misjudged.size() / 2] * 1e3);
        }
        if (offsets.size() < 6) return 1.0;
        const auto [lo, hi] = std::minmax_element(offsets.begin(), offsets.end());
        return *hi - *lo;
    };
    double best = 1.0;
    for (int run = 0; run < 2 && (best >= 0.5 / 30.0 || misjudged_best >= 0.003) && !HasFatalFailure(); ++run)
        best = std::min(best, spread_of_run(run));
    EXPECT_LT(best, 0.5 / 30.0) << "flash-to-click offsets spread by half a frame interval or more in every run";
    // The player knows when its picture and its sound reach the outputs: its own figure is the
    // observed one within 3 ms, in one of the two runs at least (the dummy JACK server's timing
    // has been seen to shift by several ms within a run on a busy machine; a latency the player
    // gets wrong is wrong in every run: 16 ms on ALSA's jack device before its JACK path was counted).
    EXPECT_LT(misjudged_best, 0.003) << "the player misjudges its own A/V offset in every run";
}

namespace {

// The watched strip over the top of the picture, where indexed clips draw their frame number:
// a 320x240 clip shown 480x360 at x 80 (the info panel hidden with Tab); row 20 of the strip is
// inside the 60-row band.
ObserverOptions index_strip() { return region(80, 0, 480, 41); }

struct Seen {
    double t;
    int64_t frame;
};
// The song's clock on the observer's, from clicks one song second apart: click j reached the
// output at zero[g] + second * j, where g counts the JACK graph's hiccups (a server xrun, a cycle
// the recorder missed) before it. ALSA's jack device can hand the player's sound over a period
// later after one (the player's picture is then early by that much, far under a frame); every
// step must sit at a hiccup and be at most one period a hiccup (plus 1 ms), and the clicks
// between two hiccups must lie on one line.
struct ClickFit {
    double second = 1;
    std::vector<double> zero;      // one per stretch between hiccups that holds clicks
    std::vector<double> from;      // observer time each stretch starts (the first: -inf)
    std::vector<int> hiccups;      // hiccups before each stretch's start since the last stretch
    double spread_ms = 0;          // largest minus smallest click offset from its stretch's line
    double song_to_observer(double song_t) const {
        double approx = zero.front() + second * song_t;
        size_t g = 0;
        while (g + 1 < from.size() && from[g + 1] <= approx) ++g;
        return zero[g] + second * song_t;
    }
};
ClickFit fit_clicks(const Observation& o, const std::vector<double>& clicks, bool steps) {
    std::vector<double> events;
    if (steps) {
        for (size_t x : o.xruns) events.push_back(o.time_of(static_cast<double>(x)));
        for (auto [a, b] : o.unrecorded) events.push_back(o.time_of(static_cast<double>(a)));
        std::sort(events.begin(), events.end());
    }
    // Each click's stretch (hiccups before it); a click within 30 ms of a hiccup is left out.
    std::vector<int> stretch(clicks.size(), -1);
    for (size_t j = 0; j < clicks.size(); ++j) {
        bool near = false;
        int before = 0;
        for (double e : events) {
            near = near || std::fabs(e - clicks[j]) < 0.03;
            before += e < clicks[j] ? 1 : 0;
        }
        if (!near) stretch[j] = before;
    }
    std::vector<int> kept;  // distinct stretches with clicks, in order
    for (int s : stretch)
        if (s >= 0 && (kept.empty() || kept.back() != s)) kept.push_back(s);
    ClickFit f;
    const size_t n = kept.size();
    std::vector<double> sj(n, 0), sc(n, 0), cnt(n, 0);
    auto group = [&](int s) { return static_cast<size_t>(std::find(kept.begin(), kept.end(), s) - kept.begin()); };
    for (size_t j = 0; j < clicks.size(); ++j)
        if (stretch[j] >= 0) {
            const size_t g = group(stretch[j]);
            sj[g] += static_cast<double>(j), sc[g] += clicks[j], cnt[g] += 1;
        }
    double num = 0, den = 0;
    for (size_t j = 0; j < clicks.size(); ++j)
        if (stretch[j] >= 0) {
            const size_t g = group(stretch[j]);
            const double dj = static_cast<double>(j) - sj[g] / cnt[g];
            num += dj * (clicks[j] - sc[g] / cnt[g]), den += dj * dj;
        }
    f.second = den > 0 ? num / den : 1.0;
    for (size_t g = 0; g < n; ++g) {
        f.zero.push_back((sc[g] - f.second * sj[g]) / cnt[g]);
        f.from.push_back(g == 0 ? -1e300 : events[static_cast<size_t>(kept[g]) - 1]);
        f.hiccups.push_back(g == 0 ? 0 : kept[g] - kept[g - 1]);
    }
    double lo = 1e300, hi = -1e300;
    for (size_t j = 0; j < clicks.size(); ++j)
        if (stretch[j] >= 0) {
            const double r = clicks[j] - f.zero[group(stretch[j])] - f.second * static_cast<double>(j);
            lo = std::min(lo, r), hi = std::max(hi, r);
        }
    f.spread_ms = (hi - lo) * 1e3;
    return f;
}

std::vector<Seen> frames_seen(const Observation& o) {
    std::vector<Seen> out;
    for (const ScreenChange& c : o.screen) {
        const int64_t f = read_index_rgba(c.bgra, static_cast<uint32_t>(o.width), static_cast<uint32_t>(o.height));
        if (out.empty() || out.back().frame != f) out.push_back({c.t, f});
    }
    return out;
}

}  // namespace

// The click fit itself, on made-up clicks: a step of one period where the server reported an
// xrun is the graph's, and the clicks still fit; the same step with no hiccup near it is not.
TEST(Observed, TheClickFitAllowsAStepOfAPeriodOnlyAtAHiccup) {
    Observation o;
    o.rate = 48000;
    o.sound_start = 10.0;
    o.sound.assign(static_cast<size_t>(12 * o.rate), 0.0f);
    const double period = 256.0 / 48000.0;
    std::vector<double> clicks;
    for (int j = 0; j < 10; ++j) clicks.push_back(10.5 + 0.9995 * j + (j >= 6 ? period : 0.0) + (j % 2 ? 0.0002 : 0.0));
    const ClickFit plain = fit_clicks(o, clicks, true);  // no hiccup reported: one line
    EXPECT_GT(plain.spread_ms, 2.0);
    EXPECT_EQ(plain.zero.size(), 1u);
    o.xruns.push_back(static_cast<size_t>(5.7 * o.rate));  // an xrun between click 5 and click 6
    const ClickFit stepped = fit_clicks(o, clicks, true);
    ASSERT_EQ(stepped.zero.size(), 2u);
    EXPECT_LT(stepped.spread_ms, 0.3);
    EXPECT_NEAR(stepped.second, 0.9995, 5e-5);  // (the 0.2 ms jitter tilts it a little)
    EXPECT_NEAR((stepped.zero[1] - stepped.zero[0]) * 1e3, period * 1e3, 0.2);
    EXPECT_EQ(stepped.hiccups[1], 1);
    EXPECT_NEAR(stepped.song_to_observer(3.0), 10.5 + 0.9995 * 3, 0.0005);
    EXPECT_NEAR(stepped.song_to_observer(8.0), 10.5 + 0.9995 * 8 + period, 0.0005);
    const ClickFit ignored = fit_clicks(o, clicks, false);  // hiccups not asked for
    EXPECT_GT(ignored.spread_ms, 2.0);
}

// Whether a run is judged as one with a hiccup (and may be run again): an xrun or the start of a
// stretch the recorder missed counts only inside the span asked about, in the observer's seconds.
TEST(Observed, AHiccupCountsOnlyInsideTheSpanAsked) {
    Observation o;
    o.rate = 48000;
    o.sound_start = 10.0;
    o.sound.assign(static_cast<size_t>(12 * o.rate), 0.0f);
    EXPECT_FALSE(o.hiccup_between(10.0, 22.0));
    o.xruns.push_back(static_cast<size_t>(5.7 * o.rate));  // at 15.7 s
    EXPECT_TRUE(o.hiccup_between(15.0, 16.0));
    EXPECT_FALSE(o.hiccup_between(16.0, 22.0));
    EXPECT_FALSE(o.hiccup_between(10.0, 15.6));
    o.unrecorded.emplace_back(static_cast<size_t>(9.0 * o.rate), static_cast<size_t>(9.1 * o.rate));  // from 19.0 s
    EXPECT_TRUE(o.hiccup_between(16.0, 22.0));
    EXPECT_FALSE(o.hiccup_between(19.05, 22.0));  // the missed stretch began before the span
}

// A played edit of six shots (one 30 fps indexed clip, other in and out points each), against a
// song that clicks every second. The clicks tie the song's time to the observer's clock; then
// each cut's in-frame must reach the screen at the cut's instant (within a frame interval of it),
// straight after the outgoing shot's out-frame, with no other picture (black, a stale frame)
// between.
TEST(Observed, EachCutsInFrameIsOnScreenAtTheCutInstant) {
    std::string why;
    if (!have_services(&why)) GTEST_SKIP() << why;
    const std::string clip = indexed_clip({"observed_edit_30.mp4", "-c:v libx264 -g 30", "30", 300, 320, 240});
    const std::string song = generate("observed_click_song.wav", "-f lavfi -i \"aevalsrc='if(lt(mod(t\\,1)\\,0.002)\\,0.9\\,0)':s=48000:d=12\" -ac 2");
    const fs::path dir = fs::path(media_dir()) / "projects" / "observed edit";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const int shots = 6;
    for (int k = 0; k < shots; ++k) fs::copy_file(clip, dir / ("shot_" + std::to_string(k) + ".mp4"));
    {
        auto p = reelsync::project::Project::open(dir);
        ASSERT_TRUE(p) << p.error().message;
        ASSERT_EQ(p->clips().size(), static_cast<size_t>(shots));
        for (int k = 0; k < shots; ++k) {
            const int64_t id = p->clips()[static_cast<size_t>(k)].id;
            ASSERT_TRUE(p->set_status(id, reelsync::project::Status::approved));
            ASSERT_TRUE(p->set_in(id, 5 + 40 * k));
            ASSERT_TRUE(p->set_out(id, 5 + 40 * k + 16 + 4 * k));
        }
    }
    auto p = reelsync::project::Project::open(dir);
    ASSERT_TRUE(p);
    auto edit = reelsync::project::build_edit(*p);
    ASSERT_TRUE(edit) << edit.error().message;
    ASSERT_EQ(edit->shots.size(), static_cast<size_t>(shots));

    const double length = edit->length().to_double();
    // Three runs at most. A run is judged whole; a run that fails is run again only where the
    // JACK graph hiccuped (a server xrun reported during the run, a cycle the recorder missed
    // during the edit: the player's sound can come a period later from there on, ALSA's jack
    // device not telling it), and the
    // last run's faults stand. Where a run hiccuped, the clicks are fitted with a step at each
    // hiccup (ClickFit), at most a period (plus 1 ms) a hiccup. Seen: 2 of 11 runs here with one
    // hiccup each, both runs of one CI run on a busy machine; printed.
    const double period = 256.0 / 48000.0;  // the test server's period (scripts/services.sh)
    std::vector<std::string> faults;
    bool disturbed = false;
    for (int run = 0; run < 3; ++run) {
        faults.clear();
        auto fault = [&](const std::string& what) { faults.push_back("run " + std::to_string(run) + ": " + what); };
        auto obs = Observer::start(index_strip());
        ASSERT_TRUE(obs) << obs.error();
        std::string out;
        const LoadMeter meter;
        auto player = std::async(std::launch::async, [&] {
            return run_command("timeout 60 '" + reelsync_binary() + "' play '" + dir.string() + "' --edit --audio '" + song +
                                   "' --no-analysis --width " + std::to_string(kWinW) + " --height " + std::to_string(kWinH) +
                                   " --keys 0:tab --duration " + std::to_string(length + 2.5),
                               &out);
        });
        // (--duration counts from the window's first loop: on a busy machine the song was seen to
        // start 1.1 s after it, so the edit's end needs the margin.)
        const int rc = player.get();
        const Observation o = (*obs)->stop();
        std::printf("run %d: %s\n", run, meter.read().describe().c_str());
        ASSERT_EQ(rc, 0) << out;
        ASSERT_NE(out.find("clock: audio"), std::string::npos) << out;
        // Click j (j s into the song) reached the output at clicks[j]. The output's clock may run
        // a little off the observer's (a JACK dummy backend on a slow machine was seen at
        // 0.99-0.996x): the song's seconds are fitted as a line over the clicks.
        const std::vector<double> clicks = sound_onsets(o, 0.3f, 0.5);
        ASSERT_GE(clicks.size(), static_cast<size_t>(length)) << out;
        // (Any xrun the server reported while the run was recorded counts: it is reported from
        // JACK's notification thread, whose timing on a busy machine is not the cycle's; one CI
        // run saw 4 reported, none inside the edit, and its clicks up to 12.5 ms off one line.
        // A run judged again must still pass every check.)
        disturbed = o.hiccup_between(clicks.front() - 0.5, clicks.back() + 1.5) || !o.xruns.empty();
        ClickFit fit = fit_clicks(o, clicks, false);
        std::printf("run %d: a song second lasts %.5f s at the output; clicks off that line by %.2f ms at most apart; the recorder missed "
                    "%zu JACK cycles, the server reported %zu xruns%s\n",
                    run, fit.second, fit.spread_ms, o.unrecorded.size(), o.xruns.size(), disturbed ? " (the run hiccuped)" : "");
        if (fit.spread_ms >= 2.0 && disturbed) {
            fit = fit_clicks(o, clicks, true);
            std::printf("run %d: with a step at each hiccup, clicks off their lines by %.2f ms at most apart; steps (ms):", run, fit.spread_ms);
            for (size_t g = 1; g < fit.zero.size(); ++g) std::printf(" %+.2f (%d hiccups)", (fit.zero[g] - fit.zero[g - 1]) * 1e3, fit.hiccups[g]);
            std::printf("\n");
        }
        if (fit.spread_ms >= 2.0) fault("the clicks are not evenly spaced at the output");
        for (size_t g = 1; g < fit.zero.size(); ++g)
            if (std::fabs(fit.zero[g] - fit.zero[g - 1]) > fit.hiccups[g] * period + 0.001)
                fault("the sound stepped by more than the JACK graph's hiccups explain");
        if (std::fabs(fit.second - 1.0) > 0.02) fault("the song does not reach the output at its own speed");
        const double song_zero = fit.zero.front(), song_second = fit.second;

        const std::vector<Seen> seen = frames_seen(o);
        std::printf("observer: %zu grabs every %.2f ms, %zu pictures seen\n", o.grabs, o.grab_interval_ms_median, seen.size());
        std::printf("cut: in-frame on screen - cut instant (ms):");
        for (int k = 1; k < shots; ++k) {
            const auto& in_shot = edit->shots[static_cast<size_t>(k)];
            const auto& out_shot = edit->shots[static_cast<size_t>(k - 1)];
            const double cut = fit.song_to_observer(edit->start_of(static_cast<size_t>(k)).to_double());
            auto it = std::find_if(seen.begin(), seen.end(), [&](const Seen& sn) { return sn.frame == in_shot.in && sn.t > cut - 0.5; });
            if (it == seen.end() || it == seen.begin()) {
                fault("cut " + std::to_string(k) + ": in-frame " + std::to_string(in_shot.in) + " never on screen after the out-frame");
                continue;
            }
            const double delta = it->t - cut;
            std::printf(" %+.1f", delta * 1e3);
            if (std::prev(it)->frame != out_shot.out)
                fault("cut " + std::to_string(k) + ": the picture before the in-frame is frame " + std::to_string(std::prev(it)->frame) +
                      ", not the out-frame " + std::to_string(out_shot.out));
            if (std::fabs(delta) >= 1.0 / 30.0)
                fault("cut " + std::to_string(k) + ": in-frame " + std::to_string(delta * 1e3) + " ms from the cut instant (a frame interval or more)");
        }
        std::printf("\n");
        // Nothing but the edit's frames from 0.2 s (the info panel, hidden by the Tab at 0, covers
        // the strip for the first frames) to the edit's end: no black, no foreign picture.
        for (auto it = seen.begin(); it != seen.end(); ++it) {
            const double song_t = (it->t - song_zero) / song_second;
            if (song_t < 0.2 || song_t >= length) continue;
            bool in_edit = false;
            for (const auto& sh : edit->shots) in_edit = in_edit || (it->frame >= sh.in && it->frame <= sh.out);
            if (!in_edit)
                fault("picture " + std::to_string(it - seen.begin()) + " (frame number " + std::to_string(it->frame) + ") at " +
                      std::to_string(song_t) + " s is not a frame of the edit (the edit ends at " + std::to_string(length) + " s)");
        }
        for (const std::string& f : faults) std::printf("%s\n", f.c_str());
        if (faults.empty() || !disturbed) break;
    }
    for (const std::string& f : faults) ADD_FAILURE() << f << (disturbed ? " (the JACK graph hiccuped during every run)" : "");
}

// Live marks pressed from outside: the observer presses I and O (XTest) in the window while the
// clip plays (a project clip opened in the viewer plays at once), each about 12 ms after a new frame reached the screen; the marks saved in the
// project are the frames the observer saw on screen when each key went down.
TEST(Observed, LiveMarksAreTheFramesOnScreenWhenTheKeyWentDown) {
    std::string why;
    if (!have_services(&why)) GTEST_SKIP() << why;
    const std::string clip = indexed_clip({"marks_30.mp4", "-c:v libx264 -g 30", "30", 150, 320, 240});
    const fs::path dir = fs::path(media_dir()) / "projects" / "observed marks";
    for (int run = 0; run < 2; ++run) {
        fs::remove_all(dir);
        fs::create_directories(dir);
        fs::copy_file(clip, dir / "take.mp4");
        auto obs = Observer::start(index_strip());
        ASSERT_TRUE(obs) << obs.error();
        std::string out;
        auto player = std::async(std::launch::async, [&] {
            return run_command("timeout 60 '" + reelsync_binary() + "' open '" + dir.string() + "' --clip take.mp4 --no-analysis --width " +
                                   std::to_string(kWinW) + " --height " + std::to_string(kWinH) + " --keys 0:tab --duration 4",
                               &out);
        });
        // Each key ~12 ms after a picture change, at about 1 s and 2.2 s (run 0) or 0.6 s and 2.9 s.
        const double at[2][2] = {{1.0, 2.2}, {0.6, 2.9}};
        int64_t pressed_on[2] = {-1, -1};
        double pressed_at[2] = {0, 0};
        const char* keys[2] = {"i", "o"};
        // Playback has begun when pictures change.
        ASSERT_GE((*obs)->wait_changes(3, 20.0), 3u) << "nothing played";
        const double t_start = (*obs)->now();
        for (int k = 0; k < 2; ++k) {
            while ((*obs)->now() < t_start + at[run][k]) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            const size_t n = (*obs)->change_count();
            ASSERT_GE((*obs)->wait_changes(n + 1, 1.0), n + 1) << "playback stopped";
            const double changed = (*obs)->change(n).t;
            while ((*obs)->now() < changed + 0.012) std::this_thread::sleep_for(std::chrono::microseconds(200));
            auto t = (*obs)->press_key(keys[k]);
            ASSERT_TRUE(t) << t.error();
            pressed_at[k] = *t;
        }
        const int rc = player.get();
        Observation o = (*obs)->stop();
        ASSERT_EQ(rc, 0) << out;
        const std::vector<Seen> seen = frames_seen(o);
        for (int k = 0; k < 2; ++k) {
            for (const Seen& s : seen)
                if (s.t <= pressed_at[k]) pressed_on[k] = s.frame;
            // How long that picture had been up when the key went down, and until the next.
            double since = 0, until = 0;
            for (size_t i = 0; i < seen.size(); ++i)
                if (seen[i].t <= pressed_at[k]) {
                    since = pressed_at[k] - seen[i].t;
                    until = i + 1 < seen.size() ? seen[i + 1].t - pressed_at[k] : 1.0;
                }
            std::printf("run %d: %s pressed on frame %lld (%.1f ms after it appeared, %.1f ms before the next)\n", run, keys[k],
                        static_cast<long long>(pressed_on[k]), since * 1e3, until * 1e3);
        }
        auto p = reelsync::project::Project::open(dir);
        ASSERT_TRUE(p) << p.error().message;
        const auto& c = p->clips().at(0);
        EXPECT_GT(pressed_on[0], 0);
        EXPECT_EQ(c.mark_in, pressed_on[0]) << "run " << run << "\n" << out;
        EXPECT_EQ(c.mark_out, pressed_on[1]) << "run " << run << "\n" << out;
    }
}

// Audio scrubbing judged from outside: a clip whose sound is a steady 440 Hz tone, paused in the
// window; the observer presses Right (a frame step) 100 times, 120 ms apart, and records the
// player's output. Each step sounds one grain: its onset (the first sample above a tenth of the
// tone's level after the key) comes within one frame interval plus the output's latency of the key
// going down (p95), every step is heard, and no grain clicks: the recording never jumps between
// two samples by more than the tone itself does (a grain cut in without its fade jumps by up to
// the tone's level), and each onset ramps up (its first millisecond stays under half the level).
TEST(Observed, EachFrameStepSoundsAGrainWithoutAClick) {
    std::string why;
    if (!have_services(&why)) GTEST_SKIP() << why;
    constexpr double kHz = 440;  // at 0.5 of full scale in the clip
    const std::string clip = generate("scrub_tone.mkv", "-f lavfi -i color=c=0x404040:s=320x240:r=30:d=12 "
                                                        "-f lavfi -i \"aevalsrc=0.5*sin(2*PI*440*t):s=48000:d=12\" "
                                                        "-c:v libx264 -preset veryfast -g 30 -c:a pcm_s16le");
    auto obs = Observer::start(picture_square());
    ASSERT_TRUE(obs) << obs.error();
    std::string out;
    bool up = false;
    const LoadMeter meter;
    auto player = play_paused(**obs, clip, 30, &out, &up);
    ASSERT_TRUE(up) << "no window, or its sound never reached JACK";
    std::vector<double> pressed;
    for (int k = 0; k < 100; ++k) {
        const double at = (*obs)->now() + 0.12;
        while ((*obs)->now() < at) std::this_thread::sleep_for(std::chrono::microseconds(500));
        auto t = (*obs)->press_key("Right");
        ASSERT_TRUE(t) << t.error();
        pressed.push_back(*t);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE((*obs)->press_key("q"));  // quit
    EXPECT_EQ(player.get(), 0) << out;
    Observation o = (*obs)->stop();
    std::printf("%s\n", meter.read().describe().c_str());
    ASSERT_FALSE(o.ports.empty()) << out;
    ASSERT_GT(o.rate, 0);
    // The tone's level as it reached the output (the mix to the recorded ports scales it).
    double level = 0;
    for (float x : o.sound) level = std::max(level, static_cast<double>(std::fabs(x)));
    ASSERT_GT(level, 0.05) << "no sound recorded";
    // Onsets: the first sample above a tenth of the level after each key (before the next key).
    std::vector<double> delays;
    int missing = 0, at_hiccup = 0;
    double worst_onset_ms1 = 0;
    for (size_t k = 0; k < pressed.size(); ++k) {
        const double until = k + 1 < pressed.size() ? pressed[k + 1] : pressed[k] + 0.3;
        int64_t i = std::max<int64_t>(0, static_cast<int64_t>(o.sample_at(pressed[k])));
        const int64_t end = std::min<int64_t>(static_cast<int64_t>(o.sound.size()), static_cast<int64_t>(o.sample_at(until)));
        while (i < end && static_cast<double>(std::fabs(o.sound[static_cast<size_t>(i)])) < level * 0.1) ++i;
        if (i >= end) {
            ++missing;
            continue;
        }
        // A grain that starts within 20 ms of a server xrun may have been cut by the server (its
        // fade-in lost with the cycle), and one found just after a stretch the recorder missed is
        // heard from its middle: left out of the timing and onset checks, and counted.
        if (o.near_hiccup(static_cast<size_t>(i))) {
            ++at_hiccup;
            continue;
        }
        delays.push_back(o.time_of(static_cast<double>(i)) - pressed[k]);
        float first_ms = 0;  // the onset's first millisecond: still ramping up
        for (int64_t j = i; j < std::min<int64_t>(end, i + o.rate / 1000); ++j) first_ms = std::max(first_ms, std::fabs(o.sound[static_cast<size_t>(j)]));
        worst_onset_ms1 = std::max(worst_onset_ms1, static_cast<double>(first_ms));
    }
    // (A cycle the recorder missed is left silent in the recording: not counted as a click.)
    const double jump = largest_step(o);
    if (!o.unrecorded.empty() || !o.xruns.empty())
        std::printf("the recorder missed %zu stretches, the JACK server reported %zu xruns (+-20 ms around each left out of the click "
                    "check; %d grains starting there left out)\n",
                    o.unrecorded.size(), o.xruns.size(), at_hiccup);
    const double tone_step = 2 * M_PI * kHz / o.rate * level;  // the tone's own largest step
    std::sort(delays.begin(), delays.end());
    const double p50 = delays.empty() ? 1 : delays[delays.size() / 2], p95 = delays.empty() ? 1 : delays[delays.size() * 95 / 100];
    std::printf("scrub: %zu steps, %d without a grain; key to grain at the output: p50 %.1f ms, p95 %.1f ms (frame %.1f ms + latency %.1f ms); "
                "largest sample step %.4f (tone %.4f); onset's first ms peak %.2f (level %.2f)\n",
                pressed.size(), missing, p50 * 1e3, p95 * 1e3, 1e3 / 30, o.latency_s * 1e3, jump, tone_step, worst_onset_ms1, level);
    EXPECT_EQ(missing, 0);
    EXPECT_LE(at_hiccup, 10) << "the machine was too busy to judge the grains";
    EXPECT_LT(p95, 1.0 / 30 + o.latency_s);
    EXPECT_GT(delays.empty() ? 0 : delays.front(), 0.0);
    EXPECT_LT(jump, 1.5 * tone_step) << "a click";
    EXPECT_LT(worst_onset_ms1, 0.5 * level) << "a grain starts without its fade";
}

namespace {

// The recorded sound's envelope at sample i: the largest level within 1.5 ms either side.
float envelope_at(const Observation& o, int64_t i) {
    const int64_t half = o.rate * 3 / 2000;
    float m = 0;
    for (int64_t j = std::max<int64_t>(0, i - half); j < std::min<int64_t>(static_cast<int64_t>(o.sound.size()), i + half); ++j)
        m = std::max(m, std::fabs(o.sound[static_cast<size_t>(j)]));
    return m;
}

// The strongest frequency (200-2000 Hz) of the recorded sound between two JACK times.
double strongest_hz(const Observation& o, double from, double to) {
    const auto a = static_cast<size_t>(std::max(0.0, o.sample_at(from)));
    const auto b = std::min(o.sound.size(), static_cast<size_t>(std::max(0.0, o.sample_at(to))));
    return b > a ? strongest_frequency(o.sound.data() + a, b - a, o.rate, 200, 2000) : 0.0;
}

}  // namespace

// Shuttle heard from outside. A clip flashes white at each whole second and sounds a 440 Hz tone
// for the first half of each second. In a window, keys as a user presses them: L L (2x forward),
// K, J J (2x backwards). From the screen grabs and the recording of the player's output:
// - the tone is still 440 Hz at 2x both ways (played faster without a stretcher it would be 880);
// - forward, each tone starts within a frame interval of its flash reaching the screen; backwards,
//   each tone ends (clip time k, sounding in reverse) within a frame interval of its flash leaving
//   the screen (the flash frame covers k to k + 1/30, so its end is clip time k there);
// - no click: no sample-to-sample step beyond the tone's own.
TEST(Observed, ShuttleKeepsThePitchAndStaysWithThePictureBothWays) {
    std::string why;
    if (!have_services(&why)) GTEST_SKIP() << why;
    constexpr double kHz = 440;
    const std::string clip = generate("shuttle_flash_tone.mkv",
                                      "-f lavfi -i \"color=c=0x202020:s=320x240:r=30:d=14,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:"
                                      "enable='eq(mod(n\\,30)\\,0)'\" -f lavfi -i \"aevalsrc='if(lt(mod(t\\,1)\\,0.5)\\,0.5*sin(2*PI*440*t)\\,0)':"
                                      "s=48000:d=14\" -c:v libx264 -preset veryfast -g 30 -c:a pcm_s16le");
    // Three runs at most: a run that fails is run again only where the JACK graph hiccuped while
    // the shuttle ran (a server xrun, a cycle the recorder missed), and the last run's faults stand.
    std::vector<std::string> faults;
    bool disturbed = false;
    for (int run = 0; run < 3; ++run) {
        faults.clear();
        auto fault = [&](const std::string& what) { faults.push_back("run " + std::to_string(run) + ": " + what); };
        auto obs = Observer::start(picture_square());
        ASSERT_TRUE(obs) << obs.error();
        std::string out;
        bool up = false;
        const LoadMeter meter;
        auto player = play_paused(**obs, clip, 40, &out, &up);
        ASSERT_TRUE(up) << "no window, or its sound never reached JACK";
        auto press = [&](const char* key) {
            auto t = (*obs)->press_key(key);
            EXPECT_TRUE(t) << (t ? "" : t.error());
            return t ? *t : 0.0;
        };
        auto wait = [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); };
        press("l");
        wait(0.3);
        const double forward_from = press("l") + 0.3;  // 2x from about 0.3 s of the clip
        wait(3.0);
        const double forward_to = press("k");  // paused near 6.3 s
        wait(0.5);
        press("j");
        wait(0.3);
        const double back_from = press("j") + 0.3;  // 2x backwards from about 6 s
        wait(2.4);
        const double back_to = press("k");
        wait(0.3);
        press("q");
        EXPECT_EQ(player.get(), 0) << out;
        Observation o = (*obs)->stop();
        std::printf("%s\n", meter.read().describe().c_str());
        ASSERT_FALSE(o.ports.empty()) << out;
        double level = 0;
        for (float x : o.sound) level = std::max(level, static_cast<double>(std::fabs(x)));
        ASSERT_GT(level, 0.05) << "no sound recorded";
        disturbed = o.hiccup_between(forward_from - 0.5, back_to + 0.5);
        std::printf("run %d: the recorder missed %zu JACK cycles, the server reported %zu xruns%s\n", run, o.unrecorded.size(), o.xruns.size(),
                    disturbed ? " (while the shuttle ran)" : "");
        const float half = static_cast<float>(level / 2);
        auto sample_at = [&](double t) { return static_cast<int64_t>(o.sample_at(t)); };
        auto time_of = [&](int64_t i) { return o.time_of(static_cast<double>(i)); };
        // The flash's edges on screen, and the tone's edges in the sound, within [from, to).
        auto screen_edges = [&](double from, double to, bool rising) {
            std::vector<double> edges;
            bool bright = false;
            for (const ScreenChange& c : o.screen) {
                const bool b = mean_luma(c.bgra) >= 128;
                if (b != bright && b == rising && c.t >= from && c.t < to) edges.push_back(c.t);
                bright = b;
            }
            return edges;
        };
        auto sound_edges = [&](double from, double to, bool rising) {
            std::vector<double> edges;
            bool on = envelope_at(o, sample_at(from)) >= half;
            for (int64_t i = sample_at(from); i < sample_at(to); i += 12) {  // 0.25 ms steps
                const bool now = envelope_at(o, i) >= half;
                if (now != on && now == rising) edges.push_back(time_of(i));
                on = now;
            }
            return edges;
        };
        struct Leg {
            const char* name;
            double from, to;
            bool rising;  // forward: the flash's start against the tone's start; back: both ends
        };
        for (const Leg& leg : {Leg{"2x forward", forward_from, forward_to, true}, Leg{"2x backwards", back_from, back_to, false}}) {
            const auto flashes = screen_edges(leg.from, leg.to, leg.rising);
            const auto tones = sound_edges(leg.from - 0.1, leg.to + 0.1, leg.rising);
            std::printf("%s: %zu flash edges, %zu tone edges; flash - tone (ms):", leg.name, flashes.size(), tones.size());
            std::vector<double> hz;
            size_t matched = 0;
            for (double f : flashes) {
                double best = 1e9;
                for (double t : tones)
                    if (std::fabs(f - t) < std::fabs(best)) best = f - t;
                std::printf(" %+.1f", best * 1e3);
                matched += std::fabs(best) < 0.25;
                if (std::fabs(best) >= 1.0 / 30) fault(std::string(leg.name) + ": the picture and the sound more than a frame interval apart");
                // The tone's pitch over the middle of its 250 ms (forward: after the flash; back: before).
                const double mid = leg.rising ? f + 0.125 : f - 0.125;
                hz.push_back(strongest_hz(o, mid - 0.07, mid + 0.07));
            }
            std::printf("; pitch (Hz):");
            for (double h : hz) std::printf(" %.0f", h);
            std::printf("\n");
            if (flashes.size() < 3) fault(std::string(leg.name) + ": " + std::to_string(flashes.size()) + " flash edges, 3 or more expected");
            if (matched != flashes.size()) fault(std::string(leg.name) + ": a flash with no tone edge within 250 ms");
            for (double h : hz)
                if (std::fabs(h - kHz) > kHz * 0.01) fault(std::string(leg.name) + ": the tone at " + std::to_string(h) + " Hz, not 440");
        }
        const double tone_step = 2 * M_PI * kHz / o.rate * level;
        size_t jump_at = 0;
        const double jump = largest_step(o, &jump_at);  // the recorder's missed cycles left out
        std::printf("largest sample step %.4f at %.3f s (the tone's own %.4f; 2x from %.3f to %.3f, back from %.3f to %.3f; %zu cycles unrecorded)\n",
                    jump, time_of(static_cast<int64_t>(jump_at)), tone_step, forward_from, forward_to, back_from, back_to, o.unrecorded.size());
        if (jump >= 1.5 * tone_step) fault("a click (a sample step of " + std::to_string(jump) + ")");
        for (const std::string& f : faults) std::printf("%s\n", f.c_str());
        if (faults.empty() || !disturbed) break;
    }
    for (const std::string& f : faults) ADD_FAILURE() << f << (disturbed ? " (the JACK graph hiccuped during every run)" : "");
}

// The wipe follows the mouse. Two takes (red, blue) in a 640x360 window (the 4:3 pictures at x
// 80-560), the split dragged by the observer's pointer (XTest: pressed, moved in steps, released)
// from the middle to a quarter of the width, then to three quarters: the screen left of the
// pointer shows take A and right of it take B, each time (read from the screen, 8 px clear of the
// split).
TEST(Observed, TheWipeFollowsThePointerWhenDragged) {
    if (!std::getenv("DISPLAY")) GTEST_SKIP() << "no display";
    const std::string red = generate("wipe_red.mp4", "-f lavfi -i color=c=red:s=320x240:r=30:d=20 -c:v libx264 -pix_fmt yuv420p");
    const std::string blue = generate("wipe_blue.mp4", "-f lavfi -i color=c=blue:s=320x240:r=30:d=20 -c:v libx264 -pix_fmt yuv420p");
    ObserverOptions strip = region(0, 178, kWinW, 4);
    strip.sound = false;
    auto obs = Observer::start(strip);
    ASSERT_TRUE(obs) << obs.error();
    std::string out;
    auto player = std::async(std::launch::async, [&] {
        return run_command("timeout 60 '" + reelsync_binary() + "' compare '" + red + "' '" + blue + "' --mode wipe --paused --no-audio --no-overlay --width " +
                               std::to_string(kWinW) + " --height " + std::to_string(kWinH) + " --duration 30",
                           &out);
    });
    ASSERT_GE((*obs)->wait_changes(1, 20.0), 1u) << "no window";
    // Each column of the strip's middle row: 'r' (red), 'b' (blue) or '.' (neither).
    auto columns = [&] {
        const ScreenChange c = (*obs)->change((*obs)->change_count() - 1);
        std::string cols(static_cast<size_t>(kWinW), '.');
        for (int x = 0; x < kWinW; ++x) {
            const size_t i = (static_cast<size_t>(2 * kWinW + x)) * 4;  // row 2 of 4, BGRA
            const int b = c.bgra[i], r = c.bgra[i + 2];
            if (r > 200 && b < 60) cols[static_cast<size_t>(x)] = 'r';
            else if (b > 200 && r < 60) cols[static_cast<size_t>(x)] = 'b';
        }
        return cols;
    };
    auto wrong_at = [&](const std::string& cols, int split) {
        int wrong = 0;
        for (int x = 88; x < 552; ++x) {
            if (std::abs(x - split) <= 8) continue;
            wrong += cols[static_cast<size_t>(x)] != (x < split ? 'r' : 'b');
        }
        return wrong;
    };
    // The screen is read until it shows the split asked for, or for 10 s: the window's first
    // change may be its empty frame before both takes are decoded, and on a busy machine a drag's
    // last motion may take a few frames to be drawn. What is asserted is where the split settles.
    auto expect_split_at = [&](int split) {
        const auto from = std::chrono::steady_clock::now();
        std::string cols = columns();
        while (wrong_at(cols, split) != 0 && std::chrono::steady_clock::now() - from < std::chrono::seconds(10)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            cols = columns();
        }
        const int wrong = wrong_at(cols, split);
        std::printf("split dragged to x %d: columns 88-552 off the split %d wrong (screen read for %.2f s)\n", split, wrong,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count());
        EXPECT_EQ(wrong, 0) << "split at " << split << ": " << cols.substr(80, 480);
    };
    expect_split_at(320);  // the wipe opens at the middle
    ASSERT_TRUE((*obs)->drag(320, 180, 160, 180, 8, 15));
    expect_split_at(160);
    ASSERT_TRUE((*obs)->drag(160, 180, 480, 180, 8, 15));
    expect_split_at(480);
    ASSERT_TRUE((*obs)->press_key("q"));
    EXPECT_EQ(player.get(), 0) << out;
    (*obs)->stop();
}
