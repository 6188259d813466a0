// `reelsync bench --review FOLDER --step-clip CLIP`: how fast review feels, against baselines
// measured in the same run:
//   next clip   - keypress (Down in the viewer) to the first frame of the next clip on screen, with
//                 the neighbours pre-rolled; baseline: the same switch opening the clip cold.
//   step back   - keypress (Left, paused) to the previous frame on screen, inside the frame cache,
//                 on a long-GOP clip; baseline: the same steps with the cache off.
// Figures are milliseconds at the 50th and 95th percentile and ratios to the frame interval and to
// the baseline. "On screen" here is rendered offscreen and finished on the GPU.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstdio>
#include <functional>

#include "app/app.h"
#include "app/gpu_setup.h"
#include "project/project_io.h"
#include "app/run.h"
#include "core/timecode.h"
#include "render/frame_renderer.h"

namespace reelsync::app {

namespace {

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
    return v[std::min(i, v.size() - 1)];
}

struct Bench {
    Session& s;
    Review& review;
    review::OffscreenFrameTarget target;
    review::Presenter presenter{};

    // One turn of the render loop, as the window does it: the review's housekeeping (a pending clip
    // switch happens here), then the next frame if one is due.
    Result<bool> render_one(double until) {
        (void)review.tick();
        const double now = steady_seconds();
        auto step = presenter.step(s.player(), target, s.reader().info(), now);
        if (!step) return std::unexpected(step.error());
        if (!step->shown) sleep_until(std::min({step->wake_at, now + 0.001, until}));
        return step->shown;
    }
    // Plays (or holds) for `seconds`.
    Result<void> pump(double seconds) {
        const double until = steady_seconds() + seconds;
        while (steady_seconds() < until)
            if (auto r2 = render_one(until); !r2) return std::unexpected(r2.error());
        return {};
    }
    // Runs `action`, then renders until a frame satisfying `done` is on screen: seconds taken.
    Result<double> latency(const std::function<void()>& action, const std::function<bool()>& done) {
        const double t0 = steady_seconds();
        action();
        const double give_up = t0 + 10;
        while (steady_seconds() < give_up) {
            auto r2 = render_one(give_up);
            if (!r2) return std::unexpected(r2.error());
            if (*r2 && done()) return steady_seconds() - t0;
        }
        return fail("bench: no frame within 10 s");
    }
};

void report(const char* what, const std::vector<double>& v, const std::vector<double>& base, double interval) {
    const double p50 = percentile(v, 0.5) * 1000, p95 = percentile(v, 0.95) * 1000;
    const double b50 = percentile(base, 0.5) * 1000, b95 = percentile(base, 0.95) * 1000;
    std::printf("%-11s p50 %7.2f ms  p95 %7.2f ms  = %.2f of a frame interval (%.2f ms); baseline p50 %7.2f ms  p95 %7.2f ms;"
                " p95 ratio to baseline %.3f  (n=%zu)\n",
                what, p50, p95, p95 / interval, interval, b50, b95, b95 > 0 ? p95 / b95 : 0.0, v.size());
}

}  // namespace

int run_review_bench(const ReviewBenchOptions& o) {
    review::SessionOptions po;
    po.no_audio = o.no_audio;
    po.decoder_threads = o.threads;
    Session s(po);
    if (auto r = s.start(); !r) {
        print_error(r.error().message);
        return 1;
    }
    auto proj = project::open_project(o.folder, "");
    if (!proj) {
        print_error(proj.error().message);
        return 1;
    }
    Review review(std::move(*proj), s);
    while (review.catalog() && !review.catalog()->finished()) {  // measure with the catalogue done
        (void)review.tick();
        sleep_until(steady_seconds() + 0.01);
    }
    (void)review.tick();
    const auto& vis = review.visible();
    if (vis.size() < 3) {
        print_error(o.folder + ": the review bench needs at least 3 clips");
        return 1;
    }
    auto ctx = create_headless_context(o.vk_device);
    if (!ctx) {
        print_error(ctx.error().message);
        return 1;
    }
    auto renderer = render::OffscreenRenderer::create(**ctx, 1280, 720);
    if (!renderer) {
        print_error(renderer.error().message);
        return 1;
    }
    Bench b{s, review, review::OffscreenFrameTarget(**renderer)};
    const size_t n = std::min<size_t>(vis.size() - 1, static_cast<size_t>(o.switches));
    auto fail_with = [](const Error& e) {
        print_error(e.message);
        return 1;
    };

    // Next clip, pre-rolled: the director watches each clip a moment, then presses Down.
    std::vector<double> next, cold;
    double interval_sum = 0;
    if (auto r = review.view(review.project().clips()[vis[0]].id, true, /*wait=*/true); !r) return fail_with(r.error());
    if (auto r = b.pump(o.watch); !r) return fail_with(r.error());
    for (size_t i = 0; i < n; ++i) {
        const int64_t target = review.project().clips()[vis[i + 1]].id;
        auto lat = b.latency([&] { (void)review.execute(*review::parse_command("next_clip"), steady_seconds()); },
                             [&] { return s.project_clip == target && s.player().current().has_value(); });
        if (!lat) return fail_with(lat.error());
        next.push_back(*lat);
        interval_sum += s.reader().info().frame_duration_seconds(0);
        if (auto r = b.pump(o.watch); !r) return fail_with(r.error());
    }
    // Baseline: the same switches, each clip opened cold (no pre-roll) on the key press.
    review.back_to_browser();
    for (size_t i = 0; i < n; ++i) {
        const std::string path = review.project().absolute(review.project().clips()[vis[i + 1]]).string();
        Result<void> err;
        auto lat = b.latency(
            [&] {
                auto rd = media::ClipReader::open(path, {});
                if (!rd) {
                    err = std::unexpected(rd.error());
                    return;
                }
                std::shared_ptr<const media::AudioTrack> track;
                if (s.output() && (*rd)->info().audio) {
                    auto t = media::decode_audio(path, s.output()->sample_rate(), s.output()->channels(), (*rd)->info().origin_seconds());
                    if (t) track = std::make_shared<const media::AudioTrack>(std::move(*t));
                }
                s.show_clip(std::move(*rd), track, true);
            },
            [&] { return s.player().current().has_value(); });
        if (!err) return fail_with(err.error());
        if (!lat) return fail_with(lat.error());
        cold.push_back(*lat);
        if (auto r = b.pump(o.watch); !r) return fail_with(r.error());
    }
    std::printf("review bench: %s, %zu clip switches, audio %s\n", o.folder.c_str(), n, s.output() ? "on" : "off");
    report("next clip", next, cold, interval_sum / static_cast<double>(n) * 1000);

    // Backward steps on a long-GOP clip, paused after playing a while.
    if (!o.step_clip.empty()) {
        std::vector<double> cached, uncached;
        double interval = 0;
        for (int pass = 0; pass < 2; ++pass) {
            media::ClipReader::Options ro;
            ro.threads = o.threads;
            if (pass == 1) ro.cache_bytes = 0;
            auto rd = media::ClipReader::open(o.step_clip, ro);
            if (!rd) return fail_with(rd.error());
            interval = (*rd)->info().frame_duration_seconds(0) * 1000;
            s.show_clip(std::move(*rd), nullptr, true);
            if (auto r = b.pump(o.step_play); !r) return fail_with(r.error());
            s.player().pause();
            if (auto r = b.pump(0.2); !r) return fail_with(r.error());
            for (int i = 0; i < o.steps; ++i) {
                const int64_t want = s.player().current_index() - 1;
                if (want < 0) break;
                auto lat = b.latency([&] { s.player().step(-1); },
                                     [&] { return s.player().current() && s.player().current()->index == want; });
                if (!lat) return fail_with(lat.error());
                (pass == 0 ? cached : uncached).push_back(*lat);
                if (auto r = b.pump(o.step_pause); !r) return fail_with(r.error());
            }
        }
        std::printf("step back:  %s, %d steps after %.1f s of playback\n", o.step_clip.c_str(), o.steps, o.step_play);
        report("step back", cached, uncached, interval);
    }
    return 0;
}

}  // namespace reelsync::app
