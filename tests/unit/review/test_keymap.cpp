// Commands and the key table: parsing, binding, rebinding from a user file, clear errors naming
// the line, and the README's hotkey table being exactly the table the program uses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "review/command.h"
#include "review/keymap.h"

using namespace reelsync::review;

TEST(Commands, ParseTypedArguments) {
    auto rate = parse_command("rate 3");
    ASSERT_TRUE(rate) << rate.error().message;
    EXPECT_EQ(rate->name, "rate");
    EXPECT_EQ(*rate->integer, 3);
    EXPECT_EQ(rate->to_string(), "rate 3");

    auto seek = parse_command("  seek 12.5s ");
    ASSERT_TRUE(seek);
    EXPECT_DOUBLE_EQ(*seek->seconds, 12.5);
    EXPECT_DOUBLE_EQ(*parse_command("seek 12.5")->seconds, 12.5);
    EXPECT_DOUBLE_EQ(*parse_command("seek 500ms")->seconds, 0.5);

    auto nudge = parse_command("nudge_grid +5ms");
    ASSERT_TRUE(nudge);
    EXPECT_NEAR(*nudge->seconds, 0.005, 1e-12);
    EXPECT_EQ(nudge->to_string(), "nudge_grid +5ms");
    EXPECT_NEAR(*parse_command("nudge_grid -1ms")->seconds, -0.001, 1e-12);

    EXPECT_EQ(*parse_command("step -10")->integer, -10);
    EXPECT_EQ(parse_command("note Too dark at the end")->text, "Too dark at the end");
    EXPECT_EQ(parse_command("sort steadiness")->text, "steadiness");
    EXPECT_EQ(parse_command("filter_status")->text, "");  // no word: the next filter
}

TEST(Commands, MalformedCommandsSayWhatIsExpected) {
    auto unknown = parse_command("aprove");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("unknown command 'aprove'"), std::string::npos);
    auto missing = parse_command("rate");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("rate N"), std::string::npos) << missing.error().message;
    auto range = parse_command("rate 7");
    ASSERT_FALSE(range);
    EXPECT_NE(range.error().message.find("0 to 5"), std::string::npos);
    EXPECT_FALSE(parse_command("seek soon"));
    EXPECT_FALSE(parse_command("step 1.5"));
    EXPECT_FALSE(parse_command("sort size"));
    auto extra = parse_command("approve now");
    ASSERT_FALSE(extra);
    EXPECT_NE(extra.error().message.find("takes no argument"), std::string::npos);
}

TEST(Commands, EveryCommandHasHelpAndAView) {
    std::set<std::string> names;
    for (const CommandSpec& s : command_specs()) {
        EXPECT_TRUE(names.insert(s.name).second) << s.name << " twice";
        EXPECT_NE(s.contexts, 0u) << s.name;
        EXPECT_GT(std::string(s.help).size(), 5u) << s.name;
        if (s.arg == Arg::word) {
            EXPECT_NE(s.choices, nullptr) << s.name;
        }
    }
}

TEST(KeyMap, KeyNamesAreCanonical) {
    EXPECT_EQ(*canonical_key("ctrl+shift+z"), "Ctrl+Shift+Z");
    EXPECT_EQ(*canonical_key("Shift+Ctrl+Z"), "Ctrl+Shift+Z");
    EXPECT_EQ(*canonical_key("comma"), ",");
    EXPECT_EQ(*canonical_key("shift+period"), "Shift+.");
    EXPECT_EQ(*canonical_key("space"), "Space");
    EXPECT_EQ(*canonical_key("pgdn"), "PageDown");
    EXPECT_EQ(*canonical_key("f5"), "F5");
    EXPECT_EQ(*canonical_key("i"), "I");
    EXPECT_FALSE(canonical_key("Ctlr+Z"));
    EXPECT_FALSE(canonical_key("F13"));
    EXPECT_FALSE(canonical_key("Hyper"));
}

TEST(KeyMap, TheBuiltInTableBindsEachKeyOnceInEachView) {
    KeyMap m;
    ASSERT_TRUE(m.load(KeyMap::default_text(), "built-in"));
    // In each view a key has at most one command; I is a mark where marks are, a trim in the edit.
    for (Context c : {Context::player, Context::browser, Context::viewer, Context::edit}) {
        std::set<std::string> seen;
        for (const Binding& b : m.bindings())
            if (b.contexts & static_cast<unsigned>(c)) {
                EXPECT_TRUE(seen.insert(b.key).second) << b.key << " twice in " << to_string(c);
            }
    }
    EXPECT_EQ(m.lookup(Context::player, "I")->name, "mark_in");
    EXPECT_EQ(m.lookup(Context::viewer, "I")->name, "mark_in");
    EXPECT_EQ(m.lookup(Context::edit, "I")->name, "trim_in");
    EXPECT_EQ(m.lookup(Context::browser, "I"), nullptr);
    EXPECT_EQ(m.lookup(Context::browser, "Down")->to_string(), "move_rows 1");
    EXPECT_EQ(m.lookup(Context::viewer, "Down")->name, "next_clip");
    EXPECT_EQ(m.lookup(Context::edit, "Down")->name, "next_cut");
    EXPECT_EQ(m.lookup(Context::browser, "PageDown")->to_string(), "move_rows 4");
    EXPECT_EQ(m.lookup(Context::player, "PageDown")->name, "next_clip");
    EXPECT_EQ(m.lookup(Context::edit, ".")->to_string(), "nudge_grid +5ms");
    EXPECT_EQ(m.lookup(Context::edit, "Shift+,")->to_string(), "nudge_grid -1ms");
    EXPECT_EQ(m.lookup(Context::player, "Esc")->name, "quit");
    EXPECT_EQ(m.lookup(Context::viewer, "Esc")->name, "back");
    EXPECT_EQ(m.lookup(Context::browser, "Space")->name, "open");
    EXPECT_EQ(m.lookup(Context::viewer, "Space")->name, "play_pause");
    EXPECT_EQ(m.lookup(Context::viewer, "Ctrl+Y")->name, "redo");
    // Every command a key runs in a view works in that view.
    for (const Binding& b : m.bindings()) EXPECT_EQ(b.contexts & ~b.command.spec().contexts, 0u) << b.key;
}

TEST(KeyMap, AUserFileRebindsAKey) {
    KeyMap m = KeyMap::defaults();
    const std::string user =
        "# my keys\n"
        "A approve            # A approves wherever approving works\n"
        "{viewer} G goto_in\n"
        "P ignore\n"
        "ctrl+shift+right step 100\n";
    ASSERT_TRUE(m.load(user, "input.conf"));
    EXPECT_EQ(m.lookup(Context::browser, "A")->name, "approve");
    EXPECT_EQ(m.lookup(Context::viewer, "A")->name, "approve");
    // Without a {section} the binding holds wherever approving works: the edit too, where A was
    // the beat grid's next tempo.
    EXPECT_EQ(m.lookup(Context::edit, "A")->name, "approve");
    EXPECT_EQ(m.lookup(Context::viewer, "G")->name, "goto_in");
    EXPECT_EQ(m.lookup(Context::browser, "G"), nullptr);
    EXPECT_EQ(m.lookup(Context::browser, "P"), nullptr);  // unbound
    EXPECT_EQ(m.lookup(Context::viewer, "Ctrl+Shift+Right")->to_string(), "step 100");
    // The help lists the new keys.
    bool listed = false;
    for (const HelpRow& r : m.help())
        if (r.command == "approve" && r.keys == "A") listed = true;
    EXPECT_TRUE(listed);
    EXPECT_EQ(m.keys_for(Context::viewer, "goto_in"), (std::vector<std::string>{"Shift+I", "G"}));
}

TEST(KeyMap, ABrokenFileNamesEachBadLine) {
    KeyMap m = KeyMap::defaults();
    const std::string text =
        "A approve\n"
        "Ctlr+Z undo\n"            // line 2: unknown modifier
        "B aprove\n"               // line 3: unknown command
        "\n"
        "{browser} I mark_in\n"    // line 5: mark_in does nothing in the browser
        "R rate 9\n"               // line 6: bad argument
        "Z\n"                      // line 7: no command
        "{viewr} Z approve\n";     // line 8: unknown view
    auto r = m.load(text, "input.conf");
    ASSERT_FALSE(r);
    const std::string& e = r.error().message;
    EXPECT_NE(e.find("input.conf:2: unknown modifier 'Ctlr'"), std::string::npos) << e;
    EXPECT_NE(e.find("input.conf:3: unknown command 'aprove'"), std::string::npos) << e;
    EXPECT_NE(e.find("input.conf:5: 'mark_in' does nothing in browser"), std::string::npos) << e;
    EXPECT_NE(e.find("input.conf:6: rate: a rating is 0 to 5"), std::string::npos) << e;
    EXPECT_NE(e.find("input.conf:7: "), std::string::npos) << e;
    EXPECT_NE(e.find("input.conf:8: unknown view 'viewr'"), std::string::npos) << e;
    EXPECT_EQ(e.find("input.conf:1:"), std::string::npos) << e;
    EXPECT_EQ(e.find("input.conf:4:"), std::string::npos) << e;
    // The good line still applies.
    EXPECT_EQ(m.lookup(Context::browser, "A")->name, "approve");
}

TEST(KeyMap, TheReadmeHotkeyTableIsTheKeyTable) {
    // The README's table is generated (`reelsync keys`); it must be the table the program runs.
    std::ifstream f(std::string(REELSYNC_SOURCE_DIR) + "/README.md");
    ASSERT_TRUE(f) << "README.md not found";
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string readme = ss.str();
    const std::string table = KeyMap::defaults().markdown();
    EXPECT_NE(readme.find(table), std::string::npos)
        << "the README's hotkey table differs from the key table: paste the output of `reelsync keys`:\n"
        << table;
}
