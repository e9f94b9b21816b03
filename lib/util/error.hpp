// Errors carry a one-line message; main() prefixes "scldm <cmd>: " and maps
// the type to the exit status (Error -> 1, UsageError -> 2).
#pragma once
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace scldm {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "<file>: <problem>", the form every input and output error takes.
[[noreturn]] inline void fail(const std::string& file, const std::string& problem) {
  throw Error(file + ": " + problem);
}

// The system's description of errno, for messages.
inline std::string errno_text() { return std::strerror(errno); }

// The message of a JSON library exception without its tag
// ("[json.exception.out_of_range.403] key 'genes' not found" -> "key 'genes' not found").
inline std::string json_problem(const std::exception& e) {
  std::string s = e.what();
  auto close = s.find("] ");
  if (s.rfind("[json.exception.", 0) == 0 && close != std::string::npos) s = s.substr(close + 2);
  return s;
}

}  // namespace scldm
