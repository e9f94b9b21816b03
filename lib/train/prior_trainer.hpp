// Training the latent prior (scldm-model(7), THE LATENT PRIOR): flow matching with the linear
// interpolant, classifier-free guidance dropout (joint or additive), an EMA
// of the weights, a fixed validation split with a fixed noise draw, best and
// last checkpoints, in the shared loop (train/trainer.hpp). Every random draw
// derives from (seed, step), so --resume continues bit-identically.
#pragma once
#include <torch/torch.h>

#include <string>

#include <nlohmann/json.hpp>

#include "model/prior_io.hpp"
#include "train/latents.hpp"
#include "train/trainer.hpp"

namespace scldm {

struct PriorTrainOptions : TrainingOptions {
  std::string strategy = "joint";
  double cfg_dropout = 0.2;
  double ema_decay = 0.9999;
  std::string vae_fingerprint, vae_path;
  PriorTrainOptions() {
    epochs = 100;
    batch_size = 256;
    output = "prior.pt";
  }
};

// The EMA decay used at `step`: the configured decay, but no more than
// (1 + step) / (10 + step), so that short runs are not dominated by the
// initial weights.
double ema_decay_at(double decay, int64_t step);

// Labels after classifier-free guidance dropout for one batch: joint nulls
// all attributes of a cell with probability rho; additive keeps one
// attribute per batch (the others null) and nulls it with probability rho.
torch::Tensor drop_labels(const torch::Tensor& labels, const torch::Tensor& null_row, const std::string& strategy,
                          double rho, at::Generator& gen);

TrainingResult train_prior(const LatentSet& data, DitConfig config, const PriorTrainOptions& options);

}  // namespace scldm
