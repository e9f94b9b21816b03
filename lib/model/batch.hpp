// Turning cells into model inputs. A cell's input depends only on the cell
// and a seed, never on its batch companions: padding is masked, and when a
// cell has more expressed genes than the context, the kept genes are drawn
// from a generator seeded by (seed, cell).
#pragma once
#include <torch/torch.h>

#include "model/vae.hpp"
#include "io/cell_set.hpp"
#include "util/indices.hpp"

namespace scldm {

// A row of `which` that holds no cell (filling a fixed-shape block): no genes.
inline constexpr size_t kPlaceholderCell = SIZE_MAX;

// Pads to the longest cell, or to `pad_to` when that is larger. With
// `read` (VaeImpl::encoder_genes), only those genes are candidates.
EncoderBatch encoder_batch(const CellSet& cells, const std::vector<size_t>& which, int64_t max_genes, uint64_t seed,
                           const torch::Device& device, int64_t pad_to = 0, const std::vector<uint8_t>& read = {});
// Counts over the whole vocabulary, [B, G].
torch::Tensor dense_counts(const CellSet& cells, const std::vector<size_t>& which, int64_t n_genes,
                           const torch::Device& device);
torch::Tensor library_sizes(const CellSet& cells, const std::vector<size_t>& which, const torch::Device& device);
// Which vocabulary genes each cell's file measured, [B, G] bool; undefined
// when every cell measured every gene (CellSet::panels).
torch::Tensor measured_genes(const CellSet& cells, const std::vector<size_t>& which, const torch::Device& device);

// Cell positions as an int64 index tensor (for index_select / index_copy_).
torch::Tensor index_tensor(const std::vector<size_t>& which);


}  // namespace scldm
