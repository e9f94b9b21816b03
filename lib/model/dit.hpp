// The latent DiT of scldm-model(7), THE LATENT PRIOR: velocity v(z, t, labels) over the m latent
// tokens, conditioned by adaLN-Zero on a time embedding plus one class
// embedding per attribute. Parameter names follow ../shared/golden/README.md
// (inp, t1, t2, cls.<attribute>, blocks.<i>.{ada,qkv,o,w1,w2,w3}, final_ada,
// final) so golden weights load by name.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "spec/config.hpp"

namespace scldm {

struct DitBlockImpl : torch::nn::Module {
  DitBlockImpl(const DitConfig& c);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& c_silu);
  torch::nn::Linear ada{nullptr}, qkv{nullptr}, o{nullptr}, w1{nullptr}, w2{nullptr}, w3{nullptr};
  int64_t width, heads;
  double eps;
};
TORCH_MODULE(DitBlock);

struct DitImpl : torch::nn::Module {
  // `attributes` name the class tables (their sizes are config.classes).
  DitImpl(const DitConfig& c, const std::vector<std::string>& attributes);
  // z [B, m, D], t [B] in [0, 1], labels [B, A] int64 (the null row is
  // classes[a]); returns the velocity [B, m, D].
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& t, const torch::Tensor& labels);
  // A labels tensor with every attribute null, [B, A].
  torch::Tensor null_labels(int64_t batch) const;

  DitConfig config;
  torch::nn::Linear inp{nullptr}, t1{nullptr}, t2{nullptr}, final_ada{nullptr}, final{nullptr};
  std::vector<torch::nn::Embedding> cls;
  torch::nn::ModuleList blocks{nullptr};
  torch::Tensor pos_embed;  // [m, W] buffer, fixed
};
TORCH_MODULE(Dit);

// The time features [B, F]: cos(t·φ_j) then sin(t·φ_j), φ_j = 10000^(−j/(F/2)).
torch::Tensor time_features(const torch::Tensor& t, int64_t frequencies);
// 1-D sin-cos positions [m, W]: sin(p·ω_i) then cos(p·ω_i), ω_i = 10000^(−i/(W/2)).
torch::Tensor sincos_positions(int64_t tokens, int64_t width);

// Classifier-free guidance (scldm-model(7), SAMPLING AND GUIDANCE). joint: v∅ + ω·(v(y) − v∅);
// additive: v∅ + Σ_k ω_k·(v(y_k) − v∅). All branches go through one batched
// forward pass. Cells whose labels are all null get v∅.
struct Guidance {
  enum class Strategy { joint, additive };
  Strategy strategy = Strategy::joint;
  std::vector<double> weights;  // per attribute; joint uses weights[0]
};
torch::Tensor guided_velocity(Dit& model, const torch::Tensor& z, const torch::Tensor& t, const torch::Tensor& labels,
                              const Guidance& guidance);

}  // namespace scldm
