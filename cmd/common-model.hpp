// Plumbing of the model commands (linked into the LibTorch helper only).
#pragma once
#include <torch/torch.h>

#include <functional>
#include <optional>

#include "cmd/common.hpp"
#include "spec/auto_size.hpp"
#include "train/loop.hpp"

namespace scldm {

// Applies -@ and --device: the threads LibTorch uses and the device tensors
// live on; cuda without a GPU is an error.
// `ranks_here`: data-parallel processes on this machine, which share its
// cores when -@ is not given.
torch::Device setup_torch(const Invocation& inv, int ranks_here = 1);

// The VAE to use: --vae, else $SCLDM_VAE, else `recorded` (a path a stream
// recorded), else ./vae.pt.
std::string resolve_vae_path(const Invocation& inv, const std::string& recorded = "");

// The training options fit-vae and fit-prior share (defaults: the fields'
// values on entry), and -@/--device. `preset_epochs`: the length of a run
// with an explicit --preset and no --epochs.
void read_training_options(const Invocation& inv, TrainingOptions& options, int64_t preset_epochs);

// Data parallelism (scldm-model(7), DATA PARALLEL). With --nproc N in a
// process no launcher started: starts N local ranks of this command, waits
// for them and returns the exit status to give; otherwise nullopt.
std::optional<int> run_local_ranks(const Invocation& inv, const TrainingOptions& options);
// In a data-parallel job (torchrun, srun or --nproc): joins the other ranks
// (options.group); only rank 0 speaks and writes.
void join_data_parallel(const Invocation& inv, TrainingOptions& options);

// --preset auto (the default): `choose` gives the preset and, unless --epochs,
// --max-steps or --time say, the run's length (into `options`); the choice is
// noted and kept in checkpoints, and a resumed run keeps its checkpoint's.
// Returns the preset to build, or "" when the sizes come from the checkpoint
// of --resume (no --preset other than auto given).
std::string resolve_preset(const Invocation& inv, TrainingOptions& options, const std::function<AutoChoice()>& choose);

// The learning rate a resumed run trained at (`meta` of the checkpoint of
// --resume at `path`), for a resume without --lr: it continues its schedule.
double resumed_lr(const nlohmann::json& meta, const std::string& path);

// The preset whose sizes the size options are checked against before the
// data are read (base for auto; "" for the checkpoint of --resume), so that
// usage errors come first.
std::string provisional_preset(const Invocation& inv);

}  // namespace scldm
