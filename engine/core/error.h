#pragma once
// Errors cross module boundaries as values. A message always names the file (or device) and what
// was wrong with it, so the app can print it as one line.
#include <expected>
#include <string>
#include <utility>

namespace reelsync {

struct Error {
    std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::string message) { return std::unexpected(Error{std::move(message)}); }

}  // namespace reelsync
