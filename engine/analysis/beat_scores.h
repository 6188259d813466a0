#pragma once
// Beat-tracking evaluation scores, computed exactly as mir_eval's beat module computes them
// (Davies, Degara & Plumbley, "Evaluation Methods for Musical Audio Beat Tracking Algorithms",
// QMUL C4DM-TR-09-06, 2009), so figures can be compared with published results. Beats are times
// in seconds, ascending. Pure functions: thread-safe.
#include <string>
#include <vector>

#include "core/error.h"

namespace reelsync::analysis {

struct BeatScores {
    double f_measure = 0;       // +-70 ms window, one-to-one matching
    double cemgil = 0;          // sigma 40 ms
    double cemgil_best = 0;     // best over the metrical variations
    double goto_score = 0;      // 0 or 1
    double p_score = 0;         // McKinney
    double cmlc = 0, cmlt = 0;  // correct metric level, continuous / total
    double amlc = 0, amlt = 0;  // any metric level (off-beat, double, half tempi)
    double information_gain = 0;
};

// Removes beats before `min_time` (mir_eval's evaluation drops the first 5 s).
std::vector<double> trim_beats(const std::vector<double>& beats, double min_time = 5.0);

double f_measure(const std::vector<double>& ref, const std::vector<double>& est, double window = 0.07);
// {score at the annotated level, best over the metrical variations}
std::pair<double, double> cemgil(const std::vector<double>& ref, const std::vector<double>& est, double sigma = 0.04);
double goto_score(const std::vector<double>& ref, const std::vector<double>& est, double threshold = 0.35, double mu = 0.2,
                  double sigma = 0.2);
double p_score(const std::vector<double>& ref, const std::vector<double>& est, double threshold = 0.2);
// {CMLc, CMLt, AMLc, AMLt}
std::vector<double> continuity(const std::vector<double>& ref, const std::vector<double>& est, double phase_threshold = 0.175,
                               double period_threshold = 0.175);
double information_gain(const std::vector<double>& ref, const std::vector<double>& est, int bins = 41);

// All scores after trimming both lists at 5 s, as mir_eval.beat.evaluate() does.
BeatScores evaluate_beats(const std::vector<double>& ref, const std::vector<double>& est);

// Reads beat times, one per line (first column; '#' lines and blank lines skipped). The error
// names the file and the line.
Result<std::vector<double>> load_beats(const std::string& path);

}  // namespace reelsync::analysis
