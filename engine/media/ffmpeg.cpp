#include "media/ffmpeg.h"

#include <sys/stat.h>

#include "core/log.h"

namespace reelsync::media {

namespace {
// Demuxers for local media files. Playlist and meta formats (hls, dash, concat, tee, sdp, image2
// patterns ...) are deliberately absent: they open further URLs named inside the file.
constexpr const char* kFormatWhitelist =
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,mpegvideo,flv,ogg,wav,w64,aiff,mp3,aac,flac,"
    "h264,hevc,m4v,ivf,mxf,gif,asf,nut,yuv4mpegpipe,png_pipe,jpeg_pipe,bmp_pipe,tiff_pipe,webp_pipe,"
    "caf,au,amr,ac3,eac3,dts,truehd,vc1,dirac,dnxhd,obu,av1";
}  // namespace

std::string av_error_string(int err) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(err, buf, sizeof buf);
    return buf;
}

void quiet_ffmpeg_logs() {
    av_log_set_level(log::level() >= log::Level::debug ? AV_LOG_WARNING : AV_LOG_QUIET);
}

Result<FormatPtr> open_local_media(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return fail(path + ": no such file");
    if (!S_ISREG(st.st_mode)) return fail(path + ": not a regular file");
    if (st.st_size == 0) return fail(path + ": empty file");

    AVDictionary* opts = nullptr;
    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    av_dict_set(&opts, "format_whitelist", kFormatWhitelist, 0);
    AVFormatContext* raw = avformat_alloc_context();
    if (!raw) return fail(path + ": out of memory");
    raw->flags |= AVFMT_FLAG_GENPTS;
    // "file:" so that a name with a colon is never taken for another protocol.
    std::string url = "file:" + path;
    int err = avformat_open_input(&raw, url.c_str(), nullptr, &opts);
    av_dict_free(&opts);
    if (err < 0) {
        if (err == AVERROR_INVALIDDATA) return fail(path + ": not a media file reelsync can read (unrecognised or corrupt data)");
        if (err == AVERROR(EINVAL)) return fail(path + ": refused: not a plain media file (playlists and references to other files are not opened)");
        return fail(path + ": cannot open: " + av_error_string(err));
    }
    FormatPtr fmt(raw);
    err = avformat_find_stream_info(fmt.get(), nullptr);
    if (err < 0) return fail(path + ": cannot read stream information: " + av_error_string(err));
    return fmt;
}

Result<CodecPtr> open_decoder(const std::string& path, AVFormatContext* fmt, int index, int threads) {
    AVStream* st = fmt->streams[index];
    const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) {
        const char* name = avcodec_get_name(st->codecpar->codec_id);
        return fail(path + ": unsupported codec '" + (name ? name : "unknown") + "' (no decoder available)");
    }
    CodecPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) return fail(path + ": out of memory");
    int err = avcodec_parameters_to_context(ctx.get(), st->codecpar);
    if (err < 0) return fail(path + ": bad codec parameters: " + av_error_string(err));
    ctx->pkt_timebase = st->time_base;
    ctx->thread_count = threads;
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    err = avcodec_open2(ctx.get(), codec, nullptr);
    if (err < 0) return fail(path + ": cannot open the " + codec->name + " decoder: " + av_error_string(err));
    return ctx;
}

}  // namespace reelsync::media
