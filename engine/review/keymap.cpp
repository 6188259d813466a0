#include "review/keymap.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace reelsync::review {

namespace {

// The built-in key table. Where two lines give one key in one view, the later wins.
constexpr const char* kDefaults = R"(# Transport: a playlist clip, a project clip in the viewer, the edit
Space            play_pause
Left             step -1
Right            step 1
Shift+Left       step -10
Shift+Right      step 10
Home             first_frame
End              last_frame
J                shuttle_reverse
K                shuttle_stop
L                shuttle_forward
[                prev_flag
]                next_flag
I                mark_in
O                mark_out
Ctrl+L           loop
PageUp           prev_clip
PageDown         next_clip
{viewer} Up      prev_clip
{viewer} Down    next_clip
F                flag_list
M                heat_map
D                thresholds
Tab              toggle_overlay
F1               help
H                help
Q                quit
{player} Esc     quit
Esc              back
# Compare (reelsync compare A B [C D]; in a project: pick takes in the browser, then V)
{player, viewer} C          compare_mode
{player, viewer} A          flip
{player, viewer} Ctrl+Left  wipe_move -5
{player, viewer} Ctrl+Right wipe_move 5
{viewer} Alt+1      take 1
{viewer} Alt+2      take 2
{viewer} Alt+3      take 3
{viewer} Alt+4      take 4
{viewer} Shift+P    use_take
{browser} C         pick
{browser} V         compare
# Decisions: the selected clip, the clip on screen, the shot under the playhead
P                approve
X                reject
U                unreview
1                rate 1
2                rate 2
3                rate 3
4                rate 4
5                rate 5
0                rate 0
N                note
Ctrl+Z           undo
Ctrl+Shift+Z     redo
Ctrl+Y           redo
# Browser
Left             move -1
Right            move 1
Up               move_rows -1
Down             move_rows 1
{browser} PageUp    move_rows -4
{browser} PageDown  move_rows 4
Home             first_clip
End              last_clip
Enter            open
Space            open
E                edit_view
F5               filter_status
F6               filter_rating
F7               filter_flagged
F8               sort
Ctrl+R           relink
# Viewer: marks
Shift+I          goto_in
Shift+O          goto_out
Alt+I            clear_in
Alt+O            clear_out
Alt+X            clear_marks
# Edit
Up               prev_cut
Down             next_cut
Alt+Up           move_shot -1
Alt+Down         move_shot 1
I                trim_in
O                trim_out
Delete           remove_shot
Backspace        remove_shot
S                snap
T                tap
,                nudge_grid -5ms
.                nudge_grid +5ms
Shift+,          nudge_grid -1ms
Shift+.          nudge_grid +1ms
B                grid_downbeat
Shift+B          grid_reset
A                grid_next_tempo
Shift+A          grid_offbeat
)";

std::string lower(std::string_view s) {
    std::string o(s);
    for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

const std::map<std::string, std::string>& aliases() {
    static const std::map<std::string, std::string> m = {
        {"comma", ","},        {"period", "."},        {"dot", "."},          {"escape", "Esc"},   {"return", "Enter"},
        {"kp_enter", "Enter"}, {"pgup", "PageUp"},     {"pgdn", "PageDown"},  {"page_up", "PageUp"},
        {"page_down", "PageDown"}, {"del", "Delete"},  {"bs", "Backspace"},   {"lbracket", "["},   {"rbracket", "]"},
        {"minus", "-"},        {"equal", "="},         {"slash", "/"},        {"semicolon", ";"},  {"apostrophe", "'"},
        {"backslash", "\\"},   {"grave", "`"},
    };
    return m;
}

std::string contexts_text(unsigned bits) {
    if (bits == kAllContexts) return "everywhere";
    std::string s;
    for (Context c : {Context::player, Context::browser, Context::viewer, Context::edit})
        if (bits & static_cast<unsigned>(c)) s += std::string(s.empty() ? "" : ", ") + to_string(c);
    return s;
}

}  // namespace

const std::vector<std::string>& key_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (char c = 'A'; c <= 'Z'; ++c) n.emplace_back(1, c);
        for (char c = '0'; c <= '9'; ++c) n.emplace_back(1, c);
        for (const char* k : {"Space", "Enter", "Esc", "Tab", "Backspace", "Delete", "Insert", "Left", "Right", "Up", "Down",
                              "PageUp", "PageDown", "Home", "End", ",", ".", "[", "]", "-", "=", "/", ";", "'", "`", "\\"})
            n.emplace_back(k);
        for (int i = 1; i <= 12; ++i) n.push_back("F" + std::to_string(i));
        return n;
    }();
    return names;
}

Result<std::string> canonical_key(std::string_view name) {
    bool ctrl = false, alt = false, shift = false;
    std::string_view rest = name;
    // Modifiers first, "+"-separated; a last part of "+" itself is not a key we bind.
    while (true) {
        const size_t plus = rest.find('+');
        if (plus == std::string_view::npos || plus == 0 || plus + 1 == rest.size()) break;
        const std::string mod = lower(rest.substr(0, plus));
        if (mod == "ctrl" || mod == "control") ctrl = true;
        else if (mod == "alt") alt = true;
        else if (mod == "shift") shift = true;
        else return fail("unknown modifier '" + std::string(rest.substr(0, plus)) + "' in '" + std::string(name) + "' (Ctrl, Alt, Shift)");
        rest = rest.substr(plus + 1);
    }
    std::string key;
    const std::string l = lower(rest);
    if (auto a = aliases().find(l); a != aliases().end()) key = a->second;
    for (const std::string& n : key_names())
        if (key.empty() && lower(n) == l) key = n;
    if (key.empty()) return fail("unknown key '" + std::string(name) + "' (reelsync keys --names lists the key names)");
    return std::string(ctrl ? "Ctrl+" : "") + (alt ? "Alt+" : "") + (shift ? "Shift+" : "") + key;
}

const char* KeyMap::default_text() { return kDefaults; }

KeyMap KeyMap::defaults() {
    KeyMap m;
    auto r = m.load(kDefaults, "built-in key table");
    if (!r) std::abort();  // the built-in table is checked by the tests: this cannot happen
    return m;
}

void KeyMap::bind(Binding b) {
    // A binding takes its key over in its views from any earlier one.
    for (Binding& old : bindings_)
        if (old.key == b.key) old.contexts &= ~b.contexts;
    std::erase_if(bindings_, [](const Binding& x) { return x.contexts == 0; });
    if (b.command.name != "ignore") bindings_.push_back(std::move(b));
}

Result<void> KeyMap::load(std::string_view text, const std::string& source) {
    std::string errors;
    int line_no = 0;
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        ++line_no;
        auto err = [&](const std::string& what) {
            errors += (errors.empty() ? "" : "\n") + source + ":" + std::to_string(line_no) + ": " + what;
        };
        if (const size_t hash = line.find('#'); hash != std::string::npos && (hash == 0 || line[hash - 1] == ' ' || line[hash - 1] == '\t'))
            line.resize(hash);
        std::string_view s = line;
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
        if (s.empty()) continue;
        unsigned section = 0;
        if (s.front() == '{') {
            const size_t close = s.find('}');
            if (close == std::string_view::npos) {
                err("'{' without '}'");
                continue;
            }
            std::string_view names = s.substr(1, close - 1);
            bool ok = true;
            while (!names.empty()) {
                const size_t comma = names.find(',');
                std::string_view n = names.substr(0, comma);
                while (!n.empty() && n.front() == ' ') n.remove_prefix(1);
                while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
                auto c = context_named(n);
                if (!c) {
                    err("unknown view '" + std::string(n) + "' (player, browser, viewer, edit)");
                    ok = false;
                    break;
                }
                section |= static_cast<unsigned>(*c);
                names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
            }
            if (!ok) continue;
            s.remove_prefix(close + 1);
            while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
        }
        const size_t sp = s.find_first_of(" \t");
        if (sp == std::string_view::npos) {
            err("'" + std::string(s) + "': a key needs a command (KEY command [argument])");
            continue;
        }
        auto key = canonical_key(s.substr(0, sp));
        if (!key) {
            err(key.error().message);
            continue;
        }
        std::string_view rest = s.substr(sp);
        while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
        Binding b;
        b.key = *key;
        if (rest == "ignore") {
            b.command.name = "ignore";
            b.contexts = section ? section : kAllContexts;
            bind(std::move(b));
            continue;
        }
        auto cmd = parse_command(rest);
        if (!cmd) {
            err(cmd.error().message);
            continue;
        }
        const unsigned where = cmd->spec().contexts;
        b.contexts = section ? (section & where) : where;
        if (b.contexts == 0) {
            err("'" + cmd->name + "' does nothing in " + contexts_text(section) + " (it works in " + contexts_text(where) + ")");
            continue;
        }
        b.command = std::move(*cmd);
        bind(std::move(b));
    }
    if (!errors.empty()) return fail(errors);
    return {};
}

Result<void> KeyMap::load_file(const std::filesystem::path& path) {
    std::ifstream f(path);
    if (!f) return fail(path.string() + ": cannot read the key file");
    std::stringstream ss;
    ss << f.rdbuf();
    return load(ss.str(), path.string());
}

const Command* KeyMap::lookup(Context where, std::string_view key) const {
    for (const Binding& b : bindings_)
        if (b.key == key && (b.contexts & static_cast<unsigned>(where))) return &b.command;
    return nullptr;
}

std::vector<std::string> KeyMap::keys_for(Context where, std::string_view command) const {
    std::vector<std::string> keys;
    for (const Binding& b : bindings_)
        if ((b.contexts & static_cast<unsigned>(where)) && b.command.to_string() == command) keys.push_back(b.key);
    return keys;
}

std::vector<HelpRow> KeyMap::help() const {
    // Rows keyed by (command as typed, views), in table order; the keys that do it joined.
    std::vector<std::pair<std::pair<std::string, unsigned>, std::vector<std::string>>> rows;
    for (const Binding& b : bindings_) {
        const auto id = std::make_pair(b.command.to_string(), b.contexts);
        auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == id; });
        if (it == rows.end()) rows.push_back({id, {b.key}});
        else it->second.push_back(b.key);
    }
    std::vector<HelpRow> out;
    for (const auto& [id, keys] : rows) {
        HelpRow r;
        r.where = contexts_text(id.second);
        for (const std::string& k : keys) r.keys += (r.keys.empty() ? "" : " or ") + k;
        r.command = id.first;
        r.what = find_command(id.first.substr(0, id.first.find(' ')))->help;
        out.push_back(std::move(r));
    }
    return out;
}

std::string KeyMap::markdown() const {
    auto cell = [](std::string s) {
        std::string o;
        for (char c : s) {
            if (c == '|') o += "\\|";
            else o += c;
        }
        return o;
    };
    std::string md = "| where | key | command | what it does |\n|---|---|---|---|\n";
    for (const HelpRow& r : help()) {
        std::string keys;
        size_t pos = 0;
        // Each key in code style: "`Ctrl+Z` or `Ctrl+Y`".
        while (pos <= r.keys.size()) {
            const size_t e = r.keys.find(" or ", pos);
            keys += (keys.empty() ? "`" : " or `") + r.keys.substr(pos, e == std::string::npos ? std::string::npos : e - pos) + "`";
            if (e == std::string::npos) break;
            pos = e + 4;
        }
        md += "| " + r.where + " | " + cell(keys) + " | `" + cell(r.command) + "` | " + cell(r.what) + " |\n";
    }
    return md;
}

std::filesystem::path user_input_conf() {
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::filesystem::path(x) / "reelsync" / "input.conf";
    if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".config" / "reelsync" / "input.conf";
    return {};
}

}  // namespace reelsync::review
