#include "review/command.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace reelsync::review {

namespace {
constexpr unsigned P = static_cast<unsigned>(Context::player), B = static_cast<unsigned>(Context::browser),
                   V = static_cast<unsigned>(Context::viewer), E = static_cast<unsigned>(Context::edit);

const std::vector<CommandSpec> kSpecs = {
    // Transport: whatever plays (a playlist clip, a project clip, the edit).
    {"play_pause", Arg::none, false, kPlaying, "play / pause", nullptr},
    {"play", Arg::none, false, kPlaying, "start playing", nullptr},
    {"pause", Arg::none, false, kPlaying, "pause on the frame on screen", nullptr},
    {"step", Arg::integer, false, kPlaying, "N frames forward (negative: back), paused", nullptr},
    {"seek", Arg::seconds, false, kPlaying, "go to a time (clip time; the edit: record time)", nullptr},
    {"seek_frame", Arg::integer, false, kPlaying, "go to a frame (the edit: record frame)", nullptr},
    {"first_frame", Arg::none, false, kPlaying, "first frame", nullptr},
    {"last_frame", Arg::none, false, kPlaying, "last frame", nullptr},
    {"shuttle_reverse", Arg::none, false, kPlaying, "shuttle reverse (again: 2x, 4x, 8x; the sound plays backwards, its pitch kept)", nullptr},
    {"shuttle_stop", Arg::none, false, kPlaying, "shuttle stop", nullptr},
    {"shuttle_forward", Arg::none, false, kPlaying, "shuttle forward (again: 2x, 4x, 8x; the sound keeps its pitch)", nullptr},
    {"prev_flag", Arg::none, false, P | V, "previous artifact flag", nullptr},
    {"next_flag", Arg::none, false, P | V, "next artifact flag", nullptr},
    {"mark_in", Arg::none, false, P | V,
     "mark in on the frame on screen when the key went down (a project clip: saved; a playlist clip: the loop's start)", nullptr},
    {"mark_out", Arg::none, false, P | V, "mark out on the frame on screen (a playlist clip: the loop's end)", nullptr},
    {"loop", Arg::none, false, P | V, "loop between the marks on / off (the whole clip when there are none)", nullptr},
    {"prev_clip", Arg::none, false, P | V | B, "previous clip (viewer: pre-rolled, its first frame is there at once)", nullptr},
    {"next_clip", Arg::none, false, P | V | B, "next clip (viewer: pre-rolled)", nullptr},
    // Comparing takes (`reelsync compare`): the view; the clock and every take's frame go on.
    {"compare_mode", Arg::word, true, P | V, "compare view: side by side, 2x2 grid, wipe, A/B flip, difference (no word: the next)",
     "side grid wipe flip diff"},
    {"flip", Arg::none, false, P | V, "compare: A/B flip to the next take, at the same instant (a project: it becomes the active take)", nullptr},
    {"wipe_move", Arg::integer, false, P | V, "compare: move the wipe N percent of the width (negative: left)", nullptr},
    {"wipe_to", Arg::integer, false, P | V, "compare: the wipe at N percent of the width (dragging it with the mouse sends this)", nullptr},
    {"take", Arg::integer, false, V, "compare in a project: decisions, ratings and marks go to take N (1-4)", nullptr},
    {"use_take", Arg::none, false, V, "compare in a project: the active take takes the edit's place of the compared take in it (undoable)", nullptr},
    {"pick", Arg::none, false, B, "pick the selected clip for a compare of takes (again: drop it)", nullptr},
    {"compare", Arg::none, false, B, "compare the picked takes (none picked: the selected clip and the next) in the viewer", nullptr},
    // What the window shows (the window executes these).
    {"toggle_overlay", Arg::none, false, kPlaying, "overlay on / off", nullptr},
    {"flag_list", Arg::none, false, P | V, "list of artifact flags (click one to go there)", nullptr},
    {"heat_map", Arg::none, false, P | V,
     "heat map over the picture: where it changes in ways motion does not explain", nullptr},
    {"thresholds", Arg::none, false, P | V, "detector thresholds: change them, scan again, save them for the project", nullptr},
    {"help", Arg::none, false, kAllContexts, "all hotkeys", nullptr},
    {"quit", Arg::none, false, kAllContexts, "quit (every decision is already saved)", nullptr},
    // Decisions on a project's clip: the selected one (browser), the one on screen (viewer), the
    // shot under the playhead (edit). Each is saved at once and can be undone.
    {"approve", Arg::none, false, kReview, "approve (browser: then the next clip)", nullptr},
    {"reject", Arg::none, false, kReview, "reject (browser: then the next clip)", nullptr},
    {"unreview", Arg::none, false, kReview, "back to unreviewed (browser: then the next clip)", nullptr},
    {"rate", Arg::integer, false, kReview, "rating 1-5 (0: none)", nullptr},
    {"note", Arg::text, true, kReview, "note on the clip (no text: the note editor)", nullptr},
    {"undo", Arg::none, false, kReview, "undo the last decision (marks and edit changes included)", nullptr},
    {"redo", Arg::none, false, kReview, "redo what was undone", nullptr},
    // Browser.
    {"move", Arg::integer, false, B, "move the selection N clips (negative: back)", nullptr},
    {"move_rows", Arg::integer, false, B, "move the selection N rows", nullptr},
    {"first_clip", Arg::none, false, B, "first clip", nullptr},
    {"last_clip", Arg::none, false, B, "last clip", nullptr},
    {"open", Arg::text, true, B, "play the selected clip (or the clip of that name) in the viewer", nullptr},
    {"edit_view", Arg::none, false, B, "the edit: approved shots on the song", nullptr},
    {"filter_status", Arg::word, true, B, "show all / unreviewed / approved / rejected clips (no word: the next)",
     "all unreviewed approved rejected"},
    {"filter_rating", Arg::integer, true, B, "show clips rated N or more (none: the next, 0 to 5)", nullptr},
    {"filter_flagged", Arg::none, false, B, "flagged clips only, on / off", nullptr},
    {"sort", Arg::word, true, B, "sort by name, date, duration or steadiness (steadiest first; no word: the next)",
     "name date duration steadiness"},
    {"relink", Arg::text, true, B, "relink missing clips from a folder, by name and size (no folder: ask)", nullptr},
    // Viewer.
    {"goto_in", Arg::none, false, V, "go to the in mark", nullptr},
    {"goto_out", Arg::none, false, V, "go to the out mark", nullptr},
    {"clear_in", Arg::none, false, V, "clear the in mark", nullptr},
    {"clear_out", Arg::none, false, V, "clear the out mark", nullptr},
    {"clear_marks", Arg::none, false, V, "clear both marks", nullptr},
    {"back", Arg::none, false, V | E, "back to the browser", nullptr},
    // Edit.
    {"prev_cut", Arg::none, false, E, "previous cut", nullptr},
    {"next_cut", Arg::none, false, E, "next cut", nullptr},
    {"move_shot", Arg::integer, false, E, "move the shot under the playhead N places (negative: earlier)", nullptr},
    {"remove_shot", Arg::none, false, E, "take the shot under the playhead out of the edit (it stays approved)", nullptr},
    {"trim_in", Arg::none, false, E, "trim the shot under the playhead: its in at the frame on screen", nullptr},
    {"trim_out", Arg::none, false, E, "trim the shot under the playhead: its out at the frame on screen", nullptr},
    {"snap", Arg::none, false, E, "snap to beat on / off: trims put the cut they move on the nearest beat", nullptr},
    {"tap", Arg::none, false, E, "tap tempo, on the beat while the edit plays (4 taps or more): the grid follows", nullptr},
    {"nudge_grid", Arg::seconds, false, E, "move the beat grid (+5ms: later)", nullptr},
    {"grid_downbeat", Arg::none, false, E, "the beat nearest the playhead is beat 1 of a bar", nullptr},
    {"grid_reset", Arg::none, false, E, "the beat grid as tracked", nullptr},
    {"grid_next_tempo", Arg::none, false, E, "the beat grid at the tracker's next likeliest tempo (half, double, ...)", nullptr},
    {"grid_offbeat", Arg::none, false, E, "the beat grid half a beat later, onto its off-beats (again: back)", nullptr},
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}

std::optional<int64_t> parse_integer(std::string_view s) {
    std::string t(s);
    if (t.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(t.c_str(), &end, 10);
    if (errno || end != t.c_str() + t.size()) return std::nullopt;
    return v;
}

std::optional<double> parse_seconds(std::string_view s) {
    std::string t(s);
    double scale = 1.0;
    if (t.size() > 2 && t.compare(t.size() - 2, 2, "ms") == 0) {
        scale = 0.001;
        t.resize(t.size() - 2);
    } else if (t.size() > 1 && t.back() == 's') {
        t.pop_back();
    }
    if (t.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size() || !std::isfinite(v)) return std::nullopt;
    return v * scale;
}

std::string usage(const CommandSpec& s) {
    std::string u = s.name;
    switch (s.arg) {
        case Arg::none: break;
        case Arg::integer: u += s.arg_optional ? " [N]" : " N"; break;
        case Arg::seconds: u += " TIME (12.5s, 500ms, +5ms)"; break;
        case Arg::word: u += std::string(s.arg_optional ? " [" : " ") + s.choices + (s.arg_optional ? "]" : ""); break;
        case Arg::text: u += s.arg_optional ? " [TEXT]" : " TEXT"; break;
    }
    return u;
}

}  // namespace

const char* to_string(Context c) {
    switch (c) {
        case Context::player: return "player";
        case Context::browser: return "browser";
        case Context::viewer: return "viewer";
        case Context::edit: return "edit";
    }
    return "?";
}

std::optional<Context> context_named(std::string_view n) {
    for (Context c : {Context::player, Context::browser, Context::viewer, Context::edit})
        if (n == to_string(c)) return c;
    return std::nullopt;
}

const std::vector<CommandSpec>& command_specs() { return kSpecs; }

const CommandSpec* find_command(std::string_view name) {
    for (const CommandSpec& s : kSpecs)
        if (name == s.name) return &s;
    return nullptr;
}

const CommandSpec& Command::spec() const { return *find_command(name); }

std::optional<int> Command::choice() const {
    const CommandSpec& s = spec();
    if (s.arg != Arg::word || text.empty()) return std::nullopt;
    std::string_view ch = s.choices;
    for (int i = 0; !ch.empty(); ++i) {
        const size_t e = ch.find(' ');
        if (ch.substr(0, e) == text) return i;
        ch = e == std::string_view::npos ? std::string_view{} : ch.substr(e + 1);
    }
    return std::nullopt;
}

std::string Command::to_string() const {
    std::string s = name;
    char b[64];
    if (integer) {
        std::snprintf(b, sizeof b, " %lld", static_cast<long long>(*integer));
        s += b;
    } else if (seconds) {
        const double ms = *seconds * 1000.0;
        if (std::fabs(ms - std::round(ms)) < 1e-6 && std::fabs(ms) < 1000.0) std::snprintf(b, sizeof b, " %+.0fms", ms);
        else std::snprintf(b, sizeof b, " %.6gs", *seconds);
        s += b;
    } else if (!text.empty()) {
        s += " " + text;
    }
    return s;
}

Result<Command> parse_command(std::string_view line) {
    line = trim(line);
    const size_t sp = line.find_first_of(" \t");
    const std::string_view name = line.substr(0, sp);
    const std::string_view arg = sp == std::string_view::npos ? std::string_view{} : trim(line.substr(sp));
    if (name.empty()) return fail("no command given");
    const CommandSpec* s = find_command(name);
    if (!s) return fail("unknown command '" + std::string(name) + "' (reelsync keys --commands lists them)");
    Command c;
    c.name = s->name;
    if (arg.empty()) {
        if (s->arg != Arg::none && !s->arg_optional) return fail("'" + std::string(name) + "' needs an argument: " + usage(*s));
        return c;
    }
    auto bad = [&] { return fail("'" + std::string(line) + "': expected " + usage(*s)); };
    switch (s->arg) {
        case Arg::none: return fail("'" + std::string(name) + "' takes no argument");
        case Arg::integer: {
            auto v = parse_integer(arg);
            if (!v) return bad();
            if (c.name == "rate" && (*v < 0 || *v > 5)) return fail("rate: a rating is 0 to 5, not " + std::string(arg));
            if (c.name == "filter_rating" && (*v < 0 || *v > 5)) return fail("filter_rating: 0 to 5, not " + std::string(arg));
            c.integer = v;
            return c;
        }
        case Arg::seconds: {
            auto v = parse_seconds(arg);
            if (!v) return bad();
            c.seconds = v;
            return c;
        }
        case Arg::word:
            c.text = std::string(arg);
            if (!c.choice()) return bad();
            return c;
        case Arg::text: c.text = std::string(arg); return c;
    }
    return bad();
}

}  // namespace reelsync::review
