// `scldm decode`: a latent stream read as counts, cell by cell.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "io/stream.hpp"
#include "model/vae_io.hpp"

namespace scldm {

struct DecodeOptions {
  int64_t batch_size = 256;
  uint64_t seed = 0;
  double library_size = 0;  // > 0 overrides the stream's
  bool mean = false;         // write the NB means instead of samples
  std::vector<std::string> genes;  // the panel to write (the library size spreads over it); empty = all
  torch::Device device = torch::kCPU;
};

// Counts drawn from the NB decoder for every latent of a stream; each
// cell's draw depends on (seed, its position in the stream) only.
std::unique_ptr<CountSource> decode_stream(LoadedVae& vae, std::unique_ptr<StreamReader> latents, const DecodeOptions& opt);

}  // namespace scldm
