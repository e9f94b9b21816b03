// The prior checkpoint (kind "prior"): the DiT and its EMA, the condition
// vocabularies by name, the guidance-training settings, the library-size
// model, and the fingerprint and path of the VAE whose latents it learned.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/checkpoint.hpp"
#include "model/dit.hpp"

namespace scldm {

struct PriorDescription {
  DitConfig config;
  std::vector<Attribute> attributes;
  std::string strategy = "joint";  // joint | additive
  double cfg_dropout = 0.2;
  double ema_decay = 0.9999;
  nlohmann::json library;  // library_stats()
  std::string vae_fingerprint, vae_path;

  // Writes/reads the entries of a checkpoint's meta.
  void to_meta(nlohmann::json& meta) const;
  static PriorDescription from_meta(const nlohmann::json& meta, const std::string& path);
  std::vector<std::string> attribute_names() const;
};

// Weights "param/…", the EMA "ema/…", and the fingerprint over the
// description and both.
void add_prior_weights(CheckpointFile& ckpt, Dit& model, Dit& ema);
std::string prior_fingerprint(const CheckpointFile& ckpt);

struct LoadedPrior {
  PriorDescription description;
  Dit model{nullptr};  // the EMA weights when the checkpoint has them (and use_ema)
  bool ema = false;
  std::string fingerprint;
  CheckpointFile file;
};

LoadedPrior load_prior(const std::string& path, const torch::Device& device, bool use_ema = true);

}  // namespace scldm
