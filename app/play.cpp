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
#include "review/command_server.h"
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

// Scripted key presses (--keys "SECONDS:KEY,..."): each is pressed when the master clock of what
// plays reaches its time (in the browser, where nothing plays: seconds since the run started), as
// if the key went down at exactly that instant.
struct ScriptedKey {
    double t;
    std::string key;  // key-table name
};

Result<std::vector<ScriptedKey>> parse_keys(const std::string& spec) {
    std::vector<ScriptedKey> out;
    size_t pos = 0;
    while (pos < spec.size()) {
        size_t comma = spec.find(',', pos);
        // "0.5:," presses the comma key: a comma right after the colon is the key, not a separator.
        if (comma != std::string::npos && comma > 0 && spec[comma - 1] == ':') comma = spec.find(',', comma + 1);
        std::string item = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? spec.size() : comma + 1;
        size_t colon = item.find(':');
        if (colon == std::string::npos) return fail("--keys: '" + item + "' is not SECONDS:KEY");
        char* end = nullptr;
        const std::string t = item.substr(0, colon);
        const double at = std::strtod(t.c_str(), &end);
        if (t.empty() || end != t.c_str() + t.size()) return fail("--keys: '" + item + "': '" + t + "' is not seconds");
        auto name = review::canonical_key(item.substr(colon + 1));
        if (!name) return fail("--keys: " + name.error().message);
        out.push_back({at, *name});
    }
    std::stable_sort(out.begin(), out.end(), [](const ScriptedKey& a, const ScriptedKey& b) { return a.t < b.t; });
    return out;
}

// Keys and script requests on their way to the review: run in order, each at its instant.
struct CommandFeed {
    const review::KeyMap& keymap;
    std::vector<ScriptedKey> keys;
    size_t next_key = 0;
    review::CommandServer* ipc = nullptr;
    std::deque<review::Request> requests;
    double start = 0;
    bool quit = false;

    bool keys_done() const { return next_key >= keys.size(); }
    bool idle() { return keys_done() && requests.empty() && (!ipc || ipc->closed()); }

    // The instant a script time refers to: the clock of what plays, else time since the start.
    // Returns the steady instant it came (or comes) at, or nothing while the clock is stopped.
    static std::optional<double> due(Session& s, Review* review, double t, double start, double now) {
        const bool clocked = s.has_player() && !(review && review->context() == review::Context::browser);
        if (!clocked) return start + t;
        timeline::Player& p = s.player();
        if (!p.clock().playing()) return std::nullopt;
        return now - (p.clock().time_at(now) - t);
    }

    Outcome run(Session& s, Review* review, const review::Command& c, double at) {
        const Outcome o = review ? review->execute(c, at) : review::execute_transport(s, c, at);
        if (o == Outcome::for_window && c.name == "quit") quit = true;
        return o;
    }

    // Runs what is due; returns when the next scripted time comes (steady), for the loop's sleep.
    double pump(Session& s, Review* review, double now) {
        double wake = now + 1.0;
        if (ipc)
            for (review::Request& r : ipc->take()) requests.push_back(std::move(r));
        while (!quit) {
            // While a clip or an edit opens, what comes next waits for it (it is meant for it).
            if (review && review->pending()) return std::min(wake, now + 0.005);
            // The earlier of the next key and the next request (a request without "at" is now).
            std::optional<double> key_at, req_at;
            if (!keys_done()) key_at = due(s, review, keys[next_key].t, start, now);
            if (!requests.empty()) req_at = requests.front().at ? due(s, review, *requests.front().at, start, now) : now;
            const bool key_first = key_at && (!req_at || *key_at <= *req_at);
            if (key_first && *key_at <= now) {
                const ScriptedKey& k = keys[next_key++];
                const review::Context where = review ? review->context() : review::Context::player;
                if (const review::Command* c = keymap.lookup(where, k.key)) run(s, review, *c, *key_at);
                continue;
            }
            if (!key_first && req_at && *req_at <= now) {
                review::Request r = std::move(requests.front());
                requests.pop_front();
                answer(s, review, r, *req_at);
                continue;
            }
            if (key_at) wake = std::min(wake, *key_at);
            if (req_at) wake = std::min(wake, *req_at);
            break;
        }
        return wake;
    }

    void answer(Session& s, Review* review, const review::Request& r, double at) {
        nlohmann::json reply{{"request_id", r.id}};
        if (!r.error.empty()) {
            reply["error"] = r.error;
        } else if (r.command == "get_state") {
            reply["error"] = "success";
            reply["data"] = review::state_json(s, review);
        } else if (r.command == "get_history") {
            reply["error"] = "success";
            reply["data"] = review ? review::history_json(*review) : nlohmann::json::array();
        } else if (auto c = review::parse_command(r.command); !c) {
            reply["error"] = c.error().message;
        } else {
            const Outcome o = run(s, review, *c, at);
            if (o == Outcome::done || (o == Outcome::for_window && c->name == "quit")) reply["error"] = "success";
            else if (o == Outcome::for_window) reply["error"] = c->name + " needs the window";
            else reply["error"] = review && !review->message().empty() && review->message_is_error() ? review->message()
                                                                                                    : c->name + " does nothing here";
        }
        if (ipc) ipc->reply(reply);
    }
};

int run_headless(Session& s, const PlayOptions& o, CommandFeed& feed, Review* review) {
    std::unique_ptr<gpu::Context> ctx;
    std::unique_ptr<render::OffscreenRenderer> renderer;
    CostEstimate est;
    const double start = feed.start = steady_seconds();
    int rc = 0;
    while (!g_stop_requested.load() && !feed.quit) {
        double now = steady_seconds();
        if (o.duration > 0 && now - start >= o.duration) break;
        // The review's work and its commands may replace the session's player (an edit re-opened
        // after a trim): the player is looked up again after each, never held across them.
        if (review) (void)review->tick();  // the review's background work (a clip or an edit opening, the song)
        const double cmd_due = feed.pump(s, review, now);
        if (feed.quit) break;
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
        }
        timeline::Player& player = s.player();
        auto plan = player.plan(now, est.value(), est.expected());
        if (plan.frame) {
            double t0 = steady_seconds();
            if (auto d = renderer->draw(plan.frame->picture, sample_aspect_of(*plan.frame, s.reader().info())); !d) {
                print_error(d.error().message);
                rc = 1;
                break;
            }
            if (auto f = renderer->finish(); !f) {
                print_error(f.error().message);
                rc = 1;
                break;
            }
            if (s.stats().presented() > 0) est.add(steady_seconds() - t0);  // not the pipeline compile
            wait_until_due(player, *plan.frame, plan.present_at, 0.0);
            player.presented(*plan.frame, steady_seconds());
            continue;
        }
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
        if (auto err = s.reader().error()) {
            print_error(err->message);
            rc = 1;
            break;
        }
        sleep_until(std::min({plan.wake_at, now + 0.02, cmd_due}));
    }
    print_summary(s, steady_seconds() - start, feed.ipc ? stderr : stdout);  // stdout carries the replies
    return rc;
}

}  // namespace

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
    std::vector<ScriptedKey> keys;
    if (!opts.keys.empty()) {
        auto k = parse_keys(opts.keys);
        if (!k) {
            print_error(k.error().message);
            return 2;
        }
        keys = std::move(*k);
    }
    if (!opts.ipc.empty() && opts.ipc != "-") {
        print_error("--ipc: only '-' (JSON lines on stdin, replies on stdout) is supported");
        return 2;
    }
    if (!opts.ipc.empty() && !opts.headless) {
        print_error("--ipc needs --headless (the window takes its commands from the keyboard)");
        return 2;
    }
    auto keymap = load_key_map(opts.input_conf);
    if (!keymap) {
        print_error(keymap.error().message);
        return 2;
    }
    Session s(opts);
    if (auto r = s.start(); !r) {
        print_error(r.error().message);
        return 1;
    }
    s.scan_clips = !opts.headless && opts.analysis;  // the window scans what it shows for artifacts
    std::unique_ptr<Review> review;
    // Reviewing (decisions, marks, trims, the beat grid: commands go to the project): a project's
    // clip, or its edit when commands are scripted.
    if (proj && (!opts.edit || !keys.empty() || !opts.ipc.empty())) {
        review = std::make_unique<Review>(std::move(*proj), s);
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
    int rc = 0;
    if (opts.headless) {
        std::unique_ptr<review::CommandServer> ipc;
        if (!opts.ipc.empty()) ipc = std::make_unique<review::CommandServer>(0, stdout);
        CommandFeed feed{*keymap, std::move(keys), 0, ipc.get(), {}, 0, false};
        rc = run_headless(s, opts, feed, review.get());
    } else {
        rc = run_play_window(s, opts, *keymap, review.get());
    }
    if (auto r = s.finish_stats(); !r) {
        print_error(r.error().message);
        rc = rc ? rc : 1;
    }
    return rc;
}

}  // namespace reelsync::app
