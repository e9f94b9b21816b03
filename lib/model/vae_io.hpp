// Saving and loading a VAE through the checkpoint container.
#pragma once
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "model/checkpoints.hpp"
#include "model/vae.hpp"

namespace scldm {

struct LoadedVae {
  Vae model{nullptr};
  VaeConfig config;
  std::vector<std::string> genes;
  std::string fingerprint;
  CheckpointFile file;  // the whole checkpoint (optimizer state, metrics, ...)
};

// A module's parameters as blobs "<prefix><name>" (bit-exact).
void add_weights(CheckpointFile& ckpt, torch::nn::Module& module, const std::string& prefix = "param/");
// Copies blobs "<prefix><name>" into the module's parameters; a missing or
// misshapen tensor is an error naming `path`.
void load_weights(torch::nn::Module& module, const CheckpointFile& ckpt, const std::string& path,
                  const std::string& prefix = "param/");

inline void add_vae_weights(CheckpointFile& ckpt, Vae& model) { add_weights(ckpt, *model); }
inline void load_vae_weights(Vae& model, const CheckpointFile& ckpt, const std::string& path) {
  load_weights(*model, ckpt, path);
}
LoadedVae load_vae(const std::string& path, const torch::Device& device);

// Tensor <-> blob, exact bytes.
Blob tensor_blob(const std::string& name, const torch::Tensor& t);
torch::Tensor blob_tensor(const Blob& b);

}  // namespace scldm
