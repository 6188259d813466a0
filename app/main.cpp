// reelsync: real-time GPU preview of generated video clips, played in sync with music.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/app.h"
#include "core/log.h"
#include "gpu/context.h"
#include "render/video_renderer.h"

using namespace reelsync;

namespace {

std::optional<std::pair<int64_t, int64_t>> parse_range(const std::string& s) {
    auto colon = s.find(':');
    if (colon == std::string::npos) return std::nullopt;
    try {
        return std::make_pair(std::stoll(s.substr(0, colon)), std::stoll(s.substr(colon + 1)));
    } catch (...) {
        return std::nullopt;
    }
}

// Options `play` and `open` share: output device, window, decoding, analysis.
void add_playback_options(CLI::App* c, app::PlayOptions& o, bool& no_analysis) {
    c->add_option("--duration", o.duration, "Stop (quit) after this many seconds");
    c->add_option("--stats", o.stats_path, "Write one JSON line per presented frame, then a summary line");
    c->add_flag("--no-audio", o.no_audio, "Do not open an audio device; run on the timer clock");
    c->add_option("--audio-device", o.audio_device, "Output device (substring of its name)");
    c->add_option("--width", o.width, "Window/offscreen width");
    c->add_option("--height", o.height, "Window/offscreen height");
    c->add_option("--screenshot", o.screenshot, "Window: save what the window shows to this PNG after the first frames, then quit");
    c->add_flag("--no-analysis", no_analysis, "Window: do not scan clips for artifact flags");
    c->add_flag("--heat-map", o.heat_map, "Window: start with the instability heat map over the picture (M toggles it)");
    c->add_option("--threads", o.decoder_threads, "Decoder threads (0: automatic)");
    c->add_option("--cache-mb", o.cache_mb, "Frame cache per clip in MiB: decoded frames around the playhead (0: off)");
    c->add_option("--vk-device", o.vk_device, "Vulkan device to use (substring of its name)");
    c->add_option("--input-conf", o.input_conf, "Key file: KEY command [argument] per line (reelsync keys --defaults shows the built-in one)")
        ->check(CLI::ExistingFile);
}

}  // namespace

int main(int argc, char** argv) {
    // `reelsync FOLDER [options]` opens the folder as a project: the same as `reelsync open FOLDER`.
    std::vector<std::string> args(argv, argv + argc);
    if (argc >= 2 && args[1].size() && args[1][0] != '-' && std::filesystem::is_directory(args[1])) args.insert(args.begin() + 1, "open");
    std::vector<char*> argv2;
    for (auto& a : args) argv2.push_back(a.data());
    argc = static_cast<int>(argv2.size());
    argv = argv2.data();
    CLI::App cli{"reelsync: real-time GPU preview of generated clips, played in sync with music"};
    cli.require_subcommand(1);
    int verbosity = 0;
    cli.add_flag("-v,--verbose", verbosity, "More log output (-vv for debug)");

    app::PlayOptions play;
    std::string loop;
    auto* p = cli.add_subcommand("play", "Play clips in a window (or headless) against the audio clock");
    p->add_option("files", play.files, "Clips to play, in order (or one project folder, with --edit)")->required()->check(CLI::ExistingPath);
    p->add_option("--clip", play.clip, "With a project folder: the clip to review (headless)");
    p->add_option("--keys", play.keys,
                  "Press keys at clock times, e.g. \"1.0:i,2.5:o,3:p\" (marks and decisions go to the project; "
                  "in the browser: seconds since the start)");
    p->add_option("--ipc", play.ipc, "Commands as JSON lines: '-' on stdin with replies on stdout (headless), or a local socket PATH scripts connect to (see the README)");
    p->add_flag("--edit", play.edit, "Play the project folder's edit (its approved shots, in and out) against its song");
    p->add_option("--audio", play.audio_track, "Music track to play instead of the clip's own audio");
    p->add_flag("--headless", play.headless, "Render offscreen in real time, no window");
    p->add_option("--loop", loop, "Loop frames A:B (inclusive, 0-based; past the end: to the end)");
    p->add_flag("--paused", play.paused, "Start paused on the first frame");
    bool no_overlay = false, no_analysis = false;
    p->add_flag("--no-overlay", no_overlay, "Window: draw the picture only");
    add_playback_options(p, play, no_analysis);

    std::string render_file, out, out_dir, frames, render_vk;
    std::optional<int64_t> frame;
    auto* r = cli.add_subcommand("render", "Render exact frames through the GPU path to PNG");
    r->add_option("file", render_file, "Clip")->required()->check(CLI::ExistingPath);
    r->add_option("--frame", frame, "0-based frame number in presentation order");
    r->add_option("--frames", frames, "Range A:B (inclusive)");
    r->add_option("--out", out, "PNG file (with --frame)");
    r->add_option("--out-dir", out_dir, "Folder for frame_NNNNNN.png files (with --frames)");
    r->add_option("--vk-device", render_vk, "Vulkan device to use (substring of its name)");

    std::string probe_file;
    auto* pr = cli.add_subcommand("probe", "Print what reelsync knows about a clip, as JSON");
    pr->add_option("file", probe_file, "Clip")->required()->check(CLI::ExistingPath);

    app::BenchOptions bench;
    auto* b = cli.add_subcommand("bench", "Measure decode, upload and draw throughput, as ratios to decoding alone");
    b->add_option("file", bench.file, "Clip")->check(CLI::ExistingPath);
    app::ReviewBenchOptions rbench;
    b->add_option("--review", rbench.folder, "Review speed on a project folder: keypress to the next clip's first frame")
        ->check(CLI::ExistingDirectory);
    b->add_option("--step-clip", rbench.step_clip, "With --review: a long-GOP clip for backward frame steps")->check(CLI::ExistingFile);
    b->add_option("--switches", rbench.switches, "With --review: next-clip presses to time");
    b->add_flag("--no-audio", rbench.no_audio, "With --review: no audio device");
    b->add_option("--threads", bench.threads, "Decoder threads (the same for every stage; 0: automatic)");
    b->add_option("--frames", bench.frames, "Frames per stage (0: the whole clip)");
    b->add_option("--vk-device", bench.vk_device, "Vulkan device to use (substring of its name)");
    b->add_flag("--json", bench.json, "Print the figures as one JSON object");
    b->add_flag("--scan", bench.scan, "Measure scanning for artifacts against decoding alone");
    app::FarmBenchOptions fbench;
    b->add_option("--farm", fbench.folder, "Scan a project folder here and through Slurm: clips per minute, overhead per task")
        ->check(CLI::ExistingDirectory);
    b->add_option("--shards", fbench.shards, "With --farm: array tasks (default: one per 10 clips)")->check(CLI::Range(1, 100000));
    b->add_option("--jobs", fbench.jobs, "With --farm: clips scanned in parallel here (default: the cluster's CPUs)")->check(CLI::Range(1, 1024));

    std::string beats_track, beats_ref, beats_est;
    bool beats_json = false;
    auto* bt = cli.add_subcommand("beats", "Track the beats of a music track, and score beats against a reference (as mir_eval)");
    bt->add_option("track", beats_track, "Music track (any audio FFmpeg reads)")->check(CLI::ExistingFile);
    bt->add_option("--reference", beats_ref, "Reference beat times, one per line (seconds): print the scores")->check(CLI::ExistingFile);
    bt->add_option("--estimate", beats_est, "Score these beat times instead of tracking a track")->check(CLI::ExistingFile);
    bt->add_flag("--json", beats_json, "Print the scores as one JSON object (mir_eval's names)");
    std::string beats_cuts, beats_fps = "30";
    bt->add_option("--cuts", beats_cuts, "Cut times (seconds, one per line): print each cut's offset from the nearest beat")
        ->check(CLI::ExistingFile);
    bt->add_option("--fps", beats_fps, "Frame rate for offsets in frames, e.g. 24000/1001 (default 30)");

    app::PlayOptions cmp;
    std::vector<std::string> cmp_files, cmp_offsets;
    auto* cm = cli.add_subcommand("compare", "Compare 2 to 4 takes on one clock, each showing its own frame for every instant: side by side, a 2x2 grid, a wipe, A/B flip or their difference");
    cm->add_option("takes", cmp_files, "The takes")->required()->expected(2, 4)->check(CLI::ExistingFile);
    cm->add_option("--offset", cmp_offsets, "Seconds each take starts after the compare's 0, one per take (0.5, -0.2, 1001/24000)")->expected(2, 4);
    cm->add_flag("--headless", cmp.headless, "Render offscreen in real time, no window");
    cm->add_option("--audio", cmp.audio_track, "Music track to play against (else the first take's own sound)")->check(CLI::ExistingFile);
    cm->add_option("--keys", cmp.keys, "Press keys at clock times, e.g. \"1.0:space,2.5:right\"");
    std::string cmp_mode = "side";
    cm->add_option("--mode", cmp_mode, "The view it opens in (C cycles them, A flips, Ctrl+Left/Right or a mouse drag move a wipe)")
        ->check(CLI::IsMember({"side", "grid", "wipe", "flip", "diff"}));
    bool cmp_no_analysis = false, cmp_no_overlay = false;
    cm->add_flag("--paused", cmp.paused, "Open paused on the first instant");
    cm->add_flag("--no-overlay", cmp_no_overlay, "Window: draw the pictures only (no labels, no panels)");
    add_playback_options(cm, cmp, cmp_no_analysis);

    app::ScanOptions scan;
    auto* sc = cli.add_subcommand("scan", "Flag artifacts in clips: black, blank, freeze, duplicate, cadence, jump, first-frame jump, cut, flicker, exposure, blur, timestamps, end decay, corrupt, boil, wobble, pop, melt, morph, drift");
    sc->add_option("paths", scan.paths, "A project folder (results stored in it; unchanged clips skipped), or clips")->required()->check(CLI::ExistingPath);
    sc->add_option("--jobs", scan.jobs, "Clips scanned in parallel");
    sc->add_option("--json", scan.report, "Write the report here as JSON");
    sc->add_option("--config", scan.config, "Detector thresholds as JSON ({\"blur_ratio\": 0.5, ...}; see the README)")->check(CLI::ExistingFile);
    sc->add_option("--audio", scan.audio, "Project folder: the song; its beat grid is tracked and stored, the edit's cuts checked")->check(CLI::ExistingFile);
    sc->add_flag("--rescan", scan.rescan, "Scan every clip again, even those unchanged since their stored scan");
    sc->add_option("--farm", scan.farm, "Scan on a cluster: submit the clips that need a scan as a job array to this scheduler and merge the results (slurm)")
        ->check(CLI::IsMember({"slurm"}));
    sc->add_option("--partition", scan.partition, "--farm: the partition (queue) to run on");
    sc->add_option("--shards", scan.shards, "--farm: array tasks (default: one per 10 clips, at most 1000)")->check(CLI::Range(1, 100000));
    sc->add_option("--time", scan.time_limit, "--farm: time limit per task, as the scheduler takes it (10:00)");
    sc->add_option("--retries", scan.retries, "--farm: runs again of a task that ended without a valid result (default 2)")->check(CLI::Range(0, 100));
    sc->add_option("--cpus-per-task", scan.cpus_per_task, "--farm: CPUs each task asks for")->check(CLI::Range(1, 1024));
    sc->add_option("--work", scan.work, "--farm: the work folder the tasks read and write (default: FOLDER/.reelsync-farm)");
    sc->add_flag("--attach", scan.attach, "--farm: follow a submission made before and merge what it finished");
    sc->add_flag("--cancel", scan.cancel, "--farm: cancel a submission made before");

    std::string task_work;
    int task_shard = -1;
    auto* ft = cli.add_subcommand("farm-task", "Scan one shard of a farm scan's work folder (what each array task runs)");
    ft->group("");  // run by the scheduler, not by people
    ft->add_option("work", task_work, "The work folder")->required()->check(CLI::ExistingDirectory);
    ft->add_option("shard", task_shard, "The shard (the array task's index)")->required();

    app::PlayOptions review;
    auto* op = cli.add_subcommand("open", "Open a folder of clips as a project: browse, cull, mark, build the edit (also: reelsync FOLDER)");
    op->add_option("folder", review.project, "Project folder (its decisions are saved in FOLDER/reelsync.db)")->required()->check(CLI::ExistingDirectory);
    op->add_option("--audio", review.audio_track, "The song the edit is cut to (remembered by the project)")->check(CLI::ExistingFile);
    bool open_no_analysis = false;
    add_playback_options(op, review, open_no_analysis);
    op->add_option("--view", review.start_view, "Start in this view: browser (default) or edit")->check(CLI::IsMember({"browser", "edit"}));
    op->add_option("--clip", review.clip, "Start in the viewer on this clip");
    op->add_option("--ipc", review.ipc, "Commands as JSON lines on a local socket PATH scripts connect to (see the README)");
    op->add_option("--keys", review.keys, "Press keys at clock times, e.g. \"0.5:e,2:i\" (in the browser: seconds since the start)");

    app::ExportOptions exp;
    auto* ex = cli.add_subcommand("export", "Export a project's edit: OpenTimelineIO, CMX3600 EDL, CSV of every clip's decisions");
    ex->add_option("folder", exp.folder, "Project folder")->required()->check(CLI::ExistingDirectory);
    ex->add_option("--otio", exp.otio, "OpenTimelineIO file to write");
    ex->add_option("--edl", exp.edl, "CMX3600 EDL to write");
    ex->add_option("--csv", exp.csv, "CSV of every clip's decisions to write");
    ex->add_option("--audio", exp.audio, "The song (recorded in the project)")->check(CLI::ExistingFile);
    ex->add_flag("--drop-frame", exp.drop_frame, "Drop-frame timecode in the EDL (29.97 and 59.94 edits)");

    std::string status_folder;
    bool status_json = false;
    auto* st = cli.add_subcommand("status", "A project's counts by status, and its edit's length and cut list");
    st->add_option("folder", status_folder, "Project folder")->required()->check(CLI::ExistingDirectory);
    st->add_flag("--json", status_json, "As JSON");

    std::string relink_folder, relink_from;
    auto* rl = cli.add_subcommand("relink", "Find a project's missing clips in another folder (same name and size)");
    rl->add_option("folder", relink_folder, "Project folder")->required()->check(CLI::ExistingDirectory);
    rl->add_option("--from", relink_from, "Folder to search (recursively)")->required()->check(CLI::ExistingDirectory);

    std::string keys_input_conf;
    bool keys_names = false, keys_commands = false, keys_defaults = false;
    auto* ky = cli.add_subcommand("keys", "The key table (Markdown), the commands keys run, the key names");
    ky->add_flag("--names", keys_names, "Every key name a key file accepts");
    ky->add_flag("--commands", keys_commands, "Every command, with its argument and what it does");
    ky->add_flag("--defaults", keys_defaults, "The built-in key table, in the key file format");
    ky->add_option("--input-conf", keys_input_conf, "A key file read after the built-in table")->check(CLI::ExistingFile);

    std::string import_folder, import_otio;
    auto* im = cli.add_subcommand("import", "Make an OpenTimelineIO timeline the project's edit (undoable)");
    im->add_option("folder", import_folder, "Project folder")->required()->check(CLI::ExistingDirectory);
    im->add_option("--otio", import_otio, "OpenTimelineIO file")->required()->check(CLI::ExistingFile);

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    log::set_level(verbosity >= 2 ? log::Level::debug : verbosity == 1 ? log::Level::info : log::Level::warn);

    int rc = 2;
    if (*p) {
        if (!loop.empty()) {
            play.loop = parse_range(loop);
            if (!play.loop) {
                app::print_error("--loop expects A:B, got '" + loop + "'");
                return 2;
            }
        }
        play.overlay = !no_overlay;
        if (play.files.size() == 1 && std::filesystem::is_directory(play.files[0])) {
            play.project = play.files[0];
            play.files.clear();
        }
        play.analysis = !no_analysis;
        rc = app::run_play(play);
    } else if (*r) {
        std::optional<std::pair<int64_t, int64_t>> range;
        if (!frames.empty()) {
            range = parse_range(frames);
            if (!range) {
                app::print_error("--frames expects A:B, got '" + frames + "'");
                return 2;
            }
        }
        rc = app::run_render(render_file, frame, range, out, out_dir, render_vk);
    } else if (*pr) {
        rc = app::run_probe(probe_file);
    } else if (*b) {
        if (!fbench.folder.empty()) {
            fbench.json = bench.json;
            rc = app::run_farm_bench(fbench);
        } else if (!rbench.folder.empty()) {
            rbench.threads = bench.threads;
            rbench.vk_device = bench.vk_device;
            rc = app::run_review_bench(rbench);
        } else if (bench.file.empty()) {
            app::print_error("bench: give a clip, or --review FOLDER");
            rc = 2;
        } else {
            rc = app::run_bench(bench);
        }
    } else if (*cm) {
        render::parse_compare_mode(cmp_mode, cmp.compare_mode);
        cmp.analysis = !cmp_no_analysis;
        cmp.overlay = !cmp_no_overlay;
        rc = app::run_compare(cmp_files, cmp_offsets, cmp);
    } else if (*sc) {
        rc = app::run_scan(scan);
    } else if (*ft) {
        rc = app::run_farm_task(task_work, task_shard);
    } else if (*op) {
        review.analysis = !open_no_analysis;
        rc = app::run_play(review);
    } else if (*ex) {
        rc = app::run_export(exp);
    } else if (*st) {
        rc = app::run_status(status_folder, status_json);
    } else if (*rl) {
        rc = app::run_relink(relink_folder, relink_from);
    } else if (*im) {
        rc = app::run_import(import_folder, import_otio);
    } else if (*ky) {
        rc = app::run_keys(keys_names ? "names" : keys_commands ? "commands" : keys_defaults ? "defaults" : "table", keys_input_conf);
    } else if (*bt) {
        rc = app::run_beats(beats_track, beats_ref, beats_est, beats_json, beats_cuts, beats_fps);
    }
    // With REELSYNC_VK_VALIDATION=1 (as the tests run), any validation message is a failure.
    if (gpu::validation_active() && gpu::validation_messages() > 0) {
        app::print_error(std::to_string(gpu::validation_messages()) + " Vulkan validation messages (see above)");
        if (rc == 0) rc = 3;
    }
    return rc;
}
