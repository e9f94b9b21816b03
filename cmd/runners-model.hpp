// Entry points of the model commands, run inside the LibTorch helper.
#pragma once
#include "cmd/common.hpp"

namespace scldm {

int run_fit_vae(const Invocation& inv);
int run_encode(const Invocation& inv);
int run_decode(const Invocation& inv);
int run_fit_prior(const Invocation& inv);
int run_sample(const Invocation& inv);
int run_eval(const Invocation& inv);
int run_classify(const Invocation& inv);

}  // namespace scldm
