// Reconstruction metrics of a VAE on cells (scldm-model(7), EVALUATION; the
// paper's Table 1): NB negative log-likelihood per cell, and, on an NB sample
// of the reconstruction, PCC per gene across cells and MSE, both on
// log1p(CP10k), and the fraction of entries whose zero / non-zero state the
// reconstruction gets right.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "model/vae.hpp"
#include "io/cell_set.hpp"

namespace scldm {

struct ReconMetrics {
  double pcc = 0;        // mean over genes with variance on both sides (NaN-mean)
  double mse = 0;
  double zero_accuracy = 0;
};

// The metrics over cells given a block at a time (memory: per gene, not per
// cell): per-gene means and centred sums merged block by block.
class ReconAccumulator {
 public:
  explicit ReconAccumulator(size_t n_genes);
  // real and recon are row-major [n_cells, n_genes] counts; measured (same
  // shape, or null for all) says which entries count: a gene a cell's file
  // did not measure is left out of every metric.
  void add(const float* real, const float* recon, size_t n_cells, const uint8_t* measured = nullptr);
  ReconMetrics result() const;
  // The sums as numbers, and another accumulator's merged into these (cells
  // added elsewhere, e.g. by other data-parallel ranks).
  std::vector<double> state() const;
  void merge(const std::vector<double>& state);

 private:
  void merge_gene(size_t j, uint64_t k, double ma, double mb, double saa, double sbb, double sab);
  size_t g_;
  std::vector<uint64_t> n_;  // cells that measured each gene
  uint64_t entries_ = 0;
  std::vector<double> mean_a_, mean_b_, m2_a_, m2_b_, c_ab_;
  double se_ = 0;
  uint64_t zero_right_ = 0;
};

// All cells at once: real and recon are row-major [n_cells, n_genes] counts.
ReconMetrics recon_metrics(const float* real, const float* recon, size_t n_cells, size_t n_genes);

struct ReconstructionResult {
  double nll = 0;  // RE: NB negative log-likelihood per cell, summed over (measured) genes
  ReconMetrics recon;
  size_t cells = 0;
};

// The metrics over cells added part by part (e.g. chunks read in turn). Each
// cell's sample is drawn from its own (seed, cell position) generator; parts
// of a multiple of cell_block_size cells (all but the last) give the result
// of adding all cells at once. The model is in eval mode while it lives.
class ReconstructionPass {
 public:
  ReconstructionPass(Vae& model, uint64_t seed, const torch::Device& device);
  ~ReconstructionPass();
  ReconstructionPass(const ReconstructionPass&) = delete;
  ReconstructionPass& operator=(const ReconstructionPass&) = delete;
  void add(const CellSet& data, const std::vector<size_t>& which);
  ReconstructionResult result() const;
  // As ReconAccumulator's: another pass's cells merged into this one's.
  std::vector<double> state() const;
  void merge(const std::vector<double>& state);

 private:
  Vae& model_;
  uint64_t seed_;
  torch::Device device_;
  bool was_training_;
  ReconAccumulator metrics_;
  double nll_sum_ = 0;
  size_t cells_ = 0;
};

}  // namespace scldm
