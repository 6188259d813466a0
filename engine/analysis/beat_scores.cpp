#include "analysis/beat_scores.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <tuple>

namespace reelsync::analysis {

namespace {

using Beats = std::vector<double>;

// The annotated beats and their metrical variations: off-beat, double tempo, and the two half
// tempi. Interpolation at the half positions as numpy.interp computes it: slope * 0.5 + left.
std::vector<Beats> variations(const Beats& ref) {
    const size_t n = ref.size();
    Beats dbl;
    for (size_t i = 0; i + 1 < 2 * n; ++i) {
        if (i % 2 == 0) {
            dbl.push_back(ref[i / 2]);
        } else {
            size_t j = i / 2;
            double slope = (ref[j + 1] - ref[j]) / 1.0;
            dbl.push_back(slope * 0.5 + ref[j]);
        }
    }
    Beats off, half_odd, half_even;
    for (size_t i = 1; i < dbl.size(); i += 2) off.push_back(dbl[i]);
    for (size_t i = 0; i < n; i += 2) half_odd.push_back(ref[i]);
    for (size_t i = 1; i < n; i += 2) half_even.push_back(ref[i]);
    return {ref, off, dbl, half_odd, half_even};
}

// First index of the smallest |x - b| (numpy.argmin keeps the first on ties).
size_t nearest(const Beats& b, double x) {
    size_t best = 0;
    double bd = std::fabs(x - b[0]);
    for (size_t i = 1; i < b.size(); ++i) {
        double d = std::fabs(x - b[i]);
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    return best;
}

double mean(const Beats& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}

// Sample standard deviation (ddof = 1); NaN for fewer than two values, as numpy gives.
double stddev1(const Beats& v) {
    if (v.size() < 2) return std::numeric_limits<double>::quiet_NaN();
    double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// Python's floor modulo (the result takes the divisor's sign), as numpy.mod.
double py_mod(double a, double b) {
    double r = std::fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

double entropy(const Beats& ref, const Beats& est, int bins) {
    const long n_ref = static_cast<long>(ref.size());
    auto at = [&](long i) { return ref[static_cast<size_t>(i < 0 ? i + n_ref : i)]; };  // Python indexing
    Beats err(est.size());
    for (size_t n = 0; n < est.size(); ++n) {
        long closest = static_cast<long>(nearest(ref, est[n]));
        double abs_err = est[n] - ref[static_cast<size_t>(closest)];
        double interval = 0;
        if (closest == 0) interval = 0.5 * (ref[1] - ref[0]);
        // As in mir_eval, this second test is not an else-if: for the first annotation the
        // branch below decides (reaching back to the last annotation for a negative error).
        if (closest == n_ref - 1) {
            interval = 0.5 * (ref[static_cast<size_t>(n_ref - 1)] - ref[static_cast<size_t>(n_ref - 2)]);
        } else if (abs_err < 0) {
            interval = 0.5 * (at(closest) - at(closest - 1));
        } else {
            interval = 0.5 * (at(closest + 1) - at(closest));
        }
        err[n] = 0.5 * abs_err / interval;
    }
    for (double& e : err) e = py_mod(e + 0.5, -1.0) + 0.5;
    // numpy.histogram over linspace(-0.5, 0.5, bins + 1): half-open bins, the last one closed.
    std::vector<double> edges(static_cast<size_t>(bins) + 1);
    const double step = 1.0 / bins;
    for (int i = 0; i <= bins; ++i) edges[static_cast<size_t>(i)] = i * step + -0.5;
    edges.back() = 0.5;
    std::vector<double> counts(static_cast<size_t>(bins), 0.0);
    for (double x : err) {
        if (!(x >= edges.front() && x <= edges.back())) continue;
        long idx = static_cast<long>((x - edges.front()) * (bins / (edges.back() - edges.front())));
        if (idx >= bins) idx = bins - 1;
        if (idx < 0) idx = 0;
        if (x < edges[static_cast<size_t>(idx)]) --idx;
        else if (idx != bins - 1 && x >= edges[static_cast<size_t>(idx) + 1]) ++idx;
        counts[static_cast<size_t>(idx)] += 1;
    }
    double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    double h = 0;
    for (double c : counts) {
        double p = c / total;
        if (p == 0) p = 1;
        h += p * std::log2(p);
    }
    return -h;
}

}  // namespace

Beats trim_beats(const Beats& beats, double min_time) {
    Beats out;
    for (double b : beats)
        if (b >= min_time) out.push_back(b);
    return out;
}

double f_measure(const Beats& ref, const Beats& est, double window) {
    if (ref.empty() || est.empty()) return 0.0;
    // Each estimate hits the references in [e - w, e + w]; those windows move monotonically with
    // e, so matching each estimate in order to the earliest free reference is a maximum matching.
    Beats r = ref;
    std::sort(r.begin(), r.end());
    Beats e = est;
    std::sort(e.begin(), e.end());
    size_t next_free = 0, matched = 0;
    for (double x : e) {
        size_t lo = static_cast<size_t>(std::lower_bound(r.begin(), r.end(), x - window) - r.begin());
        size_t hi = static_cast<size_t>(std::upper_bound(r.begin(), r.end(), x + window) - r.begin());
        size_t k = std::max(lo, next_free);
        if (k < hi) {
            ++matched;
            next_free = k + 1;
        }
    }
    double precision = static_cast<double>(matched) / static_cast<double>(est.size());
    double recall = static_cast<double>(matched) / static_cast<double>(ref.size());
    if (precision == 0 && recall == 0) return 0.0;
    return (1 + 1.0) * precision * recall / (1.0 * precision + recall);
}

std::pair<double, double> cemgil(const Beats& ref, const Beats& est, double sigma) {
    if (ref.empty() || est.empty()) return {0.0, 0.0};
    std::vector<double> acc;
    for (const Beats& v : variations(ref)) {
        double a = 0;
        for (double beat : v) {
            double d = std::numeric_limits<double>::infinity();
            for (double x : est) d = std::min(d, std::fabs(beat - x));
            a += std::exp(-(d * d) / (2.0 * (sigma * sigma)));
        }
        a /= .5 * static_cast<double>(est.size() + v.size());
        acc.push_back(a);
    }
    return {acc[0], *std::max_element(acc.begin(), acc.end())};
}

double goto_score(const Beats& ref, const Beats& est, double threshold, double mu, double sigma) {
    if (ref.empty() || est.empty()) return 0.0;
    const size_t n = ref.size();
    Beats err(n, 1.0);
    for (size_t i = 1; i + 1 < n; ++i) {
        double prev = 0.5 * (ref[i] - ref[i - 1]);
        double wmin = ref[i] - prev;
        double next = 0.5 * (ref[i + 1] - ref[i]);
        double wmax = ref[i] + next;
        int in = 0;
        double hit = 0;
        for (double x : est)
            if (x >= wmin && x < wmax) {
                ++in;
                hit = x;
            }
        if (in != 1) {
            err[i] = 1;
        } else {
            double offset = hit - ref[i];
            err[i] = offset < 0 ? offset / prev : offset / next;
        }
    }
    std::vector<long> bad;
    for (size_t i = 0; i < n; ++i)
        if (std::fabs(err[i]) > threshold) bad.push_back(static_cast<long>(i));
    bool have_track = false;
    Beats track;
    if (bad.size() < 3) {
        // err[incorrect[0] + 1 : incorrect[-1] - 1] in Python slicing
        long a = bad.front() + 1, b = bad.back() - 1;
        for (long i = a; i < b; ++i) track.push_back(err[static_cast<size_t>(i)]);
        have_track = true;
    } else {
        long len = 0;
        size_t start = 0;
        for (size_t i = 0; i + 1 < bad.size(); ++i)
            if (bad[i + 1] - bad[i] > len) {
                len = bad[i + 1] - bad[i];
                start = i;
            }
        if (static_cast<double>(len - 1) > 0.25 * static_cast<double>(static_cast<long>(n) - 2)) {
            have_track = true;
            for (long i = bad[start]; i <= bad[start + 1]; ++i) track.push_back(err[static_cast<size_t>(i)]);
        }
    }
    if (!have_track || track.empty()) return 0.0;
    Beats abs_track = track;
    for (double& x : abs_track) x = std::fabs(x);
    return (mean(abs_track) < mu && stddev1(track) < sigma) ? 1.0 : 0.0;
}

double p_score(const Beats& ref_in, const Beats& est_in, double threshold) {
    if (ref_in.size() <= 1 || est_in.size() <= 1) return 0.0;
    const int rate = static_cast<int>(1.0 / 0.010);
    double offset = std::min(*std::min_element(est_in.begin(), est_in.end()), *std::min_element(ref_in.begin(), ref_in.end()));
    Beats ref = ref_in, est = est_in;
    for (double& x : ref) x -= offset;
    for (double& x : est) x -= offset;
    // Impulse trains at 10 ms: a beat sets sample ceil(t * 100); two beats in one sample are one impulse.
    auto train = [&](const Beats& b) {
        std::vector<long> idx;
        for (double x : b) idx.push_back(static_cast<long>(std::ceil(x * rate)));
        std::sort(idx.begin(), idx.end());
        idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
        return idx;
    };
    std::vector<long> rt = train(ref), et = train(est);
    std::vector<double> intervals;
    for (size_t i = 1; i < rt.size(); ++i) intervals.push_back(static_cast<double>(rt[i] - rt[i - 1]));
    if (intervals.empty()) return 0.0;
    std::sort(intervals.begin(), intervals.end());
    size_t m = intervals.size();
    double median = m % 2 ? intervals[m / 2] : (intervals[m / 2 - 1] + intervals[m / 2]) / 2.0;
    // int(np.round(x)): round half to even.
    long win = static_cast<long>(std::nearbyint(threshold * median));
    // The correlation summed over lags -win..win counts impulse pairs at most win samples apart.
    long pairs = 0;
    size_t lo = 0;
    for (long r : rt) {
        while (lo < et.size() && et[lo] < r - win) ++lo;
        for (size_t j = lo; j < et.size() && et[j] <= r + win; ++j) ++pairs;
    }
    return static_cast<double>(pairs) / static_cast<double>(std::max(est.size(), ref.size()));
}

std::vector<double> continuity(const Beats& ref_in, const Beats& est, double phase_thr, double period_thr) {
    if (ref_in.size() <= 1 || est.size() <= 1) return {0.0, 0.0, 0.0, 0.0};
    std::vector<double> cont, total;
    for (const Beats& ref : variations(ref_in)) {
        const size_t n_ann = std::max(ref.size(), est.size());
        std::vector<int> used(n_ann, 0), success(n_ann, 0);
        for (size_t m = 0; m < est.size(); ++m) {
            size_t near = nearest(ref, est[m]);
            double min_diff = std::fabs(est[m] - ref[near]);
            if (used[near]) continue;
            double phase, period;
            if (m == 0 || near == 0) {
                double ref_iv = near + 1 < ref.size() ? ref[near + 1] - ref[near] : ref[near] - ref[near - 1];
                phase = ref_iv == 0 ? (min_diff == 0 ? 1 : std::numeric_limits<double>::infinity()) : std::fabs(min_diff / ref_iv);
                double est_iv = m + 1 < est.size() ? est[m + 1] - est[m] : est[m] - est[m - 1];
                period = ref_iv == 0 ? (est_iv == 0 ? 0 : std::numeric_limits<double>::infinity()) : std::fabs(1 - est_iv / ref_iv);
            } else {
                double ref_iv = ref[near] - ref[near - 1];
                phase = std::fabs(min_diff / ref_iv);
                double est_iv = est[m] - est[m - 1];
                period = std::fabs(1 - est_iv / ref_iv);
            }
            if (phase < phase_thr && period < period_thr) {
                used[near] = 1;
                success[m] = 1;
            }
        }
        // Longest run of successes (padded with failures at both ends), and the total.
        long longest = 0, run = 0, sum = 0;
        for (int s : success) {
            run = s ? run + 1 : 0;
            longest = std::max(longest, run);
            sum += s;
        }
        cont.push_back(static_cast<double>(longest) / (1.0 * static_cast<double>(n_ann)));
        total.push_back(static_cast<double>(sum) / (1.0 * static_cast<double>(n_ann)));
    }
    return {cont[0], total[0], *std::max_element(cont.begin(), cont.end()), *std::max_element(total.begin(), total.end())};
}

double information_gain(const Beats& ref, const Beats& est, int bins) {
    if (ref.size() <= 1 || est.size() <= 1) return 0.0;
    double fwd = entropy(ref, est, bins);
    double bwd = entropy(est, ref, bins);
    double norm = std::log2(static_cast<double>(bins));
    return fwd > bwd ? (norm - fwd) / norm : (norm - bwd) / norm;
}

BeatScores evaluate_beats(const Beats& ref_all, const Beats& est_all) {
    Beats ref = trim_beats(ref_all), est = trim_beats(est_all);
    BeatScores s;
    s.f_measure = f_measure(ref, est);
    std::tie(s.cemgil, s.cemgil_best) = cemgil(ref, est);
    s.goto_score = goto_score(ref, est);
    s.p_score = p_score(ref, est);
    auto c = continuity(ref, est);
    s.cmlc = c[0];
    s.cmlt = c[1];
    s.amlc = c[2];
    s.amlt = c[3];
    s.information_gain = information_gain(ref, est);
    return s;
}

Result<Beats> load_beats(const std::string& path) {
    std::ifstream f(path);
    if (!f) return fail(path + ": cannot open");
    Beats out;
    std::string line;
    int no = 0;
    while (std::getline(f, line)) {
        ++no;
        size_t p = line.find_first_not_of(" \t\r");
        if (p == std::string::npos || line[p] == '#') continue;
        const char* s = line.c_str() + p;
        char* end = nullptr;
        double v = std::strtod(s, &end);
        if (end == s || !std::isfinite(v)) return fail(path + ": line " + std::to_string(no) + " is not a time in seconds");
        if (!out.empty() && v < out.back()) return fail(path + ": line " + std::to_string(no) + ": beat times must ascend");
        out.push_back(v);
    }
    return out;
}

}  // namespace reelsync::analysis
