#pragma once
// Thread priorities and the few-cores policy, in one place.
//
// Priorities are Linux nice values, set per thread (a thread can lower its own priority; it never
// raises it, so no privilege is needed). From the most urgent down:
//   presenter   0   the main thread: plans, draws and presents frames; the audio callback runs on
//                   the audio server's real-time thread and is never touched here
//   batch       0   a command-line job's own workers (`reelsync scan`): the work asked for
//   stretch     0   the audio output's shuttle thread: time-stretches the sound a few buffers
//                   ahead of the callback while playing off 1x (it runs only then)
//   decode      4   a clip reader's decode thread (and FFmpeg's threads, which inherit it)
//   helper      4   opening clips, edits and the edit's next shots, closing readers (the
//                   Session's helper pool)
//   catalogue  10   probing and thumbnailing a project's clips behind the browser (its pool)
//   background 19   artifact scans (the clip on screen, the catalogue's pass, live detection)
//                   and tracking a song (the Session's background pool, the catalogue's second)
//
// Every thread but the main one is started by its owner as one of: a HelperPool (core/
// helper_pool.h: bounded, named, at one priority), a ClipReader's decode thread, the audio
// output's reconnect thread or its shuttle thread, the command interface's reader. Nothing uses std::async.
//
// Few cores (two or fewer): playback needs them all. While a clip or an edit plays, the catalogue
// and the background scans hold (they go on when playback pauses or the browser is shown); an
// edit's own analyses (its song's beats, its cuts' continuity) run first: its clock waits for them
// on its first frame, 1.5 s at most, in the window (review::Review::finish_edit, timeline::Player::hold_start).
namespace reelsync::threads {

enum class Priority : int { presenter = 0, batch = 0, stretch = 0, decode = 4, helper = 4, catalogue = 10, background = 19 };

// Lowers the calling thread's priority to `p` (and names it, for debuggers and `top -H`).
void set_current(Priority p, const char* name = nullptr);
unsigned cores();
// Two hardware threads or fewer: background work holds while playback runs.
bool few_cores();

}  // namespace reelsync::threads
