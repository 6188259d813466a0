#pragma once
// Commands on their way in from scripts: --keys presses (a key is looked up in the key table
// when it comes due, in the view the director is in then) and command-interface requests. Each
// runs at its instant on the master clock of what plays (in the browser, where nothing plays:
// seconds since the start), in order; while a clip or an edit is opening, what comes next waits
// for it. The window and the headless loop both pump it once per loop (main thread).
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "review/command_server.h"
#include "review/keymap.h"
#include "review/review.h"
#include "review/session.h"
#include "review/transport.h"

namespace reelsync::review {

// A scripted key press (--keys "SECONDS:KEY,...").
struct ScriptedKey {
    double t;
    std::string key;  // key-table name
};
// "1.0:i,2.5:shift+o,3:p" -> presses in time order; unknown keys and bad times are errors.
Result<std::vector<ScriptedKey>> parse_keys(const std::string& spec);

class CommandFeed {
public:
    CommandFeed(const KeyMap& keymap, std::vector<ScriptedKey> keys, CommandServer* ipc);
    // The instant script times count from when nothing plays.
    void set_start(double steady) { start_ = steady; }
    // Commands the window executes (help, heat map ...); unset: a request for one is refused.
    std::function<void(const Command&)> on_window;

    // Runs what is due at steady `now`; returns when the next scripted instant comes (for the
    // loop's sleep).
    double pump(Session& s, Review* review, double now);
    bool quit() const { return quit_; }
    // No key left, no request waiting, the command interface closed (or none).
    bool idle();
    bool has_ipc() const { return ipc_ != nullptr; }
    // Nothing new can arrive (no command interface, or its input closed), and what is left - a key,
    // or the request first in line with an "at" - waits for a clock time later than `clock_t`
    // where the clock stands still: it can never come due.
    bool stuck_after(double clock_t);
    // The end of a run, headless or in the window. `why` is what cut it short ("--duration 5 ran
    // out", "the clock stopped at 2.967 s (the end)"; empty when it ended by itself): requests
    // still waiting are answered "never came due: <why>". Returns the error to print when keys
    // were left unpressed or requests unanswered ("--keys: 2 of 5 keys not pressed (the next:
    // 3.000:O): <why>"), or empty when all was done or the script itself quit before the rest (a
    // key after a quit is not pressed, by the script's own word).
    std::string finish(const std::string& why);

private:
    Outcome run(Session& s, Review* review, const Command& c, double at);
    void answer(Session& s, Review* review, const Request& r, double at);
    const KeyMap& keymap_;
    std::vector<ScriptedKey> keys_;
    size_t next_key_ = 0;
    CommandServer* ipc_;
    std::deque<Request> requests_;
    double start_ = 0;
    bool quit_ = false;
};

}  // namespace reelsync::review
