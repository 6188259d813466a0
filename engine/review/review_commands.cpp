// The review engine's commands: what each does in the browser, the viewer and the edit.
// (The review's state, pre-rolls and background work are in review.cpp.)
#include <algorithm>
#include <cstdio>

#include "core/timecode.h"
#include "project/edit.h"
#include "review/review.h"

namespace reelsync::review {

Outcome Review::grid_command(const Command& cmd, double at) {
    if (!tracked_ || !session_.has_player()) {
        say(std::string(cmd.name) + ": the beat grid is not tracked yet", true);
        return Outcome::not_here;
    }
    timeline::Player& p = session_.player();
    // The song's time at the instant the command applies to (the edit starts with the song).
    const double now = p.clock().time_at(at);
    analysis::GridCorrection c = project::grid_correction(project_, beats_song_);
    char what[128];
    if (cmd.name == "tap") {  // tap tempo, on the beat, while the edit plays
        taps_.tap(now);
        auto e = taps_.estimate();
        if (!e) {
            say("tap tempo: " + std::to_string(taps_.taps()) + " taps (4 or more set the tempo)");
            return Outcome::done;
        }
        c.tapped_bpm = e->first;
        c.tapped_anchor = e->second;
        c.offset = 0;
        std::snprintf(what, sizeof what, "tap tempo: %.2f BPM from %zu taps", e->first, taps_.taps());
        correct_grid(c, what);
    } else if (cmd.name == "nudge_grid") {
        c.offset += *cmd.seconds;
        std::snprintf(what, sizeof what, "beat grid nudged: %+.0f ms", c.offset * 1000.0);
        correct_grid(c, what);
    } else if (cmd.name == "grid_next_tempo") {  // the tracker's next tempo reading (double, half, ...), then back
        const int n = static_cast<int>(tracked_->alternatives.size());
        if (n == 0 || (n == 1 && tracked_->steady)) {
            say("beat grid: the tracker offers no other tempo");
            return Outcome::done;
        }
        // From the grid as tracked (reading 0, or none when no steady beat was found) to the next.
        const auto now_reading = project::grid_correction(project_, beats_song_).reading;
        // A new reading starts clean: a tapped tempo would hide it, and a nudge or a downbeat
        // chosen on another reading's beats does not carry over.
        c = {};
        c.reading = now_reading ? (*now_reading + 1) % n : (tracked_->steady ? 1 % n : 0);
        std::snprintf(what, sizeof what, "beat grid: %.1f BPM (reading %d of %d)", tracked_->alternatives[static_cast<size_t>(*c.reading)].tempo_bpm,
                      *c.reading + 1, n);
        correct_grid(c, what);
    } else if (cmd.name == "grid_offbeat") {  // the grid sits on the off-beat: every beat halfway to the next (again: back)
        c.offbeat = !c.offbeat;
        c.first_downbeat.reset();  // a downbeat chosen on the other beats is halfway between two of these
        std::snprintf(what, sizeof what, "%s", c.offbeat ? "beat grid on the off-beat: every beat half a beat later" : "beat grid back on its own beats");
        correct_grid(c, what);
    } else if (cmd.name == "grid_reset") {
        correct_grid({}, "beat grid as tracked");
    } else if (cmd.name == "grid_downbeat") {
        c.first_downbeat = analysis::nearest_beat(now, beats_->beats);  // this beat is beat 1
        std::snprintf(what, sizeof what, "downbeat set at %.3f s", *c.first_downbeat);
        correct_grid(c, what);
    } else {
        return Outcome::not_here;
    }
    return Outcome::done;
}

std::optional<timeline::Player::OnScreen> Review::on_screen(double at) {
    if (!session_.has_player()) return std::nullopt;
    timeline::Player& p = session_.player();
    auto s = p.on_screen_at(p.clock().time_at(at));
    if (!s) return timeline::Player::OnScreen{p.current_index(), -1, -1};  // nothing presented yet: the seek target
    return s;
}

Outcome Review::decision_command(const Command& c, int64_t clip) {
    if (c.name == "undo" || c.name == "redo") {
        const bool redo = c.name == "redo";
        const std::string what = redo ? project_.redo_label() : project_.undo_label();
        auto r = redo ? project_.redo() : project_.undo();
        if (r && !what.empty()) say((redo ? "redone: " : "undone: ") + what);
        decide(std::move(r));
        return Outcome::done;
    }
    if (clip < 0) {
        say(c.name + ": no clip " + (mode_ == Mode::browser ? "selected" : "on screen"), true);
        return Outcome::not_here;
    }
    if (c.name == "approve") decide(project_.set_status(clip, project::Status::approved));
    else if (c.name == "reject") decide(project_.set_status(clip, project::Status::rejected));
    else if (c.name == "unreview") decide(project_.set_status(clip, project::Status::unreviewed));
    else if (c.name == "rate") decide(project_.set_rating(clip, static_cast<int>(*c.integer)));
    else if (c.name == "note") {
        if (!c.text.empty()) {
            decide(project_.set_note(clip, c.text));
        } else if (const auto* cl = project_.clip(clip)) {  // the note editor (the window draws it)
            note_buffer = cl->note;
            note_clip = clip;
            note_editing = true;
            return Outcome::for_window;
        }
    } else {
        return Outcome::not_here;
    }
    return Outcome::done;
}

void Review::step_clip(int dir) {
    if (view_.empty()) return;
    const int64_t p = static_cast<int64_t>(selected_) + dir;
    if (p < 0 || p >= static_cast<int64_t>(view_.size())) return;
    selected_ = static_cast<size_t>(p);
    // The next clip plays at once, as the director is reviewing in motion.
    if (auto r = view(project_.clips()[view_[selected_]].id, true); !r) say(r.error().message, true);
}

std::vector<std::string> Review::compared_states() const {
    std::vector<std::string> out;
    for (const int64_t id : compared_) {
        const project::Clip* c = project_.clip(id);
        if (!c) {
            out.emplace_back();
            continue;
        }
        std::string t = project::to_string(c->status);
        if (c->rating > 0) t += "  rated " + std::to_string(c->rating);
        if (c->edit_pos) t += "  in the edit";
        if (c->flags < 0) {
            t += "  not scanned";
        } else {
            t += "  " + std::to_string(c->flags) + (c->flags == 1 ? " flag" : " flags");
            char b[32];
            std::snprintf(b, sizeof b, "  steadiness %.0f", c->steadiness);
            if (c->steadiness >= 0) t += b;
        }
        out.push_back(std::move(t));
    }
    return out;
}

Result<void> Review::compare_picked() {
    std::vector<int64_t> ids = picked_;
    if (ids.size() < 2) {  // none picked (or one): the selected clip and the next one
        ids.clear();
        for (size_t p = selected_; p < view_.size() && ids.size() < 2; ++p) ids.push_back(project_.clips()[view_[p]].id);
        if (ids.size() < 2) return fail("compare: pick 2 to 4 takes (pick), or select a clip with one after it");
    }
    std::vector<timeline::TakeSpec> takes;
    std::string title = "compare:";
    for (size_t i = 0; i < ids.size(); ++i) {
        const project::Clip* c = project_.clip(ids[i]);
        if (!c) return fail("compare: a picked clip is gone");
        if (c->missing) return fail(project_.absolute(*c).string() + ": missing (relink it to compare it)");
        takes.push_back({project_.absolute(*c).string(), Rational{0, 1}});
        title += std::string(" ") + static_cast<char>('A' + i) + " " + c->name;
    }
    // Opening 2-4 readers (and the first take's sound) takes a while: on a helper thread; tick()
    // shows the compare when it is open (the render loop never waits for a file).
    if (pending_compare_) return fail("compare: the last one is still opening");
    pending_compare_ = PendingCompare{std::move(ids), std::move(title), session_.helpers().submit(session_.open_compare_job(takes))};
    picked_.clear();
    return {};
}

Result<void> Review::finish_compare() {
    PendingCompare p = std::move(*pending_compare_);
    pending_compare_.reset();
    auto c = p.job.get();
    if (!c) return std::unexpected(c.error());
    session_.show_compare(std::move(*c));
    compared_ = std::move(p.ids);
    active_take_ = 0;
    session_.project_clip = compared_[0];
    session_.title = p.title;
    mode_ = Mode::viewer;
    // The browser's pre-rolled neighbours are of no use here (their decoders would compete).
    for (auto& [path, job] : prerolls_) retire(std::move(job));
    prerolls_.clear();
    return {};
}

Outcome Review::compare_command(const Command& cmd, double at) {
    const std::string& n = cmd.name;
    const auto* cmp = dynamic_cast<const timeline::CompareSource*>(&session_.reader());
    if (!cmp) return Outcome::not_here;
    auto make_active = [&](size_t take) {
        active_take_ = std::min(take, compared_.size() - 1);
        session_.project_clip = compared_[active_take_];
        say(std::string("take ") + static_cast<char>('A' + active_take_) + ": " + project_.clip(compared_[active_take_])->name);
    };
    if (n == "take") {
        if (*cmd.integer < 1 || *cmd.integer > static_cast<int64_t>(compared_.size())) {
            say("take: 1 to " + std::to_string(compared_.size()), true);
            return Outcome::not_here;
        }
        make_active(static_cast<size_t>(*cmd.integer - 1));
        return Outcome::done;
    }
    if (n == "mark_in" || n == "mark_out") {
        // The active take's own frame on screen at the instant (none before it starts or after it ends).
        auto s = on_screen(at);
        const int64_t f = s ? cmp->take_frame(active_take_, s->frame) : -1;
        if (f < 0) {
            say(n + ": take " + static_cast<char>('A' + active_take_) + " has no frame at that instant", true);
            return Outcome::not_here;
        }
        const int64_t id = compared_[active_take_];
        decide(n == "mark_in" ? project_.set_in(id, f) : project_.set_out(id, f));
        return Outcome::done;
    }
    if (n == "clear_in" || n == "clear_out" || n == "clear_marks") {
        const int64_t id = compared_[active_take_];
        decide(n == "clear_in" ? project_.clear_in(id) : n == "clear_out" ? project_.clear_out(id) : project_.clear_marks(id));
        return Outcome::done;
    }
    if (n == "use_take") {
        // The active take takes the place in the edit of a compared take that is in it.
        const int64_t take = compared_[active_take_];
        const project::Clip* t = project_.clip(take);
        if (t && t->edit_pos) {
            say(t->name + " is the take in the edit already");
            return Outcome::not_here;
        }
        std::optional<int64_t> in_edit;
        for (const project::Clip* c : project_.edit())
            if (std::find(compared_.begin(), compared_.end(), c->id) != compared_.end()) {
                in_edit = c->id;
                break;
            }
        if (!in_edit) {
            say("none of the compared takes is in the edit: approve one (P) to add it", true);
            return Outcome::not_here;
        }
        decide(project_.edit_swap(*in_edit, take));
        return Outcome::done;
    }
    if (n == "goto_in" || n == "goto_out" || n == "loop" || n == "prev_clip" || n == "next_clip") {
        say(n + " does nothing in a compare (take N picks the take; Esc goes back to the browser)", true);
        return Outcome::not_here;
    }
    if (is_decision(cmd)) return decision_command(cmd, compared_[active_take_]);
    const Outcome o = execute_transport(session_, cmd, at, Context::viewer);
    if (n == "flip" && session_.compare()) make_active(static_cast<size_t>(session_.compare()->shown));
    return o;
}

Outcome Review::viewer_command(const Command& cmd, double at) {
    if (!compared_.empty() && cmd.name != "back") return compare_command(cmd, at);
    const int64_t id = session_.project_clip;
    timeline::Player& p = session_.player();
    const project::Clip* c = project_.clip(id);
    auto loop_marks = [&] {
        if (!p.loop() || !c) return;
        const int64_t last = p.info().frame_count() - 1;
        p.set_loop(std::make_pair(c->mark_in.value_or(0), c->mark_out.value_or(last)));
    };
    const std::string& n = cmd.name;
    if (n == "back") {
        back_to_browser();
    } else if (n == "prev_clip" || n == "next_clip") {
        step_clip(n == "prev_clip" ? -1 : +1);
    } else if (n == "mark_in" || n == "mark_out") {
        if (!c) return Outcome::not_here;
        if (auto s = on_screen(at)) decide(n == "mark_in" ? project_.set_in(id, s->frame) : project_.set_out(id, s->frame));
        c = project_.clip(id);
        loop_marks();
    } else if (n == "goto_in" || n == "goto_out") {
        if (!c) return Outcome::not_here;
        if (auto m = n == "goto_in" ? c->mark_in : c->mark_out) {
            p.pause();
            p.seek_frame(*m);
        }
    } else if (n == "clear_in" || n == "clear_out" || n == "clear_marks") {
        if (!c) return Outcome::not_here;
        decide(n == "clear_in" ? project_.clear_in(id) : n == "clear_out" ? project_.clear_out(id) : project_.clear_marks(id));
        c = project_.clip(id);
        loop_marks();
    } else if (n == "loop") {  // between the marks (the whole clip when none)
        if (!c) return Outcome::not_here;
        if (p.loop()) {
            p.set_loop(std::nullopt);
        } else {
            const int64_t last = p.info().frame_count() - 1;
            p.set_loop(std::make_pair(c->mark_in.value_or(0), c->mark_out.value_or(last)));
        }
    } else if (is_decision(cmd)) {
        return decision_command(cmd, id);
    } else {
        return execute_transport(session_, cmd, at, Context::viewer);
    }
    return Outcome::done;
}

Outcome Review::browser_command(const Command& cmd) {
    const int64_t n = static_cast<int64_t>(view_.size());
    auto move = [&](int64_t d) {
        if (n == 0) return;
        select(static_cast<size_t>(std::clamp<int64_t>(static_cast<int64_t>(selected_) + d, 0, n - 1)));
    };
    const std::string& c = cmd.name;
    if (c == "move") move(*cmd.integer);
    else if (c == "move_rows") move(*cmd.integer * columns);
    else if (c == "prev_clip" || c == "next_clip") move(c == "prev_clip" ? -1 : +1);
    else if (c == "first_clip") select(0);
    else if (c == "last_clip") select(view_.empty() ? 0 : view_.size() - 1);
    else if (c == "open") {
        int64_t id = selected_id();
        if (!cmd.text.empty()) {
            id = -1;
            for (const auto& cl : project_.clips())
                if (cl.name == cmd.text || cl.path == cmd.text) id = cl.id;
            if (id < 0) {
                say("open: no clip named " + cmd.text, true);
                return Outcome::not_here;
            }
        }
        if (id >= 0)
            if (auto r = view(id, true); !r) say(r.error().message, true);
    } else if (c == "pick") {
        // Picks (or drops) the selected clip for a compare of takes.
        const int64_t id = selected_id();
        if (id < 0) return Outcome::not_here;
        if (auto it = std::find(picked_.begin(), picked_.end(), id); it != picked_.end()) {
            picked_.erase(it);
        } else if (picked_.size() >= timeline::CompareSource::kMaxTakes) {
            say("compare: at most 4 takes are picked", true);
            return Outcome::not_here;
        } else {
            picked_.push_back(id);
        }
        say(std::to_string(picked_.size()) + " picked for a compare" + (picked_.size() >= 2 ? " (V compares them)" : ""));
    } else if (c == "compare") {
        if (auto r = compare_picked(); !r) {
            say(r.error().message, true);
            return Outcome::not_here;
        }
    } else if (c == "edit_view") {
        if (auto r = enter_edit(); !r) say(r.error().message, true);
    } else if (c == "filter_status") {
        // The word names the filter (the table's order is the enum's); none: the next one.
        status_filter = static_cast<StatusFilter>(cmd.choice().value_or((static_cast<int>(status_filter) + 1) % 4));
        refilter();
    } else if (c == "filter_rating") {
        min_rating = cmd.integer ? static_cast<int>(*cmd.integer) : (min_rating + 1) % 6;
        refilter();
    } else if (c == "filter_flagged") {
        flagged_only = !flagged_only;
        refilter();
    } else if (c == "sort") {
        sort = static_cast<SortBy>(cmd.choice().value_or((static_cast<int>(sort) + 1) % 4));
        refilter();
    } else if (c == "relink") {
        if (cmd.text.empty()) {  // the relink popup (the window draws it)
            relink_buffer.clear();
            relink_editing = true;
            return Outcome::for_window;
        }
        relink(cmd.text);
    } else if (is_decision(cmd)) {
        const int64_t decided = selected_id();
        const Outcome o = decision_command(cmd, decided);
        if (o == Outcome::done && (c == "approve" || c == "reject" || c == "unreview")) {
            // Culling: a decision moves on to the next clip (if the filter hid this one, the next
            // is already under the cursor).
            if (selected_id() == decided) move(+1);
        }
        return o;
    } else {
        return Outcome::not_here;
    }
    return Outcome::done;
}

Outcome Review::edit_command(const Command& cmd, double at) {
    if (!edit_ || edit_->shots.empty() || !session_.edit()) return Outcome::not_here;
    timeline::Player& p = session_.player();
    timeline::EditReader& er = *session_.edit();
    const size_t here = er.shot_at(p.current_index());
    const int64_t clip = edit_->shots[here].clip_id;
    auto seconds_of = [&](size_t shot) { return edit_->start_of(shot).to_double(); };
    const std::string& c = cmd.name;
    if (c == "back") {
        back_to_browser();
    } else if (c == "move_shot") {  // the shot under the playhead earlier / later
        decide(project_.edit_move(clip, static_cast<int>(*cmd.integer)));
        if (auto r = rebuild_edit(std::nullopt, clip); !r) say(r.error().message, true);  // shown at its new place
    } else if (c == "prev_cut" || c == "next_cut") {
        size_t to = here;
        if (c == "prev_cut") to = p.current_index() > er.shot_start(here) ? here : (here ? here - 1 : 0);
        else to = std::min(here + 1, edit_->shots.size() - 1);
        p.seek_frame(er.shot_start(to));
    } else if (c == "remove_shot") {
        const double t = seconds_of(here);
        decide(project_.edit_remove(clip));
        if (auto r = rebuild_edit(t); !r) say(r.error().message, true);
    } else if (c == "trim_in" || c == "trim_out") {
        // Trim the shot under the playhead to the source frame on screen.
        auto s = on_screen(at);
        if (!s || s->shot < 0) return Outcome::not_here;
        const auto& shot = edit_->shots[static_cast<size_t>(s->shot)];
        const double t = seconds_of(static_cast<size_t>(s->shot));
        const bool in = c == "trim_in";
        int64_t frame = s->source_frame;
        if (snap_ && beats_) frame = project::snap_trim(*edit_, static_cast<size_t>(s->shot), in, frame, beats_->beats);
        decide(in ? project_.set_in(shot.clip_id, frame) : project_.set_out(shot.clip_id, frame));
        if (auto r = rebuild_edit(t); !r) say(r.error().message, true);
    } else if (c == "snap") {
        snap_ = !snap_;
        (void)project_.set_setting("snap_to_beat", snap_ ? "1" : "0");
        say(snap_ ? "snap to beat: on (trims put the cut on the nearest beat)" : "snap to beat: off");
    } else if (is_grid_command(c)) {
        return grid_command(cmd, at);
    } else if (c == "undo" || c == "redo") {
        decision_command(cmd, clip);
        if (auto r = rebuild_edit(seconds_of(here)); !r) say(r.error().message, true);
    } else if (is_decision(cmd)) {
        return decision_command(cmd, clip);
    } else {
        return execute_transport(session_, cmd, at, Context::edit);
    }
    return Outcome::done;
}

Context Review::context() const {
    switch (mode_) {
        case Mode::browser: return Context::browser;
        case Mode::viewer: return Context::viewer;
        case Mode::edit: return Context::edit;
    }
    return Context::browser;
}

Outcome Review::execute(const Command& cmd, double at) {
    if (at <= 0) at = steady_seconds();
    const Context where = context();
    if (!(cmd.spec().contexts & static_cast<unsigned>(where))) {
        say(cmd.name + " does nothing in the " + to_string(where), true);
        return Outcome::not_here;
    }
    // Recorded with the master-clock instant it applies to (-1 where nothing plays).
    Record rec{where, cmd.to_string(), -1.0, steady_seconds()};
    if (where != Context::browser && session_.has_player()) rec.clock = session_.player().clock().time_at(at);
    if (history_.size() >= kHistoryMax) history_.erase(history_.begin(), history_.begin() + kHistoryMax / 2);
    history_.push_back(std::move(rec));
    if (is_window_command(cmd)) return Outcome::for_window;
    Outcome o = Outcome::not_here;
    switch (mode_) {
        case Mode::browser: o = browser_command(cmd); break;
        case Mode::viewer: o = session_.has_player() ? viewer_command(cmd, at) : Outcome::not_here; break;
        case Mode::edit: o = edit_command(cmd, at); break;
    }
    if (session_.has_player()) session_.player().request_redraw();
    return o;
}

}  // namespace reelsync::review
