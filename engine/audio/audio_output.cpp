#include "audio/audio_output.h"

#include <portaudio.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include <unistd.h>

#include "core/log.h"
#include "core/threads.h"
#include "core/timecode.h"

#ifdef REELSYNC_HAVE_ALSA
#include <alsa/asoundlib.h>
#endif
#ifdef REELSYNC_HAVE_JACK
#include <jack/jack.h>
#include <pa_jack.h>
#endif

namespace reelsync::audio {

namespace {

#ifdef REELSYNC_HAVE_ALSA
void alsa_silent(const char*, int, const char*, int, const char*, ...) {}
#endif
#ifdef REELSYNC_HAVE_JACK
void jack_silent(const char*) {}
#endif

// PortAudio is initialised once and kept for the life of the process (its device scan is slow,
// and terminating it while another stream exists is unsafe).
Result<void> ensure_portaudio() {
    static std::once_flag once;
    static PaError init_error = paNoError;
    std::call_once(once, [] {
#ifdef REELSYNC_HAVE_ALSA
        snd_lib_error_set_handler(alsa_silent);
#endif
#ifdef REELSYNC_HAVE_JACK
        jack_set_error_function(jack_silent);
        jack_set_info_function(jack_silent);
        PaJack_SetClientName("reelsync");  // how the JACK patchbay names the player's ports
#endif
        // PortAudio's host APIs print their probing noise to stderr; keep the console clean.
        fflush(stderr);
        int saved = dup(2);
        FILE* null = fopen("/dev/null", "w");
        if (null) dup2(fileno(null), 2);
        init_error = Pa_Initialize();
        fflush(stderr);
        if (saved >= 0) {
            dup2(saved, 2);
            close(saved);
        }
        if (null) fclose(null);
    });
    if (init_error != paNoError) return fail(std::string("audio: cannot initialise PortAudio: ") + Pa_GetErrorText(init_error));
    return {};
}

int pa_callback(const void*, void* out, unsigned long frames, const PaStreamCallbackTimeInfo* ti, PaStreamCallbackFlags,
                void* self);

// ALSA's `jack` device (alsa-plugins' pcm_jack) reports as its delay only what waits in its own
// buffer. Its sound then waits for the next JACK cycle to be handed over (one period), and for
// the playback latency of the ports it feeds (the physical outputs). Seconds of both, asked of
// the JACK server now (0 when none answers). The outside observer (tests Observed.*) put the
// picture 12 ms ahead of its sound on this device before this was added.
double jack_device_path_latency() {
#ifdef REELSYNC_HAVE_JACK
    jack_status_t status{};
    jack_client_t* c = jack_client_open("reelsync-latency", JackNoStartServer, &status);
    if (!c) return 0;
    jack_nframes_t worst = 0;
    if (const char** ports = jack_get_ports(c, nullptr, JACK_DEFAULT_AUDIO_TYPE, JackPortIsPhysical | JackPortIsInput)) {
        for (const char** p = ports; *p; ++p) {
            if (jack_port_t* port = jack_port_by_name(c, *p)) {
                jack_latency_range_t range{};
                jack_port_get_latency_range(port, JackPlaybackLatency, &range);
                worst = std::max(worst, range.max);
            }
        }
        jack_free(ports);
    }
    const double rate = jack_get_sample_rate(c);
    const double seconds = rate > 0 ? (static_cast<double>(worst) + jack_get_buffer_size(c)) / rate : 0.0;
    jack_client_close(c);
    return seconds;
#else
    return 0;
#endif
}

}  // namespace

Result<std::unique_ptr<AudioOutput>> AudioOutput::open(Options opts) {
    if (auto r = ensure_portaudio(); !r) return std::unexpected(r.error());
    PaDeviceIndex dev = paNoDevice;
    if (opts.device.empty()) {
        // The system's default output (under a JACK server: ALSA's "jack" device, whose JACK path
        // is added to its latency in open_stream). PortAudio's own JACK host ("--audio-device
        // system") lost the server once in a test run on a loaded machine and then played 100 ms
        // late; until that is understood the default stays on the device that held.
        dev = Pa_GetDefaultOutputDevice();
    } else {
        for (int i = 0; i < Pa_GetDeviceCount(); ++i) {
            const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
            if (d && d->maxOutputChannels > 0 && std::strstr(d->name, opts.device.c_str())) {
                dev = i;
                break;
            }
        }
        if (dev == paNoDevice) return fail("audio: no output device named '" + opts.device + "'");
    }
    if (dev == paNoDevice) return fail("audio: no audio output device available");
    const PaDeviceInfo* info = Pa_GetDeviceInfo(dev);
    std::unique_ptr<AudioOutput> out(new AudioOutput());
    out->device_ = dev;
    out->frames_per_buffer_ = opts.frames_per_buffer;
    out->channels_ = std::min(opts.channels, std::max(1, info->maxOutputChannels));
    out->rate_ = info->defaultSampleRate > 0 ? static_cast<int>(info->defaultSampleRate) : 48000;
    out->device_name_ = info->name;
    out->shuttle_ = std::make_unique<ShuttleStream>(out->rate_, out->channels_);
    if (auto r = out->open_stream(); !r) return std::unexpected(r.error());
    return out;
}

Result<void> AudioOutput::open_stream() {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(device_);
    if (!info) return fail("audio: '" + device_name_ + "' is gone");
    PaStreamParameters params{};
    params.device = device_;
    params.channelCount = channels_;
    params.sampleFormat = paFloat32;
    params.suggestedLatency = info->defaultLowOutputLatency;
    PaStream* stream = nullptr;
    PaError err = Pa_OpenStream(&stream, nullptr, &params, rate_, frames_per_buffer_, paClipOff, pa_callback, this);
    if (err != paNoError) return fail("audio: cannot open '" + device_name_ + "': " + Pa_GetErrorText(err));
    stream_ = stream;
    const PaStreamInfo* si = Pa_GetStreamInfo(stream);
    latency_.store(si ? si->outputLatency : 0.0, std::memory_order_release);
    const PaHostApiInfo* host = Pa_GetHostApiInfo(info->hostApi);
    const bool alsa_jack = host && host->type == paALSA && std::strcmp(info->name, "jack") == 0;
    extra_latency_.store(alsa_jack ? jack_device_path_latency() : 0.0, std::memory_order_release);
    return {};
}

AudioOutput::~AudioOutput() {
    {
        std::lock_guard lock(reconnect_mutex_);
        reconnect_quit_ = true;
    }
    reconnect_cv_.notify_all();
    if (reconnect_thread_.joinable()) reconnect_thread_.join();
    stop();
    shuttle_.reset();  // the stream is stopped: no callback reads it
    std::lock_guard lock(stream_mutex_);
    if (stream_) Pa_CloseStream(static_cast<PaStream*>(stream_));
}

void AudioOutput::set_track(std::shared_ptr<const media::AudioTrack> track) {
    const media::AudioTrack* t = track.get();
    current_track_ = track;
    if (track) tracks_.push_back(std::move(track));
    next_track_.store(t);
    // Free every older track the callback is not reading (it re-checks next_track_ after
    // announcing in_use_, so one it could still pick up is never freed here).
    const media::AudioTrack* busy = in_use_.load();
    std::erase_if(tracks_, [&](const auto& k) { return k.get() != t && k.get() != busy; });
}

Result<void> AudioOutput::start() {
    std::lock_guard lock(stream_mutex_);
    if (started_) return {};
    if (!stream_) return fail("audio: '" + device_name_ + "' is not open (the device went away)");
    PaError err = Pa_StartStream(static_cast<PaStream*>(stream_));
    if (err != paNoError) return fail("audio: cannot start '" + device_name_ + "': " + Pa_GetErrorText(err));
    started_ = true;
    return {};
}

void AudioOutput::stop() {
    std::lock_guard lock(stream_mutex_);
    if (!started_) return;
    Pa_StopStream(static_cast<PaStream*>(stream_));
    started_ = false;
}

bool AudioOutput::stream_active() const {
    if (reconnecting_.load(std::memory_order_acquire)) return false;
    std::unique_lock lock(stream_mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return false;  // being replaced right now
    return started_ && stream_ && Pa_IsStreamActive(static_cast<PaStream*>(stream_)) == 1;
}

void AudioOutput::start_reconnecting() {
    if (reconnecting_.exchange(true, std::memory_order_acq_rel)) return;  // already at it
    if (reconnect_thread_.joinable()) reconnect_thread_.join();           // the last attempt's thread, finished
    reconnect_thread_ = std::thread([this] { reconnect_loop(); });
}

void AudioOutput::reconnect_loop() {
    threads::set_current(threads::Priority::helper, "rs-audio-again");
    RS_LOG_WARN("audio: '%s' went away: playing on the timer clock, opening it again every second", device_name_.c_str());
    while (true) {
        {
            std::unique_lock wait(reconnect_mutex_);
            // A second first: the device is gone now, and a server coming back needs a moment.
            if (reconnect_cv_.wait_for(wait, std::chrono::seconds(1), [&] { return reconnect_quit_; })) break;
        }
        std::lock_guard lock(stream_mutex_);
        if (stream_) {
            // The dead stream: no callback runs on it any more (or it is stopped here first).
            Pa_AbortStream(static_cast<PaStream*>(stream_));
            Pa_CloseStream(static_cast<PaStream*>(stream_));
            stream_ = nullptr;
            started_ = false;
        }
        if (!open_stream()) continue;
        if (Pa_StartStream(static_cast<PaStream*>(stream_)) != paNoError) {
            Pa_CloseStream(static_cast<PaStream*>(stream_));
            stream_ = nullptr;
            continue;
        }
        started_ = true;
        reconnections_.fetch_add(1, std::memory_order_acq_rel);
        reconnected_.store(true, std::memory_order_release);
        RS_LOG_WARN("audio: '%s' is back: the clock follows it again", device_name_.c_str());
        break;
    }
    reconnecting_.store(false, std::memory_order_release);
}

namespace {
int pa_callback(const void*, void* out, unsigned long frames, const PaStreamCallbackTimeInfo* ti, PaStreamCallbackFlags,
                void* self) {
    double dac_minus_now = -1;
    // Some devices report a DAC time of 0: then the stream's nominal latency is used.
    if (ti && ti->outputBufferDacTime > 0 && ti->currentTime > 0) dac_minus_now = ti->outputBufferDacTime - ti->currentTime;
    return static_cast<AudioOutput*>(self)->fill(static_cast<float*>(out), frames, dac_minus_now);
}
}  // namespace

// Real-time thread: no locks, no allocation, no logging.
int AudioOutput::fill(float* out, unsigned long frames, double dac_minus_now) {
    double now = steady_seconds();
    double latency = (dac_minus_now >= 0 && dac_minus_now < 1.0) ? dac_minus_now : latency_.load(std::memory_order_relaxed);
    latency += extra_latency_.load(std::memory_order_relaxed);
    int64_t seek = seek_request_.exchange(-1, std::memory_order_acq_rel);
    if (seek >= 0) position_ = seek;
    bool playing = playing_.load(std::memory_order_acquire);
    const int64_t start = position_;
    const size_t n = static_cast<size_t>(frames) * channels_;
    const media::AudioTrack* t = next_track_.load();
    while (true) {  // announce, then confirm it is still the one to play (seq_cst: see set_track)
        in_use_.store(t);
        const media::AudioTrack* again = next_track_.load();
        if (again == t) break;
        t = again;
    }
    // A scrub request: the sounding grain (if any) fades out over the fade span from here, under
    // the new one fading in.
    if (const uint64_t serial = scrub_serial_.load(std::memory_order_acquire); serial != scrub_seen_) {
        scrub_seen_ = serial;
        const int64_t fade = static_cast<int64_t>(rate_) * kScrubFadeMs / 1000;
        grains_[1] = grains_[0];
        if (grains_[1].active) grains_[1].length = std::min(grains_[1].length, grains_[1].pos + fade);
        grains_[0] = {scrub_start_.load(std::memory_order_relaxed), scrub_length_.load(std::memory_order_relaxed), 0, true};
        grains_started_.fetch_add(1, std::memory_order_release);
    }
    if (playing) grains_[0].active = grains_[1].active = false;  // playback takes over
    const int64_t fade = std::max<int64_t>(1, static_cast<int64_t>(rate_) * kScrubFadeMs / 1000);
    const bool track_ok = t && t->channels == channels_;
    if (playing && track_ok) {
        int64_t avail = std::clamp<int64_t>(t->frames() - start, 0, static_cast<int64_t>(frames));
        if (avail > 0) std::memcpy(out, t->samples.data() + start * channels_, static_cast<size_t>(avail) * channels_ * sizeof(float));
        std::fill(out + avail * channels_, out + n, 0.0f);
        if (!was_playing_) {  // a start: faded in
            for (int64_t i = 0; i < std::min<int64_t>(fade, avail); ++i)
                for (int c = 0; c < channels_; ++c) out[i * channels_ + c] *= static_cast<float>(i) / static_cast<float>(fade);
        }
        position_ += static_cast<int64_t>(frames);
        shuttle_->skip();
    } else if (playing) {
        std::fill(out, out + n, 0.0f);
        position_ += static_cast<int64_t>(frames);  // no track: silence still advances the clock
        shuttle_->skip();
    } else {
        // Off 1x the shuttle's ring (silence when none runs), then any scrub grain over it.
        shuttle_->read(out, frames, now + latency);
        if (track_ok) {
            if (was_playing_) {  // a stop: the track goes on for the fade, fading out
                for (int64_t i = 0; i < std::min<int64_t>(fade, static_cast<int64_t>(frames)); ++i) {
                    const int64_t src = played_end_ + i;
                    if (src < 0 || src >= t->frames()) break;
                    const float gain = 1.0f - static_cast<float>(i) / static_cast<float>(fade);
                    for (int c = 0; c < channels_; ++c) out[i * channels_ + c] += gain * t->samples[static_cast<size_t>(src * channels_ + c)];
                }
            }
            mix_grains(out, frames, *t);
        }
    }
    was_playing_ = playing && track_ok;
    played_end_ = position_;
    uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_release);  // odd: being written
    std::atomic_thread_fence(std::memory_order_release);
    snap_position_.store(start, std::memory_order_relaxed);
    snap_frames_.store(static_cast<int64_t>(frames), std::memory_order_relaxed);
    snap_heard_at_.store(now + latency, std::memory_order_relaxed);
    snap_callback_at_.store(now, std::memory_order_relaxed);
    snap_playing_.store(playing, std::memory_order_relaxed);
    snap_callbacks_.store(snap_callbacks_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    seq_.store(s + 2, std::memory_order_release);
    return paContinue;
}

void AudioOutput::shuttle(double base_t, double base_steady, double speed) {
    if (speed == 0 || !ShuttleStream::sounds_at(speed)) {
        shuttle_->stop();
        return;
    }
    // The first sound can be heard after the output's latency; the margin covers the first
    // render and a callback period.
    const double lead = latency_.load(std::memory_order_acquire) + extra_latency() + 0.03;
    shuttle_->start(current_track_, base_t, base_steady, speed, lead);
}

void AudioOutput::scrub(int64_t frame, int64_t length) {
    scrub_start_.store(std::max<int64_t>(0, frame), std::memory_order_relaxed);
    scrub_length_.store(std::max<int64_t>(0, length), std::memory_order_relaxed);
    scrub_serial_.fetch_add(1, std::memory_order_release);
}

void AudioOutput::mix_grains(float* out, unsigned long frames, const media::AudioTrack& t) {
    const int64_t fade = std::max<int64_t>(1, static_cast<int64_t>(rate_) * kScrubFadeMs / 1000);
    const int64_t total = t.frames();
    for (Grain& g : grains_) {
        if (!g.active) continue;
        for (unsigned long i = 0; i < frames && g.pos < g.length; ++i, ++g.pos) {
            const int64_t src = g.start + g.pos;
            if (src < 0 || src >= total) continue;
            // A trapezoid: up over the first `fade` frames, down over the last (linear: no click).
            const float gain = static_cast<float>(std::min({int64_t{fade}, g.pos, g.length - g.pos})) / static_cast<float>(fade);
            const float* in = t.samples.data() + src * channels_;
            for (int c = 0; c < channels_; ++c) out[i * static_cast<unsigned long>(channels_) + static_cast<unsigned long>(c)] += gain * in[c];
        }
        if (g.pos >= g.length) g.active = false;
    }
}

AudioOutput::Snapshot AudioOutput::snapshot() const {
    Snapshot s;
    while (true) {
        uint64_t a = seq_.load(std::memory_order_acquire);
        if (a & 1) continue;
        s.position = snap_position_.load(std::memory_order_relaxed);
        s.frames = snap_frames_.load(std::memory_order_relaxed);
        s.heard_at = snap_heard_at_.load(std::memory_order_relaxed);
        s.callback_at = snap_callback_at_.load(std::memory_order_relaxed);
        s.playing = snap_playing_.load(std::memory_order_relaxed);
        s.callbacks = snap_callbacks_.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (seq_.load(std::memory_order_relaxed) == a) return s;
    }
}

}  // namespace reelsync::audio
