#include "media/audio_track.h"

#include <algorithm>
#include <cmath>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include "media/ffmpeg.h"

namespace reelsync::media {

namespace {
struct SwrFreer { void operator()(SwrContext* s) const { swr_free(&s); } };
}

Result<AudioTrack> decode_audio(const std::string& path, int sample_rate, int channels, double origin_seconds) {
    quiet_ffmpeg_logs();
    auto fmt_r = open_local_media(path);
    if (!fmt_r) return std::unexpected(fmt_r.error());
    AVFormatContext* fmt = fmt_r->get();
    int ai = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (ai < 0) return fail(path + ": no audio stream");
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
        fmt->streams[i]->discard = static_cast<int>(i) == ai ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    auto codec_r = open_decoder(path, fmt, ai, 1);
    if (!codec_r) return std::unexpected(codec_r.error());
    AVCodecContext* codec = codec_r->get();
    AVStream* st = fmt->streams[ai];

    AudioTrack track;
    track.path = path;
    track.sample_rate = sample_rate;
    track.channels = channels;

    AVChannelLayout out_layout;
    av_channel_layout_default(&out_layout, channels);
    std::unique_ptr<SwrContext, SwrFreer> swr;
    PacketPtr pkt(av_packet_alloc());
    FramePtr frame(av_frame_alloc());
    std::vector<float> block;
    bool placed = false;
    int64_t write_pos = 0;  // in output sample frames
    bool input_eof = false;
    int errors = 0;

    auto append = [&](const float* data, int64_t n, int64_t at) {
        // Samples before clip time 0 are dropped; a gap before `at` is silence.
        int64_t skip = at < 0 ? -at : 0;
        if (skip >= n) return;
        at = std::max<int64_t>(at, 0);
        size_t need = static_cast<size_t>((at + n - skip) * channels);
        if (track.samples.size() < need) track.samples.resize(need, 0.0f);
        std::copy(data + skip * channels, data + n * channels, track.samples.begin() + at * channels);
    };

    while (true) {
        int err = avcodec_receive_frame(codec, frame.get());
        if (err == AVERROR_EOF) break;
        if (err == AVERROR(EAGAIN)) {
            if (input_eof) break;
            err = av_read_frame(fmt, pkt.get());
            if (err < 0) {
                input_eof = true;
                avcodec_send_packet(codec, nullptr);
                continue;
            }
            if (pkt->stream_index == ai && avcodec_send_packet(codec, pkt.get()) < 0 && ++errors > 256)
                return fail(path + ": audio stream is corrupt");
            av_packet_unref(pkt.get());
            continue;
        }
        if (err < 0) {
            if (++errors > 256) return fail(path + ": audio stream is corrupt");
            continue;
        }
        if (!swr) {
            SwrContext* raw = nullptr;
            if (swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_FLT, sample_rate, &frame->ch_layout,
                                    static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr) < 0 ||
                swr_init(raw) < 0) {
                swr_free(&raw);
                return fail(path + ": cannot resample its audio");
            }
            swr.reset(raw);
        }
        if (!placed) {
            int64_t ts = frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : frame->pts;
            double t = ts != AV_NOPTS_VALUE ? static_cast<double>(ts) * av_q2d(st->time_base) : 0.0;
            write_pos = std::llround((t - origin_seconds) * sample_rate);
            placed = true;
        }
        int cap = swr_get_out_samples(swr.get(), frame->nb_samples);
        block.resize(static_cast<size_t>(std::max(cap, 0) + 64) * channels);
        uint8_t* out[] = {reinterpret_cast<uint8_t*>(block.data())};
        int n = swr_convert(swr.get(), out, cap + 64, const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples);
        if (n > 0) {
            append(block.data(), n, write_pos);
            write_pos += n;
        }
        av_frame_unref(frame.get());
    }
    if (swr) {
        block.resize(static_cast<size_t>(4096) * channels);
        uint8_t* out[] = {reinterpret_cast<uint8_t*>(block.data())};
        int n = swr_convert(swr.get(), out, 4096, nullptr, 0);
        if (n > 0) append(block.data(), n, write_pos);
    }
    av_channel_layout_uninit(&out_layout);
    if (!placed) return fail(path + ": audio stream holds no decodable audio");
    return track;
}

}  // namespace reelsync::media
