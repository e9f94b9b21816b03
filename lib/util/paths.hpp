// Paths as provenance records them.
#pragma once
#include <climits>
#include <cstdlib>
#include <string>

namespace scldm {

// The canonical absolute path of an existing file; `path` itself otherwise.
inline std::string absolute_path(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

}  // namespace scldm
