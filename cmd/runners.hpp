// Entry points of the subcommands (one file each in cmd/).
#pragma once
#include "cmd/common.hpp"

namespace scldm {

int run_info(const Invocation& inv);
int run_simulate(const Invocation& inv);
int run_convert(const Invocation& inv);
int run_version(const Invocation& inv);

// Path of the LibTorch helper that runs the model commands, with this
// process's environment made ready for it (its BLAS kernels chosen, so that
// LibTorch loads once; huge pages for its heap).
std::string model_helper();

}  // namespace scldm
