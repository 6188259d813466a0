#pragma once
// Commands: every action a director takes is a named command with at most one typed argument
// ("approve", "rate 3", "step -10", "seek 12.5s", "nudge_grid +5ms", "note Too dark"). Keys, the
// --keys script, the JSON command interface and the tests all speak this one language; the review
// engine executes it. The table below is the single list of commands: the key table, the hotkey
// panel and the README's hotkey tables are made from it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace reelsync::review {

// Where the director is: a playlist without a project, or one of the review's three views.
enum class Context : unsigned { player = 1, browser = 2, viewer = 4, edit = 8 };
constexpr unsigned kAllContexts = 15;
constexpr unsigned kPlaying = 1 | 4 | 8;   // what plays a clip or an edit
constexpr unsigned kReview = 2 | 4 | 8;    // a project is open
const char* to_string(Context c);
std::optional<Context> context_named(std::string_view name);

enum class Arg {
    none,
    integer,  // "3", "-10", "+1"
    seconds,  // "12.5s", "12.5", "500ms", "+5ms", "-0.001s"
    word,     // one of the spec's choices
    text,     // the rest of the line
};

struct CommandSpec {
    const char* name;
    Arg arg;
    bool arg_optional;     // the argument may be left out (then the command cycles or asks)
    unsigned contexts;     // where it does something (Context bits)
    const char* help;      // what it does, for the hotkey panel and the README
    const char* choices;   // Arg::word: the accepted words, space-separated
};

struct Command {
    std::string name;
    std::optional<int64_t> integer;
    std::optional<double> seconds;
    std::string text;      // Arg::word or Arg::text
    // As typed: "rate 3", "seek 12.5s", "nudge_grid +5ms".
    std::string to_string() const;
    const CommandSpec& spec() const;  // its row in the table (the command must have been parsed)
    // Arg::word: the word's place among the spec's choices (none when no word was given).
    std::optional<int> choice() const;
};

const std::vector<CommandSpec>& command_specs();
const CommandSpec* find_command(std::string_view name);
// "rate 3" -> Command; unknown names, missing or malformed arguments are errors that say what
// the command expects.
Result<Command> parse_command(std::string_view line);

}  // namespace reelsync::review
