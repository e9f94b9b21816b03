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
#include "util/log.hpp"
#include "util/output.hpp"

namespace scldm {
namespace {

extern "C" void on_fatal_signal(int sig) {
  remove_registered_temps();
  signal(sig, SIG_DFL);
  raise(sig);
}

// The messages of the active crash contexts, innermost last. Fixed storage:
// the crash handler may only read it.
constexpr int kMaxCrashContexts = 16;
char g_crash_messages[kMaxCrashContexts][1024];
volatile sig_atomic_t g_crash_depth = 0;

extern "C" void on_crash_signal(int sig) {
  int depth = g_crash_depth;
  if (depth <= 0 || depth > kMaxCrashContexts) {  // a bug of ours: crash as usual
    remove_registered_temps();
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  const char* msg = g_crash_messages[depth - 1];
  ssize_t ignored = write(STDERR_FILENO, msg, strlen(msg));
  (void)ignored;
  remove_registered_temps();
  _exit(1);
}

std::string errno_text() { return strerror(errno); }


}  // namespace

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

std::optional<uint64_t> ByteReader::file_size() const {
  struct stat st;
  if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return uint64_t(st.st_size);
}

size_t ByteReader::peek(void* data, size_t n) {
  while (end_ - pos_ < n && fill()) {
  }
  size_t take = std::min(n, end_ - pos_);
  memcpy(data, buf_.data() + pos_, take);
  return take;
}

std::string spool_stdin_to_temp(ByteReader& in, const std::string& name) {
  const char* dir = getenv("TMPDIR");
  std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/scldm-stdin-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back(0);
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
  };
  int fd = mkstemp(buf.data());
  if (fd < 0) fail(name, "cannot spool the input to a temporary file: " + errno_text());
  Spool spool{fd, buf.data()};
  register_temp(spool.path);
  static bool cleanup_registered = false;
  if (!cleanup_registered) {
    atexit(remove_registered_temps);
    cleanup_registered = true;
  }
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

void install_signal_handlers() {
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  // Crashes inside a library on corrupt input may overflow the stack: the
  // handler runs on its own.
  static std::vector<char> alt_stack(1 << 16);
  stack_t ss{};
  ss.ss_sp = alt_stack.data();
  ss.ss_size = alt_stack.size();
  sigaltstack(&ss, nullptr);
  struct sigaction crash {};
  crash.sa_handler = on_crash_signal;
  crash.sa_flags = SA_ONSTACK;
  sigemptyset(&crash.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &crash, nullptr);
}

CrashContext::CrashContext(const std::string& file, const std::string& what) : previous_(g_crash_depth) {
  if (previous_ >= kMaxCrashContexts) return;
  std::string msg = program_name() + ": " + file + ": " + what + "\n";
  snprintf(g_crash_messages[previous_], sizeof g_crash_messages[previous_], "%s", msg.c_str());
  g_crash_depth = previous_ + 1;
}

CrashContext::~CrashContext() { g_crash_depth = previous_; }

void close_stdout_or_throw() {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    std::string why = errno_text();
    fail("-", "write error: " + why);
  }
  if (::close(STDOUT_FILENO) != 0 && errno != EBADF) fail("-", "write error: " + errno_text());
}

bool stdin_is_terminal() { return isatty(STDIN_FILENO); }
bool stderr_is_terminal() { return isatty(STDERR_FILENO); }


}  // namespace scldm
