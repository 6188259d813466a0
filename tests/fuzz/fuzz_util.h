#pragma once
// Scratch files for fuzz targets that read from paths: one per process under TMPDIR, rewritten
// for every input.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace reelsync::fuzz {

inline std::string scratch_path(const std::string& name) {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp && *tmp ? tmp : "/tmp") + "/reelsync-fuzz-" + std::to_string(getpid()) + "-" + name;
}

inline bool write_file(const std::string& path, const uint8_t* data, size_t size) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(data, 1, size, f) == size;
    return std::fclose(f) == 0 && ok;
}

}  // namespace reelsync::fuzz
