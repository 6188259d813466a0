#pragma once
// The edit: the approved shots of a project, each with its in and out, laid end to end on the
// song's timeline, and its interchange formats (OpenTimelineIO, CMX3600 EDL, CSV).
//
// Time stays rational: a shot of n frames at 24000/1001 lasts exactly n * 1001 / 24000 s, and the
// record position of each cut is the exact sum of the shots before it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "analysis/beat_grid.h"
#include "analysis/beat_tracker.h"
#include "analysis/continuity.h"
#include "analysis/cut_check.h"
#include "core/rational.h"
#include "project/project.h"

namespace reelsync::project {

// Exact seconds as a reduced fraction (num / den), for sums of frame durations at mixed rates.
struct Seconds {
    int64_t num = 0, den = 1;
    Seconds operator+(Seconds o) const;
    double to_double() const { return static_cast<double>(num) / static_cast<double>(den); }
    // The frame at `rate` this instant falls in (floor), and the nearest frame boundary (round).
    int64_t floor_frames(Rational rate) const;
    int64_t round_frames(Rational rate) const;
    friend bool operator==(const Seconds&, const Seconds&) = default;
};
Seconds frames_to_seconds(int64_t frames, Rational rate);

struct Shot {
    int64_t clip_id = 0;
    std::string name;              // file name
    std::filesystem::path path;    // absolute
    Rational rate;                 // the clip's frame rate
    int64_t in = 0, out = 0;       // source frames, inclusive
    int64_t clip_frames = 0;       // frames in the whole clip
    Status status = Status::approved;
    int rating = 0;
    std::string note;

    int64_t frames() const { return out - in + 1; }
    Seconds length() const { return frames_to_seconds(frames(), rate); }
};

struct Edit {
    std::string name;
    Rational rate{24, 1};                 // record timecode rate
    std::filesystem::path audio;          // the song (may be empty)
    double audio_seconds = 0;             // its length, when known
    std::vector<Shot> shots;

    // Record position of shot i's first frame (exact), and of the end of the edit.
    Seconds start_of(size_t i) const;
    Seconds length() const { return start_of(shots.size()); }
};

// Builds the edit from the project's approved shots in edit order. Shots whose clip has no cached
// probe are probed now (probe errors and missing files are errors naming the clip). Record rate:
// the project's "edit_rate" setting, else the first shot's rate.
Result<Edit> build_edit(const Project& project);

// The song's beat grid, tracked once and cached in the project (keyed by the song's path, size,
// modification time and the tracker's version). `project` may be read-only: then nothing is cached.
Result<analysis::BeatTrack> song_beats(Project& project, const std::filesystem::path& song);
// The cached grid only (none: not tracked yet, or the song changed), and storing one tracked elsewhere.
std::optional<analysis::BeatTrack> cached_song_beats(const Project& project, const std::filesystem::path& song);
void store_song_beats(Project& project, const std::filesystem::path& song, const analysis::BeatTrack& track);
// The director's correction of the song's grid (tap tempo, nudge, first downbeat), saved in the
// project for that song (another song starts uncorrected); and the grid as corrected.
analysis::GridCorrection grid_correction(const Project& project, const std::filesystem::path& song);
Result<void> set_grid_correction(Project& project, const std::filesystem::path& song, const analysis::GridCorrection& c);
analysis::BeatTrack corrected_beats(const Project& project, const std::filesystem::path& song, const analysis::BeatTrack& tracked);

// Snapping a trim to the beat: the in (in = true) or out frame of shot `shot`, near `frame`, that
// puts the cut the trim moves on the nearest beat. An out moves the cut after the shot; an in keeps
// the shot's start on the song and moves the cut after it too. Kept inside the clip.
int64_t snap_trim(const Edit& edit, size_t shot, bool in, int64_t frame, const std::vector<double>& beats);

// Each cut of the edit (the start of every shot after the first) against the beat grid: offset
// from the nearest beat in ms and in frames of the edit's rate, off beat beyond half a frame.
std::vector<analysis::CutOffset> cut_offsets(const Edit& edit, const std::vector<double>& beats);

// Each cut's continuity (analysis/continuity.h): the outgoing shot's out-frame against the
// incoming shot's in-frame, decoded exactly; none for a cut where either frame cannot be decoded.
// Two exact frame decodes per cut: run it off the thread that presents.
std::vector<std::optional<analysis::Continuity>> cut_continuity(const Edit& edit);
// One cut's: `out`'s out-frame against `in`'s in-frame.
std::optional<analysis::Continuity> continuity_at_cut(const Shot& out, const Shot& in);

// ClipMedia from a probe of the file (what the browser caches).
Result<ClipMedia> probe_media(const std::filesystem::path& file);

// Rates whose timecode is drop-frame when asked for: 30000/1001 and 60000/1001.
bool drop_frame_capable(Rational rate);
// HH:MM:SS;FF drop-frame timecode (29.97: frames 0 and 1 of each minute are skipped except every
// tenth minute; 59.94: 0-3).
std::string timecode_drop_frame(int64_t frame, Rational rate);

// --- interchange ---
// OpenTimelineIO JSON: Timeline.1 > Stack.1 > Track.1 (Video: Clip.2 per shot, Audio: the song).
// Deterministic (sorted keys, no time stamps).
std::string to_otio(const Edit& edit);
Result<Edit> from_otio(const std::string& json_text);
// CMX3600. drop_frame: drop-frame timecode when the record rate allows it.
std::string to_edl(const Edit& edit, bool drop_frame);
// Every clip of the project, one row each (RFC 4180 quoting).
std::string to_csv(const Project& project);

// file:// URL for an absolute path (percent-encoded) and back.
std::string file_url(const std::filesystem::path& p);
std::filesystem::path path_from_url(const std::string& url);

}  // namespace reelsync::project
