#include "util/files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "util/error.hpp"

namespace scldm {
namespace {

// Paths to remove on a fatal signal or at exit. Fixed storage: the signal
// handler may only call async-signal-safe functions.
constexpr int kMaxTemps = 32;
char g_temps[kMaxTemps][4096];

void register_temp(const std::string& path) {
  for (auto& slot : g_temps)
    if (slot[0] == 0 && path.size() < sizeof slot) {
      memcpy(slot, path.c_str(), path.size() + 1);
      return;
    }
}

void unregister_temp(const std::string& path) {
  for (auto& slot : g_temps)
    if (path == slot) slot[0] = 0;
}

void remove_all_temps() {
  for (auto& slot : g_temps)
    if (slot[0]) {
      unlink(slot);
      slot[0] = 0;
    }
}

extern "C" void on_fatal_signal(int sig) {
  remove_all_temps();
  signal(sig, SIG_DFL);
  raise(sig);
}

std::string errno_text() { return strerror(errno); }

std::string make_temp_beside(const std::string& path, int* fd) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmpl = dir + "." + base + ".tmp-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back(0);
  *fd = mkstemp(buf.data());
  if (*fd < 0) fail(path, "cannot create output: " + errno_text());
  return buf.data();
}

}  // namespace

OutputFile::OutputFile(std::string path, bool binary) : path_(std::move(path)) {
  if (path_ == "-") {
    if (binary && isatty(STDOUT_FILENO))
      throw UsageError("-: refusing to write binary data to a terminal; use -o FILE or a pipe");
    temp_ = "-";
    fd_ = STDOUT_FILENO;
    return;
  }
  struct stat st;
  if (stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail(path_, "is a directory");
  temp_ = make_temp_beside(path_, &fd_);
  register_temp(temp_);
  // mkstemp creates 0600; outputs should follow the umask like any other file.
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd_, 0666 & ~mask);
}

OutputFile::~OutputFile() {
  if (is_stdout()) return;
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) {
    unlink(temp_.c_str());
    unregister_temp(temp_);
  }
}

void OutputFile::close_fd() {
  if (is_stdout() || fd_ < 0) return;
  if (::close(fd_) != 0) fail(path_, "write error: " + errno_text());
  fd_ = -1;
}

void OutputFile::commit() {
  if (is_stdout()) return;
  close_fd();
  if (rename(temp_.c_str(), path_.c_str()) != 0) fail(path_, "cannot create output: " + errno_text());
  unregister_temp(temp_);
  committed_ = true;
}

ByteWriter::ByteWriter(int fd, std::string name, size_t buffer_size)
    : fd_(fd), name_(std::move(name)), buf_(buffer_size) {}

ByteWriter::~ByteWriter() = default;  // callers flush; a destructor must not throw

void ByteWriter::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  if (used_ + n > buf_.size()) {
    flush();
    if (n >= buf_.size()) {
      // Large blocks go straight to the descriptor.
      const char* q = p;
      size_t left = n;
      while (left > 0) {
        ssize_t w = ::write(fd_, q, left);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) fail(name_, "write error: " + errno_text());
        q += w;
        left -= size_t(w);
      }
      total_ += n;
      return;
    }
  }
  memcpy(buf_.data() + used_, p, n);
  used_ += n;
  total_ += n;
}

void ByteWriter::flush() {
  size_t done = 0;
  while (done < used_) {
    ssize_t w = ::write(fd_, buf_.data() + done, used_ - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) fail(name_, "write error: " + errno_text());
    done += size_t(w);
  }
  used_ = 0;
}

ByteReader::ByteReader(std::string path, size_t buffer_size) : name_(std::move(path)), buf_(buffer_size) {
  if (name_ == "-") {
    fd_ = STDIN_FILENO;
    return;
  }
  fd_ = open(name_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(name_, "cannot open: " + errno_text());
  struct stat st;
  if (fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fail(name_, "is a directory");
  }
  owns_fd_ = true;
}

ByteReader::ByteReader(int fd, std::string name, size_t buffer_size)
    : fd_(fd), name_(std::move(name)), buf_(buffer_size) {}

ByteReader::~ByteReader() {
  if (owns_fd_) ::close(fd_);
}

bool ByteReader::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  while (true) {
    ssize_t r = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(name_, "read error: " + errno_text());
    if (r == 0) eof_ = true;
    end_ += size_t(r);
    return r > 0;
  }
}

size_t ByteReader::read(void* data, size_t n) {
  char* out = static_cast<char*>(data);
  size_t got = 0;
  while (got < n) {
    if (pos_ == end_) {
      pos_ = end_ = 0;
      // Large reads bypass the buffer.
      if (n - got >= buf_.size() && !eof_) {
        ssize_t r = ::read(fd_, out + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail(name_, "read error: " + errno_text());
        if (r == 0) {
          eof_ = true;
          break;
        }
        got += size_t(r);
        continue;
      }
      if (!fill()) break;
    }
    size_t take = std::min(n - got, end_ - pos_);
    memcpy(out + got, buf_.data() + pos_, take);
    pos_ += take;
    got += take;
  }
  offset_ += got;
  return got;
}

size_t ByteReader::peek(void* data, size_t n) {
  while (end_ - pos_ < n && fill()) {
  }
  size_t take = std::min(n, end_ - pos_);
  memcpy(data, buf_.data() + pos_, take);
  return take;
}

std::string spool_stdin_to_temp(ByteReader& in) {
  const char* dir = getenv("TMPDIR");
  std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/scldm-stdin-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back(0);
  int fd = mkstemp(buf.data());
  if (fd < 0) fail("-", "cannot spool standard input: " + errno_text());
  std::string path = buf.data();
  register_temp(path);
  static bool cleanup_registered = false;
  if (!cleanup_registered) {
    atexit(remove_all_temps);
    cleanup_registered = true;
  }
  ByteWriter out(fd, path);
  std::vector<char> chunk(1 << 20);
  while (size_t n = in.read(chunk.data(), chunk.size())) out.write(chunk.data(), n);
  out.flush();
  ::close(fd);
  return path;
}

void install_signal_handlers() {
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
}

void close_stdout_or_throw() {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    std::string why = errno_text();
    fail("-", "write error: " + why);
  }
  if (::close(STDOUT_FILENO) != 0 && errno != EBADF) fail("-", "write error: " + errno_text());
}

bool stdin_is_terminal() { return isatty(STDIN_FILENO); }
bool stderr_is_terminal() { return isatty(STDERR_FILENO); }

void write_text_output(const std::string& path, const std::string& text) {
  OutputFile out(path, false);
  ByteWriter w(out.fd(), out.path());
  w.write(text.data(), text.size());
  w.flush();
  out.commit();
}

}  // namespace scldm
