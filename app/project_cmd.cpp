// `reelsync export`, `reelsync status` and `reelsync import`: the project from the command line,
// with no display (scripts, render farms).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "analysis/continuity.h"
#include "project/project_io.h"
#include "core/timecode.h"
#include "media/clip_info.h"
#include "project/catalog.h"
#include "project/edit.h"

namespace reelsync::app {

namespace fs = std::filesystem;
using json = nlohmann::json;

int run_status(const std::string& folder, bool as_json) {
    auto p = project::open_project(folder, "");
    if (!p) {
        print_error(p.error().message);
        return 1;
    }
    if (auto r = project::catalogue_now(*p); !r) print_error(r.error().message);
    int counts[3] = {0, 0, 0};
    int missing = 0, broken = 0;
    for (const auto& c : p->clips()) {
        ++counts[static_cast<int>(c.status)];
        missing += c.missing;
        broken += !c.probe_error.empty();
    }
    auto e = project::build_edit(*p);
    // The song's beat grid, when the project has a song: each cut's offset from the nearest beat.
    std::optional<analysis::BeatTrack> beats;
    std::vector<analysis::CutOffset> offsets;
    std::string beat_error;
    if (e && !e->audio.empty()) {
        auto b = project::song_beats(*p, e->audio);
        if (b) {
            beats = project::corrected_beats(*p, e->audio, *b);  // as the director corrected it
            offsets = project::cut_offsets(*e, beats->beats);
        } else {
            beat_error = b.error().message;
        }
    }
    // Continuity at every cut: the outgoing shot's out-frame against the incoming shot's in-frame.
    const auto continuity = e ? project::cut_continuity(*e) : std::vector<std::optional<analysis::Continuity>>{};
    if (as_json) {
        json j{{"folder", p->folder().string()},
               {"clips", p->clips().size()},
               {"approved", counts[1]},
               {"rejected", counts[2]},
               {"unreviewed", counts[0]},
               {"missing", missing},
               {"unreadable", broken},
               {"read_only", p->read_only()}};
        if (p->read_only()) j["read_only_reason"] = p->read_only_reason();
        if (e) {
            j["edit"]["rate"] = e->rate.str();
            j["edit"]["seconds"] = e->length().to_double();
            j["edit"]["frames"] = e->length().round_frames(e->rate);
            j["edit"]["cuts"] = json::array();
            for (size_t i = 0; i < e->shots.size(); ++i) {
                const auto& s = e->shots[i];
                int64_t at = e->start_of(i).round_frames(e->rate);
                json cut{{"clip", s.name}, {"in", s.in}, {"out", s.out}, {"record_frame", at},
                         {"record_seconds", e->start_of(i).to_double()}, {"timecode", timecode(at, e->rate)}};
                if (i > 0 && i - 1 < offsets.size()) {
                    const auto& o = offsets[i - 1];
                    cut["beat_offset_ms"] = o.offset_ms;
                    cut["beat_offset_frames"] = o.offset_frames;
                    cut["on_beat"] = o.on_beat();
                    cut["outside_music"] = o.outside_music;
                }
                if (i > 0 && continuity[i - 1]) {
                    const auto& c = *continuity[i - 1];
                    cut["continuity"] = {{"exposure_ev", c.exposure_ev}, {"delta_e", c.delta_e}, {"contrast_stops", c.contrast},
                                         {"jump", analysis::flagged(c)}};
                }
                j["edit"]["cuts"].push_back(std::move(cut));
            }
            if (beats) {
                j["edit"]["song"] = e->audio.string();
                j["edit"]["tempo_bpm"] = beats->tempo_bpm;
                j["edit"]["beats"] = beats->beats.size();
                j["edit"]["downbeats"] = beats->downbeats.size();
                j["edit"]["beats_per_bar"] = beats->beats_per_bar;
                j["edit"]["steady_beat"] = beats->steady;
                j["edit"]["beat_confidence"] = beats->confidence;
                j["edit"]["beat_grid_uncertain"] = beats->uncertain();
                json alts = json::array();
                for (const auto& a : beats->alternatives) alts.push_back({{"tempo_bpm", a.tempo_bpm}, {"weight", a.weight}});
                j["edit"]["tempo_alternatives"] = std::move(alts);
            } else if (!beat_error.empty()) {
                j["edit"]["beats_error"] = beat_error;
            }
        } else {
            j["edit"]["error"] = e.error().message;
        }
        std::cout << j.dump(2) << "\n";
        return e ? 0 : 1;
    }
    std::printf("%s: %zu clips: %d approved, %d rejected, %d unreviewed", p->folder().c_str(), p->clips().size(), counts[1],
                counts[2], counts[0]);
    if (missing) std::printf(", %d missing", missing);
    if (broken) std::printf(", %d unreadable", broken);
    std::printf("\n");
    if (p->read_only()) std::printf("%s\n", p->read_only_reason().c_str());
    if (!e) {
        print_error(e.error().message);
        return 1;
    }
    const int64_t len = e->length().round_frames(e->rate);
    std::printf("edit: %zu shots, %s (%.3f s) at %s fps\n", e->shots.size(), timecode(len, e->rate).c_str(),
                e->length().to_double(), e->rate.str().c_str());
    if (beats) {
        const analysis::CutTally n = analysis::tally(offsets);
        if (!beats->steady)
            std::printf("song: %s: no steady beat found (confidence %.2f): cuts are not checked against a beat\n", e->audio.filename().c_str(),
                        beats->confidence);
        else
            std::printf("song: %s, %.1f BPM, %zu beats; %d of %d cuts on the beat (within half a frame)%s%s\n", e->audio.filename().c_str(),
                        beats->tempo_bpm, beats->beats.size(), n.on, n.checked(),
                        n.outside ? (", " + std::to_string(n.outside) + " outside the music (no beat to land on)").c_str() : "",
                        beats->uncertain() ? "; the beat grid is uncertain (confidence below 0.5): check it in the edit view" : "");
        if (beats->alternatives.size() > 1) {
            std::printf("other tempi:");
            for (size_t i = 1; i < beats->alternatives.size(); ++i) std::printf(" %.1f BPM", beats->alternatives[i].tempo_bpm);
            std::printf(" (A in the edit view switches)\n");
        }
    } else if (!beat_error.empty()) {
        std::printf("song: %s\n", beat_error.c_str());
    }
    for (size_t i = 0; i < e->shots.size(); ++i) {
        const auto& s = e->shots[i];
        std::string beat;
        if (i > 0 && i - 1 < offsets.size()) {
            const auto& o = offsets[i - 1];
            char b[64];
            std::snprintf(b, sizeof b, "  cut %+7.1f ms %+5.2f f%s", o.offset_ms, o.offset_frames, analysis::cut_remark(o));
            beat = b;
        }
        if (i > 0 && continuity[i - 1]) {
            const auto& c = *continuity[i - 1];
            char b[96];
            std::snprintf(b, sizeof b, "  %+.2f EV dE %.1f contrast %+.2f%s", c.exposure_ev, c.delta_e, c.contrast,
                          analysis::flagged(c) ? "  JUMP" : "");
            beat += b;
        }
        std::printf("%4zu  %s  %-40s in %lld out %lld (%lld frames)%s\n", i + 1,
                    timecode(e->start_of(i).round_frames(e->rate), e->rate).c_str(), s.name.c_str(),
                    static_cast<long long>(s.in), static_cast<long long>(s.out), static_cast<long long>(s.frames()), beat.c_str());
    }
    return 0;
}

int run_export(const ExportOptions& o) {
    auto p = project::open_project(o.folder, o.audio);
    if (!p) {
        print_error(p.error().message);
        return 1;
    }
    if (o.otio.empty() && o.edl.empty() && o.csv.empty()) {
        print_error("nothing to export: give --otio, --edl and/or --csv");
        return 2;
    }
    if (auto r = project::catalogue_now(*p); !r) print_error(r.error().message);
    auto e = project::build_edit(*p);
    if (!e) {
        print_error(e.error().message);
        return 1;
    }
    int rc = 0;
    auto put = [&](const std::string& path, const std::string& text) {
        if (path.empty()) return;
        if (auto r = project::write_file_atomically(path, text); !r) {
            print_error(r.error().message);
            rc = 1;
        }
    };
    put(o.otio, project::to_otio(*e));
    put(o.edl, project::to_edl(*e, o.drop_frame));
    put(o.csv, project::to_csv(*p));
    if (rc == 0)
        std::printf("exported %zu shots (%.3f s)%s%s%s\n", e->shots.size(), e->length().to_double(), o.otio.empty() ? "" : ", OTIO",
                    o.edl.empty() ? "" : ", EDL", o.csv.empty() ? "" : ", CSV");
    return rc;
}

int run_relink(const std::string& folder, const std::string& from) {
    auto p = project::open_project(folder, "");
    if (!p) {
        print_error(p.error().message);
        return 1;
    }
    int missing = 0;
    for (const auto& c : p->clips()) missing += c.missing;
    auto n = p->relink(from);
    if (!n) {
        print_error(n.error().message);
        return 1;
    }
    int still = 0;
    for (const auto& c : p->clips())
        if (c.missing) {
            ++still;
            std::printf("still missing: %s\n", c.path.c_str());
        }
    std::printf("relinked %d of %d missing clips from %s\n", *n, missing, from.c_str());
    return still ? 1 : 0;
}

int run_import(const std::string& folder, const std::string& otio) {
    auto p = project::open_project(folder, "");
    if (!p) {
        print_error(p.error().message);
        return 1;
    }
    std::ifstream f(otio, std::ios::binary);
    if (!f) {
        print_error(otio + ": cannot read");
        return 1;
    }
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto e = project::from_otio(text);
    // Each clip's rate and length, to check the ranges against (cached after the first time).
    if (e) (void)project::catalogue_now(*p);
    if (!e) {
        print_error(otio + ": " + e.error().message);
        return 1;
    }
    // One decision: the edit becomes exactly the imported one (order, in and out); undoable.
    project::Decision d{"import " + fs::path(otio).filename().string(), {}};
    std::map<int64_t, bool> in_edit;
    for (size_t i = 0; i < e->shots.size(); ++i) {
        const auto& s = e->shots[i];
        const project::Clip* match = nullptr;
        for (const auto& c : p->clips())
            if (p->absolute(c) == s.path || (c.name == s.name && !match)) match = &c;
        if (!match) {
            print_error(otio + ": shot " + std::to_string(i + 1) + " (" + s.path.string() + ") is not a clip of " + p->folder().string() +
                        "; nothing imported");
            return 1;
        }
        // The range is in the timeline's rate for that clip; the marks are frames of the clip:
        // converted when the two differ (to the nearest frame), and checked against its length.
        int64_t in = s.in, out = s.out;
        if (match->media && match->media->rate.valid()) {
            const Rational& cr = match->media->rate;
            if (cr.num * s.rate.den != s.rate.num * cr.den) {
                const long double k = static_cast<long double>(cr.num) * s.rate.den / (static_cast<long double>(cr.den) * s.rate.num);
                in = std::llround(static_cast<long double>(s.in) * k);
                out = std::max(in, static_cast<int64_t>(std::llround(static_cast<long double>(s.out + 1) * k)) - 1);
            }
            if (match->media->frame_count > 0 && out >= match->media->frame_count) {
                print_error(otio + ": shot " + std::to_string(i + 1) + " (" + match->name + "): frames " + std::to_string(in) + "-" +
                            std::to_string(out) + " are past the clip's end (" + std::to_string(match->media->frame_count) +
                            " frames); nothing imported");
                return 1;
            }
        }
        in_edit[match->id] = true;
        d.changes.push_back({match->id, project::Field::status, {}, int64_t{1}});
        d.changes.push_back({match->id, project::Field::edit_pos, {}, static_cast<int64_t>(i)});
        d.changes.push_back({match->id, project::Field::mark_in, {}, in});
        d.changes.push_back({match->id, project::Field::mark_out, {}, out});
        if (!s.note.empty()) d.changes.push_back({match->id, project::Field::note, {}, s.note});
    }
    for (const auto& c : p->clips())
        if (c.edit_pos && !in_edit.count(c.id)) d.changes.push_back({c.id, project::Field::edit_pos, {}, project::Value{}});
    if (auto r = p->apply(std::move(d)); !r) {
        print_error(r.error().message);
        return 1;
    }
    if (!e->audio.empty() && !p->read_only()) {
        (void)p->set_setting("audio", e->audio.string());
        if (e->audio_seconds > 0) (void)p->set_setting("audio_seconds", std::to_string(e->audio_seconds));
    }
    std::printf("imported %zu shots into %s\n", e->shots.size(), p->folder().c_str());
    return 0;
}

}  // namespace reelsync::app
