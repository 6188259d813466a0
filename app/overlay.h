#pragma once
// The Dear ImGui overlay: what the director sees over the picture, and the hotkeys.
#include <vector>

#include "app/session.h"

namespace reelsync::app {

struct KeyEvent {
    int key = 0;
    int mods = 0;
};

struct OverlayState {
    bool visible = true;
    bool help = false;
    bool quit = false;
    bool flag_list = false;
};

// Applies queued key presses to the player (Space, arrows, Home/End, J/K/L, I/O loop, Esc ...).
void handle_keys(Session& s, OverlayState& ui, const std::vector<KeyEvent>& keys);
// Builds this frame's overlay for the frame about to be shown (between NewFrame and Render).
void build_overlay(Session& s, OverlayState& ui, const media::VideoFrame* shown);

}  // namespace reelsync::app
