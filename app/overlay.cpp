#include "app/overlay.h"

#include <imgui.h>
#include <nlohmann/json.hpp>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "app/review_ui.h"
#include "core/timecode.h"
#include "render/color.h"
#include "render/video_renderer.h"
#include "timeline/compare_source.h"

namespace reelsync::app {

namespace {
// The scrub bar's window sits this far above the window's foot (build_overlay).
constexpr float kScrubBarTop = 44.0f;
constexpr float kScrubBarHeight = kScrubBarTop + 4.0f;  // and a little room above it

ImU32 flag_colour(analysis::FlagKind k) {
    using K = analysis::FlagKind;
    switch (k) {
        case K::black:
        case K::blank: return IM_COL32(160, 160, 160, 255);
        case K::freeze:
        case K::duplicate:
        case K::cadence:
        case K::end_decay: return IM_COL32(80, 160, 255, 255);
        case K::jump:
        case K::first_frame_jump: return IM_COL32(255, 80, 80, 255);
        case K::flicker:
        case K::exposure: return IM_COL32(255, 200, 40, 255);
        case K::blur: return IM_COL32(200, 120, 255, 255);
        case K::timestamps: return IM_COL32(80, 230, 120, 255);
        case K::cut: return IM_COL32(255, 255, 255, 255);
        case K::corrupt: return IM_COL32(255, 60, 200, 255);
        case K::boil:
        case K::wobble:
        case K::pop:
        case K::melt:
        case K::morph:
        case K::drift: return IM_COL32(255, 140, 40, 255);  // generative faults: orange
    }
    return IM_COL32_WHITE;
}

}  // namespace

void window_command(Session& s, OverlayState& ui, const review::Command& c) {
    const std::string& n = c.name;
    if (n == "help") ui.help = !ui.help;
    else if (n == "quit") ui.quit = true;
    else if (n == "toggle_overlay") ui.visible = !ui.visible;
    else if (n == "flag_list") ui.flag_list = !ui.flag_list;
    else if (n == "heat_map") ui.heat_map = !ui.heat_map;
    else if (n == "thresholds") {
        ui.thresholds = !ui.thresholds;
        if (ui.thresholds) ui.editing = s.detectors;
    }
    if (s.has_player()) s.player().request_redraw();
}

void build_compare_labels(Session& s, const media::VideoFrame& shown, VkExtent2D target, int active, const std::vector<std::string>& states) {
    const auto* cmp = dynamic_cast<const timeline::CompareSource*>(&s.reader());
    if (!cmp || !s.compare() || !shown.views) return;
    const render::CompareLayout& l = *s.compare();
    const auto cells = render::compare_cells(l, target);
    ImDrawList* dl = ImGui::GetForegroundDrawList();
    const float line = ImGui::GetTextLineHeightWithSpacing();
    auto label = [&](ImVec2 at, const std::string& text, bool marked = false) {
        const ImVec2 size = ImGui::CalcTextSize(text.c_str());
        dl->AddRectFilled(ImVec2(at.x - 3, at.y - 1), ImVec2(at.x + size.x + 3, at.y + size.y + 1),
                          marked ? IM_COL32(150, 110, 0, 200) : IM_COL32(0, 0, 0, 160));
        dl->AddText(at, IM_COL32_WHITE, text.c_str());
    };
    const size_t n = std::min(shown.views->size(), cmp->take_count());
    for (size_t v = 0; v < n; ++v) {
        const media::VideoFrame& f = (*shown.views)[v];
        const media::ClipInfo& info = cmp->take_info(v);
        std::string text = std::string(1, static_cast<char>('A' + v)) + "  " + std::filesystem::path(info.path).filename().string();
        if (f.index >= 0 && info.video) {
            char b[96];
            std::snprintf(b, sizeof b, "  frame %" PRId64 "  %s", f.index, timecode(f.index, info.video->frame_rate).c_str());
            text += b;
        } else {
            text += "  (no frame at this instant)";
        }
        // Where the label goes: the bottom of the view's cell (above the scrub bar at the window's
        // foot; the info panel is at the top left); a wipe's and a difference's two takes, one
        // above the other at the bottom left.
        const float foot = static_cast<float>(target.height) - kScrubBarHeight;
        const float cell_bottom = std::min(foot, static_cast<float>(cells[v].y) + static_cast<float>(cells[v].h));
        ImVec2 at(static_cast<float>(cells[v].x) + 8, cell_bottom - line - 4);
        if ((l.mode == render::CompareMode::wipe || l.mode == render::CompareMode::diff) && v < 2) {
            at = ImVec2(8, foot - line * static_cast<float>(2 - v) - 4);
        } else if (cells[v].w == 0) {
            continue;  // not shown (a flip's other takes)
        }
        const bool is_active = static_cast<int>(v) == active;
        if (v < states.size() && !states[v].empty()) {
            // The take's review state on its own line; a wipe's or a difference's two takes share
            // the bottom-left corner, so each state goes after its label there instead.
            if ((l.mode == render::CompareMode::wipe || l.mode == render::CompareMode::diff) && v < 2) text += "  " + states[v];
            else label(ImVec2(at.x, at.y - line), states[v]);
        }
        label(at, is_active ? text + "  (decisions)" : text, is_active);
    }
    if (l.mode == render::CompareMode::diff) {
        char b[64];
        std::snprintf(b, sizeof b, "|A - B| x %.0f", static_cast<double>(l.diff_gain));
        label(ImVec2(8, static_cast<float>(target.height) - kScrubBarHeight - 3 * line - 4), b);
    }
    if (l.mode == render::CompareMode::wipe) {
        const float w = static_cast<float>(target.width), h = static_cast<float>(target.height);
        if (l.horizontal) dl->AddLine(ImVec2(0, l.split * h), ImVec2(w, l.split * h), IM_COL32(255, 255, 255, 200), 1.0f);
        else dl->AddLine(ImVec2(l.split * w, 0), ImVec2(l.split * w, h), IM_COL32(255, 255, 255, 200), 1.0f);
    }
}

void build_overlay(Session& s, OverlayState& ui, const media::VideoFrame* shown) {
    if (!ui.visible) return;
    timeline::Player& p = s.player();
    const media::ClipInfo& info = p.info();
    const auto& v = *info.video;
    const int64_t frame = shown ? shown->index : p.current_index();
    const ImGuiViewport* vp = ImGui::GetMainViewport();

    ImGui::SetNextWindowPos(ImVec2(10, 10), ImGuiCond_Always);
    ImGui::SetNextWindowBgAlpha(0.6f);
    ImGui::Begin("##info", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoMove);
    std::string name = std::filesystem::path(info.path).filename().string();
    if (!s.title.empty()) ImGui::TextUnformatted(s.title.c_str());
    else if (s.playing_edit()) ImGui::Text("edit: %s", s.edit_name().c_str());
    else ImGui::Text("%s  (%zu/%zu)", name.c_str(), s.clip_index() + 1, s.clip_count());
    ImGui::Text("%s %dx%d  %.3f fps (%s)  %s  %s %s", v.codec.c_str(), v.width, v.height, v.frame_rate.to_double(),
                v.frame_rate.str().c_str(), v.pixel_format.c_str(),
                shown && shown->picture ? render::matrix_name(render::matrix_for(shown->picture->colorspace, v.width, v.height, false)) : "",
                v.color_range == "pc" ? "full" : "limited");
    ImGui::Separator();
    ImGui::Text("%s   frame %" PRId64 " / %" PRId64, timecode(frame, v.frame_rate).c_str(), frame, info.frame_count() - 1);
    const char* state = p.at_end() ? "end" : (p.playing() ? "playing" : "paused");
    ImGui::Text("%s  %+.0fx", state, p.speed());
    if (auto l = p.loop()) ImGui::Text("loop %" PRId64 " - %" PRId64, l->first, l->second);
    ImGui::Separator();
    const auto& st = p.stats();
    ImGui::Text("dropped %lld   repeated %lld", static_cast<long long>(st.dropped()), static_cast<long long>(st.repeated()));
    ImGui::Text("A/V error %+.1f ms (mean %.1f, max %.1f)", st.last_avsync_ms(), st.avsync_ms_mean(), st.avsync_ms_max());
    audio::ClockSource src = p.clock().source();
    if (src == audio::ClockSource::audio) {
        ImGui::Text("clock: audio (%s)", s.output() ? s.output()->device_name().c_str() : "");
    } else {
        ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.2f, 1.0f), "clock: %s", audio::to_string(src));
    }
    // The clip's flags: the finished scan, else what live analysis of the frames played so far found.
    std::shared_ptr<const analysis::ClipScan> scan = s.scan() ? s.scan()->shown() : nullptr;
    if (s.scan()) {
        const bool done = s.scan()->result() != nullptr;
        if (done) ImGui::Text("flags: %zu  steadiness %.0f  (F: list, [ ]: previous / next)", scan->flags.size(), scan->steadiness);
        else if (auto err = s.scan()->error()) ImGui::TextColored(ImVec4(1.0f, 0.4f, 0.4f, 1.0f), "analysis failed");
        else
            ImGui::Text("analysing... %.0f%%  (%zu flags so far)", static_cast<double>(s.scan()->progress()) * 100.0,
                        scan ? scan->flags.size() : size_t{0});
    }
    ImGui::End();

    if (scan) {
        // The region of each local flag on this frame, outlined on the picture (under the panels).
        const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
        const render::Rect pic = render::letterbox(static_cast<uint32_t>(v.width), static_cast<uint32_t>(v.height), v.sample_aspect,
                                                   {static_cast<uint32_t>(vp->Size.x * scale.x), static_cast<uint32_t>(vp->Size.y * scale.y)});
        const float px = static_cast<float>(pic.x) / scale.x, py = static_cast<float>(pic.y) / scale.y;
        const float pw = static_cast<float>(pic.w) / scale.x, ph = static_cast<float>(pic.h) / scale.y;
        ImDrawList* dl = ImGui::GetBackgroundDrawList();
        if (ui.heat_map && frame >= 0 && static_cast<size_t>(frame) < scan->heat.size()) {
            // Each tile of the analysis grid tinted by its instability on this frame (0-9).
            const analysis::HeatRow& row = scan->heat[static_cast<size_t>(frame)];
            for (int t = 0; t < analysis::kTiles; ++t) {
                const int heat = row[static_cast<size_t>(t)];
                if (heat == 0) continue;
                const float x0 = px + pw * static_cast<float>(t % analysis::kTilesX) / analysis::kTilesX;
                const float y0 = py + ph * static_cast<float>(t / analysis::kTilesX) / analysis::kTilesY;
                dl->AddRectFilled(ImVec2(x0, y0), ImVec2(x0 + pw / analysis::kTilesX, y0 + ph / analysis::kTilesY),
                                  IM_COL32(255, 90, 30, 20 + 20 * heat));
            }
        }
        for (const auto& f : scan->flags) {
            if (!f.region || frame < f.first_frame || frame > f.last_frame) continue;
            const ImVec2 a(px + pw * f.region->x0 + 1.5f, py + ph * f.region->y0 + 1.5f);
            const ImVec2 b(px + pw * f.region->x1 - 1.5f, py + ph * f.region->y1 - 1.5f);
            dl->AddRect(a, b, flag_colour(f.kind), 0.0f, 0, 3.0f);
            const char* label = analysis::to_string(f.kind);
            const ImVec2 size = ImGui::CalcTextSize(label);
            dl->AddRectFilled(ImVec2(a.x + 1.5f, a.y + 1.5f), ImVec2(a.x + size.x + 9.0f, a.y + size.y + 6.0f), IM_COL32(0, 0, 0, 170));
            dl->AddText(ImVec2(a.x + 5.0f, a.y + 3.5f), flag_colour(f.kind), label);
        }
    }

    // Scrub bar along the bottom.
    ImGui::SetNextWindowPos(ImVec2(10, vp->Size.y - kScrubBarTop), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(vp->Size.x - 20, 34), ImGuiCond_Always);
    ImGui::SetNextWindowBgAlpha(0.6f);
    ImGui::Begin("##scrub", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoNav |
                                         ImGuiWindowFlags_NoMove);
    int64_t pos = frame;
    const int64_t lo = 0, hi = info.frame_count() - 1;
    ImGui::SetNextItemWidth(-1);
    if (ImGui::SliderScalar("##pos", ImGuiDataType_S64, &pos, &lo, &hi, timecode(pos, v.frame_rate).c_str())) {
        if (p.playing()) p.pause();
        p.seek_frame(pos);
        p.scrub_audio();  // dragging the playhead sounds where it is, as in an editing suite
    }
    if (hi > 0 && ui.waveform && !ui.waveform->empty() && ui.song_seconds > 0) {
        // The song's waveform behind the bar: the peak of each pixel column's span, centred.
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        const double end = info.frame_pts_seconds(hi) + info.frame_duration_seconds(hi);
        const auto& w = *ui.waveform;
        const float mid = 0.5f * (a.y + b.y), half = 0.5f * (b.y - a.y);
        const double width = static_cast<double>(b.x - a.x);
        for (float x = a.x; x < b.x; x += 1.0f) {
            const double t0 = end * static_cast<double>(x - a.x) / width, t1 = end * static_cast<double>(x + 1.0f - a.x) / width;
            size_t i0 = static_cast<size_t>(t0 / ui.song_seconds * static_cast<double>(w.size()));
            const size_t i1 = std::min(w.size(), static_cast<size_t>(t1 / ui.song_seconds * static_cast<double>(w.size())) + 1);
            float peak = 0;
            for (; i0 < i1; ++i0) peak = std::max(peak, w[i0]);
            if (peak > 0) dl->AddRectFilled(ImVec2(x, mid - half * peak), ImVec2(x + 1.0f, mid + half * peak), IM_COL32(120, 200, 255, 70));
        }
    }
    if (hi > 0 && scan && !scan->instability.empty()) {
        // The instability curve (the scan's, or live analysis' so far): for each pixel column the
        // largest instability of its frames, rising from the bottom edge (full height: 0.5).
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        const auto& u = scan->instability;
        const double width = static_cast<double>(b.x - a.x);
        for (float x = a.x; x < b.x; x += 1.0f) {
            size_t f0 = static_cast<size_t>(static_cast<double>(x - a.x) / width * static_cast<double>(hi + 1));
            const size_t f1 = std::min(u.size(), static_cast<size_t>(static_cast<double>(x + 1.0f - a.x) / width * static_cast<double>(hi + 1)) + 1);
            float peak = 0;
            for (; f0 < f1; ++f0) peak = std::max(peak, u[f0]);
            const float h = (b.y - a.y) * std::min(1.0f, peak / static_cast<float>(analysis::kSteadyScale));
            if (h >= 1.0f) dl->AddRectFilled(ImVec2(x, b.y - h), ImVec2(x + 1.0f, b.y), IM_COL32(255, 120, 60, 90));
        }
    }
    if (hi > 0 && !ui.beats.empty()) {
        // The beat grid: short marks along the bottom edge of the bar, downbeats taller.
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        const double end = info.frame_pts_seconds(hi) + info.frame_duration_seconds(hi);
        size_t d = 0;
        for (size_t k = 0; k < ui.beats.size() && ui.beats[k] <= end; ++k) {
            const float x = a.x + (b.x - a.x) * static_cast<float>(ui.beats[k] / end);
            while (d < ui.downbeats.size() && ui.downbeats[d] < ui.beats[k] - 1e-6) ++d;
            const bool down = d < ui.downbeats.size() && std::fabs(ui.downbeats[d] - ui.beats[k]) < 1e-6;
            const float h = down ? 10.0f : 4.0f;
            dl->AddRectFilled(ImVec2(x, b.y - h), ImVec2(x + (down ? 2.0f : 1.0f), b.y), IM_COL32(255, 210, 60, 220));
        }
    }
    if (hi > 0 && !ui.cuts.empty()) {
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        for (int64_t c : ui.cuts) {
            const float x = a.x + (b.x - a.x) * static_cast<float>(c) / static_cast<float>(hi);
            dl->AddRectFilled(ImVec2(x, a.y), ImVec2(x + 1.5f, b.y), IM_COL32(255, 255, 255, 200));
        }
    }
    if (hi > 0 && (ui.mark_in || ui.mark_out)) {
        // In and out marks: the marked range as a band under the bar, with end ticks.
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        const float x0 = a.x + (b.x - a.x) * static_cast<float>(ui.mark_in.value_or(0)) / static_cast<float>(hi);
        const float x1 = a.x + (b.x - a.x) * static_cast<float>(ui.mark_out.value_or(hi)) / static_cast<float>(hi);
        dl->AddRectFilled(ImVec2(x0, b.y - 4.0f), ImVec2(std::max(x1, x0 + 2.0f), b.y), IM_COL32(90, 170, 255, 220));
        if (ui.mark_in) dl->AddRectFilled(ImVec2(x0, a.y), ImVec2(x0 + 2.0f, b.y), IM_COL32(90, 170, 255, 255));
        if (ui.mark_out) dl->AddRectFilled(ImVec2(x1 - 2.0f, a.y), ImVec2(x1, b.y), IM_COL32(90, 170, 255, 255));
    }
    if (scan && hi > 0) {
        // Artifact flags as coloured ticks along the bar.
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        ImDrawList* dl = ImGui::GetWindowDrawList();
        for (const auto& f : scan->flags) {
            float x0 = a.x + (b.x - a.x) * static_cast<float>(f.first_frame) / static_cast<float>(hi);
            float x1 = a.x + (b.x - a.x) * static_cast<float>(f.last_frame) / static_cast<float>(hi);
            dl->AddRectFilled(ImVec2(x0, a.y), ImVec2(std::max(x1, x0 + 2.0f), a.y + 4.0f), flag_colour(f.kind));
        }
    }
    ImGui::End();

    if (ui.flag_list && scan) {
        ImGui::SetNextWindowPos(ImVec2(vp->Size.x - 10, 10), ImGuiCond_Always, ImVec2(1.0f, 0.0f));
        ImGui::SetNextWindowBgAlpha(0.75f);
        ImGui::Begin("Flags", &ui.flag_list, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
        if (scan->flags.empty()) ImGui::TextUnformatted("no artifacts found");
        for (size_t i = 0; i < scan->flags.size(); ++i) {
            const auto& f = scan->flags[i];
            char label[128];
            std::snprintf(label, sizeof label, "%-16s %s  %lld-%lld  %.2f##%zu", analysis::to_string(f.kind),
                          timecode(f.first_frame, v.frame_rate).c_str(), static_cast<long long>(f.first_frame),
                          static_cast<long long>(f.last_frame), f.severity, i);
            ImGui::PushStyleColor(ImGuiCol_Text, flag_colour(f.kind));
            if (ImGui::Selectable(label, frame >= f.first_frame && frame <= f.last_frame)) {
                p.pause();
                p.seek_frame(f.first_frame);
            }
            ImGui::PopStyleColor();
        }
        ImGui::End();
    }

    if (ui.thresholds) build_thresholds(s, ui);
    if (ui.help) build_help(ui);
}

void build_thresholds(Session& s, OverlayState& ui) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(ImVec2(vp->Size.x - 10, vp->Size.y - 54), ImGuiCond_Appearing, ImVec2(1.0f, 1.0f));
    ImGui::SetNextWindowBgAlpha(0.85f);
    ImGui::Begin("Detector thresholds", &ui.thresholds, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
    ImGui::PushItemWidth(140);
    for (const analysis::Threshold& t : analysis::thresholds(ui.editing)) {
        if (t.real) {
            ImGui::InputDouble(t.name, t.real, 0.05, 0.5, "%.3f");
            *t.real = std::max(0.0, *t.real);
        } else {
            ImGui::InputInt(t.name, t.whole);
            *t.whole = std::max(0, *t.whole);
        }
    }
    ImGui::PopItemWidth();
    const bool changed = analysis::to_json(ui.editing) != analysis::to_json(s.detectors);
    ImGui::Separator();
    if (ImGui::Button("Defaults")) ui.editing = analysis::DetectorConfig{};
    ImGui::SameLine();
    if (ImGui::Button("Scan this clip again") && s.has_player() && !s.playing_edit()) {
        s.detectors = ui.editing;
        s.start_scan();
    }
    if (ui.can_save_thresholds) {
        ImGui::SameLine();
        if (ImGui::Button("Save for the project")) ui.save_thresholds = true;
    }
    ImGui::TextDisabled(changed ? "changed: not used yet" : "in use");
    ImGui::End();
}

void build_help(OverlayState& ui) {
    if (!ui.keys) return;
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(ImVec2(vp->Size.x * 0.5f, vp->Size.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowSizeConstraints(ImVec2(0, 0), ImVec2(vp->Size.x * 0.95f, vp->Size.y * 0.9f));
    ImGui::Begin("Hotkeys", &ui.help, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
    if (ImGui::BeginTable("keys", 3)) {
        for (const review::HelpRow& h : ui.keys->help()) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", h.where.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(h.keys.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(h.what.c_str());
        }
        ImGui::EndTable();
    }
    ImGui::End();
}

}  // namespace reelsync::app
