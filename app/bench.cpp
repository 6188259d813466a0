// `reelsync bench`: what moving frames to the GPU and drawing them costs, relative to decoding.
// Three stages on the same clip and decoder thread count, each a fresh decode thread reading the
// clip from the start:
//   (a) decode only: the decode thread fills its queue, the consumer pops and releases
//   (b) (a) + upload: every frame is copied through the staging ring into plane textures (no draw)
//   (c) the full path: (b) + the YUV->RGB draw into an offscreen image at the picture's size
// The stages run interleaved for several rounds and each figure is a median, so a noisy machine
// shifts all three alike; results are printed as frames per second and as ratios to (a).
#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "analysis/artifacts.h"
#include "app/gpu_setup.h"
#include "media/video_decoder.h"
#include "core/timecode.h"
#include "media/clip_info.h"
#include "media/clip_reader.h"
#include "render/frame_renderer.h"

namespace reelsync::app {

namespace {

Result<double> run_stage(const std::string& file, int threads, int64_t frames,
                         const std::function<Result<void>(const media::VideoFrame&)>& consume,
                         const std::function<Result<void>()>& finish) {
    media::ClipReader::Options ro;
    ro.threads = threads;
    auto reader = media::ClipReader::open(file, ro);
    if (!reader) return std::unexpected(reader.error());
    // Let the decode thread start (its codec threads spin up) before timing.
    (*reader)->wait_for_frame(5.0);
    const double t0 = steady_seconds();
    int64_t n = 0;
    while (n < frames && (*reader)->wait_for_frame(10.0)) {
        auto f = (*reader)->pop();
        if (!f) continue;
        if (auto r = consume(*f); !r) return std::unexpected(r.error());
        ++n;
    }
    if (auto r = finish(); !r) return std::unexpected(r.error());
    const double dt = steady_seconds() - t0;
    if (n == 0 || dt <= 0) return fail(file + ": no frames decoded");
    return static_cast<double>(n) / dt;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

// Scanning against decoding: the same decoder and thread count, frames decoded in order, with
// and without the per-frame artifact measures (the detectors themselves run once per clip).
int run_scan_bench(const BenchOptions& opts) {
    std::vector<double> detect_ms;  // the detectors over the whole clip's measures, per round
    int64_t frames_measured = 0;
    auto pass = [&](bool measure) -> Result<double> {
        auto dec = media::VideoDecoder::open(opts.file, media::VideoDecoder::Options{opts.threads});
        if (!dec) return std::unexpected(dec.error());
        analysis::FrameMeter meter;
        std::vector<analysis::FrameMetrics> metrics;
        const double t0 = steady_seconds();
        int64_t n = 0;
        while (opts.frames <= 0 || n < opts.frames) {
            auto f = (*dec)->next();
            if (!f) return std::unexpected(f.error());
            if (!*f) break;
            if (measure) metrics.push_back(meter.measure(*(*f)->picture, (*f)->index));
            ++n;
        }
        if (measure) {
            const double d0 = steady_seconds();
            (void)analysis::detect_artifacts(metrics);
            detect_ms.push_back((steady_seconds() - d0) * 1000);
            frames_measured = n;
        }
        return static_cast<double>(n) / (steady_seconds() - t0);
    };
    std::vector<double> a, s;
    for (int round = 0; round < 3; ++round) {
        auto ra = pass(false);
        auto rs = pass(true);
        if (!ra || !rs) {
            print_error(!ra ? ra.error().message : rs.error().message);
            return 1;
        }
        a.push_back(*ra);
        s.push_back(*rs);
    }
    const double fa = median(a), fs = median(s);
    auto info = media::probe(opts.file);
    const double clip_fps = info && info->video ? info->video->frame_rate.to_double() : 0.0;
    const double realtime = clip_fps > 0 ? fs / clip_fps : 0.0;
    if (opts.json) {
        nlohmann::json j = {{"file", opts.file},         {"decode_fps", fa},           {"scan_fps", fs},
                            {"scan_cost", fa / fs - 1.0}, {"scan_realtime", realtime}, {"detect_ms", median(detect_ms)},
                            {"frames", frames_measured}};
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("clip: %s (3 rounds, median)\n", opts.file.c_str());
    std::printf("decode only        %8.1f fps\n", fa);
    std::printf("decode + scan      %8.1f fps   scanning costs %+.1f%% of decoding\n", fs, (fa / fs - 1.0) * 100);
    if (realtime > 0) std::printf("scan speed         %8.2fx real time (the clip runs at %.3f fps)\n", realtime, clip_fps);
    const double scan_ms = fs > 0 ? static_cast<double>(frames_measured) / fs * 1000 : 0.0;
    std::printf("detectors          %8.1f ms over the measures of %lld frames: %.2f%% of the scan (included above)\n", median(detect_ms),
                static_cast<long long>(frames_measured), scan_ms > 0 ? median(detect_ms) / scan_ms * 100 : 0.0);
    return 0;
}

int run_bench(const BenchOptions& opts) {
    if (opts.scan) return run_scan_bench(opts);
    auto info = media::probe(opts.file);
    if (!info) {
        print_error(info.error().message);
        return 1;
    }
    const int64_t frames = opts.frames > 0 ? std::min<int64_t>(opts.frames, info->frame_count()) : info->frame_count();
    auto ctx = create_headless_context(opts.vk_device);
    if (!ctx) {
        print_error(ctx.error().message);
        return 1;
    }
    VkExtent2D size = display_size(*info);
    auto renderer = render::OffscreenRenderer::create(**ctx, size.width, size.height);
    if (!renderer) {
        print_error(renderer.error().message);
        return 1;
    }
    render::OffscreenRenderer& r = **renderer;
    const Rational sar = info->video->sample_aspect;
    auto none = [](const media::VideoFrame&) -> Result<void> { return {}; };
    auto upload = [&](const media::VideoFrame& f) { return r.upload_only(f.picture); };
    auto draw = [&](const media::VideoFrame& f) { return r.draw(f.picture, sar); };
    auto done = []() -> Result<void> { return {}; };
    auto gpu_done = [&]() { return r.finish(); };

    // Warm-up: file cache, pipeline compilation, texture allocation.
    if (auto w = run_stage(opts.file, opts.threads, std::min<int64_t>(frames, 30), draw, gpu_done); !w) {
        print_error(w.error().message);
        return 1;
    }
    const int rounds = 3;
    std::vector<double> a, b, c;
    for (int i = 0; i < rounds; ++i) {
        auto ra = run_stage(opts.file, opts.threads, frames, none, done);
        auto rb = run_stage(opts.file, opts.threads, frames, upload, gpu_done);
        auto rc = run_stage(opts.file, opts.threads, frames, draw, gpu_done);
        for (auto* res : {&ra, &rb, &rc})
            if (!*res) {
                print_error(res->error().message);
                return 1;
            }
        a.push_back(*ra);
        b.push_back(*rb);
        c.push_back(*rc);
    }
    const double fa = median(a), fb = median(b), fc = median(c);
    const auto& v = *info->video;
    if (opts.json) {
        nlohmann::json j = {{"file", opts.file},
                            {"frames", frames},
                            {"threads", opts.threads},
                            {"device", (*ctx)->device_name()},
                            {"decode_fps", fa},
                            {"upload_fps", fb},
                            {"draw_fps", fc},
                            {"upload_ratio", fb / fa},
                            {"draw_ratio", fc / fa}};
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("clip:    %s (%s %dx%d %s, %lld frames per stage, %d rounds, median)\n", opts.file.c_str(), v.codec.c_str(), v.width,
                v.height, v.pixel_format.c_str(), static_cast<long long>(frames), rounds);
    std::printf("device:  %s; decoder threads: %s\n", (*ctx)->device_name().c_str(),
                opts.threads ? std::to_string(opts.threads).c_str() : "auto");
    std::printf("(a) decode only               %8.1f fps   1.000\n", fa);
    std::printf("(b) decode + upload (no draw) %8.1f fps   %.3f of (a)\n", fb, fb / fa);
    std::printf("(c) full path, offscreen draw %8.1f fps   %.3f of (a)\n", fc, fc / fa);
    return 0;
}

}  // namespace reelsync::app
