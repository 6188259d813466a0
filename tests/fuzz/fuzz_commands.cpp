// The command parsers from arbitrary text: --keys scripts, command lines, JSON-lines requests and
// key files (input.conf).
#include <cstdint>
#include <string>

#include "review/command.h"
#include "review/command_feed.h"
#include "review/command_server.h"
#include "review/keymap.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace reelsync::review;
    const std::string text(reinterpret_cast<const char*>(data), size);
    (void)parse_keys(text);
    (void)parse_command(text);
    (void)parse_request(text);
    KeyMap k = KeyMap::defaults();
    (void)k.load(text, "fuzz.conf");
    return 0;
}
