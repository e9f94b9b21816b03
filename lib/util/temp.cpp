#include "util/temp.hpp"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "util/error.hpp"

namespace scldm {
namespace {

// Paths to remove on a fatal signal or at exit. Fixed storage: the signal
// handler may only call async-signal-safe functions.
constexpr int kMaxTemps = 256;
char g_temps[kMaxTemps][PATH_MAX];


}  // namespace

void register_temp(const std::string& path) {
  if (path.size() >= PATH_MAX) fail(path, "path too long");
  for (auto& slot : g_temps)
    if (slot[0] == 0) {
      memcpy(slot, path.c_str(), path.size() + 1);
      return;
    }
  fail(path, "too many temporary files at once (at most " + std::to_string(kMaxTemps) + ")");
}

void forget_temp(const std::string& path) {
  for (auto& slot : g_temps)
    if (path == slot) slot[0] = 0;
}

void remove_registered_temps() {
  for (auto& slot : g_temps)
    if (slot[0]) {
      unlink(slot);
      slot[0] = 0;
    }
}
namespace {

// A new file in $TMPDIR (or /tmp) registered for removal at exit; the
// descriptor is negative (errno set) when it cannot be created.
std::string create_registered_temp(const std::string& what, int* fd) {
  const char* dir = getenv("TMPDIR");
  std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/scldm-" + what + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back(0);
  *fd = mkostemp(buf.data(), O_CLOEXEC);
  if (*fd < 0) return tmpl;
  register_temp(buf.data());
  static bool at_exit = false;
  if (!at_exit) {
    atexit(remove_registered_temps);
    at_exit = true;
  }
  return buf.data();
}

}  // namespace

std::string make_spool_file(const std::string& what, int* fd) {
  std::string path = create_registered_temp(what, fd);
  if (*fd < 0) fail(path, "cannot create a temporary file: " + errno_text());
  return path;
}

std::string spool_stdin_to_temp(ByteReader& in, const std::string& name) {
  int fd = -1;
  std::string path = create_registered_temp("stdin", &fd);
  if (fd < 0) fail(name, "cannot spool the input to a temporary file: " + errno_text());
  // Owns the descriptor and the file until the copy is whole: an error
  // while copying closes and removes it.
  struct Spool {
    int fd;
    std::string path;
    bool done = false;
    ~Spool() {
      if (fd >= 0) ::close(fd);
      if (!done) {
        unlink(path.c_str());
        forget_temp(path);
      }
    }
  } spool{fd, path};
  ByteWriter out(spool.fd, spool.path);
  std::vector<char> chunk(1 << 20);
  while (size_t n = in.read(chunk.data(), chunk.size())) out.write(chunk.data(), n);
  out.flush();
  int closing = spool.fd;
  spool.fd = -1;
  if (::close(closing) != 0) fail(spool.path, "write error: " + errno_text());
  spool.done = true;
  return spool.path;
}

}  // namespace scldm
