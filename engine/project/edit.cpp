#include "project/edit.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/timecode.h"
#include "media/clip_info.h"
#include "media/video_decoder.h"

namespace reelsync::project {

namespace fs = std::filesystem;
using json = nlohmann::json;

Seconds Seconds::operator+(Seconds o) const {
    int64_t g = std::gcd(den, o.den);
    int64_t d = den / g * o.den;
    int64_t n = num * (d / den) + o.num * (d / o.den);
    int64_t r = std::gcd(n, d);
    if (r == 0) r = 1;
    return {n / r, d / r};
}

int64_t Seconds::floor_frames(Rational rate) const {
    // seconds * rate = num * rate.num / (den * rate.den)
    int128 a = static_cast<int128>(num) * rate.num, b = static_cast<int128>(den) * rate.den;
    int128 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return static_cast<int64_t>(q);
}

int64_t Seconds::round_frames(Rational rate) const { return rescale(num, rate.num, den * rate.den); }

Seconds frames_to_seconds(int64_t frames, Rational rate) {
    Seconds s{frames * rate.den, rate.num};
    int64_t g = std::gcd(s.num, s.den);
    if (g) s = {s.num / g, s.den / g};
    return s;
}

Seconds Edit::start_of(size_t i) const {
    Seconds t;
    for (size_t k = 0; k < i && k < shots.size(); ++k) t = t + shots[k].length();
    return t;
}

namespace {

std::string beats_key(const fs::path& song) {
    std::error_code ec;
    const auto size = fs::file_size(song, ec);
    const auto mtime = fs::last_write_time(song, ec).time_since_epoch().count();
    if (ec) return {};
    return song.string() + "|" + std::to_string(size) + "|" + std::to_string(mtime) + "|v" + std::to_string(analysis::kBeatTrackerVersion);
}
}  // namespace

std::optional<analysis::BeatTrack> cached_song_beats(const Project& project, const fs::path& song) {
    const std::string key = beats_key(song);
    if (key.empty() || project.setting("beats_of") != key) return std::nullopt;
    json j = json::parse(project.setting("beats").value_or("{}"), nullptr, false);
    if (!j.is_object() || !j.contains("beats")) return std::nullopt;
    analysis::BeatTrack t;
    t.tempo_bpm = j.value("tempo", 0.0);
    t.duration = j.value("duration", 0.0);
    t.beats = j["beats"].get<std::vector<double>>();
    t.beats_per_bar = j.value("beats_per_bar", 4);
    if (j.contains("downbeats")) t.downbeats = j["downbeats"].get<std::vector<double>>();
    t.steady = j.value("steady", true);
    t.confidence = j.value("confidence", 0.0);
    if (j.contains("alternatives") && j["alternatives"].is_array())
        for (const auto& a : j["alternatives"]) {
            analysis::TempoReading r;
            r.tempo_bpm = a.value("tempo", 0.0);
            r.weight = a.value("weight", 0.0);
            r.beats_per_bar = a.value("beats_per_bar", 4);
            if (a.contains("beats")) r.beats = a["beats"].get<std::vector<double>>();
            if (a.contains("downbeats")) r.downbeats = a["downbeats"].get<std::vector<double>>();
            t.alternatives.push_back(std::move(r));
        }
    return t;
}

void store_song_beats(Project& project, const fs::path& song, const analysis::BeatTrack& t) {
    const std::string key = beats_key(song);
    if (key.empty() || project.read_only()) return;
    json j{{"tempo", t.tempo_bpm}, {"duration", t.duration}, {"beats", t.beats}, {"beats_per_bar", t.beats_per_bar},
           {"downbeats", t.downbeats}, {"steady", t.steady}, {"confidence", t.confidence}};
    json alts = json::array();
    for (const auto& a : t.alternatives)
        alts.push_back({{"tempo", a.tempo_bpm}, {"weight", a.weight}, {"beats_per_bar", a.beats_per_bar}, {"beats", a.beats}, {"downbeats", a.downbeats}});
    j["alternatives"] = std::move(alts);
    (void)project.set_setting("beats", j.dump());
    (void)project.set_setting("beats_of", key);
}

Result<analysis::BeatTrack> song_beats(Project& project, const fs::path& song) {
    if (auto c = cached_song_beats(project, song)) return *c;
    auto t = analysis::track_beats_file(song.string());
    if (!t) return std::unexpected(t.error());
    store_song_beats(project, song, *t);
    return t;
}

analysis::GridCorrection grid_correction(const Project& project, const fs::path& song) {
    json j = json::parse(project.setting("beat_grid").value_or("{}"), nullptr, false);
    if (!j.is_object() || j.value("song", std::string()) != song.string()) return {};
    return analysis::grid_correction_from_json(j);
}

Result<void> set_grid_correction(Project& project, const fs::path& song, const analysis::GridCorrection& c) {
    json j = analysis::to_json(c);
    j["song"] = song.string();
    return project.set_setting("beat_grid", j.dump());
}

analysis::BeatTrack corrected_beats(const Project& project, const fs::path& song, const analysis::BeatTrack& tracked) {
    return analysis::corrected(tracked, grid_correction(project, song));
}

int64_t snap_trim(const Edit& e, size_t i, bool in, int64_t frame, const std::vector<double>& beats) {
    if (i >= e.shots.size() || beats.empty()) return frame;
    const Shot& s = e.shots[i];
    const double rate = s.rate.to_double();
    if (!(rate > 0)) return frame;
    const double start = e.start_of(i).to_double();
    const int64_t first = in ? frame : s.in, last = in ? s.out : frame;
    const double cut = start + static_cast<double>(last - first + 1) / rate;  // the cut this trim moves
    const int64_t frames = std::max<int64_t>(1, std::llround((analysis::nearest_beat(cut, beats) - start) * rate));
    if (in) return std::clamp<int64_t>(last - frames + 1, 0, last);
    return std::clamp<int64_t>(first + frames - 1, first, std::max(first, s.clip_frames - 1));
}

std::vector<analysis::CutOffset> cut_offsets(const Edit& e, const std::vector<double>& beats) {
    std::vector<double> cuts;
    for (size_t i = 1; i < e.shots.size(); ++i) cuts.push_back(e.start_of(i).to_double());
    return analysis::check_cuts(beats, cuts, e.rate);
}

std::optional<analysis::Continuity> continuity_at_cut(const Shot& out, const Shot& in) {
    auto grab = [](const Shot& s, int64_t n) -> std::shared_ptr<AVFrame> {
        auto d = media::VideoDecoder::open(s.path.string());
        if (!d || !(*d)->seek(n)) return nullptr;
        auto f = (*d)->next();
        if (!f || !*f) return nullptr;
        return (*f)->picture;
    };
    auto a = grab(out, out.out), b = grab(in, in.in);
    if (!a || !b) return std::nullopt;
    return analysis::compare_across_cut(*a, *b);
}

std::vector<std::optional<analysis::Continuity>> cut_continuity(const Edit& e) {
    std::vector<std::optional<analysis::Continuity>> out;
    for (size_t i = 1; i < e.shots.size(); ++i) out.push_back(continuity_at_cut(e.shots[i - 1], e.shots[i]));
    return out;
}

Result<ClipMedia> probe_media(const fs::path& file) {
    auto info = media::probe(file.string());
    if (!info) return std::unexpected(info.error());
    ClipMedia m;
    m.codec = info->video->codec;
    m.width = info->video->width;
    m.height = info->video->height;
    m.rate = info->video->frame_rate.reduced();
    m.frame_count = info->frame_count();
    m.duration = info->duration_seconds;
    return m;
}

Result<Edit> build_edit(const Project& project) {
    Edit e;
    e.name = project.folder().filename().string();
    if (auto a = project.setting("audio")) e.audio = fs::path(*a);
    if (auto s = project.setting("audio_seconds")) e.audio_seconds = std::atof(s->c_str());
    for (const Clip* c : project.edit()) {
        if (c->missing) return fail(project.absolute(*c).string() + ": missing (relink the project's clips)");
        ClipMedia m;
        if (c->media) {
            m = *c->media;
        } else {
            auto p = probe_media(project.absolute(*c));
            if (!p) return std::unexpected(p.error());
            m = *p;
        }
        Shot s;
        s.clip_id = c->id;
        s.name = c->name;
        s.path = project.absolute(*c);
        s.rate = m.rate;
        s.clip_frames = m.frame_count;
        s.in = std::clamp<int64_t>(c->mark_in.value_or(0), 0, m.frame_count - 1);
        s.out = std::clamp<int64_t>(c->mark_out.value_or(m.frame_count - 1), s.in, m.frame_count - 1);
        s.status = c->status;
        s.rating = c->rating;
        s.note = c->note;
        e.shots.push_back(std::move(s));
    }
    if (auto r = project.setting("edit_rate")) {
        int64_t n = 0, d = 1;
        if (std::sscanf(r->c_str(), "%lld/%lld", reinterpret_cast<long long*>(&n), reinterpret_cast<long long*>(&d)) >= 1 && n > 0 && d > 0)
            e.rate = Rational{n, d}.reduced();
    } else if (!e.shots.empty()) {
        e.rate = e.shots.front().rate;
    }
    return e;
}

bool drop_frame_capable(Rational rate) {
    Rational r = rate.reduced();
    return (r.num == 30000 || r.num == 60000) && r.den == 1001;
}

std::string timecode_drop_frame(int64_t frame, Rational rate) {
    const int64_t nominal = static_cast<int64_t>(std::llround(rate.to_double()));
    const int64_t drop = nominal / 15;                 // 2 at 29.97, 4 at 59.94
    const int64_t per_min = nominal * 60 - drop;       // frames in a minute that drops
    const int64_t per_10min = nominal * 600 - drop * 9;
    const int64_t tens = frame / per_10min;
    const int64_t rem = frame % per_10min;
    int64_t n = frame + drop * 9 * tens;
    if (rem > drop) n += drop * ((rem - drop) / per_min);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld;%02lld", static_cast<long long>(n / (nominal * 3600)),
                  static_cast<long long>(n / (nominal * 60) % 60), static_cast<long long>(n / nominal % 60),
                  static_cast<long long>(n % nominal));
    return buf;
}

std::string file_url(const fs::path& p) {
    static const char* hex = "0123456789ABCDEF";
    std::string out = "file://";
    for (unsigned char c : p.generic_string()) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

fs::path path_from_url(const std::string& url) {
    std::string s = url.rfind("file://", 0) == 0 ? url.substr(7) : url;
    std::string out;
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (size_t i = 0; i < s.size(); ++i) {
        const int hi = s[i] == '%' && i + 2 < s.size() ? hex(s[i + 1]) : -1, lo = hi >= 0 ? hex(s[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {  // %XX; a '%' not followed by two hex digits stays as it is
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return fs::path(out);
}

// --- OpenTimelineIO ---

namespace {

json rational_time(double value, Rational rate) {
    return json{{"OTIO_SCHEMA", "RationalTime.1"}, {"rate", rate.to_double()}, {"value", value}};
}
json time_range(double start, double duration, Rational rate) {
    return json{{"OTIO_SCHEMA", "TimeRange.1"}, {"start_time", rational_time(start, rate)},
                {"duration", rational_time(duration, rate)}};
}
json empty_item(const char* schema, const std::string& name) {
    return json{{"OTIO_SCHEMA", schema}, {"name", name}, {"metadata", json::object()}, {"effects", json::array()},
                {"markers", json::array()}, {"enabled", true}, {"source_range", nullptr}};
}
json external_reference(const fs::path& p, json available) {
    return json{{"OTIO_SCHEMA", "ExternalReference.1"}, {"name", p.filename().string()}, {"metadata", json::object()},
                {"target_url", file_url(p)}, {"available_range", std::move(available)},
                {"available_image_bounds", nullptr}};
}
json clip_item(const std::string& name, json source_range, json reference) {
    json c = empty_item("Clip.2", name);
    c["source_range"] = std::move(source_range);
    c["media_references"] = json{{"DEFAULT_MEDIA", std::move(reference)}};
    c["active_media_reference_key"] = "DEFAULT_MEDIA";
    return c;
}

// A rate from a double OTIO wrote: the exact rational it stands for, when it is a known video rate.
Rational rate_from_double(double r, Rational hint) {
    if (hint.valid() && std::fabs(hint.to_double() - r) < 1e-9) return hint;
    for (int64_t base : {24, 25, 30, 48, 50, 60, 120}) {
        if (std::fabs(r - static_cast<double>(base)) < 1e-9) return {base, 1};
        if (std::fabs(r - static_cast<double>(base) * 1000.0 / 1001.0) < 1e-9) return {base * 1000, 1001};
    }
    return {static_cast<int64_t>(std::llround(r * 1000)), 1000};
}

}  // namespace

std::string to_otio(const Edit& e) {
    json video = empty_item("Track.1", "V1");
    video["kind"] = "Video";
    video["children"] = json::array();
    for (size_t i = 0; i < e.shots.size(); ++i) {
        const Shot& s = e.shots[i];
        json c = clip_item(s.name, time_range(static_cast<double>(s.in), static_cast<double>(s.frames()), s.rate),
                           external_reference(s.path, time_range(0, static_cast<double>(s.clip_frames), s.rate)));
        c["metadata"]["reelsync"] = json{{"status", to_string(s.status)}, {"rating", s.rating}, {"note", s.note},
                                         {"rate", s.rate.str()}, {"in", s.in}, {"out", s.out}};
        if (!s.note.empty()) {
            json m{{"OTIO_SCHEMA", "Marker.2"}, {"name", "note"}, {"color", "YELLOW"}, {"comment", s.note},
                   {"metadata", json::object()}, {"marked_range", time_range(static_cast<double>(s.in), 0, s.rate)}};
            c["markers"].push_back(std::move(m));
        }
        video["children"].push_back(std::move(c));
    }
    json audio = empty_item("Track.1", "A1");
    audio["kind"] = "Audio";
    audio["children"] = json::array();
    const Seconds len = e.length();
    if (!e.audio.empty()) {
        // The song from its start for the length of the edit, in samples at 48 kHz.
        const Rational ar{48000, 1};
        const double edit_samples = static_cast<double>(len.round_frames(ar));
        const double song_samples = e.audio_seconds > 0 ? std::round(e.audio_seconds * 48000.0) : edit_samples;
        audio["children"].push_back(clip_item(e.audio.filename().string(), time_range(0, edit_samples, ar),
                                              external_reference(e.audio, time_range(0, song_samples, ar))));
    }
    json stack = empty_item("Stack.1", "tracks");
    stack["children"] = json::array({std::move(video), std::move(audio)});
    json t{{"OTIO_SCHEMA", "Timeline.1"}, {"name", e.name}, {"global_start_time", nullptr},
           {"metadata", json{{"reelsync", json{{"edit_rate", e.rate.str()}}}}}, {"tracks", std::move(stack)}};
    return t.dump(4) + "\n";
}

namespace {

// A number an OpenTimelineIO file gives: finite and within [lo, hi], or an error naming it.
double otio_number(const json& j, const char* what, double lo, double hi) {
    if (!j.is_number()) throw std::runtime_error(std::string(what) + " is not a number");
    const double v = j.get<double>();
    if (!std::isfinite(v) || v < lo || v > hi) throw std::runtime_error(std::string(what) + " is out of range");
    return v;
}
std::string otio_string(const json& j, const char* key, const char* fallback) {
    if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
    if (!j.at(key).is_string()) throw std::runtime_error(std::string(key) + " is not text");
    return j.at(key).get<std::string>();
}
// Frame counts and positions: whole frames up to about ten years at 120 fps.
constexpr double kMaxFrames = 4e10;

}  // namespace

Result<Edit> from_otio(const std::string& text) {
    json t = json::parse(text, nullptr, false);
    if (t.is_discarded() || !t.is_object()) return fail("not an OpenTimelineIO file (not JSON)");
    Edit e;
    // Every field is checked for its type and range: a damaged or hand-edited file is an error
    // that names the field, never a crash or a nonsense edit.
    try {
        if (otio_string(t, "OTIO_SCHEMA", "").rfind("Timeline.", 0) != 0) return fail("not an OpenTimelineIO timeline");
        e.name = otio_string(t, "name", "");
        const json& md = t.at("metadata");
        if (md.is_object() && md.contains("reelsync") && md["reelsync"].is_object()) {
            long long n = 0, d = 1;
            const std::string rate = otio_string(md["reelsync"], "edit_rate", "");
            if (std::sscanf(rate.c_str(), "%lld/%lld", &n, &d) == 2 && n > 0 && d > 0 && n <= 1000000 && d <= 1000000) e.rate = Rational{n, d};
        }
        for (const json& track : t.at("tracks").at("children")) {
            const std::string kind = otio_string(track, "kind", "");
            for (const json& item : track.at("children")) {
                const std::string schema = otio_string(item, "OTIO_SCHEMA", "");
                if (schema.rfind("Clip.", 0) != 0) return fail("unsupported item in the timeline: " + schema);
                const json& range = item.at("source_range");
                const json& ref = item.at("media_references").at(otio_string(item, "active_media_reference_key", "DEFAULT_MEDIA"));
                const std::string url = otio_string(ref, "target_url", "");
                // Local files only: reelsync never fetches media, and a file URL naming another
                // machine ("file://host/...") is not a file here.
                if (url.find("://") != std::string::npos && url.rfind("file:///", 0) != 0 && url.rfind("file://localhost/", 0) != 0)
                    throw std::runtime_error("a clip's media is not a local file: " + url);
                const fs::path path = path_from_url(url.rfind("file://localhost/", 0) == 0 ? "file://" + url.substr(16) : url);
                if (path.empty()) throw std::runtime_error("a clip has no target_url");
                if (kind == "Audio") {
                    e.audio = path;
                    const json& avail = ref.at("available_range");
                    if (avail.is_object())
                        e.audio_seconds = otio_number(avail.at("duration").at("value"), "the song's length", 0, 1e12) /
                                          otio_number(avail.at("duration").at("rate"), "the song's rate", 1, 1e7);
                    continue;
                }
                Shot s;
                s.name = otio_string(item, "name", "");
                s.path = path;
                Rational hint;
                const json& md2 = item.at("metadata");
                if (md2.is_object() && md2.contains("reelsync") && md2["reelsync"].is_object()) {
                    const json& r = md2["reelsync"];
                    long long n = 0, d = 1;
                    const std::string rate = otio_string(r, "rate", "");
                    if (std::sscanf(rate.c_str(), "%lld/%lld", &n, &d) == 2 && n > 0 && d > 0 && n <= 1000000 && d <= 1000000) hint = {n, d};
                    if (r.contains("rating")) s.rating = static_cast<int>(otio_number(r.at("rating"), "rating", 0, 5));
                    s.note = otio_string(r, "note", "");
                    const std::string st = otio_string(r, "status", "approved");
                    s.status = st == "rejected" ? Status::rejected : st == "unreviewed" ? Status::unreviewed : Status::approved;
                }
                const json& start = range.at("start_time");
                s.rate = rate_from_double(otio_number(start.at("rate"), "a clip's rate", 0.001, 1000), hint);
                if (!s.rate.valid() || s.rate.num <= 0) throw std::runtime_error("a clip's rate is out of range");
                s.in = std::llround(otio_number(start.at("value"), "a clip's start", 0, kMaxFrames));
                const int64_t frames = std::llround(otio_number(range.at("duration").at("value"), "a clip's duration", 1, kMaxFrames));
                s.out = s.in + frames - 1;
                const json& avail = ref.at("available_range");
                s.clip_frames = avail.is_object() ? std::llround(otio_number(avail.at("duration").at("value"), "a clip's length", 0, kMaxFrames))
                                                  : s.out + 1;
                e.shots.push_back(std::move(s));
            }
        }
    } catch (const json::exception& ex) {
        return fail(std::string("OpenTimelineIO file is missing a field: ") + ex.what());
    } catch (const std::exception& ex) {
        return fail(std::string("OpenTimelineIO file: ") + ex.what());
    }
    return e;
}

// --- CMX3600 ---

namespace {
// An EDL is read line by line: a line break inside a name or note would start a bogus event.
std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}
}  // namespace

std::string to_edl(const Edit& e, bool drop_frame) {
    const bool df = drop_frame && drop_frame_capable(e.rate);
    auto tc = [&](int64_t frame, Rational rate) {
        return df && drop_frame_capable(rate) ? timecode_drop_frame(frame, rate) : timecode(frame, rate);
    };
    std::ostringstream o;
    std::string title = e.name.empty() ? "reelsync edit" : one_line(e.name);
    o << "TITLE: " << title.substr(0, 70) << "\n";
    o << "FCM: " << (df ? "DROP FRAME" : "NON-DROP FRAME") << "\n\n";
    int event = 1;
    char line[160];
    for (size_t i = 0; i < e.shots.size(); ++i) {
        const Shot& s = e.shots[i];
        const int64_t rec_in = e.start_of(i).round_frames(e.rate);
        const int64_t rec_out = e.start_of(i + 1).round_frames(e.rate);
        std::snprintf(line, sizeof line, "%03d  %-8s %-5s %-8s %s %s %s %s\n", event++, "AX", "V", "C",
                      tc(s.in, s.rate).c_str(), tc(s.out + 1, s.rate).c_str(), tc(rec_in, e.rate).c_str(),
                      tc(rec_out, e.rate).c_str());
        o << line;
        o << "* FROM CLIP NAME: " << one_line(s.name) << "\n";
        if (!s.note.empty()) o << "* COMMENT: " << one_line(s.note) << "\n";
        o << "\n";
    }
    if (!e.audio.empty() && !e.shots.empty()) {
        const int64_t len = e.length().round_frames(e.rate);
        std::snprintf(line, sizeof line, "%03d  %-8s %-5s %-8s %s %s %s %s\n", event++, "AX", "A", "C", tc(0, e.rate).c_str(),
                      tc(len, e.rate).c_str(), tc(0, e.rate).c_str(), tc(len, e.rate).c_str());
        o << line << "* FROM CLIP NAME: " << one_line(e.audio.filename().string()) << "\n\n";
    }
    return o.str();
}

// --- CSV ---

namespace {
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + "\"";
}
}  // namespace

std::string to_csv(const Project& p) {
    std::ostringstream o;
    o << "clip,path,status,rating,in,out,in_timecode,out_timecode,frames,rate,edit_position,note,missing,probe_error\r\n";
    std::map<int64_t, size_t> place;  // clip id -> 1-based place in the edit
    for (const Clip* c : p.edit()) place.emplace(c->id, place.size() + 1);
    for (const Clip& c : p.clips()) {
        std::string in, out, in_tc, out_tc, frames, rate;
        if (c.mark_in) in = std::to_string(*c.mark_in);
        if (c.mark_out) out = std::to_string(*c.mark_out);
        if (c.media) {
            rate = c.media->rate.str();
            frames = std::to_string(c.media->frame_count);
            if (c.mark_in) in_tc = timecode(*c.mark_in, c.media->rate);
            if (c.mark_out) out_tc = timecode(*c.mark_out, c.media->rate);
        }
        o << csv_field(c.name) << ',' << csv_field(c.path) << ',' << to_string(c.status) << ',' << c.rating << ',' << in << ','
          << out << ',' << in_tc << ',' << out_tc << ',' << frames << ',' << rate << ','
          << (place.count(c.id) ? std::to_string(place.at(c.id)) : "") << ',' << csv_field(c.note) << ',' << (c.missing ? "yes" : "no")
          << ',' << csv_field(c.probe_error) << "\r\n";
    }
    return o.str();
}

}  // namespace reelsync::project
