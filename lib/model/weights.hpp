// A module's parameters in the checkpoint container, bit-exact: every
// model's weights go through here.
#pragma once
#include <torch/torch.h>

#include <string>

#include "io/checkpoint.hpp"

namespace scldm {

// A module's parameters as blobs "<prefix><name>" (bit-exact).
void add_weights(CheckpointFile& ckpt, torch::nn::Module& module, const std::string& prefix = "param/");
// Copies blobs "<prefix><name>" into the module's parameters; a missing or
// misshapen tensor is an error naming `path`.
void load_weights(torch::nn::Module& module, const CheckpointFile& ckpt, const std::string& path,
                  const std::string& prefix = "param/");

// Tensor <-> blob, exact bytes.
Blob tensor_blob(const std::string& name, const torch::Tensor& t);
torch::Tensor blob_tensor(const Blob& b);

}  // namespace scldm
