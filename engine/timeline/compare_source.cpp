#include "timeline/compare_source.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>

namespace reelsync::timeline {

Result<std::unique_ptr<CompareSource>> CompareSource::open(const std::vector<TakeSpec>& specs, media::ClipReader::Options opts) {
    if (specs.size() < 2 || specs.size() > kMaxTakes) return fail("a compare takes 2 to 4 clips, not " + std::to_string(specs.size()));
    std::unique_ptr<CompareSource> c(new CompareSource());
    c->opts_ = opts;
    // A time base in which every take's frames and offset are whole numbers of ticks.
    int64_t ticks = 1;
    std::vector<Rational> rates, offsets;
    for (const TakeSpec& s : specs) {
        auto r = media::ClipReader::open(s.path, opts);
        if (!r) return std::unexpected(r.error());
        const Rational rate = (*r)->info().video->frame_rate.reduced();
        if (!rate.valid()) return fail(s.path + ": no frame rate");
        const Rational off = s.offset.den > 0 ? s.offset.reduced() : Rational{0, 1};
        for (int64_t n : {rate.num, off.den}) {
            const int64_t l = std::lcm(ticks, n);
            if (l <= 0 || l >= (int64_t{1} << 40)) return fail(s.path + ": its rate or offset has no common time base with the other takes");
            ticks = l;
        }
        Take t;
        t.frames = (*r)->info().frame_count();
        t.reader = std::move(*r);
        c->takes_.push_back(std::move(t));
        rates.push_back(rate);
        offsets.push_back(off);
    }
    // Every take's frame boundaries and end, from 0 to the last take's end.
    std::set<int64_t> bounds = {0};
    int64_t end = 0;
    for (size_t v = 0; v < c->takes_.size(); ++v) {
        Take& t = c->takes_[v];
        t.step = rates[v].den * ticks / rates[v].num;
        t.offset = offsets[v].num * (ticks / offsets[v].den);
        for (int64_t j = 0; j <= t.frames; ++j)
            if (const int64_t b = t.offset + j * t.step; b >= 0) bounds.insert(b);
        end = std::max(end, t.offset + t.frames * t.step);
    }
    if (end <= 0) return fail("every take ends before the compare starts (offsets)");
    media::ClipInfo& ci = c->info_;
    ci.path = "compare of " + std::to_string(specs.size()) + " takes";
    ci.container = "compare";
    ci.video = c->takes_.front().reader->info().video;
    ci.video->time_base = Rational{1, ticks};
    for (int64_t b : bounds)
        if (b < end) ci.index.pts.push_back(b);
    ci.index.key_pts = ci.index.pts;
    ci.index.last_duration = end - ci.index.pts.back();
    ci.video->frame_count = static_cast<int64_t>(ci.index.pts.size());
    ci.video->start_seconds = 0;
    ci.duration_seconds = static_cast<double>(end) / static_cast<double>(ticks);
    c->seek(0, false);
    return c;
}

int64_t CompareSource::take_frame(size_t v, int64_t frame) const {
    if (frame < 0 || frame >= info_.frame_count()) return -1;
    const Take& t = takes_[v];
    const int64_t rel = info_.index.pts[static_cast<size_t>(frame)] - t.offset;
    if (rel < 0) return -1;
    const int64_t f = rel / t.step;
    return f < t.frames ? f : -1;
}

uint64_t CompareSource::seek(int64_t frame, bool reverse) {
    ++serial_;
    pos_ = std::clamp<int64_t>(frame, 0, info_.frame_count() - 1);
    reverse_ = reverse;
    const int64_t at = info_.index.pts[static_cast<size_t>(pos_)];
    for (size_t v = 0; v < takes_.size(); ++v) {
        Take& t = takes_[v];
        int64_t target = take_frame(v, pos_);
        // A take with no frame now: positioned where its frames will come from in this direction.
        if (target < 0) target = (at < t.offset) ? 0 : t.frames - 1;
        t.current.reset();
        t.reader->seek(target, reverse);
    }
    return serial_;
}

bool CompareSource::fetch(Take& t, int64_t want) {
    if (t.current && t.current->index == want) return true;
    while (auto f = t.reader->peek()) {
        const bool before = reverse_ ? f->index > want : f->index < want;
        t.current = t.reader->pop();
        if (!before) return true;  // the frame wanted (or, after a late landing, the first after it)
    }
    return false;
}

std::optional<media::VideoFrame> CompareSource::next(bool remove) {
    if (pos_ < 0 || pos_ >= info_.frame_count()) return std::nullopt;
    auto views = std::make_shared<std::vector<media::VideoFrame>>(takes_.size());
    for (size_t v = 0; v < takes_.size(); ++v) {
        Take& t = takes_[v];
        media::VideoFrame& out = (*views)[v];
        out.index = -1;
        const int64_t want = take_frame(v, pos_);
        if (want < 0) continue;
        if (!fetch(t, want)) {
            if (t.reader->finished() || t.reader->error()) continue;  // nothing more from this take
            return std::nullopt;                                       // still decoding
        }
        out = *t.current;
    }
    media::VideoFrame e;
    e.index = pos_;
    e.pts = info_.frame_pts_seconds(pos_);
    e.duration = info_.frame_duration_seconds(pos_);
    e.serial = serial_;
    for (const media::VideoFrame& f : *views)
        if (f.picture) {
            e.picture = f.picture;
            break;
        }
    e.views = std::move(views);
    if (remove) pos_ += reverse_ ? -1 : 1;
    return e;
}

bool CompareSource::wait_for_frame(double timeout_s) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (true) {
        if (next(false)) return true;
        if (finished()) return false;
        const double left = std::chrono::duration<double>(until - std::chrono::steady_clock::now()).count();
        if (left <= 0) return false;
        for (Take& t : takes_)
            if (!t.reader->finished()) {
                (void)t.reader->wait_for_frame(std::min(left, 0.005));
                break;
            }
    }
}

bool CompareSource::finished() { return pos_ < 0 || pos_ >= info_.frame_count(); }

std::optional<Error> CompareSource::error() {
    for (Take& t : takes_)
        if (auto e = t.reader->error()) return e;
    return std::nullopt;
}

int CompareSource::queued() {
    // Frames ready ahead: as many as the least-ready take that still has frames to give.
    int q = opts_.queue_frames;
    for (Take& t : takes_)
        if (!t.reader->finished()) q = std::min(q, t.reader->queued());
    return q;
}

bool CompareSource::decoded_all() {
    for (Take& t : takes_)
        if (!t.reader->decoded_all()) return false;
    return true;
}

}  // namespace reelsync::timeline
