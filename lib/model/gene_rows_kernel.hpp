// The element-wise loops of gene_rows() on the CPU (model/gene_rows.hpp),
// free of LibTorch: the residual, LayerNorm and head of a block of the
// decoder's (cell, gene) rows, and their backward pass, in one pass each over
// rows that stay in cache. Sums over a row run in 16 lanes added in a fixed
// tree, sums over rows in row order, with no fused multiply-add: the bytes do
// not depend on the vector width of the CPU.
#pragma once
#include <cstdint>

namespace scldm::gene_rows_kernel {

// The widest rows the kernel takes (its per-row scratch is on the stack).
inline constexpr int64_t kMaxWidth = 1024;

// n rows of width E <= kMaxWidth; row i is gene (first_gene + i) % genes.
struct Block {
  int64_t n, E, genes, first_gene;
};

// LayerNorm's parameters and the head: logit = head . f + r + head_bias.
struct Params {
  const float *norm_weight, *norm_bias;
  float eps;
  const float* head;
  float head_bias;
};

// f [n, E] += queries[gene]; y [n, E] = LayerNorm(f).
void residual_norm(const Block& x, const Params& p, const float* queries, float* f, float* y);

// logits[i] = head . f[i] + r[i] + head_bias.
void head_logits(const Block& x, const Params& p, const float* f, const float* r, float* logits);

// Sums over rows, added to in row order.
struct Sums {
  float *head, *head_bias, *norm_weight, *norm_bias;  // [E], [1], [E], [E]
  float* queries;                                      // [genes, E]
};

// For the logits' gradient g [n] and dy [n, E] (the SwiGLU's share of the
// gradient at y): df [n, E] = d logit / d f, written; the parameters' and
// the queries' gradients added to s.
void backward(const Block& x, const Params& p, const float* g, const float* f, const float* dy, float* df, const Sums& s);

}  // namespace scldm::gene_rows_kernel
