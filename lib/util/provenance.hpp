// What every output records about how it was made.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace scldm {

const char* scldm_version();
void set_command_line(int argc, char** argv);
const std::string& command_line();
// argv as given (argv[0] included), e.g. to start worker copies of this process.
const std::vector<std::string>& command_arguments();
// Facts about how this process computes (its device, its BLAS kernels) that
// every output it writes records beside the command line.
void record_run_fact(const std::string& key, const std::string& value);
const std::vector<std::pair<std::string, std::string>>& run_facts();
// UTC time as 2026-11-24T07:30:00Z.
std::string utc_timestamp();

}  // namespace scldm
