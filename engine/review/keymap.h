#pragma once
// The key table: which key runs which command where. One line per binding, as in mpv's input.conf:
//
//     KEY command [argument]          # comment
//     {viewer,edit} KEY command       # only in those views
//     KEY ignore                      # unbind
//
// KEY is a key name with optional modifiers, "Ctrl+Shift+Z", "Alt+Up", "Space", "F5", "," (names are
// case-insensitive; `reelsync keys --names` lists them). Without a {section} a binding applies
// wherever its command does. The built-in table is written in this same format; a user file
// (--input-conf FILE, else $XDG_CONFIG_HOME/reelsync/input.conf) is read after it, and its lines win.
// The engine knows key names only, never a windowing system's key codes.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "review/command.h"

namespace reelsync::review {

// "ctrl+shift+z" -> "Ctrl+Shift+Z"; "comma" -> ","; an error for a name that is not a key.
Result<std::string> canonical_key(std::string_view name);
// Every key name the table accepts (without modifiers).
const std::vector<std::string>& key_names();

struct Binding {
    std::string key;        // canonical
    unsigned contexts = 0;  // Context bits
    Command command;
};

struct HelpRow {
    std::string where;      // "browser", "viewer, edit", "everywhere"
    std::string keys;       // "P", "Ctrl+Shift+Z or Ctrl+Y"
    std::string command;    // "rate 3"
    std::string what;       // the command's help
};

class KeyMap {
public:
    static KeyMap defaults();
    static const char* default_text();  // the built-in table, in the file format above

    // Reads bindings from `text`; `source` names it in errors ("input.conf:12: unknown key 'Ctlr+Z'").
    // Every bad line is reported (one error, one line each); the good lines are applied.
    Result<void> load(std::string_view text, const std::string& source);
    Result<void> load_file(const std::filesystem::path& path);

    // The command KEY runs in this context, or null.
    const Command* lookup(Context where, std::string_view canonical) const;
    const std::vector<Binding>& bindings() const { return bindings_; }
    // The keys that run `command` (as typed, "nudge_grid +5ms") in a context: for messages.
    std::vector<std::string> keys_for(Context where, std::string_view command) const;

    // One row per command and set of views, keys that do the same joined: the F1 panel.
    std::vector<HelpRow> help() const;
    // The same as a Markdown table (the README's hotkey table is this text).
    std::string markdown() const;

private:
    void bind(Binding b);
    std::vector<Binding> bindings_;
};

// The user's key file: $XDG_CONFIG_HOME/reelsync/input.conf, else ~/.config/reelsync/input.conf.
std::filesystem::path user_input_conf();

}  // namespace reelsync::review
