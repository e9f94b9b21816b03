// A trained VAE applied to cells: their latents, and NB draws from its
// decoder. Each cell's result depends on the cell and the seed only.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/cell_set.hpp"
#include "model/vae_io.hpp"

namespace scldm {

struct EncodeOptions {
  int64_t batch_size = 256;
  uint64_t seed = 0;  // picks the genes of cells above the context, per cell
  torch::Device device = torch::kCPU;
  std::vector<std::string> labels;  // label columns to keep; empty = all
  nlohmann::json provenance = nlohmann::json::object();
};

// Latents [n, m, D] of `which` cells, batch by batch.
torch::Tensor encode_cells(LoadedVae& vae, const CellSet& cells, const std::vector<size_t>& which, const EncodeOptions& opt);

// NB(mu, theta) draws for one cell's genes, from its own generator.
torch::Tensor sample_nb_cell(const torch::Tensor& mu, const torch::Tensor& theta, uint64_t seed);

}  // namespace scldm
