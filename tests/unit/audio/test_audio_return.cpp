// The audio server going away mid-play and coming back. Its own test program: a process's JACK
// library binds to one server, so this test starts its own server before anything in the process
// opens an audio device.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "audio/clock.h"
#include "core/timecode.h"
#include "support/media_gen.h"
#include "unit/audio/audio_device.h"

using namespace reelsync;
using namespace reelsync::testing;
using namespace std::chrono_literals;

namespace {

// A JACK server of the test's own (dummy backend, as in CI), so taking it away touches nothing else.
struct PrivateJack {
    std::string name;
    pid_t pid = -1;
    explicit PrivateJack(std::string n) : name(std::move(n)) {}
    bool start() {
        // Real-time where allowed, as the suite's own server (scripts/services.sh).
        const char* mode = reelsync::testing::run_command("chrt -f 10 true") == 0 ? "-R" : "--no-realtime";
        pid = fork();
        if (pid == 0) {
            const int null = ::open("/dev/null", O_WRONLY);
            if (null >= 0) dup2(null, 1), dup2(null, 2);
            execlp("jackd", "jackd", "-n", name.c_str(), mode, "-d", "dummy", "-r", "48000", "-p", "256", nullptr);
            _exit(127);
        }
        // Up once a client can see its ports.
        for (int i = 0; i < 100; ++i) {
            std::this_thread::sleep_for(50ms);
            if (!ports().empty()) return true;
        }
        return false;
    }
    void kill_now() {
        if (pid > 0) {
            // Stopped as a user or a session manager stops it (a SIGKILL would leave its entry in
            // JACK's server registry behind, and the registry holds only a few).
            ::kill(pid, SIGTERM);
            waitpid(pid, nullptr, 0);
            pid = -1;
        }
    }
    std::string ports() const {
        std::string out;
        reelsync::testing::run_command("env JACK_DEFAULT_SERVER='" + name + "' JACK_NO_START_SERVER=1 jack_lsp", &out);
        return out.find("system:playback_1") == std::string::npos ? "" : out;
    }
    ~PrivateJack() {
        kill_now();
        // The semaphores its clients left behind, named after the server.
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator("/dev/shm", ec))
            if (e.path().filename().string().find("_" + name + "_") != std::string::npos) std::filesystem::remove(e.path(), ec);
    }
};

}  // namespace

// The audio server vanishes mid-play (stopped) and comes back: playback goes on on the timer clock
// at real-time rate, the lost device is opened again in the background, and once the server is
// back the clock follows the device again, from where the timer had got to (no jump back, no
// leap), at the device's rate. Judged from outside too: the player's ports are on the new server.
TEST(AudioClock, AnAudioServerThatComesBackTakesTheClockAgain) {
    const std::string name = "reelsync-return-" + std::to_string(getpid());
    PrivateJack server(name);
    if (!server.start()) {
        if (std::getenv("CI")) FAIL() << "cannot start a JACK server of its own (jackd)";
        GTEST_SKIP() << "cannot start a JACK server of its own (jackd)";
    }
    const char* old = std::getenv("JACK_DEFAULT_SERVER");
    const std::string saved = old ? old : "";
    setenv("JACK_DEFAULT_SERVER", name.c_str(), 1);
    struct Restore {
        std::string v;
        bool had;
        ~Restore() { had ? setenv("JACK_DEFAULT_SERVER", v.c_str(), 1) : unsetenv("JACK_DEFAULT_SERVER"); }
    } restore{saved, old != nullptr};

    auto out = open_device_or_skip();
    if (!out) {
        if (std::getenv("CI")) FAIL() << "no audio output device";
        GTEST_SKIP() << "no audio output device";
    }
    const std::string ours = "P." + std::to_string(getpid()) + ".";  // the player's JACK client name part
    ASSERT_NE(server.ports().find(ours), std::string::npos) << "the default output is not on the test's JACK server:\n" << server.ports();
    audio::MasterClock clock(out.get());
    clock.play();
    std::this_thread::sleep_for(400ms);
    ASSERT_EQ(clock.source(), audio::ClockSource::audio);

    const double before = clock.now();
    const double killed_at = steady_seconds();
    server.kill_now();
    // Asked every few milliseconds, as a player does: half a second without a callback is a loss.
    for (int i = 0; i < 80; ++i) {
        std::this_thread::sleep_for(10ms);
        clock.now();
    }
    EXPECT_EQ(clock.source(), audio::ClockSource::timer_device_lost);
    const double t1 = clock.now(), s1 = steady_seconds();
    std::this_thread::sleep_for(300ms);
    const double t2 = clock.now(), s2 = steady_seconds();
    EXPECT_NEAR((t2 - t1) / (s2 - s1), 1.0, 0.05) << "the timer carries playback on";
    EXPECT_LE(t1 - before, (s1 - killed_at) + 0.05);

    ASSERT_TRUE(server.start());
    double back_at = 0, t_back = 0, t_timer = 0;
    for (int i = 0; i < 200 && back_at == 0; ++i) {
        std::this_thread::sleep_for(25ms);
        const double s = steady_seconds();
        t_timer = t2 + (s - s2);  // where the timer would be
        const double t = clock.time_at(s);
        if (clock.source() == audio::ClockSource::audio) back_at = s, t_back = t;
    }
    ASSERT_GT(back_at, 0) << "the clock never went back to the device";
    EXPECT_EQ(out->reconnections(), 1);
    EXPECT_NEAR(t_back, t_timer, 0.06) << "it takes over from the timer's time";
    EXPECT_NE(server.ports().find(ours), std::string::npos) << "the player's ports are on the new server:\n" << server.ports();
    // From then on the clock follows the new server's callbacks at real-time rate.
    std::this_thread::sleep_for(300ms);
    const uint64_t cb0 = out->snapshot().callbacks;
    const double t3 = clock.now(), s3 = steady_seconds();
    std::this_thread::sleep_for(1000ms);
    const double t4 = clock.now(), s4 = steady_seconds();
    EXPECT_EQ(clock.source(), audio::ClockSource::audio);
    EXPECT_NEAR((t4 - t3) / (s4 - s3), 1.0, 0.02);
    EXPECT_TRUE(out->snapshot().playing);
    // 48000 / 256 callbacks a second.
    EXPECT_NEAR(static_cast<double>(out->snapshot().callbacks - cb0) / (s4 - s3), 187.5, 20.0);
}
