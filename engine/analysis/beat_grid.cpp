#include "analysis/beat_grid.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace reelsync::analysis {

namespace {
// The index of the beat nearest t (the earlier of two as near) in sorted, non-empty beats.
size_t nearest_index(double t, const std::vector<double>& beats) {
    const auto it = std::lower_bound(beats.begin(), beats.end(), t);
    if (it == beats.end()) return beats.size() - 1;
    if (it == beats.begin()) return 0;
    const size_t k = static_cast<size_t>(it - beats.begin());
    return (beats[k] - t) < (t - beats[k - 1]) ? k : k - 1;
}
}  // namespace

nlohmann::json to_json(const GridCorrection& c) {
    nlohmann::json j = nlohmann::json::object();
    if (c.offset != 0) j["offset"] = c.offset;
    if (c.tapped_bpm > 0) {
        j["tapped_bpm"] = c.tapped_bpm;
        j["tapped_anchor"] = c.tapped_anchor;
    }
    if (c.first_downbeat) j["first_downbeat"] = *c.first_downbeat;
    if (c.reading) j["reading"] = *c.reading;
    if (c.offbeat) j["offbeat"] = true;
    return j;
}

GridCorrection grid_correction_from_json(const nlohmann::json& j) {
    GridCorrection c;
    if (!j.is_object()) return c;
    auto num = [&](const char* k) { return j.contains(k) && j[k].is_number() ? std::optional<double>(j[k].get<double>()) : std::nullopt; };
    c.offset = num("offset").value_or(0.0);
    c.tapped_bpm = std::max(0.0, num("tapped_bpm").value_or(0.0));
    c.tapped_anchor = num("tapped_anchor").value_or(0.0);
    c.first_downbeat = num("first_downbeat");
    if (auto r = num("reading"); r && *r >= 0 && *r < 16) c.reading = static_cast<int>(*r);
    c.offbeat = j.contains("offbeat") && j["offbeat"].is_boolean() && j["offbeat"].get<bool>();
    return c;
}

BeatTrack corrected(const BeatTrack& tracked_in, const GridCorrection& c) {
    BeatTrack chosen;
    const bool alt = c.reading && static_cast<size_t>(*c.reading) < tracked_in.alternatives.size();
    if (alt) {
        // The director chose another reading of the pulse: it is the grid now.
        const TempoReading& r = tracked_in.alternatives[static_cast<size_t>(*c.reading)];
        chosen = tracked_in;
        chosen.tempo_bpm = r.tempo_bpm;
        chosen.beats = r.beats;
        chosen.beats_per_bar = r.beats_per_bar;
        chosen.downbeats = r.downbeats;
        chosen.steady = true;
    }
    const BeatTrack& tracked = alt ? chosen : tracked_in;
    BeatTrack out = tracked;
    if (c.tapped_bpm > 0) {
        // A regular grid at the tapped tempo through the anchor, over the whole song.
        const double period = 60.0 / c.tapped_bpm;
        const double end = std::max(tracked.duration, tracked.beats.empty() ? 0.0 : tracked.beats.back());
        out.tempo_bpm = c.tapped_bpm;
        out.beats.clear();
        for (double t = c.tapped_anchor - std::floor(c.tapped_anchor / period) * period; t <= end + 1e-9; t += period) out.beats.push_back(t);
    }
    // Where the tracker found the bars: its first downbeat, on the grid as it is so far.
    std::optional<double> tracked_downbeat;
    if (!tracked.downbeats.empty()) tracked_downbeat = tracked.downbeats.front();
    // On the off-beat: each beat halfway to the next (the last by half the gap before it), the
    // tracker's downbeat with its beat; a beat past the song's end goes (below).
    if (c.offbeat && out.beats.size() >= 2) {
        const std::vector<double> on = out.beats;
        for (size_t i = 0; i < on.size(); ++i) out.beats[i] += 0.5 * (i + 1 < on.size() ? on[i + 1] - on[i] : on[i] - on[i - 1]);
        if (tracked_downbeat) tracked_downbeat = out.beats[nearest_index(*tracked_downbeat, on)];
    }
    for (double& b : out.beats) b += c.offset;
    std::erase_if(out.beats, [&](double b) { return b < 0 || (c.offbeat && tracked.duration > 0 && b > tracked.duration); });
    // Downbeats: from the chosen first downbeat, else where the tracker found them (its phase kept
    // on the corrected grid), else none.
    out.downbeats.clear();
    std::optional<double> anchor = c.first_downbeat;
    if (!anchor && tracked_downbeat) anchor = *tracked_downbeat + c.offset;
    if (anchor && !out.beats.empty()) {
        const size_t bar = static_cast<size_t>(std::max(1, tracked.beats_per_bar));
        for (size_t k = nearest_index(*anchor, out.beats) % bar; k < out.beats.size(); k += bar) out.downbeats.push_back(out.beats[k]);
    }
    return out;
}

void TapTempo::tap(double t) {
    if (!taps_.empty() && (t - taps_.back() > 2.0 || t <= taps_.back())) taps_.clear();
    taps_.push_back(t);
}

std::optional<std::pair<double, double>> TapTempo::estimate() const {
    if (taps_.size() < 4) return std::nullopt;
    // Tap k at a + k * period: least squares over (k, t).
    const double n = static_cast<double>(taps_.size());
    double sk = 0, st = 0, skk = 0, skt = 0;
    for (size_t k = 0; k < taps_.size(); ++k) {
        const double x = static_cast<double>(k), t = taps_[k];
        sk += x;
        st += t;
        skk += x * x;
        skt += x * t;
    }
    const double period = (n * skt - sk * st) / (n * skk - sk * sk);
    if (!(period > 0.2 && period < 2.0)) return std::nullopt;  // 30-300 BPM
    const double anchor = (st - period * sk) / n;
    return std::make_pair(60.0 / period, anchor);
}

double nearest_beat(double t, const std::vector<double>& beats) { return beats.empty() ? t : beats[nearest_index(t, beats)]; }

std::vector<float> waveform_peaks(const std::vector<float>& mono, size_t buckets) {
    std::vector<float> peaks(buckets, 0.0f);
    if (mono.empty() || buckets == 0) return peaks;
    for (size_t b = 0; b < buckets; ++b) {
        const size_t a = b * mono.size() / buckets, e = std::max(a + 1, (b + 1) * mono.size() / buckets);
        float m = 0;
        for (size_t i = a; i < e && i < mono.size(); ++i) m = std::max(m, std::fabs(mono[i]));
        peaks[b] = m;
    }
    return peaks;
}

}  // namespace reelsync::analysis
