// The description of a prior checkpoint (kind "prior") without its
// weights: the DiT sizes, the condition vocabularies by name, the guidance
// training settings, the library-size model and the VAE whose latents it
// learned. Torch-free, so that `scldm info` and completion read it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/config.hpp"

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

}  // namespace scldm
