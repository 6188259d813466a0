#include "app/overlay.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <cinttypes>
#include <filesystem>

#include "core/timecode.h"
#include "render/color.h"

namespace reelsync::app {

namespace {
struct Hotkey {
    const char* keys;
    const char* what;
};
constexpr Hotkey kHotkeys[] = {
    {"Space", "play / pause"},
    {"Left / Right", "one frame back / forward (pauses)"},
    {"Shift+Left / Right", "ten frames back / forward"},
    {"Home / End", "first / last frame"},
    {"J / K / L", "shuttle reverse / stop / forward (press again: 2x, 4x, 8x)"},
    {"I / O", "loop in / out at the frame on screen"},
    {"Ctrl+L", "loop on / off"},
    {"Page Up / Down", "previous / next clip"},
    {"Tab", "overlay on / off"},
    {"F1 or H", "this help"},
    {"Esc or Q", "quit"},
};
}  // namespace

void handle_keys(Session& s, OverlayState& ui, const std::vector<KeyEvent>& keys) {
    for (const KeyEvent& k : keys) {
        timeline::Player& p = s.player();
        const bool shift = k.mods & GLFW_MOD_SHIFT;
        const bool ctrl = k.mods & GLFW_MOD_CONTROL;
        const int64_t last = p.info().frame_count() - 1;
        switch (k.key) {
            case GLFW_KEY_SPACE: p.toggle_play(); break;
            case GLFW_KEY_LEFT: p.step(shift ? -10 : -1); break;
            case GLFW_KEY_RIGHT: p.step(shift ? 10 : 1); break;
            case GLFW_KEY_HOME: p.seek_frame(0); break;
            case GLFW_KEY_END: p.seek_frame(last); break;
            case GLFW_KEY_J: p.shuttle_reverse(); break;
            case GLFW_KEY_K: p.shuttle_stop(); break;
            case GLFW_KEY_L:
                if (ctrl) {
                    if (p.loop()) p.set_loop(std::nullopt);
                    else p.set_loop(std::make_pair<int64_t, int64_t>(0, int64_t{last}));
                } else {
                    p.shuttle_forward();
                }
                break;
            case GLFW_KEY_I: {
                auto l = p.loop().value_or(std::make_pair<int64_t, int64_t>(0, int64_t{last}));
                p.set_loop(std::make_pair(p.current_index(), std::max(l.second, p.current_index())));
                break;
            }
            case GLFW_KEY_O: {
                auto l = p.loop().value_or(std::make_pair<int64_t, int64_t>(0, int64_t{last}));
                p.set_loop(std::make_pair(std::min(l.first, p.current_index()), p.current_index()));
                break;
            }
            case GLFW_KEY_PAGE_UP:
                if (s.clip_index() > 0) (void)s.open_clip(s.clip_index() - 1);
                break;
            case GLFW_KEY_PAGE_DOWN:
                if (s.clip_index() + 1 < s.clip_count()) (void)s.open_clip(s.clip_index() + 1);
                break;
            case GLFW_KEY_TAB: ui.visible = !ui.visible; break;
            case GLFW_KEY_F1:
            case GLFW_KEY_H: ui.help = !ui.help; break;
            case GLFW_KEY_ESCAPE:
            case GLFW_KEY_Q: ui.quit = true; break;
            default: break;
        }
        s.player().request_redraw();
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
    ImGui::Text("%s  (%zu/%zu)", name.c_str(), s.clip_index() + 1, s.clip_count());
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
    ImGui::End();

    // Scrub bar along the bottom.
    ImGui::SetNextWindowPos(ImVec2(10, vp->Size.y - 44), ImGuiCond_Always);
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
    }
    ImGui::End();

    if (ui.help) {
        ImGui::SetNextWindowPos(ImVec2(vp->Size.x * 0.5f, vp->Size.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
        ImGui::Begin("Hotkeys", &ui.help, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
        if (ImGui::BeginTable("keys", 2)) {
            for (const Hotkey& h : kHotkeys) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(h.keys);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(h.what);
            }
            ImGui::EndTable();
        }
        ImGui::End();
    }
}

}  // namespace reelsync::app
