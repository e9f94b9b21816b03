// Generation metrics (scldm-model(7), EVALUATION): real and generated cells normalised to
// 10⁴ counts per cell and log1p-transformed on their shared genes; the
// highly variable genes of the real cells; PCA fitted on the real cells and
// applied to both; then two-sample metrics in that space, each next to the
// real-vs-real floor computed on the same sample sizes.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/cell_set.hpp"

namespace scldm {

struct GenerationEvalOptions {
  int64_t hvg = 2000;         // genes with the largest variance of log1p(CP10k) on the real cells
  int64_t components = 30;
  int64_t max_cells = 5000;   // per compared set, for the O(n²) metrics
  int64_t knn = 5;            // k of k-NN precision/recall
  std::string w2 = "exact";   // exact | sinkhorn
  int64_t min_cells = 10;     // per side, for a class of --by
  uint64_t seed = 0;
  std::string by;             // label for per-class metrics
};

// The PCA space of the real cells.
struct PcaSpace {
  std::vector<int64_t> genes;  // vocabulary indices (1-based) of the highly variable genes
  torch::Tensor mean;          // [G_hvg]
  torch::Tensor components;    // [G_hvg, k], columns in decreasing variance
  torch::Tensor explained;     // [k] variances
};

// log1p(CP10k) of `which` cells on the vocabulary genes `genes`, [n, |genes|] float64.
torch::Tensor log_normalised(const CellSet& cells, const std::vector<size_t>& which, const std::vector<int64_t>& genes);
// A pass over every cell of a set, a chunk at a time: visit(cells, which)
// for each chunk (a file read afresh, or parts of a set in memory).
using CellVisitor = std::function<void(const CellSet&, const std::vector<size_t>&)>;
using CellPass = std::function<void(const CellVisitor&)>;
// Cells per chunk of a pass (the PCA's sums are exact for a given chunking).
inline constexpr size_t kPassChunkCells = 4096;
CellPass pass_over(const CellSet& cells);

// Two passes over the real cells (genes 1..n_genes); memory holds one chunk
// densely, not every cell.
PcaSpace fit_pca(const CellPass& real, size_t n_genes, int64_t hvg, int64_t components);
PcaSpace fit_pca(const CellSet& real, int64_t hvg, int64_t components);
torch::Tensor project(const PcaSpace& space, const CellSet& cells, const std::vector<size_t>& which);

// What evaluate_generation reads: every cell's labels, and the cells that a
// comparison uses (at most 2 x --max-cells real and --max-cells generated
// per group), by position: a million cells need not be held.
struct GenerationInputs {
  const CellSet& real_labels;  // labels (and count) of every real cell; counts not needed
  const CellSet& gen_labels;
  // The cells at the positions given (ascending), CellSet::origin set.
  std::function<CellSet(const std::vector<size_t>&)> load_real, load_gen;
};
nlohmann::ordered_json evaluate_generation(const GenerationInputs& inputs, const PcaSpace& space,
                                           const GenerationEvalOptions& options);

// All cells in memory. Both sets must share `real.vocabulary` (load the generated cells with it).
nlohmann::ordered_json evaluate_generation(const CellSet& real, const CellSet& generated, const GenerationEvalOptions& options,
                                           PcaSpace* space_out = nullptr);

// The metric names in report order.
const std::vector<std::string>& generation_metric_names();

}  // namespace scldm
