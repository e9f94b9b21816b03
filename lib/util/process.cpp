#include "util/process.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "util/error.hpp"
#include "util/log.hpp"
#include "util/temp.hpp"

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


}  // namespace

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
