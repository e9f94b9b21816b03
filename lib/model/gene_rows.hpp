// The decoder's gene side after its cross-attention, one logit per (cell,
// gene) row: f = query + out W_O', the LayerNorm, the SwiGLU and the head
//   logit = head . f + (W3' head) . (silu(y W1') * (y W2')) + b,  y = LN(f),
// computed a block of rows at a time (the rows of a block stay in cache), and
// in the backward pass computed again per block instead of kept: only the
// attention's output is saved. On the CPU in float the element-wise work runs
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

// out [B, c, E] (the attention's output), queries [c, E] -> logits [B, c].
// Differentiable in out, queries and every weight (once). values = false:
// the logits' values are left unset, for a caller that only differentiates
// them (the backward pass computes the rows anyway).
torch::Tensor gene_rows(const torch::Tensor& out, const torch::Tensor& queries, const GeneRowWeights& w,
                        bool values = true);

}  // namespace scldm
