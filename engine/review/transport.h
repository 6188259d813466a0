#pragma once
// Transport commands on whatever the session plays: play, pause, step, seek, shuttle, the flags,
// and for a playlist clip (no project) its marks, which are the loop's ends.
#include "review/command.h"
#include "review/session.h"

namespace reelsync::review {

enum class Outcome {
    done,        // executed
    for_window,  // the window acts on it (help, overlay, panels, quit, a text field to type in)
    not_here,    // does nothing in this view, or had nothing to act on
};

// Commands the window executes (what it shows), whatever the view.
bool is_window_command(const Command& c);
// Decisions on a project clip (saved at once, undoable).
bool is_decision(const Command& c);

// Runs a transport command on the session's player at steady instant `at`; `where` is player for a
// playlist (next_clip opens the next file, marks set the loop) and viewer or edit in a project.
Outcome execute_transport(Session& s, const Command& c, double at, Context where = Context::player);

}  // namespace reelsync::review
