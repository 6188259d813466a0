#include "audio/shuttle.h"

#include <rubberband/RubberBandStretcher.h>

#include <algorithm>
#include <cmath>

#include "core/threads.h"
#include "core/timecode.h"

namespace reelsync::audio {

namespace {
constexpr size_t kBlock = 1024;  // track frames fed to the stretcher per call, at most
constexpr int kFadeMs = 3;
}  // namespace

bool ShuttleStream::sounds_at(double speed) {
    const double a = std::fabs(speed);
    return a >= kMinSpeed && a <= kMaxSpeed && speed != 1.0;
}

ShuttleStream::ShuttleStream(int rate, int channels)
    : rate_(rate), channels_(channels), samples_(kRing * static_cast<size_t>(channels)), source_(kRing), serial_(kRing) {}

ShuttleStream::~ShuttleStream() {
    {
        std::lock_guard lock(mutex_);
        quit_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void ShuttleStream::start(std::shared_ptr<const media::AudioTrack> track, double base_t, double base_steady, double speed, double lead) {
    if (!track || track->channels != channels_ || !sounds_at(speed)) {
        stop();
        return;
    }
    uint32_t serial;
    {
        std::lock_guard lock(mutex_);
        serial = request_.serial + 1;
        request_ = {std::move(track), base_t, base_steady, speed, lead, serial};
        if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    publish(base_t, base_steady, speed, serial);
    active_.store(true, std::memory_order_release);
    cv_.notify_all();
}

void ShuttleStream::stop() {
    uint32_t serial;
    {
        std::lock_guard lock(mutex_);
        if (!request_.track) return;  // not sounding
        serial = request_.serial + 1;
        request_ = {nullptr, 0, 0, 0, 0, serial};
    }
    publish(0, 0, 0, serial);
    active_.store(false, std::memory_order_release);
    cv_.notify_all();
}

// The callback's mapping, under the seqlock (one writer: the controlling thread).
void ShuttleStream::publish(double base_t, double base_steady, double speed, uint32_t serial) {
    const uint32_t seq = map_seq_.load(std::memory_order_relaxed);
    map_seq_.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    map_base_t_.store(base_t, std::memory_order_relaxed);
    map_base_steady_.store(base_steady, std::memory_order_relaxed);
    map_speed_.store(speed, std::memory_order_relaxed);
    map_serial_.store(serial, std::memory_order_relaxed);
    map_seq_.store(seq + 2, std::memory_order_release);
}

ShuttleStream::Counters ShuttleStream::counters() const {
    return {played_.load(std::memory_order_acquire), dropped_.load(std::memory_order_acquire), waited_.load(std::memory_order_acquire),
            rendered_.load(std::memory_order_acquire)};
}

// The stretch thread: takes each new request, then keeps the ring filled ahead of the callback.
void ShuttleStream::run() {
    threads::set_current(threads::Priority::stretch, "rs-shuttle");
    uint32_t seen = 0;
    while (true) {
        Request next;
        bool fresh = false;
        {
            std::unique_lock lock(mutex_);
            if (!job_.track) cv_.wait(lock, [&] { return quit_ || request_.serial != seen; });
            if (quit_) return;
            if (request_.serial != seen) {
                seen = request_.serial;
                next = request_;
                fresh = true;
            }
        }
        if (fresh) {
            begin(std::move(next));
            continue;
        }
        if (!render_some()) {
            std::unique_lock lock(mutex_);
            cv_.wait_for(lock, std::chrono::milliseconds(3), [&] { return quit_ || request_.serial != seen; });
        }
    }
}

void ShuttleStream::begin(Request job) {
    job_ = std::move(job);  // a stop's request drops the track here, on this thread
    out_count_ = 0;
    discard_ = 0;
    if (!job_.track) return;
    const size_t channels = static_cast<size_t>(channels_);
    if (!stretcher_) {
        using RB = RubberBand::RubberBandStretcher;
        // The R3 engine with its short window: a tone keeps its pitch at 0.5x-8x (tests
        // Shuttle.*; the R2 engine put a 440 Hz tone 1-4% off).
        stretcher_ = std::make_unique<RB>(static_cast<size_t>(rate_), channels,
                                          RB::OptionProcessRealTime | RB::OptionEngineFiner | RB::OptionWindowShort);
        stretcher_->setMaxProcessSize(kBlock);
        in_planar_.assign(kBlock * channels, 0.0f);
        out_planar_.assign(kBlock * channels, 0.0f);
        for (size_t c = 0; c < channels; ++c) {
            in_ptrs_.push_back(in_planar_.data() + c * kBlock);
            out_ptrs_.push_back(out_planar_.data() + c * kBlock);
        }
    }
    stretcher_->reset();
    stretcher_->setTimeRatio(1.0 / std::fabs(job_.speed));
    // Start at the clip time due when the first sound can be heard.
    const double at = job_.base_t + (steady_seconds() + job_.lead - job_.base_steady) * job_.speed;
    feed_pos_ = std::llround(at * rate_);
    first_source_ = static_cast<double>(feed_pos_);
    // The stretcher's own delay: pad its input with the silence it asks for, drop the start of its
    // output; then output frame k stands for input frame k * speed.
    std::fill(in_planar_.begin(), in_planar_.end(), 0.0f);
    for (size_t pad = stretcher_->getPreferredStartPad(); pad > 0;) {
        const size_t n = std::min(pad, kBlock);
        stretcher_->process(in_ptrs_.data(), n, false);
        pad -= n;
    }
    discard_ = static_cast<int64_t>(stretcher_->getStartDelay());
}

void ShuttleStream::feed() {
    const media::AudioTrack& t = *job_.track;
    const size_t n = std::clamp<size_t>(stretcher_->getSamplesRequired(), 256, kBlock);
    const int64_t total = t.frames();
    const bool forward = job_.speed > 0;
    for (size_t i = 0; i < n; ++i) {
        const int64_t f = forward ? feed_pos_ + static_cast<int64_t>(i) : feed_pos_ - 1 - static_cast<int64_t>(i);
        for (int c = 0; c < channels_; ++c)
            in_ptrs_[static_cast<size_t>(c)][i] = (f >= 0 && f < total) ? t.samples[static_cast<size_t>(f * channels_ + c)] : 0.0f;
    }
    feed_pos_ += forward ? static_cast<int64_t>(n) : -static_cast<int64_t>(n);
    stretcher_->process(in_ptrs_.data(), n, false);
}

bool ShuttleStream::render_some() {
    const uint64_t w = write_.load(std::memory_order_relaxed);
    const uint64_t r = read_.load(std::memory_order_acquire);
    const auto ahead = static_cast<uint64_t>(kAheadSeconds * rate_);
    if (w - r >= ahead) return false;
    const int avail = stretcher_->available();
    if (avail <= 0) {
        feed();
        return true;
    }
    const size_t n = stretcher_->retrieve(out_ptrs_.data(), std::min({static_cast<size_t>(avail), kBlock, static_cast<size_t>(kRing - (w - r))}));
    uint64_t pos = w;
    for (size_t k = 0; k < n; ++k) {
        if (discard_ > 0) {
            --discard_;
            continue;
        }
        const size_t slot = static_cast<size_t>(pos % kRing);
        for (int c = 0; c < channels_; ++c) samples_[slot * static_cast<size_t>(channels_) + static_cast<size_t>(c)] = out_ptrs_[static_cast<size_t>(c)][k];
        source_[slot] = first_source_ + static_cast<double>(out_count_) * job_.speed;
        serial_[slot] = job_.serial;
        ++pos;
        ++out_count_;
    }
    write_.store(pos, std::memory_order_release);
    rendered_.fetch_add(pos - w, std::memory_order_relaxed);
    return true;
}

// Real-time thread.
void ShuttleStream::skip() {
    read_.store(write_.load(std::memory_order_acquire), std::memory_order_release);
    gain_ = 0;
    continuing_ = false;
    last_serial_ = map_serial_.load(std::memory_order_acquire);
}

// Real-time thread: no locks, no allocation, no logging.
unsigned long ShuttleStream::read(float* out, unsigned long frames, double heard_at) {
    const auto ch = static_cast<size_t>(channels_);
    std::fill(out, out + frames * ch, 0.0f);
    // The mapping, tried once: a buffer that meets a start or stop being written stays silent.
    const uint32_t seq = map_seq_.load(std::memory_order_acquire);
    const double base_t = map_base_t_.load(std::memory_order_relaxed);
    const double base_steady = map_base_steady_.load(std::memory_order_relaxed);
    const double speed = map_speed_.load(std::memory_order_relaxed);
    const uint32_t serial = map_serial_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if ((seq & 1) || map_seq_.load(std::memory_order_relaxed) != seq) return 0;

    uint64_t r = read_.load(std::memory_order_relaxed);
    const uint64_t w = write_.load(std::memory_order_acquire);
    const float fade_step = 1.0f / std::max(1.0f, static_cast<float>(rate_ * kFadeMs) / 1000.0f);
    unsigned long i = 0, sounded = 0;
    uint64_t dropped = 0, waited = 0;
    auto play = [&](size_t slot) {
        for (size_t c = 0; c < ch; ++c) out[i * ch + c] = gain_ * samples_[slot * ch + c];
    };
    if (serial != last_serial_) {
        // A stop or a new start: what the last one left in the ring fades out first.
        while (gain_ > 0 && i < frames && r < w) {
            const size_t slot = static_cast<size_t>(r % kRing);
            ++r;
            if (serial_[slot] != last_serial_) continue;
            gain_ = std::max(0.0f, gain_ - fade_step);
            play(slot);
            ++i;
        }
        gain_ = 0;
        last_serial_ = serial;
        continuing_ = false;
    }
    if (speed == 0) {
        read_.store(w, std::memory_order_release);  // nothing in the ring is wanted
        return 0;
    }
    const double rate = rate_;
    double x0 = (base_t + (heard_at - base_steady) * speed) * rate;  // track frame due at frame 0
    if (continuing_ && std::fabs((next_x_ - x0) / speed) <= kResyncSeconds * rate) x0 = next_x_;
    next_x_ = x0 + static_cast<double>(frames) * speed;
    const double tolerance = kToleranceSeconds * rate;
    while (i < frames) {
        if (r >= w) {  // the stretch thread is behind: silence
            waited += frames - i;
            gain_ = 0;
            break;
        }
        const size_t slot = static_cast<size_t>(r % kRing);
        if (serial_[slot] != serial) {  // left from an earlier start
            ++r;
            continue;
        }
        // Output frames by which the ring is ahead of the clock (either direction of play).
        const double ahead = (source_[slot] - (x0 + static_cast<double>(i) * speed)) / speed;
        if (ahead < -tolerance) {
            ++r;
            ++dropped;
            continue;
        }
        if (ahead > tolerance) {
            ++i;
            ++waited;
            gain_ = 0;
            continue;
        }
        gain_ = std::min(1.0f, gain_ + fade_step);
        play(slot);
        ++r;
        ++i;
        ++sounded;
    }
    continuing_ = sounded > 0;
    read_.store(r, std::memory_order_release);
    played_.fetch_add(sounded, std::memory_order_relaxed);
    dropped_.fetch_add(dropped, std::memory_order_relaxed);
    waited_.fetch_add(waited, std::memory_order_relaxed);
    return sounded;
}

}  // namespace reelsync::audio
