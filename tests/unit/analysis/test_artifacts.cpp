// Artifact detectors on generated clips with artifacts injected at known frames, encoded with x264.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/artifacts.h"
#include "media/clip_reader.h"
#include "support/media_gen.h"

using namespace reelsync;
using namespace reelsync::analysis;
using namespace reelsync::testing;

namespace {

struct Truth {
    FlagKind kind;
    int64_t first, last;
};

std::string injected_clip(const std::string& name = "artifacts_injected.mp4", const std::string& x264 = "-preset veryfast") {
    // freezeframes takes the stream twice (frames to keep, frames to copy from): split feeds it.
    return generate(name,
                    "-f lavfi -i testsrc2=s=320x180:r=30:d=12 -filter_complex \"[0:v]format=yuv420p,"
                    "negate=enable='eq(n\\,0)+gte(n\\,200)',"
                    "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='between(n\\,40\\,44)',"
                    "drawbox=x=0:y=0:w=iw:h=ih:color=0x808080:t=fill:enable='between(n\\,80\\,83)',"
                    "split[a0][a1];[a0][a1]freezeframes=first=120:last=135:replace=119,"
                    "split[b0][b1];[b0][b1]freezeframes=first=170:last=170:replace=169,"
                    "split[c0][c1];[c0][c1]freezeframes=first=230:last=230:replace=229[out]\" "
                    "-map [out] -c:v libx264 " + x264);
}

// Blur (frames 60-75), luma flicker (121-129), colour flicker (181-189), a 1 s fade-out at the end.
std::string blur_flicker_fade_clip() {
    return generate("artifacts_injected2.mp4",
                    "-f lavfi -i testsrc2=s=320x180:r=30:d=12 -filter_complex \"[0:v]format=yuv420p,"
                    "gblur=sigma=4:enable='between(n\\,60\\,75)',"
                    "eq=brightness=0.12:enable='between(n\\,121\\,129)*mod(n\\,2)',"
                    "lutyuv=u='val+24':enable='between(n\\,181\\,189)*mod(n\\,2)',"
                    "fade=t=out:st=11:d=1[out]\" -map [out] -c:v libx264 -preset veryfast");
}

bool matches(const Flag& f, const Truth& t) {
    return f.kind == t.kind && std::llabs(f.first_frame - t.first) <= 1 && std::llabs(f.last_frame - t.last) <= 1;
}

// Every injected artifact is flagged at its frames (+-1), and nothing else is flagged except
// what `also_allowed` accepts.
template <class Allowed>
void expect_exactly(const ClipScan& scan, const std::vector<Truth>& truth, Allowed also_allowed) {
    for (const Truth& t : truth) {
        bool found = false;
        for (const Flag& f : scan.flags) found |= matches(f, t);
        EXPECT_TRUE(found) << to_string(t.kind) << " " << t.first << "-" << t.last;
    }
    for (const Flag& f : scan.flags) {
        bool expected = also_allowed(f);
        for (const Truth& t : truth) expected |= matches(f, t);
        EXPECT_TRUE(expected) << "false flag: " << to_string(f.kind) << " " << f.first_frame << "-" << f.last_frame;
        EXPECT_GT(f.severity, 0.0);
        EXPECT_LE(f.severity, 1.0);
    }
}

}  // namespace

TEST(Artifacts, InjectedArtifactsAreFoundAtTheirFrames) {
    auto scan = scan_clip(injected_clip());
    ASSERT_TRUE(scan) << scan.error().message;
    const std::vector<Truth> truth = {
        {FlagKind::first_frame_jump, 0, 1}, {FlagKind::black, 40, 44},     {FlagKind::blank, 80, 83},
        {FlagKind::freeze, 119, 135},       {FlagKind::duplicate, 170, 170}, {FlagKind::jump, 200, 200},
        {FlagKind::duplicate, 230, 230},
    };
    expect_exactly(*scan, truth, [](const Flag&) { return false; });
    EXPECT_EQ(scan->frames, 360);
    EXPECT_DOUBLE_EQ(scan->fps, 30.0);
}

TEST(Artifacts, BlurFlickerColourFlickerAndFadeOutAreFound) {
    auto path = blur_flicker_fade_clip();
    auto scan = scan_clip(path);
    ASSERT_TRUE(scan) << scan.error().message;
    const std::vector<Truth> truth = {
        {FlagKind::blur, 60, 75}, {FlagKind::flicker, 121, 130}, {FlagKind::flicker, 181, 190}, {FlagKind::end_decay, 330, 359}};
    // The fade reaches black in its last frames: a black flag there is right too.
    expect_exactly(*scan, truth, [](const Flag& f) { return f.kind == FlagKind::black && f.first_frame >= 355; });
}

// A short shot with less fine detail than the shots around it (a smooth gradient, 1.5 s, between
// two 3 s shots of testsrc2) is a shot, not a blur: blur is judged against the frames of its own
// shot. Both cuts are found; a blur inside a shot is still found (test above).
TEST(Artifacts, ASofterShotBetweenSharperOnesIsNotABlur) {
    // The gradient's two colours are given: FFmpeg draws them at random on every run otherwise
    // (its seed picks only the points), and the clip, and what is flagged on it, changed between runs.
    auto path = generate("artifacts_soft_shot2.mp4",
                         "-f lavfi -i testsrc2=s=320x180:r=30:d=3 -f lavfi -i gradients=s=320x180:r=30:d=1.5:speed=0.01:seed=7:"
                         "nb_colors=2:c0=0x204e8c:c1=0xd8b06c "
                         "-f lavfi -i testsrc2=s=320x180:r=30:d=3 -filter_complex \"[0:v]format=yuv420p,setsar=1[a];"
                         "[1:v]format=yuv420p,setsar=1[b];[2:v]format=yuv420p,setsar=1,hflip[c];[a][b][c]concat=n=3:v=1[out]\" "
                         "-map [out] -c:v libx264 -preset veryfast");
    auto scan = scan_clip(path);
    ASSERT_TRUE(scan) << scan.error().message;
    EXPECT_EQ(scan->frames, 225);
    expect_exactly(*scan, {{FlagKind::cut, 90, 90}, {FlagKind::cut, 135, 135}}, [](const Flag&) { return false; });
}

// A slow sweep of a smooth gradient (tests/data/clips/README.md) changes by less than a code value a
// frame, and its frames fall just under and just over the repeat levels in a regular rhythm: no
// picture stops there, so it is no cadence (nor a duplicate or a freeze). Its two cuts are found.
TEST(Artifacts, ASlowGradientSweepIsNotACadence) {
    auto scan = scan_clip(std::string(REELSYNC_SHARED_DATA_DIR) + "/clips/slow_gradient.mp4");
    ASSERT_TRUE(scan) << scan.error().message;
    EXPECT_EQ(scan->frames, 60);
    expect_exactly(*scan, {{FlagKind::cut, 10, 10}, {FlagKind::cut, 55, 55}}, [](const Flag&) { return false; });
}

TEST(Artifacts, ExposurePumpingIsFound) {
    // Brightness pumping at 1.5 Hz for two seconds (frames 150-210), about +-20 code values.
    auto path = generate("artifacts_pumping.mp4",
                         "-f lavfi -i testsrc2=s=320x180:r=30:d=10 -vf \"format=yuv420p,"
                         "eq=brightness='0.08*sin(2*PI*(t-5)*1.5)':eval=frame:enable='between(t\\,5\\,7)'\" "
                         "-c:v libx264 -preset veryfast");
    auto scan = scan_clip(path);
    ASSERT_TRUE(scan) << scan.error().message;
    bool found = false;
    for (const Flag& f : scan->flags) {
        // The first and last half swings start at zero: the flag spans the full swings inside.
        if (f.kind == FlagKind::exposure && f.first_frame >= 148 && f.first_frame <= 160 && f.last_frame >= 195 && f.last_frame <= 212)
            found = true;
        else
            ADD_FAILURE() << "unexpected flag: " << to_string(f.kind) << " " << f.first_frame << "-" << f.last_frame;
    }
    EXPECT_TRUE(found);
}

TEST(Artifacts, TimestampGapIsFound) {
    // Half a second missing before frame 200 (variable-rate container, timestamps kept as written).
    auto path = generate("artifacts_gap.mkv",
                         "-f lavfi -i testsrc2=s=320x180:r=30:d=10 -vf \"setpts='N/(30*TB)+if(gte(N\\,200)\\,0.5/TB\\,0)'\" "
                         "-fps_mode passthrough -c:v libx264 -preset veryfast -pix_fmt yuv420p");
    auto scan = scan_clip(path);
    ASSERT_TRUE(scan) << scan.error().message;
    bool found = false;
    for (const Flag& f : scan->flags) {
        if (f.kind == FlagKind::timestamps && f.first_frame == 200 && f.last_frame == 200) found = true;
        else ADD_FAILURE() << "false flag: " << to_string(f.kind) << " " << f.first_frame << "-" << f.last_frame;
    }
    EXPECT_TRUE(found);
}

TEST(Artifacts, BrokenTimestampsAreFlaggedWhereTheyBreak) {
    // A time written twice, decode times going back at a join: one `timestamps` flag at that frame.
    // A raw stream has no timestamps to be wrong: nothing. The pictures are clean (testsrc2 with a
    // frame counter): no other flag either.
    for (const BrokenTimestampClip& c : broken_timestamp_clips()) {
        SCOPED_TRACE(c.label);
        auto scan = scan_clip(c.path);
        ASSERT_TRUE(scan) << scan.error().message;
        EXPECT_EQ(scan->frames, c.frames);
        std::vector<int64_t> at;
        for (const Flag& f : scan->flags) {
            if (f.kind == FlagKind::timestamps && f.first_frame == f.last_frame) at.push_back(f.first_frame);
            else ADD_FAILURE() << "false flag: " << to_string(f.kind) << " " << f.first_frame << "-" << f.last_frame;
        }
        EXPECT_EQ(at, c.faults);
    }
}

TEST(Artifacts, BitErrorsInTheVideoDataAreCorrupt) {
    // The same H.264 stream twice: as encoded, and with bytes of its packets overwritten (FFmpeg's
    // noise filter, deterministic): the decoder conceals the damage, the scan reports it.
    auto clean = generate("artifacts_bits_clean.mp4", "-f lavfi -i testsrc2=s=320x180:r=30:d=4 -c:v libx264 -preset veryfast -pix_fmt yuv420p -g 30");
    auto damaged = generate("artifacts_bits_damaged.mp4", "-i \"" + clean + "\" -c copy -bsf:v noise=amount=2000");
    auto c = scan_clip(clean);
    ASSERT_TRUE(c) << c.error().message;
    for (const Flag& f : c->flags) ADD_FAILURE() << "clean: false flag " << to_string(f.kind) << " " << f.first_frame << "-" << f.last_frame;
    auto d = scan_clip(damaged);
    ASSERT_TRUE(d) << d.error().message;
    int64_t covered = 0;
    for (const Flag& f : d->flags)
        if (f.kind == FlagKind::corrupt) {
            EXPECT_GT(f.severity, 0.0);
            EXPECT_LE(f.severity, 1.0);
            covered += f.last_frame - f.first_frame + 1;
        }
    // The filter hits about one packet in three: damage is reported over a good part of the clip.
    EXPECT_GE(covered, 30) << "corrupt frames reported: " << covered;
}

TEST(Artifacts, ASizeChangeMidStreamIsScannedThrough) {
    // An MPEG-TS stream whose picture goes from 320x180 to 640x360 at frame 60 (and its content
    // back to its start): the scan reads all 120 frames, the flow starts again at the new size
    // (nothing is compared across the change), and nothing is flagged away from the change.
    const std::string enc = "-c:v libx264 -preset veryfast -pix_fmt yuv420p -bsf:v h264_mp4toannexb";
    auto a = generate("artifacts_size_a.ts", "-f lavfi -i testsrc2=s=320x180:r=30:d=2 " + enc);
    auto b = generate("artifacts_size_b.ts", "-f lavfi -i testsrc2=s=640x360:r=30:d=2 " + enc);
    auto ab = generate("artifacts_size_ab.ts", "-i \"concat:" + a + "|" + b + "\" -c copy");
    auto scan = scan_clip(ab);
    ASSERT_TRUE(scan) << scan.error().message;
    EXPECT_EQ(scan->frames, 120);
    for (const Flag& f : scan->flags)
        EXPECT_TRUE(f.first_frame >= 59 && f.last_frame <= 61) << "flag away from the size change: " << to_string(f.kind) << " " << f.first_frame
                                                               << "-" << f.last_frame;
}

TEST(Artifacts, CleanMovingContentRaisesNoFlag) {
    for (const char* src : {"testsrc2=s=320x180:r=30:d=12", "cellauto=s=320x180:r=30:rule=30:seed=2", "life=s=320x180:r=30:mold=10:ratio=0.3:seed=4"}) {
        std::string name = std::string("clean_s_") + std::string(src).substr(0, std::string(src).find('=')) + ".mp4";
        auto path = generate(name, std::string("-f lavfi -i \"") + src + "\" -frames:v 300 -c:v libx264 -preset veryfast -pix_fmt yuv420p");
        auto scan = scan_clip(path);
        ASSERT_TRUE(scan) << scan.error().message;
        for (const Flag& f : scan->flags)
            ADD_FAILURE() << src << ": false flag " << to_string(f.kind) << " " << f.first_frame << "-" << f.last_frame;
    }
}

// A one-frame glitch in texture that scrolls a pixel a frame (so the frame after it is far from
// the frame before it, too) is one jump, not a cut and a cut back. A one-frame shot between two
// shots (a flash frame an edit left behind) is a jump as well; a two-frame shot is two cuts.
TEST(Artifacts, AOneFrameGlitchOrShotIsAJumpNotTwoCuts) {
    auto glitch = generate("flash_glitch_cellauto.mp4",
                           "-f lavfi -i \"cellauto=s=320x180:r=30:rule=110:seed=1\" -frames:v 300 -vf "
                           "\"trim=start_frame=5,setpts=PTS-STARTPTS,negate=enable='eq(n\\,165)'\" -c:v libx264 -preset veryfast -pix_fmt yuv420p");
    auto scan = scan_clip(glitch);
    ASSERT_TRUE(scan) << scan.error().message;
    expect_exactly(*scan, {{FlagKind::jump, 165, 165}}, [](const Flag&) { return false; });

    // Shots of 100 frames (testsrc2), 1 frame (life), 100 (mandelbrot), 2 (life), 100 (testsrc2).
    auto shots = generate("flash_shots.mp4",
                          "-f lavfi -i testsrc2=s=320x180:r=30:d=8 -f lavfi -i \"life=s=320x180:r=30:mold=10:ratio=0.3:seed=3\" "
                          "-f lavfi -i mandelbrot=s=320x180:r=30 -filter_complex "
                          "\"[0:v]split[a][e];[a]trim=start_frame=0:end_frame=100,setpts=PTS-STARTPTS,format=yuv420p[a1];"
                          "[1:v]split[b][d];[b]trim=start_frame=30:end_frame=31,setpts=PTS-STARTPTS,format=yuv420p[b1];"
                          "[2:v]trim=start_frame=5:end_frame=105,setpts=PTS-STARTPTS,format=yuv420p[c1];"
                          "[d]trim=start_frame=60:end_frame=62,setpts=PTS-STARTPTS,format=yuv420p[d1];"
                          "[e]trim=start_frame=100:end_frame=200,setpts=PTS-STARTPTS,format=yuv420p[e1];"
                          "[a1][b1][c1][d1][e1]concat=n=5:v=1[out]\" -map [out] -c:v libx264 -preset veryfast -pix_fmt yuv420p");
    scan = scan_clip(shots);
    ASSERT_TRUE(scan) << scan.error().message;
    EXPECT_EQ(scan->frames, 303);
    expect_exactly(*scan, {{FlagKind::jump, 100, 100}, {FlagKind::cut, 201, 201}, {FlagKind::cut, 203, 203}},
                   [](const Flag&) { return false; });
}

TEST(Artifacts, OneFrameClipIsScannedWithoutFlagsOrErrors) {
    auto path = generate("one_frame.mp4", "-f lavfi -i testsrc2=s=320x180:r=30 -frames:v 1 -c:v libx264 -preset veryfast");
    auto scan = scan_clip(path);
    ASSERT_TRUE(scan) << scan.error().message;
    EXPECT_EQ(scan->frames, 1);
    EXPECT_TRUE(scan->flags.empty());
}

TEST(Artifacts, LowFrameRateCadenceIsOneFlag) {
    // 16 fps content shown at 24 fps (every third frame a repeat) from 2 s to 6 s of a clip that
    // is true 24 fps before and after: one cadence flag for that span, no separate duplicates.
    auto path = generate("artifacts_cadence.mp4",
                         "-f lavfi -i testsrc2=s=320x180:r=24:d=8 -filter_complex "
                         "\"[0:v]split=3[a][b][c];[a]trim=0:2,setpts=PTS-STARTPTS[a1];"
                         "[b]trim=2:6,setpts=PTS-STARTPTS,fps=16,fps=24[b1];[c]trim=6:8,setpts=PTS-STARTPTS[c1];"
                         "[a1][b1][c1]concat=n=3:v=1[out]\" -map [out] -c:v libx264 -preset veryfast -pix_fmt yuv420p");
    auto scan = scan_clip(path);
    ASSERT_TRUE(scan) << scan.error().message;
    int cadence = 0;
    for (const Flag& f : scan->flags) {
        if (f.kind == FlagKind::cadence) {
            ++cadence;
            EXPECT_NEAR(static_cast<double>(f.first_frame), 48, 3);
            EXPECT_NEAR(static_cast<double>(f.last_frame), 143, 3);
            EXPECT_NEAR(f.severity, 1.0 / 3.0, 0.05);  // a third of the frames repeat
        } else {
            ADD_FAILURE() << "unexpected flag: " << to_string(f.kind) << " " << f.first_frame << "-" << f.last_frame;
        }
    }
    EXPECT_EQ(cadence, 1);
}

TEST(Artifacts, ThresholdsFromAConfigFile) {
    auto path = blur_flicker_fade_clip();
    // A blur ratio of 0 turns the blur detector off; everything else keeps its default.
    auto cfg = detector_config_from_json(nlohmann::json::parse(R"({"blur_ratio": 0, "freeze_min_frames": 5})"));
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ(cfg->freeze_min_frames, 5);
    EXPECT_DOUBLE_EQ(cfg->black_luma, DetectorConfig{}.black_luma);
    auto scan = scan_clip(path, *cfg);
    ASSERT_TRUE(scan);
    int blur = 0, flicker = 0;
    for (const Flag& f : scan->flags) {
        blur += f.kind == FlagKind::blur;
        flicker += f.kind == FlagKind::flicker;
    }
    EXPECT_EQ(blur, 0);
    EXPECT_EQ(flicker, 2);
    // Round trip, and clear errors for unknown names, wrong types and negative values.
    auto back = detector_config_from_json(to_json(*cfg));
    ASSERT_TRUE(back);
    EXPECT_EQ(to_json(*back), to_json(*cfg));
    auto unknown = detector_config_from_json(nlohmann::json::parse(R"({"blurr_ratio": 0.3})"));
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("blurr_ratio"), std::string::npos);
    EXPECT_FALSE(detector_config_from_json(nlohmann::json::parse(R"({"freeze_min_frames": 2.5})")));
    EXPECT_FALSE(detector_config_from_json(nlohmann::json::parse(R"({"jump_ratio": "high"})")));
    EXPECT_FALSE(detector_config_from_json(nlohmann::json::parse(R"({"jump_ratio": -1})")));
}

// Numbers out of the target type's range in a config file or a stored scan (a damaged database
// row, a farm task's result file): errors, not undefined conversions (the stored-scan case was
// found by tests/fuzz/fuzz_config under UBSan).
TEST(Artifacts, OutOfRangeNumbersInConfigsAndStoredScansAreErrors) {
    EXPECT_FALSE(detector_config_from_json(nlohmann::json::parse(R"({"freeze_min_frames": 99999999999999})")));
    EXPECT_FALSE(detector_config_from_json(nlohmann::json::parse(R"({"freeze_min_frames": 18446744073709551615})")));
    const std::string good = R"({"file": "take.mp4", "fps": 30.0, "frames": 90, "flags": [{"kind": "black", "first_frame": 8,
                                 "last_frame": 9, "severity": 1.0, "region": [0.1, 0.2, 0.3, 0.4]}]})";
    auto ok = clip_scan_from_json(nlohmann::json::parse(good));
    ASSERT_TRUE(ok) << ok.error().message;
    ASSERT_EQ(ok->flags.size(), 1u);
    EXPECT_EQ(ok->flags[0].first_frame, 8);
    EXPECT_EQ(ok->flags[0].last_frame, 9);
    ASSERT_TRUE(ok->flags[0].region);
    EXPECT_FLOAT_EQ(ok->flags[0].region->y0, 0.2f);
    auto with = [&](const std::string& from, const std::string& to) {
        std::string t = good;
        t.replace(t.find(from), from.size(), to);
        return clip_scan_from_json(nlohmann::json::parse(t));
    };
    // The fuzzer's input: a first frame of 8.3e105.
    EXPECT_FALSE(with("\"first_frame\": 8", "\"first_frame\": 8333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333"));
    EXPECT_FALSE(with("\"frames\": 90", "\"frames\": -90"));
    EXPECT_FALSE(with("\"fps\": 30.0", "\"fps\": 1e300"));
    EXPECT_FALSE(with("0.3, 0.4]", "1e300, 0.4]"));
    EXPECT_FALSE(with("\"last_frame\": 9", "\"last_frame\": 7"));
    EXPECT_FALSE(with("\"severity\": 1.0", "\"severity\": \"high\""));
}

// The overlay's threshold editor sets the same fields the config file names, each by its name.
TEST(Artifacts, EveryThresholdIsEditableByName) {
    DetectorConfig cfg;
    auto list = thresholds(cfg);
    const nlohmann::json names = to_json(cfg);
    ASSERT_EQ(list.size(), names.size());
    int k = 1;
    for (const Threshold& t : list) {
        ASSERT_TRUE(names.contains(t.name)) << t.name;
        ASSERT_NE(t.real == nullptr, t.whole == nullptr) << t.name;
        if (t.real) *t.real = 0.5 * k;
        else *t.whole = k;
        ++k;
    }
    // What was edited is what the config file would say, and scans with it use it.
    const nlohmann::json edited = to_json(cfg);
    k = 1;
    for (const Threshold& t : list) {
        if (t.real) EXPECT_DOUBLE_EQ(edited[t.name].get<double>(), 0.5 * k) << t.name;
        else EXPECT_EQ(edited[t.name].get<int>(), k) << t.name;
        ++k;
    }
    auto back = detector_config_from_json(edited);
    ASSERT_TRUE(back);
    EXPECT_EQ(to_json(*back), edited);
}

// Live analysis: the frames playback decodes are measured as they are decoded; a seek back or a
// jump ahead adds nothing out of order, and once playback has decoded every frame in order the
// flags are exactly those of a scan of its own.
TEST(Artifacts, LiveMeasuresOfPlaybackGiveTheScansFlags) {
    const std::string path = injected_clip("artifacts_injected_gop30.mp4", "-preset veryfast -g 30 -sc_threshold 0");  // a keyframe every second
    auto own = scan_clip(path);
    ASSERT_TRUE(own);
    auto live = std::make_shared<LiveMeasures>();
    media::ClipReader::Options ro;
    ro.on_frame = [live](const media::VideoFrame& f) { live->add(*f.picture, f.index, f.pts); };
    auto reader = media::ClipReader::open(path, ro);
    ASSERT_TRUE(reader) << reader.error().message;
    media::ClipReader& r = **reader;
    auto play_to = [&](int64_t last) {
        while (r.wait_for_frame(10.0)) {
            auto f = r.pop();
            if (!f || f->index >= last) return;
        }
    };
    play_to(150);
    r.seek(60);  // back: already measured
    play_to(200);
    const int64_t before_jump = live->measured();
    EXPECT_GE(before_jump, 201);
    // Ahead, past a keyframe beyond what was decoded: a gap, nothing measured out of order.
    const auto& ix = r.info().index;
    int64_t key = -1;
    for (int64_t i = before_jump + 16; i < 330 && key < 0; ++i)
        if (ix.frame_at_pts(ix.keyframe_at_or_before(ix.pts[static_cast<size_t>(i)])) == i) key = i;
    ASSERT_GT(key, 0) << "the clip needs a keyframe after frame " << before_jump + 16;
    r.seek(key + 28);
    play_to(key + 29);
    // (The decoder may have run a few frames ahead before the seek, never up to the keyframe.)
    EXPECT_LT(live->measured(), key);
    EXPECT_LE(live->measured(), before_jump + 8);
    r.seek(0);  // from the start again: the run goes on where it stopped
    play_to(359);
    ASSERT_EQ(live->measured(), 360);
    const auto& info = r.info();
    ClipScan s = scan_from_measures(path, live->metrics(), info.frame_count(), info.video->frame_rate.to_double(), live->pts(), {});
    ASSERT_EQ(s.flags.size(), own->flags.size());
    for (size_t i = 0; i < s.flags.size(); ++i) {
        EXPECT_EQ(s.flags[i].kind, own->flags[i].kind);
        EXPECT_EQ(s.flags[i].first_frame, own->flags[i].first_frame);
        EXPECT_EQ(s.flags[i].last_frame, own->flags[i].last_frame);
        EXPECT_NEAR(s.flags[i].severity, own->flags[i].severity, 1e-9);
    }
}
