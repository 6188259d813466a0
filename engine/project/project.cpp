// The project database, one file: the schema and its migrations, the clip table, decisions with
// their journal and undo, settings, cached probes, thumbnails and scans share one connection, one
// transaction guard and the same statement helpers, and every write must go through them.
#include "project/project.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

namespace reelsync::project {

namespace fs = std::filesystem;

const char* to_string(Status s) {
    switch (s) {
        case Status::unreviewed: return "unreviewed";
        case Status::approved: return "approved";
        case Status::rejected: return "rejected";
    }
    return "?";
}

const char* to_string(Field f) {
    switch (f) {
        case Field::status: return "status";
        case Field::rating: return "rating";
        case Field::note: return "note";
        case Field::mark_in: return "mark_in";
        case Field::mark_out: return "mark_out";
        case Field::edit_pos: return "edit_pos";
    }
    return "?";
}

using json = nlohmann::json;

namespace {

// Migration N takes a database from user_version N to N + 1. Never edit a released one: add another.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE clips(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL DEFAULT 0,
  mtime INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 0,
  rating INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT '',
  mark_in INTEGER,
  mark_out INTEGER,
  edit_pos INTEGER,
  added INTEGER NOT NULL DEFAULT 0,
  probed_size INTEGER,
  probed_mtime INTEGER,
  probe_error TEXT,
  codec TEXT,
  width INTEGER,
  height INTEGER,
  rate_num INTEGER,
  rate_den INTEGER,
  frame_count INTEGER,
  duration REAL,
  flags INTEGER
);
CREATE TABLE thumbnails(
  clip_id INTEGER PRIMARY KEY REFERENCES clips(id) ON DELETE CASCADE,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  rgba BLOB NOT NULL
);
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE journal(
  id INTEGER PRIMARY KEY,
  at REAL NOT NULL,
  what TEXT NOT NULL,
  clip_id INTEGER NOT NULL,
  field TEXT NOT NULL,
  old,
  new
);
)sql",
    // 2: every clip's artifact scan in full (flags with frames, severity, region), for the file's
    // size and mtime it was made from; the count in clips.flags stays for the browser.
    R"sql(
CREATE TABLE scans(
  clip_id INTEGER PRIMARY KEY REFERENCES clips(id) ON DELETE CASCADE,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,
  result TEXT NOT NULL
);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

const std::set<std::string> kVideoExtensions = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mxf", ".mpg", ".ts", ".y4m"};

std::string describe(sqlite3* db, int rc) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int primary = rc & 0xff;
    if (primary == SQLITE_FULL) return "the disk is full (" + why + ")";
    if (primary == SQLITE_READONLY) return "the project cannot be written (" + why + ")";
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return "the project database is damaged (" + why + ")";
    return why;
}

// A prepared statement with its own cleanup.
class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    bool ok() const { return rc_ == SQLITE_OK; }
    int prepare_rc() const { return rc_; }
    sqlite3_stmt* get() { return s_; }
    void bind(int i, const Value& v) {
        if (std::holds_alternative<int64_t>(v)) sqlite3_bind_int64(s_, i, std::get<int64_t>(v));
        else if (std::holds_alternative<std::string>(v)) sqlite3_bind_text(s_, i, std::get<std::string>(v).c_str(), -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(s_, i);
    }
    void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
    void bind(int i, double v) { sqlite3_bind_double(s_, i, v); }
    void bind(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.c_str(), -1, SQLITE_TRANSIENT); }
    int step() { return sqlite3_step(s_); }
    std::optional<int64_t> opt_int(int col) {
        if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
        return sqlite3_column_int64(s_, col);
    }
    int64_t int_(int col) { return sqlite3_column_int64(s_, col); }
    std::string text(int col) {
        const unsigned char* t = sqlite3_column_text(s_, col);
        return t ? reinterpret_cast<const char*>(t) : "";
    }

private:
    sqlite3_stmt* s_ = nullptr;
    int rc_ = SQLITE_OK;
};

Result<void> exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return {};
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    int primary = rc & 0xff;
    if (primary == SQLITE_FULL) msg = "the disk is full (" + msg + ")";
    return fail(msg);
}

// Every write goes through one of these: BEGIN IMMEDIATE when made, COMMIT on commit(); whatever
// else ends its life (an early return, a failed statement, a failed COMMIT) rolls it back, so a
// connection is never left inside a transaction.
class Transaction {
public:
    explicit Transaction(sqlite3* db) : db_(db), begun_(exec(db, "BEGIN IMMEDIATE")) {}
    ~Transaction() {
        if (begun_ && !committed_) (void)exec(db_, "ROLLBACK");
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    // Whether BEGIN worked (nothing else may be done when it did not).
    const Result<void>& begun() const { return begun_; }
    Result<void> commit() {
        auto r = exec(db_, "COMMIT");
        committed_ = r.has_value();
        return r;
    }

private:
    sqlite3* db_;
    Result<void> begun_;
    bool committed_ = false;
};

int64_t query_int(sqlite3* db, const char* sql, int64_t fallback = 0) {
    Stmt s(db, sql);
    if (!s.ok() || s.step() != SQLITE_ROW) return fallback;
    return s.int_(0);
}

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool writable(const fs::path& p) { return ::access(p.c_str(), W_OK) == 0; }

struct FileStat {
    int64_t size = 0, mtime = 0;
    bool exists = false;
};
FileStat stat_file(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    return {static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec), true};
}

const char* column_of(Field f) { return to_string(f); }

Result<sqlite3*> open_connection(const fs::path& db_path, bool read_only, bool create) {
    sqlite3* db = nullptr;
    int flags = read_only ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
                          : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    flags |= SQLITE_OPEN_NOMUTEX;  // each connection has one owner thread
    std::string name = db_path.string();
    if (read_only) name = "file:" + name + "?immutable=1";  // no -shm/-wal to create in a read-only folder
    int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_path.string() + ": cannot open the project database: " + describe(db, rc);
        sqlite3_close(db);
        return fail(msg);
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

}  // namespace

std::vector<fs::path> list_clip_files(const fs::path& folder) {
    // Folders linked into the project (a folder of takes elsewhere) are followed; a link back up
    // the tree (a loop) or a second way to a folder already walked is not walked again (by the
    // folder's device and inode). A clip's path relative to the project folder is its identity in
    // the database, so the walk is the same every time: every folder reachable without a link
    // first, then linked ones, each folder's entries by name.
    std::vector<fs::path> out;
    std::set<std::pair<dev_t, ino_t>> walked;
    std::vector<fs::path> plain{folder}, linked;  // stacks, popped from the back
    while (!plain.empty() || !linked.empty()) {
        fs::path dir;
        if (!plain.empty()) {
            dir = std::move(plain.back());
            plain.pop_back();
        } else {
            dir = std::move(linked.back());
            linked.pop_back();
        }
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0 || !walked.insert({st.st_dev, st.st_ino}).second) continue;
        std::vector<fs::directory_entry> entries;
        std::error_code ec;
        fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
        for (; !ec && it != end; it.increment(ec)) entries.push_back(*it);
        std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path().filename() > b.path().filename(); });
        for (const fs::directory_entry& e : entries) {  // by name, descending: pushed so they pop ascending
            const fs::path& p = e.path();
            const std::string name = p.filename().string();
            if (name.empty() || name[0] == '.') continue;  // hidden: reelsync's own files, farm work folders
            std::error_code e2;
            if (e.is_directory(e2)) {  // follows a link; a dangling link is neither a folder nor a file
                (e.is_symlink(e2) ? linked : plain).push_back(p);
                continue;
            }
            if (!e.is_regular_file(e2)) continue;
            std::string ext = p.extension().string();
            std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (kVideoExtensions.count(ext)) out.push_back(p.lexically_relative(folder));
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Project::Project(Project&& o) noexcept { *this = std::move(o); }
Project& Project::operator=(Project&& o) noexcept {
    if (this != &o) {
        if (db_) sqlite3_close(db_);
        folder_ = std::move(o.folder_);
        db_ = std::exchange(o.db_, nullptr);
        read_only_ = o.read_only_;
        read_only_reason_ = std::move(o.read_only_reason_);
        clips_ = std::move(o.clips_);
        undo_ = std::move(o.undo_);
        redo_ = std::move(o.redo_);
    }
    return *this;
}
Project::~Project() {
    if (db_) sqlite3_close(db_);
}

namespace {
// The folder as the project names it: absolute, normalised, without a trailing separator.
fs::path project_folder(const fs::path& folder) {
    std::error_code ec;
    fs::path f = fs::absolute(folder, ec).lexically_normal();
    if (!f.has_filename()) f = f.parent_path();
    return f;
}

// Why the database file is damaged (truncated, overwritten, not a database at all), or nothing when
// it reads as a database. Read without locking or writing anything beside it.
std::optional<std::string> damage_of(const fs::path& dbp) {
    std::error_code ec;
    if (!fs::exists(dbp, ec)) return std::nullopt;
    sqlite3* db = nullptr;
    const std::string name = "file:" + dbp.string() + "?immutable=1";
    int rc = sqlite3_open_v2(name.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    std::optional<std::string> why;
    if (rc != SQLITE_OK) {
        why = describe(db, rc);
    } else {
        sqlite3_stmt* s = nullptr;
        rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, nullptr);
        if (rc == SQLITE_OK) rc = sqlite3_step(s);
        const int primary = rc & 0xff;
        if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
            why = sqlite3_errmsg(db);
        } else if (rc == SQLITE_ROW) {
            const char* first = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
            if (first && std::string(first) != "ok") why = first;
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return why;
}
}  // namespace

Result<Project> Project::open(const fs::path& folder_in, Options opts) {
    auto p = open_as(folder_in, opts, {});
    if (p) return p;
    // A damaged database: the clips can still be reviewed from a project in memory (decisions
    // refused, with the reason); the file is left exactly as it is.
    const fs::path dbp = project_folder(folder_in) / kDatabaseName;
    const auto why = damage_of(dbp);
    if (!why) return p;
    return open_as(folder_in, opts,
                   dbp.string() + " is damaged (" + *why +
                       "): clips can be reviewed, but decisions cannot be saved; the file is left as it is (restore it from a "
                       "backup, or move it away to start the project afresh)");
}

Result<Project> Project::open_as(const fs::path& folder_in, Options opts, const std::string& damaged) {
    std::error_code ec;
    if (!fs::is_directory(folder_in, ec)) return fail(folder_in.string() + ": not a folder");
    Project p;
    p.folder_ = project_folder(folder_in);
    const fs::path dbp = p.database_path();
    const bool exists = fs::exists(dbp, ec);
    if (!writable(p.folder_) || (exists && !writable(dbp))) {
        p.read_only_ = true;
        p.read_only_reason_ = p.folder_.string() + " is read-only: clips can be reviewed, but decisions cannot be saved";
    }
    if (!damaged.empty()) {
        p.read_only_ = true;
        p.read_only_reason_ = damaged;
    }
    const bool in_memory = p.read_only_ && (!exists || !damaged.empty());
    if (in_memory) {
        // Nothing saved yet and nowhere to save: an in-memory project shows the clips.
        if (sqlite3_open(":memory:", &p.db_) != SQLITE_OK) return fail("cannot create an in-memory project");
    } else {
        auto db = open_connection(dbp, p.read_only_, true);
        if (!db) return std::unexpected(db.error());
        p.db_ = *db;
    }
    // Check the schema before writing anything: a newer database is left exactly as it is.
    const int64_t version = query_int(p.db_, "PRAGMA user_version", -1);
    if (version < 0) return fail(dbp.string() + ": not a reelsync project database (" + sqlite3_errmsg(p.db_) + ")");
    if (version > kSchemaVersion)
        return fail(dbp.string() + ": written by a newer reelsync (project schema " + std::to_string(version) +
                    ", this one reads up to " + std::to_string(kSchemaVersion) + "); not opened, nothing changed");
    if (!p.read_only_) {
        // WAL with FULL sync: a commit is on disk when it returns; readers never block the writer.
        if (auto r = exec(p.db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"); !r)
            return fail(dbp.string() + ": " + r.error().message);
    }
    if (!p.read_only_ || in_memory) {
        if (auto r = p.migrate(); !r) return fail(dbp.string() + ": " + r.error().message);
    }
    if (opts.max_pages > 0) {
        int64_t pages = query_int(p.db_, "PRAGMA page_count");
        std::string sql = "PRAGMA max_page_count=" + std::to_string(pages + opts.max_pages);
        (void)exec(p.db_, sql.c_str());
    }
    if (opts.scan_folder)
        if (auto r = p.scan_folder(); !r) return fail(dbp.string() + ": " + r.error().message);
    if (auto r = p.load(); !r) return fail(dbp.string() + ": " + r.error().message);
    return p;
}

Result<void> Project::migrate() {
    int64_t v = query_int(db_, "PRAGMA user_version");
    while (v < kSchemaVersion) {
        Transaction t(db_);
        if (!t.begun()) return t.begun();
        auto r = exec(db_, kMigrations[v]);
        if (r) {
            std::string sql = "PRAGMA user_version=" + std::to_string(v + 1);
            r = exec(db_, sql.c_str());
        }
        if (r) r = t.commit();
        if (!r) {
            return fail("upgrading the project to schema " + std::to_string(v + 1) + " failed: " + r.error().message);
        }
        ++v;
    }
    return {};
}

Result<void> Project::scan_folder() {
    std::map<std::string, std::pair<int64_t, int64_t>> known;  // path -> (size, mtime)
    {
        Stmt s(db_, "SELECT path, size, mtime FROM clips");
        while (s.step() == SQLITE_ROW) known[s.text(0)] = {s.int_(1), s.int_(2)};
    }
    std::vector<std::tuple<std::string, int64_t, int64_t, bool>> todo;  // path, size, mtime, new
    for (const fs::path& rel : list_clip_files(folder_)) {
        FileStat st = stat_file(folder_ / rel);
        std::string key = rel.generic_string();
        auto it = known.find(key);
        if (it == known.end()) todo.emplace_back(key, st.size, st.mtime, true);
        else if (it->second != std::make_pair(st.size, st.mtime)) todo.emplace_back(key, st.size, st.mtime, false);
    }
    if (todo.empty() || read_only_) {
        // Read-only: new files are listed in memory only (see load()).
        return {};
    }
    Transaction t(db_);
    if (!t.begun()) return t.begun();
    Stmt ins(db_, "INSERT INTO clips(path, size, mtime, added) VALUES(?, ?, ?, ?)");
    Stmt upd(db_, "UPDATE clips SET size = ?, mtime = ? WHERE path = ?");
    const int64_t added = static_cast<int64_t>(now_seconds());
    for (auto& [path, size, mtime, is_new] : todo) {
        Stmt& s = is_new ? ins : upd;
        sqlite3_reset(s.get());
        if (is_new) {
            s.bind(1, path);
            s.bind(2, size);
            s.bind(3, mtime);
            s.bind(4, added);
        } else {
            s.bind(1, size);
            s.bind(2, mtime);
            s.bind(3, path);
        }
        if (int rc = s.step(); rc != SQLITE_DONE) {
            return fail("adding clips failed: " + describe(db_, rc));
        }
    }
    return t.commit();
}

Result<void> Project::load() {
    std::vector<Clip> clips;
    Stmt s(db_,
           "SELECT id, path, size, mtime, status, rating, note, mark_in, mark_out, edit_pos, probed_size, probed_mtime,"
           " probe_error, codec, width, height, rate_num, rate_den, frame_count, duration,"
           // the flag count holds only while the scan it came from is for the file as it is now
           " CASE WHEN EXISTS(SELECT 1 FROM scans WHERE clip_id = clips.id AND scans.size = clips.size"
           " AND scans.mtime = clips.mtime) THEN flags END,"
           " (SELECT json_extract(result, '$.steadiness') FROM scans WHERE clip_id = clips.id AND scans.size = clips.size"
           " AND scans.mtime = clips.mtime) FROM clips");
    if (!s.ok()) return fail(describe(db_, s.prepare_rc()));
    while (s.step() == SQLITE_ROW) {
        Clip c;
        c.id = s.int_(0);
        c.path = s.text(1);
        c.name = fs::path(c.path).filename().string();
        c.size = s.int_(2);
        c.mtime = s.int_(3);
        c.status = static_cast<Status>(std::clamp<int64_t>(s.int_(4), 0, 2));
        c.rating = static_cast<int>(s.int_(5));
        c.note = s.text(6);
        c.mark_in = s.opt_int(7);
        c.mark_out = s.opt_int(8);
        c.edit_pos = s.opt_int(9);
        const bool fresh = s.opt_int(10) == c.size && s.opt_int(11) == c.mtime;
        if (fresh) {
            c.probe_error = s.text(12);
            if (c.probe_error.empty() && s.opt_int(18)) {
                ClipMedia m;
                m.codec = s.text(13);
                m.width = static_cast<int>(s.int_(14));
                m.height = static_cast<int>(s.int_(15));
                m.rate = {s.int_(16), s.int_(17)};
                m.frame_count = s.int_(18);
                m.duration = sqlite3_column_double(s.get(), 19);
                c.media = m;
            }
        }
        if (auto f = s.opt_int(20)) c.flags = static_cast<int>(*f);  // checked against the file by the query
        if (c.flags >= 0 && sqlite3_column_type(s.get(), 21) != SQLITE_NULL) c.steadiness = sqlite3_column_double(s.get(), 21);
        FileStat st = stat_file(absolute(c));
        c.missing = !st.exists;
        clips.push_back(std::move(c));
    }
    if (read_only_) {
        // Files not in the (unwritable) database yet: shown, not decidable.
        std::set<std::string> have;
        for (const Clip& c : clips) have.insert(c.path);
        int64_t next = -1;
        for (const fs::path& rel : list_clip_files(folder_)) {
            if (have.count(rel.generic_string())) continue;
            Clip c;
            c.id = next--;
            c.path = rel.generic_string();
            c.name = rel.filename().string();
            FileStat st = stat_file(folder_ / rel);
            c.size = st.size;
            c.mtime = st.mtime;
            clips.push_back(std::move(c));
        }
    }
    std::sort(clips.begin(), clips.end(), [](const Clip& a, const Clip& b) { return a.path < b.path; });
    clips_ = std::move(clips);
    return {};
}

Result<void> Project::reload() { return load(); }

const Clip* Project::clip(int64_t id) const {
    for (const Clip& c : clips_)
        if (c.id == id) return &c;
    return nullptr;
}
Clip* Project::find(int64_t id) {
    for (Clip& c : clips_)
        if (c.id == id) return &c;
    return nullptr;
}

namespace {
Value value_of(const Clip& c, Field f) {
    auto opt = [](const std::optional<int64_t>& o) -> Value { return o ? Value{*o} : Value{}; };
    switch (f) {
        case Field::status: return static_cast<int64_t>(c.status);
        case Field::rating: return static_cast<int64_t>(c.rating);
        case Field::note: return c.note;
        case Field::mark_in: return opt(c.mark_in);
        case Field::mark_out: return opt(c.mark_out);
        case Field::edit_pos: return opt(c.edit_pos);
    }
    return {};
}
}  // namespace

void Project::set_local(const FieldChange& ch, const Value& v) {
    Clip* c = find(ch.clip);
    if (!c) return;
    auto opt = [&]() -> std::optional<int64_t> {
        if (auto* i = std::get_if<int64_t>(&v)) return *i;
        return std::nullopt;
    };
    switch (ch.field) {
        case Field::status: c->status = static_cast<Status>(opt().value_or(0)); break;
        case Field::rating: c->rating = static_cast<int>(opt().value_or(0)); break;
        case Field::note: c->note = std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : ""; break;
        case Field::mark_in: c->mark_in = opt(); break;
        case Field::mark_out: c->mark_out = opt(); break;
        case Field::edit_pos: c->edit_pos = opt(); break;
    }
}

Result<void> Project::write(const Decision& d, bool forward) {
    if (read_only_) return fail(read_only_reason_);
    Transaction t(db_);
    if (!t.begun()) return fail("the decision was not saved: " + t.begun().error().message);
    Stmt j(db_, "INSERT INTO journal(at, what, clip_id, field, old, new) VALUES(?, ?, ?, ?, ?, ?)");
    const double at = now_seconds();
    const std::string what = forward ? d.what : "undo " + d.what;
    for (const FieldChange& c : d.changes) {
        std::string sql = std::string("UPDATE clips SET ") + column_of(c.field) + " = ? WHERE id = ?";
        Stmt u(db_, sql.c_str());
        u.bind(1, forward ? c.after : c.before);
        u.bind(2, c.clip);
        int rc = u.ok() ? u.step() : u.prepare_rc();
        if (rc == SQLITE_DONE) {
            sqlite3_reset(j.get());
            j.bind(1, at);
            j.bind(2, what);
            j.bind(3, c.clip);
            j.bind(4, std::string(to_string(c.field)));
            j.bind(5, forward ? c.before : c.after);
            j.bind(6, forward ? c.after : c.before);
            rc = j.step();
        }
        if (rc != SQLITE_DONE) return fail("the decision was not saved: " + describe(db_, rc));
    }
    if (auto r = t.commit(); !r) return fail("the decision was not saved: " + r.error().message);
    for (const FieldChange& c : d.changes) set_local(c, forward ? c.after : c.before);
    return {};
}

Result<void> Project::apply(Decision d) {
    // Drop changes that change nothing; fill in "before" from the current state.
    std::vector<FieldChange> real;
    for (FieldChange& c : d.changes) {
        Clip* clip = find(c.clip);
        if (!clip) return fail("no clip with id " + std::to_string(c.clip) + " in the project");
        if (clip->id < 0) return fail(read_only_reason_);
        c.before = value_of(*clip, c.field);
        if (c.before != c.after) real.push_back(c);
    }
    if (real.empty()) return {};
    d.changes = std::move(real);
    if (auto r = write(d, true); !r) return r;
    undo_.push_back(std::move(d));
    redo_.clear();
    return {};
}

Result<void> Project::undo() {
    if (undo_.empty()) return {};
    if (auto r = write(undo_.back(), false); !r) return r;
    redo_.push_back(std::move(undo_.back()));
    undo_.pop_back();
    return {};
}

Result<void> Project::redo() {
    if (redo_.empty()) return {};
    if (auto r = write(redo_.back(), true); !r) return r;
    undo_.push_back(std::move(redo_.back()));
    redo_.pop_back();
    return {};
}

const std::string& Project::undo_label() const {
    static const std::string none;
    return undo_.empty() ? none : undo_.back().what;
}
const std::string& Project::redo_label() const {
    static const std::string none;
    return redo_.empty() ? none : redo_.back().what;
}

namespace {
std::string label(const char* verb, const Clip* c) { return std::string(verb) + " " + (c ? c->name : "?"); }
}  // namespace

Result<void> Project::set_status(int64_t id, Status s) {
    const Clip* c = clip(id);
    if (!c) return fail("no clip with id " + std::to_string(id));
    Decision d{label(s == Status::approved ? "approve" : s == Status::rejected ? "reject" : "unmark", c), {}};
    d.changes.push_back({id, Field::status, {}, static_cast<int64_t>(s)});
    if (s == Status::approved && !c->edit_pos) {
        int64_t last = -1;
        for (const Clip& o : clips_)
            if (o.edit_pos) last = std::max(last, *o.edit_pos);
        d.changes.push_back({id, Field::edit_pos, {}, last + 1});
    } else if (s != Status::approved && c->edit_pos) {
        d.changes.push_back({id, Field::edit_pos, {}, Value{}});
    }
    return apply(std::move(d));
}

Result<void> Project::set_rating(int64_t id, int rating) {
    if (rating < 0 || rating > 5) return fail("a rating is 0 to 5");
    return apply({label(("rate " + std::to_string(rating)).c_str(), clip(id)), {{id, Field::rating, {}, int64_t{rating}}}});
}

Result<void> Project::set_note(int64_t id, const std::string& note) {
    return apply({label("note on", clip(id)), {{id, Field::note, {}, note}}});
}

Result<void> Project::set_in(int64_t id, int64_t frame) {
    const Clip* c = clip(id);
    if (!c) return fail("no clip with id " + std::to_string(id));
    Decision d{label(("in " + std::to_string(frame)).c_str(), c), {{id, Field::mark_in, {}, frame}}};
    if (c->mark_out && *c->mark_out < frame) d.changes.push_back({id, Field::mark_out, {}, Value{}});
    return apply(std::move(d));
}

Result<void> Project::set_out(int64_t id, int64_t frame) {
    const Clip* c = clip(id);
    if (!c) return fail("no clip with id " + std::to_string(id));
    Decision d{label(("out " + std::to_string(frame)).c_str(), c), {{id, Field::mark_out, {}, frame}}};
    if (c->mark_in && *c->mark_in > frame) d.changes.push_back({id, Field::mark_in, {}, Value{}});
    return apply(std::move(d));
}

Result<void> Project::clear_in(int64_t id) { return apply({label("clear in", clip(id)), {{id, Field::mark_in, {}, Value{}}}}); }
Result<void> Project::clear_out(int64_t id) { return apply({label("clear out", clip(id)), {{id, Field::mark_out, {}, Value{}}}}); }
Result<void> Project::clear_marks(int64_t id) {
    return apply({label("clear in and out", clip(id)), {{id, Field::mark_in, {}, Value{}}, {id, Field::mark_out, {}, Value{}}}});
}

std::vector<const Clip*> Project::edit() const {
    std::vector<const Clip*> e;
    for (const Clip& c : clips_)
        if (c.edit_pos) e.push_back(&c);
    std::stable_sort(e.begin(), e.end(), [](const Clip* a, const Clip* b) { return *a->edit_pos < *b->edit_pos; });
    return e;
}

namespace {
// The changes that give the clips of `order` the positions 0..n-1 (and take `removed` out).
std::vector<FieldChange> renumber(const std::vector<const Clip*>& order, const Clip* removed) {
    std::vector<FieldChange> ch;
    for (size_t i = 0; i < order.size(); ++i) ch.push_back({order[i]->id, Field::edit_pos, {}, static_cast<int64_t>(i)});
    if (removed) ch.push_back({removed->id, Field::edit_pos, {}, Value{}});
    return ch;
}
}  // namespace

Result<void> Project::edit_move(int64_t id, int delta) {
    auto e = edit();
    auto it = std::find_if(e.begin(), e.end(), [&](const Clip* c) { return c->id == id; });
    if (it == e.end()) return fail("that clip is not in the edit");
    const int64_t from = it - e.begin();
    const int64_t to = std::clamp<int64_t>(from + delta, 0, static_cast<int64_t>(e.size()) - 1);
    if (from == to) return {};
    const Clip* moving = e[static_cast<size_t>(from)];
    e.erase(e.begin() + from);
    e.insert(e.begin() + to, moving);
    return apply({label(delta < 0 ? "move earlier" : "move later", moving), renumber(e, nullptr)});
}

Result<void> Project::edit_remove(int64_t id) {
    auto e = edit();
    auto it = std::find_if(e.begin(), e.end(), [&](const Clip* c) { return c->id == id; });
    if (it == e.end()) return {};
    const Clip* gone = *it;
    e.erase(it);
    return apply({label("remove from edit", gone), renumber(e, gone)});
}

Result<void> Project::edit_insert(int64_t id, size_t position) {
    const Clip* c = clip(id);
    if (!c) return fail("no clip with id " + std::to_string(id));
    auto e = edit();
    std::erase(e, c);
    e.insert(e.begin() + static_cast<std::ptrdiff_t>(std::min(position, e.size())), c);
    return apply({label("insert into edit", c), renumber(e, nullptr)});
}

Result<void> Project::edit_swap(int64_t in_edit, int64_t take) {
    const Clip* t = clip(take);
    if (!t) return fail("no clip with id " + std::to_string(take));
    auto e = edit();
    auto it = std::find_if(e.begin(), e.end(), [&](const Clip* c) { return c->id == in_edit; });
    if (it == e.end()) return fail("that clip is not in the edit");
    if (std::find(e.begin(), e.end(), t) != e.end()) return fail(t->name + " is in the edit already");
    const Clip* out = *it;
    *it = t;
    std::vector<FieldChange> ch = renumber(e, out);
    if (t->status != Status::approved) ch.push_back({t->id, Field::status, {}, static_cast<int64_t>(Status::approved)});
    return apply({"use " + t->name + " for " + out->name, std::move(ch)});
}

std::optional<std::string> Project::setting(const std::string& key) const {
    Stmt s(db_, "SELECT value FROM settings WHERE key = ?");
    s.bind(1, key);
    if (s.step() != SQLITE_ROW) return std::nullopt;
    return s.text(0);
}

Result<void> Project::set_setting(const std::string& key, const std::string& value) {
    if (read_only_) return fail(read_only_reason_);
    Stmt s(db_, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(1, key);
    s.bind(2, value);
    if (int rc = s.step(); rc != SQLITE_DONE) return fail("the setting was not saved: " + describe(db_, rc));
    return {};
}

Result<int> Project::relink(const fs::path& where) {
    if (read_only_) return fail(read_only_reason_);
    std::multimap<std::pair<std::string, int64_t>, fs::path> found;  // (name, size) -> path
    std::error_code ec;
    fs::path base = fs::absolute(where, ec);
    for (const fs::path& rel : list_clip_files(base)) {
        FileStat st = stat_file(base / rel);
        found.emplace(std::make_pair(rel.filename().string(), st.size), base / rel);
    }
    int linked = 0;
    Transaction t(db_);
    if (!t.begun()) return std::unexpected(t.begun().error());
    for (const Clip& c : clips_) {
        if (!c.missing) continue;
        auto it = found.find({c.name, c.size});
        if (it == found.end()) continue;
        fs::path rel = it->second.lexically_relative(folder_);
        std::string stored = (!rel.empty() && *rel.begin() != "..") ? rel.generic_string() : it->second.generic_string();
        Stmt u(db_, "UPDATE clips SET path = ? WHERE id = ?");
        u.bind(1, stored);
        u.bind(2, c.id);
        if (int rc = u.step(); rc != SQLITE_DONE) return fail("relinking failed: " + describe(db_, rc));
        ++linked;
    }
    if (auto r = t.commit(); !r) return fail("relinking failed: " + r.error().message);
    if (auto r = load(); !r) return std::unexpected(r.error());
    return linked;
}

void Project::set_media_local(int64_t id, const std::optional<ClipMedia>& media, const std::string& error) {
    if (Clip* c = find(id)) {
        c->media = media;
        c->probe_error = error;
    }
}

Result<void> Project::reset_flags(const std::string& detectors_key) {
    for (Clip& c : clips_) {
        c.flags = -1;
        c.steadiness = -1;
    }
    if (read_only_) return {};
    {
        Transaction t(db_);
        if (!t.begun()) return t.begun();
        auto r = exec(db_, "UPDATE clips SET flags = NULL");
        if (r) r = exec(db_, "DELETE FROM scans");
        if (r) r = t.commit();
        if (!r) return r;
    }
    return set_setting("artifact_detectors", detectors_key);
}

void Project::set_flags_local(int64_t id, int count, double steadiness) {
    if (Clip* c = find(id)) {
        c->flags = count;
        c->steadiness = steadiness;
    }
}

namespace {
// One clip's scan and its flag count, in one transaction.
Result<void> write_scan(sqlite3* db, int64_t clip, int64_t size, int64_t mtime, const analysis::ClipScan& scan) {
    Transaction t(db);
    if (!t.begun()) return t.begun();
    int rc;
    {
        Stmt s(db, "INSERT OR REPLACE INTO scans(clip_id, size, mtime, result) VALUES(?, ?, ?, ?)");
        s.bind(1, clip);
        s.bind(2, size);
        s.bind(3, mtime);
        s.bind(4, analysis::to_json(scan).dump());
        rc = s.step();
    }
    if (rc == SQLITE_DONE) {
        Stmt s(db, "UPDATE clips SET flags = ? WHERE id = ?");
        s.bind(1, static_cast<int64_t>(scan.flags.size()));
        s.bind(2, clip);
        rc = s.step();
    }
    if (rc != SQLITE_DONE) return fail("saving the artifact scan failed: " + describe(db, rc));
    if (auto r = t.commit(); !r) return fail("saving the artifact scan failed: " + r.error().message);
    return {};
}

std::optional<analysis::ClipScan> read_scan(sqlite3* db, int64_t clip, int64_t size, int64_t mtime) {
    Stmt s(db, "SELECT result FROM scans WHERE clip_id = ? AND size = ? AND mtime = ?");
    s.bind(1, clip);
    s.bind(2, size);
    s.bind(3, mtime);
    if (s.step() != SQLITE_ROW) return std::nullopt;
    auto r = analysis::clip_scan_from_json(json::parse(s.text(0), nullptr, false));
    if (!r) return std::nullopt;  // unreadable: scanned again
    return std::move(*r);
}
}  // namespace

Result<void> Project::put_scan(int64_t id, const analysis::ClipScan& scan) {
    Clip* c = find(id);
    if (!c) return fail("no clip with id " + std::to_string(id));
    c->flags = static_cast<int>(scan.flags.size());
    c->steadiness = scan.steadiness;
    if (read_only_ || id < 0) return {};
    return write_scan(db_, id, c->size, c->mtime, scan);
}

std::optional<analysis::ClipScan> Project::scan_result(int64_t id) const {
    const Clip* c = clip(id);
    if (!c || id < 0) return std::nullopt;
    return read_scan(db_, id, c->size, c->mtime);
}

int64_t Project::journal_size() const { return query_int(db_, "SELECT COUNT(*) FROM journal"); }

// --- ProjectCache ---

ProjectCache::ProjectCache(ProjectCache&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
ProjectCache::~ProjectCache() {
    if (db_) sqlite3_close(db_);
}

Result<ProjectCache> ProjectCache::open(const fs::path& folder) {
    fs::path dbp = folder / kDatabaseName;
    std::error_code ec;
    if (!fs::exists(dbp, ec)) return fail(dbp.string() + ": no project database");
    const bool ro = !writable(folder) || !writable(dbp);
    auto db = open_connection(dbp, ro, false);
    if (!db) return std::unexpected(db.error());
    ProjectCache c;
    c.db_ = *db;
    if (!ro) (void)exec(c.db_, "PRAGMA synchronous=NORMAL;");  // a lost cache entry is only recomputed
    return c;
}

std::optional<ProjectCache::Thumbnail> ProjectCache::thumbnail(int64_t clip, int64_t size, int64_t mtime) {
    Stmt s(db_, "SELECT width, height, rgba FROM thumbnails WHERE clip_id = ? AND size = ? AND mtime = ?");
    s.bind(1, clip);
    s.bind(2, size);
    s.bind(3, mtime);
    if (s.step() != SQLITE_ROW) return std::nullopt;
    Thumbnail t;
    t.width = static_cast<int>(s.int_(0));
    t.height = static_cast<int>(s.int_(1));
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s.get(), 2));
    const int n = sqlite3_column_bytes(s.get(), 2);
    if (!p || n != t.width * t.height * 4) return std::nullopt;
    t.rgba.assign(p, p + n);
    return t;
}

Result<void> ProjectCache::put_thumbnail(int64_t clip, int64_t size, int64_t mtime, const Thumbnail& t) {
    Stmt s(db_, "INSERT OR REPLACE INTO thumbnails(clip_id, size, mtime, width, height, rgba) VALUES(?, ?, ?, ?, ?, ?)");
    s.bind(1, clip);
    s.bind(2, size);
    s.bind(3, mtime);
    s.bind(4, int64_t{t.width});
    s.bind(5, int64_t{t.height});
    sqlite3_bind_blob(s.get(), 6, t.rgba.data(), static_cast<int>(t.rgba.size()), SQLITE_TRANSIENT);
    if (int rc = s.step(); rc != SQLITE_DONE) return fail("caching a thumbnail failed: " + describe(db_, rc));
    return {};
}

Result<void> ProjectCache::put_media(int64_t clip, int64_t size, int64_t mtime, const ClipMedia* m, const std::string& error) {
    Stmt s(db_,
           "UPDATE clips SET probed_size = ?, probed_mtime = ?, probe_error = ?, codec = ?, width = ?, height = ?,"
           " rate_num = ?, rate_den = ?, frame_count = ?, duration = ? WHERE id = ?");
    s.bind(1, size);
    s.bind(2, mtime);
    s.bind(3, error);
    if (m) {
        s.bind(4, m->codec);
        s.bind(5, int64_t{m->width});
        s.bind(6, int64_t{m->height});
        s.bind(7, m->rate.num);
        s.bind(8, m->rate.den);
        s.bind(9, m->frame_count);
        s.bind(10, m->duration);
    }
    s.bind(11, clip);
    if (int rc = s.step(); rc != SQLITE_DONE) return fail("caching a probe failed: " + describe(db_, rc));
    return {};
}

Result<void> ProjectCache::put_scan(int64_t clip, int64_t size, int64_t mtime, const analysis::ClipScan& scan) {
    return write_scan(db_, clip, size, mtime, scan);
}

std::optional<analysis::ClipScan> ProjectCache::scan_result(int64_t clip, int64_t size, int64_t mtime) {
    return read_scan(db_, clip, size, mtime);
}

}  // namespace reelsync::project
