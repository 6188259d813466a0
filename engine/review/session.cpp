#include "review/session.h"

#include <algorithm>
#include <cstdio>

#include "core/log.h"

namespace reelsync::review {

void Session::start_scan() {
    scan_.reset();
    if (edit_) return;  // an edit's shots are clips of the project, scanned when viewed
    if (stored_scan) {
        scan_ = std::make_unique<BackgroundScan>(std::move(*stored_scan));
    } else {
        const std::string path = reader_ ? reader_->info().path : opts_.files[clip_];
        const int64_t frames = reader_ ? reader_->info().frame_count() : 0;
        const double fps = reader_ && reader_->info().video ? reader_->info().video->frame_rate.to_double() : 0.0;
        scan_ = std::make_unique<BackgroundScan>(path, detectors, background_, live_, frames, fps);
    }
    stored_scan.reset();
}

Session::~Session() {
    scan_.reset();
    player_.reset();
    clock_.reset();
    reader_.reset();
    if (output_) output_->stop();
}

Result<void> Session::start() {
    if (!opts_.stats_path.empty())
        if (auto r = stats_.open(opts_.stats_path); !r) return r;
    if (opts_.no_audio) {
        audio_status_ = "audio off (--no-audio): timer clock";
    } else {
        auto out = audio::AudioOutput::open({opts_.audio_device, 2, 256});
        if (out) {
            output_ = std::move(*out);
            audio_status_ = "audio: " + output_->device_name();
        } else {
            audio_status_ = out.error().message + ": playing on the timer clock";
            std::fprintf(stderr, "reelsync: %s\n", audio_status_.c_str());
        }
    }
    if (!opts_.audio_track.empty()) {
        int rate = output_ ? output_->sample_rate() : 48000;
        int ch = output_ ? output_->channels() : 2;
        auto t = media::decode_audio(opts_.audio_track, rate, ch, 0.0);
        if (!t) return std::unexpected(t.error());
        music_ = std::make_shared<const media::AudioTrack>(std::move(*t));
    }
    return {};
}

media::ClipReader::Options Session::reader_options() const {
    media::ClipReader::Options ro;
    ro.threads = opts_.decoder_threads;
    ro.cache_bytes = static_cast<size_t>(std::max(0, opts_.cache_mb)) << 20;
    return ro;
}

media::ClipReader::Options Session::live_reader_options(std::shared_ptr<analysis::LiveMeasures>& live) const {
    media::ClipReader::Options ro = reader_options();
    live.reset();
    if (!scan_clips) return ro;
    live = std::make_shared<analysis::LiveMeasures>();
    ro.on_frame = [m = live](const media::VideoFrame& f) { m->add(*f.picture, f.index, f.pts); };
    return ro;
}

Result<void> Session::open_clip(size_t i) {
    media::ClipReader::Options ro = live_reader_options(next_live);
    auto reader = media::ClipReader::open(opts_.files[i], ro);
    if (!reader) return std::unexpected(reader.error());
    std::shared_ptr<const media::AudioTrack> track = music_;
    if (!track && output_ && (*reader)->info().audio) {
        auto t = media::decode_audio(opts_.files[i], output_->sample_rate(), output_->channels(), (*reader)->info().origin_seconds());
        if (t) track = std::make_shared<const media::AudioTrack>(std::move(*t));
        else RS_LOG_WARN("%s", t.error().message.c_str());
    }
    player_.reset();
    clock_.reset();
    reader_ = std::move(*reader);
    live_ = std::move(next_live);
    edit_ = nullptr;
    clip_ = i;
    if (scan_ || scan_clips) start_scan();  // the overlay shows this clip's flags
    start_player(track);
    if (!opts_.paused) player_->play();
    return {};
}

void Session::retire_reader() {
    compare_.reset();  // whatever comes next is not this compare
    stats_.set_layout("");
    if (reader_) (void)helpers_.submit([r = std::shared_ptr<media::FrameSource>(std::move(reader_))]() mutable { r.reset(); });
}

void Session::show_clip(std::unique_ptr<media::ClipReader> reader, std::shared_ptr<const media::AudioTrack> track, bool play) {
    const bool scanning = scan_ != nullptr;
    scan_.reset();
    player_.reset();
    clock_.reset();
    retire_reader();
    reader_ = std::move(reader);
    live_ = std::move(next_live);
    edit_ = nullptr;
    start_player(std::move(track));
    if (scanning || scan_clips) start_scan();  // the overlay shows this clip's flags
    if (play) player_->play();
}

void Session::start_player(std::shared_ptr<const media::AudioTrack> track) {
    if (output_) {
        // The stream keeps running across clips: only the track changes (no device restart).
        output_->set_playing(false);
        output_->set_track(std::move(track));
        if (auto st = output_->start(); !st) {
            audio_status_ = st.error().message + ": playing on the timer clock";
            std::fprintf(stderr, "reelsync: %s\n", audio_status_.c_str());
            output_.reset();
        }
    }
    clock_ = std::make_unique<audio::MasterClock>(output_.get());
    player_ = std::make_unique<timeline::Player>(*reader_, *clock_, stats_);
    if (opts_.loop) {  // --loop: on a clip, the edit or a compare alike
        player_->set_loop(opts_.loop);
        player_->seek_frame(opts_.loop->first);  // a loop plays from its in-point
    }
}

Result<void> Session::open_edit(const std::vector<timeline::ShotSpec>& shots, const std::string& name, bool play) {
    auto e = timeline::EditReader::open(shots, reader_options(), &helpers_);
    if (!e) return std::unexpected(e.error());
    show_edit(std::move(*e), name, play);
    return {};
}

std::function<Result<Session::CompareOpening>()> Session::open_compare_job(const std::vector<timeline::TakeSpec>& takes) const {
    const int rate = output_ ? output_->sample_rate() : 0, channels = output_ ? output_->channels() : 0;
    return [takes, ro = reader_options(), music = music_, rate, channels]() -> Result<CompareOpening> {
        auto c = timeline::CompareSource::open(takes, ro);
        if (!c) return std::unexpected(c.error());
        CompareOpening o{std::move(*c), music, takes.size()};
        // The song when there is one, else the first take's own sound.
        if (!o.track && rate > 0 && o.reader->take_info(0).audio) {
            auto t = media::decode_audio(takes[0].path, rate, channels, o.reader->take_info(0).origin_seconds());
            if (t) o.track = std::make_shared<const media::AudioTrack>(std::move(*t));
            else RS_LOG_WARN("%s", t.error().message.c_str());
        }
        return o;
    };
}

Result<void> Session::open_compare(const std::vector<timeline::TakeSpec>& takes, bool play) {
    auto c = open_compare_job(takes)();
    if (!c) return std::unexpected(c.error());
    show_compare(std::move(*c), play);
    return {};
}

void Session::show_compare(CompareOpening c, bool play) {
    scan_.reset();
    player_.reset();
    clock_.reset();
    retire_reader();
    edit_ = nullptr;
    reader_ = std::move(c.reader);
    live_.reset();
    start_player(c.track);
    render::CompareLayout l;
    l.views = static_cast<int>(c.takes);
    l.mode = opts_.compare_mode;
    set_compare(l);
    if (play && !opts_.paused) player_->play();
}

void Session::set_compare(const render::CompareLayout& l) {
    compare_ = l;
    compare_->views = std::clamp(l.views, 1, render::kMaxViews);
    compare_->shown = std::clamp(l.shown, 0, compare_->views - 1);
    compare_->split = std::clamp(l.split, 0.0f, 1.0f);
    stats_.set_layout(render::to_string(compare_->mode), compare_->mode == render::CompareMode::flip ? compare_->shown : -1);
    if (player_) player_->request_redraw();
}

void Session::show_edit(std::unique_ptr<timeline::EditReader> e, const std::string& name, bool play) {
    scan_.reset();
    player_.reset();
    clock_.reset();
    retire_reader();
    edit_ = e.get();
    reader_ = std::move(e);
    live_.reset();
    edit_name_ = name;
    start_player(music_);  // an edit plays against the song
    if (play && !opts_.paused) player_->play();
}

}  // namespace reelsync::review
