// The command line as a user meets it: probe, render, and bad input (one-line error naming the
// file, non-zero exit, no crash, no hang).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "project/project.h"
#include "support/media_gen.h"
#include "unit/media/clips.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

using namespace reelsync::testing;
namespace fs = std::filesystem;

namespace {

struct CliRun {
    int rc;
    std::string out;
};

CliRun run_reelsync(const std::string& args) {
    CliRun r;
    r.rc = run_command(reelsync::testing::timeout_command(60) + "'" + reelsync_binary() + "' " + args, &r.out);
    return r;
}

std::vector<uint8_t> load_png_rgba(const std::string& path, int* w, int* h) {
    int n = 0;
    unsigned char* px = stbi_load(path.c_str(), w, h, &n, 4);
    if (!px) return {};
    std::vector<uint8_t> v(px, px + static_cast<size_t>(*w) * *h * 4);
    stbi_image_free(px);
    return v;
}

void expect_clean_failure(const std::string& args, const std::string& file, const std::string& fragment) {
    CliRun r = run_reelsync(args);
    EXPECT_NE(r.rc, 0) << r.out;
    EXPECT_LT(r.rc, 124) << "crashed or hung: " << r.out;  // timeout gives 124, signals 128+
    // One line, naming the file and the problem.
    std::string line = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "more than one line:\n" << r.out;
    EXPECT_NE(line.find(file), std::string::npos) << line;
    EXPECT_NE(line.find(fragment), std::string::npos) << line;
}

}  // namespace

TEST(Cli, ProbePrintsJson) {
    auto path = indexed_clip(codec_cases()[5].spec);
    CliRun r = run_reelsync("probe '" + path + "'");
    ASSERT_EQ(r.rc, 0) << r.out;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["video"]["frame_rate"], "24000/1001");
    EXPECT_EQ(j["video"]["frame_count"], 240);
    EXPECT_EQ(j["video"]["codec"], "h264");
    EXPECT_EQ(j["video"]["bit_depth"], 8);
}

TEST(Cli, RenderFrameAndRange) {
    auto path = indexed_clip(codec_cases()[0].spec);
    fs::path dir = fs::path(media_dir()) / "cli_render";
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (int n : {299, 0, 137}) {
        std::string png = (dir / ("f" + std::to_string(n) + ".png")).string();
        CliRun r = run_reelsync("render '" + path + "' --frame " + std::to_string(n) + " --out '" + png + "'");
        ASSERT_EQ(r.rc, 0) << r.out;
        int w = 0, h = 0;
        auto px = load_png_rgba(png, &w, &h);
        ASSERT_EQ(w, 320);
        ASSERT_EQ(h, 240);
        EXPECT_EQ(read_index_rgba(px, 320, 240), n);
    }
    CliRun r = run_reelsync("render '" + path + "' --frames 248:252 --out-dir '" + (dir / "range").string() + "'");
    ASSERT_EQ(r.rc, 0) << r.out;
    for (int n = 248; n <= 252; ++n) {
        char name[32];
        std::snprintf(name, sizeof name, "frame_%06d.png", n);
        int w = 0, h = 0;
        auto px = load_png_rgba((dir / "range" / name).string(), &w, &h);
        ASSERT_FALSE(px.empty()) << name;
        EXPECT_EQ(read_index_rgba(px, 320, 240), n);
    }
}

TEST(Cli, RenderOutOfRangeFrame) {
    auto path = indexed_clip(codec_cases()[0].spec);
    expect_clean_failure("render '" + path + "' --frame 300 --out /tmp/x.png", path, "out of range");
}

TEST(Cli, BadInputGivesOneLineErrors) {
    std::mt19937 rng(7);
    std::string junk(10000, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    std::string random = write_file("cli_random.mp4", junk);
    std::string empty = write_file("cli_empty.mp4", "");
    std::string audio = generate("audio_only.wav", "-f lavfi -i sine=f=440:d=1");
    std::string playlist = write_file("cli_playlist.mp4", "#EXTM3U\n#EXTINF:10,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n");
    std::ifstream full(indexed_clip(codec_cases()[0].spec), std::ios::binary);
    std::stringstream ss;
    ss << full.rdbuf();
    std::string truncated = write_file("cli_truncated.mp4", ss.str().substr(0, ss.str().size() / 4));
    std::string mp4 = ss.str();
    for (size_t at = mp4.find("avc1"); at != std::string::npos; at = mp4.find("avc1", at)) mp4.replace(at, 4, "zzz1");
    std::string unknown = write_file("cli_unknown_codec.mp4", mp4);
    for (const std::string& cmd : {std::string("probe"), std::string("render --frame 0 --out /tmp/never.png"),
                                   std::string("play --headless --no-audio --duration 1")}) {
        SCOPED_TRACE(cmd);
        expect_clean_failure(cmd + " '" + empty + "'", empty, "empty file");
        expect_clean_failure(cmd + " '" + random + "'", random, "not a media file");
        expect_clean_failure(cmd + " '" + truncated + "'", truncated, "");
        expect_clean_failure(cmd + " '" + playlist + "'", playlist, "");
        if (cmd != "probe") expect_clean_failure(cmd + " '" + audio + "'", audio, "audio-only");
        expect_clean_failure(cmd + " '" + unknown + "'", unknown, "unsupported codec");
    }
}

TEST(Cli, StatsOnAFullDiskIsAnError) {
    if (!fs::exists("/dev/full")) GTEST_SKIP();
    auto path = indexed_clip(codec_cases()[0].spec);
    CliRun r = run_reelsync("play --headless --no-audio --duration 0.5 --stats /dev/full '" + path + "'");
    EXPECT_NE(r.rc, 0);
    EXPECT_NE(r.out.find("/dev/full"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("No space left"), std::string::npos) << r.out;
}

TEST(Cli, WindowAndOffscreenDrawIdenticalPixels) {
    if (!std::getenv("DISPLAY")) GTEST_SKIP() << "no display";
    auto path = indexed_clip(codec_cases()[0].spec);
    fs::path dir = fs::path(media_dir()) / "cli_targets";
    fs::create_directories(dir);
    std::string win = (dir / "window.png").string(), off = (dir / "offscreen.png").string();
    fs::remove(win);
    CliRun w = run_reelsync("play '" + path + "' --paused --no-audio --no-overlay --width 320 --height 240 --screenshot '" + win + "'");
    ASSERT_EQ(w.rc, 0) << w.out;
    CliRun o = run_reelsync("render '" + path + "' --frame 0 --out '" + off + "'");
    ASSERT_EQ(o.rc, 0) << o.out;
    int w1, h1, w2, h2;
    auto a = load_png_rgba(win, &w1, &h1);
    auto b = load_png_rgba(off, &w2, &h2);
    ASSERT_EQ(w1, 320);
    ASSERT_EQ(h1, 240);
    ASSERT_EQ(w2, 320);
    ASSERT_EQ(h2, 240);
    EXPECT_EQ(read_index_rgba(a, 320, 240), 0);
    size_t differing = 0;
    for (size_t i = 0; i < a.size(); ++i) differing += a[i] != b[i];
    EXPECT_EQ(differing, 0u);
}

TEST(Cli, BeatsPrintsMirEvalScores) {
    std::string dir = std::string(REELSYNC_SHARED_DATA_DIR) + "/mir_eval_beat/";
    CliRun r = run_reelsync("beats --reference '" + dir + "ref02.txt' --estimate '" + dir + "est02.txt' --json");
    ASSERT_EQ(r.rc, 0) << r.out;
    auto got = nlohmann::json::parse(r.out);
    std::ifstream f(dir + "output02.json");
    auto want = nlohmann::json::parse(f);
    ASSERT_EQ(got.size(), want.size());
    for (auto& [k, v] : want.items()) EXPECT_NEAR(got[k].get<double>(), v.get<double>(), 1e-9) << k;
    CliRun bad = run_reelsync("beats --reference '" + dir + "LICENSE.txt' --estimate '" + dir + "est02.txt'");
    EXPECT_EQ(bad.rc, 1);
    EXPECT_NE(bad.out.find("LICENSE.txt: line 1 is not a time"), std::string::npos) << bad.out;
}

TEST(Cli, BeatsBadTracksGiveClearErrors) {
    std::string video_only = generate("video_only.mp4", "-f lavfi -i testsrc2=s=160x120:r=30:d=1 -c:v libx264 -preset veryfast");
    std::string silence = generate("silence_10s.wav", "-f lavfi -i anullsrc=r=44100:cl=mono -t 10");
    std::string two_seconds = generate("sine_2s.wav", "-f lavfi -i sine=f=440:d=2");
    expect_clean_failure("beats '" + video_only + "'", video_only, "no audio stream");
    expect_clean_failure("beats '" + silence + "'", silence, "silent");
    expect_clean_failure("beats '" + two_seconds + "'", two_seconds, "too short");
}

// The scan benchmark reports decoding alone and decoding with the measures, as ratios in one run,
// and the detectors' share over the frames it measured.
TEST(Cli, BenchScanReportsItsFiguresForTheFramesItRead) {
    auto clip = generate("scan_clean.mp4", "-f lavfi -i testsrc2=s=320x180:r=30:d=4 -c:v libx264 -preset veryfast -pix_fmt yuv420p");
    CliRun r = run_reelsync("bench --scan '" + clip + "' --frames 90 --json");
    ASSERT_EQ(r.rc, 0) << r.out;
    auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
    EXPECT_EQ(j["frames"], 90);
    EXPECT_GT(j["decode_fps"].get<double>(), 0.0);
    EXPECT_GT(j["scan_fps"].get<double>(), 0.0);
    EXPECT_NEAR(j["scan_cost"].get<double>(), j["decode_fps"].get<double>() / j["scan_fps"].get<double>() - 1.0, 1e-9);
    EXPECT_NEAR(j["scan_realtime"].get<double>(), j["scan_fps"].get<double>() / 30.0, 1e-9);
    EXPECT_GE(j["detect_ms"].get<double>(), 0.0);
    EXPECT_LT(j["detect_ms"].get<double>() / 1000.0, 90.0 / j["scan_fps"].get<double>());  // included in the scan's time
}

TEST(Cli, ScanWritesTheReport) {
    fs::path dir = fs::path(media_dir()) / "scan_folder";
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto src = generate("scan_src.mp4", "-f lavfi -i testsrc2=s=320x180:r=30:d=4 -filter_complex \"[0:v]format=yuv420p,"
                                        "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='between(n\\,30\\,34)'[out]\" "
                                        "-map [out] -c:v libx264 -preset veryfast");
    auto clean = generate("scan_clean.mp4", "-f lavfi -i testsrc2=s=320x180:r=30:d=4 -c:v libx264 -preset veryfast -pix_fmt yuv420p");
    fs::copy_file(src, dir / "a_black.mp4");
    fs::copy_file(clean, dir / "b_clean.mp4");
    std::string report = (dir / "report.json").string();
    CliRun r = run_reelsync("scan '" + dir.string() + "' --jobs 2 --json '" + report + "'");
    ASSERT_EQ(r.rc, 0) << r.out;
    std::ifstream f(report);
    auto j = nlohmann::json::parse(f);
    ASSERT_EQ(j["clips"].size(), 2u);
    EXPECT_EQ(j["clips"][0]["file"], (dir / "a_black.mp4").string());
    EXPECT_EQ(j["clips"][0]["frames"], 120);
    EXPECT_DOUBLE_EQ(j["clips"][0]["fps"].get<double>(), 30.0);
    ASSERT_EQ(j["clips"][0]["flags"].size(), 1u);
    EXPECT_EQ(j["clips"][0]["flags"][0]["kind"], "black");
    EXPECT_EQ(j["clips"][0]["flags"][0]["first_frame"], 30);
    EXPECT_EQ(j["clips"][0]["flags"][0]["last_frame"], 34);
    EXPECT_TRUE(j["clips"][1]["flags"].empty());
}

// The browser window draws each clip's thumbnail (through the GPU atlas) in name order.
TEST(Cli, BrowserShowsThumbnailsInOrder) {
    if (!std::getenv("DISPLAY")) GTEST_SKIP() << "no display";
    fs::path dir = fs::path(media_dir()) / "projects" / "browser";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const char* colours[] = {"red", "lime", "blue"};
    const char* names[] = {"a_red.mp4", "b_green.mp4", "c_blue.mp4"};
    for (int i = 0; i < 3; ++i)
        fs::copy_file(generate(std::string("solid_") + colours[i] + ".mp4",
                               std::string("-f lavfi -i color=c=") + colours[i] + ":s=320x180:r=24:d=1 -c:v libx264 -pix_fmt yuv420p"),
                      dir / names[i]);
    const std::string shot = (dir / "browser.png").string();
    CliRun r = run_reelsync("'" + dir.string() + "' --no-audio --width 900 --height 400 --screenshot '" + shot + "'");
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_NE(r.out.find("3 clips catalogued"), std::string::npos) << r.out;
    int w = 0, h = 0;
    auto px = load_png_rgba(shot, &w, &h);
    ASSERT_EQ(w, 900);
    // Pixels of each pure colour, and where they are: one 160x90 thumbnail each, left to right.
    double count[3] = {0, 0, 0}, sum_x[3] = {0, 0, 0};
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const uint8_t* p = &px[(static_cast<size_t>(y) * w + x) * 4];
            for (int c = 0; c < 3; ++c) {
                bool match = p[c] > 230 && p[(c + 1) % 3] < 25 && p[(c + 2) % 3] < 25;
                count[c] += match;
                sum_x[c] += match ? x : 0;
            }
        }
    for (int c = 0; c < 3; ++c) EXPECT_GT(count[c], 0.8 * 160 * 90) << colours[c] << "\n" << r.out;
    EXPECT_LT(count[0], 1.05 * 160 * 90);
    EXPECT_LT(sum_x[0] / count[0], sum_x[1] / count[1]);
    EXPECT_LT(sum_x[1] / count[1], sum_x[2] / count[2]);
}

// A flag confined to part of the picture is outlined there: a clip whose top-right quarter is
// negated on frame 300, paused on that frame, shows the jump's outline around that quarter only.
TEST(Cli, FlagRegionIsOutlinedOnThePicture) {
    if (!std::getenv("DISPLAY")) GTEST_SKIP() << "no display";
    const std::string clip = generate("scan20_local_jump.mp4",
                                      "-f lavfi -i testsrc2=s=320x180:r=30:d=20 -vf \"drawbox=x=160:y=0:w=160:h=90:t=fill:color=invert:"
                                      "enable='eq(n\\,300)'\" -c:v libx264 -preset ultrafast -pix_fmt yuv420p");
    const std::string shot = (fs::path(media_dir()) / "flag_region.png").string();
    CliRun r = run_reelsync("play '" + clip + "' --no-audio --paused --loop 300:300 --width 1280 --height 720 --screenshot '" + shot + "'");
    ASSERT_EQ(r.rc, 0) << r.out;
    int w = 0, h = 0;
    auto px = load_png_rgba(shot, &w, &h);
    ASSERT_EQ(w, 1280);
    ASSERT_EQ(h, 720);
    // The outline colour of jumps, (255, 80, 80), counted in vertical bands of the picture.
    auto outline_pixels = [&](int x0, int x1, int y0, int y1) {
        int n = 0;
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x) {
                const uint8_t* p = &px[(static_cast<size_t>(y) * w + x) * 4];
                n += p[0] > 225 && std::abs(p[1] - 80) < 30 && std::abs(p[2] - 80) < 30;
            }
        return n;
    };
    // The picture fills the window (same aspect): the quarter is x 640-1280, y 0-360.
    EXPECT_GE(outline_pixels(638, 648, 200, 350), 200);   // its left edge
    EXPECT_GE(outline_pixels(700, 1270, 354, 362), 500);  // its bottom edge
    EXPECT_LT(outline_pixels(0, 600, 370, 670), 20);      // nothing elsewhere
}

// Outputs written to a disk that fills up while they are written: a 512 KiB file system filled to
// its last 4 KiB page, then the scan's report, the three exports and a rendered frame (each larger
// than a page) written there. Each command fails naming the file and the reason, and leaves
// nothing behind: no partial file and no temporary.
TEST(Cli, OutputsOnADiskThatFillsUpLeaveNoPartialFile) {
    namespace fs = std::filesystem;
    const fs::path full = fs::path(media_dir()) / ("full_disk_" + std::to_string(getpid()));
    fs::create_directories(full);
    if (mount("tmpfs", full.c_str(), "tmpfs", 0, "size=512k") != 0) {
        const std::string why = std::string("cannot mount a small tmpfs here (needs root): ") + std::strerror(errno);
        fs::remove(full);
        if (std::getenv("CI")) FAIL() << why;
        GTEST_SKIP() << why;
    }
    struct Unmount {
        fs::path at;
        ~Unmount() {
            umount(at.c_str());
            fs::remove_all(at);
        }
    } unmount{full};
    // Fill it page by page, then free one page.
    int pages = 0;
    for (;; ++pages) {
        std::ofstream f(full / ("filler_" + std::to_string(pages)), std::ios::binary);
        f << std::string(4096, 'x') << std::flush;
        if (!f) break;
    }
    ASSERT_GT(pages, 4);
    fs::remove(full / "filler_0");
    fs::remove(full / ("filler_" + std::to_string(pages)));
    auto leftovers = [&] {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(full))
            if (e.path().filename().string().rfind("filler_", 0) != 0) names.push_back(e.path().filename().string());
        return names;
    };

    const std::string clip = indexed_clip(codec_cases()[0].spec);  // 300 frames: its report is over 4 KiB
    const fs::path folder = fs::path(media_dir()) / "projects" / "full_disk_exports";
    fs::remove_all(folder);
    fs::create_directories(folder);
    const std::string short_clip = mixed_clips()[0];
    for (int i = 0; i < 40; ++i)
        fs::create_hard_link(short_clip, folder / ("take_" + std::to_string(i) + "_of_the_prompt_a_dancer_in_the_rain.mp4"));
    {
        auto p = reelsync::project::Project::open(folder);
        ASSERT_TRUE(p) << p.error().message;
        for (const auto& c : p->clips()) ASSERT_TRUE(p->set_status(c.id, reelsync::project::Status::approved));
    }

    struct Case {
        std::string args;
        fs::path out;
    };
    const std::vector<Case> cases = {
        {"scan '" + clip + "' --json '" + (full / "report.json").string() + "'", full / "report.json"},
        {"export '" + folder.string() + "' --otio '" + (full / "edit.otio").string() + "'", full / "edit.otio"},
        {"export '" + folder.string() + "' --csv '" + (full / "clips.csv").string() + "'", full / "clips.csv"},
        {"render '" + clip + "' --frame 10 --out '" + (full / "frame.png").string() + "'", full / "frame.png"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.args);
        CliRun r = run_reelsync(c.args);
        EXPECT_EQ(r.rc, 1) << r.out;
        EXPECT_NE(r.out.find(c.out.string()), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("No space left"), std::string::npos) << r.out;
        EXPECT_FALSE(fs::exists(c.out));
        EXPECT_EQ(leftovers(), std::vector<std::string>{});
    }
    // With room again, the same commands write their files whole.
    for (int i = 1; i < pages; ++i) fs::remove(full / ("filler_" + std::to_string(i)));
    for (const Case& c : cases) {
        SCOPED_TRACE(c.args);
        CliRun r = run_reelsync(c.args);
        EXPECT_EQ(r.rc, 0) << r.out;
        EXPECT_GT(fs::file_size(c.out), 4096u);
    }
}

// The compare views in the window, judged by the screenshot's pixels (what the window showed):
// flat red and blue takes (25 and 30 fps) side by side, four takes in a 2x2 grid, a wipe at the
// middle, an A/B flip sent by its key (A), and the difference view (red against red: black; red
// against blue: |A - B| amplified, magenta).
TEST(Cli, CompareWindowShowsEachTakeWhereItsViewPutsIt) {
    if (!std::getenv("DISPLAY")) GTEST_SKIP() << "no display";
    const std::string red = generate("cmpw_red.mp4", "-f lavfi -i color=c=red:s=320x240:r=25:d=2 -c:v libx264 -pix_fmt yuv420p");
    const std::string blue = generate("cmpw_blue.mp4", "-f lavfi -i color=c=blue:s=320x240:r=30:d=2 -c:v libx264 -pix_fmt yuv420p");
    const std::string green = generate("cmpw_green.mp4", "-f lavfi -i color=c=lime:s=320x240:r=24:d=2 -c:v libx264 -pix_fmt yuv420p");
    const std::string white = generate("cmpw_white.mp4", "-f lavfi -i color=c=white:s=320x240:r=24:d=2 -c:v libx264 -pix_fmt yuv420p");
    const fs::path dir = fs::path(media_dir()) / "compare window";
    fs::create_directories(dir);
    struct Px {
        int r, g, b;
    };
    auto shot = [&](const std::string& name, const std::string& takes, const std::string& args, int w, int h) {
        const std::string png = (dir / (name + ".png")).string();
        fs::remove(png);
        CliRun c = run_reelsync("compare " + takes + " --no-audio --no-overlay --width " + std::to_string(w) + " --height " +
                                std::to_string(h) + " " + args + " --screenshot '" + png + "'");
        EXPECT_EQ(c.rc, 0) << name << ": " << c.out;
        int pw = 0, ph = 0;
        auto px = load_png_rgba(png, &pw, &ph);
        EXPECT_EQ(pw, w) << name;
        EXPECT_EQ(ph, h) << name;
        if (pw != w || ph != h) px.assign(static_cast<size_t>(w) * h * 4, 0);
        return [px, w](int x, int y) {
            const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(x)) * 4;
            return Px{px[i], px[i + 1], px[i + 2]};
        };
    };
    auto is = [](Px p, int r, int g, int b) { return std::abs(p.r - r) < 40 && std::abs(p.g - g) < 40 && std::abs(p.b - b) < 40; };
    const std::string two = "'" + red + "' '" + blue + "'";
    {
        auto at = shot("side", two, "--mode side", 640, 240);
        EXPECT_TRUE(is(at(160, 120), 255, 0, 0));
        EXPECT_TRUE(is(at(480, 120), 0, 0, 255));
    }
    {
        auto at = shot("grid", two + " '" + green + "' '" + white + "'", "--mode grid", 640, 480);
        EXPECT_TRUE(is(at(160, 120), 255, 0, 0));
        EXPECT_TRUE(is(at(480, 120), 0, 0, 255));
        EXPECT_TRUE(is(at(160, 360), 0, 255, 0));
        EXPECT_TRUE(is(at(480, 360), 255, 255, 255));
    }
    {  // both letterboxed at 320x240 from x = 160; the split at x = 320
        auto at = shot("wipe", two, "--mode wipe", 640, 240);
        EXPECT_TRUE(is(at(240, 120), 255, 0, 0));
        EXPECT_TRUE(is(at(400, 120), 0, 0, 255));
        EXPECT_TRUE(is(at(100, 120), 0, 0, 0));
    }
    {  // flip: A on screen; its key (at the clock's 0) shows B in the same place
        auto at = shot("flip", two, "--mode flip --keys 0:A", 640, 240);
        EXPECT_TRUE(is(at(200, 120), 0, 0, 255));
        EXPECT_TRUE(is(at(440, 120), 0, 0, 255));
        auto before = shot("flip before", two, "--mode flip", 640, 240);
        EXPECT_TRUE(is(before(200, 120), 255, 0, 0));
    }
    {
        auto same = shot("diff same", "'" + red + "' '" + red + "'", "--mode diff", 640, 240);
        EXPECT_TRUE(is(same(320, 120), 0, 0, 0));
        auto differ = shot("diff", two, "--mode diff", 640, 240);
        EXPECT_TRUE(is(differ(320, 120), 255, 0, 255));
    }
    {  // a moving clip against itself: black everywhere; against itself one frame later (the
       // second take starts a frame earlier): the moving parts show
        const std::string moving = generate("cmpw_moving.mp4", "-f lavfi -i testsrc2=s=320x240:r=25:d=2 -c:v libx264 -pix_fmt yuv420p");
        const std::string twice = "'" + moving + "' '" + moving + "'";
        auto lit = [](const std::function<Px(int, int)>& at) {
            int n = 0, brightest = 0;
            for (int y = 0; y < 240; ++y)
                for (int x = 160; x < 480; ++x) {  // the picture
                    const Px p = at(x, y);
                    brightest = std::max({brightest, p.r, p.g, p.b});
                    n += std::max({p.r, p.g, p.b}) > 40;
                }
            return std::make_pair(n, brightest);
        };
        const auto [same_lit, same_max] = lit(shot("diff itself", twice, "--mode diff", 640, 240));
        const auto [shift_lit, shift_max] = lit(shot("diff a frame later", twice, "--mode diff --offset 0 -0.04", 640, 240));
        std::printf("difference with itself: %d pixels over 40 (brightest %d); one frame later: %d (brightest %d) of 76800\n", same_lit,
                    same_max, shift_lit, shift_max);
        EXPECT_EQ(same_max, 0);
        EXPECT_GT(shift_lit, 76800 / 100);
    }
}
