#pragma once
// Test media with known ground truth, generated with the ffmpeg command-line tool on first use and
// cached in the build tree (written under a temporary name and renamed, so parallel test
// processes never see half a file).
//
// "Indexed" clips carry their own frame number in their pixels: a band of 16 cells across the top
// 40 rows, cell k white when bit k of the frame number is set, over moving content.
#include <cstdint>
#include <string>
#include <vector>

namespace reelsync::testing {

// The folder generated media lives in (created on demand).
std::string media_dir();

// Runs ffmpeg with these arguments (after "-nostdin -v error -y") to produce `name` in
// media_dir() unless it exists. Returns the full path; aborts the test on failure.
std::string generate(const std::string& name, const std::string& ffmpeg_args);

struct IndexedSpec {
    std::string name;          // file name, extension picks the container
    std::string codec_args;    // e.g. "-c:v libx264 -bf 3 -g 250"
    std::string rate = "30";   // frame rate as ffmpeg takes it ("24000/1001")
    int frames = 300;
    int width = 320;
    int height = 240;
    std::string pix_fmt = "yuv420p";
    std::string extra_filters; // appended to the filter chain
};
std::string indexed_clip(const IndexedSpec& spec);

// Eight indexed clips of 72 frames that differ in codec, container, size, pixel format and frame
// rate (H.264, HEVC, VP9, MPEG-4 part 2, ProRes 10-bit, MJPEG, H.264 4:4:4, H.264 60 fps; 23.976 to 60).
std::vector<std::string> mixed_clips();

// Reads the frame number from RGBA pixels of an indexed frame rendered at width x height.
int64_t read_index_rgba(const std::vector<uint8_t>& rgba, uint32_t width, uint32_t height);
// Reads it from an 8- or 16-bit luma plane (limited or full range).
int64_t read_index_luma(const uint8_t* data, int linesize, int width, int bytes_per_sample, int bit_depth);

// 10 s at 30 fps, 320x240: a white flash on frame 30k (each second) over dark grey, and a 2 ms
// click at the same instants (PCM audio in Matroska).
std::string flash_click_clip();

// Indexed clips whose own timestamps cannot place their frames, as met in the wild: a raw H.264
// elementary stream with B-frames (no timestamps at all), a Matroska file where frame 10 repeats
// frame 9's time, and two MPEG-TS recordings joined byte for byte (decode times go back at the
// join; B-frames). `faults` are the frames where the written times go wrong.
struct BrokenTimestampClip {
    std::string label;
    std::string path;
    int64_t frames;
    std::vector<int64_t> faults;
};
std::vector<BrokenTimestampClip> broken_timestamp_clips();

// An indexed clip at a variable rate (H.264 with B-frames in MP4, time base 1/3000): 90 frames,
// frame n starting at variable_rate_ticks(n)/3000 s: 1/30 s apart, every fourth gap 20 ms
// longer, and a quarter-second pause before frame 60.
std::string variable_rate_clip();
int64_t variable_rate_ticks(int64_t n);

// Writes `bytes` to a file in media_dir() (for corrupt-input tests).
std::string write_file(const std::string& name, const std::string& bytes);

// Runs a shell command; returns its exit status and captures stdout+stderr.
int run_command(const std::string& cmd, std::string* output = nullptr);

// "timeout N " for a command a test runs, N scaled for sanitizer builds (REELSYNC_TIMEOUT_SCALE:
// their binaries run several times slower; a hang is still caught).
std::string timeout_command(int seconds);

// The reelsync binary under test.
std::string reelsync_binary();

}  // namespace reelsync::testing
