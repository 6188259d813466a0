// `reelsync probe` and `reelsync render`, and helpers shared by the subcommands.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/gpu_setup.h"
#include "media/video_decoder.h"
#include "render/frame_renderer.h"
#include "render/image_io.h"

namespace reelsync::app {

void print_error(const std::string& message) { std::fprintf(stderr, "reelsync: %s\n", message.c_str()); }

bool validation_requested() {
    const char* v = std::getenv("REELSYNC_VK_VALIDATION");
    return v && *v && std::string(v) != "0";
}

VkExtent2D display_size(const media::ClipInfo& info) {
    const auto& v = *info.video;
    double sar = v.sample_aspect.valid() ? v.sample_aspect.to_double() : 1.0;
    uint32_t w = static_cast<uint32_t>(std::lround(v.width * sar));
    return {std::max(1u, w), static_cast<uint32_t>(v.height)};
}

int run_probe(const std::string& file) {
    auto info = media::probe(file, /*allow_audio_only=*/true);
    if (!info) {
        print_error(info.error().message);
        return 1;
    }
    std::cout << media::to_json(*info).dump(2) << "\n";
    return 0;
}

int run_render(const std::string& file, std::optional<int64_t> frame, std::optional<std::pair<int64_t, int64_t>> range,
               const std::string& out, const std::string& out_dir, const std::string& vk_device) {
    if (frame.has_value() == range.has_value()) {
        print_error("render: give either --frame N --out F.png or --frames A:B --out-dir D");
        return 2;
    }
    if (frame && out.empty()) {
        print_error("render: --frame needs --out F.png");
        return 2;
    }
    if (range && out_dir.empty()) {
        print_error("render: --frames needs --out-dir D");
        return 2;
    }
    auto dec = media::VideoDecoder::open(file);
    if (!dec) {
        print_error(dec.error().message);
        return 1;
    }
    const media::ClipInfo& info = (*dec)->info();
    int64_t first = frame ? *frame : range->first;
    int64_t last = frame ? *frame : range->second;
    if (first < 0 || last < first || first >= info.frame_count()) {
        print_error(file + ": frame " + std::to_string(first) + " is out of range (the clip has " +
                    std::to_string(info.frame_count()) + " frames, 0-" + std::to_string(info.frame_count() - 1) + ")");
        return 1;
    }
    last = std::min(last, info.frame_count() - 1);
    if (range) {
        std::error_code ec;
        std::filesystem::create_directories(out_dir, ec);
        if (ec) {
            print_error(out_dir + ": cannot create folder: " + ec.message());
            return 1;
        }
    }

    auto ctx = create_headless_context(vk_device);
    if (!ctx) {
        print_error(ctx.error().message);
        return 1;
    }
    VkExtent2D size = display_size(info);
    auto renderer = render::OffscreenRenderer::create(**ctx, size.width, size.height);
    if (!renderer) {
        print_error(renderer.error().message);
        return 1;
    }
    if (auto s = (*dec)->seek(first); !s) {
        print_error(s.error().message);
        return 1;
    }
    // Every frame asked for is written, and each file holds the frame its name says; a frame the
    // decoder cannot give exactly is an error, never another frame in its place or silence.
    int64_t expect = first;
    bool gaps = false;
    while (true) {
        auto f = (*dec)->next();
        if (!f) {
            print_error(f.error().message);
            return 1;
        }
        if (!*f || (*f)->index > last) break;
        if ((*f)->index < expect) continue;
        if ((*f)->index > expect) {
            print_error(file + ": frame " + std::to_string(expect) + " cannot be decoded exactly (the decoder gives frame " +
                        std::to_string((*f)->index) + " next)");
            if (frame) return 1;
            gaps = true;
        }
        auto px = (*renderer)->render((*f)->picture, info.video->sample_aspect);
        if (!px) {
            print_error(px.error().message);
            return 1;
        }
        std::string path = out;
        if (range) {
            char name[32];
            std::snprintf(name, sizeof name, "frame_%06lld.png", static_cast<long long>((*f)->index));
            path = (std::filesystem::path(out_dir) / name).string();
        }
        if (auto w = render::write_png(path, *px, size.width, size.height); !w) {
            print_error(w.error().message);
            return 1;
        }
        expect = (*f)->index + 1;
        if (frame) break;
    }
    if (expect <= last) {
        print_error(file + ": frames " + std::to_string(expect) + "-" + std::to_string(last) + " could not be decoded");
        return 1;
    }
    return gaps ? 1 : 0;
}

}  // namespace reelsync::app
