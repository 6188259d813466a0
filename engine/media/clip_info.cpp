#include "media/clip_info.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "media/ffmpeg.h"

namespace reelsync::media {

int64_t FrameIndex::frame_at_pts(int64_t p) const {
    auto it = std::upper_bound(pts.begin(), pts.end(), p);
    if (it == pts.begin()) return 0;
    return static_cast<int64_t>(it - pts.begin()) - 1;
}

int64_t FrameIndex::keyframe_at_or_before(int64_t p) const {
    if (key_pts.empty()) return pts.empty() ? 0 : pts.front();
    auto it = std::upper_bound(key_pts.begin(), key_pts.end(), p);
    if (it == key_pts.begin()) return key_pts.front();
    return *(it - 1);
}

int64_t FrameIndex::keyframe_before(int64_t key) const {
    auto it = std::lower_bound(key_pts.begin(), key_pts.end(), key);
    if (it == key_pts.begin()) return key;
    return *(it - 1);
}

double ClipInfo::origin_seconds() const {
    if (!video || index.pts.empty()) return 0;
    return static_cast<double>(index.pts.front()) * video->time_base.to_double();
}

double ClipInfo::frame_pts_seconds(int64_t frame) const {
    if (!video || index.pts.empty()) return 0;
    frame = std::clamp<int64_t>(frame, 0, frame_count() - 1);
    return static_cast<double>(index.pts[frame] - index.pts.front()) * video->time_base.to_double();
}

double ClipInfo::frame_duration_seconds(int64_t frame) const {
    if (!video || index.pts.empty()) return 0;
    frame = std::clamp<int64_t>(frame, 0, frame_count() - 1);
    int64_t d = frame + 1 < frame_count() ? index.pts[frame + 1] - index.pts[frame] : index.last_duration;
    return static_cast<double>(d) * video->time_base.to_double();
}

int64_t ClipInfo::frame_at_time(double t) const {
    if (!video || index.pts.empty()) return 0;
    double tb = video->time_base.to_double();
    // Exact comparison in the stream time base: floor so that t == pts maps to that frame.
    int64_t p = index.pts.front() + static_cast<int64_t>(std::floor(t / tb + 1e-6));
    return index.frame_at_pts(p);
}

namespace {

std::string or_unknown(const char* s) { return s ? s : "unknown"; }

Rational to_rational(AVRational r) { return Rational{r.num, r.den}; }

double seconds(int64_t ts, AVRational tb) {
    return ts == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ts) * av_q2d(tb);
}

}  // namespace

Result<ClipInfo> probe(const std::string& path, bool allow_audio_only) {
    quiet_ffmpeg_logs();
    auto fmt_r = open_local_media(path);
    if (!fmt_r) return std::unexpected(fmt_r.error());
    AVFormatContext* fmt = fmt_r->get();

    ClipInfo info;
    info.path = path;
    info.container = fmt->iformat->name;
    info.duration_seconds = fmt->duration != AV_NOPTS_VALUE ? static_cast<double>(fmt->duration) / AV_TIME_BASE : 0;
    info.bit_rate = fmt->bit_rate;
    info.container_start_seconds = fmt->start_time != AV_NOPTS_VALUE ? static_cast<double>(fmt->start_time) / AV_TIME_BASE : 0;

    int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    int ai = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    // Cover art is an attached picture, not a clip.
    if (vi >= 0 && (fmt->streams[vi]->disposition & AV_DISPOSITION_ATTACHED_PIC)) vi = -1;

    if (vi >= 0) {
        AVStream* st = fmt->streams[vi];
        AVCodecParameters* par = st->codecpar;
        VideoStreamInfo v;
        v.index = vi;
        v.codec = avcodec_get_name(par->codec_id);
        if (const char* prof = avcodec_profile_name(par->codec_id, par->profile)) v.profile = prof;
        v.width = par->width;
        v.height = par->height;
        if (par->sample_aspect_ratio.num > 0) v.sample_aspect = to_rational(par->sample_aspect_ratio);
        AVRational fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
        if (st->r_frame_rate.num > 0 && st->avg_frame_rate.num > 0 &&
            std::fabs(av_q2d(st->r_frame_rate) - av_q2d(st->avg_frame_rate)) < 0.01)
            fr = st->r_frame_rate;  // the exact nominal rate (24000/1001 rather than a rounded average)
        v.frame_rate = to_rational(fr).reduced();
        v.time_base = to_rational(st->time_base);
        auto pf = static_cast<AVPixelFormat>(par->format);
        v.pixel_format = or_unknown(av_get_pix_fmt_name(pf));
        if (const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(pf)) {
            v.bit_depth = d->comp[0].depth;
            v.chroma_shift_w = d->log2_chroma_w;
            v.chroma_shift_h = d->log2_chroma_h;
        }
        v.color_matrix = or_unknown(av_color_space_name(par->color_space));
        v.color_range = or_unknown(av_color_range_name(par->color_range));
        v.color_primaries = or_unknown(av_color_primaries_name(par->color_primaries));
        v.color_transfer = or_unknown(av_color_transfer_name(par->color_trc));
        v.chroma_location = or_unknown(av_chroma_location_name(par->chroma_location));
        v.start_seconds = seconds(st->start_time, st->time_base);
        info.video = v;
    }
    if (ai >= 0) {
        AVStream* st = fmt->streams[ai];
        AVCodecParameters* par = st->codecpar;
        AudioStreamInfo a;
        a.index = ai;
        a.codec = avcodec_get_name(par->codec_id);
        a.sample_rate = par->sample_rate;
        a.channels = par->ch_layout.nb_channels;
        a.sample_format = or_unknown(av_get_sample_fmt_name(static_cast<AVSampleFormat>(par->format)));
        a.start_seconds = seconds(st->start_time, st->time_base);
        a.initial_padding = par->initial_padding;
        info.audio = a;
    }

    if (!info.video && !allow_audio_only) {
        if (info.audio) return fail(path + ": audio-only file (no video stream to play)");
        return fail(path + ": no video stream");
    }
    if (info.video) {
        // The decoder must exist: an unsupported codec is reported at open time, not at first frame.
        auto dec = open_decoder(path, fmt, vi, 1);
        if (!dec) return std::unexpected(dec.error());
        if (info.video->width <= 0 || info.video->height <= 0)
            return fail(path + ": video stream has no picture size (corrupt header)");
        // Refused before any frame is decoded or a texture made: a header claiming a huge picture
        // (damaged or hostile) would otherwise cost gigabytes per frame. 16K UHD (15360x8640) fits.
        if (info.video->width >= kMaxPictureSide || info.video->height >= kMaxPictureSide)
            return fail(path + ": picture size " + std::to_string(info.video->width) + "x" + std::to_string(info.video->height) +
                        " is larger than reelsync plays (under " + std::to_string(kMaxPictureSide) + " pixels a side)");

        // One demux pass: every packet's presentation time, in presentation order.
        for (unsigned i = 0; i < fmt->nb_streams; ++i)
            fmt->streams[i]->discard = static_cast<int>(i) == vi ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
        PacketPtr pkt(av_packet_alloc());
        int64_t max_dur = 0;
        int64_t last_dts = AV_NOPTS_VALUE;
        int64_t with_pts = 0, without_pts = 0;
        // Each video packet's timestamps as written, in decode order, to judge whether they can be
        // trusted at all.
        struct Written {
            int64_t pts, dts;
            bool key;
        };
        std::vector<Written> written;
        while (true) {
            int err = av_read_frame(fmt, pkt.get());
            if (err == AVERROR_EOF) break;
            if (err < 0) {
                if (written.empty()) return fail(path + ": cannot read video packets: " + av_error_string(err));
                break;  // truncated: keep what was readable
            }
            if (pkt->stream_index == vi) {
                ++(pkt->pts != AV_NOPTS_VALUE ? with_pts : without_pts);
                written.push_back({pkt->pts, pkt->dts, (pkt->flags & AV_PKT_FLAG_KEY) != 0});
                int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
                if (ts == AV_NOPTS_VALUE && last_dts != AV_NOPTS_VALUE) ts = last_dts + std::max<int64_t>(pkt->duration, 1);
                if (ts != AV_NOPTS_VALUE) {
                    info.index.pts.push_back(ts);
                    if (pkt->flags & AV_PKT_FLAG_KEY) info.index.key_pts.push_back(ts);
                    max_dur = std::max(max_dur, pkt->duration);
                    last_dts = ts;
                }
            }
            av_packet_unref(pkt.get());
        }
        if (written.empty()) return fail(path + ": video stream holds no frames");
        // AVI stores no presentation times at all: its timestamps are decode slots.
        info.index.dts_only = without_pts > with_pts || info.container == "avi";
        auto& p = info.index.pts;
        std::sort(p.begin(), p.end());
        const size_t before_unique = p.size();
        p.erase(std::unique(p.begin(), p.end()), p.end());
        auto& k = info.index.key_pts;
        std::sort(k.begin(), k.end());
        k.erase(std::unique(k.begin(), k.end()), k.end());

        // Timestamps that cannot place the frames: none at all (a raw elementary stream), decode
        // times that go backwards (segments joined end to end, a broken capture), or two packets
        // claiming one presentation time. Frames are then numbered in decode order, as FFmpeg
        // counts them, and placed at the nominal rate; the faults are kept for the scan.
        std::string& why = info.index.rebuilt;
        if (p.empty()) why = "no timestamps";
        for (size_t i = 1; i < written.size(); ++i) {
            const int64_t a = written[i - 1].dts, b = written[i].dts;
            if (a != AV_NOPTS_VALUE && b != AV_NOPTS_VALUE && b < a) {
                info.index.timestamp_faults.push_back(static_cast<int64_t>(i));
                if (why.empty()) why = "decode timestamps go back at packet " + std::to_string(i);
            }
        }
        if (before_unique != p.size()) {
            // Within each run of rising decode times (a joined segment repeats the first one's
            // times, but that is one fault, at the join).
            const std::vector<int64_t> joins = info.index.timestamp_faults;
            std::vector<int64_t> seen;
            for (size_t i = 0; i < written.size(); ++i) {
                if (std::binary_search(joins.begin(), joins.end(), static_cast<int64_t>(i)))
                    seen.clear();
                const int64_t ts = written[i].pts;
                if (ts == AV_NOPTS_VALUE) continue;
                auto at = std::lower_bound(seen.begin(), seen.end(), ts);
                if (at != seen.end() && *at == ts) {
                    info.index.timestamp_faults.push_back(static_cast<int64_t>(i));
                    if (why.empty()) why = "packet " + std::to_string(i) + " repeats an earlier presentation timestamp";
                } else {
                    seen.insert(at, ts);
                }
            }
        }
        std::sort(info.index.timestamp_faults.begin(), info.index.timestamp_faults.end());
        info.index.timestamp_faults.erase(std::unique(info.index.timestamp_faults.begin(), info.index.timestamp_faults.end()),
                                          info.index.timestamp_faults.end());
        if (!why.empty()) {
            int64_t step = 0;
            if (info.video->frame_rate.valid())
                step = rescale(1, info.video->frame_rate.den * info.video->time_base.den, info.video->frame_rate.num * info.video->time_base.num);
            if (step <= 0) return fail(path + ": " + why + ", and no frame rate to place the frames at");
            int64_t first = INT64_MAX;  // the earliest presentation time among the first packets
            for (size_t i = 0; i < std::min<size_t>(written.size(), 16); ++i)
                if (written[i].pts != AV_NOPTS_VALUE) first = std::min(first, written[i].pts);
            if (first == INT64_MAX) first = 0;
            p.clear();
            k.clear();
            for (size_t i = 0; i < written.size(); ++i) {
                // Exact to the time base's tick (Matroska's millisecond cannot hold 1/30 s).
                p.push_back(first + rescale(static_cast<int64_t>(i), info.video->frame_rate.den * info.video->time_base.den,
                                            info.video->frame_rate.num * info.video->time_base.num));
                if (written[i].key) k.push_back(p.back());
            }
            max_dur = step;
            info.index.dts_only = true;
        }
        if (k.empty() || k.front() > p.front()) k.insert(k.begin(), p.front());
        if (max_dur <= 0) {
            max_dur = p.size() > 1 ? p[p.size() - 1] - p[p.size() - 2] : 0;
            if (max_dur <= 0 && info.video->frame_rate.valid())
                max_dur = rescale(1, info.video->frame_rate.den * info.video->time_base.den,
                                  info.video->frame_rate.num * info.video->time_base.num);
        }
        info.index.last_duration = std::max<int64_t>(max_dur, 1);
        info.video->frame_count = static_cast<int64_t>(p.size());
        if (!info.video->frame_rate.valid() && p.size() > 1) {
            // No nominal rate: derive one from the mean spacing.
            double span = static_cast<double>(p.back() - p.front()) * info.video->time_base.to_double();
            info.video->frame_rate = Rational{static_cast<int64_t>(std::llround((p.size() - 1) / span * 1000)), 1000}.reduced();
        }
    }
    return info;
}

nlohmann::json to_json(const ClipInfo& info) {
    nlohmann::json j;
    j["file"] = info.path;
    j["container"] = info.container;
    j["duration"] = info.duration_seconds;
    j["bit_rate"] = info.bit_rate;
    j["start_time"] = info.container_start_seconds;
    if (info.video) {
        const auto& v = *info.video;
        j["video"] = {
            {"stream", v.index},
            {"codec", v.codec},
            {"profile", v.profile},
            {"width", v.width},
            {"height", v.height},
            {"sample_aspect_ratio", v.sample_aspect.str()},
            {"frame_rate", v.frame_rate.str()},
            {"frame_rate_value", v.frame_rate.to_double()},
            {"time_base", v.time_base.str()},
            {"frame_count", v.frame_count},
            {"pixel_format", v.pixel_format},
            {"bit_depth", v.bit_depth},
            {"chroma_subsampling", v.chroma_shift_w == 1 ? (v.chroma_shift_h == 1 ? "4:2:0" : "4:2:2") : "4:4:4"},
            {"color_matrix", v.color_matrix},
            {"color_range", v.color_range},
            {"color_primaries", v.color_primaries},
            {"color_transfer", v.color_transfer},
            {"chroma_location", v.chroma_location},
            {"start_time", v.start_seconds},
        };
        if (!info.index.rebuilt.empty())
            j["video"]["timestamps"] = info.index.rebuilt + ": frames numbered in decode order at the nominal rate";
    } else {
        j["video"] = nullptr;
    }
    if (info.audio) {
        const auto& a = *info.audio;
        j["audio"] = {{"stream", a.index},        {"codec", a.codec},
                      {"sample_rate", a.sample_rate}, {"channels", a.channels},
                      {"sample_format", a.sample_format}, {"start_time", a.start_seconds},
                      {"initial_padding", a.initial_padding}};
    } else {
        j["audio"] = nullptr;
    }
    return j;
}

}  // namespace reelsync::media
