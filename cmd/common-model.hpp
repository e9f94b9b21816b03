// Plumbing of the model commands (linked into the LibTorch helper only).
#pragma once
#include <torch/torch.h>

#include <functional>

#include "cmd/common.hpp"
#include "spec/auto_size.hpp"
#include "train/loop.hpp"

namespace scldm {

// Applies -@ and --device: the threads LibTorch uses and the device tensors
// live on; cuda without a GPU is an error.
torch::Device setup_torch(const Invocation& inv);

// The VAE to use: --vae, else $SCLDM_VAE, else `recorded` (a path a stream
// recorded), else ./vae.pt.
std::string resolve_vae_path(const Invocation& inv, const std::string& recorded = "");

// The training options fit-vae and fit-prior share (defaults: the fields'
// values on entry), and -@/--device. `preset_epochs`: the length of a run
// with an explicit --preset and no --epochs.
void read_training_options(const Invocation& inv, TrainingOptions& options, int64_t preset_epochs);

// --preset auto (the default): `choose` gives the preset and, unless --epochs,
// --max-steps or --time say, the run's length (into `options`); the choice is
// noted and kept in checkpoints, and a resumed run keeps its checkpoint's.
// Returns the preset to build, or "" when the sizes come from the checkpoint
// of --resume (no --preset other than auto given).
std::string resolve_preset(const Invocation& inv, TrainingOptions& options, const std::function<AutoChoice()>& choose);

// The preset whose sizes the size options are checked against before the
// data are read (base for auto; "" for the checkpoint of --resume), so that
// usage errors come first.
std::string provisional_preset(const Invocation& inv);

}  // namespace scldm
