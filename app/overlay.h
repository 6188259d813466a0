#pragma once
// The Dear ImGui overlay: what the director sees over the picture, and the hotkeys.
#include <optional>
#include <vector>

#include "app/run.h"

namespace reelsync::app {

struct OverlayState {
    bool visible = true;
    bool help = false;
    bool quit = false;
    bool flag_list = false;
    bool heat_map = false;                     // the instability heat map over the picture (M)
    std::optional<int64_t> mark_in, mark_out;  // review mode: the clip's marks, drawn on the scrub bar
    std::vector<int64_t> cuts;                 // edit: first frame of every shot, ticks on the scrub bar
    std::vector<double> beats;                 // edit: the song's beats (seconds), marks under the bar
    std::vector<double> downbeats;             // edit: beat 1 of each bar (taller marks)
    const std::vector<float>* waveform = nullptr;  // edit: the song's peaks over `song_seconds`, behind the bar
    double song_seconds = 0;
    const review::KeyMap* keys = nullptr;      // the key table in use (the help panel lists it)
    bool thresholds = false;                   // the detector thresholds panel (D)
    analysis::DetectorConfig editing;          // its values, applied to the session's scans on request
    bool save_thresholds = false;              // set by the panel: the project should keep `editing` (window acts)
    bool can_save_thresholds = false;          // a project is open: the panel offers to save for it
};

// Runs a command the window executes (help, overlay, flag list, heat map, thresholds, quit).
void window_command(Session& s, OverlayState& ui, const review::Command& c);
// Builds this frame's overlay for the frame about to be shown (between NewFrame and Render).
void build_overlay(Session& s, OverlayState& ui, const media::VideoFrame* shown);
// Comparing takes: each view's label (take letter, file, frame, timecode; "no frame" where the
// take has none at this instant) at its place in a `target`-sized window, the wipe's line, the
// difference view's gain.
// `active`: the take decisions go to (a project's compare), marked; -1: none.
// `states`: a project's review state of each take (Review::compared_states), a line above its label.
void build_compare_labels(Session& s, const media::VideoFrame& shown, VkExtent2D target, int active = -1,
                          const std::vector<std::string>& states = {});
// The detector thresholds panel (D): edit, scan the clip again, save for the project.
void build_thresholds(Session& s, OverlayState& ui);
// The hotkey panel (F1 / H): the key table as bound now.
void build_help(OverlayState& ui);

}  // namespace reelsync::app
