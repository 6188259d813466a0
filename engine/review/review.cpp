#include "review/review.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "analysis/artifacts.h"
#include "project/project_io.h"
#include "core/log.h"
#include "core/threads.h"
#include "core/timecode.h"
#include "media/audio_track.h"

namespace reelsync::review {

namespace fs = std::filesystem;

Review::Review(project::Project project, Session& session) : project_(std::move(project)), session_(session) {
    refilter();
    start_catalogue();
    snap_ = project_.setting("snap_to_beat") == "1";
    if (project_.read_only()) say(project_.read_only_reason(), true);
}

Review::~Review() {
    catalog_.reset();
    if (edit_job_.valid()) edit_job_.wait();
    // What is still opening is closed on the helpers once open (the Session's pools finish their
    // jobs before they go).
    for (auto& [path, job] : prerolls_) retire(std::move(job));
    prerolls_.clear();
    for (auto& handed_over : retiring_)
        while (!handed_over()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Review::say(std::string text, bool error) {
    message_ = std::move(text);
    message_error_ = error;
    if (error) std::fprintf(stderr, "reelsync: %s\n", message_.c_str());
}

void Review::decide(Result<void> r) {
    if (!r) say(r.error().message, true);
    else if (message_error_ && !project_.read_only()) say("");
    refilter();
}

void Review::start_catalogue() {
    // Thresholds: FOLDER/reelsync-detectors.json when there is one. Scans made with other
    // detectors or thresholds are stale: scan again.
    auto cfg = project::project_detectors(project_.folder());
    if (!cfg) say(cfg.error().message + " (using the default thresholds)", true);
    detectors_ = session_.detectors = cfg.value_or(analysis::DetectorConfig{});
    if (auto r = project::use_detectors(project_, detectors_); !r) say(r.error().message, true);
    std::vector<project::Catalog::Item> items;
    std::vector<size_t> order = view_;  // what the browser shows first is catalogued first
    std::vector<bool> seen(project_.clips().size());
    for (size_t i : view_) seen[i] = true;
    for (size_t i = 0; i < project_.clips().size(); ++i)
        if (!seen[i]) order.push_back(i);
    for (size_t i : order) {
        const project::Clip& c = project_.clips()[i];
        if (c.missing) continue;
        items.push_back({c.id, project_.absolute(c), c.size, c.mtime, c.media.has_value(), c.flags >= 0 || !c.probe_error.empty()});
    }
    catalogue_started_ = steady_seconds();
    catalog_ = std::make_unique<project::Catalog>(project_.folder(), std::move(items), session_.scan_clips, 0, session_.detectors);
}

std::vector<std::pair<int64_t, std::vector<uint8_t>>> Review::tick() {
    std::vector<std::pair<int64_t, std::vector<uint8_t>>> thumbs;
    if (catalog_) {
        bool changed = false;
        const bool finished_before_take = catalog_->finished();  // then this take() has everything
        for (auto& c : catalog_->take()) {
            if (c.media || !c.error.empty()) {
                project_.set_media_local(c.clip, c.media, c.error);
                changed = true;
            }
            if (c.thumbnail) thumbs.emplace_back(c.clip, std::move(c.thumbnail->rgba));
            if (c.flags >= 0) {
                project_.set_flags_local(c.clip, c.flags, c.steadiness);
                changed = changed || flagged_only || sort == SortBy::steadiness;
            }
        }
        if (changed && (sort == SortBy::duration || sort == SortBy::steadiness || flagged_only)) refilter();
        // On few cores the catalogue (probes, thumbnails, its artifact pass) holds while a clip or
        // an edit plays: playback keeps every frame, from the first (core/threads.h).
        const bool busy = mode_ != Mode::browser && session_.has_player() && session_.player().playing();
        catalog_->hold(busy && threads::few_cores());
        if (finished_before_take) all_catalogued_ = true;
        if (catalog_->finished() && catalogue_seconds_ < 0) {
            catalogue_seconds_ = steady_seconds() - catalogue_started_;
        }
    }
    std::erase_if(retiring_, [](auto& handed_over) { return handed_over(); });
    if (pending_view_ && prerolls_.at(pending_view_->path).wait_for(std::chrono::seconds(0)) == std::future_status::ready)
        if (auto r = finish_view(); !r) say(r.error().message, true);
    if (edit_job_.valid() && edit_job_.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
        if (auto r = finish_edit(); !r) say(r.error().message, true);
    if (song_job_.valid() && song_job_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        SongAnalysis a = song_job_.get();
        waveform_ = std::move(a.waveform);
        if (a.tracked && *a.tracked) {
            project::store_song_beats(project_, beats_song_, **a.tracked);
            tracked_ = std::move(**a.tracked);
            beats_ = project::corrected_beats(project_, beats_song_, *tracked_);
        } else if (a.tracked) {
            say("beat grid: " + a.tracked->error().message, true);
        }
    }
    return thumbs;
}

void Review::refilter() {
    const int64_t keep = selected_id();
    view_.clear();
    const auto& clips = project_.clips();
    for (size_t i = 0; i < clips.size(); ++i) {
        const auto& c = clips[i];
        if (status_filter == StatusFilter::unreviewed && c.status != project::Status::unreviewed) continue;
        if (status_filter == StatusFilter::approved && c.status != project::Status::approved) continue;
        if (status_filter == StatusFilter::rejected && c.status != project::Status::rejected) continue;
        if (c.rating < min_rating) continue;
        if (flagged_only && c.flags <= 0) continue;
        view_.push_back(i);
    }
    auto key = [&](size_t i) { return clips[i].path; };
    if (sort == SortBy::date)
        std::stable_sort(view_.begin(), view_.end(), [&](size_t a, size_t b) { return clips[a].mtime < clips[b].mtime; });
    else if (sort == SortBy::duration)
        std::stable_sort(view_.begin(), view_.end(), [&](size_t a, size_t b) {
            double da = clips[a].media ? clips[a].media->duration : 1e30, db = clips[b].media ? clips[b].media->duration : 1e30;
            return da < db;
        });
    else if (sort == SortBy::steadiness)  // steadiest first; clips not scanned yet last
        std::stable_sort(view_.begin(), view_.end(), [&](size_t a, size_t b) { return clips[a].steadiness > clips[b].steadiness; });
    else
        std::stable_sort(view_.begin(), view_.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
    // Keep the selected clip; if the filter now hides it, stay at the same place (the next clip
    // slides under the cursor, as in culling tools).
    const size_t old_pos = selected_;
    selected_ = view_.empty() ? 0 : std::min(old_pos, view_.size() - 1);
    for (size_t p = 0; p < view_.size(); ++p)
        if (clips[view_[p]].id == keep) selected_ = p;
    preroll_neighbours();  // the neighbours may have changed
}

int64_t Review::selected_id() const {
    if (selected_ >= view_.size()) return -1;
    return project_.clips()[view_[selected_]].id;
}

void Review::select(size_t position) {
    if (view_.empty()) return;
    selected_ = std::min(position, view_.size() - 1);
    preroll_neighbours();
}

void Review::preroll_neighbours() {
    // The selected clip and its neighbours are opened and decoding their first frames, so Enter,
    // Page Down or Down shows a first frame at once.
    std::vector<std::string> want;
    if (pending_view_) want.push_back(pending_view_->path);
    for (int d : {0, 1, -1}) {
        const int64_t p = static_cast<int64_t>(selected_) + d;
        if (p < 0 || p >= static_cast<int64_t>(view_.size())) continue;
        const auto& c = project_.clips()[view_[static_cast<size_t>(p)]];
        if (c.missing || !c.probe_error.empty()) continue;
        if (mode_ == Mode::viewer && c.id == session_.project_clip) continue;  // on screen already
        want.push_back(project_.absolute(c).string());
    }
    for (auto it = prerolls_.begin(); it != prerolls_.end();) {
        if (std::find(want.begin(), want.end(), it->first) == want.end()) {
            retire(std::move(it->second));
            it = prerolls_.erase(it);
        } else {
            ++it;
        }
    }
    for (const std::string& path : want) start_preroll(path);
}

template <class T>
void Review::retire(std::future<T> job) {
    // Once the job is done, what it opened (a reader: a decode thread to join) is closed on a
    // helper; tick() hands it over (a helper never waits for another helper's job).
    auto f = std::make_shared<std::future<T>>(std::move(job));
    retiring_.push_back([f, &pool = session_.helpers()] {
        if (f->wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
        (void)pool.submit([f] { (void)f->get(); });
        return true;
    });
}

void Review::start_preroll(const std::string& path) {
    if (prerolls_.count(path)) return;
    const audio::AudioOutput* out = session_.output();
    const int rate = out ? out->sample_rate() : 0, channels = out ? out->channels() : 0;
    std::shared_ptr<analysis::LiveMeasures> live;
    const media::ClipReader::Options ro = session_.live_reader_options(live);
    prerolls_[path] = session_.helpers().submit([path, rate, channels, ro, live]() -> Result<Preroll> {
        auto r = media::ClipReader::open(path, ro);
        if (!r) return std::unexpected(r.error());
        Preroll p;
        p.live = live;
        if (rate > 0 && (*r)->info().audio) {
            auto t = media::decode_audio(path, rate, channels, (*r)->info().origin_seconds());
            if (t) p.track = std::make_shared<const media::AudioTrack>(std::move(*t));
        }
        (*r)->wait_for_frame(2.0);  // the first frame decoded before anyone asks
        p.reader = std::move(*r);
        return p;
    });
}

Result<void> Review::view(int64_t id, bool play, bool wait) {
    const project::Clip* c = project_.clip(id);
    if (!c) return fail("no such clip");
    if (c->missing) return fail(project_.absolute(*c).string() + ": missing (relink: reelsync relink " + project_.folder().string() + " --from FOLDER)");
    for (size_t p = 0; p < view_.size(); ++p)
        if (project_.clips()[view_[p]].id == id) selected_ = p;
    // The clip comes from its pre-roll: ready for a neighbour, else opened on a helper thread and
    // shown by tick() when ready (the render loop never waits for a file to open).
    pending_view_ = PendingView{id, play, project_.absolute(*c).string()};
    start_preroll(pending_view_->path);  // nothing to do when it is a pre-rolled neighbour
    auto& job = prerolls_.at(pending_view_->path);
    if (!wait && job.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        preroll_neighbours();  // the new neighbours meanwhile
        return {};
    }
    return finish_view();  // pre-rolls the new neighbours once the clip is up
}

Result<void> Review::finish_view() {
    const PendingView v = *pending_view_;
    pending_view_.reset();
    auto it = prerolls_.find(v.path);
    auto r = it->second.get();
    prerolls_.erase(it);
    if (!r) return std::unexpected(r.error());
    const project::Clip* c = project_.clip(v.id);
    session_.stored_scan = project_.scan_result(v.id);  // flags at once when the clip was scanned before
    session_.next_live = r->live;
    session_.show_clip(std::move(r->reader), r->track, v.play);
    session_.project_clip = v.id;
    session_.title = c->name;
    mode_ = Mode::viewer;
    // A clip with marks opens on its in point (Ctrl+L loops between them).
    if (c->mark_in) session_.player().seek_frame(*c->mark_in);
    preroll_neighbours();
    return {};
}

void Review::back_to_browser() {
    if (session_.has_player() && session_.player().playing()) session_.player().pause();
    mode_ = Mode::browser;
    refilter();
}

Result<void> Review::rebuild_edit(std::optional<double> at, std::optional<int64_t> show_clip) {
    auto e = project::build_edit(project_);
    if (!e) return std::unexpected(e.error());
    if (e->shots.empty()) {
        edit_ = std::move(*e);
        back_to_browser();
        return fail("the edit is empty: approve clips (P) to lay them on the song");
    }
    std::vector<timeline::ShotSpec> specs;
    for (size_t i = 0; i < e->shots.size(); ++i) {
        specs.push_back({e->shots[i].path.string(), e->shots[i].in, e->shots[i].out});
        if (show_clip && e->shots[i].clip_id == *show_clip) at = e->start_of(i).to_double();
    }
    // A rebuild still opening is superseded (it finishes and closes on its own thread).
    if (edit_job_.valid()) retire(std::move(edit_job_));
    // Opening the edit probes its clips: on a helper thread; tick() shows it when it is ready.
    pending_edit_ = PendingEdit{std::move(*e), at, !at || (session_.has_player() && session_.player().playing())};
    edit_job_ = session_.helpers().submit([specs = std::move(specs), ro = session_.reader_options()] {
        return timeline::EditReader::open(specs, ro);
    });
    return {};
}

Result<void> Review::finish_edit() {
    auto reader = edit_job_.get();
    PendingEdit p = std::move(*pending_edit_);
    pending_edit_.reset();
    if (!reader) return std::unexpected(reader.error());
    session_.show_edit(std::move(*reader), p.edit.name, p.play);
    session_.project_clip = -1;
    session_.title.clear();
    if (p.at) session_.player().seek_time(*p.at);
    edit_ = std::move(p.edit);
    mode_ = Mode::edit;
    // The browser's pre-rolled neighbours are of no use in the edit: their decoders would compete
    // with the edit's (the browser opens them again on the way back).
    for (auto& [path, job] : prerolls_) retire(std::move(job));
    prerolls_.clear();
    want_beats();
    return {};
}

Result<void> Review::enter_edit(bool wait) {
    auto r = rebuild_edit(std::nullopt);
    if (!r || !wait || !edit_job_.valid()) return r;
    edit_job_.wait();
    return finish_edit();
}

void Review::want_beats() {
    if (!edit_ || edit_->audio.empty() || beats_song_ == edit_->audio) return;
    if (song_job_.valid()) return;  // one at a time
    beats_song_ = edit_->audio;
    tracked_ = beats_ = std::nullopt;
    waveform_.clear();
    if (auto c = project::cached_song_beats(project_, beats_song_)) {
        tracked_ = std::move(*c);
        beats_ = project::corrected_beats(project_, beats_song_, *tracked_);
    }
    // Decoding the song (for its waveform) and tracking it take about a second: never on the
    // render thread.
    // On the background pool, below the edit's decoders: the edit starts playing while this runs.
    song_job_ = session_.background().submit([song = beats_song_.string(), track = !tracked_] {
        SongAnalysis a;
        auto audio = media::decode_audio(song, analysis::kTrackerRate, 1, 0.0);
        if (!audio) {
            if (track) a.tracked = std::unexpected(audio.error());
            return a;
        }
        a.waveform = analysis::waveform_peaks(audio->samples, 4096);
        if (track) {
            a.tracked = analysis::track_beats(audio->samples, analysis::kTrackerRate);
            if (!*a.tracked) a.tracked = fail(song + ": " + a.tracked->error().message);
        }
        return a;
    });
}

void Review::correct_grid(const analysis::GridCorrection& c, const std::string& what) {
    if (!tracked_) return;
    decide(project::set_grid_correction(project_, beats_song_, c));
    beats_ = project::corrected_beats(project_, beats_song_, *tracked_);
    say(what);
}

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

Outcome Review::viewer_command(const Command& cmd, double at) {
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
    } else if (c == "edit_view") {
        if (auto r = enter_edit(); !r) say(r.error().message, true);
    } else if (c == "filter_status") {
        static const char* names[] = {"all", "unreviewed", "approved", "rejected"};
        int next = (static_cast<int>(status_filter) + 1) % 4;
        for (int i = 0; i < 4; ++i)
            if (cmd.text == names[i]) next = i;
        status_filter = static_cast<StatusFilter>(next);
        refilter();
    } else if (c == "filter_rating") {
        min_rating = cmd.integer ? static_cast<int>(*cmd.integer) : (min_rating + 1) % 6;
        refilter();
    } else if (c == "filter_flagged") {
        flagged_only = !flagged_only;
        refilter();
    } else if (c == "sort") {
        static const char* names[] = {"name", "date", "duration", "steadiness"};
        int next = (static_cast<int>(sort) + 1) % 4;
        for (int i = 0; i < 4; ++i)
            if (cmd.text == names[i]) next = i;
        sort = static_cast<SortBy>(next);
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
    } else if (c == "tap" || c == "nudge_grid" || c == "grid_next_tempo" || c == "grid_reset" || c == "grid_downbeat") {
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

void Review::save_note(const std::string& text) { decide(project_.set_note(note_clip, text)); }

void Review::relink(const std::string& folder) {
    int missing = 0;
    for (const auto& c : project_.clips()) missing += c.missing;
    auto n = project_.relink(folder);
    if (!n) {
        say(n.error().message, true);
        return;
    }
    say("relinked " + std::to_string(*n) + " of " + std::to_string(missing) + " missing clips from " + folder, *n < missing);
    refilter();
    start_catalogue();  // the relinked clips get their probes and thumbnails
}

void Review::save_thresholds(const analysis::DetectorConfig& cfg) {
    if (project_.read_only()) {
        say(project_.read_only_reason(), true);
        return;
    }
    const fs::path path = project_.folder() / project::kDetectorsFile;
    if (auto r = project::write_file_atomically(path, analysis::to_json(cfg).dump(2) + "\n"); !r) {
        say(r.error().message, true);
        return;
    }
    say("thresholds saved in " + path.filename().string() + ": every clip is scanned again", false);
    start_catalogue();  // reads them back, forgets the stored scans, and scans every clip again
    refilter();
    if (session_.has_player() && !session_.playing_edit()) session_.start_scan();
}

void Review::store_scan(int64_t clip, BackgroundScan& scan) {
    if (scan.stored()) return;
    auto r = scan.result();
    if (r && analysis::to_json(scan.config()) == analysis::to_json(detectors_)) (void)project_.put_scan(clip, *r);
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
