#include "project/catalog.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/threads.h"
#include "analysis/artifacts.h"
#include "media/ffmpeg.h"
#include "media/video_decoder.h"

namespace reelsync::project {

namespace fs = std::filesystem;

namespace {
// Sleeps while `hold` is set, unless `quit` is (either may be absent).
void wait_while_held(const std::atomic<bool>* hold, const std::atomic<bool>* quit) {
    while (hold && hold->load() && !(quit && quit->load())) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}
}  // namespace

Result<Catalogued> catalogue_clip(const fs::path& file, const std::atomic<bool>* hold, const std::atomic<bool>* quit) {
    auto dec = media::VideoDecoder::open(file.string(), media::VideoDecoder::Options{1});
    if (!dec) return std::unexpected(dec.error());
    const media::ClipInfo& info = (*dec)->info();
    Catalogued c;
    ClipMedia m;
    m.codec = info.video->codec;
    m.width = info.video->width;
    m.height = info.video->height;
    m.rate = info.video->frame_rate.reduced();
    m.frame_count = info.frame_count();
    m.duration = info.duration_seconds;
    c.media = m;
    // The keyframe at or before the middle: one decoded frame, and rarely the (often odd) first.
    const int64_t mid = info.frame_count() / 2;
    const int64_t key = info.index.frame_at_pts(info.index.keyframe_at_or_before(info.index.pts[static_cast<size_t>(mid)]));
    wait_while_held(hold, quit);  // opening read the packets; decoding is the probe's real cost
    if (auto r = (*dec)->seek(key); !r) return std::unexpected(r.error());
    auto f = (*dec)->next();
    if (!f) return std::unexpected(f.error());
    if (!*f) return fail(file.string() + ": no frame to make a thumbnail from");
    const AVFrame* pic = (**f).picture.get();
    // Letterbox into the thumbnail, honouring the sample aspect ratio.
    const double sar = info.video->sample_aspect.valid() ? info.video->sample_aspect.to_double() : 1.0;
    const double aspect = pic->width * sar / pic->height;
    int w = kThumbWidth, h = static_cast<int>(kThumbWidth / aspect + 0.5);
    if (h > kThumbHeight) {
        h = kThumbHeight;
        w = std::max(2, static_cast<int>(kThumbHeight * aspect + 0.5));
    }
    h = std::max(2, h);
    media::SwsPtr sws(sws_getContext(pic->width, pic->height, static_cast<AVPixelFormat>(pic->format), w, h, AV_PIX_FMT_RGBA,
                                     SWS_AREA, nullptr, nullptr, nullptr));
    if (!sws) return fail(file.string() + ": cannot scale a thumbnail");
    const int* coefs = sws_getCoefficients(pic->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT);
    const int full = pic->color_range == AVCOL_RANGE_JPEG;
    sws_setColorspaceDetails(sws.get(), coefs, full, coefs, 1, 0, 1 << 16, 1 << 16);
    ProjectCache::Thumbnail t;
    t.width = kThumbWidth;
    t.height = kThumbHeight;
    t.rgba.assign(static_cast<size_t>(t.width) * t.height * 4, 0);
    for (size_t i = 3; i < t.rgba.size(); i += 4) t.rgba[i] = 255;
    const int x0 = (kThumbWidth - w) / 2, y0 = (kThumbHeight - h) / 2;
    uint8_t* dst[4] = {t.rgba.data() + (static_cast<size_t>(y0) * t.width + x0) * 4, nullptr, nullptr, nullptr};
    int dst_stride[4] = {t.width * 4, 0, 0, 0};
    sws_scale(sws.get(), pic->data, pic->linesize, 0, pic->height, dst, dst_stride);
    c.thumbnail = std::move(t);
    return c;
}

Catalog::Catalog(fs::path folder, std::vector<Item> items, bool scans, int threads, analysis::DetectorConfig detectors)
    : folder_(std::move(folder)), items_(std::move(items)), scans_(scans), detectors_(detectors) {
    if (scans_)
        for (const Item& it : items_) to_scan_ += !it.scanned;
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = std::min<int>(threads, static_cast<int>(std::max<size_t>(1, items_.size())));
    // Below the player and its decoders: the browser must stay responsive while this runs.
    if (scans_) scan_pool_ = std::make_unique<HelperPool>(threads, threads::Priority::background, "rs-cat-scan");
    probe_pool_ = std::make_unique<HelperPool>(threads, threads::Priority::catalogue, "rs-catalogue");
    for (int i = 0; i < threads; ++i) (void)probe_pool_->submit([this] { probe_work(); });
}

Catalog::~Catalog() {
    quit_.store(true);
    probe_pool_.reset();
    scan_pool_.reset();
}

std::vector<Catalogued> Catalog::take() {
    std::lock_guard lock(mutex_);
    std::vector<Catalogued> out(std::make_move_iterator(results_.begin()), std::make_move_iterator(results_.end()));
    results_.clear();
    return out;
}

void Catalog::wait() {
    std::unique_lock lock(mutex_);
    done_cv_.wait(lock, [&] { return done_.load() == items_.size(); });
}

void Catalog::probe_work() {
    auto cache = ProjectCache::open(folder_);  // none (read-only in-memory project): nothing cached
    while (!quit_.load()) {
        wait_while_held(&held_, &quit_);
        const size_t i = next_.fetch_add(1);
        if (i >= items_.size()) break;
        const Item& it = items_[i];
        Catalogued c;
        c.clip = it.clip;
        if (cache && it.probed) {
            if (auto t = cache->thumbnail(it.clip, it.size, it.mtime)) {
                c.thumbnail = std::move(*t);
                c.from_cache = true;
            }
        }
        if (!c.from_cache) {
            auto r = catalogue_clip(it.file, &held_, &quit_);
            if (r) {
                c = std::move(*r);
                c.clip = it.clip;
            } else {
                c.error = r.error().message;
            }
            if (cache && it.clip > 0) {
                (void)cache->put_media(it.clip, it.size, it.mtime, c.media ? &*c.media : nullptr, c.error);
                if (c.thumbnail) (void)cache->put_thumbnail(it.clip, it.size, it.mtime, *c.thumbnail);
            }
        }
        {
            std::lock_guard lock(mutex_);
            results_.push_back(std::move(c));
            done_.fetch_add(1);
        }
        done_cv_.notify_all();
    }
    // Nothing left to probe: this worker's share of the second pass starts on the scans' pool.
    if (scans_ && !quit_.load()) (void)scan_pool_->submit([this] { scan_work(); });
}

void Catalog::scan_work() {
    // Second pass: artifact scans of every clip not scanned yet, one decoder thread each, held
    // while the player needs the CPU.
    auto cache = ProjectCache::open(folder_);
    while (!quit_.load()) {
        size_t i = next_scan_.fetch_add(1);
        while (i < items_.size() && items_[i].scanned) i = next_scan_.fetch_add(1);
        if (i >= items_.size()) break;
        const Item& it = items_[i];
        analysis::ScanControl control{&quit_, &pause_us_, nullptr};
        auto scan = analysis::scan_clip(it.file.string(), detectors_, 1, control);
        if (quit_.load()) break;
        if (scan) {  // undecodable: no flag count (not "clean"), tried again next time
            Catalogued c;
            c.clip = it.clip;
            c.flags = static_cast<int>(scan->flags.size());
            c.steadiness = scan->steadiness;
            if (cache && it.clip > 0) (void)cache->put_scan(it.clip, it.size, it.mtime, *scan);
            std::lock_guard lock(mutex_);
            results_.push_back(std::move(c));
        }
        // Counted once its result is there: scanned() == to_scan() means take() has them all.
        scanned_.fetch_add(1);
    }
}

Result<analysis::DetectorConfig> project_detectors(const fs::path& folder) {
    const fs::path path = folder / kDetectorsFile;
    std::error_code ec;
    if (!fs::exists(path, ec)) return analysis::DetectorConfig{};
    return analysis::load_detector_config(path.string());
}

Result<void> use_detectors(Project& p, const analysis::DetectorConfig& cfg) {
    const std::string key = std::to_string(analysis::kDetectorVersion) + " " + analysis::to_json(cfg).dump();
    if (p.setting("artifact_detectors") == key) return {};
    return p.reset_flags(key);
}

}  // namespace reelsync::project
