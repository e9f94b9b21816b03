// Reconstruction metrics of a VAE on cells (MODEL.md §5, the paper's
// Table 1): NB negative log-likelihood per cell, and PCC, MSE and zero
// accuracy of an NB sample of the reconstruction.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "eval/recon.hpp"
#include "model/vae.hpp"
#include "train/cells.hpp"

namespace scldm {

struct ReconstructionResult {
  double nll = 0;  // RE: NB negative log-likelihood per cell, summed over genes
  ReconMetrics recon;
  size_t cells = 0;
};

// Each cell's sample is drawn from its own (seed, cell) generator.
ReconstructionResult evaluate_reconstruction(Vae& model, const CellSet& data, const std::vector<size_t>& which,
                                             int64_t batch, uint64_t seed, const torch::Device& device);

}  // namespace scldm
