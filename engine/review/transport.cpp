#include "review/transport.h"

#include <algorithm>
#include <cmath>

#include "core/timecode.h"

namespace reelsync::review {

namespace {

// Seeks to the next (dir > 0) or previous flag from the frame on screen.
void goto_flag(Session& s, int dir) {
    if (!s.scan()) return;
    auto scan = s.scan()->shown();
    if (!scan || scan->flags.empty()) return;
    const int64_t at = s.player().current_index();
    std::optional<int64_t> target;
    for (const auto& f : scan->flags) {
        if (dir > 0 && f.first_frame > at && (!target || f.first_frame < *target)) target = f.first_frame;
        if (dir < 0 && f.first_frame < at && (!target || f.first_frame > *target)) target = f.first_frame;
    }
    if (target) {
        s.player().pause();
        s.player().seek_frame(*target);
    }
}

}  // namespace

bool is_window_command(const Command& c) {
    const std::string& n = c.name;
    return n == "help" || n == "quit" || n == "toggle_overlay" || n == "flag_list" || n == "heat_map" || n == "thresholds";
}

bool is_decision(const Command& c) {
    const std::string& n = c.name;
    return n == "approve" || n == "reject" || n == "unreview" || n == "rate" || n == "note" || n == "undo" || n == "redo";
}

Outcome execute_transport(Session& s, const Command& c, double at, Context where) {
    if (is_window_command(c)) return Outcome::for_window;
    if (!s.has_player()) return Outcome::not_here;
    timeline::Player& p = s.player();
    const int64_t last = p.info().frame_count() - 1;
    const std::string& n = c.name;
    // The frame on screen at the instant the command applies to (the seek target if none yet).
    auto on_screen = [&]() -> int64_t {
        auto sc = p.on_screen_at(p.clock().time_at(at > 0 ? at : steady_seconds()));
        return sc ? sc->frame : p.current_index();
    };
    if (n == "play_pause") p.toggle_play();
    else if (n == "play") p.play();
    else if (n == "pause") p.pause();
    else if (n == "step") p.step(*c.integer);
    else if (n == "seek") p.seek_time(std::max(0.0, *c.seconds));
    else if (n == "seek_frame") p.seek_frame(std::clamp<int64_t>(*c.integer, 0, std::max<int64_t>(0, last)));
    else if (n == "first_frame") p.seek_frame(0);
    else if (n == "last_frame") p.seek_frame(last);
    else if (n == "shuttle_reverse") p.shuttle_reverse();
    else if (n == "shuttle_stop") p.shuttle_stop();
    else if (n == "shuttle_forward") p.shuttle_forward();
    else if (n == "next_flag" || n == "prev_flag") goto_flag(s, n == "next_flag" ? +1 : -1);
    else if (where == Context::player && (n == "mark_in" || n == "mark_out")) {
        // A playlist clip has no project to keep marks in: they are the loop's ends, for the session.
        const int64_t f = on_screen();
        auto l = p.loop().value_or(std::make_pair<int64_t, int64_t>(0, int64_t{last}));
        if (n == "mark_in") p.set_loop(std::make_pair(f, std::max(l.second, f)));
        else p.set_loop(std::make_pair(std::min(l.first, f), f));
    } else if (where == Context::player && n == "loop") {
        if (p.loop()) p.set_loop(std::nullopt);
        else p.set_loop(std::make_pair<int64_t, int64_t>(0, int64_t{last}));
    } else if (where == Context::player && (n == "prev_clip" || n == "next_clip")) {
        const bool next = n == "next_clip";
        if (next ? s.clip_index() + 1 >= s.clip_count() : s.clip_index() == 0) return Outcome::not_here;
        if (auto r = s.open_clip(next ? s.clip_index() + 1 : s.clip_index() - 1); !r) return Outcome::not_here;
    } else if (s.compare() && (n == "compare_mode" || n == "flip" || n == "wipe_move" || n == "wipe_to")) {
        // The compare's view: what the next presents show (the clock and every take's frame go on).
        render::CompareLayout l = *s.compare();
        if (n == "compare_mode") {
            // The word names the view (the table's order); none: the next one.
            static constexpr render::CompareMode order[] = {render::CompareMode::side, render::CompareMode::grid, render::CompareMode::wipe,
                                                            render::CompareMode::flip, render::CompareMode::diff};
            size_t now = 0;
            while (now < 5 && order[now] != l.mode) ++now;
            l.mode = c.choice() ? order[*c.choice()] : order[(now + 1) % 5];
        } else if (n == "flip") {
            // A/B: the next take, full frame; from another view, the flip starts on the take it showed last.
            if (l.mode == render::CompareMode::flip) l.shown = (l.shown + 1) % l.views;
            l.mode = render::CompareMode::flip;
        } else {
            l.mode = render::CompareMode::wipe;
            const float to = static_cast<float>(*c.integer) / 100.0f;
            l.split = std::clamp(n == "wipe_to" ? to : l.split + to, 0.0f, 1.0f);
        }
        s.set_compare(l);
    } else {
        return Outcome::not_here;
    }
    s.player().request_redraw();
    return Outcome::done;
}

}  // namespace reelsync::review
