#include "timeline/edit_reader.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <thread>

namespace reelsync::timeline {

namespace {
// Probes of the edit's clips, kept for the process: rebuilding the edit after a trim or a move
// re-reads nothing that did not change (keyed by path, size and modification time).
Result<media::ClipInfo> probe_cached(const std::string& path) {
    struct Entry {
        std::uintmax_t size;
        std::filesystem::file_time_type mtime;
        media::ClipInfo info;
    };
    static std::mutex mutex;
    static std::map<std::string, Entry> cache;  // guarded by mutex
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    const auto mtime = std::filesystem::last_write_time(path, ec);
    if (!ec) {
        std::lock_guard lock(mutex);
        auto it = cache.find(path);
        if (it != cache.end() && it->second.size == size && it->second.mtime == mtime) return it->second.info;
    }
    auto info = media::probe(path);
    if (info && !ec) {
        std::lock_guard lock(mutex);
        cache[path] = {size, mtime, *info};
    }
    return info;
}
}  // namespace

Result<std::unique_ptr<EditReader>> EditReader::open(const std::vector<ShotSpec>& specs, media::ClipReader::Options opts,
                                                     HelperPool* helpers) {
    if (specs.empty()) return fail("the edit has no shots");
    std::unique_ptr<EditReader> e(new EditReader());
    e->opts_ = opts;
    if (!helpers) e->own_helpers_ = std::make_unique<HelperPool>(2, threads::Priority::helper, "rs-edit");
    e->helpers_ = helpers ? helpers : e->own_helpers_.get();
    // A time base in which every frame of every shot lasts a whole number of ticks.
    int64_t ticks = 1;
    for (const ShotSpec& s : specs) {
        auto info = probe_cached(s.path);
        if (!info) return std::unexpected(info.error());
        Rational rate = info->video->frame_rate.reduced();
        if (!rate.valid()) return fail(s.path + ": no frame rate");
        Shot shot;
        shot.path = s.path;
        shot.in = std::clamp<int64_t>(s.in, 0, info->frame_count() - 1);
        shot.out = s.out < 0 ? info->frame_count() - 1 : std::clamp<int64_t>(s.out, shot.in, info->frame_count() - 1);
        shot.info = std::move(*info);
        const int64_t l = std::lcm(ticks, rate.num);
        ticks = l > 0 && l < (int64_t{1} << 40) ? l : ticks;
        e->shots_.push_back(std::move(shot));
    }
    media::ClipInfo& ei = e->info_;
    ei.path = "edit of " + std::to_string(specs.size()) + " shots";
    ei.container = "edit";
    ei.video = e->shots_.front().info.video;
    ei.video->time_base = Rational{1, ticks};
    int64_t t = 0, last = 0;
    for (Shot& s : e->shots_) {
        const Rational rate = s.info.video->frame_rate.reduced();
        const int64_t step = rate.den * ticks / rate.num;  // exact when ticks is a multiple of rate.num
        s.first = static_cast<int64_t>(ei.index.pts.size());
        for (int64_t j = s.in; j <= s.out; ++j) {
            ei.index.pts.push_back(t);
            t += step;
        }
        last = step;
    }
    ei.index.key_pts = ei.index.pts;
    ei.index.last_duration = last;
    ei.video->frame_count = static_cast<int64_t>(ei.index.pts.size());
    ei.video->start_seconds = 0;
    ei.duration_seconds = static_cast<double>(t) / static_cast<double>(ticks);
    e->prepare(0, false);
    e->seek(0, false);
    return e;
}

EditReader::~EditReader() {
    alive_->store(false);  // opens still queued are skipped
    for (auto& [k, r] : open_) close_later(std::move(r));
    // Opens that finished: their readers are closed on the helpers too. Those still running are
    // dropped: the job's own reference closes the reader on its thread when it ends.
    for (auto& [k, fut] : opening_)
        if (fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
            if (auto r = fut.get()) close_later(std::move(*r));
    // own_helpers_ (if any) goes last: it runs what is queued, then joins.
}

size_t EditReader::shot_at(int64_t frame) const {
    auto it = std::upper_bound(shots_.begin(), shots_.end(), frame, [](int64_t f, const Shot& s) { return f < s.first; });
    return it == shots_.begin() ? 0 : static_cast<size_t>(it - shots_.begin()) - 1;
}

void EditReader::prepare(size_t k, bool reverse) {
    if (k >= shots_.size()) return;
    const int64_t target = reverse ? shots_[k].out : shots_[k].in;
    if (auto it = open_.find(k); it != open_.end()) {
        auto pos = positioned_reverse_.find(k);
        // Already waiting at that end, untouched since: leave its decoded frames alone.
        if (pos != positioned_reverse_.end() && pos->second == reverse && want_.count(k) == 0 && untouched_.count(k)) return;
        want_[k] = {target, reverse};
        return;
    }
    want_[k] = {target, reverse};
    if (opening_.count(k)) return;
    opening_[k] = helpers_->submit([path = shots_[k].path, o = opts_, alive = alive_]() -> Result<ReaderPtr> {
        if (!alive->load()) return fail("the edit was closed");
        return media::ClipReader::open(path, o);
    });
}

media::ClipReader* EditReader::reader(size_t k) {
    auto it = open_.find(k);
    if (it == open_.end()) {
        auto op = opening_.find(k);
        if (op == opening_.end()) {
            prepare(k, reverse_);
            op = opening_.find(k);
            if (op == opening_.end()) return nullptr;
        }
        if (op->second.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return nullptr;
        auto r = op->second.get();
        opening_.erase(op);
        if (!r) {
            error_ = r.error();
            return nullptr;
        }
        it = open_.emplace(k, std::move(*r)).first;
    }
    if (auto w = want_.find(k); w != want_.end()) {
        it->second->seek(w->second.first, w->second.second);
        positioned_reverse_[k] = w->second.second;
        untouched_.insert(k);
        want_.erase(w);
    }
    return it->second.get();
}

void EditReader::retire_others() {
    const size_t keep_a = cur_;
    const size_t keep_b = reverse_ ? (cur_ == 0 ? cur_ : cur_ - 1) : cur_ + 1;
    for (auto it = open_.begin(); it != open_.end();) {
        if (it->first == keep_a || it->first == keep_b) {
            ++it;
            continue;
        }
        close_later(std::move(it->second));
        positioned_reverse_.erase(it->first);
        untouched_.erase(it->first);
        want_.erase(it->first);
        it = open_.erase(it);
    }
}

void EditReader::close_later(ReaderPtr r) {
    // Closing joins the decode thread, which may be mid-frame: never on the player's thread.
    if (r) (void)helpers_->submit([r = std::move(r)]() mutable { r.reset(); });
}

uint64_t EditReader::seek(int64_t frame, bool reverse) {
    ++serial_;
    frame = std::clamp<int64_t>(frame, 0, info_.frame_count() - 1);
    reverse_ = reverse;
    done_ = false;
    error_.reset();
    cur_ = shot_at(frame);
    const Shot& s = shots_[cur_];
    if (open_.count(cur_) == 0) prepare(cur_, reverse);  // starts opening it
    want_[cur_] = {s.in + (frame - s.first), reverse};
    (void)reader(cur_);
    if (!reverse) prepare(cur_ + 1, false);
    else if (cur_ > 0) prepare(cur_ - 1, true);
    retire_others();
    return serial_;
}

void EditReader::service() {
    // Readers that finished opening start decoding at once (from the neighbour's in or out), so
    // the next shot's first frames are ready before its cut.
    std::vector<size_t> ready;
    for (auto& [k, fut] : opening_)
        if (fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready) ready.push_back(k);
    for (size_t k : ready) (void)reader(k);
}

std::optional<media::VideoFrame> EditReader::next(bool remove) {
    service();
    while (!done_ && !error_) {
        media::ClipReader* r = reader(cur_);
        if (!r) return std::nullopt;
        if (auto err = r->error()) {
            error_ = err;
            return std::nullopt;
        }
        const Shot& s = shots_[cur_];
        auto f = r->peek();
        bool shot_over = false;
        if (f) {
            if (!reverse_ ? f->index > s.out : f->index < s.in) {
                shot_over = true;
            } else if (!reverse_ ? f->index < s.in : f->index > s.out) {
                r->pop();  // before the shot's range (a seek landed early): never shown
                continue;
            } else {
                media::VideoFrame e = std::move(*f);
                e.shot = static_cast<int32_t>(cur_);
                e.source_index = e.index;
                e.index = s.first + (e.index - s.in);
                e.pts = info_.frame_pts_seconds(e.index);
                e.duration = info_.frame_duration_seconds(e.index);
                e.serial = serial_;
                if (remove) {
                    r->pop();
                    untouched_.erase(cur_);
                }
                return e;
            }
        } else if (r->finished()) {
            shot_over = true;
        } else {
            return std::nullopt;  // decoding
        }
        if (shot_over) {
            // The cut: the next shot's reader was opened and positioned while this one played.
            if (!reverse_ ? cur_ + 1 >= shots_.size() : cur_ == 0) {
                done_ = true;
                return std::nullopt;
            }
            cur_ = reverse_ ? cur_ - 1 : cur_ + 1;
            if (!reverse_) prepare(cur_ + 1, false);
            else if (cur_ > 0) prepare(cur_ - 1, true);
            retire_others();
        }
    }
    return std::nullopt;
}

std::optional<media::VideoFrame> EditReader::peek() { return next(false); }
std::optional<media::VideoFrame> EditReader::pop() { return next(true); }

bool EditReader::wait_for_frame(double timeout_s) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (true) {
        if (peek()) return true;
        if (done_ || error_ || std::chrono::steady_clock::now() >= until) return false;
        if (media::ClipReader* r = reader(cur_)) r->wait_for_frame(0.005);
        else std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

bool EditReader::finished() {
    if (!done_) (void)peek();  // moves past finished shots
    return done_;
}

bool EditReader::decoded_all() {
    if (finished()) return true;
    const bool last = reverse_ ? cur_ == 0 : cur_ + 1 >= shots_.size();
    media::ClipReader* r = reader(cur_);
    return last && r && r->decoded_all();
}

std::optional<Error> EditReader::error() {
    if (!error_)
        if (media::ClipReader* r = reader(cur_)) return r->error();
    return error_;
}

int EditReader::queued() {
    media::ClipReader* r = reader(cur_);
    if (!r) return 0;
    int n = r->queued();
    const size_t nb = reverse_ ? cur_ - 1 : cur_ + 1;
    if ((reverse_ ? cur_ > 0 : nb < shots_.size()) && open_.count(nb) && want_.count(nb) == 0) n += open_[nb]->queued();
    return n;
}

}  // namespace reelsync::timeline
