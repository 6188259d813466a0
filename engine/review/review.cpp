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
    if (pending_compare_) retire(std::move(pending_compare_->job));  // closed on the helpers once open
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
        const bool busy = (mode_ != Mode::browser && session_.has_player() && session_.player().playing()) || edit_job_.valid();
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
    if (pending_compare_ && pending_compare_->job.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
        if (auto r = finish_compare(); !r) say(r.error().message, true);
    if (continuity_job_.valid() && continuity_job_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        for (auto& [key, c] : continuity_job_.get()) continuity_known_[key] = c;
        want_continuity();  // the edit may have changed meanwhile
    }
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
    compared_.clear();
    mode_ = Mode::viewer;
    // A clip with marks opens on its in point (Ctrl+L loops between them).
    if (c->mark_in) session_.player().seek_frame(*c->mark_in);
    preroll_neighbours();
    return {};
}

void Review::back_to_browser() {
    if (session_.has_player() && session_.player().playing()) session_.player().pause();
    compared_.clear();  // the compare ends with the viewer
    mode_ = Mode::browser;
    refilter();
}

Result<void> Review::rebuild_edit(std::optional<double> at, std::optional<int64_t> show_clip) {
    auto e = project::build_edit(project_);
    if (!e) return std::unexpected(e.error());
    if (e->shots.empty()) {
        edit_ = std::move(*e);
        continuity_.clear();
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
    // (Its shots' readers open and close on the same pool; this job does not wait for them.)
    edit_job_ = session_.helpers().submit([specs = std::move(specs), ro = session_.reader_options(), pool = &session_.helpers()] {
        return timeline::EditReader::open(specs, ro, pool);
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
    compared_.clear();
    mode_ = Mode::edit;
    // The browser's pre-rolled neighbours are of no use in the edit: their decoders would compete
    // with the edit's (the browser opens them again on the way back).
    for (auto& [path, job] : prerolls_) retire(std::move(job));
    prerolls_.clear();
    want_beats();
    want_continuity();
    // On a small machine the edit's analyses (its song's waveform and beats, its cuts'
    // continuity) would take the CPU its first frames need: it plays once they are done, or after
    // kEditAnalysisWait seconds at most (a long song tracked for the first time), on its first
    // frame meanwhile. A pause, a seek or a play key drops the wait.
    if (p.play && hold_edit_start_ && threads::few_cores() && analyses_running_->load() > 0)
        session_.player().hold_start([n = analyses_running_] { return n->load() == 0; }, steady_seconds() + kEditAnalysisWait);
    return {};
}

std::string Review::cut_key(const project::Shot& out, const project::Shot& in) {
    return out.path.string() + '\n' + std::to_string(out.out) + '\n' + in.path.string() + '\n' + std::to_string(in.in);
}

void Review::want_continuity() {
    continuity_.clear();
    if (!edit_) return;
    std::vector<std::pair<project::Shot, project::Shot>> todo;
    for (size_t i = 1; i < edit_->shots.size(); ++i) {
        const std::string key = cut_key(edit_->shots[i - 1], edit_->shots[i]);
        auto it = continuity_known_.find(key);
        continuity_.push_back(it != continuity_known_.end() ? it->second : std::nullopt);
        if (it == continuity_known_.end()) todo.emplace_back(edit_->shots[i - 1], edit_->shots[i]);
    }
    if (todo.empty() || continuity_job_.valid()) return;  // one job at a time; its end asks again
    // Two exact decodes per cut, on the background pool (below the edit's own decoders).
    ++*analyses_running_;
    continuity_job_ = session_.background().submit([todo = std::move(todo), running = AnalysisRunning(analyses_running_)] {
        std::vector<std::pair<std::string, std::optional<analysis::Continuity>>> out;
        for (const auto& [a, b] : todo) out.emplace_back(cut_key(a, b), project::continuity_at_cut(a, b));
        return out;
    });
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
    // On the background pool, below the edit's decoders: the edit starts playing while this runs
    // (on two cores or fewer its clock waits for it, 1.5 s at most: finish_edit()).
    ++*analyses_running_;
    song_job_ = session_.background().submit([song = beats_song_.string(), track = !tracked_, running = AnalysisRunning(analyses_running_)] {
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

}  // namespace reelsync::review
