// make_real_music: builds the real-music beat-tracking set whose grid is known exactly.
//
//   make_real_music DRUMKITS_DIR SOUNDFONT OUT_DIR
//
// DRUMKITS_DIR is Debian's hydrogen-drumkits data (real recorded kits, one folder per kit) and
// SOUNDFONT a General MIDI soundfont of recorded instruments (fluid-soundfont-gm), played by the
// fluidsynth command. Every track is sequenced here on a grid we write ourselves: drum hits placed
// from the kits' samples (random velocity layers, humanised timing), and bass, chords and piano
// written as a MIDI file and rendered by fluidsynth. Intros without drums, breaks, fills, swing,
// syncopation, half-time sections, tempo drift, 3/4 and 6/8 and music without drums are all in the
// set, and two tracks have no steady beat at all (rubato chords at random times).
//
// Each track NAME gives OUT_DIR/NAME.wav (mono 16-bit 44.1 kHz), NAME.beats.txt and
// NAME.downbeats.txt (the written grid, seconds; empty for no steady beat), and one line of
// OUT_DIR/manifest.tsv: name, split, class, beats per bar, tempo. The split is fixed in the table
// below: "tune" tuned the tracker; "seen" was the first held-out half (scored once, then looked at,
// so tuning material since); "held" was added afterwards and is the held-out half reported. Kits,
// tempi and seeds of "held" are used nowhere else.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "media/audio_track.h"
#include "support/music_gen.h"

namespace fs = std::filesystem;
using reelsync::testing::write_wav;

namespace {

constexpr int kRate = 44100;

enum Inst { Kick, Snare, Hat, OpenHat, Ride, Crash, TomLow, TomHigh, kInsts };

// A kit: its folder and, per instrument, the prefix its sample files start with (all files with
// that prefix are velocity layers or round-robins of the instrument).
struct Kit {
    const char* dir;
    const char* prefix[kInsts];
};
const Kit kKits[] = {
    {"ForzeeStereo", {"Kick-", "Snare-", "HiHatClosed-", "HiHatOpen-", "Ride-", "Crash18-", "TomLow-", "TomHigh-"}},
    {"The Black Pearl 1.0",
     {"PearlKick-", "PearlSnare-", "SabianHatClosed-", "SabianHatOpen-", "PaisteRide-", "SabianCrash-", "PearlTomFloor-", "PearlTom1-"}},
    {"ColomboAcousticDrumkit",
     {"bassdrum-", "snare-opaque-normal-mic-normal", "hihat-closed-", "hihat-open-", "crash20i__ride", "crash16i__crash", "tom-low-",
      "tom-hi-"}},
    {"BJA_Pacific", {"BD_", "SN_", "HH_", "HH2_", "RD_", "CB_", "TM2_", "TM_"}},
    {"Millo-Drums_v.1", {"bd1", "snare3", "closehihat3", "openhat2", "ride2", "cra_Rock_a", "tom2_1", "tom1_a"}},
    {"VariBreaks", {"VP Kick 1", "VP Snare 1", "VP Hat 1 Cl", "VP Hat 1 Op", "VP Hat 2 Cl", "VP Hat 1 Op", "VP Tom Low", "VP Tom Hi"}},
    {"ElectricEmpireKit",
     {"EE_Kick_Power", "EE_Snare_1", "EE_Hat_Cl_Bs", "EE_Hat_Op_Dirty", "EE_Hat_Ring_1", "EE_Hat_Op_Phaser", "EE_Drum_1", "EE_Drum_2"}},
    {"HardElectro1", {"HardHse_K_02", "PowR_SN_1", "Hard_CHH_01", "Hard_Hse_OHH_1", "PowR_HH_1", "Hard_Hse_OHH_1", "PowR_BD_1", "Clap_1"}},
    {"Millo_MultiLayered2", {"bd_", "rsnare_", "hhclosed_", "hhopen_", "ride_", "crash_", "floortom_", "tom_"}},
    {"Millo_MultiLayered3", {"bd_", "sd_", "hh_0", "ho_", "rc_", "cc_", "ft_", "t1_"}},
    {"rumpf_kit_z01_h2",
     {"beats_06-38", "beats_01-21", "beats_09-10", "beats_08-31", "beats_06-40", "beats_06-43", "beats_08-17", "beats_08-19"}},
    {"Gimme A Hand 1.0", {"CajonThumps", "CajonSlaps", "Maraca", "HandClap", "Maraca", "HandClap", "BongoLo", "BongoHi"}},
    {"circAfrique v4",
     {"Dununba1 Head Hit", "Djembe1 Slap", "Djembe2 Tone", "Kenkeni1 Bell Hit", "Sangban1 Bell Hit", "Djembe3 Slap", "Djembe1 Bass",
      "Djembe4 Tone"}},
};
enum KitId { Forzee, BlackPearl, Colombo, Pacific, Millo, VariBreaks, Electric, HardElectro, MilloML2, MilloML3, Rumpf, Hands, Afrique };

// A bar of drums: per instrument a row of steps ('X' accent, 'x' hit, 'g' ghost, '.' rest).
struct Pattern {
    int steps_per_beat;
    const char* rows[kInsts];  // nullptr: the instrument does not play
};
// 4/4 unless named otherwise; steps are 16ths (4 a beat) or 8ths (2 a beat; 3 a beat in 6/8).
const std::map<std::string, Pattern> kPatterns = {
    {"rock", {4, {"x.......x.x.....", "....x.......x...", "X.x.X.x.X.x.X.x.", nullptr, nullptr, nullptr, nullptr, nullptr}}},
    {"house", {4, {"X...X...X...X...", "....x.......x...", "g.g.g.g.g.g.g.g.", "..x...x...x...x.", nullptr, nullptr, nullptr, nullptr}}},
    {"break", {4, {"x.x.......xx....", "....x..g.g..x..g", "x.x.x.x.x.x.x.x.", nullptr, nullptr, nullptr, nullptr, nullptr}}},
    {"funk", {4, {"x.....x..x.x....", "....X..g.g..X..g", "xgxgxgxgxgxgxgxg", nullptr, nullptr, nullptr, nullptr, nullptr}}},
    {"shuffle", {2, {"x...x...", "..x...x.", nullptr, nullptr, "XxXxXxXx", nullptr, nullptr, nullptr}}},
    {"halftime", {4, {"x.........x.....", "........X.......", "x.x.x.x.x.x.x.x.", nullptr, nullptr, nullptr, nullptr, nullptr}}},
    {"waltz", {4, {"x...........", "....x...x...", "X.x.x.x.x.x.", nullptr, nullptr, nullptr, nullptr, nullptr}}},  // 3/4
    {"sixeight", {3, {"x..x..", "...X..", "Xxxxxx", nullptr, nullptr, nullptr, nullptr, nullptr}}},  // 6/8: 2 beats of 3 eighths
};

enum class Class { Drums, Song, NoDrums, Free };
const char* class_name(Class c) {
    switch (c) {
        case Class::Drums: return "drums";
        case Class::Song: return "song";
        case Class::NoDrums: return "nodrums";
        case Class::Free: return "free";
    }
    return "?";
}

struct Track {
    const char* name;
    const char* split;   // "tune" or "held"
    Class cls;
    const char* pattern; // drum pattern (ignored without drums); its meter is the track's
    double bpm;          // beats per minute (dotted quarters in 6/8)
    double seconds;
    int kit = -1;
    double swing = 0;         // off-beat eighths late by this fraction of a beat
    double human_ms = 6;      // timing spread (s.d.) of every played note
    double drift = 0;         // tempo changes linearly by this fraction over the track
    int intro_bars = 0;       // bars without drums at the start (the band comes in later)
    int break_bar = 0;        // drums stop for `break_bars` bars from this bar (0: no break)
    int break_bars = 0;
    int halftime_from = 0;    // a half-time section of 8 bars from this bar (0: none)
    int chord_program = -1;   // General MIDI program of the chords (-1: none)
    bool bass = false;
    uint32_t seed = 1;
};

// The set. Tuning half first, then the held-out half: other kits, tempi, seeds and meters.
const Track kTracks[] = {
    // ---- tuning ----
    {"rock_100", "tune", Class::Drums, "rock", 100, 60, Forzee, 0, 6, 0, 0, 0, 0, 0, -1, false, 11},
    {"house_124", "tune", Class::Drums, "house", 124, 60, Electric, 0, 2, 0, 0, 16, 2, 0, -1, false, 12},
    {"break_126", "tune", Class::Drums, "break", 126, 60, VariBreaks, 0, 5, 0, 0, 0, 0, 0, -1, false, 13},
    {"shuffle_92", "tune", Class::Drums, "shuffle", 92, 60, BlackPearl, 1.0 / 6, 8, 0, 0, 0, 0, 0, -1, false, 14},
    {"funk_104", "tune", Class::Drums, "funk", 104, 60, Colombo, 0, 6, 0, 0, 0, 0, 0, -1, false, 15},
    {"waltz_150", "tune", Class::Drums, "waltz", 150, 60, Millo, 0, 6, 0, 0, 0, 0, 0, -1, false, 16},
    {"song_pop_118", "tune", Class::Song, "rock", 118, 90, Forzee, 0, 6, 0, 4, 20, 2, 0, 0, true, 21},
    {"song_halftime_140", "tune", Class::Song, "rock", 140, 90, Colombo, 0, 6, 0, 0, 0, 0, 12, 89, true, 22},
    {"song_drift_112", "tune", Class::Song, "funk", 112, 90, BlackPearl, 0, 12, 0.03, 2, 0, 0, 0, 0, true, 23},
    {"song_sixeight_72", "tune", Class::Song, "sixeight", 72, 80, Millo, 0, 8, 0, 2, 0, 0, 0, 0, true, 24},
    {"piano_90", "tune", Class::NoDrums, "rock", 90, 60, -1, 0, 10, 0, 0, 0, 0, 0, 0, true, 31},
    {"piano_waltz_120", "tune", Class::NoDrums, "waltz", 120, 60, -1, 0, 10, 0, 0, 0, 0, 0, 0, true, 32},
    {"rubato_a", "tune", Class::Free, "rock", 0, 50, -1, 0, 0, 0, 0, 0, 0, 0, 0, true, 33},
    // ---- seen: the first held-out half, scored once and looked at; tuning material since ----
    {"rock_132", "seen", Class::Drums, "rock", 132, 60, Colombo, 0, 6, 0, 0, 0, 0, 0, -1, false, 41},
    {"house_120", "seen", Class::Drums, "house", 120, 60, HardElectro, 0, 2, 0, 0, 12, 2, 0, -1, false, 42},
    {"break_96", "seen", Class::Drums, "break", 96, 60, Forzee, 0, 5, 0, 0, 0, 0, 0, -1, false, 43},
    {"shuffle_140", "seen", Class::Drums, "shuffle", 140, 60, Millo, 1.0 / 6, 8, 0, 0, 0, 0, 0, -1, false, 44},
    {"funk_88", "seen", Class::Drums, "funk", 88, 60, Pacific, 0, 6, 0, 0, 0, 0, 0, -1, false, 45},
    {"sixeight_66", "seen", Class::Drums, "sixeight", 66, 60, BlackPearl, 0, 6, 0, 0, 0, 0, 0, -1, false, 46},
    {"song_pop_128", "seen", Class::Song, "rock", 128, 90, Pacific, 0, 6, 0, 4, 24, 2, 0, 0, true, 51},
    {"song_halftime_150", "seen", Class::Song, "break", 150, 90, VariBreaks, 0, 6, 0, 0, 0, 0, 16, 89, true, 52},
    {"song_drift_96", "seen", Class::Song, "rock", 96, 90, Forzee, 0, 12, -0.03, 2, 0, 0, 0, 0, true, 53},
    {"song_waltz_132", "seen", Class::Song, "waltz", 132, 80, Colombo, 0, 8, 0, 2, 0, 0, 0, 0, true, 54},
    {"piano_76", "seen", Class::NoDrums, "rock", 76, 60, -1, 0, 10, 0, 0, 0, 0, 0, 0, true, 61},
    {"piano_sixeight_60", "seen", Class::NoDrums, "sixeight", 60, 60, -1, 0, 10, 0, 0, 0, 0, 0, 0, true, 62},
    {"rubato_b", "seen", Class::Free, "rock", 0, 50, -1, 0, 0, 0, 0, 0, 0, 0, 89, true, 63},
    // ---- held out: added after that, never looked at while tuning; kits not used above ----
    {"rock_84", "held", Class::Drums, "rock", 84, 60, MilloML3, 0, 6, 0, 0, 0, 0, 0, -1, false, 71},
    {"house_128", "held", Class::Drums, "house", 128, 60, Rumpf, 0, 3, 0, 0, 16, 2, 0, -1, false, 72},
    {"break_112", "held", Class::Drums, "break", 112, 60, MilloML2, 0, 5, 0, 0, 0, 0, 0, -1, false, 73},
    {"shuffle_116", "held", Class::Drums, "shuffle", 116, 60, Rumpf, 1.0 / 6, 8, 0, 0, 0, 0, 0, -1, false, 74},
    {"funk_96", "held", Class::Drums, "funk", 96, 60, MilloML3, 0, 6, 0, 0, 0, 0, 0, -1, false, 75},
    {"cajon_108", "held", Class::Drums, "rock", 108, 60, Hands, 0, 8, 0, 0, 0, 0, 0, -1, false, 76},
    {"afro_sixeight_80", "held", Class::Drums, "sixeight", 80, 60, Afrique, 0, 8, 0, 0, 0, 0, 0, -1, false, 77},
    {"waltz_108", "held", Class::Drums, "waltz", 108, 60, MilloML2, 0, 6, 0, 0, 0, 0, 0, -1, false, 78},
    {"song_pop_100", "held", Class::Song, "rock", 100, 90, MilloML2, 0, 6, 0, 4, 20, 2, 0, 0, true, 81},
    {"song_halftime_136", "held", Class::Song, "rock", 136, 90, Rumpf, 0, 6, 0, 0, 0, 0, 8, 89, true, 82},
    {"song_drift_124", "held", Class::Song, "funk", 124, 90, MilloML3, 0, 10, 0.02, 2, 0, 0, 0, 0, true, 83},
    {"song_sixeight_84", "held", Class::Song, "sixeight", 84, 80, MilloML3, 0, 8, 0, 2, 0, 0, 0, 0, true, 84},
    {"piano_66", "held", Class::NoDrums, "rock", 66, 60, -1, 0, 10, 0, 0, 0, 0, 0, 0, true, 91},
    {"piano_waltz_96", "held", Class::NoDrums, "waltz", 96, 60, -1, 0, 10, 0, 0, 0, 0, 0, 0, true, 92},
    {"rubato_c", "held", Class::Free, "rock", 0, 50, -1, 0, 0, 0, 0, 0, 0, 0, 48, true, 93},
};

int beats_per_bar(const Pattern& p) {
    const int steps = static_cast<int>(std::string(p.rows[Kick]).size());
    return steps / p.steps_per_beat;
}

// Tempo map: beat k at time beat_time[k]; the tempo moves linearly by `drift` over the track.
struct Grid {
    std::vector<double> beat_time;
    double at(double beat) const {  // time of a fractional beat position
        size_t k = static_cast<size_t>(std::floor(beat));
        if (k + 1 >= beat_time.size()) return beat_time.back();
        return beat_time[k] + (beat - static_cast<double>(k)) * (beat_time[k + 1] - beat_time[k]);
    }
};
Grid make_grid(const Track& t, double start) {
    Grid g;
    const int total = static_cast<int>(t.seconds * t.bpm / 60.0) + 4;
    double time = start;
    for (int k = 0; k <= total; ++k) {
        g.beat_time.push_back(time);
        time += 60.0 / (t.bpm * (1.0 + t.drift * k / total));
    }
    return g;
}

std::vector<float> load_sample(const fs::path& file) {
    auto a = reelsync::media::decode_audio(file.string(), kRate, 1, 0.0);
    if (!a) {
        std::fprintf(stderr, "make_real_music: %s\n", a.error().message.c_str());
        std::exit(1);
    }
    float peak = 0;
    for (float v : a->samples) peak = std::max(peak, std::fabs(v));
    if (peak > 0)
        for (float& v : a->samples) v /= peak;
    return a->samples;
}

// Every layer of every instrument of a kit, peak-normalised.
std::vector<std::vector<std::vector<float>>> load_kit(const fs::path& root, const Kit& kit) {
    std::vector<std::vector<std::vector<float>>> out(kInsts);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / kit.dir)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (int i = 0; i < kInsts; ++i) {
        for (const auto& f : files) {
            const std::string n = f.filename().string(), ext = f.extension().string();
            if (n.rfind(kit.prefix[i], 0) == 0 && (ext == ".wav" || ext == ".flac" || ext == ".aiff")) out[static_cast<size_t>(i)].push_back(load_sample(f));
        }
        if (out[static_cast<size_t>(i)].empty()) {
            std::fprintf(stderr, "make_real_music: no sample for instrument %d of %s\n", i, kit.dir);
            std::exit(1);
        }
    }
    return out;
}

void mix(std::vector<float>& out, double at, const std::vector<float>& s, float gain) {
    const long start = std::lround(at * kRate);
    for (size_t i = 0; i < s.size(); ++i) {
        const long j = start + static_cast<long>(i);
        if (j >= 0 && j < static_cast<long>(out.size())) out[static_cast<size_t>(j)] += gain * s[i];
    }
}

// ---- MIDI, for fluidsynth ----
struct Note {
    double on, off;
    int channel, key, velocity;
};

void put_var(std::string& s, uint32_t v) {
    char buf[5];
    int n = 0;
    buf[n++] = static_cast<char>(v & 0x7f);
    while (v >>= 7) buf[n++] = static_cast<char>(0x80 | (v & 0x7f));
    while (n) s.push_back(buf[--n]);
}

// Format-0 file at a fixed 120 BPM and 480 ticks a quarter: 960 ticks a second, so the notes keep
// their exact times whatever the music's own tempo map is.
void write_midi(const fs::path& path, const std::vector<Note>& notes, const int programs[3]) {
    struct Ev {
        uint32_t tick;
        int order;
        std::string bytes;
    };
    std::vector<Ev> ev;
    for (int c = 0; c < 3; ++c) ev.push_back({0, 0, {static_cast<char>(0xC0 | c), static_cast<char>(programs[c])}});
    for (const Note& n : notes) {
        auto tick = [](double t) { return static_cast<uint32_t>(std::lround(std::max(0.0, t) * 960.0)); };
        ev.push_back({tick(n.on), 2, {static_cast<char>(0x90 | n.channel), static_cast<char>(n.key), static_cast<char>(n.velocity)}});
        ev.push_back({tick(n.off), 1, {static_cast<char>(0x80 | n.channel), static_cast<char>(n.key), 0}});
    }
    std::stable_sort(ev.begin(), ev.end(), [](const Ev& a, const Ev& b) { return a.tick != b.tick ? a.tick < b.tick : a.order < b.order; });
    std::string trk = {0, static_cast<char>(0xFF), 0x51, 3, 0x07, static_cast<char>(0xA1), 0x20};  // 500000 us a quarter
    uint32_t last = 0;
    for (const Ev& e : ev) {
        put_var(trk, e.tick - last);
        last = e.tick;
        trk += e.bytes;
    }
    trk += std::string{0, static_cast<char>(0xFF), 0x2F, 0};
    std::ofstream f(path, std::ios::binary);
    auto be32 = [&](uint32_t v) { for (int s = 24; s >= 0; s -= 8) f.put(static_cast<char>((v >> s) & 0xff)); };
    f.write("MThd", 4);
    be32(6);
    f.put(0), f.put(0), f.put(0), f.put(1), f.put(static_cast<char>(480 >> 8)), f.put(static_cast<char>(480 & 0xff));
    f.write("MTrk", 4);
    be32(static_cast<uint32_t>(trk.size()));
    f.write(trk.data(), static_cast<std::streamsize>(trk.size()));
}

std::vector<float> render_midi(const fs::path& mid, const std::string& soundfont, double seconds) {
    const fs::path wav = fs::path(mid).replace_extension(".fs.wav");
    pid_t pid = fork();
    if (pid == 0) {
        execlp("fluidsynth", "fluidsynth", "-ni", "-q", "-g", "0.5", "-r", "44100", "-F", wav.c_str(), soundfont.c_str(), mid.c_str(),
               static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "make_real_music: fluidsynth failed on %s\n", mid.c_str());
        std::exit(1);
    }
    auto out = load_sample(wav);
    fs::remove(wav);
    out.resize(static_cast<size_t>(seconds * kRate), 0.0f);
    return out;
}

// Chords of the progression (root MIDI key, minor?) — four bars, repeated.
struct Chord {
    int root;
    bool minor;
};
std::vector<int> chord_keys(const Chord& c, int octave_base) {
    const int third = c.minor ? 3 : 4;
    return {octave_base + c.root % 12, octave_base + c.root % 12 + third, octave_base + c.root % 12 + 7};
}

void write_lines(const fs::path& p, const std::vector<double>& v) {
    std::ofstream f(p);
    char buf[32];
    for (double x : v) {
        std::snprintf(buf, sizeof buf, "%.6f\n", x);
        f << buf;
    }
}

void build(const Track& t, const fs::path& kits_root, const std::string& soundfont, const fs::path& out_dir, std::ofstream& manifest) {
    std::mt19937 rng(t.seed);
    std::normal_distribution<double> gauss(0.0, 1.0);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    auto jitter = [&](double sd_ms) { return std::clamp(gauss(rng), -3.0, 3.0) * sd_ms / 1000.0; };
    const Pattern& pat = kPatterns.at(t.pattern);
    const int bpb = beats_per_bar(pat);
    const size_t length = static_cast<size_t>(t.seconds * kRate);
    std::vector<float> out(length, 0.0f);
    std::vector<double> beats, downbeats;
    std::vector<Note> notes;
    const Chord prog[4] = {{0, false}, {9, true}, {5, false}, {7, false}};  // I vi IV V, transposed by the seed
    const int key = static_cast<int>(t.seed % 7) * 2 % 12;
    const int programs[3] = {33, t.chord_program < 0 ? 0 : t.chord_program, 0};

    if (t.cls == Class::Free) {
        // Rubato: chords and melody notes at random times; no beat to find.
        double time = 0.3;
        int i = 0;
        while (time < t.seconds - 2) {
            const Chord c = prog[(i++ + static_cast<int>(uni(rng) * 3)) % 4];
            const double len = 0.45 + 1.9 * uni(rng);
            for (int k : chord_keys({c.root + key, c.minor}, 48)) notes.push_back({time + jitter(25), time + len, 1, k, 50 + static_cast<int>(40 * uni(rng))});
            notes.push_back({time, time + len, 0, 36 + (c.root + key) % 12, 70});
            double m = time + 0.15 + 0.4 * uni(rng);
            while (m < time + len - 0.1) {
                notes.push_back({m, m + 0.3 + 0.5 * uni(rng), 2, 72 + (c.root + key + (uni(rng) < 0.5 ? 4 : 7)) % 12 + (uni(rng) < 0.3 ? 12 : 0),
                                 40 + static_cast<int>(50 * uni(rng))});
                m += 0.2 + 0.7 * uni(rng);
            }
            time += len;
        }
    } else {
        const Grid g = make_grid(t, 0.25);
        const double last_beat_time = t.seconds - 1.0;
        const int bars = static_cast<int>((g.beat_time.size() - 2) / static_cast<size_t>(bpb));
        std::vector<std::vector<std::vector<float>>> kit;
        if (t.kit >= 0) kit = load_kit(kits_root, kKits[t.kit]);
        const float gains[kInsts] = {1.0f, 0.8f, 0.3f, 0.35f, 0.3f, 0.35f, 0.7f, 0.7f};
        const int steps = static_cast<int>(std::string(pat.rows[Kick]).size());
        for (int bar = 0; bar < bars; ++bar) {
            const double bar_beat = static_cast<double>(bar * bpb);
            if (g.at(bar_beat) > last_beat_time) break;
            for (int b = 0; b < bpb; ++b) {
                const double bt = g.at(bar_beat + b);
                if (bt <= last_beat_time) {
                    beats.push_back(bt);
                    if (b == 0) downbeats.push_back(bt);
                }
            }
            auto step_time = [&](double step) {
                double beat = step / pat.steps_per_beat;
                const double frac = beat - std::floor(beat);
                if (t.swing > 0 && std::fabs(frac - 0.5) < 1e-9) beat += t.swing;
                return g.at(bar_beat + beat);
            };
            // Drums.
            const bool drums = !kit.empty() && bar >= t.intro_bars && !(t.break_bar && bar >= t.break_bar && bar < t.break_bar + t.break_bars);
            if (drums) {
                const bool half = t.halftime_from && bar >= t.halftime_from && bar < t.halftime_from + 8;
                const Pattern& p = half ? kPatterns.at("halftime") : pat;
                const bool fill = (bar - t.intro_bars) % 8 == 7;
                for (int i = 0; i < kInsts; ++i) {
                    if (!p.rows[i]) continue;
                    const std::string row = p.rows[i];
                    for (int s = 0; s < static_cast<int>(row.size()); ++s) {
                        const char c = row[static_cast<size_t>(s)];
                        if (c == '.') continue;
                        if (fill && s >= steps - p.steps_per_beat && i != Kick) continue;  // the fill takes the last beat
                        const double vel = (c == 'X' ? 1.0 : c == 'x' ? 0.75 : 0.35) * (0.9 + 0.2 * uni(rng));
                        const auto& layers = kit[static_cast<size_t>(i)];
                        mix(out, step_time(s) + jitter(t.human_ms), layers[static_cast<size_t>(uni(rng) * static_cast<double>(layers.size())) % layers.size()],
                            gains[i] * static_cast<float>(vel));
                    }
                }
                if (fill)
                    for (int s = steps - p.steps_per_beat; s < steps; ++s) {
                        const auto& layers = kit[s < steps - p.steps_per_beat / 2 ? TomHigh : TomLow];
                        mix(out, step_time(s) + jitter(t.human_ms), layers[0], 0.6f);
                    }
                if ((bar - t.intro_bars) % 8 == 0) mix(out, step_time(0) + jitter(t.human_ms), kit[Crash][0], gains[Crash]);
            }
            // Bass, chords, piano.
            if (t.bass || t.chord_program >= 0) {
                const Chord c = prog[bar % 4];
                const int root = (c.root + key) % 12;
                const double bar_end = g.at(bar_beat + bpb);
                if (t.bass) {
                    std::vector<std::pair<double, int>> bass_beats;  // (beat position in bar, interval)
                    if (bpb == 3) bass_beats = {{0, 0}};
                    else if (bpb == 2) bass_beats = {{0, 0}, {1, 7}};
                    else bass_beats = {{0, 0}, {1.5, 0}, {2, 7}};
                    for (auto [pos, iv] : bass_beats)
                        notes.push_back({g.at(bar_beat + pos) + jitter(t.human_ms), g.at(bar_beat + pos + 0.9), 0, 28 + root + iv, 95});
                }
                if (t.cls == Class::NoDrums) {
                    // Piano: chord on beat one, then an arpeggio on every eighth (every third of the beat in 6/8).
                    const auto keys = chord_keys({root, c.minor}, 60);
                    for (int k : keys) notes.push_back({g.at(bar_beat) + jitter(t.human_ms), bar_end, 1, k - 12, 80});
                    const int per_beat = bpb == 2 ? 3 : 2;
                    for (int e = 0; e < bpb * per_beat; ++e) {
                        const double on = g.at(bar_beat + static_cast<double>(e) / per_beat);
                        const int k = keys[static_cast<size_t>(e) % keys.size()] + (e / 3 % 2 ? 12 : 0);
                        const bool strong = e % per_beat == 0;
                        notes.push_back({on + jitter(t.human_ms), on + 0.5 * 60 / t.bpm, 2, k, strong ? 78 : 55});
                    }
                } else if (t.chord_program >= 0) {
                    // Chords held over the bar (a pad), or piano stabs on the off-beats of a song.
                    const auto keys = chord_keys({root, c.minor}, 60);
                    if (t.chord_program != 0) {
                        for (int k : keys) notes.push_back({g.at(bar_beat), bar_end, 1, k, 70});
                    } else {
                        for (int b = 0; b < bpb; ++b)
                            for (int k : keys)
                                notes.push_back({g.at(bar_beat + b + 0.5) + jitter(t.human_ms), g.at(bar_beat + b + 0.8), 1, k, 60});
                    }
                }
            }
        }
    }
    if (!notes.empty()) {
        const fs::path mid = out_dir / (std::string(t.name) + ".mid");
        write_midi(mid, notes, programs);
        const auto m = render_midi(mid, soundfont, t.seconds);
        const float gain = t.kit >= 0 ? 0.6f : 1.0f;
        for (size_t i = 0; i < length; ++i) out[i] += gain * m[i];
        fs::remove(mid);
    }
    float peak = 0;
    for (float v : out) peak = std::max(peak, std::fabs(v));
    if (peak > 0)
        for (float& v : out) v *= 0.9f / peak;
    const fs::path base = out_dir / t.name;
    write_lines(base.string() + ".beats.txt", beats);
    write_lines(base.string() + ".downbeats.txt", downbeats);
    write_wav(base.string() + ".wav", out, kRate);
    manifest << t.name << '\t' << t.split << '\t' << class_name(t.cls) << '\t' << (t.cls == Class::Free ? 0 : beats_per_bar(pat)) << '\t'
             << t.bpm << '\n';
    std::printf("make_real_music: %-20s %s %-7s %zu beats\n", t.name, t.split, class_name(t.cls), beats.size());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: make_real_music DRUMKITS_DIR SOUNDFONT OUT_DIR\n");
        return 2;
    }
    const fs::path kits = argv[1], out = argv[3];
    fs::create_directories(out);
    std::ofstream manifest(out / "manifest.tsv.tmp");
    for (const Track& t : kTracks) build(t, kits, argv[2], out, manifest);
    manifest.close();
    fs::rename(out / "manifest.tsv.tmp", out / "manifest.tsv");
    return 0;
}
