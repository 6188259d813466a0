// `reelsync play`: playback session set-up, and the headless (offscreen, real-time) loop.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include <GLFW/glfw3.h>

#include "app/gpu_setup.h"
#include "app/project_io.h"
#include "app/review.h"
#include "app/session.h"
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

void CostEstimate::add(double seconds) {
    mean += (seconds - mean) * 0.1;
    dev += (std::fabs(seconds - mean) - dev) * 0.1;
}
double CostEstimate::value() const { return std::clamp(mean + 3 * dev, 0.002, 0.1); }
double CostEstimate::expected() const { return std::clamp(mean, 0.001, 0.1); }

void wait_until_due(timeline::Player& p, const media::VideoFrame& frame, double present_at, double lead) {
    sleep_until(present_at - lead);
    for (int i = 0; i < 8; ++i) {  // a bounded number of short sleeps, never a spin
        double left = p.until_due(frame, steady_seconds() + lead);
        if (left < 0.0002) break;
        sleep_until(steady_seconds() + left);
    }
}

void print_summary(Session& s, double seconds) {
    if (!s.has_player()) return;  // review mode, nothing played
    const auto& st = s.stats();
    std::printf("played %.2f s: %lld frames presented, %lld dropped, %lld repeated, A/V error mean %.2f ms max %.2f ms, clock: %s\n",
                seconds, static_cast<long long>(st.presented()), static_cast<long long>(st.dropped()),
                static_cast<long long>(st.repeated()), st.avsync_ms_mean(), st.avsync_ms_max(),
                audio::to_string(s.player().clock().source()));
}

void sleep_until(double steady) {
    if (steady <= steady_seconds()) return;
    timespec ts;
    ts.tv_sec = static_cast<time_t>(std::floor(steady));
    ts.tv_nsec = static_cast<long>((steady - std::floor(steady)) * 1e9);
    // steady_clock is CLOCK_MONOTONIC on Linux: one absolute deadline, no accumulated error.
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR && !g_stop_requested.load()) {
    }
}

void Session::start_scan() {
    scan_.reset();
    if (edit_) return;  // an edit's shots are clips of the project, scanned when viewed
    if (stored_scan) {
        scan_ = std::make_unique<BackgroundScan>(std::move(*stored_scan));
    } else {
        const std::string path = reader_ ? reader_->info().path : opts_.files[clip_];
        const int64_t frames = reader_ ? reader_->info().frame_count() : 0;
        const double fps = reader_ && reader_->info().video ? reader_->info().video->frame_rate.to_double() : 0.0;
        scan_ = std::make_unique<BackgroundScan>(path, detectors, live_, frames, fps);
    }
    stored_scan.reset();
}

Session::~Session() {
    scan_.reset();
    player_.reset();
    clock_.reset();
    reader_.reset();
    closing_.clear();
    if (output_) output_->stop();
}

Result<void> Session::start() {
    if (!opts_.stats_path.empty())
        if (auto r = stats_.open(opts_.stats_path); !r) return r;
    if (opts_.no_audio) {
        audio_status_ = "audio off (--no-audio): timer clock";
    } else {
        auto out = audio::AudioOutput::open({opts_.audio_device, 2, 256});
        if (out) {
            output_ = std::move(*out);
            audio_status_ = "audio: " + output_->device_name();
        } else {
            audio_status_ = out.error().message + ": playing on the timer clock";
            std::fprintf(stderr, "reelsync: %s\n", audio_status_.c_str());
        }
    }
    if (!opts_.audio_track.empty()) {
        int rate = output_ ? output_->sample_rate() : 48000;
        int ch = output_ ? output_->channels() : 2;
        auto t = media::decode_audio(opts_.audio_track, rate, ch, 0.0);
        if (!t) return std::unexpected(t.error());
        music_ = std::make_shared<const media::AudioTrack>(std::move(*t));
    }
    return {};
}

media::ClipReader::Options Session::reader_options() const {
    media::ClipReader::Options ro;
    ro.threads = opts_.decoder_threads;
    ro.cache_bytes = static_cast<size_t>(std::max(0, opts_.cache_mb)) << 20;
    return ro;
}

media::ClipReader::Options Session::live_reader_options(std::shared_ptr<analysis::LiveMeasures>& live) const {
    media::ClipReader::Options ro = reader_options();
    live.reset();
    if (!scan_clips) return ro;
    live = std::make_shared<analysis::LiveMeasures>();
    ro.on_frame = [m = live](const media::VideoFrame& f) { m->add(*f.picture, f.index, f.pts); };
    return ro;
}

Result<void> Session::open_clip(size_t i) {
    media::ClipReader::Options ro = live_reader_options(next_live);
    auto reader = media::ClipReader::open(opts_.files[i], ro);
    if (!reader) return std::unexpected(reader.error());
    std::shared_ptr<const media::AudioTrack> track = music_;
    if (!track && output_ && (*reader)->info().audio) {
        auto t = media::decode_audio(opts_.files[i], output_->sample_rate(), output_->channels(), (*reader)->info().origin_seconds());
        if (t) track = std::make_shared<const media::AudioTrack>(std::move(*t));
        else RS_LOG_WARN("%s", t.error().message.c_str());
    }
    player_.reset();
    clock_.reset();
    reader_ = std::move(*reader);
    live_ = std::move(next_live);
    edit_ = nullptr;
    clip_ = i;
    if (scan_ || scan_clips) start_scan();  // the overlay shows this clip's flags
    start_player(track);
    if (opts_.loop) {
        player_->set_loop(opts_.loop);
        player_->seek_frame(opts_.loop->first);  // a loop plays from its in-point
    }
    if (!opts_.paused) player_->play();
    return {};
}

void Session::retire_reader() {
    std::erase_if(closing_, [](std::future<void>& f) { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    if (reader_) closing_.push_back(std::async(std::launch::async, [r = std::move(reader_)]() mutable { r.reset(); }));
}

void Session::show_clip(std::unique_ptr<media::ClipReader> reader, std::shared_ptr<const media::AudioTrack> track, bool play) {
    const bool scanning = scan_ != nullptr;
    scan_.reset();
    player_.reset();
    clock_.reset();
    retire_reader();
    reader_ = std::move(reader);
    live_ = std::move(next_live);
    edit_ = nullptr;
    start_player(std::move(track));
    if (scanning || scan_clips) start_scan();  // the overlay shows this clip's flags
    if (play) player_->play();
}

void Session::start_player(std::shared_ptr<const media::AudioTrack> track) {
    if (output_) {
        // The stream keeps running across clips: only the track changes (no device restart).
        output_->set_playing(false);
        output_->set_track(std::move(track));
        if (auto st = output_->start(); !st) {
            audio_status_ = st.error().message + ": playing on the timer clock";
            std::fprintf(stderr, "reelsync: %s\n", audio_status_.c_str());
            output_.reset();
        }
    }
    clock_ = std::make_unique<audio::MasterClock>(output_.get());
    player_ = std::make_unique<timeline::Player>(*reader_, *clock_, stats_);
}

Result<void> Session::open_edit(const std::vector<timeline::ShotSpec>& shots, const std::string& name, bool play) {
    auto e = timeline::EditReader::open(shots, reader_options());
    if (!e) return std::unexpected(e.error());
    show_edit(std::move(*e), name, play);
    return {};
}

void Session::show_edit(std::unique_ptr<timeline::EditReader> e, const std::string& name, bool play) {
    scan_.reset();
    player_.reset();
    clock_.reset();
    retire_reader();
    edit_ = e.get();
    reader_ = std::move(e);
    live_.reset();
    edit_name_ = name;
    start_player(music_);  // an edit plays against the song
    if (play && !opts_.paused) player_->play();
}

Rational sample_aspect_of(const media::VideoFrame& f, const media::ClipInfo& info) {
    if (f.picture && f.picture->sample_aspect_ratio.num > 0 && f.picture->sample_aspect_ratio.den > 0)
        return {f.picture->sample_aspect_ratio.num, f.picture->sample_aspect_ratio.den};
    return info.video->sample_aspect;
}

namespace {

// Scripted key presses (--keys "SECONDS:KEY,..."): each is pressed when the master clock reaches
// its time, as if the key went down at exactly that instant.
struct ScriptedKey {
    double t;
    int key;
    int mods;
};

Result<std::vector<ScriptedKey>> parse_keys(const std::string& spec) {
    std::vector<ScriptedKey> out;
    size_t pos = 0;
    while (pos < spec.size()) {
        size_t comma = spec.find(',', pos);
        std::string item = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? spec.size() : comma + 1;
        size_t colon = item.find(':');
        if (colon == std::string::npos) return fail("--keys: '" + item + "' is not SECONDS:KEY");
        ScriptedKey k{std::atof(item.substr(0, colon).c_str()), 0, 0};
        std::string name = item.substr(colon + 1);
        if (name.rfind("shift+", 0) == 0) {
            k.mods = GLFW_MOD_SHIFT;
            name = name.substr(6);
        } else if (name.rfind("alt+", 0) == 0) {
            k.mods = GLFW_MOD_ALT;
            name = name.substr(4);
        }
        if (name.size() == 1 && std::isalnum(static_cast<unsigned char>(name[0]))) k.key = std::toupper(static_cast<unsigned char>(name[0]));
        else if (name == "space") k.key = GLFW_KEY_SPACE;
        else if (name == "right") k.key = GLFW_KEY_RIGHT;
        else if (name == "left") k.key = GLFW_KEY_LEFT;
        else if (name == "comma") k.key = GLFW_KEY_COMMA;
        else if (name == "period") k.key = GLFW_KEY_PERIOD;
        else return fail("--keys: unknown key '" + name + "'");
        out.push_back(k);
    }
    std::sort(out.begin(), out.end(), [](const ScriptedKey& a, const ScriptedKey& b) { return a.t < b.t; });
    return out;
}


int run_headless(Session& s, Review* review, const std::vector<ScriptedKey>& keys) {
    const PlayOptions& o = s.options();
    auto ctx = create_headless_context(o.vk_device);
    if (!ctx) {
        print_error(ctx.error().message);
        return 1;
    }
    VkExtent2D size = display_size(s.reader().info());
    if (o.width > 0 && o.height > 0) size = {static_cast<uint32_t>(o.width), static_cast<uint32_t>(o.height)};
    auto renderer = render::OffscreenRenderer::create(**ctx, size.width, size.height);
    if (!renderer) {
        print_error(renderer.error().message);
        return 1;
    }
    CostEstimate est;
    const double start = steady_seconds();
    int rc = 0;
    size_t next_key = 0;
    while (!g_stop_requested.load()) {
        double now = steady_seconds();
        if (o.duration > 0 && now - start >= o.duration) break;
        // The review's work and its keys may replace the session's player (an edit re-opened after a
        // trim): the player is looked up again after each, never held across them.
        // Scripted keys whose clock time has come, stamped with the instant the clock passed it.
        double key_due = now + 1.0;
        if (review) (void)review->tick();  // the review's background work (an edit re-opened after a trim, the song)
        while (next_key < keys.size()) {
            timeline::Player& player = s.player();
            const double clock_now = player.clock().time_at(now);
            const ScriptedKey& k = keys[next_key];
            if (!player.clock().playing() || clock_now < k.t) {
                if (player.clock().playing()) key_due = now + (k.t - clock_now);
                break;
            }
            KeyEvent ev{k.key, k.mods, now - (clock_now - k.t)};
            if (review) review->handle_key(ev);
            ++next_key;
        }
        timeline::Player& player = s.player();
        auto plan = player.plan(now, est.value(), est.expected());
        if (plan.frame) {
            double t0 = steady_seconds();
            if (auto d = (*renderer)->draw(plan.frame->picture, sample_aspect_of(*plan.frame, s.reader().info())); !d) {
                print_error(d.error().message);
                rc = 1;
                break;
            }
            if (auto f = (*renderer)->finish(); !f) {
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
            if (!s.playing_edit() && s.clip_index() + 1 < s.clip_count()) {
                if (auto r = s.open_clip(s.clip_index() + 1); !r) {
                    print_error(r.error().message);
                    rc = 1;
                    break;
                }
                continue;
            }
            if (o.duration <= 0) break;
        }
        if (auto err = s.reader().error()) {
            print_error(err->message);
            rc = 1;
            break;
        }
        sleep_until(std::min({plan.wake_at, now + 0.02, key_due}));
    }
    print_summary(s, steady_seconds() - start);
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
        auto p = open_project(opts.project, opts.audio_track);
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
        } else if (opts.headless && opts.clip.empty()) {
            print_error("headless review of a project needs --clip NAME or --edit");
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
    Session s(opts);
    if (auto r = s.start(); !r) {
        print_error(r.error().message);
        return 1;
    }
    s.scan_clips = !opts.headless && opts.analysis;  // the window scans what it shows for artifacts
    std::unique_ptr<Review> review;
    // Reviewing (decisions, marks, trims, the beat grid: keys go to the project): a project's clip,
    // or its edit when keys are scripted.
    if (proj && (!opts.edit || !keys.empty())) {
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
    int rc = opts.headless ? run_headless(s, review.get(), keys) : run_play_window(s, review.get());
    if (auto r = s.finish_stats(); !r) {
        print_error(r.error().message);
        rc = rc ? rc : 1;
    }
    return rc;
}

}  // namespace reelsync::app
