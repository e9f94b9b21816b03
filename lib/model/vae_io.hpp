// Saving and loading a VAE through the checkpoint container.
#pragma once
#include <string>
#include <vector>

#include "model/vae.hpp"
#include "model/weights.hpp"
#include "spec/checkpoints.hpp"

namespace scldm {

struct LoadedVae {
  Vae model{nullptr};
  VaeConfig config;
  std::vector<std::string> genes;
  std::string fingerprint;
  CheckpointFile file;  // the whole checkpoint (optimizer state, metrics, ...)
};

inline void add_vae_weights(CheckpointFile& ckpt, Vae& model) { add_weights(ckpt, *model); }
inline void load_vae_weights(Vae& model, const CheckpointFile& ckpt, const std::string& path) {
  load_weights(*model, ckpt, path);
}
LoadedVae load_vae(const std::string& path, const torch::Device& device);

}  // namespace scldm
