#include "media/video_decoder.h"

#include <algorithm>

#include "core/log.h"

namespace reelsync::media {

bool renderable_format(AVPixelFormat fmt) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
    if (!d || d->nb_components < 3) return false;
    if (!(d->flags & AV_PIX_FMT_FLAG_PLANAR) || (d->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_PAL |
                                                            AV_PIX_FMT_FLAG_BAYER | AV_PIX_FMT_FLAG_FLOAT)))
        return false;
    int depth = d->comp[0].depth;
    if (depth > 8 && (d->flags & AV_PIX_FMT_FLAG_BE)) return false;
    bool seen[4] = {};
    for (int c = 0; c < 3; ++c) {
        const AVComponentDescriptor& comp = d->comp[c];
        if (comp.depth != depth || comp.shift != 0 || comp.offset != 0 || comp.plane > 2 || seen[comp.plane]) return false;
        if (comp.step != (depth > 8 ? 2 : 1)) return false;
        seen[comp.plane] = true;
    }
    return true;
}

AVPixelFormat renderable_target(AVPixelFormat fmt) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(fmt);
    bool deep = d && d->comp[0].depth > 8;
    if (d && (d->flags & AV_PIX_FMT_FLAG_RGB)) return deep ? AV_PIX_FMT_GBRP16LE : AV_PIX_FMT_GBRP;
    int sw = d && d->nb_components >= 3 ? d->log2_chroma_w : 0;
    int sh = d && d->nb_components >= 3 ? d->log2_chroma_h : 0;
    if (sw == 1 && sh == 1) return deep ? AV_PIX_FMT_YUV420P16LE : AV_PIX_FMT_YUV420P;
    if (sw == 1 && sh == 0) return deep ? AV_PIX_FMT_YUV422P16LE : AV_PIX_FMT_YUV422P;
    return deep ? AV_PIX_FMT_YUV444P16LE : AV_PIX_FMT_YUV444P;
}

Result<std::unique_ptr<VideoDecoder>> VideoDecoder::open(const std::string& path, Options opts) {
    auto info = probe(path);
    if (!info) return std::unexpected(info.error());
    std::unique_ptr<VideoDecoder> d(new VideoDecoder());
    d->info_ = std::move(*info);
    d->threads_ = opts.threads;
    d->pkt_.reset(av_packet_alloc());
    if (auto r = d->restart(); !r) return std::unexpected(r.error());
    if (!d->info_.index.rebuilt.empty()) {
        d->count_frames_ = true;  // no timestamp to number the frames by
    } else if (d->info_.index.dts_only) {
        // Does the decoder reorder? Decode up to the first frame out and look, then start again.
        FramePtr f;
        (void)d->decode_one(f);
        d->count_frames_ = d->codec_->has_b_frames > 0;
        if (auto r = d->restart(); !r) return std::unexpected(r.error());
    }
    return d;
}

Result<void> VideoDecoder::restart() {
    const int vi = info_.video->index;
    auto fmt = open_local_media(info_.path);
    if (!fmt) return std::unexpected(fmt.error());
    fmt_ = std::move(*fmt);
    for (unsigned i = 0; i < fmt_->nb_streams; ++i) fmt_->streams[i]->discard = static_cast<int>(i) == vi ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    auto codec = open_decoder(info_.path, fmt_.get(), vi, threads_);
    if (!codec) return std::unexpected(codec.error());
    codec_ = std::move(*codec);
    input_eof_ = flushed_ = false;
    next_count_ = 0;
    return {};
}

Result<void> VideoDecoder::seek_counted(int64_t frame) {
    if (frame < next_count_)
        if (auto r = restart(); !r) return r;
    while (true) {
        FramePtr f;
        auto got = decode_one(f);
        if (!got) return std::unexpected(got.error());
        if (!*got) return fail(info_.path + ": cannot decode frame " + std::to_string(frame) + " (the file ends at frame " + std::to_string(next_count_) + ")");
        if (next_count_ < frame) {
            ++next_count_;
            continue;
        }
        auto conv = convert(std::move(f));
        if (!conv) return std::unexpected(conv.error());
        pending_ = wrap(std::move(*conv));
        return {};
    }
}

Result<bool> VideoDecoder::decode_one(FramePtr& out) {
    out.reset(av_frame_alloc());
    int vi = info_.video->index;
    int consecutive_errors = 0;
    while (true) {
        int err = avcodec_receive_frame(codec_.get(), out.get());
        if (err == 0) return true;
        if (err == AVERROR_EOF) return false;
        if (err != AVERROR(EAGAIN)) {
            // A broken frame: count it and keep going; the clip plays on with its neighbours.
            ++corrupt_packets_;
            if (++consecutive_errors > 64) return fail(info_.path + ": too many undecodable frames: " + av_error_string(err));
            continue;
        }
        if (input_eof_) {
            if (flushed_) return false;
            avcodec_send_packet(codec_.get(), nullptr);
            flushed_ = true;
            continue;
        }
        err = av_read_frame(fmt_.get(), pkt_.get());
        if (err < 0) {
            // EOF, or a truncated/corrupt tail: drain what the decoder holds.
            input_eof_ = true;
            continue;
        }
        if (pkt_->stream_index != vi) {
            av_packet_unref(pkt_.get());
            continue;
        }
        int64_t ts = pkt_->pts != AV_NOPTS_VALUE ? pkt_->pts : pkt_->dts;
        // hr-seek frame dropping: a non-reference frame before the target is never shown.
        codec_->skip_frame = (skip_before_pts_ != INT64_MIN && ts != AV_NOPTS_VALUE && ts < skip_before_pts_)
                                 ? AVDISCARD_NONREF
                                 : AVDISCARD_DEFAULT;
        err = avcodec_send_packet(codec_.get(), pkt_.get());
        av_packet_unref(pkt_.get());
        if (err < 0 && err != AVERROR(EAGAIN)) {
            ++corrupt_packets_;
            if (++consecutive_errors > 64) return fail(info_.path + ": too many undecodable packets: " + av_error_string(err));
        }
    }
}

Result<FramePtr> VideoDecoder::convert(FramePtr f) {
    auto src = static_cast<AVPixelFormat>(f->format);
    if (renderable_format(src)) return f;
    AVPixelFormat dst = renderable_target(src);
    sws_.reset(sws_getCachedContext(sws_.release(), f->width, f->height, src, f->width, f->height, dst,
                                    SWS_POINT | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
    if (!sws_) return fail(info_.path + ": cannot convert pixel format " + av_get_pix_fmt_name(src));
    // Keep the range: this is a repacking, not a colour conversion.
    int full = f->color_range == AVCOL_RANGE_JPEG;
    const int* coefs = sws_getCoefficients(f->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT);
    sws_setColorspaceDetails(sws_.get(), coefs, full, coefs, full, 0, 1 << 16, 1 << 16);
    FramePtr out(av_frame_alloc());
    out->format = dst;
    out->width = f->width;
    out->height = f->height;
    if (av_frame_get_buffer(out.get(), 0) < 0) return fail(info_.path + ": out of memory");
    sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, out->data, out->linesize);
    av_frame_copy_props(out.get(), f.get());
    return out;
}

VideoFrame VideoDecoder::wrap(FramePtr f) {
    VideoFrame v;
    int64_t ts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    v.index = count_frames_ ? std::min(next_count_++, info_.frame_count() - 1) : ts == AV_NOPTS_VALUE ? 0 : info_.index.frame_at_pts(ts);
    v.pts = info_.frame_pts_seconds(v.index);
    v.duration = info_.frame_duration_seconds(v.index);
    v.picture = std::shared_ptr<AVFrame>(f.release(), FrameFreer{});
    return v;
}

Result<void> VideoDecoder::seek(int64_t frame) {
    pending_.reset();
    frame = std::clamp<int64_t>(frame, 0, info_.frame_count() - 1);
    if (count_frames_) return seek_counted(frame);
    const FrameIndex& idx = info_.index;
    const int64_t target_pts = idx.pts[frame];
    const int vi = info_.video->index;
    int64_t key = idx.keyframe_at_or_before(target_pts);
    // Seek to the keyframe before the target and decode forward. If the first frame out is already
    // past the target (a container that lands late, an open GOP), try the keyframe before that;
    // before the first keyframe, start the file again and decode from its first packet (MPEG-TS
    // seeks by decode time, so a seek to the first keyframe's presentation time lands after it).
    bool from_start = false;
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (from_start) {
            if (auto r = restart(); !r) return r;
        } else {
            avcodec_flush_buffers(codec_.get());
            input_eof_ = flushed_ = false;
            int err = avformat_seek_file(fmt_.get(), vi, INT64_MIN, key, key, 0);
            if (err < 0) err = av_seek_frame(fmt_.get(), vi, key, AVSEEK_FLAG_BACKWARD);
            if (err < 0) return fail(info_.path + ": seek failed: " + av_error_string(err));
        }
        const bool earliest = from_start || attempt == 7;
        skip_before_pts_ = target_pts;
        std::optional<VideoFrame> found;
        bool late = false;
        while (true) {
            FramePtr f;
            auto got = decode_one(f);
            if (!got) {
                skip_before_pts_ = INT64_MIN;
                return std::unexpected(got.error());
            }
            if (!*got) break;  // end of stream before the target
            int64_t ts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
            int64_t at = idx.frame_at_pts(ts);
            if (at < frame) continue;  // before the target: decoded only as a reference
            if (at > frame && !earliest) {
                late = true;
                break;
            }
            // The target, or (from the earliest start) the first decodable frame after it.
            auto conv = convert(std::move(f));
            if (!conv) {
                skip_before_pts_ = INT64_MIN;
                return std::unexpected(conv.error());
            }
            found = wrap(std::move(*conv));
            break;
        }
        skip_before_pts_ = INT64_MIN;
        if (found) {
            pending_ = std::move(found);
            return {};
        }
        if (!late && earliest) break;
        if (key == idx.pts.front()) from_start = true;
        else key = idx.keyframe_before(key);
    }
    return fail(info_.path + ": cannot decode frame " + std::to_string(frame));
}

Result<std::optional<VideoFrame>> VideoDecoder::next() {
    if (pending_) {
        std::optional<VideoFrame> out = std::move(pending_);
        pending_.reset();
        return out;
    }
    FramePtr f;
    auto got = decode_one(f);
    if (!got) return std::unexpected(got.error());
    if (!*got) return std::optional<VideoFrame>{};
    auto conv = convert(std::move(f));
    if (!conv) return std::unexpected(conv.error());
    return std::optional<VideoFrame>(wrap(std::move(*conv)));
}

}  // namespace reelsync::media
