#include "util/log.hpp"

#include <cstdio>

#include "util/process.hpp"

namespace scldm {
namespace {
Verbosity g_verbosity = Verbosity::normal;
std::string g_program = "scldm";
}  // namespace

void set_verbosity(Verbosity v) { g_verbosity = v; }
Verbosity verbosity() { return g_verbosity; }
void set_program_name(const std::string& name) { g_program = name; }
const std::string& program_name() { return g_program; }

void note(const std::string& msg) {
  if (g_verbosity >= Verbosity::normal) fprintf(stderr, "%s: %s\n", g_program.c_str(), msg.c_str());
}

void warn(const std::string& msg) {
  if (g_verbosity >= Verbosity::normal) fprintf(stderr, "%s: warning: %s\n", g_program.c_str(), msg.c_str());
}

void detail(const std::string& msg) {
  if (g_verbosity >= Verbosity::verbose) fprintf(stderr, "%s: %s\n", g_program.c_str(), msg.c_str());
}

Progress::Progress(std::string what, uint64_t total)
    : what_(std::move(what)),
      total_(total),
      enabled_(stderr_is_terminal() && g_verbosity >= Verbosity::normal),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(uint64_t done, const std::string& status) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  double secs = std::chrono::duration<double>(now - start_).count();
  if (total_ > 0) {
    double frac = double(done) / double(total_);
    int width = 30, filled = int(frac * width);
    std::string bar(size_t(filled), '#');
    bar.resize(size_t(width), '.');
    double eta = frac > 0 ? secs / frac - secs : 0;
    fprintf(stderr, "\r%s [%s] %3.0f%% %llu/%llu %s ETA %.0fs ", what_.c_str(), bar.c_str(), 100 * frac,
            (unsigned long long)done, (unsigned long long)total_, status.c_str(), eta);
  } else {
    fprintf(stderr, "\r%s %llu (%.0fs) ", what_.c_str(), (unsigned long long)done, secs);
  }
  fflush(stderr);
}

void Progress::finish() {
  if (enabled_ && drawn_) fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace scldm
