// Commands from outside the window, through the binary: --keys culling in the browser, a key file
// that rebinds keys (and one that is broken), and a script driving playback through the JSON
// command interface and reading the state back. What was decided is read from the project's
// database, and what was marked is checked against the frames the stats file says were on screen.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "project/project.h"
#include "support/media_gen.h"
#include "support/stats_file.h"

namespace fs = std::filesystem;
using namespace reelsync;
using json = nlohmann::json;

namespace {

fs::path make_folder(const std::string& name) {
    const fs::path dir = fs::path(reelsync::testing::media_dir()) / "projects" / ("commands " + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string src = reelsync::testing::indexed_clip({"commands_90.mp4", "-c:v libx264 -g 15", "30", 90, 160, 120});
    for (const char* n : {"a.mp4", "b.mp4", "c.mp4", "d.mp4"}) fs::copy_file(src, dir / n);
    return dir;
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

// A script's end of the local socket: connect, send lines, read reply lines (10 s at most each).
class SocketClient {
public:
    explicit SocketClient(const std::string& path) {
        fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
        if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            close(fd_);
            fd_ = -1;
        }
    }
    ~SocketClient() { drop(); }
    bool ok() const { return fd_ >= 0; }
    void send_raw(const std::string& s) { (void)!::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
    void send_line(const std::string& s) { send_raw(s + "\n"); }
    json read_reply() {
        for (;;) {
            if (const size_t nl = buf_.find('\n'); nl != std::string::npos) {
                json j = json::parse(buf_.substr(0, nl), nullptr, false);
                buf_.erase(0, nl + 1);
                return j;
            }
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 10000) <= 0) return json();
            char b[4096];
            const ssize_t n = ::recv(fd_, b, sizeof b, 0);
            if (n <= 0) return json();
            buf_.append(b, static_cast<size_t>(n));
        }
    }
    void drop() {
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
    std::string buf_;
};

const project::Clip& clip_named(const project::Project& p, const std::string& name) {
    for (const auto& c : p.clips())
        if (c.name == name) return c;
    throw std::runtime_error("no clip " + name);
}

}  // namespace

TEST(Scripting, KeysCullInTheBrowserHeadless) {
    const fs::path dir = make_folder("browser keys");
    std::string out;
    // In the browser a key's time is seconds since the start. P approves a and moves on, X rejects
    // b, Right moves to d, 3 rates it; Ctrl+Z undoes the rating, Ctrl+Y redoes it.
    const int rc = reelsync::testing::run_command(reelsync::testing::timeout_command(60) + "" + q(reelsync::testing::reelsync_binary()) + " play " + q(dir) +
                                                      " --headless --no-audio --keys 0:p,0:x,0.1:right,0.1:3,0.2:ctrl+z,0.3:ctrl+y,0.3:u",
                                                  &out);
    ASSERT_EQ(rc, 0) << out;
    auto p = project::Project::open(dir);
    ASSERT_TRUE(p);
    EXPECT_EQ(clip_named(*p, "a.mp4").status, project::Status::approved);
    EXPECT_EQ(clip_named(*p, "b.mp4").status, project::Status::rejected);
    EXPECT_EQ(clip_named(*p, "c.mp4").status, project::Status::unreviewed);
    EXPECT_EQ(clip_named(*p, "c.mp4").rating, 0);
    EXPECT_EQ(clip_named(*p, "d.mp4").rating, 3);
    EXPECT_EQ(clip_named(*p, "d.mp4").status, project::Status::unreviewed);  // U: back to unreviewed (it was)
}

TEST(Scripting, AKeyFileRebindsKeysAndABrokenOneNamesItsLine) {
    const fs::path dir = make_folder("rebind");
    const fs::path conf = dir.parent_path() / "commands rebind keys.conf";
    {
        std::ofstream f(conf);
        f << "# approve with A, and P does nothing\nA approve\nP ignore\n{browser} G last_clip\n";
    }
    std::string out;
    int rc = reelsync::testing::run_command(reelsync::testing::timeout_command(60) + "" + q(reelsync::testing::reelsync_binary()) + " play " + q(dir) +
                                                " --headless --no-audio --input-conf " + q(conf) + " --keys 0:a,0:p,0.1:g,0.1:a",
                                            &out);
    ASSERT_EQ(rc, 0) << out;
    auto p = project::Project::open(dir);
    ASSERT_TRUE(p);
    EXPECT_EQ(clip_named(*p, "a.mp4").status, project::Status::approved);    // A
    EXPECT_EQ(clip_named(*p, "b.mp4").status, project::Status::unreviewed);  // P: unbound
    EXPECT_EQ(clip_named(*p, "d.mp4").status, project::Status::approved);    // G (last clip), then A

    // `reelsync keys` lists the table as rebound.
    rc = reelsync::testing::run_command(q(reelsync::testing::reelsync_binary()) + " keys --input-conf " + q(conf), &out);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("| browser, viewer, edit | `A` | `approve` |"), std::string::npos) << out;
    EXPECT_NE(out.find("| browser | `End` or `G` | `last_clip` |"), std::string::npos) << out;
    EXPECT_EQ(out.find("`P`"), std::string::npos) << out;

    const fs::path broken = dir.parent_path() / "commands broken keys.conf";
    {
        std::ofstream f(broken);
        f << "A approve\nShift+Q qiut\n";
    }
    rc = reelsync::testing::run_command(reelsync::testing::timeout_command(60) + "" + q(reelsync::testing::reelsync_binary()) + " play " + q(dir) +
                                            " --headless --no-audio --input-conf " + q(broken) + " --keys 0:a",
                                        &out);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_NE(out.find("commands broken keys.conf:2: unknown command 'qiut'"), std::string::npos) << out;
    // Nothing was run with a broken key file.
    auto again = project::Project::open(dir);
    ASSERT_TRUE(again);
    EXPECT_EQ(clip_named(*again, "b.mp4").status, project::Status::unreviewed);

    // A bad key in a --keys script is an error too.
    rc = reelsync::testing::run_command(q(reelsync::testing::reelsync_binary()) + " play " + q(dir) + " --headless --no-audio --keys 0:hyper",
                                        &out);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_NE(out.find("unknown key 'hyper'"), std::string::npos) << out;
}

TEST(Scripting, AScriptPlaysSeeksMarksAndApprovesThroughTheCommandInterface) {
    const fs::path dir = make_folder("ipc");
    const fs::path script = dir.parent_path() / "commands ipc script.jsonl";
    const fs::path replies = dir.parent_path() / "commands ipc replies.jsonl";
    const fs::path stats = dir.parent_path() / "commands ipc stats.jsonl";
    {
        std::ofstream f(script);
        f << R"({"command": "open b.mp4", "request_id": 1})" "\n"
          << R"({"command": "seek 1s", "at": 0.3, "request_id": 2})" "\n"
          << R"({"command": ["mark_in"], "at": 1.5, "request_id": 3})" "\n"
          << R"({"command": "mark_out", "at": 2.0, "request_id": 4})" "\n"
          << R"({"command": ["rate", 4], "request_id": 5})" "\n"
          << R"({"command": "approve", "request_id": 6})" "\n"
          << R"({"command": "rate 9", "request_id": 7})" "\n"
          << "this is not json\n"
          << R"({"command": "get_state", "request_id": 8})" "\n"
          << R"({"command": "get_history", "request_id": 9})" "\n"
          << R"({"command": "quit", "request_id": 10})" "\n";
    }
    std::string out;
    // Only the replies on stdout (the run's summary goes to stderr).
    const int rc = reelsync::testing::run_command("(" + reelsync::testing::timeout_command(60) + "" + q(reelsync::testing::reelsync_binary()) + " play " + q(dir) +
                                                      " --headless --no-audio --ipc - --stats " + q(stats) + " < " + q(script) + " > " +
                                                      q(replies) + ")",
                                                  &out);
    ASSERT_EQ(rc, 0) << out;
    std::vector<json> r;
    {
        std::ifstream f(replies);
        std::string line;
        while (std::getline(f, line)) {
            json j = json::parse(line, nullptr, false);
            ASSERT_FALSE(j.is_discarded()) << "not a JSON line on stdout: " << line;
            r.push_back(j);
        }
    }
    ASSERT_EQ(r.size(), 11u);
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(r[static_cast<size_t>(i)]["request_id"], i + 1);
        EXPECT_EQ(r[static_cast<size_t>(i)]["error"], "success") << r[static_cast<size_t>(i)].dump();
    }
    EXPECT_EQ(r[6]["request_id"], 7);
    EXPECT_NE(r[6]["error"].get<std::string>().find("0 to 5"), std::string::npos) << r[6].dump();
    EXPECT_TRUE(r[7]["request_id"].is_null());
    EXPECT_NE(r[7]["error"].get<std::string>().find("not a JSON object"), std::string::npos);

    // The state read back.
    const json& st = r[8]["data"];
    EXPECT_EQ(st["view"], "viewer");
    EXPECT_EQ(st["clip"]["name"], "b.mp4");
    EXPECT_EQ(st["clip"]["status"], "approved");
    EXPECT_EQ(st["clip"]["rating"], 4);
    EXPECT_EQ(st["approved"], 1);
    EXPECT_TRUE(st["player"]["playing"].get<bool>());

    // The marks are the frames on screen at clock 1.5 s and 2.0 s (after the seek to 1.0 s), by the
    // stats file's record of every present.
    const std::vector<json> presents = reelsync::testing::read_stats(stats).presents;
    const int64_t at_in = reelsync::testing::frame_on_screen_at(presents, 1.5), at_out = reelsync::testing::frame_on_screen_at(presents, 2.0);
    EXPECT_GE(at_in, 43);
    EXPECT_LE(at_in, 45);
    EXPECT_EQ(st["clip"]["mark_in"], at_in);
    EXPECT_EQ(st["clip"]["mark_out"], at_out);

    // The history: each command with the master-clock instant it applied to.
    const json& h = r[9]["data"];
    ASSERT_GE(h.size(), 6u);
    EXPECT_EQ(h[0]["command"], "open b.mp4");
    EXPECT_EQ(h[1]["command"], "seek 1s");
    EXPECT_NEAR(h[1]["clock"].get<double>(), 0.3, 1e-6);
    EXPECT_EQ(h[2]["command"], "mark_in");
    EXPECT_NEAR(h[2]["clock"].get<double>(), 1.5, 1e-6);

    // Saved in the project.
    auto p = project::Project::open(dir);
    ASSERT_TRUE(p);
    EXPECT_EQ(clip_named(*p, "b.mp4").status, project::Status::approved);
    EXPECT_EQ(clip_named(*p, "b.mp4").mark_in, at_in);
    EXPECT_EQ(clip_named(*p, "b.mp4").mark_out, at_out);
}

// The command interface on a local socket (mpv's --input-ipc-server): scripts connect while
// reelsync plays, each gets the replies to its own requests, one leaving mid-line harms nothing,
// and `quit` ends the run and removes the socket file. A stale socket file is replaced; a file
// that is not a socket is refused and left alone.
TEST(Scripting, ScriptsDriveTheReviewThroughALocalSocket) {
    const fs::path dir = make_folder("socket");
    const std::string sock = "/tmp/reelsync ipc " + std::to_string(getpid()) + ".sock";
    ::unlink(sock.c_str());
    // A socket file left behind by a process that is gone: bound, then closed without unlinking.
    {
        const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, sock.c_str(), sizeof a.sun_path - 1);
        ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        close(fd);
        ASSERT_TRUE(fs::is_socket(sock));
    }
    const std::string cmd = "exec " + reelsync::testing::timeout_command(60) + "" + q(reelsync::testing::reelsync_binary()) + " play " + q(dir) +
                            " --headless --no-audio --ipc '" + sock + "' >/dev/null 2>&1";
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
        _exit(127);
    }
    std::unique_ptr<SocketClient> a;
    for (int k = 0; k < 200 && !(a && a->ok()); ++k) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        a = std::make_unique<SocketClient>(sock);
    }
    ASSERT_TRUE(a && a->ok()) << "nothing listens on " << sock;
    a->send_line(R"({"command": "open b.mp4", "request_id": 1})");
    json r = a->read_reply();
    EXPECT_EQ(r["request_id"], 1) << r.dump();
    EXPECT_EQ(r["error"], "success") << r.dump();

    SocketClient b(sock);
    ASSERT_TRUE(b.ok());
    b.send_line(R"({"command": "get_state", "request_id": 2})");
    r = b.read_reply();
    EXPECT_EQ(r["request_id"], 2) << r.dump();
    EXPECT_EQ(r["data"]["clip"]["name"], "b.mp4") << r.dump();
    a->send_line(R"({"command": ["rate", 3], "request_id": 3})");
    a->send_line(R"({"command": "approve", "request_id": 4})");
    EXPECT_EQ(a->read_reply()["request_id"], 3);
    EXPECT_EQ(a->read_reply()["request_id"], 4);
    // B hears only its own answers.
    b.send_line(R"({"command": "get_state", "request_id": 5})");
    r = b.read_reply();
    EXPECT_EQ(r["request_id"], 5) << r.dump();
    EXPECT_EQ(r["data"]["clip"]["status"], "approved") << r.dump();
    EXPECT_EQ(r["data"]["clip"]["rating"], 3) << r.dump();
    // A script that goes away in the middle of a line.
    b.send_raw(R"({"command": "get_st)");
    b.drop();
    SocketClient c(sock);
    ASSERT_TRUE(c.ok()) << "the server stopped taking scripts after one left";
    c.send_line(R"({"command": "get_history", "request_id": 6})");
    r = c.read_reply();
    EXPECT_EQ(r["request_id"], 6) << r.dump();
    EXPECT_EQ(r["error"], "success") << r.dump();
    c.send_line(R"({"command": "quit", "request_id": 7})");
    EXPECT_EQ(c.read_reply()["request_id"], 7);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_FALSE(fs::exists(sock)) << "the socket file is left behind";
    {
        auto p = project::Project::open(dir);
        ASSERT_TRUE(p);
        EXPECT_EQ(clip_named(*p, "b.mp4").status, project::Status::approved);
        EXPECT_EQ(clip_named(*p, "b.mp4").rating, 3);
    }

    // A file that is not a socket is not replaced.
    std::ofstream(sock) << "keep me";
    std::string out;
    const int rc = reelsync::testing::run_command(reelsync::testing::timeout_command(60) + "" + q(reelsync::testing::reelsync_binary()) + " play " + q(dir) +
                                                      " --headless --no-audio --clip a.mp4 --ipc '" + sock + "'",
                                                  &out);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_NE(out.find("a file that is not a socket is there"), std::string::npos) << out;
    std::ifstream kept(sock);
    std::string text;
    std::getline(kept, text);
    EXPECT_EQ(text, "keep me");
    fs::remove(sock);
}

// Keys and a stopped clock. A key at or before the instant playback was paused at is pressed
// there (pause, then mark what is on screen, then play on); a key later on a clock that nothing
// will move again (paused, or the clip's end) can never come: the run ends with an error naming
// it, rather than waiting for ever or exiting 0 without having done what the script asked. A key
// left when --duration runs out is the same error; what the keys before it decided is kept. So
// is a request of the command interface that can never come due. A headless run stopped with
// nothing left to press and no command interface ends.
TEST(Scripting, KeysWhilePausedApplyAndAKeyThatCanNeverComeIsAnErrorNotAHang) {
    const fs::path dir = make_folder("stopped clock");  // 90 frames at 30 fps: 3 s
    const std::string play = reelsync::testing::timeout_command(60) + q(reelsync::testing::reelsync_binary()) + " play " + q(dir) +
                             " --headless --no-audio --no-analysis";
    std::string out;
    int rc = reelsync::testing::run_command(play + " --clip a.mp4 --keys 1.0:space,1.0:i,1.0:space,2.0:o", &out);
    ASSERT_EQ(rc, 0) << out;
    {
        auto p = project::Project::open(dir);
        ASSERT_TRUE(p);
        const auto& a = clip_named(*p, "a.mp4");
        // Paused when the key is handled, just after 1.0 s: frame 30 is on screen (29 if its
        // present was late, a few later on a busy machine); the mark is the frame it paused on,
        // and playing on from there, O at 2.0 s marks frame 60 (or 59).
        ASSERT_TRUE(a.mark_in) << out;
        EXPECT_GE(*a.mark_in, 29);
        EXPECT_LE(*a.mark_in, 40);
        ASSERT_TRUE(a.mark_out) << out;
        EXPECT_GE(*a.mark_out, 59);
        EXPECT_LE(*a.mark_out, 61);
    }
    // Paused at 1.0 s with the next key at 2.0 s: no hang (the timeout's 124), an error.
    rc = reelsync::testing::run_command(play + " --clip b.mp4 --keys 1.0:space,2.0:i", &out);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("--keys: 1 of 2 keys not pressed (the next: 2.000:I): the clock stopped at 1."), std::string::npos) << out;
    // A key after the clip's end (2.967 s, its last frame's time).
    rc = reelsync::testing::run_command(play + " --clip c.mp4 --keys 0.5:i,10:o", &out);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("the clock stopped at 2.967 s (the end)"), std::string::npos) << out;
    // A request through the command interface whose "at" is past the end, its input then closed:
    // answered with an error once the clock stops at the end, and the run exits 1.
    rc = reelsync::testing::run_command("echo '{\"command\": \"mark_in\", \"at\": 100, \"request_id\": 7}' | " + play +
                                            " --clip c.mp4 --ipc -",
                                        &out);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("{\"error\":\"never came due: the clock stopped at 2.967 s (the end)\",\"request_id\":7}"), std::string::npos) << out;
    EXPECT_NE(out.find("1 requests never came due"), std::string::npos) << out;
    // Paused from the start with nothing to press and no command interface: the first frame is
    // shown and the run ends (it used to wait for ever); a key at 0 starts play from there.
    const auto presented = [](const std::string& o) {  // "played 1.23 s: N frames presented, ..."
        const size_t at = o.find(" frames presented");
        const size_t colon = o.rfind(": ", at);
        return at == std::string::npos || colon == std::string::npos ? -1 : std::stoi(o.substr(colon + 2, at - colon - 2));
    };
    rc = reelsync::testing::run_command(play + " --clip a.mp4 --paused", &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_EQ(presented(out), 1) << out;
    rc = reelsync::testing::run_command(play + " --clip a.mp4 --paused --keys 0:space", &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_GT(presented(out), 60) << out;  // played on to the end (a late frame may be dropped)
    // --duration runs out first (wall time; the clip's 3 s cannot reach the clock's 30 s).
    rc = reelsync::testing::run_command(play + " --clip d.mp4 --duration 5 --keys 0.2:i,30:o", &out);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("--keys: 1 of 2 keys not pressed (the next: 30.000:O): --duration 5 ran out"), std::string::npos) << out;
    auto p = project::Project::open(dir);
    ASSERT_TRUE(p);
    EXPECT_TRUE(clip_named(*p, "c.mp4").mark_in) << "the mark before the error is kept";
    EXPECT_TRUE(clip_named(*p, "d.mp4").mark_in) << "the mark before the error is kept";
    EXPECT_FALSE(clip_named(*p, "c.mp4").mark_out);
    EXPECT_FALSE(clip_named(*p, "b.mp4").mark_in);
}
