// The decoder's gene side: every gene query attends to a cell's m latent
// tokens (cross-attention, LayerNorm, SwiGLU, head) and becomes one logit.
// It is the only part of the VAE whose work and memory scale with cells x
// genes. Inference runs it over fixed chunks of genes. Training keeps its
// intermediates for the backward pass while they fit kStoredBudgetBytes;
// beyond that it keeps none: the backward pass computes each chunk again
// (gradient checkpointing per chunk), so memory is the [B, G] logits plus one
// chunk's intermediates whatever the gene count. Results equal the unchunked
// computation up to float rounding (tests/model/vae_test.cpp).
#pragma once
#include <torch/torch.h>

#include "spec/config.hpp"

namespace scldm {

struct VaeImpl;

// Training keeps the gene side's intermediates (fastest) while a batch's
// fit in this many bytes (on the CPU in float, the rows' activations too,
// kept_row_bytes each, where those also fit), and recomputes chunks beyond
// it (flat memory).
inline constexpr double kStoredBudgetBytes = 1024.0 * 1024 * 1024;

// While one lives on a thread, the gene side there keeps or recomputes as a
// batch of `cells` would: the parts of a training step (computed one per
// thread) then share the budget as their batch, and all make its choice,
// whatever the thread count (the two paths round differently).
class GeneSideBatch {
 public:
  explicit GeneSideBatch(int64_t cells);
  ~GeneSideBatch();
  GeneSideBatch(const GeneSideBatch&) = delete;
  GeneSideBatch& operator=(const GeneSideBatch&) = delete;

 private:
  int64_t previous_;
};

// Genes per chunk: fixed (never derived from the batch), so that a cell's
// arithmetic does not depend on its batch companions.
inline constexpr int64_t kGeneChunk = 256;

// What training holds per (cell, gene) at its peak when the gene side is not
// recomputed. rows_kernel (the CPU in float, model/gene_rows.hpp): the
// attention's weights and output, and in the backward pass the gradients of
// that output and of the queries per cell, and the likelihood's [B, G]
// terms (measured: fit-vae --preset base on 20,000 genes, bench/RESULTS.md);
// otherwise autograd's attention scores and weights and E-wide activations
// (swiglu_head keeps none of its hidden-wide ones).
inline double stored_bytes_per_cell_gene(const VaeConfig& c, bool rows_kernel) {
  if (rows_kernel) return 4.0 * double(c.heads_cross * c.tokens + 3 * c.embed + 12);
  return 4.0 * double(2 * c.heads_cross * c.tokens + 8 * c.embed + 3);
}

// Logits [B, Q] of the gene queries `queries` [Q, E] (embedding rows) for
// the decoder tokens [B, m, E], through v.dec_ca and v.head. budget: see
// kStoredBudgetBytes (tests force either path with 0 or infinity).
torch::Tensor gene_side_logits(VaeImpl& v, const torch::Tensor& tokens, const torch::Tensor& queries,
                               int64_t chunk = kGeneChunk, double budget = kStoredBudgetBytes);

}  // namespace scldm
