#pragma once
// What the app's playback loops share: the engine's session, review and timing step under short
// names, key events from the window or a script, and the loops themselves.
#include <atomic>
#include <cstdio>
#include <string>

#include "app/app.h"
#include "review/command_feed.h"
#include "review/keymap.h"
#include "review/presenter.h"
#include "review/review.h"
#include "review/session.h"

namespace reelsync::app {

using review::BackgroundScan;
using review::CostEstimate;
using review::Outcome;
using review::Review;
using review::sample_aspect_of;
using review::Session;
using review::sleep_until;

// A key press: its name in the key table ("Ctrl+Shift+Z") and the steady instant it went down.
struct KeyEvent {
    std::string key;
    double at = 0;
};
// GLFW's key code and modifiers as a key-table name; empty for keys the table has no name for.
std::string glfw_key_name(int key, int mods);

// The key table: the built-in one, then the user's file (PlayOptions::input_conf, else
// input.conf in the user's config folder). A bad line in a file given on the command line is an
// error; in the user's own file it is reported and skipped.
Result<review::KeyMap> load_key_map(const std::string& input_conf);

// "played N s: ... frames presented, dropped, repeated, A/V error, clock" (stdout unless told).
void print_summary(Session& s, double seconds, FILE* out = stdout);

// The windowed loop (window.cpp): GLFW + swapchain + ImGui overlay.
int run_play_window(Session& s, const PlayOptions& o, const review::KeyMap& keys, review::CommandFeed& feed, Review* review = nullptr);
// Steady seconds at which the process started (for "shown N s after start").
double process_start_seconds();
// "--duration 5 ran out": why a run with keys or requests left ended (CommandFeed::finish).
std::string duration_ran_out(double seconds);

// Set by SIGINT/SIGTERM: playback loops finish cleanly (stats written) and return.
extern std::atomic<bool> g_stop_requested;
void install_stop_handlers();

}  // namespace reelsync::app
