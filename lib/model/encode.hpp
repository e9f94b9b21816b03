// Encoding cells with a trained VAE, and decoding latents back to counts.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/stream.hpp"
#include "model/vae_io.hpp"
#include "train/cells.hpp"

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

void encode_to_stream(LoadedVae& vae, const CellSet& cells, const std::string& output, const EncodeOptions& opt);
// Copies the input h5ad and adds obsm/X_scldm (cells x m*D float32).
void encode_into_h5ad_copy(LoadedVae& vae, const CellSet& cells, const std::string& input, const std::string& output,
                           const EncodeOptions& opt);

struct DecodeOptions {
  int64_t batch_size = 256;
  uint64_t seed = 0;
  double library_size = 0;  // > 0 overrides the stream's
  bool mean = false;         // write the NB means instead of samples
  std::vector<std::string> genes;  // subset to write; empty = all
  torch::Device device = torch::kCPU;
};

// Counts drawn from the NB decoder for every latent of a stream; each
// cell's draw depends on (seed, its position in the stream) only.
std::unique_ptr<CountSource> decode_stream(LoadedVae& vae, std::unique_ptr<StreamReader> latents, const DecodeOptions& opt);

// NB(mu, theta) draws for one cell's genes, from its own generator.
torch::Tensor sample_nb_cell(const torch::Tensor& mu, const torch::Tensor& theta, uint64_t seed);

std::string absolute_path(const std::string& path);

}  // namespace scldm
