#include "analysis/beat_tracker.h"

extern "C" {
#include <libavutil/mem.h>
#include <libavutil/tx.h>
}

#include <algorithm>
#include <cmath>
#include <numeric>

#include "media/audio_track.h"

namespace reelsync::analysis {

namespace {

constexpr int kRate = kTrackerRate;  // analysis rate: onsets need no more bandwidth
constexpr int kFft = 1024;
constexpr int kHop = 128;     // 5.8 ms per envelope frame
// The flux of a sharp attack peaks this long before the attack itself (the attack enters the
// window's rising half first): the detector's fixed latency, measured on synthetic drum hits.
constexpr double kOnsetLatency = 0.0128;

struct Tx {
    AVTXContext* ctx = nullptr;
    av_tx_fn fn = nullptr;
    ~Tx() { av_tx_uninit(&ctx); }
};

// Removes the slowly varying part (sustained energy), keeps the attacks, scales to unit spread.
std::vector<double> normalise(const std::vector<double>& env) {
    const long frames = static_cast<long>(env.size());
    const long half = static_cast<long>(0.2 * kRate / kHop);
    std::vector<double> prefix(env.size() + 1, 0.0);
    for (size_t i = 0; i < env.size(); ++i) prefix[i + 1] = prefix[i] + env[i];
    std::vector<double> hp(env.size());
    for (long t = 0; t < frames; ++t) {
        long a = std::max(0L, t - half), b = std::min(frames, t + half + 1);
        double local = (prefix[static_cast<size_t>(b)] - prefix[static_cast<size_t>(a)]) / static_cast<double>(b - a);
        hp[static_cast<size_t>(t)] = std::max(0.0, env[static_cast<size_t>(t)] - local);
    }
    double mean = std::accumulate(hp.begin(), hp.end(), 0.0) / static_cast<double>(hp.size());
    double var = 0;
    for (double v : hp) var += (v - mean) * (v - mean);
    double sd = std::sqrt(var / static_cast<double>(hp.size()));
    if (sd > 0)
        for (double& v : hp) v /= sd;
    return hp;
}

struct Envelopes {
    std::vector<double> full;  // all bands: precise attack times
    std::vector<double> low;   // below 300 Hz: kick and snare body, where the beat lives
};

// Log-compressed spectral flux, one value per hop, frames centred on t * hop.
Envelopes onset_envelopes(const std::vector<float>& x) {
    Tx tx;
    float scale = 1.0f;
    if (av_tx_init(&tx.ctx, &tx.fn, AV_TX_FLOAT_RDFT, 0, kFft, &scale, 0) < 0) return {};
    const int low_bins = 300 * kFft / kRate;
    const int top_bin = 8000 * kFft / kRate;  // attacks above 8 kHz add nothing to the envelope
    float* in = static_cast<float*>(av_malloc(sizeof(float) * (kFft + 2)));
    AVComplexFloat* out = static_cast<AVComplexFloat*>(av_malloc(sizeof(AVComplexFloat) * (kFft / 2 + 1)));
    std::vector<float> window(kFft);
    for (int i = 0; i < kFft; ++i) window[static_cast<size_t>(i)] = static_cast<float>(0.5 - 0.5 * std::cos(2 * M_PI * i / kFft));
    const long n = static_cast<long>(x.size());
    const long frames = n / kHop + 1;
    std::vector<double> env(static_cast<size_t>(frames), 0.0), low(static_cast<size_t>(frames), 0.0);
    std::vector<float> prev(kFft / 2 + 1, 0.0f), cur(kFft / 2 + 1);
    for (long t = 0; t < frames; ++t) {
        long start = t * kHop - kFft / 2;
        for (int i = 0; i < kFft; ++i) {
            long s = start + i;
            in[i] = (s >= 0 && s < n) ? x[static_cast<size_t>(s)] * window[static_cast<size_t>(i)] : 0.0f;
        }
        tx.fn(tx.ctx, out, in, sizeof(AVComplexFloat));
        double flux = 0;
        for (int k = 1; k <= top_bin; ++k) {
            float mag = std::sqrt(out[k].re * out[k].re + out[k].im * out[k].im);
            cur[static_cast<size_t>(k)] = std::log1p(10.0f * mag);
            double d = cur[static_cast<size_t>(k)] - prev[static_cast<size_t>(k)];
            if (d > 0 && t > 0) {
                flux += d;
                if (k <= low_bins) low[static_cast<size_t>(t)] += d;
            }
        }
        env[static_cast<size_t>(t)] = flux;
        std::swap(prev, cur);
    }
    av_free(in);
    av_free(out);
    return {normalise(env), normalise(low)};
}

// Beat period in envelope frames (fractional), from the autocorrelation under the tempo prior.
double estimate_period(const std::vector<double>& env, const BeatTrackerOptions& o) {
    const double fps = static_cast<double>(kRate) / kHop;
    const long lo = static_cast<long>(std::floor(60.0 / o.max_bpm * fps));
    const long hi = static_cast<long>(std::ceil(60.0 / o.min_bpm * fps));
    const long n = static_cast<long>(env.size());
    std::vector<double> score(static_cast<size_t>(hi + 2), 0.0);
    for (long l = lo; l <= hi + 1 && l < n; ++l) {
        double acf = 0;
        for (long t = 0; t + l < n; ++t) acf += env[static_cast<size_t>(t)] * env[static_cast<size_t>(t + l)];
        acf /= static_cast<double>(n - l);
        double bpm = 60.0 * fps / static_cast<double>(l);
        double z = std::log2(bpm / o.prior_bpm) / o.prior_octaves;
        score[static_cast<size_t>(l)] = acf * std::exp(-0.5 * z * z);
    }
    long best = lo;
    for (long l = lo; l <= hi && l < n; ++l)
        if (score[static_cast<size_t>(l)] > score[static_cast<size_t>(best)]) best = l;
    // Parabolic refinement of the peak.
    double p = static_cast<double>(best);
    if (best > lo && best + 1 <= hi) {
        double a = score[static_cast<size_t>(best - 1)], b = score[static_cast<size_t>(best)], c = score[static_cast<size_t>(best + 1)];
        double den = a - 2 * b + c;
        if (den < 0) p += 0.5 * (a - c) / den;
    }
    return p;
}

// Dynamic programming: the beat sequence with the best cumulative onset strength, spacing close
// to `period` (frames). Returns beat frames, ascending.
std::vector<long> place_beats(const std::vector<double>& env, double period, double tightness) {
    const long n = static_cast<long>(env.size());
    std::vector<double> cum(static_cast<size_t>(n));
    std::vector<long> back(static_cast<size_t>(n), -1);
    const long lo = static_cast<long>(std::round(period / 2)), hi = static_cast<long>(std::round(period * 2));
    // The spacing penalty depends only on the distance between beats.
    std::vector<double> penalty(static_cast<size_t>(hi) + 1, 0.0);
    for (long d = std::max(1L, lo); d <= hi; ++d) {
        double r = std::log(static_cast<double>(d) / period);
        penalty[static_cast<size_t>(d)] = tightness * r * r;
    }
    for (long t = 0; t < n; ++t) {
        double best = 0;
        long arg = -1;
        for (long tau = std::max(0L, t - hi); tau <= t - lo; ++tau) {
            double c = cum[static_cast<size_t>(tau)] - penalty[static_cast<size_t>(t - tau)];
            if (arg < 0 || c > best) {
                best = c;
                arg = tau;
            }
        }
        cum[static_cast<size_t>(t)] = env[static_cast<size_t>(t)] + (arg >= 0 ? std::max(0.0, best) : 0.0);
        back[static_cast<size_t>(t)] = arg >= 0 && best > 0 ? arg : -1;
    }
    // The last beat: the best-scoring frame within the final beat period.
    long last = n - 1;
    for (long t = std::max(0L, n - static_cast<long>(period)); t < n; ++t)
        if (cum[static_cast<size_t>(t)] > cum[static_cast<size_t>(last)]) last = t;
    std::vector<long> frames;
    for (long t = last; t >= 0; t = back[static_cast<size_t>(t)]) frames.push_back(t);
    std::reverse(frames.begin(), frames.end());
    return frames;
}

// Onset strength near a frame (the envelope's maximum within +-2 frames).
double strength(const std::vector<double>& env, double frame) {
    long c = std::lround(frame);
    double m = 0;
    for (long t = c - 2; t <= c + 2; ++t)
        if (t >= 0 && t < static_cast<long>(env.size())) m = std::max(m, env[static_cast<size_t>(t)]);
    return m;
}



}  // namespace

Result<BeatTrack> track_beats(const std::vector<float>& mono_in, int rate, const BeatTrackerOptions& o) {
    if (rate != kRate) return fail("beat tracking expects audio at 22050 Hz");
    const double duration = static_cast<double>(mono_in.size()) / rate;
    if (duration < 3.0) return fail("too short to track beats (" + std::to_string(duration).substr(0, 4) + " s; at least 3 s)");
    double peak = 0;
    for (float v : mono_in) peak = std::max(peak, static_cast<double>(std::fabs(v)));
    if (peak < 1e-4) return fail("silent: no beats to track");
    Envelopes envs = onset_envelopes(mono_in);
    if (envs.full.empty()) return fail("cannot run the FFT");
    const std::vector<double>& env = envs.full;
    const double fps = static_cast<double>(kRate) / kHop;
    double period = estimate_period(env, o);
    std::vector<long> frames = place_beats(env, period, o.tightness);
    // Metrical level, judged on the low band (kick and snare, not hi-hats): strong onsets halfway
    // between beats mean the beat is twice as fast; beats that alternate between strong and nearly
    // empty mean every other one is the beat.
    {
        double on = 0, mid = 0, even = 0, odd = 0;
        for (size_t i = 0; i < frames.size(); ++i) {
            double s0 = strength(envs.low, static_cast<double>(frames[i]));
            on += s0;
            (i % 2 ? odd : even) += s0;
            if (i + 1 < frames.size()) mid += strength(envs.low, 0.5 * static_cast<double>(frames[i] + frames[i + 1]));
        }
        const double tempo = 60.0 * fps / period;
        if (on > 0 && mid > 0.5 * on && tempo * 2 <= o.max_bpm) {
            period /= 2;
            frames = place_beats(env, period, o.tightness);
        } else if (std::max(even, odd) > 0 && std::min(even, odd) < 0.2 * std::max(even, odd) && tempo / 2 >= o.min_bpm) {
            period *= 2;
            frames = place_beats(env, period, o.tightness);
        }
    }

    const long n = static_cast<long>(env.size());
    BeatTrack out;
    out.duration = duration;
    out.tempo_bpm = 60.0 * fps / period;
    for (long f : frames) {
        // Sub-frame position of the onset peak (parabolic), then the detector's fixed latency.
        double pos = static_cast<double>(f);
        if (f > 0 && f + 1 < n) {
            double a = env[static_cast<size_t>(f - 1)], b = env[static_cast<size_t>(f)], c = env[static_cast<size_t>(f + 1)];
            double den = a - 2 * b + c;
            if (den < 0 && b >= a && b >= c) pos += 0.5 * (a - c) / den;
        }
        out.beats.push_back(pos / fps + kOnsetLatency);
    }
    // Downbeats: in 4/4, beat 1 of a bar carries the most low end (the bass note or chord that
    // opens the bar on top of the kick). The low band's energy just after each beat, averaged per
    // position in the bar: the position clearly the heaviest (a quarter above every other) marks
    // the bars; if none stands out, the bars are left unknown.
    if (out.beats.size() >= 8) {
        std::vector<float> low(mono_in.size());
        const float a = static_cast<float>(1.0 - std::exp(-2.0 * M_PI * 150.0 / kRate));  // two one-pole low-passes at 150 Hz
        float y1 = 0, y2 = 0;
        for (size_t i = 0; i < mono_in.size(); ++i) {
            y1 += a * (mono_in[i] - y1);
            y2 += a * (y1 - y2);
            low[i] = y2;
        }
        const double span = std::min(0.1, 0.25 * 60.0 / out.tempo_bpm);
        const size_t bar = static_cast<size_t>(out.beats_per_bar);
        std::vector<double> weight(bar, 0.0);
        std::vector<int> count(bar, 0);
        for (size_t i = 0; i < out.beats.size(); ++i) {
            const size_t from = static_cast<size_t>(std::max(0.0, out.beats[i] - 0.01) * kRate);
            const size_t to = std::min(low.size(), static_cast<size_t>((out.beats[i] + span) * kRate));
            double e = 0;
            for (size_t k = from; k < to; ++k) e += static_cast<double>(low[k]) * static_cast<double>(low[k]);
            weight[i % bar] += e;
            ++count[i % bar];
        }
        for (size_t p = 0; p < bar; ++p) weight[p] /= std::max(1, count[p]);
        const size_t best = static_cast<size_t>(std::max_element(weight.begin(), weight.end()) - weight.begin());
        double second = 0;
        for (size_t p = 0; p < bar; ++p)
            if (p != best) second = std::max(second, weight[p]);
        if (weight[best] > 0 && weight[best] >= 1.25 * second)
            for (size_t i = best; i < out.beats.size(); i += bar) out.downbeats.push_back(out.beats[i]);
    }
    return out;
}

Result<BeatTrack> track_beats_file(const std::string& path, const BeatTrackerOptions& opts) {
    auto audio = media::decode_audio(path, kRate, 1, 0.0);
    if (!audio) return std::unexpected(audio.error());
    auto r = track_beats(audio->samples, kRate, opts);
    if (!r) return fail(path + ": " + r.error().message);
    return r;
}

}  // namespace reelsync::analysis
