#pragma once
// The review views drawn with Dear ImGui: the browser grid, the viewer's decision panel, the edit's
// cut list, the note editor. Thumbnails are drawn by the caller (a GPU atlas) through `thumb`.
#include <functional>

#include <imgui.h>

#include "app/run.h"

namespace reelsync::app {

// Draws clip `id`'s thumbnail into [a, b); false when it has none yet.
using ThumbnailDrawer = std::function<bool(ImDrawList*, int64_t id, ImVec2 a, ImVec2 b)>;

void build_browser(Review& r, const ThumbnailDrawer& thumb, const review::KeyMap& keys);
// Viewer and edit: the panel beside the picture (decisions, marks, cut list). `frame`: on screen.
void build_review_panel(Review& r, int64_t frame, const review::KeyMap& keys);
// The note popup (any mode).
void build_note_editor(Review& r);

}  // namespace reelsync::app
