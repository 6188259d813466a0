// `reelsync play`: playback session set-up, and the headless (offscreen, real-time) loop.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>

#include "app/gpu_setup.h"
#include "project/project_io.h"
#include "app/run.h"
#include "review/command_feed.h"
#include "project/edit.h"
#include "core/log.h"
#include "core/timecode.h"
#include "render/frame_renderer.h"

namespace reelsync::app {

std::atomic<bool> g_stop_requested{false};

namespace {
void on_signal(int) { g_stop_requested.store(true); }
}  // namespace

void install_stop_handlers() {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
}

void print_summary(Session& s, double seconds, FILE* out) {
    if (!s.has_player()) return;  // review mode, nothing played
    const auto& st = s.stats();
    std::fprintf(out, "played %.2f s: %lld frames presented, %lld dropped, %lld repeated, A/V error mean %.2f ms max %.2f ms, clock: %s\n",
                seconds, static_cast<long long>(st.presented()), static_cast<long long>(st.dropped()),
                static_cast<long long>(st.repeated()), st.avsync_ms_mean(), st.avsync_ms_max(),
                audio::to_string(s.player().clock().source()));
}

namespace {

// --keys "SECONDS:KEY,...": the presses, or none after printing why (the caller exits 2).
// What the session is asked: a screenshot run is a batch job that waits for the background work
// it shows (flags, beats), so that work runs at batch priority, not the lowest.
review::SessionOptions session_options(const PlayOptions& o) {
    review::SessionOptions so = o;
    if (!o.screenshot.empty()) so.background_priority = threads::Priority::batch;
    return so;
}

std::optional<std::vector<review::ScriptedKey>> scripted_keys(const std::string& spec) {
    if (spec.empty()) return std::vector<review::ScriptedKey>{};
    auto k = review::parse_keys(spec);
    if (!k) {
        print_error(k.error().message);
        return std::nullopt;
    }
    return std::move(*k);
}

int run_headless(Session& s, const PlayOptions& o, review::CommandFeed& feed, Review* review) {
    std::unique_ptr<gpu::Context> ctx;
    std::unique_ptr<render::OffscreenRenderer> renderer;
    std::unique_ptr<review::OffscreenFrameTarget> target;
    review::Presenter presenter;
    const double start = steady_seconds();
    feed.set_start(start);
    int rc = 0;
    std::string stopped_by;  // why the run ended (with keys or requests perhaps left)
    while (!g_stop_requested.load() && !feed.quit()) {
        double now = steady_seconds();
        if (o.duration > 0 && now - start >= o.duration) {
            stopped_by = duration_ran_out(o.duration);
            break;
        }
        // The review's work and its commands may replace the session's player (an edit re-opened
        // after a trim): the player is looked up again after each, never held across them.
        if (review) (void)review->tick();  // the review's background work (a clip or an edit opening, the song)
        const double cmd_due = feed.pump(s, review, now);
        if (feed.quit()) break;
        if (!s.has_player()) {  // the browser: nothing to draw
            if (feed.idle() && o.duration <= 0 && !(review && review->pending())) break;
            sleep_until(std::min(now + 0.01, cmd_due));
            continue;
        }
        if (!renderer) {  // the first clip shown sets the offscreen size
            if (!ctx) {
                auto c = create_headless_context(o.vk_device);
                if (!c) {
                    print_error(c.error().message);
                    return 1;
                }
                ctx = std::move(*c);
            }
            VkExtent2D size = display_size(s.reader().info());
            if (o.width > 0 && o.height > 0) size = {static_cast<uint32_t>(o.width), static_cast<uint32_t>(o.height)};
            auto r = render::OffscreenRenderer::create(*ctx, size.width, size.height);
            if (!r) {
                print_error(r.error().message);
                return 1;
            }
            renderer = std::move(*r);
            target = std::make_unique<review::OffscreenFrameTarget>(*renderer);
        }
        timeline::Player& player = s.player();
        auto step = presenter.step(player, *target, s.reader().info(), now);
        if (!step) {
            print_error(step.error().message);
            rc = 1;
            break;
        }
        if (step->shown) continue;
        if (player.at_end()) {
            if (!review && s.clip_index() + 1 < s.clip_count()) {
                if (auto r = s.open_clip(s.clip_index() + 1); !r) {
                    print_error(r.error().message);
                    rc = 1;
                    break;
                }
                continue;
            }
            if (o.duration <= 0 && feed.idle()) break;
        }
        // Stopped with its frame up (at the end, paused by a key or by --paused): with no keys
        // left and no command interface (or its input closed) the run is over; a key or a request
        // later on the clock can never come due, as nothing will move the clock again. Waiting
        // for either would be a hang.
        if (o.duration <= 0 && !player.playing() && player.current() && !(review && review->pending())) {
            if (feed.idle()) break;
            if (feed.stuck_after(player.clock().time_at(now))) {
                char at[96];
                std::snprintf(at, sizeof at, "the clock stopped at %.3f s%s", player.clock().time_at(now), player.at_end() ? " (the end)" : "");
                stopped_by = at;
                break;
            }
        }
        if (auto err = s.reader().error()) {
            print_error(err->message);
            rc = 1;
            break;
        }
        sleep_until(std::min({step->wake_at, now + 0.02, cmd_due}));
    }
    print_summary(s, steady_seconds() - start, o.ipc == "-" ? stderr : stdout);  // stdout carries the replies
    // A script whose keys were not all pressed, or whose requests never came due, did not do what
    // it was asked: never exit 0 then (a stop the user asked for with Ctrl+C aside).
    if (!g_stop_requested.load())
        if (const std::string e = feed.finish(stopped_by); !e.empty() && rc == 0) {
            print_error(e);
            rc = 1;
        }
    return rc;
}

}  // namespace

std::string duration_ran_out(double seconds) {
    char d[64];
    std::snprintf(d, sizeof d, "--duration %g ran out", seconds);
    return d;
}

double process_start_seconds() {
    static const double start = steady_seconds();
    return start;
}

int run_play(const PlayOptions& opts_in) {
    (void)process_start_seconds();
    install_stop_handlers();
    PlayOptions opts = opts_in;
    std::vector<timeline::ShotSpec> shots;
    std::string edit_name;
    std::optional<project::Project> proj;
    if (!opts.project.empty()) {
        auto p = project::open_project(opts.project, opts.audio_track);
        if (!p) {
            print_error(p.error().message);
            return 1;
        }
        if (opts.audio_track.empty()) {
            if (auto a = p->setting("audio")) {
                std::error_code ec;
                if (std::filesystem::exists(*a, ec)) opts.audio_track = *a;
                else print_error("the project's song " + *a + " is missing: playing without it (give --audio SONG)");
            }
        }
        if (opts.edit) {
            auto e = project::build_edit(*p);
            if (!e) {
                print_error(e.error().message);
                return 1;
            }
            if (e->shots.empty()) {
                print_error(p->folder().string() + ": the edit is empty (approve some clips first)");
                return 1;
            }
            for (const auto& sh : e->shots) shots.push_back({sh.path.string(), sh.in, sh.out});
            edit_name = e->name;
        } else if (opts.headless && opts.clip.empty() && opts.keys.empty() && opts.ipc.empty()) {
            print_error("headless review of a project needs --clip NAME, --edit, --keys or --ipc");
            return 2;
        }
        proj = std::move(*p);
    }
    auto keys = scripted_keys(opts.keys);
    if (!keys) return 2;
    if (opts.ipc == "-" && !opts.headless) {
        print_error("--ipc - needs --headless (the window takes its keys from the keyboard; give a socket path instead)");
        return 2;
    }
    // The command interface: standard input, or a local socket scripts connect to.
    std::unique_ptr<review::CommandServer> ipc;
    if (opts.ipc == "-") {
        ipc = std::make_unique<review::CommandServer>(0, stdout);
    } else if (!opts.ipc.empty()) {
        auto l = review::CommandServer::listen(opts.ipc);
        if (!l) {
            print_error(l.error().message);
            return 2;
        }
        ipc = std::move(*l);
    }
    auto keymap = load_key_map(opts.input_conf);
    if (!keymap) {
        print_error(keymap.error().message);
        return 2;
    }
    Session s(session_options(opts));
    if (auto r = s.start(); !r) {
        print_error(r.error().message);
        return 1;
    }
    s.scan_clips = !opts.headless && opts.analysis;  // the window scans what it shows for artifacts
    std::unique_ptr<Review> review;
    // Reviewing (decisions, marks, trims, the beat grid: commands go to the project): a project's
    // clip, or its edit when commands are scripted.
    if (proj && (!opts.edit || !keys->empty() || !opts.ipc.empty())) {
        review = std::make_unique<Review>(std::move(*proj), s);
        review->set_hold_edit_start(!opts.headless);
        if (opts.edit) {
            if (auto r = review->enter_edit(/*wait=*/true); !r) {
                print_error(r.error().message);
                return 1;
            }
        } else if (!opts.clip.empty()) {
            int64_t id = -1;
            for (const auto& c : review->project().clips())
                if (c.name == opts.clip || c.path == opts.clip) id = c.id;
            if (id < 0) {
                print_error(opts.project + ": no clip named " + opts.clip);
                return 1;
            }
            if (auto r = review->view(id, !opts.paused, /*wait=*/true); !r) {
                print_error(r.error().message);
                return 1;
            }
        } else if (opts.start_view == "edit") {
            if (auto r = review->enter_edit(/*wait=*/true); !r) {
                print_error(r.error().message);
                return 1;
            }
        }
    } else {
        auto opened = shots.empty() ? s.open_clip(0) : s.open_edit(shots, edit_name);
        if (!opened) {
            print_error(opened.error().message);
            return 1;
        }
    }
    review::CommandFeed feed(*keymap, std::move(*keys), ipc.get());
    int rc = opts.headless ? run_headless(s, opts, feed, review.get()) : run_play_window(s, opts, *keymap, feed, review.get());
    if (auto r = s.finish_stats(); !r) {
        print_error(r.error().message);
        rc = rc ? rc : 1;
    }
    return rc;
}

namespace {
// "0.5", "-0.2", "1001/24000": seconds as an exact fraction.
std::optional<Rational> parse_seconds(const std::string& t) {
    try {
        if (const size_t slash = t.find('/'); slash != std::string::npos) {
            const Rational r{std::stoll(t.substr(0, slash)), std::stoll(t.substr(slash + 1))};
            return r.den > 0 ? std::optional<Rational>(r) : std::nullopt;
        }
        size_t used = 0;
        const double whole = std::stod(t, &used);
        if (used != t.size()) return std::nullopt;
        const size_t dot = t.find('.');
        const size_t places = dot == std::string::npos ? 0 : t.size() - dot - 1;
        if (places > 9) return std::nullopt;
        int64_t den = 1;
        for (size_t i = 0; i < places; ++i) den *= 10;
        return Rational{static_cast<int64_t>(std::llround(whole * static_cast<double>(den))), den};
    } catch (...) {
        return std::nullopt;
    }
}
}  // namespace

int run_compare(const std::vector<std::string>& files, const std::vector<std::string>& offsets, const PlayOptions& opts_in) {
    (void)process_start_seconds();
    install_stop_handlers();
    if (!offsets.empty() && offsets.size() != files.size()) {
        print_error("compare: give one --offset per take (" + std::to_string(files.size()) + "), or none");
        return 2;
    }
    std::vector<timeline::TakeSpec> takes;
    for (size_t i = 0; i < files.size(); ++i) {
        timeline::TakeSpec t{files[i], Rational{0, 1}};
        if (!offsets.empty()) {
            auto o = parse_seconds(offsets[i]);
            if (!o) {
                print_error("compare: --offset " + offsets[i] + ": seconds, as 0.5, -0.2 or 1001/24000");
                return 2;
            }
            t.offset = *o;
        }
        takes.push_back(t);
    }
    PlayOptions opts = opts_in;
    opts.files.clear();  // no playlist: the compare is all that plays
    auto keymap = load_key_map(opts.input_conf);
    if (!keymap) {
        print_error(keymap.error().message);
        return 2;
    }
    auto keys = scripted_keys(opts.keys);
    if (!keys) return 2;
    Session s(session_options(opts));
    if (auto r = s.start(); !r) {
        print_error(r.error().message);
        return 1;
    }
    if (auto r = s.open_compare(takes); !r) {
        print_error(r.error().message);
        return 1;
    }
    s.title = "compare of " + std::to_string(takes.size()) + " takes (" + render::to_string(opts.compare_mode) + ")";
    review::CommandFeed feed(*keymap, std::move(*keys), nullptr);
    int rc = opts.headless ? run_headless(s, opts, feed, nullptr) : run_play_window(s, opts, *keymap, feed, nullptr);
    if (auto r = s.finish_stats(); !r) {
        print_error(r.error().message);
        rc = rc ? rc : 1;
    }
    return rc;
}

}  // namespace reelsync::app
