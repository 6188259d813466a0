#include "support/observer.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/XTest.h>
#include <jack/jack.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

namespace reelsync::testing {

namespace {
void jack_quiet(const char*) {}
}  // namespace

struct Observer::Impl {
    ObserverOptions opt;

    // Grab thread: sole user of `display` and `image`.
    Display* display = nullptr;
    XImage* image = nullptr;
    XShmSegmentInfo shm{};
    bool shm_attached = false;
    std::thread grab_thread;
    std::atomic<bool> stopping{false};
    mutable std::mutex mutex;       // guards changes, grabs, intervals
    std::vector<ScreenChange> changes;
    size_t grabs = 0;
    std::vector<double> intervals;  // seconds between grab starts

    // Key presses: the caller's own X connection.
    Display* key_display = nullptr;

    // JACK: the process callback writes `sound` at (frame - first_frame) and appends one cycle
    // record per cycle; both preallocated. Read only after jack_deactivate.
    jack_client_t* client = nullptr;
    jack_port_t* input = nullptr;
    std::vector<float> sound;
    struct Cycle {
        jack_nframes_t frame;
        jack_time_t usecs;
    };
    std::vector<Cycle> cycles;
    std::atomic<size_t> cycles_written{0};
    std::atomic<bool> have_first{false};
    jack_nframes_t first_frame = 0;
    // The server's xruns (a client, the player or this one, missed its cycle): the frame time
    // each was reported at, from the server's notification thread. Preallocated.
    std::array<jack_nframes_t, 1024> xruns{};
    std::atomic<size_t> xruns_written{0};

    // Port thread: connects player ports as they appear.
    std::thread port_thread;
    std::mutex port_mutex;  // guards connected
    std::set<std::string> connected;
    std::atomic<size_t> connected_count{0};
    std::atomic<jack_nframes_t> latency{0};  // the largest playback latency a connected port reported

    static int process(jack_nframes_t n, void* arg) {
        auto* self = static_cast<Impl*>(arg);
        jack_nframes_t frame = 0;
        jack_time_t usecs = 0, next = 0;
        float period = 0;
        if (jack_get_cycle_times(self->client, &frame, &usecs, &next, &period) != 0) return 0;
        if (!self->have_first.load(std::memory_order_relaxed)) {
            self->first_frame = frame;
            self->have_first.store(true, std::memory_order_release);
        }
        const size_t c = self->cycles_written.load(std::memory_order_relaxed);
        if (c < self->cycles.size()) {
            self->cycles[c] = {frame, usecs};
            self->cycles_written.store(c + 1, std::memory_order_release);
        }
        const auto* in = static_cast<const float*>(jack_port_get_buffer(self->input, n));
        const size_t pos = static_cast<jack_nframes_t>(frame - self->first_frame);
        if (pos + n <= self->sound.size()) std::memcpy(self->sound.data() + pos, in, n * sizeof(float));
        return 0;
    }

    static int xrun(void* arg) {
        auto* self = static_cast<Impl*>(arg);
        const size_t k = self->xruns_written.load(std::memory_order_relaxed);
        if (k < self->xruns.size()) {
            self->xruns[k] = jack_frame_time(self->client);
            self->xruns_written.store(k + 1, std::memory_order_release);
        }
        return 0;
    }

    void grab_loop() {
        const size_t bytes = static_cast<size_t>(opt.width) * static_cast<size_t>(opt.height) * 4;
        std::vector<uint8_t> last;
        double last_t0 = 0, prev_start = -1;
        const Window root = DefaultRootWindow(display);
        auto next = std::chrono::steady_clock::now();
        while (!stopping.load()) {
            const double t0 = jack_get_time() * 1e-6;
            const bool ok = shm_attached ? XShmGetImage(display, root, image, opt.x, opt.y, AllPlanes)
                                         : (XGetSubImage(display, root, opt.x, opt.y, static_cast<unsigned>(opt.width),
                                                         static_cast<unsigned>(opt.height), AllPlanes, ZPixmap, image, 0, 0) != nullptr);
            const double t1 = jack_get_time() * 1e-6;
            if (ok) {
                std::vector<uint8_t> px(bytes);
                const bool bgrx = image->bits_per_pixel == 32 && image->byte_order == LSBFirst && image->red_mask == 0xff0000 &&
                                  image->green_mask == 0xff00 && image->blue_mask == 0xff;
                const size_t row = static_cast<size_t>(opt.width) * 4;
                for (int y = 0; y < opt.height; ++y) {
                    uint8_t* d = px.data() + static_cast<size_t>(y) * row;
                    if (bgrx) {  // rows copied as they are
                        std::memcpy(d, image->data + static_cast<size_t>(y) * static_cast<size_t>(image->bytes_per_line), row);
                        for (size_t i = 3; i < row; i += 4) d[i] = 255;
                        continue;
                    }
                    for (int x = 0; x < opt.width; ++x, d += 4) {
                        const unsigned long v = XGetPixel(image, x, y);
                        d[0] = static_cast<uint8_t>(v & 0xff);
                        d[1] = static_cast<uint8_t>((v >> 8) & 0xff);
                        d[2] = static_cast<uint8_t>((v >> 16) & 0xff);
                        d[3] = 255;
                    }
                }
                std::lock_guard lock(mutex);
                ++grabs;
                if (prev_start >= 0) intervals.push_back(t0 - prev_start);
                prev_start = t0;
                if (px != last) {
                    // The server read the old picture somewhere in [last_t0, last_t1] and the new
                    // one in [t0, t1]: the change lies between.
                    const double from = last.empty() ? t0 : last_t0;
                    changes.push_back({(from + t1) / 2, (t1 - from) / 2, px});
                    last = std::move(px);
                }
                last_t0 = t0;
            }
            next += std::chrono::microseconds(opt.grab_interval_us);
            const auto now = std::chrono::steady_clock::now();
            if (next < now) next = now;
            std::this_thread::sleep_until(next);
        }
    }

    void port_loop() {
        const std::string own = std::string(jack_get_client_name(client)) + ":";
        while (!stopping.load()) {
            const char** ports = jack_get_ports(client, nullptr, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput);
            for (size_t i = 0; ports && ports[i]; ++i) {
                const std::string name = ports[i];
                if (name.rfind(own, 0) == 0) continue;
                if (!opt.ignore_client.empty() && name.rfind(opt.ignore_client + ":", 0) == 0) continue;
                jack_port_t* p = jack_port_by_name(client, ports[i]);
                if (!p || (jack_port_flags(p) & JackPortIsPhysical)) continue;
                {
                    std::lock_guard lock(port_mutex);
                    if (connected.count(name)) continue;
                }
                // A port can be listed before its client is active: retry until the connection holds.
                const int rc = jack_connect(client, ports[i], jack_port_name(input));
                if (rc == 0 || rc == EEXIST) {
                    std::lock_guard lock(port_mutex);
                    connected.insert(name);
                    connected_count.store(connected.size());
                }
            }
            if (ports) jack_free(ports);
            // Read while the ports exist (a player that quits takes its ports with it).
            {
                std::lock_guard lock(port_mutex);
                for (const std::string& name : connected)
                    if (jack_port_t* port = jack_port_by_name(client, name.c_str())) {
                        jack_latency_range_t r{};
                        jack_port_get_latency_range(port, JackPlaybackLatency, &r);
                        if (r.max > latency.load()) latency.store(r.max);
                    }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    ~Impl() {
        stopping.store(true);
        if (grab_thread.joinable()) grab_thread.join();
        if (port_thread.joinable()) port_thread.join();
        if (client) {
            jack_deactivate(client);
            jack_client_close(client);
        }
        if (shm_attached) XShmDetach(display, &shm);
        if (image) XDestroyImage(image);
        if (shm.shmaddr && shm.shmaddr != reinterpret_cast<char*>(-1)) shmdt(shm.shmaddr);
        if (display) XCloseDisplay(display);
        if (key_display) XCloseDisplay(key_display);
    }
};

Observer::Observer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Observer::~Observer() = default;

std::expected<std::unique_ptr<Observer>, std::string> Observer::start(const ObserverOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->opt = options;
    const char* name = options.display.empty() ? nullptr : options.display.c_str();
    impl->display = XOpenDisplay(name);
    if (!impl->display) return std::unexpected("observer: cannot open the X display " + std::string(name ? name : "(DISPLAY)"));
    impl->key_display = XOpenDisplay(name);
    if (!impl->key_display) return std::unexpected("observer: cannot open a second connection to the X display");
    Display* d = impl->display;
    const int screen = DefaultScreen(d);
    if (options.x < 0 || options.y < 0 || options.width <= 0 || options.height <= 0 ||
        options.x + options.width > DisplayWidth(d, screen) || options.y + options.height > DisplayHeight(d, screen))
        return std::unexpected("observer: the region is not inside the screen");
    if (XShmQueryExtension(d)) {
        impl->image = XShmCreateImage(d, DefaultVisual(d, screen), static_cast<unsigned>(DefaultDepth(d, screen)), ZPixmap, nullptr,
                                      &impl->shm, static_cast<unsigned>(options.width), static_cast<unsigned>(options.height));
        if (impl->image) {
            impl->shm.shmid = shmget(IPC_PRIVATE, static_cast<size_t>(impl->image->bytes_per_line) * static_cast<size_t>(impl->image->height),
                                     IPC_CREAT | 0600);
            if (impl->shm.shmid >= 0) {
                impl->shm.shmaddr = impl->image->data = static_cast<char*>(shmat(impl->shm.shmid, nullptr, 0));
                impl->shm.readOnly = False;
                if (impl->shm.shmaddr != reinterpret_cast<char*>(-1) && XShmAttach(d, &impl->shm)) {
                    XSync(d, False);
                    impl->shm_attached = true;
                }
                shmctl(impl->shm.shmid, IPC_RMID, nullptr);  // freed once both sides detach
            }
        }
    }
    if (!impl->shm_attached) {  // plain requests: slower, same pictures
        if (impl->image) {
            impl->image->data = nullptr;
            XDestroyImage(impl->image);
        }
        impl->image = XGetImage(d, DefaultRootWindow(d), options.x, options.y, static_cast<unsigned>(options.width),
                                static_cast<unsigned>(options.height), AllPlanes, ZPixmap);
        if (!impl->image) return std::unexpected("observer: cannot read the screen");
    }

    jack_set_error_function(jack_quiet);
    jack_set_info_function(jack_quiet);
    jack_status_t status{};
    impl->client = jack_client_open("reelsync-observer", JackNoStartServer, &status);
    if (!impl->client) return std::unexpected("observer: no JACK server to record from");
    if (options.sound) {
        impl->input = jack_port_register(impl->client, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
        if (!impl->input) return std::unexpected("observer: cannot register a JACK port");
        const size_t rate = jack_get_sample_rate(impl->client);
        impl->sound.assign(static_cast<size_t>(options.max_seconds * static_cast<double>(rate)), 0.0f);
        impl->cycles.resize(impl->sound.size() / 16 + 16);
        jack_set_process_callback(impl->client, &Impl::process, impl.get());
        jack_set_xrun_callback(impl->client, &Impl::xrun, impl.get());
        if (jack_activate(impl->client) != 0) return std::unexpected("observer: cannot activate the JACK client");
        impl->port_thread = std::thread([p = impl.get()] { p->port_loop(); });
    }
    impl->grab_thread = std::thread([p = impl.get()] { p->grab_loop(); });
    return std::unique_ptr<Observer>(new Observer(std::move(impl)));
}

double Observer::now() const { return jack_get_time() * 1e-6; }

size_t Observer::change_count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->changes.size();
}

ScreenChange Observer::change(size_t i) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->changes.at(i);
}

size_t Observer::wait_changes(size_t n, double timeout_s) const {
    const double end = now() + timeout_s;
    for (;;) {
        const size_t c = change_count();
        if (c >= n || now() >= end) return c;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

size_t Observer::ports_connected() const { return impl_->connected_count.load(); }

std::expected<double, std::string> Observer::press_key(const std::string& keysym) {
    Display* d = impl_->key_display;
    const KeySym sym = XStringToKeysym(keysym.c_str());
    if (sym == NoSymbol) return std::unexpected("observer: unknown key " + keysym);
    const KeyCode code = XKeysymToKeycode(d, sym);
    if (code == 0) return std::unexpected("observer: no key code for " + keysym);
    XTestFakeMotionEvent(d, DefaultScreen(d), impl_->opt.x + impl_->opt.width / 2, impl_->opt.y + impl_->opt.height / 2, CurrentTime);
    XSync(d, False);
    const double t0 = now();
    XTestFakeKeyEvent(d, code, True, CurrentTime);
    XSync(d, False);  // the server has taken the key when this returns
    const double t1 = now();
    XTestFakeKeyEvent(d, code, False, CurrentTime);
    XSync(d, False);
    return (t0 + t1) / 2;
}

std::expected<double, std::string> Observer::drag(int x0, int y0, int x1, int y1, int steps, int step_ms) {
    Display* d = impl_->key_display;
    const int screen = DefaultScreen(d);
    XTestFakeMotionEvent(d, screen, x0, y0, CurrentTime);
    XSync(d, False);
    std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
    if (!XTestFakeButtonEvent(d, 1, True, CurrentTime)) return std::unexpected("observer: the X server took no button press");
    XSync(d, False);
    steps = std::max(1, steps);
    for (int i = 1; i <= steps; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
        XTestFakeMotionEvent(d, screen, x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps, CurrentTime);
        XSync(d, False);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
    XTestFakeButtonEvent(d, 1, False, CurrentTime);
    XSync(d, False);
    return now();
}

Observation Observer::stop() {
    Impl& m = *impl_;
    m.stopping.store(true);
    if (m.grab_thread.joinable()) m.grab_thread.join();
    if (m.port_thread.joinable()) m.port_thread.join();
    Observation o;
    o.width = m.opt.width;
    o.height = m.opt.height;
    {
        std::lock_guard lock(m.mutex);
        o.screen = m.changes;
        o.grabs = m.grabs;
        if (!m.intervals.empty()) {
            std::vector<double> v = m.intervals;
            std::sort(v.begin(), v.end());
            o.grab_interval_ms_median = v[v.size() / 2] * 1e3;
            o.grab_interval_ms_max = v.back() * 1e3;
        }
    }
    if (m.client && m.opt.sound) {
        // The recorded ports' playback latency: what they write reaches the output this much later.
        const jack_nframes_t latency = m.latency.load();
        {
            std::lock_guard lock(m.port_mutex);
            o.ports.assign(m.connected.begin(), m.connected.end());
        }
        o.rate = static_cast<int>(jack_get_sample_rate(m.client));
        jack_deactivate(m.client);
        const size_t cycles = m.cycles_written.load(std::memory_order_acquire);
        if (cycles > 0) {
            // Sample k is frame first_frame + k; the first cycle gives that frame's time.
            const Impl::Cycle& c0 = m.cycles[0];
            const double t_first = static_cast<double>(c0.usecs) * 1e-6 -
                                   static_cast<double>(static_cast<jack_nframes_t>(c0.frame - m.first_frame)) / o.rate;
            const Impl::Cycle& cl = m.cycles[cycles - 1];
            const size_t end = std::min<size_t>(m.sound.size(), static_cast<jack_nframes_t>(cl.frame - m.first_frame) +
                                                                    jack_get_buffer_size(m.client));
            o.sound.assign(m.sound.begin(), m.sound.begin() + static_cast<long>(end));
            o.latency_s = static_cast<double>(latency) / o.rate;
            o.sound_start = t_first + o.latency_s;
            for (size_t k = 0; k < cycles; ++k)
                o.cycle_times.emplace_back(static_cast<jack_nframes_t>(m.cycles[k].frame - m.first_frame),
                                           static_cast<double>(m.cycles[k].usecs) * 1e-6 + o.latency_s);
            // Cycles the recorder missed (the sound there is left silent, not what was played).
            const jack_nframes_t period = jack_get_buffer_size(m.client);
            for (size_t k = 1; k < cycles; ++k) {
                const auto from = static_cast<size_t>(static_cast<jack_nframes_t>(m.cycles[k - 1].frame - m.first_frame)) + period;
                const auto to = static_cast<size_t>(static_cast<jack_nframes_t>(m.cycles[k].frame - m.first_frame));
                if (to > from) o.unrecorded.push_back({from, to});
            }
            const size_t xr = std::min(m.xruns_written.load(std::memory_order_acquire), m.xruns.size());
            for (size_t k = 0; k < xr; ++k) {
                const auto at = static_cast<jack_nframes_t>(m.xruns[k] - m.first_frame);
                if (at < o.sound.size()) o.xruns.push_back(at);
            }
        }
    }
    return o;
}

double Observation::time_of(double k) const {
    if (cycle_times.empty() || rate <= 0) return sound_start + k / std::max(rate, 1);
    // The last cycle that began at or before sample k.
    auto it = std::upper_bound(cycle_times.begin(), cycle_times.end(), k,
                               [](double v, const std::pair<size_t, double>& c) { return v < static_cast<double>(c.first); });
    if (it != cycle_times.begin()) --it;
    return it->second + (k - static_cast<double>(it->first)) / rate;
}

double Observation::sample_at(double t) const {
    if (cycle_times.empty() || rate <= 0) return (t - sound_start) * rate;
    auto it = std::upper_bound(cycle_times.begin(), cycle_times.end(), t,
                               [](double v, const std::pair<size_t, double>& c) { return v < c.second; });
    if (it != cycle_times.begin()) --it;
    return static_cast<double>(it->first) + (t - it->second) * rate;
}

bool Observation::near_hiccup(size_t i) const {
    const size_t around = static_cast<size_t>(std::max(rate, 1) / 50);
    const auto near = [&](size_t x) { return (i > x ? i - x : x - i) <= around; };
    return std::any_of(xruns.begin(), xruns.end(), near) ||
           std::any_of(unrecorded.begin(), unrecorded.end(), [&](const std::pair<size_t, size_t>& u) {
               return (i >= u.first && i < u.second) || near(u.first) || near(u.second);
           });
}

bool Observation::hiccup_between(double from, double to) const {
    const auto inside = [&](size_t i) {
        const double t = time_of(static_cast<double>(i));
        return t > from && t < to;
    };
    return std::any_of(xruns.begin(), xruns.end(), inside) ||
           std::any_of(unrecorded.begin(), unrecorded.end(), [&](const std::pair<size_t, size_t>& u) { return inside(u.first); });
}

double largest_step(const Observation& o, size_t* at) {
    std::vector<bool> missed(o.sound.size(), false);
    for (auto [a, b] : o.unrecorded)
        for (size_t i = a; i < std::min(b, missed.size()); ++i) missed[i] = true;
    double m = 0;
    for (size_t i = 1; i < o.sound.size(); ++i) {
        if (missed[i] || missed[i - 1] || o.near_hiccup(i)) continue;
        const double d = static_cast<double>(std::fabs(o.sound[i] - o.sound[i - 1]));
        if (d > m) {
            m = d;
            if (at) *at = i;
        }
    }
    return m;
}

double mean_luma(const std::vector<uint8_t>& bgra) {
    if (bgra.empty()) return 0;
    double sum = 0;
    for (size_t i = 0; i + 3 < bgra.size(); i += 4) sum += 0.114 * bgra[i] + 0.587 * bgra[i + 1] + 0.299 * bgra[i + 2];
    return sum / static_cast<double>(bgra.size() / 4);
}

std::vector<double> sound_onsets(const Observation& o, float threshold, double min_gap_s) {
    std::vector<double> out;
    const size_t gap = static_cast<size_t>(min_gap_s * o.rate);
    size_t last_loud = 0;
    bool any = false;
    for (size_t k = 0; k < o.sound.size(); ++k) {
        if (std::fabs(o.sound[k]) < threshold) continue;
        if (!any || k - last_loud >= gap) out.push_back(o.time_of(static_cast<double>(k)));
        any = true;
        last_loud = k;
    }
    return out;
}

FlashClick flash_click(const Observation& o) {
    FlashClick r;
    bool bright = false;
    for (const ScreenChange& c : o.screen) {
        const bool b = mean_luma(c.bgra) >= 128;
        if (b && !bright) r.flashes.push_back(c.t);
        bright = b;
    }
    r.clicks = sound_onsets(o, 0.3f, 0.5);
    for (double c : r.clicks) {
        double best = 1e9;
        for (double f : r.flashes)
            if (std::fabs(f - c) < std::fabs(best)) best = f - c;
        const bool near = std::fabs(best) <= 0.5;
        r.offsets.push_back(near ? best : std::nan(""));
        r.unmatched_clicks += !near;
    }
    return r;
}

}  // namespace reelsync::testing
