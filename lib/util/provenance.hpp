// What every output records about how it was made.
#pragma once
#include <string>

namespace scldm {

const char* scldm_version();
void set_command_line(int argc, char** argv);
const std::string& command_line();
// UTC time as 2026-11-24T07:30:00Z.
std::string utc_timestamp();

}  // namespace scldm
