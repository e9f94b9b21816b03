// Entry points of the subcommands (one file each in cmd/).
#pragma once
#include "cmd/common.hpp"

namespace scldm {

int run_info(const Invocation& inv);
int run_simulate(const Invocation& inv);
int run_convert(const Invocation& inv);
int run_version(const Invocation& inv);

// Path of the LibTorch helper that runs the model commands.
std::string model_helper_path();

}  // namespace scldm
