// Training the VAE (MODEL.md §2): AdamW, warmup-stable-decay learning rate,
// gradient clipping, a fixed validation split, best and last checkpoints.
//
// Everything that varies from step to step (data order, gene subsets, noise)
// is derived from (seed, step), so a resumed run continues exactly as an
// uninterrupted one. The loop is written for data parallelism: each rank
// takes its own slice of every batch, gradients pass through
// reduce_gradients() (a no-op on one process; an all-reduce over c10d later)
// and only rank 0 writes files.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/reconstruct.hpp"
#include "model/config.hpp"
#include "train/cells.hpp"
#include "train/loop.hpp"

namespace scldm {

struct VaeTrainOptions : TrainingOptions {
  int rank = 0, world_size = 1;
  VaeTrainOptions() { output = "vae.pt"; }
};

using ValidationResult = ReconstructionResult;

struct VaeTrainResult {
  int64_t steps = 0;
  double best_val_nll = 0;
  ValidationResult last;
  std::string best_path, last_path;
};

VaeTrainResult train_vae(const CellSet& data, const VaeConfig& config, const VaeTrainOptions& options);

}  // namespace scldm
