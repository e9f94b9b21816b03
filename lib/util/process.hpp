// The process and its standard streams: signal handlers, crash reports for
// libraries that crash on corrupt input, stdout's delayed errors, terminals.
#pragma once
#include <string>

namespace scldm {

// Ignore SIGPIPE (write errors are reported instead) and remove temporary
// outputs on SIGINT/SIGTERM/SIGHUP.
void install_signal_handlers();

// While one is alive, a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) is
// reported as "<program>: <file>: <what>" with exit status 1 after the
// temporary outputs are removed, instead of a core dump: for libraries that
// may crash on corrupt input (libhdf5). They nest; the innermost speaks.
class CrashContext {
 public:
  CrashContext(const std::string& file, const std::string& what);
  ~CrashContext();
  CrashContext(const CrashContext&) = delete;
  CrashContext& operator=(const CrashContext&) = delete;

 private:
  int previous_;
};

// Closes stdout and turns a delayed write error into an Error.
void close_stdout_or_throw();

bool stdin_is_terminal();
bool stderr_is_terminal();

}  // namespace scldm
