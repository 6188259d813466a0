#pragma once
// Review mode: a project folder in the window. Three views over one Session:
//   browser - the grid of clips: thumbnails, status badges, rating, filter and sort, culling keys;
//   viewer  - one clip playing, with in/out marks set on the frame on screen at the key press;
//   edit    - the approved shots end to end against the song, with the cut list; reorder, trim, remove.
// A compare of 2-4 takes picked in the browser plays in the viewer (one clock, each take's own
// frame; the Session's compare views); decisions, ratings and marks go to the active take.
// Every decision goes to the project at once (one transaction) and can be undone.
//
// The director acts through commands (review/command.h): execute() runs one at the instant it
// applies to, whatever sent it (a key, a --keys script, the JSON command interface, a test).
// This library knows no window, no ImGui and no key codes.
//
// Thread: owned by the main thread, like the Session. The catalogue (probes, thumbnails) and the
// pre-rolls of the neighbouring clips run on their own threads and hand results over here.
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "project/project_io.h"
#include "review/command.h"
#include "review/session.h"
#include "review/transport.h"
#include "project/catalog.h"
#include "project/edit.h"
#include "project/project.h"

namespace reelsync::review {

class Review {
public:
    enum class Mode { browser, viewer, edit };
    enum class StatusFilter { all, unreviewed, approved, rejected };
    enum class SortBy { name, date, duration, steadiness };

    Review(project::Project project, Session& session);
    ~Review();

    Mode mode() const { return mode_; }
    project::Project& project() { return project_; }
    Session& session() { return session_; }

    // Once per loop: catalogue results, finished pre-rolls. Returns thumbnails to upload (clip id, RGBA).
    std::vector<std::pair<int64_t, std::vector<uint8_t>>> tick();
    // Runs a command at steady instant `at` (0: now): a mark lands on the frame that was on screen
    // then. for_window: the window acts (help, overlay, the note editor ...); not_here: the
    // command does nothing in this view, or had nothing to act on (message() says why).
    Outcome execute(const Command& cmd, double at = 0);
    // The view the director is in: which key table applies.
    Context context() const;
    // Every command executed, with the master-clock instant it applied to (-1: nothing playing).
    struct Record {
        Context where;
        std::string command;
        double clock;
        double steady;
    };
    const std::vector<Record>& history() const { return history_; }
    // Opens the clip with this id in the viewer: at once when it is pre-rolled, else when its
    // pre-roll is ready (tick() switches; `wait` blocks instead, for start-up).
    Result<void> view(int64_t clip_id, bool play, bool wait = false);
    Result<void> enter_edit(bool wait = false);  // wait: open it now (start-up)
    void back_to_browser();
    // Compares takes in the viewer: the picked ones (pick, in the browser), else the selected clip
    // and the next one. Decisions, ratings and marks then go to the active take (take N; a flip
    // makes the take it shows active).
    Result<void> compare_picked();
    const std::vector<int64_t>& picked() const { return picked_; }
    // The compared takes (clip ids, in view order; empty when not comparing) and the active one.
    const std::vector<int64_t>& compared() const { return compared_; }
    size_t active_take() const { return active_take_; }
    // Each compared take's review state for its label, in view order: "approved  rated 3  in the
    // edit  2 flags  steadiness 87" (what is known; "not scanned" before its scan).
    std::vector<std::string> compared_states() const;
    // Whether a just-opened edit, on a machine of two cores or fewer, waits for its own analyses
    // before its clock starts (finish_edit). Off unless the window turns it on: there the director
    // watches its first frames; a headless run is automation, whose scripted keys and --duration
    // count from the start, so its clock starts as soon as the edit is ready.
    void set_hold_edit_start(bool on) { hold_edit_start_ = on; }
    // A clip or an edit is being opened for the screen.
    bool pending() const { return pending_view_.has_value() || pending_edit_.has_value() || pending_compare_.has_value(); }

    // --- what the UI shows ---
    const std::vector<size_t>& visible() const { return view_; }   // indices into project().clips()
    size_t selected() const { return selected_; }
    void select(size_t position);
    int64_t selected_id() const;
    int columns = 6;                      // set by the browser layout (for Up/Down)
    StatusFilter status_filter = StatusFilter::all;
    int min_rating = 0;
    bool flagged_only = false;
    SortBy sort = SortBy::name;
    void refilter();
    const std::string& message() const { return message_; }
    bool message_is_error() const { return message_error_; }
    void say(std::string text, bool error = false);
    const project::Catalog* catalog() const { return catalog_.get(); }
    double catalogue_seconds() const { return catalogue_seconds_; }
    // Every catalogue result has been handed out by tick() (thumbnails included).
    bool all_catalogued() const { return all_catalogued_; }
    // Whether the catalogue is held (tick() holds it while a clip or the edit plays on few cores).
    bool catalogue_held() const { return catalog_ && catalog_->held(); }
    bool note_editing = false;            // the note popup is open (keys go to the text field)
    std::string note_buffer;
    int64_t note_clip = -1;               // the clip whose note is being edited
    bool relink_editing = false;          // the relink popup is open (a folder to search)
    std::string relink_buffer;
    // Saves the note of the clip the note editor was opened on (a decision: undoable).
    void save_note(const std::string& text);
    // Relinks missing clips from a folder and reports how many were found.
    void relink(const std::string& folder);
    // New detector thresholds for the project: saved in FOLDER/reelsync-detectors.json, every stored
    // scan made with others forgotten, the clip on screen and the catalogue's pass scanned again.
    void save_thresholds(const analysis::DetectorConfig& cfg);
    // Keeps a finished scan of a project clip, if it was made with the project's thresholds (not
    // with values being tried in the thresholds panel).
    void store_scan(int64_t clip, BackgroundScan& scan);
    const std::optional<project::Edit>& edit() const { return edit_; }
    // The song's beat grid as the director corrected it (tracked in the background on first use,
    // then cached in the project), and its waveform (peak per span, for the timeline).
    const std::optional<analysis::BeatTrack>& beats() const { return beats_; }
    bool beats_pending() const { return song_job_.valid(); }
    // Each cut's continuity in the edit on screen (project::cut_continuity: exposure, colour and
    // contrast jumps), worked out on the background pool after the edit is built; a cut whose
    // frames could not be read, or one not worked out yet, has none. Kept per cut (the two shots'
    // files and frames), so a trim works out only the cuts it moved.
    const std::vector<std::optional<analysis::Continuity>>& continuity() const { return continuity_; }
    bool continuity_pending() const { return continuity_job_.valid(); }
    // A command that needs the song's beat grid (a grid correction, a trim snapped to the beat)
    // while the grid is still being tracked: a script's or a key's command waits for it rather
    // than being refused, and applies at its own clock instant. A grid the project had stored is
    // there at once (the background job then decodes only the waveform): nothing waits for it.
    bool waits_for_grid(const Command& c) const {
        if (!beats_pending() || tracked_) return false;
        return is_grid_command(c.name) || (snap_ && (c.name == "trim_in" || c.name == "trim_out"));
    }
    // The commands that correct the song's beat grid.
    static bool is_grid_command(const std::string& n) {
        return n == "tap" || n == "nudge_grid" || n == "grid_next_tempo" || n == "grid_offbeat" || n == "grid_reset" || n == "grid_downbeat";
    }
    const std::vector<float>& waveform() const { return waveform_; }
    // Edit view: I/O trims put the cut they move on the nearest beat (S toggles).
    bool snap() const { return snap_; }

private:
    struct Preroll {
        std::unique_ptr<media::ClipReader> reader;
        std::shared_ptr<const media::AudioTrack> track;
        std::shared_ptr<analysis::LiveMeasures> live;  // what its reader decodes, measured
    };
    void start_catalogue();  // (re)reads the project's thresholds too
    analysis::DetectorConfig detectors_;  // the project's thresholds (its stored scans were made with them)
    void preroll_neighbours();
    void start_preroll(const std::string& path);
    Result<void> finish_view();   // shows pending_view_ (its pre-roll is ready)
    Result<void> finish_edit();   // shows pending_edit_ (edit_job_ is ready)
    void decide(Result<void> r);  // reports a decision's outcome
    std::vector<int64_t> picked_;    // clips picked in the browser for a compare (at most 4)
    std::vector<int64_t> compared_;  // the takes the viewer compares (empty: one clip)
    struct PendingCompare {
        std::vector<int64_t> ids;
        std::string title;
        std::future<Result<Session::CompareOpening>> job;  // on the helper pool
    };
    std::optional<PendingCompare> pending_compare_;
    Result<void> finish_compare();  // shows pending_compare_ (its job is ready)
    size_t active_take_ = 0;
    // The viewer's commands while comparing (marks map the compare's frame to the take's own).
    Outcome compare_command(const Command& cmd, double at);
    Outcome viewer_command(const Command& c, double at);
    Outcome browser_command(const Command& c);
    Outcome edit_command(const Command& c, double at);
    Outcome decision_command(const Command& c, int64_t clip);
    static constexpr size_t kHistoryMax = 100000;
    std::vector<Record> history_;
    void step_clip(int dir);
    // Re-opens the edit after a change, showing record time `at_seconds` (or where `show_clip`'s
    // shot now starts); playing on if it was.
    Result<void> rebuild_edit(std::optional<double> at_seconds, std::optional<int64_t> show_clip = std::nullopt);
    std::optional<timeline::Player::OnScreen> on_screen(double at);

    project::Project project_;
    Session& session_;
    Mode mode_ = Mode::browser;
    std::vector<size_t> view_;
    size_t selected_ = 0;
    std::unique_ptr<project::Catalog> catalog_;
    double catalogue_started_ = 0, catalogue_seconds_ = -1;
    bool all_catalogued_ = false;
    std::map<std::string, std::future<Result<Preroll>>> prerolls_;   // by path
    // Jobs no longer wanted: each returns true once its result has been handed to a helper to close.
    std::vector<std::function<bool()>> retiring_;
    template <class T>
    void retire(std::future<T> job);
    std::string message_;
    bool message_error_ = false;
    std::optional<project::Edit> edit_;
    // A clip or an edit being opened for the screen (all owned by the main thread).
    struct PendingView {
        int64_t id;
        bool play;
        std::string path;
    };
    std::optional<PendingView> pending_view_;
    struct PendingEdit {
        project::Edit edit;
        std::optional<double> at;  // record time to show
        bool play;
    };
    std::optional<PendingEdit> pending_edit_;
    std::future<Result<std::unique_ptr<timeline::EditReader>>> edit_job_;
    void want_beats();
    Outcome grid_command(const Command& c, double at);  // tap tempo, nudge, downbeat, next tempo
    void correct_grid(const analysis::GridCorrection& c, const std::string& what);
    struct SongAnalysis {
        std::optional<Result<analysis::BeatTrack>> tracked;  // none: the project had the grid cached
        std::vector<float> waveform;
    };
    std::optional<analysis::BeatTrack> tracked_;  // as tracked
    std::optional<analysis::BeatTrack> beats_;    // tracked_ with the project's correction
    std::vector<float> waveform_;
    std::filesystem::path beats_song_;            // the song these (or the job) are for
    std::future<SongAnalysis> song_job_;
    // The edit's analyses on the background pool (the song's, the continuity's) not yet done: each
    // job holds one count (AnalysisRunning) until it returns. Read by the player's start hold,
    // which shares it: the Session's player may outlive this Review, so it holds no pointer to it.
    std::shared_ptr<std::atomic<int>> analyses_running_ = std::make_shared<std::atomic<int>>(0);
    struct AnalysisRunning {
        explicit AnalysisRunning(std::shared_ptr<std::atomic<int>> n) : n_(std::move(n)) {}
        AnalysisRunning(AnalysisRunning&& o) noexcept : n_(std::move(o.n_)) {}
        AnalysisRunning(const AnalysisRunning&) = delete;
        ~AnalysisRunning() {
            if (n_) --*n_;
        }
        std::shared_ptr<std::atomic<int>> n_;
    };
    static constexpr double kEditAnalysisWait = 1.5;  // seconds an edit's start waits for them at most
    bool hold_edit_start_ = false;                     // set_hold_edit_start(); main thread only
    // Continuity: known cuts by key (out file, out frame, in file, in frame), the job working out
    // the edit's others, and the edit's cuts in order. Main thread only.
    static std::string cut_key(const project::Shot& out, const project::Shot& in);
    void want_continuity();
    std::map<std::string, std::optional<analysis::Continuity>> continuity_known_;
    std::future<std::vector<std::pair<std::string, std::optional<analysis::Continuity>>>> continuity_job_;
    std::vector<std::optional<analysis::Continuity>> continuity_;
    analysis::TapTempo taps_;
    bool snap_ = false;
};

}  // namespace reelsync::review
