// Training the latent prior (MODEL.md §3): flow matching with the linear
// interpolant, classifier-free guidance dropout (joint or additive), an EMA
// of the weights, a fixed validation split with a fixed noise draw, best and
// last checkpoints. Like the VAE loop, every random draw derives from
// (seed, step), so --resume continues bit-identically.
#pragma once
#include <torch/torch.h>

#include <string>

#include <nlohmann/json.hpp>

#include "model/prior_io.hpp"
#include "train/latents.hpp"

namespace scldm {

struct PriorTrainOptions {
  int64_t epochs = 200;
  int64_t max_steps = 0;  // 0: epochs decide
  int64_t batch_size = 256;
  double lr = 1e-3;
  double val_fraction = 0.1;
  double clip = 10;
  uint64_t seed = 0;
  int64_t checkpoint_every = 0;
  int64_t stop_after = 0;  // > 0: stop at this step as an interruption would (tests)
  std::string strategy = "joint";
  double cfg_dropout = 0.2;
  double ema_decay = 0.9999;
  std::string output = "prior.pt", resume, log;
  std::string vae_fingerprint, vae_path;
  torch::Device device = torch::kCPU;
  nlohmann::json provenance = nlohmann::json::object();
};

struct PriorTrainResult {
  int64_t steps = 0;
  double best_val_loss = 0, last_val_loss = 0;
  std::string best_path, last_path;
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

PriorTrainResult train_prior(const LatentSet& data, DitConfig config, const PriorTrainOptions& options);

}  // namespace scldm
