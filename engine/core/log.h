#pragma once
// Logging for non-real-time threads. Never call from the audio callback.
#include <cstdarg>

namespace reelsync::log {

enum class Level { error = 0, warn = 1, info = 2, debug = 3 };

void set_level(Level level);
Level level();
void write(Level level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define RS_LOG_ERROR(...) ::reelsync::log::write(::reelsync::log::Level::error, __VA_ARGS__)
#define RS_LOG_WARN(...) ::reelsync::log::write(::reelsync::log::Level::warn, __VA_ARGS__)
#define RS_LOG_INFO(...) ::reelsync::log::write(::reelsync::log::Level::info, __VA_ARGS__)
#define RS_LOG_DEBUG(...) ::reelsync::log::write(::reelsync::log::Level::debug, __VA_ARGS__)

}  // namespace reelsync::log
