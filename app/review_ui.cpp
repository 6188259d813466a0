#include "app/review_ui.h"

#include <algorithm>
#include <cmath>

#include <cinttypes>
#include <cstdio>

#include "core/timecode.h"

namespace reelsync::app {

namespace {

ImU32 status_colour(project::Status s) {
    switch (s) {
        case project::Status::approved: return IM_COL32(60, 200, 90, 255);
        case project::Status::rejected: return IM_COL32(230, 70, 60, 255);
        case project::Status::unreviewed: return IM_COL32(110, 110, 110, 255);
    }
    return IM_COL32_WHITE;
}

const char* filter_name(Review::StatusFilter f) {
    switch (f) {
        case Review::StatusFilter::all: return "all";
        case Review::StatusFilter::unreviewed: return "unreviewed";
        case Review::StatusFilter::approved: return "approved";
        case Review::StatusFilter::rejected: return "rejected";
    }
    return "";
}
const char* sort_name(Review::SortBy s) {
    switch (s) {
        case Review::SortBy::name: return "name";
        case Review::SortBy::date: return "date";
        case Review::SortBy::duration: return "duration";
        case Review::SortBy::steadiness: return "steadiness";
    }
    return "";
}

std::string stars(int n) { return std::string(static_cast<size_t>(n), '*') + std::string(static_cast<size_t>(5 - n), '.'); }

std::string duration_text(const project::Clip& c) {
    if (!c.media) return c.probe_error.empty() ? "..." : "unreadable";
    char b[64];
    std::snprintf(b, sizeof b, "%.1fs %dx%d", c.media->duration, c.media->width, c.media->height);
    return b;
}

// The first key bound to `command` in a view ("-" when none is).
std::string key_for(const review::KeyMap& keys, review::Context where, const char* command) {
    const auto k = keys.keys_for(where, command);
    return k.empty() ? std::string("-") : k.front();
}

}  // namespace

void build_browser(Review& r, const ThumbnailDrawer& thumb, const review::KeyMap& keys) {
    auto key = [&](const char* command) { return key_for(keys, review::Context::browser, command); };
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(vp->Pos);
    ImGui::SetNextWindowSize(vp->Size);
    ImGui::Begin("##browser", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoNav);
    project::Project& p = r.project();
    int counts[3] = {0, 0, 0};
    for (const auto& c : p.clips()) ++counts[static_cast<int>(c.status)];
    int missing = 0;
    for (const auto& c : p.clips()) missing += c.missing;
    ImGui::Text("%s   %zu clips:  %d approved  %d rejected  %d unreviewed   edit: %zu shots", p.folder().filename().c_str(),
                p.clips().size(), counts[1], counts[2], counts[0], p.edit().size());
    if (missing) {
        ImGui::SameLine();
        ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "   %d missing (%s: relink)", missing, key("relink").c_str());
    }
    ImGui::Text("showing %zu  |  %s status: %s  %s rating >= %d  %s flagged: %s  %s sort: %s", r.visible().size(),
                key("filter_status").c_str(), filter_name(r.status_filter), key("filter_rating").c_str(), r.min_rating,
                key("filter_flagged").c_str(), r.flagged_only ? "yes" : "no", key("sort").c_str(), sort_name(r.sort));
    if (const project::Catalog* cat = r.catalog(); cat && !cat->finished()) {
        ImGui::SameLine();
        ImGui::Text("  |  thumbnails %zu / %zu", cat->done(), cat->total());
    } else if (cat && cat->scanned() < cat->to_scan()) {
        ImGui::SameLine();
        ImGui::Text("  |  artifact scan %zu / %zu", cat->scanned(), cat->to_scan());
    }
    if (!r.message().empty()) {
        if (r.message_is_error()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", r.message().c_str());
        else ImGui::TextUnformatted(r.message().c_str());
    } else {
        // The keys as bound now (a key file may have moved them).
        ImGui::TextDisabled("%s approve  %s reject  %s rate  %s note  %s play  %s edit  %s undo  %s help", key("approve").c_str(),
                            key("reject").c_str(), (key("rate 1") + "-" + key("rate 5")).c_str(), key("note").c_str(), key("open").c_str(),
                            key("edit_view").c_str(), key("undo").c_str(), key("help").c_str());
    }
    ImGui::Separator();

    const float cell_w = 172, thumb_h = 96, cell_h = thumb_h + 44;
    const float avail = ImGui::GetContentRegionAvail().x;
    const int cols = std::max(1, static_cast<int>(avail / cell_w));
    r.columns = cols;
    ImGui::BeginChild("##grid", ImVec2(0, 0), false, ImGuiWindowFlags_NoNav);
    const auto& vis = r.visible();
    const int rows = static_cast<int>((vis.size() + static_cast<size_t>(cols) - 1) / static_cast<size_t>(cols));
    const int sel_row = static_cast<int>(r.selected()) / cols;
    static size_t last_selected = SIZE_MAX;
    if (last_selected != r.selected()) {
        // Keep the selection in view.
        const float y = static_cast<float>(sel_row) * cell_h;
        if (y < ImGui::GetScrollY()) ImGui::SetScrollY(y);
        else if (y + cell_h > ImGui::GetScrollY() + ImGui::GetWindowHeight()) ImGui::SetScrollY(y + cell_h - ImGui::GetWindowHeight());
        last_selected = r.selected();
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImGuiListClipper clipper;
    clipper.Begin(rows, cell_h);
    while (clipper.Step()) {
        for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
            for (int col = 0; col < cols; ++col) {
                const size_t pos = static_cast<size_t>(row) * static_cast<size_t>(cols) + static_cast<size_t>(col);
                if (pos >= vis.size()) break;
                const project::Clip& c = p.clips()[vis[pos]];
                if (col) ImGui::SameLine();
                ImGui::PushID(static_cast<int>(pos));
                const ImVec2 a = ImGui::GetCursorScreenPos();
                if (ImGui::InvisibleButton("##cell", ImVec2(cell_w - 8, cell_h - 6))) r.select(pos);
                if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
                    r.select(pos);
                    if (auto v = r.view(c.id, true); !v) r.say(v.error().message, true);
                }
                const ImVec2 ta(a.x + 2, a.y + 2), tb(a.x + 2 + 160, a.y + 2 + 90);
                if (c.missing) {
                    dl->AddRectFilled(ta, tb, IM_COL32(60, 20, 20, 255));
                    dl->AddText(ImVec2(ta.x + 8, ta.y + 36), IM_COL32(255, 120, 110, 255), "missing");
                } else if (!thumb(dl, c.id, ta, tb)) {
                    dl->AddRectFilled(ta, tb, IM_COL32(30, 30, 34, 255));
                    dl->AddText(ImVec2(ta.x + 8, ta.y + 36), IM_COL32(150, 150, 150, 255),
                                c.probe_error.empty() ? "..." : "unreadable");
                }
                // Status: a coloured frame and a badge.
                const bool sel = pos == r.selected();
                dl->AddRect(ImVec2(a.x, a.y), ImVec2(a.x + 164, a.y + 94), sel ? IM_COL32(255, 255, 255, 255) : status_colour(c.status), 0,
                            0, sel ? 3.0f : 2.0f);
                if (c.status != project::Status::unreviewed) {
                    dl->AddRectFilled(ImVec2(a.x + 4, a.y + 4), ImVec2(a.x + 22, a.y + 20), status_colour(c.status), 3.0f);
                    dl->AddText(ImVec2(a.x + 9, a.y + 4), IM_COL32_WHITE, c.status == project::Status::approved ? "+" : "x");
                }
                if (c.edit_pos) dl->AddText(ImVec2(a.x + 138, a.y + 4), IM_COL32(255, 230, 120, 255), "E");
                // Picked for a compare: its take letter (A-D, in the order picked).
                if (auto it = std::find(r.picked().begin(), r.picked().end(), c.id); it != r.picked().end()) {
                    const char take[2] = {static_cast<char>('A' + (it - r.picked().begin())), 0};
                    dl->AddRectFilled(ImVec2(a.x + 26, a.y + 4), ImVec2(a.x + 44, a.y + 20), IM_COL32(60, 130, 230, 255), 3.0f);
                    dl->AddText(ImVec2(a.x + 31, a.y + 4), IM_COL32_WHITE, take);
                }
                if (c.flags > 0) {
                    char f[16];
                    std::snprintf(f, sizeof f, "!%d", c.flags);
                    dl->AddText(ImVec2(a.x + 130, a.y + 74), IM_COL32(255, 200, 40, 255), f);
                }
                std::string name = c.name.size() > 24 ? c.name.substr(0, 23) + "~" : c.name;
                dl->AddText(ImVec2(a.x + 2, a.y + thumb_h + 2), IM_COL32(230, 230, 230, 255), name.c_str());
                std::string line = stars(c.rating) + "  " + duration_text(c);
                if (c.mark_in || c.mark_out) line += "  [io]";
                if (!c.note.empty()) line += "  note";
                if (c.steadiness >= 0) line += "  s" + std::to_string(static_cast<int>(std::lround(c.steadiness)));
                dl->AddText(ImVec2(a.x + 2, a.y + thumb_h + 20), IM_COL32(170, 170, 170, 255), line.c_str());
                ImGui::PopID();
            }
        }
    }
    clipper.End();
    ImGui::EndChild();
    ImGui::End();
}

void build_review_panel(Review& r, int64_t frame, const review::KeyMap& keys) {
    Session& s = r.session();
    project::Project& p = r.project();
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(ImVec2(vp->Size.x - 10, 10), ImGuiCond_Always, ImVec2(1.0f, 0.0f));
    ImGui::SetNextWindowBgAlpha(0.7f);
    ImGui::Begin("##review", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoMove);
    if (r.mode() == Review::Mode::viewer) {
        if (const project::Clip* c = p.clip(s.project_clip)) {
            const Rational rate = s.reader().info().video->frame_rate;
            ImGui::TextColored(ImColor(status_colour(c->status)), "%s", project::to_string(c->status));
            ImGui::SameLine();
            ImGui::Text("  %s   clip %zu / %zu", stars(c->rating).c_str(), r.selected() + 1, r.visible().size());
            ImGui::Text("in  %s", c->mark_in ? (timecode(*c->mark_in, rate) + "  (" + std::to_string(*c->mark_in) + ")").c_str() : "-");
            ImGui::Text("out %s", c->mark_out ? (timecode(*c->mark_out, rate) + "  (" + std::to_string(*c->mark_out) + ")").c_str() : "-");
            if (!c->note.empty()) ImGui::TextWrapped("note: %s", c->note.c_str());
        }
    } else if (r.mode() == Review::Mode::edit && r.edit()) {
        const project::Edit& e = *r.edit();
        const size_t here = s.edit() ? s.edit()->shot_at(frame) : 0;
        const int64_t len = e.length().round_frames(e.rate);
        ImGui::Text("edit: %zu shots, %s at %s fps", e.shots.size(), timecode(len, e.rate).c_str(), e.rate.str().c_str());
        std::vector<analysis::CutOffset> offsets;
        if (r.beats()) offsets = project::cut_offsets(e, r.beats()->beats);
        if (e.audio.empty()) {
            ImGui::TextUnformatted("song: (none: reelsync FOLDER --audio SONG)");
        } else if (r.beats()) {
            const analysis::CutTally n = analysis::tally(offsets);
            const auto& b = *r.beats();
            if (!b.steady) {
                ImGui::TextColored(ImVec4(1, 0.6f, 0.2f, 1), "song: %s  no steady beat found (likeliest %.1f BPM; A tries it, T taps the tempo)",
                                   e.audio.filename().c_str(), b.tempo_bpm);
            } else {
                ImGui::Text("song: %s  %.1f BPM   %d of %d cuts on the beat%s", e.audio.filename().c_str(), b.tempo_bpm, n.on, n.checked(),
                            n.outside ? ", others outside the music" : "");
                if (b.uncertain()) {
                    ImGui::SameLine();
                    ImGui::TextColored(ImVec4(1, 0.6f, 0.2f, 1), "  grid uncertain (confidence %.2f)", b.confidence);
                }
                if (b.alternatives.size() > 1) {
                    ImGui::SameLine();
                    ImGui::TextDisabled("  A: other tempo");
                }
                ImGui::SameLine();
                ImGui::TextDisabled("  Shift+A: off-beat");
            }
        } else {
            ImGui::Text("song: %s  %s", e.audio.filename().c_str(), r.beats_pending() ? "(tracking beats...)" : "");
            // On a small machine the edit waits for its beat grid and cut checks before it plays.
            if (s.has_player() && s.player().start_held()) {
                ImGui::SameLine();
                ImGui::TextDisabled("  plays when they are ready (Space: now)");
            }
        }
        ImGui::Separator();
        if (ImGui::BeginTable("cuts", 7, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollY,
                              ImVec2(0, std::min({vp->Size.y * 0.6f, 420.0f, ImGui::GetTextLineHeightWithSpacing() * static_cast<float>(e.shots.size() + 1) + 8.0f})))) {
            ImGui::TableSetupColumn("#");
            ImGui::TableSetupColumn("record");
            ImGui::TableSetupColumn("clip");
            ImGui::TableSetupColumn("in-out");
            ImGui::TableSetupColumn("frames");
            ImGui::TableSetupColumn("cut vs beat");
            ImGui::TableSetupColumn("continuity");
            ImGui::TableHeadersRow();
            for (size_t i = 0; i < e.shots.size(); ++i) {
                const auto& sh = e.shots[i];
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                char label[64];
                std::snprintf(label, sizeof label, "%zu##cut%zu", i + 1, i);
                if (ImGui::Selectable(label, i == here, ImGuiSelectableFlags_SpanAllColumns) && s.edit()) {
                    s.player().seek_frame(s.edit()->shot_start(i));
                }
                if (i == here && ImGui::IsWindowAppearing()) ImGui::SetScrollHereY();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(timecode(e.start_of(i).round_frames(e.rate), e.rate).c_str());
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(sh.name.c_str());
                ImGui::TableNextColumn();
                ImGui::Text("%" PRId64 "-%" PRId64, sh.in, sh.out);
                ImGui::TableNextColumn();
                ImGui::Text("%" PRId64, sh.frames());
                ImGui::TableNextColumn();
                if (i > 0 && i - 1 < offsets.size()) {
                    const auto& o = offsets[i - 1];
                    if (o.outside_music)
                        ImGui::TextDisabled("%s", analysis::cut_remark(o) + 2);  // no beat to land on
                    else
                        ImGui::TextColored(o.off_beat ? ImVec4(1.0f, 0.45f, 0.4f, 1.0f) : ImVec4(0.4f, 0.9f, 0.5f, 1.0f), "%+6.1f ms %+5.2f f",
                                           o.offset_ms, o.offset_frames);
                }
                // The cut's jump in exposure, colour and contrast (out-frame against in-frame).
                ImGui::TableNextColumn();
                if (i > 0 && i - 1 < r.continuity().size() && r.continuity()[i - 1]) {
                    const analysis::Continuity& c = *r.continuity()[i - 1];
                    if (analysis::flagged(c))
                        ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "JUMP %+.2f EV  dE %.1f  %+.2f contrast", c.exposure_ev, c.delta_e, c.contrast);
                    else
                        ImGui::TextDisabled("%+.2f EV  dE %.1f  %+.2f contrast", c.exposure_ev, c.delta_e, c.contrast);
                } else if (i > 0 && r.continuity_pending()) {
                    ImGui::TextDisabled("...");
                }
            }
            ImGui::EndTable();
        }
    }
    if (p.can_undo()) ImGui::TextDisabled("%s: undo %s", key_for(keys, r.context(), "undo").c_str(), p.undo_label().c_str());
    if (!r.message().empty()) {
        if (r.message_is_error()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", r.message().c_str());
        else ImGui::TextUnformatted(r.message().c_str());
    }
    ImGui::End();
}

namespace {
enum class PopupResult { open, ok, cancel };

// A modal text field, centred: `text` is edited in place. Enter (or the OK button) accepts,
// Esc (or Cancel) closes; a multi-line field takes Ctrl+Enter for a new line.
PopupResult text_popup(const char* title, const char* prompt, std::string& text, bool multiline, const char* ok_label) {
    PopupResult result = PopupResult::open;
    ImGui::OpenPopup(title);
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(ImVec2(vp->Size.x * 0.5f, vp->Size.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
    if (!ImGui::BeginPopupModal(title, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return result;
    if (prompt) ImGui::TextUnformatted(prompt);
    char buf[2048];
    std::snprintf(buf, sizeof buf, "%s", text.c_str());
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    bool enter = false;
    if (multiline) {
        enter = ImGui::InputTextMultiline("##text", buf, sizeof buf, ImVec2(480, 90),
                                          ImGuiInputTextFlags_CtrlEnterForNewLine | ImGuiInputTextFlags_EnterReturnsTrue);
    } else {
        ImGui::SetNextItemWidth(480);
        enter = ImGui::InputText("##text", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue);
    }
    text = buf;
    ImGui::TextDisabled("Enter: %s   Esc: cancel", ok_label);
    if (enter || ImGui::Button(ok_label)) result = PopupResult::ok;
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) result = PopupResult::cancel;
    if (result != PopupResult::open) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return result;
}

}  // namespace

void build_note_editor(Review& r) {
    if (r.relink_editing) {
        const PopupResult res = text_popup("Relink", "Find the missing clips in this folder (by name and size):", r.relink_buffer,
                                           false, "Relink");
        if (res != PopupResult::open) r.relink_editing = false;
        if (res == PopupResult::ok) r.relink(r.relink_buffer);
    }
    if (r.note_editing) {
        const PopupResult res = text_popup("Note", nullptr, r.note_buffer, true, "Save");
        if (res != PopupResult::open) r.note_editing = false;
        if (res == PopupResult::ok) r.save_note(r.note_buffer);
    }
}

}  // namespace reelsync::app
