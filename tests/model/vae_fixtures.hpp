// Small VAEs with random weights for the model tests.
#pragma once
#include <torch/torch.h>

#include "model/vae.hpp"

namespace scldm::test {

inline VaeConfig tiny(int64_t genes) {
  VaeConfig c = vae_preset("tiny");
  c.n_genes = genes;
  c.blocks = 2;
  return c;
}

// Random weights, including the LayerNorm affines and head, so that no
// symmetry of the initialisation hides a bug.
inline Vae random_vae(const VaeConfig& c, uint64_t seed) {
  torch::manual_seed(seed);
  Vae v(c);
  torch::NoGradGuard no_grad;
  for (auto& p : v->parameters()) p.copy_(torch::randn_like(p) * 0.3);
  v->eval();
  return v;
}

}  // namespace scldm::test
