#pragma once
// An observer outside the player: it watches what reaches the outputs, not what the player says.
//
// The picture: a region of the X screen grabbed about every millisecond (MIT-SHM), each change
// kept with the time it appeared. The sound: a JACK client of its own whose input port every
// player output port is connected to (JACK sums them), recorded sample by sample. Both are
// stamped with the JACK clock (jack_get_time, jack_get_cycle_times), so a flash and its click
// can be compared directly. It can also press keys (XTest) at a time it records, so a test can
// check what the player did with a key against what was on screen when it went down.
//
// Threads: the grab thread (owned by the Observer; the only user of its X connection) appends to
// `changes_` under `mutex_`; the JACK process callback (JACK's thread) writes only the
// preallocated sound buffers and `cycles_written_` (atomic; read after deactivation); the port
// thread (owned by the Observer) connects new player ports. The caller's thread presses keys
// through a second X connection of its own.
#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace reelsync::testing {

struct ScreenChange {
    double t = 0;       // JACK clock, seconds: middle of the interval in which the picture changed
    double spread = 0;  // half that interval's length (the uncertainty of t)
    std::vector<uint8_t> bgra;  // the region's picture from then on (width * height * 4)
};

struct Observation {
    int width = 0, height = 0;  // the watched region's size
    std::vector<ScreenChange> screen;
    size_t grabs = 0;
    double grab_interval_ms_median = 0, grab_interval_ms_max = 0;

    int rate = 0;  // sound, mono sum of every recorded port; sample k reaches the output at
    std::vector<float> sound;  // time_of(k) (gaps left silent)
    double sound_start = 0;    // when sample 0 reached the output
    double latency_s = 0;  // the recorded ports' playback latency (included in the times)
    // Each recorded JACK cycle: its first sample and when it reached the output (the server's own
    // time of the cycle, plus the latency). The server's clock may run a little off the wall clock
    // (a dummy backend on a slow machine was seen at 0.996x), so samples are timed from the cycle
    // they came in, not from sample 0 at the nominal rate.
    std::vector<std::pair<size_t, double>> cycle_times;
    double time_of(double k) const;    // when sample k reached the output (JACK clock, seconds)
    double sample_at(double t) const;  // the sample that reached the output at t (fractional)
    // Sample ranges [from, to) of `sound` that the recorder missed (its JACK cycle came late): left
    // silent there, so a click judged there is the recorder's, not the player's.
    std::vector<std::pair<size_t, size_t>> unrecorded;
    // Samples at which the JACK server reported an xrun (some client missed its cycle, the
    // player's included: what it played around there may be cut by the server, not by it).
    std::vector<size_t> xruns;
    // Whether sample i is within 20 ms of an xrun (the report comes from another thread, a little
    // after) or of a stretch the recorder missed: what was played there may be the server's cut,
    // not the player's, and a sound that began in the missed stretch is heard from its middle.
    bool near_hiccup(size_t i) const;
    // Whether an xrun was reported, or a stretch the recorder missed began, between the JACK
    // times `from` and `to`: the graph hiccuped while something being judged played.
    bool hiccup_between(double from, double to) const;
    std::vector<std::string> ports;  // the player ports that were recorded
};

struct ObserverOptions {
    std::string display;  // X display name; DISPLAY when empty
    int x = 0, y = 0, width = 32, height = 32;  // region of the root window to watch
    int grab_interval_us = 1000;
    bool sound = true;          // record the JACK output ports
    std::string ignore_client;  // a client whose ports are not the player's (besides physical ports)
    double max_seconds = 90;    // sound buffer length
};

class Observer {
public:
    static std::expected<std::unique_ptr<Observer>, std::string> start(const ObserverOptions& options);
    ~Observer();
    Observer(const Observer&) = delete;
    Observer& operator=(const Observer&) = delete;

    // The JACK clock now, in seconds.
    double now() const;
    // Screen changes so far (thread-safe copies).
    size_t change_count() const;
    ScreenChange change(size_t i) const;
    // Waits until at least `n` changes were seen or `timeout_s` passed; returns the count.
    size_t wait_changes(size_t n, double timeout_s) const;
    // Ports connected so far.
    size_t ports_connected() const;

    // Presses and releases a key (an X keysym name: "i", "o", "space") with the pointer inside the
    // watched region (so the window under it has the focus). Returns the JACK time the key went
    // down (the middle of the request's round trip).
    std::expected<double, std::string> press_key(const std::string& keysym);
    // Presses the left button at screen point (x0, y0), moves the pointer to (x1, y1) in `steps`
    // even steps `step_ms` apart, and releases it there, as a hand drags. Returns the JACK time of
    // the release.
    std::expected<double, std::string> drag(int x0, int y0, int x1, int y1, int steps, int step_ms);

    Observation stop();

    struct Impl;

private:
    explicit Observer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// The largest step between two consecutive samples of the recorded sound (a click), leaving out
// the edges of what the recorder missed; `at` gets the later sample's index.
double largest_step(const Observation& o, size_t* at = nullptr);

// Mean luma (0-255) of a BGRA picture.
double mean_luma(const std::vector<uint8_t>& bgra);
// Times (JACK clock) at which the recorded sound first exceeds `threshold` in magnitude after at
// least `min_gap_s` below it.
std::vector<double> sound_onsets(const Observation& o, float threshold, double min_gap_s);

// A flash-and-click clip as observed: when the watched region turned bright (luma >= 128 after
// below it), when the sound clicked (|x| >= 0.3 after half a second of quiet), and for each click
// its nearest flash's offset (flash - click, seconds), NaN when no flash is within half a second.
struct FlashClick {
    std::vector<double> flashes, clicks;
    std::vector<double> offsets;  // one per click, in order (NaN: no flash near it)
    size_t unmatched_clicks = 0;
};
FlashClick flash_click(const Observation& o);

}  // namespace reelsync::testing
