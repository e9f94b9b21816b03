// Messages and progress go to stderr; -q silences notes, -v adds detail.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace scldm {

enum class Verbosity { quiet = 0, normal = 1, verbose = 2, debug = 3 };

void set_verbosity(Verbosity v);
Verbosity verbosity();
// Prefix of every message: "scldm <command>".
void set_program_name(const std::string& name);
const std::string& program_name();

void note(const std::string& msg);     // shown unless -q
void warn(const std::string& msg);     // shown unless -q, marked "warning:"
void detail(const std::string& msg);   // shown with -v

// A progress line on stderr, redrawn at most 10 times a second, shown only
// when stderr is a terminal and not -q.
class Progress {
 public:
  Progress(std::string what, uint64_t total);  // total 0 = unknown
  ~Progress();
  void update(uint64_t done, const std::string& status = "");
  void finish();

 private:
  std::string what_;
  uint64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace scldm
