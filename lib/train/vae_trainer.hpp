// Training the VAE (MODEL.md §2) in the shared loop (train/trainer.hpp):
// NB negative log-likelihood of the counts (plus β·KL with a Gaussian
// posterior), AdamW (0.9, 0.95), validation by reconstruction metrics.
#pragma once
#include <torch/torch.h>

#include "model/config.hpp"
#include "train/cells.hpp"
#include "train/trainer.hpp"

namespace scldm {

struct VaeTrainOptions : TrainingOptions {
  VaeTrainOptions() { output = "vae.pt"; }
};

TrainingResult train_vae(const CellSet& data, const VaeConfig& config, const VaeTrainOptions& options);

}  // namespace scldm
