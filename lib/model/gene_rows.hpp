// The decoder's gene side after its cross-attention, one logit per (cell,
// gene) row: f = query + out W_O', the LayerNorm, the SwiGLU and the head
//   logit = head . f + (W3' head) . (silu(y W1') * (y W2')) + b,  y = LN(f),
// computed a block of rows at a time (the rows of a block stay in cache), and
// in the backward pass computed again per block instead of kept (only the
// attention's output is saved) unless the caller has room to keep them. On the CPU in float the element-wise work runs
// as single loops (gene_rows_kernel.hpp, swiglu_kernel.hpp); elsewhere the
// same formula runs as tensor operations (the caller's).
#pragma once
#include <torch/torch.h>

namespace scldm {

struct GeneRowWeights {
  torch::Tensor out_proj;                  // W_O [E, E]
  torch::Tensor norm_weight, norm_bias;    // [E]
  torch::Tensor w1, w2, w3;                // [H, E], [H, E], [E, H]
  torch::Tensor head_weight, head_bias;    // [1, E], [1]
  double eps;
};

// Whether gene_rows() runs on tensors like `like` with rows of width E: on
// the CPU in float, for rows of at most the kernel's width.
bool gene_rows_runs(const torch::Tensor& like, int64_t E);

enum class GeneRowsMode {
  values,     // the logits; the backward pass computes each block's rows again
  keep_rows,  // the logits, and every row's activations kept for the backward
              // pass (kept_row_bytes each: faster, the same bytes)
  backward_only,  // the logits' values left unset, for a caller that only
                  // differentiates them (the backward pass computes the rows anyway)
};

// What keep_rows holds per row: f, y and the SwiGLU's two [hidden] halves.
inline double kept_row_bytes(int64_t E, int64_t hidden) { return 4.0 * double(2 * E + 2 * hidden); }

// out [B, c, E] (the attention's output), queries [c, E] -> logits [B, c].
// Differentiable in out, queries and every weight (once).
torch::Tensor gene_rows(const torch::Tensor& out, const torch::Tensor& queries, const GeneRowWeights& w,
                        GeneRowsMode mode = GeneRowsMode::values);

}  // namespace scldm
