#pragma once
// Project helpers shared by the command line, the review engine and the window.
#include <filesystem>
#include <string>

#include "core/error.h"
#include "project/project.h"

namespace reelsync::project {

// Opens FOLDER as a project; with `audio`, records that track as the song of the edit.
Result<Project> open_project(const std::string& folder, const std::string& audio);
// Probes (and thumbnails) every clip the project has not probed yet, then reloads it.
Result<void> catalogue_now(Project& p);
// Writes beside the target and renames: never half a file, a full disk is an error.
Result<void> write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace reelsync::project
