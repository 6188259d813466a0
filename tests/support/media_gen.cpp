#include "support/media_gen.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

namespace reelsync::testing {

// Both can be overridden from the environment, to run the built tests from another folder.
std::string media_dir() {
    const char* env = std::getenv("REELSYNC_TEST_MEDIA_DIR");
    fs::path d = fs::path(env && *env ? env : REELSYNC_TEST_MEDIA_DIR);
    fs::create_directories(d);
    return d.string();
}

std::string reelsync_binary() {
    const char* env = std::getenv("REELSYNC_BINARY");
    return env && *env ? env : REELSYNC_BINARY;
}

std::string timeout_command(int seconds) {
#ifdef REELSYNC_TIMEOUT_SCALE
    seconds *= REELSYNC_TIMEOUT_SCALE;
#endif
    return "timeout " + std::to_string(seconds) + " ";
}

int run_command(const std::string& cmd, std::string* output) {
    std::string full = cmd + " 2>&1";
    FILE* p = popen(full.c_str(), "r");
    if (!p) return -1;
    std::array<char, 4096> buf;
    std::string out;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    int status = pclose(p);
    if (output) *output = out;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string generate(const std::string& name, const std::string& ffmpeg_args) {
    fs::path out = fs::path(media_dir()) / name;
    if (fs::exists(out)) return out.string();
    fs::path tmp = fs::path(media_dir()) / (".tmp-" + std::to_string(getpid()) + "-" + name);
    std::string cmd = "ffmpeg -nostdin -v error -y " + ffmpeg_args + " '" + tmp.string() + "'";
    std::string log;
    int rc = run_command(cmd, &log);
    if (rc != 0) {
        fs::remove(tmp);
        ADD_FAILURE() << "generating " << name << " failed (" << rc << "): " << cmd << "\n" << log;
        return out.string();
    }
    fs::rename(tmp, out);
    return out.string();
}

std::string indexed_clip(const IndexedSpec& s) {
    // Cell k (20 px wide) of the top 40 rows is white when bit k of the frame number N is set.
    std::string geq =
        "geq=lum='if(lt(Y,40),if(mod(floor(N/pow(2,floor(X*16/W))),2),235,16),lum(X,Y))'"
        ":cb='if(lt(Y,40),128,cb(X,Y))':cr='if(lt(Y,40),128,cr(X,Y))'";
    std::string vf = "format=yuv444p," + geq;
    if (!s.extra_filters.empty()) vf += "," + s.extra_filters;
    std::string args = "-f lavfi -i testsrc2=s=" + std::to_string(s.width) + "x" + std::to_string(s.height) + ":r=" + s.rate +
                       " -frames:v " + std::to_string(s.frames) + " -vf \"" + vf + "\" -pix_fmt " + s.pix_fmt + " " +
                       s.codec_args;
    return generate(s.name, args);
}

std::string flash_click_clip() {
    return generate("sync_flash_click.mkv",
                    "-f lavfi -i \"color=c=0x202020:s=320x240:r=30:d=10,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:"
                    "enable='eq(mod(n\\,30)\\,0)'\" -f lavfi -i \"aevalsrc='if(lt(mod(t\\,1)\\,0.002)\\,0.9\\,0)':s=48000:d=10\" "
                    "-c:v libx264 -preset veryfast -g 30 -c:a pcm_s16le");
}

std::vector<BrokenTimestampClip> broken_timestamp_clips() {
    const std::string raw = indexed_clip({"ts_raw_bframes.h264", "-c:v libx264 -preset veryfast -bf 3 -g 30", "30", 90});
    const std::string plain = indexed_clip({"ts_plain.mkv", "-c:v libx264 -preset veryfast -bf 0 -g 30", "30", 90});
    // Matroska keeps an equal time as written (it allows non-strict timestamps).
    const std::string repeated = generate("ts_repeated.mkv", "-i '" + plain + "' -c copy -bsf:v \"setts=ts=if(eq(N\\,10)\\,PREV_OUTPTS\\,TS)\"");
    const std::string a = indexed_clip({"ts_segment_a.ts", "-c:v libx264 -preset veryfast -bf 2 -g 30", "30", 60});
    // Frames 60-119 of the same indexed source, its times starting again where the first did.
    const std::string b = indexed_clip({"ts_segment_b.ts", "-c:v libx264 -preset veryfast -bf 2 -g 30", "30", 60, 320, 240, "yuv420p",
                                        "trim=start_frame=60,setpts=PTS-STARTPTS"});
    const fs::path joined = fs::path(media_dir()) / "ts_joined.ts";
    if (!fs::exists(joined)) {
        std::string bytes;
        for (const std::string& part : {a, b}) {
            std::ifstream in(part, std::ios::binary);
            bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        const fs::path tmp = fs::path(media_dir()) / (".tmp-" + std::to_string(getpid()) + "-ts_joined.ts");
        std::ofstream(tmp, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        fs::rename(tmp, joined);
    }
    return {{"raw_h264_no_timestamps", raw, 90, {}}, {"repeated_time", repeated, 90, {10}}, {"joined_ts_segments", joined.string(), 120, {60}}};
}

int64_t variable_rate_ticks(int64_t n) { return 100 * n + 60 * (n / 4) + (n >= 60 ? 750 : 0); }

std::string variable_rate_clip() {
    // The times are written in ticks of 1/3000 s through the filters and the encoder, so none is
    // rounded to the source's 1/30 s.
    return indexed_clip({"vfr_indexed.mp4",
                         "-fps_mode passthrough -enc_time_base 1:3000 -video_track_timescale 3000 -c:v libx264 -preset veryfast -bf 3 -g 30",
                         "30", 90, 320, 240, "yuv420p", "settb=1/3000,setpts='100*N+60*floor(N/4)+if(gte(N\\,60)\\,750\\,0)'"});
}

std::vector<std::string> mixed_clips() {
    return {
        indexed_clip({"mixed_h264_30.mp4", "-c:v libx264 -preset veryfast -bf 2 -g 24", "30", 72, 320, 240}),
        indexed_clip({"mixed_hevc_25.mkv", "-c:v libx265 -preset ultrafast -x265-params log-level=error -g 20", "25", 72, 480, 270}),
        indexed_clip({"mixed_vp9_24.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 24", "24", 72, 320, 180}),
        indexed_clip({"mixed_mpeg4_2997.avi", "-c:v mpeg4 -q:v 3 -g 15", "30000/1001", 72, 352, 288}),
        indexed_clip({"mixed_prores_23976.mov", "-c:v prores_ks -profile:v 2", "24000/1001", 72, 320, 240, "yuv422p10le"}),
        indexed_clip({"mixed_mjpeg_50.mkv", "-c:v mjpeg -q:v 3", "50", 72, 256, 144, "yuvj420p"}),
        indexed_clip({"mixed_h264_444_25.mp4", "-c:v libx264 -preset veryfast -g 25", "25", 72, 400, 300, "yuv444p"}),
        indexed_clip({"mixed_h264_60.mp4", "-c:v libx264 -preset veryfast -g 60", "60", 72, 640, 360}),
    };
}

int64_t read_index_rgba(const std::vector<uint8_t>& rgba, uint32_t width, uint32_t height) {
    if (rgba.size() < static_cast<size_t>(width) * height * 4 || height < 40) return -1;
    int64_t v = 0;
    for (int k = 0; k < 16; ++k) {
        uint32_t x = static_cast<uint32_t>((k * 2 + 1) * width / 32);
        uint32_t y = 20;
        const uint8_t* px = &rgba[(static_cast<size_t>(y) * width + x) * 4];
        int lum = (px[0] + px[1] + px[2]) / 3;
        if (lum > 128) v |= int64_t{1} << k;
    }
    return v;
}

int64_t read_index_luma(const uint8_t* data, int linesize, int width, int bps, int depth) {
    int64_t v = 0;
    double mid = 128.0 * (1 << (depth - 8));
    for (int k = 0; k < 16; ++k) {
        int x = (k * 2 + 1) * width / 32;
        const uint8_t* row = data + static_cast<ptrdiff_t>(20) * linesize;
        double val = bps == 2 ? static_cast<double>(reinterpret_cast<const uint16_t*>(row)[x]) : static_cast<double>(row[x]);
        if (val > mid) v |= int64_t{1} << k;
    }
    return v;
}

std::string write_file(const std::string& name, const std::string& bytes) {
    fs::path p = fs::path(media_dir()) / name;
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p.string();
}

}  // namespace reelsync::testing
