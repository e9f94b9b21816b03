// Training the VAE (scldm-model(7), THE AUTOENCODER) in the shared loop (train/trainer.hpp):
// NB negative log-likelihood of the counts (plus β·KL with a Gaussian
// posterior), AdamW (0.9, 0.95), validation by reconstruction metrics.
#pragma once
#include <torch/torch.h>

#include "spec/config.hpp"
#include "io/cell_set.hpp"
#include "train/trainer.hpp"
#include "train/training_cells.hpp"

namespace scldm {

struct VaeTrainOptions : TrainingOptions {
  VaeTrainOptions() { output = "vae.pt"; }
  // With cells of several gene panels: the encoder reads only the genes every
  // panel measured (VaeImpl::encoder_genes), not all of a cell's.
  bool encode_shared_genes = false;
};

TrainingResult train_vae(TrainingCells& data, const VaeConfig& config, const VaeTrainOptions& options);
// Cells in memory.
TrainingResult train_vae(const CellSet& data, const VaeConfig& config, const VaeTrainOptions& options);

}  // namespace scldm
