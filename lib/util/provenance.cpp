#include "util/provenance.hpp"

#include <ctime>

#include "util/text.hpp"

#ifndef SCLDM_VERSION
#define SCLDM_VERSION "0.0.0"
#endif

namespace scldm {
namespace {
std::string g_command_line;
std::vector<std::string> g_arguments;
std::vector<std::pair<std::string, std::string>> g_run_facts;
}

const char* scldm_version() { return SCLDM_VERSION; }

void set_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s += ' ';
    s += i == 0 ? std::string("scldm") : shell_quote(argv[i]);
  }
  g_command_line = s;
  g_arguments.assign(argv, argv + argc);
}

const std::vector<std::string>& command_arguments() { return g_arguments; }

const std::string& command_line() { return g_command_line; }

void record_run_fact(const std::string& key, const std::string& value) {
  for (auto& [k, v] : g_run_facts)
    if (k == key) {
      v = value;
      return;
    }
  g_run_facts.emplace_back(key, value);
}

const std::vector<std::pair<std::string, std::string>>& run_facts() { return g_run_facts; }

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace scldm
