// The prior checkpoint (kind "prior"): the DiT and its EMA, the condition
// vocabularies by name, the guidance-training settings, the library-size
// model, and the fingerprint and path of the VAE whose latents it learned.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/checkpoint.hpp"
#include "spec/checkpoints.hpp"
#include "model/dit.hpp"
#include "spec/prior_description.hpp"

namespace scldm {

// Weights "param/…", the EMA "ema/…", and the fingerprint over the
// description and both.
void add_prior_weights(CheckpointFile& ckpt, Dit& model, Dit& ema);

struct LoadedPrior {
  PriorDescription description;
  Dit model{nullptr};  // the EMA weights when the checkpoint has them (and use_ema)
  bool ema = false;
  std::string fingerprint;
  CheckpointFile file;
};

LoadedPrior load_prior(const std::string& path, const torch::Device& device, bool use_ema = true);

}  // namespace scldm
