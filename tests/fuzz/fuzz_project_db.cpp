// A project whose reelsync.db is arbitrary bytes: opened with a clear error or read; never a crash.
#include <cstdint>
#include <filesystem>
#include <string>

#include "fuzz_util.h"
#include "project/project.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace fs = std::filesystem;
    static const fs::path dir = [] {
        fs::path d = reelsync::fuzz::scratch_path("project");
        fs::create_directories(d);
        return d;
    }();
    std::error_code ec;
    for (const char* extra : {"reelsync.db-wal", "reelsync.db-shm", "reelsync.db-journal"}) fs::remove(dir / extra, ec);
    if (!reelsync::fuzz::write_file((dir / "reelsync.db").string(), data, size)) return 0;
    auto p = reelsync::project::Project::open(dir);
    if (p) (void)p->clips().size();
    return 0;
}
