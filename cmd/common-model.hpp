// Plumbing of the model commands (linked into the LibTorch helper only).
#pragma once
#include <torch/torch.h>

#include "cmd/common.hpp"
#include "train/loop.hpp"

namespace scldm {

// Applies -@ and --device: the threads LibTorch uses and the device tensors
// live on; cuda without a GPU is an error.
torch::Device setup_torch(const Invocation& inv);

// The VAE to use: --vae, else $SCLDM_VAE, else `recorded` (a path a stream
// recorded), else ./vae.pt.
std::string resolve_vae_path(const Invocation& inv, const std::string& recorded = "");

// The training options fit-vae and fit-prior share (defaults: the fields'
// values on entry), and -@/--device.
void read_training_options(const Invocation& inv, TrainingOptions& options);

}  // namespace scldm
