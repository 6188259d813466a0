#pragma once
// A project: a folder of clips and the director's decisions about them, kept in an SQLite database
// beside the clips (reelsync.db). Every decision is one transaction, committed before the call
// returns: a decision the caller has been told about survives a crash or a kill.
//
// Decisions are undoable: each is a set of field changes (old and new values), applied and undone
// as one transaction, and also appended to a journal table (who changed what, when).
//
// The schema is versioned (PRAGMA user_version) and upgraded by numbered migrations; a database
// written by a newer reelsync is refused, untouched, with a message saying so.
//
// Thread: a Project (its connection) has one owner thread. Background work (probes, thumbnails)
// opens its own connection with ProjectCache.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "analysis/artifacts.h"
#include "core/error.h"
#include "core/rational.h"

struct sqlite3;

namespace reelsync::project {

inline constexpr int kSchemaVersion = 2;
inline constexpr const char* kDatabaseName = "reelsync.db";

enum class Status { unreviewed = 0, approved = 1, rejected = 2 };
const char* to_string(Status s);

// What a probe learnt about a clip (cached in the database, keyed by file size and mtime).
struct ClipMedia {
    std::string codec;
    int width = 0, height = 0;
    Rational rate;            // nominal frame rate
    int64_t frame_count = 0;
    double duration = 0;      // seconds
};

struct Clip {
    int64_t id = 0;
    std::string path;         // relative to the project folder (generic format)
    std::string name;         // file name
    int64_t size = 0;
    int64_t mtime = 0;        // seconds since the epoch
    Status status = Status::unreviewed;
    int rating = 0;           // 0: none, 1-5
    std::string note;
    std::optional<int64_t> mark_in, mark_out;  // frames, inclusive
    std::optional<int64_t> edit_pos;           // place in the edit; none: not in it
    bool missing = false;                      // the file is not in the folder
    std::optional<ClipMedia> media;            // once probed
    std::string probe_error;                   // a probe failed: why
    int flags = -1;                            // artifact flags found; -1: not scanned
    double steadiness = -1;                    // its scan's steadiness (0..100); -1: not scanned
};

// One field of one clip. Values: nothing (SQL NULL), an integer, or text.
enum class Field { status, rating, note, mark_in, mark_out, edit_pos };
const char* to_string(Field f);
using Value = std::variant<std::monostate, int64_t, std::string>;

struct FieldChange {
    int64_t clip = 0;
    Field field = Field::status;
    Value before, after;
};
struct Decision {
    std::string what;  // shown in the undo history: "approve clip_012.mp4"
    std::vector<FieldChange> changes;
};

class Project {
public:
    struct Options {
        bool scan_folder = true;   // add new clips from the folder, mark vanished ones missing
        int64_t max_pages = 0;     // >0: cap the database size (simulates a full disk in tests)
    };
    // Opens FOLDER as a project, creating its database on first use.
    static Result<Project> open(const std::filesystem::path& folder, Options opts);
    static Result<Project> open(const std::filesystem::path& folder) { return open(folder, Options{}); }
    // A damaged database (truncated, overwritten, not a database) is not an error: the project
    // opens read-only from memory, with read_only_reason() saying so, and the file is left as it is.
    Project(Project&&) noexcept;
    Project& operator=(Project&&) noexcept;
    ~Project();

    const std::filesystem::path& folder() const { return folder_; }
    std::filesystem::path database_path() const { return folder_ / kDatabaseName; }
    // The folder or database cannot be written: clips can be viewed, decisions are refused.
    bool read_only() const { return read_only_; }
    const std::string& read_only_reason() const { return read_only_reason_; }

    // Clips in name order. Indices into this vector are stable until reload().
    const std::vector<Clip>& clips() const { return clips_; }
    const Clip* clip(int64_t id) const;
    std::filesystem::path absolute(const Clip& c) const { return folder_ / c.path; }
    Result<void> reload();

    // --- decisions (each one transaction, undoable) ---
    Result<void> set_status(int64_t clip, Status s);   // approving puts the clip at the end of the edit
    Result<void> set_rating(int64_t clip, int rating);
    Result<void> set_note(int64_t clip, const std::string& note);
    Result<void> set_in(int64_t clip, int64_t frame);   // an in after the out clears the out
    Result<void> set_out(int64_t clip, int64_t frame);  // an out before the in clears the in
    Result<void> clear_in(int64_t clip);
    Result<void> clear_out(int64_t clip);
    Result<void> clear_marks(int64_t clip);
    Result<void> edit_move(int64_t clip, int delta);    // earlier (<0) or later in the edit
    Result<void> edit_remove(int64_t clip);             // out of the edit; stays approved
    Result<void> edit_insert(int64_t clip, size_t position);  // into the edit at this place
    // Another take of a shot takes its place in the edit: `take` gets `in_edit`'s place (approved
    // if it was not), `in_edit` leaves the edit and stays approved. One decision (one undo).
    Result<void> edit_swap(int64_t in_edit, int64_t take);
    // Applies a decision as given (used by import and by the above).
    Result<void> apply(Decision d);

    bool can_undo() const { return !undo_.empty(); }
    bool can_redo() const { return !redo_.empty(); }
    const std::string& undo_label() const;
    const std::string& redo_label() const;
    Result<void> undo();
    Result<void> redo();

    // Clips of the edit, in order.
    std::vector<const Clip*> edit() const;

    // --- project settings (key/value) ---
    std::optional<std::string> setting(const std::string& key) const;
    Result<void> set_setting(const std::string& key, const std::string& value);

    // --- caches filled by background work (see ProjectCache) ---
    // Takes a probe result another connection has cached, without re-reading the database.
    void set_media_local(int64_t clip, const std::optional<ClipMedia>& media, const std::string& error);
    void set_flags_local(int64_t clip, int count, double steadiness = -1);
    // Forgets every cached scan (the detectors or their thresholds changed) and records which.
    Result<void> reset_flags(const std::string& detectors_key);
    // A clip's artifact scan (a cache entry, not a decision), stored for the file's current size
    // and mtime; and reading it back (none: not scanned, or the file changed since).
    Result<void> put_scan(int64_t clip, const analysis::ClipScan& scan);
    std::optional<analysis::ClipScan> scan_result(int64_t clip) const;

    // Relink: for every missing clip, look in `folder` (recursively) for a file of the same name and
    // size; found ones get their new path (relative to the project when inside it, else absolute).
    Result<int> relink(const std::filesystem::path& folder);

    // Decisions journalled so far (all sessions).
    int64_t journal_size() const;

private:
    Project() = default;
    // Opens the folder; with `damaged` set (the reason), read-only from memory.
    static Result<Project> open_as(const std::filesystem::path& folder, Options opts, const std::string& damaged);
    Result<void> migrate();
    Result<void> scan_folder();
    Result<void> load();
    Result<void> write(const Decision& d, bool forward);
    void set_local(const FieldChange& c, const Value& v);
    Clip* find(int64_t id);

    std::filesystem::path folder_;
    sqlite3* db_ = nullptr;
    bool read_only_ = false;
    std::string read_only_reason_;
    std::vector<Clip> clips_;
    std::vector<Decision> undo_, redo_;
};

// The files a project folder holds as clips: video files by extension, recursively, skipping
// hidden folders. Sorted by path.
std::vector<std::filesystem::path> list_clip_files(const std::filesystem::path& folder);

// A second connection to a project's database, for a background thread that caches probe results,
// thumbnails and artifact scans. One owner thread.
class ProjectCache {
public:
    static Result<ProjectCache> open(const std::filesystem::path& folder);
    ProjectCache(ProjectCache&&) noexcept;
    ~ProjectCache();

    struct Thumbnail {
        int width = 0, height = 0;
        std::vector<uint8_t> rgba;
    };
    // Cached entries are valid only for the file size and mtime they were made from.
    std::optional<Thumbnail> thumbnail(int64_t clip, int64_t size, int64_t mtime);
    Result<void> put_thumbnail(int64_t clip, int64_t size, int64_t mtime, const Thumbnail& t);
    Result<void> put_media(int64_t clip, int64_t size, int64_t mtime, const ClipMedia* media, const std::string& error);
    Result<void> put_scan(int64_t clip, int64_t size, int64_t mtime, const analysis::ClipScan& scan);
    std::optional<analysis::ClipScan> scan_result(int64_t clip, int64_t size, int64_t mtime);

private:
    ProjectCache() = default;
    sqlite3* db_ = nullptr;
};

}  // namespace reelsync::project
