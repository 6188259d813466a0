#pragma once
// What a playback or review run holds, whatever it draws into (a window, an offscreen target,
// nothing): the playlist, the audio device and track, the
// clock, the player and its statistics. Owned by the app's main thread.
#include <atomic>
#include <optional>
#include <future>
#include <vector>
#include <functional>
#include <memory>
#include <string>

#include "core/helper_pool.h"
#include "review/background_scan.h"
#include "review/session_options.h"
#include "audio/audio_output.h"
#include "audio/clock.h"
#include "media/audio_track.h"
#include "media/clip_reader.h"
#include "render/video_renderer.h"
#include "timeline/compare_source.h"
#include "timeline/edit_reader.h"
#include "timeline/player.h"
#include "timeline/stats.h"

namespace reelsync::review {

class Session {
public:
    explicit Session(SessionOptions opts) : background_(2, opts.background_priority, "rs-background"), opts_(std::move(opts)) {}
    ~Session();

    // Opens the audio device (or notes why there is none) and the stats file.
    Result<void> start();
    // Opens clip i of the playlist and a player for it; playback starts unless --paused.
    Result<void> open_clip(size_t i);
    // Shows a clip opened elsewhere (a pre-rolled one): its reader and audio, paused or playing.
    void show_clip(std::unique_ptr<media::ClipReader> reader, std::shared_ptr<const media::AudioTrack> track, bool play);
    bool has_player() const { return player_ != nullptr; }
    // The project clip on screen (review mode; -1: none) and the text that names it in the overlay.
    int64_t project_clip = -1;
    std::string title;
    size_t clip_index() const { return clip_; }
    size_t clip_count() const { return opts_.files.size(); }

    timeline::Player& player() { return *player_; }
    media::FrameSource& reader() { return *reader_; }
    // Plays an edit (shots end to end) instead of the playlist; `name` titles it.
    Result<void> open_edit(const std::vector<timeline::ShotSpec>& shots, const std::string& name, bool play = true);
    // Shows an edit opened elsewhere.
    void show_edit(std::unique_ptr<timeline::EditReader> edit, const std::string& name, bool play);
    // Compares 2-4 takes on one clock (timeline::CompareSource), against the song when there is
    // one, else with the first take's own sound.
    Result<void> open_compare(const std::vector<timeline::TakeSpec>& takes, bool play = true);
    // The same in two steps, so that the opening runs off the thread that presents:
    // open_compare_job() returns a job (for a helper thread: it holds no pointer to the Session)
    // that opens the takes and decodes the sound; show_compare() plays its result.
    struct CompareOpening {
        std::unique_ptr<timeline::CompareSource> reader;
        std::shared_ptr<const media::AudioTrack> track;
        size_t takes = 0;
    };
    std::function<Result<CompareOpening>()> open_compare_job(const std::vector<timeline::TakeSpec>& takes) const;
    void show_compare(CompareOpening c, bool play = true);
    // The compare's view (none: not comparing): how the window lays the takes out, and what the
    // stats say each present showed. Changed by the compare commands (transport.h).
    const std::optional<render::CompareLayout>& compare() const { return compare_; }
    void set_compare(const render::CompareLayout& l);
    bool playing_edit() const { return edit_ != nullptr; }
    timeline::EditReader* edit() { return edit_; }
    const std::string& edit_name() const { return edit_name_; }
    timeline::PlaybackStats& stats() { return stats_; }
    const SessionOptions& options() const { return opts_; }
    // Reader options from the command line (decoder threads, frame cache budget).
    media::ClipReader::Options reader_options() const;
    const std::string& audio_status() const { return audio_status_; }
    const audio::AudioOutput* output() const { return output_.get(); }
    // The song given with --audio (or the project's), decoded at the device rate; null if none.
    std::shared_ptr<const media::AudioTrack> music() const { return music_; }
    // The artifact scan of the current clip (window only; null when not running).
    BackgroundScan* scan() { return scan_.get(); }
    void start_scan();
    // Window: every clip shown gets a background artifact scan (not edits, not headless runs).
    bool scan_clips = false;
    analysis::DetectorConfig detectors;  // thresholds for those scans (a project's reelsync-detectors.json)
    // The next clip's scan as the project stored it: shown at once instead of scanning again.
    std::optional<analysis::ClipScan> stored_scan;
    // The next clip's live measures (its reader measures what it decodes; see live_reader_options).
    std::shared_ptr<analysis::LiveMeasures> next_live;
    // Reader options that also measure every decoded frame into `live` (when clips are scanned).
    media::ClipReader::Options live_reader_options(std::shared_ptr<analysis::LiveMeasures>& live) const;
    Result<void> finish_stats() { return stats_.finish(); }
    // Starts the audio (the song, else the clip's own track) and a player on reader_.
    void start_player(std::shared_ptr<const media::AudioTrack> track);
    // Helpers for opening and closing clips and edits and the edit's shots (priority helper), and
    // for background analysis: the scan of the clip on screen, a song's beats, live flags
    // (priority background). See core/threads.h.
    HelperPool& helpers() { return helpers_; }
    HelperPool& background() { return background_; }

private:
    // First, so that they outlive everything whose jobs they run: destroyed last, they finish
    // what is queued (readers to close) and join.
    HelperPool helpers_{4, threads::Priority::helper, "rs-helper"};
    HelperPool background_;  // the scan of the clip on screen beside the rest (SessionOptions::background_priority)
    SessionOptions opts_;
    std::unique_ptr<audio::AudioOutput> output_;
    std::shared_ptr<const media::AudioTrack> music_;   // --audio track, decoded once
    std::string audio_status_;
    timeline::PlaybackStats stats_;
    // Order matters for destruction: the player refers to reader and clock.
    std::unique_ptr<media::FrameSource> reader_;
    timeline::EditReader* edit_ = nullptr;   // reader_, when it plays an edit
    std::unique_ptr<audio::MasterClock> clock_;
    std::unique_ptr<timeline::Player> player_;
    std::unique_ptr<BackgroundScan> scan_;
    std::shared_ptr<analysis::LiveMeasures> live_;  // what the current clip's reader has measured (may be null)
    // Closes the reader on a helper (closing joins a decode thread that may be mid-frame: never
    // on the thread that presents).
    void retire_reader();
    size_t clip_ = 0;
    std::string edit_name_;
    std::optional<render::CompareLayout> compare_;
};

}  // namespace reelsync::review
