// Sizes of the VAE (scldm-model(7), THE AUTOENCODER). Torch-free so that `scldm info` and the
// option checks can read it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace scldm {

struct VaeConfig {
  int64_t n_genes = 0;       // G; vocabulary index 0 is padding
  int64_t embed = 32;        // E
  int64_t tokens = 16;       // m
  int64_t latent_dim = 16;   // D
  int64_t blocks = 8;        // encoder and decoder each
  int64_t heads = 8;
  int64_t heads_cross = 4;
  int64_t mlp_hidden = 0;    // 0: 2/3 * 4E rounded up to a multiple of 4
  double layernorm_eps = 1e-8;
  std::string input = "scale";  // scale: emb * log1p(x); concat: Linear([emb | log1p(x)]); add: emb + log1p(x) v
  std::string input_norm = "none";  // none: x = the counts; cp10k: x = counts per 10^4 of the cell's library
  double beta = 0;           // KL weight of a Gaussian posterior; 0 = deterministic
  // beta > 0: the log-variance head has a bias, so the noise can start small; checkpoints
  // written before it have a bias-free head, whose noise starts at the encoder output's scale.
  bool logvar_bias = true;
  int64_t max_genes = 1024;  // encoder context; more expressed genes are subsampled

  int64_t hidden() const { return mlp_hidden > 0 ? mlp_hidden : ((8 * embed + 2) / 3 + 3) / 4 * 4; }
  nlohmann::json to_json() const;
  static VaeConfig from_json(const nlohmann::json& j);
  // Checks the sizes fit together; throws UsageError naming the option.
  void validate() const;
};

// "tiny" (tests), "small" (CPU), "base" (the reference: E 32, m 16, D 16,
// 8 + 8 blocks, 8 / 4 heads).
VaeConfig vae_preset(const std::string& name);

// fit-vae's peak learning rate for a preset: base keeps the reference's 1e-3;
// the smaller presets learn faster per epoch at 2e-3 (bench/RESULTS.md).
double vae_preset_lr(const std::string& name);

// One label attribute the prior is conditioned on; its class table has one
// extra row, index categories.size(), for the null label.
struct Attribute {
  std::string name;
  std::vector<std::string> categories;
  int64_t null_index() const { return int64_t(categories.size()); }
};

// The DiT module name of an attribute's class table (module names cannot hold '.').
std::string attribute_module_name(const std::string& attribute);

// Sizes of the latent DiT (scldm-model(7), THE LATENT PRIOR).
struct DitConfig {
  int64_t width = 256;       // W
  int64_t tokens = 16;       // m (from the VAE)
  int64_t latent_dim = 16;   // D (from the VAE)
  int64_t blocks = 8;
  int64_t heads = 8;
  int64_t mlp_hidden = 0;    // 0: 2/3 * 4W rounded up to a multiple of 4
  int64_t time_frequencies = 256;
  double layernorm_eps = 1e-8;
  std::vector<int64_t> classes;  // per attribute, without the null row

  int64_t hidden() const { return mlp_hidden > 0 ? mlp_hidden : ((8 * width + 2) / 3 + 3) / 4 * 4; }
  nlohmann::json to_json() const;
  static DitConfig from_json(const nlohmann::json& j);
  void validate() const;
};

// "tiny" (tests), "small" (CPU, minutes), "base" (the reference: W 256,
// 8 blocks, 8 heads).
DitConfig dit_preset(const std::string& name);

// fit-prior's peak learning rate for a preset: base keeps the reference's
// 1e-3; the smaller DiTs reach a lower validation loss in the same epochs at
// 4e-3 (bench/RESULTS.md, "The prior's learning rate").
double dit_preset_lr(const std::string& name);

}  // namespace scldm
