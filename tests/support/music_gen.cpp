#include "support/music_gen.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <algorithm>
#include <random>

#include "support/media_gen.h"

namespace reelsync::testing {

namespace {

constexpr int kRate = 44100;

void add(std::vector<float>& out, double at, const std::vector<float>& sound, float gain) {
    long start = std::lround(at * kRate);
    for (size_t i = 0; i < sound.size(); ++i) {
        long j = start + static_cast<long>(i);
        if (j >= 0 && j < static_cast<long>(out.size())) out[static_cast<size_t>(j)] += gain * sound[i];
    }
}

}  // namespace

// Written beside the target and renamed: tests running in parallel may generate the same track.
void write_wav(const std::string& final_path, const std::vector<float>& x, int rate) {
    const std::string path = final_path + ".tmp-" + std::to_string(getpid());
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return;
    auto u32 = [&](uint32_t v) { std::fwrite(&v, 4, 1, f); };
    auto u16 = [&](uint16_t v) { std::fwrite(&v, 2, 1, f); };
    uint32_t data = static_cast<uint32_t>(x.size() * 2);
    std::fwrite("RIFF", 1, 4, f);
    u32(36 + data);
    std::fwrite("WAVEfmt ", 1, 8, f);
    u32(16);
    u16(1);
    u16(1);
    u32(static_cast<uint32_t>(rate));
    u32(static_cast<uint32_t>(rate) * 2);
    u16(2);
    u16(16);
    std::fwrite("data", 1, 4, f);
    u32(data);
    for (float v : x) {
        int16_t s = static_cast<int16_t>(std::lround(std::clamp(v, -1.0f, 1.0f) * 32767));
        std::fwrite(&s, 2, 1, f);
    }
    std::fclose(f);
    std::rename(path.c_str(), final_path.c_str());
}

GeneratedMusic generate_music(const std::string& name, const MusicSpec& s) {
    std::mt19937 rng(s.seed);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    auto decay = [](double seconds, auto&& fn) {
        std::vector<float> v(static_cast<size_t>(seconds * kRate));
        for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(fn(static_cast<double>(i) / kRate));
        return v;
    };
    std::vector<float> kick = decay(0.3, [](double t) {
        double f = 45 + 75 * std::exp(-t / 0.03);
        return std::sin(2 * M_PI * f * t) * std::exp(-t / 0.09);
    });
    std::vector<float> snare = decay(0.2, [&](double t) {
        return 0.6 * gauss(rng) * std::exp(-t / 0.05) + 0.4 * std::sin(2 * M_PI * 190 * t) * std::exp(-t / 0.07);
    });
    float last = 0;
    std::vector<float> hat = decay(0.06, [&](double t) {
        float n = gauss(rng);
        float hp = n - last;
        last = n;
        return 0.5 * hp * std::exp(-t / 0.012);
    });

    GeneratedMusic g;
    std::vector<float> out(static_cast<size_t>(s.seconds * kRate) + kRate, 0.0f);
    // Beat times: the period changes linearly with the beat index by `drift` over the track.
    const double p0 = 60.0 / s.bpm;
    const int n_beats = static_cast<int>(s.seconds / p0 * (1 + std::max(0.0, s.drift))) + 8;
    double t = 0.5;
    std::vector<double> beats, periods;
    for (int k = 0; k < n_beats && t < s.seconds; ++k) {
        double p = 60.0 / (s.bpm * (1 + s.drift * static_cast<double>(k) / n_beats));
        beats.push_back(t);
        periods.push_back(p);
        t += p;
    }
    const int per_bar = s.compound ? 2 : 4;
    const int bars = static_cast<int>(beats.size()) / per_bar;
    const int break_start = bars / 2, break_end = bars / 2 + s.break_bars;
    for (size_t k = 0; k < beats.size(); ++k) {
        const double b = beats[k], p = periods[k];
        const int bar = static_cast<int>(k) / per_bar, pos = static_cast<int>(k) % per_bar;
        const bool intro = b < s.intro_seconds;
        const bool brk = bar >= break_start && bar < break_end;
        const float g_main = intro ? 0.063f : 1.0f;  // -24 dB intro
        if (s.offbeat_loud) {
            add(out, b, hat, g_main * 0.5f);
            add(out, b + p * (0.5 + s.swing), hat, g_main * 0.8f);
            if (pos == 0 || pos == 2) add(out, b, kick, g_main * 0.6f);
            if (pos == 1) add(out, b + p * (0.5 + s.swing), snare, g_main * 0.5f);
            continue;
        }
        add(out, b, hat, g_main * 0.5f);
        if (s.compound) {
            add(out, b + p / 3, hat, g_main * 0.3f);
            add(out, b + 2 * p / 3, hat, g_main * 0.3f);
        } else {
            add(out, b + p * (0.5 + s.swing), hat, g_main * 0.35f);
        }
        if (brk) continue;
        if (intro) {
            if (pos % 2 == 1) add(out, b, snare, g_main * 0.5f);
            continue;
        }
        if (pos == 0) add(out, b, kick, 0.9f);
        if (pos == 0 && s.bar_bass) {
            // A bass note for the bar, one of four pitches in turn.
            static const double pitches[] = {55.0, 73.4, 61.7, 82.4};
            const double f = pitches[bar % 4], len = per_bar * p;
            add(out, b, decay(len, [&](double u) { return std::sin(2 * M_PI * f * u) * std::exp(-u / (0.6 * len)) * std::min(1.0, u / 0.005); }),
                0.7f);
        }
        if (s.compound) {
            if (pos == 1) add(out, b, snare, 0.7f);
            continue;
        }
        if (pos == 2 && !s.syncopation) add(out, b, kick, 0.8f);
        if (pos == 1 && s.syncopation) add(out, b + p * (0.5 + s.swing), kick, 0.8f);
        if (pos == 1 || pos == 3) add(out, b, snare, 0.7f);
    }
    if (s.noise_db > -150) {
        const float a = static_cast<float>(std::pow(10.0, s.noise_db / 20));
        for (float& v : out) v += a * gauss(rng);
    }
    g.path = (std::filesystem::path(media_dir()) / name).string();
    write_wav(g.path, out, kRate);
    g.beats = beats;
    for (size_t k = 0; k < beats.size(); k += static_cast<size_t>(per_bar)) g.downbeats.push_back(beats[k]);
    // The ground truth beside the audio (NAME.beats.txt), for scripts that score other trackers.
    if (FILE* f = std::fopen((g.path + ".beats.txt").c_str(), "w")) {
        for (double b : beats) std::fprintf(f, "%.6f\n", b);
        std::fclose(f);
    }
    return g;
}

}  // namespace reelsync::testing
