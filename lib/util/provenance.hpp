// What every output records about how it was made.
#pragma once
#include <string>
#include <vector>

namespace scldm {

const char* scldm_version();
void set_command_line(int argc, char** argv);
const std::string& command_line();
// argv as given (argv[0] included), e.g. to start worker copies of this process.
const std::vector<std::string>& command_arguments();
// UTC time as 2026-11-24T07:30:00Z.
std::string utc_timestamp();

}  // namespace scldm
