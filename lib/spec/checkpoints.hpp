// What each kind of checkpoint must hold, torch-free, so that `scldm info`
// checks a checkpoint as fully as the model commands that load it: the
// description, every tensor's name, dtype and shape as the configuration
// implies them, and the fingerprint over description and weights.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "spec/config.hpp"

namespace scldm {

struct TensorSpec {
  std::string name;  // without the "param/" or "ema/" prefix
  std::vector<int64_t> shape;
};

// The parameters of the VAE, the DiT and the classifier network as their
// LibTorch modules name them (tests/model check that they agree).
std::vector<TensorSpec> vae_tensors(const VaeConfig& config);
std::vector<TensorSpec> dit_tensors(const DitConfig& config, const std::vector<std::string>& attributes);
std::vector<TensorSpec> classifier_tensors(const std::string& model, int64_t features, int64_t hidden, int64_t classes);

// Throws an Error naming `path` unless every spec is a float32 blob
// "<prefix><name>" of that shape.
void check_tensors(const CheckpointFile& ck, const std::vector<TensorSpec>& specs, const std::string& prefix,
                   const std::string& path);

// Fingerprints: FNV-1a over the description entries and the weights that
// define each kind (not the optimizer state, metrics or best weights).
std::string vae_fingerprint(const CheckpointFile& ck);
std::string prior_fingerprint(const CheckpointFile& ck);
std::string classifier_fingerprint(const CheckpointFile& ck);

// The VAE description of a checkpoint (kind, sizes, vocabulary), checked.
VaeConfig vae_description(const CheckpointFile& ck, const std::string& path, std::vector<std::string>* genes = nullptr);

// Checks a checkpoint of any known kind completely: description, tensors
// and fingerprint. Throws an Error naming `path`.
void validate_checkpoint(const CheckpointFile& ck, const std::string& path);

}  // namespace scldm
