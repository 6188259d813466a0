#pragma once
// Generated drum music with known beat times, for beat-tracking tests: kick, snare and hi-hat
// patterns in 4/4 (or 6/8) with swing, syncopation, tempo drift, a quiet intro, a break and added noise.
#include <cstdint>
#include <string>
#include <vector>

namespace reelsync::testing {

struct MusicSpec {
    double bpm = 120;
    double seconds = 30;
    double swing = 0;          // off-beat eighths delayed by this fraction of a beat (1/6: triplet swing)
    bool syncopation = false;  // kick anticipates beat 3 (on the "and" of 2)
    double drift = 0;          // tempo changes linearly by this fraction over the track (0.02: +2%)
    double intro_seconds = 0;  // a quiet intro (-24 dB, hats and rim only)
    int break_bars = 0;        // a break in the middle: hats only, no kick or snare
    double noise_db = -200;    // white noise level (dBFS)
    bool bar_bass = false;     // a bass note opens every bar (its pitch changes bar to bar): downbeats can be told
    bool compound = false;     // 6/8: each beat (a dotted quarter) divided in three eighths, two beats a bar
                               // (kick on 1, snare on 2); swing and syncopation do not apply
    bool offbeat_loud = false; // swung time whose off-beat is louder than the beat, as some jazz and
                               // drum-machine grooves are written: a loud hat on every swung "and" and
                               // the snare on the "and" of 2, a softer one on the beats, kick on 1 and 3
    uint32_t seed = 1;
};

struct GeneratedMusic {
    std::string path;           // 16-bit mono WAV at 44.1 kHz in media_dir(), beats in PATH.beats.txt
    std::vector<double> beats;  // beat times (quarter notes; dotted quarters in 6/8), seconds
    std::vector<double> downbeats;  // beat 1 of every bar
};

GeneratedMusic generate_music(const std::string& name, const MusicSpec& spec);

// 16-bit mono WAV, written beside `final_path` and renamed (parallel writers never see half a file).
void write_wav(const std::string& final_path, const std::vector<float>& samples, int rate);

}  // namespace reelsync::testing
