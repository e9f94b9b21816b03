// Saving and loading a VAE through the checkpoint container.
#pragma once
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "model/vae.hpp"

namespace scldm {

struct LoadedVae {
  Vae model{nullptr};
  VaeConfig config;
  std::vector<std::string> genes;
  std::string fingerprint;
  CheckpointFile file;  // the whole checkpoint (optimizer state, metrics, ...)
};

// Weights as blobs "param/<name>" (float32, bit-exact), and the fingerprint
// of config + genes + weights.
void add_vae_weights(CheckpointFile& ckpt, Vae& model);
std::string vae_fingerprint(const CheckpointFile& ckpt);
// Copies the checkpoint's weights into `model`; a missing or misshapen
// tensor is an error naming `path`.
void load_vae_weights(Vae& model, const CheckpointFile& ckpt, const std::string& path);
LoadedVae load_vae(const std::string& path, const torch::Device& device);

// Tensor <-> blob, exact bytes.
Blob tensor_blob(const std::string& name, const torch::Tensor& t);
torch::Tensor blob_tensor(const Blob& b);

}  // namespace scldm
