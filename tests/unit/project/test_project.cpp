// The project database: decisions persist, undo/redo, schema versions, read-only folders, a full
// disk, missing files and relinking, and durability under SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <chrono>
#include <thread>
#include <sstream>

#include "project/project.h"
#include "support/media_gen.h"

namespace fs = std::filesystem;
using namespace reelsync;
using namespace reelsync::project;

namespace {

// A fresh folder with `n` placeholder clip files (the database never reads their content).
fs::path make_folder(const std::string& name, int n) {
    fs::path d = fs::path(reelsync::testing::media_dir()) / "projects" / name;
    fs::remove_all(d);
    fs::create_directories(d);
    for (int i = 0; i < n; ++i) {
        char file[32];
        std::snprintf(file, sizeof file, "clip_%03d.mp4", i);
        std::ofstream(d / file) << "placeholder " << i;
    }
    std::ofstream(d / "notes.txt") << "not a clip";
    return d;
}

std::string read_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string integrity(const fs::path& db) {
    sqlite3* h = nullptr;
    if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return "cannot open";
    std::string out;
    sqlite3_exec(
        h, "PRAGMA integrity_check",
        [](void* o, int, char** v, char**) {
            *static_cast<std::string*>(o) += v[0] ? v[0] : "";
            return 0;
        },
        &out, nullptr);
    sqlite3_close(h);
    return out;
}

int64_t id_of(const Project& p, const std::string& name) {
    for (const Clip& c : p.clips())
        if (c.name == name) return c.id;
    ADD_FAILURE() << "no clip " << name;
    return 0;
}

}  // namespace

TEST(Project, ListsClipsAndKeepsDecisionsAcrossOpenings) {
    fs::path d = make_folder("basic", 5);
    {
        auto p = Project::open(d);
        ASSERT_TRUE(p) << p.error().message;
        ASSERT_EQ(p->clips().size(), 5u);  // notes.txt is not a clip
        EXPECT_EQ(p->clips()[0].name, "clip_000.mp4");
        EXPECT_FALSE(p->read_only());
        const int64_t a = id_of(*p, "clip_001.mp4"), b = id_of(*p, "clip_003.mp4");
        ASSERT_TRUE(p->set_status(a, Status::approved));
        ASSERT_TRUE(p->set_status(b, Status::approved));
        ASSERT_TRUE(p->set_status(id_of(*p, "clip_002.mp4"), Status::rejected));
        ASSERT_TRUE(p->set_rating(a, 4));
        ASSERT_TRUE(p->set_note(b, "too dark, \"fix\" in grade"));
        ASSERT_TRUE(p->set_in(a, 12));
        ASSERT_TRUE(p->set_out(a, 40));
        ASSERT_TRUE(p->edit_move(b, -1));  // b before a
    }
    auto p = Project::open(d);
    ASSERT_TRUE(p) << p.error().message;
    const Clip* a = p->clip(id_of(*p, "clip_001.mp4"));
    const Clip* b = p->clip(id_of(*p, "clip_003.mp4"));
    EXPECT_EQ(a->status, Status::approved);
    EXPECT_EQ(a->rating, 4);
    EXPECT_EQ(a->mark_in, 12);
    EXPECT_EQ(a->mark_out, 40);
    EXPECT_EQ(b->note, "too dark, \"fix\" in grade");
    EXPECT_EQ(p->clip(id_of(*p, "clip_002.mp4"))->status, Status::rejected);
    auto e = p->edit();
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0]->name, "clip_003.mp4");
    EXPECT_EQ(e[1]->name, "clip_001.mp4");
    EXPECT_EQ(p->journal_size(), 11);  // approve x2 (status + edit place: 4), reject, rating, note, in, out, move (2 places)
    EXPECT_EQ(integrity(p->database_path()), "ok");
}

TEST(Project, UndoAndRedoEveryDecision) {
    fs::path d = make_folder("undo", 3);
    auto p = Project::open(d);
    ASSERT_TRUE(p);
    const int64_t a = id_of(*p, "clip_000.mp4"), b = id_of(*p, "clip_001.mp4");
    ASSERT_TRUE(p->set_status(a, Status::approved));
    ASSERT_TRUE(p->set_status(b, Status::approved));
    ASSERT_TRUE(p->set_in(a, 5));
    ASSERT_TRUE(p->set_out(a, 3));  // before the in: the in is cleared
    EXPECT_EQ(p->clip(a)->mark_in, std::nullopt);
    EXPECT_EQ(p->clip(a)->mark_out, 3);
    ASSERT_TRUE(p->edit_remove(a));
    ASSERT_EQ(p->edit().size(), 1u);
    EXPECT_EQ(p->undo_label(), "remove from edit clip_000.mp4");

    ASSERT_TRUE(p->undo());  // back in the edit, first
    ASSERT_EQ(p->edit().size(), 2u);
    EXPECT_EQ(p->edit()[0]->id, a);
    ASSERT_TRUE(p->undo());  // out undone: in 5 back
    EXPECT_EQ(p->clip(a)->mark_in, 5);
    EXPECT_EQ(p->clip(a)->mark_out, std::nullopt);
    ASSERT_TRUE(p->undo());
    ASSERT_TRUE(p->undo());
    ASSERT_TRUE(p->undo());
    EXPECT_FALSE(p->can_undo());
    EXPECT_EQ(p->clip(a)->status, Status::unreviewed);
    EXPECT_TRUE(p->edit().empty());
    ASSERT_TRUE(p->redo());
    ASSERT_TRUE(p->redo());
    EXPECT_EQ(p->edit().size(), 2u);
    // A new decision clears what could be redone.
    ASSERT_TRUE(p->set_rating(b, 2));
    EXPECT_FALSE(p->can_redo());
    // What is on disk is what is in memory.
    auto q = Project::open(d);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->clip(a)->status, Status::approved);
    EXPECT_EQ(q->clip(a)->mark_in, std::nullopt);
    EXPECT_EQ(q->clip(b)->rating, 2);
    EXPECT_EQ(q->edit().size(), 2u);
}

TEST(Project, NewerSchemaIsRefusedAndLeftUntouched) {
    fs::path d = make_folder("newer", 2);
    { ASSERT_TRUE(Project::open(d)); }
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open((d / kDatabaseName).c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "PRAGMA journal_mode=DELETE; PRAGMA user_version=7", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
    const std::string before = read_bytes(d / kDatabaseName);
    auto p = Project::open(d);
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("newer reelsync"), std::string::npos) << p.error().message;
    EXPECT_NE(p.error().message.find("schema 7"), std::string::npos) << p.error().message;
    EXPECT_EQ(read_bytes(d / kDatabaseName), before);
}

// A project saved by the first schema (no stored scans) is upgraded in place: its decisions stay,
// and scans can be stored afterwards.
TEST(Project, FirstSchemaIsUpgradedKeepingDecisions) {
    fs::path d = make_folder("upgrade", 3);
    {
        auto p = Project::open(d);
        ASSERT_TRUE(p);
        ASSERT_TRUE(p->set_status(p->clips()[1].id, Status::approved));
        ASSERT_TRUE(p->set_in(p->clips()[1].id, 12));
    }
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open((d / kDatabaseName).c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "DROP TABLE scans; PRAGMA user_version=1", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
    auto p = Project::open(d);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->clips()[1].status, Status::approved);
    EXPECT_EQ(p->clips()[1].mark_in, 12);
    analysis::ClipScan scan{"x.mp4", 10, 24.0, {{analysis::FlagKind::black, 2, 3, 1.0}}};
    ASSERT_TRUE(p->put_scan(p->clips()[0].id, scan));
    ASSERT_EQ(sqlite3_open((d / kDatabaseName).c_str(), &h), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), kSchemaVersion);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

// A clip's stored scan comes back whole (kinds, frames, severity, region) while the file is
// unchanged; a changed file, or other detectors, forget it.
TEST(Project, ScansAreStoredUntilTheFileOrTheDetectorsChange) {
    fs::path d = make_folder("scans", 2);
    analysis::ClipScan scan{"clip.mp4", 96, 24.0, {}};
    scan.flags.push_back({analysis::FlagKind::jump, 40, 40, 0.75, analysis::Region{0.25f, 0.5f, 0.625f, 1.0f}});
    scan.flags.push_back({analysis::FlagKind::freeze, 60, 70, 0.5});
    scan.steadiness = 87.3;
    scan.instability = {0.0f, 0.125f, 0.25f};
    int64_t a = 0, b = 0;
    {
        auto p = Project::open(d);
        ASSERT_TRUE(p);
        a = p->clips()[0].id;
        b = p->clips()[1].id;
        EXPECT_FALSE(p->scan_result(a));
        EXPECT_EQ(p->clips()[0].flags, -1);
        ASSERT_TRUE(p->put_scan(a, scan));
        ASSERT_TRUE(p->put_scan(b, scan));
    }
    {
        auto p = Project::open(d);
        ASSERT_TRUE(p);
        EXPECT_EQ(p->clip(a)->flags, 2);
        EXPECT_DOUBLE_EQ(p->clip(a)->steadiness, 87.3);  // for the browser's steadiness sort
        auto back = p->scan_result(a);
        ASSERT_TRUE(back);
        EXPECT_EQ(back->frames, 96);
        EXPECT_DOUBLE_EQ(back->steadiness, 87.3);
        EXPECT_EQ(back->instability, (std::vector<float>{0.0f, 0.125f, 0.25f}));
        ASSERT_EQ(back->flags.size(), 2u);
        EXPECT_EQ(back->flags[0].kind, analysis::FlagKind::jump);
        EXPECT_EQ(back->flags[0].first_frame, 40);
        EXPECT_DOUBLE_EQ(back->flags[0].severity, 0.75);
        ASSERT_TRUE(back->flags[0].region);
        EXPECT_EQ(*back->flags[0].region, (analysis::Region{0.25f, 0.5f, 0.625f, 1.0f}));
        EXPECT_FALSE(back->flags[1].region);
    }
    // The first file changes (a new take saved over it): its scan no longer holds.
    std::ofstream(d / "clip_000.mp4", std::ios::app) << " re-rendered";
    {
        auto p = Project::open(d);
        ASSERT_TRUE(p);
        EXPECT_FALSE(p->scan_result(a));
        EXPECT_EQ(p->clip(a)->flags, -1);
        EXPECT_EQ(p->clip(a)->steadiness, -1);
        EXPECT_TRUE(p->scan_result(b));
        // Other thresholds: every stored scan is forgotten.
        ASSERT_TRUE(p->reset_flags("other detectors"));
        EXPECT_FALSE(p->scan_result(b));
        EXPECT_EQ(p->clip(b)->flags, -1);
        EXPECT_EQ(p->setting("artifact_detectors"), "other detectors");
    }
}

// A folder an unprivileged user can reach whatever the checkout's parents allow (a 0700 home):
// under the first of $TMPDIR, /tmp, /var/tmp, /dev/shm whose every parent lets others through.
fs::path world_reachable_folder(const std::string& name, int n) {
    std::vector<std::string> bases;
    if (const char* t = std::getenv("TMPDIR"); t && *t) bases.emplace_back(t);
    for (const char* b : {"/tmp", "/var/tmp", "/dev/shm"}) bases.emplace_back(b);
    for (const std::string& b : bases) {
        std::error_code ec;
        fs::path base = fs::canonical(b, ec);
        if (ec) continue;
        bool reachable = true;
        for (fs::path p = base; reachable; p = p.parent_path()) {
            struct stat st {};
            reachable = stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXOTH);
            if (p == p.root_path()) break;
        }
        if (!reachable) continue;
        std::string tmpl = (base / ("reelsync-" + name + "-XXXXXX")).string();
        if (!mkdtemp(tmpl.data())) continue;
        fs::path d(tmpl);
        chmod(d.c_str(), 0755);
        for (int i = 0; i < n; ++i) {
            char file[32];
            std::snprintf(file, sizeof file, "clip_%03d.mp4", i);
            std::ofstream(d / file) << "placeholder " << i;
        }
        return d;
    }
    return {};
}

TEST(Project, ReadOnlyFolderShowsClipsAndRefusesDecisions) {
    // The check runs as an unprivileged user, who must be able to reach the folder: not under the
    // build tree, whose parents may be closed to others.
    fs::path d = world_reachable_folder("readonly", 3);
    ASSERT_FALSE(d.empty()) << "no temporary folder here that an unprivileged user can reach";
    {
        auto p = Project::open(d);
        ASSERT_TRUE(p);
        ASSERT_TRUE(p->set_status(id_of(*p, "clip_002.mp4"), Status::approved));
    }
    {
        // Leave no WAL behind: a read-only opening sees only the main file.
        sqlite3* h = nullptr;
        sqlite3_open((d / kDatabaseName).c_str(), &h);
        sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
        sqlite3_close(h);
    }
    const std::string before = read_bytes(d / kDatabaseName);
    chmod(d.c_str(), 0555);
    chmod((d / kDatabaseName).c_str(), 0444);
    // Root writes anywhere: check as an unprivileged user in a child process.
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(10);
        auto p = Project::open(d);
        if (!p) _exit(11);
        if (!p->read_only()) _exit(12);
        if (p->clips().size() != 3) _exit(13);
        if (p->clip(id_of(*p, "clip_002.mp4"))->status != Status::approved) _exit(14);
        auto r = p->set_status(id_of(*p, "clip_000.mp4"), Status::rejected);
        if (r || r.error().message.find("read-only") == std::string::npos) _exit(15);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    chmod(d.c_str(), 0755);
    chmod((d / kDatabaseName).c_str(), 0644);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "exit 11: the unprivileged user could not open " << d;
    EXPECT_EQ(read_bytes(d / kDatabaseName), before);
    fs::remove_all(d);
}

TEST(Project, FullDiskLosesNothing) {
    fs::path d = make_folder("full", 2);
    { ASSERT_TRUE(Project::open(d)); }
    Project::Options o;
    o.max_pages = 2;  // the database may grow by two pages at most
    auto p = Project::open(d, o);
    ASSERT_TRUE(p);
    const int64_t a = id_of(*p, "clip_000.mp4");
    ASSERT_TRUE(p->set_rating(a, 3));
    auto r = p->set_note(a, std::string(200000, 'x'));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("disk is full"), std::string::npos) << r.error().message;
    EXPECT_EQ(p->clip(a)->note, "");  // not applied in memory either
    EXPECT_EQ(p->undo_label(), "rate 3 clip_000.mp4");
    ASSERT_TRUE(p->set_status(a, Status::approved));  // small decisions still go through
    auto q = Project::open(d);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->clip(a)->rating, 3);
    EXPECT_EQ(q->clip(a)->status, Status::approved);
    EXPECT_EQ(q->clip(a)->note, "");
    EXPECT_EQ(integrity(d / kDatabaseName), "ok");
}

TEST(Project, ADamagedDatabaseLeavesTheClipsBrowsableAndTheFileUntouched) {
    // The database cut short (a copy interrupted), overwritten with noise, and with its pages
    // after the first scrambled (a disk error): the folder still opens, its clips listed, read-only
    // with a reason that names the file; a decision is refused with that reason; the file is not
    // written (not even a journal beside it).
    fs::path d = make_folder("damaged", 3);
    {
        auto p = Project::open(d);
        ASSERT_TRUE(p);
        ASSERT_TRUE(p->set_status(id_of(*p, "clip_001.mp4"), Status::approved));
        ASSERT_TRUE(p->set_note(id_of(*p, "clip_002.mp4"), std::string(20000, 'n')));  // a few pages
    }
    const std::string good = read_bytes(d / kDatabaseName);
    ASSERT_GT(good.size(), 4 * 4096u);
    std::string noise(good.size(), '\0');
    std::mt19937 rng(7);
    for (char& c : noise) c = static_cast<char>(rng());
    std::string scrambled = good;
    for (size_t i = 4096; i < scrambled.size(); i += 7) scrambled[i] = static_cast<char>(scrambled[i] ^ 0x5a);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"cut short", good.substr(0, good.size() / 3)}, {"noise", noise}, {"pages scrambled", scrambled}};
    for (const auto& [label, bytes] : cases) {
        SCOPED_TRACE(label);
        for (const char* side : {"-wal", "-shm"}) fs::remove(d / (std::string(kDatabaseName) + side));
        std::ofstream(d / kDatabaseName, std::ios::binary | std::ios::trunc) << bytes;
        {
            auto p = Project::open(d);
            ASSERT_TRUE(p) << p.error().message;
            EXPECT_TRUE(p->read_only());
            EXPECT_NE(p->read_only_reason().find((d / kDatabaseName).string() + " is damaged"), std::string::npos) << p->read_only_reason();
            ASSERT_EQ(p->clips().size(), 3u);
            EXPECT_EQ(p->clips()[0].path, "clip_000.mp4");
            auto r = p->set_status(p->clips()[0].id, Status::rejected);
            ASSERT_FALSE(r);
            EXPECT_NE(r.error().message.find("is damaged"), std::string::npos) << r.error().message;
        }
        EXPECT_EQ(read_bytes(d / kDatabaseName), bytes) << "the damaged file was written";
        EXPECT_FALSE(fs::exists(d / (std::string(kDatabaseName) + "-wal")));
    }
}

TEST(Project, MissingFilesAreReportedAndRelinked) {
    fs::path d = make_folder("relink", 3);
    fs::path elsewhere = d.parent_path() / "relink-moved";
    fs::remove_all(elsewhere);
    fs::create_directories(elsewhere / "sub");
    {
        auto p = Project::open(d);
        ASSERT_TRUE(p);
        ASSERT_TRUE(p->set_status(id_of(*p, "clip_001.mp4"), Status::approved));
    }
    fs::rename(d / "clip_001.mp4", elsewhere / "sub" / "clip_001.mp4");
    auto p = Project::open(d);
    ASSERT_TRUE(p);
    const int64_t id = id_of(*p, "clip_001.mp4");
    EXPECT_TRUE(p->clip(id)->missing);
    EXPECT_FALSE(p->clip(id_of(*p, "clip_000.mp4"))->missing);
    EXPECT_EQ(p->clip(id)->status, Status::approved);  // its decisions are kept
    auto n = p->relink(elsewhere);
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(*n, 1);
    EXPECT_FALSE(p->clip(id)->missing);
    EXPECT_EQ(fs::path(p->clip(id)->path), elsewhere / "sub" / "clip_001.mp4");
    EXPECT_EQ(p->clip(id)->status, Status::approved);
}

// Kill a process that is making decisions at random moments, 50 times: every decision it reported
// as saved is in the database when it is opened again, and the database is intact.
TEST(Project, SigkillNeverLosesAnAcknowledgedDecision) {
    fs::path d = make_folder("sigkill", 8);
    { ASSERT_TRUE(Project::open(d)); }
    std::mt19937 rng(1234);
    std::map<std::string, int64_t> last_acked;  // clip name -> last acknowledged decision number
    int64_t next = 0;
    for (int round = 0; round < 50; ++round) {
        int fds[2];
        ASSERT_EQ(pipe(fds), 0);
        const int64_t first = next;
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            auto p = Project::open(d);
            if (!p) _exit(1);
            for (int64_t k = first;; ++k) {
                const Clip& c = p->clips()[static_cast<size_t>(k % 8)];
                // Decision k, one transaction: the clip's note says k, its in point is k, its rating k mod 6.
                Decision dk{"decision " + std::to_string(k),
                            {{c.id, Field::note, {}, "decision " + std::to_string(k)},
                             {c.id, Field::mark_in, {}, k},
                             {c.id, Field::rating, {}, k % 6}}};
                if (!p->apply(std::move(dk))) _exit(2);
                int64_t ack = k;
                if (write(fds[1], &ack, sizeof ack) != sizeof ack) _exit(3);
            }
        }
        close(fds[1]);
        std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(2000, 60000)(rng)));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself: " << WEXITSTATUS(status);
        int64_t ack;
        while (read(fds[0], &ack, sizeof ack) == sizeof ack) {
            last_acked[std::string("clip_00") + std::to_string(ack % 8) + ".mp4"] = ack;
            next = ack + 1;
        }
        close(fds[0]);
        // Decisions after the last acknowledged one may or may not have landed; the next round
        // starts after the last one that could have.
        next += 1;
        auto p = Project::open(d);
        ASSERT_TRUE(p) << p.error().message;
        for (const auto& [name, k] : last_acked) {
            const Clip* c = p->clip(id_of(*p, name));
            ASSERT_GE(c->mark_in.value_or(-1), k) << name << " lost decision " << k << " (round " << round << ")";
            EXPECT_EQ(c->note, "decision " + std::to_string(*c->mark_in));
            EXPECT_EQ(c->rating, *c->mark_in % 6);
        }
        ASSERT_EQ(integrity(d / kDatabaseName), "ok") << "round " << round;
    }
    EXPECT_GT(last_acked.size(), 4u);  // the kills landed while decisions were flowing
}

// A transaction whose COMMIT fails (the disk fills as the write-ahead log grows at commit time:
// here a file-size limit stands in for the full disk) leaves nothing behind: not the change, and
// not an open transaction that would refuse every later decision. Once there is room again, the
// next decision saves. Checked for a decision and for a relink, each in a process of its own.
TEST(Project, AFailedCommitRollsBackAndTheNextDecisionSaves) {
    fs::path d = make_folder("failed commit", 4);
    fs::create_directories(d / "moved");
    { ASSERT_TRUE(Project::open(d)); }
    for (const char* what : {"decision", "relink"}) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            auto p = Project::open(d);
            if (!p) _exit(10);
            const int64_t a = id_of(*p, "clip_000.mp4");
            if (!p->set_rating(a, 3)) _exit(11);  // the log exists and holds a transaction
            if (std::string(what) == "relink") {
                // Two clips go missing; relinking them from moved/ updates two rows.
                for (const char* n : {"clip_002.mp4", "clip_003.mp4"}) fs::rename(d / n, d / "moved" / n);
                p = Project::open(d);
                if (!p) _exit(12);
            }
            struct stat wal{};
            if (stat((d.string() + "/" + kDatabaseName + "-wal").c_str(), &wal) != 0) _exit(13);
            // No file may grow past its size now: the commit's log pages cannot be written.
            signal(SIGXFSZ, SIG_IGN);
            rlimit old{};
            getrlimit(RLIMIT_FSIZE, &old);
            rlimit tight = old;
            tight.rlim_cur = static_cast<rlim_t>(wal.st_size);
            if (setrlimit(RLIMIT_FSIZE, &tight) != 0) _exit(14);
            const bool failed = std::string(what) == "relink" ? !p->relink((d / "moved").string())
                                                              : !p->set_note(a, std::string(300000, 'n'));
            setrlimit(RLIMIT_FSIZE, &old);  // room again
            if (!failed) _exit(15);         // the commit could not have succeeded
            // Not left inside a transaction: the next decision saves.
            if (auto r = p->set_status(a, Status::approved); !r) {
                std::fprintf(stderr, "after the failed commit: %s\n", r.error().message.c_str());
                _exit(16);
            }
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFEXITED(status)) << what;
        ASSERT_EQ(WEXITSTATUS(status), 0) << what;
        auto q = Project::open(d, {.scan_folder = false});
        ASSERT_TRUE(q);
        const int64_t a = id_of(*q, "clip_000.mp4");
        EXPECT_EQ(q->clip(a)->status, Status::approved) << what;
        EXPECT_EQ(q->clip(a)->rating, 3) << what;
        EXPECT_EQ(q->clip(a)->note, "") << what;  // the note whose commit failed is not there
        EXPECT_EQ(integrity(d / kDatabaseName), "ok") << what;
        // Reset for the next case.
        ASSERT_TRUE(q->set_status(a, Status::unreviewed));
    }
    // The failed relink left the moved clips missing.
    auto q = Project::open(d, {.scan_folder = false});
    ASSERT_TRUE(q);
    EXPECT_TRUE(q->clip(id_of(*q, "clip_002.mp4"))->missing);
}
