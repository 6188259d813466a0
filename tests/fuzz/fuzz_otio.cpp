// OpenTimelineIO import from arbitrary text: an edit or a clear error.
#include <cstdint>
#include <string>

#include "project/edit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto e = reelsync::project::from_otio(text);
    if (e) (void)reelsync::project::to_otio(*e);  // what was accepted can be written back
    return 0;
}
