// Farm scan through a real Slurm: each test starts a single-machine cluster (munged, slurmctld,
// slurmd with 4 CPU slots, a generated config in a temporary folder; scripts/slurm-local.sh) and
// stops it afterwards. Skipped only where Slurm is not installed or the tests are not root (slurmd
// runs tasks as their users); in CI that skip is a failure.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "farm/farm.h"
#include "support/media_gen.h"
#include "project/catalog.h"
#include "project/project.h"

namespace fs = std::filesystem;
namespace t = reelsync::testing;
using json = nlohmann::json;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

std::string cli(const std::string& args, int* rc, int timeout_s = 300) {
    std::string out;
    *rc = t::run_command("timeout " + std::to_string(timeout_s) + " " + q(t::reelsync_binary()) + " " + args, &out);
    return out;
}

int count_of(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

int stored_scans(const fs::path& folder) {
    sqlite3* h = nullptr;
    int n = -1;
    if (sqlite3_open_v2((folder / reelsync::project::kDatabaseName).c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM scans", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

// A folder of `n` clips made from `distinct` sources (short test patterns of several lengths;
// every fifth with two black frames, every seventh its first 12 frames, then the 12th held for 12 more).
fs::path clip_folder(const std::string& name, int n, int distinct, const std::string& size, double seconds) {
    fs::path d = fs::path(t::media_dir()) / "farm" / name;
    fs::remove_all(d);
    fs::create_directories(d);
    for (int k = 0; k < distinct; ++k) {
        std::string vf;
        if (k % 5 == 0) vf = " -vf \"drawbox=x=0:y=0:w=iw:h=ih:t=fill:color=black:enable='between(n\\,8\\,9)'\"";
        else if (k % 7 == 0) vf = " -vf \"trim=end_frame=12,tpad=stop_mode=clone:stop=12\"";
        const double d_s = seconds * (1.0 + 0.25 * (k % 4));
        const std::string src = t::generate("farm_" + size + "_" + std::to_string(d_s) + "_" + std::to_string(k) + ".mp4",
                                            "-f lavfi -i testsrc2=s=" + size + ":r=24:d=" + std::to_string(d_s) + vf +
                                                " -c:v libx264 -preset ultrafast -pix_fmt yuv420p");
        for (int c = k; c < n; c += distinct) {
            char file[32];
            std::snprintf(file, sizeof file, "take_%03d.mp4", c);
            fs::copy_file(src, d / file);
        }
    }
    return d;
}

std::string squeue_lines() {
    std::string out;
    t::run_command("squeue --noheader --array --format='%F_%K %T'", &out);
    return out;
}

// A shell command started in the background (the submitting reelsync); -1 if it could not be.
pid_t start_in_background(const std::string& cmd) {
    const pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
        _exit(127);
    }
    return pid;
}

// The first array task seen running ("JOB_INDEX") other than those in `skip`, waiting up to a
// minute; empty if none ran.
std::string running_task(const std::set<std::string>& skip = {}) {
    for (int k = 0; k < 1200; ++k) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::istringstream in(squeue_lines());
        for (std::string task, st; in >> task >> st;)
            if (st == "RUNNING" && !skip.count(task)) return task;
    }
    return "";
}

class Farm : public ::testing::Test {
protected:
    void SetUp() override {
        std::string out;
        if (t::run_command("command -v sbatch && command -v slurmd || test -x /usr/sbin/slurmd", &out) != 0)
            GTEST_SKIP() << "Slurm is not installed (Debian: slurmctld slurmd slurm-client munge; scripts/deps.sh installs them)";
        if (geteuid() != 0) GTEST_SKIP() << "the single-machine Slurm needs root (slurmd starts tasks as their users)";
        const int rc = t::run_command(q(fs::path(REELSYNC_SOURCE_DIR) / "scripts" / "slurm-local.sh") + " start 4", &out);
        ASSERT_EQ(rc, 0) << out;
        std::istringstream in(out);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("SLURM_CONF=", 0) == 0) conf_ = line.substr(11);
            else if (line.find("reelsync-slurm.") != std::string::npos) cluster_ = line;
        }
        ASSERT_FALSE(conf_.empty()) << out;
        setenv("SLURM_CONF", conf_.c_str(), 1);
        path_ = std::getenv("PATH") ? std::getenv("PATH") : "";
        setenv("PATH", (path_ + ":/usr/sbin").c_str(), 1);
    }
    void TearDown() override {
        if (!cluster_.empty()) {
            std::string out;
            t::run_command(q(fs::path(REELSYNC_SOURCE_DIR) / "scripts" / "slurm-local.sh") + " stop " + q(cluster_), &out);
        }
    }
    std::string conf_, cluster_, path_;
};

}  // namespace

// The check: 200 clips scanned through Slurm give the report the local scan gives, byte
// for byte; every scan lands in the project once, and the work folder is gone afterwards.
TEST_F(Farm, TwoHundredClipsThroughSlurmGiveTheLocalScansReport) {
    const fs::path d = clip_folder("two_hundred", 200, 20, "128x72", 0.5);
    const fs::path farm_report = d / "farm.json", local_report = d / "local.json";
    int rc = 0;
    const std::string out = cli("scan " + q(d) + " --farm slurm --shards 12 --json " + q(farm_report), &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("200 clips in 12 shards submitted to slurm as job"), std::string::npos) << out;
    EXPECT_NE(out.find("200/200 clips; tasks: 0 pending, 0 running, 12 done, 0 failed"), std::string::npos) << out;
    EXPECT_NE(out.find("200 clips: 200 scanned, 0 unchanged since their last scan"), std::string::npos) << out;
    EXPECT_EQ(stored_scans(d), 200);
    EXPECT_FALSE(fs::exists(d / ".reelsync-farm"));
    EXPECT_NE(out.find("200 to scan, 200 to probe and thumbnail"), std::string::npos) << out;

    // The catalogue went the same way: every clip probed, and its thumbnail the one the browser's
    // catalogue makes here, pixel for pixel.
    {
        auto p = reelsync::project::Project::open(d);
        ASSERT_TRUE(p) << p.error().message;
        auto cache = reelsync::project::ProjectCache::open(d);
        ASSERT_TRUE(cache);
        ASSERT_EQ(p->clips().size(), 200u);
        int thumbs_checked = 0;
        for (const auto& c : p->clips()) {
            ASSERT_TRUE(c.media) << c.name;
            EXPECT_EQ(c.media->codec, "h264");
            EXPECT_EQ(c.media->width, 128);
            EXPECT_EQ(c.media->height, 72);
            EXPECT_EQ(c.media->rate.num, 24);
            EXPECT_EQ(c.media->rate.den, 1);
            const int k = std::stoi(c.name.substr(5, 3)) % 20;
            EXPECT_EQ(c.media->frame_count, k % 7 == 0 && k % 5 != 0 ? 24 : static_cast<int64_t>(std::lround(12 * (1.0 + 0.25 * (k % 4))))) << c.name;
            auto thumb = cache->thumbnail(c.id, c.size, c.mtime);
            ASSERT_TRUE(thumb) << c.name;
            if (std::stoi(c.name.substr(5, 3)) % 25 == 0) {
                auto here = reelsync::project::catalogue_clip(p->absolute(c));
                ASSERT_TRUE(here && here->thumbnail);
                EXPECT_EQ(thumb->width, here->thumbnail->width);
                EXPECT_EQ(thumb->height, here->thumbnail->height);
                EXPECT_TRUE(thumb->rgba == here->thumbnail->rgba) << c.name;
                ++thumbs_checked;
            }
        }
        EXPECT_EQ(thumbs_checked, 8);
    }

    // The same clips scanned here, from scratch (no stored scan to fall back on).
    fs::remove(d / reelsync::project::kDatabaseName);
    const std::string local = cli("scan " + q(d) + " --jobs 2 --json " + q(local_report), &rc);
    ASSERT_EQ(rc, 0) << local;
    const std::string a = slurp(farm_report), b = slurp(local_report);
    ASSERT_GT(a.size(), 1000u);
    EXPECT_EQ(a, b) << "the farm's report differs from the local scan's";

    // Real content: 200 clips, each once; the black frames flagged where they were drawn.
    const json r = json::parse(a);
    ASSERT_EQ(r["clips"].size(), 200u);
    std::set<std::string> files;
    int black = 0;
    for (const json& c : r["clips"]) {
        files.insert(c["file"].get<std::string>());
        for (const json& f : c["flags"])
            if (f["kind"] == "black") {
                ++black;
                EXPECT_EQ(f["first_frame"].get<int>(), 8) << c["file"];
                EXPECT_EQ(f["last_frame"].get<int>(), 9) << c["file"];
            }
    }
    EXPECT_EQ(files.size(), 200u);
    EXPECT_EQ(black, 40);  // sources 0, 5, 10, 15: ten copies each
}

// A task cancelled while it runs (scancel of one array element) is run again; the submitting
// command killed part way and run again with --attach merges the rest; result files damaged in
// the meantime (one cut short, one with a changed byte) are rejected and their shards run again.
// Nothing is lost or counted twice: the report is the local scan's.
TEST_F(Farm, AKilledTaskIsRetriedAndAKilledMergeAttachesAgain) {
    const fs::path d = clip_folder("killed", 40, 8, "320x180", 2.0);
    const fs::path work = d / ".reelsync-farm", log = d / "first.log";
    const std::string cmd = "exec " + q(t::reelsync_binary()) + " scan " + q(d) + " --farm slurm --shards 8 --retries 2 >" + q(log) + " 2>&1";
    const pid_t pid = start_in_background(cmd);
    ASSERT_GE(pid, 0);
    // A running task of the job, cancelled before it wrote its result. squeue can still show a task
    // running that has just written it (a cancel too late to lose anything, merged as it should be);
    // then another running task is cancelled. The result is looked for the moment the task has left
    // the queue, long before a retry of its shard could have written one.
    std::string cancelled;
    std::set<std::string> tried;
    while (cancelled.empty() && tried.size() < 6) {
        const std::string task = running_task(tried);
        ASSERT_FALSE(task.empty()) << slurp(log);
        tried.insert(task);
        std::string out;
        ASSERT_EQ(t::run_command("scancel " + task, &out), 0) << out;
        for (int k = 0; k < 600 && ("\n" + squeue_lines()).find("\n" + task + " ") != std::string::npos; ++k)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (!fs::exists(reelsync::farm::result_path(work, std::stoi(task.substr(task.find('_') + 1))))) cancelled = task;
    }
    ASSERT_FALSE(cancelled.empty()) << "every cancelled task had written its result: " << slurp(log);
    // The submitting command killed once it has merged a shard.
    bool merged = false;
    for (int k = 0; k < 1200 && !merged; ++k) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        merged = slurp(work / "state.json").find("\"merged\"") != std::string::npos;
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(merged) << slurp(log);
    const std::string first = slurp(log);

    // The tasks go on without it; once they are done, two unmerged results are damaged.
    for (int k = 0; k < 2400 && !squeue_lines().empty(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(squeue_lines(), "");
    const json state = json::parse(slurp(work / "state.json"));
    std::vector<fs::path> unmerged;
    for (size_t i = 0; i < state["shards"].size(); ++i) {
        const fs::path result = reelsync::farm::result_path(work, static_cast<int>(i));
        if (state["shards"][i]["phase"] != "merged" && fs::exists(result)) unmerged.push_back(result);
    }
    ASSERT_GE(unmerged.size(), 2u) << state.dump(1);
    {
        const std::string text = slurp(unmerged[0]);
        std::ofstream(unmerged[0], std::ios::binary | std::ios::trunc) << text.substr(0, text.size() / 2);
        std::string other = slurp(unmerged[1]);
        const size_t at = other.find("\"severity\"") != std::string::npos ? other.find("\"severity\"") + 12 : other.find("\"file\"") + 9;
        other[at] = other[at] == '1' ? '2' : '1';
        std::ofstream(unmerged[1], std::ios::binary | std::ios::trunc) << other;
    }

    int rc = 0;
    const fs::path report = d / "farm.json";
    const std::string attach = cli("scan " + q(d) + " --farm slurm --attach --json " + q(report), &rc);
    ASSERT_EQ(rc, 0) << attach;
    EXPECT_NE(attach.find("attached to 8 shards"), std::string::npos) << attach;
    EXPECT_EQ(count_of(attach, "result rejected"), 2) << attach;
    EXPECT_NE(attach.find("not valid JSON"), std::string::npos) << attach;
    EXPECT_NE(attach.find("damaged"), std::string::npos) << attach;
    // The cancelled task was run again, by the first command or by the attached one.
    const std::string both = first + attach;
    const size_t note = both.find("task " + cancelled + " ended without a result (CANCELLED");
    ASSERT_NE(note, std::string::npos) << both;
    EXPECT_NE(both.substr(note, both.find('\n', note) - note).find("; running it again (attempt 2 of 3)"), std::string::npos) << both;
    EXPECT_NE(attach.find("40/40 clips"), std::string::npos) << attach;
    EXPECT_NE(attach.find("40 clips: "), std::string::npos) << attach;
    EXPECT_EQ(stored_scans(d), 40);
    EXPECT_FALSE(fs::exists(work));

    fs::remove(d / reelsync::project::kDatabaseName);
    const fs::path local = d / "local.json";
    const std::string l = cli("scan " + q(d) + " --jobs 2 --json " + q(local), &rc);
    ASSERT_EQ(rc, 0) << l;
    EXPECT_EQ(slurp(report), slurp(local));
    EXPECT_EQ(json::parse(slurp(report))["clips"].size(), 40u);
}

// Ctrl+C cancels the job (scancel): nothing of it is left in the queue, what was merged stays, and
// the next farm scan submits only the clips still without a scan.
TEST_F(Farm, CtrlCCancelsTheJobAndTheNextScanSubmitsTheRest) {
    const fs::path d = clip_folder("ctrl_c", 24, 6, "320x180", 2.0);
    const fs::path log = d / "first.log";
    const std::string cmd = "exec " + q(t::reelsync_binary()) + " scan " + q(d) + " --farm slurm --shards 6 >" + q(log) + " 2>&1";
    const pid_t pid = start_in_background(cmd);
    ASSERT_GE(pid, 0);
    ASSERT_FALSE(running_task().empty()) << slurp(log);
    kill(pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130) << slurp(log);
    EXPECT_NE(slurp(log).find("farm: cancelled (job "), std::string::npos) << slurp(log);
    std::string q_after = "x";
    for (int k = 0; k < 200 && !q_after.empty(); ++k) {
        q_after = squeue_lines();
        if (!q_after.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(q_after, "") << "tasks left in the queue after Ctrl+C";
    const int kept = stored_scans(d);
    ASSERT_GE(kept, 0);
    ASSERT_LT(kept, 24);

    int rc = 0;
    const std::string again = cli("scan " + q(d) + " --farm slurm --shards 3", &rc);
    ASSERT_EQ(rc, 0) << again;
    EXPECT_NE(again.find("farm: " + std::to_string(24 - kept) + " clips in "), std::string::npos) << again;
    EXPECT_NE(again.find("24 clips: " + std::to_string(24 - kept) + " scanned, " + std::to_string(kept) + " unchanged"), std::string::npos)
        << again;
    EXPECT_EQ(stored_scans(d), 24);
}

// Bad input: no Slurm on PATH, a controller that does not answer, a work folder on a full disk,
// nothing to attach to. Each is a clear message, exit 1, and nothing submitted.
TEST_F(Farm, NoSlurmUnreachableOrAFullDiskSubmitsNothing) {
    const fs::path d = clip_folder("bad", 4, 4, "128x72", 0.5);
    const fs::path work = d / ".reelsync-farm";
    int rc = 0;

    std::string out = cli("scan " + q(d) + " --farm slurm --attach", &rc);
    EXPECT_EQ(rc, 1);
    EXPECT_NE(out.find("no farm scan to attach to in"), std::string::npos) << out;

    // No Slurm installed: its commands are not on PATH.
    t::run_command("env PATH=/nonexistent " + q(t::reelsync_binary()) + " scan " + q(d) + " --farm slurm", &out);
    EXPECT_NE(out.find("Slurm is not installed here (no sinfo on PATH"), std::string::npos) << out;
    EXPECT_NE(out.find("nothing submitted"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(work));

    // A controller that does not answer: a configuration naming a port nobody listens on.
    const fs::path bad_conf = fs::path(cluster_) / "unreachable.conf";
    {
        std::string conf = slurp(conf_);
        const size_t at = conf.find("SlurmctldPort=");
        conf.replace(at, conf.find('\n', at) - at, "SlurmctldPort=9");
        std::ofstream(bad_conf) << conf;
    }
    rc = t::run_command("env SLURM_CONF=" + q(bad_conf) + " timeout 120 " + q(t::reelsync_binary()) + " scan " + q(d) + " --farm slurm", &out);
    EXPECT_EQ(rc, 1);
    EXPECT_NE(out.find("Slurm's controller cannot be reached"), std::string::npos) << out;
    EXPECT_NE(out.find("nothing submitted"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(work));

    // A work folder on a full disk: a 16 KiB file system, filled.
    const fs::path full = fs::path(cluster_) / "full";
    fs::create_directories(full);
    if (mount("tmpfs", full.c_str(), "tmpfs", 0, "size=16k") != 0) GTEST_SKIP() << "cannot mount a small tmpfs here: " << std::strerror(errno);
    {
        std::ofstream filler(full / "filler", std::ios::binary);
        const std::string block(4096, 'x');
        for (int i = 0; i < 16 && filler; ++i) filler << block;
    }
    out = cli("scan " + q(d) + " --farm slurm --work " + q(full / "work"), &rc);
    const std::string queue = squeue_lines();
    umount(full.c_str());
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("nothing submitted"), std::string::npos) << out;
    EXPECT_EQ(queue, "") << "a job was submitted";
    EXPECT_EQ(stored_scans(d), 0);

    // The same folder, with room: it goes through.
    out = cli("scan " + q(d) + " --farm slurm", &rc);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_EQ(stored_scans(d), 4);
}

// The farm benchmark measures what it says: the clips of the folder, scanned both ways, with the
// same scans, and its figures come from those runs.
TEST_F(Farm, BenchReportsItsFiguresForTheClipsItScanned) {
    const fs::path d = clip_folder("bench", 8, 4, "128x72", 0.5);
    int rc = 0;
    const std::string out = cli("bench --farm " + q(d) + " --shards 2 --jobs 2 --json", &rc);
    ASSERT_EQ(rc, 0) << out;
    const json j = json::parse(out.substr(out.rfind('{')));
    EXPECT_EQ(j["clips"].get<int>(), 8);
    EXPECT_EQ(j["tasks"].get<int>(), 2);
    EXPECT_EQ(j["local_workers"].get<int>(), 2);
    EXPECT_EQ(j["cluster_cpus"].get<int>(), 4);
    EXPECT_EQ(j["identical_scans"].get<int>(), 8);
    EXPECT_GT(j["local_clips_per_minute"].get<double>(), 0.0);
    EXPECT_GT(j["farm_clips_per_minute"].get<double>(), 0.0);
    EXPECT_NEAR(j["farm_vs_local"].get<double>(), j["farm_clips_per_minute"].get<double>() / j["local_clips_per_minute"].get<double>(), 1e-9);
    EXPECT_GE(j["merge_ms_per_clip"].get<double>(), 0.0);
    EXPECT_FALSE(fs::exists(d / ".reelsync-farm-bench"));
    EXPECT_EQ(stored_scans(d), 8);
}

// A task that fails every time (here: its result is larger than the file-size limit the tasks
// inherit, so writing it fails) runs again up to --retries, then is reported with its
// log, and its clips as not scanned: exit 1, nothing stored, the work folder and logs kept.
TEST_F(Farm, ATaskThatKeepsFailingIsReportedWithItsLog) {
    const fs::path d = clip_folder("failing", 2, 2, "128x72", 0.5);
    int rc = 0;
    std::string out;
    ASSERT_TRUE(reelsync::project::Project::open(d));  // the project exists (its clips not probed) before the limit applies
    // 64 KiB: room for the manifest and the state, not for a result with two thumbnails (~150 KB).
    rc = t::run_command("ulimit -f 64 && timeout 300 " + q(t::reelsync_binary()) + " scan " + q(d) + " --farm slurm --shards 1 --retries 1", &out);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("shard 0: task "), std::string::npos) << out;
    EXPECT_NE(out.find("running it again (attempt 2 of 2)"), std::string::npos) << out;
    EXPECT_NE(out.find("scan: shard 0 failed after 2 attempts: task "), std::string::npos) << out;
    EXPECT_NE(out.find("ended without a result (FAILED, exit 1)"), std::string::npos) << out;
    const size_t log_at = out.find("; log ");
    ASSERT_NE(log_at, std::string::npos) << out;
    const fs::path log = out.substr(log_at + 6, out.find('\n', log_at) - log_at - 6);
    EXPECT_TRUE(fs::exists(log)) << log;
    EXPECT_NE(slurp(log).find("take_000.mp4: scanned"), std::string::npos) << slurp(log);
    EXPECT_NE(slurp(log).find("writing failed: File too large"), std::string::npos) << slurp(log);
    EXPECT_NE(out.find("writing failed: File too large"), std::string::npos) << "the log's last lines are shown:\n" << out;
    EXPECT_NE(out.find("take_001.mp4: not scanned (its farm task failed"), std::string::npos) << out;
    EXPECT_NE(out.find("2 clips: 0 scanned"), std::string::npos) << out;
    EXPECT_EQ(stored_scans(d), 0);
    EXPECT_TRUE(fs::exists(d / ".reelsync-farm" / "state.json"));
}

// SIGTERM (a closed terminal, a stopped session) only detaches: the tasks go on. `--cancel` from
// another command cancels them, and the next `--attach` finds nothing under way.
TEST_F(Farm, SigtermDetachesAndCancelStopsTheJob) {
    const fs::path d = clip_folder("detach", 24, 6, "320x180", 2.0);
    const fs::path log = d / "first.log";
    const std::string cmd = "exec " + q(t::reelsync_binary()) + " scan " + q(d) + " --farm slurm --shards 6 >" + q(log) + " 2>&1";
    const pid_t pid = start_in_background(cmd);
    ASSERT_GE(pid, 0);
    ASSERT_FALSE(running_task().empty()) << slurp(log);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 143) << slurp(log);
    EXPECT_NE(slurp(log).find("farm: detached; the tasks go on, --attach merges what they finish"), std::string::npos) << slurp(log);
    const std::string queued = squeue_lines();
    EXPECT_NE(queued, "") << "detaching cancelled the tasks";

    int rc = 0;
    const std::string cancel = cli("scan " + q(d) + " --farm slurm --cancel", &rc);
    EXPECT_EQ(rc, 0) << cancel;
    EXPECT_NE(cancel.find("farm: cancelled job "), std::string::npos) << cancel;
    std::string q_after = "x";
    for (int k = 0; k < 200 && !q_after.empty(); ++k) {
        q_after = squeue_lines();
        if (!q_after.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(q_after, "") << "tasks left in the queue after --cancel";
    // A cancelled submission is not under way: a new farm scan may start (and submits the rest).
    const std::string again = cli("scan " + q(d) + " --farm slurm --shards 2", &rc);
    EXPECT_EQ(rc, 0) << again;
    EXPECT_EQ(stored_scans(d), 24);
}
