#include "project/project_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <unistd.h>

#include "media/clip_info.h"
#include "project/catalog.h"

namespace reelsync::project {

namespace fs = std::filesystem;

Result<void> write_file_atomically(const fs::path& path, const std::string& text) {
    // Written beside the target and renamed: a full disk or a crash never leaves half a file.
    fs::path tmp = path;
    tmp += ".tmp-" + std::to_string(getpid());
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return fail(path.string() + ": cannot write: " + std::strerror(errno));
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = (std::fflush(f) == 0) && ok;
    ok = (fsync(fileno(f)) == 0) && ok;
    const int err = errno;
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
        std::remove(tmp.c_str());
        return fail(path.string() + ": writing failed: " + std::strerror(err ? err : EIO));
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return fail(path.string() + ": " + ec.message());
    }
    return {};
}

Result<Project> open_project(const std::string& folder, const std::string& audio) {
    auto p = Project::open(folder);
    if (!p) return std::unexpected(p.error());
    if (!audio.empty()) {
        std::error_code ec;
        fs::path a = fs::absolute(audio, ec).lexically_normal();
        auto info = media::probe(a.string(), true);
        if (!info) return std::unexpected(info.error());
        if (!info->audio) return fail(a.string() + ": has no audio stream");
        if (!p->read_only()) {
            if (auto r = p->set_setting("audio", a.string()); !r) return std::unexpected(r.error());
            if (auto r = p->set_setting("audio_seconds", std::to_string(info->duration_seconds)); !r) return std::unexpected(r.error());
        }
    }
    return p;
}

Result<void> catalogue_now(Project& p) {
    std::vector<Catalog::Item> items;
    for (const Clip& c : p.clips())
        if (!c.missing && !c.media && c.probe_error.empty() && c.id > 0) items.push_back({c.id, p.absolute(c), c.size, c.mtime, false});
    if (items.empty()) return {};
    Catalog cat(p.folder(), std::move(items));
    cat.wait();
    return p.reload();
}

}  // namespace reelsync::project
