// Keys: GLFW's key codes to key-table names, loading the user's key file, and `reelsync keys`.
#include <GLFW/glfw3.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/run.h"

namespace reelsync::app {

std::string glfw_key_name(int key, int mods) {
    std::string name;
    if (key >= GLFW_KEY_A && key <= GLFW_KEY_Z) name = std::string(1, static_cast<char>('A' + (key - GLFW_KEY_A)));
    else if (key >= GLFW_KEY_0 && key <= GLFW_KEY_9) name = std::string(1, static_cast<char>('0' + (key - GLFW_KEY_0)));
    else if (key >= GLFW_KEY_F1 && key <= GLFW_KEY_F12) name = "F" + std::to_string(key - GLFW_KEY_F1 + 1);
    else {
        switch (key) {
            case GLFW_KEY_SPACE: name = "Space"; break;
            case GLFW_KEY_ENTER:
            case GLFW_KEY_KP_ENTER: name = "Enter"; break;
            case GLFW_KEY_ESCAPE: name = "Esc"; break;
            case GLFW_KEY_TAB: name = "Tab"; break;
            case GLFW_KEY_BACKSPACE: name = "Backspace"; break;
            case GLFW_KEY_DELETE: name = "Delete"; break;
            case GLFW_KEY_INSERT: name = "Insert"; break;
            case GLFW_KEY_LEFT: name = "Left"; break;
            case GLFW_KEY_RIGHT: name = "Right"; break;
            case GLFW_KEY_UP: name = "Up"; break;
            case GLFW_KEY_DOWN: name = "Down"; break;
            case GLFW_KEY_PAGE_UP: name = "PageUp"; break;
            case GLFW_KEY_PAGE_DOWN: name = "PageDown"; break;
            case GLFW_KEY_HOME: name = "Home"; break;
            case GLFW_KEY_END: name = "End"; break;
            case GLFW_KEY_COMMA: name = ","; break;
            case GLFW_KEY_PERIOD: name = "."; break;
            case GLFW_KEY_LEFT_BRACKET: name = "["; break;
            case GLFW_KEY_RIGHT_BRACKET: name = "]"; break;
            case GLFW_KEY_MINUS: name = "-"; break;
            case GLFW_KEY_EQUAL: name = "="; break;
            case GLFW_KEY_SLASH: name = "/"; break;
            case GLFW_KEY_SEMICOLON: name = ";"; break;
            case GLFW_KEY_APOSTROPHE: name = "'"; break;
            case GLFW_KEY_GRAVE_ACCENT: name = "`"; break;
            case GLFW_KEY_BACKSLASH: name = "\\"; break;
            default: return {};
        }
    }
    return std::string(mods & GLFW_MOD_CONTROL ? "Ctrl+" : "") + (mods & GLFW_MOD_ALT ? "Alt+" : "") +
           (mods & GLFW_MOD_SHIFT ? "Shift+" : "") + name;
}

Result<review::KeyMap> load_key_map(const std::string& input_conf) {
    review::KeyMap keys = review::KeyMap::defaults();
    if (!input_conf.empty()) {
        if (auto r = keys.load_file(input_conf); !r) return std::unexpected(r.error());
        return keys;
    }
    const std::filesystem::path user = review::user_input_conf();
    std::error_code ec;
    if (!user.empty() && std::filesystem::exists(user, ec))
        if (auto r = keys.load_file(user); !r) print_error(r.error().message + "\n(those lines are skipped)");
    return keys;
}

int run_keys(const std::string& what, const std::string& input_conf) {
    if (what == "names") {
        for (const std::string& n : review::key_names()) std::cout << n << "\n";
        std::cout << "(with modifiers: Ctrl+, Alt+, Shift+ in any order)\n";
        return 0;
    }
    if (what == "commands") {
        for (const review::CommandSpec& c : review::command_specs()) {
            std::string usage = c.name;
            switch (c.arg) {
                case review::Arg::none: break;
                case review::Arg::integer: usage += c.arg_optional ? " [N]" : " N"; break;
                case review::Arg::seconds: usage += " TIME"; break;
                case review::Arg::word: usage += std::string(" ") + (c.arg_optional ? "[" : "") + c.choices + (c.arg_optional ? "]" : ""); break;
                case review::Arg::text: usage += c.arg_optional ? " [TEXT]" : " TEXT"; break;
            }
            std::printf("%-40s %s\n", usage.c_str(), c.help);
        }
        return 0;
    }
    if (what == "defaults") {
        std::cout << review::KeyMap::default_text();
        return 0;
    }
    auto keys = load_key_map(input_conf);
    if (!keys) {
        print_error(keys.error().message);
        return 2;
    }
    std::cout << keys->markdown();
    return 0;
}

}  // namespace reelsync::app
